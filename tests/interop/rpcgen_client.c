/* rpcgen_client.c - a stock libtirpc client of ipclab.x (rpcgen's stubs in
 * ipclab_clnt.c) that calls every procedure of the server at HOST:PORT and
 * checks every result, then checks that an unknown program, version and
 * procedure and undecodable arguments come back as the ONC errors libtirpc
 * reports.  Exit 0 when everything matched; each mismatch is printed.
 * With HOST alone, the standard binding path: clnt_create(HOST, prog, vers,
 * NETID) asks HOST's rpcbind for the port (the error cases then reuse the
 * address it found).  -n udp: every call over UDP (one call per datagram;
 * ECHO then stays within libtirpc's 8800-byte datagram); default tcp.
 * INCR, not idempotent, must come back exactly one more per call. */
#include "ipclab.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                                    \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "rpcgen_client: FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                                       \
			fputc('\n', stderr);                                                \
			failures++;                                                         \
		}                                                                           \
	} while (0)

static struct sockaddr_in server;
static const char *by_host; /* HOST alone: rpcbind says where */
static const char *netid = "tcp";
static int over_udp;

/* clnt_create: rpcbind's GETADDR, then a connection there; server keeps
 * the address for the calls to other programs and versions. */
static CLIENT *create_by_rpcbind(rpcprog_t prog, rpcvers_t vers)
{
	CLIENT *cl = clnt_create(by_host, prog, vers, netid);
	struct netbuf nb = { 0 };
	if (!cl) {
		clnt_pcreateerror("rpcgen_client: clnt_create");
		exit(1);
	}
	if (!clnt_control(cl, CLGET_SVC_ADDR, (char *)&nb) || nb.len > sizeof server) {
		fprintf(stderr, "rpcgen_client: no server address from clnt_create\n");
		exit(1);
	}
	memcpy(&server, nb.buf, nb.len);
	printf("rpcgen_client: rpcbind on %s gave %s port %u\n", by_host, netid, ntohs(server.sin_port));
	return cl;
}

static CLIENT *connect_to(rpcprog_t prog, rpcvers_t vers)
{
	int sock = RPC_ANYSOCK;
	if (by_host && prog == IPCLAB_PROG && vers == IPCLAB_VERS)
		return create_by_rpcbind(prog, vers);
	/* a non-zero port: libtirpc connects directly, no rpcbind query */
	struct timeval retry = { 1, 0 };
	CLIENT *cl = over_udp ? clntudp_create(&server, prog, vers, retry, &sock)
			      : clnttcp_create(&server, prog, vers, &sock, 0, 0);
	if (!cl) {
		clnt_pcreateerror("rpcgen_client");
		exit(1);
	}
	return cl;
}

static enum clnt_stat call_null(CLIENT *cl)
{
	struct timeval tv = { 10, 0 };
	return clnt_call(cl, IPCLAB_NULL, (xdrproc_t)xdr_void, NULL, (xdrproc_t)xdr_void, NULL, tv);
}

/* INCR n times: the counter of this client (a connection, or over udp a
 * socket's address) goes 1, 2, ..., n: each call ran exactly once. */
