/*
 * bench_plan.c - how fast is the planner, and how many MTRRs does it save?
 *
 * Two families of target maps, from fixed seeds:
 *  - firmware: what a BIOS programs (issue 6): RAM WB below 640K, VGA UC,
 *    ROMs WP, RAM WB to TOLUD with an SMRAM (TSEG) carve-out, MMIO UC with a
 *    WC framebuffer, flash WP or UC below 4 GiB, RAM WB to TOUUD, a WC
 *    64-bit BAR, UC above -- TOLUD, TOUUD and the rest drawn at random
 *    granularities, MAXPHYADDR 36..52;
 *  - random: 1..64 ranges of random types, gaps UC, boundaries aligned to
 *    random powers of two, MAXPHYADDR 36..52.
 * Every map is fully listed, so the planner's choice of default type is an
 * optimization, not a change of meaning. Each map is planned (memtype_plan_
 * compute, verification included; and again without it, to show the share
 * of the search) and decomposed by the straightforward greedy firmware
 * method in the same process: default UC, every other range cut into
 * maximal aligned power-of-two blocks (also with the best default, for
 * reference). Prints plans/s, median and p90 microseconds per plan by
 * family and size, the count distribution, and the ratios. The greedy
 * layouts are checked to realize the map too, so the counts compare like
 * with like.
 *   usage: bench_plan [MAPS_PER_FAMILY]   (default 2000)
 */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng_state = 0x5eed0f9a7e5ull;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return rnd() % n;
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static const memtype_type types5[5] = {MEMTYPE_UC, MEMTYPE_WC, MEMTYPE_WT, MEMTYPE_WP, MEMTYPE_WB};

#define MAX_RANGES 256

struct target {
	unsigned phys, n;
	uint64_t start[MAX_RANGES], end[MAX_RANGES];
	memtype_type type[MAX_RANGES];
};

static void add(struct target *t, uint64_t s, uint64_t e, memtype_type ty)
{
	if (e < s || t->n == MAX_RANGES)
		return;
	if (t->n && t->type[t->n - 1] == ty && t->end[t->n - 1] + 1 == s) {
		t->end[t->n - 1] = e;
		return;
	}
	t->start[t->n] = s;
	t->end[t->n] = e;
	t->type[t->n++] = ty;
}

static void gen_firmware(struct target *t)
{
	unsigned phys = 36 + (unsigned)below(17);
	uint64_t top = (1ull << phys) - 1, G = 1ull << 30, M = 1ull << 20;
	t->phys = phys;
	t->n = 0;
	add(t, 0, 0x9ffff, MEMTYPE_WB);
	add(t, 0xa0000, 0xbffff, MEMTYPE_UC);
	add(t, 0xc0000, 0xfffff, MEMTYPE_WP);
	/* The PCI hole below 4 GiB (256M..2G), graphics stolen memory and TSEG
	 * below it, sometimes an ACPI area on a 64 KiB boundary: TOLUD. */
	uint64_t hole = 256 * M << below(4);
	uint64_t stolen = below(2) ? 0 : 32 * M << below(3);
	uint64_t tseg = M << below(4);
	uint64_t acpi = below(4) ? 0 : 0x10000 * (1 + below(64));
	uint64_t mmio = (1ull << 32) - hole;
	uint64_t tolud = mmio - stolen - tseg - acpi;
	/* RAM: 2^k or 3 x 2^k GiB; what is not below TOLUD is remapped above 4G. */
	uint64_t ram = (below(2) ? 2 : 3) * G << below(phys - 36 + 3);
	if (ram < 2 * G)
		ram = 2 * G;
	add(t, 0x100000, tolud - 1, MEMTYPE_WB);
	add(t, tolud, mmio - 1, MEMTYPE_UC);
	uint64_t fbsize = 256 * M << below(2);
	uint64_t fb = (mmio + fbsize - 1) & ~(fbsize - 1);
	if (fb + fbsize <= 0xfe000000) {
		add(t, mmio, fb - 1, MEMTYPE_UC);
		add(t, fb, fb + fbsize - 1, MEMTYPE_WC);
		add(t, fb + fbsize, 0xfeffffff, MEMTYPE_UC);
	} else {
		add(t, mmio, 0xfeffffff, MEMTYPE_UC);
	}
	add(t, 0xff000000, 0xffffffff, below(2) ? MEMTYPE_WP : MEMTYPE_UC);
	uint64_t touud = (1ull << 32) + (ram > tolud ? ram - tolud : 0);
	if (touud > top / 2)
		touud = (1ull << 32) + G;
	add(t, 1ull << 32, touud - 1, MEMTYPE_WB);
	/* A WC 64-bit BAR, naturally aligned, somewhere above TOUUD. */
	uint64_t barsize = 256 * M << below(7);
	uint64_t room = (top + 1 - touud) / barsize;
	uint64_t bar =
	    ((touud + barsize - 1) & ~(barsize - 1)) + barsize * below(room > 2 ? room - 2 : 1);
	if (bar + barsize - 1 <= top && bar >= touud) {
		add(t, touud, bar - 1, MEMTYPE_UC);
		add(t, bar, bar + barsize - 1, MEMTYPE_WC);
		add(t, bar + barsize, top, MEMTYPE_UC);
	} else {
		add(t, touud, top, MEMTYPE_UC);
	}
}

