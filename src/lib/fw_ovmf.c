/*
 * fw_ovmf.c - the MTRR writes OVMF (tianocore/edk2 OvmfPkg) makes on a QEMU
 * machine, by EDK2 release (firmware version YYYYMM, 0 = the newest).
 *
 * Who writes, in boot order (a non-CoCo guest):
 *
 *  SEC, edk2-stable202408 and later: SecMtrrSetup() (OvmfPkg/Sec/SecMain.c,
 *  ce4c76e46d "OvmfPkg/Sec: Setup MTRR early in the boot process") reads
 *  IA32_MTRR_DEF_TYPE, sets Type = WB and E and writes it back (0x806 from
 *  reset), so that LZMA decompression runs cached. It returns early when
 *  CPUID.1 has no MTRR and, from the same release, in TD guests (071d2cfab8
 *  "OvmfPkg/Sec: Skip setup MTRR early in TD-Guest").
 *
 *  PEI: PlatformQemuInitializeRam() (OvmfPkg/Library/PlatformInitLib/
 *  MemDetect.c; OvmfPkg/PlatformPei/MemDetect.c before the 2022 PlatformInitLib
 *  split), when IsMtrrSupported():
 *   1. MtrrSetAllMtrrs() with all 88 fixed bytes WB, every variable pair
 *      zero and DEF_TYPE = the value read | FE | E | WB (0xC06). Before
 *      202408 it asserted E = FE = 0, Type UC first; from 202408 it asserts
 *      SecMtrrSetup's E = 1, WB and only adds FE.
 *   2. MtrrSetMemoryAttribute(0xA0000, 0x60000, UC): fixed ranges only.
 *   3. MtrrSetMemoryAttribute(Uc32Base, 4 GiB - Uc32Base, UC): variable.
 *  Uc32Base (PlatformQemuUc32BaseInitialization): 4 GiB minus the largest
 *  power of two <= 4 GiB - LowMemory, on i440fx always and on q35 from
 *  edk2-stable202305 ("OvmfPkg/PlatformInitLib: simplify mtrr setup", the
 *  series of e4b3fd905a that moved MMCONFIG to 0xE0000000, committed
 *  2023-03-28). Before that, q35 used PcdPciExpressBaseAddress (0xB0000000,
 *  49edde1523, 2019), lowered to 2 GiB when LowMemory <= 2 GiB from
 *  edk2-stable202211 (2a0bd3bffc "OvmfPkg/PlatformInitLib: q35 mtrr setup
 *  fix", tianocore/edk2 PR #3364, Sep 2022). [0xB0000000, 4 GiB) takes two
 *  variable MTRRs (0xB0000000 + 256 MiB, 0xC0000000 + 1 GiB).
 *
 *  DXE: MdeModulePkg/Bus/Pci/PciHostBridgeDxe/PciHostBridge.c adds every
 *  root-bridge aperture to the GCD and calls SetMemorySpaceAttributes(...,
 *  EFI_MEMORY_UC); UefiCpuPkg/CpuDxe/CpuDxe.c CpuSetMemoryAttributes turns
 *  that into MtrrSetMemoryAttribute(CacheUncacheable). The 32-bit aperture
 *  lies inside [Uc32Base, 4 GiB) in every release (Platform.c
 *  PlatformMemMapInitialization: PciBase = Uc32Base, or 0xC0000000 on q35
 *  before 202305), so only the 64-bit aperture adds an MTRR -- the second
 *  UC range of the 2022.11 capture, which guest-firmware.md §6.1 had
 *  missed. The aperture has existed since the 64-bit PCI host aperture
 *  work of 2016 (PcdPciMmio64Size, 32 GiB by default); what changed is its
 *  place:
 *   - "classic": at the first address above RAM, aligned to 1 GiB and then
 *     to its (power-of-two) size (PlatformGetFirstNonAddress);
 *   - "dynamic", from edk2-stable202211 ("OvmfPkg/PlatformInitLib: dynamic
 *     mmio window size", tianocore/edk2 PR #3381, Sep 2022): the top 1/8 of
 *     the physical address space, size 2^(w-3) at 2^w - 2^(w-3), when that
 *     is larger than the classic 32 GiB and fits (PlatformDynamicMmioWindow).
 *     The 2022.11 capture shows it: 0xE000000000 + 128 GiB on 40 bits.
 *     w is CPUID's MAXPHYADDR as PlatformAddressWidthFromCpuid trusts and
 *     limits it (cpuid_width below): QEMU's unreliable default is used
 *     only when >= 41, or 36/39 on Intel, or 40 on AMD, else the window
 *     stays classic; capped at 47 (46 from 202402) and at 40 without
 *     1-GByte pages. The real 2022.11 already applies all of it
 *     (tests/data/qemu, docs/qemu-suite.md); the model had dated the quirk
 *     202402 before the captures said otherwise.
 *   - From edk2-stable202302 ("ovmf amd reservation fixup", PR #3865,
 *     PlatformReservationConflictCB; DERIVED release) a dynamic window that
 *     overlaps a QEMU reservation -- the AMD HyperTransport hole at
 *     0xFD00000000, present with an AMD vCPU and phys-bits >= 40 -- moves
 *     down to the size-aligned base below it: 0xC000000000 on 40 bits.
 *
 * MtrrLib's register traffic (UefiCpuPkg/Library/MtrrLib/MtrrLib.c): every
 * change is bracketed by MtrrLibPreMtrrChange (CR0.CD = 1, DEF_TYPE written
 * with E = 0) and MtrrLibPostMtrrChange (DEF_TYPE written back with E = 1,
 * FE = 1 when fixed MTRRs changed). MtrrSetAllMtrrs writes the 11 fixed
 * MSRs, then base and mask of pairs 0..VCNT-1, then DEF_TYPE.
 * MtrrSetMemoryAttributesInMtrrSettings writes each fixed MSR whose
 * sub-ranges the request touches (AsmMsrAndThenOr64) and each variable pair
 * whose setting changed; a request the current state already satisfies
 * writes nothing. For UC over a WB default the fewest variable MTRRs are the
 * aligned power-of-two blocks of each UC interval, which is what the model
 * computes; pairs that stay are kept and new ones take the lowest free pairs
 * (MtrrLibMergeVariableMtrr). VCNT is 8 (KVM's and TCG's MTRRcap 0x508).
 * The 2022.11 capture (../shared/corpus/qemu/q35-ovmf-8g.log) is reproduced
 * register by register.
 *
 * Confidential guests:
 *  - TDX: OVMF makes no MTRR write in a TD in any release. PlatformPei's
 *    InitializeRamRegions() calls PlatformTdxPublishRamRegions() instead of
 *    PlatformQemuInitializeRam() when TdIsEnabled(); the DXE UC requests see
 *    disabled MTRRs (a TD starts with E = 0, type WB), for which MtrrLib
 *    reports UC already, and change nothing -- the analysis in 071d2cfab8's
 *    changelog (PR #5874), which therefore makes the 202408 SecMtrrSetup
 *    skip TDs, so that E stays 0. From edk2-stable202411 3a3b12cbda
 *    ("UefiCpuPkg/MtrrLib: MtrrLibIsMtrrSupported always return FALSE in
 *    TD-Guest") makes MtrrLib refuse outright. (guest-firmware.md §6 implied
 *    that OVMF before 202411 wrote as usual, through #VE: the EDK2 source
 *    says otherwise.)
 *  - SEV/SEV-ES/SEV-SNP: the writes happen as usual, each WRMSR a #VC that
 *    the GHCB protocol forwards to the VMM, until edk2-stable202511, where
 *    05b677c9de ("UefiCpuPkg/MtrrLib: Prevent MTRR usage with SEV guests")
 *    makes MtrrLib refuse. SecMtrrSetup does not use MtrrLib and skips only
 *    TDs, so the model keeps its single DEF_TYPE write (E = 1, WB, no
 *    ranges) in SEV guests from 202511 -- DERIVED from guest-firmware.md
 *    §6.1; whether 05b677c9de's series also changed SecMain is UNCONFIRMED.
 */
