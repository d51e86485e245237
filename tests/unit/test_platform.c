/*
 * test_platform.c - QEMU machine presets (the BIOS-e820 table per firmware)
 * and the e820 queries of platform.c.
 *
 * Ground truth is the two real captures in ../shared/corpus/qemu (QEMU 7.2,
 * q35, 8 GiB, qemu64 = AMD with 40 physical address bits): their
 * "BIOS-e820:" lines are hard-coded below, so the test passes without
 * shared/, and are also read from the files themselves when they can be
 * found (env MEMTYPE_CORPUS_DIR, else ../../../shared/corpus/qemu from this
 * source file); otherwise that one test is skipped.
 *
 * Also checked: QEMU's below/above-4G split for q35 (all RAM low below
 * 0xB0000000, else 2 GiB) and i440fx (all low below 0xE0000000, else
 * 3 GiB); the SeaBIOS reserved tail following the end of low RAM; the
 * AMD HyperTransport hole only for AMD vCPUs with >= 40 bits; OVMF's
 * MMCONFIG move to 0xE0000000 in edk2-stable202305; Linux's
 * e820__end_of_low_ram_pfn() with and without "ACPI data" (06fa48d85b09,
 * 6.11), including its page truncation and 4 GiB clamp.
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

/* ---------------------------------------------------------------------------
 * The captures' BIOS-e820 lines, verbatim (after the timestamp).
 */

static const char *const seabios_q35_8g[] = {
	"BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
	"BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved",
	"BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved",
	"BIOS-e820: [mem 0x0000000000100000-0x000000007ffdefff] usable",
	"BIOS-e820: [mem 0x000000007ffdf000-0x000000007fffffff] reserved",
	"BIOS-e820: [mem 0x00000000b0000000-0x00000000bfffffff] reserved",
	"BIOS-e820: [mem 0x00000000fed1c000-0x00000000fed1ffff] reserved",
	"BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved",
	"BIOS-e820: [mem 0x0000000100000000-0x000000027fffffff] usable",
	"BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] reserved",
};

static const char *const ovmf_q35_8g[] = {
	"BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable",
	"BIOS-e820: [mem 0x0000000000100000-0x00000000007fffff] usable",
	"BIOS-e820: [mem 0x0000000000800000-0x0000000000807fff] ACPI NVS",
	"BIOS-e820: [mem 0x0000000000808000-0x000000000080afff] usable",
	"BIOS-e820: [mem 0x000000000080b000-0x000000000080bfff] ACPI NVS",
	"BIOS-e820: [mem 0x000000000080c000-0x000000000080ffff] usable",
	"BIOS-e820: [mem 0x0000000000810000-0x00000000008fffff] ACPI NVS",
	"BIOS-e820: [mem 0x0000000000900000-0x000000007eab6fff] usable",
	"BIOS-e820: [mem 0x000000007eab7000-0x000000007eb77fff] reserved",
	"BIOS-e820: [mem 0x000000007eb78000-0x000000007f4ecfff] usable",
	"BIOS-e820: [mem 0x000000007f4ed000-0x000000007f76cfff] reserved",
	"BIOS-e820: [mem 0x000000007f76d000-0x000000007f77efff] ACPI data",
	"BIOS-e820: [mem 0x000000007f77f000-0x000000007f7fefff] ACPI NVS",
	"BIOS-e820: [mem 0x000000007f7ff000-0x000000007ff57fff] usable",
	"BIOS-e820: [mem 0x000000007ff58000-0x000000007ff77fff] reserved",
	"BIOS-e820: [mem 0x000000007ff78000-0x000000007fffffff] ACPI NVS",
	"BIOS-e820: [mem 0x00000000b0000000-0x00000000bfffffff] reserved",
	"BIOS-e820: [mem 0x0000000100000000-0x000000027fffffff] usable",
};

/* ---------------------------------------------------------------------------
 * Helpers.
 */

/* The kernel's names (arch/x86/kernel/e820.c e820_type_to_string). */
static const char *type_word(mt_e820_type t)
{
	switch (t) {
	case MT_E820_RAM:
		return "usable";
	case MT_E820_RESERVED:
		return "reserved";
	case MT_E820_ACPI:
		return "ACPI data";
	case MT_E820_NVS:
		return "ACPI NVS";
	case MT_E820_UNUSABLE:
		return "unusable";
	}
	return "(bad type)";
}

