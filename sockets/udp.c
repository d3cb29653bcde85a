/* udp - the exchange over UDP datagrams, IPv4 or IPv6, loopback or across
 * hosts.  Addresses as tcp's ("HOST:PORT", "[V6]:PORT", ":PORT"; default
 * 127.0.0.1, port chosen by the kernel).
 *
 * One message per datagram.  A datagram carries at most 65,507 bytes on
 * IPv4 (65,535 less the IP and UDP headers), so the payload limit is 65,483
 * (max_payload): a larger size is refused before a run, never truncated, and
 * send() says EMSGSIZE if asked anyway.  A datagram whose length is not 24 +
 * its header's len is dropped on arrival (counted nowhere: UDP garbage), so
 * the byte reader above (msgio) only ever sees whole messages.
 *
 * Server: a bound socket (the listener) takes every new sender's first
 * datagram; a new address is a new conn (what accept returns), served by its
 * own thread as for any mechanism.  The conn gets a socket of its own, bound
 * to the same address (SO_REUSEPORT: same user only) and connected to the
 * sender, as accept gives a tcp conn its socket: from then on the kernel
 * delivers that sender's datagrams to it, and the conn's thread reads and
 * answers with recv/send and no lock, no queue, and no route lookup per
 * reply (sendto on an unconnected socket looks one up each time; 3% of a
 * 64 B round trip here).  A reuseport program keeps every datagram no
 * connected socket claims on the listener (lead_group), so a conn's socket
 * gets nothing of other senders' between its bind and its connect; what its
 * own sender sent before the connect waits on the listener, goes to the
 * conn's queue, and is read first.  Without a socket of its own (fd limit,
 * memory; the knob below) a conn reads its queue, filled by whichever
 * thread reads the listener, and replies with sendto.  Bounds: at most opts.max_conns senders (256), QUEUE_MAX
 * datagrams waiting per sender (more are dropped, as a full socket buffer
 * would), one receive buffer of 64 KiB per conn with its own socket, and a
 * sender silent for opts.idle_ms (60 s) is forgotten (its conn reads EOF).
 *
 * Client: a connected UDP socket (only the server's datagrams reach it; an
 * ICMP port unreachable reads as ECONNREFUSED).  A read waits at most the
 * per-message timeout (IPCLAB_UDP_TIMEOUT_MS, default 200 ms) and then
 * returns -ETIMEDOUT: client.c counts the message lost and goes on.  After
 * the server's BYE the conn reads EOF, as a stream would.
 *
 * Tests: IPCLAB_UDP_DROP_EVERY=N (read when the endpoint is prepared) makes
 * the server drop every Nth datagram it receives; IPCLAB_UDP_NO_OWN_SOCKET=1
 * gives no conn a socket of its own.
 *
 * Raw mode (opts.raw_dgram, set by the rpc layer for its carrier): a
 * datagram is a layer's whole message (an RFC 5531 CALL or REPLY), so no
 * ipclab header is checked (only empty datagrams are dropped) and no BYE
 * ends the client's conn; the layer above judges every datagram.
 */
#include "common/io.h"
#include "common/clock.h"
#include "common/bytes.h"
#include "common/err.h"
#include "common/msg.h"
#include "sockets/sock.h"
#include "common/transport.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DGRAM_MAX 65507u /* IPv4: 65535 - 20 (IP) - 8 (UDP) */
#define QUEUE_MAX 1024u  /* datagrams waiting for one sender's worker */
#define DEFAULT_TIMEOUT_MS 200
#define SLICE_MS 100 /* a worker's wait, to see cancel and idleness */

struct dgram {
	struct dgram *next;
	size_t len;
	uint8_t data[];
};

struct udp_conn;

