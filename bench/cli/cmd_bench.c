/* cmd_bench.c - `ipclab bench`: parse options, run the grid, report. */
#include "bench/registry/registry.h"
#include "bench/run/run.h"
#include "bench/run/row.h"
#include "bench/run/stats.h"
#include "bench/run/intr.h"
#include "bench/run/lock.h"
#include "bench/run/peer.h"
#include "bench/run/samples.h"
#include "bench/report/report.h"
#include "bench/cli/args.h"
#include "bench/cli/cli.h"
#include "bench/cli/grid.h"
#include "common/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char bench_usage[] =
	"usage: ipclab bench [options]\n"
	"\n"
	"For each mechanism, size and client count: a server process and client\n"
	"process(es); every reply is verified (sequence, length, payload).\n"
	"\n"
	"  -m, --mech LIST       mechanisms, comma-separated (default: every local one;\n"
	"                        see `ipclab list`); the labels the table prints work\n"
	"                        too: shm-spin (shm, --wait spin), rpc/tcp (rpc --via\n"
	"                        tcp), unix-peer (--pattern peer); a name given twice\n"
	"                        runs once\n"
	"  -s, --sizes LIST      payload sizes in bytes, K/M suffixes (default 64,1024,65536)\n"
	"  -n, --iters N         measured round trips per run (default 20000)\n"
	"      --duration SECS   run each measurement this long instead of -n\n"
	"      --warmup N        unmeasured round trips first (default iters/10, <= 10000)\n"
	"      --reps R          repetitions per configuration; the table shows medians (default 1)\n"
	"      --mode LIST       latency (ping-pong ECHO), throughput (--window SINKs in\n"
	"                        flight), stream (one-way SINKs), load (ECHOs sent on a\n"
	"                        fixed schedule at --rate) (default latency)\n"
	"      --rate LIST       load mode: msgs/s offered, all clients together (each\n"
	"                        client sends RATE/clients), k and M suffixes: 1k,10k,50k;\n"
	"                        one row per rate.  Each reply is timed from when its\n"
	"                        request was due, not when it was sent (coordinated\n"
	"                        omission corrected); a rate whose achieved msgs/s is\n"
	"                        under 95% of it is flagged \"not sustained\".  -n is\n"
	"                        requests per client; without -n or --duration a load\n"
	"                        row runs 2 s\n"
	"      --window W        requests in flight for throughput mode (default 16) and\n"
	"                        load mode (default 1)\n"
	"      --clients LIST    client processes, e.g. 1,2,4 (default 1)\n"
	"      --pattern LIST    client-server (default), peer (two processes that each\n"
	"                        serve and each request at once; rows \"unix-peer\"), or both\n"
	"      --cpu C,S         pin client(s) to CPU C and the server to CPU S; repeat\n"
	"                        for several placements (--cpu 0,0 --cpu 0,1)\n"
	"      --wait POLICY     shm wait policy: block (futex, default), spin, hybrid\n"
	"      --via MECH        carrier for layered mechanisms (rpc): tcp, unix, ... (default unix);\n"
	"                        rpc and oncrpc also udp: one call per datagram, resent on\n"
	"                        timeout (oncrpc: by libtirpc, every 200 ms, no stream mode)\n"
	"      --rpc-semantics at-most-once|at-least-once\n"
	"                        rpc over udp: the server's duplicate-request cache on\n"
	"                        (a retransmitted call runs at most once; default) or off\n"
	"      --crc             send CRC32C checksums and verify them\n"
	"      --baseline        add a raw row per mechanism (\"tcp-raw\"): SIZE bytes each way\n"
	"                        over the same transport, no header, no verification; the\n"
	"                        overhead column is framed/raw - 1 (byte-stream mechanisms,\n"
	"                        latency and throughput modes)\n"
	"      --cap BYTES       largest payload the server accepts (default 16M)\n"
	"      --pipe-size BYTES pipe, fifo: capacity of both pipes of every conn, both ends\n"
	"                        (F_SETPIPE_SZ; rounded up to a power-of-two number of\n"
	"                        pages; at most fs.pipe-max-size, root too)\n"
	"      --sockbuf BYTES   tcp, unix, seqpacket: SO_SNDBUF and SO_RCVBUF on both ends,\n"
	"                        set before connect/listen.  Linux keeps twice the request,\n"
	"                        capped at net.core.wmem_max/rmem_max without a word.\n"
	"                        Both record the size in force as the kernel reports it\n"
	"                        (pipe_size_bytes, sockbuf_bytes; empty when not given)\n"
	"      --server MODEL    how the server holds its clients: threads (default, one\n"
	"                        thread per connection) or epoll (one thread, one epoll\n"
	"                        loop over non-blocking sockets: tcp and unix only).\n"
	"                        Recorded as server_model (baseline rows: threads)\n"
	"      --connect ADDR    measure a server started with `ipclab serve` (one mechanism)\n"
	"                        rpc: ADDR may be a HOST alone (no port): HOST's rpcbind\n"
	"                        says where the program listens over tcp\n"
	"      --timeout SECS    fail a run that takes longer (default 300)\n"
	"  -f, --format FMT      table, csv, json or md (default table)\n"
	"  -o, --out FILE        write the results there instead of stdout\n"
	"      --wide            every table column (spreads, p90, per-client rates, cs/msg,\n"
	"                        errors, cpu); the default table fits 120 columns\n"
	"      --save BASE       also write BASE.csv, BASE.json and BASE.md\n"
	"      --save-histograms the JSON also holds each row's latency histogram: its\n"
	"                        non-empty buckets as [lo_ns, hi_ns, count]\n"
	"      --samples FILE    write every timed sample of the run, in order, as CSV\n"
	"                        rep,index,latency_ns after '# ' lines naming the row;\n"
	"                        one row only (one -m, -s, --mode latency or load,\n"
	"                        --clients, --cpu, --rate; no --baseline); with\n"
	"                        --clients N the samples of client 1 only; valid reps\n"
	"                        only; at most 8M samples per rep are kept\n"
	"  -q, --quiet           no progress on stderr\n"
	"  -h, --help            this text\n"
	"\n"
	"Medians are over valid reps only: a rep that failed or saw a verification error\n"
	"is flagged in every format and left out.  Warnings (reps disagreeing by more\n"
	"than 25%, a first rep 1.3x slower than the rest) go to stderr once, and into\n"
	"the files written (-o, --save); the table on stdout flags the rows in status.\n"
	"n is the samples a row rests on; a percentile with fewer than 10 samples beyond\n"
	"it is \"-\".  Every row carries a 95% confidence interval of its p50 (CSV\n"
	"median_p50_ci95_lo_ns/hi_ns, per rep p50_ci95_lo_ns/hi_ns; JSON; Markdown and\n"
	"--wide \"p50 (95% CI)\"): a bootstrap over the reps with 3 or more valid reps,\n"
	"else the order-statistic interval of the reps' histograms.  cpu/msg and cs/msg cover the timed loop only (client only with --connect).\n"
	"Ctrl-C, SIGTERM or SIGHUP writes what finished, marked interrupted, and exits\n"
	"128+signal; a second one exits at once.  Runs take turns through the lock\n"
	"$IPCLAB_BENCH_LOCK (default /tmp/ipclab-bench.lock; nesting under it is safe).\n"
	"\n"
	"MB/s is payload bytes one way: measured messages x SIZE / elapsed seconds / 10^6.\n"
	"Headers are not counted, and in latency mode the echoed reply is not counted\n"
	"again (a round trip moves SIZE bytes each way; MB/s counts them once).\n"
	"\n"
	"Every option and output path is checked before the first run: an option that\n"
	"does not apply (--wait without shm, --via without rpc, --window without\n"
	"--mode throughput or load, --rate without --mode load, -n with --duration,\n"
	"--pipe-size without pipe or fifo, --sockbuf without a socket mechanism)\n"
	"is an error, not ignored.\n"
	"\n"
	"Exit status: 0 every run completed with 0 errors, 1 a run failed or saw errors,\n"
	"2 bad usage (nothing was run), 3 results could not be written; 129, 130, 143\n"
	"stopped by SIGHUP, SIGINT, SIGTERM (what finished was written).\n";

