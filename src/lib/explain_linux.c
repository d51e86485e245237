/*
 * explain_linux.c - what Linux makes of the merged registers: mtrr_cleanup()
 * and mtrr_trim_uncached_memory() (linux_cleanup.c), its 6.5+ cache map
 * (linux_mtrr.c, the same code the simulator uses; TOM2 there is an entry no
 * variable MTRR can change), and the TOM2 a filtered log lost.
 */
#include "explain_internal.h"

#include <stdio.h>
#include <string.h>

/* The size Linux <= 6.4 derives (generic_get_mtrr): the mask with every bit
 * above its highest set bit forced on; equal to mt_mask_size for sane masks. */
uint64_t mt_explain_old_size(const struct mt_mach_var *x)
{
	if (!x->exact)
		return x->size;
	uint64_t mk = x->mask & ~0xfffull;
	if (!mk)
		return 0;
	unsigned hi = 63;
	while (!(mk >> hi & 1u))
		hi--;
	return (uint64_t)0 - (mk | (~0ull << hi));
}

/* Did the kernel that wrote the log run mtrr_cleanup? 1 yes, 0 no, -1 unknown. */
static int log_cleanup_enabled(const memtype_capture *log)
{
	if (!log)
		return -1;
	if (log->clean_total_seen || log->clean_found || log->clean_fail || log->clean_orig_seen)
		return 1;
	/* The dump and what follows it (the PAT line) are there, but no cleanup line. */
	if (log->dump_seen && log->pat_seen)
		return 0;
	return -1;
}

static void counts_from(const struct mt_linux_mtrr *lx, memtype_linux_count *c)
{
	c->known = true;
	c->entries = lx->nmap;
	c->fixed = lx->nmap_fixed;
	c->variable = lx->nmap - lx->nmap_fixed;
	c->max = lx->map_max;
	c->built_from = lx->built_from;
}

static void linux_map(memtype_explain *e, memtype_mtrr *hw, memtype_linux_count *c, bool keep)
{
	/* mt_linux_mtrr_init() resets the rest of lx (its large tables are
	 * written before they are read, not cleared). No message log: explain
	 * reads the counts and the map, not the kernel's lines. */
	e->lx.version = LINUX_VERSION;
	e->lx.phys_bits = e->mach.phys_bits;
	e->lx.tom2 = e->mach.tom2 > FOUR_GIB ? e->mach.tom2 : 0;
	mt_linux_mtrr_init(&e->lx, true, hw, NULL, false, NULL);
	if (e->lx.state != MT_LX_MTRR_NORMAL)
		return;
	counts_from(&e->lx, c);
	if (!keep)
		return;
	for (unsigned i = 0; i < e->lx.nmap; i++) {
		memtype_capture_range *r = &e->lx_entries[i];
		r->start = e->lx.map[i].start;
		r->end = e->lx.map[i].end_excl - 1;
		r->type = (memtype_type)e->lx.map[i].type;
		r->name = NULL;
	}
	e->info.nlinux_entries = e->lx.nmap;
	e->info.linux_entries = e->lx_entries;
}

