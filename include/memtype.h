/*
 * memtype.h - the public interface of libmemtype.
 *
 * libmemtype is an executable model of how x86 memory types (UC, UC-, WC, WT,
 * WP, WB) are decided: MTRRs, PAT, CR0.CD, Intel EPT and AMD nested paging.
 * This header is the only one the command-line tool and outside users include.
 *
 * Conventions, for every function below unless its contract says otherwise:
 *  - Functions that can fail return 0 on success or a negative errno value
 *    (-EINVAL bad argument or architectural #GP, -ERANGE address outside the
 *    modelled space, -ENOMEM allocation failure, -ENOTSUP outside what the
 *    model covers, -ENOENT no such register). The detail (a stable kebab-case
 *    code, a message, and for parsers file/line/column) is kept on the context
 *    and read with memtype_ctx_error().
 *  - Every object is created from a memtype_ctx and allocates through its
 *    allocator hook. Objects are not thread-safe; distinct contexts are.
 *  - Address ranges are inclusive at both ends ([start, end]), as the kernel
 *    prints them, so the full 64-bit space is representable.
 */
#ifndef MEMTYPE_H
#define MEMTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(MEMTYPE_BUILDING) && defined(__GNUC__)
#define MEMTYPE_API __attribute__((visibility("default")))
#else
#define MEMTYPE_API
#endif

#define MEMTYPE_VERSION_MAJOR 0
#define MEMTYPE_VERSION_MINOR 1
#define MEMTYPE_VERSION_PATCH 0

/* The library's version string, e.g. "0.1.0". */
MEMTYPE_API const char *memtype_version(void);

/* ---------------------------------------------------------------------------
 * Context: allocator hook and last error.
 */

typedef struct memtype_ctx memtype_ctx;

/*
 * Allocator hook, Lua style: with nsize == 0 it frees ptr and returns NULL;
 * otherwise it (re)allocates ptr (NULL for a fresh block) from osize to nsize
 * bytes and returns the block, or NULL on failure (ptr is then untouched).
 */
typedef void *(*memtype_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);

/* The detail of the last failure on a context. Strings live in the context. */
typedef struct memtype_error {
	int status;	     /* the negative errno the failing call returned, 0 if none */
	const char *code;    /* stable kebab-case code, e.g. "gp-reserved-bits"; "" if none */
	const char *message; /* human-readable, without file/line prefix; "" if none */
	const char *file;    /* input name for parse errors, else NULL */
	unsigned line, col;  /* 1-based position for parse errors, else 0 */
} memtype_error;

/*
 * Create a context. alloc may be NULL for malloc/realloc/free. Returns NULL
 * only when the context itself cannot be allocated.
 */
MEMTYPE_API memtype_ctx *memtype_ctx_new(memtype_alloc_fn alloc, void *ud);
MEMTYPE_API void memtype_ctx_free(memtype_ctx *ctx);
/* The last error recorded on ctx; valid until the next failing call. */
MEMTYPE_API const memtype_error *memtype_ctx_error(const memtype_ctx *ctx);
/* Forget the last error. */
MEMTYPE_API void memtype_ctx_clear_error(memtype_ctx *ctx);

/* ---------------------------------------------------------------------------
 * Memory types and their spellings.
 *
 * The numeric values of the six architectural types are their encodings in
 * MTRRs, PAT entries and EPT leaves (Intel SDM Vol. 3A Table 11-10; the
 * MTRR/EPT encodings are the same minus UC-). The last two are model values,
 * never register encodings.
 */
typedef enum memtype_type {
	MEMTYPE_UC = 0,
	MEMTYPE_WC = 1,
	MEMTYPE_WT = 4,
	MEMTYPE_WP = 5,
	MEMTYPE_WB = 6,
	MEMTYPE_UC_MINUS = 7,
	/* AMD nested paging only: write-combining, cache-probing (APM Vol. 2 §15.25.8). */
	MEMTYPE_WC_PLUS = 0x100,
	/* An MTRR overlap the SDM leaves undefined (§11.11.4.1). */
	MEMTYPE_UNDEFINED = 0x101,
} memtype_type;

/* Where a type encoding is being written or read. */
typedef enum memtype_field {
	MEMTYPE_FIELD_MTRR, /* MTRR type fields and DEF_TYPE: UC WC WT WP WB */
	MEMTYPE_FIELD_PAT,  /* PAT entries: UC WC WT WP WB UC- */
	MEMTYPE_FIELD_EPT,  /* EPT leaf memory type: UC WC WT WP WB */
} memtype_field;

typedef enum memtype_spelling {
	MEMTYPE_SPELL_SHORT,	 /* "UC" "UC-" "WC" "WT" "WP" "WB" "WC+" "undefined" */
	MEMTYPE_SPELL_MTRR_WORD, /* /proc/mtrr and dmesg MTRR dumps: "write-back", "uncachable" */
	MEMTYPE_SPELL_PAT_WORD,	 /* pat_memtype_list and PAT messages: "uncached-minus" */
	MEMTYPE_SPELL_LONG,	 /* the manuals' names: "Write-back (WB)" */
} memtype_spelling;

/* True for the eight values of memtype_type. */
MEMTYPE_API bool memtype_type_is_known(int t);
/* True when encoding enc (0..255) is a legal type in field f. */
MEMTYPE_API bool memtype_encoding_valid(memtype_field f, uint64_t enc);
/*
 * The spelling of t in style s, or NULL when that style has no word for it
 * (e.g. UC- has no /proc/mtrr word) or t is not a known type.
 */
MEMTYPE_API const char *memtype_type_name(memtype_type t, memtype_spelling s);
/*
 * Parse any spelling above (case-insensitive; exactly len bytes of s, which
 * need not be NUL-terminated). Returns 0 or -EINVAL.
 */
MEMTYPE_API int memtype_type_parse(const char *s, size_t len, memtype_type *out);
/*
 * Linux's enum page_cache_mode numbers, as printed in "requested 0x2, got 0x0":
 * WB 0, WC 1, UC- 2, UC 3, WT 4, WP 5. Returns -1 for a type with no number.
 */
MEMTYPE_API int memtype_type_to_linux_pcm(memtype_type t);
MEMTYPE_API int memtype_type_from_linux_pcm(unsigned pcm, memtype_type *out);

/* ---------------------------------------------------------------------------
 * Numbers and ranges as users type them.
 */

/*
 * Parse an unsigned number: 0x hex, decimal, optional K/M/G/T suffix (binary
 * multiples), exactly len bytes. Returns 0, -EINVAL (not a number) or -ERANGE
 * (does not fit in 64 bits).
 */
MEMTYPE_API int memtype_parse_u64(const char *s, size_t len, uint64_t *out);
/*
 * Parse "A", "A-B" (inclusive end) or "A+SIZE" into [start, end].
 * Returns -EINVAL for malformed text, end < start or SIZE == 0, -ERANGE on overflow.
 */
MEMTYPE_API int memtype_parse_range(const char *s, size_t len, uint64_t *start, uint64_t *end);

/* ---------------------------------------------------------------------------
 * Range maps: a partition of a domain [lo, hi] into maximal pieces, each
 * carrying a value and its provenance. Adjacent pieces with identical value,
 * src and regs are always merged, so two maps with the same content compare
 * piece by piece.
 */

