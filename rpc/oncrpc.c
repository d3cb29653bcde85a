/* oncrpc - the ipclab program through a stock ONC RPC implementation,
 * libtirpc, on both ends: the benchmark's reference for `rpc`.  Built only
 * when libtirpc is installed (rpc/oncrpc.mk defines IPL_HAVE_TIRPC).
 *
 * How it fits the transport interface:
 *   server  prepare/attach/release/cleanup delegate to the carrier (tcp or
 *           unix: a listening socket).  libtirpc's server is one svc loop
 *           owning every connection, not a conn per client, so the first
 *           accept() hands the listening socket to svc_vc_create and runs
 *           the loop (poll + svc_getreq_poll) inside accept until the
 *           endpoint is cancelled; it never returns a conn.  The dispatcher
 *           below is what rpcgen would generate for tests/interop/ipclab.x.
 *   client  attach_client connects through the carrier and gives the fd to
 *           clnt_vc_create.  libtirpc's clnt_call is synchronous, so send()
 *           makes the whole call and queues the ipclab reply it stands for;
 *           recv() reads that queue.  A pipelined window therefore runs as
 *           ping-pong (that is libtirpc's model); SINK+NOACK uses libtirpc
 *           batching (no results routine, zero timeout: buffered, no reply),
 *           flushed by the next normal call.
 * Mapping: HELLO, BYE -> NULL (after BYE the conn reads EOF), ECHO -> ECHO,
 * SINK -> SINK, SINK+NOACK -> SINK_BATCH; any RPC error -> an ipclab ERROR.
 */
#ifdef IPL_HAVE_TIRPC

#include "bytes.h"
#include "err.h"
#include "fdconn.h"
#include "msgio.h"
#include "rpcprog.h"
#include "sock.h"
#include "layer.h"
#include "transport.h"

#include <rpc/rpc.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- endpoint ------------------------------------------------------------ */

struct onc_ep {
	/* first member: rpc/layer.c treats ep->priv as the carrier endpoint */
	struct ipl_endpoint car;
	SVCXPRT *xprt;
};

static uint32_t server_cap = IPL_DEFAULT_CAP; /* the svc loop has no context pointer */

static int car_ep(struct ipl_endpoint *ep, struct ipl_endpoint **out)
{
	const struct ipl_transport *via = ep->opts.via ? ep->opts.via : ipl_transport_find("unix");
	/* libtirpc speaks to sockets: tcp and unix only */
	if (via && strcmp(via->name, "tcp") && strcmp(via->name, "unix"))
		return IPL_EUNSUPP;
	return ipl_layer_carrier(ep, via, sizeof(struct onc_ep), out);
}

static int onc_prepare(struct ipl_endpoint *ep)
{
	struct ipl_endpoint *car;
	int rc = car_ep(ep, &car);
	return rc ? rc : ipl_layer_prepare(car, ep);
}

static int onc_attach_server(struct ipl_endpoint *ep)
{
	struct ipl_endpoint *car;
	int rc = car_ep(ep, &car);
	return rc ? rc : ipl_endpoint_attach_server(car);
}

/* The server side of the program, as rpcgen's dispatcher would be. */
struct bytes {
	char *p;
	u_int len;
	u_int max; /* decoding into p: its size; 0 = the cap (p allocated) */
};

static bool_t xdr_ipl_bytes(XDR *x, struct bytes *b)
{
	return xdr_bytes(x, &b->p, &b->len, b->max ? b->max : server_cap);
}

static bool_t xdr_pair(XDR *x, int *ab)
{
	return xdr_int(x, &ab[0]) && xdr_int(x, &ab[1]);
}

struct ints {
	int *v;
	u_int n;
};

static bool_t xdr_ints(XDR *x, struct ints *a)
{
	return xdr_array(x, (char **)&a->v, &a->n, IPL_RPC_SUM_MAX, sizeof(int), (xdrproc_t)xdr_int);
}

