/*
 * cmd_simulate.c - `memtype simulate SCENARIO`: one scenario through every
 * layer. Prints the guest's view (MTRR source and map, PAT), the kernel
 * log, each mapping's requested / granted / effective type with the
 * stage-2 decision, and findings. --check verifies the expect: block,
 * --all-orders sweeps every order of the mapping groups.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct sim_args {
	const char *file;
	const char *svg; /* --svg FILE: the drawing */
	bool check, all_orders;
	int fail_on; /* 0 error, 1 warning, 2 info, 3 none */
};

static const char *tn(memtype_type t)
{
	return cli_type(t);
}

static json_object *range_json(uint64_t start, uint64_t end)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "start", cli_hex(start));
	json_object_object_add(o, "end", cli_hex(end));
	return o;
}

/* The guest MTRR map merged by type, as JSON ranges or text lines. */
/* The firmware's e820 table, inclusive ends, the kernel's type words. */
static json_object *e820_json(const memtype_sim *sim)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < memtype_sim_e820_count(sim); i++) {
		uint64_t start, end;
		const char *type;
		if (memtype_sim_e820(sim, i, &start, &end, &type))
			break;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "start", cli_hex(start));
		json_object_object_add(o, "end", cli_hex(end));
		json_object_object_add(o, "type", json_object_new_string(type));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *guest_map_json(const memtype_map *map)
{
	json_object *a = json_object_new_array();
	size_t n = memtype_map_count(map);
	for (size_t i = 0; i < n; i++) {
		memtype_range r;
		memtype_map_get(map, i, &r);
		uint64_t end = r.end;
		while (i + 1 < n) {
			memtype_range q;
			memtype_map_get(map, i + 1, &q);
			if (q.value != r.value)
				break;
			end = q.end;
			i++;
		}
		json_object *o = range_json(r.start, end);
		json_object_object_add(o, "type", json_object_new_string(tn((memtype_type)r.value)));
		json_object_array_add(a, o);
	}
	return a;
}

/* The MTRR MSRs the firmware left that are not zero, by index: what the
 * guest would read (MTRRcap, DEF_TYPE, fixed, variable pairs). */
static json_object *msrs_json(const memtype_mtrr *m)
{
	json_object *o = json_object_new_object();
	if (!m)
		return o;
	static const uint32_t fixed[] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b,
					  0x26c, 0x26d, 0x26e, 0x26f };
	uint32_t idx[2 + sizeof(fixed) / sizeof(fixed[0]) + 2 * MEMTYPE_MAX_VCNT];
	size_t n = 0;
	idx[n++] = MEMTYPE_MSR_MTRRCAP;
	idx[n++] = MEMTYPE_MSR_MTRR_DEF_TYPE;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		idx[n++] = fixed[i];
	for (unsigned i = 0; i < 2 * memtype_mtrr_vcnt(m); i++)
		idx[n++] = MEMTYPE_MSR_MTRR_PHYSBASE0 + i;
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		char key[16];
		if (memtype_mtrr_rdmsr(m, idx[i], &v) != 0 || v == 0)
			continue;
		snprintf(key, sizeof(key), "0x%x", idx[i]);
		json_object_object_add(o, key, cli_hex(v));
	}
	return o;
}

