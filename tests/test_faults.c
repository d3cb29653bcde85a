/* test_faults.c - dying peers and stops, for every variant.
 *
 *   client_killed_mid_message  SIGKILL a client part-way through a message:
 *                              the server drops it and serves the next one
 *   server_killed              SIGKILL the server under a busy client: the
 *                              client gets a clear error, never hangs
 *   sigterm_finishes_reply     SIGTERM while the server is writing an 8 MiB
 *                              reply the client has not read yet: the whole
 *                              reply arrives intact, the server exits 0 and
 *                              removes its names
 *   sigterm_idle_client        SIGTERM with a client connected but silent:
 *                              the server exits 0 promptly, the client sees
 *                              the close
 *   sigterm_stalled_reader     SIGTERM while the server's write is stalled
 *                              by a client that never reads: the stop still
 *                              completes (after the grace period), exit 0
 *   crash_names_swept          a server (and a client) killed with SIGKILL
 *                              leave names; the next start removes them
 *
 * Every step waits for an event (a byte on a pipe, a reply's first bytes,
 * a signal taken, a process's exit), never for time to pass; the bounds
 * (alarm() in children, deadlines in the parent) are safety nets only, far
 * beyond what a loaded machine needs. */
#include "common/err.h"
#include "common/exchange.h"
#include "common/msgio.h"
#include "common/names.h"
#include "bench/run/run.h"
#include "bench/registry/registry.h"
#include "tests/reliab.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

#define CHILD_S 240         /* a child's whole run: a hang fails, a slow machine does not */
#define PEER_BOUND_MS 60000 /* what a client waits for a dead peer (opts.timeout_ms) */
#define BIG (8u << 20)

struct fx_arg {
	int ready_fd; /* the child writes one byte here when it is in position */
	int go_fd;    /* and, where it waits, reads one byte from here */
	unsigned caps;
};

static int say_ready(const struct fx_arg *a)
{
	return write(a->ready_fd, "r", 1) == 1 ? 0 : -1;
}

static int wait_go(const struct fx_arg *a)
{
	char b;
	return read(a->go_fd, &b, 1) == 1 ? 0 : -1;
}

/* Waits for a child (not a fixture client) up to the safety net; its exit
 * status, or -1 (killed by a signal, or reaped here after SIGKILL). */
static int reap(pid_t pid)
{
	int st;
	for (int w = 0; w < IPL_RL_SAFETY_MS; w += 10) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		ipl_rl_sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	fprintf(stderr, "pid %ld did not exit within %d ms\n", (long)pid, IPL_RL_SAFETY_MS);
	return -1;
}

/* Reaps a child we SIGKILLed: 0 if that is what it died of. */
static int reap_killed(pid_t pid)
{
	int st;
	pid_t r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	return r == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? 0 : -1;
}

/* Reads the first bytes of the reply to the message just sent: proof that
 * the server has read the whole request and is writing its reply. */
static int reply_started(struct ipl_conn *c, uint8_t hb[IPL_HDR_SIZE])
{
	return ipl_conn_read_full(c, hb, IPL_HDR_SIZE);
}

/* Names "ipclab-<pid>-*" in $TMPDIR and /dev/shm. */
static int names_of(pid_t pid)
{
	char pre[48];
	snprintf(pre, sizeof pre, "ipclab-%ld-", (long)pid);
	const char *dirs[] = { ipl_tmpdir(), "/dev/shm" };
	int n = 0;
	for (int i = 0; i < 2; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;
		while (d && (e = readdir(d)))
			n += !strncmp(e->d_name, pre, strlen(pre));
		if (d)
			closedir(d);
	}
	return n;
}

static int echo_ok(struct ipl_conn *c, uint32_t size, uint64_t n)
{
	struct ipl_client_cfg cfg = { .size = size, .iters = n, .op = IPL_OP_ECHO, .crc = 1 };
	struct ipl_client_stats st = { 0 };
	int rc = ipl_client_latency(c, &cfg, NULL, &st);
	return rc == 0 && st.ok == n && st.errors == 0;
}

/* ---- client bodies ------------------------------------------------------ */

