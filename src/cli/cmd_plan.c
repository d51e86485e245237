/*
 * cmd_plan.c - `memtype plan`: the fewest MTRRs that realize a memory map.
 *
 * Reads a map file (DESIGN.md §3: "START-END TYPE" or "START+SIZE TYPE"),
 * or with --from the map a register file's MTRRs realize, and prints the
 * default type, fixed-range values and variable base/mask pairs the planner
 * found (src/lib/plan.c), with the proven lower bound. Output: a register
 * table and summary, JSON (-j), or WRMSR lines (--msr) that replay through
 * `memtype resolve`. Exit status: 0 with a layout, 1 when the layout does not
 * fit in VCNT pairs (and --best-effort was not given), 3 bad input, 4 when
 * the verification by the architecture core disagrees with the planner.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char cli_help_plan[] =
    "usage: memtype plan MAPFILE [--vcnt N] [--phys-bits N] [--default T] [--dont-care]\n"
    "                    [--no-fixed] [--best-effort] [--msr]\n"
    "       memtype plan --from REGFILE [options]\n"
    "\n"
    "The fewest variable MTRRs (with the default type and the fixed ranges) that\n"
    "realize the map exactly, proven minimal among contiguous-mask layouts by an\n"
    "exact dynamic program (docs/plan.md). Every layout is verified by replaying it\n"
    "into the architecture model and comparing the whole address space.\n"
    "\n"
    "MAPFILE lines: 'START-END TYPE' (inclusive end) or 'START+SIZE TYPE', '#'\n"
    "comments; TYPE is UC, WC, WT, WP or WB. Unlisted addresses get the default type.\n"
    "  --vcnt N        variable pairs available (default 8, as KVM; at most 40)\n"
    "  --phys-bits N   MAXPHYADDR, 32..52 (default 36)\n"
    "  --default T     force the default type (else the cheapest; ties prefer UC)\n"
    "  --dont-care     unlisted addresses may get any type (can save pairs)\n"
    "  --no-fixed      a CPU without fixed-range MTRRs: pairs cover the first MiB\n"
    "  --best-effort   if VCNT is too small, the layout losing the least WB memory\n"
    "  --msr           print 'wrmsr IDX VAL' lines (a register file for 'resolve')\n"
    "  --from FILE     plan the map a register file's MTRRs realize (VCNT, fixed\n"
    "                  ranges and MAXPHYADDR from the file), or a capture's (boot\n"
    "                  log MTRR dump, /proc/mtrr) when explain is built in;\n"
    "                  compare the firmware's count with the minimum\n"
    "\n"
    "exit status: 0 layout found, 1 does not fit in VCNT, 3 bad input, 4 internal\n";

struct plan_args {
	const char *map, *from;
	memtype_plan_opts o;
	bool vcnt_set, phys_set, msr;
};

static int parse_num(const struct cli *cli, const char *opt, const char *s, uint64_t lo,
		     uint64_t hi, unsigned *out)
{
	uint64_t v;
	if (memtype_parse_u64(s, strlen(s), &v) || v < lo || v > hi) {
		cli_usage_error(cli, "%s takes %llu..%llu, not '%s'", opt, (unsigned long long)lo,
				(unsigned long long)hi, s);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* 0 ok, 1 help printed, -1 usage error. */
