/*
 * plan_brute.c - the planner's independent referee: the fewest variable
 * MTRRs for small address spaces, found by exhaustive search.
 *
 * Nothing here comes from src/lib/plan.c. The space is 2^k units (k <= 6),
 * every aligned power-of-two run of units is a candidate block, and a layout
 * is any set of (block, type) pairs. What a unit ends up with is the SET of
 * types of the pairs covering it, judged at the end by the SDM's words
 * (Vol. 3A §11.11.4.1: one type -> it; UC among them -> UC; exactly WT and WB
 * -> WT; anything else undefined; none -> the default type). Undefined
 * intermediate sets are allowed: the search may pass through them.
 *
 * To keep the search finite the 32 type sets are merged into classes that
 * no future pair and no default can tell apart -- computed by brute force
 * (compare the verdict of A u C and B u C for all 32 sets C and 5 defaults),
 * not by reasoning about the rules. Then:
 *  - brute8: breadth-first search over every vector of classes of 8 units
 *    (7^8 states, all reachable), giving the exact minimum for every target
 *    of 8 units, every default, with or without free units;
 *  - brute_bounded: the same search cut at a depth, over 2^k units hashed,
 *    answering "the minimum is m <= depth" or "more than depth".
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtype.h"

/* Units hold memtype_type values or BRUTE_FREE (any type will do). The
 * functions are declared where they are used, in test_plan_oracle.c. */
#define BRUTE_FREE 0xffu

/* ---------------------------------------------------------------------------
 * Types and the SDM's verdict on a set of them.
 */

#define NT 5
static const memtype_type tlist[NT] = {MEMTYPE_UC, MEMTYPE_WC, MEMTYPE_WT, MEMTYPE_WP, MEMTYPE_WB};
#define UNDEF_V 7u /* a verdict: undefined */
#define MAXCLS	8u

/* A set of types is a mask over tlist positions. */
static int tpos(memtype_type t)
{
	for (int i = 0; i < NT; i++)
		if (tlist[i] == t)
			return i;
	return -1;
}

/* SDM Vol. 3A §11.11.4.1, read literally; d is the default (a tlist position). */
static unsigned verdict(unsigned set, unsigned d)
{
	if (set == 0)
		return d; /* no variable range matches: the default type */
	if ((set & (set - 1)) == 0)
		return (unsigned)__builtin_ctz(set); /* one type (or several identical) */
	if (set & (1u << tpos(MEMTYPE_UC)))
		return (unsigned)tpos(MEMTYPE_UC); /* UC wins */
	if (set == ((1u << tpos(MEMTYPE_WT)) | (1u << tpos(MEMTYPE_WB))))
		return (unsigned)tpos(MEMTYPE_WT); /* WT and WB: WT */
	return UNDEF_V;				   /* any other overlap */
}

struct classes {
	unsigned n;
	unsigned of_set[1u << NT];
	unsigned rep[MAXCLS];
	unsigned add[MAXCLS][NT];   /* class after one more pair of type t */
	unsigned judge[MAXCLS][NT]; /* verdict of the class with default d */
};

/* Merge the 32 sets into classes no future pair and no default can tell
 * apart, by comparing every continuation. */
static void make_classes(struct classes *c)
{
	c->n = 0;
	for (unsigned a = 0; a < (1u << NT); a++) {
		unsigned found = MAXCLS;
		for (unsigned k = 0; k < c->n && found == MAXCLS; k++) {
			bool same = true;
			for (unsigned more = 0; more < (1u << NT) && same; more++)
				for (unsigned d = 0; d < NT && same; d++)
					same = verdict(a | more, d) == verdict(c->rep[k] | more, d);
			if (same)
				found = k;
		}
		if (found == MAXCLS) {
			if (c->n == MAXCLS)
				abort(); /* more classes than 3 bits hold: cannot happen */
			found = c->n;
			c->rep[c->n++] = a;
		}
		c->of_set[a] = found;
	}
	for (unsigned k = 0; k < c->n; k++)
		for (unsigned t = 0; t < NT; t++) {
			c->add[k][t] = c->of_set[c->rep[k] | (1u << t)];
			c->judge[k][t] = verdict(c->rep[k], t);
		}
}

/* ---------------------------------------------------------------------------
 * Every target of 8 units.
 */

#define U8	8u
#define STATES8 (1u << (3 * U8)) /* index space: 3 bits per unit */
#define REACH8	5764801u	 /* 7^8: at most 7 classes per unit */
#define PAT8	1679616u	 /* 6^8 target patterns: digit = tlist position, 5 = free */

struct brute8 {
	struct classes c;
	uint8_t *lev;		/* per state (3 bits a unit): fewest pairs; 0xff unreachable */
	uint8_t *best[NT];	/* per default, per pattern */
	uint32_t *order;	/* states in breadth-first order */
	size_t norder, upto[5]; /* upto[k]: states with at most k pairs */
};

struct brute8;
struct brute_bounded;
void brute8_free(struct brute8 *b);
void brute_bounded_free(struct brute_bounded *b);

