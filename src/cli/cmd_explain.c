/*
 * cmd_explain.c - `memtype explain CAPTURE...`: what a machine's dmesg,
 * /proc/mtrr, MSR dump or pat_memtype_list says about its memory types.
 *
 * Every file is streamed into a capture (64 KiB at a time; memory stays
 * bounded whatever the size), the captures are merged as one machine, and
 * the explanation is printed as a report or, with -j, as the object that
 * DESIGN.md §3 and docs/json.md specify. This file also holds the JSON
 * builder and the capture reader that `memtype scan` (cmd_scan.c) uses, so
 * both verbs print the same object.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (64u << 10)

/* Shared with cmd_scan.c. */
int explain_read_capture(memtype_ctx *ctx, const char *path, memtype_capture_format fmt,
			 memtype_capture **out, char *why, size_t whyn);
json_object *explain_to_json(const memtype_explain_info *info);

const char cli_help_explain[] =
    "usage: memtype explain [--format auto|dmesg|proc-mtrr|msr|pat-list] [--fail-on LEVEL]\n"
    "                       CAPTURE...\n"
    "\n"
    "Reads captures of one machine -- dmesg logs of any era (2.6.32 .. 6.17; with or\n"
    "without timestamps, journalctl 'kernel:' prefixes, mail quoting), /proc/mtrr,\n"
    "MSR dumps (rdmsr/wrmsr output, '0x2ff: 0xc00' lines), pat_memtype_list -- and\n"
    "merges them (disagreements are reported). Prints the reconstructed MTRR/PAT/e820\n"
    "state, the architectural MTRR map over [0, 2^phys_bits), what Linux's\n"
    "mtrr_cleanup would do, the 6.5+ 'MTRR map:' count, cross-checks against what\n"
    "the log itself says, and findings. '-' reads standard input. Formats are\n"
    "detected per line; --format forces one. See docs/capture-formats.md.\n"
    "\n"
    "  -j / -p          the JSON object of docs/json.md ('explain -j')\n"
    "  --fail-on LEVEL  exit 1 when a finding is at or above LEVEL (error, warning,\n"
    "                   info, none; default error)\n"
    "\n"
    "example: memtype explain /var/log/dmesg /proc/mtrr\n";

/* ------------------------------------------------------------ reading */

int explain_read_capture(memtype_ctx *ctx, const char *path, memtype_capture_format fmt,
			 memtype_capture **out, char *why, size_t whyn)
{
	bool std = strcmp(path, "-") == 0;
	FILE *f = std ? stdin : fopen(path, "rb");

	*out = NULL;
	why[0] = '\0';
	if (!f) {
		snprintf(why, whyn, "unreadable: cannot open '%s': %s", path, strerror(errno));
		return -EIO;
	}
	memtype_capture *c = memtype_capture_new(ctx, std ? "<stdin>" : path, fmt);
	char *buf = malloc(CHUNK);
	int rc = 0;
	if (!c || !buf) {
		rc = -ENOMEM;
		snprintf(why, whyn, "no-memory: cannot read '%s'", path);
		goto out;
	}
	for (;;) {
		size_t got = fread(buf, 1, CHUNK, f);
		if (got > 0 && (rc = memtype_capture_feed(c, buf, got)) != 0)
			goto out;
		if (got < CHUNK)
			break;
	}
	if (ferror(f)) {
		rc = -EIO;
		snprintf(why, whyn, "unreadable: error reading '%s'", path);
		goto out;
	}
	rc = memtype_capture_finish(c);
out:
	free(buf);
	if (!std)
		fclose(f);
	if (rc != 0) {
		memtype_capture_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* ------------------------------------------------------------ JSON */

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *tri(int v)
{
	return v < 0 ? NULL : json_object_new_boolean(v != 0);
}

static json_object *range_json(uint64_t start, uint64_t end)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "start", cli_hex(start));
	json_object_object_add(o, "end", cli_hex(end));
	return o;
}