struct udp_ep {
	int fd;
	pid_t creator;
	const struct ipl_transport *tp;
	unsigned drop_every; /* tests: drop every Nth datagram */
	int raw;             /* opts.raw_dgram: datagrams are a layer's, not framed */
	atomic_ullong seen; /* datagrams received, for drop_every */
	unsigned max_conns;
	int idle_ms;
	pthread_mutex_t mu;
	pthread_cond_t acv;       /* accept: a new sender arrived */
	int reader;               /* some thread is reading the socket */
	unsigned waiting;         /* workers waiting for a datagram, not reading */
	struct udp_conn *conns;   /* server: one per sender */
	struct udp_conn *pending; /* ... of which not yet accepted */
	unsigned nconns;
	int lead; /* lead_group() set: conns may have sockets of their own */
	struct sockaddr_storage me; /* the listener's address, for conns' own sockets */
	socklen_t me_len;
	uint8_t buf[DGRAM_MAX + 1]; /* the reader's receive buffer */
};

struct udp_conn {
	struct ipl_conn base;
	int fd; /* client: its own socket; server: its own, or the listener's */
	int server;
	int own; /* server: fd is this conn's socket, connected to peer */
	struct udp_ep *ep; /* server side */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct udp_conn *next, *pnext;
	pthread_cond_t cv;         /* server: a datagram arrived */
	struct dgram *head, *tail; /* server: waiting datagrams */
	atomic_uint queued; /* changed under ue->mu; own_recv peeks without it */
	uint8_t *cur; /* the datagram being read, cur_off of cur_len */
	uint8_t *rbuf; /* server with its own socket: its receive buffer */
	size_t cur_off, cur_len;
	struct dgram *cur_dg; /* server: what cur points into */
	int timeout_ms, idle_ms;
	int eof_next; /* client: a BYE reply was read */
	int raw;      /* client: opts.raw_dgram */
};

static unsigned env_num(const char *name, unsigned dflt)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	return (*end || n > 600000) ? dflt : (unsigned)n;
}

/* Messages up to this many bytes are sent from one stack buffer. */
#define SMALL_SEND 512u

/* One whole message: 24 + the header's len bytes, nothing more or less. */
static int well_framed(const uint8_t *p, size_t n)
{
	return n >= IPL_HDR_SIZE && (size_t)ipl_get_be32(p + 16) == n - IPL_HDR_SIZE;
}

static int udp_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	struct udp_conn *u = (struct udp_conn *)c;
	size_t total = ipl_iov_total(iov, cnt);
	if (total > DGRAM_MAX)
		return -EMSGSIZE;
	struct msghdr mh = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)cnt };
	if (u->server && !u->own) { /* its own socket is connected: no route lookup */
		mh.msg_name = &u->peer;
		mh.msg_namelen = u->peer_len;
	}
	/* a small message goes out from a stack copy with sendto, as
	 * ipl_io_writev_full does on streams: no msghdr and iovec to copy in */
	uint8_t small[SMALL_SEND];
	if (total <= sizeof small)
		ipl_iov_gather(small, iov, cnt);
	for (;;) {
		ssize_t n = total <= sizeof small
				    ? sendto(u->fd, small, total, MSG_NOSIGNAL, mh.msg_name, mh.msg_namelen)
				    : sendmsg(u->fd, &mh, MSG_NOSIGNAL);
		if (n >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		/* the datagram never left: for UDP that is a loss, not an end */
		if (errno == ENOBUFS || errno == EAGAIN || (u->server && errno == ECONNREFUSED))
			return 0;
		return -errno;
	}
}

/* Hands out the rest of the current datagram. */
static ssize_t take(struct udp_conn *u, void *buf, size_t len)
{
	size_t n = u->cur_len - u->cur_off < len ? u->cur_len - u->cur_off : len;
	memcpy(buf, u->cur + u->cur_off, n);
	u->cur_off += n;
	return (ssize_t)n;
}

/* ---- client ------------------------------------------------------------ */

