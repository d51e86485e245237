/*
 * sim.c - run one scenario through every layer, in data-flow order
 * (DESIGN.md §1): the firmware programs the guest-visible MTRRs, the guest
 * kernel captures or forces its MTRR view and sets up PAT, then performs
 * the scenario's mappings in boot order; stage 2 decides what the hardware
 * really does with each mapped piece; findings come from the gap between
 * the two views. Scenario-level facts are cited where they are applied.
 */
#include "sim.h"

#include <stdio.h>
#include <string.h>

static const char *const call_names[] = {
	[MT_CALL_IOREMAP] = "ioremap",
	[MT_CALL_IOREMAP_UC] = "ioremap_uc",
	[MT_CALL_IOREMAP_WC] = "ioremap_wc",
	[MT_CALL_IOREMAP_WT] = "ioremap_wt",
	[MT_CALL_IOREMAP_CACHE] = "ioremap_cache",
	[MT_CALL_MEMREMAP_WB] = "memremap_wb",
	[MT_CALL_MEMREMAP_WT] = "memremap_wt",
	[MT_CALL_MEMREMAP_WC] = "memremap_wc",
	[MT_CALL_DEVM_IOREMAP_RESOURCE] = "devm_ioremap_resource",
	[MT_CALL_ACPI_MAP] = "acpi_map",
	[MT_CALL_FIXMAP_NOCACHE] = "fixmap_nocache",
};

const char *mt_call_name(mt_call c)
{
	return (unsigned)c < MT_ARRAY_SIZE(call_names) ? call_names[c] : "?";
}

