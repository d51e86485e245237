/*
 * capture.c - the capture object and its line machinery.
 *
 * Input arrives in chunks of any size (memtype_capture_feed). The first
 * 16 KiB are held back and sniffed once: NUL bytes or mostly control
 * characters mean binary data (rejected at the first offending byte), and
 * "=3D" escapes or soft line breaks ("=" at the end of a line) mean a mail
 * archive's quoted-printable text, which is then decoded line by line.
 * After that the input streams: each line (at most MT_CAP_LINE_MAX bytes
 * are kept; the rest of a longer line is counted, not stored) is stripped of
 * the prefixes logs acquire on their way to us --
 *   "> " mail quoting, "<6>" printk levels, "Mar 12 10:00:00 host kernel: "
 *   (syslog, journalctl -k), "[    0.000000] " timestamps (also dmesg -T
 *   dates and the "[    T1]" caller ids of CONFIG_PRINTK_CALLER), and
 *   leading blanks --
 * and handed to the recognisers of every format (or of the forced one).
 * The recogniser whose multi-line block is open (an MTRR dump, an rdmsr
 * command's output) sees the line first. In a `memtype capture` file the
 * "# section: NAME" comments are tracked too: the /proc/iomem block is
 * skipped, and the dmesg recogniser knows which block a banner came from.
 *
 * Wrapped lines: a mail client folds long lines at a blank, so a message
 * loses its tail to the next line, which has no timestamp. A recogniser
 * answers MT_LINE_PARTIAL for a line that starts like its message but stops
 * early; such a line waits, and when the next line carries no timestamp and
 * does not itself start a known message, the two are joined and tried
 * again. A line that cannot be completed is reported ("cut-line") with its
 * position -- recovered where recoverable, rejected clearly where not.
 *
 * Memory: the object is one allocation of fixed size, line buffers
 * included; time is linear in the input.
 */
#include "capture.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char *const format_names[] = {"auto", "dmesg", "proc-mtrr", "msr", "pat-list"};

const char *memtype_capture_format_name(memtype_capture_format f)
{
	if ((unsigned)f >= MT_ARRAY_SIZE(format_names))
		return NULL;
	return format_names[f];
}

int memtype_capture_format_parse(const char *s, memtype_capture_format *out)
{
	if (!s)
		return -EINVAL;
	for (unsigned i = 0; i < MT_ARRAY_SIZE(format_names); i++)
		if (strcmp(s, format_names[i]) == 0) {
			*out = (memtype_capture_format)i;
			return 0;
		}
	/* Accept the obvious aliases too. */
	if (strcmp(s, "proc") == 0 || strcmp(s, "procmtrr") == 0 || strcmp(s, "mtrr") == 0) {
		*out = MEMTYPE_CAPTURE_PROC_MTRR;
		return 0;
	}
	if (strcmp(s, "pat") == 0 || strcmp(s, "patlist") == 0 ||
	    strcmp(s, "pat_memtype_list") == 0) {
		*out = MEMTYPE_CAPTURE_PAT_LIST;
		return 0;
	}
	if (strcmp(s, "journal") == 0 || strcmp(s, "journalctl") == 0) {
		*out = MEMTYPE_CAPTURE_DMESG;
		return 0;
	}
	return -EINVAL;
}

/* ------------------------------------------------------------ text helpers */

/* Hex digit values, -1 for other bytes (a table: this is the parser's
 * hottest loop, e820 lines carry 32 hex digits). */
