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
 * sorted; each segment between two boundaries gets a minimum width, is
 * widened until the labels drawn over it (devices, mappings, stage 2) fit,
 * and then gets a share of the rest of the plot that grows with log2 of its
 * size. Boundaries are printed in hex, rotated by 60 degrees: the minimum
 * width keeps neighbouring labels apart.
 *
 * The output is deterministic (integer pixels, no clock, no ids), uses only
 * presentation attributes (no <style>, no fonts, no references), and every
 * rectangle carries a <title> with its range and meaning for screen readers
 * and tooltips. Refused mappings are hatched with explicit lines, not a
 * <pattern>, so that many drawings can share one HTML page without ids.
 */
#include "sim.h"
#include "svg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLOT_W	  1000 /* target width of the address area */
#define MIN_W	  16   /* smallest segment: keeps rotated boundary labels apart */
#define ROW_H	  22
#define ROW_GAP	  4
#define HEAD_H	  24 /* a heading line above a group of rows */
#define CHAR_W	  6  /* advance of a 10px monospace character, rounded up */
#define LABEL_MAX 34
#define BOLD	  "font-size=\"11\" font-weight=\"bold\" fill=\"#444444\""
#define PLAIN	  "font-size=\"11\" fill=\"#222222\""

enum style { SOLID, DASHED, REFUSED };

struct svg {
	memtype_write_fn write;
	void *ud;
	const memtype_sim *sim;
	uint64_t *edge; /* sorted distinct boundaries, exclusive ends; edge[0] = 0 */
	int *x;		/* x of each boundary */
	size_t nedge, cap;
	int left; /* x of address 0 */
	int y;	  /* top of the current row */
};

struct paint {
	const char *fill, *ink;
};

/* One fixed colour per memory type, in the legend's order. */
static const struct {
	memtype_type t;
	struct paint p;
} type_paint[] = {
	{ MEMTYPE_UC, { "#3465a4", "#ffffff" } }, { MEMTYPE_UC_MINUS, { "#9cc3e6", "#000000" } },
	{ MEMTYPE_WC, { "#f28e2b", "#000000" } }, { MEMTYPE_WT, { "#76b7b2", "#000000" } },
	{ MEMTYPE_WP, { "#b07aa1", "#ffffff" } }, { MEMTYPE_WB, { "#4e9a06", "#ffffff" } },
	{ MEMTYPE_WC_PLUS, { "#ffd08a", "#000000" } },
	{ MEMTYPE_UNDEFINED, { "#111111", "#ffd400" } },
};

/* e820 kinds, by enum e820_type; index 0 is a hole (no entry). */
static const struct paint e820_paint[] = {
	{ "#ffffff", "#777777" }, { "#d9ead3", "#000000" }, { "#cccccc", "#000000" },
	{ "#fce5cd", "#000000" }, { "#f9cb9c", "#000000" }, { "#999999", "#000000" },
};

/* The legend's name of e820_paint[i]: the kernel's word, or "hole". */
static const char *e820_name(size_t i)
{
	return i ? mt_e820_type_word((unsigned)i) : "hole";
}

static const struct paint device_paint = { "#cfe2f3", "#000000" };
static const struct paint refused_paint = { "#fde2e2", "#b00000" };

const char *mt_svg_type_fill(int t)
{
	for (size_t i = 0; i < MT_ARRAY_SIZE(type_paint); i++)
		if ((int)type_paint[i].t == t)
			return type_paint[i].p.fill;
	return "#ffffff";
}

const char *mt_svg_e820_fill(const char *name)
{
	for (size_t i = 1; i < MT_ARRAY_SIZE(e820_paint); i++)
		if (strcmp(e820_name(i), name) == 0)
			return e820_paint[i].fill;
	return e820_paint[MT_E820_RESERVED].fill;
}