static int parse_args(struct cli *cli, int argc, char **argv, struct sim_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		int g = cli_verb_option(cli, argc, argv, &i, "simulate");
		if (g < 0)
			return -1;
		if (g == 2)
			return 1;
		if (g > 0)
			continue;
		if (!strcmp(o, "--check")) {
			a->check = true;
		} else if (!strcmp(o, "--all-orders")) {
			a->all_orders = true;
		} else if (!strcmp(o, "--svg")) {
			if (i + 1 >= argc) {
				cli_usage_error(cli, "--svg needs a file name");
				return -1;
			}
			a->svg = argv[++i];
		} else if (!strcmp(o, "--fail-on")) {
			static const char *const levels[] = { "error", "warning", "info", "none" };
			if (i + 1 >= argc) {
				cli_usage_error(cli, "--fail-on needs error, warning, info or none");
				return -1;
			}
			a->fail_on = -1;
			for (int k = 0; k < 4; k++)
				if (!strcmp(argv[i + 1], levels[k]))
					a->fail_on = k;
			if (a->fail_on < 0) {
				cli_usage_error(cli, "--fail-on takes error, warning, info or none");
				return -1;
			}
			i++;
		} else if (o[0] == '-' && o[1]) {
			cli_usage_error(cli, "simulate: unknown option '%s' (see 'memtype help simulate')", o);
			return -1;
		} else if (a->file) {
			cli_usage_error(cli, "simulate takes one scenario file");
			return -1;
		} else {
			a->file = o;
		}
	}
	if (!a->file) {
		cli_usage_error(cli, "simulate needs a scenario file");
		return -1;
	}
	return 0;
}

static void svg_write(void *ud, const char *data, size_t len)
{
	fwrite(data, 1, len, (FILE *)ud);
}

/* --svg FILE: the drawing of the run (memtype_sim_svg). */
static int write_svg(struct cli *cli, const memtype_sim *sim, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "%s: error: unwritable: cannot open '%s': %s\n", cli->prog, path,
			strerror(errno));
		return -1;
	}
	int rc = memtype_sim_svg(sim, svg_write, f);
	bool bad = ferror(f) != 0;
	if (fclose(f) != 0 || bad) {
		fprintf(stderr, "%s: error: unwritable: cannot write '%s': %s\n", cli->prog, path,
			strerror(errno));
		return -1;
	}
	if (rc) {
		cli_lib_error(cli);
		return -1;
	}
	return 0;
}

/* Findings at or above the --fail-on level. */
static bool fails(const memtype_sim *sim, int fail_on)
{
	if (fail_on >= 3)
		return false;
	for (size_t i = 0; i < memtype_sim_finding_count(sim); i++) {
		memtype_finding f;
		memtype_sim_finding(sim, i, &f);
		if ((int)f.severity >= 2 - fail_on)
			return true;
	}
	return false;
}

static json_object *mappings_json(const memtype_sim *sim)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < memtype_sim_mapping_count(sim); i++) {
		memtype_mapping_result m;
		memtype_sim_mapping(sim, i, &m);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "index", json_object_new_int((int)m.index));
		json_object_object_add(o, "who", json_object_new_string(m.who));
		json_object_object_add(o, "call", json_object_new_string(m.call));
		if (m.device && m.device[0])
			json_object_object_add(o, "device", json_object_new_string(m.device));
		json_object_object_add(o, "start", cli_hex(m.start));
		json_object_object_add(o, "end", cli_hex(m.end));
		json_object_object_add(o, "requested", json_object_new_string(tn(m.requested)));
		json_object_object_add(o, "granted",
				       m.refused ? NULL : json_object_new_string(tn(m.granted)));
		json_object_object_add(o, "ok", json_object_new_boolean(m.ok));
		json_object_object_add(o, "message", m.message ? json_object_new_string(m.message) : NULL);
		json_object *eff = json_object_new_array();
		for (size_t k = 0; k < m.neffective; k++) {
			memtype_effective e;
			memtype_sim_effective(sim, i, k, &e);
			json_object *p = range_json(e.start, e.end);
			json_object_object_add(p, "type", json_object_new_string(tn(e.type)));
			json_object_object_add(p, "stage2", json_object_new_string(e.stage2));
			json_object_object_add(p, "why", cli_steps_json(&e.why));
			json_object_array_add(eff, p);
		}
		json_object_object_add(o, "effective", eff);
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *findings_json(const memtype_sim *sim, json_object *extra)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < memtype_sim_finding_count(sim); i++) {
		memtype_finding f;
		memtype_sim_finding(sim, i, &f);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "severity", json_object_new_string(memtype_severity_name(f.severity)));
		json_object_object_add(o, "code", json_object_new_string(f.code));
		json_object_object_add(o, "message", json_object_new_string(f.message));
		if (f.has_range) {
			json_object_object_add(o, "start", cli_hex(f.start));
			json_object_object_add(o, "end", cli_hex(f.end));
		}
		if (f.mapping >= 0)
			json_object_object_add(o, "mapping", json_object_new_int(f.mapping));
		json_object_array_add(arr, o);
	}
	if (extra)
		json_object_array_add(arr, extra);
	return arr;
}

