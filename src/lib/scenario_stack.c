/*
 * scenario_stack.c - the layers above the platform: the hypervisor (kind,
 * KVM version, coco, quirks), the firmware (kind, EDK2 or SeaBIOS release,
 * register writes) and the guest kernel (Linux version, patches, command
 * line), with the version spellings each accepts. Separate because these
 * sections name releases and their patches, which the platform does not.
 */
#include "scenario_yaml.h"

#include <stdio.h>
#include <string.h>

/* Versions the model knows (major * 100 + minor): guest Linux 4.2 to 6.99;
 * KVM from its first release (2.6.20, read as 2.6) to 6.99, since the KVM
 * eras of docs/scenario-format.md start with "<= 4.1". */
#define LINUX_MIN 402u
#define KVM_MIN 206u
#define VERSION_MAX 699u

/* ---------------------------------------------------------------- versions */

/*
 * Dotted version "A.B" or "A.B.C" (C may be 'y' when allow_y): each part 1-4
 * digits. Returns the number of parts (2 or 3), or 0 when malformed.
 */
static int dotted(const char *t, size_t len, bool allow_y, unsigned part[3])
{
	int n = 0;
	size_t i = 0;

	for (;;) {
		size_t digits = 0;
		unsigned v = 0;

		if (n == 2 && allow_y && i < len && t[i] == 'y') {
			i++; /* "6.12.y": the stable branch, any patch level */
		} else {
			while (i < len && t[i] >= '0' && t[i] <= '9' && digits < 5) {
				v = v * 10 + (unsigned)(t[i] - '0');
				i++;
				digits++;
			}
			if (digits == 0 || digits > 4)
				return 0;
		}
		part[n++] = v;
		if (i == len)
			break;
		if (n == 3 || t[i] != '.')
			return 0;
		i++;
	}
	return n >= 2 ? n : 0;
}

/* Linux or KVM "6.12", "6.12.3", "6.12.y" (major * 100 + minor). */
static int linux_version(struct ps *p, const yaml_node_t *n, const char *what, unsigned min,
			 char *text, size_t cap, unsigned *out)
{
	unsigned part[3];
	int rc = mt_yaml_get_str(p, n, what, text, cap);

	if (rc)
		return rc;
	if (!dotted(text, strlen(text), true, part))
		return mt_yaml_err_at(p, n, "bad-value",
				      "%s '%s' is not a version like \"6.12\" or \"6.12.y\"", what,
				      text);
	if (part[1] > 99 || part[0] * 100 + part[1] < min || part[0] * 100 + part[1] > VERSION_MAX)
		return mt_yaml_err_at(p, n, "unknown-version",
				      "unknown %s '%s' (the model knows %u.%u to 6.99)", what, text,
				      min / 100, min % 100);
	*out = part[0] * 100 + part[1];
	return 0;
}

/* EDK2: "edk2-stable202411", "202411" or "2024.11" -> 202411. */
static int ovmf_version(struct ps *p, const yaml_node_t *n, struct mt_firmware *fw)
{
	const char *t = fw->version_text;
	static const char prefix[] = "edk2-stable";
	size_t len;
	unsigned year = 0, month = 0;
	bool ok = true;

	if (strncmp(t, prefix, sizeof(prefix) - 1) == 0)
		t += sizeof(prefix) - 1;
	len = strlen(t);
	if (len == 6 || (len == 7 && t[4] == '.')) {
		for (size_t i = 0; i < len; i++) {
			if (i == 4 && len == 7)
				continue;
			if (t[i] < '0' || t[i] > '9')
				ok = false;
			else if (i < 4)
				year = year * 10 + (unsigned)(t[i] - '0');
			else
				month = month * 10 + (unsigned)(t[i] - '0');
		}
	} else {
		ok = false;
	}
	if (!ok || year < 2000 || month < 1 || month > 12)
		return mt_yaml_err_at(p, n, "bad-value",
				      "firmware.version '%s' is not an EDK2 release like "
				      "\"edk2-stable202411\", \"202411\" or \"2024.11\"",
				      fw->version_text);
	fw->version = year * 100 + month;
	return 0;
}

