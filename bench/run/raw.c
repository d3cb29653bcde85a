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
#include <pthread.h>
#include <signal.h>
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
		if (n == -EINTR)
			continue;
		if (n < 0)
			return (int)n;
		got += (size_t)n;
	}
	return 0;
}

static int send_bytes(struct ipl_conn *c, const uint8_t *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	return ipl_conn_send(c, &iov, 1);
}

struct raw_worker {
	pthread_t th;
	struct ipl_conn *conn;
	uint32_t size;
	int echo; /* latency: echo SIZE bytes; otherwise one byte per message */
};

static void *raw_worker_main(void *arg)
{
	struct raw_worker *w = arg;
	size_t size = w->size ? w->size : 1;
	uint8_t *buf = malloc(size);
	while (buf) {
		if (read_exact(w->conn, buf, size) != 0)
			break;
		if (send_bytes(w->conn, buf, w->echo ? size : 1) < 0)
			break;
	}
	free(buf);
	ipl_conn_detach(w->conn); /* the peer sees EOF now */
	w->conn = NULL;
	return NULL;
}

static struct ipl_endpoint *volatile raw_ep;
static void on_raw_stop(int sig)
{
	(void)sig;
	if (raw_ep)
		ipl_endpoint_cancel(raw_ep);
}

int ipl_raw_serve(struct ipl_endpoint *ep, const struct ipl_run_spec *spec)
{
	unsigned n = spec->clients ? spec->clients : 1;
	struct raw_worker *w = calloc(n, sizeof *w);
	if (!w)
		return -ENOMEM;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	raw_ep = ep;
	sa.sa_handler = on_raw_stop; /* no SA_RESTART: accept returns on a stop */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigset_t stop, all, old;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_UNBLOCK, &stop, NULL); /* held across fork by the parent */
	sigfillset(&all);

	int rc = 0;
	unsigned started = 0;
	while (started < n) {
		struct ipl_conn *c = NULL;
		rc = ipl_endpoint_accept(ep, &c);
		if (rc == -EINTR)
			continue;
		if (rc < 0)
			break;
		w[started] = (struct raw_worker){ .conn = c, .size = spec->size,
						  .echo = spec->mode == IPL_MODE_LATENCY };
		/* workers block every signal: a stop interrupts this thread only */
		pthread_sigmask(SIG_SETMASK, &all, &old);
		int e = pthread_create(&w[started].th, NULL, raw_worker_main, &w[started]);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (e) {
			ipl_conn_detach(c);
			rc = -e;
			break;
		}
		started++;
	}
	if (rc == IPL_EDONE || rc == IPL_ECANCELED)
		rc = 0;
	for (unsigned i = 0; i < started; i++)
		pthread_join(w[i].th, NULL);
	raw_ep = NULL;
	free(w);
	return rc;
}

int ipl_raw_client(struct ipl_conn *c, const struct ipl_run_spec *spec,
		   struct ipl_hist *h, struct ipl_client_stats *st, struct ipl_loop_cost *lc)
{
	size_t size = spec->size ? spec->size : 1;
	unsigned window = spec->mode == IPL_MODE_THROUGHPUT && spec->window ? spec->window : 1;
	int echo = spec->mode == IPL_MODE_LATENCY;
	uint8_t *tx = malloc(size), *rx = malloc(echo ? size : window);
	int rc = 0;
	if (!tx || !rx) {
		rc = -ENOMEM;
		goto out;
	}
	memset(tx, 0x5a, size);

	/* warm-up: ping-pong, unmeasured, as the framed client does */
	for (uint64_t i = 0; i < spec->warmup && rc == 0; i++) {
		rc = send_bytes(c, tx, size);
		if (rc == 0)
			rc = read_exact(c, rx, echo ? size : 1);
	}
	if (rc)
		goto out;

	ipl_loop_mark(lc, 0);
	uint64_t start = ipl_now_ns(), end = start;
	if (echo) {
		for (uint64_t i = 0; spec->duration_ns || i < spec->iters; i++) {
			uint64_t t0 = ipl_now_ns();
			rc = send_bytes(c, tx, size);
			if (rc == 0)
				rc = read_exact(c, rx, size);
			uint64_t t1 = ipl_now_ns();
			if (rc)
				break;
			end = t1;
			if (h)
				ipl_hist_record(h, t1 - t0);
			st->ok++;
			st->bytes += spec->size;
			if (spec->duration_ns && t1 - start >= spec->duration_ns)
				break;
		}
	} else {
		uint64_t sent = 0, done = 0;
		uint64_t limit = spec->duration_ns ? UINT64_MAX : spec->iters;
		for (;;) {
			while (sent < limit && sent - done < window) {
				rc = send_bytes(c, tx, size);
				if (rc)
					goto timed;
				sent++;
				st->bytes += spec->size;
			}
			if (done == sent)
				break;
			/* acks are one byte each: take as many as have arrived */
			ssize_t n;
			do
				n = ipl_conn_recv(c, rx, (size_t)(sent - done));
			while (n == -EINTR);
			if (n <= 0) {
				rc = n ? (int)n : IPL_ECLOSED;
				goto timed;
			}
			done += (uint64_t)n;
			st->ok += (uint64_t)n;
			if (spec->duration_ns && ipl_now_ns() - start >= spec->duration_ns)
				limit = sent;
		}
timed:
		end = ipl_now_ns();
	}
	st->elapsed_ns = end - start;
	ipl_loop_mark(lc, 1);
out:
	if (rc == 1)
		rc = IPL_ECLOSED;
	st->fatal = rc < 0 ? rc : 0;
	free(tx);
	free(rx);
	return rc < 0 ? rc : 0;
}
