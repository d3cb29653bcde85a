/* xhost.h - may a mechanism reach an address?  The rule behind
 * `ipclab bench --connect ADDR` for mechanisms that cannot cross hosts.
 *
 * The rule: an address "looks like a network address" when it is
 * [V6]:PORT, [V6], a bare IPv6 address, or HOST:PORT with a HOST made of
 * letters, digits, dots and dashes and a numeric PORT -- unless a file of
 * that name exists (a unix socket may be called "db:5432"; the file system
 * wins).  Paths, directories and shm names ("/ipclab-1-ab") never look like
 * one.  A mechanism without IPL_CAP_CROSS_HOST (for a layered one: its
 * carrier, unix by default) is refused a network-looking address: with a
 * "cannot cross hosts" reason when the host is not this one, with "wants a
 * path, not HOST:PORT" when it is.  Names are never resolved through DNS:
 * only numeric addresses, "localhost" and this host's own name count as
 * local, so the check cannot hang.
 */
#ifndef IPL_XHOST_H
#define IPL_XHOST_H

#include "common/transport.h"

#include <stddef.h>

enum ipl_addr_kind {
	IPL_ADDR_NAME = 0,       /* a path, directory, shm name: this host's name space */
	IPL_ADDR_NET_LOCAL = 1,  /* HOST:PORT naming this host */
	IPL_ADDR_NET_REMOTE = 2, /* HOST:PORT naming (as far as we can tell) another host */
};

/* Classifies a --connect address by the rule above. */
enum ipl_addr_kind ipl_addr_classify(const char *addr);

/* The transport that decides whether tp reaches other hosts: tp itself, or
 * for a layered one its carrier via (unix when via is NULL, as rpc does). */
const struct ipl_transport *ipl_effective_carrier(const struct ipl_transport *tp,
						  const struct ipl_transport *via);

/* Returns 0 when tp (over via) may be pointed at addr, or -1 with a
 * one-line reason in err. */
int ipl_connect_check(const struct ipl_transport *tp, const struct ipl_transport *via, const char *addr,
		      char *err, size_t errlen);

#endif
