/*
 * test_linux_pat.c - the guest Linux kernel's PAT setup, memtype tracking
 * and ioremap family (linux_pat.c, linux_ioremap.c).
 *
 * Expectations come from guest-firmware.md, not from the code under test:
 *  - §1: the "x86/PAT: Configuration [0-7]: ..." lines (Linux layout, and
 *    the reset layout with PAT off); §2.4: <= 6.1 turns PAT off with the
 *    MTRRs ("x86/PAT: MTRRs disabled, skipping PAT initialization too.");
 *  - §4.1: memtype_reserve step by step (untracked ISA hole, WB request on
 *    a non-WB MTRR -> UC-, the RAM page-flag path, first-overlap-wins and
 *    the two conflict messages) and is_new_memtype_allowed;
 *  - §3.3/§3.4: the SNP/TDX TPM failure under the forced all-WB MTRR view,
 *    "ioremap error for 0xfed40000-0xfed45000, requested 0x2, got 0x0" then
 *    "tpm_tis MSFT0101:00: probe with driver tpm_tis failed with error -12";
 *    the CVE-2025-40181 state makes both mappings UC-; driver-first order
 *    works either way;
 *  - §5: the ioremap family table and its messages.
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

/* page_cache_mode numbers, written out (Linux pgtable_types.h). */
enum { WB = 0, WC = 1, UCM = 2, UC = 3, WT = 4, WP = 5 };

static const char *const pcm_name[6] = {"WB", "WC", "UC-", "UC", "WT", "WP"};

/* ------------------------------------------------------------ helpers */

struct t {
	memtype_ctx *ctx;
	memtype_mtrr *hw;
	struct mt_platform plat;
	struct mt_linux lx;
	struct mt_msglog log;
};

/* A q35/SeaBIOS-like guest: low RAM to 0x7ffdf000, reserved tables above
 * it, MMCONFIG, RCRB, high RAM at 4 GiB; the TPM window is in no entry. */
