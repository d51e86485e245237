/*
 * scenario_yaml.c - the scenario file loader (DESIGN.md §4).
 *
 * A scenario is YAML: name, platform, hypervisor, firmware, guest, mappings
 * and expect. libyaml's document API builds the node tree (so anchors and
 * aliases work and every node keeps its start mark); this file then walks
 * the tree against a fixed schema and fills struct mt_scenario (model.h).
 *
 * The schema is strict, because a typo in a scenario silently changing the
 * model's answer is worse than an error: every mapping is checked for
 * unknown keys (the message names the closest valid key by edit distance)
 * and duplicate keys before any value is read, and every error names the
 * file, the 1-based line and column of the offending node and a stable code
 * (yaml-syntax, unknown-key, duplicate-key, bad-type, bad-value,
 * missing-key, out-of-range, overlap, unknown-version).
 *
 * Sections are read in a fixed order whatever their order in the file:
 * platform first (so phys_bits is known when addresses are checked against
 * it), then hypervisor, firmware, guest, mappings (so expect can check its
 * mapping indexes). Within the platform, phys_bits is read before memory and
 * devices for the same reason.
 *
 * Typing. libyaml does not resolve implicit scalar types, so this file does,
 * from the raw text of each scalar:
 *  - numbers are the scalar's text through memtype_parse_u64 (0x hex,
 *    decimal, K/M/G/T binary suffixes), plain or quoted;
 *  - booleans are plain true/false (any case); "yes", "on" or a quoted
 *    "true" are bad-type;
 *  - strings are any non-null scalar (so "name: 123" is the string "123");
 *  - versions are the text as written: 6.10 means 6.10 even unquoted,
 *    although YAML would read it as the float 6.1;
 *  - null (empty, ~, null) is accepted for a section or a list and means
 *    "empty", is meaningful for expect.granted (refused), and is bad-type
 *    for every other scalar.
 *
 * Required: name (non-empty), platform.memory, platform.ram with a preset
 * (and only then), guest.kernel (linux) and guest.version, hypervisor.version
 * with kind kvm (and only then), firmware.registers with kind registers (and
 * only then), firmware.version only for ovmf and seabios (absent: 0, the
 * newest modelled). Cross-checks: coco needs kind kvm, tdx an Intel cpu and
 * snp an AMD one; expect entries with ok/granted/effective need a mapping;
 * e820 entries are sorted and disjoint (an intersection is "overlap" at the
 * later entry, disjoint but out of order is bad-value). Lists are capped at
 * their arrays in model.h (bad-value at the first entry too many).
 *
 * Presets (memory: q35 | i440fx) only set platform.machine and
 * platform.ram here, leaving e820 empty: the caller expands them with
 * mt_platform_apply_preset once the firmware is known.
 *
 * The top-level key axes declares parameter sweeps for `memtype matrix`:
 * each axis key (guest.version, firmware, ...) with a list of values. A
 * sweep re-parses the document with one value per axis standing in for
 * the key (parse_axes installs them as overrides that get() answers), so
 * each value meets exactly the same schema and diagnostics.
 */
#include "model.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

/* Default MAXPHYADDR. QEMU gives its CPU models 40 physical address bits
 * unless told otherwise (TCG_PHYS_ADDR_BITS, target/i386/cpu.h), so a
 * scenario on a QEMU machine preset gets 40; an explicit e820 list describes
 * some other machine, which gets the SDM's value for "CPUID does not say"
 * (36, Intel SDM Vol. 3A §11.11.2.3), as register files do. */
#define PHYS_BITS_PRESET 40u
#define PHYS_BITS_OTHER	 36u

/* Versions the model knows (major * 100 + minor): guest Linux 4.2 to 6.99;
 * KVM from its first release (2.6.20, read as 2.6) to 6.99, since the KVM
 * eras of docs/scenario-format.md start with "<= 4.1". */
#define LINUX_MIN 402u
#define KVM_MIN 206u
#define VERSION_MAX 699u

/* One axis value in force: get(parent, key) answers value instead. */
struct override {
	const yaml_node_t *parent;
	const char *key;
	const yaml_node_t *value;
};

struct ps {
	memtype_ctx *ctx;
	const char *file;
	yaml_document_t *doc;
	struct mt_scenario *s;
	const size_t *choice; /* one value index per axis, or NULL: no overrides */
	struct mt_axes *axes; /* filled with the declared axes, or NULL */
	struct override ov[MT_MAX_AXES];
	unsigned nov;
};

/* A named value of a keyword set. */
struct word {
	const char *name;
	int value;
};

/* ---------------------------------------------------------------- errors */

static unsigned to_unsigned(size_t v)
{
	return v >= UINT_MAX ? UINT_MAX : (unsigned)v;
}

static unsigned mark_line(yaml_mark_t m)
{
	return to_unsigned(m.line + 1);
}

static unsigned mark_col(yaml_mark_t m)
{
	return to_unsigned(m.column + 1);
}

static int err_at(struct ps *p, const yaml_node_t *n, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int err_at(struct ps *p, const yaml_node_t *n, const char *code, const char *fmt, ...)
{
	char msg[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return mt_error_at(p->ctx, -EINVAL, p->file, mark_line(n->start_mark),
			   mark_col(n->start_mark), code, "%s", msg);
}

/* Scalar text in messages: at most this many bytes. */
#define SHOW 40

/* The length to print of a scalar: up to the first NUL, at most SHOW. */
static int show_len(const yaml_node_t *n)
{
	size_t len = n->data.scalar.length;
	const char *t = (const char *)n->data.scalar.value;
	size_t i = 0;

	while (i < len && i < SHOW && t[i])
		i++;
	return (int)i;
}

#define SCALAR_FMT "'%.*s%s'"
#define SCALAR_ARGS(n)                                                                             \
	show_len(n), (const char *)(n)->data.scalar.value,                                         \
	    (n)->data.scalar.length > (size_t)show_len(n) ? "..." : ""

/* The YAML layer's own error: position of the problem, libyaml's words. */
static int yaml_error(struct ps *p, const yaml_parser_t *parser, const char *text, size_t len)
{
	unsigned line = mark_line(parser->problem_mark), col = mark_col(parser->problem_mark);
	const char *problem = parser->problem ? parser->problem : "malformed YAML";

	if (parser->error == YAML_MEMORY_ERROR)
		return mt_error_at(p->ctx, -ENOMEM, p->file, 1, 1, "no-memory",
				   "out of memory while reading YAML");
	if (parser->error == YAML_READER_ERROR) {
		/* Reader errors carry a byte offset, not a mark. */
		size_t off = parser->problem_offset < len ? parser->problem_offset : len;
		line = 1;
		col = 1;
		for (size_t i = 0; i < off; i++) {
			if (text[i] == '\n') {
				line = line < UINT_MAX ? line + 1 : line;
				col = 1;
			} else if (((unsigned char)text[i] & 0xc0u) != 0x80u && col < UINT_MAX) {
				col++;
			}
		}
		return mt_error_at(p->ctx, -EINVAL, p->file, line, col, "yaml-syntax",
				   "YAML: %s (byte 0x%02x)", problem,
				   (unsigned)parser->problem_value & 0xffu);
	}
	if (parser->context)
		return mt_error_at(p->ctx, -EINVAL, p->file, line, col, "yaml-syntax",
				   "YAML: %s: %s", parser->context, problem);
	return mt_error_at(p->ctx, -EINVAL, p->file, line, col, "yaml-syntax", "YAML: %s", problem);
}

/* ---------------------------------------------------------------- nodes */

static yaml_node_t *node(struct ps *p, int id)
{
	return yaml_document_get_node(p->doc, id);
}

static bool scalar_is(const yaml_node_t *n, const char *word)
{
	size_t wl = strlen(word);
	return n->data.scalar.length == wl && memcmp(n->data.scalar.value, word, wl) == 0;
}

static bool is_null(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (n->data.scalar.length == 0 || scalar_is(n, "~") || scalar_is(n, "null") ||
		scalar_is(n, "Null") || scalar_is(n, "NULL"));
}

static const char *kind_name(const yaml_node_t *n)
{
	if (is_null(n))
		return "null";
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "a scalar";
	}
}

/* Levenshtein distance over at most 64 bytes of each word. */
static size_t edit_distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b), row[65];

	la = la > 64 ? 64 : la;
	lb = lb > 64 ? 64 : lb;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/*
 * Check that n is a mapping (or null: empty) whose keys are scalars among
 * keys[], each at most once. where names it in messages ("platform").
 */
