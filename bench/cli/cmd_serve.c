/* cmd_serve.c - `ipclab serve`: one server until SIGINT/SIGTERM. */
#include "bench/run/run.h"
#include "bench/run/row.h"
#include "bench/registry/registry.h"
#include "bench/cli/args.h"
#include "bench/cli/bind.h"
#include "bench/cli/cli.h"
#include "common/err.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char serve_usage[] =
	"usage: ipclab serve -m MECH [--listen ADDR] [--cap BYTES] [--max-clients N]\n"
	"                    [--idle-timeout SECONDS] [--max-memory BYTES] [--register]\n"
	"                    [--pipe-size BYTES] [--sockbuf BYTES] [--server MODEL]\n"
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
	"                      memory'.  These three do not apply to oncrpc over\n"
	"                      udp: it keeps no connections (exit 2)\n"
	"      --register      rpc: register the program (0x2049504c version 1) and\n"
	"                      where it listens (netid tcp, udp with --via udp, or\n"
	"                      local for a unix socket) with this host's rpcbind,\n"
	"                      replacing a stale entry; taken back at exit.\n"
	"                      Without --via or --listen the carrier is then tcp.\n"
	"                      Fails when no rpcbind runs\n"
	"      --pipe-size BYTES\n"
	"                      fifo: capacity of both pipes of every client\n"
	"                      (F_SETPIPE_SZ; up to fs.pipe-max-size, root too)\n"
	"      --sockbuf BYTES tcp, unix, seqpacket: SO_SNDBUF and SO_RCVBUF of every\n"
	"                      socket (Linux doubles it and caps it at\n"
	"                      net.core.wmem_max/rmem_max); what the kernel grants is\n"
	"                      printed at start\n"
	"      --server MODEL  threads (default): one thread per client, blocking\n"
	"                      calls; epoll: one thread, one epoll loop over\n"
	"                      non-blocking sockets (tcp, unix only), same limits\n"
	"      --rpc-semantics at-most-once|at-least-once\n"
	"                      rpc --via udp: answer a retransmitted call from the\n"
	"                      duplicate-request cache, so a procedure runs at most\n"
	"                      once (default), or run it again (cache off)\n"
	"  -h, --help          this text\n";

enum {
	OPT_CAP = 256,
	OPT_WAIT,
	OPT_VIA,
	OPT_MAX_CLIENTS,
	OPT_IDLE,
	OPT_MAX_MEMORY,
	OPT_REGISTER,
	OPT_PIPE_SIZE,
	OPT_SOCKBUF,
	OPT_SERVER,
	OPT_RPC_SEMANTICS
};

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
		snprintf(err, errlen, "--idle-timeout '%s' is over %g s (use 0 for never)", arg, IDLE_MAX_S);
		return -1;
	}
	*ms = secs * 1000 < 1 ? 1 : (int)(secs * 1000 + 0.5);
	return 0;
}

/* Whether the per-connection limits (--max-clients, --idle-timeout,
 * --max-memory) mean anything for tp over carrier car: not for oncrpc over
 * a datagram carrier, where libtirpc's svc_dg keeps no connections and
 * reads one datagram at a time into its own fixed buffer (oncrpc_dg.c). */
static int conn_limits_apply(const struct ipl_transport *tp, const struct ipl_transport *car)
{
	return !ipl_layer_over_datagrams(tp, car, "oncrpc");
}

