/*
 * linux_mtrr.c - the guest kernel's MTRR view: how mtrr_bp_init() captures
 * the (virtual) MTRR MSRs or takes a forced software state, what it prints,
 * and how mtrr_type_lookup() answers in each era.
 *
 * Two lookup algorithms are modelled, chosen by the kernel version:
 *  - 4.2 .. 6.4: a scan over the variable ranges that cuts the query at
 *    every range boundary and repeats (Toshi Kani's 2015 rework); "no MTRR
 *    information" is MTRR_TYPE_INVALID (0xFF);
 *  - 6.5+: a sorted "cache map" built once at boot from the fixed runs and
 *    the variable ranges (Juergen Gross, x86/mtrr for 6.5: 061b984aab58,
 *    8227f40ade23, 973df1942068), looked up by walking it.
 * Kernels before 4.2 are answered with the 4.2 scan (not modelled apart).
 *
 * Sources (facts: ../shared/reference/guest-firmware.md §2):
 *  - torvalds/linux arch/x86/kernel/cpu/mtrr/generic.c, 6.14+ text (has
 *    guest_force_mtrr_state) as stored in the search corpus: add_map_entry,
 *    mtrr_build_map, map_add_var, get_mtrr_size, mtrr_type_lookup,
 *    print_mtrr_state (high_width = (phys_bits - 20 + 3) / 4);
 *  - the 4.2 .. 6.4 generic.c text (mtrr_type_lookup_variable with
 *    start_state/end_state/inclusive, check_type_overlap), same corpus;
 *  - arch/x86/kernel/cpu/mtrr/mtrr.c mtrr_bp_init(): 6.5+ text ("MTRRs set
 *    to read-only", "MTRRs disabled %s"), 7882b69eb6cd (6.2, "Disabled"
 *    becomes "MTRRs disabled (not available)" / "by BIOS").
 * AMD TOP_MEM2: when the caller sets lx->tom2 (SYSCFG TOM2 enabled with
 * Tom2ForceMemTypeWB, amd_special_default_mtrr() in cleanup.c), the 6.5+
 * map gets [4 GiB, TOM2) WB right after the fixed entries, flagged fixed so
 * that no variable MTRR changes it, counted in "max" and "built from" but
 * not in "fixed" (map_add_var() in generic.c, reference §2.3); the 4.2-6.4
 * scan answers WB for a query inside [4 GiB, TOM2) after the variable
 * ranges. The hardware lets variable MTRRs override TOM2 (APM Vol. 2
 * §7.9.1); Linux does not -- explain_findings.c reports where that matters.
 */
#include "mtrr.h"
#include "linux_guest.h"

#include <stddef.h>
#include <string.h>

#define LX_UC	   0u
#define LX_WT	   4u
#define LX_WB	   6u
#define PHYSMASK_V (1ull << 11)
#define ONE_MIB	   0x100000ull
#define PAGE	   0x1000ull

/* mtrr_attrib_to_str(): the /proc/mtrr words, "?" for anything else. */
static const char *mtrr_word(unsigned t)
{
	const char *s = NULL;

	if (t == 0 || t == 1 || t == 4 || t == 5 || t == 6)
		s = memtype_type_name((memtype_type)t, MEMTYPE_SPELL_MTRR_WORD);
	return s ? s : "?";
}

/* The kernel's rule for two MTRR types over the same bytes (generic.c
 * get_effective_type / check_type_overlap): UC wins, WB with WT is WT,
 * any other mismatch is UC. */
static uint8_t lx_combine(uint8_t a, uint8_t b)
{
	if (a == LX_UC || b == LX_UC)
		return LX_UC;
	if ((a == LX_WB && b == LX_WT) || (a == LX_WT && b == LX_WB))
		return LX_WT;
	if (a != b)
		return LX_UC;
	return a;
}

static bool var_valid(const struct mt_lx_var *v)
{
	return (v->mask & PHYSMASK_V) != 0;
}

static uint64_t var_base(const struct mt_lx_var *v)
{
	return v->base & ~(PAGE - 1);
}

static uint64_t var_mask(const struct mt_lx_var *v)
{
	return v->mask & ~(PAGE - 1);
}

static uint8_t var_type(const struct mt_lx_var *v)
{
	return (uint8_t)(v->base & 0xffu);
}

