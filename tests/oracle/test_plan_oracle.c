/*
 * test_plan_oracle.c - the planner (src/lib/plan.c) against referees that
 * share none of its code.
 *
 *  - Counts: plan_brute.c's exhaustive search gives the fewest variable
 *    MTRRs for every target of 8 units (all 5^8 maps, every default type,
 *    free units, forced defaults) and, to depth 3, for targets of 16 units.
 *    The units are mapped onto real address spaces (MAXPHYADDR 32..52, so a
 *    unit is 2^24..2^49 bytes) with and without fixed-range MTRRs; the
 *    planner's count for each default type must equal the referee's.
 *  - Best effort: the fewest WB units lost with 0..3 pairs, by the same
 *    search, against the planner's lost_bytes.
 *  - Realization: thousands of random maps (1..64 ranges, 36..52 bits,
 *    exact and dont-care, forced defaults, fixed on/off, boundaries below
 *    1 MiB the fixed ranges cannot represent) are planned, and the
 *    registers replayed into tests/oracle/oracle.c, the naive per-address
 *    evaluator, and checked around every boundary and at random addresses.
 *  - Real machines: the MTRRs firmware left in ../shared/corpus (boot-log
 *    dumps and /proc/mtrr, read here by a naive reader of their lines) are
 *    planned again: never more registers than the firmware used, nor than
 *    Linux's mtrr_cleanup chose (num_reg).
 * MEMTYPE_PLAN_SCALE (0 < s <= 1) shrinks the sampled parts, e.g. for ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

#include "memtype.h"
#include "oracle.h"
#include "test_names.h"
#include "test_corpus.h"

/* plan_brute.c's interface (see its header comment). */
#define BRUTE_FREE 0xffu
#define UNLISTED   0xfeu /* test-side only: a unit the map does not list */
struct brute8;
struct brute_bounded;
struct brute8 *brute8_build(void);
void brute8_free(struct brute8 *b);
unsigned brute8_min(const struct brute8 *b, const unsigned units[8], memtype_type d);
unsigned brute8_least_loss(const struct brute8 *b, const unsigned units[8], memtype_type d,
			   unsigned k);
struct brute_bounded *brute_bounded_build(unsigned kbits, unsigned depth);
void brute_bounded_free(struct brute_bounded *b);
unsigned brute_bounded_min(const struct brute_bounded *b, const unsigned *units, memtype_type d);

static const memtype_type types5[5] = {MEMTYPE_UC, MEMTYPE_WC, MEMTYPE_WT, MEMTYPE_WP, MEMTYPE_WB};
static const char *tn(unsigned t)
{
	if (t == BRUTE_FREE)
		return "*";
	if (t == UNLISTED)
		return "-";
	return test_type_name((memtype_type)t);
}

static struct {
	memtype_ctx *ctx;
	struct brute8 *b8;
	double scale;
	unsigned long long plans, compared, addrs, lost_checked, skipped_big;
} g;

static unsigned scaled(unsigned n)
{
	unsigned v = (unsigned)(n * g.scale);
	return v ? v : 1;
}

/* splitmix64 (Steele, Lea, Flood 2014). */
struct rng {
	uint64_t s;
};
static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
static uint64_t below(struct rng *r, uint64_t n)
{
	return rnd(r) % n;
}

/* ---------------------------------------------------------------------------
 * Unit maps.
 */

/* A target of n units over 2^phys bytes: each unit listed with its type,
 * or unlisted (UNLISTED, BRUTE_FREE). */
static memtype_map *unit_map(const unsigned *units, unsigned n, unsigned phys)
{
	uint64_t top = (1ull << phys) - 1, size = (1ull << phys) / n;
	memtype_map *m = memtype_map_new(g.ctx, 0, top, MEMTYPE_PLAN_UNLISTED, 0, 0);
	assert_non_null(m);
	for (unsigned u = 0; u < n; u++)
		if (units[u] != UNLISTED && units[u] != BRUTE_FREE)
			assert_int_equal(
			    memtype_map_set(m, u * size, u * size + size - 1, units[u], 0, 0), 0);
	return m;
}