struct cand {
	unsigned lo, n, t;
};

static unsigned make_cands(unsigned units, struct cand *out)
{
	unsigned n = 0;
	for (unsigned len = 1; len <= units; len *= 2)
		for (unsigned lo = 0; lo < units; lo += len)
			for (unsigned t = 0; t < NT; t++)
				out[n++] = (struct cand){lo, len, t};
	return n;
}

struct brute8 *brute8_build(void)
{
	struct brute8 *b = calloc(1, sizeof(*b));
	struct cand cands[16 * NT];
	if (!b)
		return NULL;
	make_classes(&b->c);
	unsigned empty = b->c.of_set[0];
	unsigned ncand = make_cands(U8, cands);
	b->lev = malloc(STATES8);
	b->order = malloc(REACH8 * sizeof(*b->order));
	for (unsigned d = 0; d < NT; d++)
		b->best[d] = malloc(PAT8);
	if (!b->lev || !b->order || !b->best[NT - 1]) {
		brute8_free(b);
		return NULL;
	}
	memset(b->lev, 0xff, STATES8);
	uint32_t start = 0;
	for (unsigned u = 0; u < U8; u++)
		start |= empty << (3 * u);
	b->lev[start] = 0;
	b->order[b->norder++] = start;
	for (size_t h = 0; h < b->norder; h++) {
		uint32_t v = b->order[h];
		for (unsigned k = 0; k < ncand; k++) {
			uint32_t w = v;
			for (unsigned u = cands[k].lo; u < cands[k].lo + cands[k].n; u++) {
				unsigned cl = (w >> (3 * u)) & 7u;
				w = (w & ~(7u << (3 * u))) | (b->c.add[cl][cands[k].t] << (3 * u));
			}
			if (b->lev[w] == 0xff) {
				if (b->norder == REACH8)
					abort(); /* more than 7 classes: cannot happen */
				b->lev[w] = (uint8_t)(b->lev[v] + 1);
				b->order[b->norder++] = w;
			}
		}
	}
	for (unsigned k = 0; k < 5; k++) {
		size_t n = 0;
		while (n < b->norder && b->lev[b->order[n]] <= k)
			n++;
		b->upto[k] = n;
	}
	/* Exact targets: what every reachable state gives, under every default. */
	for (unsigned d = 0; d < NT; d++)
		memset(b->best[d], 0xff, PAT8);
	for (size_t h = 0; h < b->norder; h++) {
		uint32_t v = b->order[h];
		for (unsigned d = 0; d < NT; d++) {
			uint32_t idx = 0, mul = 1;
			bool ok = true;
			for (unsigned u = 0; u < U8 && ok; u++, mul *= 6) {
				unsigned t = b->c.judge[(v >> (3 * u)) & 7u][d];
				ok = t != UNDEF_V;
				idx += t * mul;
			}
			if (ok && b->lev[v] < b->best[d][idx])
				b->best[d][idx] = b->lev[v];
		}
	}
	/* Targets with free units: the best over the five choices of the first
	 * free unit, each a smaller pattern index already final. */
	for (unsigned d = 0; d < NT; d++)
		for (uint32_t idx = 0; idx < PAT8; idx++) {
			uint32_t x = idx, mul = 1;
			unsigned u = 0;
			while (u < U8 && x % 6 != 5) {
				x /= 6;
				mul *= 6;
				u++;
			}
			if (u == U8)
				continue;
			uint8_t m = 0xff;
			for (unsigned t = 0; t < NT; t++) {
				uint8_t v = b->best[d][idx - (5 - t) * mul];
				m = v < m ? v : m;
			}
			b->best[d][idx] = m;
		}
	return b;
}

void brute8_free(struct brute8 *b)
{
	if (!b)
		return;
	free(b->lev);
	free(b->order);
	for (unsigned d = 0; d < NT; d++)
		free(b->best[d]);
	free(b);
}

static unsigned digit_of(unsigned unit)
{
	return unit == BRUTE_FREE ? 5u : (unsigned)tpos((memtype_type)unit);
}

unsigned brute8_min(const struct brute8 *b, const unsigned units[8], memtype_type d)
{
	uint32_t idx = 0, mul = 1;
	for (unsigned u = 0; u < U8; u++, mul *= 6)
		idx += digit_of(units[u]) * mul;
	return b->best[tpos(d)][idx];
}

unsigned brute8_least_loss(const struct brute8 *b, const unsigned units[8], memtype_type d,
			   unsigned k)
{
	unsigned best = UINT32_MAX, dd = (unsigned)tpos(d), wb = (unsigned)tpos(MEMTYPE_WB);
	if (k > 4)
		k = 4;
	for (size_t h = 0; h < b->upto[k]; h++) {
		uint32_t v = b->order[h];
		unsigned lost = 0;
		bool ok = true;
		for (unsigned u = 0; u < U8 && ok; u++) {
			unsigned t = b->c.judge[(v >> (3 * u)) & 7u][dd];
			unsigned want = digit_of(units[u]);
			if (t == UNDEF_V)
				ok = false;
			else if (want == 5 || t == want)
				continue;
			else if (want == wb)
				lost++;
			else
				ok = false;
		}
		if (ok && lost < best)
			best = lost;
	}
	return best;
}

