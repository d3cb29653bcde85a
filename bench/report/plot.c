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
#include "common/load.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

struct plotter {
	FILE *gp;        /* the script */
	const char *tmp; /* private directory for data files */
	const char *outdir;
	int svg;
	unsigned ndata;
	char labels[64][64]; /* every label, in order of appearance: fixes colours */
	unsigned nlabels;
	unsigned written;
};

static unsigned colour_of(struct plotter *p, const char *label)
{
	char base[64];
	snprintf(base, sizeof base, "%s", label);
	size_t l = strlen(base);
	if (l > 4 && !strcmp(base + l - 4, "-raw"))
		base[l - 4] = '\0'; /* a baseline shares its mechanism's colour */
	for (unsigned i = 0; i < p->nlabels; i++)
		if (!strcmp(p->labels[i], base))
			return i + 1;
	if (p->nlabels < 64)
		snprintf(p->labels[p->nlabels++], sizeof p->labels[0], "%s", base);
	return p->nlabels;
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

/* Opens a new data file in the private directory; *name receives its path. */
static FILE *new_data(struct plotter *p, char *name, size_t len)
{
	snprintf(name, len, "%s/d%u.dat", p->tmp, p->ndata++);
	return fopen(name, "w");
}

/* Emits the chart: setup, then `dat` = the data file (blocks separated by
 * two blank lines), then the plot command; once for PNG and once for SVG. */
static void gp_draw(struct plotter *p, const char *name, const char *dat, const char *setup, const char *plotcmd)
{
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

/* Appends `'DAT' index I using U with STYLE lt C dt D title "L"` to cmd. */
static void series(char *cmd, size_t len, int first, unsigned index, const char *using,
		   const char *style, unsigned colour, int dashed, const char *title)
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
	snprintf(cmd + used, len - used, "%sdat index %u using %s with %s lt %u lw 2 pt 7 ps 0.8 dt %d title %s",
		 first ? "plot " : ", \\\n     ", index, using, style, colour, dashed ? 2 : 1, qtitle);
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

struct sel {
	int cpu_c, cpu_s;
	const char *mode; /* NULL: throughput or stream (latency and load excluded) */
	unsigned clients; /* 0: any */
	unsigned size;    /* 0: any */
};

static int keep_sel(const struct ipl_plot_group *g, const void *arg)
{
	const struct sel *s = arg;
	if (g->cpu_c != s->cpu_c || g->cpu_s != s->cpu_s)
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
	snprintf(buf, len, "%s\n%s%s%s", what, machine, *machine ? " | " : "", placement);
}

/* The distinct labels of the groups passing keep, in order of appearance. */
static size_t labels_of(const struct ipl_plot_data *d, const struct sel *s, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!keep_sel(&d->g[i], s))
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

static void plot_latency_vs_size(struct plotter *p, const struct ipl_plot_data *d, struct sel s,
				 const char *suffix, const char *title_tail, const char *machine)
{
	s.mode = "latency";
	unsigned cls[64];
	if (!distinct(d, cls, 64, f_clients, keep_sel, &s))
		return;
	s.clients = cls[0]; /* the fewest clients: the latency one cares about */
	unsigned sizes[64];
	size_t ns = distinct(d, sizes, 64, f_size, keep_sel, &s);
	const char *labels[64];
	size_t nl = labels_of(d, &s, labels, 64);
	char dat[4096];
	FILE *f = new_data(p, dat, sizeof dat);
	if (!f)
		return;
	char cmd[16384] = "";
	unsigned index = 0;
	for (size_t l = 0; l < nl; l++) {
		int any = 0;
		for (size_t i = 0; i < ns; i++) {
			const struct ipl_plot_group *g = find(d, &s, labels[l], "latency", sizes[i], s.clients);
			double p50 = g ? ipl_plot_median(g, IPL_PV_P50) : NAN,
			       p99 = g ? ipl_plot_median(g, IPL_PV_P99) : NAN;
			if (!isfinite(p50))
				continue;
			/* each mechanism a little to the side of the true size, so
			 * the p99 bars of several mechanisms do not cover each other */
			double x = sizes[i] * pow(1.07, (double)l - (double)(nl - 1) / 2.0);
			fprintf(f, "%.3f %.3f %.3f %.3f\n", x, p50 / 1e3, p50 / 1e3,
				isfinite(p99) ? p99 / 1e3 : p50 / 1e3);
			any = 1;
		}
		if (!any)
			continue;
		fprintf(f, "\n\n");
		series(cmd, sizeof cmd, index == 0, index, "1:2:3:4", "yerrorlines",
		       colour_of(p, labels[l]), strstr(labels[l], "-raw") != NULL, labels[l]);
		index++;
	}
	fclose(f);
	if (!index)
		return;
	strcat(cmd, "\n");
	char setup[4096] = "", title[1024], what[128];
	strcat(setup, common_setup);
	snprintf(what, sizeof what,
		 "Round-trip latency vs message size: p50, bar up to p99 (%u client%s; "
		 "points spread sideways to keep bars apart)",
		 s.clients, s.clients == 1 ? "" : "s");
	gp_title(title, sizeof title, what, machine, title_tail);
	set_title_cmd(setup, sizeof setup, title);
	strcat(setup, "set logscale xy\nset xlabel 'message size (bytes, log scale)'\n"
		      "set ylabel 'round-trip latency (microseconds, log scale)'\nset format y '%g'\n");
	size_tics(setup + strlen(setup), sizeof setup - strlen(setup), sizes, ns);
	strcat(setup, "set offsets graph 0.05, graph 0.05, 0, 0\n");
	char name[256];
	snprintf(name, sizeof name, "latency_vs_size%s", suffix);
	gp_draw(p, name, dat, setup, cmd);
}

static void plot_percentiles(struct plotter *p, const struct ipl_plot_data *d, struct sel s, unsigned want_size,
			     const char *suffix, const char *title_tail, const char *machine)
{
	s.mode = "latency";
	unsigned cls[64], sizes[64];
	if (!distinct(d, cls, 64, f_clients, keep_sel, &s))
		return;
	s.clients = cls[0];
	size_t ns = distinct(d, sizes, 64, f_size, keep_sel, &s);
	unsigned size = sizes[0];
	for (size_t i = 0; i < ns; i++)
		if (sizes[i] == (want_size ? want_size : 64))
			size = sizes[i];
	if (want_size && size != want_size)
		fprintf(stderr, "ipclab plot: no latency rows at %u bytes; the percentile chart uses %u\n",
			want_size, size);
	s.size = size;
	const char *labels[64];
	size_t nl = labels_of(d, &s, labels, 64);
	char dat[4096];
	FILE *f = new_data(p, dat, sizeof dat);
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
			any = 1;
		}
		if (!any)
			continue;
		fprintf(f, "\n\n");
		series(cmd, sizeof cmd, index == 0, index, "1:2", "linespoints", colour_of(p, labels[l]),
		       strstr(labels[l], "-raw") != NULL, labels[l]);
		index++;
	}
	fclose(f);
	if (!index)
		return;
	strcat(cmd, "\n");
	char setup[4096] = "", title[1024], what[160], sz[32];
	strcat(setup, common_setup);
	snprintf(what, sizeof what, "Latency distribution at %s (%u client%s): percentile ladder",
		 ipl_fmt_size_long(sz, sizeof sz, size), s.clients, s.clients == 1 ? "" : "s");
	gp_title(title, sizeof title, what, machine, title_tail);
	set_title_cmd(setup, sizeof setup, title);
	strcat(setup, "set logscale xy\nset xrange [1.6:16000]\n"
		      "set xtics ('50%%' 2, '75%%' 4, '90%%' 10, '95%%' 20, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000)\n"
		      "set xlabel 'percentile (x = 1/(1-p), log scale)'\n"
		      "set ylabel 'round-trip latency (microseconds, log scale)'\nset format y '%g'\n");
	char name[256];
	snprintf(name, sizeof name, "percentiles_%u%s", size, suffix);
	gp_draw(p, name, dat, setup, cmd);
}