static const char *fmt_eta(char *buf, size_t len, double secs)
{
	if (!(secs >= 0) || secs > 1e6)
		snprintf(buf, len, "?");
	else if (secs >= 60)
		snprintf(buf, len, "%dm%02ds", (int)secs / 60, (int)secs % 60);
	else
		snprintf(buf, len, "%.0fs", secs);
	return buf;
}

/* IPCLAB_TRACE_RUNS=FILE: one line per run, appended before its processes
 * are forked, so a test can tell that a refused command line started none. */
static void trace_run(const struct ipl_row *r, unsigned k)
{
	const char *path = getenv("IPCLAB_TRACE_RUNS");
	FILE *f = path && *path ? fopen(path, "a") : NULL;
	if (!f)
		return;
	fprintf(f, "run %s %u %s rep %u\n", r->mech, r->size, ipl_mode_name(r->mode), k + 1);
	fclose(f);
}

/* Writes the report in one format to path.  Returns 0 or -1 (said on stderr). */
static int write_file(const char *path, const struct ipl_report *rep, enum ipl_format fmt)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "ipclab bench: cannot write '%s': %m\n", path);
		return -1;
	}
	ipl_report_write(f, rep, fmt);
	if (fclose(f) != 0) {
		fprintf(stderr, "ipclab bench: writing '%s' failed: %m\n", path);
		return -1;
	}
	return 0;
}

