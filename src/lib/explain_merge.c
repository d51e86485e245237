/*
 * explain_merge.c - the captures of one machine merged into one register
 * state (struct mt_mach), the first step of explain.
 */
#include "explain_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/*
 * Reconstruction: the captures of one machine are read in the order given.
 * Registers come from the best view available -- an MSR dump, then a boot
 * dump, then /proc/mtrr, then mtrr_cleanup's "original variable MTRRs" table
 * -- and the default type, E/FE, the fixed ranges, VCNT, TOM2 and PAT each
 * from the first source that knows them; a second source that knows a value
 * differently is a disagreement. What no source knows stays unknown, and
 * what has to be assumed to draw a map is listed as a note.
 */

void mt_machine_note(struct mt_mach *m, const char *fmt, ...)
{
	va_list ap;

	if (m->nnotes >= MT_MACH_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(m->notes[m->nnotes++], MT_CAP_TEXT, fmt, ap);
	va_end(ap);
}

void mt_machine_disagree(struct mt_mach *m, const char *fmt, ...)
{
	va_list ap;

	if (m->ndis >= MT_MACH_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(m->dis[m->ndis++], 2 * MT_CAP_TEXT, fmt, ap);
	va_end(ap);
}

uint64_t mt_mask_size(uint64_t mask, unsigned phys_bits)
{
	uint64_t hi = phys_bits >= 64 ? 0 : ~0ull << phys_bits;

	return (uint64_t)0 - ((mask & ~0xfffull) | hi);
}

uint64_t mt_size_mask(uint64_t size, unsigned phys_bits)
{
	uint64_t lim = phys_bits >= 64 ? ~0ull : (1ull << phys_bits) - 1;

	if (size == 0)
		return 0;
	return ~(size - 1) & lim & ~0xfffull;
}

/* Bits needed to write v (0 for 0). */
static unsigned width_of(uint64_t v)
{
	return v ? 64u - (unsigned)__builtin_clzll(v) : 0u;
}

static const char *const view_names[] = {"msr", "dump", "proc-mtrr", "cleanup-table"};

static bool mtrr_encoding(unsigned t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* The MSR dump's view: PHYSBASE/PHYSMASK pairs with both halves read. */
static void msr_view(struct mt_mach *m, const memtype_capture *c)
{
	bool any = false;

	if (!c->msr_read)
		return;
	/* Pairs stop at 0x24f: 0x250 is the first fixed-range MSR (SDM Vol. 4 Table 2-2). */
	for (unsigned i = 0; i < MEMTYPE_MAX_VCNT && !any; i++)
		any = c->msr[1 + 2 * i].present && c->msr[2 + 2 * i].present;
	if (!any || m->nviews >= MT_MACH_MAX_VIEWS)
		return;
	struct mt_view *v = &m->views[m->nviews++];
	memset(v, 0, sizeof(*v));
	v->kind = MT_VIEW_MSR;
	v->cap = c;
	unsigned lim = MEMTYPE_MAX_VCNT;
	if (c->msr[0].present && (c->msr[0].value & 0xffu) < lim)
		lim = (unsigned)(c->msr[0].value & 0xffu);
	for (unsigned i = 0; i < lim; i++) {
		const struct mt_cap_msr *b = &c->msr[1 + 2 * i], *k = &c->msr[2 + 2 * i];
		if (!b->present || !k->present)
			continue;
		struct mt_mach_var *x = &v->v[i];
		x->valid = (k->value & 0x800u) != 0;
		x->base = b->value & ~0xfffull;
		x->mask = k->value & ~0xfffull;
		x->raw_type = (unsigned)(b->value & 0xffu);
		x->type = mtrr_encoding(x->raw_type) ? (int)x->raw_type : -1;
		x->exact = true;
		v->n = i + 1;
	}
}

static void add_views(struct mt_mach *m, const memtype_capture *c)
{
	struct mt_view *v;

	msr_view(m, c);
	if (c->dump_nvar > 0 && m->nviews < MT_MACH_MAX_VIEWS) {
		v = &m->views[m->nviews++];
		memset(v, 0, sizeof(*v));
		v->kind = MT_VIEW_DUMP;
		v->cap = c;
		v->n = c->dump_nvar;
		for (unsigned i = 0; i < c->dump_nvar && i < MT_CAP_MAX_VAR; i++) {
			const struct mt_cap_var *d = &c->var[i];
			struct mt_mach_var *x = &v->v[i];
			if (!d->present || !d->valid)
				continue;
			x->valid = true;
			x->base = d->base & ~0xfffull;
			x->mask = d->mask & ~0xfffull;
			x->raw_type = (unsigned)(d->base & 0xffu);
			x->type = d->type_ok ? (int)x->raw_type : -1;
			x->exact = true;
		}
	}
	const struct mt_cap_sizereg *tab[2] = {c->proc, c->clean_orig};
	unsigned cnt[2] = {c->nproc, c->clean_orig_seen ? c->nclean_orig : 0};
	mt_view_kind kinds[2] = {MT_VIEW_PROC, MT_VIEW_CLEANUP};
	for (unsigned t = 0; t < 2; t++) {
		if (cnt[t] == 0 || m->nviews >= MT_MACH_MAX_VIEWS)
			continue;
		v = &m->views[m->nviews++];
		memset(v, 0, sizeof(*v));
		v->kind = kinds[t];
		v->cap = c;
		for (unsigned i = 0; i < cnt[t]; i++) {
			const struct mt_cap_sizereg *r = &tab[t][i];
			if (r->index >= MT_CAP_MAX_VAR)
				continue;
			struct mt_mach_var *x = &v->v[r->index];
			x->valid = true;
			x->base = r->base & ~0xfffull;
			x->size = r->size;
			x->type = r->type;
			x->raw_type = r->type >= 0 ? (unsigned)r->type : 0xffu;
			if (r->index + 1 > v->n)
				v->n = r->index + 1;
		}
	}
}

/* MAXPHYADDR: CPUID, else the widest exact mask, else the addresses seen. */
static void phys_bits(struct mt_mach *m, const memtype_capture *const *caps, size_t n)
{
	unsigned need = 0, maskw = 0;

	for (size_t k = 0; k < n; k++) {
		const memtype_capture *c = caps[k];
		if (c->cpuid_phys_bits && !m->phys_bits) {
			m->phys_bits = c->cpuid_phys_bits;
			m->phys_bits_source = "cpuid";
		}
		for (unsigned i = 0; i < c->ne820; i++)
			if (width_of(c->e820[i].end) > need)
				need = width_of(c->e820[i].end);
		for (unsigned i = 0; i < c->nmap; i++)
			if (width_of(c->map[i].end) > need)
				need = width_of(c->map[i].end);
		for (unsigned i = 0; i < c->npatlist; i++)
			if (width_of(c->patlist[i].end) > need)
				need = width_of(c->patlist[i].end);
		if (c->tom2 && width_of(c->tom2 - 1) > need)
			need = width_of(c->tom2 - 1);
	}
	for (unsigned k = 0; k < m->nviews; k++) {
		const struct mt_view *v = &m->views[k];
		for (unsigned i = 0; i < v->n; i++) {
			const struct mt_mach_var *x = &v->v[i];
			if (!x->valid)
				continue;
			if (x->exact) {
				if (width_of(x->mask) > maskw)
					maskw = width_of(x->mask);
				if (width_of(x->base) > need)
					need = width_of(x->base);
			} else if (x->size && width_of(x->base + x->size - 1) > need) {
				need = width_of(x->base + x->size - 1);
			}
		}
	}
	m->need_bits = need;
	if (!m->phys_bits && maskw >= 32 && maskw <= 52) {
		m->phys_bits = maskw;
		m->phys_bits_source = "mask";
	}
	if (!m->phys_bits) {
		m->phys_bits = need > 36 ? need : 36;
		m->phys_bits_source = need > 36 ? "address" : "default";
	}
	if (m->phys_bits > 52)
		m->phys_bits = 52;
	if (need > m->phys_bits)
		mt_machine_note(m, "addresses need %u bits, more than MAXPHYADDR %u (%s)", need,
				m->phys_bits, m->phys_bits_source);
}

static void set_int(struct mt_mach *m, int *field, const char **src, int value, const char *from,
		    const char *what)
{
	if (value < 0)
		return;
	if (*field < 0) {
		*field = value;
		if (src)
			*src = from;
		return;
	}
	if (*field != value)
		mt_machine_disagree(m, "%s: %s says %d, %s says %d", what, src && *src ? *src : "?",
				    *field, from, value);
}

/* DEF_TYPE, MTRRcap and the fixed ranges from an MSR dump. */
static void msr_state(struct mt_mach *m, const memtype_capture *c)
{
	if (!c->msr_read)
		return;
	const struct mt_cap_msr *def = &c->msr[1 + 0xff];
	if (def->present) {
		unsigned t = (unsigned)(def->value & 0xffu);
		set_int(m, &m->enabled, &m->enabled_source, (int)((def->value >> 11) & 1u), "msr",
			"DEF_TYPE.E");
		set_int(m, &m->fixed_enabled, NULL, (int)((def->value >> 10) & 1u), "msr",
			"DEF_TYPE.FE");
		if (mtrr_encoding(t))
			set_int(m, &m->def_type, &m->def_source, (int)t, "msr", "default type");
		else
			mt_machine_note(m, "IA32_MTRR_DEF_TYPE type %u is a reserved encoding", t);
	}
	if (c->msr[0].present) {
		set_int(m, &m->have_fixed, NULL, (c->msr[0].value & MEMTYPE_MTRRCAP_FIX) ? 1 : 0,
			"msr", "MTRRcap.FIX");
		if (!m->vcnt) {
			m->vcnt = (unsigned)(c->msr[0].value & MEMTYPE_MTRRCAP_VCNT_MASK);
			m->vcnt_source = "mtrrcap";
		}
	}
	if (m->fixed_known)
		return;
	static const uint32_t fx[11] = {0x250, 0x258, 0x259, 0x268, 0x269, 0x26a,
					0x26b, 0x26c, 0x26d, 0x26e, 0x26f};
	for (unsigned j = 0; j < 11; j++)
		if (!c->msr[1 + (fx[j] - 0x200)].present)
			return;
	for (unsigned j = 0; j < 11; j++)
		for (unsigned b = 0; b < 8; b++)
			m->fixed[8 * j + b] = (uint8_t)mt_byte(c->msr[1 + (fx[j] - 0x200)].value, b);
	m->fixed_known = true;
	m->fixed_source = "msr";
}

void mt_machine_build(const memtype_capture *const *caps, size_t n, struct mt_mach *m)
{
	memset(m, 0, offsetof(struct mt_mach, var));
	m->enabled = m->fixed_enabled = m->def_type = m->have_fixed = -1;
	m->chosen = -1;
	m->params.enable_cleanup = -1;
	m->params.spare = -1;

	for (size_t k = 0; k < n; k++) {
		const memtype_capture *c = caps[k];
		if (!m->log && (c->formats & MT_FMT_BIT(MEMTYPE_CAPTURE_DMESG)))
			m->log = c;
		if (!m->kernel[0] && c->kernel[0])
			mt_cap_strcpy(m->kernel, sizeof(m->kernel), c->kernel);
		if (!m->dmi[0] && c->dmi[0])
			mt_cap_strcpy(m->dmi, sizeof(m->dmi), c->dmi);
		if (!m->hypervisor[0] && c->hypervisor[0])
			mt_cap_strcpy(m->hypervisor, sizeof(m->hypervisor), c->hypervisor);
		if (!m->vendor && c->vendor) {
			m->vendor = c->vendor;
			mt_cap_strcpy(m->vendor_source, sizeof(m->vendor_source), c->vendor_source);
		}
		if (!m->params.seen && c->params.seen)
			m->params = c->params;
		if (!m->mtrr_status && c->mtrr_status)
			m->mtrr_status = c->mtrr_status;
		add_views(m, c);
	}
	phys_bits(m, caps, n);

	/* Masks for the sized views, sizes for the exact ones. */
	for (unsigned k = 0; k < m->nviews; k++) {
		struct mt_view *v = &m->views[k];
		for (unsigned i = 0; i < v->n; i++) {
			struct mt_mach_var *x = &v->v[i];
			if (!x->valid)
				continue;
			if (x->exact) {
				x->size = mt_mask_size(x->mask, m->phys_bits);
			} else {
				if (x->size & (x->size - 1))
					mt_machine_note(
					    m, "%s reg%02u: size 0x%llx is not a power of two",
					    view_names[v->kind], i, (unsigned long long)x->size);
				x->mask = mt_size_mask(x->size, m->phys_bits);
			}
		}
	}
	for (unsigned k = 0; k < m->nviews; k++)
		if (m->chosen < 0 || m->views[k].kind < m->views[m->chosen].kind)
			m->chosen = (int)k;
	if (m->chosen >= 0) {
		const struct mt_view *v = &m->views[m->chosen];
		m->var_known = true;
		m->nvar = v->n;
		memcpy(m->var, v->v, v->n * sizeof(m->var[0]));
		m->mtrr_source = view_names[v->kind];
	} else {
		m->mtrr_source = "none";
	}

	/* DEF_TYPE, MTRRcap, fixed ranges, TOM2, PAT, e820. */
	for (size_t k = 0; k < n; k++)
		msr_state(m, caps[k]);
	for (size_t k = 0; k < n; k++) {
		const memtype_capture *c = caps[k];
		if (c->dump_seen) {
			set_int(m, &m->def_type, &m->def_source, c->dump_def_type, "dump",
				"default type");
			set_int(m, &m->enabled, &m->enabled_source, c->dump_var_hdr, "dump",
				"DEF_TYPE.E");
			/* The fixed header says "enabled" for FE up to 6.4, for E && FE
			 * from 6.5 (generic.c print_mtrr_state). */
			int fe = c->dump_fixed_hdr;
			if (c->kernel_version >= 605 && c->dump_var_hdr == 0)
				fe = -1;
			set_int(m, &m->fixed_enabled, NULL, fe, "dump", "DEF_TYPE.FE");
			set_int(m, &m->have_fixed, NULL, c->dump_fixed_hdr >= 0 ? 1 : 0, "dump",
				"MTRRcap.FIX");
			bool all = c->dump_fixed_hdr >= 0 &&
				   !memchr(c->fixed_set, false, sizeof(c->fixed_set));
			if (all && !m->fixed_known) {
				memcpy(m->fixed, c->fixed, sizeof(m->fixed));
				m->fixed_known = true;
				m->fixed_source = "dump";
			} else if (c->dump_fixed_hdr >= 0 && !all) {
				mt_machine_note(m, "%s: the fixed-range dump is incomplete",
						c->name);
			}
			if (!m->vcnt && !c->dump_truncated && c->dump_var_hdr >= 0) {
				m->vcnt = c->dump_nvar;
				m->vcnt_source = "dump";
			}
		}
		if (c->clean_total_seen || c->clean_orig_seen || c->clean_found || c->clean_fail) {
			/* mtrr_cleanup() runs only with MTRRs on and a UC default (cleanup.c). */
			set_int(m, &m->enabled, &m->enabled_source, 1, "cleanup", "DEF_TYPE.E");
			set_int(m, &m->def_type, &m->def_source, MEMTYPE_UC, "cleanup",
				"default type");
		}
		if (c->all_blank) {
			/* mtrr_trim_uncached_memory() says so only when DEF_TYPE's type
			 * byte is UC (E is not tested: <= 6.1 guests print "Disabled"
			 * and then this line). */
			set_int(m, &m->def_type, &m->def_source, MEMTYPE_UC, "trim",
				"default type");
		}
		if (c->map_line && !c->mtrr_status)
			set_int(m, &m->enabled, &m->enabled_source, 1, "map-line", "DEF_TYPE.E");
		if (c->mtrr_status && (strcmp(c->mtrr_status, "disabled-by-bios") == 0 ||
				       strcmp(c->mtrr_status, "disabled") == 0 ||
				       strcmp(c->mtrr_status, "not-available") == 0))
			set_int(m, &m->enabled, &m->enabled_source, 0, c->mtrr_status,
				"DEF_TYPE.E");
		if (!m->tom2 && c->tom2) {
			m->tom2 = c->tom2;
			m->tom2_source = "log";
		}
		const struct mt_cap_msr *sys = mt_cap_msr(c, 257), *top = mt_cap_msr(c, 258);
		if (!m->tom2 && sys && top &&
		    (sys->value & (3ull << 21)) == (3ull << 21) && (top->value & ~0x7fffffull)) {
			/* SYSCFG MtrrTom2En (21) and Tom2ForceMemTypeWB (22); TOP_MEM2 bits 47:23.
			 */
			m->tom2 = top->value & 0xffffff800000ull;
			m->tom2_source = "msr";
		}
		const struct mt_cap_msr *pat = mt_cap_msr(c, 1 + 0x77);
		if (pat) {
			if (!m->pat_known) {
				m->pat_known = true;
				m->pat = pat->value;
				m->pat_source = "msr";
			} else if (m->pat != pat->value) {
				mt_machine_disagree(m, "IA32_PAT: %s says 0x%llx, msr says 0x%llx",
						    m->pat_source, (unsigned long long)m->pat,
						    (unsigned long long)pat->value);
			}
		}
		if (!m->ne820 && c->ne820) {
			m->ne820 = c->ne820;
			memcpy(m->e820, c->e820, c->ne820 * sizeof(c->e820[0]));
		}
		m->pat_off = m->pat_off || c->pat_off;
	}
	for (size_t k = 0; k < n; k++) {
		const memtype_capture *c = caps[k];
		if (!c->pat_seen)
			continue;
		if (!m->pat_known) {
			m->pat_known = true;
			m->pat = c->pat;
			m->pat_source = "dmesg";
		} else if (m->pat != c->pat) {
			mt_machine_disagree(
			    m, "IA32_PAT: %s says 0x%llx, the kernel log says 0x%llx",
			    m->pat_source, (unsigned long long)m->pat, (unsigned long long)c->pat);
		}
	}

	/* What the "MTRR map:" line tells when nothing else does. */
	if (m->log && m->log->map_line) {
		unsigned k = m->log->map_k - (m->tom2 ? 1u : 0u);
		if (!m->vcnt && k <= 255) {
			m->vcnt = k;
			m->vcnt_source = "map-line";
		}
		if (!m->var_known && m->log->map_v == 0 && m->vcnt) {
			/* No variable entry at all: every variable MTRR is unused. */
			m->var_known = true;
			m->nvar = m->vcnt < MT_CAP_MAX_VAR ? m->vcnt : MT_CAP_MAX_VAR;
			memset(m->var, 0, m->nvar * sizeof(m->var[0]));
			m->mtrr_source = "map-line";
			mt_machine_note(m,
					"variable MTRRs taken as all unused: the kernel's map has "
					"no variable entry");
		}
	}
	if (!m->vcnt && m->var_known) {
		m->vcnt = m->nvar;
		m->vcnt_source = "lower-bound";
	}
	if (m->def_type < 0 && m->var_known && m->enabled != 0) {
		/* /proc/mtrr does not print it: a BIOS that lists WB ranges uses a UC
		 * default, one that lists only UC/WC/WP holes uses WB. */
		m->def_type = MEMTYPE_WB;
		for (unsigned i = 0; i < m->nvar; i++)
			if (m->var[i].valid && m->var[i].type == MEMTYPE_WB)
				m->def_type = MEMTYPE_UC;
		m->def_source = "inferred";
		mt_machine_note(m, "default type not in the captures: %s inferred (%s)",
				m->def_type == MEMTYPE_UC ? "UC" : "WB",
				m->def_type == MEMTYPE_UC ? "a variable range is WB"
							  : "the variable ranges are only holes");
	}
	if (m->var_known && m->vcnt < m->nvar)
		m->vcnt = m->nvar;
}
