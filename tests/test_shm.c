/* test_shm.c - the shm rings and transport beyond the conformance suite:
 * wrap-around (including the 31-bit index wrap), full and empty rings, a
 * message far larger than the ring under every wait policy, a peer killed
 * mid-message, cancellation, and /dev/shm left clean after normal runs and
 * after SIGKILL of either side. */
#include "common/err.h"
#include "common/msgio.h"
#include "common/names.h"
#include "shm/layout.h"
#include "shm/ring.h"
#include "common/transport.h"
#include "bench/registry/registry.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
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

/* ---- helpers ------------------------------------------------------------ */

/* A ring in an anonymous shared mapping: survives fork, needs no name. */
struct tring {
	uint8_t *map;
	size_t len;
	struct ipl_shmring *r;
	uint8_t *data;
	uint32_t size;
};

static void tring_new(struct tring *t, uint32_t size)
{
	t->len = 4096 + (size_t)size;
	t->map = mmap(NULL, t->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(t->map != MAP_FAILED);
	t->r = (struct ipl_shmring *)t->map;
	t->data = t->map + 4096;
	t->size = size;
	ipl_shmring_init(t->r);
}

static void tring_free(struct tring *t)
{
	munmap(t->map, t->len);
}

/* Attaches both ends of t, as a process that is its own peer. */
static void tring_ends(struct tring *t, struct ipl_shmring_end *tx, struct ipl_shmring_end *rx)
{
	assert_ok(ipl_shmring_attach(tx, t->r, t->data, t->size, 1, IPL_WAIT_BLOCK));
	assert_ok(ipl_shmring_attach(rx, t->r, t->data, t->size, 0, IPL_WAIT_BLOCK));
}

static uint8_t pat(size_t i)
{
	return (uint8_t)(i * 7u + i / 251u + 3u);
}

/* Fills buf[0..n) with the pattern as it runs from position from on. */
static void pat_fill(uint8_t *buf, size_t n, size_t from)
{
	for (size_t k = 0; k < n; k++)
		buf[k] = pat(from + k);
}

static void send_bytes(struct ipl_shmring_end *e, const struct ipl_shmwait *w, const void *p, size_t n, int expect)
{
	struct iovec iov = { .iov_base = (void *)p, .iov_len = n };
	assert_int_equal(ipl_shmring_send(e, w, &iov, 1), expect);
}

/* Counts /dev/shm objects named for pid ("ipclab-<pid>-..."). */
static int shm_names_of(pid_t pid)
{
	char prefix[32];
	snprintf(prefix, sizeof prefix, "ipclab-%ld-", (long)pid);
	DIR *d = opendir("/dev/shm");
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += !strncmp(e->d_name, prefix, strlen(prefix));
	if (d)
		closedir(d);
	return n;
}

static void sleep_ms(long ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int setup(void **state)
{
	(void)state;
	alarm(60); /* a hang fails the test instead of stalling the run */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	alarm(0);
	return 0;
}

static const struct ipl_transport *shm_tp(void)
{
	const struct ipl_transport *tp = ipl_transport_find("shm");
	assert_non_null(tp);
	return tp;
}

/* ---- ring: empty, full, wrap-around ------------------------------------- */

/* An shm endpoint set up with o (NULL: the defaults), prepared and
 * attached as the server. */
static void serve_shm(struct ipl_endpoint *ep, const struct ipl_tp_opts *o)
{
	ipl_endpoint_setup(ep, shm_tp(), o, NULL);
	assert_ok(ipl_endpoint_prepare(ep));
	assert_ok(ipl_endpoint_attach_server(ep));
}

/* Forks a client of ep.  The parent gets its pid; the child gets 0 with *c
 * connected, or exits 2 if it cannot connect. */
static pid_t fork_client(struct ipl_endpoint *ep, struct ipl_conn **c)
{
	fflush(NULL);
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0 && ipl_endpoint_attach_client(ep, 0, c) < 0)
		_exit(2);
	return kid;
}

static void ring_empty(void **state)
{
	(void)state;
	struct tring t;
	tring_new(&t, 16);
	struct ipl_shmring_end tx, rx;
	tring_ends(&t, &tx, &rx);
	atomic_int cancel = 1;
	struct ipl_shmwait w = { .policy = IPL_WAIT_BLOCK, .cancel = &cancel };
	uint8_t buf[32];

	/* empty: a reader would wait; cancelled, it says so instead of returning data */
	assert_err(ipl_shmring_recv(&rx, &w, buf, sizeof buf), IPL_ECANCELED);
	/* one byte in, one byte out, then empty again */
	send_bytes(&tx, &w, "x", 1, 0);
	assert_int_equal(ipl_shmring_recv(&rx, &w, buf, sizeof buf), 1);
	assert_int_equal(buf[0], 'x');
	assert_err(ipl_shmring_recv(&rx, &w, buf, sizeof buf), IPL_ECANCELED);
	/* a zero-length read returns 0 without waiting */
	assert_int_equal(ipl_shmring_recv(&rx, &w, buf, 0), 0);
	/* producer closes: data before the close is still delivered, then EOF */
	send_bytes(&tx, &w, "yz", 2, 0);
	ipl_shmring_close(&tx, 1);
	assert_int_equal(ipl_shmring_recv(&rx, &w, buf, 1), 1);
	assert_int_equal(ipl_shmring_recv(&rx, &w, buf + 1, sizeof buf), 1);
	assert_memory_equal(buf, "yz", 2);
	assert_int_equal(ipl_shmring_recv(&rx, &w, buf, sizeof buf), 0);
	assert_int_equal(ipl_shmring_recv(&rx, &w, buf, sizeof buf), 0);
	tring_free(&t);
}

static void ring_full(void **state)
{
	(void)state;
	struct tring t;
	tring_new(&t, 16);
	struct ipl_shmring_end tx, rx;
	tring_ends(&t, &tx, &rx);
	atomic_int cancel = 1;
	struct ipl_shmwait w = { .policy = IPL_WAIT_BLOCK, .cancel = &cancel };
	uint8_t in[16], out[32];
	pat_fill(in, sizeof in, 0);

	send_bytes(&tx, &w, in, 16, 0); /* exactly the ring size fits without waiting */
	/* full: a writer waits (not cancellable: it finishes what it started)
	 * until the consumer frees space or dies; here it is a dead process */
	pid_t gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	struct ipl_shmpeer dead;
	ipl_shmpeer_open(&dead, gone);
	struct ipl_shmwait wd = { .policy = IPL_WAIT_BLOCK, .cancel = &cancel, .peer = &dead };
	send_bytes(&tx, &wd, in, 1, IPL_EPEERDEAD);
	ipl_shmpeer_close(&dead);
	/* the reader takes part; lazily published space still reaches the writer
	 * once the reader finds the ring empty */
	assert_int_equal(ipl_shmring_recv(&rx, &w, out, 5), 5);
	assert_int_equal(ipl_shmring_recv(&rx, &w, out + 5, sizeof out), 11);
	assert_memory_equal(out, in, 16);
	assert_err(ipl_shmring_recv(&rx, &w, out, sizeof out), IPL_ECANCELED);
	send_bytes(&tx, &w, in, 16, 0); /* room again: all 16 */
	/* reader goes away: a writer that needs space learns it (EPIPE) */
	ipl_shmring_close(&rx, 0);
	send_bytes(&tx, &w, in, 1, -EPIPE);
	tring_free(&t);
}

/* Messages of awkward sizes through a tiny ring, read back in pieces of other
 * awkward sizes, starting just below the 31-bit index wrap so both the data
 * offsets and the indices wrap many times. */
static void ring_wraparound(void **state)
{
	(void)state;
	struct tring t;
	tring_new(&t, 16);
	atomic_store(&t.r->head, IPL_SHMRING_POS - 40);
	atomic_store(&t.r->tail, IPL_SHMRING_POS - 40);
	struct ipl_shmring_end tx, rx;
	tring_ends(&t, &tx, &rx);
	atomic_int cancel = 1; /* nothing here may ever need to wait */
	struct ipl_shmwait w = { .policy = IPL_WAIT_BLOCK, .cancel = &cancel };
	size_t sent = 0, got = 0;
	uint8_t buf[16];
	for (int i = 0; i < 5000; i++) {
		size_t n = 1 + (size_t)(i * 7) % 16; /* 1..16 bytes, three parts */
		uint8_t msg[16];
		pat_fill(msg, n, sent);
		struct iovec iov[3] = { { msg, n / 3 }, { msg + n / 3, 0 }, { msg + n / 3, n - n / 3 } };
		assert_ok(ipl_shmring_send(&tx, &w, iov, 3));
		sent += n;
		while (got < sent) {
			size_t want = 1 + (size_t)(got * 5) % 11;
			ssize_t r = ipl_shmring_recv(&rx, &w, buf, want);
			assert_true(r > 0 && (size_t)r <= want);
			for (ssize_t k = 0; k < r; k++)
				assert_int_equal(buf[k], pat(got + (size_t)k));
			got += (size_t)r;
		}
		/* caught up: the reader finds the ring empty and, before it would
		 * wait, hands the space back (tail is published lazily) */
		assert_err(ipl_shmring_recv(&rx, &w, buf, 1), IPL_ECANCELED);
	}
	/* the indices really went over the top */
	assert_true((atomic_load(&t.r->head) & IPL_SHMRING_POS) < 1u << 20);
	tring_free(&t);
}

/* A producer about to wait for space first hands back what its side has
 * read from the reverse ring: otherwise a peer blocked writing to us could
 * wait on space we freed but never published (tail is published lazily). */
static void ring_reverse_flush(void **state)
{
	(void)state;
	struct tring r1, r2; /* r1: b -> a, r2: a -> b */
	tring_new(&r1, 64);
	tring_new(&r2, 64);
	struct ipl_shmring_end b_tx, a_rx, a_tx;
	assert_ok(ipl_shmring_attach(&b_tx, r1.r, r1.data, 64, 1, IPL_WAIT_BLOCK));
	assert_ok(ipl_shmring_attach(&a_rx, r1.r, r1.data, 64, 0, IPL_WAIT_BLOCK));
	assert_ok(ipl_shmring_attach(&a_tx, r2.r, r2.data, 64, 1, IPL_WAIT_BLOCK));
	a_tx.reverse = &a_rx;
	pid_t gone = fork(); /* a peer that is certainly dead: waits end at once */
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	struct ipl_shmpeer dead;
	ipl_shmpeer_open(&dead, gone);
	struct ipl_shmwait w = { .policy = IPL_WAIT_BLOCK, .peer = &dead };
	uint8_t buf[64] = { 0 };

	send_bytes(&b_tx, &w, buf, 64, 0);                          /* r1 full */
	assert_int_equal(ipl_shmring_recv(&a_rx, &w, buf, 20), 20); /* read, not yet published */
	send_bytes(&a_tx, &w, buf, 64, 0);                          /* r2 full */
	send_bytes(&a_tx, &w, buf, 1, IPL_EPEERDEAD);               /* a would wait: flushes r1 first */
	send_bytes(&b_tx, &w, buf, 20, 0);                          /* so b has its 20 bytes of room */
	send_bytes(&b_tx, &w, buf, 1, IPL_EPEERDEAD);               /* and not one more */
	ipl_shmpeer_close(&dead);
	tring_free(&r1);
	tring_free(&r2);
}

static void ring_bad_sizes(void **state)
{
	(void)state;
	struct tring t;
	tring_new(&t, 64);
	struct ipl_shmring_end e;
	assert_err(ipl_shmring_attach(&e, t.r, t.data, 48, 1, IPL_WAIT_BLOCK), -EINVAL);
	assert_err(ipl_shmring_attach(&e, t.r, t.data, 8, 1, IPL_WAIT_BLOCK), -EINVAL);
	assert_ok(ipl_shmring_attach(&e, t.r, t.data, 64, 1, IPL_WAIT_BLOCK));
	/* corrupt shared indices (more "available" than the ring holds) are refused */
	struct ipl_shmring_end rx;
	assert_ok(ipl_shmring_attach(&rx, t.r, t.data, 64, 0, IPL_WAIT_BLOCK));
	atomic_store(&t.r->head, 1000);
	uint8_t b[8];
	struct ipl_shmwait w = { .policy = IPL_WAIT_BLOCK };
	assert_err(ipl_shmring_recv(&rx, &w, b, sizeof b), IPL_EPROTO);
	tring_free(&t);
}

/* peek lends the contiguous readable bytes (up to the end of the data area)
 * without consuming them; consume hands them back. */
static void ring_peek_consume(void **state)
{
	(void)state;
	struct tring t;
	tring_new(&t, 16);
	struct ipl_shmring_end tx, rx;
	tring_ends(&t, &tx, &rx);
	atomic_int cancel = 1;
	struct ipl_shmwait w = { .policy = IPL_WAIT_BLOCK, .cancel = &cancel };
	const uint8_t *p = NULL;
	uint8_t in[16];
	pat_fill(in, sizeof in, 0);

	assert_err(ipl_shmring_peek(&rx, &w, &p), IPL_ECANCELED); /* empty */
	send_bytes(&tx, &w, in, 6, 0);
	assert_int_equal(ipl_shmring_peek(&rx, &w, &p), 6);
	assert_memory_equal(p, in, 6);
	assert_int_equal(ipl_shmring_peek(&rx, &w, &p), 6); /* peeking consumes nothing */
	ipl_shmring_consume(&rx, 4);
	assert_int_equal(ipl_shmring_peek(&rx, &w, &p), 2);
	assert_memory_equal(p, in + 4, 2);
	/* 12 readable: one look lends at most a chunk (half of this tiny ring) */
	send_bytes(&tx, &w, in, 10, 0);
	assert_int_equal(ipl_shmring_peek(&rx, &w, &p), 8);
	assert_memory_equal(p, in + 4, 2);
	assert_memory_equal(p + 2, in, 6);
	ipl_shmring_consume(&rx, 8);
	/* 4 left at the end of the data area and 6 more that wrap: the look
	 * stops at the end, the next one starts at the beginning */
	send_bytes(&tx, &w, in + 10, 6, 0);
	assert_int_equal(ipl_shmring_peek(&rx, &w, &p), 4);
	assert_memory_equal(p, in + 6, 4);
	ipl_shmring_consume(&rx, 4);
	assert_int_equal(ipl_shmring_peek(&rx, &w, &p), 6);
	assert_ptr_equal(p, t.data);
	assert_memory_equal(p, in + 10, 6);
	ipl_shmring_consume(&rx, 6);
	/* drained; the space comes back, all 16 bytes of it */
	assert_err(ipl_shmring_peek(&rx, &w, &p), IPL_ECANCELED);
	send_bytes(&tx, &w, in, 16, 0);
	for (size_t left = 16; left;) {
		ssize_t n = ipl_shmring_peek(&rx, &w, &p);
		assert_true(n > 0 && (size_t)n <= left);
		ipl_shmring_consume(&rx, (size_t)n);
		left -= (size_t)n;
	}
	ipl_shmring_close(&tx, 1);
	assert_int_equal(ipl_shmring_peek(&rx, &w, &p), 0); /* closed and drained: EOF */
	tring_free(&t);
}

/* reserve lends free contiguous space and sends nothing; commit publishes
 * exactly what was written there. */
static void ring_reserve_commit(void **state)
{
	(void)state;
	struct tring t;
	tring_new(&t, 16);
	struct ipl_shmring_end tx, rx;
	tring_ends(&t, &tx, &rx);
	atomic_int cancel = 1;
	struct ipl_shmwait w = { .policy = IPL_WAIT_BLOCK, .cancel = &cancel };
	const uint8_t *p = NULL;
	uint8_t *q = NULL;
	uint8_t in[16];
	pat_fill(in, sizeof in, 0);

	assert_int_equal(ipl_shmring_reserve(&tx, 17, &q), 0); /* more than the ring */
	assert_int_equal(ipl_shmring_reserve(&tx, 6, &q), 1);
	assert_ptr_equal(q, t.data);
	memcpy(q, in, 6);
	assert_err(ipl_shmring_peek(&rx, &w, &p), IPL_ECANCELED); /* nothing sent yet */
	ipl_shmring_commit(&tx, 6);
	assert_int_equal(ipl_shmring_peek(&rx, &w, &p), 6);
	assert_memory_equal(p, in, 6);
	/* 10 used of 16: 6 free, but the consumer has not handed any back */
	assert_int_equal(ipl_shmring_reserve(&tx, 4, &q), 1);
	memcpy(q, in + 6, 4);
	ipl_shmring_commit(&tx, 4);
	assert_int_equal(ipl_shmring_reserve(&tx, 7, &q), 0); /* full as far as it knows */
	assert_int_equal(ipl_shmring_reserve(&tx, 6, &q), 1);
	/* free but not contiguous: 6 at the end of the area, wrap after that */
	ipl_shmring_consume(&rx, 10);
	ipl_shmring_flush_tail(&rx);
	send_bytes(&tx, &w, in, 4, 0); /* send sees the tail the reserve ignored */
	assert_int_equal(ipl_shmring_reserve(&tx, 3, &q), 0); /* 2 left before the end */
	assert_int_equal(ipl_shmring_reserve(&tx, 2, &q), 1);
	assert_ptr_equal(q, t.data + 14);
	uint8_t got[16];
	assert_int_equal(ipl_shmring_recv(&rx, &w, got, sizeof got), 4);
	assert_memory_equal(got, in, 4);
	tring_free(&t);
}

/* A minimal transport over one ring that lends its memory, so msgio's
 * zero-copy path can be driven in one process. */
static struct ipl_shmring_end lend_tx, lend_rx;
static struct ipl_shmwait lend_w;

static int lend_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	(void)c;
	return ipl_shmring_send(&lend_tx, &lend_w, iov, cnt);
}

