/* test_rpc_udp.c - ONC RPC over udp (rpc/rpcdgram.c) and the server's
 * duplicate-request cache (rpc/drc.c), in one process: a server
 * (ipl_server_run over rpc over udp) in a thread, clients as client stubs
 * on raw udp carrier conns.
 *
 * Loss is injected deterministically on both sides: the server drops every
 * 10th datagram it receives (IPCLAB_UDP_DROP_EVERY: a lost call, which is
 * harmless) and each client every 10th reply (IPCLAB_RPC_DROP_EVERY: the
 * procedure ran, the reply was lost, the retransmission shows whether it
 * runs again).  INCR is not idempotent, so:
 *   at-most-once   every call returns exactly the previous value + 1;
 *   at-least-once  the counter advances more than the calls (duplicates).
 * No timing is asserted: a slow machine only adds retransmissions, which
 * at-most-once absorbs and at-least-once only makes more visible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

#include "common/bytes.h"
#include "common/err.h"
#include "common/exchange.h"
#include "rpc/drc.h"
#include "rpc/rpcdgram.h"
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

#define CAP 4096u
#define CALLS 40

struct fixture {
	struct ipl_endpoint ep;
	pthread_t th;
	int running;
	struct ipl_serve_stats st;
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

static int start(void **state, int at_least_once)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct sigaction sa = { .sa_handler = on_wake }; /* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* read at prepare (server) and at each client's dg init */
	setenv("IPCLAB_UDP_DROP_EVERY", "10", 1);
	setenv("IPCLAB_RPC_DROP_EVERY", "10", 1);
	setenv("IPCLAB_UDP_TIMEOUT_MS", "100", 1);
	struct ipl_tp_opts o = { .cap = CAP, .via = ipl_transport_find("udp"), .at_least_once = at_least_once };
	ipl_endpoint_setup(&f->ep, ipl_transport_find("rpc"), &o, NULL);
	if (ipl_endpoint_prepare(&f->ep) < 0 || ipl_endpoint_attach_server(&f->ep) < 0)
		return -1;
	if (pthread_create(&f->th, NULL, server_main, f))
		return -1;
	f->running = 1;
	*state = f;
	return 0;
}

static int setup_amo(void **state)
{
	return start(state, 0);
}
static int setup_alo(void **state)
{
	return start(state, 1);
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

/* A client: a raw udp socket of its own (its own address: its own counter
 * and its own cache at the server) and the stubs over it. */
struct client {
	struct ipl_conn *c;
	struct ipl_rpc_dg dg;
	struct ipl_rpc_clnt cl;
};

static void client_open(struct fixture *f, struct client *k, uint32_t first_xid)
{
	struct ipl_endpoint cep;
	struct ipl_tp_opts o = { .raw_dgram = 1 };
	ipl_endpoint_setup(&cep, ipl_transport_find("udp"), &o, f->ep.addr);
	assert_ok(ipl_endpoint_attach_client(&cep, 0, &k->c));
	ipl_endpoint_cleanup(&cep);
	ipl_rpc_dg_init(&k->dg, 1);
	ipl_rpc_clnt_init(&k->cl, k->c, CAP);
	k->cl.dg = &k->dg;
	k->cl.xid = first_xid;
}

static void client_close(struct client *k)
{
	ipl_rpc_clnt_free(&k->cl);
	ipl_rpc_dg_free(&k->dg);
	ipl_conn_detach(k->c);
}

/* Two clients, interleaved, CALLS INCRs each: returns each one's last value
 * and checks the retransmissions happened (the loss was real). */
static void two_clients_incr(struct fixture *f, int exact, int32_t last[2])
{
	struct client k[2];
	client_open(f, &k[0], 0x1000u);
	client_open(f, &k[1], 0x1000u); /* the same xids: the address tells them apart */
	for (int i = 1; i <= CALLS; i++)
		for (int j = 0; j < 2; j++) {
			int32_t v = 0;
			assert_ok(ipl_rpc_incr(&k[j].cl, &v));
			if (exact)
				assert_int_equal(v, i); /* ran once per call, never twice */
			last[j] = v;
		}
	for (int j = 0; j < 2; j++) {
		assert_true(k[j].dg.retrans >= CALLS / 10); /* every 10th reply at least */
		client_close(&k[j]);
	}
}

static void at_most_once_runs_once(void **state)
{
	int32_t last[2];
	two_clients_incr(*state, 1, last);
	assert_int_equal(last[0], CALLS);
	assert_int_equal(last[1], CALLS);
}

static void at_least_once_shows_duplicates(void **state)
{
	int32_t last[2];
	two_clients_incr(*state, 0, last);
	/* each lost reply made the procedure run again */
	assert_true(last[0] > CALLS);
	assert_true(last[1] > CALLS);
}

/* Encodes an INCR call datagram (no record mark) with xid. */
static size_t incr_call(uint8_t *buf, size_t cap, uint32_t xid)
{
	struct ipl_xdr_enc x;
	ipl_xdr_enc_init(&x, buf, cap);
	struct ipl_rpc_call call = {
		.xid = xid, .prog = IPL_RPC_PROG, .vers = IPL_RPC_PROG_VERS, .proc = IPL_RPC_PROC_INCR
	};
	ipl_rpc_call_encode(&x, &call);
	assert_ok(x.err);
	return x.len;
}

/* ---- retransmission under a flood of other datagrams -------------------- */

enum { FLOOD_MAX = 200000 }; /* at 0.1 ms each, 20 s at least: a safety net */
static unsigned flood_sends, flood_recvs;

static int flood_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	(void)c, (void)iov, (void)cnt;
	flood_sends++;
	return 0;
}

