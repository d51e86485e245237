/*
 * internal.h - what the library's files share and white-box tests may reach.
 *
 * Nothing here is part of the public API: the CLI never includes it. It holds
 * the context's layout, the allocation and error helpers every object uses,
 * and the register-field helpers (explicit shifts and masks, never C
 * bit-fields, whose bit order is implementation-defined).
 */
#ifndef MEMTYPE_INTERNAL_H
#define MEMTYPE_INTERNAL_H

#include "memtype.h"

#include <errno.h>
#include <stdarg.h>

#define MT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct memtype_ctx {
	memtype_alloc_fn alloc;
	void *ud;
	memtype_error err;
	char code[48];
	char message[512];
	char file[256];
};

/* Allocation through the context's hook. mt_alloc/mt_realloc return NULL and
 * record -ENOMEM ("no-memory") on the context when the hook fails. */
void *mt_alloc(memtype_ctx *ctx, size_t n);
void *mt_realloc(memtype_ctx *ctx, void *p, size_t osize, size_t nsize);
void mt_free(memtype_ctx *ctx, void *p, size_t n);

/* Record an error on ctx and return status (a negative errno). */
int mt_error(memtype_ctx *ctx, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same, with an input position. */
int mt_error_at(memtype_ctx *ctx, int status, const char *file, unsigned line, unsigned col,
		const char *code, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Bits [lo, hi] of a 64-bit value set (0 <= lo <= hi <= 63). */
static inline uint64_t mt_bits(unsigned hi, unsigned lo)
{
	return (~0ull >> (63u - hi)) & (~0ull << lo);
}

/* Byte i (0 = lowest) of a 64-bit register. */
static inline unsigned mt_byte(uint64_t v, unsigned i)
{
	return (unsigned)((v >> (8u * i)) & 0xffu);
}

/* Case-insensitive comparison of len bytes of s against NUL-terminated word. */
bool mt_word_eq(const char *s, size_t len, const char *word);

/* Internal fast lookup used by the benchmarks: index of the piece holding addr. */
size_t mt_map_index(const memtype_map *map, uint64_t addr);

/* Map building without per-call merging cost: append pieces in address order. */
typedef struct mt_map_builder {
	memtype_map *map;
	int status;
} mt_map_builder;

memtype_map *mt_map_alloc(memtype_ctx *ctx, uint64_t lo, uint64_t hi, size_t capacity);
/* Append the piece starting at start (must be > the last start); merges with
 * the previous piece when identical. Returns 0 or -ENOMEM. */
int mt_map_append(memtype_map *map, uint64_t start, uint32_t value, uint32_t src, uint64_t regs);
memtype_ctx *mt_map_ctx(const memtype_map *map);

#endif /* MEMTYPE_INTERNAL_H */
