/* test_flip.c - a reply with one payload byte flipped is reported, on every
 * variant of helper_variants.c, at every size class (1 B, 64 B, 4 KiB,
 * 64 KiB, 1 MiB; a class over the variant's max_payload becomes its
 * largest payload), wherever the byte lies: first, middle, last, and on shm
 * on either side of the reply ring's wrap; once more with --crc.
 *
 * The server is the test's own (ipl_fx_start_handler): it answers like the
 * framed exchange but XORs one bit of the echoed payload of chosen
 * requests, leaving the header (and its CRC, the request's) as it was:
 * corruption in transit.  A request is chosen by its place in the session
 * (the nth ECHO), not by its seq: oncrpc's wire carries libtirpc's xid
 * instead.  The client is the real one (common/client.c,
 * ipl_client_latency, seqs of each run apart from the others'): each run
 * must count exactly its corrupted replies in err_payload and every other
 * reply ok, which also shows the stream stays in step after a bad reply.
 * The plan (which reply, which byte, which bit) is built before the server
 * and the clients are forked, so both read the same one.
 *
 * shm: the client copies a reply out of the ring (msgio's read_full_peek,
 * one piece per contiguous stretch) before it compares, so a flip beside
 * the wrap shows that both pieces reach the comparison intact, and keeps
 * showing it if the check is ever fused with that copy.  That the flip is
 * beside the wrap is checked, not assumed: see add_wrap and rep_head.
 *
 * oncrpc: its server is libtirpc's, which serves every client inside accept
 * and never hands a conn to a handler, so no custom server can stand in it.
 * Its client is covered instead against the rpc layer's server over the same
 * carrier (the same ONC RPC wire: t_rpc_interop.sh) with the lying handler. */
#include "bench/registry/registry.h"
#include "common/bytes.h"
#include "common/err.h"
#include "common/exchange.h"
#include "common/msgio.h"
#include "shm/layout.h"
#include "tests/fixture.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

#define CLIENT_TIMEOUT_S 120
#define RUN_MSGS 7   /* per run: flips at the 2nd, 4th and 6th, clean between and after */
#define WRAP_MSGS 10 /* shm's wrap run: 640 KiB of replies wrap a 256 KiB ring at least twice */
#define MAX_RUNS 16
#define MAX_FLIPS 64
#define SEQ_STRIDE 1000 /* run r uses seqs (r + 1) * SEQ_STRIDE + 1..: never reused */

struct flip {
	uint64_t nth; /* the nth ECHO of the session, from 1 */
	uint32_t off;
	uint8_t mask; /* one bit: the smallest corruption there is */
};

struct run {
	uint32_t size;
	uint64_t base; /* seqs base + 1 .. base + n */
	uint64_t n;
	int crc;
	unsigned nflips;
};

struct plan {
	struct run run[MAX_RUNS];
	unsigned nruns;
	struct flip flip[MAX_FLIPS];
	unsigned nflips;
	uint64_t echoes;     /* ECHOs in the runs so far */
	unsigned wrap_flips; /* shm: flips next to the reply ring's wrap point */
	/* shm: bytes the server writes to the reply ring (every reply is its
	 * header and payload, nothing else), which the client checks against
	 * the ring's head, so the wrap positions below are known, not hoped */
	uint64_t rep_bytes;
	int check_ring;
};

/* Read by the server and the clients forked after it is built. */
static struct plan plan;

/* ---- the plan ------------------------------------------------------------ */

/* Flips byte off of the reply to the jth ECHO (from 1) of run r, the last
 * one added. */
static void add_flip(struct plan *p, struct run *r, uint64_t j, uint32_t off)
{
	assert_true(p->nflips < MAX_FLIPS);
	assert_true(off < r->size);
	p->flip[p->nflips] =
		(struct flip){ .nth = p->echoes + j, .off = off, .mask = (uint8_t)(1u << (p->nflips % 8)) };
	p->nflips++;
	r->nflips++;
}