static void platform(struct mt_platform *p)
{
	static const struct mt_e820_entry e820[] = {
	    {0x0, 0x9fbff, MT_E820_RAM},
	    {0x9fc00, 0x9ffff, MT_E820_RESERVED},
	    {0xf0000, 0xfffff, MT_E820_RESERVED},
	    {0x100000, 0x7ffdefff, MT_E820_RAM},
	    {0x7ffdf000, 0x7fffffff, MT_E820_RESERVED},
	    {0xb0000000, 0xbfffffff, MT_E820_RESERVED},
	    {0xfed1c000, 0xfed1ffff, MT_E820_RESERVED},
	    {0x100000000ull, 0x27fffffffull, MT_E820_RAM},
	};

	memset(p, 0, sizeof(*p));
	p->phys_bits = 40;
	p->machine = MT_MACHINE_Q35;
	memcpy(p->e820, e820, sizeof(e820));
	p->ne820 = MT_ARRAY_SIZE(e820);
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	t->ctx = memtype_ctx_new(NULL, NULL);
	if (!t->ctx)
		return -1;
	platform(&t->plat);
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

static void wr(struct t *t, uint32_t msr, uint64_t v)
{
	if (memtype_mtrr_wrmsr(t->hw, msr, v) != 0)
		fail_msg("wrmsr 0x%x <- 0x%llx refused", msr, (unsigned long long)v);
}

/* SeaBIOS MTRRs (guest-firmware.md §6.2): UC from 3 GiB to 4 GiB. */
static void seabios(struct t *t)
{
	memtype_mtrr_free(t->hw);
	t->hw = memtype_mtrr_new(t->ctx, 40, MEMTYPE_MTRRCAP_KVM);
	assert_non_null(t->hw);
	wr(t, 0x250, 0x0606060606060606ull);
	wr(t, 0x258, 0x0606060606060606ull);
	wr(t, 0x259, 0);
	for (uint32_t m = 0x268; m <= 0x26f; m++)
		wr(t, m, 0x0505050505050505ull);
	wr(t, 0x200, 0xc0000000ull);
	wr(t, 0x201, 0xffc0000800ull);
	wr(t, 0x2ff, 0xc06);
}

enum mtrr_src { HW, NONE, FORCED_WB, FORCED_CVE };

static void boot(struct t *t, unsigned version, enum mtrr_src src, bool nopat)
{
	struct mt_lx_forced f;

	memset(&f, 0, sizeof(f));
	f.def_type = 6;
	if (src == FORCED_CVE) {
		/* 0dccbc75e18d: UC [TOLUD, 4G) with TOLUD = end of low RAM. */
		uint64_t tolud = 0x7ffdf000ull;

		f.nvar = 1;
		f.var[0].base = tolud;
		f.var[0].mask =
		    (0xffull << 32) | (~(0x100000000ull - tolud - 1) & 0xffffffffull) | V;
	}
	if (src == HW)
		seabios(t);
	memset(&t->lx, 0, sizeof(t->lx));
	memset(&t->log, 0, sizeof(t->log));
	t->lx.version = version;
	t->lx.platform = &t->plat;
	t->lx.mtrr.version = version;
	t->lx.mtrr.phys_bits = 40;
	mt_linux_mtrr_init(&t->lx.mtrr, src == HW, src == HW ? t->hw : NULL,
			   (src == FORCED_WB || src == FORCED_CVE) ? &f : NULL, false, &t->log);
	mt_linux_pat_init(&t->lx, nopat, &t->log);
}

static void dump_log(const struct mt_msglog *log)
{
	for (unsigned i = 0; i < log->n; i++)
		print_message("  log[%u] (map %d) %s\n", i, log->mapping[i], log->line[i]);
}

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

static unsigned count_prefix(const struct mt_msglog *log, const char *prefix)
{
	unsigned n = 0;

	for (unsigned i = 0; i < log->n; i++)
		if (strncmp(log->line[i], prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

static struct mt_map_result map(struct t *t, mt_call call, uint64_t start, uint64_t end,
				const char *who, const char *device, int index)
{
	struct mt_mapping m;
	struct mt_map_result r;

	memset(&m, 0, sizeof(m));
	snprintf(m.who, sizeof(m.who), "%s", who);
	snprintf(m.device, sizeof(m.device), "%s", device);
	m.call = call;
	m.start = start;
	m.end = end;
	mt_linux_map(&t->lx, &m, index, &r, &t->log);
	return r;
}

static void expect_granted(const struct mt_map_result *r, bool ok, int granted)
{
	if (r->ok != ok || r->granted != granted)
		fail_msg("mapping: ok %d granted %d, want ok %d granted %d", r->ok, r->granted, ok,
			 granted);
}

/* ------------------------------------------------------------ pat_bp_init */

static void test_pat_configuration_lines(void **state)
{
	struct t *t = *state;

	boot(t, 612, HW, false);
	assert_true(t->lx.pat.enabled);
	assert_int_equal(t->lx.pat.pat_msr, 0x0407050600070106ull);
	expect_line(&t->log, "x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  ");

	boot(t, 612, HW, true);
	assert_false(t->lx.pat.enabled);
	assert_int_equal(t->lx.pat.pat_msr, 0x0007040600070406ull);
	expect_line(&t->log, "x86/PAT: PAT support disabled via boot option.");
	expect_line(&t->log, "x86/PAT: Configuration [0-7]: WB  WT  UC- UC  WB  WT  UC- UC  ");

	/* <= 6.1: MTRRs off take PAT with them. */
	static const char *const old[] = {
	    "Disabled",
	    "x86/PAT: MTRRs disabled, skipping PAT initialization too.",
	    "x86/PAT: Configuration [0-7]: WB  WT  UC- UC  WB  WT  UC- UC  ",
	};
	boot(t, 601, NONE, false);
	assert_false(t->lx.pat.enabled);
	expect_lines(&t->log, old, MT_ARRAY_SIZE(old));

	/* 6.2+: PAT no longer depends on the MTRRs. */
	boot(t, 602, NONE, false);
	assert_true(t->lx.pat.enabled);
	expect_line(&t->log, "x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  ");
}

/* ------------------------------------------------------------ memtype_reserve */

static void test_reserve_wb_on_uc_mtrr_becomes_uc_minus(void **state)
{
	struct t *t = *state;
	int got = -1;

	boot(t, 612, HW, false);
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xfed00000, 0xfed01000, WB, &got, true,
						  "swapper/0:1", 0, &t->log),
			 0);
	assert_int_equal(got, UCM);
	assert_int_equal(t->lx.pat.n, 1);
	assert_int_equal(t->lx.pat.tree[0].pcm, UCM);

	/* WB MTRR (below the SeaBIOS UC range), not RAM: stays WB. */
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xb0000000, 0xb0001000, WB, &got, true,
						  "swapper/0:1", 1, &t->log),
			 0);
	assert_int_equal(got, WB);

	/* Non-WB requests pass through whatever the MTRR says. */
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xfe000000, 0xfe001000, WC, &got, true,
						  "swapper/0:1", 2, &t->log),
			 0);
	assert_int_equal(got, WC);

	/* Same on the 4.2-6.4 scan. */
	boot(t, 601, HW, false);
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xfed00000, 0xfed01000, WB, &got, true,
						  "swapper/0:1", 0, &t->log),
			 0);
	assert_int_equal(got, UCM);

	/* 6.2-6.4 without MTRRs: MTRR_TYPE_INVALID is "not WB" -> UC-
	 * (90b926e68f50 was reverted by f9f57da2c2d1). */
	boot(t, 603, NONE, false);
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xb0000000, 0xb0001000, WB, &got, true,
						  "swapper/0:1", 0, &t->log),
			 0);
	assert_int_equal(got, UCM);

	/* 6.5+ without MTRRs: lookups say UC -> UC- as well. */
	boot(t, 612, NONE, false);
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xb0000000, 0xb0001000, WB, &got, true,
						  "swapper/0:1", 0, &t->log),
			 0);
	assert_int_equal(got, UCM);
}

