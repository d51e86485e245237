/*
 * test_rangemap.c - range maps: a partition of [lo, hi] into maximal pieces.
 *
 * A memtype_map is what every whole-space answer of the library is built on
 * (the MTRR map of SDM Vol. 3A §11.11.4.1, the combined MTRR x PAT maps), so
 * its contract is checked here on its own, from memtype.h:
 *  - the pieces are in address order, contiguous, and cover exactly [lo, hi];
 *  - adjacent pieces never carry the same value, src and regs (they would
 *    have been merged), so equal contents give equal piece lists;
 *  - set and overlay outside the domain, or with start > end, are -ERANGE;
 *    query outside is -ERANGE and value_at is UINT32_MAX.
 *
 * The invariants are checked after every operation. Inclusive ends make the
 * full 64-bit space a legal domain, so its edges (0, 2^52 - 1 / 2^52 where
 * MAXPHYADDR tops out, UINT64_MAX) get their own tests. Finally thousands of
 * random sets and overlays on 256-address domains (at the bottom, around
 * 2^52 and at the very top of the 64-bit space) are compared, address by
 * address and piece count by piece count, against a brute-force array model
 * driven by a fixed-seed PRNG.
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
#include "test_maps.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define P52 (1ull << 52)

/* ---------------------------------------------------------------------------
 * Helpers.
 */

struct fixture {
	memtype_ctx *ctx;
};

static int setup(void **state)
{
	static struct fixture f;
	f.ctx = memtype_ctx_new(NULL, NULL);
	if (!f.ctx)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	memtype_ctx_free(f->ctx);
	return 0;
}

static memtype_ctx *ctx_of(void **state)
{
	return ((struct fixture *)*state)->ctx;
}

static bool same_payload(const memtype_range *a, const memtype_range *b)
{
	return a->value == b->value && a->src == b->src && a->regs == b->regs;
}

/*
 * The map contract: pieces sorted, contiguous, covering exactly [lo, hi],
 * never two identical neighbours; get() past the end is -ERANGE; query() of
 * each piece's ends returns that piece and value_at() its value.
 */
static void check_invariants(const memtype_map *m, uint64_t lo, uint64_t hi)
{
	size_t n = memtype_map_count(m);
	memtype_range prev = { 0 }, r, q;

	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(memtype_map_get(m, i, &r), 0);
		assert_true(r.start <= r.end);
		if (i == 0) {
			if (r.start != lo)
				fail_msg("piece 0 starts at 0x%llx, domain starts at 0x%llx",
					 (unsigned long long)r.start, (unsigned long long)lo);
		} else {
			if (prev.end == UINT64_MAX || r.start != prev.end + 1)
				fail_msg("piece %zu starts at 0x%llx, previous ends at 0x%llx", i,
					 (unsigned long long)r.start, (unsigned long long)prev.end);
			if (same_payload(&prev, &r))
				fail_msg("pieces %zu and %zu are identical (value %u src %u regs "
					 "0x%llx) but not merged",
					 i - 1, i, r.value, r.src, (unsigned long long)r.regs);
		}
		assert_int_equal(memtype_map_query(m, r.start, &q), 0);
		assert_true(q.start == r.start && q.end == r.end && same_payload(&q, &r));
		assert_int_equal(memtype_map_query(m, r.end, &q), 0);
		assert_true(q.start == r.start && q.end == r.end && same_payload(&q, &r));
		assert_int_equal(memtype_map_value_at(m, r.start), r.value);
		assert_int_equal(memtype_map_value_at(m, r.end), r.value);
		prev = r;
	}
	if (prev.end != hi)
		fail_msg("last piece ends at 0x%llx, domain ends at 0x%llx",
			 (unsigned long long)prev.end, (unsigned long long)hi);
	assert_int_equal(memtype_map_get(m, n, &r), -ERANGE);
}


/* Two maps with the same domain hold the same pieces. */
static void expect_same_map(const memtype_map *a, const memtype_map *b)
{
	memtype_range x, y;

	assert_int_equal(memtype_map_count(a), memtype_map_count(b));
	for (size_t i = 0; i < memtype_map_count(a); i++) {
		assert_int_equal(memtype_map_get(a, i, &x), 0);
		assert_int_equal(memtype_map_get(b, i, &y), 0);
		assert_true(x.start == y.start && x.end == y.end && same_payload(&x, &y));
	}
}

#define R(s, e, v, sr, rg) { .start = (s), .end = (e), .value = (v), .src = (sr), .regs = (rg) }

/* ---------------------------------------------------------------------------
 * new / get / count / query / value_at
 */

static void test_map_new_is_one_piece(void **state)
{
	memtype_map *m = memtype_map_new(ctx_of(state), 0, 255, 5, 1, 0x2);
	static const memtype_range exp[] = { R(0, 255, 5, 1, 0x2) };

	assert_non_null(m);
	check_invariants(m, 0, 255);
	expect_pieces(m, exp, ARRAY_LEN(exp));
	memtype_map_free(m);
}

