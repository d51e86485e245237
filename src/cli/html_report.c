/*
 * html_report.c - `memtype matrix --html FILE`: the whole matrix as one
 * self-contained HTML page that can be mailed, archived or attached to a
 * bug. Nothing is loaded from anywhere: one inline <style>, one small
 * inline <script> (a verdict summary and a "show every cell" switch; the
 * page reads fine without it), and one inline SVG per cell.
 *
 * The page has four parts:
 *   - a title, what the matrix is, and the verdict legend;
 *   - one table per value of the "tpm" axis: a row per combination of the
 *     remaining axes (firmware x kernel), a column per "platform"; each cell
 *     (class "cell v-VERDICT", data-verdict) links to its detail;
 *   - "what the axes mean": every axis value with its description;
 *   - one <section class="detail" id="cell-N"> per cell: axis values,
 *     verdict, reason, finding codes, failing orders, the drawing of its
 *     boot-order run (memtype_sim_svg) and the kernel log. Details are shown
 *     when targeted (a click on a cell) or all at once with the switch.
 *
 * Axis names, values and descriptions come from the library; only the
 * table layout names the "tpm" and "platform" axes, and falls back to the
 * last axes when they are absent. Every string is HTML-escaped.
 */
#include "cli.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What the verdicts mean (include/memtype.h, src/lib/matrix.c judge()). */
static const struct {
	const char *verdict, *doc;
} verdict_docs[] = {
	{ "ok", "every mapping gets a type and nothing is unsafe, slow or undefined "
		"(in boot order)" },
	{ "conflict", "a mapping is refused or the guest does not boot: a driver fails "
		      "(memtype-conflict, mapping-refused, boot-failure)" },
	{ "unsafe", "the mappings succeed but a device is mapped cacheable, or the host controls "
		    "the type of guest memory" },
	{ "slow", "RAM is not write-back, or huge mappings are lost" },
	{ "undefined", "an MTRR overlap the SDM leaves undefined decides a type" },
	{ "n/a", "not a real combination (not simulated)" },
};

static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1b1b;"
	"margin:0;background:#fafafa}\n"
	"main{max-width:1400px;margin:0 auto;padding:16px 24px 48px}\n"
	"h1{font-size:24px;margin:8px 0}h2{font-size:19px;margin:28px 0 8px;"
	"border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:12px 0 6px}\n"
	"p.lead{max-width:70em}#summary{font-weight:600}\n"
	"code,pre,.mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:12.5px}\n"
	"table.matrix{border-collapse:collapse;background:#fff;margin:8px 0 4px}\n"
	"table.matrix th,table.matrix td{border:1px solid #d0d0d0;padding:2px 6px;"
	"font-size:12.5px;white-space:nowrap}\n"
	"table.matrix thead th{background:#eef0f3;position:sticky;top:0}\n"
	"table.matrix tbody th{background:#f4f5f7;text-align:left;font-weight:500}\n"
	"table.matrix tbody th.group{font-weight:700;vertical-align:top}\n"
	"table.matrix tr.group>*{border-top:2px solid #8a8a8a}\n"
	"td.cell{text-align:center;min-width:64px;padding:0}\n"
	"td.cell a{display:block;padding:2px 6px;color:inherit;text-decoration:none}\n"
	"td.cell a:hover,td.cell a:focus{outline:2px solid #1b1b1b;outline-offset:-2px}\n"
	".v-ok{background:#d8f0d8;color:#175417}\n"
	".v-conflict{background:#f6c6c6;color:#7a0d0d;font-weight:700}\n"
	".v-unsafe{background:#e7d3f1;color:#55186f;font-weight:700}\n"
	".v-slow{background:#fbeab0;color:#6b5200}\n"
	".v-undefined{background:#1b1b1b;color:#ffd400;font-weight:700}\n"
	".v-n-a{background:#f0f0f0;color:#9a9a9a}\n"
	".swatch{display:inline-block;min-width:6em;text-align:center;padding:1px 6px;"
	"border:1px solid #ccc;border-radius:3px;margin-right:8px}\n"
	"ul.legend{list-style:none;padding:0;margin:6px 0}ul.legend li{margin:3px 0}\n"
	"small.of{font-weight:400;opacity:.8}\n"
	"dl.axis{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:4px 0}\n"
	"dl.axis dt{font-family:ui-monospace,monospace;font-weight:600}dl.axis dd{margin:0}\n"
	"section.detail{display:none;background:#fff;border:1px solid #ccc;border-radius:6px;"
	"padding:4px 16px 12px;margin:14px 0}\n"
	"section.detail:target,body.all section.detail{display:block}\n"
	"section.detail:target{box-shadow:0 0 0 3px #4a90d9}\n"
	".facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:6px 0}\n"
	".facts dt{color:#555}.facts dd{margin:0}\n"
	".drawing{overflow-x:auto;border:1px solid #eee;margin:8px 0}\n"
	".drawing svg{display:block}\n"
	"pre.log{background:#f6f6f6;border:1px solid #e4e4e4;padding:6px 8px;overflow-x:auto;"
	"margin:4px 0}\n"
	"pre.log .m{color:#7a0d0d}\n"
	"p.note{color:#555}\n";

