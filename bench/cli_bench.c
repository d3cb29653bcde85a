/* cli_bench.c - `ipclab bench`: parse options, run the grid, report. */
#include "bench.h"
#include "cli.h"
#include "clock.h"
#include "err.h"
#include "peer.h"
#include "xhost.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char bench_usage[] =
	"usage: ipclab bench [options]\n"
	"\n"
	"For each mechanism, size and client count: a server process and client\n"
	"process(es); every reply is verified (sequence, length, payload).\n"
	"\n"
	"  -m, --mech LIST       mechanisms, comma-separated (default: every local one;\n"
	"                        see `ipclab list`)\n"
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
	"      --save BASE       also write BASE.csv, BASE.json and BASE.md\n"
	"  -q, --quiet           no progress on stderr\n"
	"  -h, --help            this text\n"
	"\n"
	"Medians are over valid reps only: a rep that failed or saw a verification error\n"
	"is flagged in every format and left out.  Warnings (reps disagreeing by more\n"
	"than 25%, a first rep 1.3x slower than the rest) go to stderr and the JSON.\n"
	"\n"
	"Exit status: 0 when every run completed with 0 errors, 1 otherwise, 2 bad usage.\n";

struct bench_opts {
	const struct ipl_transport *mech[IPL_LIST_MAX];
	int peer[IPL_LIST_MAX]; /* after --pattern: this entry runs peer-to-peer */
	size_t nmech;
	int pat_cs, pat_peer;   /* --pattern: which patterns */
	uint64_t sizes[IPL_LIST_MAX];
	size_t nsizes;
	uint64_t clients[IPL_LIST_MAX];
	size_t nclients;
	enum ipl_mode modes[3];
	size_t nmodes;
	uint64_t iters, warmup, reps, window, cap;
	int warmup_set;
	double duration, timeout;
	int cpu_c[IPL_LIST_MAX], cpu_s[IPL_LIST_MAX];
	size_t ncpu;
	int crc, quiet, baseline;
	const char *save;
	enum ipl_wait wait;
	const struct ipl_transport *via;
	const char *connect, *out;
	enum ipl_format fmt;
};

static int usage_error(const char *msg)
{
	fprintf(stderr, "ipclab bench: %s (try 'ipclab bench --help')\n", msg);
	return 2;
}

static int parse_mechs(struct bench_opts *o, const char *list, char *err, size_t errlen)
{
	char *copy = strdup(list), *save = NULL;
	int rc = 0;
	o->nmech = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const struct ipl_transport *tp = ipl_transport_find(t);
		if (!tp) {
			snprintf(err, errlen, "unknown mechanism '%s' (see `ipclab list`)", t);
			rc = -1;
			break;
		}
		if (o->nmech == IPL_LIST_MAX) {
			snprintf(err, errlen, "too many mechanisms");
			rc = -1;
			break;
		}
		o->mech[o->nmech++] = tp;
	}
	if (!rc && !o->nmech) {
		snprintf(err, errlen, "empty mechanism list");
		rc = -1;
	}
	free(copy);
	return rc;
}

static int parse_modes(struct bench_opts *o, const char *list, char *err, size_t errlen)
{
	char *copy = strdup(list), *save = NULL;
	int rc = 0;
	o->nmodes = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		enum ipl_mode m;
		if (!strcmp(t, "latency"))
			m = IPL_MODE_LATENCY;
		else if (!strcmp(t, "throughput"))
			m = IPL_MODE_THROUGHPUT;
		else if (!strcmp(t, "stream"))
			m = IPL_MODE_STREAM;
		else {
			snprintf(err, errlen, "unknown mode '%s' (latency, throughput, stream)", t);
			rc = -1;
			break;
		}
		if (o->nmodes < 3)
			o->modes[o->nmodes++] = m;
	}
	if (!rc && !o->nmodes) {
		snprintf(err, errlen, "empty mode list");
		rc = -1;
	}
	free(copy);
	return rc;
}