void mt_explain_linux(memtype_explain *e)
{
	struct mt_mach *m = &e->mach;
	struct mt_cleanup_in *in = &e->cin;
	memtype_explain_info *info = &e->info;

	memset(&e->trim, 0, sizeof(e->trim));
	memset(&info->linux_map, 0, sizeof(info->linux_map));
	memset(&info->linux_map_firmware, 0, sizeof(info->linux_map_firmware));
	memset(&info->cleanup_result, 0, sizeof(info->cleanup_result));
	info->nlinux_entries = 0;
	info->linux_entries = NULL;
	info->linux_after_cleanup = false;
	info->ncleanup_var = 0;
	info->cleanup_var = NULL;
	info->cleanup_total_mb = 0;
	info->trim_runs = false;
	info->losing_mb = 0;
	info->cleanup_status = "unknown";
	info->cleanup_reason = "the variable MTRRs or the default type are not known";
	if (!m->var_known || !e->hw) {
		/* mt_linux_cleanup() sets every field of it that is read on the
		 * other path; only this path needs the clear. */
		memset(&e->cout, 0, sizeof(e->cout));
		return;
	}
	memset(in, 0, sizeof(*in));
	in->nvar = m->vcnt < MT_CLEANUP_MAX_VAR ? m->vcnt : MT_CLEANUP_MAX_VAR;
	for (unsigned i = 0; i < in->nvar && i < m->nvar; i++) {
		const struct mt_mach_var *x = &m->var[i];
		if (!x->valid)
			continue;
		in->var[i].base = x->base;
		in->var[i].size = mt_explain_old_size(x);
		in->var[i].type = x->type >= 0 ? (uint8_t)x->type : (uint8_t)x->raw_type;
	}
	uint64_t dt = 0;
	memtype_mtrr_rdmsr(e->hw, MEMTYPE_MSR_MTRR_DEF_TYPE, &dt);
	in->def_type = (uint8_t)(dt & 0xffu);
	in->enabled = (dt >> 11) & 1u;
	in->fixed_enabled = (dt >> 10) & 1u;
	in->have_fixed = m->have_fixed != 0;
	in->tom2 = m->tom2 > FOUR_GIB ? m->tom2 : 0;
	in->phys_bits = m->phys_bits;
	in->chunk = m->params.chunk ? m->params.chunk : 256ull << 20;
	in->gran = m->params.gran;
	in->spare = m->params.spare >= 0 ? (unsigned)m->params.spare : 1u;
	/* Red Hat's kernels search chunks up to 2^address_bits (264 results);
	 * their version strings carry .el6/.el7 (and Virtuozzo's .vz7). */
	bool rhel =
	    strstr(m->kernel, ".el6") || strstr(m->kernel, ".el7") || strstr(m->kernel, ".vz7");
	in->chunk_bits = rhel ? m->phys_bits : 32u;
	in->max_results = rhel ? 264u : 136u;
	int ran = log_cleanup_enabled(m->log);
	bool assumed = false;
	if (m->params.enable_cleanup >= 0) {
		in->enable = m->params.enable_cleanup == 1;
	} else if (ran >= 0) {
		in->enable = ran == 1;
		if (!in->enable)
			mt_explain_note(
			    e, "mtrr_cleanup taken as disabled in this kernel: its log shows the "
			       "registers but no cleanup line");
	} else {
		in->enable = true;
		assumed = true;
	}
	if (m->vcnt_source && strcmp(m->vcnt_source, "lower-bound") == 0 && in->nvar < 8) {
		mt_explain_note(
		    e,
		    "VCNT unknown (at least %u): 8 assumed for the cleanup, as on most Intel "
		    "CPUs of the Core 2 era and on KVM",
		    in->nvar);
		in->nvar = 8;
	}
	mt_linux_cleanup(in, &e->cout);
	if (assumed && e->cout.runs)
		mt_explain_note(
		    e,
		    "mtrr_cleanup assumed enabled (CONFIG_MTRR_SANITIZER_ENABLE_DEFAULT=1, as in "
		    "the distribution kernels of the corpus)");
	info->cleanup_reason = e->cout.reason;
	if (e->cout.applied)
		info->cleanup_status = "rewrites";
	else if (e->cout.runs)
		info->cleanup_status = "no-optimal";
	else
		info->cleanup_status = "keeps";
	info->cleanup_total_mb = e->cout.total_mb;
	if (e->cout.applied || e->cout.runs) {
		info->cleanup_result.known = e->cout.applied;
		info->cleanup_result.bad = e->cout.result.bad;
		info->cleanup_result.gran = e->cout.result.gran;
		info->cleanup_result.chunk = e->cout.result.chunk;
		info->cleanup_result.lose = e->cout.result.lose;
		info->cleanup_result.num_reg = e->cout.result.num_reg;
	}

	/* The registers the kernel ends with, and its 6.5+ map from them. */
	memtype_mtrr *post = e->hw;
	struct mt_mach_var cleaned[MT_CAP_MAX_VAR];
	if (e->cout.applied) {
		memset(cleaned, 0, sizeof(cleaned));
		for (unsigned i = 0; i < e->cout.nvar && i < MT_CAP_MAX_VAR; i++) {
			const struct mt_cleanup_reg *r = &e->cout.var[i];
			memtype_capture_var *o = &e->cvar[i];
			o->index = i;
			o->enabled = r->size != 0;
			o->base = r->base;
			o->size = r->size;
			o->mask = mt_size_mask(r->size, m->phys_bits);
			o->type = (memtype_type)r->type;
			o->type_valid = r->size != 0;
			o->exact = false;
			cleaned[i].valid = r->size != 0;
			cleaned[i].base = r->base;
			cleaned[i].mask = o->mask;
			cleaned[i].size = r->size;
			cleaned[i].type = r->type;
		}
		info->ncleanup_var = e->cout.nvar;
		info->cleanup_var = e->cvar;
		post = mt_explain_replay(e, cleaned, e->cout.nvar, false);
		if (!post)
			post = e->hw;
	}
	bool counts_ok = m->fixed_known || m->have_fixed == 0 || m->fixed_enabled == 0;
	if (counts_ok) {
		linux_map(e, e->hw, &info->linux_map_firmware, post == e->hw);
		if (post != e->hw)
			linux_map(e, post, &info->linux_map, true);
		else
			info->linux_map = info->linux_map_firmware;
		info->linux_after_cleanup = post != e->hw;
	} else {
		mt_explain_note(
		    e, "Linux map counts not computed: its fixed entries depend on the unknown "
		       "fixed ranges");
	}

	/* mtrr_trim_uncached_memory() on the final registers. */
	struct mt_trim_ram ram[MT_CAP_MAX_E820];
	unsigned nram = 0;
	for (unsigned i = 0; i < m->ne820; i++)
		if (mt_e820_usable(&m->e820[i])) {
			ram[nram].start = m->e820[i].start;
			ram[nram++].end_excl = m->e820[i].end + 1;
		}
	const struct mt_cleanup_reg *tv = e->cout.applied ? e->cout.var : in->var;
	if (nram)
		mt_linux_trim(in, tv, in->nvar, ram, nram, m->params.disable_trim, &e->trim);
	info->trim_runs = e->trim.runs;
	info->losing_mb = e->trim.lost >> 20;
	if (post != e->hw)
		memtype_mtrr_free(post);
}

