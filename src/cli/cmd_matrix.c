/*
 * cmd_matrix.c - `memtype matrix`: the compatibility matrix, the main job.
 *
 * Prints one table per TPM description (rows firmware x kernel, columns
 * platform; 100 columns wide), each cell a verdict with a key to its
 * one-line reason listed under the table; -j prints axes and cells; --html
 * writes the self-contained report with one SVG per cell (html_report.c).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { AX_FIRMWARE, AX_PLATFORM, AX_KERNEL, AX_TPM };

static const char *short_verdict(const char *v)
{
	if (!strcmp(v, "conflict"))
		return "CONFL";
	if (!strcmp(v, "unsafe"))
		return "UNSAFE";
	if (!strcmp(v, "undefined"))
		return "UNDEF";
	if (!strcmp(v, "n/a"))
		return "-";
	return v;
}

static const char *colour(const char *v)
{
	if (!strcmp(v, "ok"))
		return "\033[32m";
	if (!strcmp(v, "conflict"))
		return "\033[1;31m";
	if (!strcmp(v, "unsafe"))
		return "\033[35m";
	if (!strcmp(v, "slow"))
		return "\033[33m";
	if (!strcmp(v, "n/a"))
		return "\033[2m";
	return "\033[36m";
}

/* Short column headers so 8 platforms fit in 100 columns: "vmx-6.10-nc"
 * reads "v610nc" (the full names are listed under the table). */
static void header_name(const char *v, char *buf, size_t n)
{
	size_t k = 0;
	if (!strncmp(v, "vmx-", 4)) {
		buf[k++] = 'v';
		v += 4;
	}
	for (; *v && k + 1 < n && k < 7; v++)
		if (*v != '-' && *v != '.')
			buf[k++] = *v;
	buf[k] = '\0';
}

static size_t cell_index(const memtype_matrix *m, const size_t *c)
{
	size_t i = 0;
	for (size_t a = 0; a < memtype_matrix_axis_count(m); a++)
		i = i * memtype_matrix_axis_size(m, a) + c[a];
	return i;
}

