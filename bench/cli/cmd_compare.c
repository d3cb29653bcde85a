/* cmd_compare.c - `ipclab compare OLD NEW`: two saved runs side by side,
 * row by row, with a 95% interval of each ratio and a verdict; the
 * statistics and the output live in bench/report/compare*.c, this file
 * reads the command line, prints the errors and picks the exit status. */
#include "bench/cli/cli.h"
#include "bench/report/compare.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char compare_usage[] =
	"usage: ipclab compare [options] OLD NEW\n"
	"\n"
	"Compares two saved runs (the JSON of `ipclab bench -f json -o FILE`, or its CSV).\n"
	"Rows are matched by mechanism, size, mode, clients and placement; each matched row\n"
	"shows old and new p50 and msgs/s, the ratio new/old (of p50 for latency rows, of\n"
	"msgs/s for throughput and stream rows), its 95% confidence interval and a verdict:\n"
	"faster, slower, or no difference when the interval holds 1.  Rows found in one\n"
	"run only are listed.  A warning line above the table names the environment and\n"
	"settings that differ (kernel, CPU, placements, ipclab version, ...).\n"
	"\n"
	"The interval: a bootstrap over the reps (2000 resamples, fixed seed: the same\n"
	"files always give the same answer) when both runs have >= 2 valid reps; with one\n"
	"rep, for latency rows, the order-statistic interval of each p50 from the row's\n"
	"histogram; otherwise none (verdict n/a).  Reps of one run share its conditions,\n"
	"so two runs on a busy machine can differ by a few percent more than the interval\n"
	"allows: gate on a margin (--fail-if-slower), not on the verdict alone.\n"
	"\n"
	"options:\n"
	"  -f, --format F          table (default), csv, json or md\n"
	"      --fail-if-slower PCT  exit 1 when a row is significantly slower by more than\n"
	"                          PCT percent (its whole interval beyond 1 + PCT/100 in time\n"
	"                          per message)\n"
	"  -h, --help              this text\n"
	"\n"
	"example:\n"
	"  ipclab bench -m pipe,unix -s 64 --reps 5 -f json -o old.json\n"
	"  ipclab bench -m pipe,unix -s 64 --reps 5 -f json -o new.json\n"
	"  ipclab compare --fail-if-slower 10 old.json new.json\n"
	"\n"
	"Exit status: 0 done, 1 a row is slower than --fail-if-slower allows, 2 bad usage\n"
	"or a file that cannot be read as results, 3 the output could not be written.\n";

struct compare_opts {
	enum ipl_format fmt;
	double fail_pct; /* < 0: no gate */
	const char *old, *new;
};

static int parse_format(const char *s, enum ipl_format *fmt)
{
	static const struct {
		const char *name;
		enum ipl_format fmt;
	} names[] = {
		{ "table", IPL_FMT_TABLE },
		{ "csv", IPL_FMT_CSV },
		{ "json", IPL_FMT_JSON },
		{ "md", IPL_FMT_MD },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(s, names[i].name))
			return *fmt = names[i].fmt, 0;
	return -1;
}

static int parse_pct(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !(v >= 0 && v <= 1000))
		return -1;
	*out = v;
	return 0;
}

/* Fills o from argv: -1 to go on, else the exit status (0 after --help,
 * 2 after a usage error on stderr). */
static int parse_args(int argc, char **argv, struct compare_opts *o)
{
	static const struct option longs[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "fail-if-slower", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char err[512];
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":f:h", longs, NULL)) != -1) {
		if (c == 'h')
			return fputs(compare_usage, stdout), 0;
		if (c == 'f' && parse_format(optarg, &o->fmt))
			snprintf(err, sizeof err, "unknown format '%s' (table, csv, json or md)", optarg);
		else if (c == 'F' && parse_pct(optarg, &o->fail_pct))
			snprintf(err, sizeof err, "--fail-if-slower takes a percentage 0..1000, not '%s'", optarg);
		else if (c == ':')
			snprintf(err, sizeof err, "option '%s' needs a value", argv[optind - 1]);
		else if (c == '?')
			ipl_unknown_option(err, sizeof err, argv[optind - 1], longs);
		else
			continue;
		return ipl_usage_error("compare", err);
	}
	if (argc - optind != 2)
		return ipl_usage_error("compare", "two files to compare: ipclab compare OLD NEW");
	o->old = argv[optind];
	o->new = argv[optind + 1];
	return -1;
}

/* Names on stderr each row slower than the gate; 1 when there is one. */
static int gate(const struct ipl_cmp_result *res, double pct)
{
	int bad = 0;
	for (size_t i = 0; pct >= 0 && i < res->n; i++) {
		const struct ipl_cmp_line *l = &res->lines[i];
		if (!ipl_cmp_slower_than(l, pct))
			continue;
		fprintf(stderr,
			"ipclab compare: %s %u B %s %u client(s) %s is slower by more than %g%%"
			" (ratio %.3f, 95%% CI %.3f..%.3f)\n",
			l->old->mech, l->old->size, l->old->mode, l->old->clients, l->old->placement,
			pct, l->ratio, l->lo, l->hi);
		bad = 1;
	}
	return bad;
}

int ipl_cmd_compare(int argc, char **argv)
{
	struct compare_opts o = { .fmt = IPL_FMT_TABLE, .fail_pct = -1 };
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	struct ipl_cmp_run old = { 0 }, new = { 0 };
	struct ipl_cmp_result res = { 0 };
	char err[512], warn[2048];
	rc = 2;
	if (ipl_cmp_load(o.old, &old, err, sizeof err) || ipl_cmp_load(o.new, &new, err, sizeof err)) {
		fprintf(stderr, "ipclab compare: %s\n", err);
	} else if (ipl_cmp_match(&old, &new, &res)) {
		fprintf(stderr, "ipclab compare: out of memory\n");
	} else {
		if (o.fmt == IPL_FMT_CSV && ipl_cmp_env_diff(&old, &new, warn, sizeof warn))
			fprintf(stderr, "ipclab compare: warning: the runs differ: %s\n", warn);
		ipl_cmp_write(stdout, &old, &new, &res, o.fmt);
		rc = gate(&res, o.fail_pct);
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "ipclab compare: the comparison could not be written\n");
			rc = 3;
		}
	}
	ipl_cmp_result_free(&res);
	ipl_cmp_run_free(&old);
	ipl_cmp_run_free(&new);
	return rc;
}
