/* report/facts.h - what every format says about a row beyond the raw reps
 * (facts.c): derived once here so the table, CSV and JSON cannot disagree. */
#ifndef IPL_REPORT_FACTS_H
#define IPL_REPORT_FACTS_H

#include "bench/run/row.h"

#include <stddef.h>
#include <stdint.h>

/* The percentiles every format reports, in order (p50 .. p99.99). */
#define IPL_LADDER_N 7
extern const double ipl_ladder[IPL_LADDER_N];

/* How many times slower than the fastest framed row of the same
 * configuration r is (latency: p50; otherwise msgs/s), or NaN when either
 * has no figure.  Raw baselines never count as the fastest. */
double ipl_row_relative(const struct ipl_report *rep, const struct ipl_row *r);

/* The reps of r that count (ipl_rep_valid). */
unsigned ipl_row_valid_reps(const struct ipl_row *r);

/* Verification errors over every rep of r, valid or not. */
uint64_t ipl_row_errors(const struct ipl_row *r);

/* The samples r's figures rest on: the valid reps' measured messages (for
 * latency rows, the timed round trips behind the percentiles). */
uint64_t ipl_row_samples(const struct ipl_row *r);

/* Median messages per second per client process (NaN: not measured). */
double ipl_row_per_client(const struct ipl_row *r);

#endif
