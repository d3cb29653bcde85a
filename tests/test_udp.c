/* test_udp.c - what is particular to udp: lost datagrams are counted and the
 * run goes on (the server drops every Nth datagram, IPCLAB_UDP_DROP_EVERY);
 * late, doubled and reordered replies from a misbehaving server are told
 * apart by seq and never taken for the awaited reply; garbage datagrams
 * leave the server serving; a message over one datagram is refused; a
 * session never sends a seq twice (warm-up, then measured); each sender gets
 * a server socket of its own, connected to it, and without them
 * (IPCLAB_UDP_NO_OWN_SOCKET) the listener's queues serve every sender.
 *
 * Children report through their exit status (0 = as expected). */
#include "bench/registry/registry.h"
#include "bench/run/run.h"
#include "common/bytes.h"
#include "common/err.h"
#include "common/exchange.h"
#include "tests/fixture.h"
#include "tests/reliab.h"
#include "common/msg.h"
#include "common/msgio.h"
#include "common/transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#define WAIT_S 120

static int latency_with_drops(struct ipl_conn *c, void *arg)
{
	(void)arg;
	if (ipl_client_hello(c, NULL) < 0) /* datagram 1 */
		return 1;
	/* requests are datagrams 2..101: every 5th of all is dropped, 20; a
	 * stall of a loaded machine past the timeout may add to them, never
	 * take away, and nothing may count as corrupted */
	struct ipl_client_cfg cfg = { .size = 100, .iters = 100, .op = IPL_OP_ECHO, .crc = 1 };
	struct ipl_client_stats st = { 0 };
	int rc = ipl_client_latency(c, &cfg, NULL, &st);
	if (rc < 0 || st.lost < 20 || st.ok + st.lost != 100 || st.errors != st.lost) {
		fprintf(stderr, "latency: rc %d ok %llu lost %llu errors %llu\n", rc,
			(unsigned long long)st.ok, (unsigned long long)st.lost, (unsigned long long)st.errors);
		return 2;
	}
	struct ipl_client_cfg tc = { .size = 64, .iters = 100, .op = IPL_OP_SINK, .window = 8 };
	memset(&st, 0, sizeof st);
	rc = ipl_client_throughput(c, &tc, &st);
	if (rc < 0 || st.lost == 0 || st.ok + st.lost != 100 || st.errors != st.lost) {
		fprintf(stderr, "throughput: rc %d ok %llu lost %llu errors %llu\n", rc,
			(unsigned long long)st.ok, (unsigned long long)st.lost, (unsigned long long)st.errors);
		return 3;
	}
	return ipl_client_bye(c) < 0 ? 4 : 0; /* retried if its datagram is dropped */
}

static void case_losses_counted(void **state)
{
	(void)state;
	setenv("IPCLAB_UDP_DROP_EVERY", "5", 1);
	setenv("IPCLAB_UDP_TIMEOUT_MS", "200", 1);
	struct ipl_fixture fx;
	assert_int_equal(ipl_fx_start(&fx, ipl_fx_variant("udp"), 1), 0);
	unsetenv("IPCLAB_UDP_DROP_EVERY");
	pid_t c = ipl_fx_client(&fx, 0, latency_with_drops, NULL);
	assert_int_equal(ipl_fx_wait(&fx, c, WAIT_S), 0);
	assert_int_equal(ipl_fx_stop(&fx), 0);
	unsetenv("IPCLAB_UDP_TIMEOUT_MS");
}

/* ---- a misbehaving server: replays, doubles and swaps its replies ------- */

struct fake {
	int fd;
	int mode; /* 0: stale reply first, then the reply twice; 1: swap pairs; 2: lose request 3;
		     3: answer each once, noting seqs */
	uint64_t seen[64]; /* mode 3: the ECHO seqs in arrival order */
	unsigned nseen;
};

