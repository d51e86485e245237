/*
 * matrix.c - the compatibility matrix: every firmware x platform x guest
 * kernel x TPM-description combination for a standard q35 guest with ACPI,
 * a TPM and an HPET, each simulated in every order of its mapping groups.
 *
 * This is the table a cloud provider needs before shipping a new OVMF, a
 * distribution before choosing a backport, and a kernel developer weighing
 * the designs discussed upstream (the opt-* kernels). Cells are built as
 * scenarios in memory (no YAML), so the whole matrix runs in milliseconds.
 */
#include "sim.h"

#include <stdio.h>
#include <string.h>

enum { AX_FIRMWARE, AX_PLATFORM, AX_KERNEL, AX_TPM, NAXES };

struct axis_value {
	const char *name, *doc;
};

static const struct axis_value firmwares[] = {
	{ "seabios", "SeaBIOS 1.16.2: UC hole from pcimem_start, default WB (src/fw/mtrr.c)" },
	{ "ovmf-202405", "OVMF before edk2-stable202408: default WB + UC holes, also in CoCo guests" },
	{ "ovmf-202411", "OVMF edk2-stable202411: no MTRRs in TDX guests (3a3b12cbda)" },
	{ "ovmf-202511", "OVMF edk2-stable202511: no MtrrLib in SEV guests (05b677c9de); SEC still "
			 "enables default-WB MTRRs there" },
};

static const struct axis_value platforms[] = {
	{ "bare", "bare metal (Intel): the firmware's MTRRs meet the PAT on the real tables" },
	{ "vmx-6.10", "KVM 6.10, Intel VMX: RAM EPT WB with IPAT=1" },
	{ "vmx-6.10-nc", "KVM 6.10, VMX, non-coherent DMA: EPT type = guest MTRR type, IPAT=0" },
	{ "vmx-6.16", "KVM 6.16 (>= 6.11), VMX: RAM EPT WB with IPAT=1 (IGNORE_GUEST_PAT quirk)" },
	{ "vmx-6.16-nc", "KVM 6.16 (>= 6.11), VMX, non-coherent DMA: EPT WB, IPAT=0, guest PAT "
			 "decides" },
	{ "svm", "KVM 6.16, AMD SVM: nested paging, guest PAT x host PAT x host MTRR" },
	{ "tdx", "KVM 6.16, Intel TDX: private WB (Secure EPT), MTRR MSRs via #VE to the VMM, "
		 "CR0.CD -> #VE" },
	{ "snp", "KVM 6.16, AMD SEV-SNP: nested paging, MTRR MSRs via #VC to the host" },
};

static const struct axis_value kernels[] = {
	{ "6.1", "Linux 6.1: firmware MTRRs; PAT off when MTRRs are off" },
	{ "6.6", "Linux 6.6: firmware MTRRs, 6.5 cache map" },
	{ "6.12", "Linux 6.12: SNP/TDX force all-WB MTRRs (8e690b817e38)" },
	{ "6.12.y", "Linux 6.12.y with the backported fix 0dccbc75e18d (CVE-2025-40181)" },
	{ "6.18", "Linux 6.18: forced WB plus UC [TOLUD, 4G) (0dccbc75e18d)" },
	{ "opt-emulated-mtrrs", "design option: keep firmware MTRRs, never toggle CR0.CD "
				"(X86_FEATURE_EMULATED_MTRRS, Sean Christopherson, Jan 2025)" },
	{ "opt-arch-bit", "design option: an architectural \"MTRRs have no effect\" bit the "
			  "kernel honours (Rick Edgecombe's option 3): all-WB view, no CR0.CD" },
	{ "opt-untracked-hole", "design option: v1 of the fix, [TOLUD, 4G] untracked by PAT "
				"(reports WB, skips conflict checks)" },
	{ "opt-uc-hole", "design option: UC [TOLUD, 4G) in the forced state -- what was merged "
			 "(= 0dccbc75e18d)" },
};

