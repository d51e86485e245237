/*
 * test_combine.c - the effective memory type of an MTRR type and a PAT type.
 *
 * memtype_combine_mtrr_pat() is checked cell by cell against the two vendors'
 * tables, copied below as the manuals print them (rows: MTRR type; columns:
 * PAT entry type UC UC- WC WT WP WB):
 *
 *  - Intel SDM Vol. 3A §11.5.2.2, Table 11-7 "Effective Page-Level Memory
 *    Types for Pentium III and More Recent Processor Families", with its
 *    footnotes: 1 = the UC comes from the MTRR (MEMTYPE_NOTE_UC_FROM_MTRR),
 *    2 = the UC comes from the page tables (MEMTYPE_NOTE_UC_FROM_PAT),
 *    3 = the combination was once implementation-defined
 *    (MEMTYPE_NOTE_FORMERLY_UNDEF).
 *  - AMD APM Vol. 2 §7.8.5, Table 7-11 "Combined Effect of MTRR and PAT
 *    Memory Types", whose "CD" cells are uncacheable with the caches still
 *    probed: the model reports them as MEMTYPE_UC with MEMTYPE_NOTE_AMD_CD.
 *
 * The two tables differ where Intel's footnote 3 sits: MTRR=WP PAT=UC- is WC
 * on Intel but CD on AMD, and so on. Then CR0.CD (no-fill mode, SDM §11.5.3),
 * an undefined MTRR overlap (SDM §11.11.4.1) and inputs neither table has a
 * row or column for. Every cell reports all of its mismatches before failing,
 * each message naming the cell, e.g. "MTRR=WP PAT=UC- -> WC".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "memtype.h"

#include "test_names.h"

/* Shorthands so the tables below read like the manuals' tables. */
#define UC    MEMTYPE_UC
#define UCM   MEMTYPE_UC_MINUS
#define WC    MEMTYPE_WC
#define WT    MEMTYPE_WT
#define WP    MEMTYPE_WP
#define WB    MEMTYPE_WB
#define WCP   MEMTYPE_WC_PLUS
#define UNDEF MEMTYPE_UNDEFINED

/* Intel Table 11-7 footnotes 1, 2, 3 and the combination 2+3. */
#define N1  MEMTYPE_NOTE_UC_FROM_MTRR
#define N2  MEMTYPE_NOTE_UC_FROM_PAT
#define N3  MEMTYPE_NOTE_FORMERLY_UNDEF
#define N23 (MEMTYPE_NOTE_UC_FROM_PAT | MEMTYPE_NOTE_FORMERLY_UNDEF)
/* An AMD Table 7-11 "CD" cell. */
#define CD { UC, MEMTYPE_NOTE_AMD_CD }

/*
 * Every MEMTYPE_NOTE_* bit the header defines. A table cell's notes must match
 * exactly: Intel's footnotes never appear on AMD results (Table 7-11 has none),
 * AMD's CD never on Intel results.
 */
#define ALL_NOTES                                                                                  \
	(MEMTYPE_NOTE_UC_FROM_MTRR | MEMTYPE_NOTE_UC_FROM_PAT | MEMTYPE_NOTE_FORMERLY_UNDEF |      \
	 MEMTYPE_NOTE_AMD_CD | MEMTYPE_NOTE_CR0_CD | MEMTYPE_NOTE_IPAT |                           \
	 MEMTYPE_NOTE_MTRR_UNDEFINED)

#define NMTRR 5
#define NPAT  6

struct cell {
	memtype_type type;
	unsigned notes;
};

/* One row of a vendor table: an MTRR type and its cells in pat_cols[] order. */
struct combine_row {
	const char *mtrr_name;
	memtype_type mtrr;
	struct cell pat[NPAT];
};

static const char *const pat_names[NPAT] = { "UC", "UC-", "WC", "WT", "WP", "WB" };
static const memtype_type pat_cols[NPAT] = { UC, UCM, WC, WT, WP, WB };

/* Intel SDM Vol. 3A §11.5.2.2, Table 11-7. */
static const struct combine_row intel_table_11_7[NMTRR] = {
	/*            PAT: UC         UC-         WC         WT           WP           WB */
	{ "UC", UC, { { UC, N1 }, { UC, N1 }, { WC, 0 }, { UC, N1 },  { UC, N1 },  { UC, N1 } } },
	{ "WC", WC, { { UC, N2 }, { WC, 0 },  { WC, 0 }, { UC, N23 }, { UC, N23 }, { WC, 0 } } },
	{ "WT", WT, { { UC, N2 }, { UC, N2 }, { WC, 0 }, { WT, 0 },   { WP, N3 },  { WT, 0 } } },
	{ "WP", WP, { { UC, N2 }, { WC, N3 }, { WC, 0 }, { WT, N3 },  { WP, 0 },   { WP, 0 } } },
	{ "WB", WB, { { UC, N2 }, { UC, N2 }, { WC, 0 }, { WT, 0 },   { WP, 0 },   { WB, 0 } } },
};

