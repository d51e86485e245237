/*
 * test_firmware.c - the MTRR writes of the firmware models (fw_seabios.c,
 * fw_ovmf.c, fw_program.c), checked against real firmware.
 *
 * The two captures in ../shared/corpus/qemu (QEMU 7.2, q35, 8 GiB, qemu64 =
 * AMD with 40 physical address bits, SeaBIOS 1.16.2 and OVMF from EDK2
 * 2022.11) end with a dump of every MTRR MSR. Their values are hard-coded
 * below; the model's writes are applied, in order, to a memtype_mtrr with
 * KVM's MTRRcap 0x508 through the public WRMSR (every write must be
 * accepted), and every RDMSR must equal the capture. When the files can be
 * found (env MEMTYPE_CORPUS_DIR, else ../../../shared/corpus/qemu from this
 * source file) their "0xMSR: 0xVALUE" lines are parsed and compared the same
 * way; otherwise that test is skipped. IA32_PAT (0x277) is the kernel's, not
 * the firmware's, and is not compared.
 *
 * Then the rules by release and machine, each from the source cited in the
 * model: SeaBIOS's pcimem_start for i440fx and q35; OVMF's SecMtrrSetup
 * (202408), Uc32Base (2022 and 2023 changes), the 64-bit aperture (classic,
 * dynamic from 202211, moved off the AMD HT hole from 202302, CPUID quirks
 * from 202402), TDX (never writes) and SEV-SNP (202511).
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

#include "model.h"
#include "test_corpus.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define CAP_KVM 0x508ull

struct msr_value {
	uint32_t index;
	uint64_t value;
};

/* q35-seabios-8g.log, "===MSR" section (0x277 left out). */
static const struct msr_value seabios_capture[] = {
	{ 0xfe, 0x508 },
	{ 0x2ff, 0xc06 },
	{ 0x250, 0x606060606060606 },
	{ 0x258, 0x606060606060606 },
	{ 0x259, 0 },
	{ 0x268, 0x505050505050505 },
	{ 0x269, 0x505050505050505 },
	{ 0x26a, 0x505050505050505 },
	{ 0x26b, 0x505050505050505 },
	{ 0x26c, 0x505050505050505 },
	{ 0x26d, 0x505050505050505 },
	{ 0x26e, 0x505050505050505 },
	{ 0x26f, 0x505050505050505 },
	{ 0x200, 0xc0000000 },
	{ 0x201, 0xffc0000800 },
	{ 0x202, 0 },
	{ 0x203, 0 },
	{ 0x204, 0 },
	{ 0x205, 0 },
	{ 0x206, 0 },
	{ 0x207, 0 },
	{ 0x208, 0 },
	{ 0x209, 0 },
	{ 0x20a, 0 },
	{ 0x20b, 0 },
	{ 0x20c, 0 },
	{ 0x20d, 0 },
	{ 0x20e, 0 },
	{ 0x20f, 0 },
};

/* q35-ovmf-8g.log, "===MSR" section (0x277 left out). */
static const struct msr_value ovmf_capture[] = {
	{ 0xfe, 0x508 },
	{ 0x2ff, 0xc06 },
	{ 0x250, 0x606060606060606 },
	{ 0x258, 0x606060606060606 },
	{ 0x259, 0 },
	{ 0x268, 0 },
	{ 0x269, 0 },
	{ 0x26a, 0 },
	{ 0x26b, 0 },
	{ 0x26c, 0 },
	{ 0x26d, 0 },
	{ 0x26e, 0 },
	{ 0x26f, 0 },
	{ 0x200, 0x80000000 },
	{ 0x201, 0xff80000800 },
	{ 0x202, 0xe000000000 },
	{ 0x203, 0xe000000800 },
	{ 0x204, 0 },
	{ 0x205, 0 },
	{ 0x206, 0 },
	{ 0x207, 0 },
	{ 0x208, 0 },
	{ 0x209, 0 },
	{ 0x20a, 0 },
	{ 0x20b, 0 },
	{ 0x20c, 0 },
	{ 0x20d, 0 },
	{ 0x20e, 0 },
	{ 0x20f, 0 },
};

