/* report/plot_int.h - what the chart files of `ipclab plot` share: the
 * gnuplot script being written (plot.c) and the helpers the charts in
 * plot_fastest.c and plot_samples.c draw with.  Not a public interface. */
#ifndef IPL_REPORT_PLOT_INT_H
#define IPL_REPORT_PLOT_INT_H

#include "bench/report/plot_read.h"

#include <stdio.h>

struct plotter {
	FILE *gp;        /* the script */
	const char *tmp; /* directory for data files (private, or --keep-script's) */
	const char *outdir;
	int svg;
	unsigned ndata;
	char mechs[64][64]; /* mechanisms in order of appearance: fixes colours */
	unsigned nmechs;
	char shown[64][64]; /* series labels in order of appearance: fixes point types */
	unsigned nshown;
	char (*runs)[48]; /* the runs' names (ipl_plot_data.runs), for dash patterns */
	unsigned nruns;
	double ylo, yhi; /* the current chart's y values (ipl_gp_yr_add) */
	unsigned written;
};

struct ipl_gp_style {
	unsigned lt, pt, dt; /* linetype (colour), pointtype, dashtype */
};

/* The charts' selection of groups: one placement, one mode, ... */
struct sel {
	int cpu_c, cpu_s;
	const char *mode; /* NULL: throughput or stream (latency and load excluded) */
	unsigned clients; /* 0: any */
	unsigned size;    /* 0: any */
	int spin;         /* -1 any, 0 block waits only, 1 spin and hybrid only */
};

int ipl_plot_keep(const struct ipl_plot_group *g, const void *sel);

struct ipl_gp_style ipl_gp_style_of(struct plotter *p, const char *label);
void ipl_gp_yr_add(struct plotter *p, double v);
/* Appends `set yrange` fitted to the values added, and forgets them. */
void ipl_gp_yr_set(struct plotter *p, char *setup, size_t len);

/* A new data file in p->tmp; *name receives its path. */
FILE *ipl_gp_new_data(struct plotter *p, char *name, size_t len);

/* The colours and grid every chart starts from, then the title (what,
 * machine, placement) into setup. */
void ipl_gp_setup(char *setup, size_t len, const char *what, const char *machine, const char *placement);

/* Appends one `dat index I using U with STYLE ... title "T"` to cmd. */
void ipl_gp_series(char *cmd, size_t len, int first, unsigned index, const char *using,
		   const char *style, struct ipl_gp_style st, const char *title);

/* The chart NAME (.png, and .svg): setup, the data file dat (renamed to
 * NAME.dat beside the script), then plotcmd. */
void ipl_gp_draw(struct plotter *p, const char *name, const char *dat, const char *setup, const char *plotcmd);

/* fastest_by_size[SUFFIX].png and .txt (plot_fastest.c). */
void ipl_plot_fastest(struct plotter *p, const struct ipl_plot_data *d, struct sel s, const char *suffix,
		      const char *title_tail);

/* Whether path is a --samples file: its first line that is not a "# "
 * comment is "rep,index,latency_ns" (plot_samples.c). */
int ipl_plot_is_samples(const char *path);

/* samples_timeseries[-LABEL] from a --samples file; 0, or -1 with a
 * message on stderr (plot_samples.c). */
int ipl_plot_samples(struct plotter *p, const char *path, const char *label);

#endif
