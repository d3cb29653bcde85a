/* args.c - the command line of `ipclab bench`, read strictly: every
 * error names its option, and -m takes the labels the table prints. */
#include "bench/cli/args.h"
#include "bench/registry/registry.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_WARMUP = 256,
	OPT_REPS,
	OPT_CPU,
	OPT_CONNECT,
	OPT_MODE,
	OPT_WINDOW,
	OPT_CLIENTS,
	OPT_DURATION,
	OPT_CRC,
	OPT_CAP,
	OPT_TIMEOUT,
	OPT_WAIT,
	OPT_VIA,
	OPT_BASELINE,
	OPT_SAVE,
	OPT_PATTERN,
	OPT_WIDE,
	OPT_RATE,
	OPT_SAVE_HIST,
	OPT_SAMPLES,
	OPT_PIPE_SIZE,
	OPT_SOCKBUF,
	OPT_SERVER,
	OPT_RPC_SEMANTICS
};

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
	{ "wide", no_argument, NULL, OPT_WIDE },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "save-histograms", no_argument, NULL, OPT_SAVE_HIST },
	{ "samples", required_argument, NULL, OPT_SAMPLES },
	{ "pipe-size", required_argument, NULL, OPT_PIPE_SIZE },
	{ "sockbuf", required_argument, NULL, OPT_SOCKBUF },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "rpc-semantics", required_argument, NULL, OPT_RPC_SEMANTICS },
	{ 0 },
};

/* "shm-spin", "rpc/tcp", "unix-peer", "shm-peer-spin": a registered name,
 * an optional /carrier for a layered one, then -peer and/or a wait policy. */
static int parse_entry(struct ipl_bench_opts *o, const char *item, char *err, size_t errlen)
{
	char base[IPL_ITEM_MAX], *words, *save = NULL;
	snprintf(base, sizeof base, "%s", item);
	words = strchr(base, '-');
	if (words)
		*words++ = '\0';
	char *slash = strchr(base, '/');
	if (slash)
		*slash++ = '\0';
	size_t k = o->nmech;
	const struct ipl_transport *tp = ipl_transport_find(base);
	if (!tp) {
		const char *hint = ipl_suggest_mech(base);
		if (hint)
			snprintf(err, errlen, "unknown mechanism '%s' (did you mean %s?)", item, hint);
		else
			snprintf(err, errlen, "unknown mechanism '%s' (see `ipclab list`)", item);
		return -1;
	}
	o->mech[k] = tp;
	o->own_wait[k] = o->own_via[k] = o->own_peer[k] = 0;
	o->mvia[k] = NULL;
	o->peer[k] = 0;
	o->mwait[k] = IPL_WAIT_BLOCK;
	if (slash) {
		if (!(tp->caps & IPL_CAP_LAYERED)) {
			char names[200];
			snprintf(err, errlen, "'%s': %s runs over nothing else (only %s take /CARRIER)",
				 item, tp->name, ipl_names_with_caps(names, sizeof names, IPL_CAP_LAYERED));
			return -1;
		}
		if (ipl_parse_via(slash, &o->mvia[k], err, errlen) < 0)
			return -1;
		o->own_via[k] = 1;
	}
	for (char *w = words ? strtok_r(words, "-", &save) : NULL; w; w = strtok_r(NULL, "-", &save)) {
		if (!strcmp(w, "peer")) {
			o->peer[k] = o->own_peer[k] = 1;
		} else if (!strcmp(w, "raw")) {
			snprintf(err, errlen,
				 "'%s': rows ending in -raw are the baselines --baseline adds", item);
			return -1;
		} else if (ipl_parse_wait(w, &o->mwait[k], err, errlen) == 0) {
			if (!(tp->caps & IPL_CAP_SPIN)) {
				char names[200];
				snprintf(err, errlen, "'%s': %s has no wait policy (only %s does)", item,
					 tp->name, ipl_names_with_caps(names, sizeof names, IPL_CAP_SPIN));
				return -1;
			}
			o->own_wait[k] = 1;
		} else {
			snprintf(err, errlen,
				 "unknown mechanism '%s' ('%s' is not peer, block, spin or hybrid)", item, w);
			return -1;
		}
	}
	o->nmech++;
	return 0;
}

