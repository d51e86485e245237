/*
 * test_scenario_yaml.c - the scenario file loader (src/lib/scenario_yaml.c).
 *
 * A scenario is YAML (DESIGN.md §4) parsed by mt_scenario_parse_yaml into a
 * struct mt_scenario (model.h). The tests load the DESIGN.md example and
 * check it field by field, then the defaults the loader fills in (patches
 * per Linux version, phys_bits per platform kind, KVM quirks), the number
 * spellings (0x hex, K/M/G/T suffixes, quoted or plain), the version
 * spellings of each firmware, and then one malformed file per error class,
 * each with its exact code, 1-based line and column, and for unknown keys
 * the suggested key.
 *
 * Most files start from HEAD, a minimal valid scenario of three lines, so
 * that what a test appends starts at line 4.
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

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define HEAD                                                                              \
	"name: t\n"                                                                       \
	"platform: {memory: q35, ram: 2G}\n"                                              \
	"guest: {kernel: linux, version: \"6.12\"}\n"

/* ---------------------------------------------------------------------------
 * Helpers.
 */

struct state {
	memtype_ctx *ctx;
	struct mt_scenario *s;
};

static int setup(void **state)
{
	struct state *st = calloc(1, sizeof(*st));

	assert_non_null(st);
	st->ctx = memtype_ctx_new(NULL, NULL);
	assert_non_null(st->ctx);
	st->s = malloc(sizeof(*st->s));
	assert_non_null(st->s);
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	struct state *st = *state;

	memtype_ctx_free(st->ctx);
	free(st->s);
	free(st);
	return 0;
}

static struct mt_scenario *load_ok(void **state, const char *text)
{
	struct state *st = *state;
	int rc = mt_scenario_parse_yaml(st->ctx, "ok.yaml", text, strlen(text), st->s);

	if (rc) {
		const memtype_error *e = memtype_ctx_error(st->ctx);
		fail_msg("parse failed (%d): %s:%u:%u %s: %s\n--- text:\n%s", rc,
			 e->file ? e->file : "?", e->line, e->col, e->code, e->message, text);
	}
	return st->s;
}

/* The text fails with code at line:col, and the message holds want (if not NULL). */
static void load_bad(void **state, const char *text, const char *code, unsigned line,
		     unsigned col, const char *want)
{
	struct state *st = *state;
	int rc = mt_scenario_parse_yaml(st->ctx, "bad.yaml", text, strlen(text), st->s);
	const memtype_error *e = memtype_ctx_error(st->ctx);

	if (rc == 0)
		fail_msg("expected %s at %u:%u, but it parsed\n--- text:\n%s", code, line, col,
			 text);
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(e->status, -EINVAL);
	if (strcmp(e->code, code) != 0 || e->line != line || e->col != col ||
	    (want && !strstr(e->message, want)))
		fail_msg("expected %s at %u:%u%s%s, got %s at %u:%u: %s\n--- text:\n%s", code,
			 line, col, want ? " with " : "", want ? want : "", e->code, e->line,
			 e->col, e->message, text);
	assert_non_null(e->file);
	assert_string_equal(e->file, "bad.yaml");
}

/* ---------------------------------------------------------------------------
 * The DESIGN.md §4 example, field by field (its trailing comments shortened
 * to fit 100 columns; the lines are the same).
 */

static const char design_example[] =
	"name: tdx-tpm-acpi-first\n"
	"platform:\n"
	"  cpu: intel                 # intel | amd\n"
	"  phys_bits: 46\n"
	"  memory: q35                # a preset, or a list\n"
	"  ram: 8G                    # with a preset: how much RAM\n"
	"  devices:\n"
	"    - {name: tpm,  start: 0xfed40000, size: 0x5000, backing: emulated}  # emulated|...\n"
	"    - {name: hpet, start: 0xfed00000, size: 0x400,  backing: emulated}\n"
	"hypervisor: {kind: kvm, version: \"6.16\", coco: tdx, noncoherent_dma: false}  # kind\n"
	"firmware:   {kind: ovmf, version: \"edk2-stable202502\"}   # ovmf|seabios|none|registers\n"
	"guest:      {kernel: linux, version: \"6.12\", patches: []}  # [+name, -name]\n"
	"mappings:                    # in boot order\n"
	"  - {who: acpi,    call: ioremap_cache, start: 0xfed40000, size: 0x5000}\n"
	"  - {who: tpm_tis, call: ioremap,       start: 0xfed40000, size: 0x5000}\n"
	"expect:\n"
	"  - {mapping: 1, ok: false}\n";

