/*
 * cli.h - what the memtype command's files share: global options, output
 * helpers and the verbs. The CLI uses only the public memtype.h.
 */
#ifndef MEMTYPE_CLI_H
#define MEMTYPE_CLI_H

#include "memtype.h"

#include <json-c/json.h>
#include <stdio.h>

/* Exit codes, DESIGN.md §3. */
enum {
	EXIT_OK = 0,
	EXIT_FINDINGS = 1,
	EXIT_USAGE = 2,
	EXIT_INPUT = 3,
	EXIT_INTERNAL = 4,
};

struct cli {
	const char *prog;
	bool json, pretty, quiet, verbose;
	int color; /* 0 never, 1 always, -1 auto */
	const char *output;
	FILE *out;
	memtype_ctx *ctx;
};

/*
 * Try argv[*i] as a global option (-j, -p, -o FILE, -q, -v, --color=...).
 * Returns 1 if consumed (advancing *i past any argument), 0 if not a global
 * option, -1 on a usage error already reported.
 */
int cli_global_option(struct cli *cli, int argc, char **argv, int *i);
/*
 * The same plus -h/--help for verb (printing its help). Returns 1 when
 * argv[*i] was consumed, 2 when help was printed (the verb should return
 * EXIT_OK), -1 on a usage error already reported, 0 for a verb option.
 */
int cli_verb_option(struct cli *cli, int argc, char **argv, int *i, const char *verb);

/* Diagnostics on stderr: "memtype: error: CODE: message" or, with a file,
 * "file:line:col: error: CODE: message". */
void cli_usage_error(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_lib_error(const struct cli *cli);

/* Print first then text, wrapped at width columns with continuation lines
 * indented by indent. */
void cli_print_wrapped(FILE *f, const char *first, const char *text, size_t indent, size_t width);
/* Read a whole input file (at most 16 MiB); NULL after reporting why. The
 * caller frees the buffer. */
char *cli_read_file(struct cli *cli, const char *path, size_t *len);
/* Parse a type name for option opt; reports a usage error on failure. */
int cli_parse_type(const struct cli *cli, const char *opt, const char *s, memtype_type *out);
/* The short name of a type ("UC-"). */
const char *cli_type(memtype_type t);
/* "0x..." for a 64-bit value. */
json_object *cli_hex(uint64_t v);
/* Print a JSON document (adds schema_version first when top is an object). */
void cli_print_json(const struct cli *cli, json_object *doc);
/* The notes of a result as JSON strings. */
json_object *cli_notes_json(unsigned notes);
/* The steps of a result as JSON objects {rule, source, inputs, result}. */
json_object *cli_steps_json(const memtype_result *r);
/* Print the steps of a result as indented text lines. */
void cli_print_steps(const struct cli *cli, const memtype_result *r);

int cmd_combine(struct cli *cli, int argc, char **argv);
int cmd_resolve(struct cli *cli, int argc, char **argv);
int cmd_help(struct cli *cli, int argc, char **argv);
int cmd_simulate(struct cli *cli, int argc, char **argv);
int cmd_matrix(struct cli *cli, int argc, char **argv);
/* Verbs that live in their own files (present when the build has them);
 * each file also defines its help text. */
int cmd_explain(struct cli *cli, int argc, char **argv);
int cmd_scan(struct cli *cli, int argc, char **argv);
int cmd_plan(struct cli *cli, int argc, char **argv);
extern const char cli_help_explain[], cli_help_scan[], cli_help_plan[];
int cmd_capture(struct cli *cli, int argc, char **argv);
extern const char cli_help_capture[];
/* The self-contained HTML report of a matrix (html_report.c). 0 or -1 after
 * reporting why. */
int cli_write_matrix_html(struct cli *cli, const memtype_matrix *m, const char *path);
/* Print the help of one verb (or the overview for NULL); 0 if known. */
int cli_print_help(FILE *f, const char *verb);

#endif /* MEMTYPE_CLI_H */