static ssize_t lend_recv(struct ipl_conn *c, void *buf, size_t len)
{
	(void)c;
	return ipl_shmring_recv(&lend_rx, &lend_w, buf, len);
}

static ssize_t lend_peek(struct ipl_conn *c, const uint8_t **p)
{
	(void)c;
	return ipl_shmring_peek(&lend_rx, &lend_w, p);
}

static void lend_consume(struct ipl_conn *c, size_t n)
{
	(void)c;
	ipl_shmring_consume(&lend_rx, n);
}

static int lend_reserve(struct ipl_conn *c, size_t len, uint8_t **p)
{
	(void)c;
	return ipl_shmring_reserve(&lend_tx, len, p);
}

static unsigned lend_commits;

static void lend_commit(struct ipl_conn *c, size_t len)
{
	(void)c;
	lend_commits++;
	ipl_shmring_commit(&lend_tx, len);
}

static const struct ipl_transport lend_tp = {
	.name = "lend",
	.send = lend_send,
	.recv = lend_recv,
	.peek = lend_peek,
	.consume = lend_consume,
	.reserve = lend_reserve,
	.commit = lend_commit,
};

/* Binds lend_tp to a fresh 512-byte ring t, waits cancelled by *cancel. */
static void lend_open(struct tring *t, atomic_int *cancel)
{
	tring_new(t, 512);
	tring_ends(t, &lend_tx, &lend_rx);
	lend_tx.reverse = &lend_rx; /* space read but not yet handed back is, before a wait */
	lend_w = (struct ipl_shmwait){ .policy = IPL_WAIT_BLOCK, .cancel = cancel };
}

