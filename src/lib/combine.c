/*
 * combine.c - the effective memory type: MTRR x PAT (Intel and AMD), CR0.CD,
 * Intel EPT (memory type, IPAT, guest PAT) and AMD nested paging (guest PAT
 * x host PAT, then x MTRR).
 *
 * Pure functions over the manuals' tables. Each result carries the steps
 * that produced it (rule, source, inputs, output) so the CLI can say why.
 * AMD's "CD" type -- uncacheable, with caches still probed -- is reported
 * as UC with MEMTYPE_NOTE_AMD_CD; Intel's footnoted UC kinds likewise carry
 * notes rather than separate types.
 */
#include "internal.h"

#include <string.h>

struct cell {
	memtype_type type;
	unsigned notes;
};

#define N1 MEMTYPE_NOTE_UC_FROM_MTRR
#define N2 MEMTYPE_NOTE_UC_FROM_PAT
#define N3 MEMTYPE_NOTE_FORMERLY_UNDEF
#define CD MEMTYPE_NOTE_AMD_CD
#define UC MEMTYPE_UC
#define WC MEMTYPE_WC
#define WT MEMTYPE_WT
#define WP MEMTYPE_WP
#define WB MEMTYPE_WB
#define UCM MEMTYPE_UC_MINUS
#define WCP MEMTYPE_WC_PLUS

/* Row index of an MTRR (or EPT) type: UC WC WT WP WB; -1 if not one. */
static int mtrr_row(memtype_type t)
{
	switch (t) {
	case MEMTYPE_UC: return 0;
	case MEMTYPE_WC: return 1;
	case MEMTYPE_WT: return 2;
	case MEMTYPE_WP: return 3;
	case MEMTYPE_WB: return 4;
	default: return -1;
	}
}

/* Column index of a PAT type: UC UC- WC WT WP WB, then WC+ (NPT only). */
static int pat_col(memtype_type t)
{
	switch (t) {
	case MEMTYPE_UC: return 0;
	case MEMTYPE_UC_MINUS: return 1;
	case MEMTYPE_WC: return 2;
	case MEMTYPE_WT: return 3;
	case MEMTYPE_WP: return 4;
	case MEMTYPE_WB: return 5;
	case MEMTYPE_WC_PLUS: return 6;
	default: return -1;
	}
}

/*
 * Intel SDM Vol. 3A §11.5.2.2 Table 11-7 "Effective Page-Level Memory Types
 * for Pentium III and More Recent Processor Families" (CR0.CD = NW = 0).
 * Rows MTRR UC WC WT WP WB; columns PAT UC UC- WC WT WP WB. Footnotes: 1 UC
 * decided by the MTRR; 2 UC from the page tables (caches still checked);
 * 3 combinations once documented as undefined, shown as all PAT+MTRR
 * processors behave.
 */
static const struct cell intel_table[5][6] = {
	/* UC */ { { UC, N1 }, { UC, N1 }, { WC, 0 }, { UC, N1 }, { UC, N1 }, { UC, N1 } },
	/* WC */ { { UC, N2 }, { WC, 0 }, { WC, 0 }, { UC, N2 | N3 }, { UC, N2 | N3 }, { WC, 0 } },
	/* WT */ { { UC, N2 }, { UC, N2 }, { WC, 0 }, { WT, 0 }, { WP, N3 }, { WT, 0 } },
	/* WP */ { { UC, N2 }, { WC, N3 }, { WC, 0 }, { WT, N3 }, { WP, 0 }, { WP, 0 } },
	/* WB */ { { UC, N2 }, { UC, N2 }, { WC, 0 }, { WT, 0 }, { WP, 0 }, { WB, 0 } },
};

/*
 * AMD APM Vol. 2 §7.8.5 Table 7-11 "Combined Effect of MTRR and PAT Memory
 * Types" (same orientation). It writes CD where Intel writes a footnote-2 UC,
 * and also in three cells where Intel's footnote-3 cells give WP, WC, WT:
 * (MTRR WT, PAT WP), (MTRR WP, PAT UC-), (MTRR WP, PAT WT).
 */
