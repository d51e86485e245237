/*
 * cmd_capture.c - `memtype capture [-o FILE]`: read a live Linux machine's
 * memory-type state into one text file that `memtype explain` reads back
 * (issue 7, part 1; the format is docs/capture-format.md).
 *
 * What is read, in the order written:
 *  - the kernel banner (/proc/version, the same text as dmesg's
 *    "Linux version ..." line);
 *  - CPUID: the vendor string (leaf 0) and MAXPHYADDR (leaf 0x80000008);
 *  - for every CPU through /dev/cpu/N/msr (pread at offset = MSR index):
 *    MTRRcap 0xFE, DEF_TYPE 0x2FF, the fixed MTRRs 0x250/0x258/0x259/
 *    0x268-0x26F, VCNT variable pairs from 0x200, IA32_PAT 0x277 and, on
 *    AMD/Hygon, SYSCFG 0xC0010010 and TOP_MEM2 0xC001001D;
 *  - /proc/mtrr, /sys/firmware/memmap (written as BIOS-e820 lines),
 *    /proc/iomem, the kernel log's MTRR/PAT/e820 lines
 *    (capture_live_klog.c) and /sys/kernel/debug/x86/pat_memtype_list.
 * Every source that cannot be read leaves a "# SOURCE: ... (why)" comment.
 * The MSR device is only ever opened read-only: capture never writes an MSR.
 * Nothing is loaded or mounted unless --load-msr (capture_live_module.c) /
 * --mount-debugfs ask for it.
 */
#define _DEFAULT_SOURCE 1
#include "capture_live.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define CAPTURE_X86 1
#endif

const char cli_help_capture[] =
    "usage: memtype capture [-o FILE] [--load-msr] [--mount-debugfs]\n"
    "\n"
    "Reads this machine's memory-type state into one text file that 'memtype\n"
    "explain' reads back: the kernel version, CPUID vendor and MAXPHYADDR, the\n"
    "MTRRs, IA32_PAT and (AMD) SYSCFG/TOM2 of every CPU through /dev/cpu/N/msr,\n"
    "/proc/mtrr, /sys/firmware/memmap (as BIOS-e820 lines), /proc/iomem, the\n"
    "kernel log's MTRR/PAT/e820 boot lines and\n"
    "/sys/kernel/debug/x86/pat_memtype_list. The format is\n"
    "docs/capture-format.md; 'memtype resolve' reads the MSRs back too. MSRs\n"
    "are only read, never written. What cannot be read (no root, no msr\n"
    "module, no debugfs, dmesg_restrict) is captured as a '# SOURCE: ...\n"
    "(why)' comment line and the rest is still written.\n"
    "\n"
    "  -o FILE           write the capture to FILE (default: standard output)\n"
    "  --load-msr        when /dev/cpu/N/msr is missing, run 'modprobe msr', or\n"
    "                    else load msr.ko with finit_module(2) (the file:\n"
    "                    MEMTYPE_MSR_MODULE, else /lib/modules/RELEASE/kernel/\n"
    "                    arch/x86/kernel/msr.ko[.xz|.zst])\n"
    "  --mount-debugfs   mount debugfs on /sys/kernel/debug when it is not\n"
    "                    mounted (unmounted again afterwards)\n"
    "\n"
    "exit status: 0 something was captured, 2 usage, 3 nothing could be read\n";

/* MSR indexes: SDM Vol. 4 Table 2-2 (SYSCFG, TOP_MEM2: AMD APM Vol. 2 §7.9);
 * Linux arch/x86/include/asm/msr-index.h. */
#define MSR_MTRRCAP    0xfeu
#define MSR_DEF_TYPE   0x2ffu
#define MSR_PAT	       0x277u
#define MSR_SYSCFG     0xc0010010u
#define MSR_TOP_MEM2   0xc001001du
#define MAX_MSRS       128 /* per CPU: 1 + 1 + 11 + 80 + 1 + 2 */
#define MAX_VCNT       40  /* pairs 0x200..0x24F: 0x250 is the first fixed MTRR */
#define MAX_DIFF_LINES 32

static const uint32_t fixed_msrs[] = {0x250, 0x258, 0x259, 0x268, 0x269, 0x26a,
				      0x26b, 0x26c, 0x26d, 0x26e, 0x26f};

