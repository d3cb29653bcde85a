/* grid.h - the rows `ipclab bench` measures, laid out from its options
 * before the first run (grid.c), so progress knows the total and every row
 * owns its label. */
#ifndef IPL_BENCH_GRID_H
#define IPL_BENCH_GRID_H

#include "bench/cli/args.h"

struct ipl_bench_grid {
	/* rep.rows holds every row in run order (placement, mechanism, mode,
	 * clients, size, offered rate; a row's raw baseline right after it); a stop signal
	 * may shrink rep.nrows, never rows' storage */
	struct ipl_report rep;
	size_t laid; /* rows allocated, each with its nreps results */
};

/* Lays out the grid of validated options o: one row per placement x -m
 * entry x mode x client count x size (x --rate for load mode), plus a raw baseline row after each
 * framed row that can have one (--baseline), each with o->reps zeroed
 * results and its own copy of its label; rep's settings from o, argv as
 * the recorded command line.  Returns 0, or -ENOMEM with nothing allocated.
 * Free with ipl_bench_grid_free. */
int ipl_bench_grid_init(struct ipl_bench_grid *g, const struct ipl_bench_opts *o, int argc, char **argv);

/* Frees what ipl_bench_grid_init allocated (g may be zeroed). */
void ipl_bench_grid_free(struct ipl_bench_grid *g);

/* Warm-up round trips for a row of size bytes: the given --warmup, or
 * iters/10 (<= 10000), or with --duration up to 1000 messages but no more
 * than 16 MiB of payload, so a 1 MiB warm-up does not outlast a short
 * measurement. */
uint64_t ipl_bench_warmup(const struct ipl_bench_opts *o, uint32_t size);

/* A row's --rpc-semantics (a static name), or NULL unless the row is rpc
 * over a datagram carrier, the only place the choice means anything. */
const char *ipl_bench_rpc_semantics(const struct ipl_bench_opts *o, const struct ipl_transport *tp,
				    const struct ipl_transport *via, int raw);

/* 1 when tp can have a raw baseline row in mode at size; else 0 with the
 * reason (a static string) in *why. */
int ipl_bench_raw_ok(const struct ipl_transport *tp, enum ipl_mode mode, uint32_t size, const char **why);

/* How long a load row runs when neither -n nor --duration is given, in s. */
#define IPL_LOAD_DEFAULT_S 2.0

/* The run spec of rep k's row r under options o (the same for every rep). */
struct ipl_run_spec ipl_bench_spec(const struct ipl_bench_opts *o, const struct ipl_row *r);

#endif
