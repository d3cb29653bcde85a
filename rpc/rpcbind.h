/* rpcbind.h - binding: a client of rpcbind (RFC 1833), the ONC RPC
 * matchmaker, over ipclab's own RPC messages (rpc/rpcmsg.h) and transports.
 *
 * A server tells the rpcbind of its host "program P version V is reached
 * over netid N at universal address A" (SET; UNSET takes it back); a client
 * asks that rpcbind where (P, V, N) is (GETADDR) and then connects there.
 * rpcbind is itself program 100000, at port 111 (and, on Linux, at the unix
 * socket /run/rpcbind.sock, where it trusts the caller's uid: registering
 * is only allowed from this host).  rpcbind answers GETADDR for the netid of
 * the transport the question came in on, so a udp address is asked over
 * udp: a session over a datagram carrier (ipclab's udp in raw mode) sends
 * each call as one datagram, no record mark (RFC 5531 sec. 11), and sends
 * it again while no reply comes.  Its versions 3 and 4 speak `rpcb'
 * records with netids and universal addresses; version 2 (portmap) speaks
 * `mapping' records with an IP protocol and a port.  Every call here tries
 * 4, then 3, then 2 (for tcp and udp only) when a version is refused.
 *
 * Universal addresses (RFC 5665): "h1.h2.h3.h4.p1.p2" for IPv4 and
 * "x:x::x.p1.p2" for IPv6, the port as its two bytes in decimal; for the
 * netid "local" (a unix socket) the path itself.
 *
 * Every reply is hostile: records are capped (IPL_RPCB_REPLY_MAX), strings
 * are bounded (IPL_RPCB_STR_MAX), a reply must be exactly its results, and
 * a call waits for its reply at most the session's timeout.
 */
#ifndef IPL_RPCBIND_H
#define IPL_RPCBIND_H

#include "common/msgio.h"
#include "common/transport.h"
#include "rpc/rpcmsg.h"

#include <stddef.h>
#include <stdint.h>

#define IPL_RPCB_PROG 100000u
#define IPL_RPCB_PORT 111
#define IPL_RPCB_SOCK "/run/rpcbind.sock"
#define IPL_RPCB_STR_MAX 255u    /* netid, universal address, owner */
#define IPL_RPCB_REPLY_MAX 1024u /* largest reply record accepted */
#define IPL_RPCB_TIMEOUT_MS 5000 /* default bound on one call */

/* Procedures: the same numbers in versions 2 (PMAPPROC_*) and 3/4 (RPCBPROC_*). */
enum ipl_rpcb_proc { IPL_RPCB_SET = 1, IPL_RPCB_UNSET = 2, IPL_RPCB_GETADDR = 3 };

/* What a call is about: rpcb for versions 3/4 (owner "" is sent as the
 * caller's uid); version 2 derives its mapping {prog, vers, prot, port}
 * from netid and uaddr. */
struct ipl_rpcb_map {
	uint32_t prog, vers;
	const char *netid; /* "tcp", "udp", "local", "tcp6", ... */
	const char *uaddr; /* universal address; "" for GETADDR and UNSET */
};

/* A decoded reply.  hdr: the reply header (after IPL_ERPC, what was
 * refused).  ok: SET/UNSET's bool.  uaddr: GETADDR's address ("" = not
 * registered).  port: GETPORT's port (0 = not registered). */
struct ipl_rpcb_result {
	struct ipl_rpc_reply hdr;
	int ok;
	uint32_t port;
	char uaddr[IPL_RPCB_STR_MAX + 1];
};

/* ---- the codec (no I/O: tests and fuzz targets call these) -------------- */

/* Encodes the call (xid, rpcbind version 2, 3 or 4, proc, m) as one record
 * without its record mark into buf[cap].  Returns its length, IPL_EXDR
 * (does not fit, a string over IPL_RPCB_STR_MAX) or IPL_EUNSUPP (version 2
 * for a netid other than tcp/udp, or a uaddr without a port). */
int ipl_rpcb_encode_call(uint8_t *buf, size_t cap, uint32_t xid, uint32_t vers, uint32_t proc,
			 const struct ipl_rpcb_map *m);

