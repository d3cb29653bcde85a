/* plot_fastest.c - `ipclab plot`'s fastest_by_size chart: the question
 * users come with, "which mechanism should I use for messages of N bytes?",
 * answered per measured size as the mechanism with the lowest median p50
 * (latency rows) and the one with the highest median MB/s (throughput and
 * stream rows), as a labelled bar chart and as fastest_by_size.txt, a small
 * table a script (or a test) can read.  Baselines (-raw) are not
 * candidates: they are the kernel's floor, not a mechanism one can pick. */
#include "bench/report/plot_int.h"
#include "bench/report/plot.h"
#include "bench/run/fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAXSIZES 64

struct best {
	unsigned size;
	char lat[64], tp[64]; /* "" when none */
	double p50_us, mbps;
};

/* The entry of size in b (added, sizes kept ascending); NULL when full. */
static struct best *best_at(struct best *b, size_t *n, unsigned size)
{
	size_t i;
	for (i = 0; i < *n && b[i].size < size; i++)
		;
	if (i < *n && b[i].size == size)
		return &b[i];
	if (*n == MAXSIZES)
		return NULL;
	memmove(&b[i + 1], &b[i], (*n - i) * sizeof *b);
	(*n)++;
	memset(&b[i], 0, sizeof *b);
	b[i].size = size;
	return &b[i];
}

/* The fewest clients among d's groups of placement s and mode (NULL:
 * throughput or stream): the configuration the other charts draw too. */
static unsigned fewest_clients(const struct ipl_plot_data *d, struct sel s, const char *mode)
{
	unsigned c = 0;
	s.mode = mode;
	for (size_t i = 0; i < d->n; i++)
		if (ipl_plot_keep(&d->g[i], &s) && (!c || d->g[i].clients < c))
			c = d->g[i].clients;
	return c;
}

/* Fills b with the winners at each size; returns how many sizes. */
static size_t winners(const struct ipl_plot_data *d, struct sel s, struct best *b)
{
	size_t n = 0;
	for (int tp = 0; tp < 2; tp++) {
		s.mode = tp ? NULL : "latency";
		s.clients = fewest_clients(d, s, s.mode);
		for (size_t i = 0; s.clients && i < d->n; i++) {
			const struct ipl_plot_group *g = &d->g[i];
			if (!ipl_plot_keep(g, &s) || g->baseline)
				continue;
			double v = ipl_plot_median(g, tp ? IPL_PV_MBPS : IPL_PV_P50);
			struct best *e = v > 0 ? best_at(b, &n, g->size) : NULL;
			if (!e)
				continue;
			if (!tp && (!e->lat[0] || v / 1e3 < e->p50_us)) {
				snprintf(e->lat, sizeof e->lat, "%s", g->label);
				e->p50_us = v / 1e3;
			} else if (tp && (!e->tp[0] || v > e->mbps)) {
				snprintf(e->tp, sizeof e->tp, "%.50s%s", g->label,
					 strcmp(g->mode, "stream") ? "" : " (stream)");
				e->mbps = v;
			}
		}
	}
	return n;
}

/* fastest_by_size[SUFFIX].txt: one line per size. */
static void write_table(const struct plotter *p, const char *suffix, const struct best *b, size_t n)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/fastest_by_size%s.txt", p->outdir, suffix);
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "ipclab plot: cannot write '%s'\n", path);
		return;
	}
	fprintf(f, "# fastest mechanism at each size: lowest median p50 (latency rows), highest median\n"
		   "# MB/s (throughput and stream rows); baselines left out; -: not measured\n");
	fprintf(f, "%-10s  %-24s  %10s  %-24s  %10s\n", "size_bytes", "lowest_p50", "p50_us",
		"highest_mb_per_s", "mb_per_s");
	for (size_t i = 0; i < n; i++) {
		char us[32] = "-", mb[32] = "-";
		if (b[i].lat[0])
			snprintf(us, sizeof us, "%.3f", b[i].p50_us);
		if (b[i].tp[0])
			snprintf(mb, sizeof mb, "%.2f", b[i].mbps);
		fprintf(f, "%-10u  %-24s  %10s  %-24s  %10s\n", b[i].size, b[i].lat[0] ? b[i].lat : "-",
			us, b[i].tp[0] ? b[i].tp : "-", mb);
	}
	fclose(f);
	printf("%s\n", path);
}

/* A label as a gnuplot data string: no double quote inside. */
static void put_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fputc(*s == '"' ? '\'' : *s, f);
	fputc('"', f);
}

/* Block 0: "size value mechanism" of the latency winners, block 1 the
 * throughput ones, each written only when it has a line. */
static unsigned write_data(FILE *f, const struct best *b, size_t n)
{
	unsigned blocks = 0;
	for (int tp = 0; tp < 2; tp++) {
		for (size_t i = 0; i < n; i++) {
			if (!(tp ? b[i].tp : b[i].lat)[0])
				continue;
			char sz[32];
			put_label(f, ipl_fmt_size_long(sz, sizeof sz, b[i].size));
			fprintf(f, " %.4f ", tp ? b[i].mbps : b[i].p50_us);
			put_label(f, tp ? b[i].tp : b[i].lat);
			fputc('\n', f);
			blocks |= 1u << tp;
		}
		if (blocks & (1u << tp))
			fputs("\n\n", f);
	}
	return blocks;
}

static void bars(char *cmd, size_t len, unsigned index, unsigned lt, const char *ylabel)
{
	snprintf(cmd + strlen(cmd), len - strlen(cmd),
		 "set ylabel '%s'\nset yrange [0:*]\n"
		 "plot dat index %u using 0:2:xtic(1) with boxes lt %u fs solid 0.5 notitle, \\\n"
		 "     dat index %u using 0:2:3 with labels offset 0,0.8 notitle\n",
		 ylabel, index, lt, index);
}

void ipl_plot_fastest(struct plotter *p, const struct ipl_plot_data *d, struct sel s, const char *suffix,
		      const char *title_tail)
{
	struct best b[MAXSIZES];
	size_t n = winners(d, s, b);
	if (!n)
		return;
	write_table(p, suffix, b, n);
	char dat[4096], cmd[4096] = "", setup[4096], name[256];
	FILE *f = ipl_gp_new_data(p, dat, sizeof dat);
	if (!f)
		return;
	unsigned blocks = write_data(f, b, n);
	fclose(f);
	ipl_gp_setup(setup, sizeof setup, "Fastest mechanism at each size (median over valid reps)",
		     d->machine, title_tail);
	strcat(setup, "set style fill solid 0.5\nset boxwidth 0.6\nset xlabel 'message size'\n"
		      "set offsets 0.5, 0.5, graph 0.12, 0\nset key off\n");
	if (blocks == 3)
		strcat(cmd, "set multiplot layout 2,1\n");
	if (blocks & 1)
		bars(cmd, sizeof cmd, 0, 1, "lowest p50 round trip (microseconds)");
	if (blocks == 3)
		strcat(cmd, "unset title\n");
	if (blocks & 2)
		bars(cmd, sizeof cmd, blocks == 3, 3, "highest throughput (MB/s)");
	if (blocks == 3)
		strcat(cmd, "unset multiplot\n");
	snprintf(name, sizeof name, "fastest_by_size%s", suffix);
	ipl_gp_draw(p, name, dat, setup, cmd);
}
