/*
 * cmd_combine.c - `memtype combine`: the architecture rules alone.
 *
 * With no type given it prints the full MTRR x PAT tables of both vendors
 * (what `make demo` shows until the matrix exists); with --mtrr/--pat one
 * cell, with --ept (and --ipat) the EPT rule, with --gpat/--hpat/--mtrr the
 * AMD nested-paging rule. Every answer says which table decided it.
 */
#include "cli.h"

#include <string.h>

static const memtype_type mtrr_types[] = {MEMTYPE_UC, MEMTYPE_WC, MEMTYPE_WT, MEMTYPE_WP,
					  MEMTYPE_WB};
static const memtype_type pat_types[] = {MEMTYPE_UC, MEMTYPE_UC_MINUS, MEMTYPE_WC,
					 MEMTYPE_WT, MEMTYPE_WP,       MEMTYPE_WB};
#define NMTRR (sizeof(mtrr_types) / sizeof(mtrr_types[0]))
#define NPAT  (sizeof(pat_types) / sizeof(pat_types[0]))

static const char *cpu_name(memtype_cpu cpu)
{
	return cpu == MEMTYPE_CPU_AMD ? "amd" : "intel";
}

/* A table cell as text: the type plus a marker for its note. */
static void cell_text(const memtype_result *r, char *buf, size_t n)
{
	const char *mark = "";
	if (r->notes & MEMTYPE_NOTE_AMD_CD)
		mark = "(CD)";
	else if (r->notes & MEMTYPE_NOTE_UC_FROM_MTRR)
		mark = "^1";
	else if (r->notes & MEMTYPE_NOTE_UC_FROM_PAT)
		mark = (r->notes & MEMTYPE_NOTE_FORMERLY_UNDEF) ? "^2,3" : "^2";
	else if (r->notes & MEMTYPE_NOTE_FORMERLY_UNDEF)
		mark = "^3";
	snprintf(buf, n, "%s%s", cli_type(r->type), mark);
}

static void print_table_text(struct cli *cli, memtype_cpu cpu)
{
	FILE *o = cli->out;
	memtype_result r;
	memtype_combine_mtrr_pat(cpu, MEMTYPE_WB, MEMTYPE_WB, false, &r);
	fprintf(o, "%s: effective memory type, rows MTRR type, columns PAT entry type\n  [%s]\n\n",
		cpu == MEMTYPE_CPU_AMD ? "AMD" : "Intel", r.steps[0].source);
	fprintf(o, "  %-9s", "MTRR\\PAT");
	for (size_t c = 0; c < NPAT; c++)
		fprintf(o, "%-9s", cli_type(pat_types[c]));
	fputc('\n', o);
	for (size_t m = 0; m < NMTRR; m++) {
		fprintf(o, "  %-9s", cli_type(mtrr_types[m]));
		for (size_t c = 0; c < NPAT; c++) {
			char cell[16];
			memtype_combine_mtrr_pat(cpu, mtrr_types[m], pat_types[c], false, &r);
			cell_text(&r, cell, sizeof(cell));
			fprintf(o, "%-9s", cell);
		}
		fputc('\n', o);
	}
	if (cpu == MEMTYPE_CPU_INTEL)
		fputs("\n  ^1 UC decided by the MTRR; ^2 UC from the page tables (caches still "
		      "checked);\n  ^3 once documented as undefined, as all PAT+MTRR processors "
		      "behave.\n\n",
		      o);
	else
		fputs("\n  (CD): AMD's CD type, reported as UC: uncacheable, with caches still "
		      "probed\n  (written back and invalidated on a hit).\n",
		      o);
}