/* AMD APM Vol. 2 §7.8.5, Table 7-11. */
static const struct combine_row amd_table_7_11[NMTRR] = {
	/*            PAT: UC        UC-       WC         WT         WP         WB */
	{ "UC", UC, { { UC, 0 }, { UC, 0 }, { WC, 0 }, { UC, 0 }, { UC, 0 }, { UC, 0 } } },
	{ "WC", WC, { CD,        { WC, 0 }, { WC, 0 }, CD,        CD,        { WC, 0 } } },
	{ "WT", WT, { CD,        CD,        { WC, 0 }, { WT, 0 }, CD,        { WT, 0 } } },
	{ "WP", WP, { CD,        CD,        { WC, 0 }, CD,        { WP, 0 }, { WP, 0 } } },
	{ "WB", WB, { CD,        CD,        { WC, 0 }, { WT, 0 }, { WP, 0 }, { WB, 0 } } },
};

/* Types that are neither an MTRR type nor MEMTYPE_UNDEFINED. */
static const memtype_type bad_mtrr[] = { UCM, WCP, (memtype_type)2, (memtype_type)3,
					 (memtype_type)8, (memtype_type)0xff };
/* Types that are not PAT entry types. */
static const memtype_type bad_pat[] = { WCP, UNDEF, (memtype_type)2, (memtype_type)3,
					(memtype_type)8, (memtype_type)0xff };

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define tn(t) test_type_name(t)

static const char *cpu_table(memtype_cpu cpu)
{
	return cpu == MEMTYPE_CPU_INTEL ? "Intel Table 11-7" : "AMD Table 7-11";
}

/* Call the function on a result full of garbage, so stale fields show up. */
static int combine(memtype_cpu cpu, memtype_type mtrr, memtype_type pat, bool cd,
		   memtype_result *r)
{
	memset(r, 0xa5, sizeof(*r));
	return memtype_combine_mtrr_pat(cpu, mtrr, pat, cd, r);
}

/*
 * The "why" trail every result carries: 1..MEMTYPE_MAX_STEPS steps, each
 * naming its rule and manual source, whose notes add up to the result's.
 */
static int check_steps(const char *label, const memtype_result *r)
{
	unsigned i, notes = 0;
	int bad = 0;

	if (r->nsteps < 1 || r->nsteps > MEMTYPE_MAX_STEPS) {
		print_error("%s: nsteps = %u, want 1..%d\n", label, r->nsteps, MEMTYPE_MAX_STEPS);
		return 1;
	}
	for (i = 0; i < r->nsteps; i++) {
		const memtype_step *s = &r->steps[i];

		if (!s->rule || !s->rule[0] || !s->source || !s->source[0]) {
			print_error("%s: step %u has rule %s, source %s\n", label, i,
				    s->rule ? "set" : "NULL", s->source ? "set" : "NULL");
			bad++;
		}
		notes |= s->notes;
	}
	if (notes != r->notes) {
		print_error("%s: result notes 0x%02x are not the union 0x%02x of its steps\n",
			    label, r->notes, notes);
		bad++;
	}
	return bad;
}

/*
 * Check one result: return value 0, the type, the notes under mask, and the
 * steps. label names the cell; the message reads "<label> -> <want>".
 */
static int check_cell(const char *label, int ret, const memtype_result *r, memtype_type want,
		      unsigned want_notes, unsigned mask)
{
	if (ret != 0) {
		print_error("%s -> %s: returned %d, want 0\n", label, tn(want), ret);
		return 1;
	}
	if (r->type != want || (r->notes & mask) != (want_notes & mask)) {
		print_error("%s -> %s (notes 0x%02x under mask 0x%02x): got %s (notes 0x%02x)\n",
			    label, tn(want), want_notes & mask, mask, tn(r->type), r->notes);
		return 1 + check_steps(label, r);
	}
	return check_steps(label, r);
}

/* All 30 cells of a vendor table, CR0.CD clear. */
static int check_table(memtype_cpu cpu, const struct combine_row *table, unsigned mask)
{
	char label[96];
	memtype_result r;
	int bad = 0;

	for (unsigned m = 0; m < NMTRR; m++) {
		for (unsigned p = 0; p < NPAT; p++) {
			const struct cell *c = &table[m].pat[p];
			int ret = combine(cpu, table[m].mtrr, pat_cols[p], false, &r);

			snprintf(label, sizeof(label), "%s: MTRR=%s PAT=%s", cpu_table(cpu),
				 table[m].mtrr_name, pat_names[p]);
			bad += check_cell(label, ret, &r, c->type, c->notes, mask);
		}
	}
	return bad;
}

