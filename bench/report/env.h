/* env.h - the machine a result was measured on, for the record. */
#ifndef IPL_ENV_H
#define IPL_ENV_H

#include <stdint.h>
#include <stdio.h>

#define IPL_VERSION_STRING "0.1.0"

/* Writes a JSON object: ipclab version, git revision, kernel, CPU model,
 * cores, clock source, cpuidle driver, CPU frequency governor and turbo
 * (null when the kernel does not expose them), build flags. */
void ipl_env_write_json(FILE *f);

/* "AMD EPYC ... , 2 cores, Linux 6.1" for titles and headers. */
void ipl_env_summary(char *buf, size_t len);

/* s as a JSON string, always valid UTF-8: quotes, backslashes and control
 * characters escaped, each byte that is not part of well-formed UTF-8
 * replaced by U+FFFD (a command line may hold any bytes). */
void ipl_json_str(FILE *f, const char *s);

/* t (seconds since the epoch) as "2025-01-31T12:00:00Z", or "unknown". */
void ipl_utc_iso8601(int64_t t, char *buf, size_t len);

/* `ipclab --version`: version, git revision, build flags, libtirpc. */
void ipl_version_write(FILE *f);

#endif
