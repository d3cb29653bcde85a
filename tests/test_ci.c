/* test_ci.c - the 95% confidence intervals of a p50 (bench/run/ci.c), on
 * histograms and reps whose answer can be worked out by hand. */
#include "bench/run/ci.h"
#include "bench/run/stats.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* 100 samples 1..100 ns, each counted exactly (< 256 ns).  n/2 = 50,
 * 1.96 sqrt(100)/2 = 9.8: ranks round(40.2) = 40 and round(60.8) = 61. */
static void test_hist_by_hand(void **state)
{
	(void)state;
	struct ipl_hist h;
	ipl_hist_init(&h);
	for (uint64_t v = 100; v >= 1; v--) /* the order they come in does not matter */
		ipl_hist_record(&h, v);
	double lo, hi;
	assert_int_equal(ipl_hist_p50_ci(&h, &lo, &hi), 0);
	assert_true(lo == 40.0);
	assert_true(hi == 61.0);
	assert_int_equal(ipl_hist_percentile(&h, 50), 50);
}

/* One sample: ranks clamp to 1..n, the interval is the sample. */
static void test_hist_one_sample(void **state)
{
	(void)state;
	struct ipl_hist h;
	ipl_hist_init(&h);
	ipl_hist_record(&h, 7);
	double lo, hi;
	assert_int_equal(ipl_hist_p50_ci(&h, &lo, &hi), 0);
	assert_true(lo == 7.0 && hi == 7.0);
}

/* Every sample 10000 ns: its bucket spans 9984..10047, but no sample is
 * outside min..max, so neither is the interval. */
static void test_hist_edges_kept_within_min_max(void **state)
{
	(void)state;
	struct ipl_hist h;
	ipl_hist_init(&h);
	for (int i = 0; i < 1000; i++)
		ipl_hist_record(&h, 10000);
	double lo, hi;
	assert_int_equal(ipl_hist_p50_ci(&h, &lo, &hi), 0);
	assert_true(lo == 10000.0 && hi == 10000.0);
}

/* 1000 samples at 1000 ns and 1000 at 5000 ns: the median's ranks (956..1045
 * of 2000) straddle the two values, so the interval spans both buckets'
 * outer edges: 1000 (the minimum) .. 5000 (the maximum). */
static void test_hist_two_modes(void **state)
{
	(void)state;
	struct ipl_hist h;
	ipl_hist_init(&h);
	for (int i = 0; i < 1000; i++) {
		ipl_hist_record(&h, 1000);
		ipl_hist_record(&h, 5000);
	}
	double lo, hi;
	assert_int_equal(ipl_hist_p50_ci(&h, &lo, &hi), 0);
	assert_true(lo == 1000.0 && hi == 5000.0);
}

/* Over wide buckets: the interval always holds the p50 the outputs print,
 * and stays within min..max. */
static void test_hist_holds_p50(void **state)
{
	(void)state;
	uint64_t seed = 42;
	for (int t = 0; t < 50; t++) {
		struct ipl_hist h;
		ipl_hist_init(&h);
		unsigned n = 1 + (unsigned)(t * 37 % 3000);
		for (unsigned i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			ipl_hist_record(&h, 300 + (seed >> 33) % (1000u + 5000u * (unsigned)t));
		}
		double lo, hi, p50 = (double)ipl_hist_percentile(&h, 50);
		assert_int_equal(ipl_hist_p50_ci(&h, &lo, &hi), 0);
		assert_true(lo <= p50 && p50 <= hi);
		assert_true(lo >= (double)h.min && hi <= (double)h.max);
	}
}

static void test_hist_empty(void **state)
{
	(void)state;
	struct ipl_hist h;
	ipl_hist_init(&h);
	double lo = 0, hi = 0;
	assert_int_equal(ipl_hist_p50_ci(&h, &lo, &hi), -1);
	assert_true(isnan(lo) && isnan(hi));
}

/* The median of 3 resampled values is the smallest with probability 7/27
 * (> 2.5%), the largest likewise: the interval is min..max. */
