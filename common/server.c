#include "common/clock.h"
#include "common/bytes.h"
#include "common/err.h"
#include "common/exchange.h"
#include "common/msgio.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int reply(struct ipl_conn *c, const struct ipl_hdr *req, uint8_t op, const void *payload, uint32_t len)
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

int ipl_serve_conn(struct ipl_conn *c, uint32_t cap, struct ipl_serve_stats *st)
{
	return ipl_serve_conn_limited(c, cap, NULL, st);
}

int ipl_serve_conn_limited(struct ipl_conn *c, uint32_t cap, struct ipl_rx_limit *lim, struct ipl_serve_stats *st)
{
	struct ipl_serve_stats local = { 0 };
	struct ipl_buf buf = { 0 };
	int rc = 0;
	if (!cap)
		cap = IPL_DEFAULT_CAP;

	while (!atomic_load_explicit(&c->cancel, memory_order_relaxed)) {
		struct ipl_hdr h;
		rc = ipl_msg_recv_limited(c, cap, &h, &buf, lim, IPL_RX_SINK_IN_PLACE);
		if (rc == IPL_ECLOSED) {
			rc = 0;
			break;
		}
		if (ipl_err_is_header(rc)) { /* cannot find the next frame: answer, then close */
			local.bad++;
			reply_error(c, &h, rc);
			break;
		}
		if (rc == IPL_EBADCRC || rc == IPL_EOVERLOAD) { /* payload consumed: still in step */
			local.bad += rc == IPL_EBADCRC;
			local.overload += rc == IPL_EOVERLOAD;
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
		case IPL_OP_ECHO: rc = reply(c, &h, IPL_OP_ECHO, buf.p, h.len); break;
		case IPL_OP_SINK:
			rc = (h.flags & IPL_FLAG_NOACK) ? 0 : reply(c, &h, IPL_OP_SINK, NULL, 0);
			break;
		case IPL_OP_BYE: rc = reply(c, &h, IPL_OP_BYE, NULL, 0); goto out;
		}
		if (rc < 0)
			break;
		if (lim) {
			/* a reply that took long to write to a slow reader is a sign of life too */
			atomic_store_explicit(&lim->progress,
					      atomic_load_explicit(&lim->progress, memory_order_relaxed) + 1,
					      memory_order_relaxed);
			ipl_rx_trim(&buf, lim);
		}
	}
out:
	ipl_rx_release(&buf, lim);
	if (st) {
		st->msgs += local.msgs;
		st->bytes += local.bytes;
		st->bad += local.bad;
		st->overload += local.overload;
		st->conns++;
	}
	return rc;
}

/* ---- many connections, one thread each -------------------------------- */

/* A client over --max-clients is not served but told so: a thread reads
 * its first request (HELLO) and answers ERROR(BUSY), then closes, so the
 * client's hello fails with a clear reason instead of a reset or a hang.
 * At most this many such threads; past them a connection is closed at once. */
#define MAX_REFUSERS 16u
/* How long a refused client has to send that first request, and the most
 * of it read. */
#define REFUSE_WAIT_MS 10000
#define REFUSE_CAP 4096u

struct worker {
	pthread_t th;
	struct ipl_conn *conn;
	struct server *srv;
	struct worker *next;
	int done;
	int refuser;            /* answers BUSY and closes, instead of serving */
	struct ipl_rx_limit rx; /* its share of the pool; rx.progress: its sign of life */
	unsigned seen;          /* rx.progress when the watchdog last looked */
	uint64_t quiet_since;   /* when rx.progress last moved (ns) */
	int kicked;             /* told to stop for being idle */
};

struct server {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct worker *workers;
	unsigned live;
	unsigned serving, refusing; /* live workers of each kind */
	uint32_t cap;
	int wake_signal;
	ipl_conn_handler *handler; /* per connection: the framed exchange unless cfg said */
	void *handler_arg;
	unsigned max_conns;
	int idle_ms; /* <= 0: never */
	struct ipl_mem_pool pool;
	/* the watchdog runs only while there are workers (an idle server is
	 * one thread): started by admit, ends when the last worker does */
	pthread_t watchdog;
	pthread_cond_t wd_cv;
	int wd_running, wd_joinable, wd_stop;
	struct ipl_serve_stats tot;
};

