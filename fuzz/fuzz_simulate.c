/*
 * fuzz_simulate.c - fuzz target for the whole pipeline behind `memtype
 * simulate`: any text that loads as a scenario must simulate without a
 * crash, a hang or a leak, in file order and (for up to 4 mapping groups)
 * in every order, and every mapping result must be self-consistent.
 */
#include "memtype.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memtype_ctx *ctx = memtype_ctx_new(NULL, NULL);
	memtype_scenario *sc = NULL;
	memtype_sim *sim = NULL;
	if (!ctx)
		return 0;
	if (memtype_scenario_load(ctx, "fuzz", (const char *)data, size, &sc) != 0)
		goto out;
	if (memtype_simulate(sc, NULL, &sim) != 0)
		goto out;
	for (size_t i = 0; i < memtype_sim_mapping_count(sim); i++) {
		memtype_mapping_result m;
		if (memtype_sim_mapping(sim, i, &m) != 0 || m.start > m.end)
			abort();
		/* A refused mapping has no effective pieces; a granted one covers
		 * exactly its range, in order. */
		if (m.ok != !m.refused || (m.refused && m.neffective))
			abort();
		uint64_t next = m.start;
		for (size_t k = 0; k < m.neffective; k++) {
			memtype_effective e;
			if (memtype_sim_effective(sim, i, k, &e) != 0 || e.start != next || e.end < e.start)
				abort();
			next = e.end + 1;
			if (e.end == m.end && k + 1 != m.neffective)
				abort();
		}
		if (m.neffective && next - 1 != m.end)
			abort();
	}
	if (memtype_scenario_group_count(sc) <= 4) {
		memtype_orders *o;
		if (memtype_simulate_all_orders(sc, &o) == 0) {
			if (memtype_orders_failing(o) > memtype_orders_count(o))
				abort();
			memtype_orders_free(o);
		}
	}
out:
	memtype_sim_free(sim);
	memtype_scenario_free(sc);
	memtype_ctx_free(ctx);
	return 0;
}