static void print_text(struct cli *cli, const memtype_scenario *sc, const memtype_sim *sim)
{
	FILE *o = cli->out;
	bool pat_on;
	uint64_t pat = memtype_sim_guest_pat(sim, &pat_on);
	fprintf(o, "scenario: %s\n", memtype_scenario_name(sc));
	fprintf(o, "guest view: MTRRs %s; PAT %s 0x%016llx\n", memtype_sim_mtrr_source(sim),
		pat_on ? "on" : "off", (unsigned long long)pat);
	const memtype_map *gm = memtype_sim_guest_mtrr_map(sim);
	if (gm && !cli->quiet) {
		json_object *a = guest_map_json(gm);
		fputs("guest MTRR map (what the kernel's lookup returns):\n", o);
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *r = json_object_array_get_idx(a, i), *v;
			json_object_object_get_ex(r, "start", &v);
			fprintf(o, "  %s", json_object_get_string(v));
			json_object_object_get_ex(r, "end", &v);
			fprintf(o, "-%s", json_object_get_string(v));
			json_object_object_get_ex(r, "type", &v);
			fprintf(o, " %s\n", json_object_get_string(v));
		}
		json_object_put(a);
	}
	if (!cli->quiet) {
		fputs("kernel log:\n", o);
		for (size_t i = 0; i < memtype_sim_log_count(sim); i++)
			fprintf(o, "  %s\n", memtype_sim_log_line(sim, i, NULL));
	}
	fputs("mappings (in execution order):\n", o);
	for (size_t i = 0; i < memtype_sim_mapping_count(sim); i++) {
		memtype_mapping_result m;
		memtype_sim_mapping(sim, i, &m);
		fprintf(o, "  [%zu] %s %s 0x%llx-0x%llx: requested %s, ", m.index, m.who, m.call,
			(unsigned long long)m.start, (unsigned long long)m.end, tn(m.requested));
		if (m.refused)
			fputs("REFUSED\n", o);
		else
			fprintf(o, "granted %s\n", tn(m.granted));
		for (size_t k = 0; k < memtype_sim_log_count(sim); k++) {
			int who;
			const char *line = memtype_sim_log_line(sim, k, &who);
			if (who == (int)m.index)
				fprintf(o, "      kernel: %s\n", line);
		}
		for (size_t k = 0; k < m.neffective; k++) {
			memtype_effective e;
			memtype_sim_effective(sim, i, k, &e);
			fprintf(o, "      effective 0x%llx-0x%llx %s: %s\n", (unsigned long long)e.start,
				(unsigned long long)e.end, tn(e.type), e.stage2);
		}
	}
	fputs("findings:\n", o);
	if (memtype_sim_finding_count(sim) == 0)
		fputs("  none\n", o);
	for (size_t i = 0; i < memtype_sim_finding_count(sim); i++) {
		memtype_finding f;
		memtype_sim_finding(sim, i, &f);
		fprintf(o, "  %s %s: %s\n", memtype_severity_name(f.severity), f.code, f.message);
	}
}

/* The sweep over every order of the mapping groups; adds an
 * order-dependent finding when some orders fail and others do not. */
