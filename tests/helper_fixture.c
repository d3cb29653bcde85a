#include "bench/run/run.h"
#include "bench/registry/registry.h"
#include "tests/fixture.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long a stopping server may take before it counts as stuck: a safety
 * net only (a correct server stops within its 2 s grace period). */
#define STOP_SAFETY_S 120

const struct ipl_test_variant *ipl_fx_variant(const char *name)
{
	for (size_t i = 0; i < ipl_test_nvariants; i++)
		if (!strcmp(ipl_test_variants[i].name, name))
			return &ipl_test_variants[i];
	return NULL;
}

/* What a gate carries: the body a pre-forked client runs. */
struct gate_msg {
	int (*fn)(struct ipl_conn *, void *);
	void *arg;
};

/* Attaches as client idx and runs fn; gate >= 0: a pre-forked client, which
 * attaches first (dropping every channel but its own, so it hides no EOF
 * from its siblings) and then waits at its gate for fn. */
static void run_client(struct ipl_fixture *fx, unsigned idx, int (*fn)(struct ipl_conn *, void *),
		       void *arg, int gate)
{
	alarm(240);
	signal(SIGPIPE, SIG_IGN);
	struct ipl_conn *c = NULL;
	int rc = ipl_endpoint_attach_client(&fx->ep, idx, &c);
	if (gate >= 0) {
		struct gate_msg m;
		ssize_t r;
		while ((r = read(gate, &m, sizeof m)) < 0 && errno == EINTR)
			;
		close(gate);
		if (r != (ssize_t)sizeof m) { /* never used: nothing to do */
			ipl_conn_detach(c);
			ipl_endpoint_cleanup(&fx->ep);
			_exit(0);
		}
		fn = m.fn;
		arg = m.arg;
	}
	int status = 100;
	if (rc < 0)
		fprintf(stderr, "client %u: attach: %d\n", idx, rc);
	else
		status = fn(c, arg);
	ipl_conn_detach(c);
	ipl_endpoint_cleanup(&fx->ep);
	_exit(status);
}

/* Forks n clients that wait at their gates, then drops the parent's copies
 * of every channel, as `ipclab bench` does once all its processes exist. */
static int prefork_clients(struct ipl_fixture *fx, unsigned n)
{
	unsigned max = sizeof fx->pre / sizeof fx->pre[0];
	for (unsigned i = 0; i < n && i < max; i++) {
		int g[2];
		if (pipe(g) < 0)
			return -errno;
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0) {
			close(g[0]);
			close(g[1]);
			return -errno;
		}
		if (pid == 0) {
			for (unsigned k = 0; k < i; k++) /* siblings' gates are not ours */
				close(fx->gate[k]);
			close(g[1]);
			run_client(fx, i, NULL, NULL, g[0]);
		}
		close(g[0]);
		fx->pre[i] = pid;
		fx->gate[i] = g[1];
		fx->npre = i + 1;
		if (fx->nkids < sizeof fx->kids / sizeof fx->kids[0])
			fx->kids[fx->nkids++] = pid;
	}
	ipl_endpoint_release(&fx->ep);
	return 0;
}

static void close_gates(struct ipl_fixture *fx)
{
	for (unsigned i = 0; i < fx->npre; i++)
		if (fx->gate[i] >= 0) {
			close(fx->gate[i]);
			fx->gate[i] = -1;
		}
}

int ipl_fx_start(struct ipl_fixture *fx, const struct ipl_test_variant *v, unsigned max_clients)
{
	return ipl_fx_start_handler(fx, v, max_clients, NULL, NULL);
}

int ipl_fx_start_handler(struct ipl_fixture *fx, const struct ipl_test_variant *v, unsigned max_clients,
			 ipl_conn_handler *handler, void *arg)
{
	memset(fx, 0, sizeof *fx);
	fx->v = v;
	fx->server = -1;
	const struct ipl_transport *tp = ipl_transport_find(v->tp);
	if (!tp)
		return -ENOENT;
	struct ipl_tp_opts o = v->opts;
	o.max_clients = max_clients;
	if (v->via && !(o.via = ipl_transport_find(v->via)))
		return -ENOENT;
	signal(SIGPIPE, SIG_IGN);
	ipl_endpoint_setup(&fx->ep, tp, &o, NULL);
	int rc = ipl_endpoint_prepare(&fx->ep);
	if (rc < 0) {
		ipl_endpoint_cleanup(&fx->ep);
		return rc;
	}
	fflush(NULL);
	sigset_t term, old;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old); /* held until the server's handler exists */
	fx->server = fork();
	if (fx->server != 0)
		sigprocmask(SIG_SETMASK, &old, NULL);
	if (fx->server == 0) {
		alarm(300); /* a server the test forgot must not outlive it for long */
		rc = ipl_endpoint_attach_server(&fx->ep);
		/* handler NULL: the framed exchange, as ipl_serve_foreground, in
		 * the variant's model; a test's own handler runs on the threaded
		 * server (the epoll loop serves only the framed exchange) */
		struct ipl_server_cfg cfg = { .cap = o.cap,
					      .model = handler ? IPL_SERVER_THREADS
							       : (enum ipl_server_model)v->server,
					      .handler = handler,
					      .handler_arg = arg };
		if (rc == 0)
			rc = ipl_serve_process(&fx->ep, &cfg, NULL);
		ipl_endpoint_cleanup(&fx->ep);
		_exit(rc < 0 ? 1 : 0);
	}
	fx->server_was = fx->server;
	if (fx->server < 0)
		return -errno;
	if (tp->caps & IPL_CAP_NEEDS_FORK)
		return prefork_clients(fx, max_clients ? max_clients : 1);
	return 0;
}

