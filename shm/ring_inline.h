/* ring_inline.h - the per-message paths of the shm rings, inline.
 *
 * Included by ring.h; not for direct use.  A small message costs a copy in,
 * one index store, a look and a copy out: at a few hundred nanoseconds a
 * round trip, the function calls around those would be a visible share, so
 * the common case lives here and only waiting, streaming large messages and
 * the rare cases stay out of line in ring.c.
 */
#ifndef IPL_SHM_RING_INLINE_H
#define IPL_SHM_RING_INLINE_H

#include "shm/futex.h"

#include <string.h>

/* Largest piece copied before the index is published: big enough that the
 * atomics and wake checks vanish in the copy, small enough that the other
 * side starts on a large message while the rest is still being copied. */
#define IPL_SHMRING_CHUNK (32u * 1024u)
#define IPL_SHMRING_LINE 64u
/* A reader prefetches this much of what it finds: a small message whole. */
#define IPL_SHMRING_PREFETCH 512u

/* Out of line (ring.c): sending what the fast path cannot, and waiting. */
int ipl_shmring_send_slow(struct ipl_shmring_end *e, const struct ipl_shmwait *w,
			  const struct iovec *iov, size_t len);
ssize_t ipl_shmring_peek_wait(struct ipl_shmring_end *e, const struct ipl_shmwait *w, const uint8_t **p);

/* Stores an index and wakes the other side only if it may be asleep. */
static inline void ipl_shmring_publish(_Atomic uint32_t *idx, uint32_t val, _Atomic uint32_t *flag,
				       _Atomic uint32_t *spins)
{
	if (atomic_load_explicit(spins, memory_order_relaxed)) {
		atomic_store_explicit(idx, val, memory_order_release); /* it never sleeps */
		return;
	}
	atomic_store_explicit(idx, val, memory_order_seq_cst);
	if (atomic_load_explicit(flag, memory_order_seq_cst))
		ipl_futex_wake(idx);
}

/* Consumer: hands the bytes read so far back to the producer. */
static inline void ipl_shmring_flush_tail(struct ipl_shmring_end *e)
{
	if (e->unpub) {
		e->unpub = 0;
		ipl_shmring_publish(&e->r->tail, e->pos, &e->r->prod_waiting, &e->r->prod_spins);
	}
}

/* Copies n bytes from src into the ring at position at, wrapping at its end. */
static inline void ipl_shmring_put(struct ipl_shmring_end *e, uint32_t at, const void *src, size_t n)
{
	at &= e->size - 1;
	size_t first = e->size - at;
	if (n <= first) {
		memcpy(e->data + at, src, n);
	} else {
		memcpy(e->data + at, src, first);
		memcpy(e->data, (const uint8_t *)src + first, n - first);
	}
}