static int parse_mechs(struct ipl_bench_opts *o, const char *list, char *err, size_t errlen)
{
	char items[IPL_LIST_MAX][IPL_ITEM_MAX];
	size_t n;
	o->nmech = 0;
	if (ipl_split_list(list, items, &n, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (parse_entry(o, items[i], err, errlen) < 0)
			return -1;
	return 0;
}

static int parse_modes(struct ipl_bench_opts *o, const char *list, char *err, size_t errlen)
{
	/* indexed by enum ipl_mode */
	static const char *const names[] = { "latency", "throughput", "stream", "load" };
	char items[IPL_LIST_MAX][IPL_ITEM_MAX];
	size_t n;
	o->nmodes = 0;
	if (ipl_split_list(list, items, &n, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t m = 0;
		while (m < 4 && strcmp(items[i], names[m]))
			m++;
		if (m == 4) {
			const char *hint = ipl_suggest(items[i], names, 4);
			snprintf(err, errlen, "unknown mode '%s' (%s%s%s)", items[i],
				 hint ? "did you mean " : "",
				 hint ? hint : "latency, throughput, stream, load", hint ? "?" : "");
			return -1;
		}
		int dup = 0;
		for (size_t j = 0; j < o->nmodes; j++)
			dup |= o->modes[j] == (enum ipl_mode)m;
		if (dup && !o->quiet)
			fprintf(stderr, "note: --mode lists %s twice: merged\n", names[m]);
		if (!dup)
			o->modes[o->nmodes++] = (enum ipl_mode)m;
	}
	return 0;
}

/* One --rate item: msgs/s, decimal, with an optional k (x1000) or M
 * (x1000000): "500", "2.5k", "1M".  0 or -1 with err. */
static int parse_rate(const char *s, double *out, char *err, size_t errlen)
{
	char *end;
	double v = isdigit((unsigned char)*s) ? strtod(s, &end) : -1;
	if (v >= 0 && (*end == 'k' || *end == 'K'))
		v *= 1e3, end++;
	else if (v >= 0 && *end == 'M')
		v *= 1e6, end++;
	if (!(v > 0) || *end || v > 1e9) {
		snprintf(err, errlen, "'%s' is not a rate in msgs/s (like 500, 2.5k or 1M; at most 1000M)", s);
		return -1;
	}
	*out = v;
	return 0;
}

/* --rate R[,R...]: each its own row; a rate given twice is merged. */
static int parse_rates(struct ipl_bench_opts *o, const char *list, char *err, size_t errlen)
{
	char items[IPL_LIST_MAX][IPL_ITEM_MAX];
	size_t n;
	o->nrates = 0;
	o->set_rate = 1;
	if (ipl_split_list(list, items, &n, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		double v;
		if (parse_rate(items[i], &v, err, errlen) < 0)
			return -1;
		int dup = 0;
		for (size_t j = 0; j < o->nrates; j++)
			dup |= o->rates[j] == v;
		if (dup && !o->quiet)
			fprintf(stderr, "note: --rate lists %s twice: merged\n", items[i]);
		if (!dup)
			o->rates[o->nrates++] = v;
	}
	return 0;
}

/* --pattern client-server,peer */
static int parse_pattern(struct ipl_bench_opts *o, const char *list, char *err, size_t errlen)
{
	char items[IPL_LIST_MAX][IPL_ITEM_MAX];
	size_t n;
	o->pat_cs = o->pat_peer = 0;
	if (ipl_split_list(list, items, &n, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(items[i], "client-server"))
			o->pat_cs = 1;
		else if (!strcmp(items[i], "peer"))
			o->pat_peer = 1;
		else {
			snprintf(err, errlen, "unknown pattern '%s' (client-server, peer)", items[i]);
			return -1;
		}
	}
	return 0;
}

static int parse_format(struct ipl_bench_opts *o, const char *s, char *err, size_t errlen)
{
	static const char *const names[] = { "table", "csv", "json", "md" };
	static const enum ipl_format fmts[] = { IPL_FMT_TABLE, IPL_FMT_CSV, IPL_FMT_JSON, IPL_FMT_MD };
	for (size_t i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			o->fmt = fmts[i];
			return 0;
		}
	const char *hint = ipl_suggest(s, names, 4);
	snprintf(err, errlen, "unknown format '%s' (%s%s%s)", s, hint ? "did you mean " : "",
		 hint ? hint : "table, csv, json, md", hint ? "?" : "");
	return -1;
}

static int parse_cpu(struct ipl_bench_opts *o, const char *s, char *err, size_t errlen)
{
	if (o->ncpu == IPL_LIST_MAX) {
		snprintf(err, errlen, "too many --cpu placements (at most %d)", IPL_LIST_MAX);
		return -1;
	}
	if (ipl_parse_cpu_pair(s, &o->cpu_c[o->ncpu], &o->cpu_s[o->ncpu], err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < o->ncpu; i++)
		if (o->cpu_c[i] == o->cpu_c[o->ncpu] && o->cpu_s[i] == o->cpu_s[o->ncpu]) {
			if (!o->quiet)
				fprintf(stderr, "note: --cpu %s is given twice: merged\n", s);
			return 0;
		}
	o->ncpu++;
	return 0;
}

/* One option (an ipl_cmdline one(), ctx the options); 0 or -1 with err. */
static int parse_one(void *ctx, int c, const char *arg, char *err, size_t errlen)
{
	struct ipl_bench_opts *o = ctx;
	switch (c) {
	case 'm': return parse_mechs(o, arg, err, errlen);
	case 's': return ipl_parse_size_list(arg, 1ull << 30, o->sizes, &o->nsizes, err, errlen);
	case 'n': o->set_iters = 1; return ipl_parse_count(arg, 1, 1ull << 40, &o->iters, err, errlen);
	case 'o': o->out = arg; return 0;
	case 'q': o->quiet = 1; return 0;
	case 'f': return parse_format(o, arg, err, errlen);
	case OPT_WARMUP:
		o->warmup_set = 1;
		return ipl_parse_count(arg, 0, 1ull << 40, &o->warmup, err, errlen);
	case OPT_REPS: return ipl_parse_count(arg, 1, 1000, &o->reps, err, errlen);
	case OPT_CPU: return parse_cpu(o, arg, err, errlen);
	case OPT_BASELINE: o->baseline = 1; return 0;
	case OPT_WIDE: o->wide = 1; return 0;
	case OPT_SAVE_HIST: o->save_histograms = 1; return 0;
	case OPT_SAVE:
		o->save = arg;
		if (*arg)
			return 0;
		snprintf(err, errlen, "needs a file name prefix");
		return -1;
	case OPT_SAMPLES: o->samples = arg; return 0;
	case OPT_CONNECT: o->connect = arg; return 0;
	case OPT_MODE: return parse_modes(o, arg, err, errlen);
	case OPT_RATE: return parse_rates(o, arg, err, errlen);
	case OPT_WINDOW:
		o->set_window = 1;
		return ipl_parse_count(arg, 1, 1024, &o->window, err, errlen);
	case OPT_CLIENTS:
		return ipl_parse_count_list(arg, 1, 1024, "clients", o->clients, &o->nclients, err, errlen);
	case OPT_DURATION: o->set_duration = 1; return ipl_parse_seconds(arg, &o->duration, err, errlen);
	case OPT_CRC: o->crc = 1; return 0;
	case OPT_CAP:
		if (ipl_parse_size(arg, 1u << 30, &o->cap, err, errlen) < 0)
			return -1;
		if (o->cap)
			return 0;
		snprintf(err, errlen, "must be > 0");
		return -1;
	case OPT_TIMEOUT: return ipl_parse_seconds(arg, &o->timeout, err, errlen);
	case OPT_WAIT: o->set_wait = 1; return ipl_parse_wait(arg, &o->wait, err, errlen);
	case OPT_VIA: o->set_via = 1; return ipl_parse_via(arg, &o->via, err, errlen);
	case OPT_PATTERN: o->set_pattern = 1; return parse_pattern(o, arg, err, errlen);
	case OPT_PIPE_SIZE: return ipl_parse_pipe_size(arg, &o->pipe_size, err, errlen);
	case OPT_SOCKBUF: return ipl_parse_sockbuf(arg, &o->sockbuf, err, errlen);
	case OPT_SERVER: o->set_server = 1; return ipl_parse_server_model(arg, &o->server, err, errlen);
	case OPT_RPC_SEMANTICS:
		o->set_semantics = 1;
		return ipl_parse_rpc_semantics(arg, &o->at_least_once, err, errlen);
	}
	return -1;
}

static void defaults(struct ipl_bench_opts *o)
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

int ipl_bench_parse(int argc, char **argv, struct ipl_bench_opts *o)
{
	const struct ipl_cmdline cl = {
		.cmd = "bench",
		.shorts = ":m:s:n:f:o:qh",
		.longs = longs,
		.one = parse_one,
		.ctx = o,
	};
	char err[512] = "";
	defaults(o);
	/* -q first: it silences the notes parsing itself may print */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		o->quiet |= !strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet");
	int rc = ipl_cmdline_parse(&cl, argc, argv);
	if (rc)
		return rc == 1 ? -1 : rc; /* -1: the caller prints the help */
	if (ipl_bench_validate(o, err, sizeof err) < 0)
		return ipl_usage_error("bench", err);
	return 0;
}
