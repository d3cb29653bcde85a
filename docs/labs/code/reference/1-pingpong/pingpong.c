/* pingpong.c - lab 1, reference solution: one byte each way over two pipes.
 *
 * The parent sends PING to its child over one pipe; the child answers PONG
 * over the other; N times.  The parent times the N round trips. */
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

/* The child: answers every PING with a PONG until the parent closes its
 * end (read returns 0). */
static void child(int from_parent, int to_parent)
{
	char b;
	while (read(from_parent, &b, 1) == 1) {
		if (b != PING) {
			fprintf(stderr, "pingpong: child got %#x, not a ping\n", (unsigned char)b);
			_exit(1);
		}
		b = PONG;
		if (write(to_parent, &b, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
	int to_child[2], to_parent[2];
	if (n < 1) {
		fprintf(stderr, "usage: pingpong [ROUND_TRIPS]\n");
		return 2;
	}
	if (pipe(to_child) < 0 || pipe(to_parent) < 0) {
		perror("pingpong: pipe");
		return 1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("pingpong: fork");
		return 1;
	}
	if (pid == 0) {
		/* each process closes the ends it does not use: otherwise
		 * the child never sees EOF (it still holds a write end) */
		close(to_child[1]);
		close(to_parent[0]);
		child(to_child[0], to_parent[1]);
	}
	close(to_child[0]);
	close(to_parent[1]);

	double t0 = now_us();
	for (long i = 0; i < n; i++) {
		char b = PING;
		if (write(to_child[1], &b, 1) != 1 || read(to_parent[0], &b, 1) != 1 || b != PONG) {
			fprintf(stderr, "pingpong: round trip %ld failed\n", i + 1);
			return 1;
		}
	}
	double elapsed = now_us() - t0;

	close(to_child[1]); /* the child reads EOF and exits */
	waitpid(pid, NULL, 0);
	printf("pingpong: %ld round trips, %.2f us per round trip\n", n, elapsed / n);
	return 0;
}
