/*
 * regs.c - register files: a machine's MSR values as text.
 *
 * `memtype resolve` reads a register state from --msr options or a small
 * line-oriented file (docs/register-file.md) that accepts what people paste:
 * "wrmsr 0x2ff 0xc06" lines (msr-tools), "0x2ff: c06" lines (rdmsr dumps,
 * hex without 0x), "IA32_MTRR_DEF_TYPE: 0xc06", and the keys cpu,
 * phys_bits and mtrrcap. MSR indexes and values are always hexadecimal,
 * "0x" optional, as rdmsr prints them. Writes are replayed in file order
 * into a reset MTRR state, so a write the hardware would refuse is reported
 * as #GP at its own line.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define MT_REGS_MAX_FILES 64

struct reg_entry {
	uint32_t index;
	uint64_t value;
	unsigned line, col;
	unsigned file;
};

struct memtype_regs {
	memtype_ctx *ctx;
	memtype_cpu cpu;
	unsigned phys_bits;
	const char *phys_src;
	uint64_t mtrrcap;
	bool seen_cpu, seen_phys, seen_cap;
	struct reg_entry *e;
	size_t n, cap;
	char *files[MT_REGS_MAX_FILES];
	unsigned nfiles;
};

memtype_regs *memtype_regs_new(memtype_ctx *ctx)
{
	memtype_regs *r = mt_alloc(ctx, sizeof(*r));
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->cpu = MEMTYPE_CPU_INTEL;
	/* Without CPUID.80000008H, software assumes MAXPHYADDR 36 (SDM Vol. 3A §11.11.2.3). */
	r->phys_bits = 36;
	r->phys_src = "default";
	/* KVM's MTRRcap for every guest: VCNT 8, FIX, WC (Linux arch/x86/kvm/mtrr.c). */
	r->mtrrcap = MEMTYPE_MTRRCAP_KVM;
	return r;
}

void memtype_regs_free(memtype_regs *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->nfiles; i++)
		mt_free(r->ctx, r->files[i], strlen(r->files[i]) + 1);
	mt_free(r->ctx, r->e, r->cap * sizeof(*r->e));
	mt_free(r->ctx, r, sizeof(*r));
}

int memtype_regs_set_cpu(memtype_regs *r, memtype_cpu cpu)
{
	if (cpu != MEMTYPE_CPU_INTEL && cpu != MEMTYPE_CPU_AMD)
		return mt_error(r->ctx, -EINVAL, "bad-cpu", "cpu must be intel or amd");
	r->cpu = cpu;
	return 0;
}

int memtype_regs_set_phys_bits(memtype_regs *r, unsigned phys_bits)
{
	if (phys_bits < 32 || phys_bits > 52)
		return mt_error(r->ctx, -EINVAL, "bad-phys-bits",
				"phys_bits %u is outside 32..52 (MAXPHYADDR)", phys_bits);
	r->phys_bits = phys_bits;
	r->phys_src = "option";
	return 0;
}

memtype_cpu memtype_regs_cpu(const memtype_regs *r)
{
	return r->cpu;
}

const char *memtype_regs_phys_bits_source(const memtype_regs *r)
{
	return r->phys_src;
}

bool memtype_regs_pat(const memtype_regs *r, uint64_t *pat)
{
	bool found = false;
	for (size_t i = 0; i < r->n; i++) {
		if (r->e[i].index == MEMTYPE_MSR_PAT) {
			*pat = r->e[i].value;
			found = true;
		}
	}
	return found;
}

/* A parse position, for diagnostics. */
struct cursor {
	memtype_regs *r;
	const char *name;
	unsigned file;
	unsigned line;
	const char *linestart;
};

static int perr(const struct cursor *c, const char *at, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int perr(const struct cursor *c, const char *at, const char *code, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	unsigned col = at && c->linestart ? (unsigned)(at - c->linestart) + 1 : 0;
	return mt_error_at(c->r->ctx, -EINVAL, c->name, c->line, col, code, "%s", msg);
}

/* Hexadecimal, "0x" optional, at most 64 bits. */
static int parse_hex(const char *s, size_t len, uint64_t *out)
{
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > 16)
		return len > 16 ? -ERANGE : -EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		unsigned d;
		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A' + 10);
		else
			return -EINVAL;
		v = (v << 4) | d;
	}
	*out = v;
	return 0;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Split the next whitespace-separated token of [*p, end). */
static bool next_token(const char **p, const char *end, const char **tok, size_t *len)
{
	const char *s = *p;
	while (s < end && is_space(*s))
		s++;
	if (s >= end)
		return false;
	const char *t = s;
	while (s < end && !is_space(*s))
		s++;
	*tok = t;
	*len = (size_t)(s - t);
	*p = s;
	return true;
}

static int add_entry(struct cursor *c, uint32_t index, uint64_t value, const char *at)
{
	memtype_regs *r = c->r;
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16;
		struct reg_entry *e = mt_realloc(r->ctx, r->e, r->cap * sizeof(*e), ncap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		r->e = e;
		r->cap = ncap;
	}
	struct reg_entry *e = &r->e[r->n++];
	e->index = index;
	e->value = value;
	e->line = c->line;
	e->col = at && c->linestart ? (unsigned)(at - c->linestart) + 1 : 0;
	e->file = c->file;
	return 0;
}

