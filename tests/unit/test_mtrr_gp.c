/*
 * test_mtrr_gp.c - which MTRR writes raise #GP (Intel SDM Vol. 3A §11.11).
 *
 * The model keeps raw MSR values and refuses, with the #GP the hardware would
 * raise, every WRMSR the SDM forbids; it never fixes a value up. memtype.h
 * maps #GP to -EINVAL with ctx error code "gp" and a message naming the MSR,
 * and promises that a refused write leaves the state unchanged. The rules,
 * one named test each (hardware-hypervisor.md §1.6):
 *  - IA32_MTRRCAP (0xFE) is read-only: any WRMSR faults (§11.11.1).
 *  - IA32_MTRR_DEF_TYPE (0x2FF): Type (7:0) must be UC, WC, WT, WP or WB;
 *    bits 9:8 and 63:12 are reserved (§11.11.2.1, Figure 11-6).
 *  - Fixed-range MSRs (0x250, 0x258, 0x259, 0x268-0x26F): every byte is a
 *    type field and must be 0, 1, 4, 5 or 6 (§11.11.2.2, Table 11-8); they
 *    exist only when MTRRcap.FIX (bit 8) is set (§11.11.1).
 *  - IA32_MTRR_PHYSBASEn: valid type, bits 11:8 reserved, bits at and above
 *    MAXPHYADDR reserved; IA32_MTRR_PHYSMASKn: bits 10:0 reserved, bits at
 *    and above MAXPHYADDR reserved (§11.11.2.3, Figure 11-7).
 *  - Pairs n >= MTRRcap.VCNT do not exist (§11.11.1): WRMSR/RDMSR fault.
 *  - An unassigned index of the MTRR block 0x200-0x2FF (e.g. 0x251, 0x2FE)
 *    is no MSR at all: #GP (SDM Vol. 4 Table 2-2).
 * IA32_PAT and indexes outside the block are not MTRRs: -ENOENT, code
 * "not-mtrr" (memtype.h). memtype_mtrr_new's argument checks (MAXPHYADDR
 * 32..52, MTRRcap reserved bits 63:16, VCNT <= 40) and the reset state of
 * §11.11.5 are checked too.
 *
 * Every refused write is followed by RDMSR of the same register, which must
 * still return what it held before (primed with a valid non-zero value).
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

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(n) (1ull << (n))

#define CAP_KVM 0x508ull	 /* VCNT 8, FIX, WC */
#define CAP_NOFIX 0x408ull	 /* VCNT 8, WC, no fixed ranges */
#define CAP_ACRN 0x100ull	 /* VCNT 0, FIX */
#define CAP_VCNT40 0x528ull	 /* VCNT 40, FIX, WC */

static const uint32_t fixed_msrs[] = {
	0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f,
};

static const char *const fixed_names[] = {
	"IA32_MTRR_FIX64K_00000", "IA32_MTRR_FIX16K_80000", "IA32_MTRR_FIX16K_A0000",
	"IA32_MTRR_FIX4K_C0000",  "IA32_MTRR_FIX4K_C8000",  "IA32_MTRR_FIX4K_D0000",
	"IA32_MTRR_FIX4K_D8000",  "IA32_MTRR_FIX4K_E0000",  "IA32_MTRR_FIX4K_E8000",
	"IA32_MTRR_FIX4K_F0000",  "IA32_MTRR_FIX4K_F8000",
};

/* The five legal MTRR type encodings (SDM Table 11-8). */
static const uint8_t valid_types[] = { 0, 1, 4, 5, 6 };

/* Illegal type bytes: the reserved 2, 3, PAT's UC- 7, AMD RdMem/WrMem bits
 * 4:3 (0x18, 0x1e = WB|RdMem|WrMem), and high bits. */
static const uint8_t invalid_types[] = { 2, 3, 7, 8, 0x10, 0x18, 0x1e, 0x40, 0x80, 0xff };

/* ---------------------------------------------------------------------------
 * Helpers.
 */

struct state {
	memtype_ctx *ctx;
	memtype_mtrr *m;
};

static void open_state(struct state *s, unsigned phys_bits, uint64_t cap)
{
	s->ctx = memtype_ctx_new(NULL, NULL);
	assert_non_null(s->ctx);
	s->m = memtype_mtrr_new(s->ctx, phys_bits, cap);
	if (!s->m)
		fail_msg("memtype_mtrr_new(%u, 0x%llx) failed: %s", phys_bits,
			 (unsigned long long)cap, memtype_ctx_error(s->ctx)->message);
}

static void close_state(struct state *s)
{
	memtype_mtrr_free(s->m);
	memtype_ctx_free(s->ctx);
}

