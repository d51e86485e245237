/*
 * mtrr.c - MTRR register state, the #GP rules of WRMSR, and the type of one
 * physical address.
 *
 * The model keeps raw register values, exactly what RDMSR would return, and
 * decides everything from them: a write is accepted or refused with the #GP
 * the hardware would raise (never silently fixed up), and the per-address
 * lookup applies the SDM's precedence literally, including non-contiguous
 * masks and the overlaps the SDM leaves undefined. mtrr_map.c turns the same
 * state into a whole-space map; tests/oracle checks both.
 */
#include "mtrr.h"

#include <stdio.h>
#include <string.h>

const struct mt_fixed_msr mt_fixed_msrs[MT_FIXED_MSRS] = {
	{ 0x250, 0x00000, 0x10000 }, /* IA32_MTRR_FIX64K_00000: 8 x 64 KiB */
	{ 0x258, 0x80000, 0x4000 },  /* IA32_MTRR_FIX16K_80000: 8 x 16 KiB */
	{ 0x259, 0xa0000, 0x4000 },  /* IA32_MTRR_FIX16K_A0000 */
	{ 0x268, 0xc0000, 0x1000 },  /* IA32_MTRR_FIX4K_C0000: 8 x 4 KiB */
	{ 0x269, 0xc8000, 0x1000 },
	{ 0x26a, 0xd0000, 0x1000 },
	{ 0x26b, 0xd8000, 0x1000 },
	{ 0x26c, 0xe0000, 0x1000 },
	{ 0x26d, 0xe8000, 0x1000 },
	{ 0x26e, 0xf0000, 0x1000 },
	{ 0x26f, 0xf8000, 0x1000 },
};

memtype_mtrr *memtype_mtrr_new(memtype_ctx *ctx, unsigned phys_bits, uint64_t mtrrcap)
{
	/* MAXPHYADDR is CPUID.80000008H:EAX[7:0], at most 52 (SDM Vol. 3A
	 * §4.1.4); 32 is the least any MTRR-capable CPU reports. */
	if (phys_bits < 32 || phys_bits > 52) {
		mt_error(ctx, -EINVAL, "bad-phys-bits",
			 "phys_bits %u is outside 32..52 (MAXPHYADDR)", phys_bits);
		return NULL;
	}
	/* MTRRcap bits 63:16 are reserved (SDM §11.11.1; bits 11-15 are SMRR,
	 * PRMRR, SMRR2, SMRR_LOCK, SEAMRR on newer parts). */
	if (mtrrcap & mt_bits(63, 16)) {
		mt_error(ctx, -EINVAL, "bad-mtrrcap",
			 "MTRRcap 0x%llx sets reserved bits 63:16", (unsigned long long)mtrrcap);
		return NULL;
	}
	if ((mtrrcap & MEMTYPE_MTRRCAP_VCNT_MASK) > MEMTYPE_MAX_VCNT) {
		mt_error(ctx, -ENOTSUP, "vcnt-too-large",
			 "MTRRcap.VCNT %llu exceeds the %u variable pairs that fit below 0x250",
			 (unsigned long long)(mtrrcap & MEMTYPE_MTRRCAP_VCNT_MASK), MEMTYPE_MAX_VCNT);
		return NULL;
	}
	memtype_mtrr *m = mt_alloc(ctx, sizeof(*m));
	if (!m)
		return NULL;
	/* Reset: E=0 and every V=0 (SDM §11.11.5); the rest is undefined
	 * there and modelled as 0. */
	memset(m, 0, sizeof(*m));
	m->ctx = ctx;
	m->phys_bits = phys_bits;
	m->cap = mtrrcap;
	return m;
}

void memtype_mtrr_free(memtype_mtrr *m)
{
	if (m)
		mt_free(m->ctx, m, sizeof(*m));
}

memtype_mtrr *memtype_mtrr_clone(const memtype_mtrr *m)
{
	memtype_mtrr *c = mt_alloc(m->ctx, sizeof(*c));
	if (c)
		*c = *m;
	return c;
}

unsigned memtype_mtrr_phys_bits(const memtype_mtrr *m)
{
	return m->phys_bits;
}

unsigned memtype_mtrr_vcnt(const memtype_mtrr *m)
{
	return mt_vcnt(m);
}

static int fixed_slot_of(uint32_t index)
{
	/* mt_fixed_msrs[] is in index order: most indices asked about
	 * (variable pairs, DEF_TYPE) fall outside it at once. */
	if (index < mt_fixed_msrs[0].index || index > mt_fixed_msrs[MT_FIXED_MSRS - 1].index)
		return -1;
	for (unsigned i = 0; i < MT_FIXED_MSRS; i++)
		if (mt_fixed_msrs[i].index == index)
			return (int)i;
	return -1;
}

/*
 * The block 0x200-0x2FF holds the variable pairs, the fixed-range MSRs and
 * DEF_TYPE (SDM Vol. 4 Table 2-2). An index there that this CPU lacks is
 * a #GP; IA32_PAT (0x277) sits in the block but is not an MTRR, and, like
 * anything outside the block, is not this object's business (-ENOENT).
 */
