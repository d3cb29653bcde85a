/* mq - POSIX message queues: a well-known announce queue plus one queue pair
 * per client, like fifo's design.
 *
 *   /ipclab-<pid>-<hex>        0600, the server's announce queue (ep->addr)
 *   /ipclab-<pid>-<hex>.q      0600, one client's requests (client -> server)
 *   /ipclab-<pid>-<hex>.r      0600, that client's replies (server -> client)
 *
 * A client creates its pair, sends "IPLMQ1 <pid> <base>" on the announce
 * queue and waits for "IPLMQOK <pid>" on its reply queue: the server has
 * opened both and says which process serves it.  The client then unlinks
 * the pair (both sides hold descriptors, so the queues live on unnamed).
 *
 * A queue lives in no directory a sweep could list (/dev/mqueue is often
 * not mounted), so every name is first recorded as an empty shm object
 * "/<name>.mq" (/dev/shm/ipclab-<pid>-<hex>[.q|.r].mq): removed with the
 * queue on exit, and once its <pid> is dead the stale sweep (names.c)
 * mq_unlinks the queue it stands for.  The records are in /dev/shm, not the
 * temporary directory, so a wiped $TMPDIR cannot orphan a queue.
 *
 * The kernel keeps message boundaries, but a message is at most the queue's
 * mq_msgsize (4 KiB here, never more than fs.mqueue.msgsize_max): a message
 * larger than that is split into chunks, sent in order on the private pair
 * and read back as a byte stream, like a pipe.  A zero-length message is the
 * end of the stream (sent by detach): a queue, unlike a pipe, says nothing
 * when the other side closes it.
 *
 * Peer death: every wait is an mq_timed* call or a poll bounded to
 * LIVENESS_MS, after which the peer's pidfd (or kill(pid, 0)) is checked: a
 * dead peer reads as EOF, a write to it as EPIPE.  A sender facing a full
 * queue drains its own receive queue into a backlog meanwhile (up to
 * BACKLOG_MAX), so a window of requests larger than the two queues can hold
 * never deadlocks the pair.
 */
#include "common/io.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/names.h"
#include "common/transport.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ANN_SIZE 128
#define ANN_MAGIC "IPLMQ1 "
#define ACK_MAGIC "IPLMQOK "
/* Every queue is charged to its user's RLIMIT_MSGQUEUE (819,200 bytes by
 * default, shared by all of that user's processes) at about depth x size:
 * 4 KiB x 2 costs some 8.3 KB a queue, 16.6 KB a client, so a few dozen
 * clients fit at once.  Bigger queues save chunks but run out fast. */
#define DATA_MSGSIZE 4096L /* chunk size, if fs.mqueue.msgsize_max allows */
#define DATA_MAXMSG 2L     /* queue depth, if fs.mqueue.msg_max allows */
#define MIN_MSGSIZE 64     /* a client's queue outside these is refused */
#define MAX_MSGSIZE (1L << 20)
#define LIVENESS_MS 250
#define ACK_WAIT_MS 200
#define BACKLOG_MAX (64u << 20)

struct mq_ep {
	mqd_t ann;               /* announce queue, (mqd_t)-1 when released */
	pid_t creator;           /* process that ran prepare: only it removes names */
	char name[IPL_ADDR_MAX]; /* the announce queue */
};

struct mq_conn {
	struct ipl_conn base;
	mqd_t rq, wq;   /* we read rq, write wq */
	long rsz, wsz;  /* their mq_msgsize */
	uint8_t *chunk; /* send staging, wsz bytes */
	uint8_t *bl;    /* received bytes not handed out yet */
	size_t bl_off, bl_len, bl_cap;
	pid_t peer;
	int pidfd; /* -1 when pidfd_open is unavailable */
	int eof;
};

/* ---- small helpers ---------------------------------------------------- */

