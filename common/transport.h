/* transport.h - one interface, one const ops table per mechanism.
 *
 * Life cycle (every step returns 0 or a negative code):
 *
 *   parent:  ipl_endpoint_prepare()      creates what clients meet at: a
 *                                        listening socket, FIFOs, pipes, an
 *                                        shm rendezvous; fills ep->addr
 *   fork(s)
 *   server:  ipl_endpoint_attach_server() drops what belongs to clients
 *            ipl_endpoint_accept()        next client connection, as a conn
 *   client:  ipl_endpoint_attach_client() connects to ep->addr (or to the
 *                                        idx-th pre-made channel for pipes)
 *   both:    ipl_conn_send/recv           bytes, see below
 *            ipl_conn_detach()            closes and frees one conn
 *   parent:  ipl_endpoint_release()       drops fds this process holds (after
 *                                        forking, so EOF and EPIPE work)
 *   everyone: ipl_endpoint_cleanup()      frees the endpoint; in the process
 *                                        that ran prepare it also removes
 *                                        every name (paths, FIFOs, shm)
 *
 * A process that only connects (ipclab bench --connect ADDR) skips prepare:
 * it sets ep->addr with ipl_endpoint_init() and calls attach_client.
 *
 * The byte contract: send() is given exactly one whole message (header +
 * payload, as an iovec) and returns once every byte is handed to the
 * mechanism; recv() behaves like read(2) (>0 bytes, 0 at EOF, negative code)
 * and may return fewer bytes than asked.  Message framing and buffering live
 * above this, in msgio.c, once for every mechanism.
 *
 * Each transport file exports only its table; callers use the inline
 * wrappers below, never the table.
 */
#ifndef IPL_TRANSPORT_H
#define IPL_TRANSPORT_H

#include "err.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

enum ipl_cap {
	IPL_CAP_NEEDS_FORK = 1u << 0,   /* client must be forked from the preparer */
	IPL_CAP_CROSS_HOST = 1u << 1,   /* client and server may be on different hosts */
	IPL_CAP_NAMED = 1u << 2,        /* unrelated processes meet by address */
	IPL_CAP_MULTI_CLIENT = 1u << 3, /* one server, many concurrent clients */
	IPL_CAP_SPIN = 1u << 4,         /* may busy-poll: not comparable with blocking */
	IPL_CAP_LAYERED = 1u << 5,      /* runs over another transport (opts.via) */
	IPL_CAP_BYTES = 1u << 6,        /* byte stream: raw bytes reach the peer as sent */
	IPL_CAP_DATAGRAM = 1u << 7,     /* lossy datagrams: a reply may be lost, late or doubled */
};

enum ipl_wait { IPL_WAIT_BLOCK = 0, IPL_WAIT_SPIN = 1, IPL_WAIT_HYBRID = 2 };

#define IPL_ADDR_MAX 256

/* A server's limits (docs/reliability.md): what one process will hold for
 * clients it does not trust.  Each has a flag on `ipclab serve`. */
#define IPL_DEFAULT_MAX_CONNS 256u            /* connections served at once */
#define IPL_DEFAULT_IDLE_MS 60000             /* a connection silent this long is closed */
#define IPL_DEFAULT_MEM_LIMIT (256ull << 20)  /* bytes buffered across all connections */

struct ipl_transport;

/* Settings a transport reads; zero means "the default". */
struct ipl_tp_opts {
	const char *listen;        /* prepare: where to listen; NULL = private default */
	unsigned max_clients;      /* prepare: channels to pre-make (pipe); 0 = 1 */
	uint32_t cap;              /* largest payload; 0 = IPL_DEFAULT_CAP */
	enum ipl_wait wait;        /* shm wait policy */
	const struct ipl_transport *via; /* layered transports: the carrier */
	int timeout_ms;            /* bound on waiting for a dead peer; 0 = forever */
	unsigned max_conns;        /* serve: connections at once; 0 = IPL_DEFAULT_MAX_CONNS */
	int idle_ms;               /* serve: close a connection silent this long;
				      0 = IPL_DEFAULT_IDLE_MS, -1 = never */
	uint64_t mem_limit;        /* serve: request bytes buffered across all
				      connections; 0 = IPL_DEFAULT_MEM_LIMIT */
};

struct ipl_endpoint {
	const struct ipl_transport *tp;
	struct ipl_tp_opts opts;
	char addr[IPL_ADDR_MAX]; /* what clients connect to: "127.0.0.1:4242", a path, ... */
	atomic_int cancel;       /* set by ipl_endpoint_cancel(): accept returns IPL_ECANCELED */
	void *priv;              /* the transport's state */
};

/* The part of a connection every transport shares.  A transport allocates its
 * own struct with this as the first member. */
struct ipl_conn {
	const struct ipl_transport *tp;
	atomic_int cancel; /* set by ipl_conn_cancel(): blocked calls return IPL_ECANCELED */
	/* receive buffer, owned by msgio.c */
	uint8_t *rx;
	size_t rx_off, rx_len, rx_cap;
};

struct ipl_transport {
	const char *name;    /* as on the command line: "tcp" */
	const char *summary; /* one line for `ipclab list` */
	unsigned caps;       /* enum ipl_cap */
	uint32_t max_payload;/* largest payload one message can carry; 0 = the cap */
	const char *max_why; /* one line: why max_payload (for the refusal) */