static bool in_mtrr_block(uint32_t index)
{
	return index >= 0x200 && index <= 0x2ff && index != MEMTYPE_MSR_PAT;
}

static int gp(const memtype_mtrr *m, uint32_t index, uint64_t value, const char *why)
{
	const char *name = memtype_msr_name(index);
	return mt_error(m->ctx, -EINVAL, "gp", "WRMSR 0x%x (%s) <- 0x%llx raises #GP: %s", index,
			name ? name : "unknown MSR", (unsigned long long)value, why);
}

/*
 * Where a register holds an MSR index, or NULL when this CPU has no such
 * MTRR MSR (a pair >= VCNT, fixed MSRs without MTRRcap.FIX).
 */
static uint64_t *reg_slot(memtype_mtrr *m, uint32_t index)
{
	if (index == MEMTYPE_MSR_MTRR_DEF_TYPE)
		return &m->def_type;
	int f = fixed_slot_of(index);
	if (f >= 0)
		return (m->cap & MEMTYPE_MTRRCAP_FIX) ? &m->fixed[f] : NULL;
	if (index >= MEMTYPE_MSR_MTRR_PHYSBASE0 &&
	    index < MEMTYPE_MSR_MTRR_PHYSBASE0 + 2 * mt_vcnt(m)) {
		unsigned n = (index - MEMTYPE_MSR_MTRR_PHYSBASE0) / 2;
		return (index & 1) ? &m->mask[n] : &m->base[n];
	}
	return NULL;
}

int memtype_mtrr_wrmsr(memtype_mtrr *m, uint32_t index, uint64_t value)
{
	char why[160];
	/* Bits at and above MAXPHYADDR are reserved in PhysBase/PhysMask
	 * (SDM §11.11.2.3). */
	uint64_t above_phys = m->phys_bits >= 64 ? 0 : mt_bits(63, m->phys_bits);

	if (index == MEMTYPE_MSR_MTRRCAP)
		return gp(m, index, value, "MTRRcap is read-only (SDM §11.11.1)");
	if (!in_mtrr_block(index))
		return mt_error(m->ctx, -ENOENT, "not-mtrr", "MSR 0x%x is not an MTRR MSR", index);
	uint64_t *slot = reg_slot(m, index);
	if (!slot) {
		if (!memtype_msr_is_mtrr(index))
			return gp(m, index, value, "no such MSR in the MTRR block (SDM Vol. 4 Table 2-2)");
		if (fixed_slot_of(index) >= 0)
			return gp(m, index, value,
				  "fixed-range MSRs are absent: MTRRcap.FIX (bit 8) is 0 (SDM §11.11.1)");
		snprintf(why, sizeof(why),
			 "variable pair %u does not exist: MTRRcap.VCNT is %u (SDM §11.11.1)",
			 (index - MEMTYPE_MSR_MTRR_PHYSBASE0) / 2, mt_vcnt(m));
		return gp(m, index, value, why);
	}

	if (index == MEMTYPE_MSR_MTRR_DEF_TYPE) {
		/* SDM §11.11.2.1: type 7:0 must be a valid MTRR type; bits 9:8 and
		 * 63:12 are reserved. */
		if (value & (mt_bits(9, 8) | mt_bits(63, 12)))
			return gp(m, index, value,
				  "reserved bits 9:8 or 63:12 set (SDM §11.11.2.1)");
		if (!memtype_encoding_valid(MEMTYPE_FIELD_MTRR, value & MT_DEF_TYPE_MASK)) {
			snprintf(why, sizeof(why),
				 "default type 0x%llx is not UC, WC, WT, WP or WB (SDM §11.11.2.1)",
				 (unsigned long long)(value & MT_DEF_TYPE_MASK));
			return gp(m, index, value, why);
		}
	} else if (slot >= m->fixed && slot < m->fixed + MT_FIXED_MSRS) {
		/* SDM §11.11.2.2 / Table 11-8: every byte is a type field. A byte
		 * equal to the one before it has been checked already. */
		for (unsigned i = 0; i < 8; i++) {
			if (i > 0 && mt_byte(value, i) == mt_byte(value, i - 1))
				continue;
			if (!memtype_encoding_valid(MEMTYPE_FIELD_MTRR, mt_byte(value, i))) {
				snprintf(why, sizeof(why),
					 "byte %u (0x%02x) is not UC, WC, WT, WP or WB (SDM Table 11-8)",
					 i, mt_byte(value, i));
				return gp(m, index, value, why);
			}
		}
	} else if ((index & 1) == 0) {
		/* PHYSBASEn: type 7:0, reserved 11:8, base [MAXPHYADDR-1:12],
		 * reserved above (SDM §11.11.2.3, Figure 11-7). */
		if (value & mt_bits(11, 8))
			return gp(m, index, value, "reserved bits 11:8 set (SDM §11.11.2.3)");
		if (value & above_phys) {
			snprintf(why, sizeof(why),
				 "bits at or above MAXPHYADDR (%u) set (SDM §11.11.2.3)", m->phys_bits);
			return gp(m, index, value, why);
		}
		if (!memtype_encoding_valid(MEMTYPE_FIELD_MTRR, value & 0xff)) {
			snprintf(why, sizeof(why),
				 "type 0x%02llx is not UC, WC, WT, WP or WB (SDM §11.11.2.3)",
				 (unsigned long long)(value & 0xff));
			return gp(m, index, value, why);
		}
	} else {
		/* PHYSMASKn: reserved 10:0, V = bit 11, mask [MAXPHYADDR-1:12],
		 * reserved above. */
		if (value & mt_bits(10, 0))
			return gp(m, index, value, "reserved bits 10:0 set (SDM §11.11.2.3)");
		if (value & above_phys) {
			snprintf(why, sizeof(why),
				 "bits at or above MAXPHYADDR (%u) set (SDM §11.11.2.3)", m->phys_bits);
			return gp(m, index, value, why);
		}
	}
	*slot = value;
	return 0;
}

