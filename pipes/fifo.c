/* fifo - named pipes: a well-known request FIFO plus one FIFO pair per client.
 *
 * Layout, inside a directory only we can enter (a fresh private 0700
 * directory, or --listen DIR, which must be ours and 0700):
 *
 *   DIR/announce          0600, read by the server (the "well-known port")
 *   DIR/c-<pid>-<hex>.q   0600, one client's requests  (client -> server)
 *   DIR/c-<pid>-<hex>.r   0600, that client's replies  (server -> client)
 *
 * A client makes its own pair, announces it with one fixed-size record
 * (ANN_SIZE <= PIPE_BUF, so the kernel writes it atomically and records from
 * many clients never interleave, nor with garbage others write: the server
 * still finds it, see next_record), and then the two sides open the pair.  The
 * payloads travel only on the private pair, so messages of any size from
 * different clients never mix.
 *
 * Opening a FIFO blocks until the other end is opened too, so the order of
 * opens decides whether the two sides can deadlock, and whether a client that
 * dies at the wrong moment can wedge the server.  The order used here lets
 * the server never block on a client:
 *
 *   client                                 server (accept)
 *   mkfifo .q .r
 *   open .r  O_RDONLY|O_NONBLOCK (now)
 *   write the record to announce   ---->   read one record, validate it
 *                                          open .r O_WRONLY|O_NONBLOCK: works
 *                                            because the client reads it;
 *                                            ENXIO = client gone, drop it
 *                                          open .q O_RDONLY|O_NONBLOCK (now)
 *   open .q  O_WRONLY|O_NONBLOCK, retried
 *     until the server reads it (ENXIO
 *     before); meanwhile POLLERR on our
 *     announce fd says the server is gone
 *   unlink .q .r (both sides hold them)
 *
 * Two races remain and are closed explicitly.  The server opened .q before
 * the client's writer exists, and read(2) on a FIFO with no writer returns 0,
 * which would look like the client hanging up; so the server's conn waits in
 * poll() until the first byte (POLLIN) or a writer that came and went
 * (POLLHUP, which Linux suppresses until a writer has been seen) - or until
 * its reply end reports POLLERR, the client having died before it ever wrote.
 * That costs one poll per connection, not per message.  The client's reply
 * end has the mirror problem, which the server's order (.r before .q) solves:
 * once the client's open of .q succeeds, the server's writer on .r exists.
 *
 * The server holds the announce FIFO open O_RDWR: it is then its own writer,
 * so it never reads EOF when no client is around.  A FIFO left by a killed
 * server is harmless: nobody reads it, so a client's non-blocking open of it
 * fails with ENXIO (a clean "connection refused"), and the next server on the
 * same directory probes it the same way and replaces it.  Private directories
 * carry their creator's pid and are swept once it is dead (names.c).
 */
#include "common/err.h"
#include "common/fdconn.h"
#include "common/io.h"
#include "common/names.h"
#include "common/transport.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ANNOUNCE "announce"
#define ANN_MAGIC "IPLFIFO1 "
/* One announcement: "IPLFIFO1 <req> <rep>", NUL padding, '\n' as the last
 * byte and nowhere else.  The newline lets the reader find records again
 * whatever else was written into the FIFO (see next_record). */
#define ANN_SIZE 128
#define NAME_MAX_LEN 60
/* How much the server reads from announce at a time: many records per read
 * when clients crowd in, and a garbage flood costs few system calls. */
#define ANN_READ 4096

_Static_assert(ANN_SIZE <= PIPE_BUF, "announcements must be written atomically");

struct fifo_ep {
	int afd;           /* announce FIFO, O_RDWR (server side); -1 when released */
	pid_t creator;     /* process that ran prepare: only it removes names */
	int made_dir;      /* we created dir, so we remove it */
	int private_dir;   /* dir is an ipl_private_dir(): everything in it is ours */
	int made_announce; /* we created DIR/announce (so we serve this dir) */
	char dir[IPL_ADDR_MAX];
	/* accept's view of the announce stream, all fixed size (see next_record) */
	size_t in_pos, in_len; /* in[in_pos, in_len): read, not yet scanned */
	size_t tail_len;       /* the last bytes of the unterminated line */
	int pending;           /* rec: a valid record kept for a retry */
	char tail[ANN_SIZE - 1];
	char rec[ANN_SIZE];
	char in[ANN_READ];
};

