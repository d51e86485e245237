/*
 * linux_guest.h - the guest Linux kernel model (internal): how the kernel
 * captures or forces its MTRR view and builds its cache map (linux_mtrr.c),
 * how PAT memtype tracking grants or refuses a type (linux_pat.c), and what
 * each ioremap-family call requests and gets (linux_ioremap.c).
 *
 * This is what the guest kernel *believes*; what the hardware does with the
 * resulting page-table type is stage 2's business (sim.c, hv_kvm.c).
 * Facts: ../shared/reference/guest-firmware.md §2-§5, each cited in the .c
 * files by Linux path and version.
 *
 * Types here use Linux's own encodings where the kernel does:
 *  - MTRR types as the architectural byte (0 UC, 1 WC, 4 WT, 5 WP, 6 WB),
 *    MT_LX_MTRR_INVALID (0xFF) for "no MTRR information" in pre-6.5 kernels;
 *  - page_cache_mode numbers (WB 0, WC 1, UC- 2, UC 3, WT 4, WP 5) for PAT
 *    requests, as "requested 0x2, got 0x0" prints them.
 */
#ifndef MEMTYPE_LINUX_GUEST_H
#define MEMTYPE_LINUX_GUEST_H

#include "model.h"

#define MT_LX_MTRR_INVALID 0xffu
#define MT_LX_MAX_VAR 256u	   /* MTRR_MAX_VAR_RANGES */
#define MT_LX_CACHE_MAP_MAX 600u   /* 88 fixed + 2 x 256 variable (CACHE_MAP_MAX) */
#define MT_LX_MAX_MEMTYPES 512u
#define MT_MAX_MSGS 256u
#define MT_MSG_LEN 192u

enum { MT_PCM_WB = 0, MT_PCM_WC = 1, MT_PCM_UC_MINUS = 2, MT_PCM_UC = 3, MT_PCM_WT = 4, MT_PCM_WP = 5 };

/* The kernel log, in boot order. mapping = index of the mapping that caused
 * the line, or -1 for boot-time lines. */
