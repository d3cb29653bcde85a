/* cli_bench.c - `ipclab bench`: parse options, run the grid, report. */
#include "bench.h"
#include "cli.h"
#include "err.h"
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
	"      --cpu C,S         pin client(s) to CPU C and the server to CPU S\n"
	"      --wait POLICY     shm wait policy: block (futex, default), spin, hybrid\n"
	"      --via MECH        carrier for layered mechanisms (rpc): tcp, unix, ... (default unix)\n"
	"      --crc             send CRC32C checksums and verify them\n"
	"      --cap BYTES       largest payload the server accepts (default 16M)\n"
	"      --connect ADDR    measure a server started with `ipclab serve` (one mechanism)\n"
	"      --timeout SECS    fail a run that takes longer (default 300)\n"
	"  -f, --format FMT      table, csv, json or md (default table)\n"
	"  -o, --out FILE        write the results there instead of stdout\n"
	"  -q, --quiet           no progress on stderr\n"
	"  -h, --help            this text\n"
	"\n"
	"Exit status: 0 when every run completed with 0 errors, 1 otherwise, 2 bad usage.\n";

struct bench_opts {
	const struct ipl_transport *mech[IPL_LIST_MAX];
	size_t nmech;
	uint64_t sizes[IPL_LIST_MAX];
	size_t nsizes;
	uint64_t clients[IPL_LIST_MAX];
	size_t nclients;
	enum ipl_mode modes[3];
	size_t nmodes;
	uint64_t iters, warmup, reps, window, cap;
	int warmup_set;
	double duration, timeout;
	int cpu_c, cpu_s;
	int crc, quiet;
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
       OPT_DURATION, OPT_CRC, OPT_CAP, OPT_TIMEOUT, OPT_WAIT, OPT_VIA };

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
		case OPT_CPU: rc = ipl_parse_cpu_pair(optarg, &o->cpu_c, &o->cpu_s, err, sizeof err); break;
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
	o->cpu_c = o->cpu_s = -1;
	o->timeout = 300;
	o->fmt = IPL_FMT_TABLE;
	o->sizes[0] = 64, o->sizes[1] = 1024, o->sizes[2] = 65536, o->nsizes = 3;
	o->clients[0] = 1, o->nclients = 1;
	o->modes[0] = IPL_MODE_LATENCY, o->nmodes = 1;
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

int ipl_cmd_bench(int argc, char **argv)
{
	struct bench_opts o;
	defaults(&o);
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc;
	if (!o.warmup_set)
		o.warmup = o.duration ? 1000 : (o.iters / 10 > 10000 ? 10000 : o.iters / 10);
	int progress = !o.quiet && isatty(STDERR_FILENO);

	FILE *out = stdout;
	if (o.out && !(out = fopen(o.out, "w"))) {
		fprintf(stderr, "ipclab bench: cannot write '%s': %m\n", o.out);
		return 1;
	}
	for (size_t m = 0; m < o.nmech; m++)
		if ((o.mech[m]->caps & IPL_CAP_SPIN) && o.wait == IPL_WAIT_SPIN && o.cpu_c >= 0 &&
		    o.cpu_c == o.cpu_s)
			fprintf(stderr, "warning: %s --wait spin with both ends on CPU %d: each side spins until "
					"the scheduler tick preempts it; the numbers measure the tick, not the mechanism\n",
				o.mech[m]->name, o.cpu_c);
	if (o.cpu_c >= 0 && o.cpu_c == o.cpu_s && o.fmt == IPL_FMT_TABLE && !o.quiet)
		fprintf(stderr, "note: client and server share CPU %d: every hand-off is a context switch\n", o.cpu_c);

	size_t nrows = o.nmech * o.nsizes * o.nmodes * o.nclients;
	struct ipl_row *rows = calloc(nrows, sizeof *rows);
	struct ipl_report rep = { .rows = rows, .iters = o.iters, .warmup = o.warmup,
				  .reps = (unsigned)o.reps, .argv_line = join_argv(argc, argv),
				  .show_addrs = o.connect != NULL };
	if (!rows) {
		fprintf(stderr, "ipclab bench: out of memory\n");
		return 1;
	}
	int bad = 0;
	size_t done = 0;
	for (size_t m = 0; m < o.nmech; m++)
		for (size_t md = 0; md < o.nmodes; md++)
			for (size_t cl = 0; cl < o.nclients; cl++)
				for (size_t s = 0; s < o.nsizes; s++) {
					struct ipl_row *r = &rows[rep.nrows++];
					r->mech = ipl_row_label(o.mech[m], o.via);
					r->wait = (o.mech[m]->caps & IPL_CAP_SPIN) ? ipl_wait_name(o.wait) : "";
					r->size = (uint32_t)o.sizes[s];
					r->mode = o.modes[md];
					r->clients = (unsigned)o.clients[cl];
					r->window = r->mode == IPL_MODE_THROUGHPUT ? (unsigned)o.window : 1;
					r->cpu_client = o.cpu_c;
					r->cpu_server = o.cpu_s;
					r->nreps = (unsigned)o.reps;
					r->reps = calloc(o.reps, sizeof *r->reps);
					ipl_hist_init(&r->merged);
					if (!r->reps) {
						fprintf(stderr, "ipclab bench: out of memory\n");
						return 1;
					}
					struct ipl_run_spec spec = {
						.tp = o.mech[m],
						.tpo = { .cap = (uint32_t)o.cap, .timeout_ms = 5000,
							 .wait = o.wait, .via = o.via },
						.connect = o.connect,
						.size = r->size,
						.iters = o.iters,
						.warmup = o.warmup,
						.duration_ns = (uint64_t)(o.duration * 1e9),
						.mode = r->mode,
						.window = r->window,
						.clients = r->clients,
						.cpu_client = o.cpu_c,
						.cpu_server = o.cpu_s,
						.crc = o.crc,
						.timeout_s = (int)ceil(o.timeout),
					};
					for (unsigned k = 0; k < r->nreps; k++) {
						if (progress)
							fprintf(stderr, "\r\033[K[%zu/%zu] %s %u B %s x%u rep %u/%u",
								done + 1, nrows, r->mech, r->size, ipl_mode_name(r->mode),
								r->clients, k + 1, r->nreps);
						if (ipl_run_once(&spec, &r->reps[k]) < 0 || r->reps[k].st.errors)
							bad = 1;
						ipl_hist_merge(&r->merged, &r->reps[k].hist);
					}
					done++;
				}
	if (progress)
		fprintf(stderr, "\r\033[K");
	ipl_report_write(out, &rep, o.fmt);
	if (bad && o.fmt == IPL_FMT_TABLE)
		fprintf(out, "WARNING: some runs failed or saw verification errors: these rows are not valid measurements\n");
	if (out != stdout && fclose(out) != 0) {
		fprintf(stderr, "ipclab bench: writing '%s' failed\n", o.out);
		bad = 1;
	}
	if (bad && out != stdout)
		fprintf(stderr, "ipclab bench: some runs failed or saw verification errors (see %s)\n", o.out);
	for (size_t i = 0; i < rep.nrows; i++)
		free(rows[i].reps);
	free(rows);
	free((char *)rep.argv_line);
	return bad ? 1 : 0;
}
