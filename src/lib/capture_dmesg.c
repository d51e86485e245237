/*
 * capture_dmesg.c - the kernel-log recogniser: every line of a boot log
 * that says something about MTRRs, PAT or the e820 map, in every era from
 * 2.6.32 to 6.17.
 *
 * Message formats and where they come from (Linux source paths; facts
 * gathered in ../shared/reference/guest-firmware.md §1-§2):
 *  - "Linux version %s" (init/version.c), "DMI: %s" (dmi_scan.c),
 *    "Hypervisor detected: %s" (cpu/hypervisor.c), "Command line: %s"
 *    (arch/x86/kernel/setup.c);
 *  - the e820 map: "BIOS-e820: [mem %#018Lx-%#018Lx] %s" (3.x+, inclusive
 *    end, e820.c e820_print_type words) and the 2.6 form
 *    "BIOS-e820: %016Lx - %016Lx (%s)" (exclusive end); Xen PV "Xen: [mem ...]";
 *  - print_mtrr_state() (cpu/mtrr/generic.c): "MTRR default type: %s",
 *    "MTRR fixed ranges %sabled:", "  %05X-%05X %s", "MTRR variable ranges
 *    %sabled:", "  %u base %0*X%05X000 mask %0*X%05X000 %s" (the high-dword
 *    width is (phys_bits - 29) / 4 up to 6.4 and (phys_bits - 17) / 4 from
 *    6.5, so the whole field is read as one hex number), "  %u disabled",
 *    "TOM2: %016llx aka %lldM";
 *  - 6.5+ mtrr_build_map(): "MTRR map: %u entries (%u fixed + %u variable;
 *    max %u), built from %u variable MTRRs" and, with mtrr=debug,
 *    "%3u: %016llx-%016llx %s" per entry (inclusive end);
 *  - PAT: "x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  "
 *    (4.2+, mm/pat/memtype.c), "PAT configuration [0-7]: ..." (3.x-4.1),
 *    "x86 PAT enabled: cpu %d, old 0x%Lx, new 0x%Lx" (2.6), and the
 *    "PAT not supported by the CPU." / "MTRRs disabled, skipping PAT
 *    initialization too." / "PAT support disabled" messages;
 *  - mtrr_cleanup() (cpu/mtrr/cleanup.c): "original variable MTRRs", "New
 *    variable MTRRs", "reg %d, base: %ld%cB, range: %ld%cB, type %s",
 *    "total RAM covered: %ldM" ("coverred" in 2.6.2x), "Found optimal setting for mtrr clean up",
 *    "%sgran_size: %ld%c \tchunk_size: %ld%c \tnum_reg: %d  \tlose cover RAM:
 *    %s%ld%c", "mtrr_cleanup: can not find optimal value", the strange-UC
 *    BIOS bug warning; mtrr_trim_uncached_memory(): "WARNING: BIOS bug: CPU
 *    MTRRs don't cover all of memory, losing %lluMB of RAM.", "CPU MTRRs all
 *    blank - virtualized system.";
 *  - mtrr_state_warn() (generic.c): "mtrr: your CPUs had inconsistent %s
 *    settings"; mtrr_bp_init() (mtrr.c): "MTRRs disabled (not available)",
 *    "MTRRs disabled by BIOS", "MTRRs set to read-only", older "MTRR: Disabled";
 *  - conflicts (mm/ioremap.c, mm/pat/memtype.c): "ioremap error for
 *    0x%llx-0x%llx, requested 0x%x, got 0x%x", "x86/PAT: %s:%d conflicting
 *    memory types %Lx-%Lx %s<->%s", "memtype_reserve failed" (5.6+) /
 *    "reserve_memtype failed", and WARNINGs raised in memtype.c;
 *  - CPU vendor hints: "TOM2:" (AMD only), Intel's microcode loader
 *    (microcode/intel.c prints ", date = %04x-%02x-%02x"), "smpboot: CPU0: %s",
 *    VMX/SGX "disabled by BIOS" (Intel features), "Intel/AMD PMU driver".
 */
#include "mtrr.h"
#include "capture.h"

#include <stdio.h>
#include <string.h>

#define PHYSMASK_V 0x800ull

/* Find s[i..] containing w; returns the index after it or 0. */
static size_t find(const char *s, size_t n, size_t i, const char *w)
{
	size_t wl = strlen(w);

	for (; i + wl <= n; i++)
		if (s[i] == w[0] && memcmp(s + i, w, wl) == 0)
			return i + wl;
	return 0;
}

static bool rest_blank(const char *s, size_t n, size_t i)
{
	mt_cap_skip_blanks(s, n, &i);
	return i == n;
}

/* ------------------------------------------------------------ identity */

static void kernel_version(memtype_capture *c, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] != ' ')
		i++;
	mt_cap_copy(c->kernel, sizeof(c->kernel), s, i);
	size_t k = 0;
	uint64_t major, minor = 0;
	if (mt_cap_dec(s, n, &k, &major) && k < n && s[k] == '.') {
		k++;
		if (!mt_cap_dec(s, n, &k, &minor))
			minor = 0;
		if (major < 100 && minor < 100)
			c->kernel_version = (unsigned)(major * 100 + minor);
	}
}

/* FNV-1a over the banner without trailing blanks (the log may keep one). */
static uint64_t banner_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/*
 * A second "Linux version" line is the same boot, not a second one, when a
 * `memtype capture` file gives the banner twice: once from /proc/version
 * (section "kernel") and once from the kernel log (section "kernel-log").
 * /proc/version prints linux_banner, the very string start_kernel() logs
 * (init/version.c, init/main.c), so the two are identical. Two identical
 * banners in one log are still two boots (a reboot into the same kernel).
 */
