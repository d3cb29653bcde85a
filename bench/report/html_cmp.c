/* html_cmp.c - the comparison of two runs in the HTML report, computed by
 * compare.c (ipl_cmp_match: ratio, 95% interval, verdict per row) and laid
 * out here as a sortable table; the names come from the files: escaped. */
#include "bench/report/html.h"

#include <math.h>
#include <string.h>

static double row_median(const struct ipl_cmp_row *r, int mps)
{
	double v[IPL_CMP_MAX_REPS];
	size_t n = 0;
	for (unsigned k = 0; r && k < r->nreps; k++)
		if ((mps ? r->mps[k] : r->p50[k]) > 0)
			v[n++] = mps ? r->mps[k] : r->p50[k];
	return n ? ipl_cmp_median(v, n) : NAN;
}

/* A numeric cell: data-v for sorting, "-" for NaN. */
static void num_cell(FILE *f, double v, const char *fmt)
{
	if (!isfinite(v)) {
		fputs("<td>-</td>", f);
		return;
	}
	fprintf(f, "<td data-v='%.17g'>", v);
	fprintf(f, fmt, v);
	fputs("</td>", f);
}

static void text_cell(FILE *f, const char *s, const char *cls)
{
	fprintf(f, "<td%s%s%s>", cls ? " class='" : "", cls ? cls : "", cls ? "'" : "");
	ipl_html_esc(f, s);
	fputs("</td>", f);
}

static void line_row(FILE *f, const struct ipl_cmp_line *l)
{
	const struct ipl_cmp_row *r = l->old ? l->old : l->new;
	const char *verdict = !l->new ? "only in old"
			    : !l->old ? "only in new"
				      : ipl_cmp_verdict_name(l->verdict);
	char ci[64] = "-";
	if (!isnan(l->lo))
		snprintf(ci, sizeof ci, "%.3f..%.3f", l->lo, l->hi);
	fputs("<tr>", f);
	text_cell(f, r->mech, NULL);
	num_cell(f, r->size, "%.0f");
	text_cell(f, r->mode, NULL);
	num_cell(f, r->clients, "%.0f");
	text_cell(f, r->placement, NULL);
	text_cell(f, l->rate ? "msgs/s" : "p50 ns", NULL);
	num_cell(f, row_median(l->old, l->rate), "%.0f");
	num_cell(f, row_median(l->new, l->rate), "%.0f");
	num_cell(f, l->old && l->new ? l->ratio : NAN, "%.3f");
	text_cell(f, ci, NULL);
	text_cell(f, verdict,
		  !strcmp(verdict, "slower")   ? "slower"
		  : !strcmp(verdict, "faster") ? "faster"
					       : NULL);
	text_cell(f, l->old && l->new ? ipl_cmp_method_name(l->method) : "-", NULL);
	fputs("</tr>\n", f);
}

void ipl_html_compare(FILE *f, const struct ipl_cmp_run *old, const struct ipl_cmp_run *new,
		      const struct ipl_cmp_result *cmp)
{
	static const char *const head[] = { "mechanism", "size (B)", "mode",    "clients",
					    "placement", "figure",   "old",     "new",
					    "new/old",   "95% CI",   "verdict", "CI method" };
	char diff[2048];
	fputs("<section id='comparison'><h2>Comparison: new against old</h2>\n", f);
	if (ipl_cmp_env_diff(old, new, diff, sizeof diff)) {
		fputs("<p class='warn'>The runs differ: ", f);
		ipl_html_esc(f, diff);
		fputs("</p>\n", f);
	}
	fputs("<table class='sortable' id='compare-table'><thead><tr>", f);
	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		fprintf(f, "<th>%s</th>", head[i]);
	fputs("</tr></thead><tbody>\n", f);
	for (size_t i = 0; i < cmp->n; i++)
		line_row(f, &cmp->lines[i]);
	fprintf(f,
		"</tbody></table>\n<p class='note'>new/old: of p50 for latency and load rows (above 1 is"
		" slower), of msgs/s for throughput and stream rows (above 1 is faster); no difference when"
		" the 95%% interval holds 1.  Bootstrap: %u resamples of the valid reps (seeded); histogram:"
		" one rep, the order-statistic interval of each p50.</p></section>\n",
		IPL_CMP_RESAMPLES);
}
