/* endpoint.c - the one constructor every endpoint goes through. */
#include "common/transport.h"

#include <string.h>

void ipl_endpoint_init(struct ipl_endpoint *ep, const struct ipl_transport *tp,
		       const struct ipl_tp_opts *opts, const char *addr)
{
	memset(ep, 0, sizeof *ep);
	ep->tp = tp;
	if (opts)
		ep->opts = *opts;
	if (addr)
		strncpy(ep->addr, addr, sizeof ep->addr - 1);
}