static struct run *add_run(struct plan *p, uint32_t size, uint64_t n, int crc)
{
	assert_true(p->nruns < MAX_RUNS);
	struct run *r = &p->run[p->nruns];
	*r = (struct run){ .size = size, .base = (uint64_t)(p->nruns + 1) * SEQ_STRIDE, .n = n, .crc = crc };
	p->nruns++;
	return r;
}

/* A run of RUN_MSGS echoes of size bytes with the first, middle and last
 * payload byte flipped in the 2nd, 4th and 6th reply. */
static void add_classic(struct plan *p, uint32_t size, int crc)
{
	struct run *r = add_run(p, size, RUN_MSGS, crc);
	add_flip(p, r, 2, 0);
	add_flip(p, r, 4, size / 2);
	add_flip(p, r, 6, size - 1);
	p->rep_bytes += r->n * (IPL_HDR_SIZE + (uint64_t)size);
	p->echoes += r->n;
}

/* shm: WRAP_MSGS echoes of 64 KiB; every reply whose payload straddles the
 * ring's end has the byte just after the wrap (ring index 0) or just before
 * it flipped, alternately.  Positions come from the bytes written so far:
 * a fresh segment's rings start at 0, and a message is exactly its header
 * and payload in the ring (ipl_msg_send), wrapping at RING_SIZE
 * (ipl_shmring_put: index = position mod size). */
static void add_wrap(struct plan *p)
{
	const uint32_t size = 64u << 10;
	struct run *r = add_run(p, size, WRAP_MSGS, 0);
	for (uint64_t j = 0; j < r->n; j++) {
		uint64_t start = (p->rep_bytes + IPL_HDR_SIZE) % RING_SIZE; /* the payload's ring index */
		if (start + size > RING_SIZE) {
			uint32_t after = (uint32_t)(RING_SIZE - start); /* payload offset at ring index 0 */
			add_flip(p, r, j + 1, p->wrap_flips % 2 ? after - 1 : after);
			p->wrap_flips++;
		}
		p->rep_bytes += IPL_HDR_SIZE + (uint64_t)size;
	}
	p->echoes += r->n;
}

/* A layer over datagrams has its own largest payload (ipl_max_payload_of). */
static uint32_t clamp(uint32_t max, uint32_t size)
{
	return max && size > max ? max : size;
}

static void build_plan(struct plan *p, const struct ipl_transport *tp, const struct ipl_transport *via)
{
	uint32_t max = ipl_max_payload_of(tp, via, NULL);
	static const uint32_t sizes[] = { 1, 64, 4096, 64u << 10, 1u << 20 };
	memset(p, 0, sizeof *p);
	p->rep_bytes = IPL_HDR_SIZE + 4; /* HELLO's reply: the cap */
	uint32_t last = 0;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint32_t s = clamp(max, sizes[i]);
		if (s != last) /* udp: 64 KiB and 1 MiB are both its largest */
			add_classic(p, s, 0);
		last = s;
	}
	add_classic(p, clamp(max, 64u << 10), 1); /* --crc: the checksum path */
	if (!strcmp(tp->name, "shm")) {
		add_wrap(p);
		p->check_ring = 1;
		/* both sides of the wrap, or the ring grew past what this run covers */
		assert_true(p->wrap_flips >= 2);
	}
}

/* ---- the lying server ---------------------------------------------------- */

static void corrupt(const struct plan *p, uint64_t nth, uint8_t *payload, uint32_t len)
{
	for (unsigned i = 0; i < p->nflips; i++)
		if (p->flip[i].nth == nth && p->flip[i].off < len)
			payload[p->flip[i].off] ^= p->flip[i].mask;
}

/* An ipl_conn_handler: the framed exchange's answers (HELLO, ECHO, SINK,
 * BYE), with the plan's replies corrupted.  Anything else ends the
 * connection: only this test's client talks to it. */
