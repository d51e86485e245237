/*
 * cmd_explain.h - what the files of `memtype explain` share with each other
 * and with `memtype scan` (cmd_scan.c): the capture reader, the JSON
 * builder, the text report, and the walk over a map's runs.
 */
#ifndef MEMTYPE_CMD_EXPLAIN_H
#define MEMTYPE_CMD_EXPLAIN_H

#include "cli.h"

/* Stream the file at path ("-": standard input) into a finished capture.
 * 0, or a negative errno with *out NULL and the reason in why -- empty when
 * the library gave it, on the context (cmd_explain.c). */
int explain_read_capture(memtype_ctx *ctx, const char *path, memtype_capture_format fmt,
			 memtype_capture **out, char *why, size_t whyn);
/* The `explain -j` object as one line of text (malloc'd, *len bytes), or
 * NULL when out of memory (cmd_explain_json.c). */
char *explain_to_json(const memtype_explain_info *info, size_t *len);
/* The report of `memtype explain` without -j, on cli->out (cmd_explain_text.c). */
void explain_print_text(struct cli *cli, const memtype_explain_info *info);
/* Call fn for each run of map pieces of one type (cmd_explain.c). */
void explain_map_runs(const memtype_map *map, void (*fn)(void *ud, const memtype_range *r),
		      void *ud);

#endif /* MEMTYPE_CMD_EXPLAIN_H */
