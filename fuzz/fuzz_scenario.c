/*
 * fuzz_scenario.c - fuzz target for scenario files (src/lib/scenario_yaml.c),
 * the YAML text users hand to `memtype simulate`.
 *
 * Beyond "no crash, no hang, no leak" (libyaml's parser and documents are
 * freed on every path), it checks two properties. A failure says where and
 * why: file, line and column >= 1, a code and a message. A success obeys the
 * loader's contract (model.h): counts within their arrays, strings
 * terminated, every span ordered and below 2^phys_bits, e820 sorted and
 * disjoint, expectations pointing at existing mappings, CoCo only under KVM,
 * a known Linux version and only known patch bits.
 */
#include "model.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

#define TERMINATED(buf) CHECK(memchr((buf), 0, sizeof(buf)) != NULL)

static void check_span(const struct mt_scenario *s, uint64_t start, uint64_t end)
{
	CHECK(start <= end);
	CHECK(end >> s->platform.phys_bits == 0);
}

static void check_scenario(const struct mt_scenario *s)
{
	const struct mt_platform *pl = &s->platform;

	TERMINATED(s->name);
	CHECK(s->name[0]);
	TERMINATED(s->file);
	CHECK(pl->phys_bits >= 32 && pl->phys_bits <= 52);
	CHECK(pl->ne820 <= MT_MAX_E820 && pl->ndev <= MT_MAX_DEVICES);
	if (pl->machine == MT_MACHINE_CUSTOM) {
		CHECK(pl->ne820 >= 1 && pl->ram == 0);
	} else {
		CHECK(pl->machine == MT_MACHINE_Q35 || pl->machine == MT_MACHINE_I440FX);
		CHECK(pl->ne820 == 0 && pl->ram > 0);
	}
	for (unsigned i = 0; i < pl->ne820; i++) {
		check_span(s, pl->e820[i].start, pl->e820[i].end);
		CHECK(pl->e820[i].type >= MT_E820_RAM && pl->e820[i].type <= MT_E820_UNUSABLE);
		if (i)
			CHECK(pl->e820[i].start > pl->e820[i - 1].end);
	}
	for (unsigned i = 0; i < pl->ndev; i++) {
		TERMINATED(pl->dev[i].name);
		check_span(s, pl->dev[i].start, pl->dev[i].end);
	}
	CHECK(s->hv.kind == MT_HV_NONE || s->hv.kind == MT_HV_KVM);
	CHECK(s->hv.coco == MT_COCO_NONE || s->hv.kind == MT_HV_KVM);
	TERMINATED(s->hv.version_text);
	CHECK(s->firmware.nregs <= MT_MAX_MSR_WRITES);
	CHECK(s->firmware.nregs == 0 || s->firmware.kind == MT_FW_REGISTERS);
	TERMINATED(s->firmware.version_text);
	CHECK(s->guest.version >= 402 && s->guest.version <= 699);
	CHECK((s->guest.patches & ~7u) == 0);
	TERMINATED(s->guest.version_text);
	CHECK(s->nmap <= MT_MAX_MAPPINGS && s->nexpect <= MT_MAX_EXPECT);
	for (unsigned i = 0; i < s->nmap; i++) {
		TERMINATED(s->map[i].who);
		TERMINATED(s->map[i].device);
		CHECK(s->map[i].call <= MT_CALL_FIXMAP_NOCACHE);
		CHECK(s->map[i].line >= 1);
		check_span(s, s->map[i].start, s->map[i].end);
	}
	for (unsigned i = 0; i < s->nexpect; i++) {
		const struct mt_expect *x = &s->expect[i];
		CHECK(x->mapping >= -1 && x->mapping < (int)s->nmap);
		CHECK(x->ok >= -1 && x->ok <= 1);
		CHECK(x->granted == -1 || x->granted == -2 || memtype_type_is_known(x->granted));
		CHECK(x->effective == -1 || memtype_type_is_known(x->effective));
		TERMINATED(x->message);
		TERMINATED(x->finding);
		TERMINATED(x->no_finding);
		TERMINATED(x->mtrr_source);
		CHECK(x->line >= 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memtype_ctx *ctx = memtype_ctx_new(NULL, NULL);
	struct mt_scenario *s = malloc(sizeof(*s));

	if (!ctx || !s)
		goto out;
	int rc = mt_scenario_parse_yaml(ctx, "fuzz", (const char *)data, size, s);
	if (rc) {
		const memtype_error *e = memtype_ctx_error(ctx);
		/* A parse error must say where and why. */
		CHECK(rc == -EINVAL || rc == -ENOMEM);
		CHECK(e->status == rc);
		CHECK(e->file && strcmp(e->file, "fuzz") == 0);
		CHECK(e->line >= 1 && e->col >= 1);
		CHECK(e->code[0] && e->message[0]);
	} else {
		check_scenario(s);
	}
out:
	free(s);
	memtype_ctx_free(ctx);
	return 0;
}
