/*
 * explain_findings.c - the findings of an explanation, codes listed in
 * docs/json.md: undefined overlaps, low memory, RAM the MTRRs leave
 * uncached, disabled or blank MTRRs, what mtrr_cleanup would do, TOM2,
 * conflicts the log reports, CPUs that disagree, and the checks that differ.
 */
#include "explain_internal.h"

#include <stdio.h>
#include <string.h>

static void set_range(memtype_finding *f, uint64_t start, uint64_t end)
{
	f->has_range = true;
	f->start = start;
	f->end = end;
}

static void low_memory(memtype_explain *e)
{
	const struct mt_mach *m = &e->mach;
	size_t cnt = memtype_map_count(e->map);

	for (unsigned i = 0; i < m->nvar; i++) {
		const struct mt_mach_var *x = &m->var[i];
		if (x->valid && (x->type == MEMTYPE_UC || x->type == MEMTYPE_WP) &&
		    x->base < MT_ONE_MIB_BYTES && m->fixed_enabled == 1 && m->have_fixed == 1)
			set_range(mt_explain_finding(
				      e, MEMTYPE_SEV_WARNING, "uc-under-1m",
				      "variable MTRR %u (%s) starts below 1 MiB while fixed MTRRs "
				      "are on: Linux warns \"VAR MTRR %u contains strange UC entry "
				      "under 1M\" and ignores that part (cleanup.c)",
				      i, mt_explain_tname(x->type), i),
				  x->base, x->base + x->size - 1);
	}
	if (m->enabled == 1 && m->have_fixed == 1 && m->fixed_enabled == 0)
		set_range(mt_explain_finding(
			      e, MEMTYPE_SEV_INFO, "low-mem-oddity",
			      "fixed-range MTRRs are off (DEF_TYPE.FE = 0): the first MiB follows "
			      "the variable ranges and the default type"),
			  0, MT_ONE_MIB_BYTES - 1);
	/* The RAM entries that can reach below 1 MiB, in table order (the fixed
	 * ranges make up to 88 pieces there; the table is often long). */
	unsigned low[MT_CAP_MAX_E820], nlow = 0;
	for (unsigned k = 0; k < m->ne820; k++)
		if (m->e820[k].start < MT_ONE_MIB_BYTES && mt_e820_usable(&m->e820[k]))
			low[nlow++] = k;
	for (size_t i = 0; i < cnt; i++) {
		memtype_range p;
		if (memtype_map_get(e->map, i, &p) || p.start >= MT_ONE_MIB_BYTES)
			break;
		uint64_t end = p.end < MT_ONE_MIB_BYTES ? p.end : MT_ONE_MIB_BYTES - 1;
		memtype_type t = (memtype_type)p.value;
		/* Conventional memory below 640 KiB is RAM; it should be WB. */
		for (unsigned j = 0; j < nlow && t != MEMTYPE_WB; j++) {
			const struct mt_cap_range *r = &m->e820[low[j]];
			if (r->start > end || r->end < p.start)
				continue;
			uint64_t s = r->start > p.start ? r->start : p.start;
			uint64_t z = r->end < end ? r->end : end;
			set_range(mt_explain_finding(e, MEMTYPE_SEV_WARNING, "low-ram-not-wb",
						     "RAM below 1 MiB is %s, not WB",
						     mt_explain_tname((int)t)),
				  s, z);
		}
		/* The legacy VGA window: caching it write-back or write-protect is wrong
		 * for a frame buffer; write-through (set by some AMD BIOSes) is odd. */
		if (p.start < 0xC0000 && end >= 0xA0000 && t != MEMTYPE_UC && t != MEMTYPE_WC) {
			uint64_t s = p.start > 0xA0000 ? p.start : 0xA0000;
			uint64_t z = end < 0xBFFFF ? end : 0xBFFFF;
			set_range(mt_explain_finding(
				      e, t == MEMTYPE_WT ? MEMTYPE_SEV_INFO : MEMTYPE_SEV_WARNING,
				      "low-mem-oddity",
				      "legacy VGA window 0xA0000-0xBFFFF is %s (UC or WC expected)",
				      mt_explain_tname((int)t)),
				  s, z);
		}
		/* ROM shadows are WP, WT or UC (WB where RAM backs them); WC there is odd. */
		if (end >= 0xC0000 && t == MEMTYPE_WC) {
			uint64_t s = p.start > 0xC0000 ? p.start : 0xC0000;
			set_range(mt_explain_finding(
				      e, MEMTYPE_SEV_INFO, "low-mem-oddity",
				      "BIOS/option-ROM area is %s (WP, WT, UC or WB expected)",
				      mt_explain_tname((int)t)),
				  s, end);
		}
	}
}

