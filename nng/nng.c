/* nng - the exchange through libnng, the second messaging-library reference
 * next to zmq: `nng/unix` (nng's ipc:// transport, a Unix domain socket) and
 * `nng/tcp`.  Built only when libnng is installed (nng/nng.mk).
 *
 * Pattern: raw REQ (client) to raw REP (server).  The server model is one
 * conn per client, each served by its own thread, every one of them keeping
 * a window of requests in flight; cooked REP hands any client's request to
 * whichever context asks and allows one reply per request, cooked REQ one
 * request in flight per context, and pair1 one peer per socket.  Raw REP
 * tags each request with its pipe (the client's connection), which is what
 * the demultiplexer needs (common/demux.c, as zmq's ROUTER): one socket for
 * every client, each pipe a conn.  A message carries one 4-byte request id
 * (high bit set) in nng's header, then exactly the bytes every mechanism
 * sends (header and payload, verified the same way); an empty body is the
 * end of stream.  Raw REP queues up to 64 replies per pipe and drops beyond
 * (nng's choice: a peer that does not read cannot stall the others), so a
 * --window above 63 may lose replies on nng.
 *
 * Bound: NNG_OPT_RECVMAXSZ is the cap plus the message header plus the one
 * request id, so a peer announcing more is disconnected by nng before
 * anything is allocated for it; a body without a request id, or any other
 * garbage framing, makes nng close that pipe (its conn then ends).
 *
 * Names: nng 1.5.2 cannot adopt a socket it did not make (socket:// came
 * later), and its threads do not survive a fork, so the server binds after
 * the fork.  prepare still runs the carrier (--via unix: a path in a private
 * 0700 directory; --via tcp: a port) to pick and check the name, then
 * closes the carrier's socket: the server's nng listener takes the name
 * over (an ipc socket file 0600), and the carrier's cleanup removes it.  A
 * client that finds nobody there yet retries for up to CONNECT_WAIT_MS
 * before -ECONNREFUSED.
 *
 * A peer that dies is seen through nng's pipe notification (REM_POST): its
 * conn ends once the messages it sent before are read, not at the idle
 * timeout.  nng's global threads are ended (nng_fini) when a process closes
 * its last nng socket, so a process may fork after using nng.
 */
#include "common/io.h"
#include "common/demux.h"
#include "common/err.h"
#include "common/msg.h"
#include "common/transport.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLICE_MS 100
#define LINGER_MS 1000        /* detach: how long the end marker may wait */
#define GONE_MS 1000          /* a gone peer's conn is told at the latest after this */
#define CONNECT_WAIT_MS 10000 /* a client waits this long for a server to bind */
#define QUIET_WAIT_MS 10000   /* a closing end waits this long for the pipe to go quiet */
#define REQ_ID 0x80000000u    /* the one request id every message carries */

struct gone_pipe {
	uint32_t id;
	struct timespec since;
};

struct nep {
	struct ipl_endpoint car; /* the carrier: picks, checks and removes the name */
	nng_socket sock;         /* raw REP, server process only */
	int open, rfd, sfd;      /* NNG_OPT_RECVFD, NNG_OPT_SENDFD */
	struct ipl_dx *dx;
	pthread_mutex_t gone_mu; /* pipes nng said are gone, not yet told */
	pthread_cond_t quiet;    /* npipes fell */
	struct gone_pipe *gone;
	size_t ngone, capgone;
	unsigned npipes; /* pipes open (ADD_POST less REM_POST), gone_mu */
};

struct nclient {
	struct ipl_conn base;
	int server; /* 0: see struct ipl_dx_conn */
	nng_socket sock;
	int open, rfd, sfd; /* NNG_OPT_RECVFD, NNG_OPT_SENDFD */
	atomic_int gone;    /* the server's pipe was removed */
	nng_msg *cur;
	size_t off;
	int eof;
	int sent;       /* a message went: the server has a conn for us */
	int bye;        /* the last one was a BYE: the server ends the conn */
	int timeout_ms; /* opts.timeout_ms */
};

