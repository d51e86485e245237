/*
 * test_plan.c - the MTRR layout planner (src/lib/plan.c), rule by rule.
 *
 * Each test is named after what it checks: the map-file grammar and its
 * diagnostics (DESIGN.md §3), the SDM precedence the planner exploits on
 * purpose (UC carved out of WB, WT over WB: §11.11.4.1), the choice of the
 * default type, dont-care mode, the fixed ranges below 1 MiB and the FE = 0
 * fallback (§11.11.2.2), the 4 KiB granularity (§11.11.4), the WRMSR order
 * (§11.11.7.2), best effort with too few pairs, the verification catching
 * a corrupted layout, and allocation failures at every step. Exact counts
 * on small maps are worked out by hand in the comments; the exhaustive
 * comparison lives in tests/oracle/test_plan_oracle.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"
#include "test_names.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static memtype_ctx *ctx;

static memtype_map *parse(const char *text, unsigned phys)
{
	memtype_map *m = NULL;
	int rc = memtype_plan_parse_map(ctx, "t.map", text, strlen(text), phys, &m);
	if (rc)
		fail_msg("parse failed: %s: %s", memtype_ctx_error(ctx)->code,
			 memtype_ctx_error(ctx)->message);
	return m;
}

static memtype_plan_opts opts(unsigned phys)
{
	return (memtype_plan_opts){
	    .phys_bits = phys, .vcnt = 8, .default_type = -1, .name = "t.map"};
}

static memtype_plan *plan_text(const char *text, const memtype_plan_opts *o,
			       memtype_plan_summary *s)
{
	memtype_map *m = parse(text, o->phys_bits);
	memtype_plan *p = NULL;
	int rc = memtype_plan_compute(ctx, m, o, &p);
	memtype_map_free(m);
	if (rc)
		fail_msg("plan failed (%d): %s: %s", rc, memtype_ctx_error(ctx)->code,
			 memtype_ctx_error(ctx)->message);
	memtype_plan_get_summary(p, s);
	return p;
}

static void expect_var(const memtype_plan *p, size_t i, uint64_t start, uint64_t end,
		       memtype_type t)
{
	memtype_plan_var v;
	assert_int_equal(memtype_plan_get_var(p, i, &v), 0);
	if (v.start != start || v.end != end || v.type != t)
		fail_msg("pair %zu: expected 0x%llx-0x%llx %s, got 0x%llx-0x%llx %s", i,
			 (unsigned long long)start, (unsigned long long)end, test_type_name(t),
			 (unsigned long long)v.start, (unsigned long long)v.end,
			 test_type_name(v.type));
	assert_int_equal(v.physbase, start | (uint64_t)t);
}

/* The error of a failing parse or plan: code, line, column. */
static void expect_error(int rc, int status, const char *code, unsigned line, unsigned col)
{
	const memtype_error *e = memtype_ctx_error(ctx);
	if (rc != status || strcmp(e->code, code) || e->line != line || e->col != col)
		fail_msg("expected %d %s at %u:%u, got %d %s at %u:%u (%s)", status, code, line,
			 col, rc, e->code, e->line, e->col, e->message);
}

/* ---------------------------------------------------------------------------
 * Map files (DESIGN.md §3).
 */

