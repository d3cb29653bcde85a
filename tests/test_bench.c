/* test_bench.c - the benchmark driver's parts that must be exact: the
 * statistics across reps, the warnings, the CSV and JSON writers (parsed
 * back), the option parsers and the raw baseline loop.  No timing
 * assertions: the runs here only check counts and formats. */
#include "bench/run/run.h"
#include "bench/run/row.h"
#include "bench/run/stats.h"
#include "bench/report/report.h"
#include "bench/registry/registry.h"
#include "bench/cli/cli.h"

#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

/* ---- building reports by hand -------------------------------------------- */

/* A completed rep: n latency samples ns .. ns+9 (n = 0: a throughput rep
 * of 1000 messages, no samples) at mps messages per second. */
static void fake_rep(struct ipl_run_result *r, uint64_t ns, uint64_t n, double mps)
{
	memset(r, 0, sizeof *r);
	ipl_hist_init(&r->hist);
	for (uint64_t i = 0; i < n; i++)
		ipl_hist_record(&r->hist, ns + (i % 10));
	r->msgs = n ? n : 1000;
	r->st.ok = r->msgs;
	r->st.bytes = r->msgs * 64;
	r->st.elapsed_ns = 1000000000ull;
	r->msgs_per_s = mps;
	r->mb_per_s = mps * 64 / 1e6;
	r->cpu_ns_per_msg = 1500;
	r->ctxsw_per_msg = 2;
}

static void fake_row(struct ipl_row *row, const char *mech, enum ipl_mode mode, unsigned nreps)
{
	memset(row, 0, sizeof *row);
	snprintf(row->mech, sizeof row->mech, "%s", mech);
	row->wait = "";
	row->framed = -1;
	row->size = 64;
	row->mode = mode;
	row->clients = 1;
	row->window = mode == IPL_MODE_THROUGHPUT ? 16 : 1;
	row->cpu_client = 0;
	row->cpu_server = 1;
	row->nreps = nreps;
	row->reps = calloc(nreps, sizeof *row->reps);
	assert_non_null(row->reps);
}

/* rows: tcp latency (3 reps, the 2nd with errors), tcp-raw latency baseline
 * (3 reps), unix throughput (3 reps, the 3rd failed). */
static struct ipl_report *fake_report(void)
{
	struct ipl_report *rep = calloc(1, sizeof *rep);
	struct ipl_row *rows = calloc(3, sizeof *rows);
	assert_non_null(rep);
	assert_non_null(rows);
	fake_row(&rows[0], "tcp", IPL_MODE_LATENCY, 3);
	fake_rep(&rows[0].reps[0], 10000, 1000, 90000);
	fake_rep(&rows[0].reps[1], 1000, 1000, 900000); /* fast because broken */
	rows[0].reps[1].st.errors = 5;
	rows[0].reps[1].st.err_payload = 5;
	fake_rep(&rows[0].reps[2], 12000, 1000, 80000);
	fake_row(&rows[1], "tcp-raw", IPL_MODE_LATENCY, 3);
	rows[1].baseline = 1;
	rows[1].framed = 0;
	for (int k = 0; k < 3; k++)
		fake_rep(&rows[1].reps[k], 10000, 1000, 100000);
	fake_row(&rows[2], "unix", IPL_MODE_THROUGHPUT, 3);
	fake_rep(&rows[2].reps[0], 0, 0, 100000);
	fake_rep(&rows[2].reps[1], 0, 0, 110000);
	memset(&rows[2].reps[2], 0, sizeof rows[2].reps[2]);
	ipl_hist_init(&rows[2].reps[2].hist);
	rows[2].reps[2].failed = 1;
	snprintf(rows[2].reps[2].why, sizeof rows[2].reps[2].why, "client 0 died, \"badly\"");
	for (int i = 0; i < 3; i++)
		ipl_row_finish(&rows[i]);
	rep->rows = rows;
	rep->nrows = 3;
	rep->argv_line = "ipclab bench -m tcp,unix \"quoted\"";
	rep->iters = 1000;
	rep->warmup = 100;
	rep->reps = 3;
	rep->window = 16;
	rep->cap = 16u << 20;
	rep->baseline = 1;
	rep->timeout_s = 300;
	return rep;
}