/* get_mtrr_size(): the two's complement of the mask with every bit at and
 * above phys_bits forced to 1 -- the size follows from the mask alone, so a
 * non-power-of-two mask such as ~(S - 1) gives exactly S. (<= 6.4 did the
 * same through size_or_mask in page units.) */
static uint64_t var_size(const struct mt_linux_mtrr *lx, const struct mt_lx_var *v)
{
	uint64_t rsvd = lx->phys_bits >= 64 ? 0 : ~0ull << lx->phys_bits;

	return (uint64_t)0 - (var_mask(v) | rsvd);
}

/* ------------------------------------------------------------ 6.5+ cache map */

static void map_del(struct mt_linux_mtrr *lx, unsigned idx)
{
	lx->nmap--;
	if (lx->nmap > idx)
		memmove(&lx->map[idx], &lx->map[idx + 1], (lx->nmap - idx) * sizeof(lx->map[0]));
}

/*
 * Place [s, e) of type t at position idx (add_map_entry_at semantics): a
 * touching neighbour of the same type absorbs it unless that neighbour is
 * a fixed entry. Returns how many entries before the scan position went
 * away through merging (0, 1 or 2), which the caller subtracts from its
 * index. A full array drops every variable entry (the kernel WARNs "MTRR
 * cache mode memory map exhausted!").
 */
static int map_put(struct mt_linux_mtrr *lx, uint64_t s, uint64_t e, uint8_t t, int idx,
		   bool *exhausted)
{
	if (s >= e)
		return 0;
	if (idx < 0)
		idx = 0;
	if ((unsigned)idx > lx->nmap)
		idx = (int)lx->nmap;

	unsigned u = (unsigned)idx;
	struct mt_cache_map_entry *prev = u > 0 ? &lx->map[u - 1] : NULL;
	struct mt_cache_map_entry *next = u < lx->nmap ? &lx->map[u] : NULL;
	bool join_prev = prev && !prev->fixed && prev->end_excl == s && prev->type == t;
	bool join_next = next && !next->fixed && next->start == e && next->type == t;

	if (join_prev && join_next) {
		prev->end_excl = next->end_excl;
		map_del(lx, u);
		return 2;
	}
	if (join_prev) {
		prev->end_excl = e;
		return 1;
	}
	if (join_next) {
		next->start = s;
		return 1;
	}
	if (lx->nmap >= MT_LX_CACHE_MAP_MAX) {
		*exhausted = true;
		lx->nmap = lx->nmap_fixed;
		return 0;
	}
	if (lx->nmap > u)
		memmove(&lx->map[u + 1], &lx->map[u], (lx->nmap - u) * sizeof(lx->map[0]));
	lx->map[u] = (struct mt_cache_map_entry){.start = s, .end_excl = e, .type = t};
	lx->nmap++;
	return 0;
}

/* Take [s, e) out of entry idx (clr_map_range_at). Returns 1 when the
 * entry keeps its head, i.e. the piece goes in after it. */
static int map_cut(struct mt_linux_mtrr *lx, uint64_t s, uint64_t e, unsigned idx, bool *exhausted)
{
	struct mt_cache_map_entry *m = &lx->map[idx];
	int keep_head = s != m->start;

	if (s == m->start && e == m->end_excl) {
		map_del(lx, idx);
	} else if (s == m->start) {
		m->start = e;
	} else if (e == m->end_excl) {
		m->end_excl = s;
	} else {
		uint64_t tail = m->end_excl;
		uint8_t t = m->type;

		m->end_excl = s;
		map_put(lx, e, tail, t, (int)idx + 1, exhausted);
	}
	return keep_head;
}

/*
 * add_map_entry(): walk the sorted map; gaps take type t, overlaps take
 * lx_combine(t, existing) unless the existing entry is fixed or already has
 * that type (then it stays as it is). What lies past the last entry takes t.
 */
