/* test_security.c - the security review, enforced, for every variant
 * while a client is connected (so per-client names exist too):
 *
 *   names_private         every ipclab directory in $TMPDIR is ours and
 *                         0700; every socket/FIFO inside is 0600; every
 *                         ipclab object in /dev/shm is ours and 0600 - all
 *                         with the umask cleared, so nothing relies on it
 *   names_unguessable     names carry a random part (>= 6 characters for
 *                         mkdtemp directories, 16 hex digits for shm) that
 *                         differs between two servers
 *   tcp_loopback_default  every TCP socket the server listens on is bound
 *                         to 127.0.0.1 (or ::1)
 *   fds_cloexec           every fd above 2 of the server and of the client
 *                         is close-on-exec (from /proc/<pid>/fdinfo)
 * and, once, oversized_length_refused: a header whose length is over the
 * cap is refused before any memory is sized by it; and sweep_owner: the
 * stale-name sweep, run as root, removes only /dev/shm objects of its own
 * uid (skipped, and said so, when not root). */
#include "common/err.h"
#include "common/exchange.h"
#include "common/msgio.h"
#include "common/names.h"
#include "tests/reliab.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

struct sec_arg {
	int ready_fd, go_fd;
};

/* Connects, is served, says so, and stays connected until told. */
static int body_hold(struct ipl_conn *c, void *arg)
{
	const struct sec_arg *a = arg;
	alarm(60);
	if (ipl_client_hello(c, NULL) < 0)
		return 1;
	if (write(a->ready_fd, "r", 1) != 1)
		return 2;
	char b;
	if (read(a->go_fd, &b, 1) < 0)
		return 3;
	return ipl_client_bye(c) < 0 ? 4 : 0;
}

struct held {
	struct ipl_fixture *fx;
	pid_t client;
	int go_w;
};

/* Starts v's server and one client that stays connected. */
static void hold(const struct ipl_test_variant *v, struct held *h)
{
	int ready[2], go[2];
	h->fx = ipl_rl_fixture();
	/* before the start: clients of fork-only transports are forked there */
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	struct sec_arg a = { ready[1], go[0] };
	assert_ok(ipl_fx_start(h->fx, v, 1));
	h->client = ipl_fx_client(h->fx, 0, body_hold, &a);
	assert_true(h->client > 0);
	if (ipl_rl_caps(v) & IPL_CAP_NEEDS_FORK)
		ipl_endpoint_release(&h->fx->ep);
	close(ready[1]);
	close(go[0]);
	int rdy = ipl_rl_wait_ready(ready[0], 30000);
	close(ready[0]);
	h->go_w = go[1];
	assert_int_equal(rdy, 0);
}

static void unhold(struct held *h)
{
	assert_int_equal(write(h->go_w, "g", 1), 1);
	close(h->go_w);
	assert_int_equal(ipl_fx_wait(h->fx, h->client, 60), 0);
	assert_int_equal(ipl_fx_stop(h->fx), 0);
	assert_int_equal(ipl_fx_leftovers(h->fx), 0);
}

/* The pid in "ipclab-<pid>-..." if it is one of ours (this process, the
 * server or the client), else 0. */
static long ours(const struct held *h, const char *name)
{
	if (strncmp(name, "ipclab-", 7))
		return 0;
	long pid = strtol(name + 7, NULL, 10);
	return (pid == getpid() || pid == h->fx->server || pid == h->client) ? pid : 0;
}

/* The random part of "ipclab-<pid>-<random>". */
static const char *random_part(const char *name)
{
	const char *p = strchr(name + 7, '-');
	return p ? p + 1 : "";
}

struct scan {
	int dirs, inside, shm, bad;
	char rnd[16][40];
	int nrnd;
};

static void note_random(struct scan *s, const char *name)
{
	if (s->nrnd < 16)
		snprintf(s->rnd[s->nrnd++], sizeof s->rnd[0], "%s", random_part(name));
}

