/* oncrpc - the ipclab program through a stock ONC RPC implementation,
 * libtirpc, on both ends: the benchmark's reference for `rpc`.  Built only
 * when libtirpc is installed (rpc/oncrpc.mk leaves this file out otherwise).
 *
 * How it fits the transport interface:
 *   server  prepare/attach/release/cleanup delegate to the carrier (tcp or
 *           unix: a listening socket).  libtirpc serves connections through
 *           its own transports (SVCXPRT), not a conn per client, so the
 *           first accept() serves every client itself until the endpoint
 *           is cancelled and never returns a conn: it accepts each
 *           connection, gives it an SVCXPRT (svc_fd_create) and a thread of
 *           its own that feeds it to svc_getreq_common (see "server" below
 *           for why not svc_run).  The dispatcher below is what rpcgen
 *           would generate for tests/interop/ipclab.x.
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
#include "common/bytes.h"
#include "common/err.h"
#include "common/msgio.h"
#include "rpc/rpcprog.h"
#include "rpc/layer.h"
#include "common/transport.h"

#include "common/clock.h"
#include "rpc/rpcmsg.h"
#include "rpc/oncrpc_dg.h"

#include <rpc/rpc.h>
#include <rpc/rpc_com.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- endpoint ------------------------------------------------------------ */

static uint32_t server_cap = IPL_DEFAULT_CAP; /* the svc loop has no context pointer */

/* libtirpc speaks to sockets: the carrier must offer its socket fds (the
 * transport ops listen_fd and conn_fd): tcp and unix streams, or udp
 * datagrams (rpc/oncrpc_dg.c: its listen_fd; a client opens its own socket).  The rest of the endpoint is the carrier's
 * (rpc/layer.c). */
static int onc_carrier_ok(const struct ipl_transport *car)
{
	return car->listen_fd && (car->conn_fd || (car->caps & IPL_CAP_DATAGRAM));
}

static int socket_carrier(const struct ipl_endpoint *ep)
{
	const struct ipl_transport *via = ep->opts.via; /* the registry sets a default */
	if (!via)
		return -EINVAL; /* no carrier: ipl_endpoint_init was not used */
	return onc_carrier_ok(via) ? 0 : IPL_EUNSUPP;
}

static int onc_prepare(struct ipl_endpoint *ep)
{
	int rc = socket_carrier(ep);
	return rc ? rc : ipl_layer_prepare(ep);
}