static bool same_boot_banner(const memtype_capture *c, const char *s, size_t n)
{
	return c->banner_sect != MT_FSECT_NONE && c->file_sect != MT_FSECT_NONE &&
	       c->banner_sect != c->file_sect && c->banner_hash == banner_hash(s, n);
}

static void set_vendor(memtype_capture *c, int v, const char *why)
{
	if (c->vendor)
		return;
	c->vendor = v;
	mt_cap_copy(c->vendor_source, sizeof(c->vendor_source), why, strlen(why));
}

/* Parse a memparse()-style size ("64M", "0x1000", "2G"). */
static bool mem_size(const char *s, size_t n, size_t *i, uint64_t *out)
{
	uint64_t v;
	size_t k = *i;

	if (k + 1 < n && s[k] == '0' && (s[k + 1] == 'x' || s[k + 1] == 'X')) {
		if (!mt_cap_hex(s, n, &k, true, &v))
			return false;
	} else if (!mt_cap_dec(s, n, &k, &v)) {
		return false;
	}
	unsigned shift = 0;
	if (k < n) {
		switch (s[k]) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		case 'T':
		case 't':
			shift = 40;
			break;
		default:
			break;
		}
		if (shift)
			k++;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	*i = k;
	return true;
}

/* The MTRR-related kernel parameters of a command line. */
static void command_line(memtype_capture *c, const char *s, size_t n)
{
	struct mt_cap_params *p = &c->params;
	size_t i = 0;

	p->seen = true;
	while (i < n) {
		mt_cap_skip_blanks(s, n, &i);
		size_t st = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		const char *w = s + st;
		size_t wn = i - st, k;
		uint64_t v;

		if (wn == 19 && memcmp(w, "enable_mtrr_cleanup", 19) == 0)
			p->enable_cleanup = 1;
		else if (wn == 20 && memcmp(w, "disable_mtrr_cleanup", 20) == 0)
			p->enable_cleanup = 0;
		else if (wn == 17 && memcmp(w, "disable_mtrr_trim", 17) == 0)
			p->disable_trim = true;
		else if ((wn == 10 && memcmp(w, "mtrr=debug", 10) == 0) ||
			 (wn == 18 && memcmp(w, "mtrr_cleanup_debug", 18) == 0))
			p->mtrr_debug = true;
		else if (wn == 5 && memcmp(w, "nopat", 5) == 0)
			p->nopat = true;
		else if (mt_starts(w, wn, "mtrr_chunk_size=") && (k = 16, mem_size(w, wn, &k, &v)))
			p->chunk = v;
		else if (mt_starts(w, wn, "mtrr_gran_size=") && (k = 15, mem_size(w, wn, &k, &v)))
			p->gran = v;
		else if (mt_starts(w, wn, "mtrr_spare_reg_nr=") &&
			 (k = 18, mt_cap_dec(w, wn, &k, &v)))
			p->spare = v > 255 ? 255 : (int)v;
	}
}

/* ------------------------------------------------------------ e820 */

/*
 * Whether [start, end] of type t repeats what an earlier entry listed: 0
 * when it overlaps none, 1 when it lies within an entry of the same type
 * word (dropped quietly), 2 when it overlaps another way -- the same range
 * with another type, or a range that crosses an earlier one (dropped,
 * reported: the first listing is kept). The kernel prints its table after
 * e820__update_table() has removed overlaps (arch/x86/kernel/e820.c
 * e820__memory_setup_default), so one table never overlaps itself; an
 * overlap is the map read again -- a capture's /sys/firmware/memmap lines
 * next to its kernel log's, both from e820_table_firmware
 * (e820__reserve_resources) -- and counting it twice would double the RAM.
 * The two can differ: an SNP host reserves the 2 MiB edges of its RMP table
 * in e820_table_firmware after the log printed it (arch/x86/virt/svm/sev.c
 * snp_fixup_e820_tables), which splits a usable entry of the log in three in
 * /sys/firmware/memmap.
 */
static int e820_repeat(memtype_capture *c, uint64_t start, uint64_t end, const char *name,
		       unsigned col)
{
	/* A table in address order (the usual case) only ever adds above. */
	if (c->ne820 == 0 || start > c->e820_top)
		return 0;
	for (unsigned k = 0; k < c->ne820 && k < MT_CAP_MAX_E820; k++) {
		const struct mt_cap_range *e = &c->e820[k];
		if (e->end < start || e->start > end)
			continue;
		bool same_type = strcmp(name, e->name) == 0;
		if (same_type && e->start <= start && end <= e->end)
			return 1;
		if (e->start == start && e->end == end)
			mt_cap_diag(c, col, "e820-mismatch",
				    "e820 entry [mem 0x%llx-0x%llx] is '%s' here, '%s' earlier: "
				    "the first is kept",
				    (unsigned long long)start, (unsigned long long)end, name,
				    e->name);
		else
			mt_cap_diag(
			    c, col, "e820-overlap",
			    "e820 entry [mem 0x%llx-0x%llx] %s overlaps [mem 0x%llx-0x%llx] "
			    "%s listed earlier: the earlier listing is kept, this entry "
			    "dropped",
			    (unsigned long long)start, (unsigned long long)end, name,
			    (unsigned long long)e->start, (unsigned long long)e->end, e->name);
		return 2;
	}
	return 0;
}

