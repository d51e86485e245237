/*
 * capture_live_klog.c - the "# section: kernel-log" block of `memtype
 * capture`: the kernel's own boot lines about MTRRs, PAT and the e820 map,
 * which say what the kernel saw and did (its MTRR dump, "MTRR map:", PAT
 * configuration, cleanup, "inconsistent ... settings", ioremap conflicts).
 *
 * Source: klogctl(SYSLOG_ACTION_READ_ALL), the whole ring buffer as
 * "<level>[seconds] text" lines; when that fails for another reason than
 * permission, /dev/kmsg read non-blocking, one "level,seq,usec,flags;text"
 * record per read (Documentation/ABI/testing/dev-kmsg). Both need
 * CAP_SYSLOG when kernel.dmesg_restrict is 1 (kernel/printk/printk.c
 * syslog_action_restricted, check_syslog_permissions). Under the test hook
 * MEMTYPE_CAPTURE_SYSROOT=DIR the log is DIR/proc/kmsg-dump, one line per
 * kernel line as dmesg or klogctl prints it.
 *
 * Only the lines explain reads are kept (capture_dmesg.c, listed in
 * docs/capture-formats.md), each as the kernel prints it: the "<level>" is
 * dropped, the "[    0.000000] " timestamp kept. A line of the log that
 * carries neither a level nor a timestamp is not a kernel line (a serial
 * console's shell output) and is skipped.
 */
#define _DEFAULT_SOURCE 1
#include "capture_live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <unistd.h>

/* include/linux/syslog.h */
#define MT_SYSLOG_ACTION_READ_ALL    3
#define MT_SYSLOG_ACTION_SIZE_BUFFER 10
#define KLOG_MAX		     (64 << 20) /* a bigger log_buf_len is read up to this */
/*
 * A /dev/kmsg read into a buffer smaller than the record is EINVAL
 * (kernel/printk/printk.c devkmsg_read). A formatted record is at most
 * CONSOLE_EXT_LOG_MAX (8192, include/linux/printk.h) before Linux 6.2 and
 * PRINTK_MESSAGE_MAX (2048, kernel/printk/internal.h) since.
 */
#define KMSG_RECORD 8192

struct klog {
	struct capture *c;
	bool block;   /* inside an MTRR dump or map: its indented lines follow */
	bool banner;  /* the "Linux version" line was seen */
	size_t lines; /* kernel lines read */
	size_t kept;  /* lines written */
};

/* Starts of the messages capture_dmesg.c reads (its header names the
 * kernel function printing each). */
static const char *const wanted_starts[] = {
    "Linux version ",
    "Command line:",
    "Kernel command line:",
    "DMI:",
    "Hypervisor detected:",
    "BIOS-provided physical RAM map",
    "BIOS-e820:",
    "e820",
    "Xen: [mem",
    "MTRR",
    "mtrr",
    "x86/PAT",
    "x86 PAT",
    "PAT",
    "x86/mm",
    "TOM2:",
    "original variable MTRRs",
    "New variable MTRRs",
    "reg ",
    "total RAM cover",
    "Found optimal setting",
    "gran_size:",
    "*BAD*",
    "update e820 for mtrr",
    "please specify mtrr_gran_size",
    "invalid mtrr_gran_size",
    "WARNING: BIOS bug:",
    "CPU MTRRs all blank",
    "ioremap ",
    "smpboot: CPU0: ",
    "x86/cpu: VMX",
    "x86/cpu: SGX",
    "Performance Events:",
    "AMD-Vi:",
    "microcode:",
};

static bool starts(const char *s, const char *w)
{
	return strncmp(s, w, strlen(w)) == 0;
}

/*
 * A line inside print_mtrr_state()'s or mtrr_build_map()'s block
 * (arch/x86/kernel/cpu/mtrr/generic.c): "  00000-9FFFF write-back" (%05X),
 * "  0 base 0C0000000 mask FC0000000 uncachable", "  1 disabled",
 * "  0: 0000000000000000-000000000009ffff write-back" -- upper-case hex or
 * decimal, then '-', ':' or a blank. ("ACPI:" or "e820:" is not.)
 */
