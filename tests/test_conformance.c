/* test_conformance.c - the cases every transport must pass, run against
 * every variant in helper_variants.c and named "<variant>/<case>". */
#include "common/err.h"
#include "common/exchange.h"
#include "tests/fixture.h"
#include "common/msgio.h"
#include "bench/registry/registry.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

#define CLIENT_TIMEOUT_S 120

/* ---- client bodies (run in forked client processes; 0 = pass) ---------- */

static int echo_n(struct ipl_conn *c, uint32_t size, uint64_t n)
{
	struct ipl_client_cfg cfg = { .size = size, .iters = n, .op = IPL_OP_ECHO, .crc = size % 2 };
	struct ipl_client_stats st = { 0 };
	int rc = ipl_client_latency(c, &cfg, NULL, &st);
	if (rc < 0 || st.ok != n || st.errors) {
		fprintf(stderr, "echo size %u: rc %s, ok %llu of %llu, errors %llu\n", size, ipl_strerror(rc),
			(unsigned long long)st.ok, (unsigned long long)n, (unsigned long long)st.errors);
		return 1;
	}
	return 0;
}

/* body_sizes' arg: the variant's largest payload (ipl_max_payload_of: a
 * layer over datagrams has its own), 0 = the cap. */
static uint32_t sizes_max;

static int body_sizes(struct ipl_conn *c, void *arg)
{
	uint32_t max = *(const uint32_t *)arg;
	static const uint32_t sizes[] = { 0, 1, 64, 4096, 65536, 1u << 20, IPL_DEFAULT_CAP };
	uint32_t cap = 0;
	if (ipl_client_hello(c, &cap) < 0 || cap != IPL_DEFAULT_CAP)
		return 2;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		if (max && sizes[i] > max) {
			if (echo_n(c, max, 3)) /* its largest instead */
				return 3;
		} else if (echo_n(c, sizes[i], sizes[i] >= (1u << 20) ? 2 : 3))
			return 3;
	return ipl_client_bye(c) < 0 ? 4 : 0;
}

/* The variant's carrier is datagrams (a layer over udp): set before the
 * clients fork. */
static int over_dgram;

static int body_many(struct ipl_conn *c, void *arg)
{
	(void)arg;
	if (echo_n(c, 64, 10000))
		return 1;
	/* a pipelined window and a one-way stream, verified the same way */
	struct ipl_client_cfg cfg = { .size = 512, .iters = 2000, .op = IPL_OP_SINK, .window = 8 };
	struct ipl_client_stats st = { 0 };
	if (ipl_client_throughput(c, &cfg, &st) < 0 || st.ok != 2000 || st.errors)
		return 2;
	memset(&st, 0, sizeof st);
	if (c->tp->caps & IPL_CAP_DATAGRAM) /* no stream there: refused, said so */
		return ipl_client_stream(c, &cfg, &st) != IPL_EUNSUPP ? 3
		     : ipl_client_bye(c) < 0                          ? 4
								      : 0;
	cfg.crc = 1; /* the stream's one CRC, taken once, must hold for every message */
	int rc = ipl_client_stream(c, &cfg, &st);
	/* a layer over datagrams may refuse a one-way stream (oncrpc over
	 * udp: libtirpc's datagram client awaits every reply) */
	if (over_dgram && rc == IPL_EUNSUPP)
		return ipl_client_bye(c) < 0 ? 4 : 0;
	if (rc < 0 || st.ok != 2000 || st.errors)
		return 3;
	return ipl_client_bye(c) < 0 ? 4 : 0;
}

static int body_close(struct ipl_conn *c, void *arg)
{
	(void)arg;
	if (echo_n(c, 100, 5))
		return 1;
	if (ipl_client_bye(c) < 0)
		return 2;
	uint8_t b;
	int rc = ipl_conn_read_full(c, &b, 1); /* after BYE the server closes */
	return rc == IPL_ECLOSED ? 0 : 3;
}

/* Sends a header with a bad magic; expects an ERROR reply (or a close). */
static int body_malformed(struct ipl_conn *c, void *arg)
{
	(void)arg;
	uint8_t junk[IPL_HDR_SIZE];
	memset(junk, 0x5a, sizeof junk);
	struct iovec iov = { .iov_base = junk, .iov_len = sizeof junk };
	if (ipl_conn_send(c, &iov, 1) < 0)
		return 1;
	struct ipl_hdr h;
	struct ipl_buf b = { 0 };
	int rc = ipl_msg_recv(c, 64, &h, &b);
	int ok = (rc == 0 && h.op == IPL_OP_ERROR && h.len == 4 && b.p[3] == IPL_WERR_MAGIC) || rc == IPL_ECLOSED;
	ipl_buf_free(&b);
	if (!ok)
		return 2;
	uint8_t x; /* the server gives up on this stream: EOF follows */
	return ipl_conn_read_full(c, &x, 1) == IPL_ECLOSED ? 0 : 3;
}

static int body_echo_small(struct ipl_conn *c, void *arg)
{
	(void)arg;
	return echo_n(c, 64, 100) || ipl_client_bye(c) < 0;
}

/* ---- cases ------------------------------------------------------------ */

static const struct ipl_test_variant *variant_of(void **state)
{
	return *state;
}

