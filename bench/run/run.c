/* run.c - one measurement: a server process, N client processes, results
 * handed back through a shared anonymous mapping. */
#include "bench/run/run.h"
#include "bench/run/intr.h"
#include "bench/run/placement.h"
#include "bench/registry/registry.h"
#include "common/err.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *ipl_mode_name(enum ipl_mode m)
{
	switch (m) {
	case IPL_MODE_LATENCY: return "latency";
	case IPL_MODE_THROUGHPUT: return "throughput";
	case IPL_MODE_STREAM: return "stream";
	case IPL_MODE_LOAD: return "load";
	}
	return "?";
}

int ipl_mode_timed(enum ipl_mode m)
{
	return m == IPL_MODE_LATENCY || m == IPL_MODE_LOAD;
}

/* What one client process leaves behind for the parent. */
struct slot {
	struct ipl_hist hist;
	struct ipl_client_stats st;
	struct ipl_loop_cost lc;
	int rc;        /* 0, or the failing step's code */
	char step[32]; /* which step failed */
	int done;
	char local[IPL_ADDR_MAX]; /* this client's end of the connection */
	uint64_t bufsize;         /* ipl_run_bufsize of its conn */
};

uint64_t ipl_run_bufsize(const struct ipl_run_spec *spec, const struct ipl_conn *c)
{
	uint64_t v = 0;
	if (!spec->tpo.pipe_size && !spec->tpo.sockbuf)
		return 0;
	return ipl_conn_bufsize(c, &v) == 0 ? v : 0;
}

void ipl_run_note_bufsize(const struct ipl_run_spec *spec, struct ipl_run_result *res, uint64_t v)
{
	if (spec->tpo.pipe_size && !res->pipe_size)
		res->pipe_size = v;
	if (spec->tpo.sockbuf && !res->sockbuf)
		res->sockbuf = v;
}

struct shared {
	int server_rc;
	struct slot slot[];
};

static void self_usage(struct ipl_usage *u)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	u->cpu_ns = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
		    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
	u->ctxsw = (uint64_t)(ru.ru_nvcsw + ru.ru_nivcsw);
}

/* Context switches of every thread of pid (/proc/PID/status counts the
 * main thread only).  Returns 0 or -1. */
static int proc_ctxsw(pid_t pid, uint64_t *out)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	uint64_t sum = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char sp[96], line[128];
		snprintf(sp, sizeof sp, "/proc/%d/task/%.16s/status", (int)pid, e->d_name);
		FILE *f = fopen(sp, "r");
		if (!f)
			continue;
		unsigned long long v;
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1 ||
			    sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
				sum += v;
		fclose(f);
	}
	closedir(d);
	*out = sum;
	return 0;
}

/* Another process's use: its CPU clock (every thread, in ns) and /proc. */
static int other_usage(pid_t pid, struct ipl_usage *u)
{
	clockid_t cid;
	struct timespec ts;
	if (clock_getcpuclockid(pid, &cid) != 0 || clock_gettime(cid, &ts) != 0)
		return -1;
	u->cpu_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return proc_ctxsw(pid, &u->ctxsw);
}

void ipl_loop_mark(struct ipl_loop_cost *lc, int end)
{
	if (!lc)
		return;
	/* the server is read outside our own window: before it starts, after it ends */
	int ok = 1;
	if (end)
		self_usage(&lc->self[1]);
	if (lc->server > 0)
		ok = other_usage(lc->server, &lc->srv[end]) == 0;
	if (!end)
		self_usage(&lc->self[0]);
	lc->srv_ok = end ? lc->srv_ok && ok : ok;
	lc->marks = end ? 2 : 1;
}

void ipl_run_tally_span(struct ipl_run_tally *t, const struct ipl_usage *from, const struct ipl_usage *to)
{
	if (to->cpu_ns >= from->cpu_ns)
		t->cpu_ns += to->cpu_ns - from->cpu_ns;
	if (to->ctxsw >= from->ctxsw)
		t->ctxsw += to->ctxsw - from->ctxsw;
}

void ipl_run_add_client(const struct ipl_run_spec *spec, struct ipl_run_result *res,
			struct ipl_run_tally *t, const struct ipl_hist *h,
			const struct ipl_client_stats *st, const struct ipl_loop_cost *lc)
{
	ipl_hist_merge(&res->hist, h);
	res->st.ok += st->ok;
	res->st.errors += st->errors;
	res->st.err_seq += st->err_seq;
	res->st.err_len += st->err_len;
	res->st.err_payload += st->err_payload;
	res->st.err_remote += st->err_remote;
	res->st.lost += st->lost; /* datagram mechanisms: see ipl_client_stats */
	res->st.stale += st->stale;
	res->st.reordered += st->reordered;
	res->st.retrans += st->retrans;
	res->st.bytes += st->bytes;
	/* latency: the histogram holds exactly the measured round trips */
	res->msgs += ipl_mode_timed(spec->mode) ? h->count : st->ok;
	if (st->elapsed_ns > res->st.elapsed_ns)
		res->st.elapsed_ns = st->elapsed_ns;
	if (lc && lc->marks == 2)
		ipl_run_tally_span(t, &lc->self[0], &lc->self[1]);
}

