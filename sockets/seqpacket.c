/* seqpacket - Unix domain SOCK_SEQPACKET on a path.
 *
 * Like unix (same private 0700 directory, same --listen PATH, same stale
 * socket replacement: the listening code is unix.c's), but the kernel keeps
 * message boundaries: one send is one packet and one recv returns exactly
 * one packet, never part of two.
 *
 * One packet per message, as long as it fits.  The kernel refuses a packet
 * larger than the socket's send buffer less 32 bytes (EMSGSIZE; 212,960
 * bytes with the default net.core.wmem_default of 212,992), so a larger
 * message is sent as consecutive packets of at most that size, in order on
 * this connection, and read back as one byte stream.  That keeps every size
 * up to the cap possible without raising SO_SNDBUF (which needs
 * net.core.wmem_max or root to go further, and only moves the limit).
 *
 * A packet is read with one call: for a small ask, recv into this conn's
 * spill buffer, the caller getting the first bytes; for a large one,
 * recvmsg into the caller's buffer and the spill buffer after it.  Either
 * way nothing is truncated however little the caller asked for (msgio asks
 * for a header's worth at a time), and the next recv hands out the spill
 * first.  A packet larger than we can take (a peer that raised its
 * SO_SNDBUF) cannot be read whole: the connection reports IPL_EPROTO rather
 * than lose its tail silently.
 */
#include "common/io.h"
#include "common/err.h"
#include "common/fdconn.h"
#include "sockets/sock.h"
#include "common/transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define KERNEL_SLACK 32u /* unix_dgram_sendmsg: len > sk_sndbuf - 32 is EMSGSIZE */
#define MIN_PACKET 4096u
#define SMALL_ASK 16384u /* asks, and packets, up to this are read through the spill buffer */

struct sp_conn {
	struct ipl_fdconn fc; /* first: ipl_sock_conn_addr reads fc.rfd */
	size_t pkt;           /* largest packet we send and can receive whole */
	uint8_t *spill;       /* the part of a packet the caller had no room for */
	size_t spill_off, spill_len;
	size_t last; /* the length of the last packet read: picks the next read's way */
};

/* The largest packet this socket may send: its send buffer less the slack. */
static size_t packet_max(int fd)
{
	int sndbuf = 0;
	socklen_t l = sizeof sndbuf;
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &l) < 0 || sndbuf < (int)(MIN_PACKET + KERNEL_SLACK))
		return MIN_PACKET;
	return (size_t)sndbuf - KERNEL_SLACK;
}

static int wrap(const struct ipl_transport *tp, int fd, struct ipl_conn **out)
{
	struct sp_conn *s = calloc(1, sizeof *s);
	size_t pkt = packet_max(fd);
	uint8_t *spill = malloc(pkt);
	if (!s || !spill) {
		free(s);
		free(spill);
		close(fd);
		return -ENOMEM;
	}
	s->fc.base.tp = tp;
	s->fc.rfd = s->fc.wfd = fd;
	s->fc.is_socket = 1;
	s->pkt = pkt;
	s->spill = spill;
	*out = &s->fc.base;
	return 0;
}

static int sp_prepare(struct ipl_endpoint *ep)
{
	return ipl_unix_listen(ep, SOCK_SEQPACKET);
}

static int sp_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	int fd = ipl_sock_accept_fd(ep);
	return fd < 0 ? fd : wrap(ep->tp, fd, out);
}

static int sp_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	(void)idx;
	struct sockaddr_un sun;
	int rc = ipl_unix_sun(ep->addr, &sun);
	if (rc < 0)
		return rc;
	/* --sockbuf before wrap: the packet size follows the send buffer */
	int fd = ipl_sock_connect_buf(AF_UNIX, SOCK_SEQPACKET, (struct sockaddr *)&sun, sizeof sun,
				      ep->opts.sockbuf);
	return fd < 0 ? fd : wrap(ep->tp, fd, out);
}

/* Copies the bytes [off, off + n) of iov[0..cnt) as iovec entries into out
 * (at most max of them); returns how many. */
static int slice(const struct iovec *iov, int cnt, size_t off, size_t n, struct iovec *out, int max)
{
	int k = 0;
	for (int i = 0; i < cnt && n && k < max; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		size_t take = iov[i].iov_len - off < n ? iov[i].iov_len - off : n;
		out[k].iov_base = (char *)iov[i].iov_base + off;
		out[k++].iov_len = take;
		n -= take;
		off = 0;
	}
	return k;
}

