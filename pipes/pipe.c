/* pipe - two ordinary pipes (request, reply) per client, between the process
 * that prepares them and the children it forks.
 *
 * An anonymous pipe has no name: the only way to share one is to create it
 * before fork().  So prepare() makes every channel up front (opts.max_clients
 * pairs, 0 meaning 1), and after the fork each process keeps only its own
 * ends: the server the request read ends and reply write ends, client idx
 * the other two ends of pair idx.  Closing every unused end matters: a pipe
 * reports EOF to its reader (and EPIPE to its writer) only once no process
 * holds the other end any more, so a stray copy would turn a peer's exit
 * into a hang.
 *
 * Every fd is created close-on-exec.  The endpoint tracks which fds it still
 * owns (-1 once closed or handed to a conn), so release() and cleanup() never
 * close an fd twice, whatever order the steps run in.
 */
#include "common/err.h"
#include "common/fdconn.h"
#include "common/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

/* Indices into one channel's four fds. */
enum { REQ_R, REQ_W, REP_R, REP_W, NFD };

struct pipe_ep {
	unsigned n;     /* channels */
	unsigned next;  /* accept: the next channel to hand out */
	pid_t creator;  /* process that ran prepare */
	int (*fd)[NFD]; /* n channels; -1 = not ours (closed or owned by a conn) */
};

/* Closes *fd if it is still ours and marks it -1. */
static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Closes every fd this process still holds (idempotent). */
static void pipe_release(struct ipl_endpoint *ep)
{
	struct pipe_ep *pe = ep->priv;
	if (!pe)
		return;
	for (unsigned i = 0; i < pe->n; i++)
		for (int k = 0; k < NFD; k++)
			close_fd(&pe->fd[i][k]);
}

/* Releases and frees: pipes have no names to remove. */
static void pipe_cleanup(struct ipl_endpoint *ep)
{
	struct pipe_ep *pe = ep->priv;
	if (!pe)
		return;
	pipe_release(ep);
	free(pe->fd);
	free(pe);
	ep->priv = NULL;
}

/* Makes opts.max_clients (0 = 1) channels of two close-on-exec pipes. */
static int pipe_prepare(struct ipl_endpoint *ep)
{
	unsigned n = ep->opts.max_clients ? ep->opts.max_clients : 1;
	struct pipe_ep *pe = calloc(1, sizeof *pe);
	if (!pe)
		return -ENOMEM;
	pe->fd = malloc(n * sizeof *pe->fd);
	if (!pe->fd) {
		free(pe);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++)
		for (int k = 0; k < NFD; k++)
			pe->fd[i][k] = -1;
	pe->n = n;
	pe->creator = getpid();
	ep->priv = pe;
	for (unsigned i = 0; i < n; i++) {
		int rc = 0;
		if (pipe2(&pe->fd[i][REQ_R], O_CLOEXEC) < 0 || pipe2(&pe->fd[i][REP_R], O_CLOEXEC) < 0)
			rc = -errno;
		/* both directions, before either end is handed out */
		if (rc == 0 && (rc = ipl_pipe_set_size(pe->fd[i][REQ_W], ep->opts.pipe_size)) == 0)
			rc = ipl_pipe_set_size(pe->fd[i][REP_W], ep->opts.pipe_size);
		if (rc < 0) {
			pipe_cleanup(ep);
			return rc;
		}
	}
	/* the "address" is only informative: there is nothing to connect to */
	ep->addr[0] = '\0';
	return 0;
}

/* Server process: closes the client ends of every channel. */
static int pipe_attach_server(struct ipl_endpoint *ep)
{
	struct pipe_ep *pe = ep->priv;
	if (!pe)
		return -EBADF;
	for (unsigned i = 0; i < pe->n; i++) {
		close_fd(&pe->fd[i][REQ_W]);
		close_fd(&pe->fd[i][REP_R]);
	}
	return 0;
}

/* Hands out the server ends of the next channel; IPL_EDONE after the last. */
static int pipe_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	struct pipe_ep *pe = ep->priv;
	if (!pe)
		return -EBADF;
	if (atomic_load(&ep->cancel))
		return IPL_ECANCELED;
	/* skip channels whose ends are gone (attach_server was not called, or
	 * an earlier accept failed for want of memory) */
	while (pe->next < pe->n && (pe->fd[pe->next][REQ_R] < 0 || pe->fd[pe->next][REP_W] < 0))
		pe->next++;
	if (pe->next >= pe->n)
		return IPL_EDONE;
	int *f = pe->fd[pe->next++];
	/* the conn owns the fds from here on, even if it cannot be made */
	*out = ipl_fdconn_new(ep->tp, f[REQ_R], f[REP_W]);
	f[REQ_R] = f[REP_W] = -1;
	return *out ? 0 : -ENOMEM;
}

/* Client idx: takes the client ends of channel idx and, in a forked
 * client, closes every other fd of the endpoint. */
static int pipe_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	struct pipe_ep *pe = ep->priv;
	if (!pe)
		return IPL_EUNSUPP; /* no pre-made channels: not forked from prepare */
	if (idx >= pe->n)
		return -EINVAL;
	int *f = pe->fd[idx];
	if (f[REP_R] < 0 || f[REQ_W] < 0)
		return -EBADF;
	int rfd = f[REP_R], wfd = f[REQ_W];
	f[REP_R] = f[REQ_W] = -1;
	/* in a forked client everything else belongs to the server or to
	 * sibling clients; the preparer itself (tests running both ends in one
	 * process) keeps the rest until its own release() */
	if (pe->creator != getpid())
		pipe_release(ep);
	*out = ipl_fdconn_new(ep->tp, rfd, wfd);
	return *out ? 0 : -ENOMEM;
}

/* What `ipclab demo pipe` says at each step (transport.h: ipl_tp_describe). */
static const struct ipl_tp_describe pipe_describe = {
	.prepare = (const char *const[]){ "pipe2(O_CLOEXEC) twice: a request pipe (client -> server) and a reply pipe "
					  "(server -> client); a pipe has no name, so both must exist before fork()",
					  NULL },
	.attach_client = (const char *const[]){ "keeps the request pipe's write end and the reply pipe's read end (inherited from "
						"the parent), closes the other two",
						NULL },
	.attach_server = (const char *const[]){ "after fork(): keeps the request pipe's read end and the reply pipe's write end, "
						"closes the other two (else EOF would never come)",
						NULL },
	.accept = (const char *const[]){ "accept: hands out the next pre-made pipe pair (no system call: the pipes already "
					 "connect this process and its relative)",
					 NULL },
	.cleanup = (const char *const[]){ "cleanup: nothing to remove: a pipe disappears with the last fd that refers to it",
					  NULL },
	.send = "write(fd {wfd})",
	.recv = "read(fd {rfd})",
	.conn_fds = ipl_fdconn_fds,
};

const struct ipl_transport ipl_pipe_transport = {
	.name = "pipe",
	.summary = "two ordinary pipes (request, reply) per client, parent and forked child",
	.caps = IPL_CAP_NEEDS_FORK | IPL_CAP_MULTI_CLIENT | IPL_CAP_BYTES,
	.prepare = pipe_prepare,
	.attach_server = pipe_attach_server,
	.accept = pipe_accept,
	.attach_client = pipe_attach_client,
	.send = ipl_fdconn_send,
	.recv = ipl_fdconn_recv,
	.detach = ipl_fdconn_detach,
	.release = pipe_release,
	.cleanup = pipe_cleanup,
	.describe = &pipe_describe,
	.knobs = IPL_KNOB_PIPE_SIZE,
	.bufsize = ipl_fdconn_pipe_size,
};
