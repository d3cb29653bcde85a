/* test_oncrpc_hostile.c - the libtirpc reference server (oncrpc) against
 * clients that would starve, bloat or spin it (issue 16, items 3-5):
 *
 *   served_beside_*      while a hostile client holds a connection (bytes
 *                        one at a time, a record left unfinished, an endless
 *                        fragment), reconnecting whenever the server drops
 *                        it, a good client completes its round trips;
 *   idle_closed          a connection silent between requests, and one that
 *                        trickles a request forever, are closed (idle_ms);
 *   max_conns_refused    a connection over max_conns is closed unserved, and
 *                        one is served again once a place frees up;
 *   sum_garbage_bounded  SUM calls whose arguments do not decode leave the
 *                        server's address space where it was;
 *   emfile_no_spin       out of fds with a client waiting, the server sleeps
 *                        (CPU time far below wall time), then serves it once
 *                        an fd is free.
 *
 * Nothing waits for the machine: every wait is for an event (a byte on a
 * pipe, a reply, a close) under a safety deadline of a minute or more.  The
 * one measured quantity, the server's CPU over a 2 s wait in
 * emfile_no_spin, is compared with what a spinning process gets over the
 * same 2 s: a busy machine lowers both alike. */
#include "common/err.h"
#include "common/fdconn.h"
#include "common/msgio.h"
#include "tests/reliab.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"
#include <dirent.h>

#include "common/bytes.h"
#include "common/clock.h"
#include "rpc/rpcmsg.h"
#include "rpc/rpcprog.h"
#include "rpc/xdr.h"
#include "bench/registry/registry.h"

#define SAFETY_S 120 /* only a safety net: the events come in ms when all is well */
#define IDLE_MS 300  /* idle_closed's server setting */
#define SUM_WARMUP 20
#define SUM_CALLS 400              /* 4 MiB each if leaked: 1.6 GiB */
#define SUM_BOUND_KB (640L * 1024) /* room for ASan's quarantine (256 MiB) */

enum hostile { H_SLOW_BYTES, H_SILENT, H_ENDLESS };

struct raw {
	const char *via;
	char addr[IPL_ADDR_MAX];
};

static struct raw raw_of(const struct ipl_test_variant *v, const struct ipl_fixture *fx)
{
	struct raw r = { .via = v->via ? v->via : "unix" };
	memcpy(r.addr, fx->ep.addr, sizeof r.addr);
	return r;
}

/* A connection of the carrier to the server, for raw bytes; NULL on failure. */
static struct ipl_conn *raw_connect(const struct raw *r)
{
	struct ipl_endpoint ce;
	ipl_endpoint_setup(&ce, ipl_transport_find(r->via), NULL, r->addr);
	struct ipl_conn *c = NULL;
	if (ipl_endpoint_attach_client(&ce, 0, &c) < 0)
		c = NULL;
	ipl_endpoint_cleanup(&ce);
	return c;
}

/* Encodes a call (+ args) into b; returns its length, 0 if it did not fit. */
static size_t call_rec(uint8_t *b, size_t cap, uint32_t xid, uint32_t proc, const void *args, size_t alen)
{
	struct ipl_xdr_enc x;
	ipl_xdr_enc_init(&x, b, cap);
	struct ipl_rpc_call c = {
		.xid = xid, .rpcvers = IPL_RPC_VERS, .prog = IPL_RPC_PROG, .vers = IPL_RPC_PROG_VERS, .proc = proc
	};
	ipl_rpc_call_encode(&x, &c);
	if (alen)
		ipl_xdr_put_fixed(&x, args, alen);
	return x.err ? 0 : x.len;
}

/* Sends a call record and reads the reply header: 0, or a negative code
 * (IPL_ECLOSED and friends when the server closed instead). */
static int call(struct ipl_conn *c, const uint8_t *rec, size_t n, struct ipl_rpc_reply *r)
{
	int rc = ipl_rpc_write_record(c, rec, n, 0);
	return rc < 0 ? rc : ipl_rl_rpc_read_reply(c, r);
}

/* 1: a NULL call on c was answered SUCCESS; 0: the server closed instead;
 * -1: anything else. */
static int null_ok(struct ipl_conn *c, uint32_t xid)
{
	uint8_t b[64];
	struct ipl_rpc_reply r;
	int rc = call(c, b, call_rec(b, sizeof b, xid, IPL_RPC_PROC_NULL, NULL, 0), &r);
	if (rc == IPL_ECLOSED || rc == -ECONNRESET || rc == -EPIPE || rc == IPL_ETRUNC)
		return 0;
	if (rc < 0)
		return -1;
	return r.xid == xid && r.stat == IPL_RPC_MSG_ACCEPTED && r.accept_stat == IPL_RPC_SUCCESS;
}

