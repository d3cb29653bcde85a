/* rpc - the ipclab exchange carried as ONC RPC v2 (RFC 5531) records over
 * another stream transport, the carrier (ep->opts.via; unix when NULL).
 *
 * The wire is pure ONC RPC with record marking: a stock libtirpc client can
 * call `ipclab serve -m rpc`, and this transport's client can call a
 * libtirpc server of the same program (see rpcprog.h).  The exchange above
 * (common/server.c, client.c) runs unchanged: this file translates.
 *
 *   client send  ipclab request -> CALL, xid = low 32 bits of seq:
 *                  ECHO -> ECHO(opaque), SINK -> SINK(opaque),
 *                  SINK+NOACK -> SINK_BATCH(opaque) (no reply will come),
 *                  HELLO, BYE -> NULL; a request the exchange's server
 *                  would refuse (bad header, checksum) -> a call of a
 *                  procedure that does not exist, whose PROC_UNAVAIL comes
 *                  back as the ipclab ERROR the exchange expects.
 *   server recv  CALL -> an ipclab request with seq = xid.  ECHO and SINK
 *                  payloads stream from the carrier straight into the
 *                  exchange's buffer (no staging copy).  NULL, ADD, SUM,
 *                  every error (RPC_MISMATCH, AUTH_ERROR, PROG_UNAVAIL,
 *                  PROG_MISMATCH, PROC_UNAVAIL, GARBAGE_ARGS) and calls with
 *                  AUTH_SYS are answered here by the server stubs
 *                  (ipl_rpc_serve_record) and never reach the exchange.
 *   server send  ipclab reply -> REPLY (ECHO: opaque results; SINK: void;
 *                  ERROR: SYSTEM_ERR).
 *   client recv  REPLY -> an ipclab reply; the xid is matched by equality
 *                  against the calls in flight and the full 64-bit seq
 *                  restored from that entry.  Non-SUCCESS -> ERROR.
 * A record that is not a call (or whose header lengths are out of bounds)
 * closes the connection, as RFC 5531 gives no reply for it.
 *
 * Over a datagram carrier (--via udp) a message is one datagram, without
 * record marking (rpc/rpcdgram.c): the same translation, read from the
 * datagram in place.  The client keeps each call until its reply comes and
 * retransmits on timeout, dropping replies to no call in flight (late or
 * doubled); the server answers a retransmitted call from its duplicate-
 * request cache (rpc/drc.c; off with opts.at_least_once), so a procedure
 * runs at most once.  A malformed datagram is dropped, not the client.
 *
 * Capabilities: the table's caps are static, so rpc claims only what every
 * carrier it accepts provides: layered, named, multi-client.  Over tcp it
 * crosses hosts too (serve -m rpc --via tcp --listen 0.0.0.0:PORT).
 */
#include "common/bytes.h"
#include "common/err.h"
#include "common/msgio.h"
#include "rpc/drc.h"
#include "rpc/rpcdgram.h"
#include "rpc/rpcmsg.h"
#include "rpc/rpcprog.h"
#include "rpc/layer.h"
#include "common/transport.h"
#include "common/clock.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The endpoint is the carrier's (rpc/layer.c): its ops are in the table. */

/* ---- connection -------------------------------------------------------- */

/* A call the client is waiting on, for matching replies by xid. */
struct pending {
	uint32_t xid;
	uint64_t seq;
	uint8_t op;    /* the ipclab op that made the call */
	uint32_t werr; /* non-zero: the request was refused before it left */
};

struct rpc_conn {
	struct ipl_conn base;
	struct ipl_conn *car;
	/* car as the cancelling thread sees it, and a count of cancels in
	 * progress, so drop_carrier never frees it under one */
	struct ipl_conn *_Atomic car_pub;
	atomic_int pin;
	int server;
	int said_bye; /* client: BYE answered, carrier closed: EOF */
	uint32_t cap; /* payload cap */

	struct ipl_rm_reader rm; /* the record being read (stream carrier) */
	int isdg;                /* a datagram carrier: dg instead of rm */
	struct ipl_rpc_dg dg;
	struct ipl_drc *drc;     /* server over datagrams, at-most-once */
	uint32_t next_xid;       /* client over datagrams: xids never repeat
				    (the exchange's seq restarts per run, and
				    a server's cache would take a reused xid
				    for a retransmission) */
	struct ipl_rpc_client_state pst; /* the program's state for this client */

	/* what recv hands to the exchange next: a staged ipclab header (and a
	 * small payload), then pay_left payload bytes straight from the record */
	uint8_t out[IPL_HDR_SIZE + 8];
	size_t out_off, out_len;
	uint32_t pay_left;

