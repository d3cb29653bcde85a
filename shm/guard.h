/* guard.h - survive a shared mapping that another process truncates.
 *
 * A MAP_SHARED mapping of a file faults with SIGBUS wherever the file no
 * longer extends: any process of the same user can `truncate -s 0` a POSIX
 * shm object, and the default action kills the process that touches it.
 * A guarded mapping is registered here; the process-wide SIGBUS handler,
 * when the faulting address lies in one, replaces the whole mapping with
 * private zero-filled memory (so the faulting access, restarted, and every
 * later one succeed) and raises the mapping's `lost` flag.  Its owner checks
 * the flag where it waits or validates anyway, and gives up (or repairs).
 * A SIGBUS anywhere else goes to the handler that was installed before, or
 * gets the default action.
 *
 * The kernel kills a thread that faults with SIGBUS blocked, whatever the
 * handler: every thread that touches a guarded mapping calls
 * ipl_shmguard_thread() first.  No per-access cost: nothing is checked until
 * a fault happens.
 */
#ifndef IPL_SHM_GUARD_H
#define IPL_SHM_GUARD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct ipl_shmguard {
	_Atomic uintptr_t lo; /* 0 free, 1 being set up, else the mapping's start */
	_Atomic size_t len;
	_Atomic uint32_t lost; /* 1 once the mapping was replaced by zeros */
};

/* Registers the mapping [addr, addr + len) and unblocks SIGBUS in the calling
 * thread.  Returns the guard (valid until ipl_shmguard_del) or NULL when out
 * of memory. */
struct ipl_shmguard *ipl_shmguard_add(void *addr, size_t len);

/* Forgets the mapping: call before unmapping it.  NULL is a no-op. */
void ipl_shmguard_del(struct ipl_shmguard *g);

/* 1 once the mapping was truncated under us (its content is now zeros). */
static inline int ipl_shmguard_lost(const struct ipl_shmguard *g)
{
	return atomic_load_explicit(&g->lost, memory_order_acquire) != 0;
}

/* The owner has mapped the object again over the same range: clear the
 * flag first, then remap, so a fault after the remap is never missed. */
static inline void ipl_shmguard_rearm(struct ipl_shmguard *g)
{
	atomic_store_explicit(&g->lost, 0, memory_order_seq_cst);
}

/* Makes sure the calling thread can take the handler (SIGBUS unblocked) and
 * that the handler is installed (a test harness may have replaced it). */
void ipl_shmguard_thread(void);

#endif
