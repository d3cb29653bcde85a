/* cmd_plot.c - `ipclab plot RESULTS.csv -o DIR`: its options and help; the
 * charts are drawn by bench/report/plot.c. */
#include "bench/cli/cli.h"
#include "bench/report/plot.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char plot_usage[] =
	"usage: ipclab plot RESULTS.csv -o DIR [options]\n"
	"\n"
	"Draws the CSV written by `ipclab bench -f csv` (or --save) with gnuplot, as\n"
	"PNG and SVG files in DIR (created if missing), one set per CPU placement:\n"
	"  latency_vs_size      p50 round trip with bars up to p99, log-log, per mechanism\n"
	"  percentiles_SIZE     the latency distribution at one size, x axis 1/(1-p)\n"
	"                       (HdrHistogram style: 50%, 90%, 99%, 99.9%, 99.99%)\n"
	"  throughput_vs_size   MB/s vs message size (throughput and stream modes)\n"
	"  throughput_vs_clients  aggregate msgs/s vs client processes (needs a CSV\n"
	"                       from --clients with two or more counts)\n"
	"  latency_vs_load      p50 and p99 against offered msgs/s per mechanism (rows of\n"
	"                       --mode load; rates not sustained are ringed)\n"
	"Points are medians over the valid reps; reps that failed or saw errors are\n"
	"left out (and counted on stderr).\n"
	"\n"
	"  -o, --out DIR       where the images go (required)\n"
	"      --size BYTES    message size of the percentile chart (default: 64 if\n"
	"                      measured, else the smallest latency size)\n"
	"      --charts LIST   which charts: latency,percentiles,throughput,clients,load\n"
	"                      (default: all that the CSV has data for)\n"
	"      --no-svg        PNG only\n"
	"  -h, --help          this text\n"
	"\n"
	"Needs gnuplot (Debian: apt-get install gnuplot-nox); IPCLAB_GNUPLOT names\n"
	"another binary.  Exit status: 0 charts written, 1 failure, 2 bad usage.\n";

enum { OPT_SIZE = 256, OPT_NO_SVG, OPT_CHARTS }; /* long-only options */

/* --charts LIST as enum ipl_chart bits; 0 with a reason in err. */
static unsigned parse_charts(const char *list, char *err, size_t errlen)
{
	static const char *const names[] = { "latency", "percentiles", "throughput", "clients", "load" };
	char items[IPL_LIST_MAX][IPL_ITEM_MAX];
	size_t n;
	unsigned charts = 0;
	if (ipl_split_list(list, items, &n, err, errlen) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned k;
		for (k = 0; k < 5 && strcmp(items[i], names[k]); k++)
			;
		if (k == 5) {
			snprintf(err, errlen,
				 "unknown chart '%s' (latency, percentiles, throughput, clients, load)",
				 items[i]);
			return 0;
		}
		charts |= 1u << k;
	}
	return charts;
}

/* Takes one option for ipl_cmdline_parse. */
static int plot_option(void *ctx, int c, const char *arg, char *err, size_t errlen)
{
	struct ipl_plot_opts *o = ctx;
	switch (c) {
	case 'o': o->outdir = arg; return 0;
	case OPT_SIZE: return ipl_parse_size(arg, 1u << 30, &o->want_size, err, errlen);
	case OPT_NO_SVG: o->svg = 0; return 0;
	case OPT_CHARTS: return (o->charts = parse_charts(arg, err, errlen)) ? 0 : -1;
	default: snprintf(err, errlen, "unexpected option"); return -1;
	}
}

int ipl_cmd_plot(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "no-svg", no_argument, NULL, OPT_NO_SVG },
		{ "charts", required_argument, NULL, OPT_CHARTS },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ipl_plot_opts o = { .svg = 1, .charts = IPL_CHART_ALL };
	const struct ipl_cmdline cl = {
		.cmd = "plot",
		.shorts = ":o:h",
		.longs = longs,
		.one = plot_option,
		.ctx = &o,
		.args = 1,
	};
	int rc = ipl_cmdline_parse(&cl, argc, argv);
	if (rc == 1) {
		fputs(plot_usage, stdout);
		return 0;
	}
	if (rc)
		return rc;
	if (optind == argc)
		return ipl_usage_error("plot", "which CSV file? (ipclab plot RESULTS.csv -o DIR)");
	if (!o.outdir || !*o.outdir)
		return ipl_usage_error("plot", "where should the images go? (-o DIR)");
	o.csv = argv[optind];
	return ipl_plot(&o);
}
