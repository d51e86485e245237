/*
 * capture_input.h - what the files of a capture's input path share
 * (capture_lines.c, capture_detect.c, capture_prefix.c, capture_numbers.c):
 * the word-at-a-time byte helpers, the hex digit table, and the steps one of
 * those files calls in another. The recognisers need none of it: theirs is
 * capture.h.
 */
#ifndef MEMTYPE_CAPTURE_INPUT_H
#define MEMTYPE_CAPTURE_INPUT_H

#include "capture.h"

/* Hex digit values plus one (capture_numbers.c). */
extern const signed char mt_cap_hex_tab[256];

/* The value of a hex digit, -1 for other bytes. */
static inline int mt_cap_hexval(char ch)
{
	return mt_cap_hex_tab[(unsigned char)ch] - 1;
}

static inline bool mt_cap_is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* The byte b in every byte of a word. */
#define MT_BYTES(b) (0x0101010101010101ull * (b))

/* The eight bytes at s as a word, the first byte in the low bits. */
static inline uint64_t mt_cap_load8(const char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* A line without the prefixes a log gave it (capture_prefix.c). */
struct mt_cap_stripped {
	const char *s;
	size_t n;
	unsigned col;
	bool ts; /* the line carried a log prefix (timestamp, level, syslog header) */
};

/* Strip mail quoting, a printk level, a syslog/journalctl header, a
 * timestamp and a caller id, and the blanks after them, from s[0..n). */
void mt_cap_strip_prefixes(const char *s, size_t n, struct mt_cap_stripped *out);

/* Decide whether the first bytes p[0..n) of the input are binary (an error
 * on the context, c->failed set, -EINVAL) or quoted-printable (c->qp); 0
 * otherwise (capture_detect.c). */
int mt_cap_sniff(memtype_capture *c, const char *p, size_t n);

/* Hand one stripped line to the recognisers and count it when one uses it
 * (capture_detect.c). */
mt_line_result mt_cap_dispatch(memtype_capture *c, const char *s, size_t n, unsigned col);

#endif /* MEMTYPE_CAPTURE_INPUT_H */
