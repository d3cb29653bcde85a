/* test_rpc_msg.c - ONC RPC v2 messages and record marking, byte for byte:
 * a NULL call, ECHO of "hello" with its 3 padding bytes, every error reply,
 * a multi-fragment record with an empty fragment, the server stubs' answers,
 * and a client stub's marshalling as it reaches the socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

#include "common/bytes.h"
#include "common/err.h"
#include "common/fdconn.h"
#include "common/msgio.h"
#include "rpc/rpcmsg.h"
#include "rpc/rpcprog.h"
#include "bench/registry/registry.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define W(v) (uint8_t)((v) >> 24), (uint8_t)((v) >> 16), (uint8_t)((v) >> 8), (uint8_t)(v)

/* xid 0x12345678, program 0x2049504c version 1, AUTH_NONE both ways */
#define CALL_HEAD(proc) W(0x12345678), W(0), W(2), W(0x2049504c), W(1), W(proc), W(0), W(0), W(0), W(0)

static const uint8_t null_call[] = { W(0x80000028), CALL_HEAD(0) };
static const uint8_t echo_hello_call[] = {
	W(0x80000034), CALL_HEAD(1), W(5), 'h', 'e', 'l', 'l', 'o', 0, 0, 0,
};
static const uint8_t echo_hello_reply[] = {
	W(0x80000024), W(0x12345678), W(1), W(0), W(0), W(0), W(0), W(5),
	'h',           'e',           'l',  'l',  'o',  0,    0,    0,
};

static void encode_call(uint32_t proc, struct ipl_xdr_enc *x, uint8_t *buf, size_t cap)
{
	ipl_xdr_enc_init(x, buf, cap);
	ipl_xdr_put_u32(x, 0);
	struct ipl_rpc_call c = { .xid = 0x12345678, .prog = IPL_RPC_PROG, .vers = 1, .proc = proc };
	ipl_rpc_call_encode(x, &c);
}

static void finish_rm(struct ipl_xdr_enc *x)
{
	ipl_put_be32(x->p, ipl_rm_word((uint32_t)(x->len - 4), 1));
}

static void test_null_call_bytes(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct ipl_xdr_enc x;
	encode_call(IPL_RPC_PROC_NULL, &x, buf, sizeof buf);
	finish_rm(&x);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.len, sizeof null_call);
	assert_memory_equal(buf, null_call, sizeof null_call);

	struct ipl_xdr_dec d;
	struct ipl_rpc_call c;
	ipl_xdr_dec_init(&d, null_call + 4, sizeof null_call - 4);
	assert_ok(ipl_rpc_call_decode(&d, &c));
	assert_int_equal(c.xid, 0x12345678);
	assert_int_equal(c.rpcvers, 2);
	assert_int_equal(c.prog, IPL_RPC_PROG);
	assert_int_equal(c.vers, 1);
	assert_int_equal(c.proc, 0);
	assert_int_equal(c.cred.flavor, IPL_RPC_AUTH_NONE);
	assert_int_equal(ipl_xdr_left(&d), 0);
}

static void test_echo_hello_bytes(void **state)
{
	(void)state;
	uint8_t buf[128];
	memset(buf, 0xee, sizeof buf);
	struct ipl_xdr_enc x;
	encode_call(IPL_RPC_PROC_ECHO, &x, buf, sizeof buf);
	ipl_xdr_put_opaque(&x, "hello", 5);
	finish_rm(&x);
	assert_int_equal(x.len, sizeof echo_hello_call);
	assert_memory_equal(buf, echo_hello_call, sizeof echo_hello_call);

	/* the server stub answers with the same 5 bytes and 3 zero pad bytes */
	struct ipl_buf out = { 0 };
	size_t olen;
	assert_ok(ipl_rpc_serve_record(echo_hello_call + 4, sizeof echo_hello_call - 4, 1024, &out, &olen));
	assert_int_equal(olen, sizeof echo_hello_reply);
	assert_memory_equal(out.p, echo_hello_reply, sizeof echo_hello_reply);
	ipl_buf_free(&out);
}

