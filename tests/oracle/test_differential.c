/*
 * test_differential.c - randomized differential tests: libmemtype's MTRR model
 * against the brute-force oracle (oracle.c).
 *
 * Each test profile generates random MTRR register files from fixed seeds
 * (our own splitmix64, never rand()): MAXPHYADDR 36..52, VCNT 0..40, fixed
 * ranges on or off, E/FE on or off, contiguous and non-contiguous variable
 * masks, overlapping ranges of every type mix, disabled pairs. Every register
 * is written through memtype_mtrr_wrmsr() and the accept/#GP verdict compared
 * with the oracle's, interleaved with writes that must #GP (checked to leave
 * every MSR unchanged). Then each state is evaluated at random addresses and
 * at every range edge through memtype_mtrr_lookup() and through the map of
 * memtype_mtrr_build_map(), and each answer compared with the oracle's
 * per-address walk. A mismatch prints the profile, the state's seed, all MSRs,
 * the address, the expected and the obtained answer; setting
 * MEMTYPE_DIFF_SEED=0x... replays just that state in every profile.
 * MEMTYPE_DIFF_SCALE (0 < s <= 1) shrinks the run, e.g. for ASan builds.
 * Two smaller tests check the reset state and that every unimplemented index
 * of the MTRR block faults; a last one prints the totals as TAP comments.
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

#include "memtype.h"
#include "oracle.h"

#include "test_names.h"

#define MAX_PIECES (1u << 20)
#define MIN_CASES  1000000ull
#define ONE_MIB	   0x100000ull
/*
 * Variable pairs that fit below IA32_MTRR_FIX64K_00000 (0x250): pair 40 would
 * put PHYSBASE40 on 0x250. The library refuses VCNT > 40 with -ENOTSUP
 * although memtype.h only promises that above MEMTYPE_MAX_VCNT (64); the
 * header cannot be honoured as written, so states stay at VCNT <= 40.
 */
#define PAIR_SLOTS 40u
#define DUMP_LIMIT 3  /* full state dumps per profile */
#define LINE_LIMIT 40 /* one-line mismatch reports per profile */

/* ---------------------------------------------------------------------------
 * PRNG: splitmix64 (Steele, Lea, Flood 2014), written from its description.
 */

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

/* Uniform in [0, n) (n > 0); the modulo bias is irrelevant here. */
static uint64_t below(struct rng *r, uint64_t n)
{
	return rnd(r) % n;
}

/* Uniform in [lo, hi]. */
static uint64_t between(struct rng *r, uint64_t lo, uint64_t hi)
{
	return lo + below(r, hi - lo + 1);
}

static int pct(struct rng *r, unsigned p)
{
	return below(r, 100) < p;
}

static uint64_t seed_of(uint64_t base, uint64_t i)
{
	struct rng r = {base ^ (i * 0xd1b54a32d192ed03ull)};

	return rnd(&r);
}

/* ---------------------------------------------------------------------------
 * Run bookkeeping.
 */

struct profile {
	const char *name;
	uint64_t seed;
	unsigned states; /* at scale 1 */
	unsigned vcnt_lo, vcnt_hi;
	unsigned noncontig_pct; /* enabled pairs with 1-3 mask bits cleared */
	unsigned sparse_pct;	/* states holding one pathological (sparse) mask */
	unsigned window;	/* 0: whole space; 1: one random window; 2: below 16 MiB */
	unsigned random_addrs;	/* per state */
};

struct addr_list {
	uint64_t *a;
	size_t n, cap;
};

struct run {
	const struct profile *p;
	uint64_t seed;
	unsigned state_no;
	memtype_ctx *ctx;
	memtype_mtrr *m;
	struct oracle_state o;
	struct rng rng;
	uint64_t full;	       /* 2^phys_bits - 1 */
	memtype_range *pieces; /* copy of the library map, for the query check */
	size_t npieces;
	/* generator memory of the intended ranges, to make overlaps */
	unsigned nint;
	unsigned int_k[ORACLE_MAX_PAIRS];
	uint64_t int_start[ORACLE_MAX_PAIRS];
	memtype_type palette[5];
	unsigned npalette;
	uint64_t win_lo;
	unsigned win_bits;
};

static struct {
	unsigned long long cases;     /* (state, address) comparisons */
	unsigned long long writes;    /* WRMSR verdicts compared */
	unsigned long long gp_writes; /* of which expected #GP */
	unsigned long long states;
	unsigned long long e2big;
	unsigned long long over_max;   /* maps built with more than MAX_PIECES pieces */
	unsigned long long cover[8];   /* cases per outcome, see cover_names */
	unsigned long long diffs;      /* all profiles */
	unsigned long long case_diffs; /* of which in (state, address) cases */
	int in_case;
	unsigned long long prof_diffs; /* current profile */
	uint64_t first_seed;
	const char *first_profile;
	double scale;
	int replay;
	uint64_t replay_seed;
} g;

/* Outcome classes of the oracle, to show the generator reaches each SDM rule. */
enum { COV_DISABLED, COV_FIXED, COV_DEFAULT, COV_ONE, COV_SAME, COV_UC, COV_WTWB, COV_UNDEF };

static const char *const cover_names[8] = {
    [COV_DISABLED] = "disabled",
    [COV_FIXED] = "fixed",
    [COV_DEFAULT] = "default",
    [COV_ONE] = "one-pair",
    [COV_SAME] = "same-type-overlap",
    [COV_UC] = "uc-wins",
    [COV_WTWB] = "wt+wb",
    [COV_UNDEF] = "undefined",
};

static void cover(const struct oracle_state *o, const struct oracle_result *e)
{
	unsigned types = 0;

	switch (e->source) {
	case MEMTYPE_MTRR_SRC_DISABLED:
		g.cover[COV_DISABLED]++;
		return;
	case MEMTYPE_MTRR_SRC_FIXED:
		g.cover[COV_FIXED]++;
		return;
	case MEMTYPE_MTRR_SRC_DEFAULT:
		g.cover[COV_DEFAULT]++;
		return;
	case MEMTYPE_MTRR_SRC_VARIABLE:
		break;
	}
	if (__builtin_popcountll(e->matched) == 1) {
		g.cover[COV_ONE]++;
		return;
	}
	for (unsigned n = 0; n < ORACLE_MAX_PAIRS; n++)
		if (e->matched >> n & 1)
			types |= 1u << (o->base[n] & 7);
	if (__builtin_popcount(types) == 1)
		g.cover[COV_SAME]++;
	else if (e->type == MEMTYPE_UC)
		g.cover[COV_UC]++;
	else if (e->type == MEMTYPE_WT)
		g.cover[COV_WTWB]++;
	else
		g.cover[COV_UNDEF]++;
}