/* Messages of 0-104 payload bytes through a 512-byte ring, so they start at
 * every offset: most are written and read whole in place, the ones
 * straddling the end of the data area through send and piece by piece.  A bad checksum and a bad header read exactly
 * as over a byte stream: the stream stays in step after the first, the
 * second consumes just its header. */
static void msgio_lent_memory(void **state)
{
	(void)state;
	struct tring t;
	atomic_int cancel = 1; /* nothing here may ever need to wait */
	lend_open(&t, &cancel);
	struct ipl_conn c = { .tp = &lend_tp };
	struct ipl_buf b = { 0 };
	uint8_t pay[128];
	struct ipl_hdr h;

	unsigned in_place = 0, staged = 0, longest_in_place = 0;
	for (uint32_t i = 0; i < 3 * 105; i++) {
		uint32_t len = i % 105;
		uint32_t at = lend_tx.pos & (t.size - 1), before = lend_commits;
		pat_fill(pay, len, i);
		struct ipl_hdr out = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .seq = i, .len = len };
		if (i % 2) {
			out.flags = IPL_FLAG_CRC;
			out.crc = ipl_crc32c(0, pay, len);
		}
		assert_ok(ipl_msg_send(&c, &out, pay));
		/* in place only when the whole message is contiguous (and the
		 * producer knows the space is free: the tail comes back lazily) */
		unsigned placed = lend_commits - before;
		assert_true(placed <= 1);
		if (placed)
			assert_true(at + IPL_HDR_SIZE + len <= t.size);
		in_place += placed;
		staged += !placed;
		if (placed && len > longest_in_place)
			longest_in_place = len;
		assert_ok(ipl_msg_recv(&c, 1024, &h, &b));
		assert_int_equal(h.seq, i);
		assert_int_equal(h.len, len);
		assert_memory_equal(b.p, pay, len);
	}
	assert_true(in_place > 0 && staged > 0);
	assert_true(longest_in_place >= 64); /* payloads too, not just headers */
	/* a checksum that does not match: reported, and the next message reads */
	struct ipl_hdr bad = {
		.version = IPL_VERSION, .op = IPL_OP_ECHO, .flags = IPL_FLAG_CRC, .seq = 7, .len = 3, .crc = 1
	};
	assert_ok(ipl_msg_send(&c, &bad, "abc"));
	struct ipl_hdr good = { .version = IPL_VERSION, .op = IPL_OP_SINK, .seq = 8 };
	assert_ok(ipl_msg_send(&c, &good, NULL));
	assert_err(ipl_msg_recv(&c, 1024, &h, &b), IPL_EBADCRC);
	assert_ok(ipl_msg_recv(&c, 1024, &h, &b));
	assert_int_equal(h.seq, 8);
	/* a payload over the cap: the header alone is consumed */
	struct ipl_hdr big = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .seq = 9, .len = 40 };
	assert_ok(ipl_msg_send(&c, &big, pay));
	assert_err(ipl_msg_recv(&c, 39, &h, &b), IPL_ETOOBIG);
	assert_int_equal(h.seq, 9);
	assert_ok(ipl_conn_read_full(&c, pay + 64, 40));
	assert_memory_equal(pay + 64, pay, 40);
	/* producer gone after half a message: truncated, then closed */
	struct iovec half = { .iov_base = pay, .iov_len = 10 };
	assert_ok(ipl_shmring_send(&lend_tx, &lend_w, &half, 1));
	ipl_shmring_close(&lend_tx, 1);
	assert_err(ipl_msg_recv(&c, 1024, &h, &b), IPL_ETRUNC);
	assert_err(ipl_msg_recv(&c, 1024, &h, &b), IPL_ECLOSED);
	ipl_buf_free(&b);
	tring_free(&t);
}

