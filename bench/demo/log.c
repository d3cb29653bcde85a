/* log.c - the demo's shared event log (log.h). */
#include "bench/demo/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

struct ipl_demo_ev *ipl_demo_ev_new(struct ipl_demo_log *lg)
{
	unsigned i = atomic_fetch_add(&lg->n, 1);
	if (i >= IPL_DEMO_EVENTS)
		return NULL;
	struct ipl_demo_ev *e = &lg->ev[i];
	memset(e, 0, sizeof *e);
	return e;
}

unsigned ipl_demo_ev_count(const struct ipl_demo_log *lg)
{
	unsigned n = atomic_load(&lg->n);
	return n > IPL_DEMO_EVENTS ? IPL_DEMO_EVENTS : n;
}

void ipl_demo_say(struct ipl_demo_log *lg, int side, int kind, const char *fmt, ...)
{
	struct ipl_demo_ev *e = ipl_demo_ev_new(lg);
	if (!e)
		return;
	e->side = side;
	e->kind = kind;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
}

void ipl_demo_mark_step(struct ipl_demo_log *lg, int side, int step)
{
	for (unsigned i = ipl_demo_ev_count(lg); i-- > 0;)
		if (lg->ev[i].side == side) {
			lg->ev[i].rpc_step = step;
			return;
		}
}
