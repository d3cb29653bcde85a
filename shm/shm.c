/* shm - POSIX shared memory: two SPSC byte rings per connection.
 *
 * The kernel only sets the memory up; after that the two processes
 * synchronise themselves (ring.c).  How they meet:
 *
 *   prepare:  creates the rendezvous object "/ipclab-<pid>-<hex>" (O_EXCL,
 *             0600): a table of slots through which clients hand over the
 *             names of their connection segments.  ep->addr is its name.
 *   client:   creates its own connection segment (another random name, O_EXCL,
 *             0600, both rings inside), maps it, claims a free slot (CAS),
 *             writes the name there, marks it ready and wakes the server.
 *   accept:   takes a ready slot, maps the segment, shm_unlink()s its name at
 *             once (both ends have it mapped now, so a crash leaves nothing
 *             behind) and marks it accepted, which wakes the client.
 *   cleanup:  the process that ran prepare unlinks the rendezvous.  Every name
 *             carries its creator's pid, so ipl_sweep_stale() (run by prepare
 *             and by every client) removes what a killed process left.
 *
 * Every wait is a futex wait with a timeout (or a spin that reads the clock):
 * on each timeout the waiter checks cancellation and whether the process it
 * waits for is still alive.
 */
#include "err.h"
#include "futex.h"
#include "names.h"
#include "ring.h"
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define RDV_MAGIC 0x69706c52u /* "iplR" */
#define SEG_MAGIC 0x69706c53u /* "iplS" */
#define SHM_VERSION 1u
#define NSLOTS 64
#define NAME_LEN 48
#define SLOT_READY 0x80000000u /* slot state: writer's pid | READY */
#define SEG_HDR 4096u          /* control page; the two data areas follow */
#define RING_SIZE (256u * 1024u) /* per direction; larger messages stream through */

enum { REQ = 0, REP = 1 }; /* ring[REQ]: client -> server; ring[REP]: back */

struct slot {
	_Atomic uint32_t state; /* 0 free; pid: being written; pid|READY: ready */
	char name[NAME_LEN];
};

struct rdv {
	uint32_t magic, version;
	_Atomic int32_t server_pid; /* who accepts: the preparer until attach_server */
	_Atomic uint32_t closed;    /* the server has stopped: do not wait for it */
	_Atomic uint32_t posted;    /* futex: bumped when a slot becomes ready */
	_Atomic uint32_t freed;     /* futex: bumped when a slot is freed */
	struct slot slot[NSLOTS];
};

struct seg {
	uint32_t magic, version;
	uint32_t ring_size;
	_Atomic int32_t client_pid, server_pid;
	_Atomic uint32_t accepted; /* futex: 1 once the server has mapped it */
	struct ipl_shmring ring[2];
	/* the CPU each end last waited on (hybrid), each on its own line */
	_Alignas(64) _Atomic int32_t client_cpu;
	_Alignas(64) _Atomic int32_t server_cpu;
};

_Static_assert(sizeof(struct seg) <= SEG_HDR, "segment header must fit its page");

struct shm_ep {
	struct rdv *rdv;
	pid_t creator; /* ran prepare: unlinks the rendezvous in cleanup */
	int served;    /* this process attached as the server */
};

struct shm_conn {
	struct ipl_conn base;
	struct seg *seg;
	size_t len;
	struct ipl_shmring_end tx, rx;
	struct ipl_shmpeer peer;
	struct ipl_shmwait w;
};

static size_t seg_len(uint32_t ring_size)
{
	return SEG_HDR + 2 * (size_t)ring_size;
}

/* Maps the object called name, checking it is at least min bytes (and at
 * most max).  *len receives its size.  Returns the mapping or NULL (errno). */
static void *map_name(const char *name, size_t min, size_t max, size_t *len, int populate)
{
	int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	struct stat st;
	void *p = NULL;
	if (fstat(fd, &st) < 0) {
		/* errno set */
	} else if ((size_t)st.st_size < min || (size_t)st.st_size > max) {
		errno = EPROTO;
	} else {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | (populate ? MAP_POPULATE : 0), fd, 0);
		if (p == MAP_FAILED)
			p = NULL;
		else
			*len = (size_t)st.st_size;
	}
	int saved = errno;
	close(fd);
	errno = saved;
	return p;
}

/* Creates a fresh object with a random name (O_EXCL, 0600) of len bytes and
 * maps it.  Returns the mapping or NULL with *rc set. */