#define tname(t) test_type_name(t)

static const char *srcname(unsigned s)
{
	static const char *const names[] = {"disabled", "fixed", "variable", "default"};

	return s < 4 ? names[s] : "?";
}

static void dump_state(const struct run *r)
{
	const struct oracle_state *o = &r->o;

	fprintf(stderr, "#   state: phys_bits=%u IA32_MTRRCAP=0x%llx IA32_MTRR_DEF_TYPE=0x%llx\n",
		o->phys_bits, (unsigned long long)o->mtrrcap, (unsigned long long)o->def_type);
	for (unsigned k = 0; k < ORACLE_NFIXED; k++)
		fprintf(stderr, "#   wrmsr 0x%x 0x%016llx\n", oracle_fixed_index(k),
			(unsigned long long)o->fixed[k]);
	for (unsigned n = 0; n < oracle_vcnt(o); n++)
		fprintf(stderr, "#   pair %2u: PHYSBASE(0x%x)=0x%016llx PHYSMASK(0x%x)=0x%016llx\n",
			n, 0x200 + 2 * n, (unsigned long long)o->base[n], 0x201 + 2 * n,
			(unsigned long long)o->mask[n]);
}

/* Record one difference; print it (and the state, the first few times). */
static void mismatch(const struct run *r, uint64_t addr, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (g.diffs == 0) {
		g.first_seed = r->seed;
		g.first_profile = r->p->name;
	}
	g.diffs++;
	g.prof_diffs++;
	if (g.in_case)
		g.case_diffs++;
	if (g.prof_diffs <= LINE_LIMIT)
		fprintf(stderr, "# MISMATCH profile=%s seed=0x%016llx (state %u) addr=0x%llx: %s\n",
			r->p->name, (unsigned long long)r->seed, r->state_no,
			(unsigned long long)addr, msg);
	if (g.prof_diffs <= DUMP_LIMIT)
		dump_state(r);
}

static void addr_push(struct addr_list *l, uint64_t a)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->a = realloc(l->a, l->cap * sizeof(*l->a));
		assert_non_null(l->a);
	}
	l->a[l->n++] = a;
}

/* Push a and its neighbours a-1, a+1 when they lie in [0, full]. */
static void addr_push_edge(struct addr_list *l, uint64_t a, uint64_t full)
{
	if (a > full)
		return;
	addr_push(l, a);
	if (a > 0)
		addr_push(l, a - 1);
	if (a < full)
		addr_push(l, a + 1);
}

/* ---------------------------------------------------------------------------
 * Register writes: every verdict compared with the oracle.
 */

static const memtype_type mtrr_types[5] = {MEMTYPE_UC, MEMTYPE_WC, MEMTYPE_WT, MEMTYPE_WP,
					   MEMTYPE_WB};

static uint64_t bad_type(struct rng *rng)
{
	static const uint64_t reserved[3] = {2, 3, 7};

	return pct(rng, 50) ? reserved[below(rng, 3)] : between(rng, 8, 255);
}

static uint64_t valid_type(struct rng *rng)
{
	return (uint64_t)mtrr_types[below(rng, 5)];
}

/* Every MSR index this test may probe: no ambiguous index, never IA32_PAT. */
static int probe_ok(const struct run *r, uint32_t index)
{
	return index != MEMTYPE_MSR_PAT && !oracle_msr_ambiguous(&r->o, index);
}

/* The MSRs whose values we compare: MTRRcap, DEF_TYPE, fixed, pairs < VCNT. */
static void compare_all_msrs(struct run *r, const char *when)
{
	uint32_t idx[3 + ORACLE_NFIXED + 2 * ORACLE_MAX_PAIRS];
	unsigned n = 0;

	idx[n++] = MEMTYPE_MSR_MTRRCAP;
	idx[n++] = MEMTYPE_MSR_MTRR_DEF_TYPE;
	for (unsigned k = 0; k < ORACLE_NFIXED; k++)
		idx[n++] = oracle_fixed_index(k);
	for (unsigned p = 0; p < oracle_vcnt(&r->o); p++) {
		idx[n++] = 0x200 + 2 * p;
		idx[n++] = 0x201 + 2 * p;
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t want = 0, got = 0;
		bool exists;
		int rc;

		if (!probe_ok(r, idx[i]))
			continue;
		exists = oracle_rdmsr(&r->o, idx[i], &want);
		rc = memtype_mtrr_rdmsr(r->m, idx[i], &got);
		if (exists && rc != 0)
			mismatch(r, 0, "%s: rdmsr 0x%x: expected 0x%llx, got rc %d", when, idx[i],
				 (unsigned long long)want, rc);
		else if (exists && got != want)
			mismatch(r, 0, "%s: rdmsr 0x%x: expected 0x%llx, got 0x%llx", when, idx[i],
				 (unsigned long long)want, (unsigned long long)got);
		else if (!exists && rc != -EINVAL)
			mismatch(r, 0, "%s: rdmsr 0x%x: expected #GP (-EINVAL), got rc %d", when,
				 idx[i], rc);
	}
}

/* After a failed comparison, make the oracle hold what the library holds. */
static void resync(struct run *r)
{
	uint64_t v;

	if (memtype_mtrr_rdmsr(r->m, MEMTYPE_MSR_MTRR_DEF_TYPE, &v) == 0)
		r->o.def_type = v;
	for (unsigned k = 0; k < ORACLE_NFIXED; k++)
		if (probe_ok(r, oracle_fixed_index(k)) &&
		    memtype_mtrr_rdmsr(r->m, oracle_fixed_index(k), &v) == 0)
			r->o.fixed[k] = v;
	for (unsigned p = 0; p < oracle_vcnt(&r->o); p++) {
		if (probe_ok(r, 0x200 + 2 * p) && memtype_mtrr_rdmsr(r->m, 0x200 + 2 * p, &v) == 0)
			r->o.base[p] = v;
		if (probe_ok(r, 0x201 + 2 * p) && memtype_mtrr_rdmsr(r->m, 0x201 + 2 * p, &v) == 0)
			r->o.mask[p] = v;
	}
}

/*
 * WRMSR through the library and the oracle. intent: 1 the generator meant a
 * valid write, 0 a #GP, -1 no intent (random value). A generator/oracle
 * disagreement on intent is reported too: it means the oracle or this file
 * misreads the SDM.
 */