static void map_add(struct mt_linux_mtrr *lx, uint64_t s, uint64_t e, uint8_t t, bool *exhausted)
{
	int i;

	for (i = 0; (unsigned)i < lx->nmap && s < e && !*exhausted; i++) {
		const struct mt_cache_map_entry *m = &lx->map[i];
		uint64_t cut;

		if (s >= m->end_excl)
			continue;
		if (s < m->start) {
			cut = e < m->start ? e : m->start;
			i -= map_put(lx, s, cut, t, i, exhausted);
			s = cut;
			continue;
		}
		uint8_t eff = lx_combine(t, m->type);
		if (m->fixed || eff == m->type) {
			s = m->end_excl;
			continue;
		}
		cut = e < m->end_excl ? e : m->end_excl;
		i += map_cut(lx, s, cut, (unsigned)i, exhausted);
		i -= map_put(lx, s, cut, eff, i, exhausted);
		s = cut;
	}
	if (!*exhausted)
		map_put(lx, s, e, t, i, exhausted);
}

/* The end (exclusive) of the run of equal fixed-range types that starts at
 * slot first: the runs the kernel maps and prints. Eight slots at a time. */
static unsigned fixed_run_end(const struct mt_linux_mtrr *lx, unsigned first)
{
	uint64_t same = 0x0101010101010101ull * lx->fixed[first], w;
	unsigned i = first + 1;

	while (i + 8 <= MEMTYPE_FIXED_RANGES) {
		memcpy(&w, &lx->fixed[i], sizeof(w));
		if (w != same)
			break;
		i += 8;
	}
	while (i < MEMTYPE_FIXED_RANGES && lx->fixed[i] == lx->fixed[first])
		i++;
	return i;
}

/* mtrr_build_map() and its "MTRR map:" line (always printed), plus one line
 * per entry with mtrr=debug (a4316603534c). */
static void build_map(struct mt_linux_mtrr *lx, bool mtrr_debug, struct mt_msglog *log)
{
	bool exhausted = false;

	lx->nmap = 0;
	lx->nmap_fixed = 0;
	/* Fixed runs only when FE is set (the kernel tests FE alone; without
	 * MTRRcap.FIX the zeroed bytes read as one UC run). */
	if (lx->fixed_enabled) {
		for (unsigned first = 0, end; first < MEMTYPE_FIXED_RANGES; first = end) {
			end = fixed_run_end(lx, first);
			map_add(lx, mt_fixed_slot_start(first),
				mt_fixed_slot_start(end - 1) + mt_fixed_slot_len(end - 1),
				lx->fixed[first], &exhausted);
		}
	}
	for (unsigned i = 0; i < lx->nmap; i++)
		lx->map[i].fixed = true;
	lx->nmap_fixed = lx->nmap;
	if (lx->tom2 > (1ull << 32)) {
		/* map_add_var(): the TOM2 area first, its entry (the last one, as it
		 * lies above every fixed range) flagged fixed. */
		map_add(lx, 1ull << 32, lx->tom2, LX_WB, &exhausted);
		if (lx->nmap > lx->nmap_fixed)
			lx->map[lx->nmap - 1].fixed = true;
	}

	for (unsigned i = 0; i < lx->nvar && !exhausted; i++) {
		const struct mt_lx_var *v = &lx->var[i];

		if (!var_valid(v))
			continue;
		uint64_t b = var_base(v);
		map_add(lx, b, b + var_size(lx, v), var_type(v), &exhausted);
	}
	if (exhausted) {
		lx->nmap = lx->nmap_fixed;
		mt_log(log, -1, "MTRR cache mode memory map exhausted!");
	}

	lx->map_max = lx->nmap_fixed + 2 * lx->nvar + (lx->tom2 > (1ull << 32) ? 1u : 0u);
	lx->built_from = lx->nvar + (lx->tom2 > (1ull << 32) ? 1u : 0u);
	mt_log(
	    log, -1,
	    "MTRR map: %u entries (%u fixed + %u variable; max %u), built from %u variable MTRRs",
	    lx->nmap, lx->nmap_fixed, lx->nmap - lx->nmap_fixed, lx->map_max, lx->built_from);
	if (mtrr_debug)
		for (unsigned i = 0; i < lx->nmap; i++)
			mt_log(log, -1, "%3u: %016llx-%016llx %s", i,
			       (unsigned long long)lx->map[i].start,
			       (unsigned long long)(lx->map[i].end_excl - 1),
			       mtrr_word(lx->map[i].type));
}

/* Accumulate type t (type_merge): the first value is taken as is; later
 * ones combine, and uniformity is lost only when the accumulated type
 * changes (so UC then WB stays "uniform"). */
