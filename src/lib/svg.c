/*
 * svg.c - a simulation drawn as one self-contained SVG: the guest-physical
 * address space left to right, one horizontal layer per step of the story
 * (DESIGN.md §1), top to bottom in the order data flows:
 *
 *   e820 and devices      what the platform says is RAM, reserved or a hole
 *   guest MTRRs           the type the guest kernel's MTRR lookup returns
 *   page tables           per mapping: the type the kernel granted, or refused
 *   stage 2               per effective piece: who decided (IPAT WB, EPT UC...)
 *   effective             per effective piece: what the hardware does
 *
 * A linear axis is useless here: a 4 KiB TPM sits in a 2^48-byte space. The
 * axis is ordinal instead. Every boundary of every layer is collected and
 * sorted; each segment between two boundaries gets a minimum width plus a
 * share of the rest that grows with log2 of its size, and segments are
 * widened further until every label drawn in a mapping row fits. Boundaries
 * are printed in hex, rotated so that neighbours never overlap.
 *
 * The output is deterministic (integer pixels, no clock, no ids), uses only
 * presentation attributes (no <style>, no fonts, no references), and every
 * rectangle carries a <title> with its range and meaning for screen readers
 * and tooltips. Refused mappings are drawn hatched with explicit lines, not a
 * <pattern>, so that many drawings can share one HTML page without ids.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLOT_W	  1000 /* target width of the address area */
#define MIN_W	  16   /* smallest segment: keeps rotated boundary labels apart */
#define ROW_H	  22
#define ROW_GAP	  4
#define HEAD_H	  18
#define CHAR_W	  6 /* advance of a 10px monospace character, rounded up */
#define LABEL_MAX 34

struct svg {
	memtype_write_fn write;
	void *ud;
	const memtype_sim *sim;
	uint64_t *edge; /* sorted distinct boundaries, exclusive ends; edge[0] = 0 */
	int *x;		/* x of each boundary */
	size_t nedge, cap;
	int left; /* x of address 0 */
	int y;	  /* top of the next row */
};

