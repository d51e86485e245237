/*
 * platform.c - the guest-physical memory map of a QEMU machine as the firmware
 * hands it to the kernel (the BIOS-e820 table), and the queries over an e820
 * table the upper layers need.
 *
 * Three things decide a preset's e820:
 *
 *  1. QEMU splits guest RAM below and above 4 GiB (qemu/qemu hw/i386/pc_q35.c
 *     pc_q35_init and hw/i386/pc_piix.c pc_init1, QEMU 7.2): q35 keeps all RAM
 *     low while it is below 0xB0000000 and otherwise 2 GiB low; i440fx keeps
 *     all RAM low while it is below max-ram-below-4g (default 0xE0000000) and
 *     otherwise, with gigabyte_align (every machine type since 2.1), 3 GiB low.
 *     High RAM starts at 4 GiB. QEMU's own table (fw_cfg "etc/e820") holds the
 *     two RAM entries and, on an AMD vCPU with phys-bits >= 40 (machine types
 *     >= 7.1, enforce_amd_1tb_hole), the reserved HyperTransport hole
 *     [0xFD00000000, 0xFFFFFFFFFF] (hw/i386/pc.c pc_memory_init, Joao
 *     Martins' "i386/pc: relocate 4g start to 1Tb when above 4g memory would
 *     cross HT region", QEMU 7.1). The relocation of high RAM above 1 TiB
 *     that the same commit does for huge guests is not modelled: such sizes
 *     are refused. Under KVM QEMU also reserves the 16 KiB identity-map/TSS
 *     area at 0xFEFFC000 (target/i386/kvm/kvm.c kvm_arch_init); a preset
 *     does not know the hypervisor, and the captures ran under TCG, so that
 *     entry is left out.
 *
 *  2. SeaBIOS rebuilds the table (coreboot/seabios, 1.16.2 as captured):
 *     src/fw/paravirt.c qemu_early_e820 copies QEMU's RAM and reserved
 *     entries and qemu_preinit reserves the 256 KiB BIOS image below 4 GiB
 *     (0xFFFC0000); the low 640 KiB loses its last KiB to the EBDA and the
 *     F segment (0xF0000-0xFFFFF) is reserved; on q35 src/fw/pciinit.c
 *     reserves MMCONFIG (mch_mem_addr_setup, 0xB0000000 + 256 MiB) and the
 *     ICH9 root complex register block (mch_isa_bridge_setup, 0xFED1C000 +
 *     16 KiB). src/malloc.c reserves CONFIG_MAX_HIGHTABLE (256 KiB) at the
 *     top of low RAM for the ACPI/SMBIOS tables and, in malloc_prepboot
 *     ("Give back unused high ram"), returns the unused, page-aligned part
 *     to RAM. The reserved tail below the end of low RAM is therefore the
 *     page-rounded size of the tables SeaBIOS built -- it depends on the
 *     vCPUs and devices, not on the RAM size. The q35 8 GiB capture shows
 *     0x21000 (132 KiB); DERIVED: the same tail for every RAM size of that
 *     configuration. For i440fx the tail is 0x20000, as in the i440fx 8 GiB
 *     log quoted in guest-firmware.md §7; the 24 SeaBIOS captures of
 *     tests/data/qemu (1-16 GiB, both chipsets, 2 vCPUs) match the whole
 *     table entry by entry.
 *
 *  3. OVMF hands Linux a UEFI memory map, which the EFI stub turns into e820
 *     lines: fragmented, with the firmware's own allocations as reserved,
 *     ACPI data and ACPI NVS areas. For q35 with 8 GiB and EDK2 2022.11 the
 *     table is exactly the capture's (../shared/corpus/qemu/q35-ovmf-8g.log).
 *     For other sizes the model is DERIVED: the fixed low areas (SEC page
 *     tables, work area and SEC/PEI temporary RAM in OvmfPkgX64.fdf's MEMFD
 *     at 8 MiB, reserved as ACPI NVS by PlatformQemuInitializeRamForS3) stay
 *     where they are, and the allocations under the end of low RAM keep the
 *     capture's offsets from it (they are made top-down from there). MMCONFIG
 *     is reserved on q35 at 0xB0000000 before edk2-stable202305 and at
 *     0xE0000000 from it ("OvmfPkg/PlatformInitLib: move mmconfig to
 *     0xe0000000", e4b3fd905a, committed 2023-03-28, after the 202302 tag).
 *     From edk2-stable202302 OVMF passes QEMU's reservations through
 *     ("OvmfPkg/PlatformInitLib: pass through reservations from qemu",
 *     bf65d7ee88, 2022-12-23), so the AMD HyperTransport hole appears too;
 *     DERIVED, the 2022.11 capture has none.
 *
 * Linux reads the table through e820__end_of_low_ram_pfn()
 * (arch/x86/kernel/e820.c e820_end_pfn): page-truncated ends of RAM entries
 * below 4 GiB, clamped to 4 GiB; 06fa48d85b09 (6.11) also counts "ACPI data".
 */
