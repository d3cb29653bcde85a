/* evconn.h - one connection of the epoll server (server_epoll.c): the
 * framed exchange as a state machine over a non-blocking socket.
 *
 * Bytes are read into the loop's scratch buffer; whole messages there are
 * answered in place and only a partial tail is kept in the connection's own
 * input buffer (an idle connection holds none).  A reply the socket does
 * not take at once is kept (an echo of a message held in the input buffer
 * in place, its reply header written over the request's; anything else
 * copied), and the connection reads nothing more until it is sent: memory per connection is
 * one message in and one reply out, both charged to the server's pool.
 */
#ifndef IPL_EVCONN_H
#define IPL_EVCONN_H

#include "common/exchange.h"
#include "common/msgio.h"

#include <stddef.h>
#include <stdint.h>

/* Read size, and the scratch buffer every connection shares. */
#define IPL_EV_SCRATCH (64u << 10)

struct ipl_evconn {
	struct ipl_conn *conn;
	int fd;
	struct ipl_evconn *prev, *next; /* the loop's list of live connections */
	struct ipl_buf in;              /* a partial message (or a backlog while writing) */
	size_t in_off, have;            /* the bytes held: in.p[in_off, in_off + have) */
	/* unsent reply bytes: out_p[out_off, out_len), in out_own or, for an
	 * echo read into in (out_own.p NULL), in place over its request */
	const uint8_t *out_p;
	struct ipl_buf out_own;
	size_t out_len, out_off;
	size_t skip;          /* payload bytes still to read into nothing (over the pool) */
	struct ipl_hdr skip_h; /* the request they belong to: answered OVERLOAD after */
	struct ipl_rx_limit rx;
	uint64_t quiet_since; /* last byte in or out (ns) */
	unsigned events;      /* epoll interest registered now */
	int refuser;          /* answers its first request BUSY, then closes */
	int closing;          /* closes once out is sent */
	int kicked;           /* closed for idling */
};

/* How much of a refused client's first request is read, at most. */
#define IPL_EV_REFUSE_CAP 4096u

/* Per loop: what every connection shares. */
struct ipl_evctx {
	uint32_t cap;
	uint8_t *scratch; /* IPL_EV_SCRATCH bytes */
	struct ipl_serve_stats st;
};

/* Reads what fd has (at most a few scratch buffers' worth, so one busy peer
 * cannot hold the loop) and answers every whole request.  Returns 0 while
 * the connection lives (check e->closing and e->out_len for the interest
 * to register), or a code when it must be closed now (EOF, reset,
 * out of memory). */
int ipl_evconn_read(struct ipl_evctx *x, struct ipl_evconn *e, uint64_t now);

/* Sends what is left of e's reply; once all is sent, answers requests
 * already held in e->in.  0, or a code when it must be closed now. */
int ipl_evconn_write(struct ipl_evctx *x, struct ipl_evconn *e, uint64_t now);

/* Frees e's buffers and gives back its pool charge (not the conn). */
void ipl_evconn_free_bufs(struct ipl_evconn *e);

#endif