static void reply_to(int fd, const uint8_t *req, size_t n, uint64_t seq,
		     const struct sockaddr_storage *to, socklen_t tl)
{
	uint8_t out[2048];
	memcpy(out, req, n);
	ipl_put_be16(out + 6, (uint16_t)(ipl_get_be16(req + 6) | IPL_FLAG_REPLY));
	ipl_put_be64(out + 8, seq);
	if (req[5] == IPL_OP_HELLO) {
		ipl_put_be32(out + 16, 4);
		ipl_put_be32(out + 24, IPL_DEFAULT_CAP);
		n = IPL_HDR_SIZE + 4;
	}
	sendto(fd, out, n, 0, (const struct sockaddr *)to, tl);
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	uint8_t held[2048], req[2048];
	size_t held_n = 0;
	struct sockaddr_storage from;
	for (;;) {
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(f->fd, req, sizeof req, 0, (struct sockaddr *)&from, &fl);
		if (n < (ssize_t)IPL_HDR_SIZE)
			return NULL;
		uint64_t seq = ipl_get_be64(req + 8);
		if (req[5] != IPL_OP_ECHO) {
			reply_to(f->fd, req, (size_t)n, seq, &from, fl);
			if (req[5] == IPL_OP_BYE)
				return NULL;
		} else if (f->mode == 3) {
			if (f->nseen < sizeof f->seen / sizeof f->seen[0])
				f->seen[f->nseen++] = seq;
			reply_to(f->fd, req, (size_t)n, seq, &from, fl);
		} else if (f->mode == 2) { /* request 3 is lost, the rest answered in order */
			if (seq != 3)
				reply_to(f->fd, req, (size_t)n, seq, &from, fl);
		} else if (f->mode == 0) {
			if (seq > 1)
				reply_to(f->fd, req, (size_t)n, seq - 1, &from, fl); /* stale */
			reply_to(f->fd, req, (size_t)n, seq, &from, fl);
			reply_to(f->fd, req, (size_t)n, seq, &from, fl); /* a second copy */
		} else if (!held_n) {
			memcpy(held, req, (size_t)n);
			held_n = (size_t)n;
		} else { /* the later request's reply overtakes the earlier one's */
			reply_to(f->fd, req, (size_t)n, seq, &from, fl);
			reply_to(f->fd, held, held_n, ipl_get_be64(held + 8), &from, fl);
			held_n = 0;
		}
	}
}

/* mode 3: the driver's session (warm-up, then measured) must never send a
 * seq twice: a reused seq lets a late warm-up reply pass for a measured one */
static void run_session_warm(struct ipl_conn *c, struct fake *f)
{
	struct ipl_run_spec spec = {
		.tp = ipl_transport_find("udp"),
		.tpo = { .cap = IPL_DEFAULT_CAP },
		.size = 64, .iters = 20, .warmup = 10,
		.mode = IPL_MODE_LATENCY, .window = 1, .clients = 1,
	};
	struct ipl_hist h;
	ipl_hist_init(&h);
	struct ipl_client_stats st = { 0 };
	const char *step = "";
	assert_int_equal(ipl_run_session(c, &spec, &h, &st, &step, NULL), 0);
	assert_int_equal(st.ok, 20);
	assert_int_equal(st.errors, 0);
	assert_int_equal(f->nseen, 30);
	for (unsigned i = 0; i < f->nseen; i++)
		for (unsigned j = 0; j < i; j++)
			if (f->seen[i] == f->seen[j])
				fail_msg("seq %llu sent twice (requests %u and %u)",
					 (unsigned long long)f->seen[i], j + 1, i + 1);
}

