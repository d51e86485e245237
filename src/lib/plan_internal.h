/*
 * plan_internal.h - what the planner's files share: the type, class and
 * state encodings, the planner's working state (struct planner, the trie
 * nodes), the plan object's layout, and the functions one file of the
 * planner calls in another. Only the plan*.c files include it; what tests
 * and benchmarks may reach is in plan.h, what users may reach in memtype.h.
 */
#ifndef MEMTYPE_PLAN_INTERNAL_H
#define MEMTYPE_PLAN_INTERNAL_H

#include "plan.h"

#include "mtrr.h"

/* Type indexes: the planner's order of the five MTRR types. */
enum { T_UC, T_WC, T_WT, T_WP, T_WB, NTYPES };
#define T_UNDEF 5u

/* Target classes of a page: a type index, or one of these. */
#define C_DEF	 5u /* unlisted in exact mode: whatever the default type is */
#define C_FREE	 6u /* unlisted in dont-care mode (or below 1 MiB with FE): any type */
#define NCLASSES 7u

/* States: 0 = no pair above, 1 + type index = what the pairs above give. */
#define NSTATES 6u
/* One lane per default type: 5 used, in two vectors of 4 (GCC/clang vector
 * extensions; with SSE2 each operation is one instruction). Costs stay below
 * 2^31 so that signed compares order them. */
#define LANES  8u
#define HALVES 2u
typedef int32_t v4 __attribute__((vector_size(16)));
#define INF	   0x3fffffff
#define LOST_INF   UINT64_MAX
#define PAGE_SHIFT 12u
#define MAX_BUDGET (MEMTYPE_MAX_VCNT + 1u)
#define MAX_MSRS   (2u + MT_FIXED_MSRS + 3u * MEMTYPE_MAX_VCNT)

/* The planner's type indexes as MTRR types (plan_states.c). */
extern const memtype_type mt_plan_type_of[NTYPES];

struct node {
	uint64_t lo;	  /* first page */
	int32_t child[2]; /* node index, or -1 - class of a uniform child */
	unsigned level;	  /* the node spans 2^level pages */
	v4 cost[NSTATES][HALVES];
};

struct planner {
	memtype_ctx *ctx;
	const memtype_plan_opts *o;
	const memtype_map *target;
	unsigned levels; /* the root spans 2^levels pages */
	/* The target as maximal runs of pages of one class. */
	size_t nseg, segcap, clscap;
	uint64_t *sstart;
	uint8_t *scls;
	size_t *fc, *chg; /* first cared segment at or after i; next change after it */
	size_t fcn;	  /* segments fc and chg were sized for */
	/* The straddling nodes of the trie, in pre-order. */
	size_t nnodes, nodecap;
	struct node *nodes;
	int32_t root;
	int err;
	/* Fixed ranges: classes present in each of the 88 sub-ranges (bit = class). */
	unsigned slot_mask[MEMTYPE_FIXED_RANGES];
	/* Best effort. */
	unsigned budget;
	uint64_t *lost; /* per node: NSTATES rows of budget + 1 */
	size_t lostn;
	uint64_t *freepfx; /* free pages in the segments before i (nseg + 1) */
	size_t freepfxn;
};

struct plan_msr {
	uint32_t index;
	uint64_t value;
};

struct memtype_plan {
	memtype_ctx *ctx;
	memtype_plan_summary sum;
	uint32_t counts[NTYPES];
	unsigned vcnt_hw; /* pairs of the CPU the layout is written to */
	uint64_t fixed[MT_FIXED_MSRS];
	size_t nvar, varcap;
	memtype_plan_var *var;
	size_t nmsr;
	struct plan_msr msr[MAX_MSRS];
	size_t nlost, lostcap;
	memtype_range *lost;
};

/* The transitions combine() applies, as (from, to) state pairs
 * (plan_exact.c). The count here must match the definition's initializer:
 * the compiler checks it. */
extern const uint8_t mt_plan_hot_trans[10][2];
#define NTRANS (sizeof(mt_plan_hot_trans) / sizeof(mt_plan_hot_trans[0]))

/* The type an address gets in state s with default type d. */
static inline unsigned mt_plan_eff_type(unsigned s, unsigned d)
{
	return s ? s - 1 : d;
}

/* plan_states.c: the state after one more pair of type t over state s, or
 * -1 when that pair changes nothing or makes the type undefined. */
int mt_plan_next_state(unsigned s, unsigned t);

/* plan_segments.c: the target as runs of pages. */
/* The class of a target value: a type index, C_DEF, C_FREE, or NCLASSES
 * when the value is not an MTRR type. */
unsigned mt_plan_class_of(const struct planner *pl, uint32_t value);
/* Cut the target into runs of pages of one class (the first MiB free when
 * relaxed): 0, -ENOMEM, or -EINVAL for an unaligned boundary. */
int mt_plan_build_segments(struct planner *pl, bool relaxed);
/* The segment holding page p, searched in [i, j] (sstart[i] <= p). */
size_t mt_plan_find_seg(const struct planner *pl, size_t i, size_t j, uint64_t p);

/* plan_fixed.c: the 88 fixed sub-ranges below 1 MiB. */
/* Fixed sub-range k (0..87) of SDM Table 11-9: its first address, size,
 * fixed-range MSR (index into mt_fixed_msrs) and byte within it. */
void mt_plan_slot_bounds(unsigned k, uint64_t *start, uint64_t *size, unsigned *msr,
			 unsigned *byte);
/* Record which classes each fixed sub-range of the target holds. */
void mt_plan_scan_slots(struct planner *pl);
/* The type fixed sub-range k needs with default d, or -1 when it holds two. */
int mt_plan_slot_type(const struct planner *pl, unsigned k, unsigned d);
/* Every fixed sub-range can hold its part of the target with default d. */
bool mt_plan_fixed_ok(const struct planner *pl, unsigned d);

/* plan_exact.c: the exact program, fewest pairs. */
/* Build the tree for the current segments; counts[d] = fewest pairs with
 * default type d (INF when impossible). */
int mt_plan_run_dp(struct planner *pl, uint32_t counts[NTYPES]);
/* Place the pairs the costs say for default d, from node ref in state s. */
int mt_plan_rebuild_exact(struct planner *pl, memtype_plan *p, int32_t ref, uint64_t lo,
			  unsigned level, unsigned s, unsigned d);

/* plan_best_effort.c: the fewest WB bytes lost within pl->budget pairs. */
/* Fill the loss table of the current tree for default d; root_row gets the
 * root's row in state 0 (budget + 1 values). */
int mt_plan_run_lost(struct planner *pl, unsigned d, uint64_t *root_row);
/* Place the pairs the loss table says for k pairs, default d, from node ref
 * in state s. */
int mt_plan_rebuild_lost(struct planner *pl, memtype_plan *p, int32_t ref, uint64_t lo,
			 unsigned level, unsigned s, unsigned k, unsigned d);

/* plan_registers.c: the plan object. */
/* Append a pair of type index t over the 2^level pages at page lo. */
int mt_plan_emit(struct planner *pl, memtype_plan *p, uint64_t lo, unsigned level, unsigned t);
/* Write the WRMSR sequence of the layout with default type index d. */
void mt_plan_build_msrs(memtype_plan *p, unsigned d);

/* plan_verify.c: replay the WRMSRs and compare with the target; *lost gets
 * the WB bytes lost (lossy only). 0, -ENOMEM or -EPROTO. */
int mt_plan_verify(struct planner *pl, memtype_plan *p, unsigned d, bool lossy, uint64_t *lost);

#endif /* MEMTYPE_PLAN_INTERNAL_H */