static const struct cell amd_table[5][6] = {
	/* UC */ { { UC, 0 }, { UC, 0 }, { WC, 0 }, { UC, 0 }, { UC, 0 }, { UC, 0 } },
	/* WC */ { { UC, CD }, { WC, 0 }, { WC, 0 }, { UC, CD }, { UC, CD }, { WC, 0 } },
	/* WT */ { { UC, CD }, { UC, CD }, { WC, 0 }, { WT, 0 }, { UC, CD }, { WT, 0 } },
	/* WP */ { { UC, CD }, { UC, CD }, { WC, 0 }, { UC, CD }, { WP, 0 }, { WP, 0 } },
	/* WB */ { { UC, CD }, { UC, CD }, { WC, 0 }, { WT, 0 }, { WP, 0 }, { WB, 0 } },
};

/*
 * AMD APM Vol. 2 §15.25.8 Table 15-19 "Combining Guest and Host PAT Types",
 * reordered to rows guest PAT UC UC- WC WT WP WB, columns host PAT UC UC- WC
 * WT WP WB.
 */
static const memtype_type npt_pat_table[6][6] = {
	/* UC  */ { UC, UC, UC, UC, UC, UC },
	/* UC- */ { UC, UCM, WC, UC, UC, UC },
	/* WC  */ { WC, WC, WC, WCP, WCP, WCP },
	/* WT  */ { UC, UC, UC, WT, UC, WT },
	/* WP  */ { UC, UC, UC, UC, WP, WP },
	/* WB  */ { UC, UC, WC, WT, WP, WB },
};

/*
 * AMD APM Vol. 2 §15.25.8 Table 15-20 "Combining PAT and MTRR Types",
 * reordered to rows combined PAT UC UC- WC WT WP WB WC+, columns MTRR UC WC
 * WT WP WB. Its first six rows equal Table 7-11.
 */
static const struct cell npt_mtrr_table[7][5] = {
	/* UC  */ { { UC, 0 }, { UC, CD }, { UC, CD }, { UC, CD }, { UC, CD } },
	/* UC- */ { { UC, 0 }, { WC, 0 }, { UC, CD }, { UC, CD }, { UC, CD } },
	/* WC  */ { { WC, 0 }, { WC, 0 }, { WC, 0 }, { WC, 0 }, { WC, 0 } },
	/* WT  */ { { UC, 0 }, { UC, CD }, { WT, 0 }, { UC, CD }, { WT, 0 } },
	/* WP  */ { { UC, 0 }, { UC, CD }, { UC, CD }, { WP, 0 }, { WP, 0 } },
	/* WB  */ { { UC, 0 }, { WC, 0 }, { WT, 0 }, { WP, 0 }, { WB, 0 } },
	/* WC+ */ { { WC, 0 }, { WC, 0 }, { WCP, 0 }, { WCP, 0 }, { WCP, 0 } },
};

static const char SRC_INTEL_11_7[] = "Intel SDM Vol. 3A §11.5.2.2, Table 11-7";
static const char SRC_AMD_7_11[] = "AMD APM Vol. 2 §7.8.5, Table 7-11";
static const char SRC_INTEL_CD[] = "Intel SDM Vol. 3A §11.5.3, Table 11-5 (CR0.CD=1: no-fill)";
static const char SRC_AMD_CD[] = "AMD APM Vol. 2 §7.6.2 (CR0.CD=1: caching disabled)";
static const char SRC_EPT[] = "Intel SDM Vol. 3C §28.2.6.2 (guest-physical memory type)";
static const char SRC_NPT_PAT[] = "AMD APM Vol. 2 §15.25.8, Table 15-19";
static const char SRC_NPT_MTRR[] = "AMD APM Vol. 2 §15.25.8, Table 15-20";
static const char SRC_MTRR_UNDEF[] = "Intel SDM Vol. 3A §11.11.4.1 (overlap not defined)";

static void begin(memtype_result *r)
{
	memset(r, 0, sizeof(*r));
}

static void step(memtype_result *r, const char *rule, const char *source, memtype_type a,
		 memtype_type b, memtype_type out, unsigned notes)
{
	if (r->nsteps < MEMTYPE_MAX_STEPS) {
		memtype_step *s = &r->steps[r->nsteps++];
		s->rule = rule;
		s->source = source;
		s->a = a;
		s->b = b;
		s->out = out;
		s->notes = notes;
	}
	r->type = out;
	r->notes |= notes;
}