void ipl_run_finish(struct ipl_run_result *res, const struct ipl_run_tally *t)
{
	if (res->st.elapsed_ns) {
		double secs = (double)res->st.elapsed_ns / 1e9;
		res->msgs_per_s = (double)res->msgs / secs;
		res->mb_per_s = (double)res->st.bytes / secs / 1e6;
	}
	if (res->msgs) {
		/* the timed loop's CPU per measured message: no start-up, no warm-up */
		res->cpu_ns_per_msg = (double)t->cpu_ns / (double)res->msgs;
		res->ctxsw_per_msg = (double)t->ctxsw / (double)res->msgs;
	}
}

/* The warm-up as its own unmeasured ping-pong, so the timed loop's cost can
 * be sampled around the measured part alone.  Errors still count. */
static int warm_up(struct ipl_conn *c, const struct ipl_client_cfg *cfg, struct ipl_client_stats *st)
{
	struct ipl_client_cfg w = *cfg;
	struct ipl_client_stats ws = { 0 };
	w.iters = cfg->warmup;
	w.warmup = 0;
	w.duration_ns = 0;
	int rc = ipl_client_latency(c, &w, NULL, &ws);
	st->errors += ws.errors;
	st->err_seq += ws.err_seq;
	st->err_len += ws.err_len;
	st->err_payload += ws.err_payload;
	st->err_remote += ws.err_remote;
	return rc;
}

int ipl_run_session(struct ipl_conn *c, const struct ipl_run_spec *spec, struct ipl_hist *h,
		    struct ipl_client_stats *st, const char **step, struct ipl_loop_cost *lc)
{
	struct ipl_client_cfg cfg = {
		.size = spec->size,
		.iters = spec->iters,
		.warmup = spec->mode == IPL_MODE_STREAM ? 0 : spec->warmup,
		.duration_ns = spec->duration_ns,
		.window = spec->window,
		.crc = spec->crc,
		.cap = spec->tpo.cap,
		.op = ipl_mode_timed(spec->mode) ? IPL_OP_ECHO : IPL_OP_SINK,
		/* the offered rate is shared out evenly among the clients */
		.rate = spec->rate / (spec->clients ? spec->clients : 1),
	};
	*step = "hello";
	int rc = ipl_client_hello(c, NULL);
	if (rc < 0)
		return rc;
	*step = "warm-up";
	if (cfg.warmup && (rc = warm_up(c, &cfg, st)) < 0)
		return rc;
	/* the measured seqs follow the warm-up's (1..warmup) */
	cfg.seq_base = cfg.warmup;
	cfg.warmup = 0;
	*step = ipl_mode_name(spec->mode);
	ipl_loop_mark(lc, 0);
	switch (spec->mode) {
	case IPL_MODE_LATENCY: rc = ipl_client_latency(c, &cfg, h, st); break;
	case IPL_MODE_THROUGHPUT: rc = ipl_client_throughput(c, &cfg, st); break;
	case IPL_MODE_STREAM: rc = ipl_client_stream(c, &cfg, st); break;
	case IPL_MODE_LOAD: rc = ipl_client_load(c, &cfg, h, st); break;
	}
	ipl_loop_mark(lc, 1);
	if (rc == 0) {
		*step = "bye";
		rc = ipl_client_bye(c);
	}
	st->retrans = ipl_conn_retrans(c);
	return rc;
}

static void client_main(const struct ipl_run_spec *spec, struct ipl_endpoint *ep, unsigned idx,
			pid_t server, struct slot *out)
{
	struct ipl_conn *c = NULL;
	int rc;
	signal(SIGPIPE, SIG_IGN);
	ipl_pin_cpu(spec->cpu_client);
	ipl_hist_init(&out->hist);
	out->hist.trace = idx == 0 ? spec->trace : NULL; /* --samples: client 1's */
	out->lc.server = server;

	const char *step = "connect";
	rc = ipl_endpoint_attach_client(ep, idx, &c);
	if (rc == 0)
		out->bufsize = ipl_run_bufsize(spec, c);
	if (rc == 0 && spec->raw) {
		step = "raw loop";
		rc = ipl_raw_client(c, spec, &out->hist, &out->st, &out->lc);
		goto done;
	}
	if (rc == 0) {
		/* "" when the transport cannot tell; an unbound unix client says so */
		if (ipl_conn_addr(c, out->local, sizeof out->local, NULL, 0) == 0 && !out->local[0])
			snprintf(out->local, sizeof out->local, "(unnamed)");
		rc = ipl_run_session(c, spec, &out->hist, &out->st, &step, &out->lc);
	}
done:
	ipl_conn_detach(c);
	ipl_endpoint_cleanup(ep);
	out->rc = rc;
	snprintf(out->step, sizeof out->step, "%s", step);
	out->done = 1;
}

