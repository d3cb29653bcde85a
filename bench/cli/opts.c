/* opts.c - option value parsers: strict, bounded, with a reason on failure. */
#include "bench/cli/cli.h"
#include "bench/registry/registry.h"

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

int ipl_split_list(const char *s, char (*items)[IPL_ITEM_MAX], size_t *n, char *err, size_t errlen)
{
	*n = 0;
	if (!*s) {
		snprintf(err, errlen, "empty list");
		return -1;
	}
	for (const char *p = s;; p++) {
		size_t len = strcspn(p, ",");
		if (len == 0) {
			snprintf(err, errlen, "empty item in the list '%s'", s);
			return -1;
		}
		if (*n == IPL_LIST_MAX) {
			snprintf(err, errlen, "too many items in the list (at most %d)", IPL_LIST_MAX);
			return -1;
		}
		if (len >= IPL_ITEM_MAX) {
			snprintf(err, errlen, "item '%.*s...' is too long", 20, p);
			return -1;
		}
		snprintf(items[(*n)++], IPL_ITEM_MAX, "%.*s", (int)len, p);
		p += len;
		if (!*p)
			return 0;
	}
}

int ipl_parse_size_list(const char *s, uint64_t max, uint64_t *out, size_t *n, char *err, size_t errlen)
{
	char items[IPL_LIST_MAX][IPL_ITEM_MAX];
	size_t k;
	*n = 0;
	if (ipl_split_list(s, items, &k, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < k; i++)
		if (ipl_parse_size(items[i], max, &out[i], err, errlen) < 0)
			return -1;
	*n = k;
	return 0;
}

int ipl_parse_count_list(const char *s, uint64_t min, uint64_t max, const char *unit, uint64_t *out,
			 size_t *n, char *err, size_t errlen)
{
	char items[IPL_LIST_MAX][IPL_ITEM_MAX];
	size_t k;
	*n = 0;
	if (ipl_split_list(s, items, &k, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < k; i++) {
		if (parse_scaled(items[i], &out[i]) < 0)
			return bad(err, errlen, "number", items[i]);
		if (out[i] > max) {
			snprintf(err, errlen, "'%s' is over the limit of %llu %s", items[i],
				 (unsigned long long)max, unit);
			return -1;
		}
		if (out[i] < min) {
			snprintf(err, errlen, "'%s' is too few %s (at least %llu)", items[i], unit,
				 (unsigned long long)min);
			return -1;
		}
	}
	*n = k;
	return 0;
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
