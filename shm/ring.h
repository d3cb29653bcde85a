/* ring.h - single-producer single-consumer byte rings in shared memory.
 *
 * A ring is a control block (struct ipl_shmring, in the shared mapping) plus
 * a power-of-two data area.  The producer owns `head`, the consumer owns
 * `tail`; each is a 31-bit byte position (mod 2^31) on its own cache line,
 * published with release (seq_cst) stores and read with acquire loads.  Bit
 * 31 of an index is its owner's "closed" mark: setting it both tells the
 * other side (EOF for the consumer, EPIPE for the producer) and changes the
 * futex word the other side may sleep on, so closing can never be missed.
 *
 * Wake-ups: a side about to sleep raises its "waiting" flag, re-reads the
 * index and only then calls FUTEX_WAIT on it; the other side publishes its
 * index and calls FUTEX_WAKE only if it then sees the flag (seq_cst on both
 * sides, Dekker style: at least one of them sees the other's write).  A
 * spinning side never raises the flag, so its peer never makes a system call;
 * a side whose policy is pure spin says so (cons_spins/prod_spins), and its
 * peer then publishes with a plain release store, without the full fence.
 *
 * The consumer publishes `tail` lazily: when it has freed a chunk, when the
 * producer waits, and always before it waits itself (so two ends can never
 * wait on each other), which keeps the tail's cache line off the round trip.
 *
 * No wait is unbounded: futex waits time out every IPL_SHM_POLL_MS and spins
 * look at the clock, and either then checks cancellation and whether the
 * peer process is still alive.
 */
#ifndef IPL_SHM_RING_H
#define IPL_SHM_RING_H

#include "common/transport.h"

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#define IPL_SHMRING_CLOSED 0x80000000u /* bit 31 of head/tail: owner closed */
#define IPL_SHMRING_POS 0x7fffffffu    /* the position bits */
#define IPL_SHMRING_MIN 16u            /* smallest data area (tests use tiny rings) */
#define IPL_SHMRING_MAX (1u << 30)     /* largest: positions are 31-bit */
#define IPL_SHM_POLL_MS 100            /* futex timeout: how often a sleeper checks its peer */

/* The shared control block; 64-byte aligned in the mapping.  Zero-filled
 * memory is a valid empty, open ring. */
struct ipl_shmring {
	_Alignas(64) _Atomic uint32_t head; /* producer's position | CLOSED */
	_Alignas(64) _Atomic uint32_t tail; /* consumer's position | CLOSED */
	/* written only around a futex wait or once at attach: read freely */
	_Alignas(64) _Atomic uint32_t cons_waiting;
	_Atomic uint32_t prod_waiting;
	_Atomic uint32_t cons_spins; /* the consumer never sleeps: skip the wake check */
	_Atomic uint32_t prod_spins; /* likewise the producer */
};

/* The process on the other end.  Liveness is checked through a pidfd when
 * the kernel has them (immune to pid reuse, sees a dead-but-unreaped child),
 * else ipl_pid_gone() (kill(pid, 0) plus the zombie state in /proc). */
struct ipl_shmpeer {
	pid_t pid; /* 0: unknown, never reported dead */
	int pidfd; /* -1 when not available */
};

/* Starts watching pid (pid <= 0 makes a peer that is never dead). */
void ipl_shmpeer_open(struct ipl_shmpeer *p, pid_t pid);
/* Returns 1 when the peer process has exited (even if not yet reaped). */
int ipl_shmpeer_dead(const struct ipl_shmpeer *p);
void ipl_shmpeer_close(struct ipl_shmpeer *p);

/* How one end waits: policy, its cancel flag, the peer to watch. */
struct ipl_shmwait {
	enum ipl_wait policy;
	const atomic_int *cancel;       /* may be NULL */
	const struct ipl_shmpeer *peer; /* may be NULL */
	/* hybrid: the CPU each end last waited on (shared words, -1 unknown;
	 * may be NULL).  A peer on our own CPU cannot answer while we spin. */
	_Atomic int32_t *my_cpu;
	const _Atomic int32_t *peer_cpu;
};

