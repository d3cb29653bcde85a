/* run/run.h - one measurement: its spec, its result, the processes that run it. */
#ifndef IPL_RUN_H
#define IPL_RUN_H

#include "common/exchange.h"
#include "common/hist.h"
#include "common/transport.h"

#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>

enum ipl_mode { IPL_MODE_LATENCY = 0, IPL_MODE_THROUGHPUT = 1, IPL_MODE_STREAM = 2, IPL_MODE_LOAD = 3 };

/* "latency", "throughput", "stream", "load" ("?" for anything else): the
 * names the command line takes and the reports print. */
const char *ipl_mode_name(enum ipl_mode m);

/* Whether rows of mode m time every round trip into their histogram
 * (latency, load): their headline is a percentile, not a rate. */
int ipl_mode_timed(enum ipl_mode m);

/* One measurement: one mechanism, one size, one mode, one repetition. */
struct ipl_run_spec {
	const struct ipl_transport *tp;
	struct ipl_tp_opts tpo;
	const char *connect; /* measure a server already running there, or NULL */
	uint32_t size;
	uint64_t iters, warmup, duration_ns;
	enum ipl_mode mode;
	unsigned window;            /* throughput, load: requests in flight */
	double rate;                /* load: offered msgs/s of all clients together */
	unsigned clients;           /* client processes (>= 1) */
	int cpu_client, cpu_server; /* -1: not pinned */
	int crc;
	int timeout_s; /* a run that takes longer is killed and failed */
	int server;    /* enum ipl_server_model of the server it starts */
	int raw;       /* baseline: SIZE raw bytes each way, no header, no
			         verification (see bench/run/raw.c) */
	/* --samples: client 1 (the peer pattern: peer A) appends each timed
	 * sample here (memory shared with the clients), or NULL */
	struct ipl_hist_trace *trace;
};


struct ipl_run_result {
	struct ipl_hist hist;        /* every measured round trip, all clients */
	struct ipl_client_stats st;  /* summed over clients; elapsed = slowest */
	uint64_t msgs;               /* measured messages, all clients (no warm-up) */
	double msgs_per_s, mb_per_s; /* aggregate over clients */
	double cpu_ns_per_msg;       /* user+sys of client(s) and server (unless
					  remote) over the timed loop, per measured message */
	double ctxsw_per_msg;        /* voluntary+involuntary, same processes and span */
	int failed;                  /* the run did not complete */
	int interrupted;             /* ... because the driver was told to stop */
	char why[160];               /* reason when failed */
	char server_addr[IPL_ADDR_MAX];
	char client_addr[IPL_ADDR_MAX]; /* first client's local address, "" if unknown */
	/* --pipe-size / --sockbuf: the first client's conn's size in force as
	 * the kernel reports it (ipl_conn_bufsize); 0 when not given */
	uint64_t pipe_size, sockbuf;
};

/* The size in force of the buffer knob spec sets (tpo.pipe_size or
 * tpo.sockbuf) on conn c, read back from the kernel: 0 when neither is set
 * or it cannot be read. */
uint64_t ipl_run_bufsize(const struct ipl_run_spec *spec, const struct ipl_conn *c);

/* Records v (from ipl_run_bufsize) in the field of res the spec's knob names. */
void ipl_run_note_bufsize(const struct ipl_run_spec *spec, struct ipl_run_result *res, uint64_t v);

/* Runs one client-server measurement: forks the server (unless
 * spec->connect) and the clients, waits for them (killed after
 * spec->timeout_s or on a stop signal), merges their results into res
 * (overwritten).  Returns 0 when the run completed (verification errors are
 * in res->st.errors), or -1 with res->failed and res->why set (and
 * res->interrupted when a stop signal cut it short).  The peer pattern is
 * ipl_peer_run_once (peer.h), with the same contract. */
int ipl_run_once(const struct ipl_run_spec *spec, struct ipl_run_result *res);

/* Fails res: sets res->failed and the reason (printf-style) in res->why. */
__attribute__((format(printf, 2, 3))) void ipl_run_fail(struct ipl_run_result *res, const char *fmt, ...);

/* A failed res cut short by a stop signal says so: res->interrupted set,
 * why "interrupted by SIGINT".  No-op when res did not fail or no stop came. */
void ipl_run_mark_interrupted(struct ipl_run_result *res);

/* len bytes of zeroed memory shared with the children forked after it
 * (munmap when done), or NULL with res failed. */