/* An fdconn that, on the server side, has not yet seen its client's writer. */
struct fifo_conn {
	struct ipl_fdconn fc; /* first: ipl_fdconn_detach() frees the whole */
	int await_writer;
};

/* ---- small helpers ---------------------------------------------------- */

/* Clears O_NONBLOCK.  Returns 0 or -errno. */
static int set_blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* Writes "dir/name" to out.  Returns 0 or -ENAMETOOLONG. */
static int path_in(char *out, size_t outlen, const char *dir, const char *name)
{
	int n = snprintf(out, outlen, "%s/%s", dir, name);
	return (n < 0 || (size_t)n >= outlen) ? -ENAMETOOLONG : 0;
}

/* A client FIFO name: "c-<pid>-<16 hex>" then ".q" or ".r" (suffix), and
 * nothing else: no '/', no "..", nothing outside the directory.  Returns the
 * pid, or 0 when the name is not one of ours. */
static pid_t client_name_pid(const char *s, char suffix)
{
	size_t len = strlen(s);
	if (len < 2 + 1 + 1 + 16 + 2 || len > NAME_MAX_LEN || strncmp(s, "c-", 2) != 0)
		return 0;
	const char *p = s + 2;
	long pid = 0;
	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p)) {
		pid = pid * 10 + (*p++ - '0');
		if (pid > INT_MAX / 10)
			return 0;
	}
	if (*p++ != '-')
		return 0;
	for (int i = 0; i < 16; i++, p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			return 0;
	if (p[0] != '.' || (suffix ? p[1] != suffix : (p[1] != 'q' && p[1] != 'r')) || p[2])
		return 0;
	return pid > 0 ? (pid_t)pid : 0;
}

/* Removes client FIFOs from dir: all of them, or (only_dead) those whose
 * creator is gone - the leftovers of clients killed before they connected. */
static void sweep_client_fifos(const char *dir, int only_dead)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char path[PATH_MAX];
	while ((e = readdir(d))) {
		pid_t pid = client_name_pid(e->d_name, 0);
		struct stat st;
		if (!pid || (only_dead && !(kill(pid, 0) < 0 && errno == ESRCH)))
			continue;
		if (path_in(path, sizeof path, dir, e->d_name) < 0 || lstat(path, &st) < 0 ||
		    !S_ISFIFO(st.st_mode) || st.st_uid != geteuid())
			continue;
		unlink(path);
	}
	closedir(d);
}

/* Makes (or checks) the --listen directory: ours, a real directory, 0700. */
static int listen_dir(struct fifo_ep *fe, const char *dir)
{
	if (!*dir || strlen(dir) >= sizeof fe->dir)
		return IPL_EADDR;
	strcpy(fe->dir, dir);
	if (mkdir(dir, 0700) == 0) {
		fe->made_dir = 1;
		return chmod(dir, 0700) < 0 ? -errno : 0; /* whatever the umask */
	}
	if (errno != EEXIST)
		return -errno;
	struct stat st;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* others must not be able to plant or open anything in it */
	if (st.st_uid != geteuid() || (st.st_mode & 07777) != 0700)
		return -EACCES;
	return 0;
}

/* Creates DIR/announce; a FIFO already there is replaced if no server reads
 * it (a killed server's), refused if one does. */
static int make_announce(const char *path)
{
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISFIFO(st.st_mode))
			return -EEXIST; /* not ours to delete */
		int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return -EADDRINUSE; /* a live server reads it */
		}
		if (errno != ENXIO)
			return -errno;
		unlink(path);
	}
	if (mkfifo(path, 0600) < 0)
		return errno == EEXIST ? -EADDRINUSE : -errno;
	return 0;
}

/* ---- endpoint --------------------------------------------------------- */

