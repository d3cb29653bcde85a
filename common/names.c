#include "common/names.h"

#include "common/err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mqueue.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define PREFIX "ipclab-"

const char *ipl_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	return (t && t[0] == '/') ? t : "/tmp";
}

int ipl_random_bytes(void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom((char *)buf + got, n - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}
	return 0;
}

int ipl_random_name(char *out, size_t outlen, const char *prefix)
{
	uint64_t r;
	int rc = ipl_random_bytes(&r, sizeof r);
	if (rc < 0)
		return rc;
	int n = snprintf(out, outlen, "%s-%ld-%016llx", prefix, (long)getpid(), (unsigned long long)r);
	return (n < 0 || (size_t)n >= outlen) ? -ENAMETOOLONG : 0;
}

/* Parses the pid out of "ipclab-<pid>-..."; 0 when the name is not ours. */
static pid_t owner_of(const char *name)
{
	if (strncmp(name, PREFIX, strlen(PREFIX)) != 0)
		return 0;
	char *end;
	long pid = strtol(name + strlen(PREFIX), &end, 10);
	return (*end == '-' && pid > 0) ? (pid_t)pid : 0;
}

int ipl_pid_gone(pid_t pid)
{
	if (pid <= 0)
		return 0;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	/* an exited process its parent has not reaped yet still answers kill() */
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

void ipl_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		char path[4096];
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path)
				unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* The /dev/shm half of ipl_sweep_stale.  Only objects the caller owns: root
 * can unlink anybody's, and another user's "ipclab-<dead pid>-..." is that
 * user's business (a pid in a name proves nothing about who made it).  The
 * owner is read without following links; /dev/shm is sticky, so once the
 * name is ours nobody but us (or root) can swap another object in under it
 * before the unlink. */
static int sweep_shm(void)
{
	DIR *d = opendir("/dev/shm");
	if (!d)
		return 0;
	int removed = 0;
	struct dirent *e;
	char name[512];
	while ((e = readdir(d))) {
		pid_t pid = owner_of(e->d_name);
		struct stat st;
		if (!pid || !ipl_pid_gone(pid))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid())
			continue;
		/* "NAME.mq" stands for the message queue /NAME (mq/mq.c): a
		 * queue lives in no directory that could be swept */
		size_t n = strlen(e->d_name);
		if (n > 3 && !strcmp(e->d_name + n - 3, ".mq") &&
		    snprintf(name, sizeof name, "/%.*s", (int)(n - 3), e->d_name) < (int)sizeof name)
			mq_unlink(name);
		if (snprintf(name, sizeof name, "/%s", e->d_name) < (int)sizeof name && shm_unlink(name) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

int ipl_sweep_stale(void)
{
	int removed = 0;
	const char *tmp = ipl_tmpdir();
	DIR *d = opendir(tmp);
	if (d) {
		struct dirent *e;
		char path[4096];
		while ((e = readdir(d))) {
			pid_t pid = owner_of(e->d_name);
			struct stat st;
			if (!pid || !ipl_pid_gone(pid))
				continue;
			if (snprintf(path, sizeof path, "%s/%s", tmp, e->d_name) >= (int)sizeof path)
				continue;
			/* only our own directories: never follow a link planted by others */
			if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
				continue;
			ipl_remove_dir(path);
			removed++;
		}
		closedir(d);
	}
	return removed + sweep_shm();
}

int ipl_private_dir(char *out, size_t outlen)
{
	ipl_sweep_stale();
	int n = snprintf(out, outlen, "%s/" PREFIX "%ld-XXXXXX", ipl_tmpdir(), (long)getpid());
	if (n < 0 || (size_t)n >= outlen)
		return -ENAMETOOLONG;
	if (!mkdtemp(out)) /* mkdtemp creates it 0700 */
		return -errno;
	return 0;
}

int ipl_check_path(const char *path, mode_t type, const char *what, char *why, size_t len)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		if ((st.st_mode & S_IFMT) == type)
			return 0;
		snprintf(why, len, "not a %s", what);
		return IPL_EADDR;
	}
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	const char *dir = dirname(copy);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		snprintf(why, len, "no directory '%s'", dir);
	else
		snprintf(why, len, "no such %s (is `ipclab serve` running?)", what);
	free(copy);
	return IPL_EADDR;
}
