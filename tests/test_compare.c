/* test_compare.c - the statistics of `ipclab compare` (bench/report/
 * compare.c) and its JSON reader (json_read.c): the seeded bootstrap
 * interval on known samples, the verdict and the --fail-if-slower rule in
 * both directions (latency and msgs/s), row matching, and the reader's
 * refusals of malformed text. */
#include "bench/report/compare.h"
#include "bench/report/json_read.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const double base[] = { 100, 103, 98, 101, 99, 102, 100 };
#define NB (sizeof base / sizeof base[0])

static void median_odd_even(void **state)
{
	(void)state;
	const double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 };
	assert_true(ipl_cmp_median(odd, 3) == 3);
	assert_true(ipl_cmp_median(even, 4) == 2.5);
	assert_true(odd[0] == 5); /* the input is not sorted in place */
}

static void bootstrap_same_holds_one(void **state)
{
	(void)state;
	double lo, hi;
	assert_int_equal(ipl_cmp_bootstrap(base, NB, base, NB, 2000, 42, &lo, &hi), 0);
	assert_true(lo <= 1 && hi >= 1);
	assert_true(lo > 0.9 && hi < 1.1);
	assert_int_equal(ipl_cmp_verdict_of(lo, hi, 0), IPL_CMP_SAME);
}

static void bootstrap_deterministic(void **state)
{
	(void)state;
	const double b[] = { 104, 99, 107, 101, 103 };
	double lo1, hi1, lo2, hi2;
	assert_int_equal(ipl_cmp_bootstrap(base, NB, b, 5, 2000, IPL_CMP_SEED, &lo1, &hi1), 0);
	assert_int_equal(ipl_cmp_bootstrap(base, NB, b, 5, 2000, IPL_CMP_SEED, &lo2, &hi2), 0);
	assert_true(lo1 == lo2 && hi1 == hi2);
	assert_true(lo1 <= hi1);
}

static void bootstrap_shifted(void **state)
{
	(void)state;
	double slow[NB], lo, hi;
	for (size_t i = 0; i < NB; i++)
		slow[i] = base[i] * 1.5;
	assert_int_equal(ipl_cmp_bootstrap(base, NB, slow, NB, 2000, 7, &lo, &hi), 0);
	assert_true(lo > 1.4 && lo < 1.5 && hi > 1.5 && hi < 1.6);
	assert_int_equal(ipl_cmp_verdict_of(lo, hi, 0), IPL_CMP_SLOWER);
	/* the same ratio of msgs/s is faster */
	assert_int_equal(ipl_cmp_verdict_of(lo, hi, 1), IPL_CMP_FASTER);
}

static void bootstrap_constant(void **state)
{
	(void)state;
	const double a[] = { 100, 100, 100 }, b[] = { 110, 110 };
	double lo, hi;
	assert_int_equal(ipl_cmp_bootstrap(a, 3, b, 2, 500, 1, &lo, &hi), 0);
	assert_true(fabs(lo - 1.1) < 1e-12 && fabs(hi - 1.1) < 1e-12);
}

static void bootstrap_refuses(void **state)
{
	(void)state;
	const double zero[] = { 0, 0, 0 };
	double lo = -1, hi = -1;
	assert_int_equal(ipl_cmp_bootstrap(base, 0, base, NB, 100, 1, &lo, &hi), -EINVAL);
	assert_int_equal(ipl_cmp_bootstrap(base, NB, base, NB, 0, 1, &lo, &hi), -EINVAL);
	assert_int_equal(ipl_cmp_bootstrap(base, IPL_CMP_MAX_REPS + 1, base, NB, 100, 1, &lo, &hi), -EINVAL);
	assert_int_equal(ipl_cmp_bootstrap(zero, 3, base, NB, 100, 1, &lo, &hi), -EINVAL);
	assert_true(lo == -1 && hi == -1);
}

static void verdicts(void **state)
{
	(void)state;
	assert_int_equal(ipl_cmp_verdict_of(0.95, 1.05, 0), IPL_CMP_SAME);
	assert_int_equal(ipl_cmp_verdict_of(1.0, 1.2, 0), IPL_CMP_SAME); /* the interval reaches 1 */
	assert_int_equal(ipl_cmp_verdict_of(0.8, 1.0, 1), IPL_CMP_SAME);
	assert_int_equal(ipl_cmp_verdict_of(1.01, 1.2, 0), IPL_CMP_SLOWER);
	assert_int_equal(ipl_cmp_verdict_of(0.8, 0.99, 0), IPL_CMP_FASTER);
	assert_int_equal(ipl_cmp_verdict_of(0.8, 0.99, 1), IPL_CMP_SLOWER);
	assert_int_equal(ipl_cmp_verdict_of(1.01, 1.2, 1), IPL_CMP_FASTER);
	assert_int_equal(ipl_cmp_verdict_of(NAN, NAN, 0), IPL_CMP_UNKNOWN);
	assert_string_equal(ipl_cmp_verdict_name(IPL_CMP_SAME), "no difference");
}