/* Stops part-way through a message and waits to be killed. */
static int body_partial(struct ipl_conn *c, void *arg)
{
	const struct fx_arg *a = arg;
	alarm(CHILD_S);
	if (ipl_client_hello(c, NULL) < 0)
		return 10;
	if (a->caps & IPL_CAP_BYTES) { /* a header promising 64 KiB, then 1000 bytes */
		uint8_t m[IPL_HDR_SIZE + 1000];
		memset(m, 0x42, sizeof m);
		ipl_rl_hdr(m, IPL_OP_ECHO, 0, 9, 65536, 0);
		if (ipl_rl_send_raw(c, m, sizeof m) < 0)
			return 11;
		if (say_ready(a))
			return 12;
	} else { /* a message layer of its own: be killed inside a large send */
		uint8_t *p = calloc(1, BIG);
		if (!p)
			return 13;
		struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .seq = 9, .len = BIG };
		/* ready once a whole message is in: the server, writing an 8 MiB
		 * reply nobody reads, stops reading, so the next send stalls part
		 * way (an event, where a sleep before the kill was a guess) */
		for (int n = 0;; n++) {
			if (n == 1 && say_ready(a))
				return 12;
			if (ipl_msg_send(c, &h, p) < 0)
				return 14;
		}
	}
	for (;;)
		pause();
}

static int body_next(struct ipl_conn *c, void *arg)
{
	(void)arg;
	alarm(CHILD_S);
	if (ipl_client_hello(c, NULL) < 0)
		return 20;
	if (!echo_ok(c, 1000, 50) || !echo_ok(c, 70000, 5))
		return 21;
	return ipl_client_bye(c) < 0 ? 22 : 0;
}

/* Echoes until the transport fails; the failure must be a clear one. */
static int body_until_error(struct ipl_conn *c, void *arg)
{
	const struct fx_arg *a = arg;
	alarm(CHILD_S); /* a client that hangs on a dead server dies of SIGALRM: a failure */
	if (ipl_client_hello(c, NULL) < 0)
		return 30;
	struct ipl_client_cfg cfg = { .size = 4096, .iters = 1, .op = IPL_OP_ECHO };
	for (unsigned i = 0;; i++) {
		struct ipl_client_stats st = { 0 };
		int rc = ipl_client_latency(c, &cfg, NULL, &st);
		if (st.errors)
			return 31; /* a wrong reply is never acceptable, even from a dying server */
		if (rc < 0) {
			fprintf(stderr, "client after server death: %s\n", ipl_strerror(rc));
			return (rc == IPL_ECLOSED || rc == IPL_ETRUNC || rc == -ECONNRESET ||
				rc == -EPIPE || rc == IPL_EPEERDEAD)
				     ? 0
				     : 32;
		}
		if (i == 0 && say_ready(a))
			return 33;
	}
}

/* Sends an 8 MiB ECHO and does not read the reply until told to. */
static int body_inflight(struct ipl_conn *c, void *arg)
{
	const struct fx_arg *a = arg;
	alarm(CHILD_S);
	if (ipl_client_hello(c, NULL) < 0)
		return 40;
	uint8_t *p = malloc(BIG);
	struct ipl_buf rx = { 0 };
	if (!p)
		return 41;
	ipl_payload_fill(p, BIG, 77);
	struct ipl_hdr h = { .version = IPL_VERSION,
			     .op = IPL_OP_ECHO,
			     .seq = 77,
			     .len = BIG,
			     .flags = IPL_FLAG_CRC,
			     .crc = ipl_crc32c(0, p, BIG) };
	if (ipl_msg_send(c, &h, p) < 0)
		return 42;
	uint8_t hb[IPL_HDR_SIZE];
	if (reply_started(c, hb) < 0 || say_ready(a) || wait_go(a))
		return 43;
	struct ipl_hdr r;
	int rc = ipl_hdr_decode(hb, IPL_DEFAULT_CAP, &r);
	if (rc == 0 && (r.len != BIG || ipl_buf_reserve(&rx, BIG) < 0))
		rc = IPL_EPROTO;
	if (rc == 0)
		rc = ipl_conn_read_full(c, rx.p, BIG);
	if (rc == 0)
		rc = ipl_payload_check(&r, rx.p);
	int ok = rc == 0 && r.op == IPL_OP_ECHO && r.seq == 77 && r.len == BIG && !memcmp(rx.p, p, BIG);
	if (!ok)
		fprintf(stderr, "in-flight reply: %s op %u len %u\n", ipl_strerror(rc), rc ? 0 : r.op,
			rc ? 0 : r.len);
	free(p);
	ipl_buf_free(&rx);
	if (!ok)
		return 44;
	return ipl_rl_expect_eof(c) ? 45 : 0; /* and then the stopping server closes */
}

