/* fuzz_rm - the record-marking reassembler (ipl_rpc_read_record) over a
 * connection delivering fuzzer bytes in fuzzer-chosen chunks: records over
 * the cap refused before memory is sized by them, every record's length
 * within the cap and its buffer. */
#include "common/err.h"
#include "tests/fuzz/fake.h"
#include "common/msgio.h"
#include "rpc/rpcmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct fake_conn fc;
	uint32_t cap = fake_cap(fake_conn_init(&fc, d, n));
	struct ipl_buf b = { 0 };
	for (int i = 0; i < 10000; i++) {
		size_t len = 0;
		int rc = ipl_rpc_read_record(&fc.base, cap, &b, &len);
		if (rc < 0)
			break;
		if (len > cap || (len && b.cap < len))
			abort();
	}
	ipl_buf_free(&b);
	free(fc.base.rx);
	return 0;
}
