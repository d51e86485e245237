/*
 * scenario_yaml.c - the scenario file loader (DESIGN.md §4).
 *
 * A scenario is YAML: name, platform, hypervisor, firmware, guest, mappings
 * and expect. libyaml's document API builds the node tree (so anchors and
 * aliases work and every node keeps its start mark); this file then walks
 * the tree against a fixed schema and fills struct mt_scenario (model.h).
 *
 * The schema is strict, because a typo in a scenario silently changing the
 * model's answer is worse than an error: every mapping is checked for
 * unknown keys (the message names the closest valid key by edit distance)
 * and duplicate keys before any value is read, and every error names the
 * file, the 1-based line and column of the offending node and a stable code
 * (yaml-syntax, unknown-key, duplicate-key, bad-type, bad-value,
 * missing-key, out-of-range, overlap, unknown-version).
 *
 * Sections are read in a fixed order whatever their order in the file:
 * platform first (so phys_bits is known when addresses are checked against
 * it), then hypervisor, firmware, guest, mappings (so expect can check its
 * mapping indexes). Within the platform, phys_bits is read before memory and
 * devices for the same reason.
 *
 * Typing. libyaml does not resolve implicit scalar types, so this file does,
 * from the raw text of each scalar:
 *  - numbers are the scalar's text through memtype_parse_u64 (0x hex,
 *    decimal, K/M/G/T binary suffixes), plain or quoted;
 *  - booleans are plain true/false (any case); "yes", "on" or a quoted
 *    "true" are bad-type;
 *  - strings are any non-null scalar (so "name: 123" is the string "123");
 *  - versions are the text as written: 6.10 means 6.10 even unquoted,
 *    although YAML would read it as the float 6.1;
 *  - null (empty, ~, null) is accepted for a section or a list and means
 *    "empty", is meaningful for expect.granted (refused), and is bad-type
 *    for every other scalar.
 *
 * Required: name (non-empty), platform.memory, platform.ram with a preset
 * (and only then), guest.kernel (linux) and guest.version, hypervisor.version
 * with kind kvm (and only then), firmware.registers with kind registers (and
 * only then), firmware.version only for ovmf and seabios (absent: 0, the
 * newest modelled). Cross-checks: coco needs kind kvm, tdx an Intel cpu and
 * snp an AMD one; expect entries with ok/granted/effective need a mapping;
 * e820 entries are sorted and disjoint (an intersection is "overlap" at the
 * later entry, disjoint but out of order is bad-value). Lists are capped at
 * their arrays in model.h (bad-value at the first entry too many).
 *
 * Presets (memory: q35 | i440fx) only set platform.machine and
 * platform.ram here, leaving e820 empty: the caller expands them with
 * mt_platform_apply_preset once the firmware is known.
 *
 * The top-level key axes declares parameter sweeps for `memtype matrix`:
 * each axis key (guest.version, firmware, ...) with a list of values. A
 * sweep re-parses the document with one value per axis standing in for
 * the key (mt_scenario_parse_axes installs them as overrides that
 * mt_yaml_get() answers), so each value meets exactly the same schema and
 * diagnostics.
 *
 * This file loads the document and reads the root; the rest lives beside
 * it: scenario_yaml_nodes.c (errors, node access, key checks),
 * scenario_yaml_values.c (typed scalars and spans), scenario_platform.c,
 * scenario_stack.c (hypervisor, firmware, guest), scenario_mappings.c
 * (mappings and expect) and scenario_axes.c.
 */
#include "scenario_yaml.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* The YAML layer's own error: position of the problem, libyaml's words. */
static int yaml_error(struct ps *p, const yaml_parser_t *parser, const char *text, size_t len)
{
	unsigned line = mt_yaml_mark_line(parser->problem_mark),
		 col = mt_yaml_mark_col(parser->problem_mark);
	const char *problem = parser->problem ? parser->problem : "malformed YAML";

	if (parser->error == YAML_MEMORY_ERROR)
		return mt_error_at(p->ctx, -ENOMEM, p->file, 1, 1, "no-memory",
				   "out of memory while reading YAML");
	if (parser->error == YAML_READER_ERROR) {
		/* Reader errors carry a byte offset, not a mark. */
		size_t off = parser->problem_offset < len ? parser->problem_offset : len;
		line = 1;
		col = 1;
		for (size_t i = 0; i < off; i++) {
			if (text[i] == '\n') {
				line = line < UINT_MAX ? line + 1 : line;
				col = 1;
			} else if (((unsigned char)text[i] & 0xc0u) != 0x80u && col < UINT_MAX) {
				col++;
			}
		}
		return mt_error_at(p->ctx, -EINVAL, p->file, line, col, "yaml-syntax",
				   "YAML: %s (byte 0x%02x)", problem,
				   (unsigned)parser->problem_value & 0xffu);
	}
	if (parser->context)
		return mt_error_at(p->ctx, -EINVAL, p->file, line, col, "yaml-syntax",
				   "YAML: %s: %s", parser->context, problem);
	return mt_error_at(p->ctx, -EINVAL, p->file, line, col, "yaml-syntax", "YAML: %s", problem);
}