static volatile sig_atomic_t timed_out;
static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

/* Stops the server: SIGTERM, repeated (one may land before it blocks),
 * SIGKILL after 3 s or at once when the driver was told to stop.  Returns
 * its wait status. */
static int stop_server(pid_t pid)
{
	int status = 0;
	for (int i = 0; i < 300 && !ipl_intr_signal(); i++) {
		kill(pid, SIGTERM);
		struct timespec t = { .tv_nsec = 10 * 1000000L };
		nanosleep(&t, NULL);
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return status;
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

void ipl_run_fail(struct ipl_run_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	res->failed = 1;
	vsnprintf(res->why, sizeof res->why, fmt, ap);
	va_end(ap);
}

void ipl_run_mark_interrupted(struct ipl_run_result *res)
{
	if (!ipl_intr_signal() || !res->failed)
		return;
	res->interrupted = 1;
	snprintf(res->why, sizeof res->why, "interrupted by %s", ipl_intr_name(ipl_intr_signal()));
}

void *ipl_run_map(size_t len, struct ipl_run_result *res)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		return p;
	ipl_run_fail(res, "mmap: %s", strerror(errno));
	return NULL;
}

static void kill_kids(const pid_t *kids, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		if (kids[k] > 0)
			kill(kids[k], SIGKILL);
}

void ipl_run_reap(const pid_t *kids, unsigned n, int timeout_s, int *timed_out_out)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	timed_out = 0;
	alarm(timeout_s > 0 ? (unsigned)timeout_s : 300);
	for (unsigned i = 0; i < n; i++) {
		int status;
		if (kids[i] <= 0)
			continue;
		/* EINTR: the alarm or a stop signal; either way they all die, and
		 * are still reaped */
		while (waitpid(kids[i], &status, 0) < 0 && errno == EINTR)
			if (timed_out || ipl_intr_signal())
				kill_kids(kids, n);
	}
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	*timed_out_out = timed_out;
}

/* The server process: serve until stopped, then leave its outcome. */
static void server_main(const struct ipl_run_spec *spec, struct ipl_endpoint *ep, struct shared *sh)
{
	ipl_pin_cpu(spec->cpu_server);
	/* the raw baseline is the same server with another per-connection handler */
	struct ipl_server_cfg cfg = { .cap = spec->tpo.cap, .model = (enum ipl_server_model)spec->server };
	if (spec->raw) {
		cfg.model = IPL_SERVER_THREADS; /* the raw handler is a blocking loop */
		cfg.handler = ipl_raw_serve_conn;
		cfg.handler_arg = (void *)spec;
	}
	int src = ipl_endpoint_attach_server(ep);
	if (src == 0)
		src = ipl_serve_process(ep, &cfg, NULL);
	ipl_endpoint_cleanup(ep);
	sh->server_rc = src;
	_exit(src < 0 ? 1 : 0);
}

/* Forks the server in a new process group (its stop signals held until
 * its handlers exist).  Returns its pid, or -1. */
static pid_t fork_server(const struct ipl_run_spec *spec, struct ipl_endpoint *ep, struct shared *sh)
{
	sigset_t old;
	ipl_serve_hold_stop(&old);
	pid_t server = ipl_intr_fork(0);
	if (server == 0)
		server_main(spec, ep, sh);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return server;
}

