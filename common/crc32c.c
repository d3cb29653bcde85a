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
 * here with four 256-entry tables per block size.  Where the CPU has
 * VPCLMULQDQ, carry-less multiplies fold the buffer instead, in AVX-512 or
 * AVX2 registers; with AVX2, a reading pass runs the fold and the chains
 * side by side.  The table path keeps other CPUs (and valgrind) correct.
 * All paths give identical results. */
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
static uint32_t shift_long[4][256], shift_short[4][256], shift_hyb[4][256];
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
	build_shift(shift_hyb, 3 * LONG_BLK);
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

/* The register after three consecutive blocks whose registers, each from
 * 0 but the first, are c0, c1, c2 (t shifts over one block). */
static uint32_t join3(const uint32_t t[4][256], uint64_t c0, uint64_t c1, uint64_t c2)
{
	return shift(t, shift(t, (uint32_t)c0) ^ (uint32_t)c1) ^ (uint32_t)c2;
}


#if defined(__x86_64__)
#define HW __attribute__((target("sse4.2")))
#define AI inline __attribute__((always_inline))

/* The last (fewer than 8 or 16) bytes, one crc32 step each, copied first
 * with copy: every path's tail. */
HW static AI uint32_t bytes1(uint32_t c, uint8_t *d, const uint8_t *s, size_t len, int copy)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t b = s[i];
		if (copy)
			d[i] = b;
		c = __builtin_ia32_crc32qi(c, b);
	}
	return c;
}

/* ---- carry-less multiply (VPCLMULQDQ): 16-byte lanes folded on ----
 * A reflected CRC of data from crc equals that of (data xor crc in its
 * first 4 bytes) from 0, so the register goes into the first lane.  The
 * accumulators (four 64-byte AVX-512 registers, or eight 32-byte AVX2 ones)
 * hold 256 bytes of 16-byte lanes and fold 256 bytes at a time
 * (build_fold); they fold into one, its lanes into one 16-byte block, and
 * fold_tail takes what is left 16 bytes a step, then the block's register
 * with the crc32 instruction (any block congruent mod P to the data has the
 * data's register).  With copy, each load is stored to d before it is
 * folded, so the CRC is of exactly what d received.  The crc32 instruction's
 * three chains run at one 8-byte step a cycle; the AVX-512 loop does four
 * 16-byte folds per instruction, the AVX2 one two. */
#define CLM __attribute__((target("sse4.2,pclmul")))
#define VCL __attribute__((target("sse4.2,pclmul,avx512f,avx512vl,vpclmulqdq")))
#define VCL2 __attribute__((target("sse4.2,pclmul,avx2,vpclmulqdq")))

CLM static inline __m128i fold16(__m128i x, const uint64_t k[2])
{
	__m128i kk = _mm_set_epi64x((long long)k[1], (long long)k[0]);
	return _mm_xor_si128(_mm_clmulepi64_si128(x, kk, 0x00), _mm_clmulepi64_si128(x, kk, 0x11));
}

/* The register after s[0, len) from 0, where x is everything before off
 * folded into one 16-byte block: the rest 16 bytes a step, the block's
 * register, then the last bytes one at a time. */
CLM static AI uint32_t fold_tail(__m128i x, uint8_t *d, const uint8_t *s, size_t off, size_t len, int copy)
{
	for (; len - off >= 16; off += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + off));
		if (copy)
			_mm_storeu_si128((__m128i *)(void *)(d + off), v);
		x = _mm_xor_si128(fold16(x, fold_128), v);
	}
	uint64_t lo = (uint64_t)_mm_cvtsi128_si64(x), hi = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(x, x));
	uint32_t c = (uint32_t)__builtin_ia32_crc32di(__builtin_ia32_crc32di(0, lo), hi);
	return bytes1(c, d + off, s + off, len - off, copy);
}

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

VCL static inline __m512i fold_key(const uint64_t k[2])
{
	return _mm512_broadcast_i32x4(_mm_set_epi64x((long long)k[1], (long long)k[0]));
}

/* The register after len (>= 256) bytes of s from crc, AVX-512. */
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
	return fold_tail(x, d, s, off, len, copy);
}

VCL2 static inline __m256i take32(uint8_t *d, const uint8_t *s, int copy)
{
	__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)s);
	if (copy)
		_mm256_storeu_si256((__m256i *)(void *)d, v);
	return v;
}

