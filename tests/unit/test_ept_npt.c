/*
 * test_ept_npt.c - effective memory types under Intel EPT and AMD nested paging.
 *
 * Intel EPT (SDM Vol. 3C §28.2.6.2 "Memory Type Used for Translated
 * Guest-Physical Addresses"): with guest CR0.CD = 1 the access is UC; with
 * the leaf's IPAT bit set the EPT memory type is used as is; otherwise the
 * EPT memory type takes the MTRR's place in Table 11-7 (SDM Vol. 3A
 * §11.5.2.2), which is copied again below rather than taken from the library.
 *
 * AMD nested paging (APM Vol. 2 §15.25.8): the guest PAT type and the host
 * PAT type combine by Table 15-19 "Combining Guest and Host PAT Types", and
 * that combined type meets the MTRR type of the system-physical address in
 * Table 15-20 "Combining PAT and MTRR Types". Both tables are copied below;
 * the test composes them itself for all 6 x 6 x 5 = 180 inputs. A "CD" cell
 * is MEMTYPE_UC with MEMTYPE_NOTE_AMD_CD; WC+ is MEMTYPE_WC_PLUS. A set guest
 * or host CR0.CD disables caching: UC with MEMTYPE_NOTE_CR0_CD.
 *
 * Every cell reports all of its mismatches before the test fails, each
 * message naming the cell.
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

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------------
 * Intel EPT.
 */

#define NEPT 5
#define NPAT 6

static const char *const ept_names[NEPT] = { "UC", "WC", "WT", "WP", "WB" };
static const memtype_type ept_rows[NEPT] = { UC, WC, WT, WP, WB };
static const char *const pat_names[NPAT] = { "UC", "UC-", "WC", "WT", "WP", "WB" };
static const memtype_type pat_cols[NPAT] = { UC, UCM, WC, WT, WP, WB };

/*
 * Intel SDM Vol. 3A §11.5.2.2, Table 11-7, the EPT memory type in the MTRR
 * row's place (SDM Vol. 3C §28.2.6.2). Footnotes are checked in test_combine.c.
 */
static const memtype_type intel_table_11_7[NEPT][NPAT] = {
	/* EPT    PAT: UC  UC-  WC  WT  WP  WB */
	/* UC */     { UC, UC,  WC, UC, UC, UC },
	/* WC */     { UC, WC,  WC, UC, UC, WC },
	/* WT */     { UC, UC,  WC, WT, WP, WT },
	/* WP */     { UC, WC,  WC, WT, WP, WP },
	/* WB */     { UC, UC,  WC, WT, WP, WB },
};

/* ---------------------------------------------------------------------------
 * AMD nested paging.
 */

#define NNPT_PAT  6
#define NCOMB     7
#define NNPT_MTRR 5

/* Table 15-19's row and column order (note WP before WT). */
static const char *const npt_pat_names[NNPT_PAT] = { "UC", "UC-", "WC", "WP", "WT", "WB" };
static const memtype_type npt_pat[NNPT_PAT] = { UC, UCM, WC, WP, WT, WB };

/* AMD APM Vol. 2 §15.25.8, Table 15-19: guest PAT type (rows) x host PAT type (columns). */
static const memtype_type amd_table_15_19[NNPT_PAT][NNPT_PAT] = {
	/* guest  host: UC  UC-  WC   WP   WT   WB */
	/* UC  */     { UC, UC,  UC,  UC,  UC,  UC },
	/* UC- */     { UC, UCM, WC,  UC,  UC,  UC },
	/* WC  */     { WC, WC,  WC,  WCP, WCP, WCP },
	/* WP  */     { UC, UC,  UC,  WP,  UC,  WP },
	/* WT  */     { UC, UC,  UC,  UC,  WT,  WT },
	/* WB  */     { UC, UC,  WC,  WP,  WT,  WB },
};

/* Table 15-20's rows: every type Table 15-19 can produce. */
static const memtype_type comb_rows[NCOMB] = { UC, UCM, WC, WCP, WP, WT, WB };
/* Table 15-20's columns (note WP before WT). */
static const char *const npt_mtrr_names[NNPT_MTRR] = { "UC", "WC", "WP", "WT", "WB" };
static const memtype_type npt_mtrr[NNPT_MTRR] = { UC, WC, WP, WT, WB };

struct cell {
	memtype_type type;
	unsigned notes;
};

#define T(t) { (t), 0 }
/* A Table 15-20 "CD" cell. */
#define CD { UC, MEMTYPE_NOTE_AMD_CD }