static json_object *typed_ranges(const memtype_capture_range *r, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *o = range_json(r[i].start, r[i].end);
		json_object_object_add(o, "type", json_object_new_string(cli_type(r[i].type)));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *vars_json(const memtype_capture_var *v, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "index", json_object_new_int((int)v[i].index));
		json_object_object_add(o, "enabled", json_object_new_boolean(v[i].enabled));
		json_object_object_add(o, "base", v[i].enabled ? cli_hex(v[i].base) : NULL);
		json_object_object_add(o, "mask", v[i].enabled ? cli_hex(v[i].mask) : NULL);
		json_object_object_add(o, "size", v[i].enabled ? cli_hex(v[i].size) : NULL);
		json_object_object_add(o, "type",
				       v[i].enabled && v[i].type_valid
					   ? json_object_new_string(cli_type(v[i].type))
					   : NULL);
		if (v[i].enabled && !v[i].exact)
			json_object_object_add(o, "mask_from_size", json_object_new_boolean(true));
		json_object_array_add(a, o);
	}
	return a;
}

/* The map as ranges, adjacent pieces of the same type merged. */
static json_object *map_json(const memtype_map *map)
{
	json_object *a = json_object_new_array();
	size_t n = memtype_map_count(map);
	memtype_range cur = {0};
	bool have = false;

	for (size_t i = 0; i < n; i++) {
		memtype_range p;
		if (memtype_map_get(map, i, &p))
			break;
		if (have && p.value == cur.value && p.start == cur.end + 1) {
			cur.end = p.end;
			continue;
		}
		if (have) {
			json_object *o = range_json(cur.start, cur.end);
			json_object_object_add(o, "type",
					       json_object_new_string(cli_type(cur.value)));
			json_object_array_add(a, o);
		}
		cur = p;
		have = true;
	}
	if (have) {
		json_object *o = range_json(cur.start, cur.end);
		json_object_object_add(o, "type", json_object_new_string(cli_type(cur.value)));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *count_json(const memtype_linux_count *c)
{
	if (!c->known)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "entries", json_object_new_int((int)c->entries));
	json_object_object_add(o, "fixed", json_object_new_int((int)c->fixed));
	json_object_object_add(o, "variable", json_object_new_int((int)c->variable));
	json_object_object_add(o, "max", json_object_new_int((int)c->max));
	json_object_object_add(o, "built_from", json_object_new_int((int)c->built_from));
	return o;
}

static json_object *result_json(const memtype_cleanup_result *r)
{
	if (!r->known)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "gran", cli_hex(r->gran));
	json_object_object_add(o, "chunk", cli_hex(r->chunk));
	json_object_object_add(o, "num_reg", json_object_new_int((int)r->num_reg));
	json_object_object_add(o, "lose", cli_hex(r->lose));
	json_object_object_add(o, "bad", json_object_new_boolean(r->bad));
	return o;
}

static json_object *input_json(const memtype_explain_info *info, size_t i)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(info->input_names[i]));
	json_object_object_add(o, "format",
			       str_or_null(memtype_capture_format_name(info->input_formats[i])));
	json_object *c = json_object_new_array();
	for (unsigned f = 1; f <= MEMTYPE_CAPTURE_PAT_LIST; f++)
		if (info->input_formats_seen[i] & (1u << f))
			json_object_array_add(c, json_object_new_string(memtype_capture_format_name(
						     (memtype_capture_format)f)));
	json_object_object_add(o, "contains", c);
	return o;
}

