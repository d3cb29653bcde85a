#include "common/hist.h"

#include <math.h>
#include <string.h>

void ipl_hist_init(struct ipl_hist *h)
{
	memset(h, 0, sizeof *h);
	h->min = UINT64_MAX;
}

size_t ipl_hist_index(uint64_t v)
{
	if (v < 2 * IPL_HIST_SUB)
		return (size_t)v;
	unsigned top = 63u - (unsigned)__builtin_clzll(v); /* >= SUB_BITS + 1 */
	if (top > IPL_HIST_TOP_BIT)
		return IPL_HIST_BUCKETS - 1;
	unsigned shift = top - IPL_HIST_SUB_BITS;
	uint64_t mant = v >> shift; /* in [SUB, 2*SUB) */
	return 2 * IPL_HIST_SUB + (size_t)(top - IPL_HIST_SUB_BITS - 1) * IPL_HIST_SUB +
	       (size_t)(mant - IPL_HIST_SUB);
}

void ipl_hist_bounds(size_t idx, uint64_t *lo, uint64_t *hi)
{
	if (idx < 2 * IPL_HIST_SUB) {
		*lo = *hi = idx;
		return;
	}
	size_t rel = idx - 2 * IPL_HIST_SUB;
	unsigned shift = (unsigned)(rel / IPL_HIST_SUB) + 1;
	uint64_t mant = IPL_HIST_SUB + rel % IPL_HIST_SUB;
	*lo = mant << shift;
	*hi = ((mant + 1) << shift) - 1;
}

void ipl_hist_record(struct ipl_hist *h, uint64_t ns)
{
	h->bucket[ipl_hist_index(ns)]++;
	h->count++;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
	h->sum += (double)ns;
	h->sumsq += (double)ns * (double)ns;
	if (h->trace) {
		if (h->trace->n < h->trace->cap)
			h->trace->v[h->trace->n++] = ns;
		else
			h->trace->dropped++;
	}
}

void ipl_hist_merge(struct ipl_hist *dst, const struct ipl_hist *src)
{
	if (!src->count)
		return;
	for (size_t i = 0; i < IPL_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	dst->sum += src->sum;
	dst->sumsq += src->sumsq;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t ipl_hist_percentile(const struct ipl_hist *h, double p)
{
	if (!h->count)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	/* the rank-th smallest sample, rank counted from 1 (nearest-rank) */
	/* the epsilon keeps 99.9% of 10000 at rank 9990, not 9991 (0.999 is inexact) */
	uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->count - 1e-7);
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (size_t i = 0; i < IPL_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t lo, hi;
			ipl_hist_bounds(i, &lo, &hi);
			uint64_t mid = lo + (hi - lo) / 2;
			if (mid < h->min)
				mid = h->min;
			if (mid > h->max)
				mid = h->max;
			return mid;
		}
	}
	return h->max;
}

double ipl_hist_mean(const struct ipl_hist *h)
{
	return h->count ? h->sum / (double)h->count : 0.0;
}

double ipl_hist_stddev(const struct ipl_hist *h)
{
	if (h->count < 2)
		return 0.0;
	double mean = ipl_hist_mean(h);
	double var = h->sumsq / (double)h->count - mean * mean;
	return var > 0 ? sqrt(var) : 0.0;
}
