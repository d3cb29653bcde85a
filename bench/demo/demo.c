/* demo.c - `ipclab demo MECH`: one exchange walked step by step (demo.h).
 *
 * Nothing here is canned: the parent runs prepare and forks the server as
 * `ipclab bench` does, the client says HELLO, sends one ECHO and says BYE
 * through common/ (msgio, exchange), and the server is common/server.c's
 * ipl_serve_conn.  Both connections are wrapped in a tracing conn, so the
 * bytes shown are the bytes each side handed to (or got from) the mechanism.
 * What each step does inside the mechanism is the mechanism's own text
 * (its describe table, narrate.c); nothing here names a mechanism.
 */
#include "bench/demo/demo.h"

#include "bench/demo/demo_rpc.h"
#include "bench/demo/log.h"
#include "bench/demo/narrate.h"
#include "bench/demo/print.h"
#include "bench/registry/registry.h"
#include "bench/run/intr.h"

#include "common/err.h"
#include "common/exchange.h"
#include "common/msg.h"
#include "common/msgio.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* One demo run: what both processes share (the server child gets a copy). */
struct run {
	const struct ipl_demo_cfg *cfg;
	const struct ipl_transport *car; /* what carries the bytes (== tp unless the rpc walk) */
	const struct ipl_tp_describe *d; /* car's describe table */
	int rpc;                         /* the rpc walk-through */
	struct ipl_demo_log *lg;
	struct ipl_endpoint ep;
};

/* ---- the client ---------------------------------------------------------- */

/* The ECHO: the request, the server's answer, the client's check. */
static int client_echo(struct ipl_demo_log *lg, struct ipl_conn *c, uint32_t cap, const char *payload, uint32_t len)
{
	const int C = IPL_DEMO_CLIENT;
	ipl_demo_say(lg, C, IPL_DEMO_HEAD,
		     "4. ECHO: the request (header + payload), the server's answer, the client's check");
	struct ipl_hdr h = { .version = IPL_VERSION,
			     .op = IPL_OP_ECHO,
			     .flags = IPL_FLAG_CRC,
			     .seq = 1,
			     .len = len,
			     .crc = ipl_crc32c(0, payload, len) };
	ipl_demo_say(lg, C, IPL_DEMO_TEXT,
		     "ipl_msg_send(): encodes the 24-byte header in network byte order and "
		     "hands header + payload to the mechanism as one message (one iovec pair)");
	int rc = ipl_msg_send(c, &h, payload);
	if (rc < 0) {
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "send failed: %s", ipl_strerror(rc));
		return rc;
	}
	struct ipl_hdr r;
	struct ipl_buf b = { 0 };
	rc = ipl_msg_recv(c, cap ? cap : IPL_DEFAULT_CAP, &r, &b);
	if (rc == 0) {
		int same = len && !memcmp(b.p, payload, len);
		ipl_demo_say(lg, C, IPL_DEMO_TEXT,
			     "ipl_msg_recv(): header validated (magic, version, op, len <= cap, crc); "
			     "seq %llu %s, len %u %s, payload %s",
			     (unsigned long long)r.seq, r.seq == h.seq ? "matches" : "DIFFERS", r.len,
			     r.len == len ? "matches" : "DIFFERS",
			     same  ? "matches byte for byte"
			     : len ? "DIFFERS"
				   : "empty");
		if (r.seq != h.seq || r.len != len || r.op != IPL_OP_ECHO || (len && !same))
			rc = IPL_EPAYLOAD;
	} else {
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "receive failed: %s", ipl_strerror(rc));
	}
	ipl_buf_free(&b);
	return rc;
}

/* The client's exchange over c: HELLO, one ECHO (verified), BYE. */
static int client_exchange(struct ipl_demo_log *lg, struct ipl_conn *c, const char *payload, uint32_t len)
{
	const int C = IPL_DEMO_CLIENT;
	uint32_t cap = 0;
	ipl_demo_say(lg, C, IPL_DEMO_HEAD, "3. HELLO: the client learns the server's payload cap");
	int rc = ipl_client_hello(c, &cap);
	if (rc < 0) {
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "HELLO failed: %s", ipl_strerror(rc));
		return rc;
	}
	ipl_demo_say(lg, C, IPL_DEMO_TEXT, "server cap: %u bytes", cap);
	rc = client_echo(lg, c, cap, payload, len);
	if (rc < 0)
		return rc;
	ipl_demo_say(lg, C, IPL_DEMO_HEAD, "5. teardown");
	ipl_demo_say(lg, C, IPL_DEMO_TEXT, "BYE: an orderly close; the server answers BYE and closes its end");
	rc = ipl_client_bye(c);
	if (rc < 0)
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "BYE failed: %s", ipl_strerror(rc));
	return rc;
}

