/*
 * capture.h - captures from real machines (internal): what a dmesg log, a
 * /proc/mtrr listing, an MSR dump or a pat_memtype_list says, line by line,
 * before any interpretation.
 *
 * capture.c owns the object; capture_lines.c its line machinery: streaming
 * input in bounded memory (one line buffer, fixed-size tables), prefix
 * stripping (capture_prefix.c: timestamps, printk levels, journalctl/syslog
 * "host kernel:" headers, mail quotes), quoted-printable decoding, and the
 * recovery of lines that a mail client wrapped; capture_detect.c tells
 * binary and quoted-printable input apart and hands each line to the
 * recognisers. Each format's recognisers live in their own files
 * (capture_dmesg*.c, capture_procmtrr.c, capture_msr.c, capture_patlist.c),
 * parse with the helpers below (capture_numbers.c, capture_text.c) and only
 * record facts here; explain*.c turn the facts of one or more captures into
 * a machine state (explain_merge.c), maps and findings.
 *
 * Every table has a fixed capacity; what does not fit is counted and
 * reported as a diagnostic, never grown without bound, so a 1 GB input
 * costs time linear in its size and a constant amount of memory.
 */
#ifndef MEMTYPE_CAPTURE_H
#define MEMTYPE_CAPTURE_H

#include "internal.h"

#include <string.h>

#define MT_CAP_LINE_MAX	     4096u	 /* longer lines are cut (diagnostic "line-too-long") */
#define MT_CAP_SNIFF	     16384u	 /* bytes looked at before the first line is parsed */
#define MT_CAP_GIVE_UP	     (64u << 20) /* no recognised line in this many bytes: not a capture */
#define MT_CAP_MAX_VAR	     64u	 /* variable MTRR indexes a capture may name */
#define MT_CAP_MAX_E820	     256u
#define MT_CAP_MAX_MAP	     600u /* CACHE_MAP_MAX of Linux 6.5+ generic.c */
#define MT_CAP_MAX_CLEAN     64u  /* registers in an mtrr_cleanup table */
#define MT_CAP_MAX_RESULTS   264u /* NUM_RESULT of Linux cleanup.c (RHEL: 264) */
#define MT_CAP_MAX_PROC	     64u
#define MT_CAP_MAX_PATLIST   512u
#define MT_CAP_MAX_CONFLICTS 16u
#define MT_CAP_MAX_DIAGS     32u
#define MT_CAP_TEXT	     160u
#define MT_CAP_FIXED	     88u

/* The MSRs an MSR dump may give, in a compact slot space. */
#define MT_MSR_SYSCFG	 0xc0010010u /* AMD SYSCFG (APM Vol. 2 §7.9) */
#define MT_MSR_TOP_MEM2	 0xc001001du /* AMD TOP_MEM2 */
#define MT_CAP_MSR_SLOTS 259u	     /* 0xfe, 0x200-0x2ff, SYSCFG, TOP_MEM2 */

/* Formats as bits of memtype_capture::formats. */
#define MT_FMT_BIT(f) (1u << (unsigned)(f))

/* What a recogniser made of a line. */
typedef enum mt_line_result {
	MT_LINE_NOT_MINE = 0, /* not a line of this format */
	MT_LINE_USED = 1,     /* recognised and recorded */
	MT_LINE_PARTIAL = 2,  /* starts like a known message but is cut short: maybe wrapped */
} mt_line_result;

/* Where in a multi-line block the parser is. */
typedef enum mt_section {
	MT_SECT_NONE,
	MT_SECT_DUMP,	    /* after "MTRR default type:" */
	MT_SECT_FIXED,	    /* after "MTRR fixed ranges enabled:" */
	MT_SECT_VAR,	    /* after "MTRR variable ranges enabled:" */
	MT_SECT_MAP,	    /* after "MTRR map:" (mtrr=debug entries follow) */
	MT_SECT_CLEAN_ORIG, /* after "original variable MTRRs" */
	MT_SECT_CLEAN_NEW,  /* after "New variable MTRRs" */
	MT_SECT_RDMSR,	    /* after an rdmsr command line: its output */
} mt_section;

