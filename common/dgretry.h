/* dgretry.h - the retransmission policy of a client over datagrams (rpc
 * over udp, rpc/rpcdgram.c), here so that reports can record it without
 * reaching into a mechanism: the first timeout is the udp carrier's receive
 * slice (IPCLAB_UDP_TIMEOUT_MS as sockets/udp.c reads it, default 200 ms),
 * doubled on every retry, IPL_DG_TRIES sends of a call in all. */
#ifndef IPL_DGRETRY_H
#define IPL_DGRETRY_H

#include <stdlib.h>

#define IPL_DG_TRIES 6u /* sends of one call: the first and five more */

/* The first timeout in ms. */
static inline unsigned ipl_dg_timeout_ms(void)
{
	const char *v = getenv("IPCLAB_UDP_TIMEOUT_MS");
	char *end;
	unsigned long ms = v && *v ? strtoul(v, &end, 10) : 0;
	return ms && !*end && ms <= 600000 ? (unsigned)ms : 200;
}

#endif
