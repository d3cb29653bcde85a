/* test_demo.c - `ipclab demo` takes everything it says about a mechanism
 * from the mechanism's describe table (common/transport.h).
 *
 * The placeholders of describe texts are expanded from the endpoint and the
 * conn; an unknown one stays as it is; a text never overruns its buffer.
 * A mechanism without a describe table (here: tcp's ops under another name,
 * describe NULL) still demos, generically, to a verified exchange: adding a
 * mechanism needs no edit in bench/demo/. */
#include "bench/demo/demo.h"
#include "bench/demo/narrate.h"
#include "bench/registry/registry.h"
#include "common/names.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static int fake_listen_fd(const struct ipl_endpoint *ep)
{
	(void)ep;
	return 7;
}

static int fake_conn_fds(const struct ipl_conn *c, int *rfd, int *wfd)
{
	(void)c;
	*rfd = 5;
	*wfd = 6;
	return 0;
}

static void test_expand(void **state)
{
	(void)state;
	static const struct ipl_tp_describe d = { .listen_fd = fake_listen_fd, .conn_fds = fake_conn_fds };
	static const struct ipl_transport tp = { .name = "fake", .describe = &d };
	static const struct ipl_transport car = { .name = "carrier" };
	struct ipl_endpoint ep = { .tp = &tp, .opts = { .via = &car } };
	strcpy(ep.addr, "/x/sock");
	struct ipl_conn conn = { .tp = &tp };
	struct ipl_demo_vars v = { .name = "fake", .ep = &ep, .conn = &conn, .d = &d };
	char out[256], want[512];
	ipl_demo_expand("{name} at {addr} over {via}: fd {lfd}, reads {rfd}, writes {wfd}", &v, out, sizeof out);
	assert_string_equal(out, "fake at /x/sock over carrier: fd 7, reads 5, writes 6");
	ipl_demo_expand("{tmpdir}/a", &v, out, sizeof out);
	snprintf(want, sizeof want, "%s/a", ipl_tmpdir());
	assert_string_equal(out, want);
	/* not placeholders: left as written */
	ipl_demo_expand("{nope} {} { {name", &v, out, sizeof out);
	assert_string_equal(out, "{nope} {} { {name");
	/* bounded: truncated, terminated */
	char small[8];
	memset(small, 'x', sizeof small);
	ipl_demo_expand("{addr}{addr}", &v, small, sizeof small);
	assert_string_equal(small, "/x/sock");
	ipl_demo_expand("ab{addr}", &v, small, sizeof small);
	assert_string_equal(small, "ab/x/so");
	ipl_demo_expand("abcdefghij", &v, small, sizeof small);
	assert_string_equal(small, "abcdefg");
	/* a transport without describe: accessors unknown, fds shown as '?' */
	struct ipl_demo_vars bare = { .name = "bare", .ep = &ep, .conn = &conn, .d = ipl_demo_describe(&car) };
	ipl_demo_expand("{lfd} {rfd} {wfd}", &bare, out, sizeof out);
	assert_string_equal(out, "? ? ?");
}

/* Runs the demo of tp with stdout in a file; returns the demo's exit status
 * and the output in *text (malloc'd). */
static int run_demo(const struct ipl_transport *tp, char **text)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/ipclab-test-demo-XXXXXX", ipl_tmpdir());
	int fd = mkstemp(path); /* 0600, and unlinked at once */
	assert_true(fd >= 0);
	unlink(path);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	struct ipl_demo_cfg cfg = { .tp = tp, .payload = IPL_DEMO_DEFAULT_PAYLOAD };
	int rc = ipl_demo_run(&cfg);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	off_t n = lseek(fd, 0, SEEK_END);
	*text = calloc(1, (size_t)n + 1);
	assert_non_null(*text);
	assert_int_equal(pread(fd, *text, (size_t)n, 0), n);
	close(fd);
	return rc;
}

static void test_without_describe(void **state)
{
	(void)state;
	const struct ipl_transport *tcp = ipl_transport_find("tcp");
	if (!tcp)
		skip();
	struct ipl_transport bare = *tcp;
	bare.name = "bare";
	bare.describe = NULL;
	char *out = NULL;
	int rc = run_demo(&bare, &out);
	if (rc != 0)
		fprintf(stderr, "%s", out);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "result: the exchange completed and the reply verified"));
	assert_non_null(strstr(out, "[setup ] prepare -> address 127.0.0.1:"));
	assert_non_null(strstr(out, "[client] attach_client(\"127.0.0.1:"));
	assert_non_null(strstr(out, "[server] accept()\n"));
	assert_non_null(strstr(out, "[client] bare send (the transport's send op): 38 bytes"));
	assert_non_null(strstr(out, "[server] bare recv (the transport's recv op) -> 38 bytes"));
	assert_non_null(strstr(out, "(bare does not say which fds it uses)"));
	assert_null(strstr(out, "send(fd")); /* tcp's own texts are not borrowed */
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_without_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