static ssize_t client_recv(struct udp_conn *u, void *buf, size_t len)
{
	if (u->cur_off < u->cur_len)
		return take(u, buf, len);
	if (u->eof_next)
		return 0;
	for (;;) {
		/* one blocking recv bounded by SO_RCVTIMEO (set at attach), not
		 * poll + recv: a system call less per reply */
		ssize_t n = recv(u->fd, u->cur, DGRAM_MAX + 1, 0);
		if (atomic_load_explicit(&u->base.cancel, memory_order_relaxed))
			return IPL_ECANCELED;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -ETIMEDOUT; /* lost, one way or the other */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (u->raw ? n == 0 : !well_framed(u->cur, (size_t)n))
			continue; /* raw: an empty datagram is no message (0 reads as EOF) */
		u->cur_off = 0;
		u->cur_len = (size_t)n;
		/* after the server's BYE nothing follows: EOF, as on a stream */
		u->eof_next = !u->raw && u->cur[5] == IPL_OP_BYE && (ipl_get_be16(u->cur + 6) & IPL_FLAG_REPLY);
		return take(u, buf, len);
	}
}

/* Bounds every blocking receive on fd to ms (then EAGAIN). */
static void recv_timeout(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

static int udp_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	(void)idx;
	struct sockaddr_storage ss;
	socklen_t len;
	int rc = ipl_inet_client_addr(ep->addr, &ss, &len);
	if (rc < 0)
		return rc;
	struct udp_conn *u = calloc(1, sizeof *u);
	if (!u || !(u->cur = malloc(DGRAM_MAX + 1))) {
		free(u);
		return -ENOMEM;
	}
	u->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u->fd < 0 || connect(u->fd, (struct sockaddr *)&ss, len) < 0) {
		rc = -errno;
		if (u->fd >= 0)
			close(u->fd);
		free(u->cur);
		free(u);
		return rc;
	}
	u->base.tp = ep->tp;
	u->raw = ep->opts.raw_dgram;
	u->timeout_ms = (int)env_num("IPCLAB_UDP_TIMEOUT_MS", DEFAULT_TIMEOUT_MS);
	if (u->timeout_ms <= 0)
		u->timeout_ms = DEFAULT_TIMEOUT_MS;
	recv_timeout(u->fd, u->timeout_ms);
	*out = &u->base;
	return 0;
}

/* ---- server ------------------------------------------------------------ */

static void cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

/* Makes the listener fd (not yet bound) the head of a reuseport group whose
 * program hands every datagram no connected socket claims to the group's
 * first socket, the listener: a conn's socket, between its bind and its
 * connect, gets none of another sender's.  A socket that already has a
 * group cannot join another, so the listener's bind still fails on a port
 * in use; conns' sockets (no group until bound) join it, same user only.
 * Returns 1 when set: conns may have sockets of their own. */
static int lead_group(int fd)
{
	struct sock_filter to_first = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog;
	memset(&prog, 0, sizeof prog); /* the padding after len goes to the kernel too */
	prog.len = 1;
	prog.filter = &to_first;
	int one = 1, zero = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog) == 0)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &zero, sizeof zero);
	return 0;
}