static uint8_t map_merge(uint8_t acc, uint8_t t, bool *uniform)
{
	if (acc == MT_LX_MTRR_INVALID)
		return t;
	uint8_t eff = lx_combine(acc, t);
	if (eff != acc)
		*uniform = false;
	return eff;
}

static uint8_t lookup_map(const struct mt_linux_mtrr *lx, uint64_t start, uint64_t end,
			  bool *uniform)
{
	uint8_t type = MT_LX_MTRR_INVALID;
	bool uni = true;

	if (!lx->state_set) {
		/* Nothing captured or forced: UC, uniformity unknown. */
		if (uniform)
			*uniform = false;
		return LX_UC;
	}
	if (!lx->enabled) {
		if (uniform)
			*uniform = true;
		return LX_UC;
	}
	for (unsigned i = 0; i < lx->nmap && start < end; i++) {
		const struct mt_cache_map_entry *m = &lx->map[i];

		if (start >= m->end_excl)
			continue;
		if (start < m->start) {
			type = map_merge(type, lx->def_type, &uni);
			if (end <= m->start)
				goto out;
		}
		type = map_merge(type, m->type, &uni);
		start = m->end_excl;
	}
	if (start < end)
		type = map_merge(type, lx->def_type, &uni);
out:
	if (uniform)
		*uniform = uni;
	return type;
}

/* ------------------------------------------------------------ 4.2 .. 6.4 scan */

/* check_type_overlap(): both become the combined type; true when that is
 * UC (the scan can stop). */
static bool scan_overlap(uint8_t *a, uint8_t *b)
{
	uint8_t e = lx_combine(*a, *b);

	*a = e;
	*b = e;
	return e == LX_UC;
}

static uint8_t scan_fixed(const struct mt_linux_mtrr *lx, uint64_t a)
{
	if (a < 0x80000)
		return lx->fixed[a >> 16];
	if (a < 0xC0000)
		return lx->fixed[8 + ((a - 0x80000) >> 14)];
	return lx->fixed[24 + ((a - 0xC0000) >> 12)];
}

/* mtrr_type_lookup_variable() over [start, end] (end inclusive): when a
 * range boundary falls inside the query, answer only up to it and ask for
 * a repeat from *partial_end. */
static uint8_t scan_var(const struct mt_linux_mtrr *lx, uint64_t start, uint64_t end,
			uint64_t *partial_end, bool *repeat, bool *uniform)
{
	uint8_t prev = MT_LX_MTRR_INVALID;

	*repeat = false;
	*uniform = true;
	for (unsigned i = 0; i < lx->nvar; i++) {
		const struct mt_lx_var *v = &lx->var[i];

		if (!var_valid(v))
			continue;
		uint64_t base = var_base(v), mask = var_mask(v);
		bool s_in = (start & mask) == (base & mask);
		bool e_in = (end & mask) == (base & mask);
		bool inside = start < base && end > base;

		if (s_in != e_in || inside) {
			*partial_end = s_in ? base + var_size(lx, v) : base;
			if (*partial_end <= start)
				*partial_end = start + PAGE; /* the kernel WARNs */
			end = *partial_end - 1;
			*repeat = true;
			*uniform = false;
		}
		if (!s_in)
			continue;
		uint8_t cur = var_type(v);
		if (prev == MT_LX_MTRR_INVALID) {
			prev = cur;
			continue;
		}
		*uniform = false;
		if (scan_overlap(&prev, &cur))
			return cur;
	}
	if (prev != MT_LX_MTRR_INVALID)
		return prev;
	return lx->def_type;
}

