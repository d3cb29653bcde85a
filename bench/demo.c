/* demo.c - `ipclab demo MECH`: one exchange walked step by step.
 *
 * Nothing here is canned: the parent runs prepare and forks the server as
 * `ipclab bench` does, the client says HELLO, sends one ECHO and says BYE
 * through common/ (msgio, exchange), and the server is common/server.c's
 * ipl_serve_conn.  Both connections are wrapped in a tracing conn, so the
 * bytes shown are the bytes each side handed to (or got from) the mechanism,
 * and the addresses are read back from the kernel (getsockname, getpeername,
 * /proc/self/fd, /proc/self/maps).  Events go into a shared log; the parent
 * prints it after the exchange, in the order the events happened.
 */
#include "demo.h"

#include "bytes.h"
#include "err.h"
#include "exchange.h"
#include "fdconn.h"
#include "msg.h"
#include "msgio.h"
#include "names.h"
#include "sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_PAYLOAD "hello, ipclab!"

/* ---- the shared event log ---------------------------------------------- */

static struct ipl_demo_ev *new_ev(struct ipl_demo_log *lg)
{
	unsigned i = atomic_fetch_add(&lg->n, 1);
	if (i >= IPL_DEMO_EVENTS)
		return NULL;
	struct ipl_demo_ev *e = &lg->ev[i];
	memset(e, 0, sizeof *e);
	return e;
}

void ipl_demo_say(struct ipl_demo_log *lg, int side, int kind, const char *fmt, ...)
{
	struct ipl_demo_ev *e = new_ev(lg);
	if (!e)
		return;
	e->side = side;
	e->kind = kind;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
}

void ipl_demo_mark_step(struct ipl_demo_log *lg, int side, int step)
{
	unsigned n = atomic_load(&lg->n);
	if (n > IPL_DEMO_EVENTS)
		n = IPL_DEMO_EVENTS;
	for (unsigned i = n; i-- > 0;)
		if (lg->ev[i].side == side) {
			lg->ev[i].rpc_step = step;
			return;
		}
}

/* ---- the tracing conn ---------------------------------------------------- */

struct tconn {
	struct ipl_conn base;
	struct ipl_conn *in;
	struct ipl_demo_log *lg;
	int side;
};

/* "sendmsg(fd 4, MSG_NOSIGNAL)", "writev(fd 7)" or, for a conn without an
 * fd (shm), what moves the bytes instead. */
/* seqpacket's conn is an fdconn with a spill buffer behind it. */
static int fd_based(const struct ipl_conn *in)
{
	return in->tp->send == ipl_fdconn_send || !strcmp(in->tp->name, "seqpacket");
}

static void send_call(const struct ipl_conn *in, char *out, size_t len)
{
	if (!strcmp(in->tp->name, "seqpacket")) {
		snprintf(out, len, "sendmsg(fd %d, MSG_NOSIGNAL): one packet (a message over the packet "
			 "limit goes as several)", ((const struct ipl_fdconn *)(const void *)in)->wfd);
	} else if (in->tp->send == ipl_fdconn_send) {
		const struct ipl_fdconn *fc = (const void *)in;
		if (fc->is_socket)
			snprintf(out, len, "sendmsg(fd %d, MSG_NOSIGNAL)", fc->wfd);
		else
			snprintf(out, len, "writev(fd %d)", fc->wfd);
	} else if (!strcmp(in->tp->name, "udp")) {
		snprintf(out, len, "sendmsg(): the whole message as one datagram (the server addresses it to the "
			 "client's address with msg_name)");
	} else if (!strcmp(in->tp->name, "mq")) {
		snprintf(out, len, "mq_timedsend(the client's .q or .r queue): one message per chunk of up to "
			 "mq_msgsize bytes (4 KiB)");
	} else if (!strcmp(in->tp->name, "shm")) {
		snprintf(out, len, "%s send (memcpy into the ring, no system call; futex wake only if "
			 "the reader sleeps)", in->tp->name);
	} else if (!strcmp(in->tp->name, "oncrpc")) {
		snprintf(out, len, "%s send: libtirpc's clnt_call() marshals it as an ONC RPC CALL, writes the "
			 "record to the carrier socket and waits for the REPLY", in->tp->name);
	} else {
		snprintf(out, len, "%s send (into the %s layer)", in->tp->name, in->tp->name);
	}
}

static void recv_call(const struct ipl_conn *in, char *out, size_t len)
{
	if (!strcmp(in->tp->name, "seqpacket"))
		snprintf(out, len, "recvmsg(fd %d): one whole packet, the part beyond the buffer asked "
			 "for into a spill buffer", ((const struct ipl_fdconn *)(const void *)in)->rfd);
	else if (in->tp->send == ipl_fdconn_send)
		snprintf(out, len, "read(fd %d)", ((const struct ipl_fdconn *)(const void *)in)->rfd);
	else if (!strcmp(in->tp->name, "udp"))
		snprintf(out, len, "recvfrom(): one whole datagram (client: poll() first, at most the per-message "
			 "timeout; server: the thread reading the socket hands it to the sender's conn)");
	else if (!strcmp(in->tp->name, "mq"))
		snprintf(out, len, "mq_timedreceive(): one whole queue message (a chunk), bounded to 250 ms "
			 "so a dead peer is noticed");
	else if (!strcmp(in->tp->name, "shm"))
		snprintf(out, len, "%s recv (memcpy out of the ring; futex wait only while it is empty)",
			 in->tp->name);
	else if (!strcmp(in->tp->name, "oncrpc"))
		snprintf(out, len, "%s recv: the ipclab reply that clnt_call's REPLY stands for", in->tp->name);
	else
		snprintf(out, len, "%s recv (out of the %s layer)", in->tp->name, in->tp->name);
}