static void out(struct svg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(struct svg *g, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		g->write(g->ud, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* s with &, <, >, " escaped (text and attribute safe). */
static void esc(struct svg *g, const char *s)
{
	const char *run = s;
	for (; *s; s++) {
		const char *rep = *s == '&'   ? "&amp;"
				  : *s == '<' ? "&lt;"
				  : *s == '>' ? "&gt;"
				  : *s == '"' ? "&quot;"
					      : NULL;
		if (!rep)
			continue;
		if (s > run)
			g->write(g->ud, run, (size_t)(s - run));
		g->write(g->ud, rep, strlen(rep));
		run = s + 1;
	}
	if (s > run)
		g->write(g->ud, run, (size_t)(s - run));
}

/* ------------------------------------------------------------ colours */

struct paint {
	const char *fill, *ink;
};

/* One fixed colour per memory type, the legend's order. */
static const struct {
	memtype_type t;
	struct paint p;
} type_paint[] = {
    {MEMTYPE_UC, {"#3465a4", "#ffffff"}},      {MEMTYPE_UC_MINUS, {"#9cc3e6", "#000000"}},
    {MEMTYPE_WC, {"#f28e2b", "#000000"}},      {MEMTYPE_WT, {"#76b7b2", "#000000"}},
    {MEMTYPE_WP, {"#b07aa1", "#ffffff"}},      {MEMTYPE_WB, {"#4e9a06", "#ffffff"}},
    {MEMTYPE_WC_PLUS, {"#ffd08a", "#000000"}}, {MEMTYPE_UNDEFINED, {"#111111", "#ffd400"}},
};

static struct paint tpaint(memtype_type t)
{
	for (size_t i = 0; i < MT_ARRAY_SIZE(type_paint); i++)
		if (type_paint[i].t == t)
			return type_paint[i].p;
	return (struct paint){"#ffffff", "#000000"};
}

static const char *tname(memtype_type t)
{
	const char *n = memtype_type_name(t, MEMTYPE_SPELL_SHORT);
	return n ? n : "?";
}

/* e820 kinds, by enum e820_type; index 0 is a hole (no entry). */
static const struct {
	const char *name;
	struct paint p;
} e820_paint[] = {
    {"hole", {"#ffffff", "#777777"}},	  {"usable", {"#d9ead3", "#000000"}},
    {"reserved", {"#cccccc", "#000000"}}, {"ACPI data", {"#fce5cd", "#000000"}},
    {"ACPI NVS", {"#f9cb9c", "#000000"}}, {"unusable", {"#999999", "#000000"}},
};

#define REFUSED_FILL "#fde2e2"
#define REFUSED_INK  "#b00000"
#define DEVICE_FILL  "#cfe2f3"

/* ------------------------------------------------------------ the axis */

static void add_edge(struct svg *g, uint64_t a)
{
	uint64_t top = g->edge[0];
	if (a <= top && g->nedge < g->cap)
		g->edge[g->nedge++] = a;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static size_t edge_index(const struct svg *g, uint64_t a)
{
	size_t lo = 0, hi = g->nedge - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->edge[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The end (exclusive) of an inclusive range, clamped to the top boundary. */
static uint64_t excl(const struct svg *g, uint64_t end)
{
	uint64_t top = g->edge[g->nedge - 1];
	return end >= top ? top : end + 1;
}

static unsigned bit_length(uint64_t v)
{
	unsigned n = 0;
	while (v) {
		n++;
		v >>= 1;
	}
	return n;
}

static int text_w(const char *s)
{
	return (int)strlen(s) * CHAR_W + 8;
}

/* Make [start, end_excl) at least need pixels wide by widening its segments. */
static void need(struct svg *g, int *w, uint64_t start, uint64_t end_excl, int px)
{
	size_t a = edge_index(g, start), b = edge_index(g, end_excl);
	int have = 0;
	for (size_t i = a; i < b; i++)
		have += w[i];
	if (b <= a || have >= px)
		return;
	int add = (px - have + (int)(b - a) - 1) / (int)(b - a);
	for (size_t i = a; i < b; i++)
		w[i] += add;
}

/* The short name of a stage-2 decision, from its first combining step. */
static void stage2_label(const memtype_effective *e, char *buf, size_t n)
{
	const char *rule = e->why.nsteps ? e->why.steps[0].rule : "";
	memtype_type mt = e->why.steps[0].a;
	if (!strcmp(rule, "emulated-mmio"))
		snprintf(buf, n, "emulated");
	else if (!strncmp(rule, "mtrr-", 5))
		snprintf(buf, n, "bare");
	else if (!strncmp(rule, "npt-", 4))
		snprintf(buf, n, "NPT");
	else if (!strcmp(rule, "ept-ipat"))
		snprintf(buf, n, "%s %s", strstr(e->stage2, "Secure EPT") ? "SEPT" : "IPAT",
			 tname(mt));
	else if (!strncmp(rule, "ept-", 4))
		snprintf(buf, n, "EPT %s", tname(mt));
	else
		snprintf(buf, n, "?");
}

/* Stage-2 decisions are not types: neutral tints by kind. */
static struct paint stage2_paint(const char *label)
{
	if (!strcmp(label, "emulated"))
		return (struct paint){"#fff2cc", "#000000"};
	if (!strcmp(label, "bare"))
		return (struct paint){"#e8e8e8", "#000000"};
	return (struct paint){"#e4dcf0", "#000000"};
}

/* ------------------------------------------------------------ drawing */

/* Diagonal hatching inside a rectangle, clipped by hand. */
static void hatch(struct svg *g, int x, int y, int w, int h)
{
	for (int x0 = x - h + 3; x0 < x + w; x0 += 6) {
		int xa = x0, ya = y + h, xb = x0 + h, yb = y;
		if (xa < x) {
			ya -= x - xa;
			xa = x;
		}
		if (xb > x + w) {
			yb += xb - (x + w);
			xb = x + w;
		}
		out(g,
		    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
		    "stroke-width=\"1\" opacity=\"0.6\"/>",
		    xa, ya, xb, yb, REFUSED_INK);
	}
}

/* One rectangle over [start, end_excl) in the current row, with a tooltip
 * and, when it fits, a centred label. */
static void rect(struct svg *g, uint64_t start, uint64_t end_excl, struct paint p,
		 const char *label, const char *title, bool refused, bool dashed)
{
	int x0 = g->x[edge_index(g, start)], x1 = g->x[edge_index(g, end_excl)];
	if (x1 <= x0)
		return;
	out(g, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"%s\"%s>",
	    x0, g->y, x1 - x0, ROW_H, refused ? REFUSED_FILL : p.fill,
	    refused  ? REFUSED_INK
	    : dashed ? "#999999"
		     : "#ffffff",
	    dashed ? " stroke-dasharray=\"3 2\"" : "");
	out(g, "<title>");
	esc(g, title);
	out(g, "</title></rect>\n");
	if (refused)
		hatch(g, x0, g->y, x1 - x0, ROW_H);
	if (label && text_w(label) <= x1 - x0) {
		out(g,
		    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\" "
		    "pointer-events=\"none\"%s>",
		    (x0 + x1) / 2, g->y + 15, refused ? REFUSED_INK : p.ink,
		    refused ? " font-weight=\"bold\"" : "");
		esc(g, label);
		out(g, "</text>\n");
	}
}

/* Start a row: its lane and its label on the left. */
static void row(struct svg *g, const char *label, const char *title)
{
	char buf[LABEL_MAX + 4];
	size_t n = strlen(label);
	if (n > LABEL_MAX)
		snprintf(buf, sizeof(buf), "%.*s...", LABEL_MAX - 3, label);
	else
		snprintf(buf, sizeof(buf), "%s", label);
	out(g,
	    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#000000\" "
	    "fill-opacity=\"0.04\"/>\n",
	    g->left, g->y, g->x[g->nedge - 1] - g->left, ROW_H);
	out(g, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\" fill=\"#222222\">",
	    g->left - 8, g->y + 15);
	if (title) {
		out(g, "<title>");
		esc(g, title);
		out(g, "</title>");
	}
	esc(g, buf);
	out(g, "</text>\n");
}

static void heading(struct svg *g, const char *text)
{
	out(g, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>", g->y,
	    g->x[g->nedge - 1] + 1, HEAD_H + 6 - ROW_GAP);
	g->y += 6;
	out(g, "<text x=\"8\" y=\"%d\" font-size=\"11\" font-weight=\"bold\" fill=\"#444444\">",
	    g->y + 12);
	esc(g, text);
	out(g, "</text>\n");
	g->y += HEAD_H;
}

static void mapping_label(const memtype_mapping_result *m, char *buf, size_t n)
{
	snprintf(buf, n, "[%zu] %s %s", m->index, m->who, m->call);
}

/* The text in a mapping's page-table rectangle; short = without the request. */
static void mapping_text(const memtype_mapping_result *m, bool shrt, char *buf, size_t n)
{
	if (m->refused)
		snprintf(buf, n, "refused");
	else if (!shrt && m->granted != m->requested)
		snprintf(buf, n, "%s (asked %s)", tname(m->granted), tname(m->requested));
	else
		snprintf(buf, n, "%s", tname(m->granted));
}

static void draw_platform(struct svg *g, const struct mt_platform *p)
{
	char title[256];
	uint64_t at = 0, top = g->edge[g->nedge - 1];
	row(g, "e820", "the platform's memory map (e820) as the firmware reports it");
	for (unsigned i = 0; i <= p->ne820; i++) {
		uint64_t s = i < p->ne820 ? p->e820[i].start : top;
		if (s > at) {
			snprintf(title, sizeof(title), "0x%llx-0x%llx: hole (no e820 entry)",
				 (unsigned long long)at, (unsigned long long)(s - 1));
			rect(g, at, s, e820_paint[0].p, "hole", title, false, true);
		}
		if (i == p->ne820)
			break;
		unsigned t = p->e820[i].type < MT_ARRAY_SIZE(e820_paint) ? p->e820[i].type : 0;
		snprintf(title, sizeof(title), "0x%llx-0x%llx: e820 %s",
			 (unsigned long long)p->e820[i].start, (unsigned long long)p->e820[i].end,
			 e820_paint[t].name);
		rect(g, s, excl(g, p->e820[i].end), e820_paint[t].p, e820_paint[t].name, title,
		     false, false);
		at = excl(g, p->e820[i].end);
	}
	g->y += ROW_H + ROW_GAP;
	row(g, "devices", "device regions and how the VMM backs them");
	static const char *const backing[] = {"emulated by the VMM", "host MMIO", "RAM-backed"};
	for (unsigned i = 0; i < p->ndev; i++) {
		const struct mt_device *d = &p->dev[i];
		snprintf(title, sizeof(title), "0x%llx-0x%llx: device %s, %s%s",
			 (unsigned long long)d->start, (unsigned long long)d->end, d->name,
			 (unsigned)d->backing < 3 ? backing[d->backing] : "?",
			 d->acpi_sysmem ? ", ACPI SystemMemory OperationRegion" : "");
		rect(g, d->start, excl(g, d->end), (struct paint){DEVICE_FILL, "#000000"}, d->name,
		     title, false, false);
	}
	g->y += ROW_H + ROW_GAP;
}

static void draw_guest_mtrr(struct svg *g, const memtype_map *map)
{
	char label[64], title[256];
	snprintf(label, sizeof(label), "guest MTRRs (%s)", memtype_sim_mtrr_source(g->sim));
	row(g, label, "the type the guest kernel's MTRR lookup returns (what it believes)");
	size_t n = map ? memtype_map_count(map) : 0;
	for (size_t i = 0; i < n; i++) {
		memtype_range r, q;
		memtype_map_get(map, i, &r);
		while (i + 1 < n && memtype_map_get(map, i + 1, &q) == 0 && q.value == r.value) {
			r.end = q.end;
			i++;
		}
		memtype_type t = (memtype_type)r.value;
		snprintf(title, sizeof(title), "0x%llx-0x%llx: guest MTRR type %s",
			 (unsigned long long)r.start, (unsigned long long)r.end, tname(t));
		rect(g, r.start, excl(g, r.end), tpaint(t), tname(t), title, false, false);
	}
	g->y += ROW_H + ROW_GAP;
}

/* Layer 3, 4 or 5 for every mapping. */
static void draw_mappings(struct svg *g, int layer)
{
	const memtype_sim *sim = g->sim;
	char label[160], title[768], text[64];
	for (size_t i = 0; i < memtype_sim_mapping_count(sim); i++) {
		memtype_mapping_result m;
		memtype_sim_mapping(sim, i, &m);
		mapping_label(&m, label, sizeof(label));
		row(g, label, m.device && m.device[0] ? m.device : NULL);
		if (layer == 3) {
			int k =
			    snprintf(title, sizeof(title), "0x%llx-0x%llx: %s %s requested %s, ",
				     (unsigned long long)m.start, (unsigned long long)m.end, m.who,
				     m.call, tname(m.requested));
			snprintf(title + k, sizeof(title) - (size_t)k,
				 m.refused ? "REFUSED%s%s" : "granted %s%s",
				 m.refused ? (m.message ? ": " : "") : tname(m.granted),
				 m.refused ? (m.message ? m.message : "") : "");
			mapping_text(&m, false, text, sizeof(text));
			if (text_w(text) >
			    g->x[edge_index(g, excl(g, m.end))] - g->x[edge_index(g, m.start)])
				mapping_text(&m, true, text, sizeof(text));
			rect(g, m.start, excl(g, m.end), tpaint(m.granted), text, title, m.refused,
			     false);
		} else if (m.refused) {
			snprintf(title, sizeof(title),
				 "0x%llx-0x%llx: %s %s was refused: nothing mapped",
				 (unsigned long long)m.start, (unsigned long long)m.end, m.who,
				 m.call);
			rect(g, m.start, excl(g, m.end), e820_paint[0].p, "none", title, false,
			     true);
		}
		for (size_t k = 0; layer > 3 && k < m.neffective; k++) {
			memtype_effective e;
			memtype_sim_effective(sim, i, k, &e);
			stage2_label(&e, text, sizeof(text));
			int n = snprintf(title, sizeof(title),
					 "0x%llx-0x%llx: ", (unsigned long long)e.start,
					 (unsigned long long)e.end);
			if (layer == 4) {
				snprintf(title + n, sizeof(title) - (size_t)n, "stage 2 %s: %s",
					 text, e.stage2);
				rect(g, e.start, excl(g, e.end), stage2_paint(text), text, title,
				     false, false);
				continue;
			}
			n += snprintf(title + n, sizeof(title) - (size_t)n, "effective %s",
				      tname(e.type));
			for (unsigned s = 0; s < e.why.nsteps && n < (int)sizeof(title); s++) {
				const memtype_step *st = &e.why.steps[s];
				n += snprintf(title + n, sizeof(title) - (size_t)n,
					      "; %s: %s x %s -> %s", st->rule, tname(st->a),
					      tname(st->b), tname(st->out));
			}
			rect(g, e.start, excl(g, e.end), tpaint(e.type), tname(e.type), title,
			     false, false);
		}
		g->y += ROW_H + ROW_GAP;
	}
}

static void swatch(struct svg *g, int *x, struct paint p, const char *name, bool dashed,
		   bool refused)
{
	out(g, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\" stroke=\"%s\"%s/>",
	    *x, g->y, refused ? REFUSED_FILL : p.fill, refused ? REFUSED_INK : "#888888",
	    dashed ? " stroke-dasharray=\"3 2\"" : "");
	if (refused)
		hatch(g, *x, g->y, 14, 14);
	out(g, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#222222\">", *x + 18, g->y + 11);
	esc(g, name);
	out(g, "</text>\n");
	*x += 18 + (int)strlen(name) * 7 + 14;
}

static void legend(struct svg *g)
{
	int x = 8;
	g->y += 10;
	out(g,
	    "<text x=\"%d\" y=\"%d\" font-size=\"11\" font-weight=\"bold\" fill=\"#444444\">"
	    "memory types</text>\n",
	    x, g->y + 11);
	x += 100;
	for (size_t i = 0; i < MT_ARRAY_SIZE(type_paint); i++)
		swatch(g, &x, type_paint[i].p, tname(type_paint[i].t), false, false);
	swatch(g, &x, type_paint[0].p, "refused", false, true);
	g->y += 22;
	x = 8;
	out(g,
	    "<text x=\"%d\" y=\"%d\" font-size=\"11\" font-weight=\"bold\" fill=\"#444444\">"
	    "e820</text>\n",
	    x, g->y + 11);
	x += 100;
	for (size_t i = 0; i < MT_ARRAY_SIZE(e820_paint); i++)
		swatch(g, &x, e820_paint[i].p, e820_paint[i].name, i == 0, false);
	swatch(g, &x, (struct paint){DEVICE_FILL, "#000000"}, "device", false, false);
	g->y += 22;
	out(g,
	    "<text x=\"8\" y=\"%d\" font-size=\"11\" fill=\"#444444\">stage 2: bare = MTRR x PAT "
	    "on bare metal; emulated = no stage-2 mapping, accesses exit to the VMM; EPT T = EPT "
	    "type T x guest PAT;</text>\n",
	    g->y + 11);
	g->y += 16;
	out(g,
	    "<text x=\"8\" y=\"%d\" font-size=\"11\" fill=\"#444444\">IPAT T = EPT type T, "
	    "guest PAT ignored; SEPT WB = TDX Secure EPT (private memory); NPT = AMD nested "
	    "paging, guest PAT x host PAT x host MTRR. Axis: ordinal, not to scale.</text>\n",
	    g->y + 11);
	g->y += 20;
}

/* ------------------------------------------------------------ layout */

static void collect(struct svg *g, const struct mt_platform *p, const memtype_map *map)
{
	const memtype_sim *sim = g->sim;
	for (unsigned i = 0; i < p->ne820; i++) {
		add_edge(g, p->e820[i].start);
		add_edge(g, p->e820[i].end + 1);
	}
	for (unsigned i = 0; i < p->ndev; i++) {
		add_edge(g, p->dev[i].start);
		add_edge(g, p->dev[i].end + 1);
	}
	for (size_t i = 0; map && i < memtype_map_count(map); i++) {
		memtype_range r;
		memtype_map_get(map, i, &r);
		add_edge(g, r.start);
	}
	for (size_t i = 0; i < memtype_sim_mapping_count(sim); i++) {
		memtype_mapping_result m;
		memtype_sim_mapping(sim, i, &m);
		add_edge(g, m.start);
		add_edge(g, m.end + 1);
		for (size_t k = 0; k < m.neffective; k++) {
			memtype_effective e;
			memtype_sim_effective(sim, i, k, &e);
			add_edge(g, e.start);
			add_edge(g, e.end + 1);
		}
	}
	qsort(g->edge, g->nedge, sizeof(g->edge[0]), cmp_u64);
	size_t n = 0;
	for (size_t i = 0; i < g->nedge; i++)
		if (n == 0 || g->edge[i] != g->edge[n - 1])
			g->edge[n++] = g->edge[i];
	g->nedge = n;
}

/* Segment widths: MIN_W, widened until the labels of the mapping rows and
 * devices fit, then the rest of PLOT_W shared by log2 of the size. */
static void place(struct svg *g, int *w)
{
	const memtype_sim *sim = g->sim;
	const struct mt_platform *p = &sim->sc->s.platform;
	size_t nseg = g->nedge - 1;
	char text[64];
	for (size_t i = 0; i < nseg; i++)
		w[i] = MIN_W;
	for (unsigned i = 0; i < p->ndev; i++)
		need(g, w, p->dev[i].start, excl(g, p->dev[i].end), text_w(p->dev[i].name));
	for (size_t i = 0; i < memtype_sim_mapping_count(sim); i++) {
		memtype_mapping_result m;
		memtype_sim_mapping(sim, i, &m);
		mapping_text(&m, false, text, sizeof(text));
		need(g, w, m.start, excl(g, m.end), text_w(text));
		for (size_t k = 0; k < m.neffective; k++) {
			memtype_effective e;
			memtype_sim_effective(sim, i, k, &e);
			stage2_label(&e, text, sizeof(text));
			need(g, w, e.start, excl(g, e.end), text_w(text));
		}
	}
	int used = 0, extra;
	unsigned weight = 0;
	for (size_t i = 0; i < nseg; i++) {
		used += w[i];
		weight += bit_length(g->edge[i + 1] - g->edge[i] - 1);
	}
	extra = used < PLOT_W ? PLOT_W - used : 0;
	g->x[0] = g->left;
	for (size_t i = 0; i < nseg; i++) {
		unsigned f = bit_length(g->edge[i + 1] - g->edge[i] - 1);
		w[i] += weight ? (int)((unsigned)extra * f / weight) : 0;
		g->x[i + 1] = g->x[i] + w[i];
	}
}

static void axis(struct svg *g, int axis_y, int bottom)
{
	char buf[24];
	for (size_t i = 0; i < g->nedge; i++) {
		int x = g->x[i];
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)g->edge[i]);
		out(g, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dddddd\"/>", x,
		    axis_y - 4, x, bottom);
		out(g,
		    "<text transform=\"translate(%d,%d) rotate(-60)\" font-size=\"10\" "
		    "fill=\"#333333\">%s</text>\n",
		    x + 3, axis_y - 6, buf);
	}
}

int memtype_sim_svg(const memtype_sim *sim, memtype_write_fn write, void *ud)
{
	if (!sim || !write)
		return -EINVAL;
	const struct mt_platform *p = &sim->sc->s.platform;
	const memtype_map *map = memtype_sim_guest_mtrr_map(sim);
	size_t nmaps = memtype_sim_mapping_count(sim), neff = 0;
	for (size_t i = 0; i < nmaps; i++) {
		memtype_mapping_result m;
		memtype_sim_mapping(sim, i, &m);
		neff += m.neffective;
	}
	struct svg g = {.write = write, .ud = ud, .sim = sim};
	g.cap =
	    2 + 2 * (p->ne820 + p->ndev) + (map ? memtype_map_count(map) : 0) + 2 * (nmaps + neff);
	size_t bytes = g.cap * (sizeof(uint64_t) + 2 * sizeof(int));
	char *mem = mt_alloc(sim->ctx, bytes);
	if (!mem)
		return -ENOMEM;
	g.edge = (uint64_t *)(void *)mem;
	g.x = (int *)(void *)(mem + g.cap * sizeof(uint64_t));
	int *w = g.x + g.cap;
	unsigned pb = p->phys_bits ? p->phys_bits : 36;
	g.edge[0] = pb >= 64 ? UINT64_MAX : 1ull << pb; /* the top, while collecting */
	g.nedge = 1;
	add_edge(&g, 0);
	collect(&g, p, map);

	/* Left column: as wide as the longest row label. */
	size_t lmax = 22; /* "guest MTRRs (hardware)" */
	for (size_t i = 0; i < nmaps; i++) {
		memtype_mapping_result m;
		char label[160];
		memtype_sim_mapping(sim, i, &m);
		mapping_label(&m, label, sizeof(label));
		lmax = strlen(label) > lmax ? strlen(label) : lmax;
	}
	lmax = lmax > LABEL_MAX ? LABEL_MAX : lmax;
	g.left = 16 + (int)lmax * 7;
	place(&g, w);
	char top[24];
	snprintf(top, sizeof(top), "0x%llx", (unsigned long long)g.edge[g.nedge - 1]);
	int lab_h = (int)strlen(top) * CHAR_W * 87 / 100 + 12;
	int width = g.x[g.nedge - 1] + (int)strlen(top) * CHAR_W / 2 + 16;
	width = width < 980 ? 980 : width;
	int rows = 3 + 3 * (int)nmaps;
	int axis_y = 34 + lab_h;
	int bottom = axis_y + rows * (ROW_H + ROW_GAP) + 4 * (HEAD_H + 6) + (nmaps ? 0 : ROW_H);
	int height = bottom + 100;

	bool pat_on;
	uint64_t pat = memtype_sim_guest_pat(sim, &pat_on);
	out(&g,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"10\" role=\"img\">\n",
	    width, height, width, height);
	out(&g, "<title>memtype: address space of ");
	esc(&g, memtype_scenario_name(sim->sc));
	out(&g, " (ordinal axis)</title>\n");
	out(&g, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width,
	    height);
	out(&g, "<text x=\"8\" y=\"18\" font-size=\"13\" font-weight=\"bold\" fill=\"#000000\">");
	esc(&g, memtype_scenario_name(sim->sc));
	out(&g,
	    "</text><text x=\"8\" y=\"34\" font-size=\"11\" fill=\"#444444\">guest MTRRs %s, "
	    "PAT %s 0x%016llx, %zu mappings%s</text>\n",
	    memtype_sim_mtrr_source(sim), pat_on ? "on" : "off", (unsigned long long)pat, nmaps,
	    sim->booted ? "" : "; the guest did not boot");
	axis(&g, axis_y, bottom);
	g.y = axis_y;
	heading(&g, "platform and guest kernel view");
	draw_platform(&g, p);
	draw_guest_mtrr(&g, map);
	heading(&g, "page tables: type granted to each mapping (in execution order)");
	draw_mappings(&g, 3);
	if (!nmaps) {
		out(&g,
		    "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#b00000\">no mappings were "
		    "made</text>\n",
		    g.left, g.y + 15);
		g.y += ROW_H;
	}
	heading(&g, "stage 2: who decides the type behind the guest (hypervisor, CoCo)");
	draw_mappings(&g, 4);
	heading(&g, "effective: the type every access really gets");
	draw_mappings(&g, 5);
	legend(&g);
	out(&g, "</svg>\n");
	mt_free(sim->ctx, mem, bytes);
	return 0;
}
