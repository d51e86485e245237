/*
 * plan.c - the MTRR layout planner: the fewest variable MTRRs, with the
 * default type and the fixed ranges, that realize a target map exactly.
 *
 * Firmware has to turn a memory map (RAM WB, MMIO UC, a WC framebuffer, WP
 * flash) into MTRRs with only VCNT variable pairs. This file finds the
 * layout with the fewest pairs and proves that no layout of contiguous-mask
 * pairs does with fewer (docs/plan.md has the argument in full):
 *
 *  - A pair with a contiguous mask matches one naturally aligned power-of-two
 *    block of at least 4 KiB (SDM §11.11.4): a node of the binary trie over
 *    the address bits [MAXPHYADDR-1, 12]. An address's variable type is
 *    decided by the pairs on the nodes above it (SDM §11.11.4.1), so a layout
 *    is an assignment of at most one type to each trie node (two pairs on one
 *    node are never needed: one pair of their combined type does the same).
 *  - What the pairs above a node have applied is one of six states: none,
 *    UC, WC, WT, WP, WB. UC absorbs everything; WB then WT (or WT then WB)
 *    is WT and behaves as WT from then on; any other mix is undefined and is
 *    never used (docs/plan.md shows that doing so never saves a pair).
 *  - cost(node, state) = fewest pairs inside the node that give every
 *    address its target type. A node whose target is one type (or free)
 *    costs 0, 1 or "impossible" from a table; any other node costs
 *    min(children's sum, 1 + children's sum in every state one more pair can
 *    reach). Only nodes that straddle a change of type are visited: at most
 *    (pieces x address bits) of them, whatever the size of the space.
 *  - The default type changes only what "no pair" means, so the program runs
 *    for the five defaults at once, one vector lane each, and the cheapest
 *    default wins. The cost at the root is the exact minimum: the plan's
 *    lower bound is a proof, not an estimate.
 *  - Below 1 MiB the fixed ranges decide when FE = 1 (SDM §11.11.2.2 and
 *    §11.11.4.1 step 1), so the variable program treats that MiB as free;
 *    when the fixed sub-ranges cannot represent the map, FE = 0 and the
 *    pairs cover it too.
 *  - With too few pairs and best effort asked for, a second program keeps a
 *    vector per pair budget (0..VCNT) of the fewest WB-target bytes lost,
 *    every non-WB address staying exact: the trade-off Linux's mtrr_cleanup
 *    makes by grid search, solved exactly.
 *
 * Whatever the program says, the layout is then written as WRMSRs into a
 * fresh memtype_mtrr and its memtype_mtrr_build_map() compared with the
 * target piece by piece: a disagreement is an internal error (-EPROTO),
 * never a wrong answer. tests/oracle/plan_brute.c checks the counts against
 * an exhaustive search written independently of this file.
 */
#include "plan.h"

#include "mtrr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type indexes: the planner's order of the five MTRR types. */
enum { T_UC, T_WC, T_WT, T_WP, T_WB, NTYPES };
#define T_UNDEF 5u

/* Target classes of a page: a type index, or one of these. */
#define C_DEF	 5u /* unlisted in exact mode: whatever the default type is */
#define C_FREE	 6u /* unlisted in dont-care mode (or below 1 MiB with FE): any type */
#define NCLASSES 7u

/* States: 0 = no pair above, 1 + type index = what the pairs above give. */
#define NSTATES 6u
/* One lane per default type: 5 used, in two vectors of 4 (GCC/clang vector
 * extensions; with SSE2 each operation is one instruction). Costs stay below
 * 2^31 so that signed compares order them. */
#define LANES  8u
#define HALVES 2u
typedef int32_t v4 __attribute__((vector_size(16)));
#define INF	   0x3fffffff
#define LOST_INF   UINT64_MAX
#define PAGE_SHIFT 12u
#define MAX_BUDGET (MEMTYPE_MAX_VCNT + 1u)
#define MAX_MSRS   (2u + MT_FIXED_MSRS + 3u * MEMTYPE_MAX_VCNT)

static const memtype_type type_of[NTYPES] = {MEMTYPE_UC, MEMTYPE_WC, MEMTYPE_WT, MEMTYPE_WP,
					     MEMTYPE_WB};
/* The order in which equally good default types are preferred: UC first (the
 * safe choice, and the one Linux's mtrr_cleanup and trimming expect). */
static const unsigned default_order[NTYPES] = {T_UC, T_WB, T_WT, T_WP, T_WC};

int mt_plan_type_index(memtype_type t)
{
	for (int i = 0; i < (int)NTYPES; i++)
		if (type_of[i] == t)
			return i;
	return -1;
}

unsigned mt_plan_overlap(unsigned a, unsigned b)
{
	/* SDM Vol. 3A §11.11.4.1 "MTRR Precedences": identical types give that
	 * type; UC with anything gives UC; WT with WB gives WT; any other
	 * overlap is undefined. */
	if (a == b)
		return a;
	if (a == T_UC || b == T_UC)
		return T_UC;
	if ((a == T_WT && b == T_WB) || (a == T_WB && b == T_WT))
		return T_WT;
	return T_UNDEF;
}

/* The state after one more pair of type t over state s, or -1 when that
 * pair changes nothing or makes the type undefined. */
static int next_state(unsigned s, unsigned t)
{
	if (s == 0)
		return (int)t + 1;
	unsigned c = mt_plan_overlap(s - 1, t);
	if (c == T_UNDEF || c + 1 == s)
		return -1;
	return (int)c + 1;
}

/* The type an address gets in state s with default type d. */
static unsigned eff_type(unsigned s, unsigned d)
{
	return s ? s - 1 : d;
}

struct node {
	uint64_t lo;	  /* first page */
	int32_t child[2]; /* node index, or -1 - class of a uniform child */
	unsigned level;	  /* the node spans 2^level pages */
	v4 cost[NSTATES][HALVES];
};

struct planner {
	memtype_ctx *ctx;
	const memtype_plan_opts *o;
	const memtype_map *target;
	unsigned levels; /* the root spans 2^levels pages */
	/* The target as maximal runs of pages of one class. */
	size_t nseg, segcap, clscap;
	uint64_t *sstart;
	uint8_t *scls;
	size_t *fc, *chg; /* first cared segment at or after i; next change after it */
	size_t fcn;	  /* segments fc and chg were sized for */
	/* The straddling nodes of the trie, in pre-order. */
	size_t nnodes, nodecap;
	struct node *nodes;
	int32_t root;
	int err;
	/* Fixed ranges: classes present in each of the 88 sub-ranges (bit = class). */
	unsigned slot_mask[MEMTYPE_FIXED_RANGES];
	/* Best effort. */
	unsigned budget;
	uint64_t *lost; /* per node: NSTATES rows of budget + 1 */
	size_t lostn;
	uint64_t *freepfx; /* free pages in the segments before i (nseg + 1) */
	size_t freepfxn;
};

struct plan_msr {
	uint32_t index;
	uint64_t value;
};

struct memtype_plan {
	memtype_ctx *ctx;
	memtype_plan_summary sum;
	uint32_t counts[NTYPES];
	unsigned vcnt_hw; /* pairs of the CPU the layout is written to */
	uint64_t fixed[MT_FIXED_MSRS];
	size_t nvar, varcap;
	memtype_plan_var *var;
	size_t nmsr;
	struct plan_msr msr[MAX_MSRS];
	size_t nlost, lostcap;
	memtype_range *lost;
};

