/* demo_rpc.c - `ipclab demo rpc`: the steps of a remote procedure call.
 *
 * The client half calls rpc/'s ECHO client stub; the server half reads the
 * record and runs rpc/'s server stub (ipl_rpc_serve_record) on it, over a
 * traced carrier connection (narrate.c), so the CALL and REPLY shown are the
 * bytes the stubs produced.  The annotator below walks a record by RFC 5531
 * alone (it does not use rpc/'s decoder): it is the independent reading of
 * the layout that tests/t_demo.sh checks against a known vector.
 */
#include "bench/demo/demo_rpc.h"

#include "common/bytes.h"
#include "common/err.h"
#include "common/msgio.h"
#include "rpc/rpcmsg.h"
#include "rpc/rpcprog.h"
#include "rpc/xdr.h"

#include <stdio.h>
#include <string.h>

/* ---- the annotator: RFC 5531 section 9 (call_body, reply_body), RFC 4506 */

struct walk {
	const uint8_t *p;
	size_t len, off;
	size_t base; /* 4 after a record mark (a stream), 0 in a datagram */
	ipl_demo_row_fn row;
	void *ctx;
	int bad;
};

/* Takes one 4-byte XDR unit and shows it with its meaning; fmt holds one
 * conversion (%u, %#x) for the word's value. */
static uint32_t word(struct walk *w, const char *field, const char *fmt)
{
	if (w->bad || w->len - w->off < 4) {
		w->bad = 1;
		return 0;
	}
	uint32_t v = ipl_get_be32(w->p + w->off);
	char line[200];
	snprintf(line, sizeof line, fmt, v);
	w->row(w->ctx, w->off, w->p + w->off, 4, field, line);
	w->off += 4;
	return v;
}

/* One XDR int (RFC 4506 s.4.1): 4 bytes, two's complement, most significant
 * byte first, shown as the signed value it carries. */
static void int_word(struct walk *w, const char *field, const char *what)
{
	if (w->bad || w->len - w->off < 4) {
		w->bad = 1;
		return;
	}
	char line[200];
	snprintf(line, sizeof line, "%d: %s (XDR int: 4 bytes, big-endian)",
		 (int)(int32_t)ipl_get_be32(w->p + w->off), what);
	w->row(w->ctx, w->off, w->p + w->off, 4, field, line);
	w->off += 4;
}

/* opaque<>: a length word, the bytes, zero padding to a multiple of 4. */
static void opaque(struct walk *w, const char *what)
{
	char fm[64];
	snprintf(fm, sizeof fm, "%%u: %s bytes follow", what);
	uint32_t n = word(w, "length", fm);
	if (w->bad)
		return;
	size_t pad = ((size_t)n + 3) / 4 * 4 - n;
	if (w->len - w->off < (size_t)n + pad) {
		w->bad = 1;
		return;
	}
	for (size_t i = 0; i < n; i += 8) {
		size_t k = n - i < 8 ? n - i : 8;
		char asc[9];
		for (size_t j = 0; j < k; j++) {
			uint8_t b = w->p[w->off + i + j];
			asc[j] = b >= 32 && b < 127 ? (char)b : '.';
		}
		asc[k] = '\0';
		char m[64];
		snprintf(m, sizeof m, "\"%s\"", asc);
		w->row(w->ctx, w->off + i, w->p + w->off + i, k, i == 0 ? what : "", m);
	}
	w->off += n;
	if (pad) {
		char m[96];
		snprintf(m, sizeof m, "%zu zero byte%s: XDR pads opaque data to a multiple of 4", pad,
			 pad > 1 ? "s" : "");
		w->row(w->ctx, w->off, w->p + w->off, pad, "padding", m);
		w->off += pad;
	}
}

static const char *flavor_name(uint32_t f)
{
	return f == 0 ? "AUTH_NONE"
	     : f == 1 ? "AUTH_SYS"
	     : f == 2 ? "AUTH_SHORT"
	     : f == 3 ? "AUTH_DH"
	     : f == 6 ? "RPCSEC_GSS"
		      : "unknown flavor";
}

