/* test_knobs.c - the kernel buffer knobs of struct ipl_tp_opts, through the
 * transport API: pipe_size (pipe, fifo) reaches both pipes of a conn on both
 * ends, sockbuf (tcp, unix, seqpacket) both buffers of both ends' sockets,
 * and ipl_conn_bufsize reports what the kernel reports for the fds
 * themselves (F_GETPIPE_SZ, getsockopt), not what was asked.
 *
 * The fds are read directly (ipl_fdconn_fds), so a transport that
 * skipped one direction or one end fails here even if its bufsize op read
 * only the end it did set.
 */
#include "bench/registry/registry.h"
#include "common/err.h"
#include "common/fdconn.h"
#include "common/transport.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/assert_ipl.h"

#define PIPE_ASK (256u << 10) /* a power of two pages: granted as asked */
#define PIPE_ODD 100000u      /* rounded up by the kernel to 32 pages */
#define SOCK_ASK (48u << 10)  /* under every default net.core.*mem_max */

static const struct ipl_transport *tp_of(void **state)
{
	const struct ipl_transport *tp = ipl_transport_find((const char *)*state);
	assert_non_null(tp);
	return tp;
}

/* Both fds of c: every transport here is fd-based (common/fdconn.h). */
static void conn_fds(const struct ipl_conn *c, int *rfd, int *wfd)
{
	assert_ok(ipl_fdconn_fds(c, rfd, wfd));
}

/* 0 when both pipes of c hold want bytes (F_GETPIPE_SZ) and bufsize says so. */
static int pipe_sizes_are(const struct ipl_conn *c, long want)
{
	int rfd, wfd;
	uint64_t v = 0;
	conn_fds(c, &rfd, &wfd);
	if (fcntl(rfd, F_GETPIPE_SZ) != want || fcntl(wfd, F_GETPIPE_SZ) != want)
		return -1;
	return ipl_conn_bufsize(c, &v) == 0 && v == (uint64_t)want ? 0 : -1;
}

/* The kernel's rounding: the next power-of-two number of pages. */
static long pipe_granted(uint32_t ask)
{
	long page = sysconf(_SC_PAGESIZE), pages = 1;
	while (pages * page < (long)ask)
		pages *= 2;
	return pages * page;
}

/* pipe: both channels' pipes on both ends, in one process (the preparer
 * may take both ends, transport.h). */
static void check_pipe(uint32_t ask)
{
	struct ipl_endpoint ep;
	struct ipl_tp_opts o = { .max_clients = 2, .pipe_size = ask };
	struct ipl_conn *cli[2] = { NULL, NULL }, *srv[2] = { NULL, NULL };
	ipl_endpoint_setup(&ep, ipl_transport_find("pipe"), &o, NULL);
	assert_ok(ipl_endpoint_prepare(&ep));
	for (unsigned i = 0; i < 2; i++)
		assert_ok(ipl_endpoint_attach_client(&ep, i, &cli[i]));
	assert_ok(ipl_endpoint_attach_server(&ep));
	for (unsigned i = 0; i < 2; i++)
		assert_ok(ipl_endpoint_accept(&ep, &srv[i]));
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(pipe_sizes_are(cli[i], pipe_granted(ask)), 0);
		assert_int_equal(pipe_sizes_are(srv[i], pipe_granted(ask)), 0);
		ipl_conn_detach(cli[i]);
		ipl_conn_detach(srv[i]);
	}
	ipl_endpoint_cleanup(&ep);
}

static void pipe_size_reaches_every_pipe(void **state)
{
	(void)state;
	check_pipe(PIPE_ASK);
	check_pipe(PIPE_ODD);
}

/* Unset, the kernel's default stays (16 pages on Linux). */
static void pipe_size_unset_keeps_default(void **state)
{
	(void)state;
	struct ipl_endpoint ep;
	struct ipl_tp_opts o = { .max_clients = 1 };
	struct ipl_conn *c = NULL;
	int p[2];
	assert_int_equal(pipe(p), 0);
	long dflt = fcntl(p[0], F_GETPIPE_SZ);
	close(p[0]);
	close(p[1]);
	ipl_endpoint_setup(&ep, ipl_transport_find("pipe"), &o, NULL);
	assert_ok(ipl_endpoint_prepare(&ep));
	assert_ok(ipl_endpoint_attach_client(&ep, 0, &c));
	assert_int_equal(pipe_sizes_are(c, dflt), 0);
	ipl_conn_detach(c);
	ipl_endpoint_cleanup(&ep);
}

/* One byte each way through the transport: a point both ends have passed. */
static int say(struct ipl_conn *c, char b)
{
	struct iovec iov = { &b, 1 };
	return ipl_conn_send(c, &iov, 1);
}

static char hear(struct ipl_conn *c)
{
	char b = 1;
	return ipl_conn_recv(c, &b, 1) == 1 ? b : 1;
}

/* fifo with the server asking srv and the client cli: either end's request
 * reaches both FIFOs, so a bench client without --pipe-size records what
 * `serve --pipe-size` set and the other way round.  The client runs in a
 * child (its attach blocks until the server takes it); each end checks
 * after a byte from the other, so both ends' settings are done. */
