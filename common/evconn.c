#include "common/evconn.h"

#include "common/bytes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes of output e owns (an in-place echo is in e->in, charged there). */
static size_t out_owned(const struct ipl_evconn *e)
{
	return e->out_own.p ? e->out_len : 0;
}

/* The buffers e holds, in all, charged to the pool. */
static int recharge(struct ipl_evconn *e, size_t in_cap, size_t out_len)
{
	return ipl_rx_charge(&e->rx, in_cap + out_len);
}

static int in_resize(struct ipl_evconn *e, size_t cap)
{
	if (recharge(e, cap, out_owned(e)) < 0)
		return IPL_EOVERLOAD;
	if (ipl_buf_resize(&e->in, cap) < 0) {
		recharge(e, e->in.cap, out_owned(e));
		return -ENOMEM;
	}
	return 0;
}

static void in_free(struct ipl_evconn *e)
{
	ipl_buf_free(&e->in);
	e->in_off = e->have = 0;
	recharge(e, 0, out_owned(e));
}

static void out_done(struct ipl_evconn *e)
{
	ipl_buf_free(&e->out_own);
	e->out_p = NULL;
	e->out_len = e->out_off = 0;
	recharge(e, e->in.cap, 0);
}

void ipl_evconn_free_bufs(struct ipl_evconn *e)
{
	out_done(e);
	in_free(e);
}

/* Sends hdr + payload now, as far as the socket takes it; the rest is kept
 * for EPOLLOUT: in place when inplace (hb is in e->in, the payload right
 * after it), else copied.  0, or a code when e must be closed. */