/* ---------------------------------------------------------------- top level */

static int parse_root(struct ps *p, const yaml_node_t *root)
{
	static const char *const keys[] = {"name",  "platform", "hypervisor", "firmware",
					   "guest", "mappings", "expect",     "axes"};
	const yaml_node_t *v;
	int rc;

	if (root->type != YAML_MAPPING_NODE)
		return mt_yaml_err_at(p, root, "bad-type", "a scenario must be a mapping, not %s",
				      mt_yaml_kind_name(root));
	if ((rc = mt_yaml_check_map(p, root, "the scenario", keys, MT_ARRAY_SIZE(keys))))
		return rc;
	if (!(v = mt_yaml_get(p, root, "name")))
		return mt_yaml_err_at(p, root, "missing-key", "the scenario has no 'name'");
	if ((rc = mt_yaml_get_str(p, v, "name", p->s->name, sizeof(p->s->name))))
		return rc;
	if (!p->s->name[0])
		return mt_yaml_err_at(p, v, "bad-value", "name is empty");
	if ((rc = mt_scenario_parse_axes(p, root)))
		return rc;
	if ((rc = mt_scenario_parse_platform(p, root)) ||
	    (rc = mt_scenario_parse_hypervisor(p, root)) ||
	    (rc = mt_scenario_parse_firmware(p, root)) || (rc = mt_scenario_parse_guest(p, root)) ||
	    (rc = mt_scenario_parse_mappings(p, root)) || (rc = mt_scenario_parse_expect(p, root)))
		return rc;
	return 0;
}

int mt_scenario_parse_yaml(memtype_ctx *ctx, const char *file, const char *text, size_t len,
			   struct mt_scenario *out)
{
	return mt_scenario_parse_yaml_axes(ctx, file, text, len, NULL, NULL, out);
}

int mt_scenario_parse_yaml_axes(memtype_ctx *ctx, const char *file, const char *text, size_t len,
				const size_t *choice, struct mt_axes *axes, struct mt_scenario *out)
{
	struct ps p = {.ctx = ctx, .file = file ? file : "<scenario>", .s = out, .choice = choice,
		       .axes = axes};
	if (axes)
		memset(axes, 0, sizeof(*axes));
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	const yaml_node_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->file, sizeof(out->file), "%s", p.file);
	if (!text) {
		text = "";
		len = 0;
	}
	if (!yaml_parser_initialize(&parser))
		return mt_error_at(ctx, -ENOMEM, p.file, 1, 1, "no-memory",
				   "out of memory starting the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = yaml_error(&p, &parser, text, len);
		yaml_parser_delete(&parser);
		return rc;
	}
	/* The whole stream must be YAML, and one document. */
	if (!yaml_parser_load(&parser, &extra)) {
		rc = yaml_error(&p, &parser, text, len);
		yaml_document_delete(&doc);
		yaml_parser_delete(&parser);
		return rc;
	}
	root = yaml_document_get_root_node(&extra);
	if (root) {
		p.doc = &extra;
		rc = mt_yaml_err_at(
		    &p, root, "yaml-syntax",
		    "a scenario file holds one YAML document; a second one starts here");
	} else {
		p.doc = &doc;
		root = yaml_document_get_root_node(&doc);
		if (!root)
			rc = mt_error_at(ctx, -EINVAL, p.file, 1, 1, "missing-key",
					 "the scenario is empty: it has no 'name'");
		else
			rc = parse_root(&p, root);
	}
	yaml_document_delete(&extra);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}