static void scan_names(const struct held *h, struct scan *s)
{
	memset(s, 0, sizeof *s);
	const char *tmp = ipl_tmpdir();
	DIR *d = opendir(tmp);
	struct dirent *e;
	char path[4096];
	while (d && (e = readdir(d))) {
		if (!ours(h, e->d_name))
			continue;
		snprintf(path, sizeof path, "%s/%s", tmp, e->d_name);
		struct stat st;
		if (lstat(path, &st) < 0)
			continue;
		note_random(s, e->d_name);
		if (!S_ISDIR(st.st_mode) || (st.st_mode & 07777) != 0700 || st.st_uid != geteuid()) {
			fprintf(stderr, "%s: mode %o uid %ld: want a 0700 directory of ours\n", path,
				(unsigned)(st.st_mode & 07777), (long)st.st_uid);
			s->bad++;
			continue;
		}
		s->dirs++;
		DIR *in = opendir(path);
		struct dirent *f;
		while (in && (f = readdir(in))) {
			if (f->d_name[0] == '.')
				continue;
			char p2[4096 + 512];
			snprintf(p2, sizeof p2, "%s/%s", path, f->d_name);
			struct stat s2;
			if (lstat(p2, &s2) < 0)
				continue;
			s->inside++;
			int kind_ok = S_ISSOCK(s2.st_mode) || S_ISFIFO(s2.st_mode);
			if (!kind_ok || (s2.st_mode & 07777) != 0600 || s2.st_uid != geteuid()) {
				fprintf(stderr, "%s: mode %o uid %ld: want a 0600 socket or FIFO of ours\n",
					p2, (unsigned)(s2.st_mode & 07777), (long)s2.st_uid);
				s->bad++;
			}
		}
		if (in)
			closedir(in);
	}
	if (d)
		closedir(d);
	d = opendir("/dev/shm");
	while (d && (e = readdir(d))) {
		if (!ours(h, e->d_name))
			continue;
		snprintf(path, sizeof path, "/dev/shm/%s", e->d_name);
		struct stat st;
		if (lstat(path, &st) < 0)
			continue;
		s->shm++;
		note_random(s, e->d_name);
		const char *r = random_part(e->d_name);
		/* mq records a queue as "<name>.mq" (client pairs: ".q.mq", ".r.mq") */
		size_t rl = strlen(r);
		if (rl > 3 && !strcmp(r + rl - 3, ".mq"))
			rl -= (rl > 5 && r[rl - 5] == '.') ? 5 : 3;
		int hex = rl == 16;
		for (size_t i = 0; i < rl; i++)
			hex &= isxdigit((unsigned char)r[i]) != 0;
		if (!S_ISREG(st.st_mode) || (st.st_mode & 07777) != 0600 || st.st_uid != geteuid() || !hex) {
			fprintf(stderr, "%s: mode %o uid %ld: want a 0600 object of ours, 16 hex digits\n",
				path, (unsigned)(st.st_mode & 07777), (long)st.st_uid);
			s->bad++;
		}
	}
	if (d)
		closedir(d);
}

static void case_names_private(const struct ipl_test_variant *v, const struct ipl_rl_case *k)
{
	(void)k;
	mode_t old = umask(0); /* the names must be private by their own modes */
	struct held h;
	hold(v, &h);
	struct scan s;
	scan_names(&h, &s);
	umask(old);
	fprintf(stderr, "%s: %d private dirs (%d entries inside), %d shm objects, %d bad\n", v->name,
		s.dirs, s.inside, s.shm, s.bad);
	unhold(&h);
	assert_int_equal(s.bad, 0);
}

static void case_names_unguessable(const struct ipl_test_variant *v, const struct ipl_rl_case *k)
{
	(void)k;
	struct scan s[2];
	for (int i = 0; i < 2; i++) {
		struct held h;
		hold(v, &h);
		scan_names(&h, &s[i]);
		unhold(&h);
	}
	int short_ones = 0, repeats = 0;
	for (int i = 0; i < s[0].nrnd; i++) {
		short_ones += strlen(s[0].rnd[i]) < 6;
		for (int j = 0; j < s[1].nrnd; j++)
			repeats += !strcmp(s[0].rnd[i], s[1].rnd[j]);
	}
	fprintf(stderr, "%s: %d + %d names, %d with a short random part, %d repeated\n", v->name,
		s[0].nrnd, s[1].nrnd, short_ones, repeats);
	assert_int_equal(short_ones, 0);
	assert_int_equal(repeats, 0);
}

/* Socket inodes of pid's fds, into ino[]; returns how many. */
static int socket_inodes(pid_t pid, unsigned long *ino, int max)
{
	char path[64], link[128];
	snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)) && n < max) {
		char p[512];
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		ssize_t l = readlink(p, link, sizeof link - 1);
		if (l <= 0)
			continue;
		link[l] = '\0';
		if (!strncmp(link, "socket:[", 8))
			ino[n++] = strtoul(link + 8, NULL, 10);
	}
	if (d)
		closedir(d);
	return n;
}

