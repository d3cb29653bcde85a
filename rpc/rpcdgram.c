/* rpcdgram.c - see rpcdgram.h. */
#include "rpc/rpcdgram.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ipl_rpc_dg_copy {
	uint32_t xid;
	struct ipl_buf b;
	size_t len;
};

static unsigned env_every(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return 0;
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	return (*end || n > 1000000) ? 0 : (unsigned)n;
}

unsigned ipl_rpc_dg_timeout_ms(void)
{
	return ipl_dg_timeout_ms();
}

void ipl_rpc_dg_init(struct ipl_rpc_dg *d, int client)
{
	memset(d, 0, sizeof *d);
	d->client = client;
	d->wait = 1;
	d->slice_ms = ipl_rpc_dg_timeout_ms();
	d->drop_every = client ? env_every("IPCLAB_RPC_DROP_EVERY") : 0;
}

void ipl_rpc_dg_free(struct ipl_rpc_dg *d)
{
	for (size_t i = 0; i < d->capcopies; i++)
		ipl_buf_free(&d->copies[i].b);
	free(d->copies);
	ipl_buf_free(&d->in);
	memset(d, 0, sizeof *d);
}

/* A fresh timeout and tries: the first call in flight, or a reply came. */
static void restart(struct ipl_rpc_dg *d)
{
	d->wait = 1;
	d->tries = 0;
	d->due_ms = 0;
	d->slices = d->heard = 0;
}

/* Sends every call in flight again and doubles the timeout.  Returns 0,
 * -ETIMEDOUT when the tries are spent, or the carrier's code. */
static int retransmit(struct ipl_rpc_dg *d, struct ipl_conn *car, uint64_t now)
{
	if (++d->tries >= IPL_RPC_DG_TRIES)
		return -ETIMEDOUT;
	d->wait *= 2;
	d->due_ms = now + (uint64_t)d->wait * d->slice_ms;
	for (size_t i = 0; i < d->ncopies; i++) {
		struct iovec iov = { d->copies[i].b.p, d->copies[i].len };
		int rc = ipl_conn_send(car, &iov, 1);
		if (rc < 0)
			return rc;
		d->retrans++;
	}
	return 0;
}

/* Sends the calls in flight again when their timeout is up.  Until
 * something other than their reply happened no clock is read; armed then,
 * wait slices after the send (an empty slice means one has passed). */
static int resend_if_due(struct ipl_rpc_dg *d, struct ipl_conn *car)
{
	if (!d->due_ms && !d->slices && !d->heard)
		return 0;
	uint64_t now = ipl_now_ms();
	if (!d->due_ms)
		d->due_ms = now + (uint64_t)(d->wait - (d->slices ? 1 : 0)) * d->slice_ms;
	return now < d->due_ms ? 0 : retransmit(d, car, now);
}

/* Receives the next datagram into d->in. */
static int next_datagram(struct ipl_rpc_dg *d, struct ipl_conn *car)
{
	int rc = ipl_buf_reserve(&d->in, IPL_RPC_DG_MAX + 1);
	if (rc < 0)
		return rc;
	for (;;) {
		/* due whether the wait passed empty or full of other datagrams */
		if (d->client && d->ncopies && (rc = resend_if_due(d, car)) < 0)
			return rc;
		/* the carrier hands out one whole datagram per call (it fits) */
		ssize_t n = ipl_conn_recv(car, d->in.p, IPL_RPC_DG_MAX + 1);
		if (n == -ETIMEDOUT && d->client && d->ncopies) {
			d->slices = 1;
			continue;
		}
		if (n == 0)
			return IPL_ECLOSED;
		if (n < 0)
			return (int)n;
		if (d->drop_every && ++d->seen % d->drop_every == 0)
			continue; /* an injected loss */
		d->in_len = (size_t)n;
		d->in_off = 0;
		d->have = 1;
		d->heard = 1; /* the reply restarts the timeout; anything else arms it */
		return 0;
	}
}

int ipl_rpc_dg_read(struct ipl_rpc_dg *d, struct ipl_conn *car, void *buf, size_t n)
{
	if (!d->have) {
		int rc = next_datagram(d, car);
		if (rc < 0)
			return rc;
	}
	if (!ipl_rpc_dg_has(d, n))
		return IPL_EXDR;
	memcpy(buf, d->in.p + d->in_off, n);
	d->in_off += n;
	return 0;
}

int ipl_rpc_dg_has(const struct ipl_rpc_dg *d, size_t n)
{
	return d->have && d->in_len - d->in_off >= n;
}

int ipl_rpc_dg_finish(struct ipl_rpc_dg *d, struct ipl_buf *b, size_t *have)
{
	int rc = 0;
	if (b && d->have) {
		size_t left = d->in_len - d->in_off;
		rc = ipl_buf_reserve(b, *have + left);
		if (rc == 0) {
			memcpy(b->p + *have, d->in.p + d->in_off, left);
			*have += left;
		}
	}
	d->have = 0;
	d->in_off = d->in_len = 0;
	return rc;
}

/* A slot for xid's copy (reused buffers: no allocation per call in the
 * steady state). */
static struct ipl_rpc_dg_copy *copy_slot(struct ipl_rpc_dg *d)
{
	if (d->ncopies == d->capcopies) {
		size_t ncap = d->capcopies ? d->capcopies * 2 : 4;
		struct ipl_rpc_dg_copy *nc = realloc(d->copies, ncap * sizeof *nc);
		if (!nc)
			return NULL;
		memset(nc + d->capcopies, 0, (ncap - d->capcopies) * sizeof *nc);
		d->copies = nc;
		d->capcopies = ncap;
	}
	return &d->copies[d->ncopies];
}

int ipl_rpc_dg_send(struct ipl_rpc_dg *d, struct ipl_conn *car, const struct iovec *iov, int cnt,
		    uint32_t xid, int keep)
{
	size_t len = ipl_iov_total(iov, cnt);
	if (len > IPL_RPC_DG_MAX)
		return -EMSGSIZE;
	if (!(d->client && keep))
		return ipl_conn_send(car, iov, cnt);
	struct ipl_rpc_dg_copy *c = copy_slot(d);
	if (!c || ipl_buf_reserve(&c->b, len) < 0)
		return -ENOMEM;
	size_t off = 0;
	for (int i = 0; i < cnt; i++) {
		memcpy(c->b.p + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	c->xid = xid;
	c->len = len;
	if (d->ncopies == 0) /* a fresh timeout for the first call in flight */
		restart(d);
	d->ncopies++;
	struct iovec one = { c->b.p, len };
	return ipl_conn_send(car, &one, 1);
}

int ipl_rpc_dg_answered(struct ipl_rpc_dg *d, uint32_t xid)
{
	for (size_t i = 0; i < d->ncopies; i++) {
		if (d->copies[i].xid != xid)
			continue;
		/* swap with the last, keeping the buffers (reused) */
		struct ipl_rpc_dg_copy t = d->copies[i];
		d->copies[i] = d->copies[d->ncopies - 1];
		d->copies[d->ncopies - 1] = t;
		d->ncopies--;
		restart(d);
		return 1;
	}
	return 0;
}