/* The server's way of reading SINKs (IPL_RX_SINK_IN_PLACE): a SINK with a
 * CRC is checked in the ring, whole or (straddling the end of the data
 * area) piece by piece, and never copied out; a flipped first, middle or
 * last byte is still reported, wherever the message lies, and the next
 * message reads.  A SINK without a CRC and any other op are delivered. */
static void sink_checked_in_place(void **state)
{
	(void)state;
	struct tring t;
	atomic_int cancel = 1; /* nothing here may ever need to wait */
	lend_open(&t, &cancel);
	struct ipl_conn c = { .tp = &lend_tp };
	struct ipl_buf b = { 0 };
	uint8_t pay[128];
	struct ipl_hdr h;
	unsigned straddled = 0, flipped = 0;
	for (uint32_t i = 0; i < 4 * 105; i++) {
		uint32_t len = 1 + i % 104, at = lend_tx.pos & (t.size - 1);
		pat_fill(pay, len, i);
		struct ipl_hdr out = { .version = IPL_VERSION, .op = IPL_OP_SINK, .flags = IPL_FLAG_CRC,
				       .seq = i, .len = len, .crc = ipl_crc32c(0, pay, len) };
		size_t flip = i % 4 == 1 ? 0 : i % 4 == 2 ? len / 2 : i % 4 == 3 ? len - 1 : SIZE_MAX;
		if (flip != SIZE_MAX)
			pay[flip] ^= 0x10;
		assert_ok(ipl_msg_send(&c, &out, pay));
		straddled += at + IPL_HDR_SIZE + len > t.size;
		flipped += flip != SIZE_MAX;
		int rc = ipl_msg_recv_limited(&c, 1024, &h, &b, NULL, IPL_RX_SINK_IN_PLACE);
		if (rc != (flip != SIZE_MAX ? IPL_EBADCRC : 0))
			fail_msg("msg %u len %u at %u flip %zu: %s", i, len, at, flip, ipl_strerror(rc));
		assert_int_equal(h.seq, i);
		assert_null(b.p); /* checked where it lay: nothing copied, nothing grown */
	}
	assert_true(straddled >= 4 && flipped >= 300);
	/* no CRC, or not a SINK: delivered as ever */
	pat_fill(pay, 50, 7);
	struct ipl_hdr plain = { .version = IPL_VERSION, .op = IPL_OP_SINK, .seq = 1, .len = 50 };
	struct ipl_hdr echo = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .flags = IPL_FLAG_CRC,
				.seq = 2, .len = 50, .crc = ipl_crc32c(0, pay, 50) };
	for (int k = 0; k < 2; k++) {
		assert_ok(ipl_msg_send(&c, k ? &echo : &plain, pay));
		assert_ok(ipl_msg_recv_limited(&c, 1024, &h, &b, NULL, IPL_RX_SINK_IN_PLACE));
		assert_int_equal(h.seq, (uint64_t)k + 1);
		assert_non_null(b.p);
		assert_memory_equal(b.p, pay, 50);
	}
	ipl_buf_free(&b);
	tring_free(&t);
}

