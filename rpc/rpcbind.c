/* rpcbind.c - see rpcbind.h.  The codec first (pure functions over
 * buffers), then universal addresses, then a session: connect, call with
 * version fallback, close. */
#include "rpc/rpcbind.h"

#include "common/err.h"
#include "rpc/rpcdgram.h"
#include "common/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define IPPROTO_TCP_NUM 6u /* portmap's prot field: IPPROTO_TCP, IPPROTO_UDP */
#define IPPROTO_UDP_NUM 17u

/* ======================= the codec ====================================== */

/* portmap's prot for a netid; 0 when version 2 cannot name it. */
static uint32_t netid_prot(const char *netid)
{
	if (!strcmp(netid, "tcp"))
		return IPPROTO_TCP_NUM;
	if (!strcmp(netid, "udp"))
		return IPPROTO_UDP_NUM;
	return 0;
}

/* The port of an IP universal address (its last two dot-separated
 * numbers); -1 when it has none. */
static int uaddr_port(const char *uaddr)
{
	char hp[IPL_RPCB_STR_MAX + 8];
	uint16_t port;
	if (ipl_rpcb_uaddr_to_hostport(uaddr, hp, sizeof hp, &port) < 0)
		return -1;
	return port;
}

/* The arguments: an rpcb (versions 3, 4) or a mapping (version 2). */
static int put_args(struct ipl_xdr_enc *x, uint32_t vers, const struct ipl_rpcb_map *m)
{
	const char *uaddr = m->uaddr ? m->uaddr : "";
	if (strlen(m->netid) > IPL_RPCB_STR_MAX || strlen(uaddr) > IPL_RPCB_STR_MAX)
		return IPL_EXDR;
	if (vers == 2) {
		uint32_t prot = netid_prot(m->netid);
		int port = *uaddr ? uaddr_port(uaddr) : 0;
		if (!prot || port < 0)
			return IPL_EUNSUPP;
		ipl_xdr_put_u32(x, m->prog);
		ipl_xdr_put_u32(x, m->vers);
		ipl_xdr_put_u32(x, prot);
		ipl_xdr_put_u32(x, (uint32_t)port);
		return 0;
	}
	char owner[16];
	snprintf(owner, sizeof owner, "%u", (unsigned)geteuid()); /* as libtirpc sends it */
	ipl_xdr_put_u32(x, m->prog);
	ipl_xdr_put_u32(x, m->vers);
	ipl_xdr_put_string(x, m->netid);
	ipl_xdr_put_string(x, uaddr);
	ipl_xdr_put_string(x, owner);
	return 0;
}

int ipl_rpcb_encode_call(uint8_t *buf, size_t cap, uint32_t xid, uint32_t vers, uint32_t proc,
			 const struct ipl_rpcb_map *m)
{
	struct ipl_xdr_enc x;
	struct ipl_rpc_call c = {
		.xid = xid,
		.rpcvers = IPL_RPC_VERS,
		.prog = IPL_RPCB_PROG,
		.vers = vers,
		.proc = proc,
		.cred = { .flavor = IPL_RPC_AUTH_NONE },
		.verf = { .flavor = IPL_RPC_AUTH_NONE },
	};
	ipl_xdr_enc_init(&x, buf, cap);
	ipl_rpc_call_encode(&x, &c);
	int rc = put_args(&x, vers, m);
	if (rc < 0)
		return rc;
	return x.err ? IPL_EXDR : (int)x.len;
}

/* The results of a SUCCESS reply, which must be all that is left. */
static int get_results(struct ipl_xdr_dec *x, uint32_t vers, uint32_t proc, struct ipl_rpcb_result *out)
{
	if (proc == IPL_RPCB_SET || proc == IPL_RPCB_UNSET) {
		out->ok = ipl_xdr_get_bool(x);
	} else if (vers == 2) {
		uint32_t port = ipl_xdr_get_u32(x);
		if (port > 65535)
			return IPL_EXDR;
		out->port = port;
	} else {
		ipl_xdr_get_string(x, IPL_RPCB_STR_MAX, out->uaddr, sizeof out->uaddr);
	}
	return x->err || ipl_xdr_left(x) ? IPL_EXDR : 0;
}