static int check_map(struct ps *p, const yaml_node_t *n, const char *where, const char *const *keys,
		     size_t nkeys)
{
	if (is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return err_at(p, n, "bad-type", "%s must be a mapping, not %s", where,
			      kind_name(n));
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top;
	     a++) {
		const yaml_node_t *k = node(p, a->key);
		size_t best = 0, bestd = SIZE_MAX;
		bool known = false;

		if (!k || k->type != YAML_SCALAR_NODE)
			return err_at(p, k ? k : n, "bad-type", "keys in %s must be plain words",
				      where);
		for (size_t i = 0; i < nkeys; i++) {
			if (scalar_is(k, keys[i])) {
				known = true;
				break;
			}
			size_t d = edit_distance((const char *)k->data.scalar.value,
						 k->data.scalar.length, keys[i]);
			if (d < bestd) {
				bestd = d;
				best = i;
			}
		}
		if (!known)
			return err_at(p, k, "unknown-key",
				      "unknown key " SCALAR_FMT " in %s (did you mean '%s'?)",
				      SCALAR_ARGS(k), where, keys[best]);
		for (yaml_node_pair_t *b = n->data.mapping.pairs.start; b < a; b++) {
			const yaml_node_t *kb = node(p, b->key);
			if (kb && kb->data.scalar.length == k->data.scalar.length &&
			    memcmp(kb->data.scalar.value, k->data.scalar.value,
				   k->data.scalar.length) == 0)
				return err_at(p, k, "duplicate-key",
					      "duplicate key " SCALAR_FMT
					      " in %s (first at line %u)",
					      SCALAR_ARGS(k), where, mark_line(kb->start_mark));
		}
	}
	return 0;
}

/* The value of key in a mapping checked by check_map, or NULL. */
static yaml_node_t *get(struct ps *p, const yaml_node_t *n, const char *key)
{
	for (unsigned i = 0; i < p->nov; i++)
		if (p->ov[i].parent == n && strcmp(p->ov[i].key, key) == 0)
			return (yaml_node_t *)p->ov[i].value;
	if (n->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top;
	     a++) {
		const yaml_node_t *k = node(p, a->key);
		if (k && k->type == YAML_SCALAR_NODE && scalar_is(k, key))
			return node(p, a->value);
	}
	return NULL;
}

/* A list (or null: empty). */
static int check_seq(struct ps *p, const yaml_node_t *n, const char *where)
{
	if (is_null(n) || n->type == YAML_SEQUENCE_NODE)
		return 0;
	return err_at(p, n, "bad-type", "%s must be a list, not %s", where, kind_name(n));
}

static size_t seq_len(const yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return 0;
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static yaml_node_t *seq_at(struct ps *p, const yaml_node_t *n, size_t i)
{
	return node(p, n->data.sequence.items.start[i]);
}

/* ---------------------------------------------------------------- scalars */

static int want_scalar(struct ps *p, const yaml_node_t *n, const char *what, const char *expected)
{
	if (n->type == YAML_SCALAR_NODE && !is_null(n))
		return 0;
	return err_at(p, n, "bad-type", "%s must be %s, not %s", what, expected, kind_name(n));
}

static int get_str(struct ps *p, const yaml_node_t *n, const char *what, char *buf, size_t cap)
{
	int rc = want_scalar(p, n, what, "a string");
	size_t len = n->data.scalar.length;

	if (rc)
		return rc;
	if (memchr(n->data.scalar.value, 0, len))
		return err_at(p, n, "bad-value", "%s contains a NUL character", what);
	if (len >= cap)
		return err_at(p, n, "bad-value", "%s is too long (%zu bytes, at most %zu)", what,
			      len, cap - 1);
	memcpy(buf, n->data.scalar.value, len);
	buf[len] = '\0';
	return 0;
}

static int get_u64(struct ps *p, const yaml_node_t *n, const char *what, uint64_t *out)
{
	int rc = want_scalar(p, n, what, "a number");

	if (rc)
		return rc;
	rc = memtype_parse_u64((const char *)n->data.scalar.value, n->data.scalar.length, out);
	if (rc == -ERANGE)
		return err_at(p, n, "out-of-range", "%s " SCALAR_FMT " does not fit in 64 bits",
			      what, SCALAR_ARGS(n));
	if (rc)
		return err_at(
		    p, n, "bad-type",
		    "%s must be a number (0x hex or decimal, optional K/M/G/T), not " SCALAR_FMT,
		    what, SCALAR_ARGS(n));
	return 0;
}

static int get_bool(struct ps *p, const yaml_node_t *n, const char *what, bool *out)
{
	if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		const char *t = (const char *)n->data.scalar.value;
		if (mt_word_eq(t, n->data.scalar.length, "true")) {
			*out = true;
			return 0;
		}
		if (mt_word_eq(t, n->data.scalar.length, "false")) {
			*out = false;
			return 0;
		}
	}
	if (n->type == YAML_SCALAR_NODE && !is_null(n))
		return err_at(p, n, "bad-type", "%s must be true or false, not " SCALAR_FMT, what,
			      SCALAR_ARGS(n));
	return err_at(p, n, "bad-type", "%s must be true or false, not %s", what, kind_name(n));
}

/* One of words[] (case-insensitive); else bad-value listing them. */
static int get_word(struct ps *p, const yaml_node_t *n, const char *what, const struct word *words,
		    size_t nwords, int *out)
{
	char valid[256] = "";
	size_t used = 0;
	int rc = want_scalar(p, n, what, "a word");

	if (rc)
		return rc;
	for (size_t i = 0; i < nwords; i++) {
		if (mt_word_eq((const char *)n->data.scalar.value, n->data.scalar.length,
			       words[i].name)) {
			*out = words[i].value;
			return 0;
		}
		int w = snprintf(valid + used, sizeof(valid) - used, "%s%s", i ? ", " : "",
				 words[i].name);
		if (w > 0 && (size_t)w < sizeof(valid) - used)
			used += (size_t)w;
	}
	return err_at(p, n, "bad-value", "unknown %s " SCALAR_FMT " (valid: %s)", what,
		      SCALAR_ARGS(n), valid);
}

/*
 * Dotted version "A.B" or "A.B.C" (C may be 'y' when allow_y): each part 1-4
 * digits. Returns the number of parts (2 or 3), or 0 when malformed.
 */