static void format_entry(const struct mt_e820_entry *e, char *buf, size_t len)
{
	snprintf(buf, len, "BIOS-e820: [mem 0x%016llx-0x%016llx] %s",
		 (unsigned long long)e->start, (unsigned long long)e->end, type_word(e->type));
}

static void make(struct mt_platform *p, mt_machine machine, uint64_t ram, memtype_cpu cpu,
		 unsigned phys_bits)
{
	memset(p, 0, sizeof(*p));
	p->machine = machine;
	p->ram = ram;
	p->cpu = cpu;
	p->phys_bits = phys_bits;
}

/* Apply the preset for firmware kind/version; fail the test on error. */
static void preset(struct mt_platform *p, mt_fw_kind kind, unsigned version)
{
	memtype_ctx *ctx = memtype_ctx_new(NULL, NULL);
	struct mt_firmware fw;
	int rc;

	assert_non_null(ctx);
	memset(&fw, 0, sizeof(fw));
	fw.kind = kind;
	fw.version = version;
	rc = mt_platform_apply_preset(ctx, p, &fw);
	if (rc)
		fail_msg("preset failed: %d %s", rc, memtype_ctx_error(ctx)->message);
	memtype_ctx_free(ctx);
}

/* Compare the table with expected lines; print every difference. */
static void check_lines(const struct mt_platform *p, const char *const *want, size_t n,
			const char *what)
{
	int bad = 0;
	char buf[128];

	for (size_t i = 0; i < n || i < p->ne820; i++) {
		const char *got = "(none)";
		if (i < p->ne820) {
			format_entry(&p->e820[i], buf, sizeof(buf));
			got = buf;
		}
		if (i < n && strcmp(got, want[i]) == 0)
			continue;
		print_message("%s line %zu:\n  want %s\n  got  %s\n", what, i,
			      i < n ? want[i] : "(none)", got);
		bad++;
	}
	assert_int_equal(bad, 0);
}

/* The directory of the QEMU captures, or NULL. */
static const char *corpus_dir(void)
{
	return test_corpus_dir(__FILE__, "MEMTYPE_CORPUS_DIR", "qemu");
}

/* Read the capture's BIOS-e820 lines into lines[] (malloc'ed). */
static size_t read_e820_lines(const char *file, char **lines, size_t max)
{
	char buf[512];
	size_t n = 0;
	FILE *f = fopen(file, "r");

	if (!f)
		fail_msg("cannot open %s", file);
	while (n < max && fgets(buf, sizeof(buf), f)) {
		char *s = strstr(buf, "BIOS-e820: ");
		if (!s)
			continue;
		s[strcspn(s, "\r\n")] = '\0';
		lines[n] = malloc(strlen(s) + 1);
		assert_non_null(lines[n]);
		strcpy(lines[n], s);
		n++;
	}
	fclose(f);
	return n;
}

/* ---------------------------------------------------------------------------
 * The captures.
 */

static void test_q35_seabios_8g_e820_matches_capture(void **state)
{
	struct mt_platform p;

	(void)state;
	make(&p, MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_AMD, 40);
	preset(&p, MT_FW_SEABIOS, 11602);
	check_lines(&p, seabios_q35_8g, ARRAY_LEN(seabios_q35_8g), "q35-seabios-8g");
}

static void test_q35_ovmf_202211_8g_e820_matches_capture(void **state)
{
	struct mt_platform p;

	(void)state;
	make(&p, MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_AMD, 40);
	p.no_page1gb = true; /* the capture's qemu64 has no pdpe1gb */
	preset(&p, MT_FW_OVMF, 202211);
	check_lines(&p, ovmf_q35_8g, ARRAY_LEN(ovmf_q35_8g), "q35-ovmf-8g");
}

/* The ACPI block sits under OVMF's PEI memory, whose cap holds the DXE IPL's
 * page tables for the address width OVMF chose (GetPeiMemoryCap): where the
 * real 2022.11 put "ACPI data" on q35 with 8 GiB (tests/data/qemu). */