	uint8_t hdr[IPL_RPC_OVERHEAD]; /* staged RPC header being decoded */
	struct ipl_buf rec, reply;     /* whole records handled in memory */

	/* client: calls in flight, oldest first (a ring) */
	struct pending *ring;
	size_t ring_cap, ring_head, ring_n;
};

/* Reads exactly n bytes of the current record.  IPL_ECLOSED only for EOF
 * before the record's first byte; a record over the cap is IPL_EPROTO, so
 * that drop_carrier closes the stream it put out of step. */
static int rec_read(struct rpc_conn *rc, void *buf, size_t n)
{
	if (rc->isdg)
		return ipl_rpc_dg_read(&rc->dg, rc->car, buf, n);
	int r = ipl_rm_read(&rc->rm, rc->car, buf, n);
	return r == IPL_ETOOBIG ? IPL_EPROTO : r;
}

/* Reads the rest of the current record: into b after `have` bytes when b
 * is given, else discarded.  Then the next read starts a new record. */
static int rec_finish(struct rpc_conn *rc, struct ipl_buf *b, size_t *have)
{
	if (rc->isdg)
		return ipl_rpc_dg_finish(&rc->dg, b, have);
	int r = ipl_rm_finish(&rc->rm, rc->car, b, have);
	return r == IPL_ETOOBIG ? IPL_EPROTO : r;
}

/* Stages an ipclab message header (and a payload of up to 8 bytes held in
 * small) for recv to hand out. */
static void stage(struct rpc_conn *rc, uint8_t op, uint16_t flags, uint64_t seq, uint32_t len,
		  const void *small, uint32_t small_len)
{
	struct ipl_hdr h = { .version = IPL_VERSION, .op = op, .flags = flags, .seq = seq, .len = len };
	ipl_hdr_encode(&h, rc->out);
	if (small_len)
		memcpy(rc->out + IPL_HDR_SIZE, small, small_len);
	rc->out_off = 0;
	rc->out_len = IPL_HDR_SIZE + small_len;
}

/* 1 while a message is being read. */
static int in_rec(const struct rpc_conn *rc)
{
	return rc->isdg ? rc->dg.have : rc->rm.in_rec;
}

/* Sends one record given as iov, iov[0] starting with its record mark and
 * xid.  Over datagrams the mark is left out, a client keeps the call for
 * retransmission (keep) and an at-most-once server caches the reply. */
static int send_out(struct rpc_conn *rc, struct iovec *iov, int cnt, int keep)
{
	if (!rc->isdg)
		return ipl_conn_send(rc->car, iov, cnt);
	uint32_t xid = ipl_get_be32((const uint8_t *)iov[0].iov_base + 4);
	iov[0].iov_base = (uint8_t *)iov[0].iov_base + 4;
	iov[0].iov_len -= 4;
	if (rc->drc)
		ipl_drc_store(rc->drc, xid, iov, cnt); /* not kept: duplicates dropped */
	return ipl_rpc_dg_send(&rc->dg, rc->car, iov, cnt, xid, keep);
}

static int send_record(struct rpc_conn *rc, const uint8_t *rec, size_t len)
{
	struct iovec iov = { (void *)rec, len };
	return send_out(rc, &iov, 1, 0);
}

/* Server over datagrams, at-most-once: a call seen before is answered from
 * the cache (or, still unanswered, dropped) and never runs again.  Returns
 * 1 for a new call, 0 when handled here, or a negative code. */
static int drc_check(struct rpc_conn *rc, const struct ipl_rpc_call *call)
{
	const uint8_t *rep;
	size_t len;
	enum ipl_drc_hit h = ipl_drc_lookup(rc->drc, call->xid, call->prog, call->vers, call->proc, ipl_now_ms(),
					    &rep, &len);
	if (h == IPL_DRC_MISS)
		return 1;
	int r = rec_finish(rc, NULL, NULL);
	if (r == 0 && h == IPL_DRC_REPLY) {
		struct iovec iov = { (void *)rep, len };
		r = ipl_conn_send(rc->car, &iov, 1);
	}
	return r < 0 ? r : 0;
}

static int run_call(struct rpc_conn *rc, const struct ipl_rpc_call *cp, const uint8_t *h, size_t n);

/* Server: reads the next call.  Returns 1 when a request is staged for the
 * exchange, 0 when the call was answered here, or a negative code. */
