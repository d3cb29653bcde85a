/* test_rpc_xdr.c - XDR (RFC 4506) encoding, byte for byte, and the
 * decoder's bounds: truncated input, lengths over their cap, never a read
 * past the buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

#include "common/err.h"
#include "rpc/xdr.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_scalars(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct ipl_xdr_enc x;
	ipl_xdr_enc_init(&x, buf, sizeof buf);
	ipl_xdr_put_i32(&x, -2);
	ipl_xdr_put_u32(&x, 0x01020304u);
	ipl_xdr_put_i64(&x, -3);
	ipl_xdr_put_u64(&x, 0x0102030405060708ull);
	ipl_xdr_put_bool(&x, 7);
	static const uint8_t want[] = {
		0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xfd, 1,    2,    3, 4, 5, 6, 7,    8,    0,    0,    0,    1,
	};
	assert_int_equal(x.err, 0);
	assert_int_equal(x.len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);

	struct ipl_xdr_dec d;
	ipl_xdr_dec_init(&d, want, sizeof want);
	assert_int_equal(ipl_xdr_get_i32(&d), -2);
	assert_int_equal(ipl_xdr_get_u32(&d), 0x01020304u);
	assert_true(ipl_xdr_get_i64(&d) == -3);
	assert_true(ipl_xdr_get_u64(&d) == 0x0102030405060708ull);
	assert_int_equal(ipl_xdr_get_bool(&d), 1);
	assert_int_equal(d.err, 0);
	assert_int_equal(ipl_xdr_left(&d), 0);
}

static void test_opaque_padding(void **state)
{
	(void)state;
	uint8_t buf[32];
	memset(buf, 0xaa, sizeof buf); /* padding must be written as zeros */
	struct ipl_xdr_enc x;
	ipl_xdr_enc_init(&x, buf, sizeof buf);
	ipl_xdr_put_opaque(&x, "hello", 5);
	ipl_xdr_put_string(&x, "abcd");
	ipl_xdr_put_fixed(&x, "xy", 2);
	static const uint8_t want[] = {
		0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 0,   0, 0,
		0, 0, 0, 4, 'a', 'b', 'c', 'd', 'x', 'y', 0, 0,
	};
	assert_int_equal(x.err, 0);
	assert_int_equal(x.len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);

	struct ipl_xdr_dec d;
	uint32_t n;
	char s[8];
	uint8_t fx[2];
	ipl_xdr_dec_init(&d, want, sizeof want);
	const uint8_t *p = ipl_xdr_get_opaque(&d, 5, &n);
	assert_non_null(p);
	assert_int_equal(n, 5);
	assert_memory_equal(p, "hello", 5);
	ipl_xdr_get_string(&d, 16, s, sizeof s);
	assert_string_equal(s, "abcd");
	ipl_xdr_get_fixed(&d, fx, 2);
	assert_memory_equal(fx, "xy", 2);
	assert_int_equal(d.err, 0);
	assert_int_equal(ipl_xdr_left(&d), 0);
}

static void test_encoder_overflow(void **state)
{
	(void)state;
	uint8_t buf[8];
	struct ipl_xdr_enc x;
	ipl_xdr_enc_init(&x, buf, sizeof buf);
	ipl_xdr_put_opaque(&x, "hello", 5); /* needs 12 */
	assert_err(x.err, IPL_EXDR);
	ipl_xdr_put_u32(&x, 1); /* sticky: still an error, nothing written */
	assert_err(x.err, IPL_EXDR);
	assert_true(x.len <= sizeof buf);
}

/* Each decode runs on an exact-size heap copy so ASan sees any overread. */
static struct ipl_xdr_dec *dec_of(const void *bytes, size_t len, uint8_t **keep)
{
	static struct ipl_xdr_dec d;
	*keep = malloc(len ? len : 1);
	memcpy(*keep, bytes, len);
	ipl_xdr_dec_init(&d, *keep, len);
	return &d;
}