enum { OPT_WARMUP = 256, OPT_REPS, OPT_CPU, OPT_CONNECT, OPT_MODE, OPT_WINDOW, OPT_CLIENTS,
       OPT_DURATION, OPT_CRC, OPT_CAP, OPT_TIMEOUT, OPT_WAIT, OPT_VIA, OPT_BASELINE, OPT_SAVE, OPT_PATTERN };

/* --pattern client-server,peer */
static int parse_pattern(struct bench_opts *o, const char *list, char *err, size_t errlen)
{
	char *copy = strdup(list), *save = NULL;
	int rc = 0;
	o->pat_cs = o->pat_peer = 0;
	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "client-server"))
			o->pat_cs = 1;
		else if (!strcmp(t, "peer"))
			o->pat_peer = 1;
		else {
			snprintf(err, errlen, "unknown pattern '%s' (client-server, peer)", t);
			rc = -1;
			break;
		}
	}
	if (!rc && !o->pat_cs && !o->pat_peer) {
		snprintf(err, errlen, "empty pattern list");
		rc = -1;
	}
	free(copy);
	return rc;
}

/* Doubles each mechanism entry per pattern: tcp, tcp-peer, unix, ... */
static int expand_patterns(struct bench_opts *o, char *err, size_t errlen)
{
	const struct ipl_transport *m[IPL_LIST_MAX];
	size_t n = 0;
	memcpy(m, o->mech, sizeof m);
	n = o->nmech;
	o->nmech = 0;
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < 2; p++) {
			if (!(p ? o->pat_peer : o->pat_cs))
				continue;
			if (p && !ipl_peer_supported(m[i], err, errlen))
				return -1;
			if (o->nmech == IPL_LIST_MAX) {
				snprintf(err, errlen, "too many mechanisms x patterns");
				return -1;
			}
			o->mech[o->nmech] = m[i];
			o->peer[o->nmech++] = p;
		}
	return 0;
}