/* One call per error, and the reply bytes RFC 5531 prescribes. */
static void test_error_replies(void **state)
{
	(void)state;
	static const uint8_t prog_unavail[] = { W(0x80000018), W(0x12345678), W(1), W(0),
						W(0),          W(0),          W(1) };
	static const uint8_t prog_mismatch[] = { W(0x80000020), W(0x12345678), W(1), W(0), W(0),
						 W(0),          W(2),          W(1), W(1) };
	static const uint8_t proc_unavail[] = { W(0x80000018), W(0x12345678), W(1), W(0),
						W(0),          W(0),          W(3) };
	static const uint8_t garbage_args[] = { W(0x80000018), W(0x12345678), W(1), W(0),
						W(0),          W(0),          W(4) };
	static const uint8_t system_err[] = { W(0x80000018), W(0x12345678), W(1), W(0), W(0), W(0), W(5) };
	static const uint8_t rpc_mismatch[] = { W(0x80000018), W(0x12345678), W(1), W(1),
						W(0),          W(2),          W(2) };
	static const uint8_t auth_rejected[] = { W(0x80000014), W(0x12345678), W(1), W(1), W(1), W(2) };
	static const uint8_t auth_badcred[] = { W(0x80000014), W(0x12345678), W(1), W(1), W(1), W(1) };

	static const uint8_t c_prog[] = { W(0x12345678), W(0), W(2), W(0x20000001), W(1),
					  W(0),          W(0), W(0), W(0),          W(0) };
	static const uint8_t c_vers[] = { W(0x12345678), W(0), W(2), W(0x2049504c), W(7),
					  W(0),          W(0), W(0), W(0),          W(0) };
	static const uint8_t c_proc[] = { W(0x12345678), W(0), W(2), W(0x2049504c), W(1),
					  W(99),         W(0), W(0), W(0),          W(0) };
	static const uint8_t c_garb[] = { CALL_HEAD(3), W(1) }; /* ADD with one int */
	static const uint8_t c_garb2[] = { CALL_HEAD(1), W(9), 'a', 'b', 'c', 'd' }; /* opaque runs off the end */
	static const uint8_t c_rpcv[] = { W(0x12345678), W(0), W(3) };
	static const uint8_t c_auth[] = { W(0x12345678), W(0), W(2), W(0x2049504c), W(1),
					  W(0),          W(6), W(0), W(0),          W(0) };
	static const uint8_t c_sysbad[] = { W(0x12345678), W(0), W(2), W(0x2049504c), W(1), W(0),
					    W(1),          W(4), W(0), W(0),          W(0) };
	const struct {
		const uint8_t *call;
		size_t clen;
		const uint8_t *want;
		size_t wlen;
	} cases[] = {
		{ c_prog, sizeof c_prog, prog_unavail, sizeof prog_unavail },
		{ c_vers, sizeof c_vers, prog_mismatch, sizeof prog_mismatch },
		{ c_proc, sizeof c_proc, proc_unavail, sizeof proc_unavail },
		{ c_garb, sizeof c_garb, garbage_args, sizeof garbage_args },
		{ c_garb2, sizeof c_garb2, garbage_args, sizeof garbage_args },
		{ c_rpcv, sizeof c_rpcv, rpc_mismatch, sizeof rpc_mismatch },
		{ c_auth, sizeof c_auth, auth_rejected, sizeof auth_rejected },
		{ c_sysbad, sizeof c_sysbad, auth_badcred, sizeof auth_badcred },
	};
	struct ipl_buf out = { 0 };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t olen = 0;
		assert_ok(ipl_rpc_serve_record(cases[i].call, cases[i].clen, 1024, &out, &olen));
		assert_int_equal(olen, cases[i].wlen);
		assert_memory_equal(out.p, cases[i].want, olen);
		/* and the client's decoder reads back what it says */
		struct ipl_xdr_dec d;
		struct ipl_rpc_reply r;
		ipl_xdr_dec_init(&d, out.p + 4, olen - 4);
		assert_ok(ipl_rpc_reply_decode(&d, &r));
		assert_int_equal(r.xid, 0x12345678);
		assert_int_equal(ipl_xdr_left(&d), 0);
	}
	/* SYSTEM_ERR comes from the encoder (the transport's answer to an
	 * exchange ERROR); check it the same way */
	uint8_t buf[IPL_RPC_ERR_REPLY_MAX];
	struct ipl_rpc_reply se = { .stat = IPL_RPC_MSG_ACCEPTED, .accept_stat = IPL_RPC_SYSTEM_ERR };
	size_t n = ipl_rpc_error_record(buf, 0x12345678, &se);
	assert_int_equal(n, sizeof system_err);
	assert_memory_equal(buf, system_err, n);
	ipl_buf_free(&out);
}