/* Reads a refused client's first request (a HELLO, or over rpc, where
 * HELLO is answered by the layer, a first small request) and answers it
 * with BUSY.  Read whole, so closing after it leaves nothing unread (an
 * unread byte would make TCP reset the connection, losing the answer). */
static void refuse_conn(struct ipl_conn *c)
{
	struct ipl_hdr h;
	struct ipl_buf b = { 0 };
	int rc = ipl_msg_recv(c, REFUSE_CAP, &h, &b);
	if (rc == 0 || rc == IPL_ETOOBIG)
		reply_error(c, &h, IPL_EBUSY);
	ipl_buf_free(&b);
}

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
	if (w->refuser)
		refuse_conn(w->conn);
	else
		s->handler(w->conn, s->handler_arg, &w->rx, &st);

	pthread_mutex_lock(&s->mu);
	/* the slot is free before the close: a client that saw this one's EOF
	 * and connects next is served, not refused */
	if (w->refuser) {
		s->refusing--;
		s->tot.busy++;
	} else {
		s->serving--;
	}
	/* closed now, not at reap time: the peer must see EOF right after BYE */
	ipl_conn_detach(w->conn);
	w->conn = NULL;
	s->tot.msgs += st.msgs;
	s->tot.bytes += st.bytes;
	s->tot.bad += st.bad;
	s->tot.overload += st.overload;
	s->tot.conns += st.conns;
	s->tot.idle += w->kicked && !w->refuser;
	w->done = 1;
	s->live--;
	pthread_cond_broadcast(&s->cv);
	if (!s->live)
		pthread_cond_signal(&s->wd_cv); /* the watchdog may go */
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

static void watchdog_start(struct server *s);

static int spawn(struct server *s, struct ipl_conn *c, int refuser)
{
	struct worker *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->conn = c;
	w->srv = s;
	w->refuser = refuser;
	w->rx.pool = &s->pool;
	w->quiet_since = ipl_now_ns();

	/* workers start with every signal blocked: the process's signals go to
	 * the accepting thread; worker_main unblocks only the wake signal */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_mutex_lock(&s->mu);
	/* before the worker: once it serves, its watchdog exists (a test that
	 * counts threads after a first round trip sees both) */
	watchdog_start(s);
	int rc = pthread_create(&w->th, NULL, worker_main, w);
	if (rc == 0) {
		w->next = s->workers;
		s->workers = w;
		s->live++;
		if (refuser)
			s->refusing++;
		else
			s->serving++;
	}
	pthread_mutex_unlock(&s->mu);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		free(w);
		return -rc;
	}
	return 0;
}

/* Tells a worker to stop: its blocked receive returns IPL_ECANCELED (shm
 * polls the flag; a blocked read(2) needs the wake signal).  Caller holds
 * s->mu.  Repeated by the callers: the first signal may land just before
 * the worker blocks. */
static void kick(struct server *s, struct worker *w)
{
	ipl_conn_cancel(w->conn);
	if (s->wake_signal)
		pthread_kill(w->th, s->wake_signal);
}

/* Kicks the workers whose peer has sent nothing for their limit.  Caller
 * holds s->mu. */
static void watch(struct server *s)
{
	uint64_t now = ipl_now_ns();
	for (struct worker *w = s->workers; w; w = w->next) {
		int ms = w->refuser ? REFUSE_WAIT_MS : s->idle_ms;
		if (w->done || ms <= 0)
			continue;
		unsigned p = atomic_load_explicit(&w->rx.progress, memory_order_relaxed);
		if (p != w->seen) {
			w->seen = p;
			w->quiet_since = now;
		} else if (w->kicked || now - w->quiet_since >= (uint64_t)ms * 1000000u) {
			w->kicked = 1;
			kick(s, w);
		}
	}
}

/* The idle watch: a quarter of the shortest limit between looks, so a
 * silent connection is closed within 1.25 times its limit. */
