/* test_limits.c - a server's limits (docs/reliability.md, "Limits") against
 * clients that would exceed them, on every multi-client variant.
 *
 *   max_clients  with max_conns 4, four clients are served; the fifth's
 *                HELLO is answered BUSY (an error, not a hang or a reset);
 *                once one of the four has left, a new client is served.
 *   idle         with idle_ms 1000, a client that said HELLO and went
 *                silent, and one that stopped half-way through a header,
 *                are closed (each waits for its EOF); a client that keeps
 *                exchanging all the while is never cut.
 *   memory       (byte streams) with a 4 MiB cap and a 8 MiB pool, 12
 *                clients each send 3.5 MiB of a 4 MiB ECHO and stop: once
 *                the server has read every byte of it (its read(2) count
 *                in /proc/PID/io), its RSS has grown by less than the pool
 *                plus slack; a good client is still served; each hostile
 *                client then finishes its request and gets its ECHO back
 *                or ERROR(OVERLOAD), at least one the latter, and its
 *                connection still works.
 *
 * Every wait is for an event (a reply, an EOF, a counter reaching a
 * value), with a long deadline only as a safety net; the clients run in
 * one forked process under alarm(). */
#include "common/bytes.h"
#include "common/err.h"
#include "common/exchange.h"
#include "common/fdconn.h"
#include "common/msgio.h"
#include "tests/reliab.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

#define CLIENT_S 200      /* the client process's whole run */
#define DEADLINE_MS 60000 /* safety net for any one wait */

enum { CASE_CLIENTS, CASE_IDLE, CASE_MEMORY };

/* A copy of the variant with the case's limits; lives as long as the case. */
static struct ipl_test_variant limited;

static const struct ipl_test_variant *with_limits(const struct ipl_test_variant *v, unsigned max_conns,
						  int idle_ms, uint32_t cap, uint64_t mem)
{
	limited = *v;
	limited.opts.max_conns = max_conns;
	limited.opts.idle_ms = idle_ms;
	limited.opts.mem_limit = mem;
	if (cap)
		limited.opts.cap = cap;
	return &limited;
}

struct args {
	struct ipl_endpoint *ep;
	pid_t server;
	int rpc; /* layered: an ERROR reaches the client as a plain remote error */
};

static int echo(struct ipl_conn *c, uint64_t seq, uint32_t len)
{
	struct ipl_client_cfg cfg = { .size = len, .iters = 1, .op = IPL_OP_ECHO };
	struct ipl_client_stats st = { 0 };
	(void)seq;
	int rc = ipl_client_latency(c, &cfg, NULL, &st);
	return rc == 0 && st.ok == 1 && st.errors == 0 ? 0 : -1;
}

static struct ipl_conn *connect_hello(struct ipl_endpoint *ep, int *rc)
{
	struct ipl_conn *c = NULL;
	*rc = ipl_endpoint_attach_client(ep, 0, &c);
	if (*rc == 0)
		*rc = ipl_client_hello(c, NULL);
	return c;
}

/* ---- max_clients ---------------------------------------------------------- */

static int clients_body(struct ipl_conn *first, void *arg)
{
	const struct args *a = arg;
	struct ipl_conn *k[4] = { first, NULL, NULL, NULL };
	int rc;
	if (ipl_client_hello(first, NULL) < 0)
		return 10;
	for (int i = 1; i < 4; i++) {
		k[i] = connect_hello(a->ep, &rc);
		if (rc < 0) {
			fprintf(stderr, "client %d of 4: %s\n", i, ipl_strerror(rc));
			return 11;
		}
	}
	struct ipl_conn *fifth = connect_hello(a->ep, &rc);
	if (a->rpc && rc == 0) {
		/* rpc answers HELLO (its NULL call) in the layer: the first
		 * request the exchange sees is refused, as a plain RPC error */
		rc = echo(fifth, 1, 100) < 0 ? IPL_EREMOTE : 0;
	}
	int want = a->rpc ? IPL_EREMOTE : IPL_EBUSY;
	if (rc != want) {
		fprintf(stderr, "fifth client: gave '%s', want '%s'\n", ipl_strerror(rc), ipl_strerror(want));
		return 12;
	}
	if (ipl_rl_expect_eof(fifth)) /* and then it is closed */
		return 13;
	ipl_conn_detach(fifth);

	/* one leaves; when it has seen its EOF, its slot is free */
	if (ipl_client_bye(k[1]) < 0 || ipl_rl_expect_eof(k[1]))
		return 14;
	ipl_conn_detach(k[1]);
	k[1] = connect_hello(a->ep, &rc);
	/* rpc: the layer answers BYE and the EOF after it on the client's
	 * side, so the server may not have seen the close yet: try again
	 * (each try is answered at once) until it has */
	for (int ms = 0; a->rpc && rc == 0 && echo(k[1], 1, 100) < 0; ms += 10) {
		ipl_conn_detach(k[1]);
		if (ms > DEADLINE_MS)
			return 17;
		ipl_rl_sleep_ms(10);
		k[1] = connect_hello(a->ep, &rc);
	}
	if (rc < 0) {
		fprintf(stderr, "client after one left: %s\n", ipl_strerror(rc));
		return 15;
	}
	for (int i = 0; i < 4; i++)
		if (echo(k[i], 1, 100) < 0 || ipl_client_bye(k[i]) < 0)
			return 16;
	for (int i = 1; i < 4; i++) /* the fixture detaches `first` */
		ipl_conn_detach(k[i]);
	return 0;
}

