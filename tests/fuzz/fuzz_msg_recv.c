/* fuzz_msg_recv - the whole receive path: ipl_msg_recv reading messages
 * off a connection that delivers the fuzzer's bytes in fuzzer-chosen
 * chunks, as the server loop does, until the stream ends or is refused.
 * Invariants: an accepted message respects the cap and its buffer holds
 * it; nothing is allocated beyond the cap (libFuzzer's -malloc_limit_mb
 * catches a peer-sized allocation). */
#include "common/err.h"
#include "tests/fuzz/fake.h"
#include "common/msgio.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct fake_conn fc;
	uint8_t knobs = fake_conn_init(&fc, d, n);
	uint32_t cap = fake_cap(knobs);
	if ((knobs / 12) & 1)
		fc.base.tp = &fake_vec_transport;
	struct ipl_buf b = { 0 };
	for (int i = 0; i < 10000; i++) {
		struct ipl_hdr h;
		int rc = ipl_msg_recv(&fc.base, cap, &h, &b);
		if (rc == 0 || rc == IPL_EBADCRC) {
			if (h.len > cap || b.cap < h.len)
				abort();
			if (rc == 0 && h.len)
				(void)ipl_payload_check(&h, b.p);
			continue;
		}
		break; /* a header error, EOF or truncation ends the stream */
	}
	if (fc.off > fc.len)
		abort();
	ipl_buf_free(&b);
	free(fc.base.rx);
	return 0;
}
