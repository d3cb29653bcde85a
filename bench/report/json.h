/* report/json.h - a small streaming JSON writer (json.c): the caller says
 * what comes (object, key, value); the writer puts the commas, the quotes,
 * the escapes and the line breaks, so no output can be malformed by a
 * forgotten separator.
 *
 * Layout: members of a container are separated by ", " on one line unless
 * the container is IPL_JSON_LINES (each member on a line of its own) or
 * ipl_json_break() asked for a new line before the next member.  Lines are
 * indented two columns deeper than the enclosing container's lines
 * (IPL_JSON_ALIGN: one column, under the first key of an object that
 * starts a line). */
#ifndef IPL_REPORT_JSON_H
#define IPL_REPORT_JSON_H

#include <stdint.h>
#include <stdio.h>

#define IPL_JSON_DEPTH 8 /* deepest nesting: the report needs 5 */

enum {
	IPL_JSON_INLINE = 0,      /* ", " between members */
	IPL_JSON_LINES = 1,       /* every member on a line of its own */
	IPL_JSON_CLOSE_LINE = 2,  /* a non-empty container closes on a line of its own */
	IPL_JSON_ALIGN = 4,       /* its lines are indented one column, not two */
	IPL_JSON_CLOSE_EMPTY = 8, /* with CLOSE_LINE: an empty one too (the report's results) */
};

/* One open container. */
struct ipl_json_level {
	unsigned flags;
	int indent; /* columns before each of its lines */
	unsigned members;
};

struct ipl_json {
	FILE *f;
	int depth;     /* open containers */
	int after_key; /* a key was written: its value comes without a separator */
	int brk;       /* the next member starts a new line */
	int err;       /* nesting deeper than IPL_JSON_DEPTH or unbalanced: output is invalid */
	struct ipl_json_level lvl[IPL_JSON_DEPTH];
};

/* Starts a writer on f: one value (usually an object) follows. */
void ipl_json_init(struct ipl_json *j, FILE *f);

/* Opens an object or array as the next value; flags are IPL_JSON_*. */
void ipl_json_begin_object(struct ipl_json *j, unsigned flags);
void ipl_json_begin_array(struct ipl_json *j, unsigned flags);
/* Closes the innermost container (which must be of that kind). */
void ipl_json_end_object(struct ipl_json *j);
void ipl_json_end_array(struct ipl_json *j);

/* The next member of the innermost container starts a new line. */
void ipl_json_break(struct ipl_json *j);

/* The key of the next member of an object; its value must follow. */
void ipl_json_key(struct ipl_json *j, const char *key);

/* Values.  ipl_json_string writes NULL as ""; ipl_json_number writes v
 * with 3 decimals (ipl_json_fixed: decimals), NaN and infinities as null. */
void ipl_json_string(struct ipl_json *j, const char *s);
void ipl_json_number(struct ipl_json *j, double v);
void ipl_json_fixed(struct ipl_json *j, double v, int decimals);
void ipl_json_int(struct ipl_json *j, int64_t v);
void ipl_json_uint(struct ipl_json *j, uint64_t v);
void ipl_json_bool(struct ipl_json *j, int v);
void ipl_json_null(struct ipl_json *j);
/* s as a string, or null when s is NULL. */
void ipl_json_string_or_null(struct ipl_json *j, const char *s);

/* s as a JSON string, always valid UTF-8: quotes, backslashes and control
 * characters escaped, each byte that is not part of well-formed UTF-8
 * replaced by U+FFFD (a command line may hold any bytes). */
void ipl_json_str(FILE *f, const char *s);

#endif
