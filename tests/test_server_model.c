/* test_server_model.c - both server models (--server threads|epoll) keep
 * serving a good client while two hostile ones hold connections, on the
 * stream sockets (tcp, unix; the variants tcp-epoll and unix-epoll are the
 * event loop).
 *
 *   stalled  sent a header declaring 4 KiB and 100 bytes of it, then
 *            nothing: its connection's input is a partial message for ever
 *   deaf     sends 64 KiB echo requests and never reads a reply, until its
 *            own socket refuses more (EAGAIN on a non-blocking send: the
 *            server has stopped taking its requests because it cannot hand
 *            it replies, and both socket buffers are full)
 *
 * Then a good client makes 200 verified echo round trips.
 *
 * many: 256 clients connected at once (each said HELLO before the next
 * connects, so all 256 are held by the server together: the default
 * --max-clients), then 5 rounds of a verified echo on each in turn, then
 * BYE on each.  A loop that
 * blocked on either hostile peer (a blocking read of the rest of the
 * stalled message, a blocking write to the deaf one) never answers it:
 * the client process then times out and the case fails.  Every wait is for
 * an event (EAGAIN, a reply); the timeout is only a safety net. */
#include "common/bytes.h"
#include "common/err.h"
#include "common/exchange.h"
#include "common/msgio.h"
#include "tests/reliab.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

#define CLIENT_S 120
#define DEAF_SIZE (64u << 10)
#define DEAF_MAX 65536 /* requests: far past any socket buffer (a safety net) */

struct args {
	struct ipl_endpoint *ep;
};

static struct ipl_conn *connect_hello(struct ipl_endpoint *ep)
{
	struct ipl_conn *c = NULL;
	if (ipl_endpoint_attach_client(ep, 0, &c) < 0)
		return NULL;
	if (ipl_client_hello(c, NULL) < 0) {
		ipl_conn_detach(c);
		return NULL;
	}
	return c;
}

/* Sends echo requests on c without reading until the socket is full.
 * 0 once a send would block, -1 otherwise. */
static int make_deaf(struct ipl_conn *c)
{
	int fd = c->tp->conn_fd(c);
	int fl = fcntl(fd, F_GETFL);
	if (fd < 0 || fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	uint8_t *msg = calloc(1, IPL_HDR_SIZE + DEAF_SIZE);
	if (!msg)
		return -1;
	int rc = -1;
	for (uint64_t seq = 1; seq <= DEAF_MAX; seq++) {
		ipl_rl_hdr(msg, IPL_OP_ECHO, 0, seq, DEAF_SIZE, 0);
		ssize_t n = send(fd, msg, IPL_HDR_SIZE + DEAF_SIZE, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			rc = 0;
			break;
		}
		if (n < 0)
			break;
		if ((size_t)n < IPL_HDR_SIZE + DEAF_SIZE) { /* full mid-message: also stuck */
			rc = 0;
			break;
		}
	}
	free(msg);
	return rc;
}

static int body(struct ipl_conn *stalled, void *arg)
{
	const struct args *a = arg;
	uint8_t half[IPL_HDR_SIZE + 100];
	if (ipl_client_hello(stalled, NULL) < 0)
		return 10;
	ipl_rl_hdr(half, IPL_OP_ECHO, 0, 7, 4096, 0);
	memset(half + IPL_HDR_SIZE, 0x5a, 100);
	if (ipl_rl_send_raw(stalled, half, sizeof half) < 0)
		return 11;
	struct ipl_conn *deaf = connect_hello(a->ep);
	if (!deaf)
		return 12;
	if (make_deaf(deaf) < 0)
		return 13;
	struct ipl_conn *good = connect_hello(a->ep);
	if (!good)
		return 14;
	struct ipl_client_cfg cfg = { .size = 1024, .iters = 200, .op = IPL_OP_ECHO, .crc = 1 };
	struct ipl_client_stats st = { 0 };
	int rc = ipl_client_latency(good, &cfg, NULL, &st);
	if (rc < 0 || st.ok != 200 || st.errors) {
		fprintf(stderr, "good client: %s, %llu ok, %llu errors\n", ipl_strerror(rc),
			(unsigned long long)st.ok, (unsigned long long)st.errors);
		return 15;
	}
	if (ipl_client_bye(good) < 0)
		return 16;
	ipl_conn_detach(good);
	ipl_conn_detach(deaf); /* stalled is the fixture's: it detaches it */
	return 0;
}

#define MANY 256

static int many_body(struct ipl_conn *first, void *arg)
{
	const struct args *a = arg;
	static struct ipl_conn *k[MANY];
	int rc = 0;
	if (ipl_client_hello(first, NULL) < 0)
		return 20;
	k[0] = first;
	for (unsigned i = 1; i < MANY; i++)
		if (!(k[i] = connect_hello(a->ep))) {
			fprintf(stderr, "client %u of %u refused or failed\n", i + 1, MANY);
			rc = 21;
			break;
		}
	struct ipl_client_cfg cfg = { .size = 256, .iters = 1, .op = IPL_OP_ECHO, .crc = 1 };
	for (int round = 0; rc == 0 && round < 5; round++)
		for (unsigned i = 0; rc == 0 && i < MANY; i++) {
			struct ipl_client_stats st = { 0 };
			if (ipl_client_latency(k[i], &cfg, NULL, &st) < 0 || st.ok != 1 || st.errors)
				rc = 22;
		}
	for (unsigned i = 0; i < MANY && k[i]; i++) {
		if (rc == 0 && ipl_client_bye(k[i]) < 0)
			rc = 23;
		if (i) /* k[0] is the fixture's */
			ipl_conn_detach(k[i]);
	}
	return rc;
}

static void run_case(const struct ipl_test_variant *v, const struct ipl_rl_case *k)
{
	(void)k;
	struct ipl_fixture *fx = ipl_rl_fixture();
	struct args a = { .ep = &fx->ep };
	assert_ok(ipl_fx_start(fx, v, 1));
	pid_t pid = ipl_fx_client(fx, 0, k->kind ? many_body : body, &a);
	assert_true(pid > 0);
	int st = ipl_fx_wait(fx, pid, CLIENT_S);
	if (st)
		fprintf(stderr, "%s/%s: client exited with %d\n", v->name, k->name, st);
	assert_int_equal(st, 0);
	assert_int_equal(ipl_fx_stop(fx), 0);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

/* The stream sockets, in both models. */
static int stream_socket(const struct ipl_test_variant *v)
{
	return !strcmp(v->tp, "tcp") || !strcmp(v->tp, "unix");
}

static const struct ipl_rl_case cases[] = {
	{ "stalled_and_deaf", run_case, IPL_CAP_MULTI_CLIENT, 0, 0, NULL },
	{ "many", run_case, IPL_CAP_MULTI_CLIENT, 0, 1, NULL },
};

int main(int argc, char **argv)
{
	return ipl_rl_run_if("server_model", cases, sizeof cases / sizeof cases[0], argc, argv, stream_socket);
}