static int parse_args(struct cli *cli, int argc, char **argv, struct plan_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		int g = cli_global_option(cli, argc, argv, &i);
		if (g < 0)
			return -1;
		if (g > 0)
			continue;
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			fputs(cli_help_plan, cli->out);
			return 1;
		}
		if (!strcmp(o, "--dont-care")) {
			a->o.dont_care = true;
			continue;
		}
		if (!strcmp(o, "--no-fixed")) {
			a->o.no_fixed = true;
			continue;
		}
		if (!strcmp(o, "--best-effort")) {
			a->o.best_effort = true;
			continue;
		}
		if (!strcmp(o, "--msr")) {
			a->msr = true;
			continue;
		}
		bool needs = !strcmp(o, "--vcnt") || !strcmp(o, "--phys-bits") ||
			     !strcmp(o, "--default") || !strcmp(o, "--from");
		if (needs && i + 1 >= argc) {
			cli_usage_error(cli, "%s needs a value", o);
			return -1;
		}
		if (!strcmp(o, "--vcnt")) {
			if (parse_num(cli, o, argv[++i], 0, MEMTYPE_MAX_VCNT, &a->o.vcnt))
				return -1;
			a->vcnt_set = true;
		} else if (!strcmp(o, "--phys-bits")) {
			if (parse_num(cli, o, argv[++i], 32, 52, &a->o.phys_bits))
				return -1;
			a->phys_set = true;
		} else if (!strcmp(o, "--default")) {
			memtype_type t;
			const char *s = argv[++i];
			if (cli_parse_type(cli, o, s, &t))
				return -1;
			if (t != MEMTYPE_UC && t != MEMTYPE_WC && t != MEMTYPE_WT &&
			    t != MEMTYPE_WP && t != MEMTYPE_WB) {
				cli_usage_error(
				    cli, "--default: %s is not an MTRR type (UC WC WT WP WB)", s);
				return -1;
			}
			a->o.default_type = (int)t;
		} else if (!strcmp(o, "--from")) {
			a->from = argv[++i];
		} else if (o[0] == '-' && o[1] != '\0') {
			cli_usage_error(cli, "plan: unknown option '%s' (see 'memtype help plan')",
					o);
			return -1;
		} else if (!a->map) {
			a->map = o;
		} else {
			cli_usage_error(cli, "plan takes one map file ('%s' is a second)", o);
			return -1;
		}
	}
	if (!a->map == !a->from) {
		cli_usage_error(cli, "plan needs a map file or --from REGFILE (exactly one)");
		return -1;
	}
	return 0;
}

/* A plan target with the types of map (value = memtype_type); an undefined
 * piece is refused. Exit code or 0. */
static int target_of(struct cli *cli, const struct plan_args *a, const memtype_map *map,
		     memtype_map **target)
{
	uint64_t top = (1ull << a->o.phys_bits) - 1;
	*target = memtype_map_new(cli->ctx, 0, top, MEMTYPE_PLAN_UNLISTED, 0, 0);
	if (!*target) {
		cli_lib_error(cli);
		return EXIT_INTERNAL;
	}
	for (size_t i = 0; i < memtype_map_count(map); i++) {
		memtype_range r;
		memtype_map_get(map, i, &r);
		if (r.value == MEMTYPE_UNDEFINED) {
			fprintf(stderr,
				"%s: error: mtrr-overlap-undefined: the registers give "
				"0x%llx-0x%llx an undefined type (SDM §11.11.4.1): no layout "
				"can reproduce it\n",
				a->from, (unsigned long long)r.start, (unsigned long long)r.end);
			return EXIT_INPUT;
		}
		if (r.end > top || memtype_map_set(*target, r.start, r.end, r.value, 0, 0)) {
			cli_lib_error(cli);
			return EXIT_INPUT;
		}
	}
	return 0;
}

#ifdef MEMTYPE_HAVE_EXPLAIN
/*
 * --from a capture (a boot log's MTRR dump, /proc/mtrr, an MSR dump: the
 * parsers of `memtype explain`): the map the firmware's registers realize.
 * Exit code, 0, or -1 when the text is not a capture with MTRRs.
 */
