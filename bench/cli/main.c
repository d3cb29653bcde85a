/* main.c - the ipclab command: dispatches to its subcommands. */
#include "bench/cli/cli.h"
#include "bench/demo/demo.h"
#include "bench/report/env.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: ipclab <command> [options]\n"
	"\n"
	"One client-server exchange over several IPC mechanisms, measured side by side.\n"
	"\n"
	"commands:\n"
	"  bench   run the benchmark (latency, throughput) and print or export the results\n"
	"  serve   run a server for one mechanism until SIGINT/SIGTERM\n"
	"  plot    draw a bench CSV with gnuplot (PNG + SVG charts)\n"
	"  compare two saved runs row by row: ratio, 95% interval, faster/slower\n"
	"  report  one self-contained HTML page (tables, SVG charts) from one or two saved runs\n"
	"  list    show the mechanisms and what each can do\n"
	"  demo    walk one exchange over a mechanism step by step (ipclab demo tcp)\n"
	"  help    this text; `ipclab <command> --help` for a command's options\n"
	"\n"
	"examples:\n"
	"  ipclab bench -m tcp,unix -s 64,65536 -n 20000 --cpu 0,0\n"
	"  ipclab bench -m tcp,unix -s 64,4K,64K --reps 3 --save results/run && \\\n"
	"    ipclab plot results/run.csv -o results/plots\n"
	"  ipclab serve -m tcp --listen 127.0.0.1:7000 &  ipclab bench -m tcp --connect 127.0.0.1:7000\n"
	"\n"
	"  ipclab --version   version, git revision, build flags, whether libtirpc is in\n"
	"\n"
	"Exit status: 0 success, 1 a run failed or saw errors, 2 bad usage (nothing was\n"
	"run), 3 results could not be written.\n"
	"\n"
	"Documentation: the ipclab(1) manual page (man ipclab, or man -l docs/ipclab.1 in\n"
	"the source tree) and the lab handouts in docs/labs/ (answer keys in docs/labs/answers/).\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		ipl_version_write(stdout);
		return 0;
	}
	if (!strcmp(cmd, "list"))
		return ipl_cmd_list(argc - 1, argv + 1);
	if (!strcmp(cmd, "bench"))
		return ipl_cmd_bench(argc - 1, argv + 1);
	if (!strcmp(cmd, "serve"))
		return ipl_cmd_serve(argc - 1, argv + 1);
	if (!strcmp(cmd, "demo"))
		return ipl_cmd_demo(argc - 1, argv + 1);
	if (!strcmp(cmd, "plot"))
		return ipl_cmd_plot(argc - 1, argv + 1);
	if (!strcmp(cmd, "compare"))
		return ipl_cmd_compare(argc - 1, argv + 1);
	if (!strcmp(cmd, "report"))
		return ipl_cmd_report(argc - 1, argv + 1);
	static const char *const cmds[] = { "bench", "serve", "plot", "compare",  "report",
					    "list",  "demo",  "help", "--version" };
	const char *hint = ipl_suggest(cmd, cmds, sizeof cmds / sizeof cmds[0]);
	if (hint)
		fprintf(stderr, "ipclab: unknown command '%s' (did you mean %s?)\n", cmd, hint);
	else
		fprintf(stderr, "ipclab: unknown command '%s' (try 'ipclab --help')\n", cmd);
	return 2;
}
