/* load.c - the open-loop schedule and its coordinated-omission-corrected
 * latency (load.h). */
#include "common/load.h"
#include "common/clock.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* The last stretch before a due time is spun, not slept: a timer wake-up
 * can be late by tens of microseconds, a spin is not. */
#define SPIN_NS 50000u

uint64_t ipl_load_due(uint64_t start, double rate, uint64_t i)
{
	return start + (uint64_t)((double)i * 1e9 / rate);
}

uint64_t ipl_load_clock_now(void *arg)
{
	(void)arg;
	return ipl_now_ns();
}

void ipl_load_clock_wait(void *arg, uint64_t t)
{
	(void)arg;
	uint64_t now = ipl_now_ns();
	if (now + SPIN_NS < t) {
		uint64_t wake = t - SPIN_NS;
		struct timespec ts = { .tv_sec = (time_t)(wake / 1000000000u),
				       .tv_nsec = (long)(wake % 1000000000u) };
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	while (ipl_now_ns() < t)
		;
}

/* Sends request i: waits for its due time unless it is already late. */
static int send_due(const struct ipl_load_ops *ops, const struct ipl_load_cfg *cfg, uint64_t start, uint64_t i)
{
	ops->wait_until(ops->arg, ipl_load_due(start, cfg->rate, i));
	return ops->send(ops->arg, cfg->seq0 + i);
}

int ipl_load_loop(const struct ipl_load_ops *ops, const struct ipl_load_cfg *cfg, struct ipl_hist *h,
		  struct ipl_load_out *out)
{
	unsigned window = cfg->window ? cfg->window : 1;
	uint64_t start = ops->now(ops->arg), last = start, sent = 0, done = 0;
	int rc = 0;
	memset(out, 0, sizeof *out);
	out->start_ns = start;
	while (done < cfg->count) {
		/* send when the window allows and either nothing is outstanding
		 * (then wait for the due time) or the request is already due;
		 * otherwise take the oldest reply, so it is timed when it comes */
		int can_send = sent < cfg->count && sent - done < window;
		if (can_send && (sent == done || ops->now(ops->arg) >= ipl_load_due(start, cfg->rate, sent))) {
			rc = send_due(ops, cfg, start, sent);
			if (rc < 0)
				break;
			sent++;
			continue;
		}
		rc = ops->recv(ops->arg, cfg->seq0 + done);
		uint64_t t = ops->now(ops->arg);
		if (rc < 0)
			break;
		/* from when the request should have gone out, not when it did */
		uint64_t due = ipl_load_due(start, cfg->rate, done);
		if (rc == 0 && h)
			ipl_hist_record(h, t > due ? t - due : 0);
		done++;
		last = t;
	}
	uint64_t end = ipl_load_due(start, cfg->rate, cfg->count);
	out->sent = sent;
	out->replies = done;
	out->elapsed_ns = (last > end ? last : end) - start;
	return rc < 0 ? rc : 0;
}

int ipl_load_sustained(double offered, double achieved)
{
	return achieved >= IPL_LOAD_SUSTAINED * offered;
}
