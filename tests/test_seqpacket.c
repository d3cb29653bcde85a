/* test_seqpacket.c - what is particular to the seqpacket transport: a
 * packet is read with one recv whatever the caller asks for, handed out in
 * pieces without ever mixing two packets, and a packet larger than this end
 * accepts (a peer that raised its SO_SNDBUF) is reported, not cut short.
 * The generic behaviour is covered by the conformance suite.
 *
 * Both ends live in this process: the client's connect completes through
 * the listen backlog, then the server accepts. */
#include "bench/registry/registry.h"
#include "common/err.h"
#include "common/fdconn.h"
#include "common/transport.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cmocka.h>

#include "tests/assert_ipl.h"

struct pair {
	struct ipl_endpoint ep;
	struct ipl_conn *client, *server;
};

static void pair_open(struct pair *p)
{
	const struct ipl_transport *tp = ipl_transport_find("seqpacket");
	assert_non_null(tp);
	ipl_endpoint_setup(&p->ep, tp, NULL, NULL);
	assert_ok(ipl_endpoint_prepare(&p->ep));
	assert_ok(ipl_endpoint_attach_server(&p->ep));
	assert_ok(ipl_endpoint_attach_client(&p->ep, 0, &p->client));
	assert_ok(ipl_endpoint_accept(&p->ep, &p->server));
}

static void pair_close(struct pair *p)
{
	ipl_conn_detach(p->client);
	ipl_conn_detach(p->server);
	ipl_endpoint_cleanup(&p->ep);
}

static uint8_t pat(size_t i, size_t k)
{
	return (uint8_t)(i * 7u + k * 13u + (i >> 8));
}

/* Sends packet k of len bytes, as msgio does: a header-sized piece and the
 * rest in one gathering send. */
static void send_packet(struct ipl_conn *c, size_t k, size_t len, uint8_t *buf)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pat(i, k);
	size_t first = len < 24 ? len : 24;
	struct iovec v[2] = { { buf, first }, { buf + first, len - first } };
	assert_ok(ipl_conn_send(c, v, 2));
}

/* Packets small (one send from a stack copy) and large (sendmsg), read
 * with small asks (recv through the spill buffer) and large ones (recvmsg
 * into the caller's buffer, the rest spilled), smaller than, equal to and
 * larger than what is left: each recv returns bytes of one packet only, in
 * order, and an ask as large as the largest packet takes a whole packet at
 * once. */
static void packets_keep_their_bounds(void **state)
{
	(void)state;
	static const size_t lens[] = { 1, 24, 88, 511, 512, 513, 4000, 100000, 88, 200000 };
	static const size_t asks[] = { 24, 7, 1000, 16384, 20000, 1u << 20 };
	struct pair p;
	pair_open(&p);
	size_t n = sizeof lens / sizeof lens[0];
	uint8_t *out = malloc(1u << 20), *in = malloc(1u << 20);
	assert_non_null(out);
	assert_non_null(in);
	for (size_t a = 0; a < sizeof asks / sizeof asks[0]; a++) {
		for (size_t k = 0; k < n; k++) {
			send_packet(p.client, k, lens[k], out);
			size_t got = 0, calls = 0;
			while (got < lens[k]) {
				ssize_t r = ipl_conn_recv(p.server, in + got, asks[a]);
				assert_true(r > 0);
				/* never more than the packet holds, never more than asked */
				assert_true((size_t)r <= lens[k] - got && (size_t)r <= asks[a]);
				got += (size_t)r;
				calls++;
			}
			if (asks[a] >= lens[k])
				assert_int_equal(calls, 1); /* whole in one recv */
			for (size_t i = 0; i < lens[k]; i++)
				if (in[i] != pat(i, k))
					fail_msg("ask %zu packet %zu (%zu B): byte %zu wrong", asks[a], k, lens[k], i);
		}
	}
	free(out);
	free(in);
	pair_close(&p);
}

/* A peer that raised its send buffer sends a packet larger than this end's
 * own packets.  Asked for less than this end's largest packet, recv says
 * IPL_EPROTO instead of returning a truncated packet as if it were whole;
 * asked for more than the packet holds, it returns the packet whole. */
static void oversized_packet_is_reported(void **state)
{
	(void)state;
	for (int large_ask = 0; large_ask < 2; large_ask++) {
		struct pair p;
		pair_open(&p);
		int rfd, wfd, mine = 0, theirs = 1 << 20;
		socklen_t l = sizeof mine;
		assert_ok(ipl_fdconn_fds(p.server, &rfd, &wfd));
		assert_int_equal(getsockopt(rfd, SOL_SOCKET, SO_SNDBUF, &mine, &l), 0);
		assert_ok(ipl_fdconn_fds(p.client, &rfd, &wfd));
		/* SO_SNDBUFFORCE passes wmem_max when allowed (root); else the
		 * largest SO_SNDBUF the system allows */
		if (setsockopt(wfd, SOL_SOCKET, SO_SNDBUFFORCE, &theirs, sizeof theirs) < 0)
			assert_int_equal(setsockopt(wfd, SOL_SOCKET, SO_SNDBUF, &theirs, sizeof theirs), 0);
		assert_int_equal(getsockopt(wfd, SOL_SOCKET, SO_SNDBUF, &theirs, &l), 0);
		if (theirs <= mine)
			skip(); /* cannot make a larger packet here: no proof either way */
		size_t big = (size_t)mine; /* more than mine - 32, the most this end accepts */
		uint8_t *buf = calloc(1, big), *in = malloc(1u << 20);
		assert_non_null(buf);
		assert_non_null(in);
		assert_int_equal(send(wfd, buf, big, 0), (ssize_t)big);
		ssize_t r = ipl_conn_recv(p.server, in, large_ask ? (1u << 20) : 24);
		if (large_ask)
			assert_int_equal(r, (ssize_t)big);
		else
			assert_err(r, IPL_EPROTO);
		free(buf);
		free(in);
		pair_close(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(packets_keep_their_bounds),
		cmocka_unit_test(oversized_packet_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
