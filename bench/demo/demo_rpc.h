/* demo_rpc.h - the rpc walk-through of `ipclab demo` (a mechanism whose
 * describe->walk is IPL_TP_WALK_RPC_STUBS): rpc/'s client and server stubs
 * over a traced carrier connection, and an RFC 5531 reading of the bytes. */
#ifndef IPL_DEMO_RPC_H
#define IPL_DEMO_RPC_H

#include "bench/demo/log.h"
#include "common/transport.h"

#include <stddef.h>
#include <stdint.h>

/* The call the client makes: ECHO (opaque<>), or the typed ADD and SUM. */
struct ipl_demo_rpc_call {
	uint32_t proc;       /* IPL_RPC_PROC_ADD or _SUM (rpc/rpcprog.h); any other: ECHO */
	const void *payload; /* ECHO's argument, len bytes */
	uint32_t len;
	const int32_t *ints; /* ADD's two ints, SUM's nints */
	uint32_t nints;
};

/* The procedure `demo rpc --proc NAME` calls: its number for "echo", "add"
 * or "sum" (rpc/rpcprog.h), with how many integer arguments it takes in
 * [*min, *max] (echo: none, add: exactly 2, sum: 1..max_ints); 0 for any
 * other name. */
uint32_t ipl_demo_rpc_proc(const char *name, uint32_t max_ints, uint32_t *min, uint32_t *max);

/* The client's half: calls the client stub of call->proc over c (a traced
 * carrier conn) and checks the result (ECHO: the same bytes; ADD, SUM: the
 * sum computed here).  Returns 0, IPL_EPAYLOAD for a wrong result, or
 * another negative code. */
int ipl_demo_rpc_client(struct ipl_demo_log *lg, struct ipl_conn *c, const struct ipl_demo_rpc_call *call);

/* The server's half: reads one call record from c, explains its
 * unmarshalling, runs the server stub and sends the reply; then waits for the
 * client to close.  Returns 0 or a negative code. */
int ipl_demo_rpc_server(struct ipl_demo_log *lg, struct ipl_conn *c);

/* Annotator callback used when printing: one line per field. */
typedef void (*ipl_demo_row_fn)(void *ctx, size_t off, const uint8_t *p, size_t n, const char *field,
				const char *meaning);

/* Walks an RPC record as sent on a stream (record mark first) and calls row
 * for each field of the CALL or REPLY.  A REPLY carries no procedure number,
 * so *proc links the two: a CALL stores its procedure there, a REPLY reads
 * it to name its typed result (start with UINT32_MAX: unknown).  Returns 0,
 * or -1 when it does not parse as one (the caller then dumps raw bytes). */
int ipl_demo_rpc_annotate(const uint8_t *p, size_t len, uint32_t *proc, ipl_demo_row_fn row, void *ctx);
/* The same for one datagram (RFC 5531 over UDP: no record mark, the
 * datagram is the message). */
int ipl_demo_rpc_annotate_dgram(const uint8_t *p, size_t len, uint32_t *proc, ipl_demo_row_fn row,
				void *ctx);

#endif
