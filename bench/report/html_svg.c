/* html_svg.c - a small SVG line-chart writer for the HTML report: log or
 * linear axes with labelled ticks, a line with markers per series, error
 * bars, a legend.  Generated here so the report needs no gnuplot and no
 * script library; the names in the legend come from the JSON and are
 * escaped. */
#include "bench/report/html.h"

#include <math.h>
#include <stdio.h>

enum { W = 760, H = 420, ML = 80, MR = 210, MT = 36, MB = 56 };

static const char *const colors[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd",
				      "#ff7f0e", "#17becf", "#8c564b", "#e377c2" };
static const char *const dashes[] = { "", "6,3", "2,2", "8,3,2,3" };

struct axis {
	double lo, hi; /* in axis space: log10 of the values on a log axis */
	int log;
	int x0, x1; /* pixel ends */
};

static int usable(double v, int log)
{
	return isfinite(v) && (!log || v > 0);
}

static double tr(const struct axis *a, double v)
{
	double u = a->log ? log10(v) : v;
	return a->x0 + (u - a->lo) / (a->hi - a->lo) * (a->x1 - a->x0);
}

/* The axis range over every usable value (error bars too); 0 when none. */
static int fit(struct axis *a, const struct ipl_svg_chart *c, int y)
{
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < c->ns; i++)
		for (size_t k = 0; k < c->s[i].n; k++) {
			const struct ipl_svg_point *p = &c->s[i].pts[k];
			double v[3] = { y ? p->y : p->x, y ? p->lo : NAN, y ? p->hi : NAN };
			for (int j = 0; j < 3; j++)
				if (usable(v[j], a->log)) {
					double u = a->log ? log10(v[j]) : v[j];
					lo = fmin(lo, u), hi = fmax(hi, u);
				}
		}
	if (!(lo <= hi))
		return 0;
	double pad = hi > lo ? (hi - lo) * 0.06 : (a->log ? 0.3 : fmax(fabs(lo) * 0.1, 1));
	a->lo = lo - pad, a->hi = hi + pad;
	if (!a->log && lo >= 0 && a->lo < 0)
		a->lo = 0;
	return 1;
}

/* 1500 -> "1.5k", 2e6 -> "2M"; sizes (unit "B") in binary units. */
static void label(char *buf, size_t len, double v, const char *unit)
{
	static const char *const si[] = { "", "k", "M", "G", "T" };
	static const char *const bin[] = { " B", " KiB", " MiB", " GiB", " TiB" };
	double base = unit ? 1024 : 1000;
	int k = 0;
	while (fabs(v) >= base && k < 4)
		v /= base, k++;
	snprintf(buf, len, "%g%s", round(v * 100) / 100, unit ? bin[k] : si[k]);
}

static void tick(FILE *f, const struct axis *a, double v, int y, const char *unit)
{
	char t[32];
	double p = tr(a, v);
	if (!isfinite(p))
		return;
	label(t, sizeof t, v, unit);
	if (y)
		fprintf(f,
			"<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' class='grid' stroke='#e4e4e4'/>"
			"<text x='%d' y='%.1f' text-anchor='end' dy='4'>%s</text>\n",
			ML, p, W - MR, p, ML - 6, p, t);
	else
		fprintf(f,
			"<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' class='grid' stroke='#e4e4e4'/>"
			"<text x='%.1f' y='%d' text-anchor='middle'>%s</text>\n",
			p, MT, p, H - MB, p, H - MB + 16, t);
}

/* A nice step (1, 2 or 5 x 10^k) for about 6 ticks over [lo, hi]. */
static double nice_step(double lo, double hi)
{
	double raw = (hi - lo) / 6, mag = pow(10, floor(log10(raw)));
	return raw / mag < 2 ? 2 * mag : raw / mag < 5 ? 5 * mag : 10 * mag;
}

/* Ticks at the sizes measured when there are at most 8 of them (a reader
 * looks for the sizes of the run): 1, or 0 when there are more. */
static int size_ticks(FILE *f, const struct axis *a, const struct ipl_svg_chart *c)
{
	double seen[8];
	size_t n = 0;
	for (size_t i = 0; i < c->ns; i++)
		for (size_t k = 0; k < c->s[i].n; k++) {
			double x = c->s[i].pts[k].x;
			size_t j = 0;
			while (j < n && seen[j] != x)
				j++;
			if (j == n && n == 8)
				return 0;
			if (j == n && usable(x, 1))
				seen[n++] = x;
		}
	for (size_t j = 0; j < n; j++)
		tick(f, a, seen[j], 0, "B");
	return n > 0;
}

/* Ticks: powers of 2 for sizes (every other one or sparser, to stay under
 * about 6), 1-2-5 per decade on other log axes, evenly spaced values on a
 * log axis spanning under a decade and on linear ones (whole numbers on x:
 * clients). */
