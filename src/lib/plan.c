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
 *
 * This file is the entry point: it checks the inputs, runs the program for
 * each configuration (fixed ranges or not, every default type) and picks the
 * plan. The parts live beside it: plan_states.c (types and the SDM
 * precedence), plan_segments.c (the target as runs of pages),
 * plan_fixed.c (the fixed sub-ranges), plan_exact.c (the exact program),
 * plan_best_effort.c (the loss program), plan_registers.c (the plan object
 * and its WRMSRs) and plan_verify.c (the proof by the architecture core).
 */
#include "plan_internal.h"

#include <string.h>

/* The order in which equally good default types are preferred: UC first (the
 * safe choice, and the one Linux's mtrr_cleanup and trimming expect). */
static const unsigned default_order[NTYPES] = {T_UC, T_WB, T_WT, T_WP, T_WC};

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
	int rc = mt_plan_build_segments(pl, cfg == 1);
	if (rc)
		return rc;
	ts->built = cfg;
	rc = mt_plan_run_dp(pl, counts ? counts : scratch);
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
				rc = mt_plan_run_lost(pl, d, row);
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
		rc = mt_plan_run_lost(pl, best_d, row);
	if (!rc)
		rc = mt_plan_rebuild_lost(pl, p, pl->root, 0, pl->levels, 0, best_k, best_d);
	if (rc)
		return rc;
	p->sum.has_layout = true;
	p->sum.default_type = mt_plan_type_of[best_d];
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
		mt_plan_scan_slots(&pl);
		for (unsigned d = 0; d < NTYPES; d++) {
			fe[d] = mt_plan_fixed_ok(&pl, d);
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
					memtype_type_name(mt_plan_type_of[d], MEMTYPE_SPELL_SHORT));
		goto fail;
	}
	bool use_relaxed = fixed_cpu && fe[d];
	p->sum.phys_bits = opts->phys_bits;
	p->sum.default_type = mt_plan_type_of[d];
	p->sum.fixed_enabled = use_relaxed;
	p->sum.fixed_fallback = fixed_cpu && !use_relaxed;
	p->sum.lower_bound = p->counts[d];
	p->sum.fits = p->counts[d] <= opts->vcnt;

	if (p->sum.fits || !opts->best_effort) {
		if (p->counts[d] <= MEMTYPE_MAX_VCNT) {
			rc = ensure_tree(&pl, &ts, use_relaxed ? 1 : 0, NULL);
			if (!rc)
				rc = mt_plan_rebuild_exact(&pl, p, pl.root, 0, pl.levels, 0, d);
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
			mt_plan_slot_bounds(k, &st, &sz, &msr, &byte);
			int t = mt_plan_slot_type(&pl, k, d);
			p->fixed[msr] |= (uint64_t)mt_plan_type_of[t] << (8 * byte);
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
		mt_plan_build_msrs(p, d);
		if (!(flags & MT_PLAN_NO_VERIFY)) {
			uint64_t lost = 0;
			bool lossy = !p->sum.exact;
			rc = mt_plan_verify(&pl, p, d, lossy, &lost);
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
