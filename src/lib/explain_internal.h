/*
 * explain_internal.h - what the explain files share: the machine the
 * captures describe (built by explain_merge.c), the explain object's layout,
 * and the steps one file of explain calls in another. Only the explain*.c
 * files include it; what users may reach is in memtype.h.
 */
#ifndef MEMTYPE_EXPLAIN_INTERNAL_H
#define MEMTYPE_EXPLAIN_INTERNAL_H

#include "capture.h"
#include "linux_cleanup.h"
#include "linux_guest.h"

/* ------------------------------------------------------------ machine state */

/*
 * The registers as one source gives them ("a view"): an MSR dump, a boot
 * dump, /proc/mtrr, or mtrr_cleanup's "original variable MTRRs" table. An
 * index a view does not list is unused (disabled) in it.
 */
typedef enum mt_view_kind {
	MT_VIEW_MSR = 0,     /* exact register values */
	MT_VIEW_DUMP = 1,    /* print_mtrr_state(): exact masks */
	MT_VIEW_PROC = 2,    /* /proc/mtrr: base/size of the used registers */
	MT_VIEW_CLEANUP = 3, /* cleanup's original table: base/size, types UC/WB/WP/Other */
} mt_view_kind;

struct mt_mach_var {
	bool valid;
	uint64_t base; /* address (type byte removed) */
	uint64_t mask; /* address bits of PHYSMASK (exact views), else derived */
	uint64_t size; /* bytes (sized views), else derived from the mask */
	int type;      /* memtype_type, -1 unknown / reserved encoding */
	unsigned raw_type;
	bool exact; /* mask read, not derived */
};

struct mt_view {
	mt_view_kind kind;
	const memtype_capture *cap;
	unsigned n; /* indexes covered: max listed index + 1 */
	struct mt_mach_var v[MT_CAP_MAX_VAR];
};

#define MT_MACH_MAX_VIEWS 8u
#define MT_MACH_MAX_NOTES 16u

/*
 * The machine as the captures together describe it (firmware registers,
 * before any kernel cleanup). -1 means unknown for the int fields.
 */
struct mt_mach {
	const memtype_capture *log; /* the first capture with kernel-log lines, or NULL */
	char kernel[64], dmi[MT_CAP_TEXT], hypervisor[48], vendor_source[64];
	int vendor; /* 0 unknown, 1 intel, 2 amd */
	struct mt_cap_params params;

	unsigned phys_bits;
	const char *phys_bits_source; /* "cpuid", "mask", "address", "default" */
	unsigned need_bits;	      /* width every address seen needs */

	const char *mtrr_source; /* "msr", "dump", "proc-mtrr", "cleanup-table", "none" */
	const char *mtrr_status; /* the kernel's own words, or NULL */
	int enabled, fixed_enabled, def_type;
	const char *enabled_source, *def_source;
	int have_fixed; /* MTRRcap.FIX, -1 unknown */
	bool fixed_known;
	uint8_t fixed[MT_CAP_FIXED];
	const char *fixed_source;
	bool var_known;
	unsigned nvar; /* indexes described (<= MT_CAP_MAX_VAR): var[] below */
	unsigned vcnt;		 /* MTRRcap.VCNT, 0 unknown */
	const char *vcnt_source; /* "mtrrcap", "dump", "map-line", "lower-bound" */
	uint64_t tom2;
	const char *tom2_source;
	bool pat_known, pat_off;
	uint64_t pat;
	const char *pat_source;
	unsigned ne820;
	unsigned nviews;
	int chosen; /* the view the registers come from, -1 none */
	/* Values two captures (or sources) give differently: "what: a vs b". */
	unsigned ndis;
	unsigned nnotes; /* assumptions made */

	/* Tables read below their counts only: mt_machine_build() clears the
	 * object up to here. */
	struct mt_mach_var var[MT_CAP_MAX_VAR];
	struct mt_cap_range e820[MT_CAP_MAX_E820];
	struct mt_view views[MT_MACH_MAX_VIEWS];
	char dis[MT_MACH_MAX_NOTES][2 * MT_CAP_TEXT];
	char notes[MT_MACH_MAX_NOTES][MT_CAP_TEXT];
};