static void test_map_new_single_address_domain(void **state)
{
	memtype_map *m = memtype_map_new(ctx_of(state), UINT64_MAX, UINT64_MAX, 1, 0, 0);
	memtype_range q;

	assert_non_null(m);
	check_invariants(m, UINT64_MAX, UINT64_MAX);
	assert_int_equal(memtype_map_query(m, UINT64_MAX - 1, &q), -ERANGE);
	assert_int_equal(memtype_map_set(m, UINT64_MAX, UINT64_MAX, 2, 0, 0), 0);
	check_invariants(m, UINT64_MAX, UINT64_MAX);
	assert_int_equal(memtype_map_value_at(m, UINT64_MAX), 2);
	memtype_map_free(m);
}

static void test_map_new_lo_above_hi_fails(void **state)
{
	assert_null(memtype_map_new(ctx_of(state), 10, 9, 0, 0, 0));
	assert_true(memtype_ctx_error(ctx_of(state))->status < 0);
}

/* query outside [lo, hi] is -ERANGE; value_at is UINT32_MAX (memtype.h). */
static void test_map_query_outside_domain_is_erange(void **state)
{
	memtype_ctx *ctx = ctx_of(state);
	memtype_map *m = memtype_map_new(ctx, 100, 200, 3, 0, 0);
	static const uint64_t outside[] = { 0, 99, 201, 1000, UINT64_MAX };
	memtype_range q;

	assert_non_null(m);
	for (size_t i = 0; i < ARRAY_LEN(outside); i++) {
		memtype_ctx_clear_error(ctx);
		assert_int_equal(memtype_map_query(m, outside[i], &q), -ERANGE);
		assert_int_equal(memtype_ctx_error(ctx)->status, -ERANGE);
		assert_int_equal(memtype_map_value_at(m, outside[i]), UINT32_MAX);
	}
	assert_int_equal(memtype_map_query(m, 100, &q), 0);
	assert_int_equal(memtype_map_query(m, 200, &q), 0);
	assert_int_equal(memtype_map_value_at(m, 150), 3);
	memtype_map_free(m);
}

static void test_map_get_past_end_is_erange(void **state)
{
	memtype_map *m = memtype_map_new(ctx_of(state), 0, 99, 0, 0, 0);
	memtype_range r;

	assert_non_null(m);
	assert_int_equal(memtype_map_set(m, 10, 19, 1, 0, 0), 0);
	assert_int_equal(memtype_map_count(m), 3);
	assert_int_equal(memtype_map_get(m, 3, &r), -ERANGE);
	assert_int_equal(memtype_map_get(m, SIZE_MAX, &r), -ERANGE);
	memtype_map_free(m);
}

/* A query in the middle of a piece returns the whole maximal piece. */
static void test_map_query_returns_whole_piece(void **state)
{
	memtype_map *m = memtype_map_new(ctx_of(state), 0, 0xffff, 0, 0, 0);
	memtype_range q;

	assert_non_null(m);
	assert_int_equal(memtype_map_set(m, 0x1000, 0x1fff, 6, 2, 0x5), 0);
	assert_int_equal(memtype_map_query(m, 0x1234, &q), 0);
	assert_true(q.start == 0x1000 && q.end == 0x1fff);
	assert_true(q.value == 6 && q.src == 2 && q.regs == 0x5);
	assert_int_equal(memtype_map_query(m, 0xfff, &q), 0);
	assert_true(q.start == 0 && q.end == 0xfff && q.value == 0);
	assert_int_equal(memtype_map_query(m, 0x2000, &q), 0);
	assert_true(q.start == 0x2000 && q.end == 0xffff && q.value == 0);
	memtype_map_free(m);
}

/* ---------------------------------------------------------------------------
 * set on the full 64-bit domain: its edges.
 */

static memtype_map *full_map(void **state)
{
	memtype_map *m = memtype_map_new(ctx_of(state), 0, UINT64_MAX, 0, 0, 0);
	assert_non_null(m);
	check_invariants(m, 0, UINT64_MAX);
	return m;
}

static void test_map_full_domain_set_top_address(void **state)
{
	memtype_map *m = full_map(state);
	static const memtype_range exp[] = {
		R(0, UINT64_MAX - 1, 0, 0, 0),
		R(UINT64_MAX, UINT64_MAX, 1, 7, 0x80),
	};
	memtype_range q;

	assert_int_equal(memtype_map_set(m, UINT64_MAX, UINT64_MAX, 1, 7, 0x80), 0);
	check_invariants(m, 0, UINT64_MAX);
	expect_pieces(m, exp, ARRAY_LEN(exp));
	assert_int_equal(memtype_map_value_at(m, UINT64_MAX), 1);
	assert_int_equal(memtype_map_value_at(m, UINT64_MAX - 1), 0);
	assert_int_equal(memtype_map_query(m, UINT64_MAX, &q), 0);
	assert_true(q.start == UINT64_MAX && q.end == UINT64_MAX && q.src == 7);
	memtype_map_free(m);
}

