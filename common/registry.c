/* registry.c - every transport ipclab knows, by name, in display order.
 * A mechanism is added by exporting its table and listing it here. */
#include "transport.h"

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
#ifdef IPL_HAVE_TIRPC
extern const struct ipl_transport ipl_oncrpc_transport;
#endif

static const struct ipl_transport *const all[] = {
	&ipl_tcp_transport,
	&ipl_udp_transport,
	&ipl_unix_transport,
	&ipl_seqpacket_transport,
	&ipl_pipe_transport,
	&ipl_fifo_transport,
	&ipl_shm_transport,
	&ipl_mq_transport,
	&ipl_rpc_transport,
#ifdef IPL_HAVE_TIRPC
	&ipl_oncrpc_transport, /* built when libtirpc is installed */
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

void ipl_endpoint_init(struct ipl_endpoint *ep, const struct ipl_transport *tp,
		       const struct ipl_tp_opts *opts, const char *addr)
{
	memset(ep, 0, sizeof *ep);
	ep->tp = tp;
	if (opts)
		ep->opts = *opts;
	if (addr) {
		strncpy(ep->addr, addr, sizeof ep->addr - 1);
	}
}