/* Waits until *word differs from seen, per w->policy, raising *flag (the
 * "waiting" flag the other side checks) around a futex sleep.  While it
 * spins it also keeps the line at `ahead` and the one after it fetched
 * (where the awaited data will land; NULL for none), so they arrive with
 * the word instead of one transfer after it.  Returns 0 when the caller
 * should look again (changed, or a timeout/spurious wake-up), IPL_ECANCELED,
 * or IPL_EPEERDEAD when the word is unchanged and the peer has exited. */
int ipl_shm_wait_change(const struct ipl_shmwait *w, _Atomic uint32_t *word, uint32_t seen,
			_Atomic uint32_t *flag, const uint8_t *const ahead[2]);

/* One end's private view of a ring. */
struct ipl_shmring_end {
	struct ipl_shmring *r;
	uint8_t *data;
	uint32_t size;  /* power of two */
	uint32_t pos;   /* own index (position bits only) */
	uint32_t other; /* producer: cached copy of the tail (position bits) */
	uint32_t unpub; /* consumer: bytes consumed but not yet published */
	uint32_t flush; /* consumer: publish once unpub reaches this */
	/* producer: the consumer end of the reverse ring, if any, whose freed
	 * space is published before this end waits for space: a peer blocked
	 * writing to us must never wait on bytes we have already read */
	struct ipl_shmring_end *reverse;
};

/* Zeroes a control block: empty and open. */
void ipl_shmring_init(struct ipl_shmring *r);

/* Binds end to ring r with data area data[size] as its producer (or
 * consumer) waiting with policy, starting at the current indices.  Returns 0
 * or -EINVAL (size not a power of two in [IPL_SHMRING_MIN, IPL_SHMRING_MAX]). */
int ipl_shmring_attach(struct ipl_shmring_end *e, struct ipl_shmring *r, void *data, uint32_t size,
		       int producer, enum ipl_wait policy);

/* Producer: copies every byte of iov into the ring, publishing as it goes
 * and waiting for space when full (so any length streams through).  Like a
 * write on the fd transports it ignores w->cancel: the message in flight is
 * finished.  Returns 0, -EPIPE (consumer closed), IPL_EPEERDEAD or
 * IPL_EPROTO (the shared indices are corrupt). */
static inline int ipl_shmring_send(struct ipl_shmring_end *e, const struct ipl_shmwait *w,
				   const struct iovec *iov, int cnt);

/* Producer, without a staging copy: when len bytes (at most a chunk) are
 * free right now and contiguous at its position, points *p at them and
 * returns 1, else returns 0 (the caller then uses send, which waits and
 * wraps).  Never waits.  Nothing is sent until ipl_shmring_commit(). */
static inline int ipl_shmring_reserve(struct ipl_shmring_end *e, size_t len, uint8_t **p);

/* Producer: publishes the len bytes written at the last reserve. */
static inline void ipl_shmring_commit(struct ipl_shmring_end *e, size_t len);

/* Consumer, without copying: waits while empty, then points *p at the
 * readable bytes that are contiguous in the ring (at most a chunk) and
 * returns their count (> 0); 0 at EOF (producer closed, ring drained),
 * IPL_ECANCELED, IPL_EPEERDEAD or IPL_EPROTO.  Nothing is consumed: the
 * bytes stay the caller's to read until ipl_shmring_consume().  They are
 * shared memory the peer can still scribble on: copy before validating. */
static inline ssize_t ipl_shmring_peek(struct ipl_shmring_end *e, const struct ipl_shmwait *w,
				       const uint8_t **p);

/* Consumer: releases the first n bytes of the last peek to the producer. */
static inline void ipl_shmring_consume(struct ipl_shmring_end *e, size_t n);

/* Consumer: like read(2): waits while empty, then copies up to len available
 * bytes.  Returns the count (> 0), 0 at EOF (producer closed, ring drained),
 * IPL_ECANCELED, IPL_EPEERDEAD or IPL_EPROTO. */
ssize_t ipl_shmring_recv(struct ipl_shmring_end *e, const struct ipl_shmwait *w, void *buf, size_t len);

/* Marks the end closed (producer: EOF after the data; consumer: EPIPE for
 * the producer) and wakes the other side if it sleeps. */
void ipl_shmring_close(struct ipl_shmring_end *e, int producer);

/* send, reserve/commit, peek and consume: the per-message paths, inline */
#include "shm/ring_inline.h"

#endif
