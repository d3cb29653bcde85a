/* csv.c - the results as CSV: one line per rep, with its row's medians
 * repeated on each, so a spreadsheet can filter reps without losing them.
 *
 * Every field comes from a getter named in IPL_CSV_TABLE (csv.h), the same
 * list the header is written from and plot_read.c looks columns up in.  A
 * getter returns the field's value and kind; how a kind is written (quoted
 * text, integer, number or empty) is decided in one place, put_field(). */
#include "bench/report/csv.h"
#include "bench/report/formats.h"
#include "bench/report/facts.h"
#include "bench/report/env.h"
#include "bench/run/stats.h"
#include "bench/run/ci.h"
#include "bench/run/placement.h"

#include <math.h>
#include <string.h>

/* What one line is about: the rep, its row, and the row's figures that
 * every rep line repeats (computed once per row, not per field). */
struct line {
	const struct ipl_report *rep;
	size_t i; /* the row's index in rep */
	const struct ipl_row *r;
	unsigned k; /* the rep's index in the row */
	const struct ipl_run_result *x;
	struct ipl_spread p50, mps; /* across the row's valid reps */
	struct ipl_ci ci;           /* of the row's p50 (ci.c) */
	const char *flags, *machine;
};

/* A field: text (quoted when it needs to be), an integer, or a number
 * printed with fmt and left empty when NaN ("not measured"). */
struct field {
	enum { F_TEXT, F_INT, F_UINT, F_NUM } kind;
	const char *text, *fmt;
	long long i;
	unsigned long long u;
	double v;
};

static struct field text(const char *s)
{
	return (struct field){ .kind = F_TEXT, .text = s ? s : "" };
}
static struct field sint(long long v)
{
	return (struct field){ .kind = F_INT, .i = v };
}
static struct field count(unsigned long long v)
{
	return (struct field){ .kind = F_UINT, .u = v };
}
static struct field num(const char *fmt, double v)
{
	return (struct field){ .kind = F_NUM, .fmt = fmt, .v = v };
}

/* A percentile of h: empty when nothing was timed, "-" when h has too few
 * samples beyond it to say it. */
static struct field pct(const struct ipl_hist *h, double p)
{
	if (h->count && !ipl_pct_supported(h->count, p))
		return text("-");
	return num("%.0f", h->count ? (double)ipl_hist_percentile(h, p) : NAN);
}

/* A latency figure of the rep: empty for a throughput rep (no samples). */
static struct field lat(const struct line *c, const char *fmt, double v)
{
	return num(fmt, c->x->hist.count ? v : NAN);
}

/* The status of one rep: its worst problem. */
static const char *rep_status(const struct ipl_run_result *x)
{
	return x->interrupted ? "interrupted" : x->failed ? "failed" : x->st.errors ? "errors" : "ok";
}

/* A row's median p99: "-" when its reps had too few samples for one. */
static struct field median_p99(const struct line *c)
{
	double v = ipl_row_median(c->r, ipl_rep_p99);
	if (ipl_mode_timed(c->r->mode) && ipl_row_valid_reps(c->r) && isnan(v))
		return text("-");
	return num("%.0f", v);
}