static void e820_add(memtype_capture *c, uint64_t start, uint64_t end, const char *t, size_t tn,
		     unsigned col)
{
	char name[sizeof(c->e820[0].name)] = "";

	if (end < start) {
		mt_cap_diag(c, col, "bad-range", "e820 entry ends before it starts");
		return;
	}
	mt_cap_copy(name, sizeof(name), t, tn);
	if (e820_repeat(c, start, end, name, col)) {
		c->e820_dups++;
		return;
	}
	if (c->ne820 >= MT_CAP_MAX_E820) {
		if (c->ne820 == MT_CAP_MAX_E820)
			mt_cap_diag(c, col, "too-many",
				    "more than %u e820 entries: the rest is ignored",
				    MT_CAP_MAX_E820);
		return;
	}
	struct mt_cap_range *e = &c->e820[c->ne820++];
	e->start = start;
	e->end = end;
	e->type = -1;
	memcpy(e->name, name, sizeof(e->name));
	if (end > c->e820_top)
		c->e820_top = end;
}

/* "BIOS-e820: [mem 0x...-0x...] usable" and "Xen: [mem ...] usable". */
static mt_line_result e820_mem(memtype_capture *c, const char *s, size_t n, size_t i, unsigned col)
{
	uint64_t a, b;

	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_lit(s, n, &i, "[mem "))
		return MT_LINE_NOT_MINE;
	if (!mt_cap_hex_range(s, n, &i, &a, &b) &&
	    (!mt_cap_hex(s, n, &i, true, &a) || !mt_cap_lit(s, n, &i, "-") ||
	     !mt_cap_hex(s, n, &i, true, &b))) {
		if (i >= n - 1)
			return MT_LINE_PARTIAL;
		mt_cap_diag(c, col + (unsigned)i, "bad-number", "e820 entry: bad address");
		return MT_LINE_USED;
	}
	if (!mt_cap_lit(s, n, &i, "]"))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (i >= n)
		return MT_LINE_PARTIAL;
	e820_add(c, a, b, s + i, n - i, col);
	return MT_LINE_USED;
}

/* 2.6: "BIOS-e820: 0000000000000000 - 00000000000a0000 (usable)", end exclusive. */
static mt_line_result e820_old(memtype_capture *c, const char *s, size_t n, size_t i, unsigned col)
{
	uint64_t a, b;

	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_hex(s, n, &i, false, &a))
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_lit(s, n, &i, "-"))
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_hex(s, n, &i, false, &b))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (i >= n)
		return MT_LINE_PARTIAL;
	if (s[i] != '(')
		return MT_LINE_NOT_MINE;
	size_t close = i + 1;
	while (close < n && s[close] != ')')
		close++;
	if (close >= n)
		return MT_LINE_PARTIAL;
	if (b == 0) {
		mt_cap_diag(c, col, "bad-range", "e820 entry with an empty range");
		return MT_LINE_USED;
	}
	c->e820_exclusive = true;
	e820_add(c, a, b - 1, s + i + 1, close - i - 1, col);
	return MT_LINE_USED;
}

/* ------------------------------------------------------------ MTRR dump */

static mt_line_result fixed_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	uint64_t a, b;
	int t;

	if (!mt_cap_hex(s, n, &i, false, &a) || i != 5 || !mt_cap_lit(s, n, &i, "-") ||
	    !mt_cap_hex(s, n, &i, false, &b) || i != 11 || i >= n || s[i] != ' ')
		return MT_LINE_NOT_MINE;
	if (rest_blank(s, n, i))
		return MT_LINE_PARTIAL;
	if (mt_cap_type_word(s, n, i, &t) != 0) {
		if (mt_cap_type_prefix(s, n, i))
			return MT_LINE_PARTIAL;
		mt_cap_diag(c, col + (unsigned)i + 1, "unknown-type",
			    "fixed range %05llX-%05llX: unknown type word", (unsigned long long)a,
			    (unsigned long long)b);
		return MT_LINE_USED;
	}
	unsigned first = MT_CAP_FIXED, last = 0;
	/* The slots are in address order: none after one starting above b. */
	for (unsigned k = 0; k < MT_CAP_FIXED && mt_fixed_slot_start(k) <= b; k++) {
		uint64_t st = mt_fixed_slot_start(k);
		if (st >= a) {
			if (first == MT_CAP_FIXED)
				first = k;
			last = k;
			c->fixed[k] = (uint8_t)t;
			c->fixed_set[k] = true;
		}
	}
	uint64_t end_ok = last + 1 < MT_CAP_FIXED ? mt_fixed_slot_start(last + 1) - 1 : 0xFFFFF;
	if (first == MT_CAP_FIXED || mt_fixed_slot_start(first) != a || end_ok != b)
		mt_cap_diag(c, col, "bad-range",
			    "fixed range %05llX-%05llX does not fall on fixed-MTRR sub-ranges",
			    (unsigned long long)a, (unsigned long long)b);
	return MT_LINE_USED;
}

