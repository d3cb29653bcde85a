/* layer.h - the carrier endpoint under a layered transport (rpc, oncrpc).
 *
 * A layered transport's ep->priv points to its own struct whose FIRST member
 * is the carrier's struct ipl_endpoint; these functions create it on first
 * use (a connect-only client never prepares) and delegate to it.
 */
#ifndef IPL_LAYER_H
#define IPL_LAYER_H

#include "common/transport.h"

#include <stddef.h>

/* Returns the carrier endpoint of ep in *out, creating ep->priv (size bytes,
 * zeroed) on first use with via as the carrier and ep's options and address.
 * Returns 0, IPL_EUNSUPP when via is NULL, or -ENOMEM. */
int ipl_layer_carrier(struct ipl_endpoint *ep, const struct ipl_transport *via, size_t size,
		      struct ipl_endpoint **out);

/* Prepares the carrier and takes its address as ep's own. */
int ipl_layer_prepare(struct ipl_endpoint *car, struct ipl_endpoint *ep);

/* Releases the carrier's fds, if there is a carrier. */
void ipl_layer_release(struct ipl_endpoint *ep);

/* Cleans the carrier up and frees ep->priv. */
void ipl_layer_cleanup(struct ipl_endpoint *ep);

#endif
