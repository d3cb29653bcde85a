/* test_badinput.c - a hostile or broken client against every byte-stream
 * mechanism's server, while a good client is served at the same time.
 *
 * Each case: start a server, start the good client (it echoes mixed sizes,
 * verified, until told to stop), wait until it has done a round trip, then
 * run the bad client.  The bad client gets an ERROR reply with the right
 * code (and, for a bad header, a close) or, when it hangs up itself, the
 * server's worker for it ends; every step is bounded by alarm() in the
 * client and a deadline in the parent.  Afterwards: the good client saw no
 * error, the server's memory grew by less than MEM_BOUND_KB, its threads
 * and fds are back where they were, it stops cleanly on SIGTERM and leaves
 * no name behind.
 *
 * Cases are named "<variant>/<case>" and run for every variant whose
 * transport carries raw bytes (IPL_CAP_BYTES), so a new mechanism is
 * covered as soon as it is in tests/helper_variants.c. */
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
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

/* Safety nets only, never reached by a correct server however loaded the
 * machine: a bad client's whole run (alarm()-bounded), and the wait for the
 * server to drop a connection (IPL_RL_SAFETY_MS). */
#define BAD_CLIENT_S 240
#define GOOD_CLIENT_S 120
#define MEM_BOUND_KB (64L * 1024) /* server growth allowed over one case */
#define SEQ 0x1122334455667788ull

enum kind {
	K_MAGIC,
	K_VERSION0,
	K_VERSION2,
	K_OP0,
	K_OP_UNKNOWN,
	K_FLAGS,
	K_TOOBIG,
	K_TOOBIG_MAX,
	K_CRC,
	K_CRC_SINK,
	K_CLIENT_REPLY,
	K_CLIENT_ERROR,
	K_NOACK_ECHO,
	K_TRUNC_PAYLOAD,
	K_HALF_HEADER,
	K_HEADER_ONLY_CLOSE,
	K_SLOW,
	K_ZERO_FLOOD,
	K_RANDOM_1M,
	K_CHURN,
};

/* ---- bad client bodies (0 = pass) --------------------------------------- */

/* A header the decoder must refuse: ERROR with code, then the server closes. */
static int bad_header(struct ipl_conn *c, int kind)
{
	uint32_t cap = 0;
	if (ipl_client_hello(c, &cap) < 0)
		return 20;
	uint8_t h[IPL_HDR_SIZE];
	uint32_t code = 0;
	ipl_rl_hdr(h, IPL_OP_ECHO, 0, SEQ, 8, 0);
	switch (kind) {
	case K_MAGIC:
		memcpy(h, "XPL1", 4);
		code = IPL_WERR_MAGIC;
		break;
	case K_VERSION0:
		h[4] = 0;
		code = IPL_WERR_VERSION;
		break;
	case K_VERSION2:
		h[4] = IPL_VERSION + 1;
		code = IPL_WERR_VERSION;
		break;
	case K_OP0:
		h[5] = 0;
		code = IPL_WERR_OP;
		break;
	case K_OP_UNKNOWN:
		h[5] = 0x77;
		code = IPL_WERR_OP;
		break;
	case K_FLAGS:
		ipl_put_be16(h + 6, 0x8000);
		code = IPL_WERR_FLAGS;
		break;
	case K_TOOBIG:
		ipl_put_be32(h + 16, cap + 1);
		code = IPL_WERR_TOOBIG;
		break;
	case K_TOOBIG_MAX:
		ipl_put_be32(h + 16, UINT32_MAX);
		code = IPL_WERR_TOOBIG;
		break;
	}
	/* the header alone: nothing unread is left at the server, so its ERROR
	 * reply is not lost to a TCP reset when it closes */
	if (ipl_rl_send_raw(c, h, sizeof h) < 0)
		return 21;
	if (ipl_rl_expect_error(c, SEQ, code))
		return 22;
	return ipl_rl_expect_eof(c) ? 23 : 0;
}

/* A well-framed request the server must refuse but survive: ERROR with code,
 * and the same connection still echoes. */
