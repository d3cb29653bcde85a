/* plot.c - the benchmark CSV as gnuplot charts (PNG and SVG), for
 * `ipclab plot` (bench/cli/cmd_plot.c reads its options).
 *
 * The CSV is read here, in C, not by gnuplot: fields may be quoted (the
 * machine column has commas), reps must be reduced to medians over the valid
 * ones, and a row with errors must not become a point.  What gnuplot gets is
 * a private directory with one data file per chart and a script that names
 * every path in single quotes (doubled '' inside), so directories with spaces
 * or quotes work.  gnuplot runs by execvp with the script as its argument: no
 * shell ever sees a path. */
#include "bench/run/stats.h"
#include "bench/run/fmt.h"
#include "bench/run/intr.h"
#include "bench/run/placement.h"
#include "bench/report/plot.h"
#include "bench/report/facts.h"
#include "bench/report/plot_read.h"
#include "bench/report/plot_int.h"
#include "common/load.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- writing the script ----------------------------------------------- */

/* A gnuplot single-quoted string: no escapes inside except '' for '. */
static void gp_path(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/* The index of s in list (added when new, up to 64), from 0. */
static unsigned index_in(char (*list)[64], unsigned *n, const char *s)
{
	for (unsigned i = 0; i < *n; i++)
		if (!strcmp(list[i], s))
			return i;
	if (*n < 64)
		snprintf(list[(*n)++], 64, "%s", s);
	return *n - 1;
}

/* A series' look, the same in every chart: the colour is the mechanism's
 * (a run's "old: " prefix and a baseline's "-raw" taken off), the point
 * type the series' own, the dash pattern its run's (a baseline dashed), so
 * series that overlap stay told apart even in grey. */
struct ipl_gp_style ipl_gp_style_of(struct plotter *p, const char *label)
{
	static const unsigned pts[] = { 7, 5, 9, 11, 13, 15, 4, 6, 8, 10, 12, 14, 1, 2, 3 };
	const char *colon = strstr(label, ": ");
	char mech[64];
	snprintf(mech, sizeof mech, "%s", colon ? colon + 2 : label);
	size_t l = strlen(mech);
	int raw = l > 4 && !strcmp(mech + l - 4, "-raw");
	if (raw)
		mech[l - 4] = '\0';
	unsigned run = 0;
	for (unsigned r = 0; colon && r < p->nruns; r++)
		if (strlen(p->runs[r]) == (size_t)(colon - label) && !strncmp(label, p->runs[r], colon - label))
			run = r;
	struct ipl_gp_style st = {
		.lt = index_in(p->mechs, &p->nmechs, mech) + 1,
		.pt = pts[index_in(p->shown, &p->nshown, label) % (sizeof pts / sizeof pts[0])],
		.dt = 1 + (run + (unsigned)raw) % 5,
	};
	return st;
}

/* The y range fitted to the values drawn (ipl_gp_yr_add), with a margin of
 * a quarter of a decade's fraction on log axes: gnuplot's own autoscale
 * goes out to whole decades, most of the chart empty. */
void ipl_gp_yr_add(struct plotter *p, double v)
{
	if (!(v > 0) || !isfinite(v))
		return;
	if (!(p->ylo > 0) || v < p->ylo)
		p->ylo = v;
	if (v > p->yhi)
		p->yhi = v;
}

/* ytics at 1-2-5 steps (finer when that gives fewer than three) between
 * lo and hi: a log axis spanning less than a decade has no other label. */
static void log_tics(char *buf, size_t len, double lo, double hi)
{
	static const double fine[] = { 1, 1.5, 2, 3, 5, 7 }, coarse[] = { 1, 2, 5 };
	for (int pass = 0; pass < 2; pass++) {
		const double *m = pass ? fine : coarse;
		size_t nm = pass ? 6 : 3, n = 0, used = strlen(buf);
		snprintf(buf + used, len - used, "set ytics (");
		for (double dec = pow(10, floor(log10(lo))); dec <= hi && n < 40; dec *= 10)
			for (size_t k = 0; k < nm; k++)
				if (m[k] * dec >= lo && m[k] * dec <= hi)
					snprintf(buf + strlen(buf), len - strlen(buf), "%s%.6g",
						 n++ ? ", " : "", m[k] * dec);
		snprintf(buf + strlen(buf), len - strlen(buf), ")\n");
		if (n >= 3 || pass)
			return;
		buf[used] = '\0';
	}
}

void ipl_gp_yr_set(struct plotter *p, char *setup, size_t len)
{
	if (p->ylo > 0 && p->yhi >= p->ylo) {
		double lo = p->ylo / 1.25, hi = p->yhi * 1.25;
		snprintf(setup + strlen(setup), len - strlen(setup), "set yrange [%.6g:%.6g]\n", lo, hi);
		if (hi / lo < 100)
			log_tics(setup, len, lo, hi);
	}
	p->ylo = p->yhi = 0;
}

/* Sets the output to DIR/NAME.EXT for one terminal. */
static void gp_output(struct plotter *p, const char *name, const char *ext)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.%s", p->outdir, name, ext);
	if (!strcmp(ext, "png"))
		fputs("if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) "
		      "{ set terminal pngcairo size 1100,680 noenhanced font ',11' } "
		      "else { set terminal png size 1100,680 noenhanced }\n",
		      p->gp);
	else
		fputs("set terminal svg size 1100,680 noenhanced dynamic font 'sans,11'\n", p->gp);
	fputs("set output ", p->gp);
	gp_path(p->gp, path);
	fputc('\n', p->gp);
}