json_object *explain_to_json(const memtype_explain_info *info)
{
	json_object *doc = json_object_new_object();

	json_object_object_add(doc, "schema_version", json_object_new_int(1));
	if (info->ninputs == 1) {
		json_object_object_add(doc, "input", input_json(info, 0));
	} else {
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < info->ninputs; i++)
			json_object_array_add(a, input_json(info, i));
		json_object_object_add(doc, "input", a);
	}
	json_object_object_add(doc, "kernel", str_or_null(info->kernel));
	json_object_object_add(doc, "dmi", str_or_null(info->dmi));
	json_object_object_add(doc, "cpu_vendor", str_or_null(info->cpu_vendor));
	json_object_object_add(doc, "cpu_vendor_source", str_or_null(info->cpu_vendor_source));
	json_object_object_add(doc, "hypervisor", str_or_null(info->hypervisor));
	json_object_object_add(doc, "phys_bits", json_object_new_int((int)info->phys_bits));
	json_object_object_add(doc, "phys_bits_source", str_or_null(info->phys_bits_source));

	json_object *m = json_object_new_object();
	json_object_object_add(m, "source", str_or_null(info->mtrr_source));
	json_object_object_add(m, "enabled", tri(info->mtrr_enabled));
	json_object_object_add(m, "fixed_enabled", tri(info->fixed_enabled));
	json_object_object_add(
	    m, "default_type",
	    info->default_known ? json_object_new_string(cli_type(info->default_type)) : NULL);
	json_object_object_add(m, "default_type_source",
			       info->default_known ? str_or_null(info->default_source) : NULL);
	json_object_object_add(m, "vcnt", info->vcnt ? json_object_new_int((int)info->vcnt) : NULL);
	json_object_object_add(m, "vcnt_source", str_or_null(info->vcnt_source));
	json_object_object_add(m, "fixed",
			       info->fixed_known ? typed_ranges(info->fixed, info->nfixed) : NULL);
	json_object_object_add(m, "variable",
			       info->var_known ? vars_json(info->var, info->nvar) : NULL);
	json_object_object_add(m, "tom2", info->tom2 ? cli_hex(info->tom2) : NULL);
	json_object_object_add(m, "tom2_source", str_or_null(info->tom2_source));
	json_object_object_add(doc, "mtrr", m);

	if (info->pat_known) {
		json_object *p = json_object_new_array();
		for (unsigned i = 0; i < 8; i++) {
			memtype_type t = (memtype_type)((info->pat >> (8 * i)) & 0xffu);
			const char *n = memtype_type_name(t, MEMTYPE_SPELL_SHORT);
			json_object_array_add(
			    p, json_object_new_string(n && t != MEMTYPE_WC_PLUS ? n : "?"));
		}
		json_object_object_add(doc, "pat", p);
		json_object_object_add(doc, "pat_msr", cli_hex(info->pat));
		json_object_object_add(doc, "pat_source", str_or_null(info->pat_source));
	} else {
		json_object_object_add(doc, "pat", NULL);
	}

	json_object *e = json_object_new_array();
	for (size_t i = 0; i < info->ne820; i++) {
		json_object *o = range_json(info->e820[i].start, info->e820[i].end);
		json_object_object_add(o, "type", json_object_new_string(info->e820[i].name));
		json_object_array_add(e, o);
	}
	json_object_object_add(doc, "e820", e);
	json_object_object_add(doc, "mtrr_map", info->mtrr_map ? map_json(info->mtrr_map) : NULL);

	json_object *l = json_object_new_object();
	const memtype_linux_count *lc = &info->linux_map;
	json_object_object_add(l, "entries",
			       lc->known ? json_object_new_int((int)lc->entries) : NULL);
	json_object_object_add(l, "fixed", lc->known ? json_object_new_int((int)lc->fixed) : NULL);
	json_object_object_add(l, "variable",
			       lc->known ? json_object_new_int((int)lc->variable) : NULL);
	json_object_object_add(l, "max", lc->known ? json_object_new_int((int)lc->max) : NULL);
	json_object_object_add(l, "built_from",
			       lc->known ? json_object_new_int((int)lc->built_from) : NULL);
	json_object_object_add(l, "after_cleanup",
			       json_object_new_boolean(info->linux_after_cleanup));
	json_object_object_add(l, "firmware", count_json(&info->linux_map_firmware));
	json_object_object_add(l, "log", count_json(&info->log_map));
	json_object_object_add(l, "ranges",
			       lc->known ? typed_ranges(info->linux_entries, info->nlinux_entries)
					 : NULL);
	json_object_object_add(doc, "linux_map", l);

	json_object *c = json_object_new_object();
	json_object_object_add(c, "status", str_or_null(info->cleanup_status));
	json_object_object_add(c, "reason", str_or_null(info->cleanup_reason));
	json_object_object_add(c, "total_ram_covered_mb",
			       strcmp(info->cleanup_status, "rewrites") == 0 ||
				       strcmp(info->cleanup_status, "no-optimal") == 0
				   ? json_object_new_int64((int64_t)info->cleanup_total_mb)
				   : NULL);
	json_object_object_add(c, "result", result_json(&info->cleanup_result));
	json_object_object_add(c, "variable",
			       info->ncleanup_var ? vars_json(info->cleanup_var, info->ncleanup_var)
						  : NULL);
	json_object_object_add(doc, "cleanup", c);

	json_object *t = json_object_new_object();
	json_object_object_add(t, "runs", json_object_new_boolean(info->trim_runs));
	json_object_object_add(t, "losing_mb",
			       info->trim_runs ? json_object_new_int64((int64_t)info->losing_mb)
					       : NULL);
	json_object_object_add(doc, "trim", t);

	json_object *ch = json_object_new_array();
	for (size_t i = 0; i < info->nchecks; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "what", json_object_new_string(info->checks[i].what));
		json_object_object_add(
		    o, "result",
		    json_object_new_string(info->checks[i].agrees ? "agrees" : "differs"));
		json_object_object_add(o, "log", json_object_new_string(info->checks[i].log));
		json_object_object_add(o, "model", json_object_new_string(info->checks[i].model));
		json_object_array_add(ch, o);
	}
	json_object_object_add(doc, "checks", ch);

	json_object *as = json_object_new_array();
	for (size_t i = 0; i < info->nassumptions; i++)
		json_object_array_add(as, json_object_new_string(info->assumptions[i]));
	json_object_object_add(doc, "assumptions", as);

	json_object *fs = json_object_new_array();
	for (size_t i = 0; i < info->nfindings; i++) {
		const memtype_finding *f = &info->findings[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "severity",
				       json_object_new_string(memtype_severity_name(f->severity)));
		json_object_object_add(o, "code", json_object_new_string(f->code));
		json_object_object_add(o, "message", json_object_new_string(f->message));
		if (f->has_range) {
			json_object_object_add(o, "start", cli_hex(f->start));
			json_object_object_add(o, "end", cli_hex(f->end));
		}
		json_object_array_add(fs, o);
	}
	json_object_object_add(doc, "findings", fs);

	json_object *ds = json_object_new_array();
	for (size_t i = 0; i < info->ndiags; i++) {
		const memtype_diag *d = &info->diags[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "file", json_object_new_string(d->file));
		json_object_object_add(o, "line", json_object_new_int((int)d->line));
		json_object_object_add(o, "col", json_object_new_int((int)d->col));
		json_object_object_add(o, "code", json_object_new_string(d->code));
		json_object_object_add(o, "message", json_object_new_string(d->message));
		json_object_array_add(ds, o);
	}
	json_object_object_add(doc, "diagnostics", ds);
	return doc;
}