static int bad_body(struct ipl_conn *c, int kind)
{
	uint8_t m[IPL_HDR_SIZE + 8];
	uint32_t code = 0;
	memcpy(m + IPL_HDR_SIZE, "payload!", 8);
	uint32_t crc = ipl_crc32c(0, m + IPL_HDR_SIZE, 8);
	switch (kind) {
	case K_CRC:
		ipl_rl_hdr(m, IPL_OP_ECHO, IPL_FLAG_CRC, SEQ, 8, crc ^ 1);
		code = IPL_WERR_CRC;
		break;
	case K_CRC_SINK: /* a SINK's payload is checked where it lies (shm) */
		ipl_rl_hdr(m, IPL_OP_SINK, IPL_FLAG_CRC, SEQ, 8, crc ^ 1);
		code = IPL_WERR_CRC;
		break;
	case K_CLIENT_REPLY:
		ipl_rl_hdr(m, IPL_OP_ECHO, IPL_FLAG_REPLY, SEQ, 8, 0);
		code = IPL_WERR_FLAGS;
		break;
	case K_CLIENT_ERROR:
		ipl_rl_hdr(m, IPL_OP_ERROR, 0, SEQ, 8, 0);
		code = IPL_WERR_OP;
		break;
	case K_NOACK_ECHO:
		ipl_rl_hdr(m, IPL_OP_ECHO, IPL_FLAG_NOACK, SEQ, 8, 0);
		code = IPL_WERR_OP;
		break;
	}
	if (ipl_rl_send_raw(c, m, sizeof m) < 0)
		return 30;
	if (ipl_rl_expect_error(c, SEQ, code))
		return 31;
	struct ipl_client_cfg cfg = { .size = 333, .iters = 20, .op = IPL_OP_ECHO, .crc = 1 };
	struct ipl_client_stats st = { 0 };
	if (ipl_client_latency(c, &cfg, NULL, &st) < 0 || st.ok != 20 || st.errors)
		return 32;
	return ipl_client_bye(c) < 0 ? 33 : 0;
}

/* Hangs up in the middle of a message; the parent checks the server let go. */
static int bad_hangup(struct ipl_conn *c, int kind)
{
	uint8_t m[IPL_HDR_SIZE + 10];
	memset(m, 0xab, sizeof m);
	switch (kind) {
	case K_TRUNC_PAYLOAD: /* claims 1000 bytes, sends 10 */
		ipl_rl_hdr(m, IPL_OP_ECHO, 0, SEQ, 1000, 0);
		return ipl_rl_send_raw(c, m, sizeof m) < 0 ? 40 : 0;
	case K_HALF_HEADER:
		ipl_rl_hdr(m, IPL_OP_ECHO, 0, SEQ, 8, 0);
		return ipl_rl_send_raw(c, m, IPL_HDR_SIZE / 2) < 0 ? 41 : 0;
	case K_HEADER_ONLY_CLOSE: /* claims the whole cap, sends nothing more */
		ipl_rl_hdr(m, IPL_OP_ECHO, 0, SEQ, IPL_DEFAULT_CAP, 0);
		return ipl_rl_send_raw(c, m, IPL_HDR_SIZE) < 0 ? 42 : 0;
	}
	return 49;
}

/* One byte every 20 ms: the server must reassemble, not time out or
 * misparse, and answer correctly. */
static int bad_slow(struct ipl_conn *c)
{
	uint8_t m[IPL_HDR_SIZE + 8];
	memcpy(m + IPL_HDR_SIZE, "s-l-o-w!", 8);
	ipl_rl_hdr(m, IPL_OP_ECHO, IPL_FLAG_CRC, SEQ, 8, ipl_crc32c(0, m + IPL_HDR_SIZE, 8));
	for (size_t i = 0; i < sizeof m; i++) {
		if (ipl_rl_send_raw(c, m + i, 1) < 0)
			return 50;
		ipl_rl_sleep_ms(20);
	}
	struct ipl_hdr h;
	struct ipl_buf b = { 0 };
	int rc = ipl_msg_recv(c, 64, &h, &b);
	int ok = rc == 0 && h.op == IPL_OP_ECHO && h.seq == SEQ && h.len == 8 && !memcmp(b.p, "s-l-o-w!", 8);
	ipl_buf_free(&b);
	if (!ok)
		return 51;
	return ipl_client_bye(c) < 0 ? 52 : 0;
}