static void test_reserve_isa_hole_untracked_and_pat_off(void **state)
{
	struct t *t = *state;
	int got = -1;

	boot(t, 612, HW, false);
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xA0000, 0xC0000, UCM, &got, true,
						  "swapper/0:1", 0, &t->log),
			 0);
	assert_int_equal(got, WB);
	assert_int_equal(t->lx.pat.n, 0);
	/* Straddling the end of the hole: tracked, and counted as RAM,
	 * because the RAM walk ignores everything below 1 MiB. */
	got = -1;
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xFF000, 0x101000, UCM, &got, true,
						  "swapper/0:1", 0, &t->log),
			 0);
	assert_int_equal(got, UCM);
	assert_int_equal(t->lx.pat.n, 0);
	assert_int_equal(t->lx.pat.nram, 1);

	boot(t, 612, HW, true);
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xfed00000, 0xfed01000, WC, &got, true,
						  "swapper/0:1", 0, &t->log),
			 0);
	assert_int_equal(got, WC);
	assert_int_equal(t->lx.pat.n, 0);
}

/* Two different existing entries overlap the request: the first one in
 * interval-tree order (lowest start, whatever the insertion order) decides,
 * and the other one clashes. */
static void test_reserve_conflict_messages(void **state)
{
	struct t *t = *state;
	int got = -1;
	static const char *const want[] = {
	    "x86/PAT: swapper/0:1 conflicting memory types fe000000-fe002000 "
	    "uncached<->write-combining",
	    "x86/PAT: memtype_reserve failed [mem 0xfe000000-0xfe001fff], track uncached-minus, "
	    "req uncached-minus",
	};
	static const char *const want_nonew[] = {
	    "x86/PAT: swapper/0:1 conflicting memory types fe000000-fe001000 "
	    "uncached-minus<->uncached",
	    "x86/PAT: memtype_reserve failed [mem 0xfe000000-0xfe000fff], track uncached-minus, "
	    "req uncached-minus",
	};

	boot(t, 612, FORCED_WB, false);
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xfe001000, 0xfe002000, WC, &got, true,
						  "swapper/0:1", 0, &t->log),
			 0);
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xfe000000, 0xfe001000, UC, &got, true,
						  "swapper/0:1", 1, &t->log),
			 0);
	got = -1;
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xfe000000, 0xfe002000, UCM, &got, true,
						  "swapper/0:1", 2, &t->log),
			 -EBUSY);
	expect_lines(&t->log, want, 2);
	assert_int_equal(t->log.mapping[t->log.n - 1], 2);
	assert_int_equal(t->lx.pat.n, 2);

	/* Without a "new" pointer a single different entry is a conflict. */
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xfe000000, 0xfe001000, UCM, NULL, false,
						  "swapper/0:1", 3, &t->log),
			 -EBUSY);
	expect_lines(&t->log, want_nonew, 2);

	/* With one: the existing type is granted and stored. */
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xfe000000, 0xfe001000, UCM, &got, true,
						  "swapper/0:1", 4, &t->log),
			 0);
	assert_int_equal(got, UC);
	assert_int_equal(t->lx.pat.n, 3);
	assert_int_equal(t->lx.pat.tree[2].pcm, UC);

	/* Through ioremap: "ioremap memtype_reserve failed -16". */
	struct mt_map_result r = map(t, MT_CALL_IOREMAP, 0xfe000000, 0xfe001fff, "drv", "", 5);
	expect_granted(&r, false, -1);
	expect_line(&t->log, "ioremap memtype_reserve failed -16");
}

