/* registry.c - every transport ipclab knows, by name, in display order.
 * A mechanism is added by exporting its table and listing it here. */
#include "ipl_config.h"
#include "bench/registry/registry.h"

#include <stdio.h>
#include <string.h>

extern const struct ipl_transport ipl_tcp_transport;
extern const struct ipl_transport ipl_unix_transport;
extern const struct ipl_transport ipl_seqpacket_transport;
extern const struct ipl_transport ipl_pipe_transport;
extern const struct ipl_transport ipl_fifo_transport;
extern const struct ipl_transport ipl_shm_transport;
extern const struct ipl_transport ipl_mq_transport;
extern const struct ipl_transport ipl_rpc_transport;
extern const struct ipl_transport ipl_udp_transport;
#if IPL_HAVE_TIRPC
extern const struct ipl_transport ipl_oncrpc_transport;
#endif
#ifdef IPL_HAVE_ZMQ
extern const struct ipl_transport ipl_zmq_transport;
#endif
#ifdef IPL_HAVE_NNG
extern const struct ipl_transport ipl_nng_transport;
#endif

static const struct ipl_transport *const all[] = {
	&ipl_tcp_transport,       &ipl_udp_transport,  &ipl_unix_transport,
	&ipl_seqpacket_transport, &ipl_pipe_transport, &ipl_fifo_transport,
	&ipl_shm_transport,       &ipl_mq_transport,   &ipl_rpc_transport,
#if IPL_HAVE_TIRPC
	&ipl_oncrpc_transport, /* built when libtirpc is installed */
#endif
#ifdef IPL_HAVE_ZMQ
	&ipl_zmq_transport, /* built when libzmq is installed (zmq/zmq.mk) */
#endif
#ifdef IPL_HAVE_NNG
	&ipl_nng_transport, /* built when libnng is installed (nng/nng.mk) */
#endif
};

size_t ipl_transport_count(void)
{
	return sizeof all / sizeof all[0];
}

const struct ipl_transport *ipl_transport_at(size_t i)
{
	return i < ipl_transport_count() ? all[i] : NULL;
}

const struct ipl_transport *ipl_transport_find(const char *name)
{
	for (size_t i = 0; i < ipl_transport_count(); i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

const struct ipl_transport *ipl_default_carrier(void)
{
	return &ipl_unix_transport;
}

const struct ipl_transport *ipl_network_carrier(void)
{
	return &ipl_tcp_transport;
}

const struct ipl_transport *ipl_carrier_of(const struct ipl_transport *tp, const struct ipl_transport *via)
{
	if (!tp || !(tp->caps & IPL_CAP_LAYERED))
		return NULL;
	return via ? via : ipl_default_carrier();
}

int ipl_layer_over_datagrams(const struct ipl_transport *tp, const struct ipl_transport *car, const char *name)
{
	return tp && car && (car->caps & IPL_CAP_DATAGRAM) && !strcmp(tp->name, name);
}

uint32_t ipl_max_payload_of(const struct ipl_transport *tp, const struct ipl_transport *via, const char **why)
{
	const struct ipl_transport *car = ipl_carrier_of(tp, via);
	int dg = car && (car->caps & IPL_CAP_DATAGRAM);
	if (why)
		*why = dg ? tp->max_why_dgram : tp->max_why;
	return dg ? tp->max_payload_dgram : tp->max_payload;
}

unsigned ipl_effective_caps(const struct ipl_transport *tp, const struct ipl_transport *via)
{
	const struct ipl_transport *car = ipl_carrier_of(tp, via);
	if (!car)
		return tp ? tp->caps : 0;
	const unsigned from_carrier = IPL_CAP_NEEDS_FORK | IPL_CAP_CROSS_HOST | IPL_CAP_NAMED;
	return (tp->caps & ~from_carrier) | (car->caps & from_carrier);
}

void ipl_endpoint_setup(struct ipl_endpoint *ep, const struct ipl_transport *tp,
			const struct ipl_tp_opts *opts, const char *addr)
{
	ipl_endpoint_init(ep, tp, opts, addr);
	if (!ep->opts.via)
		ep->opts.via = ipl_carrier_of(tp, NULL);
}

int ipl_carrier_usable(const struct ipl_transport *tp, const struct ipl_transport *car)
{
	return !tp->carrier_ok || tp->carrier_ok(car);
}

/* Joins the names of the transports pick() accepts: "a", "a and b",
 * "a, b and c" (conj "and" or "or"). */
static const char *join_names(char *buf, size_t len, const char *conj,
			      int (*pick)(const struct ipl_transport *t, const void *ctx), const void *ctx)
{
	size_t n = 0, total = 0, used = 0;
	for (size_t i = 0; i < ipl_transport_count(); i++)
		total += pick(ipl_transport_at(i), ctx) != 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ipl_transport_count() && used < len; i++) {
		const struct ipl_transport *t = ipl_transport_at(i);
		if (!pick(t, ctx))
			continue;
		const char *sep = n == 0 ? "" : n + 1 == total ? conj : ", ";
		int w = snprintf(buf + used, len - used, "%s%s", sep, t->name);
		used += w > 0 ? (size_t)w : 0;
		n++;
	}
	return buf;
}

static int has_caps(const struct ipl_transport *t, const void *ctx)
{
	unsigned caps = *(const unsigned *)ctx;
	return (t->caps & caps) == caps;
}

static int carries(const struct ipl_transport *t, const void *ctx)
{
	return !(t->caps & IPL_CAP_LAYERED) && ipl_carrier_usable(ctx, t);
}

const char *ipl_names_with_caps(char *buf, size_t len, unsigned caps)
{
	return join_names(buf, len, " and ", has_caps, &caps);
}

const char *ipl_carriers_for(char *buf, size_t len, const struct ipl_transport *tp)
{
	return join_names(buf, len, " or ", carries, tp);
}
