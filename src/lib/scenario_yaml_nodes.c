/*
 * scenario_yaml_nodes.c - the scenario loader's view of libyaml's document
 * tree: errors positioned at a node, node and list access, and the strict
 * schema check of every mapping (unknown keys with the closest valid one,
 * duplicate keys). Separate because every section parser stands on it and
 * none of it knows what a scenario is.
 */
#include "scenario_yaml.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- errors */

static unsigned to_unsigned(size_t v)
{
	return v >= UINT_MAX ? UINT_MAX : (unsigned)v;
}

unsigned mt_yaml_mark_line(yaml_mark_t m)
{
	return to_unsigned(m.line + 1);
}

unsigned mt_yaml_mark_col(yaml_mark_t m)
{
	return to_unsigned(m.column + 1);
}

int mt_yaml_err_at(struct ps *p, const yaml_node_t *n, const char *code, const char *fmt, ...)
{
	char msg[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return mt_error_at(p->ctx, -EINVAL, p->file, mt_yaml_mark_line(n->start_mark),
			   mt_yaml_mark_col(n->start_mark), code, "%s", msg);
}

/* Scalar text in messages: at most this many bytes. */
#define SHOW 40

/* The length to print of a scalar: up to the first NUL, at most SHOW. */
int mt_yaml_show_len(const yaml_node_t *n)
{
	size_t len = n->data.scalar.length;
	const char *t = (const char *)n->data.scalar.value;
	size_t i = 0;

	while (i < len && i < SHOW && t[i])
		i++;
	return (int)i;
}

/* ---------------------------------------------------------------- nodes */

yaml_node_t *mt_yaml_node(struct ps *p, int id)
{
	return yaml_document_get_node(p->doc, id);
}

bool mt_yaml_scalar_is(const yaml_node_t *n, const char *word)
{
	size_t wl = strlen(word);
	return n->data.scalar.length == wl && memcmp(n->data.scalar.value, word, wl) == 0;
}

bool mt_yaml_is_null(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (n->data.scalar.length == 0 || mt_yaml_scalar_is(n, "~") ||
		mt_yaml_scalar_is(n, "null") || mt_yaml_scalar_is(n, "Null") ||
		mt_yaml_scalar_is(n, "NULL"));
}

const char *mt_yaml_kind_name(const yaml_node_t *n)
{
	if (mt_yaml_is_null(n))
		return "null";
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "a scalar";
	}
}

/* Levenshtein distance over at most 64 bytes of each word. */
static size_t edit_distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b), row[65];

	la = la > 64 ? 64 : la;
	lb = lb > 64 ? 64 : lb;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/*
 * Check that n is a mapping (or null: empty) whose keys are scalars among
 * keys[], each at most once. where names it in messages ("platform").
 */
int mt_yaml_check_map(struct ps *p, const yaml_node_t *n, const char *where,
		      const char *const *keys, size_t nkeys)
{
	if (mt_yaml_is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return mt_yaml_err_at(p, n, "bad-type", "%s must be a mapping, not %s", where,
				      mt_yaml_kind_name(n));
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top;
	     a++) {
		const yaml_node_t *k = mt_yaml_node(p, a->key);
		size_t best = 0, bestd = SIZE_MAX;
		bool known = false;

		if (!k || k->type != YAML_SCALAR_NODE)
			return mt_yaml_err_at(p, k ? k : n, "bad-type",
					      "keys in %s must be plain words", where);
		for (size_t i = 0; i < nkeys; i++) {
			if (mt_yaml_scalar_is(k, keys[i])) {
				known = true;
				break;
			}
			size_t d = edit_distance((const char *)k->data.scalar.value,
						 k->data.scalar.length, keys[i]);
			if (d < bestd) {
				bestd = d;
				best = i;
			}
		}
		if (!known)
			return mt_yaml_err_at(p, k, "unknown-key",
					      "unknown key " SCALAR_FMT
					      " in %s (did you mean '%s'?)",
					      SCALAR_ARGS(k), where, keys[best]);
		for (yaml_node_pair_t *b = n->data.mapping.pairs.start; b < a; b++) {
			const yaml_node_t *kb = mt_yaml_node(p, b->key);
			if (kb && kb->data.scalar.length == k->data.scalar.length &&
			    memcmp(kb->data.scalar.value, k->data.scalar.value,
				   k->data.scalar.length) == 0)
				return mt_yaml_err_at(
				    p, k, "duplicate-key",
				    "duplicate key " SCALAR_FMT " in %s (first at line %u)",
				    SCALAR_ARGS(k), where, mt_yaml_mark_line(kb->start_mark));
		}
	}
	return 0;
}

/* The value of key in a mapping checked by mt_yaml_check_map, or NULL. */
yaml_node_t *mt_yaml_get(struct ps *p, const yaml_node_t *n, const char *key)
{
	for (unsigned i = 0; i < p->nov; i++)
		if (p->ov[i].parent == n && strcmp(p->ov[i].key, key) == 0)
			return (yaml_node_t *)p->ov[i].value;
	if (n->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top;
	     a++) {
		const yaml_node_t *k = mt_yaml_node(p, a->key);
		if (k && k->type == YAML_SCALAR_NODE && mt_yaml_scalar_is(k, key))
			return mt_yaml_node(p, a->value);
	}
	return NULL;
}

/* A list (or null: empty). */
int mt_yaml_check_seq(struct ps *p, const yaml_node_t *n, const char *where)
{
	if (mt_yaml_is_null(n) || n->type == YAML_SEQUENCE_NODE)
		return 0;
	return mt_yaml_err_at(p, n, "bad-type", "%s must be a list, not %s", where,
			      mt_yaml_kind_name(n));
}

size_t mt_yaml_seq_len(const yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return 0;
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

yaml_node_t *mt_yaml_seq_at(struct ps *p, const yaml_node_t *n, size_t i)
{
	return mt_yaml_node(p, n->data.sequence.items.start[i]);
}
