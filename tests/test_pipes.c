/* test_pipes.c - what is particular to the pipe and fifo transports: large
 * messages past the pipe capacity, peers that die mid-message, many fifo
 * clients announcing at once, hostile announcements, and what a killed fifo
 * server leaves for the next run.  The generic behaviour is covered by the
 * conformance suite.
 *
 * Every child process reports through its exit status (0 = as expected); the
 * parent asserts on it.  SIGPIPE is ignored throughout, as the CLI does, so a
 * write to a gone peer must come back as EPIPE, never kill.
 */
#include "bench/run/run.h"
#include "bench/registry/registry.h"
#include "common/err.h"
#include "common/exchange.h"
#include "common/msgio.h"
#include "common/names.h"
#include "common/transport.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/assert_ipl.h"

#define MIB (1u << 20)
#define CAP IPL_DEFAULT_CAP

static const struct ipl_transport *tp_of(void **state)
{
	const struct ipl_transport *tp = ipl_transport_find((const char *)*state);
	assert_non_null(tp);
	return tp;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

/* Counts entries of $TMPDIR whose name starts with "ipclab-". */
static int ipclab_entries(void)
{
	DIR *d = opendir(ipl_tmpdir());
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "ipclab-", 7))
			n++;
	closedir(d);
	return n;
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Every child a test forks, so that teardown can reap what a failed
 * assertion left running. */
static pid_t kids_alive[256];
static unsigned nkids;

static void track(pid_t p)
{
	if (nkids < sizeof kids_alive / sizeof kids_alive[0])
		kids_alive[nkids++] = p;
}

static void untrack(pid_t p)
{
	for (unsigned i = 0; i < nkids; i++)
		if (kids_alive[i] == p) {
			kids_alive[i] = kids_alive[--nkids];
			return;
		}
}

static int setup(void **state)
{
	(void)state;
	nkids = 0;
	signal(SIGPIPE, SIG_IGN);
	alarm(120); /* a hang fails the test instead of stalling the suite */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	alarm(0);
	for (unsigned i = 0; i < nkids; i++) {
		kill(kids_alive[i], SIGKILL);
		while (waitpid(kids_alive[i], NULL, 0) < 0 && errno == EINTR)
			;
	}
	nkids = 0;
	return 0;
}

/* ---- processes -------------------------------------------------------- */

/* Forks a server that serves ep (prepared) until SIGTERM, or, for pipe,
 * until every channel is done. */
static pid_t spawn_server(struct ipl_endpoint *ep)
{
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		int rc = ipl_endpoint_attach_server(ep);
		if (rc == 0)
			rc = ipl_serve_foreground(ep, CAP, NULL);
		ipl_endpoint_cleanup(ep);
		_exit(rc < 0 ? 1 : 0);
	}
	track(p);
	return p;
}

typedef int (*client_fn)(struct ipl_conn *c, void *arg);

/* Forks a client on channel idx; its exit status is fn's result (100 when
 * it cannot even attach). */
static pid_t spawn_client(struct ipl_endpoint *ep, unsigned idx, client_fn fn, void *arg)
{
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		struct ipl_conn *c = NULL;
		int rc = ipl_endpoint_attach_client(ep, idx, &c);
		int code = rc < 0 ? 100 : fn(c, arg);
		ipl_conn_detach(c);
		ipl_endpoint_cleanup(ep);
		_exit(code);
	}
	track(p);
	return p;
}