static long proc_limit(const char *path, long dflt)
{
	FILE *f = fopen(path, "re");
	long v = dflt;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

/* The data queues' size: 4 KiB x 2, or less where the system says so. */
static void data_attr(struct mq_attr *a)
{
	long msgmax = proc_limit("/proc/sys/fs/mqueue/msg_max", DATA_MAXMSG);
	long sizemax = proc_limit("/proc/sys/fs/mqueue/msgsize_max", DATA_MSGSIZE);
	memset(a, 0, sizeof *a);
	a->mq_maxmsg = msgmax < DATA_MAXMSG ? msgmax : DATA_MAXMSG;
	a->mq_msgsize = sizemax < DATA_MSGSIZE ? sizemax : DATA_MSGSIZE;
}

/* The limits a run's figures depend on (transport.h, limits): the kernel's
 * caps, what data_attr took from them, and the per-user queue budget. */
static size_t mq_limits(struct ipl_tp_limit *out, size_t n)
{
	struct mq_attr a;
	struct rlimit rl;
	struct ipl_tp_limit all[6] = {
		{ "msg_max", proc_limit("/proc/sys/fs/mqueue/msg_max", -1) },
		{ "msgsize_max", proc_limit("/proc/sys/fs/mqueue/msgsize_max", -1) },
		{ "queues_max", proc_limit("/proc/sys/fs/mqueue/queues_max", -1) },
		{ "chunk_bytes", 0 },
		{ "queue_depth", 0 },
		{ "rlimit_msgqueue_bytes", -1 },
	};
	size_t i;
	data_attr(&a);
	all[3].value = a.mq_msgsize;
	all[4].value = a.mq_maxmsg;
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		all[5].value = (long long)rl.rlim_cur;
	for (i = 0; i < n && i < sizeof all / sizeof all[0]; i++)
		out[i] = all[i];
	return i;
}

/* mq_open, and once more after raising this process's RLIMIT_MSGQUEUE soft
 * limit to its hard limit when the user's queue budget is spent (EMFILE). */
static mqd_t open_queue(const char *name, int flags, struct mq_attr *a)
{
	mqd_t q = mq_open(name, flags | O_CREAT | O_EXCL | O_CLOEXEC, 0600, a);
	struct rlimit rl;
	if (q == (mqd_t)-1 && errno == EMFILE && getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 &&
	    rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_MSGQUEUE, &rl) == 0)
			q = mq_open(name, flags | O_CREAT | O_EXCL | O_CLOEXEC, 0600, a);
		else
			errno = EMFILE;
	}
	return q;
}

/* Records queue name (with its leading '/') before it exists, so a crash at
 * any point leaves something the sweep can act on. */