/* opaque_auth: flavor, then a body of at most 400 bytes. */
static void auth(struct walk *w, const char *name)
{
	char f[32];
	snprintf(f, sizeof f, "%s", name);
	uint32_t fl = ipl_get_be32(w->p + (w->len - w->off >= 4 ? w->off : 0));
	char m[96];
	snprintf(m, sizeof m, "%%u = %s", flavor_name(fl));
	word(w, f, m);
	if (w->bad)
		return;
	uint32_t n = ipl_get_be32(w->p + (w->len - w->off >= 4 ? w->off : 0));
	if (n == 0) {
		word(w, "length", "%u: no body");
		return;
	}
	if (n > 400) {
		w->bad = 1;
		return;
	}
	opaque(w, "body");
}

static const char *proc_name(uint32_t p)
{
	static const char *n[] = { "NULL", "ECHO", "SINK", "ADD", "SUM", "SINK_BATCH", "INCR" };
	return p < 7 ? n[p] : "?";
}

/* call_body after msg_type: rpcvers, prog, vers, proc, cred, verf, args. */
static void call_body(struct walk *w)
{
	char m[128];
	word(w, "rpcvers", "%u: ONC RPC version (must be 2)");
	uint32_t prog = ipl_get_be32(w->p + w->base + 12);
	word(w, "prog", prog == 0x2049504cu ? "%#x: the ipclab program" : "%#x: program number");
	word(w, "vers", "%u: program version");
	uint32_t proc = w->len >= w->base + 24 ? ipl_get_be32(w->p + w->base + 20) : 0;
	snprintf(m, sizeof m, "%%u = %s: the procedure to run", proc_name(proc));
	word(w, "proc", m);
	auth(w, "cred");
	auth(w, "verf");
	if (w->bad)
		return;
	if (proc == 1 || proc == 2 || proc == 5) {
		opaque(w, "argument");
	} else if (proc == 3) {
		int_word(w, "a", "first int");
		int_word(w, "b", "second int");
	} else if (proc == 4) {
		/* int<>: a count word, then that many ints (no padding: each is 4) */
		uint32_t n = word(w, "count", "%u: ints follow (XDR variable-length array)");
		for (uint32_t i = 0; i < n && !w->bad; i++) {
			char f[24];
			snprintf(f, sizeof f, "[%u]", i);
			int_word(w, f, "element");
		}
	}
}

/* ADD's int and SUM's hyper result; *proc is the call's procedure. */
static void typed_result(struct walk *w, uint32_t proc)
{
	size_t left = w->len - w->off;
	if (proc == 3 && left == 4) {
		int_word(w, "result", "ADD's int result");
	} else if (proc == 6 && left == 4) {
		int_word(w, "result", "INCR's int result: this client's counter after the call");
	} else if (proc == 4 && left == 8) {
		char m[128];
		snprintf(m, sizeof m, "%lld: SUM's hyper result (XDR hyper: 8 bytes, big-endian)",
			 (long long)(int64_t)ipl_get_be64(w->p + w->off));
		w->row(w->ctx, w->off, w->p + w->off, 8, "result", m);
		w->off += 8;
	}
}

/* accepted_reply after reply_stat: verf, accept_stat, the result. */
static void accepted_reply(struct walk *w, uint32_t proc)
{
	static const char *as[] = { "SUCCESS",      "PROG_UNAVAIL", "PROG_MISMATCH",
				    "PROC_UNAVAIL", "GARBAGE_ARGS", "SYSTEM_ERR" };
	char m[128];
	auth(w, "verf");
	if (w->bad)
		return;
	uint32_t a = w->len - w->off >= 4 ? ipl_get_be32(w->p + w->off) : 99;
	snprintf(m, sizeof m, "%%u = %s", a < 6 ? as[a] : "?");
	word(w, "accept_stat", m);
	size_t left = w->len - w->off;
	if (!w->bad && a == 0 && (proc == 3 || proc == 4 || proc == 6)) {
		typed_result(w, proc);
		return;
	}
	/* an opaque<> result only when its length word accounts for the rest */
	if (!w->bad && a == 0 && left >= 4 &&
	    left == 4 + (((size_t)ipl_get_be32(w->p + w->off) + 3) & ~(size_t)3))
		opaque(w, "result");
}

