/*
 * test_mtrr_lookup.c - the MTRR type of a physical address (SDM Vol. 3A §11.11).
 *
 * memtype_mtrr_lookup answers for one address and memtype_mtrr_build_map for
 * the whole space [0, 2^MAXPHYADDR - 1]. Both must follow the precedence of
 * SDM §11.11.4.1 "MTRR Precedences" (hardware-hypervisor.md §1.7), one test
 * per rule on hand-built register states:
 *  0. DEF_TYPE.E = 0: UC everywhere, whatever else is written (§11.11.2.1).
 *  1. E = 1, FE = 1 and MTRRcap.FIX, below 1 MiB: the fixed-range byte of the
 *     address's sub-range (§11.11.2.2, Table 11-9); variable ranges ignored.
 *     With FE = 0 or without MTRRcap.FIX the first MiB is like any other.
 *  2. Every valid pair with (addr & PhysMask) == (PhysBase & PhysMask) over
 *     bits [12, MAXPHYADDR) matches (§11.11.2.3), contiguous mask or not:
 *     one type -> it; any UC -> UC; only WT and WB -> WT; anything else is
 *     undefined (the model's MEMTYPE_UNDEFINED).
 *  3. No match: DEF_TYPE.Type.
 * The whole-space map is checked piece by piece against layouts written out
 * by hand, and against a small reference implementation of the rules above
 * on random register states (fixed seed).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "memtype.h"

#include "test_names.h"
#include "test_maps.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(n) (1ull << (n))
#define MiB 0x100000ull
#define GiB 0x40000000ull
#define V 0x800ull /* PHYSMASKn.V */

#define CAP_KVM 0x508ull   /* VCNT 8, FIX, WC */
#define CAP_NOFIX 0x408ull /* VCNT 8, WC */

#define DISABLED MEMTYPE_MTRR_SRC_DISABLED
#define FIXED MEMTYPE_MTRR_SRC_FIXED
#define VARIABLE MEMTYPE_MTRR_SRC_VARIABLE
#define DEFAULT MEMTYPE_MTRR_SRC_DEFAULT

static const uint8_t valid_types[] = { 0, 1, 4, 5, 6 };

/* ---------------------------------------------------------------------------
 * Helpers.
 */

struct state {
	memtype_ctx *ctx;
	memtype_mtrr *m;
	unsigned phys_bits;
};

static void open_state(struct state *s, unsigned phys_bits, uint64_t cap)
{
	s->ctx = memtype_ctx_new(NULL, NULL);
	assert_non_null(s->ctx);
	s->m = memtype_mtrr_new(s->ctx, phys_bits, cap);
	assert_non_null(s->m);
	s->phys_bits = phys_bits;
}

static void close_state(struct state *s)
{
	memtype_mtrr_free(s->m);
	memtype_ctx_free(s->ctx);
}

static void wr(struct state *s, uint32_t index, uint64_t value)
{
	int rc = memtype_mtrr_wrmsr(s->m, index, value);
	if (rc)
		fail_msg("WRMSR 0x%x <- 0x%llx refused (%d): %s", index, (unsigned long long)value,
			 rc, memtype_ctx_error(s->ctx)->message);
}

/* Variable pair n: a power-of-two range [base, base + size) of one type. */
static void pair(struct state *s, unsigned n, uint64_t base, uint64_t size, unsigned type)
{
	uint64_t mask = ~(size - 1) & (BIT(s->phys_bits) - 1);
	wr(s, 0x200 + 2 * n, base | type);
	wr(s, 0x201 + 2 * n, mask | V);
}

static uint64_t top(const struct state *s)
{
	return BIT(s->phys_bits) - 1;
}

#define tname(t) test_type_name(t)

/* lookup(addr) gives type from source; for VARIABLE also the matched set. */
static void expect_hit(struct state *s, uint64_t addr, memtype_type type,
		       memtype_mtrr_source source, uint64_t matched)
{
	memtype_mtrr_hit h;
	int rc = memtype_mtrr_lookup(s->m, addr, &h);

	if (rc)
		fail_msg("lookup 0x%llx returned %d", (unsigned long long)addr, rc);
	if (h.type != type || h.source != source)
		fail_msg("lookup 0x%llx: got %s (0x%x) from source %d, expected %s from %d",
			 (unsigned long long)addr, tname(h.type), h.type, h.source, tname(type),
			 source);
	if (source == VARIABLE && h.var_matched != matched)
		fail_msg("lookup 0x%llx: var_matched 0x%llx, expected 0x%llx",
			 (unsigned long long)addr, (unsigned long long)h.var_matched,
			 (unsigned long long)matched);
}

/* Sub-range s (0..87) of the fixed ranges (SDM Table 11-9). */
static void fixed_slot(unsigned s, uint64_t *start, uint64_t *size, uint32_t *msr, unsigned *byte)
{
	if (s < 8) {
		*start = s * 0x10000ull;
		*size = 0x10000;
		*msr = 0x250;
	} else if (s < 24) {
		*start = 0x80000 + (s - 8) * 0x4000ull;
		*size = 0x4000;
		*msr = s < 16 ? 0x258 : 0x259;
	} else {
		*start = 0xc0000 + (s - 24) * 0x1000ull;
		*size = 0x1000;
		*msr = 0x268 + (s - 24) / 8;
	}
	*byte = s % 8;
}

static const uint32_t fixed_msrs[] = {
	0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f,
};

/* The pattern: sub-range s gets valid_types[(3 s) mod 5]; neighbours differ. */
static unsigned pattern_type(unsigned s)
{
	return valid_types[(3 * s) % 5];
}

static void write_fixed_pattern(struct state *s)
{
	for (size_t k = 0; k < ARRAY_LEN(fixed_msrs); k++) {
		uint64_t v = 0;
		for (unsigned b = 0; b < 8; b++)
			v |= (uint64_t)pattern_type((unsigned)k * 8 + b) << (8 * b);
		wr(s, fixed_msrs[k], v);
	}
}

#define R(s, e, v, sr, rg) { .start = (s), .end = (e), .value = (v), .src = (sr), .regs = (rg) }

