#include "sockets/sock.h"

#include "common/err.h"
#include "common/fdconn.h"
#include "common/names.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
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

int ipl_sock_accept_fd(struct ipl_endpoint *ep)
{
	struct ipl_sock_ep *se = ep->priv;
	for (;;) {
		if (atomic_load(&ep->cancel))
			return IPL_ECANCELED;
		int fd = accept4(se->lfd, NULL, NULL, SOCK_CLOEXEC);
		/* a unix socket's accepted end does not inherit the listener's
		 * buffers (a TCP one does): set them on every accepted socket */
		if (fd >= 0 && ipl_sock_set_bufs(fd, ep->opts.sockbuf) < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (fd >= 0)
			return fd;
		/* a client that gave up before we accepted is not our failure */
		if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
			continue;
		return -errno;
	}
}

int ipl_sock_accept(struct ipl_endpoint *ep, int tcp, struct ipl_conn **out)
{
	int fd = ipl_sock_accept_fd(ep);
	if (fd < 0)
		return fd;
	if (tcp) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	*out = ipl_fdconn_new(ep->tp, fd, fd);
	return *out ? 0 : -ENOMEM;
}

int ipl_sock_connect(int family, const struct sockaddr *sa, socklen_t len)
{
	return ipl_sock_connect_type(family, SOCK_STREAM, sa, len);
}

int ipl_sock_connect_type(int family, int type, const struct sockaddr *sa, socklen_t len)
{
	return ipl_sock_connect_buf(family, type, sa, len, 0);
}

int ipl_sock_set_bufs(int fd, uint32_t bytes)
{
	/* setsockopt takes an int, which the kernel then doubles */
	int v = bytes > INT32_MAX / 2 ? INT32_MAX / 2 : (int)bytes;
	if (!bytes)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v) < 0)
		return -errno;
	return 0;
}

int ipl_sock_bufsize(const struct ipl_conn *c, uint64_t *bytes)
{
	int fd = ipl_fdconn_rfd(c), snd = 0, rcv = 0;
	socklen_t l1 = sizeof snd, l2 = sizeof rcv;
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, &l1) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, &l2) < 0)
		return -errno;
	*bytes = (uint64_t)(snd < rcv ? snd : rcv);
	return 0;
}

int ipl_sock_connect_buf(int family, int type, const struct sockaddr *sa, socklen_t len, uint32_t sockbuf)
{
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = ipl_sock_set_bufs(fd, sockbuf);
	if (rc < 0) {
		close(fd);
		return rc;
	}
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

const char *const ipl_sock_describe_connect[] = {
	"socket() + connect(\"{addr}\"): the kernel completes the connection and queues it "
	"on the listening socket until the server accepts",
	NULL,
};

const char *const ipl_sock_describe_accept[] = {
	"accept4(listening fd) -> a NEW socket for this client; the listening socket keeps "
	"waiting for others (many clients, one server address)",
	NULL,
};

int ipl_sock_listen_fd(const struct ipl_endpoint *ep)
{
	const struct ipl_sock_ep *se = ep->priv;
	return se && se->lfd >= 0 ? se->lfd : IPL_EUNSUPP;
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

int ipl_sock_format(const struct sockaddr *sa, socklen_t len, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN];
	if (!outlen)
		return IPL_EADDR;
	out[0] = '\0';
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
		snprintf(out, outlen, "%s:%u", host, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
		/* a link-local address means nothing without its interface */
		if (s6->sin6_scope_id)
			snprintf(out, outlen, "[%s%%%u]:%u", host, s6->sin6_scope_id, ntohs(s6->sin6_port));
		else
			snprintf(out, outlen, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *su = (const void *)sa;
		size_t n = len > offsetof(struct sockaddr_un, sun_path)
				 ? len - offsetof(struct sockaddr_un, sun_path)
				 : 0;
		if (n > sizeof su->sun_path)
			n = sizeof su->sun_path;
		if (n && su->sun_path[0] == '\0') /* abstract: shown as @name */
			snprintf(out, outlen, "@%.*s", (int)(n - 1), su->sun_path + 1);
		else
			snprintf(out, outlen, "%.*s", (int)strnlen(su->sun_path, n), su->sun_path);
	} else {
		return IPL_EADDR;
	}
	return 0;
}

int ipl_sock_conn_addr(struct ipl_conn *c, char *local, size_t llen, char *peer, size_t plen)
{
	int fd = ipl_fdconn_rfd(c);
	struct sockaddr_storage ss;
	socklen_t len;
	int rc = 0;
	if (local && llen) {
		len = sizeof ss;
		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
			rc = -errno;
		else if ((rc = ipl_sock_format((struct sockaddr *)&ss, len, local, llen)) < 0)
			local[0] = '\0';
	}
	if (peer && plen) {
		len = sizeof ss;
		int prc;
		if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
			prc = -errno;
		else if ((prc = ipl_sock_format((struct sockaddr *)&ss, len, peer, plen)) < 0)
			peer[0] = '\0';
		if (!rc)
			rc = prc;
	}
	return rc;
}

int ipl_sock_check_hostport(const char *addr, int listening, char *why, size_t len)
{
	const char *port;
	if (addr[0] == '[') {
		const char *rb = strchr(addr, ']');
		if (!rb || rb == addr + 1 || rb[1] != ':') {
			snprintf(why, len, "want [IPV6]:PORT");
			return IPL_EADDR;
		}
		port = rb + 2;
	} else {
		const char *colon = strrchr(addr, ':');
		if (!colon || strchr(addr, ':') != colon) {
			snprintf(why, len, "want HOST:PORT (or [IPV6]:PORT)");
			return IPL_EADDR;
		}
		port = colon + 1;
	}
	long p = 0, min_port = listening ? 0 : 1;
	for (const char *c = port; *c && p <= 65535; c++)
		p = isdigit((unsigned char)*c) ? p * 10 + (*c - '0') : 65536;
	if (!*port || p < min_port || p > 65535) {
		snprintf(why, len, "the port '%s' is not a number in %ld..65535", port, min_port);
		return IPL_EADDR;
	}
	return 0;
}

int ipl_sock_check_path(const char *addr, int listening, char *why, size_t len)
{
	if (strlen(addr) >= sizeof((struct sockaddr_un *)0)->sun_path) {
		snprintf(why, len, "too long for a unix socket path (at most %zu bytes)",
			 sizeof((struct sockaddr_un *)0)->sun_path - 1);
		return IPL_EADDR;
	}
	return listening ? 0 : ipl_check_path(addr, S_IFSOCK, "socket", why, len);
}
