/* shm - POSIX shared memory: two SPSC byte rings per connection.
 *
 * The kernel only sets the memory up; after that the two processes
 * synchronise themselves (ring.c).  How they meet:
 *
 *   prepare:  creates the rendezvous object "/ipclab-<pid>-<hex>" (O_EXCL,
 *             0600): a table of slots through which clients hand over their
 *             connection segments.  ep->addr is its name.
 *   client:   creates its own connection segment, a memfd (both rings
 *             inside) sealed against shrinking and growing, maps it, claims
 *             a free slot (CAS), writes its fd number there, marks it ready
 *             and wakes the server.
 *   accept:   takes a ready slot, opens the client's fd through
 *             /proc/<pid>/fd/<n>, checks it before mapping anything (a
 *             regular shmem file, sealed, its size what its header claims,
 *             rings no larger than SEG_RING_MAX), maps it (not populated:
 *             the pages are the client's, faulted in as used) and marks it
 *             accepted, which wakes the client; the client then closes its
 *             fd.  Nothing is named, so a crash leaves nothing behind.
 *   cleanup:  the process that ran prepare unlinks the rendezvous.  Its name
 *             carries its creator's pid, so ipl_sweep_stale() (run by prepare
 *             and by every client) removes what a killed process left.
 *
 * Hostile peers (docs/reliability.md): a segment's seals mean nobody can
 * truncate it under the other end, so the per-message paths can never fault.
 * The rendezvous is a named object that any process of the user can
 * truncate: it is guarded (guard.h), the server recreates its content when
 * it finds it truncated, resized or lost, and a client that meets a lost one
 * fails with IPL_ESHMLOST.
 *
 * Every wait is a futex wait with a timeout (or a spin that reads the clock):
 * on each timeout the waiter checks cancellation and whether the process it
 * waits for is still alive.
 */
#include "common/err.h"
#include "shm/futex.h"
#include "shm/guard.h"
#include "shm/layout.h"
#include "common/names.h"
#include "shm/ring.h"
#include "common/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

struct shm_ep {
	struct rdv *rdv;
	struct ipl_shmguard *guard; /* on rdv: a same-user process may truncate it */
	int fd;                     /* the rendezvous, to rebuild it: -1 if not ours */
	uint32_t epoch;             /* the last epoch written */
	pid_t creator;              /* ran prepare: unlinks the rendezvous in cleanup */
	int served;                 /* this process attached as the server */
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
	return ipl_shm_seg_len(ring_size);
}

static int rdv_len_ok(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == sizeof(struct rdv);
}

/* Opens the rendezvous called name and maps it, guarded.  Returns 0 or a
 * negative code. */
