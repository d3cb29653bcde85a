/* rpcmsg.c - see rpcmsg.h. */
#include "rpc/rpcmsg.h"

#include "common/err.h"

#include <string.h>

static void put_auth(struct ipl_xdr_enc *x, const struct ipl_rpc_auth *a)
{
	ipl_xdr_put_u32(x, a->flavor);
	ipl_xdr_put_opaque(x, a->body, a->len);
}

static void get_auth(struct ipl_xdr_dec *x, struct ipl_rpc_auth *a)
{
	a->flavor = ipl_xdr_get_u32(x);
	a->body = ipl_xdr_get_opaque(x, IPL_RPC_AUTH_MAX, &a->len);
}

void ipl_rpc_call_encode(struct ipl_xdr_enc *x, const struct ipl_rpc_call *c)
{
	ipl_xdr_put_u32(x, c->xid);
	ipl_xdr_put_u32(x, IPL_RPC_CALL);
	ipl_xdr_put_u32(x, c->rpcvers ? c->rpcvers : IPL_RPC_VERS);
	ipl_xdr_put_u32(x, c->prog);
	ipl_xdr_put_u32(x, c->vers);
	ipl_xdr_put_u32(x, c->proc);
	put_auth(x, &c->cred);
	put_auth(x, &c->verf);
}

void ipl_rpc_reply_encode(struct ipl_xdr_enc *x, const struct ipl_rpc_reply *r)
{
	ipl_xdr_put_u32(x, r->xid);
	ipl_xdr_put_u32(x, IPL_RPC_REPLY);
	ipl_xdr_put_u32(x, r->stat);
	if (r->stat == IPL_RPC_MSG_ACCEPTED) {
		put_auth(x, &r->verf);
		ipl_xdr_put_u32(x, r->accept_stat);
		if (r->accept_stat == IPL_RPC_PROG_MISMATCH) {
			ipl_xdr_put_u32(x, r->low);
			ipl_xdr_put_u32(x, r->high);
		}
	} else {
		ipl_xdr_put_u32(x, r->reject_stat);
		if (r->reject_stat == IPL_RPC_RPC_MISMATCH) {
			ipl_xdr_put_u32(x, r->low);
			ipl_xdr_put_u32(x, r->high);
		} else {
			ipl_xdr_put_u32(x, r->auth_stat);
		}
	}
}

int ipl_rpc_call_decode(struct ipl_xdr_dec *x, struct ipl_rpc_call *c)
{
	memset(c, 0, sizeof *c);
	c->xid = ipl_xdr_get_u32(x);
	uint32_t mtype = ipl_xdr_get_u32(x);
	if (x->err)
		return IPL_EXDR;
	if (mtype != IPL_RPC_CALL)
		return IPL_EPROTO;
	c->rpcvers = ipl_xdr_get_u32(x);
	if (x->err)
		return IPL_EXDR;
	if (c->rpcvers != IPL_RPC_VERS)
		return 0; /* the rest may be laid out differently: do not read it */
	c->prog = ipl_xdr_get_u32(x);
	c->vers = ipl_xdr_get_u32(x);
	c->proc = ipl_xdr_get_u32(x);
	get_auth(x, &c->cred);
	get_auth(x, &c->verf);
	return x->err ? IPL_EXDR : 0;
}