static void test_reserve_ram_page_flags(void **state)
{
	struct t *t = *state;
	int got = -1;

	boot(t, 612, HW, false);
	/* RAM: the request is used as is (no MTRR hint), kept in page flags. */
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0x200000, 0x201000, WC, &got, true,
						  "swapper/0:1", 0, &t->log),
			 0);
	assert_int_equal(got, WC);
	assert_int_equal(t->lx.pat.n, 0);
	assert_int_equal(t->lx.pat.nram, 1);

	got = -1;
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0x200000, 0x201000, UCM, &got, true,
						  "swapper/0:1", 1, &t->log),
			 -EBUSY);
	assert_int_equal(got, WC);
	expect_line(&t->log, "x86/PAT: reserve_ram_pages_type failed [mem 0x00200000-0x00200fff], "
			     "track 0x1, req 0x2");

	/* WP is refused on RAM (UC- reported); UC is downgraded to UC-. */
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0x300000, 0x301000, WP, &got, true,
						  "swapper/0:1", 2, &t->log),
			 -EINVAL);
	assert_int_equal(got, UCM);
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0x300000, 0x301000, UC, &got, true,
						  "swapper/0:1", 3, &t->log),
			 0);
	assert_int_equal(got, UCM);

	/* Freed pages are WB again and take a new type. */
	assert_int_equal(mt_linux_memtype_free(&t->lx, 0x200000, 0x201000), 0);
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0x200000, 0x201000, UCM, &got, true,
						  "swapper/0:1", 4, &t->log),
			 0);
	assert_int_equal(got, UCM);

	/* A hole before RAM: mixed, -EINVAL. */
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xfffff000, 0x100001000ull, WB, &got,
						  true, "swapper/0:1", 5, &t->log),
			 -EINVAL);
}

static void test_memtype_free_exact_and_end_match(void **state)
{
	struct t *t = *state;
	int got;

	boot(t, 612, FORCED_WB, false);
	assert_int_equal(mt_linux_memtype_reserve(&t->lx, 0xfe000000, 0xfe004000, UCM, &got, true,
						  "swapper/0:1", 0, &t->log),
			 0);
	assert_int_equal(mt_linux_memtype_free(&t->lx, 0xfe001000, 0xfe003000), -EINVAL);
	/* End match: the entry is cut back to the freed start (mremap). */
	assert_int_equal(mt_linux_memtype_free(&t->lx, 0xfe002000, 0xfe004000), 0);
	assert_int_equal(t->lx.pat.n, 1);
	assert_int_equal(t->lx.pat.tree[0].end_excl, 0xfe002000);
	assert_int_equal(mt_linux_memtype_free(&t->lx, 0xfe000000, 0xfe002000), 0);
	assert_int_equal(t->lx.pat.n, 0);
}

static void test_new_memtype_allowed_table(void **state)
{
	/* No extra untracked range: only the ISA hole is untracked. */
	static struct mt_linux none;

	(void)state;
	for (int req = 0; req < 6; req++) {
		for (int got = 0; got < 6; got++) {
			bool want = !((req == UCM && got == WB) || (req == WC && got == WB) ||
				      (req == WT && got == WB) || (req == WT && got == WC));
			if (mt_linux_new_memtype_allowed(&none, 0xfed40000, 0xfed45000, req, got) != want)
				fail_msg("is_new_memtype_allowed(req %s, got %s) != %d",
					 pcm_name[req], pcm_name[got], want);
			if (!mt_linux_new_memtype_allowed(&none, 0xA0000, 0xC0000, req, got))
				fail_msg("ISA hole refused (req %s, got %s)", pcm_name[req],
					 pcm_name[got]);
		}
	}
}

/* ------------------------------------------------------------ the TPM story */

