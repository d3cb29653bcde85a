/* demo_rpcbind.c - see demo_rpcbind.h.  The annotator here reads the
 * record by RFC 5531 and RFC 1833 alone (AUTH_NONE on both sides, which is
 * what is sent and what rpcbind answers); anything else is dumped raw. */
#include "bench/demo/demo_rpcbind.h"

#include "common/bytes.h"
#include "common/err.h"
#include "common/msgio.h"
#include "rpc/rpcmsg.h" /* and record marking (rpc/recmark.h) */
#include "rpc/rpcbind.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *B_ON = "\033[1m", *B_OFF = "\033[0m";

struct out {
	int color;
	const uint8_t *p;
	size_t len, off;
	int bad;
};

/* One row: offset, up to 8 bytes in hex, the field, what it means. */
static void row(struct out *o, size_t n, const char *field, const char *meaning)
{
	for (size_t i = 0; i < n || i == 0; i += 8) {
		char hex[3 * 8 + 1] = "";
		size_t k = n - i < 8 ? n - i : 8;
		for (size_t j = 0; j < k; j++)
			snprintf(hex + 3 * j, sizeof hex - 3 * j, "%02x ", o->p[o->off + i + j]);
		printf("           %04zx  %-24s %s%-11s%s %s\n", o->off + i, hex, o->color ? B_ON : "",
		       i ? "" : field, o->color ? B_OFF : "", i ? "" : meaning);
	}
	o->off += n;
}

/* One XDR unsigned int; fmt holds one conversion for its value. */
static uint32_t word(struct out *o, const char *field, const char *fmt)
{
	if (o->bad || o->len - o->off < 4) {
		o->bad = 1;
		return 0;
	}
	uint32_t v = ipl_get_be32(o->p + o->off);
	char m[160];
	snprintf(m, sizeof m, fmt, v);
	row(o, 4, field, m);
	return v;
}

/* An XDR string<>: its length word, the characters, zero padding to a
 * multiple of 4. */
static void string(struct out *o, const char *field, const char *what)
{
	char fm[96];
	snprintf(fm, sizeof fm, "%%u: %s", what);
	uint32_t n = word(o, field, fm);
	size_t padded = ((size_t)n + 3) & ~(size_t)3;
	if (o->bad || n > IPL_RPCB_STR_MAX || o->len - o->off < padded) {
		o->bad = 1;
		return;
	}
	char m[IPL_RPCB_STR_MAX + 48];
	size_t k = 0;
	m[k++] = '"';
	for (size_t j = 0; j < n; j++) {
		uint8_t b = o->p[o->off + j];
		m[k++] = b >= 32 && b < 127 ? (char)b : '.';
	}
	snprintf(m + k, sizeof m - k, "\"%s", padded > n ? " and zero padding to a multiple of 4" : "");
	for (size_t i = 0; i < padded; i += 8)
		row(o, padded - i < 8 ? padded - i : 8, "", i ? "" : m);
}

/* One field of a record after its msg_type: an XDR unsigned int (text:
 * one conversion for its value) or a string<> (text: what it holds). */
struct field {
	int is_string;
	const char *name, *text;
};

static const struct field call_fields[] = {
	{ 0, "rpcvers", "%u: ONC RPC version" },
	{ 0, "prog", "%u: rpcbind's own program number (100000)" },
	{ 0, "vers", "%u: rpcbind version 4 (RFC 1833)" },
	{ 0, "proc", "%u = RPCBPROC_GETADDR: where is this program?" },
	{ 0, "cred", "%u = AUTH_NONE" },
	{ 0, "length", "%u: no body" },
	{ 0, "verf", "%u = AUTH_NONE" },
	{ 0, "length", "%u: no body" },
	{ 0, "r_prog", "%#x: the program looked up" },
	{ 0, "r_vers", "%u: its version" },
	{ 1, "r_netid", "the transport wanted" },
	{ 1, "r_addr", "empty in a question" },
	{ 1, "r_owner", "the caller's uid, as libtirpc sends it" },
	{ 0, NULL, NULL },
};

static const struct field reply_fields[] = {
	{ 0, "reply_stat", "%u = MSG_ACCEPTED (1: denied)" },
	{ 0, "verf", "%u = AUTH_NONE" },
	{ 0, "length", "%u: no body" },
	{ 0, "accept_stat", "%u = SUCCESS (else: why not)" },
	{ 1, "uaddr", "the universal address (\"\": not registered)" },
	{ 0, NULL, NULL },
};

/* The common part (record mark, xid, msg_type, which must be msg_type),
 * then the fields f, up to its NULL name. */
static void annotate(struct out *o, uint32_t msg_type, const struct field *f)
{
	word(o, "record mark", "%#010x: last fragment | length (RFC 5531 s.11)");
	word(o, "xid", "%#x: chosen by the client, copied into the reply");
	if (word(o, "msg_type", "%u (0 = CALL, 1 = REPLY)") != msg_type)
		o->bad = 1;
	for (; f->name; f++) {
		if (f->is_string)
			string(o, f->name, f->text);
		else
			word(o, f->name, f->text);
	}
}

