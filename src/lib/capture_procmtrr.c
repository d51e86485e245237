/*
 * capture_procmtrr.c - /proc/mtrr listings.
 *
 * arch/x86/kernel/cpu/mtrr/if.c mtrr_seq_show() prints one line per
 * variable MTRR in use (size != 0):
 *   2.6.2x .. 6.x: "reg%02i: base=0x%06lx000 (%5luMB), size=%5lu%cB, count=%d: %s"
 *   2.4 / early 2.6: "reg%02i: base=0x%05lx000 (%4luMB), size=%4lu%cB: %s, count=%d"
 * The size is in KiB below 1 MiB and in MiB above (truncated); the type word
 * is mtrr_attrib_to_str()'s ("uncachable", "write-back", ..., "?").
 * Since the 2018 hardening of mtrr_seq_show() (Linux 4.19, "x86/mtrr: don't
 * leak ..."; see the if.c diff quoted on lkml) a reader without
 * CAP_SYS_ADMIN sees base and size as 0: such lines are reported, not used.
 *
 * What /proc/mtrr does not say: the default type, the fixed ranges,
 * MTRRcap.VCNT (only registers in use are listed), E/FE, and the exact mask
 * bits. Explain says so (explain_merge.c, explain_hardware.c), and
 * explain_merge.c derives masks from the sizes.
 */
#include "capture.h"

#include <string.h>

static bool size_unit(const char *s, size_t n, size_t *i, uint64_t v, uint64_t *out)
{
	mt_cap_skip_blanks(s, n, i);
	if (*i + 1 >= n || s[*i + 1] != 'B')
		return false;
	unsigned shift;
	if (s[*i] == 'K')
		shift = 10;
	else if (s[*i] == 'M')
		shift = 20;
	else if (s[*i] == 'G')
		shift = 30;
	else
		return false;
	if (v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	*i += 2;
	return true;
}

mt_line_result mt_cap_procmtrr_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	uint64_t reg, base, mb, size, count = 0;
	int t = -1;

	if (!mt_cap_procmtrr_may(s, n) || !mt_cap_lit(s, n, &i, "reg") ||
	    !mt_cap_dec(s, n, &i, &reg) || !mt_cap_lit(s, n, &i, ":"))
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_lit(s, n, &i, "base="))
		return MT_LINE_NOT_MINE;
	if (!mt_cap_hex(s, n, &i, true, &base))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (mt_cap_lit(s, n, &i, "(")) {
		mt_cap_skip_blanks(s, n, &i);
		if (!mt_cap_dec(s, n, &i, &mb) || !mt_cap_lit(s, n, &i, "MB)"))
			return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	}
	mt_cap_lit(s, n, &i, ",");
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_lit(s, n, &i, "size="))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_dec(s, n, &i, &size) || !size_unit(s, n, &i, size, &size))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	if (mt_cap_lit(s, n, &i, ", count=")) {
		/* The 2.6.2x+ order: count, then the type. */
		if (!mt_cap_dec(s, n, &i, &count) || !mt_cap_lit(s, n, &i, ":"))
			return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
		mt_cap_skip_blanks(s, n, &i);
		if (i >= n)
			return MT_LINE_PARTIAL;
		if (mt_cap_type_word(s, n, i, &t) != 0)
			t = -1;
	} else if (mt_cap_lit(s, n, &i, ":")) {
		/* The old order: ": type, count=N". */
		mt_cap_skip_blanks(s, n, &i);
		size_t st = i;
		while (i < n && s[i] != ',')
			i++;
		if (i >= n)
			return MT_LINE_PARTIAL;
		if (mt_cap_type_word(s, i, st, &t) != 0)
			t = -1;
		if (!mt_cap_lit(s, n, &i, ", count=") || !mt_cap_dec(s, n, &i, &count))
			return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	} else {
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	}
	if (base == 0 && size == 0) {
		mt_cap_diag(
		    c, col, "redacted",
		    "reg%02llu: base and size read as 0 (listing made without CAP_SYS_ADMIN, "
		    "Linux 4.19+ if.c hides them)",
		    (unsigned long long)reg);
		return MT_LINE_USED;
	}
	if (t < 0 || t == MEMTYPE_UC_MINUS)
		mt_cap_diag(c, col, "unknown-type", "reg%02llu: the type is not an MTRR type",
			    (unsigned long long)reg);
	if (reg >= MT_CAP_MAX_PROC || c->nproc >= MT_CAP_MAX_PROC) {
		mt_cap_diag(c, col, "out-of-range", "reg%02llu: beyond the %u registers modelled",
			    (unsigned long long)reg, MT_CAP_MAX_PROC);
		return MT_LINE_USED;
	}
	struct mt_cap_sizereg *r = &c->proc[c->nproc++];
	r->index = (unsigned)reg;
	r->base = base;
	r->size = size;
	r->type = t == MEMTYPE_UC_MINUS ? -1 : t;
	r->count = count > 1000000 ? 1000000 : (unsigned)count;
	r->line = c->line;
	return MT_LINE_USED;
}