static void test_not_a_call(void **state)
{
	(void)state;
	static const uint8_t reply[] = { W(1), W(1), W(0), W(0), W(0), W(0) };
	static const uint8_t shortrec[] = { W(1), W(0), W(2), W(0x2049504c) };
	static const uint8_t badauth[] = { W(1), W(0), W(2), W(0x2049504c), W(1), W(0), W(0), W(401) };
	struct ipl_buf out = { 0 };
	size_t olen = 99;
	assert_err(ipl_rpc_serve_record(reply, sizeof reply, 1024, &out, &olen), IPL_EPROTO);
	assert_int_equal(olen, 0);
	assert_err(ipl_rpc_serve_record(shortrec, sizeof shortrec, 1024, &out, &olen), IPL_EXDR);
	assert_err(ipl_rpc_serve_record(badauth, sizeof badauth, 1024, &out, &olen), IPL_EXDR);
	assert_err(ipl_rpc_serve_record(reply, 0, 1024, &out, &olen), IPL_EXDR);
	ipl_buf_free(&out);
}

static void test_add_sum_batch(void **state)
{
	(void)state;
	struct ipl_buf out = { 0 };
	size_t olen;
	static const uint8_t add[] = { CALL_HEAD(3), W(0x7fffffff), W(1) };
	static const uint8_t add_reply[] = { W(0x8000001c), W(0x12345678), W(1), W(0),
					     W(0),          W(0),          W(0), W(0x80000000) };
	assert_ok(ipl_rpc_serve_record(add, sizeof add, 1024, &out, &olen));
	assert_int_equal(olen, sizeof add_reply);
	assert_memory_equal(out.p, add_reply, olen);

	static const uint8_t sum[] = { CALL_HEAD(4), W(3), W(0x7fffffff), W(0x7fffffff), W(0xfffffffe) };
	static const uint8_t sum_reply[] = { W(0x80000020), W(0x12345678), W(1), W(0),         W(0),
					     W(0),          W(0),          W(0), W(0xfffffffc) };
	assert_ok(ipl_rpc_serve_record(sum, sizeof sum, 1024, &out, &olen));
	assert_int_equal(olen, sizeof sum_reply);
	assert_memory_equal(out.p, sum_reply, olen);

	static const uint8_t batch[] = { CALL_HEAD(5), W(1), 'z', 0, 0, 0 };
	olen = 99;
	assert_ok(ipl_rpc_serve_record(batch, sizeof batch, 1024, &out, &olen));
	assert_int_equal(olen, 0); /* batched: no reply at all */

	/* AUTH_SYS is decoded and accepted */
	struct ipl_rpc_authsys as = { .stamp = 7, .uid = 1000, .gid = 100, .ngids = 2, .gids = { 4, 5 } };
	strcpy(as.machine, "host");
	uint8_t body[IPL_RPC_AUTH_MAX];
	int blen = ipl_rpc_authsys_encode(&as, body, sizeof body);
	assert_int_equal(blen, 4 + 8 + 4 + 4 + 4 + 8);
	uint8_t rec[256];
	struct ipl_xdr_enc x;
	ipl_xdr_enc_init(&x, rec, sizeof rec);
	struct ipl_rpc_call c = { .xid = 0x12345678,
				  .prog = IPL_RPC_PROG,
				  .vers = 1,
				  .proc = 0,
				  .cred = { IPL_RPC_AUTH_SYS, (uint32_t)blen, body } };
	ipl_rpc_call_encode(&x, &c);
	assert_ok(ipl_rpc_serve_record(rec, x.len, 1024, &out, &olen));
	assert_int_equal(olen, 28);
	assert_int_equal(ipl_get_be32(out.p + 24), IPL_RPC_SUCCESS);
	struct ipl_rpc_authsys back;
	assert_ok(ipl_rpc_authsys_decode(&c.cred, &back));
	assert_string_equal(back.machine, "host");
	assert_int_equal(back.uid, 1000);
	assert_int_equal(back.ngids, 2);
	assert_int_equal(back.gids[1], 5);
	ipl_buf_free(&out);
}

