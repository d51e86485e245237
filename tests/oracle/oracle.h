/*
 * oracle.h - a naive, independent model of x86 MTRRs for differential tests.
 *
 * The oracle keeps the raw MSR values of one CPU's MTRRs in a plain struct and
 * evaluates them the slow, obvious way, straight from the Intel SDM Vol. 3A
 * §11.11 text: one address at a time, walking every register. It shares no
 * code with libmemtype (only the memtype_type values and the MSR index macros
 * of memtype.h), so that test_differential.c can compare the two on random
 * states. Speed is not a goal; being easy to check against the manual is.
 */
#ifndef MEMTYPE_ORACLE_H
#define MEMTYPE_ORACLE_H

#include <stdbool.h>
#include <stdint.h>

#include "memtype.h"

#define ORACLE_MAX_PAIRS 64u
#define ORACLE_NFIXED	 11u

/* The raw register file. Zero-initialised it is the model's reset state. */
struct oracle_state {
	unsigned phys_bits;		 /* MAXPHYADDR */
	uint64_t mtrrcap;		 /* IA32_MTRRCAP (0xFE), read-only */
	uint64_t def_type;		 /* IA32_MTRR_DEF_TYPE (0x2FF) */
	uint64_t fixed[ORACLE_NFIXED];	 /* 0x250, 0x258, 0x259, 0x268..0x26F in this order */
	uint64_t base[ORACLE_MAX_PAIRS]; /* IA32_MTRR_PHYSBASEn (0x200 + 2n) */
	uint64_t mask[ORACLE_MAX_PAIRS]; /* IA32_MTRR_PHYSMASKn (0x201 + 2n) */
};

/* What decided an address's type, in the library's terms (memtype_mtrr_source). */
struct oracle_result {
	memtype_type type;
	memtype_mtrr_source source;
	uint32_t fixed_msr;  /* SRC_FIXED only */
	unsigned fixed_slot; /* SRC_FIXED only: 0..87 */
	uint64_t matched;    /* bit n: valid pair n matched (filled whenever pairs are walked) */
};

/* Reset state: every MSR 0 (E = 0, all V = 0), with the given MAXPHYADDR and MTRRcap. */
void oracle_init(struct oracle_state *s, unsigned phys_bits, uint64_t mtrrcap);

/* VCNT (MTRRcap bits 7:0) clamped to ORACLE_MAX_PAIRS. */
unsigned oracle_vcnt(const struct oracle_state *s);

/* The fixed MSR index of slot k (0..10) of oracle_state.fixed. */
uint32_t oracle_fixed_index(unsigned k);

/*
 * True when index means two different registers on this CPU: a pair number
 * below VCNT whose PHYSBASE/PHYSMASK index coincides with a fixed-range MSR or
 * IA32_PAT (possible only for VCNT > 40, which real CPUs never report). The
 * SDM has nothing to say about such an index, so tests must not probe it.
 */
bool oracle_msr_ambiguous(const struct oracle_state *s, uint32_t index);

/*
 * Would WRMSR(index, value) succeed (true) or raise #GP (false)? Covers
 * MTRRcap, DEF_TYPE, the fixed MSRs and the variable pairs; every other index
 * is "not an MTRR this CPU has" and faults. Meaningless for an ambiguous index.
 */
bool oracle_wrmsr_ok(const struct oracle_state *s, uint32_t index, uint64_t value);

/* WRMSR: stores value and returns true when oracle_wrmsr_ok, else returns false. */
bool oracle_wrmsr(struct oracle_state *s, uint32_t index, uint64_t value);

/* RDMSR: true and *value for an MSR this CPU has, false (#GP) otherwise. */
bool oracle_rdmsr(const struct oracle_state *s, uint32_t index, uint64_t *value);

/* Full evaluation of one address (addr < 2^phys_bits). */
void oracle_eval(const struct oracle_state *s, uint64_t addr, struct oracle_result *out);

/*
 * The MTRR type of addr; *matched_mask (may be NULL) gets the set of valid
 * variable pairs that matched when the variable ranges were consulted, else 0.
 */
memtype_type oracle_mtrr_type(const struct oracle_state *s, uint64_t addr, uint64_t *matched_mask);

#endif /* MEMTYPE_ORACLE_H */
