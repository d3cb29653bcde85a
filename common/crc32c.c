/* CRC32C (Castagnoli, reflected polynomial 0x82f63b78).
 *
 * The SSE4.2 crc32 instruction takes 8 bytes, but its result is needed by
 * the next one 3 cycles later while the unit could start one a cycle: a
 * single chain over the buffer runs at a third of the unit's rate.  So long
 * buffers are cut into three equal blocks whose CRCs run as three
 * independent chains in one loop, and are joined afterwards with the CRC
 * shift rule: the register after block A then block B is
 *     shift(reg(A), |B|) xor reg_from_0(B)
 * where shift(r, n) is r run through n zero bytes, a linear map of r done
 * here with four 256-entry tables per block size.  The table path keeps
 * other CPUs (and valgrind) correct.  All paths give identical results. */
#include "common/err.h"
#include "common/msg.h"

#include <pthread.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* Block sizes of the three-chain loops (bytes per chain): a long one for
 * the bulk of a large payload, a short one so mid-sized payloads and tails
 * are not left to a single chain.  Multiples of 8. */
#define LONG_BLK 4096u
#define SHORT_BLK 256u

static uint32_t table[256];
static uint32_t shift_long[4][256], shift_short[4][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* The register after len bytes, one byte a step (no inversion). */
static uint32_t reg_sw(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

/* The register r run through n zero bytes. */
static uint32_t zeros_sw(uint32_t r, size_t n)
{
	while (n--)
		r = table[r & 0xff] ^ (r >> 8);
	return r;
}

/* t[k][b] = shift of byte b placed at byte k of the register, so that the
 * shift of any r is the xor of four lookups (the map is linear). */
static void build_shift(uint32_t t[4][256], size_t n)
{
	uint32_t basis[32];
	for (int i = 0; i < 32; i++)
		basis[i] = zeros_sw(1u << i, n);
	for (int k = 0; k < 4; k++)
		for (uint32_t b = 0; b < 256; b++) {
			uint32_t v = 0;
			for (int j = 0; j < 8; j++)
				if (b & (1u << j))
					v ^= basis[8 * k + j];
			t[k][b] = v;
		}
}

#if defined(__x86_64__)
/* Folding constants for the carry-less multiply path: fold_D[0] moves the
 * first 8 bytes of a 16-byte block D bits further on, fold_D[1] its last 8
 * (see fold_clmul). */
static uint64_t fold_2048[2], fold_512[2], fold_384[2], fold_256[2], fold_128[2];

/* x^k mod P, reflected (bit 31 is x^0), as the CRC register holds it. */
static uint32_t xpow_mod(size_t k)
{
	uint32_t r = 0x80000000u;
	while (k--)
		r = (r & 1) ? (r >> 1) ^ 0x82f63b78u : r >> 1;
	return r;
}

/* A 16-byte block X = A x^64 + B (A its first 8 bytes) moved D bits on is
 * A x^(D+64) + B x^D mod P.  The multiply of two reflected 64-bit values
 * gives the product's bits one place short of a 128-bit block's, which the
 * constants make up: x^(D+63) for A, x^(D-1) for B, each a 32-bit residue
 * in the top half of its 64-bit operand. */
static void build_fold(uint64_t k[2], size_t d)
{
	k[0] = (uint64_t)xpow_mod(d + 63) << 32;
	k[1] = (uint64_t)xpow_mod(d - 1) << 32;
}
#endif

static void build_tables(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		table[i] = c;
	}
	build_shift(shift_long, LONG_BLK);
	build_shift(shift_short, SHORT_BLK);
#if defined(__x86_64__)
	build_fold(fold_2048, 2048);
	build_fold(fold_512, 512);
	build_fold(fold_384, 384);
	build_fold(fold_256, 256);
	build_fold(fold_128, 128);
#endif
}

static uint32_t shift(const uint32_t t[4][256], uint32_t r)
{
	return t[0][r & 0xff] ^ t[1][(r >> 8) & 0xff] ^ t[2][(r >> 16) & 0xff] ^ t[3][r >> 24];
}


#if defined(__x86_64__)
#define HW __attribute__((target("sse4.2")))
#define AI inline __attribute__((always_inline))

/* ---- carry-less multiply (AVX-512 VPCLMULQDQ): 16-byte lanes folded on ----
 * A reflected CRC of data from crc equals that of (data xor crc in its
 * first 4 bytes) from 0, so the register goes into the first lane.  Four
 * 64-byte accumulators, each four 16-byte lanes, fold 256 bytes at a time
 * (build_fold); they fold into one, its lanes into one, and that block's
 * register is taken with the crc32 instruction (any block congruent mod P
 * to the data has the data's register); the tail follows.  With copy, each
 * load is stored to d before it is folded, so the CRC is of exactly what
 * d received.  The crc32 instruction's three chains run at one 8-byte step
 * a cycle; this does four 16-byte folds per instruction. */
#define VCL __attribute__((target("sse4.2,pclmul,avx512f,avx512vl,vpclmulqdq")))

VCL static inline __m512i take64(uint8_t *d, const uint8_t *s, int copy)
{
	__m512i v = _mm512_loadu_si512((const void *)s);
	if (copy)
		_mm512_storeu_si512((void *)d, v);
	return v;
}

VCL static inline __m512i fold64(__m512i y, __m512i k, __m512i next)
{
	return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(y, k, 0x00), _mm512_clmulepi64_epi128(y, k, 0x11),
					 next, 0x96); /* a ^ b ^ c */
}

