/* run.c - one measurement: a server process, N client processes, results
 * handed back through a shared anonymous mapping. */
#include "bench.h"
#include "err.h"
#include "peer.h"

#include <errno.h>
#include <signal.h>
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
	}
	return "?";
}

/* What one client process leaves behind for the parent. */
struct slot {
	struct ipl_hist hist;
	struct ipl_client_stats st;
	struct rusage ru;
	int rc;       /* 0, or the failing step's code */
	char step[32];/* which step failed */
	int done;
	char local[IPL_ADDR_MAX]; /* this client's end of the connection */
};

struct shared {
	struct rusage server_ru;
	int server_rc;
	struct slot slot[];
};

static uint64_t ru_ns(const struct rusage *ru)
{
	return (uint64_t)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000000u +
	       (uint64_t)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1000u;
}

void ipl_run_tally_rusage(struct ipl_run_tally *t, const struct rusage *ru)
{
	t->cpu_ns += ru_ns(ru);
	t->ctxsw += (uint64_t)(ru->ru_nvcsw + ru->ru_nivcsw);
}

void ipl_run_add_client(const struct ipl_run_spec *spec, struct ipl_run_result *res,
			struct ipl_run_tally *t, const struct ipl_hist *h,
			const struct ipl_client_stats *st, const struct rusage *ru)
{
	ipl_hist_merge(&res->hist, h);
	res->st.ok += st->ok;
	res->st.errors += st->errors;
	res->st.err_seq += st->err_seq;
	res->st.err_len += st->err_len;
	res->st.err_payload += st->err_payload;
	res->st.err_remote += st->err_remote;
	res->st.bytes += st->bytes;
	/* latency: the histogram holds exactly the measured round trips */
	uint64_t measured = spec->mode == IPL_MODE_LATENCY ? h->count : st->ok;
	res->msgs += measured;
	t->exchanged += measured + (spec->mode == IPL_MODE_STREAM ? 0 : spec->warmup);
	if (st->elapsed_ns > res->st.elapsed_ns)
		res->st.elapsed_ns = st->elapsed_ns;
	ipl_run_tally_rusage(t, ru);
}

void ipl_run_finish(struct ipl_run_result *res, const struct ipl_run_tally *t)
{
	if (res->st.elapsed_ns) {
		double secs = (double)res->st.elapsed_ns / 1e9;
		res->msgs_per_s = (double)res->msgs / secs;
		res->mb_per_s = (double)res->st.bytes / secs / 1e6;
	}
	if (t->exchanged) {
		/* every process's CPU per message exchanged, warm-up included */
		res->cpu_ns_per_msg = (double)t->cpu_ns / (double)t->exchanged;
		res->ctxsw_per_msg = (double)t->ctxsw / (double)t->exchanged;
	}
}

int ipl_run_session(struct ipl_conn *c, const struct ipl_run_spec *spec, struct ipl_hist *h,
		    struct ipl_client_stats *st, const char **step)
{
	struct ipl_client_cfg cfg = {
		.size = spec->size,
		.iters = spec->iters,
		.warmup = spec->warmup,
		.duration_ns = spec->duration_ns,
		.window = spec->window,
		.crc = spec->crc,
		.cap = spec->tpo.cap,
	};
	*step = "hello";
	int rc = ipl_client_hello(c, NULL);
	if (rc < 0)
		return rc;
	*step = ipl_mode_name(spec->mode);
	switch (spec->mode) {
	case IPL_MODE_LATENCY:
		cfg.op = IPL_OP_ECHO;
		rc = ipl_client_latency(c, &cfg, h, st);
		break;
	case IPL_MODE_THROUGHPUT:
		cfg.op = IPL_OP_SINK;
		rc = ipl_client_throughput(c, &cfg, st);
		break;
	case IPL_MODE_STREAM:
		rc = ipl_client_stream(c, &cfg, st);
		break;
	}
	if (rc < 0)
		return rc;
	*step = "bye";
	return ipl_client_bye(c);
}