typedef struct memtype_map memtype_map;

typedef struct memtype_range {
	uint64_t start, end; /* inclusive */
	uint32_t value;	     /* usually a memtype_type */
	uint32_t src;	     /* provenance kind, defined by whoever filled the map */
	uint64_t regs;	     /* provenance detail, e.g. bit n = variable MTRR n */
} memtype_range;

/* A map over [lo, hi] that is one piece (value, src, regs). NULL on failure. */
MEMTYPE_API memtype_map *memtype_map_new(memtype_ctx *ctx, uint64_t lo, uint64_t hi,
					 uint32_t value, uint32_t src, uint64_t regs);
MEMTYPE_API void memtype_map_free(memtype_map *map);
MEMTYPE_API memtype_map *memtype_map_clone(const memtype_map *map);
/* Assign [start, end] (inside the domain, else -ERANGE). */
MEMTYPE_API int memtype_map_set(memtype_map *map, uint64_t start, uint64_t end, uint32_t value,
				uint32_t src, uint64_t regs);
/*
 * For every address of src's domain, replace dst's piece by fn(dst piece,
 * src piece) (fn writes the result's value/src/regs into *out; start/end are
 * ignored). src's domain must lie inside dst's (else -ERANGE).
 */
typedef void (*memtype_overlay_fn)(void *ud, const memtype_range *below,
				   const memtype_range *above, memtype_range *out);
MEMTYPE_API int memtype_map_overlay(memtype_map *dst, const memtype_map *src,
				    memtype_overlay_fn fn, void *ud);
/* The piece holding addr (-ERANGE outside the domain). O(log n). */
MEMTYPE_API int memtype_map_query(const memtype_map *map, uint64_t addr, memtype_range *out);
/* The value at addr, or UINT32_MAX outside the domain: the fast path. */
MEMTYPE_API uint32_t memtype_map_value_at(const memtype_map *map, uint64_t addr);
MEMTYPE_API size_t memtype_map_count(const memtype_map *map);
/* The i-th piece in address order (i < count, else -ERANGE). */
MEMTYPE_API int memtype_map_get(const memtype_map *map, size_t i, memtype_range *out);

/* ---------------------------------------------------------------------------
 * MTRRs (Intel SDM Vol. 3A §11.11; AMD APM Vol. 2 §7.7).
 */

#define MEMTYPE_MSR_MTRRCAP 0x0feu
#define MEMTYPE_MSR_MTRR_PHYSBASE0 0x200u
#define MEMTYPE_MSR_MTRR_PHYSMASK0 0x201u
#define MEMTYPE_MSR_MTRR_FIX64K_00000 0x250u
#define MEMTYPE_MSR_MTRR_FIX16K_80000 0x258u
#define MEMTYPE_MSR_MTRR_FIX16K_A0000 0x259u
#define MEMTYPE_MSR_MTRR_FIX4K_C0000 0x268u
#define MEMTYPE_MSR_MTRR_FIX4K_F8000 0x26fu
#define MEMTYPE_MSR_PAT 0x277u
#define MEMTYPE_MSR_MTRR_DEF_TYPE 0x2ffu

/* MTRRcap fields (SDM §11.11.1). */
#define MEMTYPE_MTRRCAP_VCNT_MASK 0xffu
#define MEMTYPE_MTRRCAP_FIX (1u << 8)
#define MEMTYPE_MTRRCAP_WC (1u << 10)
#define MEMTYPE_MTRRCAP_SMRR (1u << 11)
/* What KVM reports to every guest: VCNT 8, FIX, WC. */
#define MEMTYPE_MTRRCAP_KVM 0x508u
/*
 * The most variable pairs a CPU can have: pair 40 would sit at 0x250, the
 * first fixed-range MSR (SDM Vol. 4 Table 2-2 MSR map), so VCNT > 40 is
 * refused as -ENOTSUP.
 */
#define MEMTYPE_MAX_VCNT 40u
/* The number of fixed-range sub-ranges below 1 MiB. */
#define MEMTYPE_FIXED_RANGES 88u

typedef struct memtype_mtrr memtype_mtrr;

/*
 * A CPU's MTRR state after reset: DEF_TYPE.E = 0, all PHYSMASKn.V = 0 and, as
 * the model's choice for the bits the SDM leaves undefined (§11.11.5), every
 * other MTRR bit 0. phys_bits is MAXPHYADDR (32..52, else -EINVAL; 36 when
 * CPUID does not tell, SDM §11.11.2.3). mtrrcap is the read-only MTRRcap
 * value; VCNT above MEMTYPE_MAX_VCNT is -ENOTSUP, reserved bits 63:16 -EINVAL.
 * Returns NULL on failure with the reason on ctx.
 */
MEMTYPE_API memtype_mtrr *memtype_mtrr_new(memtype_ctx *ctx, unsigned phys_bits, uint64_t mtrrcap);
MEMTYPE_API void memtype_mtrr_free(memtype_mtrr *m);
MEMTYPE_API memtype_mtrr *memtype_mtrr_clone(const memtype_mtrr *m);
MEMTYPE_API unsigned memtype_mtrr_phys_bits(const memtype_mtrr *m);
MEMTYPE_API unsigned memtype_mtrr_vcnt(const memtype_mtrr *m);

/*
 * WRMSR. Returns 0 when the write is accepted, or -EINVAL when the hardware
 * would raise #GP (the state is then unchanged; ctx error code "gp" and a
 * message naming the MSR and the offending field). An index in the MTRR
 * block 0x200-0x2FF that this CPU does not have (a pair >= VCNT, fixed MSRs
 * without MTRRcap.FIX, an unassigned index such as 0x251) is also #GP.
 * MTRRcap is read-only: writing it is #GP. IA32_PAT (0x277) and indexes
 * outside 0xFE and 0x200-0x2FF are not MTRRs: -ENOENT (code "not-mtrr").
 */
MEMTYPE_API int memtype_mtrr_wrmsr(memtype_mtrr *m, uint32_t index, uint64_t value);
/* RDMSR: 0 and *value; -EINVAL (#GP) for an index of the MTRR block this
 * CPU does not have; -ENOENT as for memtype_mtrr_wrmsr. */
MEMTYPE_API int memtype_mtrr_rdmsr(const memtype_mtrr *m, uint32_t index, uint64_t *value);
/* True if index is an MTRR MSR of some CPU (0xFE, 0x200-0x2FF MTRR ranges). */
MEMTYPE_API bool memtype_msr_is_mtrr(uint32_t index);
/* The MSR's architectural name ("IA32_MTRR_PHYSBASE3", "IA32_PAT"), or NULL. */
MEMTYPE_API const char *memtype_msr_name(uint32_t index);
/* Parse an MSR name as printed by memtype_msr_name (case-insensitive). */
MEMTYPE_API int memtype_msr_parse_name(const char *s, size_t len, uint32_t *index);

