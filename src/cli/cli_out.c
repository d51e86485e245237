/*
 * cli_out.c - option and output helpers shared by the verbs: global
 * options, diagnostics in the file:line:col form, type names, JSON.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE_BYTES (16u << 20)

int cli_global_option(struct cli *cli, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	if (strcmp(a, "-j") == 0 || strcmp(a, "--json") == 0) {
		cli->json = true;
		return 1;
	}
	if (strcmp(a, "-p") == 0 || strcmp(a, "--pretty") == 0) {
		cli->json = cli->pretty = true;
		return 1;
	}
	if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
		cli->quiet = true;
		return 1;
	}
	if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
		cli->verbose = true;
		return 1;
	}
	if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
		if (*i + 1 >= argc) {
			cli_usage_error(cli, "%s needs a file name", a);
			return -1;
		}
		cli->output = argv[++*i];
		FILE *f = fopen(cli->output, "w");
		if (!f) {
			fprintf(stderr, "%s: error: unwritable: cannot open '%s': %s\n", cli->prog,
				cli->output, strerror(errno));
			return -1;
		}
		if (cli->out && cli->out != stdout)
			fclose(cli->out);
		cli->out = f;
		return 1;
	}
	if (strncmp(a, "--color", 7) == 0 && (a[7] == '\0' || a[7] == '=')) {
		const char *v = a[7] == '=' ? a + 8 : "always";
		if (strcmp(v, "auto") == 0)
			cli->color = -1;
		else if (strcmp(v, "always") == 0)
			cli->color = 1;
		else if (strcmp(v, "never") == 0)
			cli->color = 0;
		else {
			cli_usage_error(cli, "--color takes auto, always or never, not '%s'", v);
			return -1;
		}
		return 1;
	}
	return 0;
}

int cli_verb_option(struct cli *cli, int argc, char **argv, int *i, const char *verb)
{
	int g = cli_global_option(cli, argc, argv, i);
	if (g != 0)
		return g;
	if (!strcmp(argv[*i], "-h") || !strcmp(argv[*i], "--help")) {
		cli_print_help(cli->out, verb);
		return 2;
	}
	return 0;
}

void cli_usage_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: error: usage: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_lib_error(const struct cli *cli)
{
	const memtype_error *e = memtype_ctx_error(cli->ctx);
	const char *code = e->code && e->code[0] ? e->code : "error";
	if (e->file)
		fprintf(stderr, "%s:%u:%u: error: %s: %s\n", e->file, e->line, e->col, code,
			e->message);
	else
		fprintf(stderr, "%s: error: %s: %s\n", cli->prog, code, e->message);
}

int cli_parse_type(const struct cli *cli, const char *opt, const char *s, memtype_type *out)
{
	if (memtype_type_parse(s, strlen(s), out) == 0)
		return 0;
	cli_usage_error(cli, "%s: '%s' is not a memory type (UC, UC-, WC, WT, WP, WB)", opt, s);
	return -1;
}

const char *cli_type(memtype_type t)
{
	const char *n = memtype_type_name(t, MEMTYPE_SPELL_SHORT);
	return n ? n : "?";
}

json_object *cli_hex(uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	return json_object_new_string(buf);
}

void cli_print_json(const struct cli *cli, json_object *doc)
{
	int flags = cli->pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
				: JSON_C_TO_STRING_PLAIN;
	flags |= JSON_C_TO_STRING_NOSLASHESCAPE;
	fprintf(cli->out, "%s\n", json_object_to_json_string_ext(doc, flags));
}

static const struct {
	unsigned bit;
	const char *name;
} note_names[] = {
    {MEMTYPE_NOTE_UC_FROM_MTRR, "uc-from-mtrr"},
    {MEMTYPE_NOTE_UC_FROM_PAT, "uc-from-pat"},
    {MEMTYPE_NOTE_FORMERLY_UNDEF, "formerly-undefined"},
    {MEMTYPE_NOTE_AMD_CD, "amd-cd"},
    {MEMTYPE_NOTE_CR0_CD, "cr0-cd"},
    {MEMTYPE_NOTE_IPAT, "ipat"},
    {MEMTYPE_NOTE_MTRR_UNDEFINED, "mtrr-undefined"},
};

json_object *cli_notes_json(unsigned notes)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < sizeof(note_names) / sizeof(note_names[0]); i++)
		if (notes & note_names[i].bit)
			json_object_array_add(a, json_object_new_string(note_names[i].name));
	return a;
}

/* The inputs of a step, as "MTRR=WP PAT=UC-" text. */
static void step_inputs(const memtype_step *s, char *buf, size_t n)
{
	const char *la = "in", *lb = NULL;
	if (!strcmp(s->rule, "mtrr-x-pat")) {
		la = "MTRR";
		lb = "PAT";
	} else if (!strcmp(s->rule, "ept-x-guest-pat") || !strcmp(s->rule, "ept-guest-cd")) {
		la = "EPT";
		lb = "gPAT";
	} else if (!strcmp(s->rule, "ept-ipat")) {
		la = "EPT";
	} else if (!strcmp(s->rule, "npt-gpat-x-hpat")) {
		la = "gPAT";
		lb = "hPAT";
	} else if (!strcmp(s->rule, "npt-pat-x-mtrr")) {
		la = "PAT";
		lb = "MTRR";
	} else if (!strcmp(s->rule, "mtrr-undefined")) {
		la = "MTRR";
		lb = "PAT";
	}
	if (lb)
		snprintf(buf, n, "%s=%s %s=%s", la, cli_type(s->a), lb, cli_type(s->b));
	else
		snprintf(buf, n, "%s=%s", la, cli_type(s->a));
}

