/* test_netaddr.c - both ends' addresses (conn_addr on tcp over IPv4 and
 * IPv6, and unix) and the rule that refuses --connect HOST:PORT to a
 * mechanism that cannot cross hosts (bench/cli/xhost.c). */
#include "common/err.h"
#include "common/transport.h"
#include "bench/cli/xhost.h"
#include "bench/registry/registry.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

static int setup(void **state)
{
	(void)state;
	alarm(120); /* a hang fails (a safety net: far beyond a loaded machine) */
	return 0;
}

/* Connects a client to a fresh server of tp listening on listen, accepts it,
 * and checks each end's view of the other. */
static void check_pair_via(const char *mech, const char *via, const char *listen, const char *want_prefix)
{
	const struct ipl_transport *tp = ipl_transport_find(mech);
	assert_non_null(tp);
	struct ipl_tp_opts o = { .listen = listen, .via = via ? ipl_transport_find(via) : NULL };
	struct ipl_endpoint srv, cli;
	ipl_endpoint_setup(&srv, tp, &o, NULL);
	assert_ok(ipl_endpoint_prepare(&srv));
	assert_ok(ipl_endpoint_attach_server(&srv));
	ipl_endpoint_setup(&cli, tp, &o, srv.addr);
	struct ipl_conn *c = NULL, *s = NULL;
	assert_ok(ipl_endpoint_attach_client(&cli, 0, &c));
	assert_ok(ipl_endpoint_accept(&srv, &s));

	char cl[IPL_ADDR_MAX], cp[IPL_ADDR_MAX], sl[IPL_ADDR_MAX], sp[IPL_ADDR_MAX];
	assert_ok(ipl_conn_addr(c, cl, sizeof cl, cp, sizeof cp));
	assert_ok(ipl_conn_addr(s, sl, sizeof sl, sp, sizeof sp));
	assert_string_equal(cp, srv.addr); /* the client reached the advertised address */
	assert_string_equal(sl, srv.addr);
	assert_string_equal(sp, cl); /* and the server sees the client's own end */
	assert_true(!strncmp(cl, want_prefix, strlen(want_prefix)));
	/* either buffer may be left out */
	char only[IPL_ADDR_MAX];
	assert_ok(ipl_conn_addr(c, NULL, 0, only, sizeof only));
	assert_string_equal(only, cp);

	ipl_conn_detach(c);
	ipl_conn_detach(s);
	ipl_endpoint_cleanup(&cli);
	ipl_endpoint_cleanup(&srv);
}

static void check_pair(const char *mech, const char *listen, const char *want_prefix)
{
	check_pair_via(mech, NULL, listen, want_prefix);
}

static void tcp_v4_addrs(void **state)
{
	(void)state;
	check_pair("tcp", "127.0.0.1:0", "127.0.0.1:");
}

static void tcp_v6_addrs(void **state)
{
	(void)state;
	/* no ::1 (IPv6 disabled): nothing to test */
	const struct ipl_transport *tp = ipl_transport_find("tcp");
	struct ipl_tp_opts o = { .listen = "[::1]:0" };
	struct ipl_endpoint ep;
	ipl_endpoint_setup(&ep, tp, &o, NULL);
	int rc = ipl_endpoint_prepare(&ep);
	ipl_endpoint_cleanup(&ep);
	if (rc < 0)
		skip();
	check_pair("tcp", "[::1]:0", "[::1]:");
}

static void unix_addrs(void **state)
{
	(void)state;
	check_pair("unix", NULL, ""); /* client end is unnamed: "" */
}

/* A layered transport reports its carrier's ends. */
static void rpc_over_tcp_addrs(void **state)
{
	(void)state;
	if (!ipl_transport_find("rpc"))
		skip();
	check_pair_via("rpc", "tcp", "127.0.0.1:0", "127.0.0.1:");
}

/* A transport with no conn_addr says so instead of inventing an answer. */
static void missing_op_is_unsupported(void **state)
{
	(void)state;
	static const struct ipl_transport bare = { .name = "bare" };
	struct ipl_conn c = { .tp = &bare };
	char l[8] = "x", p[8] = "y";
	assert_err(ipl_conn_addr(&c, l, sizeof l, p, sizeof p), IPL_EUNSUPP);
	assert_string_equal(l, "");
	assert_string_equal(p, "");
}

