/* run/intr.h - stop signals and the process groups of runs (interrupt.c). */
#ifndef IPL_INTR_H
#define IPL_INTR_H

#include <sys/types.h>

/* The driver: SIGINT, SIGTERM and SIGHUP kill every tracked process group
 * and set a flag (ipl_intr_signal); a second one exits 128 + signal at once. */
void ipl_intr_install(void);
/* The stop signal received, or 0. */
int ipl_intr_signal(void);
/* Tracks process group pgid (a run's server and clients): a stop signal
 * SIGKILLs it; one tracked after a stop came is killed at once.  At most 8
 * groups are tracked (runs do not nest); more are not. */
void ipl_intr_track(pid_t pgid);
/* Forgets pgid (its processes are reaped): a later stop leaves it alone. */
void ipl_intr_untrack(pid_t pgid);
/* fork() for a run's process: the child joins group pgid (0: leads a new
 * one, which the parent tracks), gets the default stop handlers and dies
 * with its parent (PR_SET_PDEATHSIG, getppid checked).  Stop signals are
 * held across the fork; the caller's mask is restored on both sides. */
pid_t ipl_intr_fork(pid_t pgid);
/* In a child forked some other way: default stop handlers, die with parent. */
void ipl_intr_child_setup(pid_t parent);
/* "SIGINT", "SIGTERM", "SIGHUP". */
const char *ipl_intr_name(int sig);

#endif