/* Counts pid's listening TCP sockets in /proc/<pid>/net/tcp{,6}; those not
 * bound to loopback go to *open. */
static int tcp_listeners(pid_t pid, int *open)
{
	unsigned long ino[512];
	int nino = socket_inodes(pid, ino, 512), n = 0;
	*open = 0;
	for (int v6 = 0; v6 < 2; v6++) {
		char path[64], line[512];
		snprintf(path, sizeof path, "/proc/%ld/net/tcp%s", (long)pid, v6 ? "6" : "");
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof line, f)) {
			char local[64];
			unsigned st;
			unsigned long inode;
			/* sl local rem st tx:rx tr:when retr uid timeout inode */
			if (sscanf(line, " %*s %63s %*s %x %*s %*s %*s %*s %*s %lu", local, &st, &inode) != 3)
				continue;
			if (st != 0x0A) /* TCP_LISTEN */
				continue;
			int mine = 0;
			for (int i = 0; i < nino; i++)
				mine |= ino[i] == inode;
			if (!mine)
				continue;
			n++;
			const char *lo4 = "0100007F:", *lo6 = "00000000000000000000000001000000:";
			if (strncmp(local, v6 ? lo6 : lo4, strlen(v6 ? lo6 : lo4))) {
				fprintf(stderr, "server listens on %s (tcp%s): not loopback\n", local,
					v6 ? "6" : "");
				(*open)++;
			}
		}
		fclose(f);
	}
	return n;
}

static void case_tcp_loopback(const struct ipl_test_variant *v, const struct ipl_rl_case *k)
{
	(void)k;
	struct held h;
	hold(v, &h);
	int open = 0;
	int n = tcp_listeners(h.fx->server, &open);
	fprintf(stderr, "%s: %d listening TCP sockets, %d beyond loopback\n", v->name, n, open);
	int is_tcp = !strcmp(v->tp, "tcp") || (v->via && !strcmp(v->via, "tcp"));
	unhold(&h);
	assert_int_equal(open, 0);
	if (is_tcp)
		assert_true(n >= 1); /* the check looked at the right socket */
}

/* fds this test was started with (a make jobserver pipe, a harness's
 * /dev/null): not ipclab's, inherited by every child, so not judged. */
static unsigned char inherited[4096];

static void note_inherited(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] != '.' && fd >= 0 && fd < (int)sizeof inherited && fd != dirfd(d))
			inherited[fd] = 1;
	}
	if (d)
		closedir(d);
}

/* fds of pid above 2 without O_CLOEXEC, each named on stderr. */
static int leaky_fds(pid_t pid, int *checked)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/fdinfo", (long)pid);
	DIR *d = opendir(path);
	struct dirent *e;
	int bad = 0;
	*checked = 0;
	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd <= 2 || (fd < (int)sizeof inherited && inherited[fd]))
			continue;
		char p[512], line[256], link[256] = "?";
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		FILE *f = fopen(p, "re");
		if (!f)
			continue;
		unsigned long flags = 0;
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "flags: %lo", &flags) == 1)
				break;
		fclose(f);
		(*checked)++;
		if (!(flags & O_CLOEXEC)) {
			snprintf(p, sizeof p, "/proc/%ld/fd/%d", (long)pid, fd);
			ssize_t l = readlink(p, link, sizeof link - 1);
			link[l > 0 ? l : 0] = '\0';
			fprintf(stderr, "pid %ld fd %d (%s) is not close-on-exec\n", (long)pid, fd, link);
			bad++;
		}
	}
	if (d)
		closedir(d);
	return bad;
}

static void case_cloexec(const struct ipl_test_variant *v, const struct ipl_rl_case *k)
{
	(void)k;
	struct held h;
	hold(v, &h);
	int cs = 0, cc = 0;
	int bs = leaky_fds(h.fx->server, &cs);
	int bc = leaky_fds(h.client, &cc);
	fprintf(stderr, "%s: server %d fds checked, %d leak; client %d checked, %d leak\n", v->name, cs,
		bs, cc, bc);
	unhold(&h);
	assert_true(cs > 0);
	assert_int_equal(bs, 0);
	assert_int_equal(bc, 0);
}

/* ---- once: nothing sized by a peer's length before the cap check ------- */

struct mem_conn {
	struct ipl_conn base;
	const uint8_t *p;
	size_t len, off;
};