#include "model.h"

#include <string.h>

#define MiB (1ull << 20)
#define PAGE_SHIFT 12

/* QEMU: the largest RAM q35 keeps entirely below 4 GiB, and the i440fx
 * default max-ram-below-4g (pc_q35.c, pc_piix.c). */
#define Q35_ALL_LOW_LIMIT 0xb0000000ull
#define I440FX_ALL_LOW_LIMIT 0xe0000000ull

/* QEMU hw/i386/pc.c: AMD_HT_START / AMD_HT_END. */
#define AMD_HT_START 0xfd00000000ull
#define AMD_HT_END 0xffffffffffull

/* SeaBIOS (see the header). */
#define SEABIOS_TAIL_Q35 0x21000ull    /* the q35 8 GiB capture */
#define SEABIOS_TAIL_I440FX 0x20000ull /* tests/data/qemu i440fx-seabios-* */
#define Q35_MMCONFIG_SIZE (256 * MiB)
#define SEABIOS_MMCONFIG 0xb0000000ull		/* src/fw/dev-q35.h PCIEXBAR_ADDR */
#define ICH9_RCBA 0xfed1c000ull			/* ICH9 root complex register block */
#define BIOS_TOP 0xfffc0000ull			/* qemu_preinit: 256 KiB below 4 GiB */

/* EDK2 versions (YYYYMM) where the layout changes. */
#define EDK2_PASS_RESERVATIONS 202302
#define EDK2_MMCONFIG_E0000000 202305
#define EDK2_NEWEST 999999

/* ----------------------------------------------------------------- QEMU split */

/* Below-4G RAM of a preset machine, 0 when the machine has no QEMU split. */
static uint64_t qemu_low_ram(const struct mt_platform *p)
{
	switch (p->machine) {
	case MT_MACHINE_Q35:
		return p->ram >= Q35_ALL_LOW_LIMIT ? 2 * MT_GIB : p->ram;
	case MT_MACHINE_I440FX:
		return p->ram >= I440FX_ALL_LOW_LIMIT ? 3 * MT_GIB : p->ram;
	case MT_MACHINE_CUSTOM:
		break;
	}
	return 0;
}

/* ----------------------------------------------------------------- building */

struct builder {
	memtype_ctx *ctx;
	struct mt_platform *p;
	int rc;
};

static void add(struct builder *b, uint64_t start, uint64_t end, mt_e820_type type)
{
	struct mt_platform *p = b->p;

	if (b->rc)
		return;
	if (end < start || (p->ne820 && start <= p->e820[p->ne820 - 1].end)) {
		b->rc = mt_error(b->ctx, -EINVAL, "overlap",
				 "preset e820 entry [0x%llx-0x%llx] is out of order",
				 (unsigned long long)start, (unsigned long long)end);
		return;
	}
	if (p->ne820 >= MT_MAX_E820) {
		b->rc = mt_error(b->ctx, -EINVAL, "out-of-range", "more than %d e820 entries",
				 MT_MAX_E820);
		return;
	}
	p->e820[p->ne820].start = start;
	p->e820[p->ne820].end = end;
	p->e820[p->ne820].type = type;
	p->ne820++;
}

static bool amd_ht_hole(const struct mt_platform *p)
{
	return p->cpu == MEMTYPE_CPU_AMD && p->phys_bits >= 40;
}

/* The RAM above 4 GiB and, after it, QEMU's HT reservation when asked. */
static void add_high(struct builder *b, uint64_t low, bool ht)
{
	const struct mt_platform *p = b->p;

	if (p->ram > low)
		add(b, MT_4GIB, MT_4GIB + (p->ram - low) - 1, MT_E820_RAM);
	if (ht && amd_ht_hole(p))
		add(b, AMD_HT_START, AMD_HT_END, MT_E820_RESERVED);
}