static int flip_serve(struct ipl_conn *c, void *arg, struct ipl_rx_limit *lim, struct ipl_serve_stats *st)
{
	const struct plan *p = arg;
	struct ipl_buf buf = { 0 };
	uint64_t echoes = 0;
	int rc = 0;
	while (rc == 0 && !atomic_load_explicit(&c->cancel, memory_order_relaxed)) {
		struct ipl_hdr h;
		rc = ipl_msg_recv_limited(c, IPL_DEFAULT_CAP, &h, &buf, lim, 0);
		if (rc == IPL_ECLOSED) {
			rc = 0;
			break;
		}
		if (rc < 0)
			break;
		st->msgs++;
		st->bytes += h.len;
		struct ipl_hdr r = { .version = IPL_VERSION, .op = h.op, .flags = IPL_FLAG_REPLY, .seq = h.seq };
		uint8_t be_cap[4];
		const uint8_t *pay = NULL;
		if (h.op == IPL_OP_HELLO) {
			ipl_put_be32(be_cap, IPL_DEFAULT_CAP);
			r.len = sizeof be_cap;
			pay = be_cap;
		} else if (h.op == IPL_OP_ECHO) {
			corrupt(p, ++echoes, buf.p, h.len);
			r.len = h.len;
			pay = buf.p;
			if (h.len && (h.flags & IPL_FLAG_CRC)) { /* the clean payload's CRC */
				r.flags |= IPL_FLAG_CRC;
				r.crc = h.crc;
			}
		} else if (h.op == IPL_OP_SINK && (h.flags & IPL_FLAG_NOACK)) {
			continue;
		} else if (h.op != IPL_OP_SINK && h.op != IPL_OP_BYE) {
			rc = IPL_EPROTO;
			break;
		}
		rc = ipl_msg_send(c, &r, pay);
		if (h.op == IPL_OP_BYE)
			break;
	}
	ipl_rx_release(&buf, lim);
	st->conns++;
	return rc;
}

/* ---- the client ---------------------------------------------------------- */

/* shm: the head of this process's reply ring (its connection segment, the
 * one memfd mapping of that name here), or -1 when not found. */
static long long rep_head(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long lo = 0;
	int found = 0;
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, "/memfd:ipclab-shm") && sscanf(line, "%lx-", &lo) == 1) {
			found = 1;
			break;
		}
	if (f)
		fclose(f);
	if (!found)
		return -1;
	struct seg *s = (struct seg *)lo;
	if (s->magic != SEG_MAGIC || s->ring_size != RING_SIZE)
		return -1;
	return atomic_load(&s->ring[REP].head) & IPL_SHMRING_POS;
}

static int body_flip(struct ipl_conn *c, void *arg)
{
	const struct plan *p = arg;
	if (ipl_client_hello(c, NULL) < 0)
		return 2;
	int bad = 0; /* every run is tried and reported: the failures show the pattern */
	for (unsigned i = 0; i < p->nruns; i++) {
		const struct run *r = &p->run[i];
		struct ipl_client_cfg cfg = {
			.size = r->size, .iters = r->n, .seq_base = r->base, .op = IPL_OP_ECHO, .crc = r->crc
		};
		struct ipl_client_stats st = { 0 };
		int rc = ipl_client_latency(c, &cfg, NULL, &st);
		if (rc < 0 || st.err_payload != r->nflips || st.ok != r->n - r->nflips || st.errors != r->nflips) {
			fprintf(stderr, "run %u, size %u%s: rc %s, ok %llu of %llu, err_payload %llu (want %u), errors %llu\n",
				i, r->size, r->crc ? " crc" : "", ipl_strerror(rc),
				(unsigned long long)st.ok, (unsigned long long)r->n,
				(unsigned long long)st.err_payload, r->nflips, (unsigned long long)st.errors);
			bad = 1;
			if (rc < 0)
				return 3;
		}
	}
	if (bad)
		return 3;
	if (p->check_ring) {
		long long head = rep_head();
		if (head != (long long)(p->rep_bytes & IPL_SHMRING_POS)) {
			fprintf(stderr, "reply ring head %lld, the plan says %llu: wrap offsets are wrong\n",
				head, (unsigned long long)(p->rep_bytes & IPL_SHMRING_POS));
			return 4;
		}
	}
	return ipl_client_bye(c) < 0 ? 5 : 0;
}