static void dispatch(struct svc_req *rq, SVCXPRT *t)
{
	switch (rq->rq_proc) {
	case IPL_RPC_PROC_NULL:
		svc_sendreply(t, (xdrproc_t)xdr_void, NULL);
		return;
	case IPL_RPC_PROC_ECHO:
	case IPL_RPC_PROC_SINK:
	case IPL_RPC_PROC_SINK_BATCH: {
		struct bytes b = { 0 };
		if (!svc_getargs(t, (xdrproc_t)xdr_ipl_bytes, (caddr_t)&b)) {
			svcerr_decode(t);
			return;
		}
		if (rq->rq_proc == IPL_RPC_PROC_ECHO)
			svc_sendreply(t, (xdrproc_t)xdr_ipl_bytes, (caddr_t)&b);
		else if (rq->rq_proc == IPL_RPC_PROC_SINK)
			svc_sendreply(t, (xdrproc_t)xdr_void, NULL);
		svc_freeargs(t, (xdrproc_t)xdr_ipl_bytes, (caddr_t)&b);
		return;
	}
	case IPL_RPC_PROC_ADD: {
		int ab[2];
		if (!svc_getargs(t, (xdrproc_t)xdr_pair, (caddr_t)ab)) {
			svcerr_decode(t);
			return;
		}
		int sum = (int)((unsigned)ab[0] + (unsigned)ab[1]);
		svc_sendreply(t, (xdrproc_t)xdr_int, (caddr_t)&sum);
		return;
	}
	case IPL_RPC_PROC_SUM: {
		struct ints a = { 0 };
		if (!svc_getargs(t, (xdrproc_t)xdr_ints, (caddr_t)&a)) {
			svcerr_decode(t);
			return;
		}
		int64_t s = 0;
		for (u_int i = 0; i < a.n; i++)
			s += a.v[i];
		svc_sendreply(t, (xdrproc_t)xdr_int64_t, (caddr_t)&s);
		svc_freeargs(t, (xdrproc_t)xdr_ints, (caddr_t)&a);
		return;
	}
	}
	svcerr_noproc(t);
}

/* Runs libtirpc's svc loop on the listening socket until cancelled. */
/* libtirpc accepts connections with plain accept(2): mark them close-on-exec
 * once, when the set of fds it polls changes (not on every request). */
static void cloexec_new_fds(int **known, int *nknown)
{
	int max = svc_max_pollfd;
	int same = max == *nknown;
	for (int i = 0; same && i < max; i++)
		same = (*known)[i] == svc_pollfd[i].fd;
	if (same)
		return;
	int *k = realloc(*known, (size_t)(max ? max : 1) * sizeof *k);
	if (!k)
		return; /* try again next round */
	for (int i = 0; i < max; i++) {
		k[i] = svc_pollfd[i].fd;
		if (k[i] >= 0)
			fcntl(k[i], F_SETFD, FD_CLOEXEC);
	}
	*known = k;
	*nknown = max;
}

static int onc_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	(void)out;
	struct ipl_endpoint *car;
	int rc = car_ep(ep, &car);
	if (rc < 0)
		return rc;
	struct onc_ep *oe = ep->priv;
	struct ipl_sock_ep *se = car->priv;
	if (!se || se->lfd < 0)
		return IPL_EUNSUPP;
	if (!oe->xprt) {
		server_cap = ep->opts.cap ? ep->opts.cap : IPL_DEFAULT_CAP;
		/* svc_destroy closes its own copy */
		int fd = fcntl(se->lfd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		oe->xprt = svc_vc_create(fd, 0, 0);
		if (!oe->xprt) {
			close(fd);
			return IPL_EUNSUPP;
		}
		/* protocol 0: no portmapper, clients connect to the address */
		if (!svc_register(oe->xprt, IPL_RPC_PROG, IPL_RPC_PROG_VERS, dispatch, 0))
			return IPL_EUNSUPP;
	}
	/* poll a copy, as svc_run does: serving a request may register a new
	 * connection, which reallocates svc_pollfd under the loop */
	struct pollfd *set = NULL;
	int *known = NULL, nknown = 0;
	int rc2 = IPL_ECANCELED;
	while (!atomic_load(&ep->cancel)) {
		int max = svc_max_pollfd;
		struct pollfd *grown = realloc(set, (size_t)(max ? max : 1) * sizeof *set);
		if (!grown) {
			rc2 = -ENOMEM;
			break;
		}
		set = grown;
		if (max)
			memcpy(set, svc_pollfd, (size_t)max * sizeof *set);
		int n = poll(set, (nfds_t)max, 200);
		if (n < 0 && errno != EINTR) {
			rc2 = -errno;
			break;
		}
		if (n > 0) {
			svc_getreq_poll(set, n);
			cloexec_new_fds(&known, &nknown);
		}
	}
	free(set);
	free(known);
	return rc2;
}


static void onc_cleanup(struct ipl_endpoint *ep)
{
	struct onc_ep *oe = ep->priv;
	if (!oe)
		return;
	if (oe->xprt) {
		svc_unregister(IPL_RPC_PROG, IPL_RPC_PROG_VERS);
		svc_destroy(oe->xprt); /* and every connection it accepted */
	}
	ipl_layer_cleanup(ep);
}

/* ---- client connection ------------------------------------------------- */

