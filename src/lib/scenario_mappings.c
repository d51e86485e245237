/*
 * scenario_mappings.c - what the guest maps (the mappings list: who, which
 * kernel call, which range) and what the scenario expects of it (expect:
 * ok, granted and effective types, messages, findings). Separate because
 * these are read last, once every layer is known, and expect indexes the
 * mappings.
 */
#include "scenario_yaml.h"

#include <stdio.h>

/* ---------------------------------------------------------------- mappings */

static const struct word call_words[] = {
	{"ioremap", MT_CALL_IOREMAP},
	{"ioremap_uc", MT_CALL_IOREMAP_UC},
	{"ioremap_wc", MT_CALL_IOREMAP_WC},
	{"ioremap_wt", MT_CALL_IOREMAP_WT},
	{"ioremap_cache", MT_CALL_IOREMAP_CACHE},
	{"memremap_wb", MT_CALL_MEMREMAP_WB},
	{"memremap_wt", MT_CALL_MEMREMAP_WT},
	{"memremap_wc", MT_CALL_MEMREMAP_WC},
	{"devm_ioremap_resource", MT_CALL_DEVM_IOREMAP_RESOURCE},
	{"acpi_map", MT_CALL_ACPI_MAP},
	{"fixmap_nocache", MT_CALL_FIXMAP_NOCACHE},
};

int mt_scenario_parse_mappings(struct ps *p, const yaml_node_t *root)
{
	static const char *const keys[] = {"who", "call", "start", "size", "end", "device"};
	const yaml_node_t *list = mt_yaml_get(p, root, "mappings");
	struct mt_scenario *s = p->s;
	int rc;

	if (!list)
		return 0;
	if ((rc = mt_yaml_check_seq(p, list, "mappings")))
		return rc;
	for (size_t i = 0; i < mt_yaml_seq_len(list); i++) {
		const yaml_node_t *m = mt_yaml_seq_at(p, list, i), *v;
		struct mt_mapping *map = &s->map[s->nmap];
		char where[32], what[48];
		struct span sp;
		int call = 0;

		snprintf(where, sizeof(where), "mappings[%zu]", i);
		if (i >= MT_MAX_MAPPINGS)
			return mt_yaml_err_at(p, m, "bad-value", "more than %d mappings",
					      MT_MAX_MAPPINGS);
		if (mt_yaml_is_null(m))
			return mt_yaml_err_at(p, m, "bad-type", "%s must be a mapping, not null",
					      where);
		if ((rc = mt_yaml_check_map(p, m, where, keys, MT_ARRAY_SIZE(keys))))
			return rc;
		map->line = mt_yaml_mark_line(m->start_mark);
		if (!(v = mt_yaml_get(p, m, "who")))
			return mt_yaml_err_at(p, m, "missing-key", "%s has no 'who'", where);
		snprintf(what, sizeof(what), "%s.who", where);
		if ((rc = mt_yaml_get_str(p, v, what, map->who, sizeof(map->who))))
			return rc;
		if (!(v = mt_yaml_get(p, m, "call")))
			return mt_yaml_err_at(p, m, "missing-key", "%s has no 'call'", where);
		if ((rc = mt_yaml_get_word(p, v, "call", call_words, MT_ARRAY_SIZE(call_words),
					   &call)))
			return rc;
		map->call = (mt_call)call;
		if ((rc = mt_yaml_get_span(p, m, where, "mapping", &sp)) ||
		    (rc = mt_yaml_check_span_limit(p, &sp, "mapping")))
			return rc;
		map->start = sp.start;
		map->end = sp.end;
		snprintf(what, sizeof(what), "%s.device", where);
		if ((v = mt_yaml_get(p, m, "device")) &&
		    (rc = mt_yaml_get_str(p, v, what, map->device, sizeof(map->device))))
			return rc;
		s->nmap++;
	}
	return 0;
}

/* ---------------------------------------------------------------- expect */

static const struct word source_words[] = {
	{"hardware", 0},
	{"forced", 1},
	{"none", 2},
};

static int get_type(struct ps *p, const yaml_node_t *n, const char *what, int *out)
{
	memtype_type t;
	int rc = mt_yaml_want_scalar(p, n, what, "a memory type");

	if (rc)
		return rc;
	if (memtype_type_parse((const char *)n->data.scalar.value, n->data.scalar.length, &t))
		return mt_yaml_err_at(p, n, "bad-value",
				      "%s " SCALAR_FMT
				      " is not a memory type (UC, UC-, WC, WT, WP, WB)",
				      what, SCALAR_ARGS(n));
	*out = (int)t;
	return 0;
}