VCL2 static inline __m256i fold32(__m256i y, __m256i k, __m256i next)
{
	return _mm256_xor_si256(_mm256_xor_si256(_mm256_clmulepi64_epi128(y, k, 0x00),
						 _mm256_clmulepi64_epi128(y, k, 0x11)),
				next);
}

VCL2 static inline __m256i fold_key2(const uint64_t k[2])
{
	return _mm256_broadcastsi128_si256(_mm_set_epi64x((long long)k[1], (long long)k[0]));
}

/* Eight 32-byte accumulators, because a fold waits about five cycles for
 * the one before it on the same accumulator while the unit takes a new one
 * every cycle or two.  Named, not an array, so they stay in registers. */
struct acc8 {
	__m256i y0, y1, y2, y3, y4, y5, y6, y7;
};

/* The first 256 bytes, crc in the first lane. */
VCL2 static AI void acc8_start(struct acc8 *a, uint32_t crc, uint8_t *d, const uint8_t *s, int copy)
{
	a->y0 = _mm256_xor_si256(take32(d, s, copy), _mm256_setr_epi32((int)crc, 0, 0, 0, 0, 0, 0, 0));
	a->y1 = take32(d + 32, s + 32, copy);
	a->y2 = take32(d + 64, s + 64, copy);
	a->y3 = take32(d + 96, s + 96, copy);
	a->y4 = take32(d + 128, s + 128, copy);
	a->y5 = take32(d + 160, s + 160, copy);
	a->y6 = take32(d + 192, s + 192, copy);
	a->y7 = take32(d + 224, s + 224, copy);
}

/* The next 256 bytes: each accumulator moved 256 bytes on (k8). */
VCL2 static AI void acc8_fold(struct acc8 *a, __m256i k8, uint8_t *d, const uint8_t *s, int copy)
{
	a->y0 = fold32(a->y0, k8, take32(d, s, copy));
	a->y1 = fold32(a->y1, k8, take32(d + 32, s + 32, copy));
	a->y2 = fold32(a->y2, k8, take32(d + 64, s + 64, copy));
	a->y3 = fold32(a->y3, k8, take32(d + 96, s + 96, copy));
	a->y4 = fold32(a->y4, k8, take32(d + 128, s + 128, copy));
	a->y5 = fold32(a->y5, k8, take32(d + 160, s + 160, copy));
	a->y6 = fold32(a->y6, k8, take32(d + 192, s + 192, copy));
	a->y7 = fold32(a->y7, k8, take32(d + 224, s + 224, copy));
}

/* The eight folded into one, each moved 32 bytes on (k1) onto the next. */
VCL2 static AI __m256i acc8_join(const struct acc8 *a, __m256i k1)
{
	__m256i y = fold32(fold32(fold32(a->y0, k1, a->y1), k1, a->y2), k1, a->y3);
	return fold32(fold32(fold32(fold32(y, k1, a->y4), k1, a->y5), k1, a->y6), k1, a->y7);
}

/* The two lanes of y folded into one 16-byte block. */
VCL2 static AI __m128i lanes2(__m256i y)
{
	return _mm_xor_si128(fold16(_mm256_castsi256_si128(y), fold_128), _mm256_extracti128_si256(y, 1));
}