int ipl_rpcb_decode_reply(const uint8_t *rec, size_t len, uint32_t xid, uint32_t vers, uint32_t proc,
			  struct ipl_rpcb_result *out)
{
	struct ipl_xdr_dec x;
	memset(out, 0, sizeof *out);
	ipl_xdr_dec_init(&x, rec, len);
	int rc = ipl_rpc_reply_decode(&x, &out->hdr);
	if (rc < 0)
		return rc;
	if (out->hdr.xid != xid)
		return IPL_ESEQ;
	if (out->hdr.stat != IPL_RPC_MSG_ACCEPTED || out->hdr.accept_stat != IPL_RPC_SUCCESS)
		return IPL_ERPC;
	return get_results(&x, vers, proc, out);
}

/* ======================= universal addresses ============================ */

int ipl_rpcb_uaddr_from_hostport(const char *hostport, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon;
	size_t hl;
	if (hostport[0] == '[') {
		const char *rb = strchr(hostport, ']');
		if (!rb || rb[1] != ':')
			return IPL_EADDR;
		hl = (size_t)(rb - hostport - 1);
		hostport++;
		colon = rb + 1;
	} else {
		colon = strrchr(hostport, ':');
		if (!colon || strchr(hostport, ':') != colon)
			return IPL_EADDR;
		hl = (size_t)(colon - hostport);
	}
	if (hl == 0 || hl >= sizeof host)
		return IPL_EADDR;
	memcpy(host, hostport, hl);
	host[hl] = '\0';
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	unsigned char bin[16];
	int fam = strchr(host, ':') ? AF_INET6 : AF_INET;
	if (!colon[1] || *end || errno || port > 65535 || inet_pton(fam, host, bin) != 1)
		return IPL_EADDR;
	int n = snprintf(out, outlen, "%s.%lu.%lu", host, port >> 8, port & 255);
	return n < 0 || (size_t)n >= outlen ? IPL_EADDR : 0;
}

/* A decimal 0..255 of 1..3 digits at s[0..n). */
static int port_byte(const char *s, size_t n)
{
	if (n == 0 || n > 3)
		return -1;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > 255 ? -1 : v;
}

int ipl_rpcb_uaddr_to_hostport(const char *uaddr, char *out, size_t outlen, uint16_t *port)
{
	size_t n = strnlen(uaddr, IPL_RPCB_STR_MAX + 1);
	const char *d2 = memrchr(uaddr, '.', n);
	const char *d1 = d2 ? memrchr(uaddr, '.', (size_t)(d2 - uaddr)) : NULL;
	if (!d1 || n > IPL_RPCB_STR_MAX)
		return IPL_EADDR;
	int hi = port_byte(d1 + 1, (size_t)(d2 - d1 - 1));
	int lo = port_byte(d2 + 1, (size_t)(uaddr + n - d2 - 1));
	char host[INET6_ADDRSTRLEN + 1];
	size_t hl = (size_t)(d1 - uaddr);
	if (hi < 0 || lo < 0 || hl == 0 || hl >= sizeof host)
		return IPL_EADDR;
	memcpy(host, uaddr, hl);
	host[hl] = '\0';
	unsigned char bin[16];
	int v6 = strchr(host, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, bin) != 1)
		return IPL_EADDR;
	*port = (uint16_t)(hi * 256 + lo);
	int w = snprintf(out, outlen, v6 ? "[%s]:%u" : "%s:%u", host, (unsigned)*port);
	return w < 0 || (size_t)w >= outlen ? IPL_EADDR : 0;
}

/* ======================= a session ====================================== */

/* A bound on each wait for rpcbind, so a silent one cannot hang a server's
 * start or stop.  Best effort: a carrier without an fd keeps its own (udp:
 * its receive slice, which dgram_call counts against the bound). */
static void set_timeout(struct ipl_conn *c, int ms)
{
	if (!c->tp->conn_fd)
		return;
	int fd = c->tp->conn_fd(c);
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	}
}