static void test_scenario_design_example_field_by_field(void **state)
{
	struct mt_scenario *s = load_ok(state, design_example);

	assert_string_equal(s->name, "tdx-tpm-acpi-first");
	assert_string_equal(s->file, "ok.yaml");

	assert_int_equal(s->platform.cpu, MEMTYPE_CPU_INTEL);
	assert_int_equal(s->platform.phys_bits, 46);
	assert_int_equal(s->platform.machine, MT_MACHINE_Q35);
	assert_true(s->platform.ram == 8ull << 30);
	assert_int_equal(s->platform.ne820, 0); /* the caller expands presets */
	assert_int_equal(s->platform.ndev, 2);
	assert_string_equal(s->platform.dev[0].name, "tpm");
	assert_true(s->platform.dev[0].start == 0xfed40000);
	assert_true(s->platform.dev[0].end == 0xfed44fff);
	assert_int_equal(s->platform.dev[0].backing, MT_BACKING_EMULATED);
	assert_false(s->platform.dev[0].acpi_sysmem);
	assert_string_equal(s->platform.dev[1].name, "hpet");
	assert_true(s->platform.dev[1].start == 0xfed00000);
	assert_true(s->platform.dev[1].end == 0xfed003ff);
	assert_int_equal(s->platform.dev[1].backing, MT_BACKING_EMULATED);

	assert_int_equal(s->hv.kind, MT_HV_KVM);
	assert_int_equal(s->hv.version, 616);
	assert_string_equal(s->hv.version_text, "6.16");
	assert_int_equal(s->hv.coco, MT_COCO_TDX);
	assert_false(s->hv.noncoherent_dma);
	assert_true(s->hv.quirk_cd_nw_cleared);
	assert_true(s->hv.quirk_ignore_guest_pat);

	assert_int_equal(s->firmware.kind, MT_FW_OVMF);
	assert_int_equal(s->firmware.version, 202502);
	assert_string_equal(s->firmware.version_text, "edk2-stable202502");
	assert_int_equal(s->firmware.nregs, 0);

	assert_int_equal(s->guest.version, 612);
	assert_string_equal(s->guest.version_text, "6.12");
	assert_int_equal(s->guest.patches, MT_PATCH_COCO_FORCE_WB | MT_PATCH_E820_ACPI_END);
	assert_false(s->guest.clearcpuid_mtrr);
	assert_false(s->guest.mtrr_debug);
	assert_false(s->guest.nopat);

	assert_int_equal(s->nmap, 2);
	assert_string_equal(s->map[0].who, "acpi");
	assert_int_equal(s->map[0].call, MT_CALL_IOREMAP_CACHE);
	assert_true(s->map[0].start == 0xfed40000);
	assert_true(s->map[0].end == 0xfed44fff);
	assert_string_equal(s->map[0].device, "");
	assert_int_equal(s->map[0].line, 14);
	assert_string_equal(s->map[1].who, "tpm_tis");
	assert_int_equal(s->map[1].call, MT_CALL_IOREMAP);
	assert_true(s->map[1].start == 0xfed40000);
	assert_true(s->map[1].end == 0xfed44fff);
	assert_int_equal(s->map[1].line, 15);

	assert_int_equal(s->nexpect, 1);
	assert_int_equal(s->expect[0].mapping, 1);
	assert_int_equal(s->expect[0].ok, 0);
	assert_int_equal(s->expect[0].granted, -1);
	assert_int_equal(s->expect[0].effective, -1);
	assert_string_equal(s->expect[0].message, "");
	assert_string_equal(s->expect[0].finding, "");
	assert_string_equal(s->expect[0].no_finding, "");
	assert_string_equal(s->expect[0].mtrr_source, "");
	assert_int_equal(s->expect[0].line, 17);
}

