#include "names.h"

#include "err.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	int n = snprintf(out, outlen, "%s-%ld-%016llx", prefix, (long)getpid(),
			 (unsigned long long)r);
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

static int dead(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
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
			if (!pid || !dead(pid))
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
	d = opendir("/dev/shm");
	if (d) {
		struct dirent *e;
		char name[512];
		while ((e = readdir(d))) {
			pid_t pid = owner_of(e->d_name);
			if (!pid || !dead(pid))
				continue;
			if (snprintf(name, sizeof name, "/%s", e->d_name) < (int)sizeof name &&
			    shm_unlink(name) == 0)
				removed++;
		}
		closedir(d);
	}
	return removed;
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
