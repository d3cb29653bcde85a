/* zmq - the exchange through libzmq, the reference for what a messaging
 * library costs: `zmq/unix` (zmq's ipc:// transport, a Unix domain socket)
 * and `zmq/tcp`.  Built only when libzmq is installed (zmq/zmq.mk).
 *
 * Pattern: DEALER (client) to ROUTER (server), zmq's own answer for one
 * server and many clients that each keep several requests in flight (REQ/REP
 * would allow one at a time: no throughput window).  One ipclab message is
 * one zmq message, header and payload as on every other mechanism, verified
 * the same way by the exchange; a zero-length message is the end of stream
 * (zmq says nothing when a peer goes).
 *
 * Carrier: the listening socket is made by the carrier (--via unix: a path
 * in a private 0700 directory; --via tcp: a port) in the process that
 * prepares, so the address exists before any fork, and the server hands a
 * dup of it to zmq (ZMQ_USE_FD): zmq's I/O threads must start after the fork
 * (a zmq context does not survive one), and no client can find the address
 * unbound in between.  The carrier's cleanup removes the names.  So zmq
 * serves other processes like its carrier does (`ipclab serve -m zmq --via
 * tcp`, `bench --connect`), across hosts over tcp.  A client's own address
 * is zmq's secret (no conn_addr): rows leave client_addr empty.
 *
 * Server: one ROUTER socket for every client, demultiplexed by routing id
 * into conns (common/demux.c).  zmq sockets are not thread-safe: every call
 * on it holds sock_mu; the pump waits on ZMQ_FD (edge-triggered) outside the
 * lock, and a sender that finds input waiting after its send wakes the pump
 * through an eventfd.  Received messages are bounded by ZMQ_MAXMSGSIZE (the
 * cap plus the header), so a peer cannot make us allocate more.  A peer
 * that dies without its end marker is seen through the ROUTER's monitor
 * (struct zpeer), so its conn ends then, not at the idle timeout.
 *
 * Client: a DEALER socket and a monitor: attach waits for the connection
 * (a refused or failing first attempt is -ECONNREFUSED); a disconnect reads
 * as EOF, so a dead server never leaves a client waiting.
 */
#include "common/io.h"
#include "common/demux.h"
#include "common/err.h"
#include "common/msg.h"
#include "common/transport.h"

#include <zmq.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define SLICE_MS 100
#define LINGER_MS 1000 /* detach: how long the end marker may take to leave */
#define GONE_MS 1000   /* a gone peer's conn is told at the latest after this */

struct zep {
	struct ipl_endpoint car; /* the carrier: listening socket and names */
	void *ctx, *sock;        /* server process only */
	int zfd, wake;           /* ZMQ_FD and the pump's eventfd */
	pthread_mutex_t sock_mu;
	struct ipl_dx *dx;
	pid_t creator;
	void *mon;           /* the ROUTER's monitor: peers accepted and gone */
	int monfd;           /* its ZMQ_FD */
	struct zpeer *peers; /* one per connection a message came in on */
	size_t npeers, cappeers;
};

/* A connection of the ROUTER, known by its fd, and the routing id of the
 * messages that came in on it.  libzmq tells a ROUTER nothing when a peer
 * goes (ZMQ_ROUTER_NOTIFY is a draft API, not in Debian's build); its
 * monitor says DISCONNECTED(fd), and each message says its fd (ZMQ_SRCFD):
 * together they name the conn whose peer died. */
struct zpeer {
	int fd;
	int gone; /* disconnected: its conn is told once nothing is queued */
	struct timespec since;
	size_t keylen;
	uint8_t key[IPL_DX_KEY_MAX];
};

struct zclient {
	struct ipl_conn base;
	int server; /* 0: see struct ipl_dx_conn */
	void *ctx, *sock, *mon;
	zmq_msg_t cur;
	size_t off;
	int have, eof;
};

static int zerr(void)
{
	int e = zmq_errno();
	return e ? -e : -EIO;
}

/* "ipc:///dir/sock" or "tcp://127.0.0.1:4242" for carrier via at addr. */
static int endpoint_url(const struct ipl_transport *via, const char *addr, char *out, size_t len)
{
	int n = snprintf(out, len, "%s://%s", strcmp(via->name, "tcp") ? "ipc" : "tcp", addr);
	return n < 0 || (size_t)n >= len ? IPL_EADDR : 0;
}