/* ---- the getters IPL_CSV_TABLE names, in its order ------------------------ */
/* clang-format off */
static struct field c_mech(const struct line *c) { return text(c->r->mech); }
static struct field c_wait(const struct line *c) { return text(c->r->wait); }
static struct field c_baseline(const struct line *c) { return sint(c->r->baseline); }
static struct field c_size(const struct line *c) { return count(c->r->size); }
static struct field c_mode(const struct line *c) { return text(ipl_mode_name(c->r->mode)); }
static struct field c_clients(const struct line *c) { return count(c->r->clients); }
static struct field c_window(const struct line *c) { return count(c->r->window); }
static struct field c_cpu_client(const struct line *c) { return sint(c->r->cpu_client); }
static struct field c_cpu_server(const struct line *c) { return sint(c->r->cpu_server); }
static struct field c_placement(const struct line *c) { return text(ipl_placement_name(c->r->cpu_client, c->r->cpu_server)); }
static struct field c_rep(const struct line *c) { return count(c->k + 1); }
static struct field c_reps(const struct line *c) { return count(c->r->nreps); }
/* a timed run (--duration) has no iteration count: 0 */
static struct field c_iters(const struct line *c) { return count(c->rep->duration_s > 0 ? 0 : c->rep->iters); }
static struct field c_duration(const struct line *c) { return num("%.3f", c->rep->duration_s > 0 ? c->rep->duration_s : NAN); }
static struct field c_warmup(const struct line *c) { return count(c->r->warmup); }
static struct field c_crc(const struct line *c) { return sint(c->rep->crc); }
static struct field c_status(const struct line *c) { return text(rep_status(c->x)); }
static struct field c_msgs(const struct line *c) { return count(c->x->msgs); }
static struct field c_ok(const struct line *c) { return count(c->x->st.ok); }
static struct field c_errors(const struct line *c) { return count(c->x->st.errors); }
static struct field c_err_seq(const struct line *c) { return count(c->x->st.err_seq); }
static struct field c_err_len(const struct line *c) { return count(c->x->st.err_len); }
static struct field c_err_payload(const struct line *c) { return count(c->x->st.err_payload); }
static struct field c_err_remote(const struct line *c) { return count(c->x->st.err_remote); }
static struct field c_failed(const struct line *c) { return sint(c->x->failed); }
static struct field c_why(const struct line *c) { return text(c->x->why); }
static struct field c_elapsed(const struct line *c) { return num("%.6f", (double)c->x->st.elapsed_ns / 1e9); }
static struct field c_min(const struct line *c) { return lat(c, "%.0f", (double)c->x->hist.min); }
static struct field c_p50(const struct line *c) { return pct(&c->x->hist, ipl_ladder[0]); }
static struct field c_p75(const struct line *c) { return pct(&c->x->hist, ipl_ladder[1]); }
static struct field c_p90(const struct line *c) { return pct(&c->x->hist, ipl_ladder[2]); }
static struct field c_p95(const struct line *c) { return pct(&c->x->hist, ipl_ladder[3]); }
static struct field c_p99(const struct line *c) { return pct(&c->x->hist, ipl_ladder[4]); }
static struct field c_p999(const struct line *c) { return pct(&c->x->hist, ipl_ladder[5]); }
static struct field c_p9999(const struct line *c) { return pct(&c->x->hist, ipl_ladder[6]); }
static struct field c_max(const struct line *c) { return lat(c, "%.0f", (double)c->x->hist.max); }
static struct field c_mean(const struct line *c) { return lat(c, "%.1f", ipl_hist_mean(&c->x->hist)); }
static struct field c_stddev(const struct line *c) { return lat(c, "%.1f", ipl_hist_stddev(&c->x->hist)); }
static struct field c_mps(const struct line *c) { return num("%.1f", ipl_rep_mps(c->x)); }
static struct field c_mbps(const struct line *c) { return num("%.3f", ipl_rep_mbps(c->x)); }
static struct field c_per_client(const struct line *c) { return num("%.1f", ipl_rep_mps(c->x) / (c->r->clients ? c->r->clients : 1)); }
static struct field c_cpu(const struct line *c) { return num("%.1f", ipl_rep_cpu(c->x)); }
static struct field c_ctxsw(const struct line *c) { return num("%.3f", ipl_rep_ctxsw(c->x)); }
static struct field c_valid_reps(const struct line *c) { return count(ipl_row_valid_reps(c->r)); }
static struct field c_median_p50(const struct line *c) { return num("%.0f", c->p50.median); }
static struct field c_min_p50(const struct line *c) { return num("%.0f", c->p50.min); }
static struct field c_max_p50(const struct line *c) { return num("%.0f", c->p50.max); }
static struct field c_median_p99(const struct line *c) { return median_p99(c); }
static struct field c_median_mps(const struct line *c) { return num("%.1f", c->mps.median); }
static struct field c_min_mps(const struct line *c) { return num("%.1f", c->mps.min); }
static struct field c_max_mps(const struct line *c) { return num("%.1f", c->mps.max); }
static struct field c_median_mbps(const struct line *c) { return num("%.3f", ipl_row_median(c->r, ipl_rep_mbps)); }
static struct field c_overhead(const struct line *c) { return num("%.2f", ipl_row_overhead_pct(c->rep, c->i)); }
static struct field c_flags(const struct line *c) { return text(c->flags); }
static struct field c_machine(const struct line *c) { return text(c->machine); }
static struct field c_server_addr(const struct line *c) { return text(c->x->server_addr); }
static struct field c_client_addr(const struct line *c) { return text(c->x->client_addr); }
static struct field c_n(const struct line *c) { return count(c->x->msgs); }
/* whose CPU time cpu_ns_per_msg counts: the server's too unless remote */
static struct field c_cpu_scope(const struct line *c) { return text(c->rep->connect ? "client" : "both"); }
/* datagram mechanisms (udp): replies lost (also in errors), late or doubled, out of order */
static struct field c_lost(const struct line *c) { return count(c->x->st.lost); }
static struct field c_stale(const struct line *c) { return count(c->x->st.stale); }
static struct field c_reordered(const struct line *c) { return count(c->x->st.reordered); }
/* load rows only (empty otherwise): the rate offered, the rep's achieved
 * rate, and "sustained" or "not sustained" (under 95% of offered) */
