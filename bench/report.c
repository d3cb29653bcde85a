/* report.c - the results as a terminal table, CSV, JSON or Markdown.
 * Every format carries the same numbers; units are in the column names. */
#include "bench.h"
#include "env.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double ipl_rep_p50(const struct ipl_run_result *r)
{
	return (double)ipl_hist_percentile(&r->hist, 50);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double ipl_row_median(const struct ipl_row *r, double (*get)(const struct ipl_run_result *))
{
	double v[r->nreps ? r->nreps : 1];
	unsigned n = 0;
	for (unsigned i = 0; i < r->nreps; i++)
		if (!r->reps[i].failed)
			v[n++] = get(&r->reps[i]);
	if (!n)
		return NAN;
	qsort(v, n, sizeof v[0], cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double get_mps(const struct ipl_run_result *r) { return r->msgs_per_s; }
static double get_mbps(const struct ipl_run_result *r) { return r->mb_per_s; }

static uint64_t row_errors(const struct ipl_row *r, int *failed)
{
	uint64_t e = 0;
	*failed = 0;
	for (unsigned i = 0; i < r->nreps; i++) {
		e += r->reps[i].st.errors;
		*failed |= r->reps[i].failed;
	}
	return e;
}

static const char *fmt_ns(char *buf, size_t len, double ns)
{
	if (isnan(ns))
		snprintf(buf, len, "-");
	else if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else
		snprintf(buf, len, "%.2f ms", ns / 1e6);
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

static const char *placement(char *buf, size_t len, int c, int s)
{
	if (c < 0 && s < 0)
		snprintf(buf, len, "unpinned");
	else
		snprintf(buf, len, "%d,%d%s", c, s, c == s ? " (same core)" : "");
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

/* Fastest median p50 among latency rows of the same size, for "relative". */
static double fastest_p50(const struct ipl_report *rep, const struct ipl_row *r)
{
	double best = NAN;
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *o = &rep->rows[i];
		if (o->size != r->size || o->mode != r->mode || o->clients != r->clients)
			continue;
		double v = ipl_row_median(o, ipl_rep_p50);
		if (!isnan(v) && (isnan(best) || v < best))
			best = v;
	}
	return best;
}

/* One cell: Markdown "| x ", or padded to width (left-aligned for text). */
static void put_cell(FILE *f, int md, int left, int width, const char *text)
{
	if (md)
		fprintf(f, "| %s ", text);
	else if (left)
		fprintf(f, "%-*s ", width, text);
	else
		fprintf(f, "%*s ", width, text);
}

static void write_table(FILE *f, const struct ipl_report *rep, int md)
{
	char pl[48];
	if (rep->nrows)
		fprintf(f, "%splacement client,server: %s   iters %llu   warm-up %llu   reps %u (median shown)\n%s",
			md ? "_" : "# ", placement(pl, sizeof pl, rep->rows[0].cpu_client, rep->rows[0].cpu_server),
			(unsigned long long)rep->iters, (unsigned long long)rep->warmup, rep->reps, md ? "_\n\n" : "");
	const char *hdr[] = { "mechanism", "size", "mode", "clients", "p50", "p90", "p99", "p99.9",
			      "max", "mean", "msgs/s", "MB/s", "relative", "errors" };
	int w[] = { 14, 6, 10, 7, 10, 10, 10, 10, 10, 10, 11, 9, 8, 7 };
	size_t ncol = sizeof w / sizeof w[0];
	for (size_t i = 0; i < ncol; i++)
		put_cell(f, md, i < 3, w[i], hdr[i]);
	fprintf(f, md ? "|\n" : "\n");
	if (md) {
		for (size_t i = 0; i < ncol; i++)
			fprintf(f, i < 3 ? "|---" : "|--:");
		fprintf(f, "|\n");
	}
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		char cells[14][40];
		int failed;
		uint64_t errs = row_errors(r, &failed);
		label(cells[0], 40, r);
		fmt_size(cells[1], 40, r->size);
		snprintf(cells[2], 40, "%s", ipl_mode_name(r->mode));
		snprintf(cells[3], 40, "%u", r->clients);
		double pct[] = { 50, 90, 99, 99.9 };
		for (int k = 0; k < 4; k++)
			fmt_ns(cells[4 + k], 40, r->merged.count ? (double)ipl_hist_percentile(&r->merged, pct[k]) : NAN);
		fmt_ns(cells[8], 40, r->merged.count ? (double)r->merged.max : NAN);
		fmt_ns(cells[9], 40, r->merged.count ? ipl_hist_mean(&r->merged) : NAN);
		snprintf(cells[10], 40, "%.0f", ipl_row_median(r, get_mps));
		snprintf(cells[11], 40, "%.1f", ipl_row_median(r, get_mbps));
		double best = fastest_p50(rep, r), mine = ipl_row_median(r, ipl_rep_p50);
		if (r->mode == IPL_MODE_LATENCY && !isnan(best) && best > 0 && !isnan(mine))
			snprintf(cells[12], 40, "%.2fx", mine / best);
		else
			snprintf(cells[12], 40, "-");
		snprintf(cells[13], 40, "%llu%s", (unsigned long long)errs, failed ? " FAIL" : "");
		for (size_t k = 0; k < ncol; k++)
			put_cell(f, md, k < 3, w[k], cells[k]);
		fprintf(f, md ? "|\n" : "\n");
	}
	for (size_t i = 0; rep->show_addrs && i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		if (r->nreps)
			fprintf(f, "%s%s size %u: client %s -> server %s\n", md ? "- " : "# ", r->mech, r->size,
				r->reps[0].client_addr[0] ? r->reps[0].client_addr : "(unknown)",
				r->reps[0].server_addr);
	}
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		for (unsigned k = 0; k < r->nreps; k++)
			if (r->reps[k].failed)
				fprintf(f, "%sFAILED %s size %u rep %u: %s\n", md ? "- " : "! ", r->mech,
					r->size, k + 1, r->reps[k].why);
	}
}

/* A CSV field: quoted only when it holds a comma, quote or line break. */
static void csv_str(FILE *f, const char *s)
{
	if (!s || !strpbrk(s, ",\"\r\n")) {
		fputs(s ? s : "", f);
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

static void write_csv(FILE *f, const struct ipl_report *rep)
{
	fprintf(f, "mechanism,wait,size_bytes,mode,clients,window,cpu_client,cpu_server,rep,"
		   "iters,ok,errors,err_seq,err_len,err_payload,err_remote,failed,"
		   "min_ns,p50_ns,p90_ns,p99_ns,p999_ns,p9999_ns,max_ns,mean_ns,stddev_ns,"
		   "msgs_per_s,mb_per_s,cpu_ns_per_msg,ctxsw_per_msg,server_addr,client_addr\n");
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		for (unsigned k = 0; k < r->nreps; k++) {
			const struct ipl_run_result *x = &r->reps[k];
			const struct ipl_hist *h = &x->hist;
			fprintf(f, "%s,%s,%u,%s,%u,%u,%d,%d,%u,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%d,",
				r->mech, r->wait ? r->wait : "", r->size, ipl_mode_name(r->mode), r->clients,
				r->window, r->cpu_client, r->cpu_server, k + 1,
				(unsigned long long)rep->iters, (unsigned long long)x->st.ok,
				(unsigned long long)x->st.errors, (unsigned long long)x->st.err_seq,
				(unsigned long long)x->st.err_len, (unsigned long long)x->st.err_payload,
				(unsigned long long)x->st.err_remote, x->failed);
			fprintf(f, "%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.1f,%.1f,%.1f,%.3f,%.1f,%.3f,",
				(unsigned long long)(h->count ? h->min : 0),
				(unsigned long long)ipl_hist_percentile(h, 50),
				(unsigned long long)ipl_hist_percentile(h, 90),
				(unsigned long long)ipl_hist_percentile(h, 99),
				(unsigned long long)ipl_hist_percentile(h, 99.9),
				(unsigned long long)ipl_hist_percentile(h, 99.99),
				(unsigned long long)h->max, ipl_hist_mean(h), ipl_hist_stddev(h),
				x->msgs_per_s, x->mb_per_s, x->cpu_ns_per_msg, x->ctxsw_per_msg);
			csv_str(f, x->server_addr);
			fputc(',', f);
			csv_str(f, x->client_addr);
			fputc('\n', f);
		}
	}
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", f);
	else
		fprintf(f, "%.3f", v);
}

static void json_hist(FILE *f, const struct ipl_hist *h)
{
	static const struct { const char *k; double p; } ladder[] = {
		{ "p50_ns", 50 }, { "p75_ns", 75 }, { "p90_ns", 90 }, { "p99_ns", 99 },
		{ "p999_ns", 99.9 }, { "p9999_ns", 99.99 },
	};
	fprintf(f, "{\"count\": %llu, \"min_ns\": %llu", (unsigned long long)h->count,
		(unsigned long long)(h->count ? h->min : 0));
	for (size_t i = 0; i < sizeof ladder / sizeof ladder[0]; i++)
		fprintf(f, ", \"%s\": %llu", ladder[i].k, (unsigned long long)ipl_hist_percentile(h, ladder[i].p));
	fprintf(f, ", \"max_ns\": %llu, \"mean_ns\": ", (unsigned long long)h->max);
	json_num(f, ipl_hist_mean(h));
	fprintf(f, ", \"stddev_ns\": ");
	json_num(f, ipl_hist_stddev(h));
	fputc('}', f);
}

static void write_json(FILE *f, const struct ipl_report *rep)
{
	fprintf(f, "{\n  \"environment\": ");
	ipl_env_write_json(f);
	fprintf(f, ",\n  \"settings\": {\"command\": ");
	json_str(f, rep->argv_line);
	fprintf(f, ", \"iters\": %llu, \"warmup\": %llu, \"reps\": %u},\n  \"results\": [",
		(unsigned long long)rep->iters, (unsigned long long)rep->warmup, rep->reps);
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct ipl_row *r = &rep->rows[i];
		int failed;
		uint64_t errs = row_errors(r, &failed);
		fprintf(f, "%s\n    {\"mechanism\": ", i ? "," : "");
		json_str(f, r->mech);
		fprintf(f, ", \"wait\": ");
		json_str(f, r->wait ? r->wait : "");
		fprintf(f, ", \"size_bytes\": %u, \"mode\": \"%s\", \"clients\": %u, \"window\": %u, "
			   "\"cpu_client\": %d, \"cpu_server\": %d, \"errors\": %llu, \"failed\": %s,\n"
			   "     \"latency\": ",
			r->size, ipl_mode_name(r->mode), r->clients, r->window, r->cpu_client,
			r->cpu_server, (unsigned long long)errs, failed ? "true" : "false");
		json_hist(f, &r->merged);
		fprintf(f, ",\n     \"median_p50_ns\": ");
		json_num(f, ipl_row_median(r, ipl_rep_p50));
		fprintf(f, ", \"median_msgs_per_s\": ");
		json_num(f, ipl_row_median(r, get_mps));
		fprintf(f, ", \"median_mb_per_s\": ");
		json_num(f, ipl_row_median(r, get_mbps));
		fprintf(f, ",\n     \"reps\": [");
		for (unsigned k = 0; k < r->nreps; k++) {
			const struct ipl_run_result *x = &r->reps[k];
			fprintf(f, "%s\n       {\"rep\": %u, \"ok\": %llu, \"errors\": %llu, \"failed\": %s, \"why\": ",
				k ? "," : "", k + 1, (unsigned long long)x->st.ok,
				(unsigned long long)x->st.errors, x->failed ? "true" : "false");
			json_str(f, x->why);
			fprintf(f, ", \"server_addr\": ");
			json_str(f, x->server_addr);
			fprintf(f, ", \"client_addr\": ");
			json_str(f, x->client_addr);
			fprintf(f, ", \"msgs_per_s\": ");
			json_num(f, x->msgs_per_s);
			fprintf(f, ", \"mb_per_s\": ");
			json_num(f, x->mb_per_s);
			fprintf(f, ", \"cpu_ns_per_msg\": ");
			json_num(f, x->cpu_ns_per_msg);
			fprintf(f, ", \"ctxsw_per_msg\": ");
			json_num(f, x->ctxsw_per_msg);
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
