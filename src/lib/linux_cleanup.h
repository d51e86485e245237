/*
 * linux_cleanup.h - Linux's mtrr_cleanup() and mtrr_trim_uncached_memory()
 * (arch/x86/kernel/cpu/mtrr/cleanup.c), as a model (internal).
 *
 * The kernel rewrites a BIOS's variable MTRRs when they describe RAM as one
 * big WB range with UC holes punched in it (the "continuous" layout, which
 * leaves no register for X drivers' WC ranges), and trims from the e820 map
 * any RAM that the variable MTRRs do not make WB. Both are modelled from
 * the register values a capture gives; explain_linux.c compares the results with
 * what the kernel printed. Facts: ../shared/reference/guest-firmware.md §2.6.
 */
#ifndef MEMTYPE_LINUX_CLEANUP_H
#define MEMTYPE_LINUX_CLEANUP_H

#include "capture.h"

#define MT_CLEANUP_MAX_VAR 64u
#define MT_CLEANUP_RESULTS 264u /* NUM_RESULT: 136 upstream, 264 in RHEL 6/7 kernels */
#define MT_CLEANUP_RANGES  256u /* RANGE_NUM */

/* A variable MTRR as mtrr_if->get() reports it: base and size in bytes
 * (size 0 = unused), type byte. */
struct mt_cleanup_reg {
	uint64_t base, size;
	uint8_t type;
};

struct mt_cleanup_in {
	unsigned nvar; /* num_var_ranges */
	struct mt_cleanup_reg var[MT_CLEANUP_MAX_VAR];
	uint8_t def_type;
	bool enabled;	      /* DEF_TYPE.E */
	bool fixed_enabled;   /* DEF_TYPE.FE */
	bool have_fixed;      /* MTRRcap.FIX */
	uint64_t tom2;	      /* AMD TOP_MEM2, 0 none */
	unsigned phys_bits;   /* for the masks it writes */
	bool enable;	      /* enable_mtrr_cleanup >= 1 */
	uint64_t chunk, gran; /* mtrr_chunk_size (default 256 MiB), mtrr_gran_size (default 0) */
	unsigned spare;	      /* nr_mtrr_spare_reg (default 1) */
	/* The search: chunks below 2^chunk_bits, at most max_results pairs.
	 * Upstream 32 and 136; Red Hat's kernels (RHEL 6 and 7, and rebuilds
	 * such as Virtuozzo 7) search chunks up to 2^address_bits with 264. */
	unsigned chunk_bits, max_results;
};

struct mt_cleanup_out {
	bool runs;	    /* passed the gates and printed "total RAM covered" */
	const char *reason; /* why it does not run, or what it did */
	uint64_t total_mb;  /* "total RAM covered: %ldM" */
	bool user_tried;    /* both sizes given on the command line: one result first */
	struct mt_cap_result user;
	unsigned nresults; /* the search (136 results) */
	int chosen;	   /* index of the chosen result (-1 none; -2 the user's) */
	bool applied; /* "Found optimal setting" (or a good user setting): registers rewritten */
	struct mt_cap_result result; /* the applied result */
	unsigned nvar;
	unsigned strange_uc; /* bit n: "VAR MTRR n contains strange UC entry under 1M" */
	/* Last, and defined only up to nresults and nvar (mt_linux_cleanup()
	 * leaves the rest of the 12 KiB alone). */
	struct mt_cap_result results[MT_CLEANUP_RESULTS];
	struct mt_cleanup_reg
	    var[MT_CLEANUP_MAX_VAR]; /* the registers after it (== input when not applied) */
};

/* mtrr_cleanup(address_bits). */
void mt_linux_cleanup(const struct mt_cleanup_in *in, struct mt_cleanup_out *out);

/* One e820 RAM range for the trim, [start, end) in bytes. */
struct mt_trim_ram {
	uint64_t start, end_excl;
};

struct mt_trim_out {
	bool runs;  /* passed the gates */
	bool blank; /* "CPU MTRRs all blank - virtualized system." */
	const char *reason;
	uint64_t lost; /* bytes of RAM turned reserved ("losing %lluMB" = lost >> 20) */
	uint64_t first_start, first_end; /* the first trimmed RAM range (inclusive), when lost */
};

/*
 * mtrr_trim_uncached_memory(end_pfn) on registers var[0..nvar) (as after
 * any cleanup) with the e820 RAM ranges ram[0..nram) (sorted, disjoint),
 * end_pfn being the end of the highest RAM range.
 */
void mt_linux_trim(const struct mt_cleanup_in *in, const struct mt_cleanup_reg *var, unsigned nvar,
		   const struct mt_trim_ram *ram, unsigned nram, bool disable_trim,
		   struct mt_trim_out *out);

#endif /* MEMTYPE_LINUX_CLEANUP_H */