#include "model.h"

#define DEF_TYPE 0x2ffu
#define FIX16K_A0000 0x259u
#define FIX4K_C0000 0x268u
#define PHYSBASE(n) (0x200u + 2u * (n))
#define PHYSMASK(n) (0x201u + 2u * (n))

#define DEF_E (1ull << 11)
#define DEF_FE (1ull << 10)
#define MTRR_UC 0u
#define MTRR_WB 6u
#define VALID (1ull << 11)
#define ALL_WB 0x0606060606060606ull
#define KVM_VCNT (MEMTYPE_MTRRCAP_KVM & MEMTYPE_MTRRCAP_VCNT_MASK)

/* The eleven fixed-range MSRs in MtrrLib's table order. */
static const uint32_t fixed_msrs[] = {
	0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f,
};

/* Releases (YYYYMM). */
#define EDK2_NEWEST 999999u
#define EDK2_DYNAMIC_WINDOW 202211u
#define EDK2_Q35_UC_2G 202211u
#define EDK2_RESERVATION_FIXUP 202302u
#define EDK2_Q35_POW2_UC32 202305u
#define EDK2_CAP46 202402u
#define EDK2_SEC_MTRR 202408u
#define EDK2_TDX_NO_MTRR 202411u
#define EDK2_SEV_NO_MTRR 202511u

