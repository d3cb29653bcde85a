/* rpc_check.c - lab 3's grader: calls the student's server at HOST PORT
 * through stubs rpcgen made from the student's ipclab.x, and prints one
 * "PASS what" or "FAIL what" line per check (grade_3.sh relays them).
 * Exit 0, or 1 when the server could not be reached. */
#include "ipclab.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CLIENT *cl;

/* STATS(vals[0..n)) must answer count, min, max, sum */
static void check_stats(const char *what, int *vals, u_int n, int min, int max, long long sum)
{
	ipclab_ints list = { .ipclab_ints_len = n, .ipclab_ints_val = vals };
	ipclab_stats *st = ipclab_stats_1(&list, cl);
	if (!st) {
		printf("FAIL STATS(%s): the call failed: %s\n", what, clnt_sperror(cl, "RPC"));
		return;
	}
	if (st->count == (int)n && st->min == min && st->max == max && st->sum == sum)
		printf("PASS STATS(%s) = count %u, min %d, max %d, sum %lld\n", what, n, min, max, sum);
	else
		printf("FAIL STATS(%s) answered count %d, min %d, max %d, sum %lld; expected count %u, "
		       "min %d, max %d, sum %lld\n",
		       what, st->count, st->min, st->max, (long long)st->sum, n, min, max, sum);
}

int main(int argc, char **argv)
{
	struct sockaddr_in server = { .sin_family = AF_INET };
	if (argc != 3 || inet_pton(AF_INET, argv[1], &server.sin_addr) != 1)
		return 2;
	server.sin_port = htons((unsigned short)atoi(argv[2]));
	int sock = RPC_ANYSOCK;
	cl = clnttcp_create(&server, IPCLAB_PROG, IPCLAB_VERS, &sock, 0, 0);
	if (!cl) {
		printf("FAIL cannot reach the server: %s\n", clnt_spcreateerror("RPC"));
		return 1;
	}
	ipclab_pair p = { .a = 2, .b = 40 };
	int *sum = ipclab_add_1(&p, cl);
	if (sum && *sum == 42)
		printf("PASS ADD(2, 40) = 42 still works (the procedures before STATS are unchanged)\n");
	else
		printf("FAIL ADD(2, 40) did not answer 42: did ipclab.x change more than STATS?\n");

	int small[] = { 3, -7, 12, 5 };
	check_stats("3, -7, 12, 5", small, 4, -7, 12, 13);
	int neg[] = { -5 };
	check_stats("-5", neg, 1, -5, -5, -5); /* a max that starts at 0 says 0 */
	check_stats("the empty list", NULL, 0, 0, 0, 0);
	static int big[1000];
	for (int i = 0; i < 1000; i++)
		big[i] = 2000000000;
	/* 2e12: only a hyper holds it; an int sum wraps */
	check_stats("1000 times 2000000000", big, 1000, 2000000000, 2000000000, 2000000000000LL);
	clnt_destroy(cl);
	return 0;
}
