/* test_mq.c - what is particular to the mq transport (the generic behaviour
 * is the conformance, bad-input and fault suites'): queues of a SIGKILLed
 * server or client are removed by the next sweep although /dev/mqueue need
 * not be mounted; a flooded announce queue and an announce queue removed
 * under the server leave the server serving.
 *
 * Children report through their exit status (0 = as expected). */
#include "bench/registry/registry.h"
#include "common/err.h"
#include "common/exchange.h"
#include "tests/fixture.h"
#include "common/names.h"
#include "common/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define WAIT_S 120

static int exists(const char *name)
{
	mqd_t q = mq_open(name, O_RDONLY);
	if (q == (mqd_t)-1)
		return 0;
	mq_close(q);
	return 1;
}

static int wait_exit(pid_t pid)
{
	int st;
	for (int i = 0; i < WAIT_S * 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		struct timespec t = { 0, 10 * 1000000L };
		nanosleep(&t, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static int echo_ok(struct ipl_conn *c, void *arg)
{
	(void)arg;
	struct ipl_client_cfg cfg = { .size = 20000, .iters = 20, .op = IPL_OP_ECHO, .crc = 1 };
	struct ipl_client_stats st = { 0 };
	if (ipl_client_hello(c, NULL) < 0)
		return 1;
	if (ipl_client_latency(c, &cfg, NULL, &st) < 0 || st.ok != 20 || st.errors)
		return 2;
	return ipl_client_bye(c) < 0 ? 3 : 0;
}

/* A server killed with SIGKILL: its announce queue outlives it until the
 * next sweep (any prepare) removes it. */
/* A server killed with SIGKILL: its queue stays until a sweep.  Returns the
 * killed server's queue name in addr, or 0 if a sweep elsewhere (any
 * ipclab process preparing an endpoint sweeps) removed it before we looked. */
static int kill_a_server(char *addr)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct ipl_endpoint ep;
		ipl_endpoint_init(&ep, ipl_transport_find("mq"), NULL, NULL);
		if (ipl_endpoint_prepare(&ep) < 0)
			_exit(1);
		if (write(p[1], ep.addr, sizeof ep.addr) != (ssize_t)sizeof ep.addr)
			_exit(2);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], addr, IPL_ADDR_MAX), (ssize_t)IPL_ADDR_MAX);
	close(p[0]);
	assert_true(exists(addr));
	kill(pid, SIGKILL);
	assert_int_equal(wait_exit(pid), -1);
	return exists(addr); /* nothing removed it yet, unless another sweep ran */
}

static void case_server_killed(void **state)
{
	(void)state;
	char addr[IPL_ADDR_MAX];
	int tries = 0;
	while (!kill_a_server(addr)) /* a concurrent sweep beat us: again */
		assert_true(++tries < 50);
	ipl_sweep_stale();
	assert_false(exists(addr));
}

/* A client killed in its handshake (nobody accepts): its own pair is
 * swept too.  The test reads the client's announcement to learn its names. */
static void case_client_killed(void **state)
{
	(void)state;
	struct ipl_endpoint ep;
	struct ipl_tp_opts o = { .timeout_ms = 0 };
	ipl_endpoint_init(&ep, ipl_transport_find("mq"), &o, NULL);
	assert_int_equal(ipl_endpoint_prepare(&ep), 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct ipl_conn *c = NULL;
		ipl_endpoint_attach_client(&ep, 0, &c); /* waits for an ack forever */
		_exit(1);
	}
	mqd_t ann = mq_open(ep.addr, O_RDONLY);
	assert_true(ann != (mqd_t)-1);
	char rec[200] = { 0 }, base[128], q[140];
	long cpid;
	assert_true(mq_receive(ann, rec, sizeof rec, NULL) > 0);
	mq_close(ann);
	assert_int_equal(sscanf(rec, "IPLMQ1 %ld %100s", &cpid, base), 2);
	assert_int_equal(cpid, pid);
	snprintf(q, sizeof q, "%s.q", base);
	assert_true(exists(q));
	kill(pid, SIGKILL);
	assert_int_equal(wait_exit(pid), -1);
	ipl_sweep_stale();
	assert_false(exists(q));
	q[strlen(q) - 1] = 'r';
	assert_false(exists(q));
	ipl_endpoint_cleanup(&ep);
	assert_false(exists(ep.addr)); /* and the announce queue went with cleanup */
}