static int dotted(const char *t, size_t len, bool allow_y, unsigned part[3])
{
	int n = 0;
	size_t i = 0;

	for (;;) {
		size_t digits = 0;
		unsigned v = 0;

		if (n == 2 && allow_y && i < len && t[i] == 'y') {
			i++; /* "6.12.y": the stable branch, any patch level */
		} else {
			while (i < len && t[i] >= '0' && t[i] <= '9' && digits < 5) {
				v = v * 10 + (unsigned)(t[i] - '0');
				i++;
				digits++;
			}
			if (digits == 0 || digits > 4)
				return 0;
		}
		part[n++] = v;
		if (i == len)
			break;
		if (n == 3 || t[i] != '.')
			return 0;
		i++;
	}
	return n >= 2 ? n : 0;
}

/* Linux or KVM "6.12", "6.12.3", "6.12.y" (major * 100 + minor). */
static int linux_version(struct ps *p, const yaml_node_t *n, const char *what, unsigned min,
			 char *text, size_t cap, unsigned *out)
{
	unsigned part[3];
	int rc = get_str(p, n, what, text, cap);

	if (rc)
		return rc;
	if (!dotted(text, strlen(text), true, part))
		return err_at(p, n, "bad-value",
			      "%s '%s' is not a version like \"6.12\" or \"6.12.y\"", what, text);
	if (part[1] > 99 || part[0] * 100 + part[1] < min || part[0] * 100 + part[1] > VERSION_MAX)
		return err_at(p, n, "unknown-version",
			      "unknown %s '%s' (the model knows %u.%u to 6.99)", what, text,
			      min / 100, min % 100);
	*out = part[0] * 100 + part[1];
	return 0;
}

/* EDK2: "edk2-stable202411", "202411" or "2024.11" -> 202411. */
static int ovmf_version(struct ps *p, const yaml_node_t *n, struct mt_firmware *fw)
{
	const char *t = fw->version_text;
	static const char prefix[] = "edk2-stable";
	size_t len;
	unsigned year = 0, month = 0;
	bool ok = true;

	if (strncmp(t, prefix, sizeof(prefix) - 1) == 0)
		t += sizeof(prefix) - 1;
	len = strlen(t);
	if (len == 6 || (len == 7 && t[4] == '.')) {
		for (size_t i = 0; i < len; i++) {
			if (i == 4 && len == 7)
				continue;
			if (t[i] < '0' || t[i] > '9')
				ok = false;
			else if (i < 4)
				year = year * 10 + (unsigned)(t[i] - '0');
			else
				month = month * 10 + (unsigned)(t[i] - '0');
		}
	} else {
		ok = false;
	}
	if (!ok || year < 2000 || month < 1 || month > 12)
		return err_at(p, n, "bad-value",
			      "firmware.version '%s' is not an EDK2 release like "
			      "\"edk2-stable202411\", \"202411\" or \"2024.11\"",
			      fw->version_text);
	fw->version = year * 100 + month;
	return 0;
}

/* SeaBIOS: "1.16.2" (or "rel-1.16.2") -> 11602; "1.16" -> 11600. */
static int seabios_version(struct ps *p, const yaml_node_t *n, struct mt_firmware *fw)
{
	const char *t = fw->version_text;
	unsigned part[3] = {0, 0, 0};

	if (strncmp(t, "rel-", 4) == 0)
		t += 4;
	if (!dotted(t, strlen(t), false, part) || part[0] > 99 || part[1] > 99 || part[2] > 99)
		return err_at(p, n, "bad-value",
			      "firmware.version '%s' is not a SeaBIOS release like \"1.16.2\"",
			      fw->version_text);
	fw->version = part[0] * 10000 + part[1] * 100 + part[2];
	return 0;
}

/* ---------------------------------------------------------------- address spans */

struct span {
	uint64_t start, end;	       /* inclusive */
	const yaml_node_t *start_node; /* for errors about the start */
	const yaml_node_t *end_node;   /* the size or end node, for errors about the end */
};

/* start plus exactly one of size and end, in the mapping n (noun: "mapping"). */
static int get_span(struct ps *p, const yaml_node_t *n, const char *where, const char *noun,
		    struct span *sp)
{
	const yaml_node_t *start = get(p, n, "start"), *size = get(p, n, "size"),
			  *end = get(p, n, "end");
	char what[64];
	uint64_t v;
	int rc;

	if (!start)
		return err_at(p, n, "missing-key", "%s has no 'start'", where);
	snprintf(what, sizeof(what), "%s.start", where);
	if ((rc = get_u64(p, start, what, &sp->start)))
		return rc;
	sp->start_node = start;
	if (size && end)
		return err_at(p, end->start_mark.index > size->start_mark.index ? end : size,
			      "bad-value", "%s has both 'size' and 'end': give one", where);
	if (!size && !end)
		return err_at(p, n, "missing-key", "%s needs 'size' or 'end'", where);
	sp->end_node = size ? size : end;
	snprintf(what, sizeof(what), "%s.%s", where, size ? "size" : "end");
	if ((rc = get_u64(p, sp->end_node, what, &v)))
		return rc;
	if (size) {
		if (v == 0)
			return err_at(p, size, "bad-value", "%s of size 0", noun);
		if (v - 1 > UINT64_MAX - sp->start)
			return err_at(p, size, "out-of-range",
				      "%s at 0x%llx of size 0x%llx wraps past 2^64", noun,
				      (unsigned long long)sp->start, (unsigned long long)v);
		sp->end = sp->start + (v - 1);
	} else {
		if (v < sp->start)
			return err_at(p, end, "bad-value",
				      "%s end 0x%llx is below its start 0x%llx (end is inclusive)",
				      noun, (unsigned long long)v, (unsigned long long)sp->start);
		sp->end = v;
	}
	return 0;
}

/* The span lies below 2^phys_bits. */
static int check_span_limit(struct ps *p, const struct span *sp, const char *noun)
{
	unsigned bits = p->s->platform.phys_bits;
	uint64_t max = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;

	if (sp->start > max)
		return err_at(p, sp->start_node, "out-of-range",
			      "%s start 0x%llx is beyond phys_bits %u (highest address 0x%llx)",
			      noun, (unsigned long long)sp->start, bits, (unsigned long long)max);
	if (sp->end > max)
		return err_at(
		    p, sp->end_node, "out-of-range",
		    "%s [0x%llx-0x%llx] ends beyond phys_bits %u (highest address 0x%llx)", noun,
		    (unsigned long long)sp->start, (unsigned long long)sp->end, bits,
		    (unsigned long long)max);
	return 0;
}

/* ---------------------------------------------------------------- platform */

static const struct word cpu_words[] = {
	{"intel", MEMTYPE_CPU_INTEL},
	{"amd", MEMTYPE_CPU_AMD},
};

static const struct word machine_words[] = {
	{"q35", MT_MACHINE_Q35},
	{"i440fx", MT_MACHINE_I440FX},
};

static const struct word e820_words[] = {
	{"ram", MT_E820_RAM}, {"reserved", MT_E820_RESERVED}, {"acpi", MT_E820_ACPI},
	{"nvs", MT_E820_NVS}, {"unusable", MT_E820_UNUSABLE},
};

static const struct word backing_words[] = {
	{"emulated", MT_BACKING_EMULATED},
	{"host-mmio", MT_BACKING_HOST_MMIO},
	{"ram", MT_BACKING_RAM},
};