static int record(const char *name)
{
	char rec[IPL_ADDR_MAX + 4];
	if (snprintf(rec, sizeof rec, "%s.mq", name) >= (int)sizeof rec)
		return -ENAMETOOLONG;
	int fd = shm_open(rec, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Removes queue name and its record. */
static void unname(const char *name)
{
	char rec[IPL_ADDR_MAX + 4];
	mq_unlink(name);
	if (snprintf(rec, sizeof rec, "%s.mq", name) < (int)sizeof rec)
		shm_unlink(rec);
}

/* The pid in "/ipclab-<pid>-<16 hex>[suffix]", or 0 when name is not one. */
static pid_t name_pid(const char *name, const char *suffix)
{
	if (strncmp(name, "/ipclab-", 8))
		return 0;
	char *end;
	long pid = strtol(name + 8, &end, 10);
	if (pid <= 0 || *end != '-')
		return 0;
	for (int i = 1; i <= 16; i++)
		if (!isxdigit((unsigned char)end[i]) || isupper((unsigned char)end[i]))
			return 0;
	return strcmp(end + 17, suffix) ? 0 : (pid_t)pid;
}

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

static int peer_gone(const struct mq_conn *m)
{
	if (m->pidfd >= 0) {
		struct pollfd p = { .fd = m->pidfd, .events = POLLIN };
		return poll(&p, 1, 0) == 1;
	}
	return ipl_pid_gone(m->peer);
}

/* ---- the connection --------------------------------------------------- */

static struct mq_conn *new_conn(const struct ipl_transport *tp, mqd_t rq, mqd_t wq, pid_t peer)
{
	struct mq_attr ra, wa;
	struct mq_conn *m = NULL;
	if (mq_getattr(rq, &ra) == 0 && mq_getattr(wq, &wa) == 0 && ra.mq_msgsize >= MIN_MSGSIZE &&
	    ra.mq_msgsize <= MAX_MSGSIZE && wa.mq_msgsize >= MIN_MSGSIZE && wa.mq_msgsize <= MAX_MSGSIZE)
		m = calloc(1, sizeof *m);
	if (m && !(m->chunk = malloc((size_t)wa.mq_msgsize))) {
		free(m);
		m = NULL;
	}
	if (!m) {
		mq_close(rq);
		mq_close(wq);
		return NULL;
	}
	m->base.tp = tp;
	m->rq = rq;
	m->wq = wq;
	m->rsz = ra.mq_msgsize;
	m->wsz = wa.mq_msgsize;
	m->peer = peer;
	m->pidfd = peer > 0 ? pidfd_of(peer) : -1;
	return m;
}

/* Makes room for one more incoming message at the end of the backlog. */
static int bl_room(struct mq_conn *m)
{
	if (m->bl_off == m->bl_len)
		m->bl_off = m->bl_len = 0;
	if (m->bl_cap - m->bl_len >= (size_t)m->rsz)
		return 0;
	if (m->bl_off) {
		memmove(m->bl, m->bl + m->bl_off, m->bl_len - m->bl_off);
		m->bl_len -= m->bl_off;
		m->bl_off = 0;
		if (m->bl_cap - m->bl_len >= (size_t)m->rsz)
			return 0;
	}
	size_t cap = m->bl_cap ? m->bl_cap * 2 : (size_t)m->rsz;
	while (cap - m->bl_len < (size_t)m->rsz)
		cap *= 2;
	if (cap > BACKLOG_MAX)
		return -ENOBUFS;
	uint8_t *p = realloc(m->bl, cap);
	if (!p)
		return -ENOMEM;
	m->bl = p;
	m->bl_cap = cap;
	return 0;
}

/* Waits for one message into dst (cap >= rsz): its length, 0 at EOF (the
 * peer's end marker, or the peer died), or a negative code. */
static ssize_t wait_msg(struct mq_conn *m, void *dst, size_t cap)
{
	for (;;) {
		struct timespec ts;
		ipl_deadline_ms(&ts, CLOCK_REALTIME, LIVENESS_MS);
		ssize_t n = mq_timedreceive(m->rq, dst, cap, NULL, &ts);
		if (n >= 0) {
			m->eof = n == 0;
			return n;
		}
		int e = errno;
		if (e != EINTR && e != ETIMEDOUT)
			return -e;
		if (atomic_load_explicit(&m->base.cancel, memory_order_relaxed))
			return IPL_ECANCELED;
		if (e == ETIMEDOUT && peer_gone(m)) {
			m->eof = 1;
			return 0;
		}
	}
}

static ssize_t mq_conn_recv(struct ipl_conn *c, void *buf, size_t len)
{
	struct mq_conn *m = (struct mq_conn *)c;
	if (m->bl_len == m->bl_off && !m->eof) {
		if (len >= (size_t)m->rsz) /* room for any message: no staging */
			return wait_msg(m, buf, len);
		int rc = bl_room(m);
		if (rc < 0)
			return rc;
		ssize_t n = wait_msg(m, m->bl + m->bl_len, (size_t)m->rsz);
		if (n <= 0)
			return n;
		m->bl_len += (size_t)n;
	}
	size_t have = m->bl_len - m->bl_off;
	if (!have)
		return 0;
	size_t n = have < len ? have : len;
	memcpy(buf, m->bl + m->bl_off, n);
	m->bl_off += n;
	return (ssize_t)n;
}

/* Sends one chunk; while the queue is full, keeps reading ours into the
 * backlog (so two full queues never wait on each other) and watches the
 * peer.  Writes are not cancelled: the reply in hand goes out. */
static int put(struct mq_conn *m, const void *p, size_t n)
{
	for (;;) {
		struct timespec now = { 0, 0 }; /* already past: fail at once when full */
		if (mq_timedsend(m->wq, (const char *)p, n, 0, &now) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != ETIMEDOUT && errno != EAGAIN)
			return -errno;
		struct pollfd pf[2] = { { .fd = m->wq, .events = POLLOUT }, { .fd = m->rq, .events = POLLIN } };
		int drain = !m->eof && bl_room(m) == 0;
		int r = poll(pf, drain ? 2 : 1, LIVENESS_MS);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0 && drain && (pf[1].revents & POLLIN)) {
			ssize_t got = mq_timedreceive(m->rq, (char *)m->bl + m->bl_len, (size_t)m->rsz,
						      NULL, &now);
			if (got > 0)
				m->bl_len += (size_t)got;
			else if (got == 0)
				m->eof = 1;
		}
		/* the peer closed its end (marker seen) or died: nobody will read */
		if (m->eof || (r == 0 && peer_gone(m)))
			return -EPIPE;
	}
}

/* Points *p at bytes [off, off + n) of the message: straight into the
 * caller's memory when they lie inside one iovec entry, else gathered into
 * the staging chunk (the header and the start of the payload). */
static const uint8_t *span(struct mq_conn *m, const struct iovec *iov, int cnt, size_t off, size_t n)
{
	int i = 0;
	while (i < cnt && off >= iov[i].iov_len)
		off -= iov[i++].iov_len;
	if (i < cnt && iov[i].iov_len - off >= n)
		return (const uint8_t *)iov[i].iov_base + off;
	for (size_t got = 0; i < cnt && got < n; i++, off = 0) {
		size_t take = iov[i].iov_len - off < n - got ? iov[i].iov_len - off : n - got;
		memcpy(m->chunk + got, (const uint8_t *)iov[i].iov_base + off, take);
		got += take;
	}
	return m->chunk;
}

/* Sends the message in chunks of at most wsz bytes, in order. */
static int mq_conn_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	struct mq_conn *m = (struct mq_conn *)c;
	size_t total = ipl_iov_total(iov, cnt);
	for (size_t off = 0; off < total;) {
		size_t n = total - off < (size_t)m->wsz ? total - off : (size_t)m->wsz;
		int rc = put(m, span(m, iov, cnt, off, n), n);
		if (rc < 0)
			return rc;
		off += n;
	}
	return 0;
}

