/* report/json_read.h - a small JSON reader (json_read.c) for saved results,
 * which are hostile input: the text is bounded (IPL_JREAD_MAX_BYTES), the
 * nesting (IPL_JREAD_MAX_DEPTH) and the number of values
 * (IPL_JREAD_MAX_NODES) too, and anything outside RFC 8259 is refused with
 * a one-line reason naming the line. */
#ifndef IPL_REPORT_JSON_READ_H
#define IPL_REPORT_JSON_READ_H

#include <stddef.h>

#define IPL_JREAD_MAX_BYTES (32u << 20)
#define IPL_JREAD_MAX_DEPTH 32
#define IPL_JREAD_MAX_NODES (1u << 21)

enum ipl_jtype { IPL_JNULL, IPL_JBOOL, IPL_JNUM, IPL_JSTR, IPL_JARR, IPL_JOBJ };

/* One value.  Members of arrays and objects are linked by index (-1: none). */
struct ipl_jnode {
	enum ipl_jtype type;
	double num;      /* IPL_JNUM; IPL_JBOOL: 0 or 1 */
	const char *str; /* IPL_JSTR: the decoded text (no NUL inside) */
	const char *key; /* a member of an object: its key; else NULL */
	int child, next;
};

struct ipl_jdoc {
	struct ipl_jnode *nodes; /* nodes[0] is the root */
	size_t n, cap;
	char *text; /* the strings, decoded in place */
};

/* Parses len bytes of text (need not be NUL-terminated) into doc, which
 * starts zeroed.  Returns 0, or -1 with one line in err ("line 3: expected
 * ':'").  Free doc either way with ipl_jdoc_free. */
int ipl_jparse(const char *text, size_t len, struct ipl_jdoc *doc, char *err, size_t errlen);

/* Reads the file at path (at most IPL_JREAD_MAX_BYTES) and parses it.
 * Returns as ipl_jparse; err names the file's problem. */
int ipl_jparse_file(const char *path, struct ipl_jdoc *doc, char *err, size_t errlen);

/* Frees what the parse allocated; doc is zeroed. */
void ipl_jdoc_free(struct ipl_jdoc *doc);

/* Member key of the object at index obj, or NULL (not an object, no key). */
const struct ipl_jnode *ipl_jget(const struct ipl_jdoc *doc, const struct ipl_jnode *obj, const char *key);

/* The first member of an array/object, or the one after n; NULL at the end. */
const struct ipl_jnode *ipl_jfirst(const struct ipl_jdoc *doc, const struct ipl_jnode *n);
const struct ipl_jnode *ipl_jnext(const struct ipl_jdoc *doc, const struct ipl_jnode *n);

#endif