/*
 * The map covers [0, 2^phys - 1] in sorted contiguous pieces without identical
 * neighbours, and every piece agrees with lookup at its ends and middle
 * (value = type, src = source | fixed MSR << 8, regs = matched pairs).
 */
static void check_map(struct state *s, const memtype_map *map)
{
	size_t n = memtype_map_count(map);
	memtype_range r, prev = { 0 };
	memtype_mtrr_hit h;

	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(memtype_map_get(map, i, &r), 0);
		assert_true(r.start <= r.end);
		if (i == 0)
			assert_true(r.start == 0);
		else if (r.start != prev.end + 1)
			fail_msg("piece %zu starts at 0x%llx after 0x%llx", i,
				 (unsigned long long)r.start, (unsigned long long)prev.end);
		if (i && prev.value == r.value && prev.src == r.src && prev.regs == r.regs)
			fail_msg("pieces %zu and %zu identical but not merged", i - 1, i);
		const uint64_t probes[] = { r.start, r.start + (r.end - r.start) / 2, r.end };
		for (size_t p = 0; p < ARRAY_LEN(probes); p++) {
			assert_int_equal(memtype_mtrr_lookup(s->m, probes[p], &h), 0);
			uint32_t src = (uint32_t)h.source;
			if (h.source == FIXED)
				src |= h.fixed_msr << 8;
			uint64_t regs = h.source == VARIABLE ? h.var_matched : 0;
			if (h.type != r.value || src != r.src || regs != r.regs)
				fail_msg("map piece [0x%llx, 0x%llx] %u/0x%x/0x%llx disagrees with "
					 "lookup 0x%llx: %u/0x%x/0x%llx",
					 (unsigned long long)r.start, (unsigned long long)r.end,
					 r.value, r.src, (unsigned long long)r.regs,
					 (unsigned long long)probes[p], h.type, src,
					 (unsigned long long)regs);
		}
		prev = r;
	}
	if (prev.end != top(s))
		fail_msg("map ends at 0x%llx, not 2^%u - 1", (unsigned long long)prev.end,
			 s->phys_bits);
}

static memtype_map *build(struct state *s)
{
	memtype_map *map = NULL;
	int rc = memtype_mtrr_build_map(s->m, 0, &map);
	if (rc)
		fail_msg("build_map returned %d: %s", rc, memtype_ctx_error(s->ctx)->message);
	assert_non_null(map);
	check_map(s, map);
	return map;
}


/* ---------------------------------------------------------------------------
 * Rule 0: E = 0 -> UC everywhere (SDM §11.11.2.1).
 */

static void test_e_clear_is_uc_everywhere(void **state)
{
	struct state s;
	memtype_map *map;
	static const uint64_t addrs[] = { 0, 0x7ffff, 0xa0000, 0xfffff, MiB, 4 * GiB,
					  BIT(36) - 1 };

	(void)state;
	open_state(&s, 36, CAP_KVM);
	/* FE set, a WB default, WB fixed ranges and a WB pair over everything:
	 * none of it counts while E = 0. */
	wr(&s, 0x2ff, 0x406);
	for (size_t k = 0; k < ARRAY_LEN(fixed_msrs); k++)
		wr(&s, fixed_msrs[k], 0x0606060606060606ull);
	wr(&s, 0x200, 0x6);
	wr(&s, 0x201, V);
	for (size_t i = 0; i < ARRAY_LEN(addrs); i++)
		expect_hit(&s, addrs[i], MEMTYPE_UC, DISABLED, 0);

	map = build(&s);
	static const memtype_range exp[] = { R(0, BIT(36) - 1, MEMTYPE_UC, DISABLED, 0) };
	expect_pieces(map, exp, ARRAY_LEN(exp));
	memtype_map_free(map);
	close_state(&s);
}

/* The reset state (E = 0) is UC everywhere too. */
static void test_reset_state_is_uc_everywhere(void **state)
{
	struct state s;
	memtype_map *map;

	(void)state;
	open_state(&s, 46, CAP_KVM);
	expect_hit(&s, 0, MEMTYPE_UC, DISABLED, 0);
	expect_hit(&s, BIT(46) - 1, MEMTYPE_UC, DISABLED, 0);
	map = build(&s);
	assert_int_equal(memtype_map_count(map), 1);
	memtype_map_free(map);
	close_state(&s);
}

/* ---------------------------------------------------------------------------
 * Rule 1: fixed ranges below 1 MiB (SDM §11.11.2.2, Table 11-9).
 */

static void test_fixed_ranges_decide_below_1mib(void **state)
{
	struct state s;
	memtype_map *map;
	memtype_mtrr_hit h;
	memtype_range r;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	write_fixed_pattern(&s);
	/* A UC pair over [0, 2 MiB) that must not count below 1 MiB. */
	pair(&s, 0, 0, 2 * MiB, MEMTYPE_UC);
	wr(&s, 0x2ff, 0xc06);

	for (unsigned sl = 0; sl < MEMTYPE_FIXED_RANGES; sl++) {
		uint64_t start, size;
		uint32_t msr;
		unsigned byte;
		fixed_slot(sl, &start, &size, &msr, &byte);
		const uint64_t probes[] = { start, start + size - 1 };
		for (size_t p = 0; p < 2; p++) {
			assert_int_equal(memtype_mtrr_lookup(s.m, probes[p], &h), 0);
			if (h.type != pattern_type(sl) || h.source != FIXED ||
			    h.fixed_msr != msr || h.fixed_slot != sl)
				fail_msg("sub-range %u address 0x%llx: got %s src %d MSR 0x%x slot "
					 "%u, expected %s from MSR 0x%x byte %u",
					 sl, (unsigned long long)probes[p], tname(h.type), h.source,
					 h.fixed_msr, h.fixed_slot,
					 tname((memtype_type)pattern_type(sl)), msr, byte);
		}
	}
	/* Above 1 MiB the UC pair decides, then the default. */
	expect_hit(&s, MiB, MEMTYPE_UC, VARIABLE, 0x1);
	expect_hit(&s, 2 * MiB - 1, MEMTYPE_UC, VARIABLE, 0x1);
	expect_hit(&s, 2 * MiB, MEMTYPE_WB, DEFAULT, 0);

	/* The map: 88 pieces below 1 MiB (neighbours differ), then two. */
	map = build(&s);
	assert_int_equal(memtype_map_count(map), MEMTYPE_FIXED_RANGES + 2);
	for (unsigned sl = 0; sl < MEMTYPE_FIXED_RANGES; sl++) {
		uint64_t start, size;
		uint32_t msr;
		unsigned byte;
		fixed_slot(sl, &start, &size, &msr, &byte);
		assert_int_equal(memtype_map_get(map, sl, &r), 0);
		if (r.start != start || r.end != start + size - 1 || r.value != pattern_type(sl) ||
		    r.src != (FIXED | (msr << 8)) || r.regs != 0)
			fail_msg("piece %u: [0x%llx, 0x%llx] 0x%x/0x%x, expected [0x%llx, 0x%llx] "
				 "0x%x/0x%x",
				 sl, (unsigned long long)r.start, (unsigned long long)r.end,
				 r.value, r.src, (unsigned long long)start,
				 (unsigned long long)(start + size - 1), pattern_type(sl),
				 FIXED | (msr << 8));
	}
	assert_int_equal(memtype_map_get(map, 88, &r), 0);
	assert_true(r.start == MiB && r.end == 2 * MiB - 1 && r.value == MEMTYPE_UC &&
		    r.src == VARIABLE && r.regs == 1);
	assert_int_equal(memtype_map_get(map, 89, &r), 0);
	assert_true(r.start == 2 * MiB && r.end == top(&s) && r.value == MEMTYPE_WB &&
		    r.src == DEFAULT && r.regs == 0);
	memtype_map_free(map);
	close_state(&s);
}