/* ---------------------------------------------------------------------------
 * Small helpers.
 */

/* Fixed sub-range k (0..87) of SDM Table 11-9: its first address and size. */
static void slot_bounds(unsigned k, uint64_t *start, uint64_t *size, unsigned *msr, unsigned *byte)
{
	unsigned i = k < 8 ? 0 : k < 24 ? 1 + (k - 8) / 8 : 3 + (k - 24) / 8;
	unsigned b = k < 8 ? k : k < 24 ? (k - 8) % 8 : (k - 24) % 8;
	*start = mt_fixed_msrs[i].start + (uint64_t)b * mt_fixed_msrs[i].granule;
	*size = mt_fixed_msrs[i].granule;
	*msr = i;
	*byte = b;
}

static const char *class_name(unsigned c)
{
	static const char *const names[NCLASSES] = {"UC", "WC",	      "WT",  "WP",
						    "WB", "unlisted", "free"};
	return names[c];
}

/* ---------------------------------------------------------------------------
 * The target as runs of pages.
 */

static unsigned class_of(const struct planner *pl, uint32_t value)
{
	if (value == MEMTYPE_PLAN_UNLISTED)
		return pl->o->dont_care ? C_FREE : C_DEF;
	int i = mt_plan_type_index((memtype_type)value);
	return i < 0 ? NCLASSES : (unsigned)i;
}

static int push_seg(struct planner *pl, uint64_t start, unsigned cls)
{
	if (pl->nseg && pl->scls[pl->nseg - 1] == cls)
		return 0;
	if (mt_plan_grow(pl->ctx, (void **)&pl->sstart, &pl->segcap, sizeof(*pl->sstart), pl->nseg + 1) ||
	    mt_plan_grow(pl->ctx, (void **)&pl->scls, &pl->clscap, sizeof(*pl->scls), pl->nseg + 1))
		return -ENOMEM;
	pl->sstart[pl->nseg] = start;
	pl->scls[pl->nseg++] = (uint8_t)cls;
	return 0;
}

/* Where a map piece came from, for diagnostics: the line, or 0. */
static int err_at(const struct planner *pl, const memtype_range *r, int status, const char *code,
		  const char *msg)
{
	if (r->src && pl->o->name)
		return mt_error_at(pl->ctx, status, pl->o->name, r->src, (unsigned)r->regs, code,
				   "%s", msg);
	return mt_error(pl->ctx, status, code, "%s", msg);
}

/*
 * Cut the target into maximal runs of 4 KiB pages of one class (free pages
 * between cared pieces form their own runs). With relaxed, the first MiB is
 * free. Two cared classes within one page are -EINVAL ("unaligned").
 */
static int build_segments(struct planner *pl, bool relaxed)
{
	size_t np = memtype_map_count(pl->target);
	uint64_t next = 0, last_page = 0;
	unsigned last = 0;
	bool have = false;
	memtype_range prev = {0};
	char msg[320];

	pl->nseg = 0;
	for (size_t i = 0; i < np; i++) {
		memtype_range r;
		memtype_map_get(pl->target, i, &r);
		unsigned cls = class_of(pl, r.value);
		if (cls == C_FREE)
			continue;
		uint64_t s = r.start;
		if (relaxed) {
			if (r.end < MT_ONE_MIB)
				continue;
			if (s < MT_ONE_MIB)
				s = MT_ONE_MIB;
		}
		uint64_t ps = s >> PAGE_SHIFT, pe = r.end >> PAGE_SHIFT;
		if (have && ps == last_page) {
			if (cls != last) {
				uint64_t edge = s;
				snprintf(msg, sizeof(msg),
					 "the boundary 0x%llx is not 4 KiB aligned: the page "
					 "0x%llx-0x%llx would be both %s and %s, but variable "
					 "MTRRs match whole aligned blocks of at least 4 KiB "
					 "(SDM Vol. 3A §11.11.4)",
					 (unsigned long long)edge,
					 (unsigned long long)(ps << PAGE_SHIFT),
					 (unsigned long long)((ps << PAGE_SHIFT) + 0xfff),
					 class_name(last), class_name(cls));
				return err_at(pl, r.src ? &r : &prev, -EINVAL, "unaligned", msg);
			}
			last_page = pe;
			next = pe + 1;
			prev = r;
			continue;
		}
		int rc = 0;
		if (ps > next)
			rc = push_seg(pl, next, C_FREE);
		if (!rc)
			rc = push_seg(pl, ps, cls);
		if (rc)
			return rc;
		have = true;
		last = cls;
		last_page = pe;
		next = pe + 1;
		prev = r;
	}
	if (next < (1ull << pl->levels) || pl->nseg == 0) {
		int rc = push_seg(pl, next, C_FREE);
		if (rc)
			return rc;
	}
	/* fc/chg: the uniformity test of a run of segments in O(1). */
	size_t n = pl->nseg;
	size_t *fc = mt_alloc(pl->ctx, 2 * n * sizeof(*fc));
	if (!fc)
		return -ENOMEM;
	mt_free(pl->ctx, pl->fc, 2 * pl->fcn * sizeof(*fc));
	pl->fc = fc;
	pl->chg = fc + n;
	for (size_t i = n; i-- > 0;) {
		bool cared = pl->scls[i] != C_FREE;
		size_t f = cared ? i : (i + 1 < n ? fc[i + 1] : n);
		fc[i] = f;
		if (f == n) {
			pl->chg[i] = n;
		} else if (f != i) {
			pl->chg[i] = pl->chg[f];
		} else {
			size_t k = i + 1 < n ? fc[i + 1] : n;
			pl->chg[i] = k == n ? n : pl->scls[k] != pl->scls[i] ? k : pl->chg[k];
		}
	}
	pl->fcn = n;
	return 0;
}

/* ---------------------------------------------------------------------------
 * The exact program: fewest pairs, one lane per default type.
 */

/*
 * uni[class][state] lane d: the pairs a node needs when its whole target is
 * one class, in that state, with default type d: 0 when the state already
 * gives the type; 1 when one pair of that type on the node does (nothing
 * below can do with fewer); I (impossible) otherwise, since the state only
 * grows and nothing below can reach the type either. Free needs nothing.
 * Written out from eff_type() and next_state(); mt_plan_self_check()
 * recomputes it. Lanes 5..7 are unused.
 */