/* Which MTRR decided an address's type. */
typedef enum memtype_mtrr_source {
	MEMTYPE_MTRR_SRC_DISABLED = 0, /* DEF_TYPE.E = 0: UC everywhere */
	MEMTYPE_MTRR_SRC_FIXED = 1,    /* a fixed-range sub-range (E=1, FE=1, < 1 MiB) */
	MEMTYPE_MTRR_SRC_VARIABLE = 2, /* one or more variable pairs matched */
	MEMTYPE_MTRR_SRC_DEFAULT = 3,  /* nothing matched: DEF_TYPE.Type */
} memtype_mtrr_source;

typedef struct memtype_mtrr_hit {
	memtype_type type;	    /* MEMTYPE_UNDEFINED for an undefined overlap */
	memtype_mtrr_source source;
	uint32_t fixed_msr;	    /* SRC_FIXED: the fixed MSR's index */
	unsigned fixed_slot;	    /* SRC_FIXED: sub-range number 0..87 */
	uint64_t var_matched;	    /* SRC_VARIABLE: bit n set when pair n matched */
} memtype_mtrr_hit;

/*
 * The MTRR type of physical address addr, by the SDM rules (§11.11.4.1):
 * E=0 -> UC; fixed ranges below 1 MiB when E, FE and MTRRcap.FIX; else every
 * valid variable pair with (addr & mask) == (base & mask) over MAXPHYADDR
 * bits; one type, UC wins, WT+WB -> WT, any other mix UNDEFINED; none ->
 * default type. addr >= 2^phys_bits is -ERANGE.
 */
MEMTYPE_API int memtype_mtrr_lookup(const memtype_mtrr *m, uint64_t addr, memtype_mtrr_hit *out);

/*
 * The whole-space map over [0, 2^phys_bits - 1]: value = memtype_type, src =
 * memtype_mtrr_source | (fixed MSR index << 8) for fixed pieces, regs = the
 * matched variable pairs. Non-contiguous masks match several separate
 * intervals each; when the enabled pairs together match more than
 * max_pieces intervals the call fails with -E2BIG (0 means no limit). The
 * map then has at most 2 * max_pieces + 89 pieces.
 */
MEMTYPE_API int memtype_mtrr_build_map(const memtype_mtrr *m, size_t max_pieces, memtype_map **out);

/* ---------------------------------------------------------------------------
 * PAT (Intel SDM Vol. 3A §11.12).
 */

#define MEMTYPE_PAT_RESET 0x0007040600070406ull	       /* power-on: WB WT UC- UC WB WT UC- UC */
#define MEMTYPE_PAT_LINUX 0x0407050600070106ull	       /* Linux: WB WC UC- UC WB WP UC- WT */
#define MEMTYPE_PAT_LINUX_ERRATA 0x0007010600070106ull /* Linux, upper half unusable */

/*
 * Decode IA32_PAT into its eight entry types. -EINVAL (the #GP a WRMSR would
 * raise; ctx code "gp") when an entry holds 2, 3 or has bits 7:3 set.
 */
MEMTYPE_API int memtype_pat_decode(memtype_ctx *ctx, uint64_t msr, memtype_type out[8]);
/* Encode eight PAT entry types; -EINVAL if one is not a PAT type. */
MEMTYPE_API int memtype_pat_encode(const memtype_type types[8], uint64_t *msr);
/* A named layout: "reset", "linux", "linux-errata", "xen", "all-uc". -ENOENT otherwise. */
MEMTYPE_API int memtype_pat_layout(const char *name, uint64_t *msr);

typedef enum memtype_page_level {
	MEMTYPE_PAGE_4K,    /* PTE: PAT = bit 7 */
	MEMTYPE_PAGE_LARGE, /* 2M/4M PDE, 1G PDPTE (PS=1): PAT = bit 12 */
} memtype_page_level;

/* PAT index 4*PAT + 2*PCD + PWT of a leaf entry (PWT bit 3, PCD bit 4). */
MEMTYPE_API unsigned memtype_pat_index(uint64_t entry, memtype_page_level level);

/* ---------------------------------------------------------------------------
 * Effective type: MTRR x PAT, CR0.CD, EPT, NPT. Pure functions.
 */

typedef enum memtype_cpu { MEMTYPE_CPU_INTEL = 0, MEMTYPE_CPU_AMD = 1 } memtype_cpu;

/* Notes attached to a result. */
#define MEMTYPE_NOTE_UC_FROM_MTRR 0x01u /* Intel footnote 1: UC decided by the MTRR */
#define MEMTYPE_NOTE_UC_FROM_PAT 0x02u	/* Intel footnote 2: UC from the page tables */
#define MEMTYPE_NOTE_FORMERLY_UNDEF 0x04u /* Intel footnote 3: once implementation-defined */
#define MEMTYPE_NOTE_AMD_CD 0x08u	/* AMD's "CD": uncacheable, caches still snooped */
#define MEMTYPE_NOTE_CR0_CD 0x10u	/* caching disabled by CR0.CD (no-fill mode) */
#define MEMTYPE_NOTE_IPAT 0x20u		/* EPT IPAT: guest PAT ignored */
#define MEMTYPE_NOTE_MTRR_UNDEFINED 0x40u /* the MTRR input was an undefined overlap */

/* One rule applied on the way to a result, for "why" output. */
typedef struct memtype_step {
	const char *rule;   /* short stable name, e.g. "mtrr-x-pat" */
	const char *source; /* the manual section/table it comes from */
	memtype_type a, b;  /* the two inputs (b unused for one-input rules: == a) */
	memtype_type out;
	unsigned notes;
} memtype_step;

#define MEMTYPE_MAX_STEPS 6

typedef struct memtype_result {
	memtype_type type;
	unsigned notes;	 /* union of the steps' notes */
	unsigned nsteps;
	memtype_step steps[MEMTYPE_MAX_STEPS];
} memtype_result;

/*
 * Effective type of an access from the MTRR type and the PAT entry type
 * (Intel SDM Table 11-7; AMD APM Vol. 2 Table 7-11). mtrr may be
 * MEMTYPE_UNDEFINED (the result is then UNDEFINED). With cr0_cd the result is
 * UC (no-fill mode, SDM §11.5.3). -EINVAL if mtrr is not an MTRR type or pat
 * not a PAT type.
 */
MEMTYPE_API int memtype_combine_mtrr_pat(memtype_cpu cpu, memtype_type mtrr, memtype_type pat,
					 bool cr0_cd, memtype_result *out);

/*
 * Intel EPT (SDM Vol. 3C §28.2.6.2 "Memory Type Used for Translated
 * Guest-Physical Addresses"): guest CR0.CD -> UC; IPAT -> ept_mt; else
 * Table 11-7 with the EPT memory type in the MTRR's place. Guest and host
 * MTRRs are not consulted. -EINVAL if ept_mt is not an EPT type (a real EPT
 * leaf with 2, 3 or 7 is an EPT misconfiguration) or gpat not a PAT type.
 */
MEMTYPE_API int memtype_ept_effective(memtype_type ept_mt, bool ipat, memtype_type gpat,
				      bool guest_cd, memtype_result *out);

/*
 * AMD nested paging (APM Vol. 2 §15.25.8): guest PAT type x host PAT type
 * (Table 15-19), then that x the MTRR type of the system-physical address
 * (Table 15-20); guest or host CR0.CD disable caching. -EINVAL on bad input.
 */