static void free_report(struct ipl_report *rep)
{
	for (size_t i = 0; i < rep->nrows; i++)
		free(rep->rows[i].reps);
	free(rep->rows);
	free(rep);
}

static char *render(const struct ipl_report *rep, enum ipl_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	ipl_report_write(f, rep, fmt);
	fclose(f);
	return buf;
}

/* ---- statistics ------------------------------------------------------------ */

static void test_spread_odd_even_nan(void **state)
{
	(void)state;
	double a[] = { 3, 1, 2 };
	struct ipl_spread s = ipl_spread_of(a, 3);
	assert_int_equal(s.n, 3);
	assert_true(s.median == 2 && s.min == 1 && s.max == 3);
	assert_true(fabs(ipl_spread_rel(&s) - 1.0) < 1e-12);

	double b[] = { 4, 1, 3, 2 };
	s = ipl_spread_of(b, 4);
	assert_true(s.median == 2.5 && s.min == 1 && s.max == 4);

	double c[] = { NAN, 7, INFINITY, 5 };
	s = ipl_spread_of(c, 4);
	assert_int_equal(s.n, 2);
	assert_true(s.median == 6 && s.min == 5 && s.max == 7);

	double d[] = { NAN };
	s = ipl_spread_of(d, 1);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.median) && isnan(ipl_spread_rel(&s)));

	double e[] = { 42 };
	s = ipl_spread_of(e, 1);
	assert_true(s.median == 42 && ipl_spread_rel(&s) == 0);
}

static void test_median_leaves_out_bad_reps(void **state)
{
	(void)state;
	struct ipl_report *rep = fake_report();
	/* tcp: reps 1 and 3 valid (p50 ~10004 and ~12004); rep 2 had errors */
	struct ipl_spread p50 = ipl_row_spread(&rep->rows[0], ipl_rep_p50);
	assert_int_equal(p50.n, 2);
	assert_true(p50.min > 9900 && p50.min < 10100);
	assert_true(p50.max > 11900 && p50.max < 12100);
	assert_true(fabs(p50.median - (p50.min + p50.max) / 2) < 1e-9);
	assert_int_equal(rep->rows[0].merged.count, 2000); /* the errored rep is not merged */
	/* unix: the failed rep is out */
	struct ipl_spread mps = ipl_row_spread(&rep->rows[2], ipl_rep_mps);
	assert_int_equal(mps.n, 2);
	assert_true(mps.median == 105000);
	free_report(rep);
}