struct cpu_msrs {
	unsigned cpu;
	unsigned n;
	uint32_t idx[MAX_MSRS];
	uint64_t val[MAX_MSRS];
};

const char *cap_path(const struct capture *c, char *buf, size_t n, const char *path)
{
	snprintf(buf, n, "%s%s", c->sysroot, path);
	return buf;
}

void cap_note(struct capture *c, const char *fmt, ...)
{
	va_list ap;
	fputs("# ", c->f);
	va_start(ap, fmt);
	vfprintf(c->f, fmt, ap);
	va_end(ap);
	fputc('\n', c->f);
}

static void add_word(char *buf, size_t n, const char *w)
{
	size_t l = strlen(buf);
	snprintf(buf + l, n - l, "%s%s", l ? ", " : "", w);
}

void cap_got(struct capture *c, const char *w)
{
	add_word(c->got, sizeof(c->got), w);
}

void cap_missing(struct capture *c, const char *w)
{
	add_word(c->missing, sizeof(c->missing), w);
}

/* "0000-0000 : NAME" (any number of zeros, indented or not): how
 * /proc/iomem shows a range to a reader without CAP_SYS_ADMIN. */
static bool zero_range(const char *s)
{
	size_t k = strspn(s, " ");
	size_t a = strspn(s + k, "0");
	if (!a || s[k + a] != '-')
		return false;
	k += a + 1;
	size_t b = strspn(s + k, "0");
	return b && strncmp(s + k + b, " :", 2) == 0;
}

/* Copy a text file line by line; returns the lines copied or -errno. Lines
 * starting with '#' are never produced by the kernel files read here. With
 * zeros, count the lines whose range reads as zero (zero_range). */
static long copy_lines(struct capture *c, const char *path, long *zeros)
{
	FILE *in = fopen(path, "r");
	if (!in)
		return -errno;
	char line[4096];
	long n = 0;
	errno = 0;
	while (fgets(line, sizeof(line), in)) {
		size_t l = strlen(line);
		if (l && line[l - 1] != '\n' && !feof(in)) {
			/* A line longer than the buffer: keep the start only. */
			int ch;
			while ((ch = fgetc(in)) != EOF && ch != '\n')
				;
		}
		while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
			line[--l] = '\0';
		if (zeros && zero_range(line))
			(*zeros)++;
		fprintf(c->f, "%s\n", line);
		n++;
	}
	int err = ferror(in) ? (errno ? errno : EIO) : 0;
	fclose(in);
	return err ? -err : n;
}

/* ------------------------------------------------------------ header */

static void header(struct capture *c)
{
	struct utsname u;
	bool have_u = uname(&u) == 0;
	time_t now = time(NULL);
	struct tm tm;
	char when[32] = "unknown";
	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);

	cap_note(c, "memtype capture format 1 (docs/capture-format.md), read by 'memtype explain'");
	cap_note(c, "memtype %s, kernel %s, machine %s, uid %u, taken %s", memtype_version(),
		 have_u ? u.release : "unknown", have_u ? u.machine : "unknown",
		 (unsigned)geteuid(), when);
	cap_note(c, "section: kernel");
	char p[512];
	long r = copy_lines(c, cap_path(c, p, sizeof(p), "/proc/version"), NULL);
	if (r < 0)
		cap_note(c, "kernel: /proc/version: %s (the kernel release above is from uname)",
			 strerror((int)-r));
}

/* ------------------------------------------------------------ cpuid */

