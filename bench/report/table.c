/* table.c - the results as a terminal table (md = 0) or Markdown (md = 1):
 * one layout, two syntaxes, so both always show the same cells.
 *
 * Medians are taken over valid reps only (stats.c): a rep that failed or
 * saw verification errors is flagged, never averaged in.  Latency rows,
 * throughput rows and load rows go in three sections, since they have
 * different headline figures. */
#include "bench/run/run.h"
#include "bench/run/row.h"
#include "bench/run/stats.h"
#include "bench/run/ci.h"
#include "bench/run/intr.h"
#include "bench/run/placement.h"
#include "bench/report/report.h"
#include "bench/report/env.h"
#include "bench/report/formats.h"
#include "bench/report/facts.h"
#include "bench/run/fmt.h"
#include "common/dgretry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


/* The label a row is known by: mechanism, plus the wait policy for shm. */
static const char *label(char *buf, size_t len, const struct ipl_row *r)
{
	if (r->wait && *r->wait)
		snprintf(buf, len, "%s-%s", r->mech, r->wait);
	else
		snprintf(buf, len, "%s", r->mech);
	return buf;
}

/* The status cell: "ok", or the loudest problems first. */
static const char *status_text(char *buf, size_t len, const struct ipl_row *r)
{
	unsigned bits = ipl_row_check(r, NULL, 0);
	unsigned failed = 0;
	for (unsigned i = 0; i < r->nreps; i++)
		failed += r->reps[i].failed != 0;
	buf[0] = '\0';
	if (!bits) {
		snprintf(buf, len, "ok");
		return buf;
	}
	if (bits & IPL_WARN_FAILED)
		snprintf(buf + strlen(buf), len - strlen(buf), "%sFAILED %u/%u", buf[0] ? " " : "",
			 failed, r->nreps);
	if (bits & IPL_WARN_ERRORS)
		snprintf(buf + strlen(buf), len - strlen(buf), "%sERRORS %llu", buf[0] ? " " : "",
			 (unsigned long long)ipl_row_errors(r));
	if (bits & IPL_WARN_SPREAD) {
		struct ipl_spread s = ipl_row_spread(r, ipl_row_headline(r));
		snprintf(buf + strlen(buf), len - strlen(buf), "%snoisy %.0f%%", buf[0] ? " " : "",
			 ipl_spread_rel(&s) * 100);
	}
	if (bits & IPL_WARN_FIRST_SLOW)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s1st-slow", buf[0] ? " " : "");
	if (bits & IPL_WARN_INTERRUPTED)
		snprintf(buf + strlen(buf), len - strlen(buf), "%sinterrupted", buf[0] ? " " : "");
	return buf;
}

/* One cell: Markdown "| x ", or padded to width (left-aligned for text). */
static void put_cell(char *line, size_t len, int md, int left, int width, const char *text)
{
	size_t at = strlen(line);
	if (md)
		snprintf(line + at, len - at, "| %s ", text);
	else if (left)
		snprintf(line + at, len - at, "%-*s ", width, text);
	else
		snprintf(line + at, len - at, "%*s ", width, text);
}

#define MAXCOL 22
#define CELL 40
#define TABLE_WIDTH 120 /* the default table and its notes fit a terminal this wide */

/* Rows that differ in placement (the cpu column tells them apart). */
static int mixed_placement(const struct ipl_report *rep)
{
	for (size_t i = 1; i < rep->nrows; i++)
		if (rep->rows[i].cpu_client != rep->rows[0].cpu_client ||
		    rep->rows[i].cpu_server != rep->rows[0].cpu_server)
			return 1;
	return 0;
}

struct col {
	const char *name;
	int width, left;
};

/* Columns the default table leaves to --wide, so that it fits TABLE_WIDTH:
 * spreads, p90 and max (the status cell flags noisy reps), per-client rates,
 * cs/msg, errors (the status says ERRORS n), and the cpu column unless the
 * rows differ in placement (the header names the one placement). */