static int parse_e820(struct ps *p, const yaml_node_t *list)
{
	static const char *const keys[] = {"start", "end", "size", "type"};
	struct mt_platform *pl = &p->s->platform;
	size_t n = seq_len(list);

	if (n == 0)
		return err_at(p, list, "bad-value", "platform.memory is an empty list");
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *e = seq_at(p, list, i), *t;
		char where[48];
		struct span sp;
		int type = 0, rc;

		snprintf(where, sizeof(where), "platform.memory[%zu]", i);
		if (i >= MT_MAX_E820)
			return err_at(p, e, "bad-value", "more than %d e820 entries", MT_MAX_E820);
		if (is_null(e))
			return err_at(p, e, "bad-type", "%s must be a mapping, not null", where);
		if ((rc = check_map(p, e, where, keys, MT_ARRAY_SIZE(keys))))
			return rc;
		if ((rc = get_span(p, e, where, "e820 entry", &sp)))
			return rc;
		if (!(t = get(p, e, "type")))
			return err_at(p, e, "missing-key", "%s has no 'type'", where);
		if ((rc =
			 get_word(p, t, "e820 type", e820_words, MT_ARRAY_SIZE(e820_words), &type)))
			return rc;
		if ((rc = check_span_limit(p, &sp, "e820 entry")))
			return rc;
		for (unsigned j = 0; j < pl->ne820; j++) {
			const struct mt_e820_entry *o = &pl->e820[j];
			if (sp.start <= o->end && o->start <= sp.end)
				return err_at(
				    p, e, "overlap",
				    "e820 entry [0x%llx-0x%llx] overlaps entry %u "
				    "[0x%llx-0x%llx]",
				    (unsigned long long)sp.start, (unsigned long long)sp.end, j,
				    (unsigned long long)o->start, (unsigned long long)o->end);
		}
		if (pl->ne820 && sp.start < pl->e820[pl->ne820 - 1].start)
			return err_at(p, e, "bad-value",
				      "e820 entry [0x%llx-0x%llx] is below the previous one: "
				      "list entries in address order",
				      (unsigned long long)sp.start, (unsigned long long)sp.end);
		pl->e820[pl->ne820].start = sp.start;
		pl->e820[pl->ne820].end = sp.end;
		pl->e820[pl->ne820].type = (mt_e820_type)type;
		pl->ne820++;
	}
	return 0;
}

static int parse_devices(struct ps *p, const yaml_node_t *list)
{
	static const char *const keys[] = {"name", "start",   "size",
					   "end",  "backing", "acpi_sysmem"};
	struct mt_platform *pl = &p->s->platform;
	int rc;

	if ((rc = check_seq(p, list, "platform.devices")))
		return rc;
	for (size_t i = 0; i < seq_len(list); i++) {
		const yaml_node_t *d = seq_at(p, list, i), *v;
		struct mt_device *dev = &pl->dev[pl->ndev];
		char where[48], what[80];
		struct span sp;
		int backing;

		snprintf(where, sizeof(where), "platform.devices[%zu]", i);
		if (i >= MT_MAX_DEVICES)
			return err_at(p, d, "bad-value", "more than %d devices", MT_MAX_DEVICES);
		if (is_null(d))
			return err_at(p, d, "bad-type", "%s must be a mapping, not null", where);
		if ((rc = check_map(p, d, where, keys, MT_ARRAY_SIZE(keys))))
			return rc;
		if (!(v = get(p, d, "name")))
			return err_at(p, d, "missing-key", "%s has no 'name'", where);
		snprintf(what, sizeof(what), "%s.name", where);
		if ((rc = get_str(p, v, what, dev->name, sizeof(dev->name))))
			return rc;
		if ((rc = get_span(p, d, where, "device", &sp)) ||
		    (rc = check_span_limit(p, &sp, "device")))
			return rc;
		dev->start = sp.start;
		dev->end = sp.end;
		dev->backing = MT_BACKING_EMULATED;
		if ((v = get(p, d, "backing"))) {
			if ((rc = get_word(p, v, "device backing", backing_words,
					   MT_ARRAY_SIZE(backing_words), &backing)))
				return rc;
			dev->backing = (mt_backing)backing;
		}
		dev->acpi_sysmem = false;
		snprintf(what, sizeof(what), "%s.acpi_sysmem", where);
		if ((v = get(p, d, "acpi_sysmem")) &&
		    (rc = get_bool(p, v, what, &dev->acpi_sysmem)))
			return rc;
		pl->ndev++;
	}
	return 0;
}

static int parse_platform(struct ps *p, const yaml_node_t *root)
{
	static const char *const keys[] = {"cpu", "phys_bits", "page1gb", "cpus", "memory",
					   "ram", "devices"};
	struct mt_platform *pl = &p->s->platform;
	const yaml_node_t *n = get(p, root, "platform"), *v, *mem, *ram;
	uint64_t u;
	int rc, w;

	if (!n)
		return err_at(p, root, "missing-key", "the scenario has no 'platform'");
	if ((rc = check_map(p, n, "platform", keys, MT_ARRAY_SIZE(keys))))
		return rc;
	pl->cpu = MEMTYPE_CPU_INTEL;
	if ((v = get(p, n, "cpu"))) {
		if ((rc = get_word(p, v, "cpu", cpu_words, MT_ARRAY_SIZE(cpu_words), &w)))
			return rc;
		pl->cpu = (memtype_cpu)w;
	}
	if (!(mem = get(p, n, "memory")))
		return err_at(p, n, "missing-key",
			      "platform has no 'memory' (q35, i440fx or a list of e820 entries)");
	if (mem->type == YAML_MAPPING_NODE || is_null(mem))
		return err_at(p, mem, "bad-type",
			      "platform.memory must be q35, i440fx or a list, not %s",
			      kind_name(mem));
	pl->machine = MT_MACHINE_CUSTOM;
	if (mem->type == YAML_SCALAR_NODE) {
		if ((rc = get_word(p, mem, "memory preset", machine_words,
				   MT_ARRAY_SIZE(machine_words), &w)))
			return rc;
		pl->machine = (mt_machine)w;
	}
	/* phys_bits before any address is read. */
	pl->phys_bits = pl->machine == MT_MACHINE_CUSTOM ? PHYS_BITS_OTHER : PHYS_BITS_PRESET;
	if ((v = get(p, n, "phys_bits"))) {
		if ((rc = get_u64(p, v, "platform.phys_bits", &u)))
			return rc;
		if (u < 32 || u > 52)
			return err_at(p, v, "bad-value",
				      "platform.phys_bits %llu is outside 32..52 (MAXPHYADDR)",
				      (unsigned long long)u);
		pl->phys_bits = (unsigned)u;
	}
	/* CPUID 0x80000001 EDX[26] (Page1GB); present unless said otherwise. */
	bool page1gb = true;
	if ((v = get(p, n, "page1gb")) && (rc = get_bool(p, v, "platform.page1gb", &page1gb)))
		return rc;
	pl->no_page1gb = !page1gb;
	pl->cpus = 1;
	if ((v = get(p, n, "cpus"))) {
		if ((rc = get_u64(p, v, "platform.cpus", &u)))
			return rc;
		if (u < 1 || u > 1024)
			return err_at(p, v, "bad-value", "platform.cpus %llu is outside 1..1024",
				      (unsigned long long)u);
		pl->cpus = (unsigned)u;
	}
	ram = get(p, n, "ram");
	if (pl->machine == MT_MACHINE_CUSTOM) {
		if (ram)
			return err_at(p, ram, "bad-value",
				      "platform.ram is only for a preset: with an e820 list the "
				      "RAM is the list's ram entries");
		if ((rc = parse_e820(p, mem)))
			return rc;
	} else {
		if (!ram)
			return err_at(p, n, "missing-key",
				      "platform has no 'ram' (how much RAM the preset lays out)");
		if ((rc = get_u64(p, ram, "platform.ram", &pl->ram)))
			return rc;
		if (pl->ram == 0)
			return err_at(p, ram, "bad-value", "platform.ram is 0");
	}
	if ((v = get(p, n, "devices")) && (rc = parse_devices(p, v)))
		return rc;
	return 0;
}

