/* test_report.c - every output format of a fixed, hand-built report, byte
 * for byte against golden text in tests/fixtures/report/.
 *
 * The report writers are one table of columns and a set of formatters
 * (bench/report/): a column dropped, renamed, reordered or formatted
 * differently changes a golden file and fails here, in every format at once.
 * Only the machine this runs on differs between hosts, so the machine line
 * and the JSON "environment" object are replaced by @MACHINE@ and @ENV@
 * before comparing.  After an intended change of the output, regenerate
 * with IPL_GOLDEN_UPDATE=1 build/tests/test_report and review the diff. */
#include "bench/run/run.h"
#include "bench/run/row.h"
#include "bench/run/stats.h"
#include "bench/report/report.h"
#include "bench/report/env.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define GOLDEN_DIR "tests/fixtures/report/"

/* ---- a report built by hand ------------------------------------------------ */

/* A completed rep: n latency samples ns, ns+step, ... (n = 0: a throughput
 * rep of 1000 messages, no samples) at mps messages per second. */
static void rep_ok(struct ipl_run_result *r, uint64_t ns, uint64_t step, uint64_t n, double mps)
{
	memset(r, 0, sizeof *r);
	ipl_hist_init(&r->hist);
	for (uint64_t i = 0; i < n; i++)
		ipl_hist_record(&r->hist, ns + (i % 100) * step);
	r->msgs = n ? n : 1000;
	r->st.ok = r->msgs;
	r->st.bytes = r->msgs * 64;
	r->st.elapsed_ns = 1234567890ull;
	r->msgs_per_s = mps;
	r->mb_per_s = mps * 64 / 1e6;
	r->cpu_ns_per_msg = 1500 + mps / 1000;
	r->ctxsw_per_msg = 2.25;
}

/* A rep that did not complete. */
static void rep_failed(struct ipl_run_result *r, const char *why, int interrupted)
{
	memset(r, 0, sizeof *r);
	ipl_hist_init(&r->hist);
	r->failed = 1;
	r->interrupted = interrupted;
	snprintf(r->why, sizeof r->why, "%s", why);
}

static struct ipl_row *row_new(struct ipl_report *rep, const char *mech, enum ipl_mode mode,
			       uint32_t size, unsigned nreps)
{
	struct ipl_row *row = &rep->rows[rep->nrows++];
	memset(row, 0, sizeof *row);
	snprintf(row->mech, sizeof row->mech, "%s", mech);
	row->wait = "";
	row->framed = -1;
	row->size = size;
	row->mode = mode;
	row->clients = 1;
	row->window = mode == IPL_MODE_THROUGHPUT ? 16 : 1;
	row->cpu_client = 0;
	row->cpu_server = 1;
	row->warmup = 100;
	row->nreps = nreps;
	row->reps = calloc(nreps, sizeof *row->reps);
	assert_non_null(row->reps);
	return row;
}

/* Local runs, pinned, with a baseline: every latency formatting range (ns,
 * us, ms), a row with errors, a failed rep whose reason needs CSV quoting,
 * a shm wait policy, throughput and stream rows, 1M sizes, 2 clients. */
static struct ipl_report *report_local(void)
{
	struct ipl_report *rep = calloc(1, sizeof *rep);
	assert_non_null(rep);
	rep->rows = calloc(8, sizeof *rep->rows);
	assert_non_null(rep->rows);
	struct ipl_row *r = row_new(rep, "tcp", IPL_MODE_LATENCY, 64, 3);
	rep_ok(&r->reps[0], 10000, 100, 1000, 90000);
	rep_ok(&r->reps[1], 1000, 10, 1000, 900000); /* fast because broken */
	r->reps[1].st.errors = r->reps[1].st.err_payload = 5;
	rep_ok(&r->reps[2], 12000, 100, 1000, 80000);
	r = row_new(rep, "tcp-raw", IPL_MODE_LATENCY, 64, 3);
	r->baseline = 1;
	r->framed = 0;
	for (unsigned k = 0; k < 3; k++)
		rep_ok(&r->reps[k], 9000, 50, 1000, 100000 + 5000 * k);
	r = row_new(rep, "shm", IPL_MODE_LATENCY, 4096, 2);
	r->wait = "spin";
	rep_ok(&r->reps[0], 400, 1, 20000, 2000000);
	rep_ok(&r->reps[1], 450, 2, 20000, 1900000);
	r = row_new(rep, "pipe", IPL_MODE_LATENCY, 1u << 20, 2);
	rep_ok(&r->reps[0], 2000000, 10000, 50, 400);
	rep_ok(&r->reps[1], 2500000, 10000, 50, 350);
	r = row_new(rep, "unix", IPL_MODE_THROUGHPUT, 64, 3);
	rep_ok(&r->reps[0], 0, 0, 0, 100000);
	rep_ok(&r->reps[1], 0, 0, 0, 110000);
	rep_failed(&r->reps[2], "client 0 died, \"badly\"", 0);
	r = row_new(rep, "pipe", IPL_MODE_STREAM, 65536, 2);
	r->clients = 2;
	rep_ok(&r->reps[0], 0, 0, 0, 25000);
	rep_ok(&r->reps[1], 0, 0, 0, 12000); /* half as fast: noisy */
	for (size_t i = 0; i < rep->nrows; i++)
		ipl_row_finish(&rep->rows[i]);
	rep->argv_line = "ipclab bench -m tcp,unix \"quoted\" \\ \xff\t";
	rep->iters = 1000;
	rep->warmup = 100;
	rep->reps = 3;
	rep->window = 16;
	rep->cap = 16u << 20;
	rep->baseline = 1;
	rep->timeout_s = 300;
	return rep;
}