static void test_warnings(void **state)
{
	(void)state;
	struct ipl_report *rep = fake_report();
	char text[2048];
	unsigned bits = ipl_row_check(&rep->rows[0], text, sizeof text);
	assert_true(bits & IPL_WARN_ERRORS);
	assert_false(bits & IPL_WARN_FAILED);
	assert_non_null(strstr(text, "verification errors"));
	assert_false(bits & IPL_WARN_SPREAD); /* 10 vs 12 us: 18%, under the threshold */

	bits = ipl_row_check(&rep->rows[2], text, sizeof text);
	assert_true(bits & IPL_WARN_FAILED);
	assert_non_null(strstr(text, "FAILED"));
	assert_non_null(strstr(text, "died"));

	assert_int_equal(ipl_row_check(&rep->rows[1], text, sizeof text), 0);
	assert_string_equal(text, "");

	/* a first rep 2x slower than two agreeing ones: first-slow and spread */
	struct ipl_row r;
	fake_row(&r, "unix", IPL_MODE_LATENCY, 3);
	fake_rep(&r.reps[0], 20000, 100, 1);
	fake_rep(&r.reps[1], 10000, 100, 1);
	fake_rep(&r.reps[2], 10000, 100, 1);
	bits = ipl_row_check(&r, text, sizeof text);
	assert_true(bits & IPL_WARN_FIRST_SLOW);
	assert_true(bits & IPL_WARN_SPREAD);
	assert_non_null(strstr(text, "first rep"));
	char tok[128];
	assert_string_equal(ipl_warn_tokens(bits, tok, sizeof tok), "spread;first-slow");
	assert_non_null(ipl_warn_hint(bits, 0));
	assert_null(ipl_warn_hint(0, 0));
	/* each hint true to its case: no pinning advice for pinned runs, no
	 * talk of wrong bytes when reps only failed (a refused connection) */
	assert_non_null(strstr(ipl_warn_hint(IPL_WARN_SPREAD, 0), "--cpu"));
	assert_null(strstr(ipl_warn_hint(IPL_WARN_SPREAD, 1), "--cpu"));
	assert_null(strstr(ipl_warn_hint(IPL_WARN_FIRST_SLOW | IPL_WARN_SPREAD, 1), "--cpu"));
	assert_null(strstr(ipl_warn_hint(IPL_WARN_FAILED | IPL_WARN_NO_VALID, 0), "wrong bytes"));
	assert_non_null(strstr(ipl_warn_hint(IPL_WARN_ERRORS, 0), "wrong bytes"));

	/* throughput: slower means a lower rate */
	r.mode = IPL_MODE_THROUGHPUT;
	r.reps[0].msgs_per_s = 50, r.reps[1].msgs_per_s = 100, r.reps[2].msgs_per_s = 100;
	assert_true(ipl_row_check(&r, NULL, 0) & IPL_WARN_FIRST_SLOW);
	r.reps[0].msgs_per_s = 200; /* faster first rep: spread, but not "slow" */
	bits = ipl_row_check(&r, NULL, 0);
	assert_false(bits & IPL_WARN_FIRST_SLOW);
	assert_true(bits & IPL_WARN_SPREAD);

	/* every rep failed: no numbers at all */
	for (int k = 0; k < 3; k++)
		r.reps[k].failed = 1;
	bits = ipl_row_check(&r, NULL, 0);
	assert_true(bits & IPL_WARN_NO_VALID);
	assert_true(isnan(ipl_row_median(&r, ipl_rep_mps)));
	free(r.reps);
	free_report(rep);
}

static void test_overhead(void **state)
{
	(void)state;
	struct ipl_report *rep = fake_report();
	double framed = ipl_row_median(&rep->rows[0], ipl_rep_p50);
	double raw = ipl_row_median(&rep->rows[1], ipl_rep_p50);
	double o = ipl_row_overhead_pct(rep, 0);
	assert_true(fabs(o - (framed / raw - 1) * 100) < 1e-9);
	assert_true(o > 5 && o < 15);                     /* 11 us vs 10 us */
	assert_true(isnan(ipl_row_overhead_pct(rep, 1))); /* the baseline itself */
	assert_true(isnan(ipl_row_overhead_pct(rep, 2))); /* no baseline */
	free_report(rep);
}

/* ---- CSV ------------------------------------------------------------------- */

/* Splits one CSV record (RFC 4180 quotes) into fields; returns the count. */
static int csv_split(const char *line, char fields[][256], int max)
{
	int n = 0;
	const char *p = line;
	for (;;) {
		assert_true(n < max);
		char *out = fields[n++];
		size_t k = 0;
		if (*p == '"') {
			p++;
			for (; *p; p++) {
				if (*p == '"' && p[1] == '"')
					p++;
				else if (*p == '"') {
					p++;
					break;
				}
				if (k < 255)
					out[k++] = *p;
			}
		} else {
			while (*p && *p != ',' && *p != '\n')
				if (k < 255)
					out[k++] = *p++;
		}
		out[k] = '\0';
		if (*p != ',')
			return n;
		p++;
	}
}

static int col(char header[][256], int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(header[i], name))
			return i;
	fail_msg("no column %s", name);
	return -1;
}