/* The message after any record mark: xid, msg_type, the body. */
static int annotate_msg(struct walk *w, uint32_t *proc)
{
	const uint8_t *p = w->p + w->base;
	size_t len = w->len - w->base;
	word(w, "xid", "%#x: transaction id, chosen by the client, copied into the reply");
	uint32_t type = len >= 8 ? ipl_get_be32(p + 4) : 99;
	if (type == 0) {
		word(w, "msg_type", "%u = CALL");
		*proc = len >= 24 ? ipl_get_be32(p + 20) : UINT32_MAX;
		call_body(w);
	} else if (type == 1) {
		word(w, "msg_type", "%u = REPLY (no procedure number: the xid says which call)");
		uint32_t stat = len >= 12 ? ipl_get_be32(p + 8) : 0;
		word(w, "reply_stat", stat == 0 ? "%u = MSG_ACCEPTED" : "%u = MSG_DENIED");
		if (stat == 0)
			accepted_reply(w, *proc);
		else
			word(w, "reject_stat", "%u");
	} else {
		return -1;
	}
	if (w->bad)
		return -1;
	while (w->off + 4 <= w->len)
		word(w, "data", "%#x");
	return w->off == w->len ? 0 : -1;
}

int ipl_demo_rpc_annotate(const uint8_t *p, size_t len, uint32_t *proc, ipl_demo_row_fn row, void *ctx)
{
	struct walk w = { .p = p, .len = len, .base = 4, .row = row, .ctx = ctx };
	if (len < 12)
		return -1;
	uint32_t rm = ipl_get_be32(p);
	if ((size_t)(rm & 0x7fffffffu) != len - 4)
		return -1; /* one whole one-fragment record is all the demo sends */
	char m[128];
	snprintf(m, sizeof m, "%%#010x: %s fragment, %u bytes follow (record marking, RFC 5531 s.11)",
		 (rm & 0x80000000u) ? "last" : "not the last", rm & 0x7fffffffu);
	word(&w, "record mark", m);
	return annotate_msg(&w, proc);
}

int ipl_demo_rpc_annotate_dgram(const uint8_t *p, size_t len, uint32_t *proc, ipl_demo_row_fn row, void *ctx)
{
	struct walk w = { .p = p, .len = len, .base = 0, .row = row, .ctx = ctx };
	if (len < 8)
		return -1;
	return annotate_msg(&w, proc);
}

uint32_t ipl_demo_rpc_proc(const char *name, uint32_t max_ints, uint32_t *min, uint32_t *max)
{
	*min = *max = 0;
	if (!strcmp(name, "echo"))
		return IPL_RPC_PROC_ECHO;
	if (!strcmp(name, "add")) {
		*min = *max = 2;
		return IPL_RPC_PROC_ADD;
	}
	if (!strcmp(name, "sum")) {
		*min = 1;
		*max = max_ints;
		return IPL_RPC_PROC_SUM;
	}
	return 0;
}

