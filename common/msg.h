/* msg.h - the common request format every mechanism carries.
 *
 * A message is a 24-byte header followed by `len` payload bytes.  All header
 * fields are big-endian (network order) so a peer on another host reads them
 * the same way:
 *
 *   offset size field
 *        0    4 magic    "IPL1" (0x49504c31)
 *        4    1 version  IPL_VERSION
 *        5    1 op       enum ipl_op
 *        6    2 flags    IPL_FLAG_*
 *        8    8 seq      chosen by the client, echoed in the reply
 *       16    4 len      payload bytes that follow
 *       20    4 crc      CRC32C of the payload when IPL_FLAG_CRC, else 0
 */
#ifndef IPL_MSG_H
#define IPL_MSG_H

#include "common/bytes.h"
#include "common/err.h"

#include <stddef.h>
#include <stdint.h>

#define IPL_MAGIC 0x49504c31u
#define IPL_VERSION 1u
#define IPL_HDR_SIZE 24u
#define IPL_DEFAULT_CAP (16u << 20) /* payload cap unless configured */

enum ipl_op {
	IPL_OP_HELLO = 1, /* first request; reply payload: server cap (u32) */
	IPL_OP_ECHO = 2,  /* reply carries the same payload */
	IPL_OP_SINK = 3,  /* reply is a bare ack (len 0): for throughput */
	IPL_OP_ERROR = 4, /* reply to a bad request; payload: enum ipl_wire_err (u32) */
	IPL_OP_BYE = 5,   /* orderly close: the server replies BYE, then closes */
	IPL_OP_MAX = IPL_OP_BYE
};

enum ipl_flag {
	IPL_FLAG_CRC = 1u << 0,   /* crc field holds the CRC32C of the payload */
	IPL_FLAG_REPLY = 1u << 1, /* sent by the server */
	IPL_FLAG_NOACK = 1u << 2, /* SINK only: the server sends no reply (streaming) */
	IPL_FLAGS_KNOWN = IPL_FLAG_CRC | IPL_FLAG_REPLY | IPL_FLAG_NOACK
};

/* Codes carried in an ERROR reply's payload: why the request was refused. */
enum ipl_wire_err {
	IPL_WERR_MAGIC = 1,
	IPL_WERR_VERSION = 2,
	IPL_WERR_OP = 3,
	IPL_WERR_FLAGS = 4,
	IPL_WERR_TOOBIG = 5,
	IPL_WERR_CRC = 6,
	IPL_WERR_INTERNAL = 7,
	IPL_WERR_BUSY = 8,    /* too many clients: sent instead of serving, then closed */
	IPL_WERR_OVERLOAD = 9 /* the server's memory bound: this request was discarded */
};

struct ipl_hdr {
	uint8_t version;
	uint8_t op;
	uint16_t flags;
	uint32_t len;
	uint64_t seq;
	uint32_t crc;
};

/* CRC32C (Castagnoli); pass 0 as crc to start, or a previous result to
 * continue it.  Uses the fastest path this CPU has (enum ipl_crc_path). */
uint32_t ipl_crc32c(uint32_t crc, const void *buf, size_t len);

/* Copies len bytes from src to dst (not overlapping) and returns the CRC32C
 * of what dst received, continued from crc: one pass over the bytes, and
 * the CRC is of the copy even if src changes meanwhile. */
uint32_t ipl_crc32c_copy(uint32_t crc, void *dst, const void *src, size_t len);

/* The ways this build can compute CRC32C, for tests and measurements:
 * ipl_crc32c and ipl_crc32c_copy take the fastest this CPU has. */
enum ipl_crc_path {
	IPL_CRC_TABLE = 1, /* a table, one byte a step: any CPU */
	IPL_CRC_CHAINS,    /* SSE4.2 crc32, three interleaved chains */
	IPL_CRC_FOLD,      /* AVX-512 VPCLMULQDQ folding, 256 bytes a step */
	IPL_CRC_FOLD_AVX2  /* AVX2 VPCLMULQDQ folding, 256 bytes a step; reading, the
			    * three crc32 chains run beside it on other bytes */
};

/* CRC32C of len bytes of src continued from crc, by path, into *out; when
 * dst is not NULL the bytes are copied there too (ipl_crc32c_copy).
 * Returns 0, or IPL_EUNSUPP when this CPU cannot run path. */
int ipl_crc32c_by(enum ipl_crc_path path, uint32_t crc, void *dst, const void *src, size_t len, uint32_t *out);

/* The same CRC one byte at a time from a table, whatever the CPU: the
 * fallback, and a reference for tests. */
uint32_t ipl_crc32c_portable(uint32_t crc, const void *buf, size_t len);

/* Maps a decode error to the code an ERROR reply carries. */
uint32_t ipl_wire_err_of(int err);

/* The local code for an ERROR reply's wire code: IPL_EBUSY, IPL_EOVERLOAD,
 * or IPL_EREMOTE for the rest (a fault of this request, not of the server). */
int ipl_err_of_wire(uint32_t code);

/* The codec is inline: every message crosses it twice, and at a few hundred
 * nanoseconds a round trip (shm) a call each way would show. */

/* Writes h (magic added) into out in network order. */
static inline void ipl_hdr_encode(const struct ipl_hdr *h, uint8_t out[IPL_HDR_SIZE])
{
	ipl_put_be32(out, IPL_MAGIC);
	out[4] = h->version;
	out[5] = h->op;
	ipl_put_be16(out + 6, h->flags);
	ipl_put_be64(out + 8, h->seq);
	ipl_put_be32(out + 16, h->len);
	ipl_put_be32(out + 20, h->crc);
}

/* Parses and validates a header: magic, version, op, flags and len <= cap.
 * On failure *out still holds whatever fields could be read (seq, op) so the
 * caller can address an ERROR reply.  Returns 0, an IPL_EBAD... code or
 * IPL_ETOOBIG. */
static inline int ipl_hdr_decode(const uint8_t in[IPL_HDR_SIZE], uint32_t cap, struct ipl_hdr *out)
{
	out->version = in[4];
	out->op = in[5];
	out->flags = ipl_get_be16(in + 6);
	out->seq = ipl_get_be64(in + 8);
	out->len = ipl_get_be32(in + 16);
	out->crc = ipl_get_be32(in + 20);

	if (ipl_get_be32(in) != IPL_MAGIC)
		return IPL_EBADMAGIC;
	if (out->version != IPL_VERSION)
		return IPL_EBADVERSION;
	if (out->op < IPL_OP_HELLO || out->op > IPL_OP_MAX)
		return IPL_EBADOP;
	if (out->flags & ~IPL_FLAGS_KNOWN)
		return IPL_EBADFLAGS;
	if (out->len > cap)
		return IPL_ETOOBIG;
	return 0;
}

/* Checks the payload against the header's CRC when IPL_FLAG_CRC is set.
 * Returns 0 or IPL_EBADCRC. */
static inline int ipl_payload_check(const struct ipl_hdr *h, const void *payload)
{
	if (!(h->flags & IPL_FLAG_CRC))
		return 0;
	return ipl_crc32c(0, payload, h->len) == h->crc ? 0 : IPL_EBADCRC;
}

#endif