static void socketpair_conns(struct ipl_conn **a, struct ipl_conn **b)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	const struct ipl_transport *unix_tp = ipl_transport_find("unix");
	*a = ipl_fdconn_new(unix_tp, sv[0], sv[0]);
	*b = ipl_fdconn_new(unix_tp, sv[1], sv[1]);
	assert_non_null(*a);
	assert_non_null(*b);
}

static void test_multi_fragment(void **state)
{
	(void)state;
	struct ipl_conn *a, *b;
	socketpair_conns(&a, &b);
	/* echo_hello_call's body in fragments of 7 bytes, the last one bit set */
	const uint8_t *body = echo_hello_call + 4;
	size_t blen = sizeof echo_hello_call - 4;
	assert_ok(ipl_rpc_write_record(a, body, blen, 7));
	/* what went on the wire: 8 fragments, 7 x 7 bytes and 1 x 3 */
	uint8_t wire[256];
	size_t want = blen + 4 * 8;
	assert_ok(ipl_conn_read_full(b, wire, want));
	assert_int_equal(ipl_get_be32(wire), 7);
	assert_int_equal(ipl_get_be32(wire + 11), 7);
	assert_int_equal(ipl_get_be32(wire + 7 * 11), 0x80000003u);
	assert_memory_equal(wire + 4, body, 7);

	/* reassembly, with an empty fragment in the middle */
	uint8_t frags[128];
	size_t n = 0;
	ipl_put_be32(frags + n, 10), n += 4;
	memcpy(frags + n, body, 10), n += 10;
	ipl_put_be32(frags + n, 0), n += 4; /* empty, not last */
	ipl_put_be32(frags + n, ipl_rm_word((uint32_t)(blen - 10), 1)), n += 4;
	memcpy(frags + n, body + 10, blen - 10), n += blen - 10;
	assert_int_equal(write(ipl_fdconn_rfd(a), frags, n), (ssize_t)n);
	struct ipl_buf rec = { 0 };
	size_t rlen;
	assert_ok(ipl_rpc_read_record(b, 1024, &rec, &rlen));
	assert_int_equal(rlen, blen);
	assert_memory_equal(rec.p, body, blen);

	/* an empty last fragment ends a record too */
	n = 0;
	ipl_put_be32(frags + n, 4), n += 4;
	memcpy(frags + n, "abcd", 4), n += 4;
	ipl_put_be32(frags + n, IPL_RM_LAST), n += 4;
	assert_int_equal(write(ipl_fdconn_rfd(a), frags, n), (ssize_t)n);
	assert_ok(ipl_rpc_read_record(b, 1024, &rec, &rlen));
	assert_int_equal(rlen, 4);

	/* a record over the cap is refused before it is stored */
	ipl_put_be32(frags, ipl_rm_word(0x7ffffff0, 1));
	assert_int_equal(write(ipl_fdconn_rfd(a), frags, 4), 4);
	assert_err(ipl_rpc_read_record(b, 1024, &rec, &rlen), IPL_ETOOBIG);

	/* EOF at a boundary, and EOF mid-record */
	ipl_conn_detach(a);
	assert_err(ipl_rpc_read_record(b, 1024, &rec, &rlen), IPL_ECLOSED);
	ipl_conn_detach(b);
	socketpair_conns(&a, &b);
	ipl_put_be32(frags, 8);
	assert_int_equal(write(ipl_fdconn_rfd(a), frags, 6), 6);
	ipl_conn_detach(a);
	assert_err(ipl_rpc_read_record(b, 1024, &rec, &rlen), IPL_ETRUNC);
	ipl_conn_detach(b);
	/* EOF right after a whole fragment that was not the last: the next
	 * header is missing, so the record is cut, not cleanly ended */
	socketpair_conns(&a, &b);
	ipl_put_be32(frags, 2);
	memcpy(frags + 4, "xy", 2);
	assert_int_equal(write(ipl_fdconn_rfd(a), frags, 6), 6);
	ipl_conn_detach(a);
	assert_err(ipl_rpc_read_record(b, 1024, &rec, &rlen), IPL_ETRUNC);
	ipl_conn_detach(b);
	ipl_buf_free(&rec);
}