MEMTYPE_API int memtype_npt_effective(memtype_type gpat, memtype_type hpat, memtype_type host_mtrr,
				      bool guest_cd, bool host_cd, memtype_result *out);

/* ---------------------------------------------------------------------------
 * Register files: a machine's MSR values as text, for `memtype resolve`.
 * Format (docs/register-file.md): '#' comments; "cpu: intel|amd";
 * "phys_bits: N"; "mtrrcap: V"; MSR lines "wrmsr IDX VAL", "IDX: VAL",
 * "IDX=VAL" or "NAME: VAL" (names as memtype_msr_name prints them).
 */

typedef struct memtype_regs memtype_regs;

/* An empty register set: Intel, phys_bits 36, MTRRcap 0x508, no MSRs. */
MEMTYPE_API memtype_regs *memtype_regs_new(memtype_ctx *ctx);
MEMTYPE_API void memtype_regs_free(memtype_regs *r);
/*
 * Parse len bytes of text named name (for diagnostics) into r, appending to
 * what r holds. Errors carry file/line/col and codes "syntax", "bad-number",
 * "unknown-key", "unknown-msr", "duplicate-key"; returns -EINVAL.
 */
MEMTYPE_API int memtype_regs_parse(memtype_regs *r, const char *name, const char *text, size_t len);
/* Parse "IDX=VAL" or "NAME=VAL" as given to --msr. */
MEMTYPE_API int memtype_regs_add_arg(memtype_regs *r, const char *arg);
MEMTYPE_API int memtype_regs_set_cpu(memtype_regs *r, memtype_cpu cpu);
MEMTYPE_API int memtype_regs_set_phys_bits(memtype_regs *r, unsigned phys_bits);
MEMTYPE_API memtype_cpu memtype_regs_cpu(const memtype_regs *r);
/* Where phys_bits came from: "default" (36, SDM §11.11.2.3), "file" or "option". */
MEMTYPE_API const char *memtype_regs_phys_bits_source(const memtype_regs *r);
/*
 * True when the register set names IA32_PAT; then *pat is its value.
 */
MEMTYPE_API bool memtype_regs_pat(const memtype_regs *r, uint64_t *pat);
/*
 * Build the MTRR state: reset, then every MTRR MSR written in order. A write
 * that would #GP fails with the MSR's file/line on ctx (code "gp").
 */
MEMTYPE_API int memtype_regs_to_mtrr(const memtype_regs *r, memtype_mtrr **out);


/* ---------------------------------------------------------------------------
 * Scenarios and simulation (DESIGN.md §4, docs/scenario-format.md): a
 * platform, firmware, hypervisor and guest kernel, and the mappings the
 * guest makes in boot order. memtype_simulate() runs every layer and keeps
 * both views: what the guest kernel believes (its MTRR view, its memtype
 * tree, its messages) and what the hardware does (the effective type).
 */

typedef struct memtype_scenario memtype_scenario;
typedef struct memtype_sim memtype_sim;

/*
 * Parse a YAML scenario (len bytes of text; file names it in diagnostics).
 * Errors carry file/line/col and codes "yaml-syntax", "unknown-key",
 * "bad-type", "bad-value", "missing-key", "out-of-range", "overlap",
 * "unknown-version", "duplicate-key"; return -EINVAL (-ENOMEM).
 */
MEMTYPE_API int memtype_scenario_load(memtype_ctx *ctx, const char *file, const char *text,
				      size_t len, memtype_scenario **out);
MEMTYPE_API void memtype_scenario_free(memtype_scenario *s);
MEMTYPE_API const char *memtype_scenario_name(const memtype_scenario *s);
/* Mapping groups: the distinct `who` values in order of first appearance. */
MEMTYPE_API size_t memtype_scenario_group_count(const memtype_scenario *s);
MEMTYPE_API const char *memtype_scenario_group(const memtype_scenario *s, size_t i);

/*
 * Run the scenario. group_order (group_count indexes, a permutation) runs
 * the mapping groups in that order, each group's mappings in file order;
 * NULL keeps file order. -EINVAL for a bad permutation or a scenario the
 * model cannot run (the reason on ctx).
 */
MEMTYPE_API int memtype_simulate(const memtype_scenario *s, const size_t *group_order,
				 memtype_sim **out);
MEMTYPE_API void memtype_sim_free(memtype_sim *sim);

/* "hardware" (read from MTRR MSRs), "forced" (software state), "none". */
MEMTYPE_API const char *memtype_sim_mtrr_source(const memtype_sim *sim);
/* The guest kernel's MTRR view over [0, 2^phys_bits - 1]: value = the MTRR
 * type its lookup returns for each piece (memtype_type). */
MEMTYPE_API const memtype_map *memtype_sim_guest_mtrr_map(const memtype_sim *sim);
/* The PAT the guest kernel programmed; *enabled false when PAT is off. */
MEMTYPE_API uint64_t memtype_sim_guest_pat(const memtype_sim *sim, bool *enabled);
/* What the guest can observe of the MTRRs: CPUID.1:EDX.MTRR, and whether its
 * MTRR MSR accesses are served by the (untrusted) host via #VE/#VC. */
MEMTYPE_API void memtype_sim_guest_sees(const memtype_sim *sim, bool *cpuid_mtrr,
					bool *msrs_via_host);
/* The MTRR MSRs the firmware left (the guest-visible registers), or NULL. */
MEMTYPE_API const memtype_mtrr *memtype_sim_firmware_mtrr(const memtype_sim *sim);
/*
 * The e820 table the firmware hands the guest: a preset's as the firmware
 * model lays it out (src/lib/platform.c), or the scenario's own list. Entry
 * i < memtype_sim_e820_count(): inclusive [*start, *end] and the kernel's
 * word for its type ("usable", "reserved", "ACPI data", "ACPI NVS",
 * "unusable", as arch/x86/kernel/e820.c e820_print_type prints them).
 * Returns 0, or -ERANGE when i is past the end.
 */
MEMTYPE_API size_t memtype_sim_e820_count(const memtype_sim *sim);
MEMTYPE_API int memtype_sim_e820(const memtype_sim *sim, size_t i, uint64_t *start, uint64_t *end,
				 const char **type);

/* The kernel log, in boot order; *mapping is the index (in the scenario)
 * of the mapping that caused the line, or -1. */
MEMTYPE_API size_t memtype_sim_log_count(const memtype_sim *sim);
MEMTYPE_API const char *memtype_sim_log_line(const memtype_sim *sim, size_t i, int *mapping);

typedef struct memtype_mapping_result {
	size_t index;	     /* position in the scenario's mappings: list */
	const char *who, *call, *device;
	uint64_t start, end; /* inclusive, as written */
	memtype_type requested;
	bool refused;	     /* no mapping was made (granted is then meaningless) */
	memtype_type granted;
	bool ok;	     /* the caller got its mapping */
	const char *message; /* the first kernel line this mapping caused, or NULL */
	size_t neffective;   /* pieces of memtype_sim_effective() */
} memtype_mapping_result;

/* Mappings in execution order. */
MEMTYPE_API size_t memtype_sim_mapping_count(const memtype_sim *sim);
MEMTYPE_API int memtype_sim_mapping(const memtype_sim *sim, size_t i, memtype_mapping_result *out);

