/*
 * scenario_platform.c - the platform section: CPU vendor, phys_bits,
 * Page1GB, CPU count, the memory preset or e820 list, and the devices.
 * Separate because it is read first and alone decides what the other
 * sections' addresses are checked against.
 */
#include "scenario_yaml.h"

#include <stdio.h>

/* Default MAXPHYADDR. QEMU gives its CPU models 40 physical address bits
 * unless told otherwise (TCG_PHYS_ADDR_BITS, target/i386/cpu.h), so a
 * scenario on a QEMU machine preset gets 40; an explicit e820 list describes
 * some other machine, which gets the SDM's value for "CPUID does not say"
 * (36, Intel SDM Vol. 3A §11.11.2.3), as register files do. */
#define PHYS_BITS_PRESET 40u
#define PHYS_BITS_OTHER	 36u

/* ---------------------------------------------------------------- platform */

static const struct word cpu_words[] = {
	{"intel", MEMTYPE_CPU_INTEL},
	{"amd", MEMTYPE_CPU_AMD},
};

static const struct word machine_words[] = {
	{"q35", MT_MACHINE_Q35},
	{"i440fx", MT_MACHINE_I440FX},
};

static const struct word e820_words[] = {
	{"ram", MT_E820_RAM}, {"reserved", MT_E820_RESERVED}, {"acpi", MT_E820_ACPI},
	{"nvs", MT_E820_NVS}, {"unusable", MT_E820_UNUSABLE},
};

static const struct word backing_words[] = {
	{"emulated", MT_BACKING_EMULATED},
	{"host-mmio", MT_BACKING_HOST_MMIO},
	{"ram", MT_BACKING_RAM},
};

static int parse_e820(struct ps *p, const yaml_node_t *list)
{
	static const char *const keys[] = {"start", "end", "size", "type"};
	struct mt_platform *pl = &p->s->platform;
	size_t n = mt_yaml_seq_len(list);

	if (n == 0)
		return mt_yaml_err_at(p, list, "bad-value", "platform.memory is an empty list");
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *e = mt_yaml_seq_at(p, list, i), *t;
		char where[48];
		struct span sp;
		int type = 0, rc;

		snprintf(where, sizeof(where), "platform.memory[%zu]", i);
		if (i >= MT_MAX_E820)
			return mt_yaml_err_at(p, e, "bad-value", "more than %d e820 entries",
					      MT_MAX_E820);
		if (mt_yaml_is_null(e))
			return mt_yaml_err_at(p, e, "bad-type", "%s must be a mapping, not null",
					      where);
		if ((rc = mt_yaml_check_map(p, e, where, keys, MT_ARRAY_SIZE(keys))))
			return rc;
		if ((rc = mt_yaml_get_span(p, e, where, "e820 entry", &sp)))
			return rc;
		if (!(t = mt_yaml_get(p, e, "type")))
			return mt_yaml_err_at(p, e, "missing-key", "%s has no 'type'", where);
		if ((rc = mt_yaml_get_word(p, t, "e820 type", e820_words, MT_ARRAY_SIZE(e820_words),
					   &type)))
			return rc;
		if ((rc = mt_yaml_check_span_limit(p, &sp, "e820 entry")))
			return rc;
		for (unsigned j = 0; j < pl->ne820; j++) {
			const struct mt_e820_entry *o = &pl->e820[j];
			if (sp.start <= o->end && o->start <= sp.end)
				return mt_yaml_err_at(
				    p, e, "overlap",
				    "e820 entry [0x%llx-0x%llx] overlaps entry %u "
				    "[0x%llx-0x%llx]",
				    (unsigned long long)sp.start, (unsigned long long)sp.end, j,
				    (unsigned long long)o->start, (unsigned long long)o->end);
		}
		if (pl->ne820 && sp.start < pl->e820[pl->ne820 - 1].start)
			return mt_yaml_err_at(
			    p, e, "bad-value",
			    "e820 entry [0x%llx-0x%llx] is below the previous one: "
			    "list entries in address order",
			    (unsigned long long)sp.start, (unsigned long long)sp.end);
		pl->e820[pl->ne820].start = sp.start;
		pl->e820[pl->ne820].end = sp.end;
		pl->e820[pl->ne820].type = (mt_e820_type)type;
		pl->ne820++;
	}
	return 0;
}

