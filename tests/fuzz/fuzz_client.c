/* fuzz_client - the client's reply checking fed a hostile server's bytes:
 * latency, pipelined and stream loops must count or refuse what does not
 * match, never crash or trust a reply's length. */
#include "common/err.h"
#include "common/exchange.h"
#include "tests/fuzz/fake.h"
#include "common/msgio.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct fake_conn fc;
	uint8_t k = fake_conn_init(&fc, d, n);
	struct ipl_client_cfg cfg = {
		.size = (k >> 4) * 37u, /* 0 .. 555 bytes */
		.iters = 64,
		.op = (k & 1) ? IPL_OP_SINK : IPL_OP_ECHO,
		.window = 1u + ((k >> 1) & 7),
		.crc = (k >> 3) & 1,
		.cap = 4096,
	};
	struct ipl_client_stats st = { 0 };
	switch ((k >> 2) % 3) {
	case 0: (void)ipl_client_latency(&fc.base, &cfg, NULL, &st); break;
	case 1: (void)ipl_client_throughput(&fc.base, &cfg, &st); break;
	default: (void)ipl_client_stream(&fc.base, &cfg, &st); break;
	}
	if (st.errors != st.err_seq + st.err_len + st.err_payload + st.err_remote)
		abort();
	uint32_t scap;
	(void)ipl_client_hello(&fc.base, &scap);
	(void)ipl_client_bye(&fc.base);
	free(fc.base.rx);
	return 0;
}
