/* demo_rpc.h - the rpc walk-through of `ipclab demo` (a mechanism whose
 * describe->walk is IPL_TP_WALK_RPC_STUBS): rpc/'s client and server stubs
 * over a traced carrier connection, and an RFC 5531 reading of the bytes. */
#ifndef IPL_DEMO_RPC_H
#define IPL_DEMO_RPC_H

#include "bench/demo/log.h"
#include "common/transport.h"

#include <stddef.h>
#include <stdint.h>

/* The client's half: calls the ECHO client stub with payload over c (a
 * traced carrier conn).  Returns 0 or a negative code. */
int ipl_demo_rpc_client(struct ipl_demo_log *lg, struct ipl_conn *c, const void *payload, uint32_t len);

/* The server's half: reads one call record from c, explains its
 * unmarshalling, runs the server stub and sends the reply; then waits for the
 * client to close.  Returns 0 or a negative code. */
int ipl_demo_rpc_server(struct ipl_demo_log *lg, struct ipl_conn *c);

/* Annotator callback used when printing: one line per field. */
typedef void (*ipl_demo_row_fn)(void *ctx, size_t off, const uint8_t *p, size_t n, const char *field,
				const char *meaning);

/* Walks an RPC record as sent on a stream (record mark first) and calls row
 * for each field of the CALL or REPLY.  Returns 0, or -1 when it does not
 * parse as one (the caller then dumps raw bytes). */
int ipl_demo_rpc_annotate(const uint8_t *p, size_t len, ipl_demo_row_fn row, void *ctx);

#endif
