/* test_served_on_time.c - good clients are served on time while hostile
 * ones hold connections, on every multi-client variant.
 *
 * Each case runs twice the same work: M good client processes, each doing
 * ROUNDS echo round trips of mixed sizes, every reply verified (op, seq,
 * length, payload; every other one checksummed), from fork to BYE.
 *   1. the baseline: the good clients alone; its wall time is B;
 *   2. the same, while hostile clients hold connections to the same server:
 *        slow      one byte of a request every 100 ms, for ever
 *        silent    connected, never a byte
 *        fragment  (rpc, oncrpc) a call record that never ends: a non-last
 *                  fragment every 10 ms
 *        half16m   a request declaring a 16 MiB payload, 8 MiB of it sent,
 *                  then silence
 *        truncate  (shm, rpc over shm) a client that truncates its own
 *                  segment once the server has mapped it (refused by the
 *                  seals) and then zeroes all of it under the server
 *      every one of them in position (connected, its bytes sent: a byte on
 *      a pipe says so) before the good clients start.
 * Pass: every round trip verified in both runs, the loaded run done within
 * max(FACTOR x B, FLOOR_S) - a deadline relative to the machine's speed
 * measured in the same test, never an absolute speed - and the same server
 * process throughout, which then stops cleanly (exit 0) and leaves no name.
 *
 * The hostile clients of a byte-stream mechanism speak raw bytes on its own
 * connection; those of rpc and oncrpc go under the rpc layer, on a
 * connection of the carrier (rpc over tcp, unix, fifo, shm; oncrpc over tcp,
 * unix), as a hostile ONC RPC caller would. */
#include "common/bytes.h"
#include "common/err.h"
#include "common/exchange.h"
#include "common/msgio.h"
#include "common/names.h"
#include "tests/reliab.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

#include "rpc/rpcmsg.h"
#include "rpc/rpcprog.h"
#include "rpc/xdr.h"
#include "bench/registry/registry.h"

#define M_GOOD 3        /* good clients per run */
#define ROUNDS 1000     /* verified round trips per good client */
#define FACTOR 20       /* the loaded run may take this many baselines... */
#define FLOOR_S 60.0    /* ...or this long, whichever is more */
#define CHILD_S 1200    /* alarm() in every child: a hang fails, never stalls */
#define SLOW_GAP_MS 100 /* the slow client: one byte this often */
#define FRAG_GAP_MS 10  /* the endless record: one fragment this often */
#define FRAG_LEN 1024
#define HALF (8u << 20) /* of the 16 MiB the half-sent request declares */

enum hostile { H_SLOW, H_SILENT, H_FRAGMENT, H_HALF16M, H_TRUNCATE, H_KINDS };
static const char *const hostile_name[H_KINDS] = { "slow", "silent", "fragment", "half16m", "truncate" };

struct hostile_arg {
	int kind;
	int ready_w;     /* one byte here once in position */
	const char *via; /* layered: the carrier to speak raw bytes on */
	char addr[IPL_ADDR_MAX];
};

/* ---- the shm segment a client creates, kept to attack it later ---------
 * A connection's segment is a memfd the client creates, seals against
 * shrinking and growing, and passes to the server by fd number; the library
 * keeps no descriptor a test could reach, so this wrapper, which the
 * library's calls in this binary bind to, keeps one when asked. */
static int grab_segment; /* set in the truncating client only */
static int grabbed_fd = -1;

int memfd_create(const char *name, unsigned int flags)
{
	static int (*real)(const char *, unsigned int);
	if (!real) {
		void *sym = dlsym(RTLD_NEXT, "memfd_create");
		memcpy(&real, &sym, sizeof real);
	}
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	int fd = real(name, flags);
	if (fd >= 0 && grab_segment) {
		if (grabbed_fd >= 0)
			close(grabbed_fd);
		grabbed_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	}
	return fd;
}

/* ---- good clients ------------------------------------------------------ */

static uint32_t size_of(unsigned idx, unsigned i)
{
	static const uint32_t sizes[] = { 0, 1, 64, 100, 512, 1024, 4096, 9000, 65536 };
	return sizes[(idx * 7 + i) % (sizeof sizes / sizeof sizes[0])];
}

