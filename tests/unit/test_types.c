/*
 * test_types.c - memory type names, parsing, Linux numbers and encodings.
 *
 * A memory type has up to four spellings (memtype.h): the manuals' short
 * names ("UC-", Intel SDM Vol. 3A §11.3 Table 11-2), the words Linux prints in
 * /proc/mtrr (arch/x86/kernel/cpu/mtrr: mtrr_attrib_to_str(), which has none
 * for UC-), the words of Linux's PAT messages and debugfs pat_memtype_list
 * (arch/x86/mm/pat: cattr_name()), and the manuals' long names. Parsing
 * accepts all of them, case-insensitively, over exactly len bytes.
 *
 * Linux's enum page_cache_mode numbers (arch/x86/include/asm/pgtable_types.h)
 * appear in its "requested 0x2, got 0x0" messages: WB 0, WC 1, UC- 2, UC 3,
 * WT 4, WP 5.
 *
 * The legal encodings per field: MTRR type fields (SDM §11.11.1, Table 11-8)
 * and EPT leaves (SDM Vol. 3C §28.2.3.1, anything else is an EPT
 * misconfiguration) take 0 1 4 5 6; PAT entries (SDM §11.12.2, Table 11-10)
 * additionally 7 (UC-). Every byte value is tried.
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

/* The eight known types with the test's own printable name for each. */
static const struct {
	const char *label;
	memtype_type type;
} all_types[] = {
	{ "UC", MEMTYPE_UC },		{ "WC", MEMTYPE_WC },
	{ "WT", MEMTYPE_WT },		{ "WP", MEMTYPE_WP },
	{ "WB", MEMTYPE_WB },		{ "UC-", MEMTYPE_UC_MINUS },
	{ "WC+", MEMTYPE_WC_PLUS },	{ "undefined", MEMTYPE_UNDEFINED },
};

static const struct {
	const char *label;
	memtype_spelling s;
} all_spellings[] = {
	{ "SHORT", MEMTYPE_SPELL_SHORT },
	{ "MTRR_WORD", MEMTYPE_SPELL_MTRR_WORD },
	{ "PAT_WORD", MEMTYPE_SPELL_PAT_WORD },
	{ "LONG", MEMTYPE_SPELL_LONG },
};

/* Values of the enum's type that are not memory types. */
static const memtype_type not_types[] = { (memtype_type)2, (memtype_type)3, (memtype_type)8,
					  (memtype_type)0xff, (memtype_type)0x102,
					  (memtype_type)-1 };

static const char *tn(memtype_type t)
{
	for (unsigned i = 0; i < ARRAY_LEN(all_types); i++)
		if (all_types[i].type == t)
			return all_types[i].label;
	return "(bad type)";
}

/* One name: want NULL means "this style has no word for the type". */
struct name_row {
	memtype_type type;
	memtype_spelling s;
	const char *want;
};

static int check_names(const char *style, const struct name_row *rows, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		const char *got = memtype_type_name(rows[i].type, rows[i].s);

		if (rows[i].want ? got && strcmp(got, rows[i].want) == 0 : got == NULL)
			continue;
		print_error("%s name of %s -> %s%s%s, got %s%s%s\n", style, tn(rows[i].type),
			    rows[i].want ? "\"" : "", rows[i].want ? rows[i].want : "NULL",
			    rows[i].want ? "\"" : "", got ? "\"" : "", got ? got : "NULL",
			    got ? "\"" : "");
		bad++;
	}
	return bad;
}

static void test_type_is_known_exactly_eight(void **state)
{
	(void)state;
	for (unsigned i = 0; i < ARRAY_LEN(all_types); i++)
		if (!memtype_type_is_known(all_types[i].type))
			fail_msg("%s (0x%x) not known", all_types[i].label,
				 (unsigned)all_types[i].type);
	for (unsigned i = 0; i < ARRAY_LEN(not_types); i++)
		if (memtype_type_is_known(not_types[i]))
			fail_msg("0x%x is known", (unsigned)not_types[i]);
}

