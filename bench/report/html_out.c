/* html_out.c - the HTML report page: the comparison first (two runs),
 * then per run the warnings (folded when there are many), the charts, a
 * sortable results table, the environment and the settings.
 * Self-contained on purpose (a report is mailed, archived, opened
 * offline): the style and the few lines of script are inline, the charts
 * inline SVG, and nothing names another address.  Every string from the
 * JSON goes through ipl_html_esc. */
#include "bench/report/html.h"

#include <math.h>
#include <string.h>

void ipl_html_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

static const char style[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1400px}"
	"h1{font-size:1.5em}h2{font-size:1.25em;border-bottom:1px solid #ccc}h3{font-size:1.05em}"
	"table{border-collapse:collapse;margin:.5em 0;font-size:.85em}"
	"td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}td[data-v]{text-align:right}"
	"table.sortable th{cursor:pointer;background:#eef}th[aria-sort=ascending]::after{content:' \\25b2'}"
	"th[aria-sort=descending]::after{content:' \\25bc'}.kv th{background:#f6f6f6;cursor:auto}"
	".warn{color:#a40}.slower{color:#b00;font-weight:bold}.faster{color:#070;font-weight:bold}"
	"figure.chart{display:inline-block;margin:.5em}svg{font-size:11px;background:#fff}"
	"svg .grid{stroke:#e4e4e4}svg .frame{fill:none;stroke:#888}svg .ttl{font-size:14px;font-weight:bold}"
	"svg .lab{font-size:12px}.note{font-size:.85em;color:#555}";

/* The page's only script: click a header to sort its table (numbers by
 * data-v, text otherwise; again to reverse); last, a marker the browser
 * test looks for, set only when the script ran without an exception. */
static const char script[] =
	"(function(){\n"
	"function key(td){var v=td.getAttribute('data-v');return v===null?td.textContent:parseFloat(v);}\n"
	"function cmp(a,c){if(typeof a!==typeof c)return typeof a==='number'?-1:1;\n"
	" return typeof a==='number'?a-c:String(a).localeCompare(String(c));}\n"
	"document.querySelectorAll('table.sortable th').forEach(function(th){\n"
	" th.addEventListener('click',function(){\n"
	"  var t=th.closest('table'),b=t.tBodies[0],i=th.cellIndex;\n"
	"  var asc=th.getAttribute('aria-sort')!=='ascending';\n"
	"  t.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});\n"
	"  th.setAttribute('aria-sort',asc?'ascending':'descending');\n"
	"  var rows=Array.prototype.slice.call(b.rows);\n"
	"  rows.sort(function(x,y){var r=cmp(key(x.cells[i]),key(y.cells[i]));return asc?r:-r;});\n"
	"  rows.forEach(function(r){b.appendChild(r);});\n"
	" });\n"
	"});\n"
	"document.body.setAttribute('data-script','ok');\n"
	"})();\n";

/* A JSON value as compact text, escaped (arrays and objects of settings). */
static void jtext(FILE *f, const struct ipl_jdoc *d, const struct ipl_jnode *v)
{
	if (v->type == IPL_JNULL)
		fputs("-", f);
	else if (v->type == IPL_JBOOL)
		fputs(v->num ? "yes" : "no", f);
	else if (v->type == IPL_JNUM)
		fprintf(f, "%.10g", v->num);
	else if (v->type == IPL_JSTR)
		ipl_html_esc(f, v->str);
	else {
		fputc(v->type == IPL_JARR ? '[' : '{', f);
		for (const struct ipl_jnode *m = ipl_jfirst(d, v); m; m = ipl_jnext(d, m)) {
			if (m->key)
				ipl_html_esc(f, m->key), fputs(": ", f);
			jtext(f, d, m);
			if (ipl_jnext(d, m))
				fputs(", ", f);
		}
		fputc(v->type == IPL_JARR ? ']' : '}', f);
	}
}

/* An object's members as a two-column table (objects inside flattened). */
static void kv_rows(FILE *f, const struct ipl_jdoc *d, const struct ipl_jnode *o, const char *prefix)
{
	for (const struct ipl_jnode *m = ipl_jfirst(d, o); m; m = ipl_jnext(d, m)) {
		if (m->type == IPL_JOBJ && !*prefix) {
			kv_rows(f, d, m, m->key);
			continue;
		}
		fputs("<tr><th>", f);
		if (*prefix)
			ipl_html_esc(f, prefix), fputc('.', f);
		ipl_html_esc(f, m->key);
		fputs("</th><td>", f);
		jtext(f, d, m);
		fputs("</td></tr>\n", f);
	}
}

static void kv_table(FILE *f, const struct ipl_jdoc *d, const char *key, const char *title, int id)
{
	const struct ipl_jnode *o = ipl_jget(d, &d->nodes[0], key);
	fprintf(f, "<h3>%s</h3>\n", title);
	if (!o || o->type != IPL_JOBJ) {
		fputs("<p>not recorded</p>\n", f);
		return;
	}
	fprintf(f, "<table class='kv' id='%s-%d'>\n", key, id);
	kv_rows(f, d, o, "");
	fputs("</table>\n", f);
}

