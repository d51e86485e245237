/*
 * mtrr.h - the MTRR state's layout, shared by mtrr.c (registers, #GP rules,
 * per-address lookup) and mtrr_map.c (the whole-space map).
 */
#ifndef MEMTYPE_MTRR_H
#define MEMTYPE_MTRR_H

#include "internal.h"

#define MT_FIXED_MSRS 11u
#define MT_ONE_MIB 0x100000ull

/* IA32_MTRR_DEF_TYPE fields, SDM Vol. 3A §11.11.2.1 Figure 11-6. */
#define MT_DEF_TYPE_MASK 0xffull
#define MT_DEF_FE (1ull << 10)
#define MT_DEF_E (1ull << 11)
/* PHYSMASKn.V, SDM §11.11.2.3 Figure 11-7. */
#define MT_MASK_V (1ull << 11)

struct memtype_mtrr {
	memtype_ctx *ctx;
	unsigned phys_bits;
	uint64_t cap;
	uint64_t def_type;
	uint64_t fixed[MT_FIXED_MSRS];
	uint64_t base[MEMTYPE_MAX_VCNT];
	uint64_t mask[MEMTYPE_MAX_VCNT];
};

/* One fixed-range MSR: its index, the address of its byte 0 and the span of
 * each of its 8 bytes (SDM Vol. 3A §11.11.2.2, Table 11-9). */
struct mt_fixed_msr {
	uint32_t index;
	uint32_t start;
	uint32_t granule;
};
extern const struct mt_fixed_msr mt_fixed_msrs[MT_FIXED_MSRS];

static inline unsigned mt_vcnt(const memtype_mtrr *m)
{
	return (unsigned)(m->cap & MEMTYPE_MTRRCAP_VCNT_MASK);
}

/* Fixed sub-range i (0..87) in address order (SDM Vol. 3A Table 11-9):
 * 8 x 64 KiB from 0, 16 x 16 KiB from 0x80000, 64 x 4 KiB from 0xC0000. */
static inline uint64_t mt_fixed_slot_start(unsigned i)
{
	if (i < 8)
		return (uint64_t)i << 16;
	if (i < 24)
		return 0x80000ull + ((uint64_t)(i - 8) << 14);
	return 0xC0000ull + ((uint64_t)(i - 24) << 12);
}

static inline uint64_t mt_fixed_slot_len(unsigned i)
{
	return i < 8 ? 0x10000ull : i < 24 ? 0x4000ull : 0x1000ull;
}

/* Bits [12, phys_bits) of an address: the ones PhysBase/PhysMask compare. */
static inline uint64_t mt_addr_bits(const memtype_mtrr *m)
{
	return mt_bits(m->phys_bits - 1, 12);
}

/* True when the fixed ranges decide addresses below 1 MiB (E, FE, FIX). */
static inline bool mt_fixed_active(const memtype_mtrr *m)
{
	return (m->def_type & MT_DEF_E) && (m->def_type & MT_DEF_FE) &&
	       (m->cap & MEMTYPE_MTRRCAP_FIX);
}

/*
 * The type decided by a set of matching variable pairs (bit n = pair n), by
 * SDM §11.11.4.1: one type -> it; any UC -> UC; only WT and WB -> WT; any
 * other mix -> UNDEFINED. The set must not be empty.
 */
memtype_type mt_var_overlap_type(const memtype_mtrr *m, uint64_t set);

#endif /* MEMTYPE_MTRR_H */