static void do_write(struct run *r, uint32_t index, uint64_t value, int intent)
{
	bool ok;
	int rc;

	if (!probe_ok(r, index))
		return;
	ok = oracle_wrmsr_ok(&r->o, index, value);
	if (intent >= 0 && ok != (intent == 1))
		mismatch(r, 0,
			 "SELF-CHECK: generator meant wrmsr 0x%x 0x%llx to %s, oracle says %s",
			 index, (unsigned long long)value, intent ? "succeed" : "#GP",
			 ok ? "ok" : "#GP");
	memtype_ctx_clear_error(r->ctx);
	rc = memtype_mtrr_wrmsr(r->m, index, value);
	g.writes++;
	if (!ok)
		g.gp_writes++;
	if (ok && rc != 0) {
		mismatch(r, 0, "wrmsr 0x%x 0x%llx: expected accepted (0), got %d", index,
			 (unsigned long long)value, rc);
		resync(r);
		return;
	}
	if (!ok && rc != -EINVAL) {
		mismatch(r, 0, "wrmsr 0x%x 0x%llx: expected #GP (-EINVAL), got %d", index,
			 (unsigned long long)value, rc);
		resync(r);
		return;
	}
	if (ok) {
		oracle_wrmsr(&r->o, index, value);
		return;
	}
	/* memtype.h: a #GP leaves the state unchanged, ctx code "gp". */
	{
		const memtype_error *e = memtype_ctx_error(r->ctx);

		if (!e || e->status != -EINVAL || !e->code || strcmp(e->code, "gp") != 0)
			mismatch(r, 0,
				 "wrmsr 0x%x 0x%llx: #GP ok but ctx error is status %d code \"%s\"",
				 index, (unsigned long long)value, e ? e->status : 0,
				 e && e->code ? e->code : "(null)");
	}
	compare_all_msrs(r, "after #GP write");
}

static uint64_t valid_fixed_value(struct rng *rng)
{
	uint64_t v = 0;

	if (pct(rng, 30)) {
		/* one type for the whole MSR: pieces merge across bytes */
		uint64_t t = valid_type(rng);

		for (unsigned i = 0; i < 8; i++)
			v |= t << (8 * i);
		return v;
	}
	for (unsigned i = 0; i < 8; i++)
		v |= valid_type(rng) << (8 * i);
	return v;
}

static uint64_t valid_def_type(struct rng *rng, unsigned e_pct, unsigned fe_pct)
{
	uint64_t v = valid_type(rng);

	if (pct(rng, e_pct))
		v |= 1ull << 11;
	if (pct(rng, fe_pct))
		v |= 1ull << 10;
	return v;
}

/* A random index that is some pair n < VCNT, or 0 when VCNT is 0. */
static int random_pair(struct run *r, unsigned *n)
{
	unsigned v = oracle_vcnt(&r->o);

	if (v == 0)
		return 0;
	*n = (unsigned)below(&r->rng, v);
	return 1;
}

/* One write the SDM says must #GP (intent 0), or a random one (intent -1). */
static void invalid_write(struct run *r)
{
	struct rng *rng = &r->rng;
	unsigned P = r->o.phys_bits, n = 0, vcnt = oracle_vcnt(&r->o);
	uint64_t v;
	uint32_t idx;

	switch (below(rng, 11)) {
	case 0: /* MTRRcap is read-only (SDM §11.11.1), even rewriting its value */
		do_write(r, MEMTYPE_MSR_MTRRCAP, pct(rng, 50) ? r->o.mtrrcap : rnd(rng), 0);
		break;
	case 1: /* DEF_TYPE.Type not a Table 11-8 type (SDM §11.11.2.1) */
		v = (valid_def_type(rng, 50, 50) & ~0xffull) | bad_type(rng);
		do_write(r, MEMTYPE_MSR_MTRR_DEF_TYPE, v, 0);
		break;
	case 2: /* DEF_TYPE reserved bits 9:8, 63:12 (SDM §11.11.2.1) */
		v = valid_def_type(rng, 50, 50);
		v |= 1ull << (pct(rng, 30) ? between(rng, 8, 9) : between(rng, 12, 63));
		do_write(r, MEMTYPE_MSR_MTRR_DEF_TYPE, v, 0);
		break;
	case 3: /* a fixed-range byte not a Table 11-8 type (SDM §11.11.2.2) */
		idx = oracle_fixed_index((unsigned)below(rng, ORACLE_NFIXED));
		v = valid_fixed_value(rng);
		n = (unsigned)below(rng, 8);
		v = (v & ~(0xffull << (8 * n))) | bad_type(rng) << (8 * n);
		do_write(r, idx, v, 0);
		break;
	case 4: /* PHYSBASE: bad type, 11:8, or a bit >= MAXPHYADDR (SDM §11.11.2.3) */
		if (!random_pair(r, &n))
			break;
		v = (rnd(rng) & r->full & ~0xfffull) | valid_type(rng);
		switch (below(rng, 3)) {
		case 0:
			v = (v & ~0xffull) | bad_type(rng);
			break;
		case 1:
			v |= 1ull << between(rng, 8, 11);
			break;
		default:
			v |= 1ull << between(rng, P, 63);
			break;
		}
		do_write(r, 0x200 + 2 * n, v, 0);
		break;
	case 5: /* PHYSMASK: 10:0, or a bit >= MAXPHYADDR (SDM §11.11.2.3) */
		if (!random_pair(r, &n))
			break;
		v = (rnd(rng) & r->full & ~0xfffull) | (pct(rng, 50) ? 1ull << 11 : 0);
		if (pct(rng, 50))
			v |= 1ull << below(rng, 11);
		else
			v |= 1ull << between(rng, P, 63);
		do_write(r, 0x201 + 2 * n, v, 0);
		break;
	case 6: /* a pair n >= VCNT does not exist (SDM §11.11.1) */
	case 8:
		if (vcnt >= PAIR_SLOTS)
			break;
		n = (unsigned)between(rng, vcnt, PAIR_SLOTS - 1);
		idx = 0x200 + 2 * n + (unsigned)below(rng, 2);
		v = idx & 1 ? (1ull << 11) | (r->full & ~0xfffull) : valid_type(rng);
		do_write(r, idx, v, 0);
		break;
	case 7: /* fixed MSRs: #GP without MTRRcap.FIX, fine with it */
		idx = oracle_fixed_index((unsigned)below(rng, ORACLE_NFIXED));
		do_write(r, idx, valid_fixed_value(rng), -1);
		break;
	case 9: { /* one bit flipped into a reserved field of a register's value */
		uint64_t cur = 0;
		unsigned kind = (unsigned)below(rng, 3); /* 0 DEF_TYPE, 1 fixed, 2 pair */

		if (kind == 2 && !random_pair(r, &n))
			kind = 0;
		if (kind == 0)
			idx = MEMTYPE_MSR_MTRR_DEF_TYPE;
		else if (kind == 1)
			idx = oracle_fixed_index((unsigned)below(rng, ORACLE_NFIXED));
		else
			idx = 0x200 + 2 * n + (unsigned)below(rng, 2);
		if (!probe_ok(r, idx))
			break;
		if (!oracle_rdmsr(&r->o, idx, &cur))
			cur = 0;
		if (kind == 0)
			v = cur ^
			    (1ull << (pct(rng, 50) ? between(rng, 8, 9) : between(rng, 12, 63)));
		else if (kind == 1)
			v = cur ^ (1ull << (8 * below(rng, 8) + between(rng, 3, 7)));
		else if (idx & 1)
			v = cur ^ (1ull << (pct(rng, 50) ? below(rng, 11) : between(rng, P, 63)));
		else
			v = cur ^
			    (1ull << (pct(rng, 50) ? between(rng, 8, 11) : between(rng, P, 63)));
		do_write(r, idx, v, 0);
		break;
	}
	default: /* a random 64-bit value to a random MTRR */
		switch (below(rng, 4)) {
		case 0:
			idx = MEMTYPE_MSR_MTRR_DEF_TYPE;
			break;
		case 1:
			idx = oracle_fixed_index((unsigned)below(rng, ORACLE_NFIXED));
			break;
		default:
			idx = 0x200 + (uint32_t)below(rng, 2 * PAIR_SLOTS);
			break;
		}
		do_write(r, idx, rnd(rng), -1);
		break;
	}
}