static int load_capture(struct cli *cli, struct plan_args *a, const char *text, size_t len,
			memtype_map **target, unsigned *fw_count)
{
	memtype_capture *cap = NULL;
	memtype_explain *e = NULL;
	int rc = -1;

	if (memtype_capture_parse(cli->ctx, a->from, text, len, MEMTYPE_CAPTURE_AUTO, &cap) ||
	    memtype_explain_run(cli->ctx, (const memtype_capture *const *)&cap, 1, &e))
		goto out;
	const memtype_explain_info *info = memtype_explain_get(e);
	if (!info->mtrr_map || !info->var_known)
		goto out;
	if (!a->phys_set)
		a->o.phys_bits = info->phys_bits;
	*fw_count = 0;
	for (size_t i = 0; i < info->nvar; i++)
		*fw_count += info->var[i].enabled;
	if (!a->vcnt_set)
		a->o.vcnt = info->vcnt ? info->vcnt : 8;
	if (a->o.vcnt < *fw_count)
		a->o.vcnt = *fw_count;
	rc = target_of(cli, a, info->mtrr_map, target);
out:
	memtype_explain_free(e);
	memtype_capture_free(cap);
	return rc;
}
#endif

/* The map a register file's (or a capture's) MTRRs realize, as a plan target;
 * also its VCNT, MTRRcap.FIX, MAXPHYADDR and how many pairs it enables. Exit
 * code or 0. */
static int load_from(struct cli *cli, struct plan_args *a, memtype_map **target, unsigned *fw_count)
{
	memtype_regs *regs = memtype_regs_new(cli->ctx);
	memtype_mtrr *m = NULL;
	memtype_map *got = NULL;
	size_t len;
	int rc = EXIT_INPUT;
	char *text = regs ? cli_read_file(cli, a->from, &len) : NULL;

	if (!regs)
		goto lib;
	if (!text)
		goto out;
	if (memtype_regs_parse(regs, a->from, text, len)) {
#ifdef MEMTYPE_HAVE_EXPLAIN
		/* Not a register file: perhaps a boot log or /proc/mtrr. Report
		 * the register file's error if it is neither. */
		memtype_error saved = *memtype_ctx_error(cli->ctx);
		char code[48], msg[512], file[256];
		snprintf(code, sizeof(code), "%s", saved.code);
		snprintf(msg, sizeof(msg), "%s", saved.message);
		snprintf(file, sizeof(file), "%s", saved.file ? saved.file : "");
		int crc = load_capture(cli, a, text, len, target, fw_count);
		if (crc >= 0) {
			rc = crc;
			goto out;
		}
		fprintf(stderr, "%s:%u:%u: error: %s: %s (and no MTRR dump was found in it)\n",
			file, saved.line, saved.col, code, msg);
		goto out;
#else
		goto lib;
#endif
	}
	if (a->phys_set)
		memtype_regs_set_phys_bits(regs, a->o.phys_bits);
	if (memtype_regs_to_mtrr(regs, &m) || memtype_mtrr_build_map(m, 0, &got))
		goto lib;
	uint64_t cap = 0;
	memtype_mtrr_rdmsr(m, MEMTYPE_MSR_MTRRCAP, &cap);
	a->o.phys_bits = memtype_mtrr_phys_bits(m);
	if (!a->vcnt_set)
		a->o.vcnt = memtype_mtrr_vcnt(m);
	if (!(cap & MEMTYPE_MTRRCAP_FIX))
		a->o.no_fixed = true;
	*fw_count = 0;
	for (unsigned n = 0; n < memtype_mtrr_vcnt(m); n++) {
		uint64_t mask = 0;
		memtype_mtrr_rdmsr(m, MEMTYPE_MSR_MTRR_PHYSMASK0 + 2 * n, &mask);
		*fw_count += (mask >> 11) & 1; /* PHYSMASKn.V, SDM §11.11.2.3 */
	}
	rc = target_of(cli, a, got, target);
	goto out;
lib:
	cli_lib_error(cli);
out:
	free(text);
	memtype_map_free(got);
	memtype_mtrr_free(m);
	memtype_regs_free(regs);
	return rc;
}

static const char *size_str(uint64_t size, char *buf, size_t n)
{
	static const char units[] = "KMGTP";
	unsigned u = 0;
	uint64_t v = size >> 10;
	if (size & 0x3ff) {
		snprintf(buf, n, "%lluB", (unsigned long long)size);
		return buf;
	}
	while (u + 1 < sizeof(units) - 1 && v >= 1024 && !(v & 0x3ff)) {
		v >>= 10;
		u++;
	}
	snprintf(buf, n, "%llu%c", (unsigned long long)v, units[u]);
	return buf;
}