/* Equal bytes within one fixed MSR merge; equal bytes across two MSRs keep
 * their own provenance (src carries the MSR index). */
static void test_fixed_ranges_map_merges_within_one_msr(void **state)
{
	struct state s;
	memtype_map *map;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	for (size_t k = 0; k < ARRAY_LEN(fixed_msrs); k++)
		wr(&s, fixed_msrs[k], 0x0606060606060606ull);
	wr(&s, 0x2ff, 0xc06);
	map = build(&s);
	static const memtype_range exp[] = {
		R(0x00000, 0x7ffff, 6, FIXED | (0x250 << 8), 0),
		R(0x80000, 0x9ffff, 6, FIXED | (0x258 << 8), 0),
		R(0xa0000, 0xbffff, 6, FIXED | (0x259 << 8), 0),
		R(0xc0000, 0xc7fff, 6, FIXED | (0x268 << 8), 0),
		R(0xc8000, 0xcffff, 6, FIXED | (0x269 << 8), 0),
		R(0xd0000, 0xd7fff, 6, FIXED | (0x26a << 8), 0),
		R(0xd8000, 0xdffff, 6, FIXED | (0x26b << 8), 0),
		R(0xe0000, 0xe7fff, 6, FIXED | (0x26c << 8), 0),
		R(0xe8000, 0xeffff, 6, FIXED | (0x26d << 8), 0),
		R(0xf0000, 0xf7fff, 6, FIXED | (0x26e << 8), 0),
		R(0xf8000, 0xfffff, 6, FIXED | (0x26f << 8), 0),
		R(MiB, BIT(36) - 1, 6, DEFAULT, 0),
	};
	expect_pieces(map, exp, ARRAY_LEN(exp));
	memtype_map_free(map);
	close_state(&s);
}

/* FE = 0: the first MiB is typed by variable ranges and the default. */
static void test_fe_clear_below_1mib_uses_variable_and_default(void **state)
{
	struct state s;
	memtype_map *map;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	write_fixed_pattern(&s);
	pair(&s, 0, 0, 512 * 1024, MEMTYPE_UC);
	wr(&s, 0x2ff, 0x806);
	expect_hit(&s, 0, MEMTYPE_UC, VARIABLE, 0x1);
	expect_hit(&s, 0x7ffff, MEMTYPE_UC, VARIABLE, 0x1);
	expect_hit(&s, 0x80000, MEMTYPE_WB, DEFAULT, 0);
	expect_hit(&s, 0xfffff, MEMTYPE_WB, DEFAULT, 0);
	map = build(&s);
	static const memtype_range exp[] = {
		R(0, 0x7ffff, MEMTYPE_UC, VARIABLE, 1),
		R(0x80000, BIT(36) - 1, MEMTYPE_WB, DEFAULT, 0),
	};
	expect_pieces(map, exp, ARRAY_LEN(exp));
	memtype_map_free(map);
	close_state(&s);
}

/* MTRRcap.FIX = 0: FE cannot bring in fixed ranges the CPU does not have
 * (SDM §11.11.1); variable ranges decide below 1 MiB. */
static void test_fe_without_mtrrcap_fix_uses_variable(void **state)
{
	struct state s;
	memtype_map *map;

	(void)state;
	open_state(&s, 36, CAP_NOFIX);
	pair(&s, 2, 0, MiB, MEMTYPE_WT);
	wr(&s, 0x2ff, 0xc06);
	expect_hit(&s, 0, MEMTYPE_WT, VARIABLE, 0x4);
	expect_hit(&s, 0xc0000, MEMTYPE_WT, VARIABLE, 0x4);
	expect_hit(&s, 0xfffff, MEMTYPE_WT, VARIABLE, 0x4);
	expect_hit(&s, MiB, MEMTYPE_WB, DEFAULT, 0);
	map = build(&s);
	static const memtype_range exp[] = {
		R(0, 0xfffff, MEMTYPE_WT, VARIABLE, 0x4),
		R(MiB, BIT(36) - 1, MEMTYPE_WB, DEFAULT, 0),
	};
	expect_pieces(map, exp, ARRAY_LEN(exp));
	memtype_map_free(map);
	close_state(&s);
}

/* ---------------------------------------------------------------------------
 * Rule 2: variable ranges (SDM §11.11.4.1).
 */

