/* ring.c - SPSC byte rings in shared memory; see ring.h for the protocol. */
#include "shm/ring.h"

#include "common/clock.h"
#include "common/err.h"
#include "shm/futex.h"
#include "common/names.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* hybrid: how long to spin before sleeping.  Covers a small-message reply
 * from a peer that is running on another core; a sleeping peer costs far
 * more than this to wake anyway. */
#define HYBRID_SPIN_NS 5000u
/* spin: rounds of bare loads before each round also pauses. */
#define BARE_SPINS 4096u
/* spin: how often to look at cancellation and the peer's liveness. */
#define CHECK_NS (IPL_SHM_POLL_MS * 1000000ull)
/* spin: after this long without progress, yield the CPU at every check so a
 * peer sharing our core (or a preempted one) can run. */
#define YIELD_AFTER_NS 1000000ull

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* ---- the peer process --------------------------------------------------- */

void ipl_shmpeer_open(struct ipl_shmpeer *p, pid_t pid)
{
	p->pid = pid > 0 ? pid : 0;
	p->pidfd = -1;
#ifdef SYS_pidfd_open
	if (p->pid)
		p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (p->pidfd >= 0)
		fcntl(p->pidfd, F_SETFD, FD_CLOEXEC);
	else
		p->pidfd = -1;
#endif
}

int ipl_shmpeer_dead(const struct ipl_shmpeer *p)
{
	if (!p || !p->pid)
		return 0;
	if (p->pidfd >= 0) {
		/* a pidfd polls readable once the process has exited */
		struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
		return poll(&pfd, 1, 0) > 0;
	}
	return ipl_pid_gone(p->pid);
}

void ipl_shmpeer_close(struct ipl_shmpeer *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
	p->pid = 0;
}

/* ---- waiting -------------------------------------------------------------- */

static int cancelled(const struct ipl_shmwait *w)
{
	return w->cancel && atomic_load_explicit(w->cancel, memory_order_relaxed);
}

static int unchanged(_Atomic uint32_t *word, uint32_t seen)
{
	return atomic_load_explicit(word, memory_order_acquire) == seen;
}

/* hybrid: records our CPU and says whether the peer last waited on it too;
 * then spinning only delays the peer (until the scheduler preempts us). */
static int peer_on_my_cpu(const struct ipl_shmwait *w)
{
	if (!w->my_cpu || !w->peer_cpu)
		return 0;
	int cpu = sched_getcpu();
	if (cpu < 0)
		return 0;
	/* written only when it changed: the peer reads this line freely */
	if (atomic_load_explicit(w->my_cpu, memory_order_relaxed) != cpu)
		atomic_store_explicit(w->my_cpu, cpu, memory_order_relaxed);
	return atomic_load_explicit(w->peer_cpu, memory_order_relaxed) == cpu;
}

int ipl_shm_wait_change(const struct ipl_shmwait *w, _Atomic uint32_t *word, uint32_t seen,
			_Atomic uint32_t *flag, const uint8_t *const ahead[2])
{
	if (w->policy == IPL_WAIT_SPIN || (w->policy == IPL_WAIT_HYBRID && !peer_on_my_cpu(w))) {
		uint64_t start = 0, checked = 0;
		for (unsigned i = 1;; i++) {
			if (!unchanged(word, seen))
				return 0;
			/* each store of the peer's takes these lines from us; fetching
			 * them again at once overlaps their transfer with the word's */
			if (ahead) {
				__builtin_prefetch(ahead[0]);
				__builtin_prefetch(ahead[1]);
			}
			/* a bare load loop reacts fastest; pause only once the wait
			 * is clearly not short, to spare the sibling hyperthread */
			if (i > BARE_SPINS)
				cpu_relax();
			/* the clock costs as much as many rounds: read it rarely,
			 * or the change is noticed late */
			if (i % 256)
				continue;
			uint64_t now = ipl_now_ns();
			if (!start)
				start = checked = now;
			if (w->policy == IPL_WAIT_HYBRID) {
				if (now - start >= HYBRID_SPIN_NS)
					break; /* on to the futex */
				continue;
			}
			if (cancelled(w))
				return IPL_ECANCELED;
			if (now - checked >= CHECK_NS) {
				checked = now;
				if (ipl_shmpeer_dead(w->peer) && unchanged(word, seen))
					return IPL_EPEERDEAD;
			}
			if (now - start >= YIELD_AFTER_NS)
				sched_yield();
		}
	}

	if (cancelled(w))
		return IPL_ECANCELED;
	/* Dekker with the other side's publish(): raise the flag, then look */
	atomic_store_explicit(flag, 1, memory_order_seq_cst);
	if (atomic_load_explicit(word, memory_order_seq_cst) != seen) {
		atomic_store_explicit(flag, 0, memory_order_relaxed);
		return 0;
	}
	int rc = ipl_futex_wait(word, seen, IPL_SHM_POLL_MS);
	atomic_store_explicit(flag, 0, memory_order_relaxed);
	if (cancelled(w))
		return IPL_ECANCELED;
	if (rc == -ETIMEDOUT && ipl_shmpeer_dead(w->peer) && unchanged(word, seen))
		return IPL_EPEERDEAD;
	return 0;
}

/* ---- the ring ------------------------------------------------------------- */

void ipl_shmring_init(struct ipl_shmring *r)
{
	memset(r, 0, sizeof *r);
}