static void test_csv_columns_and_units(void **state)
{
	(void)state;
	struct ipl_report *rep = fake_report();
	char *csv = render(rep, IPL_FMT_CSV);
	static char f[12][128][256];
	int nf[12], lines = 0;
	for (char *save = NULL, *line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_true(lines < 12);
		nf[lines] = csv_split(line, f[lines], 128);
		lines++;
	}
	assert_int_equal(lines, 10); /* header + 3 rows x 3 reps */

	/* the header is exactly ipl_csv_columns; every timed or rated column
	 * says its unit; every record has every column */
	int ncol = 0;
	while (ipl_csv_columns[ncol])
		ncol++;
	assert_int_equal(nf[0], ncol);
	for (int i = 0; i < ncol; i++) {
		assert_string_equal(f[0][i], ipl_csv_columns[i]);
		const char *c = f[0][i];
		if (c[0] == 'p' && isdigit((unsigned char)c[1]))
			assert_non_null(strstr(c, "_ns"));
		if (strstr(c, "msgs") && strcmp(c, "msgs"))
			assert_non_null(strstr(c, "_per_s"));
	}
	static const char *const must[] = {
		"mechanism",
		"size_bytes",
		"mode",
		"clients",
		"window",
		"cpu_client",
		"cpu_server",
		"placement",
		"rep",
		"status",
		"errors",
		"failed",
		"min_ns",
		"p50_ns",
		"p90_ns",
		"p99_ns",
		"p999_ns",
		"p9999_ns",
		"max_ns",
		"mean_ns",
		"stddev_ns",
		"msgs_per_s",
		"mb_per_s",
		"cpu_ns_per_msg",
		"ctxsw_per_msg",
		"median_p50_ns",
		"min_p50_ns",
		"max_p50_ns",
		"median_msgs_per_s",
		"overhead_pct",
		"flags",
		"elapsed_s",
		"duration_s",
		"baseline",
	};
	for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
		col(f[0], ncol, must[i]);
	for (int l = 1; l < lines; l++)
		assert_int_equal(nf[l], ncol);

	int c_mech = col(f[0], ncol, "mechanism"), c_status = col(f[0], ncol, "status");
	int c_p50 = col(f[0], ncol, "p50_ns"), c_med = col(f[0], ncol, "median_p50_ns");
	int c_flags = col(f[0], ncol, "flags"), c_why = col(f[0], ncol, "why");
	int c_over = col(f[0], ncol, "overhead_pct"), c_place = col(f[0], ncol, "placement");
	int c_size = col(f[0], ncol, "size_bytes"), c_mps = col(f[0], ncol, "msgs_per_s");

	/* row 1 (tcp latency): rep 2 is flagged, the median leaves it out */
	assert_string_equal(f[1][c_mech], "tcp");
	assert_string_equal(f[1][c_size], "64");
	assert_string_equal(f[1][c_place], "cross-core");
	assert_string_equal(f[1][c_status], "ok");
	assert_string_equal(f[2][c_status], "errors");
	assert_string_equal(f[3][c_status], "ok");
	double p1 = atof(f[1][c_p50]), p3 = atof(f[3][c_p50]), med = atof(f[1][c_med]);
	assert_true(fabs(med - (p1 + p3) / 2) <= 1);
	assert_non_null(strstr(f[1][c_flags], "errors"));
	assert_true(atof(f[1][c_over]) > 5);
	assert_string_equal(f[4][c_over], ""); /* the baseline row has no overhead of its own */
	/* unix throughput: no latency columns (empty, not 0); the failed rep says why, quoted */
	assert_string_equal(f[7][c_mech], "unix");
	assert_string_equal(f[7][c_p50], "");
	assert_true(atof(f[7][c_mps]) == 100000);
	assert_string_equal(f[9][c_status], "failed");
	assert_string_equal(f[9][c_why], "client 0 died, \"badly\"");
	assert_string_equal(f[9][c_mps], "");
	assert_non_null(strstr(f[9][c_flags], "failed"));
	free(csv);
	free_report(rep);
}

/* ---- JSON: a small validating parser -------------------------------------- */

struct jp {
	const char *p;
	int depth;
};

static void ws(struct jp *j)
{
	while (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r')
		j->p++;
}

static int jvalue(struct jp *j);

static int jstring(struct jp *j)
{
	if (*j->p != '"')
		return -1;
	for (j->p++; *j->p != '"'; j->p++) {
		if (!*j->p || (unsigned char)*j->p < 0x20)
			return -1;
		if (*j->p == '\\') {
			j->p++;
			if (*j->p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)j->p[i]))
						return -1;
				j->p += 4;
			} else if (!strchr("\"\\/bfnrt", *j->p)) {
				return -1;
			}
		}
	}
	j->p++;
	return 0;
}

