/* json_out.c - the results as JSON (schema IPL_JSON_SCHEMA_VERSION): the
 * settings and the machine, the warnings, then per row its figures with
 * their spread across reps and per rep its raw counts.
 *
 * Everything goes through the writer of json.h, so separators and escapes
 * are never written by hand.  Key names match the CSV columns where both
 * carry the same figure (p50_ns, msgs_per_s, ...): a script can read
 * either.  The line breaks keep one row's header, spreads and reps on
 * separate lines, which keeps a diff of two runs readable. */
#include "bench/report/formats.h"
#include "bench/report/report.h"
#include "bench/report/facts.h"
#include "bench/report/csv.h"
#include "bench/report/json.h"
#include "bench/report/env.h"
#include "bench/run/stats.h"
#include "bench/run/ci.h"
#include "bench/run/intr.h"
#include "bench/run/placement.h"
#include "common/dgretry.h"

#include <math.h>
#include <string.h>

static void key_uint(struct ipl_json *j, const char *key, uint64_t v)
{
	ipl_json_key(j, key);
	ipl_json_uint(j, v);
}

static void key_num(struct ipl_json *j, const char *key, double v)
{
	ipl_json_key(j, key);
	ipl_json_number(j, v);
}

static void key_bool(struct ipl_json *j, const char *key, int v)
{
	ipl_json_key(j, key);
	ipl_json_bool(j, v);
}

static void key_str(struct ipl_json *j, const char *key, const char *s)
{
	ipl_json_key(j, key);
	ipl_json_string(j, s);
}

/* A latency histogram: count, min, the percentile ladder (null with too
 * few samples beyond a percentile) with the p50's 95% interval after it,
 * max, mean, stddev. */
static void json_hist(struct ipl_json *j, const struct ipl_hist *h)
{
	static const enum ipl_csv_col ladder[IPL_LADDER_N] = {
		IPL_CSV_P50, IPL_CSV_P75,  IPL_CSV_P90,   IPL_CSV_P95,
		IPL_CSV_P99, IPL_CSV_P999, IPL_CSV_P9999,
	};
	ipl_json_begin_object(j, IPL_JSON_INLINE);
	key_uint(j, "count", h->count);
	key_uint(j, "min_ns", h->count ? h->min : 0);
	for (size_t i = 0; i < IPL_LADDER_N; i++) {
		ipl_json_key(j, ipl_csv_columns[ladder[i]]);
		if (ipl_pct_supported(h->count, ipl_ladder[i]))
			ipl_json_uint(j, ipl_hist_percentile(h, ipl_ladder[i]));
		else
			ipl_json_null(j);
		if (i == 0) { /* the p50's 95% interval from the histogram (ci.c) */
			double lo, hi;
			ipl_hist_p50_ci(h, &lo, &hi);
			ipl_json_key(j, ipl_csv_columns[IPL_CSV_P50_CI_LO]);
			ipl_json_fixed(j, lo, 0); /* whole ns, like p50_ns */
			ipl_json_key(j, ipl_csv_columns[IPL_CSV_P50_CI_HI]);
			ipl_json_fixed(j, hi, 0);
		}
	}
	key_uint(j, "max_ns", h->max);
	key_num(j, "mean_ns", ipl_hist_mean(h));
	key_num(j, "stddev_ns", ipl_hist_stddev(h));
	ipl_json_end_object(j);
}

/* "histogram": the non-empty buckets of h, [lo_ns, hi_ns, count] each in
 * ascending order, so that any percentile can be read again later (within
 * a bucket's width, 1/128 of its value). */
static void json_buckets(struct ipl_json *j, const struct ipl_hist *h)
{
	ipl_json_key(j, "histogram");
	ipl_json_begin_array(j, IPL_JSON_INLINE);
	for (size_t b = 0; b < IPL_HIST_BUCKETS; b++) {
		uint64_t lo, hi;
		if (!h->bucket[b])
			continue;
		ipl_hist_bounds(b, &lo, &hi);
		ipl_json_begin_array(j, IPL_JSON_INLINE);
		ipl_json_uint(j, lo);
		ipl_json_uint(j, hi);
		ipl_json_uint(j, h->bucket[b]);
		ipl_json_end_array(j);
	}
	ipl_json_end_array(j);
}

/* key: {median, min, max, n} of one figure across the row's valid reps. */
static void json_spread(struct ipl_json *j, const char *key, const struct ipl_row *r,
			double (*get)(const struct ipl_run_result *))
{
	struct ipl_spread s = ipl_row_spread(r, get);
	ipl_json_key(j, key);
	ipl_json_begin_object(j, IPL_JSON_INLINE);
	key_num(j, "median", s.median);
	key_num(j, "min", s.min);
	key_num(j, "max", s.max);
	key_uint(j, "n", s.n);
	ipl_json_end_object(j);
}

