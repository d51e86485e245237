/*
 * plan.h - what the planner (plan.c and its plan_*.c parts) shows
 * white-box tests and benchmarks beyond memtype.h: a way to time the search
 * without the verification, and a way to prove that the verification
 * catches a wrong layout.
 */
#ifndef MEMTYPE_PLAN_H
#define MEMTYPE_PLAN_H

#include "internal.h"

/* Skip the architecture-core verification (benchmarks of the search alone). */
#define MT_PLAN_NO_VERIFY 0x1u
/* Flip the type of the first variable pair (or the default type when there is
 * none) before verifying, so that the verification must fail with -EPROTO. */
#define MT_PLAN_CORRUPT 0x2u

/* memtype_plan_compute() with the flags above. */
int mt_plan_compute_flags(memtype_ctx *ctx, const memtype_map *target,
			  const memtype_plan_opts *opts, unsigned flags, memtype_plan **out);

/* Index of an MTRR type in the planner's order UC WC WT WP WB (0..4), or -1. */
int mt_plan_type_index(memtype_type t);
/*
 * The type two overlapping variable ranges give (SDM §11.11.4.1), on type
 * indexes: 0..4, or 5 for an overlap the SDM leaves undefined.
 */
unsigned mt_plan_overlap(unsigned a, unsigned b);

/*
 * 0 when the transitions the planner's inner loop hard-codes are exactly
 * those the SDM precedence (mt_plan_overlap) allows, else -1.
 */
int mt_plan_self_check(void);

/* Grow an array *p of *cap elements of size elem to hold want (doubling). */
static inline int mt_plan_grow(memtype_ctx *ctx, void **p, size_t *cap, size_t elem, size_t want)
{
	if (want <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < want)
		n *= 2;
	void *q = mt_realloc(ctx, *p, *cap * elem, n * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

/* The last address of a space of phys_bits bits. */
static inline uint64_t mt_plan_top(unsigned phys_bits)
{
	return mt_bits(phys_bits - 1, 0);
}

#endif /* MEMTYPE_PLAN_H */
