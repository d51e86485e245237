/*
 * capture_live_module.c - `memtype capture --load-msr`: load the msr driver
 * so that /dev/cpu/N/msr exists, on a full system and in a minimal
 * initramfs alike.
 *
 * First `modprobe msr` (fork/exec through PATH). When modprobe cannot be
 * run (an initramfs has none) or fails, the module file itself is handed to
 * the kernel with finit_module(2): MEMTYPE_MSR_MODULE=PATH names it, else
 * the first of msr.ko, msr.ko.xz, msr.ko.zst in
 * /lib/modules/<uname -r>/kernel/arch/x86/kernel/ -- where modules_install
 * puts the object arch/x86/kernel/Makefile builds for CONFIG_X86_MSR=m. A
 * compressed file is passed with MODULE_INIT_COMPRESSED_FILE so the kernel
 * decompresses it. Every step leaves a "# msr: --load-msr: ..." comment.
 * Loading the driver only creates the device nodes; no MSR is written.
 */
#define _DEFAULT_SOURCE 1
#include "capture_live.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* include/uapi/linux/module.h: flags of finit_module(2). */
#define MT_MODULE_INIT_COMPRESSED_FILE 4

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

#define RUN_TIMEOUT_MS 10000

/* RUN_TIMEOUT_MS, or MEMTYPE_CAPTURE_TIMEOUT_MS (a test hook, 1..600000). */
static long run_timeout_ms(void)
{
	const char *e = getenv("MEMTYPE_CAPTURE_TIMEOUT_MS");
	char *end;
	long v = e ? strtol(e, &end, 10) : 0;

	return e && *e && !*end && v >= 1 && v <= 600000 ? v : RUN_TIMEOUT_MS;
}

/* Run argv (a program from PATH) and wait: 0 when it exits 0, 127 when it
 * could not be run, 1 otherwise (also when it ran past RUN_TIMEOUT_MS);
 * why says what happened. */
static int run_program(char *const argv[], char *why, size_t whyn)
{
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, whyn, "fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	/* Bounded: a modprobe stuck on a hung module init must not hang the
	 * capture. Poll every 50 ms, kill it after RUN_TIMEOUT_MS. */
	int st = 0;
	long waited = 0, limit = run_timeout_ms();
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			snprintf(why, whyn, "waitpid: %s", strerror(errno));
			return 1;
		}
		if (waited >= limit) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			snprintf(why, whyn, "%s did not finish within %ld ms: killed", argv[0],
				 limit);
			return 1;
		}
		sleep_ms(50);
		waited += 50;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		snprintf(why, whyn, "ok");
		return 0;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		snprintf(why, whyn, "could not run %s (not installed?)", argv[0]);
		return 127;
	}
	if (WIFEXITED(st))
		snprintf(why, whyn, "exit status %d", WEXITSTATUS(st));
	else
		snprintf(why, whyn, "killed by signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return 1;
}


static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

/*
 * The module file to load into path: MEMTYPE_MSR_MODULE, else the first
 * existing msr.ko[.xz|.zst] of the running kernel (under the sysroot in
 * tests). false with a comment when there is none.
 */
static bool module_file(struct capture *c, char *path, size_t n)
{
	static const char *const exts[] = {"", ".xz", ".zst"};
	const char *env = getenv("MEMTYPE_MSR_MODULE");
	struct utsname u;

	if (env && env[0]) {
		if ((size_t)snprintf(path, n, "%s", env) < n)
			return true;
		cap_note(c, "msr: --load-msr: MEMTYPE_MSR_MODULE is longer than %zu bytes", n - 1);
		return false;
	}
	if (uname(&u) != 0) {
		cap_note(c, "msr: --load-msr: uname: %s: no module directory", strerror(errno));
		return false;
	}
	char dir[512], rel[400];
	snprintf(rel, sizeof(rel), "/lib/modules/%s/kernel/arch/x86/kernel/msr.ko", u.release);
	cap_path(c, dir, sizeof(dir), rel);
	for (size_t k = 0; k < sizeof(exts) / sizeof(exts[0]); k++) {
		snprintf(path, n, "%s%s", dir, exts[k]);
		if (access(path, F_OK) == 0)
			return true;
	}
	cap_note(c,
		 "msr: --load-msr: no %s{,.xz,.zst} (set MEMTYPE_MSR_MODULE=PATH to name the file)",
		 dir);
	return false;
}

