/* names.h - private, unguessable names for the mechanisms that need them.
 *
 * Every file-system name ipclab creates lives in a directory made by
 * ipl_private_dir(): "$TMPDIR/ipclab-<pid>-XXXXXX", mode 0700, so nobody else
 * can open what is inside whatever its own mode.  The pid in the name lets the
 * next run remove directories whose creator is dead (a crash never leaves
 * something that blocks, and never piles up).
 */
#ifndef IPL_NAMES_H
#define IPL_NAMES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Creates a fresh 0700 directory and writes its path to out.  Returns 0 or
 * a negative code.  Sweeps stale ipclab directories first. */
int ipl_private_dir(char *out, size_t outlen);

/* Removes dir and the entries directly inside it (sockets, FIFOs). */
void ipl_remove_dir(const char *dir);

/* Removes ipclab directories (and "/dev/shm/ipclab-<pid>-*" objects) whose
 * creating process no longer exists and that belong to the caller's
 * effective uid (never followed through a link; even root leaves other
 * users' alone).  Returns how many were removed. */
int ipl_sweep_stale(void);

/* Returns 1 when process pid has exited: no such process, or a zombie its
 * parent has not reaped yet (its names are just as stale). */
int ipl_pid_gone(pid_t pid);

/* Fills buf with n random bytes from getrandom(2).  Returns 0 or -errno. */
int ipl_random_bytes(void *buf, size_t n);

/* Writes "<prefix>-<pid>-<16 random hex digits>" to out; for shm names pass
 * "/ipclab".  Returns 0 or a negative code. */
int ipl_random_name(char *out, size_t outlen, const char *prefix);

/* For a transport's check_addr: 0 when path exists and is of type
 * (S_IFSOCK, S_IFDIR, ...); else IPL_EADDR with why "not a WHAT", "no
 * directory 'D'" or "no such WHAT (is `ipclab serve` running?)". */
int ipl_check_path(const char *path, mode_t type, const char *what, char *why, size_t len);

/* The temporary directory: $TMPDIR if set and absolute, else /tmp. */
const char *ipl_tmpdir(void);

#endif