/* ---- the library's lifetime in this process ---------------------------- */

static pthread_mutex_t lib_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned lib_socks;

static int nerr(int rv)
{
	switch (rv) {
	case NNG_ENOMEM: return -ENOMEM;
	case NNG_ECONNREFUSED:
	case NNG_ENOENT: return -ECONNREFUSED;
	case NNG_EADDRINUSE: return -EADDRINUSE;
	case NNG_EADDRINVAL: return IPL_EADDR;
	case NNG_ETIMEDOUT: return -ETIMEDOUT;
	case NNG_ECLOSED:
	case NNG_ECONNSHUT:
	case NNG_ECONNRESET: return -EPIPE;
	case NNG_EPERM: return -EACCES;
	default: return (rv & NNG_ESYSERR) ? -(rv & ~NNG_ESYSERR) : -EIO;
	}
}

/* Opens a raw socket of the given kind, counted for lib_close. */
static int lib_open(nng_socket *s, int server)
{
	pthread_mutex_lock(&lib_mu);
	int rv = server ? nng_rep0_open_raw(s) : nng_req0_open_raw(s);
	if (rv == 0)
		lib_socks++;
	pthread_mutex_unlock(&lib_mu);
	return rv ? nerr(rv) : 0;
}

/* Closes s; the last socket also stops nng's threads (nng_fini), so a fork
 * after this starts from a clean library. */
static void lib_close(nng_socket s)
{
	pthread_mutex_lock(&lib_mu);
	nng_close(s);
	if (--lib_socks == 0)
		nng_fini();
	pthread_mutex_unlock(&lib_mu);
}

/* "ipc:///dir/sock" or "tcp://127.0.0.1:4242" for carrier via at addr. */
static int endpoint_url(const struct ipl_transport *via, const char *addr, char *out, size_t len)
{
	int n = snprintf(out, len, "%s://%s", strcmp(via->name, "tcp") ? "ipc" : "tcp", addr);
	return n < 0 || (size_t)n >= len ? IPL_EADDR : 0;
}

/* nng meets its peers on a socket: tcp or unix only. */
static int socket_carrier(const struct ipl_endpoint *ep)
{
	const struct ipl_transport *via = ep->opts.via;
	if (!via)
		return -EINVAL;
	return strcmp(via->name, "tcp") && strcmp(via->name, "unix") ? IPL_EUNSUPP : 0;
}

/* What a peer may send in one message: our header and cap, plus the
 * request id in front of it. */
static size_t max_msg(const struct ipl_tp_opts *o)
{
	return (size_t)IPL_HDR_SIZE + (o->cap ? o->cap : IPL_DEFAULT_CAP) + 4;
}

static int n_prepare(struct ipl_endpoint *ep)
{
	int rc = socket_carrier(ep);
	if (rc)
		return rc;
	struct nep *z = calloc(1, sizeof *z);
	if (!z)
		return -ENOMEM;
	pthread_mutex_init(&z->gone_mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&z->quiet, &ca);
	pthread_condattr_destroy(&ca);
	ep->priv = z;
	struct ipl_tp_opts co = ep->opts;
	co.via = NULL;
	ipl_endpoint_init(&z->car, ep->opts.via, &co, NULL);
	rc = ipl_endpoint_prepare(&z->car);
	if (rc == 0)
		snprintf(ep->addr, sizeof ep->addr, "%s", z->car.addr);
	/* the name is picked and checked; the server's nng listener takes it */
	ipl_endpoint_release(&z->car);
	return rc;
}

/* ---- server ----------------------------------------------------------- */

static long ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000L + (now.tv_nsec - t->tv_nsec) / 1000000L;
}

/* nng's pipe notification (any nng thread): a pipe came (counted for
 * wait_pipes_gone) or went; a gone pipe's last messages are already in the
 * socket's queue, and the pump tells its conn. */