static void test_ovmf_acpi_block_follows_pei_memory_cap(void **state)
{
	static const struct {
		memtype_cpu cpu;
		unsigned bits;
		bool page1gb;
		uint64_t acpi;
		const char *capture;
	} rows[] = {
		{ MEMTYPE_CPU_AMD, 40, false, 0x7f76d000, "q35-ovmf-8g-pb40" },
		{ MEMTYPE_CPU_AMD, 46, false, 0x7f76d000, "q35-ovmf-8g-pb46" },
		{ MEMTYPE_CPU_INTEL, 46, false, 0x7f76d000, "q35-ovmf-8g-pb46-intel" },
		{ MEMTYPE_CPU_INTEL, 39, false, 0x7f96d000, "q35-ovmf-8g-pb39-intel" },
		{ MEMTYPE_CPU_INTEL, 36, false, 0x7fb6d000, "q35-ovmf-8g-pb36-intel" },
		{ MEMTYPE_CPU_INTEL, 40, false, 0x7fb6d000, "q35-ovmf-8g-pb40-intel" },
		{ MEMTYPE_CPU_AMD, 40, true, 0x7fb6d000, "q35-ovmf-8g-pb40-1g" },
		{ MEMTYPE_CPU_AMD, 46, true, 0x7fb6d000, "q35-ovmf-8g-pb46-1g" },
		{ MEMTYPE_CPU_AMD, 47, true, 0x7fb6d000, "q35-ovmf-8g-pb47-1g" },
	};
	struct mt_platform p;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		make(&p, MT_MACHINE_Q35, 8 * GiB, rows[i].cpu, rows[i].bits);
		p.no_page1gb = !rows[i].page1gb;
		preset(&p, MT_FW_OVMF, 202211);
		if (mt_e820_type_at(&p, rows[i].acpi) != MT_E820_ACPI ||
		    mt_e820_type_at(&p, rows[i].acpi - 1) == MT_E820_ACPI)
			fail_msg("%s: ACPI data does not start at 0x%llx", rows[i].capture,
				 (unsigned long long)rows[i].acpi);
	}
}

static void test_capture_files_e820_lines(void **state)
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
	for (size_t r = 0; r < ARRAY_LEN(runs); r++) {
		char file[1200];
		char *lines[MT_MAX_E820];
		struct mt_platform p;
		size_t n;

		snprintf(file, sizeof(file), "%s/%s", dir, runs[r].file);
		n = read_e820_lines(file, lines, ARRAY_LEN(lines));
		assert_true(n > 0);
		make(&p, MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_AMD, 40);
		p.no_page1gb = true; /* QEMU's default qemu64 CPU */
		preset(&p, runs[r].kind, runs[r].version);
		check_lines(&p, (const char *const *)lines, n, runs[r].file);
		for (size_t i = 0; i < n; i++)
			free(lines[i]);
	}
}

/* ---------------------------------------------------------------------------
 * QEMU's split.
 */

struct split_row {
	uint64_t ram, low, high;
};

static void check_split(mt_machine machine, const struct split_row *rows, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		struct mt_platform p;
		uint64_t high = 0;

		make(&p, machine, rows[i].ram, MEMTYPE_CPU_INTEL, 46);
		preset(&p, MT_FW_NONE, 0);
		for (unsigned k = 0; k < p.ne820; k++)
			if (p.e820[k].type == MT_E820_RAM && p.e820[k].start >= (1ull << 32)) {
				assert_int_equal(p.e820[k].start, 1ull << 32);
				high = p.e820[k].end - p.e820[k].start + 1;
			}
		if (mt_platform_low_ram_end(&p) == rows[i].low && high == rows[i].high &&
		    mt_e820_end_of_low_ram(&p, false) == rows[i].low)
			continue;
		print_message("ram %llu GiB: want low 0x%llx high 0x%llx, got low 0x%llx high "
			      "0x%llx\n",
			      (unsigned long long)(rows[i].ram / GiB),
			      (unsigned long long)rows[i].low, (unsigned long long)rows[i].high,
			      (unsigned long long)mt_platform_low_ram_end(&p),
			      (unsigned long long)high);
		bad++;
	}
	assert_int_equal(bad, 0);
}