/* ---- a message much larger than the ring, across processes ------------- */

#define BIG (300u * 1000u + 7u)

static void big_through_tiny(enum ipl_wait policy)
{
	struct tring t;
	tring_new(&t, 64);
	pid_t parent = getpid();
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) { /* consumer: read BIG bytes in odd-sized pieces, check each */
		struct ipl_shmring_end rx;
		struct ipl_shmpeer peer;
		ipl_shmpeer_open(&peer, parent);
		struct ipl_shmwait w = { .policy = policy, .peer = &peer };
		if (ipl_shmring_attach(&rx, t.r, t.data, t.size, 0, policy) < 0)
			_exit(2);
		uint8_t buf[1000];
		size_t got = 0;
		while (got < BIG) {
			ssize_t r = ipl_shmring_recv(&rx, &w, buf, sizeof buf - got % 7);
			if (r <= 0)
				_exit(3);
			for (ssize_t k = 0; k < r; k++)
				if (buf[k] != pat(got + (size_t)k))
					_exit(4);
			got += (size_t)r;
		}
		/* and then EOF, once the producer closes */
		_exit(ipl_shmring_recv(&rx, &w, buf, sizeof buf) == 0 ? 0 : 5);
	}
	struct ipl_shmring_end tx;
	struct ipl_shmpeer peer;
	ipl_shmpeer_open(&peer, kid);
	struct ipl_shmwait w = { .policy = policy, .peer = &peer };
	assert_ok(ipl_shmring_attach(&tx, t.r, t.data, t.size, 1, policy));
	uint8_t *msg = malloc(BIG);
	assert_non_null(msg);
	pat_fill(msg, BIG, 0);
	/* header-like first part, then the rest: one send, as the transport does */
	struct iovec iov[2] = { { msg, 32 }, { msg + 32, BIG - 32 } };
	assert_ok(ipl_shmring_send(&tx, &w, iov, 2));
	ipl_shmring_close(&tx, 1);
	int status;
	assert_int_equal(waitpid(kid, &status, 0), kid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	ipl_shmpeer_close(&peer);
	free(msg);
	tring_free(&t);
}

static void big_block(void **state)
{
	(void)state;
	big_through_tiny(IPL_WAIT_BLOCK);
}
static void big_spin(void **state)
{
	(void)state;
	big_through_tiny(IPL_WAIT_SPIN);
}
static void big_hybrid(void **state)
{
	(void)state;
	big_through_tiny(IPL_WAIT_HYBRID);
}

/* ---- peer killed mid-message ------------------------------------------- */

/* The client sends a header announcing 1 MiB and only part of the payload,
 * then is SIGKILLed (and left unreaped: a zombie must count as dead).  The
 * server, mid-message, must report the dead peer instead of waiting. */