/* Waits for p; returns its exit code, or 200 + signal if it was killed. */
static int reap(pid_t p)
{
	int status;
	while (waitpid(p, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	untrack(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

/* Stops a server: pipe servers end by themselves once their clients have;
 * others get SIGTERM (repeated: one may land before it blocks). */
static int stop_server(const struct ipl_transport *tp, pid_t p)
{
	if (tp->caps & IPL_CAP_NEEDS_FORK)
		return reap(p);
	for (int i = 0; i < 1000; i++) {
		int status;
		kill(p, SIGTERM);
		sleep_ms(5);
		pid_t r = waitpid(p, &status, WNOHANG);
		if (r == p) {
			untrack(p);
			return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
		}
	}
	kill(p, SIGKILL);
	return reap(p) + 1000;
}

struct echo_arg {
	uint32_t size;
	uint64_t iters;
	int crc;
};

/* HELLO, iters verified ECHOs of size bytes, BYE: 0 if all went right. */
static int echo_client(struct ipl_conn *c, void *arg)
{
	const struct echo_arg *a = arg;
	struct ipl_client_cfg cfg = {
		.size = a->size,
		.iters = a->iters,
		.op = IPL_OP_ECHO,
		.cap = CAP,
		.crc = a->crc,
	};
	struct ipl_client_stats st = { 0 };
	if (ipl_client_hello(c, NULL) < 0)
		return 1;
	if (ipl_client_latency(c, &cfg, NULL, &st) < 0)
		return 2;
	if (st.errors || st.ok != a->iters)
		return 3;
	return ipl_client_bye(c) < 0 ? 4 : 0;
}

static void prepare(struct ipl_endpoint *ep, const struct ipl_transport *tp, unsigned clients, const char *listen)
{
	struct ipl_tp_opts o = { .max_clients = clients, .cap = CAP, .listen = listen, .timeout_ms = 20000 };
	ipl_endpoint_setup(ep, tp, &o, NULL);
	assert_ok(ipl_endpoint_prepare(ep));
}

/* ---- large messages ---------------------------------------------------- */

/* One client, echoes far larger than the 64 KiB a pipe holds: 1 MiB and the
 * cap itself (16 MiB), with and without checksums.  A transport that wrote
 * the reply while the peer still writes the request would hang here. */
static void test_large_messages(void **state)
{
	const struct ipl_transport *tp = tp_of(state);
	static const struct echo_arg cases[] = {
		{ MIB, 8, 0 },
		{ MIB + 1, 3, 1 },
		{ CAP, 2, 0 },
		{ CAP, 1, 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ipl_endpoint ep;
		prepare(&ep, tp, 1, NULL);
		pid_t s = spawn_server(&ep);
		pid_t c = spawn_client(&ep, 0, echo_client, (void *)&cases[i]);
		ipl_endpoint_release(&ep);
		assert_int_equal(reap(c), 0);
		assert_int_equal(stop_server(tp, s), 0);
		ipl_endpoint_cleanup(&ep);
	}
	assert_int_equal(ipclab_entries(), 0);
}

/* ---- peers exiting mid-message ----------------------------------------- */

/* The test process plays the server by hand on ep's first connection. */
static struct ipl_conn *accept_one(struct ipl_endpoint *ep)
{
	struct ipl_conn *c = NULL;
	assert_ok(ipl_endpoint_attach_server(ep));
	assert_ok(ipl_endpoint_accept(ep, &c));
	assert_non_null(c);
	return c;
}

static int send_partial(struct ipl_conn *c, uint8_t op, uint16_t flags, uint32_t claimed, uint32_t sent)
{
	struct ipl_hdr h = { .version = IPL_VERSION, .op = op, .flags = flags, .seq = 1, .len = claimed };
	uint8_t hb[IPL_HDR_SIZE];
	ipl_hdr_encode(&h, hb);
	uint8_t *body = calloc(1, sent ? sent : 1);
	struct iovec iov[2] = { { hb, sizeof hb }, { body, sent } };
	int rc = ipl_conn_send(c, iov, 2);
	free(body);
	return rc;
}

/* Client: one 1 MiB ECHO; expects the transport error named by arg. */
static int expect_fail_client(struct ipl_conn *c, void *arg)
{
	int want = *(const int *)arg;
	struct ipl_client_cfg cfg = { .size = MIB, .iters = 1, .op = IPL_OP_ECHO, .cap = CAP };
	struct ipl_client_stats st = { 0 };
	int rc = ipl_client_latency(c, &cfg, NULL, &st);
	return rc == want ? 0 : 1;
}

/* Client: a header promising 1 MiB, then 1000 bytes, then gone. */
static int die_mid_request_client(struct ipl_conn *c, void *arg)
{
	(void)arg;
	send_partial(c, IPL_OP_ECHO, 0, MIB, 1000);
	_exit(0);
}

/* Client: sends a whole 1 MiB ECHO and leaves without reading the reply. */
static int leave_before_reply_client(struct ipl_conn *c, void *arg)
{
	(void)arg;
	uint8_t *p = calloc(1, MIB);
	struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .seq = 1, .len = MIB };
	int rc = ipl_msg_send(c, &h, p);
	free(p);
	_exit(rc == 0 ? 0 : 1);
}

static void test_server_exits_mid_reply(void **state)
{
	const struct ipl_transport *tp = tp_of(state);
	struct ipl_endpoint ep;
	prepare(&ep, tp, 1, NULL);
	int want = IPL_ETRUNC;
	pid_t c = spawn_client(&ep, 0, expect_fail_client, &want);
	struct ipl_conn *sc = accept_one(&ep);
	ipl_endpoint_release(&ep);
	struct ipl_hdr h;
	struct ipl_buf b = { 0 };
	assert_ok(ipl_msg_recv(sc, CAP, &h, &b));
	assert_int_equal(h.len, MIB);
	/* half a reply, then the server is gone */
	assert_int_equal(send_partial(sc, IPL_OP_ECHO, IPL_FLAG_REPLY, MIB, MIB / 2), 0);
	ipl_conn_detach(sc);
	ipl_buf_free(&b);
	assert_int_equal(reap(c), 0);
	ipl_endpoint_cleanup(&ep);
}

static void test_server_exits_mid_request(void **state)
{
	const struct ipl_transport *tp = tp_of(state);
	struct ipl_endpoint ep;
	prepare(&ep, tp, 1, NULL);
	int want = -EPIPE; /* and not death by SIGPIPE */
	pid_t c = spawn_client(&ep, 0, expect_fail_client, &want);
	struct ipl_conn *sc = accept_one(&ep);
	ipl_endpoint_release(&ep);
	uint8_t part[IPL_HDR_SIZE + 1000];
	assert_ok(ipl_conn_read_full(sc, part, sizeof part));
	ipl_conn_detach(sc);
	assert_int_equal(reap(c), 0);
	ipl_endpoint_cleanup(&ep);
}

static void test_client_exits_mid_request(void **state)
{
	const struct ipl_transport *tp = tp_of(state);
	struct ipl_endpoint ep;
	prepare(&ep, tp, 1, NULL);
	pid_t c = spawn_client(&ep, 0, die_mid_request_client, NULL);
	struct ipl_conn *sc = accept_one(&ep);
	ipl_endpoint_release(&ep);
	struct ipl_serve_stats st = { 0 };
	assert_err(ipl_serve_conn(sc, CAP, &st), IPL_ETRUNC);
	ipl_conn_detach(sc);
	assert_int_equal(reap(c), 0);
	ipl_endpoint_cleanup(&ep);
}

static void test_client_exits_before_reply(void **state)
{
	const struct ipl_transport *tp = tp_of(state);
	struct ipl_endpoint ep;
	prepare(&ep, tp, 1, NULL);
	pid_t c = spawn_client(&ep, 0, leave_before_reply_client, NULL);
	struct ipl_conn *sc = accept_one(&ep);
	ipl_endpoint_release(&ep);
	/* the client is gone once its whole request is in the pipe: the reply
	 * write then fails with EPIPE instead of killing us */
	struct ipl_hdr h;
	struct ipl_buf b = { 0 };
	assert_ok(ipl_msg_recv(sc, CAP, &h, &b));
	assert_int_equal(reap(c), 0);
	uint8_t hb[IPL_HDR_SIZE];
	h.flags = IPL_FLAG_REPLY;
	ipl_hdr_encode(&h, hb);
	struct iovec iov[2] = { { hb, sizeof hb }, { b.p, h.len } };
	assert_err(ipl_conn_send(sc, iov, 2), -EPIPE);
	ipl_buf_free(&b);
	ipl_conn_detach(sc);
	ipl_endpoint_cleanup(&ep);
}

/* A real server outlives a client that died mid-message and serves the
 * next one. */
static void test_server_survives_dead_client(void **state)
{
	const struct ipl_transport *tp = tp_of(state);
	struct ipl_endpoint ep;
	prepare(&ep, tp, 3, NULL);
	pid_t s = spawn_server(&ep);
	pid_t c0 = spawn_client(&ep, 0, die_mid_request_client, NULL);
	assert_int_equal(reap(c0), 0);
	pid_t c1 = spawn_client(&ep, 1, leave_before_reply_client, NULL);
	assert_int_equal(reap(c1), 0);
	struct echo_arg a = { MIB, 4, 1 };
	pid_t c2 = spawn_client(&ep, 2, echo_client, &a);
	ipl_endpoint_release(&ep);
	assert_int_equal(reap(c2), 0);
	assert_int_equal(stop_server(tp, s), 0);
	ipl_endpoint_cleanup(&ep);
	assert_int_equal(ipclab_entries(), 0);
}

/* ---- many clients ------------------------------------------------------- */

/* n clients, each with its own payload size; gated: all wait at a start
 * line (a pipe that reads EOF when the parent closes it) so that they
 * announce at the same moment. */
static void run_clients(const struct ipl_transport *tp, unsigned n, int gated, uint32_t size0)
{
	struct ipl_endpoint ep;
	prepare(&ep, tp, n, NULL);
	pid_t s = spawn_server(&ep);
	int gate[2];
	assert_int_equal(pipe(gate), 0);
	pid_t *kids = calloc(n, sizeof *kids);
	assert_non_null(kids);
	for (unsigned i = 0; i < n; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			char x;
			close(gate[1]);
			if (gated)
				while (read(gate[0], &x, 1) < 0 && errno == EINTR)
					;
			close(gate[0]);
			/* different sizes per client: a crossed stream cannot pass */
			free(kids);
			struct echo_arg a = { size0 + 977 * i, 20, i & 1 };
			struct ipl_conn *c = NULL;
			int rc = ipl_endpoint_attach_client(&ep, i, &c);
			int code = rc < 0 ? 100 : echo_client(c, &a);
			ipl_conn_detach(c);
			ipl_endpoint_cleanup(&ep);
			_exit(code);
		}
		track(kids[i]);
	}
	ipl_endpoint_release(&ep);
	close(gate[0]);
	close(gate[1]); /* go */
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(reap(kids[i]), 0);
	free(kids);
	assert_int_equal(stop_server(tp, s), 0);
	ipl_endpoint_cleanup(&ep);
	assert_int_equal(ipclab_entries(), 0);
}

static void test_four_clients(void **state)
{
	run_clients(tp_of(state), 4, 0, 70000); /* > pipe capacity each */
}

static void test_many_announce_together(void **state)
{
	run_clients(tp_of(state), 48, 1, 16);
}

/* ---- fifo only ------------------------------------------------------------ */

static void write_all(int fd, const void *p, size_t n)
{
	assert_int_equal(write(fd, p, n), (ssize_t)n);
}

static void record(char rec[128], const char *text)
{
	size_t n = strlen(text);
	assert_true(n < 127);
	memset(rec, 0, 128);
	memcpy(rec, text, n);
	rec[127] = '\n';
}

static pid_t dead_pid(void)
{
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0)
		_exit(0);
	reap(p);
	return p;
}

/* Hostile or broken announcements are dropped; real clients still get in,
 * nothing outside the directory is touched, nothing of a stranger's is
 * deleted. */
static void test_fifo_bad_announcements(void **state)
{
	(void)state;
	const struct ipl_transport *tp = ipl_transport_find("fifo");
	struct ipl_endpoint ep;
	prepare(&ep, tp, 1, NULL);
	char path[PATH_MAX], plain[PATH_MAX], outside[PATH_MAX];
	snprintf(path, sizeof path, "%s/announce", ep.addr);
	/* a regular file with a client's name: the server must not use it */
	snprintf(plain, sizeof plain, "%s/c-1-0123456789abcdef.r", ep.addr);
	int fd = open(plain, O_CREAT | O_WRONLY | O_EXCL, 0600);
	assert_true(fd >= 0);
	write_all(fd, "keep", 4);
	close(fd);
	snprintf(outside, sizeof outside, "%s/c-1-0123456789abcdef.r", ipl_tmpdir());
	assert_int_equal(mkfifo(outside, 0600), 0);
	/* a dead client's pair, announced: dropped, and its names removed */
	pid_t gone = dead_pid();
	char dq[PATH_MAX], dr[PATH_MAX], drec[200];
	snprintf(dq, sizeof dq, "%s/c-%ld-00000000000000aa.q", ep.addr, (long)gone);
	snprintf(dr, sizeof dr, "%s/c-%ld-00000000000000aa.r", ep.addr, (long)gone);
	assert_int_equal(mkfifo(dq, 0600), 0);
	assert_int_equal(mkfifo(dr, 0600), 0);
	snprintf(drec, sizeof drec, "IPLFIFO1 c-%ld-00000000000000aa.q c-%ld-00000000000000aa.r",
		 (long)gone, (long)gone);

	pid_t s = spawn_server(&ep);
	int afd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(afd >= 0);
	static const char *const bad[] = {
		"IPLFIFO1 ../c-1-0123456789abcdef.q ../c-1-0123456789abcdef.r",
		"IPLFIFO1 c-1-0123456789abcdef.q /tmp/c-1-0123456789abcdef.r",
		"IPLFIFO1 c-1-0123456789abcdef.q c-2-0123456789abcdef.r", /* not a pair */
		"IPLFIFO1 c-1-0123456789abcdef.q c-1-0123456789abcdef.r", /* a regular file */
		"IPLFIFO1 c-1-0123456789abcdee.q c-1-0123456789abcdee.r", /* missing */
		"IPLFIFO1 announce announce",
		"IPLFIFO2 c-1-0123456789abcdef.q c-1-0123456789abcdef.r",
		"IPLFIFO1 c-1-0123456789abcdef.q",
		"",
	};
	char rec[128];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		record(rec, bad[i]);
		write_all(afd, rec, sizeof rec);
	}
	record(rec, "IPLFIFO1 x y");
	rec[20] = 'z'; /* garbage after the terminating NUL */
	write_all(afd, rec, sizeof rec);
	memset(rec, 'A', sizeof rec); /* no newline at all */
	write_all(afd, rec, sizeof rec);
	write_all(afd, "short junk\n", 11); /* a partial record: resynchronised */
	record(rec, drec);
	write_all(afd, rec, sizeof rec);
	close(afd);

	struct echo_arg a = { 1000, 10, 1 };
	for (int i = 0; i < 3; i++) {
		pid_t c = spawn_client(&ep, 0, echo_client, &a);
		assert_int_equal(reap(c), 0);
	}
	ipl_endpoint_release(&ep);
	assert_int_equal(stop_server(tp, s), 0);
	assert_false(exists(dq)); /* the dead client's leftovers went */
	assert_false(exists(dr));
	assert_true(exists(plain));
	assert_true(exists(outside));
	unlink(outside);
	ipl_endpoint_cleanup(&ep);
	assert_int_equal(ipclab_entries(), 0);
}

/* Forks a client of ep, in its own process, that must complete verified
 * round trips.  Its attach waits up to a minute: only a safety net, a
 * served announcement is answered at once. */
static pid_t spawn_patient_client(struct ipl_endpoint *ep, struct echo_arg *a)
{
	ep->opts.timeout_ms = 60000;
	return spawn_client(ep, 0, echo_client, a);
}

/* Writes n bytes of garbage without a newline. */
static void write_garbage(int fd, size_t n)
{
	char buf[8192];
	memset(buf, 'g', sizeof buf);
	while (n) {
		size_t k = n < sizeof buf ? n : sizeof buf;
		write_all(fd, buf, k);
		n -= k;
	}
}

/* Writes, in random pieces, total bytes of what a hostile process might put
 * into announce: stray bytes, long runs without a newline, lines of any
 * length, prefixes of records and whole records naming nothing. */
static int flood_announce(const char *path, unsigned seed, size_t total)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	char buf[9000], rec[128];
	memset(rec, 0, sizeof rec);
	snprintf(rec, sizeof rec - 1, "IPLFIFO1 c-1-00000000000000ff.q c-1-00000000000000ff.r");
	rec[127] = '\n';
	for (size_t sent = 0; sent < total;) {
		size_t n = 1 + (size_t)rand_r(&seed) % sizeof buf;
		switch (rand_r(&seed) % 4) {
		case 0: /* a record, cut short or whole */
			n = 1 + (size_t)rand_r(&seed) % sizeof rec;
			memcpy(buf, rec, n);
			break;
		case 1: /* no newline at all */ memset(buf, 'A' + rand_r(&seed) % 26, n); break;
		default: /* any bytes, newlines among them */
			for (size_t i = 0; i < n; i++)
				buf[i] = (char)(rand_r(&seed) % 16 ? rand_r(&seed) : '\n');
		}
		if (write(fd, buf, n) != (ssize_t)n)
			return 2;
		sent += n;
	}
	close(fd);
	return 0;
}