/* The parent's side after fork: attach, show the conn, run the exchange. */
static int client_main(struct run *r)
{
	const int C = IPL_DEMO_CLIENT;
	struct ipl_demo_vars v = ipl_demo_ep_vars(&r->ep);
	ipl_demo_narrate(r->lg, C, r->d->attach_client, "attach_client(\"{addr}\")", &v);
	struct ipl_conn *in = NULL;
	int rc = ipl_endpoint_attach_client(&r->ep, 0, &in);
	ipl_endpoint_release(&r->ep); /* the client keeps only its own channel */
	if (rc < 0) {
		ipl_demo_say(r->lg, C, IPL_DEMO_TEXT, "attach_client failed: %s", ipl_strerror(rc));
		return rc;
	}
	ipl_demo_show_conn(r->lg, C, in);
	ipl_demo_narrate(r->lg, C, r->d->client_conn, NULL, &v);
	struct ipl_conn *tc = ipl_demo_trace_conn(in, r->lg, C);
	if (!tc)
		return -ENOMEM;
	uint32_t len = (uint32_t)strlen(r->cfg->payload);
	if (r->rpc) {
		const struct ipl_demo_cfg *g = r->cfg;
		struct ipl_demo_rpc_call call = { .proc = g->proc,
						  .payload = g->payload, .len = len,
						  .ints = g->ints, .nints = g->nints };
		rc = ipl_demo_rpc_client(r->lg, tc, &call);
	}
	else
		rc = client_exchange(r->lg, tc, r->cfg->payload, len);
	ipl_conn_detach(tc);
	ipl_demo_say(r->lg, C, IPL_DEMO_TEXT, "detach: closes its end%s", r->d->detach ? r->d->detach : "");
	return rc;
}

/* ---- the server ------------------------------------------------------------ */

/* Serves the one client on c (a traced conn) and detaches it. */
static int serve_one(struct run *r, struct ipl_conn *c)
{
	const int S = IPL_DEMO_SERVER;
	int rc;
	if (r->rpc) {
		rc = ipl_demo_rpc_server(r->lg, c);
	} else {
		struct ipl_serve_stats st = { 0 };
		rc = ipl_serve_conn(c, r->ep.opts.cap, &st);
		ipl_demo_say(r->lg, S, IPL_DEMO_TEXT,
			     "ipl_serve_conn() returned %s after %llu requests (%llu refused)",
			     rc < 0 ? ipl_strerror(rc) : "0", (unsigned long long)st.msgs,
			     (unsigned long long)st.bad);
	}
	ipl_conn_detach(c);
	ipl_demo_say(r->lg, S, IPL_DEMO_TEXT, "detach: closes its end of the connection%s",
		     r->d->detach ? r->d->detach : "");
	return rc;
}

/* The forked server: attach, accept one client, serve it. */
static int server_main(struct run *r)
{
	const int S = IPL_DEMO_SERVER;
	struct ipl_demo_vars v = ipl_demo_ep_vars(&r->ep);
	signal(SIGPIPE, SIG_IGN);
	int rc = ipl_endpoint_attach_server(&r->ep);
	if (rc < 0) {
		ipl_demo_say(r->lg, S, IPL_DEMO_TEXT, "attach_server failed: %s", ipl_strerror(rc));
		return rc;
	}
	ipl_demo_narrate(r->lg, S, r->d->attach_server, NULL, &v);
	ipl_demo_narrate(r->lg, S, r->d->serve, NULL, &v);
	struct ipl_conn *in = NULL;
	rc = ipl_endpoint_accept(&r->ep, &in);
	if (rc == IPL_ECANCELED) {
		/* a service loop (accept never returns a conn) told to stop */
		ipl_demo_narrate(r->lg, S, r->d->stopped,
				 "accept stopped: cancelled by the parent once the client was done", &v);
		return 0;
	}
	if (rc < 0) {
		ipl_demo_say(r->lg, S, IPL_DEMO_TEXT, "accept failed: %s", ipl_strerror(rc));
		return rc;
	}
	ipl_demo_narrate(r->lg, S, r->d->accept, "accept()", &v);
	ipl_demo_show_conn(r->lg, S, in);
	struct ipl_conn *c = ipl_demo_trace_conn(in, r->lg, S);
	return c ? serve_one(r, c) : -ENOMEM;
}

/* The server child's endpoint, for its SIGTERM handler. */
static struct ipl_endpoint *stop_ep;

static void on_term(int sig)
{
	(void)sig;
	if (stop_ep)
		ipl_endpoint_cancel(stop_ep); /* async-signal-safe: an atomic store */
}

