/*
 * rangemap.c - sorted, merged [start, end] -> value maps with provenance.
 *
 * A map is a partition of its domain [lo, hi] into pieces; every address
 * belongs to exactly one. Only the starts are stored (a piece ends where the
 * next begins), in their own array so that a lookup is a binary search over
 * contiguous 64-bit keys -- the practical limit the benchmark compares with.
 * Payloads (value, src, regs) live in a parallel array. Adjacent pieces with
 * identical payloads are always merged, so maps compare piece by piece.
 * Inclusive ends make [0, 2^64 - 1] representable without overflow.
 *
 * Lookups go through a small bucket index built lazily after a change: the
 * domain is cut into 2^k equal buckets (about four per piece, at most
 * 4096), each remembering the piece that holds its first address. Most
 * buckets hold one piece, so a lookup is a shift and two loads; a bucket
 * that holds several (the fixed-range MiB) is binary-searched between its
 * own and the next bucket's piece. If the index cannot be allocated the
 * plain binary search is used.
 */
#include "internal.h"

#include <string.h>

struct payload {
	uint32_t value;
	uint32_t src;
	uint64_t regs;
};

struct memtype_map {
	memtype_ctx *ctx;
	uint64_t lo, hi;
	size_t n, cap;
	uint64_t *starts;
	struct payload *pl;
	/* The lazy bucket index (see the header comment). */
	uint32_t *bucket;
	size_t nbuckets;
	unsigned shift;
	bool index_valid;
};

#define MT_MAX_BUCKETS 4096u
#define MT_INDEX_MIN_PIECES 32u

static bool same(const struct payload *a, const struct payload *b)
{
	return a->value == b->value && a->src == b->src && a->regs == b->regs;
}

static uint64_t piece_end(const memtype_map *m, size_t i)
{
	return i + 1 < m->n ? m->starts[i + 1] - 1 : m->hi;
}