/* A server elsewhere, cut short by SIGINT, --wide, --duration: placements
 * per row (one unpinned, one same-core), addresses in the connect notes, a
 * udp row's lost/stale/reordered counts. */
static struct ipl_report *report_remote(void)
{
	struct ipl_report *rep = calloc(1, sizeof *rep);
	assert_non_null(rep);
	rep->rows = calloc(4, sizeof *rep->rows);
	assert_non_null(rep->rows);
	struct ipl_row *r = row_new(rep, "tcp", IPL_MODE_LATENCY, 1024, 2);
	r->cpu_client = r->cpu_server = -1;
	r->warmup = 50;
	rep_ok(&r->reps[0], 30000, 100, 500, 30000);
	rep_ok(&r->reps[1], 31000, 100, 500, 29000);
	for (unsigned k = 0; k < 2; k++) {
		snprintf(r->reps[k].server_addr, sizeof r->reps[k].server_addr, "10.0.0.1:5000");
		snprintf(r->reps[k].client_addr, sizeof r->reps[k].client_addr, "10.0.0.2:4%u", k);
	}
	r = row_new(rep, "rpc/tcp", IPL_MODE_THROUGHPUT, 64, 2);
	r->cpu_client = r->cpu_server = 0;
	r->window = 8;
	rep_ok(&r->reps[0], 0, 0, 0, 55000);
	rep_failed(&r->reps[1], "interrupted by SIGINT", 1);
	r = row_new(rep, "unix", IPL_MODE_LATENCY, 64, 1);
	rep_failed(&r->reps[0], "connect: Connection refused", 0);
	r = row_new(rep, "udp", IPL_MODE_LATENCY, 64, 1); /* lost, late/doubled, reordered replies */
	rep_ok(&r->reps[0], 20000, 100, 500, 40000);
	r->reps[0].st.errors = r->reps[0].st.lost = 2;
	r->reps[0].st.stale = 1;
	r->reps[0].st.reordered = 3;
	for (size_t i = 0; i < rep->nrows; i++)
		ipl_row_finish(&rep->rows[i]);
	rep->argv_line = "ipclab bench --connect tcp:10.0.0.1:5000 --duration 0.5";
	rep->duration_s = 0.5;
	rep->warmup = 50;
	rep->reps = 2;
	rep->window = 8;
	rep->cap = 1u << 20;
	rep->crc = 1;
	rep->timeout_s = 60;
	rep->wait = "spin";
	rep->via = "tcp";
	rep->connect = "tcp:10.0.0.1:5000";
	rep->wide = 1;
	rep->started = 1700000000;
	rep->interrupted = SIGINT;
	rep->runs_done = 3;
	rep->runs_total = 5;
	return rep;
}

/* No rows at all (every run refused before it started). */
static struct ipl_report *report_empty(void)
{
	struct ipl_report *rep = calloc(1, sizeof *rep);
	assert_non_null(rep);
	rep->argv_line = "ipclab bench";
	rep->iters = 20000;
	rep->warmup = 2000;
	rep->reps = 1;
	return rep;
}

static void report_free(struct ipl_report *rep)
{
	for (size_t i = 0; i < rep->nrows; i++)
		free(rep->rows[i].reps);
	free(rep->rows);
	free(rep);
}

/* ---- rendering and comparing ------------------------------------------------ */

/* Every occurrence of from in *text replaced by to (*text reallocated). */
static void replace_all(char **text, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	if (!fl)
		return;
	for (const char *p = *text; (p = strstr(p, from)); p += fl)
		n++;
	char *out = malloc(strlen(*text) + n * tl + 1), *o = out;
	assert_non_null(out);
	const char *p = *text;
	for (const char *q; (q = strstr(p, from)); p = q + fl) {
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, to, tl);
		o += tl;
	}
	strcpy(o, p);
	free(*text);
	*text = out;
}

