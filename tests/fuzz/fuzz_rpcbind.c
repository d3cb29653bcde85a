/* fuzz_rpcbind - the rpcbind client's reply decoder and universal-address
 * parser under a hostile rpcbind.  Input: one byte choosing the rpcbind
 * version (2, 3, 4) and procedure (SET, UNSET, GETADDR), then the reply
 * record (no record mark) whose first word is taken as the xid expected, so
 * most inputs get past the xid check.  A decoded GETADDR address is then
 * parsed as a universal address. */
#include "common/err.h"
#include "rpc/rpcbind.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1)
		return 0;
	uint32_t vers = 2u + d[0] % 3u, proc = 1u + (d[0] >> 2) % 3u;
	const uint8_t *rec = d + 1;
	size_t len = n - 1;
	uint32_t xid = len >= 4 ? (uint32_t)rec[0] << 24 | (uint32_t)rec[1] << 16 |
					  (uint32_t)rec[2] << 8 | rec[3]
				: 0;
	struct ipl_rpcb_result r;
	int rc = ipl_rpcb_decode_reply(rec, len, xid, vers, proc, &r);
	if (rc == 0 && strnlen(r.uaddr, sizeof r.uaddr) >= sizeof r.uaddr)
		abort(); /* the decoder must leave a terminated, bounded string */
	if (rc == 0 && (r.ok < 0 || r.ok > 1 || r.port > 65535))
		abort();
	char hp[IPL_ADDR_MAX];
	uint16_t port;
	if (rc == 0 && ipl_rpcb_uaddr_to_hostport(r.uaddr, hp, sizeof hp, &port) == 0 &&
	    !memchr(hp, ':', strlen(hp)))
		abort(); /* HOST:PORT always has its colon */
	return 0;
}