/* AMD APM Vol. 2 §15.25.8, Table 15-20: combined PAT type (rows) x MTRR type (columns). */
static const struct cell amd_table_15_20[NCOMB][NNPT_MTRR] = {
	/* PAT    MTRR: UC     WC      WP       WT       WB */
	/* UC  */     { T(UC), CD,     CD,      CD,      CD },
	/* UC- */     { T(UC), T(WC),  CD,      CD,      CD },
	/* WC  */     { T(WC), T(WC),  T(WC),   T(WC),   T(WC) },
	/* WC+ */     { T(WC), T(WC),  T(WCP),  T(WCP),  T(WCP) },
	/* WP  */     { T(UC), CD,     T(WP),   CD,      T(WP) },
	/* WT  */     { T(UC), CD,     CD,      T(WT),   T(WT) },
	/* WB  */     { T(UC), T(WC),  T(WP),   T(WT),   T(WB) },
};

/* ---------------------------------------------------------------------------
 * Helpers.
 */

#define tn(t) test_type_name(t)

static int ept(memtype_type ept_mt, bool ipat, memtype_type gpat, bool guest_cd,
	       memtype_result *r)
{
	memset(r, 0xa5, sizeof(*r));
	return memtype_ept_effective(ept_mt, ipat, gpat, guest_cd, r);
}

static int npt(memtype_type gpat, memtype_type hpat, memtype_type mtrr, bool guest_cd,
	       bool host_cd, memtype_result *r)
{
	memset(r, 0xa5, sizeof(*r));
	return memtype_npt_effective(gpat, hpat, mtrr, guest_cd, host_cd, r);
}

/* 1..MEMTYPE_MAX_STEPS steps, each naming its rule and source; notes are their union. */
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

/* Return 0, the type, the notes under mask, and the steps; label names the cell. */
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

/* ---------------------------------------------------------------------------
 * EPT tests.
 */

/* The notes an EPT result is judged on: which path decided it, and nothing AMD's. */
#define EPT_NOTES                                                                                  \
	(MEMTYPE_NOTE_CR0_CD | MEMTYPE_NOTE_IPAT | MEMTYPE_NOTE_AMD_CD |                           \
	 MEMTYPE_NOTE_MTRR_UNDEFINED)

/* IPAT = 0, guest CR0.CD = 0: Table 11-7 with the EPT type as the MTRR row. */
static void test_ept_table_11_7_with_ept_type_as_mtrr_all_cells(void **state)
{
	char label[96];
	memtype_result r;
	int bad = 0;

	(void)state;
	for (unsigned e = 0; e < NEPT; e++) {
		for (unsigned p = 0; p < NPAT; p++) {
			int ret = ept(ept_rows[e], false, pat_cols[p], false, &r);

			snprintf(label, sizeof(label), "EPT Table 11-7: EPT=%s gPAT=%s",
				 ept_names[e], pat_names[p]);
			bad += check_cell(label, ret, &r, intel_table_11_7[e][p], 0, EPT_NOTES);
		}
	}
	if (bad)
		fail_msg("%d mismatch(es) against SDM Table 11-7 under EPT", bad);
}

/* IPAT = 1, guest CR0.CD = 0: the guest PAT is ignored, the EPT type is used. */
static void test_ept_ipat_uses_ept_type(void **state)
{
	char label[96];
	memtype_result r;
	int bad = 0;

	(void)state;
	for (unsigned e = 0; e < NEPT; e++) {
		for (unsigned p = 0; p < NPAT; p++) {
			int ret = ept(ept_rows[e], true, pat_cols[p], false, &r);

			snprintf(label, sizeof(label), "EPT IPAT=1: EPT=%s gPAT=%s", ept_names[e],
				 pat_names[p]);
			bad += check_cell(label, ret, &r, ept_rows[e], MEMTYPE_NOTE_IPAT,
					  EPT_NOTES);
		}
	}
	if (bad)
		fail_msg("%d IPAT cell(s) not the EPT type", bad);
}

/* Guest CR0.CD = 1: UC, whatever the EPT type, IPAT and the guest PAT say. */
static void test_ept_guest_cr0_cd_forces_uc(void **state)
{
	char label[96];
	memtype_result r;
	int bad = 0;

	(void)state;
	for (unsigned e = 0; e < NEPT; e++) {
		for (unsigned p = 0; p < NPAT; p++) {
			for (int ipat = 0; ipat <= 1; ipat++) {
				int ret = ept(ept_rows[e], ipat, pat_cols[p], true, &r);

				snprintf(label, sizeof(label),
					 "EPT guest CR0.CD=1: EPT=%s IPAT=%d gPAT=%s", ept_names[e],
					 ipat, pat_names[p]);
				bad += check_cell(label, ret, &r, UC, MEMTYPE_NOTE_CR0_CD,
						  MEMTYPE_NOTE_CR0_CD | MEMTYPE_NOTE_AMD_CD);
			}
		}
	}
	if (bad)
		fail_msg("%d cell(s) not UC under guest CR0.CD", bad);
}

