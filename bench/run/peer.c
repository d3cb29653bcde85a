/* peer.c - the peer-to-peer pattern: `ipclab bench --pattern peer`.
 *
 * Client-server: one process only serves, the other only requests.
 * Peer-to-peer: two processes, A and B, are equals: each serves requests on
 * its own endpoint (a server thread) and at the same time sends its own
 * requests to the other's endpoint (its main thread).  Both directions run
 * at once, so every process has two busy threads and each message competes
 * with the opposite stream for the CPUs.
 *
 *   parent:  prepare(epA), prepare(epB)            both endpoints exist before
 *   fork A:  attach_server(epA); thread: accept    fork, so even pipes (which
 *            + serve; main: attach_client(epB)     need a common ancestor) work:
 *   fork B:  attach_server(epB); thread: accept    A and B are siblings and
 *            + serve; main: attach_client(epA)     inherit both channels
 *
 * Each process releases what belongs to the other (a pipe's stray end would
 * hide EOF).  A server thread normally ends when the other peer says BYE; a
 * transport whose accept() runs its own service loop instead of returning a
 * conn (oncrpc) is stopped once both clients are done: ipl_endpoint_cancel
 * plus a SIGUSR1 to the thread.  The two clients' histograms and counters are merged into one
 * row, like two clients of one server; "ok" counts both directions.
 */
#include "bench/run/peer.h"
#include "bench/run/run.h"
#include "bench/run/intr.h"
#include "bench/run/placement.h"
#include "bench/registry/registry.h"
#include "common/err.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What one peer leaves behind for the parent. */
struct peer_slot {
	struct ipl_hist hist;
	struct ipl_client_stats st;
	struct ipl_loop_cost lc; /* the whole process (its client and its server
				    thread) over its client's timed loop */
	int rc, src;             /* client and server outcome */
	char step[32];
	int done;
};

/* The two slots and a count of finished clients, in one shared mapping. */
struct peer_shared {
	struct peer_slot slot[2];
	_Atomic int clients_done; /* both peers' clients: then no request will come */
};

struct srv_arg {
	struct ipl_endpoint *ep;
	uint32_t cap;
	int rc;
	_Atomic int finished;
};

/* The serving half: one peer connects; serve it until its BYE. */
static void *serve_thread(void *p)
{
	struct srv_arg *a = p;
	struct ipl_conn *c = NULL;
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	a->rc = ipl_endpoint_accept(a->ep, &c);
	if (a->rc == 0) {
		a->rc = ipl_serve_conn(c, a->cap, NULL);
		ipl_conn_detach(c);
	} else if (a->rc == IPL_ECANCELED) {
		a->rc = 0; /* a service loop stopped after both clients finished */
	}
	atomic_store(&a->finished, 1);
	return NULL;
}

static int client_half(const struct ipl_run_spec *spec, struct ipl_endpoint *other, struct peer_slot *out)
{
	struct ipl_conn *c = NULL;
	const char *step = "connect";
	struct ipl_run_spec mine = *spec;
	mine.rate = spec->rate / 2; /* load: both peers request, sharing the offered rate */
	int rc = ipl_endpoint_attach_client(other, 0, &c);
	ipl_endpoint_release(other); /* keep only our own channel to the other peer */
	if (rc == 0)
		rc = ipl_run_session(c, &mine, &out->hist, &out->st, &step, &out->lc);
	ipl_conn_detach(c);
	snprintf(out->step, sizeof out->step, "%s", step);
	return rc;
}

/* Starts the serving half in its own thread, which takes no signals (the
 * process's stay with main) but SIGUSR1, the stop nudge.  0 or a code. */
