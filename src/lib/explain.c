/*
 * explain.c - what a machine's captures mean: the architectural MTRR map,
 * Linux's view of the same registers (cleanup, 6.5+ cache map, trim), the
 * cross-checks against what the kernel itself printed, and the findings.
 *
 * Inputs are parsed captures (capture*.c); mt_machine_build() (capture.c)
 * merges them into one register state. From there:
 *  1. hardware: the registers are replayed as WRMSRs into a reset CPU
 *     (mtrr.c, so a value the CPU would refuse is the #GP it is) and the
 *     whole-space map is drawn (mtrr_map.c); AMD's TOM2 then makes
 *     [4 GiB, TOM2) WB wherever no variable MTRR matched (SYSCFG
 *     Tom2ForceMemTypeWB, APM Vol. 2 §7.9.1 -- MTRRs still override);
 *  2. Linux: mtrr_cleanup() and mtrr_trim_uncached_memory() (linux_cleanup.c)
 *     and the 6.5+ cache map (linux_mtrr.c, the same code the simulator
 *     uses; TOM2 there is an entry no variable MTRR can change);
 *  3. checks: the capture's "MTRR map:" line and mtrr=debug entries, its
 *     cleanup lines and its "losing NMB of RAM" line against the model;
 *  4. findings, codes listed in docs/json.md.
 * Everything the result points to is owned by the explain object.
 */
#include "svg.h"
#include "capture.h"
#include "linux_cleanup.h"
#include "linux_guest.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHECKS	 24u
#define MAX_FINDINGS	 48u
#define MAX_DIAGS	 64u
#define MAX_NOTES	 24u
#define MSG		 256u
#define SRC_TOM2	 4u   /* map piece src: WB from TOM2 */
#define LINUX_VERSION	 617u /* "a 6.5+ kernel": the newest modelled */
#define FOUR_GIB	 (1ull << 32)
#define MT_ONE_MIB_BYTES 0x100000ull

struct memtype_explain {
	memtype_ctx *ctx;
	memtype_explain_info info;
	size_t n;
	const memtype_capture *const *caps; /* valid during memtype_explain_run only */
	/* Per input, carved from one allocation (inputs_size(n) bytes). */
	char (*names)[256];
	const char **name_ptrs;
	memtype_capture_format *fmts;
	unsigned *seen;
	memtype_map *map;
	memtype_mtrr *hw;
	unsigned nnotes;
	size_t findings_dropped;
	memtype_finding sink;

	/*
	 * Below: tables filled (or cleared) before they are read. The object is
	 * cleared up to `mach` only; keep every other field above.
	 */
	struct mt_mach mach;
	memtype_capture_range fixed[MT_CAP_FIXED];
	memtype_capture_var var[MT_CAP_MAX_VAR];
	memtype_capture_range e820[MT_CAP_MAX_E820];
	const char *note_ptrs[MAX_NOTES];
	char notes[MAX_NOTES][MT_CAP_TEXT];

	struct mt_cleanup_in cin;
	struct mt_cleanup_out cout;
	struct mt_trim_out trim;
	memtype_capture_var cvar[MT_CLEANUP_MAX_VAR];
	struct mt_linux_mtrr lx;
	memtype_capture_range lx_entries[MT_LX_CACHE_MAP_MAX];

	memtype_check checks[MAX_CHECKS];
	char check_text[MAX_CHECKS][2][MSG];
	memtype_finding findings[MAX_FINDINGS];
	char finding_text[MAX_FINDINGS][MSG];
	memtype_diag diags[MAX_DIAGS];
	char diag_code[MAX_DIAGS][32], diag_msg[MAX_DIAGS][MT_CAP_TEXT];
};

/* ------------------------------------------------------------ helpers */

