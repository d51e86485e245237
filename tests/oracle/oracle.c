/*
 * oracle.c - the brute-force MTRR reference model used by test_differential.c.
 *
 * Everything here is transcribed from the Intel SDM Vol. 3A §11.11 ("Memory
 * Type Range Registers") and the WRMSR instruction page (Vol. 2B), written for
 * clarity and nothing else: an address is evaluated by walking all 88 fixed
 * sub-ranges and every variable pair, with no precomputed table. It must not
 * share code or structure with src/lib; when the two disagree, this file is
 * the one to re-read against the manual first.
 */
#include "oracle.h"

#include <stddef.h>
#include <string.h>

/* IA32_MTRR_DEF_TYPE fields, SDM §11.11.2.1 (Figure 11-6). */
#define DEF_TYPE_TYPE 0xffull
#define DEF_TYPE_FE   (1ull << 10)
#define DEF_TYPE_E    (1ull << 11)

/* IA32_MTRR_PHYSMASKn.V, SDM §11.11.2.3 (Figure 11-7). */
#define PHYSMASK_V (1ull << 11)

/* IA32_MTRRCAP fields, SDM §11.11.1 (Figure 11-5). */
#define CAP_VCNT 0xffull
#define CAP_FIX	 (1ull << 8)

#define ONE_MIB 0x100000ull

/*
 * The fixed-range MSRs, SDM §11.11.2.2 and Table 11-9: each MSR holds eight
 * one-byte type fields; byte i (bits 8i+7:8i) types the i-th sub-range of the
 * MSR's span, byte 0 the lowest address. first_slot numbers the 88 sub-ranges
 * from address 0 upwards.
 */
static const struct {
	uint32_t index;
	uint64_t start;
	uint64_t granule;
	unsigned first_slot;
} fixed_msrs[ORACLE_NFIXED] = {
    {0x250, 0x00000, 0x10000, 0}, /* IA32_MTRR_FIX64K_00000 */
    {0x258, 0x80000, 0x4000, 8},  /* IA32_MTRR_FIX16K_80000 */
    {0x259, 0xa0000, 0x4000, 16}, /* IA32_MTRR_FIX16K_A0000 */
    {0x268, 0xc0000, 0x1000, 24}, /* IA32_MTRR_FIX4K_C0000 */
    {0x269, 0xc8000, 0x1000, 32}, /* IA32_MTRR_FIX4K_C8000 */
    {0x26a, 0xd0000, 0x1000, 40}, /* IA32_MTRR_FIX4K_D0000 */
    {0x26b, 0xd8000, 0x1000, 48}, /* IA32_MTRR_FIX4K_D8000 */
    {0x26c, 0xe0000, 0x1000, 56}, /* IA32_MTRR_FIX4K_E0000 */
    {0x26d, 0xe8000, 0x1000, 64}, /* IA32_MTRR_FIX4K_E8000 */
    {0x26e, 0xf0000, 0x1000, 72}, /* IA32_MTRR_FIX4K_F0000 */
    {0x26f, 0xf8000, 0x1000, 80}, /* IA32_MTRR_FIX4K_F8000 */
};

void oracle_init(struct oracle_state *s, unsigned phys_bits, uint64_t mtrrcap)
{
	/*
	 * SDM §11.11.5: reset clears DEF_TYPE.E and every PHYSMASKn.V and leaves
	 * the rest undefined; the model (memtype.h) chooses 0 for all of it.
	 */
	memset(s, 0, sizeof(*s));
	s->phys_bits = phys_bits;
	s->mtrrcap = mtrrcap;
}

unsigned oracle_vcnt(const struct oracle_state *s)
{
	unsigned n = (unsigned)(s->mtrrcap & CAP_VCNT);

	return n > ORACLE_MAX_PAIRS ? ORACLE_MAX_PAIRS : n;
}

uint32_t oracle_fixed_index(unsigned k)
{
	return fixed_msrs[k].index;
}

