/* demux.h - a server that reads every client's messages from ONE socket of
 * a messaging library (zmq's ROUTER, nng's raw rep) and hands each to the
 * conn of its sender, so the exchange keeps its conn-per-client model.
 *
 * The mechanism supplies a pump: wait at most ms for one message and say
 * who sent it (a key: zmq's routing id, nng's pipe id).  Whichever thread
 * waits runs the pump when no other thread does (the accepting thread
 * usually; a conn's own thread when nobody accepts), as udp does.  A new key
 * is a new conn, returned by accept; a zero-length message is the peer's
 * end of stream.  Nothing is dropped (these libraries are reliable): a conn
 * holding QUEUE_BYTES unread stops the pump until it drains, so memory stays
 * bounded by what the library itself buffers. */
#ifndef IPL_DEMUX_H
#define IPL_DEMUX_H

#include "common/transport.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IPL_DX_KEY_MAX 256 /* zmq routing ids are at most 255 bytes */

struct ipl_dx_msg {
	struct ipl_dx_msg *next;
	size_t len;
	uint8_t data[];
};

/* One message for the pump to fill: malloc'd with room for len bytes. */
struct ipl_dx_msg *ipl_dx_msg_new(size_t len);

struct ipl_dx;

/* A server conn: the mechanism's conn ops get this as their ipl_conn. */
struct ipl_dx_conn {
	struct ipl_conn base;
	int server; /* 1: a mechanism's client conns start { base; int server = 0; } */
	struct ipl_dx *dx;
	uint8_t key[IPL_DX_KEY_MAX];
	size_t keylen;
	struct ipl_dx_conn *next, *pnext;
	pthread_cond_t cv;
	struct ipl_dx_msg *head, *tail, *cur;
	size_t queued, off; /* bytes waiting; read offset in cur */
	int eof;            /* the peer ended (marker, or the library saw it go) */
};

/* 1 when c is a demultiplexed server conn, 0 when it is the mechanism's
 * own client conn (which starts { base; int server = 0; }). */
static inline int ipl_dx_is_server(const struct ipl_conn *c)
{
	return ((const struct ipl_dx_conn *)(const void *)c)->server;
}

/* Waits at most ms for one message; returns 1 with key, *keylen and *msg
 * set, 0 when nothing came, or a negative code. */
typedef int (*ipl_dx_pump_fn)(void *arg, int ms, uint8_t *key, size_t *keylen, struct ipl_dx_msg **msg);

/* A demultiplexer for transport tp's server conns.  NULL: -ENOMEM. */
struct ipl_dx *ipl_dx_new(const struct ipl_transport *tp, const struct ipl_tp_opts *opts,
			  ipl_dx_pump_fn pump, void *arg);

/* Blocks until a new sender arrives: 0 and *out, or IPL_ECANCELED. */
int ipl_dx_accept(struct ipl_dx *dx, atomic_int *cancel, struct ipl_conn **out);

/* recv for a server conn: a byte reader over its messages; 0 at its end. */
ssize_t ipl_dx_recv(struct ipl_dx_conn *c, void *buf, size_t len);

/* The library saw the peer with this key go (nng's pipe events): its conn
 * reads EOF once its queue is drained.  Safe from any thread. */
void ipl_dx_peer_gone(struct ipl_dx *dx, const uint8_t *key, size_t keylen);

/* Takes c off the demultiplexer and frees it (the mechanism's detach, after
 * sending its end marker). */
void ipl_dx_conn_free(struct ipl_dx_conn *c);

/* The pump argument of c's demultiplexer (the mechanism's endpoint). */
void *ipl_dx_arg(const struct ipl_dx_conn *c);

/* Number of conns not yet freed (release keeps the socket while > 0). */
unsigned ipl_dx_nconns(struct ipl_dx *dx);

/* Detaches senders nobody accepted, then frees dx. */
void ipl_dx_free(struct ipl_dx *dx);

#endif