/* Whatever another writer puts into announce - a stray byte, part of a
 * record, a flood of garbage, all without a newline - the next real
 * client's announcement (which lands right after it, in the same "line")
 * is still recognised and that client served; also while a hostile writer
 * floods announce at the same time as clients announce. */
static void test_fifo_announce_garbage(void **state)
{
	(void)state;
	alarm(300); /* a safety net only */
	const struct ipl_transport *tp = ipl_transport_find("fifo");
	struct ipl_endpoint ep;
	prepare(&ep, tp, 8, NULL);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/announce", ep.addr);
	pid_t s = spawn_server(&ep);
	int afd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(afd >= 0);
	struct echo_arg a = { 1000, 100, 1 };
	char rec[128];
	record(rec, "IPLFIFO1 c-1-0123456789abcdef.q c-1-0123456789abcdef.r");

	for (int i = 0; i < 8; i++) {
		switch (i) {
		case 0: write_all(afd, "x", 1); break;      /* one stray byte */
		case 1: write_all(afd, rec, 60); break;     /* part of a record */
		case 2: write_all(afd, rec, 127); break;    /* all but its newline */
		case 3: write_all(afd, "\0\0\0", 3); break; /* padding-like */
		case 4: write_garbage(afd, 200000); break;  /* > the FIFO holds */
		case 5:
			write_garbage(afd, 5000);
			write_all(afd, "\nabc", 4);
			break;
		case 6:
			write_all(afd, "y", 1);
			write_all(afd, rec, 100);
			break;
		default: break; /* and, after all that, a plain client */
		}
		pid_t c = spawn_patient_client(&ep, &a);
		assert_int_equal(reap(c), 0);
	}
	close(afd);

	/* a flood racing eight clients */
	unsigned seed = (unsigned)time(NULL);
	fprintf(stderr, "flood seed %u\n", seed);
	pid_t f = fork();
	assert_true(f >= 0);
	if (f == 0)
		_exit(flood_announce(path, seed, 4 * MIB));
	track(f);
	pid_t c[8];
	for (int i = 0; i < 8; i++)
		c[i] = spawn_patient_client(&ep, &a);
	for (int i = 0; i < 8; i++)
		assert_int_equal(reap(c[i]), 0);
	assert_int_equal(reap(f), 0);

	ipl_endpoint_release(&ep);
	assert_int_equal(stop_server(tp, s), 0);
	ipl_endpoint_cleanup(&ep);
	assert_int_equal(ipclab_entries(), 0);
}

