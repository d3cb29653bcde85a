/* json.c - the streaming JSON writer (json.h).
 *
 * It knows where it is (inside which containers, after a key or not) so
 * that callers never write a separator themselves: the report's JSON used
 * to be 140 lines of hand-placed ", " and "\n     ", where one slip made
 * the whole file unreadable to every consumer. */
#include "bench/report/json.h"

#include <inttypes.h>
#include <math.h>

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf; /* bounds of the second byte */
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void ipl_json_str(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	fputc('"', f);
	while (*s) {
		size_t n = utf8_len(s);
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\u%04x", *s);
		else if (n)
			fwrite(s, 1, n, f);
		else
			fputs("\\ufffd", f); /* not UTF-8: the replacement character */
		s += n ? n : 1;
	}
	fputc('"', f);
}

void ipl_json_init(struct ipl_json *j, FILE *f)
{
	*j = (struct ipl_json){ .f = f };
}

static void newline(struct ipl_json *j, int indent)
{
	fprintf(j->f, "\n%*s", indent, "");
}

/* Before a key, or a value that is not a key's: the separator its place
 * in the innermost container calls for. */
static void next_member(struct ipl_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->depth)
		return;
	struct ipl_json_level *l = &j->lvl[j->depth - 1];
	if (l->members++)
		fputc(',', j->f);
	if (j->brk || (l->flags & IPL_JSON_LINES))
		newline(j, l->indent);
	else if (l->members > 1)
		fputc(' ', j->f);
	j->brk = 0;
}

static void begin(struct ipl_json *j, char open, unsigned flags)
{
	next_member(j);
	fputc(open, j->f);
	if (j->depth == IPL_JSON_DEPTH) {
		j->err = 1;
		return;
	}
	int outer = j->depth ? j->lvl[j->depth - 1].indent : 0;
	j->lvl[j->depth].flags = flags;
	j->lvl[j->depth].indent = outer + (flags & IPL_JSON_ALIGN ? 1 : 2);
	j->lvl[j->depth].members = 0;
	j->depth++;
}

static void end(struct ipl_json *j, char close)
{
	if (!j->depth || j->after_key) {
		j->err = 1;
		return;
	}
	j->depth--;
	unsigned fl = j->lvl[j->depth].flags;
	if ((fl & IPL_JSON_CLOSE_LINE) && (j->lvl[j->depth].members || (fl & IPL_JSON_CLOSE_EMPTY)))
		newline(j, j->depth ? j->lvl[j->depth - 1].indent : 0);
	fputc(close, j->f);
	j->brk = 0;
}

void ipl_json_begin_object(struct ipl_json *j, unsigned flags)
{
	begin(j, '{', flags);
}
void ipl_json_begin_array(struct ipl_json *j, unsigned flags)
{
	begin(j, '[', flags);
}
void ipl_json_end_object(struct ipl_json *j)
{
	end(j, '}');
}
void ipl_json_end_array(struct ipl_json *j)
{
	end(j, ']');
}

void ipl_json_break(struct ipl_json *j)
{
	j->brk = 1;
}

void ipl_json_key(struct ipl_json *j, const char *key)
{
	next_member(j);
	ipl_json_str(j->f, key);
	fputs(": ", j->f);
	j->after_key = 1;
}

void ipl_json_string(struct ipl_json *j, const char *s)
{
	next_member(j);
	ipl_json_str(j->f, s);
}

void ipl_json_string_or_null(struct ipl_json *j, const char *s)
{
	if (s)
		ipl_json_string(j, s);
	else
		ipl_json_null(j);
}

void ipl_json_fixed(struct ipl_json *j, double v, int decimals)
{
	next_member(j);
	if (isfinite(v)) /* JSON has no NaN or Infinity */
		fprintf(j->f, "%.*f", decimals, v);
	else
		fputs("null", j->f);
}

void ipl_json_number(struct ipl_json *j, double v)
{
	ipl_json_fixed(j, v, 3);
}

void ipl_json_int(struct ipl_json *j, int64_t v)
{
	next_member(j);
	fprintf(j->f, "%" PRId64, v);
}

void ipl_json_uint(struct ipl_json *j, uint64_t v)
{
	next_member(j);
	fprintf(j->f, "%" PRIu64, v);
}

void ipl_json_bool(struct ipl_json *j, int v)
{
	next_member(j);
	fputs(v ? "true" : "false", j->f);
}

void ipl_json_null(struct ipl_json *j)
{
	next_member(j);
	fputs("null", j->f);
}
