/* client.c - lab 3, reference solution: calls ADD and the new STATS on
 * the server at HOST PORT through rpcgen's client stubs (ipclab_clnt.c).
 * Exit 0 when STATS answered count 4, min -7, max 12, sum 13. */
#include "ipclab.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: client HOST PORT\n");
		return 2;
	}
	struct sockaddr_in server = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2])) };
	if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1) {
		fprintf(stderr, "client: bad host %s\n", argv[1]);
		return 2;
	}
	int sock = RPC_ANYSOCK;
	/* a non-zero port: libtirpc connects directly, no rpcbind query */
	CLIENT *cl = clnttcp_create(&server, IPCLAB_PROG, IPCLAB_VERS, &sock, 0, 0);
	if (!cl) {
		clnt_pcreateerror("client");
		return 1;
	}

	/* one call through rpcgen's stub: ipclab_add_1 marshals the pair,
	 * sends the call, waits for the reply and unmarshals the int */
	ipclab_pair p = { .a = 2, .b = 40 };
	int *sum = ipclab_add_1(&p, cl);
	if (!sum) {
		fprintf(stderr, "client: ADD: %s\n", clnt_sperror(cl, ""));
		return 1;
	}
	printf("ADD(2, 40) = %d\n", *sum);

	int vals[] = { 3, -7, 12, 5 };
	ipclab_ints list = { .ipclab_ints_len = 4, .ipclab_ints_val = vals };
	ipclab_stats *st = ipclab_stats_1(&list, cl);
	if (!st) {
		fprintf(stderr, "client: STATS: %s\n", clnt_sperror(cl, ""));
		return 1;
	}
	printf("STATS(3, -7, 12, 5) = count %d, min %d, max %d, sum %lld\n", st->count, st->min, st->max,
	       (long long)st->sum);
	int ok = st->count == 4 && st->min == -7 && st->max == 12 && st->sum == 13;
	clnt_destroy(cl);
	return ok ? 0 : 1;
}