static void test_single_variable_match(void **state)
{
	struct state s;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	pair(&s, 3, 0xd0000000, 16 * MiB, MEMTYPE_WC);
	wr(&s, 0x2ff, 0x800);
	expect_hit(&s, 0xcfffffff, MEMTYPE_UC, DEFAULT, 0);
	expect_hit(&s, 0xd0000000, MEMTYPE_WC, VARIABLE, BIT(3));
	expect_hit(&s, 0xd0ffffff, MEMTYPE_WC, VARIABLE, BIT(3));
	expect_hit(&s, 0xd1000000, MEMTYPE_UC, DEFAULT, 0);
	/* The same range 4 GiB higher is a different address. */
	expect_hit(&s, 0x1d0000000, MEMTYPE_UC, DEFAULT, 0);
	close_state(&s);
}

/* A pair with V = 0 matches nothing (SDM §11.11.2.3). */
static void test_pair_with_v_clear_is_ignored(void **state)
{
	struct state s;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	wr(&s, 0x200, 0x0);		/* UC over everything... */
	wr(&s, 0x201, 0x0);		/* ...but not valid */
	pair(&s, 1, 0, 4 * GiB, MEMTYPE_WB);
	wr(&s, 0x204, 0x100000000ull | MEMTYPE_UC);
	wr(&s, 0x205, 0xf00000000ull);	/* V clear */
	wr(&s, 0x2ff, 0x805);
	expect_hit(&s, 0, MEMTYPE_WB, VARIABLE, 0x2);
	expect_hit(&s, 4 * GiB, MEMTYPE_WP, DEFAULT, 0);
	close_state(&s);
}

static void test_two_identical_types_give_that_type(void **state)
{
	struct state s;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	pair(&s, 0, 0, 2 * GiB, MEMTYPE_WB);
	pair(&s, 1, GiB, 512 * MiB, MEMTYPE_WB);
	pair(&s, 4, 3 * GiB, GiB, MEMTYPE_WC);
	pair(&s, 5, 3 * GiB + 256 * MiB, 256 * MiB, MEMTYPE_WC);
	wr(&s, 0x2ff, 0x800);
	expect_hit(&s, GiB - 1, MEMTYPE_WB, VARIABLE, 0x1);
	expect_hit(&s, GiB, MEMTYPE_WB, VARIABLE, 0x3);
	expect_hit(&s, GiB + 512 * MiB - 1, MEMTYPE_WB, VARIABLE, 0x3);
	expect_hit(&s, GiB + 512 * MiB, MEMTYPE_WB, VARIABLE, 0x1);
	expect_hit(&s, 3 * GiB + 256 * MiB, MEMTYPE_WC, VARIABLE, 0x30);
	close_state(&s);
}

/* "If one of the overlapping memory types is UC, the UC memory type is used." */
static void test_uc_overlapping_wb_is_uc(void **state)
{
	struct state s;
	memtype_map *map;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	pair(&s, 0, 0, 4 * GiB, MEMTYPE_WB);
	pair(&s, 1, 3 * GiB, GiB, MEMTYPE_UC);
	wr(&s, 0x2ff, 0x806);
	expect_hit(&s, 3 * GiB - 1, MEMTYPE_WB, VARIABLE, 0x1);
	expect_hit(&s, 3 * GiB, MEMTYPE_UC, VARIABLE, 0x3);
	expect_hit(&s, 4 * GiB - 1, MEMTYPE_UC, VARIABLE, 0x3);
	map = build(&s);
	static const memtype_range exp[] = {
		R(0, 3 * GiB - 1, MEMTYPE_WB, VARIABLE, 0x1),
		R(3 * GiB, 4 * GiB - 1, MEMTYPE_UC, VARIABLE, 0x3),
		R(4 * GiB, BIT(36) - 1, MEMTYPE_WB, DEFAULT, 0),
	};
	expect_pieces(map, exp, ARRAY_LEN(exp));
	memtype_map_free(map);
	close_state(&s);
}

/* UC wins over every other type, and over several at once. */
static void test_uc_overlapping_any_type_is_uc(void **state)
{
	static const memtype_type others[] = { MEMTYPE_WC, MEMTYPE_WT, MEMTYPE_WP, MEMTYPE_WB };
	struct state s;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(others); i++) {
		open_state(&s, 36, CAP_KVM);
		pair(&s, 6, 0, GiB, others[i]);
		pair(&s, 2, 0, GiB, MEMTYPE_UC);
		wr(&s, 0x2ff, 0x806);
		expect_hit(&s, 0x1000, MEMTYPE_UC, VARIABLE, BIT(6) | BIT(2));
		close_state(&s);
	}
	open_state(&s, 36, CAP_KVM);
	pair(&s, 0, 0, GiB, MEMTYPE_WB);
	pair(&s, 1, 0, GiB, MEMTYPE_WT);
	pair(&s, 2, 0, GiB, MEMTYPE_WC);
	pair(&s, 3, 0, GiB, MEMTYPE_UC);
	wr(&s, 0x2ff, 0x806);
	expect_hit(&s, 0, MEMTYPE_UC, VARIABLE, 0xf);
	close_state(&s);
}

/* "If the memory types are WT and WB, the WT memory type is used." */
static void test_wt_overlapping_wb_is_wt(void **state)
{
	struct state s;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	pair(&s, 0, 0, 8 * GiB, MEMTYPE_WB);
	pair(&s, 1, 2 * GiB, GiB, MEMTYPE_WT);
	pair(&s, 2, 2 * GiB, 2 * GiB, MEMTYPE_WB);
	wr(&s, 0x2ff, 0x800);
	expect_hit(&s, 2 * GiB, MEMTYPE_WT, VARIABLE, 0x7);
	expect_hit(&s, 3 * GiB - 1, MEMTYPE_WT, VARIABLE, 0x7);
	expect_hit(&s, 3 * GiB, MEMTYPE_WB, VARIABLE, 0x5);
	close_state(&s);
}

