/*
 * context.c - the context: allocator hook and last error.
 *
 * Every object is created from a context (Lua's lua_State plays the same
 * role): allocation goes through one hook so tests can fail the n-th
 * allocation, and the detail of the last failure is kept here so functions
 * can return a plain negative errno.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *default_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	(void)ud;
	(void)osize;
	if (nsize == 0) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, nsize);
}

const char *memtype_version(void)
{
	return "0.1.0";
}

memtype_ctx *memtype_ctx_new(memtype_alloc_fn alloc, void *ud)
{
	if (!alloc)
		alloc = default_alloc;
	memtype_ctx *ctx = alloc(ud, NULL, 0, sizeof(*ctx));
	if (!ctx)
		return NULL;
	memset(ctx, 0, sizeof(*ctx));
	ctx->alloc = alloc;
	ctx->ud = ud;
	memtype_ctx_clear_error(ctx);
	return ctx;
}

void memtype_ctx_free(memtype_ctx *ctx)
{
	if (ctx)
		ctx->alloc(ctx->ud, ctx, sizeof(*ctx), 0);
}

const memtype_error *memtype_ctx_error(const memtype_ctx *ctx)
{
	return &ctx->err;
}

void memtype_ctx_clear_error(memtype_ctx *ctx)
{
	ctx->code[0] = '\0';
	ctx->message[0] = '\0';
	ctx->file[0] = '\0';
	ctx->err.status = 0;
	ctx->err.code = ctx->code;
	ctx->err.message = ctx->message;
	ctx->err.file = NULL;
	ctx->err.line = 0;
	ctx->err.col = 0;
}

void *mt_alloc(memtype_ctx *ctx, size_t n)
{
	return mt_realloc(ctx, NULL, 0, n);
}

void *mt_realloc(memtype_ctx *ctx, void *p, size_t osize, size_t nsize)
{
	void *q = ctx->alloc(ctx->ud, p, osize, nsize ? nsize : 1);
	if (!q)
		mt_error(ctx, -ENOMEM, "no-memory", "out of memory allocating %zu bytes", nsize);
	return q;
}

void mt_free(memtype_ctx *ctx, void *p, size_t n)
{
	if (p)
		ctx->alloc(ctx->ud, p, n, 0);
}

static int record(memtype_ctx *ctx, int status, const char *file, unsigned line, unsigned col,
		  const char *code, const char *fmt, va_list ap)
{
	ctx->err.status = status;
	snprintf(ctx->code, sizeof(ctx->code), "%s", code);
	vsnprintf(ctx->message, sizeof(ctx->message), fmt, ap);
	if (file) {
		snprintf(ctx->file, sizeof(ctx->file), "%s", file);
		ctx->err.file = ctx->file;
	} else {
		ctx->err.file = NULL;
	}
	ctx->err.line = line;
	ctx->err.col = col;
	return status;
}

int mt_error(memtype_ctx *ctx, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(ctx, status, NULL, 0, 0, code, fmt, ap);
	va_end(ap);
	return status;
}

int mt_error_at(memtype_ctx *ctx, int status, const char *file, unsigned line, unsigned col,
		const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(ctx, status, file, line, col, code, fmt, ap);
	va_end(ap);
	return status;
}