/* ECHO: the opaque<> argument, bytes XDR never interprets. */
static int echo_call(struct ipl_demo_log *lg, struct ipl_rpc_clnt *cl, const void *payload, uint32_t len)
{
	const int C = IPL_DEMO_CLIENT;
	ipl_demo_say(lg, C, IPL_DEMO_HEAD, "3. the call");
	ipl_demo_say(lg, C, IPL_DEMO_TEXT,
		     "the program calls ipl_rpc_echo(&cl, \"%.*s\", %u, out, ...) like a local "
		     "function; the stub takes over",
		     (int)len, (const char *)payload, len);
	ipl_demo_mark_step(lg, C, 1);
	ipl_demo_say(lg, C, IPL_DEMO_TEXT,
		     "the stub encodes the call header (xid %#x, CALL, rpcvers 2, prog %#x, vers %u, "
		     "proc 1 = ECHO, cred and verf AUTH_NONE) and the argument as XDR opaque<> into a buffer",
		     cl->xid, cl->prog, cl->vers);
	ipl_demo_mark_step(lg, C, 2);
	ipl_demo_say(lg, C, IPL_DEMO_TEXT,
		     "one record mark in front, then one system call hands the whole record "
		     "to the kernel, which carries it to the server");
	ipl_demo_mark_step(lg, C, 3);
	uint8_t out[4096];
	uint32_t outlen = 0;
	int rc = ipl_rpc_echo(cl, payload, len, out, sizeof out, &outlen);
	if (rc == 0) {
		int same = outlen == len && !memcmp(out, payload, len);
		ipl_demo_say(lg, C, IPL_DEMO_HEAD, "5. the result");
		ipl_demo_say(lg, C, IPL_DEMO_TEXT,
			     "the stub read one record, matched xid %#x, checked MSG_ACCEPTED and "
			     "SUCCESS, decoded the opaque<%u> result and returned 0 to the program: \"%.*s\" (%s)",
			     cl->last.xid, outlen, (int)outlen, (const char *)out,
			     same ? "the same bytes" : "DIFFERENT bytes");
		ipl_demo_mark_step(lg, C, 8);
		if (!same)
			rc = IPL_EPAYLOAD;
	} else {
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "ipl_rpc_echo failed: %s", ipl_strerror(rc));
	}
	return rc;
}

