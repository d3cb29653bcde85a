/* env.h - the machine a result was measured on, for the record. */
#ifndef IPL_ENV_H
#define IPL_ENV_H

#include <stdio.h>

#define IPL_VERSION_STRING "0.1.0"

/* Writes a JSON object: ipclab version, git revision, kernel, CPU model,
 * cores, clock source, cpuidle driver. */
void ipl_env_write_json(FILE *f);

/* "AMD EPYC ... , 2 cores, Linux 6.1" for titles and headers. */
void ipl_env_summary(char *buf, size_t len);

#endif