static void pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct nep *z = arg;
	pthread_mutex_lock(&z->gone_mu);
	if (ev == NNG_PIPE_EV_ADD_POST) {
		z->npipes++;
		pthread_mutex_unlock(&z->gone_mu);
		return;
	}
	if (z->npipes)
		z->npipes--;
	pthread_cond_broadcast(&z->quiet);
	if (z->ngone == z->capgone) {
		size_t n = z->capgone ? 2 * z->capgone : 16;
		struct gone_pipe *g = realloc(z->gone, n * sizeof *g);
		if (!g) { /* untracked: its conn ends at the idle timeout */
			pthread_mutex_unlock(&z->gone_mu);
			return;
		}
		z->gone = g;
		z->capgone = n;
	}
	struct gone_pipe *g = &z->gone[z->ngone++];
	g->id = (uint32_t)nng_pipe_id(p);
	clock_gettime(CLOCK_MONOTONIC, &g->since);
	pthread_mutex_unlock(&z->gone_mu);
}

/* Tells the demultiplexer about the first n gone pipes (in the order nng
 * reported them): every one when the socket's queue was found empty after
 * they went (their messages are all read), else those gone for GONE_MS (a
 * busy server still notices). */
static void tell_gone(struct nep *z, size_t n, int queue_empty)
{
	for (;;) {
		uint32_t id = 0;
		int found = 0;
		pthread_mutex_lock(&z->gone_mu);
		for (size_t i = 0; i < n && i < z->ngone && !found; i++) {
			if (!queue_empty && ms_since(&z->gone[i].since) < GONE_MS)
				continue;
			id = z->gone[i].id;
			memmove(&z->gone[i], &z->gone[i + 1], (z->ngone - i - 1) * sizeof *z->gone);
			z->ngone--;
			n--;
			found = 1;
		}
		pthread_mutex_unlock(&z->gone_mu);
		if (!found)
			return;
		ipl_dx_peer_gone(z->dx, (const uint8_t *)&id, sizeof id);
	}
}

/* A received message as the demultiplexer's: key = its pipe id. */
static int take(nng_msg *m, uint8_t *key, size_t *keylen, struct ipl_dx_msg **out)
{
	uint32_t id = (uint32_t)nng_pipe_id(nng_msg_get_pipe(m));
	size_t n = nng_msg_len(m);
	memcpy(key, &id, sizeof id);
	*keylen = sizeof id;
	*out = ipl_dx_msg_new(n);
	if (*out)
		memcpy((*out)->data, nng_msg_body(m), n);
	nng_msg_free(m);
	return *out ? 1 : 0;
}

/* Waits up to ms for fd (nng's NNG_OPT_RECVFD/SENDFD: readable while the
 * socket can receive/send).  nng's own RECVTIMEO/SENDTIMEO are not used:
 * under load 1.5.2 was seen to miss such a timeout and block for good. */
static void wait_fd(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, ms) < 0) {
		/* EINTR: the caller looks at its flags and comes back */
	}
}

static int n_pump(void *arg, int ms, uint8_t *key, size_t *keylen, struct ipl_dx_msg **out)
{
	struct nep *z = arg;
	nng_msg *m;
	pthread_mutex_lock(&z->gone_mu);
	size_t n = z->ngone; /* gone before the look at the queue below */
	pthread_mutex_unlock(&z->gone_mu);
	int rv = nng_recvmsg(z->sock, &m, NNG_FLAG_NONBLOCK);
	tell_gone(z, n, rv == NNG_EAGAIN);
	if (rv == NNG_EAGAIN) {
		wait_fd(z->rfd, ms);
		rv = nng_recvmsg(z->sock, &m, NNG_FLAG_NONBLOCK);
	}
	if (rv == NNG_EAGAIN)
		return 0;
	if (rv)
		return nerr(rv);
	return take(m, key, keylen, out);
}

