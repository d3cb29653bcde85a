/* report/plot_read.h - the benchmark CSV read back for `ipclab plot`
 * (plot_read.c): reps grouped by configuration, ready to reduce to medians. */
#ifndef IPL_REPORT_PLOT_READ_H
#define IPL_REPORT_PLOT_READ_H

#include <stddef.h>

/* The values kept per rep: the percentile ladder (facts.h), then rates. */
enum {
	IPL_PV_P50,
	IPL_PV_P75,
	IPL_PV_P90,
	IPL_PV_P95,
	IPL_PV_P99,
	IPL_PV_P999,
	IPL_PV_P9999,
	IPL_PV_MPS,
	IPL_PV_MBPS,
	IPL_PV_CI_LO,   /* median_p50_ci95_lo_ns: NaN in files without it */
	IPL_PV_CI_HI,   /* median_p50_ci95_hi_ns */
	IPL_PV_MIN_P50, /* min_p50_ns, max_p50_ns: the configuration's spread */
	IPL_PV_MAX_P50,
	IPL_PV_N
};

#define IPL_PLOT_MAXRUNS 16

/* One configuration: its valid reps' values. */
struct ipl_plot_group {
	char label[64]; /* "tcp", "shm-spin", "tcp-raw" */
	char mode[16];
	int baseline;
	int spin;     /* wait spin or hybrid: a CPU burnt polling */
	unsigned run; /* which run (ipl_plot_data.runs) it came from */
	unsigned size, clients;
	double rate; /* load rows: offered msgs/s (0: not a load row) */
	int cpu_c, cpu_s;
	unsigned n, cap;
	double *v; /* n reps x IPL_PV_N values; NaN: not measured */
};

struct ipl_plot_data {
	struct ipl_plot_group *g;
	size_t n, cap;
	char machine[256];
	unsigned skipped; /* reps left out: failed or with errors */
	int has_ci;       /* some file had the p50 confidence-interval columns */
	int split;        /* a repeated header line starts a new run (plot); else merged */
	char runs[IPL_PLOT_MAXRUNS][48]; /* run names, for ipl_plot_read_run */
	unsigned nruns;
	char base[48];    /* the file being read: its run's name, and */
	unsigned section; /* how many header lines it had so far */
};

/* Reads the CSV at path (written by `ipclab bench -f csv`, columns found by
 * their names in ipl_csv_columns, in any order) into d, which starts
 * zeroed.  Returns 0, or -1 with a message in err (no valid row, a
 * malformed row, not an ipclab CSV, out of memory).  Free d either way. */
int ipl_plot_read(const char *path, struct ipl_plot_data *d, char *err, size_t errlen);

/* ipl_plot_read for one run of several: the groups read are tagged with a
 * new run named name (d->runs).  With d->split, each repeated header line
 * in the file starts another run, "name#2", "name#3" (the first becomes
 * "name#1").  Returns 0, or -1 with a message in err (also: too many runs). */
int ipl_plot_read_run(const char *path, const char *name, struct ipl_plot_data *d, char *err, size_t errlen);

/* Frees what ipl_plot_read allocated in d. */
void ipl_plot_data_free(struct ipl_plot_data *d);

/* Median over g's reps of value k (IPL_PV_*), or NaN when there is none. */
double ipl_plot_median(const struct ipl_plot_group *g, int k);

#endif