static int udp_prepare(struct ipl_endpoint *ep)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int rc = ipl_inet_resolve(ep->opts.listen, 1, &ss, &len);
	if (rc < 0)
		return rc;
	struct udp_ep *ue = calloc(1, sizeof *ue);
	if (!ue)
		return -ENOMEM;
	pthread_mutex_init(&ue->mu, NULL);
	cond_init(&ue->acv);
	ue->creator = getpid();
	ue->tp = ep->tp;
	ue->drop_every = env_num("IPCLAB_UDP_DROP_EVERY", 0);
	ue->raw = ep->opts.raw_dgram;
	ue->max_conns = ep->opts.max_conns ? ep->opts.max_conns : IPL_DEFAULT_MAX_CONNS;
	ue->idle_ms = ep->opts.idle_ms ? ep->opts.idle_ms : IPL_DEFAULT_IDLE_MS;
	ep->priv = ue;
	ue->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ue->fd < 0)
		return -errno;
	/* tests: IPCLAB_UDP_NO_OWN_SOCKET=1 serves every sender from the
	 * listener's queues, as when a conn's own socket cannot be had */
	ue->lead = !env_num("IPCLAB_UDP_NO_OWN_SOCKET", 0) && lead_group(ue->fd);
	if (bind(ue->fd, (struct sockaddr *)&ss, len) < 0)
		return -errno;
	recv_timeout(ue->fd, SLICE_MS); /* a reader's slice (pump) */
	ue->me_len = sizeof ue->me;
	getsockname(ue->fd, (struct sockaddr *)&ue->me, &ue->me_len);
	return ipl_sock_format((struct sockaddr *)&ue->me, ue->me_len, ep->addr, sizeof ep->addr);
}

static int udp_attach_server(struct ipl_endpoint *ep)
{
	struct udp_ep *ue = ep->priv;
	return (ue && ue->fd >= 0) ? 0 : -EBADF;
}

static struct udp_conn *find(struct udp_ep *ue, const struct sockaddr_storage *ss, socklen_t len)
{
	for (struct udp_conn *u = ue->conns; u; u = u->next)
		if (u->peer_len == len && !memcmp(&u->peer, ss, len))
			return u;
	return NULL;
}

/* 1 when a received datagram goes on to its conn: a whole message (raw: not
 * empty), and not one the tests' drop_every takes. */
static int keep(struct udp_ep *ue, const uint8_t *p, size_t n)
{
	if (ue->raw ? n == 0 : !well_framed(p, n))
		return 0; /* garbage, or a truncated datagram (raw: the layer judges) */
	return !ue->drop_every || (atomic_fetch_add(&ue->seen, 1) + 1) % ue->drop_every != 0;
}

/* Queues a datagram for conn u (caller holds ue->mu); drops it when full. */
static void enqueue(struct udp_conn *u, const uint8_t *p, size_t n)
{
	if (u->queued >= QUEUE_MAX)
		return;
	struct dgram *d = malloc(sizeof *d + n);
	if (!d)
		return;
	d->next = NULL;
	d->len = n;
	memcpy(d->data, p, n);
	if (u->tail)
		u->tail->next = d;
	else
		u->head = d;
	u->tail = d;
	u->queued++;
	pthread_cond_signal(&u->cv);
}

/* Gives u a socket of its own, bound to the listener's address and
 * connected to u's sender (caller holds ue->mu).  Returns 1 when it did; on
 * failure u reads the listener's queue. */
static int own_socket(struct udp_ep *ue, struct udp_conn *u)
{
	if (!ue->lead)
		return 0;
	int one = 1, fd = socket(ue->me.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	uint8_t *rbuf = malloc(DGRAM_MAX + 1);
	if (!rbuf || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&ue->me, ue->me_len) < 0 ||
	    connect(fd, (struct sockaddr *)&u->peer, u->peer_len) < 0) {
		free(rbuf);
		close(fd);
		return 0;
	}
	recv_timeout(fd, SLICE_MS);
	u->fd = fd;
	u->rbuf = rbuf;
	u->own = 1;
	return 1;
}

/* A conn for a new sender, queued for accept (caller holds ue->mu). */
static struct udp_conn *new_sender(struct udp_ep *ue, const struct sockaddr_storage *ss, socklen_t len)
{
	if (ue->nconns >= ue->max_conns)
		return NULL; /* bounded: a flood of spoofed senders gets nothing */
	struct udp_conn *u = calloc(1, sizeof *u);
	if (!u)
		return NULL;
	cond_init(&u->cv);
	u->base.tp = ue->tp;
	u->fd = ue->fd;
	u->server = 1;
	u->ep = ue;
	memcpy(&u->peer, ss, len);
	u->peer_len = len;
	u->idle_ms = ue->idle_ms;
	u->next = ue->conns;
	ue->conns = u;
	ue->nconns++;
	struct udp_conn **pp = &ue->pending; /* accepted in arrival order */
	while (*pp)
		pp = &(*pp)->pnext;
	*pp = u;
	pthread_cond_signal(&ue->acv);
	return u;
}