FILE *ipl_gp_new_data(struct plotter *p, char *name, size_t len)
{
	p->ylo = p->yhi = 0; /* a new chart: its own y range */
	snprintf(name, len, "%s/d%u.dat", p->tmp, p->ndata++);
	return fopen(name, "w");
}

/* Emits the chart: setup, then `dat` = the data file (blocks separated by
 * two blank lines), then the plot command; once for PNG and once for SVG.
 * The data file is renamed after the chart, for --keep-script's readers. */
void ipl_gp_draw(struct plotter *p, const char *name, const char *data, const char *setup, const char *plotcmd)
{
	char dat[4200];
	snprintf(dat, sizeof dat, "%s/%s.dat", p->tmp, name);
	if (rename(data, dat) < 0)
		snprintf(dat, sizeof dat, "%s", data);
	for (int t = 0; t < 1 + p->svg; t++) {
		gp_output(p, name, t ? "svg" : "png");
		fputs(setup, p->gp);
		fputs("dat = ", p->gp);
		gp_path(p->gp, dat);
		fputc('\n', p->gp);
		fputs(plotcmd, p->gp);
		fputs("unset output\n", p->gp);
	}
	p->written++;
	printf("%s/%s.png%s\n", p->outdir, name, p->svg ? " (+ .svg)" : "");
}

void ipl_gp_series(char *cmd, size_t len, int first, unsigned index, const char *using,
		   const char *style, struct ipl_gp_style st, const char *title)
{
	size_t used = strlen(cmd);
	char qtitle[200];
	size_t k = 0;
	qtitle[k++] = '"';
	for (const char *s = title; *s && k < sizeof qtitle - 3; s++) {
		if (*s == '"' || *s == '\\')
			qtitle[k++] = '\\';
		qtitle[k++] = *s;
	}
	qtitle[k++] = '"';
	qtitle[k] = '\0';
	/* `dat` is a gnuplot variable holding the data file's path (gp_draw) */
	snprintf(cmd + used, len - used, "%sdat index %u using %s with %s lt %u lw 2 pt %u ps 1 dt %u title %s",
		 first ? "plot " : ", \\\n     ", index, using, style, st.lt, st.pt, st.dt, qtitle);
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return (x > y) - (x < y);
}

/* The distinct values of one group field among groups passing keep(). */
static size_t distinct(const struct ipl_plot_data *d, unsigned *out, size_t max,
		       unsigned (*field)(const struct ipl_plot_group *),
		       int (*keep)(const struct ipl_plot_group *, const void *), const void *arg)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!keep(&d->g[i], arg))
			continue;
		unsigned v = field(&d->g[i]);
		size_t j;
		for (j = 0; j < n && out[j] != v; j++)
			;
		if (j == n && n < max)
			out[n++] = v;
	}
	qsort(out, n, sizeof *out, cmp_uint);
	return n;
}

static unsigned f_size(const struct ipl_plot_group *g)
{
	return g->size;
}
static unsigned f_clients(const struct ipl_plot_group *g)
{
	return g->clients;
}

int ipl_plot_keep(const struct ipl_plot_group *g, const void *arg)
{
	const struct sel *s = arg;
	if (g->cpu_c != s->cpu_c || g->cpu_s != s->cpu_s)
		return 0;
	if (s->spin >= 0 && g->spin != s->spin)
		return 0;
	if (s->mode ? strcmp(g->mode, s->mode) != 0 : !strcmp(g->mode, "latency") || !strcmp(g->mode, "load"))
		return 0;
	if (s->clients && g->clients != s->clients)
		return 0;
	if (s->size && g->size != s->size)
		return 0;
	return 1;
}

/* xtics at the measured sizes, labelled "64 B", "4 KiB", ... */
static void size_tics(char *buf, size_t len, const unsigned *sizes, size_t n)
{
	snprintf(buf, len, "set xtics (");
	for (size_t i = 0; i < n; i++) {
		char t[32];
		ipl_fmt_size_long(t, sizeof t, sizes[i]);
		snprintf(buf + strlen(buf), len - strlen(buf), "%s\"%s\" %u", i ? ", " : "", t, sizes[i]);
	}
	snprintf(buf + strlen(buf), len - strlen(buf), ")\n");
	if (n == 1) /* one size: give the log axis some room around it */
		snprintf(buf + strlen(buf), len - strlen(buf), "set xrange [%g:%g]\n", sizes[0] / 2.0,
			 sizes[0] * 2.0);
}

static void gp_title(char *buf, size_t len, const char *what, const char *machine, const char *placement)
{
	snprintf(buf, len, "%s\n%s%s%s", what, machine, *machine && *placement ? " | " : "", placement);
}

/* The distinct labels of the groups passing keep, in order of appearance. */
static size_t labels_of(const struct ipl_plot_data *d, const struct sel *s, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!ipl_plot_keep(&d->g[i], s))
			continue;
		size_t j;
		for (j = 0; j < n && strcmp(out[j], d->g[i].label); j++)
			;
		if (j == n && n < max)
			out[n++] = d->g[i].label;
	}
	return n;
}

static const struct ipl_plot_group *find(const struct ipl_plot_data *d, const struct sel *s,
					 const char *label, const char *mode, unsigned size, unsigned clients)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct ipl_plot_group *g = &d->g[i];
		if (g->cpu_c == s->cpu_c && g->cpu_s == s->cpu_s && !strcmp(g->label, label) &&
		    !strcmp(g->mode, mode) && g->size == size && g->clients == clients)
			return g;
	}
	return NULL;
}