static json_object *orders(struct cli *cli, const memtype_scenario *sc, json_object **finding)
{
	memtype_orders *o;
	*finding = NULL;
	if (memtype_simulate_all_orders(sc, &o)) {
		cli_lib_error(cli);
		return NULL;
	}
	size_t g = memtype_scenario_group_count(sc);
	size_t n = memtype_orders_count(o), bad = memtype_orders_failing(o);
	json_object *doc = json_object_new_object();
	json_object_object_add(doc, "count", json_object_new_int((int)n));
	json_object_object_add(doc, "failing", json_object_new_int((int)bad));
	json_object *rules = json_object_new_array();
	char text[512] = "";
	for (size_t i = 0; i < memtype_orders_rule_count(o); i++) {
		size_t v, a, b;
		memtype_orders_rule(o, i, &v, &a, &b);
		json_object *r = json_object_new_object();
		json_object_object_add(r, "fails", json_object_new_string(memtype_scenario_group(sc, v)));
		json_object_object_add(r, "when", json_object_new_string(memtype_scenario_group(sc, a)));
		json_object_object_add(r, "runs_before", json_object_new_string(memtype_scenario_group(sc, b)));
		json_object_array_add(rules, r);
		size_t used = strlen(text);
		snprintf(text + used, sizeof(text) - used, "%s%s fails exactly when %s runs before %s",
			 i ? "; " : "", memtype_scenario_group(sc, v), memtype_scenario_group(sc, a),
			 memtype_scenario_group(sc, b));
	}
	json_object_object_add(doc, "rules", rules);
	json_object *failing = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		size_t groups[8];
		bool ok;
		memtype_orders_get(o, i, groups, &ok);
		if (ok)
			continue;
		json_object *ord = json_object_new_array();
		for (size_t k = 0; k < g; k++)
			json_object_array_add(ord, json_object_new_string(memtype_scenario_group(sc, groups[k])));
		json_object_array_add(failing, ord);
	}
	json_object_object_add(doc, "failing_orders", failing);
	if (bad > 0 && bad < n) {
		char msg[700];
		snprintf(msg, sizeof(msg), "%zu of %zu orders of the mapping groups fail%s%s", bad, n,
			 text[0] ? ": " : "", text);
		json_object *f = json_object_new_object();
		json_object_object_add(f, "severity", json_object_new_string("warning"));
		json_object_object_add(f, "code", json_object_new_string("order-dependent"));
		json_object_object_add(f, "message", json_object_new_string(msg));
		*finding = f;
	}
	if (!cli->json) {
		fprintf(cli->out, "orders: %zu of %zu orders of %zu mapping groups fail\n", bad, n, g);
		if (text[0] && bad < n)
			fprintf(cli->out, "  %s\n", text);
	}
	memtype_orders_free(o);
	return doc;
}

