/*
 * test_regs.c - register files: a machine's MSR values as text.
 *
 * `memtype resolve` takes a register state as people paste it (memtype.h):
 * msr-tools lines ("wrmsr [-a | -p N] IDX VAL"), rdmsr-style dumps
 * ("0x2ff: c06", hex with "0x" optional), names as the SDM prints them
 * ("IA32_MTRR_DEF_TYPE: 0xc06") or as Linux's msr-index.h spells them
 * ("MSR_MTRRdefType=c06"), a YAML-ish "msr:" header with indented lines, the
 * keys cpu, phys_bits and mtrrcap, '#' comments, blank lines and CRLF line
 * endings. Each form is parsed, replayed into an MTRR state with
 * memtype_regs_to_mtrr, and read back with RDMSR.
 *
 * Errors carry file, 1-based line and column of the offending token, and a
 * stable code: unknown-msr, bad-number, duplicate-key, syntax. A value the
 * hardware would refuse (#GP, Intel SDM Vol. 3A §11.11.2.1) parses fine and
 * fails in memtype_regs_to_mtrr with code "gp" at its own line. MTRRcap is
 * read-only (SDM §11.11.1): "wrmsr 0xfe" is a #GP, while "mtrrcap:" and
 * "0xfe:" describe the CPU's capability. Without a phys_bits line MAXPHYADDR
 * is 36 (SDM §11.11.2.3), and memtype_regs_phys_bits_source says so.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "memtype.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------------
 * Helpers.
 */

struct state {
	memtype_ctx *ctx;
	memtype_regs *r;
};

static void open_regs(struct state *s)
{
	s->ctx = memtype_ctx_new(NULL, NULL);
	assert_non_null(s->ctx);
	s->r = memtype_regs_new(s->ctx);
	assert_non_null(s->r);
}

static void close_regs(struct state *s)
{
	memtype_regs_free(s->r);
	memtype_ctx_free(s->ctx);
}

static void parse_ok(struct state *s, const char *name, const char *text, size_t len)
{
	int rc = memtype_regs_parse(s->r, name, text, len);
	if (rc) {
		const memtype_error *e = memtype_ctx_error(s->ctx);
		fail_msg("parsing %s failed (%d): %s:%u:%u %s: %s", name, rc,
			 e->file ? e->file : "?", e->line, e->col, e->code, e->message);
	}
}

static void parse_str(struct state *s, const char *name, const char *text)
{
	parse_ok(s, name, text, strlen(text));
}

static memtype_mtrr *to_mtrr_ok(struct state *s)
{
	memtype_mtrr *m = NULL;
	int rc = memtype_regs_to_mtrr(s->r, &m);
	if (rc)
		fail_msg("memtype_regs_to_mtrr failed (%d): %s %s", rc,
			 memtype_ctx_error(s->ctx)->code, memtype_ctx_error(s->ctx)->message);
	assert_non_null(m);
	return m;
}

static void expect_msr(memtype_mtrr *m, const char *row, uint32_t index, uint64_t value)
{
	uint64_t v = 0;
	int rc = memtype_mtrr_rdmsr(m, index, &v);
	if (rc || v != value)
		fail_msg("%s: RDMSR 0x%x gives %d/0x%llx, expected 0x%llx", row, index, rc,
			 (unsigned long long)v, (unsigned long long)value);
}

/* ---------------------------------------------------------------------------
 * Defaults.
 */

/* An empty register set: Intel, MAXPHYADDR 36 (SDM §11.11.2.3), MTRRcap 0x508. */
static void test_regs_new_defaults(void **state)
{
	struct state s;
	memtype_mtrr *m;
	uint64_t pat = 0x1234;

	(void)state;
	open_regs(&s);
	assert_int_equal(memtype_regs_cpu(s.r), MEMTYPE_CPU_INTEL);
	assert_string_equal(memtype_regs_phys_bits_source(s.r), "default");
	assert_false(memtype_regs_pat(s.r, &pat));
	parse_str(&s, "empty", "");
	m = to_mtrr_ok(&s);
	assert_int_equal(memtype_mtrr_phys_bits(m), 36);
	assert_int_equal(memtype_mtrr_vcnt(m), 8);
	expect_msr(m, "reset", MEMTYPE_MSR_MTRRCAP, MEMTYPE_MTRRCAP_KVM);
	expect_msr(m, "reset", MEMTYPE_MSR_MTRR_DEF_TYPE, 0);
	memtype_mtrr_free(m);
	close_regs(&s);
}