/* Closes this process's announce fd (idempotent). */
static void fifo_release(struct ipl_endpoint *ep)
{
	struct fifo_ep *fe = ep->priv;
	if (fe && fe->afd >= 0) {
		close(fe->afd);
		fe->afd = -1;
	}
}

/* Releases; in the preparing process also removes what it made. */
static void fifo_cleanup(struct ipl_endpoint *ep)
{
	struct fifo_ep *fe = ep->priv;
	if (!fe)
		return;
	fifo_release(ep);
	if (fe->creator == getpid() && fe->dir[0]) {
		if (fe->private_dir) {
			ipl_remove_dir(fe->dir);
		} else if (fe->made_announce) {
			/* a user's directory: remove only what is provably ours */
			char path[PATH_MAX];
			if (path_in(path, sizeof path, fe->dir, ANNOUNCE) == 0)
				unlink(path);
			sweep_client_fifos(fe->dir, 0);
		}
		if (fe->made_dir && !fe->private_dir)
			rmdir(fe->dir); /* fails, harmlessly, if others put files there */
	}
	free(fe);
	ep->priv = NULL;
}

/* Makes (or checks) the directory and the announce FIFO, opens it O_RDWR. */
static int fifo_prepare(struct ipl_endpoint *ep)
{
	struct fifo_ep *fe = calloc(1, sizeof *fe);
	if (!fe)
		return -ENOMEM;
	fe->afd = -1;
	fe->creator = getpid();
	ep->priv = fe;

	int rc;
	if (ep->opts.listen) {
		rc = listen_dir(fe, ep->opts.listen);
	} else {
		rc = ipl_private_dir(fe->dir, sizeof fe->dir);
		if (rc == 0)
			fe->made_dir = fe->private_dir = 1;
		else
			fe->dir[0] = '\0';
	}
	char path[PATH_MAX];
	if (rc == 0)
		rc = path_in(path, sizeof path, fe->dir, ANNOUNCE);
	if (rc == 0 && !fe->private_dir)
		sweep_client_fifos(fe->dir, 1);
	if (rc == 0)
		rc = make_announce(path);
	if (rc == 0) {
		fe->made_announce = 1;
		/* O_RDWR: we are a writer ourselves, so reads never see EOF
		 * between clients, and this open never waits for one */
		fe->afd = open(path, O_RDWR | O_CLOEXEC);
		if (fe->afd < 0)
			rc = -errno;
	}
	if (rc < 0) {
		fifo_cleanup(ep); /* removes only what we made */
		return rc;
	}
	snprintf(ep->addr, sizeof ep->addr, "%s", fe->dir);
	return 0;
}

/* Nothing to drop: the server reads the announce fd prepare opened. */
static int fifo_attach_server(struct ipl_endpoint *ep)
{
	struct fifo_ep *fe = ep->priv;
	return (fe && fe->afd >= 0) ? 0 : -EBADF;
}

/* Parses one record into its two names.  Returns 0 or IPL_EPROTO. */
static int parse_record(const char *rec, char *req, char *rep)
{
	if (rec[ANN_SIZE - 1] != '\n' || memchr(rec, '\n', ANN_SIZE - 1) ||
	    strncmp(rec, ANN_MAGIC, strlen(ANN_MAGIC)) != 0)
		return IPL_EPROTO;
	const char *text = rec + strlen(ANN_MAGIC);
	const char *end = memchr(text, '\0', (size_t)(rec + ANN_SIZE - 1 - text));
	if (!end)
		return IPL_EPROTO;
	for (const char *p = end; p < rec + ANN_SIZE - 1; p++)
		if (*p)
			return IPL_EPROTO; /* padding must be zeros */
	const char *sp = memchr(text, ' ', (size_t)(end - text));
	if (!sp || (size_t)(sp - text) > NAME_MAX_LEN || (size_t)(end - sp - 1) > NAME_MAX_LEN)
		return IPL_EPROTO;
	memcpy(req, text, (size_t)(sp - text));
	req[sp - text] = '\0';
	memcpy(rep, sp + 1, (size_t)(end - sp - 1));
	rep[end - sp - 1] = '\0';
	/* the pair: same base name, .q and .r, each a plain name in our dir */
	pid_t a = client_name_pid(req, 'q'), b = client_name_pid(rep, 'r');
	if (!a || a != b || strncmp(req, rep, strlen(req) - 1) != 0)
		return IPL_EPROTO;
	return 0;
}

