/* facts.c - the figures derived from a row's reps that more than one
 * format prints (facts.h). */
#include "bench/report/facts.h"
#include "bench/run/stats.h"

#include <math.h>

const double ipl_ladder[IPL_LADDER_N] = { 50, 75, 90, 95, 99, 99.9, 99.99 };

/* Rows comparable for "relative": only the mechanism may differ. */
static int same_config(const struct ipl_row *a, const struct ipl_row *b)
{
	return a->size == b->size && a->mode == b->mode && a->clients == b->clients && a->rate == b->rate &&
	       a->window == b->window && a->cpu_client == b->cpu_client && a->cpu_server == b->cpu_server;
}

/* Raw baselines are not candidates for "fastest": they would make every
 * framed row look slow for a reason the overhead column already shows. */
double ipl_row_relative(const struct ipl_report *rep, const struct ipl_row *r)
{
	int lat = ipl_mode_timed(r->mode);
	double best = NAN;
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *o = &rep->rows[i];
		if (o->baseline || !same_config(o, r))
			continue;
		double v = ipl_row_median(o, ipl_row_headline(o));
		if (isfinite(v) && v > 0 && (isnan(best) || (lat ? v < best : v > best)))
			best = v;
	}
	double mine = ipl_row_median(r, ipl_row_headline(r));
	if (!isfinite(best) || !isfinite(mine) || !(mine > 0))
		return NAN;
	return lat ? mine / best : best / mine;
}

unsigned ipl_row_valid_reps(const struct ipl_row *r)
{
	unsigned n = 0;
	for (unsigned i = 0; i < r->nreps; i++)
		n += ipl_rep_valid(&r->reps[i]);
	return n;
}

uint64_t ipl_row_errors(const struct ipl_row *r)
{
	uint64_t e = 0;
	for (unsigned i = 0; i < r->nreps; i++)
		e += r->reps[i].st.errors;
	return e;
}

uint64_t ipl_row_samples(const struct ipl_row *r)
{
	if (ipl_mode_timed(r->mode))
		return r->merged.count;
	uint64_t n = 0;
	for (unsigned i = 0; i < r->nreps; i++)
		if (ipl_rep_valid(&r->reps[i]))
			n += r->reps[i].msgs;
	return n;
}

double ipl_row_per_client(const struct ipl_row *r)
{
	return ipl_row_median(r, ipl_rep_mps) / (r->clients ? r->clients : 1);
}