/* AMD boards cover RAM above 4 GiB with TOM2 rather than MTRRs; a log cut
 * by a line filter may have lost the "TOM2:" line. When the trim would
 * remove only RAM above 4 GiB but the complete log shows no "losing" line,
 * the kernel did see a TOM2: take it as the end of that RAM. */
bool mt_explain_infer_tom2(memtype_explain *e)
{
	struct mt_mach *m = &e->mach;
	const memtype_capture *log = m->log;

	if (m->tom2 || m->vendor == 1 || !log || log->losing_seen || !log->pat_seen ||
	    !log->dump_seen || !e->trim.runs || e->trim.lost == 0 || e->trim.first_start < FOUR_GIB)
		return false;
	uint64_t top = 0;
	for (unsigned i = 0; i < m->ne820; i++)
		if (mt_e820_usable(&m->e820[i]) && m->e820[i].end + 1 > top)
			top = m->e820[i].end + 1;
	top = (top + 0x7fffffull) & ~0x7fffffull; /* TOP_MEM2 bits 47:23 */
	m->tom2 = top;
	m->tom2_source = "inferred";
	if (!m->vendor) {
		m->vendor = 2;
		snprintf(m->vendor_source, sizeof(m->vendor_source), "TOM2 inferred");
	}
	return true;
}