static const signed char hex_tab[256] = {
    ['0'] = 1,	['1'] = 2,  ['2'] = 3,	['3'] = 4,  ['4'] = 5,	['5'] = 6,  ['6'] = 7,	['7'] = 8,
    ['8'] = 9,	['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hexval(char ch)
{
	return hex_tab[(unsigned char)ch] - 1;
}

/* The byte b in every byte of a word. */
#define BYTES(b) (0x0101010101010101ull * (b))

/* The eight bytes at s as a word, the first byte in the low bits. */
static uint64_t load8(const char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* Every byte of w is a hex digit. Bytes below 0x80 are tested in all lanes at
 * once: x + (0x80 - lo) has bit 7 set when x >= lo, x + (0x7f - hi) when
 * x > hi, and neither sum carries into the next byte; letters are tested
 * with bit 5 set, which folds 'A'-'F' onto 'a'-'f'. */
static bool hex8_ok(uint64_t w)
{
	uint64_t f = w | BYTES(0x20);
	uint64_t digit = (w + BYTES(0x80 - '0')) & ~(w + BYTES(0x7f - '9'));
	uint64_t letter = (f + BYTES(0x80 - 'a')) & ~(f + BYTES(0x7f - 'f'));

	return (w & BYTES(0x80)) == 0 && ((digit | letter) & BYTES(0x80)) == BYTES(0x80);
}

/* The value of the 8 hex digits of w (hex8_ok). Each byte becomes its digit
 * ('0'-'9' have bit 6 clear, letters have it set and a low nibble of the
 * value - 9); then neighbouring digits, pairs and quads are merged in all
 * lanes at once. */
static uint64_t hex8(uint64_t w)
{
	w = (w & BYTES(0x0f)) + ((w >> 6) & BYTES(0x01)) * 9;
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
	if (n - k < 16 || (n - k > 16 && hexval(s[k + 16]) >= 0))
		return false;
	uint64_t hi = load8(s + k), lo = load8(s + k + 8);
	if (!hex8_ok(hi) || !hex8_ok(lo))
		return false;
	*out = hex8(hi) << 32 | hex8(lo);
	return true;
}

bool mt_cap_hex_range(const char *s, size_t n, size_t *i, uint64_t *a, uint64_t *b)
{
	size_t k = *i;

	if (n - k < 37 || s[k] != '0' || s[k + 1] != 'x' || s[k + 18] != '-' ||
	    s[k + 19] != '0' || s[k + 20] != 'x' || (n - k > 37 && hexval(s[k + 37]) >= 0))
		return false;
	uint64_t w0 = load8(s + k + 2), w1 = load8(s + k + 10);
	uint64_t w2 = load8(s + k + 21), w3 = load8(s + k + 29);
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
	    hexval(s[k + 2]) >= 0)
		k += 2;
	if (hex16(s, n, k, out)) {
		*i = k + 16;
		return true;
	}
	size_t st = k;
	for (int d; k < n && (d = hexval(s[k])) >= 0; k++)
		v = (v << 4) | (uint64_t)d;
	if (k == st)
		return false;
	if (k - st > 16) {
		/* More than 16 significant digits do not fit: leading zeros do. */
		size_t z = st;
		while (s[z] == '0')
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

/* ------------------------------------------------------------ object */

memtype_capture *memtype_capture_new(memtype_ctx *ctx, const char *name,
				     memtype_capture_format format)
{
	if (!ctx)
		return NULL;
	if ((unsigned)format >= MT_ARRAY_SIZE(format_names)) {
		mt_error(ctx, -EINVAL, "bad-format", "unknown capture format %d", (int)format);
		return NULL;
	}
	memtype_capture *c = mt_alloc(ctx, sizeof(*c));
	if (!c)
		return NULL;
	/* The tables from `map` on are read only below their counts: no need to
	 * clear them (they are most of the object). */
	memset(c, 0, offsetof(struct memtype_capture, map));
	c->ctx = ctx;
	c->forced = format;
	mt_cap_strcpy(c->name, sizeof(c->name), name ? name : "<input>");
	c->sniff = c->sniff_space;
	c->buf = c->line_space[0];
	c->qpbuf = c->line_space[1];
	c->pending = c->line_space[2];
	c->dump_def_type = -1;
	c->dump_fixed_hdr = -1;
	c->dump_var_hdr = -1;
	c->params.enable_cleanup = -1;
	c->params.spare = -1;
	return c;
}

void memtype_capture_free(memtype_capture *c)
{
	if (!c)
		return;
	mt_free(c->ctx, c, sizeof(*c));
}

const char *memtype_capture_name(const memtype_capture *c)
{
	return c ? c->name : NULL;
}

memtype_capture_format memtype_capture_format_of(const memtype_capture *c)
{
	static const memtype_capture_format order[] = {
	    MEMTYPE_CAPTURE_DMESG, MEMTYPE_CAPTURE_PROC_MTRR, MEMTYPE_CAPTURE_MSR,
	    MEMTYPE_CAPTURE_PAT_LIST};

	if (!c)
		return MEMTYPE_CAPTURE_AUTO;
	if (c->forced != MEMTYPE_CAPTURE_AUTO)
		return c->forced;
	for (unsigned i = 0; i < MT_ARRAY_SIZE(order); i++)
		if (c->formats & MT_FMT_BIT(order[i]))
			return order[i];
	return MEMTYPE_CAPTURE_AUTO;
}

unsigned memtype_capture_formats(const memtype_capture *c)
{
	return c ? c->formats : 0;
}

size_t memtype_capture_line_count(const memtype_capture *c)
{
	return c ? c->line : 0;
}

size_t memtype_capture_used_count(const memtype_capture *c)
{
	return c ? c->lines_used : 0;
}

size_t memtype_capture_diag_count(const memtype_capture *c, size_t *dropped)
{
	if (dropped)
		*dropped = c ? c->diags_dropped : 0;
	return c ? c->ndiags : 0;
}

int memtype_capture_diag(const memtype_capture *c, size_t i, memtype_diag *out)
{
	if (!c || i >= c->ndiags)
		return -ERANGE;
	out->file = c->name;
	out->line = c->diags[i].line;
	out->col = c->diags[i].col;
	out->code = c->diags[i].code;
	out->message = c->diags[i].message;
	return 0;
}

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
static mt_line_result dispatch(memtype_capture *c, const char *s, size_t n, unsigned col)
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

/* ------------------------------------------------------------ prefixes */

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

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
	uint64_t x = w ^ BYTES(ch);

	return ~(((x & BYTES(0x7f)) + BYTES(0x7f)) | x) & BYTES(0x80);
}

/* Bit 7 of each byte of w that is a digit, for the bytes below the first
 * one >= 0x80 (a byte >= 0x80 is not a digit, but its sums may carry into
 * the next byte up). */
static uint64_t lanes_digit(uint64_t w)
{
	return (w + BYTES(0x80 - '0')) & ~(w + BYTES(0x7f - '9')) & BYTES(0x80);
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
	uint64_t secs = load8(s + i + 1), frac = load8(s + i + 6);
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

struct stripped {
	const char *s;
	size_t n;
	unsigned col;
	bool ts; /* the line carried a log prefix (timestamp, level, syslog header) */
};

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
	if (i + 2 < n && s[i] == '<' && is_digit(s[i + 1])) {
		k = i + 1;
		while (k < n && is_digit(s[k]))
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

static void strip_prefixes(const char *s, size_t n, struct stripped *out)
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

/* Messages a wrapped tail never starts with: a line starting so is a line
 * of its own. */
static bool starts_known(const char *s, size_t n)
{
	static const char *const starts[] = {
	    "BIOS-e820",    "MTRR",
	    "mtrr",	    "x86/PAT",
	    "PAT",	    "reg",
	    "TOM2",	    "Linux version",
	    "DMI:",	    "e820",
	    "gran_size",    "*BAD*",
	    "total RAM",    "Found optimal",
	    "WARNING",	    "ioremap",
	    "Hypervisor",   "original variable",
	    "New variable", "0x",
	    "wrmsr",	    "rdmsr",
	    "cpuid",	    "CPU MTRRs",
	};

	for (unsigned i = 0; i < MT_ARRAY_SIZE(starts); i++)
		if (mt_starts(s, n, starts[i]))
			return true;
	/* A register-dump, map-entry or value line: digits first. */
	return n > 0 && is_digit(s[0]);
}

static void pending_drop(memtype_capture *c)
{
	if (c->npending == 0)
		return;
	unsigned save = c->line;
	size_t show = c->npending < 60 ? c->npending : 60;

	c->line = c->pending_line;
	mt_cap_diag(c, 1, "cut-line",
		    "line cut short (truncated, or wrapped beyond recovery): '%.*s%s'", (int)show,
		    c->pending, c->npending > show ? "..." : "");
	c->line = save;
	c->npending = 0;
}

static void set_pending(memtype_capture *c, const char *s, size_t n)
{
	if (n >= MT_CAP_LINE_MAX)
		n = MT_CAP_LINE_MAX - 1;
	memmove(c->pending, s, n);
	c->npending = n;
	c->pending_line = c->line;
}

/*
 * "# section: NAME", the comment that opens each block of a `memtype
 * capture` file (docs/capture-format.md). Returns true for such a line and
 * starts tracking the block; it is a comment, never a line of any format.
 */
static bool file_section(memtype_capture *c, const char *s, size_t n)
{
	static const struct {
		const char *name;
		mt_file_sect sect;
	} names[] = {
	    {"kernel", MT_FSECT_KERNEL},
	    {"iomem", MT_FSECT_IOMEM},
	    {"kernel-log", MT_FSECT_KERNEL_LOG},
	};
	size_t i = 0;

	if (!mt_cap_lit(s, n, &i, "# section: "))
		return false;
	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	c->file_sect = MT_FSECT_OTHER;
	for (unsigned k = 0; k < MT_ARRAY_SIZE(names); k++)
		if (n - i == strlen(names[k].name) && memcmp(s + i, names[k].name, n - i) == 0)
			c->file_sect = names[k].sect;
	pending_drop(c);
	c->sect = MT_SECT_NONE; /* no multi-line block runs across sections */
	return true;
}

/* One logical line (decoded, without its newline). */
static void line_in(memtype_capture *c, const char *s, size_t n)
{
	struct stripped st;

	strip_prefixes(s, n, &st);
	if (st.n > 0 && st.s[0] == '#' && file_section(c, st.s, st.n))
		return;
	if (c->file_sect == MT_FSECT_IOMEM) {
		/* /proc/iomem names the kernel's resources, not memory types:
		 * nothing in it is modelled, and its "START-END : NAME" lines
		 * must not be taken for another format's. */
		c->skipped_iomem++;
		return;
	}
	if (c->npending) {
		if (!st.ts && st.n > 0 && !starts_known(st.s, st.n) &&
		    c->npending + 1 + st.n < MT_CAP_LINE_MAX) {
			/* The wrapped tail: join and try again under the first line's number. */
			char *j = c->pending;
			unsigned save = c->line;

			j[c->npending] = ' ';
			memcpy(j + c->npending + 1, st.s, st.n);
			size_t jn = c->npending + 1 + st.n;
			c->line = c->pending_line;
			c->npending = 0;
			mt_line_result r = dispatch(c, j, jn, 1);
			if (r == MT_LINE_PARTIAL) {
				c->npending = jn; /* still short: wait for another tail */
				c->line = save;
				return;
			}
			c->line = save;
			if (r == MT_LINE_USED)
				return;
			/* Not a tail after all: report the cut line, go on with this one. */
			c->npending = jn - st.n - 1;
			j[c->npending] = '\0';
		}
		pending_drop(c);
	}
	if (st.n == 0)
		return;
	if (dispatch(c, st.s, st.n, st.col) == MT_LINE_PARTIAL)
		set_pending(c, st.s, st.n);
}

/* Quoted-printable: decode "=XX" in place; returns the new length. */
static size_t qp_decode(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			s[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			s[o++] = s[i];
		}
	}
	return o;
}

/* A physical line is complete in c->buf. */
static void end_line(memtype_capture *c, const char *s, size_t n)
{
	c->line++;
	if (c->overflow) {
		mt_cap_diag(c, MT_CAP_LINE_MAX, "line-too-long",
			    "line longer than %u bytes: only the first %u are read",
			    MT_CAP_LINE_MAX, MT_CAP_LINE_MAX);
		c->overflow = false;
	}
	if (n > 0 && s[n - 1] == '\r')
		n--;
	c->nbuf = 0;
	if (!c->qp) {
		line_in(c, s, n);
		return;
	}
	/* Quoted-printable: a line ending in '=' continues on the next one. */
	bool soft = n > 0 && s[n - 1] == '=';
	if (soft)
		n--;
	if (c->nqp == 0)
		c->qp_line = c->line;
	size_t room = MT_CAP_LINE_MAX - c->nqp;
	size_t take = n < room ? n : room;
	memcpy(c->qpbuf + c->nqp, s, take);
	c->nqp += take;
	if (soft && c->nqp < MT_CAP_LINE_MAX)
		return;
	size_t dn = qp_decode(c->qpbuf, c->nqp);
	unsigned save = c->line;
	c->line = c->qp_line;
	c->nqp = 0;
	/* Decoded text may hold line breaks of its own ("=0A"). */
	size_t start = 0;
	for (size_t i = 0; i <= dn; i++) {
		if (i == dn || c->qpbuf[i] == '\n') {
			size_t len = i - start;
			if (len > 0 && c->qpbuf[start + len - 1] == '\r')
				len--;
			line_in(c, c->qpbuf + start, len);
			start = i + 1;
		}
	}
	c->line = save;
}

static void bytes_in(memtype_capture *c, const char *p, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		size_t k = nl ? (size_t)(nl - p) : len;
		size_t room = MT_CAP_LINE_MAX - c->nbuf;

		if (nl && c->nbuf == 0 && k <= MT_CAP_LINE_MAX) {
			/* The whole line is in this chunk: no copy. */
			end_line(c, p, k);
			p += k + 1;
			len -= k + 1;
			continue;
		}
		if (k <= room) {
			memcpy(c->buf + c->nbuf, p, k);
			c->nbuf += k;
		} else {
			memcpy(c->buf + c->nbuf, p, room);
			c->nbuf += room;
			c->overflow = true;
		}
		if (!nl)
			return;
		end_line(c, c->buf, c->nbuf);
		p += k + 1;
		len -= k + 1;
	}
}

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
		uint64_t w = load8(p + i);
		if (((w - BYTES(0x20)) & ~w & BYTES(0x80)) == 0)
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
static int sniff(memtype_capture *c, const char *p, size_t n)
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

int memtype_capture_feed(memtype_capture *c, const void *data, size_t len)
{
	const char *p = data;

	if (!c)
		return -EINVAL;
	if (c->failed)
		return -EINVAL;
	if (c->finished)
		return mt_error(c->ctx, -EINVAL, "finished", "capture '%s' already finished",
				c->name);
	c->bytes += len;
	if (!c->sniffed && c->nsniff == 0 && len >= MT_CAP_SNIFF) {
		/* The first chunk holds all the sniff looks at: no copy. */
		if (sniff(c, p, MT_CAP_SNIFF) != 0)
			return -EINVAL;
	}
	if (!c->sniffed) {
		size_t k = MT_CAP_SNIFF - c->nsniff;

		if (k > len)
			k = len;
		memcpy(c->sniff + c->nsniff, p, k);
		c->nsniff += k;
		p += k;
		len -= k;
		if (c->nsniff < MT_CAP_SNIFF)
			return 0;
		if (sniff(c, c->sniff, c->nsniff) != 0)
			return -EINVAL;
		bytes_in(c, c->sniff, c->nsniff);
	}
	bytes_in(c, p, len);
	if (c->lines_used == 0 && c->bytes >= MT_CAP_GIVE_UP) {
		c->failed = true;
		return mt_error_at(
		    c->ctx, -EINVAL, c->name, c->line, 1, "unrecognised-format",
		    "no dmesg, /proc/mtrr, MSR or pat_memtype_list line in the first "
		    "%u MiB",
		    MT_CAP_GIVE_UP >> 20);
	}
	return 0;
}

int memtype_capture_finish(memtype_capture *c)
{
	if (!c)
		return -EINVAL;
	if (c->failed)
		return -EINVAL;
	if (c->finished)
		return 0;
	if (!c->sniffed) {
		if (sniff(c, c->sniff, c->nsniff) != 0)
			return -EINVAL;
		bytes_in(c, c->sniff, c->nsniff);
	}
	if (c->nbuf > 0 || c->overflow)
		end_line(c, c->buf, c->nbuf); /* the last line had no newline */
	if (c->nqp > 0) {
		/* A soft break at the very end: decode what there is. */
		size_t dn = qp_decode(c->qpbuf, c->nqp);
		c->nqp = 0;
		line_in(c, c->qpbuf, dn);
	}
	pending_drop(c);
	if (c->sect == MT_SECT_VAR && c->dump_nvar > 0)
		c->dump_truncated = true;
	c->sect = MT_SECT_NONE;
	c->finished = true;
	if (c->lines_used > 0)
		return 0;
	c->failed = true;
	if (c->bytes == 0)
		return mt_error_at(c->ctx, -EINVAL, c->name, 1, 1, "empty-input",
				   "the input is empty");
	if (c->forced != MEMTYPE_CAPTURE_AUTO)
		return mt_error_at(c->ctx, -EINVAL, c->name, 1, 1, "no-data",
				   "no %s line found (the format was forced)",
				   format_names[c->forced]);
	return mt_error_at(c->ctx, -EINVAL, c->name, 1, 1, "unrecognised-format",
			   "no dmesg, /proc/mtrr, MSR or pat_memtype_list line found in %u lines",
			   c->line);
}

int memtype_capture_parse(memtype_ctx *ctx, const char *name, const void *text, size_t len,
			  memtype_capture_format format, memtype_capture **out)
{
	*out = NULL;
	memtype_capture *c = memtype_capture_new(ctx, name, format);
	if (!c)
		return ctx ? -ENOMEM : -EINVAL;
	int rc = memtype_capture_feed(c, text, len);
	if (rc == 0)
		rc = memtype_capture_finish(c);
	if (rc != 0) {
		memtype_capture_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* ------------------------------------------------------------ machine state */

/*
 * Reconstruction: the captures of one machine are read in the order given.
 * Registers come from the best view available -- an MSR dump, then a boot
 * dump, then /proc/mtrr, then mtrr_cleanup's "original variable MTRRs" table
 * -- and the default type, E/FE, the fixed ranges, VCNT, TOM2 and PAT each
 * from the first source that knows them; a second source that knows a value
 * differently is a disagreement. What no source knows stays unknown, and
 * what has to be assumed to draw a map is listed as a note.
 */

void mt_machine_note(struct mt_mach *m, const char *fmt, ...)
{
	va_list ap;

	if (m->nnotes >= MT_MACH_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(m->notes[m->nnotes++], MT_CAP_TEXT, fmt, ap);
	va_end(ap);
}

void mt_machine_disagree(struct mt_mach *m, const char *fmt, ...)
{
	va_list ap;

	if (m->ndis >= MT_MACH_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(m->dis[m->ndis++], 2 * MT_CAP_TEXT, fmt, ap);
	va_end(ap);
}

uint64_t mt_mask_size(uint64_t mask, unsigned phys_bits)
{
	uint64_t hi = phys_bits >= 64 ? 0 : ~0ull << phys_bits;

	return (uint64_t)0 - ((mask & ~0xfffull) | hi);
}

uint64_t mt_size_mask(uint64_t size, unsigned phys_bits)
{
	uint64_t lim = phys_bits >= 64 ? ~0ull : (1ull << phys_bits) - 1;

	if (size == 0)
		return 0;
	return ~(size - 1) & lim & ~0xfffull;
}

/* Bits needed to write v (0 for 0). */
static unsigned width_of(uint64_t v)
{
	return v ? 64u - (unsigned)__builtin_clzll(v) : 0u;
}

static const char *const view_names[] = {"msr", "dump", "proc-mtrr", "cleanup-table"};

static bool mtrr_encoding(unsigned t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* The MSR dump's view: PHYSBASE/PHYSMASK pairs with both halves read. */
static void msr_view(struct mt_mach *m, const memtype_capture *c)
{
	bool any = false;

	if (!c->msr_read)
		return;
	/* Pairs stop at 0x24f: 0x250 is the first fixed-range MSR (SDM Vol. 4 Table 2-2). */
	for (unsigned i = 0; i < MEMTYPE_MAX_VCNT && !any; i++)
		any = c->msr[1 + 2 * i].present && c->msr[2 + 2 * i].present;
	if (!any || m->nviews >= MT_MACH_MAX_VIEWS)
		return;
	struct mt_view *v = &m->views[m->nviews++];
	memset(v, 0, sizeof(*v));
	v->kind = MT_VIEW_MSR;
	v->cap = c;
	unsigned lim = MEMTYPE_MAX_VCNT;
	if (c->msr[0].present && (c->msr[0].value & 0xffu) < lim)
		lim = (unsigned)(c->msr[0].value & 0xffu);
	for (unsigned i = 0; i < lim; i++) {
		const struct mt_cap_msr *b = &c->msr[1 + 2 * i], *k = &c->msr[2 + 2 * i];
		if (!b->present || !k->present)
			continue;
		struct mt_mach_var *x = &v->v[i];
		x->valid = (k->value & 0x800u) != 0;
		x->base = b->value & ~0xfffull;
		x->mask = k->value & ~0xfffull;
		x->raw_type = (unsigned)(b->value & 0xffu);
		x->type = mtrr_encoding(x->raw_type) ? (int)x->raw_type : -1;
		x->exact = true;
		v->n = i + 1;
	}
}

static void add_views(struct mt_mach *m, const memtype_capture *c)
{
	struct mt_view *v;

	msr_view(m, c);
	if (c->dump_nvar > 0 && m->nviews < MT_MACH_MAX_VIEWS) {
		v = &m->views[m->nviews++];
		memset(v, 0, sizeof(*v));
		v->kind = MT_VIEW_DUMP;
		v->cap = c;
		v->n = c->dump_nvar;
		for (unsigned i = 0; i < c->dump_nvar && i < MT_CAP_MAX_VAR; i++) {
			const struct mt_cap_var *d = &c->var[i];
			struct mt_mach_var *x = &v->v[i];
			if (!d->present || !d->valid)
				continue;
			x->valid = true;
			x->base = d->base & ~0xfffull;
			x->mask = d->mask & ~0xfffull;
			x->raw_type = (unsigned)(d->base & 0xffu);
			x->type = d->type_ok ? (int)x->raw_type : -1;
			x->exact = true;
		}
	}
	const struct mt_cap_sizereg *tab[2] = {c->proc, c->clean_orig};
	unsigned cnt[2] = {c->nproc, c->clean_orig_seen ? c->nclean_orig : 0};
	mt_view_kind kinds[2] = {MT_VIEW_PROC, MT_VIEW_CLEANUP};
	for (unsigned t = 0; t < 2; t++) {
		if (cnt[t] == 0 || m->nviews >= MT_MACH_MAX_VIEWS)
			continue;
		v = &m->views[m->nviews++];
		memset(v, 0, sizeof(*v));
		v->kind = kinds[t];
		v->cap = c;
		for (unsigned i = 0; i < cnt[t]; i++) {
			const struct mt_cap_sizereg *r = &tab[t][i];
			if (r->index >= MT_CAP_MAX_VAR)
				continue;
			struct mt_mach_var *x = &v->v[r->index];
			x->valid = true;
			x->base = r->base & ~0xfffull;
			x->size = r->size;
			x->type = r->type;
			x->raw_type = r->type >= 0 ? (unsigned)r->type : 0xffu;
			if (r->index + 1 > v->n)
				v->n = r->index + 1;
		}
	}
}

/* MAXPHYADDR: CPUID, else the widest exact mask, else the addresses seen. */
static void phys_bits(struct mt_mach *m, const memtype_capture *const *caps, size_t n)
{
	unsigned need = 0, maskw = 0;

	for (size_t k = 0; k < n; k++) {
		const memtype_capture *c = caps[k];
		if (c->cpuid_phys_bits && !m->phys_bits) {
			m->phys_bits = c->cpuid_phys_bits;
			m->phys_bits_source = "cpuid";
		}
		for (unsigned i = 0; i < c->ne820; i++)
			if (width_of(c->e820[i].end) > need)
				need = width_of(c->e820[i].end);
		for (unsigned i = 0; i < c->nmap; i++)
			if (width_of(c->map[i].end) > need)
				need = width_of(c->map[i].end);
		for (unsigned i = 0; i < c->npatlist; i++)
			if (width_of(c->patlist[i].end) > need)
				need = width_of(c->patlist[i].end);
		if (c->tom2 && width_of(c->tom2 - 1) > need)
			need = width_of(c->tom2 - 1);
	}
	for (unsigned k = 0; k < m->nviews; k++) {
		const struct mt_view *v = &m->views[k];
		for (unsigned i = 0; i < v->n; i++) {
			const struct mt_mach_var *x = &v->v[i];
			if (!x->valid)
				continue;
			if (x->exact) {
				if (width_of(x->mask) > maskw)
					maskw = width_of(x->mask);
				if (width_of(x->base) > need)
					need = width_of(x->base);
			} else if (x->size && width_of(x->base + x->size - 1) > need) {
				need = width_of(x->base + x->size - 1);
			}
		}
	}
	m->need_bits = need;
	if (!m->phys_bits && maskw >= 32 && maskw <= 52) {
		m->phys_bits = maskw;
		m->phys_bits_source = "mask";
	}
	if (!m->phys_bits) {
		m->phys_bits = need > 36 ? need : 36;
		m->phys_bits_source = need > 36 ? "address" : "default";
	}
	if (m->phys_bits > 52)
		m->phys_bits = 52;
	if (need > m->phys_bits)
		mt_machine_note(m, "addresses need %u bits, more than MAXPHYADDR %u (%s)", need,
				m->phys_bits, m->phys_bits_source);
}

static void set_int(struct mt_mach *m, int *field, const char **src, int value, const char *from,
		    const char *what)
{
	if (value < 0)
		return;
	if (*field < 0) {
		*field = value;
		if (src)
			*src = from;
		return;
	}
	if (*field != value)
		mt_machine_disagree(m, "%s: %s says %d, %s says %d", what, src && *src ? *src : "?",
				    *field, from, value);
}

/* DEF_TYPE, MTRRcap and the fixed ranges from an MSR dump. */
static void msr_state(struct mt_mach *m, const memtype_capture *c)
{
	if (!c->msr_read)
		return;
	const struct mt_cap_msr *def = &c->msr[1 + 0xff];
	if (def->present) {
		unsigned t = (unsigned)(def->value & 0xffu);
		set_int(m, &m->enabled, &m->enabled_source, (int)((def->value >> 11) & 1u), "msr",
			"DEF_TYPE.E");
		set_int(m, &m->fixed_enabled, NULL, (int)((def->value >> 10) & 1u), "msr",
			"DEF_TYPE.FE");
		if (mtrr_encoding(t))
			set_int(m, &m->def_type, &m->def_source, (int)t, "msr", "default type");
		else
			mt_machine_note(m, "IA32_MTRR_DEF_TYPE type %u is a reserved encoding", t);
	}
	if (c->msr[0].present) {
		set_int(m, &m->have_fixed, NULL, (c->msr[0].value & MEMTYPE_MTRRCAP_FIX) ? 1 : 0,
			"msr", "MTRRcap.FIX");
		if (!m->vcnt) {
			m->vcnt = (unsigned)(c->msr[0].value & MEMTYPE_MTRRCAP_VCNT_MASK);
			m->vcnt_source = "mtrrcap";
		}
	}
	if (m->fixed_known)
		return;
	static const uint32_t fx[11] = {0x250, 0x258, 0x259, 0x268, 0x269, 0x26a,
					0x26b, 0x26c, 0x26d, 0x26e, 0x26f};
	for (unsigned j = 0; j < 11; j++)
		if (!c->msr[1 + (fx[j] - 0x200)].present)
			return;
	for (unsigned j = 0; j < 11; j++)
		for (unsigned b = 0; b < 8; b++)
			m->fixed[8 * j + b] = (uint8_t)mt_byte(c->msr[1 + (fx[j] - 0x200)].value, b);
	m->fixed_known = true;
	m->fixed_source = "msr";
}

void mt_machine_build(const memtype_capture *const *caps, size_t n, struct mt_mach *m)
{
	memset(m, 0, offsetof(struct mt_mach, var));
	m->enabled = m->fixed_enabled = m->def_type = m->have_fixed = -1;
	m->chosen = -1;
	m->params.enable_cleanup = -1;
	m->params.spare = -1;

	for (size_t k = 0; k < n; k++) {
		const memtype_capture *c = caps[k];
		if (!m->log && (c->formats & MT_FMT_BIT(MEMTYPE_CAPTURE_DMESG)))
			m->log = c;
		if (!m->kernel[0] && c->kernel[0])
			mt_cap_strcpy(m->kernel, sizeof(m->kernel), c->kernel);
		if (!m->dmi[0] && c->dmi[0])
			mt_cap_strcpy(m->dmi, sizeof(m->dmi), c->dmi);
		if (!m->hypervisor[0] && c->hypervisor[0])
			mt_cap_strcpy(m->hypervisor, sizeof(m->hypervisor), c->hypervisor);
		if (!m->vendor && c->vendor) {
			m->vendor = c->vendor;
			mt_cap_strcpy(m->vendor_source, sizeof(m->vendor_source), c->vendor_source);
		}
		if (!m->params.seen && c->params.seen)
			m->params = c->params;
		if (!m->mtrr_status && c->mtrr_status)
			m->mtrr_status = c->mtrr_status;
		add_views(m, c);
	}
	phys_bits(m, caps, n);

	/* Masks for the sized views, sizes for the exact ones. */
	for (unsigned k = 0; k < m->nviews; k++) {
		struct mt_view *v = &m->views[k];
		for (unsigned i = 0; i < v->n; i++) {
			struct mt_mach_var *x = &v->v[i];
			if (!x->valid)
				continue;
			if (x->exact) {
				x->size = mt_mask_size(x->mask, m->phys_bits);
			} else {
				if (x->size & (x->size - 1))
					mt_machine_note(
					    m, "%s reg%02u: size 0x%llx is not a power of two",
					    view_names[v->kind], i, (unsigned long long)x->size);
				x->mask = mt_size_mask(x->size, m->phys_bits);
			}
		}
	}
	for (unsigned k = 0; k < m->nviews; k++)
		if (m->chosen < 0 || m->views[k].kind < m->views[m->chosen].kind)
			m->chosen = (int)k;
	if (m->chosen >= 0) {
		const struct mt_view *v = &m->views[m->chosen];
		m->var_known = true;
		m->nvar = v->n;
		memcpy(m->var, v->v, v->n * sizeof(m->var[0]));
		m->mtrr_source = view_names[v->kind];
	} else {
		m->mtrr_source = "none";
	}

	/* DEF_TYPE, MTRRcap, fixed ranges, TOM2, PAT, e820. */
	for (size_t k = 0; k < n; k++)
		msr_state(m, caps[k]);
	for (size_t k = 0; k < n; k++) {
		const memtype_capture *c = caps[k];
		if (c->dump_seen) {
			set_int(m, &m->def_type, &m->def_source, c->dump_def_type, "dump",
				"default type");
			set_int(m, &m->enabled, &m->enabled_source, c->dump_var_hdr, "dump",
				"DEF_TYPE.E");
			/* The fixed header says "enabled" for FE up to 6.4, for E && FE
			 * from 6.5 (generic.c print_mtrr_state). */
			int fe = c->dump_fixed_hdr;
			if (c->kernel_version >= 605 && c->dump_var_hdr == 0)
				fe = -1;
			set_int(m, &m->fixed_enabled, NULL, fe, "dump", "DEF_TYPE.FE");
			set_int(m, &m->have_fixed, NULL, c->dump_fixed_hdr >= 0 ? 1 : 0, "dump",
				"MTRRcap.FIX");
			bool all = c->dump_fixed_hdr >= 0 &&
				   !memchr(c->fixed_set, false, sizeof(c->fixed_set));
			if (all && !m->fixed_known) {
				memcpy(m->fixed, c->fixed, sizeof(m->fixed));
				m->fixed_known = true;
				m->fixed_source = "dump";
			} else if (c->dump_fixed_hdr >= 0 && !all) {
				mt_machine_note(m, "%s: the fixed-range dump is incomplete",
						c->name);
			}
			if (!m->vcnt && !c->dump_truncated && c->dump_var_hdr >= 0) {
				m->vcnt = c->dump_nvar;
				m->vcnt_source = "dump";
			}
		}
		if (c->clean_total_seen || c->clean_orig_seen || c->clean_found || c->clean_fail) {
			/* mtrr_cleanup() runs only with MTRRs on and a UC default (cleanup.c). */
			set_int(m, &m->enabled, &m->enabled_source, 1, "cleanup", "DEF_TYPE.E");
			set_int(m, &m->def_type, &m->def_source, MEMTYPE_UC, "cleanup",
				"default type");
		}
		if (c->all_blank) {
			/* mtrr_trim_uncached_memory() says so only when DEF_TYPE's type
			 * byte is UC (E is not tested: <= 6.1 guests print "Disabled"
			 * and then this line). */
			set_int(m, &m->def_type, &m->def_source, MEMTYPE_UC, "trim",
				"default type");
		}
		if (c->map_line && !c->mtrr_status)
			set_int(m, &m->enabled, &m->enabled_source, 1, "map-line", "DEF_TYPE.E");
		if (c->mtrr_status && (strcmp(c->mtrr_status, "disabled-by-bios") == 0 ||
				       strcmp(c->mtrr_status, "disabled") == 0 ||
				       strcmp(c->mtrr_status, "not-available") == 0))
			set_int(m, &m->enabled, &m->enabled_source, 0, c->mtrr_status,
				"DEF_TYPE.E");
		if (!m->tom2 && c->tom2) {
			m->tom2 = c->tom2;
			m->tom2_source = "log";
		}
		const struct mt_cap_msr *sys = mt_cap_msr(c, 257), *top = mt_cap_msr(c, 258);
		if (!m->tom2 && sys && top &&
		    (sys->value & (3ull << 21)) == (3ull << 21) && (top->value & ~0x7fffffull)) {
			/* SYSCFG MtrrTom2En (21) and Tom2ForceMemTypeWB (22); TOP_MEM2 bits 47:23.
			 */
			m->tom2 = top->value & 0xffffff800000ull;
			m->tom2_source = "msr";
		}
		const struct mt_cap_msr *pat = mt_cap_msr(c, 1 + 0x77);
		if (pat) {
			if (!m->pat_known) {
				m->pat_known = true;
				m->pat = pat->value;
				m->pat_source = "msr";
			} else if (m->pat != pat->value) {
				mt_machine_disagree(m, "IA32_PAT: %s says 0x%llx, msr says 0x%llx",
						    m->pat_source, (unsigned long long)m->pat,
						    (unsigned long long)pat->value);
			}
		}
		if (!m->ne820 && c->ne820) {
			m->ne820 = c->ne820;
			memcpy(m->e820, c->e820, c->ne820 * sizeof(c->e820[0]));
		}
		m->pat_off = m->pat_off || c->pat_off;
	}
	for (size_t k = 0; k < n; k++) {
		const memtype_capture *c = caps[k];
		if (!c->pat_seen)
			continue;
		if (!m->pat_known) {
			m->pat_known = true;
			m->pat = c->pat;
			m->pat_source = "dmesg";
		} else if (m->pat != c->pat) {
			mt_machine_disagree(
			    m, "IA32_PAT: %s says 0x%llx, the kernel log says 0x%llx",
			    m->pat_source, (unsigned long long)m->pat, (unsigned long long)c->pat);
		}
	}

	/* What the "MTRR map:" line tells when nothing else does. */
	if (m->log && m->log->map_line) {
		unsigned k = m->log->map_k - (m->tom2 ? 1u : 0u);
		if (!m->vcnt && k <= 255) {
			m->vcnt = k;
			m->vcnt_source = "map-line";
		}
		if (!m->var_known && m->log->map_v == 0 && m->vcnt) {
			/* No variable entry at all: every variable MTRR is unused. */
			m->var_known = true;
			m->nvar = m->vcnt < MT_CAP_MAX_VAR ? m->vcnt : MT_CAP_MAX_VAR;
			memset(m->var, 0, m->nvar * sizeof(m->var[0]));
			m->mtrr_source = "map-line";
			mt_machine_note(m,
					"variable MTRRs taken as all unused: the kernel's map has "
					"no variable entry");
		}
	}
	if (!m->vcnt && m->var_known) {
		m->vcnt = m->nvar;
		m->vcnt_source = "lower-bound";
	}
	if (m->def_type < 0 && m->var_known && m->enabled != 0) {
		/* /proc/mtrr does not print it: a BIOS that lists WB ranges uses a UC
		 * default, one that lists only UC/WC/WP holes uses WB. */
		m->def_type = MEMTYPE_WB;
		for (unsigned i = 0; i < m->nvar; i++)
			if (m->var[i].valid && m->var[i].type == MEMTYPE_WB)
				m->def_type = MEMTYPE_UC;
		m->def_source = "inferred";
		mt_machine_note(m, "default type not in the captures: %s inferred (%s)",
				m->def_type == MEMTYPE_UC ? "UC" : "WB",
				m->def_type == MEMTYPE_UC ? "a variable range is WB"
							  : "the variable ranges are only holes");
	}
	if (m->var_known && m->vcnt < m->nvar)
		m->vcnt = m->nvar;
}