/* zmq meets its peers on a socket: tcp or unix only. */
static int socket_carrier(const struct ipl_endpoint *ep)
{
	const struct ipl_transport *via = ep->opts.via;
	if (!via)
		return -EINVAL;
	return strcmp(via->name, "tcp") && strcmp(via->name, "unix") ? IPL_EUNSUPP : 0;
}

static size_t max_msg(const struct ipl_tp_opts *o)
{
	return (size_t)IPL_HDR_SIZE + (o->cap ? o->cap : IPL_DEFAULT_CAP);
}

static int z_prepare(struct ipl_endpoint *ep)
{
	int rc = socket_carrier(ep);
	if (rc)
		return rc;
	struct zep *z = calloc(1, sizeof *z);
	if (!z)
		return -ENOMEM;
	z->zfd = z->wake = z->monfd = -1;
	z->creator = getpid();
	pthread_mutex_init(&z->sock_mu, NULL);
	ep->priv = z;
	struct ipl_tp_opts co = ep->opts;
	co.via = NULL;
	ipl_endpoint_init(&z->car, ep->opts.via, &co, NULL);
	rc = ipl_endpoint_prepare(&z->car);
	if (rc == 0)
		snprintf(ep->addr, sizeof ep->addr, "%s", z->car.addr);
	return rc;
}

/* Stops sock's monitor, then closes the monitor's reading end.  The
 * monitor must stop first: events it sends after its reader has closed
 * (a DISCONNECTED while sock's sessions end) are never freed by libzmq,
 * which LeakSanitizer reports at exit. */
static void close_monitor(void *sock, void *mon)
{
	int zero = 0;
	if (sock)
		zmq_socket_monitor(sock, NULL, 0);
	if (!mon)
		return;
	zmq_setsockopt(mon, ZMQ_LINGER, &zero, sizeof zero);
	zmq_close(mon);
}

/* ---- server ----------------------------------------------------------- */

/* Reads the rest of a multipart message and drops it (under sock_mu). */
static void drain_more(void *sock)
{
	int more = 1;
	size_t sz = sizeof more;
	while (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz) == 0 && more) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		int r = zmq_msg_recv(&m, sock, ZMQ_DONTWAIT);
		zmq_msg_close(&m);
		if (r < 0)
			break;
	}
}

/* The live (not gone) peer on fd, or NULL. */
static struct zpeer *live_peer(struct zep *z, int fd)
{
	for (size_t i = 0; i < z->npeers; i++)
		if (z->peers[i].fd == fd && !z->peers[i].gone)
			return &z->peers[i];
	return NULL;
}

/* Reads the monitor's events (sock_mu held): a DISCONNECTED fd's peer is
 * marked gone.  Each event is two frames: [event u16, value u32][address]. */
static void read_monitor(struct zep *z)
{
	for (;;) {
		zmq_msg_t ev;
		zmq_msg_init(&ev);
		if (zmq_msg_recv(&ev, z->mon, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&ev);
			return;
		}
		uint16_t id = 0;
		uint32_t fd = 0;
		if (zmq_msg_size(&ev) >= 6) {
			memcpy(&id, zmq_msg_data(&ev), 2);
			memcpy(&fd, (uint8_t *)zmq_msg_data(&ev) + 2, 4);
		}
		zmq_msg_close(&ev);
		drain_more(z->mon);
		struct zpeer *p = id == ZMQ_EVENT_DISCONNECTED ? live_peer(z, (int)fd) : NULL;
		if (p) {
			p->gone = 1;
			clock_gettime(CLOCK_MONOTONIC, &p->since);
		}
	}
}

/* Records that key's messages come in on fd (sock_mu held).  A different
 * live key on that fd means its DISCONNECTED is still in the monitor. */
static void note_sender(struct zep *z, int fd, const uint8_t *key, size_t keylen)
{
	struct zpeer *p = live_peer(z, fd);
	if (p && p->keylen == keylen && !memcmp(p->key, key, keylen))
		return;
	if (p)
		read_monitor(z);
	if (!(p = live_peer(z, fd))) {
		if (z->npeers == z->cappeers) {
			size_t n = z->cappeers ? 2 * z->cappeers : 16;
			struct zpeer *np = realloc(z->peers, n * sizeof *np);
			if (!np)
				return; /* untracked: its conn ends at the idle timeout */
			z->peers = np;
			z->cappeers = n;
		}
		p = &z->peers[z->npeers++];
	}
	*p = (struct zpeer){ .fd = fd, .keylen = keylen };
	memcpy(p->key, key, keylen);
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000L + (now.tv_nsec - t->tv_nsec) / 1000000L;
}