static int parse_expect_one(struct ps *p, const yaml_node_t *e, const char *where,
			    struct mt_expect *x)
{
	static const char *const keys[] = {"mapping", "ok",	 "granted",    "effective",
					   "message", "finding", "no_finding", "mtrr_source"};
	const yaml_node_t *v, *mapping_node;
	char what[64];
	bool b;
	int rc, w;

	x->mapping = -1;
	x->ok = -1;
	x->granted = -1;
	x->effective = -1;
	if (mt_yaml_is_null(e))
		return mt_yaml_err_at(p, e, "bad-type", "%s must be a mapping, not null", where);
	if ((rc = mt_yaml_check_map(p, e, where, keys, MT_ARRAY_SIZE(keys))))
		return rc;
	if (e->data.mapping.pairs.top == e->data.mapping.pairs.start)
		return mt_yaml_err_at(p, e, "bad-value", "%s checks nothing", where);
	x->line = mt_yaml_mark_line(e->start_mark);
	if ((mapping_node = mt_yaml_get(p, e, "mapping"))) {
		uint64_t idx;
		snprintf(what, sizeof(what), "%s.mapping", where);
		if ((rc = mt_yaml_get_u64(p, mapping_node, what, &idx)))
			return rc;
		if (idx >= p->s->nmap)
			return mt_yaml_err_at(
			    p, mapping_node, "out-of-range",
			    "%s is %llu but the scenario has %u mapping%s (indexes from 0)", what,
			    (unsigned long long)idx, p->s->nmap, p->s->nmap == 1 ? "" : "s");
		x->mapping = (int)idx;
	}
	if ((v = mt_yaml_get(p, e, "ok"))) {
		snprintf(what, sizeof(what), "%s.ok", where);
		if ((rc = mt_yaml_get_bool(p, v, what, &b)))
			return rc;
		x->ok = b;
	}
	if ((v = mt_yaml_get(p, e, "granted"))) {
		snprintf(what, sizeof(what), "%s.granted", where);
		if (mt_yaml_is_null(v))
			x->granted = -2;
		else if ((rc = get_type(p, v, what, &x->granted)))
			return rc;
	}
	if ((v = mt_yaml_get(p, e, "effective"))) {
		snprintf(what, sizeof(what), "%s.effective", where);
		if ((rc = get_type(p, v, what, &x->effective)))
			return rc;
	}
	if (!mapping_node && (x->ok >= 0 || x->granted != -1 || x->effective >= 0))
		return mt_yaml_err_at(p, e, "missing-key",
				      "%s checks ok/granted/effective but has no 'mapping'", where);
	snprintf(what, sizeof(what), "%s.message", where);
	if ((v = mt_yaml_get(p, e, "message")) &&
	    (rc = mt_yaml_get_str(p, v, what, x->message, sizeof(x->message))))
		return rc;
	snprintf(what, sizeof(what), "%s.finding", where);
	if ((v = mt_yaml_get(p, e, "finding")) &&
	    (rc = mt_yaml_get_str(p, v, what, x->finding, sizeof(x->finding))))
		return rc;
	snprintf(what, sizeof(what), "%s.no_finding", where);
	if ((v = mt_yaml_get(p, e, "no_finding")) &&
	    (rc = mt_yaml_get_str(p, v, what, x->no_finding, sizeof(x->no_finding))))
		return rc;
	if ((v = mt_yaml_get(p, e, "mtrr_source"))) {
		if ((rc = mt_yaml_get_word(p, v, "mtrr_source", source_words,
					   MT_ARRAY_SIZE(source_words), &w)))
			return rc;
		snprintf(x->mtrr_source, sizeof(x->mtrr_source), "%s", source_words[w].name);
	}
	return 0;
}

int mt_scenario_parse_expect(struct ps *p, const yaml_node_t *root)
{
	const yaml_node_t *list = mt_yaml_get(p, root, "expect");
	struct mt_scenario *s = p->s;
	int rc;

	if (!list)
		return 0;
	if ((rc = mt_yaml_check_seq(p, list, "expect")))
		return rc;
	for (size_t i = 0; i < mt_yaml_seq_len(list); i++) {
		const yaml_node_t *e = mt_yaml_seq_at(p, list, i);
		char where[32];

		if (i >= MT_MAX_EXPECT)
			return mt_yaml_err_at(p, e, "bad-value", "more than %d expectations",
					      MT_MAX_EXPECT);
		snprintf(where, sizeof(where), "expect[%zu]", i);
		if ((rc = parse_expect_one(p, e, where, &s->expect[s->nexpect])))
			return rc;
		s->nexpect++;
	}
	return 0;
}