static void check_incr(CLIENT *cl, int n)
{
	for (int i = 1; i <= n; i++) {
		int *v = ipclab_incr_1(NULL, cl);
		CHECK(v != NULL, "INCR %d: %s", i, clnt_sperror(cl, ""));
		if (!v)
			return;
		CHECK(*v == i, "INCR call %d returned %d (%s)", i, *v,
		      *v > i ? "ran more than once" : "a call did not run");
	}
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "-n")) {
		netid = argv[2];
		argc -= 2, argv += 2;
	}
	over_udp = !strcmp(netid, "udp");
	if ((argc != 3 && argc != 2) || (!over_udp && strcmp(netid, "tcp"))) {
		fprintf(stderr, "usage: rpcgen_client [-n tcp|udp] HOST [PORT]\n");
		return 2;
	}
	if (argc == 2)
		by_host = argv[1];
	server.sin_family = AF_INET;
	server.sin_port = htons(argc == 3 ? (unsigned short)atoi(argv[2]) : 0);
	if (!by_host && inet_pton(AF_INET, argv[1], &server.sin_addr) != 1) {
		fprintf(stderr, "rpcgen_client: bad host %s\n", argv[1]);
		return 2;
	}
	CLIENT *cl = connect_to(IPCLAB_PROG, IPCLAB_VERS);

	CHECK(ipclab_null_1(NULL, cl) != NULL, "NULL: %s", clnt_sperror(cl, ""));
	check_incr(cl, 5); /* first: this client's counter starts at 0 */

	/* ECHO at every padding length and one large enough that libtirpc
	 * sends it in several record fragments */
	static char buf[200000];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (char)(i * 13 + 1);
	size_t lens[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 64, 1024, 65536, sizeof buf };
	size_t udp_lens[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 64, 1024, 8000 };
	size_t nlens = sizeof lens / sizeof lens[0];
	if (over_udp) {
		memcpy(lens, udp_lens, sizeof udp_lens);
		nlens = sizeof udp_lens / sizeof udp_lens[0];
	}
	for (size_t k = 0; k < nlens; k++) {
		ipclab_data in = { .ipclab_data_len = (u_int)lens[k], .ipclab_data_val = buf };
		ipclab_data *out = ipclab_echo_1(&in, cl);
		CHECK(out != NULL, "ECHO %zu: %s", lens[k], clnt_sperror(cl, ""));
		if (out) {
			CHECK(out->ipclab_data_len == lens[k], "ECHO %zu: got %u bytes", lens[k],
			      out->ipclab_data_len);
			/* an empty opaque decodes to a NULL pointer: no memcmp on it */
			CHECK(out->ipclab_data_len != lens[k] || lens[k] == 0 ||
				      memcmp(out->ipclab_data_val, buf, lens[k]) == 0,
			      "ECHO %zu: bytes differ", lens[k]);
			xdr_free((xdrproc_t)xdr_ipclab_data, (char *)out);
		}
	}

	ipclab_data sink = { .ipclab_data_len = 1000, .ipclab_data_val = buf };
	CHECK(ipclab_sink_1(&sink, cl) != NULL, "SINK: %s", clnt_sperror(cl, ""));

	/* batching: a zero timeout sends without waiting; NULL then syncs */
	struct timeval zero = { 0, 0 };
	for (int i = 0; i < 10; i++) {
		enum clnt_stat st = clnt_call(cl, IPCLAB_SINK_BATCH, (xdrproc_t)xdr_ipclab_data,
					      (caddr_t)&sink, (xdrproc_t)NULL, NULL, zero);
		CHECK(st == RPC_SUCCESS || st == RPC_TIMEDOUT, "SINK_BATCH: %s", clnt_sperrno(st));
	}
	CHECK(call_null(cl) == RPC_SUCCESS, "NULL after batch: %s", clnt_sperror(cl, ""));

	ipclab_pair p = { 40, 2 };
	int *sum = ipclab_add_1(&p, cl);
	CHECK(sum && *sum == 42, "ADD 40+2: %s %d", sum ? "got" : clnt_sperror(cl, ""), sum ? *sum : 0);
	p.a = 2147483647, p.b = 1;
	sum = ipclab_add_1(&p, cl);
	CHECK(sum && *sum == (int)0x80000000u, "ADD wraps: %d", sum ? *sum : 0);

	int v[] = { 1, -2, 2147483647, 2147483647, 4 };
	ipclab_ints ints = { .ipclab_ints_len = 5, .ipclab_ints_val = v };
	quad_t *total = ipclab_sum_1(&ints, cl);
	CHECK(total && *total == 3 + 2 * (quad_t)2147483647, "SUM: %lld", total ? (long long)*total : -1LL);

	/* AUTH_SYS credentials are accepted */
	cl->cl_auth = authunix_create_default();
	CHECK(ipclab_add_1(&p, cl) != NULL, "ADD with AUTH_SYS: %s", clnt_sperror(cl, ""));
	auth_destroy(cl->cl_auth);
	cl->cl_auth = authnone_create();

	/* errors, as libtirpc reports them */
	struct timeval tv = { 10, 0 };
	enum clnt_stat st = clnt_call(cl, 99, (xdrproc_t)xdr_void, NULL, (xdrproc_t)xdr_void, NULL, tv);
	CHECK(st == RPC_PROCUNAVAIL, "unknown procedure: %s", clnt_sperrno(st));
	int one = 7;
	st = clnt_call(cl, IPCLAB_ADD, (xdrproc_t)xdr_int, (caddr_t)&one, (xdrproc_t)xdr_int, (caddr_t)&one, tv);
	CHECK(st == RPC_CANTDECODEARGS, "ADD with one int: %s", clnt_sperrno(st));
	clnt_destroy(cl);

	cl = connect_to(0x20000001, IPCLAB_VERS);
	st = call_null(cl);
	CHECK(st == RPC_PROGUNAVAIL, "unknown program: %s", clnt_sperrno(st));
	clnt_destroy(cl);

	cl = connect_to(IPCLAB_PROG, 2);
	st = call_null(cl);
	CHECK(st == RPC_PROGVERSMISMATCH, "unknown version: %s", clnt_sperrno(st));
	if (st == RPC_PROGVERSMISMATCH) {
		struct rpc_err e;
		clnt_geterr(cl, &e);
		CHECK(e.re_vers.low == 1 && e.re_vers.high == 1, "versions %lu-%lu",
		      (unsigned long)e.re_vers.low, (unsigned long)e.re_vers.high);
	}
	clnt_destroy(cl);

	if (failures) {
		fprintf(stderr, "rpcgen_client: %d check(s) failed\n", failures);
		return 1;
	}
	printf("rpcgen_client: every procedure and error reply as expected\n");
	return 0;
}
