/* server_epoll.c - ipl_server_run's event-loop model: one thread, one
 * epoll set, every connection a state machine (evconn.c). */
#include "common/evconn.h"
#include "common/exchange.h"
#include "common/fdconn.h"
#include "common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

/* As the threaded server: at most this many refused clients are waited on
 * for their first request, for at most REFUSE_WAIT_MS. */
#define MAX_REFUSERS 16u
#define REFUSE_WAIT_MS 10000
/* Accepts per wakeup, so a connect storm cannot starve the served. */
#define ACCEPT_BURST 64
#define EVENTS 64

struct loop {
	int epfd, lfd;
	struct ipl_endpoint *ep;
	struct ipl_evctx x;
	struct ipl_evconn *head;
	unsigned serving, refusing, max_conns;
	int idle_ms;
	struct ipl_mem_pool pool;
	uint64_t accept_resume; /* out of fds: accepts wait until then (ns), 0 = now */
	uint64_t conns, busy, idle;
};

int ipl_server_epoll_ok(const struct ipl_transport *tp)
{
	const unsigned want = IPL_CAP_MULTI_CLIENT | IPL_CAP_BYTES;
	return tp && tp->listen_fd && tp->conn_fd && tp->send == ipl_fdconn_send && tp->recv == ipl_fdconn_recv &&
	       (tp->caps & want) == want && !(tp->caps & IPL_CAP_LAYERED);
}

static int nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

static void close_conn(struct loop *L, struct ipl_evconn *e)
{
	epoll_ctl(L->epfd, EPOLL_CTL_DEL, e->fd, NULL);
	if (e->prev)
		e->prev->next = e->next;
	else
		L->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	if (e->refuser) {
		L->refusing--;
		L->busy++;
	} else {
		L->serving--;
		L->conns++;
		L->idle += e->kicked;
	}
	ipl_evconn_free_bufs(e);
	ipl_conn_detach(e->conn);
	free(e);
}

/* Registers what e waits for next: input, room for its reply, or nothing
 * more (closed here). */
static void rearm(struct loop *L, struct ipl_evconn *e)
{
	if (e->closing && !e->out_len) {
		close_conn(L, e);
		return;
	}
	unsigned want = e->out_len ? EPOLLOUT : EPOLLIN;
	if (want == e->events)
		return;
	struct epoll_event ev = { .events = want, .data.ptr = e };
	if (epoll_ctl(L->epfd, EPOLL_CTL_MOD, e->fd, &ev) < 0) {
		close_conn(L, e);
		return;
	}
	e->events = want;
}