static void test_map_full_domain_set_address_zero(void **state)
{
	memtype_map *m = full_map(state);
	static const memtype_range exp[] = {
		R(0, 0, 4, 0, 0),
		R(1, UINT64_MAX, 0, 0, 0),
	};

	assert_int_equal(memtype_map_set(m, 0, 0, 4, 0, 0), 0);
	check_invariants(m, 0, UINT64_MAX);
	expect_pieces(m, exp, ARRAY_LEN(exp));
	memtype_map_free(m);
}

/* 2^52 - 1 is the last address of the largest MAXPHYADDR (SDM Vol. 3A §4.1.4). */
static void test_map_full_domain_set_across_2pow52(void **state)
{
	memtype_map *m = full_map(state);
	static const memtype_range exp[] = {
		R(0, P52 - 2, 0, 0, 0),
		R(P52 - 1, P52, 6, 1, 0),
		R(P52 + 1, UINT64_MAX, 0, 0, 0),
	};

	assert_int_equal(memtype_map_set(m, P52 - 1, P52, 6, 1, 0), 0);
	check_invariants(m, 0, UINT64_MAX);
	expect_pieces(m, exp, ARRAY_LEN(exp));
	assert_int_equal(memtype_map_value_at(m, P52 - 2), 0);
	assert_int_equal(memtype_map_value_at(m, P52 - 1), 6);
	assert_int_equal(memtype_map_value_at(m, P52), 6);
	assert_int_equal(memtype_map_value_at(m, P52 + 1), 0);
	memtype_map_free(m);
}

static void test_map_full_domain_all_edges_then_whole_domain(void **state)
{
	memtype_map *m = full_map(state);
	static const memtype_range exp5[] = {
		R(0, 0, 1, 0, 0),
		R(1, P52 - 2, 0, 0, 0),
		R(P52 - 1, P52, 3, 0, 0),
		R(P52 + 1, UINT64_MAX - 1, 0, 0, 0),
		R(UINT64_MAX, UINT64_MAX, 2, 0, 0),
	};
	static const memtype_range exp1[] = { R(0, UINT64_MAX, 7, 9, 0xffffffffffffffffull) };

	assert_int_equal(memtype_map_set(m, 0, 0, 1, 0, 0), 0);
	check_invariants(m, 0, UINT64_MAX);
	assert_int_equal(memtype_map_set(m, UINT64_MAX, UINT64_MAX, 2, 0, 0), 0);
	check_invariants(m, 0, UINT64_MAX);
	assert_int_equal(memtype_map_set(m, P52 - 1, P52, 3, 0, 0), 0);
	check_invariants(m, 0, UINT64_MAX);
	expect_pieces(m, exp5, ARRAY_LEN(exp5));

	assert_int_equal(memtype_map_set(m, 0, UINT64_MAX, 7, 9, 0xffffffffffffffffull), 0);
	check_invariants(m, 0, UINT64_MAX);
	expect_pieces(m, exp1, ARRAY_LEN(exp1));
	memtype_map_free(m);
}

/* Setting the whole domain back to the original payload leaves one piece. */
static void test_map_full_domain_set_whole_domain(void **state)
{
	memtype_map *m = full_map(state);
	static const memtype_range exp[] = { R(0, UINT64_MAX, 0, 0, 0) };

	assert_int_equal(memtype_map_set(m, 0x1000, 0x1fff, 5, 0, 0), 0);
	assert_int_equal(memtype_map_set(m, 0, UINT64_MAX, 0, 0, 0), 0);
	check_invariants(m, 0, UINT64_MAX);
	expect_pieces(m, exp, ARRAY_LEN(exp));
	memtype_map_free(m);
}

/* ---------------------------------------------------------------------------
 * set: argument checks.
 */

static void test_map_set_outside_domain_is_erange(void **state)
{
	memtype_ctx *ctx = ctx_of(state);
	memtype_map *m = memtype_map_new(ctx, 100, 200, 0, 0, 0);
	memtype_map *before;
	static const struct {
		const char *name;
		uint64_t start, end;
	} rows[] = {
		{ "starts one below lo", 99, 100 },
		{ "ends one above hi", 200, 201 },
		{ "entirely below", 0, 50 },
		{ "entirely above", 201, 300 },
		{ "covers the domain and more", 0, UINT64_MAX },
		{ "single address below", 99, 99 },
		{ "single address above", UINT64_MAX, UINT64_MAX },
	};

	assert_non_null(m);
	assert_int_equal(memtype_map_set(m, 120, 130, 1, 0, 0), 0);
	before = memtype_map_clone(m);
	assert_non_null(before);
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		memtype_ctx_clear_error(ctx);
		int rc = memtype_map_set(m, rows[i].start, rows[i].end, 9, 0, 0);
		if (rc != -ERANGE)
			fail_msg("%s: set [0x%llx, 0x%llx] returned %d, expected -ERANGE",
				 rows[i].name, (unsigned long long)rows[i].start,
				 (unsigned long long)rows[i].end, rc);
		assert_int_equal(memtype_ctx_error(ctx)->status, -ERANGE);
		check_invariants(m, 100, 200);
		expect_same_map(m, before);
	}
	memtype_map_free(before);
	memtype_map_free(m);
}