pid_t ipl_fx_client(struct ipl_fixture *fx, unsigned idx, int (*fn)(struct ipl_conn *, void *), void *arg)
{
	if (idx < fx->npre && fx->gate[idx] >= 0) {
		struct gate_msg m = { fn, arg };
		ssize_t w = write(fx->gate[idx], &m, sizeof m);
		close(fx->gate[idx]);
		fx->gate[idx] = -1;
		return w == (ssize_t)sizeof m ? fx->pre[idx] : -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		run_client(fx, idx, fn, arg, -1);
	if (pid > 0 && fx->nkids < sizeof fx->kids / sizeof fx->kids[0])
		fx->kids[fx->nkids++] = pid;
	return pid;
}

/* IPCLAB_TEST_TIME_SCALE (1-100, default 1) stretches ipl_fx_wait's safety
 * net for runs that are slow by design: under valgrind a whole mq
 * conformance case takes about two minutes. */
static long time_scale(void)
{
	const char *s = getenv("IPCLAB_TEST_TIME_SCALE");
	long v = s ? strtol(s, NULL, 10) : 1;
	return v >= 1 && v <= 100 ? v : 1;
}

int ipl_fx_wait(struct ipl_fixture *fx, pid_t pid, int timeout_s)
{
	(void)fx;
	int status;
	for (long i = 0; i < (long)timeout_s * 100 * time_scale(); i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (r < 0)
			return -1;
		struct timespec t = { .tv_nsec = 10 * 1000000L };
		nanosleep(&t, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

int ipl_fx_stop(struct ipl_fixture *fx)
{
	int status = -1;
	close_gates(fx); /* unused pre-forked clients leave */
	ipl_endpoint_release(&fx->ep);
	for (unsigned i = 0; i < fx->nkids; i++) { /* stragglers: reap, never leave zombies */
		if (waitpid(fx->kids[i], NULL, WNOHANG) == 0) {
			kill(fx->kids[i], SIGKILL);
			waitpid(fx->kids[i], NULL, 0);
		}
	}
	if (fx->server > 0) {
		int st = 0;
		/* repeated: the first SIGTERM may come before the server's
		 * handler exists (it is blocked until then, but cheap to repeat);
		 * the deadline is a safety net for a server that never stops */
		for (int i = 0; i < STOP_SAFETY_S * 100; i++) {
			kill(fx->server, SIGTERM);
			struct timespec t = { .tv_nsec = 10 * 1000000L };
			nanosleep(&t, NULL);
			pid_t r = waitpid(fx->server, &st, WNOHANG);
			if (r == fx->server) {
				status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
				break;
			}
			if (r < 0 && errno == ECHILD) /* reaped already: nothing to stop */
				break;
		}
		if (status == -1 && waitpid(fx->server, &st, WNOHANG) == 0) {
			kill(fx->server, SIGKILL);
			waitpid(fx->server, &st, 0);
		}
		fx->server = -1;
	}
	ipl_endpoint_cleanup(&fx->ep);
	return status;
}

static int ours(const struct ipl_fixture *fx, const char *name)
{
	if (strncmp(name, "ipclab-", 7) != 0)
		return 0;
	long pid = strtol(name + 7, NULL, 10);
	if (pid == getpid() || pid == fx->server_was)
		return 1;
	for (unsigned i = 0; i < fx->nkids; i++)
		if (pid == fx->kids[i])
			return 1;
	return 0;
}

int ipl_fx_leftovers(const struct ipl_fixture *fx)
{
	const char *dirs[] = { getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", "/dev/shm" };
	int n = 0;
	for (size_t d = 0; d < 2; d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *e;
		while (dir && (e = readdir(dir))) {
			if (ours(fx, e->d_name)) {
				fprintf(stderr, "left behind: %s/%s\n", dirs[d], e->d_name);
				n++;
			}
		}
		if (dir)
			closedir(dir);
	}
	return n;
}

void ipl_fx_stop_thread(struct ipl_endpoint *ep, pthread_t th, int sig)
{
	ipl_endpoint_cancel(ep);
	for (;;) {
		pthread_kill(th, sig);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_timedjoin_np(th, NULL, &ts) == 0)
			return;
	}
}
