/*
 * explain_hardware.c - the merged registers as the CPU applies them: replayed
 * as WRMSRs into a reset CPU (mtrr.c, so a value the CPU would refuse is the
 * #GP it is), the whole-space map drawn (mtrr_map.c), and AMD's TOM2 making
 * [4 GiB, TOM2) WB wherever no variable MTRR matched (SYSCFG
 * Tom2ForceMemTypeWB, APM Vol. 2 §7.9.1 -- MTRRs still override).
 */
#include "explain_internal.h"

#include <string.h>

/* Replay the registers into a reset CPU; NULL (with a note) when they are
 * not known. regs/nregs: the variable MTRRs to use (firmware's or cleaned). */
memtype_mtrr *mt_explain_replay(memtype_explain *e, const struct mt_mach_var *regs, unsigned nregs,
				bool report)
{
	const struct mt_mach *m = &e->mach;
	unsigned vcnt = m->vcnt ? m->vcnt : nregs;

	if (vcnt > MEMTYPE_MAX_VCNT) {
		if (report)
			mt_explain_note(e, "VCNT %u: the model has at most %u variable MTRRs", vcnt,
					MEMTYPE_MAX_VCNT);
		vcnt = MEMTYPE_MAX_VCNT;
	}
	uint64_t cap = vcnt | MEMTYPE_MTRRCAP_WC | (m->have_fixed != 0 ? MEMTYPE_MTRRCAP_FIX : 0);
	memtype_mtrr *hw = memtype_mtrr_new(e->ctx, m->phys_bits, cap);
	if (!hw)
		return NULL;
	bool fixed = m->fixed_known && m->have_fixed != 0;
	if (fixed) {
		static const uint32_t fx[11] = {0x250, 0x258, 0x259, 0x268, 0x269, 0x26a,
						0x26b, 0x26c, 0x26d, 0x26e, 0x26f};
		for (unsigned j = 0; j < 11; j++) {
			uint64_t v = 0;
			for (unsigned b = 0; b < 8; b++)
				v |= (uint64_t)m->fixed[8 * j + b] << (8 * b);
			if (memtype_mtrr_wrmsr(hw, fx[j], v) != 0 && report) {
				memtype_finding *f = mt_explain_finding(
				    e, MEMTYPE_SEV_ERROR, "invalid-msr-value",
				    "%s <- 0x%llx would raise #GP: %s (the range reads as UC here)",
				    memtype_msr_name(fx[j]), (unsigned long long)v,
				    memtype_ctx_error(e->ctx)->message);
				(void)f;
			}
		}
	}
	for (unsigned i = 0; i < nregs && i < vcnt; i++) {
		const struct mt_mach_var *x = &regs[i];
		if (!x->valid)
			continue;
		if (x->type < 0) {
			if (report)
				mt_explain_finding(
				    e, MEMTYPE_SEV_ERROR, "invalid-msr-value",
				    "variable MTRR %u has a reserved type (0x%x): WRMSR would "
				    "raise "
				    "#GP; left out of the map",
				    i, x->raw_type);
			continue;
		}
		if (memtype_mtrr_wrmsr(hw, MEMTYPE_MSR_MTRR_PHYSBASE0 + 2 * i,
				       x->base | (uint64_t)x->type) != 0 ||
		    memtype_mtrr_wrmsr(hw, MEMTYPE_MSR_MTRR_PHYSMASK0 + 2 * i, x->mask | 0x800u) !=
			0) {
			if (report)
				mt_explain_finding(
				    e, MEMTYPE_SEV_ERROR, "invalid-msr-value",
				    "variable MTRR %u (base 0x%llx mask 0x%llx): %s; left out of "
				    "the map",
				    i, (unsigned long long)x->base, (unsigned long long)x->mask,
				    memtype_ctx_error(e->ctx)->message);
			memtype_mtrr_wrmsr(hw, MEMTYPE_MSR_MTRR_PHYSMASK0 + 2 * i, 0);
		}
	}
	int en = m->enabled >= 0 ? m->enabled : 1;
	int fe = fixed ? (m->fixed_enabled >= 0 ? m->fixed_enabled : 1) : 0;
	int def = m->def_type;
	if (def < 0) {
		/* /proc/mtrr and some logs do not print it: a BIOS that lists WB
		 * ranges uses a UC default; one that lists only UC/WC/WP holes uses WB. */
		def = MEMTYPE_WB;
		for (unsigned i = 0; i < nregs; i++)
			if (regs[i].valid && regs[i].type == MEMTYPE_WB)
				def = MEMTYPE_UC;
	}
	uint64_t dt = (uint64_t)def | ((uint64_t)fe << 10) | ((uint64_t)en << 11);
	if (memtype_mtrr_wrmsr(hw, MEMTYPE_MSR_MTRR_DEF_TYPE, dt) != 0) {
		memtype_mtrr_free(hw);
		return NULL;
	}
	return hw;
}

/* [4 GiB, TOM2) WB where nothing matched (hardware semantics). */
static void tom2_overlay(memtype_explain *e)
{
	uint64_t tom2 = e->mach.tom2;
	size_t cnt = memtype_map_count(e->map);
	uint64_t set_s[64], set_e[64];
	unsigned nset = 0;

	if (!tom2 || tom2 <= FOUR_GIB)
		return;
	for (size_t i = 0; i < cnt && nset < 64; i++) {
		memtype_range p;
		if (memtype_map_get(e->map, i, &p) || (p.src & 0xffu) != MEMTYPE_MTRR_SRC_DEFAULT)
			continue;
		uint64_t s = p.start > FOUR_GIB ? p.start : FOUR_GIB;
		uint64_t t = p.end < tom2 - 1 ? p.end : tom2 - 1;
		if (s <= t) {
			set_s[nset] = s;
			set_e[nset++] = t;
		}
	}
	for (unsigned i = 0; i < nset; i++)
		memtype_map_set(e->map, set_s[i], set_e[i], MEMTYPE_WB, SRC_TOM2, 0);
}

void mt_explain_hardware(memtype_explain *e)
{
	struct mt_mach *m = &e->mach;

	if (!m->var_known) {
		mt_explain_note(e,
				"no variable MTRR registers in the captures: no map can be drawn");
		return;
	}
	if (m->mtrr_status && strcmp(m->mtrr_status, "not-available") == 0) {
		mt_explain_note(
		    e, "the CPU reports no MTRRs (\"MTRRs disabled (not available)\"): no map");
		return;
	}
	if (m->enabled < 0)
		mt_explain_note(e, "DEF_TYPE.E not in the captures: MTRRs assumed enabled");
	if (!m->fixed_known && m->have_fixed != 0)
		mt_explain_note(
		    e, "fixed-range MTRRs not in the captures: [0, 1 MiB) is drawn from the "
		       "variable ranges and the default type");
	e->hw = mt_explain_replay(e, m->var, m->nvar, true);
	if (!e->hw)
		return;
	int rc = memtype_mtrr_build_map(e->hw, 4096, &e->map);
	if (rc != 0) {
		mt_explain_note(e, "the map has too many pieces to draw (%s)",
				memtype_ctx_error(e->ctx)->code);
		e->map = NULL;
		return;
	}
	if (m->enabled != 0)
		tom2_overlay(e);
}
