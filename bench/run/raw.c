/* raw.c - the baseline: the same transport, the same process layout and the
 * same timing loop as a framed run, but SIZE raw bytes each way with no
 * header, no HELLO/BYE and no verification.  framed / raw - 1 is what the
 * message format, the validation and the checks cost (`--baseline`).
 *
 * Only byte-stream transports (IPL_CAP_BYTES) qualify: their send/recv
 * carry arbitrary bytes.  The server knows SIZE and the mode from the run
 * spec it was forked with, so no framing is needed to find message ends. */
#include "bench/run/run.h"
#include "common/clock.h"
#include "common/err.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Reads exactly len bytes.  Returns 0, 1 at EOF before the first byte, or a
 * negative code (IPL_ETRUNC for EOF in the middle). */
static int read_exact(struct ipl_conn *c, uint8_t *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = ipl_conn_recv(c, buf + got, len - got);
		if (n == 0)
			return got ? IPL_ETRUNC : 1;
		if (n == -EINTR && !atomic_load(&c->cancel))
			continue;
		if (n < 0)
			return n == -EINTR ? IPL_ECANCELED : (int)n;
		got += (size_t)n;
	}
	return 0;
}

static int send_bytes(struct ipl_conn *c, const uint8_t *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	return ipl_conn_send(c, &iov, 1);
}

/* One raw connection of the server (an ipl_conn_handler, arg the run
 * spec): read SIZE bytes, answer SIZE (latency) or one byte, until EOF. */
int ipl_raw_serve_conn(struct ipl_conn *c, void *arg, struct ipl_rx_limit *lim, struct ipl_serve_stats *st)
{
	const struct ipl_run_spec *spec = arg;
	size_t size = spec->size ? spec->size : 1;
	size_t answer = spec->mode == IPL_MODE_LATENCY ? size : 1;
	uint8_t *buf = malloc(size);
	int rc = buf ? 0 : -ENOMEM;
	while (rc == 0) {
		rc = read_exact(c, buf, size);
		if (rc != 0)
			break;
		/* the server's idle watch reads this as the connection's sign of life */
		atomic_fetch_add_explicit(&lim->progress, 1, memory_order_relaxed);
		rc = send_bytes(c, buf, answer);
		st->msgs++;
		st->bytes += size;
	}
	free(buf);
	st->conns++;
	return rc == 1 || rc == IPL_ECANCELED ? 0 : rc; /* EOF, or told to stop */
}

/* Latency: SIZE bytes out, SIZE bytes back, each round trip timed.
 * Returns 0 or the code that ended it; *end is the last reply's time. */
static int raw_echo_loop(struct ipl_conn *c, const struct ipl_run_spec *spec, uint8_t *tx, uint8_t *rx,
			 struct ipl_hist *h, struct ipl_client_stats *st, uint64_t start, uint64_t *end)
{
	size_t size = spec->size ? spec->size : 1;
	for (uint64_t i = 0; spec->duration_ns || i < spec->iters; i++) {
		uint64_t t0 = ipl_now_ns();
		int rc = send_bytes(c, tx, size);
		if (rc == 0)
			rc = read_exact(c, rx, size);
		uint64_t t1 = ipl_now_ns();
		if (rc)
			return rc;
		*end = t1;
		if (h)
			ipl_hist_record(h, t1 - t0);
		st->ok++;
		st->bytes += spec->size;
		if (spec->duration_ns && t1 - start >= spec->duration_ns)
			break;
	}
	return 0;
}

/* Throughput: up to window messages in flight, each acknowledged by one
 * byte.  Returns 0 or the code that ended it. */
static int raw_window_loop(struct ipl_conn *c, const struct ipl_run_spec *spec, uint8_t *tx, uint8_t *rx,
			   unsigned window, struct ipl_client_stats *st, uint64_t start)
{
	size_t size = spec->size ? spec->size : 1;
	uint64_t sent = 0, done = 0;
	uint64_t limit = spec->duration_ns ? UINT64_MAX : spec->iters;
	for (;;) {
		for (; sent < limit && sent - done < window; sent++) {
			int rc = send_bytes(c, tx, size);
			if (rc)
				return rc;
			st->bytes += spec->size;
		}
		if (done == sent)
			return 0;
		/* acks are one byte each: take as many as have arrived */
		ssize_t n;
		do
			n = ipl_conn_recv(c, rx, (size_t)(sent - done));
		while (n == -EINTR);
		if (n <= 0)
			return n ? (int)n : IPL_ECLOSED;
		done += (uint64_t)n;
		st->ok += (uint64_t)n;
		if (spec->duration_ns && ipl_now_ns() - start >= spec->duration_ns)
			limit = sent;
	}
}

int ipl_raw_client(struct ipl_conn *c, const struct ipl_run_spec *spec, struct ipl_hist *h,
		   struct ipl_client_stats *st, struct ipl_loop_cost *lc)
{
	size_t size = spec->size ? spec->size : 1;
	unsigned window = spec->mode == IPL_MODE_THROUGHPUT && spec->window ? spec->window : 1;
	int echo = spec->mode == IPL_MODE_LATENCY;
	uint8_t *tx = malloc(size), *rx = malloc(echo ? size : window);
	int rc = tx && rx ? 0 : -ENOMEM;
	if (rc == 0)
		memset(tx, 0x5a, size);

	/* warm-up: ping-pong, unmeasured, as the framed client does */
	for (uint64_t i = 0; i < spec->warmup && rc == 0; i++) {
		rc = send_bytes(c, tx, size);
		if (rc == 0)
			rc = read_exact(c, rx, echo ? size : 1);
	}
	if (rc == 0) {
		ipl_loop_mark(lc, 0);
		uint64_t start = ipl_now_ns(), end = start;
		if (echo) {
			rc = raw_echo_loop(c, spec, tx, rx, h, st, start, &end);
		} else {
			rc = raw_window_loop(c, spec, tx, rx, window, st, start);
			end = ipl_now_ns();
		}
		st->elapsed_ns = end - start;
		ipl_loop_mark(lc, 1);
	}
	if (rc == 1)
		rc = IPL_ECLOSED;
	st->fatal = rc < 0 ? rc : 0;
	free(tx);
	free(rx);
	return rc < 0 ? rc : 0;
}