/* HELLO, ROUNDS verified echoes, BYE.  0 only if every reply verified. */
static int good_body(struct ipl_conn *c, void *arg)
{
	unsigned idx = (unsigned)(uintptr_t)arg;
	alarm(CHILD_S);
	if (ipl_client_hello(c, NULL) < 0)
		return 10;
	uint8_t *tx = malloc(65536);
	struct ipl_buf rx = { 0 };
	int rc = tx ? 0 : 11;
	for (unsigned i = 0; i < ROUNDS && !rc; i++) {
		uint32_t size = size_of(idx, i);
		uint64_t seq = ((uint64_t)idx << 32) | i;
		ipl_payload_fill(tx, size, seq);
		struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .seq = seq, .len = size };
		if (i & 1) {
			h.flags = IPL_FLAG_CRC;
			h.crc = ipl_crc32c(0, tx, size);
		}
		struct ipl_hdr r;
		int e = ipl_msg_send(c, &h, tx);
		if (e == 0)
			e = ipl_msg_recv(c, IPL_DEFAULT_CAP, &r, &rx);
		if (e < 0) {
			fprintf(stderr, "good client %u: round %u: %s\n", idx, i, ipl_strerror(e));
			rc = 12;
		} else if (r.op != IPL_OP_ECHO || r.seq != seq || r.len != size ||
			   (size && memcmp(rx.p, tx, size))) {
			fprintf(stderr, "good client %u: round %u: wrong reply\n", idx, i);
			rc = 13;
		}
	}
	free(tx);
	ipl_buf_free(&rx);
	if (!rc && ipl_client_bye(c) < 0)
		rc = 14;
	return rc;
}

/* ---- hostile clients ------------------------------------------------- */

/* The byte says which kind is in position. */
static int say_ready(const struct hostile_arg *h)
{
	char b = (char)('0' + h->kind);
	return write(h->ready_w, &b, 1) == 1 ? 0 : 1;
}

/* Holds the connection until killed. */
static _Noreturn int hold(void)
{
	for (;;)
		pause();
}

/* Sends m one byte every SLOW_GAP_MS (ready after the first), then reads
 * one reply with read_reply; again, for ever.  A send or read error (the
 * server may drop a client this slow) ends the hostility: hold. */
static int dribble_forever(struct ipl_conn *c, const struct hostile_arg *h, const uint8_t *m, size_t n,
			   int (*read_reply)(struct ipl_conn *))
{
	for (int first = 1;; first = 0) {
		for (size_t i = 0; i < n; i++) {
			if (ipl_rl_send_raw(c, m + i, 1) < 0)
				return first && say_ready(h) ? 1 : hold();
			if (first && i == 0 && say_ready(h))
				return 1;
			ipl_rl_sleep_ms(SLOW_GAP_MS);
		}
		if (read_reply(c) < 0)
			return hold();
	}
}

static int read_ipl_reply(struct ipl_conn *c)
{
	struct ipl_hdr r;
	struct ipl_buf b = { 0 };
	int rc = ipl_msg_recv(c, 64, &r, &b);
	ipl_buf_free(&b);
	return rc;
}

/* Truncates the client's own segment (kept by the memfd_create wrapper) now
 * that the server has it mapped.  The seals make the kernel refuse that
 * (EPERM); the worst left to the client is then to zero every page of it
 * under the server (a hole punched over the whole file), which it does. */
static int truncate_segment(const struct hostile_arg *h)
{
	if (grabbed_fd < 0) {
		fprintf(stderr, "truncate: no segment was created\n");
		return 1;
	}
	if (ftruncate(grabbed_fd, 0) < 0) {
		if (errno != EPERM)
			return 2;
		off_t len = lseek(grabbed_fd, 0, SEEK_END);
		if (len <= 0 || fallocate(grabbed_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, len) < 0)
			return 5;
	}
	return say_ready(h) ? 3 : hold();
}

/* A header declaring 16 MiB and half of the payload, then silence. */
static int half_sent(struct ipl_conn *c, const struct hostile_arg *h)
{
	uint8_t *m = calloc(1, IPL_HDR_SIZE + HALF);
	if (!m)
		return 1;
	ipl_rl_hdr(m, IPL_OP_ECHO, 0, 1, IPL_DEFAULT_CAP, 0);
	int rc = ipl_rl_send_raw(c, m, IPL_HDR_SIZE + HALF);
	free(m);
	if (rc < 0)
		fprintf(stderr, "half16m: send: %s\n", ipl_strerror(rc));
	return say_ready(h) ? 2 : hold();
}

/* A hostile client of a byte-stream mechanism, on the connection the
 * fixture made (pre-forked for pipe). */