/* ---------------------------------------------------------------------------
 * State generation.
 */

/* Bits [lo, hi) set. */
static uint64_t bits(unsigned lo, unsigned hi)
{
	uint64_t m = 0;

	for (unsigned b = lo; b < hi; b++)
		m |= 1ull << b;
	return m;
}

static memtype_type pick_type(struct run *r)
{
	return r->palette[below(&r->rng, r->npalette)];
}

static void choose_palette(struct run *r)
{
	static const memtype_type sets[][3] = {
	    {MEMTYPE_WT, MEMTYPE_WB, MEMTYPE_WB}, /* WT+WB -> WT */
	    {MEMTYPE_UC, MEMTYPE_WB, MEMTYPE_WC}, /* UC wins; WB+WC undefined */
	    {MEMTYPE_UC, MEMTYPE_WT, MEMTYPE_WB},
	    {MEMTYPE_WP, MEMTYPE_WB, MEMTYPE_WT}, /* undefined overlaps */
	    {MEMTYPE_WB, MEMTYPE_WB, MEMTYPE_UC},
	};
	unsigned s = (unsigned)below(&r->rng, 7);

	if (s >= 5) {
		/* all five types */
		memcpy(r->palette, mtrr_types, sizeof(mtrr_types));
		r->npalette = 5;
		return;
	}
	memcpy(r->palette, sets[s], sizeof(sets[s]));
	r->npalette = 3;
}

/*
 * One enabled or disabled variable pair. Sizes are powers of two from 4 KiB to
 * 2^phys_bits with aligned bases (SDM §11.11.4), often nested in, containing or
 * equal to an earlier range; some masks get 1-3 bits cleared above their
 * lowest set bit (legal, SDM §11.11.2.3), some bases carry bits the mask
 * ignores.
 */
static void gen_pair(struct run *r, unsigned n, int sparse)
{
	struct rng *rng = &r->rng;
	unsigned P = r->o.phys_bits, k, lo_k = 12, hi_k = P;
	uint64_t field = bits(12, P), start, mask, base;

	if (r->p->window) {
		hi_k = r->win_bits;
	} else if (pct(rng, 50)) {
		hi_k = P < 32 ? P : 32;
	}
	k = (unsigned)between(rng, lo_k, hi_k);
	start = (rnd(rng) & bits(k, P));
	if (r->p->window)
		start = r->win_lo | (rnd(rng) & bits(k, r->win_bits));

	if (r->nint > 0 && pct(rng, 45)) {
		unsigned j = (unsigned)below(rng, r->nint);
		unsigned kj = r->int_k[j];

		switch (below(rng, 3)) {
		case 0: /* nested inside range j */
			k = (unsigned)between(rng, 12, kj);
			start = r->int_start[j] | (rnd(rng) & bits(k, kj));
			break;
		case 1: /* containing range j */
			k = (unsigned)between(rng, kj, P);
			start = r->int_start[j] & bits(k, P);
			break;
		default: /* the same range again */
			k = kj;
			start = r->int_start[j];
			break;
		}
	}
	r->int_k[r->nint] = k;
	r->int_start[r->nint] = start;
	r->nint++;

	mask = field & bits(k, P);
	if (sparse && k + 1 < P) {
		/* pathological: each bit above the lowest kept with p = 1/4 */
		for (unsigned b = k + 1; b < P; b++)
			if (below(rng, 4) != 0)
				mask &= ~(1ull << b);
	} else if (pct(rng, r->p->noncontig_pct) && k + 1 < P) {
		unsigned holes = (unsigned)between(rng, 1, 3);

		for (unsigned h = 0; h < holes; h++)
			mask &= ~(1ull << between(rng, k + 1, P - 1));
	}
	base = start;
	if (pct(rng, 20))
		base |= rnd(rng) & field & ~mask; /* bits the match ignores */
	base |= (uint64_t)pick_type(r);
	mask |= 1ull << 11;
	if (pct(rng, 8))
		mask &= ~(1ull << 11); /* written but disabled */

	do_write(r, 0x200 + 2 * n, base, 1);
	do_write(r, 0x201 + 2 * n, mask, 1);
}

struct pending {
	int kind; /* 0 fixed, 1 pair, 2 def_type */
	unsigned n;
};