static void test_tpm_acpi_first_forced_wb_fails(void **state)
{
	struct t *t = *state;
	static const char *const want[] = {
	    "ioremap error for 0xfed40000-0xfed45000, requested 0x2, got 0x0",
	};
	static const char *const want_devm[] = {
	    "ioremap error for 0xfed40000-0xfed45000, requested 0x2, got 0x0",
	    "tpm_tis MSFT0101:00: probe with driver tpm_tis failed with error -12",
	};

	/* ioremap_cache, then ioremap (guest-firmware.md §3.3 steps 1-3). */
	boot(t, 612, FORCED_WB, false);
	struct mt_map_result a =
	    map(t, MT_CALL_IOREMAP_CACHE, 0xfed40000, 0xfed44fff, "acpi", "", 0);
	expect_granted(&a, true, WB);
	assert_true(a.tracked);
	struct mt_map_result b = map(t, MT_CALL_IOREMAP, 0xfed40000, 0xfed44fff, "tpm_tis", "", 1);
	expect_granted(&b, false, -1);
	assert_int_equal(b.requested, UCM);
	expect_lines(&t->log, want, 1);
	assert_int_equal(t->log.mapping[t->log.n - 1], 1);
	assert_int_equal(t->lx.pat.n, 1); /* the refused entry was freed */

	/* The real sequence: ACPI's acpi_os_map_memory, tpm_tis'
	 * devm_ioremap_resource. */
	boot(t, 612, FORCED_WB, false);
	a = map(t, MT_CALL_ACPI_MAP, 0xfed40000, 0xfed44fff, "acpi", "", 0);
	expect_granted(&a, true, WB);
	b = map(t, MT_CALL_DEVM_IOREMAP_RESOURCE, 0xfed40000, 0xfed44fff, "tpm_tis", "MSFT0101:00",
		1);
	expect_granted(&b, false, -1);
	assert_int_equal(b.err, -ENOMEM);
	expect_lines(&t->log, want_devm, 2);

	/* No device name: no driver-core line. */
	boot(t, 612, FORCED_WB, false);
	map(t, MT_CALL_ACPI_MAP, 0xfed40000, 0xfed44fff, "acpi", "", 0);
	map(t, MT_CALL_DEVM_IOREMAP_RESOURCE, 0xfed40000, 0xfed44fff, "tpm_tis", "", 1);
	assert_int_equal(count_prefix(&t->log, "tpm_tis"), 0);
}

static void test_tpm_cve_fix_both_uc_minus(void **state)
{
	struct t *t = *state;

	boot(t, 618, FORCED_CVE, false);
	struct mt_map_result a = map(t, MT_CALL_ACPI_MAP, 0xfed40000, 0xfed44fff, "acpi", "", 0);
	expect_granted(&a, true, UCM);
	assert_int_equal(a.requested, WB);
	struct mt_map_result b = map(t, MT_CALL_DEVM_IOREMAP_RESOURCE, 0xfed40000, 0xfed44fff,
				     "tpm_tis", "MSFT0101:00", 1);
	expect_granted(&b, true, UCM);
	assert_int_equal(count_prefix(&t->log, "ioremap error"), 0);

	/* Firmware MTRRs (SeaBIOS) behave the same way. */
	boot(t, 612, HW, false);
	a = map(t, MT_CALL_ACPI_MAP, 0xfed40000, 0xfed44fff, "acpi", "", 0);
	expect_granted(&a, true, UCM);
	b = map(t, MT_CALL_IOREMAP, 0xfed40000, 0xfed44fff, "tpm_tis", "", 1);
	expect_granted(&b, true, UCM);
}

static void test_tpm_driver_first_works(void **state)
{
	struct t *t = *state;

	boot(t, 612, FORCED_WB, false);
	struct mt_map_result b = map(t, MT_CALL_DEVM_IOREMAP_RESOURCE, 0xfed40000, 0xfed44fff,
				     "tpm_tis", "MSFT0101:00", 0);
	expect_granted(&b, true, UCM);
	/* ACPI's WB request meets the UC- entry: granted UC-, which a WB
	 * request accepts. */
	struct mt_map_result a = map(t, MT_CALL_ACPI_MAP, 0xfed40000, 0xfed44fff, "acpi", "", 1);
	expect_granted(&a, true, UCM);
	assert_int_equal(t->log.n - count_prefix(&t->log, "MTRR") -
			     count_prefix(&t->log, "x86/PAT: Configuration"),
			 0);
}

/* ------------------------------------------------------------ the family */