static const memtype_type all_types[] = {MEMTYPE_UC, MEMTYPE_WB, MEMTYPE_WT, MEMTYPE_WP,
					 MEMTYPE_WC};

/* The fixed-range types as runs "0x0-0x9ffff WB", printed to f or added to
 * arr. Sub-range sizes: 64K in 0x250, 16K in 0x258/0x259, 4K after (SDM
 * Vol. 3A Table 11-9). */
static void fixed_runs(const memtype_plan *p, FILE *f, json_object *arr)
{
	uint64_t start[89], type[88];
	unsigned n = 0;
	uint64_t addr = 0;
	for (size_t i = 0; i < 11; i++) {
		uint32_t index;
		uint64_t value;
		if (memtype_plan_fixed(p, i, &index, &value))
			return;
		uint64_t gran = i == 0 ? 0x10000 : i <= 2 ? 0x4000 : 0x1000;
		for (unsigned b = 0; b < 8; b++, addr += gran) {
			uint64_t t = (value >> (8 * b)) & 0xff;
			if (n && type[n - 1] == t)
				continue;
			start[n] = addr;
			type[n++] = t;
		}
	}
	start[n] = addr; /* 1 MiB */
	for (unsigned k = 0; k < n; k++) {
		const char *tn = cli_type((memtype_type)type[k]);
		if (f)
			fprintf(f, "%s0x%llx-0x%llx %s", k ? ", " : "",
				(unsigned long long)start[k], (unsigned long long)start[k + 1] - 1,
				tn);
		if (arr) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "start", cli_hex(start[k]));
			json_object_object_add(o, "end", cli_hex(start[k + 1] - 1));
			json_object_object_add(o, "type", json_object_new_string(tn));
			json_object_array_add(arr, o);
		}
	}
}