/* The register after len (>= 256) bytes of s from crc, AVX2. */
VCL2 static AI uint32_t reg_vclmul2(uint32_t crc, uint8_t *d, const uint8_t *s, size_t len, int copy)
{
	struct acc8 a;
	__m256i k8 = fold_key2(fold_2048), k1 = fold_key2(fold_256);
	acc8_start(&a, crc, d, s, copy);
	size_t off = 256;
	for (; len - off >= 256; off += 256)
		acc8_fold(&a, k8, d + off, s + off, copy);
	__m256i y = acc8_join(&a, k1);
	for (; len - off >= 32; off += 32)
		y = fold32(y, k1, take32(d + off, s + off, copy));
	return fold_tail(lanes2(y), d, s, off, len, copy);
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

static int have_vclmul2(void)
{
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("vpclmulqdq") &&
	       __builtin_cpu_supports("pclmul");
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
	return bytes1((uint32_t)c, d + i, s + i, len - i, copy);
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
	return join3(t, c0, c1, c2);
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

/* ---- reading: the AVX2 fold beside the crc32 chains ----
 * Where a 32-byte VPCLMULQDQ takes about two cycles (AMD Zen 3), the AVX2
 * fold and the three crc32 chains each run at about 8 bytes a cycle, on
 * different units.  So a long buffer goes in superblocks: the fold takes
 * the first HYB_FOLD bytes from crc while, in the same loop, the three
 * chains take the next 3 x LONG_BLK bytes from 0; the two registers are
 * joined by the shift rule (shift_hyb moves the fold's register over the
 * chains' bytes).  Measured on Zen 3: 1.3x either alone. */
#define HYB_FOLD 16384u
#define HYB_STEPS (HYB_FOLD / 256u) /* loop turns: 256 fold bytes, 3 x HYB_CHAIN chain bytes each */
#define HYB_CHAIN (LONG_BLK / HYB_STEPS)
#define HYB_LEN (HYB_FOLD + 3u * LONG_BLK)

/* The register after HYB_LEN bytes of s from crc. */
VCL2 static AI uint32_t hybrid_block(uint32_t crc, const uint8_t *s)
{
	uint8_t *d = (uint8_t *)s; /* never written: no copy */
	const uint8_t *b = s + HYB_FOLD;
	struct acc8 a;
	__m256i k8 = fold_key2(fold_2048), k1 = fold_key2(fold_256);
	uint64_t c0 = 0, c1 = 0, c2 = 0;
	acc8_start(&a, crc, d, s, 0);
	for (size_t j = 0; j < HYB_STEPS; j++) {
		if (j)
			acc8_fold(&a, k8, d + 256 * j, s + 256 * j, 0);
		for (size_t q = HYB_CHAIN * j; q < HYB_CHAIN * (j + 1); q += 8) {
			c0 = step8(c0, NULL, b + q, 0);
			c1 = step8(c1, NULL, b + LONG_BLK + q, 0);
			c2 = step8(c2, NULL, b + 2 * LONG_BLK + q, 0);
		}
	}
	uint32_t reg_fold = fold_tail(lanes2(acc8_join(&a, k1)), d, s, HYB_FOLD, HYB_FOLD, 0);
	return shift(shift_hyb, reg_fold) ^ join3(shift_long, c0, c1, c2);
}

/* The register after len (>= 256) bytes of s from crc: superblocks, then
 * the fold alone. */
VCL2 static uint32_t reg_vclmul2_read(uint32_t crc, const uint8_t *s, size_t len)
{
	size_t off = 0;
	for (; len - off >= HYB_LEN; off += HYB_LEN)
		crc = hybrid_block(crc, s + off);
	return len - off >= 256 ? reg_vclmul2(crc, (uint8_t *)s + off, s + off, len - off, 0)
				: chain1(crc, (uint8_t *)s + off, s + off, len - off, 0);
}

/* Copying, the fold alone: it moves 32 bytes a load and a store, and keeps
 * the rate of reading (measured), where the chains' 8-byte stores beside it
 * cost more than the chains gain. */
VCL2 static uint32_t reg_vclmul2_copy(uint32_t crc, uint8_t *d, const uint8_t *s, size_t len)
{
	return reg_vclmul2(crc, d, s, len, 1);
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
	case IPL_CRC_FOLD_AVX2: return __builtin_cpu_supports("sse4.2") && have_vclmul2();
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
	if (path == IPL_CRC_FOLD_AVX2 && len >= 256)
		return d ? reg_vclmul2_copy(reg, d, s, len) : reg_vclmul2_read(reg, s, len);
	if (path != IPL_CRC_TABLE)
		return d ? copy_hw(reg, d, s, len) : reg_hw(reg, s, len);
#endif
	if (d)
		memcpy(d, s, len);
	return reg_sw(reg, d ? d : s, len);
}

static enum ipl_crc_path best; /* set once, by find_best */
static pthread_once_t best_once = PTHREAD_ONCE_INIT;

static void find_best(void)
{
	static const enum ipl_crc_path fastest_first[] = { IPL_CRC_FOLD, IPL_CRC_FOLD_AVX2, IPL_CRC_CHAINS };
	best = IPL_CRC_TABLE;
	for (size_t i = 0; i < sizeof fastest_first / sizeof fastest_first[0] && best == IPL_CRC_TABLE; i++)
		if (path_ok(fastest_first[i]))
			best = fastest_first[i];
}

/* The fastest path this CPU runs, asked of the CPU once. */
static enum ipl_crc_path best_path(void)
{
	pthread_once(&best_once, find_best);
	return best;
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