static void ram_not_covered(memtype_explain *e)
{
	const struct mt_mach *m = &e->mach;
	size_t cnt = memtype_map_count(e->map);
	uint64_t bytes = 0, fs = 0, fe = 0;
	int ft = -1;

	memtype_range first, last;
	if (cnt == 0 || memtype_map_get(e->map, 0, &first) ||
	    memtype_map_get(e->map, cnt - 1, &last))
		return;
	for (unsigned k = 0; k < m->ne820; k++) {
		const struct mt_cap_range *r = &m->e820[k];
		if (!mt_e820_usable(r) || r->start > last.end)
			continue;
		/* The pieces before the one holding r->start end below it. */
		size_t at = r->start > first.start ? mt_map_index(e->map, r->start) : 0;
		for (size_t i = at; i < cnt; i++) {
			memtype_range p;
			if (memtype_map_get(e->map, i, &p))
				break;
			if (p.end < r->start)
				continue;
			if (p.start > r->end)
				break;
			if (p.value == MEMTYPE_WB || p.end < MT_ONE_MIB_BYTES)
				continue; /* below 1 MiB: low-ram-not-wb */
			uint64_t s = p.start > r->start ? p.start : r->start;
			uint64_t z = p.end < r->end ? p.end : r->end;
			if (s < MT_ONE_MIB_BYTES)
				s = MT_ONE_MIB_BYTES;
			if (s > z)
				continue;
			if (!bytes) {
				fs = s;
				fe = z;
				ft = (int)p.value;
			}
			bytes += z - s + 1;
		}
	}
	if (!bytes)
		return;
	bool vm = m->hypervisor[0] || (m->log && m->log->all_blank);
	/* AMD boards leave RAM above 4 GiB to TOM2; a capture without the
	 * "TOM2:" line (or SYSCFG/TOP_MEM2) cannot tell. */
	bool maybe_tom2 = !m->tom2 && m->vendor != 1 && fs >= FOUR_GIB;
	char tail[MSG];
	if (e->trim.runs && e->trim.lost)
		snprintf(tail, sizeof(tail), "Linux trims it: \"losing %lluMB of RAM\"",
			 (unsigned long long)(e->trim.lost >> 20));
	else if (e->trim.blank)
		snprintf(tail, sizeof(tail),
			 "Linux trims nothing (\"CPU MTRRs all blank - "
			 "virtualized system.\")");
	else
		snprintf(tail, sizeof(tail), "Linux does not trim it (%s)",
			 e->trim.reason ? e->trim.reason : "no trim");
	set_range(mt_explain_finding(
		      e, vm || maybe_tom2 ? MEMTYPE_SEV_INFO : MEMTYPE_SEV_WARNING,
		      "ram-not-covered",
		      "%llu MiB of RAM is not WB by the MTRRs (first 0x%llx-0x%llx: %s)%s; %s",
		      (unsigned long long)((bytes + (1u << 20) - 1) >> 20), (unsigned long long)fs,
		      (unsigned long long)fe, mt_explain_tname(ft),
		      vm	   ? " -- in a VM the hypervisor's stage 2 usually decides"
		      : maybe_tom2 ? " -- unless an AMD TOM2 (not in the capture) makes it WB"
				   : "",
		      tail),
		  fs, fe);
}

/* "mtrr: your CPUs had inconsistent variable MTRR settings" (and fixed MTRR,
 * MTRRdefType): mtrr_state_warn() in arch/x86/kernel/cpu/mtrr/generic.c,
 * which then reprograms the APs like the boot CPU ("corrected
 * configuration"). bits: 1 variable, 2 fixed, 4 MTRRdefType. */
static void inconsistent_finding(memtype_explain *e, unsigned bits)
{
	static const char *const what[] = {"variable MTRR", "fixed MTRR", "MTRRdefType"};
	char list[64] = "";
	size_t used = 0;

	for (unsigned k = 0; k < 3; k++)
		if (bits >> k & 1u)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 used ? ", " : "", what[k]);
	mt_explain_finding(
	    e, MEMTYPE_SEV_WARNING, "mtrr-inconsistent-cpus",
	    "the kernel found CPUs with different %s settings (the firmware did not set up "
	    "every CPU alike; Linux copies the boot CPU's)",
	    list);
}

