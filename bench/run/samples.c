/* samples.c - every timed sample of one row, written as it is measured.
 *
 * The clients record into a histogram, which keeps counts, not order; a
 * trace beside it (common/hist.h) keeps the values in order, in memory
 * shared with client 1's process.  Memory is bounded by IPL_SAMPLES_CAP
 * and reserved page by page as samples arrive (MAP_NORESERVE), so a short
 * run costs what it records.  Each rep is appended and flushed as soon as
 * it ends: a run stopped by Ctrl-C keeps every rep that finished. */
#include "bench/run/samples.h"
#include "bench/run/stats.h"
#include "bench/run/placement.h"
#include "bench/report/env.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

int ipl_samples_open(struct ipl_samples *s, const char *path, uint64_t per_rep, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	uint64_t cap = per_rep && per_rep < IPL_SAMPLES_CAP ? per_rep : IPL_SAMPLES_CAP;
	s->map_len = sizeof *s->trace + cap * sizeof s->trace->v[0];
	void *p = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "--samples: cannot map %zu bytes: %s", s->map_len, strerror(errno));
		return -1;
	}
	s->f = fopen(path, "w");
	if (!s->f) {
		snprintf(err, errlen, "--samples %s: cannot write: %s", path, strerror(errno));
		munmap(p, s->map_len);
		return -1;
	}
	s->trace = p;
	s->trace->cap = cap;
	s->path = path;
	return 0;
}

/* A write error, said once. */
static void check(struct ipl_samples *s)
{
	if (!s->failed && (fflush(s->f) != 0 || ferror(s->f))) {
		s->failed = 1;
		fprintf(stderr, "ipclab bench: --samples %s: write failed: %s\n", s->path, strerror(errno));
	}
}

void ipl_samples_header(struct ipl_samples *s, const struct ipl_row *r)
{
	FILE *f = s->f;
	fprintf(f, "# ipclab %s --samples: every timed sample of one row, in the order measured\n",
		IPL_VERSION_STRING);
	fprintf(f, "# mechanism: %s%s%s\n", r->mech, r->wait && *r->wait ? "-" : "", r->wait ? r->wait : "");
	fprintf(f, "# size_bytes: %u\n", r->size);
	fprintf(f, "# mode: %s\n", ipl_mode_name(r->mode));
	fprintf(f, "# clients: %u (samples of %s only)\n", r->clients, r->peer ? "peer A" : "client 1");
	fprintf(f, "# placement: %s\n", ipl_placement_name(r->cpu_client, r->cpu_server));
	if (r->mode == IPL_MODE_LOAD)
		fprintf(f, "# offered_rate_msgs_per_s: %.1f (latency from when each request was due)\n", r->rate);
	fprintf(f, "# reps: %u (only valid reps are written; at most %u samples per rep)\n", r->nreps,
		IPL_SAMPLES_CAP);
	fprintf(f, "rep,index,latency_ns\n");
	check(s);
}

void ipl_samples_rep(struct ipl_samples *s, const struct ipl_row *r, unsigned k)
{
	const struct ipl_run_result *x = &r->reps[k];
	struct ipl_hist_trace *t = s->trace;
	if (!ipl_rep_valid(x)) {
		if (!x->interrupted)
			fprintf(stderr, "note: --samples: rep %u is not written: %s\n", k + 1,
				x->failed ? "it failed" : "it saw verification errors");
	} else {
		for (uint64_t i = 0; i < t->n && !s->failed; i++)
			fprintf(s->f, "%u,%llu,%llu\n", k + 1, (unsigned long long)i,
				(unsigned long long)t->v[i]);
		if (t->dropped)
			fprintf(stderr,
				"warning: --samples: rep %u: kept the first %llu samples of %llu (the cap; use a "
				"shorter run)\n",
				k + 1, (unsigned long long)t->n, (unsigned long long)(t->n + t->dropped));
		check(s);
	}
	t->n = t->dropped = 0;
}

int ipl_samples_close(struct ipl_samples *s)
{
	int rc = 0;
	if (s->f) {
		check(s);
		if (fclose(s->f) != 0 && !s->failed) {
			fprintf(stderr, "ipclab bench: --samples %s: write failed: %s\n", s->path,
				strerror(errno));
			s->failed = 1;
		}
		rc = s->failed ? -1 : 0;
	}
	if (s->trace)
		munmap(s->trace, s->map_len);
	memset(s, 0, sizeof *s);
	return rc;
}