static void client_killed(enum ipl_wait policy)
{
	struct ipl_endpoint ep;
	struct ipl_tp_opts o = { .wait = policy };
	ipl_endpoint_setup(&ep, shm_tp(), &o, NULL);
	assert_ok(ipl_endpoint_prepare(&ep));
	assert_ok(ipl_endpoint_attach_server(&ep));
	int p[2];
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		struct ipl_conn *c;
		if (ipl_endpoint_attach_client(&ep, 0, &c) < 0)
			_exit(2);
		struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .seq = 1, .len = 1u << 20 };
		uint8_t hdr[IPL_HDR_SIZE];
		static uint8_t part[100000];
		ipl_hdr_encode(&h, hdr);
		struct iovec iov[2] = { { hdr, sizeof hdr }, { part, sizeof part } };
		if (ipl_conn_send(c, iov, 2) < 0)
			_exit(3);
		if (write(p[1], "k", 1) != 1)
			_exit(4);
		for (;;)
			pause(); /* until killed */
	}
	close(p[1]);
	struct ipl_conn *c = NULL;
	assert_ok(ipl_endpoint_accept(&ep, &c));
	char k;
	assert_int_equal(read(p[0], &k, 1), 1);
	kill(kid, SIGKILL);
	struct ipl_hdr h;
	struct ipl_buf b = { 0 };
	int rc = ipl_msg_recv(c, IPL_DEFAULT_CAP, &h, &b);
	assert_err(rc, IPL_EPEERDEAD);
	assert_int_equal(h.len, 1u << 20); /* it did get the header and wait for the rest */
	ipl_buf_free(&b);
	ipl_conn_detach(c);
	reap(kid);
	close(p[0]);
	ipl_endpoint_cleanup(&ep);
	assert_int_equal(shm_names_of(getpid()), 0);
	assert_int_equal(shm_names_of(kid), 0); /* its segment was unlinked at accept */
}

static void client_killed_block(void **state)
{
	(void)state;
	client_killed(IPL_WAIT_BLOCK);
}
static void client_killed_spin(void **state)
{
	(void)state;
	client_killed(IPL_WAIT_SPIN);
}

/* The server reads a request and is SIGKILLed before it replies: the client
 * waiting for the reply must report the dead peer. */
static void server_killed(enum ipl_wait policy)
{
	struct ipl_endpoint ep;
	struct ipl_tp_opts o = { .wait = policy };
	ipl_endpoint_setup(&ep, shm_tp(), &o, NULL);
	assert_ok(ipl_endpoint_prepare(&ep));
	int p[2];
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		struct ipl_conn *c;
		struct ipl_hdr h;
		struct ipl_buf b = { 0 };
		if (ipl_endpoint_attach_server(&ep) < 0 || ipl_endpoint_accept(&ep, &c) < 0 ||
		    ipl_msg_recv(c, IPL_DEFAULT_CAP, &h, &b) < 0)
			_exit(2);
		if (write(p[1], "k", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	close(p[1]);
	struct ipl_conn *c = NULL;
	assert_ok(ipl_endpoint_attach_client(&ep, 0, &c));
	uint8_t payload[64] = { 1, 2, 3 };
	struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .seq = 1, .len = sizeof payload };
	assert_ok(ipl_msg_send(c, &h, payload));
	char k;
	assert_int_equal(read(p[0], &k, 1), 1);
	kill(kid, SIGKILL);
	struct ipl_buf b = { 0 };
	assert_err(ipl_msg_recv(c, IPL_DEFAULT_CAP, &h, &b), IPL_EPEERDEAD);
	ipl_buf_free(&b);
	ipl_conn_detach(c);
	reap(kid);
	close(p[0]);
	ipl_endpoint_cleanup(&ep);
	assert_int_equal(shm_names_of(getpid()), 0);
	assert_int_equal(shm_names_of(kid), 0);
}

static void server_killed_block(void **state)
{
	(void)state;
	server_killed(IPL_WAIT_BLOCK);
}
static void server_killed_hybrid(void **state)
{
	(void)state;
	server_killed(IPL_WAIT_HYBRID);
}

/* ---- EOF, cancellation -------------------------------------------------- */

/* An orderly detach: the other side drains what was sent, then reads EOF. */
static void detach_gives_eof(void **state)
{
	(void)state;
	struct ipl_endpoint ep;
	serve_shm(&ep, NULL);
	struct ipl_conn *c = NULL;
	pid_t kid = fork_client(&ep, &c);
	if (kid == 0) {
		struct iovec iov = { .iov_base = "last words", .iov_len = 10 };
		int rc = ipl_conn_send(c, &iov, 1);
		ipl_conn_detach(c);
		ipl_endpoint_cleanup(&ep);
		_exit(rc < 0 ? 3 : 0);
	}
	c = NULL;
	assert_ok(ipl_endpoint_accept(&ep, &c));
	char buf[32];
	assert_ok(ipl_conn_read_full(c, buf, 10));
	assert_memory_equal(buf, "last words", 10);
	assert_int_equal(ipl_conn_recv(c, buf, sizeof buf), 0);
	int status;
	assert_int_equal(waitpid(kid, &status, 0), kid);
	assert_int_equal(WEXITSTATUS(status), 0);
	ipl_conn_detach(c);
	ipl_endpoint_cleanup(&ep);
	assert_int_equal(shm_names_of(getpid()), 0);
	assert_int_equal(shm_names_of(kid), 0);
}

/* ---- ring size from the in-flight hint ---------------------------------- */

/* The ring size of the one connection segment this process maps, or -1. */
static long mapped_ring_size(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	long size = -1;
	unsigned long lo;
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, "/memfd:ipclab-shm") && sscanf(line, "%lx-", &lo) == 1 &&
		    ((const struct seg *)lo)->magic == SEG_MAGIC) {
			size = (long)((const struct seg *)lo)->ring_size;
			break;
		}
	if (f)
		fclose(f);
	return size;
}

/* A client given hint bytes in flight makes rings of the size the server
 * maps here, and a message far larger than them still arrives whole. */