static int wide_only(const char *name, const struct ipl_report *rep)
{
	static const char *const names[] = { "p50 min..max",    "p50 (95% CI)", "p90",    "max",
					     "msgs/s min..max", "per client",   "cs/msg", "errors" };
	if (!strcmp(name, "cpu"))
		return !mixed_placement(rep);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

/* The cells of one line, without the columns --wide alone shows, and
 * without trailing blanks. */
static void put_line(FILE *f, int md, const struct ipl_report *rep, const struct col *c, size_t n,
		     const char *const *text)
{
	char line[MAXCOL * (CELL + 4) + 4] = "";
	for (size_t i = 0; i < n; i++)
		if (md || rep->wide || !wide_only(c[i].name, rep))
			put_cell(line, sizeof line, md, c[i].left, c[i].width, text[i]);
	size_t end = strlen(line);
	while (end && line[end - 1] == ' ')
		end--;
	fprintf(f, "%.*s%s\n", (int)end, line, md ? " |" : "");
}

static void put_header(FILE *f, int md, const struct ipl_report *rep, const struct col *c, size_t n)
{
	const char *names[MAXCOL] = { 0 };
	for (size_t i = 0; i < n; i++)
		names[i] = c[i].name;
	put_line(f, md, rep, c, n, names);
	if (md) { /* Markdown has no width to keep: every column */
		for (size_t i = 0; i < n; i++)
			fprintf(f, c[i].left ? "|---" : "|--:");
		fprintf(f, "|\n");
	}
}

static void put_row(FILE *f, int md, const struct ipl_report *rep, const struct col *c, size_t n,
		    char cells[][CELL])
{
	const char *text[MAXCOL] = { 0 };
	for (size_t i = 0; i < n; i++)
		text[i] = cells[i];
	put_line(f, md, rep, c, n, text);
}

/* The section a row is printed in: 0 throughput and stream, 1 latency,
 * 2 load. */
static int section(const struct ipl_row *r)
{
	return r->mode == IPL_MODE_LATENCY ? 1 : r->mode == IPL_MODE_LOAD ? 2 : 0;
}

/* Wide enough for every row's label in this section (section()). */
static int label_width(const struct ipl_report *rep, int sec)
{
	int w = 9; /* "mechanism" */
	char buf[CELL];
	for (size_t i = 0; i < rep->nrows; i++)
		if (section(&rep->rows[i]) == sec) {
			int l = (int)strlen(label(buf, sizeof buf, &rep->rows[i]));
			w = l > w ? l : w;
		}
	return w;
}

/* text folded at spaces to TABLE_WIDTH: first line after first, the rest
 * after next (for md: one line, Markdown folds it itself). */
static void put_wrapped(FILE *f, int md, const char *first, const char *next, const char *text)
{
	if (md) {
		fprintf(f, "%s%s\n", first, text);
		return;
	}
	const char *pre = first;
	while (*text) {
		int room = TABLE_WIDTH - (int)strlen(pre);
		int len = (int)strlen(text);
		if (len > room) {
			int cut = room;
			while (cut > 0 && text[cut] != ' ')
				cut--;
			len = cut > 0 ? cut : room;
		}
		fprintf(f, "%s%.*s\n", pre, len, text);
		text += len;
		while (*text == ' ')
			text++;
		pre = next;
	}
}

/* A datagram row: its transport says so, or (a report read back) it
 * counted a lost, stale or reordered reply. */
static int datagram_row(const struct ipl_row *r)
{
	if (r->tp && (r->tp->caps & IPL_CAP_DATAGRAM))
		return 1;
	for (unsigned k = 0; k < r->nreps; k++)
		if (r->reps[k].st.lost || r->reps[k].st.stale || r->reps[k].st.reordered)
			return 1;
	return 0;
}

static int any_datagram(const struct ipl_report *rep)
{
	for (size_t i = 0; i < rep->nrows; i++)
		if (datagram_row(&rep->rows[i]))
			return 1;
	return 0;
}

/* The columns both tables end with: overhead (with --baseline), cpu/msg,
 * cs/msg, lost/stale/reordered (when a row is a datagram one), errors,
 * status.  Appends them after the first n; returns the count. */
static size_t tail_cols(struct col *cols, size_t n, const struct ipl_report *rep)
{
	if (rep->baseline)
		cols[n++] = (struct col){ "overhead", 8, 0 };
	cols[n++] = (struct col){ "cpu/msg", 9, 0 };
	cols[n++] = (struct col){ "cs/msg", 6, 0 };
	if (any_datagram(rep))
		cols[n++] = (struct col){ "lost/stale/reord", 16, 0 };
	cols[n++] = (struct col){ "errors", 6, 0 };
	cols[n++] = (struct col){ "status", 6, 1 };
	return n;
}

/* "lost/stale/reordered" summed over the row's reps; "-" for a row that
 * is not a datagram one. */
static void datagram_cell(char *cell, const struct ipl_row *r)
{
	unsigned long long l = 0, s = 0, o = 0;
	for (unsigned k = 0; k < r->nreps; k++) {
		l += r->reps[k].st.lost;
		s += r->reps[k].st.stale;
		o += r->reps[k].st.reordered;
	}
	if (datagram_row(r))
		snprintf(cell, CELL, "%llu/%llu/%llu", l, s, o);
	else
		snprintf(cell, CELL, "-");
}

/* Fills the tail_cols() cells of row i from cell[k] on. */
static void tail_cells(char (*cell)[CELL], size_t k, const struct ipl_report *rep, size_t i)
{
	const struct ipl_row *r = &rep->rows[i];
	if (rep->baseline)
		ipl_fmt_num(cell[k++], CELL, "%+.1f%%", ipl_row_overhead_pct(rep, i));
	ipl_fmt_ns(cell[k++], CELL, ipl_row_median(r, ipl_rep_cpu));
	ipl_fmt_num(cell[k++], CELL, "%.2f", ipl_row_median(r, ipl_rep_ctxsw));
	if (any_datagram(rep))
		datagram_cell(cell[k++], r);
	snprintf(cell[k++], CELL, "%llu", (unsigned long long)ipl_row_errors(r));
	status_text(cell[k], CELL, r);
}

/* "12.10..12.40 us boot": the 95% interval of the row's p50 in one unit,
 * and how it was found (ci.c): boot(strap) over >= 3 valid reps, hist(ogram)
 * of 1 or 2; "-" without one. */
static void ci_cell(char *cell, const struct ipl_row *r)
{
	struct ipl_ci ci = ipl_row_p50_ci(r);
	if (ci.method == IPL_CI_NONE) {
		snprintf(cell, CELL, "-");
		return;
	}
	double div = ci.hi < 1e3 ? 1 : ci.hi < 1e6 ? 1e3 : 1e6;
	const char *unit = ci.hi < 1e3 ? "ns" : ci.hi < 1e6 ? "us" : "ms";
	snprintf(cell, CELL, div == 1 ? "%.0f..%.0f %s %s" : "%.2f..%.2f %s %s", ci.lo / div,
		 ci.hi / div, unit, ci.method == IPL_CI_BOOTSTRAP ? "boot" : "hist");
}

static void write_latency(FILE *f, const struct ipl_report *rep, int md)
{
	struct col cols[MAXCOL] = {
		{ "mechanism", label_width(rep, 1), 1 },
		{ "size", 5, 0 },
		{ "clients", 7, 0 },
		{ "cpu", 3, 0 },
		{ "p50", 9, 0 },
		{ "p50 (95% CI)", 24, 0 },
		{ "p50 min..max", 18, 0 },
		{ "p90", 9, 0 },
		{ "p99", 9, 0 },
		{ "p99.9", 9, 0 },
		{ "max", 9, 0 },
		{ "msgs/s", 6, 0 },
		{ "relative", 8, 0 },
		{ "n", 6, 0 },
	};
	size_t n = tail_cols(cols, 14, rep);

	int any = 0;
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		if (section(r) != 1)
			continue;
		if (!any++) {
			fprintf(f, md ? "\n**Latency** (closed-loop ping-pong, ECHO; round-trip time)\n\n"
				      : "\nLatency (closed-loop ping-pong, ECHO; round-trip time)\n");
			put_header(f, md, rep, cols, n);
		}
		char cell[MAXCOL][CELL];
		struct ipl_spread p50 = ipl_row_spread(r, ipl_rep_p50);
		const struct ipl_hist *h = &r->merged;
		label(cell[0], CELL, r);
		ipl_fmt_size(cell[1], CELL, r->size);
		snprintf(cell[2], CELL, "%u", r->clients);
		ipl_fmt_cpu(cell[3], CELL, r->cpu_client, r->cpu_server);
		ipl_fmt_ns(cell[4], CELL, p50.median);
		ci_cell(cell[5], r);
		ipl_fmt_ns_range(cell[6], CELL, &p50);
		/* "-": too few samples beyond the percentile to say it */
		ipl_fmt_ns(cell[7], CELL, ipl_hist_pct_or_nan(h, 90));
		ipl_fmt_ns(cell[8], CELL, ipl_hist_pct_or_nan(h, 99));
		ipl_fmt_ns(cell[9], CELL, ipl_hist_pct_or_nan(h, 99.9));
		ipl_fmt_ns(cell[10], CELL, h->count ? (double)h->max : NAN);
		ipl_fmt_count(cell[11], CELL, ipl_row_median(r, ipl_rep_mps));
		ipl_fmt_num(cell[12], CELL, "%.2fx", ipl_row_relative(rep, r));
		ipl_fmt_count(cell[13], CELL, (double)ipl_row_samples(r));
		tail_cells(cell, 14, rep, i);
		put_row(f, md, rep, cols, n, cell);
	}
}

