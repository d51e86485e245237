/*
 * scenario_yaml_values.c - typed values from scalar text (strings, numbers,
 * booleans, keywords; the typing rules are in scenario_yaml.c's header) and
 * address spans (start plus size or end, checked against phys_bits).
 * Separate because libyaml resolves no types: these rules are ours, and
 * every section reads its values through them.
 */
#include "scenario_yaml.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- scalars */

int mt_yaml_want_scalar(struct ps *p, const yaml_node_t *n, const char *what, const char *expected)
{
	if (n->type == YAML_SCALAR_NODE && !mt_yaml_is_null(n))
		return 0;
	return mt_yaml_err_at(p, n, "bad-type", "%s must be %s, not %s", what, expected,
			      mt_yaml_kind_name(n));
}

int mt_yaml_get_str(struct ps *p, const yaml_node_t *n, const char *what, char *buf, size_t cap)
{
	int rc = mt_yaml_want_scalar(p, n, what, "a string");
	size_t len = n->data.scalar.length;

	if (rc)
		return rc;
	if (memchr(n->data.scalar.value, 0, len))
		return mt_yaml_err_at(p, n, "bad-value", "%s contains a NUL character", what);
	if (len >= cap)
		return mt_yaml_err_at(p, n, "bad-value", "%s is too long (%zu bytes, at most %zu)",
				      what, len, cap - 1);
	memcpy(buf, n->data.scalar.value, len);
	buf[len] = '\0';
	return 0;
}

int mt_yaml_get_u64(struct ps *p, const yaml_node_t *n, const char *what, uint64_t *out)
{
	int rc = mt_yaml_want_scalar(p, n, what, "a number");

	if (rc)
		return rc;
	rc = memtype_parse_u64((const char *)n->data.scalar.value, n->data.scalar.length, out);
	if (rc == -ERANGE)
		return mt_yaml_err_at(p, n, "out-of-range",
				      "%s " SCALAR_FMT " does not fit in 64 bits", what,
				      SCALAR_ARGS(n));
	if (rc)
		return mt_yaml_err_at(
		    p, n, "bad-type",
		    "%s must be a number (0x hex or decimal, optional K/M/G/T), not " SCALAR_FMT,
		    what, SCALAR_ARGS(n));
	return 0;
}

int mt_yaml_get_bool(struct ps *p, const yaml_node_t *n, const char *what, bool *out)
{
	if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		const char *t = (const char *)n->data.scalar.value;
		if (mt_word_eq(t, n->data.scalar.length, "true")) {
			*out = true;
			return 0;
		}
		if (mt_word_eq(t, n->data.scalar.length, "false")) {
			*out = false;
			return 0;
		}
	}
	if (n->type == YAML_SCALAR_NODE && !mt_yaml_is_null(n))
		return mt_yaml_err_at(p, n, "bad-type", "%s must be true or false, not " SCALAR_FMT,
				      what, SCALAR_ARGS(n));
	return mt_yaml_err_at(p, n, "bad-type", "%s must be true or false, not %s", what,
			      mt_yaml_kind_name(n));
}

/* One of words[] (case-insensitive); else bad-value listing them. */
int mt_yaml_get_word(struct ps *p, const yaml_node_t *n, const char *what, const struct word *words,
		     size_t nwords, int *out)
{
	char valid[256] = "";
	size_t used = 0;
	int rc = mt_yaml_want_scalar(p, n, what, "a word");

	if (rc)
		return rc;
	for (size_t i = 0; i < nwords; i++) {
		if (mt_word_eq((const char *)n->data.scalar.value, n->data.scalar.length,
			       words[i].name)) {
			*out = words[i].value;
			return 0;
		}
		int w = snprintf(valid + used, sizeof(valid) - used, "%s%s", i ? ", " : "",
				 words[i].name);
		if (w > 0 && (size_t)w < sizeof(valid) - used)
			used += (size_t)w;
	}
	return mt_yaml_err_at(p, n, "bad-value", "unknown %s " SCALAR_FMT " (valid: %s)", what,
			      SCALAR_ARGS(n), valid);
}

/* ---------------------------------------------------------------- address spans */

/* start plus exactly one of size and end, in the mapping n (noun: "mapping"). */
int mt_yaml_get_span(struct ps *p, const yaml_node_t *n, const char *where, const char *noun,
		     struct span *sp)
{
	const yaml_node_t *start = mt_yaml_get(p, n, "start"), *size = mt_yaml_get(p, n, "size"),
			  *end = mt_yaml_get(p, n, "end");
	char what[64];
	uint64_t v;
	int rc;

	if (!start)
		return mt_yaml_err_at(p, n, "missing-key", "%s has no 'start'", where);
	snprintf(what, sizeof(what), "%s.start", where);
	if ((rc = mt_yaml_get_u64(p, start, what, &sp->start)))
		return rc;
	sp->start_node = start;
	if (size && end)
		return mt_yaml_err_at(p,
				      end->start_mark.index > size->start_mark.index ? end : size,
				      "bad-value", "%s has both 'size' and 'end': give one", where);
	if (!size && !end)
		return mt_yaml_err_at(p, n, "missing-key", "%s needs 'size' or 'end'", where);
	sp->end_node = size ? size : end;
	snprintf(what, sizeof(what), "%s.%s", where, size ? "size" : "end");
	if ((rc = mt_yaml_get_u64(p, sp->end_node, what, &v)))
		return rc;
	if (size) {
		if (v == 0)
			return mt_yaml_err_at(p, size, "bad-value", "%s of size 0", noun);
		if (v - 1 > UINT64_MAX - sp->start)
			return mt_yaml_err_at(p, size, "out-of-range",
					      "%s at 0x%llx of size 0x%llx wraps past 2^64", noun,
					      (unsigned long long)sp->start, (unsigned long long)v);
		sp->end = sp->start + (v - 1);
	} else {
		if (v < sp->start)
			return mt_yaml_err_at(
			    p, end, "bad-value",
			    "%s end 0x%llx is below its start 0x%llx (end is inclusive)", noun,
			    (unsigned long long)v, (unsigned long long)sp->start);
		sp->end = v;
	}
	return 0;
}

/* The span lies below 2^phys_bits. */
int mt_yaml_check_span_limit(struct ps *p, const struct span *sp, const char *noun)
{
	unsigned bits = p->s->platform.phys_bits;
	uint64_t max = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;

	if (sp->start > max)
		return mt_yaml_err_at(
		    p, sp->start_node, "out-of-range",
		    "%s start 0x%llx is beyond phys_bits %u (highest address 0x%llx)", noun,
		    (unsigned long long)sp->start, bits, (unsigned long long)max);
	if (sp->end > max)
		return mt_yaml_err_at(
		    p, sp->end_node, "out-of-range",
		    "%s [0x%llx-0x%llx] ends beyond phys_bits %u (highest address 0x%llx)", noun,
		    (unsigned long long)sp->start, (unsigned long long)sp->end, bits,
		    (unsigned long long)max);
	return 0;
}