int memtype_combine_mtrr_pat(memtype_cpu cpu, memtype_type mtrr, memtype_type pat, bool cr0_cd,
			     memtype_result *out)
{
	int col = pat_col(pat);
	int row = mtrr_row(mtrr);
	if (col < 0 || col > 5 || (row < 0 && mtrr != MEMTYPE_UNDEFINED) ||
	    (cpu != MEMTYPE_CPU_INTEL && cpu != MEMTYPE_CPU_AMD))
		return -EINVAL;
	begin(out);
	if (row < 0) {
		/* The manuals define no effective type for an undefined MTRR. */
		step(out, "mtrr-undefined", SRC_MTRR_UNDEF, mtrr, pat, MEMTYPE_UNDEFINED,
		     MEMTYPE_NOTE_MTRR_UNDEFINED);
	} else {
		const struct cell *c = cpu == MEMTYPE_CPU_AMD ? &amd_table[row][col] : &intel_table[row][col];
		step(out, "mtrr-x-pat", cpu == MEMTYPE_CPU_AMD ? SRC_AMD_7_11 : SRC_INTEL_11_7, mtrr,
		     pat, c->type, c->notes);
	}
	if (cr0_cd)
		step(out, "cr0-cd", cpu == MEMTYPE_CPU_AMD ? SRC_AMD_CD : SRC_INTEL_CD, out->type,
		     out->type, MEMTYPE_UC, MEMTYPE_NOTE_CR0_CD);
	return 0;
}

int memtype_ept_effective(memtype_type ept_mt, bool ipat, memtype_type gpat, bool guest_cd,
			  memtype_result *out)
{
	int row = mtrr_row(ept_mt);
	int col = pat_col(gpat);
	if (row < 0 || col < 0 || col > 5)
		return -EINVAL;
	begin(out);
	/* SDM Vol. 3C §28.2.6.2: guest CR0.CD = 1 -> UC; else IPAT = 1 -> the
	 * EPT memory type; else Table 11-7 with the EPT memory type in the
	 * MTRR's role. Neither host nor guest MTRRs take part. */
	if (guest_cd) {
		step(out, "ept-guest-cd", SRC_EPT, ept_mt, gpat, MEMTYPE_UC, MEMTYPE_NOTE_CR0_CD);
	} else if (ipat) {
		step(out, "ept-ipat", SRC_EPT, ept_mt, ept_mt, ept_mt, MEMTYPE_NOTE_IPAT);
	} else {
		const struct cell *c = &intel_table[row][col];
		step(out, "ept-x-guest-pat", SRC_INTEL_11_7, ept_mt, gpat, c->type, c->notes);
	}
	return 0;
}

int memtype_npt_effective(memtype_type gpat, memtype_type hpat, memtype_type host_mtrr,
			  bool guest_cd, bool host_cd, memtype_result *out)
{
	int g = pat_col(gpat), h = pat_col(hpat), row = mtrr_row(host_mtrr);
	if (g < 0 || g > 5 || h < 0 || h > 5 || row < 0)
		return -EINVAL;
	begin(out);
	/* APM Vol. 2 §15.25.8: Table 15-19, then Table 15-20 with the MTRR
	 * type of the system-physical address; gCR0.CD or hCR0.CD disables
	 * caching. */
	memtype_type combined = npt_pat_table[g][h];
	step(out, "npt-gpat-x-hpat", SRC_NPT_PAT, gpat, hpat, combined, 0);
	const struct cell *c = &npt_mtrr_table[pat_col(combined)][row];
	step(out, "npt-pat-x-mtrr", SRC_NPT_MTRR, combined, host_mtrr, c->type, c->notes);
	if (guest_cd || host_cd)
		step(out, guest_cd ? "npt-guest-cd" : "npt-host-cd", SRC_AMD_CD, out->type, out->type,
		     MEMTYPE_UC, MEMTYPE_NOTE_CR0_CD);
	return 0;
}
