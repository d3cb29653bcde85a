/* bind.c - `serve --register` and `bench --connect HOST` (see bind.h). */
#include "bench/cli/bind.h"
#include "bench/registry/registry.h"
#include "common/err.h"
#include "rpc/rpcbind.h"
#include "rpc/rpcprog.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Opens a session with this host's rpcbind: its unix socket first (where
 * rpcbind knows our uid, so it lets us register and take back our own
 * entries), else 127.0.0.1:111.  0 or -1 with err. */
static int open_local(struct ipl_rpcb *b, char *err, size_t errlen)
{
	const struct ipl_transport *ux = ipl_transport_find("unix"), *tcp = ipl_transport_find("tcp");
	int rc_ux = IPL_EUNSUPP, rc_tcp = IPL_EUNSUPP;
	if (ux) {
		rc_ux = ipl_rpcb_open(b, ux, IPL_RPCB_SOCK, 0);
		if (rc_ux == 0)
			return 0;
		ipl_rpcb_close(b);
	}
	if (tcp) {
		rc_tcp = ipl_rpcb_open(b, tcp, "127.0.0.1:111", 0);
		if (rc_tcp == 0)
			return 0;
		ipl_rpcb_close(b);
	}
	snprintf(err, errlen,
		 "no rpcbind on this host (%s: %s; 127.0.0.1:111: %s): start rpcbind, or "
		 "serve without --register",
		 IPL_RPCB_SOCK, ipl_strerror(rc_ux), ipl_strerror(rc_tcp));
	return -1;
}

/* The transport that carries netid: udp for "udp"/"udp6", else tcp. */
static const struct ipl_transport *netid_transport(const char *netid)
{
	return ipl_transport_find(!strncmp(netid, "udp", 3) ? "udp" : "tcp");
}

/* A session with this host's rpcbind over netid's own transport: rpcbind
 * answers GETADDR for the netid of the transport the question came in on
 * (RFC 1833), not for the one named in it; so a udp entry is asked for
 * over udp.  0 or -1 with err. */
static int open_for_netid(struct ipl_rpcb *b, const char *netid, char *err, size_t errlen)
{
	const struct ipl_transport *tp = netid_transport(netid);
	const char *at = strchr(netid, '6') ? "[::1]:111" : "127.0.0.1:111";
	if (!strcmp(netid, "local"))
		return open_local(b, err, errlen);
	int rc = tp ? ipl_rpcb_open(b, tp, at, 0) : IPL_EUNSUPP;
	if (rc == 0)
		return 0;
	ipl_rpcb_close(b);
	snprintf(err, errlen, "no rpcbind at %s: %s", at, ipl_strerror(rc));
	return -1;
}

/* The netid and universal address of where ep listens. */
static int describe_ep(const struct ipl_endpoint *ep, const struct ipl_transport *car,
		       struct ipl_bind_reg *reg, char *err, size_t errlen)
{
	if (car && !strcmp(car->name, "unix")) {
		snprintf(reg->netid, sizeof reg->netid, "local");
		snprintf(reg->uaddr, sizeof reg->uaddr, "%s", ep->addr);
		return 0;
	}
	if (car && (!strcmp(car->name, "tcp") || !strcmp(car->name, "udp"))) {
		snprintf(reg->netid, sizeof reg->netid, "%s%s", car->name, ep->addr[0] == '[' ? "6" : "");
		if (ipl_rpcb_uaddr_from_hostport(ep->addr, reg->uaddr, sizeof reg->uaddr) == 0)
			return 0;
		snprintf(err, errlen, "--register: cannot make a universal address of '%s'", ep->addr);
		return -1;
	}
	snprintf(err, errlen, "--register: rpcbind names tcp, udp and unix sockets, not %s (use --via tcp or udp)",
		 car ? car->name : "this mechanism");
	return -1;
}

/* What rpcbind holds for (prog, vers, netid) into b->last.uaddr (asked
 * over the netid's transport).  0, IPL_ENOTREG, or -1 with err. */