static int onc_attach_server(struct ipl_endpoint *ep)
{
	int rc = socket_carrier(ep);
	return rc ? rc : ipl_layer_attach_server(ep);
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

/* Decodes a call's arguments into args.  On failure the reply is GARBAGE_ARGS
 * and whatever the decoder allocated before it failed (a SUM's array sized
 * by its count) is freed here: nobody else will. */
static int get_args(SVCXPRT *t, xdrproc_t proc, void *args)
{
	if (svc_getargs(t, proc, args))
		return 1;
	svcerr_decode(t);
	svc_freeargs(t, proc, args);
	return 0;
}

static void dispatch(struct svc_req *rq, SVCXPRT *t)
{
	switch (rq->rq_proc) {
	case IPL_RPC_PROC_NULL: svc_sendreply(t, (xdrproc_t)xdr_void, NULL); return;
	case IPL_RPC_PROC_ECHO:
	case IPL_RPC_PROC_SINK:
	case IPL_RPC_PROC_SINK_BATCH: {
		struct bytes b = { 0 };
		if (!get_args(t, (xdrproc_t)xdr_ipl_bytes, &b))
			return;
		if (rq->rq_proc == IPL_RPC_PROC_ECHO)
			svc_sendreply(t, (xdrproc_t)xdr_ipl_bytes, (caddr_t)&b);
		else if (rq->rq_proc == IPL_RPC_PROC_SINK)
			svc_sendreply(t, (xdrproc_t)xdr_void, NULL);
		svc_freeargs(t, (xdrproc_t)xdr_ipl_bytes, (caddr_t)&b);
		return;
	}
	case IPL_RPC_PROC_ADD: {
		int ab[2];
		if (!get_args(t, (xdrproc_t)xdr_pair, ab))
			return;
		int sum = (int)((unsigned)ab[0] + (unsigned)ab[1]);
		svc_sendreply(t, (xdrproc_t)xdr_int, (caddr_t)&sum);
		return;
	}
	case IPL_RPC_PROC_SUM: {
		struct ints a = { 0 };
		if (!get_args(t, (xdrproc_t)xdr_ints, &a))
			return;
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

/* ---- server ---------------------------------------------------------------
 * libtirpc's svc_run serves every connection from one thread, and its reads
 * wait (35 s each) in the middle of a record: one slow or silent client
 * would stop all the others.  So the accept op takes connections itself and
 * gives each its own SVCXPRT (svc_fd_create) and its own thread, which polls
 * only that socket and hands its input to svc_getreq_common.  libtirpc 1.3
 * allows that: its table of transports is guarded by svc_fd_lock, a
 * transport's state is its own, and the list of programs is written
 * (svc_register) before the first connection thread starts and removed
 * after the last one is joined.
 *
 * libtirpc destroys a transport itself, closing its fd, when the peer hangs
 * up or sends what it cannot parse.  The thread must know, or it would go on
 * polling an fd number a new connection may have reused: each transport
 * gets a copy of libtirpc's ops table whose destroy marks the connection
 * dead, under mu, before calling libtirpc's (so the watchdog, which shuts
 * sockets down under mu, never touches a reused number).
 *
 * Limits (ep->opts): at most max_conns connections (more are closed at
 * once); one silent idle_ms between requests is closed; a request must
 * arrive whole and its reply be taken within idle_ms, or the watchdog shuts
 * the socket down (that ends libtirpc's blocked read or write); a record
 * whose first fragment claims more than cap + RPC overhead is refused
 * before libtirpc reads it.  Whatever libtirpc does read streams through
 * its fixed buffers and the arguments decode into at most cap bytes, so a
 * connection holds at most about cap of memory. */

#define TICK_MS 200          /* watchdog and cancel granularity of the accept loop */
#define STOP_GRACE_MS 2000   /* a stopping server lets replies in hand finish */
#define FD_PAUSE_MIN_MS 10   /* out of fds: first pause before accepting again */
#define FD_PAUSE_MAX_MS 1000 /* ... doubling up to this */
#define CONN_STACK (512u << 10)

struct onc_srv;

struct onc_cx {
	struct onc_cx *next;
	struct onc_srv *s;
	pthread_t th;
	int fd;                       /* -1 once libtirpc closed it (under s->mu) */
	SVCXPRT *xprt;                /* NULL once destroyed */
	struct xp_ops ops;            /* libtirpc's, with destroy wrapped */
	void (*destroy)(SVCXPRT *);   /* libtirpc's destroy */
	_Atomic long long busy_since; /* ms the request in hand began; 0: between requests */
	int shut;                     /* its socket was shut down (under s->mu) */
	int done;                     /* its thread has finished (under s->mu) */
};

struct onc_srv {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct onc_cx *conns;
	unsigned live;
	unsigned max_conns;
	int idle_ms;      /* -1: never */
	uint32_t rec_max; /* largest first fragment a record may claim */
	int tcp;
	int stop_fd; /* eventfd, readable once the server stops */
	int wake_fd; /* eventfd, written when a connection ends (fds free again) */
};

static long long now_ms(void)
{
	return (long long)(ipl_now_ns() / 1000000u) + 1; /* never 0: 0 means "not busy" */
}

static void cx_destroy(SVCXPRT *x)
{
	struct onc_cx *cx = (struct onc_cx *)((uintptr_t)x->xp_ops - offsetof(struct onc_cx, ops));
	pthread_mutex_lock(&cx->s->mu);
	cx->xprt = NULL;
	cx->fd = -1;
	cx->destroy(x); /* closes the fd while mu is held */
	pthread_mutex_unlock(&cx->s->mu);
}

/* At a record boundary (libtirpc has used up what it read) the next bytes
 * are a record's first fragment header: refuse a record no call we serve
 * needs.  With fewer than 4 bytes in yet, libtirpc reads the rest itself;
 * what it then streams costs no memory and is bounded in time by the
 * watchdog. */
static int frag_ok(int fd, uint32_t max)
{
	uint8_t h[4];
	int last;
	ssize_t n = recv(fd, h, sizeof h, MSG_PEEK | MSG_DONTWAIT);
	return n < (ssize_t)sizeof h || ipl_rm_parse(h, &last) <= max;
}

static void cx_end(struct onc_cx *cx)
{
	struct onc_srv *s = cx->s;
	if (cx->xprt)
		svc_destroy(cx->xprt);
	pthread_mutex_lock(&s->mu);
	cx->done = 1;
	s->live--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	uint64_t one = 1;
	if (write(s->wake_fd, &one, sizeof one) < 0) {
		/* the counter cannot overflow in practice; the accept loop's
		 * tick notices a finished connection anyway */
	}
}

static void *cx_main(void *arg)
{
	struct onc_cx *cx = arg;
	struct onc_srv *s = cx->s;
	for (;;) {
		struct pollfd p[2] = { { cx->fd, POLLIN, 0 }, { s->stop_fd, POLLIN, 0 } };
		int n = poll(p, 2, s->idle_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || p[1].revents) /* idle too long, or the server stops */
			break;
		if (!frag_ok(cx->fd, s->rec_max))
			break;
		atomic_store(&cx->busy_since, now_ms());
		svc_getreq_common(cx->fd); /* may destroy the transport: see cx_destroy */
		atomic_store(&cx->busy_since, 0);
		if (!cx->xprt)
			break;
	}
	cx_end(cx);
	return NULL;
}

/* Gives fd its transport and thread; on failure fd is closed. */
static int cx_start(struct onc_srv *s, int fd)
{
	struct onc_cx *cx = calloc(1, sizeof *cx);
	if (!cx) {
		close(fd);
		return -ENOMEM;
	}
	cx->s = s;
	cx->fd = fd;
	/* (on a late failure libtirpc 1.3 leaves its half-made transport
	 * registered: a leak of its own we cannot reach) */
	cx->xprt = svc_fd_create(fd, 0, 0);
	if (!cx->xprt) {
		close(fd);
		free(cx);
		return IPL_EPROTO;
	}
	cx->ops = *cx->xprt->xp_ops;
	cx->destroy = cx->ops.xp_destroy;
	cx->ops.xp_destroy = cx_destroy;
	cx->xprt->xp_ops = &cx->ops;

	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, CONN_STACK);
	/* every signal blocked: the process's signals go to the accepting thread */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_mutex_lock(&s->mu);
	int rc = pthread_create(&cx->th, &at, cx_main, cx);
	if (rc == 0) {
		cx->next = s->conns;
		s->conns = cx;
		s->live++;
	}
	pthread_mutex_unlock(&s->mu);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&at);
	if (rc) { /* out of threads: refuse this client, keep the others */
		svc_destroy(cx->xprt);
		free(cx);
		return -rc;
	}
	return 0;
}

/* Accepts one connection and starts it, or closes it when the server is
 * full.  0, or -errno of accept4. */
static int take(struct onc_srv *s, int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	/* a client that gave up before we accepted is not our failure */
	if (fd < 0)
		return errno == EINTR || errno == EAGAIN || errno == ECONNABORTED || errno == EPROTO ? 0 : -errno;
	pthread_mutex_lock(&s->mu);
	unsigned live = s->live;
	pthread_mutex_unlock(&s->mu);
	/* libtirpc only keeps transports whose fd is below the table size it
	 * read once: a higher one would never be served */
	if (live >= s->max_conns || fd >= _rpc_dtablesize()) {
		close(fd);
		return 0;
	}
	if (s->tcp) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	cx_start(s, fd); /* a failure refuses this client only */
	return 0;
}

/* Joins and frees the connections whose thread has finished. */
static void reap(struct onc_srv *s)
{
	pthread_mutex_lock(&s->mu);
	struct onc_cx **pp = &s->conns;
	while (*pp) {
		struct onc_cx *cx = *pp;
		if (cx->done) {
			*pp = cx->next;
			pthread_join(cx->th, NULL);
			free(cx);
		} else {
			pp = &cx->next;
		}
	}
	pthread_mutex_unlock(&s->mu);
}

/* Shuts down the socket of every connection busy longer than idle_ms (or
 * of every connection, idle_ms < 0 ignored, when all is set).  Caller holds mu. */
static void shut_busy(struct onc_srv *s, int all)
{
	long long now = now_ms();
	for (struct onc_cx *cx = s->conns; cx; cx = cx->next) {
		long long b = atomic_load(&cx->busy_since);
		int late = b && s->idle_ms >= 0 && now - b > s->idle_ms;
		if ((all || late) && !cx->done && !cx->shut && cx->fd >= 0) {
			shutdown(cx->fd, SHUT_RDWR);
			cx->shut = 1;
		}
	}
}

/* Tells every connection to stop, gives requests in hand STOP_GRACE_MS,
 * then shuts the rest down and joins them all. */
static void stop_all(struct onc_srv *s)
{
	uint64_t one = 1;
	if (write(s->stop_fd, &one, sizeof one) < 0) {
		/* cannot fail on a fresh eventfd; the shutdowns below end them anyway */
	}
	long long end = now_ms() + STOP_GRACE_MS;
	pthread_mutex_lock(&s->mu);
	while (s->live && now_ms() < end) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	}
	shut_busy(s, 1); /* stuck writing to a peer that never reads */
	while (s->live)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	reap(s);
}

/* Accepts until cancelled.  Out of fds (or memory), it stops polling the
 * listening socket until a connection ends or a pause passes, doubling up
 * to FD_PAUSE_MAX_MS: never a busy loop. */
static int accept_loop(struct ipl_endpoint *ep, struct onc_srv *s, int lfd)
{
	long pause = 0;
	long long resume = 0;
	while (!atomic_load(&ep->cancel)) {
		long long now = now_ms();
		int listening = now >= resume;
		long long wait = listening ? TICK_MS : resume - now;
		struct pollfd p[2] = { { s->wake_fd, POLLIN, 0 }, { listening ? lfd : -1, POLLIN, 0 } };
		int n = poll(p, 2, wait < TICK_MS ? (int)wait : TICK_MS);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0 && (p[0].revents & POLLIN)) {
			uint64_t cnt;
			if (read(s->wake_fd, &cnt, sizeof cnt) > 0)
				resume = 0; /* fds were freed: try again now */
			reap(s);
		}
		if (n > 0 && (p[1].revents & POLLIN)) {
			int rc = take(s, lfd);
			if (rc == -EMFILE || rc == -ENFILE || rc == -ENOBUFS || rc == -ENOMEM) {
				pause = pause ? pause * 2 : FD_PAUSE_MIN_MS;
				if (pause > FD_PAUSE_MAX_MS)
					pause = FD_PAUSE_MAX_MS;
				resume = now_ms() + pause;
			} else if (rc < 0) {
				return rc;
			} else {
				pause = 0;
			}
		}
		pthread_mutex_lock(&s->mu);
		shut_busy(s, 0);
		pthread_mutex_unlock(&s->mu);
	}
	return IPL_ECANCELED;
}

