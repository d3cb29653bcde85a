/* cmd_report.c - `ipclab report RUN.json [NEW.json] -o report.html`: one
 * self-contained HTML page from one saved run, or the comparison of two;
 * the page is written by bench/report/html*.c, this file reads the command
 * line, checks the output before any work, loads the runs and picks the
 * exit status (the conventions of `ipclab compare`). */
#include "bench/cli/args.h"
#include "bench/cli/cli.h"
#include "bench/report/html.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char report_usage[] =
	"usage: ipclab report [options] RESULTS.json [NEW.json] -o report.html\n"
	"\n"
	"Writes one self-contained HTML page (no network access: inline style, script\n"
	"and SVG charts) from a saved run (the JSON of `ipclab bench --save` or -f json):\n"
	"the environment and settings, the warnings the run recorded, the results table\n"
	"(click a column header to sort), and charts: p50 latency by message size per\n"
	"mechanism (log-log, bars min..max across reps), msgs/s by clients when the run\n"
	"swept clients, MB/s by size when throughput rows span several sizes.  Given two\n"
	"runs (OLD then NEW), it adds the comparison of `ipclab compare`: per row the\n"
	"ratio new/old, its 95% interval and the verdict.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE   the page to write (required; checked before anything is read)\n"
	"  -h, --help          this text\n"
	"\n"
	"example:\n"
	"  ipclab bench -m pipe,unix -s 64,1K,64K --reps 3 --save results/run\n"
	"  ipclab report results/run.json -o results/run.html\n"
	"  ipclab report old.json new.json -o diff.html\n"
	"\n"
	"Exit status: 0 written, 2 bad usage or a file that cannot be read as results,\n"
	"3 the page could not be written.\n";

struct report_opts {
	const char *out, *in[2];
	int n;
};

/* -1 to go on, else the exit status (0 after --help, 2 after a usage error). */
static int parse_args(int argc, char **argv, struct report_opts *o)
{
	static const struct option longs[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char err[512];
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:h", longs, NULL)) != -1) {
		if (c == 'h')
			return fputs(report_usage, stdout), 0;
		if (c == 'o')
			o->out = optarg;
		else if (c == ':')
			return snprintf(err, sizeof err, "option '%s' needs a value", argv[optind - 1]),
			       ipl_usage_error("report", err);
		else
			return ipl_unknown_option(err, sizeof err, argv[optind - 1], longs),
			       ipl_usage_error("report", err);
	}
	o->n = argc - optind;
	if (o->n < 1 || o->n > 2)
		return ipl_usage_error("report",
				       "one saved run, or two to compare: ipclab report RUN.json -o FILE");
	if (!o->out)
		return ipl_usage_error("report", "where to write the page: -o FILE");
	o->in[0] = argv[optind];
	o->in[1] = o->n == 2 ? argv[optind + 1] : NULL;
	return -1;
}

/* 0 when out is not one of the inputs (the page would overwrite a run). */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return !strcmp(a, b) ||
	       (!stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

/* Loads run i both ways: checked as results by compare's loader (the same
 * messages as `ipclab compare`), parsed whole for the page. */
static int load(const char *path, struct ipl_html_run *r, struct ipl_cmp_run *c, char *err, size_t len)
{
	r->path = path;
	char why[512];
	if (ipl_cmp_load(path, c, err, len))
		return -1;
	if (ipl_jparse_file(path, &r->doc, why, sizeof why)) {
		snprintf(err, len, "%s: not JSON (%s): the report reads the JSON of ipclab bench --save",
			 path, why);
		return -1;
	}
	const struct ipl_jnode *res = ipl_jget(&r->doc, &r->doc.nodes[0], "results");
	if (!res || res->type != IPL_JARR) {
		snprintf(err, len, "%s: not the JSON of ipclab bench (no results list)", path);
		return -1;
	}
	return 0;
}

static int write_page(const struct report_opts *o, const struct ipl_html_run *runs,
		      const struct ipl_cmp_run *cr, const struct ipl_cmp_result *res)
{
	FILE *f = fopen(o->out, "w");
	if (!f) {
		fprintf(stderr, "ipclab report: cannot write '%s': %m\n", o->out);
		return 3;
	}
	ipl_html_write(f, runs, (size_t)o->n, &cr[0], o->n == 2 ? &cr[1] : NULL, o->n == 2 ? res : NULL);
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "ipclab report: the page could not be written to '%s'\n", o->out);
		return 3;
	}
	return 0;
}

int ipl_cmd_report(int argc, char **argv)
{
	struct report_opts o = { 0 };
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	char err[4096];
	for (int i = 0; i < o.n; i++)
		if (same_file(o.out, o.in[i]))
			return snprintf(err, sizeof err,
					"-o %s is an input: the page would overwrite it", o.out),
			       ipl_usage_error("report", err);
	if (ipl_check_writable(o.out, err, sizeof err) < 0) {
		fprintf(stderr, "ipclab report: %s\n", err);
		return 3;
	}
	struct ipl_html_run runs[2] = { 0 };
	struct ipl_cmp_run cr[2] = { 0 };
	struct ipl_cmp_result res = { 0 };
	rc = 2;
	int loaded = 1;
	for (int i = 0; i < o.n && loaded; i++)
		loaded = !load(o.in[i], &runs[i], &cr[i], err, sizeof err);
	if (!loaded)
		fprintf(stderr, "ipclab report: %s\n", err);
	else if (o.n == 2 && ipl_cmp_match(&cr[0], &cr[1], &res))
		fprintf(stderr, "ipclab report: out of memory\n");
	else
		rc = write_page(&o, runs, cr, &res);
	ipl_cmp_result_free(&res);
	for (int i = 0; i < 2; i++) {
		ipl_cmp_run_free(&cr[i]);
		ipl_jdoc_free(&runs[i].doc);
	}
	return rc;
}
