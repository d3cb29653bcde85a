/* narrate.h - what the demo says about a mechanism, from the mechanism.
 *
 * Every per-mechanism text comes from the transport's describe table
 * (common/transport.h: struct ipl_tp_describe); what the demo adds is read
 * from the kernel (/proc/self/fd, /proc/self/maps) or asked through the
 * transport interface (ipl_conn_addr, describe->listen_fd, conn_fds).  A
 * mechanism without a describe table gets generic lines.
 */
#ifndef IPL_DEMO_NARRATE_H
#define IPL_DEMO_NARRATE_H

#include "bench/demo/log.h"
#include "common/transport.h"

#include <stddef.h>

/* What a describe text's placeholders stand for (transport.h lists them). */
struct ipl_demo_vars {
	const char *name;                /* {name} */
	const char *via;                 /* {via}; NULL: ep's carrier, if any */
	const struct ipl_endpoint *ep;   /* {addr} {lfd} {lfd_kind}; may be NULL */
	const struct ipl_conn *conn;     /* {rfd} {wfd}; may be NULL */
	const struct ipl_tp_describe *d; /* the table the accessors come from */
};

/* tp's describe table, or an empty one (never NULL). */
const struct ipl_tp_describe *ipl_demo_describe(const struct ipl_transport *tp);

/* The placeholders of an endpoint step: ep's transport, address, carrier. */
struct ipl_demo_vars ipl_demo_ep_vars(const struct ipl_endpoint *ep);

/* Writes tmpl with its placeholders replaced into out (always terminated,
 * truncated to len); an unknown {word} stays as it is. */
void ipl_demo_expand(const char *tmpl, const struct ipl_demo_vars *v, char *out, size_t len);

/* Logs each line of lines (NULL-terminated) for side, expanded; when lines
 * is NULL, logs fallback instead (when that is not NULL either). */
void ipl_demo_narrate(struct ipl_demo_log *lg, int side, const char *const *lines, const char *fallback,
		      const struct ipl_demo_vars *v);

/* Logs what the conn in (as the transport returned it) is in kernel terms:
 * its fds and addresses, or its shared mappings. */
void ipl_demo_show_conn(struct ipl_demo_log *lg, int side, struct ipl_conn *in);

/* Wraps inner in a conn that logs every send/recv of side into lg (with the
 * call that moves the bytes, from inner's describe table) and then passes it
 * on; detaching the wrapper detaches inner.  NULL on ENOMEM (inner is then
 * detached). */
struct ipl_conn *ipl_demo_trace_conn(struct ipl_conn *inner, struct ipl_demo_log *lg, int side);

#endif