/* ---------------------------------------------------------------- hypervisor */

static const struct word hv_words[] = {
	{"none", MT_HV_NONE},
	{"kvm", MT_HV_KVM},
};

static const struct word coco_words[] = {
	{"none", MT_COCO_NONE},
	{"tdx", MT_COCO_TDX},
	{"snp", MT_COCO_SNP},
};

static int parse_hypervisor(struct ps *p, const yaml_node_t *root)
{
	static const char *const keys[] = {"kind", "version", "coco", "noncoherent_dma", "quirks"};
	static const char *const qkeys[] = {"cd_nw_cleared", "ignore_guest_pat"};
	struct mt_hypervisor *hv = &p->s->hv;
	const yaml_node_t *n = get(p, root, "hypervisor"), *v, *q;
	int rc, w;

	hv->kind = MT_HV_NONE;
	hv->coco = MT_COCO_NONE;
	hv->quirk_cd_nw_cleared = true;
	hv->quirk_ignore_guest_pat = true;
	if (!n)
		return 0;
	if ((rc = check_map(p, n, "hypervisor", keys, MT_ARRAY_SIZE(keys))))
		return rc;
	if ((v = get(p, n, "kind"))) {
		if ((rc = get_word(p, v, "hypervisor kind", hv_words, MT_ARRAY_SIZE(hv_words), &w)))
			return rc;
		hv->kind = (mt_hv_kind)w;
	}
	v = get(p, n, "version");
	if (hv->kind == MT_HV_KVM) {
		if (!v)
			return err_at(p, n, "missing-key",
				      "hypervisor kind kvm needs a 'version' (e.g. \"6.16\")");
		if ((rc = linux_version(p, v, "KVM version", KVM_MIN, hv->version_text,
					sizeof(hv->version_text), &hv->version)))
			return rc;
	} else if (v) {
		return err_at(p, v, "bad-value",
			      "hypervisor.version needs kind: kvm (bare metal has no version)");
	}
	if ((v = get(p, n, "coco"))) {
		if ((rc = get_word(p, v, "coco kind", coco_words, MT_ARRAY_SIZE(coco_words), &w)))
			return rc;
		hv->coco = (mt_coco)w;
		if (hv->coco != MT_COCO_NONE && hv->kind != MT_HV_KVM)
			return err_at(p, v, "bad-value",
				      "coco: %s needs hypervisor kind: kvm (a confidential guest "
				      "runs under a hypervisor)",
				      hv->coco == MT_COCO_TDX ? "tdx" : "snp");
		if (hv->coco == MT_COCO_TDX && p->s->platform.cpu != MEMTYPE_CPU_INTEL)
			return err_at(p, v, "bad-value", "coco: tdx needs platform cpu: intel");
		if (hv->coco == MT_COCO_SNP && p->s->platform.cpu != MEMTYPE_CPU_AMD)
			return err_at(p, v, "bad-value", "coco: snp needs platform cpu: amd");
	}
	if ((v = get(p, n, "noncoherent_dma")) &&
	    (rc = get_bool(p, v, "hypervisor.noncoherent_dma", &hv->noncoherent_dma)))
		return rc;
	if ((q = get(p, n, "quirks"))) {
		if ((rc = check_map(p, q, "hypervisor.quirks", qkeys, MT_ARRAY_SIZE(qkeys))))
			return rc;
		if ((v = get(p, q, "cd_nw_cleared")) &&
		    (rc = get_bool(p, v, "quirks.cd_nw_cleared", &hv->quirk_cd_nw_cleared)))
			return rc;
		if ((v = get(p, q, "ignore_guest_pat")) &&
		    (rc = get_bool(p, v, "quirks.ignore_guest_pat", &hv->quirk_ignore_guest_pat)))
			return rc;
	}
	return 0;
}

/* ---------------------------------------------------------------- firmware */

static const struct word fw_words[] = {
	{"none", MT_FW_NONE},
	{"seabios", MT_FW_SEABIOS},
	{"ovmf", MT_FW_OVMF},
	{"registers", MT_FW_REGISTERS},
};

static int parse_registers(struct ps *p, const yaml_node_t *list)
{
	static const char *const keys[] = {"msr", "value"};
	struct mt_firmware *fw = &p->s->firmware;
	int rc;

	if ((rc = check_seq(p, list, "firmware.registers")))
		return rc;
	for (size_t i = 0; i < seq_len(list); i++) {
		const yaml_node_t *r = seq_at(p, list, i), *m, *v;
		char where[48], what[64];
		uint64_t idx;

		snprintf(where, sizeof(where), "firmware.registers[%zu]", i);
		if (i >= MT_MAX_MSR_WRITES)
			return err_at(p, r, "bad-value", "more than %d register writes",
				      MT_MAX_MSR_WRITES);
		if (is_null(r))
			return err_at(p, r, "bad-type", "%s must be a mapping, not null", where);
		if ((rc = check_map(p, r, where, keys, MT_ARRAY_SIZE(keys))))
			return rc;
		if (!(m = get(p, r, "msr")))
			return err_at(p, r, "missing-key", "%s has no 'msr'", where);
		if (!(v = get(p, r, "value")))
			return err_at(p, r, "missing-key", "%s has no 'value'", where);
		snprintf(what, sizeof(what), "%s.msr", where);
		if ((rc = want_scalar(p, m, what, "an MSR index or name")))
			return rc;
		const char *t = (const char *)m->data.scalar.value;
		size_t len = m->data.scalar.length;
		uint32_t index;
		if (memtype_parse_u64(t, len, &idx) == 0) {
			if (idx > UINT32_MAX)
				return err_at(p, m, "out-of-range",
					      "MSR index 0x%llx does not fit in 32 bits",
					      (unsigned long long)idx);
			index = (uint32_t)idx;
		} else if (memtype_msr_parse_name(t, len, &index) != 0) {
			return err_at(p, m, "bad-value",
				      "unknown MSR " SCALAR_FMT " (an index such as 0x2ff or a "
				      "name such as IA32_MTRR_DEF_TYPE)",
				      SCALAR_ARGS(m));
		}
		snprintf(what, sizeof(what), "%s.value", where);
		fw->regs[fw->nregs].index = index;
		if ((rc = get_u64(p, v, what, &fw->regs[fw->nregs].value)))
			return rc;
		fw->nregs++;
	}
	return 0;
}

static int parse_firmware(struct ps *p, const yaml_node_t *root)
{
	static const char *const keys[] = {"kind", "version", "registers"};
	struct mt_firmware *fw = &p->s->firmware;
	const yaml_node_t *n = get(p, root, "firmware"), *v, *regs;
	int rc, w;

	fw->kind = MT_FW_NONE;
	if (!n)
		return 0;
	if ((rc = check_map(p, n, "firmware", keys, MT_ARRAY_SIZE(keys))))
		return rc;
	if ((v = get(p, n, "kind"))) {
		if ((rc = get_word(p, v, "firmware kind", fw_words, MT_ARRAY_SIZE(fw_words), &w)))
			return rc;
		fw->kind = (mt_fw_kind)w;
	}
	if ((v = get(p, n, "version"))) {
		if (fw->kind != MT_FW_OVMF && fw->kind != MT_FW_SEABIOS)
			return err_at(p, v, "bad-value",
				      "firmware.version is only for kind ovmf or seabios");
		if ((rc = get_str(p, v, "firmware.version", fw->version_text,
				  sizeof(fw->version_text))))
			return rc;
		rc = fw->kind == MT_FW_OVMF ? ovmf_version(p, v, fw) : seabios_version(p, v, fw);
		if (rc)
			return rc;
	}
	regs = get(p, n, "registers");
	if (fw->kind == MT_FW_REGISTERS) {
		if (!regs)
			return err_at(p, n, "missing-key",
				      "firmware kind registers needs a 'registers' list");
		return parse_registers(p, regs);
	}
	if (regs)
		return err_at(p, regs, "bad-value", "firmware.registers needs kind: registers");
	return 0;
}