/* Merges what the clients left into res. */
static void merge(const struct ipl_run_spec *spec, struct ipl_run_result *res, struct shared *sh,
		  unsigned n, unsigned started, int tmo)
{
	struct ipl_run_tally tally = { 0 };
	struct ipl_usage s0 = { UINT64_MAX, UINT64_MAX }, s1 = { 0, 0 };
	int srv = 0;
	for (unsigned i = 0; i < n; i++) {
		struct slot *s = &sh->slot[i];
		if (i >= started || !s->done) {
			res->failed = 1;
			snprintf(res->why, sizeof res->why, "client %u %s", i,
				 tmo            ? "timed out"
				 : i >= started ? "could not start"
						: "died");
			continue;
		}
		if (s->rc < 0 && !res->failed) {
			res->failed = 1;
			snprintf(res->why, sizeof res->why, "client %u: %s: %s", i, s->step,
				 ipl_strerror(s->rc));
		}
		if (!res->client_addr[0])
			snprintf(res->client_addr, sizeof res->client_addr, "%s", s->local);
		ipl_run_note_bufsize(spec, res, s->bufsize);
		ipl_run_add_client(spec, res, &tally, &s->hist, &s->st, &s->lc);
		/* the server over the union of the clients' loops */
		if (s->lc.marks == 2 && s->lc.srv_ok && s->lc.server > 0) {
			srv = 1;
			s0.cpu_ns = s->lc.srv[0].cpu_ns < s0.cpu_ns ? s->lc.srv[0].cpu_ns : s0.cpu_ns;
			s0.ctxsw = s->lc.srv[0].ctxsw < s0.ctxsw ? s->lc.srv[0].ctxsw : s0.ctxsw;
			s1.cpu_ns = s->lc.srv[1].cpu_ns > s1.cpu_ns ? s->lc.srv[1].cpu_ns : s1.cpu_ns;
			s1.ctxsw = s->lc.srv[1].ctxsw > s1.ctxsw ? s->lc.srv[1].ctxsw : s1.ctxsw;
		}
	}
	if (srv)
		ipl_run_tally_span(&tally, &s0, &s1);
	ipl_run_finish(res, &tally);
}

/* Forks the n clients into the server's process group (or the first
 * client's: *group).  kids[i] of the started ones; returns how many started. */
static unsigned start_clients(const struct ipl_run_spec *spec, struct ipl_endpoint *ep, pid_t server,
			      struct shared *sh, pid_t *kids, unsigned n, pid_t *group)
{
	unsigned started = 0;
	for (; kids && started < n; started++) {
		pid_t p = ipl_intr_fork(*group);
		if (p == 0) {
			client_main(spec, ep, started, server, &sh->slot[started]);
			_exit(sh->slot[started].rc < 0 ? 1 : 0);
		}
		if (p < 0)
			break;
		kids[started] = p;
		*group = *group ? *group : p;
	}
	return started;
}

/* Stops the server once the clients are gone; a server that did not exit
 * cleanly fails the run. */
static void end_server(pid_t server, struct ipl_run_result *res)
{
	int status = stop_server(server);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		ipl_run_fail(res, "server %s",
			     WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exited with an error");
}

int ipl_run_once(const struct ipl_run_spec *spec, struct ipl_run_result *res)
{
	unsigned n = spec->clients ? spec->clients : 1;
	size_t shm_len = sizeof(struct shared) + n * sizeof(struct slot);
	memset(res, 0, sizeof *res);
	ipl_hist_init(&res->hist);
	struct shared *sh = ipl_run_map(shm_len, res);
	if (!sh)
		return -1;

	struct ipl_endpoint ep;
	struct ipl_tp_opts tpo = spec->tpo;
	tpo.max_clients = n;
	/* its own server serves every client of the run, each a full-size message */
	tpo.max_conns = n, tpo.mem_limit = (uint64_t)n * (tpo.cap ? tpo.cap : IPL_DEFAULT_CAP);
	ipl_endpoint_setup(&ep, spec->tp, &tpo, spec->connect);
	pid_t server = -1;
	fflush(NULL); /* children must not flush the parent's buffered output again */
	int rc = spec->connect ? 0 : ipl_endpoint_prepare(&ep);
	if (rc < 0) {
		ipl_run_fail(res, "%s: prepare: %s", spec->tp->name, ipl_strerror(rc));
		ipl_endpoint_cleanup(&ep);
		munmap(sh, shm_len);
		ipl_run_mark_interrupted(res);
		return -1;
	}
	if (!spec->connect)
		server = fork_server(spec, &ep, sh);
	snprintf(res->server_addr, sizeof res->server_addr, "%s", ep.addr);

	pid_t *kids = calloc(n, sizeof *kids);
	pid_t group = server > 0 ? server : 0;
	unsigned started = start_clients(spec, &ep, server, sh, kids, n, &group);
	ipl_endpoint_release(&ep); /* our copies of pipe ends would hide EOF */

	int tmo = 0;
	ipl_run_reap(kids, started, spec->timeout_s, &tmo);
	if (server > 0)
		end_server(server, res);
	if (group > 0)
		ipl_intr_untrack(group);
	ipl_endpoint_cleanup(&ep);
	merge(spec, res, sh, n, started, tmo);
	ipl_run_mark_interrupted(res);
	free(kids);
	munmap(sh, shm_len);
	return res->failed ? -1 : 0;
}