struct mt_msglog {
	unsigned n;
	char line[MT_MAX_MSGS][MT_MSG_LEN];
	int mapping[MT_MAX_MSGS];
};
void mt_log(struct mt_msglog *log, int mapping, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------ MTRR view */

typedef enum mt_lx_mtrr_state {
	MT_LX_MTRR_NORMAL,	     /* captured from the (virtual) MSRs, E = 1 */
	MT_LX_MTRR_FORCED,	     /* guest_force_mtrr_state(): software state, read-only */
	MT_LX_MTRR_NOT_AVAILABLE,    /* no X86_FEATURE_MTRR and nothing forced */
	MT_LX_MTRR_DISABLED_BY_BIOS, /* MSRs present but DEF_TYPE.E = 0 */
} mt_lx_mtrr_state;

struct mt_cache_map_entry {
	uint64_t start, end_excl;
	uint8_t type;
	bool fixed;
};

struct mt_lx_var {
	uint64_t base, mask; /* PHYSBASE/PHYSMASK as the kernel holds them (mask includes V) */
};

/* A forced software MTRR state (Linux guest_force_mtrr_state()). */
struct mt_lx_forced {
	uint8_t def_type;
	unsigned nvar;
	struct mt_lx_var var[4];
};

struct mt_linux_mtrr {
	unsigned version;	/* kernel version, major * 100 + minor */
	unsigned phys_bits;
	/* AMD TOP_MEM2 (exclusive end) when SYSCFG enables it and forces WB,
	 * else 0; set by the caller with version and phys_bits. */
	uint64_t tom2;
	mt_lx_mtrr_state state;
	bool state_set;		/* mtrr_state_set: something was captured or forced */
	bool enabled;		/* DEF_TYPE.E as the kernel holds it */
	bool fixed_enabled;	/* DEF_TYPE.FE */
	bool have_fixed;	/* MTRRcap.FIX */
	uint8_t def_type;
	uint8_t fixed[88];	/* the 88 fixed-range types in address order */
	unsigned nvar;		/* num_var_ranges (VCNT, or the forced count) */
	/* 6.5+ cache map (generic.c mtrr_build_map/add_map_entry) */
	unsigned nmap, nmap_fixed, map_max, built_from;
	/* Last, and defined only below nvar and nmap: mt_linux_mtrr_init()
	 * clears what precedes them, not their 18 KiB. */
	struct mt_lx_var var[MT_LX_MAX_VAR];
	struct mt_cache_map_entry map[MT_LX_CACHE_MAP_MAX];
};

/*
 * mtrr_bp_init() for a guest (or bare-metal) kernel of version lx->version
 * (set by the caller with phys_bits before the call):
 *  - forced != NULL: the forced path (8e690b817e38 / 0dccbc75e18d), no MSR
 *    access, "MTRR map: ..." then "MTRRs set to read-only";
 *  - else cpuid_mtrr false (or clearcpuid=mtrr): "MTRRs disabled (not available)";
 *  - else hw gives the MSRs the kernel reads (MTRRcap, DEF_TYPE, fixed, var);
 *    E = 0: "MTRRs disabled by BIOS"; else capture and (6.5+) build the
 *    cache map and print "MTRR map: %u entries (%u fixed + %u variable; max
 *    %u), built from %u variable MTRRs". With mtrr_debug (6.5+) also the
 *    register dump and one line per map entry, in the kernel's formats.
 * Pre-6.5 kernels print no "MTRR map:" line. Messages go to log.
 */
void mt_linux_mtrr_init(struct mt_linux_mtrr *lx, bool cpuid_mtrr, const memtype_mtrr *hw,
			const struct mt_lx_forced *forced, bool mtrr_debug, struct mt_msglog *log);

/*
 * mtrr_type_lookup(start, end_excl, &uniform) as the kernel version does it:
 * 6.5+ map-based (state not set -> UC, uniform 0; E = 0 -> UC, uniform 1;
 * merge rule UC wins, WB+WT -> WT, other mismatch -> UC; uniform cleared only
 * when the accumulated type changes); 4.2-6.4 range scan returning
 * MT_LX_MTRR_INVALID when not set or disabled (uniform untouched then, the
 * caller's initial value stays). *uniform may be NULL.
 */
uint8_t mt_linux_mtrr_lookup(const struct mt_linux_mtrr *lx, uint64_t start, uint64_t end_excl,
			     bool *uniform);

/* ------------------------------------------------------------ PAT tracking */

struct mt_memtype {
	uint64_t start, end_excl;
	int pcm;
};

struct mt_linux_pat {
	bool enabled;	  /* PAT initialised (pat_enabled()) */
	uint64_t pat_msr; /* what the kernel programmed */
	unsigned n;	  /* tree entries, in insertion order */
	struct mt_memtype tree[MT_LX_MAX_MEMTYPES];
	unsigned nram;	  /* RAM page-flag tags (ranges of pages tagged non-WB) */
	struct mt_memtype ram[MT_LX_MAX_MEMTYPES];
};

/* What the rest of the kernel model needs from the platform and MTRR view. */
struct mt_linux {
	unsigned version;
	const struct mt_platform *platform;
	/* An extra range PAT treats as untracked, [start, end_excl) (0, 0 for
	 * none): the v1 "force legacy PCI hole" design, policy opt-untracked-hole. */
	uint64_t untracked_start, untracked_end_excl;
	struct mt_linux_mtrr mtrr;
	struct mt_linux_pat pat;
};

/*
 * pat_bp_init(): decide whether PAT is enabled (nopat; <= 6.1 "x86/PAT: MTRRs
 * disabled, skipping PAT initialization too." when MTRRs are off) and the
 * MSR value (Linux layout 0x0407050600070106, or the reset value when PAT
 * is off), and log "x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  ".
 */
void mt_linux_pat_init(struct mt_linux *lx, bool nopat, struct mt_msglog *log);

/*
 * memtype_reserve(start, end_excl, req, want_new ? &new : NULL) as in
 * arch/x86/mm/pat/memtype.c: untracked ISA range -> WB, no tracking;
 * pat_x_mtrr_type (WB request on non-WB MTRR -> UC-); RAM -> page-flag
 * path; mixed -> -EINVAL; else the interval tree with first-overlap-wins and
 * the exact conflict messages (comm:pid given by the caller). Returns 0,
 * -EINVAL or -EBUSY; *new_pcm is the type granted (or the conflicting one).
 */
int mt_linux_memtype_reserve(struct mt_linux *lx, uint64_t start, uint64_t end_excl, int req,
			     int *new_pcm, bool want_new, const char *comm, int mapping,
			     struct mt_msglog *log);
/* memtype_free(): exact-match erase (end-match shrink). */
int mt_linux_memtype_free(struct mt_linux *lx, uint64_t start, uint64_t end_excl);
/* is_new_memtype_allowed(start, size, req, got) (arch/x86/include/asm/pgtable.h). */
bool mt_linux_new_memtype_allowed(const struct mt_linux *lx, uint64_t start, uint64_t end_excl,
				  int req, int got);

/* ------------------------------------------------------------ ioremap family */

struct mt_map_result {
	int requested;	/* page_cache_mode requested by the call */
	int granted;	/* page_cache_mode of the PTEs, or -1 when refused */
	bool ok;
	bool tracked;	/* entered in the memtype tree (or RAM page flags) */
	bool direct_map; /* served from the direct map (RAM), no new mapping */
	int err;	/* 0 or the negative errno the caller sees */
};

/*
 * Perform one mapping call m (index mapping, for messages) as the kernel
 * version does: requested type per call, RAM checks ("ioremap on RAM at
 * %pa - %pa"), memtype_reserve, "ioremap error for 0x%llx-0x%llx, requested
 * 0x%x, got 0x%x" when the granted type is not allowed; for
 * devm_ioremap_resource the driver-core line "<who> <device>: probe with
 * driver <who> failed with error -12" on failure (when m->device is set).
 */
void mt_linux_map(struct mt_linux *lx, const struct mt_mapping *m, int mapping,
		  struct mt_map_result *out, struct mt_msglog *log);

#endif /* MEMTYPE_LINUX_GUEST_H */