/* Opens path with flags and checks it is a FIFO of ours.  Returns the fd or
 * a negative code. */
static int open_fifo(const char *path, int flags)
{
	int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		return IPL_EPROTO;
	}
	return fd;
}

/* Wraps two fds as a conn (closed on ENOMEM); await: see fifo_recv. */
static struct ipl_conn *new_conn(const struct ipl_transport *tp, int rfd, int wfd, int await)
{
	struct fifo_conn *f = calloc(1, sizeof *f);
	if (!f) {
		close(rfd);
		close(wfd);
		return NULL;
	}
	f->fc.base.tp = tp;
	f->fc.rfd = rfd;
	f->fc.wfd = wfd;
	f->fc.is_socket = 0;
	f->await_writer = await;
	return &f->fc.base;
}

/* Opens the pair a valid record names.  Returns 0 with a conn, or a negative
 * code meaning "drop this announcement". */
static int open_pair(struct ipl_endpoint *ep, const char *req, const char *rep, struct ipl_conn **out)
{
	struct fifo_ep *fe = ep->priv;
	char qpath[PATH_MAX], rpath[PATH_MAX];
	if (path_in(qpath, sizeof qpath, fe->dir, req) < 0 || path_in(rpath, sizeof rpath, fe->dir, rep) < 0)
		return -ENAMETOOLONG;
	/* reply end first: it succeeds only while the client reads it */
	int wfd = open_fifo(rpath, O_WRONLY);
	if (wfd < 0) {
		if (wfd == -ENXIO) { /* the client died after announcing */
			unlink(qpath);
			unlink(rpath);
		}
		return wfd;
	}
	int rfd = open_fifo(qpath, O_RDONLY);
	if (rfd < 0) {
		close(wfd);
		return rfd;
	}
	/* replies block when the client is slow; requests stay non-blocking
	 * until the first byte (see fifo_recv) */
	int rc = set_blocking(wfd);
	if (rc == 0 && (rc = ipl_pipe_set_size(wfd, ep->opts.pipe_size)) == 0)
		rc = ipl_pipe_set_size(rfd, ep->opts.pipe_size);
	if (rc < 0) {
		close(rfd);
		close(wfd);
		return rc;
	}
	*out = new_conn(ep->tp, rfd, wfd, 1);
	return *out ? 0 : -ENOMEM;
}

/* Keeps the last bytes of the current line, at most sizeof fe->tail: all a
 * record ending in a later newline can hold of them. */
static void keep_tail(struct fifo_ep *fe, const char *p, size_t n)
{
	const size_t max = sizeof fe->tail;
	if (n >= max) {
		memcpy(fe->tail, p + n - max, max);
		fe->tail_len = max;
		return;
	}
	size_t keep = fe->tail_len < max - n ? fe->tail_len : max - n;
	memmove(fe->tail, fe->tail + fe->tail_len - keep, keep);
	memcpy(fe->tail + keep, p, n);
	fe->tail_len = keep + n;
}

/* A line of the announce stream ends with p[n - 1] == '\n' (the line's start
 * is in fe->tail): copies its last ANN_SIZE bytes to fe->rec and forgets the
 * line.  Returns 1 when it was that long, 0 for a short line. */
static int take_line_tail(struct fifo_ep *fe, const char *p, size_t n)
{
	int whole = fe->tail_len + n >= ANN_SIZE;
	if (whole) {
		size_t from_p = n < ANN_SIZE ? n : ANN_SIZE;
		size_t from_tail = ANN_SIZE - from_p;
		memcpy(fe->rec, fe->tail + fe->tail_len - from_tail, from_tail);
		memcpy(fe->rec + from_tail, p + n - from_p, from_p);
	}
	fe->tail_len = 0;
	return whole;
}

