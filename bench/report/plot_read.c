/* plot_read.c - the benchmark CSV read back for `ipclab plot` (plot_read.h).
 *
 * The file is hostile input as far as this reader goes: fields may be
 * quoted, missing or garbage; every row is bounded (MAXF fields) and every
 * allocation checked.  Columns are found by the names csv.c writes
 * (ipl_csv_columns), so the writer and the reader cannot drift apart. */
#include "bench/report/plot_read.h"
#include "bench/report/csv.h"
#include "bench/report/facts.h"
#include "bench/run/stats.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXF 96

/* Splits one CSV line in place (RFC 4180 quotes).  Returns the field count. */
static int split_csv(char *line, char **field, int max)
{
	int n = 0;
	char *p = line;
	line[strcspn(line, "\r\n")] = '\0';
	for (;;) {
		if (n == max)
			return n;
		if (*p == '"') {
			char *out = ++p;
			field[n++] = out;
			while (*p) {
				if (*p == '"' && p[1] == '"') {
					*out++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*out++ = *p++;
				}
			}
			char *next = strchr(p, ',');
			*out = '\0';
			if (!next)
				return n;
			p = next + 1;
		} else {
			field[n++] = p;
			char *next = strchr(p, ',');
			if (!next)
				return n;
			*next = '\0';
			p = next + 1;
		}
	}
}

/* A CSV number; NaN for an empty field (not measured) and for "-" (a
 * percentile the samples cannot support): such points are not drawn. */
static double num(const char *s)
{
	if (!s || !*s || !strcmp(s, "-"))
		return NAN;
	char *end;
	double v = strtod(s, &end);
	return *end ? NAN : v;
}

static struct ipl_plot_group *group_of(struct ipl_plot_data *d, const char *label, const char *mode,
				       int baseline, unsigned size, unsigned clients, int c, int s, double rate)
{
	for (size_t i = 0; i < d->n; i++) {
		struct ipl_plot_group *g = &d->g[i];
		if (!strcmp(g->label, label) && !strcmp(g->mode, mode) && g->size == size &&
		    g->clients == clients && g->cpu_c == c && g->cpu_s == s && g->rate == rate)
			return g;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		struct ipl_plot_group *ng = realloc(d->g, cap * sizeof *ng);
		if (!ng)
			return NULL;
		d->g = ng;
		d->cap = cap;
	}
	struct ipl_plot_group *g = &d->g[d->n++];
	memset(g, 0, sizeof *g);
	snprintf(g->label, sizeof g->label, "%s", label);
	snprintf(g->mode, sizeof g->mode, "%s", mode);
	g->baseline = baseline;
	g->size = size;
	g->clients = clients;
	g->cpu_c = c;
	g->cpu_s = s;
	g->rate = rate;
	return g;
}

/* Where each column is in this file: idx[IPL_CSV_*] is a field number, or
 * -1 when the file has no such column. */
static int find_columns(char *header, int idx[IPL_CSV_NCOL])
{
	char *field[MAXF];
	int nf = split_csv(header, field, MAXF);
	static const enum ipl_csv_col need[] = { IPL_CSV_MECH, IPL_CSV_SIZE, IPL_CSV_MODE, IPL_CSV_P50,
						 IPL_CSV_P99,  IPL_CSV_MPS,  IPL_CSV_MBPS };
	for (int c = 0; c < IPL_CSV_NCOL; c++) {
		idx[c] = -1;
		for (int i = 0; i < nf; i++)
			if (!strcmp(field[i], ipl_csv_columns[c]))
				idx[c] = i;
	}
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (idx[need[i]] < 0)
			return (int)need[i];
	return -1;
}

/* Room for one more rep in g; NULL when out of memory. */
static double *add_rep(struct ipl_plot_group *g)
{
	if (g->n == g->cap) {
		unsigned ncap = g->cap ? g->cap * 2 : 4;
		double *nv = realloc(g->v, ncap * IPL_PV_N * sizeof *nv);
		if (!nv)
			return NULL;
		g->v = nv;
		g->cap = ncap;
	}
	return &g->v[g->n++ * IPL_PV_N];
}

/* One data line: a rep added to its group, or skipped when it did not
 * count.  Returns 0, -1 malformed, -2 out of memory. */
