/* unix - Unix domain stream socket on a path.
 *
 * By default the socket is "sock" inside a fresh private directory (0700,
 * random name), so no other user can even reach it.  With --listen PATH the
 * user picks the path; a socket file left there by a crashed server (nobody
 * accepts on it) is replaced, a live server's is not.
 */
#include "common/err.h"
#include "common/fdconn.h"
#include "common/names.h"
#include "sockets/sock.h"
#include "common/transport.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int ipl_unix_sun(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (!path || !*path || strlen(path) >= sizeof sun->sun_path)
		return IPL_EADDR;
	strcpy(sun->sun_path, path);
	return 0;
}

/* A socket file nobody listens on is the remains of a crashed server. */
static int is_stale(const struct sockaddr_un *sun, int type)
{
	struct stat st;
	if (lstat(sun->sun_path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	int fd = ipl_sock_connect_type(AF_UNIX, type, (const struct sockaddr *)sun, sizeof *sun);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return fd == -ECONNREFUSED;
}

int ipl_unix_listen(struct ipl_endpoint *ep, int type)
{
	int rc = ipl_sock_ep_new(ep);
	if (rc < 0)
		return rc;
	struct ipl_sock_ep *se = ep->priv;
	struct sockaddr_un sun;

	if (ep->opts.listen) {
		rc = ipl_unix_sun(ep->opts.listen, &sun);
	} else {
		rc = ipl_private_dir(se->dir, sizeof se->dir);
		if (rc < 0)
			return rc;
		char path[sizeof sun.sun_path + 1];
		if (snprintf(path, sizeof path, "%s/sock", se->dir) >= (int)sizeof path)
			return IPL_EADDR;
		rc = ipl_unix_sun(path, &sun);
	}
	if (rc < 0)
		return rc;

	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* created 0600 from the start: no window where others could connect */
	mode_t old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	if (rc < 0 && errno == EADDRINUSE && is_stale(&sun, type)) {
		unlink(sun.sun_path);
		rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	}
	umask(old);
	if (rc == 0)
		rc = ipl_sock_set_bufs(fd, ep->opts.sockbuf);
	if (rc < 0 || listen(fd, SOMAXCONN) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	chmod(sun.sun_path, 0600);
	strcpy(se->path, sun.sun_path);
	strcpy(ep->addr, sun.sun_path);
	se->lfd = fd;
	return 0;
}

static int unix_prepare(struct ipl_endpoint *ep)
{
	return ipl_unix_listen(ep, SOCK_STREAM);
}

static int unix_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	return ipl_sock_accept(ep, 0, out);
}

static int unix_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	(void)idx;
	struct sockaddr_un sun;
	int rc = ipl_unix_sun(ep->addr, &sun);
	if (rc < 0)
		return rc;
	int fd = ipl_sock_connect_buf(AF_UNIX, SOCK_STREAM, (struct sockaddr *)&sun, sizeof sun, ep->opts.sockbuf);
	if (fd < 0)
		return fd;
	*out = ipl_fdconn_new(ep->tp, fd, fd);
	return *out ? 0 : -ENOMEM;
}

/* What `ipclab demo unix` says at each step (transport.h: ipl_tp_describe). */
static const struct ipl_tp_describe unix_describe = {
	.prepare = (const char *const[]){ "mkdtemp(\"{tmpdir}/ipclab-<pid>-XXXXXX\") -> a private 0700 directory",
					  "socket(AF_UNIX, SOCK_STREAM) -> fd {lfd} ({lfd_kind})",
					  "bind(fd {lfd}, \"{addr}\"): the address is a path in the file system",
					  "listen(fd {lfd}, SOMAXCONN)", NULL },
	.attach_client = ipl_sock_describe_connect,
	.accept = ipl_sock_describe_accept,
	.cleanup = (const char *const[]){ "cleanup: unlink(\"{addr}\") and rmdir of the private directory: a socket path "
					  "outlives its socket unless removed",
					  NULL },
	.send = "send(fd {wfd}, MSG_NOSIGNAL)",
	.recv = "recv(fd {rfd}); readv(fd {rfd}) for a large message's header and payload together",
	.listen_fd = ipl_sock_listen_fd,
	.conn_fds = ipl_fdconn_fds,
};

const struct ipl_transport ipl_unix_transport = {
	.name = "unix",
	.summary = "Unix domain stream socket on a path in a private 0700 directory",
	.caps = IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT | IPL_CAP_BYTES,
	.prepare = unix_prepare,
	.attach_server = ipl_sock_attach_server,
	.accept = unix_accept,
	.attach_client = unix_attach_client,
	.send = ipl_fdconn_send,
	.recv = ipl_fdconn_recv,
	.recvv = ipl_fdconn_recvv,
	.detach = ipl_fdconn_detach,
	.release = ipl_sock_release,
	.cleanup = ipl_sock_cleanup,
	.conn_addr = ipl_sock_conn_addr,
	.check_addr = ipl_sock_check_path,
	.describe = &unix_describe,
	.listen_fd = ipl_sock_listen_fd,
	.conn_fd = ipl_fdconn_rfd,
	.knobs = IPL_KNOB_SOCKBUF,
	.bufsize = ipl_sock_bufsize,
};