static void cpuid_section(struct capture *c)
{
	cap_note(c, "section: cpuid");
#ifdef CAPTURE_X86
	unsigned a, b, cx, d;
	if (!__get_cpuid(0, &a, &b, &cx, &d)) {
		cap_note(c, "cpuid: leaf 0 not available");
		cap_missing(c, "cpuid");
		return;
	}
	char vendor[13];
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &cx, 4);
	vendor[12] = '\0';
	for (int i = 0; i < 12; i++)
		if (vendor[i] < 0x20 || vendor[i] > 0x7e)
			vendor[i] = '?';
	fprintf(c->f, "vendor_id : %s\n", vendor);
	if (!strcmp(vendor, "GenuineIntel"))
		c->vendor = 1;
	else if (!strcmp(vendor, "AuthenticAMD") || !strcmp(vendor, "HygonGenuine"))
		c->vendor = 2;
	else
		cap_note(
		    c, "cpuid: vendor '%s' is neither Intel nor AMD: explain treats it as unknown",
		    vendor);
	if (__get_cpuid(1, &a, &b, &cx, &d))
		/* CPUID.01H:EDX bit 12 MTRR, bit 16 PAT (SDM Vol. 2A, CPUID,
		 * "Feature Information Returned in the EDX Register"). */
		cap_note(c, "cpuid: leaf 1 edx 0x%08x: MTRR %s, PAT %s", d,
			 (d & (1u << 12)) ? "supported" : "not supported",
			 (d & (1u << 16)) ? "supported" : "not supported");
	unsigned max = __get_cpuid_max(0x80000000u, NULL);
	/* MAXPHYADDR is CPUID.80000008H:EAX[7:0]; without that leaf software
	 * assumes 36 (SDM Vol. 3A §11.11.2.3). */
	if (max >= 0x80000008u && __get_cpuid(0x80000008u, &a, &b, &cx, &d)) {
		fprintf(c->f, "cpuid 0x80000008 eax 0x%x phys_bits %u\n", a, a & 0xffu);
	} else {
		cap_note(c,
			 "cpuid: leaf 0x80000008 not available (max extended leaf 0x%x): "
			 "MAXPHYADDR unknown, explain assumes 36",
			 max);
	}
	cap_got(c, "cpuid");
#else
	cap_note(c, "cpuid: not an x86 CPU: no vendor, no MAXPHYADDR");
	cap_missing(c, "cpuid");
#endif
}

/* ------------------------------------------------------------ msr */

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

/* The entries of dir named by a decimal number (/dev/cpu/N,
 * /sys/firmware/memmap/N), sorted, into *out (malloc'd, the caller frees it
 * even on failure); 0 or -errno when dir cannot be listed. */
static int list_numbered(const char *dir, unsigned **out, size_t *n)
{
	DIR *d = opendir(dir);
	*out = NULL;
	*n = 0;
	if (!d)
		return -errno;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		unsigned long v = strtoul(e->d_name, &end, 10);
		if (*end || v > 1u << 20)
			continue;
		if (*n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			unsigned *nv = realloc(*out, nc * sizeof(*nv));
			if (!nv) {
				closedir(d);
				return -ENOMEM;
			}
			*out = nv;
			cap = nc;
		}
		(*out)[(*n)++] = (unsigned)v;
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_uint);
	return 0;
}

/* The CPU numbers under /dev/cpu, sorted; -errno when it cannot be listed. */
static int list_cpus(const struct capture *c, unsigned **out, size_t *n)
{
	char p[512];
	return list_numbered(cap_path(c, p, sizeof(p), "/dev/cpu"), out, n);
}

/* Read one MSR; 0 or -errno. */
static int rd(const struct capture *c, int fd, uint32_t idx, uint64_t *v)
{
	/* The msr device reads MSR idx at offset idx (arch/x86/kernel/msr.c
	 * msr_read); a test file under the sysroot holds MSR idx at offset
	 * 8 * idx (adjacent MSRs would overlap). */
	off_t off = c->sysroot[0] ? (off_t)idx * 8 : (off_t)idx;
	ssize_t r = pread(fd, v, sizeof(*v), off);
	if (r == (ssize_t)sizeof(*v))
		return 0;
	return r < 0 ? -errno : -EIO;
}

static void read_one(struct capture *c, int fd, struct cpu_msrs *m, uint32_t idx)
{
	uint64_t v;
	int r = rd(c, fd, idx, &v);
	if (r == 0) {
		if (m->n < MAX_MSRS) {
			m->idx[m->n] = idx;
			m->val[m->n++] = v;
		}
		return;
	}
	cap_note(c, "msr: cpu%u 0x%x: %s%s", m->cpu, idx, strerror(-r),
		 r == -EIO ? " (the CPU or the hypervisor does not implement this MSR)" : "");
}

