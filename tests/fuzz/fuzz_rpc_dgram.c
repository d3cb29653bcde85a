/* fuzz_rpc_dgram - ONC RPC over a datagram carrier (-m rpc --via udp), both
 * ends, through the rpc transport over a fake datagram carrier that hands
 * out the fuzzer's datagrams, one whole datagram per receive (as udp's raw
 * mode does; an empty one is skipped there, so here too).
 *
 * Input: byte 0 the knobs, then records [tag][2-byte big-endian length][bytes].
 *
 * Server (knobs bit 0 clear): 1..4 client addresses ((knobs >> 1) % 4 + 1);
 * a record's tag % naddr is its sender.  One server conn per address (udp
 * demultiplexes by sender), each with its own duplicate-request cache, all
 * alive at once and served by ipl_serve_conn in turn.  Checked:
 *   - every datagram sent is one well-formed REPLY for the xid of the call
 *     being served, no longer than a datagram;
 *   - INCR runs at most once per call: a fresh run returns the counter + 1,
 *     anything else is the cached reply of that xid, byte for byte;
 *   - the cache of the conn being served stays within IPL_DRC_ENTRIES and
 *     IPL_DRC_BYTES (ipl_drc_totals) after every datagram, and every cache
 *     gives all of it back when its conn goes.
 *
 * Client (bit 0 set): the reply decoders, (knobs >> 1) % 4 choosing the
 * exchange's latency or throughput loop, its HELLO, or the program's client
 * stubs (rpcprog.c).  A record with tag bit 7 set is a receive timeout
 * instead (the client retransmits).  A reply whose first word is below 64
 * gets the xid of the call sent that many calls ago, so replies can match
 * the calls the client numbered at random.  Checked: every datagram sent is
 * a well-formed CALL; one sent again under an xid seen before is the same
 * call byte for byte (a retransmission); the error counters add up. */
#include "common/bytes.h"
#include "common/err.h"
#include "common/exchange.h"
#include "common/msgio.h"
#include "common/transport.h"
#include "rpc/drc.h"
#include "rpc/rpcdgram.h"
#include "rpc/rpcmsg.h"
#include "rpc/rpcprog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

extern const struct ipl_transport ipl_rpc_transport;

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define DGF_ADDRS 4
#define DGF_SENT 1024 /* calls (client) or INCR replies (server) remembered */

struct dgf_conn {
	struct ipl_conn base;
	int addr;        /* server: the sender this conn stands for; client: -1 */
	size_t off;      /* the next record to look at */
	uint32_t cur;    /* server: the xid of the call being served */
	int have_cur;
	const uint8_t *cur_p; /* server: that call's datagram */
	size_t cur_len;
	uint32_t incr_max; /* server: INCR's counter as last seen fresh */
	uint64_t ndg, sent; /* server: datagrams received, reply bytes sent */
};

/* One input's state (the fake carrier's conns point into it). */
static struct {
	const uint8_t *p;
	size_t n;
	unsigned naddr;
	unsigned nconns;
	size_t base_entries, base_bytes; /* totals before the conn being served */
	/* client: calls sent (xid, hash of the datagram) */
	uint32_t xid[DGF_SENT], val[DGF_SENT];
	size_t nsent;
	/* server: INCR's fresh replies */
	struct dgf_incr {
		uint32_t xid, val;
		int addr;
		uint64_t ndg, sent; /* the conn's counts when it was sent */
	} incr[DGF_SENT];
	size_t nincr;
} dgf_st;

static const struct ipl_transport dgf_transport;