static void ticks(FILE *f, const struct axis *a, int y, const char *unit, const struct ipl_svg_chart *c)
{
	double lo = a->log ? pow(10, a->lo) : a->lo, hi = a->log ? pow(10, a->hi) : a->hi;
	if (a->log && unit && size_ticks(f, a, c))
		return;
	if (a->log && unit) {
		double step = 2, e0 = a->lo / log10(2), e1 = a->hi / log10(2);
		while ((e1 - e0) / step > 6)
			step *= 2;
		for (double e = ceil(e0 / step) * step; e <= e1; e += step)
			tick(f, a, pow(2, e), y, unit);
		return;
	}
	if (a->log && a->hi - a->lo >= 1) {
		int dense = a->hi - a->lo <= 3;
		double de = ceil((a->hi - a->lo) / 10);
		for (double e = floor(a->lo); e <= ceil(a->hi); e += de)
			for (int m = 1; m <= 5 && (m == 1 || dense); m += (m == 1 ? 1 : 3))
				if (pow(10, e) * m >= lo && pow(10, e) * m <= hi)
					tick(f, a, pow(10, e) * m, y, unit);
		return;
	}
	double step = nice_step(lo, hi);
	if (!y)
		step = fmax(step, 1);
	/* at most 20: a forged range (1e17 .. 1e17 + 16) has steps that do
	 * not move v, and NaN or zero steps must not loop either */
	double v = ceil(lo / step) * step;
	for (int i = 0; i < 20 && v <= hi; i++, v += step)
		if (v > 0 || !a->log)
			tick(f, a, v, y, unit);
}

static void marker(FILE *f, int shape, double x, double y, const char *col)
{
	if (shape == 0)
		fprintf(f, "<circle cx='%.1f' cy='%.1f' r='3.5' fill='%s'/>", x, y, col);
	else if (shape == 1)
		fprintf(f, "<rect x='%.1f' y='%.1f' width='7' height='7' fill='%s'/>", x - 3.5, y - 3.5, col);
	else if (shape == 2)
		fprintf(f, "<path d='M%.1f %.1fl4 7h-8z' fill='%s'/>", x, y - 4.5, col);
	else
		fprintf(f, "<path d='M%.1f %.1fl4.5 4.5l-4.5 4.5l-4.5-4.5z' fill='%s'/>", x, y - 4.5, col);
}

static void series(FILE *f, const struct ipl_svg_series *s, size_t i, const struct axis *ax,
		   const struct axis *ay)
{
	const char *col = colors[i % 8], *dash = dashes[(i / 8 + i) % 4];
	fprintf(f, "<g class='series'><polyline fill='none' stroke='%s' stroke-width='1.8'%s%s%s points='",
		col, *dash ? " stroke-dasharray='" : "", dash, *dash ? "'" : "");
	for (size_t k = 0; k < s->n; k++)
		if (usable(s->pts[k].x, ax->log) && usable(s->pts[k].y, ay->log))
			fprintf(f, "%.1f,%.1f ", tr(ax, s->pts[k].x), tr(ay, s->pts[k].y));
	fputs("'/>\n", f);
	for (size_t k = 0; k < s->n; k++) {
		const struct ipl_svg_point *p = &s->pts[k];
		if (!usable(p->x, ax->log) || !usable(p->y, ay->log))
			continue;
		double x = tr(ax, p->x), y = tr(ay, p->y);
		if (usable(p->lo, ay->log) && usable(p->hi, ay->log))
			fprintf(f, "<path d='M%.1f %.1fV%.1fM%.1f %.1fh8M%.1f %.1fh8' stroke='%s'/>", x,
				tr(ay, p->lo), tr(ay, p->hi), x - 4, tr(ay, p->lo), x - 4, tr(ay, p->hi), col);
		marker(f, (int)(i % 4), x, y, col);
	}
	double ly = MT + 8 + 18.0 * (double)i;
	fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='%s' stroke-width='1.8'%s%s%s/>",
		W - MR + 14, ly, W - MR + 40, ly, col, *dash ? " stroke-dasharray='" : "", dash,
		*dash ? "'" : "");
	marker(f, (int)(i % 4), W - MR + 27, ly, col);
	fprintf(f, "<text x='%d' y='%.1f' dy='4'>", W - MR + 46, ly);
	ipl_html_esc(f, s->name);
	fputs("</text></g>\n", f);
}

void ipl_svg_chart_write(FILE *f, const struct ipl_svg_chart *c)
{
	struct axis ax = { .log = c->logx, .x0 = ML + 8, .x1 = W - MR - 8 };
	struct axis ay = { .log = c->logy, .x0 = H - MB - 4, .x1 = MT + 4 };
	if (!fit(&ax, c, 0) || !fit(&ay, c, 1)) {
		fprintf(f, "<svg viewBox='0 0 %d 60' width='%d' height='60'><text x='10' y='30'>", W, W);
		ipl_html_esc(f, c->title);
		fputs(": no value to plot</text></svg>\n", f);
		return;
	}
	fprintf(f,
		"<svg viewBox='0 0 %d %d' width='%d' height='%d'"
		" role='img'><title>",
		W, H, W, H);
	ipl_html_esc(f, c->title);
	fprintf(f, "</title><rect x='%d' y='%d' width='%d' height='%d' class='frame' fill='none' stroke='#888'/>\n",
		ML, MT, W - ML - MR, H - MT - MB);
	ticks(f, &ax, 0, c->xunit, c);
	ticks(f, &ay, 1, NULL, c);
	fprintf(f, "<text x='%d' y='%d' text-anchor='middle' class='lab'>", (ML + W - MR) / 2, H - 12);
	ipl_html_esc(f, c->xlabel);
	fprintf(f, "</text><text transform='translate(16 %d) rotate(-90)' text-anchor='middle' class='lab'>",
		(MT + H - MB) / 2);
	ipl_html_esc(f, c->ylabel);
	fprintf(f, "</text><text x='%d' y='22' class='ttl'>", ML);
	ipl_html_esc(f, c->title);
	fputs("</text>\n", f);
	for (size_t i = 0; i < c->ns && i < IPL_SVG_MAX_SERIES; i++)
		series(f, &c->s[i], i, &ax, &ay);
	fputs("</svg>\n", f);
}