static void classify(void **state)
{
	(void)state;
	/* this host's own name forms */
	assert_int_equal(ipl_addr_classify("/tmp/ipclab-1-x/sock"), IPL_ADDR_NAME);
	assert_int_equal(ipl_addr_classify("/ipclab-123-abcd"), IPL_ADDR_NAME); /* shm */
	assert_int_equal(ipl_addr_classify("./dir"), IPL_ADDR_NAME);
	assert_int_equal(ipl_addr_classify("fifo-dir"), IPL_ADDR_NAME);
	assert_int_equal(ipl_addr_classify("a/b:80"), IPL_ADDR_NAME);
	assert_int_equal(ipl_addr_classify("host:port"), IPL_ADDR_NAME); /* port not numeric */
	assert_int_equal(ipl_addr_classify(""), IPL_ADDR_NAME);
	/* network addresses naming this host */
	assert_int_equal(ipl_addr_classify("127.0.0.1:4242"), IPL_ADDR_NET_LOCAL);
	assert_int_equal(ipl_addr_classify("localhost:4242"), IPL_ADDR_NET_LOCAL);
	assert_int_equal(ipl_addr_classify(":4242"), IPL_ADDR_NET_LOCAL);
	assert_int_equal(ipl_addr_classify("0.0.0.0:1"), IPL_ADDR_NET_LOCAL);
	/* and other hosts (documentation ranges: never this machine) */
	assert_int_equal(ipl_addr_classify("192.0.2.7:4242"), IPL_ADDR_NET_REMOTE);
	assert_int_equal(ipl_addr_classify("[2001:db8::7]:4242"), IPL_ADDR_NET_REMOTE);
	assert_int_equal(ipl_addr_classify("2001:db8::7"), IPL_ADDR_NET_REMOTE);
	assert_int_equal(ipl_addr_classify("example.invalid:80"), IPL_ADDR_NET_REMOTE);
}

/* A file whose name looks like HOST:PORT is still a local name. */
static void existing_file_wins(void **state)
{
	(void)state;
	char dir[4096], old[4096];
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/ipclab-test-XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(old, sizeof old));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(ipl_addr_classify("192.0.2.7:4242"), IPL_ADDR_NET_REMOTE);
	int fd = open("192.0.2.7:4242", O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ipl_addr_classify("192.0.2.7:4242"), IPL_ADDR_NAME);
	unlink("192.0.2.7:4242");
	assert_int_equal(chdir(old), 0);
	rmdir(dir);
}

static void connect_rule(void **state)
{
	(void)state;
	const struct ipl_transport *tcp = ipl_transport_find("tcp"), *ux = ipl_transport_find("unix");
	static const struct ipl_transport layered = { .name = "lay", .caps = IPL_CAP_LAYERED | IPL_CAP_NAMED };
	static const struct ipl_transport shmlike = { .name = "shmish", .caps = IPL_CAP_NAMED };
	char err[256] = "";
	/* tcp reaches anything */
	assert_int_equal(ipl_connect_check(tcp, NULL, "192.0.2.7:4242", err, sizeof err), 0);
	assert_int_equal(ipl_connect_check(tcp, NULL, "[2001:db8::7]:1", err, sizeof err), 0);
	/* local mechanisms keep their own address forms */
	assert_int_equal(ipl_connect_check(ux, NULL, "/tmp/x/sock", err, sizeof err), 0);
	assert_int_equal(ipl_connect_check(&shmlike, NULL, "/ipclab-1-ab", err, sizeof err), 0);
	/* and are refused another host, with the reason */
	assert_int_equal(ipl_connect_check(ux, NULL, "192.0.2.7:4242", err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot cross hosts"));
	assert_int_equal(ipl_connect_check(&shmlike, NULL, "[2001:db8::7]:9", err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot cross hosts"));
	/* a local HOST:PORT is refused too: it is not their kind of address */
	assert_int_equal(ipl_connect_check(ux, NULL, "127.0.0.1:4242", err, sizeof err), -1);
	assert_non_null(strstr(err, "not to HOST:PORT"));
	/* layered: the carrier decides (unix when none is given) */
	assert_int_equal(ipl_connect_check(&layered, NULL, "192.0.2.7:4242", err, sizeof err), -1);
	assert_non_null(strstr(err, "--via tcp"));
	assert_int_equal(ipl_connect_check(&layered, tcp, "192.0.2.7:4242", err, sizeof err), 0);
	assert_int_equal(ipl_connect_check(&layered, ux, "/tmp/x/sock", err, sizeof err), 0);
	assert_ptr_equal(ipl_effective_carrier(&layered, NULL), ux);
	assert_ptr_equal(ipl_effective_carrier(tcp, ux), tcp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(tcp_v4_addrs, setup),
		cmocka_unit_test_setup(tcp_v6_addrs, setup),
		cmocka_unit_test_setup(unix_addrs, setup),
		cmocka_unit_test_setup(rpc_over_tcp_addrs, setup),
		cmocka_unit_test_setup(missing_op_is_unsupported, setup),
		cmocka_unit_test_setup(classify, setup),
		cmocka_unit_test_setup(existing_file_wins, setup),
		cmocka_unit_test_setup(connect_rule, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
