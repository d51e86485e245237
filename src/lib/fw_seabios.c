/*
 * fw_seabios.c - the MTRR writes SeaBIOS makes on a QEMU machine.
 *
 * coreboot/seabios src/fw/mtrr.c mtrr_setup() (unchanged since 2016; the
 * 1.16.2 of the capture has it) runs from qemu_platform_setup() after
 * pci_setup() (src/fw/paravirt.c). It returns early unless CPUID.1 reports
 * MTRR and MSR and MTRRcap has VCNT != 0 and FIX; KVM and TCG report MTRRcap
 * 0x508 (VCNT 8, FIX, WC), which the model assumes. Then, in this order:
 *
 *  1. IA32_MTRR_DEF_TYPE := 0 (MTRRs off while they change).
 *  2. The fixed ranges: each 64 KiB / 16 KiB chunk below 0xA0000 WB when
 *     RamSize (RAM below 4 GiB) covers it, FIX16K_A0000 := 0 (UC), each
 *     4 KiB chunk of 0xC0000-0xFFFFF WP when RamSize covers it.
 *  3. phys_bits from CPUID 0x80000008 (36 without the leaf); every pair
 *     0..VCNT-1 cleared, base then mask.
 *  4. Pair 0 := UC from pcimem_start to 4 GiB: base pcimem_start, mask
 *     (-(4 GiB - pcimem_start)) & (2^phys_bits - 1) | valid (bit 11).
 *  5. IA32_MTRR_DEF_TYPE := E | FE | WB (0xC06).
 *
 * pcimem_start (src/fw/pciinit.c): pci_setup() starts it at RamSize;
 * i440fx_mem_addr_setup() raises it to 0x80000000 when RamSize <= 2 GiB and
 * to 0xC0000000 when RamSize <= 3 GiB, else leaves RamSize; on q35
 * mch_mem_addr_setup() puts it right above MMCONFIG, 0xB0000000 + 256 MiB =
 * 0xC0000000, whatever the RAM. With QEMU's i440fx split, RamSize exceeds
 * 3 GiB only for RAM in (3 GiB, 3.5 GiB), all of it low; 4 GiB - RamSize is
 * then no power of two and the mask is non-contiguous (e.g. 3.25 GiB: base
 * 0xD0000000, mask 0xFFD0000800 on 40 bits -- legal, SDM §11.11.3, and
 * matching more than the hole; the real SeaBIOS wrote exactly that in
 * tests/data/qemu/i440fx-seabios-3328m-pb40.capture).
 *
 * The q35 8 GiB capture (../shared/corpus/qemu/q35-seabios-8g.log) is
 * reproduced register by register: 0x200 = 0xc0000000, 0x201 = 0xffc0000800.
 *
 * CoCo: SeaBIOS is no firmware for SEV-SNP or TDX guests (it has no support
 * for either); if a scenario pairs them anyway, the writes are returned as
 * for any guest and the caller decides what the guest sees. In a TD each of
 * these WRMSRs would be a #VE forwarded to the VMM, in an SEV-ES/SNP guest a
 * #VC through the GHCB. mtrr_setup() never touches CR0.CD.
 */
#include "model.h"

/* The MSRs, as memtype.h numbers them. */
#define FIX64K_00000 0x250u
#define FIX16K_80000 0x258u
#define FIX16K_A0000 0x259u
#define FIX4K_C0000 0x268u
#define DEF_TYPE 0x2ffu
#define PHYSBASE(n) (0x200u + 2u * (n))
#define PHYSMASK(n) (0x201u + 2u * (n))

#define MTRR_UC 0u
#define MTRR_WP 5u
#define MTRR_WB 6u
#define VALID (1ull << 11)
#define KVM_VCNT (MEMTYPE_MTRRCAP_KVM & MEMTYPE_MTRRCAP_VCNT_MASK)

int mt_fw_seabios_program(memtype_ctx *ctx, const struct mt_scenario *s, struct mt_msr_write *out,
			  unsigned *n, const char **note);

static void put(struct mt_msr_write *out, unsigned *n, uint32_t index, uint64_t value)
{
	out[*n].index = index;
	out[*n].value = value;
	(*n)++;
}

/* A fixed-range MSR whose eight sub-ranges start at base, step apart: type
 * t for each sub-range that RAM below 4 GiB covers entirely, else UC. */
static uint64_t fixed_value(uint64_t ram_size, uint64_t base, uint64_t step, unsigned t)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		if (ram_size >= base + step * (i + 1))
			v |= (uint64_t)t << (8 * i);
	return v;
}

/* pcimem_start as pci_setup() leaves it (see the header). */
static uint64_t pcimem_start(const struct mt_platform *p, uint64_t ram_size)
{
	if (p->machine == MT_MACHINE_Q35)
		return 0xb0000000ull + (256ull << 20);
	if (ram_size <= 0x80000000ull)
		return 0x80000000ull;
	if (ram_size <= 0xc0000000ull)
		return 0xc0000000ull;
	return ram_size;
}

int mt_fw_seabios_program(memtype_ctx *ctx, const struct mt_scenario *s, struct mt_msr_write *out,
			  unsigned *n, const char **note)
{
	const struct mt_platform *p = &s->platform;
	/* RamSize: the end of RAM below 4 GiB from QEMU's etc/e820 (paravirt.c
	 * qemu_early_e820), i.e. QEMU's split, not the reduced e820 end. */
	uint64_t ram_size = mt_platform_low_ram_end(p);
	uint64_t phys_mask, start;

	*n = 0;
	*note = NULL;
	if (p->phys_bits < 32 || p->phys_bits > 52)
		return mt_error(ctx, -EINVAL, "bad-value", "phys_bits %u is outside 32..52",
				p->phys_bits);
	if (p->machine != MT_MACHINE_Q35 && p->machine != MT_MACHINE_I440FX)
		return mt_error(ctx, -EINVAL, "bad-value",
				"SeaBIOS is modelled on the q35 and i440fx machines only");
	phys_mask = mt_bits(p->phys_bits - 1, 0);
	start = pcimem_start(p, ram_size);

	put(out, n, DEF_TYPE, 0);
	put(out, n, FIX64K_00000, fixed_value(ram_size, 0, 0x10000, MTRR_WB));
	put(out, n, FIX16K_80000, fixed_value(ram_size, 0x80000, 0x4000, MTRR_WB));
	put(out, n, FIX16K_A0000, 0);
	for (unsigned j = 0; j < 8; j++)
		put(out, n, FIX4K_C0000 + j,
		    fixed_value(ram_size, 0xc0000 + 0x8000ull * j, 0x1000, MTRR_WP));
	for (unsigned i = 0; i < KVM_VCNT; i++) {
		put(out, n, PHYSBASE(i), 0);
		put(out, n, PHYSMASK(i), 0);
	}
	put(out, n, PHYSBASE(0), start | MTRR_UC);
	put(out, n, PHYSMASK(0), ((0 - (MT_4GIB - start)) & phys_mask) | VALID);
	put(out, n, DEF_TYPE, 0xc00u | MTRR_WB);
	return 0;
}
