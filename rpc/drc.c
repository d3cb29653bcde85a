/* drc.c - see drc.h.  A ring of entries, oldest first: eviction by age and
 * by the bounds always takes the head, and a lookup scans newest first
 * (a retransmission is of a recent call). */
#include "rpc/drc.h"

#include "common/io.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	uint32_t xid, prog, vers, proc;
	uint64_t born_ms;
	uint8_t *reply; /* NULL: in progress (or not kept) */
	size_t len;
};

struct ipl_drc {
	struct entry ring[IPL_DRC_ENTRIES];
	size_t head, n;
	size_t bytes;
	uint64_t hits;
};

/* Every live cache's usage together (ipl_drc_totals): a server's caches
 * sit inside its rpc conns, out of a checker's reach. */
static atomic_size_t all_caches, all_entries, all_bytes;

struct ipl_drc *ipl_drc_new(void)
{
	struct ipl_drc *d = calloc(1, sizeof(struct ipl_drc));
	if (d)
		atomic_fetch_add(&all_caches, 1);
	return d;
}

static struct entry *at(struct ipl_drc *d, size_t k)
{
	return &d->ring[(d->head + k) % IPL_DRC_ENTRIES];
}

static void drop_oldest(struct ipl_drc *d)
{
	struct entry *e = at(d, 0);
	d->bytes -= e->len;
	atomic_fetch_sub(&all_bytes, e->len);
	atomic_fetch_sub(&all_entries, 1);
	free(e->reply);
	memset(e, 0, sizeof *e);
	d->head = (d->head + 1) % IPL_DRC_ENTRIES;
	d->n--;
}

void ipl_drc_free(struct ipl_drc *d)
{
	if (!d)
		return;
	while (d->n)
		drop_oldest(d);
	atomic_fetch_sub(&all_caches, 1);
	free(d);
}

enum ipl_drc_hit ipl_drc_lookup(struct ipl_drc *d, uint32_t xid, uint32_t prog, uint32_t vers,
				uint32_t proc, uint64_t now_ms, const uint8_t **reply, size_t *len)
{
	while (d->n && now_ms - at(d, 0)->born_ms > IPL_DRC_AGE_MS)
		drop_oldest(d);
	for (size_t k = d->n; k-- > 0;) {
		struct entry *e = at(d, k);
		if (e->xid != xid || e->proc != proc || e->prog != prog || e->vers != vers)
			continue;
		if (!e->reply)
			return IPL_DRC_PENDING;
		d->hits++;
		*reply = e->reply;
		*len = e->len;
		return IPL_DRC_REPLY;
	}
	if (d->n == IPL_DRC_ENTRIES)
		drop_oldest(d);
	*at(d, d->n) = (struct entry){ .xid = xid, .prog = prog, .vers = vers, .proc = proc, .born_ms = now_ms };
	d->n++;
	atomic_fetch_add(&all_entries, 1);
	return IPL_DRC_MISS;
}

void ipl_drc_forget(struct ipl_drc *d, uint32_t xid)
{
	if (!d->n)
		return;
	struct entry *e = at(d, d->n - 1); /* a miss appends: the newest */
	if (e->xid != xid || e->reply)
		return;
	memset(e, 0, sizeof *e);
	d->n--;
	atomic_fetch_sub(&all_entries, 1);
}

int ipl_drc_store(struct ipl_drc *d, uint32_t xid, const struct iovec *iov, int cnt)
{
	size_t len = ipl_iov_total(iov, cnt);
	if (len > IPL_DRC_BYTES)
		return -ENOMEM;
	for (size_t k = d->n; k-- > 0;) {
		struct entry *e = at(d, k);
		if (e->xid != xid || e->reply)
			continue;
		/* make room among the older entries, never evicting this one */
		while (d->bytes + len > IPL_DRC_BYTES && at(d, 0) != e)
			drop_oldest(d);
		if (d->bytes + len > IPL_DRC_BYTES)
			return -ENOMEM;
		uint8_t *p = malloc(len ? len : 1);
		if (!p)
			return -ENOMEM;
		size_t off = 0;
		for (int i = 0; i < cnt; i++) {
			memcpy(p + off, iov[i].iov_base, iov[i].iov_len);
			off += iov[i].iov_len;
		}
		e->reply = p;
		e->len = len;
		d->bytes += len;
		atomic_fetch_add(&all_bytes, len);
		return 0;
	}
	return 0; /* evicted meanwhile: nothing to remember it by */
}

void ipl_drc_usage(const struct ipl_drc *d, size_t *entries, size_t *bytes, uint64_t *hits)
{
	*entries = d->n;
	*bytes = d->bytes;
	*hits = d->hits;
}

void ipl_drc_totals(size_t *caches, size_t *entries, size_t *bytes)
{
	*caches = atomic_load(&all_caches);
	*entries = atomic_load(&all_entries);
	*bytes = atomic_load(&all_bytes);
}