/* ---- idle ----------------------------------------------------------------- */

struct eof_watch {
	struct ipl_conn *c;
	atomic_int done; /* 1: EOF seen, 2: something else */
};

static void *wait_eof(void *arg)
{
	struct eof_watch *w = arg;
	atomic_store(&w->done, ipl_rl_expect_eof(w->c) ? 2 : 1);
	return NULL;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int idle_body(struct ipl_conn *busy, void *arg)
{
	const struct args *a = arg;
	int rc;
	if (ipl_client_hello(busy, NULL) < 0)
		return 20;
	struct eof_watch w[2] = { 0 };
	w[0].c = connect_hello(a->ep, &rc); /* HELLO, then silence */
	if (rc < 0)
		return 21;
	w[1].c = connect_hello(a->ep, &rc); /* HELLO, then half a header */
	if (rc < 0)
		return 22;
	if (!a->rpc) {
		uint8_t h[IPL_HDR_SIZE];
		ipl_rl_hdr(h, IPL_OP_ECHO, 0, 7, 16, 0);
		if (ipl_rl_send_raw(w[1].c, h, 10) < 0)
			return 23;
	}
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, wait_eof, &w[i]))
			return 24;
	/* the busy client exchanges until both silent ones are closed, and a
	 * while after: the server must never cut it */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned after = 0;
	for (uint64_t i = 0; after < 50; i++) {
		if (echo(busy, i, 64) < 0) {
			fprintf(stderr, "the busy client was cut after %llu round trips\n",
				(unsigned long long)i);
			return 25;
		}
		if (atomic_load(&w[0].done) && atomic_load(&w[1].done))
			after++;
		if (ms_since(&t0) > DEADLINE_MS) {
			fprintf(stderr, "silent clients still open after %d ms (%d, %d)\n", DEADLINE_MS,
				atomic_load(&w[0].done), atomic_load(&w[1].done));
			return 26;
		}
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		if (atomic_load(&w[i].done) != 1)
			return 27;
		ipl_conn_detach(w[i].c);
	}
	return ipl_client_bye(busy) < 0 ? 28 : 0;
}

/* ---- memory --------------------------------------------------------------- */

#define MEM_CAP (4u << 20)
#define MEM_POOL (8ull << 20)
#define MEM_SENT (MEM_CAP - (MEM_CAP >> 3)) /* 3.5 MiB of each 4 MiB request */
#define MEM_HOSTILE 12
#define MEM_SLACK_KB (8L * 1024)

