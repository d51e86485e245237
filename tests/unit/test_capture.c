/*
 * test_capture.c - capture parsers (capture*.c), the machine they rebuild,
 * Linux's mtrr_cleanup model (linux_cleanup.c) and explain (explain.c), on
 * synthetic captures that exercise every format edge: no timestamps,
 * journalctl/syslog "kernel:" prefixes, printk levels, mail quoting,
 * quoted-printable, wrapped lines, CRLF, truncation, binary and empty
 * input, 256 CPUs of rdmsr output, both /proc/mtrr and both
 * pat_memtype_list formats, byte-by-byte streaming.
 *
 * Expected values are derived by hand in the comments from the formats in
 * ../shared/reference/guest-firmware.md §2 and the SDM, not from the code.
 * The synthetic log lines are shaped after real ones in ../shared/corpus.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture.h"
#include "linux_cleanup.h"
#include "test_names.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* ------------------------------------------------------------ helpers */

struct t {
	memtype_ctx *ctx;
	memtype_capture *cap[4];
	memtype_explain *ex;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	t->ctx = memtype_ctx_new(NULL, NULL);
	*state = t;
	return t->ctx ? 0 : -1;
}

static int teardown(void **state)
{
	struct t *t = *state;

	memtype_explain_free(t->ex);
	for (unsigned i = 0; i < 4; i++)
		memtype_capture_free(t->cap[i]);
	memtype_ctx_free(t->ctx);
	free(t);
	return 0;
}

static memtype_capture *parse_fmt(struct t *t, unsigned slot, const char *text,
				  memtype_capture_format f)
{
	memtype_capture *c = NULL;
	int rc = memtype_capture_parse(t->ctx, "synthetic", text, strlen(text), f, &c);

	if (rc != 0)
		fail_msg("parse failed: %s: %s", memtype_ctx_error(t->ctx)->code,
			 memtype_ctx_error(t->ctx)->message);
	t->cap[slot] = c;
	return c;
}

static memtype_capture *parse(struct t *t, unsigned slot, const char *text)
{
	return parse_fmt(t, slot, text, MEMTYPE_CAPTURE_AUTO);
}

static const memtype_explain_info *explain(struct t *t, unsigned n)
{
	memtype_explain_free(t->ex);
	t->ex = NULL;
	assert_int_equal(
	    memtype_explain_run(t->ctx, (const memtype_capture *const *)t->cap, n, &t->ex), 0);
	return memtype_explain_get(t->ex);
}

static const memtype_finding *find_code(const memtype_explain_info *info, const char *code)
{
	for (size_t i = 0; i < info->nfindings; i++)
		if (!strcmp(info->findings[i].code, code))
			return &info->findings[i];
	return NULL;
}

static const memtype_check *find_check(const memtype_explain_info *info, const char *what)
{
	for (size_t i = 0; i < info->nchecks; i++)
		if (!strcmp(info->checks[i].what, what))
			return &info->checks[i];
	return NULL;
}

/* The architectural type at addr. */
static memtype_type type_at(const memtype_explain_info *info, uint64_t addr)
{
	assert_non_null(info->mtrr_map);
	return (memtype_type)memtype_map_value_at(info->mtrr_map, addr);
}

static void expect_type(const memtype_explain_info *info, uint64_t addr, memtype_type want)
{
	memtype_type got = type_at(info, addr);
	if (got != want)
		fail_msg("0x%llx: %s, expected %s", (unsigned long long)addr, test_type_name(got),
			 test_type_name(want));
}

static void expect_error(struct t *t, const char *text, size_t len, memtype_capture_format f,
			 const char *code)
{
	memtype_capture *c = NULL;
	int rc = memtype_capture_parse(t->ctx, "bad", text, len, f, &c);
	const memtype_error *e = memtype_ctx_error(t->ctx);

	assert_int_equal(rc, -EINVAL);
	assert_null(c);
	if (strcmp(e->code, code) != 0)
		fail_msg("error code %s, expected %s (%s)", e->code, code, e->message);
	assert_non_null(e->file);
	assert_true(e->line >= 1);
}

/*
 * A 5.4-era boot (Ubuntu, Toshiba NB500-like: 32-bit physical addresses).
 * The dump prints base/mask as %0*X%05X000 with width (32 - 29) / 4 = 0,
 * so "080000000" (9 digits) is mask 0x80000000: 2 GiB, MAXPHYADDR 32.
 */
static const char dump_5_4[] =
    "[    0.000000] Linux version 5.4.0-81-generic (XXX@XXX) (gcc version 9.3.0) #91\n"
    "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009dbff] usable\n"
    "[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000007f5cffff] usable\n"
    "[    0.000000] BIOS-e820: [mem 0x000000007f5e3000-0x000000007fffffff] reserved\n"
    "[    0.008967] MTRR default type: uncachable\n"
    "[    0.008971] MTRR fixed ranges enabled:\n"
    "[    0.008975]   00000-9FFFF write-back\n"
    "[    0.008978]   A0000-BFFFF uncachable\n"
    "[    0.008982]   C0000-CFFFF write-protect\n"
    "[    0.008985]   D0000-DFFFF uncachable\n"
    "[    0.008988]   E0000-FFFFF write-protect\n"
    "[    0.008991] MTRR variable ranges enabled:\n"
    "[    0.008996]   0 base 000000000 mask 080000000 write-back\n"
    "[    0.009000]   1 base 07F600000 mask 0FFE00000 uncachable\n"
    "[    0.009004]   2 base 07F800000 mask 0FF800000 uncachable\n"
    "[    0.009007]   3 disabled\n"
    "[    0.009009]   4 disabled\n"
    "[    0.009012]   5 disabled\n"
    "[    0.009014]   6 disabled\n"
    "[    0.009016]   7 disabled\n"
    "[    0.009206] x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  \n"
    "[    0.009316] total RAM covered: 2038M\n"
    "[    0.010641] Found optimal setting for mtrr clean up\n"
    "[    0.010645]  gran_size: 64K \tchunk_size: 16M \tnum_reg: 3  \tlose cover RAM: 0G\n";

