/*
 * linux_pat.c - the guest kernel's PAT bookkeeping: whether PAT is on and
 * what the MSR holds (pat_bp_init), and the memtype tracking that grants,
 * downgrades or refuses a requested page_cache_mode (memtype_reserve,
 * memtype_free, is_new_memtype_allowed).
 *
 * The tracking keeps two stores as the kernel does: an interval tree of
 * non-RAM reservations, in which overlaps are allowed as long as every
 * overlapping entry has the same type, and per-page flags for RAM (modelled
 * as a list of ranges tagged with a non-WB type).
 *
 * Sources (facts: ../shared/reference/guest-firmware.md §1, §4):
 *  - torvalds/linux arch/x86/mm/pat/memtype.c @03efec2e (6.1/6.2-rc text:
 *    pat_x_mtrr_type, pat_pagerange_is_ram, reserve_ram_pages_type,
 *    memtype_reserve, memtype_free, __init_cache_modes' 4-character cells);
 *    6.2+ pat_bp_init from the 6.2 decoupling series (adfe7512e1d0 and
 *    following; read as a patch in the search corpus);
 *  - torvalds/linux arch/x86/mm/pat/memtype_interval.c @4981f05f
 *    (memtype_check_conflict, memtype_erase exact/end match);
 *  - arch/x86/include/asm/pgtable.h is_new_memtype_allowed (4.2+ text with
 *    the WT rules) and asm/e820 is_ISA_range ([s, e) inside [0xA0000,
 *    0x100000)), copies in the search corpus.
 */
#include "linux_guest.h"

#include <stdio.h>
#include <string.h>

#define ISA_START 0xA0000ull
#define ISA_END	  0x100000ull
#define PAGE	  0x1000ull

/* x86_platform.is_untracked_pat_range = is_ISA_range: [s, e) inside ISA;
 * the v1 series of "x86/kvm: Force legacy PCI hole as WB under SNP/TDX"
 * (<20250201005048.657470-1-seanjc@google.com>, not merged) also made
 * [TOLUD, 4 GiB] untracked, which lx->untracked_* models. */
static bool untracked(const struct mt_linux *lx, uint64_t s, uint64_t e_excl)
{
	if (lx->untracked_end_excl && s >= lx->untracked_start && e_excl <= lx->untracked_end_excl)
		return true;
	return s >= ISA_START && e_excl <= ISA_END;
}

/* cattr_name(): the words of PAT messages and pat_memtype_list. */
static const char *cattr(int pcm)
{
	memtype_type t;
	const char *s = NULL;

	if (pcm >= 0 && memtype_type_from_linux_pcm((unsigned)pcm, &t) == 0)
		s = memtype_type_name(t, MEMTYPE_SPELL_PAT_WORD);
	return s ? s : "broken";
}

/* ------------------------------------------------------------ pat_bp_init */

/* __init_cache_modes(): "x86/PAT: Configuration [0-7]: " then, per entry,
 * the short name padded to four characters; reserved encodings print as WB. */
static void log_configuration(uint64_t msr, struct mt_msglog *log)
{
	char cells[8 * 4 + 1];

	for (unsigned i = 0; i < 8; i++) {
		unsigned e = mt_byte(msr, i) & 7u;
		memtype_type t = (e == 2 || e == 3) ? MEMTYPE_WB : (memtype_type)e;
		const char *s = memtype_type_name(t, MEMTYPE_SPELL_SHORT);

		snprintf(&cells[4 * i], 5, "%-4s", s ? s : "WB");
	}
	mt_log(log, -1, "x86/PAT: Configuration [0-7]: %s", cells);
}

void mt_linux_pat_init(struct mt_linux *lx, bool nopat, struct mt_msglog *log)
{
	struct mt_linux_pat *p = &lx->pat;
	mt_lx_mtrr_state st = lx->mtrr.state;
	bool mtrr_off = st == MT_LX_MTRR_NOT_AVAILABLE || st == MT_LX_MTRR_DISABLED_BY_BIOS;

	memset(p, 0, sizeof(*p));
	if (nopat) {
		/* The nopat early parameter; the real dmesg shows this line
		 * earlier (parse_early_param), before the MTRR lines. */
		mt_log(log, -1, "x86/PAT: PAT support disabled via boot option.");
	} else if (lx->version <= 601 && mtrr_off) {
		/* Until the 6.2 decoupling (adfe7512e1d0) PAT was programmed
		 * through the MTRR rendezvous, so mtrr_bp_init() turned it off. */
		mt_log(log, -1, "x86/PAT: MTRRs disabled, skipping PAT initialization too.");
	} else {
		p->enabled = true;
	}
	/* With PAT off the kernel reads back what firmware left: the
	 * power-on layout, as neither SeaBIOS nor OVMF reprograms IA32_PAT. */
	p->pat_msr = p->enabled ? MEMTYPE_PAT_LINUX : MEMTYPE_PAT_RESET;
	log_configuration(p->pat_msr, log);
}

