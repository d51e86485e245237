/*
 * test_alloc.c - allocation failure injection through the context's hook.
 *
 * Every object allocates through memtype_ctx_new's Lua-style hook
 * (memtype.h): nsize == 0 frees, otherwise (re)allocate from osize to nsize
 * bytes, NULL on failure with the block untouched. The test's hook counts
 * the allocations, fails the n-th one (or every one from the n-th on), and
 * keeps two live-byte counters: one from the osize/nsize the library passes
 * and one from a size header of its own, so a wrong osize shows up too.
 *
 * For n = 1, 2, ... until a run sees no injected failure, a realistic
 * sequence runs: create an MTRR state, write a BIOS-like layout, build its
 * whole-space map, clone things, set and overlay map pieces, parse a register
 * file and --msr arguments, and replay them. Every call must either succeed
 * or fail cleanly with -ENOMEM (NULL for constructors) and ctx error code
 * "no-memory" -- and only when an allocation was actually refused during that
 * call. Objects that survived a failed operation must still be valid. After
 * cleanup the live bytes are back to the context's own size, and 0 once the
 * context is freed.
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

#include "internal.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------------
 * The counting allocator.
 */

struct counter {
	unsigned long calls;	   /* allocation requests (nsize > 0) so far */
	unsigned long fail_at;	   /* refuse request number fail_at (0: never) */
	bool fail_after;	   /* ...and every later one too */
	unsigned long injected;	   /* requests refused */
	long long live;		   /* bytes live according to osize/nsize */
	long long live_true;	   /* bytes live according to our headers */
	unsigned long bad_osize;   /* calls whose osize did not match the block */
	char first_bad[160];
};

union header {
	size_t size;
	max_align_t align;
};

static void note_bad_osize(struct counter *c, const char *what, size_t osize, size_t real)
{
	if (!c->bad_osize++)
		snprintf(c->first_bad, sizeof(c->first_bad),
			 "%s of a %zu-byte block passed osize %zu (allocation %lu)", what, real,
			 osize, c->calls);
}

static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct counter *c = ud;
	union header *h = ptr ? (union header *)ptr - 1 : NULL;

	if (nsize == 0) {
		if (!h)
			return NULL;
		if (h->size != osize)
			note_bad_osize(c, "free", osize, h->size);
		c->live -= (long long)osize;
		c->live_true -= (long long)h->size;
		free(h);
		return NULL;
	}
	c->calls++;
	if (c->fail_at && (c->calls == c->fail_at || (c->fail_after && c->calls > c->fail_at))) {
		c->injected++;
		return NULL;
	}
	size_t old = h ? h->size : 0;
	if (h && old != osize)
		note_bad_osize(c, "realloc", osize, old);
	union header *n = realloc(h, sizeof(*n) + nsize);
	if (!n)
		return NULL;
	n->size = nsize;
	c->live += (long long)nsize - (long long)(h ? osize : 0);
	c->live_true += (long long)nsize - (long long)old;
	return n + 1;
}

/* ---------------------------------------------------------------------------
 * Checking each call.
 */

struct run {
	struct counter cnt;
	memtype_ctx *ctx;
	unsigned long n;
	unsigned long injected_before; /* refusals before the current call */
};

/* Before each checked call: remember the refusal count, forget old errors. */
static int begin(struct run *r)
{
	r->injected_before = r->cnt.injected;
	memtype_ctx_clear_error(r->ctx);
	return 0;
}

/*
 * rc is the result of what. Success is always fine; a failure must be
 * -ENOMEM / "no-memory" and must follow a refused allocation inside the
 * call -- unless the call may also fail by itself with expected_rc.
 * Returns true on success.
 */
static bool check_rc(struct run *r, int rc, const char *what, int expected_rc)
{
	const memtype_error *e = memtype_ctx_error(r->ctx);

	if (rc == 0)
		return true;
	if (expected_rc && rc == expected_rc)
		return false;
	if (r->cnt.injected == r->injected_before)
		fail_msg("n=%lu: %s failed with %d (%s: %s) though no allocation was refused",
			 r->n, what, rc, e->code, e->message);
	if (rc != -ENOMEM || e->status != -ENOMEM || strcmp(e->code, "no-memory") != 0)
		fail_msg("n=%lu: %s failed after a refused allocation with %d, ctx status %d "
			 "code '%s' (%s); expected -ENOMEM / no-memory",
			 r->n, what, rc, e->status, e->code, e->message);
	return false;
}

/* A constructor: NULL must come with ctx status -ENOMEM after a refusal. */
static bool check_ptr(struct run *r, const void *p, const char *what)
{
	int status = memtype_ctx_error(r->ctx)->status;
	return check_rc(r, p ? 0 : status ? status : -1, what, 0);
}

