#include "sock.h"

#include "err.h"
#include "fdconn.h"
#include "names.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

int ipl_sock_ep_new(struct ipl_endpoint *ep)
{
	struct ipl_sock_ep *se = calloc(1, sizeof *se);
	if (!se)
		return -ENOMEM;
	se->lfd = -1;
	se->creator = getpid();
	ep->priv = se;
	return 0;
}

int ipl_sock_attach_server(struct ipl_endpoint *ep)
{
	struct ipl_sock_ep *se = ep->priv;
	return (se && se->lfd >= 0) ? 0 : -EBADF;
}

int ipl_sock_accept(struct ipl_endpoint *ep, int tcp, struct ipl_conn **out)
{
	struct ipl_sock_ep *se = ep->priv;
	int fd;
	for (;;) {
		if (atomic_load(&ep->cancel))
			return IPL_ECANCELED;
		fd = accept4(se->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			break;
		/* a client that gave up before we accepted is not our failure */
		if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
			continue;
		return -errno;
	}
	if (tcp) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	*out = ipl_fdconn_new(ep->tp, fd, fd);
	return *out ? 0 : -ENOMEM;
}

int ipl_sock_connect(int family, const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, sa, len) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return -e;
		}
		/* interrupted: the connect goes on; wait for its outcome */
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int err = 0;
		socklen_t el = sizeof err;
		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
			close(fd);
			return err ? -err : -errno;
		}
	}
	return fd;
}

void ipl_sock_release(struct ipl_endpoint *ep)
{
	struct ipl_sock_ep *se = ep->priv;
	if (se && se->lfd >= 0) {
		close(se->lfd);
		se->lfd = -1;
	}
}

void ipl_sock_cleanup(struct ipl_endpoint *ep)
{
	struct ipl_sock_ep *se = ep->priv;
	if (!se)
		return;
	ipl_sock_release(ep);
	if (se->creator == getpid()) {
		if (se->path[0])
			unlink(se->path);
		if (se->dir[0])
			rmdir(se->dir);
	}
	free(se);
	ep->priv = NULL;
}