/* True when msg names the MSR: its architectural name, or "0x<index>" as a
 * whole hex token. */
static bool names_msr(const char *msg, uint32_t index, const char *name)
{
	char idx[16];
	const char *p;

	if (name && strstr(msg, name))
		return true;
	snprintf(idx, sizeof(idx), "0x%x", index);
	for (p = strstr(msg, idx); p; p = strstr(p + 1, idx)) {
		char next = p[strlen(idx)];
		bool hex = (next >= '0' && next <= '9') || (next >= 'a' && next <= 'f') ||
			   (next >= 'A' && next <= 'F');
		if (!hex)
			return true;
	}
	return false;
}

/*
 * WRMSR index <- value must raise #GP: -EINVAL, ctx code "gp" naming the MSR,
 * and RDMSR afterwards returns exactly what it returned before.
 */
static void expect_gp(struct state *s, const char *row, uint32_t index, uint64_t value,
		      const char *name)
{
	uint64_t before = 0xdeadbeefull, after = 0xdeadbeefull;
	int rb, ra, rc;
	const memtype_error *e;

	rb = memtype_mtrr_rdmsr(s->m, index, &before);
	memtype_ctx_clear_error(s->ctx);
	rc = memtype_mtrr_wrmsr(s->m, index, value);
	if (rc != -EINVAL)
		fail_msg("%s: WRMSR 0x%x <- 0x%llx returned %d, expected -EINVAL (#GP)", row,
			 index, (unsigned long long)value, rc);
	e = memtype_ctx_error(s->ctx);
	assert_int_equal(e->status, -EINVAL);
	if (strcmp(e->code, "gp") != 0)
		fail_msg("%s: ctx error code '%s', expected 'gp'", row, e->code);
	if (!names_msr(e->message, index, name))
		fail_msg("%s: message '%s' does not name %s (0x%x)", row, e->message,
			 name ? name : "the MSR", index);
	ra = memtype_mtrr_rdmsr(s->m, index, &after);
	if (ra != rb || (rb == 0 && after != before))
		fail_msg("%s: after the refused write RDMSR 0x%x gives %d/0x%llx, before %d/0x%llx",
			 row, index, ra, (unsigned long long)after, rb,
			 (unsigned long long)before);
}

/* WRMSR index <- value is accepted and reads back unchanged. */
static void expect_ok(struct state *s, const char *row, uint32_t index, uint64_t value)
{
	uint64_t got = 0;
	int rc = memtype_mtrr_wrmsr(s->m, index, value);

	if (rc != 0)
		fail_msg("%s: WRMSR 0x%x <- 0x%llx returned %d (%s), expected 0", row, index,
			 (unsigned long long)value, rc, memtype_ctx_error(s->ctx)->message);
	assert_int_equal(memtype_mtrr_rdmsr(s->m, index, &got), 0);
	if (got != value)
		fail_msg("%s: RDMSR 0x%x gives 0x%llx after writing 0x%llx", row, index,
			 (unsigned long long)got, (unsigned long long)value);
}

/* A valid non-zero value for the register, written first so that "still
 * reads its previous value" is not trivially the reset 0. */
static void prime(struct state *s, uint32_t index)
{
	uint64_t v;

	if (index == MEMTYPE_MSR_MTRR_DEF_TYPE)
		v = 0xc06;
	else if (index >= 0x250 && index <= 0x26f)
		v = 0x0605040100060504ull;
	else if (index >= 0x200 && index < 0x250 && !(index & 1))
		v = 0x80000006ull;
	else if (index >= 0x200 && index < 0x250)
		v = 0xc0000800ull;
	else
		return;
	/* The register may not exist on this CPU; then RDMSR faults before and
	 * after alike. */
	(void)memtype_mtrr_wrmsr(s->m, index, v);
}

/* One #GP case: a CPU (MAXPHYADDR, MTRRcap) and a write. */
struct gp_case {
	unsigned phys_bits;
	uint64_t cap;
	uint32_t index;
	uint64_t value;
	const char *msr_name;
};

static void run_gp_case(void **state)
{
	const struct gp_case *c = *state;
	struct state s;
	char row[96];

	snprintf(row, sizeof(row), "phys_bits %u, MTRRcap 0x%llx, WRMSR 0x%x <- 0x%llx",
		 c->phys_bits, (unsigned long long)c->cap, c->index,
		 (unsigned long long)c->value);
	open_state(&s, c->phys_bits, c->cap);
	prime(&s, c->index);
	expect_gp(&s, row, c->index, c->value, c->msr_name);
	close_state(&s);
}

