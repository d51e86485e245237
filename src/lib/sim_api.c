/*
 * sim_api.c - the public face of scenarios and simulation: loading, the
 * accessors over a finished run, the expect: checks, and the sweep over
 * every order of the mapping groups (which finds, for example, that the
 * TPM failure needs ACPI to map first).
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mt_scenario_load_into(memtype_scenario *sc, const char *file, const char *text, size_t len,
			  const size_t *choice)
{
	memtype_ctx *ctx = sc->ctx;
	sc->ngroups = 0;
	int rc = mt_scenario_parse_yaml_axes(ctx, file ? file : "<input>", text, len, choice,
					     &sc->axes, &sc->s);
	if (rc == 0 && sc->s.platform.machine != MT_MACHINE_CUSTOM)
		rc = mt_platform_apply_preset(ctx, &sc->s.platform, &sc->s.firmware);
	if (rc)
		return rc;
	for (unsigned i = 0; i < sc->s.nmap; i++) {
		size_t g = 0;
		while (g < sc->ngroups && strcmp(sc->group[g], sc->s.map[i].who) != 0)
			g++;
		if (g == sc->ngroups)
			memcpy(sc->group[sc->ngroups++], sc->s.map[i].who, MT_NAME_MAX);
	}
	return 0;
}

int memtype_scenario_load(memtype_ctx *ctx, const char *file, const char *text, size_t len,
			  memtype_scenario **out)
{
	*out = NULL;
	memtype_scenario *sc = mt_alloc(ctx, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	memset(sc, 0, sizeof(*sc));
	sc->ctx = ctx;
	int rc = mt_scenario_load_into(sc, file, text, len, NULL);
	if (rc == 0 && sc->axes.n) {
		/* Keep the text: a sweep re-parses it once per combination. */
		sc->text = mt_alloc(ctx, len + 1);
		if (!sc->text)
			rc = -ENOMEM;
		else {
			memcpy(sc->text, text, len);
			sc->text[len] = '\0';
			sc->len = len;
		}
	}
	if (rc) {
		mt_free(ctx, sc, sizeof(*sc));
		return rc;
	}
	*out = sc;
	return 0;
}

void memtype_scenario_free(memtype_scenario *sc)
{
	if (!sc)
		return;
	mt_free(sc->ctx, sc->text, sc->text ? sc->len + 1 : 0);
	mt_free(sc->ctx, sc, sizeof(*sc));
}

const char *memtype_scenario_name(const memtype_scenario *sc)
{
	return sc->s.name;
}

size_t memtype_scenario_group_count(const memtype_scenario *sc)
{
	return sc->ngroups;
}

const char *memtype_scenario_group(const memtype_scenario *sc, size_t i)
{
	return i < sc->ngroups ? sc->group[i] : NULL;
}

/* ------------------------------------------------------------ expect */

static bool log_has(const memtype_sim *sim, int mapping, const char *needle)
{
	for (unsigned i = 0; i < sim->log.n; i++)
		if ((mapping < 0 || sim->log.mapping[i] == mapping) && strstr(sim->log.line[i], needle))
			return true;
	return false;
}

static bool has_finding(const memtype_sim *sim, const char *code)
{
	for (size_t i = 0; i < sim->nf; i++)
		if (strcmp(sim->f[i].code, code) == 0)
			return true;
	return false;
}

static const char *tname(int t)
{
	const char *n = memtype_type_name((memtype_type)t, MEMTYPE_SPELL_SHORT);
	return n ? n : "?";
}

static void check(memtype_sim *sim, unsigned line, bool passed, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void check(memtype_sim *sim, unsigned line, bool passed, const char *fmt, ...)
{
	if (sim->nex >= MT_MAX_EXPECT)
		return;
	struct sim_expect *e = &sim->ex[sim->nex++];
	e->passed = passed;
	e->line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->what, sizeof(e->what), fmt, ap);
	va_end(ap);
}

