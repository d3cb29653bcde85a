/* test_hist.c - the latency histogram: percentiles of known sample sets
 * within the stated error, exact min/max/mean/stddev, merge. */
#include "common/hist.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

/* 0.4% stated error, plus one ns for rounding of tiny values */
static void assert_close(uint64_t got, uint64_t want)
{
	double err = fabs((double)got - (double)want);
	if (err > (double)want * 0.004 + 1) {
		print_error("got %llu want %llu\n", (unsigned long long)got, (unsigned long long)want);
		fail();
	}
}

static void uniform_ladder(void **state)
{
	(void)state;
	struct ipl_hist *h = malloc(sizeof *h);
	ipl_hist_init(h);
	for (uint64_t v = 1; v <= 100000; v++)
		ipl_hist_record(h, v * 10); /* 10 ns .. 1 ms */
	assert_int_equal(h->count, 100000);
	assert_int_equal(h->min, 10);
	assert_int_equal(h->max, 1000000);
	assert_close(ipl_hist_percentile(h, 50), 500000);
	assert_close(ipl_hist_percentile(h, 90), 900000);
	assert_close(ipl_hist_percentile(h, 99), 990000);
	assert_close(ipl_hist_percentile(h, 99.9), 999000);
	assert_int_equal(ipl_hist_percentile(h, 100), 1000000);
	assert_int_equal(ipl_hist_percentile(h, 0), 10);
	assert_true(fabs(ipl_hist_mean(h) - 500005.0) < 1e-6);
	/* stddev of 10*U{1..n} = 10*sqrt((n^2-1)/12) */
	assert_true(fabs(ipl_hist_stddev(h) - 10.0 * sqrt((1e10 - 1) / 12.0)) < 1.0);
	free(h);
}

static void exact_below_256(void **state)
{
	(void)state;
	struct ipl_hist *h = malloc(sizeof *h);
	ipl_hist_init(h);
	for (int i = 0; i < 3; i++)
		ipl_hist_record(h, 100);
	ipl_hist_record(h, 200);
	assert_int_equal(ipl_hist_percentile(h, 50), 100);
	assert_int_equal(ipl_hist_percentile(h, 75), 100);
	assert_int_equal(ipl_hist_percentile(h, 76), 200);
	free(h);
}

/* Every bucket is at most 1/128 of its lower bound wide and buckets tile. */
static void bucket_geometry(void **state)
{
	(void)state;
	uint64_t prev_hi = 0;
	for (size_t i = 0; i < IPL_HIST_BUCKETS; i++) {
		uint64_t lo, hi;
		ipl_hist_bounds(i, &lo, &hi);
		if (i)
			assert_true(lo == prev_hi + 1);
		assert_true((double)(hi - lo + 1) <= (double)lo / 128.0 + 1);
		assert_int_equal(ipl_hist_index(lo), i);
		assert_int_equal(ipl_hist_index(hi), i);
		prev_hi = hi;
	}
	/* values past the range land in the top bucket instead of overflowing */
	assert_int_equal(ipl_hist_index(UINT64_MAX), IPL_HIST_BUCKETS - 1);
}

static void heavy_tail(void **state)
{
	(void)state;
	struct ipl_hist *h = malloc(sizeof *h);
	ipl_hist_init(h);
	for (int i = 0; i < 9990; i++)
		ipl_hist_record(h, 5000);
	for (int i = 0; i < 10; i++)
		ipl_hist_record(h, 3000000);
	assert_close(ipl_hist_percentile(h, 99.9), 5000);
	assert_close(ipl_hist_percentile(h, 99.91), 3000000);
	assert_int_equal(h->max, 3000000);
	free(h);
}

static void merge_equals_recording_both(void **state)
{
	(void)state;
	struct ipl_hist *a = malloc(sizeof *a), *b = malloc(sizeof *b), *all = malloc(sizeof *all);
	ipl_hist_init(a);
	ipl_hist_init(b);
	ipl_hist_init(all);
	srand(7);
	for (int i = 0; i < 50000; i++) {
		uint64_t v = (uint64_t)(rand() % 1000000) + 1;
		ipl_hist_record(i % 3 ? a : b, v);
		ipl_hist_record(all, v);
	}
	ipl_hist_merge(a, b);
	assert_int_equal(a->count, all->count);
	assert_int_equal(a->min, all->min);
	assert_int_equal(a->max, all->max);
	double ps[] = { 1, 50, 90, 99, 99.9, 99.99 };
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(ipl_hist_percentile(a, ps[i]), ipl_hist_percentile(all, ps[i]));
	assert_true(fabs(ipl_hist_mean(a) - ipl_hist_mean(all)) < 1e-6);
	free(a);
	free(b);
	free(all);
}

static void empty(void **state)
{
	(void)state;
	struct ipl_hist *h = malloc(sizeof *h);
	ipl_hist_init(h);
	assert_int_equal(ipl_hist_percentile(h, 50), 0);
	assert_true(ipl_hist_mean(h) == 0.0);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uniform_ladder),
		cmocka_unit_test(exact_below_256),
		cmocka_unit_test(bucket_geometry),
		cmocka_unit_test(heavy_tail),
		cmocka_unit_test(merge_equals_recording_both),
		cmocka_unit_test(empty),
	};
	return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
