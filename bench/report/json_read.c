/* json_read.c - a recursive-descent JSON parser with hard bounds, for the
 * results ipclab compare reads back: a file someone hands us may be cut
 * short, nested a million deep or full of junk, and must cost a one-line
 * error, never a crash, a stall or unbounded memory.
 *
 * Strings are decoded into one buffer the size of the input (a decoded
 * string plus its NUL is never longer than the quoted original), so the
 * node's pointers into it stay valid; nodes grow by doubling, up to
 * IPL_JREAD_MAX_NODES, and link to each other by index for the same
 * reason. */
#include "bench/report/json_read.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char *p, *end, *start;
	char *out; /* next free byte of doc->text */
	struct ipl_jdoc *doc;
	int depth;
	char *err;
	size_t errlen;
};

static int fail(struct parser *ps, const char *what)
{
	unsigned line = 1;
	for (const char *q = ps->start; q < ps->p && q < ps->end; q++)
		line += *q == '\n';
	snprintf(ps->err, ps->errlen, "line %u: %s", line, what);
	return -1;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/* A new node of type t; its index, or -1 (too many values, no memory). */
static int new_node(struct parser *ps, enum ipl_jtype t)
{
	struct ipl_jdoc *d = ps->doc;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;
		if (cap > IPL_JREAD_MAX_NODES)
			cap = IPL_JREAD_MAX_NODES;
		if (d->n == cap)
			return fail(ps, "too many values");
		struct ipl_jnode *nn = realloc(d->nodes, cap * sizeof *nn);
		if (!nn)
			return fail(ps, "out of memory");
		d->nodes = nn;
		d->cap = cap;
	}
	d->nodes[d->n] = (struct ipl_jnode){ .type = t, .child = -1, .next = -1 };
	return (int)d->n++;
}

static int hex4(const char *s, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		unsigned x = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
						  : 16u;
		if (x > 15)
			return -1;
		*v = *v << 4 | x;
	}
	return 0;
}

/* \uXXXX at ps->p (after the backslash-u) as UTF-8; a lone surrogate is
 * kept as its 3-byte form: we only compare strings, never display them
 * as Unicode. */
static int unicode_escape(struct parser *ps)
{
	unsigned v;
	if (ps->end - ps->p < 4 || hex4(ps->p, &v))
		return fail(ps, "bad \\u escape");
	if (!v)
		return fail(ps, "\\u0000 in a string");
	ps->p += 4;
	if (v < 0x80) {
		*ps->out++ = (char)v;
	} else if (v < 0x800) {
		*ps->out++ = (char)(0xc0 | v >> 6);
		*ps->out++ = (char)(0x80 | (v & 0x3f));
	} else {
		*ps->out++ = (char)(0xe0 | v >> 12);
		*ps->out++ = (char)(0x80 | (v >> 6 & 0x3f));
		*ps->out++ = (char)(0x80 | (v & 0x3f));
	}
	return 0;
}

static int escape(struct parser *ps)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	if (ps->p >= ps->end)
		return fail(ps, "unterminated string");
	char c = *ps->p++;
	if (c == 'u')
		return unicode_escape(ps);
	const char *k = strchr(from, c);
	if (!c || !k)
		return fail(ps, "bad escape in a string");
	*ps->out++ = to[k - from];
	return 0;
}

/* A string at ps->p (on its opening quote): decoded into doc->text. */
static int parse_string(struct parser *ps, const char **s)
{
	ps->p++;
	*s = ps->out;
	for (;;) {
		if (ps->p >= ps->end)
			return fail(ps, "unterminated string");
		unsigned char c = (unsigned char)*ps->p++;
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(ps, "control character in a string");
		if (c != '\\')
			*ps->out++ = (char)c;
		else if (escape(ps))
			return -1;
	}
	*ps->out++ = '\0';
	return 0;
}

static int digits(struct parser *ps)
{
	const char *b = ps->p;
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
		ps->p++;
	return ps->p > b ? 0 : -1;
}

/* A number in JSON's grammar (no hex, inf, nan or leading '+'), then
 * strtod on a bounded copy of it. */
static int parse_number(struct parser *ps, double *v)
{
	const char *b = ps->p;
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p < ps->end && *ps->p == '0')
		ps->p++;
	else if (digits(ps))
		return fail(ps, "bad number");
	if (ps->p < ps->end && *ps->p == '.' && (ps->p++, digits(ps)))
		return fail(ps, "bad number");
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (digits(ps))
			return fail(ps, "bad number");
	}
	char buf[64];
	if ((size_t)(ps->p - b) >= sizeof buf)
		return fail(ps, "number too long");
	memcpy(buf, b, (size_t)(ps->p - b));
	buf[ps->p - b] = '\0';
	*v = strtod(buf, NULL);
	return 0;
}

static int parse_value(struct parser *ps);

/* The members of an array or object (ps->p after its opening bracket),
 * linked under node idx. */