static void test_intel_table_11_7_all_cells(void **state)
{
	int bad;

	(void)state;
	bad = check_table(MEMTYPE_CPU_INTEL, intel_table_11_7, ALL_NOTES);
	if (bad)
		fail_msg("%d mismatch(es) against Intel SDM Table 11-7", bad);
}

static void test_amd_table_7_11_all_cells(void **state)
{
	int bad;

	(void)state;
	bad = check_table(MEMTYPE_CPU_AMD, amd_table_7_11, ALL_NOTES);
	if (bad)
		fail_msg("%d mismatch(es) against AMD APM Table 7-11", bad);
}

/*
 * AMD Table 7-11's MTRR=UC row is plain UC (and WC under a WC PAT), never CD:
 * the MTRR already made the range uncacheable, so it is not "CD".
 */
static void test_amd_table_7_11_uc_row_is_not_cd(void **state)
{
	char label[96];
	memtype_result r;
	int bad = 0;

	(void)state;
	for (unsigned p = 0; p < NPAT; p++) {
		int ret = combine(MEMTYPE_CPU_AMD, UC, pat_cols[p], false, &r);

		snprintf(label, sizeof(label), "AMD Table 7-11: MTRR=UC PAT=%s", pat_names[p]);
		bad += check_cell(label, ret, &r, amd_table_7_11[0].pat[p].type, 0,
				  MEMTYPE_NOTE_AMD_CD);
	}
	if (bad)
		fail_msg("%d mismatch(es) in AMD Table 7-11 row MTRR=UC", bad);
}

/* Every AMD "CD" cell is MEMTYPE_UC with MEMTYPE_NOTE_AMD_CD, and nothing else is. */
static void test_amd_table_7_11_cd_cells_are_uc_with_amd_cd(void **state)
{
	char label[96];
	memtype_result r;
	int bad = 0, ncd = 0;

	(void)state;
	for (unsigned m = 0; m < NMTRR; m++) {
		for (unsigned p = 0; p < NPAT; p++) {
			const struct cell *c = &amd_table_7_11[m].pat[p];
			int ret = combine(MEMTYPE_CPU_AMD, amd_table_7_11[m].mtrr, pat_cols[p],
					  false, &r);
			bool cd = c->notes & MEMTYPE_NOTE_AMD_CD;

			ncd += cd;
			snprintf(label, sizeof(label), "AMD Table 7-11: MTRR=%s PAT=%s",
				 amd_table_7_11[m].mtrr_name, pat_names[p]);
			bad += check_cell(label, ret, &r, c->type, c->notes, MEMTYPE_NOTE_AMD_CD);
		}
	}
	/* The copy of the table above has 11 CD cells; guard against editing slips. */
	assert_int_equal(ncd, 11);
	if (bad)
		fail_msg("%d mismatch(es) in AMD Table 7-11 CD cells", bad);
}

/*
 * The best-known difference between the vendors: an MTRR=WP range mapped with
 * a UC- PAT entry is WC on Intel (footnote 3) and CD on AMD.
 */
static void test_mtrr_wp_pat_uc_minus_is_wc_on_intel_cd_on_amd(void **state)
{
	memtype_result r;
	int bad = 0;

	(void)state;
	bad += check_cell("Intel Table 11-7: MTRR=WP PAT=UC-",
			  combine(MEMTYPE_CPU_INTEL, WP, UCM, false, &r), &r, WC, N3, ALL_NOTES);
	bad += check_cell("AMD Table 7-11: MTRR=WP PAT=UC-",
			  combine(MEMTYPE_CPU_AMD, WP, UCM, false, &r), &r, UC, MEMTYPE_NOTE_AMD_CD,
			  ALL_NOTES);
	if (bad)
		fail_msg("MTRR=WP PAT=UC- is not WC on Intel and CD on AMD");
}

/* SDM §11.5.3: with CR0.CD = 1 every access is UC, whatever MTRR and PAT say. */
static void test_cr0_cd_forces_uc_every_cell(void **state)
{
	static const memtype_cpu cpus[] = { MEMTYPE_CPU_INTEL, MEMTYPE_CPU_AMD };
	char label[96];
	memtype_result r;
	int bad = 0;

	(void)state;
	for (unsigned c = 0; c < ARRAY_LEN(cpus); c++) {
		const struct combine_row *table =
			cpus[c] == MEMTYPE_CPU_INTEL ? intel_table_11_7 : amd_table_7_11;

		for (unsigned m = 0; m < NMTRR; m++) {
			for (unsigned p = 0; p < NPAT; p++) {
				int ret = combine(cpus[c], table[m].mtrr, pat_cols[p], true, &r);

				snprintf(label, sizeof(label), "%s with CR0.CD=1: MTRR=%s PAT=%s",
					 cpu_table(cpus[c]), table[m].mtrr_name, pat_names[p]);
				bad += check_cell(label, ret, &r, UC, MEMTYPE_NOTE_CR0_CD,
						  MEMTYPE_NOTE_CR0_CD);
			}
		}
	}
	if (bad)
		fail_msg("%d cell(s) not UC under CR0.CD", bad);
}