static bool block_line(const char *m)
{
	size_t k = 0;
	while ((m[k] >= '0' && m[k] <= '9') || (m[k] >= 'A' && m[k] <= 'F'))
		k++;
	return k > 0 && (m[k] == '-' || m[k] == ':' || m[k] == ' ');
}

/* Whether explain reads this message (the text after the timestamp). */
static bool wanted(struct klog *k, const char *msg)
{
	while (*msg == ' ' || *msg == '\t')
		msg++;
	if (k->block && block_line(msg))
		return true;
	k->block = false;
	for (size_t i = 0; i < sizeof(wanted_starts) / sizeof(wanted_starts[0]); i++) {
		if (!starts(msg, wanted_starts[i]))
			continue;
		k->block = starts(msg, "MTRR fixed ranges") ||
			   starts(msg, "MTRR variable ranges") || starts(msg, "MTRR map:");
		return true;
	}
	/* <= 6.1 mtrr_bp_init() said just "Disabled"; WARNINGs from the PAT code. */
	return strcmp(msg, "Disabled") == 0 ||
	       (starts(msg, "WARNING: CPU:") && strstr(msg, "arch/x86/mm/pat"));
}

/* "[    0.000000]" at s: the index after ']' (and after a CONFIG_PRINTK_CALLER
 * "[    T1]" that follows), or 0. */
static size_t timestamp(const char *s)
{
	size_t k = 1;
	bool digit = false;

	if (s[0] != '[')
		return 0;
	for (; s[k] == ' ' || s[k] == '.' || (s[k] >= '0' && s[k] <= '9'); k++)
		digit = digit || s[k] != ' ';
	if (s[k] != ']' || !digit)
		return 0;
	k++;
	if (s[k] == '[') {
		size_t j = k + 1;
		while (s[j] == ' ')
			j++;
		if (s[j] == 'T' || s[j] == 'C') {
			while (s[j] && s[j] != ']')
				j++;
			if (s[j] == ']')
				k = j + 1;
		}
	}
	return k;
}

/* One line of the log (NUL-terminated, no newline). */
static void klog_line(struct klog *k, char *s)
{
	bool kernel = false;
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';

	if (s[0] == '<' && s[1] >= '0' && s[1] <= '9') {
		char *e = s + 1;
		while (*e >= '0' && *e <= '9')
			e++;
		if (*e == '>') {
			s = e + 1;
			kernel = true;
		}
	}
	size_t t = timestamp(s);
	if (!t && !kernel)
		return;
	const char *msg = s + t;
	while (*msg == ' ')
		msg++;
	k->lines++;
	if (starts(msg, "Linux version "))
		k->banner = true;
	if (!wanted(k, msg))
		return;
	n = strlen(s);
	/* A line ending in '=' would look like a quoted-printable soft break to
	 * explain's input sniffing (capture_detect.c): a blank after it keeps it text. */
	fprintf(k->c->f, "%s%s\n", s, n && s[n - 1] == '=' ? " " : "");
	k->kept++;
}

/* Split buf (len bytes, NUL-terminated) into lines. */
static void klog_text(struct klog *k, char *buf, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && buf[i] != '\n')
			continue;
		buf[i] = '\0';
		klog_line(k, buf + start);
		start = i + 1;
	}
}