static void *create_named(char *name, size_t namelen, size_t len, int *rc)
{
	int fd = -1;
	for (int tries = 0; fd < 0 && tries < 8; tries++) {
		*rc = ipl_random_name(name, namelen, "/ipclab");
		if (*rc < 0)
			return NULL;
		fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) {
			*rc = -errno;
			return NULL;
		}
	}
	if (fd < 0) {
		*rc = -EEXIST;
		return NULL;
	}
	void *p = MAP_FAILED;
	if (ftruncate(fd, (off_t)len) == 0)
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	*rc = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (p == MAP_FAILED) {
		shm_unlink(name);
		return NULL;
	}
	return p;
}

/* ---- endpoint --------------------------------------------------------- */

static int shm_prepare(struct ipl_endpoint *ep)
{
	if (ep->opts.listen)
		return IPL_EUNSUPP; /* names are always random: nothing to choose */
	ipl_sweep_stale();
	struct shm_ep *sp = calloc(1, sizeof *sp);
	if (!sp)
		return -ENOMEM;
	int rc;
	sp->rdv = create_named(ep->addr, sizeof ep->addr, sizeof(struct rdv), &rc);
	if (!sp->rdv) {
		ep->addr[0] = 0;
		free(sp);
		return rc;
	}
	sp->rdv->magic = RDV_MAGIC;
	sp->rdv->version = SHM_VERSION;
	atomic_store(&sp->rdv->server_pid, (int32_t)getpid());
	sp->creator = getpid();
	ep->priv = sp;
	return 0;
}

static int shm_attach_server(struct ipl_endpoint *ep)
{
	struct shm_ep *sp = ep->priv;
	if (!sp)
		return -EINVAL;
	atomic_store(&sp->rdv->server_pid, (int32_t)getpid());
	sp->served = 1;
	return 0;
}

static void conn_free(struct shm_conn *sc)
{
	if (sc->seg)
		munmap(sc->seg, sc->len);
	ipl_shmpeer_close(&sc->peer);
	free(sc);
}

/* Binds sc to its segment, whose rings hold size bytes each (the value
 * checked against the mapping: never re-read from shared memory), as the
 * client (is_server 0) or the server end. */
static int conn_bind(struct shm_conn *sc, const struct ipl_endpoint *ep, uint32_t size,
		     int is_server)
{
	struct seg *s = sc->seg;
	uint8_t *req = (uint8_t *)s + SEG_HDR, *rep = req + size;
	enum ipl_wait pol = ep->opts.wait;
	int rc = ipl_shmring_attach(&sc->tx, &s->ring[is_server ? REP : REQ], is_server ? rep : req,
				    size, 1, pol);
	if (rc == 0)
		rc = ipl_shmring_attach(&sc->rx, &s->ring[is_server ? REQ : REP], is_server ? req : rep,
					size, 0, pol);
	sc->tx.reverse = &sc->rx;
	sc->w.policy = ep->opts.wait;
	sc->w.cancel = &sc->base.cancel;
	sc->w.peer = &sc->peer;
	sc->w.my_cpu = is_server ? &s->server_cpu : &s->client_cpu;
	sc->w.peer_cpu = is_server ? &s->client_cpu : &s->server_cpu;
	return rc;
}

/* Maps a segment a client handed over, unlinks its name and marks it
 * accepted.  Returns 0 or a negative code (the segment is then dropped). */
static int take_segment(struct ipl_endpoint *ep, const char *name, struct ipl_conn **out)
{
	size_t len = 0;
	struct seg *s = map_name(name, SEG_HDR + 2 * IPL_SHMRING_MIN,
				 seg_len(IPL_SHMRING_MAX), &len, 1);
	shm_unlink(name); /* both ends have it mapped (or it is useless): drop the name */
	if (!s)
		return -errno;
	struct shm_conn *sc = calloc(1, sizeof *sc);
	if (!sc) {
		munmap(s, len);
		return -ENOMEM;
	}
	sc->base.tp = ep->tp;
	sc->seg = s;
	sc->len = len;
	sc->peer.pidfd = -1;
	uint32_t size = s->ring_size;
	if (s->magic != SEG_MAGIC || s->version != SHM_VERSION || len != seg_len(size) ||
	    conn_bind(sc, ep, size, 1) < 0) {
		conn_free(sc);
		return IPL_EPROTO;
	}
	ipl_shmpeer_open(&sc->peer, atomic_load(&s->client_pid));
	atomic_store(&s->server_pid, (int32_t)getpid());
	atomic_store_explicit(&s->accepted, 1, memory_order_release);
	ipl_futex_wake(&s->accepted);
	*out = &sc->base;
	return 0;
}