/* SeaBIOS: "1.16.2" (or "rel-1.16.2") -> 11602; "1.16" -> 11600. */
static int seabios_version(struct ps *p, const yaml_node_t *n, struct mt_firmware *fw)
{
	const char *t = fw->version_text;
	unsigned part[3] = {0, 0, 0};

	if (strncmp(t, "rel-", 4) == 0)
		t += 4;
	if (!dotted(t, strlen(t), false, part) || part[0] > 99 || part[1] > 99 || part[2] > 99)
		return mt_yaml_err_at(
		    p, n, "bad-value",
		    "firmware.version '%s' is not a SeaBIOS release like \"1.16.2\"",
		    fw->version_text);
	fw->version = part[0] * 10000 + part[1] * 100 + part[2];
	return 0;
}

/* ---------------------------------------------------------------- hypervisor */

static const struct word hv_words[] = {
	{"none", MT_HV_NONE},
	{"kvm", MT_HV_KVM},
};

static const struct word coco_words[] = {
	{"none", MT_COCO_NONE},
	{"tdx", MT_COCO_TDX},
	{"snp", MT_COCO_SNP},
};

int mt_scenario_parse_hypervisor(struct ps *p, const yaml_node_t *root)
{
	static const char *const keys[] = {"kind", "version", "coco", "noncoherent_dma", "quirks"};
	static const char *const qkeys[] = {"cd_nw_cleared", "ignore_guest_pat"};
	struct mt_hypervisor *hv = &p->s->hv;
	const yaml_node_t *n = mt_yaml_get(p, root, "hypervisor"), *v, *q;
	int rc, w;

	hv->kind = MT_HV_NONE;
	hv->coco = MT_COCO_NONE;
	hv->quirk_cd_nw_cleared = true;
	hv->quirk_ignore_guest_pat = true;
	if (!n)
		return 0;
	if ((rc = mt_yaml_check_map(p, n, "hypervisor", keys, MT_ARRAY_SIZE(keys))))
		return rc;
	if ((v = mt_yaml_get(p, n, "kind"))) {
		if ((rc = mt_yaml_get_word(p, v, "hypervisor kind", hv_words,
					   MT_ARRAY_SIZE(hv_words), &w)))
			return rc;
		hv->kind = (mt_hv_kind)w;
	}
	v = mt_yaml_get(p, n, "version");
	if (hv->kind == MT_HV_KVM) {
		if (!v)
			return mt_yaml_err_at(
			    p, n, "missing-key",
			    "hypervisor kind kvm needs a 'version' (e.g. \"6.16\")");
		if ((rc = linux_version(p, v, "KVM version", KVM_MIN, hv->version_text,
					sizeof(hv->version_text), &hv->version)))
			return rc;
	} else if (v) {
		return mt_yaml_err_at(
		    p, v, "bad-value",
		    "hypervisor.version needs kind: kvm (bare metal has no version)");
	}
	if ((v = mt_yaml_get(p, n, "coco"))) {
		if ((rc = mt_yaml_get_word(p, v, "coco kind", coco_words, MT_ARRAY_SIZE(coco_words),
					   &w)))
			return rc;
		hv->coco = (mt_coco)w;
		if (hv->coco != MT_COCO_NONE && hv->kind != MT_HV_KVM)
			return mt_yaml_err_at(
			    p, v, "bad-value",
			    "coco: %s needs hypervisor kind: kvm (a confidential guest "
			    "runs under a hypervisor)",
			    hv->coco == MT_COCO_TDX ? "tdx" : "snp");
		if (hv->coco == MT_COCO_TDX && p->s->platform.cpu != MEMTYPE_CPU_INTEL)
			return mt_yaml_err_at(p, v, "bad-value",
					      "coco: tdx needs platform cpu: intel");
		if (hv->coco == MT_COCO_SNP && p->s->platform.cpu != MEMTYPE_CPU_AMD)
			return mt_yaml_err_at(p, v, "bad-value",
					      "coco: snp needs platform cpu: amd");
	}
	if ((v = mt_yaml_get(p, n, "noncoherent_dma")) &&
	    (rc = mt_yaml_get_bool(p, v, "hypervisor.noncoherent_dma", &hv->noncoherent_dma)))
		return rc;
	if ((q = mt_yaml_get(p, n, "quirks"))) {
		if ((rc =
			 mt_yaml_check_map(p, q, "hypervisor.quirks", qkeys, MT_ARRAY_SIZE(qkeys))))
			return rc;
		if ((v = mt_yaml_get(p, q, "cd_nw_cleared")) &&
		    (rc = mt_yaml_get_bool(p, v, "quirks.cd_nw_cleared", &hv->quirk_cd_nw_cleared)))
			return rc;
		if ((v = mt_yaml_get(p, q, "ignore_guest_pat")) &&
		    (rc = mt_yaml_get_bool(p, v, "quirks.ignore_guest_pat",
					   &hv->quirk_ignore_guest_pat)))
			return rc;
	}
	return 0;
}

