/*
 * plan_fixed.c - the fixed-range MTRRs: which of the 88 sub-ranges below
 * 1 MiB (SDM Table 11-9) can hold the target, and with which type. Separate
 * because the fixed ranges decide that MiB apart from the variable program
 * (SDM §11.11.4.1 step 1): they only tell the entry point whether FE = 1
 * can be used and what the fixed MSRs hold.
 */
#include "plan_internal.h"

#include <string.h>

/* ---------------------------------------------------------------------------
 * Fixed ranges.
 */

/* Fixed sub-range k (0..87) of SDM Table 11-9: its first address and size. */
void mt_plan_slot_bounds(unsigned k, uint64_t *start, uint64_t *size, unsigned *msr, unsigned *byte)
{
	unsigned i = k < 8 ? 0 : k < 24 ? 1 + (k - 8) / 8 : 3 + (k - 24) / 8;
	unsigned b = k < 8 ? k : k < 24 ? (k - 8) % 8 : (k - 24) % 8;
	*start = mt_fixed_msrs[i].start + (uint64_t)b * mt_fixed_msrs[i].granule;
	*size = mt_fixed_msrs[i].granule;
	*msr = i;
	*byte = b;
}

/* Which classes each fixed sub-range of the target holds. */
void mt_plan_scan_slots(struct planner *pl)
{
	memset(pl->slot_mask, 0, sizeof(pl->slot_mask));
	size_t np = memtype_map_count(pl->target);
	unsigned k = 0;
	for (size_t i = 0; i < np && k < MEMTYPE_FIXED_RANGES; i++) {
		memtype_range r;
		memtype_map_get(pl->target, i, &r);
		unsigned cls = mt_plan_class_of(pl, r.value);
		while (k < MEMTYPE_FIXED_RANGES) {
			uint64_t st, sz;
			unsigned msr, byte;
			mt_plan_slot_bounds(k, &st, &sz, &msr, &byte);
			if (st > r.end)
				break;
			if (cls != C_FREE)
				pl->slot_mask[k] |= 1u << cls;
			if (st + sz - 1 > r.end)
				break; /* the slot continues in the next piece */
			k++;
		}
	}
}

/* The type fixed sub-range k needs with default d, or -1 when it holds two. */
int mt_plan_slot_type(const struct planner *pl, unsigned k, unsigned d)
{
	unsigned m = pl->slot_mask[k];
	unsigned types = (m & ((1u << NTYPES) - 1)) | (((m >> C_DEF) & 1u) << d);
	if (types == 0)
		return (int)d; /* all free: the default type */
	if (types & (types - 1))
		return -1;
	return __builtin_ctz(types);
}

bool mt_plan_fixed_ok(const struct planner *pl, unsigned d)
{
	for (unsigned k = 0; k < MEMTYPE_FIXED_RANGES; k++)
		if (mt_plan_slot_type(pl, k, d) < 0)
			return false;
	return true;
}
