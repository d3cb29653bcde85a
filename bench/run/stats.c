/* stats.c - statistics across repetitions, and the checks that say when a
 * row should not be trusted (hyperfine-style warnings).
 *
 * A rep that failed or saw a single verification error is left out of every
 * median and merged histogram: a broken run can be fast for the wrong reason
 * (an error reply is shorter than an echo).  Such rows are flagged instead. */
#include "bench/run/run.h"
#include "bench/run/row.h"
#include "bench/run/stats.h"
#include "bench/run/fmt.h"
#include "common/load.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct ipl_spread ipl_spread_of(double *v, size_t n)
{
	struct ipl_spread s = { NAN, NAN, NAN, 0 };
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			v[k++] = v[i];
	if (!k)
		return s;
	qsort(v, k, sizeof v[0], cmp_double);
	s.n = (unsigned)k;
	s.min = v[0];
	s.max = v[k - 1];
	s.median = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
	return s;
}

double ipl_spread_rel(const struct ipl_spread *s)
{
	if (!s->n || !(s->median > 0))
		return NAN;
	return (s->max - s->min) / s->median;
}

int ipl_rep_valid(const struct ipl_run_result *r)
{
	return !r->failed && r->st.errors == 0;
}

/* At least 10 samples beyond the percentile: n * (100 - p) / 100 >= 10.
 * The median needs one sample; min and max are observations, always shown. */
int ipl_pct_supported(uint64_t n, double p)
{
	if (!n)
		return 0;
	if (p <= 50)
		return 1;
	return (double)n * (100 - p) >= 1000 - 1e-6;
}

double ipl_hist_pct_or_nan(const struct ipl_hist *h, double p)
{
	return ipl_pct_supported(h->count, p) ? (double)ipl_hist_percentile(h, p) : NAN;
}

double ipl_rep_p50(const struct ipl_run_result *r)
{
	return ipl_hist_pct_or_nan(&r->hist, 50);
}
double ipl_rep_p99(const struct ipl_run_result *r)
{
	return ipl_hist_pct_or_nan(&r->hist, 99);
}
double ipl_rep_mps(const struct ipl_run_result *r)
{
	return r->msgs ? r->msgs_per_s : NAN;
}
double ipl_rep_mbps(const struct ipl_run_result *r)
{
	return r->msgs ? r->mb_per_s : NAN;
}
double ipl_rep_cpu(const struct ipl_run_result *r)
{
	return r->msgs ? r->cpu_ns_per_msg : NAN;
}
double ipl_rep_ctxsw(const struct ipl_run_result *r)
{
	return r->msgs ? r->ctxsw_per_msg : NAN;
}

double (*ipl_row_headline(const struct ipl_row *r))(const struct ipl_run_result *)
{
	return ipl_mode_timed(r->mode) ? ipl_rep_p50 : ipl_rep_mps;
}

struct ipl_spread ipl_row_spread(const struct ipl_row *r, double (*get)(const struct ipl_run_result *))
{
	double *v = calloc(r->nreps ? r->nreps : 1, sizeof *v);
	struct ipl_spread s = { NAN, NAN, NAN, 0 };
	if (!v)
		return s;
	size_t n = 0;
	for (unsigned i = 0; i < r->nreps; i++)
		if (ipl_rep_valid(&r->reps[i]))
			v[n++] = get(&r->reps[i]);
	s = ipl_spread_of(v, n);
	free(v);
	return s;
}

double ipl_row_median(const struct ipl_row *r, double (*get)(const struct ipl_run_result *))
{
	return ipl_row_spread(r, get).median;
}

int ipl_row_sustained(const struct ipl_row *r)
{
	double achieved = ipl_row_median(r, ipl_rep_mps);
	if (r->mode != IPL_MODE_LOAD || !(r->rate > 0) || isnan(achieved))
		return -1;
	return ipl_load_sustained(r->rate, achieved);
}

int ipl_rep_sustained(const struct ipl_row *r, const struct ipl_run_result *x)
{
	if (r->mode != IPL_MODE_LOAD || !(r->rate > 0) || !ipl_rep_valid(x) || !x->msgs)
		return -1;
	return ipl_load_sustained(r->rate, x->msgs_per_s);
}

void ipl_row_finish(struct ipl_row *r)
{
	ipl_hist_init(&r->merged);
	for (unsigned i = 0; i < r->nreps; i++)
		if (ipl_rep_valid(&r->reps[i]))
			ipl_hist_merge(&r->merged, &r->reps[i].hist);
}