/* Every other field, in block style, keys in an unusual order (expect before mappings). */
static void test_scenario_every_field_block_style(void **state)
{
	static const char text[] =
		"expect:\n"
		"  - mapping: 0\n"
		"    granted: null\n"
		"    effective: UC-\n"
		"    message: \"conflicting memory types\"\n"
		"    finding: tpm-uc-minus\n"
		"    no_finding: pat-conflict\n"
		"  - mtrr_source: forced\n"
		"  - {mapping: 1, granted: write-back, ok: true}\n"
		"mappings:\n"
		"  - who: hpet\n"
		"    call: fixmap_nocache\n"
		"    start: 0xfed00000\n"
		"    end: 0xfed003ff\n"
		"    device: HPET0\n"
		"  - {who: tpm, call: devm_ioremap_resource, start: 0xfed40000, size: 20K}\n"
		"name: every-field\n"
		"guest:\n"
		"  kernel: linux\n"
		"  version: 6.10\n"
		"  patches: [+coco-force-wb]\n"
		"  cmdline: [clearcpuid=mtrr, mtrr=debug, nopat]\n"
		"platform:\n"
		"  cpu: amd\n"
		"  devices:\n"
		"    - {name: bar, start: 32G, size: 256M, backing: ram, acpi_sysmem: true}\n"
		"    - {name: nic, start: 0xfe000000, end: 0xfe01ffff, backing: host-mmio}\n"
		"  memory:\n"
		"    - {start: 0, end: 0x9ffff, type: ram}\n"
		"    - {start: 0xa0000, size: 0x60000, type: reserved}\n"
		"    - {start: 1M, end: 0x7fffffff, type: ram}\n"
		"    - {start: 0x80000000, size: 64K, type: acpi}\n"
		"    - {start: 0x80010000, size: 64K, type: nvs}\n"
		"    - {start: 0x80020000, size: 64K, type: unusable}\n"
		"hypervisor:\n"
		"  kind: kvm\n"
		"  version: 6.9\n"
		"  coco: snp\n"
		"  noncoherent_dma: true\n"
		"  quirks: {cd_nw_cleared: false, ignore_guest_pat: FALSE}\n"
		"firmware: {kind: seabios, version: 1.16.2}\n"
		"axes: {guest.version: [\"6.11\", \"6.12\"]}\n";
	struct mt_scenario *s = load_ok(state, text);

	assert_string_equal(s->name, "every-field");
	assert_int_equal(s->platform.cpu, MEMTYPE_CPU_AMD);
	assert_int_equal(s->platform.machine, MT_MACHINE_CUSTOM);
	assert_int_equal(s->platform.phys_bits, 36); /* explicit e820: the SDM's default */
	assert_true(s->platform.ram == 0);
	assert_int_equal(s->platform.ne820, 6);
	assert_true(s->platform.e820[0].start == 0 && s->platform.e820[0].end == 0x9ffff);
	assert_int_equal(s->platform.e820[0].type, MT_E820_RAM);
	assert_true(s->platform.e820[1].start == 0xa0000 && s->platform.e820[1].end == 0xfffff);
	assert_int_equal(s->platform.e820[1].type, MT_E820_RESERVED);
	assert_true(s->platform.e820[2].start == 0x100000);
	assert_true(s->platform.e820[2].end == 0x7fffffff);
	assert_int_equal(s->platform.e820[3].type, MT_E820_ACPI);
	assert_true(s->platform.e820[3].end == 0x8000ffff);
	assert_int_equal(s->platform.e820[4].type, MT_E820_NVS);
	assert_int_equal(s->platform.e820[5].type, MT_E820_UNUSABLE);
	assert_int_equal(s->platform.ndev, 2);
	assert_true(s->platform.dev[0].end == 0x80fffffffull);
	assert_int_equal(s->platform.dev[0].backing, MT_BACKING_RAM);
	assert_true(s->platform.dev[0].acpi_sysmem);
	assert_true(s->platform.dev[1].end == 0xfe01ffff);
	assert_int_equal(s->platform.dev[1].backing, MT_BACKING_HOST_MMIO);

	assert_int_equal(s->hv.kind, MT_HV_KVM);
	assert_int_equal(s->hv.version, 609);
	assert_int_equal(s->hv.coco, MT_COCO_SNP);
	assert_true(s->hv.noncoherent_dma);
	assert_false(s->hv.quirk_cd_nw_cleared);
	assert_false(s->hv.quirk_ignore_guest_pat);

	assert_int_equal(s->firmware.kind, MT_FW_SEABIOS);
	assert_int_equal(s->firmware.version, 11602);

	/* 6.10 as written, not the float 6.1. */
	assert_int_equal(s->guest.version, 610);
	assert_string_equal(s->guest.version_text, "6.10");
	assert_int_equal(s->guest.patches, MT_PATCH_COCO_FORCE_WB);
	assert_true(s->guest.clearcpuid_mtrr);
	assert_true(s->guest.mtrr_debug);
	assert_true(s->guest.nopat);

	assert_int_equal(s->nmap, 2);
	assert_int_equal(s->map[0].call, MT_CALL_FIXMAP_NOCACHE);
	assert_true(s->map[0].end == 0xfed003ff);
	assert_string_equal(s->map[0].device, "HPET0");
	assert_int_equal(s->map[0].line, 11);
	assert_int_equal(s->map[1].call, MT_CALL_DEVM_IOREMAP_RESOURCE);
	assert_true(s->map[1].end == 0xfed44fff);

	assert_int_equal(s->nexpect, 3);
	assert_int_equal(s->expect[0].mapping, 0);
	assert_int_equal(s->expect[0].ok, -1);
	assert_int_equal(s->expect[0].granted, -2);
	assert_int_equal(s->expect[0].effective, MEMTYPE_UC_MINUS);
	assert_string_equal(s->expect[0].message, "conflicting memory types");
	assert_string_equal(s->expect[0].finding, "tpm-uc-minus");
	assert_string_equal(s->expect[0].no_finding, "pat-conflict");
	assert_int_equal(s->expect[0].line, 2);
	assert_int_equal(s->expect[1].mapping, -1);
	assert_string_equal(s->expect[1].mtrr_source, "forced");
	assert_int_equal(s->expect[1].line, 8);
	assert_int_equal(s->expect[2].mapping, 1);
	assert_int_equal(s->expect[2].ok, 1);
	assert_int_equal(s->expect[2].granted, MEMTYPE_WB);
}