static int parse_members(struct parser *ps, int idx, int is_obj)
{
	char close = is_obj ? '}' : ']';
	int prev = -1;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close)
		return ps->p++, 0;
	for (;;) {
		const char *key = NULL;
		skip_ws(ps);
		if (is_obj) {
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, "expected a key");
			if (parse_string(ps, &key))
				return -1;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p++ != ':')
				return fail(ps, "expected ':'");
		}
		int m = parse_value(ps);
		if (m < 0)
			return -1;
		ps->doc->nodes[m].key = key;
		if (prev < 0)
			ps->doc->nodes[idx].child = m;
		else
			ps->doc->nodes[prev].next = m;
		prev = m;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close)
			return ps->p++, 0;
		return fail(ps, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int parse_word(struct parser *ps, const char *w, enum ipl_jtype t, double v)
{
	size_t n = strlen(w);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n))
		return fail(ps, "unexpected character");
	ps->p += n;
	int idx = new_node(ps, t);
	if (idx >= 0)
		ps->doc->nodes[idx].num = v;
	return idx;
}

/* One value at ps->p: the index of its node, or -1. */
static int parse_value(struct parser *ps)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end of file");
	char c = *ps->p;
	if (c == 'n')
		return parse_word(ps, "null", IPL_JNULL, 0);
	if (c == 't')
		return parse_word(ps, "true", IPL_JBOOL, 1);
	if (c == 'f')
		return parse_word(ps, "false", IPL_JBOOL, 0);
	int idx;
	if (c == '"') {
		const char *s;
		if (parse_string(ps, &s) || (idx = new_node(ps, IPL_JSTR)) < 0)
			return -1;
		ps->doc->nodes[idx].str = s;
		return idx;
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		double v;
		if (parse_number(ps, &v) || (idx = new_node(ps, IPL_JNUM)) < 0)
			return -1;
		ps->doc->nodes[idx].num = v;
		return idx;
	}
	if (c != '[' && c != '{')
		return fail(ps, "unexpected character");
	if (++ps->depth > IPL_JREAD_MAX_DEPTH)
		return fail(ps, "nested too deep");
	ps->p++;
	if ((idx = new_node(ps, c == '{' ? IPL_JOBJ : IPL_JARR)) < 0 || parse_members(ps, idx, c == '{'))
		return -1;
	ps->depth--;
	return idx;
}

int ipl_jparse(const char *text, size_t len, struct ipl_jdoc *doc, char *err, size_t errlen)
{
	struct parser ps = { .p = text, .end = text + len, .start = text, .doc = doc, .err = err, .errlen = errlen };
	if (len > IPL_JREAD_MAX_BYTES)
		return fail(&ps, "file too large"), -1;
	doc->text = malloc(len + 1);
	if (!doc->text)
		return fail(&ps, "out of memory");
	ps.out = doc->text;
	if (parse_value(&ps) < 0)
		return -1;
	skip_ws(&ps);
	if (ps.p != ps.end)
		return fail(&ps, "text after the end of the document");
	return 0;
}

int ipl_jparse_file(const char *path, struct ipl_jdoc *doc, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	char *buf = malloc(IPL_JREAD_MAX_BYTES + 1);
	size_t n = buf ? fread(buf, 1, IPL_JREAD_MAX_BYTES + 1, f) : 0;
	int bad = !buf || ferror(f);
	fclose(f);
	int rc = -1;
	if (bad)
		snprintf(err, errlen, "%s", buf ? "read error" : "out of memory");
	else if (n > IPL_JREAD_MAX_BYTES)
		snprintf(err, errlen, "larger than %u MiB", IPL_JREAD_MAX_BYTES >> 20);
	else
		rc = ipl_jparse(buf, n, doc, err, errlen);
	free(buf);
	return rc;
}

void ipl_jdoc_free(struct ipl_jdoc *doc)
{
	free(doc->nodes);
	free(doc->text);
	*doc = (struct ipl_jdoc){ 0 };
}

const struct ipl_jnode *ipl_jfirst(const struct ipl_jdoc *doc, const struct ipl_jnode *n)
{
	if (!n || (n->type != IPL_JARR && n->type != IPL_JOBJ) || n->child < 0)
		return NULL;
	return &doc->nodes[n->child];
}

const struct ipl_jnode *ipl_jnext(const struct ipl_jdoc *doc, const struct ipl_jnode *n)
{
	return n && n->next >= 0 ? &doc->nodes[n->next] : NULL;
}

const struct ipl_jnode *ipl_jget(const struct ipl_jdoc *doc, const struct ipl_jnode *obj, const char *key)
{
	if (!obj || obj->type != IPL_JOBJ)
		return NULL;
	for (const struct ipl_jnode *m = ipl_jfirst(doc, obj); m; m = ipl_jnext(doc, m))
		if (m->key && !strcmp(m->key, key))
			return m;
	return NULL;
}
