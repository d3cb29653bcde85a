/* grid.c - the rows of `ipclab bench`, laid out before the first run. */
#include "bench/cli/grid.h"
#include "bench/cli/cli.h"
#include "common/exchange.h"
#include "bench/registry/registry.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ipl_bench_raw_ok(const struct ipl_transport *tp, enum ipl_mode mode, uint32_t size, const char **why)
{
	if ((tp->caps & IPL_CAP_LAYERED) || !(tp->caps & IPL_CAP_BYTES)) {
		*why = "not a plain byte stream (its raw cost is its carrier's: add the carrier to -m)";
		return 0;
	}
	if (mode == IPL_MODE_STREAM) {
		*why = "stream mode has no raw counterpart (nothing marks the end of the stream)";
		return 0;
	}
	if (mode == IPL_MODE_LOAD) {
		*why = "load mode has no raw counterpart (the raw loop is closed, not scheduled)";
		return 0;
	}
	if (size == 0) {
		*why = "size 0 has no raw bytes to move";
		return 0;
	}
	return 1;
}

const char *ipl_bench_rpc_semantics(const struct ipl_bench_opts *o, const struct ipl_transport *tp,
				    const struct ipl_transport *via, int raw)
{
	if (raw || !ipl_layer_over_datagrams(tp, via, "rpc"))
		return NULL;
	return ipl_rpc_semantics_name(o->at_least_once);
}

uint64_t ipl_bench_warmup(const struct ipl_bench_opts *o, uint32_t size)
{
	if (o->warmup_set)
		return o->warmup;
	if (!o->duration)
		return o->iters / 10 > 10000 ? 10000 : o->iters / 10;
	uint64_t w = size ? (16u << 20) / size : 1000;
	return w > 1000 ? 1000 : w < 10 ? 10 : w;
}

