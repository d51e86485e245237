/*
 * test_pat.c - the IA32_PAT MSR: decoding, encoding, #GP, entry selection.
 *
 * IA32_PAT holds eight one-byte entries PA0..PA7, entry i in bits 8i+7:8i
 * (Intel SDM Vol. 3A §11.12.2), each one of the encodings of Table 11-10:
 * 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC-. Writing 2, 3 or an entry with any of
 * bits 7:3 set raises #GP, which the model reports as -EINVAL with ctx code
 * "gp". Checked here:
 *  - the power-on value 0x0007040600070406 (SDM §11.12.4, Table 11-12) and
 *    the layouts Linux (arch/x86/mm/pat), its errata variant and Xen program;
 *  - round trips through memtype_pat_encode() and memtype_pat_decode();
 *  - every reserved encoding in every entry;
 *  - the entry a page-table leaf selects, 4*PAT + 2*PCD + PWT (SDM §11.12.3,
 *    Table 11-11), where PAT is bit 7 of a 4-KByte PTE but bit 12 of a large
 *    page's PDE/PDPTE, whose bit 7 is PS.
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

#define UC    MEMTYPE_UC
#define UCM   MEMTYPE_UC_MINUS
#define WC    MEMTYPE_WC
#define WT    MEMTYPE_WT
#define WP    MEMTYPE_WP
#define WB    MEMTYPE_WB
#define WCP   MEMTYPE_WC_PLUS
#define UNDEF MEMTYPE_UNDEFINED

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define tn(t) test_type_name(t)

/* A named PAT layout: its MSR value and PA0..PA7. */
struct pat_layout {
	const char *name;
	uint64_t msr;
	memtype_type types[8];
};

static const struct pat_layout layouts[] = {
	/* SDM §11.12.4, Table 11-12: the value after power-up or reset. */
	{ "reset", 0x0007040600070406ull, { WB, WT, UCM, UC, WB, WT, UCM, UC } },
	/* Linux pat_bp_init(): PA5 WP and PA7 WT in the upper half. */
	{ "linux", 0x0407050600070106ull, { WB, WC, UCM, UC, WB, WP, UCM, WT } },
	/* Linux on CPUs whose PAT upper half is unusable (PAT errata). */
	{ "linux-errata", 0x0007010600070106ull, { WB, WC, UCM, UC, WB, WC, UCM, UC } },
	/* Xen's XEN_MSR_PAT. */
	{ "xen", 0x0000050100070406ull, { WB, WT, UCM, UC, WC, WP, UC, UC } },
	{ "all-uc", 0, { UC, UC, UC, UC, UC, UC, UC, UC } },
};

/* The six PAT types with their Table 11-10 encodings. */
static const struct {
	unsigned enc;
	memtype_type type;
} pat_encodings[] = {
	{ 0, UC }, { 1, WC }, { 4, WT }, { 5, WP }, { 6, WB }, { 7, UCM },
};

static int setup(void **state)
{
	memtype_ctx *ctx = memtype_ctx_new(NULL, NULL);

	if (!ctx)
		return -1;
	*state = ctx;
	return 0;
}

static int teardown(void **state)
{
	memtype_ctx_free(*state);
	return 0;
}

/* Decode and compare with want[8]; label names the value. Returns the mismatch count. */
static int check_decode(memtype_ctx *ctx, const char *label, uint64_t msr,
			const memtype_type want[8])
{
	memtype_type got[8];
	int ret, bad = 0;

	memset(got, 0xa5, sizeof(got));
	ret = memtype_pat_decode(ctx, msr, got);
	if (ret != 0) {
		print_error("%s: decode 0x%016llx returned %d, want 0\n", label,
			    (unsigned long long)msr, ret);
		return 1;
	}
	for (unsigned i = 0; i < 8; i++) {
		if (got[i] == want[i])
			continue;
		print_error("%s: decode 0x%016llx PA%u -> %s, got %s\n", label,
			    (unsigned long long)msr, i, tn(want[i]), tn(got[i]));
		bad++;
	}
	return bad;
}

static int check_encode(const char *label, const memtype_type types[8], uint64_t want)
{
	uint64_t got = 0xa5a5a5a5a5a5a5a5ull;
	int ret = memtype_pat_encode(types, &got);

	if (ret != 0) {
		print_error("%s: encode returned %d, want 0\n", label, ret);
		return 1;
	}
	if (got != want) {
		print_error("%s: encode -> 0x%016llx, got 0x%016llx\n", label,
			    (unsigned long long)want, (unsigned long long)got);
		return 1;
	}
	return 0;
}

