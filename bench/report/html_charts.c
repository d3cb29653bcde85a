/* html_charts.c - which charts a run's JSON makes and their series: p50
 * latency against size per mechanism (log-log, min..max across reps as
 * error bars), msgs/s against clients when the run swept clients, MB/s
 * against size when throughput or stream rows span several sizes.  Values
 * are read by type (json_read.h); a row missing one is left out. */
#include "bench/report/html.h"
#include "bench/run/fmt.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct row {
	const char *mech, *wait, *mode, *placement;
	double size, clients;
};

enum kind { K_LATENCY, K_CLIENTS, K_MBPS };

static const char *str_of(const struct ipl_jdoc *d, const struct ipl_jnode *o, const char *key)
{
	const struct ipl_jnode *v = ipl_jget(d, o, key);
	return v && v->type == IPL_JSTR ? v->str : NULL;
}

static double num_of(const struct ipl_jdoc *d, const struct ipl_jnode *o, const char *key)
{
	const struct ipl_jnode *v = ipl_jget(d, o, key);
	return v && v->type == IPL_JNUM && isfinite(v->num) ? v->num : NAN;
}

static int row_of(const struct ipl_jdoc *d, const struct ipl_jnode *o, struct row *r)
{
	r->mech = str_of(d, o, "mechanism");
	r->wait = str_of(d, o, "wait");
	r->mode = str_of(d, o, "mode");
	r->placement = str_of(d, o, "placement");
	r->size = num_of(d, o, "size_bytes");
	r->clients = num_of(d, o, "clients");
	if (!r->wait)
		r->wait = "";
	return r->mech && r->mode && r->placement && r->size >= 0 && r->size <= UINT32_MAX && isfinite(r->clients)
		     ? 0
		     : -1;
}

static int wanted(const struct row *r, enum kind k)
{
	if (k == K_LATENCY)
		return !strcmp(r->mode, "latency");
	if (k == K_CLIENTS)
		return !strcmp(r->mode, "throughput");
	return !strcmp(r->mode, "throughput") || !strcmp(r->mode, "stream");
}

/* Whether the wanted rows differ in placement, clients, size, mode. */
struct spread {
	int placement, clients, size, mode;
};

static struct spread spread_of(const struct ipl_jdoc *d, const struct ipl_jnode *res, enum kind k)
{
	struct spread s = { 0 };
	struct row first = { 0 }, r;
	int have = 0;
	for (const struct ipl_jnode *o = ipl_jfirst(d, res); o; o = ipl_jnext(d, o)) {
		if (row_of(d, o, &r) || !wanted(&r, k))
			continue;
		if (!have++) {
			first = r;
			continue;
		}
		s.placement |= strcmp(r.placement, first.placement) != 0;
		s.mode |= strcmp(r.mode, first.mode) != 0;
		s.clients |= r.clients != first.clients;
		s.size |= r.size != first.size;
	}
	return s;
}

static void name_of(const struct row *r, enum kind k, const struct spread *s, char *buf, size_t len)
{
	char size[32] = "", sz[24], cl[24] = "";
	if (k == K_CLIENTS && s->size)
		snprintf(size, sizeof size, " %s", ipl_fmt_size_long(sz, sizeof sz, (uint32_t)r->size));
	if (k != K_CLIENTS && s->clients)
		snprintf(cl, sizeof cl, " c%.0f", r->clients);
	snprintf(buf, len, "%.40s%s%.12s%s%.12s%s%s%s%.24s", r->mech, *r->wait ? "-" : "", r->wait,
		 k == K_MBPS && s->mode ? " " : "", k == K_MBPS && s->mode ? r->mode : "", size, cl,
		 s->placement ? " " : "", s->placement ? r->placement : "");
}

static struct ipl_svg_series *series_for(struct ipl_svg_chart *c, const char *name)
{
	for (size_t i = 0; i < c->ns; i++)
		if (!strcmp(c->s[i].name, name))
			return &c->s[i];
	if (c->ns == IPL_SVG_MAX_SERIES)
		return NULL;
	struct ipl_svg_series *s = &c->s[c->ns++];
	snprintf(s->name, sizeof s->name, "%s", name);
	return s;
}

/* Adds (x, the median of spread key) with its min..max, in x order. */
static void add_point(struct ipl_svg_series *s, double x, const struct ipl_jdoc *d,
		      const struct ipl_jnode *o, const char *key)
{
	const struct ipl_jnode *sp = ipl_jget(d, o, key);
	double y = num_of(d, sp, "median");
	if (!sp || !isfinite(y) || s->n == IPL_SVG_MAX_POINTS)
		return;
	size_t i = s->n++;
	for (; i > 0 && s->pts[i - 1].x > x; i--)
		s->pts[i] = s->pts[i - 1];
	s->pts[i] = (struct ipl_svg_point){ x, y, num_of(d, sp, "min"), num_of(d, sp, "max") };
}

static int one_chart(FILE *f, const struct ipl_jdoc *d, const struct ipl_jnode *res, enum kind k, int id)
{
	static const struct ipl_svg_chart proto[] = {
		{ "p50 latency by message size", "message size (log)", "p50 latency, ns (log)", 1, 1, "B", 0, 0 },
		{ "throughput by clients", "clients", "msgs/s (log)", 0, 1, NULL, 0, 0 },
		{ "bandwidth by message size", "message size (log)", "MB/s (log)", 1, 1, "B", 0, 0 },
	};
	static const char *const ids[] = { "latency", "clients", "mbps" };
	struct spread sp = spread_of(d, res, k);
	if ((k == K_CLIENTS && !sp.clients) || (k == K_MBPS && !sp.size))
		return 0;
	struct ipl_svg_chart c = proto[k];
	c.s = calloc(IPL_SVG_MAX_SERIES, sizeof *c.s);
	if (!c.s)
		return 0;
	struct row r;
	char name[96];
	for (const struct ipl_jnode *o = ipl_jfirst(d, res); o; o = ipl_jnext(d, o)) {
		if (row_of(d, o, &r) || !wanted(&r, k))
			continue;
		name_of(&r, k, &sp, name, sizeof name);
		struct ipl_svg_series *s = series_for(&c, name);
		if (s)
			add_point(s, k == K_CLIENTS ? r.clients : r.size, d, o,
				  k == K_LATENCY   ? "p50_ns"
				  : k == K_CLIENTS ? "msgs_per_s"
						   : "mb_per_s");
	}
	int drawn = 0;
	for (size_t i = 0; i < c.ns && !drawn; i++)
		drawn = c.s[i].n > 0;
	if (drawn) {
		fprintf(f, "<figure class='chart' id='chart-%s-%d'>\n", ids[k], id);
		ipl_svg_chart_write(f, &c);
		fputs("<figcaption>median of the reps; bars: min..max across reps</figcaption></figure>\n", f);
	}
	free(c.s);
	return drawn;
}

int ipl_html_charts(FILE *f, const struct ipl_jdoc *d, int id)
{
	const struct ipl_jnode *res = ipl_jget(d, &d->nodes[0], "results");
	if (!res || res->type != IPL_JARR)
		return 0;
	int n = 0;
	for (int k = K_LATENCY; k <= K_MBPS; k++)
		n += one_chart(f, d, res, (enum kind)k, id);
	return n;
}