/* ---------------------------------------------------------------------------
 * Helpers.
 */

struct run {
	struct mt_scenario *s;
	struct mt_msr_write w[MT_MAX_MSR_WRITES];
	unsigned n;
	const char *note;
	memtype_ctx *ctx;
	memtype_mtrr *m; /* the writes applied, or NULL */
};

static struct mt_scenario *scenario(mt_machine machine, uint64_t ram, memtype_cpu cpu,
				    unsigned bits, mt_fw_kind kind, unsigned version, mt_coco coco)
{
	struct mt_scenario *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->platform.machine = machine;
	s->platform.ram = ram;
	s->platform.cpu = cpu;
	s->platform.phys_bits = bits;
	s->firmware.kind = kind;
	s->firmware.version = version;
	s->hv.kind = MT_HV_KVM;
	s->hv.version = 616;
	s->hv.coco = coco;
	return s;
}

/* Run the firmware model on s and apply its writes to a fresh MTRR state. */
static void run(struct run *r, struct mt_scenario *s)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->s = s;
	r->ctx = memtype_ctx_new(NULL, NULL);
	assert_non_null(r->ctx);
	if (s->platform.machine != MT_MACHINE_CUSTOM) {
		rc = mt_platform_apply_preset(r->ctx, &s->platform, &s->firmware);
		if (rc)
			fail_msg("preset: %s", memtype_ctx_error(r->ctx)->message);
	}
	rc = mt_fw_program(r->ctx, s, r->w, &r->n, &r->note);
	if (rc)
		fail_msg("mt_fw_program: %d %s", rc, memtype_ctx_error(r->ctx)->message);
	assert_true(r->n <= MT_MAX_MSR_WRITES);
	r->m = memtype_mtrr_new(r->ctx, s->platform.phys_bits, CAP_KVM);
	assert_non_null(r->m);
	for (unsigned i = 0; i < r->n; i++)
		if (memtype_mtrr_wrmsr(r->m, r->w[i].index, r->w[i].value) != 0)
			fail_msg("write %u (0x%x := 0x%llx) refused: %s", i, r->w[i].index,
				 (unsigned long long)r->w[i].value,
				 memtype_ctx_error(r->ctx)->message);
}

static void done(struct run *r)
{
	memtype_mtrr_free(r->m);
	memtype_ctx_free(r->ctx);
	free(r->s);
}

static uint64_t rd(const struct run *r, uint32_t index)
{
	uint64_t v = 0;

	assert_int_equal(memtype_mtrr_rdmsr(r->m, index, &v), 0);
	return v;
}

/* Every RDMSR of want[] equals the value; print each difference. */
static void check_state(const struct run *r, const struct msr_value *want, size_t n,
			const char *what)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t v = rd(r, want[i].index);
		if (v == want[i].value)
			continue;
		print_message("%s: MSR 0x%x want 0x%llx got 0x%llx\n", what, want[i].index,
			      (unsigned long long)want[i].value, (unsigned long long)v);
		bad++;
	}
	assert_int_equal(bad, 0);
}

/* Which table row a loop is at, for failure messages. */
static char row[96];

static void check_var(const struct run *r, unsigned pair, uint64_t base, uint64_t mask)
{
	uint64_t b = rd(r, 0x200 + 2 * pair), m = rd(r, 0x201 + 2 * pair);

	if (b == base && m == mask)
		return;
	fail_msg("%s pair %u: want 0x%llx/0x%llx got 0x%llx/0x%llx", row, pair,
		 (unsigned long long)base, (unsigned long long)mask, (unsigned long long)b,
		 (unsigned long long)m);
}

/* Pairs from..7 unused. */
static void check_vars_free_from(const struct run *r, unsigned from)
{
	for (unsigned i = from; i < 8; i++)
		check_var(r, i, 0, 0);
}