/* rep in fmt, with this machine's description replaced by placeholders. */
static char *render(const struct ipl_report *rep, enum ipl_format fmt)
{
	char *buf = NULL, *env = NULL, machine[300];
	size_t len = 0, elen = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	ipl_report_write(f, rep, fmt);
	assert_int_equal(fclose(f), 0);
	f = open_memstream(&env, &elen);
	assert_non_null(f);
	struct ipl_json j;
	ipl_json_init(&j, f);
	ipl_env_json(&j);
	assert_int_equal(fclose(f), 0);
	ipl_env_summary(machine, sizeof machine);
	replace_all(&buf, env, "@ENV@");
	replace_all(&buf, machine, "@MACHINE@");
	free(env);
	return buf;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	int c;
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	return buf;
}

/* Shows the first line that differs: enough to see which column moved. */
static void first_difference(const char *name, const char *want, const char *got)
{
	unsigned line = 1;
	const char *w = want, *g = got;
	while (*w && *w == *g) {
		line += *w == '\n';
		w++, g++;
	}
	while (w > want && w[-1] != '\n')
		w--, g--;
	print_error("%s line %u differs:\nwant: %.*s\ngot:  %.*s\n", name, line, (int)strcspn(w, "\n"),
		    w, (int)strcspn(g, "\n"), g);
}

/* rep in fmt equals GOLDEN_DIR/name; with IPL_GOLDEN_UPDATE=1 it is written there. */
static void check_golden(const struct ipl_report *rep, enum ipl_format fmt, const char *name)
{
	char path[256];
	snprintf(path, sizeof path, GOLDEN_DIR "%s", name);
	char *got = render(rep, fmt);
	const char *update = getenv("IPL_GOLDEN_UPDATE");
	if (update && !strcmp(update, "1")) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(got, f);
		assert_int_equal(fclose(f), 0);
	}
	char *want = slurp(path);
	if (!want)
		fail_msg("no golden file %s (run from the tree root; IPL_GOLDEN_UPDATE=1 writes it)", path);
	if (strcmp(want, got)) {
		first_difference(path, want, got);
		fail_msg("%s: output changed", name);
	}
	free(want);
	free(got);
}

static void check_all_formats(struct ipl_report *rep, const char *stem)
{
	static const struct {
		enum ipl_format fmt;
		const char *ext;
	} fmts[] = {
		{ IPL_FMT_TABLE, "txt" },
		{ IPL_FMT_MD, "md" },
		{ IPL_FMT_CSV, "csv" },
		{ IPL_FMT_JSON, "json" },
	};
	for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
		char name[64];
		snprintf(name, sizeof name, "%s.%s", stem, fmts[i].ext);
		check_golden(rep, fmts[i].fmt, name);
	}
	/* the table without --wide is the 120-column set: a second golden */
	if (rep->nrows && !rep->wide) {
		char name[64];
		rep->wide = 1;
		snprintf(name, sizeof name, "%s-wide.txt", stem);
		check_golden(rep, IPL_FMT_TABLE, name);
		rep->wide = 0;
	}
}

/* ---- the tests ----------------------------------------------------------------- */

static void test_local_report(void **state)
{
	(void)state;
	struct ipl_report *rep = report_local();
	check_all_formats(rep, "local");
	/* the warnings on stderr instead: not in the table again */
	rep->omit_warnings = 1;
	check_golden(rep, IPL_FMT_TABLE, "local-quiet.txt");
	report_free(rep);
}

static void test_remote_interrupted_report(void **state)
{
	(void)state;
	struct ipl_report *rep = report_remote();
	check_all_formats(rep, "remote");
	report_free(rep);
}

static void test_empty_report(void **state)
{
	(void)state;
	struct ipl_report *rep = report_empty();
	check_all_formats(rep, "empty");
	report_free(rep);
}

/* The CSV header is ipl_csv_columns, in order: the names plot and other
 * readers look columns up by. */
static void test_csv_header_is_the_column_list(void **state)
{
	(void)state;
	struct ipl_report *rep = report_empty();
	char *csv = render(rep, IPL_FMT_CSV);
	char want[4096] = "";
	for (size_t i = 0; ipl_csv_columns[i]; i++)
		snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", i ? "," : "",
			 ipl_csv_columns[i]);
	strcat(want, "\n");
	assert_string_equal(csv, want);
	free(csv);
	report_free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_report),
		cmocka_unit_test(test_remote_interrupted_report),
		cmocka_unit_test(test_empty_report),
		cmocka_unit_test(test_csv_header_is_the_column_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