static void mq_conn_detach(struct ipl_conn *c)
{
	struct mq_conn *m = (struct mq_conn *)c;
	struct timespec ts;
	ipl_deadline_ms(&ts, CLOCK_REALTIME, ACK_WAIT_MS); /* the end marker, if there is room soon */
	while (mq_timedsend(m->wq, "", 0, 0, &ts) < 0 && errno == EINTR)
		;
	mq_close(m->rq);
	mq_close(m->wq);
	if (m->pidfd >= 0)
		close(m->pidfd);
	free(m->chunk);
	free(m->bl);
	free(m);
}

/* ---- server side ------------------------------------------------------ */

static int mq_prepare(struct ipl_endpoint *ep)
{
	struct mq_ep *me = calloc(1, sizeof *me);
	if (!me)
		return -ENOMEM;
	me->ann = (mqd_t)-1;
	me->creator = getpid();
	ep->priv = me;
	char *name = me->name;
	int rc = 0;
	ipl_sweep_stale();
	if (ep->opts.listen) { /* the user's name: not ours to sweep after a crash */
		const char *l = ep->opts.listen;
		if (l[0] != '/' || strchr(l + 1, '/') || strlen(l) >= 200 || !l[1])
			return IPL_EADDR;
		strcpy(name, l);
	} else {
		rc = ipl_random_name(name, sizeof me->name, "/ipclab");
		if (rc == 0)
			rc = record(name);
	}
	if (rc < 0) {
		name[0] = '\0';
		return rc;
	}
	struct mq_attr a;
	data_attr(&a);
	a.mq_msgsize = ANN_SIZE;
	me->ann = open_queue(name, O_RDONLY, &a);
	if (me->ann == (mqd_t)-1) {
		rc = -errno;
		if (!ep->opts.listen)
			unname(name); /* the record; the queue was never made */
		name[0] = '\0';
		return rc;
	}
	strcpy(ep->addr, name);
	return 0;
}