static void print_text(struct cli *cli, const struct plan_args *a, const memtype_plan *p,
		       const memtype_plan_summary *s, bool from, unsigned fw_count)
{
	FILE *f = cli->out;
	char b1[32];
	const char *name = from ? a->from : a->map;

	if (cli->quiet) {
		if (s->has_layout)
			fprintf(f, "%u variable MTRRs, default %s%s; lower bound %u\n", s->count,
				cli_type(s->default_type), s->fixed_enabled ? ", fixed ranges" : "",
				s->lower_bound);
		else
			fprintf(f, "no layout; lower bound %u\n", s->lower_bound);
		return;
	}
	fprintf(f, "plan for %s: MAXPHYADDR %u, %u variable pair%s, %s mode\n", name, s->phys_bits,
		a->o.vcnt, a->o.vcnt == 1 ? "" : "s", a->o.dont_care ? "dont-care" : "exact");
	if (!s->has_layout) {
		fprintf(f, "  no layout: %s\n",
			s->lower_bound > MEMTYPE_MAX_VCNT
			    ? "the exact layout needs more pairs than any CPU has (40)"
			    : "no layout within VCNT pairs keeps every non-WB range exact");
	} else {
		uint64_t def = 0;
		for (size_t i = 0; i < memtype_plan_msr_count(p); i++) {
			uint32_t idx;
			uint64_t v;
			memtype_plan_msr(p, i, &idx, &v);
			if (idx == MEMTYPE_MSR_MTRR_DEF_TYPE)
				def = v;
		}
		fprintf(f, "  default type   %-4s IA32_MTRR_DEF_TYPE = 0x%llx (E=1, FE=%d)\n",
			cli_type(s->default_type), (unsigned long long)def, s->fixed_enabled);
		if (s->fixed_enabled) {
			fprintf(f, "  fixed ranges   ");
			fixed_runs(p, f, NULL);
			fprintf(f, "\n");
		} else {
			fprintf(f, "  fixed ranges   %s\n",
				s->fixed_fallback
				    ? "off: they cannot represent the first MiB of this map"
				    : "none (the CPU has no fixed-range MTRRs)");
		}
		fprintf(f, "  variable       %u pair%s\n", s->count, s->count == 1 ? "" : "s");
		if (s->count)
			fprintf(f, "    %-4s %-18s  %-18s  %-35s %6s  %s\n", "reg", "PHYSBASE",
				"PHYSMASK", "range", "size", "type");
		for (size_t i = 0; i < memtype_plan_var_count(p); i++) {
			memtype_plan_var v;
			char range[48];
			memtype_plan_get_var(p, i, &v);
			snprintf(range, sizeof(range), "0x%llx-0x%llx", (unsigned long long)v.start,
				 (unsigned long long)v.end);
			fprintf(f, "    %-4zu 0x%016llx  0x%016llx  %-35s %6s  %s\n", i,
				(unsigned long long)v.physbase, (unsigned long long)v.physmask,
				range, size_str(v.end - v.start + 1, b1, sizeof(b1)),
				cli_type(v.type));
		}
	}
	if (s->optimal)
		fprintf(
		    f,
		    "  count %u = lower bound %u: optimal (exact program over the address trie)\n",
		    s->count, s->lower_bound);
	else
		fprintf(
		    f, "  lower bound %u: the fewest pairs that realize the map exactly (proven)\n",
		    s->lower_bound);
	if (!s->fits)
		fprintf(f, "  does not fit: needs %u variable pairs, the CPU has %u\n",
			s->lower_bound, a->o.vcnt);
	fprintf(f, "  by default type:");
	for (size_t k = 0; k < sizeof(all_types) / sizeof(all_types[0]); k++) {
		uint32_t c = memtype_plan_count_for_default(p, all_types[k]);
		if (c == UINT32_MAX)
			fprintf(f, " %s -", cli_type(all_types[k]));
		else
			fprintf(f, " %s %u", cli_type(all_types[k]), c);
	}
	fprintf(f, "\n");
	if (s->has_layout && !s->exact) {
		fprintf(
		    f, "  best effort with %u pairs: loses %s of WB memory (the least possible):\n",
		    s->count, size_str(s->lost_bytes, b1, sizeof(b1)));
		for (size_t i = 0; i < memtype_plan_lost_count(p); i++) {
			memtype_range r;
			memtype_plan_lost(p, i, &r);
			fprintf(f, "    0x%llx-0x%llx  WB -> %s  (%s)\n",
				(unsigned long long)r.start, (unsigned long long)r.end,
				cli_type((memtype_type)r.value),
				size_str(r.end - r.start + 1, b1, sizeof(b1)));
		}
	}
	if (from)
		fprintf(f, "  the firmware used %u variable pair%s; the minimum is %u\n", fw_count,
			fw_count == 1 ? "" : "s", s->lower_bound);
	if (s->has_layout)
		fprintf(f,
			"  verified: the registers give %s (architecture model, every boundary)\n",
			s->exact ? "exactly this map" : "this map except the losses above");
}

