/* bind.h - binding for the command line: `ipclab serve --register` tells
 * this host's rpcbind where the rpc server listens, `ipclab bench --connect
 * HOST` (no port) asks HOST's rpcbind where it is (rpc/rpcbind.h speaks
 * the protocol; this file picks the transports and prints what happened). */
#ifndef IPL_BENCH_BIND_H
#define IPL_BENCH_BIND_H

#include "common/transport.h"

#include <stddef.h>

/* What serve registered: kept to take it back at exit. */
struct ipl_bind_reg {
	int done;       /* registered, not yet taken back */
	char netid[16]; /* "tcp", "tcp6", "udp", "udp6", "local" */
	char uaddr[IPL_ADDR_MAX + 16];
};

/* Registers ep (prepared, of layered tp over carrier car) with the local
 * rpcbind as program IPL_RPC_PROG version 1: an earlier registration of
 * the same program, version and netid (a killed server's) is taken back
 * first.  Prints one line per registration on stderr.  Returns 0, or -1
 * with one line in err (no rpcbind, a carrier rpcbind cannot name, a
 * refusal). */
int ipl_bind_register(const struct ipl_endpoint *ep, const struct ipl_transport *car,
		      struct ipl_bind_reg *reg, char *err, size_t errlen);

/* Takes reg back when rpcbind still holds our address for it (a later
 * server's registration is left alone); says so on stderr.  Quiet no-op
 * when nothing is registered. */
void ipl_bind_unregister(struct ipl_bind_reg *reg);

/* Whether a --connect address is a bare host (no port, no path): "HOST",
 * an IPv4 literal or "[V6]".  Host names are letters, digits, dots, dashes;
 * an existing file of that name is a path. */
int ipl_bind_is_host(const char *addr);

/* For --connect HOST with a layered mechanism over proto ("tcp", the
 * default, or "udp"): asks HOST's rpcbind, over proto itself, for the
 * address of program IPL_RPC_PROG version 1 with netid proto (proto6 for
 * an IPv6 HOST) (GETADDR, falling back to GETPORT), says on stderr what it
 * found and writes "HOST:PORT" into out[outlen].  Returns 0 or -1 with one
 * line in err (also for an answer with port 0 or no address). */
int ipl_bind_lookup(const char *host, const char *proto, char *out, size_t outlen, char *err, size_t errlen);

#endif
