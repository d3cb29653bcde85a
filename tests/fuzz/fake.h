/* fake.h - an in-memory connection for the fuzz targets.
 *
 * recv hands out the fuzzer's bytes in fuzzer-chosen chunk sizes (so every
 * short-read path of the readers above is exercised), then EOF; send checks
 * nothing but the iovec's shape and counts bytes.  The input is laid out as
 *
 *   byte 0     knobs for the target (cap choice, mode)
 *   byte 1     n = byte % 8 chunk-size bytes follow (0: recv fills all it can)
 *   n bytes    chunk sizes, each + 1, used round-robin
 *   the rest   the byte stream the peer "sent"
 *
 * A fake transport table makes it usable wherever a conn or a carrier
 * endpoint is expected (the rpc transport takes it as its --via). */
#ifndef IPL_FUZZ_FAKE_H
#define IPL_FUZZ_FAKE_H

#include "common/err.h"
#include "common/msg.h"
#include "common/transport.h"

#include <stdlib.h>
#include <string.h>

struct fake_conn {
	struct ipl_conn base;
	const uint8_t *data;
	size_t len, off;
	const uint8_t *chunks;
	size_t nchunks, ci;
	size_t sent;
	size_t lent; /* bytes the last peek lent (fake_lend_transport) */
	int heap;    /* detach frees it */
};

/* Parses the layout above; returns the knobs byte. */
static inline uint8_t fake_split(const uint8_t *d, size_t n, struct fake_conn *fc)
{
	memset(fc, 0, sizeof *fc);
	uint8_t knobs = n > 0 ? d[0] : 0;
	size_t nch = n > 1 ? d[1] % 8 : 0;
	size_t head = 2 + nch;
	if (head > n) {
		nch = 0;
		head = n;
	}
	fc->chunks = d + 2;
	fc->nchunks = nch;
	fc->data = d + head;
	fc->len = n - head;
	return knobs;
}

/* n (> 0) cut to the next fuzzer-chosen chunk size, when there are any. */
static inline size_t fake_chunk(struct fake_conn *fc, size_t n)
{
	if (fc->nchunks) {
		size_t ch = (size_t)fc->chunks[fc->ci++ % fc->nchunks] + 1;
		if (n > ch)
			n = ch;
	}
	return n;
}

static inline ssize_t fake_recv(struct ipl_conn *c, void *buf, size_t len)
{
	struct fake_conn *fc = (struct fake_conn *)c;
	size_t left = fc->len - fc->off;
	if (!left || !len)
		return 0;
	size_t n = fake_chunk(fc, len < left ? len : left);
	memcpy(buf, fc->data + fc->off, n);
	fc->off += n;
	return (ssize_t)n;
}

/* As readv: fills the buffers in order, each as fake_recv would (so a
 * buffer may be left short and the call still go on to the next; the
 * kernel never does that, a reader must not care). */
static inline ssize_t fake_recvv(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	ssize_t done = 0;
	for (int i = 0; i < cnt; i++)
		done += fake_recv(c, iov[i].iov_base, iov[i].iov_len);
	return done;
}

static inline int fake_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	struct fake_conn *fc = (struct fake_conn *)c;
	if (cnt < 1)
		abort();
	for (int i = 0; i < cnt; i++) {
		if (iov[i].iov_len && !iov[i].iov_base)
			abort();
		/* touch every byte: ASan then catches a reply built from freed or
		 * out-of-bounds memory */
		const volatile uint8_t *p = iov[i].iov_base;
		uint8_t x = 0;
		for (size_t k = 0; k < iov[i].iov_len; k++)
			x ^= p[k];
		(void)x;
		fc->sent += iov[i].iov_len;
	}
	return 0;
}

static inline void fake_detach(struct ipl_conn *c)
{
	struct fake_conn *fc = (struct fake_conn *)c;
	if (fc->heap)
		free(fc);
}

