/* bench.h - the benchmark driver: runs, results, reports. */
#ifndef IPL_BENCH_H
#define IPL_BENCH_H

#include "exchange.h"
#include "hist.h"
#include "transport.h"

#include <stdio.h>
#include <sys/resource.h>

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
	int peer;             /* peer-to-peer pattern (peer.c) instead of client-server */
	int raw;              /* baseline: SIZE raw bytes each way, no header, no
			         verification (see bench/raw.c) */
};

struct ipl_run_result {
	struct ipl_hist hist;          /* every measured round trip, all clients */
	struct ipl_client_stats st;    /* summed over clients; elapsed = slowest */
	uint64_t msgs;                 /* measured messages, all clients (no warm-up) */
	double msgs_per_s, mb_per_s;   /* aggregate over clients */
	double cpu_ns_per_msg;         /* user+sys of client(s) and server (unless
					  remote) over the timed loop, per measured message */
	double ctxsw_per_msg;          /* voluntary+involuntary, same processes and span */
	int failed;                    /* the run did not complete */
	int interrupted;               /* ... because the driver was told to stop */
	char why[160];                 /* reason when failed */
	char server_addr[IPL_ADDR_MAX];
	char client_addr[IPL_ADDR_MAX]; /* first client's local address, "" if unknown */
};

/* Runs one measurement: forks the server (unless spec->connect) and the
 * clients, waits, merges.  Returns 0 when the run completed (verification
 * errors are in res->st.errors), or -1 with res->failed and res->why set. */
int ipl_run_once(const struct ipl_run_spec *spec, struct ipl_run_result *res);

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
	int marks;    /* how many of start, end were taken */
	int srv_ok;   /* the server could be read at both */
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

/* Pins the calling process to cpu (no-op for cpu < 0).  Returns 0 or -errno. */
int ipl_pin_cpu(int cpu);

/* Serves ep in this process until SIGINT/SIGTERM (or, for pre-made channels,
 * until every client is done): installs those handlers, then unblocks them
 * (fork with SIGTERM blocked so an early stop is held, not fatal), ignores
 * SIGPIPE.  ep must be prepared and attached as server. */
int ipl_serve_foreground(struct ipl_endpoint *ep, uint32_t cap, struct ipl_serve_stats *st);

/* The raw baseline's two ends (bench/raw.c).  The server reads SIZE bytes
 * per message and answers SIZE bytes (latency) or one byte (throughput);
 * the client times the same loop the framed client runs, minus the header
 * and the verification. */
int ipl_raw_serve(struct ipl_endpoint *ep, const struct ipl_run_spec *spec);
int ipl_raw_client(struct ipl_conn *c, const struct ipl_run_spec *spec,
		   struct ipl_hist *h, struct ipl_client_stats *st, struct ipl_loop_cost *lc);

/* ---- reports ---------------------------------------------------------- */