/* The manuals' short names. */
static void test_type_name_short(void **state)
{
	static const struct name_row rows[] = {
		{ MEMTYPE_UC, MEMTYPE_SPELL_SHORT, "UC" },
		{ MEMTYPE_UC_MINUS, MEMTYPE_SPELL_SHORT, "UC-" },
		{ MEMTYPE_WC, MEMTYPE_SPELL_SHORT, "WC" },
		{ MEMTYPE_WT, MEMTYPE_SPELL_SHORT, "WT" },
		{ MEMTYPE_WP, MEMTYPE_SPELL_SHORT, "WP" },
		{ MEMTYPE_WB, MEMTYPE_SPELL_SHORT, "WB" },
		{ MEMTYPE_WC_PLUS, MEMTYPE_SPELL_SHORT, "WC+" },
		{ MEMTYPE_UNDEFINED, MEMTYPE_SPELL_SHORT, "undefined" },
	};
	int bad;

	(void)state;
	bad = check_names("SHORT", rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d short name(s) wrong", bad);
}

/* Linux mtrr_attrib_to_str(), as in /proc/mtrr: no word for UC-. */
static void test_type_name_mtrr_word_proc_mtrr(void **state)
{
	static const struct name_row rows[] = {
		{ MEMTYPE_UC, MEMTYPE_SPELL_MTRR_WORD, "uncachable" },
		{ MEMTYPE_WC, MEMTYPE_SPELL_MTRR_WORD, "write-combining" },
		{ MEMTYPE_WT, MEMTYPE_SPELL_MTRR_WORD, "write-through" },
		{ MEMTYPE_WP, MEMTYPE_SPELL_MTRR_WORD, "write-protect" },
		{ MEMTYPE_WB, MEMTYPE_SPELL_MTRR_WORD, "write-back" },
		{ MEMTYPE_UC_MINUS, MEMTYPE_SPELL_MTRR_WORD, NULL },
	};
	int bad;

	(void)state;
	bad = check_names("MTRR_WORD", rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d /proc/mtrr word(s) wrong", bad);
}

/* Linux cattr_name(), as in pat_memtype_list and PAT messages. */
static void test_type_name_pat_word_pat_memtype_list(void **state)
{
	static const struct name_row rows[] = {
		{ MEMTYPE_UC, MEMTYPE_SPELL_PAT_WORD, "uncached" },
		{ MEMTYPE_UC_MINUS, MEMTYPE_SPELL_PAT_WORD, "uncached-minus" },
		{ MEMTYPE_WC, MEMTYPE_SPELL_PAT_WORD, "write-combining" },
		{ MEMTYPE_WT, MEMTYPE_SPELL_PAT_WORD, "write-through" },
		{ MEMTYPE_WP, MEMTYPE_SPELL_PAT_WORD, "write-protected" },
		{ MEMTYPE_WB, MEMTYPE_SPELL_PAT_WORD, "write-back" },
	};
	int bad;

	(void)state;
	bad = check_names("PAT_WORD", rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d PAT word(s) wrong", bad);
}

/* The manuals' long names: one for each architectural type, e.g. "Write-back (WB)". */
static void test_type_name_long_architectural_types(void **state)
{
	static const struct name_row rows[] = {
		{ MEMTYPE_WB, MEMTYPE_SPELL_LONG, "Write-back (WB)" },
	};
	static const memtype_type arch[] = { MEMTYPE_UC, MEMTYPE_UC_MINUS, MEMTYPE_WC,
					     MEMTYPE_WT, MEMTYPE_WP, MEMTYPE_WB };
	int bad;

	(void)state;
	bad = check_names("LONG", rows, ARRAY_LEN(rows));
	for (unsigned i = 0; i < ARRAY_LEN(arch); i++) {
		if (memtype_type_name(arch[i], MEMTYPE_SPELL_LONG))
			continue;
		print_error("LONG name of %s is NULL\n", tn(arch[i]));
		bad++;
	}
	if (bad)
		fail_msg("%d long name(s) wrong", bad);
}

/* A value that is not a memory type has no name in any style. */
static void test_type_name_unknown_type_is_null(void **state)
{
	(void)state;
	for (unsigned i = 0; i < ARRAY_LEN(not_types); i++)
		for (unsigned s = 0; s < ARRAY_LEN(all_spellings); s++)
			if (memtype_type_name(not_types[i], all_spellings[s].s))
				fail_msg("%s name of 0x%x is not NULL", all_spellings[s].label,
					 (unsigned)not_types[i]);
}

/* One parse: text of len bytes, want -EINVAL or 0 and a type. */
struct parse_row {
	const char *text;
	size_t len; /* (size_t)-1: strlen(text) */
	int ret;
	memtype_type type;
};

#define WHOLE ((size_t)-1)

static int check_parse(const struct parse_row *rows, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = rows[i].len == WHOLE ? strlen(rows[i].text) : rows[i].len;
		memtype_type got = (memtype_type)0x5a5a;
		int ret = memtype_type_parse(rows[i].text, len, &got);

		if (ret == rows[i].ret && (ret != 0 || got == rows[i].type))
			continue;
		if (rows[i].ret == 0)
			print_error("parse \"%.*s\" (len %zu) -> %s, got %d and %s\n", (int)len,
				    rows[i].text, len, tn(rows[i].type), ret,
				    ret == 0 ? tn(got) : "-");
		else
			print_error("parse \"%.*s\" (len %zu) -> %d, got %d\n", (int)len,
				    rows[i].text, len, rows[i].ret, ret);
		bad++;
	}
	return bad;
}

/* Every spelling of every style parses, in any case. */
static void test_type_parse_every_spelling_any_case(void **state)
{
	static const struct parse_row rows[] = {
		/* SHORT */
		{ "UC", WHOLE, 0, MEMTYPE_UC },
		{ "UC-", WHOLE, 0, MEMTYPE_UC_MINUS },
		{ "WC", WHOLE, 0, MEMTYPE_WC },
		{ "WT", WHOLE, 0, MEMTYPE_WT },
		{ "WP", WHOLE, 0, MEMTYPE_WP },
		{ "WB", WHOLE, 0, MEMTYPE_WB },
		{ "WC+", WHOLE, 0, MEMTYPE_WC_PLUS },
		{ "undefined", WHOLE, 0, MEMTYPE_UNDEFINED },
		{ "uc", WHOLE, 0, MEMTYPE_UC },
		{ "uc-", WHOLE, 0, MEMTYPE_UC_MINUS },
		{ "Wb", WHOLE, 0, MEMTYPE_WB },
		{ "wc+", WHOLE, 0, MEMTYPE_WC_PLUS },
		{ "UNDEFINED", WHOLE, 0, MEMTYPE_UNDEFINED },
		/* MTRR_WORD */
		{ "uncachable", WHOLE, 0, MEMTYPE_UC },
		{ "write-combining", WHOLE, 0, MEMTYPE_WC },
		{ "write-through", WHOLE, 0, MEMTYPE_WT },
		{ "write-protect", WHOLE, 0, MEMTYPE_WP },
		{ "write-back", WHOLE, 0, MEMTYPE_WB },
		{ "UNCACHABLE", WHOLE, 0, MEMTYPE_UC },
		{ "Write-Back", WHOLE, 0, MEMTYPE_WB },
		/* PAT_WORD */
		{ "uncached", WHOLE, 0, MEMTYPE_UC },
		{ "uncached-minus", WHOLE, 0, MEMTYPE_UC_MINUS },
		{ "write-protected", WHOLE, 0, MEMTYPE_WP },
		{ "Uncached-Minus", WHOLE, 0, MEMTYPE_UC_MINUS },
		{ "WRITE-PROTECTED", WHOLE, 0, MEMTYPE_WP },
		/* LONG */
		{ "Write-back (WB)", WHOLE, 0, MEMTYPE_WB },
		{ "write-back (wb)", WHOLE, 0, MEMTYPE_WB },
	};
	int bad;

	(void)state;
	bad = check_parse(rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d spelling(s) not parsed", bad);
}

/* Exactly len bytes are read: a prefix parses alone, a NUL inside len does not end it. */
static void test_type_parse_reads_exactly_len_bytes(void **state)
{
	static const char not_terminated[2] = { 'W', 'B' };
	static const struct parse_row rows[] = {
		{ "UC-", 2, 0, MEMTYPE_UC },
		{ "WBX", 2, 0, MEMTYPE_WB },
		{ "WC+", 2, 0, MEMTYPE_WC },
		{ "write-back", 5, -EINVAL, MEMTYPE_UC },
		{ "uncached-minus", 8, 0, MEMTYPE_UC },
		{ "write-protected", 13, 0, MEMTYPE_WP },
		{ "WB\0", 3, -EINVAL, MEMTYPE_UC },
		{ "UC\0-", 4, -EINVAL, MEMTYPE_UC },
		{ "WB", 0, -EINVAL, MEMTYPE_UC },
	};
	memtype_type got = (memtype_type)0x5a5a;
	int bad;

	(void)state;
	bad = check_parse(rows, ARRAY_LEN(rows));
	if (memtype_type_parse(not_terminated, sizeof(not_terminated), &got) != 0 ||
	    got != MEMTYPE_WB) {
		print_error("parse of unterminated \"WB\" (len 2) -> WB, got %s\n", tn(got));
		bad++;
	}
	if (bad)
		fail_msg("%d length-bounded parse(s) wrong", bad);
}

/* Near misses, prefixes, extensions and padding are not types. */
static void test_type_parse_rejects_garbage(void **state)
{
	static const struct parse_row rows[] = {
		{ "", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "UCX", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "write", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "U", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "UC--", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "UC+", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "WB+", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "WB ", WHOLE, -EINVAL, MEMTYPE_UC },
		{ " WB", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "WB\n", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "write-backs", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "write-back-", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "write back", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "uncacheable-minus", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "undefinedx", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "undef", WHOLE, -EINVAL, MEMTYPE_UC },
		{ "Write-back (WB) ", WHOLE, -EINVAL, MEMTYPE_UC },
	};
	int bad;

	(void)state;
	bad = check_parse(rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d garbage string(s) parsed", bad);
}

/* Whatever memtype_type_name() prints, memtype_type_parse() reads back. */
static void test_type_name_parse_round_trip_every_spelling(void **state)
{
	int bad = 0, named = 0;

	(void)state;
	for (unsigned t = 0; t < ARRAY_LEN(all_types); t++) {
		for (unsigned s = 0; s < ARRAY_LEN(all_spellings); s++) {
			const char *name = memtype_type_name(all_types[t].type, all_spellings[s].s);
			memtype_type got = (memtype_type)0x5a5a;
			int ret;

			if (!name)
				continue;
			named++;
			ret = memtype_type_parse(name, strlen(name), &got);
			if (ret == 0 && got == all_types[t].type)
				continue;
			print_error("%s of %s is \"%s\", which parses to %d and %s\n",
				    all_spellings[s].label, all_types[t].label, name, ret,
				    ret == 0 ? tn(got) : "-");
			bad++;
		}
	}
	/* 8 short, 5 MTRR words, 6 PAT words, 6 long names at the least. */
	if (named < 25) {
		print_error("only %d names printed, want at least 25\n", named);
		bad++;
	}
	if (bad)
		fail_msg("%d round trip(s) wrong", bad);
}

/* Linux enum page_cache_mode: WB 0, WC 1, UC- 2, UC 3, WT 4, WP 5. */
static const struct {
	unsigned pcm;
	memtype_type type;
} linux_pcm[] = {
	{ 0, MEMTYPE_WB }, { 1, MEMTYPE_WC }, { 2, MEMTYPE_UC_MINUS },
	{ 3, MEMTYPE_UC }, { 4, MEMTYPE_WT }, { 5, MEMTYPE_WP },
};

static void test_linux_page_cache_mode_to_number(void **state)
{
	int bad = 0;

	(void)state;
	for (unsigned i = 0; i < ARRAY_LEN(linux_pcm); i++) {
		int got = memtype_type_to_linux_pcm(linux_pcm[i].type);

		if (got == (int)linux_pcm[i].pcm)
			continue;
		print_error("page_cache_mode of %s -> %u, got %d\n", tn(linux_pcm[i].type),
			    linux_pcm[i].pcm, got);
		bad++;
	}
	/* WC+ and "undefined" have no number; neither have non-types. */
	if (memtype_type_to_linux_pcm(MEMTYPE_WC_PLUS) != -1) {
		print_error("page_cache_mode of WC+ -> -1, got %d\n",
			    memtype_type_to_linux_pcm(MEMTYPE_WC_PLUS));
		bad++;
	}
	if (memtype_type_to_linux_pcm(MEMTYPE_UNDEFINED) != -1) {
		print_error("page_cache_mode of undefined -> -1, got %d\n",
			    memtype_type_to_linux_pcm(MEMTYPE_UNDEFINED));
		bad++;
	}
	for (unsigned i = 0; i < ARRAY_LEN(not_types); i++) {
		if (memtype_type_to_linux_pcm(not_types[i]) == -1)
			continue;
		print_error("page_cache_mode of 0x%x -> -1, got %d\n", (unsigned)not_types[i],
			    memtype_type_to_linux_pcm(not_types[i]));
		bad++;
	}
	if (bad)
		fail_msg("%d page_cache_mode number(s) wrong", bad);
}

static void test_linux_page_cache_mode_from_number(void **state)
{
	static const unsigned invalid[] = { 6, 7, 8, 0xff, 0xffffffffu };
	int bad = 0;

	(void)state;
	for (unsigned i = 0; i < ARRAY_LEN(linux_pcm); i++) {
		memtype_type got = (memtype_type)0x5a5a;
		int ret = memtype_type_from_linux_pcm(linux_pcm[i].pcm, &got);

		if (ret == 0 && got == linux_pcm[i].type)
			continue;
		print_error("page_cache_mode %u -> %s, got %d and %s\n", linux_pcm[i].pcm,
			    tn(linux_pcm[i].type), ret, ret == 0 ? tn(got) : "-");
		bad++;
	}
	for (unsigned i = 0; i < ARRAY_LEN(invalid); i++) {
		memtype_type got;
		int ret = memtype_type_from_linux_pcm(invalid[i], &got);

		if (ret == -EINVAL)
			continue;
		print_error("page_cache_mode %u -> -EINVAL, got %d\n", invalid[i], ret);
		bad++;
	}
	if (bad)
		fail_msg("%d page_cache_mode conversion(s) wrong", bad);
}

/* Check memtype_encoding_valid() over all 256 byte values against a legal set. */
static int check_encodings(const char *field_name, memtype_field f, const unsigned *legal,
			   size_t nlegal)
{
	/* Above a byte nothing is an encoding, not even WC+/"undefined"'s model values. */
	static const uint64_t above[] = { 0x100, 0x101, 0x106, 0x107, 0x100000006ull, UINT64_MAX };
	int bad = 0;

	for (unsigned v = 0; v <= 0xff; v++) {
		bool want = false, got;

		for (size_t i = 0; i < nlegal; i++)
			want |= legal[i] == v;
		got = memtype_encoding_valid(f, v);
		if (got == want)
			continue;
		print_error("%s encoding %u -> %s, got %s\n", field_name, v,
			    want ? "valid" : "invalid", got ? "valid" : "invalid");
		bad++;
	}
	for (size_t i = 0; i < ARRAY_LEN(above); i++) {
		if (!memtype_encoding_valid(f, above[i]))
			continue;
		print_error("%s encoding 0x%llx -> invalid, got valid\n", field_name,
			    (unsigned long long)above[i]);
		bad++;
	}
	return bad;
}

/* MTRR type fields, SDM §11.11.1 Table 11-8: 0 1 4 5 6. */
static void test_encoding_valid_mtrr_table_11_8(void **state)
{
	static const unsigned legal[] = { 0, 1, 4, 5, 6 };

	(void)state;
	if (check_encodings("MTRR", MEMTYPE_FIELD_MTRR, legal, ARRAY_LEN(legal)))
		fail_msg("MTRR encodings misjudged");
}

/* PAT entries, SDM §11.12.2 Table 11-10: 0 1 4 5 6 7. */
static void test_encoding_valid_pat_table_11_10(void **state)
{
	static const unsigned legal[] = { 0, 1, 4, 5, 6, 7 };

	(void)state;
	if (check_encodings("PAT", MEMTYPE_FIELD_PAT, legal, ARRAY_LEN(legal)))
		fail_msg("PAT encodings misjudged");
}

/* EPT leaf memory type, SDM Vol. 3C §28.2.3.1: 0 1 4 5 6 (2, 3, 7 misconfigure). */
static void test_encoding_valid_ept(void **state)
{
	static const unsigned legal[] = { 0, 1, 4, 5, 6 };

	(void)state;
	if (check_encodings("EPT", MEMTYPE_FIELD_EPT, legal, ARRAY_LEN(legal)))
		fail_msg("EPT encodings misjudged");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_is_known_exactly_eight),
		cmocka_unit_test(test_type_name_short),
		cmocka_unit_test(test_type_name_mtrr_word_proc_mtrr),
		cmocka_unit_test(test_type_name_pat_word_pat_memtype_list),
		cmocka_unit_test(test_type_name_long_architectural_types),
		cmocka_unit_test(test_type_name_unknown_type_is_null),
		cmocka_unit_test(test_type_parse_every_spelling_any_case),
		cmocka_unit_test(test_type_parse_reads_exactly_len_bytes),
		cmocka_unit_test(test_type_parse_rejects_garbage),
		cmocka_unit_test(test_type_name_parse_round_trip_every_spelling),
		cmocka_unit_test(test_linux_page_cache_mode_to_number),
		cmocka_unit_test(test_linux_page_cache_mode_from_number),
		cmocka_unit_test(test_encoding_valid_mtrr_table_11_8),
		cmocka_unit_test(test_encoding_valid_pat_table_11_10),
		cmocka_unit_test(test_encoding_valid_ept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