static int n_open_server(struct nep *z, const struct ipl_endpoint *ep)
{
	char url[IPL_ADDR_MAX + 16];
	nng_listener l;
	int rc = endpoint_url(ep->opts.via, ep->addr, url, sizeof url);
	if (rc < 0 || (rc = lib_open(&z->sock, 1)) < 0)
		return rc;
	z->open = 1;
	int ipc = strncmp(url, "ipc:", 4) == 0;
	int rv = nng_socket_set_size(z->sock, NNG_OPT_RECVMAXSZ, max_msg(&ep->opts));
	if (!rv)
		rv = nng_socket_get_int(z->sock, NNG_OPT_RECVFD, &z->rfd);
	if (!rv)
		rv = nng_socket_get_int(z->sock, NNG_OPT_SENDFD, &z->sfd);
	if (!rv)
		rv = nng_pipe_notify(z->sock, NNG_PIPE_EV_ADD_POST, pipe_event, z);
	if (!rv)
		rv = nng_pipe_notify(z->sock, NNG_PIPE_EV_REM_POST, pipe_event, z);
	if (!rv)
		rv = nng_listener_create(&l, z->sock, url);
	if (!rv && ipc)
		rv = nng_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, 0600);
	if (!rv)
		rv = nng_listener_start(l, 0);
	if (rv)
		return nerr(rv);
	z->dx = ipl_dx_new(ep->tp, &ep->opts, n_pump, z);
	return z->dx ? 0 : -ENOMEM;
}

static int n_attach_server(struct ipl_endpoint *ep)
{
	struct nep *z = ep->priv;
	if (!z)
		return -EBADF;
	return z->open ? -EINVAL : n_open_server(z, ep);
}

static int n_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	struct nep *z = ep->priv;
	if (!z || !z->dx)
		return -EBADF;
	return ipl_dx_accept(z->dx, &ep->cancel, out);
}

/* One message of total bytes from iov, request id in its header. */
static int build(nng_msg **m, const struct iovec *iov, int cnt, size_t total)
{
	int rv = nng_msg_alloc(m, total);
	if (rv)
		return nerr(rv);
	uint8_t *p = nng_msg_body(*m);
	for (int i = 0; i < cnt; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	return 0;
}

/* Raw REP routes by the header: [pipe id][request id]. */
static int server_send(struct ipl_dx_conn *c, const struct iovec *iov, int cnt, size_t total)
{
	struct nep *z = ipl_dx_arg(c);
	uint32_t pipe;
	memcpy(&pipe, c->key, sizeof pipe);
	nng_msg *m;
	int rc = build(&m, iov, cnt, total);
	if (rc < 0)
		return rc;
	int rv = nng_msg_header_append_u32(m, pipe);
	if (!rv)
		rv = nng_msg_header_append_u32(m, REQ_ID);
	if (!rv)
		rv = nng_sendmsg(z->sock, m, 0); /* nng queues it for that pipe */
	if (rv)
		nng_msg_free(m);
	return rv ? nerr(rv) : 0;
}

/* ---- client ------------------------------------------------------------ */

static void server_gone(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct nclient *k = arg;
	(void)p;
	(void)ev;
	atomic_store(&k->gone, 1);
}

static void client_free(struct nclient *k)
{
	if (k->cur)
		nng_msg_free(k->cur);
	if (k->open)
		lib_close(k->sock);
	free(k);
}

/* Dials until connected; a refused or missing name is retried until
 * CONNECT_WAIT_MS (or the run's timeout) since the server binds after the
 * fork (see the top). */
static int dial(struct nclient *k, const char *url, int timeout_ms)
{
	int wait_ms = timeout_ms > 0 && timeout_ms < CONNECT_WAIT_MS ? timeout_ms : CONNECT_WAIT_MS;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int rv = nng_dial(k->sock, url, NULL, 0);
		if (rv == 0)
			return 0;
		int again = rv == NNG_ECONNREFUSED || rv == NNG_ENOENT || rv == NNG_ECONNSHUT ||
			    rv == NNG_ECONNRESET || rv == NNG_ECLOSED;
		if (!again || ms_since(&t0) >= wait_ms)
			return rv == NNG_ECLOSED || rv == NNG_ECONNSHUT || rv == NNG_ECONNRESET ? -ECONNREFUSED
												: nerr(rv);
		usleep(20 * 1000);
	}
}

