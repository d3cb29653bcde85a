/* report/formats.h - one writer per output format, behind ipl_report_write
 * (report.c).  Each writes the whole of rep to f; the numbers are the
 * same in all of them, only the layout differs. */
#ifndef IPL_REPORT_FORMATS_H
#define IPL_REPORT_FORMATS_H

#include "bench/run/row.h"

#include <stdio.h>

/* The terminal table (md = 0) or Markdown (md = 1): one layout, two
 * syntaxes (table.c). */
void ipl_report_write_table(FILE *f, const struct ipl_report *rep, int md);

/* CSV, a line per rep under the ipl_csv_columns header (csv.c). */
void ipl_report_write_csv(FILE *f, const struct ipl_report *rep);

/* JSON, schema IPL_JSON_SCHEMA_VERSION (json_out.c). */
void ipl_report_write_json(FILE *f, const struct ipl_report *rep);

#endif
