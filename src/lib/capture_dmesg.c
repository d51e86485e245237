/*
 * capture_dmesg.c - the kernel-log recogniser: every line of a boot log
 * that says something about MTRRs, PAT or the e820 map, in every era from
 * 2.6.32 to 6.17.
 *
 * Message formats and where they come from (Linux source paths; facts
 * gathered in ../shared/reference/guest-firmware.md §1-§2):
 *  - "Linux version %s" (init/version.c), "DMI: %s" (dmi_scan.c),
 *    "Hypervisor detected: %s" (cpu/hypervisor.c), "Command line: %s"
 *    (arch/x86/kernel/setup.c);
 *  - the e820 map: "BIOS-e820: [mem %#018Lx-%#018Lx] %s" (3.x+, inclusive
 *    end, e820.c e820_print_type words) and the 2.6 form
 *    "BIOS-e820: %016Lx - %016Lx (%s)" (exclusive end); Xen PV "Xen: [mem ...]";
 *  - print_mtrr_state() (cpu/mtrr/generic.c): "MTRR default type: %s",
 *    "MTRR fixed ranges %sabled:", "  %05X-%05X %s", "MTRR variable ranges
 *    %sabled:", "  %u base %0*X%05X000 mask %0*X%05X000 %s" (the high-dword
 *    width is (phys_bits - 29) / 4 up to 6.4 and (phys_bits - 17) / 4 from
 *    6.5, so the whole field is read as one hex number), "  %u disabled",
 *    "TOM2: %016llx aka %lldM";
 *  - 6.5+ mtrr_build_map(): "MTRR map: %u entries (%u fixed + %u variable;
 *    max %u), built from %u variable MTRRs" and, with mtrr=debug,
 *    "%3u: %016llx-%016llx %s" per entry (inclusive end);
 *  - PAT: "x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  "
 *    (4.2+, mm/pat/memtype.c), "PAT configuration [0-7]: ..." (3.x-4.1),
 *    "x86 PAT enabled: cpu %d, old 0x%Lx, new 0x%Lx" (2.6), and the
 *    "PAT not supported by the CPU." / "MTRRs disabled, skipping PAT
 *    initialization too." / "PAT support disabled" messages;
 *  - mtrr_cleanup() (cpu/mtrr/cleanup.c): "original variable MTRRs", "New
 *    variable MTRRs", "reg %d, base: %ld%cB, range: %ld%cB, type %s",
 *    "total RAM covered: %ldM" ("coverred" in 2.6.2x), "Found optimal setting for mtrr clean up",
 *    "%sgran_size: %ld%c \tchunk_size: %ld%c \tnum_reg: %d  \tlose cover RAM:
 *    %s%ld%c", "mtrr_cleanup: can not find optimal value", the strange-UC
 *    BIOS bug warning; mtrr_trim_uncached_memory(): "WARNING: BIOS bug: CPU
 *    MTRRs don't cover all of memory, losing %lluMB of RAM.", "CPU MTRRs all
 *    blank - virtualized system.";
 *  - mtrr_state_warn() (generic.c): "mtrr: your CPUs had inconsistent %s
 *    settings"; mtrr_bp_init() (mtrr.c): "MTRRs disabled (not available)",
 *    "MTRRs disabled by BIOS", "MTRRs set to read-only", older "MTRR: Disabled";
 *  - conflicts (mm/ioremap.c, mm/pat/memtype.c): "ioremap error for
 *    0x%llx-0x%llx, requested 0x%x, got 0x%x", "x86/PAT: %s:%d conflicting
 *    memory types %Lx-%Lx %s<->%s", "memtype_reserve failed" (5.6+) /
 *    "reserve_memtype failed", and WARNINGs raised in memtype.c;
 *  - CPU vendor hints: "TOM2:" (AMD only), Intel's microcode loader
 *    (microcode/intel.c prints ", date = %04x-%02x-%02x"), "smpboot: CPU0: %s",
 *    VMX/SGX "disabled by BIOS" (Intel features), "Intel/AMD PMU driver".
 *
 * This file dispatches a line to the part that reads it: identity and
 * command line (capture_dmesg_identity.c), the e820 map
 * (capture_dmesg_e820.c), the MTRR dump, map and status lines
 * (capture_dmesg_mtrr.c), PAT and memtype conflicts (capture_dmesg_pat.c),
 * mtrr_cleanup and the trim warnings (capture_dmesg_cleanup.c).
 */
#include "capture_dmesg.h"

#include <string.h>

/* The continuation of an open block (an MTRR dump, the map entries, a
 * cleanup table), or MT_LINE_NOT_MINE. */
static mt_line_result block_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	mt_line_result r;

	switch (c->sect) {
	case MT_SECT_FIXED:
		if ((r = mt_dmesg_fixed_line(c, s, n, col)) != MT_LINE_NOT_MINE)
			return r;
		break;
	case MT_SECT_VAR:
		if ((r = mt_dmesg_var_line(c, s, n, col)) != MT_LINE_NOT_MINE)
			return r;
		break;
	case MT_SECT_MAP:
		if ((r = mt_dmesg_map_entry(c, s, n, col)) != MT_LINE_NOT_MINE)
			return r;
		break;
	case MT_SECT_CLEAN_ORIG:
	case MT_SECT_CLEAN_NEW:
		if ((r = mt_dmesg_clean_reg(c, s, n, col)) != MT_LINE_NOT_MINE)
			return r;
		break;
	default:
		break;
	}
	return MT_LINE_NOT_MINE;
}

