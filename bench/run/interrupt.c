/* interrupt.c - what the driver does on SIGINT, SIGTERM and SIGHUP, and how
 * every process it forks is tied to it.
 *
 * Each run's processes (server and clients, or both peers) form their own
 * process group, so a Ctrl-C on the terminal reaches the driver only: the
 * driver decides.  The first stop signal kills every tracked group with
 * SIGKILL (the rep in flight is discarded anyway) and sets a flag; the
 * driver then reaps, writes what finished, marked interrupted, and exits
 * 128 + signal.  A second stop signal kills the groups again and exits at
 * once.
 *
 * A child must also die when the driver is SIGKILLed, which no handler
 * sees: PR_SET_PDEATHSIG(SIGKILL) right after fork, then getppid() against
 * the expected parent, because the parent may have died before the prctl
 * (the death signal is then never sent). */
#include "bench/run/intr.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#define MAX_GROUPS 8 /* a run, plus the odd helper: runs do not nest */

static volatile sig_atomic_t stop_sig;
static volatile sig_atomic_t groups[MAX_GROUPS];

static void kill_groups(void)
{
	for (int i = 0; i < MAX_GROUPS; i++)
		if (groups[i] > 0)
			kill(-(pid_t)groups[i], SIGKILL);
}

static void on_stop(int sig)
{
	int again = stop_sig != 0;
	if (!again)
		stop_sig = sig;
	kill_groups();
	if (again)
		_exit(128 + sig);
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

void ipl_intr_install(void)
{
	/* no SA_RESTART: a blocking wait returns EINTR and looks at the flag */
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int ipl_intr_signal(void)
{
	return stop_sig;
}

void ipl_intr_track(pid_t pgid)
{
	for (int i = 0; i < MAX_GROUPS; i++)
		if (groups[i] == 0) {
			groups[i] = pgid;
			break;
		}
	if (stop_sig) /* the stop came before the group was known */
		kill(-pgid, SIGKILL);
}

void ipl_intr_untrack(pid_t pgid)
{
	for (int i = 0; i < MAX_GROUPS; i++)
		if (groups[i] == pgid)
			groups[i] = 0;
}

void ipl_intr_child_setup(pid_t parent)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1); /* the parent died before the prctl: nobody will reap us */
}

pid_t ipl_intr_fork(pid_t pgid)
{
	sigset_t stop, old;
	stop_signals(&stop);
	/* held across fork: the child resets the handlers first, and the
	 * parent tracks the group before a stop can look for it */
	sigprocmask(SIG_BLOCK, &stop, &old);
	pid_t parent = getpid();
	pid_t p = fork();
	if (p == 0) {
		setpgid(0, pgid);
		ipl_intr_child_setup(parent);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return 0;
	}
	if (p > 0) {
		/* both sides set the group: whichever runs first wins the race
		 * with a kill aimed at it (errors: the child is already there) */
		setpgid(p, pgid);
		if (!pgid)
			ipl_intr_track(p);
		else if (stop_sig)
			kill(p, SIGKILL); /* joined a group already killed */
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return p;
}

const char *ipl_intr_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	}
	return "a signal";
}