/* Each line of text (the warnings of ipl_row_check) as a string. */
static void json_lines(struct ipl_json *j, const char *text)
{
	while (*text) {
		size_t len = strcspn(text, "\n");
		char line[1024];
		snprintf(line, sizeof line, "%.*s", (int)len, text);
		ipl_json_string(j, line);
		text += len + (text[len] == '\n');
	}
}

/* A row's status in JSON: its worst problem. */
static const char *row_status(unsigned bits)
{
	if (bits & IPL_WARN_FAILED)
		return "failed";
	if (bits & IPL_WARN_ERRORS)
		return "errors";
	if (bits & IPL_WARN_INTERRUPTED)
		return "interrupted";
	return bits & IPL_WARN_NO_VALID ? "failed" : "ok";
}

/* Each distinct CPU placement of the rows, once, in order of appearance. */
static void json_placements(struct ipl_json *j, const struct ipl_report *rep)
{
	ipl_json_key(j, "placements");
	ipl_json_begin_array(j, IPL_JSON_INLINE);
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		int seen = 0;
		for (size_t k = 0; k < i; k++)
			seen |= rep->rows[k].cpu_client == r->cpu_client &&
				rep->rows[k].cpu_server == r->cpu_server;
		if (seen)
			continue;
		ipl_json_begin_object(j, IPL_JSON_INLINE);
		ipl_json_key(j, "cpu_client");
		ipl_json_int(j, r->cpu_client);
		ipl_json_key(j, "cpu_server");
		ipl_json_int(j, r->cpu_server);
		key_str(j, "placement", ipl_placement_name(r->cpu_client, r->cpu_server));
		if (r->cpu_client >= 0 && r->cpu_client == r->cpu_server) {
			char note[96];
			snprintf(note, sizeof note,
				 "client and server share CPU %d: every hand-off is a context switch",
				 r->cpu_client);
			key_str(j, "note", note);
		}
		ipl_json_end_object(j);
	}
	ipl_json_end_array(j);
}

/* The settings the run was made with: enough to repeat it. */
static void json_settings(struct ipl_json *j, const struct ipl_report *rep)
{
	ipl_json_key(j, "settings");
	ipl_json_begin_object(j, IPL_JSON_INLINE);
	key_str(j, "command", rep->argv_line);
	key_uint(j, "iters", rep->iters);
	key_num(j, "duration_s", rep->duration_s > 0 ? rep->duration_s : NAN);
	key_uint(j, "warmup", rep->warmup);
	key_uint(j, "reps", rep->reps);
	key_uint(j, "window", rep->window);
	key_uint(j, "cap_bytes", rep->cap);
	/* as asked; each rep's pipe_size_bytes/sockbuf_bytes is what was in force */
	ipl_json_key(j, "pipe_size_request_bytes");
	rep->pipe_size ? ipl_json_uint(j, rep->pipe_size) : ipl_json_null(j);
	ipl_json_key(j, "sockbuf_request_bytes");
	rep->sockbuf ? ipl_json_uint(j, rep->sockbuf) : ipl_json_null(j);
	key_bool(j, "crc", rep->crc);
	key_bool(j, "baseline", rep->baseline);
	key_num(j, "timeout_s", rep->timeout_s);
	key_str(j, "wait", rep->wait ? rep->wait : "block");
	ipl_json_key(j, "via");
	ipl_json_string_or_null(j, rep->via);
	ipl_json_key(j, "connect");
	ipl_json_string_or_null(j, rep->connect);
	json_placements(j, rep);
	ipl_json_key(j, "spread_warn");
	ipl_json_fixed(j, IPL_SPREAD_WARN, 2);
	ipl_json_key(j, "first_slow_warn");
	ipl_json_fixed(j, IPL_FIRST_SLOW_WARN, 2);
	key_str(j, "cpu_scope", rep->connect ? "client" : "both");
	ipl_json_end_object(j);
}

/* Every row's warnings, a line each, in one list. */
static void json_warnings(struct ipl_json *j, const struct ipl_report *rep)
{
	char text[4096];
	ipl_json_key(j, "warnings");
	ipl_json_begin_array(j, IPL_JSON_LINES | IPL_JSON_CLOSE_LINE);
	for (size_t i = 0; i < rep->nrows; i++)
		if (ipl_row_check(&rep->rows[i], text, sizeof text))
			json_lines(j, text);
	ipl_json_end_array(j);
}