struct onc_conn {
	struct ipl_conn base;
	struct ipl_conn *car;  /* owns the socket; libtirpc borrows it */
	CLIENT *cl;
	uint32_t cap;
	struct timeval tmo;
	int said_bye;
	struct ipl_buf q;      /* queued ipclab replies */
	size_t q_off, q_len;
};

/* Room for n more bytes at the queue's tail. */
static uint8_t *q_tail(struct onc_conn *oc, size_t n)
{
	if (oc->q_off == oc->q_len)
		oc->q_off = oc->q_len = 0;
	if (ipl_buf_reserve(&oc->q, oc->q_len + n) < 0)
		return NULL;
	return oc->q.p + oc->q_len;
}

static int q_reply(struct onc_conn *oc, uint8_t op, uint64_t seq, const void *small, uint32_t len)
{
	uint8_t *t = q_tail(oc, IPL_HDR_SIZE + len);
	if (!t)
		return -ENOMEM;
	struct ipl_hdr h = { .version = IPL_VERSION, .op = op, .flags = IPL_FLAG_REPLY, .seq = seq, .len = len };
	ipl_hdr_encode(&h, t);
	if (len)
		memcpy(t + IPL_HDR_SIZE, small, len);
	oc->q_len += IPL_HDR_SIZE + len;
	return 0;
}

/* A failed call: transport trouble ends the run, the rest is an ERROR. */
static int call_failed(struct onc_conn *oc, enum clnt_stat st, uint64_t seq)
{
	if (st == RPC_CANTSEND || st == RPC_CANTRECV || st == RPC_TIMEDOUT)
		return st == RPC_CANTSEND ? -EPIPE : IPL_ETRUNC;
	uint8_t code[4];
	ipl_put_be32(code, st == RPC_PROCUNAVAIL ? IPL_WERR_OP : IPL_WERR_INTERNAL);
	return q_reply(oc, IPL_OP_ERROR, seq, code, 4);
}

static int onc_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	struct onc_conn *oc = (struct onc_conn *)c;
	if (oc->said_bye)
		return -EPIPE;
	/* one whole message: gather the header, point at the payload */
	uint8_t hb[IPL_HDR_SIZE];
	struct ipl_hdr h;
	if (cnt < 1 || iov[0].iov_len < IPL_HDR_SIZE)
		return -EINVAL;
	memcpy(hb, iov[0].iov_base, IPL_HDR_SIZE);
	int bad = ipl_hdr_decode(hb, oc->cap, &h);
	const uint8_t *pay = NULL;
	if (!bad && h.len) {
		if (iov[0].iov_len > IPL_HDR_SIZE)
			pay = (const uint8_t *)iov[0].iov_base + IPL_HDR_SIZE;
		else if (cnt >= 2 && iov[1].iov_len == h.len)
			pay = iov[1].iov_base;
		else
			return -EINVAL;
	}
	if (!bad && ((h.flags & IPL_FLAG_REPLY) || h.op == IPL_OP_ERROR))
		bad = IPL_EBADOP;
	if (!bad && (h.flags & IPL_FLAG_CRC) && h.len && ipl_crc32c(0, pay, h.len) != h.crc)
		bad = IPL_EBADCRC;
	if (bad) {
		uint8_t code[4];
		ipl_put_be32(code, ipl_wire_err_of(bad));
		return q_reply(oc, IPL_OP_ERROR, h.seq, code, 4);
	}

	struct bytes args = { (char *)pay, h.len, 0 };
	enum clnt_stat st;
	switch (h.op) {
	case IPL_OP_ECHO: {
		/* results decoded straight into the queue, after their header */
		uint8_t *t = q_tail(oc, IPL_HDR_SIZE + (size_t)h.len);
		if (!t)
			return -ENOMEM;
		/* a reply longer than the request is wrong anyway: refused by max */
		struct bytes res = { (char *)t + IPL_HDR_SIZE, 0, h.len ? h.len : 1 };
		st = clnt_call(oc->cl, IPL_RPC_PROC_ECHO, (xdrproc_t)xdr_ipl_bytes, (caddr_t)&args,
			       (xdrproc_t)xdr_ipl_bytes, (caddr_t)&res, oc->tmo);
		if (st != RPC_SUCCESS)
			return call_failed(oc, st, h.seq);
		struct ipl_hdr rh = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .flags = IPL_FLAG_REPLY,
				      .seq = h.seq, .len = res.len };
		ipl_hdr_encode(&rh, t);
		oc->q_len += IPL_HDR_SIZE + res.len;
		return 0;
	}
	case IPL_OP_SINK:
		if (h.flags & IPL_FLAG_NOACK) {
			struct timeval zero = { 0, 0 };
			st = clnt_call(oc->cl, IPL_RPC_PROC_SINK_BATCH, (xdrproc_t)xdr_ipl_bytes,
				       (caddr_t)&args, (xdrproc_t)NULL, NULL, zero);
			return st == RPC_SUCCESS || st == RPC_TIMEDOUT ? 0 : call_failed(oc, st, h.seq);
		}
		st = clnt_call(oc->cl, IPL_RPC_PROC_SINK, (xdrproc_t)xdr_ipl_bytes, (caddr_t)&args,
			       (xdrproc_t)xdr_void, NULL, oc->tmo);
		return st == RPC_SUCCESS ? q_reply(oc, IPL_OP_SINK, h.seq, NULL, 0) : call_failed(oc, st, h.seq);
	default: /* HELLO, BYE */
		st = clnt_call(oc->cl, IPL_RPC_PROC_NULL, (xdrproc_t)xdr_void, NULL, (xdrproc_t)xdr_void,
			       NULL, oc->tmo);
		if (st != RPC_SUCCESS)
			return call_failed(oc, st, h.seq);
		if (h.op == IPL_OP_HELLO) {
			uint8_t capb[4];
			ipl_put_be32(capb, oc->cap);
			return q_reply(oc, IPL_OP_HELLO, h.seq, capb, 4);
		}
		oc->said_bye = 1;
		return q_reply(oc, IPL_OP_BYE, h.seq, NULL, 0);
	}
}