static mt_line_result var_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0, d0;
	uint64_t idx, base, mask;
	int t = 0;

	if (!mt_cap_dec(s, n, &i, &idx) || i >= n || s[i] != ' ')
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (mt_cap_lit(s, n, &i, "disabled")) {
		if (!rest_blank(s, n, i))
			return MT_LINE_NOT_MINE;
		if (idx >= MT_CAP_MAX_VAR) {
			mt_cap_diag(c, col, "out-of-range", "variable MTRR %llu: the model has %u",
				    (unsigned long long)idx, MT_CAP_MAX_VAR);
			return MT_LINE_USED;
		}
		c->var[idx].present = true;
		c->var[idx].valid = false;
		c->var[idx].line = c->line;
		if (idx + 1 > c->dump_nvar)
			c->dump_nvar = (unsigned)idx + 1;
		return MT_LINE_USED;
	}
	if (!mt_cap_lit(s, n, &i, "base"))
		return rest_blank(s, n, i) ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	d0 = i;
	if (!mt_cap_hex(s, n, &i, false, &base))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	unsigned digits = (unsigned)(i - d0);
	mt_cap_skip_blanks(s, n, &i);
	if (i >= n)
		return MT_LINE_PARTIAL;
	if (!mt_cap_lit(s, n, &i, "mask"))
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_hex(s, n, &i, false, &mask))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	if (rest_blank(s, n, i))
		return MT_LINE_PARTIAL;
	if (idx >= MT_CAP_MAX_VAR) {
		mt_cap_diag(c, col, "out-of-range", "variable MTRR %llu: the model has %u",
			    (unsigned long long)idx, MT_CAP_MAX_VAR);
		return MT_LINE_USED;
	}
	struct mt_cap_var *v = &c->var[idx];
	bool ok = mt_cap_type_word(s, n, i, &t) == 0 && t != MEMTYPE_UC_MINUS;
	if (!ok && mt_cap_type_prefix(s, n, i))
		return MT_LINE_PARTIAL;
	if (!ok)
		mt_cap_diag(c, col + (unsigned)i + 1, "unknown-type",
			    "variable MTRR %llu: type '%.*s' is not an MTRR type (a reserved "
			    "encoding prints as '?')",
			    (unsigned long long)idx, (int)(n - i > 20 ? 20 : n - i), s + i);
	v->present = true;
	v->valid = true;
	v->type_ok = ok;
	v->base = (base & ~(uint64_t)0xfff) | (ok ? (uint64_t)t : 0u);
	v->mask = (mask & ~(uint64_t)0xfff) | PHYSMASK_V;
	v->line = c->line;
	if (digits > c->dump_digits)
		c->dump_digits = digits;
	if (idx + 1 > c->dump_nvar)
		c->dump_nvar = (unsigned)idx + 1;
	return MT_LINE_USED;
}

/* "  0: 0000000000000000-000000000009ffff write-back" (mtrr=debug, 6.5+). */
static mt_line_result map_entry(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	uint64_t idx, a, b;
	int t;

	if (!mt_cap_dec(s, n, &i, &idx) || !mt_cap_lit(s, n, &i, ":"))
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	size_t h = i;
	if (!mt_cap_hex(s, n, &i, false, &a) || i - h < 8 || !mt_cap_lit(s, n, &i, "-") ||
	    !mt_cap_hex(s, n, &i, false, &b))
		return MT_LINE_NOT_MINE;
	if (rest_blank(s, n, i))
		return MT_LINE_PARTIAL;
	if (mt_cap_type_word(s, n, i, &t) != 0) {
		if (mt_cap_type_prefix(s, n, i))
			return MT_LINE_PARTIAL;
		mt_cap_diag(c, col + (unsigned)i, "unknown-type",
			    "MTRR map entry %llu: unknown type", (unsigned long long)idx);
		return MT_LINE_USED;
	}
	if (c->nmap >= MT_CAP_MAX_MAP) {
		mt_cap_diag(c, col, "too-many", "more than %u MTRR map entries", MT_CAP_MAX_MAP);
		return MT_LINE_USED;
	}
	struct mt_cap_trange *e = &c->map[c->nmap++];
	e->start = a;
	e->end = b;
	e->type = t;
	return MT_LINE_USED;
}

/* "MTRR map: 6 entries (3 fixed + 3 variable; max 23), built from 10 variable MTRRs" */
static mt_line_result map_line(memtype_capture *c, const char *s, size_t n, size_t i)
{
	uint64_t v[5];

	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_dec(s, n, &i, &v[0]) || !mt_cap_lit(s, n, &i, " entries (") ||
	    !mt_cap_dec(s, n, &i, &v[1]) || !mt_cap_lit(s, n, &i, " fixed + ") ||
	    !mt_cap_dec(s, n, &i, &v[2]) || !mt_cap_lit(s, n, &i, " variable; max ") ||
	    !mt_cap_dec(s, n, &i, &v[3]) || !mt_cap_lit(s, n, &i, "), built from ") ||
	    !mt_cap_dec(s, n, &i, &v[4]))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	if (!mt_cap_lit(s, n, &i, " variable MTRRs"))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	for (unsigned k = 0; k < 5; k++)
		if (v[k] > 100000)
			return MT_LINE_NOT_MINE;
	c->map_line = true;
	c->map_n = (unsigned)v[0];
	c->map_f = (unsigned)v[1];
	c->map_v = (unsigned)v[2];
	c->map_m = (unsigned)v[3];
	c->map_k = (unsigned)v[4];
	c->nmap = 0;
	c->sect = MT_SECT_MAP;
	c->sect_format = MEMTYPE_CAPTURE_DMESG;
	return MT_LINE_USED;
}

