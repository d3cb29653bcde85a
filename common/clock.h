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

#endif
