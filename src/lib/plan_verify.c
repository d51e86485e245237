/*
 * plan_verify.c - the proof a plan is right, by the architecture core and
 * not by the planner's bookkeeping, and the record of the WB bytes a best
 * effort plan loses. Separate because it must stay independent of the
 * programs it checks: it reads only the target, the plan and memtype_mtrr.
 */
#include "plan_internal.h"

#include <stdio.h>

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
int mt_plan_verify(struct planner *pl, memtype_plan *p, unsigned d, bool lossy, uint64_t *lost)
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
		unsigned cls = mt_plan_class_of(pl, tr.value);
		uint32_t want = cls == C_DEF   ? (uint32_t)mt_plan_type_of[d]
				: cls < NTYPES ? (uint32_t)mt_plan_type_of[cls]
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