static void finding(memtype_sim *sim, memtype_severity sev, const char *code, int mapping,
		    bool has_range, uint64_t start, uint64_t end, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

static void finding(memtype_sim *sim, memtype_severity sev, const char *code, int mapping,
		    bool has_range, uint64_t start, uint64_t end, const char *fmt, ...)
{
	if (sim->nf >= MT_MAX_FINDINGS)
		return;
	struct sim_finding *f = &sim->f[sim->nf++];
	f->sev = sev;
	f->code = code;
	f->mapping = mapping;
	f->has_range = has_range;
	f->start = start;
	f->end = end;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

/* The PAT entry type a Linux PTE of page_cache_mode pcm selects. With PAT
 * on, Linux's layout holds every mode in its own slot (memtype.c
 * pat_bp_init); with PAT off, the reset layout WB WT UC- UC serves, and
 * modes it lacks (WC, WP) fall back to UC- (init_cache_modes). */
static memtype_type guest_pat_type(const struct mt_linux *lx, int pcm)
{
	memtype_type t = MEMTYPE_UC_MINUS;
	if (memtype_type_from_linux_pcm((unsigned)pcm, &t) != 0)
		return MEMTYPE_UC_MINUS;
	if (!lx->pat.enabled && (t == MEMTYPE_WC || t == MEMTYPE_WP))
		return MEMTYPE_UC_MINUS;
	return t;
}

/* Sort a short list of addresses and drop duplicates; returns the new count. */
static size_t sort_unique(uint64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t v = a[i];
		size_t j = i;
		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || a[i] != a[u - 1])
			a[u++] = a[i];
	return u;
}

/* Sorted unique cut points inside [start, end]: where the platform, the
 * devices or the firmware MTRRs change. */
static size_t cut_points(const memtype_sim *sim, uint64_t start, uint64_t end, uint64_t *cuts,
			 size_t max)
{
	const struct mt_platform *p = &sim->sc->s.platform;
	size_t n = 0;
	cuts[n++] = start;
#define CUT(x)                                                                                     \
	do {                                                                                       \
		uint64_t x_ = (x);                                                                 \
		if (x_ > start && x_ <= end && n < max)                                            \
			cuts[n++] = x_;                                                            \
	} while (0)
	for (unsigned i = 0; i < p->ne820; i++) {
		CUT(p->e820[i].start);
		if (p->e820[i].end < UINT64_MAX)
			CUT(p->e820[i].end + 1);
	}
	for (unsigned i = 0; i < p->ndev; i++) {
		CUT(p->dev[i].start);
		if (p->dev[i].end < UINT64_MAX)
			CUT(p->dev[i].end + 1);
	}
	if (sim->fw_map) {
		size_t k = 0;
		memtype_range r;
		if (memtype_map_query(sim->fw_map, start, &r) == 0) {
			while (r.end < end && n < max) {
				CUT(r.end + 1);
				if (memtype_map_query(sim->fw_map, r.end + 1, &r) != 0 || ++k > max)
					break;
			}
		}
	}
#undef CUT
	return sort_unique(cuts, n);
}

/* Effective pieces of one granted mapping. */
static void effective_pieces(memtype_sim *sim, struct sim_mapping *sm, const struct mt_mapping *m)
{
	uint64_t cuts[64];
	size_t n = cut_points(sim, m->start, m->end, cuts, MT_ARRAY_SIZE(cuts));
	memtype_type gpat = guest_pat_type(&sim->lx, sm->r.granted);
	sm->eff_first = sim->neff;
	for (size_t i = 0; i < n && sim->neff < MT_MAX_EFFECTIVE; i++) {
		struct sim_effective *e = &sim->eff[sim->neff];
		e->start = cuts[i];
		e->end = i + 1 < n ? cuts[i + 1] - 1 : m->end;
		mt_stage2_effective(&sim->sc->s, sim->fw_mtrr, e->start, gpat, &e->why, &e->stage2);
		/* Merge with the previous piece when nothing differs. */
		if (sim->neff > sm->eff_first) {
			struct sim_effective *prev = &sim->eff[sim->neff - 1];
			if (prev->why.type == e->why.type && prev->stage2 == e->stage2 &&
			    prev->why.notes == e->why.notes) {
				prev->end = e->end;
				continue;
			}
		}
		sim->neff++;
	}
	sm->neff = sim->neff - sm->eff_first;
}

static bool cacheable(memtype_type t)
{
	return t == MEMTYPE_WB || t == MEMTYPE_WT || t == MEMTYPE_WP;
}

static void mapping_findings(memtype_sim *sim, const struct sim_mapping *sm,
			     const struct mt_mapping *m)
{
	int idx = (int)sm->index;
	if (!sm->r.ok) {
		const char *msg = sm->first_msg >= 0 ? sim->log.line[sm->first_msg] : "refused";
		/* A refusal by PAT memtype tracking, as opposed to one for RAM
		 * or a bad range (arch/x86/mm/ioremap.c, pat/memtype.c messages). */
		bool conflict = sm->r.err == -EBUSY || strncmp(msg, "ioremap error for", 17) == 0 ||
				strstr(msg, "conflicting memory types") ||
				strstr(msg, "memtype_reserve failed") ||
				strstr(msg, "reserve_ram_pages_type failed");
		finding(sim, MEMTYPE_SEV_ERROR, conflict ? "memtype-conflict" : "mapping-refused", idx,
			true, m->start, m->end, "%s %s [0x%llx-0x%llx] failed: %s", m->who,
			mt_call_name(m->call), (unsigned long long)m->start, (unsigned long long)m->end,
			msg);
		return;
	}
	for (size_t k = 0; k < sm->neff; k++) {
		const struct sim_effective *e = &sim->eff[sm->eff_first + k];
		mt_gpa_class cls = mt_gpa_classify(&sim->sc->s, e->start);
		if (cls == MT_GPA_HOST_MMIO && cacheable(e->why.type))
			finding(sim, MEMTYPE_SEV_ERROR, "mmio-cacheable", idx, true, e->start, e->end,
				"%s %s maps device memory [0x%llx-0x%llx] effectively %s: cached "
				"device accesses are unsafe",
				m->who, mt_call_name(m->call), (unsigned long long)e->start,
				(unsigned long long)e->end,
				memtype_type_name(e->why.type, MEMTYPE_SPELL_SHORT));
		else if (cls != MT_GPA_RAM && sm->r.granted == MT_PCM_WB &&
			 sm->r.requested != MT_PCM_WB)
			finding(sim, MEMTYPE_SEV_WARNING, "device-got-wb", idx, true, e->start, e->end,
				"%s %s asked for an uncached mapping of device memory [0x%llx-0x%llx] "
				"and got write-back: the driver's ordering and side-effect "
				"assumptions no longer hold",
				m->who, mt_call_name(m->call), (unsigned long long)e->start,
				(unsigned long long)e->end);
		else if (cls == MT_GPA_EMULATED && sm->r.granted == MT_PCM_WB)
			finding(sim, MEMTYPE_SEV_INFO, "device-mapped-wb", idx, true, e->start, e->end,
				"%s %s maps emulated device [0x%llx-0x%llx] write-back: harmless "
				"while every access exits to the VMM, wrong on real hardware",
				m->who, mt_call_name(m->call), (unsigned long long)e->start,
				(unsigned long long)e->end);
	}
}

/* The guest kernel's MTRR view as a map: the type its lookup returns for
 * each piece between the edges it knows about. */
static int build_guest_map(memtype_sim *sim)
{
	const struct mt_linux_mtrr *lx = &sim->lx.mtrr;
	uint64_t top = mt_bits(lx->phys_bits - 1, 0);
	uint64_t edges[2 * MT_LX_CACHE_MAP_MAX + 2 * MEMTYPE_MAX_VCNT + 8];
	size_t n = 0;
	edges[n++] = 0;
	for (unsigned i = 0; i < lx->nmap && n + 2 < MT_ARRAY_SIZE(edges); i++) {
		edges[n++] = lx->map[i].start;
		edges[n++] = lx->map[i].end_excl;
	}
	if (sim->fw_map && lx->state == MT_LX_MTRR_NORMAL) {
		for (size_t i = 0; i < memtype_map_count(sim->fw_map) && n < MT_ARRAY_SIZE(edges); i++) {
			memtype_range r;
			memtype_map_get(sim->fw_map, i, &r);
			edges[n++] = r.start;
		}
	}
	n = sort_unique(edges, n);
	sim->guest_map = mt_map_alloc(sim->ctx, 0, top, n + 1);
	if (!sim->guest_map)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (edges[i] > top)
			continue;
		uint8_t t = mt_linux_mtrr_lookup(lx, edges[i], edges[i] + 1, NULL);
		/* Pre-6.5 "no MTRR information" reads as UC for the map: it makes
		 * PAT turn WB requests into UC- exactly like UC does. */
		uint32_t v = t == MT_LX_MTRR_INVALID ? MEMTYPE_UC : t;
		int rc = mt_map_append(sim->guest_map, edges[i], v, 0, 0);
		if (rc)
			return rc;
	}
	return 0;
}

