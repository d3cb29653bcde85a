/* test_io.c - the I/O module: short reads from a dribbling peer, EINTR from
 * signals (retried, or cancelled on request), short writes, EOF kinds; and
 * the msgio buffer over a transport that returns a few bytes at a time,
 * and its CRC check over large messages received in pieces. */
#include "common/err.h"
#include "common/io.h"
#include "common/fdconn.h"
#include "common/msgio.h"
#include "common/msg.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

static void sleep_ms(long ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

/* A child that writes buf one byte every `gap_ms`, then exits (EOF). */
static pid_t dribble(int fd, const void *buf, size_t len, long gap_ms)
{
	pid_t p = fork();
	if (p == 0) {
		for (size_t i = 0; i < len; i++) {
			if (write(fd, (const char *)buf + i, 1) != 1)
				_exit(1);
			sleep_ms(gap_ms);
		}
		_exit(0);
	}
	return p;
}

static void short_reads_are_completed(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	const char msg[] = "dribbled, one byte at a time";
	pid_t p = dribble(sv[1], msg, sizeof msg, 2);
	close(sv[1]);
	char got[sizeof msg];
	assert_ok(ipl_io_read_full(sv[0], got, sizeof got, NULL));
	assert_memory_equal(got, msg, sizeof msg);
	/* the writer is gone: a clean EOF at a boundary */
	assert_err(ipl_io_read_full(sv[0], got, 1, NULL), IPL_ECLOSED);
	close(sv[0]);
	waitpid(p, NULL, 0);
}

static void eof_mid_read_is_truncation(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "abc", 3), 3);
	close(sv[1]);
	char got[8];
	assert_err(ipl_io_read_full(sv[0], got, sizeof got, NULL), IPL_ETRUNC);
	close(sv[0]);
}

static volatile sig_atomic_t hits;
static int note_w = -1; /* the handler writes a byte here when it has run */

static void on_alarm(int sig)
{
	(void)sig;
	hits++;
	if (note_w >= 0) {
		int e = errno;
		if (write(note_w, "n", 1) < 0) { /* async-signal-safe; nothing to do on failure */
		}
		errno = e;
	}
}

static void catch_alarm(void)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
}