static void test_ioremap_family_requests(void **state)
{
	struct t *t = *state;
	static const struct {
		mt_call call;
		int requested;
	} table[] = {
	    {MT_CALL_IOREMAP, UCM},
	    {MT_CALL_IOREMAP_UC, UC},
	    {MT_CALL_IOREMAP_WC, WC},
	    {MT_CALL_IOREMAP_WT, WT},
	    {MT_CALL_IOREMAP_CACHE, WB},
	    {MT_CALL_MEMREMAP_WB, WB},
	    {MT_CALL_MEMREMAP_WT, WT},
	    {MT_CALL_MEMREMAP_WC, WC},
	    {MT_CALL_DEVM_IOREMAP_RESOURCE, UCM},
	    {MT_CALL_ACPI_MAP, WB},
	};

	/* Each call on its own fresh boot, in a WB-MTRR non-RAM region. */
	for (unsigned i = 0; i < MT_ARRAY_SIZE(table); i++) {
		boot(t, 612, FORCED_WB, false);
		struct mt_map_result r = map(t, table[i].call, 0xfe000000, 0xfe000fff, "x", "", 0);
		if (!r.ok || r.requested != table[i].requested || r.granted != table[i].requested ||
		    !r.tracked || r.direct_map)
			fail_msg("call %u: ok %d requested %d granted %d tracked %d", i, r.ok,
				 r.requested, r.granted, r.tracked);
	}

	/* fixmap: UC- PTE, no tracking. */
	boot(t, 612, FORCED_WB, false);
	struct mt_map_result r =
	    map(t, MT_CALL_FIXMAP_NOCACHE, 0xfee00000, 0xfee00fff, "apic", "", 0);
	expect_granted(&r, true, UCM);
	assert_false(r.tracked);
	assert_int_equal(t->lx.pat.n, 0);

	/* Page alignment of an unaligned request. */
	r = map(t, MT_CALL_IOREMAP, 0xfed00010, 0xfed003ff, "hpet", "", 1);
	expect_granted(&r, true, UCM);
	assert_int_equal(t->lx.pat.tree[0].start, 0xfed00000);
	assert_int_equal(t->lx.pat.tree[0].end_excl, 0xfed01000);

	/* PAT off: the request is what the PTE gets, nothing tracked. */
	boot(t, 612, FORCED_WB, true);
	r = map(t, MT_CALL_IOREMAP_WC, 0xfe000000, 0xfe000fff, "fb", "", 0);
	expect_granted(&r, true, WC);
	assert_false(r.tracked);
}

static void test_ram_mappings(void **state)
{
	struct t *t = *state;
	struct mt_map_result r;

	boot(t, 612, HW, false);
	r = map(t, MT_CALL_IOREMAP, 0x200000, 0x200fff, "drv", "", 0);
	expect_granted(&r, false, -1);
	expect_line(&t->log, "ioremap on RAM at 0x0000000000200000 - 0x0000000000200fff");
	/* WARN_ONCE: a second attempt is refused silently. */
	r = map(t, MT_CALL_IOREMAP_CACHE, 0x300000, 0x300fff, "drv", "", 1);
	expect_granted(&r, false, -1);
	assert_int_equal(count_prefix(&t->log, "ioremap on RAM"), 1);

	/* memremap(WB) and ACPI on RAM: the direct map, WB, untracked. */
	r = map(t, MT_CALL_MEMREMAP_WB, 0x200000, 0x200fff, "efi", "", 2);
	expect_granted(&r, true, WB);
	assert_true(r.direct_map);
	assert_false(r.tracked);
	r = map(t, MT_CALL_ACPI_MAP, 0x7ff00000, 0x7ff00fff, "acpi", "", 3);
	expect_granted(&r, true, WB);
	assert_true(r.direct_map);
	assert_int_equal(t->lx.pat.n, 0);

	/* memremap(WC) on RAM is refused. */
	r = map(t, MT_CALL_MEMREMAP_WC, 0x200000, 0x200fff, "drv", "", 4);
	expect_granted(&r, false, -1);
	expect_line(&t->log, "memremap attempted on ram 0x0000000000200000 size: 0x1000");

	/* ACPI data outside RAM (reserved tables): ioremap_cache, WB MTRR. */
	r = map(t, MT_CALL_ACPI_MAP, 0x7ffe0000, 0x7ffe0fff, "acpi", "", 5);
	expect_granted(&r, true, WB);
	assert_false(r.direct_map);
	assert_true(r.tracked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pat_configuration_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reserve_wb_on_uc_mtrr_becomes_uc_minus, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_reserve_isa_hole_untracked_and_pat_off, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_reserve_conflict_messages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reserve_ram_page_flags, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_memtype_free_exact_and_end_match, setup, teardown),
	    cmocka_unit_test(test_new_memtype_allowed_table),
	    cmocka_unit_test_setup_teardown(test_tpm_acpi_first_forced_wb_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tpm_cve_fix_both_uc_minus, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tpm_driver_first_works, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ioremap_family_requests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ram_mappings, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