static void test_truncated(void **state)
{
	(void)state;
	static const uint8_t full[] = { 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 0, 0, 0 };
	for (size_t cut = 0; cut < sizeof full; cut++) {
		uint8_t *keep;
		struct ipl_xdr_dec *d = dec_of(full, cut, &keep);
		uint32_t n = 99;
		assert_null(ipl_xdr_get_opaque(d, 100, &n));
		assert_int_equal(n, 0);
		assert_err(d->err, IPL_EXDR);
		free(keep);
	}
	uint8_t *keep;
	struct ipl_xdr_dec *d = dec_of(full, 7, &keep);
	ipl_xdr_get_u64(d);
	assert_err(d->err, IPL_EXDR);
	free(keep);
	d = dec_of(full, 3, &keep);
	ipl_xdr_get_u32(d);
	assert_err(d->err, IPL_EXDR);
	assert_int_equal(ipl_xdr_left(d), 0);
	free(keep);
}

static void test_length_caps(void **state)
{
	(void)state;
	uint8_t *keep;
	uint32_t n;
	/* a length over the cap is refused before anything is looked at */
	static const uint8_t over[] = { 0, 0, 0, 6, 'h', 'e', 'l', 'l', 'o', '!', 0, 0 };
	struct ipl_xdr_dec *d = dec_of(over, sizeof over, &keep);
	assert_null(ipl_xdr_get_opaque(d, 5, &n));
	assert_err(d->err, IPL_EXDR);
	free(keep);
	/* a huge length with little data: no wrap-around, no overread */
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd' };
	d = dec_of(huge, sizeof huge, &keep);
	assert_null(ipl_xdr_get_opaque(d, UINT32_MAX, &n));
	assert_err(d->err, IPL_EXDR);
	free(keep);
	static const uint8_t huge2[] = { 0xff, 0xff, 0xff, 0xfe, 'a', 'b', 'c', 'd' };
	d = dec_of(huge2, sizeof huge2, &keep);
	assert_null(ipl_xdr_get_opaque(d, UINT32_MAX, &n));
	assert_err(d->err, IPL_EXDR);
	free(keep);
	/* an array count whose elements cannot be present */
	static const uint8_t arr[] = { 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2 };
	d = dec_of(arr, sizeof arr, &keep);
	assert_int_equal(ipl_xdr_get_count(d, 100, 4), 0);
	assert_err(d->err, IPL_EXDR);
	free(keep);
	d = dec_of(arr, sizeof arr, &keep);
	assert_int_equal(ipl_xdr_get_count(d, 2, 4), 0); /* over max */
	assert_err(d->err, IPL_EXDR);
	free(keep);
	static const uint8_t arr2[] = { 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2 };
	d = dec_of(arr2, sizeof arr2, &keep);
	assert_int_equal(ipl_xdr_get_count(d, 2, 4), 2);
	assert_int_equal(ipl_xdr_get_i32(d), 1);
	assert_int_equal(ipl_xdr_get_i32(d), 2);
	assert_int_equal(d->err, 0);
	free(keep);
}

static void test_bad_values(void **state)
{
	(void)state;
	uint8_t *keep;
	char s[8];
	static const uint8_t two[] = { 0, 0, 0, 2 };
	struct ipl_xdr_dec *d = dec_of(two, 4, &keep);
	ipl_xdr_get_bool(d);
	assert_err(d->err, IPL_EXDR);
	free(keep);
	d = dec_of(two, 4, &keep);
	ipl_xdr_get_enum(d, 0, 1);
	assert_err(d->err, IPL_EXDR);
	free(keep);
	d = dec_of(two, 4, &keep);
	assert_int_equal(ipl_xdr_get_enum(d, 0, 2), 2);
	assert_int_equal(d->err, 0);
	free(keep);
	/* a string with an embedded NUL, and one longer than the output */
	static const uint8_t nul[] = { 0, 0, 0, 3, 'a', 0, 'b', 0 };
	d = dec_of(nul, sizeof nul, &keep);
	ipl_xdr_get_string(d, 10, s, sizeof s);
	assert_err(d->err, IPL_EXDR);
	assert_string_equal(s, "");
	free(keep);
	static const uint8_t lng[] = { 0, 0, 0, 8, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };
	d = dec_of(lng, sizeof lng, &keep);
	ipl_xdr_get_string(d, 10, s, sizeof s); /* 8 chars do not fit s[8] with NUL */
	assert_err(d->err, IPL_EXDR);
	free(keep);
}

int main(void)
{
	alarm(300); /* a hang fails instead of stalling (a safety net) */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),          cmocka_unit_test(test_opaque_padding),
		cmocka_unit_test(test_encoder_overflow), cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_length_caps),      cmocka_unit_test(test_bad_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