static int t_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	struct tconn *t = (struct tconn *)c;
	struct ipl_demo_ev *e = new_ev(t->lg);
	if (e) {
		e->side = t->side;
		e->kind = IPL_DEMO_SEND;
		send_call(t->in, e->text, sizeof e->text);
		for (int i = 0; i < cnt; i++) {
			size_t room = IPL_DEMO_DATA_MAX - e->datalen, n = iov[i].iov_len;
			memcpy(e->data + e->datalen, iov[i].iov_base, n < room ? n : room);
			e->datalen += (uint32_t)(n < room ? n : room);
			e->nbytes += (int64_t)n;
		}
	}
	/* logged before the bytes leave: the peer's recv is always logged later */
	return ipl_conn_send(t->in, iov, cnt);
}

static ssize_t t_recv(struct ipl_conn *c, void *buf, size_t len)
{
	struct tconn *t = (struct tconn *)c;
	ssize_t r = ipl_conn_recv(t->in, buf, len);
	struct ipl_demo_ev *e = new_ev(t->lg);
	if (e) {
		e->side = t->side;
		e->kind = IPL_DEMO_RECV;
		recv_call(t->in, e->text, sizeof e->text);
		e->nbytes = r;
		if (r > 0) {
			e->datalen = (uint32_t)((size_t)r < IPL_DEMO_DATA_MAX ? (size_t)r : IPL_DEMO_DATA_MAX);
			memcpy(e->data, buf, e->datalen);
		}
	}
	return r;
}

static void t_detach(struct ipl_conn *c)
{
	struct tconn *t = (struct tconn *)c;
	ipl_conn_detach(t->in);
	free(t);
}

static const struct ipl_transport trace_tp = {
	.name = "trace",
	.summary = "ipclab demo: logs and forwards",
	.send = t_send,
	.recv = t_recv,
	.detach = t_detach,
};

struct ipl_conn *ipl_demo_trace_conn(struct ipl_conn *inner, struct ipl_demo_log *lg, int side)
{
	struct tconn *t = calloc(1, sizeof *t);
	if (!t) {
		ipl_conn_detach(inner);
		return NULL;
	}
	t->base.tp = &trace_tp;
	t->in = inner;
	t->lg = lg;
	t->side = side;
	return &t->base;
}

/* ---- what the kernel says about an fd ------------------------------------ */