int cmd_simulate(struct cli *cli, int argc, char **argv)
{
	struct sim_args a = { 0 };
	int pr = parse_args(cli, argc, argv, &a);
	if (pr)
		return pr > 0 ? EXIT_OK : EXIT_USAGE;
	size_t len;
	char *text = cli_read_file(cli, a.file, &len);
	if (!text)
		return EXIT_INPUT;
	memtype_scenario *sc = NULL;
	int rc = memtype_scenario_load(cli->ctx, a.file, text, len, &sc);
	free(text);
	if (rc) {
		cli_lib_error(cli);
		return EXIT_INPUT;
	}
	memtype_sim *sim = NULL;
	if (memtype_simulate(sc, NULL, &sim)) {
		cli_lib_error(cli);
		memtype_scenario_free(sc);
		return EXIT_INPUT;
	}
	if (a.svg && write_svg(cli, sim, a.svg)) {
		memtype_sim_free(sim);
		memtype_scenario_free(sc);
		return EXIT_INPUT;
	}
	int status = EXIT_OK;
	json_object *order_finding = NULL, *orders_doc = NULL;
	/* --check answers one question: did the expectations hold? The full
	 * report stays available with -v. */
	if (!cli->json && (!a.check || cli->verbose))
		print_text(cli, sc, sim);
	if (a.all_orders) {
		orders_doc = orders(cli, sc, &order_finding);
		if (!orders_doc)
			status = EXIT_INPUT;
	}
	bool expect_ok = true;
	json_object *expect = json_object_new_array();
	for (size_t i = 0; i < memtype_sim_expect_count(sim); i++) {
		bool passed;
		const char *what;
		unsigned line;
		memtype_sim_expect(sim, i, &passed, &what, &line);
		expect_ok &= passed;
		json_object *e = json_object_new_object();
		json_object_object_add(e, "line", json_object_new_int((int)line));
		json_object_object_add(e, "check", json_object_new_string(what));
		json_object_object_add(e, "passed", json_object_new_boolean(passed));
		json_object_array_add(expect, e);
		if (a.check && !cli->json)
			fprintf(cli->out, "%s:%u: expect %s: %s\n", a.file, line, what,
				passed ? "ok" : "FAILED");
	}
	bool failing = fails(sim, a.fail_on) || (order_finding && a.fail_on <= 1);
	if (cli->json) {
		json_object *doc = json_object_new_object();
		json_object_object_add(doc, "schema_version", json_object_new_int(1));
		json_object_object_add(doc, "scenario", json_object_new_string(memtype_scenario_name(sc)));
		json_object *gv = json_object_new_object();
		bool pat_on;
		uint64_t pat = memtype_sim_guest_pat(sim, &pat_on);
		json_object_object_add(gv, "mtrr_source", json_object_new_string(memtype_sim_mtrr_source(sim)));
		bool cpuid_mtrr, via_host;
		memtype_sim_guest_sees(sim, &cpuid_mtrr, &via_host);
		json_object_object_add(gv, "cpuid_mtrr", json_object_new_boolean(cpuid_mtrr));
		json_object_object_add(gv, "msrs_via_host", json_object_new_boolean(via_host));
		json_object_object_add(gv, "mtrr_msrs", msrs_json(memtype_sim_firmware_mtrr(sim)));
		json_object_object_add(gv, "mtrr_map", guest_map_json(memtype_sim_guest_mtrr_map(sim)));
		json_object *pj = NULL;
		if (pat_on) {
			memtype_type t[8];
			pj = json_object_new_array();
			if (memtype_pat_decode(NULL, pat, t) == 0)
				for (int k = 0; k < 8; k++)
					json_object_array_add(pj, json_object_new_string(tn(t[k])));
		}
		json_object_object_add(gv, "pat", pj);
		json_object_object_add(gv, "e820", e820_json(sim));
		json_object_object_add(doc, "guest_view", gv);
		json_object *log = json_object_new_array();
		for (size_t i = 0; i < memtype_sim_log_count(sim); i++)
			json_object_array_add(log, json_object_new_string(memtype_sim_log_line(sim, i, NULL)));
		json_object_object_add(doc, "kernel_log", log);
		json_object_object_add(doc, "mappings", mappings_json(sim));
		json_object_object_add(doc, "findings", findings_json(sim, order_finding));
		order_finding = NULL;
		if (orders_doc) {
			json_object_object_add(doc, "orders", orders_doc);
			orders_doc = NULL;
		}
		json_object_object_add(doc, "expect", expect);
		expect = NULL;
		json_object_object_add(doc, "ok", json_object_new_boolean(!failing));
		cli_print_json(cli, doc);
		json_object_put(doc);
	} else if (order_finding) {
		json_object *m;
		json_object_object_get_ex(order_finding, "message", &m);
		fprintf(cli->out, "  warning order-dependent: %s\n", json_object_get_string(m));
	}
	json_object_put(order_finding);
	json_object_put(orders_doc);
	json_object_put(expect);
	/* With --check the expect: block is the verdict (a scenario that
	 * reproduces a bug expects its findings); otherwise the findings are. */
	if (status == EXIT_OK && (a.check ? !expect_ok : failing))
		status = EXIT_FINDINGS;
	if (!cli->json && !cli->quiet)
		fprintf(cli->out, "result: %s\n", status == EXIT_OK ? "ok" : "FAIL");
	memtype_sim_free(sim);
	memtype_scenario_free(sc);
	return status;
}