static void set_title_cmd(char *setup, size_t len, const char *title)
{
	char esc[1024];
	size_t k = 0;
	for (const char *s = title; *s && k < sizeof esc - 3; s++) {
		if (*s == '"' || *s == '\\')
			esc[k++] = '\\';
		if (*s == '\n') {
			esc[k++] = '\\';
			esc[k++] = 'n';
			continue;
		}
		esc[k++] = *s;
	}
	esc[k] = '\0';
	snprintf(setup + strlen(setup), len - strlen(setup), "set title \"%s\"\n", esc);
}

/* Dark, distinguishable colours on white (gnuplot's default set has a
 * yellow that disappears); a mechanism keeps its colour in every chart. */
static const char common_setup[] =
	"reset\nset grid xtics ytics mxtics mytics lc rgb '#dddddd'\n"
	"set key outside right top box opaque\nset border 3\nset tics nomirror\n"
	"set linetype 1 lc rgb '#1f77b4'\nset linetype 2 lc rgb '#d62728'\nset linetype 3 lc rgb '#2ca02c'\n"
	"set linetype 4 lc rgb '#ff7f0e'\nset linetype 5 lc rgb '#9467bd'\nset linetype 6 lc rgb '#8c564b'\n"
	"set linetype 7 lc rgb '#e377c2'\nset linetype 8 lc rgb '#17becf'\nset linetype 9 lc rgb '#7f7f7f'\n"
	"set linetype 10 lc rgb '#bcbd22'\nset linetype cycle 10\n";

void ipl_gp_setup(char *setup, size_t len, const char *what, const char *machine, const char *placement)
{
	char title[1024];
	snprintf(setup, len, "%s", common_setup);
	gp_title(title, sizeof title, what, machine, placement);
	set_title_cmd(setup, len, title);
}

/* The error bar of a latency point: the 95% confidence interval of its
 * p50 when the CSV has it (returns 1), else the spread of the p50 across
 * reps, from min_p50_ns..max_p50_ns or the reps themselves (returns 2). */
static int p50_bar(const struct ipl_plot_group *g, double *lo, double *hi)
{
	*lo = ipl_plot_median(g, IPL_PV_CI_LO);
	*hi = ipl_plot_median(g, IPL_PV_CI_HI);
	if (isfinite(*lo) && isfinite(*hi) && *lo <= *hi)
		return 1;
	*lo = ipl_plot_median(g, IPL_PV_MIN_P50);
	*hi = ipl_plot_median(g, IPL_PV_MAX_P50);
	if (isfinite(*lo) && isfinite(*hi) && *lo <= *hi)
		return 2;
	*lo = INFINITY;
	*hi = -INFINITY;
	for (unsigned i = 0; i < g->n; i++) {
		double v = g->v[i * IPL_PV_N + IPL_PV_P50];
		*lo = v < *lo ? v : *lo;
		*hi = v > *hi ? v : *hi;
	}
	return 2;
}

/* One label's latency points, "x p50 lo hi" in microseconds; *kinds gets
 * the bits of p50_bar's answers.  Returns whether there was a point. */
static int latency_points(FILE *f, struct plotter *p, const struct ipl_plot_data *d, const struct sel *s,
			  const char *label, const unsigned *sizes, size_t ns, double shift, unsigned *kinds)
{
	int any = 0;
	for (size_t i = 0; i < ns; i++) {
		const struct ipl_plot_group *g = find(d, s, label, "latency", sizes[i], s->clients);
		double p50 = g ? ipl_plot_median(g, IPL_PV_P50) : NAN, lo, hi;
		if (!isfinite(p50))
			continue;
		*kinds |= (unsigned)p50_bar(g, &lo, &hi);
		if (!isfinite(lo) || !isfinite(hi))
			lo = hi = p50;
		/* each series a little to the side of the true size, so the
		 * bars of several series do not cover each other */
		fprintf(f, "%.3f %.3f %.3f %.3f\n", sizes[i] * shift, p50 / 1e3, lo / 1e3, hi / 1e3);
		ipl_gp_yr_add(p, lo / 1e3);
		ipl_gp_yr_add(p, hi / 1e3);
		ipl_gp_yr_add(p, p50 / 1e3);
		any = 1;
	}
	return any;
}

static const char *bar_words(unsigned kinds)
{
	return kinds == 1 ? "bars: 95% confidence interval of the p50"
	     : kinds == 2 ? "bars: min..max p50 across reps"
			  : "bars: 95% CI of the p50, or min..max across reps where the CSV has no CI";
}

/* p50 against size per series, bars from p50_bar (p99 is the percentile
 * chart's: as a bar it dwarfed the differences between mechanisms). */
static void plot_latency_vs_size(struct plotter *p, const struct ipl_plot_data *d, struct sel s,
				 const char *suffix, const char *title_tail, const char *machine)
{
	s.mode = "latency";
	unsigned cls[64], sizes[64], index = 0, kinds = 0;
	if (!distinct(d, cls, 64, f_clients, ipl_plot_keep, &s))
		return;
	s.clients = cls[0]; /* the fewest clients: the latency one cares about */
	size_t ns = distinct(d, sizes, 64, f_size, ipl_plot_keep, &s);
	const char *labels[64];
	size_t nl = labels_of(d, &s, labels, 64);
	char dat[4096], cmd[16384] = "";
	FILE *f = ipl_gp_new_data(p, dat, sizeof dat);
	if (!f)
		return;
	for (size_t l = 0; l < nl; l++) {
		double shift = pow(1.07, (double)l - (double)(nl - 1) / 2.0);
		if (!latency_points(f, p, d, &s, labels[l], sizes, ns, shift, &kinds))
			continue;
		fprintf(f, "\n\n");
		ipl_gp_series(cmd, sizeof cmd, index == 0, index, "1:2:3:4", "yerrorlines",
			      ipl_gp_style_of(p, labels[l]), labels[l]);
		index++;
	}
	fclose(f);
	if (!index)
		return;
	strcat(cmd, "\n");
	char setup[4096] = "", what[256];
	snprintf(what, sizeof what,
		 "Round-trip latency vs message size: p50, %s (%u client%s; points spread sideways to "
		 "keep bars apart)",
		 bar_words(kinds), s.clients, s.clients == 1 ? "" : "s");
	ipl_gp_setup(setup, sizeof setup, what, machine, title_tail);
	strcat(setup, "set logscale xy\nset xlabel 'message size (bytes, log scale)'\n"
		      "set ylabel 'round-trip latency (microseconds, log scale)'\nset format y '%g'\n");
	size_tics(setup + strlen(setup), sizeof setup - strlen(setup), sizes, ns);
	strcat(setup, "set offsets graph 0.05, graph 0.05, 0, 0\n");
	ipl_gp_yr_set(p, setup, sizeof setup);
	char name[256];
	snprintf(name, sizeof name, "latency_vs_size%s", suffix);
	ipl_gp_draw(p, name, dat, setup, cmd);
}

