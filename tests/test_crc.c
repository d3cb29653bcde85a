/* test_crc.c - every CRC32C path this CPU runs (a table; the crc32
 * instruction in three chains joined by the CRC shift rule; VPCLMULQDQ
 * folding in AVX-512 or AVX2 registers) gives the CRC32C of a bit-at-a-time
 * reference at every length that crosses its block boundaries, at every
 * alignment, continued from any earlier result; ipl_crc32c, the fastest of them, too.  Its copying twin,
 * ipl_crc32c_copy, copies exactly the bytes and gives the same CRC. */
#include "common/msg.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* The definition itself: reflected polynomial, one bit a step. */
static uint32_t crc_ref(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
	}
	return ~crc;
}

/* A fixed pseudo-random fill (xorshift), so a failure repeats. */
static void fill(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t x = seed | 1;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)(x >> 24);
	}
}

static const enum ipl_crc_path paths[] = { IPL_CRC_TABLE, IPL_CRC_CHAINS, IPL_CRC_FOLD, IPL_CRC_FOLD_AVX2 };
static const char *const path_name[] = { "", "table", "chains", "fold", "fold-avx2" };
#define NPATHS (sizeof paths / sizeof paths[0])

/* The CRC by path; UINT64_MAX when this CPU lacks it. */
static uint64_t by(enum ipl_crc_path path, uint32_t crc, void *dst, const void *src, size_t len)
{
	uint32_t out;
	return ipl_crc32c_by(path, crc, dst, src, len, &out) == 0 ? out : UINT64_MAX;
}

/* Which paths this CPU runs: the table always; the others are said when
 * missing, so a CPU without them shows in the log, not as silence. */
static void paths_present(void **state)
{
	(void)state;
	assert_int_not_equal(by(IPL_CRC_TABLE, 0, NULL, "", 0), UINT64_MAX);
	for (size_t i = 1; i < NPATHS; i++)
		if (by(paths[i], 0, NULL, "", 0) == UINT64_MAX)
			print_message("# this CPU has no %s path: it is not tested here\n", path_name[paths[i]]);
}

