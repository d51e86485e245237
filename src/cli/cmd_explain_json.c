/*
 * cmd_explain_json.c - the `explain -j` object of docs/json.md, built from
 * a memtype_explain_info; `memtype scan` prints one per file.
 */
#include "cmd_explain.h"

#include <stdlib.h>
#include <string.h>

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
		explain_map_runs(info->mtrr_map, map_run_json, &w);
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