static int parse_devices(struct ps *p, const yaml_node_t *list)
{
	static const char *const keys[] = {"name", "start",   "size",
					   "end",  "backing", "acpi_sysmem"};
	struct mt_platform *pl = &p->s->platform;
	int rc;

	if ((rc = mt_yaml_check_seq(p, list, "platform.devices")))
		return rc;
	for (size_t i = 0; i < mt_yaml_seq_len(list); i++) {
		const yaml_node_t *d = mt_yaml_seq_at(p, list, i), *v;
		struct mt_device *dev = &pl->dev[pl->ndev];
		char where[48], what[80];
		struct span sp;
		int backing;

		snprintf(where, sizeof(where), "platform.devices[%zu]", i);
		if (i >= MT_MAX_DEVICES)
			return mt_yaml_err_at(p, d, "bad-value", "more than %d devices",
					      MT_MAX_DEVICES);
		if (mt_yaml_is_null(d))
			return mt_yaml_err_at(p, d, "bad-type", "%s must be a mapping, not null",
					      where);
		if ((rc = mt_yaml_check_map(p, d, where, keys, MT_ARRAY_SIZE(keys))))
			return rc;
		if (!(v = mt_yaml_get(p, d, "name")))
			return mt_yaml_err_at(p, d, "missing-key", "%s has no 'name'", where);
		snprintf(what, sizeof(what), "%s.name", where);
		if ((rc = mt_yaml_get_str(p, v, what, dev->name, sizeof(dev->name))))
			return rc;
		if ((rc = mt_yaml_get_span(p, d, where, "device", &sp)) ||
		    (rc = mt_yaml_check_span_limit(p, &sp, "device")))
			return rc;
		dev->start = sp.start;
		dev->end = sp.end;
		dev->backing = MT_BACKING_EMULATED;
		if ((v = mt_yaml_get(p, d, "backing"))) {
			if ((rc = mt_yaml_get_word(p, v, "device backing", backing_words,
						   MT_ARRAY_SIZE(backing_words), &backing)))
				return rc;
			dev->backing = (mt_backing)backing;
		}
		dev->acpi_sysmem = false;
		snprintf(what, sizeof(what), "%s.acpi_sysmem", where);
		if ((v = mt_yaml_get(p, d, "acpi_sysmem")) &&
		    (rc = mt_yaml_get_bool(p, v, what, &dev->acpi_sysmem)))
			return rc;
		pl->ndev++;
	}
	return 0;
}

int mt_scenario_parse_platform(struct ps *p, const yaml_node_t *root)
{
	static const char *const keys[] = {"cpu", "phys_bits", "page1gb", "cpus", "memory",
					   "ram", "devices"};
	struct mt_platform *pl = &p->s->platform;
	const yaml_node_t *n = mt_yaml_get(p, root, "platform"), *v, *mem, *ram;
	uint64_t u;
	int rc, w;

	if (!n)
		return mt_yaml_err_at(p, root, "missing-key", "the scenario has no 'platform'");
	if ((rc = mt_yaml_check_map(p, n, "platform", keys, MT_ARRAY_SIZE(keys))))
		return rc;
	pl->cpu = MEMTYPE_CPU_INTEL;
	if ((v = mt_yaml_get(p, n, "cpu"))) {
		if ((rc = mt_yaml_get_word(p, v, "cpu", cpu_words, MT_ARRAY_SIZE(cpu_words), &w)))
			return rc;
		pl->cpu = (memtype_cpu)w;
	}
	if (!(mem = mt_yaml_get(p, n, "memory")))
		return mt_yaml_err_at(
		    p, n, "missing-key",
		    "platform has no 'memory' (q35, i440fx or a list of e820 entries)");
	if (mem->type == YAML_MAPPING_NODE || mt_yaml_is_null(mem))
		return mt_yaml_err_at(p, mem, "bad-type",
				      "platform.memory must be q35, i440fx or a list, not %s",
				      mt_yaml_kind_name(mem));
	pl->machine = MT_MACHINE_CUSTOM;
	if (mem->type == YAML_SCALAR_NODE) {
		if ((rc = mt_yaml_get_word(p, mem, "memory preset", machine_words,
					   MT_ARRAY_SIZE(machine_words), &w)))
			return rc;
		pl->machine = (mt_machine)w;
	}
	/* phys_bits before any address is read. */
	pl->phys_bits = pl->machine == MT_MACHINE_CUSTOM ? PHYS_BITS_OTHER : PHYS_BITS_PRESET;
	if ((v = mt_yaml_get(p, n, "phys_bits"))) {
		if ((rc = mt_yaml_get_u64(p, v, "platform.phys_bits", &u)))
			return rc;
		if (u < 32 || u > 52)
			return mt_yaml_err_at(
			    p, v, "bad-value",
			    "platform.phys_bits %llu is outside 32..52 (MAXPHYADDR)",
			    (unsigned long long)u);
		pl->phys_bits = (unsigned)u;
	}
	/* CPUID 0x80000001 EDX[26] (Page1GB); present unless said otherwise. */
	bool page1gb = true;
	if ((v = mt_yaml_get(p, n, "page1gb")) &&
	    (rc = mt_yaml_get_bool(p, v, "platform.page1gb", &page1gb)))
		return rc;
	pl->no_page1gb = !page1gb;
	pl->cpus = 1;
	if ((v = mt_yaml_get(p, n, "cpus"))) {
		if ((rc = mt_yaml_get_u64(p, v, "platform.cpus", &u)))
			return rc;
		if (u < 1 || u > 1024)
			return mt_yaml_err_at(p, v, "bad-value",
					      "platform.cpus %llu is outside 1..1024",
					      (unsigned long long)u);
		pl->cpus = (unsigned)u;
	}
	ram = mt_yaml_get(p, n, "ram");
	if (pl->machine == MT_MACHINE_CUSTOM) {
		if (ram)
			return mt_yaml_err_at(
			    p, ram, "bad-value",
			    "platform.ram is only for a preset: with an e820 list the "
			    "RAM is the list's ram entries");
		if ((rc = parse_e820(p, mem)))
			return rc;
	} else {
		if (!ram)
			return mt_yaml_err_at(
			    p, n, "missing-key",
			    "platform has no 'ram' (how much RAM the preset lays out)");
		if ((rc = mt_yaml_get_u64(p, ram, "platform.ram", &pl->ram)))
			return rc;
		if (pl->ram == 0)
			return mt_yaml_err_at(p, ram, "bad-value", "platform.ram is 0");
	}
	if ((v = mt_yaml_get(p, n, "devices")) && (rc = parse_devices(p, v)))
		return rc;
	return 0;
}
