/* compare_out.c - `ipclab compare` written as a table, CSV, JSON or
 * Markdown.  Every format carries the same figures: per row old and new
 * p50 and msgs/s (medians over the valid reps; load rows also their offered
 * rate), which figure the ratio is of, the ratio new/old, its 95% interval, the verdict and how the interval
 * was found; rows found in one run only are listed after the matched ones. */
#include "bench/report/compare.h"
#include "bench/run/fmt.h"
#include "bench/report/json.h"

#include <math.h>
#include <string.h>

/* Median of the positive values of a row's figure (p50 or msgs/s), NaN when none. */
static double row_median(const struct ipl_cmp_row *r, int mps)
{
	double v[IPL_CMP_MAX_REPS];
	size_t n = 0;
	if (!r)
		return NAN;
	for (unsigned k = 0; k < r->nreps; k++)
		if ((mps ? r->mps[k] : r->p50[k]) > 0)
			v[n++] = mps ? r->mps[k] : r->p50[k];
	return n ? ipl_cmp_median(v, n) : NAN;
}

/* The text cells of a line, shared by every format. */
struct cells {
	char what[160], old_p50[32], new_p50[32], old_mps[32], new_mps[32], ratio[32], ci[48];
	const char *by, *verdict, *method;
};

static void line_cells(const struct ipl_cmp_line *l, struct cells *c)
{
	const struct ipl_cmp_row *r = l->old ? l->old : l->new;
	char sz[16], lo[16], hi[16], rate[24] = "";
	if (r->rate > 0) { /* a load row: "load 10.0k/s" */
		char n[16];
		snprintf(rate, sizeof rate, " %s/s", ipl_fmt_count(n, sizeof n, r->rate));
	}
	snprintf(c->what, sizeof c->what, "%s %s %s%s c%u %s", r->mech,
		 ipl_fmt_size(sz, sizeof sz, r->size), r->mode, rate, r->clients, r->placement);
	ipl_fmt_ns(c->old_p50, sizeof c->old_p50, row_median(l->old, 0));
	ipl_fmt_ns(c->new_p50, sizeof c->new_p50, row_median(l->new, 0));
	ipl_fmt_count(c->old_mps, sizeof c->old_mps, row_median(l->old, 1));
	ipl_fmt_count(c->new_mps, sizeof c->new_mps, row_median(l->new, 1));
	ipl_fmt_num(c->ratio, sizeof c->ratio, "%.3f", l->ratio);
	if (isnan(l->lo))
		snprintf(c->ci, sizeof c->ci, "-");
	else
		snprintf(c->ci, sizeof c->ci, "%s..%s", ipl_fmt_num(lo, sizeof lo, "%.3f", l->lo),
			 ipl_fmt_num(hi, sizeof hi, "%.3f", l->hi));
	c->by = l->rate ? "msgs/s" : "p50";
	c->verdict = !l->new ? "only in OLD"
		   : !l->old ? "only in NEW"
			     : ipl_cmp_verdict_name(l->verdict);
	c->method = l->old && l->new ? ipl_cmp_method_name(l->method) : "-";
}

static void write_text(FILE *f, const struct ipl_cmp_result *res, int md)
{
	static const char *const head[] = { "row",      "old p50", "new p50", "old msgs/s", "new msgs/s",
					    "ratio of", "new/old", "95% CI",  "verdict",    "CI method" };
	const char *fmt = md ? "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n"
			     : "%-38s %9s %9s %10s %10s %-8s %7s %-13s %-13s %s\n";
	fprintf(f, fmt, head[0], head[1], head[2], head[3], head[4], head[5], head[6], head[7], head[8],
		head[9]);
	if (md)
		fputs("|---|--:|--:|--:|--:|---|--:|---|---|---|\n", f);
	for (size_t i = 0; i < res->n; i++) {
		struct cells c;
		line_cells(&res->lines[i], &c);
		fprintf(f, fmt, c.what, c.old_p50, c.new_p50, c.old_mps, c.new_mps, c.by, c.ratio, c.ci,
			c.verdict, c.method);
	}
	if (md)
		fputc('\n', f);
	fprintf(f,
		"%sCI: bootstrap = %u resamples of the valid reps (seeded); histogram = one rep, the order-statistic"
		" interval of each p50 from its histogram; none = no interval (verdict n/a).\n",
		md ? "\n" : "", IPL_CMP_RESAMPLES);
}