static void client_main(const struct ipl_run_spec *spec, struct ipl_endpoint *ep,
			unsigned idx, struct slot *out)
{
	struct ipl_conn *c = NULL;
	int rc;
	signal(SIGPIPE, SIG_IGN);
	ipl_pin_cpu(spec->cpu_client);
	ipl_hist_init(&out->hist);

	const char *step = "connect";
	rc = ipl_endpoint_attach_client(ep, idx, &c);
	if (rc == 0 && spec->raw) {
		step = "raw loop";
		rc = ipl_raw_client(c, spec, &out->hist, &out->st);
		goto done;
	}
	if (rc == 0) {
		/* "" when the transport cannot tell; an unbound unix client says so */
		if (ipl_conn_addr(c, out->local, sizeof out->local, NULL, 0) == 0 && !out->local[0])
			snprintf(out->local, sizeof out->local, "(unnamed)");
		rc = ipl_run_session(c, spec, &out->hist, &out->st, &step);
	}
done:
	ipl_conn_detach(c);
	ipl_endpoint_cleanup(ep);
	getrusage(RUSAGE_SELF, &out->ru);
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
 * SIGKILL after 3 s.  Returns its wait status. */
static int stop_server(pid_t pid)
{
	int status = 0;
	for (int i = 0; i < 300; i++) {
		kill(pid, SIGTERM);
		struct timespec t = { .tv_nsec = 10 * 1000000L };
		nanosleep(&t, NULL);
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return status;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

static void fail(struct ipl_run_result *res, const char *fmt, const char *a, int code)
{
	res->failed = 1;
	snprintf(res->why, sizeof res->why, fmt, a, ipl_strerror(code));
}

int ipl_run_once(const struct ipl_run_spec *spec, struct ipl_run_result *res)
{
	if (spec->peer)
		return ipl_peer_run_once(spec, res);
	unsigned n = spec->clients ? spec->clients : 1;
	size_t shm_len = sizeof(struct shared) + n * sizeof(struct slot);
	memset(res, 0, sizeof *res);
	ipl_hist_init(&res->hist);

	struct shared *sh = mmap(NULL, shm_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		fail(res, "%s%s", "mmap: ", -errno);
		return -1;
	}

	struct ipl_endpoint ep;
	struct ipl_tp_opts tpo = spec->tpo;
	tpo.max_clients = n;
	/* its own server serves every client of the run, each a full-size message */
	tpo.max_conns = n, tpo.mem_limit = (uint64_t)n * (tpo.cap ? tpo.cap : IPL_DEFAULT_CAP);
	ipl_endpoint_init(&ep, spec->tp, &tpo, spec->connect);
	pid_t server = -1;
	int rc = 0;
	fflush(NULL); /* children must not flush the parent's buffered output again */
	if (!spec->connect) {
		rc = ipl_endpoint_prepare(&ep);
		if (rc < 0) {
			fail(res, "%s: prepare: %s", spec->tp->name, rc);
			ipl_endpoint_cleanup(&ep);
			munmap(sh, shm_len);
			return -1;
		}
		sigset_t term, old;
		sigemptyset(&term);
		sigaddset(&term, SIGTERM);
		sigprocmask(SIG_BLOCK, &term, &old); /* held until the server's handler exists */
		server = fork();
		if (server != 0)
			sigprocmask(SIG_SETMASK, &old, NULL);
		if (server == 0) {
			ipl_pin_cpu(spec->cpu_server);
			int src = ipl_endpoint_attach_server(&ep);
			if (src == 0)
				src = spec->raw ? ipl_raw_serve(&ep, spec)
						: ipl_serve_foreground(&ep, spec->tpo.cap, NULL);
			ipl_endpoint_cleanup(&ep);
			getrusage(RUSAGE_SELF, &sh->server_ru);
			sh->server_rc = src;
			_exit(src < 0 ? 1 : 0);
		}
	}
	snprintf(res->server_addr, sizeof res->server_addr, "%s", ep.addr);

	pid_t *kids = calloc(n, sizeof *kids);
	unsigned started = 0;
	for (; kids && started < n; started++) {
		pid_t p = fork();
		if (p == 0) {
			client_main(spec, &ep, started, &sh->slot[started]);
			_exit(sh->slot[started].rc < 0 ? 1 : 0);
		}
		if (p < 0)
			break;
		kids[started] = p;
	}
	ipl_endpoint_release(&ep); /* our copies of pipe ends would hide EOF */

	struct sigaction sa = { .sa_handler = on_alarm }, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	timed_out = 0;
	alarm(spec->timeout_s > 0 ? (unsigned)spec->timeout_s : 300);
	for (unsigned i = 0; i < started; i++) {
		int status;
		while (waitpid(kids[i], &status, 0) < 0 && errno == EINTR) {
			if (timed_out) {
				for (unsigned k = 0; k < started; k++)
					kill(kids[k], SIGKILL);
			}
		}
	}
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	if (server > 0) {
		int status = stop_server(server);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			res->failed = 1;
			snprintf(res->why, sizeof res->why, "server %s", WIFSIGNALED(status) ?
				 strsignal(WTERMSIG(status)) : "exited with an error");
		}
	}
	ipl_endpoint_cleanup(&ep);

	/* merge what the clients left */
	struct ipl_run_tally tally = { 0 };
	if (server > 0)
		ipl_run_tally_rusage(&tally, &sh->server_ru);
	for (unsigned i = 0; i < n; i++) {
		struct slot *s = &sh->slot[i];
		if (i >= started || !s->done) {
			res->failed = 1;
			snprintf(res->why, sizeof res->why, "client %u %s", i,
				 timed_out ? "timed out" : i >= started ? "could not start" : "died");
			continue;
		}
		if (s->rc < 0 && !res->failed) {
			res->failed = 1;
			snprintf(res->why, sizeof res->why, "client %u: %s: %s", i, s->step,
				 ipl_strerror(s->rc));
		}
		if (!res->client_addr[0])
			snprintf(res->client_addr, sizeof res->client_addr, "%s", s->local);
		ipl_run_add_client(spec, res, &tally, &s->hist, &s->st, &s->ru);
	}
	ipl_run_finish(res, &tally);
	free(kids);
	munmap(sh, shm_len);
	return res->failed ? -1 : 0;
}
