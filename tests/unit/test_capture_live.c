/*
 * test_capture_live.c - what the capture parsers and explain make of a
 * `memtype capture` file (docs/capture-format.md): its "# section:" blocks
 * (the iomem block skipped quietly), the kernel banner and the e820 map given
 * twice (once from /proc/version and /sys/firmware/memmap, once from the
 * kernel log), and the register state a capture gives `memtype resolve`
 * (memtype_capture_msr, memtype_capture_to_regs).
 *
 * Expected values are worked out in the comments from the SDM and the
 * kernel's formats; the captures are shaped after the QEMU q35/SeaBIOS guest
 * in ../shared/corpus/qemu/q35-seabios-8g.log.
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

#include "capture.h"

struct t {
	memtype_ctx *ctx;
	memtype_capture *cap;
	memtype_explain *ex;
	memtype_regs *regs;
	memtype_mtrr *mtrr;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	t->ctx = memtype_ctx_new(NULL, NULL);
	*state = t;
	return t->ctx ? 0 : -1;
}

static int teardown(void **state)
{
	struct t *t = *state;

	memtype_mtrr_free(t->mtrr);
	memtype_regs_free(t->regs);
	memtype_explain_free(t->ex);
	memtype_capture_free(t->cap);
	memtype_ctx_free(t->ctx);
	free(t);
	return 0;
}

static memtype_capture *parse(struct t *t, const char *text)
{
	memtype_capture_free(t->cap);
	t->cap = NULL;
	if (memtype_capture_parse(t->ctx, "cap.txt", text, strlen(text), MEMTYPE_CAPTURE_AUTO,
				  &t->cap) != 0)
		fail_msg("parse failed: %s: %s", memtype_ctx_error(t->ctx)->code,
			 memtype_ctx_error(t->ctx)->message);
	return t->cap;
}

static const memtype_explain_info *explain(struct t *t)
{
	memtype_explain_free(t->ex);
	t->ex = NULL;
	assert_int_equal(
	    memtype_explain_run(t->ctx, (const memtype_capture *const *)&t->cap, 1, &t->ex), 0);
	return memtype_explain_get(t->ex);
}

static bool has_diag(const memtype_capture *c, const char *code)
{
	memtype_diag d;

	for (size_t i = 0; i < memtype_capture_diag_count(c, NULL); i++)
		if (memtype_capture_diag(c, i, &d) == 0 && strcmp(d.code, code) == 0)
			return true;
	return false;
}

static uint64_t usable_bytes(const memtype_explain_info *info)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < info->ne820; i++)
		if (strcmp(info->e820[i].name, "usable") == 0)
			sum += info->e820[i].end - info->e820[i].start + 1;
	return sum;
}

/* The q35/SeaBIOS guest's e820 map as the kernel prints it. */
#define E820_Q35                                                                                   \
	"BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"                          \
	"BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n"                        \
	"BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved\n"                        \
	"BIOS-e820: [mem 0x0000000000100000-0x000000007ffdefff] usable\n"                          \
	"BIOS-e820: [mem 0x0000000100000000-0x000000027fffffff] usable\n"
#define TS     "[    0.000000] "
#define BANNER "Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP\n"

/* ------------------------------------------------------------ sections */

/*
 * A capture lists the e820 map twice: from /sys/firmware/memmap and in the
 * kernel log. Both come from e820_table_firmware (arch/x86/kernel/e820.c),
 * so explain must hold five entries, 640 KiB - 1 KiB + 2 GiB - 1 MiB -
 * 132 KiB + 6 GiB of RAM -- not twice that -- and read the kernel-log
 * banner as the same boot as /proc/version's.
 */
static void test_e820_and_banner_given_twice(void **state)
{
	struct t *t = *state;
	const memtype_capture *c =
	    parse(t, "# section: kernel\n" BANNER "# section: memmap\n" E820_Q35
		     "# section: kernel-log\n" TS BANNER TS "BIOS-provided physical RAM map:\n" TS
		     "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n" TS
		     "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n" TS
		     "BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved\n" TS
		     "BIOS-e820: [mem 0x0000000000100000-0x000000007ffdefff] usable\n" TS
		     "BIOS-e820: [mem 0x0000000100000000-0x000000027fffffff] usable\n" TS
		     "x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  \n");

	assert_false(c->second_boot);
	assert_false(has_diag(c, "second-boot"));
	assert_int_equal(c->ne820, 5);
	assert_int_equal(c->e820_dups, 5);
	assert_true(c->pat_seen); /* a kernel-log line after the second banner is read */
	const memtype_explain_info *info = explain(t);
	assert_int_equal(info->ne820, 5);
	assert_int_equal(usable_bytes(info),
			 0x9fc00ull + (0x7ffdf000ull - 0x100000) + (6ull << 30));
	assert_string_equal(info->kernel, "6.1.0-56-amd64");
	assert_int_equal(info->ndiags, 0);
}