/* A named test that runs run_gp_case on one row. */
#define GP_TEST(test_name, phys, capv, idx, val, name)                                  \
	{ #test_name, run_gp_case, NULL, NULL,                                           \
	  &(struct gp_case){ .phys_bits = (phys), .cap = (capv), .index = (idx),           \
			     .value = (val), .msr_name = (name) } }

/* ---------------------------------------------------------------------------
 * IA32_MTRRCAP (SDM §11.11.1): read-only.
 */

static void test_gp_mtrrcap_is_read_only(void **state)
{
	static const uint64_t values[] = { CAP_KVM, 0, 0x50a, 0xff, BIT(63) };
	struct state s;
	uint64_t v;
	char row[64];

	(void)state;
	open_state(&s, 36, CAP_KVM);
	for (size_t i = 0; i < ARRAY_LEN(values); i++) {
		snprintf(row, sizeof(row), "WRMSR MTRRcap <- 0x%llx",
			 (unsigned long long)values[i]);
		expect_gp(&s, row, MEMTYPE_MSR_MTRRCAP, values[i], "IA32_MTRRCAP");
		assert_int_equal(memtype_mtrr_rdmsr(s.m, MEMTYPE_MSR_MTRRCAP, &v), 0);
		assert_int_equal(v, CAP_KVM);
		assert_int_equal(memtype_mtrr_vcnt(s.m), 8);
	}
	close_state(&s);
}

/* ---------------------------------------------------------------------------
 * IA32_MTRR_DEF_TYPE (SDM §11.11.2.1): valid values are accepted.
 */

static void test_def_type_accepts_valid_values(void **state)
{
	struct state s;
	char row[64];

	(void)state;
	open_state(&s, 36, CAP_KVM);
	expect_ok(&s, "E|FE|WB 0xc06", MEMTYPE_MSR_MTRR_DEF_TYPE, 0xc06);
	expect_ok(&s, "E|WB 0x806", MEMTYPE_MSR_MTRR_DEF_TYPE, 0x806);
	expect_ok(&s, "all zero", MEMTYPE_MSR_MTRR_DEF_TYPE, 0);
	for (size_t i = 0; i < ARRAY_LEN(valid_types); i++) {
		static const uint64_t flags[] = { 0x000, 0x400, 0x800, 0xc00 };
		for (size_t f = 0; f < ARRAY_LEN(flags); f++) {
			uint64_t v = flags[f] | valid_types[i];
			snprintf(row, sizeof(row), "DEF_TYPE 0x%llx", (unsigned long long)v);
			expect_ok(&s, row, MEMTYPE_MSR_MTRR_DEF_TYPE, v);
		}
	}
	close_state(&s);
}

/* ---------------------------------------------------------------------------
 * Fixed-range MSRs (SDM §11.11.2.2, Table 11-8).
 */

/* Every position 0..7 of one fixed MSR, with every invalid byte: #GP. */
static void run_fixed_invalid_bytes(void **state)
{
	const size_t k = (size_t)(uintptr_t)*state;
	struct state s;
	char row[96];

	open_state(&s, 36, CAP_KVM);
	prime(&s, fixed_msrs[k]);
	for (unsigned pos = 0; pos < 8; pos++) {
		for (size_t b = 0; b < ARRAY_LEN(invalid_types); b++) {
			uint64_t v = 0x0605040100060504ull;
			v &= ~(0xffull << (8 * pos));
			v |= (uint64_t)invalid_types[b] << (8 * pos);
			snprintf(row, sizeof(row), "%s byte %u = 0x%02x", fixed_names[k], pos,
				 invalid_types[b]);
			expect_gp(&s, row, fixed_msrs[k], v, fixed_names[k]);
		}
	}
	close_state(&s);
}