static void sa_text(const struct sockaddr_storage *ss, socklen_t len, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN];
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
		snprintf(out, outlen, "%s:%u", host, ntohs(s4->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
		snprintf(out, outlen, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else if (ss->ss_family == AF_UNIX) {
		const struct sockaddr_un *su = (const void *)ss;
		if (len <= offsetof(struct sockaddr_un, sun_path) || !su->sun_path[0])
			snprintf(out, outlen, "(unnamed)");
		else
			snprintf(out, outlen, "%s", su->sun_path);
	} else {
		snprintf(out, outlen, "(family %d)", ss->ss_family);
	}
}

/* getsockname (peer 0) or getpeername (peer 1) of fd, as text. */
static void sock_end(int fd, int peer, char *out, size_t outlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	memset(&ss, 0, sizeof ss);
	if ((peer ? getpeername(fd, (struct sockaddr *)&ss, &len) : getsockname(fd, (struct sockaddr *)&ss, &len)) < 0)
		snprintf(out, outlen, "(%s)", strerror(errno));
	else
		sa_text(&ss, len, out, outlen);
}

/* What /proc/self/fd says fd is: "socket:[1234]", "pipe:[99]", a path. */
static void fd_kind(int fd, char *out, size_t outlen)
{
	char p[64], buf[PATH_MAX];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(p, buf, sizeof buf - 1);
	if (n < 0) {
		snprintf(out, outlen, "?");
		return;
	}
	buf[n] = '\0';
	snprintf(out, outlen, "%s", buf);
}

/* Logs what one side's conn is in kernel terms. */
static void describe_conn(struct ipl_demo_log *lg, int side, const struct ipl_conn *in, const char *mech)
{
	if (!strcmp(mech, "mq")) {
		ipl_demo_say(lg, side, IPL_DEMO_TEXT, "  two queue descriptors (an mqd_t is an fd on Linux): one to "
			     "read, one to write; the names are already unlinked");
		return;
	}
	if (!fd_based(in) && strcmp(mech, "shm")) {
		ipl_demo_say(lg, side, IPL_DEMO_TEXT, "  (no fd of its own: the %s layer owns the carrier connection)", mech);
		return;
	}
	if (!fd_based(in)) {
		/* shm: no fd; the mapping is the connection */
		FILE *f = fopen("/proc/self/maps", "r");
		char line[512];
		int shown = 0;
		while (f && fgets(line, sizeof line, f)) {
			char *dev = strstr(line, "/dev/shm/ipclab-");
			if (!dev)
				continue;
			unsigned long lo = 0, hi = 0;
			sscanf(line, "%lx-%lx", &lo, &hi);
			dev[strcspn(dev, "\n")] = '\0';
			ipl_demo_say(lg, side, IPL_DEMO_TEXT, "  mapped: %s, %lu KiB at %#lx (/proc/self/maps)",
				     dev, (hi - lo) / 1024, lo);
			shown++;
		}
		if (f)
			fclose(f);
		if (!shown)
			ipl_demo_say(lg, side, IPL_DEMO_TEXT, "  (no /dev/shm mapping visible in /proc/self/maps)");
		return;
	}
	const struct ipl_fdconn *fc = (const void *)in;
	char k1[PATH_MAX], k2[PATH_MAX];
	fd_kind(fc->rfd, k1, sizeof k1);
	if (fc->is_socket) {
		char me[IPL_ADDR_MAX + 16], peer[IPL_ADDR_MAX + 16];
		sock_end(fc->rfd, 0, me, sizeof me);
		sock_end(fc->rfd, 1, peer, sizeof peer);
		ipl_demo_say(lg, side, IPL_DEMO_TEXT, "  fd %d = %s  local %s  <->  remote %s", fc->rfd, k1, me, peer);
		if (!strcmp(mech, "tcp") && side == IPL_DEMO_CLIENT)
			ipl_demo_say(lg, side, IPL_DEMO_TEXT,
				     "  the client never called bind(): connect() gave it an ephemeral port "
				     "(see /proc/sys/net/ipv4/ip_local_port_range)");
	} else {
		fd_kind(fc->wfd, k2, sizeof k2);
		ipl_demo_say(lg, side, IPL_DEMO_TEXT, "  reads fd %d = %s", fc->rfd, k1);
		ipl_demo_say(lg, side, IPL_DEMO_TEXT, "  writes fd %d = %s", fc->wfd, k2);
	}
}

/* ---- what prepare/attach do, per mechanism (the calls inside the library) - */

static void explain_prepare(struct ipl_demo_log *lg, const struct ipl_endpoint *ep, const char *mech)
{
	const int S = IPL_DEMO_SETUP;
	if (!strcmp(mech, "tcp") || !strcmp(mech, "unix") || !strcmp(mech, "seqpacket")) {
		const struct ipl_sock_ep *se = ep->priv;
		char me[IPL_ADDR_MAX + 16], k[PATH_MAX];
		sock_end(se->lfd, 0, me, sizeof me);
		fd_kind(se->lfd, k, sizeof k);
		if (!strcmp(mech, "tcp")) {
			ipl_demo_say(lg, S, IPL_DEMO_TEXT, "socket(AF_INET, SOCK_STREAM) -> fd %d (%s)", se->lfd, k);
			ipl_demo_say(lg, S, IPL_DEMO_TEXT, "bind(fd %d, 127.0.0.1 port 0): port 0 asks the kernel for any free port", se->lfd);
			ipl_demo_say(lg, S, IPL_DEMO_TEXT, "listen(fd %d, SOMAXCONN): the socket now queues incoming connections", se->lfd);
			ipl_demo_say(lg, S, IPL_DEMO_TEXT, "getsockname(fd %d) -> %s   <- the server's address (IP, port)", se->lfd, me);
			ipl_demo_say(lg, S, IPL_DEMO_TEXT, "(a well-known service would bind a fixed port below 1024, which needs privilege; "
				     "ipclab never uses a fixed port)");
		} else {
			ipl_demo_say(lg, S, IPL_DEMO_TEXT, "mkdtemp(\"%s/ipclab-<pid>-XXXXXX\") -> a private 0700 directory", ipl_tmpdir());
			ipl_demo_say(lg, S, IPL_DEMO_TEXT, "socket(AF_UNIX, %s) -> fd %d (%s)",
				     strcmp(mech, "seqpacket") ? "SOCK_STREAM" : "SOCK_SEQPACKET: connected, "
				     "and the kernel keeps message boundaries", se->lfd, k);
			ipl_demo_say(lg, S, IPL_DEMO_TEXT, "bind(fd %d, \"%s\"): the address is a path in the file system", se->lfd, me);
			ipl_demo_say(lg, S, IPL_DEMO_TEXT, "listen(fd %d, SOMAXCONN)", se->lfd);
		}
	} else if (!strcmp(mech, "pipe")) {
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "pipe2(O_CLOEXEC) twice: a request pipe (client -> server) and a reply pipe "
			     "(server -> client); a pipe has no name, so both must exist before fork()");
	} else if (!strcmp(mech, "fifo")) {
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "mkdtemp(): private 0700 directory %s", ep->addr);
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "mkfifo(\"%s/announce\", 0600): the well-known FIFO where clients announce "
			     "themselves; it persists in the file system until it is unlinked", ep->addr);
	} else if (!strcmp(mech, "udp")) {
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "socket(AF_INET, SOCK_DGRAM) + bind(127.0.0.1 port 0) -> %s: no "
			     "listen, no accept; one socket receives every client's datagrams", ep->addr);
	} else if (!strcmp(mech, "mq")) {
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "mq_open(\"%s\", O_CREAT|O_EXCL|O_RDONLY, 0600): the well-known "
			     "announce queue (its name is recorded as /dev/shm/...mq first, so a crash leaves it "
			     "sweepable)", ep->addr);
	} else if (!strcmp(mech, "shm")) {
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "shm_open(\"%s\", O_CREAT|O_EXCL|O_RDWR, 0600) + ftruncate + mmap(MAP_SHARED): "
			     "the rendezvous table clients meet at (/dev/shm%s)", ep->addr, ep->addr);
	} else if (!strcmp(mech, "oncrpc")) {
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "prepare: the carrier (%s) creates its listening socket at %s; "
			     "libtirpc takes it over in the server", ep->opts.via ? ep->opts.via->name : "unix", ep->addr);
	} else {
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "prepare -> address %s", ep->addr);
	}
}