static uint8_t lookup_scan(const struct mt_linux_mtrr *lx, uint64_t start, uint64_t end_excl,
			   bool *uniform)
{
	uint64_t end = end_excl - 1;
	uint64_t partial_end = 0;
	bool uni = true, repeat, dummy;
	uint8_t type;

	/* Not captured, or E = 0: "no information", *uniform left alone. */
	if (!lx->state_set || !lx->enabled)
		return MT_LX_MTRR_INVALID;

	/* Fixed ranges first: the type of start's sub-range only. */
	if (start < ONE_MIB && lx->have_fixed && lx->fixed_enabled) {
		uni = false;
		type = scan_fixed(lx, start);
		goto out;
	}
	type = scan_var(lx, start, end, &partial_end, &repeat, &uni);
	/* Each repeat starts past the previous cut, so this ends; the bound
	 * only guards against pathological non-contiguous masks. */
	for (unsigned n = 0; repeat && n < 4096; n++) {
		uint8_t prev = type;

		start = partial_end;
		uni = false;
		type = scan_var(lx, start, end, &partial_end, &repeat, &dummy);
		if (scan_overlap(&prev, &type))
			goto out;
	}
	/* TOM2 (generic.c <= 6.4): the final piece inside [4 GiB, TOM2) is WB. */
	if (lx->tom2 && start >= (1ull << 32) && end < lx->tom2)
		type = LX_WB;
out:
	if (uniform)
		*uniform = uni;
	return type;
}

uint8_t mt_linux_mtrr_lookup(const struct mt_linux_mtrr *lx, uint64_t start, uint64_t end_excl,
			     bool *uniform)
{
	if (lx->version >= 605)
		return lookup_map(lx, start, end_excl, uniform);
	return lookup_scan(lx, start, end_excl, uniform);
}

/* ------------------------------------------------------------ boot */

/*
 * print_mtrr_state(): 6.5+ only with mtrr=debug (KERN_INFO); <= 5.11 on
 * every boot at KERN_DEBUG (generic.c defined DEBUG until b86cb29287be);
 * 5.12 .. 6.4 only through dynamic debug, which the model leaves off.
 * The fixed-range header says "enabled" for E && FE since 6.5, FE alone
 * before; the high-dword width W is (phys_bits - 17) / 4 since 6.5 and
 * (phys_bits - 29) / 4 before (from size_or_mask).
 */
static void print_state(const struct mt_linux_mtrr *lx, struct mt_msglog *log)
{
	bool v65 = lx->version >= 605;
	int w = v65 ? ((int)lx->phys_bits - 17) / 4 : ((int)lx->phys_bits - 29) / 4;

	mt_log(log, -1, "MTRR default type: %s", mtrr_word(lx->def_type));
	if (lx->have_fixed) {
		bool on = v65 ? (lx->enabled && lx->fixed_enabled) : lx->fixed_enabled;

		mt_log(log, -1, "MTRR fixed ranges %s:", on ? "enabled" : "disabled");
		for (unsigned first = 0, end; first < MEMTYPE_FIXED_RANGES; first = end) {
			end = fixed_run_end(lx, first);
			uint64_t lo = mt_fixed_slot_start(first);
			uint64_t hi = mt_fixed_slot_start(end - 1) + mt_fixed_slot_len(end - 1) - 1;
			mt_log(log, -1, "  %05X-%05X %s", (unsigned)lo, (unsigned)hi,
			       mtrr_word(lx->fixed[first]));
		}
	}
	mt_log(log, -1, "MTRR variable ranges %s:", lx->enabled ? "enabled" : "disabled");
	for (unsigned i = 0; i < lx->nvar; i++) {
		const struct mt_lx_var *v = &lx->var[i];

		if (!var_valid(v)) {
			mt_log(log, -1, "  %u disabled", i);
			continue;
		}
		mt_log(log, -1, "  %u base %0*X%05X000 mask %0*X%05X000 %s", i, w,
		       (unsigned)(v->base >> 32), (unsigned)((v->base & 0xffffffffull) >> 12), w,
		       (unsigned)(v->mask >> 32), (unsigned)((v->mask & 0xffffffffull) >> 12),
		       mtrr_word(var_type(v)));
	}
}

/* get_mtrr_state(): MTRRcap, the variable pairs, the 88 fixed bytes,
 * MTRRdefType. An MSR the (virtual) CPU refuses reads as 0. */