/* Decodes a reply record rec[0..len) (no record mark) to the call (xid,
 * vers, proc) into *out.  Returns 0; IPL_ESEQ (another xid); IPL_EPROTO
 * (not a reply, an unknown status); IPL_EXDR (truncated, a string over
 * IPL_RPCB_STR_MAX or with a NUL, a bool not 0/1, a port over 65535, bytes
 * after the results); IPL_ERPC (denied, or accepted with another status
 * than SUCCESS: out->hdr says which). */
int ipl_rpcb_decode_reply(const uint8_t *rec, size_t len, uint32_t xid, uint32_t vers, uint32_t proc,
			  struct ipl_rpcb_result *out);

/* "127.0.0.1:4242" or "[::1]:4242" (numeric only) -> "127.0.0.1.16.146" or
 * "::1.16.146" in out[outlen].  Returns 0 or IPL_EADDR. */
int ipl_rpcb_uaddr_from_hostport(const char *hostport, char *out, size_t outlen);

/* The reverse, for an IP universal address: "HOST:PORT" or "[V6]:PORT" in
 * out[outlen], *port the port.  A numeric host is required and checked;
 * the port bytes must be 0..255.  Returns 0 or IPL_EADDR. */
int ipl_rpcb_uaddr_to_hostport(const char *uaddr, char *out, size_t outlen, uint16_t *port);

/* ---- a session with one rpcbind ---------------------------------------- */

struct ipl_rpcb {
	struct ipl_endpoint ep; /* how rpcbind was reached */
	struct ipl_conn *conn;
	int dgram;      /* over datagrams (udp): one call per datagram */
	int timeout_ms; /* bound on one call */
	uint32_t xid;
	uint32_t vers; /* the version that answered the last call: 4, 3 or 2 */
	struct ipl_buf tx, rx;
	struct ipl_rpcb_result last; /* the last reply */
};

/* Connects to an rpcbind at addr over tp (tcp or udp "HOST:111", unix
 * IPL_RPCB_SOCK); each later call waits at most timeout_ms (0: the
 * default) for its reply.  Over udp a call is sent again after one udp
 * receive slice (IPCLAB_UDP_TIMEOUT_MS, default 200 ms), then after twice
 * that, and so on, until the timeout.  Returns 0 or tp's attach_client
 * code (-ECONNREFUSED, -ENOENT: no rpcbind there; over udp a missing
 * rpcbind shows at the first call, as -ECONNREFUSED or -ETIMEDOUT).  Close
 * it even after a failure. */
int ipl_rpcb_open(struct ipl_rpcb *b, const struct ipl_transport *tp, const char *addr, int timeout_ms);
/* Closes the connection and frees the buffers. */
void ipl_rpcb_close(struct ipl_rpcb *b);

/* Registers m.  Returns 0; IPL_EREFUSED (rpcbind said no: (prog, vers,
 * netid) is taken, or the caller may not); IPL_EUNSUPP (only version 2
 * answers and m's netid is not tcp/udp); or a call's error (below). */
int ipl_rpcb_set(struct ipl_rpcb *b, const struct ipl_rpcb_map *m);
/* Unregisters (prog, vers, netid); m->uaddr is ignored.  Returns 0,
 * IPL_ENOTREG (nothing of ours was registered) or a call's error. */
int ipl_rpcb_unset(struct ipl_rpcb *b, const struct ipl_rpcb_map *m);
/* Looks up (prog, vers, netid) and writes where to connect into addr[len]:
 * "HOST:PORT" / "[V6]:PORT" for an IP netid (a wildcard host, 0.0.0.0 or
 * ::, becomes host, the name rpcbind was asked at; version 2 answers a port
 * only: host:PORT), the path for "local".  What rpcbind said stays in
 * b->last (uaddr or port) and b->vers.  Returns 0, IPL_ENOTREG (not
 * registered), IPL_EADDR (an address that does not parse, port 0, no room) or a
 * call's error.  A call's errors: those of ipl_rpcb_decode_reply (over
 * udp a reply to another xid is a late one and skipped), IPL_ETOOBIG (a
 * reply record or datagram over IPL_RPCB_REPLY_MAX), -ETIMEDOUT (no reply
 * within the timeout) and the transport's (IPL_ECLOSED, ...). */
int ipl_rpcb_getaddr(struct ipl_rpcb *b, const struct ipl_rpcb_map *m, const char *host, char *addr, size_t len);

#endif
