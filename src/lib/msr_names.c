/*
 * msr_names.c - the names of the MSRs the model knows.
 *
 * Register files, --msr options and diagnostics name MSRs the way the SDM
 * does (IA32_MTRR_PHYSBASE3) or the way Linux's msr-index.h does
 * (MSR_MTRRphysBase3 is not spelled there; MSR_MTRRdefType, MSR_MTRRcap,
 * MSR_MTRRfix64K_00000 and MSR_IA32_CR_PAT are). Indexes: SDM Vol. 4
 * Table 2-2; Linux arch/x86/include/asm/msr-index.h (v6.12).
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define PAIR(n) "IA32_MTRR_PHYSBASE" #n, "IA32_MTRR_PHYSMASK" #n
#define PAIRS10(d) PAIR(d##0), PAIR(d##1), PAIR(d##2), PAIR(d##3), PAIR(d##4), \
		   PAIR(d##5), PAIR(d##6), PAIR(d##7), PAIR(d##8), PAIR(d##9)

static const char *const var_names[2 * MEMTYPE_MAX_VCNT] = {
	PAIR(0), PAIR(1), PAIR(2), PAIR(3), PAIR(4), PAIR(5), PAIR(6), PAIR(7), PAIR(8), PAIR(9),
	PAIRS10(1), PAIRS10(2), PAIRS10(3),
};

struct named_msr {
	uint32_t index;
	const char *name;	/* SDM */
	const char *linux_name; /* msr-index.h */
};

static const struct named_msr fixed_names[] = {
	{ MEMTYPE_MSR_MTRRCAP, "IA32_MTRRCAP", "MSR_MTRRcap" },
	{ 0x250, "IA32_MTRR_FIX64K_00000", "MSR_MTRRfix64K_00000" },
	{ 0x258, "IA32_MTRR_FIX16K_80000", "MSR_MTRRfix16K_80000" },
	{ 0x259, "IA32_MTRR_FIX16K_A0000", "MSR_MTRRfix16K_A0000" },
	{ 0x268, "IA32_MTRR_FIX4K_C0000", "MSR_MTRRfix4K_C0000" },
	{ 0x269, "IA32_MTRR_FIX4K_C8000", "MSR_MTRRfix4K_C8000" },
	{ 0x26a, "IA32_MTRR_FIX4K_D0000", "MSR_MTRRfix4K_D0000" },
	{ 0x26b, "IA32_MTRR_FIX4K_D8000", "MSR_MTRRfix4K_D8000" },
	{ 0x26c, "IA32_MTRR_FIX4K_E0000", "MSR_MTRRfix4K_E0000" },
	{ 0x26d, "IA32_MTRR_FIX4K_E8000", "MSR_MTRRfix4K_E8000" },
	{ 0x26e, "IA32_MTRR_FIX4K_F0000", "MSR_MTRRfix4K_F0000" },
	{ 0x26f, "IA32_MTRR_FIX4K_F8000", "MSR_MTRRfix4K_F8000" },
	{ MEMTYPE_MSR_PAT, "IA32_PAT", "MSR_IA32_CR_PAT" },
	{ MEMTYPE_MSR_MTRR_DEF_TYPE, "IA32_MTRR_DEF_TYPE", "MSR_MTRRdefType" },
};

bool memtype_msr_is_mtrr(uint32_t index)
{
	if (index == MEMTYPE_MSR_PAT)
		return false;
	if (index >= MEMTYPE_MSR_MTRR_PHYSBASE0 &&
	    index < MEMTYPE_MSR_MTRR_PHYSBASE0 + 2 * MEMTYPE_MAX_VCNT)
		return true;
	for (size_t i = 0; i < MT_ARRAY_SIZE(fixed_names); i++)
		if (fixed_names[i].index == index)
			return true;
	return false;
}

const char *memtype_msr_name(uint32_t index)
{
	if (index >= MEMTYPE_MSR_MTRR_PHYSBASE0 &&
	    index < MEMTYPE_MSR_MTRR_PHYSBASE0 + 2 * MEMTYPE_MAX_VCNT)
		return var_names[index - MEMTYPE_MSR_MTRR_PHYSBASE0];
	for (size_t i = 0; i < MT_ARRAY_SIZE(fixed_names); i++)
		if (fixed_names[i].index == index)
			return fixed_names[i].name;
	return NULL;
}

int memtype_msr_parse_name(const char *s, size_t len, uint32_t *index)
{
	for (size_t i = 0; i < MT_ARRAY_SIZE(fixed_names); i++) {
		if (mt_word_eq(s, len, fixed_names[i].name) ||
		    mt_word_eq(s, len, fixed_names[i].linux_name)) {
			*index = fixed_names[i].index;
			return 0;
		}
	}
	for (uint32_t i = 0; i < 2 * MEMTYPE_MAX_VCNT; i++) {
		if (mt_word_eq(s, len, var_names[i])) {
			*index = MEMTYPE_MSR_MTRR_PHYSBASE0 + i;
			return 0;
		}
	}
	return -ENOENT;
}
