/* demo_rpcbind.h - `ipclab demo rpc --register`: binding, step by step.
 * A client that knows only a host and a program number asks the host's
 * rpcbind (the ONC RPC matchmaker, at the well-known port 111) where the
 * program is: one RPCBPROC_GETADDR call (RFC 1833, rpcbind version 4), made
 * with rpc/rpcbind.c's codec over a real connection, its CALL and REPLY
 * bytes shown field by field, and the universal address decoded. */
#ifndef IPL_DEMO_RPCBIND_H
#define IPL_DEMO_RPCBIND_H

#include "common/transport.h"

#include <stdint.h>

/* Asks the rpcbind at addr (over tp, e.g. tcp "127.0.0.1:111") where
 * (prog, vers, netid) is, printing each step on stdout; then asks where
 * rpcbind itself is (program 100000), an entry that is always there.  No
 * rpcbind there: one line on stderr.  Returns the exit status: 0 done (a
 * program not registered is an answer too), 1 no rpcbind or a bad reply. */
int ipl_demo_rpcbind_run(const struct ipl_transport *tp, const char *addr, uint32_t prog, uint32_t vers,
			 const char *netid, int color);

#endif