/* ------------------------------------------------------------ RAM */

/*
 * pat_pagerange_is_ram(): 1 all RAM, 0 no RAM, -1 mixed. Pages below 1 MiB
 * are never counted as RAM (legacy ISA handling). Model simplification:
 * the kernel's walk only notices a non-RAM gap *before* a RAM chunk, so a
 * RAM head with a non-RAM tail would count as RAM there; here it is mixed.
 */
static int range_ram(const struct mt_linux *lx, uint64_t s, uint64_t e_excl)
{
	uint64_t first = s & ~(PAGE - 1);
	uint64_t end = (e_excl + PAGE - 1) & ~(PAGE - 1);

	if (end < e_excl)
		end = ~0ull & ~(PAGE - 1);
	if (first < ISA_END)
		first = ISA_END;
	if (!lx->platform || first >= end)
		return 0;
	if (mt_e820_all_ram(lx->platform, first, end - 1))
		return 1;
	if (mt_e820_any_ram(lx->platform, first, end - 1))
		return -1;
	return 0;
}

/* Drop the page tags in [ps, pe) (set_page_memtype(WB)). */
static void ram_clear(struct mt_linux_pat *p, uint64_t ps, uint64_t pe)
{
	for (unsigned i = 0; i < p->nram;) {
		struct mt_memtype *t = &p->ram[i];

		if (t->end_excl <= ps || t->start >= pe) {
			i++;
			continue;
		}
		if (t->start < ps && t->end_excl > pe) {
			/* Split: keep the head here, the tail in a new slot. */
			if (p->nram < MT_LX_MAX_MEMTYPES)
				p->ram[p->nram++] = (struct mt_memtype){pe, t->end_excl, t->pcm};
			t->end_excl = ps;
			i++;
		} else if (t->start < ps) {
			t->end_excl = ps;
			i++;
		} else if (t->end_excl > pe) {
			t->start = pe;
			i++;
		} else {
			p->nram--;
			memmove(t, t + 1, (p->nram - i) * sizeof(*t));
		}
	}
}

/* reserve_ram_pages_type(): page flags hold only WB, WC, UC- and WT; a
 * page already tagged non-WB refuses any new type. Uses the request, not
 * the MTRR-adjusted type. */
static int reserve_ram(struct mt_linux *lx, uint64_t s, uint64_t e_excl, int req, int *new_pcm,
		       int mapping, struct mt_msglog *log)
{
	struct mt_linux_pat *p = &lx->pat;
	uint64_t ps = s & ~(PAGE - 1), pe = e_excl & ~(PAGE - 1);
	const struct mt_memtype *hit = NULL;

	if (req == MT_PCM_WP) {
		if (new_pcm)
			*new_pcm = MT_PCM_UC_MINUS;
		return -EINVAL;
	}
	if (req == MT_PCM_UC)
		req = MT_PCM_UC_MINUS; /* WARN_ON_ONCE: no strong UC for RAM */

	/* The first page (lowest address) with a non-WB tag. */
	for (unsigned i = 0; i < p->nram; i++) {
		const struct mt_memtype *t = &p->ram[i];

		if (t->end_excl <= ps || t->start >= pe)
			continue;
		if (!hit || (t->start > ps ? t->start : ps) < (hit->start > ps ? hit->start : ps))
			hit = t;
	}
	if (hit) {
		mt_log(
		    log, mapping,
		    "x86/PAT: reserve_ram_pages_type failed [mem %#010llx-%#010llx], track 0x%x, "
		    "req 0x%x",
		    (unsigned long long)s, (unsigned long long)(e_excl - 1), (unsigned)hit->pcm,
		    (unsigned)req);
		if (new_pcm)
			*new_pcm = hit->pcm;
		return -EBUSY;
	}
	if (new_pcm)
		*new_pcm = req;
	ram_clear(p, ps, pe);
	if (req != MT_PCM_WB && ps < pe && p->nram < MT_LX_MAX_MEMTYPES)
		p->ram[p->nram++] = (struct mt_memtype){ps, pe, req};
	return 0;
}

/* ------------------------------------------------------------ memtype tree */

/* Indexes of the tree entries overlapping [s, e) in interval-tree order:
 * by start, equal starts in insertion order. */
static unsigned tree_overlaps(const struct mt_linux_pat *p, uint64_t s, uint64_t e_excl,
			      unsigned *idx)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->n; i++) {
		if (p->tree[i].start >= e_excl || p->tree[i].end_excl <= s)
			continue;
		unsigned j = n++;
		while (j > 0 && p->tree[idx[j - 1]].start > p->tree[i].start) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = i;
	}
	return n;
}

static void tree_remove(struct mt_linux_pat *p, unsigned i)
{
	p->n--;
	memmove(&p->tree[i], &p->tree[i + 1], (p->n - i) * sizeof(p->tree[0]));
}

