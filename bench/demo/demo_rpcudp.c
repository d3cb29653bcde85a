/* demo_rpcudp.c - `ipclab demo rpc --via udp`: ONC RPC over datagrams,
 * a lost reply, the retransmission and the duplicate-request cache.
 *
 * To keep the order of events fixed (a demo that shows a loss must not
 * depend on one), this process plays both sides over two real UDP sockets
 * on 127.0.0.1, taking turns: whenever the client stub sends a datagram,
 * the server's turn follows at once (recvfrom, the cache, the server stub,
 * sendto).  Everything that decides the outcome is rpc/'s own code: the
 * client stub ipl_rpc_incr with its retransmission (rpc/rpcdgram.c), the
 * server stub ipl_rpc_serve_call, and the cache rpc/drc.c.  The only
 * staged event is the loss: the client throws away the first reply it
 * receives, and says so.
 */
#include "bench/demo/demo_rpcudp.h"

#include "bench/demo/demo_rpc.h"
#include "common/bytes.h"
#include "common/err.h"
#include "rpc/drc.h"
#include "rpc/rpcprog.h"
#include "rpc/xdr.h"
#include "common/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLICE_MS 100 /* the demo's first timeout: short, the loss is certain */

static const char *B_ON = "\033[1m", *B_OFF = "\033[0m";

/* The client's conn (the carrier the stub sends on) and the server's state. */
struct ucon {
	struct ipl_conn base;
	int cfd, sfd;          /* client socket (connected to the server), server socket */
	struct sockaddr_in caddr; /* the client socket's address: the server takes no other */
	int color;
	struct ipl_drc *drc;   /* NULL: at-least-once, no cache */
	struct ipl_rpc_client_state st; /* the server's INCR counter for this client */
	struct ipl_buf out;    /* the server stub's reply record */
	unsigned calls, replies, runs, hits;
	uint32_t first_xid;
	uint32_t proc;         /* links a REPLY to its CALL for the annotator */
	int err;               /* the server's turn failed */
};

static void row(void *ctx, size_t off, const uint8_t *p, size_t n, const char *field, const char *meaning)
{
	struct ucon *u = ctx;
	char hex[3 * 8 + 1] = "";
	for (size_t j = 0; j < n && j < 8; j++)
		snprintf(hex + 3 * j, sizeof hex - 3 * j, "%02x ", p[j]);
	printf("           %04zx  %-24s %s%-11s%s %s\n", off, hex, u->color ? B_ON : "", field,
	       u->color ? B_OFF : "", meaning);
}

/* One datagram, field by field (raw when it does not parse). */
static void show(struct ucon *u, const uint8_t *p, size_t n)
{
	if (ipl_demo_rpc_annotate_dgram(p, n, &u->proc, row, u) == 0)
		return;
	printf("           (not an RPC message: %zu raw bytes)\n", n);
}

/* The server stub runs the call: INCR's counter moves. */
static int run_call(struct ucon *u, const uint8_t *rec, size_t len, const uint8_t **rp, size_t *rn)
{
	size_t olen = 0;
	int rc = ipl_rpc_serve_call(rec, len, IPL_DEFAULT_CAP, &u->st, &u->out, &olen);
	if (rc < 0 || olen < 4)
		return rc < 0 ? rc : IPL_EPROTO;
	u->runs++;
	printf("[server] the server stub runs INCR (run number %u of the procedure): this client's "
	       "counter is now %u\n", u->runs, u->st.counter);
	*rp = u->out.p + 4; /* over udp the reply goes without its record mark */
	*rn = olen - 4;
	if (u->drc) {
		struct iovec iov = { (void *)*rp, *rn };
		if (ipl_drc_store(u->drc, ipl_get_be32(rec), &iov, 1) == 0)
			printf("[server] the reply is kept in the cache under xid %#x\n", ipl_get_be32(rec));
		else
			printf("[server] out of memory: the reply is NOT kept in the cache\n");
	}
	return 0;
}