/* An MSR given by hex index or by name; only MTRR MSRs and IA32_PAT. */
static int parse_msr(struct cursor *c, const char *s, size_t len, uint32_t *index)
{
	uint64_t v;
	if (memtype_msr_parse_name(s, len, index) == 0)
		return 0;
	if (parse_hex(s, len, &v) != 0)
		return perr(c, s, "unknown-msr",
			    "expected an MSR index (hex) or name such as IA32_MTRR_DEF_TYPE, got '%.*s'",
			    (int)len, s);
	if (v != MEMTYPE_MSR_PAT && v != MEMTYPE_MSR_MTRRCAP && !memtype_msr_is_mtrr((uint32_t)v))
		return perr(c, s, "unknown-msr",
			    "MSR 0x%llx is not an MTRR MSR or IA32_PAT, which is all this file describes",
			    (unsigned long long)v);
	*index = (uint32_t)v;
	return 0;
}

static int parse_value(struct cursor *c, const char *s, size_t len, uint64_t *v)
{
	int rc = parse_hex(s, len, v);
	if (rc == -ERANGE)
		return perr(c, s, "bad-number", "value '%.*s' does not fit in 64 bits", (int)len, s);
	if (rc)
		return perr(c, s, "bad-number",
			    "expected a hexadecimal MSR value (\"0x\" optional), got '%.*s'", (int)len, s);
	return 0;
}

static int parse_key(struct cursor *c, const char *key, size_t klen, const char *val, size_t vlen)
{
	memtype_regs *r = c->r;
	if (mt_word_eq(key, klen, "cpu")) {
		if (r->seen_cpu)
			return perr(c, key, "duplicate-key", "'cpu' is given twice");
		r->seen_cpu = true;
		if (mt_word_eq(val, vlen, "intel"))
			r->cpu = MEMTYPE_CPU_INTEL;
		else if (mt_word_eq(val, vlen, "amd"))
			r->cpu = MEMTYPE_CPU_AMD;
		else
			return perr(c, val, "syntax", "expected 'intel' or 'amd', got '%.*s'",
				    (int)vlen, val);
		return 0;
	}
	if (mt_word_eq(key, klen, "phys_bits")) {
		uint64_t v;
		if (r->seen_phys)
			return perr(c, key, "duplicate-key", "'phys_bits' is given twice");
		r->seen_phys = true;
		if (memtype_parse_u64(val, vlen, &v) || v < 32 || v > 52)
			return perr(c, val, "bad-number",
				    "expected phys_bits (MAXPHYADDR) from 32 to 52, got '%.*s'",
				    (int)vlen, val);
		r->phys_bits = (unsigned)v;
		r->phys_src = "file";
		return 0;
	}
	if (mt_word_eq(key, klen, "mtrrcap")) {
		if (r->seen_cap)
			return perr(c, key, "duplicate-key", "'mtrrcap' is given twice");
		int rc = parse_value(c, val, vlen, &r->mtrrcap);
		r->seen_cap = true;
		return rc;
	}
	/* Otherwise the key must be an MSR. */
	uint32_t index;
	uint64_t v;
	int rc = parse_msr(c, key, klen, &index);
	if (rc == 0)
		rc = parse_value(c, val, vlen, &v);
	if (rc)
		return rc;
	if (index == MEMTYPE_MSR_MTRRCAP) {
		if (r->seen_cap)
			return perr(c, key, "duplicate-key", "MTRRcap is given twice");
		r->seen_cap = true;
		r->mtrrcap = v;
		return 0;
	}
	return add_entry(c, index, v, key);
}

