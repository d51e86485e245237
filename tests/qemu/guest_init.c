/*
 * guest_init.c - /init of the tests/qemu initramfs: mount what `memtype
 * capture` reads, run it with its output on the second serial port, power off.
 *
 * The kernel runs it as PID 1 (rdinit=/init, Documentation/admin-guide/
 * initrd.rst / early-userspace); there is no shell and no modprobe in the
 * initramfs, so capture's --load-msr loads msr.ko with finit_module(2).
 * Output goes to /dev/ttyS1 (QEMU's second -serial, a host file) so that it
 * never interleaves with the kernel console on ttyS0. PID 1 must not exit
 * (the kernel panics, kernel/exit.c "Attempted to kill init"), so it powers
 * the machine off with reboot(2) LINUX_REBOOT_CMD_POWER_OFF after sync().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void mount_one(const char *src, const char *dir, const char *type)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		fprintf(stderr, "guest_init: mkdir %s: %s\n", dir, strerror(errno));
	if (mount(src, dir, type, 0, NULL) != 0 && errno != EBUSY)
		fprintf(stderr, "guest_init: mount %s on %s: %s\n", type, dir, strerror(errno));
}

static int run_capture(void)
{
	char *const argv[] = { "memtype", "capture", "--load-msr", "-o", "/dev/ttyS1", NULL };
	pid_t pid = fork();
	int status = 0;

	if (pid < 0) {
		perror("guest_init: fork");
		return -1;
	}
	if (pid == 0) {
		execv("/bin/memtype", argv);
		perror("guest_init: exec /bin/memtype");
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	mount_one("proc", "/proc", "proc");
	mount_one("sysfs", "/sys", "sysfs");
	mount_one("devtmpfs", "/dev", "devtmpfs");
	mount_one("debugfs", "/sys/kernel/debug", "debugfs");

	int rc = run_capture();
	/* The host script looks for this line on the console (ttyS0). */
	printf("memtype-guest: capture exit status %d\n", rc);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause(); /* reboot() failed: the host's timeout ends the boot */
}