/* The forced software MTRR state of a KVM SNP/TDX guest. */
static bool forced_state(const struct mt_scenario *s, struct mt_lx_forced *f)
{
	memset(f, 0, sizeof(*f));
	/* guest_force_mtrr_state() applies to SEV-SNP and TDX guests only
	 * (not plain SEV/SEV-ES), called from kvm_init_platform()
	 * (arch/x86/kernel/kvm.c, 8e690b817e38, Linux 6.12-rc5). */
	if (s->hv.kind != MT_HV_KVM || s->hv.coco == MT_COCO_NONE)
		return false;
	/* opt-arch-bit: a CoCo platform tells the guest that MTRRs have no
	 * effect (Rick Edgecombe's option 3, 2025-02-03); the kernel then
	 * ignores them, which for its MTRR view is the all-WB state. */
	if (s->guest.patches & MT_PATCH_OPT_ARCH_BIT) {
		f->def_type = MEMTYPE_WB;
		return true;
	}
	if (!(s->guest.patches & MT_PATCH_COCO_FORCE_WB))
		return false;
	f->def_type = MEMTYPE_WB;
	if (s->guest.patches & MT_PATCH_CVE_2025_40181) {
		/* 0dccbc75e18d (CVE-2025-40181, 6.18-rc1): one UC range from
		 * TOLUD = e820__end_of_low_ram_pfn() << PAGE_SHIFT to 4 GiB, with
		 * mask_lo = low 32 bits of ~(4G - TOLUD - 1) | valid and mask_hi
		 * = (2^phys_bits - 1) >> 32. The kernel never writes it to
		 * hardware and derives the size from the mask, so any TOLUD works. */
		uint64_t tolud = mt_e820_end_of_low_ram(&s->platform,
							 s->guest.patches & MT_PATCH_E820_ACPI_END);
		if (tolud < MT_4GIB) {
			uint64_t hi = mt_bits(s->platform.phys_bits - 1, 0) >> 32;
			uint64_t lo = (~(MT_4GIB - tolud - 1)) & 0xffffffffull;
			f->var[0].base = tolud | MEMTYPE_UC;
			f->var[0].mask = (hi << 32) | (lo & ~0xfffull) | (1ull << 11);
			f->nvar = 1;
		}
	}
	return true;
}

