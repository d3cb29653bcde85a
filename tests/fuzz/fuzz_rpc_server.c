/* fuzz_rpc_server - the rpc transport's server side end to end: the rpc
 * transport accepts over a fake carrier that delivers the fuzzer's bytes,
 * and the common server loop (ipl_serve_conn) runs on it, so record
 * marking, call parsing, the streamed fast path, the server stubs and the
 * error replies all see hostile input. */
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
	struct ipl_tp_opts o = { .cap = fake_cap(k), .via = &fake_transport };
	struct ipl_endpoint ep;
	ipl_endpoint_init(&ep, &ipl_rpc_transport, &o, NULL); /* via set: no registry */
	struct ipl_conn *c = NULL;
	if (ipl_endpoint_prepare(&ep) || ipl_endpoint_attach_server(&ep) || ipl_endpoint_accept(&ep, &c))
		abort();
	(void)ipl_serve_conn(c, o.cap, NULL);
	ipl_conn_detach(c);
	ipl_endpoint_cleanup(&ep);
	return 0;
}