/*
 * Types 2, 3 and 7 in an EPT leaf are an EPT misconfiguration, and WC+ or
 * "undefined" are no EPT types: -EINVAL whatever the other inputs.
 */
static void test_ept_type_not_an_ept_type_is_einval(void **state)
{
	static const memtype_type bad_ept[] = { UCM, (memtype_type)2, (memtype_type)3, WCP, UNDEF,
						(memtype_type)8 };
	memtype_result r;
	int bad = 0;

	(void)state;
	for (unsigned i = 0; i < ARRAY_LEN(bad_ept); i++) {
		for (unsigned p = 0; p < NPAT; p++) {
			for (int flags = 0; flags < 4; flags++) {
				bool ipat = flags & 1, cd = flags & 2;
				int ret = ept(bad_ept[i], ipat, pat_cols[p], cd, &r);

				if (ret == -EINVAL)
					continue;
				print_error("EPT=%s (0x%x) IPAT=%d gPAT=%s CR0.CD=%d -> -EINVAL: "
					    "returned %d\n",
					    tn(bad_ept[i]), (unsigned)bad_ept[i], ipat,
					    pat_names[p], cd, ret);
				bad++;
			}
		}
	}
	if (bad)
		fail_msg("%d invalid EPT type(s) accepted", bad);
}

/* A guest PAT type that is no PAT type is -EINVAL. */
static void test_ept_guest_pat_not_a_pat_type_is_einval(void **state)
{
	static const memtype_type bad_pat[] = { (memtype_type)2, (memtype_type)3, WCP, UNDEF,
						(memtype_type)8 };
	memtype_result r;
	int bad = 0;

	(void)state;
	for (unsigned i = 0; i < ARRAY_LEN(bad_pat); i++) {
		for (unsigned e = 0; e < NEPT; e++) {
			for (int flags = 0; flags < 4; flags++) {
				bool ipat = flags & 1, cd = flags & 2;
				int ret = ept(ept_rows[e], ipat, bad_pat[i], cd, &r);

				if (ret == -EINVAL)
					continue;
				print_error("EPT=%s IPAT=%d gPAT=%s (0x%x) CR0.CD=%d -> -EINVAL: "
					    "returned %d\n",
					    ept_names[e], ipat, tn(bad_pat[i]),
					    (unsigned)bad_pat[i], cd, ret);
				bad++;
			}
		}
	}
	if (bad)
		fail_msg("%d invalid guest PAT type(s) accepted", bad);
}

/* ---------------------------------------------------------------------------
 * NPT tests.
 */

static unsigned comb_row(memtype_type t)
{
	for (unsigned i = 0; i < NCOMB; i++)
		if (comb_rows[i] == t)
			return i;
	fail_msg("Table 15-19 produced %s, which has no Table 15-20 row", tn(t));
	return 0;
}

/* The notes an NPT result is judged on: CD or not, and nothing from the other paths. */
#define NPT_NOTES                                                                                  \
	(MEMTYPE_NOTE_AMD_CD | MEMTYPE_NOTE_CR0_CD | MEMTYPE_NOTE_IPAT |                           \
	 MEMTYPE_NOTE_MTRR_UNDEFINED)

/* Guard the copies of Tables 15-19 and 15-20 against editing slips: count the special cells. */
static void test_npt_tables_as_copied(void **state)
{
	int wcp = 0, cd = 0;

	(void)state;
	for (unsigned g = 0; g < NNPT_PAT; g++)
		for (unsigned h = 0; h < NNPT_PAT; h++)
			wcp += amd_table_15_19[g][h] == WCP;
	for (unsigned c = 0; c < NCOMB; c++)
		for (unsigned m = 0; m < NNPT_MTRR; m++)
			cd += amd_table_15_20[c][m].notes == MEMTYPE_NOTE_AMD_CD;
	assert_int_equal(wcp, 3);
	assert_int_equal(cd, 11);
}

/* Every guest PAT x host PAT x MTRR: Table 15-19, then Table 15-20. */
static void test_npt_table_15_19_then_15_20_all_180(void **state)
{
	char label[128];
	memtype_result r;
	int bad = 0, n = 0;

	(void)state;
	for (unsigned g = 0; g < NNPT_PAT; g++) {
		for (unsigned h = 0; h < NNPT_PAT; h++) {
			memtype_type comb = amd_table_15_19[g][h];
			unsigned c = comb_row(comb);

			for (unsigned m = 0; m < NNPT_MTRR; m++) {
				const struct cell *want = &amd_table_15_20[c][m];
				int ret = npt(npt_pat[g], npt_pat[h], npt_mtrr[m], false, false,
					      &r);

				snprintf(label, sizeof(label),
					 "NPT: gPAT=%s hPAT=%s (Table 15-19 -> %s) MTRR=%s",
					 npt_pat_names[g], npt_pat_names[h], tn(comb),
					 npt_mtrr_names[m]);
				bad += check_cell(label, ret, &r, want->type, want->notes,
						  NPT_NOTES);
				n++;
			}
		}
	}
	assert_int_equal(n, 180);
	if (bad)
		fail_msg("%d of 180 NPT combination(s) wrong", bad);
}

