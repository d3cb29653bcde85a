/* floor_extra.c - the floor loop (the cheapest round trip, as
 * ../shared/floor measures it) for the mechanisms ../shared/floor lacks: POSIX
 * message queues and Unix SOCK_SEQPACKET.  Not part of ipclab: two processes
 * (fork) ping-pong SIZE bytes with no header and the fewest system calls the
 * mechanism allows; the reply's sequence stamp is checked, nothing else.
 *
 *   ipclab-floor-extra mq|seqpacket SIZE ITERS [--pin A,B]
 *
 * Prints one line in ../shared/floor's format, so bench/vs-floor.sh reads both:
 *   floor mech=mq size=64 iters=20000 pin=0,0 min_ns=.. p50_ns=.. p99_ns=..
 *
 * mq: two queues (request, reply) of depth 1 and SIZE-byte messages, opened
 * under a random name, unlinked before the fork (the child inherits the
 * descriptors), so nothing outlives the run.  A SIZE over
 * fs.mqueue.msgsize_max is refused: ipclab splits such messages into chunks,
 * which is no longer the floor.  seqpacket: a socketpair, one send and one
 * recv per message each way. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct chan {
	int kind;       /* 0 mq, 1 seqpacket */
	mqd_t req, rep; /* mq */
	int fd[2];      /* seqpacket: [0] client, [1] peer */
	int side;       /* 0 client, 1 peer */
};

static void die(const char *what)
{
	fprintf(stderr, "ipclab-floor-extra: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t s;
	if (cpu < 0)
		return;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof s, &s) < 0)
		die("sched_setaffinity");
}

static void ch_send(struct chan *c, const void *b, size_t n)
{
	if (c->kind == 0) {
		if (mq_send(c->side ? c->rep : c->req, b, n, 0) < 0)
			die("mq_send");
	} else if (send(c->fd[c->side], b, n, 0) != (ssize_t)n) {
		die("send");
	}
}

static void ch_recv(struct chan *c, void *b, size_t n)
{
	ssize_t r;
	if (c->kind == 0)
		r = mq_receive(c->side ? c->req : c->rep, b, n, NULL);
	else
		r = recv(c->fd[c->side], b, n, 0);
	if (r < 0)
		die("receive");
	if ((size_t)r != n) {
		fprintf(stderr, "ipclab-floor-extra: a %zd-byte message, want %zu\n", r, n);
		exit(1);
	}
}

static void ch_open(struct chan *c, size_t size)
{
	if (c->kind == 1) {
		int sndbuf = 0;
		socklen_t l = sizeof sndbuf;
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->fd) < 0)
			die("socketpair");
		if (getsockopt(c->fd[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &l) < 0)
			die("getsockopt");
		/* the kernel refuses a packet over the send buffer less 32 bytes:
		 * ipclab splits such messages into packets, no longer the floor */
		if (size + 32 > (size_t)sndbuf) {
			fprintf(stderr, "ipclab-floor-extra: seqpacket SIZE over %d (the send buffer less 32 bytes) is refused\n",
				sndbuf - 32);
			exit(2);
		}
		return;
	}
	struct mq_attr a = { .mq_maxmsg = 1, .mq_msgsize = (long)size };
	uint64_t r;
	char name[2][64];
	if (getrandom(&r, sizeof r, 0) != sizeof r)
		die("getrandom");
	for (int i = 0; i < 2; i++)
		snprintf(name[i], sizeof name[i], "/ipclab-floor-%d-%016llx-%d", (int)getpid(),
			 (unsigned long long)r, i);
	c->req = mq_open(name[0], O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	c->rep = c->req < 0 ? -1 : mq_open(name[1], O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	int err = errno;
	mq_unlink(name[0]);
	mq_unlink(name[1]);
	errno = err;
	if (c->req < 0 || c->rep < 0)
		die("mq_open (a size over fs.mqueue.msgsize_max is refused)");
}

/* The peer: echoes ITERS messages back, then exits. */
static void peer(struct chan *c, unsigned char *b, size_t size, long total)
{
	c->side = 1;
	for (long i = 0; i < total; i++) {
		ch_recv(c, b, size);
		ch_send(c, b, size);
	}
	_exit(0);
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct chan c = { 0 };
	int pa = -1, pb = -1;
	if (argc < 4 || (strcmp(argv[1], "mq") && strcmp(argv[1], "seqpacket"))) {
		fprintf(stderr, "usage: ipclab-floor-extra mq|seqpacket SIZE ITERS [--pin A,B]\n");
		return 2;
	}
	if (argc == 6 && !strcmp(argv[4], "--pin") && sscanf(argv[5], "%d,%d", &pa, &pb) != 2)
		return 2;
	c.kind = !strcmp(argv[1], "seqpacket");
	size_t size = strtoul(argv[2], NULL, 10);
	long iters = strtol(argv[3], NULL, 10), warm = iters / 10;
	if (size < 8 || iters < 1) {
		fprintf(stderr, "ipclab-floor-extra: SIZE >= 8, ITERS >= 1\n");
		return 2;
	}
	unsigned char *b = calloc(1, size);
	uint64_t *lat = calloc((size_t)iters, sizeof *lat);
	if (!b || !lat)
		die("calloc");
	ch_open(&c, size);
	pid_t parent = getpid(), kid = fork();
	if (kid < 0)
		die("fork");
	if (kid == 0) {
		/* never outlive the client, whatever way it ends */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		if (c.kind == 1)
			close(c.fd[0]); /* the client's end: its close is our EOF */
		pin(pb);
		peer(&c, b, size, warm + iters);
	}
	if (c.kind == 1)
		close(c.fd[1]);
	pin(pa);
	for (long i = 0; i < warm + iters; i++) {
		uint64_t seq = (uint64_t)i, got, t0 = now_ns();
		memcpy(b, &seq, sizeof seq);
		ch_send(&c, b, size);
		ch_recv(&c, b, size);
		memcpy(&got, b, sizeof got);
		if (got != seq) {
			fprintf(stderr, "ipclab-floor-extra: reply %llu to request %llu\n",
				(unsigned long long)got, (unsigned long long)seq);
			kill(kid, SIGKILL);
			return 1;
		}
		if (i >= warm)
			lat[i - warm] = now_ns() - t0;
	}
	int st;
	if (waitpid(kid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	qsort(lat, (size_t)iters, sizeof *lat, cmp);
	printf("floor mech=%s size=%zu iters=%ld pin=%d,%d min_ns=%llu p50_ns=%llu p99_ns=%llu\n",
	       argv[1], size, iters, pa, pb, (unsigned long long)lat[0],
	       (unsigned long long)lat[iters / 2], (unsigned long long)lat[iters * 99 / 100]);
	free(b);
	free(lat);
	return 0;
}
