/* run/ci.h - 95% confidence intervals of a p50 (ci.c): within one rep from
 * its histogram, and for a row across its valid reps. */
#ifndef IPL_CI_H
#define IPL_CI_H

#include "bench/run/row.h"

#include <stddef.h>
#include <stdint.h>

/* How a row's interval was found (what the outputs name it). */
enum ipl_ci_method {
	IPL_CI_NONE,      /* no valid rep with a latency histogram: no interval */
	IPL_CI_HISTOGRAM, /* 1-2 valid reps: the span of their histogram intervals */
	IPL_CI_BOOTSTRAP, /* >= IPL_CI_BOOT_MIN valid reps: bootstrap of the median of their p50s */
};

#define IPL_CI_BOOT_MIN 3         /* valid reps from which the row's interval is a bootstrap */
#define IPL_CI_RESAMPLES 2000     /* bootstrap resamples */
#define IPL_CI_SEED 0x5eed20c1ull /* fixed: the same reps always give the same interval */

/* A 95% interval in ns (both NaN: none). */
struct ipl_ci {
	double lo, hi;
	enum ipl_ci_method method;
};

/* The 95% interval of the median of h's samples: the order statistics of
 * ranks round(n/2 - 0.98 sqrt(n)) and round(n/2 + 1 + 0.98 sqrt(n))
 * (clamped to 1..n), each read from the histogram as the outer edge of its
 * bucket (lower edge for lo, upper edge for hi, kept within min..max).
 * Returns 0, or -1 with both NaN for an empty histogram.  lo <= the p50 of
 * ipl_hist_percentile(h, 50) <= hi always. */
int ipl_hist_p50_ci(const struct ipl_hist *h, double *lo, double *hi);

/* The 95% percentile-bootstrap interval of the median of v[0..n): resamples
 * of n drawn with replacement, from a splitmix64 stream seeded with seed;
 * widened to hold the median of v itself.  n in 1..1000.  Returns 0, or
 * -1 (bad n, NaN in v, no memory) with both NaN. */
int ipl_median_ci_bootstrap(const double *v, size_t n, unsigned resamples, uint64_t seed, double *lo,
			    double *hi);

/* The interval of a row's p50 (the median of its valid reps' p50s; see
 * ci.c for the method). */
struct ipl_ci ipl_row_p50_ci(const struct ipl_row *r);

/* "bootstrap", "histogram", or "" for none. */
const char *ipl_ci_method_name(enum ipl_ci_method m);

#endif
