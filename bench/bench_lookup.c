/*
 * bench_lookup.c - how fast is a per-address memory-type lookup?
 *
 * For random MTRR states whose whole-space maps have 8 to 256 pieces, times
 * memtype_map_value_at() against two baselines run in the same process on
 * the same addresses: (a) a plain textbook binary search over the same
 * merged pieces copied into an array of {start, end, type} -- the practical
 * limit for a sorted map -- and (b) the oracle's naive walk over every
 * register (tests/oracle). Prints ns/lookup and the ratios; the targets are
 * <= 1.5x (a) and >= 20x faster than (b). All three must agree on every
 * address, or the benchmark fails.
 */
#include "memtype.h"
#include "oracle.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

struct piece {
	uint64_t start, end;
	uint32_t type;
};

/* The baseline: lower-bound binary search over an array of pieces. */
static uint32_t plain_search(const struct piece *p, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;
		if (p[mid].start <= addr)
			lo = mid;
		else
			hi = mid - 1;
	}
	return p[lo].type;
}

static const unsigned types[] = { 0, 1, 4, 5, 6 };

/* A random state aiming at about `want` map pieces: up to 40 pairs with
 * random power-of-two ranges (contiguous masks), and, past what 40 pairs
 * give, masks with holes (several intervals each). Fixed ranges are off
 * (FE = 0) so that they do not dominate small maps. Returns VCNT used. */
static unsigned random_state(memtype_mtrr *m, struct oracle_state *o, unsigned phys, unsigned want)
{
	unsigned pairs = want / 2;
	if (pairs > 40)
		pairs = 40;
	if (pairs < 2)
		pairs = 2;
	unsigned holes = 0;
	while ((pairs << (holes + 1)) * 2 <= want)
		holes++;
	uint64_t def = 0x800 | types[rnd() % 5];
	memtype_mtrr_wrmsr(m, 0x2ff, def);
	oracle_wrmsr(o, 0x2ff, def);
	uint64_t top = (1ull << phys) - 1;
	for (unsigned n = 0; n < pairs; n++) {
		unsigned size_bits = 20 + (unsigned)(rnd() % (phys - 24));
		uint64_t mask = top & ~((1ull << size_bits) - 1);
		/* Clear `holes` random bits above the range to split it. */
		for (unsigned h = 0; h < holes; h++)
			mask &= ~(1ull << (size_bits + 1 + rnd() % (phys - size_bits - 2)));
		/* Mostly WB and UC, as firmware writes them; any type may appear. */
		unsigned t = rnd() % 4 == 0 ? types[rnd() % 5] : (rnd() & 1 ? 6 : 0);
		uint64_t base = (rnd() & mask) | t;
		memtype_mtrr_wrmsr(m, 0x200 + 2 * n, base);
		memtype_mtrr_wrmsr(m, 0x201 + 2 * n, mask | 0x800);
		oracle_wrmsr(o, 0x200 + 2 * n, base);
		oracle_wrmsr(o, 0x201 + 2 * n, mask | 0x800);
	}
	return pairs;
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 200;
	const unsigned targets[] = { 8, 16, 32, 64, 128, 256 };
	const unsigned phys = 46;
	enum { NADDR = 4096, NORACLE = 2048 };
	static uint64_t addrs[NADDR];
	memtype_ctx *ctx = memtype_ctx_new(NULL, NULL);
	int bad = 0;

	printf("per-address lookup, %u rounds x %u addresses per state, phys_bits %u\n", rounds,
	       NADDR, phys);
	printf("%6s %8s %12s %12s %12s %10s %10s\n", "vcnt", "pieces", "memtype ns", "bsearch ns",
	       "oracle ns", "vs bsearch", "vs oracle");
	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		memtype_mtrr *m = memtype_mtrr_new(ctx, phys, 0x500 | 40);
		struct oracle_state o;
		oracle_init(&o, phys, 0x500 | 40);
		unsigned vcnt = random_state(m, &o, phys, targets[t]);
		memtype_map *map;
		if (memtype_mtrr_build_map(m, 1u << 20, &map)) {
			fprintf(stderr, "build_map failed\n");
			return 1;
		}
		size_t n = memtype_map_count(map);
		struct piece *p = malloc(n * sizeof(*p));
		for (size_t i = 0; i < n; i++) {
			memtype_range r;
			memtype_map_get(map, i, &r);
			p[i] = (struct piece){ r.start, r.end, r.value };
		}
		/* Half the addresses at piece edges, half uniform. */
		for (unsigned i = 0; i < NADDR; i++) {
			const struct piece *q = &p[rnd() % n];
			addrs[i] = (i & 1) ? (rnd() & ((1ull << phys) - 1)) : (rnd() & 1 ? q->start : q->end);
		}
		uint64_t sum_a = 0, sum_b = 0, sum_o = 0;
		double t0 = now_ns();
		for (unsigned r = 0; r < rounds; r++)
			for (unsigned i = 0; i < NADDR; i++)
				sum_a += memtype_map_value_at(map, addrs[i]);
		double t1 = now_ns();
		for (unsigned r = 0; r < rounds; r++)
			for (unsigned i = 0; i < NADDR; i++)
				sum_b += plain_search(p, n, addrs[i]);
		double t2 = now_ns();
		for (unsigned i = 0; i < NORACLE; i++)
			sum_o += (uint64_t)oracle_mtrr_type(&o, addrs[i], NULL);
		double t3 = now_ns();
		/* Agreement check on the oracle's addresses. */
		uint64_t check = 0;
		for (unsigned i = 0; i < NORACLE; i++)
			check += memtype_map_value_at(map, addrs[i]);
		if (sum_a != sum_b || check != sum_o) {
			fprintf(stderr, "MISMATCH for %zu pieces\n", n);
			bad = 1;
		}
		double ns_a = (t1 - t0) / ((double)rounds * NADDR);
		double ns_b = (t2 - t1) / ((double)rounds * NADDR);
		double ns_o = (t3 - t2) / NORACLE;
		printf("%6u %8zu %12.2f %12.2f %12.2f %9.2fx %9.1fx\n", vcnt, n, ns_a, ns_b, ns_o,
		       ns_a / ns_b, ns_o / ns_a);
		free(p);
		memtype_map_free(map);
		memtype_mtrr_free(m);
	}
	memtype_ctx_free(ctx);
	return bad;
}