/* The comma operator sequences begin() before the call. */
#define CALL_RC(r, expr) (begin(r), check_rc((r), (expr), #expr, 0))
#define CALL_RC_OR(r, expr, expected) (begin(r), check_rc((r), (expr), #expr, (expected)))
#define CALL_PTR(r, lhs, expr) (begin(r), (lhs) = (expr), check_ptr((r), (lhs), #expr))

/* A map that survived whatever happened is still a partition of [lo, hi]. */
static void check_map_valid(struct run *r, const memtype_map *m, uint64_t lo, uint64_t hi)
{
	size_t n = memtype_map_count(m);
	memtype_range p, prev = { 0 };

	if (n < 1)
		fail_msg("n=%lu: map has no pieces", r->n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(memtype_map_get(m, i, &p), 0);
		if (i == 0 ? p.start != lo : p.start != prev.end + 1)
			fail_msg("n=%lu: map piece %zu starts at 0x%llx", r->n, i,
				 (unsigned long long)p.start);
		prev = p;
	}
	if (prev.end != hi)
		fail_msg("n=%lu: map ends at 0x%llx", r->n, (unsigned long long)prev.end);
}

/*
 * Lookups cannot fail inside the domain, whatever the allocator does (the
 * map may build a lookup cache through the hook): query and value_at agree
 * with the pieces.
 */
static void check_lookups(struct run *r, const memtype_map *m)
{
	memtype_range p, q;

	for (size_t i = 0; i < memtype_map_count(m); i++) {
		assert_int_equal(memtype_map_get(m, i, &p), 0);
		if (memtype_map_value_at(m, p.start) != p.value ||
		    memtype_map_value_at(m, p.end) != p.value)
			fail_msg("n=%lu: value_at disagrees with piece %zu", r->n, i);
		if (memtype_map_query(m, p.end, &q) != 0 || q.start != p.start)
			fail_msg("n=%lu: query of piece %zu's end failed", r->n, i);
	}
}

static void ov_min(void *ud, const memtype_range *below, const memtype_range *above,
		   memtype_range *out)
{
	(void)ud;
	out->value = below->value < above->value ? below->value : above->value;
	out->src = above->src;
	out->regs = below->regs | above->regs;
}

static const char regs_text[] =
	"# a BIOS-like layout\n"
	"cpu: intel\n"
	"phys_bits: 39\n"
	"mtrrcap: 0x50a\n"
	"wrmsr 0x250 0x0606060606060606\n"
	"wrmsr 0x258 0x0606060606060606\n"
	"0x259: 0\n"
	"0x268: 0505050505050505\n"
	"0x269: 0505050505050505\n"
	"0x26a: 0\n"
	"0x26b: 0\n"
	"0x26c: 0\n"
	"0x26d: 0\n"
	"0x26e: 0505050505050505\n"
	"0x26f: 0505050505050505\n"
	"IA32_MTRR_PHYSBASE0: 0x6\n"
	"IA32_MTRR_PHYSMASK0: 0x7f80000800\n"
	"IA32_MTRR_PHYSBASE1: 0x80000006\n"
	"IA32_MTRR_PHYSMASK1: 0x7fc0000800\n"
	"IA32_MTRR_PHYSBASE2: 0xb0000000\n"
	"IA32_MTRR_PHYSMASK2: 0x7ff0000800\n"
	"IA32_MTRR_PHYSBASE3: 0x100000006\n"
	"IA32_MTRR_PHYSMASK3: 0x7f00000800\n"
	"IA32_MTRR_PHYSBASE9: 0x40000001\n"
	"IA32_MTRR_PHYSMASK9: 0x7ec0000800\n"
	"IA32_PAT: 0x0407050600070106\n"
	"MSR_MTRRdefType=c00\n";

struct result {
	bool injected;		/* some request was refused */
	unsigned long requests; /* allocation requests made */
	char why[512];		/* "" or what went wrong with the accounting */
};

/*
 * One run of the sequence with request n refused (and, with after, every
 * later one). Wrong return values fail the test at once; the byte and osize
 * accounting is reported in res.
 */