static const char script[] =
	"(function(){\n"
	"  var cells=document.querySelectorAll('td.cell'),count={},order=[];\n"
	"  var known=document.querySelectorAll('ul.legend li');\n"
	"  for(var k=0;k<known.length;k++)order.push(known[k].getAttribute('data-verdict'));\n"
	"  for(var i=0;i<cells.length;i++){var v=cells[i].getAttribute('data-verdict');\n"
	"    if(order.indexOf(v)<0)order.push(v);count[v]=(count[v]||0)+1;}\n"
	"  order=order.filter(function(v){return count[v];});\n"
	"  var parts=order.map(function(v){return count[v]+' '+v;});\n"
	"  document.getElementById('summary').textContent=\n"
	"    cells.length+' cells: '+parts.join(', ');\n"
	"  var box=document.getElementById('showall');\n"
	"  box.disabled=false;\n"
	"  box.addEventListener('change',function(){\n"
	"    document.body.classList.toggle('all',box.checked);});\n"
	"})();\n";

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* "v-" and the verdict with anything but letters and digits as '-'. */
static void verdict_class(const char *v, char *buf, size_t n)
{
	size_t k = (size_t)snprintf(buf, n, "v-");
	for (; *v && k + 1 < n; v++)
		buf[k++] = ((*v >= 'a' && *v <= 'z') || (*v >= '0' && *v <= '9')) ? *v : '-';
	buf[k] = '\0';
}

static const char *verdict_doc(const char *v)
{
	for (size_t i = 0; i < sizeof(verdict_docs) / sizeof(verdict_docs[0]); i++)
		if (!strcmp(verdict_docs[i].verdict, v))
			return verdict_docs[i].doc;
	return "";
}

static size_t find_axis(const memtype_matrix *m, const char *name, size_t fallback)
{
	for (size_t a = 0; a < memtype_matrix_axis_count(m); a++)
		if (!strcmp(memtype_matrix_axis_name(m, a), name))
			return a;
	return fallback;
}

/* Row-major cell index (the last axis varies fastest). */
static size_t cell_index(const memtype_matrix *m, const size_t *c)
{
	size_t i = 0;
	for (size_t a = 0; a < memtype_matrix_axis_count(m); a++)
		i = i * memtype_matrix_axis_size(m, a) + c[a];
	return i;
}

static void svg_write(void *ud, const char *data, size_t len)
{
	fwrite(data, 1, len, (FILE *)ud);
}

static void cell_text(FILE *f, const memtype_matrix_cell *c)
{
	esc(f, c->verdict);
	if (c->failing_orders)
		fprintf(f, " <small class=\"of\">%zu/%zu</small>", c->failing_orders, c->orders);
}

