/* report/report.h - writes a report as a table, CSV, JSON or Markdown (report.c). */
#ifndef IPL_REPORT_H
#define IPL_REPORT_H

#include "bench/run/row.h"
#include <stdio.h>

enum ipl_format { IPL_FMT_TABLE, IPL_FMT_CSV, IPL_FMT_JSON, IPL_FMT_MD };

/* The CSV header, NULL-terminated: one row per rep, units in the names. */
extern const char *const ipl_csv_columns[];

void ipl_report_write(FILE *out, const struct ipl_report *rep, enum ipl_format fmt);

/* 1 when every row of rep ran with both ends pinned to a CPU. */
int ipl_report_pinned(const struct ipl_report *rep);

/* The JSON schema written by ipl_report_write: bumped when a field changes
 * meaning or goes away (new fields do not bump it). */
#define IPL_JSON_SCHEMA_VERSION 1

#endif