/* MTRR type encodings, SDM §11.11.2 Table 11-8: 0, 1, 4, 5, 6; 2, 3, 7-0xFF reserved. */
static bool mtrr_type_ok(uint64_t t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* Bits [phys_bits, 63]: reserved in PHYSBASE/PHYSMASK, SDM §11.11.2.3. */
static uint64_t above_maxphyaddr(unsigned phys_bits)
{
	uint64_t m = 0;

	for (unsigned b = phys_bits; b < 64; b++)
		m |= 1ull << b;
	return m;
}

/* Bits [12, phys_bits): the PhysBase / PhysMask fields, SDM §11.11.2.3. */
static uint64_t addr_field(unsigned phys_bits)
{
	uint64_t m = 0;

	for (unsigned b = 12; b < phys_bits; b++)
		m |= 1ull << b;
	return m;
}

static bool fixed_exists(const struct oracle_state *s)
{
	/* SDM §11.11.1: MTRRcap.FIX says whether the fixed-range MSRs exist. */
	return (s->mtrrcap & CAP_FIX) != 0;
}

/* The slot of index in fixed_msrs[], or -1. */
static int fixed_slot_of(uint32_t index)
{
	for (unsigned k = 0; k < ORACLE_NFIXED; k++)
		if (fixed_msrs[k].index == index)
			return (int)k;
	return -1;
}

bool oracle_msr_ambiguous(const struct oracle_state *s, uint32_t index)
{
	bool other = fixed_slot_of(index) >= 0 || index == MEMTYPE_MSR_PAT;

	return other && index >= 0x200 && index < 0x200 + 2 * oracle_vcnt(s);
}

enum msr_kind { MSR_NONE, MSR_CAP, MSR_DEF, MSR_FIXED, MSR_BASE, MSR_MASK };

/*
 * Which register of this CPU index names. WRMSR/RDMSR of an index the CPU
 * does not implement raise #GP (SDM Vol. 2B, WRMSR/RDMSR "Protected Mode
 * Exceptions"): pairs n >= VCNT (SDM §11.11.1: VCNT is the number of pairs)
 * and the fixed MSRs when MTRRcap.FIX = 0.
 */
static enum msr_kind msr_kind(const struct oracle_state *s, uint32_t index, unsigned *n)
{
	int k;

	if (index == MEMTYPE_MSR_MTRRCAP)
		return MSR_CAP;
	if (index == MEMTYPE_MSR_MTRR_DEF_TYPE)
		return MSR_DEF;
	for (unsigned p = 0; p < oracle_vcnt(s); p++) {
		if (index == 0x200 + 2 * p) {
			*n = p;
			return MSR_BASE;
		}
		if (index == 0x201 + 2 * p) {
			*n = p;
			return MSR_MASK;
		}
	}
	k = fixed_slot_of(index);
	if (k >= 0 && fixed_exists(s)) {
		*n = (unsigned)k;
		return MSR_FIXED;
	}
	return MSR_NONE;
}

bool oracle_wrmsr_ok(const struct oracle_state *s, uint32_t index, uint64_t value)
{
	unsigned n = 0;

	switch (msr_kind(s, index, &n)) {
	case MSR_NONE:
		return false;
	case MSR_CAP:
		/* SDM §11.11.1: IA32_MTRRCAP is read-only; WRMSR to it is #GP. */
		return false;
	case MSR_DEF:
		/*
		 * SDM §11.11.2.1: Type (7:0) must be an MTRR type (Table 11-8);
		 * bits 9:8 and 63:12 are reserved and writing 1s there is #GP.
		 * FE (10) and E (11) are free.
		 */
		if (!mtrr_type_ok(value & DEF_TYPE_TYPE))
			return false;
		if (value & (1ull << 8) || value & (1ull << 9))
			return false;
		for (unsigned b = 12; b < 64; b++)
			if (value & (1ull << b))
				return false;
		return true;
	case MSR_FIXED:
		/* SDM §11.11.2.2: eight type fields, each must be a Table 11-8 type. */
		for (unsigned i = 0; i < 8; i++)
			if (!mtrr_type_ok((value >> (8 * i)) & 0xff))
				return false;
		return true;
	case MSR_BASE:
		/*
		 * SDM §11.11.2.3, Figure 11-7: Type (7:0) a Table 11-8 type,
		 * 11:8 reserved, MAXPHYADDR-1:12 PhysBase, 63:MAXPHYADDR reserved.
		 */
		if (!mtrr_type_ok(value & 0xff))
			return false;
		for (unsigned b = 8; b < 12; b++)
			if (value & (1ull << b))
				return false;
		return (value & above_maxphyaddr(s->phys_bits)) == 0;
	case MSR_MASK:
		/*
		 * SDM §11.11.2.3, Figure 11-7: 10:0 reserved, 11 V,
		 * MAXPHYADDR-1:12 PhysMask, 63:MAXPHYADDR reserved.
		 */
		for (unsigned b = 0; b < 11; b++)
			if (value & (1ull << b))
				return false;
		return (value & above_maxphyaddr(s->phys_bits)) == 0;
	}
	return false;
}

bool oracle_wrmsr(struct oracle_state *s, uint32_t index, uint64_t value)
{
	unsigned n = 0;

	if (!oracle_wrmsr_ok(s, index, value))
		return false;
	switch (msr_kind(s, index, &n)) {
	case MSR_DEF:
		s->def_type = value;
		break;
	case MSR_FIXED:
		s->fixed[n] = value;
		break;
	case MSR_BASE:
		s->base[n] = value;
		break;
	case MSR_MASK:
		s->mask[n] = value;
		break;
	case MSR_NONE:
	case MSR_CAP:
		return false;
	}
	return true;
}

bool oracle_rdmsr(const struct oracle_state *s, uint32_t index, uint64_t *value)
{
	unsigned n = 0;

	switch (msr_kind(s, index, &n)) {
	case MSR_NONE:
		return false;
	case MSR_CAP:
		*value = s->mtrrcap;
		break;
	case MSR_DEF:
		*value = s->def_type;
		break;
	case MSR_FIXED:
		*value = s->fixed[n];
		break;
	case MSR_BASE:
		*value = s->base[n];
		break;
	case MSR_MASK:
		*value = s->mask[n];
		break;
	}
	return true;
}

/* Bit t set for every memory type t (0..6) seen among the matching pairs. */
static bool seen(unsigned set, memtype_type t)
{
	return (set >> (unsigned)t) & 1u;
}

void oracle_eval(const struct oracle_state *s, uint64_t addr, struct oracle_result *out)
{
	uint64_t field = addr_field(s->phys_bits);
	unsigned types = 0, distinct = 0;

	memset(out, 0, sizeof(*out));

	/* SDM §11.11.2.1 and §11.11.4.1: with E clear every address is UC. */
	if (!(s->def_type & DEF_TYPE_E)) {
		out->type = MEMTYPE_UC;
		out->source = MEMTYPE_MTRR_SRC_DISABLED;
		return;
	}

	/*
	 * SDM §11.11.2.1 (FE) and §11.11.4.1: with E and FE set, the fixed
	 * ranges decide everything below 1 MiB and the variable ranges are
	 * not consulted there. They exist only with MTRRcap.FIX (§11.11.1).
	 */
	if ((s->def_type & DEF_TYPE_FE) && fixed_exists(s) && addr < ONE_MIB) {
		for (unsigned k = 0; k < ORACLE_NFIXED; k++) {
			for (unsigned i = 0; i < 8; i++) {
				uint64_t lo = fixed_msrs[k].start + i * fixed_msrs[k].granule;
				uint64_t hi = lo + fixed_msrs[k].granule - 1;

				if (addr < lo || addr > hi)
					continue;
				out->type = (memtype_type)((s->fixed[k] >> (8 * i)) & 0xff);
				out->source = MEMTYPE_MTRR_SRC_FIXED;
				out->fixed_msr = fixed_msrs[k].index;
				out->fixed_slot = fixed_msrs[k].first_slot + i;
				return;
			}
		}
		/* The 88 sub-ranges tile [0, 1 MiB); this is unreachable. */
	}

	/*
	 * SDM §11.11.2.3: pair n matches when PHYSMASKn.V is set and
	 * (addr & PhysMask) == (PhysBase & PhysMask), the fields taken over
	 * bits MAXPHYADDR-1:12 (the low 12 bits are not compared).
	 */
	for (unsigned n = 0; n < oracle_vcnt(s); n++) {
		uint64_t pmask, pbase;
		memtype_type t;

		if (!(s->mask[n] & PHYSMASK_V))
			continue;
		pmask = s->mask[n] & field;
		pbase = s->base[n] & field;
		if ((addr & pmask) != (pbase & pmask))
			continue;
		t = (memtype_type)(s->base[n] & 0xff);
		out->matched |= 1ull << n;
		if (!seen(types, t))
			distinct++;
		types |= 1u << (unsigned)t;
	}

	/* SDM §11.11.4.1 "MTRR Precedences", after the fixed-range step: */
	if (out->matched == 0) {
		/* no variable range matches: the default type (DEF_TYPE.Type) */
		out->type = (memtype_type)(s->def_type & DEF_TYPE_TYPE);
		out->source = MEMTYPE_MTRR_SRC_DEFAULT;
		return;
	}
	out->source = MEMTYPE_MTRR_SRC_VARIABLE;
	if (distinct == 1) {
		/* one range, or several of the same type: that type */
		for (unsigned t = 0; t < 8; t++)
			if (seen(types, (memtype_type)t))
				out->type = (memtype_type)t;
	} else if (seen(types, MEMTYPE_UC)) {
		/* two or more overlapping, one of them UC: UC */
		out->type = MEMTYPE_UC;
	} else if (distinct == 2 && seen(types, MEMTYPE_WT) && seen(types, MEMTYPE_WB)) {
		/* only WT and WB overlap: WT */
		out->type = MEMTYPE_WT;
	} else {
		/* "the behavior of the processor is undefined" */
		out->type = MEMTYPE_UNDEFINED;
	}
}

memtype_type oracle_mtrr_type(const struct oracle_state *s, uint64_t addr, uint64_t *matched_mask)
{
	struct oracle_result r;

	oracle_eval(s, addr, &r);
	if (matched_mask)
		*matched_mask = r.source == MEMTYPE_MTRR_SRC_VARIABLE ? r.matched : 0;
	return r.type;
}