static void print_tables(struct cli *cli, const memtype_matrix *m)
{
	FILE *o = cli->out;
	bool col = cli->color == 1 || (cli->color < 0 && cli->out == stdout && isatty(1));
	size_t nf = memtype_matrix_axis_size(m, AX_FIRMWARE);
	size_t np = memtype_matrix_axis_size(m, AX_PLATFORM);
	size_t nk = memtype_matrix_axis_size(m, AX_KERNEL);
	size_t nt = memtype_matrix_axis_size(m, AX_TPM);
	size_t n = memtype_matrix_cell_count(m);
	const char **reasons = calloc(n, sizeof(*reasons));
	size_t nreasons = 0;
	if (!reasons)
		return;

	for (size_t t = 0; t < nt; t++) {
		char first[64];
		snprintf(first, sizeof(first), "\ntpm=%s:", memtype_matrix_axis_value(m, AX_TPM, t));
		cli_print_wrapped(o, first, memtype_matrix_axis_doc(m, AX_TPM, t), 4, 100);
		fputc('\n', o);
		fprintf(o, "%-30s", "firmware / kernel");
		for (size_t p = 0; p < np; p++) {
			char h[16];
			header_name(memtype_matrix_axis_value(m, AX_PLATFORM, p), h, sizeof(h));
			fprintf(o, " %-7s", h);
		}
		fputc('\n', o);
		size_t first_reason = nreasons;
		for (size_t f = 0; f < nf; f++) {
			for (size_t k = 0; k < nk; k++) {
				char label[64];
				snprintf(label, sizeof(label), "%s %s",
					 memtype_matrix_axis_value(m, AX_FIRMWARE, f),
					 memtype_matrix_axis_value(m, AX_KERNEL, k));
				fprintf(o, "%-30s", label);
				for (size_t p = 0; p < np; p++) {
					size_t c[4] = { f, p, k, t };
					memtype_matrix_cell cell;
					memtype_matrix_get_cell(m, cell_index(m, c), &cell);
					size_t r = first_reason;
					while (r < nreasons && strcmp(reasons[r], cell.reason))
						r++;
					if (r == nreasons)
						reasons[nreasons++] = cell.reason;
					char txt[16];
					if (!strcmp(cell.verdict, "n/a"))
						snprintf(txt, sizeof(txt), "-");
					else
						snprintf(txt, sizeof(txt), "%s%zu",
							 short_verdict(cell.verdict),
							 r - first_reason + 1);
					if (col)
						fprintf(o, " %s%-7s\033[0m", colour(cell.verdict), txt);
					else
						fprintf(o, " %-7s", txt);
				}
				fputc('\n', o);
			}
		}
		fputs("\nreasons:\n", o);
		for (size_t r = first_reason; r < nreasons; r++) {
			char first[32];
			snprintf(first, sizeof(first), "  %2zu:", r - first_reason + 1);
			cli_print_wrapped(o, first, reasons[r], 6, 100);
		}
	}
	free(reasons);

	size_t count[6] = { 0 };
	static const char *const names[] = { "ok", "conflict", "slow", "unsafe", "undefined", "n/a" };
	for (size_t i = 0; i < n; i++) {
		memtype_matrix_cell cell;
		memtype_matrix_get_cell(m, i, &cell);
		for (size_t v = 0; v < 6; v++)
			count[v] += !strcmp(cell.verdict, names[v]);
	}
	fprintf(o, "\n%zu cells:", n);
	for (size_t v = 0; v < 6; v++)
		fprintf(o, " %zu %s%s", count[v], names[v], v < 5 ? "," : "\n");
	fputs("\nplatforms:\n", o);
	for (size_t p = 0; p < np; p++)
	{
		char first[40];
		snprintf(first, sizeof(first), "  %-12s", memtype_matrix_axis_value(m, AX_PLATFORM, p));
		cli_print_wrapped(o, first, memtype_matrix_axis_doc(m, AX_PLATFORM, p), 15, 100);
	}
	fputs("kernels:\n", o);
	for (size_t k = 0; k < nk; k++)
	{
		char first[40];
		snprintf(first, sizeof(first), "  %-19s", memtype_matrix_axis_value(m, AX_KERNEL, k));
		cli_print_wrapped(o, first, memtype_matrix_axis_doc(m, AX_KERNEL, k), 22, 100);
	}
	fputs("firmware:\n", o);
	for (size_t f = 0; f < nf; f++)
	{
		char first[40];
		snprintf(first, sizeof(first), "  %-12s", memtype_matrix_axis_value(m, AX_FIRMWARE, f));
		cli_print_wrapped(o, first, memtype_matrix_axis_doc(m, AX_FIRMWARE, f), 15, 100);
	}
}

/* A sweep's table: rows are the combinations of every axis but the last,
 * columns the last axis's values, each cell its verdict and reason key. */