static int client_open(struct nclient *k, struct ipl_endpoint *ep)
{
	char url[IPL_ADDR_MAX + 16];
	int rc = endpoint_url(ep->opts.via, ep->addr, url, sizeof url);
	if (rc < 0 || (rc = lib_open(&k->sock, 0)) < 0)
		return rc;
	k->open = 1;
	int rv = nng_socket_set_size(k->sock, NNG_OPT_RECVMAXSZ, max_msg(&ep->opts));
	if (!rv)
		rv = nng_socket_get_int(k->sock, NNG_OPT_RECVFD, &k->rfd);
	if (!rv)
		rv = nng_socket_get_int(k->sock, NNG_OPT_SENDFD, &k->sfd);
	if (!rv)
		rv = nng_pipe_notify(k->sock, NNG_PIPE_EV_REM_POST, server_gone, k);
	if (rv)
		return nerr(rv);
	return dial(k, url, ep->opts.timeout_ms);
}

static int n_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	(void)idx;
	int rc = socket_carrier(ep);
	if (rc)
		return rc;
	struct nclient *k = calloc(1, sizeof *k);
	if (!k)
		return -ENOMEM;
	k->base.tp = ep->tp;
	k->timeout_ms = ep->opts.timeout_ms;
	rc = client_open(k, ep);
	if (rc < 0) {
		client_free(k);
		return rc;
	}
	*out = &k->base;
	return 0;
}

/* The next message into k->cur: 1, 0 at the end (marker or server gone). */
static int client_next(struct nclient *k)
{
	for (;;) {
		if (atomic_load_explicit(&k->base.cancel, memory_order_relaxed))
			return IPL_ECANCELED;
		/* gone before the look: what it sent is already queued */
		int gone = atomic_load(&k->gone);
		nng_msg *m;
		int rv = nng_recvmsg(k->sock, &m, NNG_FLAG_NONBLOCK);
		if (rv == NNG_EAGAIN && gone)
			return 0;
		if (rv == NNG_EAGAIN) {
			wait_fd(k->rfd, SLICE_MS);
			continue;
		}
		if (rv)
			return nerr(rv);
		k->cur = m;
		k->off = 0;
		return nng_msg_len(m) ? 1 : 0; /* empty: the server's end marker */
	}
}

static ssize_t client_recv(struct nclient *k, void *buf, size_t len)
{
	if (k->eof)
		return 0;
	if (!k->cur || k->off == nng_msg_len(k->cur)) {
		if (k->cur)
			nng_msg_free(k->cur);
		k->cur = NULL;
		int r = client_next(k);
		if (r <= 0) {
			k->eof = r == 0;
			return r;
		}
	}
	size_t n = nng_msg_len(k->cur) - k->off;
	n = n < len ? n : len;
	memcpy(buf, (uint8_t *)nng_msg_body(k->cur) + k->off, n);
	k->off += n;
	return (ssize_t)n;
}

static int client_send(struct nclient *k, const struct iovec *iov, int cnt, size_t total)
{
	nng_msg *m;
	int rc = build(&m, iov, cnt, total);
	if (rc < 0)
		return rc;
	/* a BYE request: its reply is followed by the server's end marker */
	const uint8_t *b = nng_msg_body(m);
	int is_bye = total >= IPL_HDR_SIZE && ipl_get_be32(b) == IPL_MAGIC && b[5] == IPL_OP_BYE;
	int rv = nng_msg_header_append_u32(m, REQ_ID);
	/* flow control: waits while the server does not read, but not for a
	 * server that is gone (nng would redial and wait for a new one) */
	while (!rv && (rv = nng_sendmsg(k->sock, m, NNG_FLAG_NONBLOCK)) == NNG_EAGAIN) {
		if (atomic_load(&k->gone) || k->eof)
			break;
		wait_fd(k->sfd, SLICE_MS);
		rv = 0;
	}
	if (rv) {
		nng_msg_free(m);
	} else {
		k->sent = 1;
		k->bye = is_bye;
	}
	return rv == NNG_EAGAIN ? -EPIPE : rv ? nerr(rv) : 0;
}