static void test_map_set_start_above_end_is_erange(void **state)
{
	memtype_map *m = memtype_map_new(ctx_of(state), 0, 255, 0, 0, 0);
	static const memtype_range exp[] = { R(0, 255, 0, 0, 0) };

	assert_non_null(m);
	assert_int_equal(memtype_map_set(m, 150, 149, 1, 0, 0), -ERANGE);
	assert_int_equal(memtype_map_set(m, 255, 0, 1, 0, 0), -ERANGE);
	check_invariants(m, 0, 255);
	expect_pieces(m, exp, ARRAY_LEN(exp));
	memtype_map_free(m);
}

static void test_map_set_at_domain_edges(void **state)
{
	memtype_map *m = memtype_map_new(ctx_of(state), 100, 200, 0, 0, 0);
	static const memtype_range exp[] = {
		R(100, 100, 1, 0, 0),
		R(101, 199, 0, 0, 0),
		R(200, 200, 2, 0, 0),
	};

	assert_non_null(m);
	assert_int_equal(memtype_map_set(m, 100, 100, 1, 0, 0), 0);
	assert_int_equal(memtype_map_set(m, 200, 200, 2, 0, 0), 0);
	check_invariants(m, 100, 200);
	expect_pieces(m, exp, ARRAY_LEN(exp));
	memtype_map_free(m);
}

/* ---------------------------------------------------------------------------
 * set: merging of equal neighbours.
 */

static void test_map_set_merges_equal_neighbours(void **state)
{
	memtype_map *m = memtype_map_new(ctx_of(state), 0, 99, 0, 0, 0);
	static const memtype_range three[] = {
		R(0, 9, 0, 0, 0),
		R(10, 39, 1, 0, 0),
		R(40, 99, 0, 0, 0),
	};
	static const memtype_range one[] = { R(0, 99, 0, 0, 0) };

	assert_non_null(m);
	assert_int_equal(memtype_map_set(m, 10, 19, 1, 0, 0), 0);
	assert_int_equal(memtype_map_set(m, 30, 39, 1, 0, 0), 0);
	assert_int_equal(memtype_map_count(m), 5);
	/* Filling the gap joins three pieces into one. */
	assert_int_equal(memtype_map_set(m, 20, 29, 1, 0, 0), 0);
	check_invariants(m, 0, 99);
	expect_pieces(m, three, ARRAY_LEN(three));
	/* Resetting it joins everything back into the domain's one piece. */
	assert_int_equal(memtype_map_set(m, 10, 39, 0, 0, 0), 0);
	check_invariants(m, 0, 99);
	expect_pieces(m, one, ARRAY_LEN(one));
	memtype_map_free(m);
}

/* Neighbours equal in value but not in src or regs stay apart. */
static void test_map_set_no_merge_when_src_or_regs_differ(void **state)
{
	memtype_map *m = memtype_map_new(ctx_of(state), 0, 99, 0, 0, 0);
	static const memtype_range exp[] = {
		R(0, 9, 0, 0, 0),
		R(10, 19, 1, 0, 0),
		R(20, 29, 1, 1, 0),
		R(30, 39, 1, 1, 0x4),
		R(40, 99, 0, 0, 0),
	};

	assert_non_null(m);
	assert_int_equal(memtype_map_set(m, 10, 19, 1, 0, 0), 0);
	assert_int_equal(memtype_map_set(m, 20, 29, 1, 1, 0), 0);
	assert_int_equal(memtype_map_set(m, 30, 39, 1, 1, 0x4), 0);
	check_invariants(m, 0, 99);
	expect_pieces(m, exp, ARRAY_LEN(exp));
	memtype_map_free(m);
}

/* Setting a piece to what it already holds changes nothing. */
static void test_map_set_same_payload_keeps_one_piece(void **state)
{
	memtype_map *m = memtype_map_new(ctx_of(state), 0, 99, 3, 2, 1);
	static const memtype_range exp[] = { R(0, 99, 3, 2, 1) };

	assert_non_null(m);
	assert_int_equal(memtype_map_set(m, 10, 19, 3, 2, 1), 0);
	assert_int_equal(memtype_map_set(m, 0, 0, 3, 2, 1), 0);
	assert_int_equal(memtype_map_set(m, 99, 99, 3, 2, 1), 0);
	check_invariants(m, 0, 99);
	expect_pieces(m, exp, ARRAY_LEN(exp));
	memtype_map_free(m);
}