VCL static inline __m128i fold16(__m128i x, const uint64_t k[2])
{
	__m128i kk = _mm_set_epi64x((long long)k[1], (long long)k[0]);
	return _mm_xor_si128(_mm_clmulepi64_si128(x, kk, 0x00), _mm_clmulepi64_si128(x, kk, 0x11));
}

VCL static inline __m512i fold_key(const uint64_t k[2])
{
	return _mm512_broadcast_i32x4(_mm_set_epi64x((long long)k[1], (long long)k[0]));
}

/* The register after len (>= 256) bytes of s from crc. */
VCL static AI uint32_t reg_vclmul(uint32_t crc, uint8_t *d, const uint8_t *s, size_t len, int copy)
{
	__m512i y0 = _mm512_xor_si512(take64(d, s, copy), _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)crc)));
	__m512i y1 = take64(d + 64, s + 64, copy), y2 = take64(d + 128, s + 128, copy);
	__m512i y3 = take64(d + 192, s + 192, copy);
	__m512i k4 = fold_key(fold_2048), k1 = fold_key(fold_512);
	size_t off = 256;
	for (; len - off >= 256; off += 256) {
		y0 = fold64(y0, k4, take64(d + off, s + off, copy));
		y1 = fold64(y1, k4, take64(d + off + 64, s + off + 64, copy));
		y2 = fold64(y2, k4, take64(d + off + 128, s + off + 128, copy));
		y3 = fold64(y3, k4, take64(d + off + 192, s + off + 192, copy));
	}
	__m512i y = fold64(fold64(fold64(y0, k1, y1), k1, y2), k1, y3);
	for (; len - off >= 64; off += 64)
		y = fold64(y, k1, take64(d + off, s + off, copy));
	__m128i x = _mm_xor_si128(fold16(_mm512_extracti32x4_epi32(y, 0), fold_384),
				  fold16(_mm512_extracti32x4_epi32(y, 1), fold_256));
	x = _mm_xor_si128(x, fold16(_mm512_extracti32x4_epi32(y, 2), fold_128));
	x = _mm_xor_si128(x, _mm512_extracti32x4_epi32(y, 3));
	for (; len - off >= 16; off += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + off));
		if (copy)
			_mm_storeu_si128((__m128i *)(void *)(d + off), v);
		x = _mm_xor_si128(fold16(x, fold_128), v);
	}
	uint64_t lo = (uint64_t)_mm_cvtsi128_si64(x), hi = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(x, x));
	uint32_t c = (uint32_t)__builtin_ia32_crc32di(__builtin_ia32_crc32di(0, lo), hi);
	for (; off < len; off++) {
		uint8_t b = s[off];
		if (copy)
			d[off] = b;
		c = __builtin_ia32_crc32qi(c, b);
	}
	return c;
}

VCL static uint32_t reg_vclmul_read(uint32_t crc, const uint8_t *s, size_t len)
{
	return reg_vclmul(crc, (uint8_t *)s, s, len, 0); /* d is never written without copy */
}

VCL static uint32_t reg_vclmul_copy(uint32_t crc, uint8_t *d, const uint8_t *s, size_t len)
{
	return reg_vclmul(crc, d, s, len, 1);
}

static int have_vclmul(void)
{
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
	       __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("pclmul");
}

/* Each level of the chain path below takes d and copy: with copy, every
 * 8-byte word is loaded once, stored to d and run through the CRC, so the
 * CRC is of exactly what d received even if s changes meanwhile (a peer's
 * shared memory); without, d is s and never written.  Always inlined, so
 * the reading and the copying versions are each a plain loop. */

HW static AI uint64_t step8(uint64_t c, uint8_t *d, const uint8_t *s, int copy)
{
	uint64_t w;
	memcpy(&w, s, 8);
	if (copy)
		memcpy(d, &w, 8);
	return __builtin_ia32_crc32di(c, w);
}

/* One chain: what the whole of a short buffer, and every tail, takes. */
HW static AI uint32_t chain1(uint32_t crc, uint8_t *d, const uint8_t *s, size_t len, int copy)
{
	uint64_t c = crc;
	size_t i = 0;
	for (; len - i >= 8; i += 8)
		c = step8(c, d + i, s + i, copy);
	uint32_t c32 = (uint32_t)c;
	for (; i < len; i++) {
		uint8_t b = s[i];
		if (copy)
			d[i] = b;
		c32 = __builtin_ia32_crc32qi(c32, b);
	}
	return c32;
}