static void print_sweep(struct cli *cli, const memtype_matrix *m)
{
	FILE *o = cli->out;
	bool col = cli->color == 1 || (cli->color < 0 && cli->out == stdout && isatty(1));
	size_t na = memtype_matrix_axis_count(m), n = memtype_matrix_cell_count(m);
	size_t ncol = na ? memtype_matrix_axis_size(m, na - 1) : 1;
	size_t width = 8;
	for (size_t k = 0; na && k < ncol; k++)
		if (strlen(memtype_matrix_axis_value(m, na - 1, k)) + 1 > width)
			width = strlen(memtype_matrix_axis_value(m, na - 1, k)) + 1;
	const char **reasons = calloc(n, sizeof(*reasons));
	size_t nreasons = 0;
	if (!reasons)
		return;
	char head[256] = "";
	size_t used = 0;
	for (size_t a = 0; a + 1 < na; a++)
		used += (size_t)snprintf(head + used, sizeof(head) - used, "%s%s", a ? " / " : "",
					 memtype_matrix_axis_name(m, a));
	/* The row label column fits the longest label. */
	size_t lw = strlen(head);
	for (size_t i = 0; i < n; i += ncol) {
		memtype_matrix_cell cell;
		size_t l = 0;
		memtype_matrix_get_cell(m, i, &cell);
		for (size_t a = 0; a + 1 < na; a++)
			l += strlen(memtype_matrix_axis_value(m, a, cell.coord[a])) + (a ? 1 : 0);
		if (l > lw)
			lw = l;
	}
	fprintf(o, "%-*s", (int)lw, head);
	for (size_t k = 0; k < ncol; k++)
		fprintf(o, " %-*s", (int)width - 1, na ? memtype_matrix_axis_value(m, na - 1, k) : "verdict");
	fputc('\n', o);
	for (size_t i = 0; i < n; i += ncol) {
		memtype_matrix_cell cell;
		memtype_matrix_get_cell(m, i, &cell);
		char label[256] = "";
		used = 0;
		for (size_t a = 0; a + 1 < na; a++)
			used += (size_t)snprintf(label + used, sizeof(label) - used, "%s%s", a ? " " : "",
						 memtype_matrix_axis_value(m, a, cell.coord[a]));
		fprintf(o, "%-*s", (int)lw, label);
		for (size_t k = 0; k < ncol; k++) {
			memtype_matrix_get_cell(m, i + k, &cell);
			size_t r = 0;
			while (r < nreasons && strcmp(reasons[r], cell.reason))
				r++;
			if (r == nreasons)
				reasons[nreasons++] = cell.reason;
			char txt[32];
			snprintf(txt, sizeof(txt), "%s%zu", short_verdict(cell.verdict), r + 1);
			if (col)
				fprintf(o, " %s%-*s\033[0m", colour(cell.verdict), (int)width - 1, txt);
			else
				fprintf(o, " %-*s", (int)width - 1, txt);
		}
		fputc('\n', o);
	}
	fputs("\nreasons:\n", o);
	for (size_t r = 0; r < nreasons; r++) {
		char first[32];
		snprintf(first, sizeof(first), "  %2zu:", r + 1);
		cli_print_wrapped(o, first, reasons[r], 6, 100);
	}
	free(reasons);
}

static void print_json(struct cli *cli, const memtype_matrix *m)
{
	json_object *doc = json_object_new_object();
	json_object_object_add(doc, "schema_version", json_object_new_int(1));
	json_object *axes = json_object_new_array();
	size_t na = memtype_matrix_axis_count(m);
	for (size_t a = 0; a < na; a++) {
		json_object *ax = json_object_new_object();
		json_object_object_add(ax, "name", json_object_new_string(memtype_matrix_axis_name(m, a)));
		json_object *vals = json_object_new_array();
		for (size_t k = 0; k < memtype_matrix_axis_size(m, a); k++) {
			json_object *v = json_object_new_object();
			json_object_object_add(v, "name", json_object_new_string(memtype_matrix_axis_value(m, a, k)));
			json_object_object_add(v, "doc", json_object_new_string(memtype_matrix_axis_doc(m, a, k)));
			json_object_array_add(vals, v);
		}
		json_object_object_add(ax, "values", vals);
		json_object_array_add(axes, ax);
	}
	json_object_object_add(doc, "axes", axes);
	json_object *cells = json_object_new_array();
	for (size_t i = 0; i < memtype_matrix_cell_count(m); i++) {
		memtype_matrix_cell c;
		memtype_matrix_get_cell(m, i, &c);
		json_object *o = json_object_new_object();
		for (size_t a = 0; a < na; a++)
			json_object_object_add(o, memtype_matrix_axis_name(m, a),
					       json_object_new_string(memtype_matrix_axis_value(m, a, c.coord[a])));
		json_object_object_add(o, "verdict", json_object_new_string(c.verdict));
		json_object_object_add(o, "reason", json_object_new_string(c.reason));
		json_object *codes = json_object_new_array();
		for (size_t k = 0; k < c.ncodes; k++)
			json_object_array_add(codes, json_object_new_string(c.codes[k]));
		json_object_object_add(o, "findings", codes);
		json_object_object_add(o, "orders", json_object_new_int((int)c.orders));
		json_object_object_add(o, "failing_orders", json_object_new_int((int)c.failing_orders));
		json_object_array_add(cells, o);
	}
	json_object_object_add(doc, "cells", cells);
	cli_print_json(cli, doc);
	json_object_put(doc);
}