static void arm_timer(long ms)
{
	catch_alarm();
	struct itimerval it = { .it_value = { .tv_sec = 0, .tv_usec = ms * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

/* The state letter of pid in /proc/<pid>/stat ('S': asleep), or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *rp = strrchr(buf, ')'); /* the name may hold spaces and parens */
	return rp && rp[1] == ' ' ? rp[2] : 0;
}

/* Forks a child that interrupts us with SIGALRM once we are asleep (in the
 * read under test: we do nothing else that sleeps), so the signal is sure to
 * land inside the read, however loaded the machine.  With late_fd >= 0 the
 * child then waits until our handler has run (a byte on note_r) and writes
 * "late" to late_fd: data that only arrives after the interruption. */
static pid_t interrupter(int note_r, int late_fd)
{
	pid_t parent = getpid();
	pid_t p = fork();
	if (p != 0)
		return p;
	alarm(120); /* a safety net: the parent is asleep within microseconds */
	while (proc_state(parent) != 'S') {
		struct timespec t = { .tv_nsec = 1000000L };
		nanosleep(&t, NULL);
	}
	if (kill(parent, SIGALRM) < 0)
		_exit(1);
	if (late_fd < 0)
		_exit(0);
	char b;
	if (read(note_r, &b, 1) != 1)
		_exit(2);
	_exit(write(late_fd, "late", 4) == 4 ? 0 : 3);
}

static void eintr_is_retried(void **state)
{
	(void)state;
	int sv[2], note[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(note), 0);
	hits = 0;
	catch_alarm(); /* the signal comes from the child */
	note_w = note[1];
	pid_t p = interrupter(note[0], sv[1]);
	assert_true(p > 0);
	char got[4];
	atomic_int cancel = 0;
	assert_ok(ipl_io_read_full(sv[0], got, 4, &cancel));
	assert_int_equal(hits, 1); /* the read really was interrupted */
	assert_memory_equal(got, "late", 4);
	int st;
	waitpid(p, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	note_w = -1;
	close(note[0]);
	close(note[1]);
	close(sv[0]);
	close(sv[1]);
}

static void eintr_with_cancel_returns(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	atomic_int cancel = 1; /* as a stopping server sets it */
	hits = 0;
	catch_alarm();
	pid_t p = interrupter(-1, -1);
	assert_true(p > 0);
	char got[4];
	assert_err(ipl_io_read_full(sv[0], got, 4, &cancel), IPL_ECANCELED);
	assert_int_equal(hits, 1);
	int st;
	waitpid(p, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(sv[0]);
	close(sv[1]);
}

/* 3 MiB through a 64 KiB pipe: writev must resume after every short write. */
static void short_writes_are_completed(void **state)
{
	(void)state;
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	size_t n = 1u << 20;
	uint8_t *a = malloc(n), *b = malloc(n), *c = malloc(n);
	for (size_t i = 0; i < n; i++) {
		a[i] = (uint8_t)i;
		b[i] = (uint8_t)(i * 7);
		c[i] = (uint8_t)(i * 13);
	}
	pid_t p = fork();
	if (p == 0) {
		close(pfd[0]);
		struct iovec iov[3] = { { a, n }, { b, n }, { c, n } };
		hits = 0;
		arm_timer(5); /* a signal in the middle of it as well */
		_exit(ipl_io_writev_full(pfd[1], iov, 3, 0) == 0 ? 0 : 1);
	}
	close(pfd[1]);
	uint8_t *got = malloc(3 * n);
	size_t have = 0;
	while (have < 3 * n) { /* read in odd-sized pieces */
		ssize_t r = read(pfd[0], got + have, 3 * n - have < 1000 ? 3 * n - have : 1000);
		assert_true(r > 0);
		have += (size_t)r;
	}
	assert_memory_equal(got, a, n);
	assert_memory_equal(got + n, b, n);
	assert_memory_equal(got + 2 * n, c, n);
	int st;
	waitpid(p, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(pfd[0]);
	free(a), free(b), free(c), free(got);
}

static void write_to_gone_reader_is_epipe(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	close(pfd[0]);
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	assert_err(ipl_io_writev_full(pfd[1], &iov, 1, 0), -EPIPE);
	close(pfd[1]);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[0]);
	signal(SIGPIPE, SIG_DFL); /* MSG_NOSIGNAL must protect sockets on its own */
	assert_err(ipl_io_writev_full(sv[1], &iov, 1, 1), -EPIPE);
	close(sv[1]);
}

/* ---- msgio over a transport that hands out piece bytes per recv ------- */

struct trickle {
	struct ipl_conn base;
	const uint8_t *data;
	size_t len, off;
	size_t piece; /* at most this many bytes per recv or peek; 0: one */
	unsigned calls, vcalls; /* recv, recvv */
};

static size_t trickle_take(struct trickle *t, size_t want)
{
	size_t piece = t->piece ? t->piece : 1, left = t->len - t->off;
	size_t take = want < piece ? want : piece;
	return take < left ? take : left;
}

static ssize_t trickle_recv(struct ipl_conn *c, void *buf, size_t len)
{
	struct trickle *t = (struct trickle *)c;
	t->calls++;
	size_t take = trickle_take(t, len);
	memcpy(buf, t->data + t->off, take);
	t->off += take;
	return (ssize_t)take;
}

/* As readv: fills the buffers in order, a piece in all. */
static ssize_t trickle_recvv(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	struct trickle *t = (struct trickle *)c;
	t->vcalls++;
	size_t piece = t->piece, done = 0;
	for (int i = 0; i < cnt && done < piece; i++) {
		t->piece = piece - done;
		size_t take = trickle_take(t, iov[i].iov_len);
		memcpy(iov[i].iov_base, t->data + t->off, take);
		t->off += take;
		done += take;
	}
	t->piece = piece;
	return (ssize_t)done;
}

/* As shm lends its ring: a piece at a time, never past the end. */
static ssize_t trickle_peek(struct ipl_conn *c, const uint8_t **p)
{
	struct trickle *t = (struct trickle *)c;
	*p = t->data + t->off;
	return (ssize_t)trickle_take(t, SIZE_MAX);
}

static void trickle_consume(struct ipl_conn *c, size_t n)
{
	((struct trickle *)c)->off += n;
}

static const struct ipl_transport trickle_tp = { .name = "trickle", .recv = trickle_recv };
static const struct ipl_transport vec_tp = { .name = "vec", .recv = trickle_recv, .recvv = trickle_recvv };
static const struct ipl_transport lend_tp = {
	.name = "lend", .recv = trickle_recv, .peek = trickle_peek, .consume = trickle_consume
};

/* Appends one message of len payload bytes with a CRC to w; flips bit 0 of
 * the payload byte at flip (SIZE_MAX: none) after the CRC is taken. */
static size_t put_crc_msg(uint8_t *w, uint64_t seq, size_t len, size_t flip)
{
	uint8_t *pl = w + IPL_HDR_SIZE;
	for (size_t i = 0; i < len; i++)
		pl[i] = (uint8_t)(i * 131u + (i >> 9));
	struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_SINK, .seq = seq, .len = (uint32_t)len,
			     .flags = IPL_FLAG_CRC, .crc = ipl_crc32c(0, pl, len) };
	ipl_hdr_encode(&h, w);
	if (flip != SIZE_MAX)
		pl[flip] ^= 1;
	return IPL_HDR_SIZE + len;
}

/* Large messages with a CRC, received in pieces of odd sizes (the CRC runs
 * as each piece lands): a flipped first, middle or last byte is reported,
 * an intact message is not, and the stream stays in step after either.
 * Each size class is sent twice, so the second rides on a payload buffer
 * that has already grown (msgio's large-message header read).  Once more
 * as the server reads (IPL_RX_SINK_IN_PLACE): where memory is lent the
 * SINKs are checked there and none is copied to the buffer. */
static void msgio_crc_over_pieces(void **state)
{
	(void)state;
	static const size_t sizes[] = { 20000, 65536, (1u << 20) + 3 };
	static const size_t pieces[] = { 1000, 7001, 65536 + 24, 1u << 22 };
	const struct ipl_transport *tps[] = { &trickle_tp, &lend_tp, &vec_tp };
	size_t cap = 2 * 4 * (IPL_HDR_SIZE + sizes[2]);
	uint8_t *wire = malloc(cap);
	assert_non_null(wire);
	for (size_t si = 0; si < 3; si++) {
		size_t len = sizes[si], flips[] = { 0, len / 2, len - 1 };
		for (size_t fi = 0; fi < 3; fi++) {
			size_t n = 0; /* intact, flipped, intact, flipped */
			for (int k = 0; k < 4; k++)
				n += put_crc_msg(wire + n, (uint64_t)k, len, k % 2 ? flips[fi] : SIZE_MAX);
			for (size_t ti = 0; ti < 3 * 2; ti++) {
				unsigned fl = ti < 3 ? 0 : IPL_RX_SINK_IN_PLACE;
				for (size_t pi = 0; pi < 4; pi++) {
					struct trickle t = { .base.tp = tps[ti % 3], .data = wire, .len = n, .piece = pieces[pi] };
					struct ipl_hdr got;
					struct ipl_buf b = { 0 };
					for (int k = 0; k < 4; k++) {
						int rc = ipl_msg_recv_limited(&t.base, (uint32_t)len, &got, &b, NULL, fl);
						if (rc != (k % 2 ? IPL_EBADCRC : 0))
							fail_msg("%s/%u len %zu flip %zu piece %zu msg %d: %s", tps[ti % 3]->name,
								 fl, len, flips[fi], pieces[pi], k, ipl_strerror(rc));
						assert_int_equal(got.seq, (uint64_t)k);
					}
					/* lent and flagged: nothing copied; else delivered */
					assert_int_equal(b.cap == 0, fl && tps[ti % 3]->peek);
					assert_int_equal(t.off, t.len);
					ipl_buf_free(&b);
					free(t.base.rx);
				}
			}
		}
	}
	free(wire);
}

/* recvv reads a header and the payload after it up to the last message's
 * length: when a message is the shorter, the bytes past its end are the
 * next messages' and must reach them, whether they fit the staging buffer
 * or not; the payload buffer then shrinks so that the two together hold no
 * more than it did.  Every payload is compared, every CRC checked. */
static void msgio_recvv_spills_past_the_end(void **state)
{
	(void)state;
	static const size_t lens[] = { 200000, 200000, 100000, 100000, 95000, 0, 0, 70000, 300000, 300000, 17 };
	enum { N = sizeof lens / sizeof lens[0] };
	static const size_t pieces[] = { 1u << 22, 150001, 7001 };
	size_t total = 0;
	for (int k = 0; k < N; k++)
		total += IPL_HDR_SIZE + lens[k];
	uint8_t *wire = malloc(total);
	assert_non_null(wire);
	size_t n = 0;
	for (int k = 0; k < N; k++) /* message 3 has its last byte flipped */
		n += put_crc_msg(wire + n, (uint64_t)k, lens[k], k == 3 ? lens[k] - 1 : SIZE_MAX);
	for (size_t pi = 0; pi < 3; pi++) {
		struct trickle t = { .base.tp = &vec_tp, .data = wire, .len = n, .piece = pieces[pi] };
		struct ipl_buf b = { 0 };
		for (int k = 0; k < N; k++) {
			struct ipl_hdr got;
			size_t held = b.cap + (t.base.rx ? t.base.rx_cap : 0);
			int rc = ipl_msg_recv(&t.base, 1u << 20, &got, &b);
			if (rc != (k == 3 ? IPL_EBADCRC : 0))
				fail_msg("piece %zu msg %d: %s", pieces[pi], k, ipl_strerror(rc));
			assert_int_equal(got.seq, (uint64_t)k);
			assert_int_equal(got.len, lens[k]);
			for (size_t i = 0; k != 3 && i < lens[k]; i++)
				if (b.p[i] != (uint8_t)(i * 131u + (i >> 9)))
					fail_msg("piece %zu msg %d: byte %zu wrong", pieces[pi], k, i);
			if (k == 2 && pi == 0) { /* 100000 B past its end: own buffer */
				assert_true(t.base.rx_cap > 16384);
				assert_true(b.cap + t.base.rx_cap <= held);
			}
		}
		if (pieces[pi] > 65536) /* else a staged read always takes the next header */
			assert_true(t.vcalls > 0);
		assert_int_equal(t.off, t.len);
		assert_err(ipl_msg_recv(&t.base, 1u << 20, &(struct ipl_hdr){ 0 }, &b), IPL_ECLOSED);
		ipl_buf_free(&b);
		free(t.base.rx);
	}
	free(wire);
}

static void msgio_reassembles_trickled_message(void **state)
{
	(void)state;
	uint8_t wire[IPL_HDR_SIZE + 5];
	struct ipl_hdr h = { .version = IPL_VERSION,
			     .op = IPL_OP_ECHO,
			     .seq = 42,
			     .len = 5,
			     .flags = IPL_FLAG_CRC,
			     .crc = ipl_crc32c(0, "hello", 5) };
	ipl_hdr_encode(&h, wire);
	memcpy(wire + IPL_HDR_SIZE, "hello", 5);
	struct trickle t = { .base.tp = &trickle_tp, .data = wire, .len = sizeof wire };
	struct ipl_hdr got;
	struct ipl_buf b = { 0 };
	assert_ok(ipl_msg_recv(&t.base, 64, &got, &b));
	assert_int_equal(got.seq, 42);
	assert_memory_equal(b.p, "hello", 5);
	assert_err(ipl_msg_recv(&t.base, 64, &got, &b), IPL_ECLOSED);
	/* a cut payload is a truncation, not a clean close */
	t.off = 0;
	t.len = sizeof wire - 2;
	assert_err(ipl_msg_recv(&t.base, 64, &got, &b), IPL_ETRUNC);
	/* a corrupted payload is consumed and reported as a bad checksum */
	wire[IPL_HDR_SIZE] ^= 1;
	t.off = 0;
	t.len = sizeof wire;
	assert_err(ipl_msg_recv(&t.base, 64, &got, &b), IPL_EBADCRC);
	assert_int_equal(t.off, t.len);
	/* a length over the cap is refused before any payload is read */
	t.off = 0;
	assert_err(ipl_msg_recv(&t.base, 4, &got, &b), IPL_ETOOBIG);
	assert_int_equal(t.off, IPL_HDR_SIZE);
	ipl_buf_free(&b);
	free(t.base.rx);
}

/* A pipe carries pages: a reader's copy out of each page is as fast as an
 * aligned memcpy only when the page's bytes land at an aligned address, so
 * a long payload must start a page of its own, not follow its 24-byte
 * header in one.  A packet-mode pipe (O_DIRECT) shows each write's pages:
 * a long message reads back as its header alone, then whole pages; a short
 * one is still a single write, which its latency needs. */
static const struct ipl_transport pipe_tp = { .name = "pipe", .send = ipl_fdconn_send, .recv = ipl_fdconn_recv };

static void pipe_payload_starts_a_page(void **state)
{
	(void)state;
	int pfd[2];
	assert_int_equal(pipe2(pfd, O_DIRECT), 0);
	assert_true(fcntl(pfd[1], F_SETPIPE_SZ, 1 << 20) >= 8192 + 4096); /* no wait in one thread */
	struct ipl_conn *c = ipl_fdconn_new(&pipe_tp, pfd[0], pfd[1]);
	assert_non_null(c);
	static uint8_t payload[8192], in[65536];
	memset(payload, 0x5a, sizeof payload);
	struct ipl_hdr h = { .op = IPL_OP_SINK, .seq = 1, .len = sizeof payload };
	assert_int_equal(ipl_msg_send(c, &h, payload), 0);
	assert_int_equal(read(pfd[0], in, sizeof in), IPL_HDR_SIZE);
	assert_int_equal(read(pfd[0], in, sizeof in), 4096);
	assert_memory_equal(in, payload, 4096);
	assert_int_equal(read(pfd[0], in, sizeof in), 4096);
	h.len = 100;
	assert_int_equal(ipl_msg_send(c, &h, payload), 0);
	assert_int_equal(read(pfd[0], in, sizeof in), IPL_HDR_SIZE + 100);
	ipl_fdconn_detach(c);
}

/* Payload buffers start on a 64-byte boundary at every size, and keep
 * their bytes as they grow, for the same reason: the kernel's copy into
 * them, and memcpy's, are an order of magnitude slower on some CPUs when
 * the destination is not 32-byte aligned. */
static void payload_buffers_are_aligned(void **state)
{
	(void)state;
	static const size_t caps[] = { 1, 100, 3000, 65536, 65560, 200000, 300000 };
	struct ipl_buf b = { 0 };
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		size_t had = b.cap;
		assert_int_equal(ipl_buf_resize(&b, caps[i]), 0);
		assert_int_equal((uintptr_t)b.p & 63, 0);
		for (size_t k = 0; k < had; k++)
			if (b.p[k] != (uint8_t)(k * 7))
				fail_msg("cap %zu: byte %zu lost in the growth", caps[i], k);
		for (size_t k = had; k < b.cap; k++)
			b.p[k] = (uint8_t)(k * 7);
	}
	ipl_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(short_reads_are_completed),
		cmocka_unit_test(eof_mid_read_is_truncation),
		cmocka_unit_test(eintr_is_retried),
		cmocka_unit_test(eintr_with_cancel_returns),
		cmocka_unit_test(short_writes_are_completed),
		cmocka_unit_test(write_to_gone_reader_is_epipe),
		cmocka_unit_test(msgio_reassembles_trickled_message),
		cmocka_unit_test(msgio_crc_over_pieces),
		cmocka_unit_test(msgio_recvv_spills_past_the_end),
		cmocka_unit_test(pipe_payload_starts_a_page),
		cmocka_unit_test(payload_buffers_are_aligned),
	};
	return cmocka_run_group_tests_name("io", tests, NULL, NULL);
}