static void ring_from_hint(enum ipl_wait policy, uint64_t hint, long want)
{
	enum { HINT_MSG = 1 << 20 };
	struct ipl_tp_opts o = { .inflight_hint = hint, .wait = policy };
	struct ipl_endpoint ep;
	serve_shm(&ep, &o);
	uint8_t *buf = malloc(HINT_MSG), *got = malloc(HINT_MSG);
	assert_non_null(buf);
	assert_non_null(got);
	pat_fill(buf, HINT_MSG, 0);
	struct ipl_conn *c = NULL;
	pid_t kid = fork_client(&ep, &c);
	if (kid == 0) {
		struct iovec iov = { .iov_base = buf, .iov_len = HINT_MSG };
		int rc = ipl_conn_send(c, &iov, 1);
		ipl_conn_detach(c);
		free(buf); /* nothing left to a leak checker's exit (valgrind) */
		free(got);
		_exit(rc < 0 ? 3 : 0);
	}
	assert_ok(ipl_endpoint_accept(&ep, &c));
	assert_int_equal(mapped_ring_size(), want);
	assert_ok(ipl_conn_read_full(c, got, HINT_MSG));
	assert_memory_equal(got, buf, HINT_MSG);
	int status;
	assert_int_equal(waitpid(kid, &status, 0), kid);
	assert_int_equal(WEXITSTATUS(status), 0);
	ipl_conn_detach(c);
	ipl_endpoint_cleanup(&ep);
	free(buf);
	free(got);
}

static void ring_sized_from_hint(void **state)
{
	(void)state;
	ring_from_hint(IPL_WAIT_BLOCK, 0, RING_SIZE);                    /* unknown: the largest */
	ring_from_hint(IPL_WAIT_BLOCK, 64 + 24, RING_SIZE_SMALL);        /* one small message */
	ring_from_hint(IPL_WAIT_BLOCK, 16 * (64 + 24), RING_SIZE_SMALL); /* a window of them */
	ring_from_hint(IPL_WAIT_BLOCK, 20000, 64 * 1024);                /* twice that, rounded up */
	ring_from_hint(IPL_WAIT_BLOCK, 1 << 20, RING_SIZE);              /* never beyond the default */
	ring_from_hint(IPL_WAIT_SPIN, 64 + 24, RING_SIZE); /* spinning: the default */
	ring_from_hint(IPL_WAIT_HYBRID, 64 + 24, RING_SIZE);
	ring_from_hint(IPL_WAIT_BLOCK, IPL_INFLIGHT_STREAM, RING_SIZE_STREAM); /* a stream: the largest */
	ring_from_hint(IPL_WAIT_SPIN, IPL_INFLIGHT_STREAM, RING_SIZE_STREAM);
	ring_from_hint(IPL_WAIT_HYBRID, IPL_INFLIGHT_STREAM, RING_SIZE_STREAM);
}

static void accept_cancelled(void **state)
{
	(void)state;
	struct ipl_endpoint ep;
	ipl_endpoint_setup(&ep, shm_tp(), NULL, NULL);
	assert_ok(ipl_endpoint_prepare(&ep));
	assert_ok(ipl_endpoint_attach_server(&ep));
	assert_int_equal(strncmp(ep.addr, "/ipclab-", 8), 0);
	ipl_endpoint_cancel(&ep);
	struct ipl_conn *c = NULL;
	assert_err(ipl_endpoint_accept(&ep, &c), IPL_ECANCELED);
	assert_null(c);
	ipl_endpoint_cleanup(&ep);
	assert_int_equal(shm_names_of(getpid()), 0);
}

/* A connection's recv, blocked on an empty ring, returns once cancelled. */
struct canceller {
	struct ipl_conn *c;
};

static void *cancel_later(void *arg)
{
	sleep_ms(150);
	ipl_conn_cancel(((struct canceller *)arg)->c);
	return NULL;
}

static void recv_cancelled(enum ipl_wait policy)
{
	struct ipl_endpoint ep;
	struct ipl_tp_opts o = { .wait = policy };
	serve_shm(&ep, &o);
	struct ipl_conn *c = NULL;
	pid_t kid = fork_client(&ep, &c);
	if (kid == 0)
		for (;;)
			pause(); /* alive, silent */
	c = NULL;
	assert_ok(ipl_endpoint_accept(&ep, &c));
	struct canceller cc = { c };
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, cancel_later, &cc), 0);
	char b[8];
	assert_err(ipl_conn_recv(c, b, sizeof b), IPL_ECANCELED);
	pthread_join(th, NULL);
	ipl_conn_detach(c);
	reap(kid);
	ipl_endpoint_cleanup(&ep);
	assert_int_equal(shm_names_of(getpid()), 0);
	assert_int_equal(shm_names_of(kid), 0);
}

static void recv_cancelled_block(void **state)
{
	(void)state;
	recv_cancelled(IPL_WAIT_BLOCK);
}
static void recv_cancelled_spin(void **state)
{
	(void)state;
	recv_cancelled(IPL_WAIT_SPIN);
}

/* ---- /dev/shm after SIGKILL ---------------------------------------------- */

/* A server process that made the rendezvous is killed; the next run's
 * prepare removes what it left. */