/* ---------------------------------------------------------------- firmware */

static const struct word fw_words[] = {
	{"none", MT_FW_NONE},
	{"seabios", MT_FW_SEABIOS},
	{"ovmf", MT_FW_OVMF},
	{"registers", MT_FW_REGISTERS},
};

static int parse_registers(struct ps *p, const yaml_node_t *list)
{
	static const char *const keys[] = {"msr", "value"};
	struct mt_firmware *fw = &p->s->firmware;
	int rc;

	if ((rc = mt_yaml_check_seq(p, list, "firmware.registers")))
		return rc;
	for (size_t i = 0; i < mt_yaml_seq_len(list); i++) {
		const yaml_node_t *r = mt_yaml_seq_at(p, list, i), *m, *v;
		char where[48], what[64];
		uint64_t idx;

		snprintf(where, sizeof(where), "firmware.registers[%zu]", i);
		if (i >= MT_MAX_MSR_WRITES)
			return mt_yaml_err_at(p, r, "bad-value", "more than %d register writes",
					      MT_MAX_MSR_WRITES);
		if (mt_yaml_is_null(r))
			return mt_yaml_err_at(p, r, "bad-type", "%s must be a mapping, not null",
					      where);
		if ((rc = mt_yaml_check_map(p, r, where, keys, MT_ARRAY_SIZE(keys))))
			return rc;
		if (!(m = mt_yaml_get(p, r, "msr")))
			return mt_yaml_err_at(p, r, "missing-key", "%s has no 'msr'", where);
		if (!(v = mt_yaml_get(p, r, "value")))
			return mt_yaml_err_at(p, r, "missing-key", "%s has no 'value'", where);
		snprintf(what, sizeof(what), "%s.msr", where);
		if ((rc = mt_yaml_want_scalar(p, m, what, "an MSR index or name")))
			return rc;
		const char *t = (const char *)m->data.scalar.value;
		size_t len = m->data.scalar.length;
		uint32_t index;
		if (memtype_parse_u64(t, len, &idx) == 0) {
			if (idx > UINT32_MAX)
				return mt_yaml_err_at(p, m, "out-of-range",
						      "MSR index 0x%llx does not fit in 32 bits",
						      (unsigned long long)idx);
			index = (uint32_t)idx;
		} else if (memtype_msr_parse_name(t, len, &index) != 0) {
			return mt_yaml_err_at(p, m, "bad-value",
					      "unknown MSR " SCALAR_FMT
					      " (an index such as 0x2ff or a "
					      "name such as IA32_MTRR_DEF_TYPE)",
					      SCALAR_ARGS(m));
		}
		snprintf(what, sizeof(what), "%s.value", where);
		fw->regs[fw->nregs].index = index;
		if ((rc = mt_yaml_get_u64(p, v, what, &fw->regs[fw->nregs].value)))
			return rc;
		fw->nregs++;
	}
	return 0;
}

