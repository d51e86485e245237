/*
 * cmd_help.c - `memtype help [VERB]` and the text behind -h/--help.
 */
#include "cli.h"

#include <string.h>

static const char overview[] =
	"usage: memtype [GLOBAL OPTIONS] VERB [ARGS]\n"
	"\n"
	"An executable model of how x86 memory types (UC, UC-, WC, WT, WP, WB) are\n"
	"decided by MTRRs, PAT, CR0.CD, Intel EPT and AMD nested paging.\n"
	"\n"
	"verbs:\n"
	"  matrix    the compatibility matrix: firmware x platform x kernel, verdict per cell\n"
	"  combine   the architecture rules alone: MTRR x PAT (Intel, AMD), EPT, NPT\n"
	"  resolve   the memory type of addresses for a register state, with why\n"
	"  simulate  run a scenario: firmware, hypervisor, guest kernel, mappings\n"
	"  explain   read dmesg, /proc/mtrr, MSR dumps, pat_memtype_list; rebuild and check\n"
	"  scan      explain over files and directories, one JSON object per line\n"
	"  plan      the fewest MTRRs that realize a memory map, proven optimal\n"
	"  capture   read this machine's MTRRs, PAT, e820 and PAT list into one file\n"
	"  help      this text, or 'memtype help VERB'\n"
	"\n"
	"global options (before or after the verb):\n"
	"  -j, --json          JSON output (schema_version 1, see docs/json.md)\n"
	"  -p, --pretty        indented JSON (implies -j)\n"
	"  -o, --output FILE   write the output to FILE\n"
	"  -q, --quiet         only the answers, no explanation\n"
	"  -v, --verbose       more detail\n"
	"  --color=WHEN        auto, always or never\n"
	"  -V, --version       print the version\n"
	"  -h, --help          print this help\n"
	"\n"
	"exit status: 0 ok, 1 findings at or above --fail-on, 2 usage, 3 bad input, 4 internal\n";

static const char help_combine[] =
	"usage: memtype combine [--cpu intel|amd] [--mtrr T --pat T] [--cd]\n"
	"       memtype combine --ept T [--ipat] --pat T [--cd]\n"
	"       memtype combine --gpat T --hpat T --mtrr T [--cd] [--host-cd]\n"
	"\n"
	"With no type, prints the full MTRR x PAT tables (Intel SDM Table 11-7 and\n"
	"AMD APM Table 7-11). With --mtrr and --pat, the effective type of one cell;\n"
	"AMD's CD result is reported as UC with the note amd-cd. --cd sets CR0.CD.\n"
	"--ept uses the EPT rule (guest CR0.CD, IPAT, EPT type x guest PAT; MTRRs are\n"
	"not consulted). --gpat/--hpat/--mtrr use AMD nested paging (APM Tables\n"
	"15-19 and 15-20). Types: UC UC- WC WT WP WB, or their long spellings.\n"
	"\n"
	"example: memtype combine -j --mtrr WP --pat UC- --cpu intel   -> WC\n";

static const char help_resolve[] =
	"usage: memtype resolve [REGFILE] [--msr IDX=VAL]... [--phys-bits N]\n"
	"                       [--cpu intel|amd] [--pat-index N [--cd]]\n"
	"                       [--fail-on error|warning|info|none] ADDR|ADDR-END|ADDR+SIZE...\n"
	"\n"
	"Replays the register state as WRMSRs into a reset CPU (a value the hardware\n"
	"would refuse is reported as #GP with its file and line) and prints the MTRR\n"
	"type of each address, or of each piece of a range, with the registers that\n"
	"decided it. With --pat-index N the effective type with PAT entry N (from\n"
	"IA32_PAT in the state, else the reset value). MAXPHYADDR defaults to 36 bits,\n"
	"as the SDM says software must assume when CPUID does not tell.\n"
	"\n"
	"REGFILE lines (docs/register-file.md): 'cpu: intel', 'phys_bits: 46',\n"
	"'mtrrcap: 0x508', 'wrmsr 0x2ff 0xc06', '0x200: 6', 'IA32_MTRR_PHYSMASK0=0xf80000800'.\n"
	"MSR indexes and values are hexadecimal, '0x' optional.\n"
	"\n"
	"example: memtype resolve --msr 0x2ff=0xc00 --msr 0x200=0x6 --msr 0x201=0xf80000800 0x1000\n";

