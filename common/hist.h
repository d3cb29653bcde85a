/* hist.h - log-linear latency histogram in nanoseconds (HdrHistogram-style).
 *
 * Values below 256 ns are counted exactly; above, each power of two is cut
 * into 128 equal buckets, so a bucket is at most 1/128 of its value wide.
 * Percentiles report the bucket midpoint: relative error <= 0.4%.  The range
 * reaches 2^48 ns (~78 hours); larger values are counted in the top bucket.
 * Memory is fixed (~43 KiB) whatever the sample count.  min, max, mean and
 * stddev are exact, not bucketed.
 */
#ifndef IPL_HIST_H
#define IPL_HIST_H

#include <stddef.h>
#include <stdint.h>

#define IPL_HIST_SUB_BITS 7
#define IPL_HIST_SUB (1u << IPL_HIST_SUB_BITS)
#define IPL_HIST_TOP_BIT 47
#define IPL_HIST_BUCKETS (2 * IPL_HIST_SUB + (IPL_HIST_TOP_BIT - IPL_HIST_SUB_BITS) * IPL_HIST_SUB)

/* Every value recorded into a histogram, in order (`ipclab bench
 * --samples`): the first cap are kept in v, the rest only counted in
 * dropped, so its memory is what its owner chose.  The owner allocates it
 * (in memory shared with the process that records, if another). */
struct ipl_hist_trace {
	uint64_t cap, n, dropped;
	uint64_t v[];
};

struct ipl_hist {
	uint64_t count;
	uint64_t min, max;
	double sum, sumsq; /* for mean and stddev */
	uint64_t bucket[IPL_HIST_BUCKETS];
	/* NULL (ipl_hist_init), or where ipl_hist_record also appends each
	 * value; not carried by ipl_hist_merge */
	struct ipl_hist_trace *trace;
};

void ipl_hist_init(struct ipl_hist *h);
void ipl_hist_record(struct ipl_hist *h, uint64_t ns);
/* Adds every sample of src to dst. */
void ipl_hist_merge(struct ipl_hist *dst, const struct ipl_hist *src);
/* The value at percentile p (0..100): 0 for an empty histogram. */
uint64_t ipl_hist_percentile(const struct ipl_hist *h, double p);
double ipl_hist_mean(const struct ipl_hist *h);
double ipl_hist_stddev(const struct ipl_hist *h);

/* Bucket index of a value, and the value range a bucket covers. */
size_t ipl_hist_index(uint64_t ns);
void ipl_hist_bounds(size_t idx, uint64_t *lo, uint64_t *hi);

#endif