/* Two identical banners in a plain log are still two boots (a reboot into
 * the same kernel): the second one's lines are not read. */
static void test_banner_twice_in_a_log_is_two_boots(void **state)
{
	struct t *t = *state;
	const memtype_capture *c =
	    parse(t, TS BANNER TS
		  "x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  \n" TS BANNER TS
		  "x86/PAT: Configuration [0-7]: WB  WT  UC- UC  WB  WT  UC- UC  \n");

	assert_true(c->second_boot);
	assert_true(has_diag(c, "second-boot"));
	assert_int_equal(c->pat, 0x0407050600070106ull); /* the first boot's */
}

/* The same range with another type word: the first is kept, and said. */
static void test_e820_mismatch(void **state)
{
	struct t *t = *state;
	const memtype_capture *c =
	    parse(t, "BIOS-e820: [mem 0x00000000fed1c000-0x00000000fed1ffff] reserved\n"
		     "BIOS-e820: [mem 0x00000000fed1c000-0x00000000fed1ffff] type 13\n");

	assert_int_equal(c->ne820, 1);
	assert_string_equal(c->e820[0].name, "reserved");
	assert_true(has_diag(c, "e820-mismatch"));
}

/*
 * An SNP host reserves the 2 MiB edges of its RMP table in
 * e820_table_firmware after the kernel printed its map
 * (arch/x86/virt/svm/sev.c snp_fixup_e820_tables), so /sys/firmware/memmap
 * splits the log's one usable entry in three. Whichever comes first is
 * kept; an entry overlapping it is dropped and said (e820-overlap), one of
 * the same type lying within it dropped quietly -- the RAM is never counted
 * twice. memmap first: 1 MiB..1 GiB + (2 GiB - 1 GiB - 2 MiB) usable.
 */
#define E820_SPLIT                                                                                 \
	"BIOS-e820: [mem 0x0000000000100000-0x000000003fffffff] usable\n"                          \
	"BIOS-e820: [mem 0x0000000040000000-0x00000000401fffff] reserved\n"                        \
	"BIOS-e820: [mem 0x0000000040200000-0x000000007fffffff] usable\n"
#define E820_MERGED "BIOS-e820: [mem 0x0000000000100000-0x000000007fffffff] usable\n"

static void test_e820_overlap_is_read_once(void **state)
{
	struct t *t = *state;
	const memtype_capture *c =
	    parse(t, "# section: memmap\n" E820_SPLIT "# section: kernel-log\n" TS E820_MERGED);

	assert_int_equal(c->ne820, 3);
	assert_int_equal(c->e820_dups, 1);
	assert_true(has_diag(c, "e820-overlap"));
	assert_false(has_diag(c, "e820-mismatch"));
	assert_int_equal(usable_bytes(explain(t)), 0x80000000ull - 0x100000 - 0x200000);

	/* The log first: its usable entry is kept, memmap's two usable pieces
	 * lie within it (quiet), the reserved piece overlaps it (said). */
	c = parse(t, "# section: kernel-log\n" TS E820_MERGED "# section: memmap\n" E820_SPLIT);
	assert_int_equal(c->ne820, 1);
	assert_int_equal(c->e820_dups, 3);
	assert_int_equal(memtype_capture_diag_count(c, NULL), 1);
	assert_true(has_diag(c, "e820-overlap"));
	assert_int_equal(usable_bytes(explain(t)), 0x80000000ull - 0x100000);
}

/*
 * /proc/iomem ("START-END : NAME", indented by depth; all zeros without
 * CAP_SYS_ADMIN, kernel/resource.c r_show) is skipped quietly: no
 * diagnostic, no line used, and nothing taken for an MSR dump or a map.
 */