/* Asks for the cache line at p in exclusive state, ahead of writing it. */
static inline void ipl_shmring_prefetchw(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("prefetchw %0" ::"m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1);
#endif
}

/* Claims the first lines of where the next message goes, if the consumer is
 * done with them, so its stores need not fetch them on the way to being
 * published.  From the next line boundary on: the line this message ends in
 * is about to be read by the consumer and must not be pulled back now. */
static inline void ipl_shmring_prefetch_next(struct ipl_shmring_end *e)
{
	const uint32_t line = IPL_SHMRING_LINE;
	uint32_t next = (e->pos + line - 1) & ~(line - 1);
	if (((next - e->other) & IPL_SHMRING_POS) + 2 * line <= e->size) {
		ipl_shmring_prefetchw(e->data + (next & (e->size - 1)));
		ipl_shmring_prefetchw(e->data + ((next + line) & (e->size - 1)));
	}
}

/* Producer: the len bytes at its position are free as far as it already
 * knows (its cached copy of the tail), without looking at the consumer's. */
static inline int ipl_shmring_known_free(const struct ipl_shmring_end *e, size_t len)
{
	uint32_t used = (e->pos - e->other) & IPL_SHMRING_POS;
	return len <= IPL_SHMRING_CHUNK && len <= e->size - used;
}

static inline int ipl_shmring_reserve(struct ipl_shmring_end *e, size_t len, uint8_t **p)
{
	uint32_t at = e->pos & (e->size - 1);
	if (!ipl_shmring_known_free(e, len) || len > e->size - at)
		return 0;
	*p = e->data + at;
	return 1;
}

static inline void ipl_shmring_commit(struct ipl_shmring_end *e, size_t len)
{
	e->pos = (e->pos + (uint32_t)len) & IPL_SHMRING_POS;
	ipl_shmring_publish(&e->r->head, e->pos, &e->r->cons_waiting, &e->r->cons_spins);
	ipl_shmring_prefetch_next(e);
}

static inline int ipl_shmring_send(struct ipl_shmring_end *e, const struct ipl_shmwait *w,
				   const struct iovec *iov, int cnt)
{
	size_t len = 0;
	for (int i = 0; i < cnt; i++)
		len += iov[i].iov_len;
	/* the common case, one small message into space known to be free:
	 * copy, publish once, no waiting */
	if (!ipl_shmring_known_free(e, len))
		return ipl_shmring_send_slow(e, w, iov, len);
	uint32_t at = e->pos;
	for (int i = 0; i < cnt; i++) {
		ipl_shmring_put(e, at, iov[i].iov_base, iov[i].iov_len);
		at += (uint32_t)iov[i].iov_len;
	}
	ipl_shmring_commit(e, len);
	return 0;
}

/* Consumer: the bytes published after its position, given head h as read
 * (more than the ring size means the shared indices are corrupt). */
static inline uint32_t ipl_shmring_avail(const struct ipl_shmring_end *e, uint32_t h)
{
	return ((h & IPL_SHMRING_POS) - e->pos) & IPL_SHMRING_POS;
}

/* Consumer: lends the avail (> 0, <= size) readable bytes at its position,
 * as far as they are contiguous and at most a chunk, so a large read hands
 * space back as it goes.  Their first lines are prefetched at once: a
 * reader that takes a header first and the payload after would otherwise
 * miss on each line in turn, one cross-core transfer after the other. */
static inline ssize_t ipl_shmring_lend(struct ipl_shmring_end *e, uint32_t avail, const uint8_t **p)
{
	uint32_t at = e->pos & (e->size - 1);
	uint32_t n = e->size - at < e->flush ? e->size - at : e->flush;
	if (avail < n)
		n = avail;
	*p = e->data + at;
	uintptr_t line = (uintptr_t)*p & ~(uintptr_t)(IPL_SHMRING_LINE - 1);
	uintptr_t end = (uintptr_t)*p + (n < IPL_SHMRING_PREFETCH ? n : IPL_SHMRING_PREFETCH);
	for (; line < end; line += IPL_SHMRING_LINE)
		__builtin_prefetch((const void *)line, 0);
	return (ssize_t)n;
}

static inline ssize_t ipl_shmring_peek(struct ipl_shmring_end *e, const struct ipl_shmwait *w,
				       const uint8_t **p)
{
	uint32_t h = atomic_load_explicit(&e->r->head, memory_order_acquire);
	uint32_t avail = ipl_shmring_avail(e, h);
	if (avail && avail <= e->size)
		return ipl_shmring_lend(e, avail, p);
	return ipl_shmring_peek_wait(e, w, p); /* empty (wait), closed or corrupt */
}

static inline void ipl_shmring_consume(struct ipl_shmring_end *e, size_t n)
{
	e->pos = (e->pos + (uint32_t)n) & IPL_SHMRING_POS;
	e->unpub += (uint32_t)n;
	/* a chunk freed, or a producer waiting for space: hand it back */
	if (e->unpub >= e->flush || atomic_load_explicit(&e->r->prod_waiting, memory_order_relaxed))
		ipl_shmring_flush_tail(e);
}

#endif