/* One line on stderr: the limits this server keeps. */
static void print_limits(const struct ipl_transport *tp, const struct ipl_tp_opts *o, int model)
{
	if (!conn_limits_apply(tp, ipl_carrier_of(tp, o->via))) {
		fprintf(stderr,
			"ipclab serve: limits: one datagram (at most 65,507 bytes) at a time into "
			"svc_dg's buffer, its arguments decoded into at most %u bytes (--cap); no "
			"connections, so --max-clients, --idle-timeout and --max-memory do not apply\n",
			o->cap);
		return;
	}
	unsigned conns = o->max_conns ? o->max_conns : IPL_DEFAULT_MAX_CONNS;
	int idle = o->idle_ms ? o->idle_ms : IPL_DEFAULT_IDLE_MS;
	uint64_t mem = o->mem_limit ? o->mem_limit : IPL_DEFAULT_MEM_LIMIT;
	char idle_s[32];
	if (idle < 0)
		snprintf(idle_s, sizeof idle_s, "none");
	else
		snprintf(idle_s, sizeof idle_s, "%g s", idle / 1000.0);
	fprintf(stderr,
		"ipclab serve: limits: %u clients at once, idle timeout %s, %llu bytes "
		"buffered (--max-clients, --idle-timeout, --max-memory); server model %s\n",
		conns, idle_s, (unsigned long long)mem, ipl_server_model_name(model));
}

static const struct option longs[] = {
	{ "mech", required_argument, NULL, 'm' },
	{ "listen", required_argument, NULL, 'l' },
	{ "cap", required_argument, NULL, OPT_CAP },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "via", required_argument, NULL, OPT_VIA },
	{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
	{ "register", no_argument, NULL, OPT_REGISTER },
	{ "pipe-size", required_argument, NULL, OPT_PIPE_SIZE },
	{ "sockbuf", required_argument, NULL, OPT_SOCKBUF },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "rpc-semantics", required_argument, NULL, OPT_RPC_SEMANTICS },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* What the command line asks for. */
struct serve_opts {
	const struct ipl_transport *tp;
	struct ipl_tp_opts tpo;
	int reg;           /* --register */
	int server;        /* --server: enum ipl_server_model */
	int set_semantics; /* --rpc-semantics given */
};

/* A size in 1..max. */
static int parse_positive_size(const char *arg, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	if (ipl_parse_size(arg, max, out, err, errlen) < 0)
		return -1;
	if (*out > 0)
		return 0;
	snprintf(err, errlen, "must be > 0");
	return -1;
}

/* One option (an ipl_cmdline one(), ctx the serve_opts); 0 or -1 with err. */
static int parse_one(void *ctx, int c, const char *arg, char *err, size_t errlen)
{
	struct serve_opts *so = ctx;
	uint64_t num = 0;
	switch (c) {
	case 'm':
		if ((so->tp = ipl_transport_find(arg)))
			return 0;
		snprintf(err, errlen, "unknown mechanism '%s' (see `ipclab list`)", arg);
		return -1;
	case 'l': so->tpo.listen = arg; return 0;
	case OPT_CAP:
		if (parse_positive_size(arg, 1u << 30, &num, err, errlen) < 0)
			return -1;
		so->tpo.cap = (uint32_t)num;
		return 0;
	case OPT_WAIT: return ipl_parse_wait(arg, &so->tpo.wait, err, errlen);
	case OPT_VIA: return ipl_parse_via(arg, &so->tpo.via, err, errlen);
	case OPT_MAX_CLIENTS:
		if (ipl_parse_count(arg, 1, 1000000, &num, err, errlen) < 0)
			return -1;
		so->tpo.max_conns = (unsigned)num;
		return 0;
	case OPT_IDLE: return parse_idle(arg, &so->tpo.idle_ms, err, errlen);
	case OPT_MAX_MEMORY:
		if (parse_positive_size(arg, 1ull << 40, &num, err, errlen) < 0)
			return -1;
		so->tpo.mem_limit = num;
		return 0;
	case OPT_REGISTER: so->reg = 1; return 0;
	case OPT_PIPE_SIZE: return ipl_parse_pipe_size(arg, &so->tpo.pipe_size, err, errlen);
	case OPT_SOCKBUF: return ipl_parse_sockbuf(arg, &so->tpo.sockbuf, err, errlen);
	case OPT_SERVER: return ipl_parse_server_model(arg, &so->server, err, errlen);
	case OPT_RPC_SEMANTICS:
		so->set_semantics = 1;
		return ipl_parse_rpc_semantics(arg, &so->tpo.at_least_once, err, errlen);
	}
	return -1;
}