static void gate(void **state)
{
	(void)state;
	struct ipl_cmp_row r = { 0 };
	struct ipl_cmp_line lat = { .old = &r, .new = &r, .rate = 0, .lo = 1.2, .hi = 1.4, .verdict = IPL_CMP_SLOWER };
	assert_true(ipl_cmp_slower_than(&lat, 10));
	assert_false(ipl_cmp_slower_than(&lat, 25)); /* could be only 20% slower */
	/* msgs/s at 0.8x old at best: each message takes 1.25x the time */
	struct ipl_cmp_line rate = { .old = &r, .new = &r, .rate = 1, .lo = 0.7, .hi = 0.8, .verdict = IPL_CMP_SLOWER };
	assert_true(ipl_cmp_slower_than(&rate, 20));
	assert_false(ipl_cmp_slower_than(&rate, 30));
	struct ipl_cmp_line same = { .old = &r, .new = &r, .lo = 0.9, .hi = 1.5, .verdict = IPL_CMP_SAME };
	assert_false(ipl_cmp_slower_than(&same, 0));
	struct ipl_cmp_line only = { .old = &r, .lo = 2, .hi = 3, .verdict = IPL_CMP_SLOWER };
	assert_false(ipl_cmp_slower_than(&only, 0));
}

static void fill(struct ipl_cmp_row *r, const char *mech, double f)
{
	snprintf(r->mech, sizeof r->mech, "%s", mech);
	snprintf(r->mode, sizeof r->mode, "latency");
	snprintf(r->placement, sizeof r->placement, "unpinned");
	r->size = 64;
	r->clients = 1;
	r->nreps = NB;
	for (size_t i = 0; i < NB; i++) {
		r->p50[i] = base[i] * f;
		r->mps[i] = 1e9 / r->p50[i];
	}
}

static void matching(void **state)
{
	(void)state;
	struct ipl_cmp_row o[2], n[2];
	memset(o, 0, sizeof o);
	memset(n, 0, sizeof n);
	fill(&o[0], "pipe", 1);
	fill(&o[1], "unix", 1);
	fill(&n[0], "tcp", 1);
	fill(&n[1], "pipe", 1.5);
	struct ipl_cmp_run a = { .rows = o, .n = 2 }, b = { .rows = n, .n = 2 };
	struct ipl_cmp_result res;
	assert_int_equal(ipl_cmp_match(&a, &b, &res), 0);
	assert_int_equal(res.n, 3);
	assert_ptr_equal(res.lines[0].new, &n[1]);
	assert_int_equal(res.lines[0].verdict, IPL_CMP_SLOWER);
	assert_int_equal(res.lines[0].method, IPL_CMP_BOOTSTRAP);
	assert_true(fabs(res.lines[0].ratio - 1.5) < 1e-9);
	assert_null(res.lines[1].new); /* unix: only in OLD */
	assert_null(res.lines[2].old); /* tcp: only in NEW */
	ipl_cmp_result_free(&res);
}

/* Load rows are one measurement per offered rate: each is matched with the
 * row of the same rate (not the first load row), and judged by its p50
 * (its msgs/s is the rate offered, the same in both runs). */
static void load_rows_match_by_rate(void **state)
{
	(void)state;
	struct ipl_cmp_row o[2], n[2];
	memset(o, 0, sizeof o);
	memset(n, 0, sizeof n);
	fill(&o[0], "unix", 1);
	fill(&o[1], "unix", 1);
	fill(&n[0], "unix", 1.5);
	fill(&n[1], "unix", 1);
	const double rates[2][2] = { { 1000, 5000 }, { 5000, 1000 } };
	for (int i = 0; i < 2; i++) {
		snprintf(o[i].mode, sizeof o[i].mode, "load");
		snprintf(n[i].mode, sizeof n[i].mode, "load");
		o[i].rate = rates[0][i];
		n[i].rate = rates[1][i];
		for (size_t k = 0; k < NB; k++)
			o[i].mps[k] = n[i].mps[k] = o[i].rate; /* achieved = offered */
	}
	struct ipl_cmp_run a = { .rows = o, .n = 2 }, b = { .rows = n, .n = 2 };
	struct ipl_cmp_result res;
	assert_int_equal(ipl_cmp_match(&a, &b, &res), 0);
	assert_int_equal(res.n, 2);
	assert_ptr_equal(res.lines[0].new, &n[1]); /* 1000 with 1000 */
	assert_ptr_equal(res.lines[1].new, &n[0]); /* 5000 with 5000 */
	assert_int_equal(res.lines[0].rate, 0);
	assert_int_equal(res.lines[0].verdict, IPL_CMP_SAME);
	assert_int_equal(res.lines[1].verdict, IPL_CMP_SLOWER);
	assert_true(fabs(res.lines[1].ratio - 1.5) < 1e-9);
	ipl_cmp_result_free(&res);
}