/* 0 once the server has closed c (EOF or reset); -1 if it sent bytes or
 * did nothing for SAFETY_S. */
static int wait_closed(struct ipl_conn *c)
{
	struct pollfd p = { .fd = ipl_fdconn_rfd(c), .events = POLLIN };
	int n;
	while ((n = poll(&p, 1, SAFETY_S * 1000)) < 0 && errno == EINTR)
		;
	if (n != 1) {
		fprintf(stderr, "the server kept a connection it should have closed\n");
		return -1;
	}
	uint8_t x;
	int rc = ipl_conn_read_full(c, &x, 1);
	return rc == IPL_ECLOSED || rc == -ECONNRESET ? 0 : -1;
}

/* ---- served beside a hostile client ------------------------------------ */

struct hostile_arg {
	int kind;
	int ready_fd; /* one byte once the first connection holds the server */
	struct raw raw;
};

/* An ECHO call of plen payload bytes (only the call and the opaque's length
 * word are encoded: the payload follows as zeros).  Returns its length. */
static size_t echo_head(uint8_t *b, size_t cap, uint32_t plen)
{
	uint8_t len[4];
	ipl_put_be32(len, plen);
	return call_rec(b, cap, 7, IPL_RPC_PROC_ECHO, len, 4);
}

/* Holds one connection the hostile way until the server drops it. */
static void hold(struct ipl_conn *c, int kind, int *ready_fd)
{
	uint8_t b[4096] = { 0 };
	int rc = 0;
	if (kind == H_SILENT) { /* a record promising 1000 bytes, 10 sent, then silence */
		ipl_put_be32(b, ipl_rm_word(1000, 1));
		rc = ipl_rl_send_raw(c, b, 14);
	} else { /* a 1 MiB ECHO, or a fragment of 2^31-1 bytes: head, then zeros slowly */
		uint32_t plen = kind == H_SLOW_BYTES ? 1u << 20 : 100;
		size_t n = echo_head(b + 4, sizeof b - 4, plen);
		ipl_put_be32(b, kind == H_SLOW_BYTES ? ipl_rm_word((uint32_t)n + plen, 1)
						     : IPL_RM_LAST | IPL_RM_LEN);
		rc = ipl_rl_send_raw(c, b, 4 + n);
		memset(b, 0, sizeof b);
	}
	if (rc == 0 && *ready_fd >= 0) {
		if (write(*ready_fd, "h", 1) != 1)
			_exit(3);
		close(*ready_fd);
		*ready_fd = -1;
	}
	if (kind == H_SILENT) {
		wait_closed(c);
		return;
	}
	while (rc == 0) { /* 20 bytes/s, or 80 KiB/s of an endless fragment */
		rc = ipl_rl_send_raw(c, b, kind == H_SLOW_BYTES ? 1 : sizeof b);
		ipl_rl_sleep_ms(50);
	}
}

/* Runs until killed (or orphaned): whenever the server drops it, it comes
 * back. */
static int hostile_main(struct ipl_conn *unused, void *arg)
{
	(void)unused; /* the rpc layer would frame our bytes: go under it */
	struct hostile_arg *a = arg;
	pid_t parent = getppid();
	while (getppid() == parent) {
		struct ipl_conn *c = raw_connect(&a->raw);
		if (!c) {
			ipl_rl_sleep_ms(50); /* a full server: try again */
			continue;
		}
		hold(c, a->kind, &a->ready_fd);
		ipl_conn_detach(c);
	}
	return 0;
}