/* A peer that never answers the call but keeps sending something else: a
 * datagram every 0.1 ms, so the carrier's receive never times out. */
static ssize_t flood_recv(struct ipl_conn *c, void *buf, size_t len)
{
	(void)c;
	if (++flood_recvs > FLOOD_MAX || len < 8)
		return IPL_ECLOSED;
	struct timespec ts = { 0, 100000 };
	nanosleep(&ts, NULL);
	memset(buf, 0xee, 8); /* an xid no call has */
	return 8;
}

/* The calls in flight go again on time, and the client gives up after its
 * tries, however many other datagrams arrive meanwhile.  (It counted empty
 * receives once: such a peer held a call back for ever.) */
static void flood_does_not_hold_back_retransmits(void **state)
{
	(void)state;
	static const struct ipl_transport flood_tp = { .name = "flood", .send = flood_send, .recv = flood_recv };
	struct ipl_conn car = { .tp = &flood_tp };
	setenv("IPCLAB_UDP_TIMEOUT_MS", "1", 1); /* the timeouts add up to 31 ms */
	struct ipl_rpc_dg d;
	ipl_rpc_dg_init(&d, 1);
	flood_sends = flood_recvs = 0;
	uint8_t call[64];
	struct iovec iov = { call, incr_call(call, sizeof call, 7) };
	assert_ok(ipl_rpc_dg_send(&d, &car, &iov, 1, 7, 1));
	int rc;
	uint32_t xid;
	while ((rc = ipl_rpc_dg_read(&d, &car, &xid, sizeof xid)) == 0)
		assert_ok(ipl_rpc_dg_finish(&d, NULL, NULL)); /* not the reply: dropped */
	assert_int_equal(rc, -ETIMEDOUT);
	assert_int_equal(flood_sends, IPL_RPC_DG_TRIES);
	assert_int_equal(d.retrans, IPL_RPC_DG_TRIES - 1);
	ipl_rpc_dg_free(&d);
}

static void send_dgram(struct ipl_conn *c, const void *p, size_t n)
{
	struct iovec iov = { (void *)p, n };
	assert_ok(ipl_conn_send(c, &iov, 1));
}

/* A flood of one xid runs INCR once; a client filling its cache with new
 * xids (never reading a reply), garbage, a truncated call and an ECHO
 * whose length overruns the datagram are all dropped or answered, and the
 * other client and the flooding one itself are still served exactly. */
static void hostile_clients(void **state)
{
	struct fixture *f = *state;
	unsetenv("IPCLAB_RPC_DROP_EVERY"); /* the hostile one reads no replies */
	struct client good, bad;
	client_open(f, &good, 0x5000u);
	client_open(f, &bad, 0x9000u);
	int32_t v;
	assert_ok(ipl_rpc_incr(&good.cl, &v));
	assert_int_equal(v, 1);

	uint8_t d[128];
	size_t n = incr_call(d, sizeof d, 0x42u);
	for (int i = 0; i < 500; i++) /* one call, repeated: runs at most once */
		send_dgram(bad.c, d, n);
	for (uint32_t x = 0; x < 3 * IPL_DRC_ENTRIES; x++) { /* fills its cache */
		n = incr_call(d, sizeof d, 0x100000u + x);
		send_dgram(bad.c, d, n);
	}
	uint8_t junk[64];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(i * 37 + 1);
	send_dgram(bad.c, junk, sizeof junk); /* not a call */
	n = incr_call(d, sizeof d, 0x43u);
	send_dgram(bad.c, d, n - 5); /* truncated */
	struct ipl_xdr_enc x;        /* ECHO claiming 1000 bytes, with 4 */
	ipl_xdr_enc_init(&x, d, sizeof d);
	struct ipl_rpc_call echo = {
		.xid = 0x44u, .prog = IPL_RPC_PROG, .vers = IPL_RPC_PROG_VERS, .proc = IPL_RPC_PROC_ECHO
	};
	ipl_rpc_call_encode(&x, &echo);
	ipl_xdr_put_u32(&x, 1000);
	ipl_xdr_put_u32(&x, 0xdeadbeefu);
	send_dgram(bad.c, d, x.len);

	/* the good client is served, exactly */
	for (int i = 2; i <= 10; i++) {
		assert_ok(ipl_rpc_incr(&good.cl, &v));
		assert_int_equal(v, i);
	}
	/* and the flooding client too, its conn alive: its counter says how
	 * many distinct calls ran (the flood of 0x42 once), never more; some
	 * of its datagrams may have been dropped by the injected loss or a
	 * full queue, so it is at most 1 + 3 * entries, then this call */
	assert_ok(ipl_rpc_incr(&bad.cl, &v));
	assert_true(v >= 2 && v <= 2 + 3 * (int32_t)IPL_DRC_ENTRIES);
	client_close(&good);
	client_close(&bad);
	setenv("IPCLAB_RPC_DROP_EVERY", "10", 1);
}