/* Serves a fifo endpoint in a child until killed; its address comes back
 * through the pipe. */
static pid_t spawn_fifo_serve(const char *listen, char *addr, size_t addrlen)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		struct ipl_endpoint ep;
		struct ipl_tp_opts o = { .listen = listen, .cap = CAP };
		ipl_endpoint_setup(&ep, ipl_transport_find("fifo"), &o, NULL);
		if (ipl_endpoint_prepare(&ep) < 0 || ipl_endpoint_attach_server(&ep) < 0)
			_exit(1);
		(void)!write(p[1], ep.addr, strlen(ep.addr) + 1);
		close(p[1]);
		int rc = ipl_serve_foreground(&ep, CAP, NULL);
		ipl_endpoint_cleanup(&ep);
		_exit(rc < 0);
	}
	track(pid);
	close(p[1]);
	ssize_t n = read(p[0], addr, addrlen);
	close(p[0]);
	assert_true(n > 1);
	return pid;
}

static void connect_and_echo(const char *addr, int want_rc)
{
	struct ipl_endpoint cl;
	struct ipl_tp_opts o = { .cap = CAP, .timeout_ms = 20000 };
	ipl_endpoint_setup(&cl, ipl_transport_find("fifo"), &o, addr);
	struct ipl_conn *c = NULL;
	int rc = ipl_endpoint_attach_client(&cl, 0, &c);
	assert_int_equal(rc, want_rc);
	if (rc == 0) {
		struct echo_arg a = { 4096, 10, 0 };
		assert_int_equal(echo_client(c, &a), 0);
		ipl_conn_detach(c);
	}
	ipl_endpoint_cleanup(&cl);
}