/* ------------------------------------------------------------ dmesg */

static void test_dmesg_dump_5_4_registers(void **state)
{
	struct t *t = *state;
	memtype_capture *c = parse(t, 0, dump_5_4);
	const memtype_explain_info *info;

	assert_int_equal(memtype_capture_format_of(c), MEMTYPE_CAPTURE_DMESG);
	info = explain(t, 1);
	assert_string_equal(info->kernel, "5.4.0-81-generic");
	assert_string_equal(info->mtrr_source, "dump");
	assert_int_equal(info->mtrr_enabled, 1);
	assert_int_equal(info->fixed_enabled, 1);
	assert_true(info->default_known);
	assert_int_equal(info->default_type, MEMTYPE_UC);
	/* VCNT = the 8 lines of the variable dump. */
	assert_int_equal(info->vcnt, 8);
	assert_string_equal(info->vcnt_source, "dump");
	/* Widest mask 0xFFE00000 has bit 31 set: MAXPHYADDR 32. */
	assert_int_equal(info->phys_bits, 32);
	assert_string_equal(info->phys_bits_source, "mask");
	assert_int_equal(info->nvar, 8);
	assert_true(info->var[0].enabled);
	assert_int_equal(info->var[0].size, 2 * GiB);
	assert_int_equal(info->var[1].base, 0x7F600000);
	assert_int_equal(info->var[1].size, 2 * MiB);
	assert_int_equal(info->var[2].size, 8 * MiB);
	assert_false(info->var[3].enabled);
	/* Five fixed runs, as printed. */
	assert_int_equal(info->nfixed, 5);
	assert_int_equal(info->fixed[3].start, 0xD0000);
	assert_int_equal(info->fixed[3].end, 0xDFFFF);
	assert_int_equal(info->fixed[3].type, MEMTYPE_UC);
	/* PAT line -> the Linux layout. */
	assert_true(info->pat_known);
	assert_int_equal(info->pat, MEMTYPE_PAT_LINUX);
	/* The map: fixed below 1 MiB, WB to 2 GiB but the two UC holes, UC above. */
	expect_type(info, 0x9ffff, MEMTYPE_WB);
	expect_type(info, 0xC8000, MEMTYPE_WP);
	expect_type(info, 0x7F5FFFFF, MEMTYPE_WB);
	expect_type(info, 0x7F600000, MEMTYPE_UC);
	expect_type(info, 0x7FFFFFFF, MEMTYPE_UC);
	expect_type(info, 0x80000000, MEMTYPE_UC);
	/* Cleanup: [0, 2 GiB) - 2 MiB - 8 MiB = 2038 MiB; chunk 16M reaches 3
	 * registers first (WB 0/2G, UC 0x7F600000/2M, UC 0x7F800000/8M). */
	const memtype_check *k = find_check(info, "cleanup-total");
	assert_non_null(k);
	assert_true(k->agrees);
	k = find_check(info, "cleanup-result");
	assert_non_null(k);
	if (!k->agrees)
		fail_msg("cleanup-result: log %s, model %s", k->log, k->model);
	assert_int_equal(info->cleanup_result.chunk, 16 * MiB);
	assert_int_equal(info->cleanup_result.num_reg, 3);
}

/* 2.6.32: no timestamps, the old e820 format with an exclusive end, the
 * "x86 PAT enabled" line and only the cleanup tables. */
static void test_dmesg_no_timestamps_2_6_32(void **state)
{
	struct t *t = *state;
	const char text[] =
	    "Linux version 2.6.32-754.27.1.el6.x86_64 (XXX@XXX) (gcc version 4.4.7)\n"
	    "BIOS-provided physical RAM map:\n"
	    " BIOS-e820: 0000000000000000 - 00000000000a0000 (usable)\n"
	    " BIOS-e820: 0000000000100000 - 00000000dffc0000 (usable)\n"
	    " BIOS-e820: 00000000dffc0000 - 00000000dffcfc00 (ACPI data)\n"
	    "x86 PAT enabled: cpu 0, old 0x7040600070406, new 0x7010600070106\n"
	    "original variable MTRRs\n"
	    "reg 0, base: 0GB, range: 4GB, type WB\n"
	    "reg 1, base: 3584MB, range: 512MB, type UC\n"
	    "total RAM covered: 3584M\n";
	parse(t, 0, text);
	const memtype_explain_info *info = explain(t, 1);

	assert_string_equal(info->kernel, "2.6.32-754.27.1.el6.x86_64");
	assert_int_equal(info->ne820, 3);
	/* "A - B" is exclusive: 0xa0000 -> 0x9ffff. */
	assert_int_equal(info->e820[0].end, 0x9ffff);
	assert_string_equal(info->e820[2].name, "ACPI data");
	assert_int_equal(info->pat, 0x7010600070106ull);
	assert_string_equal(info->mtrr_source, "cleanup-table");
	/* The cleanup only runs with MTRRs on and a UC default. */
	assert_int_equal(info->default_type, MEMTYPE_UC);
	assert_string_equal(info->default_source, "cleanup");
	assert_int_equal(info->var[1].base, 3584 * MiB);
	assert_int_equal(info->var[1].size, 512 * MiB);
	expect_type(info, 3584 * MiB - 1, MEMTYPE_WB);
	expect_type(info, 3584 * MiB, MEMTYPE_UC);
	/* [0, 4G) - [3.5G, 4G) = 3584 MiB, as printed. */
	assert_true(find_check(info, "cleanup-total")->agrees);
}

