/*
 * hv_kvm.c - the hypervisor layer: what a guest sees of the MTRRs, and what
 * stage 2 does with an access, for bare metal, KVM on Intel (EPT) by era,
 * KVM on AMD (NPT), TDX (Secure EPT + shared EPT) and SEV-SNP (NPT).
 *
 * Two views are kept apart on purpose (DESIGN.md §2): mt_hv_guest_view()
 * is what the guest kernel can observe (CPUID, MTRR MSR contents), while
 * mt_stage2_effective() is what the hardware really does. Facts from
 * ../shared/reference/hardware-hypervisor.md §4-§7, cited per rule.
 */
#include "model.h"

#include <string.h>

void mt_hv_guest_view(const struct mt_scenario *s, struct mt_guest_view *v)
{
	memset(v, 0, sizeof(*v));
	v->cpuid_mtrr = true;
	/* The P6-era MTRRcap (VCNT 8, FIX, WC; SDM §11.11.1), which is also
	 * what KVM reports to every guest (arch/x86/kvm/mtrr.c, all versions
	 * 4.2 .. 6.16). A "registers" firmware may state another one (0xFE). */
	v->mtrrcap = MEMTYPE_MTRRCAP_KVM;
	v->source = "SDM Vol. 3A §11.11.1; KVM arch/x86/kvm/mtrr.c (MTRRcap 0x508)";
	if (s->hv.kind == MT_HV_NONE && s->firmware.kind == MT_FW_REGISTERS) {
		for (unsigned i = 0; i < s->firmware.nregs; i++)
			if (s->firmware.regs[i].index == MEMTYPE_MSR_MTRRCAP)
				v->mtrrcap = s->firmware.regs[i].value;
	}
	if (s->hv.coco == MT_COCO_TDX) {
		/* TDX module 1.5: CPUID.1:EDX.MTRR is forced to the native 1;
		 * MTRR MSRs are not in its MSR table, so RDMSR/WRMSR raise #VE and
		 * the guest asks the VMM (TDG.VP.VMCALL), which KVM >= 6.16
		 * serves as plain storage (26eab9ae4be0); CR0.CD=1 raises #VE. */
		v->msrs_via_host = true;
		v->cd_faults = true;
		v->source = "TDX module 1.5 CPUID verify mask and MSR table (#VE); KVM 26eab9ae4be0 "
			    "(6.16); TDX module write_guest_cr0 (CR0.CD -> #VE)";
	} else if (s->hv.coco == MT_COCO_SNP) {
		/* SEV-ES/SNP: MSR accesses raise #VC and go to the host through
		 * the GHCB; KVM answers from its MTRR storage. Whether a given
		 * VMM advertises CPUID.MTRR to SNP guests is UNCONFIRMED (the
		 * 8e690b817e38 changelog says "either not advertised or cannot
		 * be programmed"); the model assumes QEMU's default, advertised. */
		v->msrs_via_host = true;
		v->source = "AMD APM Vol. 2 §15.35 (#VC for intercepted MSRs); KVM arch/x86/kvm/mtrr.c";
	}
}

mt_gpa_class mt_gpa_classify(const struct mt_scenario *s, uint64_t gpa)
{
	const struct mt_platform *p = &s->platform;
	for (unsigned i = 0; i < p->ndev; i++) {
		const struct mt_device *d = &p->dev[i];
		if (gpa < d->start || gpa > d->end)
			continue;
		if (s->hv.kind == MT_HV_NONE)
			return d->backing == MT_BACKING_RAM ? MT_GPA_RAM : MT_GPA_HOST_MMIO;
		switch (d->backing) {
		case MT_BACKING_EMULATED:
			return MT_GPA_EMULATED;
		case MT_BACKING_HOST_MMIO:
			return MT_GPA_HOST_MMIO;
		case MT_BACKING_RAM:
			return MT_GPA_SHARED_RAM;
		}
	}
	unsigned t = mt_e820_type_at(p, gpa);
	if (s->hv.kind == MT_HV_NONE)
		return (t == MT_E820_RAM || t == MT_E820_ACPI || t == MT_E820_NVS) ? MT_GPA_RAM
										   : MT_GPA_HOST_MMIO;
	/* In a VM every e820 entry (RAM, ACPI, firmware-reserved) is backed by
	 * host memory; what no entry covers is the PCI hole, emulated. */
	return t ? MT_GPA_RAM : MT_GPA_EMULATED;
}

static void emulated(memtype_type gpat, memtype_result *out, const char **detail)
{
	memset(out, 0, sizeof(*out));
	out->type = MEMTYPE_UC;
	out->nsteps = 1;
	out->steps[0] = (memtype_step){ "emulated-mmio",
					"KVM: MMIO without a memslot faults to the VMM (EPT "
					"violation/misconfig, NPF, TDX #VE, SNP #VC)",
					gpat, gpat, MEMTYPE_UC, 0 };
	*detail = "emulated MMIO: no stage-2 mapping, every access exits to the VMM, nothing is cached";
}

/* Intel EPT memory type and IPAT that KVM (non-TDX) writes for a leaf,
 * by era: ../shared/reference/hardware-hypervisor.md §6.2 (vmx_get_mt_mask). */