static void boot_findings(memtype_sim *sim)
{
	const struct mt_scenario *s = &sim->sc->s;
	const struct mt_platform *p = &s->platform;
	const struct mt_linux_mtrr *lx = &sim->lx.mtrr;

	if (s->hv.coco != MT_COCO_NONE &&
	    (lx->state == MT_LX_MTRR_NORMAL || lx->state == MT_LX_MTRR_DISABLED_BY_BIOS))
		finding(sim, MEMTYPE_SEV_WARNING, "host-controlled-type", -1, false, 0, 0,
			"the guest kernel decides memory types from MTRR values the untrusted host "
			"supplies (MSR accesses go to the VMM via #VE/#VC)");
	if (lx->state == MT_LX_MTRR_NOT_AVAILABLE && lx->version >= 605)
		finding(sim, MEMTYPE_SEV_WARNING, "no-huge-mappings", -1, false, 0, 0,
			"no MTRR state: every lookup is non-uniform, so pmd/pud_set_huge() refuse huge "
			"ioremap mappings, and WB requests outside RAM become UC- (Linux 6.5+ "
			"mtrr_type_lookup, 12f0dd8df142)");
	/* RAM that is not WB for a WB mapping. */
	for (unsigned i = 0; i < p->ne820; i++) {
		const struct mt_e820_entry *e = &p->e820[i];
		if (e->type != MT_E820_RAM)
			continue;
		uint64_t cuts[64];
		size_t n = cut_points(sim, e->start, e->end, cuts, MT_ARRAY_SIZE(cuts));
		for (size_t k = 0; k < n; k++) {
			memtype_result r;
			const char *detail;
			mt_stage2_effective(s, sim->fw_mtrr, cuts[k], MEMTYPE_WB, &r, &detail);
			if (r.type == MEMTYPE_WB)
				continue;
			uint64_t end = k + 1 < n ? cuts[k + 1] - 1 : e->end;
			finding(sim, MEMTYPE_SEV_WARNING, "ram-not-wb", -1, true, cuts[k], end,
				"RAM [0x%llx-0x%llx] is effectively %s for write-back mappings (%s)",
				(unsigned long long)cuts[k], (unsigned long long)end,
				memtype_type_name(r.type, MEMTYPE_SPELL_SHORT), detail);
		}
	}
	if (sim->fw_map && s->hv.kind == MT_HV_NONE) {
		for (size_t i = 0; i < memtype_map_count(sim->fw_map); i++) {
			memtype_range r;
			memtype_map_get(sim->fw_map, i, &r);
			if (r.value == MEMTYPE_UNDEFINED)
				finding(sim, MEMTYPE_SEV_ERROR, "mtrr-overlap-undefined", -1, true, r.start,
					r.end,
					"variable MTRRs of different types overlap over [0x%llx-0x%llx]: "
					"the SDM (§11.11.4.1) does not define the type",
					(unsigned long long)r.start, (unsigned long long)r.end);
		}
	}
}

