/* run/stats.h - statistics across repetitions and sample counts (stats.c). */
#ifndef IPL_STATS_H
#define IPL_STATS_H

#include "bench/run/row.h"

/* Median, minimum and maximum of n values; n counts the finite ones used. */
struct ipl_spread {
	double median, min, max;
	unsigned n;
};

/* The spread of the finite values among v[0..n) (v is reordered).  All NaN
 * when none is finite. */
struct ipl_spread ipl_spread_of(double *v, size_t n);

/* (max - min) / median: 0.25 means the reps span 25% of the median. */
double ipl_spread_rel(const struct ipl_spread *s);

/* A rep counts in medians only when it completed with zero errors. */
int ipl_rep_valid(const struct ipl_run_result *r);

/* Per-rep statistics to hand to ipl_row_spread: p50 and p99 in ns (NaN when
 * the rep has too few samples, ipl_hist_pct_or_nan), msgs/s, MB/s, CPU ns
 * per message, context switches per message (as in ipl_run_result; NaN for
 * a rep that measured no message). */
double ipl_rep_p50(const struct ipl_run_result *r);
double ipl_rep_p99(const struct ipl_run_result *r);
double ipl_rep_mps(const struct ipl_run_result *r);
double ipl_rep_mbps(const struct ipl_run_result *r);
double ipl_rep_cpu(const struct ipl_run_result *r);
double ipl_rep_ctxsw(const struct ipl_run_result *r);
/* p50 for latency rows, msgs/s for the others: what a row is ranked by. */
double (*ipl_row_headline(const struct ipl_row *r))(const struct ipl_run_result *);

/* The spread across the row's valid reps of a per-rep statistic. */
struct ipl_spread ipl_row_spread(const struct ipl_row *r, double (*get)(const struct ipl_run_result *));
/* Median across valid reps (NaN when none is valid). */
double ipl_row_median(const struct ipl_row *r, double (*get)(const struct ipl_run_result *));

/* A load row's verdict on its offered rate (common/load.h): 1 when the
 * median achieved msgs/s of its valid reps is at least 95% of r->rate, 0
 * when it is not ("not sustained"), -1 for a row that is not a load row or
 * has no valid rep.  ipl_rep_sustained: the same for rep x of row r. */
int ipl_row_sustained(const struct ipl_row *r);
int ipl_rep_sustained(const struct ipl_row *r, const struct ipl_run_result *x);

/* Rebuilds r->merged from the valid reps only. */
void ipl_row_finish(struct ipl_row *r);

/* Reasons to distrust a row. */
enum ipl_warn {
	IPL_WARN_FAILED = 1u << 0,      /* a rep did not complete */
	IPL_WARN_ERRORS = 1u << 1,      /* a rep saw verification errors */
	IPL_WARN_SPREAD = 1u << 2,      /* reps disagree by more than IPL_SPREAD_WARN */
	IPL_WARN_FIRST_SLOW = 1u << 3,  /* the first rep was much slower than the rest */
	IPL_WARN_NO_VALID = 1u << 4,    /* no rep is valid: the row has no numbers */
	IPL_WARN_INTERRUPTED = 1u << 5, /* a rep was cut short by a stop signal */
};
#define IPL_SPREAD_WARN 0.25     /* (max-min)/median across reps */
#define IPL_FIRST_SLOW_WARN 1.30 /* first rep vs the median of the others */

/* Checks r; returns enum ipl_warn bits and, when text is not NULL, writes
 * one sentence per problem (each ending in '\n'). */
unsigned ipl_row_check(const struct ipl_row *r, char *text, size_t len);
/* One line of advice for the union of the rows' bits, or NULL; pinned:
 * every row ran pinned (--cpu), so pinning is not advised. */
const char *ipl_warn_hint(unsigned bits, int pinned);
/* "failed;errors;spread;first-slow;no-valid" for the bits set, or "". */
const char *ipl_warn_tokens(unsigned bits, char *buf, size_t len);

/* The framework's cost over the raw loop, in percent of the raw figure:
 * time per message framed / raw - 1, the median over rep pairs (framed k,
 * raw k ran back to back), or the ratio of the medians when the reps do not
 * pair up.  NaN when r has no baseline row. */
double ipl_row_overhead_pct(const struct ipl_report *rep, size_t row);

/* A percentile above the median is shown only with at least 10 samples
 * beyond it: p99 needs n >= 1000, p99.9 n >= 10000, p99.99 n >= 100000. */
int ipl_pct_supported(uint64_t n, double p);
/* The percentile p of h in ns, or NaN when h cannot support it. */
double ipl_hist_pct_or_nan(const struct ipl_hist *h, double p);

#endif
