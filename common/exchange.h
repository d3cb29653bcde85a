/* exchange.h - the client-server exchange, written once for every transport.
 *
 * Server: receive a message, validate it, answer HELLO/ECHO/SINK/BYE, answer
 * a bad message with ERROR.  A bad header closes that connection after the
 * ERROR (the stream cannot be resynchronised); a bad checksum does not.
 * Other connections are unaffected: each is served by its own thread.
 *
 * Client: send, receive, verify seq, length and every payload byte, and
 * count what does not match.  Only transport failures end a run early.
 */
#ifndef IPL_EXCHANGE_H
#define IPL_EXCHANGE_H

#include "common/hist.h"
#include "common/msg.h"
#include "common/msgio.h"
#include "common/transport.h"

#include <signal.h>
#include <stdint.h>

struct ipl_serve_stats {
	uint64_t msgs;     /* requests answered */
	uint64_t bytes;    /* payload bytes received */
	uint64_t bad;      /* requests answered with ERROR */
	uint64_t conns;    /* connections served */
	uint64_t busy;     /* connections refused: --max-clients reached */
	uint64_t idle;     /* connections closed for sending nothing for --idle-timeout */
	uint64_t overload; /* requests refused: --max-memory reached */
};

/* Serves one connection until the peer closes or says BYE (returns 0) or the
 * connection fails (negative code).  st may be NULL. */
int ipl_serve_conn(struct ipl_conn *c, uint32_t cap, struct ipl_serve_stats *st);

/* The same, with the receive buffer drawing on lim's pool (a request the
 * pool cannot take is answered ERROR(OVERLOAD)) and lim->progress counting
 * every arrival and every reply sent.  lim may be NULL (unbounded). */
int ipl_serve_conn_limited(struct ipl_conn *c, uint32_t cap, struct ipl_rx_limit *lim,
			   struct ipl_serve_stats *st);

/* What a worker thread does with the connection it was given: serve it
 * until the peer is done (return 0) or the connection fails (a negative
 * code).  Called once per connection, in the worker's thread, with every
 * signal but the server's wake_signal blocked.  lim is the connection's
 * share of the memory pool; a handler that does not draw on it must still
 * bump lim->progress as data arrives, or the idle watch closes the
 * connection after idle_ms.  A handler must also return soon after
 * ipl_conn_cancel(c) (its blocked call fails with EINTR from wake_signal, or
 * IPL_ECANCELED).  Counts go to st (never NULL here). */
typedef int ipl_conn_handler(struct ipl_conn *c, void *arg, struct ipl_rx_limit *lim,
			     struct ipl_serve_stats *st);

/* How a server holds its connections (--server). */
enum ipl_server_model {
	IPL_SERVER_THREADS = 0, /* one thread per connection, blocking calls */
	IPL_SERVER_EPOLL = 1,   /* one thread, one epoll loop, non-blocking sockets */
};

struct ipl_server_cfg {
	uint32_t cap;              /* payload cap; 0 = IPL_DEFAULT_CAP */
	enum ipl_server_model model; /* EPOLL: only where ipl_server_epoll_ok, framed only */
	int wake_signal;           /* signal with a no-op handler (no SA_RESTART) used to
			       interrupt worker threads on stop; 0 = none */
	int stop_grace_ms;         /* how long stop waits for in-flight replies; 0 = 2000 */
	ipl_conn_handler *handler; /* NULL: the framed exchange (ipl_serve_conn_limited
				      with cap); else called with handler_arg */
	void *handler_arg;
};

/* Accepts clients on a prepared, server-attached endpoint and serves each in
 * its own thread (through cfg->handler, the framed exchange by default), until accept reports IPL_EDONE (all pre-made channels
 * served: waits for them, returns 0) or the endpoint is cancelled (tells
 * every worker to finish its current reply, waits up to stop_grace_ms,
 * returns 0).  Totals are added to st (may be NULL).  The calling thread
 * must be the one signals for the process are delivered to; workers block
 * every signal except wake_signal.
 *
 * The limits are ep->opts' (docs/reliability.md, "Limits"): past max_conns
 * a client's first request is answered ERROR(BUSY) and it is closed; a
 * connection that sends nothing for idle_ms is closed (a blocked read on
 * the fd transports is interrupted with wake_signal: without one only shm
 * and stop see it); payload buffers beyond IPL_RX_FREE each are charged to
 * one pool of mem_limit bytes, and a request it cannot take is discarded
 * and answered ERROR(OVERLOAD). */
int ipl_server_run(struct ipl_endpoint *ep, const struct ipl_server_cfg *cfg, struct ipl_serve_stats *st);

/* 1 when tp can be served by the epoll loop: a byte-stream socket whose
 * listening and connected fds the transport lends (listen_fd, conn_fd) and
 * whose send/recv are plain fd calls (tcp, unix); 0 otherwise. */