static void warnings(FILE *f, const struct ipl_jdoc *d)
{
	const struct ipl_jnode *w = ipl_jget(d, &d->nodes[0], "warnings"), *m;
	fputs("<h3>Warnings</h3>\n", f);
	if (!w || w->type != IPL_JARR || !(m = ipl_jfirst(d, w))) {
		fputs("<p>none recorded</p>\n", f);
		return;
	}
	size_t n = 0;
	for (const struct ipl_jnode *k = m; k; k = ipl_jnext(d, k))
		n++;
	fprintf(f, "<details%s><summary class='warn'>%zu warning%s</summary><ul class='warn'>\n",
		n <= 5 ? " open" : "", n, n == 1 ? "" : "s");
	for (; m; m = ipl_jnext(d, m)) {
		fputs("<li>", f);
		jtext(f, d, m);
		fputs("</li>\n", f);
	}
	fputs("</ul></details>\n", f);
}

/* The results table's columns: a key of the row, or of its spread object
 * (".median"); fmt NULL for text. */
static const struct col {
	const char *head, *key, *sub, *fmt;
} cols[] = {
	{ "mechanism", "mechanism", NULL, NULL },
	{ "wait", "wait", NULL, NULL },
	{ "mode", "mode", NULL, NULL },
	{ "size (B)", "size_bytes", NULL, "%.0f" },
	{ "clients", "clients", NULL, "%.0f" },
	{ "placement", "placement", NULL, NULL },
	{ "status", "status", NULL, NULL },
	{ "p50 ns", "p50_ns", "median", "%.0f" },
	{ "p50 min", "p50_ns", "min", "%.0f" },
	{ "p50 max", "p50_ns", "max", "%.0f" },
	{ "p99 ns", "p99_ns", "median", "%.0f" },
	{ "msgs/s", "msgs_per_s", "median", "%.0f" },
	{ "MB/s", "mb_per_s", "median", "%.2f" },
	{ "CPU ns/msg", "cpu_ns_per_msg", "median", "%.0f" },
	{ "valid reps", "valid_reps", NULL, "%.0f" },
	{ "flags", "flags", NULL, NULL },
};

static void cell(FILE *f, const struct ipl_jdoc *d, const struct ipl_jnode *row, const struct col *c)
{
	const struct ipl_jnode *v = ipl_jget(d, row, c->key);
	if (c->sub)
		v = ipl_jget(d, v, c->sub);
	if (c->fmt && v && v->type == IPL_JNUM && isfinite(v->num)) {
		fprintf(f, "<td data-v='%.17g'>", v->num);
		fprintf(f, c->fmt, v->num);
	} else {
		fputs("<td>", f);
		if (v && v->type == IPL_JSTR)
			ipl_html_esc(f, v->str);
		else
			fputs(c->fmt ? "-" : "", f);
	}
	fputs("</td>", f);
}

static void results(FILE *f, const struct ipl_jdoc *d, int id)
{
	const struct ipl_jnode *res = ipl_jget(d, &d->nodes[0], "results");
	fprintf(f, "<h3>Results</h3>\n<table class='sortable results' id='results-%d'><thead><tr>", id);
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
		fprintf(f, "<th>%s</th>", cols[i].head);
	fputs("</tr></thead><tbody>\n", f);
	for (const struct ipl_jnode *o = ipl_jfirst(d, res); o; o = ipl_jnext(d, o)) {
		fputs("<tr>", f);
		for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
			cell(f, d, o, &cols[i]);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n<p class='note'>Click a column header to sort.</p>\n", f);
}

static void run_section(FILE *f, const struct ipl_html_run *r, const char *label, int id)
{
	const struct ipl_jdoc *d = &r->doc;
	const struct ipl_jnode *ts = ipl_jget(d, &d->nodes[0], "timestamp_utc");
	fprintf(f, "<section class='run' id='run-%d'><h2>%s: ", id, label);
	ipl_html_esc(f, r->path);
	fputs("</h2>\n<p>", f);
	if (ts && ts->type == IPL_JSTR)
		fputs("recorded ", f), ipl_html_esc(f, ts->str);
	fputs("</p>\n", f);
	warnings(f, d);
	fputs("<h3>Charts</h3>\n", f);
	if (!ipl_html_charts(f, d, id))
		fputs("<p>no chart: no latency, client sweep or size sweep rows</p>\n", f);
	results(f, d, id);
	kv_table(f, d, "environment", "Environment", id);
	kv_table(f, d, "settings", "Settings", id);
	fputs("</section>\n", f);
}

void ipl_html_write(FILE *f, const struct ipl_html_run *runs, size_t n, const struct ipl_cmp_run *old,
		    const struct ipl_cmp_run *new, const struct ipl_cmp_result *cmp)
{
	fprintf(f,
		"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>\n<title>ipclab report</title>"
		"\n<style>%s</style></head>\n<body>\n<h1>ipclab report</h1>\n",
		style);
	if (n == 2 && cmp)
		ipl_html_compare(f, old, new, cmp);
	for (size_t i = 0; i < n; i++)
		run_section(f, &runs[i], n == 2 ? (i ? "new" : "old") : "run", (int)i + 1);
	fprintf(f, "<script>\n%s</script>\n</body></html>\n", script);
}
