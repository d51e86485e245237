/*
 * linux_cleanup.c - Linux's MTRR "sanitizer" (mtrr_cleanup) and the e820
 * trim (mtrr_trim_uncached_memory), modelled from their description in
 * ../shared/reference/guest-firmware.md §2.6 and the behaviour of
 * arch/x86/kernel/cpu/mtrr/cleanup.c (Yinghai Lu, 2.6.26 "x86: mtrr cleanup
 * for converting continuous to discrete layout", unchanged in substance
 * through 6.x; 6.5 only moved its debug output under mtrr=debug,
 * 7c1dee734f3b) and kernel/range.c (add_range_with_merge, subtract_range,
 * clean_sort_range). No code is copied; the arithmetic is reproduced
 * exactly because its results are printed and checked against real logs.
 *
 * The cleanup, in outline:
 *  1. Gates: MTRRs enabled, enable_mtrr_cleanup >= 1, default type UC,
 *     some variable range UC and every used one WB or UC.
 *  2. "Covered RAM" = [0, 1 MiB) + every WB range - every UC/WP range (a
 *     UC/WP range below 1 MiB with fixed MTRRs on is the "strange UC entry"
 *     BIOS bug and is clipped at 1 MiB) - [4 GiB, TOM2); page granular,
 *     merged, sorted. Its size is printed as "total RAM covered: %ldM".
 *  3. For every granularity 64K..2G and chunk gran..2G (136 pairs; Red Hat's
 *     kernels, RHEL 6 2.6.32 and RHEL 7 3.10, search chunks up to
 *     2^address_bits with 264 results -- halfline/rhel7 cleanup.c) the
 *     covered set is laid out again as WB blocks with at most one UC hole
 *     per run (x86_setup_var_mtrrs: a run is extended to a multiple of the
 *     chunk when the excess is less than half of it, and the excess becomes
 *     a UC range; each piece is split into naturally aligned powers of two),
 *     the new coverage is computed the same way, and the result records the
 *     register count, the RAM lost, and "bad" (more coverage, or the same
 *     amount over a different set).
 *  4. The smallest register count <= VCNT - spare that loses nothing wins;
 *     the first non-bad lossless result with that count (smallest gran,
 *     then chunk) is applied.
 * Sizes are kept in KiB and pages as the kernel does, with its unsigned
 * wrap-around, so the printed numbers come out identical. The search itself
 * is cheaper than the kernel's and gives the same table: a granularity that
 * divides every bound of the covered set changes no layout, so its results
 * are copied from the 64K ones, and each distinct layout is measured once.
 */
#include "linux_cleanup.h"

#include <stddef.h>
#include <string.h>

#define PSHIFT	       2u /* PAGE_SHIFT - 10 */
#define PFN_1M	       (1ull << (20 - 12))
#define MTRR_UC	       0u
#define MTRR_WP	       5u
#define MTRR_WB	       6u
#define MTRR_NUM_TYPES 7u

/* ------------------------------------------------------------ range sets */

/* A set of page ranges [s, e), sorted, disjoint and never touching, which is
 * what add_range_with_merge + subtract_range + clean_sort_range produce. */
struct rset {
	unsigned n;
	struct {
		uint64_t s, e;
	} r[MT_CLEANUP_RANGES];
};

/* Union with [s, e): ranges that overlap or touch it merge into one. */
static void rset_add(struct rset *set, uint64_t s, uint64_t e)
{
	unsigned i = 0, o = 0;

	if (s >= e)
		return;
	while (i < set->n && set->r[i].e < s)
		i++;
	o = i;
	while (i < set->n && set->r[i].s <= e) {
		if (set->r[i].s < s)
			s = set->r[i].s;
		if (set->r[i].e > e)
			e = set->r[i].e;
		i++;
	}
	/* Entries [o, i) are replaced by one. */
	if (o == i) {
		if (set->n >= MT_CLEANUP_RANGES)
			return; /* the kernel's array is full too */
		memmove(&set->r[o + 1], &set->r[o], (set->n - o) * sizeof(set->r[0]));
		set->n++;
	} else if (i - o > 1) {
		memmove(&set->r[o + 1], &set->r[i], (set->n - i) * sizeof(set->r[0]));
		set->n -= i - o - 1;
	}
	set->r[o].s = s;
	set->r[o].e = e;
}