static void write_throughput(FILE *f, const struct ipl_report *rep, int md)
{
	struct col cols[MAXCOL] = {
		{ "mechanism", label_width(rep, 0), 1 },
		{ "size", 5, 0 },
		{ "mode", 10, 1 },
		{ "clients", 7, 0 },
		{ "window", 6, 0 },
		{ "cpu", 3, 0 },
		{ "msgs/s", 8, 0 },
		{ "msgs/s min..max", 16, 0 },
		{ "MB/s", 8, 0 },
		{ "per client", 10, 0 },
		{ "relative", 8, 0 },
		{ "n", 6, 0 },
	};
	size_t n = tail_cols(cols, 12, rep);

	int any = 0;
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		if (section(r) != 0)
			continue;
		if (!any++) {
			fprintf(f, md ? "\n**Throughput** (throughput: WINDOW SINKs in flight; stream: one-way SINKs)\n\n"
				      : "\nThroughput (throughput: WINDOW SINKs in flight; stream: one-way SINKs)\n");
			put_header(f, md, rep, cols, n);
		}
		char cell[MAXCOL][CELL];
		struct ipl_spread mps = ipl_row_spread(r, ipl_rep_mps);
		label(cell[0], CELL, r);
		ipl_fmt_size(cell[1], CELL, r->size);
		snprintf(cell[2], CELL, "%s", ipl_mode_name(r->mode));
		snprintf(cell[3], CELL, "%u", r->clients);
		snprintf(cell[4], CELL, "%u", r->window);
		ipl_fmt_cpu(cell[5], CELL, r->cpu_client, r->cpu_server);
		ipl_fmt_count(cell[6], CELL, mps.median);
		ipl_fmt_count_range(cell[7], CELL, &mps);
		ipl_fmt_num(cell[8], CELL, "%.1f", ipl_row_median(r, ipl_rep_mbps));
		ipl_fmt_count(cell[9], CELL, mps.median / (r->clients ? r->clients : 1));
		ipl_fmt_num(cell[10], CELL, "%.2fx", ipl_row_relative(rep, r));
		ipl_fmt_count(cell[11], CELL, (double)ipl_row_samples(r));
		tail_cells(cell, 12, rep, i);
		put_row(f, md, rep, cols, n, cell);
	}
}