/* All the MSRs memtype models, for one CPU. */
static void read_cpu(struct capture *c, int fd, struct cpu_msrs *m)
{
	uint64_t cap;
	int r = rd(c, fd, MSR_MTRRCAP, &cap);
	if (r == 0) {
		m->idx[m->n] = MSR_MTRRCAP;
		m->val[m->n++] = cap;
	} else {
		cap_note(c, "msr: cpu%u 0xfe (MTRRcap): %s: VCNT unknown, no variable MTRRs read",
			 m->cpu, strerror(-r));
	}
	read_one(c, fd, m, MSR_DEF_TYPE);
	/* MTRRcap: VCNT in bits 7:0, FIX in bit 8 (SDM Vol. 3A §11.11.1). */
	if (r == 0 && (cap & 0x100)) {
		for (size_t k = 0; k < sizeof(fixed_msrs) / sizeof(fixed_msrs[0]); k++)
			read_one(c, fd, m, fixed_msrs[k]);
	} else if (r == 0) {
		cap_note(c, "msr: cpu%u: MTRRcap.FIX is 0: no fixed-range MTRRs", m->cpu);
	}
	if (r == 0) {
		unsigned vcnt = (unsigned)(cap & 0xff);
		if (vcnt > MAX_VCNT) {
			cap_note(
			    c,
			    "msr: cpu%u: VCNT %u: only the first %u pairs (up to 0x24f) are read",
			    m->cpu, vcnt, MAX_VCNT);
			vcnt = MAX_VCNT;
		}
		for (unsigned k = 0; k < 2 * vcnt; k++)
			read_one(c, fd, m, 0x200u + k);
	}
	read_one(c, fd, m, MSR_PAT);
	if (c->vendor == 2) {
		read_one(c, fd, m, MSR_SYSCFG);
		read_one(c, fd, m, MSR_TOP_MEM2);
	}
}

/* Report the MSRs in which a CPU disagrees with the first CPU that read
 * them (Linux's "your CPUs had inconsistent ... settings"). */
static void report_disagreements(struct capture *c, const struct cpu_msrs *cpus, size_t n)
{
	size_t lines = 0, more = 0;
	for (size_t k = 1; k < n; k++) {
		for (unsigned j = 0; j < cpus[k].n; j++) {
			uint32_t idx = cpus[k].idx[j];
			for (size_t p = 0; p < k; p++) {
				const struct cpu_msrs *f = &cpus[p];
				unsigned q;
				for (q = 0; q < f->n && f->idx[q] != idx; q++)
					;
				if (q == f->n)
					continue; /* not read there: try the next CPU */
				if (f->val[q] != cpus[k].val[j]) {
					if (lines < MAX_DIFF_LINES) {
						cap_note(c,
							 "msr: CPUs disagree: 0x%x is 0x%llx on "
							 "cpu%u, 0x%llx on cpu%u",
							 idx, (unsigned long long)cpus[k].val[j],
							 cpus[k].cpu, (unsigned long long)f->val[q],
							 f->cpu);
						lines++;
					} else {
						more++;
					}
				}
				break;
			}
		}
	}
	if (more)
		cap_note(c, "msr: CPUs disagree in %zu more MSR reads (not listed)", more);
	if (lines == 0 && n > 1)
		cap_note(c, "msr: all %zu CPUs agree", n);
}

/* Why path (a CPU's msr device) could not be opened: for the first 4
 * failing CPUs and the last CPU, then one line for the rest. */
static void note_open_failure(struct capture *c, const char *path, int e, size_t failed, bool last)
{
	if (failed > 4 && !last) {
		if (failed == 5)
			cap_note(c, "msr: (further CPUs fail the same way)");
		return;
	}
	const char *hint = "";
	if (e == ENOENT)
		hint = " (the msr module is not loaded: modprobe msr, or --load-msr)";
	else if (e == EACCES || e == EPERM)
		hint = " (run as root; modprobe msr)";
	cap_note(c, "msr: %s: %s%s", path, strerror(e), hint);
}

/* Read the CPUs ids[0..nids) into cpus, read-only; returns how many were
 * read, *failed how many could not be opened. */
static size_t read_cpus(struct capture *c, const unsigned *ids, size_t nids, struct cpu_msrs *cpus,
			size_t *failed)
{
	size_t nread = 0;
	char path[512];

	*failed = 0;
	for (size_t k = 0; k < nids; k++) {
		snprintf(path, sizeof(path), "%s/dev/cpu/%u/msr", c->sysroot, ids[k]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			note_open_failure(c, path, e, ++*failed, k + 1 == nids);
			continue;
		}
		struct cpu_msrs *m = &cpus[nread];
		m->cpu = ids[k];
		read_cpu(c, fd, m);
		close(fd);
		if (m->n)
			nread++;
	}
	return nread;
}

