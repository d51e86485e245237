/*
 * capture_live.h - what `memtype capture` (cmd_capture.c) shares with the
 * files that read one live source each: the kernel log
 * (capture_live_klog.c) and the msr module loader (capture_live_module.c).
 * Everything here reads the running machine; nothing writes an MSR.
 */
#ifndef MEMTYPE_CAPTURE_LIVE_H
#define MEMTYPE_CAPTURE_LIVE_H

#include "cli.h"

#include <stddef.h>

struct capture {
	struct cli *cli;
	FILE *f;
	bool load_msr, mount_debugfs;
	int vendor; /* 0 unknown, 1 Intel, 2 AMD/Hygon */
	/*
	 * Test hook: MEMTYPE_CAPTURE_SYSROOT=DIR reads DIR/dev/cpu/N/msr (a
	 * sparse file holding MSR i at offset 8 * i), DIR/proc/..., DIR/sys/...
	 * and DIR/proc/kmsg-dump (the kernel log as text) instead of the live
	 * sources; CPUID is still the real CPU's. "" for a live capture.
	 */
	const char *sysroot;
	/* What was captured and what is missing, for the summary. */
	char got[256], missing[256];
};

/* A "# " comment line in the capture. */
void cap_note(struct capture *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add a source to the captured / missing summary. */
void cap_got(struct capture *c, const char *what);
void cap_missing(struct capture *c, const char *what);
/* path under the sysroot, in buf. */
const char *cap_path(const struct capture *c, char *buf, size_t n, const char *path);

/* The "# section: kernel-log" block (capture_live_klog.c). */
void cap_kernel_log(struct capture *c);
/*
 * --load-msr (capture_live_module.c): make /dev/cpu/N/msr appear when node
 * (the first CPU's device) is missing -- modprobe msr, else finit_module(2)
 * on the msr.ko file -- and record what happened as "# msr: --load-msr:"
 * comments.
 */
void cap_load_msr(struct capture *c, const char *node);

#endif /* MEMTYPE_CAPTURE_LIVE_H */
