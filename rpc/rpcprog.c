/* rpcprog.c - the ipclab RPC program: client stubs, server stubs and the
 * procedures themselves.  Read it top to bottom beside the steps in
 * rpcprog.h: a client stub marshals, call_finish() hands the record to the
 * kernel and waits, ipl_rpc_serve_record() finds the server stub in the
 * dispatch table, the stub unmarshals, runs the procedure and marshals the
 * result. */
#include "rpc/rpcprog.h"

#include "common/bytes.h"
#include "common/err.h"

#include <errno.h>
#include <string.h>

/* ======================= the procedures ================================= */
/* Plain C functions: the programmer writes these, unaware of the network. */

static int32_t proc_add(int32_t a, int32_t b)
{
	return (int32_t)((uint32_t)a + (uint32_t)b); /* wraps, without UB */
}

/* Not idempotent: each run changes the state, so a call run twice (a
 * retransmission without a duplicate-request cache) returns a skip. */
static int32_t proc_incr(struct ipl_rpc_client_state *st)
{
	st->counter++;
	return (int32_t)st->counter;
}

static int64_t proc_sum(const int32_t *v, uint32_t n)
{
	int64_t s = 0; /* 2^20 ints cannot overflow 64 bits */
	for (uint32_t i = 0; i < n; i++)
		s += v[i];
	return s;
}

/* ======================= client side =================================== */

void ipl_rpc_clnt_init(struct ipl_rpc_clnt *cl, struct ipl_conn *conn, uint32_t cap)
{
	memset(cl, 0, sizeof *cl);
	cl->conn = conn;
	cl->prog = IPL_RPC_PROG;
	cl->vers = IPL_RPC_PROG_VERS;
	cl->xid = 0x1000u;
	cl->cap = cap ? cap : IPL_DEFAULT_CAP;
	cl->cred.flavor = IPL_RPC_AUTH_NONE;
}

void ipl_rpc_clnt_free(struct ipl_rpc_clnt *cl)
{
	ipl_buf_free(&cl->tx);
	ipl_buf_free(&cl->rx);
}

/* Step 2a: starts a CALL record in cl->tx with room for argbytes of
 * arguments; the stub then marshals them with x. */
static int call_begin(struct ipl_rpc_clnt *cl, uint32_t proc, size_t argbytes, struct ipl_xdr_enc *x)
{
	size_t need = IPL_RPC_OVERHEAD + argbytes + 4;
	int rc = ipl_buf_reserve(&cl->tx, need);
	if (rc < 0)
		return rc;
	ipl_xdr_enc_init(x, cl->tx.p, need);
	ipl_xdr_put_u32(x, 0); /* the record mark, filled in by call_finish */
	struct ipl_rpc_call call = {
		.xid = cl->xid++,
		.prog = cl->prog,
		.vers = cl->vers,
		.proc = proc,
		.cred = cl->cred,
		.verf = { .flavor = IPL_RPC_AUTH_NONE },
	};
	ipl_rpc_call_encode(x, &call);
	return x->err;
}

/* Step 3 and 6a over a datagram carrier: one datagram, no record mark;
 * rpcdgram.c retransmits while waiting; a reply to another xid is stale
 * (or malformed) and dropped. */
static int dg_finish(struct ipl_rpc_clnt *cl, struct ipl_xdr_enc *x, uint32_t xid, int want_reply,
		     struct ipl_xdr_dec *res)
{
	struct iovec iov = { x->p + 4, x->len - 4 };
	int rc = ipl_rpc_dg_send(cl->dg, cl->conn, &iov, 1, xid, want_reply);
	if (rc < 0 || !want_reply)
		return rc;
	for (;;) {
		uint8_t first;
		if ((rc = ipl_rpc_dg_read(cl->dg, cl->conn, &first, 0)) < 0 && rc != IPL_EXDR)
			return rc;
		const uint8_t *p = cl->dg->in.p + cl->dg->in_off;
		size_t n = cl->dg->in_len - cl->dg->in_off;
		if (rc == 0 && ipl_buf_reserve(&cl->rx, n) == 0) {
			memcpy(cl->rx.p, p, n);
			cl->rxlen = n;
			ipl_xdr_dec_init(res, cl->rx.p, n);
			if (ipl_rpc_reply_decode(res, &cl->last) == 0 && cl->last.xid == xid &&
			    ipl_rpc_dg_answered(cl->dg, xid))
				break;
		}
		ipl_rpc_dg_finish(cl->dg, NULL, NULL);
	}
	ipl_rpc_dg_finish(cl->dg, NULL, NULL);
	if (cl->last.stat != IPL_RPC_MSG_ACCEPTED || cl->last.accept_stat != IPL_RPC_SUCCESS)
		return IPL_ERPC;
	return 0;
}

