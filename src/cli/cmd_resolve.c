/*
 * cmd_resolve.c - `memtype resolve`: the memory type of addresses for a
 * register state, with the chain of decisions.
 *
 * The state comes from a register file (docs/register-file.md) or a
 * capture holding an MSR dump (`memtype capture`, docs/capture-format.md),
 * and/or --msr INDEX=VALUE options applied after it, replayed as WRMSRs into
 * a reset CPU so that a value the hardware would refuse is reported as the
 * #GP it is. Without a
 * PAT entry the answer is the MTRR type; with --pat-index N (IA32_PAT from
 * the state, or its reset value) it is the effective MTRR x PAT type.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MAP_PIECES (1u << 20)

struct resolve_args {
	const char *file;
	const char **msrs; /* --msr arguments, applied after the file */
	int nmsrs;
	const char **addrs;
	int naddrs;
	int pat_index; /* -1: none */
	bool cd;
	int fail_on; /* 0 error, 1 warning, 2 info, 3 none */
};

/* The MTRR decision for one piece, as a rule name and a detail sentence. */
static void mtrr_why(const memtype_mtrr *m, uint32_t type, uint32_t src, uint64_t regs,
		     const char **rule, const char **source, char *detail, size_t n)
{
	switch (src & 0xff) {
	case MEMTYPE_MTRR_SRC_DISABLED:
		*rule = "mtrr-disabled";
		*source = "Intel SDM Vol. 3A §11.11.2.1 (IA32_MTRR_DEF_TYPE.E=0)";
		snprintf(detail, n, "MTRRs disabled (DEF_TYPE.E=0): UC everywhere");
		return;
	case MEMTYPE_MTRR_SRC_FIXED:
		*rule = "mtrr-fixed";
		*source = "Intel SDM Vol. 3A §11.11.2.2, Table 11-9";
		snprintf(detail, n, "fixed range in %s: %s", memtype_msr_name(src >> 8),
			 cli_type((memtype_type)type));
		return;
	case MEMTYPE_MTRR_SRC_VARIABLE: {
		*rule = type == MEMTYPE_UNDEFINED ? "mtrr-overlap-undefined" : "mtrr-variable";
		*source = "Intel SDM Vol. 3A §11.11.2.3, §11.11.4.1";
		size_t used = (size_t)snprintf(detail, n, "variable");
		for (unsigned i = 0; i < 64 && used < n; i++) {
			if (!(regs >> i & 1))
				continue;
			uint64_t base = 0, mask = 0;
			memtype_mtrr_rdmsr(m, MEMTYPE_MSR_MTRR_PHYSBASE0 + 2 * i, &base);
			memtype_mtrr_rdmsr(m, MEMTYPE_MSR_MTRR_PHYSMASK0 + 2 * i, &mask);
			used += (size_t)snprintf(detail + used, n - used,
						 " reg%02u (base 0x%llx mask 0x%llx %s)", i,
						 (unsigned long long)(base & ~0xfffull),
						 (unsigned long long)(mask & ~0xfffull),
						 cli_type((memtype_type)(base & 0xff)));
		}
		if (used < n)
			snprintf(detail + used, n - used, " -> %s", cli_type((memtype_type)type));
		return;
	}
	default:
		*rule = "mtrr-default";
		*source = "Intel SDM Vol. 3A §11.11.2.1 (default type)";
		snprintf(detail, n, "no MTRR matches: default type %s",
			 cli_type((memtype_type)type));
		return;
	}
}

struct piece {
	uint64_t start, end;
	uint32_t type, src;
	uint64_t regs;
};