static void capture(struct mt_linux_mtrr *lx, const memtype_mtrr *hw)
{
	static const uint32_t fixed_msr[11] = {0x250, 0x258, 0x259, 0x268, 0x269, 0x26a,
					       0x26b, 0x26c, 0x26d, 0x26e, 0x26f};
	uint64_t v = 0;

	if (memtype_mtrr_rdmsr(hw, MEMTYPE_MSR_MTRRCAP, &v) != 0)
		v = 0;
	lx->nvar = (unsigned)(v & MEMTYPE_MTRRCAP_VCNT_MASK);
	if (lx->nvar > MT_LX_MAX_VAR)
		lx->nvar = MT_LX_MAX_VAR;
	lx->have_fixed = (v & MEMTYPE_MTRRCAP_FIX) != 0;

	for (unsigned i = 0; i < lx->nvar; i++) {
		uint64_t b = 0, m = 0;

		if (memtype_mtrr_rdmsr(hw, MEMTYPE_MSR_MTRR_PHYSBASE0 + 2 * i, &b) != 0)
			b = 0;
		if (memtype_mtrr_rdmsr(hw, MEMTYPE_MSR_MTRR_PHYSMASK0 + 2 * i, &m) != 0)
			m = 0;
		lx->var[i].base = b;
		lx->var[i].mask = m;
	}
	if (lx->have_fixed) {
		for (unsigned k = 0; k < MT_ARRAY_SIZE(fixed_msr); k++) {
			if (memtype_mtrr_rdmsr(hw, fixed_msr[k], &v) != 0)
				v = 0;
#pragma GCC unroll 8 /* unrolled, the eight byte stores become one */
			for (unsigned b = 0; b < 8; b++)
				lx->fixed[8 * k + b] = (uint8_t)mt_byte(v, b);
		}
	}
	if (memtype_mtrr_rdmsr(hw, MEMTYPE_MSR_MTRR_DEF_TYPE, &v) != 0)
		v = 0;
	lx->def_type = (uint8_t)(v & 0xffu);
	lx->enabled = (v & (1ull << 11)) != 0;
	lx->fixed_enabled = (v & (1ull << 10)) != 0;
	lx->state_set = true;
}

void mt_linux_mtrr_init(struct mt_linux_mtrr *lx, bool cpuid_mtrr, const memtype_mtrr *hw,
			const struct mt_lx_forced *forced, bool mtrr_debug, struct mt_msglog *log)
{
	unsigned version = lx->version, phys_bits = lx->phys_bits;
	uint64_t tom2 = lx->tom2;

	memset(lx, 0, offsetof(struct mt_linux_mtrr, var));
	lx->version = version;
	lx->phys_bits = phys_bits;
	lx->tom2 = tom2;
	if (lx->phys_bits == 0 && hw)
		lx->phys_bits = memtype_mtrr_phys_bits(hw);

	if (forced) {
		/* guest_force_mtrr_state() (mtrr_overwrite_state() before 6.14):
		 * X86_FEATURE_MTRR cleared, so no MSR is read; E set, FE clear
		 * (no fixed entries), num_var_ranges only when ranges are given.
		 * The function exists since 6.5; an older version given a forced
		 * state is answered as if it had it, without the "MTRR map:" line. */
		unsigned n = forced->nvar;

		if (n > MT_ARRAY_SIZE(forced->var))
			n = MT_ARRAY_SIZE(forced->var);
		lx->state = MT_LX_MTRR_FORCED;
		lx->state_set = true;
		lx->enabled = true;
		lx->def_type = forced->def_type;
		lx->nvar = n;
		for (unsigned i = 0; i < n; i++)
			lx->var[i] = forced->var[i];
		if (lx->version >= 605)
			build_map(lx, mtrr_debug, log);
		mt_log(log, -1, "MTRRs set to read-only");
		return;
	}
	if (!cpuid_mtrr || !hw) {
		lx->state = MT_LX_MTRR_NOT_AVAILABLE;
		/* <= 6.1 said just "Disabled"; 7882b69eb6cd (6.2) says why. */
		mt_log(log, -1, "%s",
		       lx->version <= 601 ? "Disabled" : "MTRRs disabled (not available)");
		return;
	}

	capture(lx, hw);
	if (lx->version >= 605 ? mtrr_debug : lx->version <= 511)
		print_state(lx, log);
	if (!lx->enabled) {
		lx->state = MT_LX_MTRR_DISABLED_BY_BIOS;
		mt_log(log, -1, "%s", lx->version <= 601 ? "Disabled" : "MTRRs disabled by BIOS");
		return;
	}
	lx->state = MT_LX_MTRR_NORMAL;
	/* mtrr_cleanup() needs default type UC: never on these guests. */
	if (lx->version >= 605)
		build_map(lx, mtrr_debug, log);
}