static struct field c_offered_rate(const struct line *c) { return num("%.1f", c->r->mode == IPL_MODE_LOAD ? c->r->rate : NAN); }
static struct field c_achieved_rate(const struct line *c) { return num("%.1f", c->r->mode == IPL_MODE_LOAD ? ipl_rep_mps(c->x) : NAN); }
static struct field c_load_status(const struct line *c)
{
	int s = ipl_rep_sustained(c->r, c->x);
	return text(s < 0 ? "" : s ? "sustained" : "not sustained");
}
/* the 95% interval of the rep's p50 from its histogram, and of the row's
 * median p50 across its valid reps (ci.c); empty without latency samples */
static struct field rep_ci(const struct line *c, int hi)
{
	double lo_ns, hi_ns;
	ipl_hist_p50_ci(&c->x->hist, &lo_ns, &hi_ns);
	return num("%.0f", hi ? hi_ns : lo_ns);
}
static struct field c_p50_ci_lo(const struct line *c) { return rep_ci(c, 0); }
static struct field c_p50_ci_hi(const struct line *c) { return rep_ci(c, 1); }
static struct field c_median_p50_ci_lo(const struct line *c) { return num("%.0f", c->ci.lo); }
static struct field c_median_p50_ci_hi(const struct line *c) { return num("%.0f", c->ci.hi); }
/* --pipe-size, --sockbuf: the size in force the kernel reported (F_GETPIPE_SZ;
 * getsockopt, doubled by Linux); empty when the knob was not given */
static struct field c_pipe_size(const struct line *c) { return c->x->pipe_size ? count(c->x->pipe_size) : text(""); }
static struct field c_server_model(const struct line *c) { return text(c->r->server ? c->r->server : ""); }
static struct field c_sockbuf(const struct line *c) { return c->x->sockbuf ? count(c->x->sockbuf) : text(""); }
/* rpc over datagrams: --rpc-semantics and the calls resent on timeout; empty elsewhere */
static struct field c_rpc_semantics(const struct line *c) { return text(c->r->rpc_semantics ? c->r->rpc_semantics : ""); }
static struct field c_rpc_retrans(const struct line *c) { return c->r->rpc_semantics ? count(c->x->st.retrans) : text(""); }
/* clang-format on */

#define CSV_NAME_(id, name, unit, get) [IPL_CSV_##id] = name,
#define CSV_UNIT_(id, name, unit, get) [IPL_CSV_##id] = unit,
#define CSV_GET_(id, name, unit, get) [IPL_CSV_##id] = get,
const char *const ipl_csv_columns[IPL_CSV_NCOL + 1] = { IPL_CSV_TABLE(CSV_NAME_)[IPL_CSV_NCOL] = NULL };
const char *const ipl_csv_units[IPL_CSV_NCOL] = { IPL_CSV_TABLE(CSV_UNIT_) };
static struct field (*const getter[IPL_CSV_NCOL])(const struct line *) = { IPL_CSV_TABLE(CSV_GET_) };

/* A CSV field, quoted when it holds a comma, quote or newline (RFC 4180). */
static void csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void put_field(FILE *f, struct field v)
{
	switch (v.kind) {
	case F_TEXT: csv_str(f, v.text); break;
	case F_INT: fprintf(f, "%lld", v.i); break;
	case F_UINT: fprintf(f, "%llu", v.u); break;
	case F_NUM:
		if (isfinite(v.v))
			fprintf(f, v.fmt, v.v);
		break;
	}
}

/* One line per rep of row i. */
static void put_row(FILE *f, const struct ipl_report *rep, size_t i, const char *machine)
{
	char flags[128];
	struct line c = { .rep = rep, .i = i, .r = &rep->rows[i], .machine = machine };
	c.p50 = ipl_row_spread(c.r, ipl_rep_p50);
	c.mps = ipl_row_spread(c.r, ipl_rep_mps);
	c.ci = ipl_row_p50_ci(c.r);
	c.flags = ipl_warn_tokens(ipl_row_check(c.r, NULL, 0), flags, sizeof flags);
	for (c.k = 0; c.k < c.r->nreps; c.k++) {
		c.x = &c.r->reps[c.k];
		for (size_t col = 0; col < IPL_CSV_NCOL; col++) {
			if (col)
				fputc(',', f);
			put_field(f, getter[col](&c));
		}
		fputc('\n', f);
	}
}

void ipl_report_write_csv(FILE *f, const struct ipl_report *rep)
{
	char machine[300];
	ipl_env_summary(machine, sizeof machine);
	for (size_t col = 0; col < IPL_CSV_NCOL; col++)
		fprintf(f, "%s%s", col ? "," : "", ipl_csv_columns[col]);
	fputc('\n', f);
	for (size_t i = 0; i < rep->nrows; i++)
		put_row(f, rep, i, machine);
}
