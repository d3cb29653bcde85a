/* oncrpc_dg.c - see oncrpc_dg.h.
 *
 * Server.  svc_dg keeps one transport per socket and remembers the sender
 * of the datagram in hand, so a udp socket is served by one thread: it
 * polls the socket and hands each datagram to svc_getreq_common, which
 * reads it (recvmsg), runs the dispatcher and sends the REPLY back to the
 * sender.  What a stranger can send is bounded by libtirpc: a datagram is
 * read whole into svc_dg's fixed buffer (the largest UDP datagram), one
 * that is not a well-formed CALL is dropped without a reply, a CALL for
 * another program or procedure gets the RFC 5531 error reply, and the
 * arguments decode into at most the cap.  No connection exists, so
 * max_conns and idle_ms do not apply; the memory in use is svc_dg's two
 * buffers plus one call's arguments.  No duplicate-request cache
 * (svc_dg_enablecache is not called): a retransmitted call runs again,
 * at-least-once, as libtirpc serves by default.  ipclab's side must not
 * spin: an error queued on the socket (an ICMP error for an earlier reply,
 * with IP_RECVERR) keeps poll reporting POLLERR until it is read, so it is
 * drained here before the next wait.
 *
 * Client.  clnt_dg_call sends the CALL, polls for the reply, resends the
 * same CALL (same xid) every retry interval and gives up with RPC_TIMEDOUT
 * when the total timeout is spent; a reply whose xid is not the call's is
 * skipped.  The socket is the client's own, connected to the server the
 * carrier's conn reached (its peer address): the carrier keeps its socket
 * and its receive slice untouched.  Connected, only the server's datagrams
 * reach it and an ICMP port unreachable ends the call (RPC_CANTRECV)
 * instead of waiting the timeout out.
 */
#include "rpc/oncrpc_dg.h"

#include "common/dgretry.h"
#include "common/err.h"
#include "rpc/rpcprog.h"

#include <rpc/rpc_com.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DG_BUF 65508u /* the largest UDP datagram (65,507), rounded up to XDR's 4 */
#define TICK_MS 200   /* cancel granularity of the serving loop */
#define ERRQ_MAX 64   /* queued errors read per wakeup, at most */

/* Reads and drops the errors queued on fd (MSG_ERRQUEUE), and the pending
 * socket error, so that poll stops reporting POLLERR.  Bounded: a flood of
 * ICMP errors is read ERRQ_MAX at a time between datagrams. */
static void drain_errors(int fd)
{
	char data[64], ctl[512];
	for (int i = 0; i < ERRQ_MAX; i++) {
		struct iovec iov = { data, sizeof data };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
		if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
	}
	int err;
	socklen_t l = sizeof err;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
}

int ipl_onc_dg_serve(struct ipl_endpoint *ep, int fd)
{
	/* libtirpc closes its transport's fd on destroy: give it its own */
	int mine = dup(fd);
	if (mine < 0)
		return -errno;
	if (mine >= _rpc_dtablesize()) { /* its table would not hold it */
		close(mine);
		return -EMFILE;
	}
	SVCXPRT *x = svc_dg_create(mine, DG_BUF, DG_BUF);
	if (!x) {
		close(mine);
		return IPL_EPROTO;
	}
	int rc = IPL_ECANCELED;
	while (!atomic_load(&ep->cancel)) {
		struct pollfd p = { mine, POLLIN, 0 };
		int n = poll(&p, 1, TICK_MS);
		if (n < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		if (n <= 0)
			continue;
		if (p.revents & POLLERR)
			drain_errors(mine);
		if (p.revents & POLLIN)
			svc_getreq_common(mine); /* one datagram: served, or dropped */
	}
	svc_destroy(x); /* closes mine; the carrier keeps fd */
	return rc;
}

/* "1.2.3.4:P" or "[v6]:P", as the udp carrier formats a peer, into ss. */
static int parse_peer(const char *a, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon = strrchr(a, ':');
	int v6 = a[0] == '[';
	size_t hl = colon ? (size_t)(colon - a) - (v6 ? 2 : 0) : 0;
	if (!colon || hl == 0 || hl >= sizeof host || (v6 && colon[-1] != ']'))
		return IPL_EADDR;
	memcpy(host, a + v6, hl);
	host[hl] = '\0';
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || port == 0 || port > 65535)
		return IPL_EADDR;
	memset(ss, 0, sizeof *ss);
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof *s6;
		return inet_pton(AF_INET6, host, &s6->sin6_addr) == 1 ? 0 : IPL_EADDR;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*len = sizeof *s4;
	return inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : IPL_EADDR;
}

CLIENT *ipl_onc_dg_client(struct ipl_conn *car, int *fd)
{
	char peer[IPL_ADDR_MAX];
	struct sockaddr_storage ss;
	socklen_t sl;
	*fd = -1;
	if (ipl_conn_addr(car, NULL, 0, peer, sizeof peer) < 0 || parse_peer(peer, &ss, &sl) < 0)
		return NULL;
	*fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (*fd < 0 || connect(*fd, (struct sockaddr *)&ss, sl) < 0)
		goto fail;
	/* the socket is connected: libtirpc sends to this same address */
	struct netbuf nb = { .maxlen = sizeof ss, .len = sl, .buf = &ss };
	CLIENT *cl = clnt_dg_create(*fd, &nb, IPL_RPC_PROG, IPL_RPC_PROG_VERS, DG_BUF, DG_BUF);
	if (!cl)
		goto fail;
	unsigned ms = ipl_dg_timeout_ms();
	struct timeval retry = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	clnt_control(cl, CLSET_RETRY_TIMEOUT, (char *)&retry);
	return cl;
fail:
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return NULL;
}