int ipl_rpc_reply_decode(struct ipl_xdr_dec *x, struct ipl_rpc_reply *r)
{
	memset(r, 0, sizeof *r);
	r->xid = ipl_xdr_get_u32(x);
	uint32_t mtype = ipl_xdr_get_u32(x);
	r->stat = ipl_xdr_get_u32(x);
	if (x->err)
		return IPL_EXDR;
	if (mtype != IPL_RPC_REPLY)
		return IPL_EPROTO;
	if (r->stat == IPL_RPC_MSG_ACCEPTED) {
		get_auth(x, &r->verf);
		r->accept_stat = ipl_xdr_get_u32(x);
		if (x->err)
			return IPL_EXDR;
		if (r->accept_stat > IPL_RPC_SYSTEM_ERR)
			return IPL_EPROTO;
		if (r->accept_stat == IPL_RPC_PROG_MISMATCH) {
			r->low = ipl_xdr_get_u32(x);
			r->high = ipl_xdr_get_u32(x);
		}
	} else if (r->stat == IPL_RPC_MSG_DENIED) {
		r->reject_stat = ipl_xdr_get_u32(x);
		if (x->err)
			return IPL_EXDR;
		if (r->reject_stat == IPL_RPC_RPC_MISMATCH) {
			r->low = ipl_xdr_get_u32(x);
			r->high = ipl_xdr_get_u32(x);
		} else if (r->reject_stat == IPL_RPC_AUTH_ERROR) {
			r->auth_stat = ipl_xdr_get_u32(x);
		} else {
			return IPL_EPROTO;
		}
	} else {
		return IPL_EPROTO;
	}
	return x->err ? IPL_EXDR : 0;
}

int ipl_rpc_authsys_decode(const struct ipl_rpc_auth *cred, struct ipl_rpc_authsys *out)
{
	struct ipl_xdr_dec x;
	memset(out, 0, sizeof *out);
	if (cred->flavor != IPL_RPC_AUTH_SYS)
		return IPL_EXDR;
	ipl_xdr_dec_init(&x, cred->body, cred->len);
	out->stamp = ipl_xdr_get_u32(&x);
	ipl_xdr_get_string(&x, IPL_RPC_MACHINE_MAX, out->machine, sizeof out->machine);
	out->uid = ipl_xdr_get_u32(&x);
	out->gid = ipl_xdr_get_u32(&x);
	out->ngids = ipl_xdr_get_count(&x, IPL_RPC_GIDS_MAX, 4);
	for (uint32_t i = 0; i < out->ngids; i++)
		out->gids[i] = ipl_xdr_get_u32(&x);
	/* the body must be exactly the parameters: trailing bytes are garbage */
	if (x.err || ipl_xdr_left(&x))
		return IPL_EXDR;
	return 0;
}

int ipl_rpc_authsys_encode(const struct ipl_rpc_authsys *a, uint8_t *buf, size_t cap)
{
	struct ipl_xdr_enc x;
	ipl_xdr_enc_init(&x, buf, cap);
	if (a->ngids > IPL_RPC_GIDS_MAX || strlen(a->machine) > IPL_RPC_MACHINE_MAX)
		return IPL_EXDR;
	ipl_xdr_put_u32(&x, a->stamp);
	ipl_xdr_put_string(&x, a->machine);
	ipl_xdr_put_u32(&x, a->uid);
	ipl_xdr_put_u32(&x, a->gid);
	ipl_xdr_put_u32(&x, a->ngids);
	for (uint32_t i = 0; i < a->ngids; i++)
		ipl_xdr_put_u32(&x, a->gids[i]);
	return x.err ? x.err : (int)x.len;
}

const char *ipl_rpc_reply_text(const struct ipl_rpc_reply *r)
{
	if (r->stat == IPL_RPC_MSG_DENIED)
		return r->reject_stat == IPL_RPC_RPC_MISMATCH ? "RPC version mismatch" : "authentication error";
	switch (r->accept_stat) {
	case IPL_RPC_SUCCESS: return "success";
	case IPL_RPC_PROG_UNAVAIL: return "program unavailable";
	case IPL_RPC_PROG_MISMATCH: return "program version mismatch";
	case IPL_RPC_PROC_UNAVAIL: return "procedure unavailable";
	case IPL_RPC_GARBAGE_ARGS: return "server cannot decode the arguments";
	case IPL_RPC_SYSTEM_ERR: return "system error on the server";
	}
	return "unknown reply status";
}
