/* fuzz_msg_recv - the whole receive path: ipl_msg_recv reading messages
 * off a connection that delivers the fuzzer's bytes in fuzzer-chosen
 * chunks (read, read into several buffers, or lent in place as shm does),
 * as the server loop does, until the stream ends or is refused; half the
 * time with the server's IPL_RX_SINK_IN_PLACE.  Invariants: an accepted
 * message respects the cap and its buffer holds it (unless it is a SINK
 * checked in place); nothing is allocated beyond the cap (libFuzzer's
 * -malloc_limit_mb catches a peer-sized allocation). */
#include "common/err.h"
#include "tests/fuzz/fake.h"
#include "common/msgio.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct fake_conn fc;
	uint8_t knobs = fake_conn_init(&fc, d, n);
	uint32_t cap = fake_cap(knobs);
	static const struct ipl_transport *const tps[] = { &fake_transport, &fake_vec_transport,
							   &fake_lend_transport };
	fc.base.tp = tps[(knobs / 12) % 3];
	unsigned flags = (knobs / 36) & 1 ? IPL_RX_SINK_IN_PLACE : 0;
	struct ipl_buf b = { 0 };
	for (int i = 0; i < 10000; i++) {
		struct ipl_hdr h;
		int rc = ipl_msg_recv_limited(&fc.base, cap, &h, &b, NULL, flags);
		int kept = !(flags && fc.base.tp->peek && h.op == IPL_OP_SINK && (h.flags & IPL_FLAG_CRC));
		if (rc == 0 || rc == IPL_EBADCRC) {
			if (h.len > cap || (kept && b.cap < h.len))
				abort();
			if (!kept)
				continue;
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
