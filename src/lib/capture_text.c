/*
 * capture_text.c - the small text helpers the recognisers share: the type
 * words a log prints, bounded copies made safe for JSON and terminals, and
 * the diagnostics recorded on a capture.
 */
#include "capture.h"

#include <stdio.h>
#include <string.h>

/* The type words a log prints, as the kernel spells them: the short names
 * of the "x86/PAT: Configuration [0-7]:" line (arch/x86/mm/pat/memtype.c)
 * and the mtrr_strings[] of print_mtrr_state() (arch/x86/kernel/cpu/mtrr/
 * if.c), both in types.c's table. -1 for any other word, which
 * memtype_type_parse() then looks up in every spelling and case. */
static int log_type_word(const char *s, size_t n)
{
	switch (n) {
	case 2:
		if (s[0] == 'U' && s[1] == 'C')
			return MEMTYPE_UC;
		if (s[0] != 'W')
			return -1;
		return s[1] == 'B'   ? MEMTYPE_WB
		       : s[1] == 'C' ? MEMTYPE_WC
		       : s[1] == 'T' ? MEMTYPE_WT
		       : s[1] == 'P' ? MEMTYPE_WP
				     : -1;
	case 3:
		return memcmp(s, "UC-", 3) == 0 ? MEMTYPE_UC_MINUS : -1;
	case 10:
		return memcmp(s, "write-back", 10) == 0	  ? MEMTYPE_WB
		       : memcmp(s, "uncachable", 10) == 0 ? MEMTYPE_UC
							  : -1;
	case 13:
		return memcmp(s, "write-protect", 13) == 0   ? MEMTYPE_WP
		       : memcmp(s, "write-through", 13) == 0 ? MEMTYPE_WT
							     : -1;
	case 15:
		return memcmp(s, "write-combining", 15) == 0 ? MEMTYPE_WC : -1;
	default:
		return -1;
	}
}

int mt_cap_type_parse(const char *s, size_t n, memtype_type *out)
{
	int t = log_type_word(s, n);

	if (t < 0)
		return memtype_type_parse(s, n, out);
	*out = (memtype_type)t;
	return 0;
}

int mt_cap_type_word(const char *s, size_t n, size_t i, int *t)
{
	memtype_type v;

	mt_cap_skip_blanks(s, n, &i);
	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == i || mt_cap_type_parse(s + i, n - i, &v) != 0)
		return -1;
	*t = (int)v;
	return 0;
}

bool mt_cap_type_prefix(const char *s, size_t n, size_t i)
{
	static const char *const words[] = {"uncachable", "write-combining", "write-through",
					    "write-protect", "write-back"};

	mt_cap_skip_blanks(s, n, &i);
	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == i)
		return false;
	for (unsigned k = 0; k < MT_ARRAY_SIZE(words); k++)
		if (n - i < strlen(words[k]) && memcmp(s + i, words[k], n - i) == 0)
			return true;
	return false;
}

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (len == 0 || len > n)
		return 0;
	for (size_t k = 1; k < len; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Make text safe for JSON and terminals in place: control bytes become
 * blanks, bytes that are not well-formed UTF-8 become '?'. */
static void sanitize(char *t, size_t n)
{
	for (size_t k = 0; k < n;) {
		unsigned char ch = (unsigned char)t[k];
		if (ch < 0x20 || ch == 0x7f) {
			t[k++] = ' ';
		} else if (ch < 0x80) {
			k++;
		} else {
			size_t l = utf8_len((const unsigned char *)t + k, n - k);
			if (l) {
				k += l;
			} else {
				t[k++] = '?';
			}
		}
	}
}

void mt_cap_copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (cap == 0)
		return;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	sanitize(dst, n);
}

void mt_cap_strcpy(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

void mt_cap_diag(memtype_capture *c, unsigned col, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (c->ndiags >= MT_CAP_MAX_DIAGS || !fmt) {
		c->diags_dropped++;
		return;
	}
	struct mt_cap_diag *d = &c->diags[c->ndiags++];
	d->line = c->line;
	d->col = col;
	mt_cap_strcpy(d->code, sizeof(d->code), code);
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
	va_end(ap);
	sanitize(d->message, strlen(d->message));
}
