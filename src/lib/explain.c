/*
 * explain.c - what a machine's captures mean: the architectural MTRR map,
 * Linux's view of the same registers (cleanup, 6.5+ cache map, trim), the
 * cross-checks against what the kernel itself printed, and the findings.
 *
 * Inputs are parsed captures (capture*.c); mt_machine_build() (explain_merge.c)
 * merges them into one register state. From there:
 *  1. hardware: the registers are replayed as WRMSRs into a reset CPU
 *     (mtrr.c, so a value the CPU would refuse is the #GP it is) and the
 *     whole-space map is drawn (mtrr_map.c); AMD's TOM2 then makes
 *     [4 GiB, TOM2) WB wherever no variable MTRR matched (SYSCFG
 *     Tom2ForceMemTypeWB, APM Vol. 2 §7.9.1 -- MTRRs still override)
 *     (explain_hardware.c);
 *  2. Linux: mtrr_cleanup() and mtrr_trim_uncached_memory() (linux_cleanup.c)
 *     and the 6.5+ cache map (linux_mtrr.c, the same code the simulator
 *     uses; TOM2 there is an entry no variable MTRR can change)
 *     (explain_linux.c);
 *  3. checks: the capture's "MTRR map:" line and mtrr=debug entries, its
 *     cleanup lines and its "losing NMB of RAM" line against the model
 *     (explain_checks.c);
 *  4. findings, codes listed in docs/json.md (explain_findings.c).
 * Everything the result points to is owned by the explain object; this
 * file runs the steps, records their notes and findings, and fills the
 * memtype_explain_info the caller reads (the drawing is explain_svg.c's).
 */
#include "explain_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ records */