/* 100,000 zero-length one-way SINKs sent as fast as the transport takes
 * them, then 5,000 zero-length ECHOs pipelined 64 deep, every reply checked,
 * then one acknowledged SINK proving nothing was dropped. */
static int bad_zero_flood(struct ipl_conn *c)
{
	enum { BATCH = 512, NOACK = 100000, ECHOS = 5000, WINDOW = 64 };
	uint8_t *buf = malloc((size_t)BATCH * IPL_HDR_SIZE);
	struct ipl_buf rx = { 0 };
	int rc = 0;
	if (!buf)
		return 60;
	uint64_t seq = 1;
	for (unsigned sent = 0; sent < NOACK && !rc; sent += BATCH) {
		for (unsigned i = 0; i < BATCH; i++)
			ipl_rl_hdr(buf + (size_t)i * IPL_HDR_SIZE, IPL_OP_SINK, IPL_FLAG_NOACK, seq++, 0, 0);
		if (ipl_rl_send_raw(c, buf, (size_t)BATCH * IPL_HDR_SIZE) < 0)
			rc = 61;
	}
	uint64_t first = seq;
	for (unsigned done = 0; done < ECHOS && !rc; done += WINDOW) {
		for (unsigned i = 0; i < WINDOW; i++)
			ipl_rl_hdr(buf + (size_t)i * IPL_HDR_SIZE, IPL_OP_ECHO, 0, seq++, 0, 0);
		if (ipl_rl_send_raw(c, buf, (size_t)WINDOW * IPL_HDR_SIZE) < 0) {
			rc = 62;
			break;
		}
		for (unsigned i = 0; i < WINDOW; i++) {
			struct ipl_hdr h;
			if (ipl_msg_recv(c, 64, &h, &rx) < 0 || h.op != IPL_OP_ECHO || h.len ||
			    h.seq != first + done + i) {
				rc = 63;
				break;
			}
		}
	}
	if (!rc) {
		struct ipl_hdr h;
		ipl_rl_hdr(buf, IPL_OP_SINK, 0, seq, 0, 0);
		if (ipl_rl_send_raw(c, buf, IPL_HDR_SIZE) < 0 || ipl_msg_recv(c, 64, &h, &rx) < 0 ||
		    h.op != IPL_OP_SINK || h.seq != seq)
			rc = 64;
	}
	free(buf);
	ipl_buf_free(&rx);
	if (rc)
		return rc;
	return ipl_client_bye(c) < 0 ? 65 : 0;
}

/* 1 MiB of noise.  The server reads a header's worth, answers ERROR(MAGIC)
 * and closes; the rest of the noise may then bounce (EPIPE, reset), and a
 * reset may also swallow the ERROR: a close is an acceptable answer. */
static int bad_random(struct ipl_conn *c)
{
	size_t n = 1u << 20;
	uint8_t *p = malloc(n);
	if (!p)
		return 70;
	if (getrandom(p, n, 0) != (ssize_t)n) {
		free(p);
		return 71;
	}
	if (ipl_get_be32(p) == IPL_MAGIC)
		p[0] ^= 0xff;
	int rc = ipl_rl_send_raw(c, p, n);
	free(p);
	if (rc < 0 && rc != -EPIPE && rc != -ECONNRESET && rc != IPL_EPEERDEAD) {
		fprintf(stderr, "random: send: %s\n", ipl_strerror(rc));
		return 72;
	}
	struct ipl_hdr h;
	struct ipl_buf b = { 0 };
	rc = ipl_msg_recv(c, 64, &h, &b);
	int ok = (rc == 0 && h.op == IPL_OP_ERROR && h.len == 4 && ipl_get_be32(b.p) == IPL_WERR_MAGIC) ||
		 rc == IPL_ECLOSED || rc == -ECONNRESET || rc == IPL_EPEERDEAD;
	if (!ok)
		fprintf(stderr, "random: reply: %s op %u\n", ipl_strerror(rc), rc ? 0 : h.op);
	ipl_buf_free(&b);
	if (!ok)
		return 73;
	return (rc == 0 && ipl_rl_expect_eof(c)) ? 74 : 0;
}