static void test_iomem_section_is_skipped(void **state)
{
	struct t *t = *state;
	const memtype_capture *c =
	    parse(t, "# section: msr\n"
		     "cpu0: 0x2ff: 0xc06\n"
		     "# section: iomem\n"
		     "00000000-00000fff : Reserved\n"
		     "00001000-0009fbff : System RAM\n"
		     "  000f0000-000fffff : System ROM\n"
		     "fed00000-fed003ff : HPET 0\n"
		     "  24e000000-24ee01d31 : Kernel code\n"
		     "00000000-00000000 : PCI Bus 0000:00\n"
		     "# section: pat_memtype_list\n"
		     "PAT memtype list:\n"
		     "PAT: [mem 0x00000000b0000000-0x00000000c0000000] uncached-minus\n");

	assert_int_equal(c->skipped_iomem, 6);
	assert_int_equal(memtype_capture_diag_count(c, NULL), 0);
	assert_int_equal(memtype_capture_used_count(c), 3); /* 0x2ff, the PAT list's two lines */
	assert_int_equal(c->npatlist, 1);
	assert_int_equal(c->ne820, 0);
}

/* ------------------------------------------------------------ registers */

/* Two CPUs of the q35/SeaBIOS guest (DEF_TYPE WB, fixed WB/UC/WP, one UC
 * pair over [3 GiB, 4 GiB)), cpu1 with another DEF_TYPE. */
#define MSRS_Q35                                                                                   \
	"vendor_id : AuthenticAMD\n"                                                               \
	"cpuid 0x80000008 eax 0x3028 phys_bits 40\n"                                               \
	"cpu0: 0xfe: 0x508\n"                                                                      \
	"cpu0: 0x2ff: 0xc06\n"                                                                     \
	"cpu0: 0x250: 0x606060606060606\n"                                                         \
	"cpu0: 0x258: 0x606060606060606\n"                                                         \
	"cpu0: 0x259: 0x0\n"                                                                       \
	"cpu0: 0x268: 0x505050505050505\n"                                                         \
	"cpu0: 0x269: 0x505050505050505\n"                                                         \
	"cpu0: 0x26a: 0x505050505050505\n"                                                         \
	"cpu0: 0x26b: 0x505050505050505\n"                                                         \
	"cpu0: 0x26c: 0x505050505050505\n"                                                         \
	"cpu0: 0x26d: 0x505050505050505\n"                                                         \
	"cpu0: 0x26e: 0x505050505050505\n"                                                         \
	"cpu0: 0x26f: 0x505050505050505\n"                                                         \
	"cpu0: 0x200: 0xc0000000\n"                                                                \
	"cpu0: 0x201: 0xffc0000800\n"                                                              \
	"cpu0: 0x277: 0x407050600070106\n"                                                         \
	"cpu0: 0xc0010010: 0x40000\n"                                                              \
	"cpu1: 0xfe: 0x508\n"                                                                      \
	"cpu1: 0x2ff: 0xc00\n"

