/* test_rpc_transport.c - the rpc transport end to end, in one process: a
 * server (ipl_server_run over rpc over unix or tcp) in a thread; clients
 * are the client stubs on a plain carrier connection (every procedure,
 * every error reply), raw records (multi-fragment, garbage), and the
 * ipclab exchange itself through an rpc conn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

#include "common/bytes.h"
#include "common/err.h"
#include "common/exchange.h"
#include "common/fdconn.h"
#include "common/msgio.h"
#include "rpc/rpcmsg.h"
#include "rpc/rpcprog.h"
#include "bench/registry/registry.h"
#include "tests/fixture.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#define CAP 4096u

struct fixture {
	struct ipl_endpoint ep;
	pthread_t th;
	int running;
	struct ipl_serve_stats st;
	const struct ipl_transport *via;
};

static void on_wake(int sig)
{
	(void)sig;
}

static void *server_main(void *arg)
{
	struct fixture *f = arg;
	struct ipl_server_cfg cfg = { .cap = CAP, .wake_signal = SIGUSR1, .stop_grace_ms = 5000 };
	ipl_server_run(&f->ep, &cfg, &f->st);
	return NULL;
}

static int start(void **state, const char *via)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct sigaction sa = { .sa_handler = on_wake }; /* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	f->via = ipl_transport_find(via);
	struct ipl_tp_opts o = { .cap = CAP, .via = f->via };
	ipl_endpoint_setup(&f->ep, ipl_transport_find("rpc"), &o, NULL);
	if (ipl_endpoint_prepare(&f->ep) < 0 || ipl_endpoint_attach_server(&f->ep) < 0)
		return -1;
	if (pthread_create(&f->th, NULL, server_main, f))
		return -1;
	f->running = 1;
	*state = f;
	return 0;
}

static int setup_unix(void **state)
{
	return start(state, "unix");
}
static int setup_tcp(void **state)
{
	return start(state, "tcp");
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->running) {
		ipl_fx_stop_thread(&f->ep, f->th, SIGUSR1);
	}
	ipl_endpoint_cleanup(&f->ep);
	free(f);
	return 0;
}

/* A plain carrier connection to the server: what a foreign RPC client has. */
static struct ipl_conn *carrier_conn(struct fixture *f)
{
	struct ipl_endpoint cep;
	struct ipl_conn *c = NULL;
	ipl_endpoint_setup(&cep, f->via, NULL, f->ep.addr);
	assert_ok(ipl_endpoint_attach_client(&cep, 0, &c));
	ipl_endpoint_cleanup(&cep);
	return c;
}

static void test_every_procedure(void **state)
{
	struct fixture *f = *state;
	struct ipl_conn *c = carrier_conn(f);
	struct ipl_rpc_clnt cl;
	ipl_rpc_clnt_init(&cl, c, CAP);

	assert_ok(ipl_rpc_null(&cl));
	uint8_t in[1000], out[1000];
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)(i * 7);
	for (uint32_t n = 0; n <= 9; n++) { /* every padding length */
		uint32_t got;
		assert_ok(ipl_rpc_echo(&cl, in, n, out, sizeof out, &got));
		assert_int_equal(got, n);
		assert_memory_equal(out, in, n);
	}
	uint32_t got;
	assert_ok(ipl_rpc_echo(&cl, in, sizeof in, out, sizeof out, &got));
	assert_int_equal(got, sizeof in);
	assert_memory_equal(out, in, sizeof in);
	assert_ok(ipl_rpc_sink(&cl, in, 33));
	for (int i = 0; i < 5; i++)
		assert_ok(ipl_rpc_sink_batch(&cl, in, 17)); /* no replies */
	int32_t s32;
	assert_ok(ipl_rpc_add(&cl, 40, 2, &s32));
	assert_int_equal(s32, 42);
	assert_ok(ipl_rpc_add(&cl, -5, 3, &s32));
	assert_int_equal(s32, -2);
	int32_t v[5] = { 1, -2, 0x7fffffff, 0x7fffffff, 4 };
	int64_t s64;
	assert_ok(ipl_rpc_sum(&cl, v, 5, &s64));
	assert_true(s64 == 3 + 2 * (int64_t)0x7fffffff);
	assert_ok(ipl_rpc_sum(&cl, v, 0, &s64));
	assert_true(s64 == 0);

	/* AUTH_SYS is accepted (the in-memory path) */
	struct ipl_rpc_authsys as = { .uid = 1, .gid = 2 };
	strcpy(as.machine, "m");
	uint8_t body[IPL_RPC_AUTH_MAX];
	int blen = ipl_rpc_authsys_encode(&as, body, sizeof body);
	cl.cred = (struct ipl_rpc_auth){ IPL_RPC_AUTH_SYS, (uint32_t)blen, body };
	assert_ok(ipl_rpc_echo(&cl, "abc", 3, out, sizeof out, &got));
	assert_int_equal(got, 3);
	assert_ok(ipl_rpc_add(&cl, 1, 1, &s32));
	assert_int_equal(s32, 2);
	ipl_rpc_clnt_free(&cl);
	ipl_conn_detach(c);
}