static void test_q35_split_all_low_below_0xb0000000_else_2g(void **state)
{
	static const struct split_row rows[] = {
		{ 1 * GiB, 1 * GiB, 0 },
		{ 2 * GiB, 2 * GiB, 0 },
		{ 0xb0000000 - MiB, 0xb0000000 - MiB, 0 },
		{ 0xb0000000, 2 * GiB, 0x30000000 },
		{ 3 * GiB, 2 * GiB, 1 * GiB },
		{ 4 * GiB, 2 * GiB, 2 * GiB },
		{ 8 * GiB, 2 * GiB, 6 * GiB },
		{ 16 * GiB, 2 * GiB, 14 * GiB },
	};

	(void)state;
	check_split(MT_MACHINE_Q35, rows, ARRAY_LEN(rows));
}

static void test_i440fx_split_all_low_below_0xe0000000_else_3g(void **state)
{
	static const struct split_row rows[] = {
		{ 1 * GiB, 1 * GiB, 0 },
		{ 2 * GiB, 2 * GiB, 0 },
		{ 3 * GiB, 3 * GiB, 0 },
		{ 0xe0000000 - MiB, 0xe0000000 - MiB, 0 },
		{ 0xe0000000, 3 * GiB, 0x20000000 },
		{ 4 * GiB, 3 * GiB, 1 * GiB },
		{ 8 * GiB, 3 * GiB, 5 * GiB },
		{ 16 * GiB, 3 * GiB, 13 * GiB },
	};

	(void)state;
	check_split(MT_MACHINE_I440FX, rows, ARRAY_LEN(rows));
}

/* ---------------------------------------------------------------------------
 * Firmware layouts for other sizes.
 */

/* SeaBIOS's reserved tail is the size of its tables, not of RAM (DERIVED). */
static void test_seabios_tail_follows_end_of_low_ram(void **state)
{
	static const char *const want[] = {
		"BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
		"BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved",
		"BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved",
		"BIOS-e820: [mem 0x0000000000100000-0x000000003ffdefff] usable",
		"BIOS-e820: [mem 0x000000003ffdf000-0x000000003fffffff] reserved",
		"BIOS-e820: [mem 0x00000000b0000000-0x00000000bfffffff] reserved",
		"BIOS-e820: [mem 0x00000000fed1c000-0x00000000fed1ffff] reserved",
		"BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved",
	};
	struct mt_platform p;

	(void)state;
	make(&p, MT_MACHINE_Q35, 1 * GiB, MEMTYPE_CPU_INTEL, 39);
	preset(&p, MT_FW_SEABIOS, 0);
	check_lines(&p, want, ARRAY_LEN(want), "q35-seabios-1g");
}

/* i440fx: no MMCONFIG, no RCRB; the tail of the observed i440fx log. */
static void test_i440fx_seabios_8g(void **state)
{
	static const char *const want[] = {
		"BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
		"BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved",
		"BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved",
		"BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable",
		"BIOS-e820: [mem 0x00000000bffe0000-0x00000000bfffffff] reserved",
		"BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved",
		"BIOS-e820: [mem 0x0000000100000000-0x000000023fffffff] usable",
	};
	struct mt_platform p;

	(void)state;
	make(&p, MT_MACHINE_I440FX, 8 * GiB, MEMTYPE_CPU_INTEL, 40);
	preset(&p, MT_FW_SEABIOS, 0);
	check_lines(&p, want, ARRAY_LEN(want), "i440fx-seabios-8g");
}

