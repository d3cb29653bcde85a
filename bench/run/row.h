/* run/row.h - the grid of a benchmark: rows of repetitions, and the report around them. */
#ifndef IPL_ROW_H
#define IPL_ROW_H

#include "bench/run/run.h"

/* A row of the report: the repetitions of one configuration. */
#define IPL_LABEL_MAX 32 /* longest today: "oncrpc/unix-peer", "shm-hybrid-raw" */

struct ipl_row {
	/* "tcp", "rpc/tcp" for layered, "unix-peer", "tcp-raw" for a baseline:
	 * the row's own copy, so no later row can change it */
	char mech[IPL_LABEL_MAX];
	const char *wait;                /* shm wait policy name, or "" (a static string) */
	const struct ipl_transport *tp;  /* what runs it (NULL in reports read back) */
	const struct ipl_transport *via; /* its carrier when layered (NULL: the default) */
	enum ipl_wait wait_policy;       /* shm: what wait names */
	const char *rpc_semantics;       /* rpc over datagrams: "at-most-once" or
					    "at-least-once" (static); else NULL */
	int baseline;                    /* the raw loop of the row before it */
	int peer;                        /* peer-to-peer pattern (bench/run/peer.c) */
	const char *server;              /* server model: "threads", "epoll"; "" (peer, --connect) */
	long framed;                     /* baseline rows: index of the framed row, else -1 */
	uint32_t size;
	enum ipl_mode mode;
	unsigned clients, window;
	double rate; /* load: offered msgs/s, all clients together; else 0 */
	int cpu_client, cpu_server;
	uint64_t warmup; /* unmeasured messages before each rep */
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
	uint32_t pipe_size, sockbuf; /* --pipe-size, --sockbuf as asked (0: not given) */
	int crc, baseline;
	const char *wait, *via, *connect; /* NULL when not given */
	int wide;                         /* table: every column (--wide), not the 120-column set */
	int histograms;                   /* JSON: each row's non-empty buckets (--save-histograms) */
	int omit_warnings;                /* table/md: the warnings went to stderr, not here again */
	int64_t started;                  /* when the runs began, seconds since the epoch (0: unknown) */
	int interrupted;                  /* the stop signal that cut the grid short, or 0 */
	size_t runs_done, runs_total;
};

/* Writes the mechanism column of a row to buf (at most len bytes, at least
 * IPL_LABEL_MAX fit any): "tcp", "rpc/unix" for a layered tp over via (NULL:
 * its default carrier, unix), with "-peer" appended for the peer pattern.
 * Returns buf. */
const char *ipl_mech_label(char *buf, size_t len, const struct ipl_transport *tp,
			   const struct ipl_transport *via, int peer);

#endif