static uint32_t fnv(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The record at *off: its tag, bytes and length; 0 past the end. */
static int dgf_record(size_t *off, uint8_t *tag, const uint8_t **b, size_t *len)
{
	if (*off + 3 > dgf_st.n)
		return 0;
	*tag = dgf_st.p[*off];
	*len = (size_t)dgf_st.p[*off + 1] << 8 | dgf_st.p[*off + 2];
	*off += 3;
	if (*len > dgf_st.n - *off)
		*len = dgf_st.n - *off;
	*b = dgf_st.p + *off;
	*off += *len;
	return 1;
}

/* The cache of the conn being served within its bounds (the others do not
 * change meanwhile). */
static void dgf_check_cache(void)
{
	size_t caches, entries, bytes;
	ipl_drc_totals(&caches, &entries, &bytes);
	if (entries < dgf_st.base_entries || entries - dgf_st.base_entries > IPL_DRC_ENTRIES ||
	    bytes < dgf_st.base_bytes || bytes - dgf_st.base_bytes > IPL_DRC_BYTES)
		abort();
}

static ssize_t dgf_recv_server(struct dgf_conn *fc, void *buf, size_t cap)
{
	uint8_t tag;
	const uint8_t *b;
	size_t len;
	dgf_check_cache();
	while (dgf_record(&fc->off, &tag, &b, &len)) {
		if (tag % dgf_st.naddr != (unsigned)fc->addr || len == 0)
			continue;
		if (len > cap)
			len = cap;
		memcpy(buf, b, len);
		fc->have_cur = len >= 4;
		fc->cur = fc->have_cur ? ipl_get_be32(b) : 0;
		fc->cur_p = b;
		fc->cur_len = len;
		fc->ndg++;
		return (ssize_t)len;
	}
	fc->have_cur = 0;
	return 0;
}

static ssize_t dgf_recv_client(struct dgf_conn *fc, void *buf, size_t cap)
{
	uint8_t tag;
	const uint8_t *b;
	size_t len;
	while (dgf_record(&fc->off, &tag, &b, &len)) {
		if (tag & 0x80)
			return -ETIMEDOUT;
		if (len == 0)
			continue;
		if (len > cap)
			len = cap;
		memcpy(buf, b, len);
		if (len >= 4 && ipl_get_be32(b) < 64 && dgf_st.nsent)
			ipl_put_be32(buf, dgf_st.xid[dgf_st.nsent - 1 - ipl_get_be32(b) % dgf_st.nsent]);
		return (ssize_t)len;
	}
	return 0;
}

static ssize_t dgf_recv(struct ipl_conn *c, void *buf, size_t cap)
{
	struct dgf_conn *fc = (struct dgf_conn *)c;
	return fc->addr < 0 ? dgf_recv_client(fc, buf, cap) : dgf_recv_server(fc, buf, cap);
}

/* Server: INCR's result, when rep is a SUCCESS reply to an INCR call. */
static int dgf_incr_value(const struct dgf_conn *fc, struct ipl_xdr_dec *x, const struct ipl_rpc_reply *rep,
			  uint32_t *v)
{
	struct ipl_xdr_dec cx;
	struct ipl_rpc_call call;
	if (rep->stat != IPL_RPC_MSG_ACCEPTED || rep->accept_stat != IPL_RPC_SUCCESS)
		return 0;
	ipl_xdr_dec_init(&cx, fc->cur_p, fc->cur_len);
	if (ipl_rpc_call_decode(&cx, &call) < 0 || call.prog != IPL_RPC_PROG || call.vers != IPL_RPC_PROG_VERS ||
	    call.proc != IPL_RPC_PROC_INCR)
		return 0;
	*v = ipl_xdr_get_u32(x);
	if (x->err)
		abort(); /* INCR's SUCCESS without its result */
	return 1;
}

/* The newest INCR reply recorded for xid from fc's sender, or NULL. */
static const struct dgf_incr *dgf_incr_find(const struct dgf_conn *fc, uint32_t xid)
{
	for (size_t i = dgf_st.nincr; i-- > 0;)
		if (dgf_st.incr[i].addr == fc->addr && dgf_st.incr[i].xid == xid)
			return &dgf_st.incr[i];
	return NULL;
}

/* Server: INCR ran at most once per call.  A fresh run returns the counter
 * + 1; a call answered before may run again only once the cache could have
 * forgotten it (IPL_DRC_ENTRIES datagrams later, or half its bytes of
 * replies: a conservative bound), else its cached reply comes back. */
static void dgf_check_incr(struct dgf_conn *fc, uint32_t xid, uint32_t v)
{
	const struct dgf_incr *seen = dgf_incr_find(fc, xid);
	if (v != fc->incr_max + 1) {
		if (seen ? seen->val != v : dgf_st.nincr < DGF_SENT)
			abort(); /* neither a fresh run nor this call's cached reply */
		return;
	}
	if (seen && fc->ndg - seen->ndg < IPL_DRC_ENTRIES && fc->sent - seen->sent < IPL_DRC_BYTES / 2)
		abort(); /* ran again though the cache still held it */
	fc->incr_max = v;
	if (dgf_st.nincr < DGF_SENT)
		dgf_st.incr[dgf_st.nincr++] = (struct dgf_incr){ xid, v, fc->addr, fc->ndg, fc->sent };
}

static void dgf_sent_server(struct dgf_conn *fc, const uint8_t *p, size_t len)
{
	struct ipl_xdr_dec x;
	struct ipl_rpc_reply rep;
	ipl_xdr_dec_init(&x, p, len);
	if (!fc->have_cur || ipl_rpc_reply_decode(&x, &rep) < 0 || rep.xid != fc->cur)
		abort(); /* a malformed reply, or one for another call */
	uint32_t v;
	if (dgf_incr_value(fc, &x, &rep, &v))
		dgf_check_incr(fc, rep.xid, v);
	fc->sent += len;
}

static void dgf_sent_client(const uint8_t *p, size_t len)
{
	struct ipl_xdr_dec x;
	struct ipl_rpc_call call;
	ipl_xdr_dec_init(&x, p, len);
	if (ipl_rpc_call_decode(&x, &call) < 0)
		abort();
	uint32_t h = fnv(p, len);
	for (size_t i = 0; i < dgf_st.nsent; i++)
		if (dgf_st.xid[i] == call.xid) {
			if (dgf_st.val[i] != h)
				abort(); /* a "retransmission" that is another call */
			return;
		}
	if (dgf_st.nsent < DGF_SENT) {
		dgf_st.xid[dgf_st.nsent] = call.xid;
		dgf_st.val[dgf_st.nsent++] = h;
	}
}

static int dgf_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	struct dgf_conn *fc = (struct dgf_conn *)c;
	static uint8_t dg[IPL_RPC_DG_MAX + 1];
	size_t len = 0;
	if (cnt < 1)
		abort();
	for (int i = 0; i < cnt; i++) {
		if (iov[i].iov_len > IPL_RPC_DG_MAX - len)
			abort(); /* more than one datagram */
		if (iov[i].iov_len)
			memcpy(dg + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	if (fc->addr < 0)
		dgf_sent_client(dg, len);
	else
		dgf_sent_server(fc, dg, len);
	return 0;
}

static void dgf_detach(struct ipl_conn *c)
{
	free(c);
}

static int dgf_ok(struct ipl_endpoint *ep)
{
	(void)ep;
	return 0;
}

static void dgf_void(struct ipl_endpoint *ep)
{
	(void)ep;
}

static struct dgf_conn *dgf_new(int addr)
{
	struct dgf_conn *fc = calloc(1, sizeof *fc);
	if (!fc)
		abort();
	fc->base.tp = &dgf_transport;
	fc->addr = addr;
	return fc;
}

/* One conn per sender, then IPL_EDONE. */
static int dgf_accept(struct ipl_endpoint *ep, struct ipl_conn **out)
{
	(void)ep;
	if (dgf_st.nconns == dgf_st.naddr)
		return IPL_EDONE;
	*out = &dgf_new((int)dgf_st.nconns++)->base;
	return 0;
}

static int dgf_attach_client(struct ipl_endpoint *ep, unsigned idx, struct ipl_conn **out)
{
	(void)ep;
	(void)idx;
	*out = &dgf_new(-1)->base;
	return 0;
}

static const struct ipl_transport dgf_transport = {
	.name = "fakedg",
	.summary = "fuzzer datagrams in, checked datagrams out",
	.caps = IPL_CAP_DATAGRAM | IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT,
	.prepare = dgf_ok,
	.attach_server = dgf_ok,
	.accept = dgf_accept,
	.attach_client = dgf_attach_client,
	.send = dgf_send,
	.recv = dgf_recv,
	.detach = dgf_detach,
	.release = dgf_void,
	.cleanup = dgf_void,
};

static uint32_t dgf_cap(uint8_t k)
{
	return 256u << ((k >> 3) % 8); /* 256 B .. 32 KiB */
}

static void dgf_server(uint8_t k)
{
	size_t caches0, entries0, bytes0, caches, entries, bytes;
	ipl_drc_totals(&caches0, &entries0, &bytes0);
	struct ipl_tp_opts o = { .cap = dgf_cap(k), .via = &dgf_transport };
	struct ipl_endpoint ep;
	struct ipl_conn *c[DGF_ADDRS];
	ipl_endpoint_init(&ep, &ipl_rpc_transport, &o, NULL); /* via set: no registry */
	if (ipl_endpoint_prepare(&ep) || ipl_endpoint_attach_server(&ep))
		abort();
	for (unsigned a = 0; a < dgf_st.naddr; a++)
		if (ipl_endpoint_accept(&ep, &c[a]))
			abort();
	for (unsigned a = 0; a < dgf_st.naddr; a++) {
		ipl_drc_totals(&caches, &dgf_st.base_entries, &dgf_st.base_bytes);
		(void)ipl_serve_conn(c[a], o.cap, NULL);
		dgf_check_cache();
	}
	for (unsigned a = 0; a < dgf_st.naddr; a++)
		ipl_conn_detach(c[a]);
	ipl_endpoint_cleanup(&ep);
	ipl_drc_totals(&caches, &entries, &bytes);
	if (caches != caches0 || entries != entries0 || bytes != bytes0)
		abort(); /* a cache kept something past its conn */
}

/* The program's client stubs over the fake carrier, one call each. */
static void dgf_stubs(struct ipl_conn *car, uint8_t k)
{
	struct ipl_rpc_dg dg;
	struct ipl_rpc_clnt cl;
	ipl_rpc_dg_init(&dg, 1);
	ipl_rpc_clnt_init(&cl, car, dgf_cap(k));
	cl.dg = &dg;
	uint8_t out[64];
	uint32_t olen;
	int32_t v32, vec[3] = { 1, -2, 3 };
	int64_t v64;
	(void)ipl_rpc_null(&cl);
	(void)ipl_rpc_echo(&cl, "payload!", 8, out, sizeof out, &olen);
	(void)ipl_rpc_sink_batch(&cl, "x", 1);
	(void)ipl_rpc_add(&cl, 2, -5, &v32);
	(void)ipl_rpc_sum(&cl, vec, 3, &v64);
	(void)ipl_rpc_incr(&cl, &v32);
	(void)ipl_rpc_sink(&cl, "y", 1);
	ipl_rpc_clnt_free(&cl);
	ipl_rpc_dg_free(&dg);
}

static void dgf_client(uint8_t k)
{
	unsigned mode = (k >> 1) % 4;
	if (mode == 3) {
		struct ipl_conn *car = &dgf_new(-1)->base;
		dgf_stubs(car, k);
		ipl_conn_detach(car);
		return;
	}
	struct ipl_tp_opts o = { .cap = 4096, .via = &dgf_transport };
	struct ipl_endpoint ep;
	ipl_endpoint_init(&ep, &ipl_rpc_transport, &o, "fake"); /* via set: no registry */
	struct ipl_conn *c = NULL;
	if (ipl_endpoint_attach_client(&ep, 0, &c))
		abort();
	struct ipl_client_cfg cfg = {
		.size = ((k >> 3) & 7) * 37u,
		.iters = 16,
		.op = (k & 0x40) ? IPL_OP_SINK : IPL_OP_ECHO,
		.window = 1u + ((k >> 6) & 3),
		.crc = (k >> 7) & 1,
		.cap = 4096,
	};
	struct ipl_client_stats st = { 0 };
	switch (mode) {
	case 0: (void)ipl_client_latency(c, &cfg, NULL, &st); break;
	case 1: (void)ipl_client_throughput(c, &cfg, &st); break;
	default: (void)ipl_client_hello(c, NULL); break;
	}
	if (st.errors != st.err_seq + st.err_len + st.err_payload + st.err_remote + st.lost)
		abort();
	ipl_conn_detach(c);
	ipl_endpoint_cleanup(&ep);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1)
		return 0;
	memset(&dgf_st, 0, sizeof dgf_st);
	dgf_st.p = d + 1;
	dgf_st.n = n - 1;
	dgf_st.naddr = (d[0] >> 1) % DGF_ADDRS + 1;
	if (d[0] & 1)
		dgf_client(d[0]);
	else
		dgf_server(d[0]);
	return 0;
}
