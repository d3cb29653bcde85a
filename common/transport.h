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
 *
 * Cancelling: a blocking op is woken by setting the flag
 * (ipl_endpoint_cancel / ipl_conn_cancel, async-signal-safe) and then
 * interrupting the blocked thread with a signal installed without
 * SA_RESTART: fd waits see EINTR; shm waits look at the flag every 100 ms
 * and oncrpc's accept every 200 ms, signal or not.  Writes are never
 * cancelled: a message in flight is finished.  A conn's ops run on one
 * thread at a time; only the cancels may come from another thread or a
 * signal handler.
 *
 * Ownership: the caller owns struct ipl_endpoint; ep->priv is the
 * transport's (made by prepare, or by attach_client in a process that never
 * prepared: a layered one makes its carrier there; freed by cleanup).  A
 * conn from accept or attach_client is the caller's until ipl_conn_detach;
 * it borrows nothing from ep, so it may outlive the endpoint.
 *
 * One table holds both the endpoint ops and the connection ops: every
 * mechanism's table is already whole (each fills both halves, and a layered
 * one wraps both of its carrier's), so a split would add a pointer and no
 * new combination.
 */
#ifndef IPL_TRANSPORT_H
#define IPL_TRANSPORT_H

#include "common/err.h"

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
#define IPL_DEFAULT_MAX_CONNS 256u           /* connections served at once */
#define IPL_DEFAULT_IDLE_MS 60000            /* a connection silent this long is closed */
#define IPL_DEFAULT_MEM_LIMIT (256ull << 20) /* bytes buffered across all connections */

struct ipl_transport;

/* ipl_tp_opts.inflight_hint of a one-way stream: the sender keeps as much
 * in flight as the transport takes, whatever the message size. */
#define IPL_INFLIGHT_STREAM UINT64_MAX

/* Settings a transport reads; zero means "the default". */
struct ipl_tp_opts {
	const char *listen;              /* prepare: where to listen; NULL = private default */
	unsigned max_clients;            /* prepare: channels to pre-make (pipe); 0 = 1 */
	uint32_t cap;                    /* largest payload; 0 = IPL_DEFAULT_CAP */
	enum ipl_wait wait;              /* shm wait policy */
	const struct ipl_transport *via; /* layered transports: the carrier */
	int timeout_ms;                  /* bound on waiting for a dead peer; 0 = forever */
	unsigned max_conns;              /* serve: connections at once; 0 = IPL_DEFAULT_MAX_CONNS */
	int idle_ms;                     /* serve: close a connection silent this long;
				      0 = IPL_DEFAULT_IDLE_MS, -1 = never */
	uint64_t mem_limit;              /* serve: request bytes buffered across all
				      connections; 0 = IPL_DEFAULT_MEM_LIMIT */
	uint32_t pipe_size;              /* pipe, fifo: F_SETPIPE_SZ on both pipes of
				      every conn; 0 = the kernel's default */
	uint32_t sockbuf;                /* tcp, unix, seqpacket: SO_SNDBUF and SO_RCVBUF
				      on both ends; 0 = the kernel's (autotuned) */
	int raw_dgram;                   /* udp: each datagram is a layer's own message
				      (rpc over udp, RFC 5531): no ipclab header
				      is checked and no BYE means EOF; set by the
				      layer for its carrier, never by a user */
	uint64_t inflight_hint;          /* connect: the bytes this conn will have in
				      flight at once (a window of messages with
				      their headers); a hint, not a limit: shm
				      sizes its rings from it, so a small-message
				      conn does not sweep 256 KiB of cache per
				      direction; 0 = unknown: the default rings;
				      IPL_INFLIGHT_STREAM: a one-way stream */
	int at_least_once;               /* rpc over a datagram carrier: no duplicate-
				      request cache (--rpc-semantics at-least-once),
				      so a retransmitted call runs again */
};

/* Which of the kernel buffer knobs in struct ipl_tp_opts a transport
 * applies (its table's knobs): the command line refuses a knob no chosen
 * mechanism applies, and records the size in force (bufsize op). */
enum ipl_knob {
	IPL_KNOB_PIPE_SIZE = 1u << 0, /* opts.pipe_size */
	IPL_KNOB_SOCKBUF = 1u << 1,   /* opts.sockbuf */
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
	size_t rx_last_len; /* the last message's payload length (recvv's guess) */
};

/* A system limit in force that bounds a mechanism's figures, recorded in
 * every saved result's environment ("limits"), so a figure taken under a
 * raised or lowered limit says so. */
struct ipl_tp_limit {
	const char *name; /* the kernel's name where it has one: "msgsize_max" */
	long long value;  /* -1: not readable on this machine */
};