/* Reads announce until a line ends in a valid record; leaves it in fe->rec
 * with its names in req and rep.  Returns 0 or a negative code.
 *
 * Any process that can open announce shares one byte stream with the real
 * clients, and a reader cannot tell writers apart (nor see one writer's
 * close: we hold a writer ourselves, so EOF never comes).  What the kernel
 * does promise is that a write of <= PIPE_BUF bytes lands contiguously,
 * never interleaved with other writers' bytes.  A client writes its whole
 * record, which holds exactly one '\n', its last byte, in one such write.
 * So whatever came before it - a stray byte, a partial record, megabytes
 * without a newline - the line that ends at a client's newline ends with
 * that client's ANN_SIZE bytes, intact.  The reader therefore checks the
 * last ANN_SIZE bytes of every line, and only those: garbage in front of a
 * record, or a malformed or over-long line, is discarded without taking
 * the next record with it, whatever order a hostile writer picks.  Only the
 * last ANN_SIZE - 1 bytes of an unfinished line are kept, so memory is
 * fixed; and a flood only makes us read as fast as it writes. */
static int next_record(struct ipl_endpoint *ep, char *req, char *rep)
{
	struct fifo_ep *fe = ep->priv;
	for (;;) {
		if (atomic_load(&ep->cancel))
			return IPL_ECANCELED;
		if (fe->in_pos == fe->in_len) {
			ssize_t n = ipl_io_read_some(fe->afd, fe->in, sizeof fe->in, &ep->cancel);
			if (n < 0)
				return (int)n;
			if (n == 0)
				return IPL_EPROTO; /* cannot happen: we are a writer too */
			fe->in_pos = 0;
			fe->in_len = (size_t)n;
		}
		const char *p = fe->in + fe->in_pos;
		size_t avail = fe->in_len - fe->in_pos;
		const char *nl = memchr(p, '\n', avail);
		if (!nl) {
			keep_tail(fe, p, avail);
			fe->in_pos = fe->in_len;
			continue;
		}
		size_t n = (size_t)(nl - p) + 1;
		fe->in_pos += n;
		if (take_line_tail(fe, p, n) && parse_record(fe->rec, req, rep) == 0)
			return 0;
	}
}

/* Reads announcements until one names a pair that opens; IPL_ECANCELED
 * when a signal interrupts it after ipl_endpoint_cancel(). */
static int fifo_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	struct fifo_ep *fe = ep->priv;
	if (!fe || fe->afd < 0)
		return -EBADF;
	for (;;) {
		char req[NAME_MAX_LEN + 1], rep[NAME_MAX_LEN + 1];
		int rc;
		if (atomic_load(&ep->cancel))
			return IPL_ECANCELED;
		if (fe->pending) /* kept for a retry: parsed once already */
			rc = parse_record(fe->rec, req, rep);
		else
			rc = next_record(ep, req, rep);
		if (rc < 0)
			return rc;
		rc = open_pair(ep, req, rep, out);
		/* out of fds or memory: keep the record, so that the retry (the
		 * server loop waits a little) serves this client rather than
		 * leaving it waiting for an answer that never comes */
		fe->pending = rc == -EMFILE || rc == -ENFILE || rc == -ENOMEM;
		if (fe->pending || rc == 0)
			return rc;
		/* anything else concerns that one client: serve the next */
	}
}

/* ---- connection ------------------------------------------------------- */

/* Server side, before the first byte: waits until the client's writer has
 * appeared and written (or closed), or the client has gone.  Returns 1 to go
 * on reading, 0 for a clean close, or a negative code. */
static int await_writer(struct fifo_conn *f)
{
	struct pollfd p[2] = {
		{ .fd = f->fc.rfd, .events = POLLIN }, { .fd = f->fc.wfd, .events = 0 }, /* POLLERR: no reader left */
	};
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno != EINTR)
				return -errno;
			if (atomic_load(&f->fc.base.cancel))
				return IPL_ECANCELED;
			continue;
		}
		if (p[0].revents)
			break;
		if (p[1].revents & (POLLERR | POLLHUP))
			return 0;
	}
	int rc = set_blocking(f->fc.rfd);
	if (rc < 0)
		return rc;
	f->await_writer = 0;
	return 1;
}

