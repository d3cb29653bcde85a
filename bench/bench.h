/* bench.h - the benchmark driver: runs, results, reports. */
#ifndef IPL_BENCH_H
#define IPL_BENCH_H

#include "exchange.h"
#include "hist.h"
#include "transport.h"

#include <stdio.h>

enum ipl_mode { IPL_MODE_LATENCY = 0, IPL_MODE_THROUGHPUT = 1, IPL_MODE_STREAM = 2 };

const char *ipl_mode_name(enum ipl_mode m);

/* One measurement: one mechanism, one size, one mode, one repetition. */
struct ipl_run_spec {
	const struct ipl_transport *tp;
	struct ipl_tp_opts tpo;
	const char *connect;  /* measure a server already running there, or NULL */
	uint32_t size;
	uint64_t iters, warmup, duration_ns;
	enum ipl_mode mode;
	unsigned window;      /* throughput: requests in flight */
	unsigned clients;     /* client processes (>= 1) */
	int cpu_client, cpu_server; /* -1: not pinned */
	int crc;
	int timeout_s;        /* a run that takes longer is killed and failed */
};

struct ipl_run_result {
	struct ipl_hist hist;          /* every measured round trip, all clients */
	struct ipl_client_stats st;    /* summed over clients; elapsed = slowest */
	double msgs_per_s, mb_per_s;   /* aggregate over clients */
	double cpu_ns_per_msg;         /* user+sys of client(s) and server per message */
	double ctxsw_per_msg;          /* voluntary+involuntary, both sides */
	int failed;                    /* the run did not complete */
	char why[160];                 /* reason when failed */
	char server_addr[IPL_ADDR_MAX];
	char client_addr[IPL_ADDR_MAX]; /* first client's local address, "" if unknown */
};

/* Runs one measurement: forks the server (unless spec->connect) and the
 * clients, waits, merges.  Returns 0 when the run completed (verification
 * errors are in res->st.errors), or -1 with res->failed and res->why set. */
int ipl_run_once(const struct ipl_run_spec *spec, struct ipl_run_result *res);

/* Pins the calling process to cpu (no-op for cpu < 0).  Returns 0 or -errno. */
int ipl_pin_cpu(int cpu);

/* Serves ep in this process until SIGINT/SIGTERM (or, for pre-made channels,
 * until every client is done): installs those handlers, then unblocks them
 * (fork with SIGTERM blocked so an early stop is held, not fatal), ignores
 * SIGPIPE.  ep must be prepared and attached as server. */
int ipl_serve_foreground(struct ipl_endpoint *ep, uint32_t cap, struct ipl_serve_stats *st);

/* ---- reports ---------------------------------------------------------- */

/* A row of the report: the repetitions of one configuration. */
struct ipl_row {
	const char *mech;          /* "tcp", or "rpc/tcp" for layered */
	const char *wait;          /* shm wait policy name, or "" */
	uint32_t size;
	enum ipl_mode mode;
	unsigned clients, window;
	int cpu_client, cpu_server;
	unsigned nreps;
	struct ipl_run_result *reps; /* nreps entries */
	struct ipl_hist merged;      /* all reps together */
};

enum ipl_format { IPL_FMT_TABLE, IPL_FMT_CSV, IPL_FMT_JSON, IPL_FMT_MD };

struct ipl_report {
	struct ipl_row *rows;
	size_t nrows;
	const char *argv_line; /* the command line, for the record */
	uint64_t iters, warmup;
	unsigned reps;
	int show_addrs;        /* table: print each row's client -> server addresses */
};

/* Median over reps of a per-rep statistic. */
double ipl_row_median(const struct ipl_row *r, double (*get)(const struct ipl_run_result *));
double ipl_rep_p50(const struct ipl_run_result *r);

void ipl_report_write(FILE *out, const struct ipl_report *rep, enum ipl_format fmt);

#endif