static int mq_attach_server(struct ipl_endpoint *ep)
{
	struct mq_ep *me = ep->priv;
	return (me && me->ann != (mqd_t)-1) ? 0 : -EBADF;
}

/* Opens an announced pair and says so.  NULL for a record we cannot use:
 * malformed, a pair that is gone, or not private to our user. */
static struct mq_conn *open_pair(struct ipl_endpoint *ep, const char *rec)
{
	char base[ANN_SIZE], q[ANN_SIZE + 4], r[ANN_SIZE + 4];
	long pid;
	if (strncmp(rec, ANN_MAGIC, strlen(ANN_MAGIC)) ||
	    sscanf(rec + strlen(ANN_MAGIC), "%ld %100s", &pid, base) != 2 || name_pid(base, "") != (pid_t)pid)
		return NULL;
	snprintf(q, sizeof q, "%s.q", base);
	snprintf(r, sizeof r, "%s.r", base);
	mqd_t wq = mq_open(r, O_WRONLY | O_CLOEXEC);
	mqd_t rq = mq_open(q, O_RDONLY | O_CLOEXEC);
	struct stat s1, s2;
	if (wq == (mqd_t)-1 || rq == (mqd_t)-1 || fstat(wq, &s1) < 0 || fstat(rq, &s2) < 0 ||
	    s1.st_uid != geteuid() || s2.st_uid != geteuid() || (s1.st_mode & 077) || (s2.st_mode & 077)) {
		if (wq != (mqd_t)-1)
			mq_close(wq);
		if (rq != (mqd_t)-1)
			mq_close(rq);
		return NULL;
	}
	struct mq_conn *m = new_conn(ep->tp, rq, wq, (pid_t)pid);
	if (!m)
		return NULL;
	char ack[64];
	int n = snprintf(ack, sizeof ack, ACK_MAGIC "%ld", (long)getpid());
	struct timespec ts;
	ipl_deadline_ms(&ts, CLOCK_REALTIME, ACK_WAIT_MS); /* a fresh queue has room: a full one is a prank */
	if (mq_timedsend(wq, ack, (size_t)n + 1, 0, &ts) < 0) {
		m->eof = 1;
		mq_conn_detach(&m->base);
		return NULL;
	}
	return m;
}

static int mq_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	struct mq_ep *me = ep->priv;
	for (;;) {
		if (atomic_load(&ep->cancel))
			return IPL_ECANCELED;
		char rec[ANN_SIZE + 1];
		ssize_t n = mq_receive(me->ann, rec, ANN_SIZE, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		rec[n] = '\0';
		struct mq_conn *m = open_pair(ep, rec);
		if (m) {
			*out = &m->base;
			return 0;
		}
	}
}

static void mq_release(struct ipl_endpoint *ep)
{
	struct mq_ep *me = ep->priv;
	if (me && me->ann != (mqd_t)-1) {
		mq_close(me->ann);
		me->ann = (mqd_t)-1;
	}
}

static void mq_cleanup(struct ipl_endpoint *ep)
{
	struct mq_ep *me = ep->priv;
	if (!me)
		return;
	mq_release(ep);
	if (me->creator == getpid() && me->name[0])
		unname(me->name);
	free(me);
	ep->priv = NULL;
}

/* ---- client side ------------------------------------------------------ */

