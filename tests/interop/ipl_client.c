/* ipl_client.c - ipclab's own client stubs (rpc/rpcprog.h) calling every
 * procedure of a server at HOST:PORT over TCP (in the tests: the rpcgen /
 * libtirpc server), then an unknown program, version and procedure and
 * undecodable arguments, checking the ONC replies.  Exit 0 when all match. */
#include "common/err.h"
#include "rpc/rpcprog.h"
#include "common/transport.h"
#include "bench/registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                         \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "ipl_client: FAIL line %d: ", __LINE__); \
			fprintf(stderr, __VA_ARGS__);                            \
			fputc('\n', stderr);                                     \
			failures++;                                              \
		}                                                                \
	} while (0)

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: ipl_client HOST:PORT\n");
		return 2;
	}
	struct ipl_endpoint ep;
	struct ipl_conn *c;
	ipl_endpoint_setup(&ep, ipl_transport_find("tcp"), NULL, argv[1]);
	int rc = ipl_endpoint_attach_client(&ep, 0, &c);
	if (rc < 0) {
		fprintf(stderr, "ipl_client: connect %s: %s\n", argv[1], ipl_strerror(rc));
		return 1;
	}
	struct ipl_rpc_clnt cl;
	ipl_rpc_clnt_init(&cl, c, 1u << 20);

	rc = ipl_rpc_null(&cl);
	CHECK(rc == 0, "NULL: %s", ipl_strerror(rc));
	static uint8_t in[100000], out[100000];
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)(i * 11 + 3);
	uint32_t lens[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 64, 1024, 65536, sizeof in };
	for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		uint32_t got = 0;
		rc = ipl_rpc_echo(&cl, in, lens[k], out, sizeof out, &got);
		CHECK(rc == 0 && got == lens[k] && memcmp(in, out, got) == 0, "ECHO %u: %s, %u bytes",
		      lens[k], ipl_strerror(rc), got);
	}
	rc = ipl_rpc_sink(&cl, in, 1000);
	CHECK(rc == 0, "SINK: %s", ipl_strerror(rc));
	for (int i = 0; i < 10; i++)
		CHECK(ipl_rpc_sink_batch(&cl, in, 100) == 0, "SINK_BATCH");
	CHECK(ipl_rpc_null(&cl) == 0, "NULL after batch");
	int32_t s32 = 0;
	rc = ipl_rpc_add(&cl, 40, 2, &s32);
	CHECK(rc == 0 && s32 == 42, "ADD: %s %d", ipl_strerror(rc), s32);
	int32_t v[] = { 1, -2, 0x7fffffff, 0x7fffffff, 4 };
	int64_t s64 = 0;
	rc = ipl_rpc_sum(&cl, v, 5, &s64);
	CHECK(rc == 0 && s64 == 3 + 2 * (int64_t)0x7fffffff, "SUM: %s %lld", ipl_strerror(rc), (long long)s64);

	struct ipl_xdr_dec res;
	rc = ipl_rpc_call_raw(&cl, 99, NULL, 0, &res);
	CHECK(rc == IPL_ERPC && cl.last.accept_stat == IPL_RPC_PROC_UNAVAIL, "unknown procedure: %s",
	      ipl_rpc_reply_text(&cl.last));
	uint8_t one[4] = { 0, 0, 0, 1 };
	rc = ipl_rpc_call_raw(&cl, IPL_RPC_PROC_ADD, one, 4, &res);
	CHECK(rc == IPL_ERPC && cl.last.accept_stat == IPL_RPC_GARBAGE_ARGS, "ADD with one int: %s",
	      ipl_rpc_reply_text(&cl.last));
	/* a server may close after garbage: reconnect for the rest */
	ipl_rpc_clnt_free(&cl);
	ipl_conn_detach(c);
	if ((rc = ipl_endpoint_attach_client(&ep, 0, &c)) < 0) {
		fprintf(stderr, "ipl_client: reconnect: %s\n", ipl_strerror(rc));
		return 1;
	}
	ipl_rpc_clnt_init(&cl, c, 1u << 20);
	cl.prog = 0x20000001;
	rc = ipl_rpc_null(&cl);
	CHECK(rc == IPL_ERPC && cl.last.accept_stat == IPL_RPC_PROG_UNAVAIL, "unknown program: %s",
	      ipl_rpc_reply_text(&cl.last));
	cl.prog = IPL_RPC_PROG;
	cl.vers = 2;
	rc = ipl_rpc_null(&cl);
	CHECK(rc == IPL_ERPC && cl.last.accept_stat == IPL_RPC_PROG_MISMATCH && cl.last.low == 1 &&
		      cl.last.high == 1,
	      "unknown version: %s %u-%u", ipl_rpc_reply_text(&cl.last), cl.last.low, cl.last.high);
	ipl_rpc_clnt_free(&cl);
	ipl_conn_detach(c);
	ipl_endpoint_cleanup(&ep);
	if (failures) {
		fprintf(stderr, "ipl_client: %d check(s) failed\n", failures);
		return 1;
	}
	printf("ipl_client: every procedure and error reply as expected\n");
	return 0;
}
