/*
 * capture_dmesg.h - what the files of the kernel-log recogniser share: two
 * small text helpers, and the readers of each kind of message that
 * capture_dmesg.c dispatches to. Each reader gets a line as the recognisers
 * do (capture.h) and answers an mt_line_result; the ones given i start
 * reading at s[i], after the words that chose them.
 */
#ifndef MEMTYPE_CAPTURE_DMESG_H
#define MEMTYPE_CAPTURE_DMESG_H

#include "capture.h"

/* Find s[i..] containing w; returns the index after it or 0. */
static inline size_t mt_dmesg_find(const char *s, size_t n, size_t i, const char *w)
{
	size_t wl = strlen(w);

	for (; i + wl <= n; i++)
		if (s[i] == w[0] && memcmp(s + i, w, wl) == 0)
			return i + wl;
	return 0;
}

/* Only blanks from s[i] on. */
static inline bool mt_dmesg_rest_blank(const char *s, size_t n, size_t i)
{
	mt_cap_skip_blanks(s, n, &i);
	return i == n;
}

/* ---- identity (capture_dmesg_identity.c) */

/* The banner after "Linux version ": the release and its major.minor. */
void mt_dmesg_kernel_version(memtype_capture *c, const char *s, size_t n);
uint64_t mt_dmesg_banner_hash(const char *s, size_t n);
/* A second banner that is the first one read again (see the definition). */
bool mt_dmesg_same_boot_banner(const memtype_capture *c, const char *s, size_t n);
/* The CPU vendor (1 Intel, 2 AMD) and why, unless one is known already. */
void mt_dmesg_set_vendor(memtype_capture *c, int v, const char *why);
void mt_dmesg_command_line(memtype_capture *c, const char *s, size_t n);

/* ---- e820 (capture_dmesg_e820.c), from s[i] after "BIOS-e820:" / "Xen: " */

mt_line_result mt_dmesg_e820_mem(memtype_capture *c, const char *s, size_t n, size_t i,
				 unsigned col);
mt_line_result mt_dmesg_e820_old(memtype_capture *c, const char *s, size_t n, size_t i,
				 unsigned col);

/* ---- MTRRs (capture_dmesg_mtrr.c) */

/* The lines of an open block: fixed ranges, variable ranges, map entries. */
mt_line_result mt_dmesg_fixed_line(memtype_capture *c, const char *s, size_t n, unsigned col);
mt_line_result mt_dmesg_var_line(memtype_capture *c, const char *s, size_t n, unsigned col);
mt_line_result mt_dmesg_map_entry(memtype_capture *c, const char *s, size_t n, unsigned col);
/* Lines starting with 'M' ("MTRR ...", "MTRRs ...") and "TOM2: ". */
mt_line_result mt_dmesg_mtrr_line(memtype_capture *c, const char *s, size_t n, unsigned col);
mt_line_result mt_dmesg_tom2_line(memtype_capture *c, const char *s, size_t n, unsigned col);

/* ---- PAT and conflicts (capture_dmesg_pat.c) */

mt_line_result mt_dmesg_pat_line(memtype_capture *c, const char *s, size_t n, unsigned col);
mt_line_result mt_dmesg_ioremap_line(memtype_capture *c, const char *s, size_t n);
/* Keep the line as a memtype conflict (bounded). */
void mt_dmesg_add_conflict(memtype_capture *c, const char *s, size_t n);

/* ---- mtrr_cleanup and trim (capture_dmesg_cleanup.c) */

/* A register line of the open cleanup table (original or new). */
mt_line_result mt_dmesg_clean_reg(memtype_capture *c, const char *s, size_t n, unsigned col);
mt_line_result mt_dmesg_clean_result(memtype_capture *c, const char *s, size_t n);
mt_line_result mt_dmesg_warning_line(memtype_capture *c, const char *s, size_t n, unsigned col);

#endif /* MEMTYPE_CAPTURE_DMESG_H */