/* Why finit_module(2) failed, in the words of kernel/module/main.c. */
static const char *finit_hint(int e, bool compressed)
{
	switch (e) {
	case EPERM:
		return "needs CAP_SYS_MODULE, and kernel.modules_disabled must be 0";
	case ENOEXEC:
		return "the kernel refuses the file: not a module it can load (ELF checks)";
	case EINVAL:
		/* MODULE_INIT_COMPRESSED_FILE came with in-kernel decompression
		 * in Linux 5.17 (kernel/module_decompress.c, kernel/module/ since
		 * 5.19; CONFIG_MODULE_DECOMPRESS). */
		return compressed ? "the kernel refuses MODULE_INIT_COMPRESSED_FILE (older than "
				    "5.17) or the module (vermagic): decompress it, or use the "
				    "kernel's own"
				  : "the kernel refuses the module: built for another kernel "
				    "(vermagic, modversions)";
	case EOPNOTSUPP:
		return "a compressed module, and the kernel has no CONFIG_MODULE_DECOMPRESS: "
		       "decompress it first";
	case EKEYREJECTED:
	case EBADMSG:
		return "its signature is rejected (module.sig_enforce, lockdown)";
	case ENOSYS:
		return "no finit_module system call (Linux before 3.8, or a seccomp filter)";
	default:
		return "";
	}
}

/*
 * finit_module(2) on the module file (kernel/module/main.c SYSCALL
 * finit_module: flags beyond MODULE_INIT_IGNORE_* and
 * MODULE_INIT_COMPRESSED_FILE are EINVAL; EEXIST when the module is
 * already loaded). true when the driver is (now) there.
 */
static bool finit(struct capture *c)
{
	char path[640];

	if (!module_file(c, path, sizeof(path)))
		return false;
	bool compressed = ends_with(path, ".xz") || ends_with(path, ".zst");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cap_note(c, "msr: --load-msr: %s: %s", path, strerror(errno));
		return false;
	}
	int flags = compressed ? MT_MODULE_INIT_COMPRESSED_FILE : 0;
	long r = syscall(SYS_finit_module, fd, "", flags);
	int e = r == 0 ? 0 : errno;
	close(fd);
	const char *how = compressed ? ", MODULE_INIT_COMPRESSED_FILE" : "";
	if (e == 0) {
		cap_note(c, "msr: --load-msr: finit_module(%s%s): loaded", path, how);
		return true;
	}
	if (e == EEXIST) {
		cap_note(c, "msr: --load-msr: finit_module(%s%s): already loaded", path, how);
		return true;
	}
	const char *hint = finit_hint(e, compressed);
	cap_note(c, "msr: --load-msr: finit_module(%s%s): %s%s%s%s", path, how, strerror(e),
		 hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
	return false;
}

void cap_load_msr(struct capture *c, const char *node)
{
	char why[160];
	char *argv[] = {"modprobe", "msr", NULL};

	int st = run_program(argv, why, sizeof(why));
	cap_note(c, "msr: --load-msr: modprobe msr: %s", why);
	if (st != 0 && !finit(c))
		return;
	/* The driver's device_create() per CPU (arch/x86/kernel/msr.c
	 * msr_device_create) makes devtmpfs, or udev, create the nodes. */
	for (int t = 0; t < 20 && access(node, F_OK) != 0; t++)
		sleep_ms(100);
	if (access(node, F_OK) != 0)
		cap_note(c,
			 "msr: --load-msr: %s did not appear within 2 s (is devtmpfs mounted on "
			 "/dev?)",
			 node);
}