/* Step 3 and 6a: sends the record, waits for the reply with the same xid
 * (others are stale: dropped, as RFC 5531 lets a client do) and checks its
 * status.  On 0, *res is positioned at the results. */
static int call_finish(struct ipl_rpc_clnt *cl, struct ipl_xdr_enc *x, int want_reply, struct ipl_xdr_dec *res)
{
	if (x->err)
		return x->err;
	uint32_t xid = ipl_get_be32(x->p + 4);
	if (cl->dg)
		return dg_finish(cl, x, xid, want_reply, res);
	ipl_put_be32(x->p, ipl_rm_word((uint32_t)(x->len - 4), 1));
	struct iovec iov = { x->p, x->len };
	int rc = ipl_conn_send(cl->conn, &iov, 1);
	if (rc < 0 || !want_reply)
		return rc;
	for (;;) {
		rc = ipl_rpc_read_record(cl->conn, cl->cap + IPL_RPC_OVERHEAD, &cl->rx, &cl->rxlen);
		if (rc < 0)
			return rc;
		ipl_xdr_dec_init(res, cl->rx.p, cl->rxlen);
		rc = ipl_rpc_reply_decode(res, &cl->last);
		if (rc < 0)
			return rc;
		if (cl->last.xid == xid)
			break;
	}
	if (cl->last.stat != IPL_RPC_MSG_ACCEPTED || cl->last.accept_stat != IPL_RPC_SUCCESS)
		return IPL_ERPC;
	return 0;
}

/* Step 6b: the results must be exactly what was decoded, nothing more. */
static int results_done(struct ipl_xdr_dec *res)
{
	return res->err || ipl_xdr_left(res) ? IPL_EXDR : 0;
}

int ipl_rpc_call_raw(struct ipl_rpc_clnt *cl, uint32_t proc, const void *args, size_t alen,
		     struct ipl_xdr_dec *res)
{
	struct ipl_xdr_enc x;
	int rc = call_begin(cl, proc, alen, &x);
	if (rc == 0) {
		ipl_xdr_put_fixed(&x, args, alen);
		rc = call_finish(cl, &x, 1, res);
	}
	return rc;
}

int ipl_rpc_null(struct ipl_rpc_clnt *cl)
{
	struct ipl_xdr_enc args;
	struct ipl_xdr_dec res;
	int rc = call_begin(cl, IPL_RPC_PROC_NULL, 0, &args); /* no arguments */
	if (rc == 0)
		rc = call_finish(cl, &args, 1, &res);
	return rc ? rc : results_done(&res); /* no results */
}

int ipl_rpc_echo(struct ipl_rpc_clnt *cl, const void *in, uint32_t len, void *out, uint32_t outcap,
		 uint32_t *outlen)
{
	struct ipl_xdr_enc args;
	struct ipl_xdr_dec res;
	int rc = call_begin(cl, IPL_RPC_PROC_ECHO, (size_t)len + 4, &args);
	if (rc < 0)
		return rc;
	ipl_xdr_put_opaque(&args, in, len); /* marshal: opaque<> */
	rc = call_finish(cl, &args, 1, &res);
	if (rc < 0)
		return rc;
	uint32_t n;
	const uint8_t *p = ipl_xdr_get_opaque(&res, outcap, &n); /* unmarshal */
	if (p && n)
		memcpy(out, p, n);
	*outlen = n;
	return results_done(&res);
}