/* One rep: its counts, addresses, rates and latency histogram. */
static void json_rep(struct ipl_json *j, const struct ipl_run_result *x, unsigned k)
{
	ipl_json_begin_object(j, IPL_JSON_INLINE);
	key_uint(j, "rep", k + 1);
	key_bool(j, "valid", ipl_rep_valid(x));
	key_uint(j, "msgs", x->msgs);
	key_uint(j, "ok", x->st.ok);
	key_uint(j, "errors", x->st.errors);
	key_uint(j, "err_seq", x->st.err_seq);
	key_uint(j, "err_len", x->st.err_len);
	key_uint(j, "err_payload", x->st.err_payload);
	key_uint(j, "err_remote", x->st.err_remote);
	key_uint(j, "lost", x->st.lost); /* datagram mechanisms; also in errors */
	key_uint(j, "stale", x->st.stale);
	key_uint(j, "reordered", x->st.reordered);
	key_uint(j, "rpc_retrans", x->st.retrans); /* rpc over udp: calls resent on timeout */
	key_bool(j, "failed", x->failed);
	key_bool(j, "interrupted", x->interrupted);
	key_uint(j, "n", x->msgs);
	key_str(j, "why", x->why);
	key_str(j, "server_addr", x->server_addr);
	key_str(j, "client_addr", x->client_addr);
	/* --pipe-size, --sockbuf: the size in force, null when not given */
	ipl_json_key(j, "pipe_size_bytes");
	x->pipe_size ? ipl_json_uint(j, x->pipe_size) : ipl_json_null(j);
	ipl_json_key(j, "sockbuf_bytes");
	x->sockbuf ? ipl_json_uint(j, x->sockbuf) : ipl_json_null(j);
	key_num(j, "elapsed_s", (double)x->st.elapsed_ns / 1e9);
	key_num(j, "msgs_per_s", ipl_rep_mps(x));
	key_num(j, "mb_per_s", ipl_rep_mbps(x));
	key_num(j, "cpu_ns_per_msg", ipl_rep_cpu(x));
	key_num(j, "ctxsw_per_msg", ipl_rep_ctxsw(x));
	ipl_json_key(j, "latency");
	json_hist(j, &x->hist);
	ipl_json_end_object(j);
}

/* What the row is: mechanism, size, mode, placement, then its status. */
static void json_row_head(struct ipl_json *j, const struct ipl_row *r, unsigned bits, const char *text)
{
	char flags[128];
	key_str(j, "mechanism", r->mech);
	/* rpc over udp only, else null: the call semantics and the client's
	 * retransmission settings (first timeout, doubled per retry) */
	ipl_json_key(j, "rpc_dgram");
	if (r->rpc_semantics) {
		ipl_json_begin_object(j, 0);
		key_str(j, "semantics", r->rpc_semantics);
		key_uint(j, "timeout_ms", ipl_dg_timeout_ms());
		key_uint(j, "tries", IPL_DG_TRIES);
		ipl_json_end_object(j);
	} else {
		ipl_json_null(j);
	}
	key_str(j, "wait", r->wait ? r->wait : "");
	key_bool(j, "baseline", r->baseline);
	key_str(j, "server_model", r->server ? r->server : "");
	key_uint(j, "size_bytes", r->size);
	key_str(j, "mode", ipl_mode_name(r->mode));
	key_uint(j, "clients", r->clients);
	key_uint(j, "window", r->window);
	ipl_json_key(j, "cpu_client");
	ipl_json_int(j, r->cpu_client);
	ipl_json_key(j, "cpu_server");
	ipl_json_int(j, r->cpu_server);
	key_str(j, "placement", ipl_placement_name(r->cpu_client, r->cpu_server));
	ipl_json_break(j);
	key_str(j, "status", row_status(bits));
	key_str(j, "flags", ipl_warn_tokens(bits, flags, sizeof flags));
	ipl_json_key(j, "warnings");
	ipl_json_begin_array(j, IPL_JSON_INLINE);
	json_lines(j, text);
	ipl_json_end_array(j);
	key_uint(j, "warmup", r->warmup);
	key_uint(j, "errors", ipl_row_errors(r));
	key_bool(j, "failed", bits & IPL_WARN_FAILED);
	key_uint(j, "valid_reps", ipl_row_valid_reps(r));
	key_uint(j, "reps_total", r->nreps);
}