static void legend(FILE *f, const memtype_matrix *m)
{
	/* The documented verdicts in their order, then any other seen. */
	size_t n = memtype_matrix_cell_count(m),
	       nd = sizeof(verdict_docs) / sizeof(verdict_docs[0]);
	const char *seen[16];
	size_t ns = 0;
	for (size_t i = 0; i < nd; i++)
		seen[ns++] = verdict_docs[i].verdict;
	for (size_t i = 0; i < n && ns < 16; i++) {
		memtype_matrix_cell c;
		memtype_matrix_get_cell(m, i, &c);
		size_t k = 0;
		while (k < ns && strcmp(seen[k], c.verdict))
			k++;
		if (k == ns)
			seen[ns++] = c.verdict;
	}
	fputs("<ul class=\"legend\">\n", f);
	for (size_t k = 0; k < ns; k++) {
		char cls[40];
		size_t count = 0;
		for (size_t i = 0; i < n; i++) {
			memtype_matrix_cell c;
			memtype_matrix_get_cell(m, i, &c);
			count += !strcmp(c.verdict, seen[k]);
		}
		verdict_class(seen[k], cls, sizeof(cls));
		fprintf(f, "<li data-verdict=\"");
		esc(f, seen[k]);
		fprintf(f, "\"><span class=\"swatch %s\">", cls);
		esc(f, seen[k]);
		fputs("</span>", f);
		esc(f, verdict_doc(seen[k]));
		fprintf(f, " <small class=\"of\">(%zu cell%s)</small></li>\n", count,
			count == 1 ? "" : "s");
	}
	fputs("</ul>\n<p class=\"note\">A fraction such as <b>2/6</b> in a cell counts the orders "
	      "of the mapping groups (ACPI, HPET, TPM driver) in which some mapping is refused; "
	      "the verdict itself is that of boot order.</p>\n",
	      f);
}

/* One table per value of the table axis. */
static void tables(FILE *f, const memtype_matrix *m, size_t tab, size_t colax)
{
	size_t na = memtype_matrix_axis_count(m);
	size_t rows[MEMTYPE_MATRIX_MAX_AXES], nr = 0, nrows = 1;
	for (size_t a = 0; a < na; a++)
		if (a != tab && a != colax) {
			rows[nr++] = a;
			nrows *= memtype_matrix_axis_size(m, a);
		}
	size_t ntab = tab < na ? memtype_matrix_axis_size(m, tab) : 1;
	size_t ncol = memtype_matrix_axis_size(m, colax);
	for (size_t t = 0; t < ntab; t++) {
		fprintf(f, "<section class=\"matrix\" id=\"t-%zu\">\n<h2>", t);
		if (tab < na) {
			esc(f, memtype_matrix_axis_name(m, tab));
			fputs(" = <code>", f);
			esc(f, memtype_matrix_axis_value(m, tab, t));
			fputs("</code></h2>\n<p>", f);
			esc(f, memtype_matrix_axis_doc(m, tab, t));
			fputs("</p>\n", f);
		} else {
			fputs("The matrix</h2>\n", f);
		}
		fputs("<table class=\"matrix\">\n<thead><tr>", f);
		fprintf(f, "<th colspan=\"%zu\">", nr ? nr : 1);
		for (size_t j = 0; j < nr; j++) {
			fputs(j ? " / " : "", f);
			esc(f, memtype_matrix_axis_name(m, rows[j]));
		}
		fputs(" \\ ", f);
		esc(f, memtype_matrix_axis_name(m, colax));
		fputs("</th>", f);
		for (size_t c = 0; c < ncol; c++) {
			fputs("<th title=\"", f);
			esc(f, memtype_matrix_axis_doc(m, colax, c));
			fputs("\">", f);
			esc(f, memtype_matrix_axis_value(m, colax, c));
			fputs("</th>", f);
		}
		fputs("</tr></thead>\n<tbody>\n", f);
		for (size_t r = 0; r < nrows; r++) {
			size_t coord[MEMTYPE_MATRIX_MAX_AXES] = {0}, rest = r;
			for (size_t j = nr; j-- > 0;) {
				size_t sz = memtype_matrix_axis_size(m, rows[j]);
				coord[rows[j]] = rest % sz;
				rest /= sz;
			}
			if (tab < na)
				coord[tab] = t;
			/* A new value of the outermost row axis starts a visible group. */
			size_t outer = nr ? nrows / memtype_matrix_axis_size(m, rows[0]) : 1;
			bool group = nr > 1 && r > 0 && r % outer == 0;
			fputs(group ? "<tr class=\"group\">" : "<tr>", f);
			/* An outer row axis gets one header spanning its inner rows. */
			for (size_t j = 0; j < nr; j++) {
				size_t span = 1;
				bool first = true;
				for (size_t q = j + 1; q < nr; q++) {
					span *= memtype_matrix_axis_size(m, rows[q]);
					first &= coord[rows[q]] == 0;
				}
				if (!first)
					continue;
				if (span > 1)
					fprintf(f, "<th class=\"group\" rowspan=\"%zu\" title=\"",
						span);
				else
					fputs("<th title=\"", f);
				esc(f, memtype_matrix_axis_doc(m, rows[j], coord[rows[j]]));
				fputs("\">", f);
				esc(f, memtype_matrix_axis_value(m, rows[j], coord[rows[j]]));
				fputs("</th>", f);
			}
			for (size_t c = 0; c < ncol; c++) {
				coord[colax] = c;
				size_t i = cell_index(m, coord);
				memtype_matrix_cell cell;
				char cls[40];
				memtype_matrix_get_cell(m, i, &cell);
				verdict_class(cell.verdict, cls, sizeof(cls));
				fprintf(f, "<td class=\"cell %s\" data-verdict=\"", cls);
				esc(f, cell.verdict);
				fputs("\" title=\"", f);
				esc(f, cell.reason);
				fprintf(f, "\"><a href=\"#cell-%zu\">", i);
				cell_text(f, &cell);
				fputs("</a></td>", f);
			}
			fputs("</tr>\n", f);
		}
		fputs("</tbody></table>\n</section>\n", f);
	}
}