static int parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longs[] = {
		{ "mech", required_argument, NULL, 'm' },
		{ "sizes", required_argument, NULL, 's' },
		{ "iters", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "warmup", required_argument, NULL, OPT_WARMUP },
		{ "reps", required_argument, NULL, OPT_REPS },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "clients", required_argument, NULL, OPT_CLIENTS },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "crc", no_argument, NULL, OPT_CRC },
		{ "cap", required_argument, NULL, OPT_CAP },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "via", required_argument, NULL, OPT_VIA },
		{ "pattern", required_argument, NULL, OPT_PATTERN },
		{ "baseline", no_argument, NULL, OPT_BASELINE },
		{ "save", required_argument, NULL, OPT_SAVE },
		{ 0 },
	};
	char err[256] = "";
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":m:s:n:f:o:qh", longs, NULL)) != -1) {
		int rc = 0;
		switch (c) {
		case 'm': rc = parse_mechs(o, optarg, err, sizeof err); break;
		case 's': rc = ipl_parse_size_list(optarg, 1ull << 30, o->sizes, &o->nsizes, err, sizeof err); break;
		case 'n': rc = ipl_parse_count(optarg, 1, 1ull << 40, &o->iters, err, sizeof err); break;
		case 'o': o->out = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'h': fputs(bench_usage, stdout); exit(0);
		case 'f':
			if (!strcmp(optarg, "table")) o->fmt = IPL_FMT_TABLE;
			else if (!strcmp(optarg, "csv")) o->fmt = IPL_FMT_CSV;
			else if (!strcmp(optarg, "json")) o->fmt = IPL_FMT_JSON;
			else if (!strcmp(optarg, "md")) o->fmt = IPL_FMT_MD;
			else { snprintf(err, sizeof err, "unknown format '%s' (table, csv, json, md)", optarg); rc = -1; }
			break;
		case OPT_WARMUP: rc = ipl_parse_count(optarg, 0, 1ull << 40, &o->warmup, err, sizeof err); o->warmup_set = 1; break;
		case OPT_REPS: rc = ipl_parse_count(optarg, 1, 1000, &o->reps, err, sizeof err); break;
		case OPT_CPU:
			if (o->ncpu == IPL_LIST_MAX) {
				snprintf(err, sizeof err, "too many --cpu placements (at most %d)", IPL_LIST_MAX);
				rc = -1;
				break;
			}
			rc = ipl_parse_cpu_pair(optarg, &o->cpu_c[o->ncpu], &o->cpu_s[o->ncpu], err, sizeof err);
			if (rc == 0)
				o->ncpu++;
			break;
		case OPT_BASELINE: o->baseline = 1; break;
		case OPT_SAVE:
			if (!*optarg) {
				snprintf(err, sizeof err, "--save needs a file name prefix");
				rc = -1;
			}
			o->save = optarg;
			break;
		case OPT_CONNECT: o->connect = optarg; break;
		case OPT_MODE: rc = parse_modes(o, optarg, err, sizeof err); break;
		case OPT_WINDOW: rc = ipl_parse_count(optarg, 1, 1024, &o->window, err, sizeof err); break;
		case OPT_CLIENTS: rc = ipl_parse_size_list(optarg, 1024, o->clients, &o->nclients, err, sizeof err);
			for (size_t i = 0; rc == 0 && i < o->nclients; i++)
				if (!o->clients[i]) { snprintf(err, sizeof err, "--clients must be >= 1"); rc = -1; }
			break;
		case OPT_DURATION: rc = ipl_parse_seconds(optarg, &o->duration, err, sizeof err); break;
		case OPT_CRC: o->crc = 1; break;
		case OPT_CAP: rc = ipl_parse_size(optarg, 1u << 30, &o->cap, err, sizeof err);
			if (rc == 0 && o->cap == 0) { snprintf(err, sizeof err, "--cap must be > 0"); rc = -1; }
			break;
		case OPT_TIMEOUT: rc = ipl_parse_seconds(optarg, &o->timeout, err, sizeof err); break;
		case OPT_WAIT: rc = ipl_parse_wait(optarg, &o->wait, err, sizeof err); break;
		case OPT_VIA: rc = ipl_parse_via(optarg, &o->via, err, sizeof err); break;
		case OPT_PATTERN: rc = parse_pattern(o, optarg, err, sizeof err); break;
		case ':': snprintf(err, sizeof err, "option '%s' needs a value", argv[optind - 1]); rc = -1; break;
		default: snprintf(err, sizeof err, "unknown option '%s'", argv[optind - 1]); rc = -1; break;
		}
		if (rc < 0)
			return usage_error(err);
	}
	if (optind < argc) {
		snprintf(err, sizeof err, "unexpected argument '%s'", argv[optind]);
		return usage_error(err);
	}
	for (size_t i = 0; i < o->nsizes; i++)
		if (o->sizes[i] > o->cap) {
			snprintf(err, sizeof err, "size %llu is over the cap %llu (raise --cap)",
				 (unsigned long long)o->sizes[i], (unsigned long long)o->cap);
			return usage_error(err);
		}
	if (o->connect && o->baseline)
		return usage_error("--baseline needs to start its own raw server: it cannot be used with --connect");
	if (o->pat_peer && o->connect)
		return usage_error("--pattern peer starts both peers itself: it cannot be used with --connect");
	if (o->pat_peer)
		for (size_t i = 0; i < o->nclients; i++)
			if (o->clients[i] != 1)
				return usage_error("--pattern peer is two processes, one client each: use --clients 1");
	if (expand_patterns(o, err, sizeof err) < 0)
		return usage_error(err);
	if (o->connect) {
		if (o->nmech != 1)
			return usage_error("--connect needs exactly one mechanism (-m)");
		if (!(o->mech[0]->caps & IPL_CAP_NAMED)) {
			snprintf(err, sizeof err, "%s has no address to connect to: it only joins processes it forks itself",
				 o->mech[0]->name);
			return usage_error(err);
		}
		/* a local-only mechanism pointed at HOST:PORT: refuse with the reason */
		if (ipl_connect_check(o->mech[0], o->via, o->connect, err, sizeof err) < 0)
			return usage_error(err);
	}
	return 0;
}

