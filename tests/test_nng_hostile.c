/* test_nng_hostile.c - raw bytes on an nng server's own socket (tcp:// and
 * ipc://), below nng's SP framing (docs/reliability.md, "nng"):
 *
 *   bad_header     an HTTP line instead of the SP greeting: dropped
 *   huge_length    a message announcing 2^62 bytes: dropped before
 *                  anything is allocated for it
 *   over_bound     one byte over NNG_OPT_RECVMAXSZ (cap + header + the
 *                  request id): dropped
 *   at_bound       exactly the bound, a real ECHO of a full cap: answered
 *                  (the bound is not below what the exchange needs)
 *   no_request_id  a 2-byte message, shorter than raw REQ's request id:
 *                  dropped
 *   truncated      100 bytes announced, 10 sent, then silence: a real
 *                  client is served meanwhile, and after we hang up
 *
 * After each, a real client (HELLO, echoes, BYE) is served by the same
 * server.  The raw peer speaks nng's wire format itself: an 8-byte SP
 * greeting, then per message an 8-byte big-endian length (ipc: after a
 * type byte 1) and the body (for raw REQ: a 4-byte request id, high bit
 * set, then ipclab's header and payload).  Every wait is for an event (data,
 * a hang-up, a process exit); the long deadlines are only safety nets.
 * Without nng in the build (no nng-tcp variant) every case skips.
 */
#include "common/bytes.h"
#include "common/err.h"
#include "common/exchange.h"
#include "common/msg.h"
#include "tests/fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

#define NET_MS 60000 /* safety net for every wait: never a timing */
#define CHILD_S 120
#define REQ_ID 0x80000000u /* the one request id nng.c uses both ways */
#define BOUND ((uint64_t)IPL_DEFAULT_CAP + IPL_HDR_SIZE + 4) /* the server's RECVMAXSZ */

static struct ipl_fixture fx;
static int fx_live;

static const struct ipl_test_variant *variant(void **state)
{
	return *state;
}

static int is_ipc(void **state)
{
	return strcmp(variant(state)->via, "tcp") != 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000L + (now.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* Starts the server of this case's variant; skips without nng. */
static int setup(void **state)
{
	alarm(600); /* a hang fails the test instead of stalling the run */
	signal(SIGPIPE, SIG_IGN);
	if (!variant(state) || ipl_fx_start(&fx, variant(state), 4) < 0)
		return -1;
	fx_live = 1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	int rc = 0;
	if (fx_live) {
		rc = ipl_fx_stop(&fx) == 0 ? 0 : -1; /* the server survived and stopped cleanly */
		if (ipl_fx_leftovers(&fx))
			rc = -1;
	}
	fx_live = 0;
	alarm(0);
	return rc;
}

/* Connects to a, retrying while nobody listens there yet: nng's listener
 * binds in the server process after the fork (nng/nng.c), so the name may
 * not be taken yet when the fixture returns.  The deadline is a net. */
static int connect_when_bound(int family, const struct sockaddr *a, socklen_t alen)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(fd >= 0);
		if (connect(fd, a, alen) == 0)
			return fd;
		int e = errno;
		close(fd);
		assert_true((e == ECONNREFUSED || e == ENOENT) && ms_since(&t0) < NET_MS);
		usleep(20 * 1000);
	}
}

/* A raw stream socket to the server's address: a path, or host:port. */
static int raw_connect(void **state)
{
	const char *addr = fx.ep.addr;
	if (is_ipc(state)) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		assert_true(strlen(addr) < sizeof a.sun_path);
		strcpy(a.sun_path, addr);
		return connect_when_bound(AF_UNIX, (struct sockaddr *)&a, sizeof a);
	}
	const char *colon = strrchr(addr, ':');
	assert_non_null(colon);
	char host[64];
	assert_true((size_t)(colon - addr) < sizeof host);
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = 0;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1)) };
	assert_int_equal(inet_pton(AF_INET, host, &a.sin_addr), 1);
	return connect_when_bound(AF_INET, (struct sockaddr *)&a, sizeof a);
}

static void put_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

/* Reads exactly len bytes within the safety net: 0, or -1 on EOF/error. */
static int get_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (len) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		if (poll(&pf, 1, 1000) < 0 && errno != EINTR)
			return -1;
		if (ms_since(&t0) > NET_MS)
			return -1;
		if (!(pf.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The SP greeting of a REQ peer (protocol 0x30), and the server's (REP). */
static void sp_greet(int fd)
{
	static const uint8_t req[8] = { 0, 'S', 'P', 0, 0x00, 0x30, 0, 0 };
	put_all(fd, req, sizeof req);
	uint8_t rep[8];
	assert_int_equal(get_all(fd, rep, sizeof rep), 0);
	assert_memory_equal(rep, ((const uint8_t[]){ 0, 'S', 'P', 0, 0x00, 0x31, 0, 0 }), 8);
}

/* A message's framing: [type 1 on ipc] then the 8-byte length. */
static void frame(void **state, int fd, uint64_t len)
{
	uint8_t f[9];
	size_t n = 0;
	if (is_ipc(state))
		f[n++] = 1;
	ipl_put_be64(f + n, len);
	put_all(fd, f, n + 8);
}

/* True once the server hung up on fd (EOF or reset), reading and dropping
 * what it sent before; false if it kept the connection for the whole net. */
static int dropped(int fd)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ms_since(&t0) < NET_MS) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		if (poll(&pf, 1, 1000) <= 0)
			continue;
		uint8_t junk[512];
		ssize_t n = recv(fd, junk, sizeof junk, 0);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return 1;
	}
	return 0;
}

