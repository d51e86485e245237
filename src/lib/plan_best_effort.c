/*
 * plan_best_effort.c - the second program, for too few pairs with best
 * effort asked for: per node, state and pair budget, the fewest WB-target
 * bytes lost, every non-WB address exact. Separate because it is a
 * different program (a budget vector per state, not one count) over the
 * same tree the exact program builds.
 */
#include "plan_internal.h"

#include <string.h>

/* ---------------------------------------------------------------------------
 * Best effort: with at most `budget` pairs, the fewest WB-target bytes that
 * do not get WB, every other address exact. lost(node, s)[k] for k pairs.
 */

static uint64_t lost_add(uint64_t a, uint64_t b)
{
	return a == LOST_INF || b == LOST_INF ? LOST_INF : a + b;
}

/* Pages of [lo, lo + 2^level) that are not free (prefix sums of free pages
 * over the segments, built by mt_plan_run_lost). */
static uint64_t cared_pages(const struct planner *pl, uint64_t lo, unsigned level)
{
	uint64_t hi = lo + (1ull << level) - 1, last = pl->nseg - 1;
	size_t i = mt_plan_find_seg(pl, 0, last, lo), j = mt_plan_find_seg(pl, i, last, hi);
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
	if (mt_plan_eff_type(s, d) == t)
		return;
	uint64_t miss = t == T_WB ? cared_pages(pl, lo, level) << PAGE_SHIFT : LOST_INF;
	*k0 = miss;
	if (mt_plan_next_state(s, t) != (int)t + 1)
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
		uint64_t *row = out + mt_plan_hot_trans[i][0] * (K + 1);
		const uint64_t *from = g[mt_plan_hot_trans[i][1]];
		for (unsigned k = 1; k <= K; k++)
			row[k] = from[k - 1] < row[k] ? from[k - 1] : row[k];
	}
}

/* Fill the loss table of the current tree for default d; *root_row gets the
 * root's row in state 0 (budget + 1 values). */
int mt_plan_run_lost(struct planner *pl, unsigned d, uint64_t *root_row)
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

int mt_plan_rebuild_lost(struct planner *pl, memtype_plan *p, int32_t ref, uint64_t lo,
			 unsigned level, unsigned s, unsigned k, unsigned d)
{
	if (ref < 0) {
		unsigned c = (unsigned)(-1 - ref);
		if (c == C_FREE)
			return 0;
		unsigned t = c == C_DEF ? d : c;
		if (mt_plan_eff_type(s, d) == t || k == 0 || mt_plan_next_state(s, t) != (int)t + 1)
			return 0;
		return mt_plan_emit(pl, p, lo, level, t);
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
			if (mt_plan_hot_trans[i][0] != s)
				continue;
			a = lost_row(pl, n->child[0], n->lo, cl, mt_plan_hot_trans[i][1], d, ba,
				     &sa);
			b = lost_row(pl, n->child[1], n->lo + half, cl, mt_plan_hot_trans[i][1], d,
				     bb, &sb);
			convolve(a, sa, b, sb, k - 1, g);
			if (g[k - 1] == want)
				break;
		}
		if (k == 0 || i == NTRANS)
			return mt_error(pl->ctx, -EPROTO, "plan-verify-failed",
					"planner: no best-effort decision matches at page 0x%llx",
					(unsigned long long)n->lo);
		ns = mt_plan_hot_trans[i][1];
		kk = k - 1;
		int rc = mt_plan_emit(pl, p, n->lo, n->level, ns - 1);
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
	int rc = mt_plan_rebuild_lost(pl, p, c0, nlo, cl, ns, x, d);
	return rc ? rc : mt_plan_rebuild_lost(pl, p, c1, nlo + half, cl, ns, kk - x, d);
}