static void explain_attach_client(struct ipl_demo_log *lg, const char *mech, const char *addr)
{
	const int C = IPL_DEMO_CLIENT;
	if (!strcmp(mech, "tcp") || !strcmp(mech, "unix") || !strcmp(mech, "seqpacket"))
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "socket() + connect(\"%s\"): the kernel completes the connection "
			     "and queues it on the listening socket until the server accepts", addr);
	else if (!strcmp(mech, "pipe"))
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "keeps the request pipe's write end and the reply pipe's read end "
			     "(inherited from the parent), closes the other two");
	else if (!strcmp(mech, "fifo"))
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "mkfifo(c-<pid>-<hex>.q and .r), open .r, write one record "
			     "(<= PIPE_BUF, so atomic) to %s/announce, open .q; then unlink both names", addr);
	else if (!strcmp(mech, "oncrpc"))
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "connects through the carrier to \"%s\" and hands the socket to "
			     "libtirpc: clnt_vc_create() makes the CLIENT handle the stubs call through", addr);
	else if (!strcmp(mech, "udp"))
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "socket(SOCK_DGRAM) + connect(\"%s\"): no handshake, nothing is "
			     "sent; connect only fixes the peer, so only the server's datagrams reach this socket", addr);
	else if (!strcmp(mech, "mq"))
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "mq_open(its own pair .q and .r, O_CREAT|O_EXCL, 0600), "
			     "mq_send(\"IPLMQ1 <pid> <name>\") to %s, wait for \"IPLMQOK <server pid>\" on .r, "
			     "then mq_unlink both names", addr);
	else if (!strcmp(mech, "shm"))
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "shm_open(its own segment, O_EXCL, 0600) + mmap; writes the segment's "
			     "name into a free slot of %s; futex-wakes the server, waits to be accepted", addr);
	else
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "attach_client(\"%s\")", addr);
}

static void explain_accept(struct ipl_demo_log *lg, const char *mech)
{
	const int S = IPL_DEMO_SERVER;
	if (!strcmp(mech, "tcp") || !strcmp(mech, "unix") || !strcmp(mech, "seqpacket"))
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "accept4(listening fd) -> a NEW socket for this client; the listening "
			     "socket keeps waiting for others (many clients, one server address)");
	else if (!strcmp(mech, "pipe"))
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "accept: hands out the next pre-made pipe pair (no system call: the pipes "
			     "already connect this process and its relative)");
	else if (!strcmp(mech, "fifo"))
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "read(announce) -> the client's record; open(.r, O_WRONLY), open(.q, O_RDONLY)");
	else if (!strcmp(mech, "udp"))
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "accept: the first datagram from a new address (recvfrom) makes a "
			     "conn for that sender; replies go back with its address");
	else if (!strcmp(mech, "mq"))
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "mq_receive(announce) -> a client's record; mq_open(.q, O_RDONLY), "
			     "mq_open(.r, O_WRONLY), check both are ours and 0600, send the ack");
	else if (!strcmp(mech, "shm"))
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "takes the ready slot, shm_open + mmap the client's segment, shm_unlink it "
			     "at once (both ends have it mapped, so a crash leaves nothing behind)");
	else
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "accept()");
}

/* ---- printing ------------------------------------------------------------ */

struct out {
	int color;
	const char *mech;
	int rpc;
};

static const char *C_RESET = "\033[0m", *C_BOLD = "\033[1m", *C_CLIENT = "\033[36m",
		  *C_SERVER = "\033[33m", *C_DIM = "\033[2m";

static const char *col(const struct out *o, const char *c)
{
	return o->color ? c : "";
}

static const char *side_name(int side)
{
	return side == IPL_DEMO_CLIENT ? "client" : side == IPL_DEMO_SERVER ? "server" : "setup ";
}

static void hexbytes(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	out[0] = '\0';
	for (size_t i = 0; i < n && strlen(out) + 4 < outlen; i++)
		snprintf(out + strlen(out), outlen - strlen(out), "%02x ", p[i]);
}

/* One field of a dump: offset, its bytes (8 a line), field name, meaning. */
static void row(void *ctx, size_t off, const uint8_t *p, size_t n, const char *field, const char *meaning)
{
	const struct out *o = ctx;
	for (size_t i = 0; i < n || i == 0; i += 8) {
		char hex[3 * 8 + 4];
		hexbytes(p + i, n - i < 8 ? n - i : 8, hex, sizeof hex);
		printf("           %04zx  %-24s %s%-11s%s %s\n", off + i, hex, col(o, C_BOLD), i ? "" : field,
		       col(o, C_RESET), i ? "" : meaning);
	}
}

/* Bytes 8 a line, with the printable ones beside. */
static void payload_rows(const struct out *o, size_t off, const uint8_t *p, size_t n, size_t total,
			 const char *field)
{
	for (size_t i = 0; i < n; i += 8) {
		size_t k = n - i < 8 ? n - i : 8;
		char asc[12];
		asc[0] = '|';
		for (size_t j = 0; j < k; j++)
			asc[j + 1] = (p[i + j] >= 32 && p[i + j] < 127) ? (char)p[i + j] : '.';
		asc[k + 1] = '|';
		asc[k + 2] = '\0';
		row((void *)o, off + i, p + i, k, i == 0 ? field : "", asc);
	}
	if (total > n)
		printf("           ....  (%zu more bytes not shown)\n", total - n);
}

static const char *op_name(unsigned op)
{
	static const char *names[] = { "?", "HELLO", "ECHO", "SINK", "ERROR", "BYE" };
	return op <= IPL_OP_MAX ? names[op] : "?";
}

static void flags_text(unsigned f, char *out, size_t len)
{
	out[0] = '\0';
	if (f & IPL_FLAG_CRC)
		snprintf(out + strlen(out), len - strlen(out), "%sCRC", out[0] ? "|" : "");
	if (f & IPL_FLAG_REPLY)
		snprintf(out + strlen(out), len - strlen(out), "%sREPLY", out[0] ? "|" : "");
	if (f & IPL_FLAG_NOACK)
		snprintf(out + strlen(out), len - strlen(out), "%sNOACK", out[0] ? "|" : "");
	if (!out[0])
		snprintf(out, len, "none");
}