static json_object *plan_json(const struct plan_args *a, const memtype_plan *p,
			      const memtype_plan_summary *s, bool from, unsigned fw_count)
{
	json_object *doc = json_object_new_object();
	json_object_object_add(doc, "schema_version", json_object_new_int(1));
	json_object_object_add(doc, "input", json_object_new_string(from ? a->from : a->map));
	json_object_object_add(doc, "mode",
			       json_object_new_string(a->o.dont_care ? "dont-care" : "exact"));
	json_object_object_add(doc, "phys_bits", json_object_new_int((int)s->phys_bits));
	json_object_object_add(doc, "vcnt", json_object_new_int((int)a->o.vcnt));
	if (s->has_layout) {
		json_object_object_add(doc, "mtrrcap", cli_hex(s->mtrrcap));
		json_object_object_add(doc, "default_type",
				       json_object_new_string(cli_type(s->default_type)));
		json_object_object_add(doc, "fixed_enabled",
				       json_object_new_boolean(s->fixed_enabled));
		json_object *fixed = json_object_new_object();
		for (size_t i = 0; i < 11; i++) {
			uint32_t idx;
			uint64_t v;
			char key[16];
			if (memtype_plan_fixed(p, i, &idx, &v))
				break;
			snprintf(key, sizeof(key), "0x%x", idx);
			json_object_object_add(fixed, key, cli_hex(v));
		}
		json_object_object_add(doc, "fixed", fixed);
		json_object *runs = json_object_new_array();
		if (s->fixed_enabled)
			fixed_runs(p, NULL, runs);
		json_object_object_add(doc, "fixed_ranges", runs);
		json_object *vars = json_object_new_array();
		for (size_t i = 0; i < memtype_plan_var_count(p); i++) {
			memtype_plan_var v;
			memtype_plan_get_var(p, i, &v);
			json_object *o = json_object_new_object();
			json_object_object_add(o, "index", json_object_new_int((int)i));
			json_object_object_add(o, "base", cli_hex(v.physbase & ~0xfffull));
			json_object_object_add(o, "mask", cli_hex(v.physmask & ~0xfffull));
			json_object_object_add(o, "type", json_object_new_string(cli_type(v.type)));
			json_object_object_add(o, "physbase", cli_hex(v.physbase));
			json_object_object_add(o, "physmask", cli_hex(v.physmask));
			json_object_object_add(o, "start", cli_hex(v.start));
			json_object_object_add(o, "end", cli_hex(v.end));
			json_object_array_add(vars, o);
		}
		json_object_object_add(doc, "variable", vars);
		json_object *msrs = json_object_new_array();
		for (size_t i = 0; i < memtype_plan_msr_count(p); i++) {
			uint32_t idx;
			uint64_t v;
			memtype_plan_msr(p, i, &idx, &v);
			json_object *o = json_object_new_object();
			json_object_object_add(o, "index", cli_hex(idx));
			json_object_object_add(o, "value", cli_hex(v));
			json_object_array_add(msrs, o);
		}
		json_object_object_add(doc, "wrmsr", msrs);
	} else {
		json_object_object_add(doc, "mtrrcap", NULL);
		json_object_object_add(doc, "default_type", NULL);
		json_object_object_add(doc, "fixed_enabled", NULL);
		json_object_object_add(doc, "fixed", NULL);
		json_object_object_add(doc, "fixed_ranges", NULL);
		json_object_object_add(doc, "variable", NULL);
		json_object_object_add(doc, "wrmsr", NULL);
	}
	json_object_object_add(doc, "fixed_fallback", json_object_new_boolean(s->fixed_fallback));
	json_object_object_add(doc, "count", json_object_new_int((int)s->count));
	json_object_object_add(doc, "lower_bound", json_object_new_int((int)s->lower_bound));
	json_object_object_add(doc, "optimal", json_object_new_boolean(s->optimal));
	json_object_object_add(doc, "fits", json_object_new_boolean(s->fits));
	json_object_object_add(doc, "exact", json_object_new_boolean(s->has_layout && s->exact));
	json_object *by = json_object_new_object();
	for (size_t k = 0; k < sizeof(all_types) / sizeof(all_types[0]); k++) {
		uint32_t c = memtype_plan_count_for_default(p, all_types[k]);
		json_object_object_add(by, cli_type(all_types[k]),
				       c == UINT32_MAX ? NULL : json_object_new_int((int)c));
	}
	json_object_object_add(doc, "by_default", by);
	if (s->has_layout && !s->exact) {
		json_object *be = json_object_new_object();
		json_object_object_add(be, "lost_bytes", cli_hex(s->lost_bytes));
		json_object_object_add(be, "least_loss", json_object_new_boolean(s->least_loss));
		json_object *lost = json_object_new_array();
		for (size_t i = 0; i < memtype_plan_lost_count(p); i++) {
			memtype_range r;
			memtype_plan_lost(p, i, &r);
			json_object *o = json_object_new_object();
			json_object_object_add(o, "start", cli_hex(r.start));
			json_object_object_add(o, "end", cli_hex(r.end));
			json_object_object_add(o, "target", json_object_new_string("WB"));
			json_object_object_add(
			    o, "type", json_object_new_string(cli_type((memtype_type)r.value)));
			json_object_array_add(lost, o);
		}
		json_object_object_add(be, "lost", lost);
		json_object_object_add(doc, "best_effort", be);
	} else {
		json_object_object_add(doc, "best_effort", NULL);
	}
	if (from) {
		json_object *fw = json_object_new_object();
		json_object_object_add(fw, "count", json_object_new_int((int)fw_count));
		json_object_object_add(fw, "saved",
				       json_object_new_int((int)fw_count - (int)s->lower_bound));
		json_object_object_add(doc, "firmware", fw);
	}
	json_object_object_add(doc, "verified", json_object_new_boolean(s->has_layout));
	return doc;
}