static int send_now(struct ipl_evconn *e, const uint8_t *hb, const void *payload, size_t len, int inplace,
		    uint64_t now)
{
	struct iovec iov[2] = { { (void *)hb, IPL_HDR_SIZE }, { (void *)payload, len } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	size_t total = IPL_HDR_SIZE + len, sent = 0;
	ssize_t n;
	do
		n = sendmsg(e->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		return -errno;
	if (n > 0) {
		sent = (size_t)n;
		e->quiet_since = now;
	}
	if (sent == total)
		return 0;
	if (inplace) {
		e->out_p = hb;
		e->out_len = total;
		e->out_off = sent;
		return 0;
	}
	size_t rest = total - sent;
	/* a reply the peer does not take: the pool bounds them as it does requests */
	if (recharge(e, e->in.cap, rest) < 0)
		return IPL_EOVERLOAD;
	if (ipl_buf_resize(&e->out_own, rest) < 0) {
		recharge(e, e->in.cap, 0);
		return -ENOMEM;
	}
	uint8_t *o = e->out_own.p;
	size_t hpart = sent < IPL_HDR_SIZE ? IPL_HDR_SIZE - sent : 0;
	memcpy(o, hb + (IPL_HDR_SIZE - hpart), hpart);
	memcpy(o + hpart, (const uint8_t *)payload + (len - (rest - hpart)), rest - hpart);
	e->out_p = o;
	e->out_len = rest;
	e->out_off = 0;
	return 0;
}

/* As server.c's reply: the echo keeps the request's checksum.  at: where
 * to write the header in place (just before payload, in e->in), or NULL. */
static int reply_at(struct ipl_evconn *e, const struct ipl_hdr *req, uint8_t op, const void *payload,
		    uint32_t len, uint8_t *at, uint64_t now)
{
	struct ipl_hdr h = { .version = IPL_VERSION, .op = op, .flags = IPL_FLAG_REPLY, .seq = req->seq, .len = len };
	if (len && (req->flags & IPL_FLAG_CRC)) {
		h.flags |= IPL_FLAG_CRC;
		h.crc = (op == IPL_OP_ECHO) ? req->crc : ipl_crc32c(0, payload, len);
	}
	uint8_t hb[IPL_HDR_SIZE];
	ipl_hdr_encode(&h, at ? at : hb);
	return send_now(e, at ? at : hb, payload, len, at != NULL, now);
}

static int reply(struct ipl_evconn *e, const struct ipl_hdr *req, uint8_t op, const void *payload, uint32_t len,
		 uint64_t now)
{
	return reply_at(e, req, op, payload, len, NULL, now);
}

static int reply_error(struct ipl_evconn *e, const struct ipl_hdr *req, int err, uint64_t now)
{
	uint8_t code[4];
	ipl_put_be32(code, ipl_wire_err_of(err));
	struct ipl_hdr plain = *req;
	plain.flags = 0;
	return reply(e, &plain, IPL_OP_ERROR, code, sizeof code, now);
}

/* One whole, checked request at msg (header, then payload): the same
 * answers as ipl_serve_conn_limited.  held: msg is in e->in (an echo is
 * then answered in place, never copied). */
static int handle(struct ipl_evctx *x, struct ipl_evconn *e, const struct ipl_hdr *h, uint8_t *msg, int held,
		  uint64_t now)
{
	const uint8_t *pl = msg + IPL_HDR_SIZE;
	x->st.bytes += h->len;
	if (ipl_payload_check(h, pl) < 0) {
		x->st.bad++;
		return reply_error(e, h, IPL_EBADCRC, now);
	}
	if (h->flags & IPL_FLAG_REPLY || h->op == IPL_OP_ERROR ||
	    ((h->flags & IPL_FLAG_NOACK) && h->op != IPL_OP_SINK)) {
		x->st.bad++; /* a client may not send replies or errors */
		return reply_error(e, h, (h->flags & IPL_FLAG_REPLY) ? IPL_EBADFLAGS : IPL_EBADOP, now);
	}
	x->st.msgs++;
	switch (h->op) {
	case IPL_OP_HELLO: {
		uint8_t be_cap[4];
		ipl_put_be32(be_cap, x->cap);
		return reply(e, h, IPL_OP_HELLO, be_cap, sizeof be_cap, now);
	}
	case IPL_OP_ECHO: return reply_at(e, h, IPL_OP_ECHO, pl, h->len, held ? msg : NULL, now);
	case IPL_OP_SINK: return (h->flags & IPL_FLAG_NOACK) ? 0 : reply(e, h, IPL_OP_SINK, NULL, 0, now);
	case IPL_OP_BYE: e->closing = 1; return reply(e, h, IPL_OP_BYE, NULL, 0, now);
	}
	return 0;
}

/* Answers the whole requests at p (n bytes) until one is partial, a reply
 * waits or e closes; *used gets the bytes taken. */
static int consume(struct ipl_evctx *x, struct ipl_evconn *e, uint8_t *p, size_t n, int held, size_t *used,
		   uint64_t now)
{
	size_t off = 0;
	int rc = 0;
	while (rc == 0 && !e->closing && !e->out_len && n - off >= IPL_HDR_SIZE) {
		struct ipl_hdr h;
		int hrc = ipl_hdr_decode(p + off, e->refuser ? IPL_EV_REFUSE_CAP : x->cap, &h);
		size_t need = IPL_HDR_SIZE + (size_t)h.len;
		if (hrc == 0 && n - off < need)
			break;
		if (e->refuser || hrc < 0) { /* the stream ends here: answer, then close */
			off = n;
			e->closing = 1;
			if (e->refuser && (hrc == 0 || hrc == IPL_ETOOBIG))
				rc = reply_error(e, &h, IPL_EBUSY, now);
			else if (!e->refuser) {
				x->st.bad++;
				rc = reply_error(e, &h, hrc, now);
			}
			break;
		}
		rc = handle(x, e, &h, p + off, held, now);
		off += need;
	}
	*used = off;
	return rc;
}

/* Moves what e->in holds to its front, or frees it when it holds nothing
 * (an idle connection keeps no input buffer; a big message's stays unless
 * the pool is tight).  Not while a reply is sent from it. */
static void compact(struct ipl_evconn *e)
{
	if (e->out_len && !e->out_own.p)
		return;
	if (e->have && e->in_off)
		memmove(e->in.p, e->in.p + e->in_off, e->have);
	e->in_off = 0;
	if (e->have)
		return;
	if (e->in.cap <= IPL_EV_SCRATCH || e->closing)
		in_free(e);
	else
		ipl_rx_trim(&e->in, &e->rx); /* frees and uncharges it all when the pool is tight */
	if (!e->in.p)
		recharge(e, 0, out_owned(e));
}

/* Answers what e->in holds. */
static int consume_held(struct ipl_evctx *x, struct ipl_evconn *e, uint64_t now)
{
	size_t used = 0;
	int rc = consume(x, e, e->in.p + e->in_off, e->have, 1, &used, now);
	e->in_off += used;
	e->have -= used;
	compact(e);
	return rc;
}

/* Room for the next read into e->in (compacted: in_off 0), growing as the
 * message arrives (at most twice what came, as msgio.c does): never to a
 * declared length up front.  Over the pool: the message is read into
 * nothing (e->skip). */
static int make_room(struct ipl_evctx *x, struct ipl_evconn *e)
{
	size_t need = IPL_HDR_SIZE;
	struct ipl_hdr h = { 0 };
	if (e->have >= IPL_HDR_SIZE) {
		ipl_hdr_decode(e->in.p, e->refuser ? IPL_EV_REFUSE_CAP : x->cap, &h); /* checked by consume */
		need += h.len;
	}
	if (e->in.cap > e->have)
		return 0;
	size_t cap = e->have * 2 > IPL_EV_SCRATCH ? e->have * 2 : IPL_EV_SCRATCH;
	if (cap > need)
		cap = need;
	int rc = in_resize(e, cap);
	if (rc == IPL_EOVERLOAD) {
		e->skip = need - e->have;
		e->skip_h = h;
		in_free(e);
		rc = 0;
	}
	return rc;
}

/* Keeps the partial tail of a scratch read (e->in is empty). */
static int keep(struct ipl_evconn *e, const uint8_t *p, size_t n)
{
	if (!n)
		return 0;
	if (n > e->in.cap) {
		int rc = in_resize(e, n > 4096 ? n : 4096);
		if (rc < 0)
			return rc;
	}
	memcpy(e->in.p, p, n);
	e->in_off = 0;
	e->have = n;
	return 0;
}

/* Reads once into the scratch buffer, the skip, or e->in, and answers
 * what is whole.  >0: bytes read; 0: nothing now; <0: close. */
static ssize_t read_once(struct ipl_evctx *x, struct ipl_evconn *e, uint64_t now, size_t *room)
{
	uint8_t *dst = x->scratch;
	*room = IPL_EV_SCRATCH;
	if (!e->skip && e->have) {
		int rc = make_room(x, e);
		if (rc < 0)
			return rc;
		if (!e->skip) {
			dst = e->in.p + e->have;
			*room = e->in.cap - e->have;
		}
	}
	if (e->skip)
		*room = e->skip < IPL_EV_SCRATCH ? e->skip : IPL_EV_SCRATCH;
	ssize_t r;
	do /* e->fd is a socket (conn_fd's contract): recv skips read's file layer */
		r = recv(e->fd, dst, *room, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
	if (r == 0)
		return IPL_ECLOSED;
	e->quiet_since = now;
	int rc = 0;
	if (e->skip) {
		e->skip -= (size_t)r;
		if (!e->skip) {
			x->st.overload++;
			x->st.bytes += e->skip_h.len;
			rc = reply_error(e, &e->skip_h, IPL_EOVERLOAD, now);
		}
	} else if (dst == x->scratch) {
		size_t used = 0;
		rc = consume(x, e, dst, (size_t)r, 0, &used, now);
		if (rc == 0 && !e->closing)
			rc = keep(e, dst + used, (size_t)r - used);
	} else {
		e->have += (size_t)r;
		rc = consume_held(x, e, now);
	}
	return rc < 0 ? rc : r;
}

int ipl_evconn_read(struct ipl_evctx *x, struct ipl_evconn *e, uint64_t now)
{
	/* a few reads at most: a peer with more is read again on the next
	 * round (level-triggered), after the others */
	for (int i = 0; i < 4 && !e->closing && !e->out_len; i++) {
		size_t room;
		ssize_t r = read_once(x, e, now, &room);
		if (r <= 0)
			return (int)r;
		if ((size_t)r < room)
			return 0;
	}
	return 0;
}

int ipl_evconn_write(struct ipl_evctx *x, struct ipl_evconn *e, uint64_t now)
{
	while (e->out_off < e->out_len) {
		ssize_t n = send(e->fd, e->out_p + e->out_off, e->out_len - e->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
		e->out_off += (size_t)n;
		e->quiet_since = now;
	}
	out_done(e);
	compact(e);
	if (e->closing || !e->have)
		return 0;
	return consume_held(x, e, now);
}