/* Tells the demultiplexer which peers are gone (sock_mu held): all of them
 * when the ROUTER has nothing queued (their last messages were read
 * first), else those gone for GONE_MS (a busy server still notices). */
static void tell_gone(struct zep *z, int queue_empty)
{
	for (size_t i = 0; i < z->npeers;) {
		struct zpeer *p = &z->peers[i];
		if (p->gone && (queue_empty || ms_since(&p->since) >= GONE_MS)) {
			ipl_dx_peer_gone(z->dx, p->key, p->keylen);
			*p = z->peers[--z->npeers];
		} else {
			i++;
		}
	}
}

/* One [routing id][payload] message if one is there (sock_mu held). */
static int try_recv(struct zep *z, uint8_t *key, size_t *keylen, struct ipl_dx_msg **out)
{
	zmq_msg_t id, m;
	zmq_msg_init(&id);
	if (zmq_msg_recv(&id, z->sock, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&id);
		return 0;
	}
	*keylen = zmq_msg_size(&id) <= IPL_DX_KEY_MAX ? zmq_msg_size(&id) : IPL_DX_KEY_MAX;
	memcpy(key, zmq_msg_data(&id), *keylen);
	int more = zmq_msg_more(&id);
	zmq_msg_close(&id);
	if (!more)
		return 0; /* an id and nothing else: not ours */
	zmq_msg_init(&m);
	int rc = 0;
	if (zmq_msg_recv(&m, z->sock, ZMQ_DONTWAIT) >= 0) {
		size_t n = zmq_msg_size(&m);
		if ((*out = ipl_dx_msg_new(n))) {
			memcpy((*out)->data, zmq_msg_data(&m), n);
			rc = 1;
		}
		int fd = zmq_msg_get(&m, ZMQ_SRCFD);
		if (fd >= 0)
			note_sender(z, fd, key, *keylen);
	}
	zmq_msg_close(&m);
	drain_more(z->sock); /* frames beyond the payload are not the protocol's */
	return rc;
}

static int z_pump(void *arg, int ms, uint8_t *key, size_t *keylen, struct ipl_dx_msg **out)
{
	struct zep *z = arg;
	for (int pass = 0; pass < 2; pass++) {
		pthread_mutex_lock(&z->sock_mu);
		int r = try_recv(z, key, keylen, out);
		if (!r)
			read_monitor(z);
		tell_gone(z, !r);
		pthread_mutex_unlock(&z->sock_mu);
		if (r || pass)
			return r;
		/* ZMQ_FDs are edge-triggered: readable when zmq has news, which
		 * the tries above have just consumed; senders ring `wake` */
		struct pollfd p[3] = { { .fd = z->zfd, .events = POLLIN },
				       { .fd = z->wake, .events = POLLIN },
				       { .fd = z->monfd, .events = POLLIN } };
		if (poll(p, 3, ms) > 0 && (p[1].revents & POLLIN)) {
			uint64_t v;
			if (read(z->wake, &v, sizeof v) < 0) {
				/* nothing to do: the counter was read by another */
			}
		}
	}
	return 0;
}

/* The ROUTER's monitor: which connections are accepted and which go. */
static int open_monitor(struct zep *z)
{
	char url[64];
	size_t sz = sizeof z->monfd;
	snprintf(url, sizeof url, "inproc://ipl-zmq-router-%p", (void *)z);
	if (zmq_socket_monitor(z->sock, url, ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) < 0 ||
	    !(z->mon = zmq_socket(z->ctx, ZMQ_PAIR)) || zmq_connect(z->mon, url) < 0 ||
	    zmq_getsockopt(z->mon, ZMQ_FD, &z->monfd, &sz) < 0)
		return zerr();
	return 0;
}