static json_object *table_json(memtype_cpu cpu)
{
	json_object *t = json_object_new_object();
	memtype_result r;
	memtype_combine_mtrr_pat(cpu, MEMTYPE_WB, MEMTYPE_WB, false, &r);
	json_object_object_add(t, "cpu", json_object_new_string(cpu_name(cpu)));
	json_object_object_add(t, "source", json_object_new_string(r.steps[0].source));
	json_object *cells = json_object_new_array();
	for (size_t m = 0; m < NMTRR; m++) {
		for (size_t c = 0; c < NPAT; c++) {
			memtype_combine_mtrr_pat(cpu, mtrr_types[m], pat_types[c], false, &r);
			json_object *o = json_object_new_object();
			json_object_object_add(o, "mtrr",
					       json_object_new_string(cli_type(mtrr_types[m])));
			json_object_object_add(o, "pat",
					       json_object_new_string(cli_type(pat_types[c])));
			json_object_object_add(o, "type", json_object_new_string(cli_type(r.type)));
			json_object_object_add(o, "notes", cli_notes_json(r.notes));
			json_object_array_add(cells, o);
		}
	}
	json_object_object_add(t, "cells", cells);
	return t;
}

struct combine_args {
	memtype_cpu cpu;
	bool have_mtrr, have_pat, have_ept, have_gpat, have_hpat;
	bool ipat, cd, host_cd, cpu_given;
	memtype_type mtrr, pat, ept, gpat, hpat;
};

static int parse_args(struct cli *cli, int argc, char **argv, struct combine_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		int g = cli_verb_option(cli, argc, argv, &i, "combine");
		if (g < 0)
			return -1;
		if (g == 2)
			return 1;
		if (g > 0)
			continue;
		if (!strcmp(o, "--ipat")) {
			a->ipat = true;
			continue;
		}
		if (!strcmp(o, "--cd")) {
			a->cd = true;
			continue;
		}
		if (!strcmp(o, "--host-cd")) {
			a->host_cd = true;
			continue;
		}
		struct {
			const char *name;
			bool *have;
			memtype_type *t;
		} typed[] = {
		    {"--mtrr", &a->have_mtrr, &a->mtrr}, {"--pat", &a->have_pat, &a->pat},
		    {"--ept", &a->have_ept, &a->ept},	 {"--gpat", &a->have_gpat, &a->gpat},
		    {"--hpat", &a->have_hpat, &a->hpat},
		};
		bool done = false;
		for (size_t k = 0; k < sizeof(typed) / sizeof(typed[0]) && !done; k++) {
			if (strcmp(o, typed[k].name))
				continue;
			if (i + 1 >= argc) {
				cli_usage_error(cli, "%s needs a memory type", o);
				return -1;
			}
			if (cli_parse_type(cli, o, argv[++i], typed[k].t))
				return -1;
			*typed[k].have = true;
			done = true;
		}
		if (done)
			continue;
		if (!strcmp(o, "--cpu")) {
			if (i + 1 >= argc) {
				cli_usage_error(cli, "--cpu needs intel or amd");
				return -1;
			}
			const char *v = argv[++i];
			if (!strcmp(v, "intel"))
				a->cpu = MEMTYPE_CPU_INTEL;
			else if (!strcmp(v, "amd"))
				a->cpu = MEMTYPE_CPU_AMD;
			else {
				cli_usage_error(cli, "--cpu takes intel or amd, not '%s'", v);
				return -1;
			}
			a->cpu_given = true;
			continue;
		}
		cli_usage_error(cli, "combine: unknown argument '%s' (see 'memtype help combine')",
				o);
		return -1;
	}
	return 0;
}

static int emit_result(struct cli *cli, const char *mode, const struct combine_args *a,
		       const memtype_result *r)
{
	if (cli->json) {
		json_object *doc = json_object_new_object();
		json_object_object_add(doc, "schema_version", json_object_new_int(1));
		json_object_object_add(doc, "mode", json_object_new_string(mode));
		json_object_object_add(doc, "cpu", json_object_new_string(cpu_name(a->cpu)));
		json_object_object_add(doc, "type", json_object_new_string(cli_type(r->type)));
		json_object_object_add(doc, "notes", cli_notes_json(r->notes));
		json_object_object_add(doc, "why", cli_steps_json(r));
		cli_print_json(cli, doc);
		json_object_put(doc);
	} else {
		fprintf(cli->out, "%s\n", cli_type(r->type));
		if (!cli->quiet)
			cli_print_steps(cli, r);
	}
	return r->type == MEMTYPE_UNDEFINED ? EXIT_FINDINGS : EXIT_OK;
}

