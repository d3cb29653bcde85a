/* io.h - the one place that handles short reads/writes and EINTR.
 *
 * Every fd-based transport (tcp, unix, pipe, fifo) moves its bytes through
 * these functions.  EINTR is retried unless *cancel is set, in which case the
 * call returns IPL_ECANCELED: that is how a server is told to stop while a
 * thread sits in read(2).  cancel may be NULL.
 */
#ifndef IPL_IO_H
#define IPL_IO_H

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Behaves like read(2) but never returns EINTR: >0 bytes read, 0 at EOF,
 * or a negative code (-errno, IPL_ECANCELED). */
ssize_t ipl_io_read_some(int fd, void *buf, size_t len, const atomic_int *cancel);

/* ipl_io_read_some on a socket with recv(2): the same result, and a shorter
 * path through the kernel than read(2)'s file layer (2% of a 64 B tcp round
 * trip here).  recv, unlike read, is not counted in /proc/PID/io's rchar. */
ssize_t ipl_io_recv_some(int fd, void *buf, size_t len, const atomic_int *cancel);

/* ipl_io_read_some into iov[0..cnt) in order (readv(2)). */
ssize_t ipl_io_readv_some(int fd, const struct iovec *iov, int cnt, const atomic_int *cancel);

/* Reads exactly len bytes.  Returns 0, IPL_ECLOSED at EOF before the first
 * byte, IPL_ETRUNC at EOF after some, or a negative code. */
int ipl_io_read_full(int fd, void *buf, size_t len, const atomic_int *cancel);

/* A gathered message this small is sent from one stack copy with one
 * write/send: cheaper than handing the kernel an iovec array. */
#define IPL_IO_COALESCE 512

/* Writes every byte of iov[0..cnt) (cnt <= 8), resuming after short writes
 * and EINTR.  Writes are never cancelled, so a server told to stop still
 * finishes the reply it is sending.  iov is not modified.  Returns 0 or
 * -errno.  Sockets are written with MSG_NOSIGNAL (is_socket), so a gone peer
 * gives -EPIPE; for pipes the process must ignore SIGPIPE to get the same. */
int ipl_io_writev_full(int fd, const struct iovec *iov, int cnt, int is_socket);

/* The bytes in iov[0..cnt): what one gathering send hands over. */
static inline size_t ipl_iov_total(const struct iovec *iov, int cnt)
{
	size_t total = 0;
	for (int i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	return total;
}

/* Copies iov[0..cnt)'s bytes to dst, in order (dst holds ipl_iov_total). */
static inline void ipl_iov_gather(void *dst, const struct iovec *iov, int cnt)
{
	size_t off = 0;
	for (int i = 0; i < cnt; i++) {
		if (iov[i].iov_len)
			memcpy((char *)dst + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
}

#endif
