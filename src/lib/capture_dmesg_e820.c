/*
 * capture_dmesg_e820.c - the e820 map of a boot log: "BIOS-e820: [mem
 * %#018Lx-%#018Lx] %s" (3.x+, inclusive end, e820.c e820_print_type words),
 * the 2.6 form "BIOS-e820: %016Lx - %016Lx (%s)" (exclusive end) and Xen PV
 * "Xen: [mem ...]"; an entry listed again is dropped.
 */
#include "capture_dmesg.h"

#include <string.h>

/*
 * Whether [start, end] of type t repeats what an earlier entry listed: 0
 * when it overlaps none, 1 when it lies within an entry of the same type
 * word (dropped quietly), 2 when it overlaps another way -- the same range
 * with another type, or a range that crosses an earlier one (dropped,
 * reported: the first listing is kept). The kernel prints its table after
 * e820__update_table() has removed overlaps (arch/x86/kernel/e820.c
 * e820__memory_setup_default), so one table never overlaps itself; an
 * overlap is the map read again -- a capture's /sys/firmware/memmap lines
 * next to its kernel log's, both from e820_table_firmware
 * (e820__reserve_resources) -- and counting it twice would double the RAM.
 * The two can differ: an SNP host reserves the 2 MiB edges of its RMP table
 * in e820_table_firmware after the log printed it (arch/x86/virt/svm/sev.c
 * snp_fixup_e820_tables), which splits a usable entry of the log in three in
 * /sys/firmware/memmap.
 */
static int e820_repeat(memtype_capture *c, uint64_t start, uint64_t end, const char *name,
		       unsigned col)
{
	/* A table in address order (the usual case) only ever adds above. */
	if (c->ne820 == 0 || start > c->e820_top)
		return 0;
	for (unsigned k = 0; k < c->ne820 && k < MT_CAP_MAX_E820; k++) {
		const struct mt_cap_range *e = &c->e820[k];
		if (e->end < start || e->start > end)
			continue;
		bool same_type = strcmp(name, e->name) == 0;
		if (same_type && e->start <= start && end <= e->end)
			return 1;
		if (e->start == start && e->end == end)
			mt_cap_diag(c, col, "e820-mismatch",
				    "e820 entry [mem 0x%llx-0x%llx] is '%s' here, '%s' earlier: "
				    "the first is kept",
				    (unsigned long long)start, (unsigned long long)end, name,
				    e->name);
		else
			mt_cap_diag(
			    c, col, "e820-overlap",
			    "e820 entry [mem 0x%llx-0x%llx] %s overlaps [mem 0x%llx-0x%llx] "
			    "%s listed earlier: the earlier listing is kept, this entry "
			    "dropped",
			    (unsigned long long)start, (unsigned long long)end, name,
			    (unsigned long long)e->start, (unsigned long long)e->end, e->name);
		return 2;
	}
	return 0;
}

static void e820_add(memtype_capture *c, uint64_t start, uint64_t end, const char *t, size_t tn,
		     unsigned col)
{
	char name[sizeof(c->e820[0].name)] = "";

	if (end < start) {
		mt_cap_diag(c, col, "bad-range", "e820 entry ends before it starts");
		return;
	}
	mt_cap_copy(name, sizeof(name), t, tn);
	if (e820_repeat(c, start, end, name, col)) {
		c->e820_dups++;
		return;
	}
	if (c->ne820 >= MT_CAP_MAX_E820) {
		if (c->ne820 == MT_CAP_MAX_E820)
			mt_cap_diag(c, col, "too-many",
				    "more than %u e820 entries: the rest is ignored",
				    MT_CAP_MAX_E820);
		return;
	}
	struct mt_cap_range *e = &c->e820[c->ne820++];
	e->start = start;
	e->end = end;
	e->type = -1;
	memcpy(e->name, name, sizeof(e->name));
	if (end > c->e820_top)
		c->e820_top = end;
}

/* "BIOS-e820: [mem 0x...-0x...] usable" and "Xen: [mem ...] usable". */
mt_line_result mt_dmesg_e820_mem(memtype_capture *c, const char *s, size_t n, size_t i,
				 unsigned col)
{
	uint64_t a, b;

	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_lit(s, n, &i, "[mem "))
		return MT_LINE_NOT_MINE;
	if (!mt_cap_hex_range(s, n, &i, &a, &b) &&
	    (!mt_cap_hex(s, n, &i, true, &a) || !mt_cap_lit(s, n, &i, "-") ||
	     !mt_cap_hex(s, n, &i, true, &b))) {
		if (i >= n - 1)
			return MT_LINE_PARTIAL;
		mt_cap_diag(c, col + (unsigned)i, "bad-number", "e820 entry: bad address");
		return MT_LINE_USED;
	}
	if (!mt_cap_lit(s, n, &i, "]"))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (i >= n)
		return MT_LINE_PARTIAL;
	e820_add(c, a, b, s + i, n - i, col);
	return MT_LINE_USED;
}

/* 2.6: "BIOS-e820: 0000000000000000 - 00000000000a0000 (usable)", end exclusive. */
mt_line_result mt_dmesg_e820_old(memtype_capture *c, const char *s, size_t n, size_t i,
				 unsigned col)
{
	uint64_t a, b;

	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_hex(s, n, &i, false, &a))
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_lit(s, n, &i, "-"))
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_hex(s, n, &i, false, &b))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (i >= n)
		return MT_LINE_PARTIAL;
	if (s[i] != '(')
		return MT_LINE_NOT_MINE;
	size_t close = i + 1;
	while (close < n && s[close] != ')')
		close++;
	if (close >= n)
		return MT_LINE_PARTIAL;
	if (b == 0) {
		mt_cap_diag(c, col, "bad-range", "e820 entry with an empty range");
		return MT_LINE_USED;
	}
	c->e820_exclusive = true;
	e820_add(c, a, b - 1, s + i + 1, close - i - 1, col);
	return MT_LINE_USED;
}
