#include "rpc/layer.h"

#include "common/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ipl_layer_carrier(struct ipl_endpoint *ep, const struct ipl_transport *via, size_t size,
		      struct ipl_endpoint **out)
{
	if (!ep->priv) {
		if (!via)
			return IPL_EUNSUPP;
		struct ipl_endpoint *car = calloc(1, size);
		if (!car)
			return -ENOMEM;
		struct ipl_tp_opts o = ep->opts;
		o.via = NULL; /* the carrier is the bottom layer */
		ipl_endpoint_init(car, via, &o, ep->addr[0] ? ep->addr : NULL);
		ep->priv = car;
	}
	*out = ep->priv;
	return 0;
}

int ipl_layer_prepare(struct ipl_endpoint *car, struct ipl_endpoint *ep)
{
	int rc = ipl_endpoint_prepare(car);
	if (rc == 0)
		memcpy(ep->addr, car->addr, sizeof ep->addr);
	return rc;
}

void ipl_layer_release(struct ipl_endpoint *ep)
{
	if (ep->priv)
		ipl_endpoint_release(ep->priv);
}

void ipl_layer_cleanup(struct ipl_endpoint *ep)
{
	if (ep->priv) {
		ipl_endpoint_cleanup(ep->priv);
		free(ep->priv);
		ep->priv = NULL;
	}
}