/*
 * The "# section: NAME" blocks of a `memtype capture` file
 * (docs/capture-format.md). The line machinery tracks them so that text
 * explain does not model (/proc/iomem) is skipped quietly, and so that the
 * kernel banner read from /proc/version and again from the kernel log is
 * known to be one boot, not two.
 */
typedef enum mt_file_sect {
	MT_FSECT_NONE = 0,   /* not a capture file, or before its first section */
	MT_FSECT_KERNEL,     /* /proc/version */
	MT_FSECT_IOMEM,	     /* /proc/iomem: skipped */
	MT_FSECT_KERNEL_LOG, /* the kernel's boot lines */
	MT_FSECT_OTHER,	     /* cpuid, msr, proc-mtrr, memmap, pat_memtype_list, ... */
} mt_file_sect;

/* One variable MTRR as a register dump or MSR read gives it. */
struct mt_cap_var {
	bool present;  /* the capture names this index */
	bool valid;    /* PHYSMASK.V ("disabled" in a dump) */
	uint64_t base; /* PHYSBASE including the type byte */
	uint64_t mask; /* PHYSMASK including V */
	bool type_ok;  /* the dump's type word was understood ("?" is not) */
	unsigned line;
};

/* A register as the mtrr_cleanup tables or /proc/mtrr give it: base/size. */
struct mt_cap_sizereg {
	unsigned index;
	uint64_t base, size; /* bytes */
	int type;	     /* memtype_type, or -1 for "Other"/"?" */
	unsigned count;	     /* /proc/mtrr usage count */
	unsigned line;
};

/* One mtrr_cleanup result line (cleanup.c mtrr_print_out_one_result). */
struct mt_cap_result {
	bool bad;
	uint64_t gran, chunk, lose; /* bytes */
	unsigned num_reg;
};

struct mt_cap_range {
	uint64_t start, end; /* inclusive */
	int type;	     /* memtype_type (maps, PAT list) */
	char name[24];	     /* e820: the kernel's word for the type */
};

/* A range with a type only (map entries, PAT list entries). */
struct mt_cap_trange {
	uint64_t start, end; /* inclusive */
	int type;	     /* memtype_type */
};

struct mt_cap_msr {
	bool present;
	uint64_t value;	 /* the first CPU's value */
	unsigned cpus;	 /* how many reads gave a value */
	unsigned differ; /* reads that gave another value */
	uint64_t other;	 /* the first differing value */
	unsigned line;
};

struct mt_cap_diag {
	unsigned line, col;
	char code[32];
	char message[MT_CAP_TEXT];
};

/* Kernel parameters that change what MTRR code does (Linux
 * Documentation/admin-guide/kernel-parameters.txt). */
struct mt_cap_params {
	bool seen;	      /* a "Command line:" was found */
	int enable_cleanup;   /* 1 enable_mtrr_cleanup, 0 disable_mtrr_cleanup, -1 unset */
	bool disable_trim;    /* disable_mtrr_trim */
	bool mtrr_debug;      /* mtrr=debug (6.5+) or mtrr_cleanup_debug */
	uint64_t chunk, gran; /* mtrr_chunk_size= / mtrr_gran_size= (0 unset) */
	int spare;	      /* mtrr_spare_reg_nr= (-1 unset) */
	bool nopat;
};

struct memtype_capture {
	memtype_ctx *ctx;
	char name[256];
	memtype_capture_format forced; /* AUTO when detecting */
	unsigned formats;	       /* MT_FMT_BIT of every format with a used line */
	bool finished, failed;