/* Three chains over consecutive blocks of blk bytes, joined: the register
 * after 3 * blk bytes from crc. */
HW static AI uint32_t chains3(uint32_t crc, uint8_t *d, const uint8_t *s, size_t blk, const uint32_t t[4][256],
			      int copy)
{
	uint64_t c0 = crc, c1 = 0, c2 = 0;
	for (size_t i = 0; i < blk; i += 8) {
		c0 = step8(c0, d + i, s + i, copy);
		c1 = step8(c1, d + blk + i, s + blk + i, copy);
		c2 = step8(c2, d + 2 * blk + i, s + 2 * blk + i, copy);
	}
	return shift(t, shift(t, (uint32_t)c0) ^ (uint32_t)c1) ^ (uint32_t)c2;
}

HW static AI uint32_t chains(uint32_t crc, uint8_t *d, const uint8_t *s, size_t len, int copy)
{
	size_t i = 0;
	for (; len - i >= 3 * LONG_BLK; i += 3 * LONG_BLK)
		crc = chains3(crc, d + i, s + i, LONG_BLK, shift_long, copy);
	for (; len - i >= 3 * SHORT_BLK; i += 3 * SHORT_BLK)
		crc = chains3(crc, d + i, s + i, SHORT_BLK, shift_short, copy);
	return chain1(crc, d + i, s + i, len - i, copy);
}

HW static uint32_t reg_hw1(uint32_t crc, const uint8_t *s, size_t len)
{
	return chain1(crc, (uint8_t *)s, s, len, 0);
}

HW static uint32_t copy_hw1(uint32_t crc, uint8_t *d, const uint8_t *s, size_t len)
{
	return chain1(crc, d, s, len, 1);
}

HW static uint32_t reg_hw(uint32_t crc, const uint8_t *s, size_t len)
{
	return chains(crc, (uint8_t *)s, s, len, 0);
}

HW static uint32_t copy_hw(uint32_t crc, uint8_t *d, const uint8_t *s, size_t len)
{
	return chains(crc, d, s, len, 1);
}
#endif

/* Whether this CPU can run path. */
static int path_ok(enum ipl_crc_path path)
{
	switch (path) {
	case IPL_CRC_TABLE: return 1;
#if defined(__x86_64__)
	case IPL_CRC_CHAINS: return __builtin_cpu_supports("sse4.2");
	case IPL_CRC_FOLD: return __builtin_cpu_supports("sse4.2") && have_vclmul();
#endif
	default: return 0;
	}
}

/* The register after len bytes of s from reg by path (which path_ok),
 * copying them to d first when d is not NULL. */
static uint32_t run_path(enum ipl_crc_path path, uint32_t reg, uint8_t *d, const uint8_t *s, size_t len)
{
	pthread_once(&tables_once, build_tables);
#if defined(__x86_64__)
	if (path == IPL_CRC_FOLD && len >= 256)
		return d ? reg_vclmul_copy(reg, d, s, len) : reg_vclmul_read(reg, s, len);
	if (path != IPL_CRC_TABLE)
		return d ? copy_hw(reg, d, s, len) : reg_hw(reg, s, len);
#endif
	if (d)
		memcpy(d, s, len);
	return reg_sw(reg, d ? d : s, len);
}

static enum ipl_crc_path best_path(void)
{
	return path_ok(IPL_CRC_FOLD) ? IPL_CRC_FOLD : path_ok(IPL_CRC_CHAINS) ? IPL_CRC_CHAINS : IPL_CRC_TABLE;
}

uint32_t ipl_crc32c(uint32_t crc, const void *buf, size_t len)
{
#if defined(__x86_64__)
	if (len < 3 * SHORT_BLK && __builtin_cpu_supports("sse4.2")) /* one chain: no tables needed */
		return ~reg_hw1(~crc, buf, len);
#endif
	return ~run_path(best_path(), ~crc, NULL, buf, len);
}

uint32_t ipl_crc32c_copy(uint32_t crc, void *dst, const void *src, size_t len)
{
#if defined(__x86_64__)
	if (len < 3 * SHORT_BLK && __builtin_cpu_supports("sse4.2"))
		return ~copy_hw1(~crc, dst, src, len);
#endif
	return ~run_path(best_path(), ~crc, dst, src, len);
}

uint32_t ipl_crc32c_portable(uint32_t crc, const void *buf, size_t len)
{
	return ~run_path(IPL_CRC_TABLE, ~crc, NULL, buf, len);
}

int ipl_crc32c_by(enum ipl_crc_path path, uint32_t crc, void *dst, const void *src, size_t len, uint32_t *out)
{
	if (!path_ok(path))
		return IPL_EUNSUPP;
	*out = ~run_path(path, ~crc, dst, src, len);
	return 0;
}
