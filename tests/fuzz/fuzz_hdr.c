/* fuzz_hdr - the message header decoder and payload check.
 * Invariants: decode never reads past 24 bytes; an accepted header
 * re-encodes to the same bytes and respects the cap; a payload check
 * agrees with the CRC32C of what follows. */
#include "common/err.h"
#include "common/msg.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1 + IPL_HDR_SIZE)
		return 0;
	uint32_t cap = d[0] & 0x80 ? IPL_DEFAULT_CAP : (uint32_t)d[0] << 8;
	/* a copy of exactly 24 bytes: ASan reports any read beyond the header */
	uint8_t *h = malloc(IPL_HDR_SIZE);
	memcpy(h, d + 1, IPL_HDR_SIZE);
	const uint8_t *payload = d + 1 + IPL_HDR_SIZE;
	size_t have = n - 1 - IPL_HDR_SIZE;

	struct ipl_hdr hd;
	int rc = ipl_hdr_decode(h, cap, &hd);
	if (rc == 0) {
		if (hd.len > cap || hd.version != IPL_VERSION || hd.op < IPL_OP_HELLO ||
		    hd.op > IPL_OP_MAX || (hd.flags & ~IPL_FLAGS_KNOWN))
			abort();
		uint8_t back[IPL_HDR_SIZE];
		ipl_hdr_encode(&hd, back);
		if (memcmp(back, h, IPL_HDR_SIZE))
			abort();
		if (hd.len <= have) {
			uint8_t *p = malloc(hd.len ? hd.len : 1);
			memcpy(p, payload, hd.len);
			int pc = ipl_payload_check(&hd, p);
			int want = !(hd.flags & IPL_FLAG_CRC) || ipl_crc32c(0, p, hd.len) == hd.crc;
			if ((pc == 0) != want || (pc && pc != IPL_EBADCRC))
				abort();
			free(p);
		}
	} else {
		if (rc != IPL_EBADMAGIC && rc != IPL_EBADVERSION && rc != IPL_EBADOP &&
		    rc != IPL_EBADFLAGS && rc != IPL_ETOOBIG)
			abort();
		if (ipl_wire_err_of(rc) == IPL_WERR_INTERNAL)
			abort(); /* every decode error has its own wire code */
	}
	free(h);
	return 0;
}