static void evaluate_expect(memtype_sim *sim)
{
	const struct mt_scenario *s = &sim->sc->s;
	for (unsigned k = 0; k < s->nexpect; k++) {
		const struct mt_expect *x = &s->expect[k];
		if (x->mapping >= 0) {
			const struct sim_mapping *sm = NULL;
			for (size_t i = 0; i < sim->nmaps; i++)
				if ((int)sim->maps[i].index == x->mapping)
					sm = &sim->maps[i];
			const struct mt_mapping *m = &s->map[x->mapping];
			if (!sm) {
				check(sim, x->line, false, "mapping %d (%s %s) ran", x->mapping, m->who,
				      mt_call_name(m->call));
				continue;
			}
			if (x->ok >= 0)
				check(sim, x->line, sm->r.ok == (x->ok == 1), "mapping %d (%s %s): ok is %s",
				      x->mapping, m->who, mt_call_name(m->call), x->ok ? "true" : "false");
			if (x->granted == -2)
				check(sim, x->line, !sm->r.ok, "mapping %d (%s %s): granted is null",
				      x->mapping, m->who, mt_call_name(m->call));
			else if (x->granted >= 0) {
				memtype_type g = MEMTYPE_UNDEFINED;
				bool have = sm->r.ok &&
					    memtype_type_from_linux_pcm((unsigned)sm->r.granted, &g) == 0;
				check(sim, x->line, have && (int)g == x->granted,
				      "mapping %d (%s %s): granted is %s", x->mapping, m->who,
				      mt_call_name(m->call), tname(x->granted));
			}
			if (x->effective >= 0)
				check(sim, x->line,
				      sm->neff > 0 && (int)sim->eff[sm->eff_first].why.type == x->effective,
				      "mapping %d (%s %s): effective type is %s", x->mapping, m->who,
				      mt_call_name(m->call), tname(x->effective));
			if (x->message[0])
				check(sim, x->line, log_has(sim, x->mapping, x->message),
				      "mapping %d (%s %s): kernel says \"%s\"", x->mapping, m->who,
				      mt_call_name(m->call), x->message);
		} else if (x->message[0]) {
			check(sim, x->line, log_has(sim, -1, x->message), "kernel says \"%s\"",
			      x->message);
		}
		if (x->finding[0])
			check(sim, x->line, has_finding(sim, x->finding), "finding %s is reported",
			      x->finding);
		if (x->no_finding[0])
			check(sim, x->line, !has_finding(sim, x->no_finding), "finding %s is not reported",
			      x->no_finding);
		if (x->mtrr_source[0])
			check(sim, x->line, strcmp(x->mtrr_source, sim->mtrr_source) == 0,
			      "guest MTRR source is %s", x->mtrr_source);
	}
}

/* ------------------------------------------------------------ simulate */

int memtype_simulate(const memtype_scenario *sc, const size_t *group_order, memtype_sim **out)
{
	*out = NULL;
	memtype_sim *sim = mt_alloc(sc->ctx, sizeof(*sim));
	if (!sim)
		return -ENOMEM;
	memset(sim, 0, sizeof(*sim));
	sim->ctx = sc->ctx;
	int rc = mt_sim_run(sim, sc, group_order);
	if (rc) {
		memtype_sim_free(sim);
		return rc;
	}
	evaluate_expect(sim);
	*out = sim;
	return 0;
}

void memtype_sim_free(memtype_sim *sim)
{
	if (!sim)
		return;
	mt_sim_release(sim);
	if (sim->owned_scenario)
		memtype_scenario_free(sim->owned_scenario);
	mt_free(sim->ctx, sim, sizeof(*sim));
}

const char *memtype_sim_mtrr_source(const memtype_sim *sim)
{
	return sim->mtrr_source ? sim->mtrr_source : "none";
}

const memtype_map *memtype_sim_guest_mtrr_map(const memtype_sim *sim)
{
	return sim->guest_map;
}

uint64_t memtype_sim_guest_pat(const memtype_sim *sim, bool *enabled)
{
	if (enabled)
		*enabled = sim->lx.pat.enabled;
	return sim->lx.pat.pat_msr;
}

void memtype_sim_guest_sees(const memtype_sim *sim, bool *cpuid_mtrr, bool *msrs_via_host)
{
	*cpuid_mtrr = sim->cpuid_mtrr;
	*msrs_via_host = sim->msrs_via_host;
}

const memtype_mtrr *memtype_sim_firmware_mtrr(const memtype_sim *sim)
{
	return sim->fw_mtrr;
}

size_t memtype_sim_e820_count(const memtype_sim *sim)
{
	return sim->sc->s.platform.ne820;
}

int memtype_sim_e820(const memtype_sim *sim, size_t i, uint64_t *start, uint64_t *end,
		     const char **type)
{
	const struct mt_platform *p = &sim->sc->s.platform;

	if (i >= p->ne820)
		return -ERANGE;
	*start = p->e820[i].start;
	*end = p->e820[i].end;
	*type = mt_e820_type_word(p->e820[i].type);
	return 0;
}

size_t memtype_sim_log_count(const memtype_sim *sim)
{
	return sim->log.n;
}