/* journalctl -k and syslog: "<date> <host> kernel: " with and without the
 * kernel's own timestamp; printk levels; mail quoting; CRLF. */
static void test_dmesg_prefixes_journalctl_crlf(void **state)
{
	struct t *t = *state;
	const char text[] =
	    "May 30 15:54:17 zn kernel: MTRR default type: write-back\r\n"
	    "May 30 15:54:17 zn kernel: MTRR fixed ranges disabled:\r\n"
	    "May 30 15:54:17 zn kernel:   00000-FFFFF uncachable\r\n"
	    "2023-05-30T15:54:17+0200 zn kernel: [    0.000214] MTRR variable ranges enabled:\r\n"
	    "<6>[    0.000214]   0 base 0080000000 mask FF80000000 uncachable\r\n"
	    "> [    0.000214]   1 disabled\r\n"
	    ">> [    0.000215]   2 disabled\r\n"
	    "[    0.000215][    T0]   3 disabled\r\n";
	memtype_capture *c = parse(t, 0, text);
	const memtype_explain_info *info = explain(t, 1);

	assert_int_equal(memtype_capture_used_count(c), 8);
	assert_int_equal(info->default_type, MEMTYPE_WB);
	assert_int_equal(info->fixed_enabled, 0);
	assert_int_equal(info->vcnt, 4);
	/* 40-bit mask FF80000000: 2 GiB at 2 GiB. */
	assert_int_equal(info->phys_bits, 40);
	assert_int_equal(info->var[0].size, 2 * GiB);
	expect_type(info, 0x7fffffff, MEMTYPE_WB);
	expect_type(info, 0x80000000, MEMTYPE_UC);
	expect_type(info, 0x100000000, MEMTYPE_WB);
	/* FE = 0: below 1 MiB follows the default type. */
	expect_type(info, 0xA0000, MEMTYPE_WB);
	assert_non_null(find_code(info, "low-mem-oddity"));
}

/* A mail client wrapped a long e820 line at a blank; the tail has no
 * timestamp and is joined back. A line that cannot be completed is
 * reported with its position. */
static void test_dmesg_wrapped_lines(void **state)
{
	struct t *t = *state;
	const char text[] =
	    "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff]\n"
	    "usable\n"
	    "[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000003fffffff]\n"
	    "[    0.000000] MTRR map: 4 entries (3 fixed + 1 variable; max 19), built from 8\n"
	    "variable MTRRs\n";
	memtype_capture *c = parse(t, 0, text);
	const memtype_explain_info *info = explain(t, 1);
	memtype_diag d;
	size_t dropped;

	assert_int_equal(info->ne820, 1);
	assert_string_equal(info->e820[0].name, "usable");
	assert_true(info->log_map.known);
	assert_int_equal(info->log_map.max, 19);
	assert_int_equal(info->log_map.built_from, 8);
	assert_int_equal(memtype_capture_diag_count(c, &dropped), 1);
	assert_int_equal(memtype_capture_diag(c, 0, &d), 0);
	assert_string_equal(d.code, "cut-line");
	assert_int_equal(d.line, 3);
}

/* Quoted-printable from a mail archive: "=3D" is "=", "=" ends a soft break. */
static void test_dmesg_quoted_printable(void **state)
{
	struct t *t = *state;
	const char text[] =
	    "[    0.000000] Command line: ro mtrr_chunk_size=3D64M mtrr_gran_size=3D64K\n"
	    "[    0.000000] MTRR default type: uncach=\n"
	    "able\n"
	    "[    0.000000] MTRR variable ranges enabled:\n"
	    "[    0.000000]   0 base 000000000 mask F80000000 write-b=\n"
	    "ack\n"
	    "[    0.000000]   1 disabled\n";
	memtype_capture *c = parse(t, 0, text);
	const memtype_explain_info *info = explain(t, 1);

	assert_true(c->qp);
	assert_true(c->params.seen);
	assert_int_equal(c->params.chunk, 64 * MiB);
	assert_int_equal(c->params.gran, 64 * 1024);
	assert_int_equal(info->default_type, MEMTYPE_UC);
	assert_true(info->var[0].enabled);
	assert_int_equal(info->var[0].type, MEMTYPE_WB);
	assert_int_equal(info->var[0].size, 2 * GiB);
}

/* The input ends in the middle of the variable dump: the cut line is
 * reported, VCNT becomes a lower bound. */