/* Whether lfd listens on TCP (an inet stream socket), asked of the socket
 * rather than the carrier's name: then TCP_NODELAY goes on every connection. */
static int is_inet(int lfd)
{
	int dom = 0;
	socklen_t l = sizeof dom;
	return getsockopt(lfd, SOL_SOCKET, SO_DOMAIN, &dom, &l) == 0 && (dom == AF_INET || dom == AF_INET6);
}

/* Only a program registration's anchor: with protocol 0 svc_register reads
 * nothing from it (no portmapper; clients connect to the address). */
static SVCXPRT reg_anchor;

static int onc_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	(void)out; /* the connections are served here, never handed out */
	struct ipl_endpoint *car;
	int rc = socket_carrier(ep);
	if (rc == 0)
		rc = ipl_layer_carrier(ep, &car);
	if (rc < 0)
		return rc;
	int lfd = car->tp->listen_fd(car);
	if (lfd < 0)
		return lfd;
	server_cap = ep->opts.cap ? ep->opts.cap : IPL_DEFAULT_CAP;
	struct onc_srv s = {
		.max_conns = ep->opts.max_conns ? ep->opts.max_conns : IPL_DEFAULT_MAX_CONNS,
		.idle_ms = ep->opts.idle_ms ? (ep->opts.idle_ms < 0 ? -1 : ep->opts.idle_ms) : IPL_DEFAULT_IDLE_MS,
		.rec_max = server_cap + IPL_RPC_OVERHEAD,
		.tcp = is_inet(lfd),
		.stop_fd = eventfd(0, EFD_CLOEXEC),
		.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK),
	};
	if (s.stop_fd < 0 || s.wake_fd < 0) {
		rc = -errno;
	} else if (!svc_register(&reg_anchor, IPL_RPC_PROG, IPL_RPC_PROG_VERS, dispatch, 0)) {
		rc = IPL_EUNSUPP;
	} else if (car->tp->caps & IPL_CAP_DATAGRAM) { /* udp: svc_dg, one thread */
		rc = ipl_onc_dg_serve(ep, lfd);
		svc_unregister(IPL_RPC_PROG, IPL_RPC_PROG_VERS);
	} else {
		pthread_mutex_init(&s.mu, NULL);
		pthread_cond_init(&s.cv, NULL);
		rc = accept_loop(ep, &s, lfd);
		stop_all(&s);
		svc_unregister(IPL_RPC_PROG, IPL_RPC_PROG_VERS);
		pthread_mutex_destroy(&s.mu);
		pthread_cond_destroy(&s.cv);
	}
	if (s.stop_fd >= 0)
		close(s.stop_fd);
	if (s.wake_fd >= 0)
		close(s.wake_fd);
	return rc;
}