static void run_fake(int mode)
{
	struct fake f = { .fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), .mode = mode };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	assert_true(f.fd >= 0);
	assert_int_equal(bind(f.fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(f.fd, (struct sockaddr *)&sa, &sl), 0);
	char addr[64];
	snprintf(addr, sizeof addr, "127.0.0.1:%u", ntohs(sa.sin_port));
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, fake_main, &f), 0);

	struct ipl_endpoint ep;
	ipl_endpoint_init(&ep, ipl_transport_find("udp"), NULL, addr);
	struct ipl_conn *c = NULL;
	/* nothing is lost in modes 0 and 1; in mode 2 request 3's loss is seen
	 * when three later replies have passed it, long before this timeout */
	setenv("IPCLAB_UDP_TIMEOUT_MS", mode == 2 ? "120000" : "5000", 1);
	assert_int_equal(ipl_endpoint_attach_client(&ep, 0, &c), 0);
	unsetenv("IPCLAB_UDP_TIMEOUT_MS");
	assert_int_equal(ipl_client_hello(c, NULL), 0);
	struct ipl_client_stats st = { 0 };
	if (mode == 3) {
		run_session_warm(c, &f);
		pthread_join(th, NULL);
		ipl_conn_detach(c);
		ipl_endpoint_cleanup(&ep);
		close(f.fd);
		return;
	}
	if (mode == 0) {
		struct ipl_client_cfg cfg = { .size = 200, .iters = 50, .op = IPL_OP_ECHO };
		assert_int_equal(ipl_client_latency(c, &cfg, NULL, &st), 0);
		/* request k finds k-1's second copy and k's stale one waiting: 2 per
		 * request after the first; never taken for the awaited reply */
		assert_int_equal(st.ok, 50);
		assert_int_equal(st.errors, 0);
		assert_true(st.stale >= 49);
	} else if (mode == 2) {
		/* replies after the gap come in order: a loss is not a reordering */
		struct ipl_client_cfg cfg = { .size = 200, .iters = 40, .op = IPL_OP_ECHO, .window = 4 };
		assert_int_equal(ipl_client_throughput(c, &cfg, &st), 0);
		assert_int_equal(st.reordered, 0);
		assert_int_equal(st.lost, 1);
		assert_int_equal(st.ok, 39);
		/* given up when passed, not after the 120 s timeout */
		assert_true(st.elapsed_ns < 60ull * 1000000000ull);
	} else {
		struct ipl_client_cfg cfg = { .size = 200, .iters = 40, .op = IPL_OP_ECHO, .window = 4 };
		assert_int_equal(ipl_client_throughput(c, &cfg, &st), 0);
		assert_int_equal(st.ok, 40);
		assert_int_equal(st.errors, 0);
		assert_int_equal(st.reordered, 20);
	}
	if (mode != 2)
		assert_int_equal(st.lost, 0);
	assert_int_equal(ipl_client_bye(c), 0);
	ipl_conn_detach(c);
	ipl_endpoint_cleanup(&ep);
	pthread_join(th, NULL);
	close(f.fd);
}

static void case_stale_replies(void **state)
{
	(void)state;
	run_fake(0);
}

static void case_reordered_replies(void **state)
{
	(void)state;
	run_fake(1);
}

static void case_loss_not_reordering(void **state)
{
	(void)state;
	run_fake(2);
}

static void case_warmup_seqs_not_reused(void **state)
{
	(void)state;
	run_fake(3);
}

/* ---- garbage in, a good client served; oversized refused --------------- */

static int good_echo(struct ipl_conn *c, void *arg)
{
	(void)arg;
	struct ipl_client_cfg cfg = { .size = 1000, .iters = 50, .op = IPL_OP_ECHO, .crc = 1 };
	struct ipl_client_stats st = { 0 };
	if (ipl_client_hello(c, NULL) < 0)
		return 1;
	if (ipl_client_latency(c, &cfg, NULL, &st) < 0 || st.ok != 50 || st.errors)
		return 2;
	/* one over the limit: refused by the sender, nothing truncated */
	struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .seq = 9, .len = c->tp->max_payload + 1 };
	uint8_t *big = calloc(1, h.len);
	int rc = big ? ipl_msg_send(c, &h, big) : -ENOMEM;
	free(big);
	if (rc != -EMSGSIZE)
		return 3;
	return ipl_client_bye(c) < 0 ? 4 : 0;
}

static void case_garbage_then_good(void **state)
{
	(void)state;
	struct ipl_fixture fx;
	assert_int_equal(ipl_fx_start(&fx, ipl_fx_variant("udp"), 1), 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *colon = strrchr(fx.ep.addr, ':');
	assert_non_null(colon);
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	uint8_t junk[65507];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(i * 7u + 3u);
	static const size_t sizes[] = { 0, 1, 23, 24, 25, 100, 1400, 65507 };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) /* random bytes */
		sendto(fd, junk, sizes[k], 0, (struct sockaddr *)&sa, sizeof sa);
	/* well framed but a bad header: answered with ERROR, the sender forgotten */
	ipl_put_be32(junk, 0x58504c31);
	ipl_put_be32(junk + 16, 8);
	sendto(fd, junk, IPL_HDR_SIZE + 8, 0, (struct sockaddr *)&sa, sizeof sa);
	uint8_t r[64];
	struct timeval tv = { 60, 0 }; /* a safety net: the ERROR comes at once */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	assert_int_equal(recv(fd, r, sizeof r, 0), IPL_HDR_SIZE + 4);
	assert_int_equal(r[5], IPL_OP_ERROR);
	assert_int_equal(ipl_get_be32(r + IPL_HDR_SIZE), IPL_WERR_MAGIC);
	close(fd);
	pid_t c = ipl_fx_client(&fx, 0, good_echo, NULL);
	assert_int_equal(ipl_fx_wait(&fx, c, WAIT_S), 0);
	assert_int_equal(ipl_fx_stop(&fx), 0);
}

