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
#include "common/msg.h"

#include <pthread.h>
#include <string.h>

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
}

static uint32_t shift(const uint32_t t[4][256], uint32_t r)
{
	return t[0][r & 0xff] ^ t[1][(r >> 8) & 0xff] ^ t[2][(r >> 16) & 0xff] ^ t[3][r >> 24];
}

uint32_t ipl_crc32c_portable(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&tables_once, build_tables);
	return ~reg_sw(~crc, buf, len);
}

#if defined(__x86_64__)
#define HW __attribute__((target("sse4.2")))

HW static inline uint64_t step8(uint64_t c, const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return __builtin_ia32_crc32di(c, w);
}

/* One chain: what the whole of a short buffer, and every tail, takes. */
HW static uint32_t reg_hw1(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;
	for (; len >= 8; p += 8, len -= 8)
		c = step8(c, p);
	uint32_t c32 = (uint32_t)c;
	while (len--)
		c32 = __builtin_ia32_crc32qi(c32, *p++);
	return c32;
}

/* Three chains over consecutive blocks of blk bytes, joined: the register
 * after 3 * blk bytes from crc. */
HW static inline uint32_t reg_hw3(uint32_t crc, const uint8_t *p, size_t blk, const uint32_t t[4][256])
{
	uint64_t c0 = crc, c1 = 0, c2 = 0;
	for (size_t i = 0; i < blk; i += 8) {
		c0 = step8(c0, p + i);
		c1 = step8(c1, p + blk + i);
		c2 = step8(c2, p + 2 * blk + i);
	}
	return shift(t, shift(t, (uint32_t)c0) ^ (uint32_t)c1) ^ (uint32_t)c2;
}

HW static uint32_t reg_hw(uint32_t crc, const uint8_t *p, size_t len)
{
	for (; len >= 3 * LONG_BLK; p += 3 * LONG_BLK, len -= 3 * LONG_BLK)
		crc = reg_hw3(crc, p, LONG_BLK, shift_long);
	for (; len >= 3 * SHORT_BLK; p += 3 * SHORT_BLK, len -= 3 * SHORT_BLK)
		crc = reg_hw3(crc, p, SHORT_BLK, shift_short);
	return reg_hw1(crc, p, len);
}

/* The copying twins of the three above: each word is loaded once, stored
 * to d and run through the CRC, so the CRC is of exactly what d received
 * even if s changes meanwhile (a peer's shared memory). */
HW static inline uint64_t step8c(uint64_t c, uint8_t *d, const uint8_t *s)
{
	uint64_t w;
	memcpy(&w, s, 8);
	memcpy(d, &w, 8);
	return __builtin_ia32_crc32di(c, w);
}

HW static uint32_t copy_hw1(uint32_t crc, uint8_t *d, const uint8_t *s, size_t len)
{
	uint64_t c = crc;
	for (; len >= 8; d += 8, s += 8, len -= 8)
		c = step8c(c, d, s);
	uint32_t c32 = (uint32_t)c;
	for (; len; len--) {
		uint8_t b = *s++;
		*d++ = b;
		c32 = __builtin_ia32_crc32qi(c32, b);
	}
	return c32;
}

HW static inline uint32_t copy_hw3(uint32_t crc, uint8_t *d, const uint8_t *s, size_t blk,
				   const uint32_t t[4][256])
{
	uint64_t c0 = crc, c1 = 0, c2 = 0;
	for (size_t i = 0; i < blk; i += 8) {
		c0 = step8c(c0, d + i, s + i);
		c1 = step8c(c1, d + blk + i, s + blk + i);
		c2 = step8c(c2, d + 2 * blk + i, s + 2 * blk + i);
	}
	return shift(t, shift(t, (uint32_t)c0) ^ (uint32_t)c1) ^ (uint32_t)c2;
}

HW static uint32_t copy_hw(uint32_t crc, uint8_t *d, const uint8_t *s, size_t len)
{
	for (; len >= 3 * LONG_BLK; d += 3 * LONG_BLK, s += 3 * LONG_BLK, len -= 3 * LONG_BLK)
		crc = copy_hw3(crc, d, s, LONG_BLK, shift_long);
	for (; len >= 3 * SHORT_BLK; d += 3 * SHORT_BLK, s += 3 * SHORT_BLK, len -= 3 * SHORT_BLK)
		crc = copy_hw3(crc, d, s, SHORT_BLK, shift_short);
	return copy_hw1(crc, d, s, len);
}
#endif

uint32_t ipl_crc32c(uint32_t crc, const void *buf, size_t len)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2")) {
		if (len < 3 * SHORT_BLK) /* one chain: no tables needed */
			return ~reg_hw1(~crc, buf, len);
		pthread_once(&tables_once, build_tables);
		return ~reg_hw(~crc, buf, len);
	}
#endif
	return ipl_crc32c_portable(crc, buf, len);
}

uint32_t ipl_crc32c_copy(uint32_t crc, void *dst, const void *src, size_t len)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2")) {
		if (len < 3 * SHORT_BLK)
			return ~copy_hw1(~crc, dst, src, len);
		pthread_once(&tables_once, build_tables);
		return ~copy_hw(~crc, dst, src, len);
	}
#endif
	memcpy(dst, src, len);
	return ipl_crc32c_portable(crc, dst, len);
}