static int next_call(struct rpc_conn *rc)
{
	uint8_t *h = rc->hdr;
	int r = rec_read(rc, h, 12); /* xid, msg_type, rpcvers */
	if (r < 0)
		return r;
	if (ipl_get_be32(h + 4) != IPL_RPC_CALL)
		return IPL_EPROTO;
	size_t n = 12;
	if (ipl_get_be32(h + 8) == IPL_RPC_VERS) {
		/* prog, vers, proc, cred flavor and length */
		if ((r = rec_read(rc, h + n, 20)) < 0)
			return r;
		n += 20;
		uint32_t clen = ipl_get_be32(h + n - 4);
		if (clen > IPL_RPC_AUTH_MAX)
			return IPL_EPROTO;
		if ((r = rec_read(rc, h + n, IPL_XDR_PAD(clen) + 8)) < 0) /* body, verf head */
			return r;
		n += IPL_XDR_PAD(clen) + 8;
		uint32_t vlen = ipl_get_be32(h + n - 4);
		if (vlen > IPL_RPC_AUTH_MAX)
			return IPL_EPROTO;
		if ((r = rec_read(rc, h + n, IPL_XDR_PAD(vlen))) < 0)
			return r;
		n += IPL_XDR_PAD(vlen);
	}
	struct ipl_xdr_dec x;
	struct ipl_rpc_call call;
	ipl_xdr_dec_init(&x, h, n);
	if ((r = ipl_rpc_call_decode(&x, &call)) < 0)
		return r;
	if (rc->drc && (r = drc_check(rc, &call)) <= 0)
		return r;
	return run_call(rc, &call, h, n);
}

/* A call found broken before it ran: the cache forgets it (a whole call
 * resent under its xid must run, not be dropped as a duplicate).  err. */
static int broken_call(struct rpc_conn *rc, uint32_t xid, int err)
{
	if (rc->drc)
		ipl_drc_forget(rc->drc, xid);
	return err;
}

/* Server: runs the call whose header (h, n bytes) next_call decoded.  1
 * when its payload is staged for the exchange, 0 when answered here, or a
 * negative code. */
static int run_call(struct rpc_conn *rc, const struct ipl_rpc_call *cp, const uint8_t *h, size_t n)
{
	struct ipl_rpc_call call = *cp;
	int r;
	/* the fast path: a streamed payload for the exchange */
	if (call.rpcvers == IPL_RPC_VERS && call.prog == IPL_RPC_PROG && call.vers == IPL_RPC_PROG_VERS &&
	    call.cred.flavor == IPL_RPC_AUTH_NONE && call.verf.flavor == IPL_RPC_AUTH_NONE &&
	    (call.proc == IPL_RPC_PROC_ECHO || call.proc == IPL_RPC_PROC_SINK ||
	     call.proc == IPL_RPC_PROC_SINK_BATCH)) {
		uint8_t lw[4];
		if ((r = rec_read(rc, lw, 4)) < 0)
			return broken_call(rc, call.xid, r);
		uint32_t len = ipl_get_be32(lw);
		if (rc->isdg && !ipl_rpc_dg_has(&rc->dg, IPL_XDR_PAD(len)))
			return broken_call(rc, call.xid, IPL_EXDR); /* a truncated datagram: dropped */
		if (len <= rc->cap) {
			uint8_t op = call.proc == IPL_RPC_PROC_ECHO ? IPL_OP_ECHO : IPL_OP_SINK;
			uint16_t fl = call.proc == IPL_RPC_PROC_SINK_BATCH ? IPL_FLAG_NOACK : 0;
			stage(rc, op, fl, call.xid, len, NULL, 0);
			rc->pay_left = len;
			return 1;
		}
		/* over the cap: refuse it, keeping the stream in step */
		if ((r = rec_finish(rc, NULL, NULL)) < 0)
			return r;
		if (call.proc == IPL_RPC_PROC_SINK_BATCH)
			return 0;
		struct ipl_rpc_reply rep = { .stat = IPL_RPC_MSG_ACCEPTED, .accept_stat = IPL_RPC_GARBAGE_ARGS };
		uint8_t out[IPL_RPC_ERR_REPLY_MAX];
		size_t olen = ipl_rpc_error_record(out, call.xid, &rep);
		r = send_record(rc, out, olen);
		return r < 0 ? r : 0;
	}

	/* everything else: the whole record in memory, through the server stubs */
	if ((r = ipl_buf_reserve(&rc->rec, n)) < 0)
		return r;
	memcpy(rc->rec.p, h, n);
	if ((r = rec_finish(rc, &rc->rec, &n)) < 0)
		return broken_call(rc, call.xid, r);
	size_t olen;
	if ((r = ipl_rpc_serve_call(rc->rec.p, n, rc->cap, &rc->pst, &rc->reply, &olen)) < 0)
		return r;
	if (olen && (r = send_record(rc, rc->reply.p, olen)) < 0)
		return r;
	return 0;
}

