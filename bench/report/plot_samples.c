/* plot_samples.c - `ipclab plot`'s samples_timeseries chart: the file
 * `ipclab bench --samples FILE` writes ("# " comment lines saying which
 * row, then "rep,index,latency_ns" and one line per timed sample, in
 * order) drawn as latency against sample index, one series per rep, log y,
 * so warm-up, frequency steps and noise show.
 *
 * The file is read a line at a time (memory stays bounded however long it
 * is) and copied to gnuplot's data file with each rep its own block; a
 * line that is not three numbers is an error naming the line. */
#include "bench/report/plot_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER "rep,index,latency_ns"
#define MAXREPS 64

int ipl_plot_is_samples(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int yes = 0;
	for (int i = 0; f && i < 256 && fgets(line, sizeof line, f); i++) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		yes = !strcmp(line, HEADER);
		break;
	}
	if (f)
		fclose(f);
	return yes;
}

struct reader {
	struct plotter *p; /* for the y range */
	const char *path;
	unsigned lineno, nreps, dropped;
	unsigned long long rep;
	unsigned long long reps[MAXREPS];
	char notes[400]; /* the comment lines, joined: the chart's subtitle */
};

/* A comment line's text added to r->notes. */
static void note(struct reader *r, const char *line)
{
	line += line[1] == ' ' ? 2 : 1;
	size_t n = strlen(r->notes);
	snprintf(r->notes + n, sizeof r->notes - n, "%s%.*s", n ? " | " : "", (int)strcspn(line, "\r\n"), line);
}

/* "rep,index,latency_ns" into three numbers; -1 when it is not that. */
static int parse(const char *line, unsigned long long v[3])
{
	const char *s = line;
	for (int k = 0; k < 3; k++) {
		char *end;
		if (!isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		v[k] = strtoull(s, &end, 10);
		if (errno || (k < 2 ? *end != ',' : (*end && *end != '\n' && *end != '\r')))
			return -1;
		s = end + 1;
	}
	return 0;
}

/* One sample line into out: a new block when the rep changes. */
static int sample(struct reader *r, FILE *out, const char *line)
{
	unsigned long long v[3];
	if (parse(line, v) < 0) {
		fprintf(stderr, "ipclab plot: %s:%u: not a sample line (rep,index,latency_ns)\n",
			r->path, r->lineno);
		return -1;
	}
	if (!r->nreps || v[0] != r->rep) {
		if (r->nreps == MAXREPS) {
			r->dropped++;
			return 0;
		}
		if (r->nreps)
			fputs("\n\n", out);
		r->rep = r->reps[r->nreps++] = v[0];
	}
	if (v[2] > 0) { /* a log axis has no place for 0 */
		fprintf(out, "%llu %llu\n", v[1], v[2]);
		ipl_gp_yr_add(r->p, (double)v[2]);
	}
	return 0;
}

/* Copies the samples of path into out; 0, or -1 said on stderr. */
static int copy_samples(struct reader *r, FILE *in, FILE *out)
{
	char *line = NULL;
	size_t cap = 0;
	int rc = 0, header = 0;
	while (rc == 0 && getline(&line, &cap, in) > 0) {
		r->lineno++;
		if (line[0] == '#' && !header)
			note(r, line);
		else if (!header)
			header = 1; /* ipl_plot_is_samples checked it */
		else if (line[0] != '\n')
			rc = sample(r, out, line);
	}
	free(line);
	if (rc == 0 && !r->nreps) {
		fprintf(stderr, "ipclab plot: '%s' has no samples\n", r->path);
		rc = -1;
	}
	if (r->dropped)
		fprintf(stderr, "ipclab plot: '%s': more than %d runs of reps; later ones left out\n",
			r->path, MAXREPS);
	return rc;
}

/* The chart's name: samples_timeseries, -LABEL (file-name safe) when
 * there are several samples files. */
static void chart_name(char *name, size_t len, const char *label)
{
	snprintf(name, len, "samples_timeseries%s%.60s", label ? "-" : "", label ? label : "");
	for (char *s = name; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			*s = '_';
}

int ipl_plot_samples(struct plotter *p, const char *path, const char *label)
{
	struct reader r = { .p = p, .path = path };
	char dat[4096], name[128], cmd[16384] = "", setup[4096];
	FILE *in = fopen(path, "r");
	if (!in) {
		fprintf(stderr, "ipclab plot: cannot read '%s': %s\n", path, strerror(errno));
		return -1;
	}
	FILE *out = ipl_gp_new_data(p, dat, sizeof dat);
	int rc = out ? copy_samples(&r, in, out) : -1;
	fclose(in);
	if (out && fclose(out) != 0)
		rc = -1;
	if (rc < 0)
		return -1;
	for (unsigned i = 0; i < r.nreps; i++) {
		char t[48];
		snprintf(t, sizeof t, "rep %llu", r.reps[i]);
		ipl_gp_series(cmd, sizeof cmd, i == 0, i, "1:2", "points", ipl_gp_style_of(p, t), t);
	}
	strcat(cmd, "\n");
	ipl_gp_setup(setup, sizeof setup, "Latency of each timed sample, in order (one series per rep)",
		     r.notes, "");
	strcat(setup, "set logscale y\nset xlabel 'sample index (order of measurement)'\n"
		      "set ylabel 'round-trip latency (ns, log scale)'\nset format y '%g'\n");
	ipl_gp_yr_set(p, setup, sizeof setup);
	chart_name(name, sizeof name, label);
	ipl_gp_draw(p, name, dat, setup, cmd);
	return 0;
}