/* ---- client connection ------------------------------------------------- */

struct onc_conn {
	struct ipl_conn base;
	struct ipl_conn *car; /* owns the socket; libtirpc borrows it */
	CLIENT *cl;
	uint32_t cap;
	struct timeval tmo;
	int said_bye;
	int dg;    /* over udp (clnt_dg): no batching */
	int dg_fd; /* ... on this socket of its own (car only named the server) */
	struct ipl_buf q; /* queued ipclab replies */
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

/* A failed call: transport trouble ends the run, the rest is an ERROR.  A
 * server that never answered is a timeout, not a peer that hung up. */
static int call_failed(struct onc_conn *oc, enum clnt_stat st, uint64_t seq)
{
	if (st == RPC_TIMEDOUT)
		return -ETIMEDOUT;
	if (st == RPC_CANTSEND || st == RPC_CANTRECV)
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
		struct ipl_hdr rh = { .version = IPL_VERSION,
				      .op = IPL_OP_ECHO,
				      .flags = IPL_FLAG_REPLY,
				      .seq = h.seq,
				      .len = res.len };
		ipl_hdr_encode(&rh, t);
		oc->q_len += IPL_HDR_SIZE + res.len;
		return 0;
	}
	case IPL_OP_SINK:
		if (h.flags & IPL_FLAG_NOACK) {
			/* libtirpc's datagram client never sends a call that
			 * expects no reply (a zero timeout returns before the
			 * send): a one-way stream cannot run over udp */
			if (oc->dg)
				return IPL_EUNSUPP;
			struct timeval zero = { 0, 0 };
			st = clnt_call(oc->cl, IPL_RPC_PROC_SINK_BATCH, (xdrproc_t)xdr_ipl_bytes,
				       (caddr_t)&args, (xdrproc_t)NULL, NULL, zero);
			return st == RPC_SUCCESS || st == RPC_TIMEDOUT ? 0 : call_failed(oc, st, h.seq);
		}
		st = clnt_call(oc->cl, IPL_RPC_PROC_SINK, (xdrproc_t)xdr_ipl_bytes, (caddr_t)&args,
			       (xdrproc_t)xdr_void, NULL, oc->tmo);
		return st == RPC_SUCCESS ? q_reply(oc, IPL_OP_SINK, h.seq, NULL, 0)
					 : call_failed(oc, st, h.seq);
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
		clnt_destroy(oc->cl); /* leaves the fd to the carrier conn, or to us */
	if (oc->dg && oc->dg_fd >= 0)
		close(oc->dg_fd);
	ipl_conn_detach(oc->car);
	ipl_buf_free(&oc->q);
	free(oc);
}