static void gen_state(struct run *r)
{
	struct rng *rng = &r->rng;
	const struct profile *p = r->p;
	struct pending todo[ORACLE_NFIXED + ORACLE_MAX_PAIRS + 1];
	unsigned P, vcnt, ntodo = 0, sparse_pair = ~0u;
	uint64_t cap;
	int fix;

	P = (unsigned)between(rng, 36, 52);
	vcnt = (unsigned)between(rng, p->vcnt_lo, p->vcnt_hi);
	fix = pct(rng, 75);
	/* MTRRcap: VCNT, FIX, and WC (1 << 10) always set so WC is a legal type */
	cap = vcnt | (fix ? MEMTYPE_MTRRCAP_FIX : 0) | MEMTYPE_MTRRCAP_WC;
	r->full = bits(0, P);
	r->nint = 0;
	choose_palette(r);
	r->win_bits =
	    p->window == 2 ? (unsigned)between(rng, 16, 24) : (unsigned)between(rng, 13, P);
	r->win_lo = p->window == 2 ? 0 : rnd(rng) & bits(r->win_bits, P);

	oracle_init(&r->o, P, cap);
	r->m = memtype_mtrr_new(r->ctx, P, cap);
	assert_non_null(r->m);
	assert_int_equal(memtype_mtrr_phys_bits(r->m), P);
	assert_int_equal(memtype_mtrr_vcnt(r->m), vcnt);
	compare_all_msrs(r, "after reset");

	if (fix || pct(rng, 30))
		for (unsigned k = 0; k < ORACLE_NFIXED; k++)
			if (pct(rng, 85))
				todo[ntodo++] = (struct pending){0, k};
	for (unsigned n = 0; n < vcnt; n++)
		if (probe_ok(r, 0x200 + 2 * n) && probe_ok(r, 0x201 + 2 * n) && pct(rng, 92))
			todo[ntodo++] = (struct pending){1, n};
	todo[ntodo++] = (struct pending){2, 0};
	if (vcnt && pct(rng, p->sparse_pct))
		sparse_pair = (unsigned)below(rng, vcnt);

	/* Fisher-Yates: registers are written in random order */
	for (unsigned i = ntodo - 1; i > 0; i--) {
		unsigned j = (unsigned)below(rng, i + 1);
		struct pending t = todo[i];

		todo[i] = todo[j];
		todo[j] = t;
	}
	for (unsigned i = 0; i < ntodo; i++) {
		unsigned inval = (unsigned)below(rng, 4);

		for (unsigned v = 0; v < inval; v++)
			if (pct(rng, 35))
				invalid_write(r);
		switch (todo[i].kind) {
		case 0:
			do_write(r, oracle_fixed_index(todo[i].n), valid_fixed_value(rng),
				 fix ? 1 : 0);
			break;
		case 1:
			gen_pair(r, todo[i].n, todo[i].n == sparse_pair);
			break;
		default:
			do_write(r, MEMTYPE_MSR_MTRR_DEF_TYPE, valid_def_type(rng, 88, 70), 1);
			break;
		}
	}
	compare_all_msrs(r, "after all writes");
}

/* ---------------------------------------------------------------------------
 * Address comparisons.
 */

static uint32_t expected_src(const struct oracle_result *e)
{
	if (e->source == MEMTYPE_MTRR_SRC_FIXED)
		return (uint32_t)e->source | (e->fixed_msr << 8);
	return (uint32_t)e->source;
}

/* The piece of our copy of the map holding addr (binary search), or NULL. */
static const memtype_range *find_piece(const struct run *r, uint64_t addr)
{
	size_t lo = 0, hi = r->npieces;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->pieces[mid].end < addr)
			lo = mid + 1;
		else if (r->pieces[mid].start > addr)
			hi = mid;
		else
			return &r->pieces[mid];
	}
	return NULL;
}

static void check_addr(struct run *r, const memtype_map *map, uint64_t addr)
{
	struct oracle_result e;
	memtype_mtrr_hit hit;
	int rc;

	g.cases++;
	g.in_case = 1;
	oracle_eval(&r->o, addr, &e);
	cover(&r->o, &e);

	memset(&hit, 0, sizeof(hit));
	rc = memtype_mtrr_lookup(r->m, addr, &hit);
	if (rc != 0) {
		mismatch(r, addr, "lookup: expected 0 (%s, %s), got rc %d", tname(e.type),
			 srcname(e.source), rc);
	} else if (hit.type != e.type || hit.source != e.source) {
		mismatch(r, addr,
			 "lookup: expected %s from %s (pairs 0x%llx), got %s from %s "
			 "(pairs 0x%llx)",
			 tname(e.type), srcname(e.source), (unsigned long long)e.matched,
			 tname(hit.type), srcname(hit.source), (unsigned long long)hit.var_matched);
	} else if (e.source == MEMTYPE_MTRR_SRC_VARIABLE && hit.var_matched != e.matched) {
		mismatch(r, addr, "lookup: %s, expected var_matched 0x%llx, got 0x%llx",
			 tname(e.type), (unsigned long long)e.matched,
			 (unsigned long long)hit.var_matched);
	} else if (e.source == MEMTYPE_MTRR_SRC_FIXED &&
		   (hit.fixed_msr != e.fixed_msr || hit.fixed_slot != e.fixed_slot)) {
		mismatch(r, addr, "lookup: %s, expected fixed MSR 0x%x slot %u, got 0x%x slot %u",
			 tname(e.type), e.fixed_msr, e.fixed_slot, hit.fixed_msr, hit.fixed_slot);
	}

	if (map) {
		memtype_range q;
		const memtype_range *mine = find_piece(r, addr);
		uint32_t v;

		memset(&q, 0, sizeof(q));
		rc = memtype_map_query(map, addr, &q);
		if (rc != 0) {
			mismatch(r, addr, "map_query: expected %s, got rc %d", tname(e.type), rc);
		} else if (q.start > addr || q.end < addr || !mine || q.start != mine->start ||
			   q.end != mine->end) {
			mismatch(r, addr,
				 "map_query: returned piece [0x%llx, 0x%llx] is not the "
				 "map's piece holding the address",
				 (unsigned long long)q.start, (unsigned long long)q.end);
		} else if (q.value != (uint32_t)e.type || q.src != expected_src(&e)) {
			mismatch(r, addr,
				 "map piece [0x%llx, 0x%llx]: expected %s src 0x%x, got "
				 "%s src 0x%x",
				 (unsigned long long)q.start, (unsigned long long)q.end,
				 tname(e.type), expected_src(&e), tname((memtype_type)q.value),
				 q.src);
		} else if ((e.source == MEMTYPE_MTRR_SRC_VARIABLE && q.regs != e.matched) ||
			   (e.source == MEMTYPE_MTRR_SRC_DEFAULT && q.regs != 0)) {
			mismatch(r, addr,
				 "map piece [0x%llx, 0x%llx] %s from %s: expected regs "
				 "0x%llx, got 0x%llx",
				 (unsigned long long)q.start, (unsigned long long)q.end,
				 tname(e.type), srcname(e.source), (unsigned long long)e.matched,
				 (unsigned long long)q.regs);
		}
		v = memtype_map_value_at(map, addr);
		if (v != (uint32_t)e.type)
			mismatch(r, addr, "map_value_at: expected %s, got %u", tname(e.type), v);
	}
	g.in_case = 0;
}