static int hostile_bytes(struct ipl_conn *c, void *arg)
{
	const struct hostile_arg *h = arg;
	alarm(CHILD_S);
	switch (h->kind) {
	case H_SILENT: return say_ready(h) ? 1 : hold();
	case H_SLOW: {
		uint8_t m[IPL_HDR_SIZE + 8];
		memcpy(m + IPL_HDR_SIZE, "s-l-o-w!", 8);
		ipl_rl_hdr(m, IPL_OP_ECHO, IPL_FLAG_CRC, 7, 8, ipl_crc32c(0, m + IPL_HDR_SIZE, 8));
		return dribble_forever(c, h, m, sizeof m, read_ipl_reply);
	}
	case H_HALF16M: return half_sent(c, h);
	case H_TRUNCATE: /* a round trip first: the server has mapped the segment */
		if (ipl_client_hello(c, NULL) < 0)
			return 4;
		return truncate_segment(h);
	}
	return 99;
}

/* An ECHO call's header and opaque length word for a payload of len. */
static size_t echo_call(uint8_t *b, size_t cap, uint32_t xid, uint32_t len)
{
	struct ipl_xdr_enc x;
	ipl_xdr_enc_init(&x, b, cap);
	struct ipl_rpc_call call = {
		.xid = xid, .rpcvers = IPL_RPC_VERS, .prog = IPL_RPC_PROG, .vers = IPL_RPC_PROG_VERS, .proc = IPL_RPC_PROC_ECHO
	};
	ipl_rpc_call_encode(&x, &call);
	ipl_xdr_put_u32(&x, len);
	return x.err ? 0 : x.len;
}

static int read_rpc_reply(struct ipl_conn *c)
{
	struct ipl_buf b = { 0 };
	size_t len = 0;
	int rc = ipl_rpc_read_record(c, 1u << 20, &b, &len);
	ipl_buf_free(&b);
	return rc;
}

/* A call record that never ends: non-last fragments of FRAG_LEN bytes,
 * the first holding an ECHO call header declaring a 16 MiB opaque. */
static int endless_record(struct ipl_conn *c, const struct hostile_arg *h)
{
	uint8_t f[4 + FRAG_LEN];
	memset(f, 0x5a, sizeof f);
	ipl_put_be32(f, ipl_rm_word(FRAG_LEN, 0));
	if (!echo_call(f + 4, FRAG_LEN, 9, IPL_DEFAULT_CAP))
		return 1;
	for (unsigned n = 0;; n++) {
		if (ipl_rl_send_raw(c, f, sizeof f) < 0)
			return n == 0 && say_ready(h) ? 2 : hold();
		if (n == 0 && say_ready(h))
			return 3;
		memset(f + 4, 0x5a, FRAG_LEN); /* the rest is the opaque's bytes */
		ipl_rl_sleep_ms(FRAG_GAP_MS);
	}
}

/* One record (a single last fragment) declaring an ECHO of 16 MiB, half of
 * whose payload is sent; then silence. */
static int half_record(struct ipl_conn *c, const struct hostile_arg *h)
{
	uint8_t head[256];
	size_t hn = echo_call(head + 4, sizeof head - 4, 11, IPL_DEFAULT_CAP);
	if (!hn)
		return 1;
	ipl_put_be32(head, ipl_rm_word((uint32_t)(hn + IPL_DEFAULT_CAP), 1));
	uint8_t *m = calloc(1, 4 + hn + HALF);
	if (!m)
		return 2;
	memcpy(m, head, 4 + hn);
	int rc = ipl_rl_send_raw(c, m, 4 + hn + HALF);
	free(m);
	if (rc < 0)
		fprintf(stderr, "half16m (rpc): send: %s\n", ipl_strerror(rc));
	return say_ready(h) ? 3 : hold();
}

