/* cli.h - the subcommands and the option parsers they share.
 * Parsers return 0 or -1 and write a one-line reason to err. */
#ifndef IPL_CLI_H
#define IPL_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "common/transport.h"

/* The subcommands: argv[0] is the command's name ("bench"); each returns
 * the process exit status (0 ok, 1 a run or the server failed, 2 bad usage,
 * 3 results could not be written, 128+N stopped by signal N). */
int ipl_cmd_bench(int argc, char **argv);
int ipl_cmd_serve(int argc, char **argv);
int ipl_cmd_plot(int argc, char **argv);
/* `ipclab demo`: one exchange narrated step by step (cmd_demo.c). */
int ipl_cmd_demo(int argc, char **argv);
/* `ipclab list`: the mechanisms and their capabilities (cmd_list.c). */
int ipl_cmd_list(int argc, char **argv);
/* `ipclab compare OLD NEW`: two saved runs, row by row (cmd_compare.c). */
int ipl_cmd_compare(int argc, char **argv);
/* `ipclab report RUN.json [NEW.json] -o FILE`: the HTML page (cmd_report.c). */
int ipl_cmd_report(int argc, char **argv);

#define IPL_LIST_MAX 32

/* ---- the command line (bench/cli/cmdline.c) --------------------------------- */

struct option;
/* One subcommand's options, for ipl_cmdline_parse. */
struct ipl_cmdline {
	const char *cmd;            /* "bench", "serve": the messages name it */
	const char *shorts;         /* getopt_long's optstring, starting with ':' */
	const struct option *longs; /* NULL-name terminated; 'h' is the help */
	/* Takes option c with its value arg (NULL for a flag): 0, or -1 with
	 * one line in err naming what is wrong */
	int (*one)(void *ctx, int c, const char *arg, char *err, size_t errlen);
	void *ctx;
	int args; /* how many arguments may follow the options (plot: its CSV) */
};

/* Reads argv[1..argc) with getopt_long (resets optind): hands each option
 * to cl->one.  Returns 0 when every option was taken and at most cl->args
 * arguments are left over (from argv[optind] on); 1 at -h/--help (the caller prints its help; the options after
 * it are not read); or 2 after one line on stderr (ipl_usage_error) for a
 * missing value, an unknown option (with a "did you mean"), a refused
 * value (naming the option) or a stray argument. */
int ipl_cmdline_parse(const struct ipl_cmdline *cl, int argc, char **argv);

/* "ipclab CMD: MSG (try 'ipclab CMD --help')" on stderr.  Returns 2, the
 * exit status of bad usage. */
int ipl_usage_error(const char *cmd, const char *msg);

/* ---- option values (bench/cli/opts.c) --------------------------------------- */

/* "64", "4K", "1M" (binary units); 0 allowed.  Bounded by max. */
int ipl_parse_size(const char *s, uint64_t max, uint64_t *out, char *err, size_t errlen);
/* Comma list of sizes; *n receives the count (<= IPL_LIST_MAX). */
int ipl_parse_size_list(const char *s, uint64_t max, uint64_t *out, size_t *n, char *err, size_t errlen);
/* A plain count >= min ("20000"; K/M suffixes allowed). */
int ipl_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errlen);
/* "C,S": two CPU numbers that exist on this machine. */
int ipl_parse_cpu_pair(const char *s, int *c, int *srv, char *err, size_t errlen);
/* Seconds, possibly fractional ("0.5"), > 0. */
int ipl_parse_seconds(const char *s, double *out, char *err, size_t errlen);

/* "block", "spin" or "hybrid". */
int ipl_parse_wait(const char *s, enum ipl_wait *out, char *err, size_t errlen);
/* The name ipl_parse_wait takes for w ("block" for anything unknown). */
const char *ipl_wait_name(enum ipl_wait w);
/* A carrier for layered mechanisms: a registered, byte-stream, non-layered one. */
int ipl_parse_via(const char *s, const struct ipl_transport **out, char *err, size_t errlen);
/* --rpc-semantics: "at-most-once" (0: the server's duplicate-request cache
 * on) or "at-least-once" (1: off). */
int ipl_parse_rpc_semantics(const char *s, int *at_least_once, char *err, size_t errlen);
/* The name ipl_parse_rpc_semantics takes for at_least_once. */
const char *ipl_rpc_semantics_name(int at_least_once);

/* --pipe-size BYTES ("64K", "1M"): 1..fs.pipe-max-size, the limit for
 * everyone, root included (root may raise it with sysctl), so a result
 * means the same whoever took it.  --sockbuf BYTES: 1..1G (the kernel caps
 * at net.core.wmem_max/rmem_max without a word; what it kept is recorded). */
int ipl_parse_pipe_size(const char *s, uint32_t *out, char *err, size_t errlen);
int ipl_parse_sockbuf(const char *s, uint32_t *out, char *err, size_t errlen);
/* What the kernel grants this process for a knob (enum ipl_knob) asked at
 * bytes, on a probe pipe or socket pair: the size in force, or -1 with err
 * when it refuses (fs.pipe-user-pages-hard used up: EPERM). */
long long ipl_knob_probe(unsigned knob, uint32_t bytes, char *err, size_t errlen);
/* 0 when a mechanism of tps[0..n) applies knob, else -1 with "--pipe-size
 * does not apply: ... (only pipe, fifo have one)" in err. */
int ipl_knob_applies(unsigned knob, const struct ipl_transport *const *tps, size_t n, char *err, size_t errlen);

/* --server threads|epoll (enum ipl_server_model); 0 or -1 with err. */
int ipl_parse_server_model(const char *s, int *out, char *err, size_t errlen);
/* "threads" or "epoll". */
const char *ipl_server_model_name(int model);
/* --server epoll: 0 when the epoll loop serves every one of tps[0..n) (tcp
 * and unix, ipl_server_epoll_ok), else -1 with the first that it does not
 * in err.  Always 0 for threads. */
int ipl_server_model_applies(int model, const struct ipl_transport *const *tps, size_t n, char *err,
			     size_t errlen);

#define IPL_ITEM_MAX 64
/* Splits a comma list into at most IPL_LIST_MAX items.  Strict: an empty
 * list or an empty item ("64K,,", "tcp,") is refused. */
int ipl_split_list(const char *s, char (*items)[IPL_ITEM_MAX], size_t *n, char *err, size_t errlen);
/* Comma list of counts in [min, max]; unit names them in messages
 * ("'10000' is over the limit of 1024 clients"). */
int ipl_parse_count_list(const char *s, uint64_t min, uint64_t max, const char *unit, uint64_t *out,
			 size_t *n, char *err, size_t errlen);

/* ---- did you mean (bench/cli/suggest.c) ------------------------------------ */

/* Optimal string alignment distance (a swap of neighbours costs 1);
 * (size_t)-1 for words over 64 characters. */
size_t ipl_edit_distance(const char *a, const char *b);
/* The candidate closest to word, or NULL when none is close enough to be a
 * typo of it (at most a third of its letters wrong, 1..3). */
const char *ipl_suggest(const char *word, const char *const *cands, size_t n);
/* "unknown option '--clinets' (did you mean --clients?)" for getopt_long's
 * unknown arg, suggesting among longs (NULL-name terminated). */
void ipl_unknown_option(char *err, size_t len, const char *arg, const struct option *longs);
/* The registered mechanism closest to name, or NULL. */
const char *ipl_suggest_mech(const char *name);

#endif
