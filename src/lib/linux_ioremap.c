/*
 * linux_ioremap.c - what each mapping call of the ioremap family requests,
 * and what the kernel does with it: refuse RAM, reserve the type through
 * PAT tracking (linux_pat.c), accept or reject a different granted type,
 * or serve RAM from the direct map without any tracking.
 *
 * This is where the SNP/TDX TPM failure shows: ACPI maps the TPM's
 * SystemMemory OperationRegion with ioremap_cache() (WB), which the forced
 * all-WB MTRR view leaves WB, so tpm_tis' later ioremap() (UC-) is granted
 * WB and refused: "ioremap error for 0xfed40000-0xfed45000, requested 0x2,
 * got 0x0" (guest-firmware.md §3.3).
 *
 * Sources (facts: ../shared/reference/guest-firmware.md §5):
 *  - torvalds/linux arch/x86/mm/ioremap.c __ioremap_caller(): 4.x text
 *    @072f58c6 and 5.6+ copies in the search corpus ("ioremap on RAM at
 *    %pa - %pa" as WARN_ONCE, page alignment, "ioremap memtype_reserve
 *    failed %d" -- "reserve_memtype" before the 5.6 rename --, "ioremap
 *    error for 0x%llx-0x%llx, requested 0x%x, got 0x%x", free on refusal);
 *  - kernel/iomem.c memremap() (WARN_ONCE "memremap attempted on mixed
 *    range" / "on ram %pa size: %#lx", WB from the direct map);
 *  - lib/devres.c __devm_ioremap_resource() and drivers/base/dd.c
 *    call_driver_probe() ("probe with driver %s failed with error %d");
 *  - drivers/acpi/osl.c acpi_map() (RAM -> kmap, else acpi_os_ioremap =
 *    ioremap_cache on x86).
 */
#include "linux_guest.h"

#include <string.h>

#define PAGE	  0x1000ull
#define ISA_START 0xA0000ull
#define ISA_END	  0x100000ull

/* Mappings made during boot run in kernel_init (PID 1). */
static const char boot_comm[] = "swapper/0:1";

/* WARN_ONCE prints only the first time in a boot: look for an earlier line. */
static bool warned_before(const struct mt_msglog *log, const char *prefix)
{
	size_t len = strlen(prefix);

	for (unsigned i = 0; log && i < log->n; i++)
		if (strncmp(log->line[i], prefix, len) == 0)
			return true;
	return false;
}

static void refuse(struct mt_map_result *out)
{
	out->ok = false;
	out->granted = -1;
	out->tracked = false;
	out->direct_map = false;
	out->err = -ENOMEM; /* what callers make of the NULL they get */
}

static void direct_map(struct mt_map_result *out, int requested)
{
	out->requested = requested;
	out->granted = MT_PCM_WB;
	out->ok = true;
	out->tracked = false;
	out->direct_map = true;
	out->err = 0;
}

static unsigned phys_bits(const struct mt_linux *lx)
{
	if (lx->platform && lx->platform->phys_bits)
		return lx->platform->phys_bits;
	return lx->mtrr.phys_bits ? lx->mtrr.phys_bits : 52;
}

static bool all_ram(const struct mt_linux *lx, uint64_t start, uint64_t last)
{
	return lx->platform && mt_e820_all_ram(lx->platform, start, last);
}

static bool any_ram(const struct mt_linux *lx, uint64_t start, uint64_t last)
{
	return lx->platform && mt_e820_any_ram(lx->platform, start, last);
}

/* __ioremap_caller() for [start, last] with page_cache_mode pcm. */
static void ioremap_caller(struct mt_linux *lx, uint64_t start, uint64_t last, int pcm, int mapping,
			   struct mt_map_result *out, struct mt_msglog *log)
{
	unsigned pb = phys_bits(lx);
	int new_pcm = pcm;

	out->requested = pcm;
	if (last < start) {
		refuse(out);
		return;
	}
	if (pb < 64 && (start >> pb) != 0) {
		mt_log(log, mapping, "ioremap: invalid physical address %llx",
		       (unsigned long long)start);
		refuse(out);
		return;
	}
	/* Normal RAM in use is never remapped (WARN_ONCE). */
	if (any_ram(lx, start, last)) {
		if (!warned_before(log, "ioremap on RAM at "))
			mt_log(log, mapping, "ioremap on RAM at 0x%016llx - 0x%016llx",
			       (unsigned long long)start, (unsigned long long)last);
		refuse(out);
		return;
	}