/* Garbage records filling the announce queue, then a real client: the
 * server drops what it cannot use and serves the client. */
static void case_announce_flood(void **state)
{
	(void)state;
	struct ipl_fixture fx;
	assert_int_equal(ipl_fx_start(&fx, ipl_fx_variant("mq"), 1), 0);
	mqd_t ann = mq_open(fx.ep.addr, O_WRONLY);
	assert_true(ann != (mqd_t)-1);
	static const char *const junk[] = {
		"",
		"IPLMQ1",
		"IPLMQ1 1 /etc",
		"IPLMQ1 999999 /ipclab-1-0123456789abcdef",
		"IPLMQ1 1 /ipclab-1-0123456789abcdef",
		"IPLMQ1 -5 /ipclab--5-0123456789abcdef",
		"IPLMQ1 1 /ipclab-1-0123456789ABCDEF",
		"\xff\xfe garbage",
	};
	for (int i = 0; i < 40; i++) {
		const char *j = junk[i % 8];
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 60; /* the server drains the queue: a long bound, never hit */
		assert_int_equal(mq_timedsend(ann, j, strlen(j), 0, &ts), 0);
	}
	mq_close(ann);
	pid_t c = ipl_fx_client(&fx, 0, echo_ok, NULL);
	assert_int_equal(ipl_fx_wait(&fx, c, WAIT_S), 0);
	assert_int_equal(ipl_fx_stop(&fx), 0);
	assert_int_equal(ipl_fx_leftovers(&fx), 0);
}

static int ready_p[2], go_p[2];

/* Connects, says so, waits for the go, then echoes. */
static int connected_then_echo(struct ipl_conn *c, void *arg)
{
	(void)arg;
	char b;
	if (ipl_client_hello(c, NULL) < 0 || write(ready_p[1], "r", 1) != 1 || read(go_p[0], &b, 1) != 1)
		return 10;
	struct ipl_client_cfg cfg = { .size = 20000, .iters = 20, .op = IPL_OP_ECHO, .crc = 1 };
	struct ipl_client_stats st = { 0 };
	if (ipl_client_latency(c, &cfg, NULL, &st) < 0 || st.ok != 20 || st.errors)
		return 11;
	return ipl_client_bye(c) < 0 ? 12 : 0;
}

static int refused(struct ipl_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	return 0; /* not reached: attach fails first, run_client exits 100 */
}

/* The announce queue unlinked under a running server: new clients are
 * refused (the name is gone), a client already connected goes on. */
static void case_queue_removed(void **state)
{
	(void)state;
	struct ipl_fixture fx;
	assert_int_equal(pipe(ready_p), 0);
	assert_int_equal(pipe(go_p), 0);
	assert_int_equal(ipl_fx_start(&fx, ipl_fx_variant("mq"), 2), 0);
	pid_t first = ipl_fx_client(&fx, 0, connected_then_echo, NULL);
	char b;
	assert_int_equal(read(ready_p[0], &b, 1), 1);
	assert_int_equal(mq_unlink(fx.ep.addr), 0);
	pid_t c = ipl_fx_client(&fx, 1, refused, NULL);
	assert_int_equal(ipl_fx_wait(&fx, c, WAIT_S), 100);
	struct ipl_conn *conn = NULL;
	assert_int_equal(ipl_endpoint_attach_client(&fx.ep, 0, &conn), -ECONNREFUSED);
	assert_int_equal(write(go_p[1], "g", 1), 1);
	assert_int_equal(ipl_fx_wait(&fx, first, WAIT_S), 0);
	for (int i = 0; i < 2; i++) {
		close(ready_p[i]);
		close(go_p[i]);
	}
	assert_int_equal(ipl_fx_stop(&fx), 0);
	assert_int_equal(ipl_fx_leftovers(&fx), 0);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest t[] = {
		cmocka_unit_test(case_server_killed),
		cmocka_unit_test(case_client_killed),
		cmocka_unit_test(case_announce_flood),
		cmocka_unit_test(case_queue_removed),
	};
	return cmocka_run_group_tests_name("mq", t, NULL, NULL);
}
