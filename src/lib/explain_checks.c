/*
 * explain_checks.c - the model against what the captures themselves say:
 * the "MTRR map:" line and mtrr=debug entries, the cleanup lines, the
 * "losing NMB of RAM" line, and the captures against each other (registers,
 * PAT, the same MSR on several CPUs). Each check is one memtype_check; the
 * ones that differ become findings (explain_findings.c).
 */
#include "explain_internal.h"

#include <stdio.h>
#include <string.h>

static memtype_check *check(memtype_explain *e, const char *what, bool agrees, const char *log,
			    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static memtype_check *check(memtype_explain *e, const char *what, bool agrees, const char *log,
			    const char *fmt, ...)
{
	va_list ap;
	size_t i = e->info.nchecks;

	if (i >= MAX_CHECKS)
		return NULL;
	mt_cap_strcpy(e->check_text[i][0], MSG, log);
	va_start(ap, fmt);
	vsnprintf(e->check_text[i][1], MSG, fmt, ap);
	va_end(ap);
	memtype_check *c = &e->checks[i];
	c->what = what;
	c->agrees = agrees;
	c->log = e->check_text[i][0];
	c->model = e->check_text[i][1];
	e->info.nchecks++;
	return c;
}

/* Sizes as the kernel's to_size_factor() prints them. */
static void kmg(char *buf, size_t n, uint64_t bytes)
{
	uint64_t k = bytes >> 10;

	if (k & 1023u)
		snprintf(buf, n, "%lluK", (unsigned long long)k);
	else if (k & ((1u << 20) - 1))
		snprintf(buf, n, "%lluM", (unsigned long long)(k >> 10));
	else
		snprintf(buf, n, "%lluG", (unsigned long long)(k >> 20));
}

void mt_explain_result_text(char *buf, size_t n, const struct mt_cap_result *r)
{
	char g[24], c[24], l[24];

	kmg(g, sizeof(g), r->gran);
	kmg(c, sizeof(c), r->chunk);
	kmg(l, sizeof(l), r->lose);
	snprintf(buf, n, "%sgran_size: %s chunk_size: %s num_reg: %u lose cover RAM: %s%s",
		 r->bad ? "*BAD*" : "", g, c, r->num_reg, r->bad ? "-" : "", l);
}

static bool result_eq(const struct mt_cap_result *a, const struct mt_cap_result *b)
{
	return a->bad == b->bad && a->gran == b->gran && a->chunk == b->chunk &&
	       a->num_reg == b->num_reg && a->lose == b->lose;
}

/* Compare two register lists (valid, base, size, type); the first
 * difference goes to buf. Returns the number of registers that differ. */
static unsigned regs_diff(const struct mt_mach_var *a, unsigned na, const struct mt_mach_var *b,
			  unsigned nb, char *buf, size_t n)
{
	unsigned diff = 0, lim = na > nb ? na : nb;

	buf[0] = '\0';
	for (unsigned i = 0; i < lim && i < MT_CAP_MAX_VAR; i++) {
		bool va = i < na && a[i].valid, vb = i < nb && b[i].valid;
		if (!va && !vb)
			continue;
		if (va && vb && a[i].base == b[i].base && a[i].size == b[i].size &&
		    (a[i].type == b[i].type || a[i].type < 0 || b[i].type < 0))
			continue;
		if (diff++ == 0) {
			char sa[64] = "unused", sb[64] = "unused";
			if (va)
				snprintf(sa, sizeof(sa), "0x%llx+0x%llx %s",
					 (unsigned long long)a[i].base,
					 (unsigned long long)a[i].size,
					 mt_explain_tname(a[i].type));
			if (vb)
				snprintf(sb, sizeof(sb), "0x%llx+0x%llx %s",
					 (unsigned long long)b[i].base,
					 (unsigned long long)b[i].size,
					 mt_explain_tname(b[i].type));
			snprintf(buf, n, "reg %u: %s vs %s", i, sa, sb);
		}
	}
	return diff;
}

static void sized_regs(const struct mt_cap_sizereg *tab, unsigned cnt, struct mt_mach_var *out,
		       unsigned *n)
{
	memset(out, 0, MT_CAP_MAX_VAR * sizeof(*out));
	*n = 0;
	for (unsigned i = 0; i < cnt; i++) {
		if (tab[i].index >= MT_CAP_MAX_VAR)
			continue;
		struct mt_mach_var *x = &out[tab[i].index];
		x->valid = true;
		x->base = tab[i].base;
		x->size = tab[i].size;
		x->type = tab[i].type;
		if (tab[i].index + 1 > *n)
			*n = tab[i].index + 1;
	}
}

static void check_map(memtype_explain *e, const memtype_capture *log)
{
	const memtype_linux_count *mc = &e->info.linux_map;
	char lg[MSG];

	if (!log || !log->map_line)
		return;
	snprintf(
	    lg, sizeof(lg),
	    "MTRR map: %u entries (%u fixed + %u variable; max %u), built from %u variable MTRRs",
	    log->map_n, log->map_f, log->map_v, log->map_m, log->map_k);
	if (!mc->known)
		return;
	bool same = mc->entries == log->map_n && mc->fixed == log->map_f &&
		    mc->variable == log->map_v && mc->max == log->map_m &&
		    mc->built_from == log->map_k;
	check(
	    e, "mtrr-map", same, lg,
	    "MTRR map: %u entries (%u fixed + %u variable; max %u), built from %u variable MTRRs%s",
	    mc->entries, mc->fixed, mc->variable, mc->max, mc->built_from,
	    e->info.linux_after_cleanup ? " (after mtrr_cleanup)" : "");
	if (log->nmap == 0)
		return;
	unsigned lim =
	    log->nmap > e->info.nlinux_entries ? log->nmap : (unsigned)e->info.nlinux_entries;
	for (unsigned i = 0; i < lim; i++) {
		const struct mt_cap_trange *a = i < log->nmap ? &log->map[i] : NULL;
		const memtype_capture_range *b =
		    i < e->info.nlinux_entries ? &e->lx_entries[i] : NULL;
		if (a && b && a->start == b->start && a->end == b->end && a->type == (int)b->type)
			continue;
		char la[96] = "none", lb[96] = "none";
		if (a)
			snprintf(la, sizeof(la), "%u: %016llx-%016llx %s", i,
				 (unsigned long long)a->start, (unsigned long long)a->end,
				 mt_explain_tname(a->type));
		if (b)
			snprintf(lb, sizeof(lb), "%u: %016llx-%016llx %s", i,
				 (unsigned long long)b->start, (unsigned long long)b->end,
				 mt_explain_tname((int)b->type));
		check(e, "mtrr-map-entries", false, la, "%s", lb);
		return;
	}
	snprintf(lg, sizeof(lg), "%u map entries (mtrr=debug)", log->nmap);
	check(e, "mtrr-map-entries", true, lg, "the same %u entries, line by line", log->nmap);
}

static void check_cleanup(memtype_explain *e, const memtype_capture *log)
{
	const struct mt_cleanup_out *co = &e->cout;
	char lg[MSG], md[MSG];

	if (!log || !e->mach.var_known || strcmp(e->info.cleanup_status, "unknown") == 0)
		return;
	if (log->clean_total_seen) {
		snprintf(lg, sizeof(lg), "total RAM covered: %lluM",
			 (unsigned long long)log->clean_total_mb);
		if (co->runs)
			check(e, "cleanup-total", co->total_mb == log->clean_total_mb, lg,
			      "total RAM covered: %lluM", (unsigned long long)co->total_mb);
		else
			check(e, "cleanup-total", false, lg, "mtrr_cleanup would not run: %s",
			      co->reason);
	}
	if (log->clean_chosen_seen) {
		mt_explain_result_text(lg, sizeof(lg), &log->clean_chosen);
		if (co->applied) {
			mt_explain_result_text(md, sizeof(md), &co->result);
			check(e, "cleanup-result", result_eq(&co->result, &log->clean_chosen), lg,
			      "%s", md);
		} else {
			check(e, "cleanup-result", false, lg, "%s", co->reason);
		}
	} else if (log->clean_fail) {
		check(e, "cleanup-result", co->runs && !co->applied,
		      "mtrr_cleanup: can not find optimal value", "%s",
		      co->applied ? "the model finds an optimal setting" : co->reason);
	}
	unsigned nr = co->nresults;
	if (log->clean_fail && nr && log->nresults >= nr && nr <= MT_CAP_MAX_RESULTS) {
		/* The last nr lines of the log are the kernel's full result table. */
		unsigned bad = 0, first = 0, at = log->nresults - nr;
		for (unsigned i = 0; i < nr; i++)
			if (!result_eq(&log->results[(at + i) % MT_CAP_MAX_RESULTS],
				       &co->results[i]))
				if (bad++ == 0)
					first = i;
		snprintf(lg, sizeof(lg), "%u result lines", nr);
		if (bad)
			check(e, "cleanup-results", false, lg, "%u differ, first at line %u", bad,
			      first + 1);
		else
			check(e, "cleanup-results", true, lg, "all %u equal", nr);
	}
	struct mt_mach_var a[MT_CAP_MAX_VAR], b[MT_CAP_MAX_VAR];
	unsigned na, nb;
	if (log->clean_orig_seen && e->mach.chosen >= 0 &&
	    e->mach.views[e->mach.chosen].kind != MT_VIEW_CLEANUP) {
		sized_regs(log->clean_orig, log->nclean_orig, a, &na);
		memset(b, 0, sizeof(b));
		for (unsigned i = 0; i < e->mach.nvar; i++) {
			b[i] = e->mach.var[i];
			b[i].size = mt_explain_old_size(&e->mach.var[i]);
			if (b[i].type == MEMTYPE_WT || b[i].type == MEMTYPE_WC)
				b[i].type = -1; /* the table says "Other" */
		}
		nb = e->mach.nvar;
		unsigned d = regs_diff(a, na, b, nb, md, sizeof(md));
		snprintf(lg, sizeof(lg), "original variable MTRRs: %u registers", log->nclean_orig);
		check(e, "cleanup-original", d == 0, lg, "%s",
		      d ? md : "the same registers as the dump");
	}
	if (log->clean_new_seen) {
		sized_regs(log->clean_new, log->nclean_new, a, &na);
		memset(b, 0, sizeof(b));
		nb = co->applied ? co->nvar : 0;
		for (unsigned i = 0; i < nb && i < MT_CAP_MAX_VAR; i++) {
			b[i].valid = co->var[i].size != 0;
			b[i].base = co->var[i].base;
			b[i].size = co->var[i].size;
			b[i].type = co->var[i].type;
		}
		unsigned d = regs_diff(a, na, b, nb, md, sizeof(md));
		snprintf(lg, sizeof(lg), "New variable MTRRs: %u registers", log->nclean_new);
		check(e, "cleanup-registers", co->applied && d == 0, lg, "%s",
		      !co->applied ? co->reason
		      : d	   ? md
				   : "the same registers");
	}
}

static void check_losing(memtype_explain *e, const memtype_capture *log)
{
	char lg[MSG];

	if (!log || !e->mach.var_known || !e->info.trim_runs)
		return;
	uint64_t mb = e->trim.lost >> 20;
	if (log->losing_seen) {
		snprintf(lg, sizeof(lg), "losing %lluMB of RAM",
			 (unsigned long long)log->losing_mb);
		check(e, "losing", mb == log->losing_mb, lg, "losing %lluMB of RAM%s",
		      (unsigned long long)mb, mb ? "" : " (all RAM is WB)");
	} else if (log->pat_seen && log->dump_seen) {
		if (mb)
			check(e, "losing", false, "no losing line", "losing %lluMB of RAM",
			      (unsigned long long)mb);
		else
			check(e, "losing", true, "no losing line", "all RAM is WB");
	}
}

static const char *view_name(mt_view_kind k)
{
	return k == MT_VIEW_MSR	   ? "msr"
	       : k == MT_VIEW_DUMP ? "dump"
	       : k == MT_VIEW_PROC ? "proc-mtrr"
				   : "cleanup-table";
}

static void check_sources(memtype_explain *e)
{
	struct mt_mach *m = &e->mach;
	const memtype_capture *log = m->log;
	char md[MSG], lg[MSG];

	/* VCNT from the dump against the map line's "built from". */
	if (log && log->map_line && log->dump_nvar && !log->dump_truncated) {
		unsigned k = log->map_k - (m->tom2 ? 1u : 0u);
		snprintf(lg, sizeof(lg), "built from %u variable MTRRs", log->map_k);
		check(e, "vcnt", k == log->dump_nvar, lg, "%u variable MTRRs in the dump%s",
		      log->dump_nvar, m->tom2 ? " + TOM2" : "");
	}
	/* The PAT line against IA32_PAT read as an MSR. */
	for (size_t k = 0; k < e->n; k++) {
		const memtype_capture *c = e->caps[k];
		const struct mt_cap_msr *pat = mt_cap_msr(c, 1 + 0x77);
		if (c->pat_seen && pat && !c->pat_off) {
			snprintf(lg, sizeof(lg), "PAT line: 0x%016llx", (unsigned long long)c->pat);
			check(e, "pat", pat->value == c->pat, lg, "IA32_PAT read: 0x%016llx",
			      (unsigned long long)pat->value);
		}
		/* The same MSR read on several CPUs. */
		unsigned regs = 0, reads = 0, bad = 0;
		for (unsigned sl = 0; c->msr_read && sl < MT_CAP_MSR_SLOTS; sl++) {
			const struct mt_cap_msr *r = &c->msr[sl];
			if (!r->present || r->cpus + r->differ < 2)
				continue;
			regs++;
			reads += r->cpus + r->differ;
			bad += r->differ ? 1u : 0u;
		}
		if (regs) {
			snprintf(lg, sizeof(lg), "%u MSR%s read %u times in %.100s", regs,
				 regs > 1 ? "s" : "", reads, c->name);
			check(e, "cpus", bad == 0, lg, "%s",
			      bad ? "CPUs disagree (see mtrr-inconsistent-cpus)"
				  : "every CPU reads the same value");
		}
	}
	if (m->chosen < 0)
		return;
	const struct mt_view *ch = &m->views[m->chosen];
	for (unsigned k = 0; k < m->nviews; k++) {
		const struct mt_view *v = &m->views[k];
		if ((int)k == m->chosen || (v->kind == MT_VIEW_CLEANUP && v->cap == log))
			continue; /* the cleanup table is checked against the dump above */
		unsigned d = regs_diff(ch->v, ch->n, v->v, v->n, md, sizeof(md));
		snprintf(lg, sizeof(lg), "%s (%.100s) vs %s (%.100s)", view_name(ch->kind),
			 ch->cap->name, view_name(v->kind), v->cap->name);
		if (d && v->kind == MT_VIEW_PROC && e->cout.applied) {
			/* /proc/mtrr is read after boot: compare with the cleaned registers. */
			struct mt_mach_var c[MT_CAP_MAX_VAR];
			memset(c, 0, sizeof(c));
			for (unsigned i = 0; i < e->cout.nvar && i < MT_CAP_MAX_VAR; i++) {
				c[i].valid = e->cout.var[i].size != 0;
				c[i].base = e->cout.var[i].base;
				c[i].size = e->cout.var[i].size;
				c[i].type = e->cout.var[i].type;
			}
			char md2[MSG];
			if (regs_diff(c, e->cout.nvar, v->v, v->n, md2, sizeof(md2)) == 0) {
				check(e, "merge", true, lg,
				      "/proc/mtrr shows the registers after mtrr_cleanup");
				continue;
			}
		}
		check(e, "merge", d == 0, lg, "%s", d ? md : "the same registers");
	}
	for (unsigned i = 0; i < m->ndis; i++)
		check(e, "merge", false, "two sources", "%s", m->dis[i]);
}

/* Every check, in the order they are listed. */
void mt_explain_checks(memtype_explain *e)
{
	check_map(e, e->mach.log);
	check_cleanup(e, e->mach.log);
	check_losing(e, e->mach.log);
	check_sources(e);
}