const char *memtype_sim_log_line(const memtype_sim *sim, size_t i, int *mapping)
{
	if (i >= sim->log.n)
		return NULL;
	if (mapping)
		*mapping = sim->log.mapping[i];
	return sim->log.line[i];
}

size_t memtype_sim_mapping_count(const memtype_sim *sim)
{
	return sim->nmaps;
}

int memtype_sim_mapping(const memtype_sim *sim, size_t i, memtype_mapping_result *out)
{
	if (i >= sim->nmaps)
		return -ERANGE;
	const struct sim_mapping *sm = &sim->maps[i];
	const struct mt_mapping *m = &sim->sc->s.map[sm->index];
	memset(out, 0, sizeof(*out));
	out->index = sm->index;
	out->who = m->who;
	out->call = mt_call_name(m->call);
	out->device = m->device;
	out->start = m->start;
	out->end = m->end;
	memtype_type t = MEMTYPE_UC_MINUS;
	memtype_type_from_linux_pcm((unsigned)sm->r.requested, &t);
	out->requested = t;
	out->refused = !sm->r.ok;
	out->granted = MEMTYPE_UNDEFINED;
	if (sm->r.ok && memtype_type_from_linux_pcm((unsigned)sm->r.granted, &t) == 0)
		out->granted = t;
	out->ok = sm->r.ok;
	out->message = sm->first_msg >= 0 ? sim->log.line[sm->first_msg] : NULL;
	out->neffective = sm->neff;
	return 0;
}

int memtype_sim_effective(const memtype_sim *sim, size_t i, size_t k, memtype_effective *out)
{
	if (i >= sim->nmaps || k >= sim->maps[i].neff)
		return -ERANGE;
	const struct sim_effective *e = &sim->eff[sim->maps[i].eff_first + k];
	out->start = e->start;
	out->end = e->end;
	out->type = e->why.type;
	out->stage2 = e->stage2;
	out->why = e->why;
	return 0;
}

const char *memtype_severity_name(memtype_severity s)
{
	switch (s) {
	case MEMTYPE_SEV_INFO:
		return "info";
	case MEMTYPE_SEV_WARNING:
		return "warning";
	case MEMTYPE_SEV_ERROR:
		return "error";
	}
	return "?";
}

size_t memtype_sim_finding_count(const memtype_sim *sim)
{
	return sim->nf;
}

int memtype_sim_finding(const memtype_sim *sim, size_t i, memtype_finding *out)
{
	if (i >= sim->nf)
		return -ERANGE;
	const struct sim_finding *f = &sim->f[i];
	out->severity = f->sev;
	out->code = f->code;
	out->message = f->message;
	out->has_range = f->has_range;
	out->start = f->start;
	out->end = f->end;
	out->mapping = f->mapping;
	return 0;
}

size_t memtype_sim_expect_count(const memtype_sim *sim)
{
	return sim->nex;
}

int memtype_sim_expect(const memtype_sim *sim, size_t i, bool *passed, const char **what,
		       unsigned *line)
{
	if (i >= sim->nex)
		return -ERANGE;
	*passed = sim->ex[i].passed;
	*what = sim->ex[i].what;
	*line = sim->ex[i].line;
	return 0;
}

/* ------------------------------------------------------------ all orders */

#define MT_MAX_ORDER_GROUPS 8u

struct memtype_orders {
	memtype_ctx *ctx;
	size_t ngroups, n, failing, cap;
	uint8_t *perm;	/* n x ngroups */
	uint16_t *bad;	/* per order: bit g = some mapping of group g was refused */
	size_t nrules;
	uint8_t rule[MT_MAX_ORDER_GROUPS * MT_MAX_ORDER_GROUPS * MT_MAX_ORDER_GROUPS][3];
};

bool mt_next_permutation(size_t *a, size_t n)
{
	if (n < 2)
		return false;
	size_t i = n - 1;
	while (i > 0 && a[i - 1] >= a[i])
		i--;
	if (i == 0)
		return false;
	size_t j = n - 1;
	while (a[j] <= a[i - 1])
		j--;
	size_t t = a[i - 1];
	a[i - 1] = a[j];
	a[j] = t;
	for (size_t l = i, r = n - 1; l < r; l++, r--) {
		t = a[l];
		a[l] = a[r];
		a[r] = t;
	}
	return true;
}

void memtype_orders_free(memtype_orders *o)
{
	if (!o)
		return;
	mt_free(o->ctx, o->perm, o->cap * o->ngroups);
	mt_free(o->ctx, o->bad, o->cap * sizeof(*o->bad));
	mt_free(o->ctx, o, sizeof(*o));
}