static void fifo_case(uint32_t srv, uint32_t cli)
{
	struct ipl_endpoint ep;
	struct ipl_tp_opts o = { .pipe_size = srv, .timeout_ms = 60000 };
	ipl_endpoint_setup(&ep, ipl_transport_find("fifo"), &o, NULL);
	assert_ok(ipl_endpoint_prepare(&ep));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ipl_conn *c = NULL;
		ep.opts.pipe_size = cli;
		if (ipl_endpoint_attach_client(&ep, 0, &c) != 0 || hear(c) != 0)
			_exit(2);
		char bad = pipe_sizes_are(c, PIPE_ASK) != 0;
		_exit(say(c, bad) == 0 && !bad && hear(c) == 1 ? 0 : 1); /* then EOF */
	}
	struct ipl_conn *s = NULL;
	assert_ok(ipl_endpoint_attach_server(&ep));
	assert_ok(ipl_endpoint_accept(&ep, &s));
	assert_ok(say(s, 0));
	assert_int_equal(hear(s), 0);
	assert_int_equal(pipe_sizes_are(s, PIPE_ASK), 0);
	ipl_conn_detach(s);
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	ipl_endpoint_cleanup(&ep);
}

static void fifo_pipe_size(void **state)
{
	(void)state;
	fifo_case(PIPE_ASK, PIPE_ASK);
	fifo_case(PIPE_ASK, 0);
	fifo_case(0, PIPE_ASK);
}

/* net.core.wmem_max / rmem_max, the kernel's cap on a request. */
static long core_max(const char *name)
{
	char path[64];
	long v = -1;
	snprintf(path, sizeof path, "/proc/sys/net/core/%s", name);
	FILE *f = fopen(path, "r");
	if (f && fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

/* 0 when the socket of c has both buffers at want and bufsize says so. */
static int sock_bufs_are(const struct ipl_conn *c, int want)
{
	int rfd, wfd, snd = 0, rcv = 0;
	socklen_t l1 = sizeof snd, l2 = sizeof rcv;
	uint64_t v = 0;
	conn_fds(c, &rfd, &wfd);
	if (getsockopt(rfd, SOL_SOCKET, SO_SNDBUF, &snd, &l1) < 0 ||
	    getsockopt(rfd, SOL_SOCKET, SO_RCVBUF, &rcv, &l2) < 0 || snd != want || rcv != want)
		return -1;
	return ipl_conn_bufsize(c, &v) == 0 && v == (uint64_t)want ? 0 : -1;
}

/* tcp, unix, seqpacket: a client connects (the backlog completes it
 * without an accept), then the server accepts; both ends are checked.
 * Linux keeps twice the request (socket(7)). */
static void sockbuf_reaches_both_ends(void **state)
{
	const struct ipl_transport *tp = tp_of(state);
	if (core_max("wmem_max") < (long)SOCK_ASK || core_max("rmem_max") < (long)SOCK_ASK)
		skip();
	struct ipl_endpoint ep;
	struct ipl_tp_opts o = { .sockbuf = SOCK_ASK };
	struct ipl_conn *c = NULL, *s = NULL;
	ipl_endpoint_setup(&ep, tp, &o, NULL);
	assert_ok(ipl_endpoint_prepare(&ep));
	assert_ok(ipl_endpoint_attach_server(&ep));
	/* the listener too, before listen: a TCP connection's initial window
	 * comes from it (its accepted sockets inherit the buffers) */
	if (tp->listen_fd) {
		int lfd = tp->listen_fd(&ep), v = 0;
		socklen_t l = sizeof v;
		assert_true(lfd >= 0);
		assert_int_equal(getsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &v, &l), 0);
		assert_int_equal(v, 2 * SOCK_ASK);
	}
	assert_ok(ipl_endpoint_attach_client(&ep, 0, &c));
	assert_ok(ipl_endpoint_accept(&ep, &s));
	assert_int_equal(sock_bufs_are(c, 2 * SOCK_ASK), 0);
	assert_int_equal(sock_bufs_are(s, 2 * SOCK_ASK), 0);
	ipl_conn_detach(c);
	ipl_conn_detach(s);
	ipl_endpoint_cleanup(&ep);
}

/* A transport applies the knobs its mask names, and has a bufsize op then. */
static void knob_masks(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		unsigned knobs;
	} want[] = { { "pipe", IPL_KNOB_PIPE_SIZE },    { "fifo", IPL_KNOB_PIPE_SIZE },
		     { "tcp", IPL_KNOB_SOCKBUF },       { "unix", IPL_KNOB_SOCKBUF },
		     { "seqpacket", IPL_KNOB_SOCKBUF }, { "shm", 0 } };
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct ipl_transport *tp = ipl_transport_find(want[i].name);
		assert_non_null(tp);
		assert_int_equal(tp->knobs, want[i].knobs);
		assert_true((tp->bufsize != NULL) == (tp->knobs != 0));
	}
}

#define SOCK(name) cmocka_unit_test_prestate(sockbuf_reaches_both_ends, (void *)name)

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pipe_size_reaches_every_pipe),
		cmocka_unit_test(pipe_size_unset_keeps_default),
		cmocka_unit_test(fifo_pipe_size),
		SOCK("tcp"),
		SOCK("unix"),
		SOCK("seqpacket"),
		cmocka_unit_test(knob_masks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