/* Sections left out get their defaults; anchors and aliases work. */
static void test_scenario_defaults_and_aliases(void **state)
{
	static const char text[] =
		"name: defaults\n"
		"platform: {memory: i440fx, ram: 1G}\n"
		"guest: {kernel: Linux, version: 6.6}\n"
		"mappings:\n"
		"  - &m {who: a, call: ioremap, start: 0xfed00000, size: 0x1000}\n"
		"  - *m\n";
	struct mt_scenario *s = load_ok(state, text);

	assert_int_equal(s->platform.cpu, MEMTYPE_CPU_INTEL);
	assert_int_equal(s->platform.machine, MT_MACHINE_I440FX);
	assert_int_equal(s->platform.phys_bits, 40); /* QEMU's default for its machines */
	assert_int_equal(s->platform.ndev, 0);
	assert_int_equal(s->hv.kind, MT_HV_NONE);
	assert_int_equal(s->hv.coco, MT_COCO_NONE);
	assert_true(s->hv.quirk_cd_nw_cleared);
	assert_true(s->hv.quirk_ignore_guest_pat);
	assert_int_equal(s->firmware.kind, MT_FW_NONE);
	assert_int_equal(s->firmware.version, 0);
	assert_int_equal(s->guest.version, 606);
	assert_int_equal(s->guest.patches, 0);
	assert_int_equal(s->nmap, 2);
	assert_string_equal(s->map[1].who, "a");
	assert_int_equal(s->nexpect, 0);
}

/* ---------------------------------------------------------------------------
 * Patches: defaults from the version, then +/- overrides in order.
 */

static void test_scenario_patch_defaults_per_version(void **state)
{
	static const struct {
		const char *version;
		unsigned version_num, patches;
	} rows[] = {
		{ "4.2", 402, 0 },
		{ "6.10", 610, 0 },
		{ "6.11", 611, MT_PATCH_E820_ACPI_END },
		{ "6.12", 612, MT_PATCH_E820_ACPI_END | MT_PATCH_COCO_FORCE_WB },
		{ "6.12.y", 612, MT_PATCH_E820_ACPI_END | MT_PATCH_COCO_FORCE_WB },
		{ "6.12.57", 612, MT_PATCH_E820_ACPI_END | MT_PATCH_COCO_FORCE_WB },
		{ "6.17", 617, MT_PATCH_E820_ACPI_END | MT_PATCH_COCO_FORCE_WB },
		{ "6.18", 618,
		  MT_PATCH_E820_ACPI_END | MT_PATCH_COCO_FORCE_WB | MT_PATCH_CVE_2025_40181 },
		{ "6.99", 699,
		  MT_PATCH_E820_ACPI_END | MT_PATCH_COCO_FORCE_WB | MT_PATCH_CVE_2025_40181 },
	};

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		char text[256];
		snprintf(text, sizeof(text),
			 "name: t\nplatform: {memory: q35, ram: 2G}\n"
			 "guest: {kernel: linux, version: \"%s\"}\n",
			 rows[i].version);
		struct mt_scenario *s = load_ok(state, text);
		if (s->guest.version != rows[i].version_num || s->guest.patches != rows[i].patches)
			fail_msg("version %s: got %u patches 0x%x, expected %u patches 0x%x",
				 rows[i].version, s->guest.version, s->guest.patches,
				 rows[i].version_num, rows[i].patches);
	}
}

static void test_scenario_patch_overrides(void **state)
{
	static const struct {
		const char *version, *patches;
		unsigned want;
	} rows[] = {
		{ "6.12", "[]", MT_PATCH_E820_ACPI_END | MT_PATCH_COCO_FORCE_WB },
		{ "6.12", "[+cve-2025-40181]",
		  MT_PATCH_E820_ACPI_END | MT_PATCH_COCO_FORCE_WB | MT_PATCH_CVE_2025_40181 },
		{ "6.12", "[+0dccbc75e18d]",
		  MT_PATCH_E820_ACPI_END | MT_PATCH_COCO_FORCE_WB | MT_PATCH_CVE_2025_40181 },
		{ "6.12", "[-8e690b817e38]", MT_PATCH_E820_ACPI_END },
		{ "6.12", "[-coco-force-wb, -e820-acpi-end]", 0 },
		{ "6.10", "[+06fa48d85b09]", MT_PATCH_E820_ACPI_END },
		{ "6.18", "[-CVE-2025-40181]", MT_PATCH_E820_ACPI_END | MT_PATCH_COCO_FORCE_WB },
		/* In order: the last word wins. */
		{ "6.10", "[+coco-force-wb, -8e690b817e38]", 0 },
		{ "6.10", "[-coco-force-wb, +8e690b817e38]", MT_PATCH_COCO_FORCE_WB },
		{ "6.10", "\n    - +e820-acpi-end\n    - +coco-force-wb",
		  MT_PATCH_E820_ACPI_END | MT_PATCH_COCO_FORCE_WB },
	};

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		char text[256];
		snprintf(text, sizeof(text),
			 "name: t\nplatform: {memory: q35, ram: 2G}\n"
			 "guest:\n  kernel: linux\n  version: \"%s\"\n  patches: %s\n",
			 rows[i].version, rows[i].patches);
		struct mt_scenario *s = load_ok(state, text);
		if (s->guest.patches != rows[i].want)
			fail_msg("%s %s: got patches 0x%x, expected 0x%x", rows[i].version,
				 rows[i].patches, s->guest.patches, rows[i].want);
	}
}

