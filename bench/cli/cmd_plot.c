/* cmd_plot.c - `ipclab plot RESULTS.csv -o DIR`: its options and help; the
 * charts are drawn by bench/report/plot.c. */
#include "bench/cli/cli.h"
#include "bench/report/plot.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char plot_usage[] =
	"usage: ipclab plot [LABEL=]FILE... -o DIR [options]\n"
	"\n"
	"Draws the CSV written by `ipclab bench -f csv` (or --save) with gnuplot, as\n"
	"PNG and SVG files in DIR (created if missing), one set per CPU placement:\n"
	"  latency_vs_size      p50 round trip per series, log-log; bars: the p50's 95%\n"
	"                       confidence interval when the CSV has the columns\n"
	"                       median_p50_ci95_lo_ns,median_p50_ci95_hi_ns, else\n"
	"                       min..max p50 across reps (the title says which)\n"
	"  percentiles_SIZE     the latency distribution at one size, x axis 1/(1-p)\n"
	"                       (HdrHistogram style: 50%, 90%, 99%, 99.9%, 99.99%)\n"
	"  *_spin               rows whose wait is spin or hybrid (shm-spin) get latency\n"
	"                       and percentile charts of their own when there are\n"
	"                       blocking rows too: they would squash the others' scale\n"
	"  throughput_vs_size   MB/s vs message size (throughput and stream modes)\n"
	"  throughput_vs_clients  aggregate msgs/s vs client processes (needs a CSV\n"
	"                       from --clients with two or more counts)\n"
	"  latency_vs_load      p50 and p99 against offered msgs/s per mechanism (rows of\n"
	"                       --mode load; rates not sustained are ringed)\n"
	"  fastest_by_size      per measured size, the mechanism with the lowest median\n"
	"                       p50 (latency rows) and the highest median MB/s\n"
	"                       (throughput, stream), as bars and as fastest_by_size.txt\n"
	"  samples_timeseries   from a FILE written by `ipclab bench --samples` (told by\n"
	"                       its header rep,index,latency_ns): latency of each sample\n"
	"                       against its index, one series per rep, log y\n"
	"Points are medians over the valid reps; reps that failed or saw errors are\n"
	"left out (and counted on stderr).  Each series has its own marker and its\n"
	"run's dash pattern; the y range is fitted to the data.\n"
	"\n"
	"Several runs side by side: `ipclab plot old=a.csv new=b.csv -o DIR` names\n"
	"each series \"old: tcp\", \"new: tcp\"; files given without LABEL= are named\n"
	"after the file (a.csv: \"a\"), and a CSV of several runs concatenated (header\n"
	"lines repeated) is split into runs \"NAME#1\", \"NAME#2\", ...  A label with no\n"
	"file, a file that cannot be read or a label given twice is a usage error.\n"
	"\n"
	"  -o, --out DIR       where the images go (required)\n"
	"      --size BYTES    message size of the percentile chart (default: 64 if\n"
	"                      measured, else the smallest); a size not measured is\n"
	"                      an error that lists the sizes that were\n"
	"      --charts LIST   which charts: latency,percentiles,throughput,clients,\n"
	"                      load,fastest,samples (default: all the files have data for)\n"
	"      --no-svg        PNG only\n"
	"      --keep-script DIR  write gnuplot's script (plot.gp) and data (CHART.dat)\n"
	"                      into DIR and keep them, to restyle a chart by hand\n"
	"  -h, --help          this text\n"
	"\n"
	"Needs gnuplot (Debian: apt-get install gnuplot-nox); IPCLAB_GNUPLOT names\n"
	"another binary.  Exit status: 0 charts written, 1 failure, 2 bad usage.\n";

enum { OPT_SIZE = 256, OPT_NO_SVG, OPT_CHARTS, OPT_KEEP };
#define NCHARTS 7 /* long-only options */

/* --charts LIST as enum ipl_chart bits; 0 with a reason in err. */
static unsigned parse_charts(const char *list, char *err, size_t errlen)
{
	static const char *const names[NCHARTS] = { "latency", "percentiles", "throughput", "clients",
						    "load",    "fastest",     "samples" };
	char items[IPL_LIST_MAX][IPL_ITEM_MAX];
	size_t n;
	unsigned charts = 0;
	if (ipl_split_list(list, items, &n, err, errlen) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned k;
		for (k = 0; k < NCHARTS && strcmp(items[i], names[k]); k++)
			;
		if (k == NCHARTS) {
			snprintf(err, errlen,
				 "unknown chart '%s' (latency, percentiles, throughput, clients, load, "
				 "fastest, samples)",
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
	case OPT_KEEP: o->keep = arg; return 0;
	default: snprintf(err, errlen, "unexpected option"); return -1;
	}
}

/* The label of a file given without one: its name, less a ".csv". */
static const char *file_label(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/');
	base = base && base[1] ? base + 1 : path;
	size_t n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".csv"))
		n -= 4;
	snprintf(buf, len, "%.*s", (int)(n < 40 ? n : 40), base);
	return buf;
}

/* One argument, FILE or LABEL=FILE (a file whose name has '=' is taken
 * whole when it exists), added to o; 2 after one line for a bad one. */
static int add_input(struct ipl_plot_opts *o, char *arg)
{
	static char labels[IPL_PLOT_MAXIN][48];
	char msg[600];
	struct ipl_plot_input *in = &o->in[o->nin];
	char *eq = strchr(arg, '=');
	in->path = arg;
	in->named = eq && access(arg, F_OK) != 0;
	if (in->named) {
		*eq = '\0';
		in->path = eq + 1;
		snprintf(labels[o->nin], sizeof labels[0], "%.40s", arg);
	} else {
		file_label(arg, labels[o->nin], sizeof labels[0]);
	}
	in->label = labels[o->nin];
	if (!*in->label || !*in->path)
		snprintf(msg, sizeof msg, "'%s=%s': a label needs a file and a file a label", arg, in->path);
	else if (access(in->path, R_OK) != 0)
		snprintf(msg, sizeof msg, "cannot read '%s'", in->path);
	else
		msg[0] = '\0';
	for (unsigned i = 0; i < o->nin && !msg[0]; i++)
		if (!strcmp(o->in[i].label, in->label))
			snprintf(msg, sizeof msg,
				 "label '%s' given twice (name runs: old=a.csv new=b.csv)", in->label);
	if (msg[0])
		return ipl_usage_error("plot", msg);
	o->nin++;
	return 0;
}

int ipl_cmd_plot(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "no-svg", no_argument, NULL, OPT_NO_SVG },
		{ "charts", required_argument, NULL, OPT_CHARTS },
		{ "keep-script", required_argument, NULL, OPT_KEEP },
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
		.args = IPL_PLOT_MAXIN,
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
	for (int i = optind; i < argc; i++)
		if ((rc = add_input(&o, argv[i])) != 0)
			return rc;
	return ipl_plot(&o);
}