int ipl_server_epoll_ok(const struct ipl_transport *tp);

/* ipl_server_run's model EPOLL (common/server_epoll.c): the same framed
 * exchange, limits and stop, in one thread: every socket non-blocking,
 * each connection a bounded input buffer (one message, at most cap plus a
 * header, charged to the pool like a worker's) and at most one unsent
 * reply, during which its input is not read (the peer's own flow control).
 * A peer that stalls mid-message or never reads costs only its buffers
 * until idle_ms closes it.  IPL_EUNSUPP when !ipl_server_epoll_ok or
 * cfg->handler is set; -errno when epoll cannot be made. */
int ipl_server_run_epoll(struct ipl_endpoint *ep, const struct ipl_server_cfg *cfg, struct ipl_serve_stats *st);

struct ipl_client_cfg {
	uint32_t size;        /* payload bytes per request */
	uint64_t iters;       /* measured round trips (or messages) */
	uint64_t warmup;      /* unmeasured round trips first */
	uint64_t seq_base;    /* the first request's seq is seq_base + 1: a session
				 that warmed up separately starts past the warm-up's
				 seqs, so a late warm-up reply is never taken */
	uint64_t duration_ns; /* if non-zero: stop after this long instead of iters */
	enum ipl_op op;       /* ECHO for latency; SINK for throughput */
	unsigned window;      /* throughput, load: requests in flight (>= 1) */
	double rate;          /* load: this client's requests per second (> 0) */
	int crc;              /* set IPL_FLAG_CRC and send checksums */
	uint32_t cap;         /* the payload cap the client enforces on replies */
};

struct ipl_client_stats {
	uint64_t ok;     /* verified replies (or streamed messages) */
	uint64_t errors; /* sum of the err_* counters */
	uint64_t err_seq, err_len, err_payload, err_remote;
	uint64_t bytes;      /* payload bytes sent in the measured part */
	uint64_t elapsed_ns; /* wall time of the measured part */
	int fatal;           /* the transport error that ended the run, or 0 */
	/* datagram mechanisms (IPL_CAP_DATAGRAM) only */
	uint64_t lost;      /* no reply within the timeout: also in errors */
	uint64_t stale;     /* a late or duplicated reply, set aside: not an error */
	uint64_t reordered; /* a reply that overtook an earlier one: not an error */
	/* a layer that resends (rpc over udp): calls sent again, warm-up included */
	uint64_t retrans;
};

/* Adds every counter of src to dst (elapsed_ns and fatal excepted). */
void ipl_client_stats_add(struct ipl_client_stats *dst, const struct ipl_client_stats *src);

/* Says HELLO; *server_cap receives the server's payload cap (may be NULL). */
int ipl_client_hello(struct ipl_conn *c, uint32_t *server_cap);

/* Says BYE and waits for the server's BYE: an orderly close. */
int ipl_client_bye(struct ipl_conn *c);

/* Closed-loop ping-pong: each round trip is timed into h (may be NULL) and
 * verified.  Returns 0 when the run completed (errors are counted in st,
 * never hidden) or the transport error that stopped it (also in st->fatal). */
int ipl_client_latency(struct ipl_conn *c, const struct ipl_client_cfg *cfg, struct ipl_hist *h,
		       struct ipl_client_stats *st);

/* Pipelined: keeps cfg->window SINK (or ECHO) requests in flight, verifying
 * every reply.  Same return convention. */
int ipl_client_throughput(struct ipl_conn *c, const struct ipl_client_cfg *cfg, struct ipl_client_stats *st);

/* Open loop at cfg->rate ECHOs per second (common/load.h): each verified
 * reply is timed into h (may be NULL) from the moment its request was due,
 * with at most cfg->window in flight.  cfg->iters requests, or
 * duration_ns * rate of them; st->elapsed_ns spans the whole schedule, so
 * ok / elapsed is the rate achieved.  Same return convention.
 * IPL_EUNSUPP on a datagram mechanism with a window over 1. */
int ipl_client_load(struct ipl_conn *c, const struct ipl_client_cfg *cfg, struct ipl_hist *h,
		    struct ipl_client_stats *st);

/* One-way stream: SINK messages flagged NOACK, then one acknowledged SINK
 * that proves every byte before it was consumed.  Same return convention.
 * IPL_EUNSUPP on a datagram mechanism: with no acknowledgement and no flow
 * control, a stream there measures only how much the receiver drops. */
int ipl_client_stream(struct ipl_conn *c, const struct ipl_client_cfg *cfg, struct ipl_client_stats *st);

/* The verification pattern: fills buf with bytes derived from seq so that a
 * stale or misplaced reply cannot pass as the right one. */
void ipl_payload_fill(uint8_t *buf, size_t len, uint64_t seq);

#endif
