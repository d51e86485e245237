/*
 * capture_dmesg_pat.c - PAT and memtype conflicts in a boot log: the "x86/PAT:
 * Configuration [0-7]:" line of every era (mm/pat/memtype.c), the messages
 * of a kernel without PAT, and the conflicts of mm/ioremap.c and
 * mm/pat/memtype.c ("ioremap error for ...", "conflicting memory types",
 * "memtype_reserve failed").
 */
#include "capture_dmesg.h"

#include <stdio.h>
#include <string.h>

/* "WB  WC  UC- UC  WB  WP  UC- WT  " -> IA32_PAT value. */
static mt_line_result pat_config(memtype_capture *c, const char *s, size_t n, size_t i,
				 unsigned col)
{
	uint64_t msr = 0;

	for (unsigned k = 0; k < 8; k++) {
		mt_cap_skip_blanks(s, n, &i);
		if (i >= n)
			return MT_LINE_PARTIAL;
		size_t st = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		memtype_type t;
		if (mt_cap_type_parse(s + st, i - st, &t) != 0 || t == MEMTYPE_WC_PLUS ||
		    t == MEMTYPE_UNDEFINED) {
			mt_cap_diag(c, col + (unsigned)st, "unknown-type",
				    "PAT entry %u: '%.*s' is not a PAT type", k, (int)(i - st),
				    s + st);
			return MT_LINE_USED;
		}
		msr |= (uint64_t)t << (8 * k);
	}
	c->pat_seen = true;
	c->pat = msr;
	snprintf(c->pat_source, sizeof(c->pat_source), "dmesg");
	return MT_LINE_USED;
}

mt_line_result mt_dmesg_pat_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;

	if (mt_cap_lit(s, n, &i, "x86/PAT: ")) {
		size_t j = i;
		if (mt_cap_lit(s, n, &j, "Configuration [0-7]:"))
			return pat_config(c, s, n, j, col);
		if (mt_starts(s + i, n - i, "PAT not supported by the CPU") ||
		    mt_starts(s + i, n - i, "MTRRs disabled, skipping PAT initialization") ||
		    mt_starts(s + i, n - i, "PAT support disabled")) {
			c->pat_off = true;
			return MT_LINE_USED;
		}
		if (mt_dmesg_find(s, n, i, "conflicting memory types") ||
		    mt_dmesg_find(s, n, i, "memtype_reserve failed") ||
		    mt_dmesg_find(s, n, i, "reserve_memtype failed") ||
		    mt_dmesg_find(s, n, i, "reserve_ram_pages_type failed"))
			goto conflict;
		return MT_LINE_NOT_MINE;
	}
	i = 0;
	if (mt_cap_lit(s, n, &i, "PAT configuration [0-7]:"))
		return pat_config(c, s, n, i, col);
	if (mt_cap_lit(s, n, &i, "x86 PAT enabled: cpu ")) {
		size_t j = mt_dmesg_find(s, n, i, "new 0x");
		uint64_t v;
		if (!j)
			return MT_LINE_PARTIAL;
		j -= 2;
		if (!mt_cap_hex(s, n, &j, true, &v))
			return MT_LINE_PARTIAL;
		c->pat_seen = true;
		c->pat = v;
		snprintf(c->pat_source, sizeof(c->pat_source), "dmesg");
		return MT_LINE_USED;
	}
	return MT_LINE_NOT_MINE;
conflict:
	if (c->nconflicts < MT_CAP_MAX_CONFLICTS) {
		c->conflicts[c->nconflicts].line = c->line;
		mt_cap_copy(c->conflicts[c->nconflicts].text, MT_CAP_TEXT, s, n);
		c->nconflicts++;
	}
	return MT_LINE_USED;
}

void mt_dmesg_add_conflict(memtype_capture *c, const char *s, size_t n)
{
	if (c->nconflicts >= MT_CAP_MAX_CONFLICTS)
		return;
	c->conflicts[c->nconflicts].line = c->line;
	mt_cap_copy(c->conflicts[c->nconflicts].text, MT_CAP_TEXT, s, n);
	c->nconflicts++;
}

/* "ioremap error for 0xfed40000-0xfed45000, requested 0x2, got 0x0" */
mt_line_result mt_dmesg_ioremap_line(memtype_capture *c, const char *s, size_t n)
{
	size_t i = 0;

	if (mt_cap_lit(s, n, &i, "ioremap error for ")) {
		if (!mt_dmesg_find(s, n, i, ", got 0x"))
			return MT_LINE_PARTIAL;
		mt_dmesg_add_conflict(c, s, n);
		return MT_LINE_USED;
	}
	if (mt_starts(s, n, "ioremap memtype_reserve failed") ||
	    mt_starts(s, n, "ioremap reserve_memtype failed")) {
		mt_dmesg_add_conflict(c, s, n);
		return MT_LINE_USED;
	}
	return MT_LINE_NOT_MINE;
}