static void run_sequence(unsigned long n, bool after, struct result *res)
{
	struct run r;
	memtype_mtrr *m = NULL, *mc = NULL, *m2 = NULL;
	memtype_map *map = NULL, *pieces = NULL, *pc = NULL, *map2 = NULL;
	memtype_regs *regs = NULL;

	memset(&r, 0, sizeof(r));
	memset(res, 0, sizeof(*res));
	r.n = n;
	r.cnt.fail_at = n;
	r.cnt.fail_after = after;

	r.ctx = memtype_ctx_new(counting_alloc, &r.cnt);
	if (!r.ctx) {
		if (!r.cnt.injected)
			fail_msg("n=%lu: memtype_ctx_new failed without a refused allocation", n);
		if (r.cnt.live != 0 || r.cnt.live_true != 0)
			fail_msg("n=%lu: %lld bytes live after a failed memtype_ctx_new", n,
				 r.cnt.live);
		res->injected = true;
		return;
	}
	const long long ctx_size = (long long)sizeof(struct memtype_ctx);
	assert_int_equal(r.cnt.live, ctx_size);

	/* The MTRR state: a BIOS layout (SDM §11.11.4.1), its map, a clone. */
	if (CALL_PTR(&r, m, memtype_mtrr_new(r.ctx, 36, MEMTYPE_MTRRCAP_KVM))) {
		static const struct {
			uint32_t index;
			uint64_t value;
		} writes[] = {
			{ 0x250, 0x0606060606060606ull }, { 0x258, 0x0606060606060606ull },
			{ 0x259, 0 }, { 0x268, 0x0505050505050505ull },
			{ 0x200, 0x6 }, { 0x201, 0xf80000800ull },
			{ 0x202, 0x80000006ull }, { 0x203, 0xfc0000800ull },
			{ 0x204, 0xb0000000ull }, { 0x205, 0xff0000800ull },
			{ 0x206, 0x100000006ull }, { 0x207, 0xf00000800ull },
			/* A non-contiguous mask: 4 blocks. */
			{ 0x208, 0x1 }, { 0x209, 0xcf0000800ull },
			{ 0x2ff, 0xc00 },
		};
		for (size_t i = 0; i < ARRAY_LEN(writes); i++)
			assert_int_equal(memtype_mtrr_wrmsr(m, writes[i].index, writes[i].value),
					 0);
		/* A refused write allocates nothing and reports #GP, not ENOMEM. */
		assert_int_equal(memtype_mtrr_wrmsr(m, 0x2ff, 0x2), -EINVAL);

		if (CALL_RC(&r, memtype_mtrr_build_map(m, 0, &map))) {
			check_map_valid(&r, map, 0, (1ull << 36) - 1);
			check_lookups(&r, map);
		}
		CALL_PTR(&r, mc, memtype_mtrr_clone(m));
	}

	/* A map built by hand: sets that split and merge, a clone, an overlay. */
	if (CALL_PTR(&r, pieces, memtype_map_new(r.ctx, 0, UINT64_MAX, 0, 0, 0))) {
		for (unsigned i = 0; i < 40; i++) {
			uint64_t start = (uint64_t)i * 0x3000 + (i % 3) * 0x100;
			CALL_RC(&r, memtype_map_set(pieces, start, start + 0x1fff, i % 5, i % 2,
						    i));
			check_map_valid(&r, pieces, 0, UINT64_MAX);
		}
		CALL_RC(&r, memtype_map_set(pieces, UINT64_MAX, UINT64_MAX, 6, 0, 0));
		CALL_RC(&r, memtype_map_set(pieces, 0x1000, 0x7fff, 1, 1, 1));
		check_map_valid(&r, pieces, 0, UINT64_MAX);
		check_lookups(&r, pieces);
		if (CALL_PTR(&r, pc, memtype_map_clone(pieces)))
			check_map_valid(&r, pc, 0, UINT64_MAX);
		if (map) {
			CALL_RC(&r, memtype_map_overlay(pieces, map, ov_min, NULL));
			check_map_valid(&r, pieces, 0, UINT64_MAX);
		}
		if (pc) {
			CALL_RC(&r, memtype_map_overlay(pieces, pc, ov_min, NULL));
			check_map_valid(&r, pieces, 0, UINT64_MAX);
		}
		check_lookups(&r, pieces);
	}

	/* A register file, --msr arguments, the replay and its map. */
	if (CALL_PTR(&r, regs, memtype_regs_new(r.ctx))) {
		CALL_RC(&r, memtype_regs_parse(regs, "bios.txt", regs_text, strlen(regs_text)));
		CALL_RC(&r, memtype_regs_add_arg(regs, "0x2ff=0xc00"));
		CALL_RC(&r, memtype_regs_add_arg(regs, "IA32_MTRR_PHYSBASE4=0x200000000"));
		CALL_RC(&r, memtype_regs_add_arg(regs, "IA32_MTRR_PHYSMASK4=0xe00000800"));
		/* A file with a syntax error fails as such (or for lack of memory). */
		CALL_RC_OR(&r, memtype_regs_parse(regs, "bad.txt", "0x2ff c06\n", 10), -EINVAL);
		if (CALL_RC(&r, memtype_regs_to_mtrr(regs, &m2))) {
			if (CALL_RC(&r, memtype_mtrr_build_map(m2, 4096, &map2)))
				check_map_valid(&r, map2, 0,
						(1ull << memtype_mtrr_phys_bits(m2)) - 1);
		} else {
			assert_null(m2);
		}
	}

	memtype_map_free(map2);
	memtype_mtrr_free(m2);
	memtype_regs_free(regs);
	memtype_map_free(pc);
	memtype_map_free(pieces);
	memtype_map_free(map);
	memtype_mtrr_free(mc);
	memtype_mtrr_free(m);

	/* The accounting checks are recorded, not fatal, so that every n is run
	 * and the report lists them all. */
	if (r.cnt.live != ctx_size || r.cnt.live_true != ctx_size)
		snprintf(res->why, sizeof(res->why),
			 "n=%lu%s: after cleanup %lld bytes live by osize/nsize, %lld by block "
			 "size; the context alone is %lld",
			 n, after ? "+" : "", r.cnt.live, r.cnt.live_true, ctx_size);
	memtype_ctx_free(r.ctx);
	if (!res->why[0] && (r.cnt.live != 0 || r.cnt.live_true != 0))
		snprintf(res->why, sizeof(res->why),
			 "n=%lu%s: %lld / %lld bytes live after memtype_ctx_free", n,
			 after ? "+" : "", r.cnt.live, r.cnt.live_true);
	if (r.cnt.bad_osize) {
		size_t used = strlen(res->why);
		snprintf(res->why + used, sizeof(res->why) - used,
			 "%sn=%lu%s: %lu hook calls with a wrong osize; first: %s",
			 used ? "\n#   " : "", n, after ? "+" : "", r.cnt.bad_osize,
			 r.cnt.first_bad);
	}
	res->injected = r.cnt.injected != 0;
	res->requests = r.cnt.calls;
}