/* ---------------------------------------------------------------- guest */

static const struct {
	const char *name, *alias;
	unsigned bit;
} patch_names[] = {
	{"8e690b817e38", "coco-force-wb", MT_PATCH_COCO_FORCE_WB},
	{"cve-2025-40181", "0dccbc75e18d", MT_PATCH_CVE_2025_40181},
	{"06fa48d85b09", "e820-acpi-end", MT_PATCH_E820_ACPI_END},
	/* Design options of the Feb-2025 upstream thread (model.h mt_patch);
	 * opt-uc-hole is what was merged, i.e. cve-2025-40181. */
	{"opt-uc-hole", "opt-uc-hole", MT_PATCH_CVE_2025_40181},
	{"opt-emulated-mtrrs", "opt-emulated-mtrrs", MT_PATCH_OPT_EMULATED_MTRRS},
	{"opt-arch-bit", "opt-arch-bit", MT_PATCH_OPT_ARCH_BIT},
	{"opt-untracked-hole", "opt-untracked-hole", MT_PATCH_OPT_UNTRACKED_HOLE},
};

/* Patches a released kernel of this version carries (model.h mt_patch). */
static unsigned default_patches(unsigned version)
{
	unsigned bits = 0;

	if (version >= 611)
		bits |= MT_PATCH_E820_ACPI_END;
	if (version >= 612)
		bits |= MT_PATCH_COCO_FORCE_WB;
	if (version >= 618)
		bits |= MT_PATCH_CVE_2025_40181;
	return bits;
}

static int parse_patches(struct ps *p, const yaml_node_t *list, struct mt_guest *g)
{
	int rc;

	if ((rc = check_seq(p, list, "guest.patches")))
		return rc;
	for (size_t i = 0; i < seq_len(list); i++) {
		const yaml_node_t *e = seq_at(p, list, i);
		bool found = false;

		if (i >= MT_MAX_PATCHES)
			return err_at(p, e, "bad-value", "more than %d patch overrides",
				      MT_MAX_PATCHES);
		if ((rc = want_scalar(p, e, "a patch override", "\"+name\" or \"-name\"")))
			return rc;
		const char *t = (const char *)e->data.scalar.value;
		size_t len = e->data.scalar.length;
		if (len < 2 || (t[0] != '+' && t[0] != '-'))
			return err_at(p, e, "bad-value",
				      "patch override " SCALAR_FMT " must be +name (apply) or "
				      "-name (revert)",
				      SCALAR_ARGS(e));
		for (size_t k = 0; k < MT_ARRAY_SIZE(patch_names); k++) {
			if (!mt_word_eq(t + 1, len - 1, patch_names[k].name) &&
			    !mt_word_eq(t + 1, len - 1, patch_names[k].alias))
				continue;
			if (t[0] == '+')
				g->patches |= patch_names[k].bit;
			else
				g->patches &= ~patch_names[k].bit;
			found = true;
		}
		if (!found)
			return err_at(p, e, "bad-value",
				      "unknown patch " SCALAR_FMT " (valid: 8e690b817e38 or "
				      "coco-force-wb, cve-2025-40181 or 0dccbc75e18d, "
				      "06fa48d85b09 or e820-acpi-end, opt-uc-hole, "
				      "opt-emulated-mtrrs, opt-arch-bit, opt-untracked-hole)",
				      SCALAR_ARGS(e));
	}
	return 0;
}

static int parse_cmdline(struct ps *p, const yaml_node_t *list, struct mt_guest *g)
{
	int rc;

	if ((rc = check_seq(p, list, "guest.cmdline")))
		return rc;
	for (size_t i = 0; i < seq_len(list); i++) {
		const yaml_node_t *e = seq_at(p, list, i);

		if ((rc = want_scalar(p, e, "a kernel parameter", "a string")))
			return rc;
		if (scalar_is(e, "clearcpuid=mtrr"))
			g->clearcpuid_mtrr = true;
		else if (scalar_is(e, "mtrr=debug"))
			g->mtrr_debug = true;
		else if (scalar_is(e, "nopat"))
			g->nopat = true;
		else
			return err_at(p, e, "bad-value",
				      "unknown kernel parameter " SCALAR_FMT
				      " (valid: clearcpuid=mtrr, mtrr=debug, nopat)",
				      SCALAR_ARGS(e));
	}
	return 0;
}

static int parse_guest(struct ps *p, const yaml_node_t *root)
{
	static const char *const keys[] = {"kernel", "version", "patches", "cmdline"};
	static const struct word kernel_words[] = {{"linux", 0}};
	struct mt_guest *g = &p->s->guest;
	const yaml_node_t *n = get(p, root, "guest"), *v;
	int rc, w;

	if (!n)
		return err_at(p, root, "missing-key", "the scenario has no 'guest'");
	if ((rc = check_map(p, n, "guest", keys, MT_ARRAY_SIZE(keys))))
		return rc;
	if (!(v = get(p, n, "kernel")))
		return err_at(p, n, "missing-key", "guest has no 'kernel' (kernel: linux)");
	if ((rc = get_word(p, v, "guest kernel", kernel_words, 1, &w)))
		return rc;
	if (!(v = get(p, n, "version")))
		return err_at(p, n, "missing-key", "guest has no 'version' (e.g. \"6.12\")");
	if ((rc = linux_version(p, v, "Linux version", LINUX_MIN, g->version_text,
				sizeof(g->version_text), &g->version)))
		return rc;
	g->patches = default_patches(g->version);
	if ((v = get(p, n, "patches")) && (rc = parse_patches(p, v, g)))
		return rc;
	if ((v = get(p, n, "cmdline")) && (rc = parse_cmdline(p, v, g)))
		return rc;
	return 0;
}

/* ---------------------------------------------------------------- mappings */

static const struct word call_words[] = {
	{"ioremap", MT_CALL_IOREMAP},
	{"ioremap_uc", MT_CALL_IOREMAP_UC},
	{"ioremap_wc", MT_CALL_IOREMAP_WC},
	{"ioremap_wt", MT_CALL_IOREMAP_WT},
	{"ioremap_cache", MT_CALL_IOREMAP_CACHE},
	{"memremap_wb", MT_CALL_MEMREMAP_WB},
	{"memremap_wt", MT_CALL_MEMREMAP_WT},
	{"memremap_wc", MT_CALL_MEMREMAP_WC},
	{"devm_ioremap_resource", MT_CALL_DEVM_IOREMAP_RESOURCE},
	{"acpi_map", MT_CALL_ACPI_MAP},
	{"fixmap_nocache", MT_CALL_FIXMAP_NOCACHE},
};