static int parse_args(struct cli *cli, int argc, char **argv, struct resolve_args *a, bool *cpu_set,
		      memtype_cpu *cpu, int *phys)
{
	a->addrs = calloc((size_t)argc, sizeof(*a->addrs));
	a->msrs = calloc((size_t)argc, sizeof(*a->msrs));
	if (!a->addrs || !a->msrs)
		return -1;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		int g = cli_verb_option(cli, argc, argv, &i, "resolve");
		if (g < 0)
			return -1;
		if (g == 2)
			return 1;
		if (g > 0)
			continue;
		if (!strcmp(o, "--cd")) {
			a->cd = true;
			continue;
		}
		bool needs = !strcmp(o, "--msr") || !strcmp(o, "--phys-bits") ||
			     !strcmp(o, "--cpu") || !strcmp(o, "--pat-index") ||
			     !strcmp(o, "--fail-on");
		if (needs && i + 1 >= argc) {
			cli_usage_error(cli, "%s needs a value", o);
			return -1;
		}
		if (!strcmp(o, "--msr")) {
			a->msrs[a->nmsrs++] = argv[++i];
		} else if (!strcmp(o, "--phys-bits")) {
			uint64_t v;
			const char *s = argv[++i];
			if (memtype_parse_u64(s, strlen(s), &v) || v < 32 || v > 52) {
				cli_usage_error(cli, "--phys-bits takes 32..52, not '%s'", s);
				return -1;
			}
			*phys = (int)v;
		} else if (!strcmp(o, "--cpu")) {
			const char *v = argv[++i];
			if (!strcmp(v, "intel"))
				*cpu = MEMTYPE_CPU_INTEL;
			else if (!strcmp(v, "amd"))
				*cpu = MEMTYPE_CPU_AMD;
			else {
				cli_usage_error(cli, "--cpu takes intel or amd, not '%s'", v);
				return -1;
			}
			*cpu_set = true;
		} else if (!strcmp(o, "--pat-index")) {
			const char *s = argv[++i];
			uint64_t v;
			if (memtype_parse_u64(s, strlen(s), &v) || v > 7) {
				cli_usage_error(cli, "--pat-index takes 0..7, not '%s'", s);
				return -1;
			}
			a->pat_index = (int)v;
		} else if (!strcmp(o, "--fail-on")) {
			const char *s = argv[++i];
			static const char *const levels[] = {"error", "warning", "info", "none"};
			a->fail_on = -1;
			for (int k = 0; k < 4; k++)
				if (!strcmp(s, levels[k]))
					a->fail_on = k;
			if (a->fail_on < 0) {
				cli_usage_error(cli,
						"--fail-on takes error, warning, info or none");
				return -1;
			}
		} else if (o[0] == '-' && o[1] != '\0') {
			cli_usage_error(
			    cli, "resolve: unknown option '%s' (see 'memtype help resolve')", o);
			return -1;
		} else {
			/* The first operand that is not an address is the input file. */
			uint64_t s, e;
			if (a->naddrs == 0 && !a->file &&
			    memtype_parse_range(o, strlen(o), &s, &e) == -EINVAL)
				a->file = o;
			else
				a->addrs[a->naddrs++] = o;
		}
	}
	if (a->naddrs == 0) {
		cli_usage_error(cli,
				"resolve needs at least one address (ADDR, ADDR-END or ADDR+SIZE)");
		return -1;
	}
	return 0;
}

#ifdef MEMTYPE_HAVE_EXPLAIN
/* The MSRs capture.c keeps: MTRRcap, the MTRR block and IA32_PAT, and
 * AMD's SYSCFG and TOP_MEM2. */
static uint32_t capture_msr_index(unsigned k)
{
	if (k == 0)
		return MEMTYPE_MSR_MTRRCAP;
	if (k <= 256)
		return 0x200u + (k - 1);
	return k == 257 ? 0xc0010010u : 0xc001001du;
}

/* Tell on stderr where the capture's CPUs disagree: resolve uses the first
 * CPU's values (Linux warns the same way, "your CPUs had inconsistent ...
 * settings", arch/x86/kernel/cpu/mtrr/generic.c mtrr_state_warn). */
static void warn_disagree(const struct cli *cli, const memtype_capture *cap)
{
	unsigned listed = 0, more = 0;

	for (unsigned k = 0; k <= 258; k++) {
		uint64_t v;
		unsigned reads, differ;
		uint32_t idx = capture_msr_index(k);
		if (memtype_capture_msr(cap, idx, &v, &reads, &differ) || !differ)
			continue;
		if (listed++ < 8)
			fprintf(
			    stderr,
			    "%s: warning: cpus-disagree: %s: MSR 0x%x (%s) reads 0x%llx on the "
			    "first CPU, another value on %u of %u CPUs: the first CPU's value is "
			    "used\n",
			    cli->prog, memtype_capture_name(cap), idx,
			    memtype_msr_name(idx) ? memtype_msr_name(idx) : "?",
			    (unsigned long long)v, differ, reads);
		else
			more++;
	}
	if (more)
		fprintf(stderr, "%s: warning: cpus-disagree: %u more MSRs differ between CPUs\n",
			cli->prog, more);
}

