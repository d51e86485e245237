/*
 * fuzz_regs.c - fuzz target for register files (src/lib/regs.c), the one
 * untrusted text input the foundation reads.
 *
 * Beyond "no crash, no hang, no leak", it checks a property: when a file
 * parses and replays without #GP, every piece of the whole-space MTRR map
 * agrees with the per-address lookup at the piece's first and last address.
 */
#include "memtype.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memtype_ctx *ctx = memtype_ctx_new(NULL, NULL);
	if (!ctx)
		return 0;
	memtype_regs *r = memtype_regs_new(ctx);
	memtype_mtrr *m = NULL;
	memtype_map *map = NULL;
	if (!r)
		goto out;
	if (memtype_regs_parse(r, "fuzz", (const char *)data, size) != 0) {
		const memtype_error *e = memtype_ctx_error(ctx);
		/* A parse error must say where and why. */
		if (!e->file || e->line == 0 || !e->code[0] || !e->message[0])
			abort();
		goto out;
	}
	if (memtype_regs_to_mtrr(r, &m) != 0)
		goto out;
	if (memtype_mtrr_build_map(m, 4096, &map) != 0)
		goto out;
	for (size_t i = 0; i < memtype_map_count(map); i++) {
		memtype_range p;
		memtype_mtrr_hit h;
		if (memtype_map_get(map, i, &p))
			abort();
		if (memtype_mtrr_lookup(m, p.start, &h) || (uint32_t)h.type != p.value)
			abort();
		if (memtype_mtrr_lookup(m, p.end, &h) || (uint32_t)h.type != p.value)
			abort();
		if (memtype_map_value_at(map, p.end) != p.value)
			abort();
	}
out:
	memtype_map_free(map);
	memtype_mtrr_free(m);
	memtype_regs_free(r);
	memtype_ctx_free(ctx);
	return 0;
}