	uint64_t ps = start & ~(PAGE - 1);
	uint64_t pe = (last | (PAGE - 1)) + 1; /* 0 when the range ends at 2^64 - 1 */
	if (pe == 0) {
		refuse(out);
		return;
	}
	int rc = mt_linux_memtype_reserve(lx, ps, pe, pcm, &new_pcm, true, boot_comm, mapping, log);
	if (rc) {
		mt_log(log, mapping, "ioremap %s failed %d",
		       lx->version >= 506 ? "memtype_reserve" : "reserve_memtype", rc);
		refuse(out);
		return;
	}
	if (new_pcm != pcm) {
		if (!mt_linux_new_memtype_allowed(lx, ps, pe, pcm, new_pcm)) {
			mt_log(log, mapping,
			       "ioremap error for 0x%llx-0x%llx, requested 0x%x, got 0x%x",
			       (unsigned long long)ps, (unsigned long long)pe, (unsigned)pcm,
			       (unsigned)new_pcm);
			mt_linux_memtype_free(lx, ps, pe);
			refuse(out);
			return;
		}
		pcm = new_pcm;
	}
	out->granted = pcm;
	out->ok = true;
	out->direct_map = false;
	/* Entered in the tree unless PAT is off or the range is the
	 * untracked ISA hole (RAM never gets this far). */
	out->tracked = lx->pat.enabled && !(ps >= ISA_START && pe <= ISA_END) &&
		       !(lx->untracked_end_excl && ps >= lx->untracked_start &&
			 pe <= lx->untracked_end_excl);
	out->err = 0;
}

/* memremap(): mixed ranges are refused; WB on RAM comes from the direct
 * map, otherwise ioremap_cache; WT and WC never alias RAM. */
static void do_memremap(struct mt_linux *lx, const struct mt_mapping *m, int pcm, int mapping,
			struct mt_map_result *out, struct mt_msglog *log)
{
	uint64_t size = m->end - m->start + 1;
	bool all = all_ram(lx, m->start, m->end);

	out->requested = pcm;
	if (!all && any_ram(lx, m->start, m->end)) {
		if (!warned_before(log, "memremap attempted on mixed range "))
			mt_log(log, mapping,
			       "memremap attempted on mixed range 0x%016llx size: %#llx",
			       (unsigned long long)m->start, (unsigned long long)size);
		refuse(out);
		return;
	}
	if (pcm == MT_PCM_WB) {
		if (all)
			direct_map(out, pcm);
		else
			ioremap_caller(lx, m->start, m->end, MT_PCM_WB, mapping, out, log);
		return;
	}
	if (all) {
		if (!warned_before(log, "memremap attempted on ram "))
			mt_log(log, mapping, "memremap attempted on ram 0x%016llx size: %#llx",
			       (unsigned long long)m->start, (unsigned long long)size);
		refuse(out);
		return;
	}
	ioremap_caller(lx, m->start, m->end, pcm, mapping, out, log);
}

void mt_linux_map(struct mt_linux *lx, const struct mt_mapping *m, int mapping,
		  struct mt_map_result *out, struct mt_msglog *log)
{
	memset(out, 0, sizeof(*out));
	out->granted = -1;

	switch (m->call) {
	case MT_CALL_IOREMAP:
		ioremap_caller(lx, m->start, m->end, MT_PCM_UC_MINUS, mapping, out, log);
		break;
	case MT_CALL_IOREMAP_UC:
		ioremap_caller(lx, m->start, m->end, MT_PCM_UC, mapping, out, log);
		break;
	case MT_CALL_IOREMAP_WC:
		ioremap_caller(lx, m->start, m->end, MT_PCM_WC, mapping, out, log);
		break;
	case MT_CALL_IOREMAP_WT:
		ioremap_caller(lx, m->start, m->end, MT_PCM_WT, mapping, out, log);
		break;
	case MT_CALL_IOREMAP_CACHE:
		ioremap_caller(lx, m->start, m->end, MT_PCM_WB, mapping, out, log);
		break;
	case MT_CALL_MEMREMAP_WB:
		do_memremap(lx, m, MT_PCM_WB, mapping, out, log);
		break;
	case MT_CALL_MEMREMAP_WT:
		do_memremap(lx, m, MT_PCM_WT, mapping, out, log);
		break;
	case MT_CALL_MEMREMAP_WC:
		do_memremap(lx, m, MT_PCM_WC, mapping, out, log);
		break;
	case MT_CALL_DEVM_IOREMAP_RESOURCE:
		/* request_mem_region (conflicts not modelled), then ioremap();
		 * NULL becomes -ENOMEM and fails the probe. */
		ioremap_caller(lx, m->start, m->end, MT_PCM_UC_MINUS, mapping, out, log);
		if (!out->ok && m->device[0])
			mt_log(log, mapping, "%s %s: probe with driver %s failed with error %d",
			       m->who, m->device, m->who, -ENOMEM);
		break;
	case MT_CALL_ACPI_MAP:
		/* acpi_os_map_memory(): RAM through kmap (the direct map, WB),
		 * anything else through ioremap_cache(). */
		if (all_ram(lx, m->start, m->end))
			direct_map(out, MT_PCM_WB);
		else
			ioremap_caller(lx, m->start, m->end, MT_PCM_WB, mapping, out, log);
		break;
	case MT_CALL_FIXMAP_NOCACHE:
		/* set_fixmap_nocache(): a UC- PTE, no memtype tracking at all. */
		out->requested = MT_PCM_UC_MINUS;
		out->granted = MT_PCM_UC_MINUS;
		out->ok = true;
		break;
	default:
		refuse(out);
		out->err = -EINVAL;
		break;
	}
}
