/*
 * plan_exact.c - the exact program: cost(node, state) over the trie for the
 * five default types at once (one vector lane each), the self-check of its
 * hard-coded tables, and the walk that places the pairs the costs say.
 * Separate because it is the planner's hot loop and its proof of
 * optimality; the best-effort program (plan_best_effort.c) reuses its tree.
 */
#include "plan_internal.h"

/* ---------------------------------------------------------------------------
 * The exact program: fewest pairs, one lane per default type.
 */

/*
 * uni[class][state] lane d: the pairs a node needs when its whole target is
 * one class, in that state, with default type d: 0 when the state already
 * gives the type; 1 when one pair of that type on the node does (nothing
 * below can do with fewer); I (impossible) otherwise, since the state only
 * grows and nothing below can reach the type either. Free needs nothing.
 * Written out from mt_plan_eff_type() and mt_plan_next_state();
 * mt_plan_self_check() recomputes it. Lanes 5..7 are unused.
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
 * transitions are mt_plan_next_state()'s, written out (mt_plan_self_check()
 * proves the two agree): from none to any type; WC, WT, WP to UC; WB to UC
 * or WT.
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
const uint8_t mt_plan_hot_trans[][2] = {
    {0, 1 + T_UC},	  {0, 1 + T_WC},	{0, 1 + T_WT},	      {0, 1 + T_WP},
    {0, 1 + T_WB},	  {1 + T_WC, 1 + T_UC}, {1 + T_WT, 1 + T_UC}, {1 + T_WP, 1 + T_UC},
    {1 + T_WB, 1 + T_UC}, {1 + T_WB, 1 + T_WT},
};

int mt_plan_self_check(void)
{
	uint64_t derived = 0, hot = 0; /* bit from * NSTATES + to */
	for (unsigned s = 0; s < NSTATES; s++)
		for (unsigned t = 0; t < NTYPES; t++) {
			int ns = mt_plan_next_state(s, t);
			if (ns >= 0)
				derived |= 1ull << (s * NSTATES + (unsigned)ns);
		}
	for (size_t i = 0; i < NTRANS; i++) {
		hot |= 1ull << (mt_plan_hot_trans[i][0] * NSTATES + mt_plan_hot_trans[i][1]);
		/* The pair placed for a transition has the type of the new state. */
		if (mt_plan_next_state(mt_plan_hot_trans[i][0], mt_plan_hot_trans[i][1] - 1u) !=
		    mt_plan_hot_trans[i][1])
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
					if (mt_plan_eff_type(s, d) == t)
						v = 0;
					else if (mt_plan_next_state(s, t) == (int)t + 1)
						v = 1;
				}
				if (uni[c][s][d / 4][d % 4] != v)
					return -1;
			}
	return 0;
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
	size_t k = mt_plan_find_seg(pl, i, j, mid);
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
int mt_plan_run_dp(struct planner *pl, uint32_t counts[NTYPES])
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

/* Walk the tree in state s for default d, placing the pairs the costs say. */
int mt_plan_rebuild_exact(struct planner *pl, memtype_plan *p, int32_t ref, uint64_t lo,
			  unsigned level, unsigned s, unsigned d)
{
	if (ref < 0) {
		unsigned c = (unsigned)(-1 - ref);
		if (c == C_FREE)
			return 0;
		unsigned t = c == C_DEF ? d : c;
		if (mt_plan_eff_type(s, d) == t)
			return 0;
		return mt_plan_emit(pl, p, lo, level, t);
	}
	const struct node *n = &pl->nodes[ref];
	const v4(*a)[HALVES] = costs_of(pl, n->child[0]);
	const v4(*b)[HALVES] = costs_of(pl, n->child[1]);
	uint32_t want = lane(n->cost, s, d);
	unsigned ns = s;
	if (sat_add(lane(a, s, d), lane(b, s, d)) != want) {
		unsigned i;
		for (i = 0; i < NTRANS; i++) {
			unsigned to = mt_plan_hot_trans[i][1];
			if (mt_plan_hot_trans[i][0] == s &&
			    sat_add(lane(a, to, d), lane(b, to, d)) + 1 == want)
				break;
		}
		if (i == NTRANS)
			return mt_error(pl->ctx, -EPROTO, "plan-verify-failed",
					"planner: no decision matches the cost at page 0x%llx",
					(unsigned long long)n->lo);
		ns = mt_plan_hot_trans[i][1];
		int rc = mt_plan_emit(pl, p, n->lo, n->level, ns - 1);
		if (rc)
			return rc;
	}
	int32_t c0 = n->child[0], c1 = n->child[1];
	uint64_t nlo = n->lo, half = 1ull << (n->level - 1);
	unsigned clevel = n->level - 1;
	int rc = mt_plan_rebuild_exact(pl, p, c0, nlo, clevel, ns, d);
	return rc ? rc : mt_plan_rebuild_exact(pl, p, c1, nlo + half, clevel, ns, d);
}