int cmd_combine(struct cli *cli, int argc, char **argv)
{
	struct combine_args a = {.cpu = MEMTYPE_CPU_INTEL};
	int rc = parse_args(cli, argc, argv, &a);
	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	memtype_result r;

	if (a.have_gpat || a.have_hpat) {
		/* AMD nested paging. */
		if (!(a.have_gpat && a.have_hpat && a.have_mtrr) || a.have_pat || a.have_ept) {
			cli_usage_error(
			    cli,
			    "nested paging needs --gpat, --hpat and --mtrr (and no --pat/--ept)");
			return EXIT_USAGE;
		}
		if (a.cpu_given && a.cpu != MEMTYPE_CPU_AMD) {
			cli_usage_error(cli, "--gpat/--hpat describe AMD nested paging: use --cpu "
					     "amd or omit --cpu");
			return EXIT_USAGE;
		}
		a.cpu = MEMTYPE_CPU_AMD;
		if (memtype_npt_effective(a.gpat, a.hpat, a.mtrr, a.cd, a.host_cd, &r)) {
			cli_usage_error(cli, "--gpat/--hpat take PAT types (UC UC- WC WT WP WB) "
					     "and --mtrr an MTRR type (UC WC WT WP WB)");
			return EXIT_USAGE;
		}
		return emit_result(cli, "npt", &a, &r);
	}
	if (a.have_ept) {
		if (!a.have_pat || a.have_mtrr) {
			cli_usage_error(cli, "--ept needs --pat (the guest PAT type) and no "
					     "--mtrr: EPT does not consult MTRRs");
			return EXIT_USAGE;
		}
		if (a.cpu_given && a.cpu != MEMTYPE_CPU_INTEL) {
			cli_usage_error(cli,
					"--ept describes Intel EPT: use --cpu intel or omit --cpu");
			return EXIT_USAGE;
		}
		if (memtype_ept_effective(a.ept, a.ipat, a.pat, a.cd, &r)) {
			cli_usage_error(cli, "--ept takes UC, WC, WT, WP or WB (2, 3 and UC- are "
					     "EPT misconfigurations); --pat a PAT type");
			return EXIT_USAGE;
		}
		return emit_result(cli, "ept", &a, &r);
	}
	if (a.ipat || a.host_cd) {
		cli_usage_error(cli, "%s only applies with %s", a.ipat ? "--ipat" : "--host-cd",
				a.ipat ? "--ept" : "--gpat/--hpat");
		return EXIT_USAGE;
	}
	if (a.have_mtrr || a.have_pat) {
		if (!(a.have_mtrr && a.have_pat)) {
			cli_usage_error(
			    cli, "give both --mtrr and --pat (or neither, for the full tables)");
			return EXIT_USAGE;
		}
		if (memtype_combine_mtrr_pat(a.cpu, a.mtrr, a.pat, a.cd, &r)) {
			cli_usage_error(cli, "--mtrr takes UC, WC, WT, WP or WB (UC- is PAT-only); "
					     "--pat a PAT type");
			return EXIT_USAGE;
		}
		return emit_result(cli, "mtrr-x-pat", &a, &r);
	}

	/* No types: the full tables, for one CPU if --cpu was given. */
	memtype_cpu cpus[2] = {MEMTYPE_CPU_INTEL, MEMTYPE_CPU_AMD};
	size_t first = a.cpu_given ? (size_t)a.cpu : 0, last = a.cpu_given ? (size_t)a.cpu : 1;
	if (cli->json) {
		json_object *doc = json_object_new_object();
		json_object_object_add(doc, "schema_version", json_object_new_int(1));
		json_object *tables = json_object_new_array();
		for (size_t c = first; c <= last; c++)
			json_object_array_add(tables, table_json(cpus[c]));
		json_object_object_add(doc, "tables", tables);
		cli_print_json(cli, doc);
		json_object_put(doc);
	} else {
		for (size_t c = first; c <= last; c++)
			print_table_text(cli, cpus[c]);
		if (a.cd)
			fputs("\n(with CR0.CD=1 every cell is UC: caching is disabled)\n",
			      cli->out);
	}
	return EXIT_OK;
}
