/* spair.c - code lab 4: a new ipclab mechanism, one socketpair(2) per
 * client, between the process that prepares them and the children it forks
 * (see README.md).  Read pipes/pipe.c first: this is the same idea with one
 * two-way fd per side instead of two one-way pipes.
 *
 * Write the four functions marked TODO, then grade from the top of the
 * ipclab tree with:   make grade LAB=4
 * The grader builds this file into a copy of ipclab's conformance suite
 * (tests/test_conformance.c), which forks a server and clients and runs the
 * same cases every mechanism of ipclab passes.
 */
#include "common/err.h"
#include "common/fdconn.h"
#include "common/transport.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/* One channel's two ends: sv[SRV] is the server's, sv[CLI] the client's. */
enum { SRV, CLI };

struct spair_ep {
	unsigned n;    /* channels */
	unsigned next; /* accept: the next channel to hand out */
	pid_t creator; /* the process that ran prepare */
	int (*sv)[2];  /* n channels; -1 = not ours (closed or owned by a conn) */
};

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Closes every fd this process still holds (idempotent). */
static void spair_release(struct ipl_endpoint *ep)
{
	struct spair_ep *se = ep->priv;
	if (!se)
		return;
	for (unsigned i = 0; i < se->n; i++) {
		close_fd(&se->sv[i][SRV]);
		close_fd(&se->sv[i][CLI]);
	}
}

/* Releases and frees: a socketpair has no name to remove. */
static void spair_cleanup(struct ipl_endpoint *ep)
{
	struct spair_ep *se = ep->priv;
	if (!se)
		return;
	spair_release(ep);
	free(se->sv);
	free(se);
	ep->priv = NULL;
}

/* Makes opts.max_clients (0 = 1) close-on-exec socketpairs. */
static int spair_prepare(struct ipl_endpoint *ep)
{
	/* TODO 1: allocate a struct spair_ep (every fd -1 first), set n,
	 * creator (getpid()) and ep->priv, then make n socketpairs with
	 * socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, se->sv[i]).  On a
	 * failure: spair_cleanup(ep) and return -errno.  Set ep->addr[0] =
	 * '\0' (nothing to connect to) and return 0. */
	(void)ep;
	return IPL_EUNSUPP;
}

/* Server process: closes the client end of every channel. */
static int spair_attach_server(struct ipl_endpoint *ep)
{
	/* TODO 2: the server process keeps only the SRV ends: close the CLI
	 * end of every channel (close_fd).  -EBADF when ep->priv is NULL. */
	(void)ep;
	return IPL_EUNSUPP;
}

/* Hands out the server end of the next channel; IPL_EDONE after the last. */
static int spair_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	/* TODO 3: IPL_ECANCELED when atomic_load(&ep->cancel) is set;
	 * IPL_EDONE once every channel was handed out; otherwise the next
	 * channel's SRV end becomes a conn: *out = ipl_fdconn_new(ep->tp, fd,
	 * fd) (one fd both ways: fdconn then treats it as a socket), and the
	 * endpoint forgets that fd (it is the conn's now).  -ENOMEM when
	 * ipl_fdconn_new returns NULL. */
	(void)ep, (void)out;
	return IPL_EUNSUPP;
}

/* Client idx: takes the client end of channel idx and, in a forked client,
 * closes every other fd of the endpoint. */
static int spair_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	/* TODO 4: take channel idx's CLI end (IPL_EUNSUPP when ep->priv is
	 * NULL: not forked from the preparer; -EINVAL for an idx out of range;
	 * -EBADF when that end is gone), forget it in the endpoint, and in a
	 * forked client (creator != getpid()) close every other fd of the
	 * endpoint with spair_release(ep): the server's ends and the other
	 * clients'.  Why does that matter?  Then make the conn as in TODO 3. */
	(void)ep, (void)idx, (void)out;
	return IPL_EUNSUPP;
}

const struct ipl_transport ipl_spair_transport = {
	.name = "spair",
	.summary = "one socketpair per client, parent and forked child",
	.caps = IPL_CAP_NEEDS_FORK | IPL_CAP_MULTI_CLIENT | IPL_CAP_BYTES,
	.prepare = spair_prepare,
	.attach_server = spair_attach_server,
	.accept = spair_accept,
	.attach_client = spair_attach_client,
	.send = ipl_fdconn_send,
	.recv = ipl_fdconn_recv,
	.detach = ipl_fdconn_detach,
	.release = spair_release,
	.cleanup = spair_cleanup,
};