static int jnumber(struct jp *j)
{
	char *end;
	if (!(*j->p == '-' || isdigit((unsigned char)*j->p)))
		return -1;
	strtod(j->p, &end);
	if (end == j->p)
		return -1;
	j->p = end;
	return 0;
}

static int jvalue(struct jp *j)
{
	ws(j);
	if (++j->depth > 64)
		return -1;
	int rc = 0;
	if (*j->p == '{' || *j->p == '[') {
		char close = *j->p == '{' ? '}' : ']';
		int obj = *j->p == '{';
		j->p++;
		ws(j);
		if (*j->p == close) {
			j->p++;
		} else {
			for (;;) {
				if (obj) {
					ws(j);
					if (jstring(j) < 0)
						return -1;
					ws(j);
					if (*j->p++ != ':')
						return -1;
				}
				if (jvalue(j) < 0)
					return -1;
				ws(j);
				if (*j->p == ',') {
					j->p++;
					continue;
				}
				if (*j->p++ != close)
					return -1;
				break;
			}
		}
	} else if (*j->p == '"') {
		rc = jstring(j);
	} else if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "null", 4)) {
		j->p += 4;
	} else if (!strncmp(j->p, "false", 5)) {
		j->p += 5;
	} else {
		rc = jnumber(j);
	}
	j->depth--;
	return rc;
}

static int json_valid(const char *s)
{
	struct jp j = { s, 0 };
	if (jvalue(&j) < 0)
		return 0;
	ws(&j);
	return *j.p == '\0';
}

static void test_json_validator_itself(void **state)
{
	(void)state;
	assert_true(json_valid("{\"a\": [1, 2.5e3, -3, true, false, null, \"x\\\"y\\u00e9\"]}"));
	assert_false(json_valid("{\"a\": [1, 2,]}"));
	assert_false(json_valid("{\"a\": nan}"));
	assert_false(json_valid("{\"a\": 1} x"));
	assert_false(json_valid("{\"a\": \"tab\there\"}"));
}

static void test_json_parsed_back(void **state)
{
	(void)state;
	struct ipl_report *rep = fake_report();
	char *js = render(rep, IPL_FMT_JSON);
	assert_true(json_valid(js));
	static const char *const keys[] = {
		"\"environment\"",
		"\"ipclab_version\"",
		"\"git_revision\"",
		"\"kernel\"",
		"\"cpu_model\"",
		"\"cores\"",
		"\"clocksource\"",
		"\"cpuidle_driver\"",
		"\"settings\"",
		"\"command\"",
		"\"placements\"",
		"\"warnings\"",
		"\"results\"",
		"\"p9999_ns\"",
		"\"max_ns\"",
		"\"p50_ns\": {\"median\"",
		"\"msgs_per_s\": {\"median\"",
		"\"cpu_ns_per_msg\"",
		"\"ctxsw_per_msg\"",
		"\"overhead_pct\"",
		"\"status\": \"errors\"",
		"\"status\": \"failed\"",
		"\"valid\": false",
		"\"placement\": \"cross-core\"",
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!strstr(js, keys[i]))
			fail_msg("JSON lacks %s", keys[i]);
	/* the command line with quotes survives escaped */
	assert_non_null(strstr(js, "\\\"quoted\\\""));
	free(js);
	free_report(rep);
}

static void test_table_and_md_flag_bad_rows(void **state)
{
	(void)state;
	struct ipl_report *rep = fake_report();
	for (int md = 0; md < 2; md++) {
		char *t = render(rep, md ? IPL_FMT_MD : IPL_FMT_TABLE);
		assert_non_null(strstr(t, "ERRORS 5"));
		assert_non_null(strstr(t, "FAILED 1/3"));
		assert_non_null(strstr(t, "overhead"));
		assert_non_null(strstr(t, "placement"));
		assert_non_null(strstr(t, "left out of the medians"));
		free(t);
	}
	free_report(rep);
}

/* ---- option parsing --------------------------------------------------------- */

