/* print.h - the demo's output: the introduction, the event log (each
 * message's bytes annotated field by field) and the verdict. */
#ifndef IPL_DEMO_PRINT_H
#define IPL_DEMO_PRINT_H

#include "bench/demo/log.h"
#include "common/transport.h"

struct ipl_demo_out {
	int color; /* ANSI colours (a terminal without NO_COLOR) */
	int rpc;   /* the log shows ONC RPC records (the rpc walk-through) */
};

/* What a user sees first: what tp is, how the exchange goes (its describe
 * intro lines, {via} = car's name), which process is which. */
void ipl_demo_print_intro(const struct ipl_demo_out *o, const struct ipl_transport *tp,
			  const struct ipl_transport *car);

/* Every event of lg, in the order they happened. */
void ipl_demo_print_log(const struct ipl_demo_out *o, const struct ipl_demo_log *lg);

/* The verdict line (and the reason for a failure, rc < 0). */
void ipl_demo_print_result(const struct ipl_demo_out *o, int ok, int rc);

#endif