static const struct axis_value tpms[] = {
	{ "edk2-asl", "TPM described by EDK2's Tpm.asl: SystemMemory OperationRegion over "
		      "0xFED40000 (GCE), so ACPI maps it WB" },
	{ "qemu-asl", "TPM described as QEMU does (Memory32Fixed only): ACPI never maps it" },
};

static const struct {
	const char *name;
	const struct axis_value *v;
	size_t n;
} axes[NAXES] = {
	{ "firmware", firmwares, MT_ARRAY_SIZE(firmwares) },
	{ "platform", platforms, MT_ARRAY_SIZE(platforms) },
	{ "kernel", kernels, MT_ARRAY_SIZE(kernels) },
	{ "tpm", tpms, MT_ARRAY_SIZE(tpms) },
};

struct cell {
	const char *verdict;
	char reason[320];
	const char *codes[MEMTYPE_MATRIX_MAX_CODES];
	size_t ncodes, orders, failing;
};

#define MT_MATRIX_MAX_VALUES 64u

struct memtype_matrix {
	memtype_ctx *ctx;
	size_t naxes;
	const char *axis_name[MEMTYPE_MATRIX_MAX_AXES];
	size_t axis_n[MEMTYPE_MATRIX_MAX_AXES];
	const char *axis_value[MEMTYPE_MATRIX_MAX_AXES][MT_MATRIX_MAX_VALUES];
	const char *axis_doc[MEMTYPE_MATRIX_MAX_AXES][MT_MATRIX_MAX_VALUES];
	size_t ncells;
	struct cell *cells;
	memtype_scenario *sc; /* scratch, rebuilt per cell */
	/* A sweep of scenario files (NULL for the built-in matrix): with more
	 * than one file, axis 0 is "scenario". */
	const memtype_scenario *const *src;
	size_t nsrc;
};

static void coords(const memtype_matrix *m, size_t i, size_t c[MEMTYPE_MATRIX_MAX_AXES])
{
	for (size_t a = m->naxes; a-- > 0;) {
		c[a] = i % m->axis_n[a];
		i /= m->axis_n[a];
	}
}

static void add_mapping(struct mt_scenario *s, const char *who, mt_call call, uint64_t start,
			uint64_t size, const char *device)
{
	struct mt_mapping *m = &s->map[s->nmap++];
	snprintf(m->who, sizeof(m->who), "%s", who);
	snprintf(m->device, sizeof(m->device), "%s", device);
	m->call = call;
	m->start = start;
	m->end = start + size - 1;
}

static void add_device(struct mt_platform *p, const char *name, uint64_t start, uint64_t size,
		       bool sysmem)
{
	struct mt_device *d = &p->dev[p->ndev++];
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->start = start;
	d->end = start + size - 1;
	d->backing = MT_BACKING_EMULATED;
	d->acpi_sysmem = sysmem;
}

/* The scenario of one cell. Fixed addresses: HPET 0xFED00000 (1 KiB of
 * registers), TPM TIS 0xFED40000 (5 x 4 KiB localities), as QEMU and OVMF's
 * PlatformInitLib/Platform.c place them. */
