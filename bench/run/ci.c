/* ci.c - 95% confidence intervals of a p50.
 *
 * Within one rep: latencies are skewed, multi-modal and far from normal, so
 * an interval from a mean and a standard deviation would be wrong.  The
 * order-statistic interval of a median needs no assumption about the
 * distribution at all: the number of samples below the true median is
 * Binomial(n, 1/2), so the samples of ranks n/2 -/+ 1.96 sqrt(n)/2 bracket
 * it with about 95% confidence for any distribution (the normal
 * approximation of that binomial; Campbell & Gardner, BMJ 1988).  It needs
 * only ranks, which a histogram keeps, so it costs no extra memory; each
 * rank is read as the outer edge of its bucket, so the interval is never
 * narrower than the histogram can resolve (1/128 of the value).
 *
 * Across reps: the samples of one rep are not independent of each other
 * (a busy spell slows a thousand in a row), so the reps, not the samples,
 * are what vary independently.  With 3 or more valid reps the row's
 * interval is a percentile bootstrap of the median of the reps' p50s, with
 * a fixed seed so the same results always print the same interval.  With 1
 * or 2 reps there is no spread to resample: the interval is that of the
 * rep's histogram, or the span of both reps' intervals (it holds their
 * mean, the row's p50, and the difference two reps cannot explain). */
#include "bench/run/ci.h"
#include "bench/run/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The value of the sample of rank rank (1..count) as the lower (upper = 0)
 * or upper edge of its bucket, kept within min..max. */
static double rank_edge(const struct ipl_hist *h, uint64_t rank, int upper)
{
	uint64_t seen = 0;
	for (size_t i = 0; i < IPL_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen < rank)
			continue;
		uint64_t lo, hi;
		ipl_hist_bounds(i, &lo, &hi);
		uint64_t v = upper ? hi : lo;
		v = v < h->min ? h->min : v > h->max ? h->max : v;
		return (double)v;
	}
	return (double)h->max;
}

static uint64_t clamp_rank(double r, uint64_t n)
{
	double k = floor(r + 0.5);
	return k < 1 ? 1 : k > (double)n ? n : (uint64_t)k;
}

int ipl_hist_p50_ci(const struct ipl_hist *h, double *lo, double *hi)
{
	*lo = *hi = NAN;
	if (!h->count)
		return -1;
	double n = (double)h->count, half = 1.96 * sqrt(n) / 2;
	*lo = rank_edge(h, clamp_rank(n / 2 - half, h->count), 0);
	*hi = rank_edge(h, clamp_rank(n / 2 + 1 + half, h->count), 1);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The median of the n values of s (reordered). */
static double median_of(double *s, size_t n)
{
	qsort(s, n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

int ipl_median_ci_bootstrap(const double *v, size_t n, unsigned resamples, uint64_t seed, double *lo, double *hi)
{
	*lo = *hi = NAN;
	if (!n || n > 1000 || !resamples || resamples > 100000)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return -1;
	double *s = malloc(n * sizeof *s), *m = malloc(resamples * sizeof *m);
	if (!s || !m) {
		free(s);
		free(m);
		return -1;
	}
	uint64_t state = seed;
	for (unsigned b = 0; b < resamples; b++) {
		for (size_t i = 0; i < n; i++)
			s[i] = v[splitmix64(&state) % n];
		m[b] = median_of(s, n);
	}
	qsort(m, resamples, sizeof *m, cmp_double);
	*lo = m[(size_t)floor(0.025 * (resamples - 1))];
	*hi = m[(size_t)ceil(0.975 * (resamples - 1))];
	/* a percentile bootstrap need not hold the median of an even count
	 * (an average of two values): the interval always holds the figure it
	 * is printed beside */
	memcpy(s, v, n * sizeof *s);
	double med = median_of(s, n);
	*lo = med < *lo ? med : *lo;
	*hi = med > *hi ? med : *hi;
	free(s);
	free(m);
	return 0;
}

struct ipl_ci ipl_row_p50_ci(const struct ipl_row *r)
{
	struct ipl_ci ci = { NAN, NAN, IPL_CI_NONE };
	double *p50 = calloc(r->nreps ? r->nreps : 1, sizeof *p50);
	size_t n = 0;
	for (unsigned k = 0; p50 && k < r->nreps; k++) {
		const struct ipl_run_result *x = &r->reps[k];
		if (!ipl_rep_valid(x) || !x->hist.count)
			continue;
		p50[n++] = ipl_rep_p50(x);
		double lo, hi;
		ipl_hist_p50_ci(&x->hist, &lo, &hi);
		ci.lo = isnan(ci.lo) || lo < ci.lo ? lo : ci.lo;
		ci.hi = isnan(ci.hi) || hi > ci.hi ? hi : ci.hi;
	}
	if (n >= IPL_CI_BOOT_MIN) {
		ipl_median_ci_bootstrap(p50, n, IPL_CI_RESAMPLES, IPL_CI_SEED, &ci.lo, &ci.hi);
		ci.method = isnan(ci.lo) ? IPL_CI_NONE : IPL_CI_BOOTSTRAP;
	} else if (n) {
		ci.method = IPL_CI_HISTOGRAM;
	}
	free(p50);
	return ci;
}

const char *ipl_ci_method_name(enum ipl_ci_method m)
{
	switch (m) {
	case IPL_CI_BOOTSTRAP: return "bootstrap";
	case IPL_CI_HISTOGRAM: return "histogram";
	case IPL_CI_NONE: break;
	}
	return "";
}
