/* run/row.h - the grid of a benchmark: rows of repetitions, and the report around them. */
#ifndef IPL_ROW_H
#define IPL_ROW_H

#include "bench/run/run.h"

/* A row of the report: the repetitions of one configuration. */
struct ipl_row {
	const char *mech;          /* "tcp", "rpc/tcp" for layered, "tcp-raw" for a baseline */
	const char *wait;          /* shm wait policy name, or "" */
	const struct ipl_transport *tp; /* what runs it (NULL in reports read back) */
	int baseline;              /* the raw loop of the row before it */
	int peer;                  /* peer-to-peer pattern (bench/run/peer.c) */
	long framed;               /* baseline rows: index of the framed row, else -1 */
	uint32_t size;
	enum ipl_mode mode;
	unsigned clients, window;
	int cpu_client, cpu_server;
	uint64_t warmup;           /* unmeasured messages before each rep */
	unsigned nreps;
	struct ipl_run_result *reps; /* nreps entries */
	struct ipl_hist merged;      /* the valid reps' samples together (ipl_row_finish) */
};

struct ipl_report {
	struct ipl_row *rows;
	size_t nrows;
	const char *argv_line; /* the command line, for the record */
	uint64_t iters, warmup;
	unsigned reps;
	/* the rest of the settings, recorded in JSON (zero when unknown) */
	double duration_s, timeout_s;
	unsigned window;
	uint32_t cap;
	int crc, baseline;
	const char *wait, *via, *connect; /* NULL when not given */
	int wide;          /* table: every column (--wide), not the 120-column set */
	int omit_warnings; /* table/md: the warnings went to stderr, not here again */
	int64_t started;   /* when the runs began, seconds since the epoch (0: unknown) */
	int interrupted;       /* the stop signal that cut the grid short, or 0 */
	size_t runs_done, runs_total;
};

#endif
