/* peer.h - the peer-to-peer pattern of `ipclab bench` (see peer.c). */
#ifndef IPL_PEER_H
#define IPL_PEER_H

#include "bench/run/run.h"

/* Runs one measurement with two peers that each serve and each request at
 * the same time over spec->tp; both clients' results are merged into res.
 * Same contract as ipl_run_once. */
int ipl_peer_run_once(const struct ipl_run_spec *spec, struct ipl_run_result *res);

/* 1 when tp can run the peer pattern; else 0 with the reason in why. */
int ipl_peer_supported(const struct ipl_transport *tp, char *why, size_t whylen);

/* The mechanism column for a peer row: "unix-peer", "rpc/tcp-peer". */
const char *ipl_peer_label(const struct ipl_transport *tp, const struct ipl_transport *via);

#endif