static void axes(FILE *f, const memtype_matrix *m)
{
	fputs("<section id=\"axes\">\n<h2>What the axes mean</h2>\n", f);
	for (size_t a = 0; a < memtype_matrix_axis_count(m); a++) {
		fputs("<h3>", f);
		esc(f, memtype_matrix_axis_name(m, a));
		fputs("</h3>\n<dl class=\"axis\">\n", f);
		for (size_t k = 0; k < memtype_matrix_axis_size(m, a); k++) {
			fputs("<dt>", f);
			esc(f, memtype_matrix_axis_value(m, a, k));
			fputs("</dt><dd>", f);
			esc(f, memtype_matrix_axis_doc(m, a, k));
			fputs("</dd>\n", f);
		}
		fputs("</dl>\n", f);
	}
	fputs("</section>\n", f);
}

static void detail(struct cli *cli, FILE *f, const memtype_matrix *m, size_t i, size_t tab)
{
	memtype_matrix_cell c;
	char cls[40];
	memtype_matrix_get_cell(m, i, &c);
	verdict_class(c.verdict, cls, sizeof(cls));
	fprintf(f, "<section class=\"detail\" id=\"cell-%zu\">\n<h3>cell %zu: ", i, i);
	for (size_t a = 0; a < memtype_matrix_axis_count(m); a++) {
		fputs(a ? " &middot; " : "", f);
		esc(f, memtype_matrix_axis_name(m, a));
		fputs(" <code>", f);
		esc(f, memtype_matrix_axis_value(m, a, c.coord[a]));
		fputs("</code>", f);
	}
	fprintf(f, "</h3>\n<p><span class=\"swatch %s\">", cls);
	esc(f, c.verdict);
	fputs("</span>", f);
	esc(f, c.reason);
	fputs("</p>\n<dl class=\"facts\">\n", f);
	for (size_t a = 0; a < memtype_matrix_axis_count(m); a++) {
		fputs("<dt>", f);
		esc(f, memtype_matrix_axis_name(m, a));
		fputs("</dt><dd><code>", f);
		esc(f, memtype_matrix_axis_value(m, a, c.coord[a]));
		fputs("</code>: ", f);
		esc(f, memtype_matrix_axis_doc(m, a, c.coord[a]));
		fputs("</dd>\n", f);
	}
	fputs("<dt>finding codes</dt><dd>", f);
	for (size_t k = 0; k < c.ncodes; k++) {
		fputs(k ? ", <code>" : "<code>", f);
		esc(f, c.codes[k]);
		fputs("</code>", f);
	}
	fprintf(f,
		"%s</dd>\n<dt>orders</dt><dd>%zu of %zu orders of the mapping groups fail"
		"</dd>\n</dl>\n",
		c.ncodes ? "" : "none", c.failing_orders, c.orders);
	memtype_sim *sim = NULL;
	if (!strcmp(c.verdict, "n/a")) {
		fputs("<p class=\"note\">Not simulated: not a real combination.</p>\n", f);
	} else if (memtype_matrix_cell_sim(m, i, &sim) != 0) {
		const memtype_error *e = memtype_ctx_error(cli->ctx);
		fputs("<p class=\"note\">No drawing: ", f);
		esc(f, e->message);
		fputs("</p>\n", f);
	} else {
		fputs(
		    "<p class=\"note\">The run in boot order, layer by layer (hover a bar for its "
		    "range and the rule that decided it):</p>\n<div class=\"drawing\">\n",
		    f);
		memtype_sim_svg(sim, svg_write, f);
		fputs("</div>\n", f);
		size_t nf = memtype_sim_finding_count(sim), nl = memtype_sim_log_count(sim);
		if (nf) {
			fputs("<h4>findings (boot order)</h4>\n<ul>\n", f);
			for (size_t k = 0; k < nf; k++) {
				memtype_finding fd;
				memtype_sim_finding(sim, k, &fd);
				fputs("<li>", f);
				esc(f, memtype_severity_name(fd.severity));
				fputs(" <code>", f);
				esc(f, fd.code);
				fputs("</code>: ", f);
				esc(f, fd.message);
				fputs("</li>\n", f);
			}
			fputs("</ul>\n", f);
		}
		fprintf(f, "<h4>kernel log (%zu lines)</h4>\n<pre class=\"log\">", nl);
		for (size_t k = 0; k < nl; k++) {
			int who;
			const char *line = memtype_sim_log_line(sim, k, &who);
			if (who >= 0)
				fprintf(f, "<span class=\"m\">[%d]</span> ", who);
			esc(f, line);
			fputc('\n', f);
		}
		fputs("</pre>\n", f);
		memtype_sim_free(sim);
	}
	if (tab < memtype_matrix_axis_count(m))
		fprintf(f, "<p><a href=\"#t-%zu\">back to the table</a></p>\n", c.coord[tab]);
	else
		fputs("<p><a href=\"#t-0\">back to the table</a></p>\n", f);
	fputs("</section>\n", f);
}