/* The server's turn: one datagram in, the cache, one datagram out. */
static int server_turn(struct ucon *u)
{
	uint8_t rec[512];
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	struct pollfd pf = { .fd = u->sfd, .events = POLLIN };
	ssize_t n = -1;
	/* any local process may send to the server's port: a stranger's
	 * datagram is skipped, a few of them end the demo */
	for (int strangers = 0; n < 0; strangers++) {
		if (strangers == 8 || poll(&pf, 1, 5000) != 1)
			return -ETIMEDOUT; /* loopback delivers at once: a bug */
		fl = sizeof from;
		n = recvfrom(u->sfd, rec, sizeof rec, MSG_TRUNC, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return -errno;
		if (fl != sizeof from || from.sin_port != u->caddr.sin_port ||
		    from.sin_addr.s_addr != u->caddr.sin_addr.s_addr || (size_t)n > sizeof rec)
			n = -1;
	}
	char who[INET_ADDRSTRLEN] = "?";
	inet_ntop(AF_INET, &from.sin_addr, who, sizeof who);
	printf("[server] recvfrom(fd %d): one datagram of %zd bytes from %s:%u, one whole call\n", u->sfd, n,
	       who, ntohs(from.sin_port));
	struct ipl_xdr_dec x;
	struct ipl_rpc_call call;
	ipl_xdr_dec_init(&x, rec, (size_t)n);
	int rc = ipl_rpc_call_decode(&x, &call);
	if (rc < 0)
		return rc;
	const uint8_t *rp = NULL;
	size_t rn = 0;
	if (u->drc) {
		enum ipl_drc_hit h = ipl_drc_lookup(u->drc, call.xid, call.prog, call.vers, call.proc, ipl_now_ms(), &rp, &rn);
		if (h == IPL_DRC_REPLY) {
			u->hits++;
			printf("[server] duplicate-request cache HIT: xid %#x from this client was answered "
			       "before; the saved reply is sent again and INCR does NOT run (counter stays %u)\n",
			       call.xid, u->st.counter);
		} else if (h == IPL_DRC_PENDING) {
			printf("[server] cache: xid %#x is still in progress: the duplicate is dropped\n", call.xid);
			return 0;
		} else {
			printf("[server] duplicate-request cache: xid %#x (with this client, program, version "
			       "and procedure) not seen before: entered, the procedure will run\n", call.xid);
		}
	} else {
		printf("[server] no duplicate-request cache (at-least-once): every call that arrives runs\n");
	}
	if (!rp && (rc = run_call(u, rec, (size_t)n, &rp, &rn)) < 0)
		return rc;
	printf("[server] sendto(fd %d): the REPLY, one datagram of %zu bytes:\n", u->sfd, rn);
	show(u, rp, rn);
	if (sendto(u->sfd, rp, rn, 0, (struct sockaddr *)&from, fl) < 0)
		return -errno;
	return 0;
}

static int u_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	struct ucon *u = (struct ucon *)c;
	uint8_t dg[512];
	size_t n = 0;
	for (int i = 0; i < cnt; i++) {
		if (iov[i].iov_len > sizeof dg - n)
			return -EMSGSIZE;
		memcpy(dg + n, iov[i].iov_base, iov[i].iov_len);
		n += iov[i].iov_len;
	}
	uint32_t xid = n >= 4 ? ipl_get_be32(dg) : 0;
	if (u->calls++ == 0) {
		u->first_xid = xid;
		printf("[client] send(fd %d): the CALL, one datagram of %zu bytes.  No record mark: over tcp "
		       "4 bytes of length would come first, here the datagram's edges are the message's\n",
		       u->cfd, n);
	} else {
		printf("\n%s== 4. the retransmission%s\n", u->color ? B_ON : "", u->color ? B_OFF : "");
		printf("[client] the timeout ran out: the stub (rpc/rpcdgram.c) sends its kept copy again, "
		       "the SAME xid %#x (%s the first call's), and doubles the next timeout\n", xid,
		       xid == u->first_xid ? "the same as" : "NOT");
		printf("[client] send(fd %d): the CALL again, %zu bytes:\n", u->cfd, n);
	}
	show(u, dg, n);
	if (send(u->cfd, dg, n, 0) < 0)
		return -errno;
	printf("\n%s== %s%s\n", u->color ? B_ON : "",
	       u->calls == 1 ? "2. the server runs the call" : "5. the server meets the same xid again",
	       u->color ? B_OFF : "");
	int rc = server_turn(u);
	if (rc < 0) {
		u->err = rc;
		printf("[server] failed: %s\n", ipl_strerror(rc));
	}
	return 0; /* a datagram sent is all a sender knows */
}

static ssize_t u_recv(struct ipl_conn *c, void *buf, size_t len)
{
	struct ucon *u = (struct ucon *)c;
	for (;;) {
		if (u->err)
			return u->err;
		struct pollfd pf = { .fd = u->cfd, .events = POLLIN };
		int r = poll(&pf, 1, SLICE_MS);
		if (r < 0)
			return -errno;
		if (r == 0) {
			printf("[client] poll(fd %d, %d ms): nothing; one timeout slice has passed\n", u->cfd,
			       SLICE_MS);
			return -ETIMEDOUT;
		}
		ssize_t n = recv(u->cfd, buf, len, 0);
		if (n < 0)
			return -errno;
		if (u->replies++ == 0) {
			printf("\n%s== 3. the reply is lost%s\n", u->color ? B_ON : "", u->color ? B_OFF : "");
			printf("[client] recv(fd %d): %zd bytes, and the demo's client DROPS them, as if the "
			       "network had lost this first reply.  The server has already run INCR; the "
			       "client cannot know that, it only sees silence\n", u->cfd, n);
			continue;
		}
		printf("\n%s== 6. the reply arrives%s\n", u->color ? B_ON : "", u->color ? B_OFF : "");
		printf("[client] recv(fd %d): %zd bytes, the REPLY to xid %#x\n", u->cfd, n,
		       n >= 4 ? ipl_get_be32(buf) : 0);
		return n;
	}
}

static void u_detach(struct ipl_conn *c)
{
	(void)c; /* the sockets belong to run(), which closes them */
}

