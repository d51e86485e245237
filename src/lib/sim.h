/*
 * sim.h - the simulation's state, shared by sim.c (running the layers) and
 * sim_api.c (the public accessors, expect checks and all-orders sweep).
 */
#ifndef MEMTYPE_SIM_H
#define MEMTYPE_SIM_H

#include "linux_guest.h"

#define MT_MAX_EFFECTIVE 512u
#define MT_MAX_FINDINGS 128u

struct memtype_scenario {
	memtype_ctx *ctx;
	struct mt_scenario s;
	char group[MT_MAX_MAPPINGS][MT_NAME_MAX];
	size_t ngroups;
	/* For sweeps: the declared axes and the text to re-parse per value. */
	struct mt_axes axes;
	char *text;
	size_t len;
};

/* Load text as a scenario with one value per declared axis (choice may be
 * NULL: the file as written), presets expanded and groups computed, into
 * sc (ctx set, text not copied). */
int mt_scenario_load_into(memtype_scenario *sc, const char *file, const char *text, size_t len,
			  const size_t *choice);

struct sim_mapping {
	size_t index; /* in the scenario */
	struct mt_map_result r;
	size_t eff_first, neff;
	int first_msg; /* log line index, or -1 */
};

struct sim_effective {
	uint64_t start, end;
	const char *stage2;
	memtype_result why;
};

struct sim_finding {
	memtype_severity sev;
	const char *code;
	char message[256];
	bool has_range;
	uint64_t start, end;
	int mapping;
};

struct sim_expect {
	bool passed;
	char what[256];
	unsigned line;
};

struct memtype_sim {
	memtype_ctx *ctx;
	const memtype_scenario *sc;
	memtype_scenario *owned_scenario; /* freed with the sim (matrix cells) */
	const char *mtrr_source;
	bool booted;
	bool cpuid_mtrr, msrs_via_host;
	memtype_mtrr *fw_mtrr;
	memtype_map *fw_map;	/* the firmware-programmed MTRRs as a map, or NULL */
	memtype_map *guest_map; /* the guest kernel's MTRR view */
	struct mt_linux lx;
	struct mt_msglog log;
	struct sim_mapping maps[MT_MAX_MAPPINGS];
	size_t nmaps;
	struct sim_effective eff[MT_MAX_EFFECTIVE];
	size_t neff;
	struct sim_finding f[MT_MAX_FINDINGS];
	size_t nf;
	struct sim_expect ex[MT_MAX_EXPECT];
	size_t nex;
};

/* Run sc into sim (zeroed by the caller, ctx set). 0 or -EINVAL/-ENOMEM. */
int mt_sim_run(memtype_sim *sim, const memtype_scenario *sc, const size_t *group_order);
/* Release what mt_sim_run allocated inside sim (not sim itself). */
void mt_sim_release(memtype_sim *sim);
/* The name of a call as scenario files spell it. */
const char *mt_call_name(mt_call c);
/* The next permutation of a[0..n-1] in lexicographic order; false after the last. */
bool mt_next_permutation(size_t *a, size_t n);
/* True if any mapping of the run was refused. */
bool mt_sim_any_refused(const memtype_sim *sim);

#endif /* MEMTYPE_SIM_H */
