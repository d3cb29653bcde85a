/* report/compare.h - `ipclab compare`: two saved runs matched row by row,
 * each difference with a 95% confidence interval and a verdict
 * (compare.c: statistics and matching; compare_load.c: reading the saved
 * JSON or CSV; compare_out.c: table, CSV, JSON, Markdown). */
#ifndef IPL_REPORT_COMPARE_H
#define IPL_REPORT_COMPARE_H

#include "bench/report/report.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IPL_CMP_MAX_REPS 256   /* reps read per row; more is refused */
#define IPL_CMP_MAX_ROWS 4096  /* rows read per file; more is refused */
#define IPL_CMP_RESAMPLES 2000 /* bootstrap resamples per row */
#define IPL_CMP_SEED 0x1b5c0a7e2d3f4a91ull

/* One row of a saved run: what it measured and its valid reps' figures. */
struct ipl_cmp_row {
	char mech[64];      /* "unix", "shm-spin": mechanism and wait */
	char mode[16];      /* "latency", "throughput", "stream", "load" */
	char placement[32]; /* "unpinned", "same-cpu(0)", ... */
	unsigned size, clients;
	double rate; /* load rows: the offered msgs/s, part of what the row is (0: not load) */
	unsigned nreps;
	double p50[IPL_CMP_MAX_REPS]; /* per valid rep, ns */
	double mps[IPL_CMP_MAX_REPS]; /* per valid rep, msgs/s */
	/* The row's merged latency histogram: count, min, p50, p75 (0: none). */
	double h_count, h_min, h_p50, h_p75;
};

/* 1 when rows of mode are judged by msgs/s (throughput, stream), 0 by p50
 * (latency, and load: its msgs/s is the rate it was offered). */
int ipl_cmp_mode_by_rate(const char *mode);

/* Environment and settings fields compared between the runs. */
#define IPL_CMP_ENV_N 12

/* One saved run. */
struct ipl_cmp_run {
	struct ipl_cmp_row *rows;
	size_t n, cap;
	char env_val[IPL_CMP_ENV_N][256]; /* "" when the file does not say */
};
extern const char *const ipl_cmp_env_names[IPL_CMP_ENV_N];

/* Reads a saved run (the JSON of `ipclab bench -f json`, or its CSV: by
 * the first non-blank byte) into run, which starts zeroed.  Returns 0, or
 * -1 with one line in err; free run either way with ipl_cmp_run_free. */
int ipl_cmp_load(const char *path, struct ipl_cmp_run *run, char *err, size_t errlen);
/* Frees what ipl_cmp_load allocated; run is zeroed. */
void ipl_cmp_run_free(struct ipl_cmp_run *run);

enum ipl_cmp_verdict { IPL_CMP_SAME, IPL_CMP_FASTER, IPL_CMP_SLOWER, IPL_CMP_UNKNOWN };
enum ipl_cmp_method { IPL_CMP_BOOTSTRAP, IPL_CMP_HISTOGRAM, IPL_CMP_NONE };

/* One matched pair, or a row found in one run only (the other NULL). */
struct ipl_cmp_line {
	const struct ipl_cmp_row *old, *new;
	int rate;      /* 1: the ratio is of msgs/s (throughput, stream); 0: of p50 (latency, load) */
	double ratio;  /* new/old of the deciding figure's medians */
	double lo, hi; /* its 95% interval (NaN: none) */
	enum ipl_cmp_method method;
	enum ipl_cmp_verdict verdict;
};

struct ipl_cmp_result {
	struct ipl_cmp_line *lines; /* matched pairs in OLD's order, then rows only in NEW */
	size_t n;
};

/* The 95% percentile-bootstrap interval of median(b)/median(a): iters
 * resamples of each (with replacement), from a splitmix64 stream seeded
 * with seed, so the same input always gives the same interval.  Needs
 * 1 <= na, nb <= IPL_CMP_MAX_REPS, 1 <= iters <= 100000 and positive
 * medians.  Returns 0, or -EINVAL (nothing written). */
int ipl_cmp_bootstrap(const double *a, size_t na, const double *b, size_t nb, unsigned iters,
		      uint64_t seed, double *lo, double *hi);

/* The median of the n values v (NaN for n = 0; v is not changed; at most
 * IPL_CMP_MAX_REPS of them are read). */
double ipl_cmp_median(const double *v, size_t n);

/* The verdict for a ratio interval [lo, hi]: no difference when it holds
 * 1; else slower or faster, reading ratios above 1 as slower for latency
 * (rate = 0) and as faster for msgs/s (rate = 1).  UNKNOWN for NaN. */
enum ipl_cmp_verdict ipl_cmp_verdict_of(double lo, double hi, int rate);

/* 1 when line is significantly slower by more than pct percent: per
 * message, the whole interval says new takes over (1 + pct/100) x old's
 * time (latency: lo > 1 + pct/100; msgs/s: hi < 1 / (1 + pct/100)). */
int ipl_cmp_slower_than(const struct ipl_cmp_line *line, double pct);

/* Matches old's rows with new's (by mechanism, size, mode, clients and
 * placement) and computes each pair's ratio, interval and verdict.
 * Returns 0 or -ENOMEM; free res with ipl_cmp_result_free. */
int ipl_cmp_match(const struct ipl_cmp_run *old, const struct ipl_cmp_run *new, struct ipl_cmp_result *res);
void ipl_cmp_result_free(struct ipl_cmp_result *res);

/* Writes into buf one line naming the environment and settings that differ
 * ("kernel: A -> B; window: 16 -> 1"), leaving out fields one of the files
 * does not carry; returns 0 when nothing differs. */
int ipl_cmp_env_diff(const struct ipl_cmp_run *old, const struct ipl_cmp_run *new, char *buf, size_t len);

/* Writes the comparison in fmt (table, csv, json or md), warning first when
 * the environments differ, each row with its interval's method. */
void ipl_cmp_write(FILE *f, const struct ipl_cmp_run *old, const struct ipl_cmp_run *new,
		   const struct ipl_cmp_result *res, enum ipl_format fmt);

/* "faster", "slower", "no difference", "n/a"; "bootstrap", "histogram", "none". */
const char *ipl_cmp_verdict_name(enum ipl_cmp_verdict v);
const char *ipl_cmp_method_name(enum ipl_cmp_method m);

#endif