/* ------------------------------------------------------------ text */

static const char *yesno(int v, const char *yes, const char *no)
{
	return v < 0 ? "unknown" : v ? yes : no;
}

/* A size as the kernel's cleanup prints it: K, M or G (to_size_factor). */
static const char *size_kmg(char *buf, size_t n, uint64_t bytes)
{
	uint64_t k = bytes >> 10;

	if (k & 1023u)
		snprintf(buf, n, "%lluK", (unsigned long long)k);
	else if (k & ((1u << 20) - 1))
		snprintf(buf, n, "%lluM", (unsigned long long)(k >> 10));
	else
		snprintf(buf, n, "%lluG", (unsigned long long)(k >> 20));
	return buf;
}

static void print_count(FILE *o, const char *label, const memtype_linux_count *c)
{
	if (!c->known)
		return;
	fprintf(o,
		"  %s MTRR map: %u entries (%u fixed + %u variable; max %u), built from %u "
		"variable MTRRs\n",
		label, c->entries, c->fixed, c->variable, c->max, c->built_from);
}

static void print_vars(FILE *o, const memtype_capture_var *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!v[i].enabled) {
			fprintf(o, "    %2u  unused\n", v[i].index);
			continue;
		}
		fprintf(o, "    %2u  0x%llx-0x%llx %s  (base 0x%llx mask 0x%llx%s)\n", v[i].index,
			(unsigned long long)v[i].base,
			(unsigned long long)(v[i].base + v[i].size - 1),
			v[i].type_valid ? cli_type(v[i].type) : "?", (unsigned long long)v[i].base,
			(unsigned long long)v[i].mask, v[i].exact ? "" : ", from the size");
	}
}