#define FIXED_TEST(test_name, k) \
	{ #test_name, run_fixed_invalid_bytes, NULL, NULL, (void *)(uintptr_t)(k) }

static void test_fixed_msrs_accept_valid_bytes(void **state)
{
	struct state s;
	char row[96];

	(void)state;
	open_state(&s, 36, CAP_KVM);
	for (size_t k = 0; k < ARRAY_LEN(fixed_msrs); k++) {
		/* Every byte the same valid type, for each type. */
		for (size_t t = 0; t < ARRAY_LEN(valid_types); t++) {
			uint64_t v = 0x0101010101010101ull * valid_types[t];
			snprintf(row, sizeof(row), "%s all 0x%02x", fixed_names[k],
				 valid_types[t]);
			expect_ok(&s, row, fixed_msrs[k], v);
		}
		/* Each valid type in each position, the others WB. */
		for (unsigned pos = 0; pos < 8; pos++) {
			for (size_t t = 0; t < ARRAY_LEN(valid_types); t++) {
				uint64_t v = 0x0606060606060606ull;
				v &= ~(0xffull << (8 * pos));
				v |= (uint64_t)valid_types[t] << (8 * pos);
				snprintf(row, sizeof(row), "%s byte %u = 0x%02x", fixed_names[k],
					 pos, valid_types[t]);
				expect_ok(&s, row, fixed_msrs[k], v);
			}
		}
	}
	close_state(&s);
}

/* Without MTRRcap.FIX the fixed-range MSRs do not exist (SDM §11.11.1). */
static void test_gp_fixed_msrs_absent_without_mtrrcap_fix(void **state)
{
	struct state s;
	uint64_t v;

	(void)state;
	open_state(&s, 36, CAP_NOFIX);
	for (size_t k = 0; k < ARRAY_LEN(fixed_msrs); k++) {
		expect_gp(&s, fixed_names[k], fixed_msrs[k], 0x0606060606060606ull,
			  fixed_names[k]);
		expect_gp(&s, fixed_names[k], fixed_msrs[k], 0, fixed_names[k]);
		assert_int_equal(memtype_mtrr_rdmsr(s.m, fixed_msrs[k], &v), -EINVAL);
	}
	/* The variable pairs and DEF_TYPE are still there. */
	expect_ok(&s, "DEF_TYPE", MEMTYPE_MSR_MTRR_DEF_TYPE, 0xc06);
	expect_ok(&s, "PHYSBASE0", 0x200, 0x6);
	close_state(&s);
}

/* ---------------------------------------------------------------------------
 * Variable-range pairs (SDM §11.11.2.3, Figure 11-7): accepted values.
 */

static void test_physbase_physmask_accept_every_bit_below_maxphyaddr(void **state)
{
	static const unsigned phys[] = { 32, 36, 39, 46, 52 };
	struct state s;
	char row[96];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(phys); i++) {
		uint64_t addr = (BIT(phys[i]) - 1) & ~0xfffull;
		open_state(&s, phys[i], CAP_KVM);
		for (size_t t = 0; t < ARRAY_LEN(valid_types); t++) {
			snprintf(row, sizeof(row), "phys_bits %u PHYSBASE3 type %u", phys[i],
				 valid_types[t]);
			expect_ok(&s, row, 0x206, addr | valid_types[t]);
		}
		snprintf(row, sizeof(row), "phys_bits %u PHYSMASK3 all mask bits + V", phys[i]);
		expect_ok(&s, row, 0x207, addr | 0x800);
		snprintf(row, sizeof(row), "phys_bits %u PHYSMASK3 all mask bits, V clear",
			 phys[i]);
		expect_ok(&s, row, 0x207, addr);
		snprintf(row, sizeof(row), "phys_bits %u PHYSMASK3 V only", phys[i]);
		expect_ok(&s, row, 0x207, 0x800);
		snprintf(row, sizeof(row), "phys_bits %u PHYSBASE0 bit %u", phys[i], phys[i] - 1);
		expect_ok(&s, row, 0x200, BIT(phys[i] - 1) | 6);
		close_state(&s);
	}
}

/* A CPU with VCNT 40 (the most the MSR map allows) has pair 39 at 0x24E/0x24F. */
static void test_pair_39_present_with_vcnt_40(void **state)
{
	struct state s;

	(void)state;
	open_state(&s, 46, CAP_VCNT40);
	assert_int_equal(memtype_mtrr_vcnt(s.m), 40);
	expect_ok(&s, "PHYSBASE39", 0x24e, 0x100000006ull);
	expect_ok(&s, "PHYSMASK39", 0x24f, 0x3ff00000800ull);
	close_state(&s);
}

/* Pairs n >= VCNT do not exist (SDM §11.11.1): RDMSR faults as WRMSR does. */
static void test_rdmsr_absent_pair_is_gp(void **state)
{
	struct state s;
	uint64_t v;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	assert_int_equal(memtype_mtrr_rdmsr(s.m, 0x20e, &v), 0);
	assert_int_equal(memtype_mtrr_rdmsr(s.m, 0x20f, &v), 0);
	assert_int_equal(memtype_mtrr_rdmsr(s.m, 0x210, &v), -EINVAL);
	assert_int_equal(memtype_mtrr_rdmsr(s.m, 0x211, &v), -EINVAL);
	assert_int_equal(memtype_mtrr_rdmsr(s.m, 0x24f, &v), -EINVAL);
	close_state(&s);

	open_state(&s, 36, CAP_ACRN);
	assert_int_equal(memtype_mtrr_rdmsr(s.m, 0x200, &v), -EINVAL);
	assert_int_equal(memtype_mtrr_rdmsr(s.m, 0x201, &v), -EINVAL);
	assert_int_equal(memtype_mtrr_rdmsr(s.m, 0x250, &v), 0);
	close_state(&s);
}

