/* serveproc.c - a server process: signal handling around ipl_server_run. */
#include "bench/run/run.h"
#include "bench/run/placement.h"

#include <pthread.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>

static struct ipl_endpoint *volatile stop_ep;

static void on_stop(int sig)
{
	(void)sig;
	if (stop_ep)
		ipl_endpoint_cancel(stop_ep);
}

static void on_wake(int sig)
{
	(void)sig; /* only here to interrupt a blocked call (no SA_RESTART) */
}


int ipl_serve_foreground(struct ipl_endpoint *ep, uint32_t cap, struct ipl_serve_stats *st)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	stop_ep = ep;
	sa.sa_handler = on_stop; /* no SA_RESTART: accept must return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_wake;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* a parent may block SIGTERM across fork so that a stop sent before
	 * these handlers existed is held, not fatal: take it now */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	struct ipl_server_cfg cfg = { .cap = cap, .wake_signal = SIGUSR1 };
	int rc = ipl_server_run(ep, &cfg, st);
	stop_ep = NULL;
	return rc;
}