/* The directory of the QEMU captures, or NULL. */
static const char *corpus_dir(void)
{
	return test_corpus_dir(__FILE__, "MEMTYPE_CORPUS_DIR", "qemu");
}

/* The "0xMSR: VALUE" lines of a capture's ===MSR section and its phys_bits. */
static size_t read_capture_msrs(const char *file, struct msr_value *out, size_t max,
				unsigned *phys_bits)
{
	char line[512];
	bool in_msr = false;
	size_t n = 0;
	FILE *f = fopen(file, "r");

	if (!f)
		fail_msg("cannot open %s", file);
	*phys_bits = 0;
	while (fgets(line, sizeof(line), f)) {
		char *end, *p;
		unsigned long long idx, val;

		line[strcspn(line, "\r\n")] = '\0';
		if (strcmp(line, "===MSR") == 0) {
			in_msr = true;
			continue;
		}
		if (strncmp(line, "===", 3) == 0)
			in_msr = false;
		if (!in_msr)
			continue;
		if (strncmp(line, "cpuid ", 6) == 0) {
			p = strstr(line, "phys_bits ");
			if (p)
				*phys_bits = (unsigned)strtoul(p + 10, NULL, 10);
			continue;
		}
		if (strncmp(line, "0x", 2) != 0)
			continue;
		idx = strtoull(line + 2, &end, 16);
		if (end[0] != ':' || end[1] != ' ')
			continue;
		p = end + 2;
		val = strtoull(p, &end, 16); /* "0", or "0x..." */
		if (*end != '\0' || n == max)
			continue;
		out[n].index = (uint32_t)idx;
		out[n].value = val;
		n++;
	}
	fclose(f);
	return n;
}

/* ---------------------------------------------------------------------------
 * The captures.
 */

static void test_seabios_q35_8g_matches_capture(void **state)
{
	struct run r;

	(void)state;
	run(&r, scenario(MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_AMD, 40, MT_FW_SEABIOS, 11602,
			 MT_COCO_NONE));
	check_state(&r, seabios_capture, ARRAY_LEN(seabios_capture), "seabios");
	assert_null(r.note);
	done(&r);
}

static void test_ovmf_202211_q35_8g_matches_capture(void **state)
{
	struct run r;

	(void)state;
	run(&r, scenario(MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_AMD, 40, MT_FW_OVMF, 202211,
			 MT_COCO_NONE));
	check_state(&r, ovmf_capture, ARRAY_LEN(ovmf_capture), "ovmf-202211");
	assert_null(r.note);
	done(&r);
}

static void test_capture_files_msr_dumps(void **state)
{
	static const struct {
		const char *file;
		mt_fw_kind kind;
		unsigned version;
	} runs[] = {
		{ "q35-seabios-8g.log", MT_FW_SEABIOS, 11602 },
		{ "q35-ovmf-8g.log", MT_FW_OVMF, 202211 },
	};
	const char *dir = corpus_dir();

	(void)state;
	if (!dir) {
		/* cmocka 1.1 counts skip() as a failure in its exit status, so
		 * the absent corpus is reported and the test passes vacuously
		 * (the hard-coded capture values are checked by the other tests). */
		print_message("# SKIP QEMU captures not found (set MEMTYPE_CORPUS_DIR)\n");
		return;
	}
	for (size_t k = 0; k < ARRAY_LEN(runs); k++) {
		struct msr_value msrs[64], mtrrs[64];
		char file[1200];
		unsigned bits, nm = 0;
		size_t n;
		struct run r;

		snprintf(file, sizeof(file), "%s/%s", dir, runs[k].file);
		n = read_capture_msrs(file, msrs, ARRAY_LEN(msrs), &bits);
		assert_int_equal(bits, 40);
		for (size_t i = 0; i < n; i++)
			if (memtype_msr_is_mtrr(msrs[i].index))
				mtrrs[nm++] = msrs[i];
		assert_int_equal(nm, 29); /* fe, 2ff, 11 fixed, 8 pairs */
		run(&r, scenario(MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_AMD, bits, runs[k].kind,
				 runs[k].version, MT_COCO_NONE));
		check_state(&r, mtrrs, nm, runs[k].file);
		done(&r);
	}
}