struct ipl_transport {
	const char *name;     /* as on the command line: "tcp" */
	const char *summary;  /* one line for `ipclab list` */
	unsigned caps;        /* enum ipl_cap */
	uint32_t max_payload; /* largest payload one message can carry; 0 = the cap */
	const char *max_why;  /* one line: why max_payload (for the refusal) */
	/* A layered one over a datagram carrier (IPL_CAP_DATAGRAM): the same
	 * two then (0 = the carrier's datagram cannot carry it: the layer does
	 * not frame over datagrams; ipl_max_payload_of in the registry reads
	 * these) */
	uint32_t max_payload_dgram;
	const char *max_why_dgram;

	/* Optional (NULL: the transport cannot tell): writes a connected conn's
	 * local and peer address ("10.0.0.2:51234", "[::1]:4242", a path, ""
	 * when unnamed) into the buffers, either of which may be NULL.  A
	 * layered transport forwards to its carrier's conn. */
	int (*conn_addr)(struct ipl_conn *c, char *local, size_t llen, char *peer, size_t plen);

	/* Optional (NULL: any non-empty address is tried as given): checks a
	 * --listen (listening=1) or --connect (0) address before any process
	 * starts, so a typo costs one line instead of a timeout.  Syntax, and
	 * for a client that the named file or object exists; never blocks (no
	 * name lookup).  Returns 0, or IPL_EADDR with a one-line reason in why
	 * ("want HOST:PORT", "no such socket ...") that the caller prefixes
	 * with the option and the address.  A layered transport has none: the
	 * caller asks its carrier. */
	int (*check_addr)(const char *addr, int listening, char *why, size_t len);

	/* Optional, layered transports only (NULL: any carrier): 1 when this
	 * layer can run over car, so a --via it cannot use is refused before
	 * the run (oncrpc: libtirpc needs the carrier's socket fds). */
	int (*carrier_ok)(const struct ipl_transport *car);

	/* Mandatory, with name and summary: every op from prepare to cleanup
	 * (tests/test_registry.c checks every table). */