static int parse_mappings(struct ps *p, const yaml_node_t *root)
{
	static const char *const keys[] = {"who", "call", "start", "size", "end", "device"};
	const yaml_node_t *list = get(p, root, "mappings");
	struct mt_scenario *s = p->s;
	int rc;

	if (!list)
		return 0;
	if ((rc = check_seq(p, list, "mappings")))
		return rc;
	for (size_t i = 0; i < seq_len(list); i++) {
		const yaml_node_t *m = seq_at(p, list, i), *v;
		struct mt_mapping *map = &s->map[s->nmap];
		char where[32], what[48];
		struct span sp;
		int call = 0;

		snprintf(where, sizeof(where), "mappings[%zu]", i);
		if (i >= MT_MAX_MAPPINGS)
			return err_at(p, m, "bad-value", "more than %d mappings", MT_MAX_MAPPINGS);
		if (is_null(m))
			return err_at(p, m, "bad-type", "%s must be a mapping, not null", where);
		if ((rc = check_map(p, m, where, keys, MT_ARRAY_SIZE(keys))))
			return rc;
		map->line = mark_line(m->start_mark);
		if (!(v = get(p, m, "who")))
			return err_at(p, m, "missing-key", "%s has no 'who'", where);
		snprintf(what, sizeof(what), "%s.who", where);
		if ((rc = get_str(p, v, what, map->who, sizeof(map->who))))
			return rc;
		if (!(v = get(p, m, "call")))
			return err_at(p, m, "missing-key", "%s has no 'call'", where);
		if ((rc = get_word(p, v, "call", call_words, MT_ARRAY_SIZE(call_words), &call)))
			return rc;
		map->call = (mt_call)call;
		if ((rc = get_span(p, m, where, "mapping", &sp)) ||
		    (rc = check_span_limit(p, &sp, "mapping")))
			return rc;
		map->start = sp.start;
		map->end = sp.end;
		snprintf(what, sizeof(what), "%s.device", where);
		if ((v = get(p, m, "device")) &&
		    (rc = get_str(p, v, what, map->device, sizeof(map->device))))
			return rc;
		s->nmap++;
	}
	return 0;
}

/* ---------------------------------------------------------------- expect */

static const struct word source_words[] = {
	{"hardware", 0},
	{"forced", 1},
	{"none", 2},
};

static int get_type(struct ps *p, const yaml_node_t *n, const char *what, int *out)
{
	memtype_type t;
	int rc = want_scalar(p, n, what, "a memory type");

	if (rc)
		return rc;
	if (memtype_type_parse((const char *)n->data.scalar.value, n->data.scalar.length, &t))
		return err_at(p, n, "bad-value",
			      "%s " SCALAR_FMT " is not a memory type (UC, UC-, WC, WT, WP, WB)",
			      what, SCALAR_ARGS(n));
	*out = (int)t;
	return 0;
}

static int parse_expect_one(struct ps *p, const yaml_node_t *e, const char *where,
			    struct mt_expect *x)
{
	static const char *const keys[] = {"mapping", "ok",	 "granted",    "effective",
					   "message", "finding", "no_finding", "mtrr_source"};
	const yaml_node_t *v, *mapping_node;
	char what[64];
	bool b;
	int rc, w;

	x->mapping = -1;
	x->ok = -1;
	x->granted = -1;
	x->effective = -1;
	if (is_null(e))
		return err_at(p, e, "bad-type", "%s must be a mapping, not null", where);
	if ((rc = check_map(p, e, where, keys, MT_ARRAY_SIZE(keys))))
		return rc;
	if (e->data.mapping.pairs.top == e->data.mapping.pairs.start)
		return err_at(p, e, "bad-value", "%s checks nothing", where);
	x->line = mark_line(e->start_mark);
	if ((mapping_node = get(p, e, "mapping"))) {
		uint64_t idx;
		snprintf(what, sizeof(what), "%s.mapping", where);
		if ((rc = get_u64(p, mapping_node, what, &idx)))
			return rc;
		if (idx >= p->s->nmap)
			return err_at(
			    p, mapping_node, "out-of-range",
			    "%s is %llu but the scenario has %u mapping%s (indexes from 0)", what,
			    (unsigned long long)idx, p->s->nmap, p->s->nmap == 1 ? "" : "s");
		x->mapping = (int)idx;
	}
	if ((v = get(p, e, "ok"))) {
		snprintf(what, sizeof(what), "%s.ok", where);
		if ((rc = get_bool(p, v, what, &b)))
			return rc;
		x->ok = b;
	}
	if ((v = get(p, e, "granted"))) {
		snprintf(what, sizeof(what), "%s.granted", where);
		if (is_null(v))
			x->granted = -2;
		else if ((rc = get_type(p, v, what, &x->granted)))
			return rc;
	}
	if ((v = get(p, e, "effective"))) {
		snprintf(what, sizeof(what), "%s.effective", where);
		if ((rc = get_type(p, v, what, &x->effective)))
			return rc;
	}
	if (!mapping_node && (x->ok >= 0 || x->granted != -1 || x->effective >= 0))
		return err_at(p, e, "missing-key",
			      "%s checks ok/granted/effective but has no 'mapping'", where);
	snprintf(what, sizeof(what), "%s.message", where);
	if ((v = get(p, e, "message")) &&
	    (rc = get_str(p, v, what, x->message, sizeof(x->message))))
		return rc;
	snprintf(what, sizeof(what), "%s.finding", where);
	if ((v = get(p, e, "finding")) &&
	    (rc = get_str(p, v, what, x->finding, sizeof(x->finding))))
		return rc;
	snprintf(what, sizeof(what), "%s.no_finding", where);
	if ((v = get(p, e, "no_finding")) &&
	    (rc = get_str(p, v, what, x->no_finding, sizeof(x->no_finding))))
		return rc;
	if ((v = get(p, e, "mtrr_source"))) {
		if ((rc = get_word(p, v, "mtrr_source", source_words, MT_ARRAY_SIZE(source_words),
				   &w)))
			return rc;
		snprintf(x->mtrr_source, sizeof(x->mtrr_source), "%s", source_words[w].name);
	}
	return 0;
}

static int parse_expect(struct ps *p, const yaml_node_t *root)
{
	const yaml_node_t *list = get(p, root, "expect");
	struct mt_scenario *s = p->s;
	int rc;

	if (!list)
		return 0;
	if ((rc = check_seq(p, list, "expect")))
		return rc;
	for (size_t i = 0; i < seq_len(list); i++) {
		const yaml_node_t *e = seq_at(p, list, i);
		char where[32];

		if (i >= MT_MAX_EXPECT)
			return err_at(p, e, "bad-value", "more than %d expectations",
				      MT_MAX_EXPECT);
		snprintf(where, sizeof(where), "expect[%zu]", i);
		if ((rc = parse_expect_one(p, e, where, &s->expect[s->nexpect])))
			return rc;
		s->nexpect++;
	}
	return 0;
}

/* ---------------------------------------------------------------- top level */

/* ---------------------------------------------------------------- axes */

/* The keys an axis may sweep: a whole section, or one key of a section
 * (docs/scenario-format.md "axes"). */
static const char *const axis_paths[] = {
	"platform.cpu",	     "platform.phys_bits",    "platform.ram",
	"hypervisor",	     "hypervisor.kind",	      "hypervisor.version",
	"hypervisor.coco",   "hypervisor.noncoherent_dma", "firmware",
	"firmware.kind",     "firmware.version",      "guest",
	"guest.version",     "guest.patches",	      "guest.cmdline",
};