static void known_vector(void **state)
{
	(void)state;
	assert_int_equal(ipl_crc32c(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(ipl_crc32c_portable(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(ipl_crc32c(0, "", 0), 0);
}

/* Every length 0..4096 at every offset 0..7 from an aligned base: the
 * short three-chain block (768 bytes) and its tails, each alignment. */
static void every_length_and_offset(void **state)
{
	(void)state;
	enum { MAXLEN = 4096, OFFS = 8 };
	uint8_t *buf = malloc(MAXLEN + OFFS);
	assert_non_null(buf);
	fill(buf, MAXLEN + OFFS, 17);
	for (size_t off = 0; off < OFFS; off++) {
		const uint8_t *p = buf + off;
		uint32_t want = 0; /* the reference, continued a byte at a time */
		for (size_t len = 0; len <= MAXLEN; len++) {
			if (len)
				want = crc_ref(want, p + len - 1, 1);
			if (ipl_crc32c(0, p, len) != want || ipl_crc32c_portable(0, p, len) != want)
				fail_msg("offset %zu length %zu: crc %08x portable %08x want %08x", off, len,
					 ipl_crc32c(0, p, len), ipl_crc32c_portable(0, p, len), want);
			for (size_t k = 0; k < NPATHS; k++) {
				uint64_t got = by(paths[k], 0, NULL, p, len);
				if (got != UINT64_MAX && got != want)
					fail_msg("%s: offset %zu length %zu: %08x want %08x", path_name[paths[k]], off,
						 len, (uint32_t)got, want);
			}
		}
	}
	free(buf);
}

/* Large buffers cross the long block (3 x 4096 bytes) many times, with odd
 * lengths and offsets; a CRC continued from a previous result (the split
 * at any point) equals the CRC of the whole. */
static void large_buffers_and_continuation(void **state)
{
	(void)state;
	static const size_t lens[] = { 12288, 12289, 65536, 65536 + 24, 1048576 + 13, 3000007 };
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		size_t len = lens[i], off = i % 8;
		uint8_t *buf = malloc(len + 8);
		assert_non_null(buf);
		fill(buf, len + 8, 1000 + i);
		const uint8_t *p = buf + off;
		uint32_t want = crc_ref(0, p, len);
		assert_int_equal(ipl_crc32c(0, p, len), want);
		assert_int_equal(ipl_crc32c_portable(0, p, len), want);
		size_t cut = len / 3 + i; /* not on a block boundary */
		assert_int_equal(ipl_crc32c(ipl_crc32c(0, p, cut), p + cut, len - cut), want);
		for (size_t k = 0; k < NPATHS; k++) {
			uint64_t head = by(paths[k], 0, NULL, p, cut);
			if (head == UINT64_MAX)
				continue;
			assert_int_equal(by(paths[k], 0, NULL, p, len), want);
			assert_int_equal(by(paths[k], (uint32_t)head, NULL, p + cut, len - cut), want);
		}
		free(buf);
	}
}

/* One flipped bit anywhere in a long buffer changes the CRC (each chain
 * and each join carries it). */
static void flipped_bit_detected(void **state)
{
	(void)state;
	enum { LEN = 65536 };
	uint8_t *buf = malloc(LEN);
	assert_non_null(buf);
	fill(buf, LEN, 99);
	uint32_t good = ipl_crc32c(0, buf, LEN);
	static const size_t at[] = { 0, 15, 16, 63, 64, 255, 256, 4095, 4096, 8191, 8192, 12287, 12288, 32768, 61439, 61440, 65535 };
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		buf[at[i]] ^= 0x10;
		assert_int_not_equal(ipl_crc32c(0, buf, LEN), good);
		for (size_t k = 0; k < NPATHS; k++) {
			uint64_t got = by(paths[k], 0, NULL, buf, LEN);
			assert_true(got == UINT64_MAX || got != good);
		}
		buf[at[i]] ^= 0x10;
	}
	assert_int_equal(ipl_crc32c(0, buf, LEN), good);
	free(buf);
}

/* ipl_crc32c_copy copies exactly the bytes (nothing before or after the
 * destination is touched) and returns the reference CRC continued from any
 * start, at every length that crosses its blocks and at odd alignments of
 * either side. */
static void copy_gives_crc_and_bytes(void **state)
{
	(void)state;
	static const size_t lens[] = { 0,    1,    7,     8,     255,        256,         257, 767,
				       768,  769,  1000,  3000,  12288,      12289,       65536 + 24,
				       65536 + 63, 65536 + 64, 65536 + 65, 1048576 + 13 };
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		size_t len = lens[i], so = i % 8, dof = (i * 3 + 1) % 8;
		uint8_t *src = malloc(len + 8), *dst = malloc(len + 16);
		assert_non_null(src);
		assert_non_null(dst);
		fill(src, len + 8, 500 + i);
		memset(dst, 0xa5, len + 16);
		uint32_t start = (uint32_t)(i * 0x9e3779b9u);
		uint32_t want = crc_ref(start, src + so, len);
		for (size_t pk = 0; pk <= NPATHS; pk++) { /* every path, then the default */
			memset(dst, 0xa5, len + 16);
			uint64_t got = pk < NPATHS ? by(paths[pk], start, dst + dof, src + so, len)
						   : ipl_crc32c_copy(start, dst + dof, src + so, len);
			if (got == UINT64_MAX)
				continue;
			if (got != want)
				fail_msg("%s: length %zu: crc %08x want %08x", pk < NPATHS ? path_name[paths[pk]] : "default",
					 len, (uint32_t)got, want);
			assert_memory_equal(dst + dof, src + so, len);
			for (size_t k = 0; k < dof; k++)
				assert_int_equal(dst[k], 0xa5);
			for (size_t k = dof + len; k < len + 16; k++)
				assert_int_equal(dst[k], 0xa5);
		}
		free(src);
		free(dst);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths_present),
		cmocka_unit_test(known_vector),
		cmocka_unit_test(every_length_and_offset),
		cmocka_unit_test(large_buffers_and_continuation),
		cmocka_unit_test(flipped_bit_detected),
		cmocka_unit_test(copy_gives_crc_and_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