static void plot_percentiles(struct plotter *p, const struct ipl_plot_data *d, struct sel s, unsigned want_size,
			     const char *suffix, const char *title_tail, const char *machine)
{
	s.mode = "latency";
	unsigned cls[64], sizes[64];
	if (!distinct(d, cls, 64, f_clients, ipl_plot_keep, &s))
		return;
	s.clients = cls[0];
	size_t ns = distinct(d, sizes, 64, f_size, ipl_plot_keep, &s);
	unsigned size = sizes[0];
	for (size_t i = 0; i < ns; i++)
		if (sizes[i] == (want_size ? want_size : 64))
			size = sizes[i];
	if (want_size && size != want_size)
		return; /* ipl_plot refused a --size not measured; here: not in this placement */
	s.size = size;
	const char *labels[64];
	size_t nl = labels_of(d, &s, labels, 64);
	char dat[4096];
	FILE *f = ipl_gp_new_data(p, dat, sizeof dat);
	if (!f)
		return;
	char cmd[16384] = "";
	unsigned index = 0;
	for (size_t l = 0; l < nl; l++) {
		const struct ipl_plot_group *g = find(d, &s, labels[l], "latency", size, s.clients);
		if (!g)
			continue;
		int any = 0;
		for (int k = 0; k < IPL_LADDER_N; k++) {
			double v = ipl_plot_median(g, IPL_PV_P50 + k);
			if (!isfinite(v))
				continue;
			fprintf(f, "%.6f %.3f\n", 1.0 / (1.0 - ipl_ladder[k] / 100.0), v / 1e3);
			ipl_gp_yr_add(p, v / 1e3);
			any = 1;
		}
		if (!any)
			continue;
		fprintf(f, "\n\n");
		ipl_gp_series(cmd, sizeof cmd, index == 0, index, "1:2", "linespoints",
			      ipl_gp_style_of(p, labels[l]), labels[l]);
		index++;
	}
	fclose(f);
	if (!index)
		return;
	strcat(cmd, "\n");
	char setup[4096] = "", what[160], sz[32];
	snprintf(what, sizeof what, "Latency distribution at %s (%u client%s): percentile ladder",
		 ipl_fmt_size_long(sz, sizeof sz, size), s.clients, s.clients == 1 ? "" : "s");
	ipl_gp_setup(setup, sizeof setup, what, machine, title_tail);
	strcat(setup, "set logscale xy\nset xrange [1.6:16000]\n"
		      "set xtics ('50%%' 2, '75%%' 4, '90%%' 10, '95%%' 20, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000)\n"
		      "set xlabel 'percentile (x = 1/(1-p), log scale)'\n"
		      "set ylabel 'round-trip latency (microseconds, log scale)'\nset format y '%g'\n");
	ipl_gp_yr_set(p, setup, sizeof setup);
	char name[256];
	snprintf(name, sizeof name, "percentiles_%u%s", size, suffix);
	ipl_gp_draw(p, name, dat, setup, cmd);
}

static void plot_throughput_vs_size(struct plotter *p, const struct ipl_plot_data *d, struct sel s,
				    const char *suffix, const char *title_tail, const char *machine)
{
	s.mode = NULL; /* throughput and stream */
	unsigned cls[64];
	if (!distinct(d, cls, 64, f_clients, ipl_plot_keep, &s))
		return;
	s.clients = cls[0];
	unsigned sizes[64];
	size_t ns = distinct(d, sizes, 64, f_size, ipl_plot_keep, &s);
	const char *labels[64];
	size_t nl = labels_of(d, &s, labels, 64);
	char dat[4096];
	FILE *f = ipl_gp_new_data(p, dat, sizeof dat);
	if (!f)
		return;
	char cmd[16384] = "";
	unsigned index = 0;
	static const char *const modes[] = { "throughput", "stream" };
	int both = 0;
	for (size_t i = 0; i < d->n; i++)
		both |= ipl_plot_keep(&d->g[i], &s) && !strcmp(d->g[i].mode, "stream");
	for (int m = 0; m < 2; m++)
		for (size_t l = 0; l < nl; l++) {
			int any = 0;
			for (size_t i = 0; i < ns; i++) {
				const struct ipl_plot_group *g =
					find(d, &s, labels[l], modes[m], sizes[i], s.clients);
				double v = g ? ipl_plot_median(g, IPL_PV_MBPS) : NAN;
				if (!(v > 0))
					continue;
				fprintf(f, "%u %.4f\n", sizes[i], v);
				ipl_gp_yr_add(p, v);
				any = 1;
			}
			if (!any)
				continue;
			fprintf(f, "\n\n");
			char t[96];
			snprintf(t, sizeof t, "%s%s%s", labels[l], both ? " " : "", both ? modes[m] : "");
			struct ipl_gp_style st = ipl_gp_style_of(p, labels[l]);
			st.dt += m == 1; /* stream: dashed one step further */
			ipl_gp_series(cmd, sizeof cmd, index == 0, index, "1:2", "linespoints", st, t);
			index++;
		}
	fclose(f);
	if (!index)
		return;
	strcat(cmd, "\n");
	char setup[4096] = "", what[160];
	snprintf(what, sizeof what, "Throughput vs message size (%u client%s; %s)", s.clients,
		 s.clients == 1 ? "" : "s",
		 both ? "solid: window of SINKs, dashed: one-way stream" : "window of SINKs in flight");
	ipl_gp_setup(setup, sizeof setup, what, machine, title_tail);
	strcat(setup,
	       "set logscale xy\nset xlabel 'message size (bytes, log scale)'\n"
	       "set ylabel 'throughput (MB/s = 10^6 payload bytes per second, log scale)'\nset format y '%g'\n");
	size_tics(setup + strlen(setup), sizeof setup - strlen(setup), sizes, ns);
	strcat(setup, "set offsets graph 0.05, graph 0.05, 0, 0\n");
	ipl_gp_yr_set(p, setup, sizeof setup);
	char name[256];
	snprintf(name, sizeof name, "throughput_vs_size%s", suffix);
	ipl_gp_draw(p, name, dat, setup, cmd);
}

