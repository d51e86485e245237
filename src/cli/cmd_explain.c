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
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (64u << 10)

/* Shared with cmd_scan.c. */
int explain_read_capture(memtype_ctx *ctx, const char *path, memtype_capture_format fmt,
			 memtype_capture **out, char *why, size_t whyn);
char *explain_to_json(const memtype_explain_info *info, size_t *len);

const char cli_help_explain[] =
    "usage: memtype explain [--format auto|dmesg|proc-mtrr|msr|pat-list] [--svg FILE]\n"
    "                       [--fail-on LEVEL] CAPTURE...\n"
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
    "  --svg FILE       also draw the e820, MTRR and Linux maps as an SVG\n"
    "  --fail-on LEVEL  exit 1 when a finding is at or above LEVEL (error, warning,\n"
    "                   info, none; default error)\n"
    "\n"
    "example: memtype explain /var/log/dmesg /proc/mtrr\n";

/* ------------------------------------------------------------ reading */

int explain_read_capture(memtype_ctx *ctx, const char *path, memtype_capture_format fmt,
			 memtype_capture **out, char *why, size_t whyn)
{
	bool std = strcmp(path, "-") == 0;
	int fd = std ? STDIN_FILENO : open(path, O_RDONLY);

	*out = NULL;
	why[0] = '\0';
	if (fd < 0) {
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
	/* read(2) straight into one buffer: no stdio copy (scan reads many files). */
	for (;;) {
		ssize_t got = read(fd, buf, CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = -EIO;
			snprintf(why, whyn, "unreadable: error reading '%s': %s", path,
				 strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		if ((rc = memtype_capture_feed(c, buf, (size_t)got)) != 0)
			goto out;
	}
	rc = memtype_capture_finish(c);
out:
	free(buf);
	if (!std)
		close(fd);
	if (rc != 0) {
		memtype_capture_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* ------------------------------------------------------------ JSON */

/*
 * The object is written as text directly (no json-c tree): `scan` prints one
 * per file, and building and freeing a few hundred json-c nodes per file
 * cost more than explaining it. -p re-reads the text with json-c to indent
 * it, so there is one place that decides the content.
 */
struct jw {
	char *buf;
	size_t len, cap;
	unsigned depth;
	bool comma[64]; /* a value was written at this depth */
	bool after_key;
	bool oom;
};

static void put(struct jw *w, const char *s, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		while (cap < w->len + n + 1)
			cap *= 2;
		char *b = realloc(w->buf, cap);
		if (!b) {
			w->oom = true;
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->comma[w->depth])
		put(w, ",", 1);
	w->comma[w->depth] = true;
}

static void put_string(struct jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	put(w, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		put(w, run, (size_t)(s - run));
		run = s + 1;
		if (ch == '"' || ch == '\\') {
			char e[2] = {'\\', (char)ch};
			put(w, e, 2);
		} else {
			char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
			put(w, e, 6);
		}
	}
	put(w, run, (size_t)(s - run));
	put(w, "\"", 1);
}

static void open_(struct jw *w, char c)
{
	sep(w);
	put(w, &c, 1);
	if (w->depth + 1 < sizeof(w->comma))
		w->depth++;
	w->comma[w->depth] = false;
}

static void close_(struct jw *w, char c)
{
	put(w, &c, 1);
	if (w->depth)
		w->depth--;
}

static void key(struct jw *w, const char *k)
{
	sep(w);
	put_string(w, k);
	put(w, ":", 1);
	w->after_key = true;
}

static void v_null(struct jw *w)
{
	sep(w);
	put(w, "null", 4);
}

static void v_str(struct jw *w, const char *s)
{
	if (!s) {
		v_null(w);
		return;
	}
	sep(w);
	put_string(w, s);
}

static void v_int(struct jw *w, long long v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%lld", v);
	sep(w);
	put(w, b, (size_t)n);
}

static void v_hex(struct jw *w, uint64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "\"0x%llx\"", (unsigned long long)v);
	sep(w);
	put(w, b, (size_t)n);
}

static void v_bool(struct jw *w, int v)
{
	if (v < 0) {
		v_null(w);
		return;
	}
	sep(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

static void range_(struct jw *w, uint64_t start, uint64_t end, const char *type)
{
	open_(w, '{');
	key(w, "start");
	v_hex(w, start);
	key(w, "end");
	v_hex(w, end);
	key(w, "type");
	v_str(w, type);
	close_(w, '}');
}

static void typed_ranges(struct jw *w, const memtype_capture_range *r, size_t n)
{
	open_(w, '[');
	for (size_t i = 0; i < n; i++)
		range_(w, r[i].start, r[i].end, cli_type(r[i].type));
	close_(w, ']');
}

static void vars(struct jw *w, const memtype_capture_var *v, size_t n)
{
	open_(w, '[');
	for (size_t i = 0; i < n; i++) {
		open_(w, '{');
		key(w, "index");
		v_int(w, v[i].index);
		key(w, "enabled");
		v_bool(w, v[i].enabled);
		key(w, "base");
		v[i].enabled ? v_hex(w, v[i].base) : v_null(w);
		key(w, "mask");
		v[i].enabled ? v_hex(w, v[i].mask) : v_null(w);
		key(w, "size");
		v[i].enabled ? v_hex(w, v[i].size) : v_null(w);
		key(w, "type");
		v_str(w, v[i].enabled && v[i].type_valid ? cli_type(v[i].type) : NULL);
		if (v[i].enabled && !v[i].exact) {
			key(w, "mask_from_size");
			v_bool(w, 1);
		}
		close_(w, '}');
	}
	close_(w, ']');
}

/* Call fn for each run of map pieces of one type (the map also splits
 * pieces by provenance). */
static void map_runs(const memtype_map *map, void (*fn)(void *ud, const memtype_range *r), void *ud)
{
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
		if (have)
			fn(ud, &cur);
		cur = p;
		have = true;
	}
	if (have)
		fn(ud, &cur);
}

static void map_run_json(void *ud, const memtype_range *r)
{
	range_(ud, r->start, r->end, cli_type(r->value));
}

static void count_(struct jw *w, const memtype_linux_count *c)
{
	if (!c->known) {
		v_null(w);
		return;
	}
	open_(w, '{');
	key(w, "entries");
	v_int(w, c->entries);
	key(w, "fixed");
	v_int(w, c->fixed);
	key(w, "variable");
	v_int(w, c->variable);
	key(w, "max");
	v_int(w, c->max);
	key(w, "built_from");
	v_int(w, c->built_from);
	close_(w, '}');
}

static void input_(struct jw *w, const memtype_explain_info *info, size_t i)
{
	open_(w, '{');
	key(w, "path");
	v_str(w, info->input_names[i]);
	key(w, "format");
	v_str(w, memtype_capture_format_name(info->input_formats[i]));
	key(w, "contains");
	open_(w, '[');
	for (unsigned f = 1; f <= MEMTYPE_CAPTURE_PAT_LIST; f++)
		if (info->input_formats_seen[i] & (1u << f))
			v_str(w, memtype_capture_format_name((memtype_capture_format)f));
	close_(w, ']');
	close_(w, '}');
}

static void linux_map_(struct jw *w, const memtype_explain_info *info)
{
	const memtype_linux_count *lc = &info->linux_map;
	static const char *const keys[] = {"entries", "fixed", "variable", "max", "built_from"};
	const unsigned vals[] = {lc->entries, lc->fixed, lc->variable, lc->max, lc->built_from};

	open_(w, '{');
	for (unsigned k = 0; k < 5; k++) {
		key(w, keys[k]);
		lc->known ? v_int(w, vals[k]) : v_null(w);
	}
	key(w, "after_cleanup");
	v_bool(w, info->linux_after_cleanup);
	key(w, "firmware");
	count_(w, &info->linux_map_firmware);
	key(w, "log");
	count_(w, &info->log_map);
	key(w, "ranges");
	if (lc->known)
		typed_ranges(w, info->linux_entries, info->nlinux_entries);
	else
		v_null(w);
	close_(w, '}');
}

static void cleanup_(struct jw *w, const memtype_explain_info *info)
{
	const memtype_cleanup_result *r = &info->cleanup_result;
	bool ran = !strcmp(info->cleanup_status, "rewrites") ||
		   !strcmp(info->cleanup_status, "no-optimal");

	open_(w, '{');
	key(w, "status");
	v_str(w, info->cleanup_status);
	key(w, "reason");
	v_str(w, info->cleanup_reason);
	key(w, "total_ram_covered_mb");
	ran ? v_int(w, (long long)info->cleanup_total_mb) : v_null(w);
	key(w, "result");
	if (r->known) {
		open_(w, '{');
		key(w, "gran");
		v_hex(w, r->gran);
		key(w, "chunk");
		v_hex(w, r->chunk);
		key(w, "num_reg");
		v_int(w, r->num_reg);
		key(w, "lose");
		v_hex(w, r->lose);
		key(w, "bad");
		v_bool(w, r->bad);
		close_(w, '}');
	} else {
		v_null(w);
	}
	key(w, "variable");
	if (info->ncleanup_var)
		vars(w, info->cleanup_var, info->ncleanup_var);
	else
		v_null(w);
	close_(w, '}');
}

static void tail_(struct jw *w, const memtype_explain_info *info)
{
	key(w, "checks");
	open_(w, '[');
	for (size_t i = 0; i < info->nchecks; i++) {
		open_(w, '{');
		key(w, "what");
		v_str(w, info->checks[i].what);
		key(w, "result");
		v_str(w, info->checks[i].agrees ? "agrees" : "differs");
		key(w, "log");
		v_str(w, info->checks[i].log);
		key(w, "model");
		v_str(w, info->checks[i].model);
		close_(w, '}');
	}
	close_(w, ']');
	key(w, "assumptions");
	open_(w, '[');
	for (size_t i = 0; i < info->nassumptions; i++)
		v_str(w, info->assumptions[i]);
	close_(w, ']');
	key(w, "findings");
	open_(w, '[');
	for (size_t i = 0; i < info->nfindings; i++) {
		const memtype_finding *f = &info->findings[i];
		open_(w, '{');
		key(w, "severity");
		v_str(w, memtype_severity_name(f->severity));
		key(w, "code");
		v_str(w, f->code);
		key(w, "message");
		v_str(w, f->message);
		if (f->has_range) {
			key(w, "start");
			v_hex(w, f->start);
			key(w, "end");
			v_hex(w, f->end);
		}
		close_(w, '}');
	}
	close_(w, ']');
	key(w, "diagnostics");
	open_(w, '[');
	for (size_t i = 0; i < info->ndiags; i++) {
		const memtype_diag *d = &info->diags[i];
		open_(w, '{');
		key(w, "file");
		v_str(w, d->file);
		key(w, "line");
		v_int(w, d->line);
		key(w, "col");
		v_int(w, d->col);
		key(w, "code");
		v_str(w, d->code);
		key(w, "message");
		v_str(w, d->message);
		close_(w, '}');
	}
	close_(w, ']');
}

char *explain_to_json(const memtype_explain_info *info, size_t *len)
{
	struct jw w = {0};

	open_(&w, '{');
	key(&w, "schema_version");
	v_int(&w, 1);
	key(&w, "input");
	if (info->ninputs == 1) {
		input_(&w, info, 0);
	} else {
		open_(&w, '[');
		for (size_t i = 0; i < info->ninputs; i++)
			input_(&w, info, i);
		close_(&w, ']');
	}
	key(&w, "kernel");
	v_str(&w, info->kernel);
	key(&w, "dmi");
	v_str(&w, info->dmi);
	key(&w, "cpu_vendor");
	v_str(&w, info->cpu_vendor);
	key(&w, "cpu_vendor_source");
	v_str(&w, info->cpu_vendor_source);
	key(&w, "hypervisor");
	v_str(&w, info->hypervisor);
	key(&w, "phys_bits");
	v_int(&w, info->phys_bits);
	key(&w, "phys_bits_source");
	v_str(&w, info->phys_bits_source);

	key(&w, "mtrr");
	open_(&w, '{');
	key(&w, "source");
	v_str(&w, info->mtrr_source);
	key(&w, "enabled");
	v_bool(&w, info->mtrr_enabled);
	key(&w, "fixed_enabled");
	v_bool(&w, info->fixed_enabled);
	key(&w, "default_type");
	v_str(&w, info->default_known ? cli_type(info->default_type) : NULL);
	key(&w, "default_type_source");
	v_str(&w, info->default_known ? info->default_source : NULL);
	key(&w, "vcnt");
	info->vcnt ? v_int(&w, info->vcnt) : v_null(&w);
	key(&w, "vcnt_source");
	v_str(&w, info->vcnt_source);
	key(&w, "fixed");
	if (info->fixed_known)
		typed_ranges(&w, info->fixed, info->nfixed);
	else
		v_null(&w);
	key(&w, "variable");
	if (info->var_known)
		vars(&w, info->var, info->nvar);
	else
		v_null(&w);
	key(&w, "tom2");
	info->tom2 ? v_hex(&w, info->tom2) : v_null(&w);
	key(&w, "tom2_source");
	v_str(&w, info->tom2_source);
	close_(&w, '}');

	key(&w, "pat");
	if (info->pat_known) {
		open_(&w, '[');
		for (unsigned i = 0; i < 8; i++) {
			memtype_type t = (memtype_type)((info->pat >> (8 * i)) & 0xffu);
			const char *n = memtype_type_name(t, MEMTYPE_SPELL_SHORT);
			v_str(&w, n && t != MEMTYPE_WC_PLUS ? n : "?");
		}
		close_(&w, ']');
		key(&w, "pat_msr");
		v_hex(&w, info->pat);
		key(&w, "pat_source");
		v_str(&w, info->pat_source);
	} else {
		v_null(&w);
	}
	key(&w, "e820");
	open_(&w, '[');
	for (size_t i = 0; i < info->ne820; i++)
		range_(&w, info->e820[i].start, info->e820[i].end, info->e820[i].name);
	close_(&w, ']');
	key(&w, "mtrr_map");
	if (info->mtrr_map) {
		open_(&w, '[');
		map_runs(info->mtrr_map, map_run_json, &w);
		close_(&w, ']');
	} else {
		v_null(&w);
	}
	key(&w, "linux_map");
	linux_map_(&w, info);
	key(&w, "cleanup");
	cleanup_(&w, info);
	key(&w, "trim");
	open_(&w, '{');
	key(&w, "runs");
	v_bool(&w, info->trim_runs);
	key(&w, "losing_mb");
	info->trim_runs ? v_int(&w, (long long)info->losing_mb) : v_null(&w);
	close_(&w, '}');
	tail_(&w, info);
	close_(&w, '}');
	if (w.oom) {
		free(w.buf);
		return NULL;
	}
	*len = w.len;
	return w.buf;
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

static void map_run_text(void *ud, const memtype_range *r)
{
	char a[24], b[24];

	snprintf(a, sizeof(a), "0x%llx", (unsigned long long)r->start);
	snprintf(b, sizeof(b), "0x%llx", (unsigned long long)r->end);
	fprintf(ud, "  %18s-%-18s %s\n", a, b, cli_type(r->value));
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
		fprintf(o, "\nMTRR map (architectural, [0, 2^%u)):\n", info->phys_bits);
		map_runs(info->mtrr_map, map_run_text, o);
	}

	fprintf(o, "\nLinux:\n  mtrr_cleanup: %s -- %s\n", info->cleanup_status,
		info->cleanup_reason);
	if (info->cleanup_result.known) {
		const memtype_cleanup_result *r = &info->cleanup_result;
		char g[32], c[32], l[32];
		fprintf(o,
			"    total RAM covered: %lluM; gran_size: %s chunk_size: %s num_reg: %u "
			"lose cover RAM: %s\n",
			(unsigned long long)info->cleanup_total_mb, size_kmg(g, sizeof(g), r->gran),
			size_kmg(c, sizeof(c), r->chunk), r->num_reg,
			size_kmg(l, sizeof(l), r->lose));
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

static void svg_out(void *ud, const char *data, size_t len)
{
	fwrite(data, 1, len, ud);
}

static int write_svg(struct cli *cli, const memtype_explain *e, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "%s: error: unwritable: cannot open '%s': %s\n", cli->prog, path,
			strerror(errno));
		return -1;
	}
	int rc = memtype_explain_svg(e, svg_out, f);
	if (fclose(f) != 0 || rc != 0) {
		fprintf(stderr, "%s: error: write-failed: cannot write '%s'\n", cli->prog, path);
		return -1;
	}
	return 0;
}

int cmd_explain(struct cli *cli, int argc, char **argv)
{
	memtype_capture_format fmt = MEMTYPE_CAPTURE_AUTO;
	int fail_on = MEMTYPE_SEV_ERROR; /* 3 = none */
	const char *svg = NULL;
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
			if (!strcmp(a, "--svg"))
				svg = v;
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
			size_t len = 0;
			char *text = explain_to_json(info, &len);
			json_object *doc = text && cli->pretty ? json_tokener_parse(text) : NULL;
			if (!text || (cli->pretty && !doc)) {
				fprintf(stderr, "%s: error: no-memory: cannot build the JSON\n",
					cli->prog);
				rc = EXIT_INTERNAL;
			} else if (doc) {
				cli_print_json(cli, doc);
			} else {
				fwrite(text, 1, len, cli->out);
				fputc('\n', cli->out);
			}
			json_object_put(doc);
			free(text);
		} else {
			print_text(cli, info);
		}
		if (svg && write_svg(cli, e, svg) != 0)
			rc = EXIT_INTERNAL;
		for (size_t i = 0; rc == EXIT_OK && i < info->nfindings && fail_on < 3; i++)
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