/* "For overlaps not defined by the above rules, processor behavior is undefined." */
static void test_wc_overlapping_wb_is_undefined(void **state)
{
	struct state s;
	memtype_map *map;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	pair(&s, 0, 0, 4 * GiB, MEMTYPE_WB);
	pair(&s, 1, 0xe0000000, 256 * MiB, MEMTYPE_WC);
	wr(&s, 0x2ff, 0x800);
	expect_hit(&s, 0xe0000000, MEMTYPE_UNDEFINED, VARIABLE, 0x3);
	expect_hit(&s, 0xefffffff, MEMTYPE_UNDEFINED, VARIABLE, 0x3);
	expect_hit(&s, 0xf0000000, MEMTYPE_WB, VARIABLE, 0x1);
	map = build(&s);
	static const memtype_range exp[] = {
		R(0, 0xdfffffff, MEMTYPE_WB, VARIABLE, 0x1),
		R(0xe0000000, 0xefffffff, MEMTYPE_UNDEFINED, VARIABLE, 0x3),
		R(0xf0000000, 0xffffffff, MEMTYPE_WB, VARIABLE, 0x1),
		R(4 * GiB, BIT(36) - 1, MEMTYPE_UC, DEFAULT, 0),
	};
	expect_pieces(map, exp, ARRAY_LEN(exp));
	memtype_map_free(map);
	close_state(&s);
}

static void test_wp_overlapping_wt_is_undefined(void **state)
{
	struct state s;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	pair(&s, 5, 0x100000000ull, GiB, MEMTYPE_WP);
	pair(&s, 7, 0x100000000ull, GiB, MEMTYPE_WT);
	wr(&s, 0x2ff, 0x800);
	expect_hit(&s, 0x100000000ull, MEMTYPE_UNDEFINED, VARIABLE, BIT(5) | BIT(7));
	close_state(&s);
}

/* WT + WB is the only defined mix without UC: adding a third type breaks it. */
static void test_wt_wb_wc_overlap_is_undefined(void **state)
{
	struct state s;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	pair(&s, 0, 0, GiB, MEMTYPE_WB);
	pair(&s, 1, 0, GiB, MEMTYPE_WT);
	pair(&s, 2, 0, GiB, MEMTYPE_WC);
	wr(&s, 0x2ff, 0x800);
	expect_hit(&s, 0x200000, MEMTYPE_UNDEFINED, VARIABLE, 0x7);
	close_state(&s);
}

/* ---------------------------------------------------------------------------
 * Rule 3: no match -> DEF_TYPE.Type.
 */

static void test_no_match_is_default_type(void **state)
{
	struct state s;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(valid_types); i++) {
		open_state(&s, 39, CAP_KVM);
		pair(&s, 0, 0, 2 * GiB, MEMTYPE_WB);
		wr(&s, 0x2ff, 0x800 | valid_types[i]);
		expect_hit(&s, 2 * GiB, (memtype_type)valid_types[i], DEFAULT, 0);
		expect_hit(&s, BIT(39) - 1, (memtype_type)valid_types[i], DEFAULT, 0);
		close_state(&s);
	}
}

/* ---------------------------------------------------------------------------
 * The match rule itself (SDM §11.11.2.3).
 */

/* A mask with bit 32 clear matches [1G, 2G) and [5G, 6G): the hardware rule,
 * not "base + size". */
static void test_noncontiguous_mask_matches_two_blocks(void **state)
{
	struct state s;
	memtype_map *map;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	wr(&s, 0x200, 0x40000000ull | MEMTYPE_WB);
	wr(&s, 0x201, 0xec0000000ull | V); /* bits 35:30 except 32 */
	wr(&s, 0x2ff, 0x800);
	expect_hit(&s, 0x3fffffff, MEMTYPE_UC, DEFAULT, 0);
	expect_hit(&s, 0x40000000, MEMTYPE_WB, VARIABLE, 1);
	expect_hit(&s, 0x7fffffff, MEMTYPE_WB, VARIABLE, 1);
	expect_hit(&s, 0x80000000, MEMTYPE_UC, DEFAULT, 0);
	expect_hit(&s, 0x100000000ull, MEMTYPE_UC, DEFAULT, 0);
	expect_hit(&s, 0x13fffffffull, MEMTYPE_UC, DEFAULT, 0);
	expect_hit(&s, 0x140000000ull, MEMTYPE_WB, VARIABLE, 1);
	expect_hit(&s, 0x17fffffffull, MEMTYPE_WB, VARIABLE, 1);
	expect_hit(&s, 0x180000000ull, MEMTYPE_UC, DEFAULT, 0);
	expect_hit(&s, 0x240000000ull, MEMTYPE_UC, DEFAULT, 0);
	map = build(&s);
	static const memtype_range exp[] = {
		R(0, 0x3fffffff, MEMTYPE_UC, DEFAULT, 0),
		R(0x40000000, 0x7fffffff, MEMTYPE_WB, VARIABLE, 1),
		R(0x80000000, 0x13fffffffull, MEMTYPE_UC, DEFAULT, 0),
		R(0x140000000ull, 0x17fffffffull, MEMTYPE_WB, VARIABLE, 1),
		R(0x180000000ull, BIT(36) - 1, MEMTYPE_UC, DEFAULT, 0),
	};
	expect_pieces(map, exp, ARRAY_LEN(exp));
	memtype_map_free(map);
	close_state(&s);
}

/* Base bits outside the mask do not matter: only base & mask is compared. */
static void test_base_bits_outside_mask_are_ignored(void **state)
{
	struct state s;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	wr(&s, 0x200, 0x8abcd000ull | MEMTYPE_WT); /* mask keeps only bit 31 and up */
	wr(&s, 0x201, 0xf80000000ull | V);
	wr(&s, 0x2ff, 0x806);
	expect_hit(&s, 0x80000000, MEMTYPE_WT, VARIABLE, 1);
	expect_hit(&s, 0xffffffff, MEMTYPE_WT, VARIABLE, 1);
	expect_hit(&s, 0x7fffffff, MEMTYPE_WB, DEFAULT, 0);
	close_state(&s);
}