/* Overlapping sets in both orders: the later one wins where they overlap. */
static void test_map_set_later_set_wins_overlap(void **state)
{
	memtype_map *a = memtype_map_new(ctx_of(state), 0, 99, 0, 0, 0);
	memtype_map *b = memtype_map_new(ctx_of(state), 0, 99, 0, 0, 0);
	static const memtype_range exp_a[] = {
		R(0, 9, 0, 0, 0), R(10, 29, 1, 0, 0), R(30, 49, 2, 0, 0), R(50, 99, 0, 0, 0),
	};
	static const memtype_range exp_b[] = {
		R(0, 9, 0, 0, 0), R(10, 39, 1, 0, 0), R(40, 49, 2, 0, 0), R(50, 99, 0, 0, 0),
	};
	static const memtype_range exp_inner[] = {
		R(0, 9, 0, 0, 0), R(10, 19, 1, 0, 0), R(20, 29, 2, 0, 0), R(30, 39, 1, 0, 0),
		R(40, 99, 0, 0, 0),
	};

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(memtype_map_set(a, 10, 39, 1, 0, 0), 0);
	assert_int_equal(memtype_map_set(a, 30, 49, 2, 0, 0), 0);
	check_invariants(a, 0, 99);
	expect_pieces(a, exp_a, ARRAY_LEN(exp_a));

	assert_int_equal(memtype_map_set(b, 30, 49, 2, 0, 0), 0);
	assert_int_equal(memtype_map_set(b, 10, 39, 1, 0, 0), 0);
	check_invariants(b, 0, 99);
	expect_pieces(b, exp_b, ARRAY_LEN(exp_b));

	/* A set strictly inside one piece splits it in three. */
	assert_int_equal(memtype_map_set(b, 10, 39, 1, 0, 0), 0);
	assert_int_equal(memtype_map_set(b, 40, 49, 0, 0, 0), 0);
	assert_int_equal(memtype_map_set(b, 20, 29, 2, 0, 0), 0);
	check_invariants(b, 0, 99);
	expect_pieces(b, exp_inner, ARRAY_LEN(exp_inner));
	memtype_map_free(a);
	memtype_map_free(b);
}

/* ---------------------------------------------------------------------------
 * clone
 */

static void test_map_clone_is_equal_and_independent(void **state)
{
	memtype_map *m = memtype_map_new(ctx_of(state), 0, 999, 0, 0, 0);
	memtype_map *c;
	static const memtype_range orig[] = {
		R(0, 99, 0, 0, 0), R(100, 199, 6, 2, 1), R(200, 999, 0, 0, 0),
	};

	assert_non_null(m);
	assert_int_equal(memtype_map_set(m, 100, 199, 6, 2, 1), 0);
	c = memtype_map_clone(m);
	assert_non_null(c);
	check_invariants(c, 0, 999);
	expect_same_map(c, m);

	assert_int_equal(memtype_map_set(c, 0, 999, 4, 0, 0), 0);
	expect_pieces(m, orig, ARRAY_LEN(orig));
	assert_int_equal(memtype_map_set(m, 150, 150, 1, 0, 0), 0);
	assert_int_equal(memtype_map_count(c), 1);
	assert_int_equal(memtype_map_value_at(c, 150), 4);

	/* The clone outlives its original. */
	memtype_map_free(m);
	check_invariants(c, 0, 999);
	assert_int_equal(memtype_map_value_at(c, 999), 4);
	memtype_map_free(c);
}

static void test_map_clone_full_domain(void **state)
{
	memtype_map *m = full_map(state);
	memtype_map *c;

	assert_int_equal(memtype_map_set(m, UINT64_MAX, UINT64_MAX, 1, 0, 0), 0);
	assert_int_equal(memtype_map_set(m, 0, 0, 2, 0, 0), 0);
	c = memtype_map_clone(m);
	assert_non_null(c);
	check_invariants(c, 0, UINT64_MAX);
	expect_same_map(c, m);
	memtype_map_free(m);
	memtype_map_free(c);
}

/* ---------------------------------------------------------------------------
 * overlay
 */

struct ov_ud {
	unsigned calls;
	const void *self;
};

/* Result: the larger value; the provenance of both. */
static void ov_max(void *ud, const memtype_range *below, const memtype_range *above,
		   memtype_range *out)
{
	struct ov_ud *u = ud;
	if (u) {
		assert_ptr_equal(u->self, u);
		u->calls++;
	}
	out->value = below->value > above->value ? below->value : above->value;
	out->src = below->src ^ above->src;
	out->regs = below->regs | above->regs;
}

/* Result: the sum of the values modulo 4, src from above, regs from below. */
static void ov_sum(void *ud, const memtype_range *below, const memtype_range *above,
		   memtype_range *out)
{
	(void)ud;
	out->value = (below->value + above->value) % 4;
	out->src = above->src;
	out->regs = below->regs;
}

/* Result: what was below (an overlay that changes nothing). */
static void ov_keep(void *ud, const memtype_range *below, const memtype_range *above,
		    memtype_range *out)
{
	(void)ud;
	(void)above;
	out->value = below->value;
	out->src = below->src;
	out->regs = below->regs;
}