/* ---------------------------------------------------------------------------
 * SeaBIOS.
 */

static void test_seabios_write_order(void **state)
{
	struct run r;

	(void)state;
	run(&r, scenario(MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_AMD, 40, MT_FW_SEABIOS, 0,
			 MT_COCO_NONE));
	/* DEF_TYPE 0; 0x250 0x258 0x259 0x268..0x26f; 8 pairs cleared; pair 0;
	 * DEF_TYPE 0xc06 (src/fw/mtrr.c mtrr_setup). */
	assert_int_equal(r.n, 1 + 11 + 16 + 2 + 1);
	assert_int_equal(r.w[0].index, 0x2ff);
	assert_int_equal(r.w[0].value, 0);
	assert_int_equal(r.w[1].index, 0x250);
	assert_int_equal(r.w[3].index, 0x259);
	assert_int_equal(r.w[4].index, 0x268);
	assert_int_equal(r.w[11].index, 0x26f);
	for (unsigned i = 0; i < 16; i++) {
		assert_int_equal(r.w[12 + i].index, 0x200 + i);
		assert_int_equal(r.w[12 + i].value, 0);
	}
	assert_int_equal(r.w[28].index, 0x200);
	assert_int_equal(r.w[29].index, 0x201);
	assert_int_equal(r.w[30].index, 0x2ff);
	assert_int_equal(r.w[30].value, 0xc06);
	done(&r);
}