/* A load row that achieved less than 95% of its offered rate says so
 * first in its status cell (status, as status_text() wrote it). */
static void flag_not_sustained(char *status, const struct ipl_row *r)
{
	char was[CELL];
	if (ipl_row_sustained(r) != 0)
		return;
	snprintf(was, sizeof was, "%s", status);
	if (!strcmp(was, "ok"))
		snprintf(status, CELL, "not sustained");
	else
		snprintf(status, CELL, "not sustained %.*s", CELL - 15, was);
}

static void load_cells(char (*cell)[CELL], const struct ipl_row *r)
{
	const struct ipl_hist *h = &r->merged;
	label(cell[0], CELL, r);
	ipl_fmt_size(cell[1], CELL, r->size);
	snprintf(cell[2], CELL, "%u", r->clients);
	snprintf(cell[3], CELL, "%u", r->window);
	ipl_fmt_cpu(cell[4], CELL, r->cpu_client, r->cpu_server);
	ipl_fmt_count(cell[5], CELL, r->rate);
	ipl_fmt_count(cell[6], CELL, ipl_row_median(r, ipl_rep_mps));
	ipl_fmt_ns(cell[7], CELL, ipl_row_median(r, ipl_rep_p50));
	ci_cell(cell[8], r);
	/* "-": too few samples beyond the percentile to say it */
	ipl_fmt_ns(cell[9], CELL, ipl_hist_pct_or_nan(h, 90));
	ipl_fmt_ns(cell[10], CELL, ipl_hist_pct_or_nan(h, 99));
	ipl_fmt_ns(cell[11], CELL, ipl_hist_pct_or_nan(h, 99.9));
	ipl_fmt_ns(cell[12], CELL, ipl_hist_pct_or_nan(h, 99.99));
	ipl_fmt_ns(cell[13], CELL, h->count ? (double)h->max : NAN);
	ipl_fmt_count(cell[14], CELL, (double)ipl_row_samples(r));
}