/* "3, 4" into buf: the integers as the program wrote them. */
static void int_list(const int32_t *v, uint32_t n, char *buf, size_t cap)
{
	size_t o = 0;
	buf[0] = '\0';
	for (uint32_t i = 0; i < n && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%d", i ? ", " : "", (int)v[i]);
}

/* ADD and SUM: typed arguments, each int 4 bytes big-endian, next to
 * ECHO's opaque bytes; the result is checked against a local sum. */
static int typed_call(struct ipl_demo_log *lg, struct ipl_rpc_clnt *cl, const struct ipl_demo_rpc_call *call)
{
	const int C = IPL_DEMO_CLIENT;
	int add = call->proc == IPL_RPC_PROC_ADD;
	char list[IPL_DEMO_TEXT_MAX / 2];
	int_list(call->ints, call->nints, list, sizeof list);
	int64_t want = 0;
	for (uint32_t i = 0; i < call->nints; i++)
		want += call->ints[i];
	if (add) /* ADD wraps like the 32-bit int it returns */
		want = (int32_t)(uint32_t)((uint32_t)call->ints[0] + (uint32_t)call->ints[1]);
	ipl_demo_say(lg, C, IPL_DEMO_HEAD, "3. the call");
	if (add)
		ipl_demo_say(lg, C, IPL_DEMO_TEXT,
			     "the program calls ipl_rpc_add(&cl, %s, &sum) like a local function; the stub takes over",
			     list);
	else
		ipl_demo_say(lg, C, IPL_DEMO_TEXT,
			     "the program calls ipl_rpc_sum(&cl, (int32_t[]){ %s }, %u, &sum) like a local "
			     "function; the stub takes over", list, call->nints);
	ipl_demo_mark_step(lg, C, 1);
	ipl_demo_say(lg, C, IPL_DEMO_TEXT,
		     "the stub encodes the call header (xid %#x, CALL, rpcvers 2, prog %#x, vers %u, proc %u = %s, "
		     "cred and verf AUTH_NONE), then the arguments %s", cl->xid, cl->prog, cl->vers, call->proc,
		     add ? "ADD" : "SUM",
		     add ? "as two XDR ints (int a, int b)" : "as XDR int<>: a count word, then one int per element");
	ipl_demo_say(lg, C, IPL_DEMO_TEXT,
		     "typed, unlike ECHO's opaque<> (a length and bytes XDR never looks inside): "
		     "every int is 4 bytes, two's complement, most significant byte first (big-endian), "
		     "whatever this host's byte order; a little-endian CPU swaps the bytes on the way out and back");
	ipl_demo_mark_step(lg, C, 2);
	ipl_demo_say(lg, C, IPL_DEMO_TEXT,
		     "one record mark in front, then one system call hands the whole record "
		     "to the kernel, which carries it to the server");
	ipl_demo_mark_step(lg, C, 3);
	int64_t got = 0;
	int32_t got32 = 0;
	int rc = add ? ipl_rpc_add(cl, call->ints[0], call->ints[1], &got32)
		     : ipl_rpc_sum(cl, call->ints, call->nints, &got);
	if (add)
		got = got32;
	if (rc < 0) {
		ipl_demo_say(lg, C, IPL_DEMO_TEXT, "ipl_rpc_%s failed: %s", add ? "add" : "sum", ipl_strerror(rc));
		return rc;
	}
	ipl_demo_say(lg, C, IPL_DEMO_HEAD, "5. the result");
	ipl_demo_say(lg, C, IPL_DEMO_TEXT,
		     "the stub read one record, matched xid %#x, checked MSG_ACCEPTED and SUCCESS, decoded the "
		     "%s result and returned 0 to the program: sum = %lld (%s)",
		     cl->last.xid, add ? "XDR int (4 bytes)" : "XDR hyper (8 bytes)", (long long)got,
		     got == want ? "as computed here" : "WRONG");
	ipl_demo_mark_step(lg, C, 8);
	return got == want ? 0 : IPL_EPAYLOAD;
}

int ipl_demo_rpc_client(struct ipl_demo_log *lg, struct ipl_conn *c, const struct ipl_demo_rpc_call *call)
{
	const int C = IPL_DEMO_CLIENT;
	struct ipl_rpc_clnt cl;
	ipl_rpc_clnt_init(&cl, c, 0);
	int typed = call->proc == IPL_RPC_PROC_ADD || call->proc == IPL_RPC_PROC_SUM;
	int rc = typed ? typed_call(lg, &cl, call) : echo_call(lg, &cl, call->payload, call->len);
	ipl_rpc_clnt_free(&cl);
	ipl_demo_say(lg, C, IPL_DEMO_HEAD, "6. teardown");
	ipl_demo_say(lg, C, IPL_DEMO_TEXT, "the client closes the connection (ONC RPC has no goodbye message)");
	return rc;
}

/* The server stub's reading of ADD's or SUM's arguments (x just past the
 * call header), for the narration; the real decode is serve_record's. */
static void say_typed_args(struct ipl_demo_log *lg, struct ipl_xdr_dec *x, const struct ipl_rpc_call *call)
{
	char list[IPL_DEMO_TEXT_MAX / 2];
	size_t o = 0;
	uint32_t n = call->proc == IPL_RPC_PROC_ADD ? 2 : ipl_xdr_get_u32(x);
	list[0] = '\0';
	for (uint32_t i = 0; i < n && !x->err && o < sizeof list - 16; i++)
		o += (size_t)snprintf(list + o, sizeof list - o, "%s%d", i ? ", " : "", (int)ipl_xdr_get_i32(x));
	if (x->err)
		return; /* serve_record will answer GARBAGE_ARGS */
	ipl_demo_say(lg, IPL_DEMO_SERVER, IPL_DEMO_TEXT,
		     "XDR decode: xid %#x, CALL, rpcvers %u, prog %#x, vers %u, proc %u = %s, cred %u, "
		     "verf %u; arguments %s = %s: each int 4 big-endian bytes, read into a host int",
		     call->xid, call->rpcvers, call->prog, call->vers, call->proc,
		     call->proc == IPL_RPC_PROC_ADD ? "ADD" : "SUM", call->cred.flavor, call->verf.flavor,
		     call->proc == IPL_RPC_PROC_ADD ? "(int a, int b)" : "int<>", list);
	ipl_demo_mark_step(lg, IPL_DEMO_SERVER, 5);
}

/* The same for ECHO's (SINK's) opaque<> argument. */
static void say_opaque_arg(struct ipl_demo_log *lg, struct ipl_xdr_dec *x, const struct ipl_rpc_call *call,
			   uint32_t cap)
{
	uint32_t alen = 0;
	const uint8_t *arg = ipl_xdr_get_opaque(x, cap, &alen);
	if (x->err)
		return;
	const char *pn = ipl_rpc_proc_name(call->proc);
	ipl_demo_say(lg, IPL_DEMO_SERVER, IPL_DEMO_TEXT,
		     "XDR decode: xid %#x, CALL, rpcvers %u, prog %#x, vers %u, proc %u = %s, "
		     "cred flavor %u, verf flavor %u; argument opaque<%u> = \"%.*s\" (%u padding byte%s skipped)",
		     call->xid, call->rpcvers, call->prog, call->vers, call->proc, pn ? pn : "?",
		     call->cred.flavor, call->verf.flavor, alen, (int)(alen > 64 ? 64 : alen),
		     arg ? (const char *)arg : "", (unsigned)(IPL_XDR_PAD(alen) - alen),
		     IPL_XDR_PAD(alen) - alen == 1 ? "" : "s");
	ipl_demo_mark_step(lg, IPL_DEMO_SERVER, 5);
}

int ipl_demo_rpc_server(struct ipl_demo_log *lg, struct ipl_conn *c)
{
	const int S = IPL_DEMO_SERVER;
	struct ipl_buf rec = { 0 }, out = { 0 };
	size_t n = 0, olen = 0;
	const uint32_t cap = IPL_DEFAULT_CAP;
	ipl_demo_say(lg, S, IPL_DEMO_HEAD, "4. the server side");
	ipl_demo_say(lg, S, IPL_DEMO_TEXT,
		     "the server stub waits for a record: ipl_rpc_read_record() reads the record "
		     "mark, then exactly that many bytes");
	int rc = ipl_rpc_read_record(c, cap + IPL_RPC_OVERHEAD, &rec, &n);
	if (rc < 0) {
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "read_record failed: %s", ipl_strerror(rc));
		goto out;
	}
	ipl_demo_say(lg, S, IPL_DEMO_TEXT, "one whole record of %zu bytes has arrived (record mark removed)", n);
	ipl_demo_mark_step(lg, S, 4);
	struct ipl_xdr_dec x;
	struct ipl_rpc_call call;
	ipl_xdr_dec_init(&x, rec.p, n);
	rc = ipl_rpc_call_decode(&x, &call);
	if (rc == 0 && (call.proc == IPL_RPC_PROC_ADD || call.proc == IPL_RPC_PROC_SUM))
		say_typed_args(lg, &x, &call);
	else if (rc == 0)
		say_opaque_arg(lg, &x, &call, cap);
	ipl_demo_say(lg, S, IPL_DEMO_TEXT,
		     "ipl_rpc_serve_record() checks rpcvers, cred, prog, vers and proc, then "
		     "dispatches: %s", rc == 0 && call.proc == IPL_RPC_PROC_ADD ? "ADD returns a + b as an int"
				     : rc == 0 && call.proc == IPL_RPC_PROC_SUM ? "SUM returns the sum as a hyper"
									: "ECHO returns its argument unchanged");
	ipl_demo_mark_step(lg, S, 6);
	rc = ipl_rpc_serve_record(rec.p, n, cap, &out, &olen);
	if (rc < 0) {
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "serve_record failed: %s", ipl_strerror(rc));
		goto out;
	}
	ipl_demo_say(lg, S, IPL_DEMO_TEXT,
		     "the stub encodes a REPLY with the same xid and the result as XDR "
		     "%s, and sends it back as one record",
		     call.proc == IPL_RPC_PROC_ADD ? "int" : call.proc == IPL_RPC_PROC_SUM ? "hyper" : "opaque<>");
	ipl_demo_mark_step(lg, S, 7);
	if (olen) {
		struct iovec iov = { out.p, olen };
		rc = ipl_conn_send(c, &iov, 1);
		if (rc < 0)
			goto out;
	}
	/* the client closes once it has its result */
	rc = ipl_rpc_read_record(c, cap + IPL_RPC_OVERHEAD, &rec, &n);
	if (rc == IPL_ECLOSED) {
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "end of file at a record boundary: the client is done");
		rc = 0;
	} else if (rc == 0) {
		ipl_demo_say(lg, S, IPL_DEMO_TEXT, "unexpected second record");
		rc = IPL_EPROTO;
	}
out:
	ipl_buf_free(&rec);
	ipl_buf_free(&out);
	return rc;
}