/* SDM §11.12.4, Table 11-12: the reset value decodes to WB WT UC- UC WB WT UC- UC. */
static void test_pat_reset_value_table_11_12(void **state)
{
	static const memtype_type want[8] = { WB, WT, UCM, UC, WB, WT, UCM, UC };

	assert_int_equal(MEMTYPE_PAT_RESET, 0x0007040600070406ull);
	if (check_decode(*state, "Table 11-12 reset", MEMTYPE_PAT_RESET, want))
		fail_msg("the reset PAT does not decode as SDM Table 11-12");
}

/* The header's constants are the layouts' values. */
static void test_pat_layout_constants(void **state)
{
	(void)state;
	assert_int_equal(MEMTYPE_PAT_LINUX, 0x0407050600070106ull);
	assert_int_equal(MEMTYPE_PAT_LINUX_ERRATA, 0x0007010600070106ull);
}

/* Every named layout decodes to its eight types and encodes back from them. */
static void test_pat_decode_encode_named_layouts(void **state)
{
	int bad = 0;

	for (unsigned i = 0; i < ARRAY_LEN(layouts); i++) {
		bad += check_decode(*state, layouts[i].name, layouts[i].msr, layouts[i].types);
		bad += check_encode(layouts[i].name, layouts[i].types, layouts[i].msr);
	}
	if (bad)
		fail_msg("%d mismatch(es) in the named layouts", bad);
}