/* ---- a socket of its own per sender, or the listener's queues ---------- */

#define OWN_CONNS 3

struct own_arg {
	const struct ipl_fixture *fx;
	int expect_own;
};

/* OWN_CONNS conns from one client, echoing in turns: each must be served
 * with every byte right, and arg's expectation about the server's sockets
 * must hold while they are open: 1, one connected to each; 0, none. */
static int own_sockets(struct ipl_conn *c0, void *arg)
{
	const struct own_arg *oa = arg;
	struct ipl_endpoint ep = oa->fx->ep;
	struct ipl_conn *c[OWN_CONNS] = { c0 };
	for (unsigned i = 1; i < OWN_CONNS; i++)
		if (ipl_endpoint_attach_client(&ep, i, &c[i]) < 0)
			return 1;
	struct ipl_client_cfg cfg = { .size = 300, .iters = 20, .op = IPL_OP_ECHO, .crc = 1 };
	for (unsigned i = 0; i < OWN_CONNS; i++)
		if (ipl_client_hello(c[i], NULL) < 0)
			return 2;
	for (unsigned round = 0; round < 3; round++)
		for (unsigned i = 0; i < OWN_CONNS; i++) {
			struct ipl_client_stats st = { 0 };
			if (ipl_client_latency(c[i], &cfg, NULL, &st) < 0 || st.ok != cfg.iters || st.errors)
				return 3;
		}
	for (unsigned i = 0; i < OWN_CONNS; i++) {
		char local[128];
		if (ipl_conn_addr(c[i], local, sizeof local, NULL, 0) < 0)
			return 4;
		/* state 1: a udp socket connected to that client */
		if (ipl_rl_net_sockets("udp", ipl_rl_port_of(ep.addr), ipl_rl_port_of(local), 1, NULL) !=
		    oa->expect_own)
			return 5;
	}
	for (unsigned i = 0; i < OWN_CONNS; i++)
		if (ipl_client_bye(c[i]) < 0)
			return 6;
	for (unsigned i = 1; i < OWN_CONNS; i++)
		ipl_conn_detach(c[i]);
	return 0;
}

static void run_own(int expect_own)
{
	struct ipl_fixture fx;
	struct own_arg arg = { &fx, expect_own };
	if (!expect_own)
		setenv("IPCLAB_UDP_NO_OWN_SOCKET", "1", 1);
	assert_int_equal(ipl_fx_start(&fx, ipl_fx_variant("udp"), OWN_CONNS), 0);
	unsetenv("IPCLAB_UDP_NO_OWN_SOCKET");
	pid_t c = ipl_fx_client(&fx, 0, own_sockets, &arg);
	assert_int_equal(ipl_fx_wait(&fx, c, WAIT_S), 0);
	assert_int_equal(ipl_fx_stop(&fx), 0);
}

static void case_own_socket_per_sender(void **state)
{
	(void)state;
	run_own(1);
}

static void case_listener_queues_without_own(void **state)
{
	(void)state;
	run_own(0);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	alarm(600);
	const struct CMUnitTest t[] = {
		cmocka_unit_test(case_losses_counted),    cmocka_unit_test(case_stale_replies),
		cmocka_unit_test(case_reordered_replies), cmocka_unit_test(case_loss_not_reordering),
		cmocka_unit_test(case_garbage_then_good), cmocka_unit_test(case_warmup_seqs_not_reused),
		cmocka_unit_test(case_own_socket_per_sender), cmocka_unit_test(case_listener_queues_without_own),
	};
	return cmocka_run_group_tests_name("udp", t, NULL, NULL);
}