/* The dump of the nread CPUs read (of nids listed), after the comments
 * saying where they disagree. */
static void write_cpus(struct capture *c, const struct cpu_msrs *cpus, size_t nread, size_t failed,
		       size_t nids)
{
	char w[48];

	if (failed)
		cap_note(c, "msr: %zu of %zu CPUs could not be read", failed, nids);
	report_disagreements(c, cpus, nread);
	for (size_t k = 0; k < nread; k++)
		for (unsigned j = 0; j < cpus[k].n; j++)
			fprintf(c->f, "cpu%u: 0x%x: 0x%llx\n", cpus[k].cpu, cpus[k].idx[j],
				(unsigned long long)cpus[k].val[j]);
	snprintf(w, sizeof(w), "msr (%zu CPU%s)", nread, nread == 1 ? "" : "s");
	cap_got(c, w);
}

static void msr_section(struct capture *c)
{
	cap_note(c, "section: msr");
	cap_note(c, "msr: read-only through /dev/cpu/N/msr; nothing is ever written");
	unsigned *ids = NULL;
	size_t nids = 0;
	int r = list_cpus(c, &ids, &nids);
	char path[512];
	/* Without any CPU driver loaded (a minimal initramfs) even /dev/cpu is
	 * missing: then the msr driver is loaded for cpu0 and /dev/cpu read again. */
	snprintf(path, sizeof(path), "%s/dev/cpu/%u/msr", c->sysroot, r == 0 && nids ? ids[0] : 0);
	if (c->load_msr && access(path, F_OK) != 0 && errno == ENOENT) {
		cap_load_msr(c, path);
		free(ids);
		r = list_cpus(c, &ids, &nids);
	}
	struct cpu_msrs *cpus = r == 0 && nids ? calloc(nids, sizeof(*cpus)) : NULL;
	if (!cpus) {
		if (r < 0 || nids == 0)
			cap_note(c,
				 "msr: /dev/cpu: %s (no CPU device nodes: kernel without "
				 "CONFIG_X86_MSR, or /dev not populated)",
				 r < 0 ? strerror(-r) : "no CPUs listed");
		else
			cap_note(c, "msr: out of memory for %zu CPUs", nids);
		cap_missing(c, "msr");
		free(ids);
		return;
	}
	size_t failed;
	size_t nread = read_cpus(c, ids, nids, cpus, &failed);
	if (nread)
		write_cpus(c, cpus, nread, failed, nids);
	else
		cap_missing(c, "msr");
	free(cpus);
	free(ids);
}

/* ------------------------------------------------------------ files */

static void proc_mtrr_section(struct capture *c)
{
	cap_note(c, "section: proc-mtrr");
	char p[512];
	long r = copy_lines(c, cap_path(c, p, sizeof(p), "/proc/mtrr"), NULL);
	if (r < 0) {
		cap_note(c, "proc-mtrr: %s: %s%s", p, strerror((int)-r),
			 r == -ENOENT ? " (kernel without CONFIG_MTRR, or MTRRs not supported)"
				      : "");
		cap_missing(c, "proc-mtrr");
		return;
	}
	if (r == 0)
		cap_note(c, "proc-mtrr: /proc/mtrr is empty (no variable MTRR in use)");
	if (geteuid() != 0)
		cap_note(c,
			 "proc-mtrr: read without root: since Linux 4.19 bases and sizes read as 0 "
			 "without CAP_SYS_ADMIN (arch/x86/kernel/cpu/mtrr/if.c mtrr_seq_show)");
	cap_got(c, "proc-mtrr");
}

/* The e820 type word the kernel prints for a firmware-memmap type string
 * (arch/x86/kernel/e820.c e820_type_to_string vs e820_print_type). */
static const char *e820_word(const char *t)
{
	static const struct {
		const char *memmap, *e820;
	} map[] = {
	    {"System RAM", "usable"},
	    {"Reserved", "reserved"},
	    {"reserved", "reserved"},
	    {"ACPI Tables", "ACPI data"},
	    {"ACPI Non-volatile Storage", "ACPI NVS"},
	    {"Unusable memory", "unusable"},
	    {"Persistent Memory (legacy)", "persistent (type 12)"},
	    {"Persistent Memory", "persistent (type 7)"},
	    {"Soft Reserved", "soft reserved"},
	};
	for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
		if (!strcmp(t, map[k].memmap))
			return map[k].e820;
	return NULL;
}

