#include "msgio.h"

#include "err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Big enough for a header plus a typical small payload in one recv, small
 * enough that large payloads mostly bypass it. */
#define RX_CAP 16384u

int ipl_buf_grow(struct ipl_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	while (cap < n)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

void ipl_buf_free(struct ipl_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->cap = 0;
}

void ipl_conn_detach(struct ipl_conn *c)
{
	if (!c)
		return;
	free(c->rx);
	c->rx = NULL;
	c->tp->detach(c);
}

/* Refills the empty rx buffer with whatever the transport has (one recv). */
static ssize_t fill(struct ipl_conn *c)
{
	if (!c->rx) {
		c->rx = malloc(RX_CAP);
		if (!c->rx)
			return -ENOMEM;
		c->rx_cap = RX_CAP;
	}
	ssize_t n = ipl_conn_recv(c, c->rx, c->rx_cap);
	c->rx_off = 0;
	c->rx_len = n > 0 ? (size_t)n : 0;
	return n;
}

/* read_full for transports that lend their memory (shm): copy straight from
 * it, no staging buffer in between. */
static int read_full_peek(struct ipl_conn *c, uint8_t *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		const uint8_t *p;
		ssize_t n = c->tp->peek(c, &p);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return got ? IPL_ETRUNC : IPL_ECLOSED;
		size_t take = (size_t)n < len - got ? (size_t)n : len - got;
		memcpy(buf + got, p, take);
		c->tp->consume(c, take);
		got += take;
	}
	return 0;
}

int ipl_conn_read_full(struct ipl_conn *c, void *buf, size_t len)
{
	if (c->tp->peek)
		return read_full_peek(c, buf, len);
	size_t got = 0;
	while (got < len) {
		size_t have = c->rx_len - c->rx_off;
		if (have) {
			size_t take = have < len - got ? have : len - got;
			memcpy((uint8_t *)buf + got, c->rx + c->rx_off, take);
			c->rx_off += take;
			got += take;
			continue;
		}
		ssize_t n;
		if (len - got >= RX_CAP) /* large remainder: no point staging it */
			n = ipl_conn_recv(c, (uint8_t *)buf + got, len - got);
		else
			n = fill(c);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return got ? IPL_ETRUNC : IPL_ECLOSED;
		if (len - got >= RX_CAP)
			got += (size_t)n;
	}
	return 0;
}

int ipl_msg_send(struct ipl_conn *c, const struct ipl_hdr *h, const void *payload)
{
	/* in place when the transport lends memory: a header staged on the
	 * stack would be copied again, and that copy's wide loads cannot be
	 * forwarded from the encoder's narrow stores (a stall per message) */
	uint8_t *p;
	size_t total = IPL_HDR_SIZE + (size_t)h->len;
	if (c->tp->reserve && c->tp->reserve(c, total, &p)) {
		ipl_hdr_encode(h, p);
		if (h->len)
			memcpy(p + IPL_HDR_SIZE, payload, h->len);
		c->tp->commit(c, total);
		return 0;
	}
	uint8_t hdr[IPL_HDR_SIZE];
	ipl_hdr_encode(h, hdr);
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof hdr },
		{ .iov_base = (void *)payload, .iov_len = h->len },
	};
	return ipl_conn_send(c, iov, h->len ? 2 : 1);
}

/* msg_recv for transports that lend their memory: when the whole message
 * is readable at once (the common case), one look, two copies, one release.
 * The header is copied out before it is decoded: the peer may still write
 * to memory it shares with us.  Returns 1 when the message is not all
 * there yet (the caller falls back to reading it piece by piece). */
static int msg_recv_peek(struct ipl_conn *c, uint32_t cap, struct ipl_hdr *h,
			 struct ipl_buf *payload)
{
	const uint8_t *p;
	ssize_t n = c->tp->peek(c, &p);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return IPL_ECLOSED;
	if ((size_t)n < IPL_HDR_SIZE)
		return 1;
	uint8_t hdr[IPL_HDR_SIZE];
	memcpy(hdr, p, sizeof hdr);
	int rc = ipl_hdr_decode(hdr, cap, h);
	if (rc < 0) {
		c->tp->consume(c, sizeof hdr); /* as read_full would have */
		return rc;
	}
	if ((size_t)n - IPL_HDR_SIZE < h->len)
		return 1;
	rc = ipl_buf_reserve(payload, h->len ? h->len : 1);
	if (rc < 0)
		return rc;
	memcpy(payload->p, p + IPL_HDR_SIZE, h->len);
	c->tp->consume(c, IPL_HDR_SIZE + (size_t)h->len);
	return ipl_payload_check(h, payload->p);
}

int ipl_msg_recv(struct ipl_conn *c, uint32_t cap, struct ipl_hdr *h, struct ipl_buf *payload)
{
	if (c->tp->peek) {
		int rc = msg_recv_peek(c, cap, h, payload);
		if (rc <= 0)
			return rc;
	}
	uint8_t hdr[IPL_HDR_SIZE];
	int rc = ipl_conn_read_full(c, hdr, sizeof hdr);
	if (rc < 0)
		return rc;
	rc = ipl_hdr_decode(hdr, cap, h);
	if (rc < 0)
		return rc;
	/* len is now known to be <= cap: safe to size memory by it */
	rc = ipl_buf_reserve(payload, h->len ? h->len : 1);
	if (rc < 0)
		return rc;
	rc = ipl_conn_read_full(c, payload->p, h->len);
	if (rc == IPL_ECLOSED)
		rc = IPL_ETRUNC; /* the header arrived: EOF now is mid-message */
	if (rc < 0)
		return rc;
	return ipl_payload_check(h, payload->p);
}
