/*
 * scenario_axes.c - the axes key: the parameter sweeps of `memtype matrix`,
 * recorded for the caller and, for one choice of values, installed as the
 * overrides that mt_yaml_get() answers. Separate because sweeping is not
 * part of describing one machine: every other section reads the document
 * the same way with or without it.
 */
#include "scenario_yaml.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- axes */

/* The keys an axis may sweep: a whole section, or one key of a section
 * (docs/scenario-format.md "axes"). */
static const char *const axis_paths[] = {
	"platform.cpu",	     "platform.phys_bits",    "platform.ram",
	"hypervisor",	     "hypervisor.kind",	      "hypervisor.version",
	"hypervisor.coco",   "hypervisor.noncoherent_dma", "firmware",
	"firmware.kind",     "firmware.version",      "guest",
	"guest.version",     "guest.patches",	      "guest.cmdline",
};

/* A short text for an axis value: the scalar, or the flow-style node. */
static void value_text(struct ps *p, const yaml_node_t *n, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	if (n->type == YAML_SCALAR_NODE) {
		snprintf(buf, cap, "%.*s", (int)n->data.scalar.length, (const char *)n->data.scalar.value);
		return;
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		used += (size_t)snprintf(buf + used, cap - used, "[");
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top && used < cap; i++) {
			char one[64];
			const yaml_node_t *e = mt_yaml_node(p, *i);
			if (e)
				value_text(p, e, one, sizeof(one));
			used += (size_t)snprintf(buf + used, cap - used, "%s%s",
						 i == n->data.sequence.items.start ? "" : " ", e ? one : "");
		}
		if (used < cap)
			snprintf(buf + used, cap - used, "]");
		return;
	}
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start;
	     a < n->data.mapping.pairs.top && used < cap; a++) {
		char k[32], v[64];
		const yaml_node_t *kn = mt_yaml_node(p, a->key), *vn = mt_yaml_node(p, a->value);
		if (!kn || !vn)
			continue;
		value_text(p, kn, k, sizeof(k));
		value_text(p, vn, v, sizeof(v));
		used += (size_t)snprintf(buf + used, cap - used, "%s%s=%s",
					 a == n->data.mapping.pairs.start ? "" : " ", k, v);
	}
}

/* Read axes: {PATH: [value, ...], ...}; record them in p->axes and, with a
 * choice, install one value per axis as an override of PATH. */
int mt_scenario_parse_axes(struct ps *p, const yaml_node_t *root)
{
	const yaml_node_t *n = mt_yaml_get(p, root, "axes");
	if (!n)
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return mt_yaml_err_at(p, n, "bad-type",
				      "axes must be a mapping of key -> list of values, not %s",
				      mt_yaml_kind_name(n));
	unsigned k = 0;
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top;
	     a++, k++) {
		const yaml_node_t *key = mt_yaml_node(p, a->key), *vals = mt_yaml_node(p, a->value);
		char path[MT_NAME_MAX];
		if (!key || !vals || key->type != YAML_SCALAR_NODE)
			return mt_yaml_err_at(p, key ? key : n, "bad-type",
					      "an axis name must be a key such as guest.version");
		if (k >= MT_MAX_AXES)
			return mt_yaml_err_at(p, key, "bad-value", "more than %u axes",
					      MT_MAX_AXES);
		value_text(p, key, path, sizeof(path));
		size_t w = 0;
		while (w < MT_ARRAY_SIZE(axis_paths) && strcmp(axis_paths[w], path) != 0)
			w++;
		if (w == MT_ARRAY_SIZE(axis_paths)) {
			char list[400] = "";
			size_t used = 0;
			for (size_t i = 0; i < MT_ARRAY_SIZE(axis_paths); i++)
				used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
							 i ? ", " : "", axis_paths[i]);
			return mt_yaml_err_at(p, key, "unknown-key",
					      "axis '%s' cannot be swept (axes: %s)", path, list);
		}
		if (vals->type != YAML_SEQUENCE_NODE || mt_yaml_seq_len(vals) == 0)
			return mt_yaml_err_at(p, vals, "bad-type",
					      "axis '%s' needs a non-empty list of values", path);
		if (mt_yaml_seq_len(vals) > MT_AXIS_MAX_VALUES)
			return mt_yaml_err_at(p, vals, "bad-value",
					      "axis '%s' has more than %u values", path,
					      MT_AXIS_MAX_VALUES);
		if (p->axes) {
			struct mt_axis *ax = &p->axes->axis[k];
			snprintf(ax->key, sizeof(ax->key), "%s", path);
			ax->nvalues = (unsigned)mt_yaml_seq_len(vals);
			for (unsigned v = 0; v < ax->nvalues; v++)
				value_text(p, mt_yaml_seq_at(p, vals, v), ax->value[v],
					   sizeof(ax->value[v]));
			p->axes->n = k + 1;
		}
		if (!p->choice)
			continue;
		/* The section the key lives in must be in the file. */
		const yaml_node_t *parent = root;
		const char *leaf = axis_paths[w];
		const char *dot = strchr(axis_paths[w], '.');
		if (dot) {
			char section[16];
			snprintf(section, sizeof(section), "%.*s", (int)(dot - axis_paths[w]), axis_paths[w]);
			parent = mt_yaml_get(p, root, section);
			if (!parent || parent->type != YAML_MAPPING_NODE)
				return mt_yaml_err_at(
				    p, key, "missing-key",
				    "axis '%s' needs a '%s' mapping in the scenario", path,
				    section);
			leaf = dot + 1;
		}
		if (p->choice[k] >= mt_yaml_seq_len(vals))
			return mt_yaml_err_at(p, vals, "bad-value", "axis '%s' has no value %zu",
					      path, p->choice[k]);
		p->ov[p->nov++] =
		    (struct override){parent, leaf, mt_yaml_seq_at(p, vals, p->choice[k])};
	}
	return 0;
}