/* Addresses at and above 2^phys_bits: -ERANGE / UINT32_MAX everywhere. */
static void check_out_of_range(struct run *r, const memtype_map *map)
{
	uint64_t probes[4];
	unsigned P = r->o.phys_bits;

	probes[0] = r->full + 1;
	probes[1] = r->full + 2;
	probes[2] = (r->full + 1) | (rnd(&r->rng) & ~r->full);
	probes[3] = UINT64_MAX;
	g.in_case = 1;
	for (unsigned i = 0; i < 4; i++) {
		memtype_mtrr_hit hit;
		memtype_range q;
		int rc;

		g.cases++;
		rc = memtype_mtrr_lookup(r->m, probes[i], &hit);
		if (rc != -ERANGE)
			mismatch(r, probes[i], "lookup beyond 2^%u: expected -ERANGE, got %d", P,
				 rc);
		if (!map)
			continue;
		rc = memtype_map_query(map, probes[i], &q);
		if (rc != -ERANGE)
			mismatch(r, probes[i], "map_query beyond 2^%u: expected -ERANGE, got %d", P,
				 rc);
		if (memtype_map_value_at(map, probes[i]) != UINT32_MAX)
			mismatch(r, probes[i], "map_value_at beyond 2^%u: expected UINT32_MAX", P);
	}
	g.in_case = 0;
}

/*
 * Map invariants (memtype.h): pieces sorted and contiguous over exactly
 * [0, 2^phys_bits - 1], adjacent pieces never identical in (value, src,
 * regs). Keeps a copy in r->pieces.
 *
 * A map with more than max_pieces pieces is only counted: memtype.h bounds
 * the pieces one non-contiguous mask's matched set needs, and whether the
 * whole map is bounded too is not settled (reported to the lead).
 */
static int check_map_shape(struct run *r, const memtype_map *map)
{
	size_t n = memtype_map_count(map);
	memtype_range x;

	free(r->pieces);
	r->pieces = NULL;
	r->npieces = 0;
	if (n == 0) {
		mismatch(r, 0, "build_map: a map of 0 pieces");
		return -1;
	}
	if (n > MAX_PIECES)
		g.over_max++;
	r->pieces = calloc(n, sizeof(*r->pieces));
	assert_non_null(r->pieces);
	for (size_t i = 0; i < n; i++) {
		if (memtype_map_get(map, i, &r->pieces[i]) != 0) {
			mismatch(r, 0, "map_get(%zu) of %zu failed", i, n);
			return -1;
		}
	}
	if (memtype_map_get(map, n, &x) != -ERANGE)
		mismatch(r, 0, "map_get(count = %zu) should be -ERANGE", n);
	r->npieces = n;
	if (r->pieces[0].start != 0 || r->pieces[n - 1].end != r->full) {
		mismatch(r, 0, "map covers [0x%llx, 0x%llx], expected [0, 0x%llx]",
			 (unsigned long long)r->pieces[0].start,
			 (unsigned long long)r->pieces[n - 1].end, (unsigned long long)r->full);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const memtype_range *a = &r->pieces[i], *b = &r->pieces[i + 1];

		if (a->start > a->end) {
			mismatch(r, a->start, "map piece %zu has start > end (0x%llx)", i,
				 (unsigned long long)a->end);
			return -1;
		}
		if (i + 1 == n)
			break;
		if (b->start != a->end + 1) {
			mismatch(r, a->end,
				 "map pieces %zu/%zu not contiguous: end 0x%llx, next "
				 "start 0x%llx",
				 i, i + 1, (unsigned long long)a->end,
				 (unsigned long long)b->start);
			return -1;
		}
		if (a->value == b->value && a->src == b->src && a->regs == b->regs)
			mismatch(r, b->start,
				 "map pieces %zu/%zu identical (%s src 0x%x regs "
				 "0x%llx) but not merged",
				 i, i + 1, tname((memtype_type)a->value), a->src,
				 (unsigned long long)a->regs);
	}
	return 0;
}

/*
 * Upper bound on the pieces the state's map needs: every valid pair's match
 * set is 2^h disjoint blocks (h = mask bits clear above its lowest set bit),
 * each adding at most two boundaries; the 88 fixed sub-ranges add 89.
 */
static uint64_t piece_bound(const struct run *r)
{
	uint64_t field = bits(12, r->o.phys_bits), total = 100;

	for (unsigned n = 0; n < oracle_vcnt(&r->o); n++) {
		uint64_t m = r->o.mask[n] & field;
		unsigned low, h = 0;

		if (!(r->o.mask[n] & (1ull << 11)) || m == 0)
			continue;
		low = (unsigned)__builtin_ctzll(m);
		for (unsigned b = low + 1; b < r->o.phys_bits; b++)
			if (!(m & (1ull << b)))
				h++;
		if (h >= 40)
			return UINT64_MAX;
		total += 2ull << h;
	}
	return total;
}

/* Edges of every valid pair's match set (all blocks when few, else a sample). */
static void pair_edges(struct run *r, struct addr_list *l)
{
	uint64_t field = bits(12, r->o.phys_bits);

	for (unsigned n = 0; n < oracle_vcnt(&r->o); n++) {
		uint64_t m = r->o.mask[n] & field, fb, base, sub;
		unsigned low, h;

		if (!(r->o.mask[n] & (1ull << 11)))
			continue;
		if (m == 0) {
			addr_push_edge(l, 0, r->full);
			addr_push_edge(l, r->full, r->full);
			continue;
		}
		low = (unsigned)__builtin_ctzll(m);
		fb = bits(low + 1, r->o.phys_bits) & ~m;
		base = r->o.base[n] & m;
		h = (unsigned)__builtin_popcountll(fb);
		if (h <= 4) {
			/* every subset of the free bits, by the (sub - fb) & fb walk */
			sub = 0;
			do {
				addr_push_edge(l, base | sub, r->full);
				addr_push_edge(l, (base | sub) + (1ull << low) - 1, r->full);
				sub = (sub - fb) & fb;
			} while (sub != 0);
		} else {
			for (unsigned i = 0; i < 24; i++) {
				sub = rnd(&r->rng) & fb;
				addr_push_edge(l, base | sub, r->full);
				addr_push_edge(l, (base | sub) + (1ull << low) - 1, r->full);
			}
		}
	}
}

/* A random address inside a random valid pair's match set, or a uniform one. */
static uint64_t addr_in_pair(struct run *r)
{
	uint64_t field = bits(12, r->o.phys_bits);
	unsigned vcnt = oracle_vcnt(&r->o);

	for (unsigned tries = 0; vcnt && tries < 4; tries++) {
		unsigned n = (unsigned)below(&r->rng, vcnt);
		uint64_t m = r->o.mask[n] & field;

		if (!(r->o.mask[n] & (1ull << 11)))
			continue;
		/* free bits (all but the mask) random, masked bits from the base */
		return (r->o.base[n] & m) | (rnd(&r->rng) & r->full & ~m);
	}
	return rnd(&r->rng) & r->full;
}

