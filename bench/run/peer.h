/* peer.h - the peer-to-peer pattern of `ipclab bench` (see peer.c). */
#ifndef IPL_PEER_H
#define IPL_PEER_H

#include "bench/run/run.h"

/* Runs one measurement with two peers that each serve and each request at
 * the same time over spec->tp (every mechanism: both endpoints are prepared
 * before the peers fork, so even pipes have their common ancestor); both
 * clients' results are merged into res.  Same contract as ipl_run_once.
 * Each peer is one client (spec->clients is not used); spec->connect fails
 * the run (both peers are started here). */
int ipl_peer_run_once(const struct ipl_run_spec *spec, struct ipl_run_result *res);

#endif