int memtype_simulate_all_orders(const memtype_scenario *sc, memtype_orders **out)
{
	memtype_ctx *ctx = sc->ctx;
	size_t g = sc->ngroups;
	*out = NULL;
	if (g > MT_MAX_ORDER_GROUPS)
		return mt_error(ctx, -E2BIG, "too-many-groups",
				"%zu mapping groups: at most %u (%u orders) are swept", g,
				MT_MAX_ORDER_GROUPS, 40320u);
	size_t total = 1;
	for (size_t i = 2; i <= g; i++)
		total *= i;
	memtype_orders *o = mt_alloc(ctx, sizeof(*o));
	memtype_sim *sim = mt_alloc(ctx, sizeof(*sim));
	if (!o || !sim) {
		mt_free(ctx, o, sizeof(*o));
		mt_free(ctx, sim, sizeof(*sim));
		return -ENOMEM;
	}
	memset(o, 0, sizeof(*o));
	o->ctx = ctx;
	o->ngroups = g;
	o->cap = total;
	o->perm = mt_alloc(ctx, total * (g ? g : 1));
	o->bad = mt_alloc(ctx, total * sizeof(*o->bad));
	int rc = (!o->perm || !o->bad) ? -ENOMEM : 0;
	size_t order[MT_MAX_ORDER_GROUPS];
	for (size_t i = 0; i < g; i++)
		order[i] = i;
	while (rc == 0) {
		memset(sim, 0, sizeof(*sim));
		sim->ctx = ctx;
		rc = mt_sim_run(sim, sc, order);
		uint16_t bad = 0;
		for (size_t i = 0; rc == 0 && i < sim->nmaps; i++) {
			if (sim->maps[i].r.ok)
				continue;
			const char *who = sc->s.map[sim->maps[i].index].who;
			for (size_t k = 0; k < g; k++)
				if (strcmp(sc->group[k], who) == 0)
					bad |= (uint16_t)(1u << k);
		}
		if (rc == 0 && !sim->booted)
			bad = (uint16_t)((1u << g) - 1);
		mt_sim_release(sim);
		if (rc)
			break;
		for (size_t i = 0; i < g; i++)
			o->perm[o->n * g + i] = (uint8_t)order[i];
		o->bad[o->n] = bad;
		o->failing += bad != 0;
		o->n++;
		if (!mt_next_permutation(order, g))
			break;
	}
	mt_free(ctx, sim, sizeof(*sim));
	if (rc) {
		memtype_orders_free(o);
		return rc;
	}
	/* Rules: group x fails exactly when group a runs before group b. */
	for (size_t x = 0; x < g; x++) {
		size_t fails = 0;
		for (size_t k = 0; k < o->n; k++)
			fails += ((unsigned)o->bad[k] >> x) & 1u;
		if (fails == 0 || fails == o->n)
			continue;
		for (size_t a = 0; a < g; a++) {
			for (size_t b = 0; b < g; b++) {
				if (a == b)
					continue;
				bool exact = true;
				for (size_t k = 0; k < o->n && exact; k++) {
					const uint8_t *p = &o->perm[k * g];
					size_t pa = 0, pb = 0;
					for (size_t i = 0; i < g; i++) {
						if (p[i] == a)
							pa = i;
						if (p[i] == b)
							pb = i;
					}
					exact = (pa < pb) == ((((unsigned)o->bad[k] >> x) & 1u) != 0);
				}
				if (exact) {
					o->rule[o->nrules][0] = (uint8_t)x;
					o->rule[o->nrules][1] = (uint8_t)a;
					o->rule[o->nrules][2] = (uint8_t)b;
					o->nrules++;
				}
			}
		}
	}
	*out = o;
	return 0;
}

size_t memtype_orders_count(const memtype_orders *o)
{
	return o->n;
}

size_t memtype_orders_failing(const memtype_orders *o)
{
	return o->failing;
}

int memtype_orders_get(const memtype_orders *o, size_t i, size_t *groups, bool *ok)
{
	if (i >= o->n)
		return -ERANGE;
	for (size_t k = 0; k < o->ngroups; k++)
		groups[k] = o->perm[i * o->ngroups + k];
	*ok = o->bad[i] == 0;
	return 0;
}

size_t memtype_orders_rule_count(const memtype_orders *o)
{
	return o->nrules;
}

int memtype_orders_rule(const memtype_orders *o, size_t i, size_t *victim, size_t *a, size_t *b)
{
	if (i >= o->nrules)
		return -ERANGE;
	*victim = o->rule[i][0];
	*a = o->rule[i][1];
	*b = o->rule[i][2];
	return 0;
}
