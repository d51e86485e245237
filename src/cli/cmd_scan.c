/*
 * cmd_scan.c - `memtype scan PATH...`: explain every capture under the given
 * files and directories, one JSON object per line (JSON Lines), for studying
 * fleets of boot logs.
 *
 * Files are collected first (directories recursively, dot-files skipped),
 * sorted by path so the output is stable, and read one at a time by the same
 * streaming reader as `explain`, so memory stays bounded whatever the file
 * sizes. Each file is explained on its own and printed as the `explain -j`
 * object; a file that cannot be read or is not a capture prints
 * {"schema_version":1,"input":{...},"error":{code,message,line,col}} and the
 * scan goes on. A summary goes to stderr: files, parsed, errors, findings
 * by code. Exit status: 0, or 3 when some file could not be explained.
 */
#define _DEFAULT_SOURCE 1 /* struct dirent d_type */
#include "cli.h"
#include "cmd_explain.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char cli_help_scan[] =
    "usage: memtype scan [--format auto|dmesg|proc-mtrr|msr|pat-list] PATH...\n"
    "\n"
    "Runs 'explain' on every file under the PATHs (directories are walked\n"
    "recursively, dot-files skipped) and prints one JSON object per file and per\n"
    "line (JSON Lines), sorted by path: the 'explain -j' object, or\n"
    "{\"input\":{...},\"error\":{\"code\",\"message\",\"line\",\"col\"}} for a file that is\n"
    "not a capture. A bad file never stops the scan. A summary (files, parsed,\n"
    "errors, findings by code) goes to stderr; -q leaves it out.\n"
    "\n"
    "exit status: 0, or 3 when some file could not be explained\n";

struct paths {
	char **v;
	size_t n, cap;
};

static int push(struct paths *p, const char *s)
{
	if (p->n == p->cap) {
		size_t nc = p->cap ? 2 * p->cap : 64;
		char **nv = realloc(p->v, nc * sizeof(*nv));
		if (!nv)
			return -1;
		p->v = nv;
		p->cap = nc;
	}
	p->v[p->n] = strdup(s);
	return p->v[p->n++] ? 0 : -1;
}

/* The entry is a directory (symbolic links followed). The type readdir()
 * gives saves a stat() per file; links and file systems that do not fill
 * it in (DT_UNKNOWN) are asked. */
