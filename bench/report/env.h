/* report/env.h - the machine a result was measured on, for the record. */
#ifndef IPL_ENV_H
#define IPL_ENV_H

#include "bench/report/json.h"

#include <stdint.h>
#include <stdio.h>

#define IPL_VERSION_STRING "0.1.0"

/* Writes the next value of j, an object on one line: ipclab version, git
 * revision, kernel, hostname, CPU model, cores, clock source, cpuidle
 * driver, CPU frequency governor and turbo (null when the kernel does not
 * expose them), build flags, and "limits": each mechanism's limits in force
 * (transport.h, limits), keyed "<mechanism>.<limit>". */
void ipl_env_json(struct ipl_json *j);

/* "AMD EPYC ... , 2 cores, Linux 6.1" for titles and headers. */
void ipl_env_summary(char *buf, size_t len);

/* t (seconds since the epoch) as "2025-01-31T12:00:00Z", or "unknown". */
void ipl_utc_iso8601(int64_t t, char *buf, size_t len);

/* `ipclab --version`: version, git revision, build flags, libtirpc. */
void ipl_version_write(FILE *f);

#endif
