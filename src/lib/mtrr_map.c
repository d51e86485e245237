/*
 * mtrr_map.c - the architectural MTRR type of every address, as a map.
 *
 * Built by a sweep over the edges of the variable ranges rather than by
 * probing addresses: each enabled pair contributes the intervals its
 * base/mask matches (one for a contiguous mask; 2^h for a mask with h holes
 * above its lowest set bit, which the hardware match rule allows), the
 * events are sorted once, and the active set at each edge decides the type
 * by the same precedence as the per-address lookup. Below 1 MiB the fixed
 * ranges replace the sweep when they are active. Cost O(E log E) for E
 * edges, independent of the size of the address space.
 */
#include "mtrr.h"

#include <stdlib.h>

struct event {
	uint64_t pos;
	unsigned pair;
	bool on;
};

static int cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return 0;
}

/* Number of intervals pair n matches, saturating at limit + 1. */
static uint64_t pair_pieces(const memtype_mtrr *m, unsigned n, uint64_t *mk, uint64_t *holes,
			    unsigned *low)
{
	uint64_t bits = mt_addr_bits(m);
	*mk = m->mask[n] & bits;
	if (*mk == 0) {
		*low = m->phys_bits; /* matches everything: one interval */
		*holes = 0;
		return 1;
	}
	*low = (unsigned)__builtin_ctzll(*mk);
	*holes = ~*mk & bits & mt_bits(63, *low);
	unsigned h = (unsigned)__builtin_popcountll(*holes);
	return h >= 63 ? UINT64_MAX : 1ull << h;
}

int memtype_mtrr_build_map(const memtype_mtrr *m, size_t max_pieces, memtype_map **out)
{
	memtype_ctx *ctx = m->ctx;
	uint64_t top = mt_bits(m->phys_bits - 1, 0);
	*out = NULL;

	if (!(m->def_type & MT_DEF_E)) {
		/* E = 0: UC everywhere (SDM §11.11.2.1). */
		*out = memtype_map_new(ctx, 0, top, MEMTYPE_UC, MEMTYPE_MTRR_SRC_DISABLED, 0);
		return *out ? 0 : -ENOMEM;
	}

	/* Count the intervals first so a pathological mask fails cleanly. */
	uint64_t total = 0;
	for (unsigned n = 0; n < mt_vcnt(m); n++) {
		if (!(m->mask[n] & MT_MASK_V))
			continue;
		uint64_t mk, holes;
		unsigned low;
		uint64_t c = pair_pieces(m, n, &mk, &holes, &low);
		total = c > UINT64_MAX - total ? UINT64_MAX : total + c;
	}
	if (max_pieces && total > max_pieces)
		return mt_error(ctx, -E2BIG, "map-too-large",
				"variable MTRR masks match %llu separate intervals (limit %zu)",
				(unsigned long long)total, max_pieces);
	if (total > SIZE_MAX / (2 * sizeof(struct event)))
		return mt_error(ctx, -E2BIG, "map-too-large", "variable MTRR masks match too many intervals");

	size_t nev = 0, cap = (size_t)total * 2;
	struct event *ev = cap ? mt_alloc(ctx, cap * sizeof(*ev)) : NULL;
	if (cap && !ev)
		return -ENOMEM;
	for (unsigned n = 0; n < mt_vcnt(m); n++) {
		if (!(m->mask[n] & MT_MASK_V))
			continue;
		uint64_t mk, holes;
		unsigned low;
		pair_pieces(m, n, &mk, &holes, &low);
		uint64_t span = low >= 64 ? 0 : (1ull << low) - 1; /* bits below the mask */
		if (low >= m->phys_bits)
			span = top;
		uint64_t fixedpart = m->base[n] & mk;
		/* Enumerate the subsets of the hole bits in increasing order. */
		uint64_t sub = 0;
		do {
			uint64_t start = fixedpart | sub;
			ev[nev++] = (struct event){ start, n, true };
			if (start + span < top)
				ev[nev++] = (struct event){ start + span + 1, n, false };
			sub = (sub - holes) & holes;
		} while (sub != 0);
	}
	if (nev)
		qsort(ev, nev, sizeof(*ev), cmp_event);

	memtype_map *map = mt_map_alloc(ctx, 0, top, nev + 2 * MEMTYPE_FIXED_RANGES + 1);
	int rc = map ? 0 : -ENOMEM;
	uint64_t from = 0;
	/* Fixed ranges first, when they decide the first MiB. */
	if (!rc && mt_fixed_active(m)) {
		for (unsigned i = 0; i < MT_FIXED_MSRS && !rc; i++) {
			const struct mt_fixed_msr *f = &mt_fixed_msrs[i];
			for (unsigned b = 0; b < 8 && !rc; b++)
				rc = mt_map_append(map, f->start + (uint64_t)b * f->granule,
						   mt_byte(m->fixed[i], b),
						   MEMTYPE_MTRR_SRC_FIXED | (f->index << 8), 0);
		}
		from = MT_ONE_MIB;
	}
	/* Sweep: apply every event at or below `from`, then one piece per
	 * distinct event position above it. */
	uint64_t active = 0;
	size_t e = 0;
	uint64_t pos = from;
	while (!rc) {
		while (e < nev && ev[e].pos <= pos) {
			if (ev[e].on)
				active |= 1ull << ev[e].pair;
			else
				active &= ~(1ull << ev[e].pair);
			e++;
		}
		if (active)
			rc = mt_map_append(map, pos, mt_var_overlap_type(m, active),
					   MEMTYPE_MTRR_SRC_VARIABLE, active);
		else
			rc = mt_map_append(map, pos, (uint32_t)(m->def_type & MT_DEF_TYPE_MASK),
					   MEMTYPE_MTRR_SRC_DEFAULT, 0);
		if (e >= nev)
			break;
		pos = ev[e].pos;
	}
	mt_free(ctx, ev, cap * sizeof(*ev));
	if (rc) {
		memtype_map_free(map);
		return rc;
	}
	*out = map;
	return 0;
}