static void killed_server_swept(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		struct ipl_endpoint ep;
		ipl_endpoint_setup(&ep, shm_tp(), NULL, NULL);
		if (ipl_endpoint_prepare(&ep) < 0 || ipl_endpoint_attach_server(&ep) < 0)
			_exit(2);
		if (write(p[1], "k", 1) != 1)
			_exit(3);
		struct ipl_conn *c;
		ipl_endpoint_accept(&ep, &c); /* blocked here when killed */
		_exit(4);
	}
	close(p[1]);
	char k;
	assert_int_equal(read(p[0], &k, 1), 1);
	close(p[0]);
	assert_int_equal(shm_names_of(kid), 1);
	kill(kid, SIGKILL); /* not reaped yet: a zombie's names are stale too */
	for (int i = 0; i < 1000 && !ipl_pid_gone(kid); i++)
		sleep_ms(5);
	assert_true(ipl_pid_gone(kid));
	assert_int_equal(shm_names_of(kid), 1); /* the crash left it */

	struct ipl_endpoint ep; /* a new run */
	ipl_endpoint_setup(&ep, shm_tp(), NULL, NULL);
	assert_ok(ipl_endpoint_prepare(&ep));
	assert_int_equal(shm_names_of(kid), 0);
	reap(kid);
	ipl_endpoint_cleanup(&ep);
	assert_int_equal(shm_names_of(getpid()), 0);
}

/* 1 when process pid holds a segment (a memfd named "ipclab-shm"). */
static int holds_segment(pid_t pid)
{
	char dir[64], path[320], target[256];
	snprintf(dir, sizeof dir, "/proc/%ld/fd", (long)pid);
	DIR *d = opendir(dir);
	int found = 0;
	struct dirent *e;
	while (d && !found && (e = readdir(d))) {
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n > 0) {
			target[n] = 0;
			found = strstr(target, "memfd:ipclab-shm") != NULL;
		}
	}
	if (d)
		closedir(d);
	return found;
}

/* A client is killed after creating its segment while it waits for the
 * server to take it: the segment is a memfd, so nothing is left behind, and
 * a server that then takes the dead client's slot just drops it. */
static void killed_client_swept(void **state)
{
	(void)state;
	struct ipl_endpoint ep; /* prepared, but nobody accepts yet */
	ipl_endpoint_setup(&ep, shm_tp(), NULL, NULL);
	assert_ok(ipl_endpoint_prepare(&ep));
	assert_ok(ipl_endpoint_attach_server(&ep));
	fflush(NULL);
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		struct ipl_endpoint cl;
		ipl_endpoint_setup(&cl, shm_tp(), NULL, ep.addr);
		struct ipl_conn *c;
		ipl_endpoint_attach_client(&cl, 0, &c);
		_exit(2);
	}
	/* a safety net, not a timing: the kid makes its segment at once */
	for (int i = 0; i < 12000 && !holds_segment(kid); i++)
		sleep_ms(5);
	assert_true(holds_segment(kid));
	reap(kid);
	assert_int_equal(shm_names_of(kid), 0);

	/* the dead client's offer is dropped; a live one is served */
	struct ipl_endpoint cl;
	ipl_endpoint_setup(&cl, shm_tp(), NULL, ep.addr);
	fflush(NULL);
	kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		struct ipl_conn *c;
		if (ipl_endpoint_attach_client(&cl, 0, &c) < 0)
			_exit(2);
		ipl_conn_detach(c);
		_exit(0);
	}
	struct ipl_conn *c = NULL;
	assert_ok(ipl_endpoint_accept(&ep, &c));
	ipl_conn_detach(c);
	int st;
	assert_int_equal(waitpid(kid, &st, 0), kid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ipl_endpoint_cleanup(&ep);
	assert_int_equal(shm_names_of(getpid()), 0);
}

/* A client that attaches to a rendezvous nobody serves any more is refused
 * instead of waiting forever; and a bad address is refused outright. */
static void attach_refused(void **state)
{
	(void)state;
	struct ipl_endpoint ep;
	ipl_endpoint_setup(&ep, shm_tp(), NULL, "/ipclab-1-0000000000000000");
	struct ipl_conn *c = NULL;
	assert_err(ipl_endpoint_attach_client(&ep, 0, &c), -ECONNREFUSED);
	ipl_endpoint_setup(&ep, shm_tp(), NULL, "/etc/passwd");
	assert_err(ipl_endpoint_attach_client(&ep, 0, &c), IPL_EADDR);
	ipl_endpoint_setup(&ep, shm_tp(), NULL, NULL);
	assert_ok(ipl_endpoint_prepare(&ep));
	assert_ok(ipl_endpoint_attach_server(&ep));
	/* the server stopped: its rendezvous is gone, a client is refused */
	struct ipl_endpoint client;
	ipl_endpoint_setup(&client, shm_tp(), NULL, ep.addr);
	ipl_endpoint_cleanup(&ep);
	assert_err(ipl_endpoint_attach_client(&client, 0, &c), -ECONNREFUSED);
	assert_int_equal(shm_names_of(getpid()), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ring_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(ring_full, setup, teardown),
		cmocka_unit_test_setup_teardown(ring_wraparound, setup, teardown),
		cmocka_unit_test_setup_teardown(ring_reverse_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(ring_bad_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(ring_peek_consume, setup, teardown),
		cmocka_unit_test_setup_teardown(ring_reserve_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(msgio_lent_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(sink_checked_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(big_block, setup, teardown),
		cmocka_unit_test_setup_teardown(ring_sized_from_hint, setup, teardown),
		cmocka_unit_test_setup_teardown(big_spin, setup, teardown),
		cmocka_unit_test_setup_teardown(big_hybrid, setup, teardown),
		cmocka_unit_test_setup_teardown(client_killed_block, setup, teardown),
		cmocka_unit_test_setup_teardown(client_killed_spin, setup, teardown),
		cmocka_unit_test_setup_teardown(server_killed_block, setup, teardown),
		cmocka_unit_test_setup_teardown(server_killed_hybrid, setup, teardown),
		cmocka_unit_test_setup_teardown(detach_gives_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(accept_cancelled, setup, teardown),
		cmocka_unit_test_setup_teardown(recv_cancelled_block, setup, teardown),
		cmocka_unit_test_setup_teardown(recv_cancelled_spin, setup, teardown),
		cmocka_unit_test_setup_teardown(killed_server_swept, setup, teardown),
		cmocka_unit_test_setup_teardown(killed_client_swept, setup, teardown),
		cmocka_unit_test_setup_teardown(attach_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