/*
 * The first bytes of the messages below (their switch and the vendor hints
 * after it): a line starting otherwise is not a kernel-log line this
 * recogniser reads, and dispatch does not offer it (capture.h
 * mt_cap_dmesg_may). A message added below needs its first byte here.
 */
const bool mt_cap_dmesg_starts[256] = {
    ['L'] = true, ['D'] = true, ['H'] = true, ['C'] = true, ['K'] = true, ['B'] = true,
    ['X'] = true, ['e'] = true, ['M'] = true, ['T'] = true, ['x'] = true, ['P'] = true,
    ['o'] = true, ['N'] = true, ['t'] = true, ['F'] = true, ['g'] = true, ['*'] = true,
    ['i'] = true, ['W'] = true, ['m'] = true, ['p'] = true, ['u'] = true, ['s'] = true,
    ['A'] = true,
};

/* A message that starts a line (no block open). */
static mt_line_result message(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	mt_line_result r;

	switch (s[0]) {
	case 'L':
		if (mt_cap_lit(s, n, &i, "Linux version ")) {
			if (c->kernel[0] && mt_dmesg_same_boot_banner(c, s, n))
				return MT_LINE_USED;
			if (c->kernel[0]) {
				c->second_boot = true;
				mt_cap_diag(
				    c, col, "second-boot",
				    "a second boot starts here: only the first one is read");
				return MT_LINE_USED;
			}
			mt_dmesg_kernel_version(c, s + i, n - i);
			c->banner_hash = mt_dmesg_banner_hash(s, n);
			c->banner_sect = c->file_sect;
			return MT_LINE_USED;
		}
		break;
	case 'D':
		/* <= 6.1 mtrr_bp_init(): a bare "Disabled" (MTRRs absent or off). */
		if (n == 8 && memcmp(s, "Disabled", 8) == 0) {
			c->mtrr_status = "disabled";
			return MT_LINE_USED;
		}
		if (mt_cap_lit(s, n, &i, "DMI:")) {
			mt_cap_skip_blanks(s, n, &i);
			mt_cap_copy(c->dmi, sizeof(c->dmi), s + i, n - i);
			return MT_LINE_USED;
		}
		break;
	case 'H':
		if (mt_cap_lit(s, n, &i, "Hypervisor detected:")) {
			mt_cap_skip_blanks(s, n, &i);
			mt_cap_copy(c->hypervisor, sizeof(c->hypervisor), s + i, n - i);
			return MT_LINE_USED;
		}
		break;
	case 'C':
		if (mt_cap_lit(s, n, &i, "Command line: ")) {
			mt_dmesg_command_line(c, s + i, n - i);
			return MT_LINE_USED;
		}
		if (mt_starts(s, n, "CPU MTRRs all blank - virtualized system.")) {
			c->all_blank = true;
			return MT_LINE_USED;
		}
		break;
	case 'K':
		if (mt_cap_lit(s, n, &i, "Kernel command line: ")) {
			if (!c->params.seen)
				mt_dmesg_command_line(c, s + i, n - i);
			return MT_LINE_USED;
		}
		break;
	case 'B':
		if (mt_cap_lit(s, n, &i, "BIOS-e820:")) {
			size_t j = i;
			mt_cap_skip_blanks(s, n, &j);
			if (j < n && s[j] == '[')
				return mt_dmesg_e820_mem(c, s, n, i, col);
			return mt_dmesg_e820_old(c, s, n, i, col);
		}
		if (mt_starts(s, n, "BIOS-provided physical RAM map:"))
			return MT_LINE_USED;
		break;
	case 'X':
		if (mt_cap_lit(s, n, &i, "Xen: "))
			return mt_dmesg_e820_mem(c, s, n, i, col);
		break;
	case 'e':
		if (mt_starts(s, n, "e820: BIOS-provided physical RAM map:"))
			return MT_LINE_USED;
		break;
	case 'M':
		return mt_dmesg_mtrr_line(c, s, n, col);
	case 'T':
		return mt_dmesg_tom2_line(c, s, n, col);
	case 'x':
	case 'P':
		if ((r = mt_dmesg_pat_line(c, s, n, col)) != MT_LINE_NOT_MINE)
			return r;
		break;
	case 'o':
		if (mt_starts(s, n, "original variable MTRRs")) {
			c->clean_orig_seen = true;
			c->nclean_orig = 0;
			c->sect = MT_SECT_CLEAN_ORIG;
			c->sect_format = MEMTYPE_CAPTURE_DMESG;
			return MT_LINE_USED;
		}
		break;
	case 'N':
		if (mt_starts(s, n, "New variable MTRRs")) {
			c->clean_new_seen = true;
			c->nclean_new = 0;
			c->sect = MT_SECT_CLEAN_NEW;
			c->sect_format = MEMTYPE_CAPTURE_DMESG;
			return MT_LINE_USED;
		}
		break;
	case 't':
		/* 2.6.2x printed "coverred" (sic). */
		if (mt_cap_lit(s, n, &i, "total RAM covered: ") ||
		    mt_cap_lit(s, n, &i, "total RAM coverred: ")) {
			uint64_t v;
			if (!mt_cap_dec(s, n, &i, &v))
				return mt_dmesg_rest_blank(s, n, i) ? MT_LINE_PARTIAL
								    : MT_LINE_NOT_MINE;
			c->clean_total_seen = true;
			c->clean_total_mb = v;
			return MT_LINE_USED;
		}
		break;
	case 'F':
		if (mt_starts(s, n, "Found optimal setting for mtrr clean up")) {
			c->clean_found = true;
			c->clean_chosen_seen = false;
			return MT_LINE_USED;
		}
		break;
	case 'g':
	case '*':
		return mt_dmesg_clean_result(c, s, n);
	case 'i':
		if (mt_starts(s, n, "invalid mtrr_gran_size or mtrr_chunk_size")) {
			c->clean_invalid = true;
			return MT_LINE_USED;
		}
		return mt_dmesg_ioremap_line(c, s, n);
	case 'W':
		return mt_dmesg_warning_line(c, s, n, col);
	case 'm':
		if (mt_starts(s, n, "mtrr_cleanup: can not find optimal value")) {
			c->clean_fail = true;
			return MT_LINE_USED;
		}
		if (mt_cap_lit(s, n, &i, "mtrr: your CPUs had inconsistent ")) {
			if (mt_starts(s + i, n - i, "variable"))
				c->inconsistent |= 1u;
			else if (mt_starts(s + i, n - i, "fixed"))
				c->inconsistent |= 2u;
			else
				c->inconsistent |= 4u;
			return MT_LINE_USED;
		}
		if (mt_starts(s, n, "mtrr: probably your BIOS does not setup all CPUs") ||
		    mt_starts(s, n, "mtrr: corrected configuration"))
			return MT_LINE_USED;
		if (mt_starts(s, n, "mtrr: Disabled")) {
			c->mtrr_status = "disabled";
			return MT_LINE_USED;
		}
		if (mt_starts(s, n, "microcode: ") && mt_dmesg_find(s, n, 11, ", date = ")) {
			mt_dmesg_set_vendor(c, 1, "Intel microcode loader message");
			return MT_LINE_NOT_MINE;
		}
		break;
	case 'p':
		if (mt_starts(s, n, "please specify mtrr_gran_size/mtrr_chunk_size"))
			return MT_LINE_USED;
		break;
	case 'u':
		if (mt_starts(s, n, "update e820 for mtrr"))
			return MT_LINE_USED;
		break;
	case 's':
		if (mt_cap_lit(s, n, &i, "smpboot: CPU0: ")) {
			if (mt_starts(s + i, n - i, "Intel"))
				mt_dmesg_set_vendor(c, 1, "smpboot CPU0 model name");
			else if (mt_starts(s + i, n - i, "AMD") || mt_starts(s + i, n - i, "Hygon"))
				mt_dmesg_set_vendor(c, 2, "smpboot CPU0 model name");
		}
		break;
	default:
		break;
	}
	/* Vendor hints that are not MTRR lines (not counted as used). */
	if (n > 20 && (s[0] == 'x' || s[0] == 'P' || s[0] == 'A')) {
		if (mt_starts(s, n, "x86/cpu: VMX (outside TXT) disabled by BIOS") ||
		    mt_starts(s, n, "x86/cpu: SGX disabled by BIOS"))
			mt_dmesg_set_vendor(c, 1, "Intel-only feature message");
		else if (mt_starts(s, n, "Performance Events:") &&
			 mt_dmesg_find(s, n, 19, "Intel PMU driver"))
			mt_dmesg_set_vendor(c, 1, "Intel PMU driver");
		else if (mt_starts(s, n, "Performance Events:") &&
			 mt_dmesg_find(s, n, 19, "AMD PMU driver"))
			mt_dmesg_set_vendor(c, 2, "AMD PMU driver");
		else if (mt_starts(s, n, "AMD-Vi:"))
			mt_dmesg_set_vendor(c, 2, "AMD-Vi IOMMU");
	}
	return MT_LINE_NOT_MINE;
}

mt_line_result mt_cap_dmesg_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	if (c->second_boot)
		return MT_LINE_NOT_MINE;
	if (c->sect != MT_SECT_NONE) {
		mt_line_result r = block_line(c, s, n, col);
		if (r != MT_LINE_NOT_MINE)
			return r;
		if (c->sect != MT_SECT_RDMSR)
			c->sect = MT_SECT_NONE;
	}
	if (!mt_cap_dmesg_starts[(unsigned char)s[0]])
		return MT_LINE_NOT_MINE;
	return message(c, s, n, col);
}