static void print_text(struct cli *cli, const memtype_explain_info *info)
{
	FILE *o = cli->out;

	for (size_t i = 0; i < info->ninputs; i++)
		fprintf(o, "%s (%s)\n", info->input_names[i],
			memtype_capture_format_name(info->input_formats[i]));
	if (info->kernel || info->dmi)
		fprintf(o, "  %s%s%s\n", info->kernel ? "Linux " : "",
			info->kernel ? info->kernel : "", info->dmi ? "" : "");
	if (info->dmi)
		fprintf(o, "  DMI: %s\n", info->dmi);
	fprintf(o, "  CPU: %s%s%s%s, MAXPHYADDR %u (%s)%s%s\n",
		info->cpu_vendor ? info->cpu_vendor : "vendor unknown",
		info->cpu_vendor_source ? " (" : "",
		info->cpu_vendor_source ? info->cpu_vendor_source : "",
		info->cpu_vendor_source ? ")" : "", info->phys_bits, info->phys_bits_source,
		info->hypervisor ? ", hypervisor " : "", info->hypervisor ? info->hypervisor : "");

	fprintf(o, "\nMTRRs (from %s): %s, fixed ranges %s, default %s%s%s%s, VCNT ",
		info->mtrr_source, yesno(info->mtrr_enabled, "enabled", "disabled"),
		yesno(info->fixed_enabled, "enabled", "disabled"),
		info->default_known ? cli_type(info->default_type) : "unknown",
		info->default_known ? " (" : "", info->default_known ? info->default_source : "",
		info->default_known ? ")" : "");
	if (info->vcnt)
		fprintf(o, "%u (%s)\n", info->vcnt, info->vcnt_source);
	else
		fprintf(o, "unknown\n");
	if (info->fixed_known) {
		fprintf(o, "  fixed:");
		for (size_t i = 0; i < info->nfixed; i++)
			fprintf(o, " %05llX-%05llX %s", (unsigned long long)info->fixed[i].start,
				(unsigned long long)info->fixed[i].end,
				cli_type(info->fixed[i].type));
		fputc('\n', o);
	}
	if (info->var_known) {
		fprintf(o, "  variable:\n");
		print_vars(o, info->var, info->nvar);
	}
	if (info->tom2)
		fprintf(o,
			"  TOM2: 0x%llx (%s): [4 GiB, TOM2) is WB where no variable MTRR matches\n",
			(unsigned long long)info->tom2, info->tom2_source);
	if (info->pat_known) {
		fprintf(o, "PAT:");
		for (unsigned i = 0; i < 8; i++)
			fprintf(o, " %s", cli_type((memtype_type)((info->pat >> (8 * i)) & 0xffu)));
		fprintf(o, "  (0x%016llx, %s)\n", (unsigned long long)info->pat, info->pat_source);
	}
	if (info->ne820) {
		uint64_t ram = 0;
		for (size_t i = 0; i < info->ne820; i++)
			if (!strcmp(info->e820[i].name, "usable"))
				ram += info->e820[i].end - info->e820[i].start + 1;
		fprintf(o, "e820: %zu entries, %llu MiB usable\n", info->ne820,
			(unsigned long long)(ram >> 20));
	}
	if (info->mtrr_map) {
		json_object *a = map_json(info->mtrr_map);
		fprintf(o, "\nMTRR map (architectural, [0, 2^%u)):\n", info->phys_bits);
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *r = json_object_array_get_idx(a, i), *s, *e, *t;
			json_object_object_get_ex(r, "start", &s);
			json_object_object_get_ex(r, "end", &e);
			json_object_object_get_ex(r, "type", &t);
			fprintf(o, "  %18s-%-18s %s\n", json_object_get_string(s),
				json_object_get_string(e), json_object_get_string(t));
		}
		json_object_put(a);
	}

	fprintf(o, "\nLinux:\n  mtrr_cleanup: %s -- %s\n", info->cleanup_status,
		info->cleanup_reason);
	if (info->cleanup_result.known) {
		const memtype_cleanup_result *r = &info->cleanup_result;
		char g[32], c[32], l[32];
		fprintf(o, "    total RAM covered: %lluM; gran_size: %s chunk_size: %s num_reg: %u "
			   "lose cover RAM: %s\n",
			(unsigned long long)info->cleanup_total_mb, size_kmg(g, sizeof(g), r->gran),
			size_kmg(c, sizeof(c), r->chunk), r->num_reg, size_kmg(l, sizeof(l), r->lose));
		print_vars(o, info->cleanup_var, info->ncleanup_var);
	}
	print_count(
	    o, info->linux_after_cleanup ? "6.5+ (after cleanup):" : "6.5+:", &info->linux_map);
	if (info->linux_after_cleanup)
		print_count(o, "6.5+ (firmware registers):", &info->linux_map_firmware);
	print_count(o, "the log's", &info->log_map);
	if (info->trim_runs)
		fprintf(o, "  trim: %s\n",
			info->losing_mb ? "RAM not WB is removed" : "all RAM is WB");
	if (info->trim_runs && info->losing_mb)
		fprintf(o,
			"    WARNING: BIOS bug: CPU MTRRs don't cover all of memory, losing %lluMB "
			"of RAM.\n",
			(unsigned long long)info->losing_mb);

	if (info->nchecks) {
		fprintf(o, "\nChecks against the capture:\n");
		for (size_t i = 0; i < info->nchecks; i++) {
			const memtype_check *c = &info->checks[i];
			fprintf(o, "  %-7s %-17s %s\n", c->agrees ? "agrees" : "DIFFERS", c->what,
				c->log);
			if (!c->agrees || cli->verbose)
				fprintf(o, "  %-7s %-17s model: %s\n", "", "", c->model);
		}
	}
	if (info->nfindings) {
		fprintf(o, "\nFindings:\n");
		for (size_t i = 0; i < info->nfindings; i++) {
			const memtype_finding *f = &info->findings[i];
			char first[80];
			snprintf(first, sizeof(first),
				 "  %s %s:", memtype_severity_name(f->severity), f->code);
			cli_print_wrapped(o, first, f->message, 6, 100);
		}
	}
	if (info->nassumptions) {
		fprintf(o, "\nAssumptions:\n");
		for (size_t i = 0; i < info->nassumptions; i++)
			cli_print_wrapped(o, "  -", info->assumptions[i], 4, 100);
	}
	if (info->ndiags) {
		fprintf(o, "\nLines not used:\n");
		for (size_t i = 0; i < info->ndiags; i++) {
			const memtype_diag *d = &info->diags[i];
			fprintf(o, "  %s:%u:%u: %s: %s\n", d->file, d->line, d->col, d->code,
				d->message);
		}
	}
}

