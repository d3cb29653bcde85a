/* fdconn.h - the connection type of every fd-based transport.
 *
 * tcp and unix use one socket for both directions (rfd == wfd); pipe and
 * fifo use two one-way fds.  The functions below are the send/recv/detach
 * entries of those transports' tables.
 */
#ifndef IPL_FDCONN_H
#define IPL_FDCONN_H

#include "common/transport.h"

struct ipl_fdconn {
	struct ipl_conn base;
	int rfd, wfd; /* equal for sockets; -1 when closed */
	int is_socket;
};

/* Allocates a conn owning rfd and wfd (closed by detach).  NULL on ENOMEM,
 * in which case the fds are closed. */
struct ipl_conn *ipl_fdconn_new(const struct ipl_transport *tp, int rfd, int wfd);

int ipl_fdconn_send(struct ipl_conn *c, const struct iovec *iov, int cnt);
ssize_t ipl_fdconn_recv(struct ipl_conn *c, void *buf, size_t len);
ssize_t ipl_fdconn_recvv(struct ipl_conn *c, const struct iovec *iov, int cnt);
void ipl_fdconn_detach(struct ipl_conn *c);

/* The fd a conn reads from: the socket transports' conn_fd op, and tests
 * that poke at raw bytes. */
int ipl_fdconn_rfd(const struct ipl_conn *c);

/* The describe->conn_fds entry of fd-based transports: both fds; 0. */
int ipl_fdconn_fds(const struct ipl_conn *c, int *rfd, int *wfd);

/* Pipe capacity (pipe, fifo: --pipe-size).  ipl_pipe_set_size sets one
 * pipe's capacity with F_SETPIPE_SZ (bytes 0: leaves it); the kernel rounds
 * up to a power-of-two number of pages.  0, or -EPERM (over
 * fs.pipe-max-size without CAP_SYS_RESOURCE, or the user's pipe pages
 * used up), -ENOMEM, -EBUSY or -errno. */
int ipl_pipe_set_size(int fd, uint32_t bytes);
/* The bufsize op of pipe and fifo: the smaller F_GETPIPE_SZ of c's two pipes. */
int ipl_fdconn_pipe_size(const struct ipl_conn *c, uint64_t *bytes);

#endif
