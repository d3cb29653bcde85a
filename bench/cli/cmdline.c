/* cmdline.c - one getopt_long loop for every subcommand: the same messages
 * for a missing value, an unknown option (with a suggestion), a bad value
 * (naming the option) and a stray argument. */
#include "bench/cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int ipl_usage_error(const char *cmd, const char *msg)
{
	fprintf(stderr, "ipclab %s: %s (try 'ipclab %s --help')\n", cmd, msg, cmd);
	return 2;
}

/* The option as messages name it: "-s" for those with a short form. */
static const char *opt_name(int c, const struct option *longs, char *buf, size_t len)
{
	snprintf(buf, len, "-%c", c < 256 ? c : '?');
	for (size_t i = 0; c >= 256 && longs[i].name; i++)
		if (longs[i].val == c)
			snprintf(buf, len, "--%s", longs[i].name);
	return buf;
}

/* The message for option c whose value arg was refused with err: names the
 * option unless the reason already does. */
static void bad_value(char *msg, size_t len, const struct option *longs, int c, const char *arg, const char *err)
{
	char name[32];
	opt_name(c, longs, name, sizeof name);
	if (strstr(err, name))
		snprintf(msg, len, "%s", err);
	else
		snprintf(msg, len, "%s %s: %s", name, arg ? arg : "", err);
}

int ipl_cmdline_parse(const struct ipl_cmdline *cl, int argc, char **argv)
{
	char err[512] = "", msg[600];
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, cl->shorts, cl->longs, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c == ':')
			snprintf(msg, sizeof msg, "option '%s' needs a value", argv[optind - 1]);
		else if (c == '?')
			ipl_unknown_option(msg, sizeof msg, argv[optind - 1], cl->longs);
		else if (cl->one(cl->ctx, c, optarg, err, sizeof err) == 0)
			continue;
		else
			bad_value(msg, sizeof msg, cl->longs, c, optarg, err);
		return ipl_usage_error(cl->cmd, msg);
	}
	if (argc - optind > cl->args) {
		snprintf(msg, sizeof msg, "unexpected argument '%s'", argv[optind + cl->args]);
		return ipl_usage_error(cl->cmd, msg);
	}
	return 0;
}