/* ---- both -------------------------------------------------------------- */

static int n_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	size_t total = ipl_iov_total(iov, cnt);
	if (total == 0)
		return 0; /* an empty message would read as the end */
	return ipl_dx_is_server(c) ? server_send((struct ipl_dx_conn *)c, iov, cnt, total)
				   : client_send((struct nclient *)c, iov, cnt, total);
}

static ssize_t n_recv(struct ipl_conn *c, void *buf, size_t len)
{
	return ipl_dx_is_server(c) ? ipl_dx_recv((struct ipl_dx_conn *)c, buf, len)
				   : client_recv((struct nclient *)c, buf, len);
}

/* The end marker: an empty body.  A non-blocking send can find nng's queue
 * between two hand-offs, so it is retried while the socket says it cannot
 * take it, for at most LINGER_MS (a peer that reads nothing). */
static void send_end(nng_socket s, int sfd, uint32_t pipe)
{
	nng_msg *m;
	if (nng_msg_alloc(&m, 0))
		return;
	int rv = nng_msg_header_append_u32(m, pipe);
	if (!rv)
		rv = nng_msg_header_append_u32(m, REQ_ID);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!rv && (rv = nng_sendmsg(s, m, NNG_FLAG_NONBLOCK)) == NNG_EAGAIN && ms_since(&t0) < LINGER_MS) {
		wait_fd(sfd, SLICE_MS);
		rv = 0;
	}
	if (rv)
		nng_msg_free(m);
}

/* The client's end marker (an empty body), waiting while nng's queue is
 * full, until ms since t0 or the server is gone.  0 sent, or -1. */
static int send_client_end(struct nclient *k, const struct timespec *t0, int ms)
{
	nng_msg *m;
	if (nng_msg_alloc(&m, 0))
		return -1;
	int rv = nng_msg_header_append_u32(m, REQ_ID);
	while (!rv && (rv = nng_sendmsg(k->sock, m, NNG_FLAG_NONBLOCK)) == NNG_EAGAIN &&
	       !atomic_load(&k->gone) && ms_since(t0) < ms) {
		wait_fd(k->sfd, SLICE_MS);
		rv = 0;
	}
	if (rv)
		nng_msg_free(m);
	return rv ? -1 : 0;
}

/* Makes the client's pipe quiet before its socket closes.  nng 1.5.2 can
 * hang in nng_close when a message is arriving as the pipe closes: the
 * transport reads a message header, its close stops the read aio, the
 * read of the body is then refused without a callback, and the protocol's
 * receive never completes, so the reaper waits for it for good (nng issue
 * #1543, fixed after 1.5.2).  So a pipe is closed only once the peer has
 * promised to send nothing more: the server's end marker (or the pipe
 * gone).  A client that ends first sends its own end marker; the server's
 * conn then reads EOF, detaches and answers with its marker, which is
 * awaited (reading and dropping what comes before it).  A client that
 * never sent has no conn there, and nothing comes.  Waits at most
 * QUIET_WAIT_MS (or the run's timeout) for a server that stopped reading. */