/* A short text for an axis value: the scalar, or the flow-style node. */
static void value_text(struct ps *p, const yaml_node_t *n, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	if (n->type == YAML_SCALAR_NODE) {
		snprintf(buf, cap, "%.*s", (int)n->data.scalar.length, (const char *)n->data.scalar.value);
		return;
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		used += (size_t)snprintf(buf + used, cap - used, "[");
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top && used < cap; i++) {
			char one[64];
			const yaml_node_t *e = node(p, *i);
			if (e)
				value_text(p, e, one, sizeof(one));
			used += (size_t)snprintf(buf + used, cap - used, "%s%s",
						 i == n->data.sequence.items.start ? "" : " ", e ? one : "");
		}
		if (used < cap)
			snprintf(buf + used, cap - used, "]");
		return;
	}
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start;
	     a < n->data.mapping.pairs.top && used < cap; a++) {
		char k[32], v[64];
		const yaml_node_t *kn = node(p, a->key), *vn = node(p, a->value);
		if (!kn || !vn)
			continue;
		value_text(p, kn, k, sizeof(k));
		value_text(p, vn, v, sizeof(v));
		used += (size_t)snprintf(buf + used, cap - used, "%s%s=%s",
					 a == n->data.mapping.pairs.start ? "" : " ", k, v);
	}
}

/* Read axes: {PATH: [value, ...], ...}; record them in p->axes and, with a
 * choice, install one value per axis as an override of PATH. */
static int parse_axes(struct ps *p, const yaml_node_t *root)
{
	const yaml_node_t *n = get(p, root, "axes");
	if (!n)
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return err_at(p, n, "bad-type", "axes must be a mapping of key -> list of values, not %s",
			      kind_name(n));
	unsigned k = 0;
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top;
	     a++, k++) {
		const yaml_node_t *key = node(p, a->key), *vals = node(p, a->value);
		char path[MT_NAME_MAX];
		if (!key || !vals || key->type != YAML_SCALAR_NODE)
			return err_at(p, key ? key : n, "bad-type", "an axis name must be a key such as guest.version");
		if (k >= MT_MAX_AXES)
			return err_at(p, key, "bad-value", "more than %u axes", MT_MAX_AXES);
		value_text(p, key, path, sizeof(path));
		size_t w = 0;
		while (w < MT_ARRAY_SIZE(axis_paths) && strcmp(axis_paths[w], path) != 0)
			w++;
		if (w == MT_ARRAY_SIZE(axis_paths)) {
			char list[400] = "";
			size_t used = 0;
			for (size_t i = 0; i < MT_ARRAY_SIZE(axis_paths); i++)
				used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
							 i ? ", " : "", axis_paths[i]);
			return err_at(p, key, "unknown-key", "axis '%s' cannot be swept (axes: %s)",
				      path, list);
		}
		if (vals->type != YAML_SEQUENCE_NODE || seq_len(vals) == 0)
			return err_at(p, vals, "bad-type", "axis '%s' needs a non-empty list of values", path);
		if (seq_len(vals) > MT_AXIS_MAX_VALUES)
			return err_at(p, vals, "bad-value", "axis '%s' has more than %u values", path,
				      MT_AXIS_MAX_VALUES);
		if (p->axes) {
			struct mt_axis *ax = &p->axes->axis[k];
			snprintf(ax->key, sizeof(ax->key), "%s", path);
			ax->nvalues = (unsigned)seq_len(vals);
			for (unsigned v = 0; v < ax->nvalues; v++)
				value_text(p, seq_at(p, vals, v), ax->value[v], sizeof(ax->value[v]));
			p->axes->n = k + 1;
		}
		if (!p->choice)
			continue;
		/* The section the key lives in must be in the file. */
		const yaml_node_t *parent = root;
		const char *leaf = axis_paths[w];
		const char *dot = strchr(axis_paths[w], '.');
		if (dot) {
			char section[16];
			snprintf(section, sizeof(section), "%.*s", (int)(dot - axis_paths[w]), axis_paths[w]);
			parent = get(p, root, section);
			if (!parent || parent->type != YAML_MAPPING_NODE)
				return err_at(p, key, "missing-key",
					      "axis '%s' needs a '%s' mapping in the scenario", path, section);
			leaf = dot + 1;
		}
		if (p->choice[k] >= seq_len(vals))
			return err_at(p, vals, "bad-value", "axis '%s' has no value %zu", path, p->choice[k]);
		p->ov[p->nov++] = (struct override){ parent, leaf, seq_at(p, vals, p->choice[k]) };
	}
	return 0;
}

static int parse_root(struct ps *p, const yaml_node_t *root)
{
	static const char *const keys[] = {"name",  "platform", "hypervisor", "firmware",
					   "guest", "mappings", "expect",     "axes"};
	const yaml_node_t *v;
	int rc;

	if (root->type != YAML_MAPPING_NODE)
		return err_at(p, root, "bad-type", "a scenario must be a mapping, not %s",
			      kind_name(root));
	if ((rc = check_map(p, root, "the scenario", keys, MT_ARRAY_SIZE(keys))))
		return rc;
	if (!(v = get(p, root, "name")))
		return err_at(p, root, "missing-key", "the scenario has no 'name'");
	if ((rc = get_str(p, v, "name", p->s->name, sizeof(p->s->name))))
		return rc;
	if (!p->s->name[0])
		return err_at(p, v, "bad-value", "name is empty");
	if ((rc = parse_axes(p, root)))
		return rc;
	if ((rc = parse_platform(p, root)) || (rc = parse_hypervisor(p, root)) ||
	    (rc = parse_firmware(p, root)) || (rc = parse_guest(p, root)) ||
	    (rc = parse_mappings(p, root)) || (rc = parse_expect(p, root)))
		return rc;
	return 0;
}

int mt_scenario_parse_yaml(memtype_ctx *ctx, const char *file, const char *text, size_t len,
			   struct mt_scenario *out)
{
	return mt_scenario_parse_yaml_axes(ctx, file, text, len, NULL, NULL, out);
}

int mt_scenario_parse_yaml_axes(memtype_ctx *ctx, const char *file, const char *text, size_t len,
				const size_t *choice, struct mt_axes *axes, struct mt_scenario *out)
{
	struct ps p = {.ctx = ctx, .file = file ? file : "<scenario>", .s = out, .choice = choice,
		       .axes = axes};
	if (axes)
		memset(axes, 0, sizeof(*axes));
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	const yaml_node_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->file, sizeof(out->file), "%s", p.file);
	if (!text) {
		text = "";
		len = 0;
	}
	if (!yaml_parser_initialize(&parser))
		return mt_error_at(ctx, -ENOMEM, p.file, 1, 1, "no-memory",
				   "out of memory starting the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = yaml_error(&p, &parser, text, len);
		yaml_parser_delete(&parser);
		return rc;
	}
	/* The whole stream must be YAML, and one document. */
	if (!yaml_parser_load(&parser, &extra)) {
		rc = yaml_error(&p, &parser, text, len);
		yaml_document_delete(&doc);
		yaml_parser_delete(&parser);
		return rc;
	}
	root = yaml_document_get_root_node(&extra);
	if (root) {
		p.doc = &extra;
		rc = err_at(&p, root, "yaml-syntax",
			    "a scenario file holds one YAML document; a second one starts here");
	} else {
		p.doc = &doc;
		root = yaml_document_get_root_node(&doc);
		if (!root)
			rc = mt_error_at(ctx, -EINVAL, p.file, 1, 1, "missing-key",
					 "the scenario is empty: it has no 'name'");
		else
			rc = parse_root(&p, root);
	}
	yaml_document_delete(&extra);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}
