/*
 * plan_mapfile.c - map files for the planner: one range per line,
 * "START-END TYPE" (inclusive end, as the kernel prints ranges) or
 * "START+SIZE TYPE", '#' comments, any type spelling memtype_type_parse
 * knows. The result is a memtype_map over [0, 2^phys_bits - 1] in which
 * unlisted addresses carry MEMTYPE_PLAN_UNLISTED; errors name the file, line
 * and column (docs/plan.md).
 */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct map_line {
	uint64_t start, end;
	memtype_type type;
	unsigned line, col;
};

static int cmp_line(const void *a, const void *b)
{
	const struct map_line *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int memtype_plan_parse_map(memtype_ctx *ctx, const char *name, const char *text, size_t len,
			   unsigned phys_bits, memtype_map **out)
{
	struct map_line *v = NULL;
	size_t n = 0, cap = 0;
	unsigned line = 0;
	int rc = 0;

	*out = NULL;
	if (phys_bits < 32 || phys_bits > 52)
		return mt_error(ctx, -EINVAL, "bad-phys-bits",
				"phys_bits %u is outside 32..52 (MAXPHYADDR)", phys_bits);
	uint64_t top = mt_plan_top(phys_bits);
	for (size_t pos = 0; pos < len && !rc;) {
		size_t eol = pos;
		while (eol < len && text[eol] != '\n')
			eol++;
		line++;
		size_t end = pos;
		while (end < eol && text[end] != '#')
			end++;
		while (end > pos && is_space(text[end - 1]))
			end--;
		size_t p = pos;
		while (p < end && is_space(text[p]))
			p++;
		size_t lstart = pos;
		pos = eol + 1;
		if (p == end)
			continue;
		unsigned col = (unsigned)(p - lstart) + 1;
		size_t q = p;
		while (q < end && !is_space(text[q]))
			q++;
		bool has_op = false;
		for (size_t k = p + 1; k < q; k++)
			has_op |= text[k] == '-' || text[k] == '+';
		if (!has_op) {
			rc = mt_error_at(ctx, -EINVAL, name, line, col, "syntax",
					 "expected START-END or START+SIZE, then a type: '%.*s'",
					 (int)(q - p), text + p);
			break;
		}
		struct map_line l = {.line = line, .col = col};
		int prc = memtype_parse_range(text + p, q - p, &l.start, &l.end);
		if (prc) {
			rc = mt_error_at(
			    ctx, -EINVAL, name, line, col, "bad-number",
			    "'%.*s' is not a range START-END (inclusive) or START+SIZE%s",
			    (int)(q - p), text + p,
			    prc == -ERANGE ? " (it overflows 64 bits)" : "");
			break;
		}
		size_t t = q;
		while (t < end && is_space(text[t]))
			t++;
		if (t == end) {
			rc = mt_error_at(ctx, -EINVAL, name, line, (unsigned)(q - lstart) + 1,
					 "syntax", "missing memory type after '%.*s'", (int)(q - p),
					 text + p);
			break;
		}
		unsigned tcol = (unsigned)(t - lstart) + 1;
		if (memtype_type_parse(text + t, end - t, &l.type)) {
			rc = mt_error_at(ctx, -EINVAL, name, line, tcol, "bad-type",
					 "'%.*s' is not a memory type", (int)(end - t), text + t);
			break;
		}
		if (mt_plan_type_index(l.type) < 0) {
			rc = mt_error_at(ctx, -EINVAL, name, line, tcol, "bad-type",
					 "%s is not an MTRR type: MTRRs hold UC, WC, WT, WP or WB "
					 "(SDM Vol. 3A Table 11-8)",
					 memtype_type_name(l.type, MEMTYPE_SPELL_SHORT));
			break;
		}
		if (l.end > top) {
			rc =
			    mt_error_at(ctx, -EINVAL, name, line, col, "out-of-range",
					"0x%llx-0x%llx goes beyond MAXPHYADDR: the highest address "
					"with %u physical address bits is 0x%llx",
					(unsigned long long)l.start, (unsigned long long)l.end,
					phys_bits, (unsigned long long)top);
			break;
		}
		rc = mt_plan_grow(ctx, (void **)&v, &cap, sizeof(*v), n + 1);
		if (!rc)
			v[n++] = l;
	}
	if (!rc && n > 1) {
		qsort(v, n, sizeof(*v), cmp_line);
		for (size_t i = 1; i < n && !rc; i++) {
			if (v[i].start > v[i - 1].end)
				continue;
			const struct map_line *late = v[i].line > v[i - 1].line ? &v[i] : &v[i - 1];
			const struct map_line *early = late == &v[i] ? &v[i - 1] : &v[i];
			rc = mt_error_at(ctx, -EINVAL, name, late->line, late->col, "overlap",
					 "0x%llx-0x%llx overlaps 0x%llx-0x%llx of line %u",
					 (unsigned long long)late->start,
					 (unsigned long long)late->end,
					 (unsigned long long)early->start,
					 (unsigned long long)early->end, early->line);
		}
	}
	memtype_map *m = NULL;
	if (!rc) {
		m = mt_map_alloc(ctx, 0, top, 2 * n + 1);
		rc = m ? 0 : -ENOMEM;
	}
	uint64_t at = 0;
	bool done = false;
	for (size_t i = 0; i < n && !rc; i++) {
		if (v[i].start > at)
			rc = mt_map_append(m, at, MEMTYPE_PLAN_UNLISTED, 0, 0);
		if (!rc)
			rc = mt_map_append(m, v[i].start, (uint32_t)v[i].type, v[i].line, v[i].col);
		done = v[i].end == top;
		at = v[i].end + 1;
	}
	if (!rc && !done)
		rc = mt_map_append(m, at, MEMTYPE_PLAN_UNLISTED, 0, 0);
	mt_free(ctx, v, cap * sizeof(*v));
	if (rc) {
		memtype_map_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

