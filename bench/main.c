/* main.c - the ipclab command: subcommand dispatch and `list`. */
#include "bench.h"
#include "cli.h"
#include "demo.h"
#include "env.h"

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
	"Exit status: 0 success, 1 a run failed or saw errors, 2 bad usage.\n"
	"\n"
	"Documentation: the ipclab(1) manual page (man ipclab, or man -l docs/ipclab.1 in\n"
	"the source tree) and the lab handouts in docs/labs/ (answer keys in docs/labs/answers/).\n";

static void caps_text(unsigned caps, char *buf, size_t len)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ IPL_CAP_NEEDS_FORK, "needs-fork" }, { IPL_CAP_CROSS_HOST, "cross-host" },
		{ IPL_CAP_NAMED, "named" }, { IPL_CAP_MULTI_CLIENT, "multi-client" },
		{ IPL_CAP_SPIN, "spin" }, { IPL_CAP_LAYERED, "layered" }, { IPL_CAP_BYTES, "byte-stream" },
	};
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (caps & names[i].bit)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "," : "", names[i].name);
}

static int cmd_list(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: ipclab list\n\nLists every mechanism with its capabilities:\n"
		       "  needs-fork    client and server must come from one fork (pipe)\n"
		       "  cross-host    client and server may be on different hosts\n"
		       "  named         unrelated processes meet by an address (serve/--connect)\n"
		       "  multi-client  one server serves many clients at once\n"
		       "  spin          can busy-poll (not comparable with blocking numbers)\n"
		       "  layered       runs over another mechanism (--via)\n"
		       "  byte-stream   raw bytes reach the peer as sent\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "ipclab list: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	printf("%-10s %-46s %s\n", "name", "capabilities", "description");
	for (size_t i = 0; i < ipl_transport_count(); i++) {
		const struct ipl_transport *t = ipl_transport_at(i);
		char caps[200];
		caps_text(t->caps, caps, sizeof caps);
		printf("%-10s %-46s %s\n", t->name, caps, t->summary);
	}
	return 0;
}

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
	if (!strcmp(cmd, "--version")) {
		printf("ipclab %s\n", IPL_VERSION_STRING);
		return 0;
	}
	if (!strcmp(cmd, "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(cmd, "bench"))
		return ipl_cmd_bench(argc - 1, argv + 1);
	if (!strcmp(cmd, "serve"))
		return ipl_cmd_serve(argc - 1, argv + 1);
	if (!strcmp(cmd, "demo"))
		return ipl_cmd_demo(argc - 1, argv + 1);
	if (!strcmp(cmd, "plot"))
		return ipl_cmd_plot(argc - 1, argv + 1);
	fprintf(stderr, "ipclab: unknown command '%s' (try 'ipclab --help')\n", cmd);
	return 2;
}
