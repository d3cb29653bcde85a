/* fuzz_serve - the server's side of one connection (ipl_serve_conn) fed
 * the fuzzer's bytes: every request decoded, answered (replies built and
 * "sent" byte by byte to the fake conn), refused or dropped, never a crash,
 * leak or out-of-bounds access. */
#include "common/err.h"
#include "common/exchange.h"
#include "tests/fuzz/fake.h"
#include "common/msgio.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct fake_conn fc;
	uint32_t cap = fake_cap(fake_conn_init(&fc, d, n));
	struct ipl_serve_stats st = { 0 };
	(void)ipl_serve_conn(&fc.base, cap, &st);
	if (st.conns != 1)
		abort();
	free(fc.base.rx);
	return 0;
}