/* Row i: head, figures across reps, the merged histogram, then each rep. */
static void json_row(struct ipl_json *j, const struct ipl_report *rep, size_t i)
{
	const struct ipl_row *r = &rep->rows[i];
	char text[4096];
	unsigned bits = ipl_row_check(r, text, sizeof text);
	ipl_json_begin_object(j, IPL_JSON_ALIGN);
	json_row_head(j, r, bits, text);
	ipl_json_break(j);
	key_uint(j, "n", ipl_row_samples(r));
	json_spread(j, "p50_ns", r, ipl_rep_p50);
	json_spread(j, "p99_ns", r, ipl_rep_p99);
	ipl_json_break(j);
	json_spread(j, "msgs_per_s", r, ipl_rep_mps);
	json_spread(j, "mb_per_s", r, ipl_rep_mbps);
	ipl_json_break(j);
	json_spread(j, "cpu_ns_per_msg", r, ipl_rep_cpu);
	json_spread(j, "ctxsw_per_msg", r, ipl_rep_ctxsw);
	ipl_json_break(j);
	key_num(j, "per_client_msgs_per_s", ipl_row_per_client(r));
	key_num(j, "relative", ipl_row_relative(rep, r));
	key_num(j, "overhead_pct", ipl_row_overhead_pct(rep, i));
	ipl_json_break(j);
	if (r->mode == IPL_MODE_LOAD) { /* achieved: the median msgs_per_s above */
		key_num(j, "offered_rate_msgs_per_s", r->rate);
		key_num(j, "achieved_rate_msgs_per_s", ipl_row_median(r, ipl_rep_mps));
		key_str(j, "load_status",
			ipl_row_sustained(r) < 0 ? ""
			: ipl_row_sustained(r)   ? "sustained"
						 : "not sustained");
		ipl_json_break(j);
	}
	ipl_json_key(j, "latency");
	json_hist(j, &r->merged);
	ipl_json_break(j);
	if (rep->histograms) { /* the same samples as "latency" */
		json_buckets(j, &r->merged);
		ipl_json_break(j);
	}
	key_num(j, "median_p50_ns", ipl_row_median(r, ipl_rep_p50));
	struct ipl_ci ci = ipl_row_p50_ci(r); /* its 95% interval and how it was found */
	key_num(j, ipl_csv_columns[IPL_CSV_MEDIAN_P50_CI_LO], ci.lo);
	key_num(j, ipl_csv_columns[IPL_CSV_MEDIAN_P50_CI_HI], ci.hi);
	ipl_json_key(j, "median_p50_ci95_method");
	ipl_json_string_or_null(j, ci.method == IPL_CI_NONE ? NULL : ipl_ci_method_name(ci.method));
	key_num(j, "median_msgs_per_s", ipl_row_median(r, ipl_rep_mps));
	key_num(j, "median_mb_per_s", ipl_row_median(r, ipl_rep_mbps));
	ipl_json_break(j);
	ipl_json_key(j, "reps");
	ipl_json_begin_array(j, IPL_JSON_LINES);
	for (unsigned k = 0; k < r->nreps; k++)
		json_rep(j, &r->reps[k], k);
	ipl_json_end_array(j);
	ipl_json_end_object(j);
}

/* The top level: one line per section, the run's outcome on one line. */
void ipl_report_write_json(FILE *f, const struct ipl_report *rep)
{
	struct ipl_json j;
	char when[32];
	ipl_json_init(&j, f);
	ipl_json_begin_object(&j, IPL_JSON_CLOSE_LINE);
	ipl_json_break(&j);
	key_uint(&j, "schema_version", IPL_JSON_SCHEMA_VERSION);
	ipl_utc_iso8601(rep->started, when, sizeof when);
	ipl_json_break(&j);
	ipl_json_key(&j, "timestamp_utc");
	ipl_json_string_or_null(&j, rep->started ? when : NULL);
	ipl_json_break(&j);
	ipl_json_key(&j, "environment");
	ipl_env_json(&j);
	ipl_json_break(&j);
	json_settings(&j, rep);
	ipl_json_break(&j);
	key_bool(&j, "interrupted", rep->interrupted);
	ipl_json_key(&j, "interrupted_by");
	ipl_json_string_or_null(&j, rep->interrupted ? ipl_intr_name(rep->interrupted) : NULL);
	key_uint(&j, "runs_done", rep->runs_done);
	key_uint(&j, "runs_total", rep->runs_total);
	ipl_json_break(&j);
	json_warnings(&j, rep);
	ipl_json_break(&j);
	ipl_json_key(&j, "results");
	ipl_json_begin_array(&j, IPL_JSON_LINES | IPL_JSON_CLOSE_LINE | IPL_JSON_CLOSE_EMPTY);
	for (size_t i = 0; i < rep->nrows; i++)
		json_row(&j, rep, i);
	ipl_json_end_array(&j);
	ipl_json_end_object(&j);
	fputc('\n', f);
}
