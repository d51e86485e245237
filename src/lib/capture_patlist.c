/*
 * capture_patlist.c - /sys/kernel/debug/x86/pat_memtype_list.
 *
 * arch/x86/mm/pat/memtype.c memtype_seq_show() prints a "PAT memtype list:"
 * header, then one line per entry of the memtype tree in start order:
 *   4.x+ (since the "PAT: [mem ...]" rework, still in 6.x):
 *        "PAT: [mem 0x%016Lx-0x%016Lx] %s"
 *   older (e.g. 3.3, ../shared/corpus/proc-mtrr/pentium-m-*):
 *        "%s @ 0x%Lx-0x%Lx"
 * Both give the end exclusive (the entry's end, not end - 1), and the type
 * as cattr_name() spells it ("write-back", "uncached-minus", "uncached",
 * "write-combining", "write-through", "write-protected"). RAM tracked by
 * page flags never appears (reference guest-firmware.md §4.2). Entries are
 * kept up to MT_CAP_MAX_PATLIST; beyond that they are counted.
 */
#include "capture.h"

#include <string.h>

static mt_line_result add(memtype_capture *c, uint64_t a, uint64_t b_excl, int t, unsigned col)
{
	if (b_excl <= a) {
		mt_cap_diag(c, col, "bad-range",
			    "PAT list entry 0x%llx-0x%llx is empty or reversed",
			    (unsigned long long)a, (unsigned long long)b_excl);
		return MT_LINE_USED;
	}
	if (c->npatlist >= MT_CAP_MAX_PATLIST) {
		c->patlist_dropped++;
		return MT_LINE_USED;
	}
	struct mt_cap_trange *r = &c->patlist[c->npatlist++];
	r->start = a;
	r->end = b_excl - 1;
	r->type = t;
	return MT_LINE_USED;
}

mt_line_result mt_cap_patlist_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	uint64_t a, b;
	int t;

	if (!mt_cap_patlist_may(s, n))
		return MT_LINE_NOT_MINE;
	if (mt_starts(s, n, "PAT memtype list:"))
		return MT_LINE_USED;
	if (mt_cap_lit(s, n, &i, "PAT: [mem ")) {
		if ((!mt_cap_hex_range(s, n, &i, &a, &b) &&
		     (!mt_cap_hex(s, n, &i, true, &a) || !mt_cap_lit(s, n, &i, "-") ||
		      !mt_cap_hex(s, n, &i, true, &b))) ||
		    !mt_cap_lit(s, n, &i, "]"))
			return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
		if (i >= n || s[i] != ' ')
			return MT_LINE_PARTIAL;
		if (mt_cap_type_word(s, n, i, &t) != 0) {
			mt_cap_diag(c, col + (unsigned)i + 1, "unknown-type",
				    "PAT list entry: unknown type word");
			return MT_LINE_USED;
		}
		return add(c, a, b, t, col);
	}
	/* "write-back @ 0x7ff70000-0x7ff77000": every type word starts so. */
	if (s[0] != 'w' && s[0] != 'u')
		return MT_LINE_NOT_MINE;
	size_t at = 0;
	while (at + 2 < n && at < 24 && !(s[at] == ' ' && s[at + 1] == '@' && s[at + 2] == ' '))
		at++;
	if (at + 2 >= n || at >= 24 || s[at] != ' ')
		return MT_LINE_NOT_MINE;
	if (mt_cap_type_word(s, at, 0, &t) != 0)
		return MT_LINE_NOT_MINE;
	i = at + 3;
	if (!mt_cap_hex(s, n, &i, true, &a) || !mt_cap_lit(s, n, &i, "-") ||
	    !mt_cap_hex(s, n, &i, true, &b))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (i != n)
		return MT_LINE_NOT_MINE;
	return add(c, a, b, t, col);
}
