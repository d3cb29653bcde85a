#include "bytes.h"
#include "err.h"
#include "exchange.h"
#include "msgio.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int reply(struct ipl_conn *c, const struct ipl_hdr *req, uint8_t op,
		 const void *payload, uint32_t len)
{
	struct ipl_hdr h = {
		.version = IPL_VERSION,
		.op = op,
		.flags = IPL_FLAG_REPLY,
		.seq = req->seq,
		.len = len,
	};
	if (len && (req->flags & IPL_FLAG_CRC)) {
		h.flags |= IPL_FLAG_CRC;
		/* an echo's payload is the request's: its checksum is already known */
		h.crc = (op == IPL_OP_ECHO) ? req->crc : ipl_crc32c(0, payload, len);
	}
	return ipl_msg_send(c, &h, payload);
}

static int reply_error(struct ipl_conn *c, const struct ipl_hdr *req, int err)
{
	uint8_t code[4];
	ipl_put_be32(code, ipl_wire_err_of(err));
	struct ipl_hdr plain = *req;
	plain.flags = 0;
	return reply(c, &plain, IPL_OP_ERROR, code, sizeof code);
}

static int header_error(int rc)
{
	return rc <= IPL_EBADMAGIC && rc >= IPL_ETOOBIG;
}

int ipl_serve_conn(struct ipl_conn *c, uint32_t cap, struct ipl_serve_stats *st)
{
	struct ipl_serve_stats local = { 0 };
	struct ipl_buf buf = { 0 };
	int rc = 0;
	if (!cap)
		cap = IPL_DEFAULT_CAP;

	while (!atomic_load_explicit(&c->cancel, memory_order_relaxed)) {
		struct ipl_hdr h;
		rc = ipl_msg_recv(c, cap, &h, &buf);
		if (rc == IPL_ECLOSED) {
			rc = 0;
			break;
		}
		if (header_error(rc)) { /* cannot find the next frame: answer, then close */
			local.bad++;
			reply_error(c, &h, rc);
			break;
		}
		if (rc == IPL_EBADCRC) { /* payload consumed: the stream is still in step */
			local.bad++;
			local.bytes += h.len;
			rc = reply_error(c, &h, rc);
			if (rc < 0)
				break;
			continue;
		}
		if (rc < 0)
			break;
		local.bytes += h.len;
		if (h.flags & IPL_FLAG_REPLY || h.op == IPL_OP_ERROR ||
		    ((h.flags & IPL_FLAG_NOACK) && h.op != IPL_OP_SINK)) {
			local.bad++; /* a client may not send replies or errors */
			rc = reply_error(c, &h, (h.flags & IPL_FLAG_REPLY) ? IPL_EBADFLAGS : IPL_EBADOP);
			if (rc < 0)
				break;
			continue;
		}
		local.msgs++;
		switch (h.op) {
		case IPL_OP_HELLO: {
			uint8_t be_cap[4];
			ipl_put_be32(be_cap, cap);
			rc = reply(c, &h, IPL_OP_HELLO, be_cap, sizeof be_cap);
			break;
		}
		case IPL_OP_ECHO:
			rc = reply(c, &h, IPL_OP_ECHO, buf.p, h.len);
			break;
		case IPL_OP_SINK:
			rc = (h.flags & IPL_FLAG_NOACK) ? 0 : reply(c, &h, IPL_OP_SINK, NULL, 0);
			break;
		case IPL_OP_BYE:
			rc = reply(c, &h, IPL_OP_BYE, NULL, 0);
			goto out;
		}
		if (rc < 0)
			break;
	}
out:
	ipl_buf_free(&buf);
	if (st) {
		st->msgs += local.msgs;
		st->bytes += local.bytes;
		st->bad += local.bad;
		st->conns++;
	}
	return rc;
}

/* ---- many connections, one thread each -------------------------------- */

struct worker {
	pthread_t th;
	struct ipl_conn *conn;
	struct server *srv;
	struct worker *next;
	int done;
};

