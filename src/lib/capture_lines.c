/*
 * capture_lines.c - the capture's line machinery.
 *
 * Input arrives in chunks of any size (memtype_capture_feed). The first
 * 16 KiB are held back and sniffed once (capture_detect.c); after that the
 * input streams: each line (at most MT_CAP_LINE_MAX bytes are kept; the
 * rest of a longer line is counted, not stored) is decoded when the input
 * is quoted-printable, stripped of its prefixes (capture_prefix.c) and
 * handed to the recognisers (capture_detect.c). In a `memtype capture` file
 * the "# section: NAME" comments are tracked too: the /proc/iomem block is
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
 * Memory: the line buffers are part of the object; time is linear in the
 * input.
 */
#include "capture_input.h"

#include <string.h>

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
	return n > 0 && mt_cap_is_digit(s[0]);
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
	struct mt_cap_stripped st;

	mt_cap_strip_prefixes(s, n, &st);
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
			mt_line_result r = mt_cap_dispatch(c, j, jn, 1);
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
	if (mt_cap_dispatch(c, st.s, st.n, st.col) == MT_LINE_PARTIAL)
		set_pending(c, st.s, st.n);
}

/* Quoted-printable: decode "=XX" in place; returns the new length. */
static size_t qp_decode(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && mt_cap_hexval(s[i + 1]) >= 0 &&
		    mt_cap_hexval(s[i + 2]) >= 0) {
			s[o++] = (char)(mt_cap_hexval(s[i + 1]) * 16 + mt_cap_hexval(s[i + 2]));
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
		if (mt_cap_sniff(c, p, MT_CAP_SNIFF) != 0)
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
		if (mt_cap_sniff(c, c->sniff, c->nsniff) != 0)
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
		if (mt_cap_sniff(c, c->sniff, c->nsniff) != 0)
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
				   memtype_capture_format_name(c->forced));
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