/* Bytes the server has read with read(2), from /proc/PID/io; -1 if unknown. */
static long long rchar(pid_t pid)
{
	char path[64], line[128];
	snprintf(path, sizeof path, "/proc/%ld/io", (long)pid);
	FILE *f = fopen(path, "r");
	long long v = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "rchar: %lld", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

/* 1 when the server has read every byte sent on socket conn k, 0 if not
 * yet, -1 if it cannot be told.  The server reads sockets with recv(2),
 * which /proc/PID/io's rchar does not count, so the sockets say it: unix
 * charges what is sent to the sender until the receiver has read it
 * (SIOCOUTQ); tcp's SIOCOUTQ only says the bytes are acknowledged, i.e. in
 * the server's receive queue, whose unread count /proc/net/tcp shows. */
static int sock_all_read(struct ipl_conn *k, int tcp)
{
	int outq = -1;
	if (ioctl(ipl_fdconn_rfd(k), SIOCOUTQ, &outq) < 0)
		return -1;
	if (outq > 0 || !tcp)
		return outq == 0;
	char me[128], peer[128];
	if (ipl_conn_addr(k, me, sizeof me, peer, sizeof peer) < 0)
		return -1;
	/* the server's side of the connection, in whichever table holds it */
	static const char *const tables[] = { "tcp", "tcp6" };
	for (int t = 0; t < 2; t++) {
		unsigned long rx;
		if (ipl_rl_net_sockets(tables[t], ipl_rl_port_of(peer), ipl_rl_port_of(me), -1, &rx) > 0)
			return rx == 0;
	}
	return -1;
}

/* 1 when the server has read everything sent on the n conns k, 0 if not
 * yet, -1 if unknown: sockets by sock_all_read, other fds (fifo) by the
 * server's rchar reaching want. */
static int server_read_all(const struct args *a, struct ipl_conn *const *k, int n, long long want)
{
	const char *tp = a->ep->tp->name;
	int tcp = !strcmp(tp, "tcp");
	if (!tcp && strcmp(tp, "unix")) {
		long long r = rchar(a->server);
		return r < 0 ? -1 : r >= want;
	}
	for (int i = 0; i < n; i++) {
		int r = sock_all_read(k[i], tcp);
		if (r <= 0)
			return r;
	}
	return 1;
}

/* Finishes a hostile request: 1 = ECHO verified, 2 = ERROR(OVERLOAD),
 * negative: anything else. */
static int finish_hostile(struct ipl_conn *k, const uint8_t *msg, uint64_t seq)
{
	if (ipl_rl_send_raw(k, msg + IPL_HDR_SIZE + MEM_SENT, MEM_CAP - MEM_SENT) < 0)
		return -1;
	struct ipl_hdr h;
	struct ipl_buf b = { 0 };
	int rc = ipl_msg_recv(k, MEM_CAP, &h, &b);
	int res = -2;
	if (rc == 0 && h.seq == seq && h.op == IPL_OP_ECHO && h.len == MEM_CAP &&
	    !memcmp(b.p, msg + IPL_HDR_SIZE, MEM_CAP))
		res = 1;
	else if (rc == 0 && h.seq == seq && h.op == IPL_OP_ERROR && h.len == 4 &&
		 ipl_get_be32(b.p) == IPL_WERR_OVERLOAD)
		res = 2;
	ipl_buf_free(&b);
	if (res < 0)
		fprintf(stderr, "hostile request %llu: %s, op %u\n", (unsigned long long)seq,
			ipl_strerror(rc), rc == 0 ? h.op : 0);
	/* the connection is still in step: a small request works */
	if (res > 0 && echo(k, seq + 100, 64) < 0)
		res = -3;
	return res;
}

static int memory_body(struct ipl_conn *good, void *arg)
{
	const struct args *a = arg;
	int rc;
	if (ipl_client_hello(good, NULL) < 0 || echo(good, 1, 4096) < 0)
		return 30;
	uint8_t *msg = malloc(IPL_HDR_SIZE + MEM_CAP);
	struct ipl_conn *k[MEM_HOSTILE] = { 0 };
	if (!msg)
		return 31;
	for (int i = 0; i < MEM_HOSTILE; i++)
		if (!(k[i] = connect_hello(a->ep, &rc)) || rc < 0)
			return 32;
	long rss0 = ipl_rl_status(a->server, "VmRSS");
	long long read0 = rchar(a->server);
	if (rss0 < 0 || read0 < 0)
		return 33;
	for (int i = 0; i < MEM_HOSTILE; i++) {
		ipl_rl_hdr(msg, IPL_OP_ECHO, 0, 1000 + (uint64_t)i, MEM_CAP, 0);
		ipl_payload_fill(msg + IPL_HDR_SIZE, MEM_CAP, 1000 + (uint64_t)i);
		if (ipl_rl_send_raw(k[i], msg, IPL_HDR_SIZE + MEM_SENT) < 0)
			return 34;
	}
	/* the event: the server has read every byte sent to it */
	long long want = read0 + (long long)MEM_HOSTILE * (IPL_HDR_SIZE + MEM_SENT);
	for (int ms = 0, r; (r = server_read_all(a, k, MEM_HOSTILE, want)) != 1; ms += 10) {
		if (r < 0 || ms > DEADLINE_MS) {
			fprintf(stderr, "server read %lld of %lld bytes (rchar; sockets: %s)\n",
				rchar(a->server) - read0, want - read0, r < 0 ? "unknown" : "not yet");
			return 35;
		}
		ipl_rl_sleep_ms(10);
	}
	long grown = ipl_rl_status(a->server, "VmRSS") - rss0;
	fprintf(stderr, "server RSS grew by %ld kB holding %d x %u B partial requests (pool %llu kB)\n",
		grown, MEM_HOSTILE, MEM_SENT, (unsigned long long)(MEM_POOL >> 10));
	if (grown >= (long)(MEM_POOL >> 10) + MEM_SLACK_KB)
		return 36;
	for (int i = 0; i < 10; i++) /* small requests are still served */
		if (echo(good, 10 + (uint64_t)i, 4096) < 0)
			return 37;
	int refused = 0;
	for (int i = 0; i < MEM_HOSTILE; i++) {
		ipl_rl_hdr(msg, IPL_OP_ECHO, 0, 1000 + (uint64_t)i, MEM_CAP, 0);
		ipl_payload_fill(msg + IPL_HDR_SIZE, MEM_CAP, 1000 + (uint64_t)i);
		int r = finish_hostile(k[i], msg, 1000 + (uint64_t)i);
		if (r < 0)
			return 38;
		refused += r == 2;
		if (ipl_client_bye(k[i]) < 0)
			return 39;
		ipl_conn_detach(k[i]);
	}
	free(msg);
	fprintf(stderr, "%d of %d requests refused for memory\n", refused, MEM_HOSTILE);
	if (!refused)
		return 40;
	return ipl_client_bye(good) < 0 ? 41 : 0;
}

/* ---- the runner ----------------------------------------------------------- */

static void run_case(const struct ipl_test_variant *v0, const struct ipl_rl_case *k)
{
	if (ipl_rl_third_party(v0)) {
		/* oncrpc runs libtirpc's own loop, with its own limits */
		skip();
	}
	/* like shm's, seqpacket's (recv) and mq's (mq_timedreceive) reads
	 * are not counted in /proc/PID/io's rchar: the event cannot be seen */
	if (k->kind == CASE_MEMORY && (!strcmp(v0->tp, "seqpacket") || !strcmp(v0->tp, "mq")))
		skip();
	const struct ipl_test_variant *v = k->kind == CASE_CLIENTS ? with_limits(v0, 4, -1, 0, 0)
					 : k->kind == CASE_IDLE    ? with_limits(v0, 0, 1000, 0, 0)
								: with_limits(v0, 0, -1, MEM_CAP, MEM_POOL);
	struct ipl_fixture *fx = ipl_rl_fixture();
	struct args a = { .ep = &fx->ep, .rpc = !strcmp(v->tp, "rpc") }; /* its layer answers HELLO */
	assert_ok(ipl_fx_start(fx, v, 1));
	a.server = fx->server;
	int (*body)(struct ipl_conn *, void *) = k->kind == CASE_CLIENTS ? clients_body
					       : k->kind == CASE_IDLE    ? idle_body
									 : memory_body;
	pid_t pid = ipl_fx_client(fx, 0, body, &a);
	assert_true(pid > 0);
	int st = ipl_fx_wait(fx, pid, CLIENT_S + 10);
	if (st)
		fprintf(stderr, "%s/%s: client exited with %d\n", v0->name, k->name, st);
	assert_int_equal(st, 0);
	assert_int_equal(ipl_fx_stop(fx), 0);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

static const struct ipl_rl_case cases[] = {
	{ "max_clients", run_case, IPL_CAP_MULTI_CLIENT, IPL_CAP_NEEDS_FORK, CASE_CLIENTS, NULL },
	{ "idle_timeout", run_case, IPL_CAP_MULTI_CLIENT, IPL_CAP_NEEDS_FORK, CASE_IDLE, NULL },
	/* not shm (IPL_CAP_SPIN): its bytes are not read with read(2), so
	 * /proc/PID/io cannot say when the server has taken them all */
	{ "memory_bound", run_case, IPL_CAP_MULTI_CLIENT | IPL_CAP_BYTES,
	  IPL_CAP_NEEDS_FORK | IPL_CAP_SPIN, CASE_MEMORY, NULL },
};

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	return ipl_rl_run("limits", cases, sizeof cases / sizeof cases[0], argc, argv);
}
