/*
 * main.c - the memtype command: global options and verb dispatch.
 *
 * `memtype [GLOBAL OPTIONS] VERB [ARGS]` with exact verb names (no prefix
 * matching, DESIGN.md §3). Global options are accepted before or after the
 * verb, so `memtype combine -j ...` and `memtype -j combine ...` agree.
 */
#include "cli.h"

#include <string.h>

struct verb {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
};

static const struct verb verbs[] = {
    {"combine", cmd_combine},	{"resolve", cmd_resolve}, {"matrix", cmd_matrix},
#ifdef MEMTYPE_HAVE_EXPLAIN
    {"explain", cmd_explain},	{"scan", cmd_scan},
#endif
#ifdef MEMTYPE_HAVE_PLAN
    {"plan", cmd_plan},
#endif
#ifdef MEMTYPE_HAVE_CAPTURE
    {"capture", cmd_capture},
#endif
    {"simulate", cmd_simulate}, {"help", cmd_help},
};

int main(int argc, char **argv)
{
	struct cli cli = {.prog = "memtype", .color = -1, .out = stdout};
	int i = 1;
	const struct verb *verb = NULL;
	int verb_at = 0;

	/* Options before the verb, then the verb. */
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("memtype %s\n", memtype_version());
			return EXIT_OK;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			cli_print_help(stdout, NULL);
			return EXIT_OK;
		}
		int rc = cli_global_option(&cli, argc, argv, &i);
		if (rc < 0)
			return EXIT_USAGE;
		if (rc > 0)
			continue;
		if (a[0] == '-') {
			cli_usage_error(&cli, "unknown option '%s' (see 'memtype --help')", a);
			return EXIT_USAGE;
		}
		for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
			if (strcmp(a, verbs[k].name) == 0)
				verb = &verbs[k];
		if (!verb) {
			cli_usage_error(&cli,
					"unknown verb '%s' (verbs: matrix, simulate, explain, "
					"scan, plan, capture, combine, resolve, help)",
					a);
			return EXIT_USAGE;
		}
		verb_at = i;
		break;
	}
	if (!verb) {
		cli_print_help(stderr, NULL);
		return EXIT_USAGE;
	}

	cli.ctx = memtype_ctx_new(NULL, NULL);
	if (!cli.ctx) {
		fprintf(stderr, "memtype: error: no-memory: cannot create a context\n");
		return EXIT_INTERNAL;
	}
	int rc = verb->fn(&cli, argc - verb_at, argv + verb_at);
	if (cli.out && cli.out != stdout) {
		if (fclose(cli.out) != 0 && rc == EXIT_OK) {
			fprintf(stderr, "memtype: error: write-failed: cannot write '%s'\n",
				cli.output);
			rc = EXIT_INTERNAL;
		}
	} else if (fflush(stdout) != 0 && rc == EXIT_OK) {
		rc = EXIT_INTERNAL;
	}
	memtype_ctx_free(cli.ctx);
	return rc;
}
