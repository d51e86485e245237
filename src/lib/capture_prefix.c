/*
 * capture_prefix.c - the prefixes a log line acquires on its way to us,
 * stripped before any recogniser sees it:
 *   "> " mail quoting, "<6>" printk levels, "Mar 12 10:00:00 host kernel: "
 *   (syslog, journalctl -k), "[    0.000000] " timestamps (also dmesg -T
 *   dates and the "[    T1]" caller ids of CONFIG_PRINTK_CALLER), and
 *   leading blanks.
 * Every line of a log passes here: the common timestamp is tested eight
 * bytes at a time.
 */
#include "capture_input.h"

#include <string.h>

/* Characters of a syslog/journalctl header before "kernel:": dates, times,
 * host names. */
static bool header_char(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       ch == ' ' || ch == ':' || ch == '.' || ch == '-' || ch == '+' || ch == '_' ||
	       ch == ',' || ch == '[' || ch == ']';
}

/* What a bracketed prefix may hold: 2 for digits, 1 for the other bytes of
 * timestamps, dates and caller ids (blank . : + - and letters), 0 for the
 * rest. A table: every line of a log passes here. */
static const unsigned char bracket_class[256] = {
    ['0'] = 2, ['1'] = 2, ['2'] = 2, ['3'] = 2, ['4'] = 2, ['5'] = 2, ['6'] = 2, ['7'] = 2,
    ['8'] = 2, ['9'] = 2, [' '] = 1, ['.'] = 1, [':'] = 1, ['+'] = 1, ['-'] = 1, ['A'] = 1,
    ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
    ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1,
    ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1,
    ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
    ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1,
    ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1,
    ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* Bit 7 of each byte of w that equals ch (exact in every lane: no sum
 * carries into the next byte). */
static uint64_t lanes_eq(uint64_t w, unsigned char ch)
{
	uint64_t x = w ^ MT_BYTES(ch);

	return ~(((x & MT_BYTES(0x7f)) + MT_BYTES(0x7f)) | x) & MT_BYTES(0x80);
}

/* Bit 7 of each byte of w that is a digit, for the bytes below the first
 * one >= 0x80 (a byte >= 0x80 is not a digit, but its sums may carry into
 * the next byte up). */
static uint64_t lanes_digit(uint64_t w)
{
	return (w + MT_BYTES(0x80 - '0')) & ~(w + MT_BYTES(0x7f - '9')) & MT_BYTES(0x80);
}

/* Lanes 0-4 (the low five bytes) of a word. */
#define LANES_0_4 0x0000008080808080ull
/* Lanes 1-6. */
#define LANES_1_6 0x0080808080808000ull

/* s[i..] starts with printk's own timestamp, "[%5lu.%06lu]" with the
 * seconds below 100000 (kernel/printk/printk.c print_time()): blanks or
 * digits, '.', six digits, ']' -- which bracket_prefix() accepts, ending at
 * i + 14. Tested eight bytes at a time: the stamp opens nearly every line. */
static bool printk_stamp(const char *s, size_t n, size_t i)
{
	if (n - i < 14 || s[i + 6] != '.' || s[i + 13] != ']')
		return false;
	uint64_t secs = mt_cap_load8(s + i + 1), frac = mt_cap_load8(s + i + 6);
	return ((lanes_digit(secs) | lanes_eq(secs, ' ')) & LANES_0_4) == LANES_0_4 &&
	       (lanes_digit(frac) & LANES_1_6) == LANES_1_6;
}

/* "[ ... ]" at s[i] holding a timestamp (digits, '.', ':', date words) or a
 * caller id ("T1", "C0"); returns the index after ']' or 0. */
static size_t bracket_prefix(const char *s, size_t n, size_t i)
{
	unsigned char seen = 0;
	size_t k;

	if (i >= n || s[i] != '[')
		return 0;
	if (printk_stamp(s, n, i))
		return i + 14;
	size_t lim = n - i < 40 ? n : i + 40;
	for (k = i + 1; k < lim && s[k] != ']'; k++) {
		unsigned char cl = bracket_class[(unsigned char)s[k]];

		if (!cl)
			return 0;
		seen |= cl;
	}
	if (k >= n || s[k] != ']' || !(seen & 2))
		return 0;
	return k + 1;
}

/* The index of the first byte at or after i that is not a blank (space,
 * tab): mt_cap_skip_blanks() for the per-line path, inlined. */
static inline size_t blanks(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* The prefixes before a timestamp: mail quoting, a printk level, a syslog
 * header. Returns where the rest starts; *ts when a level or header was seen. */
static size_t strip_headers(const char *s, size_t n, bool *ts)
{
	size_t i = blanks(s, n, 0), k;

	/* Mail quoting: "> ", ">> ", "> > ". */
	while (i < n && s[i] == '>') {
		i++;
		if (i < n && s[i] == ' ')
			i++;
	}
	i = blanks(s, n, i);
	/* printk level "<6>" (dmesg -r, /dev/kmsg style). */
	if (i + 2 < n && s[i] == '<' && mt_cap_is_digit(s[i + 1])) {
		k = i + 1;
		while (k < n && mt_cap_is_digit(s[k]))
			k++;
		if (k < n && s[k] == '>') {
			i = k + 1;
			*ts = true;
		}
	}
	/* syslog / journalctl: "<date> <host> kernel: ". */
	if (i < n && s[i] != '[') {
		size_t lim = n - i < 120 ? n : i + 120;

		for (k = i; k + 7 <= lim; k++) {
			if (!header_char(s[k]))
				break;
			if (s[k] == 'k' && memcmp(s + k, "kernel:", 7) == 0 && k > i &&
			    s[k - 1] == ' ') {
				i = k + 7;
				*ts = true;
				break;
			}
		}
	}
	return blanks(s, n, i);
}

void mt_cap_strip_prefixes(const char *s, size_t n, struct mt_cap_stripped *out)
{
	bool ts = false;
	/* dmesg's own lines open with the timestamp: nothing before it. */
	size_t i = n > 0 && s[0] == '[' ? 0 : strip_headers(s, n, &ts);
	size_t k = bracket_prefix(s, n, i);

	if (k) {
		ts = true;
		i = k;
		/* CONFIG_PRINTK_CALLER: "[    T1]" or "[  C0]" right after. */
		k = bracket_prefix(s, n, i);
		if (k) {
			size_t j = blanks(s, n, i + 1);
			if (j < k && (s[j] == 'T' || s[j] == 'C'))
				i = k;
		}
	}
	i = blanks(s, n, i);
	out->s = s + i;
	out->n = n - i;
	out->col = (unsigned)i + 1;
	out->ts = ts;
}