/* SDM §11.11.4.1: an undefined MTRR overlap stays undefined whatever the PAT says. */
static void test_undefined_mtrr_overlap_stays_undefined(void **state)
{
	static const memtype_cpu cpus[] = { MEMTYPE_CPU_INTEL, MEMTYPE_CPU_AMD };
	char label[96];
	memtype_result r;
	int bad = 0;

	(void)state;
	for (unsigned c = 0; c < ARRAY_LEN(cpus); c++) {
		for (unsigned p = 0; p < NPAT; p++) {
			int ret = combine(cpus[c], UNDEF, pat_cols[p], false, &r);

			snprintf(label, sizeof(label), "%s: MTRR=undefined PAT=%s",
				 cpu_table(cpus[c]), pat_names[p]);
			bad += check_cell(label, ret, &r, UNDEF, MEMTYPE_NOTE_MTRR_UNDEFINED,
					  MEMTYPE_NOTE_MTRR_UNDEFINED);
		}
	}
	if (bad)
		fail_msg("%d cell(s) with an undefined MTRR not undefined", bad);
}

/* UC- and WC+ (and encodings 2, 3) are no MTRR types: -EINVAL, with or without CR0.CD. */
static void test_mtrr_not_an_mtrr_type_is_einval(void **state)
{
	static const memtype_cpu cpus[] = { MEMTYPE_CPU_INTEL, MEMTYPE_CPU_AMD };
	memtype_result r;
	int bad = 0;

	(void)state;
	for (unsigned c = 0; c < ARRAY_LEN(cpus); c++) {
		for (unsigned i = 0; i < ARRAY_LEN(bad_mtrr); i++) {
			for (unsigned p = 0; p < NPAT; p++) {
				for (int cd = 0; cd <= 1; cd++) {
					int ret = combine(cpus[c], bad_mtrr[i], pat_cols[p], cd,
							  &r);

					if (ret == -EINVAL)
						continue;
					print_error("%s: MTRR=%s (0x%x) PAT=%s CR0.CD=%d -> "
						    "-EINVAL: returned %d\n",
						    cpu_table(cpus[c]), tn(bad_mtrr[i]),
						    (unsigned)bad_mtrr[i], pat_names[p], cd, ret);
					bad++;
				}
			}
		}
	}
	if (bad)
		fail_msg("%d invalid MTRR input(s) accepted", bad);
}

/* WC+, "undefined" (and encodings 2, 3) are no PAT types: -EINVAL. */
static void test_pat_not_a_pat_type_is_einval(void **state)
{
	static const memtype_cpu cpus[] = { MEMTYPE_CPU_INTEL, MEMTYPE_CPU_AMD };
	static const memtype_type mtrrs[] = { UC, WC, WT, WP, WB, UNDEF };
	memtype_result r;
	int bad = 0;

	(void)state;
	for (unsigned c = 0; c < ARRAY_LEN(cpus); c++) {
		for (unsigned i = 0; i < ARRAY_LEN(bad_pat); i++) {
			for (unsigned m = 0; m < ARRAY_LEN(mtrrs); m++) {
				for (int cd = 0; cd <= 1; cd++) {
					int ret = combine(cpus[c], mtrrs[m], bad_pat[i], cd, &r);

					if (ret == -EINVAL)
						continue;
					print_error("%s: MTRR=%s PAT=%s (0x%x) CR0.CD=%d -> "
						    "-EINVAL: returned %d\n",
						    cpu_table(cpus[c]), tn(mtrrs[m]),
						    tn(bad_pat[i]), (unsigned)bad_pat[i], cd, ret);
					bad++;
				}
			}
		}
	}
	if (bad)
		fail_msg("%d invalid PAT input(s) accepted", bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intel_table_11_7_all_cells),
		cmocka_unit_test(test_amd_table_7_11_all_cells),
		cmocka_unit_test(test_amd_table_7_11_uc_row_is_not_cd),
		cmocka_unit_test(test_amd_table_7_11_cd_cells_are_uc_with_amd_cd),
		cmocka_unit_test(test_mtrr_wp_pat_uc_minus_is_wc_on_intel_cd_on_amd),
		cmocka_unit_test(test_cr0_cd_forces_uc_every_cell),
		cmocka_unit_test(test_undefined_mtrr_overlap_stays_undefined),
		cmocka_unit_test(test_mtrr_not_an_mtrr_type_is_einval),
		cmocka_unit_test(test_pat_not_a_pat_type_is_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