static void test_error_replies(void **state)
{
	struct fixture *f = *state;
	struct ipl_conn *c = carrier_conn(f);
	struct ipl_rpc_clnt cl;
	struct ipl_xdr_dec res;
	ipl_rpc_clnt_init(&cl, c, CAP);

	cl.prog = 0x20000001;
	assert_err(ipl_rpc_null(&cl), IPL_ERPC);
	assert_int_equal(cl.last.stat, IPL_RPC_MSG_ACCEPTED);
	assert_int_equal(cl.last.accept_stat, IPL_RPC_PROG_UNAVAIL);
	cl.prog = IPL_RPC_PROG;
	cl.vers = 2;
	assert_err(ipl_rpc_null(&cl), IPL_ERPC);
	assert_int_equal(cl.last.accept_stat, IPL_RPC_PROG_MISMATCH);
	assert_int_equal(cl.last.low, 1);
	assert_int_equal(cl.last.high, 1);
	cl.vers = 1;
	assert_err(ipl_rpc_call_raw(&cl, 77, NULL, 0, &res), IPL_ERPC);
	assert_int_equal(cl.last.accept_stat, IPL_RPC_PROC_UNAVAIL);
	uint8_t one[4] = { 0, 0, 0, 1 };
	assert_err(ipl_rpc_call_raw(&cl, IPL_RPC_PROC_ADD, one, 4, &res), IPL_ERPC);
	assert_int_equal(cl.last.accept_stat, IPL_RPC_GARBAGE_ARGS);
	/* an ECHO over the server's cap: refused, the stream stays in step */
	uint8_t *big = calloc(1, CAP + 4);
	uint32_t got;
	assert_err(ipl_rpc_echo(&cl, big, CAP + 4, big, CAP + 4, &got), IPL_ERPC);
	assert_int_equal(cl.last.accept_stat, IPL_RPC_GARBAGE_ARGS);
	free(big);
	cl.cred.flavor = 6; /* RPCSEC_GSS: not spoken here */
	assert_err(ipl_rpc_null(&cl), IPL_ERPC);
	assert_int_equal(cl.last.stat, IPL_RPC_MSG_DENIED);
	assert_int_equal(cl.last.reject_stat, IPL_RPC_AUTH_ERROR);
	assert_int_equal(cl.last.auth_stat, IPL_RPC_AUTH_REJECTEDCRED);
	cl.cred.flavor = IPL_RPC_AUTH_NONE;

	/* RPC version 3 */
	uint8_t rec[16];
	ipl_put_be32(rec, ipl_rm_word(12, 1));
	ipl_put_be32(rec + 4, 0xabcd);
	ipl_put_be32(rec + 8, IPL_RPC_CALL);
	ipl_put_be32(rec + 12, 3);
	struct iovec iov = { rec, 16 };
	assert_ok(ipl_conn_send(c, &iov, 1));
	struct ipl_buf b = { 0 };
	size_t len;
	assert_ok(ipl_rpc_read_record(c, 1024, &b, &len));
	struct ipl_xdr_dec d;
	struct ipl_rpc_reply r;
	ipl_xdr_dec_init(&d, b.p, len);
	assert_ok(ipl_rpc_reply_decode(&d, &r));
	assert_int_equal(r.xid, 0xabcd);
	assert_int_equal(r.stat, IPL_RPC_MSG_DENIED);
	assert_int_equal(r.reject_stat, IPL_RPC_RPC_MISMATCH);
	assert_int_equal(r.low, 2);
	assert_int_equal(r.high, 2);

	/* still serving afterwards */
	int32_t s;
	assert_ok(ipl_rpc_add(&cl, 2, 2, &s));
	assert_int_equal(s, 4);
	ipl_buf_free(&b);
	ipl_rpc_clnt_free(&cl);
	ipl_conn_detach(c);
}

