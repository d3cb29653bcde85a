/* recmark.c - see recmark.h. */
#include "rpc/recmark.h"

#include "common/err.h"
#include "common/msgio.h"

#include <sys/uio.h>

void ipl_rm_init(struct ipl_rm_reader *r, uint32_t cap)
{
	*r = (struct ipl_rm_reader){ .cap = cap };
}

/* Reads the next fragment header.  The cap is checked on the sum the
 * headers announce, before any of the fragment is read or stored. */
static int next_header(struct ipl_rm_reader *r, struct ipl_conn *c)
{
	uint8_t w[4];
	int rc = ipl_conn_read_full(c, w, sizeof w);
	if (rc == IPL_ECLOSED && r->in_rec)
		rc = IPL_ETRUNC;
	if (rc < 0)
		return rc;
	r->in_rec = 1;
	r->frag_left = ipl_rm_parse(w, &r->last);
	r->total += r->frag_left;
	return r->total > r->cap ? IPL_ETOOBIG : 0;
}

int ipl_rm_read(struct ipl_rm_reader *r, struct ipl_conn *c, void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		if (r->frag_left == 0) {
			if (r->last)
				return IPL_EPROTO; /* the record is shorter than its contents */
			int rc = next_header(r, c);
			if (rc < 0)
				return rc;
			continue; /* an empty fragment is legal: read the next header */
		}
		size_t take = n < r->frag_left ? n : r->frag_left;
		int rc = ipl_conn_read_full(c, p, take);
		if (rc == IPL_ECLOSED)
			rc = IPL_ETRUNC;
		if (rc < 0)
			return rc;
		p += take;
		n -= take;
		r->frag_left -= (uint32_t)take;
	}
	return 0;
}

int ipl_rm_finish(struct ipl_rm_reader *r, struct ipl_conn *c, struct ipl_buf *b, size_t *have)
{
	uint8_t sink[512];
	while (r->in_rec && !(r->frag_left == 0 && r->last)) {
		if (r->frag_left == 0) {
			int rc = next_header(r, c);
			if (rc < 0)
				return rc;
			continue;
		}
		size_t take = r->frag_left;
		uint8_t *dst = sink;
		if (b) {
			/* within the cap: next_header checked the fragment's length */
			int rc = ipl_buf_reserve(b, *have + take);
			if (rc < 0)
				return rc;
			dst = b->p + *have;
		} else if (take > sizeof sink) {
			take = sizeof sink;
		}
		int rc = ipl_rm_read(r, c, dst, take);
		if (rc < 0)
			return rc;
		if (b)
			*have += take;
	}
	ipl_rm_init(r, r->cap);
	return 0;
}

int ipl_rpc_read_record(struct ipl_conn *c, uint32_t cap, struct ipl_buf *b, size_t *len)
{
	struct ipl_rm_reader r;
	ipl_rm_init(&r, cap);
	*len = 0;
	int rc = ipl_buf_reserve(b, 1); /* b->p is valid even for an empty record */
	if (rc == 0)
		rc = next_header(&r, c);
	if (rc == 0)
		rc = ipl_rm_finish(&r, c, b, len);
	if (rc < 0)
		*len = 0;
	return rc;
}

int ipl_rpc_write_record(struct ipl_conn *c, const void *rec, size_t len, uint32_t frag)
{
	const uint8_t *p = rec;
	if (!frag || frag > IPL_RM_LEN)
		frag = IPL_RM_LEN;
	do {
		uint32_t n = len > frag ? frag : (uint32_t)len;
		uint8_t w[4];
		ipl_put_be32(w, ipl_rm_word(n, n == len));
		struct iovec iov[2] = { { w, 4 }, { (void *)p, n } };
		int rc = ipl_conn_send(c, iov, n ? 2 : 1);
		if (rc < 0)
			return rc;
		p += n;
		len -= n;
	} while (len);
	return 0;
}
