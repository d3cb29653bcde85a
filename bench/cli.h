/* cli.h - the subcommands and the option parsers they share.
 * Parsers return 0 or -1 and write a one-line reason to err. */
#ifndef IPL_CLI_H
#define IPL_CLI_H

#include <stddef.h>
#include <stdint.h>

int ipl_cmd_bench(int argc, char **argv);
int ipl_cmd_serve(int argc, char **argv);

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

#endif