int mt_linux_memtype_reserve(struct mt_linux *lx, uint64_t start, uint64_t end_excl, int req,
			     int *new_pcm, bool want_new, const char *comm, int mapping,
			     struct mt_msglog *log)
{
	struct mt_linux_pat *p = &lx->pat;
	int *np = want_new ? new_pcm : NULL;
	unsigned idx[MT_LX_MAX_MEMTYPES];
	int actual, found;

	if (!comm)
		comm = "swapper/0:1";
	if (start >= end_excl) {
		mt_log(log, mapping, "memtype_reserve failed: [mem %#010llx-%#010llx], req %s",
		       (unsigned long long)start, (unsigned long long)(end_excl - 1), cattr(req));
		return -EINVAL;
	}
	if (!p->enabled) {
		/* As the page tables would do without PAT. */
		if (np)
			*np = req;
		return 0;
	}
	if (untracked(lx, start, end_excl)) {
		/* The low ISA range is always mapped WB, never tracked. */
		if (np)
			*np = MT_PCM_WB;
		return 0;
	}

	/* pat_x_mtrr_type(): only a WB request consults the MTRRs, and any
	 * answer but WB turns it into UC-. MT_LX_MTRR_INVALID (pre-6.5, no
	 * MTRRs) counts as "not WB" too: 90b926e68f50 let it pass as WB in
	 * 6.2-rc, but f9f57da2c2d1 reverted that before 6.2. */
	actual = req;
	if (req == MT_PCM_WB &&
	    mt_linux_mtrr_lookup(&lx->mtrr, start, end_excl, NULL) != MEMTYPE_WB)
		actual = MT_PCM_UC_MINUS;
	if (np)
		*np = actual;

	int ram = range_ram(lx, start, end_excl);
	if (ram == 1)
		return reserve_ram(lx, start, end_excl, req, np, mapping, log);
	if (ram < 0)
		return -EINVAL;

	/* memtype_check_conflict(): the first overlapping entry decides the
	 * type (when the caller accepts another type); every other overlapping
	 * entry must have exactly that type. */
	found = actual;
	unsigned n = tree_overlaps(p, start, end_excl, idx);
	unsigned clash = n;

	if (n > 0) {
		if (p->tree[idx[0]].pcm != found && !np) {
			clash = 0;
		} else {
			found = p->tree[idx[0]].pcm;
			for (unsigned k = 1; k < n && clash == n; k++)
				if (p->tree[idx[k]].pcm != found)
					clash = k;
		}
	}
	if (clash < n) {
		mt_log(log, mapping, "x86/PAT: %s conflicting memory types %llx-%llx %s<->%s", comm,
		       (unsigned long long)start, (unsigned long long)end_excl, cattr(found),
		       cattr(p->tree[idx[clash]].pcm));
		mt_log(log, mapping,
		       "x86/PAT: memtype_reserve failed [mem %#010llx-%#010llx], track %s, req %s",
		       (unsigned long long)start, (unsigned long long)(end_excl - 1), cattr(actual),
		       cattr(req));
		return -EBUSY;
	}
	if (p->n >= MT_LX_MAX_MEMTYPES)
		return -ENOMEM; /* the kernel's kzalloc failing */
	if (np)
		*np = found;
	p->tree[p->n++] = (struct mt_memtype){start, end_excl, found};
	return 0;
}

int mt_linux_memtype_free(struct mt_linux *lx, uint64_t start, uint64_t end_excl)
{
	struct mt_linux_pat *p = &lx->pat;
	unsigned idx[MT_LX_MAX_MEMTYPES];

	if (!p->enabled || untracked(lx, start, end_excl))
		return 0;
	int ram = range_ram(lx, start, end_excl);
	if (ram == 1) {
		ram_clear(p, start & ~(PAGE - 1), end_excl & ~(PAGE - 1));
		return 0;
	}
	if (ram < 0)
		return -EINVAL;

	/* memtype_erase(): an exact match goes; else an entry that starts
	 * before and ends at end_excl is cut back to start (mremap). The
	 * "freeing invalid memtype" message is not logged: no log here. */
	unsigned n = tree_overlaps(p, start, end_excl, idx);
	for (unsigned k = 0; k < n; k++) {
		if (p->tree[idx[k]].start == start && p->tree[idx[k]].end_excl == end_excl) {
			tree_remove(p, idx[k]);
			return 0;
		}
	}
	for (unsigned k = 0; k < n; k++) {
		if (p->tree[idx[k]].start < start && p->tree[idx[k]].end_excl == end_excl) {
			p->tree[idx[k]].end_excl = start;
			return 0;
		}
	}
	return -EINVAL;
}

bool mt_linux_new_memtype_allowed(const struct mt_linux *lx, uint64_t start, uint64_t end_excl,
				  int req, int got)
{
	if (untracked(lx, start, end_excl))
		return true;
	if (got == MT_PCM_WB && (req == MT_PCM_UC_MINUS || req == MT_PCM_WC || req == MT_PCM_WT))
		return false;
	if (req == MT_PCM_WT && got == MT_PCM_WC)
		return false;
	return true;
}
