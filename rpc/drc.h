/* drc.h - a duplicate-request cache for ONC RPC over datagrams.
 *
 * Over UDP a client that hears no reply sends the same call again (same
 * xid).  Without a cache the server runs the procedure a second time: fine
 * for ECHO, wrong for INCR.  The cache remembers, per call, the reply it
 * sent; a retransmission is answered from it and the procedure runs at most
 * once (RFC 5531 leaves this to the server; this is the classic design).
 *
 * Key: (xid, client address, program, version, procedure).  One cache
 * belongs to one server conn, and a datagram server conn is one client
 * address (sockets/udp.c demultiplexes by sender), so the address part of
 * the key is the cache itself.  That also isolates clients: a client that
 * floods new xids evicts only its own entries, never another client's.
 *
 * Bounds, all hard: IPL_DRC_ENTRIES entries, IPL_DRC_BYTES bytes of cached
 * replies, and IPL_DRC_AGE_MS of age (older entries are forgotten: a client
 * has given up retransmitting long before).  The oldest entry goes first.
 * Together with the carrier's max_conns the server's total is bounded.
 */
#ifndef IPL_DRC_H
#define IPL_DRC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define IPL_DRC_ENTRIES 128u
#define IPL_DRC_BYTES (512u << 10)
#define IPL_DRC_AGE_MS 30000u

struct ipl_drc;

/* What a lookup found. */
enum ipl_drc_hit {
	IPL_DRC_MISS = 0,    /* a new call: it was entered, in progress */
	IPL_DRC_REPLY = 1,   /* answered before: *reply, *len is the reply to resend */
	IPL_DRC_PENDING = 2, /* seen, not answered (yet, or never: a batched call):
				drop the duplicate */
};

/* A new empty cache, or NULL (out of memory). */
struct ipl_drc *ipl_drc_new(void);
/* Frees the cache and every reply in it.  NULL is a no-op. */
void ipl_drc_free(struct ipl_drc *d);

/* Looks the call up at time now_ms.  A miss enters it as in progress
 * (evicting what the bounds demand).  On IPL_DRC_REPLY *reply points into
 * the cache, valid until the next call on d.  Never fails: without memory
 * a call is simply not remembered (it would run again if retransmitted). */
enum ipl_drc_hit ipl_drc_lookup(struct ipl_drc *d, uint32_t xid, uint32_t prog, uint32_t vers,
				uint32_t proc, uint64_t now_ms, const uint8_t **reply, size_t *len);

/* Takes back the in-progress entry the last miss made for xid: the call
 * turned out broken (cut short, say) and never ran, so a whole call sent
 * later under the same xid must run, not be dropped as its duplicate.  A
 * no-op when the newest entry is not that pending call. */
void ipl_drc_forget(struct ipl_drc *d, uint32_t xid);

/* Stores the reply (gathered from iov) for the in-progress call xid.  A
 * reply larger than the byte bound is not kept (the entry stays pending:
 * duplicates are dropped, the procedure still does not run twice).
 * Returns 0, or -ENOMEM (not kept). */
int ipl_drc_store(struct ipl_drc *d, uint32_t xid, const struct iovec *iov, int cnt);

/* Counters, for tests and reports: entries and reply bytes held now, and
 * calls answered from the cache so far. */
void ipl_drc_usage(const struct ipl_drc *d, size_t *entries, size_t *bytes, uint64_t *hits);

/* The same for every cache of the process together, and how many caches
 * are alive (a server's caches sit inside its conns: the fuzz target
 * checks the bounds with this).  Read-only; a snapshot under concurrency. */
void ipl_drc_totals(size_t *caches, size_t *entries, size_t *bytes);

#endif