/* Load rows: one per offered rate, latency from each request's due time. */
static void write_load(FILE *f, const struct ipl_report *rep, int md)
{
	struct col cols[MAXCOL] = {
		{ "mechanism", label_width(rep, 2), 1 },
		{ "size", 5, 0 },
		{ "clients", 7, 0 },
		{ "window", 6, 0 },
		{ "cpu", 3, 0 },
		{ "offered", 7, 0 },
		{ "achieved", 8, 0 },
		{ "p50", 9, 0 },
		{ "p50 (95% CI)", 24, 0 },
		{ "p90", 9, 0 },
		{ "p99", 9, 0 },
		{ "p99.9", 9, 0 },
		{ "p99.99", 9, 0 },
		{ "max", 9, 0 },
		{ "n", 6, 0 },
	};
	size_t n = tail_cols(cols, 15, rep);
	int any = 0;
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		if (section(r) != 2)
			continue;
		if (!any++) {
			const char *what =
				"(msgs/s offered on a fixed schedule, all clients together; each reply "
				"timed from when its request was due: coordinated omission corrected; "
				"\"not sustained\": under 95% of the offered rate achieved)";
			fputc('\n', f);
			put_wrapped(f, md, md ? "**Latency under load** " : "Latency under load ", "  ", what);
			if (md)
				fputc('\n', f);
			put_header(f, md, rep, cols, n);
		}
		char cell[MAXCOL][CELL];
		load_cells(cell, r);
		tail_cells(cell, 15, rep, i);
		flag_not_sustained(cell[n - 1], r);
		put_row(f, md, rep, cols, n, cell);
	}
}

/* A server elsewhere: say which two ends the rows measured. */
static void write_connect_note(FILE *f, const struct ipl_report *rep, int md)
{
	for (size_t i = 0; rep->connect && i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		const struct ipl_run_result *x = r->nreps ? &r->reps[0] : NULL;
		if (!i)
			fputc('\n', f);
		if (!x)
			continue;
		if (x->client_addr[0])
			fprintf(f, "%s%s size %u: client %s -> server %s\n", md ? "- " : "# ", r->mech,
				r->size, x->client_addr, x->server_addr);
		else if (x->failed)
			fprintf(f, "%s%s size %u: server %s, rep 1 failed: %s\n", md ? "- " : "# ",
				r->mech, r->size, x->server_addr[0] ? x->server_addr : rep->connect,
				x->why[0] ? x->why : "no reason given");
		else /* connected, over a mechanism with no client address to give */
			fprintf(f, "%s%s size %u: server %s\n", md ? "- " : "# ", r->mech, r->size,
				x->server_addr[0] ? x->server_addr : rep->connect);
	}
}

