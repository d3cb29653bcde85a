/* print.c - the demo's output (print.h).  The annotators read the bytes the
 * tracing conn logged: the ipclab header here, ONC RPC records in
 * demo_rpc.c. */
#include "bench/demo/print.h"

#include "bench/demo/demo_rpc.h"
#include "bench/demo/narrate.h"

#include "common/bytes.h"
#include "common/err.h"
#include "common/msg.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *C_RESET = "\033[0m", *C_BOLD = "\033[1m", *C_CLIENT = "\033[36m",
		  *C_SERVER = "\033[33m", *C_DIM = "\033[2m";

static const char *col(const struct ipl_demo_out *o, const char *c)
{
	return o->color ? c : "";
}

void ipl_demo_print_intro(const struct ipl_demo_out *o, const struct ipl_transport *tp,
			  const struct ipl_transport *car)
{
	const struct ipl_tp_describe *d = ipl_demo_describe(tp);
	int rpc = d->walk == IPL_TP_WALK_RPC_STUBS;
	printf("%sipclab demo %s%s%s: one exchange, step by step%s\n", col(o, C_BOLD), tp->name,
	       rpc ? " over " : "", rpc ? car->name : "", col(o, C_RESET));
	printf("%s: %s\n", tp->name, tp->summary);
	if (d->walk == IPL_TP_WALK_EXCHANGE)
		printf("The client sends one ECHO request (the common 24-byte header + payload) and checks the reply.\n");
	struct ipl_demo_vars v = { .name = tp->name, .via = car->name, .d = d };
	for (const char *const *l = d->intro; l && *l; l++) {
		char text[IPL_DEMO_TEXT_MAX];
		ipl_demo_expand(*l, &v, text, sizeof text);
		printf("%s\n", text);
	}
	printf("Two processes: this one (pid %d) prepares the endpoint and is the client; it forks the server.\n",
	       (int)getpid());
	printf("Lines marked [server] happened in the server process; the log is printed in the order events happened.\n");
	fflush(stdout);
}

void ipl_demo_print_result(const struct ipl_demo_out *o, int ok, int rc)
{
	printf("\n%s%s%s\n", col(o, C_BOLD),
	       ok ? "result: the exchange completed and the reply verified" : "result: the exchange FAILED",
	       col(o, C_RESET));
	if (!ok && rc < 0)
		printf("reason: %s\n", ipl_strerror(rc));
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
	const struct ipl_demo_out *o = ctx;
	for (size_t i = 0; i < n || i == 0; i += 8) {
		char hex[3 * 8 + 4];
		hexbytes(p + i, n - i < 8 ? n - i : 8, hex, sizeof hex);
		printf("           %04zx  %-24s %s%-11s%s %s\n", off + i, hex, col(o, C_BOLD),
		       i ? "" : field, col(o, C_RESET), i ? "" : meaning);
	}
}

/* Bytes 8 a line, with the printable ones beside. */
static void payload_rows(const struct ipl_demo_out *o, size_t off, const uint8_t *p, size_t n,
			 size_t total, const char *field)
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

/* The crc field's meaning: whether it checks against the payload shown. */
static void crc_text(const uint8_t *p, size_t n, char *m, size_t mlen)
{
	uint32_t len = ipl_get_be32(p + 16), crc = ipl_get_be32(p + 20);
	if (!(ipl_get_be16(p + 6) & IPL_FLAG_CRC)) {
		snprintf(m, mlen, "0x%08x: unused (no CRC flag)", crc);
		return;
	}
	size_t have = n - IPL_HDR_SIZE < len ? n - IPL_HDR_SIZE : len;
	int ok = have == len && ipl_crc32c(0, p + IPL_HDR_SIZE, len) == crc;
	snprintf(m, mlen, "0x%08x: CRC32C of the payload%s", crc,
		 have == len ? (ok ? " (checks)" : " (MISMATCH)") : "");
}