/* Annotates one ipclab message (24-byte header + payload), field by field. */
static void annotate_ipl(const struct out *o, const uint8_t *p, size_t n, size_t total)
{
	char m[128], fl[32];
	if (n < IPL_HDR_SIZE) {
		payload_rows(o, 0, p, n, total, "bytes");
		return;
	}
	row((void *)o, 0, p, 4, "magic", "\"IPL1\" = 0x49504c31: this is an ipclab message");
	snprintf(m, sizeof m, "%u: protocol version", p[4]);
	row((void *)o, 4, p + 4, 1, "version", m);
	snprintf(m, sizeof m, "%u = %s", p[5], op_name(p[5]));
	row((void *)o, 5, p + 5, 1, "op", m);
	flags_text(ipl_get_be16(p + 6), fl, sizeof fl);
	snprintf(m, sizeof m, "0x%04x = %s", ipl_get_be16(p + 6), fl);
	row((void *)o, 6, p + 6, 2, "flags", m);
	snprintf(m, sizeof m, "%llu: chosen by the client, echoed in the reply",
		 (unsigned long long)ipl_get_be64(p + 8));
	row((void *)o, 8, p + 8, 8, "seq", m);
	uint32_t len = ipl_get_be32(p + 16);
	snprintf(m, sizeof m, "%u payload bytes follow", len);
	row((void *)o, 16, p + 16, 4, "len", m);
	uint32_t crc = ipl_get_be32(p + 20);
	if (ipl_get_be16(p + 6) & IPL_FLAG_CRC) {
		size_t have = n - IPL_HDR_SIZE < len ? n - IPL_HDR_SIZE : len;
		int ok = have == len && ipl_crc32c(0, p + IPL_HDR_SIZE, len) == crc;
		snprintf(m, sizeof m, "0x%08x: CRC32C of the payload%s", crc, have == len ? (ok ? " (checks)" : " (MISMATCH)") : "");
	} else {
		snprintf(m, sizeof m, "0x%08x: unused (no CRC flag)", crc);
	}
	row((void *)o, 20, p + 20, 4, "crc", m);
	if (len && n > IPL_HDR_SIZE)
		payload_rows(o, IPL_HDR_SIZE, p + IPL_HDR_SIZE, n - IPL_HDR_SIZE < 64 ? n - IPL_HDR_SIZE : 64,
			     total - IPL_HDR_SIZE, "payload");
}

static const char *rpc_step_name(int step)
{
	static const char *names[] = {
		"",
		"1. client stub",
		"2. marshal parameters",
		"3. kernel sends",
		"4. server stub receives",
		"5. unmarshal",
		"6. procedure runs",
		"7. result marshalled and returned",
		"8. client stub unmarshals",
	};
	return step > 0 && step <= 8 ? names[step] : "";
}

static void print_log(const struct out *o, const struct ipl_demo_log *lg)
{
	unsigned n = atomic_load(&lg->n);
	if (n > IPL_DEMO_EVENTS)
		n = IPL_DEMO_EVENTS;
	for (unsigned i = 0; i < n; i++) {
		const struct ipl_demo_ev *e = &lg->ev[i];
		const char *sc = e->side == IPL_DEMO_CLIENT ? C_CLIENT : e->side == IPL_DEMO_SERVER ? C_SERVER : C_DIM;
		if (e->kind == IPL_DEMO_HEAD) {
			printf("\n%s== %s%s\n", col(o, C_BOLD), e->text, col(o, C_RESET));
			continue;
		}
		if (o->rpc && e->rpc_step)
			printf("%s[%s]%s %s-- RPC step %s --%s\n", col(o, sc), side_name(e->side), col(o, C_RESET),
			       col(o, C_BOLD), rpc_step_name(e->rpc_step), col(o, C_RESET));
		printf("%s[%s]%s ", col(o, sc), side_name(e->side), col(o, C_RESET));
		if (e->kind == IPL_DEMO_TEXT) {
			printf("%s\n", e->text);
			continue;
		}
		if (e->kind == IPL_DEMO_RECV) {
			if (e->nbytes > 0)
				printf("%s -> %lld bytes\n", e->text, (long long)e->nbytes);
			else if (e->nbytes == 0)
				printf("%s -> 0 (end of file: the peer closed its end)\n", e->text);
			else
				printf("%s -> %s\n", e->text, ipl_strerror((int)e->nbytes));
			continue;
		}
		/* SEND */
		printf("%s: %lld bytes\n", e->text, (long long)e->nbytes);
		if (o->rpc) {
			if (ipl_demo_rpc_annotate(e->data, e->datalen, row, (void *)o) < 0)
				payload_rows(o, 0, e->data, e->datalen, (size_t)e->nbytes, "bytes");
			continue;
		}
		if (e->datalen >= IPL_HDR_SIZE && e->data[5] != IPL_OP_ECHO) {
			char fl[32];
			flags_text(ipl_get_be16(e->data + 6), fl, sizeof fl);
			printf("           %s: magic IPL1, op %u = %s, flags %s, seq %llu, len %u%s\n",
			       (ipl_get_be16(e->data + 6) & IPL_FLAG_REPLY) ? "reply" : "request", e->data[5],
			       op_name(e->data[5]), fl, (unsigned long long)ipl_get_be64(e->data + 8),
			       ipl_get_be32(e->data + 16),
			       e->data[5] == IPL_OP_HELLO && ipl_get_be32(e->data + 16) == 4
				       ? "" : "");
			if (e->data[5] == IPL_OP_HELLO && e->datalen >= IPL_HDR_SIZE + 4)
				printf("           payload: the server's payload cap, %u bytes\n",
				       ipl_get_be32(e->data + IPL_HDR_SIZE));
			continue;
		}
		annotate_ipl(o, e->data, e->datalen, (size_t)e->nbytes);
	}
}

