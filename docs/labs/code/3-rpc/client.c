/* client.c - lab 3: calls procedures of the ipclab program on the server
 * at HOST PORT through rpcgen's client stubs (ipclab_clnt.c, made with
 * rpcgen -l ipclab.x).  Write TODO 3 below; grade with   make grade LAB=3 */
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

	/* TODO 3: call STATS on the list 3, -7, 12, 5 through its stub (rpcgen
	 * declared it in ipclab.h, next to ipclab_add_1), print the four
	 * fields, and return 0 only when they are count 4, min -7, max 12,
	 * sum 13.  An ipclab_ints is { ipclab_ints_len, ipclab_ints_val }. */
	clnt_destroy(cl);
	return 1;
}
