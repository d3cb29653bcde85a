/* spair.c - lab 4 (code), reference solution: a new ipclab mechanism, one
 * socketpair(2) per client, between the process that prepares them and the
 * children it forks.  pipes/pipe.c with one two-way fd per side instead of
 * two one-way pipes.
 *
 * Like a pipe, a socketpair has no name: every channel is made before
 * fork() (opts.max_clients of them, 0 meaning 1), and after the fork each
 * process keeps only its own ends.  A socket reports EOF to its reader only
 * once no process holds the other end, so every stray copy must be closed.
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
	unsigned n = ep->opts.max_clients ? ep->opts.max_clients : 1;
	struct spair_ep *se = calloc(1, sizeof *se);
	if (!se)
		return -ENOMEM;
	se->sv = malloc(n * sizeof *se->sv);
	if (!se->sv) {
		free(se);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++)
		se->sv[i][SRV] = se->sv[i][CLI] = -1;
	se->n = n;
	se->creator = getpid();
	ep->priv = se;
	for (unsigned i = 0; i < n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, se->sv[i]) < 0) {
			int rc = -errno;
			spair_cleanup(ep);
			return rc;
		}
	}
	ep->addr[0] = '\0'; /* nothing to connect to: inherited, not named */
	return 0;
}

/* Server process: closes the client end of every channel. */
static int spair_attach_server(struct ipl_endpoint *ep)
{
	struct spair_ep *se = ep->priv;
	if (!se)
		return -EBADF;
	for (unsigned i = 0; i < se->n; i++)
		close_fd(&se->sv[i][CLI]);
	return 0;
}

/* Hands out the server end of the next channel; IPL_EDONE after the last. */
static int spair_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	struct spair_ep *se = ep->priv;
	if (!se)
		return -EBADF;
	if (atomic_load(&ep->cancel))
		return IPL_ECANCELED;
	while (se->next < se->n && se->sv[se->next][SRV] < 0)
		se->next++;
	if (se->next >= se->n)
		return IPL_EDONE;
	int fd = se->sv[se->next++][SRV];
	/* one fd both ways: fdconn sees a socket and sends with MSG_NOSIGNAL */
	*out = ipl_fdconn_new(ep->tp, fd, fd);
	return *out ? 0 : -ENOMEM;
}

/* Client idx: takes the client end of channel idx and, in a forked client,
 * closes every other fd of the endpoint. */
static int spair_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	struct spair_ep *se = ep->priv;
	if (!se)
		return IPL_EUNSUPP; /* not forked from the preparer */
	if (idx >= se->n)
		return -EINVAL;
	int fd = se->sv[idx][CLI];
	if (fd < 0)
		return -EBADF;
	se->sv[idx][CLI] = -1;
	if (se->creator != getpid())
		spair_release(ep);
	*out = ipl_fdconn_new(ep->tp, fd, fd);
	return *out ? 0 : -ENOMEM;
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