static void test_map_file_grammar(void **state)
{
	(void)state;
	memtype_map *m = parse("# comment line\n"
			       "\n"
			       "0x100000+1G   write-back   # RAM, long spelling\n"
			       "  0-0x9ffff WB\n"
			       "0xd0000000-0xdfffffff WC\r\n"
			       "0xff000000+16M Write-protected (WP)\n",
			       36);
	static const struct {
		uint64_t start, end;
		uint32_t value, line;
	} want[] = {
	    {0, 0x9ffff, MEMTYPE_WB, 4},
	    {0xa0000, 0xfffff, MEMTYPE_PLAN_UNLISTED, 0},
	    {0x100000, 0x400fffff, MEMTYPE_WB, 3},
	    {0x40100000, 0xcfffffff, MEMTYPE_PLAN_UNLISTED, 0},
	    {0xd0000000, 0xdfffffff, MEMTYPE_WC, 5},
	    {0xe0000000, 0xfeffffff, MEMTYPE_PLAN_UNLISTED, 0},
	    {0xff000000, 0xffffffff, MEMTYPE_WP, 6},
	    {0x100000000, 0xfffffffff, MEMTYPE_PLAN_UNLISTED, 0},
	};
	assert_int_equal(memtype_map_count(m), ARRAY_LEN(want));
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		memtype_range r;
		memtype_map_get(m, i, &r);
		assert_int_equal(r.start, want[i].start);
		assert_int_equal(r.end, want[i].end);
		assert_int_equal(r.value, want[i].value);
		assert_int_equal(r.src, want[i].line);
	}
	memtype_map_free(m);
	/* A range reaching MAXPHYADDR's last byte, and an empty file. */
	m = parse("0x800000000-0xfffffffff UC\n", 36);
	assert_int_equal(memtype_map_count(m), 2);
	memtype_map_free(m);
	m = parse("", 40);
	assert_int_equal(memtype_map_count(m), 1);
	memtype_map_free(m);
}

static void test_map_file_errors_name_line_and_column(void **state)
{
	static const struct {
		const char *text, *code;
		unsigned line, col;
	} cases[] = {
	    {"0x1000 WB\n", "syntax", 1, 1},			      /* a bare address */
	    {"0-0xfff\n", "syntax", 1, 8},			      /* no type */
	    {"0-0xfff WB\n  0x2000-0x1000 UC\n", "bad-number", 2, 3}, /* end < start */
	    {"0+0 WB\n", "bad-number", 1, 1},			      /* size 0 */
	    {"0-0xfff XX\n", "bad-type", 1, 9},
	    {"0-0xfff UC-\n", "bad-type", 1, 9}, /* PAT only (Table 11-8) */
	    {"0-0xfff WC+\n", "bad-type", 1, 9},
	    {"0x1000000000-0x1000000fff WB\n", "out-of-range", 1, 1},
	    {"0x2000-0x2fff WB\n0-0xfff UC\n0x2800+4K WT\n", "overlap", 3, 1},
	    {"0x2800+4K WT\n0x2000-0x2fff WB\n", "overlap", 2, 1}, /* the later line */
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		memtype_map *m = (memtype_map *)1;
		int rc = memtype_plan_parse_map(ctx, "t.map", cases[i].text, strlen(cases[i].text),
						36, &m);
		assert_null(m);
		expect_error(rc, -EINVAL, cases[i].code, cases[i].line, cases[i].col);
		assert_string_equal(memtype_ctx_error(ctx)->file, "t.map");
	}
	memtype_map *m;
	assert_int_equal(memtype_plan_parse_map(ctx, "t", "", 0, 31, &m), -EINVAL);
	assert_string_equal(memtype_ctx_error(ctx)->code, "bad-phys-bits");
}

/* ---------------------------------------------------------------------------
 * The SDM precedence, used on purpose (§11.11.4.1).
 */

static void test_overlap_rule_is_the_sdm_table(void **state)
{
	/* Rows and columns: UC WC WT WP WB; 5 = undefined. */
	static const unsigned want[5][5] = {
	    {0, 0, 0, 0, 0}, {0, 1, 5, 5, 5}, {0, 5, 2, 5, 2}, {0, 5, 5, 3, 5}, {0, 5, 2, 5, 4},
	};
	static const memtype_type order[5] = {MEMTYPE_UC, MEMTYPE_WC, MEMTYPE_WT, MEMTYPE_WP,
					      MEMTYPE_WB};
	(void)state;
	for (unsigned a = 0; a < 5; a++) {
		assert_int_equal(mt_plan_type_index(order[a]), (int)a);
		for (unsigned b = 0; b < 5; b++)
			if (mt_plan_overlap(a, b) != want[a][b])
				fail_msg("%s over %s: expected %u, got %u",
					 test_type_name(order[a]), test_type_name(order[b]),
					 want[a][b], mt_plan_overlap(a, b));
	}
	assert_int_equal(mt_plan_type_index(MEMTYPE_UC_MINUS), -1);
	/* The inner loop's hard-coded transitions and leaf table are the rule's. */
	assert_int_equal(mt_plan_self_check(), 0);
}

