/* run/lock.h - the benchmark lock, nesting-aware (lock.c). */
#ifndef IPL_LOCK_H
#define IPL_LOCK_H

#include <sys/types.h>

#define IPL_BENCH_LOCK "/tmp/ipclab-bench.lock"
/* Takes the benchmark lock (IPCLAB_BENCH_LOCK, default IPL_BENCH_LOCK;
 * empty: no lock) unless this process or an ancestor already holds it; says
 * who holds it on stderr after 5 s of waiting.  Returns the locked fd (kept
 * open, close-on-exec, for the life of the process), -1 when nothing needed
 * taking, or a negative error other than -1 (said on stderr). */
int ipl_bench_lock(const char *who);
/* 1 when process pid or one of its ancestors holds a flock on the file at
 * path (checked through /proc/PID/fdinfo), else 0. */
int ipl_lock_held_by(pid_t pid, const char *path);

#endif
