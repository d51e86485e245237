/*
 * plan_registers.c - the plan object: the variable pairs the programs
 * place, the fixed-range values, the WRMSR sequence that loads them, and
 * the accessors of memtype.h. Separate because it is the planner's output,
 * read by the CLI and by the verification, whatever program produced it.
 */
#include "plan_internal.h"

/* ---------------------------------------------------------------------------
 * The plan object: registers, WRMSR sequence, verification.
 */

void memtype_plan_free(memtype_plan *p)
{
	if (!p)
		return;
	mt_free(p->ctx, p->var, p->varcap * sizeof(*p->var));
	mt_free(p->ctx, p->lost, p->lostcap * sizeof(*p->lost));
	mt_free(p->ctx, p, sizeof(*p));
}

int mt_plan_emit(struct planner *pl, memtype_plan *p, uint64_t lo, unsigned level, unsigned t)
{
	if (mt_plan_grow(p->ctx, (void **)&p->var, &p->varcap, sizeof(*p->var), p->nvar + 1))
		return -ENOMEM;
	uint64_t start = lo << PAGE_SHIFT;
	uint64_t size = 1ull << (level + PAGE_SHIFT);
	memtype_plan_var *v = &p->var[p->nvar++];
	v->start = start;
	v->end = start + (size - 1);
	v->type = mt_plan_type_of[t];
	v->physbase = start | (uint64_t)mt_plan_type_of[t];
	/* PHYSMASKn: ones from MAXPHYADDR-1 down to the block's size, V = bit 11
	 * (SDM §11.11.2.3, Figure 11-7). */
	v->physmask = (~(size - 1) & mt_bits(pl->o->phys_bits - 1, PAGE_SHIFT)) | MT_MASK_V;
	return 0;
}

void mt_plan_build_msrs(memtype_plan *p, unsigned d)
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
	uint64_t def =
	    (uint64_t)mt_plan_type_of[d] | MT_DEF_E | (p->sum.fixed_enabled ? MT_DEF_FE : 0);
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