static void kvm_vmx_ept(const struct mt_scenario *s, const memtype_mtrr *hw, uint64_t gpa,
			mt_gpa_class cls, memtype_type *mt, bool *ipat, const char **detail)
{
	unsigned v = s->hv.version;
	if (cls == MT_GPA_HOST_MMIO) {
		/* 2aaf69dcee86 (2009) onwards: host MMIO is UC, IPAT=0, so a
		 * guest WC PAT still gives WC. */
		*mt = MEMTYPE_UC;
		*ipat = false;
		*detail = "KVM VMX: host MMIO -> EPT UC, IPAT=0 (vmx_get_mt_mask, all eras)";
		return;
	}
	if (s->hv.noncoherent_dma) {
		if (v <= 610) {
			/* <= 6.10: the guest's MTRR type, IPAT=0; an overlap the SDM
			 * leaves undefined was resolved as WB (kvm_mtrr_get_guest_memory_type). */
			memtype_mtrr_hit h;
			*mt = MEMTYPE_WB;
			if (hw && memtype_mtrr_lookup(hw, gpa, &h) == 0 && h.type != MEMTYPE_UNDEFINED)
				*mt = h.type;
			*ipat = false;
			*detail = "KVM VMX <= 6.10 with non-coherent DMA: EPT type = guest MTRR type, "
				  "IPAT=0 (kvm_mtrr_get_guest_memory_type)";
			return;
		}
		*mt = MEMTYPE_WB;
		*ipat = false;
		*detail = "KVM VMX >= 6.11 with non-coherent DMA: EPT WB, IPAT=0, guest PAT decides "
			  "(0a7b73559b39)";
		return;
	}
	*mt = MEMTYPE_WB;
	if (v >= 616 && !s->hv.quirk_ignore_guest_pat) {
		*ipat = false;
		*detail = "KVM VMX >= 6.16 with KVM_X86_QUIRK_IGNORE_GUEST_PAT disabled: EPT WB, IPAT=0 "
			  "(c9c1e20b4c7d)";
		return;
	}
	*ipat = true;
	*detail = "KVM VMX: guest RAM -> EPT WB, IPAT=1: guest PAT and MTRRs ignored (vmx_get_mt_mask)";
}

void mt_stage2_effective(const struct mt_scenario *s, const memtype_mtrr *hw, uint64_t gpa,
			 memtype_type gpat, memtype_result *out, const char **detail)
{
	mt_gpa_class cls = mt_gpa_classify(s, gpa);

	if (s->hv.kind == MT_HV_NONE) {
		/* Bare metal: the real MTRRs meet the PAT (SDM Table 11-7 / APM Table 7-11). */
		memtype_mtrr_hit h;
		memtype_type mt = MEMTYPE_UC;
		if (hw && memtype_mtrr_lookup(hw, gpa, &h) == 0)
			mt = h.type;
		memtype_combine_mtrr_pat(s->platform.cpu, mt, gpat, false, out);
		*detail = "bare metal: MTRR x PAT";
		return;
	}
	if (cls == MT_GPA_EMULATED) {
		emulated(gpat, out, detail);
		return;
	}
	if (s->hv.coco == MT_COCO_TDX) {
		if (cls == MT_GPA_RAM) {
			/* Private GPA: the TDX module writes Secure-EPT leaves with
			 * MT=WB, IPAT=1 (sept_set_leaf_no_lock_internal). */
			memtype_ept_effective(MEMTYPE_WB, true, gpat, false, out);
			*detail = "TDX private memory: Secure EPT WB, IPAT=1 (TDX module SEPT)";
			return;
		}
		/* Shared GPA through KVM's shared EPT; TD VMs have the
		 * IGNORE_GUEST_PAT quirk forced off (90fe64a94d54, 6.16). */
		bool mmio = cls == MT_GPA_HOST_MMIO;
		memtype_ept_effective(mmio ? MEMTYPE_UC : MEMTYPE_WB, false, gpat, false, out);
		*detail = mmio ? "TDX shared host MMIO: EPT UC, IPAT=0 (KVM 6.16 vmx_get_mt_mask)"
			       : "TDX shared memory: EPT WB, IPAT=0, guest PAT decides (90fe64a94d54)";
		return;
	}
	if (s->platform.cpu == MEMTYPE_CPU_AMD) {
		/* KVM NPT leaves carry no memory-type bits, so every leaf uses
		 * host PAT entry 0 (WB on Linux hosts); host MTRRs make host MMIO
		 * UC and RAM WB (APM §15.25.8; KVM shadow_memtype_mask = 0). */
		memtype_type host_mtrr = cls == MT_GPA_HOST_MMIO ? MEMTYPE_UC : MEMTYPE_WB;
		memtype_npt_effective(gpat, MEMTYPE_WB, host_mtrr, false, false, out);
		*detail = s->hv.coco == MT_COCO_SNP
				  ? "SEV-SNP: nested paging, guest-owned PAT x host PAT WB x host MTRR"
				  : "KVM SVM: nested paging, guest PAT x host PAT WB x host MTRR";
		return;
	}
	memtype_type mt;
	bool ipat;
	kvm_vmx_ept(s, hw, gpa, cls, &mt, &ipat, detail);
	memtype_ept_effective(mt, ipat, gpat, false, out);
}
