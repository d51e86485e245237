/*
 * plan_segments.c - the target map as maximal runs of 4 KiB pages of one
 * class, with the O(1) uniformity test the trie walk asks of every node.
 * Separate because both programs (exact and best effort) walk the same
 * runs, and the unaligned-boundary diagnostic belongs with the cutting.
 */
#include "plan_internal.h"

#include <stdio.h>

/* ---------------------------------------------------------------------------
 * The target as runs of pages.
 */

static const char *class_name(unsigned c)
{
	static const char *const names[NCLASSES] = {"UC", "WC",	      "WT",  "WP",
						    "WB", "unlisted", "free"};
	return names[c];
}

unsigned mt_plan_class_of(const struct planner *pl, uint32_t value)
{
	if (value == MEMTYPE_PLAN_UNLISTED)
		return pl->o->dont_care ? C_FREE : C_DEF;
	int i = mt_plan_type_index((memtype_type)value);
	return i < 0 ? NCLASSES : (unsigned)i;
}

static int push_seg(struct planner *pl, uint64_t start, unsigned cls)
{
	if (pl->nseg && pl->scls[pl->nseg - 1] == cls)
		return 0;
	if (mt_plan_grow(pl->ctx, (void **)&pl->sstart, &pl->segcap, sizeof(*pl->sstart), pl->nseg + 1) ||
	    mt_plan_grow(pl->ctx, (void **)&pl->scls, &pl->clscap, sizeof(*pl->scls), pl->nseg + 1))
		return -ENOMEM;
	pl->sstart[pl->nseg] = start;
	pl->scls[pl->nseg++] = (uint8_t)cls;
	return 0;
}

/* Where a map piece came from, for diagnostics: the line, or 0. */
static int err_at(const struct planner *pl, const memtype_range *r, int status, const char *code,
		  const char *msg)
{
	if (r->src && pl->o->name)
		return mt_error_at(pl->ctx, status, pl->o->name, r->src, (unsigned)r->regs, code,
				   "%s", msg);
	return mt_error(pl->ctx, status, code, "%s", msg);
}

/*
 * Cut the target into maximal runs of 4 KiB pages of one class (free pages
 * between cared pieces form their own runs). With relaxed, the first MiB is
 * free. Two cared classes within one page are -EINVAL ("unaligned").
 */
int mt_plan_build_segments(struct planner *pl, bool relaxed)
{
	size_t np = memtype_map_count(pl->target);
	uint64_t next = 0, last_page = 0;
	unsigned last = 0;
	bool have = false;
	memtype_range prev = {0};
	char msg[320];

	pl->nseg = 0;
	for (size_t i = 0; i < np; i++) {
		memtype_range r;
		memtype_map_get(pl->target, i, &r);
		unsigned cls = mt_plan_class_of(pl, r.value);
		if (cls == C_FREE)
			continue;
		uint64_t s = r.start;
		if (relaxed) {
			if (r.end < MT_ONE_MIB)
				continue;
			if (s < MT_ONE_MIB)
				s = MT_ONE_MIB;
		}
		uint64_t ps = s >> PAGE_SHIFT, pe = r.end >> PAGE_SHIFT;
		if (have && ps == last_page) {
			if (cls != last) {
				uint64_t edge = s;
				snprintf(msg, sizeof(msg),
					 "the boundary 0x%llx is not 4 KiB aligned: the page "
					 "0x%llx-0x%llx would be both %s and %s, but variable "
					 "MTRRs match whole aligned blocks of at least 4 KiB "
					 "(SDM Vol. 3A §11.11.4)",
					 (unsigned long long)edge,
					 (unsigned long long)(ps << PAGE_SHIFT),
					 (unsigned long long)((ps << PAGE_SHIFT) + 0xfff),
					 class_name(last), class_name(cls));
				return err_at(pl, r.src ? &r : &prev, -EINVAL, "unaligned", msg);
			}
			last_page = pe;
			next = pe + 1;
			prev = r;
			continue;
		}
		int rc = 0;
		if (ps > next)
			rc = push_seg(pl, next, C_FREE);
		if (!rc)
			rc = push_seg(pl, ps, cls);
		if (rc)
			return rc;
		have = true;
		last = cls;
		last_page = pe;
		next = pe + 1;
		prev = r;
	}
	if (next < (1ull << pl->levels) || pl->nseg == 0) {
		int rc = push_seg(pl, next, C_FREE);
		if (rc)
			return rc;
	}
	/* fc/chg: the uniformity test of a run of segments in O(1). */
	size_t n = pl->nseg;
	size_t *fc = mt_alloc(pl->ctx, 2 * n * sizeof(*fc));
	if (!fc)
		return -ENOMEM;
	mt_free(pl->ctx, pl->fc, 2 * pl->fcn * sizeof(*fc));
	pl->fc = fc;
	pl->chg = fc + n;
	for (size_t i = n; i-- > 0;) {
		bool cared = pl->scls[i] != C_FREE;
		size_t f = cared ? i : (i + 1 < n ? fc[i + 1] : n);
		fc[i] = f;
		if (f == n) {
			pl->chg[i] = n;
		} else if (f != i) {
			pl->chg[i] = pl->chg[f];
		} else {
			size_t k = i + 1 < n ? fc[i + 1] : n;
			pl->chg[i] = k == n ? n : pl->scls[k] != pl->scls[i] ? k : pl->chg[k];
		}
	}
	pl->fcn = n;
	return 0;
}

/* The segment holding page p, searched in [i, j] (sstart[i] <= p). */
size_t mt_plan_find_seg(const struct planner *pl, size_t i, size_t j, uint64_t p)
{
	while (i < j) {
		size_t m = i + (j - i + 1) / 2;
		if (pl->sstart[m] <= p)
			i = m;
		else
			j = m - 1;
	}
	return i;
}