static void gen_random(struct target *t, unsigned nranges)
{
	unsigned phys = 36 + (unsigned)below(17);
	uint64_t top = (1ull << phys) - 1, at = 0;
	t->phys = phys;
	t->n = 0;
	/* Boundaries at random granularities within a random window, so that
	 * maps of many ranges stay dense enough to be realistic. */
	unsigned span = 32 + (unsigned)below(phys - 31);
	for (unsigned i = 0; i < nranges && at <= top; i++) {
		unsigned a = 12 + (unsigned)below(span - 12 - 4);
		uint64_t gap = below(3) ? (1ull << a) * below(8) : 0;
		uint64_t len = (1ull << a) * (1 + below(16));
		uint64_t s = ((at + gap) >> a) << a, e = s + len - 1;
		if (s < at)
			s = at;
		if (s > top || e < s || e > top)
			break;
		if (s > at)
			add(t, at, s - 1, MEMTYPE_UC);
		add(t, s, e, types5[below(5)]);
		at = e + 1;
	}
	if (at <= top && at != 0)
		add(t, at, top, MEMTYPE_UC);
	if (t->n == 0)
		add(t, 0, top, MEMTYPE_UC);
}

/* A few ranges with 4 KiB-granular edges anywhere in the space: few ranges,
 * many power-of-two pieces each. */
static void gen_ugly(struct target *t)
{
	unsigned phys = 36 + (unsigned)below(17), n = 2 + (unsigned)below(5);
	uint64_t top = (1ull << phys) - 1, edge[16];
	t->phys = phys;
	t->n = 0;
	for (unsigned i = 0; i < 2 * n; i++)
		edge[i] = (rnd() & top) & ~0xfffull;
	for (unsigned i = 1; i < 2 * n; i++)
		for (unsigned j = i; j > 0 && edge[j] < edge[j - 1]; j--) {
			uint64_t x = edge[j];
			edge[j] = edge[j - 1];
			edge[j - 1] = x;
		}
	uint64_t at = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t s = edge[2 * i], e = edge[2 * i + 1];
		if (s < at || e <= s)
			continue;
		if (s > at)
			add(t, at, s - 1, MEMTYPE_UC);
		add(t, s, e - 1, types5[1 + below(4)]);
		at = e;
	}
	add(t, at, top, MEMTYPE_UC);
}

/* The greedy firmware decomposition: every range not of type def cut into
 * maximal naturally aligned power-of-two blocks. */
static unsigned greedy(const struct target *t, memtype_type def, memtype_mtrr *check)
{
	unsigned n = 0;
	for (unsigned i = 0; i < t->n; i++) {
		if (t->type[i] == def)
			continue;
		uint64_t s = t->start[i], e = t->end[i];
		while (s <= e) {
			unsigned k = s ? (unsigned)__builtin_ctzll(s) : 63;
			while (k > 12 &&
			       (k >= 64 || s + (1ull << k) - 1 > e || s + (1ull << k) - 1 < s))
				k--;
			if (check && n < 40) {
				memtype_mtrr_wrmsr(check, 0x200 + 2 * n, s | (uint64_t)t->type[i]);
				memtype_mtrr_wrmsr(check, 0x201 + 2 * n,
						   (~((1ull << k) - 1) & ((1ull << t->phys) - 1)) |
						       0x800);
			}
			n++;
			uint64_t next = s + (1ull << k);
			if (next == 0 || next - 1 >= e)
				break;
			s = next;
		}
	}
	return n;
}