static void test_uc_carved_out_of_wb(void **state)
{
	memtype_plan_opts o = opts(36);
	memtype_plan_summary s;
	(void)state;
	/* RAM 0-3.5G, UC above, default UC: WB 4G with UC 512M on top (UC
	 * wins) = 2 pairs; without overlap it takes WB 2G + 1G + 512M. */
	o.default_type = MEMTYPE_UC;
	memtype_plan *p = plan_text("0-0xdfffffff WB\n0xe0000000-0xfffffffff UC\n", &o, &s);
	assert_int_equal(s.count, 2);
	expect_var(p, 0, 0, 0xffffffff, MEMTYPE_WB);
	expect_var(p, 1, 0xe0000000, 0xffffffff, MEMTYPE_UC);
	assert_true(s.optimal && s.exact && s.fits);
	memtype_plan_free(p);
}

static void test_wt_over_wb(void **state)
{
	memtype_plan_opts o = opts(36);
	memtype_plan_summary s;
	(void)state;
	/* WB 0-2G with WT at 1G-1.5G: WB 2G and WT 512M (WT + WB = WT): 2 pairs. */
	o.default_type = MEMTYPE_UC;
	memtype_plan *p = plan_text("0-0x3fffffff WB\n0x40000000-0x5fffffff WT\n"
				    "0x60000000-0x7fffffff WB\n0x80000000-0xfffffffff UC\n",
				    &o, &s);
	assert_int_equal(s.count, 2);
	expect_var(p, 0, 0, 0x7fffffff, MEMTYPE_WB);
	expect_var(p, 1, 0x40000000, 0x5fffffff, MEMTYPE_WT);
	memtype_plan_free(p);
	/* WT cannot be undone by WB: WT 0-2G with WB at 1G needs 2 pairs with
	 * default WT... and UC above still has to be covered. */
	p = plan_text("0-0x3fffffff WT\n0x40000000-0x7fffffff WB\n0x80000000-0xfffffffff UC\n", &o,
		      &s);
	assert_int_equal(s.count, 2);
	expect_var(p, 0, 0, 0x3fffffff, MEMTYPE_WT);
	expect_var(p, 1, 0x40000000, 0x7fffffff, MEMTYPE_WB);
	memtype_plan_free(p);
}

static void test_other_mixes_are_never_planned(void **state)
{
	memtype_plan_opts o = opts(36);
	memtype_plan_summary s;
	(void)state;
	/* WC inside WB cannot overlap (undefined): WB 0-1G, WC 1G-1.5G, WB
	 * 1.5G-2G with default UC takes WB 1G + WC 512M + WB 512M. */
	o.default_type = MEMTYPE_UC;
	memtype_plan *p = plan_text("0-0x3fffffff WB\n0x40000000-0x5fffffff WC\n"
				    "0x60000000-0x7fffffff WB\n0x80000000-0xfffffffff UC\n",
				    &o, &s);
	assert_int_equal(s.count, 3);
	for (size_t i = 0; i < memtype_plan_var_count(p); i++)
		for (size_t j = 0; j < i; j++) {
			memtype_plan_var a, b;
			memtype_plan_get_var(p, i, &a);
			memtype_plan_get_var(p, j, &b);
			assert_false(a.start <= b.end && b.start <= a.end);
		}
	memtype_plan_free(p);
}

