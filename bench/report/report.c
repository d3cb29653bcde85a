/* report.c - the results as a terminal table, CSV, JSON or Markdown.
 *
 * Every format carries the same numbers and the same warnings; units are in
 * the column names.  Medians are taken over valid reps only (stats.c): a rep
 * that failed or saw verification errors is flagged, never averaged in.
 * The table and Markdown show latency rows and throughput rows in two
 * sections, since they have different headline figures. */
#include "bench/run/run.h"
#include "bench/run/row.h"
#include "bench/run/stats.h"
#include "bench/run/intr.h"
#include "bench/run/placement.h"
#include "bench/report/report.h"
#include "bench/report/env.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


static const char *fmt_ns(char *buf, size_t len, double ns)
{
	if (!isfinite(ns))
		snprintf(buf, len, "-");
	else if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	return buf;
}

/* "61.2..64.0 us": both ends in the unit of the larger. */
static const char *fmt_ns_range(char *buf, size_t len, const struct ipl_spread *s)
{
	if (!s->n) {
		snprintf(buf, len, "-");
		return buf;
	}
	double div = s->max < 1e3 ? 1 : s->max < 1e6 ? 1e3 : 1e6;
	const char *unit = s->max < 1e3 ? "ns" : s->max < 1e6 ? "us" : "ms";
	snprintf(buf, len, div == 1 ? "%.0f..%.0f %s" : "%.1f..%.1f %s", s->min / div, s->max / div, unit);
	return buf;
}

