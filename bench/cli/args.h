/* args.h - the options of `ipclab bench`, parsed (bench_args.c) and
 * checked (validate.c) before anything is measured: a run that starts has
 * options that all apply and outputs that can be written. */
#ifndef IPL_BENCH_ARGS_H
#define IPL_BENCH_ARGS_H

#include "bench/run/run.h"
#include "bench/report/report.h"
#include "bench/cli/cli.h"

struct ipl_bench_opts {
	/* one entry per row label: mechanism, its wait policy and carrier,
	 * client-server or peer */
	const struct ipl_transport *mech[IPL_LIST_MAX];
	enum ipl_wait mwait[IPL_LIST_MAX];
	const struct ipl_transport *mvia[IPL_LIST_MAX]; /* NULL: the default carrier */
	int peer[IPL_LIST_MAX];
	/* the entry's label named these itself ("shm-spin", "rpc/tcp", "unix-peer"):
	 * --wait, --via and --pattern do not change them */
	int own_wait[IPL_LIST_MAX], own_via[IPL_LIST_MAX], own_peer[IPL_LIST_MAX];
	size_t nmech;
	int pat_cs, pat_peer; /* --pattern: which patterns */
	uint64_t sizes[IPL_LIST_MAX];
	size_t nsizes;
	uint64_t clients[IPL_LIST_MAX];
	size_t nclients;
	enum ipl_mode modes[4];
	size_t nmodes;
	double rates[IPL_LIST_MAX]; /* --rate: offered msgs/s of --mode load, all clients */
	size_t nrates;
	uint64_t iters, warmup, reps, window, cap;
	int warmup_set;
	double duration, timeout;
	int cpu_c[IPL_LIST_MAX], cpu_s[IPL_LIST_MAX];
	size_t ncpu;
	int crc, quiet, baseline, wide;
	int save_histograms; /* JSON: each row's non-empty histogram buckets */
	const char *save;
	const char *samples; /* --samples FILE: every timed sample of the one row */
	enum ipl_wait wait;
	const struct ipl_transport *via;
	const char *connect, *out;
	enum ipl_format fmt;
	/* given on the command line, for "does not apply" */
	int set_iters, set_duration, set_window, set_wait, set_via, set_pattern, set_rate;
	uint32_t pipe_size, sockbuf; /* --pipe-size, --sockbuf; 0 = not given */
	int server, set_server;      /* --server: enum ipl_server_model */
	int at_least_once, set_semantics; /* --rpc-semantics */
};

/* Fills o from argv and checks it (ipl_bench_validate).  Returns 0, 2 after
 * one line on stderr naming the option and what is wrong with it, or -1
 * when -h/--help was asked for. */
int ipl_bench_parse(int argc, char **argv, struct ipl_bench_opts *o);

/* Everything about o that can be known before a run: options that do not
 * apply to the chosen mechanisms or modes, duplicates (merged, with a note
 * on stderr unless quiet), --connect addresses, --save targets.  Returns 0
 * or -1 with one line in err. */
int ipl_bench_validate(struct ipl_bench_opts *o, char *err, size_t errlen);

/* Whether a file could be created or overwritten at path.  0 or -1 with a
 * reason in err. */
int ipl_check_writable(const char *path, char *err, size_t errlen);

/* Whether addr is well formed for tp over via as a --connect target: a
 * HOST:PORT with a port in 1..65535 for tcp, an existing socket for unix,
 * an existing directory for fifo, a shm name for shm.  0 or -1 with err. */
int ipl_check_connect_addr(const struct ipl_transport *tp, const struct ipl_transport *via,
			   const char *addr, char *err, size_t errlen);

/* Whether addr is well formed for `serve --listen`: HOST:PORT with a port in
 * 0..65535 (0: any free port) for tcp, a path short enough for unix.  The
 * rest (does the directory exist?) is the mechanism's to say at prepare.
 * 0 or -1 with err. */
int ipl_check_listen_addr(const struct ipl_transport *tp, const struct ipl_transport *via,
			  const char *addr, char *err, size_t errlen);

#endif