/* ---- interrupts: what a stop signal leaves (issue 15) ------------------ */

/* A rep that a stop signal kept from running (or cut short). */
static void mark_stopped(struct ipl_run_result *x)
{
	memset(x, 0, sizeof *x);
	ipl_hist_init(&x->hist);
	x->failed = x->interrupted = 1;
	snprintf(x->why, sizeof x->why, "interrupted by %s", ipl_intr_name(ipl_intr_signal()));
}

/* The grid stopped at rep k of row g, inside the span [row, row + span)
 * that runs rep by rep in turn: rows before g in the span finished rep k,
 * rows after it did not.  Keeps what finished plus the stopped rep; rows
 * left without a rep, and every later row, leave the report. */
static void cut_short(struct ipl_report *rep, size_t row, size_t span, size_t g, unsigned k)
{
	size_t keep = row + span;
	for (size_t i = row; i < row + span; i++) {
		rep->rows[i].nreps = i <= g ? k + 1 : k;
		if (!rep->rows[i].nreps && keep == row + span)
			keep = i;
	}
	rep->nrows = keep;
	rep->interrupted = ipl_intr_signal();
}

/* Exit status: 128 + the stop signal, as a shell reports a death by it. */
static int stop_status(int rc)
{
	return ipl_intr_signal() ? 128 + ipl_intr_signal() : rc;
}

/* ---- before the runs ------------------------------------------------------ */

/* Placements that make numbers misleading, and -m entries --baseline skips. */
static void warn_setup(const struct ipl_bench_opts *o)
{
	for (size_t p = 0; p < o->ncpu; p++) {
		int c = o->cpu_c[p], sv = o->cpu_s[p];
		for (size_t m = 0; m < o->nmech && c >= 0 && c == sv; m++)
			if ((o->mech[m]->caps & IPL_CAP_SPIN) && o->mwait[m] == IPL_WAIT_SPIN)
				fprintf(stderr,
					"warning: %s --wait spin with both ends on CPU %d: the waiting side spins "
					"until it gives up its time slice (it yields after 1 ms without progress); the "
					"numbers measure the scheduler, not the mechanism\n",
					o->mech[m]->name, c);
		if (c >= 0 && c == sv && !o->quiet)
			fprintf(stderr, "note: client and server share CPU %d: every hand-off is a context switch\n",
				c);
	}
	for (size_t m = 0; m < o->nmech; m++) /* sizes one message cannot carry: no rows */
		for (size_t s = 0; s < o->nsizes; s++)
		{
			const char *why;
			uint32_t max = ipl_max_payload_of(o->mech[m], o->mvia[m], &why);
			if (max && o->sizes[s] > max)
				fprintf(stderr, "note: %s %llu B refused: %s\n", o->mech[m]->name,
					(unsigned long long)o->sizes[s], why);
		}
	for (size_t m = 0; o->baseline && m < o->nmech; m++) {
		const char *why;
		if (!ipl_bench_raw_ok(o->mech[m], IPL_MODE_LATENCY, 1, &why))
			fprintf(stderr, "note: no raw baseline for %s: %s\n", o->mech[m]->name, why);
	}
}

/* 1 when no mechanism can carry any of the sizes: every row would be
 * refused, and a run of nothing is bad usage, not a success. */
static int nothing_fits(const struct ipl_bench_opts *o)
{
	for (size_t m = 0; m < o->nmech; m++)
		for (size_t s = 0; s < o->nsizes; s++)
		{
			uint32_t max = ipl_max_payload_of(o->mech[m], o->mvia[m], NULL);
			if (!max || o->sizes[s] <= max)
				return 0;
		}
	return o->nmech && o->nsizes;
}

/* ---- the runs --------------------------------------------------------------- */

/* Where the grid stands: runs done of total, since t_start. */
struct progress {
	int on; /* a terminal is watching stderr */
	size_t done, total;
	uint64_t t_start;
};

