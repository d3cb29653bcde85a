/* compare.c - the statistics of `ipclab compare`: rows of two runs matched
 * by what they measured, each pair's ratio new/old with a 95% interval.
 *
 * With two or more valid reps on both sides the interval is a percentile
 * bootstrap over the reps (seeded: the same files always give the same
 * answer).  A rep is one run's median, so this interval covers how reps
 * vary within a run; it cannot know how two runs on a drifting machine
 * differ, which is why --fail-if-slower takes a margin.  With one rep on a
 * side, a latency row falls back on its histogram: the distribution-free
 * interval of a median from order statistics (ranks n/2 +- 0.98 sqrt(n)),
 * turned into nanoseconds by interpolating between the recorded min, p50
 * and p75; the two sides' intervals combine into the widest ratio they
 * allow.  Otherwise there is no interval and the verdict is n/a. */
#include "bench/report/compare.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double ipl_cmp_median(const double *v, size_t n)
{
	double s[IPL_CMP_MAX_REPS];
	if (!n)
		return NAN;
	if (n > IPL_CMP_MAX_REPS)
		n = IPL_CMP_MAX_REPS;
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The median of n values drawn with replacement from v. */
static double resample_median(const double *v, size_t n, uint64_t *state)
{
	double s[IPL_CMP_MAX_REPS];
	for (size_t i = 0; i < n; i++)
		s[i] = v[splitmix64(state) % n];
	return ipl_cmp_median(s, n);
}

int ipl_cmp_bootstrap(const double *a, size_t na, const double *b, size_t nb, unsigned iters,
		      uint64_t seed, double *lo, double *hi)
{
	if (!na || !nb || na > IPL_CMP_MAX_REPS || nb > IPL_CMP_MAX_REPS || !iters || iters > 100000)
		return -EINVAL;
	if (!(ipl_cmp_median(a, na) > 0) || !(ipl_cmp_median(b, nb) > 0))
		return -EINVAL;
	double *r = malloc(iters * sizeof *r);
	if (!r)
		return -ENOMEM;
	uint64_t state = seed;
	unsigned k = 0;
	for (unsigned i = 0; i < iters; i++) {
		double ma = resample_median(a, na, &state), mb = resample_median(b, nb, &state);
		if (ma > 0)
			r[k++] = mb / ma;
	}
	if (!k) {
		free(r);
		return -EINVAL;
	}
	qsort(r, k, sizeof *r, cmp_double);
	*lo = r[(size_t)floor(0.025 * (k - 1))];
	*hi = r[(size_t)ceil(0.975 * (k - 1))];
	free(r);
	return 0;
}

enum ipl_cmp_verdict ipl_cmp_verdict_of(double lo, double hi, int rate)
{
	if (isnan(lo) || isnan(hi))
		return IPL_CMP_UNKNOWN;
	if (lo <= 1 && hi >= 1)
		return IPL_CMP_SAME;
	int above = lo > 1;
	return above == !rate ? IPL_CMP_SLOWER : IPL_CMP_FASTER;
}

int ipl_cmp_slower_than(const struct ipl_cmp_line *line, double pct)
{
	if (!line->old || !line->new || line->verdict != IPL_CMP_SLOWER)
		return 0;
	double f = 1 + pct / 100;
	return line->rate ? line->hi < 1 / f : line->lo > f;
}

/* The histogram's 95% interval of a row's p50 (see the file comment);
 * -1 when the row carries too little to say. */
static int hist_interval(const struct ipl_cmp_row *r, double *lo, double *hi)
{
	if (r->h_count < 10 || !(r->h_min > 0) || !(r->h_p50 >= r->h_min) || !(r->h_p75 >= r->h_p50))
		return -1;
	double dq = 0.98 / sqrt(r->h_count);
	if (dq > 0.25)
		return -1;
	*lo = r->h_p50 - dq / 0.5 * (r->h_p50 - r->h_min);
	*hi = r->h_p50 + dq / 0.25 * (r->h_p75 - r->h_p50);
	return *lo > 0 ? 0 : -1;
}

/* Ratio, interval, method and verdict of a matched pair. */
static void score(struct ipl_cmp_line *l)
{
	const struct ipl_cmp_row *o = l->old, *n = l->new;
	const double *a = l->rate ? o->mps : o->p50, *b = l->rate ? n->mps : n->p50;
	double ma = o->nreps ? ipl_cmp_median(a, o->nreps) : NAN;
	double mb = n->nreps ? ipl_cmp_median(b, n->nreps) : NAN;
	double olo, ohi, nlo, nhi;
	l->ratio = ma > 0 && mb > 0 ? mb / ma : NAN;
	l->lo = l->hi = NAN;
	l->method = IPL_CMP_NONE;
	if (isnan(l->ratio)) {
		/* no figure: nothing to score */
	} else if (o->nreps >= 2 && n->nreps >= 2) {
		if (!ipl_cmp_bootstrap(a, o->nreps, b, n->nreps, IPL_CMP_RESAMPLES, IPL_CMP_SEED, &l->lo, &l->hi))
			l->method = IPL_CMP_BOOTSTRAP;
	} else if (!l->rate && !hist_interval(o, &olo, &ohi) && !hist_interval(n, &nlo, &nhi)) {
		l->lo = nlo / ohi;
		l->hi = nhi / olo;
		l->method = IPL_CMP_HISTOGRAM;
	}
	l->verdict = ipl_cmp_verdict_of(l->lo, l->hi, l->rate);
}

int ipl_cmp_mode_by_rate(const char *mode)
{
	return !strcmp(mode, "throughput") || !strcmp(mode, "stream");
}

/* The same measurement: load rows also at the same offered rate. */
static int same_row(const struct ipl_cmp_row *a, const struct ipl_cmp_row *b)
{
	return !strcmp(a->mech, b->mech) && !strcmp(a->mode, b->mode) && !strcmp(a->placement, b->placement) &&
	       a->size == b->size && a->clients == b->clients && a->rate == b->rate;
}

/* The first row of run like r, or NULL. */
static const struct ipl_cmp_row *find_row(const struct ipl_cmp_run *run, const struct ipl_cmp_row *r)
{
	for (size_t i = 0; i < run->n; i++)
		if (same_row(&run->rows[i], r))
			return &run->rows[i];
	return NULL;
}

int ipl_cmp_match(const struct ipl_cmp_run *old, const struct ipl_cmp_run *new, struct ipl_cmp_result *res)
{
	*res = (struct ipl_cmp_result){ 0 };
	res->lines = calloc(old->n + new->n + 1, sizeof *res->lines);
	if (!res->lines)
		return -ENOMEM;
	for (size_t i = 0; i < old->n; i++) {
		const struct ipl_cmp_row *o = &old->rows[i];
		if (find_row(old, o) != o)
			continue; /* a repeated row: the first one stands for it */
		struct ipl_cmp_line *l = &res->lines[res->n++];
		l->old = o;
		l->new = find_row(new, o);
		l->rate = ipl_cmp_mode_by_rate(o->mode);
		l->ratio = l->lo = l->hi = NAN;
		l->verdict = IPL_CMP_UNKNOWN;
		l->method = IPL_CMP_NONE;
		if (l->new)
			score(l);
	}
	for (size_t i = 0; i < new->n; i++) {
		const struct ipl_cmp_row *r = &new->rows[i];
		if (find_row(new, r) == r && !find_row(old, r))
			res->lines[res->n++] = (struct ipl_cmp_line){ .new = r,
								      .rate = ipl_cmp_mode_by_rate(r->mode),
								      .ratio = NAN,
								      .lo = NAN,
								      .hi = NAN,
								      .verdict = IPL_CMP_UNKNOWN,
								      .method = IPL_CMP_NONE };
	}
	return 0;
}

void ipl_cmp_result_free(struct ipl_cmp_result *res)
{
	free(res->lines);
	*res = (struct ipl_cmp_result){ 0 };
}

const char *ipl_cmp_verdict_name(enum ipl_cmp_verdict v)
{
	switch (v) {
	case IPL_CMP_SAME: return "no difference";
	case IPL_CMP_FASTER: return "faster";
	case IPL_CMP_SLOWER: return "slower";
	case IPL_CMP_UNKNOWN: break;
	}
	return "n/a";
}

const char *ipl_cmp_method_name(enum ipl_cmp_method m)
{
	switch (m) {
	case IPL_CMP_BOOTSTRAP: return "bootstrap";
	case IPL_CMP_HISTOGRAM: return "histogram";
	case IPL_CMP_NONE: break;
	}
	return "none";
}

int ipl_cmp_env_diff(const struct ipl_cmp_run *old, const struct ipl_cmp_run *new, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < IPL_CMP_ENV_N; i++) {
		const char *a = old->env_val[i], *b = new->env_val[i];
		/* a field one file does not carry (a CSV has no kernel of its
		 * own) is not a difference */
		if (!a[0] || !b[0] || !strcmp(a, b) || used >= len)
			continue;
		int w = snprintf(buf + used, len - used, "%s%s: %s -> %s", used ? "; " : "",
				 ipl_cmp_env_names[i], a, b);
		used += w > 0 ? (size_t)w : 0;
	}
	return used > 0;
}
