/* run/samples.h - `ipclab bench --samples FILE` (samples.c): every timed
 * sample of the one row measured, in order, as CSV "rep,index,latency_ns"
 * after "# " lines that say what the row is. */
#ifndef IPL_SAMPLES_H
#define IPL_SAMPLES_H

#include "bench/run/row.h"

#include <stdio.h>

/* Samples kept per rep (8 bytes each: 64 MiB, reserved as they come):
 * a longer rep keeps its first IPL_SAMPLES_CAP and says how many it lost. */
#define IPL_SAMPLES_CAP (8u << 20)

struct ipl_samples {
	FILE *f;
	const char *path;
	struct ipl_hist_trace *trace; /* shared with the clients of each run */
	size_t map_len;
	int failed; /* a write failed: said once on stderr */
};

/* Opens path for writing (truncating it) and maps room for per_rep samples
 * (0: unknown, as with --duration; at most IPL_SAMPLES_CAP).  Returns 0, or
 * -1 with one line in err (nothing left open). */
int ipl_samples_open(struct ipl_samples *s, const char *path, uint64_t per_rep, char *err, size_t errlen);

/* The "# " lines describing row r, then the CSV header. */
void ipl_samples_header(struct ipl_samples *s, const struct ipl_row *r);

/* Appends rep k of r (just run, with s->trace as its spec's trace) when it
 * is valid (completed with no errors: the reps its row's figures rest on);
 * a rep left out or cut at the cap is said on stderr.  Empties the trace
 * for the next rep.  Flushed, so a stop signal loses no finished rep. */
void ipl_samples_rep(struct ipl_samples *s, const struct ipl_row *r, unsigned k);

/* Closes the file and unmaps the trace.  Returns 0, or -1 when a write
 * failed (said on stderr). */
int ipl_samples_close(struct ipl_samples *s);

#endif
