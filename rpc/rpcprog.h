/* rpcprog.h - the ipclab RPC program: client stubs and server stubs.
 *
 * The program (tests/interop/ipclab.x says the same in rpcgen's language):
 *
 *   program IPCLAB_PROG {                      0x2049504c (user-defined range)
 *     version IPCLAB_VERS {                    1
 *       void      NULL(void)            = 0;
 *       opaque<>  ECHO(opaque<>)        = 1;   the same bytes back
 *       void      SINK(opaque<>)        = 2;   consumed, an empty reply
 *       int       ADD(int, int)         = 3;   a + b, wrapping like the
 *                                              two's complement machine
 *       hyper     SUM(int<>)            = 4;   the sum of the elements
 *       void      SINK_BATCH(opaque<>)  = 5;   consumed, NO reply (ONC RPC
 *                                              batching: the caller streams
 *                                              calls and syncs later)
 *       int       INCR(void)            = 6;   the caller's counter plus
 *                                              one, kept: NOT idempotent,
 *                                              so running a call twice
 *                                              shows (at-most-once, drc.h)
 *     } = 1;
 *   } = 0x2049504c;
 *
 * The steps of a remote procedure call, as the client sees them:
 *   1. the program calls a client stub, ipl_rpc_add(cl, 2, 3, &sum);
 *   2. the stub marshals the arguments into an XDR CALL message;
 *   3. the message goes to the kernel as one record (ipl_conn_send);
 *   4. the server stub (ipl_rpc_serve_record) unmarshals the arguments,
 *   5. calls the procedure, and marshals its result into a REPLY;
 *   6. the reply travels back and the client stub unmarshals the result.
 */
#ifndef IPL_RPCPROG_H
#define IPL_RPCPROG_H

#include "common/msgio.h"
#include "rpc/rpcdgram.h"
#include "rpc/rpcmsg.h"
#include "common/transport.h"

#include <stdint.h>

#define IPL_RPC_PROG 0x2049504cu
#define IPL_RPC_PROG_VERS 1u
#define IPL_RPC_SUM_MAX (1u << 20) /* SUM takes at most this many ints */

enum ipl_rpc_proc {
	IPL_RPC_PROC_NULL = 0,
	IPL_RPC_PROC_ECHO = 1,
	IPL_RPC_PROC_SINK = 2,
	IPL_RPC_PROC_ADD = 3,
	IPL_RPC_PROC_SUM = 4,
	IPL_RPC_PROC_SINK_BATCH = 5,
	IPL_RPC_PROC_INCR = 6,
	IPL_RPC_NPROCS = 7
};

/* Bytes of record overhead around a payload: record mark, the largest call
 * header we accept (two 400-byte auth bodies), an opaque's length word. */
#define IPL_RPC_OVERHEAD (4u + 24u + 2u * (8u + IPL_RPC_AUTH_MAX) + 4u + 4u)

/* ---- client ------------------------------------------------------------ */

/* A client: a connection of any stream transport (the carrier) plus the
 * program it calls.  Fill with ipl_rpc_clnt_init; free with _free. */
struct ipl_rpc_clnt {
	struct ipl_conn *conn;    /* not owned */
	uint32_t prog, vers;      /* default IPL_RPC_PROG, 1; tests change them */
	uint32_t xid;             /* the next call's xid */
	uint32_t cap;             /* largest payload accepted in a reply */
	struct ipl_rpc_auth cred; /* default AUTH_NONE */
	struct ipl_buf tx, rx;
	size_t rxlen;
	struct ipl_rpc_reply last; /* the last reply: read it after IPL_ERPC */
	struct ipl_rpc_dg *dg;     /* NULL: conn is a stream (record marking);
				      else a datagram carrier in raw mode, and
				      dg (caller's, ipl_rpc_dg_init(dg, 1))
				      retransmits and counts */
};

/* Sets up cl over conn (cap 0 = IPL_DEFAULT_CAP). */
void ipl_rpc_clnt_init(struct ipl_rpc_clnt *cl, struct ipl_conn *conn, uint32_t cap);
/* Frees cl's buffers (not the conn). */
void ipl_rpc_clnt_free(struct ipl_rpc_clnt *cl);

/* The client stubs.  Each returns 0, IPL_ERPC when the server answered with
 * anything but SUCCESS (cl->last says what), IPL_EXDR when the results do
 * not decode, or a transport code. */
int ipl_rpc_null(struct ipl_rpc_clnt *cl);
/* ECHO: out[outcap] receives the reply's bytes, *outlen their count. */
int ipl_rpc_echo(struct ipl_rpc_clnt *cl, const void *in, uint32_t len, void *out, uint32_t outcap,
		 uint32_t *outlen);
int ipl_rpc_sink(struct ipl_rpc_clnt *cl, const void *in, uint32_t len);
/* SINK_BATCH: sends and returns at once; no reply will come. */
int ipl_rpc_sink_batch(struct ipl_rpc_clnt *cl, const void *in, uint32_t len);
int ipl_rpc_add(struct ipl_rpc_clnt *cl, int32_t a, int32_t b, int32_t *sum);
int ipl_rpc_sum(struct ipl_rpc_clnt *cl, const int32_t *v, uint32_t n, int64_t *sum);
/* INCR: *val is the caller's counter after this call. */
int ipl_rpc_incr(struct ipl_rpc_clnt *cl, int32_t *val);

/* Calls any procedure with pre-marshalled args (for tests of the error
 * replies: other programs, versions, procedures).  On 0, *res is positioned
 * at the results inside cl's receive buffer. */
int ipl_rpc_call_raw(struct ipl_rpc_clnt *cl, uint32_t proc, const void *args, size_t alen,
		     struct ipl_xdr_dec *res);

/* ---- server ------------------------------------------------------------ */

/* Handles one whole call record rec[0..len) (record mark removed): checks
 * the RPC version, credentials, program, version and procedure, runs the
 * server stub, and writes the reply record (record mark included) into out,
 * *outlen its length; *outlen = 0 when no reply is due (SINK_BATCH).
 * Returns 0, or IPL_EPROTO/IPL_EXDR when the record is not a call at all
 * (the connection should be closed: RFC 5531 gives no reply for it). */
int ipl_rpc_serve_record(const uint8_t *rec, size_t len, uint32_t cap, struct ipl_buf *out, size_t *outlen);

/* What the program keeps for one client (one connection, or one datagram
 * sender): INCR's counter.  Zero it before the first call. */
struct ipl_rpc_client_state {
	uint32_t counter;
};

/* As ipl_rpc_serve_record, with the calling client's state st (INCR needs
 * it: without st, INCR is answered SYSTEM_ERR). */
int ipl_rpc_serve_call(const uint8_t *rec, size_t len, uint32_t cap, struct ipl_rpc_client_state *st,
		       struct ipl_buf *out, size_t *outlen);

/* Encodes a reply record with no results (an error, or a void SUCCESS) for
 * xid into out[IPL_RPC_ERR_REPLY_MAX]; returns its length. */
#define IPL_RPC_ERR_REPLY_MAX 48u
size_t ipl_rpc_error_record(uint8_t *out, uint32_t xid, const struct ipl_rpc_reply *r);

/* The name of a procedure of the program, or NULL. */
const char *ipl_rpc_proc_name(uint32_t proc);

#endif