static ssize_t onc_recv(struct ipl_conn *c, void *buf, size_t len)
{
	struct onc_conn *oc = (struct onc_conn *)c;
	size_t have = oc->q_len - oc->q_off;
	if (!have)
		return oc->said_bye ? 0 : IPL_EPROTO; /* nothing was asked: nothing comes */
	size_t n = have < len ? have : len;
	memcpy(buf, oc->q.p + oc->q_off, n);
	oc->q_off += n;
	return (ssize_t)n;
}

static void onc_detach(struct ipl_conn *c)
{
	struct onc_conn *oc = (struct onc_conn *)c;
	if (oc->cl)
		clnt_destroy(oc->cl); /* leaves the fd to the carrier conn */
	ipl_conn_detach(oc->car);
	ipl_buf_free(&oc->q);
	free(oc);
}

extern const struct ipl_transport ipl_oncrpc_transport;

static int onc_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	struct ipl_endpoint *car;
	struct ipl_conn *cc;
	int rc = car_ep(ep, &car);
	if (rc < 0)
		return rc;
	if (ep->addr[0])
		memcpy(car->addr, ep->addr, sizeof car->addr);
	if ((rc = ipl_endpoint_attach_client(car, idx, &cc)) < 0)
		return rc;
	struct onc_conn *oc = calloc(1, sizeof *oc);
	if (!oc) {
		ipl_conn_detach(cc);
		return -ENOMEM;
	}
	oc->base.tp = &ipl_oncrpc_transport;
	oc->car = cc;
	oc->cap = ep->opts.cap ? ep->opts.cap : IPL_DEFAULT_CAP;
	server_cap = oc->cap; /* bounds the ECHO results too */
	int ms = ep->opts.timeout_ms > 0 ? ep->opts.timeout_ms : 60000;
	oc->tmo.tv_sec = ms / 1000;
	oc->tmo.tv_usec = (ms % 1000) * 1000;
	/* the socket is connected: libtirpc needs the peer only as a label */
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd = ipl_fdconn_rfd(cc);
	getpeername(fd, (struct sockaddr *)&ss, &sl);
	struct netbuf nb = { .maxlen = sizeof ss, .len = sl, .buf = &ss };
	oc->cl = clnt_vc_create(fd, &nb, IPL_RPC_PROG, IPL_RPC_PROG_VERS, 0, 0);
	if (!oc->cl) {
		onc_detach(&oc->base);
		return IPL_EPROTO;
	}
	*out = &oc->base;
	return 0;
}

static void onc_cancel(struct ipl_endpoint *ep)
{
	(void)ep; /* the svc loop polls ep->cancel itself */
}

const struct ipl_transport ipl_oncrpc_transport = {
	.name = "oncrpc",
	.summary = "the same ONC RPC program through libtirpc (reference for rpc)",
	.caps = IPL_CAP_LAYERED | IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT,
	.prepare = onc_prepare,
	.attach_server = onc_attach_server,
	.accept = onc_accept,
	.attach_client = onc_attach_client,
	.send = onc_send,
	.recv = onc_recv,
	.detach = onc_detach,
	.release = ipl_layer_release,
	.cleanup = onc_cleanup,
	.cancel = onc_cancel,
};

#else
typedef int ipl_oncrpc_not_built; /* libtirpc absent: no oncrpc mechanism */
#endif