/* read(2) semantics; a server conn first waits for its client's writer. */
static ssize_t fifo_recv(struct ipl_conn *c, void *buf, size_t len)
{
	struct fifo_conn *f = (struct fifo_conn *)c;
	if (f->await_writer) {
		int rc = await_writer(f);
		if (rc <= 0)
			return rc;
	}
	return ipl_fdconn_recv(c, buf, len);
}

/* Client side: waits until the server has opened our request FIFO, then
 * opens it.  Returns the fd or a negative code. */
static int open_request(const char *qpath, int afd, int rfd, int timeout_ms)
{
	struct timespec wait = { 0, 20 * 1000 }; /* 20 us, doubling to 2 ms */
	long waited_ms = 0;
	int gone = 0;
	for (;;) {
		int fd = open_fifo(qpath, O_WRONLY);
		if (fd != -ENXIO)
			return fd;
		/* only after one more open: a server may accept us and then
		 * close announce (stop, or a one-shot server) in the same breath */
		if (gone)
			return IPL_EPEERDEAD;
		struct pollfd p[2] = {
			{ .fd = afd, .events = 0 }, /* POLLERR: nobody reads announce */
			{ .fd = rfd, .events = 0 }, /* POLLHUP: server came and went */
		};
		int r = ppoll(p, 2, &wait, NULL);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0 && ((p[0].revents & POLLERR) || (p[1].revents & POLLHUP))) {
			gone = 1;
			continue;
		}
		waited_ms += wait.tv_nsec / 1000000;
		if (timeout_ms > 0 && waited_ms >= timeout_ms)
			return -ETIMEDOUT;
		wait.tv_nsec = wait.tv_nsec < 1000 * 1000 ? wait.tv_nsec * 2 : 2 * 1000 * 1000;
	}
}

/* Writes one record to the announce FIFO: all of it or (on a full FIFO,
 * which O_NONBLOCK reports as EAGAIN with nothing written) none, then
 * waits for room. */
static int announce(int afd, const char *rec)
{
	for (;;) {
		ssize_t n = write(afd, rec, ANN_SIZE);
		if (n == ANN_SIZE)
			return 0;
		if (n >= 0)
			return IPL_EPROTO; /* a short atomic write: cannot happen */
		if (errno == EPIPE)
			return -ECONNREFUSED;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		struct pollfd p = { .fd = afd, .events = POLLOUT };
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return -errno;
		if (p.revents & POLLERR)
			return -ECONNREFUSED;
	}
}

/* Makes a FIFO pair in ep->addr, announces it and opens it in the order
 * described at the top.  Works from any process of the same user. */
