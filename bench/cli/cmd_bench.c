/* cmd_bench.c - `ipclab bench`: parse options, run the grid, report. */
#include "bench/run/run.h"
#include "bench/run/row.h"
#include "bench/run/stats.h"
#include "bench/run/intr.h"
#include "bench/run/lock.h"
#include "bench/report/report.h"
#include "bench/cli/args.h"
#include "bench/cli/cli.h"
#include "common/clock.h"
#include "common/err.h"
#include "bench/run/peer.h"
#include "bench/cli/xhost.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
	"                        flight), stream (one-way SINKs) (default latency)\n"
	"      --window W        requests in flight for throughput mode (default 16)\n"
	"      --clients LIST    client processes, e.g. 1,2,4 (default 1)\n"
	"      --pattern LIST    client-server (default), peer (two processes that each\n"
	"                        serve and each request at once; rows \"unix-peer\"), or both\n"
	"      --cpu C,S         pin client(s) to CPU C and the server to CPU S; repeat\n"
	"                        for several placements (--cpu 0,0 --cpu 0,1)\n"
	"      --wait POLICY     shm wait policy: block (futex, default), spin, hybrid\n"
	"      --via MECH        carrier for layered mechanisms (rpc): tcp, unix, ... (default unix)\n"
	"      --crc             send CRC32C checksums and verify them\n"
	"      --baseline        add a raw row per mechanism (\"tcp-raw\"): SIZE bytes each way\n"
	"                        over the same transport, no header, no verification; the\n"
	"                        overhead column is framed/raw - 1 (byte-stream mechanisms,\n"
	"                        latency and throughput modes)\n"
	"      --cap BYTES       largest payload the server accepts (default 16M)\n"
	"      --connect ADDR    measure a server started with `ipclab serve` (one mechanism)\n"
	"      --timeout SECS    fail a run that takes longer (default 300)\n"
	"  -f, --format FMT      table, csv, json or md (default table)\n"
	"  -o, --out FILE        write the results there instead of stdout\n"
	"      --wide            every table column (spreads, p90, per-client rates, cs/msg,\n"
	"                        errors, cpu); the default table fits 120 columns\n"
	"      --save BASE       also write BASE.csv, BASE.json and BASE.md\n"
	"  -q, --quiet           no progress on stderr\n"
	"  -h, --help            this text\n"
	"\n"
	"Medians are over valid reps only: a rep that failed or saw a verification error\n"
	"is flagged in every format and left out.  Warnings (reps disagreeing by more\n"
	"than 25%, a first rep 1.3x slower than the rest) go to stderr once, and into\n"
	"the files written (-o, --save); the table on stdout flags the rows in status.\n"
	"n is the samples a row rests on; a percentile with fewer than 10 samples beyond\n"
	"it is \"-\".  cpu/msg and cs/msg cover the timed loop only (client only with --connect).\n"
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
	"--mode throughput, -n with --duration) is an error, not ignored.\n"
	"\n"
	"Exit status: 0 every run completed with 0 errors, 1 a run failed or saw errors,\n"
	"2 bad usage (nothing was run), 3 results could not be written; 129, 130, 143\n"
	"stopped by SIGHUP, SIGINT, SIGTERM (what finished was written).\n";

