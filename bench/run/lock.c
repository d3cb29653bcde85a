/* lock.c - the benchmark lock: one timed run on the machine at a time.
 *
 * The lock is flock(2) on a well-known file (IPCLAB_BENCH_LOCK, default
 * /tmp/ipclab-bench.lock), the same one flock(1) takes, so
 * `flock /tmp/ipclab-bench.lock CMD` and bench/default.sh, bench/vs-floor.sh
 * (bench/lock.sh: the same rule in sh) and `ipclab bench` all exclude each
 * other.
 *
 * Nesting: a flock belongs to an open file description.  A child that
 * opens the file again gets a new description and would wait for ever on
 * its own ancestor (`flock LOCK make bench` used to).  So before taking it
 * we look for a holder among ourselves and our ancestors: for each process
 * on the getppid chain, each fd that refers to the lock file, and whether
 * /proc/PID/fdinfo/FD lists a FLOCK lock on it (the kernel shows a lock
 * there only for the open file description that holds it; waiters are not
 * listed).  That covers flock(1) (its own fd holds the lock while its child
 * runs), `exec 9>LOCK; flock 9` (the shell's fd 9) and inherited fds (our
 * own fd table).  An ancestor owned by another user cannot be read: we then
 * wait, and say who holds the lock after 5 s. */
#include "bench/run/lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses */
	char *rp = strrchr(buf, ')');
	int ppid = 0;
	if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
		return 0;
	return ppid;
}

/* Does fd `name` of pid hold a flock (fdinfo "lock:" line, FLOCK)? */
static int fd_holds_flock(pid_t pid, const char *name)
{
	char path[96], line[256];
	snprintf(path, sizeof path, "/proc/%d/fdinfo/%.32s", (int)pid, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int held = 0;
	while (!held && fgets(line, sizeof line, f))
		held = !strncmp(line, "lock:", 5) && strstr(line, "FLOCK") && !strstr(line, "->");
	fclose(f);
	return held;
}

/* Does pid have an fd on (dev, ino) that holds a flock? */
static int proc_holds(pid_t pid, dev_t dev, ino_t ino)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	int held = 0;
	for (struct dirent *e; !held && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char fp[96];
		struct stat st;
		snprintf(fp, sizeof fp, "/proc/%d/fd/%.32s", (int)pid, e->d_name);
		if (stat(fp, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
			held = fd_holds_flock(pid, e->d_name);
	}
	closedir(d);
	return held;
}

int ipl_lock_held_by(pid_t pid, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	for (int depth = 0; pid > 0 && depth < 4096; depth++, pid = parent_of(pid))
		if (proc_holds(pid, st.st_dev, st.st_ino))
			return 1;
	return 0;
}

/* "pid 123 (flock /tmp/ipclab-bench.lock make bench)" for the holders
 * /proc/locks lists on the lock file's inode. */
static void describe_holder(const char *path, ino_t ino, char *out, size_t len)
{
	snprintf(out, len, "another process");
	FILE *f = fopen("/proc/locks", "r");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof line, f)) {
		int pid;
		unsigned long long li;
		/* "1: FLOCK  ADVISORY  WRITE 1234 00:2d:5678 0 EOF"; waiters say "->" */
		if (sscanf(line, "%*d: FLOCK %*s %*s %d %*x:%*x:%llu", &pid, &li) != 2 ||
		    li != (unsigned long long)ino)
			continue;
		char cp[64], cmd[160] = "";
		snprintf(cp, sizeof cp, "/proc/%d/cmdline", pid);
		FILE *c = fopen(cp, "r");
		size_t n = c ? fread(cmd, 1, sizeof cmd - 1, c) : 0;
		if (c)
			fclose(c);
		for (size_t i = 0; i + 1 < n; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		cmd[n] = '\0';
		if (n)
			snprintf(out, len, "pid %d (%s)", pid, cmd);
		else
			snprintf(out, len, "pid %d (gone: a descriptor it passed on holds %s)", pid, path);
		break;
	}
	fclose(f);
}

int ipl_bench_lock(const char *who)
{
	const char *path = getenv("IPCLAB_BENCH_LOCK");
	if (!path)
		path = IPL_BENCH_LOCK;
	if (!*path || ipl_lock_held_by(getpid(), path))
		return -1; /* no lock wanted, or ours already */
	/* read-only is enough for flock; O_NOFOLLOW: /tmp is everyone's */
	int fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		fprintf(stderr, "%s: cannot open the benchmark lock %s: %s\n", who, path, strerror(e));
		return -e;
	}
	struct timespec tick = { .tv_nsec = 50 * 1000000L };
	for (int i = 0; i < 100; i++) { /* 5 s quietly */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		nanosleep(&tick, NULL);
	}
	struct stat st;
	char holder[256] = "another process";
	if (fstat(fd, &st) == 0)
		describe_holder(path, st.st_ino, holder, sizeof holder);
	fprintf(stderr, "%s: waiting for the benchmark lock %s, held by %s\n", who, path, holder);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			int e = errno;
			fprintf(stderr, "%s: cannot take the benchmark lock %s: %s\n", who, path, strerror(e));
			close(fd);
			return -e;
		}
	return fd;
}
