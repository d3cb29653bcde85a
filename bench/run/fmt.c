/* fmt.c - the value formatters of every output (fmt.h).
 *
 * One set, so that the same number never reads two ways: the table, the
 * Markdown and the chart titles all come through here. */
#include "bench/run/fmt.h"

#include <math.h>
#include <stdio.h>

const char *ipl_fmt_ns(char *buf, size_t len, double ns)
{
	if (!isfinite(ns))
		snprintf(buf, len, "-");
	else if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	return buf;
}

const char *ipl_fmt_ns_range(char *buf, size_t len, const struct ipl_spread *s)
{
	if (!s->n) {
		snprintf(buf, len, "-");
		return buf;
	}
	/* one unit for both ends: "61.2 us..1.1 ms" would hide which is larger */
	double div = s->max < 1e3 ? 1 : s->max < 1e6 ? 1e3 : 1e6;
	const char *unit = s->max < 1e3 ? "ns" : s->max < 1e6 ? "us" : "ms";
	snprintf(buf, len, div == 1 ? "%.0f..%.0f %s" : "%.1f..%.1f %s", s->min / div, s->max / div, unit);
	return buf;
}

const char *ipl_fmt_count(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (v >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

const char *ipl_fmt_count_range(char *buf, size_t len, const struct ipl_spread *s)
{
	char a[24], b[24];
	if (!s->n)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s..%s", ipl_fmt_count(a, sizeof a, s->min),
			 ipl_fmt_count(b, sizeof b, s->max));
	return buf;
}

/* size with the binary unit that divides it exactly; the units are the
 * caller's ("K" in a narrow cell, " KiB" in a title). */
static const char *size_in(char *buf, size_t len, uint32_t s, const char *const unit[3])
{
	if (s >= (1u << 20) && s % (1u << 20) == 0)
		snprintf(buf, len, "%u%s", s >> 20, unit[2]);
	else if (s >= 1024 && s % 1024 == 0)
		snprintf(buf, len, "%u%s", s >> 10, unit[1]);
	else
		snprintf(buf, len, "%u%s", s, unit[0]);
	return buf;
}

const char *ipl_fmt_size(char *buf, size_t len, uint32_t size)
{
	static const char *const unit[3] = { "", "K", "M" };
	return size_in(buf, len, size, unit);
}

const char *ipl_fmt_size_long(char *buf, size_t len, uint32_t size)
{
	static const char *const unit[3] = { " B", " KiB", " MiB" };
	return size_in(buf, len, size, unit);
}

const char *ipl_fmt_cpu(char *buf, size_t len, int c, int s)
{
	if (c < 0 && s < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%d,%d", c, s);
	return buf;
}

const char *ipl_fmt_num(char *buf, size_t len, const char *f, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, f, v);
	return buf;
}