static int build_builtin(memtype_matrix *m, const size_t c[NAXES])
{
	memtype_scenario *sc = m->sc;
	struct mt_scenario *s = &sc->s;
	memset(sc, 0, sizeof(*sc));
	sc->ctx = m->ctx;
	snprintf(s->name, sizeof(s->name), "%s/%s/%s/%s", firmwares[c[AX_FIRMWARE]].name,
		 platforms[c[AX_PLATFORM]].name, kernels[c[AX_KERNEL]].name, tpms[c[AX_TPM]].name);

	size_t pf = c[AX_PLATFORM];
	bool amd = pf == 5 || pf == 7;
	s->platform.cpu = amd ? MEMTYPE_CPU_AMD : MEMTYPE_CPU_INTEL;
	s->platform.phys_bits = 46;
	s->platform.machine = MT_MACHINE_Q35;
	s->platform.ram = 8ull << 30;
	add_device(&s->platform, "hpet", 0xfed00000, 0x400, true);
	add_device(&s->platform, "tpm", 0xfed40000, 0x5000, c[AX_TPM] == 0);

	s->hv.kind = pf == 0 ? MT_HV_NONE : MT_HV_KVM;
	s->hv.version = (pf == 1 || pf == 2) ? 610 : 616;
	s->hv.noncoherent_dma = pf == 2 || pf == 4;
	s->hv.coco = pf == 6 ? MT_COCO_TDX : pf == 7 ? MT_COCO_SNP : MT_COCO_NONE;
	s->hv.quirk_cd_nw_cleared = true;
	s->hv.quirk_ignore_guest_pat = true;

	static const unsigned fw_version[] = { 11602, 202405, 202411, 202511 };
	s->firmware.kind = c[AX_FIRMWARE] == 0 ? MT_FW_SEABIOS : MT_FW_OVMF;
	s->firmware.version = fw_version[c[AX_FIRMWARE]];

	/* Kernel versions and the patches they carry (docs/scenario-format.md). */
	static const unsigned kver[] = { 601, 606, 612, 612, 618, 612, 612, 612, 612 };
	size_t k = c[AX_KERNEL];
	s->guest.version = kver[k];
	unsigned p = MT_PATCH_E820_ACPI_END * (kver[k] >= 611) |
		     MT_PATCH_COCO_FORCE_WB * (kver[k] >= 612) |
		     MT_PATCH_CVE_2025_40181 * (kver[k] >= 618);
	switch (k) {
	case 3:
	case 8:
		p |= MT_PATCH_CVE_2025_40181;
		break;
	case 5:
		p = (p & ~(unsigned)MT_PATCH_COCO_FORCE_WB) | MT_PATCH_OPT_EMULATED_MTRRS;
		break;
	case 6:
		p = (p & ~(unsigned)MT_PATCH_COCO_FORCE_WB) | MT_PATCH_OPT_ARCH_BIT;
		break;
	case 7:
		p |= MT_PATCH_OPT_UNTRACKED_HOLE;
		break;
	default:
		break;
	}
	s->guest.patches = p;
	int rc = mt_platform_apply_preset(m->ctx, &s->platform, &s->firmware);
	if (rc)
		return rc;

	/* Boot order: hpet_enable() from x86_late_time_init(), then acpi_init()
	 * (the HPET's HPTM region from QEMU's DSDT, the TPM's from Tpm.asl),
	 * then the tpm_tis probe (guest-firmware.md §3.3). */
	add_mapping(s, "hpet", MT_CALL_IOREMAP, 0xfed00000, 0x400, "");
	add_mapping(s, "acpi", MT_CALL_ACPI_MAP, 0xfed00000, 0x400, "");
	if (c[AX_TPM] == 0)
		add_mapping(s, "acpi", MT_CALL_ACPI_MAP, 0xfed40000, 0x5000, "");
	add_mapping(s, "tpm_tis", MT_CALL_DEVM_IOREMAP_RESOURCE, 0xfed40000, 0x5000, "MSFT0101:00");
	snprintf(sc->group[0], MT_NAME_MAX, "hpet");
	snprintf(sc->group[1], MT_NAME_MAX, "acpi");
	snprintf(sc->group[2], MT_NAME_MAX, "tpm_tis");
	sc->ngroups = 3;
	return 0;
}

/* The scenario of one cell of a sweep: the file's text parsed with one
 * value per declared axis. */
static int build_sweep(memtype_matrix *m, const size_t *c)
{
	size_t f = m->nsrc > 1 ? c[0] : 0;
	const memtype_scenario *src = m->src[f];
	const size_t *choice = c + (m->nsrc > 1);
	if (!src->text) {
		*m->sc = *src;
		return 0;
	}
	memset(m->sc, 0, sizeof(*m->sc));
	m->sc->ctx = m->ctx;
	return mt_scenario_load_into(m->sc, src->s.file, src->text, src->len, choice);
}

static int build(memtype_matrix *m, const size_t *c)
{
	return m->src ? build_sweep(m, c) : build_builtin(m, c);
}