/* AMD SYSCFG.MtrrTom2En (bit 21) with Tom2ForceMemTypeWB (bit 22) makes
 * [4 GiB, TOP_MEM2) WB where no variable MTRR matches (APM Vol. 2 §7.9.1);
 * resolve models the MTRRs alone, so say so. */
static void warn_tom2(const struct cli *cli, const memtype_capture *cap)
{
	uint64_t syscfg, top;
	if (memtype_capture_msr(cap, 0xc0010010u, &syscfg, NULL, NULL) ||
	    memtype_capture_msr(cap, 0xc001001du, &top, NULL, NULL) ||
	    (syscfg & (3ull << 21)) != (3ull << 21) || (top & 0xffffff800000ull) <= (1ull << 32))
		return;
	fprintf(stderr,
		"%s: warning: tom2-not-modelled: %s: AMD TOP_MEM2 0x%llx with Tom2ForceMemTypeWB: "
		"[4 GiB, TOM2) is WB where no variable MTRR matches; resolve shows the MTRR "
		"types alone ('memtype explain' applies TOM2)\n",
		cli->prog, memtype_capture_name(cap),
		(unsigned long long)(top & 0xffffff800000ull));
}

/*
 * Not a register file: the registers a capture read (memtype capture, an
 * MSR dump, a boot log with one), into a fresh regs. 0, 1 when the text is
 * no capture with MSRs (the caller reports the register file's error), or
 * -1 after reporting the capture's error.
 */
static int regs_from_capture(struct cli *cli, const char *name, const char *text, size_t len,
			     memtype_regs *regs)
{
	memtype_capture *cap = NULL;
	int rc = 1;

	if (memtype_capture_parse(cli->ctx, name, text, len, MEMTYPE_CAPTURE_AUTO, &cap))
		return 1;
	int trc = memtype_capture_to_regs(cap, regs);
	if (trc == 0) {
		warn_disagree(cli, cap);
		warn_tom2(cli, cap);
		rc = 0;
	} else if (trc != -ENOENT) {
		cli_lib_error(cli); /* a #GP at the capture's line, or no memory */
		rc = -1;
	}
	memtype_capture_free(cap);
	return rc;
}
#endif

/*
 * The 1-based number of text's first line that holds more than blanks and a
 * '#' comment -- the register file's first line (src/lib/regs.c
 * parse_line) -- or 0 when there is none.
 */
static unsigned first_content_line(const char *text, size_t len)
{
	unsigned line = 1;
	bool content = false;

	for (size_t i = 0; i < len; i++) {
		char ch = text[i];
		if (ch == '\n') {
			if (content)
				return line;
			line++;
		} else if (ch == '#') {
			while (i + 1 < len && text[i + 1] != '\n')
				i++;
		} else if (ch != ' ' && ch != '\t' && ch != '\r') {
			content = true;
		}
	}
	return content ? line : 0;
}

/*
 * The register state of the input file into *regs (replaced by a fresh one
 * when the file turns out to be a capture). An exit code or 0. A file whose
 * first line parsed as a register-file line is a register file: its error
 * stands, whatever a capture parser would make of the rest (a typo must not
 * turn a register file into an MSR dump that skips the bad line).
 */
static int load_file(struct cli *cli, const char *file, memtype_regs **regs)
{
	size_t len;
	char *text = cli_read_file(cli, file, &len);
	if (!text)
		return EXIT_INPUT;
	int rc = EXIT_OK;
	if (memtype_regs_parse(*regs, file, text, len) == 0)
		goto out;
	rc = EXIT_INPUT;
	if (memtype_ctx_error(cli->ctx)->line != first_content_line(text, len)) {
		cli_lib_error(cli);
		goto out;
	}
#ifdef MEMTYPE_HAVE_EXPLAIN
	/* Keep the register file's error: it is the one to show when the file
	 * is no capture either. */
	memtype_error saved = *memtype_ctx_error(cli->ctx);
	char code[48], msg[512], name[256];
	snprintf(code, sizeof(code), "%s", saved.code);
	snprintf(msg, sizeof(msg), "%s", saved.message);
	snprintf(name, sizeof(name), "%s", saved.file ? saved.file : file);
	memtype_regs *fresh = memtype_regs_new(cli->ctx);
	if (!fresh) {
		cli_lib_error(cli);
		rc = EXIT_INTERNAL;
		goto out;
	}
	memtype_regs_free(*regs);
	*regs = fresh;
	int crc = regs_from_capture(cli, file, text, len, fresh);
	if (crc == 0)
		rc = EXIT_OK;
	else if (crc > 0)
		fprintf(stderr,
			"%s:%u:%u: error: %s: %s (and it is no capture with an MSR dump either)\n",
			name, saved.line, saved.col, code, msg);
#else
	cli_lib_error(cli);
#endif
out:
	free(text);
	return rc;
}