/* The streaming reader under rpc's transport: reads cross fragment headers
 * and skip empty fragments, finish discards the rest of a record, a read
 * past the record's end is IPL_EPROTO, and a record over the cap is refused
 * at the header that passes it. */
static void test_rm_reader(void **state)
{
	(void)state;
	static const uint8_t in[] = { W(3), 'a', 'b',           'c', W(0), W(0), W(0x80000002),
				      'd',  'e', W(0x80000004), 'w', 'x',  'y',  'z' };
	struct ipl_conn *a, *b;
	struct ipl_rm_reader r;
	uint8_t buf[8];
	int last;
	assert_int_equal(ipl_rm_parse(in + 15, &last), 2);
	assert_int_equal(last, 1);
	assert_int_equal(ipl_rm_parse((const uint8_t[]){ W(0x7fffffff) }, &last), IPL_RM_LEN);
	assert_int_equal(last, 0);

	socketpair_conns(&a, &b);
	assert_int_equal(write(ipl_fdconn_rfd(a), in, sizeof in), (ssize_t)sizeof in);
	ipl_rm_init(&r, 16);
	assert_int_equal(ipl_rm_read(&r, b, buf, 4), 0);
	assert_memory_equal(buf, "abcd", 4);
	assert_int_equal(ipl_rm_finish(&r, b, NULL, NULL), 0); /* drops "e" */
	assert_int_equal(r.in_rec, 0);
	assert_int_equal(ipl_rm_read(&r, b, buf, 4), 0);
	assert_memory_equal(buf, "wxyz", 4);
	assert_err(ipl_rm_read(&r, b, buf, 1), IPL_EPROTO);

	/* 6 + 3 > 8: the second header is refused, its bytes left unread */
	ipl_rm_init(&r, 8);
	uint8_t over[] = { W(6), 1, 2, 3, 4, 5, 6, W(0x80000003), 7, 8, 9 };
	assert_int_equal(write(ipl_fdconn_rfd(a), over, sizeof over), (ssize_t)sizeof over);
	assert_int_equal(ipl_rm_read(&r, b, buf, 6), 0);
	assert_err(ipl_rm_read(&r, b, buf, 1), IPL_ETOOBIG);

	/* EOF: at a boundary a clean end, inside a record a truncation */
	ipl_conn_detach(a);
	ipl_conn_detach(b);
	socketpair_conns(&a, &b);
	ipl_rm_init(&r, 8);
	assert_int_equal(write(ipl_fdconn_rfd(a), (const uint8_t[]){ W(4), 'q' }, 5), 5);
	ipl_conn_detach(a);
	assert_int_equal(ipl_rm_read(&r, b, buf, 1), 0);
	assert_err(ipl_rm_finish(&r, b, NULL, NULL), IPL_ETRUNC);
	ipl_rm_init(&r, 8);
	assert_err(ipl_rm_read(&r, b, buf, 1), IPL_ECLOSED);
	ipl_conn_detach(b);
}

/* The client stub's marshalling, as the bytes reach the socket; the reply
 * is queued first so the stub's wait returns at once. */