/* ---------------------------------------------------------------------------
 * Numbers and versions.
 */

static void test_scenario_size_suffixes_and_number_spellings(void **state)
{
	static const char text[] = HEAD
		"mappings:\n"
		"  - {who: a, call: ioremap, start: 4G, size: 4K}\n"
		"  - {who: b, call: ioremap, start: \"0x1000\", size: '1M'}\n"
		"  - {who: c, call: ioremap, start: 0XFED40000, end: 0xfed44fff}\n"
		"  - {who: d, call: ioremap, start: 65536, size: 1}\n"
		"  - {who: e, call: ioremap, start: 0x100000000, size: 2g}\n"
		"  - {who: f, call: ioremap, start: 0, size: 1T}\n";
	struct mt_scenario *s = load_ok(state, text);

	assert_true(s->platform.ram == 2ull << 30);
	assert_int_equal(s->nmap, 6);
	assert_true(s->map[0].start == 1ull << 32 && s->map[0].end == (1ull << 32) + 0xfff);
	assert_true(s->map[1].start == 0x1000 && s->map[1].end == 0x100fff);
	assert_true(s->map[2].start == 0xfed40000 && s->map[2].end == 0xfed44fff);
	assert_true(s->map[3].start == 0x10000 && s->map[3].end == 0x10000);
	assert_true(s->map[4].end == 0x17fffffffull);
	assert_true(s->map[5].end == (1ull << 40) - 1); /* exactly 2^phys_bits (40) */
}

static void test_scenario_firmware_versions(void **state)
{
	static const struct {
		const char *fw;
		mt_fw_kind kind;
		unsigned version;
	} rows[] = {
		{ "{kind: ovmf, version: edk2-stable202411}", MT_FW_OVMF, 202411 },
		{ "{kind: ovmf, version: \"202411\"}", MT_FW_OVMF, 202411 },
		{ "{kind: ovmf, version: 202411}", MT_FW_OVMF, 202411 },
		{ "{kind: ovmf, version: \"2022.11\"}", MT_FW_OVMF, 202211 },
		{ "{kind: ovmf}", MT_FW_OVMF, 0 },
		{ "{kind: OVMF, version: edk2-stable202205}", MT_FW_OVMF, 202205 },
		{ "{kind: seabios, version: \"1.16.2\"}", MT_FW_SEABIOS, 11602 },
		{ "{kind: seabios, version: rel-1.16.3}", MT_FW_SEABIOS, 11603 },
		{ "{kind: seabios, version: \"1.15\"}", MT_FW_SEABIOS, 11500 },
		{ "{kind: seabios}", MT_FW_SEABIOS, 0 },
		{ "{kind: none}", MT_FW_NONE, 0 },
		{ "{}", MT_FW_NONE, 0 },
	};

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		char text[256];
		snprintf(text, sizeof(text), HEAD "firmware: %s\n", rows[i].fw);
		struct mt_scenario *s = load_ok(state, text);
		if (s->firmware.kind != rows[i].kind || s->firmware.version != rows[i].version)
			fail_msg("%s: got kind %d version %u", rows[i].fw, s->firmware.kind,
				 s->firmware.version);
	}
}

static void test_scenario_firmware_registers(void **state)
{
	static const char text[] = HEAD
		"firmware:\n"
		"  kind: registers\n"
		"  registers:\n"
		"    - {msr: IA32_MTRR_DEF_TYPE, value: 0}\n"
		"    - {msr: 0x200, value: 0x6}\n"
		"    - {msr: IA32_MTRR_PHYSMASK0, value: 0xf80000800}\n"
		"    - {msr: MSR_MTRRdefType, value: 0xc06}\n";
	struct mt_scenario *s = load_ok(state, text);

	assert_int_equal(s->firmware.kind, MT_FW_REGISTERS);
	assert_int_equal(s->firmware.nregs, 4);
	assert_int_equal(s->firmware.regs[0].index, 0x2ff);
	assert_true(s->firmware.regs[0].value == 0);
	assert_int_equal(s->firmware.regs[1].index, 0x200);
	assert_true(s->firmware.regs[1].value == 6);
	assert_int_equal(s->firmware.regs[2].index, 0x201);
	assert_true(s->firmware.regs[2].value == 0xf80000800ull);
	assert_int_equal(s->firmware.regs[3].index, 0x2ff);
	assert_true(s->firmware.regs[3].value == 0xc06);
}

