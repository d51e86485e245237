/*
 * test_numbers.c - numbers and address ranges as users type them.
 *
 * memtype_parse_u64() takes "0x" hex or decimal (a leading 0 does not make
 * octal), with an optional K, M, G or T suffix meaning 2^10, 2^20, 2^30,
 * 2^40 (binary multiples, as in Linux's memparse()), over exactly len bytes.
 * A number that does not fit in 64 bits, before or after the suffix, is
 * -ERANGE; anything that is not a number is -EINVAL.
 *
 * memtype_parse_range() takes "A-B" (B inclusive, as the kernel prints
 * ranges, so [0, 2^64 - 1] is "0-0xffffffffffffffff"), "A+SIZE" (the range
 * [A, A + SIZE - 1]) or a single address "A" ([A, A]). B < A and SIZE 0 are
 * -EINVAL; an end past 2^64 - 1 is -ERANGE (memtype.h, "Numbers and ranges").
 *
 * Every row names its input in the failure message.
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
/* Row length: the whole NUL-terminated text. */
#define WHOLE ((size_t)-1)

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define TiB (1ull << 40)

/* ---------------------------------------------------------------------------
 * memtype_parse_u64
 */

struct u64_row {
	const char *text;
	size_t len;
	int ret;
	uint64_t value; /* when ret == 0 */
};

static int check_u64(const struct u64_row *rows, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = rows[i].len == WHOLE ? strlen(rows[i].text) : rows[i].len;
		uint64_t got = 0xa5a5a5a5a5a5a5a5ull;
		int ret = memtype_parse_u64(rows[i].text, len, &got);

		if (ret == rows[i].ret && (ret != 0 || got == rows[i].value))
			continue;
		if (rows[i].ret == 0)
			print_error("parse_u64 \"%.*s\" (len %zu) -> 0x%llx, got %d and 0x%llx\n",
				    (int)len, rows[i].text, len, (unsigned long long)rows[i].value,
				    ret, (unsigned long long)got);
		else
			print_error("parse_u64 \"%.*s\" (len %zu) -> %d, got %d (value 0x%llx)\n",
				    (int)len, rows[i].text, len, rows[i].ret, ret,
				    (unsigned long long)got);
		bad++;
	}
	return bad;
}