static void test_capture_msr(void **state)
{
	struct t *t = *state;
	const memtype_capture *c = parse(t, MSRS_Q35);
	uint64_t v = 0;
	unsigned reads = 0, differ = 0;

	assert_int_equal(memtype_capture_msr(c, 0x2ff, &v, &reads, &differ), 0);
	assert_int_equal(v, 0xc06); /* cpu0's, the first read */
	assert_int_equal(reads, 2);
	assert_int_equal(differ, 1);
	assert_int_equal(memtype_capture_msr(c, 0xfe, &v, &reads, &differ), 0);
	assert_int_equal(v, 0x508);
	assert_int_equal(reads, 2);
	assert_int_equal(differ, 0);
	assert_int_equal(memtype_capture_msr(c, 0xc0010010, &v, NULL, NULL), 0);
	assert_int_equal(v, 0x40000);
	assert_int_equal(memtype_capture_msr(c, 0x202, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(memtype_capture_msr(c, 0x10, NULL, NULL, NULL), -ENOENT); /* not kept */
	assert_int_equal(memtype_capture_msr(NULL, 0x2ff, NULL, NULL, NULL), -EINVAL);
}

static memtype_type type_at(const memtype_mtrr *m, uint64_t addr)
{
	memtype_mtrr_hit h;

	memtype_mtrr_lookup(m, addr, &h);
	return h.type;
}

/*
 * The registers replayed from cpu0: 0xC0000 is in IA32_MTRR_FIX4K_C0000,
 * byte 0 = 5 (WP); 0xA0000 in FIX16K_A0000, 0 (UC); 0x7FFFFFFF no MTRR
 * matches, DEF_TYPE type 6 (WB); 0xC0000000 matches pair 0: base
 * 0xC0000000 type 0 (UC), mask 0xFFC0000000 (1 GiB below 2^40) -- SDM Vol. 3A
 * §11.11.2.2, §11.11.2.3, §11.11.4.1.
 */
static void test_capture_to_regs(void **state)
{
	struct t *t = *state;
	const memtype_capture *c = parse(t, MSRS_Q35);
	uint64_t pat = 0;

	t->regs = memtype_regs_new(t->ctx);
	assert_int_equal(memtype_capture_to_regs(c, t->regs), 0);
	assert_int_equal(memtype_regs_cpu(t->regs), MEMTYPE_CPU_AMD);
	assert_true(memtype_regs_pat(t->regs, &pat));
	assert_int_equal(pat, 0x0407050600070106ull);
	assert_int_equal(memtype_regs_to_mtrr(t->regs, &t->mtrr), 0);
	assert_int_equal(memtype_mtrr_phys_bits(t->mtrr), 40);
	assert_int_equal(memtype_mtrr_vcnt(t->mtrr), 8);
	assert_int_equal(type_at(t->mtrr, 0xc0000), MEMTYPE_WP);
	assert_int_equal(type_at(t->mtrr, 0xa0000), MEMTYPE_UC);
	assert_int_equal(type_at(t->mtrr, 0x7fffffff), MEMTYPE_WB);
	assert_int_equal(type_at(t->mtrr, 0xc0000000), MEMTYPE_UC);
	assert_int_equal(type_at(t->mtrr, 0xffffffff), MEMTYPE_UC);
	assert_int_equal(type_at(t->mtrr, 0x100000000), MEMTYPE_WB);
}

/* Without CPUID, MAXPHYADDR is the widest valid PHYSMASK's width: 0xFFC0000800
 * has bit 39 as its top one, so 40 bits. */
static void test_capture_to_regs_phys_bits_from_mask(void **state)
{
	struct t *t = *state;
	const memtype_capture *c =
	    parse(t, "0x2ff: 0xc06\n0x200: 0xc0000000\n0x201: 0xffc0000800\n");

	t->regs = memtype_regs_new(t->ctx);
	assert_int_equal(memtype_capture_to_regs(c, t->regs), 0);
	assert_int_equal(memtype_regs_cpu(t->regs), MEMTYPE_CPU_INTEL); /* not named: default */
	assert_int_equal(memtype_regs_to_mtrr(t->regs, &t->mtrr), 0);
	assert_int_equal(memtype_mtrr_phys_bits(t->mtrr), 40);
	assert_int_equal(type_at(t->mtrr, 0xc0000000), MEMTYPE_UC);
}

/* PHYSMASK bits at or above MAXPHYADDR raise #GP (SDM §11.11.2.3): reported
 * at the capture's own line (line 4 here), with the capture's name. */
static void test_capture_to_regs_gp_at_capture_line(void **state)
{
	struct t *t = *state;
	const memtype_capture *c = parse(t, "cpuid 0x80000008 eax 0x3028 phys_bits 40\n"
					    "cpu0: 0x2ff: 0xc06\n"
					    "cpu0: 0x200: 0xc0000000\n"
					    "cpu0: 0x201: 0xfffffc0000800\n");

	t->regs = memtype_regs_new(t->ctx);
	assert_int_equal(memtype_capture_to_regs(c, t->regs), 0);
	assert_int_not_equal(memtype_regs_to_mtrr(t->regs, &t->mtrr), 0);
	const memtype_error *e = memtype_ctx_error(t->ctx);
	assert_string_equal(e->code, "gp");
	assert_string_equal(e->file, "cap.txt");
	assert_int_equal(e->line, 4);
}

/* A capture without DEF_TYPE holds no register state to resolve with. */
static void test_capture_to_regs_needs_def_type(void **state)
{
	struct t *t = *state;
	const memtype_capture *c = parse(t, TS BANNER TS E820_Q35 "cpu0: 0x277: 0x7040600070406\n");

	t->regs = memtype_regs_new(t->ctx);
	assert_int_equal(memtype_capture_to_regs(c, t->regs), -ENOENT);
	assert_string_equal(memtype_ctx_error(t->ctx)->code, "no-msrs");
	assert_int_equal(memtype_capture_to_regs(NULL, t->regs), -EINVAL);
	assert_int_equal(memtype_capture_to_regs(c, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_e820_and_banner_given_twice, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_banner_twice_in_a_log_is_two_boots, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_e820_mismatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_e820_overlap_is_read_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_iomem_section_is_skipped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_capture_msr, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_capture_to_regs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_capture_to_regs_phys_bits_from_mask, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_capture_to_regs_gp_at_capture_line, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_capture_to_regs_needs_def_type, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