static void test_value_parsers(void **state)
{
	(void)state;
	char err[256];
	uint64_t v, list[IPL_LIST_MAX];
	size_t n;
	int c, s;
	double d;
	assert_int_equal(ipl_parse_size("4K", 1u << 30, &v, err, sizeof err), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(ipl_parse_size("1M", 1u << 30, &v, err, sizeof err), 0);
	assert_int_equal(v, 1u << 20);
	assert_int_equal(ipl_parse_size("12Q", 1u << 30, &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "12Q"));
	assert_int_equal(ipl_parse_size("-1", 1u << 30, &v, err, sizeof err), -1);
	assert_int_equal(ipl_parse_size("2G", 1u << 30, &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "limit"));
	assert_int_equal(ipl_parse_size_list("64,4K,1M", 1u << 30, list, &n, err, sizeof err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ipl_parse_size_list("64,,x", 1u << 30, list, &n, err, sizeof err), -1);
	assert_int_equal(ipl_parse_count("0", 1, 1000, &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "out of range"));
	assert_int_equal(ipl_parse_cpu_pair("0,0", &c, &s, err, sizeof err), 0);
	assert_int_equal(ipl_parse_cpu_pair("0", &c, &s, err, sizeof err), -1);
	assert_int_equal(ipl_parse_cpu_pair("0,1x", &c, &s, err, sizeof err), -1);
	assert_int_equal(ipl_parse_cpu_pair("0,9999", &c, &s, err, sizeof err), -1);
	assert_non_null(strstr(err, "this machine has CPUs"));
	assert_int_equal(ipl_parse_seconds("0.5", &d, err, sizeof err), 0);
	assert_true(d == 0.5);
	assert_int_equal(ipl_parse_seconds("0", &d, err, sizeof err), -1);
	assert_int_equal(ipl_parse_seconds("nan", &d, err, sizeof err), -1);
	assert_int_equal(ipl_parse_seconds("1s", &d, err, sizeof err), -1);
}

/* Runs `ipclab bench ARGS...` in this process with stderr captured; returns
 * the exit status and leaves what it said in msg. */
static int bench_cmd(char *msg, size_t len, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;
	va_start(ap, len);
	argv[argc++] = "bench";
	for (char *a; (a = va_arg(ap, char *)) && argc < 15;)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;

	char path[] = "/tmp/ipclab-test-bench-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	int rc = ipl_cmd_bench(argc, argv);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	ssize_t got = pread(fd, msg, len - 1, 0);
	msg[got > 0 ? got : 0] = '\0';
	close(fd);
	return rc;
}

static void test_bad_options_exit_2(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b, *says;
	} bad[] = {
		{ "--reps", "0", "out of range" },
		{ "-s", "12Q", "invalid size '12Q'" },
		{ "--cpu", "0,9999", "this machine has CPUs" },
		{ "--cpu", "zero", "--cpu" },
		{ "--mode", "fast", "unknown mode 'fast'" },
		{ "-m", "carrier-pigeon", "unknown mechanism 'carrier-pigeon'" },
		{ "--format", "xml", "unknown format 'xml'" },
		{ "--duration", "-1", "duration" },
		{ "--window", "0", "out of range" },
		{ "--clients", "0", "--clients 0: '0' is too few clients" },
		{ "--wait", "sometimes", "--wait" },
		{ "--frobnicate", NULL, "unknown option '--frobnicate'" },
	};
	char msg[1024];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = bench_cmd(msg, sizeof msg, bad[i].a, bad[i].b, (char *)NULL);
		if (rc != 2 || !strstr(msg, bad[i].says) || !strstr(msg, "ipclab bench:"))
			fail_msg("%s %s: exit %d, said: %s", bad[i].a, bad[i].b ? bad[i].b : "", rc, msg);
	}
	assert_int_equal(bench_cmd(msg, sizeof msg, "--baseline", "--connect", "127.0.0.1:1", "-m",
				   "tcp", (char *)NULL),
			 2);
	assert_non_null(strstr(msg, "--baseline"));
	assert_int_equal(bench_cmd(msg, sizeof msg, "-s", "2M", "--cap", "1M", (char *)NULL), 2);
	assert_non_null(strstr(msg, "over the cap"));
}

/* ---- the raw baseline loop, for real ------------------------------------ */