static int start_server_thread(pthread_t *th, struct srv_arg *a)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = -pthread_create(th, NULL, serve_thread, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Waits for the serving half.  The other peer's BYE normally ends it; once
 * both clients are done nothing more will come, so a thread still in accept
 * (a service loop) is told to stop.  A peer that died is the parent's
 * timeout's business.  Returns the thread's outcome. */
static int join_server_thread(pthread_t th, struct srv_arg *a, struct ipl_endpoint *mine, _Atomic int *clients_done)
{
	struct timespec tick = { .tv_nsec = 1000000L };
	while (!atomic_load(&a->finished)) {
		if (atomic_load(clients_done) >= 2) {
			ipl_endpoint_cancel(mine);
			pthread_kill(th, SIGUSR1);
		}
		nanosleep(&tick, NULL);
	}
	pthread_join(th, NULL);
	return a->rc;
}

/* One peer: serve mine, request from the other's, at the same time. */
static void peer_main(const struct ipl_run_spec *spec, struct ipl_endpoint *mine,
		      struct ipl_endpoint *other, int cpu, struct peer_slot *out, _Atomic int *clients_done)
{
	signal(SIGPIPE, SIG_IGN);
	ipl_wake_install(SIGUSR1);
	ipl_pin_cpu(cpu);
	ipl_hist_init(&out->hist);
	struct srv_arg a = { .ep = mine, .cap = spec->tpo.cap };
	pthread_t th;
	int rc = ipl_endpoint_attach_server(mine);
	if (rc == 0)
		rc = start_server_thread(&th, &a);
	int started = rc == 0;
	if (rc == 0)
		rc = client_half(spec, other, out);
	else
		snprintf(out->step, sizeof out->step, "serve");
	atomic_fetch_add(clients_done, 1);
	if (started)
		out->src = join_server_thread(th, &a, mine, clients_done);
	ipl_endpoint_cleanup(mine);
	ipl_endpoint_cleanup(other);
	out->rc = rc;
	out->done = 1;
}

/* Prepares both peers' endpoints before either forks.  0, or -1 with res
 * failed and nothing left behind. */
static int prepare_both(const struct ipl_run_spec *spec, struct ipl_endpoint ep[2], struct ipl_run_result *res)
{
	struct ipl_tp_opts tpo = spec->tpo;
	tpo.max_clients = 1;
	ipl_endpoint_setup(&ep[0], spec->tp, &tpo, NULL);
	ipl_endpoint_setup(&ep[1], spec->tp, &tpo, NULL);
	int rc = ipl_endpoint_prepare(&ep[0]);
	if (rc == 0)
		rc = ipl_endpoint_prepare(&ep[1]);
	if (rc == 0)
		return 0;
	ipl_run_fail(res, "%s: prepare: %s", spec->tp->name, ipl_strerror(rc));
	ipl_endpoint_cleanup(&ep[0]);
	ipl_endpoint_cleanup(&ep[1]);
	return -1;
}

/* Forks A then B, both in one process group led by A. */
static void fork_peers(const struct ipl_run_spec *spec, struct ipl_endpoint ep[2],
		       struct peer_shared *sh, pid_t kid[2])
{
	fflush(NULL);
	for (int i = 0; i < 2; i++) {
		kid[i] = ipl_intr_fork(i ? (kid[0] > 0 ? kid[0] : 0) : 0);
		if (kid[i] == 0) {
			struct peer_slot *me = &sh->slot[i];
			peer_main(spec, &ep[i], &ep[1 - i], i ? spec->cpu_server : spec->cpu_client, me,
				  &sh->clients_done);
			_exit(me->rc < 0 || me->src < 0 ? 1 : 0);
		}
		if (kid[i] < 0)
			break;
	}
}

/* Merges both peers' results into res; the first problem is its why. */
static void merge_peers(const struct ipl_run_spec *spec, struct ipl_run_result *res,
			const struct peer_shared *sh, const pid_t kid[2], int timed_out)
{
	struct ipl_run_tally tally = { 0 };
	for (int i = 0; i < 2; i++) {
		const struct peer_slot *s = &sh->slot[i];
		if (kid[i] < 0 || !s->done) {
			ipl_run_fail(res, "peer %c %s", 'A' + i,
				     timed_out    ? "timed out"
				     : kid[i] < 0 ? "could not start"
						  : "died");
			continue;
		}
		if (s->rc < 0 && !res->failed)
			ipl_run_fail(res, "peer %c: %s: %s", 'A' + i, s->step, ipl_strerror(s->rc));
		else if (s->src < 0 && !res->failed)
			ipl_run_fail(res, "peer %c: serving: %s", 'A' + i, ipl_strerror(s->src));
		/* each peer is a client and a server: its rusage covers both */
		ipl_run_add_client(spec, res, &tally, &s->hist, &s->st, &s->lc);
	}
	ipl_run_finish(res, &tally);
}

int ipl_peer_run_once(const struct ipl_run_spec *spec, struct ipl_run_result *res)
{
	memset(res, 0, sizeof *res);
	ipl_hist_init(&res->hist);
	if (spec->connect) {
		ipl_run_fail(res, "the peer pattern starts both peers itself: no --connect");
		return -1;
	}
	struct peer_shared *sh = ipl_run_map(sizeof *sh, res);
	if (!sh)
		return -1;
	struct ipl_endpoint ep[2];
	if (prepare_both(spec, ep, res) < 0) {
		munmap(sh, sizeof *sh);
		return -1;
	}
	snprintf(res->server_addr, sizeof res->server_addr, "%s", ep[0].addr);
	pid_t kid[2] = { -1, -1 };
	fork_peers(spec, ep, sh, kid);
	ipl_endpoint_release(&ep[0]);
	ipl_endpoint_release(&ep[1]);

	int timed_out = 0;
	ipl_run_reap(kid, 2, spec->timeout_s, &timed_out);
	if (kid[0] > 0)
		ipl_intr_untrack(kid[0]);
	ipl_endpoint_cleanup(&ep[0]);
	ipl_endpoint_cleanup(&ep[1]);
	merge_peers(spec, res, sh, kid, timed_out);
	ipl_run_mark_interrupted(res);
	munmap(sh, sizeof *sh);
	return res->failed ? -1 : 0;
}