/* A peer that broke the protocol gets a closed connection at once (the
 * exchange may hold the conn a while longer before it detaches it). */
static int drop_carrier(struct rpc_conn *rc, int err)
{
	if (err == IPL_EPROTO || err == IPL_EXDR || err == IPL_EDONE) {
		atomic_store(&rc->car_pub, NULL);
		while (atomic_load(&rc->pin))
			sched_yield();
		ipl_conn_detach(rc->car);
		rc->car = NULL;
	}
	return err;
}

/* Client: the in-flight call with this xid (removed from the ring), or
 * NULL when the server answered a call we never made. */
static const struct pending *find_pending(const struct rpc_conn *rc, uint32_t xid)
{
	for (size_t k = 0; k < rc->ring_n; k++) {
		size_t at = (rc->ring_head + k) % rc->ring_cap;
		if (rc->ring[at].xid == xid)
			return &rc->ring[at];
	}
	return NULL;
}

static int take_pending(struct rpc_conn *rc, uint32_t xid, struct pending *out)
{
	for (size_t k = 0; k < rc->ring_n; k++) {
		size_t at = (rc->ring_head + k) % rc->ring_cap;
		if (rc->ring[at].xid != xid)
			continue;
		if (rc->isdg)
			ipl_rpc_dg_answered(&rc->dg, xid);
		*out = rc->ring[at];
		/* close the gap, keeping the order (k is almost always 0) */
		for (size_t j = k; j > 0; j--)
			rc->ring[(rc->ring_head + j) % rc->ring_cap] =
				rc->ring[(rc->ring_head + j - 1) % rc->ring_cap];
		rc->ring_head = (rc->ring_head + 1) % rc->ring_cap;
		rc->ring_n--;
		return 1;
	}
	return 0;
}

static int push_pending(struct rpc_conn *rc, const struct pending *p)
{
	if (rc->ring_n == rc->ring_cap) {
		size_t ncap = rc->ring_cap ? rc->ring_cap * 2 : 16;
		struct pending *nr = malloc(ncap * sizeof *nr);
		if (!nr)
			return -ENOMEM;
		for (size_t k = 0; k < rc->ring_n; k++)
			nr[k] = rc->ring[(rc->ring_head + k) % rc->ring_cap];
		free(rc->ring);
		rc->ring = nr;
		rc->ring_cap = ncap;
		rc->ring_head = 0;
	}
	rc->ring[(rc->ring_head + rc->ring_n) % rc->ring_cap] = *p;
	rc->ring_n++;
	return 0;
}

/* The ipclab ERROR code a failed RPC reply stands for. */
static uint32_t werr_of(const struct ipl_rpc_reply *r)
{
	if (r->stat == IPL_RPC_MSG_DENIED)
		return r->reject_stat == IPL_RPC_RPC_MISMATCH ? IPL_WERR_VERSION : IPL_WERR_INTERNAL;
	switch (r->accept_stat) {
	case IPL_RPC_PROG_UNAVAIL:
	case IPL_RPC_PROG_MISMATCH: return IPL_WERR_VERSION;
	case IPL_RPC_PROC_UNAVAIL: return IPL_WERR_OP;
	case IPL_RPC_GARBAGE_ARGS: return IPL_WERR_TOOBIG; /* our server's only cause */
	}
	return IPL_WERR_INTERNAL;
}

/* Client over datagrams: 1 when rep answers a call in flight and its
 * results are all in the datagram, so taking the call cannot strand it. */
static int dg_reply_ok(struct rpc_conn *rc, const struct ipl_rpc_reply *rep)
{
	const struct pending *p = find_pending(rc, rep->xid);
	if (!p)
		return 0;
	if (p->op != IPL_OP_ECHO || p->werr || rep->stat != IPL_RPC_MSG_ACCEPTED ||
	    rep->accept_stat != IPL_RPC_SUCCESS)
		return 1;
	if (!ipl_rpc_dg_has(&rc->dg, 4))
		return 0;
	uint32_t len = ipl_get_be32(rc->dg.in.p + rc->dg.in_off);
	return len <= rc->cap && ipl_rpc_dg_has(&rc->dg, 4 + (size_t)IPL_XDR_PAD(len));
}