static void add_piece_json(json_object *arr, const memtype_mtrr *m, const struct piece *p,
			   bool range, const memtype_result *eff)
{
	const char *rule, *source;
	char detail[1024];
	mtrr_why(m, p->type, p->src, p->regs, &rule, &source, detail, sizeof(detail));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "address", cli_hex(p->start));
	if (range)
		json_object_object_add(o, "end", cli_hex(p->end));
	json_object_object_add(
	    o, "type", json_object_new_string(cli_type(eff ? eff->type : (memtype_type)p->type)));
	if (eff)
		json_object_object_add(o, "mtrr_type",
				       json_object_new_string(cli_type((memtype_type)p->type)));
	json_object *why = json_object_new_array();
	json_object *w = json_object_new_object();
	json_object_object_add(w, "rule", json_object_new_string(rule));
	json_object_object_add(w, "detail", json_object_new_string(detail));
	json_object_object_add(w, "source", json_object_new_string(source));
	json_object_array_add(why, w);
	if (eff) {
		json_object *steps = cli_steps_json(eff);
		for (size_t i = 0; i < json_object_array_length(steps); i++)
			json_object_array_add(why,
					      json_object_get(json_object_array_get_idx(steps, i)));
		json_object_put(steps);
	}
	json_object_object_add(o, "why", why);
	json_object_array_add(arr, o);
}

static void print_piece_text(struct cli *cli, const memtype_mtrr *m, const struct piece *p,
			     bool range, const memtype_result *eff)
{
	const char *rule, *source;
	char detail[1024];
	mtrr_why(m, p->type, p->src, p->regs, &rule, &source, detail, sizeof(detail));
	if (range)
		fprintf(cli->out, "0x%llx-0x%llx: ", (unsigned long long)p->start,
			(unsigned long long)p->end);
	else
		fprintf(cli->out, "0x%llx: ", (unsigned long long)p->start);
	fprintf(cli->out, "%s\n", cli_type(eff ? eff->type : (memtype_type)p->type));
	if (cli->quiet)
		return;
	fprintf(cli->out, "  %s    [%s]\n", detail, source);
	if (eff)
		cli_print_steps(cli, eff);
}