static int z_open_server(struct zep *z, const struct ipl_endpoint *ep)
{
	char url[IPL_ADDR_MAX + 16];
	int rc = endpoint_url(ep->opts.via, ep->addr, url, sizeof url);
	int lfd = ep->opts.via->listen_fd ? ep->opts.via->listen_fd(&z->car) : IPL_EUNSUPP;
	if (rc < 0 || lfd < 0)
		return rc < 0 ? rc : lfd;
	int fd = fcntl(lfd, F_DUPFD_CLOEXEC, 0); /* zmq closes its copy; the carrier keeps and closes its own */
	if (fd < 0)
		return -errno;
	int64_t maxsz = (int64_t)max_msg(&ep->opts);
	int one = 1, linger = LINGER_MS, ipv6 = ep->addr[0] == '[';
	if (!(z->ctx = zmq_ctx_new()) || !(z->sock = zmq_socket(z->ctx, ZMQ_ROUTER))) {
		close(fd);
		return zerr();
	}
	size_t sz = sizeof z->zfd;
	if (zmq_setsockopt(z->sock, ZMQ_USE_FD, &fd, sizeof fd) < 0 ||
	    zmq_setsockopt(z->sock, ZMQ_MAXMSGSIZE, &maxsz, sizeof maxsz) < 0 ||
	    zmq_setsockopt(z->sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one) < 0 ||
	    zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
	    zmq_setsockopt(z->sock, ZMQ_IPV6, &ipv6, sizeof ipv6) < 0 || zmq_bind(z->sock, url) < 0 ||
	    zmq_getsockopt(z->sock, ZMQ_FD, &z->zfd, &sz) < 0) {
		rc = zerr();
		close(fd); /* harmless if zmq already owns it: then bind succeeded */
		return rc;
	}
	z->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (z->wake < 0)
		return -errno;
	if ((rc = open_monitor(z)) < 0)
		return rc;
	z->dx = ipl_dx_new(ep->tp, &ep->opts, z_pump, z);
	return z->dx ? 0 : -ENOMEM;
}

static int z_attach_server(struct ipl_endpoint *ep)
{
	struct zep *z = ep->priv;
	if (!z)
		return -EBADF;
	int rc = ipl_endpoint_attach_server(&z->car);
	return rc ? rc : z_open_server(z, ep);
}

static int z_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	struct zep *z = ep->priv;
	if (!z || !z->dx)
		return -EBADF;
	return ipl_dx_accept(z->dx, &ep->cancel, out);
}

/* The zep a server conn belongs to: the pump's argument. */
static struct zep *zep_of(struct ipl_dx_conn *c)
{
	return ipl_dx_arg(c);
}

