/*
 * test_linux_mtrr.c - the guest Linux kernel's MTRR view (linux_mtrr.c).
 *
 * Expectations come from guest-firmware.md, not from the code under test:
 *  - §6.2: SeaBIOS-programmed MTRRs on a 6.5+ kernel print "MTRR map: 4
 *    entries (3 fixed + 1 variable; max 19), built from 8 variable MTRRs"
 *    (seen in many QEMU/GCE dmesgs);
 *  - §6.1: the real OVMF 2022.11 q35 capture gives "4 entries (2 fixed + 2
 *    variable; max 18)";
 *  - §2.3/§2.7/§3.4: a forced all-WB state prints "0 entries ... max 0 ...
 *    built from 0" then "MTRRs set to read-only"; the CVE-2025-40181 state
 *    gives one entry [TOLUD, 4 GiB) UC for any TOLUD because the size comes
 *    from the mask;
 *  - §2.2/§2.3: the two lookup algorithms (4.2-6.4 scan, 6.5+ map) and
 *    their uniform flags; §2.4 the mtrr_bp_init messages per era;
 *  - §2.5: the dump formats and the high-dword width W per era (the <= 6.4
 *    rendering "0 base 00C0000000 mask FFC0000000 uncachable" was observed
 *    on DigitalOcean/KVM guests).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "linux_guest.h"

#define GiB 0x40000000ull
#define V   0x800ull

/* ------------------------------------------------------------ helpers */

struct t {
	memtype_ctx *ctx;
	memtype_mtrr *hw;
	struct mt_linux_mtrr lx;
	struct mt_msglog log;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	t->ctx = memtype_ctx_new(NULL, NULL);
	if (!t->ctx)
		return -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	memtype_mtrr_free(t->hw);
	memtype_ctx_free(t->ctx);
	free(t);
	return 0;
}

static void new_hw(struct t *t, unsigned phys_bits)
{
	memtype_mtrr_free(t->hw);
	t->hw = memtype_mtrr_new(t->ctx, phys_bits, MEMTYPE_MTRRCAP_KVM);
	assert_non_null(t->hw);
}

static void wr(struct t *t, uint32_t msr, uint64_t v)
{
	if (memtype_mtrr_wrmsr(t->hw, msr, v) != 0)
		fail_msg("wrmsr 0x%x <- 0x%llx refused: %s", msr, (unsigned long long)v,
			 memtype_ctx_error(t->ctx)->message);
}

/* SeaBIOS src/fw/mtrr.c on a q35 guest with 40 physical bits (§6.2). */
static void seabios(struct t *t)
{
	new_hw(t, 40);
	wr(t, 0x2ff, 0);
	wr(t, 0x250, 0x0606060606060606ull);
	wr(t, 0x258, 0x0606060606060606ull);
	wr(t, 0x259, 0);
	for (uint32_t m = 0x268; m <= 0x26f; m++)
		wr(t, m, 0x0505050505050505ull);
	wr(t, 0x200, 0xc0000000ull);
	wr(t, 0x201, 0xffc0000800ull);
	wr(t, 0x2ff, 0xc06);
}

/* OVMF 2022.11 on q35, the real capture of §6.1. */
static void ovmf(struct t *t)
{
	new_hw(t, 40);
	wr(t, 0x250, 0x0606060606060606ull);
	wr(t, 0x258, 0x0606060606060606ull);
	wr(t, 0x259, 0);
	for (uint32_t m = 0x268; m <= 0x26f; m++)
		wr(t, m, 0);
	wr(t, 0x200, 0x80000000ull);
	wr(t, 0x201, 0xff80000800ull);
	wr(t, 0x202, 0xe000000000ull);
	wr(t, 0x203, 0xe000000800ull);
	wr(t, 0x2ff, 0xc06);
}

static void boot(struct t *t, unsigned version, bool cpuid, const struct mt_lx_forced *f,
		 bool debug)
{
	memset(&t->lx, 0, sizeof(t->lx));
	memset(&t->log, 0, sizeof(t->log));
	t->lx.version = version;
	t->lx.phys_bits = t->hw ? memtype_mtrr_phys_bits(t->hw) : 40;
	mt_linux_mtrr_init(&t->lx, cpuid, cpuid ? t->hw : NULL, f, debug, &t->log);
}

/* The CVE-2025-40181 forced range, built as 0dccbc75e18d describes it. */
static struct mt_lx_forced cve_state(uint64_t tolud, unsigned phys_bits)
{
	struct mt_lx_forced f;
	uint64_t lo = ~(0x100000000ull - tolud - 1) & 0xffffffffull;
	uint64_t hi = ((1ull << phys_bits) - 1) >> 32;