#define CLASSIC_MMIO64_SIZE (32ull << 30) /* OvmfPkgX64.dsc PcdPciMmio64Size */
#define AMD_HT_START 0xfd00000000ull
#define AMD_HT_END_EXCL 0x10000000000ull

int mt_fw_ovmf_program(memtype_ctx *ctx, const struct mt_scenario *s, struct mt_msr_write *out,
		       unsigned *n, const char **note);

struct block {
	uint64_t base, size; /* size 0: the pair is free */
};

struct ovmf {
	memtype_ctx *ctx;
	struct mt_msr_write *out;
	unsigned *n;
	int rc;
	uint64_t def;		  /* IA32_MTRR_DEF_TYPE as OVMF leaves it */
	uint64_t addr_mask;	  /* MtrrValidAddressMask: (2^phys_bits - 1) & ~0xfff */
	struct block var[KVM_VCNT]; /* UC variable MTRRs now programmed */
};

static void put(struct ovmf *o, uint32_t index, uint64_t value)
{
	if (o->rc)
		return;
	if (*o->n >= MT_MAX_MSR_WRITES) {
		o->rc = mt_error(o->ctx, -EINVAL, "out-of-range", "more than %d firmware writes",
				 MT_MAX_MSR_WRITES);
		return;
	}
	o->out[*o->n].index = index;
	o->out[*o->n].value = value;
	(*o->n)++;
}

/* MtrrLibPreMtrrChange / MtrrLibPostMtrrChange. */
static void pre_change(struct ovmf *o)
{
	put(o, DEF_TYPE, o->def & ~DEF_E);
}

static void post_change(struct ovmf *o, bool fixed)
{
	o->def |= DEF_E | (fixed ? DEF_FE : 0);
	put(o, DEF_TYPE, o->def);
}

/* SecMtrrSetup(): E and WB over whatever DEF_TYPE holds. */
static void sec_mtrr_setup(struct ovmf *o)
{
	o->def = (o->def & ~0xffull) | MTRR_WB | DEF_E;
	put(o, DEF_TYPE, o->def);
}