int ipl_rpc_sink(struct ipl_rpc_clnt *cl, const void *in, uint32_t len)
{
	struct ipl_xdr_enc args;
	struct ipl_xdr_dec res;
	int rc = call_begin(cl, IPL_RPC_PROC_SINK, (size_t)len + 4, &args);
	if (rc < 0)
		return rc;
	ipl_xdr_put_opaque(&args, in, len);
	rc = call_finish(cl, &args, 1, &res);
	return rc ? rc : results_done(&res);
}

int ipl_rpc_sink_batch(struct ipl_rpc_clnt *cl, const void *in, uint32_t len)
{
	struct ipl_xdr_enc args;
	int rc = call_begin(cl, IPL_RPC_PROC_SINK_BATCH, (size_t)len + 4, &args);
	if (rc < 0)
		return rc;
	ipl_xdr_put_opaque(&args, in, len);
	return call_finish(cl, &args, 0, NULL);
}

int ipl_rpc_add(struct ipl_rpc_clnt *cl, int32_t a, int32_t b, int32_t *sum)
{
	struct ipl_xdr_enc args;
	struct ipl_xdr_dec res;
	int rc = call_begin(cl, IPL_RPC_PROC_ADD, 8, &args);
	if (rc < 0)
		return rc;
	ipl_xdr_put_i32(&args, a); /* marshal: int, int */
	ipl_xdr_put_i32(&args, b);
	rc = call_finish(cl, &args, 1, &res);
	if (rc < 0)
		return rc;
	*sum = ipl_xdr_get_i32(&res); /* unmarshal: int */
	return results_done(&res);
}

int ipl_rpc_sum(struct ipl_rpc_clnt *cl, const int32_t *v, uint32_t n, int64_t *sum)
{
	struct ipl_xdr_enc args;
	struct ipl_xdr_dec res;
	int rc = call_begin(cl, IPL_RPC_PROC_SUM, 4 + (size_t)n * 4, &args);
	if (rc < 0)
		return rc;
	ipl_xdr_put_u32(&args, n); /* marshal: int<> */
	for (uint32_t i = 0; i < n; i++)
		ipl_xdr_put_i32(&args, v[i]);
	rc = call_finish(cl, &args, 1, &res);
	if (rc < 0)
		return rc;
	*sum = ipl_xdr_get_i64(&res); /* unmarshal: hyper */
	return results_done(&res);
}

int ipl_rpc_incr(struct ipl_rpc_clnt *cl, int32_t *val)
{
	struct ipl_xdr_enc args;
	struct ipl_xdr_dec res;
	int rc = call_begin(cl, IPL_RPC_PROC_INCR, 0, &args); /* no arguments */
	if (rc == 0)
		rc = call_finish(cl, &args, 1, &res);
	if (rc < 0)
		return rc;
	*val = ipl_xdr_get_i32(&res); /* unmarshal: int */
	return results_done(&res);
}

/* ======================= server side =================================== */

/* A server stub: unmarshals args, calls the procedure, marshals the result.
 * Returns 0, IPL_EXDR for arguments that do not decode (GARBAGE_ARGS) or
 * -ENOMEM (SYSTEM_ERR). */
typedef int (*server_stub)(struct ipl_xdr_dec *args, uint32_t cap, struct ipl_rpc_client_state *st,
			   struct ipl_xdr_enc *res);

/* Arguments must be consumed exactly: leftovers mean a confused caller. */
static int args_done(struct ipl_xdr_dec *args)
{
	return args->err || ipl_xdr_left(args) ? IPL_EXDR : 0;
}

static int stub_null(struct ipl_xdr_dec *args, uint32_t cap, struct ipl_rpc_client_state *st,
			 struct ipl_xdr_enc *res)
{
	(void)st;
	(void)cap;
	(void)res;
	return args_done(args);
}

static int stub_echo(struct ipl_xdr_dec *args, uint32_t cap, struct ipl_rpc_client_state *st,
			 struct ipl_xdr_enc *res)
{
	(void)st;
	uint32_t n;
	const uint8_t *p = ipl_xdr_get_opaque(args, cap, &n);
	int rc = args_done(args);
	if (rc == 0)
		ipl_xdr_put_opaque(res, p, n); /* the procedure is the identity */
	return rc;
}