/* Aggregate msgs/s vs clients, at the smallest size, for the throughput
 * mode (or latency when that is the only mode measured with 2+ counts). */
static int plot_vs_clients(struct plotter *p, const struct ipl_plot_data *d, struct sel s,
			   const char *suffix, const char *title_tail, const char *machine)
{
	static const char *const modes[] = { "throughput", "stream", "latency" };
	unsigned cls[64], sizes[64];
	size_t nc = 0;
	int m;
	for (m = 0; m < 3; m++) {
		s.mode = modes[m];
		nc = distinct(d, cls, 64, f_clients, ipl_plot_keep, &s);
		if (nc >= 2)
			break;
	}
	if (nc < 2)
		return 0;
	distinct(d, sizes, 64, f_size, ipl_plot_keep, &s);
	unsigned size = sizes[0]; /* the smallest: where per-message costs dominate */
	s.size = size;
	const char *labels[64];
	size_t nl = labels_of(d, &s, labels, 64);
	char dat[4096];
	FILE *f = ipl_gp_new_data(p, dat, sizeof dat);
	if (!f)
		return 0;
	char cmd[16384] = "";
	unsigned index = 0;
	for (size_t l = 0; l < nl; l++) {
		int any = 0;
		for (size_t i = 0; i < nc; i++) {
			const struct ipl_plot_group *g = find(d, &s, labels[l], modes[m], size, cls[i]);
			double v = g ? ipl_plot_median(g, IPL_PV_MPS) : NAN;
			if (!(v > 0))
				continue;
			fprintf(f, "%u %.1f\n", cls[i], v / 1e3);
			any = 1;
		}
		if (!any)
			continue;
		fprintf(f, "\n\n");
		ipl_gp_series(cmd, sizeof cmd, index == 0, index, "1:2", "linespoints",
			      ipl_gp_style_of(p, labels[l]), labels[l]);
		index++;
	}
	fclose(f);
	if (!index)
		return 0;
	strcat(cmd, "\n");
	char setup[4096] = "", what[160], sz[32];
	snprintf(what, sizeof what, "Client scaling: aggregate msgs/s vs client processes (%s, %s)",
		 modes[m], ipl_fmt_size_long(sz, sizeof sz, size));
	ipl_gp_setup(setup, sizeof setup, what, machine, title_tail);
	strcat(setup, "set xlabel 'client processes'\nset ylabel 'aggregate throughput (thousand msgs/s)'\n"
		      "set yrange [0:*]\nset offsets graph 0.05, graph 0.05, 0, 0\n");
	snprintf(setup + strlen(setup), sizeof setup - strlen(setup), "set xtics (");
	for (size_t i = 0; i < nc; i++)
		snprintf(setup + strlen(setup), sizeof setup - strlen(setup), "%s\"%u\" %u",
			 i ? ", " : "", cls[i], cls[i]);
	strcat(setup, ")\n");
	if (nc > 2 && cls[nc - 1] / (cls[0] ? cls[0] : 1) >= 8)
		strcat(setup, "set logscale x 2\n");
	char name[256];
	snprintf(name, sizeof name, "throughput_vs_clients%s", suffix);
	ipl_gp_draw(p, name, dat, setup, cmd);
	return 1;
}

/* The distinct offered rates of the load groups passing s, ascending. */
static size_t load_rates(const struct ipl_plot_data *d, const struct sel *s, double *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!ipl_plot_keep(&d->g[i], s) || !(d->g[i].rate > 0))
			continue;
		size_t j;
		for (j = 0; j < n && out[j] != d->g[i].rate; j++)
			;
		if (j == n && n < max)
			out[n++] = d->g[i].rate;
	}
	for (size_t i = 1; i < n; i++) /* insertion sort: a handful of rates */
		for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
			double t = out[j];
			out[j] = out[j - 1], out[j - 1] = t;
		}
	return n;
}

static const struct ipl_plot_group *find_load(const struct ipl_plot_data *d, const struct sel *s,
					      const char *label, double rate)
{
	for (size_t i = 0; i < d->n; i++)
		if (ipl_plot_keep(&d->g[i], s) && !strcmp(d->g[i].label, label) && d->g[i].rate == rate)
			return &d->g[i];
	return NULL;
}