static const char help_simulate[] =
	"usage: memtype simulate SCENARIO.yaml [--check] [--all-orders] [--svg FILE]\n"
	"                        [--fail-on error|warning|info|none]\n"
	"\n"
	"Runs one scenario (docs/scenario-format.md) through every layer: the firmware\n"
	"programs the MTRRs, the hypervisor decides what the guest sees and what stage 2\n"
	"does, the guest kernel builds its MTRR view and PAT and performs the mappings\n"
	"in boot order. Prints the guest's view, the kernel log, each mapping's\n"
	"requested / granted / effective type, and findings.\n"
	"  --check        verify the scenario's expect: block (exit 1 on a mismatch)\n"
	"  --all-orders   run every order of the mapping groups (by who) and say which\n"
	"                 orders fail (finding order-dependent)\n"
	"  --svg FILE     also draw the run as a self-contained SVG: e820, the guest's\n"
	"                 MTRR view, each mapping's granted type, stage 2 and the\n"
	"                 effective type, on an ordinal (not to scale) address axis\n";

static const char help_matrix[] =
	"usage: memtype matrix [--html FILE] [--color=WHEN]\n"
	"\n"
	"Runs the built-in matrix for a standard q35 guest with ACPI, a TPM and an HPET:\n"
	"firmware (SeaBIOS, OVMF before 202408, 202411, 202511) x platform (bare metal,\n"
	"KVM VMX 6.10/6.16 with and without non-coherent DMA, SVM, TDX, SNP) x guest\n"
	"kernel (6.1, 6.6, 6.12, 6.12.y with the fix, 6.18, and the upstream design\n"
	"options opt-emulated-mtrrs, opt-arch-bit, opt-untracked-hole, opt-uc-hole) x TPM\n"
	"description (EDK2 Tpm.asl with a SystemMemory region, or QEMU's), each cell in\n"
	"every probe order of its mapping groups. Verdicts: ok, conflict, slow, unsafe,\n"
	"undefined (n/a: a combination that cannot exist), each with a one-line reason.\n"
	"  --html FILE   also write a self-contained HTML report with one SVG per cell\n";

int cli_print_help(FILE *f, const char *verb)
{
	if (!verb) {
		fputs(overview, f);
		return 0;
	}
	if (!strcmp(verb, "combine")) {
		fputs(help_combine, f);
		return 0;
	}
	if (!strcmp(verb, "resolve")) {
		fputs(help_resolve, f);
		return 0;
	}
#ifdef MEMTYPE_HAVE_EXPLAIN
	if (!strcmp(verb, "explain")) {
		fputs(cli_help_explain, f);
		return 0;
	}
	if (!strcmp(verb, "scan")) {
		fputs(cli_help_scan, f);
		return 0;
	}
#endif
#ifdef MEMTYPE_HAVE_PLAN
	if (!strcmp(verb, "plan")) {
		fputs(cli_help_plan, f);
		return 0;
	}
#endif
#ifdef MEMTYPE_HAVE_CAPTURE
	if (!strcmp(verb, "capture")) {
		fputs(cli_help_capture, f);
		return 0;
	}
#endif
	if (!strcmp(verb, "matrix")) {
		fputs(help_matrix, f);
		return 0;
	}
	if (!strcmp(verb, "simulate")) {
		fputs(help_simulate, f);
		return 0;
	}
	if (!strcmp(verb, "help")) {
		fputs("usage: memtype help [VERB]\n", f);
		return 0;
	}
	return -1;
}

int cmd_help(struct cli *cli, int argc, char **argv)
{
	const char *verb = NULL;
	for (int i = 1; i < argc; i++) {
		int g = cli_global_option(cli, argc, argv, &i);
		if (g < 0)
			return EXIT_USAGE;
		if (g == 0) {
			if (verb) {
				cli_usage_error(cli, "help takes one verb");
				return EXIT_USAGE;
			}
			verb = argv[i];
		}
	}
	if (cli_print_help(cli->out, verb)) {
		cli_usage_error(cli,
				"no verb '%s' (verbs: matrix, simulate, explain, scan, plan, capture, "
				"combine, resolve, help)",
				verb);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
