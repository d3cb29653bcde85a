/* futex.h - the two futex operations shm needs, on process-shared words. */
#ifndef IPL_SHM_FUTEX_H
#define IPL_SHM_FUTEX_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Sleeps while *w == val, at most ms milliseconds.  Returns 0 (woken),
 * -EAGAIN (value already differed), -ETIMEDOUT or -EINTR.  Not the PRIVATE
 * variant: the word is shared between processes. */
static inline int ipl_futex_wait(_Atomic uint32_t *w, uint32_t val, int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	long r = syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT, val, &ts, NULL, 0);
	return r < 0 ? -errno : 0;
}

/* Wakes every sleeper on w. */
static inline void ipl_futex_wake(_Atomic uint32_t *w)
{
	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

#endif