static int read_row(char *line, const int idx[IPL_CSV_NCOL], struct ipl_plot_data *d)
{
	char *field[MAXF];
	int nf = split_csv(line, field, MAXF);
#define F(c) (idx[c] >= 0 && idx[c] < nf ? field[idx[c]] : NULL)
	if (!F(IPL_CSV_MECH) || !F(IPL_CSV_MODE) || isnan(num(F(IPL_CSV_SIZE))))
		return -1;
	const char *status = F(IPL_CSV_STATUS);
	int valid = status ? !strcmp(status, "ok")
			   : !(num(F(IPL_CSV_FAILED)) > 0) && !(num(F(IPL_CSV_ERRORS)) > 0);
	if (!valid) {
		d->skipped++;
		return 0;
	}
	char label[64];
	const char *wait = F(IPL_CSV_WAIT);
	snprintf(label, sizeof label, "%s%s%s", F(IPL_CSV_MECH), wait && *wait ? "-" : "", wait ? wait : "");
	double cl = num(F(IPL_CSV_CLIENTS)), cc = num(F(IPL_CSV_CPU_CLIENT)), cs = num(F(IPL_CSV_CPU_SERVER));
	double rate = num(F(IPL_CSV_OFFERED_RATE)); /* empty, or absent from older files: not load */
	struct ipl_plot_group *g = group_of(d, label, F(IPL_CSV_MODE), num(F(IPL_CSV_BASELINE)) > 0,
					    (unsigned)num(F(IPL_CSV_SIZE)), isnan(cl) ? 1 : (unsigned)cl,
					    isnan(cc) ? -1 : (int)cc, isnan(cs) ? -1 : (int)cs,
					    rate > 0 ? rate : 0);
	double *v = g ? add_rep(g) : NULL;
	if (!v)
		return -2;
	static const enum ipl_csv_col lad[IPL_LADDER_N] = { IPL_CSV_P50,  IPL_CSV_P75, IPL_CSV_P90,
							    IPL_CSV_P95,  IPL_CSV_P99, IPL_CSV_P999,
							    IPL_CSV_P9999 };
	for (int k = 0; k < IPL_LADDER_N; k++)
		v[IPL_PV_P50 + k] = num(F(lad[k]));
	v[IPL_PV_MPS] = num(F(IPL_CSV_MPS));
	v[IPL_PV_MBPS] = num(F(IPL_CSV_MBPS));
	if (F(IPL_CSV_MACHINE) && !d->machine[0])
		snprintf(d->machine, sizeof d->machine, "%s", F(IPL_CSV_MACHINE));
#undef F
	return 0;
}

/* The data lines of f after the header. */
static int read_rows(FILE *f, const char *path, const int idx[IPL_CSV_NCOL], struct ipl_plot_data *d,
		     char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 1;
	int rc = 0;
	while (rc == 0 && getline(&line, &cap, f) > 0) {
		lineno++;
		if (line[0] == '\n' || line[0] == '\0')
			continue;
		rc = read_row(line, idx, d);
		if (rc == -1)
			snprintf(err, errlen, "%s:%u: malformed row", path, lineno);
		else if (rc < 0)
			snprintf(err, errlen, "out of memory");
	}
	free(line);
	return rc < 0 ? -1 : 0;
}

int ipl_plot_read(const char *path, struct ipl_plot_data *d, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	int idx[IPL_CSV_NCOL], rc = -1, missing;
	if (getline(&line, &cap, f) < 0)
		snprintf(err, errlen, "'%s' is empty", path);
	else if ((missing = find_columns(line, idx)) >= 0)
		snprintf(err, errlen, "'%s' is not an ipclab bench CSV: no '%s' column", path,
			 ipl_csv_columns[missing]);
	else if (read_rows(f, path, idx, d, err, errlen) < 0)
		; /* err says why */
	else if (!d->n)
		snprintf(err, errlen, "'%s' has no valid rows to plot%s", path,
			 d->skipped ? " (every rep failed or saw errors)" : "");
	else
		rc = 0;
	free(line);
	fclose(f);
	return rc;
}

void ipl_plot_data_free(struct ipl_plot_data *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->g[i].v);
	free(d->g);
	d->g = NULL;
	d->n = d->cap = 0;
}

/* No array on the stack: the reps of a file read back are unbounded. */
double ipl_plot_median(const struct ipl_plot_group *g, int k)
{
	double *v = malloc((g->n ? g->n : 1) * sizeof *v);
	if (!v)
		return NAN;
	for (unsigned i = 0; i < g->n; i++)
		v[i] = g->v[i * IPL_PV_N + k];
	double m = ipl_spread_of(v, g->n).median;
	free(v);
	return m;
}