/* ---------------------------------------------------------------------------
 * Targets of 2^kbits units (kbits <= 4), searched to a depth.
 */

struct hash {
	uint64_t *key; /* key + 1; 0 = empty */
	uint8_t *val;
	size_t cap, n;
};

static int hash_init(struct hash *h, size_t cap)
{
	h->cap = cap;
	h->n = 0;
	h->key = calloc(cap, sizeof(*h->key));
	h->val = malloc(cap);
	return h->key && h->val ? 0 : -1;
}

static size_t hash_slot(const struct hash *h, uint64_t key)
{
	uint64_t x = key * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(x >> 20) & (h->cap - 1);
	while (h->key[i] && h->key[i] != key + 1)
		i = (i + 1) & (h->cap - 1);
	return i;
}

/* Insert key with val, keeping the smaller value; 1 when new. */
static int hash_put(struct hash *h, uint64_t key, uint8_t val)
{
	size_t i = hash_slot(h, key);
	if (h->key[i]) {
		if (val < h->val[i])
			h->val[i] = val;
		return 0;
	}
	if (2 * (h->n + 1) > h->cap)
		abort(); /* sized generously by the caller */
	h->key[i] = key + 1;
	h->val[i] = val;
	h->n++;
	return 1;
}

struct brute_bounded {
	struct classes c;
	unsigned units, depth;
	struct hash realized; /* (default, verdict per unit) -> fewest pairs */
};

struct brute_bounded *brute_bounded_build(unsigned kbits, unsigned depth)
{
	struct brute_bounded *b = calloc(1, sizeof(*b));
	struct cand cands[32 * NT];
	struct hash seen = {0};
	uint64_t *front = NULL, *next = NULL;
	size_t nf = 0, nn = 0, cap = 1u << 20;

	/* 16 units to depth 3 reach 368129 states giving 850857 (default,
	 * map) pairs: the tables below hold them at half load. */
	if (!b || kbits > 4 || depth > 3)
		goto fail;
	make_classes(&b->c);
	b->units = 1u << kbits;
	b->depth = depth;
	unsigned ncand = make_cands(b->units, cands);
	if (hash_init(&seen, cap) || hash_init(&b->realized, 2 * cap))
		goto fail;
	front = malloc(cap * sizeof(*front));
	next = malloc(cap * sizeof(*next));
	if (!front || !next)
		goto fail;
	uint64_t start = 0;
	for (unsigned u = 0; u < b->units; u++)
		start |= (uint64_t)b->c.of_set[0] << (3 * u);
	hash_put(&seen, start, 0);
	front[nf++] = start;
	for (unsigned level = 0;; level++) {
		/* Record what this level's states give. */
		for (size_t i = 0; i < nf; i++)
			for (unsigned d = 0; d < NT; d++) {
				uint64_t key = (uint64_t)d << 60;
				bool ok = true;
				for (unsigned u = 0; u < b->units && ok; u++) {
					unsigned t = b->c.judge[(front[i] >> (3 * u)) & 7u][d];
					ok = t != UNDEF_V;
					key |= (uint64_t)t << (3 * u);
				}
				if (ok)
					hash_put(&b->realized, key, (uint8_t)level);
			}
		if (level == depth)
			break;
		nn = 0;
		for (size_t i = 0; i < nf; i++)
			for (unsigned k = 0; k < ncand; k++) {
				uint64_t w = front[i];
				for (unsigned u = cands[k].lo; u < cands[k].lo + cands[k].n; u++) {
					unsigned cl = (unsigned)(w >> (3 * u)) & 7u;
					w = (w & ~(7ull << (3 * u))) |
					    ((uint64_t)b->c.add[cl][cands[k].t] << (3 * u));
				}
				if (hash_put(&seen, w, (uint8_t)(level + 1))) {
					if (nn == cap)
						abort();
					next[nn++] = w;
				}
			}
		uint64_t *t = front;
		front = next;
		next = t;
		nf = nn;
	}
	free(seen.key);
	free(seen.val);
	free(front);
	free(next);
	return b;
fail:
	free(seen.key);
	free(seen.val);
	brute_bounded_free(b);
	free(front);
	free(next);
	return NULL;
}

void brute_bounded_free(struct brute_bounded *b)
{
	if (!b)
		return;
	free(b->realized.key);
	free(b->realized.val);
	free(b);
}

unsigned brute_bounded_min(const struct brute_bounded *b, const unsigned *units, memtype_type d)
{
	uint64_t key = (uint64_t)tpos(d) << 60;
	for (unsigned u = 0; u < b->units; u++)
		key |= (uint64_t)tpos((memtype_type)units[u]) << (3 * u);
	size_t i = hash_slot(&b->realized, key);
	return b->realized.key[i] ? b->realized.val[i] : b->depth + 1;
}
