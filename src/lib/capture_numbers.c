/*
 * capture_numbers.c - the numbers of a capture's lines: hex and decimal
 * fields, and the kernel's "0x%016llx-0x%016llx" ranges, parsed eight
 * digits at a time where the kernel prints fixed-width fields.
 */
#include "capture_input.h"

#include <string.h>

/* Hex digit values plus one, 0 for other bytes, which mt_cap_hexval()
 * (capture_input.h) turns into -1 (a table: this is the parser's hottest
 * loop, e820 lines carry 32 hex digits). */
const signed char mt_cap_hex_tab[256] = {
    ['0'] = 1,	['1'] = 2,  ['2'] = 3,	['3'] = 4,  ['4'] = 5,	['5'] = 6,  ['6'] = 7,	['7'] = 8,
    ['8'] = 9,	['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Every byte of w is a hex digit. Bytes below 0x80 are tested in all lanes at
 * once: x + (0x80 - lo) has bit 7 set when x >= lo, x + (0x7f - hi) when
 * x > hi, and neither sum carries into the next byte; letters are tested
 * with bit 5 set, which folds 'A'-'F' onto 'a'-'f'. */
static bool hex8_ok(uint64_t w)
{
	uint64_t f = w | MT_BYTES(0x20);
	uint64_t digit = (w + MT_BYTES(0x80 - '0')) & ~(w + MT_BYTES(0x7f - '9'));
	uint64_t letter = (f + MT_BYTES(0x80 - 'a')) & ~(f + MT_BYTES(0x7f - 'f'));

	return (w & MT_BYTES(0x80)) == 0 && ((digit | letter) & MT_BYTES(0x80)) == MT_BYTES(0x80);
}

/* The value of the 8 hex digits of w (hex8_ok). Each byte becomes its digit
 * ('0'-'9' have bit 6 clear, letters have it set and a low nibble of the
 * value - 9); then neighbouring digits, pairs and quads are merged in all
 * lanes at once. */
static uint64_t hex8(uint64_t w)
{
	w = (w & MT_BYTES(0x0f)) + ((w >> 6) & MT_BYTES(0x01)) * 9;
	w = ((w << 4) | (w >> 8)) & 0x00ff00ff00ff00ffull;
	w = ((w << 8) | (w >> 16)) & 0x0000ffff0000ffffull;
	return ((w << 16) | (w >> 32)) & 0xffffffffull;
}

/* The 16-digit fields of the kernel's "%016llx" (e820, MTRR map, PAT list):
 * exactly 16 hex digits at s[k..] followed by a non-digit. Their digits are
 * independent, so they are checked and converted eight at a time rather
 * than in one 16-step chain of shifts. */
static bool hex16(const char *s, size_t n, size_t k, uint64_t *out)
{
	if (n - k < 16 || (n - k > 16 && mt_cap_hexval(s[k + 16]) >= 0))
		return false;
	uint64_t hi = mt_cap_load8(s + k), lo = mt_cap_load8(s + k + 8);
	if (!hex8_ok(hi) || !hex8_ok(lo))
		return false;
	*out = hex8(hi) << 32 | hex8(lo);
	return true;
}

bool mt_cap_hex_range(const char *s, size_t n, size_t *i, uint64_t *a, uint64_t *b)
{
	size_t k = *i;

	if (n - k < 37 || s[k] != '0' || s[k + 1] != 'x' || s[k + 18] != '-' ||
	    s[k + 19] != '0' || s[k + 20] != 'x' || (n - k > 37 && mt_cap_hexval(s[k + 37]) >= 0))
		return false;
	uint64_t w0 = mt_cap_load8(s + k + 2), w1 = mt_cap_load8(s + k + 10);
	uint64_t w2 = mt_cap_load8(s + k + 21), w3 = mt_cap_load8(s + k + 29);
	if (!hex8_ok(w0) || !hex8_ok(w1) || !hex8_ok(w2) || !hex8_ok(w3))
		return false;
	*a = hex8(w0) << 32 | hex8(w1);
	*b = hex8(w2) << 32 | hex8(w3);
	*i = k + 37;
	return true;
}

bool mt_cap_hex(const char *s, size_t n, size_t *i, bool allow_0x, uint64_t *out)
{
	size_t k = *i;
	uint64_t v = 0;

	if (allow_0x && k + 2 < n && s[k] == '0' && (s[k + 1] == 'x' || s[k + 1] == 'X') &&
	    mt_cap_hexval(s[k + 2]) >= 0)
		k += 2;
	if (hex16(s, n, k, out)) {
		*i = k + 16;
		return true;
	}
	size_t st = k;
	for (int d; k < n && (d = mt_cap_hexval(s[k])) >= 0; k++)
		v = (v << 4) | (uint64_t)d;
	if (k == st)
		return false;
	if (k - st > 16) {
		/* More than 16 significant digits do not fit: leading zeros do. */
		size_t z = st;
		while (z < k && s[z] == '0')
			z++;
		if (k - z > 16)
			return false;
	}
	*i = k;
	*out = v;
	return true;
}

bool mt_cap_dec(const char *s, size_t n, size_t *i, uint64_t *out)
{
	size_t k = *i;
	uint64_t v = 0;

	if (k >= n || s[k] < '0' || s[k] > '9')
		return false;
	for (; k < n && s[k] >= '0' && s[k] <= '9'; k++) {
		uint64_t d = (uint64_t)(s[k] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*i = k;
	*out = v;
	return true;
}
