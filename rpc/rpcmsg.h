/* rpcmsg.h - ONC RPC version 2 messages (RFC 5531) and record marking.
 *
 * A call is   xid, CALL, rpcvers=2, prog, vers, proc, cred, verf, args...
 * a reply is  xid, REPLY, then either MSG_ACCEPTED (verf, accept_stat and
 * results or mismatch info) or MSG_DENIED (RPC_MISMATCH low/high, or
 * AUTH_ERROR with an auth_stat).  The xid is opaque to the server: it is
 * copied into the reply and the client matches replies by equality only.
 *
 * On a stream every message is one record (rpc/recmark.h, included here
 * for everyone that frames messages).
 *
 * The encoders write the message header only (everything before the args or
 * results); the caller appends those with the XDR encoder.  The decoders
 * read the header and leave the decoder positioned at the args/results.
 */
#ifndef IPL_RPCMSG_H
#define IPL_RPCMSG_H

#include "common/transport.h"
#include "rpc/recmark.h"
#include "rpc/xdr.h"

#include <stdint.h>

#define IPL_RPC_VERS 2u
#define IPL_RPC_AUTH_MAX 400u    /* opaque_auth body<400> */
#define IPL_RPC_MACHINE_MAX 255u /* authsys machinename<255> */
#define IPL_RPC_GIDS_MAX 16u     /* authsys gids<16> */

enum ipl_rpc_msg_type { IPL_RPC_CALL = 0, IPL_RPC_REPLY = 1 };
enum ipl_rpc_reply_stat { IPL_RPC_MSG_ACCEPTED = 0, IPL_RPC_MSG_DENIED = 1 };
enum ipl_rpc_accept_stat {
	IPL_RPC_SUCCESS = 0,
	IPL_RPC_PROG_UNAVAIL = 1,
	IPL_RPC_PROG_MISMATCH = 2,
	IPL_RPC_PROC_UNAVAIL = 3,
	IPL_RPC_GARBAGE_ARGS = 4,
	IPL_RPC_SYSTEM_ERR = 5
};
enum ipl_rpc_reject_stat { IPL_RPC_RPC_MISMATCH = 0, IPL_RPC_AUTH_ERROR = 1 };
enum ipl_rpc_auth_stat {
	IPL_RPC_AUTH_OK = 0,
	IPL_RPC_AUTH_BADCRED = 1,
	IPL_RPC_AUTH_REJECTEDCRED = 2,
	IPL_RPC_AUTH_BADVERF = 3,
	IPL_RPC_AUTH_REJECTEDVERF = 4,
	IPL_RPC_AUTH_TOOWEAK = 5
};
enum ipl_rpc_auth_flavor { IPL_RPC_AUTH_NONE = 0, IPL_RPC_AUTH_SYS = 1 };

/* opaque_auth; body points into the decoded buffer (or the caller's data). */
struct ipl_rpc_auth {
	uint32_t flavor;
	uint32_t len;
	const uint8_t *body;
};

/* authsys_parms (AUTH_SYS credential body). */
struct ipl_rpc_authsys {
	uint32_t stamp;
	char machine[IPL_RPC_MACHINE_MAX + 1];
	uint32_t uid, gid;
	uint32_t ngids;
	uint32_t gids[IPL_RPC_GIDS_MAX];
};

struct ipl_rpc_call {
	uint32_t xid;
	uint32_t rpcvers; /* decoded as sent, so a server can answer RPC_MISMATCH */
	uint32_t prog, vers, proc;
	struct ipl_rpc_auth cred, verf;
};

/* What a reply says.  stat: MSG_ACCEPTED (accept_stat valid) or MSG_DENIED
 * (reject_stat valid).  low/high: the versions for PROG_MISMATCH and
 * RPC_MISMATCH.  auth_stat: for AUTH_ERROR. */
struct ipl_rpc_reply {
	uint32_t xid;
	uint32_t stat;
	uint32_t accept_stat;
	uint32_t reject_stat;
	uint32_t low, high;
	uint32_t auth_stat;
	struct ipl_rpc_auth verf;
};

/* Encodes a call header (up to and excluding the args). */
void ipl_rpc_call_encode(struct ipl_xdr_enc *x, const struct ipl_rpc_call *c);
/* Encodes a reply header; for an accepted SUCCESS the results follow. */
void ipl_rpc_reply_encode(struct ipl_xdr_enc *x, const struct ipl_rpc_reply *r);

/* Decodes a call header.  Returns 0, IPL_EXDR (truncated, a length over its
 * cap) or IPL_EPROTO (not a CALL).  An rpcvers other than 2 decodes (the
 * server must answer it with RPC_MISMATCH), its body is not read. */
int ipl_rpc_call_decode(struct ipl_xdr_dec *x, struct ipl_rpc_call *c);
/* Decodes a reply header.  Returns 0, IPL_EXDR or IPL_EPROTO (not a REPLY,
 * an unknown status). */
int ipl_rpc_reply_decode(struct ipl_xdr_dec *x, struct ipl_rpc_reply *r);

/* Decodes an AUTH_SYS credential body.  Returns 0 or IPL_EXDR. */
int ipl_rpc_authsys_decode(const struct ipl_rpc_auth *cred, struct ipl_rpc_authsys *out);
/* Encodes an AUTH_SYS body into buf[cap]; returns its length or IPL_EXDR. */
int ipl_rpc_authsys_encode(const struct ipl_rpc_authsys *a, uint8_t *buf, size_t cap);

/* Maps a reply that is not an accepted SUCCESS to a short text. */
const char *ipl_rpc_reply_text(const struct ipl_rpc_reply *r);

#endif