static void describe(char *buf, size_t len, const unsigned *units, unsigned n)
{
	size_t k = 0;
	for (unsigned u = 0; u < n && k + 4 < len; u++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s", u ? " " : "", tn(units[u]));
}

static memtype_plan *plan_units(const unsigned *units, unsigned n, unsigned phys, bool fixed,
				bool dont_care, int def, unsigned vcnt, bool best)
{
	memtype_map *m = unit_map(units, n, phys);
	memtype_plan_opts o = {.phys_bits = phys,
			       .vcnt = vcnt,
			       .no_fixed = !fixed,
			       .dont_care = dont_care,
			       .default_type = def,
			       .best_effort = best};
	memtype_plan *p = NULL;
	int rc = memtype_plan_compute(g.ctx, m, &o, &p);
	if (rc) {
		char d[200];
		describe(d, sizeof(d), units, n);
		fail_msg("plan of [%s] failed: %d %s", d, rc, memtype_ctx_error(g.ctx)->message);
	}
	memtype_map_free(m);
	g.plans++;
	return p;
}

/* The planner's count per default against the referee's. */
static void check_counts(const memtype_plan *p, const unsigned *units, unsigned n,
			 const unsigned ref[5], const char *what)
{
	memtype_plan_summary s;
	memtype_plan_get_summary(p, &s);
	unsigned best = UINT32_MAX;
	for (unsigned d = 0; d < 5; d++) {
		uint32_t c = memtype_plan_count_for_default(p, types5[d]);
		if (c != ref[d]) {
			char buf[200];
			describe(buf, sizeof(buf), units, n);
			fail_msg("%s [%s] default %s: planner %u, brute force %u", what, buf,
				 tn(types5[d]), c, ref[d]);
		}
		best = ref[d] < best ? ref[d] : best;
		g.compared++;
	}
	(void)best;
}

/* ---------------------------------------------------------------------------
 * Counts against the exhaustive search.
 */

static void test_every_8_unit_map(void **state)
{
	unsigned units[8];
	(void)state;
	/* All 5^8 targets (fully listed), each with its fewest pairs for every
	 * default; the planner chooses the default, so its count is the least. */
	unsigned total = 390625, step = g.scale < 1.0 ? (unsigned)(1.0 / g.scale) : 1;
	for (unsigned idx = 0; idx < total; idx += step) {
		unsigned x = idx, ref[5], least = UINT32_MAX;
		for (unsigned u = 0; u < 8; u++, x /= 5)
			units[u] = types5[x % 5];
		for (unsigned d = 0; d < 5; d++) {
			ref[d] = brute8_min(g.b8, units, types5[d]);
			least = ref[d] < least ? ref[d] : least;
		}
		unsigned phys = 32 + idx % 21;
		memtype_plan *p = plan_units(units, 8, phys, idx % 2 == 0, false, -1, 40, false);
		check_counts(p, units, 8, ref, "exact");
		memtype_plan_summary s;
		memtype_plan_get_summary(p, &s);
		assert_int_equal(s.lower_bound, least);
		assert_int_equal(s.count, least);
		assert_true(s.optimal && s.exact && s.has_layout);
		memtype_plan_free(p);
	}
}

static void test_8_units_free_and_unlisted(void **state)
{
	struct rng r = {0x8a17e55u};
	unsigned units[8], sub[8], ref[5];
	(void)state;
	for (unsigned i = 0; i < scaled(40000); i++) {
		bool dont_care = i % 2 == 0;
		unsigned pct = (unsigned)below(&r, 80);
		for (unsigned u = 0; u < 8; u++)
			units[u] = below(&r, 100) < pct ? (dont_care ? BRUTE_FREE : UNLISTED)
							: types5[below(&r, 5)];
		int forced = below(&r, 3) == 0 ? (int)types5[below(&r, 5)] : -1;
		unsigned phys = 32 + (unsigned)below(&r, 21);
		for (unsigned d = 0; d < 5; d++) {
			/* Exact mode: unlisted units get the default type. */
			for (unsigned u = 0; u < 8; u++)
				sub[u] = units[u] == UNLISTED ? types5[d] : units[u];
			ref[d] = brute8_min(g.b8, sub, types5[d]);
		}
		memtype_plan *p =
		    plan_units(units, 8, phys, below(&r, 2), dont_care, forced, 40, false);
		check_counts(p, units, 8, ref, dont_care ? "dont-care" : "unlisted");
		memtype_plan_summary s;
		memtype_plan_get_summary(p, &s);
		unsigned want = UINT32_MAX;
		for (unsigned d = 0; d < 5; d++)
			if (forced < 0 || (int)types5[d] == forced)
				want = ref[d] < want ? ref[d] : want;
		assert_int_equal(s.lower_bound, want);
		assert_int_equal(s.count, want);
		if (forced >= 0)
			assert_int_equal(s.default_type, forced);
		memtype_plan_free(p);
	}
}

static void test_8_units_best_effort(void **state)
{
	struct rng r = {0xbe57e1f0u};
	unsigned units[8];
	(void)state;
	for (unsigned i = 0; i < scaled(3000); i++) {
		bool dont_care = below(&r, 3) == 0;
		for (unsigned u = 0; u < 8; u++) {
			uint64_t x = below(&r, 10);
			units[u] = x < 5       ? MEMTYPE_WB
				   : x < 8     ? types5[below(&r, 4)]
				   : dont_care ? BRUTE_FREE
					       : types5[below(&r, 5)];
		}
		unsigned vcnt = (unsigned)below(&r, 4);
		int forced = below(&r, 4) == 0 ? (int)types5[below(&r, 5)] : -1;
		unsigned phys = 32 + (unsigned)below(&r, 21);
		bool fixed = below(&r, 2);
		memtype_plan *p = plan_units(units, 8, phys, fixed, dont_care, forced, vcnt, true);
		memtype_plan_summary s;
		memtype_plan_get_summary(p, &s);
		if (s.fits) {
			assert_true(s.exact);
			memtype_plan_free(p);
			continue;
		}
		unsigned least = UINT32_MAX;
		for (unsigned d = 0; d < 5; d++) {
			if (forced >= 0 && (int)types5[d] != forced)
				continue;
			unsigned l = brute8_least_loss(g.b8, units, types5[d], vcnt);
			least = l < least ? l : least;
		}
		char buf[200];
		describe(buf, sizeof(buf), units, 8);
		if (least == UINT32_MAX) {
			if (s.has_layout)
				fail_msg("[%s] vcnt %u: planner found a layout, brute force none",
					 buf, vcnt);
		} else {
			/* With fixed ranges the first MiB of a lost first unit is kept
			 * by them: the unit model cannot say that MiB, so it is slack. */
			uint64_t unit = (1ull << phys) / 8, want = least * unit;
			uint64_t slack = fixed && units[0] == MEMTYPE_WB ? 0x100000 : 0;
			if (!s.has_layout || s.lost_bytes > want || s.lost_bytes + slack < want)
				fail_msg("[%s] vcnt %u: planner loses 0x%llx, brute force %u units "
					 "of 0x%llx",
					 buf, vcnt,
					 (unsigned long long)(s.has_layout ? s.lost_bytes : ~0ull),
					 least, (unsigned long long)unit);
			assert_true(s.count <= vcnt && s.least_loss && !s.exact && !s.optimal);
		}
		g.lost_checked++;
		memtype_plan_free(p);
	}
}

static void test_16_units_bounded(void **state)
{
	struct rng r = {0x16b0d3du};
	unsigned units[16];
	(void)state;
	struct brute_bounded *bb = brute_bounded_build(4, 3);
	assert_non_null(bb);
	for (unsigned i = 0; i < scaled(20000); i++) {
		/* A few runs of types, so that many maps need 3 pairs or fewer. */
		unsigned cuts = 1 + (unsigned)below(&r, 4), at = 0;
		for (unsigned c = 0; c <= cuts; c++) {
			unsigned end = c == cuts ? 16 : at + (unsigned)below(&r, 16 - at + 1);
			unsigned t = types5[below(&r, 5)];
			for (; at < end; at++)
				units[at] = t;
		}
		unsigned ref[5];
		for (unsigned d = 0; d < 5; d++)
			ref[d] = brute_bounded_min(bb, units, types5[d]);
		memtype_plan *p = plan_units(units, 16, 32 + (unsigned)below(&r, 21), below(&r, 2),
					     false, -1, 40, false);
		for (unsigned d = 0; d < 5; d++) {
			uint32_t c = memtype_plan_count_for_default(p, types5[d]);
			unsigned cap = c > 3 ? 4 : c;
			if (cap != ref[d]) {
				char buf[200];
				describe(buf, sizeof(buf), units, 16);
				fail_msg("[%s] default %s: planner %u, brute force %s%u", buf,
					 tn(types5[d]), c, ref[d] == 4 ? "more than " : "",
					 ref[d] == 4 ? 3 : ref[d]);
			}
			g.compared++;
		}
		memtype_plan_free(p);
	}
	brute_bounded_free(bb);
}

/* ---------------------------------------------------------------------------
 * Realization of random maps, judged by the naive evaluator.
 */

struct target {
	unsigned n;
	uint64_t start[160], end[160];
	memtype_type type[160];
};

/* The type the target wants at addr: a type, UNLISTED or BRUTE_FREE. */
static unsigned want_at(const struct target *t, uint64_t addr, bool dont_care)
{
	for (unsigned i = 0; i < t->n; i++)
		if (addr >= t->start[i] && addr <= t->end[i])
			return t->type[i];
	return dont_care ? BRUTE_FREE : UNLISTED;
}

static void gen_target(struct rng *r, struct target *t, unsigned phys)
{
	uint64_t top = (1ull << phys) - 1;
	unsigned n = 1 + (unsigned)below(r, 64);
	uint64_t at = 0;
	t->n = 0;
	if (below(r, 2)) {
		/* A firmware-style first MiB; sometimes a boundary the fixed
		 * ranges cannot hold (0x9f000 inside a 16 KiB sub-range). */
		uint64_t low = below(r, 4) == 0 ? 0x9efff : 0x9ffff;
		t->start[t->n] = 0, t->end[t->n] = low, t->type[t->n++] = MEMTYPE_WB;
		t->start[t->n] = low + 1, t->end[t->n] = 0xbffff, t->type[t->n++] = MEMTYPE_UC;
		t->start[t->n] = 0xc0000, t->end[t->n] = 0xfffff, t->type[t->n++] = MEMTYPE_WP;
		at = 0x100000;
	}
	for (unsigned i = 0; i < n && at <= top; i++) {
		/* Gaps and lengths log-uniform, aligned to a random power of two. */
		unsigned align = 12 + (unsigned)below(r, phys - 12 - (phys > 40 ? 8 : 0));
		uint64_t gap =
		    below(r, 3) == 0 ? 0 : (below(r, 1ull << (below(r, phys - 13) + 1)) + 1);
		uint64_t len = below(r, 1ull << (below(r, phys - 13) + 1)) + 1;
		uint64_t s = (at + gap + ((1ull << align) - 1)) & ~((1ull << align) - 1);
		if (s < at || s > top)
			break;
		uint64_t e = ((s + len + ((1ull << align) - 1)) & ~((1ull << align) - 1)) - 1;
		if (e < s || e > top)
			e = top;
		t->start[t->n] = s;
		t->end[t->n] = e;
		t->type[t->n++] = types5[below(r, 5)];
		if (e == top)
			break;
		at = e + 1;
	}
}

/* Inside one of a best-effort plan's lost ranges, with that type? */
static bool in_lost(const memtype_plan *lossy, uint64_t addr, memtype_type got)
{
	for (size_t i = 0; lossy && i < memtype_plan_lost_count(lossy); i++) {
		memtype_range r;
		memtype_plan_lost(lossy, i, &r);
		if (addr >= r.start && addr <= r.end)
			return r.value == got;
	}
	return false;
}

static void check_addr(const struct oracle_state *o, const struct target *t, uint64_t addr,
		       bool dont_care, memtype_type def, uint64_t seed, const memtype_plan *lossy)
{
	uint64_t top = (1ull << o->phys_bits) - 1;
	if (addr > top)
		return;
	unsigned want = want_at(t, addr, dont_care);
	memtype_type got = oracle_mtrr_type(o, addr, NULL);
	g.addrs++;
	if (want == UNLISTED)
		want = def;
	if (lossy && want == MEMTYPE_WB && got != MEMTYPE_WB && in_lost(lossy, addr, got))
		return;
	if (got == MEMTYPE_UNDEFINED || (want != BRUTE_FREE && got != want))
		fail_msg("seed 0x%llx: at 0x%llx the plan gives %s, the map wants %s",
			 (unsigned long long)seed, (unsigned long long)addr, tn(got),
			 want == UNLISTED ? tn(def) : tn(want));
}

static void test_random_maps_realized(void **state)
{
	(void)state;
	for (unsigned i = 0; i < scaled(4000); i++) {
		uint64_t seed = 0x9e3779b9ull * (i + 1);
		struct rng r = {seed};
		struct target t;
		unsigned phys = 36 + (unsigned)below(&r, 17);
		gen_target(&r, &t, phys);
		bool dont_care = below(&r, 3) == 0, fixed = below(&r, 4) != 0;
		int forced = below(&r, 4) == 0 ? (int)types5[below(&r, 5)] : -1;
		uint64_t top = (1ull << phys) - 1;
		memtype_map *m = memtype_map_new(g.ctx, 0, top, MEMTYPE_PLAN_UNLISTED, 0, 0);
		for (unsigned k = 0; k < t.n; k++)
			assert_int_equal(memtype_map_set(m, t.start[k], t.end[k], t.type[k], 0, 0),
					 0);
		memtype_plan_opts o = {.phys_bits = phys,
				       .vcnt = 40,
				       .no_fixed = !fixed,
				       .dont_care = dont_care,
				       .default_type = forced};
		memtype_plan *p = NULL;
		int rc = memtype_plan_compute(g.ctx, m, &o, &p);
		if (rc)
			fail_msg("seed 0x%llx: plan failed: %s", (unsigned long long)seed,
				 memtype_ctx_error(g.ctx)->message);
		g.plans++;
		memtype_plan_summary s;
		memtype_plan_get_summary(p, &s);
		/* Free addresses can only help; fixed ranges too. */
		if (dont_care) {
			memtype_plan_opts e = o;
			memtype_plan *q;
			e.dont_care = false;
			assert_int_equal(memtype_plan_compute(g.ctx, m, &e, &q), 0);
			memtype_plan_summary qs;
			memtype_plan_get_summary(q, &qs);
			assert_true(s.lower_bound <= qs.lower_bound);
			memtype_plan_free(q);
		}
		if (forced < 0)
			for (unsigned d = 0; d < 5; d++)
				assert_true(s.lower_bound <=
					    memtype_plan_count_for_default(p, types5[d]));
		const memtype_plan *lossy = NULL;
		if (!s.has_layout) {
			/* More than 40 pairs: the best-effort layout instead, whose
			 * losses must be exactly where the plan says. */
			memtype_plan_free(p);
			o.best_effort = true;
			if (memtype_plan_compute(g.ctx, m, &o, &p))
				fail_msg("seed 0x%llx: best effort failed: %s",
					 (unsigned long long)seed,
					 memtype_ctx_error(g.ctx)->message);
			memtype_plan_get_summary(p, &s);
			g.skipped_big++;
			if (!s.has_layout) {
				memtype_plan_free(p);
				memtype_map_free(m);
				continue;
			}
			assert_true(!s.exact && s.count <= 40 && s.lost_bytes > 0);
			lossy = p;
		} else {
			assert_true(s.exact && s.optimal && s.count == s.lower_bound);
		}
		/* Replay the WRMSRs into the naive evaluator. */
		struct oracle_state os;
		oracle_init(&os, phys, s.mtrrcap);
		for (size_t k = 0; k < memtype_plan_msr_count(p); k++) {
			uint32_t idx;
			uint64_t val;
			assert_int_equal(memtype_plan_msr(p, k, &idx, &val), 0);
			if (!oracle_wrmsr(&os, idx, val))
				fail_msg("seed 0x%llx: the oracle refuses WRMSR 0x%x <- 0x%llx",
					 (unsigned long long)seed, idx, (unsigned long long)val);
		}
		for (unsigned k = 0; k < t.n; k++)
			for (int dlt = -1; dlt <= 1; dlt++) {
				check_addr(&os, &t, t.start[k] + (uint64_t)dlt, dont_care,
					   s.default_type, seed, lossy);
				check_addr(&os, &t, t.end[k] + (uint64_t)dlt, dont_care,
					   s.default_type, seed, lossy);
			}
		for (size_t k = 0; k < memtype_plan_lost_count(p); k++) {
			memtype_range lr;
			memtype_plan_lost(p, k, &lr);
			check_addr(&os, &t, lr.start, dont_care, s.default_type, seed, lossy);
			check_addr(&os, &t, lr.end, dont_care, s.default_type, seed, lossy);
		}
		for (size_t k = 0; k < memtype_plan_var_count(p); k++) {
			memtype_plan_var v;
			memtype_plan_get_var(p, k, &v);
			check_addr(&os, &t, v.start, dont_care, s.default_type, seed, lossy);
			check_addr(&os, &t, v.end, dont_care, s.default_type, seed, lossy);
			check_addr(&os, &t, v.end + 1, dont_care, s.default_type, seed, lossy);
		}
		for (unsigned k = 0; k < 64; k++)
			check_addr(&os, &t, rnd(&r) & top, dont_care, s.default_type, seed, lossy);
		for (uint64_t a = 0; a < 0x100000; a += 0x1000)
			check_addr(&os, &t, a, dont_care, s.default_type, seed, lossy);
		memtype_plan_free(p);
		memtype_map_free(m);
	}
}

/* ---------------------------------------------------------------------------
 * Firmware MTRR dumps: Linux's boot-time register dump (print_mtrr_state:
 * "MTRR default type:", "MTRR fixed ranges enabled:", "MTRR variable ranges
 * enabled:" and "  N base B mask M type" lines), mtrr_cleanup's result line
 * ("gran_size: ... num_reg: N ...") and /proc/mtrr ("regNN: base=0x...,
 * size= NMB, count=1: type").
 */

#define FW_MAX_FIXED 32
#define FW_MAX_VAR   64

struct fw_dump {
	unsigned phys_bits;
	bool have_def;
	memtype_type def;
	bool fixed_enabled;
	unsigned nfixed;
	struct {
		uint64_t start, end;
		memtype_type type;
	} fixed[FW_MAX_FIXED];
	unsigned nvar;
	struct {
		uint64_t base, mask;
		memtype_type type;
	} var[FW_MAX_VAR];
	int num_reg; /* mtrr_cleanup's chosen register count, or -1 */
	bool tom2;   /* the log mentions AMD's TOM2 (WB above 4 GiB without MTRRs) */
	bool proc;   /* read from /proc/mtrr */
};

static bool word_type(const char *s, memtype_type *t)
{
	static const struct {
		const char *w;
		memtype_type t;
	} words[] = {
	    {"write-back", MEMTYPE_WB},	     {"uncachable", MEMTYPE_UC},
	    {"write-through", MEMTYPE_WT},   {"write-protect", MEMTYPE_WP},
	    {"write-combining", MEMTYPE_WC},
	};
	while (*s == ' ')
		s++;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strncmp(s, words[i].w, strlen(words[i].w))) {
			*t = words[i].t;
			return true;
		}
	return false;
}