/* ---------------------------------------------------------------------------
 * Malformed files: one per error class, exact code, line and column.
 */

static void test_scenario_error_yaml_syntax(void **state)
{
	/* An unclosed flow sequence: libyaml notices at the end of the stream. */
	load_bad(state, HEAD "mappings: [\n  {who: a}\n", "yaml-syntax", 6, 1, "flow sequence");
	/* A key indented deeper than its siblings. */
	load_bad(state, "name: t\nplatform:\n  cpu: intel\n    phys_bits: 40\n", "yaml-syntax", 4,
		 14, "mapping values are not allowed");
	/* A tab as indentation. */
	load_bad(state, "name: t\nplatform:\n\tcpu: intel\n", "yaml-syntax", 3, 1, NULL);
	/* Bytes that are not UTF-8 (reader error: position from the byte offset). */
	load_bad(state, "name: t\nplatform: \xff\n", "yaml-syntax", 2, 11, "UTF-8");
	/* An alias to an anchor that does not exist. */
	load_bad(state, HEAD "mappings: *nowhere\n", "yaml-syntax", 4, 11, "undefined alias");
	/* Two documents. */
	load_bad(state, HEAD "---\nname: u\n", "yaml-syntax", 5, 1, "one YAML document");
}

static void test_scenario_error_unknown_key_suggests(void **state)
{
	load_bad(state,
		 "name: t\nplatform:\n  memory: q35\n  ram: 2G\n  phys_bit: 46\n"
		 "guest: {kernel: linux, version: \"6.12\"}\n",
		 "unknown-key", 5, 3,
		 "unknown key 'phys_bit' in platform (did you mean 'phys_bits'?)");
	load_bad(state, HEAD "hypervisor: {knd: kvm}\n", "unknown-key", 4, 14,
		 "unknown key 'knd' in hypervisor (did you mean 'kind'?)");
	load_bad(state, HEAD "mappings:\n  - {who: a, cal: ioremap, start: 0, size: 1}\n",
		 "unknown-key", 5, 14, "in mappings[0] (did you mean 'call'?)");
	load_bad(state, HEAD "expects: []\n", "unknown-key", 4, 1,
		 "unknown key 'expects' in the scenario (did you mean 'expect'?)");
	load_bad(state,
		 HEAD "hypervisor: {kind: kvm, version: 6.16, quirks: {cd_nw_clear: true}}\n",
		 "unknown-key", 4, 49, "(did you mean 'cd_nw_cleared'?)");
}

static void test_scenario_error_duplicate_key(void **state)
{
	load_bad(state, HEAD "name: again\n", "duplicate-key", 4, 1,
		 "duplicate key 'name' in the scenario (first at line 1)");
}

static void test_scenario_error_wrong_type(void **state)
{
	load_bad(state, HEAD "hypervisor: {noncoherent_dma: \"yes\"}\n", "bad-type", 4, 31,
		 "true or false");
	load_bad(state, HEAD "hypervisor: {noncoherent_dma: yes}\n", "bad-type", 4, 31, NULL);
	load_bad(state, "name: [a, b]\n", "bad-type", 1, 7, "name must be a string, not a list");
	load_bad(state, HEAD "mappings: {who: a}\n", "bad-type", 4, 11, "mappings must be a list");
	load_bad(state, HEAD "mappings:\n  - {who: a, call: ioremap, start: hello, size: 1}\n",
		 "bad-type", 5, 36, "must be a number");
	load_bad(state, HEAD "expect:\n  - {mapping: ~}\n", "bad-type", 5, 15, NULL);
	load_bad(state, "- a\n- b\n", "bad-type", 1, 1, "a scenario must be a mapping");
}