static int firmware(memtype_sim *sim, const struct mt_guest_view *gv)
{
	const struct mt_scenario *s = &sim->sc->s;
	struct mt_msw {
		struct mt_msr_write w[MT_MAX_MSR_WRITES];
	} writes;
	unsigned n = 0;
	const char *note = NULL;
	sim->fw_mtrr = memtype_mtrr_new(sim->ctx, s->platform.phys_bits, gv->mtrrcap);
	if (!sim->fw_mtrr)
		return sim->ctx->err.status ? sim->ctx->err.status : -EINVAL;
	int rc = mt_fw_program(sim->ctx, s, writes.w, &n, &note);
	if (rc)
		return rc;
	for (unsigned i = 0; i < n; i++) {
		const struct mt_msr_write *w = &writes.w[i];
		/* MTRRcap is the CPU's (read-only) and IA32_PAT is reprogrammed by
		 * the kernel: neither is part of what firmware leaves in the MTRRs. */
		if (w->index == MEMTYPE_MSR_MTRRCAP || w->index == MEMTYPE_MSR_PAT)
			continue;
		if (memtype_mtrr_wrmsr(sim->fw_mtrr, w->index, w->value) != 0)
			finding(sim, MEMTYPE_SEV_ERROR, "invalid-msr-value", -1, false, 0, 0,
				"firmware write rejected: %s", sim->ctx->message);
	}
	memtype_ctx_clear_error(sim->ctx);
	if (memtype_mtrr_build_map(sim->fw_mtrr, 1u << 16, &sim->fw_map) != 0) {
		sim->fw_map = NULL;
		memtype_ctx_clear_error(sim->ctx);
	}
	return 0;
}

