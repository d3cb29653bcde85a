/* layer.h - the carrier endpoint under a layered transport (rpc, oncrpc).
 *
 * A layered transport's ep->priv is its carrier's struct ipl_endpoint (of
 * transport ep->opts.via), made on first use: by prepare in the parent, by
 * attach_client in a process that only connects.  The endpoint ops below
 * delegate to it and have the table's signatures, so a layer puts them in
 * its table as they are (or calls them after its own checks).
 */
#ifndef IPL_LAYER_H
#define IPL_LAYER_H

#include "common/transport.h"

/* Returns ep's carrier endpoint in *out, making it on first use with ep's
 * options and address.  Returns 0, -EINVAL (no carrier set: ep was not made
 * by ipl_endpoint_init), IPL_EUNSUPP (a layered carrier: one layer is
 * enough) or -ENOMEM. */
int ipl_layer_carrier(struct ipl_endpoint *ep, struct ipl_endpoint **out);

/* Prepares the carrier and takes its address as ep's own.  Returns 0 or
 * as ipl_layer_carrier and the carrier's prepare. */
int ipl_layer_prepare(struct ipl_endpoint *ep);

/* The carrier's attach_server.  Returns 0 or a negative code. */
int ipl_layer_attach_server(struct ipl_endpoint *ep);

/* The carrier's next connection in *out (the caller wraps it).  A cancel
 * flagged on ep before the carrier existed is forwarded first.  Returns 0
 * or as the carrier's accept. */
int ipl_layer_accept(struct ipl_endpoint *ep, struct ipl_conn **out);

/* Client: connects through the carrier to ep->addr (set after the carrier
 * was made, by a process that only connects); *out is the carrier's conn.
 * Returns 0 or as the carrier's attach_client. */
int ipl_layer_connect(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out);

/* Releases the carrier's fds, if there is a carrier. */
void ipl_layer_release(struct ipl_endpoint *ep);

/* Cleans the carrier up and frees it. */
void ipl_layer_cleanup(struct ipl_endpoint *ep);

/* Forwards a cancel to the carrier, where accept blocks.  Async-signal-safe. */
void ipl_layer_cancel(struct ipl_endpoint *ep);

#endif