/* ---------------------------------------------------------------------------
 * Tests.
 */

/* The sequence with no failure: the baseline. */
static void test_alloc_sequence_without_failure_frees_everything(void **state)
{
	struct result res;

	(void)state;
	run_sequence(0, false, &res);
	assert_false(res.injected);
	if (res.why[0])
		fail_msg("%s", res.why);
}

/* Run n = 1, 2, ... until a run refuses nothing; list every bad run. */
static void run_all(bool after)
{
	struct result res;
	unsigned long n, bad = 0;

	for (n = 1; n < 100000; n++) {
		run_sequence(n, after, &res);
		if (res.why[0] && bad++ < 25)
			print_message("# %s\n", res.why);
		if (!res.injected)
			break;
	}
	assert_true(n > 10);
	if (bad)
		fail_msg("%lu of %lu runs (%s) left the allocator's accounting wrong",
			 bad, n - 1, after ? "refusing from request n on" : "refusing request n");
}

/* Refuse exactly the n-th request, for every n the sequence makes. */
static void test_alloc_fail_nth_allocation_is_clean(void **state)
{
	(void)state;
	run_all(false);
}

/* Refuse the n-th request and every later one: error paths get no memory
 * either. */
static void test_alloc_fail_from_nth_allocation_on_is_clean(void **state)
{
	(void)state;
	run_all(true);
}

/* The context itself is the first allocation: refusing it gives NULL. */
static void test_alloc_ctx_new_failure_returns_null(void **state)
{
	struct counter c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.fail_at = 1;
	assert_null(memtype_ctx_new(counting_alloc, &c));
	assert_int_equal(c.injected, 1);
	assert_int_equal(c.live, 0);
}

/* A context's live bytes are its own size, exactly, through the hook. */
static void test_alloc_ctx_uses_hook_for_itself(void **state)
{
	struct counter c;
	memtype_ctx *ctx;

	(void)state;
	memset(&c, 0, sizeof(c));
	ctx = memtype_ctx_new(counting_alloc, &c);
	assert_non_null(ctx);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.live, (long long)sizeof(struct memtype_ctx));
	memtype_ctx_free(ctx);
	assert_int_equal(c.live, 0);
	assert_int_equal(c.live_true, 0);
	assert_int_equal(c.bad_osize, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_ctx_new_failure_returns_null),
		cmocka_unit_test(test_alloc_ctx_uses_hook_for_itself),
		cmocka_unit_test(test_alloc_sequence_without_failure_frees_everything),
		cmocka_unit_test(test_alloc_fail_nth_allocation_is_clean),
		cmocka_unit_test(test_alloc_fail_from_nth_allocation_on_is_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
