/* fuzz_rpcmsg - the RPC message parsers and the server stubs: a record
 * taken as a call header (and its AUTH_SYS body), as a reply header, and
 * served whole by ipl_rpc_serve_record, whose reply must itself parse. */
#include "common/err.h"
#include "common/msgio.h"
#include "rpc/rpcmsg.h"
#include "rpc/rpcprog.h"
#include "rpc/xdr.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	uint8_t *rec = malloc(n ? n : 1);
	memcpy(rec, d, n);

	struct ipl_xdr_dec x;
	struct ipl_rpc_call call;
	ipl_xdr_dec_init(&x, rec, n);
	if (ipl_rpc_call_decode(&x, &call) == 0) {
		if (call.cred.len > IPL_RPC_AUTH_MAX || call.verf.len > IPL_RPC_AUTH_MAX)
			abort();
		struct ipl_rpc_authsys as;
		if (call.cred.flavor == IPL_RPC_AUTH_SYS && ipl_rpc_authsys_decode(&call.cred, &as) == 0 &&
		    (as.ngids > IPL_RPC_GIDS_MAX || strlen(as.machine) > IPL_RPC_MACHINE_MAX))
			abort();
	}
	struct ipl_rpc_reply rep;
	ipl_xdr_dec_init(&x, rec, n);
	if (ipl_rpc_reply_decode(&x, &rep) == 0)
		(void)ipl_rpc_reply_text(&rep);

	struct ipl_buf out = { 0 };
	size_t olen = 0;
	uint32_t cap = 4096;
	if (ipl_rpc_serve_record(rec, n, cap, &out, &olen) == 0 && olen) {
		/* the reply record: a last-fragment mark, then a REPLY for our xid */
		if (olen < 4 || out.cap < olen)
			abort();
		uint32_t mark = (uint32_t)out.p[0] << 24 | (uint32_t)out.p[1] << 16 |
				(uint32_t)out.p[2] << 8 | out.p[3];
		if (!(mark & IPL_RM_LAST) || (mark & IPL_RM_LEN) != olen - 4)
			abort();
		ipl_xdr_dec_init(&x, out.p + 4, olen - 4);
		if (ipl_rpc_reply_decode(&x, &rep) != 0)
			abort();
		if (n >= 4 &&
		    rep.xid != ((uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3]))
			abort();
	}
	ipl_buf_free(&out);
	free(rec);
	return 0;
}