static void test_raw_loop_counts(void **state)
{
	(void)state;
	static const char *const mechs[] = { "tcp", "unix" };
	for (size_t m = 0; m < 2; m++) {
		const struct ipl_transport *tp = ipl_transport_find(mechs[m]);
		assert_non_null(tp);
		for (int mode = 0; mode < 2; mode++)
			for (unsigned clients = 1; clients <= 2; clients++) {
				struct ipl_run_spec spec = {
					.tp = tp,
					.tpo = { .cap = 1u << 20, .timeout_ms = 5000 },
					.size = mode ? 64 : 70000,
					.iters = 300,
					.warmup = 20,
					.mode = mode ? IPL_MODE_THROUGHPUT : IPL_MODE_LATENCY,
					.window = 8,
					.clients = clients,
					.cpu_client = -1,
					.cpu_server = -1,
					.timeout_s = 60,
					.raw = 1,
				};
				struct ipl_run_result res;
				int rc = ipl_run_once(&spec, &res);
				if (rc < 0)
					fail_msg("%s raw %s x%u: %s", mechs[m], ipl_mode_name(spec.mode),
						 clients, res.why);
				assert_int_equal(res.msgs, 300 * clients);
				assert_int_equal(res.st.errors, 0);
				assert_int_equal(res.st.bytes, (uint64_t)spec.size * 300 * clients);
				assert_int_equal(res.hist.count, mode ? 0 : 300 * clients);
				assert_true(res.msgs_per_s > 0);
			}
	}
}

/* The framed run's measured count excludes the warm-up. */
static void test_framed_counts_exclude_warmup(void **state)
{
	(void)state;
	struct ipl_run_spec spec = {
		.tp = ipl_transport_find("unix"),
		.tpo = { .cap = 1u << 20, .timeout_ms = 5000 },
		.size = 64,
		.iters = 500,
		.warmup = 50,
		.mode = IPL_MODE_LATENCY,
		.window = 1,
		.clients = 1,
		.cpu_client = -1,
		.cpu_server = -1,
		.timeout_s = 60,
	};
	struct ipl_run_result res;
	assert_int_equal(ipl_run_once(&spec, &res), 0);
	assert_int_equal(res.msgs, 500);
	assert_int_equal(res.hist.count, 500);
	assert_int_equal(res.st.ok, 500);
}

/* ---- runs you can trust (issue 15) ------------------------------------------ */

/* At least 10 samples beyond a percentile above the median. */
static void test_percentile_needs_samples(void **state)
{
	(void)state;
	assert_true(ipl_pct_supported(1, 50));
	assert_false(ipl_pct_supported(0, 50));
	assert_false(ipl_pct_supported(99, 90));
	assert_true(ipl_pct_supported(100, 90));
	assert_false(ipl_pct_supported(999, 99));
	assert_true(ipl_pct_supported(1000, 99));
	assert_false(ipl_pct_supported(9999, 99.9));
	assert_true(ipl_pct_supported(10000, 99.9));
	assert_false(ipl_pct_supported(99999, 99.99));
	assert_true(ipl_pct_supported(100000, 99.99));
	struct ipl_hist h;
	ipl_hist_init(&h);
	for (int i = 0; i < 100; i++)
		ipl_hist_record(&h, 1000 + (uint64_t)i);
	assert_true(isnan(ipl_hist_pct_or_nan(&h, 99)));
	assert_false(isnan(ipl_hist_pct_or_nan(&h, 90)));
}

/* An interrupted report: the stopped rep is flagged in every format, left
 * out of the medians, and the file says the grid was cut short. */