static void one_rep_histogram(void **state)
{
	(void)state;
	struct ipl_cmp_row o = { .nreps = 1, .h_count = 2000, .h_min = 15000, .h_p50 = 20000, .h_p75 = 22000 };
	struct ipl_cmp_row n = o;
	snprintf(o.mech, sizeof o.mech, "pipe");
	snprintf(o.mode, sizeof o.mode, "latency");
	n = o;
	o.p50[0] = 20000;
	n.p50[0] = 30000;
	n.h_min = 22500, n.h_p50 = 30000, n.h_p75 = 33000;
	struct ipl_cmp_run a = { .rows = &o, .n = 1 }, b = { .rows = &n, .n = 1 };
	struct ipl_cmp_result res;
	assert_int_equal(ipl_cmp_match(&a, &b, &res), 0);
	assert_int_equal(res.lines[0].method, IPL_CMP_HISTOGRAM);
	assert_int_equal(res.lines[0].verdict, IPL_CMP_SLOWER);
	assert_true(res.lines[0].lo < 1.5 && res.lines[0].hi > 1.5);
	ipl_cmp_result_free(&res);
}

static int parse(const char *text, char *err, size_t len)
{
	struct ipl_jdoc d = { 0 };
	int rc = ipl_jparse(text, strlen(text), &d, err, len);
	ipl_jdoc_free(&d);
	return rc;
}

static void reader_valid(void **state)
{
	(void)state;
	const char *t = "{\"a\": [1, -2.5e1, true, null], \"s\": \"x\\u00e9\\n\", \"o\": {}}";
	struct ipl_jdoc d = { 0 };
	char err[128];
	assert_int_equal(ipl_jparse(t, strlen(t), &d, err, sizeof err), 0);
	const struct ipl_jnode *a = ipl_jget(&d, &d.nodes[0], "a");
	assert_non_null(a);
	const struct ipl_jnode *x = ipl_jnext(&d, ipl_jfirst(&d, a));
	assert_true(x->type == IPL_JNUM && x->num == -25);
	assert_string_equal(ipl_jget(&d, &d.nodes[0], "s")->str, "x\xc3\xa9\n");
	assert_null(ipl_jget(&d, &d.nodes[0], "missing"));
	assert_null(ipl_jfirst(&d, ipl_jget(&d, &d.nodes[0], "o")));
	ipl_jdoc_free(&d);
}

static void reader_refuses(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",         "{",       "[1,]",    "{\"a\" 1}", "{\"a\": 1,}", "01",
		"+1",       "1.",      "1e",      "NaN",       "0x10",        "\"\\u0000\"",
		"\"a\nb\"", "\"\\q\"", "[1] [2]", "tru",       "{1: 2}",      "\"abc",
	};
	char err[128];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (parse(bad[i], err, sizeof err) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(!strncmp(err, "line ", 5) && !strchr(err, '\n'));
	}
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 99);
	deep[199] = '\0';
	assert_int_equal(parse(deep, err, sizeof err), -1);
	assert_non_null(strstr(err, "nested too deep"));
	assert_int_equal(parse("[1,\n2,\n}", err, sizeof err), -1);
	assert_string_equal(err, "line 3: unexpected character");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(median_odd_even),
		cmocka_unit_test(bootstrap_same_holds_one),
		cmocka_unit_test(bootstrap_deterministic),
		cmocka_unit_test(bootstrap_shifted),
		cmocka_unit_test(bootstrap_constant),
		cmocka_unit_test(bootstrap_refuses),
		cmocka_unit_test(verdicts),
		cmocka_unit_test(gate),
		cmocka_unit_test(matching),
		cmocka_unit_test(load_rows_match_by_rate),
		cmocka_unit_test(one_rep_histogram),
		cmocka_unit_test(reader_valid),
		cmocka_unit_test(reader_refuses),
	};
	return cmocka_run_group_tests_name("compare", tests, NULL, NULL);
}