static void test_map_overlay_max_inside_domain(void **state)
{
	memtype_ctx *ctx = ctx_of(state);
	memtype_map *dst = memtype_map_new(ctx, 0, 99, 1, 0, 0);
	memtype_map *src = memtype_map_new(ctx, 20, 79, 0, 1, 0x10);
	struct ov_ud u = { 0, NULL };
	/*
	 * dst: [0,29] 1, [30,59] 3, [60,99] 1 (src 0, regs 0)
	 * src: [20,39] 0, [40,49] 2, [50,79] 5  (src 1, regs 0x10)
	 * max: [0,19] 1/0/0, [20,29] 1/1/0x10, [30,49] 3/1/0x10,
	 *      [50,79] 5/1/0x10, [80,99] 1/0/0.
	 */
	static const memtype_range exp[] = {
		R(0, 19, 1, 0, 0),
		R(20, 29, 1, 1, 0x10),
		R(30, 49, 3, 1, 0x10),
		R(50, 79, 5, 1, 0x10),
		R(80, 99, 1, 0, 0),
	};

	u.self = &u;
	assert_non_null(dst);
	assert_non_null(src);
	assert_int_equal(memtype_map_set(dst, 30, 59, 3, 0, 0), 0);
	assert_int_equal(memtype_map_set(src, 40, 49, 2, 1, 0x10), 0);
	assert_int_equal(memtype_map_set(src, 50, 79, 5, 1, 0x10), 0);
	assert_int_equal(memtype_map_overlay(dst, src, ov_max, &u), 0);
	assert_true(u.calls >= 1);
	check_invariants(dst, 0, 99);
	expect_pieces(dst, exp, ARRAY_LEN(exp));
	/* src is unchanged by the overlay. */
	check_invariants(src, 20, 79);
	assert_int_equal(memtype_map_count(src), 3);
	memtype_map_free(src);
	memtype_map_free(dst);
}

static void test_map_overlay_sum_whole_domain(void **state)
{
	memtype_ctx *ctx = ctx_of(state);
	memtype_map *dst = memtype_map_new(ctx, 0, 9, 1, 0, 0);
	memtype_map *src = memtype_map_new(ctx, 0, 9, 3, 2, 0);
	/* dst 1 1 1 1 1 2 2 2 2 2; src 3 3 3 1 1 1 1 3 3 3; sum mod 4: */
	static const memtype_range exp[] = {
		R(0, 2, 0, 2, 0), R(3, 4, 2, 2, 0), R(5, 6, 3, 2, 0), R(7, 9, 1, 2, 0),
	};

	assert_non_null(dst);
	assert_non_null(src);
	assert_int_equal(memtype_map_set(dst, 5, 9, 2, 0, 0), 0);
	assert_int_equal(memtype_map_set(src, 3, 6, 1, 2, 0), 0);
	assert_int_equal(memtype_map_overlay(dst, src, ov_sum, NULL), 0);
	check_invariants(dst, 0, 9);
	expect_pieces(dst, exp, ARRAY_LEN(exp));
	memtype_map_free(src);
	memtype_map_free(dst);
}

/* An overlay whose result is what was below must leave a merged map as is. */
static void test_map_overlay_identity_keeps_map(void **state)
{
	memtype_ctx *ctx = ctx_of(state);
	memtype_map *dst = memtype_map_new(ctx, 0, 255, 0, 0, 0);
	memtype_map *src = memtype_map_new(ctx, 10, 200, 7, 7, 7);
	memtype_map *before;

	assert_non_null(dst);
	assert_non_null(src);
	assert_int_equal(memtype_map_set(dst, 5, 50, 2, 0, 0), 0);
	assert_int_equal(memtype_map_set(dst, 100, 100, 3, 0, 0), 0);
	assert_int_equal(memtype_map_set(src, 60, 70, 1, 1, 1), 0);
	before = memtype_map_clone(dst);
	assert_non_null(before);
	assert_int_equal(memtype_map_overlay(dst, src, ov_keep, NULL), 0);
	check_invariants(dst, 0, 255);
	expect_same_map(dst, before);
	memtype_map_free(before);
	memtype_map_free(src);
	memtype_map_free(dst);
}

/* src's domain must lie inside dst's (memtype.h), else -ERANGE and no change. */
static void test_map_overlay_src_outside_dst_is_erange(void **state)
{
	memtype_ctx *ctx = ctx_of(state);
	memtype_map *dst = memtype_map_new(ctx, 100, 200, 0, 0, 0);
	memtype_map *before;
	static const struct {
		const char *name;
		uint64_t lo, hi;
	} rows[] = {
		{ "starts one below", 99, 150 },
		{ "ends one above", 150, 201 },
		{ "entirely below", 0, 10 },
		{ "entirely above", 300, 400 },
		{ "covers dst and more", 0, UINT64_MAX },
	};

	assert_non_null(dst);
	assert_int_equal(memtype_map_set(dst, 150, 160, 1, 0, 0), 0);
	before = memtype_map_clone(dst);
	assert_non_null(before);
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		memtype_map *src = memtype_map_new(ctx, rows[i].lo, rows[i].hi, 3, 0, 0);
		assert_non_null(src);
		int rc = memtype_map_overlay(dst, src, ov_max, NULL);
		if (rc != -ERANGE)
			fail_msg("%s: overlay [0x%llx, 0x%llx] returned %d, expected -ERANGE",
				 rows[i].name, (unsigned long long)rows[i].lo,
				 (unsigned long long)rows[i].hi, rc);
		check_invariants(dst, 100, 200);
		expect_same_map(dst, before);
		memtype_map_free(src);
	}
	memtype_map_free(before);
	memtype_map_free(dst);
}