int memtype_mtrr_rdmsr(const memtype_mtrr *m, uint32_t index, uint64_t *value)
{
	if (index == MEMTYPE_MSR_MTRRCAP) {
		*value = m->cap;
		return 0;
	}
	if (!in_mtrr_block(index))
		return mt_error(m->ctx, -ENOENT, "not-mtrr", "MSR 0x%x is not an MTRR MSR", index);
	uint64_t *slot = reg_slot((memtype_mtrr *)m, index);
	if (!slot)
		return mt_error(m->ctx, -EINVAL, "gp",
				"RDMSR 0x%x (%s) raises #GP: this CPU has no such MTRR", index,
				memtype_msr_name(index));
	*value = *slot;
	return 0;
}

memtype_type mt_var_overlap_type(const memtype_mtrr *m, uint64_t set)
{
	/* SDM Vol. 3A §11.11.4.1 "MTRR Precedences". */
	unsigned seen = 0; /* bit t = type t matched */
	for (unsigned n = 0; set; n++, set >>= 1)
		if (set & 1)
			seen |= 1u << (m->base[n] & 0xff);
	if ((seen & (seen - 1)) == 0) /* exactly one type */
		return (memtype_type)__builtin_ctz(seen);
	if (seen & (1u << MEMTYPE_UC))
		return MEMTYPE_UC;
	if (seen == ((1u << MEMTYPE_WT) | (1u << MEMTYPE_WB)))
		return MEMTYPE_WT;
	return MEMTYPE_UNDEFINED;
}

int memtype_mtrr_lookup(const memtype_mtrr *m, uint64_t addr, memtype_mtrr_hit *out)
{
	if (m->phys_bits < 64 && (addr >> m->phys_bits) != 0)
		return mt_error(m->ctx, -ERANGE, "out-of-range",
				"address 0x%llx is beyond MAXPHYADDR (%u bits)",
				(unsigned long long)addr, m->phys_bits);
	memset(out, 0, sizeof(*out));
	/* E = 0: the MTRRs are off and every address is UC (SDM §11.11.2.1). */
	if (!(m->def_type & MT_DEF_E)) {
		out->type = MEMTYPE_UC;
		out->source = MEMTYPE_MTRR_SRC_DISABLED;
		return 0;
	}
	/* Below 1 MiB with FE set the fixed ranges decide, and variable
	 * ranges are not consulted there (SDM §11.11.2.1, §11.11.4.1). */
	if (addr < MT_ONE_MIB && mt_fixed_active(m)) {
		for (unsigned i = MT_FIXED_MSRS; i-- > 0;) {
			const struct mt_fixed_msr *f = &mt_fixed_msrs[i];
			if (addr >= f->start) {
				unsigned byte = (unsigned)((addr - f->start) / f->granule);
				out->type = (memtype_type)mt_byte(m->fixed[i], byte);
				out->source = MEMTYPE_MTRR_SRC_FIXED;
				out->fixed_msr = f->index;
				out->fixed_slot = (i == 0 ? 0 : i <= 2 ? 8 + (i - 1) * 8 : 24 + (i - 3) * 8) + byte;
				return 0;
			}
		}
	}
	/* Variable pairs: (addr & PhysMask) == (PhysBase & PhysMask) over
	 * bits [12, MAXPHYADDR) (SDM §11.11.2.3), for every pair with V. */
	uint64_t bits = mt_addr_bits(m), set = 0;
	for (unsigned n = 0; n < mt_vcnt(m); n++) {
		if (!(m->mask[n] & MT_MASK_V))
			continue;
		uint64_t mk = m->mask[n] & bits;
		if ((addr & mk) == (m->base[n] & mk))
			set |= 1ull << n;
	}
	if (set) {
		out->type = mt_var_overlap_type(m, set);
		out->source = MEMTYPE_MTRR_SRC_VARIABLE;
		out->var_matched = set;
		return 0;
	}
	out->type = (memtype_type)(m->def_type & MT_DEF_TYPE_MASK);
	out->source = MEMTYPE_MTRR_SRC_DEFAULT;
	return 0;
}
