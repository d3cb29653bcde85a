/* rpcdgram.h - ONC RPC over a datagram carrier (udp in raw mode): one
 * call or reply per datagram, no record marking (RFC 5531 sec. 11 leaves
 * framing to the transport; a datagram is already one message).
 *
 * What a datagram transport adds to RPC, and lives here:
 *   - reading: a message is one whole datagram, read at once and then
 *     taken apart in place (ipl_rpc_dg_read, _finish);
 *   - client reliability: every call sent is kept until its reply comes;
 *     when none comes within the timeout the calls in flight are sent again
 *     (same xid), with the timeout doubled each try, up to a number of
 *     tries; replies are matched by xid, so a late or doubled reply finds
 *     no call and is dropped (the caller does that);
 *   - loss injection for tests and labs (IPCLAB_RPC_DROP_EVERY=N: the
 *     client drops every Nth reply datagram it receives, so the server has
 *     run the procedure and the retransmission shows what a second run
 *     does; IPCLAB_UDP_DROP_EVERY drops calls at the server).
 *
 * Timing: the carrier's receive waits one slice (the udp client's
 * IPCLAB_UDP_TIMEOUT_MS, default 200 ms) and then reports -ETIMEDOUT; the
 * first timeout is one slice, the k-th 2^(k-1) slices, measured on the
 * monotonic clock from the send (datagrams that are not the reply do not
 * stop it), and after IPL_RPC_DG_TRIES sends in all the call fails with
 * -ETIMEDOUT.
 */
#ifndef IPL_RPCDGRAM_H
#define IPL_RPCDGRAM_H

#include "common/dgretry.h"
#include "common/msgio.h"
#include "common/transport.h"

#include <stddef.h>
#include <stdint.h>

#define IPL_RPC_DG_TRIES IPL_DG_TRIES /* common/dgretry.h */
#define IPL_RPC_DG_MAX 65507u         /* the largest UDP datagram (IPv4) */

struct ipl_rpc_dg_copy; /* a call in flight, kept for retransmission */

/* One conn's datagram state.  Zero it, then ipl_rpc_dg_init. */
struct ipl_rpc_dg {
	struct ipl_buf in; /* the datagram being read */
	size_t in_len, in_off;
	int have;            /* in holds a datagram not yet finished */
	int client;          /* retransmit (client) or not (server) */
	unsigned drop_every; /* IPCLAB_RPC_DROP_EVERY (client) */
	uint64_t seen;
	unsigned wait, tries; /* the current timeout, in receive slices */
	unsigned slice_ms;    /* one slice: ipl_rpc_dg_timeout_ms() at init */
	/* when the calls in flight go again (ipl_now_ms; 0: not armed yet): a
	 * deadline, not a count of empty receives, so a peer that keeps
	 * sending other datagrams cannot hold a retransmission back.  Armed
	 * lazily, at the first empty slice or other datagram after a send
	 * (slices, heard): a reply that comes first reads no clock. */
	uint64_t due_ms;
	unsigned slices, heard;
	uint64_t retrans; /* calls sent again, in all */
	struct ipl_rpc_dg_copy *copies;
	size_t ncopies, capcopies;
};

/* The first timeout in ms: the udp carrier's receive slice
 * (IPCLAB_UDP_TIMEOUT_MS as sockets/udp.c reads it, default 200), for the
 * record; the k-th retry waits 2^k of it. */
unsigned ipl_rpc_dg_timeout_ms(void);

/* Sets d up for a client (retransmits) or a server.  Reads the loss
 * setting from the environment. */
void ipl_rpc_dg_init(struct ipl_rpc_dg *d, int client);
/* Frees d's buffers (not the carrier). */
void ipl_rpc_dg_free(struct ipl_rpc_dg *d);

/* Reads exactly n bytes of the current message, first receiving the next
 * datagram when none is being read (a client retransmits while it waits).
 * Returns 0; IPL_EXDR when the datagram is shorter (a malformed message:
 * the caller drops it with _finish and goes on); IPL_ECLOSED when the
 * carrier reads EOF; -ETIMEDOUT when a client's tries ran out; or the
 * carrier's code. */
int ipl_rpc_dg_read(struct ipl_rpc_dg *d, struct ipl_conn *car, void *buf, size_t n);
/* 1 when at least n more bytes are left in the current datagram. */
int ipl_rpc_dg_has(const struct ipl_rpc_dg *d, size_t n);
/* Ends the current message: appends what is left of it to b after *have
 * bytes when b is given (else drops it).  Returns 0 or -ENOMEM. */
int ipl_rpc_dg_finish(struct ipl_rpc_dg *d, struct ipl_buf *b, size_t *have);

/* Sends iov as one datagram.  A client with keep set keeps a copy under
 * xid for retransmission until ipl_rpc_dg_answered.  Returns 0, -EMSGSIZE
 * (over IPL_RPC_DG_MAX), -ENOMEM or the carrier's code. */
int ipl_rpc_dg_send(struct ipl_rpc_dg *d, struct ipl_conn *car, const struct iovec *iov, int cnt,
		    uint32_t xid, int keep);
/* The reply to xid came: forget its copy and restart the timeout.
 * Returns 1 when xid was in flight, 0 when not (a stale or doubled reply). */
int ipl_rpc_dg_answered(struct ipl_rpc_dg *d, uint32_t xid);

#endif
