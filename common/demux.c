/* demux.c - one library socket, many server conns (see demux.h). */
#include "common/clock.h"
#include "common/demux.h"

#include "common/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLICE_MS 100            /* a wait's slice: cancel and idleness are seen */
#define QUEUE_BYTES (64u << 20) /* unread bytes one conn may hold before the pump stops */

struct ipl_dx {
	const struct ipl_transport *tp;
	ipl_dx_pump_fn pump;
	void *arg;
	unsigned max_conns, nconns, nfull;
	int idle_ms;
	pthread_mutex_t mu;
	pthread_cond_t acv;  /* accept: a new sender arrived */
	pthread_cond_t room; /* a full conn drained */
	int reader;          /* some thread runs the pump */
	struct ipl_dx_conn *conns, *pending;
};

struct ipl_dx_msg *ipl_dx_msg_new(size_t len)
{
	struct ipl_dx_msg *m = malloc(sizeof *m + (len ? len : 1));
	if (m) {
		m->next = NULL;
		m->len = len;
	}
	return m;
}

static void cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

struct ipl_dx *ipl_dx_new(const struct ipl_transport *tp, const struct ipl_tp_opts *opts,
			  ipl_dx_pump_fn pump, void *arg)
{
	struct ipl_dx *dx = calloc(1, sizeof *dx);
	if (!dx)
		return NULL;
	dx->tp = tp;
	dx->pump = pump;
	dx->arg = arg;
	/* the server answers BUSY to conns over max_conns: it must get them;
	 * beyond twice that (plus room for ones closing) senders are dropped */
	dx->max_conns = 2 * (opts->max_conns ? opts->max_conns : IPL_DEFAULT_MAX_CONNS) + 16;
	dx->idle_ms = opts->idle_ms ? opts->idle_ms : IPL_DEFAULT_IDLE_MS;
	pthread_mutex_init(&dx->mu, NULL);
	cond_init(&dx->acv);
	cond_init(&dx->room);
	return dx;
}

static struct ipl_dx_conn *find(struct ipl_dx *dx, const uint8_t *key, size_t keylen)
{
	for (struct ipl_dx_conn *c = dx->conns; c; c = c->next)
		if (c->keylen == keylen && !memcmp(c->key, key, keylen))
			return c;
	return NULL;
}

/* A conn for a new sender, queued for accept (dx->mu held). */
static struct ipl_dx_conn *new_sender(struct ipl_dx *dx, const uint8_t *key, size_t keylen)
{
	if (dx->nconns >= dx->max_conns || keylen > IPL_DX_KEY_MAX)
		return NULL; /* bounded: its messages are dropped, as a refused connection's */
	struct ipl_dx_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	cond_init(&c->cv);
	c->base.tp = dx->tp;
	c->server = 1;
	c->dx = dx;
	memcpy(c->key, key, keylen);
	c->keylen = keylen;
	c->next = dx->conns;
	dx->conns = c;
	dx->nconns++;
	struct ipl_dx_conn **pp = &dx->pending; /* accepted in arrival order */
	while (*pp)
		pp = &(*pp)->pnext;
	*pp = c;
	pthread_cond_signal(&dx->acv);
	return c;
}

/* Hands a message to its sender's conn (dx->mu held).  A message for a conn
 * that already ended, or from a sender over the limit, is dropped: that
 * peer broke the protocol or was refused. */
static void dispatch(struct ipl_dx *dx, const uint8_t *key, size_t keylen, struct ipl_dx_msg *m)
{
	struct ipl_dx_conn *c = find(dx, key, keylen);
	if (!c && m->len) /* a lone end marker opens nothing */
		c = new_sender(dx, key, keylen);
	if (!c || c->eof) {
		free(m);
		return;
	}
	if (!m->len) {
		c->eof = 1;
		free(m);
	} else {
		if (c->queued < QUEUE_BYTES && c->queued + m->len >= QUEUE_BYTES)
			dx->nfull++;
		c->queued += m->len;
		if (c->tail)
			c->tail->next = m;
		else
			c->head = m;
		c->tail = m;
	}
	pthread_cond_signal(&c->cv);
}

/* Waits on cv, or runs the pump if nobody does and no conn is full (dx->mu
 * held; dropped while pumping).  At most SLICE_MS either way. */
static void wait_turn(struct ipl_dx *dx, pthread_cond_t *cv)
{
	struct timespec ts;
	if (dx->reader || dx->nfull) {
		ipl_deadline_ms(&ts, CLOCK_MONOTONIC, SLICE_MS);
		pthread_cond_timedwait(dx->nfull && !dx->reader ? &dx->room : cv, &dx->mu, &ts);
		return;
	}
	dx->reader = 1;
	pthread_mutex_unlock(&dx->mu);
	uint8_t key[IPL_DX_KEY_MAX];
	size_t keylen = 0;
	struct ipl_dx_msg *m = NULL;
	int r = dx->pump(dx->arg, SLICE_MS, key, &keylen, &m);
	pthread_mutex_lock(&dx->mu);
	dx->reader = 0;
	if (r > 0)
		dispatch(dx, key, keylen, m);
	/* the next reader may be waiting on its own cv */
	for (struct ipl_dx_conn *c = dx->conns; c; c = c->next)
		pthread_cond_signal(&c->cv);
	pthread_cond_signal(&dx->acv);
}

