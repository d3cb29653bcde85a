/* xdr.c - see xdr.h.  Everything is written against the remaining room, not
 * against pointers past the end, so an overflowing length cannot wrap. */
#include "rpc/xdr.h"

#include "common/bytes.h"
#include "common/err.h"

#include <string.h>

void ipl_xdr_enc_init(struct ipl_xdr_enc *x, void *buf, size_t cap)
{
	x->p = buf;
	x->cap = cap;
	x->len = 0;
	x->err = 0;
}

void ipl_xdr_dec_init(struct ipl_xdr_dec *x, const void *buf, size_t len)
{
	x->p = buf;
	x->len = len;
	x->off = 0;
	x->err = 0;
}

uint8_t *ipl_xdr_put_space(struct ipl_xdr_enc *x, size_t n)
{
	if (x->err)
		return NULL;
	size_t padded = IPL_XDR_PAD(n);
	if (padded < n || padded > x->cap - x->len) {
		x->err = IPL_EXDR;
		return NULL;
	}
	uint8_t *at = x->p + x->len;
	/* zero the padding now: the caller fills only the n data bytes */
	memset(at + n, 0, padded - n);
	x->len += padded;
	return at;
}

void ipl_xdr_put_u32(struct ipl_xdr_enc *x, uint32_t v)
{
	uint8_t *at = ipl_xdr_put_space(x, 4);
	if (at)
		ipl_put_be32(at, v);
}

void ipl_xdr_put_i32(struct ipl_xdr_enc *x, int32_t v)
{
	ipl_xdr_put_u32(x, (uint32_t)v);
}

void ipl_xdr_put_u64(struct ipl_xdr_enc *x, uint64_t v)
{
	uint8_t *at = ipl_xdr_put_space(x, 8);
	if (at)
		ipl_put_be64(at, v);
}

void ipl_xdr_put_i64(struct ipl_xdr_enc *x, int64_t v)
{
	ipl_xdr_put_u64(x, (uint64_t)v);
}

void ipl_xdr_put_bool(struct ipl_xdr_enc *x, int v)
{
	ipl_xdr_put_u32(x, v ? 1u : 0u);
}

void ipl_xdr_put_fixed(struct ipl_xdr_enc *x, const void *p, size_t n)
{
	uint8_t *at = ipl_xdr_put_space(x, n);
	if (at && n)
		memcpy(at, p, n);
}

void ipl_xdr_put_opaque(struct ipl_xdr_enc *x, const void *p, uint32_t n)
{
	ipl_xdr_put_u32(x, n);
	ipl_xdr_put_fixed(x, p, n);
}

void ipl_xdr_put_string(struct ipl_xdr_enc *x, const char *s)
{
	size_t n = strlen(s);
	if (n > UINT32_MAX) {
		x->err = IPL_EXDR;
		return;
	}
	ipl_xdr_put_opaque(x, s, (uint32_t)n);
}

/* Consumes n bytes plus padding; returns where they start, or NULL. */
static const uint8_t *take(struct ipl_xdr_dec *x, size_t n)
{
	if (x->err)
		return NULL;
	size_t padded = IPL_XDR_PAD(n);
	if (padded < n || padded > x->len - x->off) {
		x->err = IPL_EXDR;
		return NULL;
	}
	const uint8_t *at = x->p + x->off;
	x->off += padded;
	return at;
}

uint32_t ipl_xdr_get_u32(struct ipl_xdr_dec *x)
{
	const uint8_t *at = take(x, 4);
	return at ? ipl_get_be32(at) : 0;
}

int32_t ipl_xdr_get_i32(struct ipl_xdr_dec *x)
{
	return (int32_t)ipl_xdr_get_u32(x);
}

uint64_t ipl_xdr_get_u64(struct ipl_xdr_dec *x)
{
	const uint8_t *at = take(x, 8);
	return at ? ipl_get_be64(at) : 0;
}

int64_t ipl_xdr_get_i64(struct ipl_xdr_dec *x)
{
	return (int64_t)ipl_xdr_get_u64(x);
}

int ipl_xdr_get_bool(struct ipl_xdr_dec *x)
{
	uint32_t v = ipl_xdr_get_u32(x);
	if (v > 1) {
		x->err = IPL_EXDR;
		return 0;
	}
	return (int)v;
}

int32_t ipl_xdr_get_enum(struct ipl_xdr_dec *x, int32_t lo, int32_t hi)
{
	int32_t v = ipl_xdr_get_i32(x);
	if (x->err || v < lo || v > hi) {
		x->err = IPL_EXDR;
		return 0;
	}
	return v;
}

void ipl_xdr_get_fixed(struct ipl_xdr_dec *x, void *out, size_t n)
{
	const uint8_t *at = take(x, n);
	if (at && n)
		memcpy(out, at, n);
}

const uint8_t *ipl_xdr_get_opaque(struct ipl_xdr_dec *x, uint32_t max, uint32_t *n)
{
	uint32_t len = ipl_xdr_get_u32(x);
	*n = 0;
	if (x->err)
		return NULL;
	if (len > max) {
		x->err = IPL_EXDR;
		return NULL;
	}
	const uint8_t *at = take(x, len);
	if (at)
		*n = len;
	return at;
}

void ipl_xdr_get_string(struct ipl_xdr_dec *x, uint32_t max, char *out, size_t outlen)
{
	uint32_t n;
	if (outlen)
		out[0] = '\0';
	const uint8_t *at = ipl_xdr_get_opaque(x, max, &n);
	if (!at)
		return;
	if ((size_t)n >= outlen || memchr(at, 0, n)) {
		x->err = IPL_EXDR;
		return;
	}
	memcpy(out, at, n);
	out[n] = '\0';
}

uint32_t ipl_xdr_get_count(struct ipl_xdr_dec *x, uint32_t max, size_t unit)
{
	uint32_t n = ipl_xdr_get_u32(x);
	if (x->err)
		return 0;
	if (n > max || (unit && n > (x->len - x->off) / unit)) {
		x->err = IPL_EXDR;
		return 0;
	}
	return n;
}