static int shm_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	struct shm_ep *sp = ep->priv;
	if (!sp)
		return -EINVAL;
	struct rdv *r = sp->rdv;
	for (;;) {
		if (atomic_load(&ep->cancel))
			return IPL_ECANCELED;
		uint32_t seen = atomic_load(&r->posted);
		for (int i = 0; i < NSLOTS; i++) {
			struct slot *sl = &r->slot[i];
			uint32_t st = atomic_load_explicit(&sl->state, memory_order_acquire);
			if (!st)
				continue;
			if (!(st & SLOT_READY)) {
				/* a client that died while writing its name: free the slot */
				if (ipl_pid_gone((pid_t)st))
					atomic_compare_exchange_strong(&sl->state, &st, 0);
				continue;
			}
			char name[NAME_LEN];
			memcpy(name, sl->name, NAME_LEN);
			name[NAME_LEN - 1] = 0;
			/* the name copy counts only if the slot did not change under it */
			if (!atomic_compare_exchange_strong(&sl->state, &st, 0))
				continue;
			atomic_fetch_add(&r->freed, 1);
			ipl_futex_wake(&r->freed);
			if (strncmp(name, "/ipclab-", 8) != 0 || strchr(name + 1, '/'))
				continue; /* not one of our names: never unlink it */
			if (take_segment(ep, name, out) == 0)
				return 0;
			/* the client gave up or handed over garbage: next one */
		}
		int rc = ipl_futex_wait(&r->posted, seen, IPL_SHM_POLL_MS);
		(void)rc; /* woken, timed out or interrupted: look again either way */
	}
}

/* Waits for *word to leave value val, checking every poll that the wait
 * still makes sense.  Returns 0, IPL_ECANCELED, -ECONNREFUSED (the server
 * stopped or died) or -ETIMEDOUT. */
static int wait_server(struct ipl_endpoint *ep, struct rdv *r, _Atomic uint32_t *word, uint32_t val,
		       uint64_t deadline)
{
	while (atomic_load_explicit(word, memory_order_acquire) == val) {
		if (atomic_load(&ep->cancel))
			return IPL_ECANCELED;
		if (atomic_load(&r->closed) || ipl_pid_gone((pid_t)atomic_load(&r->server_pid)))
			return -ECONNREFUSED;
		if (deadline && ipl_now_ns() >= deadline)
			return -ETIMEDOUT;
		ipl_futex_wait(word, val, IPL_SHM_POLL_MS);
	}
	return 0;
}

/* Puts the segment name in a free slot and wakes the server.  Returns the
 * slot index or a negative code. */
static int post_name(struct ipl_endpoint *ep, struct rdv *r, const char *name, uint64_t deadline)
{
	uint32_t me = (uint32_t)getpid();
	for (;;) {
		uint32_t seen = atomic_load(&r->freed);
		for (int i = 0; i < NSLOTS; i++) {
			uint32_t zero = 0;
			struct slot *sl = &r->slot[i];
			if (!atomic_compare_exchange_strong(&sl->state, &zero, me))
				continue;
			memcpy(sl->name, name, NAME_LEN); /* name is NAME_LEN bytes, NUL-terminated */
			atomic_store_explicit(&sl->state, me | SLOT_READY, memory_order_release);
			atomic_fetch_add(&r->posted, 1);
			ipl_futex_wake(&r->posted);
			return i;
		}
		int rc = wait_server(ep, r, &r->freed, seen, deadline); /* every slot busy */
		if (rc < 0)
			return rc;
	}
}