/* memtype_pat_layout() knows each name and gives its value. */
static void test_pat_layout_by_name(void **state)
{
	int bad = 0;

	(void)state;
	for (unsigned i = 0; i < ARRAY_LEN(layouts); i++) {
		uint64_t msr = 0xa5a5a5a5a5a5a5a5ull;
		int ret = memtype_pat_layout(layouts[i].name, &msr);

		if (ret != 0 || msr != layouts[i].msr) {
			print_error("layout \"%s\" -> 0 and 0x%016llx, got %d and 0x%016llx\n",
				    layouts[i].name, (unsigned long long)layouts[i].msr, ret,
				    (unsigned long long)msr);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d named layout(s) wrong", bad);
}

static void test_pat_layout_unknown_name_is_enoent(void **state)
{
	static const char *const names[] = {
		"", "bogus", "linux-", "linux_errata", "xen2", "all", "all-uc ", " reset", "resetx",
	};
	int bad = 0;

	(void)state;
	for (unsigned i = 0; i < ARRAY_LEN(names); i++) {
		uint64_t msr = 0;
		int ret = memtype_pat_layout(names[i], &msr);

		if (ret != -ENOENT) {
			print_error("layout \"%s\" -> -ENOENT, got %d\n", names[i], ret);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d unknown layout name(s) accepted", bad);
}

/* Each of the six encodings in each entry decodes to its type; the others stay put. */
static void test_pat_decode_every_encoding_entry_n(void **state)
{
	static const memtype_type base[8] = { WB, WT, UCM, UC, WB, WT, UCM, UC };
	char label[64];
	int bad = 0;

	for (unsigned i = 0; i < 8; i++) {
		for (unsigned e = 0; e < ARRAY_LEN(pat_encodings); e++) {
			uint64_t msr = MEMTYPE_PAT_RESET & ~(0xffull << (8 * i));
			memtype_type want[8];

			msr |= (uint64_t)pat_encodings[e].enc << (8 * i);
			memcpy(want, base, sizeof(want));
			want[i] = pat_encodings[e].type;
			snprintf(label, sizeof(label), "PA%u = %u", i, pat_encodings[e].enc);
			bad += check_decode(*state, label, msr, want);
		}
	}
	if (bad)
		fail_msg("%d entry decode(s) wrong", bad);
}

/* Encode then decode: every PAT type in every entry survives both ways. */
static void test_pat_round_trip_every_type_entry_n(void **state)
{
	char label[64];
	int bad = 0;

	for (unsigned i = 0; i < 8; i++) {
		for (unsigned e = 0; e < ARRAY_LEN(pat_encodings); e++) {
			memtype_type types[8];
			uint64_t want = 0, msr = 0;

			/* A different type in each entry, so a swapped entry shows. */
			for (unsigned j = 0; j < 8; j++) {
				unsigned k = (i + j) % ARRAY_LEN(pat_encodings);

				types[j] = pat_encodings[k].type;
				want |= (uint64_t)pat_encodings[k].enc << (8 * j);
			}
			types[i] = pat_encodings[e].type;
			want &= ~(0xffull << (8 * i));
			want |= (uint64_t)pat_encodings[e].enc << (8 * i);
			snprintf(label, sizeof(label), "round trip PA%u = %s", i,
				 tn(pat_encodings[e].type));
			bad += check_encode(label, types, want);
			if (memtype_pat_encode(types, &msr) == 0)
				bad += check_decode(*state, label, msr, types);
		}
	}
	if (bad)
		fail_msg("%d round trip(s) wrong", bad);
}

/*
 * One decode that must #GP: -EINVAL, and the context's error says "gp" with
 * the same status.
 */
static int check_gp(memtype_ctx *ctx, unsigned entry, unsigned value)
{
	uint64_t msr = MEMTYPE_PAT_RESET & ~(0xffull << (8 * entry));
	const memtype_error *err;
	memtype_type out[8];
	int ret;

	msr |= (uint64_t)value << (8 * entry);
	memtype_ctx_clear_error(ctx);
	ret = memtype_pat_decode(ctx, msr, out);
	if (ret != -EINVAL) {
		print_error("PA%u = 0x%02x (0x%016llx) -> #GP (-EINVAL), got %d\n", entry, value,
			    (unsigned long long)msr, ret);
		return 1;
	}
	err = memtype_ctx_error(ctx);
	if (!err || !err->code || strcmp(err->code, "gp") != 0 || err->status != -EINVAL) {
		print_error("PA%u = 0x%02x: ctx error code \"%s\" status %d, want \"gp\" %d\n",
			    entry, value, err && err->code ? err->code : "(null)",
			    err ? err->status : 0, -EINVAL);
		return 1;
	}
	return 0;
}

/* SDM §11.12.2: encodings 2 and 3 are reserved; writing them to any entry is #GP. */
static void test_pat_gp_reserved_encoding_2_3_entry_n(void **state)
{
	int bad = 0;

	for (unsigned i = 0; i < 8; i++) {
		bad += check_gp(*state, i, 2);
		bad += check_gp(*state, i, 3);
	}
	if (bad)
		fail_msg("%d reserved encoding(s) accepted", bad);
}

/* SDM §11.12.2: bits 7:3 of every entry are reserved; any of them set is #GP. */
static void test_pat_gp_reserved_bits_entry_n(void **state)
{
	static const unsigned named[] = { 0x08, 0x0e, 0x10, 0x20, 0x40, 0x80, 0xf8, 0xff };
	int bad = 0;

	for (unsigned i = 0; i < 8; i++) {
		for (unsigned v = 0; v < ARRAY_LEN(named); v++)
			bad += check_gp(*state, i, named[v]);
		/* And every other byte with bits 7:3 non-zero. */
		for (unsigned v = 0x08; v <= 0xff; v++)
			bad += check_gp(*state, i, v);
	}
	if (bad)
		fail_msg("%d value(s) with reserved bits 7:3 set accepted", bad);
}

/* Exactly 0, 1, 4, 5, 6, 7 decode in each entry; all 256 byte values tried. */
static void test_pat_decode_accepts_only_table_11_10_encodings(void **state)
{
	int bad = 0;

	for (unsigned i = 0; i < 8; i++) {
		for (unsigned v = 0; v <= 0xff; v++) {
			uint64_t msr = MEMTYPE_PAT_RESET & ~(0xffull << (8 * i));
			bool valid = v <= 7 && v != 2 && v != 3;
			memtype_type out[8];
			int ret;

			msr |= (uint64_t)v << (8 * i);
			ret = memtype_pat_decode(*state, msr, out);
			if (valid ? ret == 0 : ret == -EINVAL)
				continue;
			print_error("PA%u = 0x%02x -> %s, got %d\n", i, v, valid ? "0" : "-EINVAL",
				    ret);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d entry value(s) misjudged", bad);
}

/* WC+, "undefined" and encodings 2/3 are no PAT types: encoding them is -EINVAL. */
static void test_pat_encode_rejects_non_pat_types(void **state)
{
	static const memtype_type bad_types[] = { WCP, UNDEF, (memtype_type)2, (memtype_type)3,
						  (memtype_type)8, (memtype_type)0xff };
	int bad = 0;

	(void)state;
	for (unsigned i = 0; i < 8; i++) {
		for (unsigned b = 0; b < ARRAY_LEN(bad_types); b++) {
			memtype_type types[8] = { WB, WT, UCM, UC, WB, WT, UCM, UC };
			uint64_t msr = 0;
			int ret;

			types[i] = bad_types[b];
			ret = memtype_pat_encode(types, &msr);
			if (ret == -EINVAL)
				continue;
			print_error("encode with PA%u = %s (0x%x) -> -EINVAL, got %d\n", i,
				    tn(bad_types[b]), (unsigned)bad_types[b], ret);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d non-PAT type(s) encoded", bad);
}

/* SDM §11.12.3, Table 11-11: PAT PCD PWT -> PAT entry 4*PAT + 2*PCD + PWT. */
static const struct {
	unsigned pat, pcd, pwt, entry;
} table_11_11[8] = {
	{ 0, 0, 0, 0 }, { 0, 0, 1, 1 }, { 0, 1, 0, 2 }, { 0, 1, 1, 3 },
	{ 1, 0, 0, 4 }, { 1, 0, 1, 5 }, { 1, 1, 0, 6 }, { 1, 1, 1, 7 },
};

#define PTE_PWT       (1ull << 3)
#define PTE_PCD       (1ull << 4)
#define PTE_PAT_4K    (1ull << 7)
#define PTE_PS        (1ull << 7)
#define PTE_PAT_LARGE (1ull << 12)

static int check_index(const char *what, uint64_t entry, memtype_page_level level,
		       unsigned row)
{
	unsigned got = memtype_pat_index(entry, level);

	if (got == table_11_11[row].entry)
		return 0;
	print_error("Table 11-11 %s PAT=%u PCD=%u PWT=%u (entry 0x%016llx) -> PA%u, got %u\n",
		    what, table_11_11[row].pat, table_11_11[row].pcd, table_11_11[row].pwt,
		    (unsigned long long)entry, table_11_11[row].entry, got);
	return 1;
}

/* A 4-KByte PTE: PWT bit 3, PCD bit 4, PAT bit 7; no other bit counts (bit 12 is address). */
static void test_pat_index_4k_pte_table_11_11(void **state)
{
	static const uint64_t noise[] = { 0, 0x1, 0x1000, ~(PTE_PWT | PTE_PCD | PTE_PAT_4K) };
	int bad = 0;

	(void)state;
	for (unsigned r = 0; r < 8; r++) {
		uint64_t e = (table_11_11[r].pwt ? PTE_PWT : 0) |
			     (table_11_11[r].pcd ? PTE_PCD : 0) |
			     (table_11_11[r].pat ? PTE_PAT_4K : 0);

		for (unsigned n = 0; n < ARRAY_LEN(noise); n++)
			bad += check_index("4K PTE", e | noise[n], MEMTYPE_PAGE_4K, r);
	}
	if (bad)
		fail_msg("%d 4K PTE index(es) wrong", bad);
}

/*
 * A 2M/4M PDE or 1G PDPTE: PAT is bit 12; bit 7 is PS (always 1 in such an
 * entry) and must not count as PAT.
 */
static void test_pat_index_large_page_bit_12_not_ps(void **state)
{
	static const uint64_t noise[] = { 0, PTE_PS, PTE_PS | 0x1, PTE_PS | 0x40000000ull,
					  ~(PTE_PWT | PTE_PCD | PTE_PAT_LARGE) };
	int bad = 0;

	(void)state;
	for (unsigned r = 0; r < 8; r++) {
		uint64_t e = (table_11_11[r].pwt ? PTE_PWT : 0) |
			     (table_11_11[r].pcd ? PTE_PCD : 0) |
			     (table_11_11[r].pat ? PTE_PAT_LARGE : 0);

		for (unsigned n = 0; n < ARRAY_LEN(noise); n++)
			bad += check_index("large page", e | noise[n], MEMTYPE_PAGE_LARGE, r);
	}
	if (bad)
		fail_msg("%d large-page index(es) wrong", bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pat_reset_value_table_11_12),
		cmocka_unit_test(test_pat_layout_constants),
		cmocka_unit_test(test_pat_decode_encode_named_layouts),
		cmocka_unit_test(test_pat_layout_by_name),
		cmocka_unit_test(test_pat_layout_unknown_name_is_enoent),
		cmocka_unit_test(test_pat_decode_every_encoding_entry_n),
		cmocka_unit_test(test_pat_round_trip_every_type_entry_n),
		cmocka_unit_test(test_pat_gp_reserved_encoding_2_3_entry_n),
		cmocka_unit_test(test_pat_gp_reserved_bits_entry_n),
		cmocka_unit_test(test_pat_decode_accepts_only_table_11_10_encodings),
		cmocka_unit_test(test_pat_encode_rejects_non_pat_types),
		cmocka_unit_test(test_pat_index_4k_pte_table_11_11),
		cmocka_unit_test(test_pat_index_large_page_bit_12_not_ps),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