extern const struct ipl_transport ipl_oncrpc_transport;

static int onc_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	struct ipl_conn *cc;
	int rc = socket_carrier(ep);
	if (rc == 0)
		rc = ipl_layer_connect(ep, idx, &cc);
	if (rc < 0)
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
	oc->dg = (cc->tp->caps & IPL_CAP_DATAGRAM) != 0;
	if (oc->dg) {
		oc->cl = ipl_onc_dg_client(cc, &oc->dg_fd);
	} else {
		int fd = cc->tp->conn_fd(cc);
		/* the socket is connected: libtirpc needs the peer only as a label */
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		getpeername(fd, (struct sockaddr *)&ss, &sl);
		struct netbuf nb = { .maxlen = sizeof ss, .len = sl, .buf = &ss };
		oc->cl = clnt_vc_create(fd, &nb, IPL_RPC_PROG, IPL_RPC_PROG_VERS, 0, 0);
	}
	if (!oc->cl) {
		onc_detach(&oc->base);
		return IPL_EPROTO;
	}
	*out = &oc->base;
	return 0;
}

/* What `ipclab demo oncrpc` says at each step (transport.h: ipl_tp_describe):
 * libtirpc owns the carrier connection, so the demo traces the exchange
 * where it enters and leaves the layer. */