/* QEMU's etc/e820 as is: what a scenario without BIOS-like firmware gets. */
static void layout_qemu(struct builder *b, uint64_t low)
{
	add(b, 0, low - 1, MT_E820_RAM);
	add_high(b, low, true);
}

static void layout_seabios(struct builder *b, uint64_t low)
{
	const struct mt_platform *p = b->p;
	bool q35 = p->machine == MT_MACHINE_Q35;
	uint64_t tail = q35 ? SEABIOS_TAIL_Q35 : SEABIOS_TAIL_I440FX;

	add(b, 0, 0x9fbff, MT_E820_RAM);
	add(b, 0x9fc00, 0x9ffff, MT_E820_RESERVED); /* EBDA */
	add(b, 0xf0000, 0xfffff, MT_E820_RESERVED); /* BIOS F segment */
	add(b, 0x100000, low - tail - 1, MT_E820_RAM);
	add(b, low - tail, low - 1, MT_E820_RESERVED); /* tables in ZoneHigh */
	if (q35) {
		add(b, SEABIOS_MMCONFIG, SEABIOS_MMCONFIG + Q35_MMCONFIG_SIZE - 1,
		    MT_E820_RESERVED);
		add(b, ICH9_RCBA, ICH9_RCBA + 0x4000 - 1, MT_E820_RESERVED);
	}
	add(b, BIOS_TOP, MT_4GIB - 1, MT_E820_RESERVED);
	add_high(b, low, true);
}

/*
 * OVMF: the q35 8 GiB 2022.11 capture, as offsets. Entries below 9 MiB are
 * absolute; the others are [low - from, low - to), from the capture's
 * low = 0x80000000.
 */
struct ovmf_fixed {
	uint64_t start, end;
	mt_e820_type type;
};

static const struct ovmf_fixed ovmf_low[] = {
	{ 0x000000, 0x09ffff, MT_E820_RAM },
	{ 0x100000, 0x7fffff, MT_E820_RAM },
	{ 0x800000, 0x807fff, MT_E820_NVS },
	{ 0x808000, 0x80afff, MT_E820_RAM },
	{ 0x80b000, 0x80bfff, MT_E820_NVS },
	{ 0x80c000, 0x80ffff, MT_E820_RAM },
	{ 0x810000, 0x8fffff, MT_E820_NVS },
};

#define OVMF_LOW_END 0x900000ull

struct ovmf_top {
	uint64_t from, to; /* distances below the end of low RAM */
	mt_e820_type type;
};

/* Below ovmf_top's last two entries, which depend on the vCPUs (below). */
static const struct ovmf_top ovmf_top[] = {
	{ 0x1549000, 0x1488000, MT_E820_RESERVED },
	{ 0x1488000, 0x0b13000, MT_E820_RAM },
	{ 0x0b13000, 0x0893000, MT_E820_RESERVED },
	{ 0x0893000, 0x0881000, MT_E820_ACPI },
	{ 0x0881000, 0x0801000, MT_E820_NVS },
};

/*
 * The top of low RAM as OVMF 2022.11 leaves it, measured in tests/data/qemu
 * and with -smp 1..16 (docs/qemu-suite.md): ACPI NVS of 0x80000 + 0x8000
 * per vCPU at the very top (DERIVED, exact for 1, 2, 3, 4, 6, 8 and 16
 * vCPUs; 0x8000 is UefiCpuPkg.dec's default PcdCpuApStackSize, so per-CPU
 * stacks kept for S3 resume are the likely content, UNCONFIRMED), 128 KiB
 * reserved below it, RAM below that down
 * to ovmf_top. The reserved block ovmf_top[0] also moves down with the
 * vCPUs, by steps that are not linear (0x16000 for 2-3 vCPUs, 0x2C000 for
 * 4-6, 0x4A000 for 8); the model keeps its 1-vCPU place, which changes no
 * memory type and no end of low RAM. On i440fx that block is 16 KiB higher.
 */
#define OVMF_TOP_NVS_BASE 0x80000ull
#define OVMF_TOP_NVS_PER_CPU 0x8000ull
#define OVMF_TOP_RESERVED 0x20000ull
#define OVMF_I440FX_BLOCK_SHIFT 0x4000ull

/*
 * OvmfPkg/PlatformPei/MemDetect.c GetPeiMemoryCap(): the permanent PEI
 * memory is 64 MiB plus the DXE IPL's identity-map page tables for the
 * address width w -- one PML4 page and, per PML4 entry, one PDPT page with
 * 1-GByte pages, or one PDPT and 512 page-directory pages without them.
 */