/* Hands a received datagram to its sender's conn (caller holds ue->mu).
 * Returns 1 when the sender was new and its conn got a socket of its own. */
static int dispatch(struct udp_ep *ue, size_t n, const struct sockaddr_storage *ss, socklen_t len)
{
	if (!keep(ue, ue->buf, n))
		return 0;
	struct udp_conn *u = find(ue, ss, len);
	int fresh = !u;
	if (fresh && !(u = new_sender(ue, ss, len)))
		return 0;
	enqueue(u, ue->buf, n);
	return fresh && own_socket(ue, u);
}

/* Dispatches what waits on the listener now, without waiting (caller holds
 * ue->mu and no thread is reading: mu kept, so none starts meanwhile). */
static void drain_held(struct udp_ep *ue)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		ssize_t n = recvfrom(ue->fd, ue->buf, sizeof ue->buf, MSG_DONTWAIT, (struct sockaddr *)&ss, &len);
		if (n >= 0)
			dispatch(ue, (size_t)n, &ss, len);
		else if (errno != EINTR)
			return; /* EAGAIN: nothing left */
	}
}

/* Whoever waits reads the socket, when no other thread does: the accepting
 * thread usually, or a conn's own thread when nobody accepts (ipclab demo
 * serves its one client in the accepting thread).  Waits at most SLICE_MS.
 * Called with ue->mu held; drops it while reading. */
static void pump(struct udp_ep *ue)
{
	ue->reader = 1;
	pthread_mutex_unlock(&ue->mu);
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	/* blocks at most SLICE_MS (SO_RCVTIMEO): one call, not poll + recvfrom */
	ssize_t n = recvfrom(ue->fd, ue->buf, sizeof ue->buf, 0, (struct sockaddr *)&ss, &len);
	pthread_mutex_lock(&ue->mu);
	ue->reader = 0;
	/* what a new sender sent before its socket was connected waits on
	 * the listener: into its queue now, ahead of what its socket holds */
	if (n >= 0 && dispatch(ue, (size_t)n, &ss, len))
		drain_held(ue);
}

static void slice_wait(struct udp_ep *ue, pthread_cond_t *cv)
{
	struct timespec ts;
	ipl_deadline_ms(&ts, CLOCK_MONOTONIC, SLICE_MS);
	pthread_cond_timedwait(cv, &ue->mu, &ts);
}

/* A worker: waits on cv, or reads the socket if nobody does (ue->mu held). */
static void wait_turn(struct udp_ep *ue, pthread_cond_t *cv)
{
	if (!ue->reader) {
		pump(ue);
		return;
	}
	ue->waiting++;
	slice_wait(ue, cv);
	ue->waiting--;
}

/* A reader leaving with its own datagram: wakes the waiting workers so one
 * of them reads next, instead of at the end of its slice (ue->mu held). */
static void hand_over(struct udp_ep *ue)
{
	if (ue->reader || !ue->waiting)
		return;
	for (struct udp_conn *u = ue->conns; u; u = u->next)
		pthread_cond_signal(&u->cv);
}

static int udp_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	struct udp_ep *ue = ep->priv;
	pthread_mutex_lock(&ue->mu);
	while (!ue->pending) {
		if (atomic_load(&ep->cancel)) {
			pthread_mutex_unlock(&ue->mu);
			return IPL_ECANCELED;
		}
		/* conns read their own sockets; the listener brings new
		 * senders (and conns without a socket of their own) */
		wait_turn(ue, &ue->acv);
	}
	struct udp_conn *u = ue->pending;
	ue->pending = u->pnext;
	pthread_mutex_unlock(&ue->mu);
	*out = &u->base;
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The next datagram from u's queue, waiting for one (a conn without its own
 * socket; or one with, for what the listener took before it was connected). */