static void note(memtype_explain *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(memtype_explain *e, const char *fmt, ...)
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

static memtype_finding *finding(memtype_explain *e, memtype_severity sev, const char *code,
				const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static memtype_finding *finding(memtype_explain *e, memtype_severity sev, const char *code,
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

static void set_range(memtype_finding *f, uint64_t start, uint64_t end)
{
	f->has_range = true;
	f->start = start;
	f->end = end;
}

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

static const char *tname(int t)
{
	const char *s = t >= 0 ? memtype_type_name((memtype_type)t, MEMTYPE_SPELL_SHORT) : NULL;
	return s ? s : "?";
}

/* An e820 entry of RAM: e820_print_type()'s word "usable" (arch/x86/kernel/
 * e820.c). The name is a NUL-terminated array of more than 7 bytes, so one
 * memcmp() decides it. */
static bool usable(const struct mt_cap_range *r)
{
	return memcmp(r->name, "usable", sizeof("usable")) == 0;
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

static void result_text(char *buf, size_t n, const struct mt_cap_result *r)
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

/* ------------------------------------------------------------ hardware */

/* Replay the registers into a reset CPU; NULL (with a note) when they are
 * not known. regs/nregs: the variable MTRRs to use (firmware's or cleaned). */
static memtype_mtrr *replay(memtype_explain *e, const struct mt_mach_var *regs, unsigned nregs,
			    bool report)
{
	const struct mt_mach *m = &e->mach;
	unsigned vcnt = m->vcnt ? m->vcnt : nregs;

	if (vcnt > MEMTYPE_MAX_VCNT) {
		if (report)
			note(e, "VCNT %u: the model has at most %u variable MTRRs", vcnt,
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
				memtype_finding *f = finding(
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
				finding(e, MEMTYPE_SEV_ERROR, "invalid-msr-value",
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
				finding(
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

static void hardware(memtype_explain *e)
{
	struct mt_mach *m = &e->mach;

	if (!m->var_known) {
		note(e, "no variable MTRR registers in the captures: no map can be drawn");
		return;
	}
	if (m->mtrr_status && strcmp(m->mtrr_status, "not-available") == 0) {
		note(e, "the CPU reports no MTRRs (\"MTRRs disabled (not available)\"): no map");
		return;
	}
	if (m->enabled < 0)
		note(e, "DEF_TYPE.E not in the captures: MTRRs assumed enabled");
	if (!m->fixed_known && m->have_fixed != 0)
		note(e, "fixed-range MTRRs not in the captures: [0, 1 MiB) is drawn from the "
			"variable ranges and the default type");
	e->hw = replay(e, m->var, m->nvar, true);
	if (!e->hw)
		return;
	int rc = memtype_mtrr_build_map(e->hw, 4096, &e->map);
	if (rc != 0) {
		note(e, "the map has too many pieces to draw (%s)",
		     memtype_ctx_error(e->ctx)->code);
		e->map = NULL;
		return;
	}
	if (m->enabled != 0)
		tom2_overlay(e);
}

/* ------------------------------------------------------------ Linux */

/* The size Linux <= 6.4 derives (generic_get_mtrr): the mask with every bit
 * above its highest set bit forced on; equal to mt_mask_size for sane masks. */
static uint64_t old_size(const struct mt_mach_var *x)
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
	/* mt_linux_mtrr_init() clears the rest of lx. No message log: explain
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

static void linux_model(memtype_explain *e)
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
		/* mt_linux_cleanup() clears and fills it on the other path: the
		 * 12 KiB are cleared once, not twice. */
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
		in->var[i].size = old_size(x);
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
			note(e, "mtrr_cleanup taken as disabled in this kernel: its log shows the "
				"registers but no cleanup line");
	} else {
		in->enable = true;
		assumed = true;
	}
	if (m->vcnt_source && strcmp(m->vcnt_source, "lower-bound") == 0 && in->nvar < 8) {
		note(e,
		     "VCNT unknown (at least %u): 8 assumed for the cleanup, as on most Intel "
		     "CPUs of the Core 2 era and on KVM",
		     in->nvar);
		in->nvar = 8;
	}
	mt_linux_cleanup(in, &e->cout);
	if (assumed && e->cout.runs)
		note(e,
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
		post = replay(e, cleaned, e->cout.nvar, false);
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
		note(e, "Linux map counts not computed: its fixed entries depend on the unknown "
			"fixed ranges");
	}

	/* mtrr_trim_uncached_memory() on the final registers. */
	struct mt_trim_ram ram[MT_CAP_MAX_E820];
	unsigned nram = 0;
	for (unsigned i = 0; i < m->ne820; i++)
		if (usable(&m->e820[i])) {
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
static bool infer_tom2(memtype_explain *e)
{
	struct mt_mach *m = &e->mach;
	const memtype_capture *log = m->log;

	if (m->tom2 || m->vendor == 1 || !log || log->losing_seen || !log->pat_seen ||
	    !log->dump_seen || !e->trim.runs || e->trim.lost == 0 || e->trim.first_start < FOUR_GIB)
		return false;
	uint64_t top = 0;
	for (unsigned i = 0; i < m->ne820; i++)
		if (usable(&m->e820[i]) && m->e820[i].end + 1 > top)
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

/* ------------------------------------------------------------ checks */

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
					 (unsigned long long)a[i].size, tname(a[i].type));
			if (vb)
				snprintf(sb, sizeof(sb), "0x%llx+0x%llx %s",
					 (unsigned long long)b[i].base,
					 (unsigned long long)b[i].size, tname(b[i].type));
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
				 tname(a->type));
		if (b)
			snprintf(lb, sizeof(lb), "%u: %016llx-%016llx %s", i,
				 (unsigned long long)b->start, (unsigned long long)b->end,
				 tname((int)b->type));
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
		result_text(lg, sizeof(lg), &log->clean_chosen);
		if (co->applied) {
			result_text(md, sizeof(md), &co->result);
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
			b[i].size = old_size(&e->mach.var[i]);
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

/* ------------------------------------------------------------ findings */

static void low_memory(memtype_explain *e)
{
	const struct mt_mach *m = &e->mach;
	size_t cnt = memtype_map_count(e->map);

	for (unsigned i = 0; i < m->nvar; i++) {
		const struct mt_mach_var *x = &m->var[i];
		if (x->valid && (x->type == MEMTYPE_UC || x->type == MEMTYPE_WP) &&
		    x->base < MT_ONE_MIB_BYTES && m->fixed_enabled == 1 && m->have_fixed == 1)
			set_range(
			    finding(e, MEMTYPE_SEV_WARNING, "uc-under-1m",
				    "variable MTRR %u (%s) starts below 1 MiB while fixed MTRRs "
				    "are on: Linux warns \"VAR MTRR %u contains strange UC entry "
				    "under 1M\" and ignores that part (cleanup.c)",
				    i, tname(x->type), i),
			    x->base, x->base + x->size - 1);
	}
	if (m->enabled == 1 && m->have_fixed == 1 && m->fixed_enabled == 0)
		set_range(
		    finding(e, MEMTYPE_SEV_INFO, "low-mem-oddity",
			    "fixed-range MTRRs are off (DEF_TYPE.FE = 0): the first MiB follows "
			    "the variable ranges and the default type"),
		    0, MT_ONE_MIB_BYTES - 1);
	/* The RAM entries that can reach below 1 MiB, in table order (the fixed
	 * ranges make up to 88 pieces there; the table is often long). */
	unsigned low[MT_CAP_MAX_E820], nlow = 0;
	for (unsigned k = 0; k < m->ne820; k++)
		if (m->e820[k].start < MT_ONE_MIB_BYTES && usable(&m->e820[k]))
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
			set_range(finding(e, MEMTYPE_SEV_WARNING, "low-ram-not-wb",
					  "RAM below 1 MiB is %s, not WB", tname((int)t)),
				  s, z);
		}
		/* The legacy VGA window: caching it write-back or write-protect is wrong
		 * for a frame buffer; write-through (set by some AMD BIOSes) is odd. */
		if (p.start < 0xC0000 && end >= 0xA0000 && t != MEMTYPE_UC && t != MEMTYPE_WC) {
			uint64_t s = p.start > 0xA0000 ? p.start : 0xA0000;
			uint64_t z = end < 0xBFFFF ? end : 0xBFFFF;
			set_range(
			    finding(e, t == MEMTYPE_WT ? MEMTYPE_SEV_INFO : MEMTYPE_SEV_WARNING,
				    "low-mem-oddity",
				    "legacy VGA window 0xA0000-0xBFFFF is %s (UC or WC expected)",
				    tname((int)t)),
			    s, z);
		}
		/* ROM shadows are WP, WT or UC (WB where RAM backs them); WC there is odd. */
		if (end >= 0xC0000 && t == MEMTYPE_WC) {
			uint64_t s = p.start > 0xC0000 ? p.start : 0xC0000;
			set_range(finding(e, MEMTYPE_SEV_INFO, "low-mem-oddity",
					  "BIOS/option-ROM area is %s (WP, WT, UC or WB expected)",
					  tname((int)t)),
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
		if (!usable(r) || r->start > last.end)
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
	set_range(finding(e, vm || maybe_tom2 ? MEMTYPE_SEV_INFO : MEMTYPE_SEV_WARNING,
			  "ram-not-covered",
			  "%llu MiB of RAM is not WB by the MTRRs (first 0x%llx-0x%llx: %s)%s; %s",
			  (unsigned long long)((bytes + (1u << 20) - 1) >> 20),
			  (unsigned long long)fs, (unsigned long long)fe, tname(ft),
			  vm	       ? " -- in a VM the hypervisor's stage 2 usually decides"
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
	finding(e, MEMTYPE_SEV_WARNING, "mtrr-inconsistent-cpus",
		"the kernel found CPUs with different %s settings (the firmware did not set up "
		"every CPU alike; Linux copies the boot CPU's)",
		list);
}

static void findings(memtype_explain *e, const memtype_capture *const *caps, size_t n)
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
				    finding(e, MEMTYPE_SEV_ERROR, "mtrr-overlap-undefined",
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
		finding(e, m->hypervisor[0] ? MEMTYPE_SEV_INFO : MEMTYPE_SEV_WARNING,
			"mtrr-disabled", "MTRRs are disabled (%s): every access is UC%s",
			m->mtrr_status ? m->mtrr_status : "DEF_TYPE.E = 0",
			m->hypervisor[0] ? " as far as the guest's MTRRs go" : "");
	if (m->log && m->log->all_blank)
		finding(e, MEMTYPE_SEV_INFO, "vm-blank-mtrrs",
			"\"CPU MTRRs all blank - virtualized system.\": no WB variable MTRR; the "
			"kernel does not trim RAM");
	if (info->cleanup_status && strcmp(info->cleanup_status, "rewrites") == 0) {
		unsigned used = 0;
		for (unsigned i = 0; i < m->nvar; i++)
			used += m->var[i].valid;
		char r[MSG];
		result_text(r, sizeof(r), &e->cout.result);
		finding(e, MEMTYPE_SEV_INFO, "cleanup-would-rewrite",
			"Linux's mtrr_cleanup rewrites the %u variable MTRRs in use as %u (%s)",
			used, e->cout.result.num_reg, r);
	} else if (info->cleanup_status && strcmp(info->cleanup_status, "no-optimal") == 0) {
		finding(
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
			set_range(
			    finding(e, MEMTYPE_SEV_WARNING, "tom2-linux-differs",
				    "variable MTRR %u (%s) lies in [4 GiB, TOM2): the CPU uses "
				    "%s there, Linux's map says WB (TOM2 entry is fixed)",
				    i, tname(x->type), tname(x->type)),
			    s > FOUR_GIB ? s : FOUR_GIB, z < m->tom2 - 1 ? z : m->tom2 - 1);
		}
	}
	for (size_t k = 0; k < n; k++) {
		const memtype_capture *c = caps[k];
		for (unsigned i = 0; i < c->nconflicts; i++)
			finding(e, MEMTYPE_SEV_ERROR, "memtype-conflict", "%s:%u: %s", c->name,
				c->conflicts[i].line, c->conflicts[i].text);
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
			finding(e, MEMTYPE_SEV_WARNING, "mtrr-inconsistent-cpus",
				"MSR 0x%x: %u reads give 0x%llx, %u give 0x%llx", idx, r->cpus,
				(unsigned long long)r->value, r->differ,
				(unsigned long long)r->other);
		}
	}
	if (m->pat_off)
		finding(
		    e, MEMTYPE_SEV_INFO, "pat-disabled",
		    "the kernel runs without PAT: page tables can only pick WB, WT, UC- and UC");
	for (size_t i = 0; i < info->nchecks; i++) {
		const memtype_check *c = &info->checks[i];
		if (c->agrees)
			continue;
		if (strcmp(c->what, "merge") == 0)
			finding(e, MEMTYPE_SEV_WARNING, "capture-disagreement", "%s: %s", c->log,
				c->model);
		else
			finding(e, MEMTYPE_SEV_WARNING, "log-mismatch",
				"%s: the capture says \"%s\", the model \"%s\"", c->what, c->log,
				c->model);
	}
	if (e->findings_dropped)
		e->info.nfindings = MAX_FINDINGS; /* (the rest were dropped) */
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
		note(e, "%s", e->mach.notes[i]);
	unsigned base_notes = e->nnotes;
	hardware(e);
	linux_model(e);
	if (e->mach.tom2_source == NULL && infer_tom2(e)) {
		/* Redo both views with the TOM2 the kernel must have seen. */
		memtype_map_free(e->map);
		memtype_mtrr_free(e->hw);
		e->map = NULL;
		e->hw = NULL;
		e->nnotes = base_notes;
		e->info.nfindings = 0;
		hardware(e);
		linux_model(e);
		note(e,
		     "TOM2 inferred as at least 0x%llx: RAM above 4 GiB is not WB by the variable "
		     "MTRRs, yet the kernel trimmed nothing (AMD SYSCFG TOM2 forces it WB)",
		     (unsigned long long)e->mach.tom2);
	}
	fill_state(e);
	check_map(e, e->mach.log);
	check_cleanup(e, e->mach.log);
	check_losing(e, e->mach.log);
	check_sources(e);
	findings(e, caps, n);
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

/* ------------------------------------------------------------ drawing */

/*
 * memtype_explain_svg(): the explained machine as one self-contained SVG, the
 * physical address space left to right and three layers top to bottom: the
 * e820 map, the architectural MTRR map, and Linux's 6.5+ view (its cache map,
 * after mtrr_cleanup when the kernel would run it; gaps take the default
 * type, as mtrr_type_lookup() answers them). As in svg.c, the axis is
 * ordinal (every boundary of every layer, each segment at least MIN_W wide
 * plus a share growing with log2 of its size) and the colours are svg.c's,
 * so explain and simulate drawings read alike. Deterministic output.
 */
#define SVG_PLOT_W    1000
#define SVG_MIN_W     8
#define SVG_ROW_H     22
#define SVG_LEFT      150
#define SVG_MAX_EDGES 1024u

struct svgw {
	memtype_write_fn write;
	void *ud;
	uint64_t edge[SVG_MAX_EDGES + 1];
	int x[SVG_MAX_EDGES + 1];
	size_t nedge;
};

static void svg_printf(struct svgw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void svg_printf(struct svgw *w, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mt_svg_printf(w->write, w->ud, "%s", buf);
}

/* Colours are svg.c's, so both drawings share one legend. */
static const char *svg_fill(int t)
{
	return mt_svg_type_fill(t);
}

static const char *svg_e820_fill(const char *name)
{
	return mt_svg_e820_fill(name);
}

static void svg_edge(struct svgw *w, uint64_t a)
{
	if (w->nedge < SVG_MAX_EDGES)
		w->edge[w->nedge++] = a;
}

static unsigned svg_log2(uint64_t v)
{
	unsigned k = 0;

	while (v >>= 1)
		k++;
	return k;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int svg_x(const struct svgw *w, uint64_t a)
{
	size_t lo = 0, hi = w->nedge;

	while (lo + 1 < hi) {
		size_t mid = (lo + hi) / 2;
		if (w->edge[mid] <= a)
			lo = mid;
		else
			hi = mid;
	}
	return w->x[lo];
}

/* One rectangle for [start, end] (inclusive) with a tooltip. */
static void svg_rect(struct svgw *w, int y, uint64_t start, uint64_t end, const char *fill,
		     const char *what)
{
	int x0 = svg_x(w, start);
	int x1 = end == UINT64_MAX ? w->x[w->nedge - 1] : svg_x(w, end + 1);
	if (end + 1 > w->edge[w->nedge - 1] || end == UINT64_MAX)
		x1 = w->x[w->nedge - 1];
	if (x1 <= x0)
		return;
	svg_printf(
	    w,
	    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#ffffff\" "
	    "stroke-width=\"0.5\"><title>0x%llx-0x%llx %s</title></rect>\n",
	    x0, y, x1 - x0, SVG_ROW_H, fill, (unsigned long long)start, (unsigned long long)end,
	    what);
}

int memtype_explain_svg(const memtype_explain *e, memtype_write_fn write, void *ud)
{
	if (!e || !write)
		return -EINVAL;
	const memtype_explain_info *info = &e->info;
	struct svgw *w = mt_alloc(e->ctx, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->write = write;
	w->ud = ud;
	w->nedge = 0;
	uint64_t top = info->phys_bits >= 64 ? UINT64_MAX : (1ull << info->phys_bits);
	size_t npieces = info->mtrr_map ? memtype_map_count(info->mtrr_map) : 0;

	svg_edge(w, 0);
	for (size_t i = 0; i < info->ne820; i++) {
		svg_edge(w, info->e820[i].start);
		svg_edge(w, info->e820[i].end + 1);
	}
	for (size_t i = 0; i < npieces; i++) {
		memtype_range p;
		if (memtype_map_get(info->mtrr_map, i, &p) == 0)
			svg_edge(w, p.start);
	}
	for (size_t i = 0; i < info->nlinux_entries; i++) {
		svg_edge(w, info->linux_entries[i].start);
		svg_edge(w, info->linux_entries[i].end + 1);
	}
	svg_edge(w, top);
	qsort(w->edge, w->nedge, sizeof(w->edge[0]), cmp_u64);
	size_t k = 0;
	for (size_t i = 0; i < w->nedge; i++)
		if (w->edge[i] <= top && (k == 0 || w->edge[i] != w->edge[k - 1]))
			w->edge[k++] = w->edge[i];
	w->nedge = k;

	/* Widths: SVG_MIN_W each, the rest shared by log2 of the segment size. */
	double logsum = 0;
	for (size_t i = 0; i + 1 < w->nedge; i++)
		logsum += (double)svg_log2(w->edge[i + 1] - w->edge[i]) + 1.0;
	int rest = SVG_PLOT_W - (int)(w->nedge - 1) * SVG_MIN_W;
	if (rest < 0)
		rest = 0;
	double xx = SVG_LEFT;
	for (size_t i = 0; i < w->nedge; i++) {
		w->x[i] = (int)xx;
		if (i + 1 < w->nedge)
			xx += SVG_MIN_W +
			      (logsum > 0
				   ? rest * ((double)svg_log2(w->edge[i + 1] - w->edge[i]) + 1.0) /
					 logsum
				   : 0);
	}
	int width = w->x[w->nedge - 1] + 80, height = 24 + 3 * (SVG_ROW_H + 8) + 70 + 24;

	svg_printf(w,
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "font-family=\"monospace\" font-size=\"11\">\n",
		   width, height);
	svg_printf(w, "<text x=\"4\" y=\"14\" font-weight=\"bold\">%s: MAXPHYADDR %u (%s)</text>\n",
		   info->ninputs == 1 ? "capture" : "captures", info->phys_bits,
		   info->phys_bits_source);
	int y = 24;
	svg_printf(w, "<text x=\"4\" y=\"%d\">e820</text>\n", y + 15);
	for (size_t i = 0; i < info->ne820; i++)
		svg_rect(w, y, info->e820[i].start, info->e820[i].end,
			 svg_e820_fill(info->e820[i].name), info->e820[i].name);
	y += SVG_ROW_H + 8;
	svg_printf(w, "<text x=\"4\" y=\"%d\">MTRRs (CPU)</text>\n", y + 15);
	/* Pieces of one type drawn as one (the map also splits by provenance). */
	memtype_range run = {0};
	bool have = false;
	for (size_t i = 0; i <= npieces; i++) {
		memtype_range p;
		bool ok = i < npieces && memtype_map_get(info->mtrr_map, i, &p) == 0;
		if (ok && have && p.value == run.value && p.start == run.end + 1) {
			run.end = p.end;
			continue;
		}
		if (have)
			svg_rect(w, y, run.start, run.end, svg_fill((int)run.value),
				 tname((int)run.value));
		have = ok;
		if (ok)
			run = p;
	}
	y += SVG_ROW_H + 8;
	svg_printf(w, "<text x=\"4\" y=\"%d\">Linux 6.5+%s</text>\n", y + 15,
		   info->linux_after_cleanup ? " (cleaned)" : "");
	if (info->linux_map.known) {
		uint64_t at = 0;
		int def = info->default_known ? (int)info->default_type : MEMTYPE_UC;
		for (size_t i = 0; i < info->nlinux_entries; i++) {
			const memtype_capture_range *r = &info->linux_entries[i];
			if (r->start > at)
				svg_rect(w, y, at, r->start - 1, svg_fill(def), "default type");
			svg_rect(w, y, r->start, r->end, svg_fill((int)r->type),
				 tname((int)r->type));
			at = r->end + 1;
		}
		if (at < top)
			svg_rect(w, y, at, top - 1, svg_fill(def), "default type");
	}
	y += SVG_ROW_H + 8;
	/* Boundary labels (every one when few, else the 4 GiB-aligned ones). */
	for (size_t i = 0; i < w->nedge; i++) {
		if (w->nedge > 48 && (w->edge[i] & 0xffffffffull) && i + 1 != w->nedge)
			continue;
		svg_printf(w,
			   "<text x=\"%d\" y=\"%d\" font-size=\"9\" transform=\"rotate(60 %d %d)\">"
			   "0x%llx</text>\n",
			   w->x[i], y + 4, w->x[i], y + 4, (unsigned long long)w->edge[i]);
	}
	y += 70;
	static const int legend[] = {MEMTYPE_UC, MEMTYPE_WC, MEMTYPE_WT,
				     MEMTYPE_WP, MEMTYPE_WB, MEMTYPE_UNDEFINED};
	for (unsigned i = 0; i < MT_ARRAY_SIZE(legend); i++)
		svg_printf(w,
			   "<rect x=\"%u\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			   "<text x=\"%u\" y=\"%d\">%s</text>\n",
			   4 + 90 * i, y, svg_fill(legend[i]), 20 + 90 * i, y + 10,
			   tname(legend[i]));
	svg_printf(w, "</svg>\n");
	mt_free(e->ctx, w, sizeof(*w));
	return 0;
}
