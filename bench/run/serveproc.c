/* serveproc.c - a server process: the stop and wake signals around
 * ipl_server_run, for `ipclab serve` and a run's server (framed or raw). */
#include "bench/run/run.h"

#include <pthread.h>

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

/* Installs handler for sig, without SA_RESTART: a blocked call returns
 * EINTR and looks at its cancel flag. */
static void install(int sig, void (*handler)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = handler;
	sigaction(sig, &sa, NULL);
}

static void stop_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

void ipl_serve_hold_stop(sigset_t *old)
{
	sigset_t set;
	stop_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

void ipl_wake_install(int sig)
{
	install(sig, on_wake);
}

int ipl_serve_process(struct ipl_endpoint *ep, const struct ipl_server_cfg *cfg, struct ipl_serve_stats *st)
{
	stop_ep = ep;
	install(SIGINT, on_stop);
	install(SIGTERM, on_stop);
	install(SIGUSR1, on_wake);
	install(SIGPIPE, SIG_IGN);
	/* a parent may block the stop signals across fork (ipl_serve_hold_stop)
	 * so that a stop sent before these handlers existed is held, not
	 * fatal: take it now */
	sigset_t set;
	stop_set(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	struct ipl_server_cfg c = cfg ? *cfg : (struct ipl_server_cfg){ 0 };
	c.wake_signal = SIGUSR1;
	int rc = ipl_server_run(ep, &c, st);
	stop_ep = NULL;
	return rc;
}

int ipl_serve_foreground(struct ipl_endpoint *ep, uint32_t cap, struct ipl_serve_stats *st)
{
	struct ipl_server_cfg cfg = { .cap = cap };
	return ipl_serve_process(ep, &cfg, st);
}