static ssize_t queue_recv(struct udp_conn *u, void *buf, size_t len)
{
	struct udp_ep *ue = u->ep;
	pthread_mutex_lock(&ue->mu);
	uint64_t since = mono_ms();
	while (!u->head) {
		if (atomic_load_explicit(&u->base.cancel, memory_order_relaxed)) {
			pthread_mutex_unlock(&ue->mu);
			return IPL_ECANCELED;
		}
		if (u->idle_ms > 0 && mono_ms() - since >= (uint64_t)u->idle_ms) {
			pthread_mutex_unlock(&ue->mu);
			return 0; /* a silent sender is gone as far as we can tell */
		}
		wait_turn(ue, &u->cv);
	}
	struct dgram *d = u->head;
	u->head = d->next;
	if (!u->head)
		u->tail = NULL;
	u->queued--;
	hand_over(ue);
	pthread_mutex_unlock(&ue->mu);
	u->cur_dg = d;
	u->cur = d->data;
	u->cur_off = 0;
	u->cur_len = d->len;
	return take(u, buf, len);
}

/* Reads what waits on the listener when no thread does (a server without an
 * accepting thread, as `ipclab demo`): a conn idle for a slice does this. */
static void drain_listener(struct udp_ep *ue)
{
	pthread_mutex_lock(&ue->mu);
	if (!ue->reader)
		drain_held(ue);
	pthread_mutex_unlock(&ue->mu);
}

/* The next datagram of a conn with its own socket: its queue first, then a
 * plain recv, no lock.  Each empty slice checks cancel and idleness. */
static ssize_t own_recv(struct udp_conn *u, void *buf, size_t len)
{
	struct udp_ep *ue = u->ep;
	uint64_t since = 0;
	for (;;) {
		if (atomic_load_explicit(&u->queued, memory_order_acquire))
			return queue_recv(u, buf, len);
		ssize_t n = recv(u->fd, u->rbuf, DGRAM_MAX + 1, 0);
		if (atomic_load_explicit(&u->base.cancel, memory_order_relaxed))
			return IPL_ECANCELED;
		if (n >= 0 && keep(ue, u->rbuf, (size_t)n)) {
			u->cur = u->rbuf;
			u->cur_off = 0;
			u->cur_len = (size_t)n;
			return take(u, buf, len);
		}
		if (n >= 0 || errno == EINTR || errno == ECONNREFUSED)
			continue; /* dropped; or the sender's port was closed once */
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if (!since)
			since = mono_ms() - SLICE_MS; /* the slice that just passed */
		else if (u->idle_ms > 0 && mono_ms() - since >= (uint64_t)u->idle_ms)
			return 0; /* a silent sender is gone as far as we can tell */
		drain_listener(ue);
	}
}

static ssize_t server_recv(struct udp_conn *u, void *buf, size_t len)
{
	if (u->cur_off < u->cur_len)
		return take(u, buf, len);
	free(u->cur_dg);
	u->cur_dg = NULL;
	return u->own ? own_recv(u, buf, len) : queue_recv(u, buf, len);
}

static void free_server_conn(struct udp_conn *u);

static ssize_t udp_recv(struct ipl_conn *c, void *buf, size_t len)
{
	struct udp_conn *u = (struct udp_conn *)c;
	return u->server ? server_recv(u, buf, len) : client_recv(u, buf, len);
}

