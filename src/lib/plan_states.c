/*
 * plan_states.c - the planner's alphabet: the five MTRR types in its order,
 * the SDM's precedence between two overlapping pairs, and the state the
 * pairs above a node leave. Separate because the exact program, the loss
 * program and the tests all build on these rules, and the self-check
 * (plan_exact.c) proves the hard-coded transitions against them.
 */
#include "plan_internal.h"

const memtype_type mt_plan_type_of[NTYPES] = {MEMTYPE_UC, MEMTYPE_WC, MEMTYPE_WT, MEMTYPE_WP,
					      MEMTYPE_WB};

int mt_plan_type_index(memtype_type t)
{
	for (int i = 0; i < (int)NTYPES; i++)
		if (mt_plan_type_of[i] == t)
			return i;
	return -1;
}

unsigned mt_plan_overlap(unsigned a, unsigned b)
{
	/* SDM Vol. 3A §11.11.4.1 "MTRR Precedences": identical types give that
	 * type; UC with anything gives UC; WT with WB gives WT; any other
	 * overlap is undefined. */
	if (a == b)
		return a;
	if (a == T_UC || b == T_UC)
		return T_UC;
	if ((a == T_WT && b == T_WB) || (a == T_WB && b == T_WT))
		return T_WT;
	return T_UNDEF;
}

/* The state after one more pair of type t over state s, or -1 when that
 * pair changes nothing or makes the type undefined. */
int mt_plan_next_state(unsigned s, unsigned t)
{
	if (s == 0)
		return (int)t + 1;
	unsigned c = mt_plan_overlap(s - 1, t);
	if (c == T_UNDEF || c + 1 == s)
		return -1;
	return (int)c + 1;
}