/* Client: reads the next reply and stages the ipclab reply it stands for.
 * Returns 1 or a negative code. */
static int next_reply(struct rpc_conn *rc)
{
	uint8_t *h = rc->hdr;
	int r = rec_read(rc, h, 12); /* xid, msg_type, reply_stat */
	if (r < 0)
		return r;
	if (ipl_get_be32(h + 4) != IPL_RPC_REPLY)
		return IPL_EPROTO;
	size_t n = 12;
	uint32_t stat = ipl_get_be32(h + 8);
	if (stat == IPL_RPC_MSG_ACCEPTED) {
		if ((r = rec_read(rc, h + n, 8)) < 0) /* verf flavor, length */
			return r;
		n += 8;
		uint32_t vlen = ipl_get_be32(h + n - 4);
		if (vlen > IPL_RPC_AUTH_MAX)
			return IPL_EPROTO;
		if ((r = rec_read(rc, h + n, IPL_XDR_PAD(vlen) + 4)) < 0) /* body, accept_stat */
			return r;
		n += IPL_XDR_PAD(vlen) + 4;
		if (ipl_get_be32(h + n - 4) == IPL_RPC_PROG_MISMATCH) {
			if ((r = rec_read(rc, h + n, 8)) < 0)
				return r;
			n += 8;
		}
	} else if (stat == IPL_RPC_MSG_DENIED) {
		if ((r = rec_read(rc, h + n, 4)) < 0)
			return r;
		n += 4;
		size_t more = ipl_get_be32(h + n - 4) == IPL_RPC_RPC_MISMATCH ? 8 : 4;
		if ((r = rec_read(rc, h + n, more)) < 0)
			return r;
		n += more;
	} else {
		return IPL_EPROTO;
	}
	struct ipl_xdr_dec x;
	struct ipl_rpc_reply rep;
	ipl_xdr_dec_init(&x, h, n);
	if ((r = ipl_rpc_reply_decode(&x, &rep)) < 0)
		return r;
	if (rc->isdg && !dg_reply_ok(rc, &rep))
		return rec_finish(rc, NULL, NULL); /* late, doubled or malformed: dropped */

	struct pending p;
	if (!take_pending(rc, rep.xid, &p)) {
		/* not a call of ours: hand it up with the xid as its seq, shaped
		 * like the oldest call, so the exchange counts a seq mismatch */
		p.xid = rep.xid;
		p.seq = rep.xid;
		p.op = rc->ring_n ? rc->ring[rc->ring_head].op : IPL_OP_SINK;
		p.werr = 0;
	}
	if (rep.stat != IPL_RPC_MSG_ACCEPTED || rep.accept_stat != IPL_RPC_SUCCESS || p.werr) {
		uint8_t code[4];
		ipl_put_be32(code, p.werr ? p.werr : werr_of(&rep));
		stage(rc, IPL_OP_ERROR, IPL_FLAG_REPLY, p.seq, 4, code, 4);
		return rec_finish(rc, NULL, NULL) < 0 ? IPL_EPROTO : 1;
	}
	if (p.op == IPL_OP_ECHO) {
		uint8_t lw[4];
		if ((r = rec_read(rc, lw, 4)) < 0)
			return r;
		uint32_t len = ipl_get_be32(lw);
		if (len > rc->cap)
			return IPL_EPROTO;
		stage(rc, IPL_OP_ECHO, IPL_FLAG_REPLY, p.seq, len, NULL, 0);
		rc->pay_left = len;
		return 1;
	}
	if (p.op == IPL_OP_HELLO) {
		uint8_t cap[4];
		ipl_put_be32(cap, rc->cap); /* NULL carries no cap: ours stands in */
		stage(rc, IPL_OP_HELLO, IPL_FLAG_REPLY, p.seq, 4, cap, 4);
	} else {
		stage(rc, p.op, IPL_FLAG_REPLY, p.seq, 0, NULL, 0);
	}
	if ((r = rec_finish(rc, NULL, NULL)) < 0)
		return r;
	if (p.op == IPL_OP_BYE) {
		/* ONC RPC has no goodbye: a client ends the session by closing,
		 * which the exchange's BYE promises; EOF follows the reply */
		rc->said_bye = 1;
		drop_carrier(rc, IPL_EDONE);
	}
	return 1;
}