/* ---- the exchange -------------------------------------------------------- */

static const char demo_usage[] =
	"usage: ipclab demo MECH [options]\n"
	"\n"
	"Walks one exchange over MECH step by step: what each side creates, which\n"
	"system calls carry the request and the reply, the request's bytes field by\n"
	"field, and the teardown.  The exchange is real (the library's own code,\n"
	"traced), so addresses, ports, fds and checksums are this run's.\n"
	"For rpc it shows the ONC RPC CALL and REPLY in XDR, labelled with the steps\n"
	"of a remote procedure call.  See docs/labs/ for exercises.\n"
	"\n"
	"  -p, --payload TEXT   the ECHO payload (default \"" DEFAULT_PAYLOAD "\")\n"
	"      --via MECH       carrier for rpc: unix (default) or tcp\n"
	"  -h, --help           this text\n"
	"\n"
	"Colour is used only when stdout is a terminal and NO_COLOR is not set.\n"
	"Exit status: 0 the exchange completed and verified, 1 it failed, 2 bad usage.\n";

/* The client's exchange over c: HELLO, one ECHO (verified), BYE. */
static int client_exchange(struct ipl_demo_log *lg, struct ipl_conn *c, const char *payload, uint32_t len)
{
	const int C = IPL_DEMO_CLIENT;
	uint32_t cap = 0;
	ipl_demo_say(lg, C, IPL_DEMO_HEAD, "3. HELLO: the client learns the server's payload cap");
	int rc = ipl_client_hello(c, &cap);
	if (rc < 0) {
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "HELLO failed: %s", ipl_strerror(rc));
		return rc;
	}
	ipl_demo_say(lg, C, IPL_DEMO_TEXT, "server cap: %u bytes", cap);

	ipl_demo_say(lg, C, IPL_DEMO_HEAD, "4. ECHO: the request (header + payload), the server's answer, the client's check");
	struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .flags = IPL_FLAG_CRC,
			     .seq = 1, .len = len, .crc = ipl_crc32c(0, payload, len) };
	ipl_demo_say(lg, C, IPL_DEMO_TEXT, "ipl_msg_send(): encodes the 24-byte header in network byte order and "
		     "hands header + payload to the mechanism as one message (one iovec pair)");
	rc = ipl_msg_send(c, &h, payload);
	if (rc < 0) {
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "send failed: %s", ipl_strerror(rc));
		return rc;
	}
	struct ipl_hdr r;
	struct ipl_buf b = { 0 };
	rc = ipl_msg_recv(c, cap ? cap : IPL_DEFAULT_CAP, &r, &b);
	if (rc == 0) {
		int ok = r.seq == h.seq && r.len == len && r.op == IPL_OP_ECHO && (!len || !memcmp(b.p, payload, len));
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "ipl_msg_recv(): header validated (magic, version, op, len <= cap, crc); "
			     "seq %llu %s, len %u %s, payload %s",
			     (unsigned long long)r.seq, r.seq == h.seq ? "matches" : "DIFFERS", r.len,
			     r.len == len ? "matches" : "DIFFERS",
			     len && !memcmp(b.p, payload, len) ? "matches byte for byte" : len ? "DIFFERS" : "empty");
		if (!ok)
			rc = IPL_EPAYLOAD;
	} else {
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "receive failed: %s", ipl_strerror(rc));
	}
	ipl_buf_free(&b);
	if (rc < 0)
		return rc;
	ipl_demo_say(lg, C, IPL_DEMO_HEAD, "5. teardown");
	ipl_demo_say(lg, C, IPL_DEMO_TEXT, "BYE: an orderly close; the server answers BYE and closes its end");
	rc = ipl_client_bye(c);
	if (rc < 0)
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "BYE failed: %s", ipl_strerror(rc));
	return rc;
}

struct demo_cfg {
	const struct ipl_transport *tp;  /* what is demonstrated */
	const struct ipl_transport *car; /* what carries the bytes (== tp unless rpc) */
	int rpc;
	const struct ipl_transport *via; /* carrier of a layered cfg.car */
	const char *payload;
};

/* The forked server: attach, accept one client, serve it, clean up. */
static int server_main(const struct demo_cfg *cfg, struct ipl_endpoint *ep, struct ipl_demo_log *lg)
{
	const int S = IPL_DEMO_SERVER;
	const char *mech = cfg->car->name;
	signal(SIGPIPE, SIG_IGN);
	int rc = ipl_endpoint_attach_server(ep);
	if (rc < 0) {
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "attach_server failed: %s", ipl_strerror(rc));
		return rc;
	}
	if (!strcmp(mech, "pipe"))
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "after fork(): keeps the request pipe's read end and the reply "
			     "pipe's write end, closes the other two (else EOF would never come)");
	struct ipl_conn *in = NULL;
	if (!strcmp(mech, "oncrpc"))
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "accept: hands the listening socket to libtirpc (svc_vc_create) and "
			     "runs its service loop (poll + svc_getreq_poll): libtirpc accepts the client, reads each "
			     "CALL, runs the server stub and writes the REPLY, all inside this call, until told to stop");
	rc = ipl_endpoint_accept(ep, &in);
	if (rc == IPL_ECANCELED) {
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "the service loop stopped (SIGTERM from the parent once the client "
			     "was done); libtirpc closed the connection");
		return 0;
	}
	if (rc < 0) {
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "accept failed: %s", ipl_strerror(rc));
		return rc;
	}
	explain_accept(lg, mech);
	describe_conn(lg, S, in, mech);
	struct ipl_conn *c = ipl_demo_trace_conn(in, lg, S);
	if (!c)
		return -ENOMEM;
	if (cfg->rpc) {
		rc = ipl_demo_rpc_server(lg, c);
	} else {
		struct ipl_serve_stats st = { 0 };
		rc = ipl_serve_conn(c, ep->opts.cap, &st);
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "ipl_serve_conn() returned %s after %llu requests (%llu refused)",
			     rc < 0 ? ipl_strerror(rc) : "0", (unsigned long long)st.msgs, (unsigned long long)st.bad);
	}
	ipl_conn_detach(c);
	ipl_demo_say(lg, S, IPL_DEMO_TEXT, "detach: closes its end of the connection%s",
		     !strcmp(mech, "shm") ? " (munmap of the segment)" : "");
	return rc;
}