/* A set guest or host CR0.CD disables caching: UC for every combination. */
static void test_npt_guest_or_host_cr0_cd_forces_uc(void **state)
{
	char label[128];
	memtype_result r;
	int bad = 0;

	(void)state;
	for (int flags = 1; flags < 4; flags++) {
		bool gcd = flags & 1, hcd = flags & 2;

		for (unsigned g = 0; g < NNPT_PAT; g++) {
			for (unsigned h = 0; h < NNPT_PAT; h++) {
				for (unsigned m = 0; m < NNPT_MTRR; m++) {
					int ret = npt(npt_pat[g], npt_pat[h], npt_mtrr[m], gcd, hcd,
						      &r);

					snprintf(label, sizeof(label),
						 "NPT guest CR0.CD=%d host CR0.CD=%d: gPAT=%s "
						 "hPAT=%s MTRR=%s",
						 gcd, hcd, npt_pat_names[g], npt_pat_names[h],
						 npt_mtrr_names[m]);
					bad += check_cell(label, ret, &r, UC, MEMTYPE_NOTE_CR0_CD,
							  MEMTYPE_NOTE_CR0_CD);
				}
			}
		}
	}
	if (bad)
		fail_msg("%d combination(s) not UC under CR0.CD", bad);
}

/* Guest or host PAT types that are no PAT types, MTRR types that are no MTRR types. */
static void test_npt_invalid_inputs_are_einval(void **state)
{
	static const memtype_type bad_pat[] = { (memtype_type)2, (memtype_type)3, WCP, UNDEF,
						(memtype_type)8 };
	static const memtype_type bad_mtrr[] = { UCM, (memtype_type)2, (memtype_type)3, WCP,
						 (memtype_type)8 };
	memtype_result r;
	int bad = 0;

	(void)state;
	for (int flags = 0; flags < 4; flags++) {
		bool gcd = flags & 1, hcd = flags & 2;

		for (unsigned i = 0; i < ARRAY_LEN(bad_pat); i++) {
			for (unsigned p = 0; p < NNPT_PAT; p++) {
				int ret = npt(bad_pat[i], npt_pat[p], WB, gcd, hcd, &r);

				if (ret != -EINVAL) {
					print_error("NPT gPAT=%s (0x%x) hPAT=%s MTRR=WB "
						    "CD=%d/%d -> -EINVAL: returned %d\n",
						    tn(bad_pat[i]), (unsigned)bad_pat[i],
						    npt_pat_names[p], gcd, hcd, ret);
					bad++;
				}
				ret = npt(npt_pat[p], bad_pat[i], WB, gcd, hcd, &r);
				if (ret != -EINVAL) {
					print_error("NPT gPAT=%s hPAT=%s (0x%x) MTRR=WB "
						    "CD=%d/%d -> -EINVAL: returned %d\n",
						    npt_pat_names[p], tn(bad_pat[i]),
						    (unsigned)bad_pat[i], gcd, hcd, ret);
					bad++;
				}
			}
		}
		for (unsigned i = 0; i < ARRAY_LEN(bad_mtrr); i++) {
			for (unsigned p = 0; p < NNPT_PAT; p++) {
				int ret = npt(npt_pat[p], WB, bad_mtrr[i], gcd, hcd, &r);

				if (ret == -EINVAL)
					continue;
				print_error("NPT gPAT=%s hPAT=WB MTRR=%s (0x%x) CD=%d/%d -> "
					    "-EINVAL: returned %d\n",
					    npt_pat_names[p], tn(bad_mtrr[i]),
					    (unsigned)bad_mtrr[i], gcd, hcd, ret);
				bad++;
			}
		}
	}
	if (bad)
		fail_msg("%d invalid NPT input(s) accepted", bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ept_table_11_7_with_ept_type_as_mtrr_all_cells),
		cmocka_unit_test(test_ept_ipat_uses_ept_type),
		cmocka_unit_test(test_ept_guest_cr0_cd_forces_uc),
		cmocka_unit_test(test_ept_type_not_an_ept_type_is_einval),
		cmocka_unit_test(test_ept_guest_pat_not_a_pat_type_is_einval),
		cmocka_unit_test(test_npt_tables_as_copied),
		cmocka_unit_test(test_npt_table_15_19_then_15_20_all_180),
		cmocka_unit_test(test_npt_guest_or_host_cr0_cd_forces_uc),
		cmocka_unit_test(test_npt_invalid_inputs_are_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
