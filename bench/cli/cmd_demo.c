/* cmd_demo.c - `ipclab demo MECH`: its options; the demonstration itself is
 * bench/demo/ (demo.h). */
#include "bench/cli/cli.h"
#include "bench/demo/demo.h"
#include "bench/demo/demo_rpc.h"
#include "bench/demo/demo_rpcbind.h"
#include "bench/demo/demo_rpcudp.h"
#include "bench/demo/narrate.h"
#include "bench/registry/registry.h"
#include "rpc/rpcbind.h"
#include "rpc/rpcprog.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char demo_usage[] =
	"usage: ipclab demo MECH [options]\n"
	"       ipclab demo rpc --proc add|sum INT...\n"
	"       ipclab demo rpc --register\n"
	"       ipclab demo rpc --via udp [--rpc-semantics at-most-once|at-least-once]\n"
	"\n"
	"Walks one exchange over MECH step by step: what each side creates, which\n"
	"system calls carry the request and the reply, the request's bytes field by\n"
	"field, and the teardown.  The exchange is real (the library's own code,\n"
	"traced), so addresses, ports, fds and checksums are this run's.\n"
	"For rpc it shows the ONC RPC CALL and REPLY in XDR, labelled with the steps\n"
	"of a remote procedure call.  See docs/labs/ for exercises.\n"
	"\n"
	"  -p, --payload TEXT   the ECHO payload (default \"" IPL_DEMO_DEFAULT_PAYLOAD "\")\n"
	"      --via MECH       carrier for rpc: unix (default) or tcp; or udp: one\n"
	"                       INCR call per datagram, its first reply lost on\n"
	"                       purpose, the retransmission of the same xid, and the\n"
	"                       server's duplicate-request cache answering it\n"
	"      --rpc-semantics S  with --via udp: at-most-once (default: the cache;\n"
	"                       INCR returns 1) or at-least-once (no cache: the\n"
	"                       retransmission runs INCR again, it returns 2)\n"
	"      --proc NAME      rpc's procedure: echo (default, an opaque<> argument), or\n"
	"                       the typed add A B (two ints) or sum INT... (1 to 8 ints);\n"
	"                       the integers follow the mechanism (a negative one after --)\n"
	"      --register       rpc: binding instead of a call: ask this host's rpcbind\n"
	"                       (127.0.0.1:111) where the ipclab program is (GETADDR),\n"
	"                       the CALL and REPLY shown field by field\n"
	"  -h, --help           this text\n"
	"\n"
	"Colour is used only when stdout is a terminal and NO_COLOR is not set.\n"
	"Exit status: 0 the exchange completed and verified, 1 it failed, 2 bad usage.\n";