static void show_progress(const struct progress *pg, const struct ipl_row *r, unsigned k)
{
	if (!pg->on)
		return;
	char eta[32], pl[32] = "unpinned";
	double el = (double)(ipl_now_ns() - pg->t_start) / 1e9;
	double left = pg->done ? el / (double)pg->done * (double)(pg->total - pg->done) : -1;
	fmt_eta(eta, sizeof eta, left);
	if (r->cpu_client >= 0 || r->cpu_server >= 0)
		snprintf(pl, sizeof pl, "cpu %d,%d", r->cpu_client, r->cpu_server);
	fprintf(stderr, "\r\033[K[%zu/%zu] %s %u B %s x%u %s rep %u/%u  ETA %s", pg->done + 1, pg->total,
		r->mech, r->size, ipl_mode_name(r->mode), r->clients, pl, k + 1, r->nreps, eta);
}

/* Runs rep k of row r (or marks it stopped when a stop came between
 * runs).  Returns 1 when it failed or saw errors, else 0. */
static int run_rep(const struct ipl_bench_opts *o, struct ipl_row *r, unsigned k, struct ipl_samples *smp)
{
	struct ipl_run_result *res = &r->reps[k];
	if (ipl_intr_signal()) {
		mark_stopped(res); /* asked to stop between runs */
		return 0;
	}
	trace_run(r, k);
	struct ipl_run_spec spec = ipl_bench_spec(o, r);
	spec.trace = smp ? smp->trace : NULL;
	int rc = r->peer ? ipl_peer_run_once(&spec, res) : ipl_run_once(&spec, res);
	if (smp)
		ipl_samples_rep(smp, r, k);
	return (rc < 0 && !res->interrupted) || res->st.errors;
}

/* Runs the span [row, row + span) rep by rep in turn.  Returns 1 when a
 * run failed or saw errors; *stopped when a stop signal cut it short. */
static int run_span(const struct ipl_bench_opts *o, struct ipl_report *rep, size_t row, size_t span,
		    struct progress *pg, int *stopped, struct ipl_samples *smp)
{
	int bad = 0;
	for (unsigned k = 0; k < rep->rows[row].nreps; k++) {
		for (size_t g = row; g < row + span; g++) {
			struct ipl_row *r = &rep->rows[g];
			show_progress(pg, r, k);
			bad |= run_rep(o, r, k, smp);
			if (r->reps[k].interrupted) {
				cut_short(rep, row, span, g, k);
				*stopped = 1;
				return bad;
			}
			pg->done++;
		}
	}
	return bad;
}

/* Every row.  A framed row and its raw baseline run rep by rep in turn
 * (framed 1, raw 1, framed 2, ...): a busy spell on the machine then hits
 * both alike instead of skewing the overhead.  Returns 1 when a run failed
 * or saw errors. */
static int run_grid(const struct ipl_bench_opts *o, struct ipl_report *rep, int progress, struct ipl_samples *smp)
{
	struct progress pg = { .on = progress, .total = rep->nrows * o->reps, .t_start = ipl_now_ns() };
	int bad = 0, stopped = 0;
	for (size_t row = 0; row < rep->nrows && !stopped;) {
		size_t span = row + 1 < rep->nrows && rep->rows[row + 1].baseline ? 2 : 1;
		bad |= run_span(o, rep, row, span, &pg, &stopped, smp);
		for (size_t g = row; g < row + span; g++)
			ipl_row_finish(&rep->rows[g]);
		row += span;
	}
	if (progress)
		fprintf(stderr, "\r\033[K");
	rep->runs_done = pg.done;
	rep->runs_total = pg.total;
	return bad;
}

/* ---- after the runs --------------------------------------------------------- */

/* Each warning once per stream: here on stderr, and in the files written
 * (-o, --save); not a second time in the table on stdout. */
static void warn_rows(const struct ipl_report *rep)
{
	char text[4096];
	unsigned all = 0;
	for (size_t i = 0; i < rep->nrows; i++) {
		all |= ipl_row_check(&rep->rows[i], text, sizeof text);
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
			fprintf(stderr, "warning: %s\n", line);
	}
	const char *hint = ipl_warn_hint(all, ipl_report_pinned(rep));
	if (hint)
		fprintf(stderr, "hint: %s\n", hint);
}

/* Writes rep to out (closed unless stdout) and the --save files.  Returns
 * 1 when a result could not be written (said on stderr), else 0. */
