/* fuzz_rpc_client - the rpc transport's client side: replies from a
 * hostile server (the fuzzer's bytes through a fake carrier) matched to
 * calls in flight and checked by the common client loops. */
#include "common/err.h"
#include "common/exchange.h"
#include "tests/fuzz/fake.h"
#include "common/msgio.h"

extern const struct ipl_transport ipl_rpc_transport;

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	uint8_t k = fake_split(d, n, &fake_next);
	fake_handed = 0;
	struct ipl_tp_opts o = { .cap = 4096, .via = &fake_transport };
	struct ipl_endpoint ep;
	ipl_endpoint_init(&ep, &ipl_rpc_transport, &o, "fake"); /* via set: no registry */
	struct ipl_conn *c = NULL;
	if (ipl_endpoint_attach_client(&ep, 0, &c))
		abort();
	struct ipl_client_cfg cfg = {
		.size = (k >> 4) * 37u,
		.iters = 32,
		.op = (k & 1) ? IPL_OP_SINK : IPL_OP_ECHO,
		.window = 1u + ((k >> 1) & 7),
		.crc = (k >> 3) & 1,
		.cap = 4096,
	};
	struct ipl_client_stats st = { 0 };
	switch ((k >> 2) % 3) {
	case 0: (void)ipl_client_latency(c, &cfg, NULL, &st); break;
	case 1: (void)ipl_client_throughput(c, &cfg, &st); break;
	default: (void)ipl_client_hello(c, NULL); break;
	}
	ipl_conn_detach(c);
	ipl_endpoint_cleanup(&ep);
	return 0;
}