static void test_interrupted_report(void **state)
{
	(void)state;
	struct ipl_report *rep = fake_report();
	struct ipl_row *r = &rep->rows[2];
	memset(&r->reps[2], 0, sizeof r->reps[2]);
	ipl_hist_init(&r->reps[2].hist);
	r->reps[2].failed = r->reps[2].interrupted = 1;
	snprintf(r->reps[2].why, sizeof r->reps[2].why, "interrupted by SIGINT");
	ipl_row_finish(r);
	rep->interrupted = 2; /* SIGINT */
	rep->runs_done = 8;
	rep->runs_total = 12;
	unsigned bits = ipl_row_check(r, NULL, 0);
	assert_true(bits & IPL_WARN_INTERRUPTED);
	assert_false(bits & IPL_WARN_FAILED);
	assert_null(ipl_warn_hint(IPL_WARN_INTERRUPTED, 0));
	char *js = render(rep, IPL_FMT_JSON);
	assert_true(json_valid(js));
	assert_non_null(strstr(js, "\"interrupted\": true, \"interrupted_by\": \"SIGINT\""));
	assert_non_null(strstr(js, "\"status\": \"interrupted\""));
	assert_non_null(strstr(js, "\"runs_done\": 8, \"runs_total\": 12"));
	free(js);
	char *csv = render(rep, IPL_FMT_CSV);
	assert_non_null(strstr(csv, ",interrupted,"));
	free(csv);
	for (int md = 0; md < 2; md++) {
		char *t = render(rep, md ? IPL_FMT_MD : IPL_FMT_TABLE);
		assert_non_null(strstr(t, "INTERRUPTED by SIGINT after 8 of 12 runs"));
		assert_non_null(strstr(t, "interrupted"));
		free(t);
	}
	free_report(rep);
}

/* Every row says its sample count; a percentile without support is "-"
 * (CSV), null (JSON). */
static void test_n_and_dash(void **state)
{
	(void)state;
	struct ipl_report *rep = fake_report(); /* latency reps of 1000 samples */
	char *csv = render(rep, IPL_FMT_CSV);
	/* p99.9 and p99.99 of 1000 samples: "-"; p99 is supported */
	assert_non_null(strstr(csv, ",-,-,"));
	assert_non_null(strstr(csv, ",n,cpu_scope,"));
	assert_non_null(strstr(csv, ",1000,both,"));
	free(csv);
	char *js = render(rep, IPL_FMT_JSON);
	assert_true(json_valid(js));
	assert_non_null(strstr(js, "\"p999_ns\": null"));
	assert_non_null(strstr(js, "\"n\": 2000, ")); /* tcp: 2 valid reps of 1000 */
	free(js);
	rep->connect = "/tmp/x";
	char *t = render(rep, IPL_FMT_TABLE);
	assert_non_null(strstr(t, "the client only (the server is remote)"));
	free(t);
	free_report(rep);
}

/* cpu/msg covers the timed loop: both ends sampled (server from outside). */
static void test_loop_cost_sampled(void **state)
{
	(void)state;
	struct ipl_run_spec spec = {
		.tp = ipl_transport_find("unix"),
		.tpo = { .cap = 1u << 20, .timeout_ms = 5000 },
		.size = 64,
		.iters = 300,
		.warmup = 3000,
		.mode = IPL_MODE_LATENCY,
		.window = 1,
		.clients = 1,
		.cpu_client = -1,
		.cpu_server = -1,
		.timeout_s = 60,
	};
	struct ipl_run_result res;
	assert_int_equal(ipl_run_once(&spec, &res), 0);
	assert_true(res.cpu_ns_per_msg > 0);
	assert_true(res.ctxsw_per_msg > 0);
	struct ipl_loop_cost lc = { .server = getpid() };
	ipl_loop_mark(&lc, 0);
	ipl_loop_mark(&lc, 1);
	assert_int_equal(lc.marks, 2);
	assert_true(lc.srv_ok);
	assert_true(lc.srv[1].cpu_ns >= lc.srv[0].cpu_ns);
}

int main(void)
{
	alarm(300); /* a hang fails the test instead of stalling the suite */
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_spread_odd_even_nan),
		cmocka_unit_test(test_median_leaves_out_bad_reps),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_overhead),
		cmocka_unit_test(test_csv_columns_and_units),
		cmocka_unit_test(test_json_validator_itself),
		cmocka_unit_test(test_json_parsed_back),
		cmocka_unit_test(test_table_and_md_flag_bad_rows),
		cmocka_unit_test(test_value_parsers),
		cmocka_unit_test(test_bad_options_exit_2),
		cmocka_unit_test(test_raw_loop_counts),
		cmocka_unit_test(test_framed_counts_exclude_warmup),
		cmocka_unit_test(test_percentile_needs_samples),
		cmocka_unit_test(test_interrupted_report),
		cmocka_unit_test(test_n_and_dash),
		cmocka_unit_test(test_loop_cost_sampled),
	};
	return cmocka_run_group_tests_name("bench", t, NULL, NULL);
}