int mt_sim_run(memtype_sim *sim, const memtype_scenario *sc, const size_t *order)
{
	const struct mt_scenario *s = &sc->s;
	memtype_ctx *ctx = sim->ctx;
	sim->sc = sc;

	if (order) {
		bool seen[MT_MAX_MAPPINGS] = { false };
		for (size_t i = 0; i < sc->ngroups; i++) {
			if (order[i] >= sc->ngroups || seen[order[i]])
				return mt_error(ctx, -EINVAL, "bad-order",
						"group order is not a permutation of %zu groups",
						sc->ngroups);
			seen[order[i]] = true;
		}
	}
	if (s->hv.coco == MT_COCO_TDX && s->hv.version < 616)
		return mt_error(ctx, -EINVAL, "unsupported",
				"TDX guests need KVM 6.16 or later (upstream KVM TDX host support)");

	struct mt_guest_view gv;
	mt_hv_guest_view(s, &gv);
	int rc = firmware(sim, &gv);
	if (rc)
		return rc;

	/* The guest kernel: MTRR view, then PAT. */
	sim->lx.version = s->guest.version;
	sim->lx.platform = &s->platform;
	sim->lx.mtrr.version = s->guest.version;
	sim->lx.mtrr.phys_bits = s->platform.phys_bits;
	bool cpuid_mtrr = gv.cpuid_mtrr && !s->guest.clearcpuid_mtrr;
	sim->cpuid_mtrr = cpuid_mtrr;
	sim->msrs_via_host = gv.msrs_via_host;
	struct mt_lx_forced forced;
	bool is_forced = forced_state(s, &forced);
	sim->booted = true;
	/* opt-emulated-mtrrs (Sean Christopherson, <Z5P_Rj4Uc82lJBDx@google.com>):
	 * X86_FEATURE_EMULATED_MTRRS makes cache_disable()/cache_enable() no-ops,
	 * so the MTRRs are read but CR0.CD is never set. */
	bool toggles_cd = !(s->guest.patches & MT_PATCH_OPT_EMULATED_MTRRS);
	if (s->hv.kind == MT_HV_KVM && s->hv.coco != MT_COCO_NONE &&
	    (s->guest.patches & MT_PATCH_OPT_UNTRACKED_HOLE)) {
		/* opt-untracked-hole (v1 of the series): [TOLUD, 4 GiB] is an
		 * untracked PAT range, so PAT reports WB there and skips checks. */
		sim->lx.untracked_start = mt_e820_end_of_low_ram(
			&s->platform, s->guest.patches & MT_PATCH_E820_ACPI_END);
		sim->lx.untracked_end_excl = MT_4GIB;
	}
	if (!is_forced && cpuid_mtrr && gv.cd_faults && toggles_cd && s->guest.version >= 602) {
		/* Since the 6.2 PAT/MTRR decoupling, cache_cpu_init() sets CR0.CD
		 * around the MTRR update; in a TD that raises #VE, which the guest
		 * does not expect (Kirill Shutemov's report, Dec 2022). DERIVED
		 * for 6.2 .. 6.11 without clearcpuid=mtrr. */
		mt_log(&sim->log, -1, "tdx: Unexpected #VE: 28");
		finding(sim, MEMTYPE_SEV_ERROR, "boot-failure", -1, false, 0, 0,
			"CR0.CD=1 raises #VE in a TDX guest: the kernel dies in cache_disable() "
			"(boot with clearcpuid=mtrr, or use a kernel with 8e690b817e38)");
		sim->booted = false;
		sim->mtrr_source = "none";
		return build_guest_map(sim);
	}
	mt_linux_mtrr_init(&sim->lx.mtrr, cpuid_mtrr, cpuid_mtrr ? sim->fw_mtrr : NULL,
			   is_forced ? &forced : NULL, s->guest.mtrr_debug, &sim->log);
	sim->mtrr_source = is_forced ? "forced" : cpuid_mtrr ? "hardware" : "none";
	mt_linux_pat_init(&sim->lx, s->guest.nopat, &sim->log);
	rc = build_guest_map(sim);
	if (rc)
		return rc;
	boot_findings(sim);

	/* The mappings, group by group. */
	for (size_t g = 0; g < sc->ngroups; g++) {
		const char *who = sc->group[order ? order[g] : g];
		for (unsigned i = 0; i < s->nmap; i++) {
			const struct mt_mapping *m = &s->map[i];
			if (strcmp(m->who, who) != 0)
				continue;
			struct sim_mapping *sm = &sim->maps[sim->nmaps++];
			unsigned before = sim->log.n;
			sm->index = i;
			mt_linux_map(&sim->lx, m, (int)i, &sm->r, &sim->log);
			sm->first_msg = sim->log.n > before ? (int)before : -1;
			if (sm->r.ok)
				effective_pieces(sim, sm, m);
			else
				sm->eff_first = sim->neff;
			mapping_findings(sim, sm, m);
		}
	}
	return 0;
}

void mt_sim_release(memtype_sim *sim)
{
	memtype_map_free(sim->guest_map);
	memtype_map_free(sim->fw_map);
	memtype_mtrr_free(sim->fw_mtrr);
	sim->guest_map = sim->fw_map = NULL;
	sim->fw_mtrr = NULL;
}

bool mt_sim_any_refused(const memtype_sim *sim)
{
	if (!sim->booted)
		return true;
	for (size_t i = 0; i < sim->nmaps; i++)
		if (!sim->maps[i].r.ok)
			return true;
	return false;
}
