/* cli.h - the subcommands and the option parsers they share.
 * Parsers return 0 or -1 and write a one-line reason to err. */
#ifndef IPL_CLI_H
#define IPL_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "common/transport.h"

int ipl_cmd_bench(int argc, char **argv);
int ipl_cmd_serve(int argc, char **argv);
int ipl_cmd_plot(int argc, char **argv);
int ipl_cmd_demo(int argc, char **argv);

#define IPL_LIST_MAX 32

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
const char *ipl_wait_name(enum ipl_wait w);
/* A carrier for layered mechanisms: a registered, byte-stream, non-layered one. */
int ipl_parse_via(const char *s, const struct ipl_transport **out, char *err, size_t errlen);
/* The mechanism column: "tcp", or "rpc/unix" for a layered one over its carrier. */
const char *ipl_row_label(const struct ipl_transport *tp, const struct ipl_transport *via);

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
struct option;
/* "unknown option '--clinets' (did you mean --clients?)" for getopt_long's
 * unknown arg, suggesting among longs (NULL-name terminated). */
void ipl_unknown_option(char *err, size_t len, const char *arg, const struct option *longs);
/* The registered mechanism closest to name, or NULL. */
const char *ipl_suggest_mech(const char *name);

#endif