	/* ---- line machinery (capture_lines.c, capture_detect.c) */
	uint64_t bytes;
	unsigned line;	     /* number of the line being parsed (1-based) */
	unsigned lines_used; /* recognised lines */
	char *sniff;	     /* the first MT_CAP_SNIFF bytes, until sniffed */
	size_t nsniff;
	bool sniffed, qp, binary;
	char *buf; /* the current raw line */
	size_t nbuf;
	bool overflow; /* the current line exceeded MT_CAP_LINE_MAX */
	char *qpbuf;   /* a quoted-printable line being joined */
	size_t nqp;
	unsigned qp_line;
	char *pending; /* a PARTIAL line waiting for its wrapped tail */
	size_t npending;
	unsigned pending_line;
	mt_section sect;
	int sect_format;	/* the format whose section is open */
	mt_file_sect file_sect; /* the capture-file section being read */
	unsigned skipped_iomem; /* /proc/iomem lines skipped */

	/* ---- dmesg facts (capture_dmesg*.c) */
	char kernel[64];
	unsigned kernel_version;  /* major * 100 + minor, 0 unknown */
	bool second_boot;	  /* a second "Linux version": later kernel lines are skipped */
	uint64_t banner_hash;	  /* FNV-1a of the first "Linux version" line */
	mt_file_sect banner_sect; /* the capture-file section it was in */
	char dmi[MT_CAP_TEXT];
	char hypervisor[48];
	int vendor; /* 0 unknown, 1 intel, 2 amd */
	char vendor_source[64];
	struct mt_cap_params params;

	bool dump_seen;	    /* "MTRR default type:" */
	int dump_def_type;  /* memtype_type, -1 unknown/"?" */
	int dump_fixed_hdr; /* -1 none, 0 "disabled", 1 "enabled" */
	int dump_var_hdr;   /* -1 none, 0 "disabled", 1 "enabled" */
	uint8_t fixed[MT_CAP_FIXED];
	bool fixed_set[MT_CAP_FIXED];
	unsigned dump_nvar;   /* variable lines listed (= VCNT when complete) */
	unsigned dump_digits; /* hex digits of the base field */
	bool dump_truncated;  /* the input ended inside the dump */
	struct mt_cap_var var[MT_CAP_MAX_VAR];
	uint64_t tom2; /* "TOM2: ... aka ...M", 0 none */
	unsigned tom2_line;

	bool map_line; /* "MTRR map: N entries (F fixed + V variable; max M), built from K" */
	unsigned map_n, map_f, map_v, map_m, map_k;
	unsigned nmap;

	unsigned nclean_orig, nclean_new;
	bool clean_orig_seen, clean_new_seen;
	bool clean_total_seen;
	uint64_t clean_total_mb;
	bool clean_found, clean_fail, clean_invalid;
	bool clean_chosen_seen; /* the result line after "Found optimal setting" */
	struct mt_cap_result clean_chosen;
	unsigned nresults;   /* result lines seen; the last 264 are kept (a ring) */
	unsigned strange_uc; /* "VAR MTRR %d contains strange UC entry under 1M": bit n */
	bool losing_seen;
	uint64_t losing_mb;
	bool all_blank;		 /* "CPU MTRRs all blank - virtualized system." */
	unsigned inconsistent;	 /* bit 0 variable, 1 fixed, 2 MTRRdefType */
	const char *mtrr_status; /* "disabled", "not-available", "disabled-by-bios", "read-only" */

	bool pat_seen;
	uint64_t pat;
	char pat_source[32];
	bool pat_off; /* PAT not initialised (messages) */

	unsigned ne820;
	uint64_t e820_top;   /* the highest end of an entry kept: a range above it is new */
	unsigned e820_dups;  /* entries listed again (memmap and kernel log): dropped */
	bool e820_exclusive; /* old "A - B (type)" format seen */
	unsigned nconflicts;

	/* ---- /proc/mtrr (capture_procmtrr.c) */
	unsigned nproc;

	/* ---- MSR dumps (capture_msr.c) */
	bool msr_read; /* an MSR value was recorded: msr[] (below) is initialised */
	unsigned cpuid_phys_bits;
	uint32_t rdmsr_index; /* MSR of the open rdmsr section */
	bool rdmsr_uniq;      /* ... piped through uniq -c */
	bool rdmsr_decimal;   /* ... with -d / -u */

	/* ---- pat_memtype_list (capture_patlist.c) */
	unsigned npatlist;
	uint64_t patlist_dropped;