static int map_rdv(const char *name, struct rdv **r, struct ipl_shmguard **g)
{
	int fd = shm_open(name, O_RDWR | O_CLOEXEC | O_NONBLOCK, 0);
	if (fd < 0)
		return errno == ENOENT ? -ECONNREFUSED : -errno;
	int rc = 0;
	void *p = MAP_FAILED;
	if (!rdv_len_ok(fd))
		rc = IPL_EPROTO;
	else if ((p = mmap(NULL, sizeof **r, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED)
		rc = -errno;
	close(fd);
	if (rc < 0)
		return rc;
	*g = ipl_shmguard_add(p, sizeof **r);
	if (!*g) {
		munmap(p, sizeof **r);
		return -ENOMEM;
	}
	*r = p;
	return 0;
}

/* Creates the rendezvous with a fresh random name (O_EXCL, 0600) and maps
 * it.  Returns its fd or a negative code. */
static int create_rdv(char *name, size_t namelen, struct rdv **r)
{
	int fd = -1, rc = 0;
	for (int tries = 0; fd < 0 && tries < 8; tries++) {
		rc = ipl_random_name(name, namelen, "/ipclab");
		if (rc < 0)
			return rc;
		fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	void *p = MAP_FAILED;
	if (ftruncate(fd, sizeof **r) == 0)
		p = mmap(NULL, sizeof **r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		close(fd);
		shm_unlink(name);
		return rc;
	}
	*r = p;
	return fd;
}

/* Creates a connection segment with rings of ring_size bytes: a memfd
 * sealed at its size, so no one can truncate it under either end.  Returns
 * its fd (and the mapping in *s) or a negative code. */
static int create_seg(uint32_t ring_size, struct seg **s)
{
	size_t len = seg_len(ring_size);
	int fd = memfd_create("ipclab-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	void *p = MAP_FAILED;
	if (ftruncate(fd, (off_t)len) == 0 && fcntl(fd, F_ADD_SEALS, SEG_SEALS | F_SEAL_SEAL) == 0)
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	*s = p;
	return fd;
}

/* ---- endpoint --------------------------------------------------------- */

/* Writes the rendezvous header (again): a new epoch tells clients waiting
 * on the old content that their offer may be lost. */
static void rdv_stamp(struct shm_ep *sp, pid_t server)
{
	struct rdv *r = sp->rdv;
	r->magic = RDV_MAGIC;
	r->version = SHM_VERSION;
	atomic_store(&r->server_pid, (int32_t)server);
	atomic_store(&r->epoch, ++sp->epoch);
}

static int shm_prepare(struct ipl_endpoint *ep)
{
	if (ep->opts.listen)
		return IPL_EUNSUPP; /* names are always random: nothing to choose */
	ipl_sweep_stale();
	struct shm_ep *sp = calloc(1, sizeof *sp);
	if (!sp)
		return -ENOMEM;
	sp->fd = create_rdv(ep->addr, sizeof ep->addr, &sp->rdv);
	if (sp->fd >= 0 && !(sp->guard = ipl_shmguard_add(sp->rdv, sizeof *sp->rdv))) {
		munmap(sp->rdv, sizeof *sp->rdv);
		close(sp->fd);
		shm_unlink(ep->addr);
		sp->fd = -ENOMEM;
	}
	if (sp->fd < 0) {
		int rc = sp->fd;
		ep->addr[0] = 0;
		free(sp);
		return rc;
	}
	rdv_stamp(sp, getpid());
	sp->creator = getpid();
	ep->priv = sp;
	return 0;
}

static int shm_attach_server(struct ipl_endpoint *ep)
{
	struct shm_ep *sp = ep->priv;
	if (!sp)
		return -EINVAL;
	ipl_shmguard_thread();
	atomic_store(&sp->rdv->server_pid, (int32_t)getpid());
	sp->served = 1;
	return 0;
}

/* The rendezvous was truncated (the guard swapped our mapping for zeros),
 * resized or otherwise damaged by another process of the user: set its size
 * back, map it afresh and write the header again.  The slots come back
 * empty; clients that had posted see the new epoch and fail cleanly. */
static int rdv_rebuild(struct shm_ep *sp)
{
	if (sp->fd < 0)
		return IPL_ESHMLOST;
	if (ftruncate(sp->fd, sizeof *sp->rdv) < 0)
		return -errno;
	void *p = mmap(NULL, sizeof *sp->rdv, PROT_READ | PROT_WRITE, MAP_SHARED, sp->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	struct ipl_shmguard *g = ipl_shmguard_add(p, sizeof *sp->rdv);
	if (!g) {
		munmap(p, sizeof *sp->rdv);
		return -ENOMEM;
	}
	ipl_shmguard_del(sp->guard);
	munmap(sp->rdv, sizeof *sp->rdv);
	sp->rdv = p;
	sp->guard = g;
	rdv_stamp(sp, getpid());
	return 0;
}

/* Each time round the accept loop: is the rendezvous still what we made? */
static int rdv_check(struct shm_ep *sp)
{
	struct rdv *r = sp->rdv;
	/* the memory first: if it is gone, the guard sees it here */
	if (r->magic == RDV_MAGIC && r->version == SHM_VERSION && atomic_load(&r->epoch) == sp->epoch &&
	    !ipl_shmguard_lost(sp->guard) && (sp->fd < 0 || rdv_len_ok(sp->fd)))
		return 0;
	return rdv_rebuild(sp);
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
static int conn_bind(struct shm_conn *sc, const struct ipl_endpoint *ep, uint32_t size, int is_server)
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

/* Opens fd number cfd of process pid read-write, only if it is a regular
 * file (never a device or FIFO whose open could block or act): looked at
 * through an O_PATH descriptor first, then reopened.  Returns the fd or a
 * negative code. */
static int open_peer_fd(pid_t pid, int cfd)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, cfd);
	int op = open(path, O_PATH | O_CLOEXEC);
	if (op < 0)
		return -errno;
	struct stat st;
	int fd = fstat(op, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : IPL_EPROTO;
	if (fd == 0) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", op);
		fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (fd < 0)
			fd = -errno;
	}
	close(op);
	return fd;
}

/* Checks a client's segment before anything is mapped: sealed against
 * shrinking and growing (so it can never fault under us), a header of
 * ours (read with pread: no mapping yet) and a size that is exactly what
 * the header claims, with rings no larger than SEG_RING_MAX.  Returns the
 * ring size or a negative code. */
static int64_t check_seg(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & SEG_SEALS) != SEG_SEALS)
		return IPL_EPROTO; /* not a memfd, or one its owner may still truncate */
	struct stat st;
	struct {
		uint32_t magic, version, ring_size;
	} h;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
		return IPL_EPROTO;
	uint32_t size = h.ring_size;
	if (h.magic != SEG_MAGIC || h.version != SHM_VERSION || size < IPL_SHMRING_MIN ||
	    size > SEG_RING_MAX || (size & (size - 1)) || (uint64_t)st.st_size != seg_len(size))
		return IPL_EPROTO;
	return size;
}

/* Maps the segment process pid handed over as fd number cfd and marks it
 * accepted.  Returns 0 or a negative code (the segment is then dropped). */
static int take_segment(struct ipl_endpoint *ep, pid_t pid, int cfd, struct ipl_conn **out)
{
	int fd = open_peer_fd(pid, cfd);
	if (fd < 0)
		return fd;
	int64_t size = check_seg(fd);
	void *s = MAP_FAILED;
	if (size >= 0)
		s = mmap(NULL, seg_len((uint32_t)size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int rc = size < 0 ? (int)size : s == MAP_FAILED ? -errno : 0;
	close(fd);
	if (rc < 0)
		return rc;
	struct shm_conn *sc = calloc(1, sizeof *sc);
	if (!sc) {
		munmap(s, seg_len((uint32_t)size));
		return -ENOMEM;
	}
	sc->base.tp = ep->tp;
	sc->seg = s;
	sc->len = seg_len((uint32_t)size);
	sc->peer.pidfd = -1;
	uint32_t zero = 0;
	/* accepted once only: the same segment offered twice gets one server */
	atomic_store(&sc->seg->server_pid, (int32_t)getpid());
	if (conn_bind(sc, ep, (uint32_t)size, 1) < 0 ||
	    !atomic_compare_exchange_strong(&sc->seg->accepted, &zero, 1)) {
		conn_free(sc);
		return IPL_EPROTO;
	}
	ipl_shmpeer_open(&sc->peer, atomic_load(&sc->seg->client_pid));
	ipl_futex_wake(&sc->seg->accepted);
	*out = &sc->base;
	return 0;
}

/* Takes ready slot i if it is still ready: returns 1 with the writer's pid
 * and fd number, else 0. */
static int take_slot(struct rdv *r, int i, pid_t *pid, int *fd)
{
	struct slot *sl = &r->slot[i];
	uint32_t st = atomic_load_explicit(&sl->state, memory_order_acquire);
	if (!st)
		return 0;
	if (!(st & SLOT_READY)) {
		/* a client that died while writing its offer: free the slot */
		if (ipl_pid_gone((pid_t)st))
			atomic_compare_exchange_strong(&sl->state, &st, 0);
		return 0;
	}
	*fd = atomic_load(&sl->fd);
	/* the fd read counts only if the slot did not change under it */
	if (!atomic_compare_exchange_strong(&sl->state, &st, 0))
		return 0;
	atomic_fetch_add(&r->freed, 1);
	ipl_futex_wake(&r->freed);
	*pid = (pid_t)(st & ~SLOT_READY);
	return *pid > 0 && *fd >= 0;
}

static int shm_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	struct shm_ep *sp = ep->priv;
	if (!sp)
		return -EINVAL;
	ipl_shmguard_thread();
	for (;;) {
		if (atomic_load(&ep->cancel))
			return IPL_ECANCELED;
		int rc = rdv_check(sp);
		if (rc < 0)
			return rc;
		struct rdv *r = sp->rdv;
		uint32_t seen = atomic_load(&r->posted);
		for (int i = 0; i < NSLOTS; i++) {
			pid_t pid;
			int fd;
			if (take_slot(r, i, &pid, &fd) && take_segment(ep, pid, fd, out) == 0)
				return 0;
			/* empty, the client gave up, or it handed over garbage: next */
		}
		rc = ipl_futex_wait(&r->posted, seen, IPL_SHM_POLL_MS);
		(void)rc; /* woken, timed out or interrupted: look again either way */
	}
}

/* Waits for *word to leave value val, checking every poll that the wait
 * still makes sense.  Returns 0, IPL_ECANCELED, -ECONNREFUSED (the server
 * stopped or died), IPL_ESHMLOST (the rendezvous was truncated or rebuilt
 * since epoch: our offer may be gone) or -ETIMEDOUT. */
static int wait_server(struct ipl_endpoint *ep, struct rdv *r, const struct ipl_shmguard *g,
		       uint32_t epoch, _Atomic uint32_t *word, uint32_t val, uint64_t deadline)
{
	while (atomic_load_explicit(word, memory_order_acquire) == val) {
		if (atomic_load(&ep->cancel))
			return IPL_ECANCELED;
		if (ipl_shmguard_lost(g) || atomic_load(&r->epoch) != epoch)
			return IPL_ESHMLOST;
		if (atomic_load(&r->closed) || ipl_pid_gone((pid_t)atomic_load(&r->server_pid)))
			return -ECONNREFUSED;
		if (deadline && ipl_now_ns() >= deadline)
			return -ETIMEDOUT;
		ipl_futex_wait(word, val, IPL_SHM_POLL_MS);
	}
	return ipl_shmguard_lost(g) ? IPL_ESHMLOST : 0;
}

/* Puts the segment's fd number in a free slot and wakes the server.
 * Returns the slot index or a negative code. */
static int post_fd(struct ipl_endpoint *ep, struct rdv *r, const struct ipl_shmguard *g, uint32_t epoch,
		   int fd, uint64_t deadline)
{
	uint32_t me = (uint32_t)getpid();
	for (;;) {
		uint32_t seen = atomic_load(&r->freed);
		for (int i = 0; i < NSLOTS; i++) {
			uint32_t zero = 0;
			struct slot *sl = &r->slot[i];
			if (!atomic_compare_exchange_strong(&sl->state, &zero, me))
				continue;
			atomic_store(&sl->fd, fd);
			atomic_store_explicit(&sl->state, me | SLOT_READY, memory_order_release);
			atomic_fetch_add(&r->posted, 1);
			ipl_futex_wake(&r->posted);
			return i;
		}
		int rc = wait_server(ep, r, g, epoch, &r->freed, seen, deadline); /* every slot busy */
		if (rc < 0)
			return rc;
	}
}

/* The ring size for a conn that will have hint bytes in flight under wait.
 *
 * A one-way stream gets the largest ring.  Its producer rewrites lines the
 * consumer read one ring ago; through a 256 KiB ring they are still in the
 * consumer's core (L2 is 512 KiB on AMD Zen 3) and each write takes them
 * from there, through 1 MiB they have gone (likely reason, not traced).
 * Measured on this project's Zen 3 guest, 64 KiB stream, cross-core:
 * spin 1.5x, block with --crc 1.15-2.4x (docs/performance.md).
 *
 * A waiter that spins takes each message's lines straight from the other
 * core's cache, and a small ring keeps them there: that costs a spinning
 * round trip more (measured: 15-20% cross-core, 64 B) than the cache
 * saves, so spin and hybrid keep RING_SIZE otherwise.  A blocking one pays
 * a wake-up per hand-off instead, and it is the policy that serves
 * hundreds of conns: its rings hold twice the hint, so a full window never
 * waits for space, from RING_SIZE_SMALL up to RING_SIZE.  A ring position
 * sweeps the whole ring, so with 256 conns of 256 KiB rings every small
 * message lands on a line long gone from the cache; 16 KiB rings keep them
 * all in it. */
static uint32_t ring_for(enum ipl_wait wait, uint64_t hint)
{
	if (hint == IPL_INFLIGHT_STREAM)
		return RING_SIZE_STREAM;
	if (wait != IPL_WAIT_BLOCK || !hint)
		return RING_SIZE;
	uint32_t size = RING_SIZE_SMALL;
	while (size < RING_SIZE && size < 2 * hint)
		size <<= 1;
	return size;
}

/* Makes the client's segment and its conn.  Returns 0 with *scp and *fd
 * set, or a negative code. */
static int make_client_conn(struct ipl_endpoint *ep, struct shm_conn **scp, int *fd)
{
	uint32_t ring = ring_for(ep->opts.wait, ep->opts.inflight_hint);
	struct shm_conn *sc = calloc(1, sizeof *sc);
	if (!sc)
		return -ENOMEM;
	sc->base.tp = ep->tp;
	sc->peer.pidfd = -1;
	sc->len = seg_len(ring);
	*fd = create_seg(ring, &sc->seg);
	if (*fd < 0) {
		int rc = *fd;
		free(sc);
		return rc;
	}
	struct seg *s = sc->seg; /* fresh from ftruncate: all zero, rings empty and open */
	s->magic = SEG_MAGIC;
	s->version = SHM_VERSION;
	s->ring_size = ring;
	atomic_store(&s->client_cpu, -1);
	atomic_store(&s->server_cpu, -1);
	atomic_store(&s->client_pid, (int32_t)getpid());
	int rc = conn_bind(sc, ep, ring, 0);
	if (rc < 0) {
		close(*fd);
		conn_free(sc);
		return rc;
	}
	*scp = sc;
	return 0;
}

/* Offers the segment behind fd through r and waits until it is accepted.
 * On failure takes the offer back and closes sc's ends. */
static int offer(struct ipl_endpoint *ep, struct rdv *r, const struct ipl_shmguard *g, struct shm_conn *sc, int fd)
{
	uint32_t epoch = atomic_load(&r->epoch);
	int rc = 0;
	if (r->magic != RDV_MAGIC || r->version != SHM_VERSION)
		rc = IPL_EPROTO;
	else if (atomic_load(&r->closed))
		rc = -ECONNREFUSED;
	if (rc < 0 || ipl_shmguard_lost(g))
		return rc < 0 ? rc : IPL_ESHMLOST;
	uint64_t deadline =
		ep->opts.timeout_ms > 0 ? ipl_now_ns() + (uint64_t)ep->opts.timeout_ms * 1000000u : 0;
	int slot = post_fd(ep, r, g, epoch, fd, deadline);
	rc = slot < 0 ? slot : wait_server(ep, r, g, epoch, &sc->seg->accepted, 0, deadline);
	if (rc < 0) {
		/* take the offer back; if the server took it meanwhile, it sees EOF */
		if (slot >= 0) {
			uint32_t st = (uint32_t)getpid() | SLOT_READY;
			atomic_compare_exchange_strong(&r->slot[slot].state, &st, 0);
		}
		ipl_shmring_close(&sc->tx, 1);
		ipl_shmring_close(&sc->rx, 0);
	}
	return rc;
}

static int shm_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	(void)idx;
	if (strncmp(ep->addr, "/ipclab-", 8) != 0 || strchr(ep->addr + 1, '/'))
		return IPL_EADDR;
	ipl_sweep_stale();
	struct rdv *r = NULL;
	struct ipl_shmguard *g = NULL;
	int rc = map_rdv(ep->addr, &r, &g);
	if (rc < 0)
		return rc;
	struct shm_conn *sc = NULL;
	int fd = -1;
	rc = make_client_conn(ep, &sc, &fd);
	if (rc == 0)
		rc = offer(ep, r, g, sc, fd);
	/* accepted: the server opened the segment, our fd is no longer needed */
	if (fd >= 0)
		close(fd);
	ipl_shmguard_del(g);
	munmap(r, sizeof *r);
	if (rc < 0) {
		if (sc)
			conn_free(sc);
		return rc;
	}
	ipl_shmpeer_open(&sc->peer, atomic_load(&sc->seg->server_pid));
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
	ipl_shmguard_thread();
	if (sp->served && atomic_load(&sp->rdv->server_pid) == (int32_t)getpid()) {
		atomic_store(&sp->rdv->closed, 1); /* clients waiting for a slot give up */
		ipl_futex_wake(&sp->rdv->freed);
	}
	if (sp->creator == getpid())
		shm_unlink(ep->addr);
	ipl_shmguard_del(sp->guard);
	munmap(sp->rdv, sizeof *sp->rdv);
	close(sp->fd);
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

/* What `ipclab demo shm` says at each step (transport.h: ipl_tp_describe). */
static const struct ipl_tp_describe shm_describe = {
	.prepare = (const char *const[]){ "shm_open(\"{addr}\", O_CREAT|O_EXCL|O_RDWR, 0600) + ftruncate + mmap(MAP_SHARED): "
					  "the rendezvous table clients meet at (/dev/shm{addr})",
					  NULL },
	.attach_client = (const char *const[]){ "memfd_create(its own segment) + ftruncate + seals (no shrinking, no growing) + mmap; "
						"writes the segment's fd number into a free slot of {addr}; futex-wakes the server, "
						"waits to be accepted",
						NULL },
	.accept = (const char *const[]){ "takes the ready slot, opens /proc/<pid>/fd/<n> (the client's segment), checks its "
					 "seals and size, mmap; the segment has no name, so a crash leaves nothing behind",
					 NULL },
	.cleanup = (const char *const[]){ "cleanup: shm_unlink(rendezvous): a shared memory object persists (in /dev/shm) "
					  "until it is unlinked",
					  NULL },
	.send = "{name} send (memcpy into the ring, no system call; futex wake only if the "
		"reader sleeps)",
	.recv = "{name} recv (memcpy out of the ring; futex wait only while it is empty)",
	.detach = " (munmap of the segment)",
	/* the rendezvous by name, a connection segment as a memfd */
	.maps = (const char *const[]){ "/dev/shm/ipclab-", "/memfd:ipclab-shm", NULL },
};

/* A client names the rendezvous `ipclab serve -m shm` printed: "/ipclab-...",
 * one path component, present in /dev/shm when that is where shm lives. */
static int shm_check_addr(const char *addr, int listening, char *why, size_t len)
{
	char path[300];
	if (listening)
		return 0;
	if (strncmp(addr, "/ipclab-", 8) || strchr(addr + 1, '/') || strlen(addr) > 255) {
		snprintf(why, len, "want the name `ipclab serve -m shm` printed (/ipclab-...)");
		return IPL_EADDR;
	}
	snprintf(path, sizeof path, "/dev/shm%s", addr);
	if (access("/dev/shm", F_OK) == 0 && access(path, F_OK) < 0) {
		snprintf(why, len, "no such shared memory object (is `ipclab serve` running?)");
		return IPL_EADDR;
	}
	return 0;
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
	.describe = &shm_describe,
	.check_addr = shm_check_addr,
};