int cli_write_matrix_html(struct cli *cli, const memtype_matrix *m, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "%s: error: unwritable: cannot open '%s': %s\n", cli->prog, path,
			strerror(errno));
		return -1;
	}
	size_t na = memtype_matrix_axis_count(m), n = memtype_matrix_cell_count(m);
	size_t tab = find_axis(m, "tpm", SIZE_MAX);
	size_t colax = find_axis(m, "platform", na - 1);
	if (colax == tab)
		colax = na - 2;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>memtype: compatibility matrix</title>\n<style>\n",
	      f);
	fputs(style, f);
	fputs("</style>\n</head>\n<body>\n<main id=\"top\">\n"
	      "<h1>memtype: compatibility matrix</h1>\n<p class=\"lead\">Which memory type does "
	      "each access of a standard q35 guest (ACPI, a TPM, an HPET) really get, and does "
	      "every driver get its mapping? Each cell is one combination of ",
	      f);
	for (size_t a = 0; a < na; a++) {
		fputs(a == 0 ? "" : a + 1 == na ? " and " : ", ", f);
		fputs("<b>", f);
		esc(f, memtype_matrix_axis_name(m, a));
		fputs("</b>", f);
	}
	fputs(
	    ", simulated through firmware, hypervisor and guest kernel in every order of its "
	    "mapping groups. Click a cell for its reason, findings, drawing and kernel log.</p>\n",
	    f);
	fprintf(f,
		"<p id=\"summary\">%zu cells.</p>\n<p><label><input type=\"checkbox\" "
		"id=\"showall\" disabled> show the detail of every cell below the tables</label>"
		" &middot; <a href=\"#axes\">what the axes mean</a>",
		n);
	for (size_t t = 0; tab < na && t < memtype_matrix_axis_size(m, tab); t++) {
		fprintf(f, " &middot; <a href=\"#t-%zu\">", t);
		esc(f, memtype_matrix_axis_name(m, tab));
		fputc(' ', f);
		esc(f, memtype_matrix_axis_value(m, tab, t));
		fputs("</a>", f);
	}
	fputs("</p>\n<h2>Verdicts</h2>\n", f);
	legend(f, m);
	tables(f, m, tab, colax);
	axes(f, m);
	fputs("<section id=\"details\">\n<h2>Cells in detail</h2>\n", f);
	for (size_t i = 0; i < n; i++)
		detail(cli, f, m, i, tab);
	fprintf(f,
		"</section>\n<p class=\"note\">Generated by memtype %s.</p>\n</main>\n<script>\n",
		memtype_version());
	fputs(script, f);
	fputs("</script>\n</body>\n</html>\n", f);
	bool bad = ferror(f) != 0;
	if (fclose(f) != 0 || bad) {
		fprintf(stderr, "%s: error: unwritable: cannot write '%s': %s\n", cli->prog, path,
			strerror(errno));
		return -1;
	}
	return 0;
}