static const struct ipl_transport udemo_tp = {
	.name = "demo datagrams",
	.summary = "ipclab demo: two loopback UDP sockets, taking turns",
	.caps = IPL_CAP_DATAGRAM,
	.send = u_send,
	.recv = u_recv,
	.detach = u_detach,
};

/* Two sockets on 127.0.0.1: the server's bound, the client's connected to
 * it.  Returns 0 or -errno. */
static int sockets(struct ucon *u, struct sockaddr_in *sa)
{
	socklen_t sl = sizeof *sa;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	u->sfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	u->cfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u->sfd < 0 || u->cfd < 0 || bind(u->sfd, (struct sockaddr *)sa, sizeof *sa) < 0 ||
	    getsockname(u->sfd, (struct sockaddr *)sa, &sl) < 0 ||
	    connect(u->cfd, (struct sockaddr *)sa, sizeof *sa) < 0)
		return -errno;
	sl = sizeof u->caddr;
	if (getsockname(u->cfd, (struct sockaddr *)&u->caddr, &sl) < 0)
		return -errno;
	return 0;
}

/* Steps 1 to 6 with rpc/'s client stub.  Returns INCR's value or a code. */
static int call_incr(struct ucon *u, int32_t *val, uint64_t *retrans)
{
	struct ipl_rpc_clnt cl;
	struct ipl_rpc_dg dg = { 0 };
	ipl_rpc_clnt_init(&cl, &u->base, 0);
	ipl_rpc_dg_init(&dg, 1);
	dg.drop_every = 0; /* IPCLAB_RPC_DROP_EVERY does not apply: the demo's loss is its own */
	cl.dg = &dg;
	printf("\n%s== 1. the call%s\n", u->color ? B_ON : "", u->color ? B_OFF : "");
	printf("[client] the program calls ipl_rpc_incr(&cl, &val): INCR takes no argument and returns "
	       "this client's counter plus one, NOT idempotent: running it twice shows\n");
	int rc = ipl_rpc_incr(&cl, val);
	*retrans = dg.retrans;
	ipl_rpc_dg_free(&dg);
	ipl_rpc_clnt_free(&cl);
	return rc;
}

int ipl_demo_rpcudp_run(int at_least_once, int color)
{
	struct ucon u = { .base.tp = &udemo_tp, .cfd = -1, .sfd = -1, .color = color };
	struct sockaddr_in sa;
	int rc = sockets(&u, &sa);
	if (rc == 0 && !at_least_once && !(u.drc = ipl_drc_new()))
		rc = -ENOMEM;
	if (rc < 0) {
		fprintf(stderr, "ipclab demo: udp sockets: %s\n", ipl_strerror(rc));
		goto out;
	}
	printf("%sipclab demo rpc --via udp (%s): a lost reply, step by step%s\n", color ? B_ON : "",
	       at_least_once ? "at-least-once" : "at-most-once", color ? B_OFF : "");
	printf("ONC RPC over UDP: one call per datagram, no record marking (RFC 5531).  A datagram can be\n"
	       "lost, so the client sends the call again when no reply comes in time, with the same xid.\n"
	       "This process plays both sides over two UDP sockets on 127.0.0.1 (server port %u), taking\n"
	       "turns, so that the one loss (the client drops the first reply) happens every run.\n",
	       ntohs(sa.sin_port));
	int32_t val = 0;
	uint64_t retrans = 0;
	rc = call_incr(&u, &val, &retrans);
	if (rc < 0) {
		printf("[client] ipl_rpc_incr failed: %s\n", ipl_strerror(rc));
		goto out;
	}
	int want = at_least_once ? 2 : 1;
	printf("[client] the stub matched the xid, decoded the XDR int and returned 0: INCR returned %d "
	       "(calls sent %u, retransmissions %llu)\n", val, u.calls, (unsigned long long)retrans);
	printf("\n%s== 7. what happened%s\n", color ? B_ON : "", color ? B_OFF : "");
	if (at_least_once)
		printf("The procedure ran %u times for one call: the retransmission ran INCR again, so the\n"
		       "program sees %d where a local call would give 1.  At-least-once is right only for\n"
		       "idempotent procedures (ECHO, ADD); compare without --rpc-semantics.\n", u.runs, val);
	else
		printf("The procedure ran %u time for one call (cache hits: %u): the retransmission was\n"
		       "answered from the duplicate-request cache, so INCR returned %d as if nothing was lost.\n"
		       "Compare --rpc-semantics at-least-once, where the retransmission runs INCR again.\n",
		       u.runs, u.hits, val);
	rc = val == want && u.calls == 2 ? 0 : IPL_EPAYLOAD;
	printf("\n%sresult: %s%s\n", color ? B_ON : "",
	       rc == 0 ? "as expected" : "NOT what this semantics promises", color ? B_OFF : "");
out:
	ipl_drc_free(u.drc);
	ipl_buf_free(&u.out);
	if (u.cfd >= 0)
		close(u.cfd);
	if (u.sfd >= 0)
		close(u.sfd);
	return rc < 0 ? 1 : 0;
}