/* Difference with [s, e). */
static void rset_sub(struct rset *set, uint64_t s, uint64_t e)
{
	if (s >= e)
		return;
	for (unsigned i = 0; i < set->n; i++) {
		uint64_t a = set->r[i].s, b = set->r[i].e;

		if (e <= a || s >= b)
			continue;
		if (s <= a && e >= b) {
			memmove(&set->r[i], &set->r[i + 1], (set->n - i - 1) * sizeof(set->r[0]));
			set->n--;
			i--;
		} else if (s <= a) {
			set->r[i].s = e;
		} else if (e >= b) {
			set->r[i].e = s;
		} else {
			if (set->n >= MT_CLEANUP_RANGES) {
				set->r[i].e = s; /* "run out of slot in ranges" */
				continue;
			}
			memmove(&set->r[i + 2], &set->r[i + 1],
				(set->n - i - 1) * sizeof(set->r[0]));
			set->n++;
			set->r[i].e = s;
			set->r[i + 1].s = e;
			set->r[i + 1].e = b;
			i++;
		}
	}
}

static uint64_t rset_sum(const struct rset *set)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < set->n; i++)
		sum += set->r[i].e - set->r[i].s;
	return sum;
}

static bool rset_eq(const struct rset *a, const struct rset *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned i = 0; i < a->n; i++)
		if (a->r[i].s != b->r[i].s || a->r[i].e != b->r[i].e)
			return false;
	return true;
}

/* ------------------------------------------------------------ registers */

/* range_state[]: page-granular base/size/type per register. */
struct rstate {
	uint64_t base_pfn, size_pfn;
	uint8_t type;
};

/*
 * x86_get_mtrr_mem_range(): add the WB ranges to set, take the UC and WP
 * ranges out (clipping the below-1-MiB BIOS bug), then [xs, xe).
 */
static void mem_range(const struct mt_cleanup_in *in, const struct rstate *rs, unsigned nvar,
		      struct rset *set, uint64_t xs, uint64_t xe, unsigned *strange)
{
	for (unsigned i = 0; i < nvar; i++)
		if (rs[i].type == MTRR_WB)
			rset_add(set, rs[i].base_pfn, rs[i].base_pfn + rs[i].size_pfn);
	for (unsigned i = 0; i < nvar; i++) {
		uint64_t base = rs[i].base_pfn, size = rs[i].size_pfn;

		if ((rs[i].type != MTRR_UC && rs[i].type != MTRR_WP) || size == 0)
			continue;
		if (base < PFN_1M && in->have_fixed && in->enabled && in->fixed_enabled) {
			if (strange && i < 32)
				*strange |= 1u << i;
			if (base + size <= PFN_1M)
				continue;
			size -= PFN_1M - base;
			base = PFN_1M;
		}
		rset_sub(set, base, base + size);
	}
	if (xe > xs)
		rset_sub(set, xs, xe);
}

/*
 * x86_setup_var_mtrrs() in two steps: the runs of the covered set become
 * pieces, each a range_to_mtrr() call to make (plan() below), and the
 * pieces become registers, in order, until the registers run out
 * (lay_out()). Each piece takes at least one register, so with nvar
 * registers the pieces after the first nvar would find none left: planning
 * stops there, as the kernel stops taking runs when the registers are used
 * up.
 */
struct piece {
	uint64_t startk, sizek; /* KiB, sizek > 0 */
	uint8_t type;
};