/* The server child's endpoint, for its SIGTERM handler. */
static struct ipl_endpoint *stop_ep;

static void on_term(int sig)
{
	(void)sig;
	if (stop_ep)
		ipl_endpoint_cancel(stop_ep); /* async-signal-safe: an atomic store */
}

static int use_color(void)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(nc && *nc);
}

int ipl_cmd_demo(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "payload", required_argument, NULL, 'p' },
		{ "via", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct demo_cfg cfg = { .payload = DEFAULT_PAYLOAD };
	const struct ipl_transport *via = NULL;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":p:h", longs, NULL)) != -1) {
		switch (c) {
		case 'p': cfg.payload = optarg; break;
		case 'V':
			via = ipl_transport_find(optarg);
			if (!via || (via->caps & IPL_CAP_LAYERED) || !(via->caps & IPL_CAP_BYTES)) {
				fprintf(stderr, "ipclab demo: bad --via '%s' (a byte-stream mechanism such as tcp or unix)\n", optarg);
				return 2;
			}
			break;
		case 'h': fputs(demo_usage, stdout); return 0;
		case ':': fprintf(stderr, "ipclab demo: option '%s' needs a value (try 'ipclab demo --help')\n", argv[optind - 1]); return 2;
		default: fprintf(stderr, "ipclab demo: unknown option '%s' (try 'ipclab demo --help')\n", argv[optind - 1]); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "ipclab demo: name one mechanism (see `ipclab list`) (try 'ipclab demo --help')\n");
		return 2;
	}
	cfg.tp = ipl_transport_find(argv[optind]);
	if (!cfg.tp) {
		fprintf(stderr, "ipclab demo: unknown mechanism '%s' (see `ipclab list`)\n", argv[optind]);
		return 2;
	}
	size_t plen = strlen(cfg.payload);
	if (plen > 4096) {
		fprintf(stderr, "ipclab demo: --payload longer than 4096 bytes\n");
		return 2;
	}
	cfg.car = cfg.tp;
	if ((cfg.tp->caps & IPL_CAP_LAYERED) && !strcmp(cfg.tp->name, "rpc")) {
		if (!ipl_demo_rpc_available()) {
			fprintf(stderr, "ipclab demo: this build has no rpc stubs to walk through\n");
			return 1;
		}
		/* the RPC walk-through drives rpc/'s stubs over a traced carrier */
		cfg.rpc = 1;
		cfg.car = via ? via : ipl_transport_find("unix");
	} else if (cfg.tp->caps & IPL_CAP_LAYERED) {
		/* another layer (oncrpc: libtirpc) owns its carrier: the exchange
		 * is traced where it enters and leaves the layer */
		cfg.via = via;
	} else if (via) {
		fprintf(stderr, "ipclab demo: --via applies to layered mechanisms (rpc) only\n");
		return 2;
	}

	struct ipl_demo_log *lg = mmap(NULL, sizeof *lg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (lg == MAP_FAILED) {
		fprintf(stderr, "ipclab demo: mmap: %s\n", strerror(errno));
		return 1;
	}
	struct out o = { .color = use_color(), .mech = cfg.tp->name, .rpc = cfg.rpc };
	const char *mech = cfg.car->name;

	printf("%sipclab demo %s%s%s: one exchange, step by step%s\n", col(&o, C_BOLD), cfg.tp->name,
	       cfg.rpc ? " over " : "", cfg.rpc ? mech : "", col(&o, C_RESET));
	printf("%s: %s\n", cfg.tp->name, cfg.tp->summary);
	if (cfg.rpc)
		printf("The client program calls the ECHO procedure of the ipclab RPC program through a client stub;\n"
		       "the call travels as one ONC RPC v2 record (RFC 5531, XDR per RFC 4506) over a %s connection.\n",
		       mech);
	else
		printf("The client sends one ECHO request (the common 24-byte header + payload) and checks the reply.\n");
	if (!cfg.rpc && (cfg.tp->caps & IPL_CAP_LAYERED))
		printf("%s is a layer that owns its carrier connection, so the exchange is traced where it enters and\n"
		       "leaves the layer; the bytes between are ONC RPC records like those `ipclab demo rpc` shows.\n",
		       cfg.tp->name);
	printf("Two processes: this one (pid %d) prepares the endpoint and is the client; it forks the server.\n",
	       (int)getpid());
	printf("Lines marked [server] happened in the server process; the log is printed in the order events happened.\n");
	fflush(stdout);

	struct ipl_endpoint ep;
	struct ipl_tp_opts tpo = { .max_clients = 1, .timeout_ms = 5000, .via = cfg.via };
	ipl_endpoint_init(&ep, cfg.car, &tpo, NULL);
	ipl_demo_say(lg, IPL_DEMO_SETUP, IPL_DEMO_HEAD, "1. setup: the server side's endpoint (before fork)");
	int rc = ipl_endpoint_prepare(&ep);
	if (rc < 0) {
		fprintf(stderr, "ipclab demo: %s: prepare: %s\n", mech, ipl_strerror(rc));
		munmap(lg, sizeof *lg);
		return 1;
	}
	explain_prepare(lg, &ep, mech);
	if (ep.addr[0])
		ipl_demo_say(lg, IPL_DEMO_SETUP, IPL_DEMO_TEXT, "ep->addr = \"%s\"  (what a client connects to)", ep.addr);
	else
		ipl_demo_say(lg, IPL_DEMO_SETUP, IPL_DEMO_TEXT, "ep->addr is empty: there is no name to connect to; only "
			     "processes that inherit the fds (parent and child) can use the channel");
	ipl_demo_say(lg, IPL_DEMO_SETUP, IPL_DEMO_TEXT, "fork(): the child becomes the server");
	ipl_demo_say(lg, IPL_DEMO_SETUP, IPL_DEMO_HEAD, "2. connect");

	alarm(30); /* a demo that hangs is a bug; the default action ends it */
	sigset_t term, old;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	pid_t pid = fork();
	if (pid == 0) {
		/* SIGTERM (held since before fork) stops a server whose accept runs
		 * a service loop instead of returning a conn (oncrpc) */
		struct sigaction sa = { .sa_handler = on_term };
		sigemptyset(&sa.sa_mask);
		stop_ep = &ep;
		sigaction(SIGTERM, &sa, NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		int src = server_main(&cfg, &ep, lg);
		ipl_endpoint_cleanup(&ep);
		_exit(src < 0 ? 1 : 0);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		fprintf(stderr, "ipclab demo: fork: %s\n", strerror(errno));
		ipl_endpoint_cleanup(&ep);
		munmap(lg, sizeof *lg);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	explain_attach_client(lg, mech, ep.addr);
	struct ipl_conn *in = NULL;
	rc = ipl_endpoint_attach_client(&ep, 0, &in);
	ipl_endpoint_release(&ep); /* the client keeps only its own channel */
	if (rc == 0) {
		describe_conn(lg, IPL_DEMO_CLIENT, in, mech);
		struct ipl_conn *tc = ipl_demo_trace_conn(in, lg, IPL_DEMO_CLIENT);
		if (!tc)
			rc = -ENOMEM;
		else if (cfg.rpc)
			rc = ipl_demo_rpc_client(lg, tc, cfg.payload, (uint32_t)plen);
		else
			rc = client_exchange(lg, tc, cfg.payload, (uint32_t)plen);
		ipl_conn_detach(tc);
		ipl_demo_say(lg, IPL_DEMO_CLIENT, IPL_DEMO_TEXT, "detach: closes its end%s",
			     !strcmp(mech, "shm") ? " (munmap of the segment)" : "");
	} else {
		ipl_demo_say(lg, IPL_DEMO_CLIENT, IPL_DEMO_TEXT, "attach_client failed: %s", ipl_strerror(rc));
	}
	/* the server usually ends by itself after BYE; one still running a
	 * service loop is told to stop (harmless for the others) */
	kill(pid, SIGTERM);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	alarm(0);
	ipl_demo_say(lg, IPL_DEMO_SETUP, IPL_DEMO_TEXT, "waitpid(): the server exited with status %d",
		     WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	ipl_endpoint_cleanup(&ep);
	if (!strcmp(mech, "tcp"))
		ipl_demo_say(lg, IPL_DEMO_SETUP, IPL_DEMO_TEXT, "cleanup: the listening socket is closed; the port "
			     "is free again (the side that closed first keeps a TIME_WAIT entry for a while: see `ss -tan`)");
	else if (!strcmp(mech, "unix") || !strcmp(mech, "seqpacket"))
		ipl_demo_say(lg, IPL_DEMO_SETUP, IPL_DEMO_TEXT, "cleanup: unlink(\"%s\") and rmdir of the private directory: "
			     "a socket path outlives its socket unless removed", ep.addr[0] ? ep.addr : "sock");
	else if (!strcmp(mech, "fifo"))
		ipl_demo_say(lg, IPL_DEMO_SETUP, IPL_DEMO_TEXT, "cleanup: unlink(announce) and rmdir: a FIFO persists in the "
			     "file system until it is removed");
	else if (!strcmp(mech, "shm"))
		ipl_demo_say(lg, IPL_DEMO_SETUP, IPL_DEMO_TEXT, "cleanup: shm_unlink(rendezvous): a shared memory object "
			     "persists (in /dev/shm) until it is unlinked");
	else if (!strcmp(mech, "mq"))
		ipl_demo_say(lg, IPL_DEMO_SETUP, IPL_DEMO_TEXT, "cleanup: mq_unlink(\"%s\"): a queue persists "
			     "(in /dev/mqueue, when mounted) until it is unlinked", ep.addr);
	else if (!strcmp(mech, "pipe"))
		ipl_demo_say(lg, IPL_DEMO_SETUP, IPL_DEMO_TEXT, "cleanup: nothing to remove: a pipe disappears with the "
			     "last fd that refers to it");
	print_log(&o, lg);
	int ok = rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	printf("\n%s%s%s\n", col(&o, C_BOLD), ok ? "result: the exchange completed and the reply verified"
			     : "result: the exchange FAILED", col(&o, C_RESET));
	if (!ok && rc < 0)
		printf("reason: %s\n", ipl_strerror(rc));
	munmap(lg, sizeof *lg);
	return ok ? 0 : 1;
}
