/*
 * capture_dmesg_cleanup.c - what mtrr_cleanup() (cpu/mtrr/cleanup.c) and
 * mtrr_trim_uncached_memory() print: the register tables, the result lines,
 * and the "WARNING: BIOS bug" lines (with the WARNINGs raised in
 * arch/x86/mm/pat/, which are conflicts).
 */
#include "capture_dmesg.h"

/* "%ld%c" with K/M/G, as to_size_factor() prints sizes in KiB units. */
static bool kmg(const char *s, size_t n, size_t *i, uint64_t *out)
{
	uint64_t v;

	if (!mt_cap_dec(s, n, i, &v) || *i >= n)
		return false;
	unsigned shift;
	switch (s[*i]) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return false;
	}
	if (v > (UINT64_MAX >> shift))
		return false;
	(*i)++;
	*out = v << shift;
	return true;
}

/* "reg 3, base: 916992KB, range: 512KB, type UC" */
mt_line_result mt_dmesg_clean_reg(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	uint64_t idx, base, size;

	if (!mt_cap_lit(s, n, &i, "reg ") || !mt_cap_dec(s, n, &i, &idx) ||
	    !mt_cap_lit(s, n, &i, ", base: "))
		return MT_LINE_NOT_MINE;
	if (!kmg(s, n, &i, &base) || !mt_cap_lit(s, n, &i, "B, range: ") || !kmg(s, n, &i, &size) ||
	    !mt_cap_lit(s, n, &i, "B, type "))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (i >= n)
		return MT_LINE_PARTIAL;
	int t = -1;
	if (mt_starts(s + i, n - i, "UC"))
		t = MEMTYPE_UC;
	else if (mt_starts(s + i, n - i, "WB"))
		t = MEMTYPE_WB;
	else if (mt_starts(s + i, n - i, "WP"))
		t = MEMTYPE_WP;
	bool orig = c->sect == MT_SECT_CLEAN_ORIG;
	struct mt_cap_sizereg *tab = orig ? c->clean_orig : c->clean_new;
	unsigned *cnt = orig ? &c->nclean_orig : &c->nclean_new;
	if (*cnt >= MT_CAP_MAX_CLEAN) {
		mt_cap_diag(c, col, "too-many", "more than %u cleanup registers", MT_CAP_MAX_CLEAN);
		return MT_LINE_USED;
	}
	struct mt_cap_sizereg *r = &tab[(*cnt)++];
	r->index = idx > 255 ? 255 : (unsigned)idx;
	r->base = base;
	r->size = size;
	r->type = t;
	r->line = c->line;
	return MT_LINE_USED;
}

/* " gran_size: 64K \tchunk_size: 16M \tnum_reg: 3  \tlose cover RAM: 0G" (maybe "*BAD*"). */
mt_line_result mt_dmesg_clean_result(memtype_capture *c, const char *s, size_t n)
{
	size_t i = 0;
	struct mt_cap_result r = {0};
	uint64_t num;

	if (mt_cap_lit(s, n, &i, "*BAD*"))
		r.bad = true;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_lit(s, n, &i, "gran_size:"))
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!kmg(s, n, &i, &r.gran))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_lit(s, n, &i, "chunk_size:"))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!kmg(s, n, &i, &r.chunk))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_lit(s, n, &i, "num_reg:"))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_dec(s, n, &i, &num) || num > 1000)
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	r.num_reg = (unsigned)num;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_lit(s, n, &i, "lose cover RAM:"))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	mt_cap_lit(s, n, &i, "-");
	if (!kmg(s, n, &i, &r.lose))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	/* The last MT_CAP_MAX_RESULTS lines, as a ring: a failed cleanup prints
	 * all its results (136, or 264 in RHEL kernels) last. */
	c->results[c->nresults % MT_CAP_MAX_RESULTS] = r;
	c->nresults++;
	if (c->clean_found && !c->clean_chosen_seen) {
		c->clean_chosen = r;
		c->clean_chosen_seen = true;
	}
	return MT_LINE_USED;
}

mt_line_result mt_dmesg_warning_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	uint64_t v;

	if (mt_cap_lit(s, n, &i,
		       "WARNING: BIOS bug: CPU MTRRs don't cover all of memory, losing ")) {
		if (!mt_cap_dec(s, n, &i, &v))
			return mt_dmesg_rest_blank(s, n, i) ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
		c->losing_seen = true;
		c->losing_mb = v;
		return MT_LINE_USED;
	}
	i = 0;
	if (mt_cap_lit(s, n, &i, "WARNING: BIOS bug: VAR MTRR ")) {
		if (mt_cap_dec(s, n, &i, &v) && v < 32)
			c->strange_uc |= 1u << v;
		return MT_LINE_USED;
	}
	i = 0;
	if (mt_cap_lit(s, n, &i, "WARNING: CPU:") && mt_dmesg_find(s, n, i, "arch/x86/mm/pat/")) {
		mt_dmesg_add_conflict(c, s, n);
		return MT_LINE_USED;
	}
	(void)col;
	return MT_LINE_NOT_MINE;
}