static int stub_sink(struct ipl_xdr_dec *args, uint32_t cap, struct ipl_rpc_client_state *st,
			 struct ipl_xdr_enc *res)
{
	(void)st;
	(void)res;
	uint32_t n;
	ipl_xdr_get_opaque(args, cap, &n); /* consumed and dropped */
	return args_done(args);
}

static int stub_add(struct ipl_xdr_dec *args, uint32_t cap, struct ipl_rpc_client_state *st,
			 struct ipl_xdr_enc *res)
{
	(void)st;
	(void)cap;
	int32_t a = ipl_xdr_get_i32(args);
	int32_t b = ipl_xdr_get_i32(args);
	int rc = args_done(args);
	if (rc == 0)
		ipl_xdr_put_i32(res, proc_add(a, b));
	return rc;
}

static int stub_sum(struct ipl_xdr_dec *args, uint32_t cap, struct ipl_rpc_client_state *st,
			 struct ipl_xdr_enc *res)
{
	(void)st;
	(void)cap;
	/* count checked against the bytes present before it sizes anything */
	uint32_t n = ipl_xdr_get_count(args, IPL_RPC_SUM_MAX, 4);
	int64_t s = 0;
	if (!args->err) {
		/* decoded in place, in chunks: no allocation sized by the caller */
		int32_t chunk[256];
		for (uint32_t i = 0; i < n;) {
			uint32_t k = n - i < 256 ? n - i : 256;
			for (uint32_t j = 0; j < k; j++)
				chunk[j] = ipl_xdr_get_i32(args);
			s += proc_sum(chunk, k);
			i += k;
		}
	}
	int rc = args_done(args);
	if (rc == 0)
		ipl_xdr_put_i64(res, s);
	return rc;
}

static int stub_incr(struct ipl_xdr_dec *args, uint32_t cap, struct ipl_rpc_client_state *st,
		     struct ipl_xdr_enc *res)
{
	(void)cap;
	int rc = args_done(args);
	if (rc == 0 && !st)
		rc = -EINVAL; /* nobody to count for: SYSTEM_ERR */
	if (rc == 0)
		ipl_xdr_put_i32(res, proc_incr(st));
	return rc;
}

/* The dispatch table: procedure number -> server stub.  A hole is
 * PROC_UNAVAIL.  `reply` is 0 for batched procedures. */
static const struct {
	const char *name;
	server_stub stub;
	int reply;
} dispatch[IPL_RPC_NPROCS] = {
	[IPL_RPC_PROC_NULL] = { "NULL", stub_null, 1 },
	[IPL_RPC_PROC_ECHO] = { "ECHO", stub_echo, 1 },
	[IPL_RPC_PROC_SINK] = { "SINK", stub_sink, 1 },
	[IPL_RPC_PROC_ADD] = { "ADD", stub_add, 1 },
	[IPL_RPC_PROC_SUM] = { "SUM", stub_sum, 1 },
	[IPL_RPC_PROC_SINK_BATCH] = { "SINK_BATCH", stub_sink, 0 },
	[IPL_RPC_PROC_INCR] = { "INCR", stub_incr, 1 },
};

const char *ipl_rpc_proc_name(uint32_t proc)
{
	return proc < IPL_RPC_NPROCS ? dispatch[proc].name : NULL;
}

size_t ipl_rpc_error_record(uint8_t *out, uint32_t xid, const struct ipl_rpc_reply *r)
{
	struct ipl_xdr_enc x;
	struct ipl_rpc_reply rr = *r;
	rr.xid = xid;
	ipl_xdr_enc_init(&x, out, IPL_RPC_ERR_REPLY_MAX);
	ipl_xdr_put_u32(&x, 0);
	ipl_rpc_reply_encode(&x, &rr);
	ipl_put_be32(out, ipl_rm_word((uint32_t)(x.len - 4), 1));
	return x.len;
}