/* Sends [id][bytes] (sock_mu held), waiting out a full queue in slices. */
static int server_send_locked(struct zep *z, struct ipl_dx_conn *c, const struct iovec *iov, int cnt, size_t total)
{
	zmq_msg_t m;
	if (zmq_msg_init_size(&m, total) < 0)
		return -ENOMEM;
	uint8_t *p = zmq_msg_data(&m);
	for (int i = 0; i < cnt; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	int rc = 0;
	for (;;) {
		if (zmq_send(z->sock, c->key, c->keylen, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0) {
			rc = zmq_msg_send(&m, z->sock, ZMQ_DONTWAIT) < 0 ? zerr() : 0;
			break;
		}
		if (zmq_errno() != EAGAIN) { /* EHOSTUNREACH: the peer is gone */
			rc = zmq_errno() == EHOSTUNREACH ? -EPIPE : zerr();
			break;
		}
		if (atomic_load_explicit(&c->base.cancel, memory_order_relaxed)) {
			rc = IPL_ECANCELED;
			break;
		}
		pthread_mutex_unlock(&z->sock_mu); /* let the pump read meanwhile */
		poll(NULL, 0, 1);
		pthread_mutex_lock(&z->sock_mu);
	}
	zmq_msg_close(&m);
	return rc;
}

static int server_send(struct ipl_dx_conn *c, const struct iovec *iov, int cnt, size_t total)
{
	struct zep *z = zep_of(c);
	pthread_mutex_lock(&z->sock_mu);
	int rc = server_send_locked(z, c, iov, cnt, total);
	uint32_t ev = 0;
	size_t sz = sizeof ev;
	/* the send may have taken the edge ZMQ_FD would have given the pump */
	if (zmq_getsockopt(z->sock, ZMQ_EVENTS, &ev, &sz) == 0 && (ev & ZMQ_POLLIN)) {
		uint64_t one = 1;
		if (write(z->wake, &one, sizeof one) < 0) {
			/* counter full: the pump is awake anyway */
		}
	}
	pthread_mutex_unlock(&z->sock_mu);
	return rc;
}

/* ---- client ------------------------------------------------------------ */

/* Waits for the monitor's verdict on the first connection: 0 once
 * connected, -ECONNREFUSED when zmq had to retry or delay it. */
static int wait_connected(struct zclient *k)
{
	for (;;) {
		zmq_msg_t ev;
		zmq_msg_init(&ev);
		int r = zmq_msg_recv(&ev, k->mon, 0);
		if (r < 0) {
			zmq_msg_close(&ev);
			if (zmq_errno() == EINTR)
				continue;
			return zerr();
		}
		uint16_t id = 0;
		if (zmq_msg_size(&ev) >= 2)
			memcpy(&id, zmq_msg_data(&ev), 2);
		int more = zmq_msg_more(&ev);
		zmq_msg_close(&ev);
		if (more) { /* the second frame: the endpoint */
			zmq_msg_init(&ev);
			zmq_msg_recv(&ev, k->mon, 0);
			zmq_msg_close(&ev);
		}
		if (id == ZMQ_EVENT_CONNECTED)
			return 0;
		if (id == ZMQ_EVENT_CONNECT_RETRIED || id == ZMQ_EVENT_CLOSED || id == ZMQ_EVENT_DISCONNECTED)
			return -ECONNREFUSED;
	}
}

static void client_free(struct zclient *k)
{
	if (k->have)
		zmq_msg_close(&k->cur);
	close_monitor(k->sock, k->mon);
	if (k->sock)
		zmq_close(k->sock);
	if (k->ctx)
		zmq_ctx_term(k->ctx);
	free(k);
}

static int client_open(struct zclient *k, struct ipl_endpoint *ep)
{
	char url[IPL_ADDR_MAX + 16], mon[64];
	int rc = endpoint_url(ep->opts.via, ep->addr, url, sizeof url);
	if (rc < 0)
		return rc;
	int64_t maxsz = (int64_t)max_msg(&ep->opts);
	int linger = LINGER_MS, ipv6 = ep->addr[0] == '[';
	snprintf(mon, sizeof mon, "inproc://ipl-monitor-%p", (void *)k);
	if (!(k->ctx = zmq_ctx_new()) || !(k->sock = zmq_socket(k->ctx, ZMQ_DEALER)))
		return zerr();
	if (zmq_setsockopt(k->sock, ZMQ_MAXMSGSIZE, &maxsz, sizeof maxsz) < 0 ||
	    zmq_setsockopt(k->sock, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
	    zmq_setsockopt(k->sock, ZMQ_IPV6, &ipv6, sizeof ipv6) < 0 ||
	    zmq_socket_monitor(k->sock, mon,
			       ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_DISCONNECTED |
				       ZMQ_EVENT_CLOSED) < 0 ||
	    !(k->mon = zmq_socket(k->ctx, ZMQ_PAIR)) || zmq_connect(k->mon, mon) < 0 ||
	    zmq_connect(k->sock, url) < 0)
		return zmq_errno() == EINVAL ? IPL_EADDR : zerr();
	return wait_connected(k);
}

static int z_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	(void)idx;
	int rc = socket_carrier(ep);
	if (rc)
		return rc;
	struct zclient *k = calloc(1, sizeof *k);
	if (!k)
		return -ENOMEM;
	k->base.tp = ep->tp;
	rc = client_open(k, ep);
	if (rc < 0) {
		client_free(k);
		return rc;
	}
	*out = &k->base;
	return 0;
}

/* The next message into k->cur: 1, 0 at the end (marker or disconnect). */
static int client_next(struct zclient *k)
{
	for (;;) {
		zmq_pollitem_t it[2] = { { .socket = k->sock, .events = ZMQ_POLLIN },
					 { .socket = k->mon, .events = ZMQ_POLLIN } };
		if (atomic_load_explicit(&k->base.cancel, memory_order_relaxed))
			return IPL_ECANCELED;
		int r = zmq_poll(it, 2, SLICE_MS);
		if (r < 0 && zmq_errno() != EINTR)
			return zerr();
		if (r > 0 && (it[0].revents & ZMQ_POLLIN)) {
			zmq_msg_init(&k->cur);
			if (zmq_msg_recv(&k->cur, k->sock, ZMQ_DONTWAIT) < 0) {
				zmq_msg_close(&k->cur);
				continue;
			}
			k->have = 1;
			k->off = 0;
			if (zmq_msg_size(&k->cur) == 0)
				return 0; /* the server's end marker */
			return 1;
		}
		if (r > 0 && (it[1].revents & ZMQ_POLLIN))
			return 0; /* disconnected (nothing else is monitored now) */
	}
}

static ssize_t client_recv(struct zclient *k, void *buf, size_t len)
{
	if (k->eof)
		return 0;
	if (!k->have || k->off == zmq_msg_size(&k->cur)) {
		if (k->have)
			zmq_msg_close(&k->cur);
		k->have = 0;
		int r = client_next(k);
		if (r <= 0) {
			k->eof = r == 0;
			return r;
		}
	}
	size_t n = zmq_msg_size(&k->cur) - k->off;
	n = n < len ? n : len;
	memcpy(buf, (uint8_t *)zmq_msg_data(&k->cur) + k->off, n);
	k->off += n;
	return (ssize_t)n;
}

static int client_send(struct zclient *k, const struct iovec *iov, int cnt, size_t total)
{
	if (k->eof)
		return -EPIPE;
	zmq_msg_t m;
	if (zmq_msg_init_size(&m, total) < 0)
		return -ENOMEM;
	uint8_t *p = zmq_msg_data(&m);
	for (int i = 0; i < cnt; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	int rc;
	while ((rc = zmq_msg_send(&m, k->sock, 0)) < 0 && zmq_errno() == EINTR)
		;
	if (rc < 0)
		zmq_msg_close(&m);
	return rc < 0 ? zerr() : 0;
}

/* ---- both -------------------------------------------------------------- */

static int z_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	size_t total = ipl_iov_total(iov, cnt);
	if (total == 0)
		return 0; /* an empty message would read as the end */
	return ipl_dx_is_server(c) ? server_send((struct ipl_dx_conn *)c, iov, cnt, total)
				   : client_send((struct zclient *)c, iov, cnt, total);
}

static ssize_t z_recv(struct ipl_conn *c, void *buf, size_t len)
{
	return ipl_dx_is_server(c) ? ipl_dx_recv((struct ipl_dx_conn *)c, buf, len)
				   : client_recv((struct zclient *)c, buf, len);
}

static void z_detach(struct ipl_conn *c)
{
	if (!ipl_dx_is_server(c)) {
		struct zclient *k = (struct zclient *)c;
		zmq_send(k->sock, "", 0, ZMQ_DONTWAIT); /* the end marker */
		client_free(k);
		return;
	}
	struct ipl_dx_conn *d = (struct ipl_dx_conn *)c;
	struct zep *z = zep_of(d);
	pthread_mutex_lock(&z->sock_mu);
	if (zmq_send(z->sock, d->key, d->keylen, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
		zmq_send(z->sock, "", 0, ZMQ_DONTWAIT);
	pthread_mutex_unlock(&z->sock_mu);
	ipl_dx_conn_free(d);
}

static void z_release(struct ipl_endpoint *ep)
{
	struct zep *z = ep->priv;
	if (z)
		ipl_endpoint_release(&z->car); /* zmq's dup stays with zmq */
}

static void z_cleanup(struct ipl_endpoint *ep)
{
	struct zep *z = ep->priv;
	if (!z)
		return;
	ipl_dx_free(z->dx);
	close_monitor(z->sock, z->mon);
	if (z->sock)
		zmq_close(z->sock);
	if (z->ctx)
		zmq_ctx_term(z->ctx);
	if (z->wake >= 0)
		close(z->wake);
	ipl_endpoint_cleanup(&z->car);
	pthread_mutex_destroy(&z->sock_mu);
	free(z->peers);
	free(z);
	ep->priv = NULL;
}

static const char *const z_intro[] = {
	"libzmq: a DEALER socket per client, one ROUTER socket in the server; each ipclab message is one zmq message",
	NULL,
};

static const struct ipl_tp_describe z_describe = {
	.intro = z_intro,
	.send = "zmq_msg_send(): one zmq message (zmq's I/O thread writes it to the socket)",
	.recv = "zmq_msg_recv(): one whole zmq message",
};

/* zmq takes over the carrier's listening socket (ZMQ_USE_FD): a socket
 * carrier only (tcp, unix). */
static int zmq_carrier_ok(const struct ipl_transport *car)
{
	return car->listen_fd && car->conn_fd;
}

const struct ipl_transport ipl_zmq_transport = {
	.name = "zmq",
	.summary = "libzmq DEALER/ROUTER over ipc:// (--via unix) or tcp:// (--via tcp), the library reference",
	.caps = IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT | IPL_CAP_LAYERED,
	.prepare = z_prepare,
	.attach_server = z_attach_server,
	.accept = z_accept,
	.attach_client = z_attach_client,
	.send = z_send,
	.recv = z_recv,
	.detach = z_detach,
	.release = z_release,
	.cleanup = z_cleanup,
	.describe = &z_describe,
	.carrier_ok = zmq_carrier_ok,
};