static const char *fmt_count(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (v >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

static const char *fmt_count_range(char *buf, size_t len, const struct ipl_spread *s)
{
	char a[24], b[24];
	if (!s->n)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s..%s", fmt_count(a, sizeof a, s->min), fmt_count(b, sizeof b, s->max));
	return buf;
}

static const char *fmt_size(char *buf, size_t len, uint32_t s)
{
	if (s >= (1u << 20) && s % (1u << 20) == 0)
		snprintf(buf, len, "%uM", s >> 20);
	else if (s >= 1024 && s % 1024 == 0)
		snprintf(buf, len, "%uK", s >> 10);
	else
		snprintf(buf, len, "%u", s);
	return buf;
}

static const char *fmt_cpu(char *buf, size_t len, int c, int s)
{
	if (c < 0 && s < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%d,%d", c, s);
	return buf;
}

static const char *fmt_num(char *buf, size_t len, const char *f, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, f, v);
	return buf;
}

/* The label a row is known by: mechanism, plus the wait policy for shm. */
static const char *label(char *buf, size_t len, const struct ipl_row *r)
{
	if (r->wait && *r->wait)
		snprintf(buf, len, "%s-%s", r->mech, r->wait);
	else
		snprintf(buf, len, "%s", r->mech);
	return buf;
}

static int same_config(const struct ipl_row *a, const struct ipl_row *b)
{
	return a->size == b->size && a->mode == b->mode && a->clients == b->clients &&
	       a->window == b->window && a->cpu_client == b->cpu_client && a->cpu_server == b->cpu_server;
}

/* How many times slower than the fastest framed row of the same
 * configuration (latency: p50; otherwise msgs/s).  Raw baselines are not
 * candidates for "fastest": they would make every framed row look slow for
 * a reason the table already shows in the overhead column. */
static double relative(const struct ipl_report *rep, const struct ipl_row *r)
{
	int lat = r->mode == IPL_MODE_LATENCY;
	double best = NAN;
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *o = &rep->rows[i];
		if (o->baseline || !same_config(o, r))
			continue;
		double v = ipl_row_median(o, ipl_row_headline(o));
		if (isfinite(v) && v > 0 && (isnan(best) || (lat ? v < best : v > best)))
			best = v;
	}
	double mine = ipl_row_median(r, ipl_row_headline(r));
	if (!isfinite(best) || !isfinite(mine) || !(mine > 0))
		return NAN;
	return lat ? mine / best : best / mine;
}

static unsigned valid_reps(const struct ipl_row *r)
{
	unsigned n = 0;
	for (unsigned i = 0; i < r->nreps; i++)
		n += ipl_rep_valid(&r->reps[i]);
	return n;
}

static uint64_t row_errors(const struct ipl_row *r)
{
	uint64_t e = 0;
	for (unsigned i = 0; i < r->nreps; i++)
		e += r->reps[i].st.errors;
	return e;
}

/* The samples a row's figures rest on: the valid reps' measured messages
 * (for latency rows, the timed round trips behind the percentiles). */
static uint64_t row_n(const struct ipl_row *r)
{
	if (r->mode == IPL_MODE_LATENCY)
		return r->merged.count;
	uint64_t n = 0;
	for (unsigned i = 0; i < r->nreps; i++)
		if (ipl_rep_valid(&r->reps[i]))
			n += r->reps[i].msgs;
	return n;
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
		snprintf(buf + strlen(buf), len - strlen(buf), "%sFAILED %u/%u", buf[0] ? " " : "", failed, r->nreps);
	if (bits & IPL_WARN_ERRORS)
		snprintf(buf + strlen(buf), len - strlen(buf), "%sERRORS %llu", buf[0] ? " " : "",
			 (unsigned long long)row_errors(r));
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

#define MAXCOL 18
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
	static const char *const names[] = { "p50 min..max", "p90", "max", "msgs/s min..max", "per client",
					      "cs/msg", "errors" };
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

/* Wide enough for every row's label in this section (latency or not). */
static int label_width(const struct ipl_report *rep, int latency)
{
	int w = 9; /* "mechanism" */
	char buf[CELL];
	for (size_t i = 0; i < rep->nrows; i++)
		if ((rep->rows[i].mode == IPL_MODE_LATENCY) == latency) {
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

/* The columns both tables end with: overhead (with --baseline), cpu/msg,
 * cs/msg, errors, status.  Appends them after the first n; returns the count. */
static size_t tail_cols(struct col *cols, size_t n, const struct ipl_report *rep)
{
	if (rep->baseline)
		cols[n++] = (struct col){ "overhead", 8, 0 };
	cols[n++] = (struct col){ "cpu/msg", 9, 0 };
	cols[n++] = (struct col){ "cs/msg", 6, 0 };
	cols[n++] = (struct col){ "errors", 6, 0 };
	cols[n++] = (struct col){ "status", 6, 1 };
	return n;
}

/* Fills the tail_cols() cells of row i from cell[k] on. */
static void tail_cells(char (*cell)[CELL], size_t k, const struct ipl_report *rep, size_t i)
{
	const struct ipl_row *r = &rep->rows[i];
	if (rep->baseline)
		fmt_num(cell[k++], CELL, "%+.1f%%", ipl_row_overhead_pct(rep, i));
	fmt_ns(cell[k++], CELL, ipl_row_median(r, ipl_rep_cpu));
	fmt_num(cell[k++], CELL, "%.2f", ipl_row_median(r, ipl_rep_ctxsw));
	snprintf(cell[k++], CELL, "%llu", (unsigned long long)row_errors(r));
	status_text(cell[k], CELL, r);
}

static void write_latency(FILE *f, const struct ipl_report *rep, int md)
{
	struct col cols[MAXCOL] = {
		{ "mechanism", label_width(rep, 1), 1 }, { "size", 5, 0 }, { "clients", 7, 0 }, { "cpu", 3, 0 },
		{ "p50", 9, 0 }, { "p50 min..max", 18, 0 }, { "p90", 9, 0 }, { "p99", 9, 0 },
		{ "p99.9", 9, 0 }, { "max", 9, 0 }, { "msgs/s", 6, 0 }, { "relative", 8, 0 },
		{ "n", 6, 0 },
	};
	size_t n = tail_cols(cols, 13, rep);

	int any = 0;
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		if (r->mode != IPL_MODE_LATENCY)
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
		fmt_size(cell[1], CELL, r->size);
		snprintf(cell[2], CELL, "%u", r->clients);
		fmt_cpu(cell[3], CELL, r->cpu_client, r->cpu_server);
		fmt_ns(cell[4], CELL, p50.median);
		fmt_ns_range(cell[5], CELL, &p50);
		/* "-": too few samples beyond the percentile to say it */
		fmt_ns(cell[6], CELL, ipl_hist_pct_or_nan(h, 90));
		fmt_ns(cell[7], CELL, ipl_hist_pct_or_nan(h, 99));
		fmt_ns(cell[8], CELL, ipl_hist_pct_or_nan(h, 99.9));
		fmt_ns(cell[9], CELL, h->count ? (double)h->max : NAN);
		fmt_count(cell[10], CELL, ipl_row_median(r, ipl_rep_mps));
		fmt_num(cell[11], CELL, "%.2fx", relative(rep, r));
		fmt_count(cell[12], CELL, (double)row_n(r));
		tail_cells(cell, 13, rep, i);
		put_row(f, md, rep, cols, n, cell);
	}
}

static void write_throughput(FILE *f, const struct ipl_report *rep, int md)
{
	struct col cols[MAXCOL] = {
		{ "mechanism", label_width(rep, 0), 1 }, { "size", 5, 0 }, { "mode", 10, 1 }, { "clients", 7, 0 },
		{ "window", 6, 0 }, { "cpu", 3, 0 }, { "msgs/s", 8, 0 }, { "msgs/s min..max", 16, 0 },
		{ "MB/s", 8, 0 }, { "per client", 10, 0 }, { "relative", 8, 0 }, { "n", 6, 0 },
	};
	size_t n = tail_cols(cols, 12, rep);

	int any = 0;
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		if (r->mode == IPL_MODE_LATENCY)
			continue;
		if (!any++) {
			fprintf(f, md ? "\n**Throughput** (throughput: WINDOW SINKs in flight; stream: one-way SINKs)\n\n"
				      : "\nThroughput (throughput: WINDOW SINKs in flight; stream: one-way SINKs)\n");
			put_header(f, md, rep, cols, n);
		}
		char cell[MAXCOL][CELL];
		struct ipl_spread mps = ipl_row_spread(r, ipl_rep_mps);
		label(cell[0], CELL, r);
		fmt_size(cell[1], CELL, r->size);
		snprintf(cell[2], CELL, "%s", ipl_mode_name(r->mode));
		snprintf(cell[3], CELL, "%u", r->clients);
		snprintf(cell[4], CELL, "%u", r->window);
		fmt_cpu(cell[5], CELL, r->cpu_client, r->cpu_server);
		fmt_count(cell[6], CELL, mps.median);
		fmt_count_range(cell[7], CELL, &mps);
		fmt_num(cell[8], CELL, "%.1f", ipl_row_median(r, ipl_rep_mbps));
		fmt_count(cell[9], CELL, mps.median / (r->clients ? r->clients : 1));
		fmt_num(cell[10], CELL, "%.2fx", relative(rep, r));
		fmt_count(cell[11], CELL, (double)row_n(r));
		tail_cells(cell, 12, rep, i);
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
			fprintf(f, "%s%s size %u: client %s -> server %s\n", md ? "- " : "# ", r->mech, r->size,
				x->client_addr, x->server_addr);
		else if (x->failed)
			fprintf(f, "%s%s size %u: server %s, rep 1 failed: %s\n", md ? "- " : "# ", r->mech, r->size,
				x->server_addr[0] ? x->server_addr : rep->connect, x->why[0] ? x->why : "no reason given");
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

/* The last thing a cut-short table says. */
static void interrupted_footer(FILE *f, const struct ipl_report *rep, int md)
{
	if (!rep->interrupted)
		return;
	fprintf(f, "\n%sINTERRUPTED by %s after %zu of %zu runs: the rows above are what finished; "
		   "the rep that was cut short is marked and left out%s\n",
		md ? "**" : "", ipl_intr_name(rep->interrupted), rep->runs_done, rep->runs_total, md ? "**" : "");
}

static void write_table(FILE *f, const struct ipl_report *rep, int md)
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
		snprintf(pl, sizeof pl, "client CPU %d, server CPU %d (%s)", c0, s0, ipl_placement_name(c0, s0));
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
		fprintf(f, "_%s | placement: %s | %s, warm-up %s, %u rep%s_\n", env, pl, runlen, warm, rep->reps,
			rep->reps == 1 ? "" : "s");
	else
		fprintf(f, "# %s\n# placement: %s | %s, warm-up %s, %u rep%s\n", env, pl, runlen, warm, rep->reps,
			rep->reps == 1 ? "" : "s");
	/* MB/s as bench --help defines it: every mode counts one direction */
	char legend[600];
	snprintf(legend, sizeof legend, "p50 and rates: median of the valid reps (min..max across reps%s); tails: "
		 "all valid reps' samples, \"-\" with fewer than 10 beyond the percentile; n: samples; cpu/msg: "
		 "user+sys of %s over the timed loop per message; MB/s: payload bytes one way per message x "
		 "msgs/s / 10^6%s", md || rep->wide ? "" : ": --wide", cpu_scope(rep), md ? "_" : "");
	put_wrapped(f, md, md ? "_" : "# ", "#   ", legend);
	write_latency(f, rep, md);
	write_throughput(f, rep, md);
	write_connect_note(f, rep, md);
	if (!rep->omit_warnings)
		write_warnings(f, rep, md);
	interrupted_footer(f, rep, md);
}

/* ---- CSV --------------------------------------------------------------- */

/* A CSV field, quoted when it holds a comma, quote or newline (RFC 4180). */
static void csv_str(FILE *f, const char *s)
{
	if (!s)
		s = "";
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A percentile of h: "-" when h has too few samples beyond it, empty when
 * nothing was timed. */
static void csv_pct(FILE *f, const struct ipl_hist *h, double p)
{
	if (!h->count)
		fputc(',', f);
	else if (!ipl_pct_supported(h->count, p))
		fputs(",-", f);
	else
		fprintf(f, ",%.0f", (double)ipl_hist_percentile(h, p));
}

/* The status of one rep. */
static const char *rep_status(const struct ipl_run_result *x)
{
	return x->interrupted ? "interrupted" : x->failed ? "failed" : x->st.errors ? "errors" : "ok";
}

/* A number, or an empty field for "not measured" (NaN). */
static void csv_num(FILE *f, const char *fmt, double v)
{
	fputc(',', f);
	if (isfinite(v))
		fprintf(f, fmt, v);
}

const char *const ipl_csv_columns[] = {
	"mechanism", "wait", "baseline", "size_bytes", "mode", "clients", "window",
	"cpu_client", "cpu_server", "placement", "rep", "reps", "iters", "duration_s", "warmup",
	"crc", "status", "msgs", "ok", "errors", "err_seq", "err_len", "err_payload", "err_remote", "failed",
	"why", "elapsed_s", "min_ns", "p50_ns", "p75_ns", "p90_ns", "p95_ns", "p99_ns", "p999_ns",
	"p9999_ns", "max_ns", "mean_ns", "stddev_ns", "msgs_per_s", "mb_per_s",
	"per_client_msgs_per_s", "cpu_ns_per_msg", "ctxsw_per_msg", "valid_reps",
	"median_p50_ns", "min_p50_ns", "max_p50_ns", "median_p99_ns", "median_msgs_per_s",
	"min_msgs_per_s", "max_msgs_per_s", "median_mb_per_s", "overhead_pct", "flags", "machine",
	"server_addr", "client_addr", "n", "cpu_scope",
	NULL,
};

static void write_csv(FILE *f, const struct ipl_report *rep)
{
	char machine[300];
	ipl_env_summary(machine, sizeof machine);
	for (size_t i = 0; ipl_csv_columns[i]; i++)
		fprintf(f, "%s%s", i ? "," : "", ipl_csv_columns[i]);
	fputc('\n', f);
	static const double ladder[] = { 50, 75, 90, 95, 99, 99.9, 99.99 };
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		struct ipl_spread p50 = ipl_row_spread(r, ipl_rep_p50);
		struct ipl_spread mps = ipl_row_spread(r, ipl_rep_mps);
		char flags[128];
		ipl_warn_tokens(ipl_row_check(r, NULL, 0), flags, sizeof flags);
		for (unsigned k = 0; k < r->nreps; k++) {
			const struct ipl_run_result *x = &r->reps[k];
			const struct ipl_hist *h = &x->hist;
			int lat = h->count > 0;
			csv_str(f, r->mech);
			fputc(',', f);
			csv_str(f, r->wait);
			fprintf(f, ",%d,%u,%s,%u,%u,%d,%d,%s,%u,%u,%llu", r->baseline, r->size,
				ipl_mode_name(r->mode), r->clients, r->window, r->cpu_client, r->cpu_server,
				ipl_placement_name(r->cpu_client, r->cpu_server), k + 1, r->nreps,
				(unsigned long long)(rep->duration_s > 0 ? 0 : rep->iters));
			csv_num(f, "%.3f", rep->duration_s > 0 ? rep->duration_s : NAN);
			fprintf(f, ",%llu,%d,%s,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%d,", (unsigned long long)r->warmup,
				rep->crc, rep_status(x),
				(unsigned long long)x->msgs, (unsigned long long)x->st.ok, (unsigned long long)x->st.errors,
				(unsigned long long)x->st.err_seq, (unsigned long long)x->st.err_len,
				(unsigned long long)x->st.err_payload, (unsigned long long)x->st.err_remote,
				x->failed);
			csv_str(f, x->why);
			csv_num(f, "%.6f", (double)x->st.elapsed_ns / 1e9);
			csv_num(f, "%.0f", lat ? (double)h->min : NAN);
			for (size_t p = 0; p < sizeof ladder / sizeof ladder[0]; p++)
				csv_pct(f, h, ladder[p]);
			csv_num(f, "%.0f", lat ? (double)h->max : NAN);
			csv_num(f, "%.1f", lat ? ipl_hist_mean(h) : NAN);
			csv_num(f, "%.1f", lat ? ipl_hist_stddev(h) : NAN);
			csv_num(f, "%.1f", ipl_rep_mps(x));
			csv_num(f, "%.3f", ipl_rep_mbps(x));
			csv_num(f, "%.1f", ipl_rep_mps(x) / (r->clients ? r->clients : 1));
			csv_num(f, "%.1f", ipl_rep_cpu(x));
			csv_num(f, "%.3f", ipl_rep_ctxsw(x));
			fprintf(f, ",%u", valid_reps(r));
			csv_num(f, "%.0f", p50.median);
			csv_num(f, "%.0f", p50.min);
			csv_num(f, "%.0f", p50.max);
			if (r->mode == IPL_MODE_LATENCY && valid_reps(r) && isnan(ipl_row_median(r, ipl_rep_p99)))
				fputs(",-", f); /* too few samples per rep for a p99 */
			else
				csv_num(f, "%.0f", ipl_row_median(r, ipl_rep_p99));
			csv_num(f, "%.1f", mps.median);
			csv_num(f, "%.1f", mps.min);
			csv_num(f, "%.1f", mps.max);
			csv_num(f, "%.3f", ipl_row_median(r, ipl_rep_mbps));
			csv_num(f, "%.2f", ipl_row_overhead_pct(rep, i));
			fputc(',', f);
			csv_str(f, flags);
			fputc(',', f);
			csv_str(f, machine);
			fputc(',', f);
			csv_str(f, x->server_addr);
			fputc(',', f);
			csv_str(f, x->client_addr);
			fprintf(f, ",%llu,%s\n", (unsigned long long)x->msgs, rep->connect ? "client" : "both");
		}
	}
}

/* ---- JSON -------------------------------------------------------------- */

/* Always valid UTF-8, whatever bytes the command line held (env.c). */
static void json_str(FILE *f, const char *s)
{
	ipl_json_str(f, s);
}

static void json_num(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("null", f);
	else
		fprintf(f, "%.3f", v);
}

static void json_hist(FILE *f, const struct ipl_hist *h)
{
	static const struct { const char *k; double p; } ladder[] = {
		{ "p50_ns", 50 }, { "p75_ns", 75 }, { "p90_ns", 90 }, { "p95_ns", 95 }, { "p99_ns", 99 },
		{ "p999_ns", 99.9 }, { "p9999_ns", 99.99 },
	};
	fprintf(f, "{\"count\": %llu, \"min_ns\": %llu", (unsigned long long)h->count,
		(unsigned long long)(h->count ? h->min : 0));
	for (size_t i = 0; i < sizeof ladder / sizeof ladder[0]; i++) {
		/* null: too few samples beyond the percentile */
		if (ipl_pct_supported(h->count, ladder[i].p))
			fprintf(f, ", \"%s\": %llu", ladder[i].k, (unsigned long long)ipl_hist_percentile(h, ladder[i].p));
		else
			fprintf(f, ", \"%s\": null", ladder[i].k);
	}
	fprintf(f, ", \"max_ns\": %llu, \"mean_ns\": ", (unsigned long long)h->max);
	json_num(f, ipl_hist_mean(h));
	fprintf(f, ", \"stddev_ns\": ");
	json_num(f, ipl_hist_stddev(h));
	fputc('}', f);
}

static void json_spread(FILE *f, const char *key, const struct ipl_row *r,
			double (*get)(const struct ipl_run_result *))
{
	struct ipl_spread s = ipl_row_spread(r, get);
	fprintf(f, "\"%s\": {\"median\": ", key);
	json_num(f, s.median);
	fprintf(f, ", \"min\": ");
	json_num(f, s.min);
	fprintf(f, ", \"max\": ");
	json_num(f, s.max);
	fprintf(f, ", \"n\": %u}", s.n);
}

/* The row's warnings as a JSON array of sentences. */
static void json_lines(FILE *f, const char *text)
{
	fputc('[', f);
	int first = 1;
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		char line[1024];
		snprintf(line, sizeof line, "%.*s", (int)len, text);
		fprintf(f, "%s", first ? "" : ", ");
		json_str(f, line);
		first = 0;
		text += len + (nl != NULL);
	}
	fputc(']', f);
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

static void write_json(FILE *f, const struct ipl_report *rep)
{
	char when[32];
	ipl_utc_iso8601(rep->started, when, sizeof when);
	fprintf(f, "{\n  \"schema_version\": %d,\n  \"timestamp_utc\": ", IPL_JSON_SCHEMA_VERSION);
	if (rep->started)
		json_str(f, when);
	else
		fputs("null", f);
	fprintf(f, ",\n  \"environment\": ");
	ipl_env_write_json(f);
	fprintf(f, ",\n  \"settings\": {\"command\": ");
	json_str(f, rep->argv_line);
	fprintf(f, ", \"iters\": %llu, \"duration_s\": ", (unsigned long long)rep->iters);
	json_num(f, rep->duration_s > 0 ? rep->duration_s : NAN);
	fprintf(f, ", \"warmup\": %llu, \"reps\": %u, \"window\": %u, \"cap_bytes\": %u, \"crc\": %s, "
		   "\"baseline\": %s, \"timeout_s\": ",
		(unsigned long long)rep->warmup, rep->reps, rep->window, rep->cap, rep->crc ? "true" : "false",
		rep->baseline ? "true" : "false");
	json_num(f, rep->timeout_s);
	fprintf(f, ", \"wait\": ");
	json_str(f, rep->wait ? rep->wait : "block");
	fprintf(f, ", \"via\": ");
	if (rep->via)
		json_str(f, rep->via);
	else
		fputs("null", f);
	fprintf(f, ", \"connect\": ");
	if (rep->connect)
		json_str(f, rep->connect);
	else
		fputs("null", f);
	fprintf(f, ", \"placements\": [");
	for (size_t i = 0, n = 0; i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		int seen = 0;
		for (size_t j = 0; j < i; j++)
			seen |= rep->rows[j].cpu_client == r->cpu_client && rep->rows[j].cpu_server == r->cpu_server;
		if (seen)
			continue;
		fprintf(f, "%s{\"cpu_client\": %d, \"cpu_server\": %d, \"placement\": \"%s\"", n++ ? ", " : "",
			r->cpu_client, r->cpu_server, ipl_placement_name(r->cpu_client, r->cpu_server));
		if (r->cpu_client >= 0 && r->cpu_client == r->cpu_server)
			fprintf(f, ", \"note\": \"client and server share CPU %d: every hand-off is a context "
				   "switch\"", r->cpu_client);
		fputc('}', f);
	}
	fprintf(f, "], \"spread_warn\": %.2f, \"first_slow_warn\": %.2f, \"cpu_scope\": \"%s\"},\n",
		IPL_SPREAD_WARN, IPL_FIRST_SLOW_WARN, rep->connect ? "client" : "both");
	fprintf(f, "  \"interrupted\": %s, \"interrupted_by\": ", rep->interrupted ? "true" : "false");
	if (rep->interrupted)
		json_str(f, ipl_intr_name(rep->interrupted));
	else
		fputs("null", f);
	fprintf(f, ", \"runs_done\": %zu, \"runs_total\": %zu,\n", rep->runs_done, rep->runs_total);

	char text[4096];
	fprintf(f, "  \"warnings\": [");
	int first = 1;
	for (size_t i = 0; i < rep->nrows; i++) {
		if (!ipl_row_check(&rep->rows[i], text, sizeof text))
			continue;
		for (const char *t = text; *t;) {
			const char *nl = strchr(t, '\n');
			size_t len = nl ? (size_t)(nl - t) : strlen(t);
			char line[1024];
			snprintf(line, sizeof line, "%.*s", (int)len, t);
			fprintf(f, "%s\n    ", first ? "" : ",");
			json_str(f, line);
			first = 0;
			t += len + (nl != NULL);
		}
	}
	fprintf(f, "%s],\n  \"results\": [", first ? "" : "\n  ");
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		unsigned bits = ipl_row_check(r, text, sizeof text);
		char flags[128];
		fprintf(f, "%s\n    {\"mechanism\": ", i ? "," : "");
		json_str(f, r->mech);
		fprintf(f, ", \"wait\": ");
		json_str(f, r->wait ? r->wait : "");
		fprintf(f, ", \"baseline\": %s, \"size_bytes\": %u, \"mode\": \"%s\", \"clients\": %u, \"window\": %u, "
			   "\"cpu_client\": %d, \"cpu_server\": %d, \"placement\": \"%s\",\n"
			   "     \"status\": \"%s\", \"flags\": ",
			r->baseline ? "true" : "false", r->size, ipl_mode_name(r->mode), r->clients, r->window,
			r->cpu_client, r->cpu_server, ipl_placement_name(r->cpu_client, r->cpu_server),
			row_status(bits));
		json_str(f, ipl_warn_tokens(bits, flags, sizeof flags));
		fprintf(f, ", \"warnings\": ");
		json_lines(f, text);
		fprintf(f, ", \"warmup\": %llu, \"errors\": %llu, \"failed\": %s, \"valid_reps\": %u, \"reps_total\": %u,\n     ",
			(unsigned long long)r->warmup, (unsigned long long)row_errors(r), bits & IPL_WARN_FAILED ? "true" : "false", valid_reps(r),
			r->nreps);
		fprintf(f, "\"n\": %llu, ", (unsigned long long)row_n(r));
		json_spread(f, "p50_ns", r, ipl_rep_p50);
		fprintf(f, ", ");
		json_spread(f, "p99_ns", r, ipl_rep_p99);
		fprintf(f, ",\n     ");
		json_spread(f, "msgs_per_s", r, ipl_rep_mps);
		fprintf(f, ", ");
		json_spread(f, "mb_per_s", r, ipl_rep_mbps);
		fprintf(f, ",\n     ");
		json_spread(f, "cpu_ns_per_msg", r, ipl_rep_cpu);
		fprintf(f, ", ");
		json_spread(f, "ctxsw_per_msg", r, ipl_rep_ctxsw);
		fprintf(f, ",\n     \"per_client_msgs_per_s\": ");
		json_num(f, ipl_row_median(r, ipl_rep_mps) / (r->clients ? r->clients : 1));
		fprintf(f, ", \"relative\": ");
		json_num(f, relative(rep, r));
		fprintf(f, ", \"overhead_pct\": ");
		json_num(f, ipl_row_overhead_pct(rep, i));
		fprintf(f, ",\n     \"latency\": ");
		json_hist(f, &r->merged);
		fprintf(f, ",\n     \"median_p50_ns\": ");
		json_num(f, ipl_row_median(r, ipl_rep_p50));
		fprintf(f, ", \"median_msgs_per_s\": ");
		json_num(f, ipl_row_median(r, ipl_rep_mps));
		fprintf(f, ", \"median_mb_per_s\": ");
		json_num(f, ipl_row_median(r, ipl_rep_mbps));
		fprintf(f, ",\n     \"reps\": [");
		for (unsigned k = 0; k < r->nreps; k++) {
			const struct ipl_run_result *x = &r->reps[k];
			fprintf(f, "%s\n       {\"rep\": %u, \"valid\": %s, \"msgs\": %llu, \"ok\": %llu, \"errors\": %llu, "
				   "\"err_seq\": %llu, \"err_len\": %llu, \"err_payload\": %llu, \"err_remote\": %llu, "
				   "\"failed\": %s, \"interrupted\": %s, \"n\": %llu, \"why\": ",
				k ? "," : "", k + 1, ipl_rep_valid(x) ? "true" : "false", (unsigned long long)x->msgs,
				(unsigned long long)x->st.ok,
				(unsigned long long)x->st.errors, (unsigned long long)x->st.err_seq,
				(unsigned long long)x->st.err_len, (unsigned long long)x->st.err_payload,
				(unsigned long long)x->st.err_remote, x->failed ? "true" : "false",
				x->interrupted ? "true" : "false", (unsigned long long)x->msgs);
			json_str(f, x->why);
			fprintf(f, ", \"server_addr\": ");
			json_str(f, x->server_addr);
			fprintf(f, ", \"client_addr\": ");
			json_str(f, x->client_addr);
			fprintf(f, ", \"elapsed_s\": ");
			json_num(f, (double)x->st.elapsed_ns / 1e9);
			fprintf(f, ", \"msgs_per_s\": ");
			json_num(f, ipl_rep_mps(x));
			fprintf(f, ", \"mb_per_s\": ");
			json_num(f, ipl_rep_mbps(x));
			fprintf(f, ", \"cpu_ns_per_msg\": ");
			json_num(f, ipl_rep_cpu(x));
			fprintf(f, ", \"ctxsw_per_msg\": ");
			json_num(f, ipl_rep_ctxsw(x));
			fprintf(f, ", \"latency\": ");
			json_hist(f, &x->hist);
			fputc('}', f);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "\n  ]\n}\n");
}

void ipl_report_write(FILE *out, const struct ipl_report *rep, enum ipl_format fmt)
{
	switch (fmt) {
	case IPL_FMT_TABLE: write_table(out, rep, 0); break;
	case IPL_FMT_MD: write_table(out, rep, 1); break;
	case IPL_FMT_CSV: write_csv(out, rep); break;
	case IPL_FMT_JSON: write_json(out, rep); break;
	}
}