static memtype_map *to_map(memtype_ctx *ctx, const struct target *t)
{
	memtype_map *m = mt_map_alloc(ctx, 0, (1ull << t->phys) - 1, t->n + 1);
	uint64_t at = 0;
	for (unsigned i = 0; i < t->n; i++) {
		if (t->start[i] > at)
			mt_map_append(m, at, MEMTYPE_PLAN_UNLISTED, 0, 0);
		mt_map_append(m, t->start[i], t->type[i], 0, 0);
		at = t->end[i] + 1;
	}
	if (at && at <= (1ull << t->phys) - 1)
		mt_map_append(m, at, MEMTYPE_PLAN_UNLISTED, 0, 0);
	return m;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct stats {
	const char *name;
	unsigned maps, fits8, fits10, verified;
	double *us, *us_search;
	unsigned long plan_sum, greedy_sum, greedy_best_sum, pieces_sum;
	unsigned hist[42];
	double greedy_us;
};

static void print_stats(struct stats *s)
{
	if (!s->maps)
		return;
	qsort(s->us, s->maps, sizeof(double), cmp_double);
	qsort(s->us_search, s->maps, sizeof(double), cmp_double);
	double total = 0;
	for (unsigned i = 0; i < s->maps; i++)
		total += s->us[i];
	printf("%-22s %5u maps  %8.0f plans/s  median %6.2f us (search %5.2f)  p90 %6.2f us; "
	       "%u%% verified layouts\n",
	       s->name, s->maps, s->maps / total * 1e6, s->us[s->maps / 2],
	       s->us_search[s->maps / 2], s->us[s->maps * 9 / 10], 100 * s->verified / s->maps);
	printf("%-22s pairs: plan %.2f, greedy (default UC) %.2f, greedy (best default) %.2f, "
	       "power-of-two pieces %.1f\n",
	       "", (double)s->plan_sum / s->maps, (double)s->greedy_sum / s->maps,
	       (double)s->greedy_best_sum / s->maps, (double)s->pieces_sum / s->maps);
	printf("%-22s ratio greedy/plan %.2fx (best-default greedy %.2fx); fit in 8 pairs: "
	       "plan %u%%; in 10: %u%%; greedy %.2f us/map\n",
	       "", (double)s->greedy_sum / (s->plan_sum ? s->plan_sum : 1),
	       (double)s->greedy_best_sum / (s->plan_sum ? s->plan_sum : 1),
	       100 * s->fits8 / s->maps, 100 * s->fits10 / s->maps, s->greedy_us / s->maps);
	printf("%-22s count distribution:", "");
	for (unsigned k = 0; k < 42; k++)
		if (s->hist[k])
			printf(" %s%u:%u", k == 41 ? ">" : "", k == 41 ? 40 : k, s->hist[k]);
	printf("\n");
}

int main(int argc, char **argv)
{
	unsigned maps = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
	memtype_ctx *ctx = memtype_ctx_new(NULL, NULL);
	struct target t;
#define NSTATS 8
	struct stats st[NSTATS] = {
	    {.name = "firmware"},
	    {.name = "random 1-4 ranges"},
	    {.name = "random 5-16 ranges"},
	    {.name = "random 17-64 ranges"},
	    {.name = "2-6 ranges, 4K edges"},
	    {.name = "any, >=100 pieces"},
	    {.name = ">=100 pieces, verified"},
	    {.name = "all"},
	};
	for (unsigned i = 0; i < NSTATS; i++) {
		st[i].us = calloc(5 * (size_t)maps, sizeof(double));
		st[i].us_search = calloc(5 * (size_t)maps, sizeof(double));
	}
	int bad = 0;
	for (unsigned fam = 0; fam < 5; fam++)
		for (unsigned i = 0; i < maps; i++) {
			if (fam == 0)
				gen_firmware(&t);
			else if (fam == 4)
				gen_ugly(&t);
			else
				gen_random(&t, fam == 1	  ? 1 + (unsigned)below(4)
					       : fam == 2 ? 5 + (unsigned)below(12)
							  : 17 + (unsigned)below(48));
			memtype_map *m = to_map(ctx, &t);
			memtype_plan_opts o = {.phys_bits = t.phys, .vcnt = 40, .default_type = -1};
			memtype_plan *p = NULL;
			/* Median of a few runs, each verified; then the search alone. */
			double best = 1e30, best_search = 1e30;
			for (unsigned r = 0; r < 5; r++) {
				double t0 = now_us();
				int rc = memtype_plan_compute(ctx, m, &o, &p);
				double t1 = now_us();
				if (rc) {
					fprintf(stderr, "plan failed: %s\n",
						memtype_ctx_error(ctx)->message);
					for (unsigned k = 0; k < t.n; k++)
						fprintf(stderr, "0x%llx-0x%llx %d\n",
							(unsigned long long)t.start[k],
							(unsigned long long)t.end[k], t.type[k]);
					fprintf(stderr, "phys %u\n", t.phys);
					return 1;
				}
				if (r < 4)
					memtype_plan_free(p);
				best = t1 - t0 < best ? t1 - t0 : best;
				memtype_plan *q;
				t0 = now_us();
				mt_plan_compute_flags(ctx, m, &o, MT_PLAN_NO_VERIFY, &q);
				t1 = now_us();
				memtype_plan_free(q);
				best_search = t1 - t0 < best_search ? t1 - t0 : best_search;
			}
			memtype_plan_summary s;
			memtype_plan_get_summary(p, &s);
			double g0 = now_us();
			unsigned gu = greedy(&t, MEMTYPE_UC, NULL);
			double g1 = now_us();
			unsigned gb = gu, pieces = 0;
			for (unsigned d = 0; d < 5; d++) {
				unsigned c = greedy(&t, types5[d], NULL);
				gb = c < gb ? c : gb;
			}
			for (unsigned k = 0; k < t.n; k++) {
				struct target one = t;
				one.n = 1;
				one.start[0] = t.start[k];
				one.end[0] = t.end[k];
				one.type[0] = t.type[k] == MEMTYPE_UC ? MEMTYPE_WB : t.type[k];
				pieces += greedy(&one, MEMTYPE_UC, NULL);
			}
			/* The greedy layout realizes the map too (when it fits 40). */
			if (gu <= 40) {
				memtype_mtrr *chk = memtype_mtrr_new(ctx, t.phys, 40 | 0x500);
				greedy(&t, MEMTYPE_UC, chk);
				memtype_mtrr_wrmsr(chk, 0x2ff, 0x800);
				for (unsigned k = 0; k < t.n; k++) {
					memtype_mtrr_hit h;
					memtype_mtrr_lookup(chk, t.start[k], &h);
					bad |= h.type != t.type[k];
					memtype_mtrr_lookup(chk, t.end[k], &h);
					bad |= h.type != t.type[k];
				}
				memtype_mtrr_free(chk);
			}
			if (s.lower_bound > gu) {
				fprintf(stderr, "plan %u > greedy %u\n", s.lower_bound, gu);
				bad = 1;
			}
			struct stats *sel[4] = {
			    &st[fam], &st[NSTATS - 1], pieces >= 100 ? &st[NSTATS - 3] : NULL,
			    pieces >= 100 && s.has_layout ? &st[NSTATS - 2] : NULL};
			for (unsigned k = 0; k < 4; k++) {
				struct stats *x = sel[k];
				if (!x)
					continue;
				x->us[x->maps] = best;
				x->us_search[x->maps] = best_search;
				x->maps++;
				x->plan_sum += s.lower_bound;
				x->greedy_sum += gu;
				x->greedy_best_sum += gb;
				x->pieces_sum += pieces;
				x->fits8 += s.lower_bound <= 8;
				x->fits10 += s.lower_bound <= 10;
				x->verified += s.has_layout;
				x->hist[s.lower_bound > 40 ? 41 : s.lower_bound]++;
				x->greedy_us += g1 - g0;
			}
			memtype_plan_free(p);
			memtype_map_free(m);
		}
	printf("memtype plan: fewest variable MTRRs, exact program (verification included; "
	       "'search' without it;\nmaps needing more than 40 pairs have no layout to verify)\n");
	for (unsigned i = 0; i < NSTATS; i++)
		print_stats(&st[i]);
	for (unsigned i = 0; i < NSTATS; i++) {
		free(st[i].us);
		free(st[i].us_search);
	}
	memtype_ctx_free(ctx);
	if (bad)
		fprintf(stderr, "a greedy layout did not realize its map\n");
	return bad;
}