static int shm_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	(void)idx;
	if (strncmp(ep->addr, "/ipclab-", 8) != 0 || strchr(ep->addr + 1, '/'))
		return IPL_EADDR;
	ipl_sweep_stale();
	size_t rlen = 0;
	struct rdv *r = map_name(ep->addr, sizeof *r, sizeof *r, &rlen, 0);
	if (!r)
		return errno == ENOENT ? -ECONNREFUSED : -errno;
	int rc = 0;
	if (r->magic != RDV_MAGIC || r->version != SHM_VERSION)
		rc = IPL_EPROTO;
	else if (atomic_load(&r->closed))
		rc = -ECONNREFUSED;
	struct shm_conn *sc = rc ? NULL : calloc(1, sizeof *sc);
	if (!rc && !sc)
		rc = -ENOMEM;
	if (rc < 0) {
		munmap(r, rlen);
		return rc;
	}
	sc->base.tp = ep->tp;
	sc->peer.pidfd = -1;
	char name[NAME_LEN] = { 0 };
	uint32_t ring_size = RING_SIZE;
	sc->len = seg_len(ring_size);
	sc->seg = create_named(name, sizeof name, sc->len, &rc);
	if (!sc->seg) {
		free(sc);
		munmap(r, rlen);
		return rc;
	}
	struct seg *s = sc->seg; /* fresh from ftruncate: all zero, rings empty and open */
	s->magic = SEG_MAGIC;
	s->version = SHM_VERSION;
	s->ring_size = ring_size;
	atomic_store(&s->client_cpu, -1);
	atomic_store(&s->server_cpu, -1);
	atomic_store(&s->client_pid, (int32_t)getpid());
	rc = conn_bind(sc, ep, ring_size, 0);

	uint64_t deadline = ep->opts.timeout_ms > 0 ?
		ipl_now_ns() + (uint64_t)ep->opts.timeout_ms * 1000000u : 0;
	int slot = rc < 0 ? rc : post_name(ep, r, name, deadline);
	rc = slot < 0 ? slot : wait_server(ep, r, &s->accepted, 0, deadline);
	if (rc < 0) {
		/* take the offer back; if the server took it meanwhile, it sees EOF */
		if (slot >= 0) {
			uint32_t st = (uint32_t)getpid() | SLOT_READY;
			atomic_compare_exchange_strong(&r->slot[slot].state, &st, 0);
		}
		if (sc->tx.r && sc->rx.r) {
			ipl_shmring_close(&sc->tx, 1);
			ipl_shmring_close(&sc->rx, 0);
		}
		shm_unlink(name);
		conn_free(sc);
		munmap(r, rlen);
		return rc;
	}
	munmap(r, rlen);
	ipl_shmpeer_open(&sc->peer, atomic_load(&s->server_pid));
	*out = &sc->base;
	return 0;
}

static void shm_release(struct ipl_endpoint *ep)
{
	(void)ep; /* nothing held that would hide EOF from anyone */
}

static void shm_cleanup(struct ipl_endpoint *ep)
{
	struct shm_ep *sp = ep->priv;
	if (!sp)
		return;
	if (sp->served && atomic_load(&sp->rdv->server_pid) == (int32_t)getpid()) {
		atomic_store(&sp->rdv->closed, 1); /* clients waiting for a slot give up */
		ipl_futex_wake(&sp->rdv->freed);
	}
	if (sp->creator == getpid())
		shm_unlink(ep->addr);
	munmap(sp->rdv, sizeof *sp->rdv);
	free(sp);
	ep->priv = NULL;
}

/* ---- connection ------------------------------------------------------- */

static int shm_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	struct shm_conn *sc = (struct shm_conn *)c;
	return ipl_shmring_send(&sc->tx, &sc->w, iov, cnt);
}

static ssize_t shm_recv(struct ipl_conn *c, void *buf, size_t len)
{
	struct shm_conn *sc = (struct shm_conn *)c;
	return ipl_shmring_recv(&sc->rx, &sc->w, buf, len);
}

static ssize_t shm_peek(struct ipl_conn *c, const uint8_t **p)
{
	struct shm_conn *sc = (struct shm_conn *)c;
	return ipl_shmring_peek(&sc->rx, &sc->w, p);
}

static void shm_consume(struct ipl_conn *c, size_t n)
{
	struct shm_conn *sc = (struct shm_conn *)c;
	ipl_shmring_consume(&sc->rx, n);
}

static int shm_reserve(struct ipl_conn *c, size_t len, uint8_t **p)
{
	struct shm_conn *sc = (struct shm_conn *)c;
	return ipl_shmring_reserve(&sc->tx, len, p);
}

static void shm_commit(struct ipl_conn *c, size_t len)
{
	struct shm_conn *sc = (struct shm_conn *)c;
	ipl_shmring_commit(&sc->tx, len);
}

static void shm_detach(struct ipl_conn *c)
{
	struct shm_conn *sc = (struct shm_conn *)c;
	ipl_shmring_close(&sc->tx, 1); /* the peer reads EOF after our last byte */
	ipl_shmring_close(&sc->rx, 0); /* and gets EPIPE if it writes more */
	conn_free(sc);
}

const struct ipl_transport ipl_shm_transport = {
	.name = "shm",
	.summary = "POSIX shared memory: two SPSC rings per client; --wait block|spin|hybrid",
	.caps = IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT | IPL_CAP_SPIN | IPL_CAP_BYTES,
	.prepare = shm_prepare,
	.attach_server = shm_attach_server,
	.accept = shm_accept,
	.attach_client = shm_attach_client,
	.send = shm_send,
	.recv = shm_recv,
	.peek = shm_peek,
	.consume = shm_consume,
	.reserve = shm_reserve,
	.commit = shm_commit,
	.detach = shm_detach,
	.release = shm_release,
	.cleanup = shm_cleanup,
};