/* Sends an 8 MiB ECHO and never reads the reply: a peer that stalls the
 * server's write.  Leaves when told. */
static int body_stalled(struct ipl_conn *c, void *arg)
{
	const struct fx_arg *a = arg;
	alarm(CHILD_S);
	if (ipl_client_hello(c, NULL) < 0)
		return 60;
	uint8_t *p = calloc(1, BIG);
	if (!p)
		return 61;
	struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .seq = 5, .len = BIG };
	int rc = ipl_msg_send(c, &h, p);
	free(p);
	uint8_t hb[IPL_HDR_SIZE];
	if (rc < 0 || reply_started(c, hb) < 0 || say_ready(a) || wait_go(a))
		return 62;
	return 0;
}

/* Connects, is served once, then sits silent until told to look. */
static int body_idle(struct ipl_conn *c, void *arg)
{
	const struct fx_arg *a = arg;
	alarm(CHILD_S);
	if (ipl_client_hello(c, NULL) < 0 || !echo_ok(c, 10, 1))
		return 50;
	if (say_ready(a) || wait_go(a))
		return 51;
	return ipl_rl_expect_eof(c) ? 52 : 0;
}

/* ---- cases ------------------------------------------------------------ */

/* The variant, with a bound on waiting for a dead peer where it matters. */
static struct ipl_test_variant bounded(const struct ipl_test_variant *v)
{
	struct ipl_test_variant b = *v;
	if (!b.opts.timeout_ms)
		b.opts.timeout_ms = PEER_BOUND_MS;
	return b;
}

static void pipes(int ready[2], int go[2])
{
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
}