static void test_map_overlay_at_top_of_64bit_space(void **state)
{
	memtype_ctx *ctx = ctx_of(state);
	memtype_map *dst = full_map(state);
	memtype_map *src = memtype_map_new(ctx, UINT64_MAX - 1, UINT64_MAX, 2, 0, 0);
	memtype_map *low = memtype_map_new(ctx, 0, 1, 3, 0, 0);
	static const memtype_range exp[] = {
		R(0, 1, 3, 0, 0),
		R(2, UINT64_MAX - 2, 0, 0, 0),
		R(UINT64_MAX - 1, UINT64_MAX, 2, 0, 0),
	};

	assert_non_null(src);
	assert_non_null(low);
	assert_int_equal(memtype_map_overlay(dst, src, ov_max, NULL), 0);
	check_invariants(dst, 0, UINT64_MAX);
	assert_int_equal(memtype_map_overlay(dst, low, ov_max, NULL), 0);
	check_invariants(dst, 0, UINT64_MAX);
	expect_pieces(dst, exp, ARRAY_LEN(exp));
	/* A full-domain overlay onto a full-domain map. */
	memtype_map *all = full_map(state);
	assert_int_equal(memtype_map_set(all, 0x8000000000000000ull, UINT64_MAX, 1, 0, 0), 0);
	assert_int_equal(memtype_map_overlay(dst, all, ov_sum, NULL), 0);
	check_invariants(dst, 0, UINT64_MAX);
	assert_int_equal(memtype_map_value_at(dst, 0), 3);
	assert_int_equal(memtype_map_value_at(dst, 0x7fffffffffffffffull), 0);
	assert_int_equal(memtype_map_value_at(dst, 0x8000000000000000ull), 1);
	assert_int_equal(memtype_map_value_at(dst, UINT64_MAX), 3);
	memtype_map_free(all);
	memtype_map_free(low);
	memtype_map_free(src);
	memtype_map_free(dst);
}

/* ---------------------------------------------------------------------------
 * Random operations against a brute-force model.
 */

#define DOM 256u

struct payload {
	uint32_t value, src;
	uint64_t regs;
};

static uint64_t rng_state;

/* splitmix64: a fixed seed gives the same sequence on every run. */
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

/* Small payload alphabet so that equal neighbours (and merges) are common. */
static struct payload rnd_payload(void)
{
	struct payload p;
	p.value = rnd(4);
	p.src = rnd(2);
	p.regs = rnd(2) ? 0 : 0x8000000000000001ull;
	return p;
}

static void model_apply_fn(memtype_overlay_fn fn, const struct payload *below,
			   const struct payload *above, struct payload *out)
{
	memtype_range b = { 0, 0, below->value, below->src, below->regs };
	memtype_range a = { 0, 0, above->value, above->src, above->regs };
	memtype_range o = b;
	fn(NULL, &b, &a, &o);
	out->value = o.value;
	out->src = o.src;
	out->regs = o.regs;
}

static bool model_same(const struct payload *a, const struct payload *b)
{
	return a->value == b->value && a->src == b->src && a->regs == b->regs;
}

/* The map over [base, base + DOM - 1] equals the model everywhere, and has
 * exactly one piece per maximal run of equal payloads. */
static void compare_with_model(const memtype_map *m, uint64_t base, const struct payload *model,
			       unsigned op)
{
	size_t runs = 1;
	memtype_range q;

	check_invariants(m, base, base + DOM - 1);
	for (unsigned i = 0; i < DOM; i++) {
		if (i && !model_same(&model[i], &model[i - 1]))
			runs++;
		assert_int_equal(memtype_map_query(m, base + i, &q), 0);
		if (q.value != model[i].value || q.src != model[i].src ||
		    q.regs != model[i].regs)
			fail_msg("op %u: address base+%u holds %u/%u/0x%llx, model %u/%u/0x%llx",
				 op, i, q.value, q.src, (unsigned long long)q.regs, model[i].value,
				 model[i].src, (unsigned long long)model[i].regs);
		assert_int_equal(memtype_map_value_at(m, base + i), model[i].value);
	}
	if (memtype_map_count(m) != runs)
		fail_msg("op %u: %zu pieces for %zu maximal runs", op, memtype_map_count(m), runs);
}