/* A SIGKILLed server leaves its directory and announce FIFO behind: clients
 * are refused at once (no hang), and the next run sweeps it all away. */
static void test_fifo_killed_server_private(void **state)
{
	(void)state;
	char addr[IPL_ADDR_MAX];
	pid_t s = spawn_fifo_serve(NULL, addr, sizeof addr);
	connect_and_echo(addr, 0); /* unrelated process, by name */
	kill(s, SIGKILL);
	assert_int_equal(reap(s), 200 + SIGKILL);
	assert_true(exists(addr));
	connect_and_echo(addr, -ECONNREFUSED);

	char addr2[IPL_ADDR_MAX];
	s = spawn_fifo_serve(NULL, addr2, sizeof addr2); /* the next run */
	assert_false(exists(addr));
	connect_and_echo(addr2, 0);
	assert_int_equal(stop_server(ipl_transport_find("fifo"), s), 0);
	assert_false(exists(addr2));
	assert_int_equal(ipclab_entries(), 0);
}

static void test_fifo_killed_server_listen(void **state)
{
	(void)state;
	char dir[PATH_MAX], addr[IPL_ADDR_MAX], ann[PATH_MAX + 16], stale[PATH_MAX + 64];
	snprintf(dir, sizeof dir, "%s/fifodir", ipl_tmpdir());
	snprintf(ann, sizeof ann, "%s/announce", dir);
	pid_t s = spawn_fifo_serve(dir, addr, sizeof addr);
	assert_string_equal(addr, dir);
	connect_and_echo(dir, 0);
	/* a second server on the same directory is refused while one lives */
	struct ipl_endpoint ep2;
	struct ipl_tp_opts o = { .listen = dir };
	ipl_endpoint_setup(&ep2, ipl_transport_find("fifo"), &o, NULL);
	assert_err(ipl_endpoint_prepare(&ep2), -EADDRINUSE);
	ipl_endpoint_cleanup(&ep2);
	assert_true(exists(ann));

	kill(s, SIGKILL);
	assert_int_equal(reap(s), 200 + SIGKILL);
	assert_true(exists(ann));
	connect_and_echo(dir, -ECONNREFUSED);
	/* leftovers of a client killed before it connected */
	snprintf(stale, sizeof stale, "%s/c-%ld-0123456789abcdef.q", dir, (long)dead_pid());
	assert_int_equal(mkfifo(stale, 0600), 0);

	s = spawn_fifo_serve(dir, addr, sizeof addr);
	assert_false(exists(stale));
	connect_and_echo(dir, 0);
	assert_int_equal(stop_server(ipl_transport_find("fifo"), s), 0);
	assert_false(exists(ann));
	/* the directory was there before this run, so it is the user's */
	assert_true(exists(dir));
	assert_int_equal(rmdir(dir), 0);
}