static bool is_dir(const struct dirent *ent, const char *path)
{
	struct stat st;

	if (ent->d_type == DT_DIR)
		return true;
	if (ent->d_type != DT_UNKNOWN && ent->d_type != DT_LNK)
		return false;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Regular files under dir (recursively), depth-limited against loops. */
static int walk(struct paths *p, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	int rc = 0;

	if (!d)
		return push(p, dir); /* reported as unreadable when read */
	while (rc == 0 && (ent = readdir(d))) {
		if (ent->d_name[0] == '.')
			continue;
		size_t len = strlen(dir) + strlen(ent->d_name) + 2;
		char *path = malloc(len);
		if (!path) {
			rc = -1;
			break;
		}
		snprintf(path, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
			 ent->d_name);
		if (is_dir(ent, path)) {
			if (depth < 32)
				rc = walk(p, path, depth + 1);
		} else {
			rc = push(p, path);
		}
		free(path);
	}
	closedir(d);
	return rc;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct code_count {
	const char *code;
	size_t count;
};

struct tally {
	size_t files, parsed, errors;
	size_t ncodes;
	struct code_count codes[64];
};

static void count_code(struct tally *t, const char *code)
{
	for (size_t i = 0; i < t->ncodes; i++)
		if (!strcmp(t->codes[i].code, code)) {
			t->codes[i].count++;
			return;
		}
	if (t->ncodes < sizeof(t->codes) / sizeof(t->codes[0])) {
		t->codes[t->ncodes].code = code; /* static strings of the library */
		t->codes[t->ncodes++].count = 1;
	}
}

static int cmp_code(const void *a, const void *b)
{
	const struct code_count *x = a, *y = b;

	return strcmp(x->code, y->code);
}

static void print_error(struct cli *cli, const char *path, memtype_capture_format fmt,
			const char *why)
{
	const memtype_error *e = memtype_ctx_error(cli->ctx);
	json_object *doc = json_object_new_object();
	json_object *in = json_object_new_object();
	json_object *er = json_object_new_object();

	json_object_object_add(doc, "schema_version", json_object_new_int(1));
	json_object_object_add(in, "path", json_object_new_string(path));
	json_object_object_add(in, "format",
			       fmt == MEMTYPE_CAPTURE_AUTO
				   ? NULL
				   : json_object_new_string(memtype_capture_format_name(fmt)));
	json_object_object_add(doc, "input", in);
	if (why[0]) {
		/* "code: message" from the reader (I/O) */
		const char *colon = strchr(why, ':');
		size_t cl = colon ? (size_t)(colon - why) : strlen(why);
		json_object_object_add(er, "code", json_object_new_string_len(why, (int)cl));
		json_object_object_add(er, "message",
				       json_object_new_string(colon ? colon + 2 : why));
		json_object_object_add(er, "line", NULL);
		json_object_object_add(er, "col", NULL);
	} else {
		json_object_object_add(er, "code",
				       json_object_new_string(e->code[0] ? e->code : "error"));
		json_object_object_add(er, "message", json_object_new_string(e->message));
		json_object_object_add(er, "line",
				       e->line ? json_object_new_int((int)e->line) : NULL);
		json_object_object_add(er, "col", e->col ? json_object_new_int((int)e->col) : NULL);
	}
	json_object_object_add(doc, "error", er);
	fprintf(cli->out, "%s\n",
		json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
}

int cmd_scan(struct cli *cli, int argc, char **argv)
{
	memtype_capture_format fmt = MEMTYPE_CAPTURE_AUTO;
	struct paths p = {0};
	struct tally t = {0};
	int rc = EXIT_OK;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int g = cli_verb_option(cli, argc, argv, &i, "scan");
		if (g < 0)
			goto usage;
		if (g == 2)
			goto out;
		if (g > 0)
			continue;
		if (!strcmp(a, "--format")) {
			if (i + 1 >= argc || memtype_capture_format_parse(argv[i + 1], &fmt) != 0) {
				cli_usage_error(
				    cli, "--format takes auto, dmesg, proc-mtrr, msr or pat-list");
				goto usage;
			}
			i++;
			continue;
		}
		if (a[0] == '-' && a[1] != '\0') {
			cli_usage_error(cli, "scan: unknown option '%s'", a);
			goto usage;
		}
		struct stat st;
		if (stat(a, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (walk(&p, a, 0) != 0)
				goto nomem;
		} else if (push(&p, a) != 0) {
			goto nomem;
		}
	}
	if (p.n == 0) {
		cli_usage_error(cli, "scan needs files or directories (see 'memtype help scan')");
		goto usage;
	}
	qsort(p.v, p.n, sizeof(*p.v), cmp_path);

	for (size_t i = 0; i < p.n; i++) {
		if (i > 0 && !strcmp(p.v[i], p.v[i - 1]))
			continue; /* named twice */
		memtype_capture *c = NULL;
		memtype_explain *e = NULL;
		char why[512];
		t.files++;
		memtype_ctx_clear_error(cli->ctx);
		if (explain_read_capture(cli->ctx, p.v[i], fmt, &c, why, sizeof(why)) != 0 ||
		    memtype_explain_run(cli->ctx, (const memtype_capture *const *)&c, 1, &e) != 0) {
			print_error(cli, p.v[i], fmt, c ? "" : why);
			t.errors++;
			memtype_capture_free(c);
			continue;
		}
		const memtype_explain_info *info = memtype_explain_get(e);
		size_t len = 0;
		char *text = explain_to_json(info, &len);
		if (text) {
			fwrite(text, 1, len, cli->out);
			fputc('\n', cli->out);
			free(text);
		}
		t.parsed++;
		for (size_t k = 0; k < info->nfindings; k++)
			count_code(&t, info->findings[k].code);
		memtype_explain_free(e);
		memtype_capture_free(c);
	}
	if (!cli->quiet) {
		fprintf(stderr, "scan: %zu files, %zu parsed, %zu errors", t.files, t.parsed,
			t.errors);
		if (t.ncodes) {
			qsort(t.codes, t.ncodes, sizeof(t.codes[0]), cmp_code);
			fprintf(stderr, "; findings:");
			for (size_t k = 0; k < t.ncodes; k++)
				fprintf(stderr, " %s=%zu", t.codes[k].code, t.codes[k].count);
		}
		fputc('\n', stderr);
	}
	rc = t.errors ? EXIT_INPUT : EXIT_OK;
	goto out;
nomem:
	fprintf(stderr, "%s: error: no-memory: cannot list the files\n", cli->prog);
	rc = EXIT_INTERNAL;
	goto out;
usage:
	rc = EXIT_USAGE;
out:
	for (size_t i = 0; i < p.n; i++)
		free(p.v[i]);
	free(p.v);
	return rc;
}
