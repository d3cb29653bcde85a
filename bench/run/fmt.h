/* run/fmt.h - the value formatters every output of bench/ shares (fmt.c),
 * so a latency or a size reads the same in the table, the Markdown, the
 * run's warnings and the chart titles (here, below report/, because the
 * warnings are made where the rows are checked).  Each writes at most len
 * bytes to buf and returns buf; a value that was not measured (NaN) is "-". */
#ifndef IPL_RUN_FMT_H
#define IPL_RUN_FMT_H

#include "bench/run/stats.h"

#include <stddef.h>
#include <stdint.h>

/* Nanoseconds in the unit that keeps 3-4 digits: "850 ns", "61.20 us", "2.49 ms". */
const char *ipl_fmt_ns(char *buf, size_t len, double ns);

/* A spread of nanoseconds, both ends in the unit of the larger: "61.2..64.0 us". */
const char *ipl_fmt_ns_range(char *buf, size_t len, const struct ipl_spread *s);

/* A count or rate, short: "950", "85.0k", "1.95M". */
const char *ipl_fmt_count(char *buf, size_t len, double v);

/* A spread of counts: "80.0k..90.0k". */
const char *ipl_fmt_count_range(char *buf, size_t len, const struct ipl_spread *s);

/* A message size for table cells: "64", "4K", "1M" (binary units, only
 * when exact). */
const char *ipl_fmt_size(char *buf, size_t len, uint32_t size);

/* A message size for titles and tics: "64 B", "4 KiB", "1 MiB". */
const char *ipl_fmt_size_long(char *buf, size_t len, uint32_t size);

/* A CPU pair "C,S", or "-" when neither end is pinned. */
const char *ipl_fmt_cpu(char *buf, size_t len, int cpu_client, int cpu_server);

/* v with the printf format f (one double conversion), or "-" for NaN. */
const char *ipl_fmt_num(char *buf, size_t len, const char *f, double v);

#endif