static void add_code(struct cell *cl, const char *code)
{
	for (size_t i = 0; i < cl->ncodes; i++)
		if (strcmp(cl->codes[i], code) == 0)
			return;
	if (cl->ncodes < MEMTYPE_MATRIX_MAX_CODES)
		cl->codes[cl->ncodes++] = code;
}

/* The first finding of a code in a run, or NULL. */
static const struct sim_finding *first(const memtype_sim *sim, const char *code)
{
	for (size_t i = 0; i < sim->nf; i++)
		if (strcmp(sim->f[i].code, code) == 0)
			return &sim->f[i];
	return NULL;
}

/* Verdict precedence: conflict > undefined > unsafe > slow > ok (the first
 * failure a user hits decides; DESIGN.md §3 verdicts). */
static void judge(struct cell *cl, const memtype_sim *boot)
{
	static const struct {
		const char *code, *verdict;
	} rules[] = {
		{ "boot-failure", "conflict" },	   { "memtype-conflict", "conflict" },
		{ "mapping-refused", "conflict" }, { "mtrr-overlap-undefined", "undefined" },
		{ "mmio-cacheable", "unsafe" },	   { "device-got-wb", "unsafe" },
		{ "host-controlled-type", "unsafe" },
		{ "ram-not-wb", "slow" },	   { "no-huge-mappings", "slow" },
	};
	for (size_t r = 0; r < MT_ARRAY_SIZE(rules); r++) {
		const struct sim_finding *f = first(boot, rules[r].code);
		if (!f)
			continue;
		cl->verdict = rules[r].verdict;
		snprintf(cl->reason, sizeof(cl->reason), "%s", f->message);
		return;
	}
	cl->verdict = "ok";
	size_t used = (size_t)snprintf(cl->reason, sizeof(cl->reason),
				       "every mapping succeeds (guest MTRR view: %s)",
				       boot->mtrr_source);
	/* Say where a driver got another type than it asked for. */
	for (size_t i = 0; i < boot->nmaps && used < sizeof(cl->reason); i++) {
		const struct sim_mapping *sm = &boot->maps[i];
		const struct mt_mapping *mp = &boot->sc->s.map[sm->index];
		if (mp->call == MT_CALL_ACPI_MAP || sm->r.granted == sm->r.requested)
			continue;
		memtype_type req = MEMTYPE_UC, got = MEMTYPE_UC;
		memtype_type_from_linux_pcm((unsigned)sm->r.requested, &req);
		memtype_type_from_linux_pcm((unsigned)sm->r.granted, &got);
		used += (size_t)snprintf(cl->reason + used, sizeof(cl->reason) - used,
					 "; %s asked %s, got %s", mp->who,
					 memtype_type_name(req, MEMTYPE_SPELL_SHORT),
					 memtype_type_name(got, MEMTYPE_SPELL_SHORT));
	}
}

static int run_cell(memtype_matrix *m, size_t i, memtype_sim *sim)
{
	struct cell *cl = &m->cells[i];
	size_t c[MEMTYPE_MATRIX_MAX_AXES];
	coords(m, i, c);
	int rc = build(m, c);
	if (rc)
		return rc;
	if (m->sc->s.firmware.kind == MT_FW_SEABIOS && m->sc->s.hv.coco != MT_COCO_NONE) {
		/* SEV-SNP and TDX guests boot only with OVMF (AmdSev/TDVF builds):
		 * SeaBIOS has neither the launch measurement nor the TD hob. */
		cl->verdict = "n/a";
		snprintf(cl->reason, sizeof(cl->reason),
			 "not a real combination: SEV-SNP and TDX guests boot with OVMF only");
		return 0;
	}
	/* Every order of the mapping groups, boot (file) order first; more
	 * than 8 groups (40320 orders) are run in boot order only. */
	size_t g = m->sc->ngroups;
	size_t order[MT_MAX_MAPPINGS];
	for (size_t k = 0; k < g; k++)
		order[k] = k;
	bool boot_failed = false;
	do {
		memset(sim, 0, sizeof(*sim));
		sim->ctx = m->ctx;
		rc = mt_sim_run(sim, m->sc, g ? order : NULL);
		if (rc)
			return rc;
		bool failed = mt_sim_any_refused(sim);
		for (size_t k = 0; k < sim->nf; k++)
			if (sim->f[k].sev >= MEMTYPE_SEV_WARNING)
				add_code(cl, sim->f[k].code);
		if (cl->orders == 0) {
			judge(cl, sim);
			boot_failed = failed;
		}
		cl->orders++;
		cl->failing += failed;
		mt_sim_release(sim);
	} while (g > 1 && g <= 8 && mt_next_permutation(order, g));
	if (cl->failing && !boot_failed) {
		add_code(cl, "order-dependent");
		size_t used = strlen(cl->reason);
		snprintf(cl->reason + used, sizeof(cl->reason) - used,
			 "; order-dependent: %zu of %zu probe orders fail", cl->failing, cl->orders);
	}
	return 0;
}