/* A row of the report: the repetitions of one configuration. */
struct ipl_row {
	const char *mech;          /* "tcp", "rpc/tcp" for layered, "tcp-raw" for a baseline */
	const char *wait;          /* shm wait policy name, or "" */
	const struct ipl_transport *tp; /* what runs it (NULL in reports read back) */
	int baseline;              /* the raw loop of the row before it */
	int peer;                  /* peer-to-peer pattern (bench/peer.c) */
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

enum ipl_format { IPL_FMT_TABLE, IPL_FMT_CSV, IPL_FMT_JSON, IPL_FMT_MD };

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

/* ---- statistics across repetitions (bench/stats.c) -------------------- */

/* Median, minimum and maximum of n values; n counts the finite ones used. */
struct ipl_spread {
	double median, min, max;
	unsigned n;
};

/* The spread of the finite values among v[0..n) (v is reordered).  All NaN
 * when none is finite. */
struct ipl_spread ipl_spread_of(double *v, size_t n);

/* (max - min) / median: 0.25 means the reps span 25% of the median. */
double ipl_spread_rel(const struct ipl_spread *s);

/* A rep counts in medians only when it completed with zero errors. */
int ipl_rep_valid(const struct ipl_run_result *r);

/* Per-rep statistics to hand to ipl_row_spread. */
double ipl_rep_p50(const struct ipl_run_result *r);
double ipl_rep_p99(const struct ipl_run_result *r);
double ipl_rep_mps(const struct ipl_run_result *r);
double ipl_rep_mbps(const struct ipl_run_result *r);
double ipl_rep_cpu(const struct ipl_run_result *r);
double ipl_rep_ctxsw(const struct ipl_run_result *r);
/* p50 for latency rows, msgs/s for the others: what a row is ranked by. */
double (*ipl_row_headline(const struct ipl_row *r))(const struct ipl_run_result *);

/* The spread across the row's valid reps of a per-rep statistic. */
struct ipl_spread ipl_row_spread(const struct ipl_row *r, double (*get)(const struct ipl_run_result *));
/* Median across valid reps (NaN when none is valid). */
double ipl_row_median(const struct ipl_row *r, double (*get)(const struct ipl_run_result *));

/* Rebuilds r->merged from the valid reps only. */
void ipl_row_finish(struct ipl_row *r);

/* Reasons to distrust a row. */
enum ipl_warn {
	IPL_WARN_FAILED = 1u << 0,     /* a rep did not complete */
	IPL_WARN_ERRORS = 1u << 1,     /* a rep saw verification errors */
	IPL_WARN_SPREAD = 1u << 2,     /* reps disagree by more than IPL_SPREAD_WARN */
	IPL_WARN_FIRST_SLOW = 1u << 3, /* the first rep was much slower than the rest */
	IPL_WARN_NO_VALID = 1u << 4,   /* no rep is valid: the row has no numbers */
	IPL_WARN_INTERRUPTED = 1u << 5, /* a rep was cut short by a stop signal */
};
#define IPL_SPREAD_WARN 0.25     /* (max-min)/median across reps */
#define IPL_FIRST_SLOW_WARN 1.30 /* first rep vs the median of the others */

/* Checks r; returns enum ipl_warn bits and, when text is not NULL, writes
 * one sentence per problem (each ending in '\n'). */
unsigned ipl_row_check(const struct ipl_row *r, char *text, size_t len);
/* One line of advice for the union of the rows' bits, or NULL; pinned:
 * every row ran pinned (--cpu), so pinning is not advised. */
const char *ipl_warn_hint(unsigned bits, int pinned);
/* "failed;errors;spread;first-slow;no-valid" for the bits set, or "". */
const char *ipl_warn_tokens(unsigned bits, char *buf, size_t len);

/* The framework's cost over the raw loop, in percent of the raw figure:
 * time per message framed / raw - 1, the median over rep pairs (framed k,
 * raw k ran back to back), or the ratio of the medians when the reps do not
 * pair up.  NaN when r has no baseline row. */
double ipl_row_overhead_pct(const struct ipl_report *rep, size_t row);

/* ---- output (bench/report.c) ------------------------------------------ */

/* "same-core", "cross-core" or "unpinned". */
const char *ipl_placement_name(int cpu_client, int cpu_server);

/* The CSV header, NULL-terminated: one row per rep, units in the names. */
extern const char *const ipl_csv_columns[];

void ipl_report_write(FILE *out, const struct ipl_report *rep, enum ipl_format fmt);

/* 1 when every row of rep ran with both ends pinned to a CPU. */
int ipl_report_pinned(const struct ipl_report *rep);

/* The JSON schema written by ipl_report_write: bumped when a field changes
 * meaning or goes away (new fields do not bump it). */
#define IPL_JSON_SCHEMA_VERSION 1
/* ---- interrupts (bench/interrupt.c) ----------------------------------- */

/* The driver: SIGINT, SIGTERM and SIGHUP kill every tracked process group
 * and set a flag (ipl_intr_signal); a second one exits 128 + signal at once. */
void ipl_intr_install(void);
/* The stop signal received, or 0. */
int ipl_intr_signal(void);
/* Process groups killed on a stop (a run's server and clients). */
void ipl_intr_track(pid_t pgid);
void ipl_intr_untrack(pid_t pgid);
void ipl_intr_kill_all(void);
/* fork() for a run's process: the child joins group pgid (0: leads a new
 * one, which the parent tracks), gets the default stop handlers and dies
 * with its parent (PR_SET_PDEATHSIG, getppid checked).  Stop signals are
 * held across the fork; the caller's mask is restored on both sides. */
pid_t ipl_intr_fork(pid_t pgid);
/* In a child forked some other way: default stop handlers, die with parent. */
void ipl_intr_child_setup(pid_t parent);
/* Waits for (reaps) every kids[i] > 0; a timeout after timeout_s seconds
 * (*timed_out set) or a stop signal kills them all first. */
void ipl_run_reap(const pid_t *kids, unsigned n, int timeout_s, int *timed_out);
/* "SIGINT", "SIGTERM", "SIGHUP". */
const char *ipl_intr_name(int sig);

/* ---- the benchmark lock (bench/lock.c) -------------------------------- */

/* Takes the benchmark lock (IPCLAB_BENCH_LOCK, default IPL_BENCH_LOCK;
 * empty: no lock) unless this process or an ancestor already holds it; says
 * who holds it on stderr after 5 s of waiting.  Returns the locked fd (kept
 * open, close-on-exec, for the life of the process), -1 when nothing needed
 * taking, or a negative error other than -1 (said on stderr). */
#define IPL_BENCH_LOCK "/tmp/ipclab-bench.lock"
int ipl_bench_lock(const char *who);
/* 1 when process pid or one of its ancestors holds a flock on the file at
 * path (checked through /proc/PID/fdinfo), else 0. */
int ipl_lock_held_by(pid_t pid, const char *path);

/* ---- sample counts (bench/stats.c) ------------------------------------ */

/* A percentile above the median is shown only with at least 10 samples
 * beyond it: p99 needs n >= 1000, p99.9 n >= 10000, p99.99 n >= 100000. */
int ipl_pct_supported(uint64_t n, double p);
/* The percentile p of h in ns, or NaN when h cannot support it. */
double ipl_hist_pct_or_nan(const struct ipl_hist *h, double p);

#endif
