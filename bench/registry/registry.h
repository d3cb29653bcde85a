/* registry.h - every mechanism ipclab knows, by name, and the rules that
 * need all of them: the default carrier of a layered mechanism and what a
 * layered mechanism can do over its carrier.
 *
 * The registry sits above the mechanisms (it names each one's table) and
 * below the driver; common/ and the mechanism folders never call it.
 * Adding a mechanism: its folder, one line in registry.c. */
#ifndef IPL_REGISTRY_H
#define IPL_REGISTRY_H

#include "common/transport.h"

#include <stddef.h>

/* How many transports are compiled in, and the i-th in display order
 * (NULL past the end). */
size_t ipl_transport_count(void);
const struct ipl_transport *ipl_transport_at(size_t i);
/* The transport called name, or NULL. */
const struct ipl_transport *ipl_transport_find(const char *name);

/* The carrier a layered transport runs over when none is given (unix:
 * named, local, a byte stream, no port to pick).  The one place this rule
 * is written. */
const struct ipl_transport *ipl_default_carrier(void);

/* The carrier a layered transport takes when it is served on a HOST:PORT
 * and no carrier is named (tcp). */
const struct ipl_transport *ipl_network_carrier(void);

/* The carrier tp runs over: via, or the default carrier when tp is layered
 * and via is NULL; NULL for a transport that is not layered. */
const struct ipl_transport *ipl_carrier_of(const struct ipl_transport *tp, const struct ipl_transport *via);

/* Whether tp is the layered mechanism called name over the carrier car (as
 * ipl_carrier_of gives it, or a row's via) and car carries datagrams: rpc
 * or oncrpc over udp, whose framing, retransmission and limits differ. */
int ipl_layer_over_datagrams(const struct ipl_transport *tp, const struct ipl_transport *car, const char *name);

/* What tp can do as configured: its own caps, and for a layered transport
 * the carrier's NEEDS_FORK, CROSS_HOST and NAMED in place of its own (an
 * rpc over pipe needs a fork, an rpc over tcp crosses hosts). */
unsigned ipl_effective_caps(const struct ipl_transport *tp, const struct ipl_transport *via);

/* The largest payload one message of tp over via can carry, 0 = no limit
 * but the cap, and *why (may be NULL) one line saying why: tp's own, or a
 * layered one's over a datagram carrier (rpc over udp). */
uint32_t ipl_max_payload_of(const struct ipl_transport *tp, const struct ipl_transport *via, const char **why);

/* Whether the layered tp can run over car (its carrier_ok op; any carrier
 * when it has none). */
int ipl_carrier_usable(const struct ipl_transport *tp, const struct ipl_transport *car);

/* The names of the transports that have every cap in caps ("rpc and
 * oncrpc"), or with tp set, the carriers tp can run over ("tcp or unix"),
 * joined for a message.  Writes at most len bytes to buf; returns buf. */
const char *ipl_names_with_caps(char *buf, size_t len, unsigned caps);
const char *ipl_carriers_for(char *buf, size_t len, const struct ipl_transport *tp);

/* ipl_endpoint_init, and a layered transport without opts->via gets the
 * default carrier: how the driver and the tests make every endpoint. */
void ipl_endpoint_setup(struct ipl_endpoint *ep, const struct ipl_transport *tp,
			const struct ipl_tp_opts *opts, const char *addr);

#endif