static void test_scenario_error_bad_value(void **state)
{
	load_bad(state, HEAD "mappings:\n  - {who: a, call: iomap, start: 0, size: 1}\n",
		 "bad-value", 5, 20, "unknown call 'iomap' (valid: ioremap, ioremap_uc");
	load_bad(state,
		 "name: t\nplatform: {memory: q35, ram: 2G, phys_bits: 60}\n"
		 "guest: {kernel: linux, version: \"6.12\"}\n",
		 "bad-value", 2, 45, "outside 32..52");
	load_bad(state, HEAD "guest2: 1\n", "unknown-key", 4, 1, "did you mean 'guest'?");
	load_bad(state, HEAD "mappings:\n  - {who: a, call: ioremap, start: 0x2000, end: 0x1000}\n",
		 "bad-value", 5, 49, "below its start");
	load_bad(state, HEAD "mappings:\n  - {who: a, call: ioremap, start: 0, size: 1, end: 0}\n",
		 "bad-value", 5, 53, "both 'size' and 'end'");
	load_bad(state, HEAD "firmware: {kind: ovmf, version: edk2-stable2024}\n", "bad-value", 4,
		 33, "EDK2 release");
	load_bad(state,
		 "name: t\nplatform: {memory: q35, ram: 2G}\n"
		 "guest: {kernel: linux, version: \"6.12\", cmdline: [pat=off]}\n",
		 "bad-value", 3, 51, "unknown kernel parameter 'pat=off'");
	load_bad(state,
		 "name: t\nplatform: {memory: [{start: 0, size: 1M, type: ram}], ram: 1G}\n"
		 "guest: {kernel: linux, version: \"6.12\"}\n",
		 "bad-value", 2, 60, "only for a preset");
}

static void test_scenario_error_overlapping_e820(void **state)
{
	load_bad(state,
		 "name: t\n"
		 "platform:\n"
		 "  memory:\n"
		 "    - {start: 0, end: 0x9ffff, type: ram}\n"
		 "    - {start: 0x9f000, size: 0x1000, type: reserved}\n"
		 "guest: {kernel: linux, version: \"6.12\"}\n",
		 "overlap", 5, 7, "overlaps entry 0");
	/* Out of order but disjoint: a bad-value, not an overlap. */
	load_bad(state,
		 "name: t\n"
		 "platform:\n"
		 "  memory:\n"
		 "    - {start: 1M, end: 2M, type: ram}\n"
		 "    - {start: 0, end: 0x9ffff, type: ram}\n"
		 "guest: {kernel: linux, version: \"6.12\"}\n",
		 "bad-value", 5, 7, "address order");
}

static void test_scenario_error_address_beyond_phys_bits(void **state)
{
	/* phys_bits 36: the highest address is 0xfffffffff. */
	load_bad(state,
		 "name: t\nplatform: {memory: q35, ram: 2G, phys_bits: 36}\n"
		 "guest: {kernel: linux, version: \"6.12\"}\n"
		 "mappings:\n  - {who: a, call: ioremap, start: 0x1000000000, size: 0x1000}\n",
		 "out-of-range", 5, 36, "beyond phys_bits 36");
	/* The start fits, the end does not: the size is blamed. */
	load_bad(state,
		 "name: t\nplatform: {memory: q35, ram: 2G, phys_bits: 36}\n"
		 "guest: {kernel: linux, version: \"6.12\"}\n"
		 "mappings:\n  - {who: a, call: ioremap, start: 0xffffff000, size: 0x2000}\n",
		 "out-of-range", 5, 55, "ends beyond phys_bits 36");
	/* Devices and e820 entries too. */
	load_bad(state,
		 "name: t\nplatform:\n  memory: q35\n  ram: 2G\n"
		 "  devices: [{name: x, start: 0x10000000000, size: 1}]\n"
		 "guest: {kernel: linux, version: \"6.12\"}\n",
		 "out-of-range", 5, 30, "phys_bits 40");
	/* start + size past 2^64. */
	load_bad(state, HEAD "mappings:\n  - {who: a, call: ioremap, start: 0xffffffffffffff00, "
			      "size: 0x1000}\n",
		 "out-of-range", 5, 62, "wraps");
}

static void test_scenario_error_mapping_of_size_0(void **state)
{
	load_bad(state, HEAD "mappings:\n  - {who: a, call: ioremap, start: 0xfed40000, size: 0}\n",
		 "bad-value", 5, 54, "mapping of size 0");
}

static void test_scenario_error_unknown_version(void **state)
{
	load_bad(state,
		 "name: t\nplatform: {memory: q35, ram: 2G}\n"
		 "guest: {kernel: linux, version: \"7.1\"}\n",
		 "unknown-version", 3, 33,
		 "unknown Linux version '7.1' (the model knows 4.2 to 6.99)");
	load_bad(state,
		 "name: t\nplatform: {memory: q35, ram: 2G}\n"
		 "guest: {kernel: linux, version: \"3.10\"}\n",
		 "unknown-version", 3, 33, NULL);
	load_bad(state, HEAD "hypervisor: {kind: kvm, version: \"2.4\"}\n", "unknown-version", 4,
		 34, "unknown KVM version '2.4' (the model knows 2.6 to 6.99)");
	/* Not a version at all. */
	load_bad(state,
		 "name: t\nplatform: {memory: q35, ram: 2G}\n"
		 "guest: {kernel: linux, version: latest}\n",
		 "bad-value", 3, 33, "not a version");
}

