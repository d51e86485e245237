/*
 * bench_scan.c - throughput of the scan core (read, parse, explain: what
 * `memtype scan` does per file, minus JSON printing) against `grep -c MTRR`
 * over the same files, in the same run.
 *
 * The inputs are the files of ../shared/corpus (argv[1] or
 * MEMTYPE_CORPUS_DIR), or 120 synthetic boot logs when it is absent, copied
 * REPEAT times (argv[2], default: enough for 16 MB) into a temporary
 * directory -- once as they are, once each padded to 64 KiB with ordinary
 * kernel lines (the corpus files are cut at the ACPI table list; a whole
 * boot log is 60-120 KiB, so the second set is what a fleet scan meets).
 * Three timings over each directory:
 *  - scan:   every file read in 64 KiB chunks into a capture, then explained;
 *  - memmem: every file read the same way and "MTRR" counted with memmem()
 *            (an in-process grep, the same I/O as the scan);
 *  - grep:   `grep -r -c MTRR DIR` spawned once (fork + exec), the real tool.
 * Reported: MB/s of each (wall clock; CPU time next to it, since a busy
 * machine stretches the wall clock) and the ratio scan/grep, the target
 * being >= 0.5. Never a timed assertion.
 */
#define _GNU_SOURCE
#include "memtype.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64u << 10)

struct files {
	char **path;
	size_t n, cap;
	uint64_t bytes;
};

static void add(struct files *f, const char *p, uint64_t size)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 256;
		f->path = realloc(f->path, f->cap * sizeof(*f->path));
		if (!f->path)
			exit(1);
	}
	f->path[f->n++] = strdup(p);
	f->bytes += size;
}

static void collect(struct files *f, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[4096];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			collect(f, p);
		else
			add(f, p, (uint64_t)st.st_size);
	}
	closedir(d);
}

static double now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Copy from to to; with pad, append ordinary (non-MTRR) kernel lines until
 * the file holds 64 KiB. */
static int copy_file(const char *from, const char *to, bool pad)
{
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	char buf[CHUNK];
	size_t n, total = 0;
	int rc = a && b ? 0 : -1;

	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), a)) > 0) {
		if (fwrite(buf, 1, n, b) != n)
			rc = -1;
		total += n;
	}
	for (unsigned i = 0; rc == 0 && pad && total < CHUNK; i++) {
		int k = fprintf(b,
				"[    %u.%06u] pci 0000:00:%02x.%u: [8086:a3%02x] type 00 class "
				"0x0c0330 PCIe Root Complex Integrated Endpoint\n",
				i / 1000, i % 1000 * 997, i % 32, i % 8, i % 256);
		if (k < 0)
			rc = -1;
		total += k > 0 ? (size_t)k : 0;
	}
	if (a)
		fclose(a);
	if (b && fclose(b) != 0)
		rc = -1;
	return rc;
}

/* A synthetic boot log shaped like the corpus's 5.x logs. */
static void synth(const char *path, unsigned k)
{
	FILE *o = fopen(path, "w");
	if (!o)
		return;
	fprintf(o, "[    0.000000] Linux version 5.4.0-%u-generic (x@x) (gcc 9.3.0) #1 SMP\n", k);
	for (unsigned i = 0; i < 40; i++)
		fprintf(o, "[    0.000000] BIOS-e820: [mem 0x%016x-0x%016x] %s\n", i << 24,
			(i << 24) + 0xfff000u + 0xfff, i % 3 ? "usable" : "reserved");
	fprintf(o,
		"[    0.008967] MTRR default type: uncachable\n"
		"[    0.008971] MTRR fixed ranges enabled:\n"
		"[    0.008975]   00000-9FFFF write-back\n"
		"[    0.008978]   A0000-BFFFF uncachable\n"
		"[    0.008982]   C0000-FFFFF write-protect\n"
		"[    0.008991] MTRR variable ranges enabled:\n"
		"[    0.008996]   0 base 000000000 mask F80000000 write-back\n"
		"[    0.009000]   1 base 07%uE00000 mask FFFE00000 uncachable\n"
		"[    0.009007]   2 disabled\n[    0.009007]   3 disabled\n"
		"[    0.009206] x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  \n",
		k % 10);
	for (unsigned i = 0; i < 60; i++)
		fprintf(o,
			"[    0.%06u] ACPI: SSDT 0x00000000A4CEC000 0037EB (v02 AMD    AMD AFC  "
			"00000001 INTL 20200717)\n",
			i);
	fclose(o);
}

/* Read path in chunks with read(2), as the CLI does; feed a capture (scan) or
 * count "MTRR" (memmem). */
static uint64_t run_one(memtype_ctx *ctx, const char *path, bool scan, char *buf)
{
	int fd = open(path, O_RDONLY);
	uint64_t hits = 0;
	size_t carry = 0;
	ssize_t got;

	if (fd < 0)
		return 0;
	memtype_capture *c = scan ? memtype_capture_new(ctx, path, MEMTYPE_CAPTURE_AUTO) : NULL;
	int rc = 0;
	while ((got = read(fd, buf + carry, CHUNK)) > 0) {
		size_t n = (size_t)got;
		if (scan) {
			if (rc == 0)
				rc = memtype_capture_feed(c, buf, n);
			continue;
		}
		size_t len = carry + n;
		const char *p = buf, *end = buf + len;
		while ((p = memmem(p, (size_t)(end - p), "MTRR", 4))) {
			hits++;
			p += 4;
		}
		carry = len >= 3 ? 3 : len;
		memmove(buf, buf + len - carry, carry);
	}
	close(fd);
	if (scan) {
		if (rc == 0 && memtype_capture_finish(c) == 0) {
			memtype_explain *e = NULL;
			if (memtype_explain_run(ctx, (const memtype_capture *const *)&c, 1, &e) ==
			    0)
				hits = memtype_explain_get(e)->nfindings;
			memtype_explain_free(e);
		}
		memtype_capture_free(c);
	}
	return hits;
}