static void write_warnings(FILE *f, const struct ipl_report *rep, int md)
{
	char text[4096];
	unsigned all = 0;
	for (size_t i = 0; i < rep->nrows; i++) {
		unsigned bits = ipl_row_check(&rep->rows[i], text, sizeof text);
		if (!bits)
			continue;
		if (!all)
			fprintf(f, md ? "\n**Warnings**\n\n" : "\n");
		all |= bits;
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
			put_wrapped(f, md, md ? "- " : "! ", "  ", line);
	}
	const char *hint = ipl_warn_hint(all, ipl_report_pinned(rep));
	if (hint && md)
		fprintf(f, "\n_%s_\n", hint);
	else if (hint)
		put_wrapped(f, md, "! ", "  ", hint);
}

int ipl_report_pinned(const struct ipl_report *rep)
{
	for (size_t i = 0; i < rep->nrows; i++)
		if (rep->rows[i].cpu_client < 0 || rep->rows[i].cpu_server < 0)
			return 0;
	return rep->nrows > 0;
}

/* Whose CPU time cpu/msg and cs/msg count. */
static const char *cpu_scope(const struct ipl_report *rep)
{
	return rep->connect ? "the client only (the server is remote)" : "both ends";
}

/* --pipe-size / --sockbuf: one settings line per knob given, with the size
 * in force the kernel reported (a range when rows differ). */
static void write_buffers(FILE *f, const struct ipl_report *rep, int md)
{
	static const char *const what[2] = { "pipe capacity (--pipe-size; F_GETPIPE_SZ)",
					     "socket buffers (--sockbuf; getsockopt, Linux doubles the request)" };
	const uint32_t asked[2] = { rep->pipe_size, rep->sockbuf };
	for (int k = 0; k < 2; k++) {
		uint64_t lo = UINT64_MAX, hi = 0;
		for (size_t i = 0; i < rep->nrows; i++)
			for (unsigned r = 0; r < rep->rows[i].nreps; r++) {
				uint64_t v = k ? rep->rows[i].reps[r].sockbuf : rep->rows[i].reps[r].pipe_size;
				lo = v && v < lo ? v : lo;
				hi = v > hi ? v : hi;
			}
		if (!asked[k] && !hi)
			continue;
		char got[64];
		if (!hi)
			snprintf(got, sizeof got, "not read");
		else if (lo == hi)
			snprintf(got, sizeof got, "%llu bytes", (unsigned long long)hi);
		else
			snprintf(got, sizeof got, "%llu..%llu bytes", (unsigned long long)lo,
				 (unsigned long long)hi);
		fprintf(f, md ? "_%s: asked %u, in force %s_\n" : "# %s: asked %u, in force %s\n",
			what[k], asked[k], got);
	}
}

/* rpc over datagrams: the call semantics, the retransmission settings and
 * the calls resent, in one line (the rows say which mechanism). */
static void write_rpc_dgram(FILE *f, const struct ipl_report *rep, int md)
{
	const char *sem = NULL;
	uint64_t resent = 0;
	for (size_t i = 0; i < rep->nrows; i++) {
		if (!rep->rows[i].rpc_semantics)
			continue;
		sem = rep->rows[i].rpc_semantics;
		for (unsigned r = 0; r < rep->rows[i].nreps; r++)
			resent += rep->rows[i].reps[r].st.retrans;
	}
	if (!sem)
		return;
	fprintf(f,
		md ? "_rpc over udp: %s (--rpc-semantics); timeout %u ms, doubled per retry, %u tries; %llu "
		     "calls resent_\n"
		   : "# rpc over udp: %s (--rpc-semantics); timeout %u ms, doubled per retry, %u tries; %llu "
		     "calls resent\n",
		sem, ipl_dg_timeout_ms(), IPL_DG_TRIES, (unsigned long long)resent);
}

