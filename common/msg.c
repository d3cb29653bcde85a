#include "msg.h"

#include "bytes.h"
#include "err.h"

void ipl_hdr_encode(const struct ipl_hdr *h, uint8_t out[IPL_HDR_SIZE])
{
	ipl_put_be32(out, IPL_MAGIC);
	out[4] = h->version;
	out[5] = h->op;
	ipl_put_be16(out + 6, h->flags);
	ipl_put_be64(out + 8, h->seq);
	ipl_put_be32(out + 16, h->len);
	ipl_put_be32(out + 20, h->crc);
}

int ipl_hdr_decode(const uint8_t in[IPL_HDR_SIZE], uint32_t cap, struct ipl_hdr *out)
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

int ipl_payload_check(const struct ipl_hdr *h, const void *payload)
{
	if (!(h->flags & IPL_FLAG_CRC))
		return 0;
	return ipl_crc32c(0, payload, h->len) == h->crc ? 0 : IPL_EBADCRC;
}

uint32_t ipl_wire_err_of(int err)
{
	switch (err) {
	case IPL_EBADMAGIC: return IPL_WERR_MAGIC;
	case IPL_EBADVERSION: return IPL_WERR_VERSION;
	case IPL_EBADOP: return IPL_WERR_OP;
	case IPL_EBADFLAGS: return IPL_WERR_FLAGS;
	case IPL_ETOOBIG: return IPL_WERR_TOOBIG;
	case IPL_EBADCRC: return IPL_WERR_CRC;
	default: return IPL_WERR_INTERNAL;
	}
}
