/*
 * bench_sim.c - how many scenarios per second does `memtype simulate` run,
 * and what does --all-orders cost on 6 mapping groups (720 orders)?
 *
 * Figures are ratios against baselines in the same process: one simulation
 * against one scenario load (YAML parse), and the 720-order sweep against
 * 720 independent simulations of the file order (the sweep's overhead).
 * Last, the built-in matrix (`memtype matrix`): cells per second and the
 * CPU time of the whole default matrix, every probe order included (target
 * under 0.1 s), against the same number of single simulations.
 */
#include "memtype.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char scenario[] =
	"name: bench-six-groups\n"
	"platform:\n"
	"  cpu: amd\n"
	"  phys_bits: 48\n"
	"  memory: q35\n"
	"  ram: 8G\n"
	"  devices:\n"
	"    - {name: hpet, start: 0xfed00000, size: 0x400, acpi_sysmem: true}\n"
	"    - {name: tpm, start: 0xfed40000, size: 0x5000, acpi_sysmem: true}\n"
	"    - {name: nvme, start: 0xfe000000, size: 0x4000, backing: host-mmio}\n"
	"    - {name: vram, start: 0xfd000000, size: 16M, backing: ram}\n"
	"hypervisor: {kind: kvm, version: \"6.16\", coco: snp}\n"
	"firmware: {kind: ovmf, version: edk2-stable202411}\n"
	"guest: {kernel: linux, version: \"6.12\"}\n"
	"mappings:\n"
	"  - {who: hpet, call: ioremap, start: 0xfed00000, size: 0x400}\n"
	"  - {who: acpi, call: acpi_map, start: 0xfed40000, size: 0x5000}\n"
	"  - {who: acpi, call: acpi_map, start: 0xfed00000, size: 0x400}\n"
	"  - {who: tpm_tis, call: devm_ioremap_resource, start: 0xfed40000, size: 0x5000}\n"
	"  - {who: nvme, call: ioremap, start: 0xfe000000, size: 0x4000}\n"
	"  - {who: bochs_drm, call: ioremap_wc, start: 0xfd000000, size: 16M}\n"
	"  - {who: fbcon, call: ioremap, start: 0xfd000000, size: 8M}\n";

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 2000;
	memtype_ctx *ctx = memtype_ctx_new(NULL, NULL);
	memtype_scenario *sc;
	double t0 = now();
	for (int i = 0; i < runs; i++) {
		if (memtype_scenario_load(ctx, "bench", scenario, strlen(scenario), &sc)) {
			fprintf(stderr, "load: %s\n", memtype_ctx_error(ctx)->message);
			return 1;
		}
		memtype_scenario_free(sc);
	}
	double t1 = now();
	memtype_scenario_load(ctx, "bench", scenario, strlen(scenario), &sc);
	double t2 = now();
	for (int i = 0; i < runs; i++) {
		memtype_sim *sim;
		if (memtype_simulate(sc, NULL, &sim)) {
			fprintf(stderr, "simulate: %s\n", memtype_ctx_error(ctx)->message);
			return 1;
		}
		memtype_sim_free(sim);
	}
	double t3 = now();
	memtype_orders *o;
	if (memtype_simulate_all_orders(sc, &o)) {
		fprintf(stderr, "all orders: %s\n", memtype_ctx_error(ctx)->message);
		return 1;
	}
	double t4 = now();
	size_t n = memtype_orders_count(o);
	double load_us = (t1 - t0) / runs * 1e6, sim_us = (t3 - t2) / runs * 1e6;
	double orders_ms = (t4 - t3) * 1e3;
	printf("scenario load (YAML parse):     %8.1f us\n", load_us);
	printf("simulate (all layers):          %8.1f us  = %.0f scenarios/s  (%.2fx a load)\n",
	       sim_us, 1e6 / sim_us, sim_us / load_us);
	printf("--all-orders, %zu groups, %zu orders (%zu failing): %.1f ms  (%.2fx %zu single runs)\n",
	       memtype_scenario_group_count(sc), n, memtype_orders_failing(o), orders_ms,
	       orders_ms / (sim_us * 1e-3 * (double)n), n);
	memtype_orders_free(o);

	clock_t c0 = clock();
	memtype_matrix *m;
	if (memtype_matrix_builtin(ctx, &m)) {
		fprintf(stderr, "matrix: %s\n", memtype_ctx_error(ctx)->message);
		return 1;
	}
	double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
	size_t cells = memtype_matrix_cell_count(m), runs_total = 0;
	for (size_t i = 0; i < cells; i++) {
		memtype_matrix_cell c;
		memtype_matrix_get_cell(m, i, &c);
		runs_total += c.orders;
	}
	printf("matrix: %zu cells, %zu simulations (every order): %.1f ms CPU = %.0f cells/s  "
	       "(%.2fx %zu single runs; target < 100 ms)\n",
	       cells, runs_total, cpu * 1e3, (double)cells / cpu,
	       cpu * 1e6 / (sim_us * (double)runs_total), runs_total);
	memtype_matrix_free(m);
	memtype_scenario_free(sc);
	memtype_ctx_free(ctx);
	return 0;
}