typedef struct memtype_effective {
	uint64_t start, end;   /* inclusive piece of the mapping */
	memtype_type type;     /* what the hardware does */
	const char *stage2;    /* the stage-2 decision, with its source */
	memtype_result why;    /* the combining steps */
} memtype_effective;
MEMTYPE_API int memtype_sim_effective(const memtype_sim *sim, size_t i, size_t k,
				      memtype_effective *out);

typedef enum memtype_severity {
	MEMTYPE_SEV_INFO = 0,
	MEMTYPE_SEV_WARNING = 1,
	MEMTYPE_SEV_ERROR = 2,
} memtype_severity;

typedef struct memtype_finding {
	memtype_severity severity;
	const char *code;    /* stable kebab-case code, docs/json.md */
	const char *message;
	bool has_range;
	uint64_t start, end; /* inclusive */
	int mapping;	     /* scenario index of the mapping concerned, or -1 */
} memtype_finding;
MEMTYPE_API const char *memtype_severity_name(memtype_severity s);
MEMTYPE_API size_t memtype_sim_finding_count(const memtype_sim *sim);
MEMTYPE_API int memtype_sim_finding(const memtype_sim *sim, size_t i, memtype_finding *out);

/* The scenario's expect: block against this run: count, and each check's
 * outcome with a description and the scenario line. */
MEMTYPE_API size_t memtype_sim_expect_count(const memtype_sim *sim);
MEMTYPE_API int memtype_sim_expect(const memtype_sim *sim, size_t i, bool *passed,
				   const char **what, unsigned *line);

/*
 * Every order of the mapping groups (at most 8 groups: 40320 orders; more
 * is -E2BIG). An order fails when some mapping is refused.
 */
typedef struct memtype_orders memtype_orders;
MEMTYPE_API int memtype_simulate_all_orders(const memtype_scenario *s, memtype_orders **out);
MEMTYPE_API void memtype_orders_free(memtype_orders *o);
MEMTYPE_API size_t memtype_orders_count(const memtype_orders *o);
MEMTYPE_API size_t memtype_orders_failing(const memtype_orders *o);
/* Order i: groups[0..group_count-1] and whether every mapping succeeded. */
MEMTYPE_API int memtype_orders_get(const memtype_orders *o, size_t i, size_t *groups, bool *ok);
/* Rules (victim, a, b): a mapping of group victim is refused exactly in the
 * orders where group a runs before group b. */
MEMTYPE_API size_t memtype_orders_rule_count(const memtype_orders *o);
MEMTYPE_API int memtype_orders_rule(const memtype_orders *o, size_t i, size_t *victim, size_t *a,
				    size_t *b);

/* ---------------------------------------------------------------------------
 * Drawing: the address space of a simulation as stacked SVG layers (e820,
 * the guest kernel's MTRR view, each mapping's page-table type, stage 2 and
 * the effective type), with a legend. Output goes to a writer callback.
 */
typedef void (*memtype_write_fn)(void *ud, const char *data, size_t len);
/* Write a self-contained <svg> element (no external references) for sim. */
MEMTYPE_API int memtype_sim_svg(const memtype_sim *sim, memtype_write_fn write, void *ud);

/* ---------------------------------------------------------------------------
 * The compatibility matrix (`memtype matrix`): every combination of the axes
 * (firmware, platform, guest kernel, TPM ACPI description) for a standard
 * q35 guest with ACPI, a TPM and an HPET, each simulated in every order of
 * its mapping groups, with a verdict and a one-line reason per cell.
 */
typedef struct memtype_matrix memtype_matrix;

/* Run the built-in matrix. */
MEMTYPE_API int memtype_matrix_builtin(memtype_ctx *ctx, memtype_matrix **out);
/*
 * Sweep the axes scenario files declare (axes: in docs/scenario-format.md):
 * every combination of their values, each cell verdicted like the built-in
 * matrix. With several files they must declare the same axes, and an extra
 * first axis "scenario" names the file. A value the schema rejects fails
 * the sweep with its file/line/col. The scenarios must outlive the matrix.
 */
MEMTYPE_API int memtype_matrix_sweep(memtype_ctx *ctx, const memtype_scenario *const *scs, size_t n,
				     memtype_matrix **out);
MEMTYPE_API void memtype_matrix_free(memtype_matrix *m);
/* Axes, in coordinate order: name ("firmware", "platform", "kernel", "tpm"),
 * number of values, and each value's short name and description. */
MEMTYPE_API size_t memtype_matrix_axis_count(const memtype_matrix *m);
MEMTYPE_API const char *memtype_matrix_axis_name(const memtype_matrix *m, size_t axis);
MEMTYPE_API size_t memtype_matrix_axis_size(const memtype_matrix *m, size_t axis);
MEMTYPE_API const char *memtype_matrix_axis_value(const memtype_matrix *m, size_t axis, size_t k);
MEMTYPE_API const char *memtype_matrix_axis_doc(const memtype_matrix *m, size_t axis, size_t k);

#define MEMTYPE_MATRIX_MAX_AXES 6
#define MEMTYPE_MATRIX_MAX_CODES 8

typedef struct memtype_matrix_cell {
	size_t coord[MEMTYPE_MATRIX_MAX_AXES]; /* value index per axis */
	/* "ok" | "conflict" | "slow" | "unsafe" | "undefined", or "n/a" for a
	 * combination that cannot exist (SeaBIOS with SNP/TDX) */
	const char *verdict;
	const char *reason;  /* one line */
	size_t ncodes;	     /* distinct finding codes over every order */
	const char *codes[MEMTYPE_MATRIX_MAX_CODES];
	size_t orders, failing_orders;
} memtype_matrix_cell;

/* Cells in row-major order of the axes (the last axis varies fastest). */
MEMTYPE_API size_t memtype_matrix_cell_count(const memtype_matrix *m);
MEMTYPE_API int memtype_matrix_get_cell(const memtype_matrix *m, size_t i,
				       memtype_matrix_cell *out);
/* Re-run cell i in boot order for its detail (the caller frees the sim). */
MEMTYPE_API int memtype_matrix_cell_sim(const memtype_matrix *m, size_t i, memtype_sim **out);

/* ---------------------------------------------------------------------------
 * Captures and explain (issue 5). Append the capture/explain API below this
 * line (anchor for parallel work; keep this comment).
 */

/*
 * A capture is text from a real machine: a kernel log (dmesg, journalctl -k,
 * a serial console, a log quoted in a mail or a forum post), a /proc/mtrr
 * listing, an MSR dump (rdmsr/wrmsr output, "0x2ff: 0xc00" lines), or a
 * /sys/kernel/debug/x86/pat_memtype_list listing -- or several of these in
 * one file (docs/capture-formats.md lists every line and era understood).
 * Parsing records facts only; memtype_explain_run() interprets them.
 */
typedef enum memtype_capture_format {
	MEMTYPE_CAPTURE_AUTO = 0,      /* detect from the lines (several formats may mix) */
	MEMTYPE_CAPTURE_DMESG = 1,     /* kernel log */
	MEMTYPE_CAPTURE_PROC_MTRR = 2, /* /proc/mtrr */
	MEMTYPE_CAPTURE_MSR = 3,       /* MSR dumps */
	MEMTYPE_CAPTURE_PAT_LIST = 4,  /* pat_memtype_list */
} memtype_capture_format;