static char *join_argv(int argc, char **argv)
{
	size_t len = 16;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = calloc(1, len);
	if (!s)
		return NULL;
	strcpy(s, "ipclab");
	for (int i = 0; i < argc; i++) {
		strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Can mechanism tp have a raw baseline row?  Why not, in why. */
static int raw_ok(const struct ipl_transport *tp, enum ipl_mode mode, uint32_t size, const char **why)
{
	if ((tp->caps & IPL_CAP_LAYERED) || !(tp->caps & IPL_CAP_BYTES)) {
		*why = "not a plain byte stream (its raw cost is its carrier's: add the carrier to -m)";
		return 0;
	}
	if (mode == IPL_MODE_STREAM) {
		*why = "stream mode has no raw counterpart (nothing marks the end of the stream)";
		return 0;
	}
	if (size == 0) {
		*why = "size 0 has no raw bytes to move";
		return 0;
	}
	return 1;
}

/* Warm-up round trips: the given --warmup, or iters/10 (<= 10000), or with
 * --duration up to 1000 messages but no more than 16 MiB of payload, so a
 * 1 MiB warm-up does not outlast a short measurement. */
static uint64_t warmup_for(const struct ipl_bench_opts *o, uint32_t size)
{
	if (o->warmup_set)
		return o->warmup;
	if (!o->duration)
		return o->iters / 10 > 10000 ? 10000 : o->iters / 10;
	uint64_t w = size ? (16u << 20) / size : 1000;
	return w > 1000 ? 1000 : w < 10 ? 10 : w;
}

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
	int lockfd = ipl_bench_lock("ipclab bench"); /* held until exit; -1: none needed */
	ipl_intr_install();
	o.warmup = warmup_for(&o, o.nsizes ? (uint32_t)o.sizes[0] : 64);
	int progress = !o.quiet && isatty(STDERR_FILENO);

	FILE *out = stdout;
	if (o.out && !(out = fopen(o.out, "w"))) {
		fprintf(stderr, "ipclab bench: -o %s: cannot write: %m\n", o.out);
		return 2;
	}
	for (size_t p = 0; p < o.ncpu; p++) {
		int c = o.cpu_c[p], sv = o.cpu_s[p];
		for (size_t m = 0; m < o.nmech; m++)
			if ((o.mech[m]->caps & IPL_CAP_SPIN) && o.mwait[m] == IPL_WAIT_SPIN && c >= 0 && c == sv)
				fprintf(stderr, "warning: %s --wait spin with both ends on CPU %d: the waiting side spins "
						"until it gives up its time slice (it yields after 1 ms without progress); the "
						"numbers measure the scheduler, not the mechanism\n",
					o.mech[m]->name, c);
		if (c >= 0 && c == sv && !o.quiet)
			fprintf(stderr, "note: client and server share CPU %d: every hand-off is a context switch\n", c);
	}
	if (o.baseline)
		for (size_t m = 0; m < o.nmech; m++) {
			const char *why;
			if (!raw_ok(o.mech[m], IPL_MODE_LATENCY, 1, &why))
				fprintf(stderr, "note: no raw baseline for %s: %s\n", o.mech[m]->name, why);
		}

	size_t maxrows = o.ncpu * o.nmech * o.nsizes * o.nmodes * o.nclients * (o.baseline ? 2 : 1);
	struct ipl_row *rows = calloc(maxrows, sizeof *rows);
	char (*rawnames)[64] = calloc(o.nmech, sizeof *rawnames);
	size_t *mof = calloc(maxrows, sizeof *mof); /* row -> its -m entry */
	struct ipl_report rep = {
		.rows = rows, .iters = o.duration ? 0 : o.iters, .warmup = o.warmup, .reps = (unsigned)o.reps,
		.argv_line = join_argv(argc, argv), .duration_s = o.duration, .timeout_s = o.timeout,
		.window = (unsigned)o.window, .cap = (uint32_t)o.cap, .crc = o.crc, .baseline = o.baseline,
		.wait = ipl_wait_name(o.wait), .via = o.via ? o.via->name : NULL, .connect = o.connect,
		.wide = o.wide, .started = (int64_t)time(NULL),
	};
	if (!rows || !rawnames || !mof) {
		fprintf(stderr, "ipclab bench: out of memory\n");
		return 1;
	}
	for (size_t m = 0; m < o.nmech; m++)
		snprintf(rawnames[m], sizeof rawnames[m], "%s%s%s-raw", o.mech[m]->name, /* "shm-block-raw" */
			 (o.mech[m]->caps & IPL_CAP_SPIN) ? "-" : "",
			 (o.mech[m]->caps & IPL_CAP_SPIN) ? ipl_wait_name(o.mwait[m]) : "");

	/* lay out every row first, so progress knows the total */
	for (size_t p = 0; p < o.ncpu; p++)
		for (size_t m = 0; m < o.nmech; m++)
			for (size_t md = 0; md < o.nmodes; md++)
				for (size_t cl = 0; cl < o.nclients; cl++)
					for (size_t s = 0; s < o.nsizes; s++)
						for (int raw = 0; raw <= o.baseline; raw++) {
							const char *why;
							if (raw && (o.peer[m] || !raw_ok(o.mech[m], o.modes[md], (uint32_t)o.sizes[s], &why)))
								continue;
							struct ipl_row *r = &rows[rep.nrows];
							r->mech = raw ? rawnames[m] : o.peer[m] ? ipl_peer_label(o.mech[m], o.mvia[m])
								: ipl_row_label(o.mech[m], o.mvia[m]);
							r->peer = o.peer[m];
							r->wait = !raw && (o.mech[m]->caps & IPL_CAP_SPIN) ? ipl_wait_name(o.mwait[m]) : "";
							mof[rep.nrows] = m;
							r->tp = o.mech[m];
							r->baseline = raw;
							r->framed = raw ? (long)rep.nrows - 1 : -1;
							r->size = (uint32_t)o.sizes[s];
							r->warmup = warmup_for(&o, r->size);
							r->mode = o.modes[md];
							r->clients = (unsigned)o.clients[cl];
							r->window = r->mode == IPL_MODE_THROUGHPUT ? (unsigned)o.window : 1;
							r->cpu_client = o.cpu_c[p];
							r->cpu_server = o.cpu_s[p];
							r->nreps = (unsigned)o.reps;
							r->reps = calloc(o.reps, sizeof *r->reps);
							if (!r->reps) {
								fprintf(stderr, "ipclab bench: out of memory\n");
								return 1;
							}
							rep.nrows++;
						}
	size_t total = rep.nrows * o.reps, done = 0, laid = rep.nrows;
	int stopped = 0;
	uint64_t t_start = ipl_now_ns();
	int bad = 0;
	/* A framed row and its raw baseline run rep by rep in turn (framed 1,
	 * raw 1, framed 2, ...): a busy spell on the machine then hits both
	 * alike instead of skewing the overhead. */
	for (size_t row = 0; row < rep.nrows && !stopped;) {
		size_t span = row + 1 < rep.nrows && rows[row + 1].baseline ? 2 : 1;
		for (unsigned k = 0; k < rows[row].nreps && !stopped; k++)
			for (size_t g = row; g < row + span && !stopped; g++) {
				struct ipl_row *r = &rows[g];
				struct ipl_run_spec spec = {
					.tp = r->tp,
					.tpo = { .cap = (uint32_t)o.cap, .timeout_ms = 5000, .wait = o.mwait[mof[g]],
						 .via = o.mvia[mof[g]] },
					.connect = o.connect,
					.size = r->size,
					.iters = o.iters,
					.warmup = r->warmup,
					.duration_ns = (uint64_t)(o.duration * 1e9),
					.mode = r->mode,
					.window = r->window,
					.clients = r->clients,
					.cpu_client = r->cpu_client,
					.cpu_server = r->cpu_server,
					.crc = o.crc,
					.timeout_s = (int)ceil(o.timeout),
					.raw = r->baseline,
					.peer = r->peer,
				};
				if (progress) {
					char eta[32];
					double el = (double)(ipl_now_ns() - t_start) / 1e9;
					fmt_eta(eta, sizeof eta, done ? el / (double)done * (double)(total - done) : -1);
					char pl[32] = "unpinned";
					if (r->cpu_client >= 0 || r->cpu_server >= 0)
						snprintf(pl, sizeof pl, "cpu %d,%d", r->cpu_client, r->cpu_server);
					fprintf(stderr, "\r\033[K[%zu/%zu] %s %u B %s x%u %s rep %u/%u  ETA %s",
						done + 1, total, r->mech, r->size, ipl_mode_name(r->mode), r->clients,
						pl, k + 1, r->nreps, eta);
				}
				if (ipl_intr_signal())
					mark_stopped(&r->reps[k]); /* asked to stop between runs */
				else if ((trace_run(r, k), ipl_run_once(&spec, &r->reps[k]) < 0 &&
					  !r->reps[k].interrupted) ||
					 r->reps[k].st.errors)
					bad = 1;
				if (r->reps[k].interrupted) {
					cut_short(&rep, row, span, g, k);
					stopped = 1;
					break;
				}
				done++;
			}
		for (size_t g = row; g < row + span; g++)
			ipl_row_finish(&rows[g]);
		row += span;
	}
	if (progress)
		fprintf(stderr, "\r\033[K");
	rep.runs_done = done;
	rep.runs_total = total;
	if (rep.interrupted)
		fprintf(stderr, "ipclab bench: interrupted by %s after %zu of %zu runs: writing what finished\n",
			ipl_intr_name(rep.interrupted), done, total);

	/* each warning once per stream: here on stderr, and in the files
	 * written (-o, --save); not a second time in the table on stdout */
	rep.omit_warnings = out == stdout;
	char text[4096];
	unsigned all = 0;
	for (size_t i = 0; i < rep.nrows; i++)
		if ((all |= ipl_row_check(&rows[i], text, sizeof text), text[0]))
			for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
				fprintf(stderr, "warning: %s\n", line);
	if (ipl_warn_hint(all, ipl_report_pinned(&rep)))
		fprintf(stderr, "hint: %s\n", ipl_warn_hint(all, ipl_report_pinned(&rep)));

	int lost = 0; /* results that could not be written: exit 3 */
	ipl_report_write(out, &rep, o.fmt);
	if (out != stdout ? fclose(out) != 0 : fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "ipclab bench: writing %s failed: %m\n", o.out ? o.out : "standard output");
		lost = 1;
	}
	if (o.save) {
		static const struct { const char *ext; enum ipl_format fmt; } files[] = {
			{ ".csv", IPL_FMT_CSV }, { ".json", IPL_FMT_JSON }, { ".md", IPL_FMT_MD },
		};
		rep.omit_warnings = 0;
		for (size_t i = 0; i < 3; i++) {
			char path[4096];
			snprintf(path, sizeof path, "%s%s", o.save, files[i].ext);
			if (write_file(path, &rep, files[i].fmt) < 0)
				lost = 1;
		}
	}
	if (bad)
		fprintf(stderr, "ipclab bench: some runs failed or saw verification errors: they are left out of the "
				"medians and flagged in the status column\n");
	for (size_t i = 0; i < laid; i++)
		free(rows[i].reps);
	free(rows);
	free(rawnames);
	free(mof);
	free((char *)rep.argv_line);
	if (lockfd >= 0)
		close(lockfd);
	return stop_status(lost ? 3 : bad ? 1 : 0);
}