/* Appends one formatted sentence to text (bounded). */
__attribute__((format(printf, 3, 4))) static void say(char *text, size_t len, const char *fmt, ...)
{
	if (!text || !len)
		return;
	size_t used = strlen(text);
	if (used + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text + used, len - used, fmt, ap);
	va_end(ap);
}

/* A headline value in its unit: "61.20 us" for latency, "110.3k msgs/s". */
static const char *fmt_value(char *buf, size_t len, const struct ipl_row *r, double v)
{
	char n[24];
	if (ipl_mode_timed(r->mode))
		return ipl_fmt_ns(buf, len, v);
	snprintf(buf, len, "%s msgs/s", ipl_fmt_count(n, sizeof n, v));
	return buf;
}

/* "tcp 64 B latency x1, cpu 0,0": the row, as the warnings name it. */
static const char *what(const struct ipl_row *r, char *buf, size_t len)
{
	char pl[32];
	if (r->cpu_client >= 0 || r->cpu_server >= 0)
		snprintf(pl, sizeof pl, ", cpu %d,%d", r->cpu_client, r->cpu_server);
	else
		pl[0] = '\0';
	char sz[24];
	snprintf(buf, len, "%s%s%s %s %s x%u%s", r->mech, r->wait && *r->wait ? "-" : "",
		 r->wait ? r->wait : "", ipl_fmt_size_long(sz, sizeof sz, r->size),
		 ipl_mode_name(r->mode), r->clients, pl);
	return buf;
}

unsigned ipl_row_check(const struct ipl_row *r, char *text, size_t len)
{
	unsigned bits = 0, nvalid = 0;
	char name[128];
	if (text && len)
		text[0] = '\0';
	what(r, name, sizeof name);
	for (unsigned i = 0; i < r->nreps; i++) {
		const struct ipl_run_result *x = &r->reps[i];
		if (x->interrupted) {
			bits |= IPL_WARN_INTERRUPTED;
			say(text, len, "%s: rep %u was cut short: %s (left out)\n", name, i + 1,
			    x->why[0] ? x->why : "interrupted");
		} else if (x->failed) {
			bits |= IPL_WARN_FAILED;
			say(text, len, "%s: rep %u FAILED: %s (left out of the medians)\n", name, i + 1,
			    x->why[0] ? x->why : "unknown reason");
		} else if (x->st.errors) {
			bits |= IPL_WARN_ERRORS;
			say(text, len,
			    "%s: rep %u saw %llu verification errors (seq %llu, len %llu, payload %llu, "
			    "remote %llu) (left out of the medians)\n",
			    name, i + 1, (unsigned long long)x->st.errors,
			    (unsigned long long)x->st.err_seq, (unsigned long long)x->st.err_len,
			    (unsigned long long)x->st.err_payload, (unsigned long long)x->st.err_remote);
		} else {
			nvalid++;
		}
	}
	if (r->nreps && !nvalid) {
		bits |= IPL_WARN_NO_VALID;
		say(text, len, "%s: no valid rep: this row has no numbers\n", name);
		return bits;
	}
	double (*get)(const struct ipl_run_result *) = ipl_row_headline(r);
	const char *metric = ipl_mode_timed(r->mode) ? "p50" : "msgs/s";
	struct ipl_spread s = ipl_row_spread(r, get);
	double rel = ipl_spread_rel(&s);
	if (s.n >= 2 && rel > IPL_SPREAD_WARN) {
		bits |= IPL_WARN_SPREAD;
		char lo[32], hi[32];
		say(text, len, "%s: %s varies by %.0f%% across %u reps (%s .. %s)\n", name, metric,
		    rel * 100, s.n, fmt_value(lo, sizeof lo, r, s.min), fmt_value(hi, sizeof hi, r, s.max));
	}
	/* the first rep against the median of the others, as hyperfine does */
	if (r->nreps >= 2 && ipl_rep_valid(&r->reps[0])) {
		double first = get(&r->reps[0]);
		double *v = calloc(r->nreps, sizeof *v);
		size_t n = 0;
		for (unsigned i = 1; v && i < r->nreps; i++)
			if (ipl_rep_valid(&r->reps[i]))
				v[n++] = get(&r->reps[i]);
		struct ipl_spread rest = ipl_spread_of(v ? v : &first, v ? n : 0);
		free(v);
		if (rest.n && isfinite(first) && rest.median > 0 && first > 0) {
			/* slower means a larger latency or a smaller rate */
			double slow = ipl_mode_timed(r->mode) ? first / rest.median : rest.median / first;
			if (slow > IPL_FIRST_SLOW_WARN) {
				bits |= IPL_WARN_FIRST_SLOW;
				char a[32], b[32];
				say(text, len,
				    "%s: the first rep was %.2fx slower than the others (%s %s vs %s)\n",
				    name, slow, metric, fmt_value(a, sizeof a, r, first),
				    fmt_value(b, sizeof b, r, rest.median));
			}
		}
	}
	return bits;
}

