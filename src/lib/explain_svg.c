/*
 * explain_svg.c - memtype_explain_svg(): the explained machine as one
 * self-contained SVG, the physical address space left to right and three
 * layers top to bottom: the e820 map, the architectural MTRR map, and
 * Linux's 6.5+ view (its cache map, after mtrr_cleanup when the kernel would
 * run it; gaps take the default type, as mtrr_type_lookup() answers them).
 * As in svg.c, the axis is ordinal (every boundary of every layer, each
 * segment at least MIN_W wide plus a share growing with log2 of its size)
 * and the colours are svg.c's, so explain and simulate drawings read alike.
 * Deterministic output.
 */
#include "explain_internal.h"
#include "svg.h"

#include <stdio.h>
#include <stdlib.h>

#define SVG_PLOT_W    1000
#define SVG_MIN_W     8
#define SVG_ROW_H     22
#define SVG_LEFT      150
#define SVG_MAX_EDGES 1024u

struct svgw {
	memtype_write_fn write;
	void *ud;
	uint64_t edge[SVG_MAX_EDGES + 1];
	int x[SVG_MAX_EDGES + 1];
	size_t nedge;
};

static void svg_printf(struct svgw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void svg_printf(struct svgw *w, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mt_svg_printf(w->write, w->ud, "%s", buf);
}

/* Colours are svg.c's, so both drawings share one legend. */
static const char *svg_fill(int t)
{
	return mt_svg_type_fill(t);
}

static const char *svg_e820_fill(const char *name)
{
	return mt_svg_e820_fill(name);
}

static void svg_edge(struct svgw *w, uint64_t a)
{
	if (w->nedge < SVG_MAX_EDGES)
		w->edge[w->nedge++] = a;
}

static unsigned svg_log2(uint64_t v)
{
	unsigned k = 0;

	while (v >>= 1)
		k++;
	return k;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int svg_x(const struct svgw *w, uint64_t a)
{
	size_t lo = 0, hi = w->nedge;

	while (lo + 1 < hi) {
		size_t mid = (lo + hi) / 2;
		if (w->edge[mid] <= a)
			lo = mid;
		else
			hi = mid;
	}
	return w->x[lo];
}

/* One rectangle for [start, end] (inclusive) with a tooltip. */
static void svg_rect(struct svgw *w, int y, uint64_t start, uint64_t end, const char *fill,
		     const char *what)
{
	int x0 = svg_x(w, start);
	int x1 = end == UINT64_MAX ? w->x[w->nedge - 1] : svg_x(w, end + 1);
	if (end + 1 > w->edge[w->nedge - 1] || end == UINT64_MAX)
		x1 = w->x[w->nedge - 1];
	if (x1 <= x0)
		return;
	svg_printf(
	    w,
	    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#ffffff\" "
	    "stroke-width=\"0.5\"><title>0x%llx-0x%llx %s</title></rect>\n",
	    x0, y, x1 - x0, SVG_ROW_H, fill, (unsigned long long)start, (unsigned long long)end,
	    what);
}

int memtype_explain_svg(const memtype_explain *e, memtype_write_fn write, void *ud)
{
	if (!e || !write)
		return -EINVAL;
	const memtype_explain_info *info = &e->info;
	struct svgw *w = mt_alloc(e->ctx, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->write = write;
	w->ud = ud;
	w->nedge = 0;
	uint64_t top = info->phys_bits >= 64 ? UINT64_MAX : (1ull << info->phys_bits);
	size_t npieces = info->mtrr_map ? memtype_map_count(info->mtrr_map) : 0;

	svg_edge(w, 0);
	for (size_t i = 0; i < info->ne820; i++) {
		svg_edge(w, info->e820[i].start);
		svg_edge(w, info->e820[i].end + 1);
	}
	for (size_t i = 0; i < npieces; i++) {
		memtype_range p;
		if (memtype_map_get(info->mtrr_map, i, &p) == 0)
			svg_edge(w, p.start);
	}
	for (size_t i = 0; i < info->nlinux_entries; i++) {
		svg_edge(w, info->linux_entries[i].start);
		svg_edge(w, info->linux_entries[i].end + 1);
	}
	svg_edge(w, top);
	qsort(w->edge, w->nedge, sizeof(w->edge[0]), cmp_u64);
	size_t k = 0;
	for (size_t i = 0; i < w->nedge; i++)
		if (w->edge[i] <= top && (k == 0 || w->edge[i] != w->edge[k - 1]))
			w->edge[k++] = w->edge[i];
	w->nedge = k;

	/* Widths: SVG_MIN_W each, the rest shared by log2 of the segment size. */
	double logsum = 0;
	for (size_t i = 0; i + 1 < w->nedge; i++)
		logsum += (double)svg_log2(w->edge[i + 1] - w->edge[i]) + 1.0;
	int rest = SVG_PLOT_W - (int)(w->nedge - 1) * SVG_MIN_W;
	if (rest < 0)
		rest = 0;
	double xx = SVG_LEFT;
	for (size_t i = 0; i < w->nedge; i++) {
		w->x[i] = (int)xx;
		if (i + 1 < w->nedge)
			xx += SVG_MIN_W +
			      (logsum > 0
				   ? rest * ((double)svg_log2(w->edge[i + 1] - w->edge[i]) + 1.0) /
					 logsum
				   : 0);
	}
	int width = w->x[w->nedge - 1] + 80, height = 24 + 3 * (SVG_ROW_H + 8) + 70 + 24;

	svg_printf(w,
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "font-family=\"monospace\" font-size=\"11\">\n",
		   width, height);
	svg_printf(w, "<text x=\"4\" y=\"14\" font-weight=\"bold\">%s: MAXPHYADDR %u (%s)</text>\n",
		   info->ninputs == 1 ? "capture" : "captures", info->phys_bits,
		   info->phys_bits_source);
	int y = 24;
	svg_printf(w, "<text x=\"4\" y=\"%d\">e820</text>\n", y + 15);
	for (size_t i = 0; i < info->ne820; i++)
		svg_rect(w, y, info->e820[i].start, info->e820[i].end,
			 svg_e820_fill(info->e820[i].name), info->e820[i].name);
	y += SVG_ROW_H + 8;
	svg_printf(w, "<text x=\"4\" y=\"%d\">MTRRs (CPU)</text>\n", y + 15);
	/* Pieces of one type drawn as one (the map also splits by provenance). */
	memtype_range run = {0};
	bool have = false;
	for (size_t i = 0; i <= npieces; i++) {
		memtype_range p;
		bool ok = i < npieces && memtype_map_get(info->mtrr_map, i, &p) == 0;
		if (ok && have && p.value == run.value && p.start == run.end + 1) {
			run.end = p.end;
			continue;
		}
		if (have)
			svg_rect(w, y, run.start, run.end, svg_fill((int)run.value),
				 mt_explain_tname((int)run.value));
		have = ok;
		if (ok)
			run = p;
	}
	y += SVG_ROW_H + 8;
	svg_printf(w, "<text x=\"4\" y=\"%d\">Linux 6.5+%s</text>\n", y + 15,
		   info->linux_after_cleanup ? " (cleaned)" : "");
	if (info->linux_map.known) {
		uint64_t at = 0;
		int def = info->default_known ? (int)info->default_type : MEMTYPE_UC;
		for (size_t i = 0; i < info->nlinux_entries; i++) {
			const memtype_capture_range *r = &info->linux_entries[i];
			if (r->start > at)
				svg_rect(w, y, at, r->start - 1, svg_fill(def), "default type");
			svg_rect(w, y, r->start, r->end, svg_fill((int)r->type),
				 mt_explain_tname((int)r->type));
			at = r->end + 1;
		}
		if (at < top)
			svg_rect(w, y, at, top - 1, svg_fill(def), "default type");
	}
	y += SVG_ROW_H + 8;
	/* Boundary labels (every one when few, else the 4 GiB-aligned ones). */
	for (size_t i = 0; i < w->nedge; i++) {
		if (w->nedge > 48 && (w->edge[i] & 0xffffffffull) && i + 1 != w->nedge)
			continue;
		svg_printf(w,
			   "<text x=\"%d\" y=\"%d\" font-size=\"9\" transform=\"rotate(60 %d %d)\">"
			   "0x%llx</text>\n",
			   w->x[i], y + 4, w->x[i], y + 4, (unsigned long long)w->edge[i]);
	}
	y += 70;
	static const int legend[] = {MEMTYPE_UC, MEMTYPE_WC, MEMTYPE_WT,
				     MEMTYPE_WP, MEMTYPE_WB, MEMTYPE_UNDEFINED};
	for (unsigned i = 0; i < MT_ARRAY_SIZE(legend); i++)
		svg_printf(w,
			   "<rect x=\"%u\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			   "<text x=\"%u\" y=\"%d\">%s</text>\n",
			   4 + 90 * i, y, svg_fill(legend[i]), 20 + 90 * i, y + 10,
			   mt_explain_tname(legend[i]));
	svg_printf(w, "</svg>\n");
	mt_free(e->ctx, w, sizeof(*w));
	return 0;
}