static ssize_t rpc_recv(struct ipl_conn *c, void *buf, size_t len)
{
	struct rpc_conn *rc = (struct rpc_conn *)c;
	for (;;) {
		if (rc->out_off < rc->out_len) {
			size_t n = rc->out_len - rc->out_off;
			if (n > len)
				n = len;
			memcpy(buf, rc->out + rc->out_off, n);
			rc->out_off += n;
			return (ssize_t)n;
		}
		if (!rc->car)
			return rc->said_bye ? 0 : IPL_EPROTO;
		if (rc->pay_left) {
			/* straight from the carrier into the caller's memory */
			size_t n = len < rc->pay_left ? len : rc->pay_left;
			int r = rec_read(rc, buf, n);
			if (r < 0)
				return drop_carrier(rc, r == IPL_ECLOSED ? IPL_ETRUNC : r);
			rc->pay_left -= (uint32_t)n;
			return (ssize_t)n;
		}
		if (in_rec(rc)) { /* padding (and anything after) of the last one */
			int r = rec_finish(rc, NULL, NULL);
			if (r < 0)
				return drop_carrier(rc, r);
		}
		int r = rc->server ? next_call(rc) : next_reply(rc);
		if (r == IPL_ECLOSED)
			return 0; /* EOF at a record boundary: a clean close */
		if (rc->isdg && (r == IPL_EXDR || r == IPL_EPROTO)) {
			rec_finish(rc, NULL, NULL); /* one bad datagram, not a bad client */
			continue;
		}
		if (r < 0)
			return drop_carrier(rc, r);
		if (r == 0 && in_rec(rc) && (r = rec_finish(rc, NULL, NULL)) < 0)
			return drop_carrier(rc, r);
	}
}

/* Splits an ipclab message given as iov into its header (copied to hdr)
 * and payload iovs (at most maxp).  Returns the payload iov count or a
 * negative code. */
static int split(const struct iovec *iov, int cnt, uint8_t hdr[IPL_HDR_SIZE], struct iovec *pay, int maxp)
{
	size_t got = 0;
	int np = 0;
	for (int i = 0; i < cnt; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t l = iov[i].iov_len;
		if (got < IPL_HDR_SIZE) {
			size_t t = IPL_HDR_SIZE - got < l ? IPL_HDR_SIZE - got : l;
			memcpy(hdr + got, p, t);
			got += t;
			p += t;
			l -= t;
		}
		if (!l)
			continue;
		if (np == maxp)
			return -EINVAL;
		pay[np].iov_base = (void *)p;
		pay[np].iov_len = l;
		np++;
	}
	return got == IPL_HDR_SIZE ? np : -EINVAL;
}

static const uint8_t zeros[4];

/* Sends prefix[0..plen) (record mark already in place), the payload iovs
 * and the opaque's padding as one record. */
static int send_framed(struct rpc_conn *rc, uint8_t *prefix, size_t plen, const struct iovec *pay,
		       int np, size_t paylen, int keep)
{
	struct iovec iov[8];
	int k = 0;
	iov[k++] = (struct iovec){ prefix, plen };
	for (int i = 0; i < np; i++)
		iov[k++] = pay[i];
	size_t pad = IPL_XDR_PAD(paylen) - paylen;
	if (pad)
		iov[k++] = (struct iovec){ (void *)zeros, pad };
	ipl_put_be32(prefix, ipl_rm_word((uint32_t)(plen - 4 + paylen + pad), 1));
	return send_out(rc, iov, k, keep);
}