static void check_state(struct run *r)
{
	struct rng *rng = &r->rng;
	struct addr_list l = {0};
	memtype_map *map = NULL;
	size_t nedges;
	int rc;

	rc = memtype_mtrr_build_map(r->m, MAX_PIECES, &map);
	if (rc == -E2BIG) {
		g.e2big++;
		if (piece_bound(r) <= MAX_PIECES)
			mismatch(r, 0, "build_map: -E2BIG although at most %llu pieces are needed",
				 (unsigned long long)piece_bound(r));
		map = NULL;
	} else if (rc != 0) {
		mismatch(r, 0, "build_map: rc %d", rc);
		map = NULL;
	} else if (!map) {
		mismatch(r, 0, "build_map: returned 0 and no map");
	} else if (check_map_shape(r, map) != 0) {
		memtype_map_free(map);
		map = NULL;
	}

	/* edges: fixed-range sub-ranges, 1 MiB, the top, every pair's blocks */
	addr_push_edge(&l, 0, r->full);
	addr_push_edge(&l, ONE_MIB - 1, r->full);
	addr_push_edge(&l, ONE_MIB, r->full);
	addr_push_edge(&l, r->full, r->full);
	addr_push(&l, r->full - 1);
	/*
	 * Fixed sub-range edges (SDM Table 11-9): 64 KiB granules below 512 KiB,
	 * 16 KiB up to 768 KiB, 4 KiB up to 1 MiB.
	 */
	for (uint64_t a = 0; a < ONE_MIB;) {
		uint64_t gran = a < 0x80000 ? 0x10000 : a < 0xc0000 ? 0x4000 : 0x1000;

		addr_push(&l, a);
		addr_push(&l, a + gran - 1);
		a += gran;
	}
	pair_edges(r, &l);
	if (map) {
		size_t step = r->npieces > 512 ? r->npieces / 512 : 1;

		for (size_t i = 0; i < r->npieces; i += step) {
			addr_push_edge(&l, r->pieces[i].start, r->full);
			addr_push_edge(&l, r->pieces[i].end, r->full);
		}
	}
	nedges = l.n;

	/* random addresses of several shapes */
	for (unsigned i = 0; i < r->p->random_addrs; i++) {
		uint64_t a;

		switch (below(rng, 6)) {
		case 0:
			a = rnd(rng) & r->full;
			break;
		case 1:
			a = rnd(rng) & bits(0, (unsigned)below(rng, r->o.phys_bits + 1));
			break;
		case 2:
			a = below(rng, 2 * ONE_MIB);
			break;
		case 3:
			a = addr_in_pair(r);
			break;
		default: {
			uint64_t e = l.a[below(rng, nedges)];
			uint64_t d = pct(rng, 50) ? below(rng, 16) : below(rng, 0x10000);

			a = (pct(rng, 50) ? e + d : e - d) & r->full;
			break;
		}
		}
		addr_push(&l, a);
	}

	for (size_t i = 0; i < l.n; i++)
		check_addr(r, map, l.a[i]);
	check_out_of_range(r, map);

	free(l.a);
	free(r->pieces);
	r->pieces = NULL;
	r->npieces = 0;
	memtype_map_free(map);
}

/* ---------------------------------------------------------------------------
 * Profiles.
 */

static void run_profile(const struct profile *p)
{
	struct run r;
	unsigned nstates = (unsigned)((double)p->states * g.scale + 0.5);
	unsigned long long cases0 = g.cases;

	if (nstates == 0)
		nstates = 1;
	if (g.replay)
		nstates = 1;
	memset(&r, 0, sizeof(r));
	r.p = p;
	r.ctx = memtype_ctx_new(NULL, NULL);
	assert_non_null(r.ctx);
	g.prof_diffs = 0;
	for (unsigned i = 0; i < nstates; i++) {
		r.state_no = i;
		r.seed = g.replay ? g.replay_seed : seed_of(p->seed, i);
		r.rng.s = r.seed;
		gen_state(&r);
		check_state(&r);
		memtype_mtrr_free(r.m);
		r.m = NULL;
		g.states++;
	}
	memtype_ctx_free(r.ctx);
	printf("# differential %s: %u states, %llu cases, %llu differences\n", p->name, nstates,
	       g.cases - cases0, g.prof_diffs);
	fflush(stdout);
	if (g.prof_diffs)
		fail_msg("profile %s: %llu differences (see MISMATCH lines; replay one state with "
			 "MEMTYPE_DIFF_SEED=<seed>)",
			 p->name, g.prof_diffs);
}

/*
 * Whole space, VCNT 0..16, mostly contiguous masks, overlaps from nesting.
 * seed: "memtype" in ASCII.
 */
static void test_typical(void **state)
{
	static const struct profile p = {
	    .name = "typical",
	    .seed = 0x6d656d74797065ull,
	    .states = 2600,
	    .vcnt_lo = 0,
	    .vcnt_hi = 16,
	    .noncontig_pct = 15,
	    .random_addrs = 160,
	};

	(void)state;
	run_profile(&p);
}

/* Every range inside one random window: dense overlaps of a small type palette. */
static void test_overlap(void **state)
{
	static const struct profile p = {
	    .name = "overlap",
	    .seed = 0x6f7665726c6170ull,
	    .states = 1800,
	    .vcnt_lo = 2,
	    .vcnt_hi = 16,
	    .noncontig_pct = 20,
	    .window = 1,
	    .random_addrs = 200,
	};

	(void)state;
	run_profile(&p);
}

/* Ranges below 16 MiB: the fixed/variable boundary with FE and FIX on or off. */
static void test_low_memory(void **state)
{
	static const struct profile p = {
	    .name = "low-memory",
	    .seed = 0x6c6f776d656dull,
	    .states = 1400,
	    .vcnt_lo = 1,
	    .vcnt_hi = 10,
	    .noncontig_pct = 20,
	    .window = 2,
	    .random_addrs = 200,
	};

	(void)state;
	run_profile(&p);
}

/* VCNT 17..40: provenance bits above 16 (see PAIR_SLOTS for why not 64). */
static void test_wide_vcnt(void **state)
{
	static const struct profile p = {
	    .name = "wide-vcnt",
	    .seed = 0x77696465ull,
	    .states = 500,
	    .vcnt_lo = 17,
	    .vcnt_hi = PAIR_SLOTS,
	    .noncontig_pct = 15,
	    .random_addrs = 200,
	};

	(void)state;
	run_profile(&p);
}

/* Mostly non-contiguous masks, and now and then a pathological sparse one (-E2BIG). */
static void test_noncontiguous(void **state)
{
	static const struct profile p = {
	    .name = "noncontiguous",
	    .seed = 0x686f6c6573ull,
	    .states = 500,
	    .vcnt_lo = 1,
	    .vcnt_hi = 12,
	    .noncontig_pct = 80,
	    .sparse_pct = 12,
	    .random_addrs = 200,
	};

	(void)state;
	run_profile(&p);
}