	memset(&f, 0, sizeof(f));
	f.def_type = 6;
	f.nvar = 1;
	f.var[0].base = tolud | 0; /* UC */
	f.var[0].mask = (hi << 32) | lo | V;
	return f;
}

static void dump_log(const struct mt_msglog *log)
{
	for (unsigned i = 0; i < log->n; i++)
		print_message("  log[%u] %s\n", i, log->line[i]);
}

/* The lines of want[] appear in the log, consecutively, in that order. */
static void expect_lines(const struct mt_msglog *log, const char *const *want, unsigned n)
{
	for (unsigned i = 0; i + n <= log->n; i++) {
		unsigned k = 0;

		while (k < n && strcmp(log->line[i + k], want[k]) == 0)
			k++;
		if (k == n)
			return;
	}
	dump_log(log);
	fail_msg("log lacks the sequence starting \"%s\"", want[0]);
}

static void expect_line(const struct mt_msglog *log, const char *want)
{
	expect_lines(log, &want, 1);
}

static bool has_prefix(const struct mt_msglog *log, const char *prefix)
{
	for (unsigned i = 0; i < log->n; i++)
		if (strncmp(log->line[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static void expect_entry(const struct mt_linux_mtrr *lx, unsigned i, uint64_t start,
			 uint64_t end_excl, uint8_t type, bool fixed)
{
	assert_true(i < lx->nmap);
	const struct mt_cache_map_entry *e = &lx->map[i];
	if (e->start != start || e->end_excl != end_excl || e->type != type || e->fixed != fixed)
		fail_msg(
		    "map[%u] = [0x%llx, 0x%llx) type %u fixed %d, want [0x%llx, 0x%llx) type %u "
		    "fixed %d",
		    i, (unsigned long long)e->start, (unsigned long long)e->end_excl, e->type,
		    e->fixed, (unsigned long long)start, (unsigned long long)end_excl, type, fixed);
}

static void expect_lookup(const struct mt_linux_mtrr *lx, uint64_t s, uint64_t e, uint8_t type,
			  int uniform)
{
	bool u = uniform < 0; /* sentinel: must stay untouched when uniform < 0 */
	bool before = u;
	uint8_t got = mt_linux_mtrr_lookup(lx, s, e, &u);

	if (got != type)
		fail_msg("lookup [0x%llx, 0x%llx) on %u = 0x%x, want 0x%x", (unsigned long long)s,
			 (unsigned long long)e, lx->version, got, type);
	if (uniform >= 0 && u != (uniform != 0))
		fail_msg("lookup [0x%llx, 0x%llx) on %u: uniform %d, want %d",
			 (unsigned long long)s, (unsigned long long)e, lx->version, u, uniform);
	if (uniform < 0 && u != before)
		fail_msg("lookup [0x%llx, 0x%llx) on %u wrote uniform", (unsigned long long)s,
			 (unsigned long long)e, lx->version);
}

/* ------------------------------------------------------------ 6.5+ map line */

static void test_seabios_map_line_6_12(void **state)
{
	struct t *t = *state;

	seabios(t);
	boot(t, 612, true, NULL, false);
	assert_int_equal(t->lx.state, MT_LX_MTRR_NORMAL);
	assert_int_equal(t->log.n, 1);
	expect_line(&t->log, "MTRR map: 4 entries (3 fixed + 1 variable; max 19), built from 8 "
			     "variable MTRRs");
	expect_entry(&t->lx, 0, 0, 0xA0000, 6, true);
	expect_entry(&t->lx, 1, 0xA0000, 0xC0000, 0, true);
	expect_entry(&t->lx, 2, 0xC0000, 0x100000, 5, true);
	expect_entry(&t->lx, 3, 3 * GiB, 4 * GiB, 0, false);
	assert_int_equal(t->lx.map_max, 19);
	assert_int_equal(t->lx.built_from, 8);
}

static void test_ovmf_2022_11_map_line(void **state)
{
	struct t *t = *state;

	ovmf(t);
	boot(t, 612, true, NULL, false);
	expect_line(&t->log, "MTRR map: 4 entries (2 fixed + 2 variable; max 18), built from 8 "
			     "variable MTRRs");
	expect_entry(&t->lx, 0, 0, 0xA0000, 6, true);
	expect_entry(&t->lx, 1, 0xA0000, 0x100000, 0, true);
	expect_entry(&t->lx, 2, 2 * GiB, 4 * GiB, 0, false);
	expect_entry(&t->lx, 3, 0xe000000000ull, 0x10000000000ull, 0, false);
}

static void test_forced_all_wb(void **state)
{
	struct t *t = *state;
	struct mt_lx_forced f = {.def_type = 6};
	static const char *const want[] = {
	    "MTRR map: 0 entries (0 fixed + 0 variable; max 0), built from 0 variable MTRRs",
	    "MTRRs set to read-only",
	};

	seabios(t); /* ignored: the forced path reads no MSR */
	boot(t, 612, true, &f, false);
	assert_int_equal(t->lx.state, MT_LX_MTRR_FORCED);
	assert_int_equal(t->log.n, 2);
	expect_lines(&t->log, want, 2);
	expect_lookup(&t->lx, 0xfed40000, 0xfed45000, 6, 1);
	expect_lookup(&t->lx, 0xA0000, 0xA1000, 6, 1);
}

static void test_forced_cve_fix_tolud_2g(void **state)
{
	struct t *t = *state;
	struct mt_lx_forced f = cve_state(0x80000000ull, 40);
	static const char *const want[] = {
	    "MTRR map: 1 entries (0 fixed + 1 variable; max 2), built from 1 variable MTRRs",
	    "MTRRs set to read-only",
	};

	assert_int_equal(f.var[0].mask, 0xff80000800ull);
	boot(t, 618, false, &f, false);
	expect_lines(&t->log, want, 2);
	expect_entry(&t->lx, 0, 2 * GiB, 4 * GiB, 0, false);
	expect_lookup(&t->lx, 0xfed40000, 0xfed45000, 0, 1);
	expect_lookup(&t->lx, 0x7ffff000, 0x80000000, 6, 1);
}

static void test_forced_cve_fix_tolud_not_power_of_two(void **state)
{
	struct t *t = *state;
	struct mt_lx_forced f = cve_state(0x7ffdf000ull, 40);

	boot(t, 618, false, &f, false);
	expect_line(&t->log, "MTRR map: 1 entries (0 fixed + 1 variable; max 2), built from 1 "
			     "variable MTRRs");
	assert_int_equal(t->lx.nmap, 1);
	expect_entry(&t->lx, 0, 0x7ffdf000ull, 4 * GiB, 0, false);
	expect_lookup(&t->lx, 0x7ffde000, 0x7ffdf000, 6, 1);
	expect_lookup(&t->lx, 0x7ffdf000, 0x7ffe0000, 0, 1);
	expect_lookup(&t->lx, 0xfffff000, 0x100000000ull, 0, 1);
	expect_lookup(&t->lx, 0x100000000ull, 0x100001000ull, 6, 1);
}

/* Fixed entries never merge with variable ones; variable neighbours of the
 * same type do; overlaps combine (WB+WT -> WT, WB+WC -> UC). */
static void test_map_merge_and_combine_rules(void **state)
{
	struct t *t = *state;

	new_hw(t, 40);
	wr(t, 0x250, 0x0606060606060606ull);
	wr(t, 0x258, 0x0606060606060606ull);
	wr(t, 0x259, 0x0606060606060606ull);
	for (uint32_t m = 0x268; m <= 0x26f; m++)
		wr(t, m, 0x0606060606060606ull);
	wr(t, 0x200, 0x0 | 6); /* WB [0, 2G) */
	wr(t, 0x201, 0xff80000800ull);
	wr(t, 0x202, 0x80000000ull | 0); /* UC [2G, 3G) */
	wr(t, 0x203, 0xffc0000800ull);
	wr(t, 0x204, 0xc0000000ull | 0); /* UC [3G, 4G): joins the previous one */
	wr(t, 0x205, 0xffc0000800ull);
	wr(t, 0x206, 0x100000000ull | 6); /* WB [4G, 8G) */
	wr(t, 0x207, 0xff00000800ull);
	wr(t, 0x208, 0x180000000ull | 4); /* WT [6G, 7G) over WB */
	wr(t, 0x209, 0xffc0000800ull);
	wr(t, 0x20a, 0x1e0000000ull | 1); /* WC [7.5G, 8G) over WB */
	wr(t, 0x20b, 0xffe0000800ull);
	wr(t, 0x2ff, 0xc00); /* E, FE, default UC */
	boot(t, 612, true, NULL, false);
	expect_entry(&t->lx, 0, 0, 0x100000, 6, true);
	expect_entry(&t->lx, 1, 0x100000, 2 * GiB, 6, false);
	expect_entry(&t->lx, 2, 2 * GiB, 4 * GiB, 0, false);
	expect_entry(&t->lx, 3, 4 * GiB, 6 * GiB, 6, false);
	expect_entry(&t->lx, 4, 6 * GiB, 7 * GiB, 4, false);
	expect_entry(&t->lx, 5, 7 * GiB, 7 * GiB + GiB / 2, 6, false);
	expect_entry(&t->lx, 6, 7 * GiB + GiB / 2, 8 * GiB, 0, false);
	assert_int_equal(t->lx.nmap, 7);
	expect_line(&t->log, "MTRR map: 7 entries (1 fixed + 6 variable; max 17), built from 8 "
			     "variable MTRRs");
	/* Past the map: the default type (UC). */
	expect_lookup(&t->lx, 8 * GiB, 8 * GiB + 0x1000, 0, 1);
	/* WB then WT: the accumulated type changes, uniformity is lost. */
	expect_lookup(&t->lx, 6 * GiB - 0x1000, 6 * GiB + 0x1000, 4, 0);

	/* The 4.2-6.4 scan reaches the same types by cutting and repeating. */
	boot(t, 604, true, NULL, false);
	expect_lookup(&t->lx, 6 * GiB - 0x1000, 6 * GiB + 0x1000, 4, 0);
	expect_lookup(&t->lx, 6 * GiB, 6 * GiB + 0x1000, 4, 0); /* two ranges match */
	expect_lookup(&t->lx, 7 * GiB + GiB / 2, 7 * GiB + GiB / 2 + 0x1000, 0, 0);
	expect_lookup(&t->lx, 5 * GiB, 5 * GiB + 0x1000, 6, 1);
}

/* ------------------------------------------------------------ lookups per era */

static void test_lookup_6_5_plus(void **state)
{
	struct t *t = *state;

	seabios(t);
	boot(t, 612, true, NULL, false);
	expect_lookup(&t->lx, 0xfed40000, 0xfed45000, 0, 1);
	expect_lookup(&t->lx, 0x1000000, 0x1001000, 6, 1);
	expect_lookup(&t->lx, 0, 0x1000, 6, 1); /* fixed entry, still uniform */
	expect_lookup(&t->lx, 0xA0000, 0xA1000, 0, 1);
	expect_lookup(&t->lx, 0x9f000, 0xa1000, 0, 0);	     /* WB then UC */
	expect_lookup(&t->lx, 0xbfff0000, 0xc0010000, 0, 0); /* default WB then UC */
	/* UC then WB: the accumulated UC does not change, so "uniform" stays
	 * set (the 6.5+ type_merge quirk, guest-firmware.md §2.3). */
	expect_lookup(&t->lx, 0xfffff000, 0x100001000ull, 0, 1);
}

static void test_lookup_4_2_to_6_4_scan(void **state)
{
	struct t *t = *state;

	seabios(t);
	boot(t, 601, true, NULL, false);
	assert_int_equal(t->log.n, 0); /* no "MTRR map:" line before 6.5 */
	assert_int_equal(t->lx.nmap, 0);
	expect_lookup(&t->lx, 0xfed40000, 0xfed45000, 0, 1);
	expect_lookup(&t->lx, 0x1000000, 0x1001000, 6, 1);
	/* Below 1 MiB: start's fixed sub-range only, never uniform. */
	expect_lookup(&t->lx, 0, 0x1000, 6, 0);
	expect_lookup(&t->lx, 0x9f000, 0xa1000, 6, 0);
	/* Straddling the variable range: cut at its base, repeat, combine. */
	expect_lookup(&t->lx, 0xbfff0000, 0xc0010000, 0, 0);
	expect_lookup(&t->lx, 0xfffff000, 0x100001000ull, 0, 0);
}

static void test_lookup_states_per_era(void **state)
{
	struct t *t = *state;

	/* Disabled by BIOS (E = 0). */
	seabios(t);
	wr(t, 0x2ff, 0x406);
	boot(t, 612, true, NULL, false);
	assert_int_equal(t->lx.state, MT_LX_MTRR_DISABLED_BY_BIOS);
	expect_line(&t->log, "MTRRs disabled by BIOS");
	assert_false(has_prefix(&t->log, "MTRR map:"));
	expect_lookup(&t->lx, 0xfed40000, 0xfed45000, 0, 1);
	boot(t, 604, true, NULL, false);
	expect_line(&t->log, "MTRRs disabled by BIOS");
	expect_lookup(&t->lx, 0xfed40000, 0xfed45000, MT_LX_MTRR_INVALID, -1);
	boot(t, 601, true, NULL, false);
	expect_line(&t->log, "Disabled");
	expect_lookup(&t->lx, 0xfed40000, 0xfed45000, MT_LX_MTRR_INVALID, -1);

	/* No X86_FEATURE_MTRR, nothing forced. */
	boot(t, 612, false, NULL, false);
	assert_int_equal(t->lx.state, MT_LX_MTRR_NOT_AVAILABLE);
	assert_int_equal(t->log.n, 1);
	expect_line(&t->log, "MTRRs disabled (not available)");
	expect_lookup(&t->lx, 0x100000, 0x101000, 0, 0);
	boot(t, 602, false, NULL, false);
	expect_line(&t->log, "MTRRs disabled (not available)");
	expect_lookup(&t->lx, 0x100000, 0x101000, MT_LX_MTRR_INVALID, -1);
	boot(t, 601, false, NULL, false);
	expect_line(&t->log, "Disabled");
	expect_lookup(&t->lx, 0x100000, 0x101000, MT_LX_MTRR_INVALID, -1);
}

/* ------------------------------------------------------------ dumps */

static void test_dump_6_5_plus_mtrr_debug(void **state)
{
	struct t *t = *state;
	static const char *const want[] = {
	    "MTRR default type: write-back",
	    "MTRR fixed ranges enabled:",
	    "  00000-9FFFF write-back",
	    "  A0000-BFFFF uncachable",
	    "  C0000-FFFFF write-protect",
	    "MTRR variable ranges enabled:",
	    "  0 base 00000C0000000 mask 000FFC0000000 uncachable",
	    "  1 disabled",
	    "  2 disabled",
	    "  3 disabled",
	    "  4 disabled",
	    "  5 disabled",
	    "  6 disabled",
	    "  7 disabled",
	    "MTRR map: 4 entries (3 fixed + 1 variable; max 19), built from 8 variable MTRRs",
	    "  0: 0000000000000000-000000000009ffff write-back",
	    "  1: 00000000000a0000-00000000000bffff uncachable",
	    "  2: 00000000000c0000-00000000000fffff write-protect",
	    "  3: 00000000c0000000-00000000ffffffff uncachable",
	};

	seabios(t);
	boot(t, 612, true, NULL, true);
	assert_int_equal(t->log.n, MT_ARRAY_SIZE(want));
	expect_lines(&t->log, want, MT_ARRAY_SIZE(want));

	/* Without mtrr=debug only the map line. */
	boot(t, 612, true, NULL, false);
	assert_int_equal(t->log.n, 1);
}

/* §2.5: W = (phys_bits - 29) / 4 before 6.5; <= 5.11 dumps on every boot. */
static void test_dump_old_width_5_10(void **state)
{
	struct t *t = *state;
	static const char *const want[] = {
	    "MTRR variable ranges enabled:",
	    "  0 base 00C0000000 mask FFC0000000 uncachable",
	    "  1 disabled",
	};

	seabios(t);
	boot(t, 510, true, NULL, false);
	expect_line(&t->log, "MTRR fixed ranges enabled:");
	expect_lines(&t->log, want, MT_ARRAY_SIZE(want));
	assert_false(has_prefix(&t->log, "MTRR map:"));

	/* 5.12 .. 6.4: pr_debug without DEBUG, nothing by default. */
	boot(t, 604, true, NULL, true);
	assert_int_equal(t->log.n, 0);

	/* 46 physical bits, 6.5+: W = 7 (the reference's 46-bit example). */
	new_hw(t, 46);
	wr(t, 0x200, 0x80000000ull);
	wr(t, 0x201, 0x3fff80000800ull);
	wr(t, 0x2ff, 0x806);
	boot(t, 612, true, NULL, true);
	expect_line(&t->log, "  0 base 000000080000000 mask 0003FFF80000000 uncachable");
	/* FE clear: no fixed entries in the map, header says disabled. */
	expect_line(&t->log, "MTRR fixed ranges disabled:");
	expect_line(&t->log, "MTRR map: 1 entries (0 fixed + 1 variable; max 16), built from 8 "
			     "variable MTRRs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_seabios_map_line_6_12, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ovmf_2022_11_map_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_forced_all_wb, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_forced_cve_fix_tolud_2g, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_forced_cve_fix_tolud_not_power_of_two, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_map_merge_and_combine_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lookup_6_5_plus, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lookup_4_2_to_6_4_scan, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lookup_states_per_era, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dump_6_5_plus_mtrr_debug, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dump_old_width_5_10, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