/* Annotates one ipclab message (24-byte header + payload), field by field. */
static void annotate_ipl(const struct ipl_demo_out *o, const uint8_t *p, size_t n, size_t total)
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
	crc_text(p, n, m, sizeof m);
	row((void *)o, 20, p + 20, 4, "crc", m);
	if (len && n > IPL_HDR_SIZE)
		payload_rows(o, IPL_HDR_SIZE, p + IPL_HDR_SIZE,
			     n - IPL_HDR_SIZE < 64 ? n - IPL_HDR_SIZE : 64, total - IPL_HDR_SIZE, "payload");
}

/* A HELLO or BYE (anything but ECHO) in one line. */
static void summarize_ipl(const uint8_t *p, size_t n)
{
	char fl[32];
	flags_text(ipl_get_be16(p + 6), fl, sizeof fl);
	printf("           %s: magic IPL1, op %u = %s, flags %s, seq %llu, len %u\n",
	       (ipl_get_be16(p + 6) & IPL_FLAG_REPLY) ? "reply" : "request", p[5], op_name(p[5]), fl,
	       (unsigned long long)ipl_get_be64(p + 8), ipl_get_be32(p + 16));
	if (p[5] == IPL_OP_HELLO && n >= IPL_HDR_SIZE + 4)
		printf("           payload: the server's payload cap, %u bytes\n",
		       ipl_get_be32(p + IPL_HDR_SIZE));
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

/* What a SEND or RECV event moved. */
static void print_io(const struct ipl_demo_out *o, const struct ipl_demo_ev *e, uint32_t *rpc_proc)
{
	if (e->kind == IPL_DEMO_RECV) {
		if (e->nbytes > 0)
			printf("%s -> %lld bytes\n", e->text, (long long)e->nbytes);
		else if (e->nbytes == 0)
			printf("%s -> 0 (end of file: the peer closed its end)\n", e->text);
		else
			printf("%s -> %s\n", e->text, ipl_strerror((int)e->nbytes));
		return;
	}
	printf("%s: %lld bytes\n", e->text, (long long)e->nbytes);
	if (o->rpc) {
		if (ipl_demo_rpc_annotate(e->data, e->datalen, rpc_proc, row, (void *)o) < 0)
			payload_rows(o, 0, e->data, e->datalen, (size_t)e->nbytes, "bytes");
	} else if (e->datalen >= IPL_HDR_SIZE && e->data[5] != IPL_OP_ECHO) {
		summarize_ipl(e->data, e->datalen);
	} else {
		annotate_ipl(o, e->data, e->datalen, (size_t)e->nbytes);
	}
}

void ipl_demo_print_log(const struct ipl_demo_out *o, const struct ipl_demo_log *lg)
{
	unsigned n = ipl_demo_ev_count(lg);
	uint32_t rpc_proc = UINT32_MAX; /* the last CALL's procedure, to read its REPLY */
	for (unsigned i = 0; i < n; i++) {
		const struct ipl_demo_ev *e = &lg->ev[i];
		const char *sc = e->side == IPL_DEMO_CLIENT ? C_CLIENT
			       : e->side == IPL_DEMO_SERVER ? C_SERVER
							    : C_DIM;
		if (e->kind == IPL_DEMO_HEAD) {
			printf("\n%s== %s%s\n", col(o, C_BOLD), e->text, col(o, C_RESET));
			continue;
		}
		if (o->rpc && e->rpc_step)
			printf("%s[%s]%s %s-- RPC step %s --%s\n", col(o, sc), side_name(e->side),
			       col(o, C_RESET), col(o, C_BOLD), rpc_step_name(e->rpc_step), col(o, C_RESET));
		printf("%s[%s]%s ", col(o, sc), side_name(e->side), col(o, C_RESET));
		if (e->kind == IPL_DEMO_TEXT)
			printf("%s\n", e->text);
		else
			print_io(o, e, &rpc_proc);
	}
}