/* One line of a small sysfs file, without the newline, into buf (always a
 * string); 0, -ENODATA when the file is empty, or -errno. */
static int read_attr(const char *dir, const char *name, char *buf, size_t n)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	errno = 0;
	int r = 0;
	if (!fgets(buf, (int)n, f)) {
		r = ferror(f) ? -(errno ? errno : EIO) : -ENODATA;
		buf[0] = '\0';
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return r;
}

/* /sys/firmware/memmap/<id> under root as one BIOS-e820 line; true when
 * written, else a comment says why. The end is inclusive
 * (drivers/firmware/memmap.c firmware_map_add_entry stores end - 1). */
static bool memmap_entry(struct capture *c, const char *root, unsigned id)
{
	char dir[640], s[64], e[64], t[128];
	const char *attr = "start";

	snprintf(dir, sizeof(dir), "%s/%u", root, id);
	int r = read_attr(dir, attr, s, sizeof(s));
	if (r == 0)
		r = read_attr(dir, attr = "end", e, sizeof(e));
	if (r == 0)
		r = read_attr(dir, attr = "type", t, sizeof(t));
	if (r < 0) {
		cap_note(c, "memmap: %s/%s: %s", dir, attr, strerror(-r));
		return false;
	}
	char *es, *ee;
	errno = 0;
	unsigned long long a = strtoull(s, &es, 0), b = strtoull(e, &ee, 0);
	if (errno || *es || *ee || es == s || ee == e || b < a) {
		cap_note(c, "memmap: %s: unreadable range '%s'-'%s'", dir, s, e);
		return false;
	}
	const char *w = e820_word(t);
	if (!w) {
		cap_note(c, "memmap: %s: type '%s' has no e820 name: written as reserved", dir, t);
		w = "reserved";
	}
	fprintf(c->f, "BIOS-e820: [mem 0x%016llx-0x%016llx] %s\n", a, b, w);
	return true;
}

static void memmap_section(struct capture *c)
{
	char rootb[512];
	const char *root = cap_path(c, rootb, sizeof(rootb), "/sys/firmware/memmap");
	cap_note(c, "section: memmap");
	cap_note(c, "memmap: %s as BIOS-e820 lines (inclusive end)", root);
	unsigned *ids;
	size_t n, written = 0;
	int r = list_numbered(root, &ids, &n);
	if (r < 0) {
		cap_note(c, "memmap: %s: %s%s", root, strerror(-r),
			 r == -ENOENT ? " (kernel without CONFIG_FIRMWARE_MEMMAP)" : "");
		cap_missing(c, "memmap");
		free(ids);
		return;
	}
	for (size_t k = 0; k < n; k++)
		written += memmap_entry(c, root, ids[k]);
	free(ids);
	if (written) {
		cap_got(c, "memmap");
	} else {
		cap_note(c, "memmap: no entries");
		cap_missing(c, "memmap");
	}
}

/* /proc/iomem verbatim: the kernel's resource tree. Without CAP_SYS_ADMIN
 * every start and end reads as 0 (kernel/resource.c r_show). */
static void iomem_section(struct capture *c)
{
	char p[512];
	long zeros = 0;

	cap_note(c, "section: iomem");
	long r = copy_lines(c, cap_path(c, p, sizeof(p), "/proc/iomem"), &zeros);
	if (r < 0) {
		cap_note(c, "iomem: %s: %s", p, strerror((int)-r));
		cap_missing(c, "iomem");
		return;
	}
	if (r == 0)
		cap_note(c, "iomem: %s is empty", p);
	else if (zeros == r)
		cap_note(c, "iomem: every address reads as 0: the reader lacks CAP_SYS_ADMIN "
			    "(kernel/resource.c r_show); run as root");
	cap_got(c, "iomem");
}