/* An ECHO call in 5-byte fragments with an empty one: streamed to the
 * exchange across fragment marks. */
static void test_fragmented_call(void **state)
{
	struct fixture *f = *state;
	struct ipl_conn *c = carrier_conn(f);
	uint8_t body[128];
	struct ipl_xdr_enc x;
	ipl_xdr_enc_init(&x, body, sizeof body);
	struct ipl_rpc_call call = { .xid = 99, .prog = IPL_RPC_PROG, .vers = 1, .proc = IPL_RPC_PROC_ECHO };
	ipl_rpc_call_encode(&x, &call);
	ipl_xdr_put_opaque(&x, "fragmented!", 11);
	uint8_t wire[512];
	size_t n = 0;
	for (size_t off = 0; off < x.len; off += 5) {
		size_t k = x.len - off < 5 ? x.len - off : 5;
		if (off == 10) {
			ipl_put_be32(wire + n, 0);
			n += 4;
		}
		ipl_put_be32(wire + n, ipl_rm_word((uint32_t)k, off + k == x.len));
		memcpy(wire + n + 4, body + off, k);
		n += 4 + k;
	}
	struct iovec iov = { wire, n };
	assert_ok(ipl_conn_send(c, &iov, 1));
	struct ipl_buf b = { 0 };
	size_t len;
	assert_ok(ipl_rpc_read_record(c, 1024, &b, &len));
	struct ipl_xdr_dec d;
	struct ipl_rpc_reply r;
	ipl_xdr_dec_init(&d, b.p, len);
	assert_ok(ipl_rpc_reply_decode(&d, &r));
	assert_int_equal(r.xid, 99);
	assert_int_equal(r.accept_stat, IPL_RPC_SUCCESS);
	uint32_t olen;
	const uint8_t *p = ipl_xdr_get_opaque(&d, 100, &olen);
	assert_int_equal(olen, 11);
	assert_memory_equal(p, "fragmented!", 11);
	ipl_buf_free(&b);
	ipl_conn_detach(c);
}

/* Garbage closes the connection (no crash, other clients unaffected). */
static void test_garbage_closes(void **state)
{
	struct fixture *f = *state;
	static const uint8_t junk[][12] = {
		{ 0x80, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 1 },          /* a REPLY, not a call */
		{ 0x80, 0, 0, 4, 0, 0, 0, 1 },                      /* record ends in the header */
		{ 0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8 }, /* fragment over the cap */
		{ 'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P' },
	};
	const size_t jl[] = { 12, 8, 12, 10 };
	for (size_t i = 0; i < 4; i++) {
		struct ipl_conn *c = carrier_conn(f);
		struct iovec iov = { (void *)junk[i], jl[i] };
		assert_ok(ipl_conn_send(c, &iov, 1));
		uint8_t byte;
		int rc = ipl_conn_read_full(c, &byte, 1);
		assert_true(rc == IPL_ECLOSED || rc == -ECONNRESET);
		ipl_conn_detach(c);
	}
	/* the server is still fine */
	struct ipl_conn *c = carrier_conn(f);
	struct ipl_rpc_clnt cl;
	ipl_rpc_clnt_init(&cl, c, CAP);
	assert_ok(ipl_rpc_null(&cl));
	ipl_rpc_clnt_free(&cl);
	ipl_conn_detach(c);
}