static mt_line_result mtrr_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	int t;

	if (mt_cap_lit(s, n, &i, "MTRR default type:")) {
		c->dump_seen = true;
		if (mt_cap_type_word(s, n, i, &t) == 0 && t != MEMTYPE_UC_MINUS) {
			c->dump_def_type = t;
		} else if (rest_blank(s, n, i) || mt_cap_type_prefix(s, n, i)) {
			return MT_LINE_PARTIAL;
		} else {
			mt_cap_diag(c, col + (unsigned)i, "unknown-type",
				    "MTRR default type is not an MTRR type");
		}
		return MT_LINE_USED;
	}
	if (mt_cap_lit(s, n, &i, "MTRR fixed ranges ")) {
		if (mt_cap_lit(s, n, &i, "enabled:"))
			c->dump_fixed_hdr = 1;
		else if (mt_cap_lit(s, n, &i, "disabled:"))
			c->dump_fixed_hdr = 0;
		else
			return MT_LINE_NOT_MINE;
		c->dump_seen = true;
		c->sect = MT_SECT_FIXED;
		c->sect_format = MEMTYPE_CAPTURE_DMESG;
		return MT_LINE_USED;
	}
	if (mt_cap_lit(s, n, &i, "MTRR variable ranges ")) {
		if (mt_cap_lit(s, n, &i, "enabled:"))
			c->dump_var_hdr = 1;
		else if (mt_cap_lit(s, n, &i, "disabled:"))
			c->dump_var_hdr = 0;
		else
			return MT_LINE_NOT_MINE;
		c->dump_seen = true;
		c->sect = MT_SECT_VAR;
		c->sect_format = MEMTYPE_CAPTURE_DMESG;
		return MT_LINE_USED;
	}
	if (mt_cap_lit(s, n, &i, "MTRR map:"))
		return map_line(c, s, n, i);
	if (mt_cap_lit(s, n, &i, "MTRR: ") || mt_cap_lit(s, n, &i, "mtrr: ")) {
		if (mt_starts(s + i, n - i, "Disabled")) {
			c->mtrr_status = "disabled";
			return MT_LINE_USED;
		}
	}
	if (mt_cap_lit(s, n, &i, "MTRRs disabled (not available)")) {
		c->mtrr_status = "not-available";
		return MT_LINE_USED;
	}
	if (mt_cap_lit(s, n, &i, "MTRRs disabled by BIOS")) {
		c->mtrr_status = "disabled-by-bios";
		return MT_LINE_USED;
	}
	if (mt_cap_lit(s, n, &i, "MTRRs set to read-only")) {
		c->mtrr_status = "read-only";
		return MT_LINE_USED;
	}
	return MT_LINE_NOT_MINE;
}

static mt_line_result tom2_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	uint64_t v;

	if (!mt_cap_lit(s, n, &i, "TOM2: "))
		return MT_LINE_NOT_MINE;
	if (!mt_cap_hex(s, n, &i, false, &v))
		return rest_blank(s, n, i) ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	if (v == 0 || (v & 0xfffull)) {
		mt_cap_diag(c, col, "bad-number", "TOM2 0x%llx is not a page-aligned address",
			    (unsigned long long)v);
		return MT_LINE_USED;
	}
	c->tom2 = v;
	c->tom2_line = c->line;
	set_vendor(c, 2, "TOM2 line (AMD SYSCFG)");
	return MT_LINE_USED;
}

/* ------------------------------------------------------------ PAT */

/* "WB  WC  UC- UC  WB  WP  UC- WT  " -> IA32_PAT value. */
static mt_line_result pat_config(memtype_capture *c, const char *s, size_t n, size_t i,
				 unsigned col)
{
	uint64_t msr = 0;

	for (unsigned k = 0; k < 8; k++) {
		mt_cap_skip_blanks(s, n, &i);
		if (i >= n)
			return MT_LINE_PARTIAL;
		size_t st = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		memtype_type t;
		if (mt_cap_type_parse(s + st, i - st, &t) != 0 || t == MEMTYPE_WC_PLUS ||
		    t == MEMTYPE_UNDEFINED) {
			mt_cap_diag(c, col + (unsigned)st, "unknown-type",
				    "PAT entry %u: '%.*s' is not a PAT type", k, (int)(i - st),
				    s + st);
			return MT_LINE_USED;
		}
		msr |= (uint64_t)t << (8 * k);
	}
	c->pat_seen = true;
	c->pat = msr;
	snprintf(c->pat_source, sizeof(c->pat_source), "dmesg");
	return MT_LINE_USED;
}

static mt_line_result pat_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;

	if (mt_cap_lit(s, n, &i, "x86/PAT: ")) {
		size_t j = i;
		if (mt_cap_lit(s, n, &j, "Configuration [0-7]:"))
			return pat_config(c, s, n, j, col);
		if (mt_starts(s + i, n - i, "PAT not supported by the CPU") ||
		    mt_starts(s + i, n - i, "MTRRs disabled, skipping PAT initialization") ||
		    mt_starts(s + i, n - i, "PAT support disabled")) {
			c->pat_off = true;
			return MT_LINE_USED;
		}
		if (find(s, n, i, "conflicting memory types") ||
		    find(s, n, i, "memtype_reserve failed") ||
		    find(s, n, i, "reserve_memtype failed") ||
		    find(s, n, i, "reserve_ram_pages_type failed"))
			goto conflict;
		return MT_LINE_NOT_MINE;
	}
	i = 0;
	if (mt_cap_lit(s, n, &i, "PAT configuration [0-7]:"))
		return pat_config(c, s, n, i, col);
	if (mt_cap_lit(s, n, &i, "x86 PAT enabled: cpu ")) {
		size_t j = find(s, n, i, "new 0x");
		uint64_t v;
		if (!j)
			return MT_LINE_PARTIAL;
		j -= 2;
		if (!mt_cap_hex(s, n, &j, true, &v))
			return MT_LINE_PARTIAL;
		c->pat_seen = true;
		c->pat = v;
		snprintf(c->pat_source, sizeof(c->pat_source), "dmesg");
		return MT_LINE_USED;
	}
	return MT_LINE_NOT_MINE;
