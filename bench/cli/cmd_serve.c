/* cmd_serve.c - `ipclab serve`: one server until SIGINT/SIGTERM. */
#include "bench/run/run.h"
#include "bench/run/row.h"
#include "bench/registry/registry.h"
#include "bench/cli/args.h"
#include "bench/cli/cli.h"
#include "common/err.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char serve_usage[] =
	"usage: ipclab serve -m MECH [--listen ADDR] [--cap BYTES] [--max-clients N]\n"
	"                    [--idle-timeout SECONDS] [--max-memory BYTES]\n"
	"\n"
	"Runs a server for one mechanism until SIGINT or SIGTERM, serving any number\n"
	"of clients at once; then finishes in-flight replies, removes its names and\n"
	"exits 0.  The first line on stdout is the address to give `ipclab bench --connect`.\n"
	"\n"
	"  -m, --mech MECH     tcp, unix, ... (a mechanism with the 'named' capability)\n"
	"  -l, --listen ADDR   tcp: HOST:PORT or [V6]:PORT (default 127.0.0.1:0, a free port)\n"
	"                      unix: socket path (default: a new private directory)\n"
	"                      fifo: directory for the FIFOs, made 0700 if missing; an\n"
	"                      existing one must be yours and 0700 (default: a new\n"
	"                      private directory)\n"
	"      --cap BYTES     largest payload accepted (default 16M)\n"
	"      --wait POLICY   shm wait policy: block (default), spin, hybrid\n"
	"      --via MECH      carrier for layered mechanisms (rpc): tcp, unix, ...\n"
	"                      (default: tcp when --listen is HOST:PORT, else unix)\n"
	"      --max-clients N clients served at once (default 256); one more is\n"
	"                      answered 'server busy' and closed\n"
	"      --idle-timeout SECONDS\n"
	"                      close a connection that sends nothing this long\n"
	"                      (default 60; 0: never)\n"
	"      --max-memory BYTES\n"
	"                      request bytes buffered across all connections\n"
	"                      (default 256M; beyond 64K each); a request that\n"
	"                      would pass it is discarded and answered 'out of\n"
	"                      memory'\n"
	"  -h, --help          this text\n";

static int usage_error(const char *msg)
{
	fprintf(stderr, "ipclab serve: %s (try 'ipclab serve --help')\n", msg);
	return 2;
}

enum { OPT_CAP = 256, OPT_WAIT, OPT_VIA, OPT_MAX_CLIENTS, OPT_IDLE, OPT_MAX_MEMORY };

#define IDLE_MAX_S 86400.0

/* --idle-timeout: seconds (fractions allowed), 0 for never. */
static int parse_idle(const char *arg, int *ms, char *err, size_t errlen)
{
	double secs = 0;
	if (!strcmp(arg, "0")) {
		*ms = -1;
		return 0;
	}
	if (ipl_parse_seconds(arg, &secs, err, errlen) < 0)
		return -1;
	if (secs > IDLE_MAX_S) {
		snprintf(err, errlen, "--idle-timeout '%s' is over %g s (use 0 for never)", arg,
			 IDLE_MAX_S);
		return -1;
	}
	*ms = secs * 1000 < 1 ? 1 : (int)(secs * 1000 + 0.5);
	return 0;
}

/* One line on stderr: the limits this server keeps. */
static void print_limits(const struct ipl_tp_opts *o)
{
	unsigned conns = o->max_conns ? o->max_conns : IPL_DEFAULT_MAX_CONNS;
	int idle = o->idle_ms ? o->idle_ms : IPL_DEFAULT_IDLE_MS;
	uint64_t mem = o->mem_limit ? o->mem_limit : IPL_DEFAULT_MEM_LIMIT;
	char idle_s[32];
	if (idle < 0)
		snprintf(idle_s, sizeof idle_s, "none");
	else
		snprintf(idle_s, sizeof idle_s, "%g s", idle / 1000.0);
	fprintf(stderr, "ipclab serve: limits: %u clients at once, idle timeout %s, %llu bytes "
		"buffered (--max-clients, --idle-timeout, --max-memory)\n",
		conns, idle_s, (unsigned long long)mem);
}