/* "auto", "dmesg", "proc-mtrr", "msr", "pat-list"; NULL for other values. */
MEMTYPE_API const char *memtype_capture_format_name(memtype_capture_format f);
/* The inverse of memtype_capture_format_name (NUL-terminated s); -EINVAL. */
MEMTYPE_API int memtype_capture_format_parse(const char *s, memtype_capture_format *out);

typedef struct memtype_capture memtype_capture;

/*
 * A capture being read from an input called name (for diagnostics; copied).
 * format forces one format (only its lines are recognised) or is AUTO.
 * Returns NULL on allocation failure (reason on ctx).
 */
MEMTYPE_API memtype_capture *memtype_capture_new(memtype_ctx *ctx, const char *name,
						 memtype_capture_format format);
/*
 * Feed the next len bytes of the input (any split: lines may straddle
 * calls). Memory stays bounded whatever the input size. Returns 0, or
 * -EINVAL once the input is known not to be a capture (binary data, or
 * no recognised line in the first 64 MiB); the caller should then stop
 * feeding. Errors carry the input name, line and column and the codes
 * "binary-input" and "unrecognised-format".
 */
MEMTYPE_API int memtype_capture_feed(memtype_capture *c, const void *data, size_t len);
/*
 * End of input. Returns 0 when at least one line of a capture format was
 * recognised, else -EINVAL with code "unrecognised-format" (or
 * "empty-input", "binary-input"; with a forced format "no-<format>-lines").
 */
MEMTYPE_API int memtype_capture_finish(memtype_capture *c);
/* new + feed + finish over a whole buffer. *out is NULL on failure. */
MEMTYPE_API int memtype_capture_parse(memtype_ctx *ctx, const char *name, const void *text,
				      size_t len, memtype_capture_format format,
				      memtype_capture **out);
MEMTYPE_API void memtype_capture_free(memtype_capture *c);
MEMTYPE_API const char *memtype_capture_name(const memtype_capture *c);
/*
 * The capture's main format: the forced one, else dmesg when any kernel
 * log line was recognised, else proc-mtrr, msr, pat-list in that order;
 * AUTO when nothing was recognised.
 */
MEMTYPE_API memtype_capture_format memtype_capture_format_of(const memtype_capture *c);
/* Bit (1u << f) for every format with at least one recognised line. */
MEMTYPE_API unsigned memtype_capture_formats(const memtype_capture *c);
/* Lines read and lines recognised. */
MEMTYPE_API size_t memtype_capture_line_count(const memtype_capture *c);
MEMTYPE_API size_t memtype_capture_used_count(const memtype_capture *c);

/*
 * Diagnostics: lines that started like a known message but could not be
 * used (cut short, bad number, unknown type word, out of the model's
 * range...), with their position. At most 32 are kept; *dropped says how
 * many more there were. Strings live in the capture.
 */
typedef struct memtype_diag {
	const char *file;
	unsigned line, col;
	const char *code;
	const char *message;
} memtype_diag;
MEMTYPE_API size_t memtype_capture_diag_count(const memtype_capture *c, size_t *dropped);
MEMTYPE_API int memtype_capture_diag(const memtype_capture *c, size_t i, memtype_diag *out);

/*
 * Explain: merge the captures of one machine (n >= 1; the first capture
 * that knows a value wins, every disagreement is reported), rebuild its
 * MTRR/PAT/e820 state, and compute:
 *  - mtrr_map: the architectural MTRR type of every address of
 *    [0, 2^phys_bits) (SDM §11.11.4.1; AMD TOM2 makes [4 GiB, TOM2) WB where
 *    no variable MTRR matches, APM Vol. 2 §7.9.1);
 *  - Linux's view: what mtrr_cleanup() would do with these registers
 *    (arch/x86/kernel/cpu/mtrr/cleanup.c), the 6.5+ cache map built from the
 *    registers the kernel ends with, and the RAM its trim would report as
 *    lost ("losing NMB of RAM");
 *  - checks: where a capture carries the kernel's own conclusions (its
 *    "MTRR map:" line and entries, its cleanup results, its losing line),
 *    whether the model agrees;
 *  - findings (codes in docs/json.md).
 * What a capture cannot tell is reported as unknown, with the assumption
 * used in its place listed in `assumptions`. Returns 0, -EINVAL (n == 0)
 * or -ENOMEM.
 */
typedef struct memtype_explain memtype_explain;

MEMTYPE_API int memtype_explain_run(memtype_ctx *ctx, const memtype_capture *const *caps,
				    size_t n, memtype_explain **out);
MEMTYPE_API void memtype_explain_free(memtype_explain *e);

/* A variable MTRR. */
typedef struct memtype_capture_var {
	unsigned index;
	bool enabled;	   /* PHYSMASKn.V */
	uint64_t base;	   /* PHYSBASEn address bits (type byte removed) */
	uint64_t mask;	   /* PHYSMASKn address bits (V removed) */
	uint64_t size;	   /* the size the mask gives (Linux get_mtrr_size: -(mask | bits >= phys_bits)) */
	memtype_type type; /* meaningful when type_valid */
	bool type_valid;   /* false: a reserved encoding (the dump's "?"), or unknown */
	bool exact;	   /* mask bits read as such (dump, MSR), not derived from a size */
} memtype_capture_var;

/* A range with a type (maps, fixed runs, PAT list) or an e820 entry. */
typedef struct memtype_capture_range {
	uint64_t start, end; /* inclusive */
	memtype_type type;   /* unused for e820 entries */
	const char *name;    /* e820: the kernel's word ("usable", "ACPI NVS", "type 20"); else NULL */
} memtype_capture_range;

/* The numbers of a "MTRR map: N entries (F fixed + V variable; max M), built
 * from K variable MTRRs" line. */
typedef struct memtype_linux_count {
	bool known;
	unsigned entries, fixed, variable, max, built_from;
} memtype_linux_count;

/* One mtrr_cleanup result ("gran_size: 64K chunk_size: 16M num_reg: 3 lose cover RAM: 0G"). */
typedef struct memtype_cleanup_result {
	bool known;
	bool bad;		    /* printed with "*BAD*" */
	uint64_t gran, chunk, lose; /* bytes */
	unsigned num_reg;
} memtype_cleanup_result;

/* A cross-check of the model against what the capture says. */
typedef struct memtype_check {
	const char *what;  /* "mtrr-map", "mtrr-map-entries", "cleanup-total", "cleanup-result",
			      "cleanup-original", "cleanup-registers", "losing", "vcnt", "pat",
			      "merge" */
	bool agrees;
	const char *log;   /* what the capture says (one line) */
	const char *model; /* what the model computes, or the difference */
} memtype_check;