static void test_fifo_listen_dir_checks(void **state)
{
	(void)state;
	const struct ipl_transport *tp = ipl_transport_find("fifo");
	char dir[PATH_MAX];
	struct ipl_endpoint ep;
	struct ipl_tp_opts o = { .listen = dir };

	snprintf(dir, sizeof dir, "%s/open", ipl_tmpdir());
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	ipl_endpoint_setup(&ep, tp, &o, NULL);
	assert_err(ipl_endpoint_prepare(&ep), -EACCES);
	ipl_endpoint_cleanup(&ep);
	assert_true(exists(dir));
	rmdir(dir);

	snprintf(dir, sizeof dir, "%s/file", ipl_tmpdir());
	int fd = open(dir, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ipl_endpoint_setup(&ep, tp, &o, NULL);
	assert_err(ipl_endpoint_prepare(&ep), -ENOTDIR);
	ipl_endpoint_cleanup(&ep);
	assert_true(exists(dir));
	unlink(dir);

	/* a regular file where announce goes is not ours to delete */
	snprintf(dir, sizeof dir, "%s/busy", ipl_tmpdir());
	assert_int_equal(mkdir(dir, 0700), 0);
	char ann[PATH_MAX + 16];
	snprintf(ann, sizeof ann, "%s/announce", dir);
	fd = open(ann, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ipl_endpoint_setup(&ep, tp, &o, NULL);
	assert_err(ipl_endpoint_prepare(&ep), -EEXIST);
	ipl_endpoint_cleanup(&ep);
	assert_true(exists(ann));
	unlink(ann);
	rmdir(dir);

	/* made by us: 0700 whatever the umask, removed by cleanup */
	snprintf(dir, sizeof dir, "%s/new", ipl_tmpdir());
	mode_t old = umask(0);
	ipl_endpoint_setup(&ep, tp, &o, NULL);
	assert_ok(ipl_endpoint_prepare(&ep));
	umask(old);
	struct stat st;
	assert_int_equal(lstat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(ann, sizeof ann, "%s/announce", dir);
	assert_int_equal(lstat(ann, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	ipl_endpoint_cleanup(&ep);
	assert_false(exists(dir));
}

/* No server ever read the announce FIFO: connecting fails at once. */
static void test_fifo_no_server(void **state)
{
	(void)state;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/nobody", ipl_tmpdir());
	connect_and_echo(dir, -ENOENT);
	assert_int_equal(mkdir(dir, 0700), 0);
	char ann[PATH_MAX + 16];
	snprintf(ann, sizeof ann, "%s/announce", dir);
	assert_int_equal(mkfifo(ann, 0600), 0);
	connect_and_echo(dir, -ECONNREFUSED);
	unlink(ann);
	/* a regular file in its place: the client writes nothing into it */
	int fd = open(ann, O_CREAT | O_WRONLY | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	connect_and_echo(dir, IPL_EPROTO);
	struct stat st;
	assert_int_equal(stat(ann, &st), 0);
	assert_int_equal(st.st_size, 0);
	unlink(ann);
	rmdir(dir);
}

static struct ipl_endpoint *volatile cancel_ep;
static void on_usr1(int sig)
{
	(void)sig;
	if (cancel_ep)
		ipl_endpoint_cancel(cancel_ep);
}

/* A signal that cancels the endpoint gets a server out of accept. */
static void test_fifo_accept_cancel(void **state)
{
	(void)state;
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		struct ipl_endpoint ep;
		struct ipl_tp_opts o = { 0 };
		ipl_endpoint_setup(&ep, ipl_transport_find("fifo"), &o, NULL);
		if (ipl_endpoint_prepare(&ep) < 0 || ipl_endpoint_attach_server(&ep) < 0)
			_exit(1);
		cancel_ep = &ep;
		struct sigaction sa = { .sa_handler = on_usr1 }; /* no SA_RESTART */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		close(ready[0]);
		close(ready[1]);
		struct ipl_conn *c = NULL;
		int rc = ipl_endpoint_accept(&ep, &c);
		ipl_endpoint_cleanup(&ep);
		_exit(rc == IPL_ECANCELED ? 0 : 2);
	}
	track(p);
	close(ready[1]);
	char x;
	assert_int_equal(read(ready[0], &x, 1), 0);
	close(ready[0]);
	int status = 0;
	for (int i = 0; i < 2000; i++) { /* repeated: one may land before read blocks */
		kill(p, SIGUSR1);
		sleep_ms(5);
		if (waitpid(p, &status, WNOHANG) == p) {
			untrack(p);
			break;
		}
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(ipclab_entries(), 0);
}

/* A server out of fds keeps the announcement: once fds are free again the
 * same client is served (it would otherwise wait forever). */
static void test_fifo_accept_emfile(void **state)
{
	(void)state;
	const struct ipl_transport *tp = ipl_transport_find("fifo");
	struct ipl_endpoint ep;
	prepare(&ep, tp, 1, NULL);
	pid_t s = fork();
	assert_true(s >= 0);
	if (s == 0) {
		if (ipl_endpoint_attach_server(&ep) < 0)
			_exit(1);
		struct rlimit old, low;
		getrlimit(RLIMIT_NOFILE, &old);
		int probe = dup(0); /* the lowest free fd: none at or above it */
		close(probe);
		low = old;
		low.rlim_cur = (rlim_t)probe;
		setrlimit(RLIMIT_NOFILE, &low);
		struct ipl_conn *c = NULL;
		int rc = ipl_endpoint_accept(&ep, &c);
		setrlimit(RLIMIT_NOFILE, &old);
		if (rc != -EMFILE)
			_exit(2);
		if (ipl_endpoint_accept(&ep, &c) < 0)
			_exit(3);
		rc = ipl_serve_conn(c, CAP, NULL);
		ipl_conn_detach(c);
		ipl_endpoint_cleanup(&ep);
		_exit(rc < 0 ? 4 : 0);
	}
	track(s);
	struct echo_arg a = { 300, 10, 1 };
	pid_t c = spawn_client(&ep, 0, echo_client, &a);
	assert_int_equal(reap(c), 0);
	assert_int_equal(reap(s), 0);
	ipl_endpoint_cleanup(&ep);
	assert_int_equal(ipclab_entries(), 0);
}

/* ---- pipe only -------------------------------------------------------------- */

static void test_pipe_channels(void **state)
{
	(void)state;
	const struct ipl_transport *tp = ipl_transport_find("pipe");
	assert_true(tp->caps & IPL_CAP_NEEDS_FORK);
	struct ipl_endpoint ep;
	prepare(&ep, tp, 2, NULL);
	struct ipl_conn *c = NULL;
	assert_err(ipl_endpoint_attach_client(&ep, 2, &c), -EINVAL);
	assert_ok(ipl_endpoint_attach_server(&ep));
	struct ipl_conn *a = NULL, *b = NULL;
	assert_ok(ipl_endpoint_accept(&ep, &a));
	assert_ok(ipl_endpoint_accept(&ep, &b));
	assert_err(ipl_endpoint_accept(&ep, &c), IPL_EDONE);
	ipl_conn_detach(a);
	ipl_conn_detach(b);
	ipl_endpoint_release(&ep);
	ipl_endpoint_release(&ep); /* idempotent */
	ipl_endpoint_cleanup(&ep);

	/* zero channels asked for means one */
	prepare(&ep, tp, 0, NULL);
	assert_ok(ipl_endpoint_attach_server(&ep));
	assert_ok(ipl_endpoint_accept(&ep, &a));
	assert_err(ipl_endpoint_accept(&ep, &c), IPL_EDONE);
	ipl_conn_detach(a);
	ipl_endpoint_cleanup(&ep);

	/* no pre-made channels (not forked from prepare): refused */
	ipl_endpoint_setup(&ep, tp, NULL, NULL);
	assert_err(ipl_endpoint_attach_client(&ep, 0, &c), IPL_EUNSUPP);
	ipl_endpoint_cleanup(&ep);
}

/* named "<transport>/<case>" like the conformance suite */
#define CASE(mech, f)                                                \
	{                                                            \
		mech "/" #f, test_##f, setup, teardown, (void *)mech \
	}
#define BOTH(f) CASE("pipe", f), CASE("fifo", f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(large_messages),
		BOTH(server_exits_mid_reply),
		BOTH(server_exits_mid_request),
		BOTH(client_exits_mid_request),
		BOTH(client_exits_before_reply),
		BOTH(server_survives_dead_client),
		BOTH(four_clients),
		BOTH(many_announce_together),
		CASE("fifo", fifo_bad_announcements),
		CASE("fifo", fifo_announce_garbage),
		CASE("fifo", fifo_killed_server_private),
		CASE("fifo", fifo_killed_server_listen),
		CASE("fifo", fifo_listen_dir_checks),
		CASE("fifo", fifo_no_server),
		CASE("fifo", fifo_accept_cancel),
		CASE("fifo", fifo_accept_emfile),
		CASE("pipe", pipe_channels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