	/* Optional (NULL: the transport cannot tell): writes a connected conn's
	 * local and peer address ("10.0.0.2:51234", "[::1]:4242", a path, ""
	 * when unnamed) into the buffers, either of which may be NULL.  A
	 * layered transport forwards to its carrier's conn. */
	int (*conn_addr)(struct ipl_conn *c, char *local, size_t llen, char *peer, size_t plen);

	int (*prepare)(struct ipl_endpoint *ep);
	int (*attach_server)(struct ipl_endpoint *ep);
	int (*accept)(struct ipl_endpoint *ep, struct ipl_conn **out);
	int (*attach_client)(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out);
	int (*send)(struct ipl_conn *c, const struct iovec *iov, int cnt);
	ssize_t (*recv)(struct ipl_conn *c, void *buf, size_t len);
	void (*detach)(struct ipl_conn *c);
	void (*release)(struct ipl_endpoint *ep);
	void (*cleanup)(struct ipl_endpoint *ep);

	/* Optional (NULL for most): a layered transport forwards a cancel to
	 * its carrier's endpoint / conn, where the thread actually blocks.
	 * Must be async-signal-safe. */
	void (*cancel)(struct ipl_endpoint *ep);
	void (*cancel_conn)(struct ipl_conn *c);

	/* Optional, both or neither (shm): receive without a copy.  peek waits
	 * like recv, then points *p at readable bytes in the transport's own
	 * memory and returns their count (> 0), 0 at EOF or a negative code;
	 * consume(n) then releases the first n of them.  msgio reads through
	 * these instead of recv + its staging buffer. */
	ssize_t (*peek)(struct ipl_conn *c, const uint8_t **p);
	void (*consume)(struct ipl_conn *c, size_t n);

	/* Optional, both or neither (shm): send without a staging copy.  reserve
	 * points *p at len bytes of the transport's own memory and returns 1
	 * when they are free right now, else 0 (never waits: the caller then
	 * uses send); commit(len) sends the bytes written there, as send would
	 * have.  msgio encodes a small message in place through these. */
	int (*reserve)(struct ipl_conn *c, size_t len, uint8_t **p);
	void (*commit)(struct ipl_conn *c, size_t len);
};

/* The registry: every transport ipclab knows, in display order. */
size_t ipl_transport_count(void);
const struct ipl_transport *ipl_transport_at(size_t i);
/* Returns the transport called name, or NULL. */
const struct ipl_transport *ipl_transport_find(const char *name);

/* Zeroes ep and sets its transport, options and (optional) address. */
void ipl_endpoint_init(struct ipl_endpoint *ep, const struct ipl_transport *tp,
		       const struct ipl_tp_opts *opts, const char *addr);

static inline int ipl_endpoint_prepare(struct ipl_endpoint *ep)
{
	return ep->tp->prepare(ep);
}

static inline int ipl_endpoint_attach_server(struct ipl_endpoint *ep)
{
	return ep->tp->attach_server(ep);
}

/* Blocks until a client connects.  IPL_EDONE when no more will (pipe),
 * IPL_ECANCELED after ipl_endpoint_cancel(). */
static inline int ipl_endpoint_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	return ep->tp->accept(ep, out);
}

static inline int ipl_endpoint_attach_client(struct ipl_endpoint *ep, unsigned idx,
					     struct ipl_conn **out)
{
	return ep->tp->attach_client(ep, idx, out);
}

/* Async-signal-safe: marks ep cancelled; a signal delivered to the thread
 * blocked in accept (without SA_RESTART) makes it return IPL_ECANCELED. */
static inline void ipl_endpoint_cancel(struct ipl_endpoint *ep)
{
	atomic_store(&ep->cancel, 1);
	if (ep->tp && ep->tp->cancel)
		ep->tp->cancel(ep);
}

static inline void ipl_endpoint_release(struct ipl_endpoint *ep)
{
	if (ep->tp)
		ep->tp->release(ep);
}

static inline void ipl_endpoint_cleanup(struct ipl_endpoint *ep)
{
	if (ep->tp)
		ep->tp->cleanup(ep);
	ep->tp = NULL;
}

/* Sends one whole message; see the byte contract above. */
static inline int ipl_conn_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	return c->tp->send(c, iov, cnt);
}

/* Behaves like read(2) on the connection, without the msgio buffer. */
static inline ssize_t ipl_conn_recv(struct ipl_conn *c, void *buf, size_t len)
{
	return c->tp->recv(c, buf, len);
}

/* Async-signal-safe: blocked calls on c return IPL_ECANCELED once the
 * blocked thread is interrupted (or polls the flag, for spinning waits). */
static inline void ipl_conn_cancel(struct ipl_conn *c)
{
	atomic_store(&c->cancel, 1);
	if (c->tp->cancel_conn)
		c->tp->cancel_conn(c);
}

/* Closes the connection and frees it (and its msgio buffer). NULL is a no-op. */
void ipl_conn_detach(struct ipl_conn *c);

/* Writes c's local and peer address (see conn_addr above); returns 0, or
 * IPL_EUNSUPP when the transport cannot tell (buffers then hold ""). */
static inline int ipl_conn_addr(struct ipl_conn *c, char *local, size_t llen, char *peer,
				size_t plen)
{
	if (local && llen)
		local[0] = '\0';
	if (peer && plen)
		peer[0] = '\0';
	if (!c || !c->tp->conn_addr)
		return IPL_EUNSUPP;
	return c->tp->conn_addr(c, local, llen, peer, plen);
}

#endif