static int write_results(const struct ipl_bench_opts *o, struct ipl_report *rep, FILE *out)
{
	static const struct {
		const char *ext;
		enum ipl_format fmt;
	} files[] = {
		{ ".csv", IPL_FMT_CSV },
		{ ".json", IPL_FMT_JSON },
		{ ".md", IPL_FMT_MD },
	};
	int lost = 0;
	ipl_report_write(out, rep, o->fmt);
	if (out != stdout ? fclose(out) != 0 : fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "ipclab bench: writing %s failed: %m\n", o->out ? o->out : "standard output");
		lost = 1;
	}
	rep->omit_warnings = 0;
	for (size_t i = 0; o->save && i < 3; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s%s", o->save, files[i].ext);
		lost |= write_file(path, rep, files[i].fmt) < 0;
	}
	return lost;
}

/* Measures the grid of o and writes it to out.  Returns the exit status. */
static int bench(struct ipl_bench_opts *o, FILE *out, struct ipl_samples *smp, int argc, char **argv)
{
	struct ipl_bench_grid g;
	if (ipl_bench_grid_init(&g, o, argc, argv) < 0) {
		fprintf(stderr, "ipclab bench: out of memory\n");
		return 1;
	}
	if (smp && g.rep.nrows) /* validated: one row at most */
		ipl_samples_header(smp, &g.rep.rows[0]);
	int bad = run_grid(o, &g.rep, !o->quiet && isatty(STDERR_FILENO), smp);
	if (g.rep.interrupted)
		fprintf(stderr, "ipclab bench: interrupted by %s after %zu of %zu runs: writing what finished\n",
			ipl_intr_name(g.rep.interrupted), g.rep.runs_done, g.rep.runs_total);
	g.rep.omit_warnings = out == stdout;
	warn_rows(&g.rep);
	int lost = write_results(o, &g.rep, out);
	if (smp)
		lost |= ipl_samples_close(smp) < 0;
	if (bad)
		fprintf(stderr, "ipclab bench: some runs failed or saw verification errors: they are left out of the "
				"medians and flagged in the status column\n");
	ipl_bench_grid_free(&g);
	return lost ? 3 : bad ? 1 : 0;
}

/* The pipe mechanism makes every client's two pipes (four fds) in this
 * process before forking: --clients 256 needs over 1024 fds, the usual soft
 * limit.  Raise the soft limit towards what the largest --clients needs,
 * within the hard limit (what is still short fails the run with EMFILE). */
static void raise_fd_limit(const struct ipl_bench_opts *o)
{
	uint64_t most = 1;
	for (size_t i = 0; i < o->nclients; i++)
		most = o->clients[i] > most ? o->clients[i] : most;
	rlim_t need = (rlim_t)(4 * most + 64);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ? rl.rlim_max : need;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int ipl_cmd_bench(int argc, char **argv)
{
	struct ipl_bench_opts o;
	int rc = ipl_bench_parse(argc, argv, &o);
	if (rc < 0) {
		fputs(bench_usage, stdout);
		return 0;
	}
	if (rc)
		return rc;
	if (!o.ncpu)
		o.ncpu = 1; /* one placement: unpinned (-1,-1) */
	if (nothing_fits(&o)) {
		const char *why;
		ipl_max_payload_of(o.mech[0], o.mvia[0], &why);
		fprintf(stderr, "ipclab bench: nothing to run: %s cannot carry %llu B (%s)\n",
			o.mech[0]->name, (unsigned long long)o.sizes[0], why);
		return 2;
	}
	raise_fd_limit(&o);
	int lockfd = ipl_bench_lock("ipclab bench"); /* held until exit; -1: none needed */
	ipl_intr_install();
	o.warmup = ipl_bench_warmup(&o, o.nsizes ? (uint32_t)o.sizes[0] : 64);

	FILE *out = stdout;
	if (o.out && !(out = fopen(o.out, "w"))) {
		fprintf(stderr, "ipclab bench: -o %s: cannot write: %m\n", o.out);
		return 2;
	}
	/* samples per rep: -n of them, or unknown (--duration, load without -n) */
	struct ipl_samples smp;
	char err[512];
	uint64_t per_rep = o.set_duration || (o.modes[0] == IPL_MODE_LOAD && !o.set_iters) ? 0 : o.iters;
	if (o.samples && ipl_samples_open(&smp, o.samples, per_rep, err, sizeof err) < 0) {
		fprintf(stderr, "ipclab bench: %s\n", err);
		if (out != stdout)
			fclose(out);
		return 2;
	}
	warn_setup(&o);
	rc = bench(&o, out, o.samples ? &smp : NULL, argc, argv);
	if (lockfd >= 0)
		close(lockfd);
	return stop_status(rc);
}
