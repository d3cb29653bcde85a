/* layer.c - see layer.h. */
#include "rpc/layer.h"

#include "common/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ipl_layer_carrier(struct ipl_endpoint *ep, struct ipl_endpoint **out)
{
	if (!ep->priv) {
		const struct ipl_transport *via = ep->opts.via; /* the registry sets a default */
		if (!via)
			return -EINVAL;
		if (via->caps & IPL_CAP_LAYERED)
			return IPL_EUNSUPP;
		struct ipl_endpoint *car = calloc(1, sizeof *car);
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

int ipl_layer_prepare(struct ipl_endpoint *ep)
{
	struct ipl_endpoint *car;
	int rc = ipl_layer_carrier(ep, &car);
	if (rc == 0)
		rc = ipl_endpoint_prepare(car);
	if (rc == 0)
		memcpy(ep->addr, car->addr, sizeof ep->addr);
	return rc;
}

int ipl_layer_attach_server(struct ipl_endpoint *ep)
{
	struct ipl_endpoint *car;
	int rc = ipl_layer_carrier(ep, &car);
	return rc ? rc : ipl_endpoint_attach_server(car);
}

int ipl_layer_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	struct ipl_endpoint *car;
	int rc = ipl_layer_carrier(ep, &car);
	if (rc < 0)
		return rc;
	if (atomic_load(&ep->cancel))
		ipl_endpoint_cancel(car);
	return ipl_endpoint_accept(car, out);
}

int ipl_layer_connect(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	struct ipl_endpoint *car;
	int rc = ipl_layer_carrier(ep, &car);
	if (rc < 0)
		return rc;
	if (ep->addr[0])
		memcpy(car->addr, ep->addr, sizeof car->addr);
	return ipl_endpoint_attach_client(car, idx, out);
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

void ipl_layer_cancel(struct ipl_endpoint *ep)
{
	if (ep->priv)
		ipl_endpoint_cancel(ep->priv);
}