static void test_dmesg_truncated(void **state)
{
	struct t *t = *state;
	const char text[] = "[    0.000252] MTRR default type: uncachable\n"
			    "[    0.000256] MTRR variable ranges enabled:\n"
			    "[    0.000257]   0 base 0000000000000 mask FFFFF80000000 write-back\n"
			    "[    0.000258]   1 base 0000080000000 mask FFFFFE0000000 wri";
	memtype_capture *c = parse(t, 0, text);
	const memtype_explain_info *info = explain(t, 1);
	memtype_diag d;

	assert_true(c->dump_truncated);
	assert_string_equal(info->vcnt_source, "lower-bound");
	assert_int_equal(memtype_capture_diag_count(c, NULL), 1);
	memtype_capture_diag(c, 0, &d);
	assert_string_equal(d.code, "cut-line");
	assert_int_equal(d.line, 4);
	/* 13 hex digits, mask top bit 51: MAXPHYADDR 52. */
	assert_int_equal(info->phys_bits, 52);
}

/* AMD TOM2: the CPU makes [4 GiB, TOM2) WB where no variable MTRR matches
 * (a UC range there wins); Linux's 6.5+ map has one TOM2 entry that no
 * variable MTRR changes, counted in max and built-from. */
static void test_dmesg_tom2_hardware_vs_linux(void **state)
{
	struct t *t = *state;
	const char text[] = "[    0.000252] MTRR default type: uncachable\n"
			    "[    0.000253] MTRR fixed ranges enabled:\n"
			    "[    0.000254]   00000-9FFFF write-back\n"
			    "[    0.000255]   A0000-BFFFF write-through\n"
			    "[    0.000255]   C0000-FFFFF write-protect\n"
			    "[    0.000256] MTRR variable ranges enabled:\n"
			    "[    0.000257]   0 base 0000000000 mask FF80000000 write-back\n"
			    "[    0.000257]   1 base 0140000000 mask FFF0000000 uncachable\n"
			    "[    0.000258]   2 disabled\n"
			    "[    0.000258]   3 disabled\n"
			    "[    0.000261] TOM2: 0000000200000000 aka 8192M\n";
	parse(t, 0, text);
	const memtype_explain_info *info = explain(t, 1);

	assert_int_equal(info->tom2, 0x200000000ull);
	assert_string_equal(info->cpu_vendor, "amd");
	/* Hardware: WB above 4 GiB from TOM2, but the UC range at 5 GiB wins. */
	expect_type(info, 0x100000000ull, MEMTYPE_WB);
	expect_type(info, 0x140000000ull, MEMTYPE_UC);
	expect_type(info, 0x150000000ull, MEMTYPE_WB);
	expect_type(info, 0x200000000ull, MEMTYPE_UC);
	/* Linux: 3 fixed + TOM2 + [1M, 2G) WB + [5G, 5G+256M) cannot change the
	 * TOM2 entry: 5 entries; max = 3 + 2*4 + 1 = 12; built from 4 + 1. */
	assert_true(info->linux_map.known);
	assert_int_equal(info->linux_map.fixed, 3);
	assert_int_equal(info->linux_map.entries, 5);
	assert_int_equal(info->linux_map.max, 12);
	assert_int_equal(info->linux_map.built_from, 5);
	assert_non_null(find_code(info, "tom2-linux-differs"));
	assert_non_null(find_code(info, "low-mem-oddity")); /* WT VGA window */
}

/* Overlapping WB and WT are defined (WT), WB and WC are not. */
static void test_dmesg_overlap_undefined(void **state)
{
	struct t *t = *state;
	const char text[] = "MTRR default type: uncachable\n"
			    "MTRR variable ranges enabled:\n"
			    "  0 base 000000000 mask F00000000 write-back\n"
			    "  1 base 0C0000000 mask FF0000000 write-combining\n"
			    "  2 base 0D0000000 mask FF0000000 write-through\n";
	parse(t, 0, text);
	const memtype_explain_info *info = explain(t, 1);
	const memtype_finding *f = find_code(info, "mtrr-overlap-undefined");

	expect_type(info, 0xC0000000, MEMTYPE_UNDEFINED);
	expect_type(info, 0xD0000000, MEMTYPE_WT);
	assert_non_null(f);
	assert_int_equal(f->severity, MEMTYPE_SEV_ERROR);
	assert_int_equal(f->start, 0xC0000000);
	assert_int_equal(f->end, 0xCFFFFFFF);
}

/* <= 6.1 guests without MTRRs: "Disabled" then PAT off. */
static void test_dmesg_mtrr_disabled_guest(void **state)
{
	struct t *t = *state;
	const char text[] =
	    "[    0.000196] Disabled\n"
	    "[    0.000198] x86/PAT: MTRRs disabled, skipping PAT initialization too.\n"
	    "[    0.000207] CPU MTRRs all blank - virtualized system.\n"
	    "[    0.000212] x86/PAT: Configuration [0-7]: WB  WT  UC- UC  WB  WT  UC- UC  \n"
	    "[    0.318264] ioremap error for 0xfed00000-0xfed01000, requested 0x2, got 0x0\n";
	parse(t, 0, text);
	const memtype_explain_info *info = explain(t, 1);

	assert_int_equal(info->mtrr_enabled, 0);
	assert_non_null(find_code(info, "pat-disabled"));
	assert_non_null(find_code(info, "memtype-conflict"));
	assert_null(info->mtrr_map);
}

/* Text copied from the input is safe for JSON: raw bytes that are not
 * UTF-8 become '?', control bytes blanks; valid UTF-8 stays. */