int ipl_cmd_serve(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "mech", required_argument, NULL, 'm' },
		{ "listen", required_argument, NULL, 'l' },
		{ "cap", required_argument, NULL, OPT_CAP },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "via", required_argument, NULL, OPT_VIA },
		{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const struct ipl_transport *tp = NULL;
	struct ipl_tp_opts tpo = { .cap = 16u << 20 };
	char err[256];
	uint64_t cap, num;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":m:l:h", longs, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!(tp = ipl_transport_find(optarg))) {
				snprintf(err, sizeof err, "unknown mechanism '%s' (see `ipclab list`)", optarg);
				return usage_error(err);
			}
			break;
		case 'l': tpo.listen = optarg; break;
		case OPT_CAP:
			if (ipl_parse_size(optarg, 1u << 30, &cap, err, sizeof err) < 0 || cap == 0)
				return usage_error(cap == 0 ? "--cap must be > 0" : err);
			tpo.cap = (uint32_t)cap;
			break;
		case OPT_WAIT:
			if (ipl_parse_wait(optarg, &tpo.wait, err, sizeof err) < 0)
				return usage_error(err);
			break;
		case OPT_VIA:
			if (ipl_parse_via(optarg, &tpo.via, err, sizeof err) < 0)
				return usage_error(err);
			break;
		case OPT_MAX_CLIENTS:
			if (ipl_parse_count(optarg, 1, 1000000, &num, err, sizeof err) < 0)
				return usage_error(err);
			tpo.max_conns = (unsigned)num;
			break;
		case OPT_IDLE:
			if (parse_idle(optarg, &tpo.idle_ms, err, sizeof err) < 0)
				return usage_error(err);
			break;
		case OPT_MAX_MEMORY:
			if (ipl_parse_size(optarg, 1ull << 40, &num, err, sizeof err) < 0 || num == 0)
				return usage_error(num == 0 ? "--max-memory must be > 0" : err);
			tpo.mem_limit = num;
			break;
		case 'h': fputs(serve_usage, stdout); return 0;
		case ':':
			snprintf(err, sizeof err, "option '%s' needs a value", argv[optind - 1]);
			return usage_error(err);
		default:
			snprintf(err, sizeof err, "unknown option '%s'", argv[optind - 1]);
			return usage_error(err);
		}
	}
	if (optind < argc) {
		snprintf(err, sizeof err, "unexpected argument '%s'", argv[optind]);
		return usage_error(err);
	}
	if (!tp)
		return usage_error("which mechanism? (-m MECH)");
	if (!(tp->caps & IPL_CAP_NAMED) || (tp->caps & IPL_CAP_NEEDS_FORK)) {
		snprintf(err, sizeof err, "%s cannot be served to other processes: it only joins a parent and the child it forks",
			 tp->name);
		return usage_error(err);
	}

	struct ipl_endpoint ep;
	/* rpc: an ADDR:PORT to listen on implies the tcp carrier */
	if ((tp->caps & IPL_CAP_LAYERED) && !tpo.via && tpo.listen && tpo.listen[0] != '/' &&
	    strchr(tpo.listen, ':'))
		tpo.via = ipl_transport_find("tcp");
	if ((tp->caps & IPL_CAP_LAYERED) && tpo.via &&
	    (!(tpo.via->caps & IPL_CAP_NAMED) || (tpo.via->caps & IPL_CAP_NEEDS_FORK))) {
		snprintf(err, sizeof err, "%s over %s cannot be served to other processes", tp->name,
			 tpo.via->name);
		return usage_error(err);
	}
	if (tpo.listen && ipl_check_listen_addr(tp, tpo.via, tpo.listen, err, sizeof err) < 0)
		return usage_error(err);
	/* held from here until ipl_serve_foreground has its handlers: a stop
	 * sent as soon as the address is printed must not kill us uncleaned */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	ipl_endpoint_setup(&ep, tp, &tpo, NULL);
	int rc = ipl_endpoint_prepare(&ep);
	if (rc == 0)
		rc = ipl_endpoint_attach_server(&ep);
	if (rc < 0) {
		fprintf(stderr, "ipclab serve: %s: %s\n", tp->name, ipl_strerror(rc));
		ipl_endpoint_cleanup(&ep);
		return 1;
	}
	printf("%s\n", ep.addr);
	fflush(stdout);
	fprintf(stderr, "ipclab serve: %s listening on %s (SIGINT/SIGTERM to stop)\n",
		ipl_row_label(tp, tpo.via), ep.addr);
	print_limits(&tpo);

	struct ipl_serve_stats st = { 0 };
	rc = ipl_serve_foreground(&ep, tpo.cap, &st);
	ipl_endpoint_cleanup(&ep);
	fprintf(stderr, "ipclab serve: stopped: %llu connections, %llu requests, %llu refused as bad, "
		"%llu clients refused as too many, %llu closed idle, %llu requests refused for memory\n",
		(unsigned long long)st.conns, (unsigned long long)st.msgs, (unsigned long long)st.bad,
		(unsigned long long)st.busy, (unsigned long long)st.idle,
		(unsigned long long)st.overload);
	if (rc < 0) {
		fprintf(stderr, "ipclab serve: %s\n", ipl_strerror(rc));
		return 1;
	}
	return 0;
}
