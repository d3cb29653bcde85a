/* demo.h - `ipclab demo MECH`: one exchange, traced and explained.
 *
 * The demo runs a real exchange through the real library: the parent
 * prepares the endpoint, forks the server, and acts as the client.  Both
 * sides wrap their connection in a tracing conn (demo.c) that records every
 * send and recv with its bytes into an event log in shared memory; the
 * parent prints the log, in the order things happened, once the exchange is
 * over.  The RPC walk-through (demo_rpc.c) drives the client stub and the
 * server stub of rpc/ over a traced carrier connection.
 */
#ifndef IPL_DEMO_H
#define IPL_DEMO_H

#include "common/transport.h"

#include <stddef.h>
#include <stdint.h>

enum ipl_demo_side { IPL_DEMO_SETUP = 0, IPL_DEMO_CLIENT = 1, IPL_DEMO_SERVER = 2 };

enum ipl_demo_kind {
	IPL_DEMO_HEAD = 0, /* a section heading */
	IPL_DEMO_TEXT = 1, /* a line of narration */
	IPL_DEMO_SEND = 2, /* bytes handed to the mechanism; data holds them */
	IPL_DEMO_RECV = 3, /* bytes the mechanism returned; data holds them */
};

#define IPL_DEMO_TEXT_MAX 300
#define IPL_DEMO_DATA_MAX 512

struct ipl_demo_ev {
	int side, kind;
	char text[IPL_DEMO_TEXT_MAX]; /* narration, or the call that moved the bytes */
	int64_t nbytes;               /* SEND/RECV: bytes moved (recv: 0 = EOF, <0 = error) */
	uint32_t datalen;             /* bytes kept in data (<= nbytes) */
	uint8_t data[IPL_DEMO_DATA_MAX];
	int rpc_step;                 /* rpc walk-through: the step this event shows, or 0 */
};

#define IPL_DEMO_EVENTS 96

/* The log both processes append to (a MAP_SHARED mapping made before fork). */
struct ipl_demo_log {
	_Atomic unsigned n;
	struct ipl_demo_ev ev[IPL_DEMO_EVENTS];
};

/* Appends a narration line (printf format) for side; ignored once full. */
void ipl_demo_say(struct ipl_demo_log *lg, int side, int kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Marks the most recent event of side with an rpc step number. */
void ipl_demo_mark_step(struct ipl_demo_log *lg, int side, int step);

/* Wraps inner in a conn that logs every send/recv of side into lg and then
 * passes it on; detaching the wrapper detaches inner.  NULL on ENOMEM (inner
 * is then detached). */
struct ipl_conn *ipl_demo_trace_conn(struct ipl_conn *inner, struct ipl_demo_log *lg, int side);

/* ---- rpc (demo_rpc.c) ---------------------------------------------------- */

/* 1 when this build has the rpc layer (rpc/rpcprog.h), else 0. */
int ipl_demo_rpc_available(void);

/* The client's half: calls the ECHO client stub with payload over c (a
 * traced carrier conn).  Returns 0 or a negative code. */
int ipl_demo_rpc_client(struct ipl_demo_log *lg, struct ipl_conn *c, const void *payload,
			uint32_t len);

/* The server's half: reads one call record from c, explains its
 * unmarshalling, runs the server stub and sends the reply; then waits for the
 * client to close.  Returns 0 or a negative code. */
int ipl_demo_rpc_server(struct ipl_demo_log *lg, struct ipl_conn *c);

/* Annotator callback used when printing: one line per field. */
typedef void (*ipl_demo_row_fn)(void *ctx, size_t off, const uint8_t *p, size_t n,
				const char *field, const char *meaning);

/* Walks an RPC record as sent on a stream (record mark first) and calls row
 * for each field of the CALL or REPLY.  Returns 0, or -1 when it does not
 * parse as one (the caller then dumps raw bytes). */
int ipl_demo_rpc_annotate(const uint8_t *p, size_t len, ipl_demo_row_fn row, void *ctx);

/* `ipclab demo` */
int ipl_cmd_demo(int argc, char **argv);

#endif