int ipl_dx_accept(struct ipl_dx *dx, atomic_int *cancel, struct ipl_conn **out)
{
	pthread_mutex_lock(&dx->mu);
	while (!dx->pending) {
		if (atomic_load(cancel)) {
			pthread_mutex_unlock(&dx->mu);
			return IPL_ECANCELED;
		}
		wait_turn(dx, &dx->acv);
	}
	struct ipl_dx_conn *c = dx->pending;
	dx->pending = c->pnext;
	pthread_mutex_unlock(&dx->mu);
	*out = &c->base;
	return 0;
}

/* Takes the next message into c->cur (dx->mu held): 1, 0 at the end, or a
 * negative code. */
static int next_msg(struct ipl_dx_conn *c)
{
	struct ipl_dx *dx = c->dx;
	uint64_t since = ipl_now_ms();
	while (!c->head) {
		if (c->eof)
			return 0;
		if (atomic_load_explicit(&c->base.cancel, memory_order_relaxed))
			return IPL_ECANCELED;
		if (dx->idle_ms > 0 && ipl_now_ms() - since >= (uint64_t)dx->idle_ms)
			return 0; /* a silent peer is gone as far as we can tell */
		wait_turn(dx, &c->cv);
	}
	struct ipl_dx_msg *m = c->head;
	c->head = m->next;
	if (!c->head)
		c->tail = NULL;
	if (c->queued >= QUEUE_BYTES && c->queued - m->len < QUEUE_BYTES) {
		dx->nfull--;
		pthread_cond_broadcast(&dx->room);
	}
	c->queued -= m->len;
	c->cur = m;
	c->off = 0;
	return 1;
}

ssize_t ipl_dx_recv(struct ipl_dx_conn *c, void *buf, size_t len)
{
	if (!c->cur || c->off == c->cur->len) {
		pthread_mutex_lock(&c->dx->mu);
		free(c->cur);
		c->cur = NULL;
		int r = next_msg(c);
		pthread_mutex_unlock(&c->dx->mu);
		if (r <= 0)
			return r;
	}
	size_t n = c->cur->len - c->off < len ? c->cur->len - c->off : len;
	memcpy(buf, c->cur->data + c->off, n);
	c->off += n;
	return (ssize_t)n;
}

void ipl_dx_peer_gone(struct ipl_dx *dx, const uint8_t *key, size_t keylen)
{
	pthread_mutex_lock(&dx->mu);
	struct ipl_dx_conn *c = find(dx, key, keylen);
	if (c) {
		c->eof = 1;
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&dx->mu);
}

void ipl_dx_conn_free(struct ipl_dx_conn *c)
{
	struct ipl_dx *dx = c->dx;
	pthread_mutex_lock(&dx->mu);
	for (struct ipl_dx_conn **pp = &dx->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			dx->nconns--;
			break;
		}
	for (struct ipl_dx_conn **pp = &dx->pending; *pp; pp = &(*pp)->pnext)
		if (*pp == c) {
			*pp = c->pnext;
			break;
		}
	if (c->queued >= QUEUE_BYTES) {
		dx->nfull--;
		pthread_cond_broadcast(&dx->room);
	}
	pthread_mutex_unlock(&dx->mu);
	while (c->head) {
		struct ipl_dx_msg *m = c->head;
		c->head = m->next;
		free(m);
	}
	free(c->cur);
	pthread_cond_destroy(&c->cv);
	free(c);
}

void *ipl_dx_arg(const struct ipl_dx_conn *c)
{
	return c->dx->arg;
}

unsigned ipl_dx_nconns(struct ipl_dx *dx)
{
	pthread_mutex_lock(&dx->mu);
	unsigned n = dx->nconns;
	pthread_mutex_unlock(&dx->mu);
	return n;
}

void ipl_dx_free(struct ipl_dx *dx)
{
	if (!dx)
		return;
	for (;;) { /* senders nobody accepted (a stop): the mechanism's detach */
		pthread_mutex_lock(&dx->mu);
		struct ipl_dx_conn *c = dx->pending;
		pthread_mutex_unlock(&dx->mu);
		if (!c)
			break;
		ipl_conn_detach(&c->base);
	}
	pthread_cond_destroy(&dx->acv);
	pthread_cond_destroy(&dx->room);
	pthread_mutex_destroy(&dx->mu);
	free(dx);
}