typedef struct memtype_explain_info {
	size_t ninputs;
	const char *const *input_names;
	const memtype_capture_format *input_formats;
	const unsigned *input_formats_seen; /* memtype_capture_formats() of each */

	/* What the captures say about the machine; NULL when they do not. */
	const char *kernel;	       /* "5.10.0-21-amd64" from "Linux version" */
	const char *dmi;
	const char *cpu_vendor;	       /* "intel", "amd" */
	const char *cpu_vendor_source;
	const char *hypervisor;	       /* "Hypervisor detected:" */
	unsigned phys_bits;	       /* MAXPHYADDR used for the maps */
	const char *phys_bits_source;  /* "cpuid", "mask" (widest PHYSMASK), "address" (lowest
					  width that holds every address seen), "default" (36) */

	/* The MTRR state (firmware's registers, before any kernel cleanup). */
	const char *mtrr_source;       /* "msr", "dump", "proc-mtrr", "cleanup-table", "map-line"
					  (no variable entry in the log's map: all unused), "none" */
	int mtrr_enabled;	       /* DEF_TYPE.E: 1, 0, -1 unknown */
	int fixed_enabled;	       /* DEF_TYPE.FE: 1, 0, -1 unknown */
	bool default_known;
	memtype_type default_type;
	const char *default_source;    /* "msr", "dump", "cleanup" (it needs UC), "trim", "inferred" */
	unsigned vcnt;		       /* MTRRcap.VCNT, 0 unknown */
	const char *vcnt_source;       /* "mtrrcap", "dump", "map-line", "lower-bound" */
	bool fixed_known;
	size_t nfixed;
	const memtype_capture_range *fixed; /* runs of equal type over [0, 1 MiB) */
	bool var_known;
	size_t nvar;
	const memtype_capture_var *var;
	uint64_t tom2;		       /* AMD TOP_MEM2 (exclusive end), 0 none or unknown */
	const char *tom2_source;       /* "log", "msr", "inferred" (a lower bound: RAM above 4 GiB
					  not WB by the MTRRs, yet the log shows no trim) */
	bool pat_known;
	uint64_t pat;		       /* IA32_PAT */
	const char *pat_source;	       /* "msr", "dmesg" */
	size_t ne820;
	const memtype_capture_range *e820;

	/* The architectural map (value = memtype_type), or NULL when the
	 * captures lack the variable MTRRs. */
	const memtype_map *mtrr_map;
	size_t nassumptions;
	const char *const *assumptions;

	/* Linux's mtrr_cleanup() on these registers. */
	const char *cleanup_status;  /* "rewrites", "keeps" (not needed or not allowed),
					"no-optimal", "unknown" (registers unknown) */
	const char *cleanup_reason;  /* one line */
	uint64_t cleanup_total_mb;   /* "total RAM covered: %ldM" */
	memtype_cleanup_result cleanup_result; /* the chosen (or given) gran/chunk */
	size_t ncleanup_var;
	const memtype_capture_var *cleanup_var; /* the registers it writes */

	/* Linux 6.5+ cache map from the registers the kernel ends with. */
	memtype_linux_count linux_map;
	memtype_linux_count linux_map_firmware; /* from the firmware's registers */
	memtype_linux_count log_map;		/* the capture's own "MTRR map:" line */
	size_t nlinux_entries;
	const memtype_capture_range *linux_entries;
	bool linux_after_cleanup;	       /* linux_map counts the cleaned registers */
	/* mtrr_trim_uncached_memory(): whether it runs and the MiB it would report. */
	bool trim_runs;
	uint64_t losing_mb;

	size_t nchecks;
	const memtype_check *checks;
	size_t nfindings;
	const memtype_finding *findings;
	size_t ndiags;
	const memtype_diag *diags;
} memtype_explain_info;

/* The explanation; every pointer lives as long as e. */
MEMTYPE_API const memtype_explain_info *memtype_explain_get(const memtype_explain *e);
/*
 * Draw the explanation as one self-contained <svg> through write: the e820
 * map, the architectural MTRR map and Linux's 6.5+ map, one layer each, on
 * an ordinal address axis. 0, -EINVAL or -ENOMEM.
 */
MEMTYPE_API int memtype_explain_svg(const memtype_explain *e, memtype_write_fn write, void *ud);

/*
 * One MSR as a capture read it (an MSR dump: "cpu0: 0x2ff: 0xc06",
 * "0x2ff: c06", rdmsr output...): *value is the first read's value, *reads
 * how many reads there were (one per CPU in a `memtype capture` file),
 * *differ how many of them gave another value than the first (CPUs that
 * disagree). Any out pointer may be NULL. Only the MSRs captures keep are
 * known: MTRRcap 0xFE, 0x200-0x2FF (the MTRRs, IA32_PAT), AMD SYSCFG
 * 0xC0010010 and TOP_MEM2 0xC001001D. Returns 0, -ENOENT when the capture
 * did not read index, -EINVAL for a NULL capture.
 */
MEMTYPE_API int memtype_capture_msr(const memtype_capture *c, uint32_t index, uint64_t *value,
				    unsigned *reads, unsigned *differ);
/*
 * The register state a capture read as MSRs, appended to r as a register
 * file would be (memtype_regs_parse): MTRRcap, DEF_TYPE, the fixed and
 * variable MTRRs and IA32_PAT with the first read's value of each (on a
 * multi-CPU capture the first CPU's: memtype_capture_msr tells where CPUs
 * disagree), replayed in the order the capture read them; the CPU vendor
 * when the capture names it (vendor_id, kernel-log hints); MAXPHYADDR from
 * CPUID, else the width of the widest valid PHYSMASK. A value the CPU would
 * refuse is the #GP memtype_regs_to_mtrr reports, at the capture's line.
 * Returns 0; -ENOENT (code "no-msrs") when the capture has no
 * IA32_MTRR_DEF_TYPE value; -EINVAL, -ENOMEM, or memtype_regs_parse's error.
 */
MEMTYPE_API int memtype_capture_to_regs(const memtype_capture *c, memtype_regs *r);

/* ---------------------------------------------------------------------------
 * MTRR layout planning (issue 6). Append the planner API below this line
 * (anchor for parallel work; keep this comment).
 */

/*
 * The planner (docs/plan.md) turns a target map -- a memory type for every
 * address, or "unlisted" -- into the default type, fixed-range bytes and the
 * fewest variable base/mask pairs that realize it exactly, and proves the
 * count minimal over every layout of contiguous-mask pairs (an exact dynamic
 * program over the binary trie of the address space). Every layout it
 * returns has been written into a fresh memtype_mtrr and compared, piece by
 * piece, with the target through memtype_mtrr_build_map().
 */

/* The target-map value of an address the map does not list: it gets the
 * plan's default type, or any type in dont-care mode. */
#define MEMTYPE_PLAN_UNLISTED 0x200u
/* The most pieces a target map may have (memtype_plan_compute: -E2BIG). */
#define MEMTYPE_PLAN_MAX_PIECES 16384u

/*
 * Parse a plan map file (DESIGN.md §3, docs/plan.md): one range per line,
 * "START-END TYPE" (inclusive end) or "START+SIZE TYPE", numbers as
 * memtype_parse_u64 reads them, TYPE an MTRR type in any spelling
 * memtype_type_parse accepts (UC WC WT WP WB), '#' comments and blank lines.
 * Ranges may come in any order but must not overlap. *out is a map over
 * [0, 2^phys_bits - 1] whose listed pieces carry the type as value, the line
 * as src and the column as regs, and MEMTYPE_PLAN_UNLISTED (src 0) elsewhere.
 * Errors return -EINVAL (or -ENOMEM) with name/line/col and one of the codes
 * "syntax", "bad-number", "bad-type" (not an MTRR type, e.g. UC-),
 * "overlap", "out-of-range" (beyond MAXPHYADDR); phys_bits outside 32..52 is
 * -EINVAL "bad-phys-bits".
 */