static ssize_t mem_recv(struct ipl_conn *c, void *buf, size_t len)
{
	struct mem_conn *m = (struct mem_conn *)c;
	size_t n = m->len - m->off < len ? m->len - m->off : len;
	memcpy(buf, m->p + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

static const struct ipl_transport mem_tp = { .name = "mem", .recv = mem_recv };

static void case_oversized(void **state)
{
	(void)state;
	const uint32_t lens[] = { 4097, 1u << 20, 0x7fffffffu, 0xffffffffu };
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		uint8_t h[IPL_HDR_SIZE];
		ipl_rl_hdr(h, IPL_OP_ECHO, 0, 1, lens[i], 0);
		struct mem_conn m = { .base.tp = &mem_tp, .p = h, .len = sizeof h };
		struct ipl_buf b = { 0 };
		struct ipl_hdr out;
		assert_err(ipl_msg_recv(&m.base, 4096, &out, &b), IPL_ETOOBIG);
		assert_null(b.p); /* nothing allocated by the length */
		assert_int_equal(b.cap, 0);
		assert_int_equal(out.len, lens[i]); /* and the header was read, for the ERROR reply */
		free(m.base.rx);
	}
}

/* ---- once: the stale-name sweep leaves other users' objects alone ------ */

/* A pid that has exited and been reaped: names carrying it look stale. */
static pid_t dead_pid(void)
{
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0)
		_exit(0);
	int status;
	assert_int_equal(waitpid(p, &status, 0), p);
	return p;
}

/* Makes the shm object "/<name>" owned by uid. */
static void make_shm(const char *name, uid_t uid)
{
	int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchown(fd, uid, (gid_t)-1), 0);
	close(fd);
}

static int shm_exists(const char *name)
{
	char path[256];
	struct stat st;
	snprintf(path, sizeof path, "/dev/shm%s", name);
	return lstat(path, &st) == 0;
}

/* As root, the sweep could delete anybody's "ipclab-<dead pid>-*" object; it
 * must take only ours, and judge a link by the link (not its target). */
static void case_sweep_owner(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		printf("skip: sweep_owner needs root (to make an object owned by another uid)\n");
		skip();
	}
	const uid_t other = 65534; /* nobody */
	long pid = (long)dead_pid();
	char theirs[128], mine[128], link[128], lpath[256], target[256];
	snprintf(theirs, sizeof theirs, "/ipclab-%ld-sweeptest-theirs", pid);
	snprintf(mine, sizeof mine, "/ipclab-%ld-sweeptest-mine", pid);
	snprintf(link, sizeof link, "/ipclab-%ld-sweeptest-link", pid);
	make_shm(theirs, other);
	make_shm(mine, geteuid());
	/* another user's link to an object of ours: not ours to remove */
	snprintf(lpath, sizeof lpath, "/dev/shm%s", link);
	snprintf(target, sizeof target, "/dev/shm%s", mine);
	assert_int_equal(symlink(target, lpath), 0);
	assert_int_equal(lchown(lpath, other, (gid_t)-1), 0);

	int removed = ipl_sweep_stale();
	int theirs_kept = shm_exists(theirs), link_kept = shm_exists(link);
	int mine_kept = shm_exists(mine);
	shm_unlink(theirs);
	shm_unlink(mine);
	unlink(lpath);
	fprintf(stderr, "sweep as root: removed %d; other uid's object %s, link %s, ours %s\n", removed,
		theirs_kept ? "kept" : "REMOVED", link_kept ? "kept" : "REMOVED",
		mine_kept ? "KEPT" : "removed");
	assert_true(theirs_kept);
	assert_true(link_kept);
	assert_false(mine_kept);
	assert_true(removed >= 1);
}

static const struct ipl_rl_case cases[] = {
	{ "names_private", case_names_private, 0, 0, 0, NULL },
	{ "names_unguessable", case_names_unguessable, IPL_CAP_NAMED, 0, 0, NULL },
	{ "tcp_loopback_default", case_tcp_loopback, 0, 0, 0, NULL },
	{ "fds_cloexec", case_cloexec, 0, 0, 0, NULL },
};

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	note_inherited();
	const struct CMUnitTest once[] = {
		cmocka_unit_test(case_oversized),
		cmocka_unit_test(case_sweep_owner),
	};
	int rc = cmocka_run_group_tests_name("security_once", once, NULL, NULL);
	return rc | ipl_rl_run("security", cases, sizeof cases / sizeof cases[0], argc, argv);
}