/* ---------------------------------------------------------------------------
 * Default type and modes.
 */

static void test_best_default_is_chosen(void **state)
{
	memtype_plan_opts o = opts(36);
	memtype_plan_summary s;
	(void)state;
	/* All WB but one UC hole: default WB and one UC pair. */
	memtype_plan *p = plan_text("0-0xcfffffff WB\n0xd0000000-0xdfffffff UC\n"
				    "0xe0000000-0xfffffffff WB\n",
				    &o, &s);
	assert_int_equal(s.default_type, MEMTYPE_WB);
	assert_int_equal(s.count, 1);
	expect_var(p, 0, 0xd0000000, 0xdfffffff, MEMTYPE_UC);
	assert_int_equal(memtype_plan_count_for_default(p, MEMTYPE_WB), 1);
	/* UC default: WB on the root block (all 64 GiB) and the UC hole on top. */
	assert_int_equal(memtype_plan_count_for_default(p, MEMTYPE_UC), 2);
	assert_int_equal(memtype_plan_count_for_default(p, MEMTYPE_UC_MINUS), UINT32_MAX);
	memtype_plan_free(p);
	/* Nothing listed: every default realizes it with 0 pairs; UC wins ties. */
	p = plan_text("", &o, &s);
	assert_int_equal(s.default_type, MEMTYPE_UC);
	assert_int_equal(s.count, 0);
	memtype_plan_free(p);
}

static void test_forced_default(void **state)
{
	memtype_plan_opts o = opts(36);
	memtype_plan_summary s;
	(void)state;
	o.default_type = MEMTYPE_WP;
	memtype_plan *p = plan_text("0-0xfffffffff WB\n", &o, &s);
	/* The whole space WB with default WP: one pair on the root block
	 * (a mask of no bits matches every address). */
	assert_int_equal(s.default_type, MEMTYPE_WP);
	assert_int_equal(s.count, 1);
	expect_var(p, 0, 0, 0xfffffffff, MEMTYPE_WB);
	memtype_plan_var v;
	memtype_plan_get_var(p, 0, &v);
	assert_int_equal(v.physmask, 0x800);
	memtype_plan_free(p);
}

static void test_dont_care_can_save_pairs(void **state)
{
	const char *map = "0x100000-0x7f5fffff WB\n0xe0000000-0xefffffff WC\n"
			  "0x100000000-0x27fffffff WB\n";
	memtype_plan_opts o = opts(36);
	memtype_plan_summary s;
	(void)state;
	/* Exact with default UC: WB 2G minus UC 8M and 2M at its top, WC, WB 4G
	 * and 2G = 6. Free gaps let WB 2G and WB 4G-8G, 8G-16G stand alone: 4. */
	o.default_type = MEMTYPE_UC;
	memtype_plan *p = plan_text(map, &o, &s);
	assert_int_equal(s.count, 6);
	memtype_plan_free(p);
	o.dont_care = true;
	p = plan_text(map, &o, &s);
	assert_int_equal(s.count, 4);
	assert_true(s.exact && s.optimal);
	memtype_plan_free(p);
}

/* ---------------------------------------------------------------------------
 * Fixed ranges (§11.11.2.2) and granularity (§11.11.4).
 */

