/* tcp - TCP over loopback or across hosts.
 *
 * Addresses: "HOST:PORT", "[V6ADDR]:PORT", "HOST" or ":PORT"; port 0 lets the
 * kernel choose and prepare() reads the choice back with getsockname(2).
 * The default listen address is 127.0.0.1: reaching beyond this host is an
 * explicit choice (--listen 0.0.0.0:PORT).  Nagle is off (TCP_NODELAY): a
 * request is one write, and waiting to coalesce it only adds latency.
 */
#include "common/err.h"
#include "common/fdconn.h"
#include "sockets/sock.h"
#include "common/transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_HOST "127.0.0.1"

/* Splits addr into host and port and resolves it (numeric or by name). */
int ipl_inet_resolve(const char *addr, int passive, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[IPL_ADDR_MAX];
	const char *port = "0";
	if (!addr || !*addr)
		addr = DEFAULT_HOST;
	if (strlen(addr) >= sizeof host)
		return IPL_EADDR;
	if (addr[0] == '[') { /* [v6]:port */
		const char *close_br = strchr(addr, ']');
		if (!close_br || (close_br[1] && close_br[1] != ':'))
			return IPL_EADDR;
		memcpy(host, addr + 1, (size_t)(close_br - addr - 1));
		host[close_br - addr - 1] = '\0';
		if (close_br[1] == ':')
			port = close_br + 2;
	} else {
		const char *colon = strrchr(addr, ':');
		if (colon && strchr(addr, ':') != colon) { /* bare v6 address, no port */
			strcpy(host, addr);
		} else if (colon) {
			memcpy(host, addr, (size_t)(colon - addr));
			host[colon - addr] = '\0';
			port = colon + 1;
		} else {
			strcpy(host, addr);
		}
	}
	if (!host[0])
		strcpy(host, DEFAULT_HOST);
	char *end;
	long p = strtol(port, &end, 10);
	if (!*port || *end || p < 0 || p > 65535)
		return IPL_EADDR;

	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0 };
	struct addrinfo *res;
	if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
		return IPL_EADDR;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* "1.2.3.4:5" or "[::1]:5" */
static void format_addr(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN];
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
		snprintf(out, outlen, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
		snprintf(out, outlen, "%s:%u", host, ntohs(s4->sin_port));
	}
}

static int tcp_prepare(struct ipl_endpoint *ep)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int rc = ipl_inet_resolve(ep->opts.listen, 1, &ss, &len);
	if (rc < 0)
		return rc;
	rc = ipl_sock_ep_new(ep);
	if (rc < 0)
		return rc;
	struct ipl_sock_ep *se = ep->priv;
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* before listen: accepted sockets inherit them, window scale included */
	if (ipl_sock_set_bufs(fd, ep->opts.sockbuf) < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	len = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &len);
	format_addr(&ss, ep->addr, sizeof ep->addr);
	se->lfd = fd;
	return 0;
}

static int tcp_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	return ipl_sock_accept(ep, 1, out);
}

int ipl_inet_client_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	int rc = ipl_inet_resolve(addr, 0, ss, len);
	if (rc < 0)
		return rc;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	if (ss->ss_family == AF_INET && sin->sin_addr.s_addr == htonl(INADDR_ANY))
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin->sin_port == 0 ? IPL_EADDR : 0; /* sin_port sits where sin6_port does */
}

static int tcp_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	(void)idx;
	struct sockaddr_storage ss;
	socklen_t len;
	int rc = ipl_inet_client_addr(ep->addr, &ss, &len);
	if (rc < 0)
		return rc;
	int fd = ipl_sock_connect_buf(ss.ss_family, SOCK_STREAM, (struct sockaddr *)&ss, len, ep->opts.sockbuf);
	if (fd < 0)
		return fd;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	*out = ipl_fdconn_new(ep->tp, fd, fd);
	return *out ? 0 : -ENOMEM;
}

/* What `ipclab demo tcp` says at each step (transport.h: ipl_tp_describe). */
static const struct ipl_tp_describe tcp_describe = {
	.prepare =
		(const char *const[]){
			"socket(AF_INET, SOCK_STREAM) -> fd {lfd} ({lfd_kind})",
			"bind(fd {lfd}, 127.0.0.1 port 0): port 0 asks the kernel for any free port",
			"listen(fd {lfd}, SOMAXCONN): the socket now queues incoming connections",
			"getsockname(fd {lfd}) -> {addr}   <- the server's address (IP, port)",
			"(a well-known service would bind a fixed port below 1024, which needs privilege; "
			"ipclab never uses a fixed port)",
			NULL },
	.attach_client = ipl_sock_describe_connect,
	.accept = ipl_sock_describe_accept,
	.client_conn = (const char *const[]){ "  the client never called bind(): connect() gave it an ephemeral port "
					      "(see /proc/sys/net/ipv4/ip_local_port_range)",
					      NULL },
	.cleanup = (const char *const[]){ "cleanup: the listening socket is closed; the port is free again (the side that "
					  "closed first keeps a TIME_WAIT entry for a while: see `ss -tan`)",
					  NULL },
	.send = "send(fd {wfd}, MSG_NOSIGNAL)",
	.recv = "recv(fd {rfd})",
	.listen_fd = ipl_sock_listen_fd,
	.conn_fds = ipl_fdconn_fds,
};

const struct ipl_transport ipl_tcp_transport = {
	.name = "tcp",
	.summary = "TCP socket, loopback or across hosts, TCP_NODELAY",
	.caps = IPL_CAP_CROSS_HOST | IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT | IPL_CAP_BYTES,
	.prepare = tcp_prepare,
	.attach_server = ipl_sock_attach_server,
	.accept = tcp_accept,
	.attach_client = tcp_attach_client,
	.send = ipl_fdconn_send,
	.recv = ipl_fdconn_recv,
	.detach = ipl_fdconn_detach,
	.release = ipl_sock_release,
	.cleanup = ipl_sock_cleanup,
	.conn_addr = ipl_sock_conn_addr,
	.check_addr = ipl_sock_check_hostport,
	.describe = &tcp_describe,
	.listen_fd = ipl_sock_listen_fd,
	.conn_fd = ipl_fdconn_rfd,
	.knobs = IPL_KNOB_SOCKBUF,
	.bufsize = ipl_sock_bufsize,
};