/* PhysMask = 0 with V set: every address satisfies (addr & 0) == (base & 0). */
static void test_mask_zero_with_v_matches_everything(void **state)
{
	struct state s;
	memtype_map *map;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	wr(&s, 0x200, 0x123456000ull | MEMTYPE_WT);
	wr(&s, 0x201, V);
	wr(&s, 0x2ff, 0x800);
	expect_hit(&s, 0, MEMTYPE_WT, VARIABLE, 1);
	expect_hit(&s, 0xfffff, MEMTYPE_WT, VARIABLE, 1);
	expect_hit(&s, 4 * GiB, MEMTYPE_WT, VARIABLE, 1);
	expect_hit(&s, BIT(36) - 1, MEMTYPE_WT, VARIABLE, 1);
	map = build(&s);
	static const memtype_range exp[] = { R(0, BIT(36) - 1, MEMTYPE_WT, VARIABLE, 1) };
	expect_pieces(map, exp, ARRAY_LEN(exp));
	memtype_map_free(map);
	close_state(&s);
}

/* The space is [0, 2^MAXPHYADDR - 1]; beyond it is -ERANGE (memtype.h). */
static void test_address_at_2pow_phys_bits_is_erange(void **state)
{
	static const unsigned phys[] = { 32, 36, 46, 52 };
	struct state s;
	memtype_mtrr_hit h;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(phys); i++) {
		open_state(&s, phys[i], CAP_KVM);
		assert_int_equal(memtype_mtrr_lookup(s.m, BIT(phys[i]) - 1, &h), 0);
		assert_int_equal(memtype_mtrr_lookup(s.m, BIT(phys[i]), &h), -ERANGE);
		assert_int_equal(memtype_mtrr_lookup(s.m, UINT64_MAX, &h), -ERANGE);
		wr(&s, 0x2ff, 0xc06);
		assert_int_equal(memtype_mtrr_lookup(s.m, BIT(phys[i]) - 1, &h), 0);
		assert_int_equal(memtype_mtrr_lookup(s.m, BIT(phys[i]), &h), -ERANGE);
		assert_int_equal(memtype_ctx_error(s.ctx)->status, -ERANGE);
		close_state(&s);
	}
}

/* ---------------------------------------------------------------------------
 * Whole-space maps.
 */

/*
 * A typical BIOS layout (MAXPHYADDR 36): default UC, fixed ranges on (WB
 * below 640 KiB, UC VGA hole, WP option ROMs at C0000-CFFFF, UC D0000-EFFFF,
 * WP BIOS F0000-FFFFF); WB 0-2G, WB 2G-3G with a UC hole at 2.75G-3G inside
 * it, WB 4G-8G.
 */
static void setup_bios(struct state *s, uint64_t def_type)
{
	open_state(s, 36, CAP_KVM);
	wr(s, 0x250, 0x0606060606060606ull);
	wr(s, 0x258, 0x0606060606060606ull);
	wr(s, 0x259, 0);
	wr(s, 0x268, 0x0505050505050505ull);
	wr(s, 0x269, 0x0505050505050505ull);
	wr(s, 0x26a, 0);
	wr(s, 0x26b, 0);
	wr(s, 0x26c, 0);
	wr(s, 0x26d, 0);
	wr(s, 0x26e, 0x0505050505050505ull);
	wr(s, 0x26f, 0x0505050505050505ull);
	pair(s, 0, 0, 2 * GiB, MEMTYPE_WB);
	pair(s, 1, 2 * GiB, GiB, MEMTYPE_WB);
	pair(s, 2, 0xb0000000, 256 * MiB, MEMTYPE_UC);
	pair(s, 3, 4 * GiB, 4 * GiB, MEMTYPE_WB);
	wr(s, 0x2ff, def_type);
}

static void test_build_map_typical_bios_layout(void **state)
{
	struct state s;
	memtype_map *map;
	static const memtype_range exp[] = {
		R(0x00000, 0x7ffff, MEMTYPE_WB, FIXED | (0x250 << 8), 0),
		R(0x80000, 0x9ffff, MEMTYPE_WB, FIXED | (0x258 << 8), 0),
		R(0xa0000, 0xbffff, MEMTYPE_UC, FIXED | (0x259 << 8), 0),
		R(0xc0000, 0xc7fff, MEMTYPE_WP, FIXED | (0x268 << 8), 0),
		R(0xc8000, 0xcffff, MEMTYPE_WP, FIXED | (0x269 << 8), 0),
		R(0xd0000, 0xd7fff, MEMTYPE_UC, FIXED | (0x26a << 8), 0),
		R(0xd8000, 0xdffff, MEMTYPE_UC, FIXED | (0x26b << 8), 0),
		R(0xe0000, 0xe7fff, MEMTYPE_UC, FIXED | (0x26c << 8), 0),
		R(0xe8000, 0xeffff, MEMTYPE_UC, FIXED | (0x26d << 8), 0),
		R(0xf0000, 0xf7fff, MEMTYPE_WP, FIXED | (0x26e << 8), 0),
		R(0xf8000, 0xfffff, MEMTYPE_WP, FIXED | (0x26f << 8), 0),
		R(0x100000, 0x7fffffff, MEMTYPE_WB, VARIABLE, 0x1),
		R(0x80000000, 0xafffffff, MEMTYPE_WB, VARIABLE, 0x2),
		R(0xb0000000, 0xbfffffff, MEMTYPE_UC, VARIABLE, 0x6),
		R(0xc0000000, 0xffffffff, MEMTYPE_UC, DEFAULT, 0),
		R(0x100000000ull, 0x1ffffffffull, MEMTYPE_WB, VARIABLE, 0x8),
		R(0x200000000ull, 0xfffffffffull, MEMTYPE_UC, DEFAULT, 0),
	};

	(void)state;
	setup_bios(&s, 0xc00);
	map = build(&s);
	expect_pieces(map, exp, ARRAY_LEN(exp));
	memtype_map_free(map);
	close_state(&s);
}

/* The same registers with FE = 0: the fixed ranges vanish from the map. */
static void test_build_map_typical_bios_layout_fe_clear(void **state)
{
	struct state s;
	memtype_map *map;
	static const memtype_range exp[] = {
		R(0, 0x7fffffff, MEMTYPE_WB, VARIABLE, 0x1),
		R(0x80000000, 0xafffffff, MEMTYPE_WB, VARIABLE, 0x2),
		R(0xb0000000, 0xbfffffff, MEMTYPE_UC, VARIABLE, 0x6),
		R(0xc0000000, 0xffffffff, MEMTYPE_UC, DEFAULT, 0),
		R(0x100000000ull, 0x1ffffffffull, MEMTYPE_WB, VARIABLE, 0x8),
		R(0x200000000ull, 0xfffffffffull, MEMTYPE_UC, DEFAULT, 0),
	};

	(void)state;
	setup_bios(&s, 0x800);
	map = build(&s);
	expect_pieces(map, exp, ARRAY_LEN(exp));
	memtype_map_free(map);
	close_state(&s);
}