int cmd_resolve(struct cli *cli, int argc, char **argv)
{
	struct resolve_args a = {.pat_index = -1};
	memtype_regs *regs = memtype_regs_new(cli->ctx);
	memtype_mtrr *m = NULL;
	memtype_map *map = NULL;
	json_object *doc = NULL, *arr = NULL, *findings = NULL;
	bool cpu_set = false;
	memtype_cpu cpu = MEMTYPE_CPU_INTEL;
	int phys = 0, rc = EXIT_OK, undefined = 0;
	memtype_type pat_types[8];

	if (!regs) {
		cli_lib_error(cli);
		return EXIT_INTERNAL;
	}
	int pr = parse_args(cli, argc, argv, &a, &cpu_set, &cpu, &phys);
	if (pr) {
		rc = pr == 1 ? EXIT_OK : EXIT_USAGE;
		goto out;
	}
	if (a.file && (rc = load_file(cli, a.file, &regs)) != EXIT_OK)
		goto out;
	for (int k = 0; k < a.nmsrs; k++) {
		if (memtype_regs_add_arg(regs, a.msrs[k])) {
			cli_lib_error(cli);
			rc = EXIT_INPUT;
			goto out;
		}
	}
	if (cpu_set)
		memtype_regs_set_cpu(regs, cpu);
	if (phys)
		memtype_regs_set_phys_bits(regs, (unsigned)phys);
	cpu = memtype_regs_cpu(regs);
	if (memtype_regs_to_mtrr(regs, &m)) {
		cli_lib_error(cli);
		rc = EXIT_INPUT;
		goto out;
	}
	if (a.pat_index >= 0) {
		uint64_t pat = MEMTYPE_PAT_RESET;
		memtype_regs_pat(regs, &pat);
		if (memtype_pat_decode(cli->ctx, pat, pat_types)) {
			cli_lib_error(cli);
			rc = EXIT_INPUT;
			goto out;
		}
	}
	int brc = memtype_mtrr_build_map(m, MAX_MAP_PIECES, &map);
	if (brc && brc != -E2BIG) {
		cli_lib_error(cli);
		rc = EXIT_INTERNAL;
		goto out;
	}
	unsigned pb = memtype_mtrr_phys_bits(m);
	uint64_t top = pb >= 64 ? UINT64_MAX : (1ull << pb) - 1;

	if (cli->json) {
		doc = json_object_new_object();
		json_object_object_add(doc, "schema_version", json_object_new_int(1));
		json_object_object_add(
		    doc, "cpu_vendor",
		    json_object_new_string(cpu == MEMTYPE_CPU_AMD ? "amd" : "intel"));
		json_object_object_add(doc, "phys_bits", json_object_new_int((int)pb));
		json_object_object_add(doc, "phys_bits_source",
				       json_object_new_string(memtype_regs_phys_bits_source(regs)));
		arr = json_object_new_array();
		findings = json_object_new_array();
	}
	for (int k = 0; k < a.naddrs; k++) {
		uint64_t s, e;
		const char *t = a.addrs[k];
		int prc = memtype_parse_range(t, strlen(t), &s, &e);
		if (prc) {
			cli_usage_error(cli, "'%s' is not an address, ADDR-END or ADDR+SIZE%s", t,
					prc == -ERANGE ? " (it overflows 64 bits)" : "");
			rc = EXIT_USAGE;
			goto out;
		}
		if (e > top) {
			fprintf(stderr,
				"%s: error: out-of-range: %s goes beyond MAXPHYADDR: the highest "
				"address with %u physical address bits is 0x%llx\n",
				cli->prog, t, pb, (unsigned long long)top);
			rc = EXIT_INPUT;
			goto out;
		}
		bool range = s != e;
		if (!map && range) {
			cli_lib_error(cli);
			rc = EXIT_INPUT;
			goto out;
		}
		uint64_t at = s;
		for (;;) {
			struct piece p;
			if (map) {
				memtype_range r;
				memtype_map_query(map, at, &r);
				p = (struct piece){at, r.end < e ? r.end : e, r.value, r.src,
						   r.regs};
			} else {
				memtype_mtrr_hit h;
				memtype_mtrr_lookup(m, at, &h);
				p = (struct piece){at, at, h.type, h.source | (h.fixed_msr << 8),
						   h.var_matched};
			}
			memtype_result eff, *effp = NULL;
			if (a.pat_index >= 0) {
				memtype_combine_mtrr_pat(cpu, (memtype_type)p.type,
							 pat_types[a.pat_index], a.cd, &eff);
				effp = &eff;
			}
			if (p.type == MEMTYPE_UNDEFINED) {
				undefined++;
				if (findings) {
					json_object *f = json_object_new_object();
					json_object_object_add(f, "severity",
							       json_object_new_string("error"));
					json_object_object_add(
					    f, "code",
					    json_object_new_string("mtrr-overlap-undefined"));
					json_object_object_add(
					    f, "message",
					    json_object_new_string(
						"variable MTRRs of different types overlap in a "
						"way the SDM leaves undefined (§11.11.4.1)"));
					json_object_object_add(f, "start", cli_hex(p.start));
					json_object_object_add(f, "end", cli_hex(p.end));
					json_object_array_add(findings, f);
				}
			}
			if (arr)
				add_piece_json(arr, m, &p, range, effp);
			else
				print_piece_text(cli, m, &p, range, effp);
			if (p.end >= e)
				break;
			at = p.end + 1;
		}
	}
	if (doc) {
		json_object_object_add(doc, "addresses", arr);
		json_object_object_add(doc, "findings", findings);
		arr = findings = NULL;
		cli_print_json(cli, doc);
	} else if (undefined && !cli->quiet) {
		fprintf(cli->out,
			"error: mtrr-overlap-undefined: %d range(s) have an undefined MTRR type "
			"(SDM §11.11.4.1)\n",
			undefined);
	}
	if (undefined && a.fail_on <= 2)
		rc = EXIT_FINDINGS;
out:
	json_object_put(doc);
	json_object_put(arr);
	json_object_put(findings);
	memtype_map_free(map);
	memtype_mtrr_free(m);
	memtype_regs_free(regs);
	free(a.addrs);
	free(a.msrs);
	return rc;
}