/* The ipclab exchange through an rpc conn: the benchmark's path. */
static void test_exchange(void **state)
{
	struct fixture *f = *state;
	struct ipl_tp_opts o = { .cap = CAP, .via = f->via };
	struct ipl_endpoint cep;
	struct ipl_conn *c;
	ipl_endpoint_setup(&cep, ipl_transport_find("rpc"), &o, f->ep.addr);
	assert_ok(ipl_endpoint_attach_client(&cep, 0, &c));
	uint32_t cap = 0;
	assert_ok(ipl_client_hello(c, &cap));
	assert_int_equal(cap, CAP);
	struct ipl_client_cfg cfg = {
		.size = 1000, .iters = 200, .warmup = 10, .op = IPL_OP_ECHO, .cap = CAP, .crc = 1
	};
	struct ipl_client_stats st = { 0 };
	assert_ok(ipl_client_latency(c, &cfg, NULL, &st));
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.ok, 200); /* warm-up replies are not results */
	cfg.op = IPL_OP_SINK;
	cfg.window = 8;
	memset(&st, 0, sizeof st);
	assert_ok(ipl_client_throughput(c, &cfg, &st));
	assert_int_equal(st.errors, 0);
	memset(&st, 0, sizeof st);
	cfg.size = 3;
	assert_ok(ipl_client_stream(c, &cfg, &st));
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.ok, 200);

	/* a request the exchange would refuse comes back as ERROR, and the
	 * connection goes on */
	uint8_t hdr[IPL_HDR_SIZE];
	struct ipl_hdr h = { .version = IPL_VERSION,
			     .op = IPL_OP_ECHO,
			     .flags = IPL_FLAG_CRC,
			     .seq = 0x100000007ull,
			     .len = 4,
			     .crc = 1 };
	ipl_hdr_encode(&h, hdr);
	struct iovec iov[2] = { { hdr, sizeof hdr }, { "abcd", 4 } };
	assert_ok(ipl_conn_send(c, iov, 2));
	struct ipl_buf b = { 0 };
	struct ipl_hdr rh;
	assert_ok(ipl_msg_recv(c, CAP, &rh, &b));
	assert_int_equal(rh.op, IPL_OP_ERROR);
	assert_true(rh.seq == 0x100000007ull);
	assert_int_equal(ipl_get_be32(b.p), IPL_WERR_CRC);
	ipl_buf_free(&b);

	assert_ok(ipl_client_bye(c));
	ipl_conn_detach(c);
	ipl_endpoint_cleanup(&cep);
}

/* Stopping the server while a client sits idle: the cancel must reach the
 * worker blocked in the carrier (teardown would hang otherwise). */
static void test_stop_with_idle_client(void **state)
{
	struct fixture *f = *state;
	struct ipl_conn *c = carrier_conn(f);
	struct ipl_rpc_clnt cl;
	ipl_rpc_clnt_init(&cl, c, CAP);
	assert_ok(ipl_rpc_null(&cl));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	teardown(state);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* grace is 5 s: a worker left blocked would use all of it */
	assert_true(t1.tv_sec - t0.tv_sec < 4);
	ipl_rpc_clnt_free(&cl);
	ipl_conn_detach(c);
	start(state, "unix");
}


/* Random records, each on its own connection: the server answers, refuses
 * or closes, and is still serving at the end. */
static void test_fuzz_stream(void **state)
{
	struct fixture *f = *state;
	uint32_t seed = 777;
	for (int i = 0; i < 150; i++) {
		uint8_t rec[96];
		struct ipl_xdr_enc x;
		ipl_xdr_enc_init(&x, rec, sizeof rec);
		ipl_xdr_put_u32(&x, 0);
		struct ipl_rpc_call call = {
			.xid = (uint32_t)i, .prog = IPL_RPC_PROG, .vers = 1, .proc = (uint32_t)i % 6
		};
		ipl_rpc_call_encode(&x, &call);
		ipl_xdr_put_opaque(&x, "0123456789", 10);
		ipl_put_be32(rec, ipl_rm_word((uint32_t)(x.len - 4), 1));
		for (int k = 0; k < 3; k++) {
			seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
			rec[seed % x.len] ^= (uint8_t)(seed >> 8);
		}
		struct ipl_conn *c = carrier_conn(f);
		struct iovec iov = { rec, x.len };
		if (ipl_conn_send(c, &iov, 1) == 0) {
			/* a reply, or nothing (a batch, a record still incomplete): the
			 * client closes either way; the server must cope */
			struct ipl_rpc_clnt cl;
			ipl_rpc_clnt_init(&cl, c, CAP);
			ipl_rpc_clnt_free(&cl);
		}
		ipl_conn_detach(c);
	}
	struct ipl_conn *c = carrier_conn(f);
	struct ipl_rpc_clnt cl;
	ipl_rpc_clnt_init(&cl, c, CAP);
	int32_t s;
	assert_ok(ipl_rpc_add(&cl, 20, 22, &s));
	assert_int_equal(s, 42);
	ipl_rpc_clnt_free(&cl);
	ipl_conn_detach(c);
}