json_object *cli_steps_json(const memtype_result *r)
{
	json_object *a = json_object_new_array();
	for (unsigned i = 0; i < r->nsteps; i++) {
		const memtype_step *s = &r->steps[i];
		char in[64];
		step_inputs(s, in, sizeof(in));
		json_object *o = json_object_new_object();
		json_object_object_add(o, "rule", json_object_new_string(s->rule));
		json_object_object_add(o, "inputs", json_object_new_string(in));
		json_object_object_add(o, "result", json_object_new_string(cli_type(s->out)));
		json_object_object_add(o, "notes", cli_notes_json(s->notes));
		json_object_object_add(o, "source", json_object_new_string(s->source));
		json_object_array_add(a, o);
	}
	return a;
}

void cli_print_steps(const struct cli *cli, const memtype_result *r)
{
	for (unsigned i = 0; i < r->nsteps; i++) {
		const memtype_step *s = &r->steps[i];
		char in[64];
		step_inputs(s, in, sizeof(in));
		fprintf(cli->out, "  %s -> %s", in, cli_type(s->out));
		if (s->notes & MEMTYPE_NOTE_AMD_CD)
			fputs(" (AMD's CD: uncacheable, caches still probed)", cli->out);
		if (s->notes & MEMTYPE_NOTE_CR0_CD)
			fputs(" (CR0.CD=1: caching disabled)", cli->out);
		if (s->notes & MEMTYPE_NOTE_IPAT)
			fputs(" (IPAT=1: guest PAT ignored)", cli->out);
		fprintf(cli->out, "    [%s]\n", s->source);
	}
}

char *cli_read_file(struct cli *cli, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: error: unreadable: cannot open '%s': %s\n", cli->prog, path,
			strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		if (cap >= MAX_FILE_BYTES) {
			fprintf(stderr, "%s: error: too-large: '%s' is larger than %u MiB\n",
				cli->prog, path, MAX_FILE_BYTES >> 20);
			free(buf);
			buf = NULL;
			break;
		}
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	if (buf && ferror(f)) {
		fprintf(stderr, "%s: error: unreadable: cannot read '%s'\n", cli->prog, path);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

void cli_print_wrapped(FILE *f, const char *first, const char *text, size_t indent, size_t width)
{
	size_t col = strlen(first);
	bool fresh = false; /* at the start of a continuation line */
	fputs(first, f);
	while (*text) {
		size_t w = strcspn(text, " ");
		if (!fresh && col + 1 + w > width && col > indent) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
			fresh = true;
		}
		if (!fresh) {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, w, f);
		col += w;
		fresh = false;
		text += w;
		while (*text == ' ')
			text++;
	}
	fputc('\n', f);
}