static void admit(struct loop *L, struct ipl_conn *c, uint64_t now)
{
	int full = L->serving >= L->max_conns;
	struct ipl_evconn *e = NULL;
	if (full && L->refusing >= MAX_REFUSERS)
		goto busy;
	int fd = c->tp->conn_fd(c);
	if (fd < 0 || nonblock(fd) < 0 || !(e = calloc(1, sizeof *e)))
		goto busy;
	e->conn = c;
	e->fd = fd;
	e->refuser = full;
	e->rx.pool = &L->pool;
	e->quiet_since = now;
	e->events = EPOLLIN;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = e };
	if (epoll_ctl(L->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		goto busy;
	e->next = L->head;
	if (L->head)
		L->head->prev = e;
	L->head = e;
	if (full)
		L->refusing++;
	else
		L->serving++;
	return;
busy:
	free(e);
	L->busy++;
	ipl_conn_detach(c);
}

/* Takes the clients waiting; 0, or the code that ends the loop. */
static int accept_some(struct loop *L, uint64_t now)
{
	for (int i = 0; i < ACCEPT_BURST; i++) {
		struct ipl_conn *c = NULL;
		int rc = ipl_endpoint_accept(L->ep, &c);
		if (rc == -EAGAIN || rc == -EWOULDBLOCK)
			return 0;
		if (rc == -EMFILE || rc == -ENFILE || rc == -ENOBUFS || rc == -ENOMEM) {
			/* out of fds or memory: stop listening 10 ms, as the threaded
			 * server sleeps, rather than spin on a readable socket */
			struct epoll_event ev = { .events = 0, .data.ptr = NULL };
			epoll_ctl(L->epfd, EPOLL_CTL_MOD, L->lfd, &ev);
			L->accept_resume = now + 10 * 1000000u;
			return 0;
		}
		if (rc < 0)
			return rc;
		admit(L, c, now);
	}
	return 0;
}

static void on_event(struct loop *L, struct ipl_evconn *e, unsigned ev, uint64_t now)
{
	int rc = 0;
	if (e->out_len && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		rc = ipl_evconn_write(&L->x, e, now);
	if (rc == 0 && !e->out_len && !e->closing && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		rc = ipl_evconn_read(&L->x, e, now);
	if (rc < 0)
		close_conn(L, e);
	else
		rearm(L, e);
}

/* Closes connections silent past their limit. */
static void watch(struct loop *L, uint64_t now)
{
	struct ipl_evconn *e = L->head, *next;
	for (; e; e = next) {
		next = e->next;
		int ms = e->refuser ? REFUSE_WAIT_MS : L->idle_ms;
		if (ms > 0 && now - e->quiet_since >= (uint64_t)ms * 1000000u) {
			e->kicked = 1;
			close_conn(L, e);
		}
	}
}

/* Stopping: no new clients, no new requests; replies in hand are sent. */
static void wind_down(struct loop *L)
{
	epoll_ctl(L->epfd, EPOLL_CTL_DEL, L->lfd, NULL);
	struct ipl_evconn *e = L->head, *next;
	for (; e; e = next) {
		next = e->next;
		e->closing = 1;
		rearm(L, e);
	}
}

static int loop_init(struct loop *L, struct ipl_endpoint *ep, const struct ipl_server_cfg *cfg)
{
	const struct ipl_tp_opts *o = &ep->opts;
	L->ep = ep;
	L->x.cap = cfg->cap ? cfg->cap : IPL_DEFAULT_CAP;
	L->max_conns = o->max_conns ? o->max_conns : IPL_DEFAULT_MAX_CONNS;
	L->idle_ms = o->idle_ms ? o->idle_ms : IPL_DEFAULT_IDLE_MS;
	L->pool.limit = o->mem_limit ? o->mem_limit : IPL_DEFAULT_MEM_LIMIT;
	L->lfd = ep->tp->listen_fd(ep);
	if (L->lfd < 0)
		return L->lfd;
	L->x.scratch = malloc(IPL_EV_SCRATCH);
	if (!L->x.scratch)
		return -ENOMEM;
	L->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (L->epfd < 0)
		return -errno;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (nonblock(L->lfd) < 0 || epoll_ctl(L->epfd, EPOLL_CTL_ADD, L->lfd, &ev) < 0)
		return -errno;
	return 0;
}

/* The loop; 0 when stopped, or the accept error that ended it. */
static int run(struct loop *L, int grace_ms)
{
	int ms = L->idle_ms > 0 && L->idle_ms < REFUSE_WAIT_MS ? L->idle_ms : REFUSE_WAIT_MS;
	int period = ms / 4 < 10 ? 10 : ms / 4 > 1000 ? 1000 : ms / 4;
	uint64_t last_watch = ipl_now_ns(), deadline = 0;
	int rc = 0, stopping = 0;
	struct epoll_event evs[EVENTS];
	for (;;) {
		uint64_t now = ipl_now_ns();
		if (!stopping && (atomic_load(&L->ep->cancel) || rc < 0)) {
			stopping = 1;
			deadline = now + (uint64_t)grace_ms * 1000000u;
			wind_down(L);
		}
		if (stopping && (!L->head || now >= deadline))
			break;
		int n = epoll_wait(L->epfd, evs, EVENTS, stopping ? 20 : period);
		if (n < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		now = ipl_now_ns();
		for (int i = 0; i < n; i++) {
			if (!evs[i].data.ptr) {
				int arc = accept_some(L, now);
				if (arc < 0 && arc != IPL_ECANCELED)
					rc = arc;
			} else {
				on_event(L, evs[i].data.ptr, evs[i].events, now);
			}
		}
		if (L->accept_resume && now >= L->accept_resume && !stopping) {
			struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
			epoll_ctl(L->epfd, EPOLL_CTL_MOD, L->lfd, &ev);
			L->accept_resume = 0;
		}
		if (now - last_watch >= (uint64_t)period * 1000000u) {
			watch(L, now);
			last_watch = now;
		}
	}
	while (L->head)
		close_conn(L, L->head);
	return rc;
}

int ipl_server_run_epoll(struct ipl_endpoint *ep, const struct ipl_server_cfg *cfg, struct ipl_serve_stats *st)
{
	if (!ipl_server_epoll_ok(ep->tp) || (cfg && cfg->handler))
		return IPL_EUNSUPP;
	const struct ipl_server_cfg none = { 0 };
	if (!cfg)
		cfg = &none;
	struct loop L = { .epfd = -1 };
	int rc = loop_init(&L, ep, cfg);
	if (rc == 0)
		rc = run(&L, cfg->stop_grace_ms ? cfg->stop_grace_ms : 2000);
	if (st) {
		st->msgs += L.x.st.msgs;
		st->bytes += L.x.st.bytes;
		st->bad += L.x.st.bad;
		st->overload += L.x.st.overload;
		st->conns += L.conns;
		st->busy += L.busy;
		st->idle += L.idle;
	}
	if (L.epfd >= 0)
		close(L.epfd);
	free(L.x.scratch);
	return rc;
}