/* Copy src repeat times under tmp (padded or not), time the three readers. */
static void measure(memtype_ctx *ctx, char *buf, const struct files *src, const char *tmp,
		    unsigned repeat, bool pad, const char *what)
{
	struct files work = {0};

	for (unsigned r = 0; r < repeat; r++) {
		char d[4200];
		snprintf(d, sizeof(d), "%s/r%04u", tmp, r);
		mkdir(d, 0700);
		for (size_t i = 0; i < src->n; i++) {
			char p[8400];
			const char *base = strrchr(src->path[i], '/');
			snprintf(p, sizeof(p), "%s/%zu-%s", d, i, base ? base + 1 : src->path[i]);
			struct stat st;
			if (copy_file(src->path[i], p, pad) == 0 && stat(p, &st) == 0)
				add(&work, p, (uint64_t)st.st_size);
		}
	}
	double mb = (double)work.bytes / 1e6;

	double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t findings = 0;
	for (size_t i = 0; i < work.n; i++)
		findings += run_one(ctx, work.path[i], true, buf);
	double ws = now(CLOCK_MONOTONIC) - w0, cs = now(CLOCK_PROCESS_CPUTIME_ID) - c0;

	w0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t hits = 0;
	for (size_t i = 0; i < work.n; i++)
		hits += run_one(ctx, work.path[i], false, buf);
	double wm = now(CLOCK_MONOTONIC) - w0, cm = now(CLOCK_PROCESS_CPUTIME_ID) - c0;

	struct rusage before, after;
	getrusage(RUSAGE_CHILDREN, &before);
	w0 = now(CLOCK_MONOTONIC);
	fflush(stdout); /* the child must not print our buffer again */
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execlp("grep", "grep", "-r", "-c", "MTRR", tmp, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	double wg = now(CLOCK_MONOTONIC) - w0;
	getrusage(RUSAGE_CHILDREN, &after);
	double cg = (double)(after.ru_utime.tv_sec - before.ru_utime.tv_sec) +
		    (double)(after.ru_stime.tv_sec - before.ru_stime.tv_sec) +
		    (double)(after.ru_utime.tv_usec - before.ru_utime.tv_usec) * 1e-6 +
		    (double)(after.ru_stime.tv_usec - before.ru_stime.tv_usec) * 1e-6;
	bool grep_ok = WIFEXITED(status) && WEXITSTATUS(status) <= 1;

	printf("  %zu files, %.1f MB (%s, x %u):\n", work.n, mb, what, repeat);
	printf("    scan (read+parse+explain): %7.1f MB/s wall, %7.1f MB/s CPU  (%llu findings)\n",
	       mb / ws, mb / cs, (unsigned long long)findings);
	printf("    memmem \"MTRR\" in-process: %7.1f MB/s wall, %7.1f MB/s CPU  (%llu hits)\n",
	       mb / wm, mb / cm, (unsigned long long)hits);
	if (grep_ok) {
		printf("    grep -r -c MTRR (spawned): %7.1f MB/s wall, %7.1f MB/s CPU\n", mb / wg,
		       cg > 0 ? mb / cg : 0.0);
		printf("    scan / grep: %.2fx wall, %.2fx CPU (target >= 0.5x)\n", wg / ws,
		       cg > 0 ? cg / cs : 0.0);
	}
	printf("    scan / memmem: %.2fx wall\n", wm / ws);

	for (size_t i = 0; i < work.n; i++) {
		unlink(work.path[i]);
		free(work.path[i]);
	}
	for (unsigned r = 0; r < repeat; r++) {
		char d[4200];
		snprintf(d, sizeof(d), "%s/r%04u", tmp, r);
		rmdir(d);
	}
	free(work.path);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("MEMTYPE_CORPUS_DIR");
	struct files src = {0};
	char tmp[] = "/tmp/memtype-bench-scan-XXXXXX";

	if (argc > 1)
		dir = argv[1];
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	if (dir)
		collect(&src, dir);
	bool synthetic = src.n == 0;
	char sdir[4200];
	snprintf(sdir, sizeof(sdir), "%s-src", tmp);
	if (synthetic) {
		mkdir(sdir, 0700);
		for (unsigned k = 0; k < 120; k++) {
			char p[8400];
			struct stat st;
			snprintf(p, sizeof(p), "%s/synth-%03u.log", sdir, k);
			synth(p, k);
			if (stat(p, &st) == 0)
				add(&src, p, (uint64_t)st.st_size);
		}
	}
	unsigned repeat = argc > 2 ? (unsigned)atoi(argv[2]) : 0;
	if (!repeat)
		repeat = (unsigned)((16u << 20) / (src.bytes ? src.bytes : 1)) + 1;
	memtype_ctx *ctx = memtype_ctx_new(NULL, NULL);
	char *buf = malloc(CHUNK + 8);
	if (!ctx || !buf)
		return 1;
	printf("bench_scan: %s\n", synthetic ? "synthetic logs" : dir);
	measure(ctx, buf, &src, tmp, repeat, false, "as they are");
	measure(ctx, buf, &src, tmp, (repeat + 7) / 8, true, "padded to 64 KiB");
	for (size_t i = 0; i < src.n; i++) {
		if (synthetic)
			unlink(src.path[i]);
		free(src.path[i]);
	}
	rmdir(tmp);
	if (synthetic)
		rmdir(sdir);
	free(src.path);
	free(buf);
	memtype_ctx_free(ctx);
	return 0;
}
