/* compare_load.c - a saved run read back for `ipclab compare`: the JSON of
 * `ipclab bench -f json` through the bounded reader of json_read.h, or the
 * CSV through plot_read.c.  Each value is checked for its type and range
 * before use: the file may have been edited, cut short or forged. */
#include "bench/report/compare.h"
#include "bench/report/json_read.h"
#include "bench/report/plot_read.h"
#include "bench/run/placement.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ipl_cmp_env_names[IPL_CMP_ENV_N] = {
	"ipclab_version", "kernel", "cpu_model", "cores",  "hostname",   "cpufreq_governor",
	"build_flags",    "iters",  "warmup",    "window", "placements", "machine",
};
enum { ENV_PLACEMENTS = 10, ENV_MACHINE = 11, ENV_FROM_SETTINGS = 7 };

/* Keeps printable ASCII only: the names reach a terminal, and a forged
 * file must not be able to send it escape sequences. */
static void clean(char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}

/* A field as text: strings as they are, numbers %g, null/missing "". */
static void field_text(const struct ipl_jnode *v, char *buf, size_t len)
{
	buf[0] = '\0';
	if (v && v->type == IPL_JSTR)
		snprintf(buf, len, "%s", v->str);
	else if (v && v->type == IPL_JNUM)
		snprintf(buf, len, "%g", v->num);
	else if (v && v->type == IPL_JBOOL)
		snprintf(buf, len, "%s", v->num ? "true" : "false");
	clean(buf);
}

/* A number field, or NaN when it is missing, null or not a number. */
static double field_num(const struct ipl_jdoc *d, const struct ipl_jnode *obj, const char *key)
{
	const struct ipl_jnode *v = ipl_jget(d, obj, key);
	return v && v->type == IPL_JNUM && isfinite(v->num) ? v->num : NAN;
}