static void test_client_stub_bytes(void **state)
{
	(void)state;
	struct ipl_conn *a, *b;
	socketpair_conns(&a, &b);
	struct ipl_rpc_clnt cl;
	ipl_rpc_clnt_init(&cl, a, 1024);
	cl.xid = 0x12345678;
	/* a stale reply (other xid) first: it must be skipped */
	static const uint8_t stale[] = { W(0x8000001c), W(0x11111111), W(1), W(0), W(0), W(0), W(0), W(5) };
	assert_int_equal(write(ipl_fdconn_rfd(b), stale, sizeof stale), (ssize_t)sizeof stale);
	assert_int_equal(write(ipl_fdconn_rfd(b), echo_hello_reply, sizeof echo_hello_reply),
			 (ssize_t)sizeof echo_hello_reply);
	uint8_t got[16];
	uint32_t glen;
	assert_ok(ipl_rpc_echo(&cl, "hello", 5, got, sizeof got, &glen));
	assert_int_equal(glen, 5);
	assert_memory_equal(got, "hello", 5);
	uint8_t wire[sizeof echo_hello_call];
	assert_ok(ipl_conn_read_full(b, wire, sizeof wire));
	assert_memory_equal(wire, echo_hello_call, sizeof wire);

	/* an error reply surfaces as IPL_ERPC with the status in cl.last */
	static const uint8_t pu[] = { W(0x80000018), W(0x12345679), W(1), W(0), W(0), W(0), W(1) };
	assert_int_equal(write(ipl_fdconn_rfd(b), pu, sizeof pu), (ssize_t)sizeof pu);
	assert_err(ipl_rpc_null(&cl), IPL_ERPC);
	assert_int_equal(cl.last.accept_stat, IPL_RPC_PROG_UNAVAIL);
	assert_ok(ipl_conn_read_full(b, wire, sizeof null_call));
	uint8_t nc[sizeof null_call];
	memcpy(nc, null_call, sizeof nc);
	ipl_put_be32(nc + 4, 0x12345679);
	assert_memory_equal(wire, nc, sizeof nc);

	/* results that do not decode: IPL_EXDR (ADD reply with no int) */
	static const uint8_t shortres[] = { W(0x80000018), W(0x1234567a), W(1), W(0), W(0), W(0), W(0) };
	assert_int_equal(write(ipl_fdconn_rfd(b), shortres, sizeof shortres), (ssize_t)sizeof shortres);
	int32_t s;
	assert_err(ipl_rpc_add(&cl, 1, 2, &s), IPL_EXDR);
	ipl_rpc_clnt_free(&cl);
	ipl_conn_detach(a);
	ipl_conn_detach(b);
}


static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* Mutated and truncated calls: the server stubs answer or refuse, never
 * read past the record (each runs on an exact-size heap copy for ASan). */
static void test_fuzz_serve_record(void **state)
{
	(void)state;
	static const uint8_t sum[] = { CALL_HEAD(4), W(3), W(1), W(2), W(3) };
	static const uint8_t add[] = { CALL_HEAD(3), W(1), W(2) };
	const struct {
		const uint8_t *p;
		size_t n;
	} seeds[] = {
		{ echo_hello_call + 4, sizeof echo_hello_call - 4 },
		{ null_call + 4, sizeof null_call - 4 },
		{ sum, sizeof sum },
		{ add, sizeof add },
	};
	struct ipl_buf out = { 0 };
	for (int i = 0; i < 20000; i++) {
		size_t k = rnd() % 4;
		size_t n = seeds[k].n;
		uint8_t *rec = malloc(n);
		memcpy(rec, seeds[k].p, n);
		int flips = 1 + (int)(rnd() % 4);
		for (int f = 0; f < flips; f++) {
			size_t at = rnd() % n;
			rec[at] = (rnd() & 1) ? (uint8_t)rnd() : (uint8_t)(rec[at] ^ 0x80);
		}
		size_t len = (rnd() % 3) ? n : rnd() % (n + 1);
		uint8_t *exact = malloc(len ? len : 1);
		memcpy(exact, rec, len);
		size_t olen = 0;
		int rc = ipl_rpc_serve_record(exact, len, 64, &out, &olen);
		assert_true(rc == 0 || rc == IPL_EPROTO || rc == IPL_EXDR);
		if (rc == 0 && olen) {
			struct ipl_xdr_dec d;
			struct ipl_rpc_reply r;
			assert_int_equal(ipl_get_be32(out.p), ipl_rm_word((uint32_t)(olen - 4), 1));
			ipl_xdr_dec_init(&d, out.p + 4, olen - 4);
			assert_ok(ipl_rpc_reply_decode(&d, &r));
			assert_int_equal(r.xid, ipl_get_be32(exact));
		}
		free(exact);
		free(rec);
	}
	ipl_buf_free(&out);
}

int main(void)
{
	alarm(300); /* a hang fails instead of stalling (a safety net) */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_call_bytes),   cmocka_unit_test(test_echo_hello_bytes),
		cmocka_unit_test(test_error_replies),     cmocka_unit_test(test_not_a_call),
		cmocka_unit_test(test_add_sum_batch),     cmocka_unit_test(test_multi_fragment),
		cmocka_unit_test(test_rm_reader),         cmocka_unit_test(test_client_stub_bytes),
		cmocka_unit_test(test_fuzz_serve_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