static int parse_line(struct cursor *c, const char *s, const char *end)
{
	/* Strip a comment. */
	for (const char *q = s; q < end; q++) {
		if (*q == '#') {
			end = q;
			break;
		}
	}
	const char *p = s, *tok;
	size_t len;
	if (!next_token(&p, end, &tok, &len))
		return 0;
	if (mt_word_eq(tok, len, "wrmsr")) {
		const char *idx = NULL, *val = NULL;
		size_t il = 0, vl = 0;
		while (next_token(&p, end, &tok, &len)) {
			/* msr-tools options: -a (all CPUs), -p N (one CPU): the
			 * model describes one CPU, so both are accepted as is. */
			if (mt_word_eq(tok, len, "-a"))
				continue;
			if (mt_word_eq(tok, len, "-p")) {
				if (!next_token(&p, end, &tok, &len))
					return perr(c, end, "syntax", "expected a CPU number after -p");
				continue;
			}
			if (!idx) {
				idx = tok;
				il = len;
			} else if (!val) {
				val = tok;
				vl = len;
			} else {
				return perr(c, tok, "syntax", "unexpected '%.*s' after the value",
					    (int)len, tok);
			}
		}
		if (!val)
			return perr(c, end, "syntax", "expected 'wrmsr INDEX VALUE'");
		uint32_t index;
		uint64_t v;
		int rc = parse_msr(c, idx, il, &index);
		if (rc == 0)
			rc = parse_value(c, val, vl, &v);
		return rc ? rc : add_entry(c, index, v, idx);
	}
	/* KEY: VALUE or KEY=VALUE (a YAML-style "msr:" header line is allowed). */
	const char *sep = NULL;
	for (const char *q = tok; q < end; q++) {
		if (*q == ':' || *q == '=') {
			sep = q;
			break;
		}
	}
	if (!sep)
		return perr(c, tok, "syntax",
			    "expected 'KEY: VALUE', 'MSR: VALUE', 'MSR=VALUE' or 'wrmsr MSR VALUE'");
	const char *key = tok, *kend = sep;
	while (kend > key && is_space(kend[-1]))
		kend--;
	const char *vp = sep + 1, *val;
	size_t vlen;
	if (!next_token(&vp, end, &val, &vlen)) {
		if (*sep == ':' && (mt_word_eq(key, (size_t)(kend - key), "msr") ||
				    mt_word_eq(key, (size_t)(kend - key), "msrs")))
			return 0;
		return perr(c, sep + 1, "syntax", "expected a value after '%c'", *sep);
	}
	const char *extra;
	size_t xl;
	if (next_token(&vp, end, &extra, &xl))
		return perr(c, extra, "syntax", "unexpected '%.*s' after the value", (int)xl, extra);
	if (kend == key)
		return perr(c, key, "syntax", "expected a key before '%c'", *sep);
	return parse_key(c, key, (size_t)(kend - key), val, vlen);
}

int memtype_regs_parse(memtype_regs *r, const char *name, const char *text, size_t len)
{
	if (!name)
		name = "<input>";
	if (r->nfiles >= MT_REGS_MAX_FILES)
		return mt_error(r->ctx, -E2BIG, "too-many-files", "more than %u register files",
				MT_REGS_MAX_FILES);
	size_t nl = strlen(name) + 1;
	char *copy = mt_alloc(r->ctx, nl);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, name, nl);
	r->files[r->nfiles] = copy;
	struct cursor c = { r, copy, r->nfiles, 0, NULL };
	r->nfiles++;

	const char *p = text, *end = text + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		c.line++;
		c.linestart = p;
		if (memchr(p, '\0', (size_t)(eol - p)))
			return perr(&c, memchr(p, '\0', (size_t)(eol - p)), "syntax",
				    "unexpected NUL byte: not a text file");
		int rc = parse_line(&c, p, eol);
		if (rc)
			return rc;
		p = eol + 1;
	}
	return 0;
}

int memtype_regs_add_arg(memtype_regs *r, const char *arg)
{
	struct cursor c = { r, "--msr", 0, 0, NULL };
	const char *eq = strchr(arg, '=');
	if (!eq)
		return mt_error(r->ctx, -EINVAL, "syntax",
				"--msr expects INDEX=VALUE (hex), got '%s'", arg);
	uint32_t index;
	uint64_t v;
	int rc = parse_msr(&c, arg, (size_t)(eq - arg), &index);
	if (rc == 0)
		rc = parse_value(&c, eq + 1, strlen(eq + 1), &v);
	if (rc) {
		/* No file position for an option: drop the line/col. Copy the
		 * code and message out of the context before rewriting them. */
		char msg[512], code[48];
		snprintf(msg, sizeof(msg), "%s", r->ctx->message);
		snprintf(code, sizeof(code), "%s", r->ctx->code[0] ? r->ctx->code : "syntax");
		return mt_error(r->ctx, rc, code, "--msr %s: %s", arg, msg);
	}
	if (index == MEMTYPE_MSR_MTRRCAP) {
		r->mtrrcap = v;
		r->seen_cap = true;
		return 0;
	}
	return add_entry(&c, index, v, NULL);
}

int memtype_regs_to_mtrr(const memtype_regs *r, memtype_mtrr **out)
{
	*out = NULL;
	memtype_mtrr *m = memtype_mtrr_new(r->ctx, r->phys_bits, r->mtrrcap);
	if (!m)
		return r->ctx->err.status ? r->ctx->err.status : -EINVAL;
	for (size_t i = 0; i < r->n; i++) {
		const struct reg_entry *e = &r->e[i];
		int rc;
		if (e->index == MEMTYPE_MSR_PAT) {
			memtype_type t[8];
			rc = memtype_pat_decode(r->ctx, e->value, t);
		} else {
			/* MTRRcap only arrives here from a "wrmsr" line: read-only, #GP. */
			rc = memtype_mtrr_wrmsr(m, e->index, e->value);
		}
		if (rc) {
			char msg[512];
			snprintf(msg, sizeof(msg), "%s", r->ctx->message);
			char code[48];
			snprintf(code, sizeof(code), "%s", r->ctx->code);
			memtype_mtrr_free(m);
			if (e->line)
				return mt_error_at(r->ctx, rc, r->files[e->file], e->line, e->col, code,
						   "%s", msg);
			return mt_error(r->ctx, rc, code, "--msr: %s", msg);
		}
	}
	*out = m;
	return 0;
}
