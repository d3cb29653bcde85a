/* fuzz_xdr - the XDR decoder driven by a fuzzer-chosen program of gets
 * over fuzzer bytes.  Invariants: the decoder never reads past its buffer
 * (ASan; the buffer is an exact-size heap copy), off never exceeds len, an
 * error is sticky, an opaque points inside the buffer and respects max, a
 * string is NUL-terminated within outlen, a count fits what is left. */
#include "common/err.h"
#include "rpc/xdr.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1)
		return 0;
	size_t nops = d[0] % 32;
	if (1 + nops > n)
		return 0;
	const uint8_t *ops = d + 1;
	size_t len = n - 1 - nops;
	uint8_t *buf = malloc(len ? len : 1);
	memcpy(buf, d + 1 + nops, len);
	struct ipl_xdr_dec x;
	ipl_xdr_dec_init(&x, buf, len);
	for (size_t i = 0; i < nops; i++) {
		int had_err = x.err;
		uint32_t max = (uint32_t)(ops[i] >> 3) * 13u;
		switch (ops[i] & 7) {
		case 0: (void)ipl_xdr_get_u32(&x); break;
		case 1: (void)ipl_xdr_get_u64(&x); break;
		case 2: {
			int b = ipl_xdr_get_bool(&x);
			if (!x.err && b != 0 && b != 1)
				abort();
			break;
		}
		case 3: {
			int32_t e = ipl_xdr_get_enum(&x, -3, (int32_t)max);
			if (!x.err && (e < -3 || e > (int32_t)max))
				abort();
			break;
		}
		case 4: {
			uint8_t out[256 + 8];
			size_t fn = max % 257;
			ipl_xdr_get_fixed(&x, out, fn);
			break;
		}
		case 5: {
			uint32_t on = 0;
			const uint8_t *p = ipl_xdr_get_opaque(&x, max, &on);
			if (p && (on > max || p < buf || p + on > buf + len))
				abort();
			if (!p && on)
				abort();
			break;
		}
		case 6: {
			char s[400];
			uint32_t m = max % 399;
			memset(s, 'Z', sizeof s);
			ipl_xdr_get_string(&x, m, s, m + 1);
			if (!x.err && strnlen(s, m + 1) > m)
				abort();
			break;
		}
		case 7: {
			size_t unit = 1u + (ops[i] >> 6);
			uint32_t c = ipl_xdr_get_count(&x, max, unit);
			if (!x.err && (c > max || (size_t)c * unit > ipl_xdr_left(&x)))
				abort();
			break;
		}
		}
		if (had_err && !x.err)
			abort(); /* errors are sticky */
		if (x.off > x.len || (x.off & 3))
			abort();
	}
	free(buf);
	return 0;
}
