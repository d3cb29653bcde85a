/* msgio.h - whole messages over any connection.
 *
 * The receive side reads through a per-connection buffer so that a small
 * message (header + payload) usually costs one recv; payload bytes beyond the
 * buffer go straight to the caller's memory.  Byte-level users (the RPC
 * record reader) share the same buffer through ipl_conn_read_full().
 */
#ifndef IPL_MSGIO_H
#define IPL_MSGIO_H

#include "msg.h"
#include "transport.h"

/* A growable byte buffer; zero-initialise it, free with ipl_buf_free(). */
struct ipl_buf {
	uint8_t *p;
	size_t cap;
};

/* Grows b to hold at least n bytes (> b->cap).  Returns 0 or -ENOMEM. */
int ipl_buf_grow(struct ipl_buf *b, size_t n);

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
 * *h holds what could be parsed.  A CRC mismatch is reported after the
 * payload is consumed, so the stream stays in step.  Returns 0 or a code. */
int ipl_msg_recv(struct ipl_conn *c, uint32_t cap, struct ipl_hdr *h, struct ipl_buf *payload);

#endif