void mt_explain_note(memtype_explain *e, const char *fmt, ...)
{
	va_list ap;

	if (e->nnotes >= MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(e->notes[e->nnotes], MT_CAP_TEXT, fmt, ap);
	va_end(ap);
	e->note_ptrs[e->nnotes] = e->notes[e->nnotes];
	e->nnotes++;
}

memtype_finding *mt_explain_finding(memtype_explain *e, memtype_severity sev, const char *code,
				    const char *fmt, ...)
{
	va_list ap;
	size_t i = e->info.nfindings;

	if (i >= MAX_FINDINGS) {
		e->findings_dropped++;
		memset(&e->sink, 0, sizeof(e->sink));
		return &e->sink;
	}
	va_start(ap, fmt);
	vsnprintf(e->finding_text[i], MSG, fmt, ap);
	va_end(ap);
	memtype_finding *f = &e->findings[i];
	memset(f, 0, sizeof(*f));
	f->severity = sev;
	f->code = code;
	f->message = e->finding_text[i];
	f->mapping = -1;
	e->info.nfindings++;
	return f;
}

/* ------------------------------------------------------------ assembly */

static void fill_state(memtype_explain *e)
{
	struct mt_mach *m = &e->mach;
	memtype_explain_info *info = &e->info;

	info->kernel = m->kernel[0] ? m->kernel : NULL;
	info->dmi = m->dmi[0] ? m->dmi : NULL;
	info->hypervisor = m->hypervisor[0] ? m->hypervisor : NULL;
	info->cpu_vendor = m->vendor == 1 ? "intel" : m->vendor == 2 ? "amd" : NULL;
	info->cpu_vendor_source = m->vendor ? m->vendor_source : NULL;
	info->phys_bits = m->phys_bits;
	info->phys_bits_source = m->phys_bits_source;
	info->mtrr_source = m->mtrr_source;
	info->mtrr_enabled = m->enabled;
	info->fixed_enabled = m->fixed_enabled;
	info->default_known = m->def_type >= 0;
	info->default_type = m->def_type >= 0 ? (memtype_type)m->def_type : MEMTYPE_UC;
	info->default_source = m->def_source;
	info->vcnt = m->vcnt;
	info->vcnt_source = m->vcnt ? m->vcnt_source : NULL;
	info->fixed_known = m->fixed_known;
	if (m->fixed_known) {
		size_t nf = 0;
		unsigned first = 0;
		for (unsigned i = 1; i <= MT_CAP_FIXED; i++) {
			if (i < MT_CAP_FIXED && m->fixed[i] == m->fixed[first])
				continue;
			uint64_t s = first < 8	  ? (uint64_t)first << 16
				     : first < 24 ? 0x80000ull + ((uint64_t)(first - 8) << 14)
						  : 0xC0000ull + ((uint64_t)(first - 24) << 12);
			uint64_t z = i < 8    ? (uint64_t)i << 16
				     : i < 24 ? 0x80000ull + ((uint64_t)(i - 8) << 14)
				     : i < 88 ? 0xC0000ull + ((uint64_t)(i - 24) << 12)
					      : MT_ONE_MIB_BYTES;
			e->fixed[nf].start = s;
			e->fixed[nf].end = z - 1;
			e->fixed[nf].type = (memtype_type)m->fixed[first];
			e->fixed[nf].name = NULL;
			nf++;
			first = i;
		}
		info->nfixed = nf;
		info->fixed = e->fixed;
	}
	info->var_known = m->var_known;
	if (m->var_known) {
		for (unsigned i = 0; i < m->nvar; i++) {
			const struct mt_mach_var *x = &m->var[i];
			memtype_capture_var *o = &e->var[i];
			o->index = i;
			o->enabled = x->valid;
			o->base = x->base;
			o->mask = x->mask;
			o->size = x->size;
			o->type = x->type >= 0 ? (memtype_type)x->type : MEMTYPE_UC;
			o->type_valid = x->type >= 0;
			o->exact = x->exact;
		}
		info->nvar = m->nvar;
		info->var = e->var;
	}
	info->tom2 = m->tom2;
	info->tom2_source = m->tom2 ? m->tom2_source : NULL;
	info->pat_known = m->pat_known;
	info->pat = m->pat;
	info->pat_source = m->pat_source;
	for (unsigned i = 0; i < m->ne820; i++) {
		e->e820[i].start = m->e820[i].start;
		e->e820[i].end = m->e820[i].end;
		e->e820[i].type = MEMTYPE_UC;
		e->e820[i].name = m->e820[i].name;
	}
	info->ne820 = m->ne820;
	info->e820 = e->e820;
	info->mtrr_map = e->map;
	if (m->log && m->log->map_line) {
		info->log_map.known = true;
		info->log_map.entries = m->log->map_n;
		info->log_map.fixed = m->log->map_f;
		info->log_map.variable = m->log->map_v;
		info->log_map.max = m->log->map_m;
		info->log_map.built_from = m->log->map_k;
	}
}

static void fill_diags(memtype_explain *e, const memtype_capture *const *caps, size_t n)
{
	size_t k = 0;

	for (size_t c = 0; c < n; c++)
		for (unsigned i = 0; i < caps[c]->ndiags && k < MAX_DIAGS; i++, k++) {
			const struct mt_cap_diag *d = &caps[c]->diags[i];
			mt_cap_strcpy(e->diag_code[k], sizeof(e->diag_code[k]), d->code);
			mt_cap_strcpy(e->diag_msg[k], sizeof(e->diag_msg[k]), d->message);
			e->diags[k].file = e->names[c];
			e->diags[k].line = d->line;
			e->diags[k].col = d->col;
			e->diags[k].code = e->diag_code[k];
			e->diags[k].message = e->diag_msg[k];
		}
	e->info.ndiags = k;
	e->info.diags = e->diags;
}

/* The bytes of the per-input arrays: names, then name pointers, formats and
 * formats seen (each array's size keeps the next one aligned). */
static size_t inputs_size(size_t n)
{
	return n * (sizeof(char[256]) + sizeof(const char *) + sizeof(memtype_capture_format) +
		    sizeof(unsigned));
}

/* Carve the per-input arrays from one allocation (one per file in a scan). */
static bool inputs_alloc(memtype_explain *e)
{
	char *p = mt_alloc(e->ctx, inputs_size(e->n));

	if (!p)
		return false;
	e->names = (char(*)[256])(void *)p;
	e->name_ptrs = (const char **)(void *)(p + e->n * sizeof(char[256]));
	e->fmts = (memtype_capture_format *)(void *)(e->name_ptrs + e->n);
	e->seen = (unsigned *)(void *)(e->fmts + e->n);
	return true;
}

void memtype_explain_free(memtype_explain *e)
{
	if (!e)
		return;
	memtype_ctx *ctx = e->ctx;
	memtype_map_free(e->map);
	memtype_mtrr_free(e->hw);
	mt_free(ctx, e->names, inputs_size(e->n));
	mt_free(ctx, e, sizeof(*e));
}

int memtype_explain_run(memtype_ctx *ctx, const memtype_capture *const *caps, size_t n,
			memtype_explain **out)
{
	*out = NULL;
	if (!ctx)
		return -EINVAL;
	if (!caps || n == 0 || n > 1024)
		return mt_error(ctx, -EINVAL, "bad-argument", "explain needs 1 to 1024 captures");
	for (size_t i = 0; i < n; i++)
		if (!caps[i] || !caps[i]->finished || caps[i]->failed)
			return mt_error(ctx, -EINVAL, "bad-argument",
					"capture %zu was not parsed successfully", i);
	memtype_explain *e = mt_alloc(ctx, sizeof(*e));
	if (!e)
		return -ENOMEM;
	memset(e, 0, offsetof(struct memtype_explain, mach));
	e->ctx = ctx;
	e->n = n;
	if (!inputs_alloc(e)) {
		memtype_explain_free(e);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		mt_cap_strcpy(e->names[i], sizeof(e->names[i]), caps[i]->name);
		e->name_ptrs[i] = e->names[i];
		e->fmts[i] = memtype_capture_format_of(caps[i]);
		e->seen[i] = caps[i]->formats;
	}
	e->info.checks = e->checks;
	e->info.findings = e->findings;
	e->info.ninputs = n;
	e->info.input_names = e->name_ptrs;
	e->info.input_formats = e->fmts;
	e->info.input_formats_seen = e->seen;

	e->caps = caps;
	mt_machine_build(caps, n, &e->mach);
	for (unsigned i = 0; i < e->mach.nnotes; i++)
		mt_explain_note(e, "%s", e->mach.notes[i]);
	unsigned base_notes = e->nnotes;
	mt_explain_hardware(e);
	mt_explain_linux(e);
	if (e->mach.tom2_source == NULL && mt_explain_infer_tom2(e)) {
		/* Redo both views with the TOM2 the kernel must have seen. */
		memtype_map_free(e->map);
		memtype_mtrr_free(e->hw);
		e->map = NULL;
		e->hw = NULL;
		e->nnotes = base_notes;
		e->info.nfindings = 0;
		mt_explain_hardware(e);
		mt_explain_linux(e);
		mt_explain_note(
		    e,
		    "TOM2 inferred as at least 0x%llx: RAM above 4 GiB is not WB by the variable "
		    "MTRRs, yet the kernel trimmed nothing (AMD SYSCFG TOM2 forces it WB)",
		    (unsigned long long)e->mach.tom2);
	}
	fill_state(e);
	mt_explain_checks(e);
	mt_explain_findings(e, caps, n);
	fill_diags(e, caps, n);
	e->caps = NULL;
	e->info.nassumptions = e->nnotes;
	e->info.assumptions = e->note_ptrs;
	e->info.checks = e->checks;
	e->info.findings = e->findings;
	*out = e;
	return 0;
}

const memtype_explain_info *memtype_explain_get(const memtype_explain *e)
{
	return e ? &e->info : NULL;
}