void *ipl_run_map(size_t len, struct ipl_run_result *res);

/* CPU time and context switches of one process at one instant. */
struct ipl_usage {
	uint64_t cpu_ns, ctxsw;
};

/* What a client samples at the start [0] and the end [1] of its timed loop
 * (warm-up, HELLO and BYE left out): itself, and the server process when
 * it runs on this machine (server > 0: read from outside, through its CPU
 * clock and /proc). */
struct ipl_loop_cost {
	pid_t server;
	struct ipl_usage self[2], srv[2];
	int marks;  /* how many of start, end were taken */
	int srv_ok; /* the server could be read at both */
};

/* Takes the start (end = 0) or end (end = 1) sample of lc (NULL: nothing). */
void ipl_loop_mark(struct ipl_loop_cost *lc, int end);

/* One client's session on a connected conn: HELLO, the spec's mode (timed
 * into h, counted in st), BYE.  *step names the step that failed.  Returns 0
 * or the code that ended it.  lc (may be NULL) gets the timed loop's cost. */
int ipl_run_session(struct ipl_conn *c, const struct ipl_run_spec *spec, struct ipl_hist *h,
		    struct ipl_client_stats *st, const char **step, struct ipl_loop_cost *lc);

/* CPU time and context switches summed over the processes of a run, over
 * the timed loop. */
struct ipl_run_tally {
	uint64_t cpu_ns, ctxsw;
};

/* Adds the use between two samples of one process to t. */
void ipl_run_tally_span(struct ipl_run_tally *t, const struct ipl_usage *from, const struct ipl_usage *to);

/* Adds one client's histogram, counters and own loop cost to res and t. */
void ipl_run_add_client(const struct ipl_run_spec *spec, struct ipl_run_result *res,
			struct ipl_run_tally *t, const struct ipl_hist *h,
			const struct ipl_client_stats *st, const struct ipl_loop_cost *lc);

/* Derives the rates and per-message costs of res from its sums and t. */
void ipl_run_finish(struct ipl_run_result *res, const struct ipl_run_tally *t);

/* Serves ep in this process with ipl_server_run until SIGINT/SIGTERM (or,
 * for pre-made channels, until every client is done): installs those
 * handlers (they cancel ep) and a no-op SIGUSR1 used as cfg's wake_signal,
 * then unblocks the three (fork with them held, ipl_serve_hold_stop, so an
 * early stop is held, not fatal), ignores SIGPIPE.  ep must be prepared and
 * attached as server; cfg (may be NULL) as for ipl_server_run, wake_signal
 * overridden.  Returns ipl_server_run's code; totals are added to st (may
 * be NULL). */
int ipl_serve_process(struct ipl_endpoint *ep, const struct ipl_server_cfg *cfg, struct ipl_serve_stats *st);
/* ipl_serve_process serving the framed exchange with payload cap cap. */
int ipl_serve_foreground(struct ipl_endpoint *ep, uint32_t cap, struct ipl_serve_stats *st);

/* Blocks SIGINT and SIGTERM in the calling thread (the previous mask to
 * *old, may be NULL) until ipl_serve_process takes them. */
void ipl_serve_hold_stop(sigset_t *old);

/* Installs a no-op handler for sig without SA_RESTART: sending sig to a
 * thread then only interrupts its blocked call (EINTR). */
void ipl_wake_install(int sig);

/* The raw baseline's two ends (bench/run/raw.c).  The server side is an
 * ipl_conn_handler for ipl_server_cfg (arg: the const struct ipl_run_spec):
 * it reads SIZE bytes per message and answers SIZE bytes (latency) or one
 * byte (throughput) until EOF or a cancel (0) or an error (negative code).
 * The client times the same loop the framed client runs, minus the header
 * and the verification: 0 or the code that ended it (also in st->fatal). */
int ipl_raw_serve_conn(struct ipl_conn *c, void *arg, struct ipl_rx_limit *lim, struct ipl_serve_stats *st);
int ipl_raw_client(struct ipl_conn *c, const struct ipl_run_spec *spec, struct ipl_hist *h,
		   struct ipl_client_stats *st, struct ipl_loop_cost *lc);

/* Waits for (reaps) every kids[i] > 0; a timeout after timeout_s seconds
 * (*timed_out set) or a stop signal kills them all first. */
void ipl_run_reap(const pid_t *kids, unsigned n, int timeout_s, int *timed_out);

#endif