static void test_dmesg_text_sanitized(void **state)
{
	struct t *t = *state;
	parse(t, 0,
	      "[    0.000000] DMI: \xff\xfe Board\x01 \xc3\xa9t\xc3\n"
	      "[    0.000000] x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  \n");
	const memtype_explain_info *info = explain(t, 1);

	assert_string_equal(info->dmi, "?? Board  \xc3\xa9t?");
}

struct buf {
	char *p;
	size_t n;
};

static void buf_write(void *ud, const char *data, size_t len)
{
	struct buf *b = ud;
	char *q = realloc(b->p, b->n + len + 1);

	assert_non_null(q);
	memcpy(q + b->n, data, len);
	b->n += len;
	q[b->n] = '\0';
	b->p = q;
}

/* The drawing is one <svg> element and the same bytes every time. */
static void test_explain_svg_deterministic(void **state)
{
	struct t *t = *state;
	struct buf a = {0}, b = {0};

	parse(t, 0, dump_5_4);
	explain(t, 1);
	assert_int_equal(memtype_explain_svg(t->ex, buf_write, &a), 0);
	assert_int_equal(memtype_explain_svg(t->ex, buf_write, &b), 0);
	assert_non_null(a.p);
	assert_true(!strncmp(a.p, "<svg ", 5));
	assert_non_null(strstr(a.p, "</svg>"));
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.p, b.p, a.n);
	free(a.p);
	free(b.p);
}

/* ------------------------------------------------------------ /proc/mtrr */

static void test_procmtrr_both_formats(void **state)
{
	struct t *t = *state;
	const char text[] =
	    "  reg00: base=0x000000000 (    0MB), size= 2048MB, count=1: write-back\n"
	    "  reg01: base=0x0ffe00000 ( 4094MB), size=    2MB, count=1: write-protect\n"
	    "reg02: base=0x0ffde0000 ( 4093MB), size=  128KB, count=1: write-protect\n"
	    "reg03: base=0xd0000000 (3328MB), size= 256MB: write-combining, count=2\n"
	    "reg04: base=0x000000000 (    0MB), size=    0MB, count=1: ?\n";
	memtype_capture *c = parse(t, 0, text);
	const memtype_explain_info *info = explain(t, 1);
	memtype_diag d;

	assert_int_equal(memtype_capture_format_of(c), MEMTYPE_CAPTURE_PROC_MTRR);
	assert_int_equal(c->nproc, 4);
	assert_int_equal(c->proc[2].size, 128 * 1024);
	assert_int_equal(c->proc[3].type, MEMTYPE_WC);
	assert_int_equal(c->proc[3].count, 2);
	/* A zero base and size: the listing was read without CAP_SYS_ADMIN. */
	memtype_capture_diag(c, 0, &d);
	assert_string_equal(d.code, "redacted");
	/* A WB range is listed: the default is inferred UC. */
	assert_string_equal(info->default_source, "inferred");
	assert_int_equal(info->default_type, MEMTYPE_UC);
	assert_false(info->var[0].exact);
	expect_type(info, 0xd0000000, MEMTYPE_WC);
	expect_type(info, 0xffe00000, MEMTYPE_WP);
	expect_type(info, 0x7fffffff, MEMTYPE_WB);
	expect_type(info, 0x80000000, MEMTYPE_UC);
}

/* A dump and a /proc/mtrr of one machine: merged, the difference reported. */
static void test_merge_dump_and_procmtrr(void **state)
{
	struct t *t = *state;
	parse(t, 0,
	      "MTRR default type: uncachable\n"
	      "MTRR variable ranges enabled:\n"
	      "  0 base 000000000 mask F80000000 write-back\n"
	      "  1 base 080000000 mask FC0000000 write-back\n"
	      "  2 disabled\n");
	parse(t, 1,
	      "reg00: base=0x000000000 (    0MB), size= 2048MB, count=1: write-back\n"
	      "reg01: base=0x080000000 ( 2048MB), size=  512MB, count=1: write-back\n");
	const memtype_explain_info *info = explain(t, 2);
	const memtype_check *k = find_check(info, "merge");

	assert_int_equal(info->ninputs, 2);
	assert_string_equal(info->mtrr_source, "dump");
	assert_non_null(k);
	assert_false(k->agrees);
	assert_non_null(strstr(k->model, "reg 1"));
	assert_non_null(find_code(info, "capture-disagreement"));
	/* The dump wins: 1 GiB at 2 GiB. */
	expect_type(info, 0xbfffffff, MEMTYPE_WB);
}

/* ------------------------------------------------------------ MSR dumps */

static char *rdmsr_256(bool one_differs, bool uniq)
{
	size_t cap = 64 + 256 * 8;
	char *s = malloc(cap);
	size_t n = 0;

	assert_non_null(s);
	n += (size_t)snprintf(s + n, cap - n, "$ rdmsr -a 0x2ff%s\n", uniq ? " | uniq -c" : "");
	if (uniq) {
		n += (size_t)snprintf(s + n, cap - n, "    256 c00\n");
		return s;
	}
	for (unsigned i = 0; i < 256; i++)
		n += (size_t)snprintf(s + n, cap - n, "%s\n",
				      one_differs && i == 200 ? "c06" : "c00");
	return s;
}