static int registered(struct ipl_rpcb_result *last, const struct ipl_rpcb_map *m, char *err, size_t errlen)
{
	struct ipl_rpcb q;
	char addr[IPL_ADDR_MAX];
	if (open_for_netid(&q, m->netid, err, errlen) < 0)
		return -1;
	int rc = ipl_rpcb_getaddr(&q, m, "127.0.0.1", addr, sizeof addr);
	*last = q.last;
	if (q.vers == 2 && rc == 0) /* a port only: as a universal address */
		snprintf(last->uaddr, sizeof last->uaddr, "127.0.0.1.%u.%u", q.last.port >> 8, q.last.port & 255);
	ipl_rpcb_close(&q);
	if (rc == IPL_ENOTREG || rc == 0 || rc == IPL_EADDR)
		return rc == IPL_ENOTREG ? rc : 0;
	snprintf(err, errlen, "asking rpcbind: %s", ipl_strerror(rc));
	return -1;
}

/* Takes back what is registered for (prog, vers, netid), saying what it
 * was: a killed server leaves its entry behind, and SET refuses a taken
 * (prog, vers, netid). */
static int replace_stale(struct ipl_rpcb *b, const struct ipl_rpcb_map *m, char *err, size_t errlen)
{
	struct ipl_rpcb_result old;
	int rc = registered(&old, m, err, errlen);
	if (rc == IPL_ENOTREG)
		return 0;
	if (rc < 0)
		return -1;
	fprintf(stderr, "ipclab serve: rpcbind had program %u version %u %s at %s: replacing it\n",
		m->prog, m->vers, m->netid, old.uaddr);
	rc = ipl_rpcb_unset(b, m);
	if (rc < 0 && rc != IPL_ENOTREG) {
		snprintf(err, errlen, "--register: rpcbind would not remove the old entry: %s",
			 ipl_strerror(rc));
		return -1;
	}
	return 0;
}

int ipl_bind_register(const struct ipl_endpoint *ep, const struct ipl_transport *car,
		      struct ipl_bind_reg *reg, char *err, size_t errlen)
{
	struct ipl_rpcb b;
	memset(reg, 0, sizeof *reg);
	if (describe_ep(ep, car, reg, err, errlen) < 0 || open_local(&b, err, errlen) < 0)
		return -1;
	struct ipl_rpcb_map m = { IPL_RPC_PROG, IPL_RPC_PROG_VERS, reg->netid, reg->uaddr };
	int rc = replace_stale(&b, &m, err, errlen) < 0 ? -1 : ipl_rpcb_set(&b, &m);
	if (rc == 0) {
		reg->done = 1;
		fprintf(stderr,
			"ipclab serve: registered program %u version %u %s %s with rpcbind "
			"(version %u)\n",
			m.prog, m.vers, m.netid, m.uaddr, b.vers);
	} else if (rc != -1) {
		snprintf(err, errlen, "--register: rpcbind SET of program %u version %u %s %s: %s",
			 m.prog, m.vers, m.netid, m.uaddr, ipl_strerror(rc));
	}
	ipl_rpcb_close(&b);
	return rc == 0 ? 0 : -1;
}

/* Whether two universal addresses name the same server: the same path, or
 * the same port (rpcbind may rewrite the host part of what it was given). */
static int same_place(const char *a, const char *b)
{
	char ha[IPL_ADDR_MAX], hb[IPL_ADDR_MAX];
	uint16_t pa, pb;
	if (a[0] == '/' || b[0] == '/')
		return !strcmp(a, b);
	return ipl_rpcb_uaddr_to_hostport(a, ha, sizeof ha, &pa) == 0 &&
	       ipl_rpcb_uaddr_to_hostport(b, hb, sizeof hb, &pb) == 0 && pa == pb;
}

void ipl_bind_unregister(struct ipl_bind_reg *reg)
{
	struct ipl_rpcb b;
	struct ipl_rpcb_result now;
	char err[256];
	if (!reg->done)
		return;
	reg->done = 0;
	struct ipl_rpcb_map m = { IPL_RPC_PROG, IPL_RPC_PROG_VERS, reg->netid, "" };
	int rc = registered(&now, &m, err, sizeof err);
	/* another server replaced us: its entry is not ours to remove */
	if (rc == 0 && !same_place(now.uaddr, reg->uaddr)) {
		fprintf(stderr, "ipclab serve: rpcbind now has %s for program %u: left alone\n",
			now.uaddr, m.prog);
		return;
	}
	if (rc == IPL_ENOTREG) {
		fprintf(stderr, "ipclab serve: program %u was no longer registered\n", m.prog);
		return;
	}
	if (rc < 0 || open_local(&b, err, sizeof err) < 0) {
		fprintf(stderr, "ipclab serve: could not unregister: %s\n", err);
		return;
	}
	rc = ipl_rpcb_unset(&b, &m);
	if (rc == 0)
		fprintf(stderr, "ipclab serve: unregistered program %u version %u %s from rpcbind\n",
			m.prog, m.vers, m.netid);
	else
		fprintf(stderr, "ipclab serve: could not unregister: %s\n", ipl_strerror(rc));
	ipl_rpcb_close(&b);
}

