/* xdr.h - XDR (RFC 4506) encoding and decoding on memory buffers.
 *
 * Every item is a whole number of 4-byte units, big-endian; opaque data and
 * strings are padded with zero bytes to the next unit.  The encoder writes
 * into a caller-sized buffer and the decoder reads from a caller's buffer;
 * both keep a sticky error, so a run of calls can be checked once at the end:
 * after the first failure every call is a no-op and ipl_xdr_*_err() reports
 * it.  The decoder never reads past its buffer, and every variable length is
 * checked against a caller's cap before it is trusted (in particular before
 * anything is allocated or copied by it).
 */
#ifndef IPL_XDR_H
#define IPL_XDR_H

#include <stddef.h>
#include <stdint.h>

#define IPL_XDR_UNIT 4u
/* Bytes an opaque of n bytes occupies on the wire after its length word. */
#define IPL_XDR_PAD(n) (((n) + 3u) & ~(size_t)3u)

struct ipl_xdr_enc {
	uint8_t *p; /* destination */
	size_t cap; /* its size */
	size_t len; /* bytes written so far */
	int err;    /* 0, or IPL_EXDR once something did not fit */
};

struct ipl_xdr_dec {
	const uint8_t *p; /* source */
	size_t len;       /* its size */
	size_t off;       /* bytes consumed so far */
	int err;          /* 0, or IPL_EXDR once something did not decode */
};

/* Starts encoding into buf[0..cap). */
void ipl_xdr_enc_init(struct ipl_xdr_enc *x, void *buf, size_t cap);
/* Starts decoding buf[0..len). */
void ipl_xdr_dec_init(struct ipl_xdr_dec *x, const void *buf, size_t len);

void ipl_xdr_put_u32(struct ipl_xdr_enc *x, uint32_t v); /* unsigned int */
void ipl_xdr_put_i32(struct ipl_xdr_enc *x, int32_t v);  /* int, enum */
void ipl_xdr_put_u64(struct ipl_xdr_enc *x, uint64_t v); /* unsigned hyper */
void ipl_xdr_put_i64(struct ipl_xdr_enc *x, int64_t v);  /* hyper */
void ipl_xdr_put_bool(struct ipl_xdr_enc *x, int v);     /* bool: 0 or 1 */
/* opaque[n]: n bytes then zero padding. */
void ipl_xdr_put_fixed(struct ipl_xdr_enc *x, const void *p, size_t n);
/* opaque<>: a length word, the bytes, zero padding. */
void ipl_xdr_put_opaque(struct ipl_xdr_enc *x, const void *p, uint32_t n);
/* string<>: like opaque<> over strlen(s) bytes (no terminator on the wire). */
void ipl_xdr_put_string(struct ipl_xdr_enc *x, const char *s);
/* Reserves n bytes (padded) and returns where to write them, or NULL. */
uint8_t *ipl_xdr_put_space(struct ipl_xdr_enc *x, size_t n);

/* Each get returns the value (0 after an error) and sets x->err on
 * truncation. */
uint32_t ipl_xdr_get_u32(struct ipl_xdr_dec *x);
int32_t ipl_xdr_get_i32(struct ipl_xdr_dec *x);
uint64_t ipl_xdr_get_u64(struct ipl_xdr_dec *x);
int64_t ipl_xdr_get_i64(struct ipl_xdr_dec *x);
/* bool: any value other than 0 or 1 is an error. */
int ipl_xdr_get_bool(struct ipl_xdr_dec *x);
/* enum: the value must lie in [lo, hi]. */
int32_t ipl_xdr_get_enum(struct ipl_xdr_dec *x, int32_t lo, int32_t hi);
/* opaque[n] into out (padding skipped, not checked: RFC 4506 says a
 * receiver should not rely on its value). */
void ipl_xdr_get_fixed(struct ipl_xdr_dec *x, void *out, size_t n);
/* opaque<max>: returns a pointer into the source buffer (no copy) and its
 * length in *n; NULL with *n = 0 on error (length over max, truncated). */
const uint8_t *ipl_xdr_get_opaque(struct ipl_xdr_dec *x, uint32_t max, uint32_t *n);
/* string<max> copied NUL-terminated into out[outlen] (outlen > max); an
 * embedded NUL is an error. */
void ipl_xdr_get_string(struct ipl_xdr_dec *x, uint32_t max, char *out, size_t outlen);
/* The count of a variable array T<max>; also fails when count * unit bytes
 * cannot be present in what is left, so a caller may allocate by it. */
uint32_t ipl_xdr_get_count(struct ipl_xdr_dec *x, uint32_t max, size_t unit);

/* Bytes not yet decoded. */
static inline size_t ipl_xdr_left(const struct ipl_xdr_dec *x)
{
	return x->err ? 0 : x->len - x->off;
}

#endif