/* oncrpc's client, forked by hand: the fixture's endpoint is the rpc
 * layer's (the server), the client attaches to its address with oncrpc. */
static pid_t onc_client(struct ipl_fixture *fx, const struct ipl_test_variant *v)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(240);
		signal(SIGPIPE, SIG_IGN);
		struct ipl_tp_opts o = v->opts;
		o.via = ipl_transport_find(v->via);
		struct ipl_endpoint cep;
		ipl_endpoint_setup(&cep, ipl_transport_find(v->tp), &o, fx->ep.addr);
		struct ipl_conn *c = NULL;
		int rc = ipl_endpoint_attach_client(&cep, 0, &c);
		int status = 100;
		if (rc < 0)
			fprintf(stderr, "oncrpc client: attach %s: %s\n", fx->ep.addr, ipl_strerror(rc));
		else
			status = body_flip(c, &plan);
		ipl_conn_detach(c);
		ipl_endpoint_cleanup(&cep);
		ipl_endpoint_cleanup(&fx->ep); /* our copy: names stay the preparer's */
		_exit(status);
	}
	if (pid > 0 && fx->nkids < sizeof fx->kids / sizeof fx->kids[0])
		fx->kids[fx->nkids++] = pid;
	return pid;
}

/* ---- the case ------------------------------------------------------------ */

static void case_flip(void **state)
{
	const struct ipl_test_variant *v = *state;
	const struct ipl_transport *tp = ipl_transport_find(v->tp);
	assert_non_null(tp);
	build_plan(&plan, tp, v->via ? ipl_transport_find(v->via) : NULL);
	int onc = !strcmp(v->tp, "oncrpc");
	/* oncrpc: the rpc layer over the same carrier plays the server */
	struct ipl_test_variant srv = { .name = v->name, .tp = onc ? "rpc" : v->tp, .opts = v->opts, .via = v->via };
	struct ipl_fixture fx;
	assert_ok(ipl_fx_start_handler(&fx, &srv, 1, flip_serve, &plan));
	pid_t p = onc ? onc_client(&fx, v) : ipl_fx_client(&fx, 0, body_flip, &plan);
	int st = p > 0 ? ipl_fx_wait(&fx, p, CLIENT_TIMEOUT_S) : -1;
	/* stopped before any verdict: a failed case leaves no server running */
	int stop = ipl_fx_stop(&fx);
	int left = ipl_fx_leftovers(&fx);
	if (st != 0)
		fprintf(stderr, "%s: client exited with %d\n", v->name, st);
	assert_int_equal(st, 0);
	assert_int_equal(stop, 0);
	assert_int_equal(left, 0);
}

int main(int argc, char **argv)
{
	/* optional filter: run only variants whose name starts with argv[1] */
	const char *only = argc > 1 ? argv[1] : NULL;
	/* udp on loopback loses nothing here: a loss would be a stall of a
	 * loaded machine, so its per-reply wait is a safety net only */
	setenv("IPCLAB_UDP_TIMEOUT_MS", "60000", 0);
	struct CMUnitTest *t = calloc(ipl_test_nvariants + 1, sizeof *t);
	char **names = calloc(ipl_test_nvariants + 1, sizeof *names);
	if (!t || !names)
		return 1;
	size_t n = 0;
	for (size_t v = 0; v < ipl_test_nvariants; v++) {
		if (only && strncmp(ipl_test_variants[v].name, only, strlen(only)))
			continue;
		if (asprintf(&names[n], "%s/flipped_byte_reported", ipl_test_variants[v].name) < 0)
			return 1;
		t[n] = (struct CMUnitTest){ .name = names[n],
					    .test_func = case_flip,
					    .initial_state = (void *)&ipl_test_variants[v] };
		n++;
	}
	int rc = _cmocka_run_group_tests("flip", t, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(t);
	return rc;
}
