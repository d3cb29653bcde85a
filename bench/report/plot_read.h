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
	IPL_PV_N
};

/* One configuration: its valid reps' values. */
struct ipl_plot_group {
	char label[64]; /* "tcp", "shm-spin", "tcp-raw" */
	char mode[16];
	int baseline;
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
};

/* Reads the CSV at path (written by `ipclab bench -f csv`, columns found by
 * their names in ipl_csv_columns, in any order) into d, which starts
 * zeroed.  Returns 0, or -1 with a message in err (no valid row, a
 * malformed row, not an ipclab CSV, out of memory).  Free d either way. */
int ipl_plot_read(const char *path, struct ipl_plot_data *d, char *err, size_t errlen);

/* Frees what ipl_plot_read allocated in d. */
void ipl_plot_data_free(struct ipl_plot_data *d);

/* Median over g's reps of value k (IPL_PV_*), or NaN when there is none. */
double ipl_plot_median(const struct ipl_plot_group *g, int k);

#endif