const char *ipl_warn_hint(unsigned bits, int pinned)
{
	/* each hint true to its case: a refused connection is no sign of wrong
	 * bytes, and a pinned run cannot be told to pin */
	static const char *const noisy[2][2] = {
		{ "reps that disagree mean a busy machine or short runs: use more --reps, a longer --duration, "
		  "or pin with --cpu",
		  "reps that disagree mean a busy machine or short runs: use more --reps or a longer --duration" },
		{ "a slow first rep means caches, page faults or CPU frequency were still warming up: raise "
		  "--warmup; reps that disagree mean a busy machine or short runs: use more --reps, a longer "
		  "--duration, or pin with --cpu",
		  "a slow first rep means caches, page faults or CPU frequency were still warming up: raise "
		  "--warmup; reps that disagree mean a busy machine or short runs: use more --reps or a longer "
		  "--duration" },
	};
	int failed = (bits & (IPL_WARN_FAILED | IPL_WARN_NO_VALID)) != 0, wrong = (bits & IPL_WARN_ERRORS) != 0;
	if (failed && wrong)
		return "failed reps and reps with verification errors are left out of every median; "
		       "a mechanism that returns wrong bytes is broken, not fast";
	if (wrong)
		return "reps with verification errors are left out of every median; "
		       "a mechanism that returns wrong bytes is broken, not fast";
	if (failed)
		return "failed reps are left out of every median; each warning says why the rep failed";
	if (bits & (IPL_WARN_FIRST_SLOW | IPL_WARN_SPREAD))
		return noisy[(bits & IPL_WARN_FIRST_SLOW) != 0][pinned != 0];
	return NULL;
}

const char *ipl_warn_tokens(unsigned bits, char *buf, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
	} tok[] = {
		{ IPL_WARN_FAILED, "failed" },         { IPL_WARN_ERRORS, "errors" },
		{ IPL_WARN_NO_VALID, "no-valid" },     { IPL_WARN_SPREAD, "spread" },
		{ IPL_WARN_FIRST_SLOW, "first-slow" }, { IPL_WARN_INTERRUPTED, "interrupted" },
	};
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof tok / sizeof tok[0]; i++)
		if (bits & tok[i].bit)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ";" : "", tok[i].name);
	return buf;
}

double ipl_row_overhead_pct(const struct ipl_report *rep, size_t row)
{
	const struct ipl_row *r = &rep->rows[row];
	if (r->baseline)
		return NAN;
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *b = &rep->rows[i];
		if (!b->baseline || b->framed != (long)row)
			continue;
		double (*get)(const struct ipl_run_result *) = ipl_row_headline(r);
		int lat = ipl_mode_timed(r->mode);
		/* reps ran in pairs (framed k, raw k): the median of the pairs'
		 * ratios cancels a machine that was slow for both at once */
		if (b->nreps == r->nreps && r->nreps) {
			double *v = calloc(r->nreps, sizeof *v);
			size_t n = 0;
			for (unsigned k = 0; v && k < r->nreps; k++) {
				if (!ipl_rep_valid(&r->reps[k]) || !ipl_rep_valid(&b->reps[k]))
					continue;
				double f = get(&r->reps[k]), raw = get(&b->reps[k]);
				if (f > 0 && raw > 0)
					v[n++] = lat ? f / raw : raw / f;
			}
			struct ipl_spread s = ipl_spread_of(v ? v : &(double){ NAN }, v ? n : 0);
			free(v);
			if (s.n)
				return (s.median - 1) * 100;
		}
		double f = ipl_row_median(r, get), raw = ipl_row_median(b, get);
		if (!(f > 0) || !(raw > 0))
			return NAN;
		/* time per message: latency directly, throughput as 1/rate */
		return ((lat ? f / raw : raw / f) - 1) * 100;
	}
	return NAN;
}