/* QEMU (hw/i386/pc.c) reserves the HT hole for AMD vCPUs with >= 40 bits. */
static void test_ht_hole_only_for_amd_with_40_bits(void **state)
{
	static const struct {
		memtype_cpu cpu;
		unsigned bits;
		bool hole;
	} rows[] = {
		{ MEMTYPE_CPU_AMD, 40, true },	   { MEMTYPE_CPU_AMD, 48, true },
		{ MEMTYPE_CPU_AMD, 39, false },	   { MEMTYPE_CPU_INTEL, 40, false },
		{ MEMTYPE_CPU_INTEL, 46, false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct mt_platform p;

		make(&p, MT_MACHINE_Q35, 8 * GiB, rows[i].cpu, rows[i].bits);
		preset(&p, MT_FW_SEABIOS, 0);
		assert_int_equal(mt_e820_type_at(&p, 0xfd00000000ull) == MT_E820_RESERVED,
				 rows[i].hole);
		assert_int_equal(mt_e820_type_at(&p, 0xffffffffffull) == MT_E820_RESERVED,
				 rows[i].hole);
	}
}

static void test_ovmf_mmconfig_moves_to_0xe0000000_in_202305(void **state)
{
	static const struct {
		mt_machine machine;
		unsigned version;
		uint64_t mmcfg; /* 0: none */
	} rows[] = {
		{ MT_MACHINE_Q35, 202211, 0xb0000000 }, { MT_MACHINE_Q35, 202302, 0xb0000000 },
		{ MT_MACHINE_Q35, 202305, 0xe0000000 }, { MT_MACHINE_Q35, 0, 0xe0000000 },
		{ MT_MACHINE_I440FX, 202211, 0 },	 { MT_MACHINE_I440FX, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct mt_platform p;

		make(&p, rows[i].machine, 8 * GiB, MEMTYPE_CPU_INTEL, 46);
		preset(&p, MT_FW_OVMF, rows[i].version);
		/* (On i440fx 0xB0000000 is low RAM.) */
		assert_int_equal(mt_e820_type_at(&p, 0xb0000000) == MT_E820_RESERVED,
				 rows[i].mmcfg == 0xb0000000);
		assert_int_equal(mt_e820_type_at(&p, 0xefffffff) == MT_E820_RESERVED,
				 rows[i].mmcfg == 0xe0000000);
	}
}

/* From 202302 OVMF passes QEMU's reservations through (bf65d7ee88). */
static void test_ovmf_passes_ht_hole_through_from_202302(void **state)
{
	struct mt_platform p;

	(void)state;
	make(&p, MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_AMD, 40);
	preset(&p, MT_FW_OVMF, 202211);
	assert_int_equal(mt_e820_type_at(&p, 0xfd00000000ull), 0);
	preset(&p, MT_FW_OVMF, 202302);
	assert_int_equal(mt_e820_type_at(&p, 0xfd00000000ull), MT_E820_RESERVED);
}

/* The firmware areas near the end of low RAM keep their distance from it. */
static void test_ovmf_layout_shifts_with_end_of_low_ram(void **state)
{
	struct mt_platform p;

	(void)state;
	make(&p, MT_MACHINE_Q35, 1 * GiB, MEMTYPE_CPU_AMD, 40);
	p.no_page1gb = true; /* the PEI memory of the capture (see above) */
	preset(&p, MT_FW_OVMF, 202211);
	assert_int_equal(p.ne820, ARRAY_LEN(ovmf_q35_8g) - 1); /* no high RAM */
	assert_int_equal(mt_e820_end_of_low_ram(&p, false), 0x3ff58000);
	assert_int_equal(mt_e820_type_at(&p, 0x3f76d000), MT_E820_ACPI);
	assert_int_equal(mt_e820_type_at(&p, 0x3fffffff), MT_E820_NVS);
	assert_int_equal(mt_e820_type_at(&p, 0x00800000), MT_E820_NVS);
	assert_true(mt_e820_all_ram(&p, 0x900000, 0x3eab6fff));
	assert_false(mt_e820_any_ram(&p, 0x40000000, 0xffffffff));
}

static void test_preset_refuses_what_it_cannot_model(void **state)
{
	static const struct {
		mt_machine machine;
		uint64_t ram;
		memtype_cpu cpu;
		unsigned bits;
	} rows[] = {
		{ MT_MACHINE_CUSTOM, 8 * GiB, MEMTYPE_CPU_INTEL, 40 },
		{ MT_MACHINE_Q35, 32 * MiB, MEMTYPE_CPU_INTEL, 40 },
		{ MT_MACHINE_Q35, 8 * GiB + 4096, MEMTYPE_CPU_INTEL, 40 },
		{ MT_MACHINE_Q35, 64 * GiB, MEMTYPE_CPU_INTEL, 36 },
		{ MT_MACHINE_I440FX, 1024 * GiB, MEMTYPE_CPU_AMD, 48 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		memtype_ctx *ctx = memtype_ctx_new(NULL, NULL);
		struct mt_firmware fw;
		struct mt_platform p;

		memset(&fw, 0, sizeof(fw));
		fw.kind = MT_FW_SEABIOS;
		make(&p, rows[i].machine, rows[i].ram, rows[i].cpu, rows[i].bits);
		assert_int_equal(mt_platform_apply_preset(ctx, &p, &fw), -EINVAL);
		assert_true(memtype_ctx_error(ctx)->message[0] != '\0');
		memtype_ctx_free(ctx);
	}
}

/* ---------------------------------------------------------------------------
 * e820__end_of_low_ram_pfn().
 */

static void test_end_of_low_ram_of_the_captures(void **state)
{
	struct mt_platform p;

	(void)state;
	/* "last_pfn = 0x7ffdf" and "last_pfn = 0x7ff58" in the captures. */
	make(&p, MT_MACHINE_Q35, 8 * GiB, MEMTYPE_CPU_AMD, 40);
	preset(&p, MT_FW_SEABIOS, 11602);
	assert_int_equal(mt_e820_end_of_low_ram(&p, false) >> 12, 0x7ffdf);
	assert_int_equal(mt_e820_end_of_low_ram(&p, true) >> 12, 0x7ffdf);
	preset(&p, MT_FW_OVMF, 202211);
	assert_int_equal(mt_e820_end_of_low_ram(&p, false), 0x7ff58000);
	assert_int_equal(mt_e820_end_of_low_ram(&p, false) >> 12, 0x7ff58);
	assert_int_equal(mt_e820_end_of_low_ram(&p, true), 0x7ff58000);
	/* QEMU's TOLUD is not the e820 end. */
	assert_int_equal(mt_platform_low_ram_end(&p), 0x80000000);
}

static void set_table(struct mt_platform *p, const struct mt_e820_entry *e, unsigned n)
{
	memset(p, 0, sizeof(*p));
	p->machine = MT_MACHINE_CUSTOM;
	p->phys_bits = 46;
	for (unsigned i = 0; i < n; i++)
		p->e820[i] = e[i];
	p->ne820 = n;
}

static void test_end_of_low_ram_counts_acpi_data_only_when_asked(void **state)
{
	static const struct mt_e820_entry e[] = {
		{ 0x0, 0x9fbff, MT_E820_RAM },
		{ 0x100000, 0x7ffdffff, MT_E820_RAM },
		{ 0x7ffe0000, 0x7ffeffff, MT_E820_ACPI },
		{ 0x7fff0000, 0x7fffffff, MT_E820_NVS },
		{ 0x100000000, 0x27fffffff, MT_E820_RAM },
	};
	struct mt_platform p;

	(void)state;
	set_table(&p, e, ARRAY_LEN(e));
	assert_int_equal(mt_e820_end_of_low_ram(&p, false), 0x7ffe0000);
	assert_int_equal(mt_e820_end_of_low_ram(&p, true), 0x7fff0000);
	/* A custom machine's TOLUD is read from its table. */
	assert_int_equal(mt_platform_low_ram_end(&p), 0x7ffe0000);
}

static void test_end_of_low_ram_truncates_pages_and_clamps_to_4g(void **state)
{
	static const struct mt_e820_entry partial[] = {
		{ 0x0, 0x9fbff, MT_E820_RAM },
	};
	static const struct mt_e820_entry crossing[] = {
		{ 0x0, 0x9ffff, MT_E820_RAM },
		{ 0x100000, 0x13fffffff, MT_E820_RAM },
	};
	static const struct mt_e820_entry high_only[] = {
		{ 0x100000000, 0x1ffffffff, MT_E820_RAM },
		{ 0x0, 0x7ffff, MT_E820_RAM },
		{ 0xfffff000, 0xffffffffffffffff, MT_E820_RESERVED },
	};
	struct mt_platform p;

	(void)state;
	set_table(&p, partial, ARRAY_LEN(partial));
	assert_int_equal(mt_e820_end_of_low_ram(&p, false), 0x9f000);
	set_table(&p, crossing, ARRAY_LEN(crossing));
	assert_int_equal(mt_e820_end_of_low_ram(&p, false), 1ull << 32);
	set_table(&p, high_only, ARRAY_LEN(high_only));
	assert_int_equal(mt_e820_end_of_low_ram(&p, false), 0x80000);
	set_table(&p, NULL, 0);
	assert_int_equal(mt_e820_end_of_low_ram(&p, true), 0);
}

/* ---------------------------------------------------------------------------
 * Queries.
 */

static void test_type_at_all_ram_any_ram(void **state)
{
	static const struct mt_e820_entry e[] = {
		{ 0x0, 0xfff, MT_E820_RESERVED },
		{ 0x1000, 0x9ffff, MT_E820_RAM },
		{ 0x100000, 0x1fffff, MT_E820_RAM },
		{ 0x200000, 0x2fffff, MT_E820_RAM },
		{ 0x300000, 0x300fff, MT_E820_ACPI },
		{ 0xfed00000, 0xfed003ff, MT_E820_UNUSABLE },
	};
	struct mt_platform p;

	(void)state;
	set_table(&p, e, ARRAY_LEN(e));
	assert_int_equal(mt_e820_type_at(&p, 0), MT_E820_RESERVED);
	assert_int_equal(mt_e820_type_at(&p, 0x9ffff), MT_E820_RAM);
	assert_int_equal(mt_e820_type_at(&p, 0xa0000), 0);
	assert_int_equal(mt_e820_type_at(&p, 0x300800), MT_E820_ACPI);
	assert_int_equal(mt_e820_type_at(&p, 0xfed00000), MT_E820_UNUSABLE);
	assert_int_equal(mt_e820_type_at(&p, ~0ull), 0);
	/* Adjacent RAM entries count as one run. */
	assert_true(mt_e820_all_ram(&p, 0x100000, 0x2fffff));
	assert_true(mt_e820_all_ram(&p, 0x1fffff, 0x200000));
	assert_true(mt_e820_all_ram(&p, 0x1000, 0x1000));
	assert_false(mt_e820_all_ram(&p, 0x9f000, 0xa0fff)); /* runs into a gap */
	assert_false(mt_e820_all_ram(&p, 0x2ff000, 0x300000)); /* into ACPI data */
	assert_false(mt_e820_all_ram(&p, 0x0, 0x1fff));	/* starts reserved */
	assert_false(mt_e820_all_ram(&p, 0x2000, 0x1000));	/* empty */
	assert_true(mt_e820_any_ram(&p, 0x0, 0x1000));
	assert_true(mt_e820_any_ram(&p, 0x9ffff, 0xfffff));
	assert_false(mt_e820_any_ram(&p, 0xa0000, 0xfffff));
	assert_true(mt_e820_any_ram(&p, 0x2fffff, ~0ull));
	assert_false(mt_e820_any_ram(&p, 0x300000, 0xffffffff));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_q35_seabios_8g_e820_matches_capture),
		cmocka_unit_test(test_q35_ovmf_202211_8g_e820_matches_capture),
		cmocka_unit_test(test_ovmf_acpi_block_follows_pei_memory_cap),
		cmocka_unit_test(test_capture_files_e820_lines),
		cmocka_unit_test(test_q35_split_all_low_below_0xb0000000_else_2g),
		cmocka_unit_test(test_i440fx_split_all_low_below_0xe0000000_else_3g),
		cmocka_unit_test(test_seabios_tail_follows_end_of_low_ram),
		cmocka_unit_test(test_i440fx_seabios_8g),
		cmocka_unit_test(test_ht_hole_only_for_amd_with_40_bits),
		cmocka_unit_test(test_ovmf_mmconfig_moves_to_0xe0000000_in_202305),
		cmocka_unit_test(test_ovmf_passes_ht_hole_through_from_202302),
		cmocka_unit_test(test_ovmf_layout_shifts_with_end_of_low_ram),
		cmocka_unit_test(test_preset_refuses_what_it_cannot_model),
		cmocka_unit_test(test_end_of_low_ram_of_the_captures),
		cmocka_unit_test(test_end_of_low_ram_counts_acpi_data_only_when_asked),
		cmocka_unit_test(test_end_of_low_ram_truncates_pages_and_clamps_to_4g),
		cmocka_unit_test(test_type_at_all_ram_any_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
