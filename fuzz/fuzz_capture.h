/*
 * fuzz_capture.h - the body every capture fuzz target shares; each target
 * (fuzz_capture_<format>.c) only picks the format. It checks three
 * properties beyond "no crash, no hang, no leak":
 *  - a rejected input says where and why (file, line, code, message);
 *  - feeding the same bytes in small pieces gives the same capture as one
 *    buffer (the line machinery keeps no state across chunk boundaries
 *    beyond the line being read);
 *  - an accepted input explains, every piece of the resulting MTRR map has
 *    a type the map can hold, and (when asked) the explanation draws.
 */
#ifndef MEMTYPE_FUZZ_CAPTURE_H
#define MEMTYPE_FUZZ_CAPTURE_H

#include "memtype.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *ud, const char *data, size_t len)
{
	(void)ud;
	(void)data;
	(void)len;
}

static int fuzz_capture(const uint8_t *data, size_t size, memtype_capture_format format, bool draw)
{
	memtype_ctx *ctx = memtype_ctx_new(NULL, NULL);
	memtype_capture *whole = NULL, *parts = NULL;
	memtype_explain *e = NULL;

	if (!ctx)
		return 0;
	int rc = memtype_capture_parse(ctx, "fuzz", data, size, format, &whole);
	if (rc != 0) {
		const memtype_error *err = memtype_ctx_error(ctx);
		if (!err->file || err->line == 0 || !err->code[0] || !err->message[0])
			abort();
	}
	/* The same bytes in pieces of 1..8 bytes. */
	parts = memtype_capture_new(ctx, "fuzz", format);
	if (!parts)
		goto out;
	size_t step = size ? (size_t)(data[0] % 8u) + 1 : 1, i = 0;
	int prc = 0;
	for (; i < size && prc == 0; i += step)
		prc = memtype_capture_feed(parts, data + i, size - i < step ? size - i : step);
	if (prc == 0)
		prc = memtype_capture_finish(parts);
	if ((prc == 0) != (rc == 0))
		abort();
	if (rc != 0)
		goto out;
	if (memtype_capture_used_count(whole) != memtype_capture_used_count(parts) ||
	    memtype_capture_line_count(whole) != memtype_capture_line_count(parts) ||
	    memtype_capture_formats(whole) != memtype_capture_formats(parts) ||
	    memtype_capture_diag_count(whole, NULL) != memtype_capture_diag_count(parts, NULL))
		abort();
	if (memtype_explain_run(ctx, (const memtype_capture *const *)&whole, 1, &e) != 0)
		goto out;
	const memtype_explain_info *info = memtype_explain_get(e);
	if (info->mtrr_map) {
		for (size_t k = 0; k < memtype_map_count(info->mtrr_map); k++) {
			memtype_range p;
			if (memtype_map_get(info->mtrr_map, k, &p) ||
			    !memtype_type_is_known((int)p.value))
				abort();
		}
	}
	for (size_t k = 0; k < info->nfindings; k++)
		if (!info->findings[k].code || !info->findings[k].message)
			abort();
	if (draw && memtype_explain_svg(e, sink, NULL) != 0)
		abort();
out:
	memtype_explain_free(e);
	memtype_capture_free(parts);
	memtype_capture_free(whole);
	memtype_ctx_free(ctx);
	return 0;
}

#endif /* MEMTYPE_FUZZ_CAPTURE_H */