static void test_scenario_error_unknown_patch(void **state)
{
	load_bad(state,
		 "name: t\nplatform: {memory: q35, ram: 2G}\n"
		 "guest:\n  kernel: linux\n  version: \"6.12\"\n"
		 "  patches:\n    - +coco-force-wb\n    - -deadbeef\n",
		 "bad-value", 8, 7, "unknown patch '-deadbeef' (valid: 8e690b817e38");
	load_bad(state,
		 "name: t\nplatform: {memory: q35, ram: 2G}\n"
		 "guest: {kernel: linux, version: \"6.12\", patches: [coco-force-wb]}\n",
		 "bad-value", 3, 51, "+name");
}

static void test_scenario_error_expect_index_out_of_range(void **state)
{
	load_bad(state,
		 HEAD "mappings:\n  - {who: a, call: ioremap, start: 0, size: 1}\n"
		      "expect:\n  - {mapping: 0, ok: true}\n  - {mapping: 1, ok: true}\n",
		 "out-of-range", 8, 15, "has 1 mapping");
	load_bad(state, HEAD "expect:\n  - {ok: true}\n", "missing-key", 5, 5, "no 'mapping'");
}

static void test_scenario_error_missing_keys(void **state)
{
	load_bad(state,
		 "platform: {memory: q35, ram: 2G}\nguest: {kernel: linux, version: \"6.12\"}\n",
		 "missing-key", 1, 1, "no 'name'");
	load_bad(state, "", "missing-key", 1, 1, "no 'name'");
	load_bad(state, "# only a comment\n", "missing-key", 1, 1, "no 'name'");
	load_bad(state, "name: t\nplatform: {memory: q35}\nguest: {kernel: linux, version: 6.12}\n",
		 "missing-key", 2, 11, "no 'ram'");
	load_bad(state, "name: t\nplatform: {memory: q35, ram: 1G}\n", "missing-key", 1, 1,
		 "no 'guest'");
	load_bad(state, HEAD "hypervisor: {kind: kvm}\n", "missing-key", 4, 13, "'version'");
	load_bad(state, HEAD "mappings:\n  - {who: a, call: ioremap, start: 0}\n", "missing-key",
		 5, 5, "'size' or 'end'");
	load_bad(state, HEAD "firmware: {kind: registers}\n", "missing-key", 4, 11, "registers");
}

static void test_scenario_error_coco_without_kvm(void **state)
{
	load_bad(state, HEAD "hypervisor: {kind: none, coco: tdx}\n", "bad-value", 4, 32,
		 "needs hypervisor kind: kvm");
	load_bad(state, HEAD "hypervisor: {coco: snp}\n", "bad-value", 4, 20, "kind: kvm");
	/* TDX is Intel's, SNP AMD's. */
	load_bad(state, HEAD "hypervisor: {kind: kvm, version: 6.16, coco: snp}\n", "bad-value", 4,
		 46, "cpu: amd");
}

/* Scalars in messages are cut, and NUL bytes in strings are refused. */
static void test_scenario_error_long_and_nul_strings(void **state)
{
	load_bad(state, "name: \"a\\0b\"\n", "bad-value", 1, 7, "NUL");
	load_bad(state,
		 "name: t\nplatform: {memory: q35, ram: 2G}\n"
		 "guest: {kernel: linux, version: \"6.12\"}\n"
		 "mappings: [{who: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, "
		 "call: ioremap, start: 0, size: 1}]\n",
		 "bad-value", 4, 18, "too long");
}

/* A NULL text is an empty file; every failure keeps file, line and column. */
static void test_scenario_null_text_and_default_file_name(void **state)
{
	struct state *st = *state;
	int rc = mt_scenario_parse_yaml(st->ctx, NULL, NULL, 0, st->s);
	const memtype_error *e = memtype_ctx_error(st->ctx);

	assert_int_equal(rc, -EINVAL);
	assert_string_equal(e->code, "missing-key");
	assert_non_null(e->file);
	assert_string_equal(e->file, "<scenario>");
	assert_int_equal(e->line, 1);
	assert_int_equal(e->col, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scenario_design_example_field_by_field, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scenario_every_field_block_style, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scenario_defaults_and_aliases, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scenario_patch_defaults_per_version, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scenario_patch_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scenario_size_suffixes_and_number_spellings,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_scenario_firmware_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scenario_firmware_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scenario_error_yaml_syntax, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scenario_error_unknown_key_suggests, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scenario_error_duplicate_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scenario_error_wrong_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scenario_error_bad_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scenario_error_overlapping_e820, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scenario_error_address_beyond_phys_bits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scenario_error_mapping_of_size_0, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scenario_error_unknown_version, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scenario_error_unknown_patch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scenario_error_expect_index_out_of_range,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_scenario_error_missing_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scenario_error_coco_without_kvm, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scenario_error_long_and_nul_strings, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scenario_null_text_and_default_file_name,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
