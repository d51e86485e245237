/*
 * capture_detect.c - what the input is and which recogniser reads a line.
 *
 * The first 16 KiB of the input are held back and sniffed once: NUL bytes
 * or mostly control characters mean binary data (rejected at the first
 * offending byte), and "=3D" escapes or soft line breaks ("=" at the end of
 * a line) mean a mail archive's quoted-printable text, which is then
 * decoded line by line (capture_lines.c). Each stripped line is handed to
 * the recognisers of every format (or of the forced one); the recogniser
 * whose multi-line block is open (an MTRR dump, an rdmsr command's output)
 * sees the line first.
 */
#include "capture_input.h"

#include <string.h>

/* ------------------------------------------------------------ dispatch */

typedef mt_line_result (*recogniser)(memtype_capture *c, const char *s, size_t n, unsigned col);

static const recogniser recognisers[] = {
    NULL, mt_cap_dmesg_line, mt_cap_procmtrr_line, mt_cap_msr_line, mt_cap_patlist_line,
};

/* Ask the recogniser of format f; count the line when it is used. */
static mt_line_result ask(memtype_capture *c, memtype_capture_format f, const char *s, size_t n,
			  unsigned col)
{
	mt_line_result r = recognisers[f](c, s, n, col);

	if (r == MT_LINE_USED) {
		c->formats |= MT_FMT_BIT(f);
		c->lines_used++;
	}
	return r;
}

/* Try the recognisers: the forced format only, or the one whose block is
 * open first and then every format. */
mt_line_result mt_cap_dispatch(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	mt_line_result r;

	if (c->forced != MEMTYPE_CAPTURE_AUTO) {
		r = recognisers[c->forced](c, s, n, col);
		if (r == MT_LINE_NOT_MINE && c->sect != MT_SECT_NONE) {
			c->sect = MT_SECT_NONE;
			r = recognisers[c->forced](c, s, n, col);
		}
		if (r == MT_LINE_USED) {
			c->formats |= MT_FMT_BIT(c->forced);
			c->lines_used++;
		}
		return r;
	}
	if (c->sect != MT_SECT_NONE) {
		r = ask(c, (memtype_capture_format)c->sect_format, s, n, col);
		if (r != MT_LINE_NOT_MINE)
			return r;
		c->sect = MT_SECT_NONE;
	}
	/* Every format in turn; one whose predicate (capture.h) rules the line
	 * out would answer MT_LINE_NOT_MINE and change nothing: not asked. */
	if (mt_cap_dmesg_may(c, s) &&
	    (r = ask(c, MEMTYPE_CAPTURE_DMESG, s, n, col)) != MT_LINE_NOT_MINE)
		return r;
	if (mt_cap_procmtrr_may(s, n) &&
	    (r = ask(c, MEMTYPE_CAPTURE_PROC_MTRR, s, n, col)) != MT_LINE_NOT_MINE)
		return r;
	if (mt_cap_msr_may(c, s, n) &&
	    (r = ask(c, MEMTYPE_CAPTURE_MSR, s, n, col)) != MT_LINE_NOT_MINE)
		return r;
	if (mt_cap_patlist_may(s, n) &&
	    (r = ask(c, MEMTYPE_CAPTURE_PAT_LIST, s, n, col)) != MT_LINE_NOT_MINE)
		return r;
	return MT_LINE_NOT_MINE;
}

/* ------------------------------------------------------------ sniffing */

/* A control byte a text capture does not hold: below 0x20 and none of
 * LF, CR, tab, FF and ESC. */
static bool odd_ctrl(unsigned char ch)
{
	return ch < 0x20 && ch != '\n' && ch != '\r' && ch != '\t' && ch != 0x1b && ch != '\f';
}

/* How many of p[0..n) are odd_ctrl(). Eight bytes at a time: a word none of
 * whose bytes is below 0x20 is skipped whole -- (w - 0x20..20) & ~w &
 * 0x80..80 is non-zero exactly when some byte of w is below 0x20 ("hasless",
 * Sean Eron Anderson's Bit Twiddling Hacks) -- and text has one newline in
 * dozens of bytes. */
static size_t count_ctrl(const char *p, size_t n)
{
	size_t ctrl = 0, i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w = mt_cap_load8(p + i);
		if (((w - MT_BYTES(0x20)) & ~w & MT_BYTES(0x80)) == 0)
			continue;
		for (size_t k = i; k < i + 8; k++)
			ctrl += odd_ctrl((unsigned char)p[k]);
	}
	for (; i < n; i++)
		ctrl += odd_ctrl((unsigned char)p[i]);
	return ctrl;
}

/* Count soft line breaks and "=3D" to decide on quoted-printable; find NULs
 * and control bytes to decide on binary. p, n: the first MT_CAP_SNIFF bytes
 * of the input (all of it when shorter). */
int mt_cap_sniff(memtype_capture *c, const char *p, size_t n)
{
	size_t soft = 0;

	const char *nul = memchr(p, 0, n);
	if (nul) {
		unsigned line = 1, col = 1;
		for (const char *q = p; q < nul; q++) {
			if (*q == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		c->binary = true;
		c->failed = true;
		return mt_error_at(c->ctx, -EINVAL, c->name, line, col, "binary-input",
				   "NUL byte: binary data, not a text capture");
	}
	/* Control characters other than blanks, CR, FF and ESC in the first
	 * 1 KiB: a text capture has (almost) none. */
	size_t lim = n < 1024 ? n : 1024;
	size_t ctrl = count_ctrl(p, lim);
	if (lim >= 64 && ctrl * 4 > lim) {
		c->binary = true;
		c->failed = true;
		return mt_error_at(c->ctx, -EINVAL, c->name, 1, 1, "binary-input",
				   "%zu of the first %zu bytes are control characters: binary data",
				   ctrl, lim);
	}
	/* Quoted-printable: an "=3D" escape, or soft line breaks. */
	bool eq3d = false;
	for (const char *q = p; (q = memchr(q, '=', (size_t)(p + n - q))) != NULL && soft < 3;
	     q++) {
		if (q + 1 < p + n && (q[1] == '\n' || q[1] == '\r'))
			soft++;
		else if (q + 2 < p + n && q[1] == '3' && (q[2] == 'D' || q[2] == 'd'))
			eq3d = true;
		if (eq3d)
			break;
	}
	c->qp = eq3d || soft >= 3;
	c->sniffed = true;
	return 0;
}