	/* Parent, before forking: creates what clients meet at (listening
	 * socket, pipes, FIFO directory, shm rendezvous; names 0600 in 0700
	 * dirs, random unless opts.listen), allocates ep->priv and writes
	 * ep->addr ("" for pipe: nothing to connect to).  Does not wait for
	 * any client.  Returns 0, IPL_EADDR (bad opts.listen), IPL_EUNSUPP (shm given a
	 * listen name; a layered one over a layered carrier), -EADDRINUSE (a
	 * live server owns the name), -ENOMEM or -errno.  After a failure
	 * ep->priv may still hold state: cleanup frees it. */
	int (*prepare)(struct ipl_endpoint *ep);
	/* Server process, after the fork: drops what belongs to clients (the
	 * pipe's client ends) and claims the endpoint (shm: the server pid
	 * clients watch).  Never blocks.  Returns 0, or -EBADF/-EINVAL when
	 * nothing was prepared. */
	int (*attach_server)(struct ipl_endpoint *ep);
	/* Blocks until the next client arrives; *out is then a new conn the
	 * caller owns.  Woken by ipl_endpoint_cancel (plus a signal, see
	 * above): IPL_ECANCELED.  pipe never blocks and returns IPL_EDONE
	 * after its last channel; oncrpc serves every client inside one call
	 * and only returns when cancelled or failing, never with a conn.  A
	 * client that gives up or sends garbage first is skipped, not
	 * reported.  Other codes: -EMFILE/-ENFILE/-ENOMEM (out of resources:
	 * the caller waits and retries), -EBADF/-EINVAL (not prepared),
	 * IPL_ESHMLOST (rendezvous lost and not rebuilt), -errno. */
	int (*accept)(struct ipl_endpoint *ep, struct ipl_conn **out);
	/* Client: connects to ep->addr (pipe: takes the idx-th pre-made
	 * channel; others ignore idx), *out a new conn the caller owns.  fifo
	 * and shm block until the server takes the client, bounded by
	 * opts.timeout_ms when set (-ETIMEDOUT), and shm returns IPL_ECANCELED
	 * after ipl_endpoint_cancel; a socket connect waits as long as the
	 * kernel makes it (full backlog), uncancelled.  Returns 0, IPL_EADDR,
	 * -ECONNREFUSED (nobody serves there), IPL_EPEERDEAD, IPL_ESHMLOST,
	 * IPL_EPROTO (what is there is not ours), IPL_EUNSUPP (pipe not forked
	 * from prepare; a carrier the layer cannot use), -EINVAL (idx out of
	 * range), -ENOMEM or -errno.  Also used in a process that never
	 * prepared (ep from ipl_endpoint_init with an address). */
	int (*attach_client)(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out);
	/* Sends one whole message (iov: header first, then payload; cnt small:
	 * msgio passes 1 or 2, more than 6 may be -EINVAL), see the byte
	 * contract above.  iov is borrowed for the call and not modified.
	 * Blocks while the peer does not read (flow control); not cancelled.
	 * oncrpc makes the whole call here: it also waits for the reply, up to
	 * opts.timeout_ms (60 s when 0), and queues it for recv.  Returns 0,
	 * -EPIPE (peer closed: sockets use MSG_NOSIGNAL, pipe writers must
	 * ignore SIGPIPE), IPL_EPEERDEAD, IPL_EPROTO (shm indices corrupt),
	 * IPL_ETRUNC/-ETIMEDOUT (oncrpc call failed) or -errno. */
	int (*send)(struct ipl_conn *c, const struct iovec *iov, int cnt);
	/* Like read(2) into the caller's buf: blocks until at least one byte,
	 * then returns 1..len; 0 at EOF (peer closed, or after BYE on rpc);
	 * woken by ipl_conn_cancel: IPL_ECANCELED.  oncrpc never blocks: it
	 * hands out replies send queued (IPL_EPROTO when none is owed).  Other
	 * codes: IPL_EPEERDEAD (shm: peer process gone), IPL_EPROTO, IPL_EXDR,
	 * IPL_ETRUNC (rpc: the peer broke the record protocol; the carrier is
	 * then closed) or -errno (-ECONNRESET). */
	ssize_t (*recv)(struct ipl_conn *c, void *buf, size_t len);
	/* Optional (unix): recv into iov[0..cnt) in order, like readv(2).
	 * msgio then reads a large message's header and, up to the length of
	 * the message before it, its payload in one call, the payload
	 * straight into its buffer.  tcp and pipe leave it NULL: their large
	 * streams measured no faster with it (tcp 1 MiB slower). */
	ssize_t (*recvv)(struct ipl_conn *c, const struct iovec *iov, int cnt);
	/* Closes c and frees it (a layered conn detaches its carrier conn):
	 * the peer then reads EOF and its sends fail.  Never blocks, never
	 * fails.  Called through ipl_conn_detach (which also frees the msgio
	 * buffer and takes NULL), exactly once per conn. */
	void (*detach)(struct ipl_conn *c);
	/* Drops what this process holds of the endpoint but must not keep
	 * (fds, so EOF and EPIPE reach the peers): the listening socket, the
	 * pipe ends not handed to a conn, fifo's announce fd.  Idempotent,
	 * never blocks; conns already made stay usable. */
	void (*release)(struct ipl_endpoint *ep);
	/* Releases, frees ep->priv and, only in the process that ran prepare
	 * (pid recorded there), removes every name it made.  Safe with
	 * ep->priv NULL (never prepared, already cleaned, failed prepare). */
	void (*cleanup)(struct ipl_endpoint *ep);

	/* Optional, each on its own (NULL for most; rpc has both): a
	 * layered transport forwards a cancel to its carrier's endpoint / conn,
	 * where the thread actually blocks.  Must be async-signal-safe. */
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

	/* Optional (NULL: the demo narrates generically): what a teaching tool
	 * (`ipclab demo`) says about this mechanism; see ipl_tp_describe. */
	const struct ipl_tp_describe *describe;

	/* Optional, both or neither for a stream (tcp, unix): the socket
	 * under an endpoint or conn, for a layer that hands it to a socket
	 * library (oncrpc gives it to libtirpc; a carrier without these is not
	 * one it can use).  udp has listen_fd only (its bound socket, for
	 * oncrpc's svc_dg); a client over it opens its own socket.  listen_fd: a prepared endpoint's listening socket, or
	 * IPL_EUNSUPP once released.  conn_fd: a conn's connected socket.  The
	 * fd stays the transport's: the caller borrows it, never closes it. */
	int (*listen_fd)(const struct ipl_endpoint *ep);
	int (*conn_fd)(const struct ipl_conn *c);

	/* Optional (NULL: nothing worth recording): writes up to n of this
	 * mechanism's limits in force into out and returns how many it wrote
	 * (mq: fs.mqueue's msg_max and msgsize_max, the chunk size and depth
	 * it uses).  Reads /proc and getrlimit only; never blocks or fails. */
	size_t (*limits)(struct ipl_tp_limit *out, size_t n);