/* ---------------------------------------------------------------------------
 * Not an MTRR at all: -ENOENT, and nothing changes.
 */

static void test_wrmsr_not_an_mtrr_is_enoent(void **state)
{
	static const struct {
		const char *name;
		uint32_t index;
	} rows[] = {
		{ "IA32_PAT 0x277 (in the block, not an MTRR)", 0x277 },
		{ "0x1ff, below the block", 0x1ff },
		{ "0x300, above the block", 0x300 },
		{ "MSR 0", 0x0 },
		{ "SMRR_PHYSBASE 0x1f2", 0x1f2 },
		{ "MSR 0xffffffff", 0xffffffffu },
	};
	struct state s;
	uint64_t v;

	(void)state;
	open_state(&s, 36, CAP_KVM);
	expect_ok(&s, "DEF_TYPE", MEMTYPE_MSR_MTRR_DEF_TYPE, 0xc06);
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		memtype_ctx_clear_error(s.ctx);
		int rc = memtype_mtrr_wrmsr(s.m, rows[i].index, 0x6);
		if (rc != -ENOENT)
			fail_msg("%s: WRMSR returned %d, expected -ENOENT", rows[i].name, rc);
		assert_int_equal(memtype_ctx_error(s.ctx)->status, -ENOENT);
		assert_string_equal(memtype_ctx_error(s.ctx)->code, "not-mtrr");
		memtype_ctx_clear_error(s.ctx);
		rc = memtype_mtrr_rdmsr(s.m, rows[i].index, &v);
		if (rc != -ENOENT)
			fail_msg("%s: RDMSR returned %d, expected -ENOENT", rows[i].name, rc);
		assert_string_equal(memtype_ctx_error(s.ctx)->code, "not-mtrr");
	}
	assert_int_equal(memtype_mtrr_rdmsr(s.m, MEMTYPE_MSR_MTRR_DEF_TYPE, &v), 0);
	assert_int_equal(v, 0xc06);
	close_state(&s);
}

/* An unassigned index of the MTRR block 0x200-0x2FF (SDM Vol. 4 Table 2-2)
 * is an MSR no CPU has: RDMSR and WRMSR raise #GP. */
static void test_gp_unassigned_index_in_mtrr_block(void **state)
{
	static const uint32_t unassigned[] = { 0x251, 0x257, 0x25a, 0x260, 0x267, 0x270,
					       0x276, 0x278, 0x280, 0x2fe };
	struct state s;
	char row[64];
	uint64_t v;

	(void)state;
	open_state(&s, 36, CAP_VCNT40);
	for (size_t i = 0; i < ARRAY_LEN(unassigned); i++) {
		snprintf(row, sizeof(row), "unassigned MSR 0x%x", unassigned[i]);
		expect_gp(&s, row, unassigned[i], 0x6, NULL);
		assert_int_equal(memtype_mtrr_rdmsr(s.m, unassigned[i], &v), -EINVAL);
	}
	close_state(&s);
}

/* ---------------------------------------------------------------------------
 * memtype_mtrr_new: arguments and the reset state.
 */

static void expect_new_fails(unsigned phys_bits, uint64_t cap, int status)
{
	memtype_ctx *ctx = memtype_ctx_new(NULL, NULL);
	memtype_mtrr *m;

	assert_non_null(ctx);
	m = memtype_mtrr_new(ctx, phys_bits, cap);
	if (m)
		fail_msg("memtype_mtrr_new(%u, 0x%llx) succeeded, expected failure %d", phys_bits,
			 (unsigned long long)cap, status);
	assert_int_equal(memtype_ctx_error(ctx)->status, status);
	assert_true(memtype_ctx_error(ctx)->code[0] != '\0');
	assert_true(memtype_ctx_error(ctx)->message[0] != '\0');
	memtype_ctx_free(ctx);
}

/* MAXPHYADDR is 32..52 (memtype.h; SDM Vol. 3A §4.1.4). */
static void test_mtrr_new_phys_bits_31_fails(void **state)
{
	(void)state;
	expect_new_fails(31, CAP_KVM, -EINVAL);
	expect_new_fails(0, CAP_KVM, -EINVAL);
}

static void test_mtrr_new_phys_bits_53_fails(void **state)
{
	(void)state;
	expect_new_fails(53, CAP_KVM, -EINVAL);
	expect_new_fails(64, CAP_KVM, -EINVAL);
}