static void test_fixed_ranges_hold_the_first_mib(void **state)
{
	memtype_plan_opts o = opts(36);
	memtype_plan_summary s;
	uint32_t idx;
	uint64_t v;
	(void)state;
	memtype_plan *p = plan_text("0-0x9ffff WB\n0xa0000-0xbffff UC\n0xc0000-0xfffff WP\n"
				    "0x100000-0x7fffffff WB\n0x80000000-0xfffffffff UC\n",
				    &o, &s);
	assert_true(s.fixed_enabled);
	assert_false(s.fixed_fallback);
	assert_int_equal(s.count, 1); /* WB 0-2G; the first MiB is the fixed ranges' */
	static const uint64_t want[11] = {
	    0x0606060606060606, 0x0606060606060606, 0,
	    0x0505050505050505, 0x0505050505050505, 0x0505050505050505,
	    0x0505050505050505, 0x0505050505050505, 0x0505050505050505,
	    0x0505050505050505, 0x0505050505050505,
	};
	static const uint32_t msr[11] = {0x250, 0x258, 0x259, 0x268, 0x269, 0x26a,
					 0x26b, 0x26c, 0x26d, 0x26e, 0x26f};
	for (size_t i = 0; i < 11; i++) {
		assert_int_equal(memtype_plan_fixed(p, i, &idx, &v), 0);
		assert_int_equal(idx, msr[i]);
		assert_int_equal(v, want[i]);
	}
	assert_int_equal(memtype_plan_fixed(p, 11, &idx, &v), -ERANGE);
	assert_int_equal(s.mtrrcap, 0x508);
	memtype_plan_free(p);
}

static void test_fixed_fallback_when_a_subrange_is_split(void **state)
{
	memtype_plan_opts o = opts(36);
	memtype_plan_summary s;
	uint32_t idx;
	uint64_t v;
	(void)state;
	/* 0x9f000 splits the 16 KiB sub-range 0x9c000-0x9ffff: FE = 0, and the
	 * pairs cover the first MiB: WB 0-2G, UC 0x9f000+4K, UC 0xa0000+128K,
	 * UC 0xc0000+256K = 4 with default UC. */
	o.default_type = MEMTYPE_UC;
	memtype_plan *p =
	    plan_text("0-0x9efff WB\n0x9f000-0xfffff UC\n0x100000-0x7fffffff WB\n", &o, &s);
	assert_false(s.fixed_enabled);
	assert_true(s.fixed_fallback);
	assert_int_equal(memtype_plan_fixed(p, 0, &idx, &v), -ENOENT);
	assert_int_equal(s.count, 4);
	memtype_plan_free(p);
	/* Without fixed ranges at all (--no-fixed): MTRRcap.FIX = 0. */
	o.no_fixed = true;
	p = plan_text("0-0x9ffff WB\n0xa0000-0xfffff UC\n0x100000-0x7fffffff WB\n", &o, &s);
	assert_false(s.fixed_enabled);
	assert_false(s.fixed_fallback);
	assert_int_equal(s.mtrrcap & MEMTYPE_MTRRCAP_FIX, 0);
	assert_int_equal(s.count, 3); /* WB 2G, UC 0xa0000+128K, UC 0xc0000+256K */
	memtype_plan_free(p);
}

static void test_unaligned_boundary_is_refused(void **state)
{
	memtype_plan_opts o = opts(36);
	memtype_plan *p = (memtype_plan *)1;
	(void)state;
	memtype_map *m = parse("0-0x9fbff WB\n0x9fc00-0x9ffff UC\n", 36);
	int rc = memtype_plan_compute(ctx, m, &o, &p);
	assert_null(p);
	expect_error(rc, -EINVAL, "unaligned", 2, 1);
	memtype_map_free(m);
	/* Above 1 MiB too, even with fixed ranges; exact mode makes the
	 * unlisted neighbour a cared page as well. */
	m = parse("0x100000-0x100fff WB\n0x101000-0x1017ff UC\n", 36);
	rc = memtype_plan_compute(ctx, m, &o, &p);
	expect_error(rc, -EINVAL, "unaligned", 2, 1);
	memtype_map_free(m);
	/* In dont-care mode a free half-page next to a range is fine. */
	o.dont_care = true;
	m = parse("0x100000-0x1017ff UC\n", 36);
	assert_int_equal(memtype_plan_compute(ctx, m, &o, &p), 0);
	memtype_plan_free(p);
	memtype_map_free(m);
}

/* ---------------------------------------------------------------------------
 * Too few pairs.
 */