static void udp_detach(struct ipl_conn *c)
{
	struct udp_conn *u = (struct udp_conn *)c;
	if (!u->server) {
		close(u->fd);
		free(u->cur);
		free(u);
		return;
	}
	struct udp_ep *ue = u->ep;
	pthread_mutex_lock(&ue->mu);
	for (struct udp_conn **pp = &ue->conns; *pp; pp = &(*pp)->next)
		if (*pp == u) {
			*pp = u->next;
			ue->nconns--;
			break;
		}
	pthread_mutex_unlock(&ue->mu);
	free_server_conn(u);
}

/* Frees a server conn already off the endpoint's lists. */
static void free_server_conn(struct udp_conn *u)
{
	while (u->head) {
		struct dgram *d = u->head;
		u->head = d->next;
		free(d);
	}
	free(u->cur_dg);
	if (u->own) {
		close(u->fd);
		free(u->rbuf);
	}
	pthread_cond_destroy(&u->cv);
	free(u);
}

static void udp_release(struct ipl_endpoint *ep)
{
	struct udp_ep *ue = ep->priv;
	/* a process with conns serves on this socket: it keeps it to cleanup */
	if (ue && ue->fd >= 0 && !ue->nconns) {
		close(ue->fd);
		ue->fd = -1;
	}
}

static void udp_cleanup(struct ipl_endpoint *ep)
{
	struct udp_ep *ue = ep->priv;
	if (!ue)
		return;
	while (ue->pending) { /* senders nobody accepted (a stop) */
		struct udp_conn *u = ue->pending;
		ue->pending = u->pnext;
		ipl_conn_detach(&u->base);
	}
	if (ue->fd >= 0)
		close(ue->fd);
	pthread_cond_destroy(&ue->acv);
	pthread_mutex_destroy(&ue->mu);
	free(ue);
	ep->priv = NULL;
}

static int udp_conn_addr(struct ipl_conn *c, char *local, size_t llen, char *peer, size_t plen)
{
	struct udp_conn *u = (struct udp_conn *)c;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int rc = 0;
	if (local && llen && getsockname(u->fd, (struct sockaddr *)&ss, &len) == 0)
		rc = ipl_sock_format((struct sockaddr *)&ss, len, local, llen);
	len = sizeof ss;
	if (peer && plen) {
		if (u->server)
			rc = ipl_sock_format((struct sockaddr *)&u->peer, u->peer_len, peer, plen);
		else if (getpeername(u->fd, (struct sockaddr *)&ss, &len) == 0)
			rc = ipl_sock_format((struct sockaddr *)&ss, len, peer, plen);
	}
	return rc;
}

/* The listen_fd op: the bound socket, lent to a layer that hands it to a
 * socket library (oncrpc gives it to libtirpc's svc_dg), which then reads
 * and writes it itself: nothing here reads it meanwhile, since that layer
 * never calls accept.  No conn_fd: a client's socket stays udp's (its
 * receive slice, SO_RCVTIMEO, is what its readers count on). */
static int udp_listen_fd(const struct ipl_endpoint *ep)
{
	const struct udp_ep *ue = ep->priv;
	return ue && ue->fd >= 0 ? ue->fd : IPL_EUNSUPP;
}

const struct ipl_transport ipl_udp_transport = {
	.name = "udp",
	.summary = "UDP datagrams, one message each, loopback or across hosts; losses counted",
	.caps = IPL_CAP_CROSS_HOST | IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT | IPL_CAP_DATAGRAM,
	.max_payload = DGRAM_MAX - IPL_HDR_SIZE,
	.max_why = "one UDP datagram carries at most 65,507 bytes on IPv4: 24 of header + 65,483 of payload",
	.prepare = udp_prepare,
	.attach_server = udp_attach_server,
	.accept = udp_accept,
	.attach_client = udp_attach_client,
	.send = udp_send,
	.recv = udp_recv,
	.detach = udp_detach,
	.release = udp_release,
	.cleanup = udp_cleanup,
	.conn_addr = udp_conn_addr,
	.check_addr = ipl_sock_check_hostport,
	.listen_fd = udp_listen_fd,
};