/* Client: an ipclab request becomes a CALL. */
static int client_send(struct rpc_conn *rc, const uint8_t *hb, const struct iovec *pay, int np)
{
	struct ipl_hdr h;
	int bad = ipl_hdr_decode(hb, rc->cap, &h);
	size_t paylen = 0;
	for (int i = 0; i < np; i++)
		paylen += pay[i].iov_len;
	if (!bad && paylen != h.len)
		return -EINVAL; /* not one whole message: a caller bug */
	if (!bad && (h.flags & IPL_FLAG_CRC) && h.len) {
		uint32_t crc = 0;
		for (int i = 0; i < np; i++)
			crc = ipl_crc32c(crc, pay[i].iov_base, pay[i].iov_len);
		if (crc != h.crc)
			bad = IPL_EBADCRC; /* RPC carries no checksum: refuse it here */
	}
	if (!bad && ((h.flags & IPL_FLAG_REPLY) || h.op == IPL_OP_ERROR))
		bad = (h.flags & IPL_FLAG_REPLY) ? IPL_EBADFLAGS : IPL_EBADOP;
	if (!bad && (h.flags & IPL_FLAG_NOACK) && h.op != IPL_OP_SINK)
		bad = IPL_EBADOP;

	uint32_t proc;
	int args = 0;
	if (bad) {
		proc = 0xffffffffu; /* no such procedure: PROC_UNAVAIL comes back */
	} else if (h.op == IPL_OP_ECHO) {
		proc = IPL_RPC_PROC_ECHO, args = 1;
	} else if (h.op == IPL_OP_SINK) {
		proc = (h.flags & IPL_FLAG_NOACK) ? IPL_RPC_PROC_SINK_BATCH : IPL_RPC_PROC_SINK;
		args = 1;
	} else {
		proc = IPL_RPC_PROC_NULL; /* HELLO, BYE */
	}
	uint8_t prefix[64];
	struct ipl_xdr_enc x;
	ipl_xdr_enc_init(&x, prefix, sizeof prefix);
	ipl_xdr_put_u32(&x, 0); /* record mark, set by send_framed */
	struct ipl_rpc_call call = {
		.xid = rc->isdg ? rc->next_xid++ : (uint32_t)h.seq, .prog = IPL_RPC_PROG,
		.vers = IPL_RPC_PROG_VERS, .proc = proc
	};
	ipl_rpc_call_encode(&x, &call);
	if (args)
		ipl_xdr_put_u32(&x, h.len); /* opaque<> length; the bytes follow */
	if (proc != IPL_RPC_PROC_SINK_BATCH) {
		struct pending p = {
			.xid = call.xid, .seq = h.seq, .op = h.op, .werr = bad ? ipl_wire_err_of(bad) : 0
		};
		int r = push_pending(rc, &p);
		if (r < 0)
			return r;
	}
	return send_framed(rc, prefix, x.len, pay, args ? np : 0, args ? paylen : 0,
			   proc != IPL_RPC_PROC_SINK_BATCH);
}

/* Server: the exchange's ipclab reply becomes a REPLY. */
static int server_send(struct rpc_conn *rc, const uint8_t *hb, const struct iovec *pay, int np)
{
	uint8_t op = hb[5];
	uint64_t seq = ipl_get_be64(hb + 8);
	uint32_t len = ipl_get_be32(hb + 16);
	struct ipl_rpc_reply rep = { .xid = (uint32_t)seq, .stat = IPL_RPC_MSG_ACCEPTED };
	if (op == IPL_OP_ERROR)
		rep.accept_stat = IPL_RPC_SYSTEM_ERR;
	uint8_t prefix[64];
	struct ipl_xdr_enc x;
	ipl_xdr_enc_init(&x, prefix, sizeof prefix);
	ipl_xdr_put_u32(&x, 0);
	ipl_rpc_reply_encode(&x, &rep);
	if (op == IPL_OP_ECHO) {
		ipl_xdr_put_u32(&x, len);
		return send_framed(rc, prefix, x.len, pay, np, len, 0);
	}
	return send_framed(rc, prefix, x.len, NULL, 0, 0, 0);
}

static int rpc_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	struct rpc_conn *rc = (struct rpc_conn *)c;
	uint8_t hb[IPL_HDR_SIZE];
	struct iovec pay[6];
	if (!rc->car)
		return -EPIPE; /* closed after a protocol error */
	int np = split(iov, cnt, hb, pay, 6);
	if (np < 0)
		return np;
	return rc->server ? server_send(rc, hb, pay, np) : client_send(rc, hb, pay, np);
}

/* Both ends' addresses are the carrier's (gone once a protocol error or BYE
 * closed it). */
static int rpc_conn_addr(struct ipl_conn *c, char *local, size_t llen, char *peer, size_t plen)
{
	struct rpc_conn *rc = (struct rpc_conn *)c;
	return rc->car ? ipl_conn_addr(rc->car, local, llen, peer, plen) : IPL_ECLOSED;
}

static void rpc_detach(struct ipl_conn *c)
{
	struct rpc_conn *rc = (struct rpc_conn *)c;
	ipl_conn_detach(rc->car);
	ipl_buf_free(&rc->rec);
	ipl_buf_free(&rc->reply);
	ipl_rpc_dg_free(&rc->dg);
	ipl_drc_free(rc->drc);
	free(rc->ring);
	free(rc);
}

/* The thread to wake is blocked in the carrier: forward the flag. */
static void rpc_cancel_conn(struct ipl_conn *c)
{
	struct rpc_conn *rc = (struct rpc_conn *)c;
	atomic_fetch_add(&rc->pin, 1);
	struct ipl_conn *car = atomic_load(&rc->car_pub);
	if (car)
		ipl_conn_cancel(car);
	atomic_fetch_sub(&rc->pin, 1);
}