static uint64_t ovmf_pei_memory_cap(unsigned w, bool page1g)
{
	uint64_t pml4 = w <= 39 ? 1 : 1ull << (w - 39);
	uint64_t pdp = w <= 39 ? 1ull << (w - 30) : 512;
	uint64_t pages = page1g ? pml4 + 1 : (pdp + 1) * pml4 + 1;

	return pages * 4096 + 64 * MiB;
}

/*
 * How far above its place in the captures (40 bits, no 1-GByte pages) the
 * ACPI block sits: the block lies under the PEI memory, whose cap shrinks
 * with the page tables. Measured in the tests/data/qemu captures of `run.sh --set cpuid`, with
 * widths 36, 39, 40, 46 and 47, with and without 1-GByte pages: the shift
 * is the difference of the caps rounded up to 2 MiB (DERIVED; the
 * rounding is fitted to those nine captures, its code is UNCONFIRMED).
 */
static uint64_t ovmf_pei_shift(const struct mt_platform *p, unsigned version)
{
	uint64_t two_mib = 2 * MiB;
	uint64_t captured = ovmf_pei_memory_cap(40, false);
	uint64_t cap = ovmf_pei_memory_cap(mt_ovmf_address_width(p, version), !p->no_page1gb);

	captured = (captured + two_mib - 1) & ~(two_mib - 1);
	cap = (cap + two_mib - 1) & ~(two_mib - 1);
	return captured > cap ? captured - cap : 0;
}

static void layout_ovmf(struct builder *b, uint64_t low, unsigned version)
{
	const struct mt_platform *p = b->p;
	unsigned v = version ? version : EDK2_NEWEST;
	uint64_t nvs = OVMF_TOP_NVS_BASE + OVMF_TOP_NVS_PER_CPU * (p->cpus ? p->cpus : 1);
	uint64_t up = ovmf_pei_shift(p, version);
	uint64_t shift = up + (p->machine == MT_MACHINE_I440FX ? OVMF_I440FX_BLOCK_SHIFT : 0);
	size_t last = MT_ARRAY_SIZE(ovmf_top) - 1;

	for (size_t i = 0; i < MT_ARRAY_SIZE(ovmf_low); i++)
		add(b, ovmf_low[i].start, ovmf_low[i].end, ovmf_low[i].type);
	add(b, OVMF_LOW_END, low - ovmf_top[0].from + shift - 1, MT_E820_RAM);
	add(b, low - ovmf_top[0].from + shift, low - ovmf_top[0].to + shift - 1, ovmf_top[0].type);
	add(b, low - ovmf_top[1].from + shift, low - ovmf_top[1].to + up - 1, ovmf_top[1].type);
	for (size_t i = 2; i < MT_ARRAY_SIZE(ovmf_top); i++)
		add(b, low - ovmf_top[i].from + up, low - ovmf_top[i].to + up - 1, ovmf_top[i].type);
	add(b, low - ovmf_top[last].to + up, low - nvs - OVMF_TOP_RESERVED - 1, MT_E820_RAM);
	add(b, low - nvs - OVMF_TOP_RESERVED, low - nvs - 1, MT_E820_RESERVED);
	add(b, low - nvs, low - 1, MT_E820_NVS);
	if (p->machine == MT_MACHINE_Q35) {
		uint64_t mmcfg = v >= EDK2_MMCONFIG_E0000000 ? 0xe0000000ull : 0xb0000000ull;
		add(b, mmcfg, mmcfg + Q35_MMCONFIG_SIZE - 1, MT_E820_RESERVED);
	}
	add_high(b, low, v >= EDK2_PASS_RESERVATIONS);
}