int ipl_shmring_attach(struct ipl_shmring_end *e, struct ipl_shmring *r, void *data, uint32_t size,
		       int producer, enum ipl_wait policy)
{
	if (size < IPL_SHMRING_MIN || size > IPL_SHMRING_MAX || (size & (size - 1)))
		return -EINVAL;
	e->r = r;
	e->data = data;
	e->size = size;
	e->unpub = 0;
	e->flush = size / 2 < IPL_SHMRING_CHUNK ? size / 2 : IPL_SHMRING_CHUNK;
	e->reverse = NULL;
	/* each end starts from the indices as they are (zero for a fresh ring) */
	uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire) & IPL_SHMRING_POS;
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_acquire) & IPL_SHMRING_POS;
	e->pos = producer ? h : t;
	e->other = producer ? t : h;
	atomic_store(producer ? &r->prod_spins : &r->cons_spins, policy == IPL_WAIT_SPIN);
	return 0;
}

/* The general case: more than a chunk, or more than the space known free.
 * Publishes chunk by chunk and waits for space in between. */
int ipl_shmring_send_slow(struct ipl_shmring_end *e, const struct ipl_shmwait *w,
			  const struct iovec *iov, size_t left)
{
	/* not cancellable, like a write on the fd transports: a stopping server
	 * finishes the reply in flight; a dead consumer still ends the wait */
	struct ipl_shmwait wait_space = *w;
	wait_space.cancel = NULL;
	size_t voff = 0;

	while (left) {
		uint32_t want = left < IPL_SHMRING_CHUNK ? (uint32_t)left : IPL_SHMRING_CHUNK;
		uint32_t used = (e->pos - e->other) & IPL_SHMRING_POS;
		if (e->size - used < want) { /* the cached tail is not enough: look again */
			uint32_t t = atomic_load_explicit(&e->r->tail, memory_order_acquire);
			if (t & IPL_SHMRING_CLOSED)
				return -EPIPE;
			e->other = t;
			used = (e->pos - t) & IPL_SHMRING_POS;
			if (used > e->size)
				return IPL_EPROTO;
			if (used == e->size) {
				if (e->reverse)
					ipl_shmring_flush_tail(e->reverse);
				int rc = ipl_shm_wait_change(&wait_space, &e->r->tail, t,
							     &e->r->prod_waiting, NULL);
				if (rc < 0)
					return rc;
				continue;
			}
		}
		uint32_t n = e->size - used < want ? e->size - used : want;
		/* gather n bytes from the iovec into the ring */
		for (uint32_t done = 0; done < n;) {
			while (voff == iov->iov_len) {
				iov++;
				voff = 0;
			}
			size_t piece = iov->iov_len - voff;
			if (piece > n - done)
				piece = n - done;
			ipl_shmring_put(e, e->pos + done, (const uint8_t *)iov->iov_base + voff, piece);
			voff += piece;
			done += (uint32_t)piece;
		}
		e->pos = (e->pos + n) & IPL_SHMRING_POS;
		left -= n;
		ipl_shmring_publish(&e->r->head, e->pos, &e->r->cons_waiting, &e->r->cons_spins);
	}
	ipl_shmring_prefetch_next(e);
	return 0;
}

ssize_t ipl_shmring_peek_wait(struct ipl_shmring_end *e, const struct ipl_shmwait *w, const uint8_t **p)
{
	for (;;) {
		uint32_t h = atomic_load_explicit(&e->r->head, memory_order_acquire);
		uint32_t avail = ipl_shmring_avail(e, h);
		if (avail > e->size)
			return IPL_EPROTO;
		if (avail)
			return ipl_shmring_lend(e, avail, p);
		ipl_shmring_flush_tail(e); /* never wait while the producer may wait for us */
		if (h & IPL_SHMRING_CLOSED)
			return 0; /* closed and drained: EOF */
		/* the line the next bytes start in, and the next: a small message */
		uint32_t line = e->pos & ~(IPL_SHMRING_LINE - 1);
		const uint8_t *const ahead[2] = { e->data + (line & (e->size - 1)),
						  e->data + ((line + IPL_SHMRING_LINE) & (e->size - 1)) };
		int rc = ipl_shm_wait_change(w, &e->r->head, h, &e->r->cons_waiting, ahead);
		if (rc < 0)
			return rc;
	}
}

ssize_t ipl_shmring_recv(struct ipl_shmring_end *e, const struct ipl_shmwait *w, void *buf, size_t len)
{
	if (!len)
		return 0;
	const uint8_t *p;
	ssize_t n = ipl_shmring_peek(e, w, &p);
	if (n <= 0)
		return n;
	size_t got = 0;
	/* what is readable now, across the end of the data area: no more waits */
	while (n > 0) {
		size_t take = (size_t)n < len - got ? (size_t)n : len - got;
		memcpy((uint8_t *)buf + got, p, take);
		ipl_shmring_consume(e, take);
		got += take;
		if (got == len)
			break;
		if (!ipl_shmring_avail(e, atomic_load_explicit(&e->r->head, memory_order_acquire)))
			break;
		n = ipl_shmring_peek(e, w, &p);
	}
	return (ssize_t)got;
}

void ipl_shmring_close(struct ipl_shmring_end *e, int producer)
{
	_Atomic uint32_t *idx = producer ? &e->r->head : &e->r->tail;
	atomic_store_explicit(idx, e->pos | IPL_SHMRING_CLOSED, memory_order_seq_cst);
	ipl_futex_wake(idx); /* unconditionally: closing is rare, a missed EOF is not */
}