/* Whether the mechanism (over its carrier) can be served to other
 * processes at the address asked for.  0 or -1 with err. */
static int check_servable(struct serve_opts *so, char *err, size_t len)
{
	const struct ipl_transport *tp = so->tp;
	struct ipl_tp_opts *tpo = &so->tpo;
	if (!tp) {
		snprintf(err, len, "which mechanism? (-m MECH)");
		return -1;
	}
	if (so->reg && !(tp->caps & IPL_CAP_LAYERED)) {
		snprintf(err, len, "--register: %s is not an RPC program: only rpc registers with rpcbind",
			 tp->name);
		return -1;
	}
	/* --register alone: tcp, where rpcinfo and clnt_create(..., "tcp") look */
	if (so->reg && !tpo->via && !tpo->listen)
		tpo->via = ipl_transport_find("tcp");
	/* rpc: an ADDR:PORT to listen on implies the tcp carrier */
	if ((tp->caps & IPL_CAP_LAYERED) && !tpo->via && tpo->listen && tpo->listen[0] != '/' &&
	    strchr(tpo->listen, ':'))
		tpo->via = ipl_network_carrier();
	const struct ipl_transport *car = ipl_carrier_of(tp, tpo->via);
	if (!(tp->caps & IPL_CAP_NAMED) || (tp->caps & IPL_CAP_NEEDS_FORK)) {
		snprintf(err, len,
			 "%s cannot be served to other processes: it only joins a parent and the child "
			 "it forks",
			 tp->name);
		return -1;
	}
	if (car && tpo->via && (!(car->caps & IPL_CAP_NAMED) || (car->caps & IPL_CAP_NEEDS_FORK))) {
		snprintf(err, len, "%s over %s cannot be served to other processes", tp->name, car->name);
		return -1;
	}
	if (so->set_semantics && !ipl_layer_over_datagrams(tp, car, "rpc")) {
		snprintf(err, len,
			 "--rpc-semantics does not apply: only rpc over a datagram carrier (--via udp) "
			 "has a duplicate-request cache");
		return -1;
	}
	if (!conn_limits_apply(tp, car) && (tpo->max_conns || tpo->idle_ms || tpo->mem_limit)) {
		snprintf(err, len,
			 "--max-clients, --idle-timeout and --max-memory do not apply to %s over %s: "
			 "libtirpc's svc_dg keeps no connections and reads one datagram at a time",
			 tp->name, car->name);
		return -1;
	}
	if (tpo->pipe_size && ipl_knob_applies(IPL_KNOB_PIPE_SIZE, &tp, 1, err, len) < 0)
		return -1;
	if (tpo->sockbuf && ipl_knob_applies(IPL_KNOB_SOCKBUF, &tp, 1, err, len) < 0)
		return -1;
	if (ipl_server_model_applies(so->server, &tp, 1, err, len) < 0)
		return -1;
	if (tpo->listen)
		return ipl_check_listen_addr(tp, tpo->via, tpo->listen, err, len);
	return 0;
}

/* --pipe-size / --sockbuf: what the kernel grants, read back from a probe
 * (every client's conn gets the same from the same request).  0, or -1
 * after one line when the kernel refuses. */
static int print_knobs(const struct ipl_tp_opts *o)
{
	char err[200];
	const unsigned knob[2] = { IPL_KNOB_PIPE_SIZE, IPL_KNOB_SOCKBUF };
	const uint32_t asked[2] = { o->pipe_size, o->sockbuf };
	static const char *const what[2] = { "pipe size (F_GETPIPE_SZ)",
					     "socket buffers (getsockopt: twice the request, capped)" };
	for (int k = 0; k < 2; k++) {
		if (!asked[k])
			continue;
		long long got = ipl_knob_probe(knob[k], asked[k], err, sizeof err);
		if (got < 0) {
			fprintf(stderr, "ipclab serve: %s\n", err);
			return -1;
		}
		fprintf(stderr, "ipclab serve: %s: asked %u, in force %lld bytes\n", what[k], asked[k], got);
	}
	return 0;
}