static void test_mtrr_new_phys_bits_32_and_52_accepted(void **state)
{
	struct state s;

	(void)state;
	open_state(&s, 32, CAP_KVM);
	assert_int_equal(memtype_mtrr_phys_bits(s.m), 32);
	close_state(&s);
	open_state(&s, 52, CAP_KVM);
	assert_int_equal(memtype_mtrr_phys_bits(s.m), 52);
	close_state(&s);
}

/* MTRRcap bits 63:16 are reserved (SDM §11.11.1). */
static void test_mtrr_new_mtrrcap_reserved_bits_fail(void **state)
{
	static const unsigned bits[] = { 16, 17, 31, 32, 63 };

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bits); i++)
		expect_new_fails(36, CAP_KVM | BIT(bits[i]), -EINVAL);
}

/* VCNT > 40 would put pairs on the fixed-range MSRs at 0x250 (SDM Vol. 4
 * Table 2-2): outside the model, -ENOTSUP. */
static void test_mtrr_new_vcnt_above_40_is_enotsup(void **state)
{
	struct state s;

	(void)state;
	expect_new_fails(36, 0x500 | 41, -ENOTSUP);
	expect_new_fails(36, 0x5ff, -ENOTSUP);
	open_state(&s, 36, 0x500 | MEMTYPE_MAX_VCNT);
	assert_int_equal(memtype_mtrr_vcnt(s.m), MEMTYPE_MAX_VCNT);
	close_state(&s);
}

/* Reset (SDM §11.11.5): E = 0 and every V = 0; the model zeroes the rest. */
static void test_mtrr_new_reset_state(void **state)
{
	struct state s;
	uint64_t v;

	(void)state;
	open_state(&s, 36, 0xd0a); /* VCNT 10, FIX, WC, SMRR */
	assert_int_equal(memtype_mtrr_vcnt(s.m), 10);
	assert_int_equal(memtype_mtrr_rdmsr(s.m, MEMTYPE_MSR_MTRRCAP, &v), 0);
	assert_int_equal(v, 0xd0a);
	assert_int_equal(memtype_mtrr_rdmsr(s.m, MEMTYPE_MSR_MTRR_DEF_TYPE, &v), 0);
	assert_int_equal(v, 0);
	for (uint32_t i = 0x200; i < 0x200 + 2 * 10; i++) {
		assert_int_equal(memtype_mtrr_rdmsr(s.m, i, &v), 0);
		assert_int_equal(v, 0);
	}
	for (size_t k = 0; k < ARRAY_LEN(fixed_msrs); k++) {
		assert_int_equal(memtype_mtrr_rdmsr(s.m, fixed_msrs[k], &v), 0);
		assert_int_equal(v, 0);
	}
	close_state(&s);
}