static const char fw_map[] = "0x0-0x9ffff WB\n0xa0000-0xbffff UC\n0xc0000-0xfffff WP\n"
			     "0x100000-0x7f5cffff WB\n0x7f5d0000-0xcfffffff UC\n"
			     "0xd0000000-0xdfffffff WC\n0xe0000000-0xfeffffff UC\n"
			     "0xff000000-0xffffffff WP\n0x100000000+12G WB\n";

static void test_does_not_fit_says_the_minimum(void **state)
{
	memtype_plan_opts o = opts(36);
	memtype_plan_summary s;
	(void)state;
	memtype_plan *p = plan_text(fw_map, &o, &s);
	/* WB 2G, UC 64K+128K+2M+8M, WC 256M, WP 16M, WB 4G + 8G = 9 > 8. */
	assert_int_equal(s.lower_bound, 9);
	assert_false(s.fits);
	assert_true(s.has_layout && s.exact && s.optimal);
	assert_int_equal(s.mtrrcap & 0xff, 9); /* verified on a CPU with 9 pairs */
	memtype_plan_free(p);
	o.vcnt = 10;
	p = plan_text(fw_map, &o, &s);
	assert_true(s.fits);
	assert_int_equal(s.mtrrcap & 0xff, 10);
	memtype_plan_free(p);
}

static void test_best_effort_loses_the_least_wb(void **state)
{
	memtype_plan_opts o = opts(36);
	memtype_plan_summary s;
	memtype_range r;
	(void)state;
	o.best_effort = true;
	memtype_plan *p = plan_text(fw_map, &o, &s);
	/* One pair short: UC 256K at 0x7f5c0000 instead of 64K + 128K loses
	 * the 64 KiB of RAM below 0x7f5d0000 -- nothing cheaper exists. */
	assert_true(s.has_layout && !s.exact && !s.optimal && s.least_loss);
	assert_int_equal(s.count, 8);
	assert_int_equal(s.lost_bytes, 0x10000);
	assert_int_equal(memtype_plan_lost_count(p), 1);
	assert_int_equal(memtype_plan_lost(p, 0, &r), 0);
	assert_int_equal(r.start, 0x7f5c0000);
	assert_int_equal(r.end, 0x7f5cffff);
	assert_int_equal(r.value, MEMTYPE_UC);
	assert_int_equal(memtype_plan_lost(p, 1, &r), -ERANGE);
	memtype_plan_free(p);
	/* Best effort never touches non-WB ranges: with 1 pair the WC, WP and
	 * UC ranges cannot all stay exact. */
	o.vcnt = 1;
	p = plan_text(fw_map, &o, &s);
	assert_false(s.has_layout);
	assert_int_equal(memtype_plan_var_count(p), 0);
	assert_int_equal(memtype_plan_msr_count(p), 0);
	memtype_mtrr *m = (memtype_mtrr *)1;
	assert_int_equal(memtype_plan_to_mtrr(p, &m), -ENOENT);
	assert_null(m);
	memtype_plan_free(p);
}

static void test_more_than_40_pairs_has_no_layout(void **state)
{
	char text[8192];
	size_t n = 0;
	memtype_plan_opts o = opts(36);
	memtype_plan_summary s;
	(void)state;
	/* 41 isolated 4 KiB UC pages in WB (the default, so unlisted is WB):
	 * UC absorbs, so each page needs a pair of its own. */
	for (unsigned i = 0; i < 41; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "0x%x+4K UC\n",
				      0x1000000 + i * 0x100000);
	o.default_type = MEMTYPE_WB;
	memtype_plan *p = plan_text(text, &o, &s);
	assert_int_equal(s.lower_bound, 41);
	assert_false(s.has_layout);
	memtype_plan_free(p);
}

/* ---------------------------------------------------------------------------
 * Registers and verification.
 */

