/* opts.c - option value parsers: strict, bounded, with a reason on failure. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int bad(char *err, size_t len, const char *what, const char *s)
{
	snprintf(err, len, "invalid %s '%s'", what, s);
	return -1;
}

static int parse_scaled(const char *s, uint64_t *out)
{
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	uint64_t mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1024ull * 1024 * 1024, end++;
	if (*end || v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int ipl_parse_size(const char *s, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	if (parse_scaled(s, out) < 0)
		return bad(err, errlen, "size", s);
	if (*out > max) {
		snprintf(err, errlen, "size '%s' is over the limit of %llu bytes", s, (unsigned long long)max);
		return -1;
	}
	return 0;
}

int ipl_parse_size_list(const char *s, uint64_t max, uint64_t *out, size_t *n, char *err, size_t errlen)
{
	char *copy = strdup(s), *save = NULL;
	*n = 0;
	if (!copy)
		return bad(err, errlen, "size list", s);
	int rc = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == IPL_LIST_MAX) {
			snprintf(err, errlen, "too many sizes (at most %d)", IPL_LIST_MAX);
			rc = -1;
			break;
		}
		if ((rc = ipl_parse_size(tok, max, &out[*n], err, errlen)) < 0)
			break;
		(*n)++;
	}
	if (rc == 0 && *n == 0)
		rc = bad(err, errlen, "size list", s);
	free(copy);
	return rc;
}

int ipl_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	if (parse_scaled(s, out) < 0)
		return bad(err, errlen, "number", s);
	if (*out < min || *out > max) {
		snprintf(err, errlen, "'%s' is out of range (%llu..%llu)", s, (unsigned long long)min,
			 (unsigned long long)max);
		return -1;
	}
	return 0;
}

int ipl_parse_cpu_pair(const char *s, int *c, int *srv, char *err, size_t errlen)
{
	char *end;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (!isdigit((unsigned char)s[0]))
		return bad(err, errlen, "--cpu (want CLIENT,SERVER like 0,1)", s);
	long a = strtol(s, &end, 10);
	if (*end != ',' || !isdigit((unsigned char)end[1]))
		return bad(err, errlen, "--cpu (want CLIENT,SERVER like 0,1)", s);
	long b = strtol(end + 1, &end, 10);
	if (*end)
		return bad(err, errlen, "--cpu (want CLIENT,SERVER like 0,1)", s);
	if (a >= ncpu || b >= ncpu) {
		snprintf(err, errlen, "--cpu %s: this machine has CPUs 0..%ld", s, ncpu - 1);
		return -1;
	}
	*c = (int)a;
	*srv = (int)b;
	return 0;
}

int ipl_parse_seconds(const char *s, double *out, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || isinf(v) || v > 86400)
		return bad(err, errlen, "duration in seconds", s);
	*out = v;
	return 0;
}

int ipl_parse_wait(const char *s, enum ipl_wait *out, char *err, size_t errlen)
{
	if (!strcmp(s, "block"))
		*out = IPL_WAIT_BLOCK;
	else if (!strcmp(s, "spin"))
		*out = IPL_WAIT_SPIN;
	else if (!strcmp(s, "hybrid"))
		*out = IPL_WAIT_HYBRID;
	else
		return bad(err, errlen, "--wait (block, spin, hybrid)", s);
	return 0;
}

const char *ipl_wait_name(enum ipl_wait w)
{
	return w == IPL_WAIT_SPIN ? "spin" : w == IPL_WAIT_HYBRID ? "hybrid" : "block";
}

int ipl_parse_via(const char *s, const struct ipl_transport **out, char *err, size_t errlen)
{
	const struct ipl_transport *tp = ipl_transport_find(s);
	if (!tp || (tp->caps & IPL_CAP_LAYERED) || !(tp->caps & IPL_CAP_BYTES))
		return bad(err, errlen, "--via (a byte-stream mechanism such as tcp or unix)", s);
	*out = tp;
	return 0;
}

const char *ipl_row_label(const struct ipl_transport *tp, const struct ipl_transport *via)
{
	static char labels[IPL_LIST_MAX][48];
	static unsigned next;
	if (!(tp->caps & IPL_CAP_LAYERED))
		return tp->name;
	char *l = labels[next++ % IPL_LIST_MAX];
	snprintf(l, sizeof labels[0], "%s/%s", tp->name, via ? via->name : "unix");
	return l;
}