int mt_scenario_parse_firmware(struct ps *p, const yaml_node_t *root)
{
	static const char *const keys[] = {"kind", "version", "registers"};
	struct mt_firmware *fw = &p->s->firmware;
	const yaml_node_t *n = mt_yaml_get(p, root, "firmware"), *v, *regs;
	int rc, w;

	fw->kind = MT_FW_NONE;
	if (!n)
		return 0;
	if ((rc = mt_yaml_check_map(p, n, "firmware", keys, MT_ARRAY_SIZE(keys))))
		return rc;
	if ((v = mt_yaml_get(p, n, "kind"))) {
		if ((rc = mt_yaml_get_word(p, v, "firmware kind", fw_words, MT_ARRAY_SIZE(fw_words),
					   &w)))
			return rc;
		fw->kind = (mt_fw_kind)w;
	}
	if ((v = mt_yaml_get(p, n, "version"))) {
		if (fw->kind != MT_FW_OVMF && fw->kind != MT_FW_SEABIOS)
			return mt_yaml_err_at(p, v, "bad-value",
					      "firmware.version is only for kind ovmf or seabios");
		if ((rc = mt_yaml_get_str(p, v, "firmware.version", fw->version_text,
					  sizeof(fw->version_text))))
			return rc;
		rc = fw->kind == MT_FW_OVMF ? ovmf_version(p, v, fw) : seabios_version(p, v, fw);
		if (rc)
			return rc;
	}
	regs = mt_yaml_get(p, n, "registers");
	if (fw->kind == MT_FW_REGISTERS) {
		if (!regs)
			return mt_yaml_err_at(p, n, "missing-key",
					      "firmware kind registers needs a 'registers' list");
		return parse_registers(p, regs);
	}
	if (regs)
		return mt_yaml_err_at(p, regs, "bad-value",
				      "firmware.registers needs kind: registers");
	return 0;
}

/* ---------------------------------------------------------------- guest */

static const struct {
	const char *name, *alias;
	unsigned bit;
} patch_names[] = {
	{"8e690b817e38", "coco-force-wb", MT_PATCH_COCO_FORCE_WB},
	{"cve-2025-40181", "0dccbc75e18d", MT_PATCH_CVE_2025_40181},
	{"06fa48d85b09", "e820-acpi-end", MT_PATCH_E820_ACPI_END},
	/* Design options of the Feb-2025 upstream thread (model.h mt_patch);
	 * opt-uc-hole is what was merged, i.e. cve-2025-40181. */
	{"opt-uc-hole", "opt-uc-hole", MT_PATCH_CVE_2025_40181},
	{"opt-emulated-mtrrs", "opt-emulated-mtrrs", MT_PATCH_OPT_EMULATED_MTRRS},
	{"opt-arch-bit", "opt-arch-bit", MT_PATCH_OPT_ARCH_BIT},
	{"opt-untracked-hole", "opt-untracked-hole", MT_PATCH_OPT_UNTRACKED_HOLE},
};

/* Patches a released kernel of this version carries (model.h mt_patch). */
static unsigned default_patches(unsigned version)
{
	unsigned bits = 0;

	if (version >= 611)
		bits |= MT_PATCH_E820_ACPI_END;
	if (version >= 612)
		bits |= MT_PATCH_COCO_FORCE_WB;
	if (version >= 618)
		bits |= MT_PATCH_CVE_2025_40181;
	return bits;
}

