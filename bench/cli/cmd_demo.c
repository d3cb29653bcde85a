/* cmd_demo.c - `ipclab demo MECH`: its options; the demonstration itself is
 * bench/demo/ (demo.h). */
#include "bench/cli/cli.h"
#include "bench/demo/demo.h"
#include "bench/registry/registry.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char demo_usage[] =
	"usage: ipclab demo MECH [options]\n"
	"\n"
	"Walks one exchange over MECH step by step: what each side creates, which\n"
	"system calls carry the request and the reply, the request's bytes field by\n"
	"field, and the teardown.  The exchange is real (the library's own code,\n"
	"traced), so addresses, ports, fds and checksums are this run's.\n"
	"For rpc it shows the ONC RPC CALL and REPLY in XDR, labelled with the steps\n"
	"of a remote procedure call.  See docs/labs/ for exercises.\n"
	"\n"
	"  -p, --payload TEXT   the ECHO payload (default \"" IPL_DEMO_DEFAULT_PAYLOAD "\")\n"
	"      --via MECH       carrier for rpc: unix (default) or tcp\n"
	"  -h, --help           this text\n"
	"\n"
	"Colour is used only when stdout is a terminal and NO_COLOR is not set.\n"
	"Exit status: 0 the exchange completed and verified, 1 it failed, 2 bad usage.\n";

static const struct option longs[] = {
	{ "payload", required_argument, NULL, 'p' },
	{ "via", required_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* Reads the options into cfg.  Returns -1 to go on, else the exit status. */
static int parse_opts(int argc, char **argv, struct ipl_demo_cfg *cfg)
{
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":p:h", longs, NULL)) != -1) {
		const struct ipl_transport *via;
		char err[256];
		switch (c) {
		case 'p': cfg->payload = optarg; break;
		case 'V':
			via = ipl_transport_find(optarg);
			if (!via || (via->caps & IPL_CAP_LAYERED) || !(via->caps & IPL_CAP_BYTES)) {
				fprintf(stderr, "ipclab demo: bad --via '%s' (a byte-stream mechanism such as tcp or unix)\n",
					optarg);
				return 2;
			}
			cfg->via = via;
			break;
		case 'h': fputs(demo_usage, stdout); return 0;
		case ':':
			fprintf(stderr, "ipclab demo: option '%s' needs a value (try 'ipclab demo --help')\n",
				argv[optind - 1]);
			return 2;
		default:
			ipl_unknown_option(err, sizeof err, argv[optind - 1], longs);
			fprintf(stderr, "ipclab demo: %s (try 'ipclab demo --help')\n", err);
			return 2;
		}
	}
	return -1;
}

/* The one mechanism named on the command line into cfg->tp.  Returns -1 to
 * go on, else the exit status. */
static int parse_mech(int argc, char **argv, struct ipl_demo_cfg *cfg)
{
	if (optind != argc - 1) {
		fprintf(stderr, "ipclab demo: name one mechanism (see `ipclab list`) (try 'ipclab demo --help')\n");
		return 2;
	}
	const char *name = argv[optind];
	cfg->tp = ipl_transport_find(name);
	if (!cfg->tp) {
		const char *hint = ipl_suggest_mech(name);
		if (hint)
			fprintf(stderr, "ipclab demo: unknown mechanism '%s' (did you mean %s?)\n", name, hint);
		else
			fprintf(stderr, "ipclab demo: unknown mechanism '%s' (see `ipclab list`)\n", name);
		return 2;
	}
	return -1;
}

static int use_color(void)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(nc && *nc);
}

int ipl_cmd_demo(int argc, char **argv)
{
	struct ipl_demo_cfg cfg = { .payload = IPL_DEMO_DEFAULT_PAYLOAD };
	int rc = parse_opts(argc, argv, &cfg);
	if (rc < 0)
		rc = parse_mech(argc, argv, &cfg);
	if (rc >= 0)
		return rc;
	if (strlen(cfg.payload) > IPL_DEMO_PAYLOAD_MAX) {
		fprintf(stderr, "ipclab demo: --payload longer than %d bytes\n", IPL_DEMO_PAYLOAD_MAX);
		return 2;
	}
	if (cfg.via && !(cfg.tp->caps & IPL_CAP_LAYERED)) {
		fprintf(stderr, "ipclab demo: --via applies to layered mechanisms (rpc) only\n");
		return 2;
	}
	cfg.color = use_color();
	return ipl_demo_run(&cfg);
}