static void print_stopped(const struct ipl_serve_stats *st)
{
	fprintf(stderr,
		"ipclab serve: stopped: %llu connections, %llu requests, %llu refused as bad, "
		"%llu clients refused as too many, %llu closed idle, %llu requests refused for memory\n",
		(unsigned long long)st->conns, (unsigned long long)st->msgs, (unsigned long long)st->bad,
		(unsigned long long)st->busy, (unsigned long long)st->idle, (unsigned long long)st->overload);
}

/* rpc over datagrams: what a retransmitted call gets. */
static void print_semantics(const struct serve_opts *so)
{
	const struct ipl_transport *car = ipl_carrier_of(so->tp, so->tpo.via);
	if (!ipl_layer_over_datagrams(so->tp, car, "rpc"))
		return;
	if (so->tpo.at_least_once)
		fprintf(stderr,
			"ipclab serve: rpc over %s: at-least-once (no duplicate-request cache: a "
			"retransmitted call runs again)\n",
			car->name);
	else
		fprintf(stderr,
			"ipclab serve: rpc over %s: at-most-once (a duplicate-request cache per client, "
			"bounded: see ipclab(1))\n",
			car->name);
}

/* Serves until stopped.  Returns the exit status. */
static int serve(const struct serve_opts *so)
{
	struct ipl_endpoint ep;
	const struct ipl_transport *tp = so->tp;
	/* held from here until ipl_serve_foreground has its handlers: a stop
	 * sent as soon as the address is printed must not kill us uncleaned */
	ipl_serve_hold_stop(NULL);
	if (print_knobs(&so->tpo) < 0)
		return 1;
	ipl_endpoint_setup(&ep, tp, &so->tpo, NULL);
	int rc = ipl_endpoint_prepare(&ep);
	if (rc == 0)
		rc = ipl_endpoint_attach_server(&ep);
	if (rc < 0) {
		fprintf(stderr, "ipclab serve: %s: %s\n", tp->name, ipl_strerror(rc));
		ipl_endpoint_cleanup(&ep);
		return 1;
	}
	struct ipl_bind_reg reg = { 0 };
	char err[512];
	if (so->reg && ipl_bind_register(&ep, ipl_carrier_of(tp, so->tpo.via), &reg, err, sizeof err) < 0) {
		fprintf(stderr, "ipclab serve: %s\n", err);
		ipl_endpoint_cleanup(&ep);
		return 1;
	}
	printf("%s\n", ep.addr);
	fflush(stdout);
	char label[IPL_LABEL_MAX];
	fprintf(stderr, "ipclab serve: %s listening on %s (SIGINT/SIGTERM to stop)\n",
		ipl_mech_label(label, sizeof label, tp, so->tpo.via, 0), ep.addr);
	print_limits(tp, &so->tpo, so->server);
	print_semantics(so);

	struct ipl_serve_stats st = { 0 };
	struct ipl_server_cfg cfg = { .cap = so->tpo.cap, .model = (enum ipl_server_model)so->server };
	rc = ipl_serve_process(&ep, &cfg, &st);
	ipl_bind_unregister(&reg); /* before the name goes: no client is sent to nothing */
	ipl_endpoint_cleanup(&ep);
	print_stopped(&st);
	if (rc < 0) {
		fprintf(stderr, "ipclab serve: %s\n", ipl_strerror(rc));
		return 1;
	}
	return 0;
}

int ipl_cmd_serve(int argc, char **argv)
{
	struct serve_opts so = { .tpo = { .cap = 16u << 20 } };
	const struct ipl_cmdline cl = {
		.cmd = "serve",
		.shorts = ":m:l:h",
		.longs = longs,
		.one = parse_one,
		.ctx = &so,
	};
	char err[256];
	int rc = ipl_cmdline_parse(&cl, argc, argv);
	if (rc == 1) {
		fputs(serve_usage, stdout);
		return 0;
	}
	if (rc)
		return rc;
	if (check_servable(&so, err, sizeof err) < 0)
		return ipl_usage_error("serve", err);
	return serve(&so);
}