/* What a layer needs of its carrier is asked of the carrier's ops, never
 * its name: rpc refuses a layered carrier, oncrpc one that offers no socket
 * (fifo), and the socket transports offer their listening and connected
 * sockets (listen_fd, conn_fd: both for the stream sockets; udp only its
 * bound socket). */
static void test_carriers(void **state)
{
	(void)state;
	const struct ipl_transport *rpc = ipl_transport_find("rpc");
	const struct ipl_transport *onc = ipl_transport_find("oncrpc");
	struct ipl_endpoint ep;
	struct ipl_conn *c;
	struct ipl_tp_opts o = { .via = rpc };
	ipl_endpoint_init(&ep, rpc, &o, NULL);
	assert_err(ipl_endpoint_prepare(&ep), IPL_EUNSUPP);
	ipl_endpoint_cleanup(&ep);
	if (onc) { /* built with libtirpc */
		o.via = ipl_transport_find("fifo");
		ipl_endpoint_init(&ep, onc, &o, NULL);
		assert_err(ipl_endpoint_prepare(&ep), IPL_EUNSUPP);
		ipl_endpoint_cleanup(&ep);
		ipl_endpoint_init(&ep, onc, &o, "/nonexistent/ipclab");
		assert_err(ipl_endpoint_attach_client(&ep, 0, &c), IPL_EUNSUPP);
		ipl_endpoint_cleanup(&ep);
	}
	for (size_t i = 0; i < ipl_transport_count(); i++) {
		const struct ipl_transport *tp = ipl_transport_at(i);
		if (tp->conn_fd) /* a stream socket: both */
			assert_non_null(tp->listen_fd);
	}
	/* udp lends its bound socket only (oncrpc's svc_dg serves it); a client
	 * over udp opens its own socket */
	const struct ipl_transport *udp = ipl_transport_find("udp");
	assert_non_null(udp->listen_fd);
	assert_null(udp->conn_fd);
	{
		struct ipl_tp_opts uo = { 0 };
		int type = 0;
		socklen_t tl = sizeof type;
		ipl_endpoint_init(&ep, udp, &uo, NULL);
		assert_ok(ipl_endpoint_prepare(&ep));
		int ufd = udp->listen_fd(&ep);
		assert_true(ufd >= 0);
		assert_int_equal(getsockopt(ufd, SOL_SOCKET, SO_TYPE, &type, &tl), 0);
		assert_int_equal(type, SOCK_DGRAM);
		ipl_endpoint_cleanup(&ep);
	}
	static const char *const socks[] = { "unix", "tcp" };
	for (int i = 0; i < 2; i++) {
		const struct ipl_transport *tp = ipl_transport_find(socks[i]);
		struct ipl_tp_opts so = { 0 };
		int v = 0;
		socklen_t vl = sizeof v;
		ipl_endpoint_init(&ep, tp, &so, NULL);
		assert_ok(ipl_endpoint_prepare(&ep));
		int lfd = tp->listen_fd(&ep);
		assert_true(lfd >= 0);
		assert_int_equal(getsockopt(lfd, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl), 0);
		assert_int_equal(v, 1);
		assert_ok(ipl_endpoint_attach_client(&ep, 0, &c));
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		assert_int_equal(getpeername(tp->conn_fd(c), (struct sockaddr *)&ss, &sl), 0);
		ipl_conn_detach(c);
		ipl_endpoint_release(&ep);
		assert_err(tp->listen_fd(&ep), IPL_EUNSUPP);
		ipl_endpoint_cleanup(&ep);
	}
}

int main(void)
{
	alarm(300); /* a hang fails instead of stalling (a safety net) */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_carriers),
		cmocka_unit_test_setup_teardown(test_every_procedure, setup_unix, teardown),
		cmocka_unit_test_setup_teardown(test_every_procedure, setup_tcp, teardown),
		cmocka_unit_test_setup_teardown(test_error_replies, setup_unix, teardown),
		cmocka_unit_test_setup_teardown(test_error_replies, setup_tcp, teardown),
		cmocka_unit_test_setup_teardown(test_fragmented_call, setup_unix, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_closes, setup_unix, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_closes, setup_tcp, teardown),
		cmocka_unit_test_setup_teardown(test_exchange, setup_unix, teardown),
		cmocka_unit_test_setup_teardown(test_exchange, setup_tcp, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz_stream, setup_unix, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz_stream, setup_tcp, teardown),
		cmocka_unit_test_setup_teardown(test_stop_with_idle_client, setup_unix, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