/* A CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
static void csv_field(FILE *f, const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++)
			fprintf(f, *s == '"' ? "\"\"" : "%c", *s);
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static void write_csv(FILE *f, const struct ipl_cmp_result *res)
{
	fputs("mechanism,size_bytes,mode,clients,placement,old_p50_ns,new_p50_ns,old_msgs_per_s,new_msgs_per_s,"
	      "ratio_of,ratio,ci_low,ci_high,verdict,ci_method,offered_rate_msgs_per_s\n",
	      f);
	for (size_t i = 0; i < res->n; i++) {
		const struct ipl_cmp_line *l = &res->lines[i];
		const struct ipl_cmp_row *r = l->old ? l->old : l->new;
		struct cells c;
		char v[8][32];
		line_cells(l, &c);
		csv_field(f, r->mech, 0);
		fprintf(f, "%u,", r->size);
		csv_field(f, r->mode, 0);
		fprintf(f, "%u,", r->clients);
		csv_field(f, r->placement, 0);
		fprintf(f, "%s,%s,%s,%s,%s,%s,%s,%s,", ipl_fmt_num(v[0], 32, "%.0f", row_median(l->old, 0)),
			ipl_fmt_num(v[1], 32, "%.0f", row_median(l->new, 0)),
			ipl_fmt_num(v[2], 32, "%.1f", row_median(l->old, 1)),
			ipl_fmt_num(v[3], 32, "%.1f", row_median(l->new, 1)), c.by,
			ipl_fmt_num(v[4], 32, "%.4f", l->ratio), ipl_fmt_num(v[5], 32, "%.4f", l->lo),
			ipl_fmt_num(v[6], 32, "%.4f", l->hi));
		fprintf(f, "%s,%s,%s\n", c.verdict, c.method,
			ipl_fmt_num(v[7], 32, "%.1f", r->rate > 0 ? r->rate : NAN)); /* load rows only */
	}
}

static void json_line(struct ipl_json *j, const struct ipl_cmp_line *l)
{
	const struct ipl_cmp_row *r = l->old ? l->old : l->new;
	struct cells c;
	line_cells(l, &c);
	ipl_json_begin_object(j, IPL_JSON_INLINE);
	ipl_json_key(j, "mechanism");
	ipl_json_string(j, r->mech);
	ipl_json_key(j, "size_bytes");
	ipl_json_uint(j, r->size);
	ipl_json_key(j, "mode");
	ipl_json_string(j, r->mode);
	ipl_json_key(j, "clients");
	ipl_json_uint(j, r->clients);
	ipl_json_key(j, "placement");
	ipl_json_string(j, r->placement);
	if (r->rate > 0) { /* load rows only */
		ipl_json_key(j, "offered_rate_msgs_per_s");
		ipl_json_number(j, r->rate);
	}
	ipl_json_key(j, "old_p50_ns");
	ipl_json_number(j, row_median(l->old, 0));
	ipl_json_key(j, "new_p50_ns");
	ipl_json_number(j, row_median(l->new, 0));
	ipl_json_key(j, "old_msgs_per_s");
	ipl_json_number(j, row_median(l->old, 1));
	ipl_json_key(j, "new_msgs_per_s");
	ipl_json_number(j, row_median(l->new, 1));
	ipl_json_key(j, "ratio_of");
	ipl_json_string(j, c.by);
	ipl_json_key(j, "ratio");
	ipl_json_fixed(j, l->ratio, 4);
	ipl_json_key(j, "ci_low");
	ipl_json_fixed(j, l->lo, 4);
	ipl_json_key(j, "ci_high");
	ipl_json_fixed(j, l->hi, 4);
	ipl_json_key(j, "verdict");
	ipl_json_string(j, c.verdict);
	ipl_json_key(j, "ci_method");
	ipl_json_string(j, c.method);
	ipl_json_end_object(j);
}

static void write_json(FILE *f, const struct ipl_cmp_result *res, const char *warn)
{
	struct ipl_json j;
	ipl_json_init(&j, f);
	ipl_json_begin_object(&j, IPL_JSON_LINES | IPL_JSON_CLOSE_LINE);
	ipl_json_key(&j, "environment_differs");
	ipl_json_string_or_null(&j, warn[0] ? warn : NULL);
	ipl_json_key(&j, "resamples");
	ipl_json_uint(&j, IPL_CMP_RESAMPLES);
	ipl_json_key(&j, "rows");
	ipl_json_begin_array(&j, IPL_JSON_LINES | IPL_JSON_CLOSE_LINE);
	for (size_t i = 0; i < res->n; i++)
		json_line(&j, &res->lines[i]);
	ipl_json_end_array(&j);
	ipl_json_end_object(&j);
	fputc('\n', f);
}

void ipl_cmp_write(FILE *f, const struct ipl_cmp_run *old, const struct ipl_cmp_run *new,
		   const struct ipl_cmp_result *res, enum ipl_format fmt)
{
	char warn[2048];
	if (!ipl_cmp_env_diff(old, new, warn, sizeof warn))
		warn[0] = '\0';
	if (fmt == IPL_FMT_JSON) {
		write_json(f, res, warn);
		return;
	}
	if (warn[0] && fmt != IPL_FMT_CSV)
		fprintf(f, "%swarning: the runs differ: %s\n%s", fmt == IPL_FMT_MD ? "> " : "", warn,
			fmt == IPL_FMT_MD ? "\n" : "");
	if (fmt == IPL_FMT_CSV)
		write_csv(f, res);
	else
		write_text(f, res, fmt == IPL_FMT_MD);
}