/* Build the machine from n captures (n >= 1). */
void mt_machine_build(const memtype_capture *const *caps, size_t n, struct mt_mach *m);
/* Record an assumption / a disagreement (bounded). */
void mt_machine_note(struct mt_mach *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mt_machine_disagree(struct mt_mach *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The size Linux derives from an address mask (get_mtrr_size, 6.5+): the two's
 * complement of the mask with every bit at and above phys_bits set. */
uint64_t mt_mask_size(uint64_t mask, unsigned phys_bits);
/* The contiguous mask of a power-of-two size below 2^phys_bits. */
uint64_t mt_size_mask(uint64_t size, unsigned phys_bits);

/* ------------------------------------------------------------ the explain object */

#define MAX_CHECKS	 24u
#define MAX_FINDINGS	 48u
#define MAX_DIAGS	 64u
#define MAX_NOTES	 24u
#define MSG		 256u
#define SRC_TOM2	 4u   /* map piece src: WB from TOM2 */
#define LINUX_VERSION	 617u /* "a 6.5+ kernel": the newest modelled */
#define FOUR_GIB	 (1ull << 32)
#define MT_ONE_MIB_BYTES 0x100000ull

struct memtype_explain {
	memtype_ctx *ctx;
	memtype_explain_info info;
	size_t n;
	const memtype_capture *const *caps; /* valid during memtype_explain_run only */
	/* Per input, carved from one allocation (inputs_size(n) bytes). */
	char (*names)[256];
	const char **name_ptrs;
	memtype_capture_format *fmts;
	unsigned *seen;
	memtype_map *map;
	memtype_mtrr *hw;
	unsigned nnotes;
	size_t findings_dropped;
	memtype_finding sink;

	/*
	 * Below: tables filled (or cleared) before they are read. The object is
	 * cleared up to `mach` only; keep every other field above.
	 */
	struct mt_mach mach;
	memtype_capture_range fixed[MT_CAP_FIXED];
	memtype_capture_var var[MT_CAP_MAX_VAR];
	memtype_capture_range e820[MT_CAP_MAX_E820];
	const char *note_ptrs[MAX_NOTES];
	char notes[MAX_NOTES][MT_CAP_TEXT];

	struct mt_cleanup_in cin;
	struct mt_cleanup_out cout;
	struct mt_trim_out trim;
	memtype_capture_var cvar[MT_CLEANUP_MAX_VAR];
	struct mt_linux_mtrr lx;
	memtype_capture_range lx_entries[MT_LX_CACHE_MAP_MAX];

	memtype_check checks[MAX_CHECKS];
	char check_text[MAX_CHECKS][2][MSG];
	memtype_finding findings[MAX_FINDINGS];
	char finding_text[MAX_FINDINGS][MSG];
	memtype_diag diags[MAX_DIAGS];
	char diag_code[MAX_DIAGS][32], diag_msg[MAX_DIAGS][MT_CAP_TEXT];
};

/* Record an assumption (bounded; explain.c). */
void mt_explain_note(memtype_explain *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Record a finding (bounded: past MAX_FINDINGS a scratch one is returned and
 * the drop counted; explain.c). */
memtype_finding *mt_explain_finding(memtype_explain *e, memtype_severity sev, const char *code,
				    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The short name of a type ("UC-"), "?" for an unknown one. */
static inline const char *mt_explain_tname(int t)
{
	const char *s = t >= 0 ? memtype_type_name((memtype_type)t, MEMTYPE_SPELL_SHORT) : NULL;
	return s ? s : "?";
}

/* An e820 entry of RAM: e820_print_type()'s word "usable" (arch/x86/kernel/
 * e820.c). The name is a NUL-terminated array of more than 7 bytes, so one
 * memcmp() decides it. */
static inline bool mt_e820_usable(const struct mt_cap_range *r)
{
	return memcmp(r->name, "usable", sizeof("usable")) == 0;
}

/* The steps, in the order memtype_explain_run() takes them. */

/* Replay the registers into a reset CPU; NULL (with a note) when they are
 * not known. regs/nregs: the variable MTRRs to use (firmware's or cleaned);
 * report: record what the CPU would refuse as findings (explain_hardware.c). */
memtype_mtrr *mt_explain_replay(memtype_explain *e, const struct mt_mach_var *regs, unsigned nregs,
				bool report);
/* The architectural map of the merged registers, e->hw and e->map
 * (explain_hardware.c). */
void mt_explain_hardware(memtype_explain *e);
/* What Linux makes of the registers: cleanup, 6.5+ map, trim (explain_linux.c). */
void mt_explain_linux(memtype_explain *e);
/* A TOM2 the kernel must have seen although the log lost its line: sets it
 * and returns true (explain_linux.c). */
bool mt_explain_infer_tom2(memtype_explain *e);
/* The size Linux <= 6.4 derives for a variable MTRR (explain_linux.c). */
uint64_t mt_explain_old_size(const struct mt_mach_var *x);
/* The model against what the captures say (explain_checks.c). */
void mt_explain_checks(memtype_explain *e);
/* A cleanup result line as the kernel prints it (explain_checks.c). */
void mt_explain_result_text(char *buf, size_t n, const struct mt_cap_result *r);
/* The findings, codes listed in docs/json.md (explain_findings.c). */
void mt_explain_findings(memtype_explain *e, const memtype_capture *const *caps, size_t n);

#endif /* MEMTYPE_EXPLAIN_INTERNAL_H */