int mt_platform_apply_preset(memtype_ctx *ctx, struct mt_platform *p, const struct mt_firmware *fw)
{
	struct builder b = { ctx, p, 0 };
	mt_fw_kind kind = fw ? fw->kind : MT_FW_NONE;
	uint64_t low, top;

	if (p->machine != MT_MACHINE_Q35 && p->machine != MT_MACHINE_I440FX)
		return mt_error(ctx, -EINVAL, "bad-value",
				"only the q35 and i440fx machines have e820 presets");
	/* QEMU takes -m in MiB steps; the firmware layouts below need room. */
	if (p->ram < 64 * MiB || p->ram % MiB)
		return mt_error(ctx, -EINVAL, "out-of-range",
				"preset RAM must be a whole number of MiB, at least 64 MiB "
				"(got 0x%llx)",
				(unsigned long long)p->ram);
	low = qemu_low_ram(p);
	top = p->ram > low ? MT_4GIB + (p->ram - low) : 0;
	if (p->phys_bits < 32 || p->phys_bits > 52 || top > (1ull << p->phys_bits))
		return mt_error(ctx, -EINVAL, "out-of-range",
				"RAM up to 0x%llx does not fit in %u physical address bits",
				(unsigned long long)top, p->phys_bits);
	if (p->cpu == MEMTYPE_CPU_AMD && top > AMD_HT_START)
		return mt_error(ctx, -EINVAL, "out-of-range",
				"RAM reaching the AMD HyperTransport hole at 0x%llx (QEMU "
				"then moves high RAM above 1 TiB) is not modelled",
				(unsigned long long)AMD_HT_START);

	p->ne820 = 0;
	memset(p->e820, 0, sizeof(p->e820));
	switch (kind) {
	case MT_FW_SEABIOS:
		layout_seabios(&b, low);
		break;
	case MT_FW_OVMF:
		layout_ovmf(&b, low, fw->version);
		break;
	case MT_FW_NONE:
	case MT_FW_REGISTERS:
		layout_qemu(&b, low);
		break;
	}
	if (b.rc)
		p->ne820 = 0;
	return b.rc;
}

uint64_t mt_platform_low_ram_end(const struct mt_platform *p)
{
	uint64_t low = p->ram ? qemu_low_ram(p) : 0;

	/* Custom layouts: the end of low RAM as the table shows it. */
	return low ? low : mt_e820_end_of_low_ram(p, false);
}

/* ----------------------------------------------------------------- queries */

uint64_t mt_e820_end_of_low_ram(const struct mt_platform *p, bool count_acpi)
{
	const uint64_t limit_pfn = MT_4GIB >> PAGE_SHIFT;
	uint64_t last_pfn = 0;

	for (unsigned i = 0; i < p->ne820; i++) {
		const struct mt_e820_entry *e = &p->e820[i];
		uint64_t start_pfn = e->start >> PAGE_SHIFT;
		/* (addr + size) >> PAGE_SHIFT, without overflowing at 2^64 - 1. */
		uint64_t end_pfn = (e->end >> PAGE_SHIFT) + ((e->end & 0xfff) == 0xfff);

		if (e->type != MT_E820_RAM && !(count_acpi && e->type == MT_E820_ACPI))
			continue;
		if (start_pfn >= limit_pfn)
			continue;
		if (end_pfn > limit_pfn)
			return limit_pfn << PAGE_SHIFT;
		if (end_pfn > last_pfn)
			last_pfn = end_pfn;
	}
	return last_pfn << PAGE_SHIFT;
}

const char *mt_e820_type_word(unsigned type)
{
	static const char *const words[] = {
		[MT_E820_RAM] = "usable",	  [MT_E820_RESERVED] = "reserved",
		[MT_E820_ACPI] = "ACPI data",	  [MT_E820_NVS] = "ACPI NVS",
		[MT_E820_UNUSABLE] = "unusable",
	};

	return type < MT_ARRAY_SIZE(words) && words[type] ? words[type] : "reserved";
}

unsigned mt_e820_type_at(const struct mt_platform *p, uint64_t addr)
{
	for (unsigned i = 0; i < p->ne820; i++)
		if (p->e820[i].start <= addr && addr <= p->e820[i].end)
			return (unsigned)p->e820[i].type;
	return 0;
}

bool mt_e820_all_ram(const struct mt_platform *p, uint64_t start, uint64_t end)
{
	uint64_t cur = start;

	if (end < start)
		return false;
	/* Walk adjacent RAM entries; the table need not be sorted. */
	for (;;) {
		unsigned i;

		for (i = 0; i < p->ne820; i++) {
			const struct mt_e820_entry *e = &p->e820[i];
			if (e->type == MT_E820_RAM && e->start <= cur && cur <= e->end)
				break;
		}
		if (i == p->ne820)
			return false;
		if (p->e820[i].end >= end)
			return true;
		cur = p->e820[i].end + 1;
	}
}

bool mt_e820_any_ram(const struct mt_platform *p, uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < p->ne820; i++) {
		const struct mt_e820_entry *e = &p->e820[i];
		if (e->type == MT_E820_RAM && e->start <= end && start <= e->end)
			return true;
	}
	return false;
}
