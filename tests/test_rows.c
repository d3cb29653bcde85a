/* test_rows.c - every row of `ipclab bench` keeps its own label.
 *
 * Labels of layered rows ("rpc/tcp") used to be written into a rotating
 * pool of 32 static buffers: the 33rd layered row overwrote the first row's
 * label, so a run with more rows printed the wrong mechanism for its early
 * rows.  Here: the grid laid out for 60 layered rows, and a real run of 34
 * rows written as CSV, each row checked. */
#include "bench/cli/args.h"
#include "bench/cli/cli.h"
#include "bench/cli/grid.h"
#include "bench/run/row.h"
#include "bench/registry/registry.h"
#include "common/msg.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

/* "1,2,...,n" */
static void size_list(char *buf, size_t len, unsigned n)
{
	buf[0] = '\0';
	for (unsigned i = 1; i <= n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%u", i > 1 ? "," : "", i);
}

/* The label the row at index i must carry: mechs[i / per] in run order. */
static const char *expected(const char *const *mechs, size_t i, size_t per)
{
	return mechs[i / per];
}

static void test_mech_label(void **state)
{
	(void)state;
	char buf[IPL_LABEL_MAX];
	const struct ipl_transport *rpc = ipl_transport_find("rpc"), *tcp = ipl_transport_find("tcp");
	assert_non_null(rpc);
	assert_non_null(tcp);
	assert_string_equal(ipl_mech_label(buf, sizeof buf, tcp, NULL, 0), "tcp");
	assert_string_equal(ipl_mech_label(buf, sizeof buf, tcp, NULL, 1), "tcp-peer");
	assert_string_equal(ipl_mech_label(buf, sizeof buf, rpc, NULL, 0), "rpc/unix");
	assert_string_equal(ipl_mech_label(buf, sizeof buf, rpc, tcp, 1), "rpc/tcp-peer");
}

/* The grid `ipclab bench` lays out for argv: parsed into *o, laid out in *g. */
static void lay_out(int argc, char **argv, struct ipl_bench_opts *o, struct ipl_bench_grid *g)
{
	assert_int_equal(ipl_bench_parse(argc, argv, o), 0);
	assert_int_equal(ipl_bench_grid_init(g, o, argc, argv), 0);
}

/* 3 layered entries x 20 sizes: 60 rows, each labelled by its own entry. */
static void test_grid_labels_over_32_rows(void **state)
{
	(void)state;
	static const char *const mechs[] = { "rpc/tcp", "rpc/unix", "rpc/tcp-peer" };
	char sizes[128];
	size_list(sizes, sizeof sizes, 20);
	char *argv[] = { "bench", "-q", "-m", "rpc/tcp,rpc/unix,rpc/tcp-peer", "-s", sizes, NULL };
	struct ipl_bench_opts o;
	struct ipl_bench_grid g;
	lay_out(6, argv, &o, &g);
	assert_int_equal(g.rep.nrows, 60);
	for (size_t i = 0; i < g.rep.nrows; i++) {
		const struct ipl_row *r = &g.rep.rows[i];
		if (strcmp(r->mech, expected(mechs, i, 20)))
			fail_msg("row %zu is labelled '%s', not '%s'", i, r->mech, expected(mechs, i, 20));
		assert_int_equal(r->size, i % 20 + 1);
		assert_int_equal(r->peer, i >= 40);
	}
	ipl_bench_grid_free(&g);
}

/* Each row tells its conns what it keeps in flight (shm sizes its rings
 * from it): a window of messages with their headers; a stream, that it
 * is one (IPL_INFLIGHT_STREAM). */
static void test_spec_inflight_hint(void **state)
{
	(void)state;
	char *argv[] = { "bench", "-q",       "-m",     "shm",
			 "-s",    "64,65536", "--mode", "latency,throughput,stream",
			 NULL };
	struct ipl_bench_opts o;
	struct ipl_bench_grid g;
	lay_out(8, argv, &o, &g);
	assert_int_equal(g.rep.nrows, 6);
	for (size_t i = 0; i < g.rep.nrows; i++) {
		const struct ipl_row *r = &g.rep.rows[i];
		struct ipl_run_spec sp = ipl_bench_spec(&o, r);
		uint64_t msgs = r->mode == IPL_MODE_THROUGHPUT ? 16 : 1;
		uint64_t want = r->mode == IPL_MODE_STREAM ? IPL_INFLIGHT_STREAM : msgs * (r->size + IPL_HDR_SIZE);
		if (sp.tpo.inflight_hint != want)
			fail_msg("row %zu (%s, %zu B): hint %llu", i, ipl_mode_name(r->mode),
				 (size_t)r->size, (unsigned long long)sp.tpo.inflight_hint);
	}
	ipl_bench_grid_free(&g);
}

/* The mechanism column of every CSV line after the header, in order. */
static size_t csv_mechs(FILE *f, char (*out)[IPL_ITEM_MAX], size_t max)
{
	char line[8192];
	size_t n = 0;
	assert_non_null(fgets(line, sizeof line, f)); /* the header */
	while (n < max && fgets(line, sizeof line, f))
		snprintf(out[n++], IPL_ITEM_MAX, "%.*s", (int)strcspn(line, ","), line);
	return n;
}

/* A real run of 34 layered rows, one short rep each, written as CSV. */
static void test_run_labels_over_32_rows(void **state)
{
	(void)state;
	static const char *const mechs[] = { "rpc/tcp", "rpc/unix" };
	char sizes[128], out[] = "/tmp/ipclab-test-rows-XXXXXX";
	size_list(sizes, sizeof sizes, 17);
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	setenv("IPCLAB_BENCH_LOCK", "", 1); /* many one-message runs: no need to queue */
	char *argv[] = { "bench",    "-q",  "-m", "rpc/tcp,rpc/unix",
			 "-s",       sizes, "-n", "1",
			 "--warmup", "0",   "-f", "csv",
			 "-o",       out,   NULL };
	int rc = ipl_cmd_bench(14, argv);
	FILE *f = fopen(out, "r");
	unlink(out);
	assert_non_null(f);
	char got[64][IPL_ITEM_MAX];
	size_t n = csv_mechs(f, got, 64);
	fclose(f);
	assert_int_equal(rc, 0);
	assert_int_equal(n, 34);
	for (size_t i = 0; i < n; i++)
		if (strcmp(got[i], expected(mechs, i, 17)))
			fail_msg("CSV line %zu says '%s', not '%s'", i + 1, got[i], expected(mechs, i, 17));
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_mech_label),
		cmocka_unit_test(test_grid_labels_over_32_rows),
		cmocka_unit_test(test_spec_inflight_hint),
		cmocka_unit_test(test_run_labels_over_32_rows),
	};
	return cmocka_run_group_tests_name("rows", t, NULL, NULL);
}