/* PHYSMASK reserved bits 10:0, one at a time (SDM §11.11.2.3). */
static void test_gp_physmask_reserved_bits_10_0(void **state)
{
	struct state s;
	char row[64];

	(void)state;
	open_state(&s, 36, CAP_KVM);
	prime(&s, 0x201);
	for (unsigned b = 0; b <= 10; b++) {
		snprintf(row, sizeof(row), "PHYSMASK0 reserved bit %u", b);
		expect_gp(&s, row, 0x201, 0xf00000800ull | BIT(b), "IA32_MTRR_PHYSMASK0");
		expect_gp(&s, row, 0x201, 0xf00000000ull | BIT(b), "IA32_MTRR_PHYSMASK0");
	}
	close_state(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* §11.11.1 */
		cmocka_unit_test(test_gp_mtrrcap_is_read_only),

		/* §11.11.2.1: DEF_TYPE.Type must be a valid MTRR type. */
		GP_TEST(test_gp_def_type_type_2, 36, CAP_KVM, 0x2ff, 0xc02, "IA32_MTRR_DEF_TYPE"),
		GP_TEST(test_gp_def_type_type_3, 36, CAP_KVM, 0x2ff, 0xc03, "IA32_MTRR_DEF_TYPE"),
		GP_TEST(test_gp_def_type_type_7, 36, CAP_KVM, 0x2ff, 0xc07, "IA32_MTRR_DEF_TYPE"),
		GP_TEST(test_gp_def_type_type_8, 36, CAP_KVM, 0x2ff, 0xc08, "IA32_MTRR_DEF_TYPE"),
		GP_TEST(test_gp_def_type_type_0xff, 36, CAP_KVM, 0x2ff, 0xcff,
			"IA32_MTRR_DEF_TYPE"),
		GP_TEST(test_gp_def_type_type_2_with_e_clear, 36, CAP_KVM, 0x2ff, 0x002,
			"IA32_MTRR_DEF_TYPE"),
		/* §11.11.2.1: bits 9:8 and 63:12 are reserved. */
		GP_TEST(test_gp_def_type_reserved_bit_8, 36, CAP_KVM, 0x2ff, 0xc06 | BIT(8),
			"IA32_MTRR_DEF_TYPE"),
		GP_TEST(test_gp_def_type_reserved_bit_9, 36, CAP_KVM, 0x2ff, 0xc06 | BIT(9),
			"IA32_MTRR_DEF_TYPE"),
		GP_TEST(test_gp_def_type_reserved_bit_12, 36, CAP_KVM, 0x2ff, 0xc06 | BIT(12),
			"IA32_MTRR_DEF_TYPE"),
		GP_TEST(test_gp_def_type_reserved_bit_13, 36, CAP_KVM, 0x2ff, 0xc06 | BIT(13),
			"IA32_MTRR_DEF_TYPE"),
		GP_TEST(test_gp_def_type_reserved_bit_32, 36, CAP_KVM, 0x2ff, 0xc06 | BIT(32),
			"IA32_MTRR_DEF_TYPE"),
		GP_TEST(test_gp_def_type_reserved_bit_63, 36, CAP_KVM, 0x2ff, 0xc06 | BIT(63),
			"IA32_MTRR_DEF_TYPE"),
		cmocka_unit_test(test_def_type_accepts_valid_values),

		/* §11.11.2.2, Table 11-8: each fixed MSR, each byte position. */
		FIXED_TEST(test_gp_fix64k_00000_invalid_byte, 0),
		FIXED_TEST(test_gp_fix16k_80000_invalid_byte, 1),
		FIXED_TEST(test_gp_fix16k_a0000_invalid_byte, 2),
		FIXED_TEST(test_gp_fix4k_c0000_invalid_byte, 3),
		FIXED_TEST(test_gp_fix4k_c8000_invalid_byte, 4),
		FIXED_TEST(test_gp_fix4k_d0000_invalid_byte, 5),
		FIXED_TEST(test_gp_fix4k_d8000_invalid_byte, 6),
		FIXED_TEST(test_gp_fix4k_e0000_invalid_byte, 7),
		FIXED_TEST(test_gp_fix4k_e8000_invalid_byte, 8),
		FIXED_TEST(test_gp_fix4k_f0000_invalid_byte, 9),
		FIXED_TEST(test_gp_fix4k_f8000_invalid_byte, 10),
		cmocka_unit_test(test_fixed_msrs_accept_valid_bytes),
		/* §11.11.1: no fixed-range MSRs without MTRRcap.FIX. */
		cmocka_unit_test(test_gp_fixed_msrs_absent_without_mtrrcap_fix),

		/* §11.11.2.3: PHYSBASEn bits 11:8 reserved. */
		GP_TEST(test_gp_physbase_reserved_bit_8, 36, CAP_KVM, 0x200, 0x80000006 | BIT(8),
			"IA32_MTRR_PHYSBASE0"),
		GP_TEST(test_gp_physbase_reserved_bit_9, 36, CAP_KVM, 0x200, 0x80000006 | BIT(9),
			"IA32_MTRR_PHYSBASE0"),
		GP_TEST(test_gp_physbase_reserved_bit_10, 36, CAP_KVM, 0x200,
			0x80000006 | BIT(10), "IA32_MTRR_PHYSBASE0"),
		GP_TEST(test_gp_physbase_reserved_bit_11, 36, CAP_KVM, 0x200,
			0x80000006 | BIT(11), "IA32_MTRR_PHYSBASE0"),
		GP_TEST(test_gp_physbase7_reserved_bit_11, 36, CAP_KVM, 0x20e,
			0x80000006 | BIT(11), "IA32_MTRR_PHYSBASE7"),
		/* §11.11.2.3: PHYSBASEn.Type must be a valid MTRR type. */
		GP_TEST(test_gp_physbase_type_2, 36, CAP_KVM, 0x200, 0x80000002,
			"IA32_MTRR_PHYSBASE0"),
		GP_TEST(test_gp_physbase_type_3, 36, CAP_KVM, 0x200, 0x80000003,
			"IA32_MTRR_PHYSBASE0"),
		GP_TEST(test_gp_physbase_type_7, 36, CAP_KVM, 0x200, 0x80000007,
			"IA32_MTRR_PHYSBASE0"),
		GP_TEST(test_gp_physbase_type_8, 36, CAP_KVM, 0x200, 0x80000008,
			"IA32_MTRR_PHYSBASE0"),
		GP_TEST(test_gp_physbase_type_0xff, 36, CAP_KVM, 0x200, 0x800000ff,
			"IA32_MTRR_PHYSBASE0"),
		/* §11.11.2.3: PHYSBASEn bits at and above MAXPHYADDR reserved. */
		GP_TEST(test_gp_physbase_bit_maxphyaddr_36, 36, CAP_KVM, 0x200, BIT(36) | 6,
			"IA32_MTRR_PHYSBASE0"),
		GP_TEST(test_gp_physbase_bit_maxphyaddr_39, 39, CAP_KVM, 0x200, BIT(39) | 6,
			"IA32_MTRR_PHYSBASE0"),
		GP_TEST(test_gp_physbase_bit_maxphyaddr_46, 46, CAP_KVM, 0x202, BIT(46) | 6,
			"IA32_MTRR_PHYSBASE1"),
		GP_TEST(test_gp_physbase_bit_maxphyaddr_52, 52, CAP_KVM, 0x200, BIT(52) | 6,
			"IA32_MTRR_PHYSBASE0"),
		GP_TEST(test_gp_physbase_bit_maxphyaddr_32, 32, CAP_KVM, 0x200, BIT(32) | 6,
			"IA32_MTRR_PHYSBASE0"),
		GP_TEST(test_gp_physbase_bit_63, 52, CAP_KVM, 0x200, BIT(63) | 6,
			"IA32_MTRR_PHYSBASE0"),
		/* §11.11.2.3: PHYSMASKn bits 10:0 reserved. */
		GP_TEST(test_gp_physmask_reserved_bit_0, 36, CAP_KVM, 0x201, 0xf00000801,
			"IA32_MTRR_PHYSMASK0"),
		GP_TEST(test_gp_physmask_reserved_bit_10, 36, CAP_KVM, 0x201, 0xf00000c00,
			"IA32_MTRR_PHYSMASK0"),
		cmocka_unit_test(test_gp_physmask_reserved_bits_10_0),
		/* §11.11.2.3: PHYSMASKn bits at and above MAXPHYADDR reserved. */
		GP_TEST(test_gp_physmask_bit_maxphyaddr_36, 36, CAP_KVM, 0x201,
			BIT(36) | 0xf00000800, "IA32_MTRR_PHYSMASK0"),
		GP_TEST(test_gp_physmask_bit_maxphyaddr_39, 39, CAP_KVM, 0x201,
			BIT(39) | 0x7f00000800, "IA32_MTRR_PHYSMASK0"),
		GP_TEST(test_gp_physmask_bit_maxphyaddr_46, 46, CAP_KVM, 0x203,
			BIT(46) | 0x800, "IA32_MTRR_PHYSMASK1"),
		GP_TEST(test_gp_physmask_bit_maxphyaddr_52, 52, CAP_KVM, 0x201,
			BIT(52) | 0xfffff00000800, "IA32_MTRR_PHYSMASK0"),
		GP_TEST(test_gp_physmask_bit_63, 52, CAP_KVM, 0x201, BIT(63) | 0x800,
			"IA32_MTRR_PHYSMASK0"),
		cmocka_unit_test(test_physbase_physmask_accept_every_bit_below_maxphyaddr),

		/* §11.11.1: pairs n >= VCNT do not exist. */
		GP_TEST(test_gp_physbase8_absent_with_vcnt_8, 36, CAP_KVM, 0x210, 0x6,
			"IA32_MTRR_PHYSBASE8"),
		GP_TEST(test_gp_physmask8_absent_with_vcnt_8, 36, CAP_KVM, 0x211, 0x800,
			"IA32_MTRR_PHYSMASK8"),
		GP_TEST(test_gp_physbase39_absent_with_vcnt_8, 36, CAP_KVM, 0x24e, 0x6,
			"IA32_MTRR_PHYSBASE39"),
		GP_TEST(test_gp_physbase0_absent_with_vcnt_0, 36, CAP_ACRN, 0x200, 0x6,
			"IA32_MTRR_PHYSBASE0"),
		GP_TEST(test_gp_physmask0_absent_with_vcnt_0, 36, CAP_ACRN, 0x201, 0x800,
			"IA32_MTRR_PHYSMASK0"),
		cmocka_unit_test(test_pair_39_present_with_vcnt_40),
		cmocka_unit_test(test_rdmsr_absent_pair_is_gp),

		cmocka_unit_test(test_wrmsr_not_an_mtrr_is_enoent),
		cmocka_unit_test(test_gp_unassigned_index_in_mtrr_block),

		cmocka_unit_test(test_mtrr_new_phys_bits_31_fails),
		cmocka_unit_test(test_mtrr_new_phys_bits_53_fails),
		cmocka_unit_test(test_mtrr_new_phys_bits_32_and_52_accepted),
		cmocka_unit_test(test_mtrr_new_mtrrcap_reserved_bits_fail),
		cmocka_unit_test(test_mtrr_new_vcnt_above_40_is_enotsup),
		cmocka_unit_test(test_mtrr_new_reset_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
