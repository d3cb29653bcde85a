/* oncrpc_dg.h - the oncrpc layer over a datagram carrier (udp): libtirpc's
 * svc_dg on the server's bound socket and clnt_dg on a connected socket
 * of the client's own.  Internal to rpc/oncrpc.c, which owns the program (its dispatcher)
 * and the ipclab side of a conn; built only with libtirpc (oncrpc.mk). */
#ifndef IPL_ONCRPC_DG_H
#define IPL_ONCRPC_DG_H

#include "common/transport.h"

#include <rpc/rpc.h>

/* Serves the registered program on fd (the carrier's bound udp socket,
 * borrowed: libtirpc gets a dup of it) until ep is cancelled: one thread,
 * one datagram at a time, each CALL answered to its sender by svc_dg.
 * Returns IPL_ECANCELED, IPL_EPROTO (svc_dg_create failed), -EMFILE (the
 * dup is beyond libtirpc's fd table) or -errno of poll. */
int ipl_onc_dg_serve(struct ipl_endpoint *ep, int fd);

/* A clnt_dg CLIENT for the ipclab program on a udp socket of its own
 * (*fd, the caller's to close after clnt_destroy), connected to the peer
 * of car (a udp carrier conn to the server), with libtirpc's retransmission
 * set: the first wait of ipclab's own rpc over udp (ipl_dg_timeout_ms), at
 * a fixed interval (libtirpc does not back off) until the call's total
 * timeout.  NULL (and *fd -1) when the address or libtirpc fails. */
CLIENT *ipl_onc_dg_client(struct ipl_conn *car, int *fd);

/* The largest payload one ECHO or SINK carries over a datagram: a call is
 * one datagram of at most 65,507 bytes, 44 of which are the call header
 * (AUTH_NONE) and the opaque's length. */
#define IPL_ONC_DG_MAX_PAYLOAD ((65507u - 44u) & ~3u)

#endif