static void test_parse_u64_decimal_and_hex(void **state)
{
	static const struct u64_row rows[] = {
		{ "0", WHOLE, 0, 0 },
		{ "1", WHOLE, 0, 1 },
		{ "42", WHOLE, 0, 42 },
		{ "4096", WHOLE, 0, 4096 },
		{ "18446744073709551615", WHOLE, 0, UINT64_MAX },
		{ "0x0", WHOLE, 0, 0 },
		{ "0x10", WHOLE, 0, 0x10 },
		{ "0xfee00000", WHOLE, 0, 0xfee00000ull },
		{ "0xdeadBEEF", WHOLE, 0, 0xdeadbeefull },
		{ "0xffffffffffffffff", WHOLE, 0, UINT64_MAX },
		{ "0xFFFFFFFFFFFFFFFF", WHOLE, 0, UINT64_MAX },
		{ "0x8000000000000000", WHOLE, 0, 0x8000000000000000ull },
	};
	int bad;

	(void)state;
	bad = check_u64(rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d number(s) misread", bad);
}

/* "010" is ten: decimal, not C's octal. Leading zeros never overflow. */
static void test_parse_u64_leading_zeros_are_not_octal(void **state)
{
	static const struct u64_row rows[] = {
		{ "010", WHOLE, 0, 10 },
		{ "0777", WHOLE, 0, 777 },
		{ "00", WHOLE, 0, 0 },
		{ "000000000000000000000000001", WHOLE, 0, 1 },
		{ "0x00000000000000000000000001", WHOLE, 0, 1 },
		{ "0x0000ffffffffffffffff", WHOLE, 0, UINT64_MAX },
	};
	int bad;

	(void)state;
	bad = check_u64(rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d number(s) with leading zeros misread", bad);
}

/* K, M, G, T are 2^10, 2^20, 2^30, 2^40, after decimal or hex digits. */
static void test_parse_u64_kmgt_suffix_binary_multiples(void **state)
{
	static const struct u64_row rows[] = {
		{ "0K", WHOLE, 0, 0 },
		{ "1K", WHOLE, 0, KiB },
		{ "4K", WHOLE, 0, 4 * KiB },
		{ "1M", WHOLE, 0, MiB },
		{ "2M", WHOLE, 0, 2 * MiB },
		{ "1G", WHOLE, 0, GiB },
		{ "3G", WHOLE, 0, 3 * GiB },
		{ "1T", WHOLE, 0, TiB },
		{ "0x10K", WHOLE, 0, 0x10 * KiB },
		{ "0x1G", WHOLE, 0, GiB },
		{ "16777215T", WHOLE, 0, 16777215ull * TiB },
		{ "17179869183G", WHOLE, 0, 17179869183ull * GiB },
		{ "0x3fffffffffffffK", WHOLE, 0, 0x3fffffffffffffull * KiB },
	};
	int bad;

	(void)state;
	bad = check_u64(rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d suffixed number(s) misread", bad);
}

/* Anything that does not fit in 64 bits, digits or suffix, is -ERANGE. */
static void test_parse_u64_overflow_is_erange(void **state)
{
	static const struct u64_row rows[] = {
		{ "18446744073709551616", WHOLE, -ERANGE, 0 },
		{ "99999999999999999999999", WHOLE, -ERANGE, 0 },
		{ "0x10000000000000000", WHOLE, -ERANGE, 0 },
		{ "0xfffffffffffffffff", WHOLE, -ERANGE, 0 },
		{ "16777216T", WHOLE, -ERANGE, 0 },
		{ "17179869184G", WHOLE, -ERANGE, 0 },
		{ "0x40000000000000K", WHOLE, -ERANGE, 0 },
		{ "0xffffffffffffffffK", WHOLE, -ERANGE, 0 },
		{ "18446744073709551615T", WHOLE, -ERANGE, 0 },
	};
	int bad;

	(void)state;
	bad = check_u64(rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d overflow(s) not -ERANGE", bad);
}

/* Text that is no number is -EINVAL: signs, spaces, bad digits, bad or doubled suffixes. */
static void test_parse_u64_garbage_is_einval(void **state)
{
	static const struct u64_row rows[] = {
		{ "", WHOLE, -EINVAL, 0 },
		{ "x", WHOLE, -EINVAL, 0 },
		{ "0x", WHOLE, -EINVAL, 0 },
		{ "0xK", WHOLE, -EINVAL, 0 },
		{ "K", WHOLE, -EINVAL, 0 },
		{ "-1", WHOLE, -EINVAL, 0 },
		{ "+1", WHOLE, -EINVAL, 0 },
		{ " 1", WHOLE, -EINVAL, 0 },
		{ "1 ", WHOLE, -EINVAL, 0 },
		{ "1\n", WHOLE, -EINVAL, 0 },
		{ "12a", WHOLE, -EINVAL, 0 },
		{ "0xg", WHOLE, -EINVAL, 0 },
		{ "0x-1", WHOLE, -EINVAL, 0 },
		{ "0x 1", WHOLE, -EINVAL, 0 },
		{ "1.5", WHOLE, -EINVAL, 0 },
		{ "1,000", WHOLE, -EINVAL, 0 },
		{ "1_000", WHOLE, -EINVAL, 0 },
		{ "0b101", WHOLE, -EINVAL, 0 },
		{ "1KK", WHOLE, -EINVAL, 0 },
		{ "1KM", WHOLE, -EINVAL, 0 },
		{ "4KB", WHOLE, -EINVAL, 0 },
		{ "4KiB", WHOLE, -EINVAL, 0 },
		{ "1Q", WHOLE, -EINVAL, 0 },
		{ "K1", WHOLE, -EINVAL, 0 },
		{ "0x0x1", WHOLE, -EINVAL, 0 },
	};
	int bad;

	(void)state;
	bad = check_u64(rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d garbage string(s) accepted", bad);
}

/* Exactly len bytes: what follows is ignored, a NUL inside len is garbage, len 0 is "". */
static void test_parse_u64_reads_exactly_len_bytes(void **state)
{
	static const char unterminated[3] = { '6', '4', 'K' };
	static const struct u64_row rows[] = {
		{ "4096junk", 4, 0, 4096 },
		{ "0x10", 3, 0, 1 },
		{ "1K", 1, 0, 1 },
		{ "2M-4M", 2, 0, 2 * MiB },
		{ "0x10000000000000000", 18, 0, 0x1000000000000000ull },
		{ "18446744073709551615999", 20, 0, UINT64_MAX },
		{ "0x1", 2, -EINVAL, 0 },
		{ "12\0", 3, -EINVAL, 0 },
		{ "1\0002", 3, -EINVAL, 0 },
		{ "123", 0, -EINVAL, 0 },
	};
	uint64_t got = 0;
	int bad, ret;

	(void)state;
	bad = check_u64(rows, ARRAY_LEN(rows));
	ret = memtype_parse_u64(unterminated, sizeof(unterminated), &got);
	if (ret != 0 || got != 64 * KiB) {
		print_error("parse_u64 of unterminated \"64K\" (len 3) -> 0x10000, got %d and "
			    "0x%llx\n", ret, (unsigned long long)got);
		bad++;
	}
	if (bad)
		fail_msg("%d length-bounded parse(s) wrong", bad);
}

/* ---------------------------------------------------------------------------
 * memtype_parse_range
 */

struct range_row {
	const char *text;
	size_t len;
	int ret;
	uint64_t start, end; /* when ret == 0; end inclusive */
};

static int check_range(const struct range_row *rows, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = rows[i].len == WHOLE ? strlen(rows[i].text) : rows[i].len;
		uint64_t start = 0xa5a5a5a5a5a5a5a5ull, end = 0xa5a5a5a5a5a5a5a5ull;
		int ret = memtype_parse_range(rows[i].text, len, &start, &end);

		if (ret == rows[i].ret &&
		    (ret != 0 || (start == rows[i].start && end == rows[i].end)))
			continue;
		if (rows[i].ret == 0)
			print_error("parse_range \"%.*s\" (len %zu) -> [0x%llx, 0x%llx], got %d "
				    "and [0x%llx, 0x%llx]\n",
				    (int)len, rows[i].text, len, (unsigned long long)rows[i].start,
				    (unsigned long long)rows[i].end, ret, (unsigned long long)start,
				    (unsigned long long)end);
		else
			print_error("parse_range \"%.*s\" (len %zu) -> %d, got %d ([0x%llx, "
				    "0x%llx])\n",
				    (int)len, rows[i].text, len, rows[i].ret, ret,
				    (unsigned long long)start, (unsigned long long)end);
		bad++;
	}
	return bad;
}

/* "A-B": both ends inclusive, the full 64-bit space included. */
static void test_parse_range_a_dash_b_inclusive(void **state)
{
	static const struct range_row rows[] = {
		{ "0x1000-0x1fff", WHOLE, 0, 0x1000, 0x1fff },
		{ "5-5", WHOLE, 0, 5, 5 },
		{ "0-0", WHOLE, 0, 0, 0 },
		{ "0-0xffffffffffffffff", WHOLE, 0, 0, UINT64_MAX },
		{ "0xfee00000-0xfee00fff", WHOLE, 0, 0xfee00000ull, 0xfee00fffull },
		{ "1G-2G", WHOLE, 0, GiB, 2 * GiB },
		{ "0x1000-4K", WHOLE, 0, 0x1000, 0x1000 },
		{ "4096-0x2000", WHOLE, 0, 0x1000, 0x2000 },
		{ "0xffffffffffffffff-0xffffffffffffffff", WHOLE, 0, UINT64_MAX, UINT64_MAX },
	};
	int bad;

	(void)state;
	bad = check_range(rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d A-B range(s) wrong", bad);
}

/* "A+SIZE" is [A, A + SIZE - 1]; it may end exactly at 2^64 - 1. */
static void test_parse_range_a_plus_size(void **state)
{
	static const struct range_row rows[] = {
		{ "0x1000+4K", WHOLE, 0, 0x1000, 0x1fff },
		{ "0x1000+0x1000", WHOLE, 0, 0x1000, 0x1fff },
		{ "0x1000+1", WHOLE, 0, 0x1000, 0x1000 },
		{ "1M+1M", WHOLE, 0, MiB, 2 * MiB - 1 },
		{ "0+0xffffffffffffffff", WHOLE, 0, 0, UINT64_MAX - 1 },
		{ "1+0xffffffffffffffff", WHOLE, 0, 1, UINT64_MAX },
		{ "0xfffffffffffff000+4K", WHOLE, 0, 0xfffffffffffff000ull, UINT64_MAX },
		{ "0xfffffffffffff000+0x1000", WHOLE, 0, 0xfffffffffffff000ull, UINT64_MAX },
		{ "0xffffffffffffffff+1", WHOLE, 0, UINT64_MAX, UINT64_MAX },
		{ "0xc0000000+1G", WHOLE, 0, 0xc0000000ull, 0xffffffffull },
	};
	int bad;

	(void)state;
	bad = check_range(rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d A+SIZE range(s) wrong", bad);
}

/* A single address is the one-byte range [A, A]. */
static void test_parse_range_single_address(void **state)
{
	static const struct range_row rows[] = {
		{ "0", WHOLE, 0, 0, 0 },
		{ "0x1000", WHOLE, 0, 0x1000, 0x1000 },
		{ "4K", WHOLE, 0, 0x1000, 0x1000 },
		{ "0xffffffffffffffff", WHOLE, 0, UINT64_MAX, UINT64_MAX },
	};
	int bad;

	(void)state;
	bad = check_range(rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d single-address range(s) wrong", bad);
}

/* An end below the start, or a size of zero, is no range: -EINVAL. */
static void test_parse_range_end_below_start_or_size_0_is_einval(void **state)
{
	static const struct range_row rows[] = {
		{ "0x2000-0x1fff", WHOLE, -EINVAL, 0, 0 },
		{ "1-0", WHOLE, -EINVAL, 0, 0 },
		{ "0xffffffffffffffff-0", WHOLE, -EINVAL, 0, 0 },
		{ "2G-1G", WHOLE, -EINVAL, 0, 0 },
		{ "0x1000+0", WHOLE, -EINVAL, 0, 0 },
		{ "0+0", WHOLE, -EINVAL, 0, 0 },
		{ "0xffffffffffffffff+0", WHOLE, -EINVAL, 0, 0 },
		{ "0x1000+0K", WHOLE, -EINVAL, 0, 0 },
	};
	int bad;

	(void)state;
	bad = check_range(rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d empty or reversed range(s) accepted", bad);
}

/* An end past 2^64 - 1, or a number that does not fit, is -ERANGE. */
static void test_parse_range_past_2_64_is_erange(void **state)
{
	static const struct range_row rows[] = {
		{ "0xfffffffffffff000+0x1001", WHOLE, -ERANGE, 0, 0 },
		{ "0xfffffffffffff001+4K", WHOLE, -ERANGE, 0, 0 },
		{ "0xffffffffffffffff+2", WHOLE, -ERANGE, 0, 0 },
		{ "2+0xffffffffffffffff", WHOLE, -ERANGE, 0, 0 },
		{ "0xffffffffffffffff+0xffffffffffffffff", WHOLE, -ERANGE, 0, 0 },
		{ "0x8000000000000000+0x8000000000000001", WHOLE, -ERANGE, 0, 0 },
		{ "0-0x10000000000000000", WHOLE, -ERANGE, 0, 0 },
		{ "0x10000000000000000", WHOLE, -ERANGE, 0, 0 },
		{ "1+16777216T", WHOLE, -ERANGE, 0, 0 },
	};
	int bad;

	(void)state;
	bad = check_range(rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d overflowing range(s) not -ERANGE", bad);
}

/* Missing or extra parts, spaces, and non-numbers: -EINVAL. */
static void test_parse_range_malformed_is_einval(void **state)
{
	static const struct range_row rows[] = {
		{ "", WHOLE, -EINVAL, 0, 0 },
		{ "-", WHOLE, -EINVAL, 0, 0 },
		{ "+", WHOLE, -EINVAL, 0, 0 },
		{ "1-", WHOLE, -EINVAL, 0, 0 },
		{ "-1", WHOLE, -EINVAL, 0, 0 },
		{ "1+", WHOLE, -EINVAL, 0, 0 },
		{ "+1", WHOLE, -EINVAL, 0, 0 },
		{ "+0", WHOLE, -EINVAL, 0, 0 },
		{ "1-2-3", WHOLE, -EINVAL, 0, 0 },
		{ "1+2+3", WHOLE, -EINVAL, 0, 0 },
		{ "1-2+3", WHOLE, -EINVAL, 0, 0 },
		{ "1+2-3", WHOLE, -EINVAL, 0, 0 },
		{ "1--2", WHOLE, -EINVAL, 0, 0 },
		{ "a-b", WHOLE, -EINVAL, 0, 0 },
		{ "x-1", WHOLE, -EINVAL, 0, 0 },
		{ "1-x", WHOLE, -EINVAL, 0, 0 },
		{ "1 - 2", WHOLE, -EINVAL, 0, 0 },
		{ " 1-2", WHOLE, -EINVAL, 0, 0 },
		{ "1-2 ", WHOLE, -EINVAL, 0, 0 },
		{ "1..2", WHOLE, -EINVAL, 0, 0 },
		{ "1:2", WHOLE, -EINVAL, 0, 0 },
	};
	int bad;

	(void)state;
	bad = check_range(rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d malformed range(s) accepted", bad);
}

/* Exactly len bytes, as for numbers. */
static void test_parse_range_reads_exactly_len_bytes(void **state)
{
	static const struct range_row rows[] = {
		{ "0x10-0x20junk", 9, 0, 0x10, 0x20 },
		{ "1-23", 3, 0, 1, 2 },
		{ "5+", 1, 0, 5, 5 },
		{ "0x1000+4K0", 9, 0, 0x1000, 0x1fff },
		{ "5+", 2, -EINVAL, 0, 0 },
		{ "1-2\0", 4, -EINVAL, 0, 0 },
		{ "1-2", 0, -EINVAL, 0, 0 },
	};
	int bad;

	(void)state;
	bad = check_range(rows, ARRAY_LEN(rows));
	if (bad)
		fail_msg("%d length-bounded range(s) wrong", bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64_decimal_and_hex),
		cmocka_unit_test(test_parse_u64_leading_zeros_are_not_octal),
		cmocka_unit_test(test_parse_u64_kmgt_suffix_binary_multiples),
		cmocka_unit_test(test_parse_u64_overflow_is_erange),
		cmocka_unit_test(test_parse_u64_garbage_is_einval),
		cmocka_unit_test(test_parse_u64_reads_exactly_len_bytes),
		cmocka_unit_test(test_parse_range_a_dash_b_inclusive),
		cmocka_unit_test(test_parse_range_a_plus_size),
		cmocka_unit_test(test_parse_range_single_address),
		cmocka_unit_test(test_parse_range_end_below_start_or_size_0_is_einval),
		cmocka_unit_test(test_parse_range_past_2_64_is_erange),
		cmocka_unit_test(test_parse_range_malformed_is_einval),
		cmocka_unit_test(test_parse_range_reads_exactly_len_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
