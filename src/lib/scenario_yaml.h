/*
 * scenario_yaml.h - what the scenario loader's files share: the parse
 * state, the error and node helpers over libyaml's document tree, the typed
 * value readers, and one parser per top-level section. Only the scenario
 * loader's files (scenario_yaml.c, scenario_*.c) include it; the rest of
 * the library reaches the loader through model.h.
 */
#ifndef MEMTYPE_SCENARIO_YAML_H
#define MEMTYPE_SCENARIO_YAML_H

#include "model.h"

#include <yaml.h>

/* One axis value in force: mt_yaml_get(parent, key) answers value instead. */
struct override {
	const yaml_node_t *parent;
	const char *key;
	const yaml_node_t *value;
};

/* The parse state: the document being read, the scenario being filled,
 * and the axis values in force. */
struct ps {
	memtype_ctx *ctx;
	const char *file;
	yaml_document_t *doc;
	struct mt_scenario *s;
	const size_t *choice; /* one value index per axis, or NULL: no overrides */
	struct mt_axes *axes; /* filled with the declared axes, or NULL */
	struct override ov[MT_MAX_AXES];
	unsigned nov;
};

/* A named value of a keyword set. */
struct word {
	const char *name;
	int value;
};

/* An address range read from start plus size or end. */
struct span {
	uint64_t start, end;	       /* inclusive */
	const yaml_node_t *start_node; /* for errors about the start */
	const yaml_node_t *end_node;   /* the size or end node, for errors about the end */
};

/* scenario_yaml_nodes.c: errors, node access and the schema checks. */
/* 1-based line and column of a mark, for messages. */
unsigned mt_yaml_mark_line(yaml_mark_t m);
unsigned mt_yaml_mark_col(yaml_mark_t m);
/* Record a bad-input error (-EINVAL) at node n's position; returns it. */
int mt_yaml_err_at(struct ps *p, const yaml_node_t *n, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The length to print of a scalar: up to the first NUL, at most SHOW
 * (scenario_yaml_nodes.c) bytes. SCALAR_FMT and SCALAR_ARGS print it. */
int mt_yaml_show_len(const yaml_node_t *n);

#define SCALAR_FMT "'%.*s%s'"
#define SCALAR_ARGS(n)                                                                             \
	mt_yaml_show_len(n), (const char *)(n)->data.scalar.value,                                 \
	    (n)->data.scalar.length > (size_t)mt_yaml_show_len(n) ? "..." : ""

yaml_node_t *mt_yaml_node(struct ps *p, int id);
bool mt_yaml_scalar_is(const yaml_node_t *n, const char *word);
/* Empty, ~ or null, unquoted. */
bool mt_yaml_is_null(const yaml_node_t *n);
/* "null", "a list", "a mapping" or "a scalar", for messages. */
const char *mt_yaml_kind_name(const yaml_node_t *n);
/*
 * Check that n is a mapping (or null: empty) whose keys are scalars among
 * keys[], each at most once. where names it in messages ("platform").
 */
int mt_yaml_check_map(struct ps *p, const yaml_node_t *n, const char *where,
		      const char *const *keys, size_t nkeys);
/* The value of key in a mapping checked by mt_yaml_check_map (or the axis
 * value standing in for it), or NULL. */
yaml_node_t *mt_yaml_get(struct ps *p, const yaml_node_t *n, const char *key);
/* A list (or null: empty). */
int mt_yaml_check_seq(struct ps *p, const yaml_node_t *n, const char *where);
size_t mt_yaml_seq_len(const yaml_node_t *n);
yaml_node_t *mt_yaml_seq_at(struct ps *p, const yaml_node_t *n, size_t i);

/* scenario_yaml_values.c: typed scalars and address spans; what names the
 * value in messages. */
/* A non-null scalar, else bad-type naming what was expected. */
int mt_yaml_want_scalar(struct ps *p, const yaml_node_t *n, const char *what, const char *expected);
int mt_yaml_get_str(struct ps *p, const yaml_node_t *n, const char *what, char *buf, size_t cap);
int mt_yaml_get_u64(struct ps *p, const yaml_node_t *n, const char *what, uint64_t *out);
int mt_yaml_get_bool(struct ps *p, const yaml_node_t *n, const char *what, bool *out);
/* One of words[] (case-insensitive); else bad-value listing them. */
int mt_yaml_get_word(struct ps *p, const yaml_node_t *n, const char *what, const struct word *words,
		     size_t nwords, int *out);
/* start plus exactly one of size and end, in the mapping n (noun: "mapping"). */
int mt_yaml_get_span(struct ps *p, const yaml_node_t *n, const char *where, const char *noun,
		     struct span *sp);
/* The span lies below 2^phys_bits. */
int mt_yaml_check_span_limit(struct ps *p, const struct span *sp, const char *noun);

/* One parser per section, each filling its part of p->s from the document
 * root (missing optional sections get their defaults). */
/* scenario_platform.c */
int mt_scenario_parse_platform(struct ps *p, const yaml_node_t *root);
/* scenario_stack.c */
int mt_scenario_parse_hypervisor(struct ps *p, const yaml_node_t *root);
int mt_scenario_parse_firmware(struct ps *p, const yaml_node_t *root);
int mt_scenario_parse_guest(struct ps *p, const yaml_node_t *root);
/* scenario_mappings.c */
int mt_scenario_parse_mappings(struct ps *p, const yaml_node_t *root);
int mt_scenario_parse_expect(struct ps *p, const yaml_node_t *root);
/* scenario_axes.c: read axes and, with a choice, install the overrides. */
int mt_scenario_parse_axes(struct ps *p, const yaml_node_t *root);

#endif /* MEMTYPE_SCENARIO_YAML_H */
