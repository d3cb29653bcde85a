/* demo_rpcudp.h - `ipclab demo rpc --via udp`: ONC RPC over datagrams, one
 * lost reply, the retransmission of the same xid, and what the server does
 * with it: answered from the duplicate-request cache (at-most-once), or
 * run again (at-least-once), shown with INCR, whose value tells which. */
#ifndef IPL_DEMO_RPCUDP_H
#define IPL_DEMO_RPCUDP_H

/* Runs the demo and prints it on stdout (a failure to start on stderr).
 * at_least_once: no cache.  Returns the exit status: 0 when INCR returned
 * what the semantics promises (1 at-most-once, 2 at-least-once), else 1. */
int ipl_demo_rpcudp_run(int at_least_once, int color);

#endif