/* Checks the credential: AUTH_NONE, or a well-formed AUTH_SYS (decoded and
 * accepted: ipclab grants every caller the same).  Verifier: AUTH_NONE. */
static uint32_t check_auth(const struct ipl_rpc_call *c)
{
	if (c->cred.flavor == IPL_RPC_AUTH_SYS) {
		struct ipl_rpc_authsys sys;
		if (ipl_rpc_authsys_decode(&c->cred, &sys) < 0)
			return IPL_RPC_AUTH_BADCRED;
	} else if (c->cred.flavor != IPL_RPC_AUTH_NONE) {
		return IPL_RPC_AUTH_REJECTEDCRED; /* a flavor we do not speak */
	}
	if (c->verf.flavor != IPL_RPC_AUTH_NONE)
		return IPL_RPC_AUTH_BADVERF;
	return IPL_RPC_AUTH_OK;
}

int ipl_rpc_serve_record(const uint8_t *rec, size_t len, uint32_t cap, struct ipl_buf *out, size_t *outlen)
{
	return ipl_rpc_serve_call(rec, len, cap, NULL, out, outlen);
}

int ipl_rpc_serve_call(const uint8_t *rec, size_t len, uint32_t cap, struct ipl_rpc_client_state *st,
		       struct ipl_buf *out, size_t *outlen)
{
	struct ipl_xdr_dec args;
	struct ipl_rpc_call call;
	struct ipl_rpc_reply r = { .stat = IPL_RPC_MSG_ACCEPTED };
	*outlen = 0;
	ipl_xdr_dec_init(&args, rec, len);
	int rc = ipl_rpc_call_decode(&args, &call);
	if (rc < 0)
		return rc;
	rc = ipl_buf_reserve(out, IPL_RPC_ERR_REPLY_MAX);
	if (rc < 0)
		return rc;

	if (call.rpcvers != IPL_RPC_VERS) {
		r.stat = IPL_RPC_MSG_DENIED;
		r.reject_stat = IPL_RPC_RPC_MISMATCH;
		r.low = r.high = IPL_RPC_VERS;
	} else if ((r.auth_stat = check_auth(&call)) != IPL_RPC_AUTH_OK) {
		r.stat = IPL_RPC_MSG_DENIED;
		r.reject_stat = IPL_RPC_AUTH_ERROR;
	} else if (call.prog != IPL_RPC_PROG) {
		r.accept_stat = IPL_RPC_PROG_UNAVAIL;
	} else if (call.vers != IPL_RPC_PROG_VERS) {
		r.accept_stat = IPL_RPC_PROG_MISMATCH;
		r.low = r.high = IPL_RPC_PROG_VERS;
	} else if (call.proc >= IPL_RPC_NPROCS || !dispatch[call.proc].stub) {
		r.accept_stat = IPL_RPC_PROC_UNAVAIL;
	} else {
		/* results are at most the args (ECHO) plus the reply header */
		rc = ipl_buf_reserve(out, IPL_RPC_ERR_REPLY_MAX + len);
		if (rc < 0) {
			r.accept_stat = IPL_RPC_SYSTEM_ERR;
			goto error;
		}
		struct ipl_xdr_enc res;
		ipl_xdr_enc_init(&res, out->p, IPL_RPC_ERR_REPLY_MAX + len);
		ipl_xdr_put_u32(&res, 0);
		r.xid = call.xid;
		ipl_rpc_reply_encode(&res, &r);
		rc = dispatch[call.proc].stub(&args, cap, st, &res);
		if (rc == 0 && res.err)
			rc = res.err;
		if (rc == IPL_EXDR) {
			r.accept_stat = IPL_RPC_GARBAGE_ARGS;
		} else if (rc < 0) {
			r.accept_stat = IPL_RPC_SYSTEM_ERR;
		} else {
			if (!dispatch[call.proc].reply)
				return 0;
			ipl_put_be32(out->p, ipl_rm_word((uint32_t)(res.len - 4), 1));
			*outlen = res.len;
			return 0;
		}
	}
error:
	*outlen = ipl_rpc_error_record(out->p, call.xid, &r);
	return 0;
}
