/*
 * numbers.c - numbers and address ranges as users type them.
 *
 * Kernel logs and users write addresses as 0x-hex, sizes with K/M/G/T
 * suffixes, and ranges either inclusive ("0xfed40000-0xfed44fff", as the
 * kernel prints them) or as base+size. Overflow is an error, never a wrap.
 */
#include "internal.h"

static int digit_value(char c, unsigned base)
{
	int v;
	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return (unsigned)v < base ? v : -1;
}

int memtype_parse_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	size_t i = 0;
	if (!s || len == 0)
		return -EINVAL;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	/* An optional binary-multiple suffix. */
	unsigned shift = 0;
	size_t end = len;
	switch (s[len - 1]) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	default: break;
	}
	if (shift)
		end--;
	if (i >= end)
		return -EINVAL;
	uint64_t v = 0;
	bool overflow = false;
	for (; i < end; i++) {
		int d = digit_value(s[i], base);
		if (d < 0)
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			overflow = true;
		v = v * base + (uint64_t)d;
	}
	if (overflow)
		return -ERANGE;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int memtype_parse_range(const char *s, size_t len, uint64_t *start, uint64_t *end)
{
	if (!s || len == 0)
		return -EINVAL;
	for (size_t i = 1; i < len; i++) {
		if (s[i] != '-' && s[i] != '+')
			continue;
		uint64_t a, b;
		int rc = memtype_parse_u64(s, i, &a);
		if (rc == 0)
			rc = memtype_parse_u64(s + i + 1, len - i - 1, &b);
		if (rc)
			return rc;
		if (s[i] == '-') {
			if (b < a)
				return -EINVAL;
			*start = a;
			*end = b;
			return 0;
		}
		if (b == 0)
			return -EINVAL;
		if (b - 1 > UINT64_MAX - a)
			return -ERANGE;
		*start = a;
		*end = a + (b - 1);
		return 0;
	}
	uint64_t a;
	int rc = memtype_parse_u64(s, len, &a);
	if (rc)
		return rc;
	*start = *end = a;
	return 0;
}
