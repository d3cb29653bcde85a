/* report/html.h - `ipclab report`: one self-contained HTML page (no
 * network, no external scripts, fonts or images) from one or two saved
 * runs: environment and settings, sortable result tables, inline SVG
 * charts, the warnings, and the comparison of two runs.
 * html_out.c: the page and its tables; html_charts.c: which charts and
 * their series; html_svg.c: the SVG writer; html_cmp.c: the comparison.
 * Every string from the JSON is hostile and written escaped. */
#ifndef IPL_REPORT_HTML_H
#define IPL_REPORT_HTML_H

#include "bench/report/compare.h"
#include "bench/report/json_read.h"

#include <stddef.h>
#include <stdio.h>

/* One saved run: its path (shown) and its parsed JSON. */
struct ipl_html_run {
	const char *path;
	struct ipl_jdoc doc;
};

/* Writes s to f with & < > " ' as entities (text and attribute values). */
void ipl_html_esc(FILE *f, const char *s);

/* Writes the whole page for n (1 or 2) runs; cmp (NULL with one run) is
 * the comparison of runs[0] (old) and runs[1] (new) with their loaded
 * forms old, new.  The caller checks f for write errors. */
void ipl_html_write(FILE *f, const struct ipl_html_run *runs, size_t n, const struct ipl_cmp_run *old,
		    const struct ipl_cmp_run *new, const struct ipl_cmp_result *cmp);

/* The charts of one run, each a <figure class="chart"> holding one <svg>;
 * id makes their element ids unique on the page.  Returns the count. */
int ipl_html_charts(FILE *f, const struct ipl_jdoc *doc, int id);

/* The comparison section: the differing environment, then a sortable table
 * with old and new, ratio, 95% interval, verdict and method per row. */
void ipl_html_compare(FILE *f, const struct ipl_cmp_run *old, const struct ipl_cmp_run *new,
		      const struct ipl_cmp_result *cmp);

/* ---- the SVG writer (html_svg.c) ------------------------------------------ */

struct ipl_svg_point {
	double x, y, lo, hi; /* lo..hi: the error bar (NaN: none) */
};

#define IPL_SVG_MAX_SERIES 24
#define IPL_SVG_MAX_POINTS 64

struct ipl_svg_series {
	char name[96];
	struct ipl_svg_point pts[IPL_SVG_MAX_POINTS];
	size_t n;
};

struct ipl_svg_chart {
	const char *title, *xlabel, *ylabel;
	int logx, logy;    /* 1: a log10 axis (values <= 0 are left out) */
	const char *xunit; /* "B" for sizes (ticks as 64 B, 4 KiB), else NULL */
	struct ipl_svg_series *s;
	size_t ns;
};

/* Writes c as one <svg> element: axes with labelled ticks, a line and
 * markers per series, error bars, a legend (a line of text when no value
 * can be placed on the axes). */
void ipl_svg_chart_write(FILE *f, const struct ipl_svg_chart *c);

#endif