#define I INF
/* clang-format off */
static const v4 uni[NCLASSES][NSTATES][HALVES] = {
	/* UC */ {
		{ { 0, 1, 1, 1 }, { 1, I, I, I } },
		{ { 0, 0, 0, 0 }, { 0, I, I, I } },
		{ { 1, 1, 1, 1 }, { 1, I, I, I } },
		{ { 1, 1, 1, 1 }, { 1, I, I, I } },
		{ { 1, 1, 1, 1 }, { 1, I, I, I } },
		{ { 1, 1, 1, 1 }, { 1, I, I, I } },
	},
	/* WC */ {
		{ { 1, 0, 1, 1 }, { 1, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
		{ { 0, 0, 0, 0 }, { 0, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
	},
	/* WT */ {
		{ { 1, 1, 0, 1 }, { 1, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
		{ { 0, 0, 0, 0 }, { 0, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
		{ { 1, 1, 1, 1 }, { 1, I, I, I } },
	},
	/* WP */ {
		{ { 1, 1, 1, 0 }, { 1, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
		{ { 0, 0, 0, 0 }, { 0, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
	},
	/* WB */ {
		{ { 1, 1, 1, 1 }, { 0, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
		{ { I, I, I, I }, { I, I, I, I } },
		{ { 0, 0, 0, 0 }, { 0, I, I, I } },
	},
	/* unlisted (exact mode) */ {
		{ { 0, 0, 0, 0 }, { 0, I, I, I } },
		{ { 0, I, I, I }, { I, I, I, I } },
		{ { 1, 0, I, I }, { I, I, I, I } },
		{ { 1, I, 0, I }, { I, I, I, I } },
		{ { 1, I, I, 0 }, { I, I, I, I } },
		{ { 1, I, 1, I }, { 0, I, I, I } },
	},
	/* free */ {
		{ { 0, 0, 0, 0 }, { 0, 0, 0, 0 } },
		{ { 0, 0, 0, 0 }, { 0, 0, 0, 0 } },
		{ { 0, 0, 0, 0 }, { 0, 0, 0, 0 } },
		{ { 0, 0, 0, 0 }, { 0, 0, 0, 0 } },
		{ { 0, 0, 0, 0 }, { 0, 0, 0, 0 } },
		{ { 0, 0, 0, 0 }, { 0, 0, 0, 0 } },
	},
};
/* clang-format on */
#undef I

static const v4 (*costs_of(const struct planner *pl, int32_t ref))[HALVES]
{
	if (ref < 0)
		return (const v4(*)[HALVES])uni[-1 - ref];
	return (const v4(*)[HALVES])pl->nodes[ref].cost;
}

/* Lane d (a default type) of the costs in state s. */
static uint32_t lane(const v4 (*c)[HALVES], unsigned s, unsigned d)
{
	return (uint32_t)c[s][d / 4][d % 4];
}

static uint32_t sat_add(uint32_t a, uint32_t b)
{
	uint32_t v = a + b;
	return v < INF ? v : INF;
}

static v4 vmin(v4 a, v4 b)
{
	v4 m = a < b;
	return (a & m) | (b & ~m);
}

/*
 * cost(node, s) = min(g(s), 1 + g(s') for every s' one more pair reaches
 * from s), g = the children's summed costs, for all defaults at once. The
 * transitions are next_state()'s, written out (mt_plan_self_check() proves
 * the two agree): from none to any type; WC, WT, WP to UC; WB to UC or WT.
 */
static void combine(v4 out[NSTATES][HALVES], const v4 (*a)[HALVES], const v4 (*b)[HALVES])
{
	const v4 inf = {INF, INF, INF, INF}, one = {1, 1, 1, 1};
	for (unsigned h = 0; h < HALVES; h++) {
		v4 g[NSTATES];
		for (unsigned s = 0; s < NSTATES; s++)
			g[s] = vmin(a[s][h] + b[s][h], inf);
		v4 uc1 = g[1 + T_UC] + one;
		v4 any = vmin(vmin(g[1 + T_UC], g[1 + T_WC]),
			      vmin(vmin(g[1 + T_WT], g[1 + T_WP]), g[1 + T_WB]));
		out[0][h] = vmin(g[0], any + one);
		out[1 + T_UC][h] = g[1 + T_UC];
		out[1 + T_WC][h] = vmin(g[1 + T_WC], uc1);
		out[1 + T_WT][h] = vmin(g[1 + T_WT], uc1);
		out[1 + T_WP][h] = vmin(g[1 + T_WP], uc1);
		out[1 + T_WB][h] = vmin(vmin(g[1 + T_WB], uc1), g[1 + T_WT] + one);
	}
}

/* The transitions combine() applies, as (from, to) state pairs. */
static const uint8_t hot_trans[][2] = {
    {0, 1 + T_UC},	  {0, 1 + T_WC},	{0, 1 + T_WT},	      {0, 1 + T_WP},
    {0, 1 + T_WB},	  {1 + T_WC, 1 + T_UC}, {1 + T_WT, 1 + T_UC}, {1 + T_WP, 1 + T_UC},
    {1 + T_WB, 1 + T_UC}, {1 + T_WB, 1 + T_WT},
};
#define NTRANS (sizeof(hot_trans) / sizeof(hot_trans[0]))

int mt_plan_self_check(void)
{
	uint64_t derived = 0, hot = 0; /* bit from * NSTATES + to */
	for (unsigned s = 0; s < NSTATES; s++)
		for (unsigned t = 0; t < NTYPES; t++) {
			int ns = next_state(s, t);
			if (ns >= 0)
				derived |= 1ull << (s * NSTATES + (unsigned)ns);
		}
	for (size_t i = 0; i < NTRANS; i++) {
		hot |= 1ull << (hot_trans[i][0] * NSTATES + hot_trans[i][1]);
		/* The pair placed for a transition has the type of the new state. */
		if (next_state(hot_trans[i][0], hot_trans[i][1] - 1u) != hot_trans[i][1])
			return -1;
	}
	if (derived != hot)
		return -1;
	for (unsigned c = 0; c < NCLASSES; c++)
		for (unsigned s = 0; s < NSTATES; s++)
			for (unsigned d = 0; d < LANES; d++) {
				int32_t v = INF;
				if (c == C_FREE) {
					v = 0;
				} else if (d < NTYPES) {
					unsigned t = c == C_DEF ? d : c;
					if (eff_type(s, d) == t)
						v = 0;
					else if (next_state(s, t) == (int)t + 1)
						v = 1;
				}
				if (uni[c][s][d / 4][d % 4] != v)
					return -1;
			}
	return 0;
}

/* The segment holding page p, searched in [i, j] (sstart[i] <= p). */
static size_t find_seg(const struct planner *pl, size_t i, size_t j, uint64_t p)
{
	while (i < j) {
		size_t m = i + (j - i + 1) / 2;
		if (pl->sstart[m] <= p)
			i = m;
		else
			j = m - 1;
	}
	return i;
}

/*
 * The node of 2^level pages at page lo, whose pages lie in segments i..j:
 * a uniform class (-1 - class) or the index of a new node with its costs.
 */
static int32_t solve(struct planner *pl, uint64_t lo, unsigned level, size_t i, size_t j)
{
	size_t f = pl->fc[i];
	if (f > j)
		return -1 - (int32_t)C_FREE;
	if (pl->chg[i] > j)
		return -1 - (int32_t)pl->scls[f];
	if (pl->err)
		return -1 - (int32_t)C_FREE;
	/* Not uniform, so more than one page: level > 0. */
	if (mt_plan_grow(pl->ctx, (void **)&pl->nodes, &pl->nodecap, sizeof(*pl->nodes), pl->nnodes + 1)) {
		pl->err = -ENOMEM;
		return -1 - (int32_t)C_FREE;
	}
	int32_t me = (int32_t)pl->nnodes++;
	uint64_t mid = lo + (1ull << (level - 1));
	size_t k = find_seg(pl, i, j, mid);
	int32_t l = solve(pl, lo, level - 1, i, pl->sstart[k] == mid ? k - 1 : k);
	int32_t r = solve(pl, mid, level - 1, k, j);
	struct node *n = &pl->nodes[me];
	n->lo = lo;
	n->level = level;
	n->child[0] = l;
	n->child[1] = r;
	combine(n->cost, costs_of(pl, l), costs_of(pl, r));
	return me;
}

/* Build the tree for the current segments; counts[d] = fewest pairs with
 * default type d (INF when impossible). */
static int run_dp(struct planner *pl, uint32_t counts[NTYPES])
{
	pl->nnodes = 0;
	pl->err = 0;
	pl->root = solve(pl, 0, pl->levels, 0, pl->nseg - 1);
	if (pl->err)
		return pl->err;
	const v4(*c)[HALVES] = costs_of(pl, pl->root);
	for (unsigned d = 0; d < NTYPES; d++)
		counts[d] = lane(c, 0, d);
	return 0;
}

static int emit(struct planner *pl, memtype_plan *p, uint64_t lo, unsigned level, unsigned t)
{
	if (mt_plan_grow(p->ctx, (void **)&p->var, &p->varcap, sizeof(*p->var), p->nvar + 1))
		return -ENOMEM;
	uint64_t start = lo << PAGE_SHIFT;
	uint64_t size = 1ull << (level + PAGE_SHIFT);
	memtype_plan_var *v = &p->var[p->nvar++];
	v->start = start;
	v->end = start + (size - 1);
	v->type = type_of[t];
	v->physbase = start | (uint64_t)type_of[t];
	/* PHYSMASKn: ones from MAXPHYADDR-1 down to the block's size, V = bit 11
	 * (SDM §11.11.2.3, Figure 11-7). */
	v->physmask = (~(size - 1) & mt_bits(pl->o->phys_bits - 1, PAGE_SHIFT)) | MT_MASK_V;
	return 0;
}

/* Walk the tree in state s for default d, placing the pairs the costs say. */
static int rebuild_exact(struct planner *pl, memtype_plan *p, int32_t ref, uint64_t lo,
			 unsigned level, unsigned s, unsigned d)
{
	if (ref < 0) {
		unsigned c = (unsigned)(-1 - ref);
		if (c == C_FREE)
			return 0;
		unsigned t = c == C_DEF ? d : c;
		if (eff_type(s, d) == t)
			return 0;
		return emit(pl, p, lo, level, t);
	}
	const struct node *n = &pl->nodes[ref];
	const v4(*a)[HALVES] = costs_of(pl, n->child[0]);
	const v4(*b)[HALVES] = costs_of(pl, n->child[1]);
	uint32_t want = lane(n->cost, s, d);
	unsigned ns = s;
	if (sat_add(lane(a, s, d), lane(b, s, d)) != want) {
		unsigned i;
		for (i = 0; i < NTRANS; i++) {
			unsigned to = hot_trans[i][1];
			if (hot_trans[i][0] == s &&
			    sat_add(lane(a, to, d), lane(b, to, d)) + 1 == want)
				break;
		}
		if (i == NTRANS)
			return mt_error(pl->ctx, -EPROTO, "plan-verify-failed",
					"planner: no decision matches the cost at page 0x%llx",
					(unsigned long long)n->lo);
		ns = hot_trans[i][1];
		int rc = emit(pl, p, n->lo, n->level, ns - 1);
		if (rc)
			return rc;
	}
	int32_t c0 = n->child[0], c1 = n->child[1];
	uint64_t nlo = n->lo, half = 1ull << (n->level - 1);
	unsigned clevel = n->level - 1;
	int rc = rebuild_exact(pl, p, c0, nlo, clevel, ns, d);
	return rc ? rc : rebuild_exact(pl, p, c1, nlo + half, clevel, ns, d);
}

/* ---------------------------------------------------------------------------
 * Best effort: with at most `budget` pairs, the fewest WB-target bytes that
 * do not get WB, every other address exact. lost(node, s)[k] for k pairs.
 */

static uint64_t lost_add(uint64_t a, uint64_t b)
{
	return a == LOST_INF || b == LOST_INF ? LOST_INF : a + b;
}

/* Pages of [lo, lo + 2^level) that are not free (prefix sums of free pages
 * over the segments, built by run_lost). */
static uint64_t cared_pages(const struct planner *pl, uint64_t lo, unsigned level)
{
	uint64_t hi = lo + (1ull << level) - 1, last = pl->nseg - 1;
	size_t i = find_seg(pl, 0, last, lo), j = find_seg(pl, i, last, hi);
	uint64_t free = pl->freepfx[j + 1] - pl->freepfx[i];
	/* Trim the parts of segments i and j outside the node. */
	if (pl->scls[i] == C_FREE)
		free -= lo - pl->sstart[i];
	if (pl->scls[j] == C_FREE) {
		uint64_t jend = j + 1 < pl->nseg ? pl->sstart[j + 1] : 1ull << pl->levels;
		free -= jend - 1 - hi;
	}
	return (1ull << level) - free;
}

/* A uniform node (class c, 2^level pages at lo) in state s with default d:
 * the loss with 0 pairs (*k0) and with 1 or more (*k1). Free pages inside a
 * uniform WB node are never lost. */
static void lost_uniform(const struct planner *pl, unsigned c, uint64_t lo, unsigned level,
			 unsigned s, unsigned d, uint64_t *k0, uint64_t *k1)
{
	*k0 = *k1 = 0;
	if (c == C_FREE)
		return;
	unsigned t = c == C_DEF ? d : c;
	if (eff_type(s, d) == t)
		return;
	uint64_t miss = t == T_WB ? cared_pages(pl, lo, level) << PAGE_SHIFT : LOST_INF;
	*k0 = miss;
	if (next_state(s, t) != (int)t + 1)
		*k1 = miss;
}

/* Row of ref in state s: a pointer into the table, or buf filled for a
 * uniform child of the given level. *step: the row is constant from k = 1. */
static const uint64_t *lost_row(const struct planner *pl, int32_t ref, uint64_t lo, unsigned level,
				unsigned s, unsigned d, uint64_t *buf, bool *step)
{
	if (ref >= 0) {
		*step = false;
		return pl->lost + ((size_t)ref * NSTATES + s) * (pl->budget + 1);
	}
	uint64_t k0, k1;
	lost_uniform(pl, (unsigned)(-1 - ref), lo, level, s, d, &k0, &k1);
	buf[0] = k0;
	for (unsigned k = 1; k <= pl->budget; k++)
		buf[k] = k1;
	*step = true;
	return buf;
}

/* g[k] = min over a + b = k of A[a] + B[b] (rows are non-increasing). */
static void convolve(const uint64_t *a, bool astep, const uint64_t *b, bool bstep, unsigned kmax,
		     uint64_t *g)
{
	if (bstep && !astep) {
		const uint64_t *t = a;
		a = b;
		b = t;
		astep = true;
	}
	for (unsigned k = 0; k <= kmax; k++) {
		uint64_t best = LOST_INF;
		if (astep) {
			/* A is A[0] then A[1] for every k >= 1: one pair or none. */
			best = lost_add(a[0], b[k]);
			if (k >= 1) {
				uint64_t v = lost_add(a[1], b[k - 1]);
				best = v < best ? v : best;
			}
		} else {
			for (unsigned x = 0; x <= k; x++) {
				uint64_t v = lost_add(a[x], b[k - x]);
				best = v < best ? v : best;
			}
		}
		g[k] = best;
	}
}

static void lost_node(struct planner *pl, size_t idx, unsigned d)
{
	const struct node *n = &pl->nodes[idx];
	unsigned K = pl->budget;
	uint64_t g[NSTATES][MAX_BUDGET], ba[MAX_BUDGET], bb[MAX_BUDGET];
	for (unsigned s = 0; s < NSTATES; s++) {
		bool sa, sb;
		uint64_t half = 1ull << (n->level - 1);
		const uint64_t *a = lost_row(pl, n->child[0], n->lo, n->level - 1, s, d, ba, &sa);
		const uint64_t *b =
		    lost_row(pl, n->child[1], n->lo + half, n->level - 1, s, d, bb, &sb);
		convolve(a, sa, b, sb, K, g[s]);
	}
	uint64_t *out = pl->lost + idx * NSTATES * (K + 1);
	for (unsigned s = 0; s < NSTATES; s++)
		memcpy(out + s * (K + 1), g[s], (K + 1) * sizeof(uint64_t));
	for (unsigned i = 0; i < NTRANS; i++) {
		uint64_t *row = out + hot_trans[i][0] * (K + 1);
		const uint64_t *from = g[hot_trans[i][1]];
		for (unsigned k = 1; k <= K; k++)
			row[k] = from[k - 1] < row[k] ? from[k - 1] : row[k];
	}
}

/* Fill the loss table of the current tree for default d; *root_row gets the
 * root's row in state 0 (budget + 1 values). */
static int run_lost(struct planner *pl, unsigned d, uint64_t *root_row)
{
	size_t want = pl->nnodes * NSTATES * (pl->budget + 1);
	mt_free(pl->ctx, pl->lost, pl->lostn * sizeof(*pl->lost));
	pl->lost = NULL;
	pl->lostn = 0;
	if (want) {
		pl->lost = mt_alloc(pl->ctx, want * sizeof(*pl->lost));
		if (!pl->lost)
			return -ENOMEM;
		pl->lostn = want;
	}
	mt_free(pl->ctx, pl->freepfx, pl->freepfxn * sizeof(*pl->freepfx));
	pl->freepfxn = 0;
	pl->freepfx = mt_alloc(pl->ctx, (pl->nseg + 1) * sizeof(*pl->freepfx));
	if (!pl->freepfx)
		return -ENOMEM;
	pl->freepfxn = pl->nseg + 1;
	pl->freepfx[0] = 0;
	for (size_t i = 0; i < pl->nseg; i++) {
		uint64_t end = i + 1 < pl->nseg ? pl->sstart[i + 1] : 1ull << pl->levels;
		pl->freepfx[i + 1] =
		    pl->freepfx[i] + (pl->scls[i] == C_FREE ? end - pl->sstart[i] : 0);
	}
	/* Children come after their parent in pre-order: go backwards. */
	for (size_t i = pl->nnodes; i-- > 0;)
		lost_node(pl, i, d);
	bool step;
	const uint64_t *r = lost_row(pl, pl->root, 0, pl->levels, 0, d, root_row, &step);
	if (r != root_row)
		memcpy(root_row, r, (pl->budget + 1) * sizeof(*r));
	return 0;
}

static int rebuild_lost(struct planner *pl, memtype_plan *p, int32_t ref, uint64_t lo,
			unsigned level, unsigned s, unsigned k, unsigned d)
{
	if (ref < 0) {
		unsigned c = (unsigned)(-1 - ref);
		if (c == C_FREE)
			return 0;
		unsigned t = c == C_DEF ? d : c;
		if (eff_type(s, d) == t || k == 0 || next_state(s, t) != (int)t + 1)
			return 0;
		return emit(pl, p, lo, level, t);
	}
	const struct node *n = &pl->nodes[ref];
	unsigned K = pl->budget, cl = n->level - 1;
	uint64_t want = pl->lost[((size_t)ref * NSTATES + s) * (K + 1) + k];
	uint64_t ba[MAX_BUDGET], bb[MAX_BUDGET], g[MAX_BUDGET];
	bool sa, sb;
	unsigned ns = s, kk = k;
	uint64_t half = 1ull << cl;
	const uint64_t *a = lost_row(pl, n->child[0], n->lo, cl, s, d, ba, &sa);
	const uint64_t *b = lost_row(pl, n->child[1], n->lo + half, cl, s, d, bb, &sb);
	convolve(a, sa, b, sb, k, g);
	if (g[k] != want) {
		unsigned i;
		for (i = 0; i < NTRANS && k >= 1; i++) {
			if (hot_trans[i][0] != s)
				continue;
			a = lost_row(pl, n->child[0], n->lo, cl, hot_trans[i][1], d, ba, &sa);
			b = lost_row(pl, n->child[1], n->lo + half, cl, hot_trans[i][1], d, bb,
				     &sb);
			convolve(a, sa, b, sb, k - 1, g);
			if (g[k - 1] == want)
				break;
		}
		if (k == 0 || i == NTRANS)
			return mt_error(pl->ctx, -EPROTO, "plan-verify-failed",
					"planner: no best-effort decision matches at page 0x%llx",
					(unsigned long long)n->lo);
		ns = hot_trans[i][1];
		kk = k - 1;
		int rc = emit(pl, p, n->lo, n->level, ns - 1);
		if (rc)
			return rc;
	}
	/* Split the budget: the fewest pairs to the first child that still
	 * reach the optimum. */
	unsigned x;
	for (x = 0; x <= kk; x++)
		if (lost_add(a[x], b[kk - x]) == want)
			break;
	if (x > kk)
		return mt_error(pl->ctx, -EPROTO, "plan-verify-failed",
				"planner: no budget split matches at page 0x%llx",
				(unsigned long long)n->lo);
	/* Copy what the recursion needs: the rows live in buffers it reuses. */
	int32_t c0 = n->child[0], c1 = n->child[1];
	uint64_t nlo = n->lo;
	int rc = rebuild_lost(pl, p, c0, nlo, cl, ns, x, d);
	return rc ? rc : rebuild_lost(pl, p, c1, nlo + half, cl, ns, kk - x, d);
}

/* ---------------------------------------------------------------------------
 * Fixed ranges.
 */

/* Which classes each fixed sub-range of the target holds. */
static void scan_slots(struct planner *pl)
{
	memset(pl->slot_mask, 0, sizeof(pl->slot_mask));
	size_t np = memtype_map_count(pl->target);
	unsigned k = 0;
	for (size_t i = 0; i < np && k < MEMTYPE_FIXED_RANGES; i++) {
		memtype_range r;
		memtype_map_get(pl->target, i, &r);
		unsigned cls = class_of(pl, r.value);
		while (k < MEMTYPE_FIXED_RANGES) {
			uint64_t st, sz;
			unsigned msr, byte;
			slot_bounds(k, &st, &sz, &msr, &byte);
			if (st > r.end)
				break;
			if (cls != C_FREE)
				pl->slot_mask[k] |= 1u << cls;
			if (st + sz - 1 > r.end)
				break; /* the slot continues in the next piece */
			k++;
		}
	}
}

/* The type fixed sub-range k needs with default d, or -1 when it holds two. */
static int slot_type(const struct planner *pl, unsigned k, unsigned d)
{
	unsigned m = pl->slot_mask[k];
	unsigned types = (m & ((1u << NTYPES) - 1)) | (((m >> C_DEF) & 1u) << d);
	if (types == 0)
		return (int)d; /* all free: the default type */
	if (types & (types - 1))
		return -1;
	return __builtin_ctz(types);
}

static bool fixed_ok(const struct planner *pl, unsigned d)
{
	for (unsigned k = 0; k < MEMTYPE_FIXED_RANGES; k++)
		if (slot_type(pl, k, d) < 0)
			return false;
	return true;
}

/* ---------------------------------------------------------------------------
 * The plan object: registers, WRMSR sequence, verification.
 */

static void build_msrs(memtype_plan *p, unsigned d)
{
	size_t n = 0;
	/* SDM §11.11.7.2 (MemTypeSet): MTRRs off while they change. */
	p->msr[n++] = (struct plan_msr){MEMTYPE_MSR_MTRR_DEF_TYPE, 0};
	if (p->sum.fixed_enabled)
		for (unsigned i = 0; i < MT_FIXED_MSRS; i++)
			p->msr[n++] = (struct plan_msr){mt_fixed_msrs[i].index, p->fixed[i]};
	for (size_t i = 0; i < p->nvar; i++) {
		p->msr[n++] = (struct plan_msr){(uint32_t)(MEMTYPE_MSR_MTRR_PHYSBASE0 + 2 * i),
						p->var[i].physbase};
		p->msr[n++] = (struct plan_msr){(uint32_t)(MEMTYPE_MSR_MTRR_PHYSMASK0 + 2 * i),
						p->var[i].physmask};
	}
	for (size_t i = p->nvar; i < p->vcnt_hw; i++)
		p->msr[n++] = (struct plan_msr){(uint32_t)(MEMTYPE_MSR_MTRR_PHYSMASK0 + 2 * i), 0};
	/* DEF_TYPE: type 7:0, FE bit 10, E bit 11 (SDM §11.11.2.1, Figure 11-6). */
	uint64_t def = (uint64_t)type_of[d] | MT_DEF_E | (p->sum.fixed_enabled ? MT_DEF_FE : 0);
	p->msr[n++] = (struct plan_msr){MEMTYPE_MSR_MTRR_DEF_TYPE, def};
	p->nmsr = n;
}

int memtype_plan_to_mtrr(const memtype_plan *p, memtype_mtrr **out)
{
	*out = NULL;
	if (!p->sum.has_layout)
		return mt_error(p->ctx, -ENOENT, "no-layout", "the plan has no register layout");
	memtype_mtrr *m = memtype_mtrr_new(p->ctx, p->sum.phys_bits, p->sum.mtrrcap);
	if (!m)
		return p->ctx->err.status ? p->ctx->err.status : -ENOMEM;
	for (size_t i = 0; i < p->nmsr; i++) {
		int rc = memtype_mtrr_wrmsr(m, p->msr[i].index, p->msr[i].value);
		if (rc) {
			memtype_mtrr_free(m);
			return rc;
		}
	}
	*out = m;
	return 0;
}

static int add_lost(memtype_plan *p, uint64_t start, uint64_t end, uint32_t got)
{
	if (p->nlost && p->lost[p->nlost - 1].end + 1 == start &&
	    p->lost[p->nlost - 1].value == got) {
		p->lost[p->nlost - 1].end = end;
		return 0;
	}
	if (mt_plan_grow(p->ctx, (void **)&p->lost, &p->lostcap, sizeof(*p->lost), p->nlost + 1))
		return -ENOMEM;
	p->lost[p->nlost++] = (memtype_range){start, end, got, 0, 0};
	return 0;
}

/*
 * The proof the plan is right, by the architecture core and not by the
 * planner's bookkeeping: replay the WRMSRs into a reset memtype_mtrr, build
 * its whole-space map and walk it against the target, piece by piece (so at
 * every boundary of either). Listed and unlisted (exact mode) addresses
 * must get their type, free ones any defined type; with lossy, WB targets
 * may get another type and are recorded as lost.
 */
static int verify(struct planner *pl, memtype_plan *p, unsigned d, bool lossy, uint64_t *lost)
{
	memtype_mtrr *m;
	memtype_map *got = NULL;
	char why[512];
	int rc = memtype_plan_to_mtrr(p, &m);
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		snprintf(why, sizeof(why), "%s", pl->ctx->err.message);
		return mt_error(pl->ctx, -EPROTO, "plan-verify-failed",
				"internal error: the planned registers do not load: %s", why);
	}
	rc = memtype_mtrr_build_map(m, p->nvar + 1, &got);
	memtype_mtrr_free(m);
	if (rc)
		return rc == -ENOMEM ? rc
				     : mt_error(pl->ctx, -EPROTO, "plan-verify-failed",
						"the planned registers give no map");
	*lost = 0;
	size_t i = 0, j = 0, nt = memtype_map_count(pl->target), ng = memtype_map_count(got);
	uint64_t top = mt_plan_top(pl->o->phys_bits);
	for (;;) {
		memtype_range tr, gr;
		memtype_map_get(pl->target, i, &tr);
		memtype_map_get(got, j, &gr);
		uint64_t lo = tr.start > gr.start ? tr.start : gr.start;
		uint64_t hi = tr.end < gr.end ? tr.end : gr.end;
		unsigned cls = class_of(pl, tr.value);
		uint32_t want = cls == C_DEF   ? (uint32_t)type_of[d]
				: cls < NTYPES ? (uint32_t)type_of[cls]
					       : UINT32_MAX;
		bool ok = gr.value != MEMTYPE_UNDEFINED && (cls == C_FREE || gr.value == want);
		if (!ok && lossy && want == MEMTYPE_WB && gr.value != MEMTYPE_UNDEFINED) {
			*lost += hi - lo + 1;
			rc = add_lost(p, lo, hi, gr.value);
			if (rc)
				break;
			ok = true;
		}
		if (!ok) {
			rc =
			    mt_error(pl->ctx, -EPROTO, "plan-verify-failed",
				     "internal error: the planned registers give 0x%llx-0x%llx "
				     "type %s where the map wants %s",
				     (unsigned long long)lo, (unsigned long long)hi,
				     memtype_type_name((memtype_type)gr.value, MEMTYPE_SPELL_SHORT),
				     cls == C_FREE ? "any defined type"
						   : memtype_type_name((memtype_type)want,
								       MEMTYPE_SPELL_SHORT));
			break;
		}
		if (hi == top)
			break;
		if (tr.end == hi)
			i++;
		if (gr.end == hi)
			j++;
		if (i >= nt || j >= ng) {
			rc = mt_error(pl->ctx, -EPROTO, "plan-verify-failed",
				      "internal error: maps of different extent");
			break;
		}
	}
	memtype_map_free(got);
	return rc;
}

static void planner_free(struct planner *pl)
{
	memtype_ctx *ctx = pl->ctx;
	mt_free(ctx, pl->sstart, pl->segcap * sizeof(*pl->sstart));
	mt_free(ctx, pl->scls, pl->clscap * sizeof(*pl->scls));
	mt_free(ctx, pl->fc, 2 * pl->fcn * sizeof(*pl->fc));
	mt_free(ctx, pl->nodes, pl->nodecap * sizeof(*pl->nodes));
	mt_free(ctx, pl->lost, pl->lostn * sizeof(*pl->lost));
	mt_free(ctx, pl->freepfx, pl->freepfxn * sizeof(*pl->freepfx));
}

void memtype_plan_free(memtype_plan *p)
{
	if (!p)
		return;
	mt_free(p->ctx, p->var, p->varcap * sizeof(*p->var));
	mt_free(p->ctx, p->lost, p->lostcap * sizeof(*p->lost));
	mt_free(p->ctx, p, sizeof(*p));
}

static int check_inputs(memtype_ctx *ctx, const memtype_map *target, const memtype_plan_opts *o)
{
	if (o->phys_bits < 32 || o->phys_bits > 52)
		return mt_error(ctx, -EINVAL, "bad-option", "phys_bits %u is outside 32..52",
				o->phys_bits);
	if (o->vcnt > MEMTYPE_MAX_VCNT)
		return mt_error(ctx, -EINVAL, "bad-option",
				"VCNT %u exceeds the %u variable pairs that fit below 0x250",
				o->vcnt, MEMTYPE_MAX_VCNT);
	if (o->default_type != -1 && mt_plan_type_index((memtype_type)o->default_type) < 0)
		return mt_error(ctx, -EINVAL, "bad-option",
				"the default type must be UC, WC, WT, WP or WB (SDM §11.11.2.1)");
	memtype_range first, last;
	size_t n = memtype_map_count(target);
	/* The trie visits at most pieces x address bits nodes of ~220 bytes:
	 * bound the memory a hostile map file can ask for (~150 MB). */
	if (n > MEMTYPE_PLAN_MAX_PIECES)
		return mt_error(ctx, -E2BIG, "map-too-large",
				"the map has %zu pieces; the planner takes at most %u", n,
				MEMTYPE_PLAN_MAX_PIECES);
	if (n == 0 || memtype_map_get(target, 0, &first) || memtype_map_get(target, n - 1, &last) ||
	    first.start != 0 || last.end != mt_plan_top(o->phys_bits))
		return mt_error(ctx, -EINVAL, "bad-map",
				"the target map must cover exactly [0, 2^%u - 1]", o->phys_bits);
	for (size_t i = 0; i < n; i++) {
		memtype_range r;
		memtype_map_get(target, i, &r);
		if (r.value != MEMTYPE_PLAN_UNLISTED &&
		    mt_plan_type_index((memtype_type)r.value) < 0)
			return mt_error(ctx, -EINVAL, "bad-map",
					"target value 0x%x at 0x%llx is not an MTRR type", r.value,
					(unsigned long long)r.start);
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * The planner's entry point.
 */

struct tree_state {
	int built; /* configuration of the current segments: -1 none, 0 full, 1 relaxed */
	int dp;	   /* configuration the node tree was computed for */
};

/* Make the node tree the one for cfg (1: first MiB free, 0: not). */
static int ensure_tree(struct planner *pl, struct tree_state *ts, int cfg, uint32_t counts[NTYPES])
{
	uint32_t scratch[NTYPES];
	if (ts->built == cfg && ts->dp == cfg)
		return 0;
	ts->built = -1;
	ts->dp = -1;
	int rc = build_segments(pl, cfg == 1);
	if (rc)
		return rc;
	ts->built = cfg;
	rc = run_dp(pl, counts ? counts : scratch);
	if (!rc)
		ts->dp = cfg;
	return rc;
}

static int plan_best_effort(struct planner *pl, memtype_plan *p, struct tree_state *ts,
			    const bool fe[NTYPES], bool fixed_cpu, bool have_full, int forced)
{
	uint64_t row[MAX_BUDGET];
	uint64_t best = LOST_INF;
	unsigned best_k = 0, best_d = 0;
	int best_cfg = -1;
	unsigned K = pl->o->vcnt;

	pl->budget = K;
	for (int cfg = 1; cfg >= 0; cfg--) {
		if ((cfg == 1 && !fixed_cpu) || (cfg == 0 && !have_full))
			continue;
		for (unsigned i = 0; i < NTYPES; i++) {
			unsigned d = default_order[i];
			if ((forced >= 0 && d != (unsigned)forced) || p->counts[d] == UINT32_MAX)
				continue;
			if ((fixed_cpu && fe[d]) != (cfg == 1))
				continue;
			int rc = ensure_tree(pl, ts, cfg, NULL);
			if (!rc)
				rc = run_lost(pl, d, row);
			if (rc)
				return rc;
			unsigned k = 0;
			while (k < K && row[k] != row[K])
				k++;
			if (row[K] < best || (row[K] == best && best != LOST_INF && k < best_k)) {
				best = row[K];
				best_k = k;
				best_d = d;
				best_cfg = cfg;
			}
		}
	}
	if (best == LOST_INF) {
		p->sum.has_layout = false;
		return 0;
	}
	int rc = ensure_tree(pl, ts, best_cfg, NULL);
	if (!rc)
		rc = run_lost(pl, best_d, row);
	if (!rc)
		rc = rebuild_lost(pl, p, pl->root, 0, pl->levels, 0, best_k, best_d);
	if (rc)
		return rc;
	p->sum.has_layout = true;
	p->sum.default_type = type_of[best_d];
	p->sum.fixed_enabled = best_cfg == 1;
	p->sum.fixed_fallback = fixed_cpu && best_cfg == 0;
	p->sum.lost_bytes = best;
	p->sum.least_loss = true;
	return 0;
}

int mt_plan_compute_flags(memtype_ctx *ctx, const memtype_map *target,
			  const memtype_plan_opts *opts, unsigned flags, memtype_plan **out)
{
	struct planner pl;
	struct tree_state ts = {-1, -1};
	uint32_t rcounts[NTYPES], fcounts[NTYPES];
	bool fe[NTYPES] = {false};
	bool fixed_cpu = !opts->no_fixed, need_full = !fixed_cpu, have_full = false;
	int forced =
	    opts->default_type < 0 ? -1 : mt_plan_type_index((memtype_type)opts->default_type);
	int rc, full_rc = 0;

	*out = NULL;
	rc = check_inputs(ctx, target, opts);
	if (rc)
		return rc;
	memset(&pl, 0, sizeof(pl));
	pl.ctx = ctx;
	pl.o = opts;
	pl.target = target;
	pl.levels = opts->phys_bits - PAGE_SHIFT;
	memtype_plan *p = mt_alloc(ctx, sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof(*p));
	p->ctx = ctx;
	for (unsigned d = 0; d < NTYPES; d++)
		rcounts[d] = fcounts[d] = INF;

	/* With fixed ranges: plan the variable pairs with the first MiB free,
	 * for the defaults under which the fixed sub-ranges can hold the map. */
	if (fixed_cpu) {
		scan_slots(&pl);
		for (unsigned d = 0; d < NTYPES; d++) {
			fe[d] = fixed_ok(&pl, d);
			need_full |= !fe[d] && (forced < 0 || (unsigned)forced == d);
		}
		rc = ensure_tree(&pl, &ts, 1, rcounts);
		if (rc)
			goto fail;
	}
	/* Without them (or where they cannot): the pairs cover everything. */
	if (need_full) {
		full_rc = ensure_tree(&pl, &ts, 0, fcounts);
		if (full_rc == -ENOMEM) {
			rc = full_rc;
			goto fail;
		}
		have_full = full_rc == 0;
	}
	for (unsigned d = 0; d < NTYPES; d++) {
		uint32_t c = fixed_cpu && fe[d] ? rcounts[d] : fcounts[d];
		p->counts[d] = c >= INF ? UINT32_MAX : c;
	}
	unsigned d = 0;
	if (forced >= 0) {
		d = (unsigned)forced;
	} else {
		for (unsigned i = NTYPES; i-- > 0;)
			if (p->counts[default_order[i]] <= p->counts[d] || i == NTYPES - 1)
				d = default_order[i];
	}
	if (p->counts[d] == UINT32_MAX) {
		/* Only an unaligned boundary makes a map unrealizable; its error
		 * is the last one recorded. */
		rc = full_rc ? full_rc
			     : mt_error(ctx, -EINVAL, "unrealizable",
					"no MTRR layout realizes this map with default type %s",
					memtype_type_name(type_of[d], MEMTYPE_SPELL_SHORT));
		goto fail;
	}
	bool use_relaxed = fixed_cpu && fe[d];
	p->sum.phys_bits = opts->phys_bits;
	p->sum.default_type = type_of[d];
	p->sum.fixed_enabled = use_relaxed;
	p->sum.fixed_fallback = fixed_cpu && !use_relaxed;
	p->sum.lower_bound = p->counts[d];
	p->sum.fits = p->counts[d] <= opts->vcnt;

	if (p->sum.fits || !opts->best_effort) {
		if (p->counts[d] <= MEMTYPE_MAX_VCNT) {
			rc = ensure_tree(&pl, &ts, use_relaxed ? 1 : 0, NULL);
			if (!rc)
				rc = rebuild_exact(&pl, p, pl.root, 0, pl.levels, 0, d);
			if (rc)
				goto fail;
			if (p->nvar != p->counts[d]) {
				rc = mt_error(ctx, -EPROTO, "plan-verify-failed",
					      "internal error: %zu pairs placed for a cost of %u",
					      p->nvar, p->counts[d]);
				goto fail;
			}
			p->sum.has_layout = true;
			p->sum.exact = true;
			p->sum.optimal = true;
		}
	} else {
		rc = plan_best_effort(&pl, p, &ts, fe, fixed_cpu, have_full, forced);
		if (rc)
			goto fail;
		d = (unsigned)mt_plan_type_index(p->sum.default_type);
	}
	p->sum.count = (unsigned)p->nvar;
	p->vcnt_hw = opts->vcnt > p->nvar ? opts->vcnt : (unsigned)p->nvar;
	p->sum.mtrrcap = p->vcnt_hw | MEMTYPE_MTRRCAP_WC | (fixed_cpu ? MEMTYPE_MTRRCAP_FIX : 0);
	if (p->sum.fixed_enabled) {
		for (unsigned k = 0; k < MEMTYPE_FIXED_RANGES; k++) {
			uint64_t st, sz;
			unsigned msr, byte;
			slot_bounds(k, &st, &sz, &msr, &byte);
			int t = slot_type(&pl, k, d);
			p->fixed[msr] |= (uint64_t)type_of[t] << (8 * byte);
		}
	}
	if (p->sum.has_layout) {
		if (flags & MT_PLAN_CORRUPT) {
			if (p->nvar) {
				memtype_plan_var *v = &p->var[0];
				v->type = v->type == MEMTYPE_UC ? MEMTYPE_WB : MEMTYPE_UC;
				v->physbase = (v->physbase & ~0xffull) | (uint64_t)v->type;
			} else {
				d = d == T_UC ? T_WB : T_UC;
			}
		}
		build_msrs(p, d);
		if (!(flags & MT_PLAN_NO_VERIFY)) {
			uint64_t lost = 0;
			bool lossy = !p->sum.exact;
			rc = verify(&pl, p, d, lossy, &lost);
			if (!rc && lossy && lost != p->sum.lost_bytes)
				rc =
				    mt_error(ctx, -EPROTO, "plan-verify-failed",
					     "internal error: the layout loses 0x%llx bytes of WB, "
					     "the planner counted 0x%llx",
					     (unsigned long long)lost,
					     (unsigned long long)p->sum.lost_bytes);
			if (rc)
				goto fail;
		}
	}
	planner_free(&pl);
	*out = p;
	return 0;
fail:
	planner_free(&pl);
	memtype_plan_free(p);
	return rc;
}

int memtype_plan_compute(memtype_ctx *ctx, const memtype_map *target, const memtype_plan_opts *opts,
			 memtype_plan **out)
{
	return mt_plan_compute_flags(ctx, target, opts, 0, out);
}

/* ---------------------------------------------------------------------------
 * Accessors.
 */

void memtype_plan_get_summary(const memtype_plan *p, memtype_plan_summary *out)
{
	*out = p->sum;
}

uint32_t memtype_plan_count_for_default(const memtype_plan *p, memtype_type d)
{
	int i = mt_plan_type_index(d);
	return i < 0 ? UINT32_MAX : p->counts[i];
}

size_t memtype_plan_var_count(const memtype_plan *p)
{
	return p->nvar;
}

int memtype_plan_get_var(const memtype_plan *p, size_t i, memtype_plan_var *out)
{
	if (i >= p->nvar)
		return mt_error(p->ctx, -ERANGE, "out-of-range", "no variable pair %zu", i);
	*out = p->var[i];
	return 0;
}

int memtype_plan_fixed(const memtype_plan *p, size_t i, uint32_t *index, uint64_t *value)
{
	if (i >= MT_FIXED_MSRS)
		return mt_error(p->ctx, -ERANGE, "out-of-range", "no fixed-range MSR %zu", i);
	if (!p->sum.has_layout || !p->sum.fixed_enabled)
		return mt_error(p->ctx, -ENOENT, "no-fixed", "the layout has FE = 0");
	*index = mt_fixed_msrs[i].index;
	*value = p->fixed[i];
	return 0;
}

size_t memtype_plan_msr_count(const memtype_plan *p)
{
	return p->nmsr;
}

int memtype_plan_msr(const memtype_plan *p, size_t i, uint32_t *index, uint64_t *value)
{
	if (i >= p->nmsr)
		return mt_error(p->ctx, -ERANGE, "out-of-range", "no WRMSR %zu", i);
	*index = p->msr[i].index;
	*value = p->msr[i].value;
	return 0;
}

size_t memtype_plan_lost_count(const memtype_plan *p)
{
	return p->nlost;
}

int memtype_plan_lost(const memtype_plan *p, size_t i, memtype_range *out)
{
	if (i >= p->nlost)
		return mt_error(p->ctx, -ERANGE, "out-of-range", "no lost range %zu", i);
	*out = p->lost[i];
	return 0;
}