static int body_served(struct ipl_conn *c, void *arg)
{
	(void)arg;
	uint32_t cap = 0;
	if (ipl_client_hello(c, &cap) < 0)
		return 2;
	struct ipl_client_cfg cfg = { .size = 1000, .iters = 20, .op = IPL_OP_ECHO };
	struct ipl_client_stats st = { 0 };
	if (ipl_client_latency(c, &cfg, NULL, &st) < 0 || st.ok != 20 || st.errors)
		return 3;
	return ipl_client_bye(c) < 0 ? 4 : 0;
}

/* A real client, in its own process, is served by the same server. */
static void real_client_served(void)
{
	pid_t p = ipl_fx_client(&fx, 0, body_served, NULL);
	assert_true(p > 0);
	assert_int_equal(ipl_fx_wait(&fx, p, CHILD_S), 0);
}

static void bad_header(void **state)
{
	int fd = raw_connect(state);
	static const char http[] = "GET / HTTP/1.0\r\n\r\n";
	put_all(fd, http, sizeof http - 1);
	assert_true(dropped(fd));
	close(fd);
	real_client_served();
}

static void huge_length(void **state)
{
	int fd = raw_connect(state);
	sp_greet(fd);
	frame(state, fd, (uint64_t)1 << 62);
	assert_true(dropped(fd));
	close(fd);
	real_client_served();
}

static void over_bound(void **state)
{
	int fd = raw_connect(state);
	sp_greet(fd);
	frame(state, fd, BOUND + 1);
	assert_true(dropped(fd));
	close(fd);
	real_client_served();
}

static void no_request_id(void **state)
{
	int fd = raw_connect(state);
	sp_greet(fd);
	frame(state, fd, 2);
	put_all(fd, "\x80\x01", 2);
	assert_true(dropped(fd));
	close(fd);
	real_client_served();
}

static void truncated(void **state)
{
	int fd = raw_connect(state);
	sp_greet(fd);
	frame(state, fd, 100);
	put_all(fd, "\x80\0\0\x01IPL1\x01\x02", 10);
	real_client_served(); /* while this one waits for 90 bytes */
	close(fd);
	real_client_served();
}

/* Exactly the bound: an ECHO of a full cap, answered byte for byte. */
static void at_bound(void **state)
{
	int fd = raw_connect(state);
	sp_greet(fd);
	size_t len = (size_t)BOUND;
	uint8_t *m = malloc(len);
	assert_non_null(m);
	ipl_put_be32(m, REQ_ID);
	struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .seq = 7, .len = IPL_DEFAULT_CAP };
	ipl_hdr_encode(&h, m + 4);
	for (size_t i = 4 + IPL_HDR_SIZE; i < len; i++)
		m[i] = (uint8_t)(i * 31);
	frame(state, fd, len);
	put_all(fd, m, len);
	uint8_t f[9];
	size_t fl = is_ipc(state) ? 9 : 8;
	assert_int_equal(get_all(fd, f, fl), 0);
	assert_true(ipl_get_be64(f + fl - 8) == len);
	uint8_t *r = malloc(len);
	assert_non_null(r);
	assert_int_equal(get_all(fd, r, len), 0);
	assert_int_equal(ipl_get_be32(r), REQ_ID);
	struct ipl_hdr rh;
	assert_ok(ipl_hdr_decode(r + 4, IPL_DEFAULT_CAP, &rh));
	assert_int_equal(rh.op, IPL_OP_ECHO);
	assert_int_equal(rh.seq, 7);
	assert_int_equal(rh.len, IPL_DEFAULT_CAP);
	assert_memory_equal(r + 4 + IPL_HDR_SIZE, m + 4 + IPL_HDR_SIZE, IPL_DEFAULT_CAP);
	free(r);
	free(m);
	close(fd);
	real_client_served();
}

#define CASE(fn, v) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)(v))

int main(void)
{
	const struct ipl_test_variant *t = ipl_fx_variant("nng-tcp"), *u = ipl_fx_variant("nng-ipc");
	if (!t || !u) {
		printf("nng is not in this build: nothing to test\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		CASE(bad_header, t),    CASE(bad_header, u), CASE(huge_length, t),
		CASE(huge_length, u),   CASE(over_bound, t), CASE(over_bound, u),
		CASE(at_bound, t),      CASE(at_bound, u),   CASE(no_request_id, t),
		CASE(no_request_id, u), CASE(truncated, t),  CASE(truncated, u),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