/* The line without a "[    0.000000] " timestamp and leading blanks. */
static const char *body(const char *line)
{
	const char *s = line;
	while (*s == ' ')
		s++;
	if (*s == '[') {
		const char *e = strchr(s, ']');
		if (e)
			s = e + 1;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static unsigned top_bit(uint64_t v)
{
	return v ? 64u - (unsigned)__builtin_clzll(v) : 0;
}

static int fw_dump_parse(const char *text, struct fw_dump *out)
{
	enum { NONE, FIXED, VAR, CLEANUP } mode = NONE;
	char line[512];
	unsigned need_bits = 32;

	memset(out, 0, sizeof(*out));
	out->num_reg = -1;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = e ? e + 1 : p + n;
		const char *s = body(line);
		unsigned long long a, b;
		unsigned idx;
		char word[32];
		if (strstr(line, "TOM2"))
			out->tom2 = true;
		if (!strncmp(s, "MTRR default type:", 18)) {
			out->have_def = word_type(s + 18, &out->def);
			mode = NONE;
		} else if (!strncmp(s, "MTRR fixed ranges enabled:", 26)) {
			out->fixed_enabled = true;
			mode = FIXED;
		} else if (!strncmp(s, "MTRR fixed ranges disabled:", 27)) {
			mode = NONE;
		} else if (!strncmp(s, "MTRR variable ranges enabled:", 29)) {
			mode = VAR;
		} else if (strstr(s, "Found optimal setting for mtrr clean up")) {
			mode = CLEANUP;
		} else if (mode == CLEANUP && strstr(s, "num_reg:")) {
			out->num_reg = atoi(strstr(s, "num_reg:") + 8);
			mode = NONE;
		} else if (mode == FIXED && sscanf(s, "%llx-%llx %31s", &a, &b, word) == 3) {
			memtype_type t;
			if (out->nfixed < FW_MAX_FIXED && word_type(word, &t)) {
				out->fixed[out->nfixed].start = a;
				out->fixed[out->nfixed].end = b;
				out->fixed[out->nfixed++].type = t;
			}
		} else if (mode == VAR &&
			   sscanf(s, "%u base %llx mask %llx %31s", &idx, &a, &b, word) == 4) {
			memtype_type t;
			if (out->nvar < FW_MAX_VAR && word_type(word, &t)) {
				out->var[out->nvar].base = a;
				out->var[out->nvar].mask = b;
				out->var[out->nvar++].type = t;
				if (top_bit(b) > need_bits)
					need_bits = top_bit(b);
			}
		} else if (mode == VAR && sscanf(s, "%u disabled", &idx) == 1) {
			continue;
		} else if (!strncmp(s, "reg", 3) && strstr(s, "base=0x") && strstr(s, "size=")) {
			const char *sz = strstr(s, "size=") + 5;
			unsigned long long size = strtoull(sz, (char **)&sz, 10);
			memtype_type t;
			const char *colon = strrchr(s, ':');
			a = strtoull(strstr(s, "base=0x") + 7, NULL, 16);
			size <<= sz[0] == 'M' ? 20 : sz[0] == 'G' ? 30 : 10;
			if (out->nvar < FW_MAX_VAR && colon && word_type(colon + 1, &t) && size) {
				out->proc = true;
				out->var[out->nvar].base = a;
				out->var[out->nvar].mask = size; /* fixed up below */
				out->var[out->nvar++].type = t;
				if (top_bit(a + size - 1) > need_bits)
					need_bits = top_bit(a + size - 1);
			}
		} else if (mode != CLEANUP) {
			mode = NONE;
		}
	}
	out->phys_bits = need_bits;
	if (out->proc) {
		/* /proc/mtrr has no MAXPHYADDR: assume the SDM's 36 unless a range
		 * needs more, and no default type: UC when something is WB (as
		 * firmware does), else WB (a map of UC holes only). */
		if (out->phys_bits < 36)
			out->phys_bits = 36;
		bool any_wb = false;
		for (unsigned i = 0; i < out->nvar; i++) {
			uint64_t size = out->var[i].mask;
			out->var[i].mask = ~(size - 1) & ((1ull << out->phys_bits) - 1);
			any_wb |= out->var[i].type == MEMTYPE_WB;
		}
		out->have_def = true;
		out->def = any_wb ? MEMTYPE_UC : MEMTYPE_WB;
	}
	return out->nvar || out->have_def ? 0 : -1;
}

/* ---------------------------------------------------------------------------
 * Real machines.
 */

/* The directory of the shared corpus, or NULL. */
static const char *corpus_dir(void)
{
	return test_corpus_dir(__FILE__, "MEMTYPE_SHARED_CORPUS", "");
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = malloc(1u << 20);
	size_t n = buf ? fread(buf, 1, (1u << 20) - 1, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* The dump's registers in a fresh MTRR state, and the map they realize. */
static memtype_map *dump_map(const struct fw_dump *d, unsigned *used)
{
	uint64_t cap = MEMTYPE_MTRRCAP_FIX | MEMTYPE_MTRRCAP_WC | (d->nvar > 8 ? d->nvar : 8);
	memtype_mtrr *m = memtype_mtrr_new(g.ctx, d->phys_bits, cap);
	assert_non_null(m);
	static const struct {
		uint32_t msr;
		uint32_t start, gran;
	} fx[11] = {{0x250, 0, 0x10000},      {0x258, 0x80000, 0x4000}, {0x259, 0xa0000, 0x4000},
		    {0x268, 0xc0000, 0x1000}, {0x269, 0xc8000, 0x1000}, {0x26a, 0xd0000, 0x1000},
		    {0x26b, 0xd8000, 0x1000}, {0x26c, 0xe0000, 0x1000}, {0x26d, 0xe8000, 0x1000},
		    {0x26e, 0xf0000, 0x1000}, {0x26f, 0xf8000, 0x1000}};
	bool fe = d->fixed_enabled && d->nfixed;
	if (fe)
		for (unsigned i = 0; i < 11; i++) {
			uint64_t v = 0;
			for (unsigned b = 0; b < 8; b++) {
				uint64_t a = fx[i].start + (uint64_t)b * fx[i].gran;
				memtype_type t = MEMTYPE_UC;
				for (unsigned k = 0; k < d->nfixed; k++)
					if (a >= d->fixed[k].start && a <= d->fixed[k].end)
						t = d->fixed[k].type;
				v |= (uint64_t)t << (8 * b);
			}
			assert_int_equal(memtype_mtrr_wrmsr(m, fx[i].msr, v), 0);
		}
	for (unsigned i = 0; i < d->nvar; i++) {
		assert_int_equal(
		    memtype_mtrr_wrmsr(m, 0x200 + 2 * i, d->var[i].base | d->var[i].type), 0);
		assert_int_equal(memtype_mtrr_wrmsr(m, 0x201 + 2 * i, d->var[i].mask | 0x800), 0);
	}
	memtype_type def = d->have_def ? d->def : MEMTYPE_UC;
	assert_int_equal(memtype_mtrr_wrmsr(m, 0x2ff, 0x800 | (fe ? 0x400u : 0) | def), 0);
	memtype_map *got = NULL;
	assert_int_equal(memtype_mtrr_build_map(m, 0, &got), 0);
	memtype_mtrr_free(m);
	*used = d->nvar;
	return got;
}

static unsigned plan_count(const memtype_map *map, unsigned phys, int def)
{
	uint64_t top = (1ull << phys) - 1;
	memtype_map *t = memtype_map_new(g.ctx, 0, top, MEMTYPE_PLAN_UNLISTED, 0, 0);
	for (size_t i = 0; i < memtype_map_count(map); i++) {
		memtype_range r;
		memtype_map_get(map, i, &r);
		if (r.value == MEMTYPE_UNDEFINED)
			fail_msg("a firmware layout with an undefined overlap");
		assert_int_equal(memtype_map_set(t, r.start, r.end, r.value, 0, 0), 0);
	}
	memtype_plan_opts o = {.phys_bits = phys, .vcnt = 40, .default_type = def};
	memtype_plan *p;
	assert_int_equal(memtype_plan_compute(g.ctx, t, &o, &p), 0);
	memtype_plan_summary s;
	memtype_plan_get_summary(p, &s);
	assert_true(s.has_layout && s.exact && s.optimal);
	memtype_plan_free(p);
	memtype_map_free(t);
	g.plans++;
	return s.lower_bound;
}

static void test_corpus_firmware_layouts(void **state)
{
	static const char *const dirs[] = {"dmesg", "excerpts", "proc-mtrr", "pairs"};
	const char *dir = corpus_dir();
	unsigned files = 0, fw_total = 0, plan_total = 0, cleanups = 0;
	(void)state;
	if (!dir) {
		/* cmocka 1.1 counts skip() as a failure: report and pass. */
		print_message("# SKIP ../shared/corpus not found (set MEMTYPE_SHARED_CORPUS)\n");
		return;
	}
	for (size_t k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++) {
		char idx[1200];
		struct dirent **ents = NULL;
		snprintf(idx, sizeof(idx), "%s/%s", dir, dirs[k]);
		int nents = scandir(idx, &ents, NULL, alphasort);
		for (int e = 0; e < nents; e++) {
			const char *name = ents[e]->d_name;
			if (!strstr(name, ".log"))
				continue;
			char path[1800];
			snprintf(path, sizeof(path), "%s/%s", idx, name);
			char *text = slurp(path);
			struct fw_dump d;
			if (!text || fw_dump_parse(text, &d) || !d.nvar || !d.have_def) {
				free(text);
				continue;
			}
			free(text);
			unsigned used;
			memtype_map *map = dump_map(&d, &used);
			unsigned best = plan_count(map, d.phys_bits, -1);
			files++;
			fw_total += used;
			plan_total += best;
			print_message("# %-58s firmware %2u, plan %2u", name, used, best);
			if (best > used)
				fail_msg("%s: the plan needs %u registers, the firmware used %u",
					 name, best, used);
			if (d.num_reg >= 0 && !d.tom2) {
				/* mtrr_cleanup keeps the default UC and the same WB coverage. */
				unsigned uc = plan_count(map, d.phys_bits, MEMTYPE_UC);
				print_message(", cleanup num_reg %d, plan with default UC %u",
					      d.num_reg, uc);
				if (uc > (unsigned)d.num_reg)
					fail_msg(
					    "%s: %u registers with default UC, mtrr_cleanup %d",
					    name, uc, d.num_reg);
				cleanups++;
			}
			print_message("\n");
			memtype_map_free(map);
		}
		for (int e = 0; e < nents; e++)
			free(ents[e]);
		free(ents);
	}
	print_message("# corpus: %u firmware layouts, %u registers used by firmware, %u by the "
		      "plans; %u compared with mtrr_cleanup\n",
		      files, fw_total, plan_total, cleanups);
	assert_true(files > 0);
}

static void test_summary(void **state)
{
	(void)state;
	print_message("# %llu plans, %llu counts compared with brute force, %llu best-effort "
		      "losses compared, %llu addresses checked, %llu maps needing > 40 pairs "
		      "(planned best effort)\n",
		      g.plans, g.compared, g.lost_checked, g.addrs, g.skipped_big);
}

static int setup(void **state)
{
	(void)state;
	g.ctx = memtype_ctx_new(NULL, NULL);
	g.b8 = brute8_build();
	return g.ctx && g.b8 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	brute8_free(g.b8);
	memtype_ctx_free(g.ctx);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_8_unit_map),
	    cmocka_unit_test(test_8_units_free_and_unlisted),
	    cmocka_unit_test(test_8_units_best_effort),
	    cmocka_unit_test(test_16_units_bounded),
	    cmocka_unit_test(test_random_maps_realized),
	    cmocka_unit_test(test_corpus_firmware_layouts),
	    cmocka_unit_test(test_summary),
	};
	const char *s = getenv("MEMTYPE_PLAN_SCALE");
	g.scale = 1.0;
	if (s && *s) {
		g.scale = strtod(s, NULL);
		if (!(g.scale > 0.0) || g.scale > 1.0)
			g.scale = 1.0;
	}
	return cmocka_run_group_tests_name("plan-oracle", tests, setup, teardown);
}