static void test_msr_256_cpus(void **state)
{
	struct t *t = *state;
	char *text = rdmsr_256(false, false);
	memtype_capture *c = parse(t, 0, text);
	const memtype_explain_info *info = explain(t, 1);

	free(text);
	assert_int_equal(memtype_capture_format_of(c), MEMTYPE_CAPTURE_MSR);
	assert_int_equal(c->msr[1 + 0xff].cpus, 256);
	/* 0xc00: E = 1, FE = 1, type UC. */
	assert_int_equal(info->mtrr_enabled, 1);
	assert_int_equal(info->fixed_enabled, 1);
	assert_int_equal(info->default_type, MEMTYPE_UC);
	assert_true(find_check(info, "cpus")->agrees);
	assert_null(info->mtrr_map); /* no variable MTRRs read */
}

static void test_msr_256_cpus_uniq_and_disagreement(void **state)
{
	struct t *t = *state;
	char *a = rdmsr_256(false, true), *b = rdmsr_256(true, false);
	memtype_capture *c = parse(t, 0, a);

	assert_int_equal(c->msr[1 + 0xff].cpus, 256);
	c = parse(t, 1, b);
	free(a);
	free(b);
	assert_int_equal(c->msr[1 + 0xff].cpus, 255);
	assert_int_equal(c->msr[1 + 0xff].differ, 1);
	const memtype_explain_info *info = explain(t, 2);
	assert_non_null(find_code(info, "mtrr-inconsistent-cpus"));
}

/* The reader form of ../shared/corpus/qemu: "0xIDX: 0xVALUE", with CPUID. */
static void test_msr_register_reads(void **state)
{
	struct t *t = *state;
	const char text[] = "cpuid 0x80000008 eax 0x3028 phys_bits 40\n"
			    "0xfe: 0x508\n"
			    "0x2ff: 0xc06\n"
			    "0x250: 0x606060606060606\n0x258: 0x606060606060606\n0x259: 0\n"
			    "0x268: 0x505050505050505\n0x269: 0x505050505050505\n"
			    "0x26a: 0x505050505050505\n0x26b: 0x505050505050505\n"
			    "0x26c: 0x505050505050505\n0x26d: 0x505050505050505\n"
			    "0x26e: 0x505050505050505\n0x26f: 0x505050505050505\n"
			    "IA32_PAT: 0x407050600070106\n"
			    "0x200: 0xc0000000\n0x201: 0xffc0000800\n"
			    "wrmsr 0x202 0\n0x203: 0\n";
	parse(t, 0, text);
	const memtype_explain_info *info = explain(t, 1);

	assert_int_equal(info->phys_bits, 40);
	assert_string_equal(info->phys_bits_source, "cpuid");
	assert_int_equal(info->vcnt, 8);
	assert_string_equal(info->vcnt_source, "mtrrcap");
	assert_true(info->fixed_known);
	assert_int_equal(info->pat, MEMTYPE_PAT_LINUX);
	/* SeaBIOS's layout: WB below A0000, UC to C0000, WP to 1 MiB, UC hole
	 * [3 GiB, 4 GiB), default WB; Linux: "4 entries (3 fixed + 1 variable;
	 * max 19), built from 8" (reference §2.3, many QEMU guests). */
	expect_type(info, 0x9ffff, MEMTYPE_WB);
	expect_type(info, 0xa0000, MEMTYPE_UC);
	expect_type(info, 0xc0000, MEMTYPE_WP);
	expect_type(info, 0xc0000000, MEMTYPE_UC);
	expect_type(info, 0x100000000, MEMTYPE_WB);
	assert_int_equal(info->linux_map.entries, 4);
	assert_int_equal(info->linux_map.fixed, 3);
	assert_int_equal(info->linux_map.max, 19);
	assert_int_equal(info->linux_map.built_from, 8);
}

/* ------------------------------------------------------------ PAT list */

static void test_patlist_both_formats(void **state)
{
	struct t *t = *state;
	const char text[] = "PAT memtype list:\n"
			    "PAT: [mem 0x00000000b0000000-0x00000000c0000000] uncached-minus\n"
			    "PAT: [mem 0x00000000c0000000-0x00000000c03e8000] write-combining\n"
			    "write-back @ 0x7ff70000-0x7ff77000\n";
	memtype_capture *c = parse(t, 0, text);

	assert_int_equal(memtype_capture_format_of(c), MEMTYPE_CAPTURE_PAT_LIST);
	assert_int_equal(c->npatlist, 3);
	/* The end printed is exclusive. */
	assert_int_equal(c->patlist[0].end, 0xbfffffff);
	assert_int_equal(c->patlist[0].type, MEMTYPE_UC_MINUS);
	assert_int_equal(c->patlist[2].start, 0x7ff70000);
	assert_int_equal(c->patlist[2].type, MEMTYPE_WB);
}

/* ------------------------------------------------------------ bad input */

static void test_bad_inputs(void **state)
{
	struct t *t = *state;
	const char bin[] = "MTRR default type: uncachable\n\x7f"
			   "ELF\x02\x01\x01\0\0\0";

	expect_error(t, bin, sizeof(bin) - 1, MEMTYPE_CAPTURE_AUTO, "binary-input");
	assert_int_equal(memtype_ctx_error(t->ctx)->line, 2);
	expect_error(t, "", 0, MEMTYPE_CAPTURE_AUTO, "empty-input");
	expect_error(t, "hello\nworld\n", 12, MEMTYPE_CAPTURE_AUTO, "unrecognised-format");
	/* Forced to /proc/mtrr, a dmesg has none of its lines. */
	expect_error(t, dump_5_4, sizeof(dump_5_4) - 1, MEMTYPE_CAPTURE_PROC_MTRR, "no-data");
	/* Forced to dmesg, a /proc/mtrr line is not a kernel log line. */
	expect_error(t, "reg00: base=0x000000000 (    0MB), size= 2048MB, count=1: write-back\n",
		     68, MEMTYPE_CAPTURE_DMESG, "no-data");
}