/* The last thing a cut-short table says. */
static void interrupted_footer(FILE *f, const struct ipl_report *rep, int md)
{
	if (!rep->interrupted)
		return;
	fprintf(f,
		"\n%sINTERRUPTED by %s after %zu of %zu runs: the rows above are what finished; "
		"the rep that was cut short is marked and left out%s\n",
		md ? "**" : "", ipl_intr_name(rep->interrupted), rep->runs_done, rep->runs_total,
		md ? "**" : "");
}

void ipl_report_write_table(FILE *f, const struct ipl_report *rep, int md)
{
	char env[300];
	ipl_env_summary(env, sizeof env);
	/* placement: one value for the whole report, or per row */
	int c0 = rep->nrows ? rep->rows[0].cpu_client : -1, s0 = rep->nrows ? rep->rows[0].cpu_server : -1;
	int mixed = 0;
	for (size_t i = 1; i < rep->nrows; i++)
		mixed |= rep->rows[i].cpu_client != c0 || rep->rows[i].cpu_server != s0;
	char pl[64];
	if (mixed)
		snprintf(pl, sizeof pl, "per row (cpu column)");
	else if (c0 < 0 && s0 < 0)
		snprintf(pl, sizeof pl, "unpinned");
	else
		snprintf(pl, sizeof pl, "client CPU %d, server CPU %d (%s)", c0, s0,
			 ipl_placement_name(c0, s0));
	char runlen[64];
	if (rep->duration_s > 0)
		snprintf(runlen, sizeof runlen, "%.3g s per run", rep->duration_s);
	else
		snprintf(runlen, sizeof runlen, "%llu msgs per run", (unsigned long long)rep->iters);
	uint64_t wmin = UINT64_MAX, wmax = 0;
	for (size_t i = 0; i < rep->nrows; i++) {
		wmin = rep->rows[i].warmup < wmin ? rep->rows[i].warmup : wmin;
		wmax = rep->rows[i].warmup > wmax ? rep->rows[i].warmup : wmax;
	}
	char warm[64];
	if (!rep->nrows || wmin == wmax)
		snprintf(warm, sizeof warm, "%llu", (unsigned long long)(rep->nrows ? wmin : rep->warmup));
	else
		snprintf(warm, sizeof warm, "%llu..%llu msgs (by size)", (unsigned long long)wmin,
			 (unsigned long long)wmax);
	if (md)
		fprintf(f, "_%s | placement: %s | %s, warm-up %s, %u rep%s_\n", env, pl, runlen, warm,
			rep->reps, rep->reps == 1 ? "" : "s");
	else
		fprintf(f, "# %s\n# placement: %s | %s, warm-up %s, %u rep%s\n", env, pl, runlen, warm,
			rep->reps, rep->reps == 1 ? "" : "s");
	write_buffers(f, rep, md);
	write_rpc_dgram(f, rep, md);
	/* MB/s as bench --help defines it: every mode counts one direction */
	char legend[800];
	snprintf(legend, sizeof legend,
		 "p50 and rates: median of the valid reps (min..max across reps%s); p50 (95%% CI)%s: "
		 "bootstrap of the median over >= 3 valid reps (boot), else from the reps' histograms "
		 "(hist); tails: "
		 "all valid reps' samples, \"-\" with fewer than 10 beyond the percentile; n: samples; cpu/msg: "
		 "user+sys of %s over the timed loop per message; MB/s: payload bytes one way per message x "
		 "msgs/s / 10^6%s",
		 md || rep->wide ? "" : ": --wide", md || rep->wide ? "" : " with --wide",
		 cpu_scope(rep), md ? "_" : "");
	put_wrapped(f, md, md ? "_" : "# ", "#   ", legend);
	write_latency(f, rep, md);
	write_throughput(f, rep, md);
	write_load(f, rep, md);
	write_connect_note(f, rep, md);
	if (!rep->omit_warnings)
		write_warnings(f, rep, md);
	interrupted_footer(f, rep, md);
}