static void plot_throughput_vs_size(struct plotter *p, const struct ipl_plot_data *d, struct sel s,
				    const char *suffix, const char *title_tail, const char *machine)
{
	s.mode = NULL; /* throughput and stream */
	unsigned cls[64];
	if (!distinct(d, cls, 64, f_clients, keep_sel, &s))
		return;
	s.clients = cls[0];
	unsigned sizes[64];
	size_t ns = distinct(d, sizes, 64, f_size, keep_sel, &s);
	const char *labels[64];
	size_t nl = labels_of(d, &s, labels, 64);
	char dat[4096];
	FILE *f = new_data(p, dat, sizeof dat);
	if (!f)
		return;
	char cmd[16384] = "";
	unsigned index = 0;
	static const char *const modes[] = { "throughput", "stream" };
	int both = 0;
	for (size_t i = 0; i < d->n; i++)
		both |= keep_sel(&d->g[i], &s) && !strcmp(d->g[i].mode, "stream");
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
				any = 1;
			}
			if (!any)
				continue;
			fprintf(f, "\n\n");
			char t[96];
			snprintf(t, sizeof t, "%s%s%s", labels[l], both ? " " : "", both ? modes[m] : "");
			series(cmd, sizeof cmd, index == 0, index, "1:2", "linespoints",
			       colour_of(p, labels[l]), m == 1 || strstr(labels[l], "-raw") != NULL, t);
			index++;
		}
	fclose(f);
	if (!index)
		return;
	strcat(cmd, "\n");
	char setup[4096] = "", title[1024], what[160];
	strcat(setup, common_setup);
	snprintf(what, sizeof what, "Throughput vs message size (%u client%s; %s)", s.clients,
		 s.clients == 1 ? "" : "s",
		 both ? "solid: window of SINKs, dashed: one-way stream" : "window of SINKs in flight");
	gp_title(title, sizeof title, what, machine, title_tail);
	set_title_cmd(setup, sizeof setup, title);
	strcat(setup,
	       "set logscale xy\nset xlabel 'message size (bytes, log scale)'\n"
	       "set ylabel 'throughput (MB/s = 10^6 payload bytes per second, log scale)'\nset format y '%g'\n");
	size_tics(setup + strlen(setup), sizeof setup - strlen(setup), sizes, ns);
	strcat(setup, "set offsets graph 0.05, graph 0.05, 0, 0\n");
	char name[256];
	snprintf(name, sizeof name, "throughput_vs_size%s", suffix);
	gp_draw(p, name, dat, setup, cmd);
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
		nc = distinct(d, cls, 64, f_clients, keep_sel, &s);
		if (nc >= 2)
			break;
	}
	if (nc < 2)
		return 0;
	distinct(d, sizes, 64, f_size, keep_sel, &s);
	unsigned size = sizes[0]; /* the smallest: where per-message costs dominate */
	s.size = size;
	const char *labels[64];
	size_t nl = labels_of(d, &s, labels, 64);
	char dat[4096];
	FILE *f = new_data(p, dat, sizeof dat);
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
		series(cmd, sizeof cmd, index == 0, index, "1:2", "linespoints", colour_of(p, labels[l]),
		       strstr(labels[l], "-raw") != NULL, labels[l]);
		index++;
	}
	fclose(f);
	if (!index)
		return 0;
	strcat(cmd, "\n");
	char setup[4096] = "", title[1024], what[160], sz[32];
	strcat(setup, common_setup);
	snprintf(what, sizeof what, "Client scaling: aggregate msgs/s vs client processes (%s, %s)",
		 modes[m], ipl_fmt_size_long(sz, sizeof sz, size));
	gp_title(title, sizeof title, what, machine, title_tail);
	set_title_cmd(setup, sizeof setup, title);
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
	gp_draw(p, name, dat, setup, cmd);
	return 1;
}