/* Layout state of x86_setup_var_mtrrs (struct var_mtrr_state), in KiB. */
struct layout {
	uint64_t range_startk, range_sizek, chunk_sizek, gran_sizek;
	unsigned n, max; /* pieces made; at most nvar */
	struct piece *pc;
};

/* __ffs() and __fls() of the kernel; v != 0. */
static unsigned ctz64(uint64_t v)
{
	return (unsigned)__builtin_ctzll(v);
}

static unsigned floor_log2(uint64_t v)
{
	return 63u - (unsigned)__builtin_clzll(v);
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* range_to_mtrr(): cover [startk, startk + sizek) with naturally aligned
 * power-of-two blocks, largest first, in rs[reg, nvar) (save_var_mtrr():
 * KiB to pages, truncating, as the kernel does). Returns the next reg. */
static unsigned to_mtrr(struct rstate *rs, unsigned nvar, unsigned reg, uint64_t startk,
			uint64_t sizek, uint8_t type)
{
	if (!sizek || reg >= nvar)
		return reg;
	while (sizek) {
		unsigned max_align = startk ? ctz64(startk) : 63u;
		unsigned align = floor_log2(sizek);

		if (align > max_align)
			align = max_align;
		uint64_t blk = 1ull << align;
		rs[reg].base_pfn = startk >> PSHIFT;
		rs[reg].size_pfn = blk >> PSHIFT;
		rs[reg].type = type;
		reg++;
		startk += blk;
		sizek -= blk;
		if (reg >= nvar)
			break;
	}
	return reg;
}

/* A range_to_mtrr() call for later. */
static void piece(struct layout *l, uint64_t startk, uint64_t sizek, uint8_t type)
{
	if (sizek && l->n < l->max)
		l->pc[l->n++] = (struct piece){startk, sizek, type};
}

/*
 * range_to_mtrr_with_hole(): write the pending run [range_startk, +range_sizek)
 * given that the next run starts at basek (size sizek; both 0 for the last
 * run). The run is first trimmed to the granularity; then, if rounding it up
 * to the chunk size overshoots, the overshoot becomes a UC hole -- unless it
 * would be half the block or more, in which case one chunk less is tried --
 * and a rounded block that reaches into the next run lends it its head
 * ("second_sizek", returned).
 */
static uint64_t with_hole(struct layout *l, uint64_t basek, uint64_t sizek)
{
	uint64_t hole_sizek = 0, second_sizek = 0, range_basek, range_sizek;
	uint64_t chunk = l->chunk_sizek, gran = l->gran_sizek;

	range_basek = align_up(l->range_startk, gran);
	if (range_basek > basek && basek)
		return 0;
	l->range_sizek -= range_basek - l->range_startk;
	range_sizek = align_up(l->range_sizek, gran);
	while (range_sizek > l->range_sizek) {
		range_sizek -= gran;
		if (!range_sizek)
			return 0;
	}
	l->range_sizek = range_sizek;

	uint64_t range0_basek = l->range_startk;
	uint64_t range0_sizek = align_up(l->range_sizek, chunk);
	if (range0_sizek == l->range_sizek) {
		piece(l, range0_basek, l->range_sizek, MTRR_WB);
		return 0;
	}
	/* Do not run into the next range (unless this is the last one). */
	if (sizek) {
		while (range0_basek + range0_sizek > basek + sizek) {
			range0_sizek = range0_sizek >= chunk ? range0_sizek - chunk : 0;
			if (!range0_sizek)
				break;
		}
	}
	for (;;) {
		range_basek = range0_basek + range0_sizek;
		if (range_basek > basek && range_basek <= basek + sizek)
			second_sizek = range_basek - basek;
		if (range0_sizek > l->range_sizek) {
			hole_sizek = range0_sizek - l->range_sizek - second_sizek;
			if (hole_sizek >= (range0_sizek >> 1) && range0_sizek >= chunk) {
				range0_sizek -= chunk;
				second_sizek = 0;
				hole_sizek = 0;
				continue;
			}
		}
		break;
	}
	if (range0_sizek)
		piece(l, range0_basek, range0_sizek, MTRR_WB);
	if (range0_sizek < l->range_sizek)
		piece(l, range_basek, l->range_sizek - range0_sizek, MTRR_WB);
	if (hole_sizek)
		piece(l, range_basek - hole_sizek - second_sizek, hole_sizek, MTRR_UC);
	return second_sizek;
}

/* set_var_mtrr_range(): extend the pending run, or flush it and start anew. */
static void add_run(struct layout *l, uint64_t base_pfn, uint64_t size_pfn)
{
	uint64_t second = 0, basek, sizek;

	if (l->n >= l->max)
		return;
	basek = base_pfn << PSHIFT;
	sizek = size_pfn << PSHIFT;
	if (basek <= 1024 || l->range_startk + l->range_sizek == basek) {
		l->range_sizek = basek + sizek - l->range_startk;
		return;
	}
	if (l->range_sizek != 0)
		second = with_hole(l, basek, sizek);
	l->range_startk = basek + second;
	l->range_sizek = sizek - second;
}

/* The pieces of set with chunk/gran for nvar registers, in pc[0, count)
 * (count <= nvar); returns the count. */
static unsigned plan(const struct rset *set, unsigned nvar, uint64_t chunk, uint64_t gran,
		     struct piece *pc)
{
	struct layout l = {
	    .chunk_sizek = chunk >> 10, .gran_sizek = gran >> 10, .max = nvar, .pc = pc};

	for (unsigned i = 0; i < set->n; i++)
		add_run(&l, set->r[i].s, set->r[i].e - set->r[i].s);
	if (l.range_sizek != 0)
		with_hole(&l, 0, 0);
	return l.n;
}

/* The registers of pieces pc[0, n) in rs[0, count) (the registers after
 * those stay unused, and rs is not written there); returns the count. */
static unsigned lay_out(const struct piece *pc, unsigned n, unsigned nvar, struct rstate *rs)
{
	unsigned reg = 0;

	for (unsigned i = 0; i < n && reg < nvar; i++)
		reg = to_mtrr(rs, nvar, reg, pc[i].startk, pc[i].sizek, pc[i].type);
	return reg;
}

/* x86_setup_var_mtrrs(): lay out set with chunk/gran in rs[0, count);
 * returns the count. pc is room for nvar pieces. */
static unsigned setup_var(const struct rset *set, unsigned nvar, uint64_t chunk, uint64_t gran,
			  struct piece *pc, struct rstate *rs)
{
	return lay_out(pc, plan(set, nvar, chunk, gran, pc), nvar, rs);
}

/* ------------------------------------------------------------ cleanup */

/* mtrr_if->get() for <= 6.4 (generic_get_mtrr): size from the mask with every
 * bit at and above its highest set bit forced to 1. */
static void get_state(const struct mt_cleanup_in *in, struct rstate *rs)
{
	for (unsigned i = 0; i < in->nvar; i++) {
		rs[i].base_pfn = in->var[i].base >> 12;
		rs[i].size_pfn = in->var[i].size >> 12;
		rs[i].type = in->var[i].size ? in->var[i].type : 0;
	}
}

/* How many used ranges have each type; num[MTRR_NUM_TYPES] counts the
 * unused (size 0) ones, as the kernel's num[] array does. */
static void count_types(const struct rstate *rs, unsigned nvar, unsigned num[MTRR_NUM_TYPES + 1])
{
	for (unsigned i = 0; i < nvar; i++) {
		unsigned t = rs[i].type;

		if (t >= MTRR_NUM_TYPES)
			continue;
		if (!rs[i].size_pfn)
			t = MTRR_NUM_TYPES;
		num[t]++;
	}
}

/* mtrr_need_cleanup(): some UC, and only WB and UC among the used ones. */
static bool need_cleanup(const struct rstate *rs, unsigned nvar)
{
	unsigned num[MTRR_NUM_TYPES + 1] = {0};

	count_types(rs, nvar, num);
	if (!num[MTRR_UC])
		return false;
	return num[MTRR_WB] + num[MTRR_UC] == nvar - num[MTRR_NUM_TYPES];
}

/*
 * The search meets the same pieces many times (a chunk too small to round
 * any run makes the same ones as a chunk too large to fit), and everything
 * calc() derives from them -- the registers, their count, the coverage --
 * depends on nothing else: each distinct list of pieces is laid out and
 * measured once and remembered here, found through an open-addressed table
 * of its hash and compared piece by piece. A full memo only stops
 * remembering.
 */
#define MEMO_SLOTS  64u
#define MEMO_PIECES 1024u
#define MEMO_TABLE  256u /* a power of two, > MEMO_SLOTS */

struct memo {
	unsigned n, used;	   /* entries; pieces of pool in use */
	unsigned last;		   /* entry index + 1 of the previous calc(), 0 none */
	uint8_t table[MEMO_TABLE]; /* entry index + 1, 0 for an empty slot */
	struct {
		uint64_t hash, sums; /* sums: pages covered by the registers */
		unsigned first, npieces, num_reg;
		bool same; /* covers exactly the original set */
	} e[MEMO_SLOTS];
	struct piece pool[MEMO_PIECES];
};

struct search {
	const struct mt_cleanup_in *in;
	const struct rset *orig;
	uint64_t sums, xs, xe;
	uint64_t min_loss[MT_CLEANUP_MAX_VAR + 1];
	struct rstate rs[MT_CLEANUP_MAX_VAR];
	struct piece pc[MT_CLEANUP_MAX_VAR];
	struct memo memo;
};

static uint64_t pieces_hash(const struct piece *pc, unsigned n)
{
	uint64_t h = n;

	for (unsigned i = 0; i < n; i++) {
		h = (h ^ pc[i].startk) * 0x9e3779b97f4a7c15ull;
		h = (h ^ (pc[i].sizek << 8 | pc[i].type)) * 0x9e3779b97f4a7c15ull;
	}
	return h ^ h >> 32;
}

/* Entry i holds the n pieces pc. */
static bool memo_is(const struct memo *mo, unsigned i, const struct piece *pc, unsigned n)
{
	const struct piece *q = &mo->pool[mo->e[i].first];

	if (mo->e[i].npieces != n)
		return false;
	for (unsigned k = 0; k < n; k++)
		if (q[k].startk != pc[k].startk || q[k].sizek != pc[k].sizek ||
		    q[k].type != pc[k].type)
			return false;
	return true;
}

/* mtrr_calc_range_state() for one chunk/gran pair. */
static void calc(struct search *s, uint64_t chunk, uint64_t gran, struct mt_cap_result *res)
{
	struct memo *mo = &s->memo;
	unsigned np = plan(s->orig, s->in->nvar, chunk, gran, s->pc), num_reg, t = 0, hit = 0;
	uint64_t h = 0, sums_new;
	bool same;

	/* hit: entry index + 1. The next chunk often makes the same pieces as
	 * the last: that is tried first, without hashing. */
	if (mo->last && memo_is(mo, mo->last - 1, s->pc, np)) {
		hit = mo->last;
	} else {
		h = pieces_hash(s->pc, np);
		t = (unsigned)(h & (MEMO_TABLE - 1));
		for (; mo->table[t]; t = (t + 1) & (MEMO_TABLE - 1)) {
			unsigned i = mo->table[t] - 1u;

			if (mo->e[i].hash == h && memo_is(mo, i, s->pc, np)) {
				hit = i + 1;
				break;
			}
		}
	}
	if (hit) {
		num_reg = mo->e[hit - 1].num_reg;
		sums_new = mo->e[hit - 1].sums;
		same = mo->e[hit - 1].same;
		mo->last = hit;
	} else {
		struct rset nw;

		num_reg = lay_out(s->pc, np, s->in->nvar, s->rs);
		nw.n = 0; /* only the first n entries are ever read */
		mem_range(s->in, s->rs, num_reg, &nw, s->xs, s->xe, NULL);
		sums_new = rset_sum(&nw);
		same = sums_new == s->sums && rset_eq(&nw, s->orig);
		if (mo->n < MEMO_SLOTS && np <= MEMO_PIECES - mo->used) {
			mo->e[mo->n].hash = h;
			mo->e[mo->n].sums = sums_new;
			mo->e[mo->n].first = mo->used;
			mo->e[mo->n].npieces = np;
			mo->e[mo->n].num_reg = num_reg;
			mo->e[mo->n].same = same;
			memcpy(&mo->pool[mo->used], s->pc, np * sizeof(s->pc[0]));
			mo->used += np;
			mo->table[t] = (uint8_t)++mo->n; /* t: the empty slot the probe ended on */
			mo->last = mo->n;
		}
	}

	memset(res, 0, sizeof(*res));
	res->chunk = chunk >> 10 << 10;
	res->gran = gran >> 10 << 10;
	res->num_reg = num_reg;
	if (s->sums < sums_new) {
		res->lose = (sums_new - s->sums) << 12;
		res->bad = true;
	} else {
		res->lose = (s->sums - sums_new) << 12;
	}
	if (!res->bad && !res->lose && !same)
		res->bad = true;
	if (!res->bad && num_reg <= MT_CLEANUP_MAX_VAR && s->sums - sums_new < s->min_loss[num_reg])
		s->min_loss[num_reg] = s->sums - sums_new;
}

/* Rewrite the registers: the layout rs[0, num_reg), the rest unused. */
static void apply(const struct mt_cleanup_in *in, const struct rstate *rs, unsigned num_reg,
		  struct mt_cleanup_out *out)
{
	for (unsigned i = 0; i < in->nvar; i++) {
		struct rstate r = i < num_reg ? rs[i] : (struct rstate){0, 0, 0};

		out->var[i].base = r.base_pfn << 12;
		out->var[i].size = r.size_pfn << 12;
		out->var[i].type = r.size_pfn ? r.type : 0;
	}
	out->applied = true;
}

void mt_linux_cleanup(const struct mt_cleanup_in *in, struct mt_cleanup_out *out)
{
	struct rset orig;
	struct search s;
	struct rstate rs[MT_CLEANUP_MAX_VAR];

	/* Everything but the two arrays, which are filled as far as they are read. */
	memset(out, 0, offsetof(struct mt_cleanup_out, results));
	out->chosen = -1;
	out->nvar = in->nvar < MT_CLEANUP_MAX_VAR ? in->nvar : MT_CLEANUP_MAX_VAR;
	for (unsigned i = 0; i < out->nvar; i++)
		out->var[i] = in->var[i];
	if (!in->enabled) {
		out->reason = "MTRRs are disabled (DEF_TYPE.E = 0)";
		return;
	}
	if (!in->enable) {
		out->reason =
		    "disabled (enable_mtrr_cleanup < 1: CONFIG_MTRR_SANITIZER_ENABLE_DEFAULT=0 "
		    "or disable_mtrr_cleanup)";
		return;
	}
	if (in->def_type != MTRR_UC) {
		out->reason = "not needed: the default type is not UC";
		return;
	}
	if (in->nvar == 0 || in->nvar > MT_CLEANUP_MAX_VAR) {
		out->reason = "no variable MTRRs";
		return;
	}
	get_state(in, rs);
	if (!need_cleanup(rs, in->nvar)) {
		out->reason = "not needed: no UC variable range, or types other than WB and UC";
		return;
	}
	out->runs = true;

	s.in = in;
	s.memo.n = s.memo.used = s.memo.last = 0;
	memset(s.memo.table, 0, sizeof(s.memo.table));
	orig.n = 0;
	s.orig = &orig;
	s.xs = 1ull << (32 - 12);
	s.xe = in->tom2 ? in->tom2 >> 12 : 0;
	rset_add(&orig, 0, PFN_1M);
	mem_range(in, rs, in->nvar, &orig, s.xs, s.xe, &out->strange_uc);
	s.sums = rset_sum(&orig);
	out->total_mb = s.sums >> (20 - 12);

	if (in->chunk && in->gran) {
		for (unsigned i = 0; i <= MT_CLEANUP_MAX_VAR; i++)
			s.min_loss[i] = UINT64_MAX;
		out->user_tried = true;
		calc(&s, in->chunk, in->gran, &out->user);
		if (!out->user.bad) {
			apply(in, s.rs, setup_var(&orig, in->nvar, in->chunk, in->gran, s.pc, s.rs),
			      out);
			out->chosen = -2;
			out->result = out->user;
			out->reason = "applied the mtrr_gran_size/mtrr_chunk_size given";
			return;
		}
	}
	for (unsigned i = 0; i <= MT_CLEANUP_MAX_VAR; i++)
		s.min_loss[i] = UINT64_MAX;
	unsigned k = 0;
	unsigned cbits = in->chunk_bits >= 32 && in->chunk_bits <= 52 ? in->chunk_bits : 32;
	unsigned maxr =
	    in->max_results && in->max_results <= MT_CLEANUP_RESULTS ? in->max_results : 136u;
	/*
	 * The granularity only trims runs to multiples of itself (the start of
	 * range_to_mtrr_with_hole()); everything else in the layout is a sum of
	 * run bounds and multiples of the chunk, itself a multiple of gran. So
	 * while gran divides every bound of the covered set (in KiB), each run
	 * it meets is a multiple of it already, the trim changes nothing, and
	 * chunk C lays out exactly the registers it does with the first
	 * granularity, 64K: that result is copied, gran aside. 64K's row comes
	 * first and holds every chunk a later row can ask for.
	 */
	unsigned align = 63; /* log2 of the largest power of two dividing every bound, in KiB */
	for (unsigned i = 0; i < orig.n; i++) {
		if (orig.r[i].s && ctz64(orig.r[i].s) + PSHIFT < align)
			align = ctz64(orig.r[i].s) + PSHIFT;
		if (orig.r[i].e && ctz64(orig.r[i].e) + PSHIFT < align)
			align = ctz64(orig.r[i].e) + PSHIFT;
	}
	for (uint64_t gran = 1ull << 16; gran < 1ull << 32 && k < maxr; gran <<= 1) {
		bool as_64k = gran > 1ull << 16 && floor_log2(gran) - 10 <= align;

		for (uint64_t chunk = gran; chunk < 1ull << cbits && k < maxr; chunk <<= 1) {
			if (as_64k) {
				out->results[k] = out->results[floor_log2(chunk) - 16];
				out->results[k++].gran = gran;
			} else {
				calc(&s, chunk, gran, &out->results[k++]);
			}
		}
	}
	/* A failed search prints all NUM_RESULT entries, the unused ones as zeros. */
	memset(&out->results[k], 0, (maxr - k) * sizeof(out->results[0]));
	out->nresults = maxr;

	/* mtrr_search_optimal_index() */
	unsigned spare = in->spare >= in->nvar ? in->nvar - 1 : in->spare;
	int good = -1;
	for (unsigned i = in->nvar - spare; i > 0; i--)
		if (i <= MT_CLEANUP_MAX_VAR && s.min_loss[i] == 0)
			good = (int)i;
	if (good != -1)
		for (unsigned i = 0; i < k; i++)
			if (!out->results[i].bad && out->results[i].num_reg == (unsigned)good &&
			    !out->results[i].lose) {
				out->chosen = (int)i;
				break;
			}
	if (out->chosen < 0) {
		out->reason = "mtrr_cleanup: can not find optimal value";
		return;
	}
	out->result = out->results[out->chosen];
	apply(in, s.rs, setup_var(&orig, in->nvar, out->result.chunk, out->result.gran, s.pc, s.rs),
	      out);
	out->reason = "Found optimal setting for mtrr clean up";
}

/* ------------------------------------------------------------ trim */

void mt_linux_trim(const struct mt_cleanup_in *in, const struct mt_cleanup_reg *var, unsigned nvar,
		   const struct mt_trim_ram *ram, unsigned nram, bool disable_trim,
		   struct mt_trim_out *out)
{
	struct rset set;
	struct rstate rs[MT_CLEANUP_MAX_VAR];
	uint64_t highest = 0, end_pfn = 0;
	unsigned num[MTRR_NUM_TYPES + 1] = {0};

	memset(out, 0, sizeof(*out));
	if (disable_trim) {
		out->reason = "disable_mtrr_trim";
		return;
	}
	if (!in->enabled || in->def_type != MTRR_UC) {
		out->reason = "not done: the default type is not UC (or MTRRs are off)";
		return;
	}
	if (nvar > MT_CLEANUP_MAX_VAR)
		nvar = MT_CLEANUP_MAX_VAR;
	for (unsigned i = 0; i < nvar; i++) {
		rs[i].base_pfn = var[i].base >> 12;
		rs[i].size_pfn = var[i].size >> 12;
		rs[i].type = var[i].size ? var[i].type : 0;
		if (rs[i].type == MTRR_WB && rs[i].base_pfn + rs[i].size_pfn > highest)
			highest = rs[i].base_pfn + rs[i].size_pfn;
	}
	if (!highest) {
		out->blank = true;
		out->reason = "CPU MTRRs all blank - virtualized system.";
		return;
	}
	count_types(rs, nvar, num);
	if (!num[MTRR_WB] || num[MTRR_WB] + num[MTRR_UC] != nvar - num[MTRR_NUM_TYPES]) {
		out->reason = "not done: variable ranges other than WB and UC";
		return;
	}
	out->runs = true;
	set.n = 0;
	if (in->tom2)
		rset_add(&set, 1ull << (32 - 12), in->tom2 >> 12);
	mem_range(in, rs, nvar, &set, 0, 0, NULL);
	for (unsigned i = 0; i < nram; i++)
		if ((ram[i].end_excl >> 12) > end_pfn)
			end_pfn = ram[i].end_excl >> 12;

	/* The trimmed pieces: head, holes, top; each turns e820 RAM reserved. */
	struct rset trim;

	trim.n = 0;
	if (set.n == 0) {
		rset_add(&trim, 0, end_pfn);
	} else {
		if (set.r[0].s)
			rset_add(&trim, 0, set.r[0].s);
		for (unsigned i = 0; i + 1 < set.n; i++)
			if (set.r[i].e < set.r[i + 1].s)
				rset_add(&trim, set.r[i].e, set.r[i + 1].s);
		if (set.r[set.n - 1].e < end_pfn)
			rset_add(&trim, set.r[set.n - 1].e, end_pfn);
	}
	for (unsigned t = 0; t < trim.n; t++) {
		uint64_t a = trim.r[t].s << 12, b = trim.r[t].e << 12;
		for (unsigned i = 0; i < nram; i++) {
			uint64_t s0 = ram[i].start > a ? ram[i].start : a;
			uint64_t e0 = ram[i].end_excl < b ? ram[i].end_excl : b;
			if (s0 >= e0)
				continue;
			if (!out->lost) {
				out->first_start = s0;
				out->first_end = e0 - 1;
			}
			out->lost += e0 - s0;
		}
	}
	out->reason = out->lost ? "RAM not covered by WB is trimmed" : "all RAM is WB";
}