/* A 64 KiB line of noise in the middle is cut, reported, and the rest read. */
static void test_line_too_long(void **state)
{
	struct t *t = *state;
	size_t big = 65536;
	char *s = malloc(big + 200);

	assert_non_null(s);
	memset(s, 'x', big);
	s[big] = '\n';
	strcpy(s + big + 1,
	       "[    0.009206] x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  \n");
	memtype_capture *c = parse(t, 0, s);
	free(s);
	memtype_diag d;
	memtype_capture_diag(c, 0, &d);
	assert_string_equal(d.code, "line-too-long");
	assert_true(c->pat_seen);
}

/* Feeding one byte at a time gives the same capture as one buffer. */
static void test_streaming_byte_by_byte(void **state)
{
	struct t *t = *state;
	memtype_capture *c = memtype_capture_new(t->ctx, "stream", MEMTYPE_CAPTURE_AUTO);

	assert_non_null(c);
	t->cap[0] = c;
	for (size_t i = 0; dump_5_4[i]; i++)
		assert_int_equal(memtype_capture_feed(c, dump_5_4 + i, 1), 0);
	assert_int_equal(memtype_capture_finish(c), 0);
	parse(t, 1, dump_5_4);
	assert_int_equal(t->cap[0]->lines_used, t->cap[1]->lines_used);
	assert_memory_equal(t->cap[0]->var, t->cap[1]->var, sizeof(t->cap[0]->var));
	assert_memory_equal(t->cap[0]->fixed, t->cap[1]->fixed, sizeof(t->cap[0]->fixed));
	assert_int_equal(t->cap[0]->ne820, t->cap[1]->ne820);
}

/* The allocator hook failing: NULL and -ENOMEM, never a crash. */
static int fail_after;
static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	(void)ud;
	(void)osize;
	if (nsize == 0) {
		free(ptr);
		return NULL;
	}
	if (fail_after-- <= 0)
		return NULL;
	return realloc(ptr, nsize);
}

static void test_allocation_failure(void **state)
{
	(void)state;
	for (int n = 0; n < 8; n++) {
		fail_after = 1 + n; /* the context itself, then n more */
		memtype_ctx *ctx = memtype_ctx_new(failing_alloc, NULL);
		assert_non_null(ctx);
		memtype_capture *c = NULL;
		int rc = memtype_capture_parse(ctx, "x", dump_5_4, sizeof(dump_5_4) - 1,
					       MEMTYPE_CAPTURE_AUTO, &c);
		if (rc == 0) {
			memtype_explain *e = NULL;
			rc = memtype_explain_run(ctx, (const memtype_capture *const *)&c, 1, &e);
			assert_true(rc == 0 || rc == -ENOMEM);
			memtype_explain_free(e);
		} else {
			assert_int_equal(rc, -ENOMEM);
		}
		memtype_capture_free(c);
		memtype_ctx_free(ctx);
	}
}

/* ------------------------------------------------------------ cleanup model */

/*
 * Sony PCG-FRV27 (../shared/corpus/excerpts, 4.4 i686): WB 0/512M,
 * 512M/256M, 768M/128M, UC 0x37F80000/512K and 0x47F80000/512K. Covered:
 * [0, 896M) - [895.5M, 896M) = 895.5 MiB ("total RAM covered: 895M").
 * With chunk 256M the run [0, 895.5M) rounds up to 1G and the 128.5M
 * excess (less than half) becomes the hole: WB 0/1G; the hole at 895.5M
 * starts 512K-aligned, so UC 916992K/512K, then UC 896M/128M: 3 registers,
 * what the kernel printed under "New variable MTRRs".
 */
static void test_cleanup_frv27(void **state)
{
	(void)state;
	struct mt_cleanup_in in;
	struct mt_cleanup_out out;

	memset(&in, 0, sizeof(in));
	in.nvar = 8;
	in.var[0] = (struct mt_cleanup_reg){0, 512 * MiB, 6};
	in.var[1] = (struct mt_cleanup_reg){512 * MiB, 256 * MiB, 6};
	in.var[2] = (struct mt_cleanup_reg){768 * MiB, 128 * MiB, 6};
	in.var[3] = (struct mt_cleanup_reg){0x37F80000, 512 * 1024, 0};
	in.var[4] = (struct mt_cleanup_reg){0x47F80000, 512 * 1024, 0};
	in.def_type = 0;
	in.enabled = in.fixed_enabled = in.have_fixed = true;
	in.phys_bits = 36;
	in.enable = true;
	in.chunk = 256 * MiB;
	in.spare = 1;
	mt_linux_cleanup(&in, &out);
	assert_true(out.runs);
	assert_int_equal(out.total_mb, 895);
	assert_true(out.applied);
	assert_int_equal(out.result.gran, 64 * 1024);
	assert_int_equal(out.result.chunk, 256 * MiB);
	assert_int_equal(out.result.num_reg, 3);
	assert_int_equal(out.var[0].base, 0);
	assert_int_equal(out.var[0].size, GiB);
	assert_int_equal(out.var[0].type, 6);
	assert_int_equal(out.var[1].base, 916992ull * 1024);
	assert_int_equal(out.var[1].size, 512 * 1024);
	assert_int_equal(out.var[1].type, 0);
	assert_int_equal(out.var[2].base, 896 * MiB);
	assert_int_equal(out.var[2].size, 128 * MiB);
	assert_int_equal(out.var[3].size, 0);
}