struct bad_arg {
	int kind;
	struct ipl_endpoint *ep;
};

/* 200 connections, each says garbage and is dropped: no fd, thread or
 * memory may stay behind for any of them. */
static int bad_churn(struct ipl_conn *c, struct ipl_endpoint *ep)
{
	(void)c;
	for (int i = 0; i < 200; i++) {
		struct ipl_conn *k = NULL;
		if (ipl_endpoint_attach_client(ep, 0, &k) < 0)
			return 80;
		uint8_t h[IPL_HDR_SIZE];
		ipl_rl_hdr(h, IPL_OP_ECHO, 0, (uint64_t)i, 0, 0);
		h[i % 4] ^= 0x20; /* the magic, broken in a different byte each time */
		int rc = ipl_rl_send_raw(k, h, sizeof h);
		if (rc == 0 && i % 2 == 0) /* every other one waits for the answer */
			rc = ipl_rl_expect_error(k, (uint64_t)i, IPL_WERR_MAGIC);
		ipl_conn_detach(k);
		if (rc)
			return 81;
	}
	return 0;
}

static int bad_main(struct ipl_conn *c, void *arg)
{
	const struct bad_arg *a = arg;
	alarm(BAD_CLIENT_S); /* a hang fails the case instead of stalling it */
	switch (a->kind) {
	case K_MAGIC:
	case K_VERSION0:
	case K_VERSION2:
	case K_OP0:
	case K_OP_UNKNOWN:
	case K_FLAGS:
	case K_TOOBIG:
	case K_TOOBIG_MAX: return bad_header(c, a->kind);
	case K_CRC:
	case K_CRC_SINK:
	case K_CLIENT_REPLY:
	case K_CLIENT_ERROR:
	case K_NOACK_ECHO: return bad_body(c, a->kind);
	case K_TRUNC_PAYLOAD:
	case K_HALF_HEADER:
	case K_HEADER_ONLY_CLOSE: return bad_hangup(c, a->kind);
	case K_SLOW: return bad_slow(c);
	case K_ZERO_FLOOD: return bad_zero_flood(c);
	case K_RANDOM_1M: return bad_random(c);
	case K_CHURN: return bad_churn(c, a->ep);
	}
	return 99;
}

/* ---- the case runner ---------------------------------------------------- */

