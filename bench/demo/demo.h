/* demo.h - `ipclab demo MECH`: one exchange, traced and explained.
 *
 * The demo runs a real exchange through the real library: the parent
 * prepares the endpoint, forks the server, and acts as the client.  Both
 * sides wrap their connection in a tracing conn (narrate.h) that records
 * every send and recv with its bytes into an event log in shared memory
 * (log.h); the parent prints the log (print.h), in the order things
 * happened, once the exchange is over.  What is said about the mechanism
 * comes from its describe table (common/transport.h), so the demo never
 * looks inside a mechanism and a new mechanism needs no edit here.  A
 * mechanism whose describe->walk is IPL_TP_WALK_RPC_STUBS is walked through
 * rpc/'s client and server stubs over a traced carrier (demo_rpc.h).
 *
 * Modules (each uses only those after it): demo.c (the run) -> print.c ->
 * demo_rpc.c, narrate.c -> log.c.  Beside the walk, called by cmd_demo.c
 * alone: demo_rpcbind.c (--register: binding) and demo_rpcudp.c (--via
 * udp: a lost reply and the duplicate-request cache; uses demo_rpc.c's
 * annotator).
 */
#ifndef IPL_DEMO_H
#define IPL_DEMO_H

#include "common/transport.h"

#define IPL_DEMO_DEFAULT_PAYLOAD "hello, ipclab!"
#define IPL_DEMO_PAYLOAD_MAX 4096
#define IPL_DEMO_INTS_MAX 8 /* --proc sum: few enough to read on one screen */

struct ipl_demo_cfg {
	const struct ipl_transport *tp;  /* what is demonstrated */
	const struct ipl_transport *via; /* a layered tp's carrier; NULL = the default */
	const char *payload;             /* the ECHO payload, <= IPL_DEMO_PAYLOAD_MAX bytes */
	uint32_t proc;                   /* rpc's procedure: 0 = ECHO, or ipl_demo_rpc_proc()'s */
	int32_t ints[IPL_DEMO_INTS_MAX]; /* ADD's two, SUM's nints arguments */
	unsigned nints;
	int color;                       /* ANSI colours in the output */
};

/* Runs one demo and prints it on stdout (failures to start on stderr).
 * Returns the exit status: 0 the exchange completed and verified, 1 not. */
int ipl_demo_run(const struct ipl_demo_cfg *cfg);

#endif