/* Whether block b of a label's load series has the point of group g at
 * rate: 0 p50, 1 p99 (when measured), 2 the p50 of a rate not sustained. */
static int load_point(const struct ipl_plot_group *g, int b, double rate, double *us)
{
	double v = g ? ipl_plot_median(g, b == 1 ? IPL_PV_P99 : IPL_PV_P50) : NAN;
	if (b == 2 && g && ipl_load_sustained(rate, ipl_plot_median(g, IPL_PV_MPS)))
		return 0;
	*us = v / 1e3;
	return isfinite(v);
}

/* One label's load series into f, "rate us" lines, one block each for
 * p50, p99 and the rates not sustained, in that order, each only when it
 * has a point (an empty block would shift gnuplot's indices).  Returns the
 * bits of the blocks written (1 p50, 2 p99, 4 not sustained); 0 when there
 * is no p50 (nothing is written then). */
static unsigned load_blocks(FILE *f, struct plotter *p, const struct ipl_plot_data *d,
			    const struct sel *s, const char *label, const double *rates, size_t nr)
{
	unsigned written = 0;
	for (int b = 0; b < 3; b++) {
		for (size_t i = 0; i < nr; i++) {
			double us;
			if (!load_point(find_load(d, s, label, rates[i]), b, rates[i], &us))
				continue;
			fprintf(f, "%.3f %.3f\n", rates[i], us);
			ipl_gp_yr_add(p, us);
			written |= 1u << b;
		}
		if (!written) /* no p50: nothing for this label */
			return 0;
		if (written & (1u << b))
			fprintf(f, "\n\n");
	}
	return written;
}

/* Latency (p50 solid, p99 dashed) against offered msgs/s per mechanism,
 * for --mode load rows: the "hockey stick".  Rates not sustained ringed. */
static void plot_load(struct plotter *p, const struct ipl_plot_data *d, struct sel s, const char *suffix,
		      const char *title_tail, const char *machine)
{
	s.mode = "load";
	unsigned cls[64], sizes[64];
	if (!distinct(d, cls, 64, f_clients, ipl_plot_keep, &s))
		return;
	s.clients = cls[0];
	distinct(d, sizes, 64, f_size, ipl_plot_keep, &s);
	s.size = sizes[0];
	double rates[64];
	size_t nr = load_rates(d, &s, rates, 64);
	const char *labels[64];
	size_t nl = labels_of(d, &s, labels, 64);
	char dat[4096], cmd[16384] = "";
	FILE *f = ipl_gp_new_data(p, dat, sizeof dat);
	if (!f)
		return;
	unsigned index = 0;
	for (size_t l = 0; l < nl; l++) {
		char t[96];
		unsigned nb = load_blocks(f, p, d, &s, labels[l], rates, nr);
		if (!nb)
			continue;
		struct ipl_gp_style st = ipl_gp_style_of(p, labels[l]), st99 = st;
		unsigned c = st.lt;
		st99.dt = st.dt + 1; /* p99 dashed against its p50 */
		snprintf(t, sizeof t, "%s p50", labels[l]);
		ipl_gp_series(cmd, sizeof cmd, index == 0, index, "1:2", "linespoints", st, t);
		index++;
		if (nb & 2) {
			snprintf(t, sizeof t, "%s p99", labels[l]);
			ipl_gp_series(cmd, sizeof cmd, 0, index++, "1:2", "linespoints", st99, t);
		}
		if (nb & 4)
			snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd),
				 ", \\\n     dat index %u using 1:2 with points lt %u pt 6 ps 2.5 notitle",
				 index++, c);
	}
	fclose(f);
	if (!index)
		return;
	strcat(cmd, "\n");
	char setup[4096] = "", what[200], sz[32];
	snprintf(what, sizeof what,
		 "Latency under offered load (%s, %u client%s): p50 solid, p99 dashed, "
		 "ringed: not sustained (< 95%% achieved)",
		 ipl_fmt_size_long(sz, sizeof sz, s.size), s.clients, s.clients == 1 ? "" : "s");
	ipl_gp_setup(setup, sizeof setup, what, machine, title_tail);
	strcat(setup, "set logscale xy\nset xlabel 'offered load (msgs/s, all clients, log scale)'\n"
		      "set ylabel 'latency from intended send (microseconds, log scale)'\nset format y '%g'\n"
		      "set format x '%.0s%c'\nset offsets graph 0.05, graph 0.05, 0, 0\n");
	char name[256];
	ipl_gp_yr_set(p, setup, sizeof setup);
	snprintf(name, sizeof name, "latency_vs_load%s", suffix);
	ipl_gp_draw(p, name, dat, setup, cmd);
}

/* ---- running gnuplot --------------------------------------------------- */

/* The gnuplot to run: $IPCLAB_GNUPLOT or "gnuplot" found on PATH. */
static int find_gnuplot(char *out, size_t len)
{
	const char *env = getenv("IPCLAB_GNUPLOT");
	if (env && *env) {
		snprintf(out, len, "%s", env);
		return access(out, X_OK) == 0 ? 0 : -1;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(out, len, "%.*s/gnuplot", (int)n, n ? path : ".");
		if (access(out, X_OK) == 0)
			return 0;
		path += n + (path[n] == ':');
	}
	return -1;
}