static void *watchdog_main(void *arg)
{
	struct server *s = arg;
	int ms = s->idle_ms > 0 && s->idle_ms < REFUSE_WAIT_MS ? s->idle_ms : REFUSE_WAIT_MS;
	long period = ms / 4 < 10 ? 10 : ms / 4 > 1000 ? 1000 : ms / 4;
	pthread_mutex_lock(&s->mu);
	while (!s->wd_stop && s->live) {
		watch(s);
		struct timespec ts;
		ipl_deadline_ms(&ts, CLOCK_REALTIME, period);
		pthread_cond_timedwait(&s->wd_cv, &s->mu, &ts);
	}
	s->wd_running = 0;
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Starts the watchdog unless it runs (joining one that ended).  Caller
 * holds s->mu; the process's signals must be blocked (it inherits them). */
static void watchdog_start(struct server *s)
{
	if (s->wd_running)
		return;
	if (s->wd_joinable) /* it has left the loop: only its return is left */
		pthread_join(s->watchdog, NULL);
	s->wd_joinable = s->wd_running = pthread_create(&s->watchdog, NULL, watchdog_main, s) == 0;
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
			for (struct worker *w = s->workers; w; w = w->next)
				if (!w->done)
					kick(s, w);
		}
		struct timespec ts;
		ipl_deadline_ms(&ts, CLOCK_REALTIME, 20);
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
		if (stopping)
			waited += 20;
	}
	reap(s);
}

/* Serves c, refuses it (over max_conns) or, past the refusers too, closes it. */
static void admit(struct server *s, struct ipl_conn *c)
{
	pthread_mutex_lock(&s->mu);
	reap(s);
	int full = s->serving >= s->max_conns;
	int can_refuse = s->refusing < MAX_REFUSERS;
	if (full && !can_refuse)
		s->tot.busy++;
	pthread_mutex_unlock(&s->mu);
	if (full && !can_refuse)
		ipl_conn_detach(c);
	else if (spawn(s, c, full) < 0) /* out of threads: refuse this client, keep the others */
		ipl_conn_detach(c);
}

static void limits_of(struct server *s, const struct ipl_endpoint *ep)
{
	const struct ipl_tp_opts *o = &ep->opts;
	s->max_conns = o->max_conns ? o->max_conns : IPL_DEFAULT_MAX_CONNS;
	s->idle_ms = o->idle_ms ? o->idle_ms : IPL_DEFAULT_IDLE_MS;
	s->pool.limit = o->mem_limit ? o->mem_limit : IPL_DEFAULT_MEM_LIMIT;
}

/* The default handler: the framed exchange, arg being the server. */
static int serve_framed(struct ipl_conn *c, void *arg, struct ipl_rx_limit *lim, struct ipl_serve_stats *st)
{
	const struct server *s = arg;
	return ipl_serve_conn_limited(c, s->cap, lim, st);
}

static struct server *server_new(const struct ipl_endpoint *ep, const struct ipl_server_cfg *cfg)
{
	struct server *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	pthread_cond_init(&s->wd_cv, NULL);
	s->cap = cfg && cfg->cap ? cfg->cap : IPL_DEFAULT_CAP;
	s->wake_signal = cfg ? cfg->wake_signal : 0;
	s->handler = cfg && cfg->handler ? cfg->handler : serve_framed;
	s->handler_arg = cfg && cfg->handler ? cfg->handler_arg : s;
	limits_of(s, ep);
	return s;
}

int ipl_server_run(struct ipl_endpoint *ep, const struct ipl_server_cfg *cfg, struct ipl_serve_stats *st)
{
	/* on the heap: if a worker is stuck past the grace period it keeps a
	 * pointer to this, so it is leaked rather than freed under it */
	if (cfg && cfg->model == IPL_SERVER_EPOLL)
		return ipl_server_run_epoll(ep, cfg, st);
	struct server *s = server_new(ep, cfg);
	if (!s)
		return -ENOMEM;
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
		admit(s, c);
	}
	if (rc == IPL_EDONE || rc == IPL_ECANCELED)
		rc = 0;

	pthread_mutex_lock(&s->mu);
	drain(s, ep, grace);
	int stuck = s->live != 0;
	s->wd_stop = 1;
	pthread_cond_signal(&s->wd_cv);
	if (st) {
		st->msgs += s->tot.msgs;
		st->bytes += s->tot.bytes;
		st->bad += s->tot.bad;
		st->conns += s->tot.conns;
		st->busy += s->tot.busy;
		st->idle += s->tot.idle;
		st->overload += s->tot.overload;
	}
	int join = s->wd_joinable;
	pthread_mutex_unlock(&s->mu);
	if (join)
		pthread_join(s->watchdog, NULL);
	if (!stuck) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		pthread_cond_destroy(&s->wd_cv);
		free(s);
	}
	return rc;
}