void mt_explain_findings(memtype_explain *e, const memtype_capture *const *caps, size_t n)
{
	struct mt_mach *m = &e->mach;
	const memtype_explain_info *info = &e->info;

	bool low_known = m->fixed_known || m->have_fixed == 0 || m->fixed_enabled == 0;
	if (e->map) {
		size_t cnt = memtype_map_count(e->map);
		unsigned und = 0;
		for (size_t i = 0; i < cnt; i++) {
			memtype_range p;
			if (memtype_map_get(e->map, i, &p) || p.value != MEMTYPE_UNDEFINED)
				continue;
			if (und++ < 8) {
				char regs[128] = "";
				size_t used = 0;
				for (unsigned b = 0; b < 64 && used < sizeof(regs); b++)
					if (p.regs >> b & 1u)
						used += (size_t)snprintf(
						    regs + used, sizeof(regs) - used, "%s%u",
						    used ? "," : "", b);
				set_range(
				    mt_explain_finding(
					e, MEMTYPE_SEV_ERROR, "mtrr-overlap-undefined",
					"variable MTRRs %s overlap with types the SDM does not "
					"combine (§11.11.4.1): the memory type is undefined",
					regs),
				    p.start, p.end);
			}
		}
		if (low_known)
			low_memory(e); /* else [0, 1 MiB) was drawn from assumptions */
		ram_not_covered(e);
	}
	if (m->enabled == 0)
		mt_explain_finding(e, m->hypervisor[0] ? MEMTYPE_SEV_INFO : MEMTYPE_SEV_WARNING,
				   "mtrr-disabled", "MTRRs are disabled (%s): every access is UC%s",
				   m->mtrr_status ? m->mtrr_status : "DEF_TYPE.E = 0",
				   m->hypervisor[0] ? " as far as the guest's MTRRs go" : "");
	if (m->log && m->log->all_blank)
		mt_explain_finding(
		    e, MEMTYPE_SEV_INFO, "vm-blank-mtrrs",
		    "\"CPU MTRRs all blank - virtualized system.\": no WB variable MTRR; the "
		    "kernel does not trim RAM");
	if (info->cleanup_status && strcmp(info->cleanup_status, "rewrites") == 0) {
		unsigned used = 0;
		for (unsigned i = 0; i < m->nvar; i++)
			used += m->var[i].valid;
		char r[MSG];
		mt_explain_result_text(r, sizeof(r), &e->cout.result);
		mt_explain_finding(
		    e, MEMTYPE_SEV_INFO, "cleanup-would-rewrite",
		    "Linux's mtrr_cleanup rewrites the %u variable MTRRs in use as %u (%s)", used,
		    e->cout.result.num_reg, r);
	} else if (info->cleanup_status && strcmp(info->cleanup_status, "no-optimal") == 0) {
		mt_explain_finding(
		    e, MEMTYPE_SEV_WARNING, "cleanup-no-optimal",
		    "Linux's mtrr_cleanup finds no lossless layout within VCNT - spare registers: "
		    "\"mtrr_cleanup: can not find optimal value\"");
	}
	if (m->tom2 > FOUR_GIB) {
		for (unsigned i = 0; i < m->nvar; i++) {
			const struct mt_mach_var *x = &m->var[i];
			if (!x->valid || x->type == MEMTYPE_WB || x->size == 0)
				continue;
			uint64_t s = x->base, z = x->base + x->size - 1;
			if (z < FOUR_GIB || s >= m->tom2)
				continue;
			set_range(mt_explain_finding(
				      e, MEMTYPE_SEV_WARNING, "tom2-linux-differs",
				      "variable MTRR %u (%s) lies in [4 GiB, TOM2): the CPU uses "
				      "%s there, Linux's map says WB (TOM2 entry is fixed)",
				      i, mt_explain_tname(x->type), mt_explain_tname(x->type)),
				  s > FOUR_GIB ? s : FOUR_GIB, z < m->tom2 - 1 ? z : m->tom2 - 1);
		}
	}
	for (size_t k = 0; k < n; k++) {
		const memtype_capture *c = caps[k];
		for (unsigned i = 0; i < c->nconflicts; i++)
			mt_explain_finding(e, MEMTYPE_SEV_ERROR, "memtype-conflict", "%s:%u: %s",
					   c->name, c->conflicts[i].line, c->conflicts[i].text);
		if (c->inconsistent)
			inconsistent_finding(e, c->inconsistent);
		for (unsigned s = 0; c->msr_read && s < MT_CAP_MSR_SLOTS; s++) {
			const struct mt_cap_msr *r = &c->msr[s];
			if (!r->present || !r->differ)
				continue;
			uint32_t idx = s == 0	  ? 0xfeu
				       : s == 257 ? MT_MSR_SYSCFG
				       : s == 258 ? MT_MSR_TOP_MEM2
						  : 0x200u + (s - 1);
			mt_explain_finding(e, MEMTYPE_SEV_WARNING, "mtrr-inconsistent-cpus",
					   "MSR 0x%x: %u reads give 0x%llx, %u give 0x%llx", idx,
					   r->cpus, (unsigned long long)r->value, r->differ,
					   (unsigned long long)r->other);
		}
	}
	if (m->pat_off)
		mt_explain_finding(
		    e, MEMTYPE_SEV_INFO, "pat-disabled",
		    "the kernel runs without PAT: page tables can only pick WB, WT, UC- and UC");
	for (size_t i = 0; i < info->nchecks; i++) {
		const memtype_check *c = &info->checks[i];
		if (c->agrees)
			continue;
		if (strcmp(c->what, "merge") == 0)
			mt_explain_finding(e, MEMTYPE_SEV_WARNING, "capture-disagreement", "%s: %s",
					   c->log, c->model);
		else
			mt_explain_finding(e, MEMTYPE_SEV_WARNING, "log-mismatch",
					   "%s: the capture says \"%s\", the model \"%s\"", c->what,
					   c->log, c->model);
	}
	if (e->findings_dropped)
		e->info.nfindings = MAX_FINDINGS; /* (the rest were dropped) */
}