static void test_wrmsr_sequence_order(void **state)
{
	memtype_plan_opts o = opts(40);
	memtype_plan_summary s;
	uint32_t idx;
	uint64_t v;
	(void)state;
	o.default_type = MEMTYPE_UC;
	o.vcnt = 4;
	memtype_plan *p = plan_text("0-0x9ffff WB\n0x100000-0x7fffffff WB\n", &o, &s);
	/* DEF_TYPE off, 11 fixed, 1 pair (base, mask), 3 unused masks, DEF_TYPE. */
	assert_int_equal(memtype_plan_msr_count(p), 1 + 11 + 2 + 3 + 1);
	memtype_plan_msr(p, 0, &idx, &v);
	assert_int_equal(idx, 0x2ff);
	assert_int_equal(v, 0);
	memtype_plan_msr(p, 12, &idx, &v);
	assert_int_equal(idx, 0x200);
	assert_int_equal(v, 0x6);
	memtype_plan_msr(p, 13, &idx, &v);
	assert_int_equal(idx, 0x201);
	assert_int_equal(v, 0xff80000800); /* 40-bit mask of a 2 GiB block, V */
	memtype_plan_msr(p, 14, &idx, &v);
	assert_int_equal(idx, 0x203);
	assert_int_equal(v, 0);
	memtype_plan_msr(p, 17, &idx, &v);
	assert_int_equal(idx, 0x2ff);
	assert_int_equal(v, 0xc00); /* E, FE, UC */
	assert_int_equal(memtype_plan_msr(p, 18, &idx, &v), -ERANGE);
	/* The same state through memtype_plan_to_mtrr. */
	memtype_mtrr *m;
	memtype_mtrr_hit h;
	assert_int_equal(memtype_plan_to_mtrr(p, &m), 0);
	assert_int_equal(memtype_mtrr_lookup(m, 0x7fffffff, &h), 0);
	assert_int_equal(h.type, MEMTYPE_WB);
	assert_int_equal(memtype_mtrr_lookup(m, 0xa0000, &h), 0);
	assert_int_equal(h.type, MEMTYPE_UC);
	assert_int_equal(h.source, MEMTYPE_MTRR_SRC_FIXED);
	memtype_mtrr_free(m);
	memtype_plan_free(p);
}

static void test_verification_catches_a_wrong_layout(void **state)
{
	memtype_plan_opts o = opts(36);
	memtype_plan *p = (memtype_plan *)1;
	(void)state;
	memtype_map *m = parse("0-0x7fffffff WB\n0x80000000-0xfffffffff UC\n", 36);
	int rc = mt_plan_compute_flags(ctx, m, &o, MT_PLAN_CORRUPT, &p);
	assert_int_equal(rc, -EPROTO);
	assert_null(p);
	assert_string_equal(memtype_ctx_error(ctx)->code, "plan-verify-failed");
	/* Without a pair, the corruption flips the default type. */
	memtype_map_free(m);
	m = parse("", 36);
	rc = mt_plan_compute_flags(ctx, m, &o, MT_PLAN_CORRUPT, &p);
	assert_int_equal(rc, -EPROTO);
	/* And the same map planned normally is fine. */
	assert_int_equal(mt_plan_compute_flags(ctx, m, &o, 0, &p), 0);
	memtype_plan_free(p);
	memtype_map_free(m);
}