static void defaults(struct bench_opts *o)
{
	memset(o, 0, sizeof *o);
	o->iters = 20000;
	o->reps = 1;
	o->window = 16;
	o->cap = 16u << 20;
	o->cpu_c[0] = o->cpu_s[0] = -1;
	o->timeout = 300;
	o->fmt = IPL_FMT_TABLE;
	o->sizes[0] = 64, o->sizes[1] = 1024, o->sizes[2] = 65536, o->nsizes = 3;
	o->clients[0] = 1, o->nclients = 1;
	o->modes[0] = IPL_MODE_LATENCY, o->nmodes = 1;
	o->pat_cs = 1;
	for (size_t i = 0; i < ipl_transport_count() && i < IPL_LIST_MAX; i++)
		o->mech[o->nmech++] = ipl_transport_at(i);
}

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
static uint64_t warmup_for(const struct bench_opts *o, uint32_t size)
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
		fprintf(stderr, "ipclab bench: writing '%s' failed\n", path);
		return -1;
	}
	return 0;
}

int ipl_cmd_bench(int argc, char **argv)
{
	struct bench_opts o;
	defaults(&o);
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc;
	if (!o.ncpu)
		o.ncpu = 1; /* one placement: unpinned (-1,-1) */
	o.warmup = warmup_for(&o, o.nsizes ? (uint32_t)o.sizes[0] : 64);
	int progress = !o.quiet && isatty(STDERR_FILENO);

	FILE *out = stdout;
	if (o.out && !(out = fopen(o.out, "w"))) {
		fprintf(stderr, "ipclab bench: cannot write '%s': %m\n", o.out);
		return 1;
	}
	for (size_t p = 0; p < o.ncpu; p++) {
		int c = o.cpu_c[p], sv = o.cpu_s[p];
		for (size_t m = 0; m < o.nmech; m++)
			if ((o.mech[m]->caps & IPL_CAP_SPIN) && o.wait == IPL_WAIT_SPIN && c >= 0 && c == sv)
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
	struct ipl_report rep = {
		.rows = rows, .iters = o.duration ? 0 : o.iters, .warmup = o.warmup, .reps = (unsigned)o.reps,
		.argv_line = join_argv(argc, argv), .duration_s = o.duration, .timeout_s = o.timeout,
		.window = (unsigned)o.window, .cap = (uint32_t)o.cap, .crc = o.crc, .baseline = o.baseline,
		.wait = ipl_wait_name(o.wait), .via = o.via ? o.via->name : NULL, .connect = o.connect,
	};
	if (!rows || !rawnames) {
		fprintf(stderr, "ipclab bench: out of memory\n");
		return 1;
	}
	for (size_t m = 0; m < o.nmech; m++)
		snprintf(rawnames[m], sizeof rawnames[m], "%s%s%s-raw", o.mech[m]->name, /* "shm-block-raw" */
			 (o.mech[m]->caps & IPL_CAP_SPIN) ? "-" : "",
			 (o.mech[m]->caps & IPL_CAP_SPIN) ? ipl_wait_name(o.wait) : "");

	/* lay out every row first, so progress knows the total */
	for (size_t p = 0; p < o.ncpu; p++)
		for (size_t m = 0; m < o.nmech; m++)
			for (size_t md = 0; md < o.nmodes; md++)
				for (size_t cl = 0; cl < o.nclients; cl++)
					for (size_t s = 0; s < o.nsizes; s++)
						for (int raw = 0; raw <= o.baseline; raw++) {
							const char *why;
							/* a size one message of this mechanism cannot carry: no row */
							if (o.mech[m]->max_payload && o.sizes[s] > o.mech[m]->max_payload) {
								if (!raw && !p && !md && !cl)
									fprintf(stderr, "note: %s %llu B refused: %s\n", o.mech[m]->name,
										(unsigned long long)o.sizes[s], o.mech[m]->max_why);
								continue;
							}
							if (raw && (o.peer[m] || !raw_ok(o.mech[m], o.modes[md], (uint32_t)o.sizes[s], &why)))
								continue;
							struct ipl_row *r = &rows[rep.nrows];
							r->mech = raw ? rawnames[m] : o.peer[m] ? ipl_peer_label(o.mech[m], o.via)
								: ipl_row_label(o.mech[m], o.via);
							r->peer = o.peer[m];
							r->wait = !raw && (o.mech[m]->caps & IPL_CAP_SPIN) ? ipl_wait_name(o.wait) : "";
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
	size_t total = rep.nrows * o.reps, done = 0;
	uint64_t t_start = ipl_now_ns();
	int bad = 0;
	/* A framed row and its raw baseline run rep by rep in turn (framed 1,
	 * raw 1, framed 2, ...): a busy spell on the machine then hits both
	 * alike instead of skewing the overhead. */
	for (size_t row = 0; row < rep.nrows;) {
		size_t span = row + 1 < rep.nrows && rows[row + 1].baseline ? 2 : 1;
		for (unsigned k = 0; k < rows[row].nreps; k++)
			for (size_t g = row; g < row + span; g++) {
				struct ipl_row *r = &rows[g];
				struct ipl_run_spec spec = {
					.tp = r->tp,
					.tpo = { .cap = (uint32_t)o.cap, .timeout_ms = 5000, .wait = o.wait, .via = o.via },
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
				if (ipl_run_once(&spec, &r->reps[k]) < 0 || r->reps[k].st.errors)
					bad = 1;
				done++;
			}
		for (size_t g = row; g < row + span; g++)
			ipl_row_finish(&rows[g]);
		row += span;
	}
	if (progress)
		fprintf(stderr, "\r\033[K");

	/* warnings: on stderr unless the table itself is on this terminal */
	int shown = (o.fmt == IPL_FMT_TABLE || o.fmt == IPL_FMT_MD) && out == stdout && isatty(STDOUT_FILENO) &&
		    isatty(STDERR_FILENO);
	char text[4096];
	unsigned all = 0;
	for (size_t i = 0; i < rep.nrows && !shown; i++)
		if ((all |= ipl_row_check(&rows[i], text, sizeof text), text[0]))
			for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
				fprintf(stderr, "warning: %s\n", line);
	if (ipl_warn_hint(all))
		fprintf(stderr, "hint: %s\n", ipl_warn_hint(all));

	ipl_report_write(out, &rep, o.fmt);
	if (bad && o.fmt == IPL_FMT_TABLE)
		fprintf(out, "\nWARNING: some runs failed or saw verification errors: they are left out of the "
			     "medians and flagged in the status column\n");
	if (out != stdout && fclose(out) != 0) {
		fprintf(stderr, "ipclab bench: writing '%s' failed\n", o.out);
		bad = 1;
	}
	if (o.save) {
		static const struct { const char *ext; enum ipl_format fmt; } files[] = {
			{ ".csv", IPL_FMT_CSV }, { ".json", IPL_FMT_JSON }, { ".md", IPL_FMT_MD },
		};
		for (size_t i = 0; i < 3; i++) {
			char path[4096];
			snprintf(path, sizeof path, "%s%s", o.save, files[i].ext);
			if (write_file(path, &rep, files[i].fmt) < 0)
				bad = 1;
		}
	}
	if (bad)
		fprintf(stderr, "ipclab bench: some runs failed or saw verification errors%s%s%s\n",
			out != stdout ? " (see " : "", out != stdout ? o.out : "", out != stdout ? ")" : "");
	for (size_t i = 0; i < rep.nrows; i++)
		free(rows[i].reps);
	free(rows);
	free(rawnames);
	free((char *)rep.argv_line);
	return bad ? 1 : 0;
}