/* Announces base on the server's queue and waits for the server's pid. */
static int handshake(struct ipl_endpoint *ep, mqd_t ann, struct mq_conn *m, const char *base)
{
	char rec[ANN_SIZE];
	int n = snprintf(rec, sizeof rec, ANN_MAGIC "%ld %s", (long)getpid(), base);
	if (n < 0 || n >= (int)sizeof rec)
		return -ENAMETOOLONG;
	int limit = ep->opts.timeout_ms;
	struct timespec ts;
	ipl_deadline_ms(&ts, CLOCK_REALTIME, limit > 0 ? limit : 3600 * 1000);
	while (mq_timedsend(ann, rec, (size_t)n + 1, 0, &ts) < 0)
		if (errno != EINTR)
			return errno == ETIMEDOUT ? -ETIMEDOUT : -errno;
	pid_t server_creator = name_pid(ep->addr, "");
	int rc = bl_room(m);
	if (rc < 0)
		return rc;
	for (long waited = 0;; waited += LIVENESS_MS) {
		ipl_deadline_ms(&ts, CLOCK_REALTIME, LIVENESS_MS);
		ssize_t got = mq_timedreceive(m->rq, (char *)m->bl, (size_t)m->rsz, NULL, &ts);
		if (got > 0) {
			char ack[64];
			long pid;
			size_t k = (size_t)got < sizeof ack ? (size_t)got : sizeof ack - 1;
			memcpy(ack, m->bl, k);
			ack[k] = '\0';
			if (strncmp(ack, ACK_MAGIC, strlen(ACK_MAGIC)) ||
			    sscanf(ack + strlen(ACK_MAGIC), "%ld", &pid) != 1 || pid <= 0)
				return IPL_EPROTO;
			m->peer = (pid_t)pid;
			m->pidfd = pidfd_of(m->peer);
			return 0;
		}
		if (got == 0 || (errno != EINTR && errno != ETIMEDOUT))
			return got == 0 ? IPL_EPROTO : -errno;
		if (atomic_load_explicit(&m->base.cancel, memory_order_relaxed))
			return IPL_ECANCELED;
		/* nobody yet: a dead server's queue, or one that is slow */
		if (server_creator && ipl_pid_gone(server_creator))
			return -ECONNREFUSED;
		if (limit > 0 && waited >= limit)
			return -ETIMEDOUT;
	}
}

static int mq_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	(void)idx;
	mqd_t ann = mq_open(ep->addr, O_WRONLY | O_CLOEXEC);
	if (ann == (mqd_t)-1)
		return errno == ENOENT ? -ECONNREFUSED : errno == EINVAL ? IPL_EADDR : -errno;
	char base[IPL_ADDR_MAX - 8], q[IPL_ADDR_MAX], r[IPL_ADDR_MAX];
	ipl_sweep_stale();
	int rc = ipl_random_name(base, sizeof base, "/ipclab");
	snprintf(q, sizeof q, "%s.q", base);
	snprintf(r, sizeof r, "%s.r", base);
	if (rc == 0)
		rc = record(q);
	if (rc == 0)
		rc = record(r);
	struct mq_attr a;
	data_attr(&a);
	mqd_t rq = rc ? (mqd_t)-1 : open_queue(r, O_RDONLY, &a);
	mqd_t wq = rq == (mqd_t)-1 ? (mqd_t)-1 : open_queue(q, O_WRONLY, &a);
	if (rc == 0 && (rq == (mqd_t)-1 || wq == (mqd_t)-1))
		rc = -errno;
	struct mq_conn *m = NULL;
	if (rc == 0 && !(m = new_conn(ep->tp, rq, wq, 0)))
		rc = -ENOMEM;
	else if (rc < 0 && rq != (mqd_t)-1)
		mq_close(rq);
	if (rc == 0)
		rc = handshake(ep, ann, m, base);
	mq_close(ann);
	unname(q); /* both sides hold the pair (or it failed): unnamed now */
	unname(r);
	if (rc < 0) {
		if (m) {
			m->eof = 1;
			mq_close(m->rq);
			mq_close(m->wq);
			if (m->pidfd >= 0)
				close(m->pidfd);
			free(m->chunk);
			free(m->bl);
			free(m);
		}
		return rc;
	}
	*out = &m->base;
	return 0;
}

const struct ipl_transport ipl_mq_transport = {
	.name = "mq",
	.summary = "POSIX message queues: an announce queue plus a private pair per client",
	.caps = IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT | IPL_CAP_BYTES,
	.prepare = mq_prepare,
	.attach_server = mq_attach_server,
	.accept = mq_accept,
	.attach_client = mq_attach_client,
	.send = mq_conn_send,
	.recv = mq_conn_recv,
	.detach = mq_conn_detach,
	.release = mq_release,
	.cleanup = mq_cleanup,
	.limits = mq_limits,
};