/* A call cut short (an ECHO whose length overruns its datagram) is dropped
 * and not remembered: the whole call sent next under the same xid runs and
 * is answered, instead of being taken for a duplicate of a call in progress. */
static void truncated_call_not_cached(void **state)
{
	struct fixture *f = *state;
	unsetenv("IPCLAB_RPC_DROP_EVERY"); /* the answer must come first time */
	struct client k;
	client_open(f, &k, 0x77u);
	uint8_t d[128];
	struct ipl_xdr_enc x;
	ipl_xdr_enc_init(&x, d, sizeof d);
	struct ipl_rpc_call echo = {
		.xid = 0x77u, .prog = IPL_RPC_PROG, .vers = IPL_RPC_PROG_VERS, .proc = IPL_RPC_PROC_ECHO
	};
	ipl_rpc_call_encode(&x, &echo);
	ipl_xdr_put_u32(&x, 8); /* claims 8 bytes, carries 4 */
	ipl_xdr_put_u32(&x, 0xdeadbeefu);
	send_dgram(k.c, d, x.len);
	uint8_t in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8] = { 0 };
	uint32_t got = 0;
	assert_ok(ipl_rpc_echo(&k.cl, in, sizeof in, out, sizeof out, &got)); /* xid 0x77 */
	assert_int_equal(got, sizeof in);
	assert_memory_equal(in, out, sizeof in);
	client_close(&k);
	setenv("IPCLAB_RPC_DROP_EVERY", "10", 1);
}

/* The cache's bounds, directly: entries, bytes and age. */
static void drc_bounds(void **state)
{
	(void)state;
	struct ipl_drc *d = ipl_drc_new();
	assert_non_null(d);
	static uint8_t big[8192];
	struct iovec iov = { big, sizeof big };
	const uint8_t *rep;
	size_t len, entries, bytes;
	uint64_t hits;
	for (uint32_t x = 0; x < 10 * IPL_DRC_ENTRIES; x++) {
		assert_int_equal(ipl_drc_lookup(d, x, 1, 1, 6, 1000, &rep, &len), IPL_DRC_MISS);
		assert_ok(ipl_drc_store(d, x, &iov, 1));
		ipl_drc_usage(d, &entries, &bytes, &hits);
		assert_true(entries <= IPL_DRC_ENTRIES);
		assert_true(bytes <= IPL_DRC_BYTES);
	}
	uint32_t last = 10 * IPL_DRC_ENTRIES - 1;
	assert_int_equal(ipl_drc_lookup(d, last, 1, 1, 6, 1000, &rep, &len), IPL_DRC_REPLY);
	assert_int_equal(len, sizeof big);
	/* same xid, another procedure: another call */
	assert_int_equal(ipl_drc_lookup(d, last, 1, 1, 3, 1000, &rep, &len), IPL_DRC_MISS);
	assert_int_equal(ipl_drc_lookup(d, last, 1, 1, 3, 1000, &rep, &len), IPL_DRC_PENDING);
	/* aged out */
	assert_int_equal(ipl_drc_lookup(d, last, 1, 1, 6, 1000 + IPL_DRC_AGE_MS + 1, &rep, &len), IPL_DRC_MISS);
	ipl_drc_usage(d, &entries, &bytes, &hits);
	assert_int_equal(entries, 1);
	assert_int_equal(bytes, 0);
	/* a reply over the byte bound is not kept */
	static uint8_t huge[IPL_DRC_BYTES + 1];
	struct iovec hv = { huge, sizeof huge };
	assert_int_equal(ipl_drc_lookup(d, 7, 1, 1, 1, 2000000, &rep, &len), IPL_DRC_MISS);
	assert_err(ipl_drc_store(d, 7, &hv, 1), -ENOMEM);
	assert_int_equal(ipl_drc_lookup(d, 7, 1, 1, 1, 2000000, &rep, &len), IPL_DRC_PENDING);
	ipl_drc_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drc_bounds),
		cmocka_unit_test(flood_does_not_hold_back_retransmits),
		cmocka_unit_test_setup_teardown(at_most_once_runs_once, setup_amo, teardown),
		cmocka_unit_test_setup_teardown(at_least_once_shows_duplicates, setup_alo, teardown),
		cmocka_unit_test_setup_teardown(hostile_clients, setup_amo, teardown),
		cmocka_unit_test_setup_teardown(truncated_call_not_cached, setup_amo, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
