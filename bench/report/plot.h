/* report/plot.h - `ipclab plot`'s drawing (plot.c): a benchmark CSV as
 * gnuplot charts, one set per CPU placement. */
#ifndef IPL_REPORT_PLOT_H
#define IPL_REPORT_PLOT_H

#include <stdint.h>

enum ipl_chart {
	IPL_CHART_LATENCY = 1u << 0,     /* latency_vs_size */
	IPL_CHART_PERCENTILES = 1u << 1, /* percentiles_SIZE */
	IPL_CHART_THROUGHPUT = 1u << 2,  /* throughput_vs_size */
	IPL_CHART_CLIENTS = 1u << 3,     /* throughput_vs_clients */
	IPL_CHART_LOAD = 1u << 4,        /* latency_vs_load */
	IPL_CHART_ALL = 31,
};

/* What to draw: from which CSV, into which directory (made if missing). */
struct ipl_plot_opts {
	const char *csv, *outdir;
	uint64_t want_size; /* the percentile chart's size; 0: 64 if measured, else the smallest */
	int svg;            /* SVG files beside the PNGs */
	unsigned charts;    /* enum ipl_chart bits */
};

/* Reads o->csv and runs gnuplot on the charts o asks for.  Says what went
 * wrong on stderr ("ipclab plot: ..."); returns the exit status of `ipclab
 * plot`: 0, or 1 (no gnuplot, an unreadable CSV, nothing to plot, gnuplot
 * failed). */
int ipl_plot(const struct ipl_plot_opts *o);

#endif