/* A variable range reaching the last address of the space. */
static void test_build_map_range_at_top_of_space(void **state)
{
	struct state s;
	memtype_map *map;
	static const memtype_range exp[] = {
		R(0, BIT(52) - GiB - 1, MEMTYPE_WB, DEFAULT, 0),
		R(BIT(52) - GiB, BIT(52) - 1, MEMTYPE_UC, VARIABLE, 0x80),
	};

	(void)state;
	open_state(&s, 52, CAP_KVM);
	pair(&s, 7, BIT(52) - GiB, GiB, MEMTYPE_UC);
	wr(&s, 0x2ff, 0x806);
	map = build(&s);
	expect_pieces(map, exp, ARRAY_LEN(exp));
	memtype_map_free(map);
	close_state(&s);
}

/* Many holes: 2^22 intervals for one pair; a small max_pieces refuses it. */
static void test_build_map_pathological_mask_is_e2big(void **state)
{
	struct state s;
	memtype_map *map = NULL;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	wr(&s, 0x200, MEMTYPE_WB);
	wr(&s, 0x201, BIT(35) | BIT(12) | V); /* holes at bits 34:13 */
	wr(&s, 0x2ff, 0x800);
	memtype_ctx_clear_error(s.ctx);
	assert_int_equal(memtype_mtrr_build_map(s.m, 1000, &map), -E2BIG);
	assert_int_equal(memtype_ctx_error(s.ctx)->status, -E2BIG);
	memtype_map_free(map);
	/* lookup still follows the rule: bit 35 = 0 and bit 12 = 0. */
	expect_hit(&s, 0x2000, MEMTYPE_WB, VARIABLE, 1);
	expect_hit(&s, 0x3000, MEMTYPE_UC, DEFAULT, 0);
	expect_hit(&s, 0x7ffffe000ull, MEMTYPE_WB, VARIABLE, 1);
	expect_hit(&s, 0x7fffff000ull, MEMTYPE_UC, DEFAULT, 0);
	expect_hit(&s, 0x800000000ull, MEMTYPE_UC, DEFAULT, 0);
	close_state(&s);

	/* The largest MAXPHYADDR with a 2-bit mask: 2^38 intervals. */
	open_state(&s, 52, CAP_KVM);
	wr(&s, 0x200, MEMTYPE_WB);
	wr(&s, 0x201, BIT(51) | BIT(12) | V);
	wr(&s, 0x2ff, 0x800);
	map = NULL;
	assert_int_equal(memtype_mtrr_build_map(s.m, 1u << 20, &map), -E2BIG);
	memtype_map_free(map);
	close_state(&s);
}

/* A few holes within the limit: the map has every interval. */
static void test_build_map_three_holes_within_limit(void **state)
{
	struct state s;
	memtype_map *map = NULL;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	/* Mask bits 35:28 minus 29, 31, 33: 8 blocks of 256 MiB. */
	wr(&s, 0x200, MEMTYPE_WP);
	wr(&s, 0x201, (0xff0000000ull & ~(BIT(29) | BIT(31) | BIT(33))) | V);
	wr(&s, 0x2ff, 0x800);
	assert_int_equal(memtype_mtrr_build_map(s.m, 16, &map), 0);
	assert_non_null(map);
	check_map(&s, map);
	/* 8 WP blocks at 0, 512M, 2G, 2.5G, 8G, 8.5G, 10G, 10.5G and 8 gaps. */
	assert_int_equal(memtype_map_count(map), 16);
	static const uint64_t starts[] = { 0, 0x20000000, 0x80000000, 0xa0000000,
					   0x200000000, 0x220000000, 0x280000000, 0x2a0000000 };
	for (size_t i = 0; i < ARRAY_LEN(starts); i++) {
		memtype_range r;
		assert_int_equal(memtype_map_get(map, 2 * i, &r), 0);
		assert_true(r.start == starts[i] && r.end == starts[i] + 256 * MiB - 1);
		assert_int_equal(r.value, MEMTYPE_WP);
	}
	memtype_map_free(map);
	close_state(&s);
}

/* ---------------------------------------------------------------------------
 * Random register states against a reference written from §11.11.4.1.
 */

struct ref {
	unsigned phys_bits;
	uint64_t cap, def, fixed[11], base[8], mask[8];
};

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned rnd(unsigned n)
{
	return (unsigned)(rng() % n);
}

static memtype_type ref_type(const struct ref *r, uint64_t addr)
{
	if (!(r->def & BIT(11)))
		return MEMTYPE_UC;
	if (addr < MiB && (r->def & BIT(10)) && (r->cap & BIT(8))) {
		for (unsigned sl = 0; sl < 88; sl++) {
			uint64_t start, size;
			uint32_t msr;
			unsigned byte;
			fixed_slot(sl, &start, &size, &msr, &byte);
			if (addr >= start && addr < start + size) {
				unsigned k = msr == 0x250 ? 0 : msr == 0x258 ? 1 : msr == 0x259 ? 2
					   : 3 + (msr - 0x268);
				return (memtype_type)((r->fixed[k] >> (8 * byte)) & 0xff);
			}
		}
	}
	uint64_t bits = (BIT(r->phys_bits) - 1) & ~0xfffull;
	unsigned seen = 0, count = 0;
	for (unsigned n = 0; n < 8; n++) {
		if (!(r->mask[n] & V))
			continue;
		uint64_t mk = r->mask[n] & bits;
		if ((addr & mk) == (r->base[n] & mk)) {
			seen |= 1u << (r->base[n] & 0xff);
			count++;
		}
	}
	if (!count)
		return (memtype_type)(r->def & 0xff);
	if ((seen & (seen - 1)) == 0)
		return (memtype_type)__builtin_ctz(seen);
	if (seen & 1u)
		return MEMTYPE_UC;
	if (seen == ((1u << MEMTYPE_WT) | (1u << MEMTYPE_WB)))
		return MEMTYPE_WT;
	return MEMTYPE_UNDEFINED;
}