/* A hostile ONC RPC caller: raw bytes on a connection of the carrier. */
static int hostile_rpc(const struct hostile_arg *h)
{
	alarm(CHILD_S);
	signal(SIGPIPE, SIG_IGN);
	grab_segment = h->kind == H_TRUNCATE;
	struct ipl_endpoint ce;
	ipl_endpoint_setup(&ce, ipl_transport_find(h->via), NULL, h->addr);
	struct ipl_conn *c = NULL;
	int rc = ipl_endpoint_attach_client(&ce, 0, &c);
	if (rc < 0) {
		fprintf(stderr, "hostile %s: attach %s: %s\n", hostile_name[h->kind], h->via, ipl_strerror(rc));
		return 9;
	}
	switch (h->kind) {
	case H_SILENT: return say_ready(h) ? 1 : hold();
	case H_SLOW: {
		uint8_t m[256];
		size_t n = echo_call(m + 4, sizeof m - 4 - 8, 7, 4);
		if (!n)
			return 2;
		memcpy(m + 4 + n, "slow", 4);
		n += 4;
		ipl_put_be32(m, ipl_rm_word((uint32_t)n, 1));
		return dribble_forever(c, h, m, n + 4, read_rpc_reply);
	}
	case H_FRAGMENT: return endless_record(c, h);
	case H_HALF16M: return half_record(c, h);
	case H_TRUNCATE: return truncate_segment(h);
	}
	return 99;
}

/* ---- the case ---------------------------------------------------------- */

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int is_shm(const char *name)
{
	return name && !strcmp(name, "shm");
}

/* The hostile kinds that apply to v; returns how many, kinds in k[]. */
static unsigned hostile_kinds(const struct ipl_test_variant *v, int layered, int k[H_KINDS])
{
	unsigned n = 0;
	k[n++] = H_SLOW;
	k[n++] = H_SILENT;
	if (layered)
		k[n++] = H_FRAGMENT;
	k[n++] = H_HALF16M;
	if (is_shm(layered ? v->via : v->tp))
		k[n++] = H_TRUNCATE;
	return n;
}

/* Starts M_GOOD good clients as clients first..first+M_GOOD-1 and waits
 * for them until deadline_s (a time on now_s's clock; 0: the safety net).
 * Returns the wall time from the first fork to the last exit, or -1 if
 * one failed or the deadline passed (then the rest are killed). */
static double run_good(struct ipl_fixture *fx, unsigned first, double deadline_s, const char *what)
{
	pid_t p[M_GOOD];
	double t0 = now_s();
	if (deadline_s <= 0)
		deadline_s = t0 + CHILD_S;
	for (unsigned i = 0; i < M_GOOD; i++) {
		p[i] = ipl_fx_client(fx, first + i, good_body, (void *)(uintptr_t)(first + i));
		if (p[i] <= 0)
			return -1;
	}
	unsigned left = M_GOOD;
	int bad = 0;
	while (left) {
		for (unsigned i = 0; i < M_GOOD; i++) {
			int st;
			if (p[i] <= 0 || waitpid(p[i], &st, WNOHANG) != p[i])
				continue;
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				fprintf(stderr, "%s: good client %u failed (status %#x)\n", what, first + i, st);
				bad = 1;
			}
			p[i] = 0;
			left--;
		}
		if (left && now_s() > deadline_s)
			break;
		if (left)
			ipl_rl_sleep_ms(10);
	}
	double t = now_s() - t0;
	if (left) {
		fprintf(stderr, "%s: %u of %u good clients not done after %.1f s: not served on time\n",
			what, left, M_GOOD, t);
		for (unsigned i = 0; i < M_GOOD; i++)
			if (p[i] > 0) {
				kill(p[i], SIGKILL);
				waitpid(p[i], NULL, 0);
			}
		return -1;
	}
	return bad ? -1 : t;
}

/* Starts one hostile client: through the fixture (byte-stream mechanisms:
 * its connection, pre-forked for pipe) or forked here onto the carrier. */
static pid_t start_hostile(struct ipl_fixture *fx, unsigned idx, struct hostile_arg *h)
{
	if (h->via) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0)
			_exit(hostile_rpc(h));
		if (pid > 0 && fx->nkids < sizeof fx->kids / sizeof fx->kids[0])
			fx->kids[fx->nkids++] = pid;
		return pid;
	}
	grab_segment = h->kind == H_TRUNCATE; /* the client forked now inherits it */
	pid_t pid = ipl_fx_client(fx, idx, hostile_bytes, h);
	grab_segment = 0;
	return pid;
}

/* Waits for the n hostile clients of kinds k to say they are in position
 * (the deadline is a safety net); names those that never did.  0 or -1. */