static int run_all(memtype_matrix *m)
{
	memtype_ctx *ctx = m->ctx;
	m->ncells = 1;
	for (size_t a = 0; a < m->naxes; a++)
		m->ncells *= m->axis_n[a];
	m->cells = mt_alloc(ctx, m->ncells * sizeof(*m->cells));
	m->sc = mt_alloc(ctx, sizeof(*m->sc));
	memtype_sim *sim = mt_alloc(ctx, sizeof(*sim));
	int rc = (!m->cells || !m->sc || !sim) ? -ENOMEM : 0;
	if (m->cells)
		memset(m->cells, 0, m->ncells * sizeof(*m->cells));
	for (size_t i = 0; rc == 0 && i < m->ncells; i++)
		rc = run_cell(m, i, sim);
	mt_free(ctx, sim, sizeof(*sim));
	return rc;
}

static memtype_matrix *new_matrix(memtype_ctx *ctx)
{
	memtype_matrix *m = mt_alloc(ctx, sizeof(*m));
	if (m) {
		memset(m, 0, sizeof(*m));
		m->ctx = ctx;
	}
	return m;
}

int memtype_matrix_builtin(memtype_ctx *ctx, memtype_matrix **out)
{
	*out = NULL;
	memtype_matrix *m = new_matrix(ctx);
	if (!m)
		return -ENOMEM;
	m->naxes = NAXES;
	for (size_t a = 0; a < NAXES; a++) {
		m->axis_name[a] = axes[a].name;
		m->axis_n[a] = axes[a].n;
		for (size_t k = 0; k < axes[a].n; k++) {
			m->axis_value[a][k] = axes[a].v[k].name;
			m->axis_doc[a][k] = axes[a].v[k].doc;
		}
	}
	int rc = run_all(m);
	if (rc) {
		memtype_matrix_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int memtype_matrix_sweep(memtype_ctx *ctx, const memtype_scenario *const *scs, size_t n,
			 memtype_matrix **out)
{
	*out = NULL;
	if (n == 0 || n > MT_MATRIX_MAX_VALUES)
		return mt_error(ctx, -EINVAL, "bad-value", "a sweep takes 1 to %u scenario files",
				MT_MATRIX_MAX_VALUES);
	/* Every file must declare the same axes, so the cells form one table. */
	const struct mt_axes *ax = &scs[0]->axes;
	for (size_t f = 1; f < n; f++) {
		const struct mt_axes *o = &scs[f]->axes;
		bool same = o->n == ax->n;
		for (unsigned a = 0; same && a < ax->n; a++) {
			same = strcmp(o->axis[a].key, ax->axis[a].key) == 0 &&
			       o->axis[a].nvalues == ax->axis[a].nvalues;
			for (unsigned v = 0; same && v < ax->axis[a].nvalues; v++)
				same = strcmp(o->axis[a].value[v], ax->axis[a].value[v]) == 0;
		}
		if (!same)
			return mt_error(ctx, -EINVAL, "different-axes",
					"%s declares other axes than %s: sweep them separately",
					scs[f]->s.file, scs[0]->s.file);
	}
	memtype_matrix *m = new_matrix(ctx);
	if (!m)
		return -ENOMEM;
	m->src = scs;
	m->nsrc = n;
	if (n > 1) {
		m->axis_name[0] = "scenario";
		m->axis_n[0] = n;
		for (size_t f = 0; f < n; f++) {
			m->axis_value[0][f] = scs[f]->s.name;
			m->axis_doc[0][f] = scs[f]->s.file;
		}
		m->naxes = 1;
	}
	for (unsigned a = 0; a < ax->n; a++, m->naxes++) {
		m->axis_name[m->naxes] = ax->axis[a].key;
		m->axis_n[m->naxes] = ax->axis[a].nvalues;
		for (unsigned v = 0; v < ax->axis[a].nvalues; v++) {
			m->axis_value[m->naxes][v] = ax->axis[a].value[v];
			m->axis_doc[m->naxes][v] = ax->axis[a].key;
		}
	}
	int rc = run_all(m);
	if (rc) {
		memtype_matrix_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

void memtype_matrix_free(memtype_matrix *m)
{
	if (!m)
		return;
	mt_free(m->ctx, m->cells, m->ncells * sizeof(*m->cells));
	mt_free(m->ctx, m->sc, sizeof(*m->sc));
	mt_free(m->ctx, m, sizeof(*m));
}

size_t memtype_matrix_axis_count(const memtype_matrix *m)
{
	return m->naxes;
}

const char *memtype_matrix_axis_name(const memtype_matrix *m, size_t axis)
{
	return axis < m->naxes ? m->axis_name[axis] : NULL;
}

size_t memtype_matrix_axis_size(const memtype_matrix *m, size_t axis)
{
	return axis < m->naxes ? m->axis_n[axis] : 0;
}

const char *memtype_matrix_axis_value(const memtype_matrix *m, size_t axis, size_t k)
{
	return axis < m->naxes && k < m->axis_n[axis] ? m->axis_value[axis][k] : NULL;
}

const char *memtype_matrix_axis_doc(const memtype_matrix *m, size_t axis, size_t k)
{
	return axis < m->naxes && k < m->axis_n[axis] ? m->axis_doc[axis][k] : NULL;
}

size_t memtype_matrix_cell_count(const memtype_matrix *m)
{
	return m->ncells;
}

int memtype_matrix_get_cell(const memtype_matrix *m, size_t i, memtype_matrix_cell *out)
{
	if (i >= m->ncells)
		return -ERANGE;
	const struct cell *cl = &m->cells[i];
	memset(out, 0, sizeof(*out));
	coords(m, i, out->coord);
	out->verdict = cl->verdict;
	out->reason = cl->reason;
	out->ncodes = cl->ncodes;
	for (size_t k = 0; k < cl->ncodes; k++)
		out->codes[k] = cl->codes[k];
	out->orders = cl->orders;
	out->failing_orders = cl->failing;
	return 0;
}

int memtype_matrix_cell_sim(const memtype_matrix *cm, size_t i, memtype_sim **out)
{
	memtype_matrix *m = (memtype_matrix *)cm; /* the scratch scenario only */
	*out = NULL;
	if (i >= m->ncells)
		return -ERANGE;
	size_t c[MEMTYPE_MATRIX_MAX_AXES];
	coords(m, i, c);
	int rc = build(m, c);
	if (rc)
		return rc;
	/* The sim keeps a pointer to its scenario: give it its own copy
	 * (without the sweep text, which stays with the source). */
	memtype_scenario *copy = mt_alloc(m->ctx, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	*copy = *m->sc;
	copy->text = NULL;
	copy->len = 0;
	rc = memtype_simulate(copy, NULL, out);
	if (rc) {
		mt_free(m->ctx, copy, sizeof(*copy));
		return rc;
	}
	(*out)->owned_scenario = copy;
	return 0;
}