static void test_bad_options_and_maps(void **state)
{
	memtype_plan_opts o = opts(36);
	memtype_plan *p;
	(void)state;
	memtype_map *m = parse("0-0xfff WB\n", 36);
	o.phys_bits = 31;
	assert_int_equal(memtype_plan_compute(ctx, m, &o, &p), -EINVAL);
	assert_string_equal(memtype_ctx_error(ctx)->code, "bad-option");
	o = opts(36);
	o.vcnt = 41;
	assert_int_equal(memtype_plan_compute(ctx, m, &o, &p), -EINVAL);
	o = opts(36);
	o.default_type = MEMTYPE_UC_MINUS;
	assert_int_equal(memtype_plan_compute(ctx, m, &o, &p), -EINVAL);
	o = opts(40); /* the map covers 2^36, not 2^40 */
	assert_int_equal(memtype_plan_compute(ctx, m, &o, &p), -EINVAL);
	assert_string_equal(memtype_ctx_error(ctx)->code, "bad-map");
	memtype_map_free(m);
	m = memtype_map_new(ctx, 0, 0xfffffffff, MEMTYPE_UNDEFINED, 0, 0);
	o = opts(36);
	assert_int_equal(memtype_plan_compute(ctx, m, &o, &p), -EINVAL);
	assert_string_equal(memtype_ctx_error(ctx)->code, "bad-map");
	memtype_map_free(m);
}

/* ---------------------------------------------------------------------------
 * Allocation failures.
 */

struct failing {
	unsigned long calls, fail_at, injected;
	long long live;
};

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct failing *f = ud;
	if (nsize == 0) {
		f->live -= (long long)osize;
		free(ptr);
		return NULL;
	}
	if (++f->calls == f->fail_at) {
		f->injected++;
		return NULL;
	}
	void *q = realloc(ptr, nsize);
	if (q)
		f->live += (long long)nsize - (long long)osize;
	return q;
}

static void test_allocation_failures_are_clean(void **state)
{
	(void)state;
	for (unsigned long n = 1;; n++) {
		struct failing f = {.fail_at = n};
		memtype_ctx *c = memtype_ctx_new(failing_alloc, &f);
		if (!c)
			continue; /* the context itself was refused */
		long long base = f.live;
		memtype_map *m = NULL;
		memtype_plan *p = NULL;
		int rc = memtype_plan_parse_map(c, "t", fw_map, strlen(fw_map), 36, &m);
		memtype_plan_opts o = opts(36);
		o.best_effort = true;
		if (!rc)
			rc = memtype_plan_compute(c, m, &o, &p);
		if (rc) {
			assert_int_equal(rc, -ENOMEM);
			assert_int_equal(f.injected, 1);
		}
		memtype_plan_free(p);
		memtype_map_free(m);
		assert_int_equal(f.live, base);
		memtype_ctx_free(c);
		if (!f.injected)
			break;
	}
}

static int setup(void **state)
{
	(void)state;
	ctx = memtype_ctx_new(NULL, NULL);
	return ctx ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	memtype_ctx_free(ctx);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_map_file_grammar),
	    cmocka_unit_test(test_map_file_errors_name_line_and_column),
	    cmocka_unit_test(test_overlap_rule_is_the_sdm_table),
	    cmocka_unit_test(test_uc_carved_out_of_wb),
	    cmocka_unit_test(test_wt_over_wb),
	    cmocka_unit_test(test_other_mixes_are_never_planned),
	    cmocka_unit_test(test_best_default_is_chosen),
	    cmocka_unit_test(test_forced_default),
	    cmocka_unit_test(test_dont_care_can_save_pairs),
	    cmocka_unit_test(test_fixed_ranges_hold_the_first_mib),
	    cmocka_unit_test(test_fixed_fallback_when_a_subrange_is_split),
	    cmocka_unit_test(test_unaligned_boundary_is_refused),
	    cmocka_unit_test(test_does_not_fit_says_the_minimum),
	    cmocka_unit_test(test_best_effort_loses_the_least_wb),
	    cmocka_unit_test(test_more_than_40_pairs_has_no_layout),
	    cmocka_unit_test(test_wrmsr_sequence_order),
	    cmocka_unit_test(test_verification_catches_a_wrong_layout),
	    cmocka_unit_test(test_bad_options_and_maps),
	    cmocka_unit_test(test_allocation_failures_are_clean),
	};
	return cmocka_run_group_tests_name("plan", tests, setup, teardown);
}