static void pat_section(struct capture *c)
{
	char dbgb[512], pathb[512];
	const char *dbg = cap_path(c, dbgb, sizeof(dbgb), "/sys/kernel/debug");
	const char *path =
	    cap_path(c, pathb, sizeof(pathb), "/sys/kernel/debug/x86/pat_memtype_list");
	bool mounted = false;
	cap_note(c, "section: pat_memtype_list");
	if (access(path, F_OK) != 0 && errno == ENOENT && c->mount_debugfs && c->sysroot[0]) {
		cap_note(
		    c, "pat_memtype_list: --mount-debugfs: not done under MEMTYPE_CAPTURE_SYSROOT");
	} else if (access(path, F_OK) != 0 && errno == ENOENT && c->mount_debugfs) {
		struct stat st;
		if (stat(dbg, &st) != 0)
			cap_note(c, "pat_memtype_list: --mount-debugfs: %s: %s", dbg,
				 strerror(errno));
		else if (mount("none", dbg, "debugfs", 0, NULL) != 0)
			cap_note(c,
				 "pat_memtype_list: --mount-debugfs: mount -t debugfs none %s: %s",
				 dbg, strerror(errno));
		else
			mounted = true;
	}
	long r = copy_lines(c, path, NULL);
	if (r < 0) {
		int e = (int)-r;
		if (e == ENOENT)
			cap_note(
			    c,
			    "pat_memtype_list: %s: %s (debugfs not mounted: mount -t debugfs none "
			    "%s, or --mount-debugfs; or a kernel without PAT/CONFIG_X86_PAT)",
			    path, strerror(e), dbg);
		else
			cap_note(c, "pat_memtype_list: %s: %s%s", path, strerror(e),
				 e == EACCES || e == EPERM ? " (run as root)" : "");
		cap_missing(c, "pat_memtype_list");
	} else {
		cap_got(c, "pat_memtype_list");
	}
	if (mounted && umount2(dbg, 0) != 0)
		cap_note(c, "pat_memtype_list: umount %s: %s (left mounted)", dbg, strerror(errno));
}

/* ------------------------------------------------------------ verb */

int cmd_capture(struct cli *cli, int argc, char **argv)
{
	struct capture c = {.cli = cli};
	for (int i = 1; i < argc; i++) {
		int g = cli_verb_option(cli, argc, argv, &i, "capture");
		if (g < 0)
			return EXIT_USAGE;
		if (g == 2)
			return EXIT_OK;
		if (g == 1)
			continue;
		if (!strcmp(argv[i], "--load-msr"))
			c.load_msr = true;
		else if (!strcmp(argv[i], "--mount-debugfs"))
			c.mount_debugfs = true;
		else {
			cli_usage_error(
			    cli, "capture: unknown argument '%s' (see 'memtype help capture')",
			    argv[i]);
			return EXIT_USAGE;
		}
	}
	if (cli->json) {
		cli_usage_error(cli, "capture writes text only (docs/capture-format.md), not JSON");
		return EXIT_USAGE;
	}
	c.f = cli->out;
	const char *root = getenv("MEMTYPE_CAPTURE_SYSROOT");
	c.sysroot = root ? root : "";
	header(&c);
	if (c.sysroot[0])
		cap_note(
		    &c,
		    "test capture: files under MEMTYPE_CAPTURE_SYSROOT=%s, not the live machine",
		    c.sysroot);
	cpuid_section(&c);
	msr_section(&c);
	proc_mtrr_section(&c);
	memmap_section(&c);
	iomem_section(&c);
	cap_kernel_log(&c);
	pat_section(&c);
	cap_note(&c, "captured: %s", c.got[0] ? c.got : "nothing");
	cap_note(&c, "missing: %s", c.missing[0] ? c.missing : "nothing");
	if (fflush(c.f) != 0 || ferror(c.f)) {
		fprintf(stderr, "%s: error: write-failed: cannot write the capture%s%s\n",
			cli->prog, cli->output ? " to " : "", cli->output ? cli->output : "");
		return EXIT_INTERNAL;
	}
	if (!cli->quiet)
		fprintf(stderr, "%s: capture: captured %s; missing %s\n", cli->prog,
			c.got[0] ? c.got : "nothing", c.missing[0] ? c.missing : "nothing");
	if (!c.got[0]) {
		fprintf(stderr, "%s: error: nothing-captured: no source could be read\n",
			cli->prog);
		return EXIT_INPUT;
	}
	return EXIT_OK;
}