int ipl_bind_is_host(const char *addr)
{
	struct stat st;
	size_t n = strlen(addr);
	if (n == 0 || n >= IPL_ADDR_MAX - 8 || lstat(addr, &st) == 0)
		return 0;
	if (addr[0] == '[')
		return addr[n - 1] == ']' && n > 2 && strspn(addr + 1, "0123456789abcdefABCDEF:.") == n - 2;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)addr[i]) && addr[i] != '.' && addr[i] != '-')
			return 0;
	return 1;
}

/* What a peer said, fit for one line of a terminal: at most 64 bytes,
 * anything not printable shown as '?'. */
static void printable(const char *in, char *out, size_t outlen)
{
	size_t i = 0;
	for (; in[i] && i < 64 && i + 1 < outlen; i++)
		out[i] = isprint((unsigned char)in[i]) ? in[i] : '?';
	out[i] = '\0';
}

int ipl_bind_lookup(const char *host, const char *proto, char *out, size_t outlen, char *err, size_t errlen)
{
	char at[IPL_ADDR_MAX], bare[IPL_ADDR_MAX], netid[8];
	struct ipl_rpcb b;
	memset(&b, 0, sizeof b);
	snprintf(at, sizeof at, "%s:%d", host, IPL_RPCB_PORT);
	/* "[::1]" -> "::1": the host part of a universal address has no brackets */
	snprintf(bare, sizeof bare, "%.*s", (int)(host[0] == '[' ? strlen(host) - 2 : strlen(host)),
		 host + (host[0] == '['));
	snprintf(netid, sizeof netid, "%s%s", proto, strchr(bare, ':') ? "6" : "");
	/* udp: GETADDR asked over udp itself (one call per datagram, sent again
	 * on silence), as libtirpc's clnt_create(..., "udp") does; rpcbind
	 * answers for the netid it was asked over, and GETADDR's answer is a
	 * whole universal address, where portmap's GETPORT (prot 17 over tcp)
	 * would give a port only */
	const struct ipl_transport *tp = netid_transport(netid);
	int rc = tp ? ipl_rpcb_open(&b, tp, at, 0) : IPL_EUNSUPP;
	struct ipl_rpcb_map m = { IPL_RPC_PROG, IPL_RPC_PROG_VERS, netid, "" };
	if (rc == 0)
		rc = ipl_rpcb_getaddr(&b, &m, bare, out, outlen);
	if (rc == IPL_EADDR && b.vers != 2) {
		char said[72];
		printable(b.last.uaddr, said, sizeof said);
		snprintf(err, errlen,
			 "--connect %s: the rpcbind at %s answered program %u version %u %s with "
			 "\"%s\": no address to connect to (port 0, or not a universal address)",
			 host, at, m.prog, m.vers, m.netid, said);
	} else if (rc < 0) {
		snprintf(err, errlen,
			 "--connect %s: asking the rpcbind at %s (over %s) for program %u version %u "
			 "%s: %s",
			 host, at, tp ? tp->name : proto, m.prog, m.vers, m.netid, ipl_strerror(rc));
	} else if (b.vers == 2) {
		fprintf(stderr,
			"ipclab bench: rpcbind at %s (portmap version 2): program %u version %u "
			"%s port %u: connecting to %s\n",
			at, m.prog, m.vers, m.netid, b.last.port, out);
	} else {
		fprintf(stderr,
			"ipclab bench: rpcbind at %s (version %u): program %u version %u %s at "
			"%s: connecting to %s\n",
			at, b.vers, m.prog, m.vers, m.netid, b.last.uaddr, out);
	}
	ipl_rpcb_close(&b);
	return rc < 0 ? -1 : 0;
}
