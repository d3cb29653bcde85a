/* report.c - the results as a terminal table, CSV, JSON or Markdown.
 *
 * Every format carries the same numbers and the same warnings (facts.c,
 * fmt.c); units are in the column names.  Each format has a file of its
 * own: table.c (table and Markdown), csv.c, json_out.c. */
#include "bench/report/report.h"
#include "bench/report/formats.h"

void ipl_report_write(FILE *out, const struct ipl_report *rep, enum ipl_format fmt)
{
	switch (fmt) {
	case IPL_FMT_TABLE: ipl_report_write_table(out, rep, 0); break;
	case IPL_FMT_MD: ipl_report_write_table(out, rep, 1); break;
	case IPL_FMT_CSV: ipl_report_write_csv(out, rep); break;
	case IPL_FMT_JSON: ipl_report_write_json(out, rep); break;
	}
}