conflict:
	if (c->nconflicts < MT_CAP_MAX_CONFLICTS) {
		c->conflicts[c->nconflicts].line = c->line;
		mt_cap_copy(c->conflicts[c->nconflicts].text, MT_CAP_TEXT, s, n);
		c->nconflicts++;
	}
	return MT_LINE_USED;
}

static void add_conflict(memtype_capture *c, const char *s, size_t n)
{
	if (c->nconflicts >= MT_CAP_MAX_CONFLICTS)
		return;
	c->conflicts[c->nconflicts].line = c->line;
	mt_cap_copy(c->conflicts[c->nconflicts].text, MT_CAP_TEXT, s, n);
	c->nconflicts++;
}

/* ------------------------------------------------------------ cleanup */

/* "%ld%c" with K/M/G, as to_size_factor() prints sizes in KiB units. */
static bool kmg(const char *s, size_t n, size_t *i, uint64_t *out)
{
	uint64_t v;

	if (!mt_cap_dec(s, n, i, &v) || *i >= n)
		return false;
	unsigned shift;
	switch (s[*i]) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return false;
	}
	if (v > (UINT64_MAX >> shift))
		return false;
	(*i)++;
	*out = v << shift;
	return true;
}

/* "reg 3, base: 916992KB, range: 512KB, type UC" */
static mt_line_result clean_reg(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	uint64_t idx, base, size;

	if (!mt_cap_lit(s, n, &i, "reg ") || !mt_cap_dec(s, n, &i, &idx) ||
	    !mt_cap_lit(s, n, &i, ", base: "))
		return MT_LINE_NOT_MINE;
	if (!kmg(s, n, &i, &base) || !mt_cap_lit(s, n, &i, "B, range: ") || !kmg(s, n, &i, &size) ||
	    !mt_cap_lit(s, n, &i, "B, type "))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (i >= n)
		return MT_LINE_PARTIAL;
	int t = -1;
	if (mt_starts(s + i, n - i, "UC"))
		t = MEMTYPE_UC;
	else if (mt_starts(s + i, n - i, "WB"))
		t = MEMTYPE_WB;
	else if (mt_starts(s + i, n - i, "WP"))
		t = MEMTYPE_WP;
	bool orig = c->sect == MT_SECT_CLEAN_ORIG;
	struct mt_cap_sizereg *tab = orig ? c->clean_orig : c->clean_new;
	unsigned *cnt = orig ? &c->nclean_orig : &c->nclean_new;
	if (*cnt >= MT_CAP_MAX_CLEAN) {
		mt_cap_diag(c, col, "too-many", "more than %u cleanup registers", MT_CAP_MAX_CLEAN);
		return MT_LINE_USED;
	}
	struct mt_cap_sizereg *r = &tab[(*cnt)++];
	r->index = idx > 255 ? 255 : (unsigned)idx;
	r->base = base;
	r->size = size;
	r->type = t;
	r->line = c->line;
	return MT_LINE_USED;
}

/* " gran_size: 64K \tchunk_size: 16M \tnum_reg: 3  \tlose cover RAM: 0G" (maybe "*BAD*"). */
static mt_line_result clean_result(memtype_capture *c, const char *s, size_t n)
{
	size_t i = 0;
	struct mt_cap_result r = {0};
	uint64_t num;

	if (mt_cap_lit(s, n, &i, "*BAD*"))
		r.bad = true;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_lit(s, n, &i, "gran_size:"))
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!kmg(s, n, &i, &r.gran))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_lit(s, n, &i, "chunk_size:"))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!kmg(s, n, &i, &r.chunk))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_lit(s, n, &i, "num_reg:"))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_dec(s, n, &i, &num) || num > 1000)
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	r.num_reg = (unsigned)num;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_lit(s, n, &i, "lose cover RAM:"))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	mt_cap_lit(s, n, &i, "-");
	if (!kmg(s, n, &i, &r.lose))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	/* The last MT_CAP_MAX_RESULTS lines, as a ring: a failed cleanup prints
	 * all its results (136, or 264 in RHEL kernels) last. */
	c->results[c->nresults % MT_CAP_MAX_RESULTS] = r;
	c->nresults++;
	if (c->clean_found && !c->clean_chosen_seen) {
		c->clean_chosen = r;
		c->clean_chosen_seen = true;
	}
	return MT_LINE_USED;
}

static mt_line_result warning_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	uint64_t v;

	if (mt_cap_lit(s, n, &i,
		       "WARNING: BIOS bug: CPU MTRRs don't cover all of memory, losing ")) {
		if (!mt_cap_dec(s, n, &i, &v))
			return rest_blank(s, n, i) ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
		c->losing_seen = true;
		c->losing_mb = v;
		return MT_LINE_USED;
	}
	i = 0;
	if (mt_cap_lit(s, n, &i, "WARNING: BIOS bug: VAR MTRR ")) {
		if (mt_cap_dec(s, n, &i, &v) && v < 32)
			c->strange_uc |= 1u << v;
		return MT_LINE_USED;
	}
	i = 0;
	if (mt_cap_lit(s, n, &i, "WARNING: CPU:") && find(s, n, i, "arch/x86/mm/pat/")) {
		add_conflict(c, s, n);
		return MT_LINE_USED;
	}
	(void)col;
	return MT_LINE_NOT_MINE;
}