static void case_served_beside(const struct ipl_test_variant *v, const struct ipl_rl_case *k)
{
	struct ipl_fixture *fx = ipl_rl_fixture();
	int hrdy[2], grdy[2];
	assert_int_equal(pipe2(hrdy, O_CLOEXEC), 0);
	assert_int_equal(pipe2(grdy, O_CLOEXEC), 0);
	assert_ok(ipl_fx_start(fx, v, 2));
	struct hostile_arg h = { .kind = k->kind, .ready_fd = hrdy[1], .raw = raw_of(v, fx) };
	pid_t bad = ipl_fx_client(fx, 1, hostile_main, &h);
	assert_true(bad > 0);
	close(hrdy[1]);
	int rc = ipl_rl_wait_ready(hrdy[0], SAFETY_S * 1000);
	close(hrdy[0]);
	assert_int_equal(rc, 0);

	/* the good client: 100 verified echoes of mixed sizes, then BYE */
	struct ipl_rl_good g = { .ready_fd = grdy[1], .min_rounds = 100 };
	pid_t good = ipl_fx_client(fx, 0, ipl_rl_good_body, &g);
	assert_true(good > 0);
	close(grdy[1]);
	rc = ipl_rl_wait_ready(grdy[0], SAFETY_S * 1000);
	close(grdy[0]);
	if (rc)
		fprintf(stderr, "%s/%s: the good client got no reply\n", v->name, k->name);
	assert_int_equal(rc, 0);
	assert_int_equal(kill(good, SIGUSR2), 0);
	int st = ipl_fx_wait(fx, good, SAFETY_S);
	if (st)
		fprintf(stderr, "%s/%s: good client exited with %d\n", v->name, k->name, st);
	assert_int_equal(st, 0);
	assert_int_equal(kill(bad, 0), 0); /* it held on to the end */
	assert_int_equal(ipl_fx_stop(fx), 0);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

/* ---- limits ------------------------------------------------------------- */

static void case_idle(const struct ipl_test_variant *v, const struct ipl_rl_case *k)
{
	(void)k;
	static struct ipl_test_variant mv; /* the fixture keeps a pointer */
	mv = *v;
	mv.opts.idle_ms = IDLE_MS;
	struct ipl_fixture *fx = ipl_rl_fixture();
	assert_ok(ipl_fx_start(fx, &mv, 1));
	struct raw r = raw_of(v, fx);

	/* served, then silent between requests */
	struct ipl_conn *c = raw_connect(&r);
	assert_non_null(c);
	assert_int_equal(null_ok(c, 1), 1);
	assert_int_equal(wait_closed(c), 0);
	ipl_conn_detach(c);

	/* a request that never ends: a byte every 50 ms keeps libtirpc's own
	 * 35 s read timeout from firing, so only the server's limit ends it */
	c = raw_connect(&r);
	assert_non_null(c);
	uint8_t b[256];
	size_t n = echo_head(b + 4, sizeof b - 4, 1u << 20);
	ipl_put_be32(b, ipl_rm_word((uint32_t)n + (1u << 20), 1));
	assert_ok(ipl_rl_send_raw(c, b, 4 + n));
	int rc;
	uint64_t end = ipl_now_ns() + SAFETY_S * 1000000000ull;
	do {
		ipl_rl_sleep_ms(50);
		rc = ipl_rl_send_raw(c, "", 1);
	} while (rc == 0 && ipl_now_ns() < end);
	assert_int_not_equal(rc, 0);
	ipl_conn_detach(c);

	c = raw_connect(&r); /* and the server still serves */
	assert_non_null(c);
	assert_int_equal(null_ok(c, 2), 1);
	ipl_conn_detach(c);
	assert_int_equal(ipl_fx_stop(fx), 0);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

static void case_max_conns(const struct ipl_test_variant *v, const struct ipl_rl_case *k)
{
	(void)k;
	static struct ipl_test_variant mv;
	mv = *v;
	mv.opts.max_conns = 2;
	struct ipl_fixture *fx = ipl_rl_fixture();
	assert_ok(ipl_fx_start(fx, &mv, 1));
	struct raw r = raw_of(v, fx);
	alarm(SAFETY_S);
	struct ipl_conn *a = raw_connect(&r), *b = raw_connect(&r);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(null_ok(a, 1), 1);
	assert_int_equal(null_ok(b, 2), 1);
	struct ipl_conn *c = raw_connect(&r);
	assert_non_null(c);
	assert_int_equal(null_ok(c, 3), 0); /* closed unserved */
	ipl_conn_detach(c);

	/* a place frees up: the server notices when a's thread ends */
	ipl_conn_detach(a);
	int ok = 0;
	for (int i = 0; i < SAFETY_S * 100 && ok != 1; i++) {
		c = raw_connect(&r);
		assert_non_null(c);
		ok = null_ok(c, 4);
		ipl_conn_detach(c);
		if (ok != 1)
			ipl_rl_sleep_ms(10);
	}
	assert_int_equal(ok, 1);
	assert_int_equal(null_ok(b, 5), 1);
	ipl_conn_detach(b);
	alarm(0);
	assert_int_equal(ipl_fx_stop(fx), 0);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

/* ---- memory ------------------------------------------------------------- */

/* A SUM whose int<> claims IPL_RPC_SUM_MAX elements and brings three: the
 * decoder allocates the whole array, then runs out of record. */
static int sum_garbage(struct ipl_conn *c, uint32_t xid)
{
	uint8_t args[16] = { 0 }, b[256];
	ipl_put_be32(args, IPL_RPC_SUM_MAX);
	struct ipl_rpc_reply r;
	size_t n = call_rec(b, sizeof b, xid, IPL_RPC_PROC_SUM, args, sizeof args);
	int rc = call(c, b, n, &r);
	if (rc < 0 || r.xid != xid || r.stat != IPL_RPC_MSG_ACCEPTED || r.accept_stat != IPL_RPC_GARBAGE_ARGS) {
		fprintf(stderr, "SUM %u: %s, stat %u accept %u\n", xid, ipl_strerror(rc), r.stat, r.accept_stat);
		return -1;
	}
	return 0;
}

static void case_sum_garbage(const struct ipl_test_variant *v, const struct ipl_rl_case *k)
{
	(void)k;
	struct ipl_fixture *fx = ipl_rl_fixture();
	assert_ok(ipl_fx_start(fx, v, 1));
	struct raw r = raw_of(v, fx);
	alarm(SAFETY_S);
	struct ipl_conn *c = raw_connect(&r);
	assert_non_null(c);
	uint32_t xid = 1;
	for (int i = 0; i < SUM_WARMUP; i++) /* the connection's thread, arena, heap */
		assert_int_equal(sum_garbage(c, xid++), 0);
	long vm0 = ipl_rl_status(fx->server, "VmSize"), rss0 = ipl_rl_status(fx->server, "VmRSS");
	for (int i = 0; i < SUM_CALLS; i++)
		assert_int_equal(sum_garbage(c, xid++), 0);
	long vm1 = ipl_rl_status(fx->server, "VmSize"), rss1 = ipl_rl_status(fx->server, "VmRSS");
	fprintf(stderr, "%s: %d undecodable SUMs: VmSize %ld -> %ld kB, VmRSS %ld -> %ld kB\n", v->name,
		SUM_CALLS, vm0, vm1, rss0, rss1);
	assert_true(vm0 > 0 && vm1 > 0);
	assert_true(vm1 - vm0 < SUM_BOUND_KB);
	assert_true(rss1 - rss0 < SUM_BOUND_KB);
	assert_int_equal(null_ok(c, xid), 1);
	ipl_conn_detach(c);
	alarm(0);
	assert_int_equal(ipl_fx_stop(fx), 0);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

/* ---- out of file descriptors -------------------------------------------- */

/* The n-th (from 1) lowest fd number pid does not have open, or -1.  The
 * kernel hands out the lowest free number, and RLIMIT_NOFILE bounds the
 * numbers, not the count: a limit one above it leaves exactly n to open. */
static int nth_free_fd(pid_t pid, int n)
{
	enum { MAXFD = 4096 };
	static unsigned char used[MAXFD];
	memset(used, 0, sizeof used);
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] != '.' && fd >= 0 && fd < MAXFD)
			used[fd] = 1;
	}
	closedir(d);
	for (int fd = 0; fd < MAXFD; fd++)
		if (!used[fd] && --n == 0)
			return fd;
	return -1;
}

/* utime + stime of every thread of pid, in clock ticks; -1 if unreadable. */
static long long cpu_ticks(pid_t pid)
{
	char path[64], line[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char *got = fgets(line, sizeof line, f);
	fclose(f);
	char *p = got ? strrchr(line, ')') : NULL; /* the name may hold spaces */
	unsigned long long ut, st;
	/* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

static void case_emfile(const struct ipl_test_variant *v, const struct ipl_rl_case *k)
{
	(void)k;
	struct ipl_fixture *fx = ipl_rl_fixture();
	assert_ok(ipl_fx_start(fx, v, 1));
	struct raw r = raw_of(v, fx);
	alarm(SAFETY_S);
	enum { HOLD = 3 };
	struct ipl_conn *held[HOLD];
	held[0] = raw_connect(&r);
	assert_non_null(held[0]);
	assert_int_equal(null_ok(held[0], 1), 1); /* the server is up, in its loop */

	/* room for HOLD - 1 more connections */
	int nfds = ipl_rl_nfds(fx->server), last = nth_free_fd(fx->server, HOLD - 1);
	assert_true(nfds > 0 && last > 0);
	struct rlimit lim;
	assert_int_equal(prlimit(fx->server, RLIMIT_NOFILE, NULL, &lim), 0);
	lim.rlim_cur = (rlim_t)last + 1;
	assert_int_equal(prlimit(fx->server, RLIMIT_NOFILE, &lim, NULL), 0);
	for (int i = 1; i < HOLD; i++) {
		held[i] = raw_connect(&r);
		assert_non_null(held[i]);
		assert_int_equal(null_ok(held[i], 1 + i), 1);
	}
	/* a client the kernel has connected, waiting for an accept that fails */
	struct ipl_conn *waiting = raw_connect(&r);
	assert_non_null(waiting);
	uint8_t b[64];
	size_t n = call_rec(b, sizeof b, 99, IPL_RPC_PROC_NULL, NULL, 0);
	assert_ok(ipl_rpc_write_record(waiting, b, n, 0));

	/* the yardstick: what a process that does spin gets of this machine
	 * right now (a busy machine lowers both figures alike) */
	fflush(NULL);
	pid_t spin = fork();
	assert_true(spin >= 0);
	if (spin == 0) {
		alarm(SAFETY_S);
		for (volatile unsigned long i = 0;; i++)
			;
	}
	long long c0 = cpu_ticks(fx->server), s0 = cpu_ticks(spin);
	uint64_t t0 = ipl_now_ns();
	ipl_rl_sleep_ms(2000);
	long long c1 = cpu_ticks(fx->server), s1 = cpu_ticks(spin);
	uint64_t t1 = ipl_now_ns();
	kill(spin, SIGKILL);
	waitpid(spin, NULL, 0);
	/* it was out of fds all along: still at its limit, the call unanswered */
	assert_int_equal(ipl_rl_nfds(fx->server), nfds + HOLD - 1);
	assert_int_equal(nth_free_fd(fx->server, 1), last + 1);
	struct pollfd p = { .fd = ipl_fdconn_rfd(waiting), .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 0);
	double cpu_s = (double)(c1 - c0) / (double)sysconf(_SC_CLK_TCK);
	double wall_s = (double)(t1 - t0) / 1e9;
	fprintf(stderr,
		"%s: out of fds with a client waiting: %.2f s CPU in %.2f s (%lld ticks; "
		"a spinning process got %lld)\n",
		v->name, cpu_s, wall_s, c1 - c0, s1 - s0);
	assert_true(c0 >= 0 && c1 >= 0 && s0 >= 0 && s1 >= 0);
	assert_true(cpu_s < wall_s / 2);
	assert_true(4 * (c1 - c0) <= (s1 - s0) + 2); /* 2 ticks: the counters' grain */

	/* an fd comes free: the waiting client is served */
	ipl_conn_detach(held[0]);
	struct ipl_rpc_reply rep;
	struct ipl_buf rb = { 0 };
	size_t len = 0;
	int rc = ipl_rpc_read_record(waiting, 1u << 20, &rb, &len);
	if (rc == 0) {
		struct ipl_xdr_dec x;
		ipl_xdr_dec_init(&x, rb.p, len);
		rc = ipl_rpc_reply_decode(&x, &rep);
	}
	ipl_buf_free(&rb);
	assert_ok(rc);
	assert_int_equal(rep.xid, 99);
	assert_int_equal(rep.accept_stat, IPL_RPC_SUCCESS);
	ipl_conn_detach(waiting);
	for (int i = 1; i < HOLD; i++)
		ipl_conn_detach(held[i]);
	alarm(0);
	assert_int_equal(ipl_fx_stop(fx), 0);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

static const struct ipl_rl_case cases[] = {
	{ "served_beside_slow_bytes", case_served_beside, IPL_CAP_LAYERED, 0, H_SLOW_BYTES, NULL },
	{ "served_beside_silent", case_served_beside, IPL_CAP_LAYERED, 0, H_SILENT, NULL },
	{ "served_beside_endless_fragment", case_served_beside, IPL_CAP_LAYERED, 0, H_ENDLESS, NULL },
	{ "idle_closed", case_idle, IPL_CAP_LAYERED, 0, 0, NULL },
	{ "max_conns_refused", case_max_conns, IPL_CAP_LAYERED, 0, 0, NULL },
	{ "sum_garbage_bounded", case_sum_garbage, IPL_CAP_LAYERED, 0, 0, NULL },
	{ "emfile_no_spin", case_emfile, IPL_CAP_LAYERED, 0, 0, NULL },
};
#define NCASES (sizeof cases / sizeof cases[0])

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	/* oncrpc's variants only (a longer prefix on the command line narrows it) */
	char *only[] = { argv[0], (char *)"oncrpc", NULL };
	if (argc < 2 || strncmp(argv[1], "oncrpc", 6))
		return ipl_rl_run("oncrpc_hostile", cases, NCASES, 2, only);
	return ipl_rl_run("oncrpc_hostile", cases, NCASES, argc, argv);
}
