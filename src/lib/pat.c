/*
 * pat.c - the Page Attribute Table: IA32_PAT decode/encode and validation,
 * the PAT index of a page-table entry, and the layouts seen in practice.
 *
 * PAT is the page-level half of the effective type: a leaf entry's PAT, PCD
 * and PWT bits select one of eight entries of IA32_PAT, whose type then
 * meets the MTRR type in combine.c.
 */
#include "internal.h"

#include <string.h>

int memtype_pat_decode(memtype_ctx *ctx, uint64_t msr, memtype_type out[8])
{
	/* SDM Vol. 3A §11.12.2: PAi = bits 8i+7:8i; bits 2:0 a type from
	 * Table 11-10, bits 7:3 reserved; a reserved encoding raises #GP
	 * (§11.12.4). */
	for (unsigned i = 0; i < 8; i++) {
		unsigned b = mt_byte(msr, i);
		if (!memtype_encoding_valid(MEMTYPE_FIELD_PAT, b)) {
			if (ctx)
				mt_error(ctx, -EINVAL, "gp",
					 "WRMSR 0x277 (IA32_PAT) <- 0x%llx raises #GP: PA%u = 0x%02x is %s "
					 "(SDM §11.12.2, Table 11-10)",
					 (unsigned long long)msr, i, b,
					 b > 7 ? "not a type (bits 7:3 are reserved)" : "a reserved encoding");
			return -EINVAL;
		}
		out[i] = (memtype_type)b;
	}
	return 0;
}

int memtype_pat_encode(const memtype_type types[8], uint64_t *msr)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++) {
		if (!memtype_encoding_valid(MEMTYPE_FIELD_PAT, (uint64_t)types[i]))
			return -EINVAL;
		v |= (uint64_t)types[i] << (8 * i);
	}
	*msr = v;
	return 0;
}

struct layout {
	const char *name;
	uint64_t value;
};

static const struct layout layouts[] = {
	/* Power-on/reset value, SDM Vol. 3A §11.12.4 Table 11-12. */
	{ "reset", MEMTYPE_PAT_RESET },
	/* Linux arch/x86/mm/pat/memtype.c (v6.12) pat_bp_init(): WB WC UC- UC
	 * WB WP UC- WT; WT in PA7 so that an erratum ignoring the PAT bit
	 * lands on UC. */
	{ "linux", MEMTYPE_PAT_LINUX },
	/* Same file: the layout for CPUs whose upper four entries are unusable. */
	{ "linux-errata", MEMTYPE_PAT_LINUX_ERRATA },
	/* Xen xen/arch/x86/include/asm/processor.h XEN_MSR_PAT: WB WT UC- UC WC WP UC UC. */
	{ "xen", 0x0000050100070406ull },
	/* ACRN's CR0.CD emulation PAT_ALL_UC_VALUE. */
	{ "all-uc", 0 },
};

int memtype_pat_layout(const char *name, uint64_t *msr)
{
	for (size_t i = 0; i < MT_ARRAY_SIZE(layouts); i++) {
		if (name && strcmp(name, layouts[i].name) == 0) {
			*msr = layouts[i].value;
			return 0;
		}
	}
	return -ENOENT;
}

unsigned memtype_pat_index(uint64_t entry, memtype_page_level level)
{
	/* SDM Vol. 3A §11.12.3 Table 11-11 and §4.9.2: PWT is bit 3, PCD bit 4,
	 * PAT bit 7 in a 4-KiB PTE and bit 12 in a PS=1 entry (bit 7 is PS). */
	unsigned pwt = (unsigned)(entry >> 3) & 1u;
	unsigned pcd = (unsigned)(entry >> 4) & 1u;
	unsigned pat = (unsigned)(entry >> (level == MEMTYPE_PAGE_4K ? 7 : 12)) & 1u;
	return 4u * pat + 2u * pcd + pwt;
}