/* The bytes of one record (mark in front), annotated, or dumped raw. */
static void show(int color, const uint8_t *p, size_t len, int is_call)
{
	struct out o = { .color = color, .p = p, .len = len };
	annotate(&o, is_call ? 0 : 1, is_call ? call_fields : reply_fields);
	if (!o.bad && o.off == len)
		return;
	printf("           (not the layout expected: the raw bytes)\n");
	struct out raw = { .color = color, .p = p, .len = len };
	while (raw.off < len)
		row(&raw, len - raw.off < 8 ? len - raw.off : 8, "", "");
}

/* One GETADDR, shown.  Returns 0 (the answer in *res), or a negative code. */
static int getaddr(int color, struct ipl_rpcb *b, uint32_t prog, uint32_t vers, const char *netid,
		   struct ipl_rpcb_result *res)
{
	uint8_t rec[4 + 64 + 3 * (IPL_RPCB_STR_MAX + 8)];
	struct ipl_rpcb_map m = { prog, vers, netid, "" };
	uint32_t xid = b->xid++;
	int n = ipl_rpcb_encode_call(rec + 4, sizeof rec - 4, xid, 4, IPL_RPCB_GETADDR, &m);
	if (n < 0)
		return n;
	ipl_put_be32(rec, 0x80000000u | (uint32_t)n);
	printf("[client] the CALL, %d bytes (ipl_rpcb_encode_call, rpc/rpcbind.c):\n", n + 4);
	show(color, rec, (size_t)n + 4, 1);
	int rc = ipl_rpc_write_record(b->conn, rec + 4, (size_t)n, 0);
	size_t len = 0;
	if (rc == 0)
		rc = ipl_rpc_read_record(b->conn, IPL_RPCB_REPLY_MAX, &b->rx, &len);
	if (rc == -EAGAIN)
		return -ETIMEDOUT; /* ipl_rpcb_open's SO_RCVTIMEO ran out: say so */
	if (rc < 0)
		return rc;
	uint8_t shown[4 + IPL_RPCB_REPLY_MAX];
	ipl_put_be32(shown, 0x80000000u | (uint32_t)len);
	memcpy(shown + 4, b->rx.p, len);
	printf("[rpcbind] the REPLY, %zu bytes:\n", len + 4);
	show(color, shown, len + 4, 0);
	return ipl_rpcb_decode_reply(b->rx.p, len, xid, 4, IPL_RPCB_GETADDR, res);
}

/* What a universal address means, in one line. */
static void explain(const char *uaddr, const char *netid)
{
	char hp[IPL_RPCB_STR_MAX + 8];
	uint16_t port;
	if (!uaddr[0]) {
		printf("[client] the answer is \"\": nothing is registered for it (start one: "
		       "ipclab serve -m rpc --register)\n");
	} else if (ipl_rpcb_uaddr_to_hostport(uaddr, hp, sizeof hp, &port) == 0) {
		printf("[client] \"%s\": the last two numbers are the port's bytes, %u * 256 + %u = %u; "
		       "so connect over %s to %s\n", uaddr, port >> 8, port & 0xffu, port, netid, hp);
	} else {
		printf("[client] \"%s\": not an IP universal address\n", uaddr);
	}
}

int ipl_demo_rpcbind_run(const struct ipl_transport *tp, const char *addr, uint32_t prog, uint32_t vers,
			 const char *netid, int color)
{
	struct ipl_rpcb b;
	int rc = ipl_rpcb_open(&b, tp, addr, 0);
	if (rc < 0) {
		fprintf(stderr, "ipclab demo: no rpcbind answers at %s (%s): start rpcbind\n", addr,
			ipl_strerror(rc));
		ipl_rpcb_close(&b);
		return 1;
	}
	printf("%sipclab demo rpc --register: binding, step by step%s\n", color ? B_ON : "", color ? B_OFF : "");
	printf("A client knows a host and a program number, not a port.  It asks the host's rpcbind,\n"
	       "the matchmaker every ONC RPC server registers with, at the one well-known port (111).\n");
	printf("\n== 1. connect to rpcbind\n[client] %s connect(\"%s\"): rpcbind's port never changes\n",
	       tp->name, addr);
	printf("\n== 2. GETADDR: where is program %#x version %u over %s?\n", prog, vers, netid);
	struct ipl_rpcb_result res;
	rc = getaddr(color, &b, prog, vers, netid, &res);
	if (rc == 0) {
		explain(res.uaddr, netid);
		printf("\n== 3. and rpcbind itself (program %u version 4 over %s): always registered\n",
		       IPL_RPCB_PROG, netid);
		rc = getaddr(color, &b, IPL_RPCB_PROG, 4, netid, &res);
	}
	if (rc == 0)
		explain(res.uaddr, netid);
	ipl_rpcb_close(&b);
	if (rc < 0) {
		fprintf(stderr, "ipclab demo: rpcbind at %s: %s\n", addr, ipl_strerror(rc));
		return 1;
	}
	printf("\n== 4. then\n[client] connects to that address and calls the program as usual "
	       "(ipclab bench -m rpc --connect HOST does exactly this)\n");
	printf("\n%sresult: rpcbind answered both questions%s\n", color ? B_ON : "", color ? B_OFF : "");
	return 0;
}