/* MtrrSetAllMtrrs() with fixed all WB, no variable pairs, DEF_TYPE def. */
static void set_all(struct ovmf *o, uint64_t def)
{
	pre_change(o);
	for (size_t i = 0; i < MT_ARRAY_SIZE(fixed_msrs); i++)
		put(o, fixed_msrs[i], ALL_WB);
	for (unsigned i = 0; i < KVM_VCNT; i++) {
		put(o, PHYSBASE(i), 0);
		put(o, PHYSMASK(i), 0);
		o->var[i].base = o->var[i].size = 0;
	}
	o->def = def;
	put(o, DEF_TYPE, def);
}

/* MtrrSetMemoryAttribute(0xA0000, 0x60000, UC): FIX16K_A0000 and the eight
 * FIX4K MSRs, every byte of them cleared (UC). */
static void set_legacy_uc(struct ovmf *o)
{
	pre_change(o);
	put(o, FIX16K_A0000, 0);
	for (unsigned j = 0; j < 8; j++)
		put(o, FIX4K_C0000 + j, 0);
	post_change(o, true);
}

static bool covered(const struct ovmf *o, uint64_t base, uint64_t size)
{
	uint64_t cur = base, end = base + size;
	bool moved = true;

	while (cur < end && moved) {
		moved = false;
		for (unsigned i = 0; i < KVM_VCNT; i++) {
			const struct block *b = &o->var[i];
			if (b->size && b->base <= cur && cur < b->base + b->size) {
				cur = b->base + b->size;
				moved = true;
			}
		}
	}
	return cur >= end;
}

/* The aligned power-of-two blocks of [start, end), fewest first-to-last. */
static unsigned split_blocks(uint64_t start, uint64_t end, struct block *out, unsigned max)
{
	unsigned k = 0;

	while (start < end) {
		uint64_t size = start ? start & (0 - start) : 1ull << 63;
		while (size > end - start)
			size >>= 1;
		if (k == max)
			return max + 1;
		out[k].base = start;
		out[k].size = size;
		k++;
		start += size;
	}
	return k;
}

/* MtrrSetMemoryAttribute(base, size, UC) above 1 MiB over a WB default. */
static void set_uc(struct ovmf *o, uint64_t base, uint64_t size)
{
	struct block iv[KVM_VCNT + 1], want[2 * KVM_VCNT + 2];
	bool modified[KVM_VCNT] = { false };
	unsigned niv = 0, nwant = 0;

	if (o->rc || covered(o, base, size))
		return; /* RETURN_ALREADY_STARTED: nothing written */

	/* The UC intervals after the request, sorted and merged. */
	for (unsigned i = 0; i < KVM_VCNT; i++)
		if (o->var[i].size)
			iv[niv++] = o->var[i];
	iv[niv].base = base;
	iv[niv].size = size;
	niv++;
	for (unsigned i = 1; i < niv; i++)
		for (unsigned j = i; j > 0 && iv[j].base < iv[j - 1].base; j--) {
			struct block t = iv[j];
			iv[j] = iv[j - 1];
			iv[j - 1] = t;
		}
	for (unsigned i = 0; i < niv; i++) {
		uint64_t start = iv[i].base, end = iv[i].base + iv[i].size;
		while (i + 1 < niv && iv[i + 1].base <= end) {
			i++;
			if (iv[i].base + iv[i].size > end)
				end = iv[i].base + iv[i].size;
		}
		unsigned k = split_blocks(start, end, want + nwant, KVM_VCNT - nwant);
		if (nwant + k > KVM_VCNT) {
			/* RETURN_OUT_OF_RESOURCES: MtrrLib writes nothing. */
			return;
		}
		nwant += k;
	}

	/* MtrrLibMergeVariableMtrr: keep what stays, free the rest, fill. */
	for (unsigned i = 0; i < KVM_VCNT; i++) {
		bool keep = false;
		if (!o->var[i].size)
			continue;
		for (unsigned j = 0; j < nwant; j++)
			if (want[j].size && want[j].base == o->var[i].base &&
			    want[j].size == o->var[i].size) {
				want[j].size = 0;
				keep = true;
				break;
			}
		if (!keep) {
			o->var[i].base = o->var[i].size = 0;
			modified[i] = true;
		}
	}
	for (unsigned j = 0; j < nwant; j++) {
		if (!want[j].size)
			continue;
		for (unsigned i = 0; i < KVM_VCNT; i++)
			if (!o->var[i].size) {
				o->var[i] = want[j];
				modified[i] = true;
				break;
			}
	}

	pre_change(o);
	for (unsigned i = 0; i < KVM_VCNT; i++) {
		if (!modified[i])
			continue;
		if (o->var[i].size) {
			put(o, PHYSBASE(i), (o->var[i].base & o->addr_mask) | MTRR_UC);
			put(o, PHYSMASK(i), (~(o->var[i].size - 1) & o->addr_mask) | VALID);
		} else {
			put(o, PHYSBASE(i), 0);
			put(o, PHYSMASK(i), 0);
		}
	}
	post_change(o, false);
}