/* Runs bodies as clients 0..n-1 one after another against one server. */
static void run_clients(void **state, int (*const *bodies)(struct ipl_conn *, void *), unsigned n)
{
	struct ipl_fixture fx;
	const struct ipl_test_variant *v = variant_of(state);
	const struct ipl_transport *tp = ipl_transport_find(v->tp);
	const struct ipl_transport *via = v->via ? ipl_transport_find(v->via) : NULL;
	sizes_max = ipl_max_payload_of(tp, via, NULL);
	over_dgram = via && (via->caps & IPL_CAP_DATAGRAM);
	int rc = ipl_fx_start(&fx, v, n);
	assert_ok(rc);
	for (unsigned i = 0; i < n; i++) {
		pid_t p = ipl_fx_client(&fx, i, bodies[i], &sizes_max);
		assert_true(p > 0);
		int st = ipl_fx_wait(&fx, p, CLIENT_TIMEOUT_S);
		if (st != 0)
			fprintf(stderr, "%s: client %u exited with %d\n", variant_of(state)->name, i, st);
		assert_int_equal(st, 0);
	}
	assert_int_equal(ipl_fx_stop(&fx), 0);
	assert_int_equal(ipl_fx_leftovers(&fx), 0);
}

static void case_echo_sizes(void **state)
{
	int (*const b[])(struct ipl_conn *, void *) = { body_sizes };
	run_clients(state, b, 1);
}

static void case_many_messages(void **state)
{
	int (*const b[])(struct ipl_conn *, void *) = { body_many };
	run_clients(state, b, 1);
}

static void case_orderly_close(void **state)
{
	int (*const b[])(struct ipl_conn *, void *) = { body_close, body_echo_small };
	run_clients(state, b, 2);
}

static void case_malformed_then_next(void **state)
{
	const struct ipl_transport *tp = ipl_transport_find(variant_of(state)->tp);
	if (!(tp->caps & IPL_CAP_BYTES))
		skip(); /* message transports get their own bad-input cases */
	int (*const b[])(struct ipl_conn *, void *) = { body_malformed, body_echo_small };
	run_clients(state, b, 2);
}

/* Clients at the same time: each sees only its own replies. */
static void case_concurrent_clients(void **state)
{
	const struct ipl_transport *tp = ipl_transport_find(variant_of(state)->tp);
	if (!(tp->caps & IPL_CAP_MULTI_CLIENT))
		skip();
	struct ipl_fixture fx;
	enum { N = 4 };
	assert_ok(ipl_fx_start(&fx, variant_of(state), N));
	pid_t p[N];
	for (unsigned i = 0; i < N; i++)
		assert_true((p[i] = ipl_fx_client(&fx, i, body_echo_small, NULL)) > 0);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(ipl_fx_wait(&fx, p[i], CLIENT_TIMEOUT_S), 0);
	assert_int_equal(ipl_fx_stop(&fx), 0);
	assert_int_equal(ipl_fx_leftovers(&fx), 0);
}

/* prepare + cleanup with no client at all leaves nothing behind either. */
static void case_cleanup(void **state)
{
	struct ipl_fixture fx;
	assert_ok(ipl_fx_start(&fx, variant_of(state), 1));
	assert_int_equal(ipl_fx_stop(&fx), 0);
	assert_int_equal(ipl_fx_leftovers(&fx), 0);
}

/* Every registered transport must appear in the variant list. */
static void case_registry_covered(void **state)
{
	(void)state;
	for (size_t i = 0; i < ipl_transport_count(); i++) {
		const char *name = ipl_transport_at(i)->name;
		int found = 0;
		for (size_t k = 0; k < ipl_test_nvariants; k++)
			found |= !strcmp(ipl_test_variants[k].tp, name);
		if (!found)
			fprintf(stderr,
				"transport '%s' is registered but not in tests/helper_variants.c\n", name);
		assert_true(found);
	}
	for (size_t k = 0; k < ipl_test_nvariants; k++)
		assert_non_null(ipl_transport_find(ipl_test_variants[k].tp));
}

static const struct {
	const char *name;
	CMUnitTestFunction fn;
} cases[] = {
	{ "echo_sizes", case_echo_sizes },
	{ "many_messages", case_many_messages },
	{ "orderly_close", case_orderly_close },
	{ "malformed_then_next", case_malformed_then_next },
	{ "concurrent_clients", case_concurrent_clients },
	{ "cleanup", case_cleanup },
};

int main(int argc, char **argv)
{
	/* optional filter: run only variants whose name starts with argv[1] */
	const char *only = argc > 1 ? argv[1] : NULL;
	/* udp on loopback loses nothing here: only a stall of a loaded machine
	 * could pass for a loss, so its per-reply wait is a safety net */
	setenv("IPCLAB_UDP_TIMEOUT_MS", "60000", 0);
	size_t ncase = sizeof cases / sizeof cases[0];
	struct CMUnitTest *t = calloc(ipl_test_nvariants * ncase + 1, sizeof *t);
	size_t n = 0;
	t[n++] = (struct CMUnitTest){ .name = "registry/every_transport_in_suite",
				      .test_func = case_registry_covered };
	for (size_t v = 0; v < ipl_test_nvariants; v++) {
		if (only && strncmp(ipl_test_variants[v].name, only, strlen(only)))
			continue;
		for (size_t c = 0; c < ncase; c++) {
			char *name;
			if (asprintf(&name, "%s/%s", ipl_test_variants[v].name, cases[c].name) < 0)
				return 1;
			t[n++] = (struct CMUnitTest){ .name = name,
						      .test_func = cases[c].fn,
						      .initial_state = (void *)&ipl_test_variants[v] };
		}
	}
	int rc = _cmocka_run_group_tests("conformance", t, n, NULL, NULL);
	for (size_t i = 1; i < n; i++)
		free((char *)t[i].name);
	free(t);
	return rc;
}