/* A whole number in [0, max] (size, clients): 0 or -1. */
static int field_uint(const struct ipl_jdoc *d, const struct ipl_jnode *obj, const char *key, double max,
		      unsigned *out)
{
	double v = field_num(d, obj, key);
	if (!(v >= 0 && v <= max) || v != floor(v))
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* The rep's figures, when it is valid and has the row's deciding one. */
static void json_rep(const struct ipl_jdoc *d, const struct ipl_jnode *rep, struct ipl_cmp_row *r, int rate)
{
	const struct ipl_jnode *valid = ipl_jget(d, rep, "valid");
	if (!valid || valid->type != IPL_JBOOL || !valid->num || r->nreps >= IPL_CMP_MAX_REPS)
		return;
	double p50 = field_num(d, ipl_jget(d, rep, "latency"), "p50_ns");
	double mps = field_num(d, rep, "msgs_per_s");
	if (!((rate ? mps : p50) > 0))
		return;
	r->p50[r->nreps] = p50;
	r->mps[r->nreps] = mps;
	r->nreps++;
}

/* What the row measured: mechanism (with its wait, as plot_read.c labels
 * CSV rows: "shm-spin"; baseline rows are named "tcp-raw" already), mode, size,
 * clients, placement. */
static int json_row_head(const struct ipl_jdoc *d, const struct ipl_jnode *o, struct ipl_cmp_row *r)
{
	const struct ipl_jnode *mech = ipl_jget(d, o, "mechanism"), *mode = ipl_jget(d, o, "mode");
	const struct ipl_jnode *wait = ipl_jget(d, o, "wait"), *pl = ipl_jget(d, o, "placement");
	if (!mech || mech->type != IPL_JSTR || !mode || mode->type != IPL_JSTR || !pl || pl->type != IPL_JSTR)
		return -1;
	int w = wait && wait->type == IPL_JSTR && wait->str[0];
	snprintf(r->mech, sizeof r->mech, "%.40s%s%.15s", mech->str, w ? "-" : "", w ? wait->str : "");
	snprintf(r->mode, sizeof r->mode, "%s", mode->str);
	snprintf(r->placement, sizeof r->placement, "%s", pl->str);
	clean(r->mech);
	clean(r->mode);
	clean(r->placement);
	if (field_uint(d, o, "size_bytes", 4294967295.0, &r->size) ||
	    field_uint(d, o, "clients", 4294967295.0, &r->clients))
		return -1;
	/* load rows only; a value out of range reads as no rate */
	double rate = field_num(d, o, "offered_rate_msgs_per_s");
	r->rate = !strcmp(r->mode, "load") && rate > 0 && rate <= 1e9 ? rate : 0;
	return 0;
}

static int json_row(const struct ipl_jdoc *d, const struct ipl_jnode *o, struct ipl_cmp_row *r)
{
	if (o->type != IPL_JOBJ || json_row_head(d, o, r))
		return -1;
	const struct ipl_jnode *reps = ipl_jget(d, o, "reps"), *h = ipl_jget(d, o, "latency");
	if (!reps || reps->type != IPL_JARR)
		return -1;
	int rate = ipl_cmp_mode_by_rate(r->mode);
	for (const struct ipl_jnode *k = ipl_jfirst(d, reps); k; k = ipl_jnext(d, k))
		if (k->type == IPL_JOBJ)
			json_rep(d, k, r, rate);
	r->h_count = field_num(d, h, "count");
	r->h_min = field_num(d, h, "min_ns");
	r->h_p50 = field_num(d, h, "p50_ns");
	r->h_p75 = field_num(d, h, "p75_ns");
	return 0;
}

/* Appends a zeroed row to run: NULL at IPL_CMP_MAX_ROWS or out of memory. */
static struct ipl_cmp_row *add_row(struct ipl_cmp_run *run)
{
	if (run->n >= IPL_CMP_MAX_ROWS)
		return NULL;
	if (run->n == run->cap) {
		size_t cap = run->cap ? run->cap * 2 : 16;
		struct ipl_cmp_row *rows = realloc(run->rows, cap * sizeof *rows);
		if (!rows)
			return NULL;
		run->rows = rows;
		run->cap = cap;
	}
	struct ipl_cmp_row *rows = run->rows;
	memset(&rows[run->n], 0, sizeof rows[0]);
	return &rows[run->n++];
}

/* The distinct placements of the rows, in order, comma-separated. */
static void placements_text(const struct ipl_cmp_run *run, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < run->n; i++) {
		const char *p = run->rows[i].placement;
		int seen = 0;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(run->rows[k].placement, p);
		size_t used = strlen(buf);
		if (!seen && used < len)
			snprintf(buf + used, len - used, "%s%s", used ? "," : "", p);
	}
}

static void json_env(const struct ipl_jdoc *d, const struct ipl_jnode *root, struct ipl_cmp_run *run)
{
	const struct ipl_jnode *env = ipl_jget(d, root, "environment"), *set = ipl_jget(d, root, "settings");
	for (int i = 0; i < ENV_PLACEMENTS; i++)
		field_text(ipl_jget(d, i < ENV_FROM_SETTINGS ? env : set, ipl_cmp_env_names[i]),
			   run->env_val[i], sizeof run->env_val[i]);
	/* the CSV's machine column, "AMD EPYC, 2 cores, Linux 6.1.0", so a
	 * JSON run and a CSV run can be told apart or not */
	char k[256];
	snprintf(k, sizeof k, "%s", run->env_val[1]);
	char *sp = strchr(k, ' ');
	if (sp && (sp = strchr(sp + 1, ' ')))
		*sp = '\0';
	snprintf(run->env_val[ENV_MACHINE], sizeof run->env_val[ENV_MACHINE],
		 "%.100s, %.8s cores, %.120s", run->env_val[2], run->env_val[3], k);
}