/* A register file for `memtype resolve` / `plan --from`: the CPU it needs,
 * then the WRMSRs in programming order. */
static void print_msr(struct cli *cli, const struct plan_args *a, const memtype_plan *p,
		      const memtype_plan_summary *s)
{
	FILE *f = cli->out;
	fprintf(f, "# memtype plan %s: %u variable MTRRs, default %s (lower bound %u)\n",
		a->from ? a->from : a->map, s->count, cli_type(s->default_type), s->lower_bound);
	fprintf(f, "phys_bits: %u\nmtrrcap: 0x%llx\n", s->phys_bits,
		(unsigned long long)s->mtrrcap);
	for (size_t i = 0; i < memtype_plan_msr_count(p); i++) {
		uint32_t idx;
		uint64_t v;
		memtype_plan_msr(p, i, &idx, &v);
		fprintf(f, "wrmsr 0x%x 0x%llx\n", idx, (unsigned long long)v);
	}
}

int cmd_plan(struct cli *cli, int argc, char **argv)
{
	struct plan_args a = {.o = {.phys_bits = 36, .vcnt = 8, .default_type = -1}};
	memtype_map *target = NULL;
	memtype_plan *p = NULL;
	unsigned fw_count = 0;
	int rc;

	int pr = parse_args(cli, argc, argv, &a);
	if (pr)
		return pr > 0 ? EXIT_OK : EXIT_USAGE;
	if (a.from) {
		rc = load_from(cli, &a, &target, &fw_count);
		if (rc)
			goto out;
		a.o.name = a.from;
	} else {
		size_t len;
		char *text = cli_read_file(cli, a.map, &len);
		if (!text)
			return EXIT_INPUT;
		int prc =
		    memtype_plan_parse_map(cli->ctx, a.map, text, len, a.o.phys_bits, &target);
		free(text);
		if (prc) {
			cli_lib_error(cli);
			return prc == -ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
		}
		a.o.name = a.map;
	}
	int crc = memtype_plan_compute(cli->ctx, target, &a.o, &p);
	if (crc) {
		cli_lib_error(cli);
		rc = crc == -EINVAL || crc == -E2BIG ? EXIT_INPUT : EXIT_INTERNAL;
		goto out;
	}
	memtype_plan_summary s;
	memtype_plan_get_summary(p, &s);
	bool usable = s.has_layout && (s.fits || a.o.best_effort);
	rc = usable ? EXIT_OK : EXIT_FINDINGS;
	if (a.msr && !cli->json) {
		if (usable)
			print_msr(cli, &a, p, &s);
		else
			fprintf(stderr,
				"%s: error: does-not-fit: the map needs %u variable MTRRs, "
				"the CPU has %u (try --best-effort)\n",
				cli->prog, s.lower_bound, a.o.vcnt);
	} else if (cli->json) {
		json_object *doc = plan_json(&a, p, &s, a.from != NULL, fw_count);
		cli_print_json(cli, doc);
		json_object_put(doc);
	} else {
		print_text(cli, &a, p, &s, a.from != NULL, fw_count);
	}
out:
	memtype_plan_free(p);
	memtype_map_free(target);
	return rc;
}
