/* pingpong.c - lab 1: one byte each way over two pipes (see README.md).
 *
 * Write the parts marked TODO, then grade your work from the top of the
 * ipclab tree with:   make grade LAB=1
 *
 * The rules the grader checks:
 *   - the parent writes one PING byte to the child through one pipe, the
 *     child reads it and writes one PONG byte back through a second pipe,
 *     the parent reads it: that is one round trip;
 *   - ROUND_TRIPS round trips (the first argument, 10000 when absent);
 *   - use read(2) and write(2) on the pipes (not stdio);
 *   - at the end the parent prints the line below with the time per round
 *     trip, measured with clock_gettime(CLOCK_MONOTONIC).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PING 'i'
#define PONG 'o'

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
	if (n < 1) {
		fprintf(stderr, "usage: pingpong [ROUND_TRIPS]\n");
		return 2;
	}

	/* TODO 1: make two pipes, one for each direction (pipe(2)). */

	/* TODO 2: fork(2).  In the child: close the pipe ends it does not
	 * use, then loop: read one byte; if it is a PING, write one PONG back;
	 * stop when read returns 0 (the parent closed its end).  Leave the
	 * child with _exit(0). */

	/* TODO 3: in the parent: close the ends it does not use. */

	double t0 = now_us();
	/* TODO 4: n round trips: write one PING, read one PONG (check it). */
	double elapsed = now_us() - t0;

	/* TODO 5: close the parent's write end (the child then reads EOF)
	 * and wait for the child (waitpid). */

	printf("pingpong: %ld round trips, %.2f us per round trip\n", n, elapsed / n);
	return 0;
}