static char *join_argv(int argc, char **argv)
{
	size_t len = 16;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = calloc(1, len);
	if (!s)
		return NULL;
	strcpy(s, "ipclab");
	for (int i = 0; i < argc; i++) {
		strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* One cell of the grid: which placement, -m entry, mode, clients, size,
 * and --rate (load mode only; 0 otherwise). */
struct cell {
	size_t p, m, md, cl, s, rt;
};

/* Fills row r for cell c; raw: the baseline of the row before it. */
static int fill_row(struct ipl_row *r, const struct ipl_bench_opts *o, const struct cell *c, int raw, size_t index)
{
	const struct ipl_transport *tp = o->mech[c->m];
	const char *policy = (tp->caps & IPL_CAP_SPIN) ? ipl_wait_name(o->mwait[c->m]) : NULL;
	if (raw) /* "tcp-raw", "shm-block-raw" */
		snprintf(r->mech, sizeof r->mech, "%s%s%s-raw", tp->name, policy ? "-" : "",
			 policy ? policy : "");
	else
		ipl_mech_label(r->mech, sizeof r->mech, tp, o->mvia[c->m], o->peer[c->m]);
	r->wait = !raw && policy ? policy : "";
	r->tp = tp;
	r->via = o->mvia[c->m];
	r->wait_policy = o->mwait[c->m];
	r->rpc_semantics = ipl_bench_rpc_semantics(o, tp, r->via, raw);
	r->peer = o->peer[c->m];
	r->server = r->peer || o->connect ? "" : ipl_server_model_name(raw ? IPL_SERVER_THREADS : o->server);
	r->baseline = raw;
	r->framed = raw ? (long)index - 1 : -1;
	r->size = (uint32_t)o->sizes[c->s];
	r->warmup = ipl_bench_warmup(o, r->size);
	r->mode = o->modes[c->md];
	r->clients = (unsigned)o->clients[c->cl];
	/* load keeps one request in flight unless --window says otherwise */
	r->window = r->mode == IPL_MODE_THROUGHPUT || (r->mode == IPL_MODE_LOAD && o->set_window)
			  ? (unsigned)o->window
			  : 1;
	r->rate = r->mode == IPL_MODE_LOAD ? o->rates[c->rt] : 0;
	r->cpu_client = o->cpu_c[c->p];
	r->cpu_server = o->cpu_s[c->p];
	r->nreps = (unsigned)o->reps;
	r->reps = calloc(o->reps, sizeof *r->reps);
	return r->reps ? 0 : -ENOMEM;
}

/* Adds the cell's row and its baseline (when it has one) to g. */
static int add_cell(struct ipl_bench_grid *g, const struct ipl_bench_opts *o, const struct cell *c)
{
	const struct ipl_transport *tp = o->mech[c->m];
	uint32_t max = ipl_max_payload_of(tp, o->mvia[c->m], NULL);
	if (max && o->sizes[c->s] > max)
		return 0; /* one message cannot carry it: no row (warn_setup said why) */
	for (int raw = 0; raw <= o->baseline; raw++) {
		const char *why;
		if (raw && (o->peer[c->m] || !ipl_bench_raw_ok(o->mech[c->m], o->modes[c->md],
							       (uint32_t)o->sizes[c->s], &why)))
			continue;
		int rc = fill_row(&g->rep.rows[g->laid], o, c, raw, g->laid);
		if (rc < 0)
			return rc;
		g->laid++;
	}
	return 0;
}

/* Every cell in run order: placement, mechanism, mode, clients, size. */
static int lay_out(struct ipl_bench_grid *g, const struct ipl_bench_opts *o)
{
	struct cell c;
	size_t n = o->nmech * o->nmodes * o->nclients * o->nsizes, ncpu = o->ncpu ? o->ncpu : 1;
	for (size_t i = 0; i < ncpu * n; i++) {
		size_t k = i % n;
		c.p = i / n;
		c.m = k / (o->nmodes * o->nclients * o->nsizes);
		c.md = k / (o->nclients * o->nsizes) % o->nmodes;
		c.cl = k / o->nsizes % o->nclients;
		c.s = k % o->nsizes;
		/* load mode: one row per offered rate */
		size_t nr = o->modes[c.md] == IPL_MODE_LOAD ? o->nrates : 1;
		for (c.rt = 0; c.rt < nr; c.rt++) {
			int rc = add_cell(g, o, &c);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int ipl_bench_grid_init(struct ipl_bench_grid *g, const struct ipl_bench_opts *o, int argc, char **argv)
{
	size_t ncpu = o->ncpu ? o->ncpu : 1;
	/* only load rows, timed by default: the report says how long, not -n */
	double dur = o->duration;
	if (!dur && !o->set_iters && o->nmodes == 1 && o->modes[0] == IPL_MODE_LOAD)
		dur = IPL_LOAD_DEFAULT_S;
	size_t maxrows = ncpu * o->nmech * o->nsizes * o->nmodes * o->nclients * (o->baseline ? 2 : 1) *
			 (o->nrates ? o->nrates : 1);
	memset(g, 0, sizeof *g);
	g->rep = (struct ipl_report){
		.rows = calloc(maxrows ? maxrows : 1, sizeof *g->rep.rows),
		.iters = dur ? 0 : o->iters,
		.warmup = o->warmup,
		.reps = (unsigned)o->reps,
		.argv_line = join_argv(argc, argv),
		.duration_s = dur,
		.timeout_s = o->timeout,
		.window = (unsigned)o->window,
		.cap = (uint32_t)o->cap,
		.pipe_size = o->pipe_size,
		.sockbuf = o->sockbuf,
		.crc = o->crc,
		.baseline = o->baseline,
		.wait = ipl_wait_name(o->wait),
		.via = o->via ? o->via->name : NULL,
		.connect = o->connect,
		.wide = o->wide,
		.histograms = o->save_histograms,
		.started = (int64_t)time(NULL),
	};
	int rc = g->rep.rows && g->rep.argv_line ? lay_out(g, o) : -ENOMEM;
	if (rc < 0) {
		ipl_bench_grid_free(g);
		return rc;
	}
	g->rep.nrows = g->laid;
	return 0;
}

void ipl_bench_grid_free(struct ipl_bench_grid *g)
{
	for (size_t i = 0; g->rep.rows && i < g->laid; i++)
		free(g->rep.rows[i].reps);
	free(g->rep.rows);
	free((char *)g->rep.argv_line);
	memset(g, 0, sizeof *g);
}

struct ipl_run_spec ipl_bench_spec(const struct ipl_bench_opts *o, const struct ipl_row *r)
{
	/* a load row runs for a fixed time unless -n or --duration says: the
	 * default -n at a low rate would take minutes */
	int load_default = r->mode == IPL_MODE_LOAD && !o->set_iters && !o->duration;
	return (struct ipl_run_spec){
		.tp = r->tp,
		.tpo = { .cap = (uint32_t)o->cap,
			 .timeout_ms = 5000,
			 .wait = r->wait_policy,
			 .via = r->via,
			 /* only where the row's mechanism applies it (a layered one would
			  * hand it to its carrier unrecorded) */
			 .pipe_size = (r->tp->knobs & IPL_KNOB_PIPE_SIZE) ? o->pipe_size : 0,
			 .sockbuf = (r->tp->knobs & IPL_KNOB_SOCKBUF) ? o->sockbuf : 0,
			 /* a stream keeps the ring full whatever its size */
			 .inflight_hint = r->mode == IPL_MODE_STREAM ? IPL_INFLIGHT_STREAM
								     : (uint64_t)r->window * (r->size + IPL_HDR_SIZE),
			 .at_least_once = o->at_least_once },
		.connect = o->connect,
		.size = r->size,
		.iters = o->iters,
		.warmup = r->warmup,
		.duration_ns = (uint64_t)((load_default ? IPL_LOAD_DEFAULT_S : o->duration) * 1e9),
		.mode = r->mode,
		.window = r->window,
		.rate = r->rate,
		.clients = r->clients,
		.cpu_client = r->cpu_client,
		.cpu_server = r->cpu_server,
		.crc = o->crc,
		.server = r->baseline ? IPL_SERVER_THREADS : o->server,
		.timeout_s = (int)ceil(o->timeout),
		.raw = r->baseline,
	};
}