/* Options; scenario files go to files[] (sized argc by the caller). 0 to
 * run, 1 when help was printed, -1 on a usage error (reported). */
static int parse_args(struct cli *cli, int argc, char **argv, const char **html,
		      const char **files, int *nfiles)
{
	for (int i = 1; i < argc; i++) {
		int g = cli_verb_option(cli, argc, argv, &i, "matrix");
		if (g < 0)
			return -1;
		if (g == 2)
			return 1;
		if (g > 0)
			continue;
		if (!strcmp(argv[i], "--html")) {
			if (i + 1 >= argc) {
				cli_usage_error(cli, "--html needs a file name");
				return -1;
			}
			*html = argv[++i];
			continue;
		}
		if (argv[i][0] == '-') {
			cli_usage_error(cli, "matrix: unknown option '%s' (see 'memtype help matrix')",
					argv[i]);
			return -1;
		}
		files[(*nfiles)++] = argv[i];
	}
	return 0;
}

/* Load the scenario files into scs[]. EXIT_OK or EXIT_INPUT (reported). */
static int load_all(struct cli *cli, const char **files, int nfiles, memtype_scenario **scs)
{
	for (int f = 0; f < nfiles; f++) {
		size_t len;
		char *text = cli_read_file(cli, files[f], &len);
		if (!text)
			return EXIT_INPUT;
		int rc = memtype_scenario_load(cli->ctx, files[f], text, len, &scs[f]);
		free(text);
		if (rc) {
			cli_lib_error(cli);
			return EXIT_INPUT;
		}
	}
	return EXIT_OK;
}

int cmd_matrix(struct cli *cli, int argc, char **argv)
{
	const char *html = NULL;
	const char **files = calloc((size_t)argc, sizeof(*files));
	memtype_scenario **scs = calloc((size_t)argc, sizeof(*scs));
	memtype_matrix *m = NULL;
	int nfiles = 0, rc = EXIT_INTERNAL;
	if (!files || !scs)
		goto out;
	int pr = parse_args(cli, argc, argv, &html, files, &nfiles);
	if (pr) {
		rc = pr > 0 ? EXIT_OK : EXIT_USAGE;
		goto out;
	}
	rc = load_all(cli, files, nfiles, scs);
	if (rc != EXIT_OK)
		goto out;
	if (nfiles ? memtype_matrix_sweep(cli->ctx, (const memtype_scenario *const *)scs,
					  (size_t)nfiles, &m)
		   : memtype_matrix_builtin(cli->ctx, &m)) {
		cli_lib_error(cli);
		rc = EXIT_INPUT;
		goto out;
	}
	if (cli->json)
		print_json(cli, m);
	else if (nfiles)
		print_sweep(cli, m);
	else
		print_tables(cli, m);
#ifdef MEMTYPE_HAVE_HTML
	if (html && cli_write_matrix_html(cli, m, html) != 0)
		rc = EXIT_INPUT;
#else
	if (html) {
		fprintf(stderr, "memtype: error: unsupported: this build has no HTML report\n");
		rc = EXIT_INTERNAL;
	}
#endif
	if (rc == EXIT_OK && html && !cli->json && !cli->quiet)
		fprintf(cli->out, "\nwrote %s\n", html);
out:
	memtype_matrix_free(m);
	for (int f = 0; scs && f < nfiles; f++)
		memtype_scenario_free(scs[f]);
	free(scs);
	free(files);
	return rc;
}
