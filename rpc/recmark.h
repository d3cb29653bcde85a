/* recmark.h - record marking (RFC 5531 s.11): how an ONC RPC message is
 * framed on a stream.  A record is one or more fragments, each led by a
 * 4-byte big-endian word whose top bit marks the record's last fragment and
 * whose low 31 bits give the fragment's length.
 *
 * Every reader of fragment headers goes through this file: the streaming
 * reader below (rpc's transport), the whole-record reader built on it
 * (tests, fuzz targets, the interop tools), ipl_rm_parse for bytes already
 * in memory (oncrpc's peek at the next header, the demo's annotator).  So
 * the hostile-input rules live in one place: a record whose fragments add
 * up to more than the reader's cap is refused as soon as the header that
 * passes the cap arrives, before anything is sized by it; empty fragments
 * (last or not) are legal and skipped.
 */
#ifndef IPL_RECMARK_H
#define IPL_RECMARK_H

#include "common/bytes.h"
#include "common/transport.h"

#include <stddef.h>
#include <stdint.h>

struct ipl_buf;

#define IPL_RM_LAST 0x80000000u /* record marking: last fragment */
#define IPL_RM_LEN 0x7fffffffu  /* record marking: fragment length */

/* The 4-byte fragment header for len bytes (len <= IPL_RM_LEN). */
static inline uint32_t ipl_rm_word(uint32_t len, int last)
{
	return (len & IPL_RM_LEN) | (last ? IPL_RM_LAST : 0);
}

/* Decodes the fragment header at w: returns the fragment's length and sets
 * *last to 1 when it is the record's last fragment, else 0. */
static inline uint32_t ipl_rm_parse(const uint8_t w[4], int *last)
{
	uint32_t word = ipl_get_be32(w);
	*last = (word & IPL_RM_LAST) != 0;
	return word & IPL_RM_LEN;
}

/* Where a reader is in the stream; zero it with ipl_rm_init.  The conn is
 * passed to each call, not kept, so the reader never outlives it. */
struct ipl_rm_reader {
	uint32_t cap;       /* largest record (all its fragments) accepted */
	int in_rec;         /* a record is started and not yet read to its end */
	int last;           /* the current fragment is the record's last */
	uint32_t frag_left; /* bytes left in the current fragment */
	uint64_t total;     /* bytes the record's headers announced so far */
};

/* Starts a reader at a record boundary, refusing records over cap bytes. */
void ipl_rm_init(struct ipl_rm_reader *r, uint32_t cap);

/* Reads exactly n bytes of the current record from c (starting a record
 * when none is in progress), across fragment headers.  Returns 0,
 * IPL_ECLOSED (EOF before a record's first header: a clean end),
 * IPL_ETRUNC (EOF inside a record), IPL_ETOOBIG (the record passes the
 * cap), IPL_EPROTO (the record ends before n bytes) or c's error.  After
 * an error the stream is out of step: close it. */
int ipl_rm_read(struct ipl_rm_reader *r, struct ipl_conn *c, void *buf, size_t n);

/* Reads the rest of the current record (nothing when none is in progress):
 * appended to b at *have, b grown as needed, or discarded when b is NULL.
 * The next read then starts a new record.  Returns 0 or as ipl_rm_read. */
int ipl_rm_finish(struct ipl_rm_reader *r, struct ipl_conn *c, struct ipl_buf *b, size_t *have);

/* Reads one whole record from c into b; *len receives its length.  A
 * record longer than cap is refused with IPL_ETOOBIG before it is stored.
 * Returns 0, IPL_ECLOSED (EOF at a record boundary), IPL_ETRUNC or another
 * negative code. */
int ipl_rpc_read_record(struct ipl_conn *c, uint32_t cap, struct ipl_buf *b, size_t *len);

/* Sends rec[0..len) as one record, split into fragments of at most frag
 * bytes (0: one fragment).  Returns 0 or a negative code. */
int ipl_rpc_write_record(struct ipl_conn *c, const void *rec, size_t len, uint32_t frag);

#endif