/* The carrier endpoint: accept / attach_client hand out one heap copy of
 * fake_next (set by the target), then IPL_EDONE. */
static struct fake_conn fake_next __attribute__((unused));
static int fake_handed __attribute__((unused));

static inline int fake_prepare(struct ipl_endpoint *ep)
{
	strcpy(ep->addr, "fake");
	return 0;
}

static inline int fake_attach_server(struct ipl_endpoint *ep)
{
	(void)ep;
	return 0;
}

static const struct ipl_transport fake_transport __attribute__((unused));

static inline int fake_hand_out(struct ipl_conn **out)
{
	if (fake_handed)
		return IPL_EDONE;
	struct fake_conn *fc = malloc(sizeof *fc);
	if (!fc)
		abort();
	*fc = fake_next;
	fc->base.tp = &fake_transport;
	fc->heap = 1;
	fake_handed = 1;
	*out = &fc->base;
	return 0;
}

static inline int fake_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	(void)ep;
	return fake_hand_out(out);
}

static inline int fake_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	(void)ep;
	(void)idx;
	return fake_hand_out(out);
}

static inline void fake_release(struct ipl_endpoint *ep)
{
	(void)ep;
}

static const struct ipl_transport fake_transport __attribute__((unused)) = {
	.name = "fake",
	.summary = "fuzzer bytes in, nothing out",
	.caps = IPL_CAP_BYTES | IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT,
	.prepare = fake_prepare,
	.attach_server = fake_attach_server,
	.accept = fake_accept,
	.attach_client = fake_attach_client,
	.send = fake_send,
	.recv = fake_recv,
	.detach = fake_detach,
	.release = fake_release,
	.cleanup = fake_release,
};

/* The same with recvv, as unix has: msgio's one-call header read. */
static const struct ipl_transport fake_vec_transport __attribute__((unused)) = {
	.name = "fake-vec",
	.summary = "fuzzer bytes in through recvv, nothing out",
	.caps = IPL_CAP_BYTES,
	.send = fake_send,
	.recv = fake_recv,
	.recvv = fake_recvv,
	.detach = fake_detach,
};

/* As shm lends its ring: points at the next chunk of the fuzzer's bytes
 * in place; consume takes back no more than was lent. */
static inline ssize_t fake_peek(struct ipl_conn *c, const uint8_t **p)
{
	struct fake_conn *fc = (struct fake_conn *)c;
	size_t left = fc->len - fc->off, n = left ? fake_chunk(fc, left) : 0;
	*p = fc->data + fc->off;
	fc->lent = n;
	return (ssize_t)n;
}

static inline void fake_consume(struct ipl_conn *c, size_t n)
{
	struct fake_conn *fc = (struct fake_conn *)c;
	if (n > fc->lent)
		abort(); /* released bytes it was never lent */
	fc->lent -= n;
	fc->off += n;
}

/* The same lending its memory, as shm does: msgio's in-place path. */
static const struct ipl_transport fake_lend_transport __attribute__((unused)) = {
	.name = "fake-lend",
	.summary = "fuzzer bytes lent in place, nothing out",
	.caps = IPL_CAP_BYTES,
	.send = fake_send,
	.recv = fake_recv,
	.peek = fake_peek,
	.consume = fake_consume,
	.detach = fake_detach,
};

/* A stack conn over the fuzzer's bytes; returns the knobs byte. */
static inline uint8_t fake_conn_init(struct fake_conn *fc, const uint8_t *d, size_t n)
{
	uint8_t k = fake_split(d, n, fc);
	fc->base.tp = &fake_transport;
	return k;
}

/* A payload cap chosen by the knobs: 1 KiB .. 1 MiB, or the default. */
static inline uint32_t fake_cap(uint8_t knobs)
{
	unsigned s = knobs % 12;
	return s == 11 ? IPL_DEFAULT_CAP : (1024u << s);
}

#endif