static const struct option longs[] = {
	{ "payload", required_argument, NULL, 'p' },
	{ "via", required_argument, NULL, 'V' },
	{ "proc", required_argument, NULL, 'P' },
	{ "register", no_argument, NULL, 'R' },
	{ "rpc-semantics", required_argument, NULL, 'S' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* --proc's integer count bounds, and whether -p was given */
static uint32_t min_ints, max_ints;
static int payload_set;
static int want_register; /* --register */
static int semantics;     /* --rpc-semantics: 0 not given, 1 at-most-once, 2 at-least-once */
static int via_udp;       /* --via udp: the datagram demo */

/* Reads the options into cfg.  Returns -1 to go on, else the exit status. */
static int parse_opts(int argc, char **argv, struct ipl_demo_cfg *cfg)
{
	int c;
	opterr = 0;
	optind = 1;
	min_ints = max_ints = 0;
	payload_set = want_register = semantics = via_udp = 0;
	while ((c = getopt_long(argc, argv, ":p:h", longs, NULL)) != -1) {
		const struct ipl_transport *via;
		char err[256];
		switch (c) {
		case 'V':
			via = ipl_transport_find(optarg);
			if (via && (via->caps & IPL_CAP_DATAGRAM) && !(via->caps & IPL_CAP_LAYERED)) {
				via_udp = 1; /* the datagram demo, not a carrier of the stream walk */
				cfg->via = via;
				break;
			}
			if (!via || (via->caps & IPL_CAP_LAYERED) || !(via->caps & IPL_CAP_BYTES)) {
				fprintf(stderr, "ipclab demo: bad --via '%s' (tcp, unix or another byte stream, or udp)\n",
					optarg);
				return 2;
			}
			cfg->via = via;
			break;
		case 'P':
			cfg->proc = ipl_demo_rpc_proc(optarg, IPL_DEMO_INTS_MAX, &min_ints, &max_ints);
			if (!cfg->proc) {
				fprintf(stderr, "ipclab demo: unknown --proc '%s' (echo, add or sum)\n", optarg);
				return 2;
			}
			break;
		case 'p': cfg->payload = optarg; payload_set = 1; break;
		case 'R': want_register = 1; break;
		case 'S':
			semantics = !strcmp(optarg, "at-most-once") ? 1 : !strcmp(optarg, "at-least-once") ? 2 : 0;
			if (!semantics) {
				fprintf(stderr, "ipclab demo: bad --rpc-semantics '%s' (at-most-once or at-least-once)\n",
					optarg);
				return 2;
			}
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
	if (optind >= argc || (!cfg->proc && optind != argc - 1)) {
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

/* --proc: the mechanism must be rpc's stub walk, and the integers after it
 * (argv[optind + 1...]) are the arguments.  -1 to go on, else the status. */
static int parse_proc_args(int argc, char **argv, struct ipl_demo_cfg *cfg)
{
	if (!cfg->proc)
		return -1;
	if (ipl_demo_describe(cfg->tp)->walk != IPL_TP_WALK_RPC_STUBS) {
		fprintf(stderr, "ipclab demo: --proc applies to rpc only\n");
		return 2;
	}
	int n = argc - optind - 1;
	if ((uint32_t)n < min_ints || (uint32_t)n > max_ints) {
		if (max_ints == 0)
			fprintf(stderr, "ipclab demo: --proc echo takes no integers (its argument is -p TEXT)\n");
		else if (min_ints == max_ints)
			fprintf(stderr, "ipclab demo: --proc add takes exactly 2 integers, got %d (e.g. --proc add 3 4)\n", n);
		else
			fprintf(stderr, "ipclab demo: --proc sum takes 1 to %u integers, got %d (e.g. --proc sum 1 2 3)\n",
				max_ints, n);
		return 2;
	}
	if (payload_set && max_ints) {
		fprintf(stderr, "ipclab demo: -p/--payload is ECHO's argument: not with --proc add or sum\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		const char *a = argv[optind + 1 + i];
		char *end;
		errno = 0;
		long long v = strtoll(a, &end, 10);
		if (!*a || *end || errno || v < INT32_MIN || v > INT32_MAX) {
			fprintf(stderr, "ipclab demo: bad integer '%s' for --proc (a 32-bit int, e.g. 3 or -- -3)\n", a);
			return 2;
		}
		cfg->ints[i] = (int32_t)v;
	}
	cfg->nints = (unsigned)n;
	return -1;
}

/* --register: GETADDR from this host's rpcbind over tcp, the netid named
 * like the mechanism.  The exit status. */
static int run_register(const struct ipl_demo_cfg *cfg, int color)
{
	if (ipl_demo_describe(cfg->tp)->walk != IPL_TP_WALK_RPC_STUBS) {
		fprintf(stderr, "ipclab demo: --register applies to rpc only\n");
		return 2;
	}
	if (cfg->proc || payload_set || cfg->via) {
		fprintf(stderr, "ipclab demo: --register takes no --proc, --payload or --via\n");
		return 2;
	}
	const struct ipl_transport *tcp = ipl_transport_find("tcp");
	if (!tcp) {
		fprintf(stderr, "ipclab demo: --register needs tcp, not in this build\n");
		return 2;
	}
	char at[32];
	snprintf(at, sizeof at, "127.0.0.1:%u", IPL_RPCB_PORT);
	return ipl_demo_rpcbind_run(tcp, at, IPL_RPC_PROG, IPL_RPC_PROG_VERS, tcp->name, color);
}

/* --via udp: the datagram demo (its call is INCR, nothing to choose).
 * The exit status. */
static int run_udp(const struct ipl_demo_cfg *cfg, int color)
{
	if (ipl_demo_describe(cfg->tp)->walk != IPL_TP_WALK_RPC_STUBS) {
		fprintf(stderr, "ipclab demo: --via udp applies to rpc only\n");
		return 2;
	}
	if (cfg->proc || payload_set) {
		fprintf(stderr, "ipclab demo: --via udp calls INCR: no --proc or --payload with it\n");
		return 2;
	}
	return ipl_demo_rpcudp_run(semantics == 2, color);
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
	if (rc < 0 && semantics && (!via_udp || want_register)) {
		fprintf(stderr, "ipclab demo: --rpc-semantics applies to rpc --via udp only\n");
		return 2;
	}
	if (rc < 0 && want_register)
		return run_register(&cfg, use_color());
	if (rc < 0 && via_udp)
		return run_udp(&cfg, use_color());
	if (rc < 0)
		rc = parse_proc_args(argc, argv, &cfg);
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