static int run_gnuplot(const char *gnuplot, const char *script)
{
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* gnuplot dies with us (the death signal survives exec) */
		ipl_intr_child_setup(parent);
		execl(gnuplot, "gnuplot", script, (char *)NULL);
		fprintf(stderr, "ipclab plot: cannot run %s: %s\n", gnuplot, strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", dir);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0777) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(buf, 0777) < 0 && errno != EEXIST)
		return -1;
	struct stat st;
	return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/* Empties and removes the private directory (only files of ours in it). */
static void rm_tree(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	char path[4400];
	while (dp && (e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (dp)
		closedir(dp);
	rmdir(dir);
}

/* The file-name suffix and title tail of placement k of pl[0..npl). */
static void placement_names(const struct sel *pl, size_t npl, size_t k, char *suffix, size_t slen,
			    char *tail, size_t tlen)
{
	const char *name = ipl_placement_name(pl[k].cpu_c, pl[k].cpu_s);
	suffix[0] = '\0';
	if (npl > 1) {
		int unique = 1;
		for (size_t j = 0; j < npl; j++)
			if (j != k && !strcmp(ipl_placement_name(pl[j].cpu_c, pl[j].cpu_s), name))
				unique = 0;
		if (unique)
			snprintf(suffix, slen, "-%s", name);
		else
			snprintf(suffix, slen, "-%s-c%ds%d", name, pl[k].cpu_c, pl[k].cpu_s);
	}
	if (pl[k].cpu_c < 0 && pl[k].cpu_s < 0)
		snprintf(tail, tlen, "placement: unpinned");
	else
		snprintf(tail, tlen, "placement: client CPU %d, server CPU %d (%s)", pl[k].cpu_c,
			 pl[k].cpu_s, name);
}

/* Whether d has latency rows of placement s with a spin wait (1), or a
 * blocking one (0). */
static int has_latency(const struct ipl_plot_data *d, struct sel s, int spin)
{
	s.mode = "latency";
	s.spin = spin;
	for (size_t i = 0; i < d->n; i++)
		if (ipl_plot_keep(&d->g[i], &s))
			return 1;
	return 0;
}

/* The latency charts of one placement: spin and hybrid rows on charts of
 * their own ("_spin") when there are blocking rows too, since a mechanism
 * that polls answers in a fraction of the time and squashes the others. */
static void plot_latency(struct plotter *p, const struct ipl_plot_data *d, struct sel s,
			 const struct ipl_plot_opts *o, const char *suffix, const char *tail)
{
	int split = has_latency(d, s, 0) && has_latency(d, s, 1);
	for (int spin = 0; spin <= split; spin++) {
		char sfx[96], t[200];
		s.spin = split ? spin : -1;
		snprintf(sfx, sizeof sfx, "%s%s", spin ? "_spin" : "", suffix);
		snprintf(t, sizeof t, "%s%s", tail,
			 !split ? ""
			 : spin ? " | spin and hybrid waits"
				: " | blocking waits (spin: own chart)");
		if (o->charts & IPL_CHART_LATENCY)
			plot_latency_vs_size(p, d, s, sfx, t, d->machine);
		if (o->charts & IPL_CHART_PERCENTILES)
			plot_percentiles(p, d, s, (unsigned)o->want_size, sfx, t, d->machine);
	}
}

/* Every chart asked for, one set per CPU placement, into p's script. */
static void plot_all(struct plotter *p, const struct ipl_plot_data *d, const struct ipl_plot_opts *o)
{
	struct sel pl[32];
	size_t npl = 0;
	for (size_t i = 0; i < d->n; i++) {
		size_t j;
		for (j = 0; j < npl && (pl[j].cpu_c != d->g[i].cpu_c || pl[j].cpu_s != d->g[i].cpu_s); j++)
			;
		if (j == npl && npl < 32)
			pl[npl++] = (struct sel){ .cpu_c = d->g[i].cpu_c, .cpu_s = d->g[i].cpu_s, .spin = -1 };
	}
	int clients_plotted = 0;
	for (size_t k = 0; k < npl; k++) {
		char suffix[64], tail[128];
		placement_names(pl, npl, k, suffix, sizeof suffix, tail, sizeof tail);
		struct sel s = pl[k];
		plot_latency(p, d, s, o, suffix, tail);
		if (o->charts & IPL_CHART_THROUGHPUT)
			plot_throughput_vs_size(p, d, s, suffix, tail, d->machine);
		if (o->charts & IPL_CHART_CLIENTS)
			clients_plotted |= plot_vs_clients(p, d, s, suffix, tail, d->machine);
		if (o->charts & IPL_CHART_LOAD)
			plot_load(p, d, s, suffix, tail, d->machine);
		if (o->charts & IPL_CHART_FASTEST)
			ipl_plot_fastest(p, d, s, suffix, tail);
	}
	if (d->n && !clients_plotted && (o->charts & IPL_CHART_CLIENTS))
		fprintf(stderr, "ipclab plot: no client-scaling chart: the CSV has one client count per "
				"configuration (measure with --clients 1,2,4)\n");
}

/* Where the script and data go: a private directory (*made), or
 * --keep-script's, made if missing.  0, or -1 said on stderr. */
static int script_dir(const struct ipl_plot_opts *o, char *tmp, size_t len, int *made)
{
	const char *base = getenv("TMPDIR");
	*made = !o->keep;
	if (o->keep) {
		snprintf(tmp, len, "%s", o->keep);
		if (make_dirs(tmp) == 0)
			return 0;
		fprintf(stderr, "ipclab plot: cannot create '%s': %s\n", tmp, strerror(errno));
		return -1;
	}
	snprintf(tmp, len, "%s/ipclab-plot-%ld-XXXXXX", base && *base ? base : "/tmp", (long)getpid());
	if (mkdtemp(tmp))
		return 0;
	fprintf(stderr, "ipclab plot: cannot make a temporary directory: %s\n", strerror(errno));
	return -1;
}

/* The script for d and the samples files in a directory, run by gnuplot.
 * Returns the exit status. */
static int draw(const char *gnuplot, struct ipl_plot_data *d, const struct ipl_plot_opts *o, const int *is_samples)
{
	char tmp[4096], script[4200];
	int made, rc = 0;
	if (script_dir(o, tmp, sizeof tmp, &made) < 0)
		return 1;
	snprintf(script, sizeof script, "%s/plot.gp", tmp);
	struct plotter p = { .tmp = tmp, .outdir = o->outdir, .svg = o->svg, .runs = d->runs, .nruns = d->nruns };
	p.gp = fopen(script, "w");
	if (!p.gp) {
		fprintf(stderr, "ipclab plot: cannot write '%s': %s\n", script, strerror(errno));
		if (made)
			rmdir(tmp);
		return 1;
	}
	plot_all(&p, d, o);
	unsigned nsamples = 0;
	for (unsigned i = 0; i < o->nin; i++)
		nsamples += (unsigned)is_samples[i];
	for (unsigned i = 0; i < o->nin && rc == 0; i++)
		if (is_samples[i] && (o->charts & IPL_CHART_SAMPLES) &&
		    ipl_plot_samples(&p, o->in[i].path, nsamples > 1 ? o->in[i].label : NULL) < 0)
			rc = 1;
	if (fclose(p.gp) != 0) {
		fprintf(stderr, "ipclab plot: writing the gnuplot script failed\n");
		rc = 1;
	} else if (rc == 0 && !p.written) {
		fprintf(stderr, "ipclab plot: nothing to plot in '%s'\n", o->in[0].path);
		rc = 1;
	} else if (rc == 0 && run_gnuplot(gnuplot, script) < 0) {
		fprintf(stderr, "ipclab plot: gnuplot failed (script kept in %s)\n", script);
		rc = 1;
	}
	if (made && (rc == 0 || !p.written))
		rm_tree(tmp);
	return rc;
}

/* Series named "run: mechanism" when the user named a run or gave more
 * than one (a run's name is its label, file name, or file#N). */
static void name_series(struct ipl_plot_data *d, const struct ipl_plot_opts *o)
{
	int named = d->nruns > 1;
	for (unsigned i = 0; i < o->nin; i++)
		named |= o->in[i].named;
	for (size_t i = 0; named && i < d->n; i++) {
		char l[64];
		snprintf(l, sizeof l, "%.30s: %.30s", d->runs[d->g[i].run], d->g[i].label);
		snprintf(d->g[i].label, sizeof d->g[i].label, "%s", l);
	}
}

/* --size names a latency size that was measured: else exit 2, naming them. */
static int check_size(const struct ipl_plot_data *d, uint64_t want)
{
	char sizes[512] = "";
	unsigned seen[64];
	size_t n = 0;
	for (size_t i = 0; want && i < d->n; i++) {
		if (strcmp(d->g[i].mode, "latency"))
			continue;
		if (d->g[i].size == want)
			return 0;
		size_t j;
		for (j = 0; j < n && seen[j] != d->g[i].size; j++)
			;
		if (j == n && n < 64)
			seen[n++] = d->g[i].size;
	}
	if (!want)
		return 0;
	qsort(seen, n, sizeof seen[0], cmp_uint);
	for (size_t j = 0; j < n; j++)
		snprintf(sizes + strlen(sizes), sizeof sizes - strlen(sizes), "%s%u", j ? ", " : "", seen[j]);
	fprintf(stderr, "ipclab plot: --size %llu was not measured (latency sizes measured: %s)\n",
		(unsigned long long)want, n ? sizes : "none");
	return 2;
}

/* Reads every bench CSV of o into d (samples files only told apart). */
static int read_inputs(const struct ipl_plot_opts *o, struct ipl_plot_data *d, int *is_samples)
{
	char err[512];
	d->split = 1;
	for (unsigned i = 0; i < o->nin; i++) {
		is_samples[i] = ipl_plot_is_samples(o->in[i].path);
		if (is_samples[i])
			continue;
		if (ipl_plot_read_run(o->in[i].path, o->in[i].label, d, err, sizeof err) < 0) {
			fprintf(stderr, "ipclab plot: %s\n", err);
			return 1;
		}
	}
	if (d->skipped)
		fprintf(stderr, "ipclab plot: left out %u reps that failed or saw verification errors\n",
			d->skipped);
	name_series(d, o);
	return 0;
}

int ipl_plot(const struct ipl_plot_opts *o)
{
	char gnuplot[4096];
	int is_samples[IPL_PLOT_MAXIN] = { 0 };
	if (find_gnuplot(gnuplot, sizeof gnuplot) < 0) {
		fprintf(stderr,
			"ipclab plot: gnuplot is not installed (or %s is not executable): install it "
			"(Debian/Ubuntu: apt-get install gnuplot-nox; Fedora: dnf install gnuplot)\n",
			getenv("IPCLAB_GNUPLOT") && *getenv("IPCLAB_GNUPLOT") ? getenv("IPCLAB_GNUPLOT")
									      : "gnuplot");
		return 1;
	}
	struct ipl_plot_data d = { 0 };
	int rc = read_inputs(o, &d, is_samples);
	if (rc == 0 && d.n)
		rc = check_size(&d, o->want_size);
	if (rc == 0 && make_dirs(o->outdir) < 0) {
		fprintf(stderr, "ipclab plot: cannot create '%s': %s\n", o->outdir, strerror(errno));
		rc = 1;
	}
	if (rc == 0)
		rc = draw(gnuplot, &d, o, is_samples);
	ipl_plot_data_free(&d);
	return rc;
}