/* "ioremap error for 0xfed40000-0xfed45000, requested 0x2, got 0x0" */
static mt_line_result ioremap_line(memtype_capture *c, const char *s, size_t n)
{
	size_t i = 0;

	if (mt_cap_lit(s, n, &i, "ioremap error for ")) {
		if (!find(s, n, i, ", got 0x"))
			return MT_LINE_PARTIAL;
		add_conflict(c, s, n);
		return MT_LINE_USED;
	}
	if (mt_starts(s, n, "ioremap memtype_reserve failed") ||
	    mt_starts(s, n, "ioremap reserve_memtype failed")) {
		add_conflict(c, s, n);
		return MT_LINE_USED;
	}
	return MT_LINE_NOT_MINE;
}

/* ------------------------------------------------------------ entry */

/* The continuation of an open block (an MTRR dump, the map entries, a
 * cleanup table), or MT_LINE_NOT_MINE. */
static mt_line_result block_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	mt_line_result r;

	switch (c->sect) {
	case MT_SECT_FIXED:
		if ((r = fixed_line(c, s, n, col)) != MT_LINE_NOT_MINE)
			return r;
		break;
	case MT_SECT_VAR:
		if ((r = var_line(c, s, n, col)) != MT_LINE_NOT_MINE)
			return r;
		break;
	case MT_SECT_MAP:
		if ((r = map_entry(c, s, n, col)) != MT_LINE_NOT_MINE)
			return r;
		break;
	case MT_SECT_CLEAN_ORIG:
	case MT_SECT_CLEAN_NEW:
		if ((r = clean_reg(c, s, n, col)) != MT_LINE_NOT_MINE)
			return r;
		break;
	default:
		break;
	}
	return MT_LINE_NOT_MINE;
}

/*
 * The first bytes of the messages below (their switch and the vendor hints
 * after it): a line starting otherwise is not a kernel-log line this
 * recogniser reads, and dispatch does not offer it (capture.h
 * mt_cap_dmesg_may). A message added below needs its first byte here.
 */
const bool mt_cap_dmesg_starts[256] = {
    ['L'] = true, ['D'] = true, ['H'] = true, ['C'] = true, ['K'] = true, ['B'] = true,
    ['X'] = true, ['e'] = true, ['M'] = true, ['T'] = true, ['x'] = true, ['P'] = true,
    ['o'] = true, ['N'] = true, ['t'] = true, ['F'] = true, ['g'] = true, ['*'] = true,
    ['i'] = true, ['W'] = true, ['m'] = true, ['p'] = true, ['u'] = true, ['s'] = true,
    ['A'] = true,
};