static void test_bootstrap_three(void **state)
{
	(void)state;
	const double v[3] = { 200, 100, 150 };
	double lo, hi, lo2, hi2;
	assert_int_equal(ipl_median_ci_bootstrap(v, 3, 2000, 1, &lo, &hi), 0);
	assert_true(lo == 100 && hi == 200);
	/* the same seed, the same interval; never outside the values */
	const double w[7] = { 10, 11, 12, 13, 14, 15, 100 };
	assert_int_equal(ipl_median_ci_bootstrap(w, 7, 2000, IPL_CI_SEED, &lo, &hi), 0);
	assert_int_equal(ipl_median_ci_bootstrap(w, 7, 2000, IPL_CI_SEED, &lo2, &hi2), 0);
	assert_true(lo == lo2 && hi == hi2);
	assert_true(lo >= 10 && lo <= 13 && hi >= 13 && hi < 100);
	assert_int_equal(ipl_median_ci_bootstrap(w, 0, 2000, 1, &lo, &hi), -1);
	const double bad[2] = { 1, NAN };
	assert_int_equal(ipl_median_ci_bootstrap(bad, 2, 2000, 1, &lo, &hi), -1);
}

/* A rep whose n samples are base, base+1, ... (base < 256 - n: exact). */
static void rep_with(struct ipl_run_result *x, uint64_t base, unsigned n)
{
	memset(x, 0, sizeof *x);
	ipl_hist_init(&x->hist);
	for (unsigned i = 0; i < n; i++)
		ipl_hist_record(&x->hist, base + i);
	x->msgs = n;
}

/* 1 rep: its histogram's interval; 2 reps: the span of both; 3 valid
 * reps: the bootstrap of their p50s; an invalid rep counts in none. */
static void test_row_methods(void **state)
{
	(void)state;
	struct ipl_run_result reps[4];
	struct ipl_row r = { .mode = IPL_MODE_LATENCY, .reps = reps };
	rep_with(&reps[0], 1, 100);   /* 1..100: p50 50, CI 40..61 */
	rep_with(&reps[1], 101, 100); /* 101..200: p50 150, CI 140..161 */
	rep_with(&reps[2], 51, 100);  /* 51..150: p50 100 */
	rep_with(&reps[3], 200, 50);
	reps[3].st.errors = 1; /* invalid: left out */

	r.nreps = 1;
	struct ipl_ci ci = ipl_row_p50_ci(&r);
	assert_int_equal(ci.method, IPL_CI_HISTOGRAM);
	assert_true(ci.lo == 40 && ci.hi == 61);

	r.nreps = 2;
	ci = ipl_row_p50_ci(&r);
	assert_int_equal(ci.method, IPL_CI_HISTOGRAM);
	assert_true(ci.lo == 40 && ci.hi == 161);
	double med = ipl_row_median(&r, ipl_rep_p50); /* (50 + 150) / 2 */
	assert_true(ci.lo <= med && med <= ci.hi);

	r.nreps = 4;
	ci = ipl_row_p50_ci(&r);
	assert_int_equal(ci.method, IPL_CI_BOOTSTRAP);
	assert_true(ci.lo == 50 && ci.hi == 150);
	assert_string_equal(ipl_ci_method_name(ci.method), "bootstrap");

	/* no latency samples (a throughput row): no interval */
	struct ipl_run_result t;
	memset(&t, 0, sizeof t);
	ipl_hist_init(&t.hist);
	t.msgs = 1000;
	struct ipl_row tr = { .mode = IPL_MODE_THROUGHPUT, .reps = &t, .nreps = 1 };
	ci = ipl_row_p50_ci(&tr);
	assert_int_equal(ci.method, IPL_CI_NONE);
	assert_true(isnan(ci.lo) && isnan(ci.hi));
	assert_string_equal(ipl_ci_method_name(ci.method), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_by_hand),
		cmocka_unit_test(test_hist_one_sample),
		cmocka_unit_test(test_hist_edges_kept_within_min_max),
		cmocka_unit_test(test_hist_two_modes),
		cmocka_unit_test(test_hist_holds_p50),
		cmocka_unit_test(test_hist_empty),
		cmocka_unit_test(test_bootstrap_three),
		cmocka_unit_test(test_row_methods),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