static const struct ipl_tp_describe onc_describe = {
	.intro = (const char *const[]){ "{name} is a layer that owns its carrier connection, so the exchange is traced where it enters and",
					"leaves the layer; the bytes between are ONC RPC records like those `ipclab demo rpc` shows.",
					NULL },
	.prepare = (const char *const[]){ "prepare: the carrier ({via}) creates its listening socket at {addr}; libtirpc takes "
					  "it over in the server",
					  NULL },
	.attach_client = (const char *const[]){ "connects through the carrier to \"{addr}\" and hands the socket to libtirpc: "
						"clnt_vc_create() makes the CLIENT handle the stubs call through",
						NULL },
	.serve = (const char *const[]){ "accept: takes each client on the listening socket itself and gives it to libtirpc "
					"as an SVCXPRT (svc_fd_create) with a thread of its own that polls that socket and "
					"hands its input to svc_getreq_common: libtirpc reads each CALL, runs the server stub "
					"and writes the REPLY, all inside this call, until told to stop",
					NULL },
	.stopped = (const char *const[]){ "the service loop stopped (SIGTERM from the parent once the client was done); "
					  "libtirpc closed the connection",
					  NULL },
	.send = "{name} send: libtirpc's clnt_call() marshals it as an ONC RPC CALL, writes the "
		"record to the carrier socket and waits for the REPLY",
	.recv = "{name} recv: the ipclab reply that clnt_call's REPLY stands for",
};

const struct ipl_transport ipl_oncrpc_transport = {
	.name = "oncrpc",
	.summary = "the same ONC RPC program through libtirpc (reference for rpc)",
	.caps = IPL_CAP_LAYERED | IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT,
	.max_payload_dgram = IPL_ONC_DG_MAX_PAYLOAD,
	.max_why_dgram = "over udp one call is one datagram (65,507 bytes): 44 of RPC header and opaque "
			 "length + 65,460 of payload",
	.prepare = onc_prepare,
	.attach_server = onc_attach_server,
	.accept = onc_accept,
	.attach_client = onc_attach_client,
	.send = onc_send,
	.recv = onc_recv,
	.detach = onc_detach,
	.release = ipl_layer_release,
	.cleanup = ipl_layer_cleanup, /* connections and their threads ended with accept */
	/* no cancel op: ipl_endpoint_cancel sets ep->cancel, which the accept
	 * loop checks every TICK_MS and whenever a signal interrupts its poll */
	.describe = &onc_describe,
	.carrier_ok = onc_carrier_ok,
};