static void run_bad(const struct ipl_test_variant *v, const struct ipl_rl_case *k)
{
	struct ipl_fixture *fx = ipl_rl_fixture();
	/* everything the clients are given exists before ipl_fx_start: clients
	 * of fork-only transports are forked there */
	int ready[2];
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	struct ipl_rl_good g = { .ready_fd = ready[1], .min_rounds = 10 };
	struct bad_arg a = { .kind = k->kind, .ep = &fx->ep };
	assert_ok(ipl_fx_start(fx, v, 2));
	pid_t srv = fx->server;

	/* the good client is client 1 and the bad one client 0: a transport
	 * that needs a fork has a channel (and a server worker) per pre-forked
	 * client from the start, handed out in order, so once the good client
	 * is answered on channel 1 the worker for channel 0 exists too, and the
	 * figures below count it whatever the machine's speed */
	pid_t good = ipl_fx_client(fx, 1, ipl_rl_good_body, &g);
	assert_true(good > 0);
	close(ready[1]);
	int rdy = ipl_rl_wait_ready(ready[0], IPL_RL_SAFETY_MS);
	close(ready[0]);
	assert_int_equal(rdy, 0);

	long threads0 = ipl_rl_status(srv, "Threads");
	long rss0 = ipl_rl_status(srv, "VmRSS"), hwm0 = ipl_rl_status(srv, "VmHWM");
	int fds0 = ipl_rl_nfds(srv);

	pid_t bad = ipl_fx_client(fx, 0, bad_main, &a);
	assert_true(bad > 0);
	if (ipl_rl_caps(v) & IPL_CAP_NEEDS_FORK)
		ipl_endpoint_release(&fx->ep); /* so the server sees the bad client's EOF */
	int st = ipl_fx_wait(fx, bad, BAD_CLIENT_S + 5);
	if (st)
		fprintf(stderr, "%s/%s: bad client exited with %d\n", v->name, k->name, st);
	assert_int_equal(st, 0);

	/* the server let go of the bad connection: only the good one is left
	 * (polled: a worker's end is not an event the test can wait on, but it
	 * must come; the deadline is a safety net) */
	long keep = threads0;
	if (ipl_rl_caps(v) & IPL_CAP_NEEDS_FORK)
		keep--; /* its worker for the bad channel existed before it started */
	assert_int_equal(ipl_rl_wait_threads(srv, keep, IPL_RL_SAFETY_MS), 0);
	int fds1 = -1;
	for (int i = 0; i < IPL_RL_SAFETY_MS / 10; i++) { /* detach may lag the thread count */
		fds1 = ipl_rl_nfds(srv);
		if (fds1 <= fds0)
			break;
		ipl_rl_sleep_ms(10);
	}
	if (fds1 > fds0)
		fprintf(stderr, "%s/%s: server fds %d -> %d\n", v->name, k->name, fds0, fds1);
	assert_true(fds1 <= fds0);

	long rss1 = ipl_rl_status(srv, "VmRSS"), hwm1 = ipl_rl_status(srv, "VmHWM");
	fprintf(stderr, "%s/%s: server VmRSS %ld -> %ld kB, VmHWM %ld -> %ld kB\n", v->name, k->name,
		rss0, rss1, hwm0, hwm1);
	assert_true(rss0 > 0 && rss1 > 0);
	assert_true(rss1 - rss0 < MEM_BOUND_KB);
	assert_true(hwm1 - hwm0 < MEM_BOUND_KB);

	/* the good client, served all along, stops and reports */
	assert_int_equal(kill(good, SIGUSR2), 0);
	st = ipl_fx_wait(fx, good, GOOD_CLIENT_S);
	if (st)
		fprintf(stderr, "%s/%s: good client exited with %d\n", v->name, k->name, st);
	assert_int_equal(st, 0);
	assert_int_equal(kill(srv, 0), 0); /* the same server, still there */
	assert_int_equal(ipl_fx_stop(fx), 0);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

#define B IPL_CAP_BYTES
static const struct ipl_rl_case cases[] = {
	{ "bad_magic", run_bad, B, 0, K_MAGIC, NULL },
	{ "bad_version_0", run_bad, B, 0, K_VERSION0, NULL },
	{ "bad_version_2", run_bad, B, 0, K_VERSION2, NULL },
	{ "op_zero", run_bad, B, 0, K_OP0, NULL },
	{ "op_unknown", run_bad, B, 0, K_OP_UNKNOWN, NULL },
	{ "unknown_flags", run_bad, B, 0, K_FLAGS, NULL },
	{ "len_over_cap", run_bad, B, 0, K_TOOBIG, NULL },
	{ "len_4g", run_bad, B, 0, K_TOOBIG_MAX, NULL },
	{ "bad_crc_conn_survives", run_bad, B, 0, K_CRC, NULL },
	{ "bad_crc_sink_conn_survives", run_bad, B, 0, K_CRC_SINK, NULL },
	{ "client_sends_reply", run_bad, B, 0, K_CLIENT_REPLY, NULL },
	{ "client_sends_error", run_bad, B, 0, K_CLIENT_ERROR, NULL },
	{ "noack_on_echo", run_bad, B, 0, K_NOACK_ECHO, NULL },
	{ "short_payload_then_close", run_bad, B, 0, K_TRUNC_PAYLOAD, NULL },
	{ "half_header_then_close", run_bad, B, 0, K_HALF_HEADER, NULL },
	{ "cap_claimed_then_close", run_bad, B, 0, K_HEADER_ONLY_CLOSE, NULL },
	{ "slow_peer", run_bad, B, 0, K_SLOW, NULL },
	{ "zero_length_flood", run_bad, B, 0, K_ZERO_FLOOD, NULL },
	{ "random_1mib", run_bad, B, 0, K_RANDOM_1M, NULL },
	/* needs a fresh connection per attempt from one process */
	{ "garbage_churn", run_bad, B | IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT, IPL_CAP_NEEDS_FORK, K_CHURN, NULL },
};

int main(int argc, char **argv)
{
	return ipl_rl_run("badinput", cases, sizeof cases / sizeof cases[0], argc, argv);
}