/* The cleanup's gates: a default type other than UC, or a WP range, keep
 * the registers (cleanup.c mtrr_cleanup / mtrr_need_cleanup). */
static void test_cleanup_gates(void **state)
{
	(void)state;
	struct mt_cleanup_in in;
	struct mt_cleanup_out out;

	memset(&in, 0, sizeof(in));
	in.nvar = 8;
	in.var[0] = (struct mt_cleanup_reg){0, 2 * GiB, 6};
	in.var[1] = (struct mt_cleanup_reg){0x7F000000, 16 * MiB, 0};
	in.enabled = true;
	in.enable = true;
	in.phys_bits = 36;
	in.spare = 1;
	in.def_type = 6;
	mt_linux_cleanup(&in, &out);
	assert_false(out.runs);
	in.def_type = 0;
	in.var[2] = (struct mt_cleanup_reg){0xFF000000, 16 * MiB, 5};
	mt_linux_cleanup(&in, &out);
	assert_false(out.runs);
	in.var[2].size = 0;
	in.enable = false;
	mt_linux_cleanup(&in, &out);
	assert_false(out.runs);
	in.enable = true;
	mt_linux_cleanup(&in, &out);
	assert_true(out.runs);
}

/*
 * Red Hat's search (chunks up to 2^address_bits): the RHEL 6 Dell PowerEdge
 * 2850 of ../shared/corpus/dmesg. Covered: [0, 3.5G) + [4G, 16.5G). Upstream
 * (chunks < 4G) needs 6 registers; with chunk 16G the first run rounds up to
 * 16G (a 512M hole at 3.5G) and lends 12G to the next: WB 0/16G, UC
 * 3584M/512M, WB 16G/512M -- the kernel's "chunk_size: 16G num_reg: 3".
 */
static void test_cleanup_rhel_chunk_16g(void **state)
{
	(void)state;
	struct mt_cleanup_in in;
	struct mt_cleanup_out out;

	memset(&in, 0, sizeof(in));
	in.nvar = 8;
	in.var[0] = (struct mt_cleanup_reg){0, 16 * GiB, 6};
	in.var[1] = (struct mt_cleanup_reg){16 * GiB, 512 * MiB, 6};
	in.var[2] = (struct mt_cleanup_reg){3584 * MiB, 512 * MiB, 0};
	in.enabled = true;
	in.enable = true;
	in.phys_bits = 36;
	in.chunk = 256 * MiB;
	in.spare = 1;
	mt_linux_cleanup(&in, &out);
	assert_true(out.applied);
	assert_int_equal(out.result.num_reg, 6);
	in.chunk_bits = 36;
	in.max_results = 264;
	mt_linux_cleanup(&in, &out);
	assert_true(out.applied);
	assert_int_equal(out.total_mb, 16384);
	assert_int_equal(out.result.chunk, 16 * GiB);
	assert_int_equal(out.result.num_reg, 3);
	assert_int_equal(out.var[0].size, 16 * GiB);
	assert_int_equal(out.var[1].base, 3584 * MiB);
	assert_int_equal(out.var[1].type, 0);
	assert_int_equal(out.var[2].base, 16 * GiB);
	assert_int_equal(out.var[2].size, 512 * MiB);
}

/* A hex field of only zeros, longer than 16 digits, that ends the line:
 * the leading-zero skip must stop at the field's end, not run on into the
 * bytes after the line (found by fuzz_capture_procmtrr under valgrind). */
static void test_hex_zero_run_stops_at_the_line_end(void **state)
{
	static const char buf[] = "0000000000000000000000000x";
	size_t i = 0;
	uint64_t v = 1;

	(void)state;
	assert_true(mt_cap_hex(buf, 20, &i, false, &v));
	assert_int_equal(i, 20);
	assert_int_equal(v, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_dmesg_dump_5_4_registers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dmesg_no_timestamps_2_6_32, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dmesg_prefixes_journalctl_crlf, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dmesg_wrapped_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dmesg_quoted_printable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dmesg_truncated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dmesg_tom2_hardware_vs_linux, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dmesg_overlap_undefined, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dmesg_mtrr_disabled_guest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dmesg_text_sanitized, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_explain_svg_deterministic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_procmtrr_both_formats, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_merge_dump_and_procmtrr, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_msr_256_cpus, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_msr_256_cpus_uniq_and_disagreement, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_msr_register_reads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patlist_both_formats, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_inputs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_line_too_long, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_streaming_byte_by_byte, setup, teardown),
	    cmocka_unit_test(test_allocation_failure),
	    cmocka_unit_test(test_cleanup_frv27),
	    cmocka_unit_test(test_cleanup_gates),
	    cmocka_unit_test(test_cleanup_rhel_chunk_16g),
	    cmocka_unit_test(test_hex_zero_run_stops_at_the_line_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