static int wait_hostiles(const struct ipl_test_variant *v, int fd, unsigned n, const int *k)
{
	int in[H_KINDS] = { 0 };
	unsigned got = 0;
	double end = now_s() + IPL_RL_SAFETY_MS / 1000.0;
	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = end - now_s();
		int r = left > 0 ? poll(&p, 1, (int)(left * 1000) + 1) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		char b;
		if (r != 1 || read(fd, &b, 1) != 1)
			break;
		if (b >= '0' && b < '0' + H_KINDS)
			in[b - '0'] = 1;
		got++;
	}
	if (got == n)
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (!in[k[i]])
			fprintf(stderr,
				"%s: hostile client '%s' never got in position (the server did not "
				"take its connection or its bytes)\n",
				v->name, hostile_name[k[i]]);
	return -1;
}

/* True while srv runs; else says how it ended (left to reap for the
 * fixture: WNOWAIT). */
static int server_alive(const struct ipl_test_variant *v, pid_t srv)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)srv, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return 0;
	if (si.si_pid == 0)
		return 1;
	if (si.si_code == CLD_EXITED)
		fprintf(stderr, "%s: the server exited with %d\n", v->name, si.si_status);
	else
		fprintf(stderr, "%s: the server died of signal %d (%s)\n", v->name, si.si_status,
			strsignal(si.si_status));
	return 0;
}

static void case_on_time(const struct ipl_test_variant *v, const struct ipl_rl_case *k)
{
	(void)k;
	int layered = (ipl_rl_caps(v) & IPL_CAP_LAYERED) != 0;
	int kinds[H_KINDS];
	unsigned nh = hostile_kinds(v, layered, kinds);
	int ready[2];
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	/* set before the fixture starts: pre-forked clients (pipe) copy it */
	struct hostile_arg h[H_KINDS];
	for (unsigned i = 0; i < nh; i++)
		h[i] = (struct hostile_arg){ .kind = kinds[i], .ready_w = ready[1], .via = layered ? v->via : NULL };
	struct ipl_fixture *fx = ipl_rl_fixture();
	assert_ok(ipl_fx_start(fx, v, 2 * M_GOOD + nh));
	for (unsigned i = 0; i < nh; i++)
		memcpy(h[i].addr, fx->ep.addr, sizeof h[i].addr);
	pid_t srv = fx->server;
	char what[128];

	/* 1. the baseline: the good clients alone */
	snprintf(what, sizeof what, "%s baseline", v->name);
	double base = run_good(fx, 0, 0, what);
	assert_true(base > 0);

	/* 2. the same work beside every hostile client, all in position */
	pid_t hp[H_KINDS];
	for (unsigned i = 0; i < nh; i++) {
		hp[i] = start_hostile(fx, M_GOOD + i, &h[i]);
		assert_true(hp[i] > 0);
	}
	close(ready[1]);
	int placed = wait_hostiles(v, ready[0], nh, kinds);
	close(ready[0]);
	assert_int_equal(placed, 0);
	double limit = FACTOR * base > FLOOR_S ? FACTOR * base : FLOOR_S;
	snprintf(what, sizeof what, "%s beside %u hostile clients", v->name, nh);
	double loaded = run_good(fx, M_GOOD + nh, now_s() + limit, what);
	char names[64] = "";
	for (unsigned i = 0; i < nh; i++)
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
			 hostile_name[kinds[i]]);
	fprintf(stderr,
		"%s: %u good clients x %u verified round trips: alone %.2f s, beside hostile "
		"(%s) %.2f s; deadline %.1f s = max(%d x alone, %.0f s)\n",
		v->name, M_GOOD, ROUNDS, base, names, loaded, limit, FACTOR, FLOOR_S);
	int alive = server_alive(v, srv);
	for (unsigned i = 0; i < nh; i++) {
		kill(hp[i], SIGKILL);
		waitpid(hp[i], NULL, 0);
	}
	assert_true(loaded > 0);
	assert_true(alive); /* the same server all along */
	assert_int_equal(ipl_fx_stop(fx), 0);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

static const struct ipl_rl_case cases[] = {
	/* byte-stream mechanisms: the hostile clients use their connection */
	{ "served_on_time", case_on_time, IPL_CAP_MULTI_CLIENT | IPL_CAP_BYTES, IPL_CAP_LAYERED, 0, NULL },
	/* rpc, oncrpc: the hostile clients connect to the carrier by address
	 * (not rpc over pipe: fork-only, and its rpc code is the same) */
	{ "served_on_time", case_on_time, IPL_CAP_MULTI_CLIENT | IPL_CAP_LAYERED, IPL_CAP_NEEDS_FORK, 0, NULL },
};

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	return ipl_rl_run("served_on_time", cases, sizeof cases / sizeof cases[0], argc, argv);
}