/* src/fw/pciinit.c: i440fx <= 2G -> 2G, <= 3G -> 3G, else RamSize; q35 3G. */
static void test_seabios_pcimem_start_by_machine_and_ram(void **state)
{
	static const struct {
		mt_machine machine;
		uint64_t ram;
		uint64_t base, mask;
	} rows[] = {
		{ MT_MACHINE_I440FX, 1 * GiB, 0x80000000, 0xff80000800 },
		{ MT_MACHINE_I440FX, 2 * GiB, 0x80000000, 0xff80000800 },
		{ MT_MACHINE_I440FX, 2 * GiB + MiB, 0xc0000000, 0xffc0000800 },
		{ MT_MACHINE_I440FX, 3 * GiB, 0xc0000000, 0xffc0000800 },
		/* All low (< 3.5 GiB): pcimem_start stays RamSize and the mask
		 * is non-contiguous (DERIVED). */
		{ MT_MACHINE_I440FX, 0xd0000000, 0xd0000000, 0xffd0000800 },
		{ MT_MACHINE_I440FX, 4 * GiB, 0xc0000000, 0xffc0000800 },
		{ MT_MACHINE_I440FX, 8 * GiB, 0xc0000000, 0xffc0000800 },
		{ MT_MACHINE_Q35, 1 * GiB, 0xc0000000, 0xffc0000800 },
		{ MT_MACHINE_Q35, 0xa0000000, 0xc0000000, 0xffc0000800 },
		{ MT_MACHINE_Q35, 16 * GiB, 0xc0000000, 0xffc0000800 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct run r;

		snprintf(row, sizeof(row), "seabios row %zu", i);
		run(&r, scenario(rows[i].machine, rows[i].ram, MEMTYPE_CPU_INTEL, 40,
				 MT_FW_SEABIOS, 11602, MT_COCO_NONE));
		check_var(&r, 0, rows[i].base, rows[i].mask);
		check_vars_free_from(&r, 1);
		assert_int_equal(rd(&r, 0x2ff), 0xc06);
		done(&r);
	}
}

static void test_seabios_mask_follows_phys_bits(void **state)
{
	static const struct {
		unsigned bits;
		uint64_t mask;
	} rows[] = {
		{ 36, 0xfc0000800 },
		{ 39, 0x7fc0000800 },
		{ 46, 0x3fffc0000800 },
		{ 52, 0xfffffc0000800 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct run r;

		run(&r, scenario(MT_MACHINE_Q35, 4 * GiB, MEMTYPE_CPU_INTEL, rows[i].bits,
				 MT_FW_SEABIOS, 0, MT_COCO_NONE));
		check_var(&r, 0, 0xc0000000, rows[i].mask);
		done(&r);
	}
}

/* ---------------------------------------------------------------------------
 * OVMF.
 */

static void test_ovmf_202211_write_sequence(void **state)
{
	struct run r;

	(void)state;
	run(&r, scenario(MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_AMD, 40, MT_FW_OVMF, 202211,
			 MT_COCO_NONE));
	/* MtrrSetAllMtrrs: DEF(E=0), 11 fixed, 8 pairs, DEF 0xc06 = 29;
	 * [A0000, 1M) UC: DEF, 9 fixed, DEF = 11; Uc32: DEF, pair 0, DEF = 4;
	 * the 64-bit aperture (DXE): DEF, pair 1, DEF = 4. */
	assert_int_equal(r.n, 29 + 11 + 4 + 4);
	assert_int_equal(r.w[0].index, 0x2ff);
	assert_int_equal(r.w[0].value, 0);
	assert_int_equal(r.w[1].index, 0x250);
	assert_int_equal(r.w[1].value, 0x0606060606060606);
	assert_int_equal(r.w[28].index, 0x2ff);
	assert_int_equal(r.w[28].value, 0xc06);
	assert_int_equal(r.w[29].value, 0x406); /* MtrrLibPreMtrrChange */
	assert_int_equal(r.w[30].index, 0x259);
	assert_int_equal(r.w[39].index, 0x2ff);
	assert_int_equal(r.w[39].value, 0xc06);
	assert_int_equal(r.w[41].index, 0x200);
	assert_int_equal(r.w[41].value, 0x80000000);
	assert_int_equal(r.w[45].index, 0x202);
	assert_int_equal(r.w[45].value, 0xe000000000);
	assert_int_equal(r.w[47].index, 0x2ff);
	assert_int_equal(r.w[47].value, 0xc06);
	done(&r);
}

/* ce4c76e46d (202408): SecMtrrSetup enables WB default first; same end. */
static void test_ovmf_202408_sec_mtrr_setup_comes_first(void **state)
{
	struct run r;

	(void)state;
	run(&r, scenario(MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_INTEL, 40, MT_FW_OVMF, 202408,
			 MT_COCO_NONE));
	assert_int_equal(r.w[0].index, 0x2ff);
	assert_int_equal(r.w[0].value, 0x806);
	assert_int_equal(r.w[1].index, 0x2ff);
	assert_int_equal(r.w[1].value, 0x006); /* PreMtrrChange of MtrrSetAllMtrrs */
	assert_int_equal(rd(&r, 0x2ff), 0xc06);
	check_var(&r, 0, 0x80000000, 0xff80000800);
	/* 202402+: Intel with 40 bits is QEMU's unreliable default: classic
	 * 32 GiB window above RAM (8 GiB -> 32 GiB). */
	check_var(&r, 1, 0x800000000, 0xf800000800);
	check_vars_free_from(&r, 2);
	done(&r);
}

/* The 64-bit aperture by release and CPU (PlatformInitLib MemDetect.c). */
static void test_ovmf_64bit_aperture_by_release(void **state)
{
	static const struct {
		unsigned version;
		memtype_cpu cpu;
		unsigned bits;
		uint64_t base, mask;
	} rows[] = {
		/* Classic window before the dynamic one (pair 2: Uc32 took two). */
		{ 202205, MEMTYPE_CPU_AMD, 40, 0x800000000, 0xf800000800 },
		/* 202211: top 1/8 of the space (tests/data/qemu q35-ovmf-8g-pb40). */
		{ 202211, MEMTYPE_CPU_AMD, 40, 0xe000000000, 0xe000000800 },
		/* The QEMU quirk distrusts 40 bits on Intel: classic
		 * (q35-ovmf-8g-pb40-intel); 39 is trusted (q35-ovmf-8g-pb39-intel). */
		{ 202211, MEMTYPE_CPU_INTEL, 40, 0x800000000, 0xf800000800 },
		{ 202211, MEMTYPE_CPU_INTEL, 39, 0x7000000000, 0x7000000800 },
		/* Too small for a dynamic window: classic (q35-ovmf-8g-pb36-intel). */
		{ 202211, MEMTYPE_CPU_INTEL, 36, 0x800000000, 0x800000800 },
		/* With 1-GByte pages capped at 47 bits, not 46
		 * (q35-ovmf-8g-pb47-1g, q35-ovmf-8g-pb48-1g). */
		{ 202211, MEMTYPE_CPU_AMD, 47, 0x700000000000, 0x700000000800 },
		{ 202211, MEMTYPE_CPU_AMD, 48, 0x700000000000, 0xf00000000800 },
		/* 202302: moved off the AMD HT hole at 0xfd00000000. */
		{ 202302, MEMTYPE_CPU_AMD, 40, 0xc000000000, 0xe000000800 },
		{ 202302, MEMTYPE_CPU_INTEL, 40, 0x800000000, 0xf800000800 },
		/* 202402: the 46-bit cap. */
		{ 202402, MEMTYPE_CPU_INTEL, 40, 0x800000000, 0xf800000800 },
		{ 202402, MEMTYPE_CPU_INTEL, 39, 0x7000000000, 0x7000000800 },
		{ 202402, MEMTYPE_CPU_AMD, 40, 0xc000000000, 0xe000000800 },
		{ 202402, MEMTYPE_CPU_INTEL, 46, 0x380000000000, 0x380000000800 },
		{ 202402, MEMTYPE_CPU_AMD, 48, 0x380000000000, 0xf80000000800 },
		{ 0, MEMTYPE_CPU_INTEL, 52, 0x380000000000, 0xff80000000800 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct run r;

		snprintf(row, sizeof(row), "aperture row %zu (%u, %u bits)", i, rows[i].version,
			 rows[i].bits);
		run(&r, scenario(MT_MACHINE_Q35, 8 * GiB, rows[i].cpu, rows[i].bits, MT_FW_OVMF,
				 rows[i].version, MT_COCO_NONE));
		unsigned pair = rows[i].version && rows[i].version < 202211 ? 2 : 1;
		check_var(&r, pair, rows[i].base, rows[i].mask);
		check_vars_free_from(&r, pair + 1);
		done(&r);
	}
}

/* PlatformQemuUc32BaseInitialization by release; pair numbers as placed. */
static void test_ovmf_uc32_base_by_release(void **state)
{
	static const struct {
		mt_machine machine;
		uint64_t ram;
		unsigned version;
		uint64_t b0, m0, b1, m1; /* b1 == 0: only one pair below 4 GiB */
	} rows[] = {
		/* q35 before 2a0bd3bffc: MMCONFIG base, two MTRRs. */
		{ MT_MACHINE_Q35, 8 * GiB, 202205, 0xb0000000, 0xfff0000800, 0xc0000000,
		  0xffc0000800 },
		{ MT_MACHINE_Q35, 8 * GiB, 202211, 0x80000000, 0xff80000800, 0, 0 },
		{ MT_MACHINE_Q35, 1 * GiB, 202211, 0x80000000, 0xff80000800, 0, 0 },
		/* 2.5 GiB, all low: > 2 GiB keeps 0xB0000000 until 202305. */
		{ MT_MACHINE_Q35, 0xa0000000, 202211, 0xb0000000, 0xfff0000800, 0xc0000000,
		  0xffc0000800 },
		{ MT_MACHINE_Q35, 0xa0000000, 202305, 0xc0000000, 0xffc0000800, 0, 0 },
		{ MT_MACHINE_Q35, 1 * GiB, 202305, 0x80000000, 0xff80000800, 0, 0 },
		{ MT_MACHINE_I440FX, 8 * GiB, 202211, 0xc0000000, 0xffc0000800, 0, 0 },
		{ MT_MACHINE_I440FX, 3 * GiB, 202205, 0xc0000000, 0xffc0000800, 0, 0 },
		{ MT_MACHINE_I440FX, 0xd0000000, 0, 0xe0000000, 0xffe0000800, 0, 0 },
		{ MT_MACHINE_I440FX, 2 * GiB, 0, 0x80000000, 0xff80000800, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct run r;

		snprintf(row, sizeof(row), "uc32 row %zu", i);
		run(&r, scenario(rows[i].machine, rows[i].ram, MEMTYPE_CPU_INTEL, 40, MT_FW_OVMF,
				 rows[i].version, MT_COCO_NONE));
		check_var(&r, 0, rows[i].b0, rows[i].m0);
		if (rows[i].b1) {
			check_var(&r, 1, rows[i].b1, rows[i].m1);
			/* The aperture takes the next pair. */
			assert_int_equal(rd(&r, 0x205) & 0x800, 0x800);
			check_vars_free_from(&r, 3);
		} else {
			check_vars_free_from(&r, 2);
		}
		assert_int_equal(rd(&r, 0x2ff), 0xc06);
		assert_int_equal(rd(&r, 0x259), 0);
		assert_int_equal(rd(&r, 0x26f), 0);
		assert_int_equal(rd(&r, 0x258), 0x0606060606060606);
		done(&r);
	}
}

/* TDX: PlatformPei skips its MTRR setup in TDs in every release; 202408
 * SecMtrrSetup skips TDs (071d2cfab8); 202411 MtrrLib refuses (3a3b12cbda). */
static void test_ovmf_never_writes_mtrrs_in_a_td(void **state)
{
	static const unsigned versions[] = { 202211, 202405, 202408, 202411, 202511, 0 };

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(versions); i++) {
		struct run r;

		run(&r, scenario(MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_INTEL, 52, MT_FW_OVMF,
				 versions[i], MT_COCO_TDX));
		assert_int_equal(r.n, 0);
		assert_non_null(r.note);
		assert_non_null(strstr(r.note, "071d2cfab8"));
		if (versions[i] == 0 || versions[i] >= 202411)
			assert_non_null(strstr(r.note, "3a3b12cbda"));
		assert_int_equal(rd(&r, 0x2ff), 0); /* reset: E = 0 */
		done(&r);
	}
}

/* SEV-SNP: as usual (through #VC) until 202511 (05b677c9de); SecMtrrSetup,
 * outside MtrrLib, still enables a WB default (DERIVED). */
static void test_ovmf_snp_by_release(void **state)
{
	struct run r, plain;

	(void)state;
	run(&r, scenario(MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_AMD, 48, MT_FW_OVMF, 202408,
			 MT_COCO_SNP));
	run(&plain, scenario(MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_AMD, 48, MT_FW_OVMF, 202408,
			     MT_COCO_NONE));
	assert_int_equal(r.n, plain.n);
	assert_memory_equal(r.w, plain.w, r.n * sizeof(r.w[0]));
	done(&r);
	done(&plain);

	static const unsigned newer[] = { 202511, 0 };
	for (size_t i = 0; i < ARRAY_LEN(newer); i++) {
		run(&r, scenario(MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_AMD, 48, MT_FW_OVMF,
				 newer[i], MT_COCO_SNP));
		assert_int_equal(r.n, 1);
		assert_int_equal(r.w[0].index, 0x2ff);
		assert_int_equal(r.w[0].value, 0x806);
		assert_null(r.note);
		check_vars_free_from(&r, 0);
		done(&r);
	}
}

/* ---------------------------------------------------------------------------
 * Dispatch.
 */

static void test_no_firmware_leaves_reset_state(void **state)
{
	struct run r;

	(void)state;
	run(&r, scenario(MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_INTEL, 46, MT_FW_NONE, 0,
			 MT_COCO_NONE));
	assert_int_equal(r.n, 0);
	assert_non_null(r.note);
	assert_non_null(strstr(r.note, "E=0"));
	assert_int_equal(rd(&r, 0x2ff), 0);
	done(&r);
}

static void test_registers_are_copied_in_order(void **state)
{
	struct mt_scenario *s = scenario(MT_MACHINE_CUSTOM, 0, MEMTYPE_CPU_INTEL, 36,
					 MT_FW_REGISTERS, 0, MT_COCO_NONE);
	struct run r;

	(void)state;
	s->firmware.regs[0] = (struct mt_msr_write){ 0x200, 0xc0000000 };
	s->firmware.regs[1] = (struct mt_msr_write){ 0x201, 0xfc0000800 };
	s->firmware.regs[2] = (struct mt_msr_write){ 0x2ff, 0xc06 };
	s->firmware.nregs = 3;
	run(&r, s);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.w[1].index, 0x201);
	assert_int_equal(r.w[1].value, 0xfc0000800);
	assert_null(r.note);
	assert_int_equal(rd(&r, 0x2ff), 0xc06);
	done(&r);
}

/* Every modelled combination produces writes the CPU accepts (run() fails
 * on a refused one) and ends enabled with a WB default. */
static void test_every_modelled_write_is_accepted(void **state)
{
	static const mt_machine machines[] = { MT_MACHINE_Q35, MT_MACHINE_I440FX };
	static const uint64_t rams[] = { 64 * MiB, 1 * GiB, 0xa0000000, 3 * GiB, 0xd0000000,
					 4 * GiB, 8 * GiB, 64 * GiB };
	static const unsigned bits[] = { 36, 39, 40, 46, 48, 52 };
	static const unsigned ovmf[] = { 202005, 202211, 202302, 202305, 202402, 202408,
					 202411, 202511, 0 };

	(void)state;
	for (size_t a = 0; a < ARRAY_LEN(machines); a++)
		for (size_t b = 0; b < ARRAY_LEN(rams); b++)
			for (size_t c = 0; c < ARRAY_LEN(bits); c++)
				for (size_t d = 0; d <= ARRAY_LEN(ovmf); d++) {
					bool sea = d == ARRAY_LEN(ovmf);
					memtype_cpu cpu = c % 2 ? MEMTYPE_CPU_AMD
								: MEMTYPE_CPU_INTEL;
					struct run r;

					if ((rams[b] > 8 * GiB && bits[c] < 40))
						continue;
					run(&r, scenario(machines[a], rams[b], cpu, bits[c],
							 sea ? MT_FW_SEABIOS : MT_FW_OVMF,
							 sea ? 0 : ovmf[d], MT_COCO_NONE));
					assert_int_equal(rd(&r, 0x2ff), 0xc06);
					assert_int_equal(rd(&r, 0x201) & 0x800, 0x800);
					done(&r);
				}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seabios_q35_8g_matches_capture),
		cmocka_unit_test(test_ovmf_202211_q35_8g_matches_capture),
		cmocka_unit_test(test_capture_files_msr_dumps),
		cmocka_unit_test(test_seabios_write_order),
		cmocka_unit_test(test_seabios_pcimem_start_by_machine_and_ram),
		cmocka_unit_test(test_seabios_mask_follows_phys_bits),
		cmocka_unit_test(test_ovmf_202211_write_sequence),
		cmocka_unit_test(test_ovmf_202408_sec_mtrr_setup_comes_first),
		cmocka_unit_test(test_ovmf_64bit_aperture_by_release),
		cmocka_unit_test(test_ovmf_uc32_base_by_release),
		cmocka_unit_test(test_ovmf_never_writes_mtrrs_in_a_td),
		cmocka_unit_test(test_ovmf_snp_by_release),
		cmocka_unit_test(test_no_firmware_leaves_reset_state),
		cmocka_unit_test(test_registers_are_copied_in_order),
		cmocka_unit_test(test_every_modelled_write_is_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