/*
 * Every index of the MTRR block 0x200-0x2FE (IA32_PAT aside) that this CPU
 * does not implement: pairs >= VCNT, the fixed MSRs without MTRRcap.FIX and
 * the gaps between them. WRMSR and RDMSR of an unimplemented MSR raise #GP
 * (SDM Vol. 2B WRMSR/RDMSR; §11.11.1 for VCNT and FIX), which memtype.h maps
 * to -EINVAL for both calls ("an index that is not an MTRR MSR this CPU has
 * ... is also #GP"; rdmsr "-EINVAL (#GP) for an MSR this CPU does not have").
 */
static void test_unimplemented_msr(void **state)
{
	static const struct profile p = {
	    .name = "unimplemented-msr",
	    .seed = 0x6e6f6d7372ull,
	    .states = 40,
	};
	struct run r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.p = &p;
	r.ctx = memtype_ctx_new(NULL, NULL);
	assert_non_null(r.ctx);
	g.prof_diffs = 0;
	for (unsigned i = 0; i < p.states; i++) {
		unsigned P, vcnt;
		uint64_t cap;

		r.state_no = i;
		r.seed = seed_of(p.seed, i);
		r.rng.s = r.seed;
		P = (unsigned)between(&r.rng, 36, 52);
		vcnt = (unsigned)below(&r.rng, PAIR_SLOTS + 1);
		cap = vcnt | (pct(&r.rng, 50) ? MEMTYPE_MTRRCAP_FIX : 0) | MEMTYPE_MTRRCAP_WC;
		r.full = bits(0, P);
		oracle_init(&r.o, P, cap);
		r.m = memtype_mtrr_new(r.ctx, P, cap);
		assert_non_null(r.m);
		do_write(&r, MEMTYPE_MSR_MTRR_DEF_TYPE, valid_def_type(&r.rng, 50, 50), 1);
		for (uint32_t idx = 0x200; idx < 0x2ff; idx++) {
			uint64_t v;
			int rc;

			if (idx == MEMTYPE_MSR_PAT || oracle_rdmsr(&r.o, idx, &v))
				continue;
			rc = memtype_mtrr_rdmsr(r.m, idx, &v);
			if (rc != -EINVAL)
				mismatch(&r, 0,
					 "rdmsr 0x%x (not implemented): expected #GP (-EINVAL), "
					 "got %d",
					 idx, rc);
			do_write(&r, idx, 0, 0);
			do_write(&r, idx, rnd(&r.rng), 0);
		}
		memtype_mtrr_free(r.m);
		r.m = NULL;
	}
	memtype_ctx_free(r.ctx);
	if (g.prof_diffs)
		fail_msg("unimplemented MSRs: %llu differences", g.prof_diffs);
}

/* Reset state: everything UC (E = 0), one-piece map. */
static void test_reset(void **state)
{
	memtype_ctx *ctx = memtype_ctx_new(NULL, NULL);

	(void)state;
	assert_non_null(ctx);
	g.prof_diffs = 0;
	for (unsigned P = 32; P <= 52; P++) {
		static const struct profile p = {.name = "reset"};
		struct run r;
		memtype_map *map = NULL;

		memset(&r, 0, sizeof(r));
		r.p = &p;
		r.ctx = ctx;
		r.seed = P;
		r.rng.s = P;
		r.full = bits(0, P);
		oracle_init(&r.o, P, MEMTYPE_MTRRCAP_KVM);
		r.m = memtype_mtrr_new(ctx, P, MEMTYPE_MTRRCAP_KVM);
		assert_non_null(r.m);
		compare_all_msrs(&r, "after reset");
		assert_int_equal(memtype_mtrr_build_map(r.m, MAX_PIECES, &map), 0);
		assert_int_equal(memtype_map_count(map), 1);
		assert_int_equal(check_map_shape(&r, map), 0);
		for (unsigned i = 0; i < 64; i++)
			check_addr(&r, map, i < 32 ? rnd(&r.rng) & r.full : below(&r.rng, ONE_MIB));
		check_out_of_range(&r, map);
		free(r.pieces);
		memtype_map_free(map);
		memtype_mtrr_free(r.m);
	}
	memtype_ctx_free(ctx);
	if (g.prof_diffs)
		fail_msg("reset state: %llu differences", g.prof_diffs);
}

static void test_summary(void **state)
{
	(void)state;
	printf("# differential: %llu cases, %llu differences (%llu states, %llu WRMSR verdicts "
	       "of which %llu #GP, %llu maps skipped for -E2BIG; %llu register/map-shape "
	       "differences)\n",
	       g.cases, g.case_diffs, g.states, g.writes, g.gp_writes, g.e2big,
	       g.diffs - g.case_diffs);
	fflush(stdout);
	if (g.over_max)
		printf("# note: %llu maps were built with more than max_pieces = %u pieces\n",
		       g.over_max, MAX_PIECES);
	printf("# coverage:");
	for (unsigned i = 0; i < 8; i++)
		printf(" %s=%llu", cover_names[i], g.cover[i]);
	printf("\n");
	fflush(stdout);
	if (g.diffs)
		fail_msg("%llu differences; first in profile %s, seed 0x%016llx", g.diffs,
			 g.first_profile, (unsigned long long)g.first_seed);
	if (g.scale >= 1.0 && !g.replay && g.cases < MIN_CASES)
		fail_msg("only %llu cases, expected at least %llu", g.cases, MIN_CASES);
	for (unsigned i = 0; i < 8 && g.scale >= 1.0 && !g.replay; i++)
		if (g.cover[i] == 0)
			fail_msg("the generator never reached outcome \"%s\"", cover_names[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reset),
	    cmocka_unit_test(test_typical),
	    cmocka_unit_test(test_overlap),
	    cmocka_unit_test(test_low_memory),
	    cmocka_unit_test(test_wide_vcnt),
	    cmocka_unit_test(test_noncontiguous),
	    cmocka_unit_test(test_unimplemented_msr),
	    cmocka_unit_test(test_summary),
	};
	const char *s = getenv("MEMTYPE_DIFF_SCALE");
	const char *seed = getenv("MEMTYPE_DIFF_SEED");

	g.scale = 1.0;
	if (s && *s) {
		g.scale = strtod(s, NULL);
		if (!(g.scale > 0.0) || g.scale > 1.0)
			g.scale = 1.0;
	}
	if (seed && *seed) {
		g.replay = 1;
		g.replay_seed = strtoull(seed, NULL, 0);
	}
	return cmocka_run_group_tests_name("differential", tests, NULL, NULL);
}