static int parse_patches(struct ps *p, const yaml_node_t *list, struct mt_guest *g)
{
	int rc;

	if ((rc = mt_yaml_check_seq(p, list, "guest.patches")))
		return rc;
	for (size_t i = 0; i < mt_yaml_seq_len(list); i++) {
		const yaml_node_t *e = mt_yaml_seq_at(p, list, i);
		bool found = false;

		if (i >= MT_MAX_PATCHES)
			return mt_yaml_err_at(p, e, "bad-value", "more than %d patch overrides",
					      MT_MAX_PATCHES);
		if ((rc = mt_yaml_want_scalar(p, e, "a patch override", "\"+name\" or \"-name\"")))
			return rc;
		const char *t = (const char *)e->data.scalar.value;
		size_t len = e->data.scalar.length;
		if (len < 2 || (t[0] != '+' && t[0] != '-'))
			return mt_yaml_err_at(p, e, "bad-value",
					      "patch override " SCALAR_FMT
					      " must be +name (apply) or "
					      "-name (revert)",
					      SCALAR_ARGS(e));
		for (size_t k = 0; k < MT_ARRAY_SIZE(patch_names); k++) {
			if (!mt_word_eq(t + 1, len - 1, patch_names[k].name) &&
			    !mt_word_eq(t + 1, len - 1, patch_names[k].alias))
				continue;
			if (t[0] == '+')
				g->patches |= patch_names[k].bit;
			else
				g->patches &= ~patch_names[k].bit;
			found = true;
		}
		if (!found)
			return mt_yaml_err_at(
			    p, e, "bad-value",
			    "unknown patch " SCALAR_FMT " (valid: 8e690b817e38 or "
			    "coco-force-wb, cve-2025-40181 or 0dccbc75e18d, "
			    "06fa48d85b09 or e820-acpi-end, opt-uc-hole, "
			    "opt-emulated-mtrrs, opt-arch-bit, opt-untracked-hole)",
			    SCALAR_ARGS(e));
	}
	return 0;
}

static int parse_cmdline(struct ps *p, const yaml_node_t *list, struct mt_guest *g)
{
	int rc;

	if ((rc = mt_yaml_check_seq(p, list, "guest.cmdline")))
		return rc;
	for (size_t i = 0; i < mt_yaml_seq_len(list); i++) {
		const yaml_node_t *e = mt_yaml_seq_at(p, list, i);

		if ((rc = mt_yaml_want_scalar(p, e, "a kernel parameter", "a string")))
			return rc;
		if (mt_yaml_scalar_is(e, "clearcpuid=mtrr"))
			g->clearcpuid_mtrr = true;
		else if (mt_yaml_scalar_is(e, "mtrr=debug"))
			g->mtrr_debug = true;
		else if (mt_yaml_scalar_is(e, "nopat"))
			g->nopat = true;
		else
			return mt_yaml_err_at(p, e, "bad-value",
					      "unknown kernel parameter " SCALAR_FMT
					      " (valid: clearcpuid=mtrr, mtrr=debug, nopat)",
					      SCALAR_ARGS(e));
	}
	return 0;
}

int mt_scenario_parse_guest(struct ps *p, const yaml_node_t *root)
{
	static const char *const keys[] = {"kernel", "version", "patches", "cmdline"};
	static const struct word kernel_words[] = {{"linux", 0}};
	struct mt_guest *g = &p->s->guest;
	const yaml_node_t *n = mt_yaml_get(p, root, "guest"), *v;
	int rc, w;

	if (!n)
		return mt_yaml_err_at(p, root, "missing-key", "the scenario has no 'guest'");
	if ((rc = mt_yaml_check_map(p, n, "guest", keys, MT_ARRAY_SIZE(keys))))
		return rc;
	if (!(v = mt_yaml_get(p, n, "kernel")))
		return mt_yaml_err_at(p, n, "missing-key", "guest has no 'kernel' (kernel: linux)");
	if ((rc = mt_yaml_get_word(p, v, "guest kernel", kernel_words, 1, &w)))
		return rc;
	if (!(v = mt_yaml_get(p, n, "version")))
		return mt_yaml_err_at(p, n, "missing-key",
				      "guest has no 'version' (e.g. \"6.12\")");
	if ((rc = linux_version(p, v, "Linux version", LINUX_MIN, g->version_text,
				sizeof(g->version_text), &g->version)))
		return rc;
	g->patches = default_patches(g->version);
	if ((v = mt_yaml_get(p, n, "patches")) && (rc = parse_patches(p, v, g)))
		return rc;
	if ((v = mt_yaml_get(p, n, "cmdline")) && (rc = parse_cmdline(p, v, g)))
		return rc;
	return 0;
}