/* A message that starts a line (no block open). */
static mt_line_result message(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	mt_line_result r;

	switch (s[0]) {
	case 'L':
		if (mt_cap_lit(s, n, &i, "Linux version ")) {
			if (c->kernel[0] && same_boot_banner(c, s, n))
				return MT_LINE_USED;
			if (c->kernel[0]) {
				c->second_boot = true;
				mt_cap_diag(
				    c, col, "second-boot",
				    "a second boot starts here: only the first one is read");
				return MT_LINE_USED;
			}
			kernel_version(c, s + i, n - i);
			c->banner_hash = banner_hash(s, n);
			c->banner_sect = c->file_sect;
			return MT_LINE_USED;
		}
		break;
	case 'D':
		/* <= 6.1 mtrr_bp_init(): a bare "Disabled" (MTRRs absent or off). */
		if (n == 8 && memcmp(s, "Disabled", 8) == 0) {
			c->mtrr_status = "disabled";
			return MT_LINE_USED;
		}
		if (mt_cap_lit(s, n, &i, "DMI:")) {
			mt_cap_skip_blanks(s, n, &i);
			mt_cap_copy(c->dmi, sizeof(c->dmi), s + i, n - i);
			return MT_LINE_USED;
		}
		break;
	case 'H':
		if (mt_cap_lit(s, n, &i, "Hypervisor detected:")) {
			mt_cap_skip_blanks(s, n, &i);
			mt_cap_copy(c->hypervisor, sizeof(c->hypervisor), s + i, n - i);
			return MT_LINE_USED;
		}
		break;
	case 'C':
		if (mt_cap_lit(s, n, &i, "Command line: ")) {
			command_line(c, s + i, n - i);
			return MT_LINE_USED;
		}
		if (mt_starts(s, n, "CPU MTRRs all blank - virtualized system.")) {
			c->all_blank = true;
			return MT_LINE_USED;
		}
		break;
	case 'K':
		if (mt_cap_lit(s, n, &i, "Kernel command line: ")) {
			if (!c->params.seen)
				command_line(c, s + i, n - i);
			return MT_LINE_USED;
		}
		break;
	case 'B':
		if (mt_cap_lit(s, n, &i, "BIOS-e820:")) {
			size_t j = i;
			mt_cap_skip_blanks(s, n, &j);
			if (j < n && s[j] == '[')
				return e820_mem(c, s, n, i, col);
			return e820_old(c, s, n, i, col);
		}
		if (mt_starts(s, n, "BIOS-provided physical RAM map:"))
			return MT_LINE_USED;
		break;
	case 'X':
		if (mt_cap_lit(s, n, &i, "Xen: "))
			return e820_mem(c, s, n, i, col);
		break;
	case 'e':
		if (mt_starts(s, n, "e820: BIOS-provided physical RAM map:"))
			return MT_LINE_USED;
		break;
	case 'M':
		return mtrr_line(c, s, n, col);
	case 'T':
		return tom2_line(c, s, n, col);
	case 'x':
	case 'P':
		if ((r = pat_line(c, s, n, col)) != MT_LINE_NOT_MINE)
			return r;
		break;
	case 'o':
		if (mt_starts(s, n, "original variable MTRRs")) {
			c->clean_orig_seen = true;
			c->nclean_orig = 0;
			c->sect = MT_SECT_CLEAN_ORIG;
			c->sect_format = MEMTYPE_CAPTURE_DMESG;
			return MT_LINE_USED;
		}
		break;
	case 'N':
		if (mt_starts(s, n, "New variable MTRRs")) {
			c->clean_new_seen = true;
			c->nclean_new = 0;
			c->sect = MT_SECT_CLEAN_NEW;
			c->sect_format = MEMTYPE_CAPTURE_DMESG;
			return MT_LINE_USED;
		}
		break;
	case 't':
		/* 2.6.2x printed "coverred" (sic). */
		if (mt_cap_lit(s, n, &i, "total RAM covered: ") ||
		    mt_cap_lit(s, n, &i, "total RAM coverred: ")) {
			uint64_t v;
			if (!mt_cap_dec(s, n, &i, &v))
				return rest_blank(s, n, i) ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
			c->clean_total_seen = true;
			c->clean_total_mb = v;
			return MT_LINE_USED;
		}
		break;
	case 'F':
		if (mt_starts(s, n, "Found optimal setting for mtrr clean up")) {
			c->clean_found = true;
			c->clean_chosen_seen = false;
			return MT_LINE_USED;
		}
		break;
	case 'g':
	case '*':
		return clean_result(c, s, n);
	case 'i':
		if (mt_starts(s, n, "invalid mtrr_gran_size or mtrr_chunk_size")) {
			c->clean_invalid = true;
			return MT_LINE_USED;
		}
		return ioremap_line(c, s, n);
	case 'W':
		return warning_line(c, s, n, col);
	case 'm':
		if (mt_starts(s, n, "mtrr_cleanup: can not find optimal value")) {
			c->clean_fail = true;
			return MT_LINE_USED;
		}
		if (mt_cap_lit(s, n, &i, "mtrr: your CPUs had inconsistent ")) {
			if (mt_starts(s + i, n - i, "variable"))
				c->inconsistent |= 1u;
			else if (mt_starts(s + i, n - i, "fixed"))
				c->inconsistent |= 2u;
			else
				c->inconsistent |= 4u;
			return MT_LINE_USED;
		}
		if (mt_starts(s, n, "mtrr: probably your BIOS does not setup all CPUs") ||
		    mt_starts(s, n, "mtrr: corrected configuration"))
			return MT_LINE_USED;
		if (mt_starts(s, n, "mtrr: Disabled")) {
			c->mtrr_status = "disabled";
			return MT_LINE_USED;
		}
		if (mt_starts(s, n, "microcode: ") && find(s, n, 11, ", date = ")) {
			set_vendor(c, 1, "Intel microcode loader message");
			return MT_LINE_NOT_MINE;
		}
		break;
	case 'p':
		if (mt_starts(s, n, "please specify mtrr_gran_size/mtrr_chunk_size"))
			return MT_LINE_USED;
		break;
	case 'u':
		if (mt_starts(s, n, "update e820 for mtrr"))
			return MT_LINE_USED;
		break;
	case 's':
		if (mt_cap_lit(s, n, &i, "smpboot: CPU0: ")) {
			if (mt_starts(s + i, n - i, "Intel"))
				set_vendor(c, 1, "smpboot CPU0 model name");
			else if (mt_starts(s + i, n - i, "AMD") || mt_starts(s + i, n - i, "Hygon"))
				set_vendor(c, 2, "smpboot CPU0 model name");
		}
		break;
	default:
		break;
	}
	/* Vendor hints that are not MTRR lines (not counted as used). */
	if (n > 20 && (s[0] == 'x' || s[0] == 'P' || s[0] == 'A')) {
		if (mt_starts(s, n, "x86/cpu: VMX (outside TXT) disabled by BIOS") ||
		    mt_starts(s, n, "x86/cpu: SGX disabled by BIOS"))
			set_vendor(c, 1, "Intel-only feature message");
		else if (mt_starts(s, n, "Performance Events:") &&
			 find(s, n, 19, "Intel PMU driver"))
			set_vendor(c, 1, "Intel PMU driver");
		else if (mt_starts(s, n, "Performance Events:") && find(s, n, 19, "AMD PMU driver"))
			set_vendor(c, 2, "AMD PMU driver");
		else if (mt_starts(s, n, "AMD-Vi:"))
			set_vendor(c, 2, "AMD-Vi IOMMU");
	}
	return MT_LINE_NOT_MINE;
}

mt_line_result mt_cap_dmesg_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	if (c->second_boot)
		return MT_LINE_NOT_MINE;
	if (c->sect != MT_SECT_NONE) {
		mt_line_result r = block_line(c, s, n, col);
		if (r != MT_LINE_NOT_MINE)
			return r;
		if (c->sect != MT_SECT_RDMSR)
			c->sect = MT_SECT_NONE;
	}
	if (!mt_cap_dmesg_starts[(unsigned char)s[0]])
		return MT_LINE_NOT_MINE;
	return message(c, s, n, col);
}