/* ------------------------------------------------------------ verb */

int cmd_explain(struct cli *cli, int argc, char **argv)
{
	memtype_capture_format fmt = MEMTYPE_CAPTURE_AUTO;
	int fail_on = MEMTYPE_SEV_ERROR; /* 3 = none */
	const char **files = calloc((size_t)argc, sizeof(*files));
	int nfiles = 0, rc = EXIT_OK;

	if (!files)
		return EXIT_INTERNAL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int g = cli_verb_option(cli, argc, argv, &i, "explain");
		if (g < 0 || g == 2) {
			free(files);
			return g < 0 ? EXIT_USAGE : EXIT_OK;
		}
		if (g > 0)
			continue;
		if (!strcmp(a, "--format") || !strcmp(a, "--fail-on") || !strcmp(a, "--svg")) {
			if (i + 1 >= argc) {
				cli_usage_error(cli, "%s needs a value", a);
				free(files);
				return EXIT_USAGE;
			}
			const char *v = argv[++i];
			if (!strcmp(a, "--format") && memtype_capture_format_parse(v, &fmt) != 0) {
				cli_usage_error(cli,
						"--format takes auto, dmesg, proc-mtrr, msr or "
						"pat-list, not '%s'",
						v);
				free(files);
				return EXIT_USAGE;
			}
			if (!strcmp(a, "--svg")) {
				cli_usage_error(cli, "--svg is not implemented for captures yet");
				free(files);
				return EXIT_USAGE;
			}
			if (!strcmp(a, "--fail-on")) {
				static const char *const lv[] = {"info", "warning", "error",
								 "none"};
				fail_on = -1;
				for (int k = 0; k < 4; k++)
					if (!strcmp(v, lv[k]))
						fail_on = k;
				if (fail_on < 0) {
					cli_usage_error(
					    cli, "--fail-on takes error, warning, info or none");
					free(files);
					return EXIT_USAGE;
				}
			}
			continue;
		}
		if (a[0] == '-' && a[1] != '\0') {
			cli_usage_error(cli, "explain: unknown option '%s'", a);
			free(files);
			return EXIT_USAGE;
		}
		files[nfiles++] = a;
	}
	if (nfiles == 0) {
		cli_usage_error(
		    cli, "explain needs at least one capture file (see 'memtype help explain')");
		free(files);
		return EXIT_USAGE;
	}
	memtype_capture **caps = calloc((size_t)nfiles, sizeof(*caps));
	if (!caps) {
		free(files);
		return EXIT_INTERNAL;
	}
	for (int i = 0; i < nfiles && rc == EXIT_OK; i++) {
		char why[512];
		if (explain_read_capture(cli->ctx, files[i], fmt, &caps[i], why, sizeof(why)) !=
		    0) {
			if (why[0])
				fprintf(stderr, "%s: error: %s\n", cli->prog, why);
			else
				cli_lib_error(cli);
			rc = EXIT_INPUT;
		}
	}
	memtype_explain *e = NULL;
	if (rc == EXIT_OK && memtype_explain_run(cli->ctx, (const memtype_capture *const *)caps,
						 (size_t)nfiles, &e) != 0) {
		cli_lib_error(cli);
		rc = EXIT_INTERNAL;
	}
	if (rc == EXIT_OK) {
		const memtype_explain_info *info = memtype_explain_get(e);
		if (cli->json) {
			json_object *doc = explain_to_json(info);
			/* cli_print_json prints the object as built (schema_version first). */
			cli_print_json(cli, doc);
			json_object_put(doc);
		} else {
			print_text(cli, info);
		}
		for (size_t i = 0; i < info->nfindings && fail_on < 3; i++)
			if ((int)info->findings[i].severity >= fail_on)
				rc = EXIT_FINDINGS;
	}
	memtype_explain_free(e);
	for (int i = 0; i < nfiles; i++)
		memtype_capture_free(caps[i]);
	free(caps);
	free(files);
	return rc;
}
