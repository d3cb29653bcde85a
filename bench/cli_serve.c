/* cli_serve.c - `ipclab serve`: one server until SIGINT/SIGTERM. */
#include "bench.h"
#include "cli.h"
#include "err.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char serve_usage[] =
	"usage: ipclab serve -m MECH [--listen ADDR] [--cap BYTES]\n"
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
	"  -h, --help          this text\n";

static int usage_error(const char *msg)
{
	fprintf(stderr, "ipclab serve: %s (try 'ipclab serve --help')\n", msg);
	return 2;
}

enum { OPT_CAP = 256, OPT_WAIT, OPT_VIA };

int ipl_cmd_serve(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "mech", required_argument, NULL, 'm' },
		{ "listen", required_argument, NULL, 'l' },
		{ "cap", required_argument, NULL, OPT_CAP },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "via", required_argument, NULL, OPT_VIA },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const struct ipl_transport *tp = NULL;
	struct ipl_tp_opts tpo = { .cap = 16u << 20 };
	char err[256];
	uint64_t cap;
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
	/* held from here until ipl_serve_foreground has its handlers: a stop
	 * sent as soon as the address is printed must not kill us uncleaned */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	ipl_endpoint_init(&ep, tp, &tpo, NULL);
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

	struct ipl_serve_stats st = { 0 };
	rc = ipl_serve_foreground(&ep, tpo.cap, &st);
	ipl_endpoint_cleanup(&ep);
	fprintf(stderr, "ipclab serve: stopped: %llu connections, %llu requests, %llu refused as bad\n",
		(unsigned long long)st.conns, (unsigned long long)st.msgs, (unsigned long long)st.bad);
	if (rc < 0) {
		fprintf(stderr, "ipclab serve: %s\n", ipl_strerror(rc));
		return 1;
	}
	return 0;
}