MEMTYPE_API int memtype_plan_parse_map(memtype_ctx *ctx, const char *name, const char *text,
				       size_t len, unsigned phys_bits, memtype_map **out);

typedef struct memtype_plan_opts {
	unsigned phys_bits; /* MAXPHYADDR, 32..52: the target map's domain */
	unsigned vcnt;	    /* variable pairs the CPU has, 0..MEMTYPE_MAX_VCNT */
	bool no_fixed;	    /* the CPU has no fixed-range MTRRs (MTRRcap.FIX = 0) */
	bool dont_care;	    /* unlisted addresses may get any (defined) type */
	bool best_effort;   /* when vcnt is too small, the layout losing the least WB */
	int default_type;   /* a memtype_type to force as DEF_TYPE.Type, or -1: choose */
	const char *name;   /* the map's name for diagnostics (NULL: none) */
} memtype_plan_opts;

typedef struct memtype_plan memtype_plan;

/*
 * Plan target (values: MTRR types or MEMTYPE_PLAN_UNLISTED; src and regs, if
 * non-zero, are the line and column diagnostics cite, as parse_map sets
 * them) over exactly [0, 2^opts->phys_bits - 1].
 *
 * Below 1 MiB the fixed ranges realize the map when the CPU has them and the
 * map is constant over each fixed sub-range (SDM §11.11.2.2, Table 11-9);
 * otherwise FE = 0 and variable pairs cover the first MiB too. The default
 * type is opts->default_type or, when that is -1, the one needing the fewest
 * pairs (ties: UC, WB, WT, WP, WC).
 *
 * Returns 0 and a plan whenever the map is realizable at all, even when it
 * needs more than vcnt pairs: memtype_plan_summary says whether it fits and,
 * with best_effort, gives the layout with vcnt pairs that loses the fewest
 * bytes of WB (every non-WB address keeps its type). Errors: -EINVAL for a
 * map no MTRR layout realizes (code "unaligned": two types within one 4 KiB
 * page; "bad-map": wrong domain or value; "bad-option"), with
 * opts->name/line/col when the map says where; -E2BIG (code
 * "map-too-large": more than MEMTYPE_PLAN_MAX_PIECES pieces); -ENOMEM; -EPROTO (code
 * "plan-verify-failed") when the architecture core disagrees with the
 * planner -- an internal error, never a wrong answer.
 */
MEMTYPE_API int memtype_plan_compute(memtype_ctx *ctx, const memtype_map *target,
				     const memtype_plan_opts *opts, memtype_plan **out);
MEMTYPE_API void memtype_plan_free(memtype_plan *p);

typedef struct memtype_plan_summary {
	bool has_layout;	  /* registers are available (see below) */
	memtype_type default_type; /* DEF_TYPE.Type of the layout */
	bool fixed_enabled;	  /* DEF_TYPE.FE of the layout */
	bool fixed_fallback;	  /* the CPU has fixed ranges but they cannot represent
				     the first MiB of the map: FE = 0 */
	unsigned count;		  /* variable pairs the layout uses */
	unsigned lower_bound;	  /* the fewest pairs any contiguous-mask layout needs to
				     realize the target exactly (exact DP: a proof) */
	bool optimal;		  /* the layout is exact and count == lower_bound */
	bool fits;		  /* lower_bound <= vcnt */
	bool exact;		  /* the layout realizes the target exactly (verified) */
	uint64_t lost_bytes;	  /* best effort: WB-target bytes that are not WB */
	bool least_loss;	  /* best effort: lost_bytes is the proven minimum */
	uint64_t mtrrcap;	  /* the MTRRcap the layout was verified with */
	unsigned phys_bits;
} memtype_plan_summary;

/*
 * has_layout is false when no layout is returned: the exact layout needs
 * more than MEMTYPE_MAX_VCNT pairs and best effort was not asked for, or best
 * effort found no layout within vcnt pairs that keeps every non-WB address
 * exact. When the exact layout does not fit and best effort was not asked
 * for, the layout returned is the exact one, verified on a CPU with
 * VCNT = count (mtrrcap says so).
 */
MEMTYPE_API void memtype_plan_get_summary(const memtype_plan *p, memtype_plan_summary *out);

/*
 * The fewest variable pairs that realize the target exactly with default
 * type d (and fixed ranges when they can) -- computed for every default even
 * when one is forced -- or UINT32_MAX when d is not an MTRR type or no layout
 * with default d realizes the map.
 */
MEMTYPE_API uint32_t memtype_plan_count_for_default(const memtype_plan *p, memtype_type d);

typedef struct memtype_plan_var {
	uint64_t physbase; /* IA32_MTRR_PHYSBASEn value: base | type */
	uint64_t physmask; /* IA32_MTRR_PHYSMASKn value: contiguous mask | V */
	memtype_type type;
	uint64_t start, end; /* the block it matches, inclusive */
} memtype_plan_var;

/* Variable pair i of the layout (pair number i), in address order, larger
 * blocks before the blocks they contain. -ERANGE past the end. */
MEMTYPE_API size_t memtype_plan_var_count(const memtype_plan *p);
MEMTYPE_API int memtype_plan_get_var(const memtype_plan *p, size_t i, memtype_plan_var *out);
/* Fixed-range MSR i (0..10, in address order: 0x250, 0x258, 0x259,
 * 0x268..0x26F) and its value; -ENOENT when the layout has FE = 0. */
MEMTYPE_API int memtype_plan_fixed(const memtype_plan *p, size_t i, uint32_t *index,
				   uint64_t *value);
/*
 * The layout as a WRMSR sequence, in the order SDM §11.11.7.2 (MemTypeSet)
 * programs MTRRs: IA32_MTRR_DEF_TYPE <- 0 (MTRRs off), the fixed-range
 * MSRs when FE, each pair's PHYSBASE then PHYSMASK, PHYSMASK <- 0 for the
 * unused pairs below vcnt, and last DEF_TYPE with E, FE and the type.
 */
MEMTYPE_API size_t memtype_plan_msr_count(const memtype_plan *p);
MEMTYPE_API int memtype_plan_msr(const memtype_plan *p, size_t i, uint32_t *index,
				 uint64_t *value);
/* Best effort: the WB-target ranges the layout does not make WB, in address
 * order; value = the type they get instead. */
MEMTYPE_API size_t memtype_plan_lost_count(const memtype_plan *p);
MEMTYPE_API int memtype_plan_lost(const memtype_plan *p, size_t i, memtype_range *out);
/* A fresh MTRR state (reset, then the WRMSR sequence) for the layout; the
 * caller frees it. -ENOENT without a layout. */
MEMTYPE_API int memtype_plan_to_mtrr(const memtype_plan *p, memtype_mtrr **out);

#ifdef __cplusplus
}
#endif

#endif /* MEMTYPE_H */