/* Forks the server; it never returns in the child.  The child's pid, or -1. */
static pid_t fork_server(struct run *r)
{
	sigset_t term, old;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		ipl_intr_child_setup(parent); /* the server dies with the demo, even a SIGKILLed one */
		/* SIGTERM (held since before fork) stops a server whose accept runs
		 * a service loop instead of returning a conn (oncrpc) */
		struct sigaction sa = { .sa_handler = on_term };
		sigemptyset(&sa.sa_mask);
		stop_ep = &r->ep;
		sigaction(SIGTERM, &sa, NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		int src = server_main(r);
		ipl_endpoint_cleanup(&r->ep);
		_exit(src < 0 ? 1 : 0);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/* ---- the run --------------------------------------------------------------- */

/* Prepares the endpoint (before fork) and says what prepare made. */
static int setup(struct run *r)
{
	const int S = IPL_DEMO_SETUP;
	struct ipl_tp_opts tpo = { .max_clients = 1, .timeout_ms = 5000 };
	if (!r->rpc)
		tpo.via = r->cfg->via;
	ipl_endpoint_setup(&r->ep, r->car, &tpo, NULL);
	ipl_demo_say(r->lg, S, IPL_DEMO_HEAD, "1. setup: the server side's endpoint (before fork)");
	int rc = ipl_endpoint_prepare(&r->ep);
	if (rc < 0) {
		fprintf(stderr, "ipclab demo: %s: prepare: %s\n", r->car->name, ipl_strerror(rc));
		return rc;
	}
	struct ipl_demo_vars v = ipl_demo_ep_vars(&r->ep);
	ipl_demo_narrate(r->lg, S, r->d->prepare, "prepare -> address {addr}", &v);
	if (r->ep.addr[0])
		ipl_demo_say(r->lg, S, IPL_DEMO_TEXT, "ep->addr = \"%s\"  (what a client connects to)",
			     r->ep.addr);
	else
		ipl_demo_say(r->lg, S, IPL_DEMO_TEXT,
			     "ep->addr is empty: there is no name to connect to; only "
			     "processes that inherit the fds (parent and child) can use the channel");
	ipl_demo_say(r->lg, S, IPL_DEMO_TEXT, "fork(): the child becomes the server");
	ipl_demo_say(r->lg, S, IPL_DEMO_HEAD, "2. connect");
	return 0;
}

/* Forks the server, runs the client, reaps the server, cleans up.
 * Returns 1 when the whole exchange verified; *rc gets the client's code. */
static int exchange(struct run *r, int *rc)
{
	alarm(30); /* a demo that hangs is a bug; the default action ends it */
	pid_t pid = fork_server(r);
	if (pid < 0) {
		fprintf(stderr, "ipclab demo: fork: %s\n", strerror(errno));
		ipl_endpoint_cleanup(&r->ep);
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	*rc = client_main(r);
	/* the server usually ends by itself after BYE; one still running a
	 * service loop is told to stop (harmless for the others) */
	kill(pid, SIGTERM);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	alarm(0);
	ipl_demo_say(r->lg, IPL_DEMO_SETUP, IPL_DEMO_TEXT, "waitpid(): the server exited with status %d",
		     WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	struct ipl_demo_vars v = ipl_demo_ep_vars(&r->ep);
	ipl_endpoint_cleanup(&r->ep);
	ipl_demo_narrate(r->lg, IPL_DEMO_SETUP, r->d->cleanup, NULL, &v);
	return *rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int ipl_demo_run(const struct ipl_demo_cfg *cfg)
{
	struct run r = { .cfg = cfg, .car = cfg->tp };
	r.rpc = ipl_demo_describe(cfg->tp)->walk == IPL_TP_WALK_RPC_STUBS;
	if (r.rpc) /* the walk-through drives rpc/'s stubs over a traced carrier */
		r.car = ipl_carrier_of(cfg->tp, cfg->via);
	r.d = ipl_demo_describe(r.car);
	r.lg = mmap(NULL, sizeof *r.lg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r.lg == MAP_FAILED) {
		fprintf(stderr, "ipclab demo: mmap: %s\n", strerror(errno));
		return 1;
	}
	struct ipl_demo_out o = { .color = cfg->color, .rpc = r.rpc };
	ipl_demo_print_intro(&o, cfg->tp, r.car);
	if (cfg->nints) /* --proc add or sum */
		printf("--proc: this run calls a typed procedure instead of ECHO: XDR ints, not opaque bytes.\n");
	int rc = setup(&r), ok = -1;
	if (rc == 0)
		ok = exchange(&r, &rc);
	if (ok >= 0) { /* else it failed to start, and said why on stderr */
		ipl_demo_print_log(&o, r.lg);
		ipl_demo_print_result(&o, ok, rc);
	}
	munmap(r.lg, sizeof *r.lg);
	return ok > 0 ? 0 : 1;
}
