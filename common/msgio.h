/* msgio.h - whole messages over any connection.
 *
 * The receive side reads through a per-connection buffer so that a small
 * message (header + payload) usually costs one recv; payload bytes beyond the
 * buffer go straight to the caller's memory.  On a connection that carries
 * large messages (its payload buffer outgrew the staging buffer) the read
 * that fetches a header stops a page in, so the rest of the payload is not
 * copied twice.  Byte-level users (the RPC
 * record reader) share the same buffer through ipl_conn_read_full().
 */
#ifndef IPL_MSGIO_H
#define IPL_MSGIO_H

#include "common/msg.h"
#include "common/transport.h"

#include <stdatomic.h>

/* A growable byte buffer; zero-initialise it, free with ipl_buf_free(). */
struct ipl_buf {
	uint8_t *p;
	size_t cap;
};

/* Grows b to hold at least n bytes (> b->cap).  Returns 0 or -ENOMEM. */
int ipl_buf_grow(struct ipl_buf *b, size_t n);

/* Grows b to exactly cap bytes when it holds fewer (keeping its contents;
 * 128 KiB and more in a mapping of its own, so freeing it returns the
 * pages at once; smaller ones 64-byte aligned, as copies into them are
 * faster so on some CPUs).  0 or -ENOMEM. */
int ipl_buf_resize(struct ipl_buf *b, size_t cap);

/* Makes b hold at least n bytes.  Returns 0 or -ENOMEM. */
static inline int ipl_buf_reserve(struct ipl_buf *b, size_t n)
{
	return n <= b->cap ? 0 : ipl_buf_grow(b, n);
}
void ipl_buf_free(struct ipl_buf *b);

/* Reads exactly len bytes.  Returns 0, IPL_ECLOSED (EOF before any byte),
 * IPL_ETRUNC (EOF after some) or a negative code. */
int ipl_conn_read_full(struct ipl_conn *c, void *buf, size_t len);

/* Sends one message: h (magic added) followed by h->len bytes of payload. */
int ipl_msg_send(struct ipl_conn *c, const struct ipl_hdr *h, const void *payload);

/* Receives one message into *h and payload (grown as needed).  The header is
 * validated against cap before any payload is read or memory sized by it;
 * on a header error nothing more is read (the stream cannot be trusted) and
 * *h holds what could be parsed.  The buffer grows with the bytes that have
 * arrived (at most twice them, or 64 KiB), never to a declared length up
 * front.  A CRC mismatch is reported after the payload is consumed, so the
 * stream stays in step.  Returns 0 or a code. */
int ipl_msg_recv(struct ipl_conn *c, uint32_t cap, struct ipl_hdr *h, struct ipl_buf *payload);

/* ---- a bound on what many connections buffer together (a server's
 * --max-memory) ---------------------------------------------------------- */

/* Bytes of payload buffer beyond this, per connection, are charged to the
 * pool; below it a connection's buffer is its own (bounded by the number of
 * connections), so a small request is served even when the pool is spent. */
#define IPL_RX_FREE (64u << 10)

/* The budget every connection's buffer draws on. */
struct ipl_mem_pool {
	_Atomic uint64_t used; /* bytes charged now */
	uint64_t limit;        /* used never passes this */
};

/* One connection's share of a pool, and its sign of life. */
struct ipl_rx_limit {
	struct ipl_mem_pool *pool; /* NULL: nothing is charged */
	size_t charged;            /* bytes of this connection's buffer charged */
	atomic_uint progress;      /* +1 each time bytes arrive (an idle watch reads it) */
};

/* ipl_msg_recv_limited flag: a SINK that carries a CRC is checked where
 * the transport lends it (shm's ring) and consumed, not copied to payload
 * (which then holds nothing of it).  For a caller that never reads a
 * SINK's payload (the server): the check is one read of every byte, not a
 * copy and a read.  The bytes checked are the shared ones, which a peer may
 * change meanwhile: that can only change the verdict on its own message.
 * No effect on other transports or on a SINK without a CRC. */
#define IPL_RX_SINK_IN_PLACE 1u

/* ipl_msg_recv, with payload's growth charged to lim->pool (lim may be
 * NULL) and the IPL_RX_* flags.  When the pool cannot take a growth the
 * buffer is freed, the rest of the payload read and discarded (the stream
 * stays in step) and IPL_EOVERLOAD returned with *h valid: the caller
 * answers that request with an ERROR and carries on. */
int ipl_msg_recv_limited(struct ipl_conn *c, uint32_t cap, struct ipl_hdr *h, struct ipl_buf *payload,
			 struct ipl_rx_limit *lim, unsigned flags);

/* After a message is answered: frees a payload buffer over IPL_RX_FREE when
 * the pool is more than half used, so an idle connection does not sit on
 * memory others need (kept otherwise: reuse is what makes big messages
 * cheap). */
void ipl_rx_trim(struct ipl_buf *payload, struct ipl_rx_limit *lim);

/* For a server that keeps its own buffers (server_epoll.c): charges lim's
 * pool so that lim holds bytes in all (the first IPL_RX_FREE free), or
 * lowers the charge to that.  0 or IPL_EOVERLOAD (nothing changed). */
int ipl_rx_charge(struct ipl_rx_limit *lim, size_t bytes);

/* Frees payload and gives its charge back to the pool. */
void ipl_rx_release(struct ipl_buf *payload, struct ipl_rx_limit *lim);

#endif
