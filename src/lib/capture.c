/*
 * capture.c - the capture object: creation, the format names, and what a
 * parsed capture tells its caller (formats found, line counts, diagnostics).
 *
 * Reading is capture_lines.c's (the streaming line machinery), with
 * capture_detect.c (binary and quoted-printable input, which recogniser
 * gets a line), capture_prefix.c (the prefixes logs acquire) and
 * capture_numbers.c / capture_text.c (what the recognisers parse with).
 *
 * Memory: the object is one allocation of fixed size, line buffers
 * included; time is linear in the input.
 */
#include "capture.h"

#include <stddef.h>
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