static int reserve(memtype_map *m, size_t want)
{
	if (want <= m->cap)
		return 0;
	size_t cap = m->cap ? m->cap : 8;
	while (cap < want)
		cap *= 2;
	/* Get the new payload block first, so a failure at either step leaves
	 * both arrays at the recorded capacity (the allocator hook is told
	 * exact sizes when they are freed). */
	struct payload *p = mt_alloc(m->ctx, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	uint64_t *s = mt_realloc(m->ctx, m->starts, m->cap * sizeof(*s), cap * sizeof(*s));
	if (!s) {
		mt_free(m->ctx, p, cap * sizeof(*p));
		return -ENOMEM;
	}
	if (m->n)
		memcpy(p, m->pl, m->n * sizeof(*p));
	mt_free(m->ctx, m->pl, m->cap * sizeof(*p));
	m->starts = s;
	m->pl = p;
	m->cap = cap;
	return 0;
}

memtype_map *mt_map_alloc(memtype_ctx *ctx, uint64_t lo, uint64_t hi, size_t capacity)
{
	if (lo > hi) {
		mt_error(ctx, -EINVAL, "bad-range", "map domain start 0x%llx is above its end 0x%llx",
			 (unsigned long long)lo, (unsigned long long)hi);
		return NULL;
	}
	memtype_map *m = mt_alloc(ctx, sizeof(*m));
	if (!m)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->ctx = ctx;
	m->lo = lo;
	m->hi = hi;
	if (reserve(m, capacity ? capacity : 1)) {
		memtype_map_free(m);
		return NULL;
	}
	return m;
}

memtype_ctx *mt_map_ctx(const memtype_map *map)
{
	return map->ctx;
}

int mt_map_append(memtype_map *m, uint64_t start, uint32_t value, uint32_t src, uint64_t regs)
{
	struct payload p = { value, src, regs };
	if (m->n && same(&m->pl[m->n - 1], &p))
		return 0;
	int rc = reserve(m, m->n + 1);
	if (rc)
		return rc;
	m->starts[m->n] = start;
	m->pl[m->n] = p;
	m->n++;
	m->index_valid = false;
	return 0;
}

memtype_map *memtype_map_new(memtype_ctx *ctx, uint64_t lo, uint64_t hi, uint32_t value,
			     uint32_t src, uint64_t regs)
{
	memtype_map *m = mt_map_alloc(ctx, lo, hi, 8);
	if (m && mt_map_append(m, lo, value, src, regs)) {
		memtype_map_free(m);
		return NULL;
	}
	return m;
}

void memtype_map_free(memtype_map *m)
{
	if (!m)
		return;
	mt_free(m->ctx, m->starts, m->cap * sizeof(*m->starts));
	mt_free(m->ctx, m->pl, m->cap * sizeof(*m->pl));
	mt_free(m->ctx, m->bucket, m->nbuckets * sizeof(*m->bucket));
	mt_free(m->ctx, m, sizeof(*m));
}

memtype_map *memtype_map_clone(const memtype_map *src)
{
	memtype_map *m = mt_map_alloc(src->ctx, src->lo, src->hi, src->n);
	if (!m)
		return NULL;
	memcpy(m->starts, src->starts, src->n * sizeof(*m->starts));
	memcpy(m->pl, src->pl, src->n * sizeof(*m->pl));
	m->n = src->n;
	return m;
}

/* Index of the piece holding addr (lo <= addr <= hi): the last start <= addr.
 * A branch-light binary search: the loop runs log2(n) times whatever addr is. */
size_t mt_map_index(const memtype_map *m, uint64_t addr)
{
	const uint64_t *base = m->starts;
	size_t len = m->n;
	while (len > 1) {
		size_t half = len / 2;
		base = base[half] <= addr ? base + half : base;
		len -= half;
	}
	return (size_t)(base - m->starts);
}

/* The last piece in [i, j] whose start is <= addr (starts[i] <= addr). */
static size_t search_between(const memtype_map *m, size_t i, size_t j, uint64_t addr)
{
	const uint64_t *base = m->starts + i;
	size_t len = j - i + 1;
	while (len > 1) {
		size_t half = len / 2;
		base = base[half] <= addr ? base + half : base;
		len -= half;
	}
	return (size_t)(base - m->starts);
}

/* (Re)build the bucket index; false when it cannot be allocated. */
static bool build_index(memtype_map *m)
{
	size_t want = 16;
	while (want < 4 * m->n && want < MT_MAX_BUCKETS)
		want *= 2;
	uint64_t span = m->hi - m->lo;
	unsigned shift = 0;
	while (shift < 64 && (span >> shift) >= want)
		shift++;
	size_t nb = (size_t)(span >> shift) + 1;
	if (nb != m->nbuckets) {
		/* Allocation failure here is not an error: lookups fall back to the
		 * plain search, so do not disturb the context's last error. */
		uint32_t *b = m->ctx->alloc(m->ctx->ud, m->bucket, m->nbuckets * sizeof(*b),
					    nb * sizeof(*b));
		if (!b)
			return false;
		m->bucket = b;
		m->nbuckets = nb;
	}
	m->shift = shift;
	size_t i = 0;
	for (size_t k = 0; k < nb; k++) {
		uint64_t first = m->lo + ((uint64_t)k << shift);
		while (i + 1 < m->n && m->starts[i + 1] <= first)
			i++;
		m->bucket[k] = (uint32_t)i;
	}
	m->index_valid = true;
	return true;
}

/* Index of the piece holding addr (lo <= addr <= hi), through the index. */
static size_t lookup(const memtype_map *cm, uint64_t addr)
{
	memtype_map *m = (memtype_map *)cm; /* the index is a cache, not content */
	/* Up to 32 pieces, five halvings beat the index's two dependent loads
	 * (bench/bench_lookup.c measures both). */
	if (m->n <= MT_INDEX_MIN_PIECES)
		return mt_map_index(m, addr);
	if (!m->index_valid && (m->n > UINT32_MAX || !build_index(m)))
		return mt_map_index(m, addr);
	size_t k = (size_t)((addr - m->lo) >> m->shift);
	size_t i = m->bucket[k];
	size_t j = k + 1 < m->nbuckets ? m->bucket[k + 1] : m->n - 1;
	return i == j ? i : search_between(m, i, j, addr);
}

int memtype_map_query(const memtype_map *m, uint64_t addr, memtype_range *out)
{
	if (addr < m->lo || addr > m->hi)
		return mt_error(m->ctx, -ERANGE, "out-of-range",
				"address 0x%llx is outside the map [0x%llx, 0x%llx]",
				(unsigned long long)addr, (unsigned long long)m->lo,
				(unsigned long long)m->hi);
	return memtype_map_get(m, lookup(m, addr), out);
}

uint32_t memtype_map_value_at(const memtype_map *m, uint64_t addr)
{
	if (addr < m->lo || addr > m->hi)
		return UINT32_MAX;
	return m->pl[lookup(m, addr)].value;
}

size_t memtype_map_count(const memtype_map *m)
{
	return m->n;
}

int memtype_map_get(const memtype_map *m, size_t i, memtype_range *out)
{
	if (i >= m->n)
		return -ERANGE;
	out->start = m->starts[i];
	out->end = piece_end(m, i);
	out->value = m->pl[i].value;
	out->src = m->pl[i].src;
	out->regs = m->pl[i].regs;
	return 0;
}

/*
 * Rebuild dst's pieces through an overlay: every address of dst's domain
 * gets dst's payload, or fn(dst, src) where src's domain covers it. Used for
 * both set (src is a one-piece map, fn takes src) and overlay.
 */
static int rebuild(memtype_map *dst, const memtype_map *src, memtype_overlay_fn fn, void *ud)
{
	memtype_map *out = mt_map_alloc(dst->ctx, dst->lo, dst->hi, dst->n + 2 * src->n + 2);
	if (!out)
		return -ENOMEM;
	size_t di = 0, si = 0;
	uint64_t addr = dst->lo;
	int rc = 0;
	for (;;) {
		uint64_t d_end = piece_end(dst, di);
		uint64_t seg_end;
		struct payload p = dst->pl[di];
		if (addr >= src->lo && addr <= src->hi) {
			uint64_t s_end = piece_end(src, si);
			seg_end = d_end < s_end ? d_end : s_end;
			memtype_range below, above, res;
			memtype_map_get(dst, di, &below);
			memtype_map_get(src, si, &above);
			res = below;
			fn(ud, &below, &above, &res);
			p.value = res.value;
			p.src = res.src;
			p.regs = res.regs;
			if (seg_end == s_end && si + 1 < src->n)
				si++;
		} else {
			seg_end = d_end;
			if (addr < src->lo && src->lo - 1 < seg_end)
				seg_end = src->lo - 1;
		}
		rc = mt_map_append(out, addr, p.value, p.src, p.regs);
		if (rc || seg_end == dst->hi)
			break;
		if (seg_end == d_end)
			di++;
		addr = seg_end + 1;
	}
	if (rc) {
		memtype_map_free(out);
		return rc;
	}
	/* Swap the new arrays into dst. */
	mt_free(dst->ctx, dst->starts, dst->cap * sizeof(*dst->starts));
	mt_free(dst->ctx, dst->pl, dst->cap * sizeof(*dst->pl));
	dst->starts = out->starts;
	dst->pl = out->pl;
	dst->n = out->n;
	dst->cap = out->cap;
	dst->index_valid = false;
	mt_free(dst->ctx, out, sizeof(*out));
	return 0;
}

static void take_above(void *ud, const memtype_range *below, const memtype_range *above,
		       memtype_range *out)
{
	(void)ud;
	(void)below;
	*out = *above;
}

int memtype_map_set(memtype_map *m, uint64_t start, uint64_t end, uint32_t value, uint32_t src,
		    uint64_t regs)
{
	if (start > end || start < m->lo || end > m->hi)
		return mt_error(m->ctx, -ERANGE, "out-of-range",
				"range [0x%llx, 0x%llx] is outside the map [0x%llx, 0x%llx]",
				(unsigned long long)start, (unsigned long long)end,
				(unsigned long long)m->lo, (unsigned long long)m->hi);
	/* A one-piece map on the stack describes the assignment. */
	uint64_t s = start;
	struct payload p = { value, src, regs };
	memtype_map one = { m->ctx, start, end, 1, 1, &s, &p, NULL, 0, 0, false };
	return rebuild(m, &one, take_above, NULL);
}

int memtype_map_overlay(memtype_map *dst, const memtype_map *src, memtype_overlay_fn fn, void *ud)
{
	if (src->lo < dst->lo || src->hi > dst->hi)
		return mt_error(dst->ctx, -ERANGE, "out-of-range",
				"overlay domain [0x%llx, 0x%llx] is outside the map [0x%llx, 0x%llx]",
				(unsigned long long)src->lo, (unsigned long long)src->hi,
				(unsigned long long)dst->lo, (unsigned long long)dst->hi);
	return rebuild(dst, src, fn, ud);
}