/* The distinct offered rates of the load groups passing s, ascending. */
static size_t load_rates(const struct ipl_plot_data *d, const struct sel *s, double *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!keep_sel(&d->g[i], s) || !(d->g[i].rate > 0))
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
		if (keep_sel(&d->g[i], s) && !strcmp(d->g[i].label, label) && d->g[i].rate == rate)
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
static unsigned load_blocks(FILE *f, const struct ipl_plot_data *d, const struct sel *s,
			    const char *label, const double *rates, size_t nr)
{
	unsigned written = 0;
	for (int b = 0; b < 3; b++) {
		for (size_t i = 0; i < nr; i++) {
			double us;
			if (!load_point(find_load(d, s, label, rates[i]), b, rates[i], &us))
				continue;
			fprintf(f, "%.3f %.3f\n", rates[i], us);
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
	if (!distinct(d, cls, 64, f_clients, keep_sel, &s))
		return;
	s.clients = cls[0];
	distinct(d, sizes, 64, f_size, keep_sel, &s);
	s.size = sizes[0];
	double rates[64];
	size_t nr = load_rates(d, &s, rates, 64);
	const char *labels[64];
	size_t nl = labels_of(d, &s, labels, 64);
	char dat[4096], cmd[16384] = "";
	FILE *f = new_data(p, dat, sizeof dat);
	if (!f)
		return;
	unsigned index = 0;
	for (size_t l = 0; l < nl; l++) {
		char t[96];
		unsigned nb = load_blocks(f, d, &s, labels[l], rates, nr);
		if (!nb)
			continue;
		unsigned c = colour_of(p, labels[l]);
		snprintf(t, sizeof t, "%s p50", labels[l]);
		series(cmd, sizeof cmd, index == 0, index, "1:2", "linespoints", c, 0, t);
		index++;
		if (nb & 2) {
			snprintf(t, sizeof t, "%s p99", labels[l]);
			series(cmd, sizeof cmd, 0, index++, "1:2", "linespoints", c, 1, t);
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
	char setup[4096] = "", title[1024], what[200], sz[32];
	strcat(setup, common_setup);
	snprintf(what, sizeof what,
		 "Latency under offered load (%s, %u client%s): p50 solid, p99 dashed, "
		 "ringed: not sustained (< 95%% achieved)",
		 ipl_fmt_size_long(sz, sizeof sz, s.size), s.clients, s.clients == 1 ? "" : "s");
	gp_title(title, sizeof title, what, machine, title_tail);
	set_title_cmd(setup, sizeof setup, title);
	strcat(setup, "set logscale xy\nset xlabel 'offered load (msgs/s, all clients, log scale)'\n"
		      "set ylabel 'latency from intended send (microseconds, log scale)'\nset format y '%g'\n"
		      "set format x '%.0s%c'\nset offsets graph 0.05, graph 0.05, 0, 0\n");
	char name[256];
	snprintf(name, sizeof name, "latency_vs_load%s", suffix);
	gp_draw(p, name, dat, setup, cmd);
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

static void rm_tree(const char *dir, unsigned ndata)
{
	char path[4200];
	for (unsigned i = 0; i < ndata; i++) {
		snprintf(path, sizeof path, "%s/d%u.dat", dir, i);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/plot.gp", dir);
	unlink(path);
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
			pl[npl++] = (struct sel){ .cpu_c = d->g[i].cpu_c, .cpu_s = d->g[i].cpu_s };
	}
	int clients_plotted = 0;
	for (size_t k = 0; k < npl; k++) {
		char suffix[64], tail[128];
		placement_names(pl, npl, k, suffix, sizeof suffix, tail, sizeof tail);
		struct sel s = { .cpu_c = pl[k].cpu_c, .cpu_s = pl[k].cpu_s };
		if (o->charts & IPL_CHART_LATENCY)
			plot_latency_vs_size(p, d, s, suffix, tail, d->machine);
		if (o->charts & IPL_CHART_PERCENTILES)
			plot_percentiles(p, d, s, (unsigned)o->want_size, suffix, tail, d->machine);
		if (o->charts & IPL_CHART_THROUGHPUT)
			plot_throughput_vs_size(p, d, s, suffix, tail, d->machine);
		if (o->charts & IPL_CHART_CLIENTS)
			clients_plotted |= plot_vs_clients(p, d, s, suffix, tail, d->machine);
		if (o->charts & IPL_CHART_LOAD)
			plot_load(p, d, s, suffix, tail, d->machine);
	}
	if (!clients_plotted && (o->charts & IPL_CHART_CLIENTS))
		fprintf(stderr, "ipclab plot: no client-scaling chart: the CSV has one client count per "
				"configuration (measure with --clients 1,2,4)\n");
}

/* The script for d in a private directory, run by gnuplot.  Returns the
 * exit status. */
static int draw(const char *gnuplot, const struct ipl_plot_data *d, const struct ipl_plot_opts *o)
{
	char tmp[4096], script[4200];
	const char *base = getenv("TMPDIR");
	snprintf(tmp, sizeof tmp, "%s/ipclab-plot-%ld-XXXXXX", base && *base ? base : "/tmp", (long)getpid());
	if (!mkdtemp(tmp)) {
		fprintf(stderr, "ipclab plot: cannot make a temporary directory: %s\n", strerror(errno));
		return 1;
	}
	snprintf(script, sizeof script, "%s/plot.gp", tmp);
	struct plotter p = { .tmp = tmp, .outdir = o->outdir, .svg = o->svg };
	p.gp = fopen(script, "w");
	if (!p.gp) {
		fprintf(stderr, "ipclab plot: cannot write '%s': %s\n", script, strerror(errno));
		rmdir(tmp);
		return 1;
	}
	plot_all(&p, d, o);
	int rc = 0;
	if (fclose(p.gp) != 0) {
		fprintf(stderr, "ipclab plot: writing the gnuplot script failed\n");
		rc = 1;
	} else if (!p.written) {
		fprintf(stderr, "ipclab plot: nothing to plot in '%s'\n", o->csv);
		rc = 1;
	} else if (run_gnuplot(gnuplot, script) < 0) {
		fprintf(stderr, "ipclab plot: gnuplot failed (script kept in %s)\n", script);
		rc = 1;
	}
	if (rc == 0 || !p.written)
		rm_tree(tmp, p.ndata);
	return rc;
}

int ipl_plot(const struct ipl_plot_opts *opts)
{
	struct ipl_plot_opts o = *opts;
	int rc = 0;
	char gnuplot[4096], err[512];
	if (find_gnuplot(gnuplot, sizeof gnuplot) < 0) {
		fprintf(stderr,
			"ipclab plot: gnuplot is not installed (or %s is not executable): install it "
			"(Debian/Ubuntu: apt-get install gnuplot-nox; Fedora: dnf install gnuplot)\n",
			getenv("IPCLAB_GNUPLOT") && *getenv("IPCLAB_GNUPLOT") ? getenv("IPCLAB_GNUPLOT")
									      : "gnuplot");
		return 1;
	}
	struct ipl_plot_data d = { 0 };
	if (ipl_plot_read(o.csv, &d, err, sizeof err) < 0) {
		fprintf(stderr, "ipclab plot: %s\n", err);
		rc = 1;
	} else if (d.skipped) {
		fprintf(stderr, "ipclab plot: left out %u reps that failed or saw verification errors\n",
			d.skipped);
	}
	if (rc == 0 && make_dirs(o.outdir) < 0) {
		fprintf(stderr, "ipclab plot: cannot create '%s': %s\n", o.outdir, strerror(errno));
		rc = 1;
	}
	if (rc == 0)
		rc = draw(gnuplot, &d, &o);
	ipl_plot_data_free(&d);
	return rc;
}
