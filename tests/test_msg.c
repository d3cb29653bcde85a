/* test_msg.c - the common request format: encode/decode round trips and one
 * distinct error per validation failure. */
#include "common/bytes.h"
#include "common/err.h"
#include "common/msg.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

static void roundtrip_every_op(void **state)
{
	(void)state;
	for (uint8_t op = IPL_OP_HELLO; op <= IPL_OP_MAX; op++) {
		struct ipl_hdr in = { .version = IPL_VERSION,
				      .op = op,
				      .flags = IPL_FLAG_REPLY,
				      .seq = 0x0102030405060708ull + op,
				      .len = 77u * op,
				      .crc = 0xdeadbeef };
		uint8_t wire[IPL_HDR_SIZE];
		struct ipl_hdr out;
		ipl_hdr_encode(&in, wire);
		assert_ok(ipl_hdr_decode(wire, IPL_DEFAULT_CAP, &out));
		assert_int_equal(out.op, op);
		assert_int_equal(out.flags, IPL_FLAG_REPLY);
		assert_true(out.seq == in.seq);
		assert_int_equal(out.len, in.len);
		assert_int_equal(out.crc, 0xdeadbeef);
	}
}

/* The layout is the documented one, in network byte order. */
static void wire_layout(void **state)
{
	(void)state;
	struct ipl_hdr h = {
		.version = 1, .op = IPL_OP_ECHO, .flags = IPL_FLAG_CRC, .seq = 5, .len = 3, .crc = 0x11223344
	};
	uint8_t w[IPL_HDR_SIZE];
	ipl_hdr_encode(&h, w);
	static const uint8_t expect[IPL_HDR_SIZE] = {
		'I', 'P', 'L', '1', 1, IPL_OP_ECHO, 0, 1, 0,    0,    0,    0,
		0,   0,   0,   5,   0, 0,           0, 3, 0x11, 0x22, 0x33, 0x44,
	};
	assert_memory_equal(w, expect, sizeof expect);
}

static void good_wire(uint8_t w[IPL_HDR_SIZE])
{
	struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .seq = 9, .len = 10 };
	ipl_hdr_encode(&h, w);
}

static void each_failure_has_its_code(void **state)
{
	(void)state;
	uint8_t w[IPL_HDR_SIZE];
	struct ipl_hdr h;

	good_wire(w);
	w[0] ^= 1;
	assert_err(ipl_hdr_decode(w, IPL_DEFAULT_CAP, &h), IPL_EBADMAGIC);
	good_wire(w);
	w[4] = 2;
	assert_err(ipl_hdr_decode(w, IPL_DEFAULT_CAP, &h), IPL_EBADVERSION);
	good_wire(w);
	w[5] = 0;
	assert_err(ipl_hdr_decode(w, IPL_DEFAULT_CAP, &h), IPL_EBADOP);
	w[5] = IPL_OP_MAX + 1;
	assert_err(ipl_hdr_decode(w, IPL_DEFAULT_CAP, &h), IPL_EBADOP);
	good_wire(w);
	w[6] = 0x80;
	assert_err(ipl_hdr_decode(w, IPL_DEFAULT_CAP, &h), IPL_EBADFLAGS);
	good_wire(w);
	assert_err(ipl_hdr_decode(w, 9, &h), IPL_ETOOBIG); /* len 10 > cap 9 */
	assert_ok(ipl_hdr_decode(w, 10, &h));              /* len == cap is fine */
	ipl_put_be32(w + 16, 0xffffffffu);
	assert_err(ipl_hdr_decode(w, IPL_DEFAULT_CAP, &h), IPL_ETOOBIG);
	assert_int_equal(h.seq, 9); /* seq still readable for the ERROR reply */

	/* every code maps to its own wire code and its own text */
	int codes[] = { IPL_EBADMAGIC, IPL_EBADVERSION, IPL_EBADOP,
			IPL_EBADFLAGS, IPL_ETOOBIG,     IPL_EBADCRC };
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		for (size_t k = 0; k < i; k++) {
			assert_int_not_equal(ipl_wire_err_of(codes[i]), ipl_wire_err_of(codes[k]));
			assert_string_not_equal(ipl_strerror(codes[i]), ipl_strerror(codes[k]));
		}
	}
}

static void crc32c_known_vectors(void **state)
{
	(void)state;
	/* RFC 3720 appendix B.4 and the classic check value */
	assert_int_equal(ipl_crc32c(0, "123456789", 9), 0xe3069283u);
	uint8_t zeros[32] = { 0 }, ones[32];
	memset(ones, 0xff, sizeof ones);
	assert_int_equal(ipl_crc32c(0, zeros, 32), 0x8a9136aau);
	assert_int_equal(ipl_crc32c(0, ones, 32), 0x62a8ab43u);
	/* incremental equals one-shot */
	assert_int_equal(ipl_crc32c(ipl_crc32c(0, "12345", 5), "6789", 4), 0xe3069283u);
}

static void payload_check(void **state)
{
	(void)state;
	const char *p = "payload";
	struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .len = 7 };
	assert_ok(ipl_payload_check(&h, p)); /* no CRC flag: nothing to check */
	h.flags = IPL_FLAG_CRC;
	h.crc = ipl_crc32c(0, p, 7);
	assert_ok(ipl_payload_check(&h, p));
	h.crc ^= 1;
	assert_err(ipl_payload_check(&h, p), IPL_EBADCRC);
}

static void strerror_covers_everything(void **state)
{
	(void)state;
	for (int e = IPL_ERR_BASE - 1; e > IPL_ERR_LAST; e--)
		assert_string_not_equal(ipl_strerror(e), "unknown ipclab error");
	assert_string_equal(ipl_strerror(0), "success");
	assert_non_null(strstr(ipl_strerror(-2), "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip_every_op),
		cmocka_unit_test(wire_layout),
		cmocka_unit_test(each_failure_has_its_code),
		cmocka_unit_test(crc32c_known_vectors),
		cmocka_unit_test(payload_check),
		cmocka_unit_test(strerror_covers_everything),
	};
	return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