/* Sends the message as one packet, or as packets of at most s->pkt bytes. */
static int sp_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	struct sp_conn *s = (struct sp_conn *)c;
	size_t total = ipl_iov_total(iov, cnt), off = 0;
	/* a small message goes out from a stack copy with send: no msghdr and
	 * iovec for the kernel to copy in (measurable at 64 B) */
	char small[IPL_IO_COALESCE];
	if (total <= sizeof small)
		ipl_iov_gather(small, iov, cnt);
	while (off < total) {
		size_t n = total - off < s->pkt ? total - off : s->pkt;
		struct iovec part[8];
		struct msghdr mh = { .msg_iov = part };
		mh.msg_iovlen = (size_t)slice(iov, cnt, off, n, part, 8);
		ssize_t w = total <= sizeof small ? send(s->fc.wfd, small, total, MSG_NOSIGNAL)
						  : sendmsg(s->fc.wfd, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue; /* writes are not cancelled: the reply in hand goes out */
		if (w < 0 && errno == EMSGSIZE && s->pkt / 2 >= MIN_PACKET) {
			s->pkt /= 2; /* the send buffer shrank under us: smaller packets */
			continue;
		}
		if (w < 0)
			return -errno;
		off += (size_t)w; /* a packet is all or nothing */
	}
	return 0;
}

/* A small ask (a header, or msgio's 16 KiB staging read) where packets are
 * small: the packet goes whole into the spill buffer with one recv
 * (MSG_TRUNC: its real length comes back, so a packet cut short is seen)
 * and the caller gets its first len bytes: one buffer, no msghdr or iovec
 * array for the kernel to copy in, and the copy out is small.  Returns
 * bytes, -errno or IPL_EPROTO. */
static ssize_t recv_small(struct sp_conn *s, void *buf, size_t len)
{
	ssize_t n = recv(s->fc.rfd, s->spill, s->pkt, MSG_TRUNC);
	if (n < 0)
		return -errno;
	if ((size_t)n > s->pkt)
		return IPL_EPROTO; /* a packet larger than we could ever send */
	s->last = (size_t)n;
	size_t give = (size_t)n < len ? (size_t)n : len;
	memcpy(buf, s->spill, give);
	s->spill_off = give;
	s->spill_len = (size_t)n;
	return (ssize_t)give;
}

/* A large ask (a payload), or any ask where packets are large: one recvmsg
 * into the caller's buffer first and the spill buffer for the rest, so the
 * bulk of a packet lands where it is wanted.  Returns bytes, -errno or
 * IPL_EPROTO. */
static ssize_t recv_large(struct sp_conn *s, void *buf, size_t len)
{
	struct iovec v[2] = { { buf, len }, { s->spill, s->pkt } };
	struct msghdr mh = { .msg_iov = v, .msg_iovlen = 2 };
	ssize_t n = recvmsg(s->fc.rfd, &mh, 0);
	if (n < 0)
		return -errno;
	if (mh.msg_flags & MSG_TRUNC)
		return IPL_EPROTO; /* a packet larger than we could ever send */
	s->last = (size_t)n;
	if ((size_t)n <= len)
		return n;
	s->spill_off = 0;
	s->spill_len = (size_t)n - len;
	return (ssize_t)len;
}

static ssize_t sp_recv(struct ipl_conn *c, void *buf, size_t len)
{
	struct sp_conn *s = (struct sp_conn *)c;
	if (s->spill_len > s->spill_off) {
		size_t n = s->spill_len - s->spill_off < len ? s->spill_len - s->spill_off : len;
		memcpy(buf, s->spill + s->spill_off, n);
		s->spill_off += n;
		return (ssize_t)n;
	}
	/* small packets expected (the last was one) and a small ask: through
	 * the spill buffer; else straight into the caller's buffer as far as
	 * it goes, so a large packet is not copied whole once more */
	int small = len <= SMALL_ASK && s->last <= SMALL_ASK;
	ssize_t n;
	while ((n = small ? recv_small(s, buf, len) : recv_large(s, buf, len)) == -EINTR)
		if (atomic_load_explicit(&c->cancel, memory_order_relaxed))
			return IPL_ECANCELED;
	return n;
}

static void sp_detach(struct ipl_conn *c)
{
	struct sp_conn *s = (struct sp_conn *)c;
	if (s->fc.rfd >= 0)
		close(s->fc.rfd);
	free(s->spill);
	free(s);
}

const struct ipl_transport ipl_seqpacket_transport = {
	.name = "seqpacket",
	.summary = "Unix domain SOCK_SEQPACKET: the kernel keeps message boundaries",
	.caps = IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT | IPL_CAP_BYTES,
	.prepare = sp_prepare,
	.attach_server = ipl_sock_attach_server,
	.accept = sp_accept,
	.attach_client = sp_attach_client,
	.send = sp_send,
	.recv = sp_recv,
	.detach = sp_detach,
	.release = ipl_sock_release,
	.cleanup = ipl_sock_cleanup,
	.conn_addr = ipl_sock_conn_addr,
	.check_addr = ipl_sock_check_path,
	.knobs = IPL_KNOB_SOCKBUF,
	.bufsize = ipl_sock_bufsize,
};