static void close_pipes(int ready[2], int go[2])
{
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

static void case_client_killed(const struct ipl_test_variant *v0, const struct ipl_rl_case *k)
{
	(void)k;
	struct ipl_test_variant v = bounded(v0);
	v.opts.idle_ms = -1; /* the victim's death must be seen, not waited out */
	struct ipl_fixture *fx = ipl_rl_fixture();
	int ready[2], go[2];
	pipes(ready, go);
	struct fx_arg a = { ready[1], go[0], ipl_rl_caps(&v) };
	assert_ok(ipl_fx_start(fx, &v, 2));
	pid_t victim = ipl_fx_client(fx, 0, body_partial, &a);
	assert_true(victim > 0);
	assert_int_equal(ipl_rl_wait_ready(ready[0], IPL_RL_SAFETY_MS), 0);
	/* now: the server's own threads (a library's too: zmq's I/O threads)
	 * and the victim's worker; that worker must go */
	long threads0 = ipl_rl_status(fx->server, "Threads") - 1;
	assert_int_equal(kill(victim, SIGKILL), 0);
	assert_int_equal(reap_killed(victim), 0);

	pid_t next = ipl_fx_client(fx, 1, body_next, NULL);
	assert_true(next > 0);
	if (ipl_rl_caps(&v) & IPL_CAP_NEEDS_FORK)
		ipl_endpoint_release(&fx->ep);
	assert_int_equal(ipl_fx_wait(fx, next, CHILD_S + 5), 0);
	if (!(ipl_rl_caps(&v) & IPL_CAP_NEEDS_FORK)) /* the victim's worker is gone too */
		assert_int_equal(ipl_rl_wait_threads(fx->server, threads0 > 1 ? threads0 : 1, IPL_RL_SAFETY_MS),
				 0);
	close_pipes(ready, go);
	assert_int_equal(ipl_fx_stop(fx), 0);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

static void case_server_killed(const struct ipl_test_variant *v0, const struct ipl_rl_case *k)
{
	(void)k;
	struct ipl_test_variant v = bounded(v0);
	struct ipl_fixture *fx = ipl_rl_fixture();
	int ready[2], go[2];
	pipes(ready, go);
	struct fx_arg a = { ready[1], go[0], ipl_rl_caps(&v) };
	assert_ok(ipl_fx_start(fx, &v, 1));
	pid_t cl = ipl_fx_client(fx, 0, body_until_error, &a);
	assert_true(cl > 0);
	if (ipl_rl_caps(&v) & IPL_CAP_NEEDS_FORK)
		ipl_endpoint_release(&fx->ep); /* else our copies of its fds keep it "alive" */
	assert_int_equal(ipl_rl_wait_ready(ready[0], IPL_RL_SAFETY_MS), 0);
	assert_int_equal(kill(fx->server, SIGKILL), 0);
	assert_int_equal(ipl_fx_wait(fx, cl, CHILD_S + 5), 0);
	close_pipes(ready, go);
	ipl_fx_stop(fx); /* reaps the killed server; its status is SIGKILL's */
	/* what the dead server made is gone after the next start's sweep */
	ipl_sweep_stale();
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

static int wait_server_exit(struct ipl_fixture *fx)
{
	int st = reap(fx->server);
	fx->server = -1; /* reaped here: ipl_fx_stop must not signal a reused pid */
	return st;
}

static void case_sigterm_reply(const struct ipl_test_variant *v0, const struct ipl_rl_case *k)
{
	(void)k;
	struct ipl_test_variant v = bounded(v0);
	struct ipl_fixture *fx = ipl_rl_fixture();
	int ready[2], go[2];
	pipes(ready, go);
	struct fx_arg a = { ready[1], go[0], ipl_rl_caps(&v) };
	assert_ok(ipl_fx_start(fx, &v, 1));
	pid_t cl = ipl_fx_client(fx, 0, body_inflight, &a);
	assert_true(cl > 0);
	if (ipl_rl_caps(&v) & IPL_CAP_NEEDS_FORK)
		ipl_endpoint_release(&fx->ep);
	/* ready: the reply has begun (the server is writing it) */
	assert_int_equal(ipl_rl_wait_ready(ready[0], IPL_RL_SAFETY_MS), 0);
	assert_int_equal(kill(fx->server, SIGTERM), 0);
	/* the client reads the rest only once the server has taken the stop */
	assert_int_equal(ipl_rl_wait_signal_taken(fx->server, SIGTERM), 0);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(ipl_fx_wait(fx, cl, CHILD_S + 5), 0);
	assert_int_equal(wait_server_exit(fx), 0);
	close_pipes(ready, go);
	ipl_fx_stop(fx);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

static void case_sigterm_idle(const struct ipl_test_variant *v0, const struct ipl_rl_case *k)
{
	(void)k;
	struct ipl_test_variant v = bounded(v0);
	struct ipl_fixture *fx = ipl_rl_fixture();
	int ready[2], go[2];
	pipes(ready, go);
	struct fx_arg a = { ready[1], go[0], ipl_rl_caps(&v) };
	assert_ok(ipl_fx_start(fx, &v, 1));
	pid_t cl = ipl_fx_client(fx, 0, body_idle, &a);
	assert_true(cl > 0);
	if (ipl_rl_caps(&v) & IPL_CAP_NEEDS_FORK)
		ipl_endpoint_release(&fx->ep);
	assert_int_equal(ipl_rl_wait_ready(ready[0], IPL_RL_SAFETY_MS), 0);
	assert_int_equal(kill(fx->server, SIGTERM), 0);
	assert_int_equal(wait_server_exit(fx), 0);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(ipl_fx_wait(fx, cl, CHILD_S + 5), 0);
	close_pipes(ready, go);
	ipl_fx_stop(fx);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

/* SIGTERM while the server is blocked writing to a client that never
 * reads: the stop still completes (after the grace period, 2 s: the
 * deadline here is only a safety net), with exit 0 and no names left. */
static void case_sigterm_stalled(const struct ipl_test_variant *v0, const struct ipl_rl_case *k)
{
	(void)k;
	struct ipl_test_variant v = bounded(v0);
	struct ipl_fixture *fx = ipl_rl_fixture();
	int ready[2], go[2];
	pipes(ready, go);
	struct fx_arg a = { ready[1], go[0], ipl_rl_caps(&v) };
	assert_ok(ipl_fx_start(fx, &v, 1));
	pid_t cl = ipl_fx_client(fx, 0, body_stalled, &a);
	assert_true(cl > 0);
	if (ipl_rl_caps(&v) & IPL_CAP_NEEDS_FORK)
		ipl_endpoint_release(&fx->ep);
	/* ready: the reply has begun and the client reads no more of it */
	assert_int_equal(ipl_rl_wait_ready(ready[0], IPL_RL_SAFETY_MS), 0);
	assert_int_equal(kill(fx->server, SIGTERM), 0);
	int st = wait_server_exit(fx);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(ipl_fx_wait(fx, cl, CHILD_S + 5), 0);
	close_pipes(ready, go);
	ipl_fx_stop(fx);
	assert_int_equal(st, 0);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

/* A whole server process like `ipclab serve`: prepares, serves, and is
 * killed without a chance to clean up. */
static pid_t lone_server(const struct ipl_test_variant *v, char addr[IPL_ADDR_MAX])
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		alarm(CHILD_S);
		close(p[0]);
		struct ipl_endpoint ep;
		struct ipl_tp_opts o = v->opts;
		if (v->via)
			o.via = ipl_transport_find(v->via);
		ipl_endpoint_setup(&ep, ipl_transport_find(v->tp), &o, NULL);
		if (ipl_endpoint_prepare(&ep) || ipl_endpoint_attach_server(&ep))
			_exit(1);
		if (write(p[1], ep.addr, IPL_ADDR_MAX) != IPL_ADDR_MAX)
			_exit(2);
		close(p[1]);
		ipl_serve_foreground(&ep, 0, NULL);
		_exit(3);
	}
	close(p[1]);
	ssize_t n = pid > 0 ? read(p[0], addr, IPL_ADDR_MAX) : -1;
	close(p[0]);
	if (n != IPL_ADDR_MAX) {
		if (pid > 0)
			reap(pid);
		return -1;
	}
	return pid;
}

static pid_t lone_client(const struct ipl_test_variant *v, const char *addr, int ready_fd)
{
	pid_t pid = fork();
	if (pid == 0) {
		alarm(CHILD_S);
		struct ipl_endpoint ep;
		struct ipl_tp_opts o = v->opts;
		if (v->via)
			o.via = ipl_transport_find(v->via);
		ipl_endpoint_setup(&ep, ipl_transport_find(v->tp), &o, addr);
		struct ipl_conn *c = NULL;
		if (ipl_endpoint_attach_client(&ep, 0, &c) || ipl_client_hello(c, NULL) || !echo_ok(c, 100, 3))
			_exit(1);
		if (write(ready_fd, "r", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	return pid;
}

static void case_crash_names(const struct ipl_test_variant *v, const struct ipl_rl_case *k)
{
	(void)k;
	char addr[IPL_ADDR_MAX];
	int ready[2];
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid_t srv = lone_server(v, addr);
	assert_true(srv > 0);
	pid_t cl = lone_client(v, addr, ready[1]);
	assert_true(cl > 0);
	assert_int_equal(ipl_rl_wait_ready(ready[0], IPL_RL_SAFETY_MS), 0);
	close(ready[0]);
	close(ready[1]);
	kill(srv, SIGKILL);
	kill(cl, SIGKILL);
	assert_int_equal(reap_killed(srv), 0);
	assert_int_equal(reap_killed(cl), 0);
	int left = names_of(srv) + names_of(cl);
	fprintf(stderr, "%s: %d names left by the killed server and client\n", v->name, left);

	/* the next start (any prepare) clears them, and works */
	struct ipl_fixture *fx = ipl_rl_fixture();
	assert_ok(ipl_fx_start(fx, v, 1));
	pid_t next = ipl_fx_client(fx, 0, body_next, NULL);
	assert_true(next > 0);
	assert_int_equal(ipl_fx_wait(fx, next, CHILD_S + 5), 0);
	assert_int_equal(ipl_fx_stop(fx), 0);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
	assert_int_equal(names_of(srv) + names_of(cl), 0);
}

static const struct ipl_rl_case cases[] = {
	{ "client_killed_mid_message", case_client_killed, 0, 0, 0, NULL },
	{ "server_killed", case_server_killed, 0, 0, 0, NULL },
	{ "sigterm_finishes_reply", case_sigterm_reply, 0, 0, 0, NULL },
	{ "sigterm_idle_client", case_sigterm_idle, 0, 0, 0, NULL },
	{ "sigterm_stalled_reader", case_sigterm_stalled, 0, 0, 0, NULL },
	{ "crash_names_swept", case_crash_names, IPL_CAP_NAMED, IPL_CAP_NEEDS_FORK, 0, NULL },
};

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	return ipl_rl_run("faults", cases, sizeof cases / sizeof cases[0], argc, argv);
}
