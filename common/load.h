/* load.h - latency under a fixed offered load, with coordinated omission
 * corrected (as wrk2 does).
 *
 * Request i is due at start + i * period.  The client sends it at its due
 * time or, when it is late (a slow reply held it up), as soon as it can; its
 * latency is measured from the due time, not from the moment it was actually
 * sent.  A stall of S ns is so charged to every request it delayed, not to
 * the one reply that was slow: a closed-loop client that stops sending while
 * it waits would otherwise leave those requests out of the histogram
 * (coordinated omission) and report a p99 that never saw the stall.
 *
 * The loop (ipl_load_loop) is written against a small set of operations so
 * that it can run against a real connection (ipl_client_load, client.c) or a
 * simulated clock and server in a test. */
#ifndef IPL_LOAD_H
#define IPL_LOAD_H

#include "common/hist.h"

#include <stdint.h>

/* What the loop does to the world.  Every time is CLOCK_MONOTONIC ns (or
 * the fake clock of a test). */
struct ipl_load_ops {
	uint64_t (*now)(void *arg);
	/* returns at or after t (never much before) */
	void (*wait_until)(void *arg, uint64_t t);
	/* sends request seq: 0 or a negative transport code */
	int (*send)(void *arg, uint64_t seq);
	/* receives and verifies the reply to seq: 0 verified, 1 counted as an
	 * error, or a negative transport code */
	int (*recv)(void *arg, uint64_t seq);
	void *arg;
};

struct ipl_load_cfg {
	double rate;     /* requests per second (> 0) */
	uint64_t count;  /* requests to send */
	unsigned window; /* requests in flight at most (>= 1) */
	uint64_t seq0;   /* the first request's seq */
};

struct ipl_load_out {
	uint64_t sent, replies; /* requests sent, replies received (verified or not) */
	uint64_t start_ns;      /* the schedule's start: request 0's due time */
	uint64_t elapsed_ns;    /* from start to the end of the schedule (the last
				   request's slot) or the last reply, whichever is later */
};

/* Due time of request i of a schedule of rate requests/s from start. */
uint64_t ipl_load_due(uint64_t start, double rate, uint64_t i);

/* Runs cfg->count requests on schedule through ops, recording the latency of
 * each verified reply, from its request's due time, into h (may be NULL).
 * Returns 0 when every request was answered, or the negative code of the
 * send or receive that stopped it.  out is filled either way. */
int ipl_load_loop(const struct ipl_load_ops *ops, const struct ipl_load_cfg *cfg, struct ipl_hist *h,
		  struct ipl_load_out *out);

/* A rate is sustained when at least this share of it was achieved. */
#define IPL_LOAD_SUSTAINED 0.95

/* Whether achieved msgs/s sustains offered: achieved >= 95% of offered. */
int ipl_load_sustained(double offered, double achieved);

/* The real clock's ops: ipl_now_ns, and a wait that sleeps
 * (clock_nanosleep TIMER_ABSTIME) until shortly before t, then spins. */
uint64_t ipl_load_clock_now(void *arg);
void ipl_load_clock_wait(void *arg, uint64_t t);

#endif
