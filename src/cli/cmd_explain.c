/*
 * cmd_explain.c - `memtype explain CAPTURE...`: what a machine's dmesg,
 * /proc/mtrr, MSR dump or pat_memtype_list says about its memory types.
 *
 * Every file is streamed into a capture (64 KiB at a time; memory stays
 * bounded whatever the size), the captures are merged as one machine, and
 * the explanation is printed as a report or, with -j, as the object that
 * DESIGN.md §3 and docs/json.md specify (cmd_explain_text.c,
 * cmd_explain_json.c). This file holds the verb, its help, and the capture
 * reader that `memtype scan` (cmd_scan.c) uses along with the JSON builder,
 * so both verbs print the same object.
 */
#include "cmd_explain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (64u << 10)

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

/* ------------------------------------------------------------ shared by the outputs */

/* Call fn for each run of map pieces of one type (the map also splits
 * pieces by provenance). */
void explain_map_runs(const memtype_map *map, void (*fn)(void *ud, const memtype_range *r),
		      void *ud)
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
			explain_print_text(cli, info);
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