/* ---------------------------------------------------------------------------
 * Line forms, one line each.
 */

static void test_regs_parse_each_line_form(void **state)
{
	static const struct {
		const char *name;
		const char *text;
		uint32_t index;
		uint64_t value;
	} rows[] = {
		{ "msr-tools wrmsr", "wrmsr 0x2ff 0xc06", 0x2ff, 0xc06 },
		{ "wrmsr, hex without 0x", "wrmsr 2ff c06", 0x2ff, 0xc06 },
		{ "wrmsr -a (all CPUs)", "wrmsr -a 0x200 6", 0x200, 0x6 },
		{ "wrmsr -p N (one CPU)", "wrmsr -p 3 0x201 0xf80000800", 0x201, 0xf80000800ull },
		{ "rdmsr dump", "0x2ff: c06", 0x2ff, 0xc06 },
		{ "index without 0x", "2ff: c06", 0x2ff, 0xc06 },
		{ "upper-case hex", "0X2FF: 0XC06", 0x2ff, 0xc06 },
		{ "no space after colon", "0x2ff:c06", 0x2ff, 0xc06 },
		{ "IDX=VAL", "0x2ff=0xc06", 0x2ff, 0xc06 },
		{ "SDM name", "IA32_MTRR_DEF_TYPE: 0xc06", 0x2ff, 0xc06 },
		{ "SDM name, lower case", "ia32_mtrr_def_type: c06", 0x2ff, 0xc06 },
		{ "Linux name", "MSR_MTRRdefType=c06", 0x2ff, 0xc06 },
		{ "Linux fixed name", "MSR_MTRRfix4K_F8000: 0505050505050505", 0x26f,
		  0x0505050505050505ull },
		{ "SDM pair name", "IA32_MTRR_PHYSMASK7: 0xff0000800", 0x20f, 0xff0000800ull },
		{ "msr: header and indented line", "msr:\n  0x2ff: c06\n", 0x2ff, 0xc06 },
		{ "msrs: header and tab-indented line", "msrs:\n\t0x2ff: c06\n", 0x2ff, 0xc06 },
		{ "trailing comment", "0x2ff: c06   # E, FE, WB", 0x2ff, 0xc06 },
		{ "comment and blank lines", "# dump\n\n   \n0x2ff: c06\n\n", 0x2ff, 0xc06 },
		{ "CRLF line ending", "0x2ff: c06\r\n", 0x2ff, 0xc06 },
		{ "CRLF wrmsr", "# x\r\nwrmsr 0x2ff 0xc06\r\n", 0x2ff, 0xc06 },
		{ "leading and trailing blanks", " \t0x2ff: c06 \t", 0x2ff, 0xc06 },
		{ "16 hex digits", "0x250: 0x0606060606060606", 0x250, 0x0606060606060606ull },
		{ "leading zeros", "0x00002ff: 0000000000000c06", 0x2ff, 0xc06 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct state s;
		memtype_mtrr *m;

		open_regs(&s);
		int rc = memtype_regs_parse(s.r, rows[i].name, rows[i].text, strlen(rows[i].text));
		if (rc)
			fail_msg("%s: '%s' failed (%d): line %u col %u %s: %s", rows[i].name,
				 rows[i].text, rc, memtype_ctx_error(s.ctx)->line,
				 memtype_ctx_error(s.ctx)->col, memtype_ctx_error(s.ctx)->code,
				 memtype_ctx_error(s.ctx)->message);
		m = to_mtrr_ok(&s);
		expect_msr(m, rows[i].name, rows[i].index, rows[i].value);
		memtype_mtrr_free(m);
		close_regs(&s);
	}
}

/* A whole file mixing every form; the writes are replayed in file order. */
static void test_regs_parse_whole_file(void **state)
{
	static const char text[] =
		"# A register dump pasted from several tools\r\n"
		"cpu: amd\r\n"
		"phys_bits: 46\r\n"
		"mtrrcap: 0x50a          # VCNT 10, FIX, WC\r\n"
		"\r\n"
		"wrmsr 0x2ff 0x800\r\n"
		"wrmsr -a 0x200 6\r\n"
		"wrmsr -p 3 0x201 0x3ff80000800\r\n"
		"0x202: 80000006\r\n"
		"IA32_MTRR_PHYSMASK1: 0x3ffc0000800\r\n"
		"MSR_MTRRfix64K_00000=0606060606060606\r\n"
		"msr:\r\n"
		"  0x212: 0x100000005\r\n"
		"  IA32_MTRR_PHYSMASK9: 0x3ff00000800\r\n"
		"\tIA32_PAT: 0x0407050600070106\r\n"
		"IA32_MTRR_DEF_TYPE: 0xc00\r\n"
		"MSR_MTRRdefType=c06\r\n";
	struct state s;
	memtype_mtrr *m;
	uint64_t pat = 0;

	(void)state;
	open_regs(&s);
	parse_ok(&s, "dump.txt", text, strlen(text));
	assert_int_equal(memtype_regs_cpu(s.r), MEMTYPE_CPU_AMD);
	assert_string_equal(memtype_regs_phys_bits_source(s.r), "file");
	assert_true(memtype_regs_pat(s.r, &pat));
	assert_int_equal(pat, 0x0407050600070106ull);
	m = to_mtrr_ok(&s);
	assert_int_equal(memtype_mtrr_phys_bits(m), 46);
	assert_int_equal(memtype_mtrr_vcnt(m), 10);
	expect_msr(m, "mtrrcap", 0xfe, 0x50a);
	expect_msr(m, "last DEF_TYPE write wins", 0x2ff, 0xc06);
	expect_msr(m, "wrmsr -a", 0x200, 0x6);
	expect_msr(m, "wrmsr -p", 0x201, 0x3ff80000800ull);
	expect_msr(m, "rdmsr form", 0x202, 0x80000006ull);
	expect_msr(m, "SDM name", 0x203, 0x3ffc0000800ull);
	expect_msr(m, "Linux name", 0x250, 0x0606060606060606ull);
	expect_msr(m, "pair 9 (needs VCNT 10)", 0x212, 0x100000005ull);
	expect_msr(m, "pair 9 mask", 0x213, 0x3ff00000800ull);
	expect_msr(m, "untouched", 0x204, 0);
	memtype_mtrr_free(m);
	close_regs(&s);
}

/* Exactly len bytes are parsed; the text need not end in NUL or newline. */
static void test_regs_parse_reads_exactly_len_bytes(void **state)
{
	static const char text[] = "0x2ff: c06GARBAGE";
	struct state s;
	memtype_mtrr *m;

	(void)state;
	open_regs(&s);
	parse_ok(&s, "part", text, 10);
	m = to_mtrr_ok(&s);
	expect_msr(m, "first 10 bytes", 0x2ff, 0xc06);
	memtype_mtrr_free(m);
	close_regs(&s);
}

/* Parsing appends: a second file adds to the first. */
static void test_regs_parse_appends_files(void **state)
{
	struct state s;
	memtype_mtrr *m;

	(void)state;
	open_regs(&s);
	parse_str(&s, "a.txt", "0x200: 6\n");
	parse_str(&s, "b.txt", "0x201: f80000800\n0x2ff: 806\n");
	m = to_mtrr_ok(&s);
	expect_msr(m, "from a.txt", 0x200, 0x6);
	expect_msr(m, "from b.txt", 0x201, 0xf80000800ull);
	expect_msr(m, "from b.txt", 0x2ff, 0x806);
	memtype_mtrr_free(m);
	close_regs(&s);
}

/* ---------------------------------------------------------------------------
 * Parse errors: file, line, column and code.
 */

static void test_regs_parse_errors_have_position_and_code(void **state)
{
	static const struct {
		const char *name;
		const char *text;
		size_t len; /* 0: strlen(text) */
		const char *code;
		unsigned line, col;
	} rows[] = {
		{ "unknown key", "foo: 1", 0, "unknown-msr", 1, 1 },
		{ "not an MTRR MSR", "0x2fe: 0", 0, "unknown-msr", 1, 1 },
		{ "bad number", "0x2ff: xyz", 0, "bad-number", 1, 8 },
		{ "bad number on line 2", "# header\n0x2ff: xyz\n", 0, "bad-number", 2, 8 },
		{ "bad number, indented", "msr:\n  0x2ff: xyz", 0, "bad-number", 2, 10 },
		{ "bad number, CRLF", "cpu: intel\r\n0x2ff: xyz\r\n", 0, "bad-number", 2, 8 },
		{ "17 hex digits", "0x2ff: 0x11111111111111111", 0, "bad-number", 1, 8 },
		{ "17 hex digits without 0x", "0x2ff: 11111111111111111", 0, "bad-number", 1, 8 },
		{ "wrmsr bad number", "wrmsr 0x2ff 0xcg6", 0, "bad-number", 1, 13 },
		{ "duplicate cpu", "cpu: intel\ncpu: amd\n", 0, "duplicate-key", 2, 1 },
		{ "duplicate phys_bits", "phys_bits: 36\nphys_bits: 40\n", 0, "duplicate-key", 2,
		  1 },
		{ "duplicate mtrrcap", "mtrrcap: 508\n\nmtrrcap: 508\n", 0, "duplicate-key", 3,
		  1 },
		{ "cpu arm", "cpu: arm", 0, "syntax", 1, 6 },
		{ "phys_bits 60", "phys_bits: 60", 0, "bad-number", 1, 12 },
		{ "phys_bits 31", "phys_bits: 31", 0, "bad-number", 1, 12 },
		{ "phys_bits not a number", "phys_bits: many", 0, "bad-number", 1, 12 },
		{ "trailing garbage", "0x2ff: c06 junk", 0, "syntax", 1, 12 },
		{ "trailing garbage after wrmsr", "wrmsr 0x2ff 0xc06 junk", 0, "syntax", 1, 19 },
		{ "NUL byte", "0x2ff: c\0", 9, "syntax", 1, 9 },
		{ "NUL byte on line 3", "\n\n\0", 3, "syntax", 3, 1 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct state s;
		size_t len = rows[i].len ? rows[i].len : strlen(rows[i].text);

		open_regs(&s);
		int rc = memtype_regs_parse(s.r, "regs.txt", rows[i].text, len);
		const memtype_error *e = memtype_ctx_error(s.ctx);
		if (rc != -EINVAL)
			fail_msg("%s: returned %d, expected -EINVAL", rows[i].name, rc);
		assert_int_equal(e->status, -EINVAL);
		if (strcmp(e->code, rows[i].code) != 0 || !e->file ||
		    strcmp(e->file, "regs.txt") != 0 || e->line != rows[i].line ||
		    e->col != rows[i].col)
			fail_msg("%s: got %s:%u:%u code '%s' (%s), "
				 "expected regs.txt:%u:%u code '%s'",
				 rows[i].name, e->file ? e->file : "(null)", e->line, e->col,
				 e->code, e->message, rows[i].line, rows[i].col, rows[i].code);
		assert_true(e->message[0] != '\0');
		close_regs(&s);
	}
}

/* Lines that are no form at all. */
static void test_regs_parse_syntax_errors(void **state)
{
	static const struct {
		const char *name;
		const char *text;
	} rows[] = {
		{ "words", "just words" },
		{ "wrmsr without value", "wrmsr 0x2ff" },
		{ "wrmsr without anything", "wrmsr" },
		{ "wrmsr -p without CPU", "wrmsr -p" },
		{ "key without value", "0x2ff:" },
		{ "value without key", ": c06" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct state s;

		open_regs(&s);
		int rc = memtype_regs_parse(s.r, "x", rows[i].text, strlen(rows[i].text));
		if (rc != -EINVAL || strcmp(memtype_ctx_error(s.ctx)->code, "syntax") != 0)
			fail_msg("%s: returned %d code '%s', expected -EINVAL 'syntax'",
				 rows[i].name, rc, memtype_ctx_error(s.ctx)->code);
		assert_int_equal(memtype_ctx_error(s.ctx)->line, 1);
		close_regs(&s);
	}
}

/* An error in a second file names that file. */
static void test_regs_parse_error_names_its_file(void **state)
{
	struct state s;
	const memtype_error *e;

	(void)state;
	open_regs(&s);
	parse_str(&s, "first.txt", "0x200: 6\n");
	assert_int_equal(memtype_regs_parse(s.r, "second.txt", "\n0x201: q\n", 10), -EINVAL);
	e = memtype_ctx_error(s.ctx);
	assert_non_null(e->file);
	assert_string_equal(e->file, "second.txt");
	assert_int_equal(e->line, 2);
	assert_int_equal(e->col, 8);
	assert_string_equal(e->code, "bad-number");
	close_regs(&s);
}

/* ---------------------------------------------------------------------------
 * #GP at replay time (SDM §11.11.1, §11.11.2.1).
 */

static void expect_gp_at(struct state *s, const char *file, unsigned line)
{
	memtype_mtrr *m = (memtype_mtrr *)&m; /* must be overwritten */
	int rc = memtype_regs_to_mtrr(s->r, &m);
	const memtype_error *e = memtype_ctx_error(s->ctx);

	if (rc != -EINVAL)
		fail_msg("memtype_regs_to_mtrr returned %d, expected -EINVAL (#GP)", rc);
	assert_null(m);
	assert_int_equal(e->status, -EINVAL);
	assert_string_equal(e->code, "gp");
	assert_non_null(e->file);
	assert_string_equal(e->file, file);
	assert_int_equal(e->line, line);
	assert_true(e->message[0] != '\0');
}

/* DEF_TYPE type 2 is reserved (SDM §11.11.2.1): the line parses, the replay
 * faults at that line. */
static void test_regs_gp_value_fails_at_its_line(void **state)
{
	static const char text[] = "cpu: intel\n# default type\n0x2ff: 0x2\n0x200: 6\n";
	struct state s;

	(void)state;
	open_regs(&s);
	parse_ok(&s, "gp.txt", text, strlen(text));
	expect_gp_at(&s, "gp.txt", 3);
	close_regs(&s);
}

/* A reserved bit of PHYSMASK at MAXPHYADDR from the file's phys_bits. */
static void test_regs_gp_uses_file_phys_bits(void **state)
{
	static const char ok[] = "phys_bits: 40\n0x201: 0xff00000800\n";
	static const char bad[] = "phys_bits: 39\n\n0x201: 0xff00000800\n";
	struct state s;
	memtype_mtrr *m;

	(void)state;
	open_regs(&s);
	parse_ok(&s, "ok.txt", ok, strlen(ok));
	m = to_mtrr_ok(&s);
	expect_msr(m, "40-bit mask", 0x201, 0xff00000800ull);
	memtype_mtrr_free(m);
	close_regs(&s);

	open_regs(&s);
	parse_ok(&s, "bad.txt", bad, strlen(bad));
	expect_gp_at(&s, "bad.txt", 3);
	close_regs(&s);
}

/* MTRRcap is read-only (SDM §11.11.1): "wrmsr 0xfe" is a write, so #GP. */
static void test_regs_wrmsr_mtrrcap_is_gp(void **state)
{
	static const char text[] = "0x2ff: c06\nwrmsr 0xfe 0x508\n";
	struct state s;

	(void)state;
	open_regs(&s);
	parse_ok(&s, "cap.txt", text, strlen(text));
	expect_gp_at(&s, "cap.txt", 2);
	close_regs(&s);
}

/* "mtrrcap:", "0xfe:" and "IA32_MTRRCAP:" describe the CPU's capability. */
static void test_regs_mtrrcap_key_sets_capability(void **state)
{
	static const struct {
		const char *name;
		const char *text;
		uint64_t cap;
	} rows[] = {
		{ "mtrrcap key", "mtrrcap: 0x508\n", 0x508 },
		{ "mtrrcap key, VCNT 10", "mtrrcap: 0x50a\n", 0x50a },
		{ "index form", "0xfe: 508\n", 0x508 },
		{ "index form, VCNT 2", "0xfe: 0x502\n", 0x502 },
		{ "SDM name", "IA32_MTRRCAP: 0x510\n", 0x510 },
		{ "Linux name", "MSR_MTRRcap=0x50c\n", 0x50c },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct state s;
		memtype_mtrr *m;

		open_regs(&s);
		parse_ok(&s, rows[i].name, rows[i].text, strlen(rows[i].text));
		m = to_mtrr_ok(&s);
		expect_msr(m, rows[i].name, 0xfe, rows[i].cap);
		assert_int_equal(memtype_mtrr_vcnt(m), rows[i].cap & 0xff);
		memtype_mtrr_free(m);
		close_regs(&s);
	}
}

/* With the capability from the file, pairs >= VCNT fault at their line. */
static void test_regs_pair_beyond_file_vcnt_is_gp(void **state)
{
	static const char text[] = "mtrrcap: 0x502\n0x202: 6\n0x204: 6\n";
	struct state s;

	(void)state;
	open_regs(&s);
	parse_ok(&s, "vcnt.txt", text, strlen(text));
	expect_gp_at(&s, "vcnt.txt", 3);
	close_regs(&s);
}

/* An MTRRcap with reserved bits 63:16 is no CPU (SDM §11.11.1). */
static void test_regs_mtrrcap_reserved_bits_fail_to_build(void **state)
{
	static const char text[] = "mtrrcap: 0x10508\n";
	struct state s;
	memtype_mtrr *m = NULL;

	(void)state;
	open_regs(&s);
	parse_ok(&s, "cap.txt", text, strlen(text));
	assert_int_equal(memtype_regs_to_mtrr(s.r, &m), -EINVAL);
	assert_null(m);
	close_regs(&s);
}

/* ---------------------------------------------------------------------------
 * --msr arguments.
 */

static void test_regs_add_arg(void **state)
{
	struct state s;
	memtype_mtrr *m;
	uint64_t pat = 0;

	(void)state;
	open_regs(&s);
	assert_int_equal(memtype_regs_add_arg(s.r, "0x2ff=0xc06"), 0);
	assert_int_equal(memtype_regs_add_arg(s.r, "IA32_MTRR_PHYSBASE0=6"), 0);
	assert_int_equal(memtype_regs_add_arg(s.r, "0x201=f80000800"), 0);
	assert_int_equal(memtype_regs_add_arg(s.r, "IA32_PAT=0x0007040600070406"), 0);
	assert_true(memtype_regs_pat(s.r, &pat));
	assert_int_equal(pat, MEMTYPE_PAT_RESET);
	m = to_mtrr_ok(&s);
	expect_msr(m, "--msr 0x2ff", 0x2ff, 0xc06);
	expect_msr(m, "--msr by name", 0x200, 0x6);
	expect_msr(m, "--msr without 0x", 0x201, 0xf80000800ull);
	memtype_mtrr_free(m);
	close_regs(&s);
}

static void test_regs_add_arg_mtrrcap_sets_capability(void **state)
{
	struct state s;
	memtype_mtrr *m;

	(void)state;
	open_regs(&s);
	assert_int_equal(memtype_regs_add_arg(s.r, "0xfe=0x50a"), 0);
	assert_int_equal(memtype_regs_add_arg(s.r, "0x213=0xf00000800"), 0);
	m = to_mtrr_ok(&s);
	assert_int_equal(memtype_mtrr_vcnt(m), 10);
	expect_msr(m, "pair 9", 0x213, 0xf00000800ull);
	memtype_mtrr_free(m);
	close_regs(&s);
}

static void test_regs_add_arg_errors(void **state)
{
	static const struct {
		const char *name;
		const char *arg;
		const char *code; /* NULL: any non-empty code */
	} rows[] = {
		{ "no '='", "bogus", NULL },
		{ "empty", "", NULL },
		{ "bad value", "0x2ff=zz", "bad-number" },
		{ "empty value", "0x2ff=", "bad-number" },
		{ "17 hex digits", "0x2ff=0x11111111111111111", "bad-number" },
		{ "unknown name", "IA32_BOGUS=1", "unknown-msr" },
		{ "not an MTRR", "0x10=1", "unknown-msr" },
	};
	unsigned failures = 0;

	(void)state;
	/* Every row is tried; the mismatches are listed, then the test fails. */
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct state s;

		open_regs(&s);
		int rc = memtype_regs_add_arg(s.r, rows[i].arg);
		const memtype_error *e = memtype_ctx_error(s.ctx);
		if (rc != -EINVAL || e->status != -EINVAL) {
			print_message("# %s: --msr '%s' returned %d (ctx status %d), "
				      "expected -EINVAL\n",
				      rows[i].name, rows[i].arg, rc, e->status);
			failures++;
		} else if (e->code[0] == '\0' ||
			   (rows[i].code && strcmp(e->code, rows[i].code) != 0)) {
			print_message("# %s: --msr '%s' gives ctx code '%s', expected '%s' "
				      "(message '%s')\n",
				      rows[i].name, rows[i].arg, e->code,
				      rows[i].code ? rows[i].code : "non-empty", e->message);
			failures++;
		}
		close_regs(&s);
	}
	if (failures)
		fail_msg("%u of %zu --msr error rows wrong", failures, ARRAY_LEN(rows));
}

/* A #GP from an --msr value has no file position but still code "gp". */
static void test_regs_add_arg_gp_value_fails_to_build(void **state)
{
	struct state s;
	memtype_mtrr *m = NULL;

	(void)state;
	open_regs(&s);
	assert_int_equal(memtype_regs_add_arg(s.r, "0x2ff=0x2"), 0);
	assert_int_equal(memtype_regs_to_mtrr(s.r, &m), -EINVAL);
	assert_null(m);
	assert_string_equal(memtype_ctx_error(s.ctx)->code, "gp");
	close_regs(&s);
}

/* ---------------------------------------------------------------------------
 * IA32_PAT, cpu and phys_bits.
 */

static void test_regs_pat(void **state)
{
	static const char text[] = "0x277: 0x0007040600070406\n"
				   "IA32_PAT: 0x0407050600070106\n"
				   "0x2ff: c06\n";
	struct state s;
	uint64_t pat = 0;

	(void)state;
	open_regs(&s);
	assert_false(memtype_regs_pat(s.r, &pat));
	parse_str(&s, "pat.txt", "0x277: 0x0007040600070406\n");
	assert_true(memtype_regs_pat(s.r, &pat));
	assert_int_equal(pat, MEMTYPE_PAT_RESET);
	close_regs(&s);

	/* The last value given wins, whatever spelling. */
	open_regs(&s);
	parse_ok(&s, "pat.txt", text, strlen(text));
	assert_true(memtype_regs_pat(s.r, &pat));
	assert_int_equal(pat, MEMTYPE_PAT_LINUX);
	assert_int_equal(memtype_regs_add_arg(s.r, "MSR_IA32_CR_PAT=0x0007010600070106"), 0);
	assert_true(memtype_regs_pat(s.r, &pat));
	assert_int_equal(pat, MEMTYPE_PAT_LINUX_ERRATA);
	close_regs(&s);
}

static void test_regs_cpu(void **state)
{
	struct state s;

	(void)state;
	open_regs(&s);
	parse_str(&s, "cpu.txt", "cpu: amd\n");
	assert_int_equal(memtype_regs_cpu(s.r), MEMTYPE_CPU_AMD);
	close_regs(&s);

	open_regs(&s);
	parse_str(&s, "cpu.txt", "CPU: Intel\n");
	assert_int_equal(memtype_regs_cpu(s.r), MEMTYPE_CPU_INTEL);
	assert_int_equal(memtype_regs_set_cpu(s.r, MEMTYPE_CPU_AMD), 0);
	assert_int_equal(memtype_regs_cpu(s.r), MEMTYPE_CPU_AMD);
	assert_int_equal(memtype_regs_set_cpu(s.r, (memtype_cpu)7), -EINVAL);
	assert_int_equal(memtype_regs_cpu(s.r), MEMTYPE_CPU_AMD);
	close_regs(&s);
}

/* Where MAXPHYADDR came from: "default" (36, SDM §11.11.2.3), "file", "option". */
static void test_regs_phys_bits_source(void **state)
{
	struct state s;
	memtype_mtrr *m;

	(void)state;
	open_regs(&s);
	assert_string_equal(memtype_regs_phys_bits_source(s.r), "default");
	m = to_mtrr_ok(&s);
	assert_int_equal(memtype_mtrr_phys_bits(m), 36);
	memtype_mtrr_free(m);
	parse_str(&s, "pb.txt", "phys_bits: 46\n");
	assert_string_equal(memtype_regs_phys_bits_source(s.r), "file");
	m = to_mtrr_ok(&s);
	assert_int_equal(memtype_mtrr_phys_bits(m), 46);
	memtype_mtrr_free(m);
	assert_int_equal(memtype_regs_set_phys_bits(s.r, 40), 0);
	assert_string_equal(memtype_regs_phys_bits_source(s.r), "option");
	m = to_mtrr_ok(&s);
	assert_int_equal(memtype_mtrr_phys_bits(m), 40);
	memtype_mtrr_free(m);
	close_regs(&s);

	open_regs(&s);
	assert_int_equal(memtype_regs_set_phys_bits(s.r, 31), -EINVAL);
	assert_int_equal(memtype_regs_set_phys_bits(s.r, 53), -EINVAL);
	assert_string_equal(memtype_regs_phys_bits_source(s.r), "default");
	assert_int_equal(memtype_regs_set_phys_bits(s.r, 52), 0);
	assert_string_equal(memtype_regs_phys_bits_source(s.r), "option");
	close_regs(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regs_new_defaults),
		cmocka_unit_test(test_regs_parse_each_line_form),
		cmocka_unit_test(test_regs_parse_whole_file),
		cmocka_unit_test(test_regs_parse_reads_exactly_len_bytes),
		cmocka_unit_test(test_regs_parse_appends_files),
		cmocka_unit_test(test_regs_parse_errors_have_position_and_code),
		cmocka_unit_test(test_regs_parse_syntax_errors),
		cmocka_unit_test(test_regs_parse_error_names_its_file),
		cmocka_unit_test(test_regs_gp_value_fails_at_its_line),
		cmocka_unit_test(test_regs_gp_uses_file_phys_bits),
		cmocka_unit_test(test_regs_wrmsr_mtrrcap_is_gp),
		cmocka_unit_test(test_regs_mtrrcap_key_sets_capability),
		cmocka_unit_test(test_regs_pair_beyond_file_vcnt_is_gp),
		cmocka_unit_test(test_regs_mtrrcap_reserved_bits_fail_to_build),
		cmocka_unit_test(test_regs_add_arg),
		cmocka_unit_test(test_regs_add_arg_mtrrcap_sets_capability),
		cmocka_unit_test(test_regs_add_arg_errors),
		cmocka_unit_test(test_regs_add_arg_gp_value_fails_to_build),
		cmocka_unit_test(test_regs_pat),
		cmocka_unit_test(test_regs_cpu),
		cmocka_unit_test(test_regs_phys_bits_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