static int fifo_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	(void)idx;
	/* forked from the preparer: our copy of its announce fd would make us
	 * a reader, hiding a dead server from the POLLERR check below */
	struct fifo_ep *fe = ep->priv;
	if (fe && fe->creator != getpid())
		fifo_release(ep);
	const char *dir = ep->addr;
	if (!dir[0])
		return IPL_EADDR;

	/* "c-<pid>-<16 hex>" is at most 29 characters */
	char base[40], req[48], rep[48];
	char apath[PATH_MAX], qpath[PATH_MAX], rpath[PATH_MAX];
	int rc = ipl_random_name(base, sizeof base, "c");
	if (rc < 0)
		return rc;
	snprintf(req, sizeof req, "%s.q", base);
	snprintf(rep, sizeof rep, "%s.r", base);
	if (path_in(apath, sizeof apath, dir, ANNOUNCE) < 0 ||
	    path_in(qpath, sizeof qpath, dir, req) < 0 || path_in(rpath, sizeof rpath, dir, rep) < 0)
		return -ENAMETOOLONG;

	int afd = -1, rfd = -1, wfd = -1;
	/* a FIFO of ours, or we write nothing (not into a file planted there) */
	afd = open_fifo(apath, O_WRONLY);
	if (afd < 0)
		return afd == -ENXIO ? -ECONNREFUSED : afd; /* ENXIO: no server reads it */
	if (mkfifo(qpath, 0600) < 0) {
		rc = -errno;
		close(afd);
		return rc;
	}
	if (mkfifo(rpath, 0600) < 0) {
		rc = -errno;
		goto fail;
	}
	rfd = open_fifo(rpath, O_RDONLY);
	if (rfd < 0) {
		rc = rfd;
		goto fail;
	}

	char rec[ANN_SIZE];
	memset(rec, 0, sizeof rec);
	snprintf(rec, sizeof rec - 1, ANN_MAGIC "%s %s", req, rep);
	rec[ANN_SIZE - 1] = '\n';
	rc = announce(afd, rec);
	if (rc == 0) {
		wfd = open_request(qpath, afd, rfd, ep->opts.timeout_ms);
		if (wfd < 0)
			rc = wfd;
	}
	/* the server opened .r before .q: its writer exists, reads may block */
	if (rc == 0)
		rc = set_blocking(wfd);
	if (rc == 0)
		rc = set_blocking(rfd);
	/* the client sets both too: it may be run against a server given
	 * another size, and what it records is then what it asked for */
	if (rc == 0 && (rc = ipl_pipe_set_size(wfd, ep->opts.pipe_size)) == 0)
		rc = ipl_pipe_set_size(rfd, ep->opts.pipe_size);
	if (rc < 0)
		goto fail;
	close(afd);
	unlink(qpath); /* both ends are open now: the names have done their job */
	unlink(rpath);
	*out = new_conn(ep->tp, rfd, wfd, 0);
	return *out ? 0 : -ENOMEM;

fail:
	if (wfd >= 0)
		close(wfd);
	if (rfd >= 0)
		close(rfd);
	close(afd);
	unlink(qpath);
	unlink(rpath);
	return rc;
}

/* What `ipclab demo fifo` says at each step (transport.h: ipl_tp_describe). */
static const struct ipl_tp_describe fifo_describe = {
	.prepare = (const char *const[]){ "mkdtemp(): private 0700 directory {addr}",
					  "mkfifo(\"{addr}/announce\", 0600): the well-known FIFO where clients announce "
					  "themselves; it persists in the file system until it is unlinked",
					  NULL },
	.attach_client = (const char *const[]){ "mkfifo(c-<pid>-<hex>.q and .r), open .r, write one record (<= PIPE_BUF, so atomic) "
						"to {addr}/announce, open .q; then unlink both names",
						NULL },
	.accept = (const char *const[]){ "read(announce) -> the client's record; open(.r, O_WRONLY), open(.q, O_RDONLY)",
					 NULL },
	.cleanup = (const char *const[]){ "cleanup: unlink(announce) and rmdir: a FIFO persists in the file system until it "
					  "is removed",
					  NULL },
	.send = "write(fd {wfd})",
	.recv = "read(fd {rfd})",
	.conn_fds = ipl_fdconn_fds,
};

/* A client names the private directory `ipclab serve -m fifo` printed. */
static int fifo_check_addr(const char *addr, int listening, char *why, size_t len)
{
	return listening ? 0 : ipl_check_path(addr, S_IFDIR, "directory", why, len);
}

const struct ipl_transport ipl_fifo_transport = {
	.name = "fifo",
	.summary = "named FIFOs: a well-known request FIFO, one FIFO pair per client",
	.caps = IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT | IPL_CAP_BYTES,
	.prepare = fifo_prepare,
	.attach_server = fifo_attach_server,
	.accept = fifo_accept,
	.attach_client = fifo_attach_client,
	.send = ipl_fdconn_send,
	.recv = fifo_recv,
	.detach = ipl_fdconn_detach,
	.release = fifo_release,
	.cleanup = fifo_cleanup,
	.describe = &fifo_describe,
	.check_addr = fifo_check_addr,
	.knobs = IPL_KNOB_PIPE_SIZE,
	.bufsize = ipl_fdconn_pipe_size,
};