int ipl_rpcb_open(struct ipl_rpcb *b, const struct ipl_transport *tp, const char *addr, int timeout_ms)
{
	memset(b, 0, sizeof *b);
	/* an xid a stale reply from an earlier session is unlikely to carry */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	b->xid = (uint32_t)getpid() * 2654435761u ^ (uint32_t)ts.tv_nsec;
	b->timeout_ms = timeout_ms > 0 ? timeout_ms : IPL_RPCB_TIMEOUT_MS;
	ipl_endpoint_init(&b->ep, tp, NULL, addr);
	/* a datagram is one whole RPC message: udp checks no ipclab header */
	b->dgram = (tp->caps & IPL_CAP_DATAGRAM) != 0;
	b->ep.opts.raw_dgram = b->dgram;
	int rc = ipl_endpoint_attach_client(&b->ep, 0, &b->conn);
	if (rc < 0)
		return rc;
	set_timeout(b->conn, b->timeout_ms);
	return 0;
}

void ipl_rpcb_close(struct ipl_rpcb *b)
{
	ipl_conn_detach(b->conn);
	b->conn = NULL;
	ipl_endpoint_cleanup(&b->ep);
	ipl_buf_free(&b->tx);
	ipl_buf_free(&b->rx);
}

/* Over udp: the call rec[0..n) as one datagram, sent again whenever the
 * wait for a reply passes 1, 2, 4, ... receive slices (as rpcdgram.c's
 * client), until b->timeout_ms has gone by.  A reply to another xid (a late
 * answer to an earlier call or try) is skipped.  Returns as call(). */
static int dgram_call(struct ipl_rpcb *b, const uint8_t *rec, size_t n, uint32_t xid, uint32_t vers, uint32_t proc)
{
	/* the whole datagram in one read: udp hands a longer one out in pieces */
	int rc = ipl_buf_reserve(&b->rx, IPL_RPC_DG_MAX + 1);
	struct iovec iov = { (void *)rec, n };
	uint64_t deadline = ipl_now_ms() + (uint64_t)b->timeout_ms;
	unsigned slices = 0, wait = 1;
	if (rc == 0)
		rc = ipl_conn_send(b->conn, &iov, 1);
	while (rc == 0) {
		ssize_t got = ipl_conn_recv(b->conn, b->rx.p, IPL_RPC_DG_MAX + 1);
		if (got == -ETIMEDOUT) {
			if (ipl_now_ms() >= deadline)
				return -ETIMEDOUT;
			if (++slices >= wait) {
				slices = 0;
				wait *= 2;
				rc = ipl_conn_send(b->conn, &iov, 1);
			}
			continue;
		}
		if (got <= 0)
			return got == 0 ? IPL_ECLOSED : (int)got;
		if ((size_t)got > IPL_RPCB_REPLY_MAX)
			return IPL_ETOOBIG;
		b->vers = vers;
		rc = ipl_rpcb_decode_reply(b->rx.p, (size_t)got, xid, vers, proc, &b->last);
		if (rc != IPL_ESEQ)
			return rc;
		rc = ipl_now_ms() < deadline ? 0 : -ETIMEDOUT;
	}
	return rc;
}

/* One call and its reply, in b->last.  Returns as ipl_rpcb_decode_reply
 * or the transport's code. */
static int call(struct ipl_rpcb *b, uint32_t vers, uint32_t proc, const struct ipl_rpcb_map *m)
{
	size_t need = 64 + 3 * (IPL_RPCB_STR_MAX + 8);
	int rc = ipl_buf_reserve(&b->tx, need);
	if (rc < 0)
		return rc;
	uint32_t xid = b->xid++;
	int n = ipl_rpcb_encode_call(b->tx.p, need, xid, vers, proc, m);
	if (n < 0)
		return n;
	if (b->dgram)
		return dgram_call(b, b->tx.p, (size_t)n, xid, vers, proc);
	rc = ipl_rpc_write_record(b->conn, b->tx.p, (size_t)n, 0);
	size_t len = 0;
	if (rc == 0)
		rc = ipl_rpc_read_record(b->conn, IPL_RPCB_REPLY_MAX, &b->rx, &len);
	if (rc == -EAGAIN)
		return -ETIMEDOUT; /* SO_RCVTIMEO ran out: say so */
	if (rc < 0)
		return rc;
	b->vers = vers;
	return ipl_rpcb_decode_reply(b->rx.p, len, xid, vers, proc, &b->last);
}