/* The whole ring buffer through syslog(2); 0 or -errno. */
static int read_klogctl(struct klog *k)
{
	int size = klogctl(MT_SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	if (size < 0)
		return -errno;
	if (size < 4096)
		size = 4096;
	if (size > KLOG_MAX)
		size = KLOG_MAX;
	char *buf = malloc((size_t)size + 1);
	if (!buf)
		return -ENOMEM;
	int n = klogctl(MT_SYSLOG_ACTION_READ_ALL, buf, size);
	if (n < 0) {
		int e = errno;
		free(buf);
		return -e;
	}
	buf[n] = '\0';
	klog_text(k, buf, (size_t)n);
	free(buf);
	return 0;
}

/* One /dev/kmsg record "level,seq,usec,flags[,...];text\n[ KEY=VALUE\n...]"
 * as dmesg prints it: "[%5lu.%06lu] text" (printk.c print_time). */
static void kmsg_record(struct klog *k, char *rec)
{
	char line[KMSG_RECORD + 32];
	unsigned long long usec;
	char *text = strchr(rec, ';');

	if (!text || sscanf(rec, "%*u,%*u,%llu", &usec) != 1)
		return;
	text++;
	text[strcspn(text, "\n")] = '\0'; /* the " KEY=VALUE" lines after it go */
	snprintf(line, sizeof(line), "[%5llu.%06llu] %s", usec / 1000000, usec % 1000000, text);
	klog_line(k, line);
}

/* /dev/kmsg from its first record to the last, non-blocking; 0 or -errno. */
static int read_kmsg(struct klog *k)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char *rec = malloc(KMSG_RECORD + 1);
	if (!rec) {
		close(fd);
		return -ENOMEM;
	}
	int rc = 0;
	for (;;) {
		ssize_t r = read(fd, rec, KMSG_RECORD);
		if (r > 0) {
			rec[r] = '\0';
			kmsg_record(k, rec);
			continue;
		}
		if (r < 0 && (errno == EINTR || errno == EPIPE))
			continue; /* EPIPE: records were overwritten; the next read goes on
				     (Documentation/ABI/testing/dev-kmsg) */
		if (r < 0 && errno != EAGAIN)
			rc = -errno;
		break;
	}
	free(rec);
	close(fd);
	return rc;
}

/* The test hook's DIR/proc/kmsg-dump; 0 or -errno. */
static int read_dump(struct klog *k, const char *path)
{
	FILE *in = fopen(path, "r");
	if (!in)
		return -errno;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, in) > 0)
		klog_line(k, line);
	int rc = ferror(in) ? -EIO : 0;
	free(line);
	fclose(in);
	return rc;
}

/* kernel.dmesg_restrict, or -1 when it cannot be read. */
static int dmesg_restrict(void)
{
	FILE *f = fopen("/proc/sys/kernel/dmesg_restrict", "r");
	int v = -1;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static const char *perm_hint(int e)
{
	if (e != EPERM && e != EACCES)
		return "";
	return dmesg_restrict() == 1 ? " (kernel.dmesg_restrict is 1: reading the kernel log "
				       "needs CAP_SYSLOG; run as root)"
				     : " (reading the kernel log needs CAP_SYSLOG; run as root)";
}

/* Read the live log: klogctl, else /dev/kmsg. 0 or -errno (noted). */
static int read_live(struct klog *k, const char **how)
{
	int r = read_klogctl(k);
	*how = "klogctl(SYSLOG_ACTION_READ_ALL)";
	if (r == 0)
		return 0;
	cap_note(k->c, "kernel-log: klogctl(SYSLOG_ACTION_READ_ALL): %s%s", strerror(-r),
		 perm_hint(-r));
	if (r == -EPERM)
		return r; /* /dev/kmsg asks the same permission */
	*how = "/dev/kmsg";
	r = read_kmsg(k);
	if (r < 0)
		cap_note(k->c, "kernel-log: /dev/kmsg: %s%s", strerror(-r), perm_hint(-r));
	return r;
}

void cap_kernel_log(struct capture *c)
{
	struct klog k = {.c = c};
	const char *how;
	char path[512];
	int r;

	cap_note(c, "section: kernel-log");
	if (c->sysroot[0]) {
		how = cap_path(c, path, sizeof(path), "/proc/kmsg-dump");
		r = read_dump(&k, how);
		if (r < 0)
			cap_note(c, "kernel-log: %s: %s", how, strerror(-r));
	} else {
		r = read_live(&k, &how);
	}
	if (r < 0) {
		cap_missing(c, "kernel-log");
		return;
	}
	cap_note(c, "kernel-log: %zu of %zu kernel lines kept, read with %s", k.kept, k.lines, how);
	if (!k.banner)
		cap_note(c, "kernel-log: no 'Linux version' line: the boot messages have left the "
			    "ring buffer (boot with a larger log_buf_len to keep them)");
	cap_got(c, "kernel-log");
}