static void random_state(struct ref *r)
{
	static const unsigned phys[] = { 32, 36, 39, 46, 52 };

	r->phys_bits = phys[rnd(ARRAY_LEN(phys))];
	r->cap = rnd(4) ? CAP_KVM : CAP_NOFIX;
	r->def = (rnd(8) ? BIT(11) : 0) | (rnd(2) ? BIT(10) : 0) | valid_types[rnd(5)];
	for (unsigned k = 0; k < 11; k++) {
		r->fixed[k] = 0;
		for (unsigned b = 0; b < 8; b++)
			r->fixed[k] |= (uint64_t)valid_types[rnd(3) ? 4 : rnd(5)] << (8 * b);
	}
	for (unsigned n = 0; n < 8; n++) {
		/* Ranges of 4 KiB .. 4 GiB in the low 8 GiB so they overlap; some
		 * masks get one or two holes. */
		unsigned low = 12 + rnd(21);
		uint64_t mask = ~(BIT(low) - 1) & (BIT(r->phys_bits) - 1);
		for (unsigned h = rnd(3); h > 0 && r->phys_bits > low + 1; h--) {
			unsigned hb = low + 1 + rnd(r->phys_bits - low - 1);
			mask &= ~BIT(hb);
		}
		r->base[n] = (rng() & (BIT(33) - 1) & (BIT(r->phys_bits) - 1) & ~0xfffull) |
			     valid_types[rnd(5)];
		/* A quarter start in the first 2 MiB, across the fixed ranges. */
		if (!rnd(4))
			r->base[n] &= 0x1fffffull;
		r->mask[n] = rnd(4) ? (mask | V) : mask;
	}
}

static void test_lookup_and_map_match_reference_on_random_states(void **state)
{
	(void)state;
	rng_state = 0x4d545252;
	for (unsigned iter = 0; iter < 300; iter++) {
		struct ref r;
		struct state s;
		memtype_map *map = NULL;

		random_state(&r);
		open_state(&s, r.phys_bits, r.cap);
		for (unsigned k = 0; k < 11 && (r.cap & BIT(8)); k++)
			wr(&s, fixed_msrs[k], r.fixed[k]);
		for (unsigned n = 0; n < 8; n++) {
			wr(&s, 0x200 + 2 * n, r.base[n]);
			wr(&s, 0x201 + 2 * n, r.mask[n]);
		}
		wr(&s, 0x2ff, r.def);

		int rc = memtype_mtrr_build_map(s.m, 1u << 16, &map);
		if (rc == -E2BIG) {
			close_state(&s);
			continue;
		}
		assert_int_equal(rc, 0);
		check_map(&s, map);
		for (size_t i = 0; i < memtype_map_count(map); i++) {
			memtype_range p;
			memtype_map_get(map, i, &p);
			if (p.value != ref_type(&r, p.start) || p.value != ref_type(&r, p.end))
				fail_msg("iter %u: piece [0x%llx, 0x%llx] is 0x%x, reference says "
					 "0x%x / 0x%x",
					 iter, (unsigned long long)p.start,
					 (unsigned long long)p.end, p.value, ref_type(&r, p.start),
					 ref_type(&r, p.end));
		}
		for (unsigned j = 0; j < 200; j++) {
			uint64_t addr = rng() & (j % 2 ? BIT(34) - 1 : ~0ull) & top(&s);
			if (j % 5 == 0)
				addr &= MiB - 1;
			memtype_mtrr_hit h;
			assert_int_equal(memtype_mtrr_lookup(s.m, addr, &h), 0);
			if (h.type != ref_type(&r, addr))
				fail_msg("iter %u: lookup 0x%llx gives 0x%x, reference 0x%x", iter,
					 (unsigned long long)addr, h.type, ref_type(&r, addr));
			assert_int_equal(memtype_map_value_at(map, addr), h.type);
		}
		memtype_map_free(map);
		close_state(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_e_clear_is_uc_everywhere),
		cmocka_unit_test(test_reset_state_is_uc_everywhere),
		cmocka_unit_test(test_fixed_ranges_decide_below_1mib),
		cmocka_unit_test(test_fixed_ranges_map_merges_within_one_msr),
		cmocka_unit_test(test_fe_clear_below_1mib_uses_variable_and_default),
		cmocka_unit_test(test_fe_without_mtrrcap_fix_uses_variable),
		cmocka_unit_test(test_single_variable_match),
		cmocka_unit_test(test_pair_with_v_clear_is_ignored),
		cmocka_unit_test(test_two_identical_types_give_that_type),
		cmocka_unit_test(test_uc_overlapping_wb_is_uc),
		cmocka_unit_test(test_uc_overlapping_any_type_is_uc),
		cmocka_unit_test(test_wt_overlapping_wb_is_wt),
		cmocka_unit_test(test_wc_overlapping_wb_is_undefined),
		cmocka_unit_test(test_wp_overlapping_wt_is_undefined),
		cmocka_unit_test(test_wt_wb_wc_overlap_is_undefined),
		cmocka_unit_test(test_no_match_is_default_type),
		cmocka_unit_test(test_noncontiguous_mask_matches_two_blocks),
		cmocka_unit_test(test_base_bits_outside_mask_are_ignored),
		cmocka_unit_test(test_mask_zero_with_v_matches_everything),
		cmocka_unit_test(test_address_at_2pow_phys_bits_is_erange),
		cmocka_unit_test(test_build_map_typical_bios_layout),
		cmocka_unit_test(test_build_map_typical_bios_layout_fe_clear),
		cmocka_unit_test(test_build_map_range_at_top_of_space),
		cmocka_unit_test(test_build_map_pathological_mask_is_e2big),
		cmocka_unit_test(test_build_map_three_holes_within_limit),
		cmocka_unit_test(test_lookup_and_map_match_reference_on_random_states),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