static void close_quiet(struct nclient *k)
{
	if (k->eof || !k->sent || atomic_load(&k->gone))
		return;
	int ms = k->timeout_ms > 0 && k->timeout_ms < QUIET_WAIT_MS ? k->timeout_ms : QUIET_WAIT_MS;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* after a BYE the server's marker is coming anyway; a marker of ours
	 * still in nng's queue at close would be lost (1.5.2 leaks it) */
	if (!k->bye && send_client_end(k, &t0, ms) < 0)
		return;
	while (ms_since(&t0) < ms) {
		int gone = atomic_load(&k->gone); /* before the look, as client_next */
		nng_msg *m;
		int rv = nng_recvmsg(k->sock, &m, NNG_FLAG_NONBLOCK);
		if (rv == NNG_EAGAIN && gone)
			return;
		if (rv == NNG_EAGAIN) {
			wait_fd(k->rfd, SLICE_MS);
			continue;
		}
		if (rv)
			return;
		size_t len = nng_msg_len(m);
		nng_msg_free(m);
		if (len == 0)
			return; /* the server's end marker: nothing follows it */
	}
}

static void n_detach(struct ipl_conn *c)
{
	if (!ipl_dx_is_server(c)) {
		struct nclient *k = (struct nclient *)c;
		close_quiet(k);
		client_free(k);
		return;
	}
	struct ipl_dx_conn *d = (struct ipl_dx_conn *)c;
	struct nep *z = ipl_dx_arg(d);
	uint32_t pipe;
	memcpy(&pipe, d->key, sizeof pipe);
	send_end(z->sock, z->sfd, pipe);
	ipl_dx_conn_free(d);
}

static void n_release(struct ipl_endpoint *ep)
{
	(void)ep; /* the carrier's socket went in prepare; nng's is the server's */
}

/* Before the server's socket closes: every conn has sent its end marker
 * (detach), so each client closes its socket and its pipe goes.  Waiting
 * for that keeps nng from closing a pipe that is receiving (see
 * close_quiet).  A client that keeps its socket open is waited for at most
 * QUIET_WAIT_MS. */
static void wait_pipes_gone(struct nep *z)
{
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += QUIET_WAIT_MS / 1000;
	pthread_mutex_lock(&z->gone_mu);
	while (z->npipes && pthread_cond_timedwait(&z->quiet, &z->gone_mu, &end) == 0)
		;
	pthread_mutex_unlock(&z->gone_mu);
}

static void n_cleanup(struct ipl_endpoint *ep)
{
	struct nep *z = ep->priv;
	if (!z)
		return;
	ipl_dx_free(z->dx);
	if (z->open) {
		wait_pipes_gone(z);
		lib_close(z->sock); /* removes the ipc socket file it made */
	}
	ipl_endpoint_cleanup(&z->car);
	pthread_cond_destroy(&z->quiet);
	pthread_mutex_destroy(&z->gone_mu);
	free(z->gone);
	free(z);
	ep->priv = NULL;
}

static const char *const n_intro[] = {
	"libnng: a raw REQ socket per client, one raw REP socket in the server; each ipclab message is one nng message",
	NULL,
};

static const struct ipl_tp_describe n_describe = {
	.intro = n_intro,
	.send = "nng_sendmsg(): one nng message (nng's I/O threads write it to the socket)",
	.recv = "nng_recvmsg(): one whole nng message",
};

/* nng names its own sockets: tcp and unix (ipc://) only. */
static int nng_carrier_ok(const struct ipl_transport *car)
{
	return !strcmp(car->name, "tcp") || !strcmp(car->name, "unix");
}

const struct ipl_transport ipl_nng_transport = {
	.name = "nng",
	.summary = "libnng raw REQ/REP over ipc:// (--via unix) or tcp:// (--via tcp), the library reference",
	.caps = IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT | IPL_CAP_LAYERED,
	.prepare = n_prepare,
	.attach_server = n_attach_server,
	.accept = n_accept,
	.attach_client = n_attach_client,
	.send = n_send,
	.recv = n_recv,
	.detach = n_detach,
	.release = n_release,
	.cleanup = n_cleanup,
	.describe = &n_describe,
	.carrier_ok = nng_carrier_ok,
};