	/* enum ipl_knob: the buffer knobs of ipl_tp_opts this transport
	 * applies (0: none; a layered one forwards its opts to its carrier but
	 * records nothing, so it claims none). */
	unsigned knobs;
	/* Optional, with knobs: the buffer size in force on c as the kernel
	 * reports it now, into *bytes: pipes F_GETPIPE_SZ, sockets
	 * getsockopt SO_SNDBUF/SO_RCVBUF (Linux reports twice what was asked,
	 * capped by net.core.wmem_max/rmem_max); the smaller of the two
	 * directions.  0 or -errno. */
	int (*bufsize)(const struct ipl_conn *c, uint64_t *bytes);

	/* Optional (NULL: it never resends; rpc over a datagram carrier): how
	 * many calls this conn has sent again after a timeout so far. */
	uint64_t (*retrans)(const struct ipl_conn *c);
};

/* How `ipclab demo` walks a mechanism. */
enum ipl_tp_walk {
	IPL_TP_WALK_EXCHANGE = 0,  /* HELLO, ECHO, BYE through the transport itself */
	IPL_TP_WALK_RPC_STUBS = 1, /* rpc/'s client and server stubs over a carrier */
};

/* What a mechanism tells a teaching tool about itself, so that the tool
 * (bench/demo/) never looks inside a mechanism: it reads these texts and asks
 * these accessors.  Narration only: nothing here runs, and a mechanism
 * behaves the same without it.  Every member is optional (NULL or 0: the demo
 * says something generic for that step).
 *
 * Line lists end with NULL.  Each text says what the library does at that
 * step, naming its system calls in the order it makes them.  The demo
 * replaces these placeholders in every text (others stay as they are):
 *   {name} the transport's name   {addr} ep->addr   {via} the carrier's name
 *   {tmpdir} where private names are made (ipl_tmpdir())
 *   {lfd} listen_fd(ep)   {lfd_kind} what /proc/self/fd says that fd is
 *   {rfd} {wfd} the fds conn_fds gives for the conn being traced */
struct ipl_tp_describe {
	enum ipl_tp_walk walk;
	const char *const *intro;         /* printed under the summary line */
	const char *const *prepare;       /* preparer, after prepare */
	const char *const *attach_client; /* client, before attach_client */
	const char *const *attach_server; /* server, after attach_server */
	const char *const *serve;         /* server, before accept (a service loop) */
	const char *const *accept;        /* server, after accept gave a conn */
	const char *const *stopped;       /* server, after accept gave IPL_ECANCELED */
	const char *const *client_conn;   /* client, after its conn is shown */
	const char *const *cleanup;       /* preparer, after cleanup */
	const char *send;                 /* what moves one message out: "writev(fd {wfd})" */
	const char *recv;                 /* what a recv call is: "read(fd {rfd})" */
	const char *detach;               /* appended to "detach: closes its end" */
	const char *const *maps;          /* substrings of /proc/self/maps lines that are
					     a conn's memory (a mechanism without fds) */
	/* The listening fd of a prepared endpoint, or a negative code. */
	int (*listen_fd)(const struct ipl_endpoint *ep);
	/* A conn's read and write fds (the same fd for a socket): 0, or a
	 * negative code for a conn without fds of its own. */
	int (*conn_fds)(const struct ipl_conn *c, int *rfd, int *wfd);
};

/* Zeroes ep and sets its transport, options and (optional) address
 * (common/endpoint.c).  A layered transport needs opts->via set: the
 * registry's ipl_endpoint_setup fills in the default carrier. */
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

static inline int ipl_endpoint_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
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

/* The buffer size in force on c (see the bufsize op): 0, or IPL_EUNSUPP
 * when the transport has no such knob, or -errno. */
static inline int ipl_conn_bufsize(const struct ipl_conn *c, uint64_t *bytes)
{
	*bytes = 0;
	if (!c || !c->tp->bufsize)
		return IPL_EUNSUPP;
	return c->tp->bufsize(c, bytes);
}

/* Calls c has sent again after a timeout (the retrans op), else 0. */
static inline uint64_t ipl_conn_retrans(const struct ipl_conn *c)
{
	return c && c->tp->retrans ? c->tp->retrans(c) : 0;
}

/* Closes the connection and frees it (and its msgio buffer). NULL is a no-op. */
void ipl_conn_detach(struct ipl_conn *c);

/* Writes c's local and peer address (see conn_addr above); returns 0, or
 * IPL_EUNSUPP when the transport cannot tell (buffers then hold ""). */
static inline int ipl_conn_addr(struct ipl_conn *c, char *local, size_t llen, char *peer, size_t plen)
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