static int load_json(const char *path, struct ipl_cmp_run *run, char *err, size_t errlen)
{
	struct ipl_jdoc d = { 0 };
	char why[200];
	int rc = -1;
	if (ipl_jparse_file(path, &d, why, sizeof why)) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto out;
	}
	const struct ipl_jnode *root = &d.nodes[0], *res = ipl_jget(&d, root, "results");
	if (!res || res->type != IPL_JARR || !ipl_jget(&d, root, "schema_version")) {
		snprintf(err, errlen, "%s: not ipclab results (no schema_version or results)", path);
		goto out;
	}
	size_t i = 0;
	for (const struct ipl_jnode *o = ipl_jfirst(&d, res); o; o = ipl_jnext(&d, o), i++) {
		struct ipl_cmp_row *r = add_row(run);
		if (!r || json_row(&d, o, r)) {
			snprintf(err, errlen, "%s: result %zu: %s", path, i + 1,
				 r ? "malformed (mechanism, mode, size, clients, placement or reps)"
				   : "too many rows");
			goto out;
		}
	}
	json_env(&d, root, run);
	rc = 0;
out:
	ipl_jdoc_free(&d);
	return rc;
}

static void csv_group(const struct ipl_plot_group *g, struct ipl_cmp_row *r)
{
	snprintf(r->mech, sizeof r->mech, "%s", g->label);
	snprintf(r->mode, sizeof r->mode, "%s", g->mode);
	snprintf(r->placement, sizeof r->placement, "%s", ipl_placement_name(g->cpu_c, g->cpu_s));
	clean(r->mech);
	clean(r->mode);
	r->size = g->size;
	r->clients = g->clients;
	r->rate = !strcmp(r->mode, "load") && g->rate > 0 && g->rate <= 1e9 ? g->rate : 0;
	int rate = ipl_cmp_mode_by_rate(r->mode);
	for (unsigned k = 0; k < g->n && r->nreps < IPL_CMP_MAX_REPS; k++) {
		double p50 = g->v[k * IPL_PV_N + IPL_PV_P50], mps = g->v[k * IPL_PV_N + IPL_PV_MPS];
		if ((rate ? mps : p50) > 0) {
			r->p50[r->nreps] = p50;
			r->mps[r->nreps++] = mps;
		}
	}
}

static int load_csv(const char *path, struct ipl_cmp_run *run, char *err, size_t errlen)
{
	struct ipl_plot_data d = { 0 };
	char why[200];
	int rc = -1;
	if (ipl_plot_read(path, &d, why, sizeof why)) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto out;
	}
	for (size_t i = 0; i < d.n; i++) {
		struct ipl_cmp_row *r = add_row(run);
		if (!r) {
			snprintf(err, errlen, "%s: too many rows", path);
			goto out;
		}
		csv_group(&d.g[i], r);
	}
	snprintf(run->env_val[ENV_MACHINE], sizeof run->env_val[ENV_MACHINE], "%s", d.machine);
	clean(run->env_val[ENV_MACHINE]);
	rc = 0;
out:
	ipl_plot_data_free(&d);
	return rc;
}

/* 1 when the file's first non-blank byte opens a JSON object. */
static int looks_json(const char *path)
{
	FILE *f = fopen(path, "rb");
	int c = EOF;
	if (!f)
		return 1; /* the JSON loader reports the error */
	for (int i = 0; i < 4096 && (c = getc(f)) != EOF && isspace(c); i++)
		;
	fclose(f);
	return c == '{' || c == '[' || c == EOF;
}

int ipl_cmp_load(const char *path, struct ipl_cmp_run *run, char *err, size_t errlen)
{
	int rc = looks_json(path) ? load_json(path, run, err, errlen) : load_csv(path, run, err, errlen);
	if (!rc)
		placements_text(run, run->env_val[ENV_PLACEMENTS], sizeof run->env_val[ENV_PLACEMENTS]);
	return rc;
}

void ipl_cmp_run_free(struct ipl_cmp_run *run)
{
	free(run->rows);
	*run = (struct ipl_cmp_run){ 0 };
}
