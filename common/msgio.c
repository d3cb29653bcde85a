#include "common/msgio.h"

#include "common/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Big enough for a header plus a typical small payload in one recv, small
 * enough that large payloads mostly bypass it. */
#define RX_CAP 16384u
/* The first read of a message on a connection that carries large ones:
 * the header and a page of payload.  Staging less (the header alone) would
 * leave a pipe's first page half read, so the writer blocked on the full
 * pipe waits for the next read; staging RX_CAP copies 16 KiB of payload
 * twice (a quarter of a 64 KiB message). */
#define RX_LARGE_FIRST 4096u
/* A payload buffer grows in steps of at least this, to at most twice the
 * bytes that have arrived: a declared length alone buys no memory. */
#define RX_STEP (64u << 10)

/* Buffers this big are mapped on their own, so freeing one gives its pages
 * back to the system at once: the allocator would keep them for the thread
 * that freed them, and a bound on what is buffered would not bound RSS. */
#define MAP_MIN (128u << 10)

/* Grows b to exactly cap (> b->cap) bytes, keeping its contents. */
static int buf_resize(struct ipl_buf *b, size_t cap)
{
	uint8_t *p;
	if (cap < MAP_MIN) { /* 64-byte aligned (see fdconn.c), as a mapping is */
		if (posix_memalign((void **)&p, 64, cap) != 0)
			return -ENOMEM;
		if (b->cap)
			memcpy(p, b->p, b->cap);
		free(b->p);
	} else if (b->cap >= MAP_MIN) {
		p = mremap(b->p, b->cap, cap, MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			return -ENOMEM;
	} else {
		p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -ENOMEM;
		if (b->cap)
			memcpy(p, b->p, b->cap);
		free(b->p);
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

int ipl_buf_resize(struct ipl_buf *b, size_t cap)
{
	return cap <= b->cap ? 0 : buf_resize(b, cap);
}

int ipl_buf_grow(struct ipl_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	while (cap < n)
		cap *= 2;
	return buf_resize(b, cap);
}

void ipl_buf_free(struct ipl_buf *b)
{
	if (b->cap >= MAP_MIN)
		munmap(b->p, b->cap);
	else
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

/* A sign of life for an idle watch.  One writer (the connection's
 * thread): a plain increment, no locked instruction on the hot path. */
static void bump(struct ipl_rx_limit *lim)
{
	if (lim)
		atomic_store_explicit(&lim->progress,
				      atomic_load_explicit(&lim->progress, memory_order_relaxed) + 1,
				      memory_order_relaxed);
}

/* Makes the empty rx buffer an RX_CAP staging buffer again: allocates it
 * the first time, and frees a drained spill (see spill). */
static int staging(struct ipl_conn *c)
{
	if (c->rx && c->rx_cap > RX_CAP) {
		free(c->rx);
		c->rx = NULL;
	}
	if (!c->rx) {
		c->rx = malloc(RX_CAP);
		if (!c->rx)
			return -ENOMEM;
		c->rx_cap = RX_CAP;
	}
	return 0;
}

/* Refills the empty rx buffer with whatever the transport has, at most
 * max (<= RX_CAP) bytes (one recv). */
static ssize_t fill(struct ipl_conn *c, size_t max)
{
	int rc = staging(c);
	if (rc < 0)
		return rc;
	ssize_t n = ipl_conn_recv(c, c->rx, max);
	c->rx_off = 0;
	c->rx_len = n > 0 ? (size_t)n : 0;
	return n;
}

/* fill for a header, through recvv: the header's bytes go to the empty rx
 * buffer, what follows them to dst (up to len bytes), in one call.  Returns
 * what the call returned; *pre is how many bytes landed in dst. */
static ssize_t fill_hdr_and(struct ipl_conn *c, uint8_t *dst, size_t len, size_t *pre)
{
	int rc = staging(c);
	if (rc < 0)
		return rc;
	struct iovec iov[2] = {
		{ .iov_base = c->rx, .iov_len = IPL_HDR_SIZE },
		{ .iov_base = dst, .iov_len = len },
	};
	ssize_t n = c->tp->recvv(c, iov, 2);
	size_t got = n > 0 ? (size_t)n : 0;
	c->rx_off = 0;
	c->rx_len = got < IPL_HDR_SIZE ? got : IPL_HDR_SIZE;
	*pre = got - c->rx_len;
	return n;
}

/* Copies n bytes from src to dst; when crc is not NULL, also advances the
 * CRC32C over what dst received, in the same pass (ipl_crc32c_copy): the
 * check costs no second read of the bytes, and it is of the private copy,
 * whatever a peer does to src after we have read it. */
static void copy_crc(uint8_t *dst, const uint8_t *src, size_t n, uint32_t *crc)
{
	if (!dst) /* IPL_RX_SINK_IN_PLACE: checked where it lies, not kept */
		*crc = ipl_crc32c(*crc, src, n);
	else if (crc)
		*crc = ipl_crc32c_copy(*crc, dst, src, n);
	else
		memcpy(dst, src, n);
}

/* read_full for transports that lend their memory (shm): copy straight from
 * it, no staging buffer in between (buf NULL, crc not: check, copy nothing). */
static int read_full_peek(struct ipl_conn *c, uint8_t *buf, size_t len, struct ipl_rx_limit *lim,
			  uint32_t *crc)
{
	size_t got = 0;
	while (got < len) {
		const uint8_t *p;
		ssize_t n = c->tp->peek(c, &p);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return got ? IPL_ETRUNC : IPL_ECLOSED;
		bump(lim);
		size_t take = (size_t)n < len - got ? (size_t)n : len - got;
		copy_crc(buf ? buf + got : NULL, p, take, crc);
		c->tp->consume(c, take);
		got += take;
	}
	return 0;
}

/* Reads exactly len bytes into buf.  When crc is not NULL it is advanced
 * over them as each read lands (see copy_crc for why then). */
static int read_full_crc(struct ipl_conn *c, void *buf, size_t len, struct ipl_rx_limit *lim, uint32_t *crc)
{
	if (c->tp->peek)
		return read_full_peek(c, buf, len, lim, crc);
	uint8_t *out = buf;
	size_t got = 0;
	while (got < len) {
		size_t have = c->rx_len - c->rx_off;
		if (have) {
			size_t take = have < len - got ? have : len - got;
			copy_crc(out + got, c->rx + c->rx_off, take, crc);
			c->rx_off += take;
			got += take;
			continue;
		}
		ssize_t n;
		if (len - got >= RX_CAP) /* large remainder: no point staging it */
			n = ipl_conn_recv(c, out + got, len - got);
		else
			n = fill(c, RX_CAP);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return got ? IPL_ETRUNC : IPL_ECLOSED;
		bump(lim);
		if (len - got >= RX_CAP) {
			if (crc)
				*crc = ipl_crc32c(*crc, out + got, (size_t)n);
			got += (size_t)n;
		}
	}
	return 0;
}

static int read_full(struct ipl_conn *c, void *buf, size_t len, struct ipl_rx_limit *lim)
{
	return read_full_crc(c, buf, len, lim, NULL);
}

/* Reads a message header.  Small messages keep the one staged read that
 * fetches header and payload together.  On a connection whose payload
 * buffer outgrew the staging buffer (it carries large messages) the rest of
 * the payload lands in its buffer with the kernel's one copy:
 * - with recvv, the call that reads the header also reads the payload
 *   into its buffer, up to the last message's length; *pre says how many
 *   bytes landed there (more than this message has when it is the shorter:
 *   read_payload spills them back);
 * - else the read that fetches the header stops after RX_LARGE_FIRST bytes. */
static int read_hdr(struct ipl_conn *c, uint8_t *hdr, const struct ipl_buf *payload,
		    struct ipl_rx_limit *lim, size_t *pre)
{
	*pre = 0;
	if (!c->tp->peek && c->rx_len == c->rx_off && payload->cap > RX_CAP) {
		size_t guess = c->rx_last_len;
		ssize_t n = c->tp->recvv && guess && guess <= payload->cap
				    ? fill_hdr_and(c, payload->p, guess, pre)
				    : fill(c, RX_LARGE_FIRST);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return IPL_ECLOSED;
		bump(lim);
	}
	return read_full(c, hdr, IPL_HDR_SIZE, lim);
}

int ipl_conn_read_full(struct ipl_conn *c, void *buf, size_t len)
{
	return read_full(c, buf, len, NULL);
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

/* ---- the payload buffer and its pool -------------------------------------- */

static size_t chargeable(size_t cap)
{
	return cap > IPL_RX_FREE ? cap - IPL_RX_FREE : 0;
}

/* Charges lim's pool for a buffer of cap bytes.  0 or IPL_EOVERLOAD. */
static int charge(struct ipl_rx_limit *lim, size_t cap)
{
	if (!lim || !lim->pool || chargeable(cap) <= lim->charged)
		return 0;
	struct ipl_mem_pool *pool = lim->pool;
	uint64_t delta = chargeable(cap) - lim->charged;
	uint64_t used = atomic_load_explicit(&pool->used, memory_order_relaxed);
	do {
		if (used > pool->limit || pool->limit - used < delta)
			return IPL_EOVERLOAD;
	} while (!atomic_compare_exchange_weak_explicit(&pool->used, &used, used + delta,
							memory_order_relaxed, memory_order_relaxed));
	lim->charged = chargeable(cap);
	return 0;
}

/* Lowers lim's charge to what a buffer of cap bytes costs. */
static void uncharge(struct ipl_rx_limit *lim, size_t cap)
{
	if (!lim || !lim->pool || chargeable(cap) >= lim->charged)
		return;
	atomic_fetch_sub_explicit(&lim->pool->used, lim->charged - chargeable(cap), memory_order_relaxed);
	lim->charged = chargeable(cap);
}

/* Grows b to hold n (<= max(len, 1)) bytes of a message of len: doubling,
 * but not past the end of a large message; charging lim first.  Returns 0,
 * IPL_EOVERLOAD or -ENOMEM. */
static int grow(struct ipl_buf *b, size_t n, size_t len, struct ipl_rx_limit *lim)
{
	if (n <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < n)
		cap *= 2;
	if (cap > len && len >= 256)
		cap = len;
	int rc = charge(lim, cap);
	if (rc < 0)
		return rc;
	rc = buf_resize(b, cap);
	if (rc < 0)
		uncharge(lim, b->cap);
	return rc;
}

int ipl_rx_charge(struct ipl_rx_limit *lim, size_t bytes)
{
	uncharge(lim, bytes);
	return charge(lim, bytes);
}

void ipl_rx_release(struct ipl_buf *payload, struct ipl_rx_limit *lim)
{
	ipl_buf_free(payload);
	uncharge(lim, 0);
}

void ipl_rx_trim(struct ipl_buf *payload, struct ipl_rx_limit *lim)
{
	if (lim && lim->pool && payload->cap > IPL_RX_FREE &&
	    atomic_load_explicit(&lim->pool->used, memory_order_relaxed) > lim->pool->limit / 2)
		ipl_rx_release(payload, lim);
}

/* A request over the pool: reads its last left bytes into nothing. */
static int discard(struct ipl_conn *c, size_t left, struct ipl_rx_limit *lim)
{
	uint8_t sink[RX_CAP];
	while (left) {
		size_t take = left < sizeof sink ? left : sizeof sink;
		int rc = read_full(c, sink, take, lim);
		if (rc < 0)
			return rc == IPL_ECLOSED ? IPL_ETRUNC : rc;
		left -= take;
	}
	return IPL_EOVERLOAD;
}

/* recvv read past the message's end: payload->p[len .. len + extra) are
 * the next messages' first bytes, and go to the rx buffer, where the next
 * reads look first.  When they outgrow it they get a buffer of their own
 * (freed once read) and the payload buffer shrinks to its message, so the
 * two hold no more than the payload buffer the pool was charged for. */
static int spill(struct ipl_conn *c, struct ipl_buf *payload, size_t len, size_t extra)
{
	if (extra > c->rx_cap) {
		uint8_t *rx = malloc(extra);
		struct ipl_buf fit = { 0 };
		if (!rx || buf_resize(&fit, len ? len : 1) < 0) {
			free(rx);
			return -ENOMEM;
		}
		memcpy(rx, payload->p + len, extra);
		memcpy(fit.p, payload->p, len);
		ipl_buf_free(payload);
		*payload = fit;
		free(c->rx);
		c->rx = rx;
		c->rx_cap = extra;
	} else {
		memcpy(c->rx, payload->p + len, extra); /* empty: the header was all */
	}
	c->rx_off = 0;
	c->rx_len = extra;
	return 0;
}

/* Reads h->len payload bytes, growing the buffer as they arrive, and
 * checks them against h's CRC when it carries one.  The first pre of them
 * are already in the buffer (read_hdr). */
static int read_payload(struct ipl_conn *c, const struct ipl_hdr *h, struct ipl_buf *payload,
			struct ipl_rx_limit *lim, size_t pre)
{
	uint32_t crc = 0, *run = (h->flags & IPL_FLAG_CRC) ? &crc : NULL;
	size_t len = h->len, got = pre < len ? pre : len;
	int rc = grow(payload, 1, len, lim); /* p is never NULL, even for len 0 */
	if (run && got)
		crc = ipl_crc32c(crc, payload->p, got);
	if (rc == 0 && pre > len)
		rc = spill(c, payload, len, pre - len);
	while (rc == 0 && got < len) {
		size_t upto = got * 2 > RX_STEP ? got * 2 : RX_STEP;
		if (upto < payload->cap)
			upto = payload->cap;
		if (upto > len)
			upto = len;
		rc = grow(payload, upto, len, lim);
		if (rc == IPL_EOVERLOAD) { /* give back what it held, keep in step */
			ipl_rx_release(payload, lim);
			return discard(c, len - got, lim);
		}
		if (rc == 0)
			rc = read_full_crc(c, payload->p + got, upto - got, lim, run);
		if (rc == IPL_ECLOSED)
			rc = IPL_ETRUNC; /* the header arrived: EOF now is mid-message */
		got = upto;
	}
	if (rc == 0 && run && crc != h->crc)
		rc = IPL_EBADCRC;
	return rc;
}

/* Whether h's payload is to be checked where the transport lends it
 * rather than delivered (IPL_RX_SINK_IN_PLACE; the caller knows h has a CRC). */
static int in_place(const struct ipl_hdr *h, unsigned flags)
{
	return (flags & IPL_RX_SINK_IN_PLACE) && h->op == IPL_OP_SINK;
}

/* Checks h's payload against its CRC piece by piece where the transport
 * lends it, and consumes it: for a message the ring never holds whole. */
static int check_in_place(struct ipl_conn *c, const struct ipl_hdr *h, struct ipl_rx_limit *lim)
{
	uint32_t crc = 0;
	int rc = read_full_peek(c, NULL, h->len, lim, &crc);
	if (rc == IPL_ECLOSED)
		rc = IPL_ETRUNC; /* the header arrived: EOF now is mid-message */
	return rc == 0 && crc != h->crc ? IPL_EBADCRC : rc;
}

/* msg_recv for transports that lend their memory: when the whole message
 * is readable at once (the common case), one look, two copies, one release.
 * The header is copied out before it is decoded: the peer may still write
 * to memory it shares with us.  Returns 1 when the message is not all
 * there yet, or the pool cannot take it whole (the caller falls back to
 * reading it piece by piece). */
static int msg_recv_peek(struct ipl_conn *c, uint32_t cap, struct ipl_hdr *h, struct ipl_buf *payload,
			 struct ipl_rx_limit *lim, unsigned flags)
{
	const uint8_t *p;
	ssize_t n = c->tp->peek(c, &p);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return IPL_ECLOSED;
	bump(lim);
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
	uint32_t crc = 0, *run = (h->flags & IPL_FLAG_CRC) ? &crc : NULL;
	int keep = !(run && in_place(h, flags));
	rc = keep ? grow(payload, h->len ? h->len : 1, h->len, lim) : 0;
	if (rc == IPL_EOVERLOAD)
		return 1;
	if (rc < 0)
		return rc;
	copy_crc(keep ? payload->p : NULL, p + IPL_HDR_SIZE, h->len, run);
	c->tp->consume(c, IPL_HDR_SIZE + (size_t)h->len);
	return run && crc != h->crc ? IPL_EBADCRC : 0;
}

int ipl_msg_recv_limited(struct ipl_conn *c, uint32_t cap, struct ipl_hdr *h, struct ipl_buf *payload,
			 struct ipl_rx_limit *lim, unsigned flags)
{
	if (c->tp->peek) {
		int rc = msg_recv_peek(c, cap, h, payload, lim, flags);
		if (rc <= 0)
			return rc;
	}
	uint8_t hdr[IPL_HDR_SIZE];
	size_t pre;
	int rc = read_hdr(c, hdr, payload, lim, &pre);
	if (rc < 0)
		return rc;
	rc = ipl_hdr_decode(hdr, cap, h);
	if (rc < 0)
		return rc;
	c->rx_last_len = h->len;
	if (c->tp->peek && (h->flags & IPL_FLAG_CRC) && in_place(h, flags))
		return check_in_place(c, h, lim);
	/* len is now known to be <= cap; memory follows the bytes that arrive */
	return read_payload(c, h, payload, lim, pre); /* it checks the CRC too */
}

int ipl_msg_recv(struct ipl_conn *c, uint32_t cap, struct ipl_hdr *h, struct ipl_buf *payload)
{
	return ipl_msg_recv_limited(c, cap, h, payload, NULL, 0);
}