	/* ---- diagnostics */
	unsigned ndiags, diags_dropped;

	/*
	 * Tables read only below their counts (above). memtype_capture_new()
	 * clears the object up to `map` only: keep every other field above.
	 */
	struct mt_cap_trange map[MT_CAP_MAX_MAP];
	/* Cleared by the first recorded MSR (most captures have none); read it
	 * through mt_cap_msr(). */
	struct mt_cap_msr msr[MT_CAP_MSR_SLOTS];
	struct mt_cap_sizereg clean_orig[MT_CAP_MAX_CLEAN], clean_new[MT_CAP_MAX_CLEAN];
	struct mt_cap_result results[MT_CAP_MAX_RESULTS];
	struct mt_cap_range e820[MT_CAP_MAX_E820];
	struct {
		unsigned line;
		char text[MT_CAP_TEXT];
	} conflicts[MT_CAP_MAX_CONFLICTS];
	struct mt_cap_sizereg proc[MT_CAP_MAX_PROC];
	struct mt_cap_trange patlist[MT_CAP_MAX_PATLIST];
	struct mt_cap_diag diags[MT_CAP_MAX_DIAGS];

	/* What sniff, buf, qpbuf and pending point to: part of the object, so
	 * that a capture is one allocation (scan makes one per file). */
	char sniff_space[MT_CAP_SNIFF];
	char line_space[3][MT_CAP_LINE_MAX];
};

/* Record a diagnostic for the current line (bounded; extra ones are counted). */
void mt_cap_diag(memtype_capture *c, unsigned col, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * The recognisers. Each gets one line with its prefixes stripped (s, n
 * bytes, no newline, leading blanks removed) and col, the 1-based column of
 * s[0] in the input line, for diagnostics.
 */
mt_line_result mt_cap_dmesg_line(memtype_capture *c, const char *s, size_t n, unsigned col);
mt_line_result mt_cap_procmtrr_line(memtype_capture *c, const char *s, size_t n, unsigned col);
mt_line_result mt_cap_msr_line(memtype_capture *c, const char *s, size_t n, unsigned col);
mt_line_result mt_cap_patlist_line(memtype_capture *c, const char *s, size_t n, unsigned col);

/*
 * Which lines a recogniser can use, from their first bytes. A recogniser
 * answers MT_LINE_NOT_MINE, changing nothing, for a line its predicate rules
 * out, so dispatch does not ask it (most lines of a boot log are no
 * recogniser's; the tables are next to the recognisers' switches).
 */
extern const bool mt_cap_dmesg_starts[256];
extern const bool mt_cap_msr_starts[256];

static inline bool mt_cap_dmesg_may(const memtype_capture *c, const char *s)
{
	return !c->second_boot &&
	       (c->sect != MT_SECT_NONE || mt_cap_dmesg_starts[(unsigned char)s[0]]);
}

static inline bool mt_cap_procmtrr_may(const char *s, size_t n)
{
	return n >= 6 && s[0] == 'r'; /* "reg00: base=..." */
}

/* Where the command after a shell prompt starts ("$ ", "# ", "/ # ",
 * "user@host:~$ "), or 0: the prompt ends at a "$ " or "# " before the
 * first other blank. */
static inline size_t mt_cap_after_prompt(const char *s, size_t n)
{
	for (size_t k = 0; k + 1 < n && k < 80; k++) {
		if ((s[k] == '$' || s[k] == '#') && s[k + 1] == ' ')
			return k + 2;
		if (s[k] == ' ' && s[k + 1] != '$' && s[k + 1] != '#')
			break;
	}
	return 0;
}

/* MSR lines start with mt_cap_msr_starts, or with a prompt holding a '@'
 * ("user@host:~$ rdmsr"; without the '@' such a line is not read). The
 * prompt is looked for first: it ends within the first word of most lines. */
static inline bool mt_cap_msr_may(const memtype_capture *c, const char *s, size_t n)
{
	return c->sect == MT_SECT_RDMSR || mt_cap_msr_starts[(unsigned char)s[0]] ||
	       (mt_cap_after_prompt(s, n) && memchr(s, '@', n < 64 ? n : 64) != NULL);
}

static inline bool mt_cap_patlist_may(const char *s, size_t n)
{
	/* "PAT memtype list:", "PAT: [mem ...", "write-back @ ...", "uncached-minus @ ..." */
	return n > 0 && (s[0] == 'P' || s[0] == 'w' || s[0] == 'u');
}

/* The slot of an MSR index in memtype_capture::msr, or -1. */
int mt_cap_msr_slot(uint32_t index);

/* The MSR of a slot as the capture read it, or NULL when it was not read. */
static inline const struct mt_cap_msr *mt_cap_msr(const memtype_capture *c, unsigned slot)
{
	return c->msr_read && c->msr[slot].present ? &c->msr[slot] : NULL;
}

/* ---- small text helpers shared by the recognisers (capture_numbers.c,
 * capture_text.c) */

/* a[0..k) equals b[0..k): memcmp() == 0 for the short literals of the
 * recognisers, eight bytes at a time and inline (k is a constant there). */
static inline bool mt_same(const char *a, const char *b, size_t k)
{
	for (; k >= 8; a += 8, b += 8, k -= 8) {
		uint64_t x, y;
		memcpy(&x, a, sizeof(x));
		memcpy(&y, b, sizeof(y));
		if (x != y)
			return false;
	}
	for (; k > 0; a++, b++, k--)
		if (*a != *b)
			return false;
	return true;
}

/*
 * s starts with the NUL-terminated word w. Inline, with strlen(): the words
 * are literals, so the length is a constant; most calls fail on the first
 * byte, tested first (every line of a log meets several).
 */
static inline bool mt_starts(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);

	return k == 0 || (k <= n && s[0] == w[0] && mt_same(s + 1, w + 1, k - 1));
}