static uint64_t rpc_retrans(const struct ipl_conn *c)
{
	const struct rpc_conn *rc = (const struct rpc_conn *)c;
	return rc->isdg ? rc->dg.retrans : 0;
}

static const struct ipl_transport *self(void);

static int wrap(struct ipl_endpoint *ep, struct ipl_conn *car, int server, struct ipl_conn **out)
{
	struct rpc_conn *rc = calloc(1, sizeof *rc);
	if (!rc) {
		ipl_conn_detach(car);
		return -ENOMEM;
	}
	rc->base.tp = self();
	rc->car = car;
	atomic_init(&rc->car_pub, car);
	atomic_init(&rc->pin, 0);
	rc->server = server;
	rc->cap = ep->opts.cap ? ep->opts.cap : IPL_DEFAULT_CAP;
	ipl_rm_init(&rc->rm, rc->cap + IPL_RPC_OVERHEAD);
	*out = &rc->base;
	if (car->tp->caps & IPL_CAP_DATAGRAM) {
		rc->isdg = 1;
		ipl_rpc_dg_init(&rc->dg, !server);
		struct timespec ts; /* a fresh start per conn, as RPC clients seed xids */
		clock_gettime(CLOCK_REALTIME, &ts);
		rc->next_xid = (uint32_t)ts.tv_nsec ^ ((uint32_t)ts.tv_sec << 20) ^ ((uint32_t)getpid() << 8);
		if (server && !ep->opts.at_least_once && !(rc->drc = ipl_drc_new())) {
			rpc_detach(&rc->base);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Over a datagram carrier every datagram is a whole RPC message: the
 * carrier must not look for ipclab's own framing (udp's raw mode). */
static void mark_raw(struct ipl_endpoint *ep)
{
	if (ep->opts.via && (ep->opts.via->caps & IPL_CAP_DATAGRAM))
		ep->opts.raw_dgram = 1;
}

/* A byte stream (record marking) or datagrams (one message each). */
static int rpc_carrier_ok(const struct ipl_transport *car)
{
	return (car->caps & (IPL_CAP_BYTES | IPL_CAP_DATAGRAM)) != 0;
}

static int rpc_prepare(struct ipl_endpoint *ep)
{
	mark_raw(ep);
	return ipl_layer_prepare(ep);
}

static int rpc_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	struct ipl_conn *cc;
	int rc = ipl_layer_accept(ep, &cc);
	return rc ? rc : wrap(ep, cc, 1, out);
}

static int rpc_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	struct ipl_conn *cc;
	mark_raw(ep);
	int rc = ipl_layer_connect(ep, idx, &cc);
	return rc ? rc : wrap(ep, cc, 0, out);
}

/* `ipclab demo rpc` walks rpc/'s own stubs over a traced carrier
 * (transport.h: ipl_tp_describe); the carrier's describe tells the rest. */
static const struct ipl_tp_describe rpc_describe = {
	.walk = IPL_TP_WALK_RPC_STUBS,
	.intro = (const char *const[]){ "The client program calls the ECHO procedure of the ipclab RPC program through a client stub;",
					"the call travels as one ONC RPC v2 record (RFC 5531, XDR per RFC 4506) over a {via} connection.",
					NULL },
};

const struct ipl_transport ipl_rpc_transport = {
	.name = "rpc",
	.summary = "ONC RPC v2 (XDR; record marking on streams, one call per datagram on udp) over --via tcp|unix|udp|...",
	.caps = IPL_CAP_LAYERED | IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT,
	.conn_addr = rpc_conn_addr,
	.carrier_ok = rpc_carrier_ok,
	/* a datagram of 65,507 less the call's 40 header bytes (AUTH_NONE) and
	 * the opaque's length word, rounded down to XDR's 4 */
	.max_payload_dgram = (IPL_RPC_DG_MAX - 44u) & ~3u,
	.max_why_dgram = "over udp one call is one datagram (65,507 bytes): 44 of RPC header and opaque "
			 "length + 65,460 of payload",
	.prepare = rpc_prepare,
	.attach_server = ipl_layer_attach_server,
	.accept = rpc_accept,
	.attach_client = rpc_attach_client,
	.send = rpc_send,
	.recv = rpc_recv,
	.detach = rpc_detach,
	.release = ipl_layer_release,
	.cleanup = ipl_layer_cleanup,
	.cancel = ipl_layer_cancel,
	.cancel_conn = rpc_cancel_conn,
	.describe = &rpc_describe,
	.retrans = rpc_retrans,
};

static const struct ipl_transport *self(void)
{
	return &ipl_rpc_transport;
}
