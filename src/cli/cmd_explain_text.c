/*
 * cmd_explain_text.c - the report `memtype explain` prints without -j: the
 * machine, its MTRRs, PAT and e820, the MTRR map, what Linux does, then
 * the checks, findings, assumptions and the lines not used.
 */
#include "cmd_explain.h"

#include <string.h>

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

void explain_print_text(struct cli *cli, const memtype_explain_info *info)
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
		explain_map_runs(info->mtrr_map, map_run_text, o);
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