/* Skip blanks (space, tab) from *i. */
static inline void mt_cap_skip_blanks(const char *s, size_t n, size_t *i)
{
	while (*i < n && (s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
}
/* Parse hex digits at *i (optional 0x when allow_0x); at least one digit,
 * at most 16 significant. Returns false (and leaves *i) when there is none. */
bool mt_cap_hex(const char *s, size_t n, size_t *i, bool allow_0x, uint64_t *out);
/* "0x%016llx-0x%016llx" at *i, the kernel's "[mem ...]" range (e820,
 * pat_memtype_list), followed by a non-digit: what mt_cap_hex(), "-",
 * mt_cap_hex() parse there, the 32 digits converted at once. Returns false
 * (and leaves *i) for any other text. */
bool mt_cap_hex_range(const char *s, size_t n, size_t *i, uint64_t *a, uint64_t *b);
/* Parse decimal digits at *i (overflow -> false). */
bool mt_cap_dec(const char *s, size_t n, size_t *i, uint64_t *out);
/* If s[*i..] starts with w, advance past it. */
static inline bool mt_cap_lit(const char *s, size_t n, size_t *i, const char *w)
{
	size_t k = strlen(w);

	if (k && (*i >= n || n - *i < k || !mt_starts(s + *i, k, w)))
		return false;
	*i += k;
	return true;
}
/* memtype_type_parse(), the kernel's own spellings looked up first. */
int mt_cap_type_parse(const char *s, size_t n, memtype_type *out);
/* The MTRR type word at s[*i..n) (trailing blanks ignored): 0 and *t, or -1. */
int mt_cap_type_word(const char *s, size_t n, size_t i, int *t);
/* The text at s[i..n) (blanks trimmed) is a proper prefix of an MTRR type
 * word ("wri" of "write-back"): the line was cut there. */
bool mt_cap_type_prefix(const char *s, size_t n, size_t i);
/* Copy at most cap-1 bytes of s, NUL-terminated, blanks at the end dropped. */
void mt_cap_copy(char *dst, size_t cap, const char *s, size_t n);
/* snprintf(dst, cap, "%s", s) without the printf machinery (cap > 0). */
void mt_cap_strcpy(char *dst, size_t cap, const char *s);

#endif /* MEMTYPE_CAPTURE_H */
