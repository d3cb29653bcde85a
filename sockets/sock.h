/* sock.h - what tcp.c and unix.c share: a listening socket in the endpoint
 * and an accept that can be cancelled. */
#ifndef IPL_SOCK_H
#define IPL_SOCK_H

#include "common/transport.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/types.h>

struct ipl_sock_ep {
	int lfd;                 /* listening socket, -1 when released */
	pid_t creator;           /* process that ran prepare: only it removes names */
	char dir[IPL_ADDR_MAX];  /* unix: private directory we made, "" if none */
	char path[IPL_ADDR_MAX]; /* unix: socket path we bound, "" if none */
};

/* Allocates ep->priv with lfd = -1. Returns 0 or -ENOMEM. */
int ipl_sock_ep_new(struct ipl_endpoint *ep);

/* accept(2) on the listening socket, close-on-exec, retried on EINTR unless
 * the endpoint is cancelled; wraps the fd as a conn (TCP_NODELAY if tcp). */
int ipl_sock_accept(struct ipl_endpoint *ep, int tcp, struct ipl_conn **out);

/* accept(2) alone: the new fd (close-on-exec), IPL_ECANCELED or -errno. */
int ipl_sock_accept_fd(struct ipl_endpoint *ep);

/* Connects a new socket of family to sa (EINTR-safe), close-on-exec.
 * Returns the fd or -errno. */
int ipl_sock_connect(int family, const struct sockaddr *sa, socklen_t len);
/* The same for a socket type other than SOCK_STREAM (SOCK_SEQPACKET). */
int ipl_sock_connect_type(int family, int type, const struct sockaddr *sa, socklen_t len);

/* tcp.c's address forms: "HOST:PORT", "[V6]:PORT", "HOST", ":PORT" (host
 * default 127.0.0.1, port default 0), numeric or by name.  0 or IPL_EADDR. */
struct sockaddr_storage;
int ipl_inet_resolve(const char *addr, int passive, struct sockaddr_storage *ss, socklen_t *len);

/* What a client of the server at addr sends to: ipl_inet_resolve, with a
 * wildcard IPv4 address read as loopback (a server listening on 0.0.0.0
 * is "this host" to a local client).  IPL_EADDR for port 0. */
int ipl_inet_client_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len);

/* unix.c's prepare for a Unix socket of type (SOCK_STREAM, SOCK_SEQPACKET):
 * binds ep->opts.listen or a private directory's "sock", listens, fills
 * ep->addr.  Returns 0 or a code. */
int ipl_unix_listen(struct ipl_endpoint *ep, int type);

/* Fills a sockaddr_un with path; IPL_EADDR when it does not fit. */
int ipl_unix_sun(const char *path, struct sockaddr_un *sun);

/* The describe lines both socket transports share: connect and accept. */
extern const char *const ipl_sock_describe_connect[];
extern const char *const ipl_sock_describe_accept[];

/* The listen_fd op (and describe->listen_fd) of both socket transports:
 * the listening socket, or IPL_EUNSUPP once released. */
int ipl_sock_listen_fd(const struct ipl_endpoint *ep);

/* check_addr of tcp (and of any HOST:PORT transport): HOST:PORT or
 * [V6]:PORT, syntax only (a lookup could hang); port 0 ("any free port")
 * only when listening. */
int ipl_sock_check_hostport(const char *addr, int listening, char *why, size_t len);

/* check_addr of a unix-domain path: fits sun_path; a client's names an
 * existing socket. */
int ipl_sock_check_path(const char *addr, int listening, char *why, size_t len);

/* Socket buffers (--sockbuf): SO_SNDBUF and SO_RCVBUF of fd set to bytes
 * (0: leaves the kernel's autotuned defaults).  Before listen/connect, so a
 * TCP window scale is chosen for them.  The kernel doubles the value and
 * caps it at net.core.wmem_max/rmem_max without a word: the bufsize op
 * reads what it kept.  0 or -errno. */
int ipl_sock_set_bufs(int fd, uint32_t bytes);
/* The bufsize op of the socket transports: min(SO_SNDBUF, SO_RCVBUF). */
int ipl_sock_bufsize(const struct ipl_conn *c, uint64_t *bytes);
/* ipl_sock_connect_type on a socket given those buffers first. */
int ipl_sock_connect_buf(int family, int type, const struct sockaddr *sa, socklen_t len, uint32_t sockbuf);

/* Closes the listening socket (idempotent). */
void ipl_sock_release(struct ipl_endpoint *ep);

/* Releases, removes path and dir if this process created them, frees priv. */
void ipl_sock_cleanup(struct ipl_endpoint *ep);

/* Table entries shared by both socket transports. */
int ipl_sock_attach_server(struct ipl_endpoint *ep);

/* conn_addr for fd-based socket conns: getsockname/getpeername formatted as
 * "1.2.3.4:5", "[v6]:5" (with %scope when set), a path, or "" (unnamed). */
int ipl_sock_conn_addr(struct ipl_conn *c, char *local, size_t llen, char *peer, size_t plen);

/* Formats a socket address the same way; returns 0 or IPL_EADDR for a
 * family it does not know. */
int ipl_sock_format(const struct sockaddr *sa, socklen_t len, char *out, size_t outlen);

#endif