void mt_svg_printf(memtype_write_fn write, void *ud, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		write(ud, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static struct paint tpaint(memtype_type t)
{
	for (size_t i = 0; i < MT_ARRAY_SIZE(type_paint); i++)
		if (type_paint[i].t == t)
			return type_paint[i].p;
	return (struct paint){ "#ffffff", "#000000" };
}

static const char *tname(memtype_type t)
{
	const char *n = memtype_type_name(t, MEMTYPE_SPELL_SHORT);
	return n ? n : "?";
}

/* ------------------------------------------------------------ output */

static void out(struct svg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(struct svg *g, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mt_svg_printf(g->write, g->ud, "%s", buf);
}

/* s with &, <, > and " escaped (safe in text and attributes). */
static void esc(struct svg *g, const char *s)
{
	for (const char *run = s;; s++) {
		const char *rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
				: *s == '"' ? "&quot;" : NULL;
		if (!rep && *s)
			continue;
		g->write(g->ud, run, (size_t)(s - run));
		if (!*s)
			return;
		g->write(g->ud, rep, strlen(rep));
		run = s + 1;
	}
}

/* <text> at (x, y) with attributes, escaped content and an optional <title>. */
static void text(struct svg *g, int x, int y, const char *attrs, const char *s, const char *title)
{
	out(g, "<text x=\"%d\" y=\"%d\" %s>", x, y, attrs);
	if (title) {
		out(g, "<title>");
		esc(g, title);
		out(g, "</title>");
	}
	esc(g, s);
	out(g, "</text>\n");
}

static int text_w(const char *s)
{
	return (int)strlen(s) * CHAR_W + 8;
}

/* ------------------------------------------------------------ the axis */

static void add_edges(struct svg *g, uint64_t start, uint64_t end)
{
	uint64_t e[2] = { start, end + 1 }; /* end + 1 wraps to 0 at 2^64: harmless */
	for (int i = 0; i < 2; i++)
		if (e[i] <= g->edge[0] && g->nedge < g->cap) /* edge[0] is the top for now */
			g->edge[g->nedge++] = e[i];
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

/* The x range of the inclusive range [start, end]; end clamped to the top. */
static void xs(const struct svg *g, uint64_t start, uint64_t end, int *x0, int *x1)
{
	uint64_t top = g->edge[g->nedge - 1];
	*x0 = g->x[edge_index(g, start)];
	*x1 = g->x[edge_index(g, end >= top ? top : end + 1)];
}

/* Widen the segments of [start, end] until they are px wide together. */
static void need(struct svg *g, int *w, uint64_t start, uint64_t end, int px)
{
	uint64_t top = g->edge[g->nedge - 1];
	size_t a = edge_index(g, start), b = edge_index(g, end >= top ? top : end + 1);
	int have = 0;
	for (size_t i = a; i < b; i++)
		have += w[i];
	for (size_t i = a; i < b && have < px; i++)
		w[i] += (px - have + (int)(b - a) - 1) / (int)(b - a);
}

static unsigned bit_length(uint64_t v)
{
	unsigned n = 0;
	for (; v; v >>= 1)
		n++;
	return n;
}

/* ------------------------------------------------------------ labels */

/* The short name of a stage-2 decision (from its first combining step) and
 * its tint: stage-2 decisions are not memory types, so neutral colours. */
static struct paint stage2(const memtype_effective *e, char *buf, size_t n)
{
	const char *rule = e->why.nsteps ? e->why.steps[0].rule : "";
	const char *mt = tname(e->why.steps[0].a);
	if (!strcmp(rule, "emulated-mmio")) {
		snprintf(buf, n, "emulated");
		return (struct paint){ "#fff2cc", "#000000" };
	}
	if (!strncmp(rule, "mtrr-", 5)) {
		snprintf(buf, n, "bare");
		return (struct paint){ "#e8e8e8", "#000000" };
	}
	if (!strncmp(rule, "npt-", 4))
		snprintf(buf, n, "NPT");
	else if (!strcmp(rule, "ept-ipat"))
		snprintf(buf, n, "%s %s", strstr(e->stage2, "Secure EPT") ? "SEPT" : "IPAT", mt);
	else if (!strncmp(rule, "ept-", 4))
		snprintf(buf, n, "EPT %s", mt);
	else
		snprintf(buf, n, "?");
	return (struct paint){ "#e4dcf0", "#000000" };
}

static void mapping_label(const memtype_mapping_result *m, char *buf, size_t n)
{
	snprintf(buf, n, "[%zu] %s %s", m->index, m->who, m->call);
}

/* The text in a mapping's page-table bar; brief = without the request. */
static void mapping_text(const memtype_mapping_result *m, bool brief, char *buf, size_t n)
{
	if (m->refused)
		snprintf(buf, n, "refused");
	else if (!brief && m->granted != m->requested)
		snprintf(buf, n, "%s (asked %s)", tname(m->granted), tname(m->requested));
	else
		snprintf(buf, n, "%s", tname(m->granted));
}

/* ------------------------------------------------------------ drawing */

/* Diagonal hatching inside a rectangle, clipped by hand. */
static void hatch(struct svg *g, int x, int y, int w, int h)
{
	for (int x0 = x - h + 3; x0 < x + w; x0 += 6) {
		int xa = x0 < x ? x : x0, xb = x0 + h > x + w ? x + w : x0 + h;
		out(g,
		    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" opacity=\"0.6\"/>",
		    xa, y + h - (xa - x0), xb, y + h - (xb - x0), refused_paint.ink);
	}
}

/* One bar over [start, end] in the current row: a rectangle with a <title>
 * (printf-style) and, when it fits, a centred label. */
static void bar(struct svg *g, uint64_t start, uint64_t end, struct paint p, enum style st,
		const char *label, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void bar(struct svg *g, uint64_t start, uint64_t end, struct paint p, enum style st,
		const char *label, const char *fmt, ...)
{
	char title[1024], attrs[128];
	int x0, x1;
	xs(g, start, end, &x0, &x1);
	if (x1 <= x0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(title, sizeof(title), fmt, ap);
	va_end(ap);
	if (st == REFUSED)
		p = refused_paint;
	const char *stroke = st == REFUSED ? p.ink : st == DASHED ? "#999999" : "#ffffff";
	out(g, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"%s\"%s>",
	    x0, g->y, x1 - x0, ROW_H, p.fill, stroke,
	    st == DASHED ? " stroke-dasharray=\"3 2\"" : "");
	out(g, "<title>");
	esc(g, title);
	out(g, "</title></rect>\n");
	if (st == REFUSED)
		hatch(g, x0, g->y, x1 - x0, ROW_H);
	if (text_w(label) > x1 - x0)
		return;
	snprintf(attrs, sizeof(attrs), "text-anchor=\"middle\" pointer-events=\"none\" "
		 "fill=\"%s\"%s", p.ink, st == REFUSED ? " font-weight=\"bold\"" : "");
	text(g, (x0 + x1) / 2, g->y + 15, attrs, label, NULL);
}

/* Start a row: a faint lane and the row's label on the left. */
static void row(struct svg *g, const char *label, const char *title)
{
	char buf[LABEL_MAX + 4];
	if (strlen(label) > LABEL_MAX)
		snprintf(buf, sizeof(buf), "%.*s...", LABEL_MAX - 3, label);
	else
		snprintf(buf, sizeof(buf), "%s", label);
	out(g, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill-opacity=\"0.04\"/>\n",
	    g->left, g->y, g->x[g->nedge - 1] - g->left, ROW_H);
	text(g, g->left - 8, g->y + 15, "text-anchor=\"end\" " PLAIN, buf, title);
}

/* A heading over a group of rows, on white so the grid stops behind it. */
static void heading(struct svg *g, const char *s)
{
	out(g, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>", g->y,
	    g->x[g->nedge - 1] + 1, HEAD_H - ROW_GAP);
	text(g, 8, g->y + 18, BOLD, s, NULL);
	g->y += HEAD_H;
}

static void draw_platform(struct svg *g, const struct mt_platform *p)
{
	static const char *const backing[] = { "emulated by the VMM", "host MMIO", "RAM-backed" };
	uint64_t at = 0, top = g->edge[g->nedge - 1];
	row(g, "e820", "the platform's memory map (e820) as the firmware reports it");
	for (unsigned i = 0; i <= p->ne820; i++) {
		uint64_t s = i < p->ne820 ? p->e820[i].start : top;
		if (s > at)
			bar(g, at, s - 1, e820_paint[0], DASHED, "hole",
			    "0x%llx-0x%llx: hole (no e820 entry)", (unsigned long long)at,
			    (unsigned long long)(s - 1));
		if (i == p->ne820)
			break;
		unsigned t = p->e820[i].type < MT_ARRAY_SIZE(e820_paint) ? p->e820[i].type : 0;
		bar(g, s, p->e820[i].end, e820_paint[t], SOLID, e820_name(t),
		    "0x%llx-0x%llx: e820 %s", (unsigned long long)s,
		    (unsigned long long)p->e820[i].end, e820_name(t));
		at = p->e820[i].end + 1;
	}
	g->y += ROW_H + ROW_GAP;
	row(g, "devices", "device regions and how the VMM backs them");
	for (unsigned i = 0; i < p->ndev; i++) {
		const struct mt_device *d = &p->dev[i];
		bar(g, d->start, d->end, device_paint, SOLID, d->name,
		    "0x%llx-0x%llx: device %s, %s%s", (unsigned long long)d->start,
		    (unsigned long long)d->end, d->name,
		    (unsigned)d->backing < 3 ? backing[d->backing] : "?",
		    d->acpi_sysmem ? ", ACPI SystemMemory OperationRegion" : "");
	}
	g->y += ROW_H + ROW_GAP;
}

static void draw_guest_mtrr(struct svg *g, const memtype_map *map)
{
	char label[64];
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
		bar(g, r.start, r.end, tpaint(t), SOLID, tname(t),
		    "0x%llx-0x%llx: guest MTRR type %s", (unsigned long long)r.start,
		    (unsigned long long)r.end, tname(t));
	}
	g->y += ROW_H + ROW_GAP;
}

/* Layer 3 (page tables), 4 (stage 2) or 5 (effective): a row per mapping. */
static void draw_mappings(struct svg *g, int layer)
{
	const memtype_sim *sim = g->sim;
	char label[160], txt[64], why[400];
	for (size_t i = 0; i < memtype_sim_mapping_count(sim); i++) {
		memtype_mapping_result m;
		int x0, x1;
		memtype_sim_mapping(sim, i, &m);
		mapping_label(&m, label, sizeof(label));
		row(g, label, m.device && m.device[0] ? m.device : NULL);
		xs(g, m.start, m.end, &x0, &x1);
		mapping_text(&m, false, txt, sizeof(txt));
		if (text_w(txt) > x1 - x0)
			mapping_text(&m, true, txt, sizeof(txt));
		if (layer == 3)
			bar(g, m.start, m.end, tpaint(m.granted), m.refused ? REFUSED : SOLID, txt,
			    "0x%llx-0x%llx: %s %s requested %s, %s%s%s%s",
			    (unsigned long long)m.start, (unsigned long long)m.end, m.who, m.call,
			    tname(m.requested), m.refused ? "REFUSED" : "granted ",
			    m.refused ? "" : tname(m.granted), m.message ? ": " : "",
			    m.message ? m.message : "");
		else if (m.refused)
			bar(g, m.start, m.end, e820_paint[0], DASHED, "none",
			    "0x%llx-0x%llx: %s %s was refused: nothing mapped",
			    (unsigned long long)m.start, (unsigned long long)m.end, m.who, m.call);
		for (size_t k = 0; layer > 3 && k < m.neffective; k++) {
			memtype_effective e;
			memtype_sim_effective(sim, i, k, &e);
			struct paint p = stage2(&e, txt, sizeof(txt));
			if (layer == 4) {
				bar(g, e.start, e.end, p, SOLID, txt,
				    "0x%llx-0x%llx: stage 2 %s: %s", (unsigned long long)e.start,
				    (unsigned long long)e.end, txt, e.stage2);
				continue;
			}
			size_t n = 0;
			why[0] = '\0';
			for (unsigned s = 0; s < e.why.nsteps && n < sizeof(why); s++) {
				const memtype_step *st = &e.why.steps[s];
				n += (size_t)snprintf(why + n, sizeof(why) - n,
						      "; %s: %s x %s -> %s", st->rule, tname(st->a),
						      tname(st->b), tname(st->out));
			}
			bar(g, e.start, e.end, tpaint(e.type), SOLID, tname(e.type),
			    "0x%llx-0x%llx: effective %s%s", (unsigned long long)e.start,
			    (unsigned long long)e.end, tname(e.type), why);
		}
		g->y += ROW_H + ROW_GAP;
	}
}

static void swatch(struct svg *g, int *x, struct paint p, const char *name, enum style st)
{
	if (st == REFUSED)
		p = refused_paint;
	out(g, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\" stroke=\"%s\"%s/>",
	    *x, g->y, p.fill, st == REFUSED ? p.ink : "#888888",
	    st == DASHED ? " stroke-dasharray=\"3 2\"" : "");
	if (st == REFUSED)
		hatch(g, *x, g->y, 14, 14);
	text(g, *x + 18, g->y + 11, PLAIN, name, NULL);
	*x += 18 + (int)strlen(name) * 7 + 14;
}

static void legend(struct svg *g)
{
	int x = 108;
	g->y += 10;
	text(g, 8, g->y + 11, BOLD, "memory types", NULL);
	for (size_t i = 0; i < MT_ARRAY_SIZE(type_paint); i++)
		swatch(g, &x, type_paint[i].p, tname(type_paint[i].t), SOLID);
	swatch(g, &x, refused_paint, "refused", REFUSED);
	g->y += 22;
	x = 108;
	text(g, 8, g->y + 11, BOLD, "e820", NULL);
	for (size_t i = 0; i < MT_ARRAY_SIZE(e820_paint); i++)
		swatch(g, &x, e820_paint[i], e820_name(i), i ? SOLID : DASHED);
	swatch(g, &x, device_paint, "device", SOLID);
	g->y += 22;
	text(g, 8, g->y + 11, PLAIN,
	     "stage 2: bare = MTRR x PAT on bare metal; emulated = no stage-2 mapping, accesses "
	     "exit to the VMM; EPT T = EPT type T x guest PAT;",
	     NULL);
	text(g, 8, g->y + 27, PLAIN,
	     "IPAT T = EPT type T, guest PAT ignored; SEPT WB = TDX Secure EPT (private memory); "
	     "NPT = AMD nested paging, guest PAT x host PAT x host MTRR. Axis: ordinal, not to "
	     "scale.",
	     NULL);
}

/* ------------------------------------------------------------ layout */

static void collect(struct svg *g, const struct mt_platform *p, const memtype_map *map)
{
	const memtype_sim *sim = g->sim;
	for (unsigned i = 0; i < p->ne820; i++)
		add_edges(g, p->e820[i].start, p->e820[i].end);
	for (unsigned i = 0; i < p->ndev; i++)
		add_edges(g, p->dev[i].start, p->dev[i].end);
	for (size_t i = 0; map && i < memtype_map_count(map); i++) {
		memtype_range r;
		memtype_map_get(map, i, &r);
		add_edges(g, r.start, r.end);
	}
	for (size_t i = 0; i < memtype_sim_mapping_count(sim); i++) {
		memtype_mapping_result m;
		memtype_sim_mapping(sim, i, &m);
		add_edges(g, m.start, m.end);
		for (size_t k = 0; k < m.neffective; k++) {
			memtype_effective e;
			memtype_sim_effective(sim, i, k, &e);
			add_edges(g, e.start, e.end);
		}
	}
	qsort(g->edge, g->nedge, sizeof(g->edge[0]), cmp_u64);
	size_t n = 0;
	for (size_t i = 0; i < g->nedge; i++)
		if (n == 0 || g->edge[i] != g->edge[n - 1])
			g->edge[n++] = g->edge[i];
	g->nedge = n;
}

/* Segment widths: MIN_W, widened until the labels of devices and mapping
 * rows fit, then the rest of PLOT_W shared by log2 of the segment's size. */
static void place(struct svg *g, int *w)
{
	const memtype_sim *sim = g->sim;
	const struct mt_platform *p = &sim->sc->s.platform;
	size_t nseg = g->nedge - 1;
	char txt[64];
	for (size_t i = 0; i < nseg; i++)
		w[i] = MIN_W;
	for (unsigned i = 0; i < p->ndev; i++)
		need(g, w, p->dev[i].start, p->dev[i].end, text_w(p->dev[i].name));
	for (size_t i = 0; i < memtype_sim_mapping_count(sim); i++) {
		memtype_mapping_result m;
		memtype_sim_mapping(sim, i, &m);
		mapping_text(&m, false, txt, sizeof(txt));
		need(g, w, m.start, m.end, text_w(txt));
		for (size_t k = 0; k < m.neffective; k++) {
			memtype_effective e;
			memtype_sim_effective(sim, i, k, &e);
			stage2(&e, txt, sizeof(txt));
			need(g, w, e.start, e.end, text_w(txt));
		}
	}
	int used = 0;
	unsigned weight = 0;
	for (size_t i = 0; i < nseg; i++) {
		used += w[i];
		weight += bit_length(g->edge[i + 1] - g->edge[i] - 1);
	}
	unsigned extra = used < PLOT_W ? (unsigned)(PLOT_W - used) : 0;
	g->x[0] = g->left;
	for (size_t i = 0; i < nseg; i++) {
		unsigned f = bit_length(g->edge[i + 1] - g->edge[i] - 1);
		g->x[i + 1] = g->x[i] + w[i] + (weight ? (int)(extra * f / weight) : 0);
	}
}

/* Grid lines through every row and the hex boundary labels above them. */
static void axis(struct svg *g, int axis_y, int bottom)
{
	for (size_t i = 0; i < g->nedge; i++) {
		int x = g->x[i];
		out(g, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dddddd\"/>", x,
		    axis_y - 4, x, bottom);
		out(g,
		    "<text transform=\"translate(%d,%d) rotate(-60)\" "
		    "fill=\"#333333\">0x%llx</text>\n",
		    x + 3, axis_y - 6, (unsigned long long)g->edge[i]);
	}
}

int memtype_sim_svg(const memtype_sim *sim, memtype_write_fn write, void *ud)
{
	if (!sim || !write)
		return -EINVAL;
	const struct mt_platform *p = &sim->sc->s.platform;
	const memtype_map *map = memtype_sim_guest_mtrr_map(sim);
	size_t nmaps = memtype_sim_mapping_count(sim), neff = 0, lmax = 0;
	for (size_t i = 0; i < nmaps; i++) {
		memtype_mapping_result m;
		char label[160];
		memtype_sim_mapping(sim, i, &m);
		neff += m.neffective;
		mapping_label(&m, label, sizeof(label));
		lmax = strlen(label) > lmax ? strlen(label) : lmax;
	}
	size_t gl = strlen("guest MTRRs ()") + strlen(memtype_sim_mtrr_source(sim));
	lmax = gl > lmax ? gl : lmax;
	struct svg g = { .write = write, .ud = ud, .sim = sim };
	g.cap = 2 + 2 * (p->ne820 + p->ndev + (map ? memtype_map_count(map) : 0) + nmaps + neff);
	size_t bytes = g.cap * (sizeof(uint64_t) + 2 * sizeof(int));
	char *mem = mt_alloc(sim->ctx, bytes);
	if (!mem)
		return -ENOMEM;
	g.edge = (uint64_t *)(void *)mem;
	g.x = (int *)(void *)(mem + g.cap * sizeof(uint64_t));
	unsigned pb = p->phys_bits ? p->phys_bits : 36;
	g.edge[0] = pb >= 64 ? UINT64_MAX : 1ull << pb; /* the top, while collecting */
	g.nedge = 1;
	g.edge[g.nedge++] = 0;
	collect(&g, p, map);
	g.left = 16 + 7 * (int)(lmax > LABEL_MAX ? LABEL_MAX : lmax);
	place(&g, g.x + g.cap);

	/* Rotated labels need height (and room on the right) for the longest. */
	int digits = 3 + (int)bit_length(g.edge[g.nedge - 1]) / 4;
	int axis_y = 46 + digits * CHAR_W * 87 / 100;
	int width = g.x[g.nedge - 1] + digits * CHAR_W / 2 + 16;
	width = width < 980 ? 980 : width;
	int bottom =
	    axis_y + 4 * HEAD_H + (3 + 3 * (int)nmaps) * (ROW_H + ROW_GAP) + (nmaps ? 0 : ROW_H);
	int height = bottom + 90;
	bool pat_on;
	uint64_t pat = memtype_sim_guest_pat(sim, &pat_on);
	out(&g,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d "
	    "%d\" font-family=\"monospace\" font-size=\"10\" role=\"img\">\n<title>",
	    width, height, width, height);
	esc(&g, memtype_scenario_name(sim->sc));
	out(&g, ": the address space layer by layer (ordinal axis, not to scale)</title>\n");
	out(&g, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height);
	text(&g, 8, 18, "font-size=\"13\" font-weight=\"bold\"", memtype_scenario_name(sim->sc),
	     NULL);
	out(&g,
	    "<text x=\"8\" y=\"34\" " PLAIN
	    ">guest MTRRs %s, PAT %s 0x%016llx, %zu mappings%s</text>\n",
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
		text(&g, g.left, g.y + 15, "font-size=\"11\" fill=\"#b00000\"",
		     "no mappings were made", NULL);
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
