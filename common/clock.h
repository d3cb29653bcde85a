/* clock.h - the one clock every measurement uses. */
#ifndef IPL_CLOCK_H
#define IPL_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds: never jumps with wall-clock changes. */
static inline uint64_t ipl_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The same clock in milliseconds: for timeouts and ages, not measurement. */
static inline uint64_t ipl_now_ms(void)
{
	return ipl_now_ns() / 1000000u;
}

/* *ts = now on clock clk plus ms milliseconds: an absolute deadline for
 * pthread_cond_timedwait (on a condvar set to clk) or mq_timed*
 * (CLOCK_REALTIME). */
static inline void ipl_deadline_ms(struct timespec *ts, clockid_t clk, long ms)
{
	clock_gettime(clk, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

#endif