static uint64_t pow2_floor(uint64_t x)
{
	uint64_t p = 1;

	while (p <= x / 2)
		p <<= 1;
	return p;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* PlatformQemuUc32BaseInitialization, by release (see the header). */
static uint64_t uc32_base(const struct mt_platform *p, unsigned v)
{
	uint64_t low = mt_platform_low_ram_end(p);

	if (p->machine == MT_MACHINE_Q35 && v < EDK2_Q35_POW2_UC32) {
		if (v >= EDK2_Q35_UC_2G && low <= 2 * MT_GIB)
			return 2 * MT_GIB;
		return 0xb0000000ull;
	}
	return MT_4GIB - pow2_floor(MT_4GIB - low);
}

/* PlatformGetFirstNonAddress: the classic window, the first 32 GiB-aligned
 * 32 GiB above RAM (aligned to 1 GiB first). */
static void classic_window(const struct mt_platform *p, uint64_t *base, uint64_t *size)
{
	uint64_t low = mt_platform_low_ram_end(p);
	uint64_t first = p->ram > low ? MT_4GIB + (p->ram - low) : MT_4GIB;

	*size = CLASSIC_MMIO64_SIZE;
	*base = align_up(align_up(first, MT_GIB), *size);
}

/*
 * PlatformAddressWidthFromCpuid (OvmfPkg/Library/PlatformInitLib/
 * MemDetect.c): the width CPUID gives OVMF, or 0 when OVMF does not use it.
 * Its QEMU quirk trusts MAXPHYADDR only when it is >= 41, or 36/39 on
 * Intel, or 40 on AMD (QEMU's default of 40 is no real Intel width). Then
 * it limits the width to avoid 5-level paging -- 47 in 2022.11, 46 from
 * 202402 ("limit PhysBits to 46 (4-level paging)"; DERIVED boundary) --
 * and to 40 when CPUID 0x80000001 EDX[26] (1-GByte pages) is clear,
 * because the DXE IPL's identity map of a wider space in 2 MiB pages would
 * not fit ("limit PhysBits to 40 (no 1G pages available)").
 * tests/data/qemu shows every rule in 2022.11 already: an Intel vCPU with
 * 40 bits gets the classic window (the quirk), 46 bits without pdpe1gb the
 * top eighth of 40 bits, 47 and 48 bits with pdpe1gb the top eighth of 47.
 */
static unsigned cpuid_width(const struct mt_platform *p, unsigned v)
{
	unsigned w = p->phys_bits;
	bool trusted = w >= 41 || (p->cpu == MEMTYPE_CPU_INTEL && (w == 36 || w == 39)) ||
		       (p->cpu == MEMTYPE_CPU_AMD && w == 40);
	unsigned cap = v >= EDK2_CAP46 ? 46 : 47;

	if (v < EDK2_DYNAMIC_WINDOW || !trusted)
		return 0;
	if (w > cap)
		w = cap;
	if (p->no_page1gb && w > 40)
		w = 40;
	return w;
}

unsigned mt_ovmf_address_width(const struct mt_platform *p, unsigned version)
{
	unsigned v = version ? version : EDK2_NEWEST;
	unsigned w = cpuid_width(p, v);
	uint64_t base, size, end;

	if (w)
		return w;
	/* PlatformAddressWidthInitialization without a trusted CPUID: the
	 * bits the classic window's end needs, at least 36. */
	classic_window(p, &base, &size);
	end = base + size;
	while (w < 63 && (1ull << w) < end)
		w++;
	return w < 36 ? 36 : w;
}

/* The 64-bit PCI aperture [*base, *base + *size); false when there is none
 * the CPU can address. */
static bool mmio64_window(const struct mt_platform *p, unsigned v, uint64_t *base, uint64_t *size)
{
	unsigned w = cpuid_width(p, v);

	classic_window(p, base, size);
	if (w) {
		/* PlatformDynamicMmioWindow. */
		uint64_t space = 1ull << w, mmio = 1ull << (w - 3);
		if (*size < mmio && *base + mmio < space) {
			*size = mmio;
			*base = space - mmio;
			/* PlatformReservationConflictCB vs QEMU's HT hole. */
			if (v >= EDK2_RESERVATION_FIXUP && p->cpu == MEMTYPE_CPU_AMD &&
			    p->phys_bits >= 40 && *base < AMD_HT_END_EXCL &&
			    AMD_HT_START < *base + *size)
				*base = (AMD_HT_START - *size) & ~(*size - 1);
		}
	}
	return *base + *size <= (1ull << p->phys_bits);
}

int mt_fw_ovmf_program(memtype_ctx *ctx, const struct mt_scenario *s, struct mt_msr_write *out,
		       unsigned *n, const char **note)
{
	const struct mt_platform *p = &s->platform;
	unsigned v = s->firmware.version ? s->firmware.version : EDK2_NEWEST;
	struct ovmf o = { .ctx = ctx, .out = out, .n = n };
	uint64_t base, size;

	*n = 0;
	*note = NULL;
	if (p->phys_bits < 32 || p->phys_bits > 52)
		return mt_error(ctx, -EINVAL, "bad-value", "phys_bits %u is outside 32..52",
				p->phys_bits);
	if (p->machine != MT_MACHINE_Q35 && p->machine != MT_MACHINE_I440FX)
		return mt_error(ctx, -EINVAL, "bad-value",
				"OVMF is modelled on the q35 and i440fx machines only");
	o.addr_mask = mt_bits(p->phys_bits - 1, 12);

	if (s->hv.coco == MT_COCO_TDX) {
		*note = v >= EDK2_TDX_NO_MTRR
				? "OVMF >= edk2-stable202411 in a TDX guest: MtrrLib reports no "
				  "MTRRs in TD guests (3a3b12cbda) and SecMtrrSetup skips them "
				  "(071d2cfab8): no MTRR writes"
				: "OVMF in a TDX guest: PlatformPei publishes TD RAM instead of "
				  "running its MTRR setup (InitializeRamRegions), DXE's UC "
				  "requests change nothing while MTRRs stay disabled, and the "
				  "202408 SecMtrrSetup skips TDs (071d2cfab8): no MTRR writes";
		return 0;
	}

	if (v >= EDK2_SEC_MTRR)
		sec_mtrr_setup(&o);
	if (s->hv.coco == MT_COCO_SNP && v >= EDK2_SEV_NO_MTRR)
		return o.rc; /* 05b677c9de: PEI and DXE see no MTRRs */

	set_all(&o, o.def | DEF_E | DEF_FE | MTRR_WB);
	set_legacy_uc(&o);
	base = uc32_base(p, v);
	set_uc(&o, base, MT_4GIB - base);
	if (mmio64_window(p, v, &base, &size))
		set_uc(&o, base, size);
	return o.rc;
}