/* Whether a refusal means "not this version of rpcbind": try an older one. */
static int version_refused(const struct ipl_rpcb *b, int rc)
{
	const struct ipl_rpc_reply *h = &b->last.hdr;
	return rc == IPL_ERPC && h->stat == IPL_RPC_MSG_ACCEPTED &&
	       (h->accept_stat == IPL_RPC_PROG_MISMATCH || h->accept_stat == IPL_RPC_PROG_UNAVAIL ||
		h->accept_stat == IPL_RPC_PROC_UNAVAIL);
}

/* proc with versions 4, 3, then 2 (when m can be said in version 2). */
static int call_fallback(struct ipl_rpcb *b, uint32_t proc, const struct ipl_rpcb_map *m)
{
	static const uint32_t versions[] = { 4, 3, 2 };
	int rc = IPL_EUNSUPP;
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
		if (versions[i] == 2 && !netid_prot(m->netid))
			return rc == IPL_ERPC ? IPL_EUNSUPP : rc;
		rc = call(b, versions[i], proc, m);
		if (!version_refused(b, rc))
			return rc;
	}
	return rc;
}

int ipl_rpcb_set(struct ipl_rpcb *b, const struct ipl_rpcb_map *m)
{
	int rc = call_fallback(b, IPL_RPCB_SET, m);
	return rc < 0 ? rc : b->last.ok ? 0 : IPL_EREFUSED;
}

int ipl_rpcb_unset(struct ipl_rpcb *b, const struct ipl_rpcb_map *m)
{
	struct ipl_rpcb_map u = *m;
	u.uaddr = ""; /* rpcbind ignores it; portmap wants port 0 */
	int rc = call_fallback(b, IPL_RPCB_UNSET, &u);
	return rc < 0 ? rc : b->last.ok ? 0 : IPL_ENOTREG;
}

/* host:port, bracketed when host is an IPv6 literal. */
static int join_hostport(const char *host, unsigned port, char *addr, size_t len)
{
	int n = snprintf(addr, len, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
	return n < 0 || (size_t)n >= len ? IPL_EADDR : 0;
}

/* A version 3/4 answer as somewhere to connect. */
static int uaddr_to_connect(const char *uaddr, const char *netid, const char *host, char *addr, size_t len)
{
	if (!strcmp(netid, "local") || !strcmp(netid, "unix")) {
		int n = snprintf(addr, len, "%s", uaddr);
		return n < 0 || (size_t)n >= len || uaddr[0] != '/' ? IPL_EADDR : 0;
	}
	uint16_t port;
	int rc = ipl_rpcb_uaddr_to_hostport(uaddr, addr, len, &port);
	if (rc < 0 || port == 0) /* port 0: nowhere to send a call */
		return rc < 0 ? rc : IPL_EADDR;
	/* a server listening on every address: reach it where rpcbind is */
	if (!strncmp(addr, "0.0.0.0:", 8) || !strncmp(addr, "[::]:", 5))
		return join_hostport(host, port, addr, len);
	return 0;
}

int ipl_rpcb_getaddr(struct ipl_rpcb *b, const struct ipl_rpcb_map *m, const char *host, char *addr, size_t len)
{
	struct ipl_rpcb_map q = *m;
	q.uaddr = "";
	int rc = call_fallback(b, IPL_RPCB_GETADDR, &q);
	if (rc < 0)
		return rc;
	if (b->vers == 2)
		return b->last.port ? join_hostport(host, b->last.port, addr, len) : IPL_ENOTREG;
	if (!b->last.uaddr[0])
		return IPL_ENOTREG;
	return uaddr_to_connect(b->last.uaddr, m->netid, host, addr, len);
}