static void random_ops(void **state, uint64_t base, uint64_t seed)
{
	memtype_ctx *ctx = ctx_of(state);
	struct payload model[DOM], smodel[DOM];
	const uint64_t last = base + DOM - 1;
	memtype_map *m;

	rng_state = seed;
	for (unsigned i = 0; i < DOM; i++)
		model[i] = (struct payload){ 0, 0, 0 };
	m = memtype_map_new(ctx, base, last, 0, 0, 0);
	assert_non_null(m);

	for (unsigned op = 0; op < 4000; op++) {
		unsigned kind = rnd(10);
		unsigned a = rnd(DOM), b = rnd(DOM);
		if (a > b) {
			unsigned t = a;
			a = b;
			b = t;
		}
		if (kind < 6) {
			/* set [a, b] */
			struct payload p = rnd_payload();
			assert_int_equal(memtype_map_set(m, base + a, base + b, p.value, p.src,
							 p.regs), 0);
			for (unsigned i = a; i <= b; i++)
				model[i] = p;
		} else if (kind < 9) {
			/* overlay a random map over [a, b] */
			struct payload p = rnd_payload();
			memtype_map *s = memtype_map_new(ctx, base + a, base + b, p.value, p.src,
							 p.regs);
			assert_non_null(s);
			for (unsigned i = a; i <= b; i++)
				smodel[i] = p;
			for (unsigned k = rnd(5); k > 0; k--) {
				unsigned c = a + rnd(b - a + 1), d = a + rnd(b - a + 1);
				if (c > d) {
					unsigned t = c;
					c = d;
					d = t;
				}
				p = rnd_payload();
				assert_int_equal(memtype_map_set(s, base + c, base + d, p.value,
								 p.src, p.regs), 0);
				for (unsigned i = c; i <= d; i++)
					smodel[i] = p;
			}
			memtype_overlay_fn fn = rnd(2) ? ov_max : ov_sum;
			assert_int_equal(memtype_map_overlay(m, s, fn, NULL), 0);
			for (unsigned i = a; i <= b; i++)
				model_apply_fn(fn, &model[i], &smodel[i], &model[i]);
			memtype_map_free(s);
		} else {
			/* a refused set: out of the domain or start > end */
			int rc;
			if (base > 0 && rnd(2))
				rc = memtype_map_set(m, base - 1, base + a, 1, 0, 0);
			else if (last < UINT64_MAX && rnd(2))
				rc = memtype_map_set(m, base + a, last + 1, 1, 0, 0);
			else if (a < b)
				rc = memtype_map_set(m, base + b, base + a, 1, 0, 0);
			else
				rc = memtype_map_set(m, base + a + 1, base + a, 1, 0, 0);
			assert_int_equal(rc, -ERANGE);
		}
		compare_with_model(m, base, model, op);
	}
	memtype_map_free(m);
}

static void test_map_random_ops_match_model_at_zero(void **state)
{
	random_ops(state, 0, 0x5eed0001);
}

static void test_map_random_ops_match_model_around_2pow52(void **state)
{
	random_ops(state, P52 - DOM / 2, 0x5eed0002);
}

static void test_map_random_ops_match_model_at_top_of_64bit_space(void **state)
{
	random_ops(state, UINT64_MAX - (DOM - 1), 0x5eed0003);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_new_is_one_piece),
		cmocka_unit_test(test_map_new_single_address_domain),
		cmocka_unit_test(test_map_new_lo_above_hi_fails),
		cmocka_unit_test(test_map_query_outside_domain_is_erange),
		cmocka_unit_test(test_map_get_past_end_is_erange),
		cmocka_unit_test(test_map_query_returns_whole_piece),
		cmocka_unit_test(test_map_full_domain_set_top_address),
		cmocka_unit_test(test_map_full_domain_set_address_zero),
		cmocka_unit_test(test_map_full_domain_set_across_2pow52),
		cmocka_unit_test(test_map_full_domain_all_edges_then_whole_domain),
		cmocka_unit_test(test_map_full_domain_set_whole_domain),
		cmocka_unit_test(test_map_set_outside_domain_is_erange),
		cmocka_unit_test(test_map_set_start_above_end_is_erange),
		cmocka_unit_test(test_map_set_at_domain_edges),
		cmocka_unit_test(test_map_set_merges_equal_neighbours),
		cmocka_unit_test(test_map_set_no_merge_when_src_or_regs_differ),
		cmocka_unit_test(test_map_set_same_payload_keeps_one_piece),
		cmocka_unit_test(test_map_set_later_set_wins_overlap),
		cmocka_unit_test(test_map_clone_is_equal_and_independent),
		cmocka_unit_test(test_map_clone_full_domain),
		cmocka_unit_test(test_map_overlay_max_inside_domain),
		cmocka_unit_test(test_map_overlay_sum_whole_domain),
		cmocka_unit_test(test_map_overlay_identity_keeps_map),
		cmocka_unit_test(test_map_overlay_src_outside_dst_is_erange),
		cmocka_unit_test(test_map_overlay_at_top_of_64bit_space),
		cmocka_unit_test(test_map_random_ops_match_model_at_zero),
		cmocka_unit_test(test_map_random_ops_match_model_around_2pow52),
		cmocka_unit_test(test_map_random_ops_match_model_at_top_of_64bit_space),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