struct server {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct worker *workers;
	unsigned live;
	uint32_t cap;
	int wake_signal;
	struct ipl_serve_stats tot;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct server *s = w->srv;
	if (s->wake_signal) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, s->wake_signal);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	}
	struct ipl_serve_stats st = { 0 };
	ipl_serve_conn(w->conn, s->cap, &st);

	pthread_mutex_lock(&s->mu);
	/* closed now, not at reap time: the peer must see EOF right after BYE */
	ipl_conn_detach(w->conn);
	w->conn = NULL;
	s->tot.msgs += st.msgs;
	s->tot.bytes += st.bytes;
	s->tot.bad += st.bad;
	s->tot.conns += st.conns;
	w->done = 1;
	s->live--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Joins and frees finished workers.  Caller holds s->mu. */
static void reap(struct server *s)
{
	struct worker **pp = &s->workers;
	while (*pp) {
		struct worker *w = *pp;
		if (w->done) {
			*pp = w->next;
			pthread_join(w->th, NULL);
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

static int spawn(struct server *s, struct ipl_conn *c)
{
	struct worker *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->conn = c;
	w->srv = s;

	/* workers start with every signal blocked: the process's signals go to
	 * the accepting thread; worker_main unblocks only the wake signal */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_mutex_lock(&s->mu);
	int rc = pthread_create(&w->th, NULL, worker_main, w);
	if (rc == 0) {
		w->next = s->workers;
		s->workers = w;
		s->live++;
	}
	pthread_mutex_unlock(&s->mu);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		free(w);
		return -rc;
	}
	return 0;
}

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Waits for every worker; once ep is cancelled, tells them to stop and gives
 * them grace_ms to finish the reply in hand.  Caller holds s->mu. */
static void drain(struct server *s, struct ipl_endpoint *ep, int grace_ms)
{
	long waited = 0;
	while (s->live) {
		int stopping = atomic_load(&ep->cancel);
		if (stopping) {
			if (waited >= grace_ms)
				break; /* stuck in a write to a peer that never reads */
			for (struct worker *w = s->workers; w; w = w->next) {
				if (w->done)
					continue;
				ipl_conn_cancel(w->conn);
				/* repeated: the first may land just before the worker blocks */
				if (s->wake_signal)
					pthread_kill(w->th, s->wake_signal);
			}
		}
		struct timespec ts;
		deadline_in(&ts, 20);
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
		if (stopping)
			waited += 20;
	}
	reap(s);
}

int ipl_server_run(struct ipl_endpoint *ep, const struct ipl_server_cfg *cfg,
		   struct ipl_serve_stats *st)
{
	/* on the heap: if a worker is stuck past the grace period it keeps a
	 * pointer to this, so it is leaked rather than freed under it */
	struct server *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->cap = cfg && cfg->cap ? cfg->cap : IPL_DEFAULT_CAP;
	s->wake_signal = cfg ? cfg->wake_signal : 0;
	int grace = cfg && cfg->stop_grace_ms ? cfg->stop_grace_ms : 2000;
	int rc;

	for (;;) {
		struct ipl_conn *c = NULL;
		rc = ipl_endpoint_accept(ep, &c);
		if (rc == -EMFILE || rc == -ENFILE || rc == -ENOBUFS || rc == -ENOMEM) {
			/* out of fds or memory for now: existing clients will free some */
			struct timespec pause = { .tv_nsec = 10 * 1000000L };
			nanosleep(&pause, NULL);
			continue;
		}
		if (rc < 0)
			break;
		if (spawn(s, c) < 0) /* out of threads: refuse this client, keep the others */
			ipl_conn_detach(c);
		pthread_mutex_lock(&s->mu);
		reap(s);
		pthread_mutex_unlock(&s->mu);
	}
	if (rc == IPL_EDONE || rc == IPL_ECANCELED)
		rc = 0;

	pthread_mutex_lock(&s->mu);
	drain(s, ep, grace);
	int stuck = s->live != 0;
	if (st) {
		st->msgs += s->tot.msgs;
		st->bytes += s->tot.bytes;
		st->bad += s->tot.bad;
		st->conns += s->tot.conns;
	}
	pthread_mutex_unlock(&s->mu);
	if (!stuck) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		free(s);
	}
	return rc;
}
