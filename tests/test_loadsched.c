/* test_loadsched.c - the open-loop schedule of --mode load and its
 * coordinated-omission correction, on a simulated clock and server: no real
 * time passes, so every figure is exact whatever the machine is doing.
 *
 * The simulated server answers each request SERVICE ns after it starts it,
 * one at a time, in order; it can stall once, for STALL ns, before one
 * request.  The loop under test (ipl_load_loop) only sees the fake clock
 * through its ops, exactly as it sees the real one in ipclab.
 *
 * One test then runs the real client (ipl_client_load, real clock) against
 * an echo server over a socketpair that stalls once: it asserts lower
 * bounds only (no machine answers before the stall ends), never that
 * something was fast. */
#include "common/exchange.h"
#include "common/fdconn.h"
#include "common/hist.h"
#include "common/load.h"
#include "common/msgio.h"
#include "bench/registry/registry.h"

#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define MS 1000000ull
#define US 1000ull
#define N 1000

struct sim {
	uint64_t now;              /* the fake clock */
	uint64_t server_free;      /* when the server can start the next request */
	uint64_t service;          /* per request */
	uint64_t stall_seq, stall; /* the server stalls this long before stall_seq */
	uint64_t seq0;
	uint64_t sent_at[N], reply_at[N];
	struct ipl_hist uncorrected; /* reply - actual send: what a naive client sees */
	uint64_t sends, recvs;
};

static uint64_t sim_now(void *arg)
{
	return ((struct sim *)arg)->now;
}

static void sim_wait(void *arg, uint64_t t)
{
	struct sim *s = arg;
	if (s->now < t)
		s->now = t;
}

static int sim_send(void *arg, uint64_t seq)
{
	struct sim *s = arg;
	uint64_t i = seq - s->seq0;
	assert_true(i < N);
	uint64_t begin = s->now > s->server_free ? s->now : s->server_free;
	if (seq == s->stall_seq)
		begin += s->stall;
	s->sent_at[i] = s->now;
	s->reply_at[i] = begin + s->service;
	s->server_free = s->reply_at[i];
	s->sends++;
	return 0;
}

static int sim_recv(void *arg, uint64_t seq)
{
	struct sim *s = arg;
	uint64_t i = seq - s->seq0;
	assert_true(i < s->sends); /* never waits for a request not sent */
	if (s->now < s->reply_at[i])
		s->now = s->reply_at[i];
	ipl_hist_record(&s->uncorrected, s->now - s->sent_at[i]);
	s->recvs++;
	return 0;
}

/* Runs N requests at rate/s with window w against a fresh simulated server;
 * h gets the loop's (corrected) latencies. */
static struct ipl_load_out run(struct sim *s, struct ipl_hist *h, double rate, unsigned w)
{
	const struct ipl_load_ops ops = { sim_now, sim_wait, sim_send, sim_recv, s };
	struct ipl_load_cfg cfg = { .rate = rate, .count = N, .window = w, .seq0 = s->seq0 };
	struct ipl_load_out out;
	ipl_hist_init(h);
	ipl_hist_init(&s->uncorrected);
	assert_int_equal(ipl_load_loop(&ops, &cfg, h, &out), 0);
	assert_int_equal(out.sent, N);
	assert_int_equal(out.replies, N);
	assert_int_equal(h->count, N);
	return out;
}

static struct sim *sim_new(uint64_t service, uint64_t stall_at, uint64_t stall)
{
	struct sim *s = calloc(1, sizeof *s);
	assert_non_null(s);
	s->now = 7 * MS; /* any origin: the schedule is relative to its start */
	s->service = service;
	s->seq0 = 101;
	s->stall_seq = stall ? s->seq0 + stall_at : 0;
	s->stall = stall;
	return s;
}

/* Below saturation and without a stall: every request leaves on time,
 * every latency is the service time, and the achieved rate is the offered. */
static void steady_rate_is_sustained(void **state)
{
	(void)state;
	struct sim *s = sim_new(100 * US, 0, 0);
	struct ipl_hist *h = malloc(sizeof *h);
	struct ipl_load_out out = run(s, h, 1000, 1);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(s->sent_at[i], out.start_ns + i * MS); /* on schedule, exactly */
	assert_int_equal(h->min, 100 * US);
	assert_int_equal(h->max, 100 * US);
	assert_int_equal(out.elapsed_ns, N * MS); /* the schedule's span */
	double achieved = (double)N / ((double)out.elapsed_ns / 1e9);
	assert_true(ipl_load_sustained(1000, achieved));
	free(h);
	free(s);
}

/* Past saturation (2 ms of service offered every 1 ms): half the offered
 * rate is achieved, which is flagged, and the latency grows without bound. */
static void saturated_rate_is_not_sustained(void **state)
{
	(void)state;
	struct sim *s = sim_new(2 * MS, 0, 0);
	struct ipl_hist *h = malloc(sizeof *h);
	struct ipl_load_out out = run(s, h, 1000, 1);
	double achieved = (double)N / ((double)out.elapsed_ns / 1e9);
	assert_true(achieved > 490 && achieved < 510);
	assert_false(ipl_load_sustained(1000, achieved));
	/* the last request was due at 999 ms and answered at 2000 ms */
	assert_true(h->max >= 1000 * MS);
	free(h);
	free(s);
}

/* Requests (of N) whose latency in h is at least ns. */
static uint64_t at_least(const struct ipl_hist *h, uint64_t ns)
{
	uint64_t n = 0;
	for (size_t b = ipl_hist_index(ns); b < IPL_HIST_BUCKETS; b++)
		n += h->bucket[b];
	return n;
}

/* One 100 ms stall at request 500, 1000 req/s, 100 us service: the
 * requests due during the stall (500..599) could not leave before it ended.
 * Each is charged from its due time, so each shows at least its own delay
 * (>= 1 ms); measured from the actual send, only request 500 would. */
static void stall_is_charged_to_every_delayed_request(void **state)
{
	unsigned w = (unsigned)(uintptr_t)*state;
	struct sim *s = sim_new(100 * US, 500, 100 * MS);
	struct ipl_hist *h = malloc(sizeof *h);
	struct ipl_load_out out = run(s, h, 1000, w);
	for (unsigned i = 500; i < 600; i++) /* the simulation did stall them */
		assert_true(s->reply_at[i] >= out.start_ns + 600 * MS);
	assert_true(at_least(h, 1 * MS) >= 100);
	/* the 10th worst of 1000 is one of them: p99 is tens of ms, not 100 us */
	assert_true(ipl_hist_percentile(h, 99) >= 50 * MS);
	assert_true(ipl_hist_percentile(h, 90) >= 5 * MS);
	assert_true(ipl_hist_percentile(h, 50) < 1 * MS); /* the stall is not the median */
	/* the naive measurement of the same run misses them: window 1 sends each
	 * delayed request only after the stall, then times only its service */
	if (w == 1) {
		assert_true(at_least(&s->uncorrected, 1 * MS) <= 1);
		assert_true(ipl_hist_percentile(&s->uncorrected, 99) < 1 * MS);
	}
	free(h);
	free(s);
}

static void due_times(void **state)
{
	(void)state;
	assert_int_equal(ipl_load_due(5, 1000, 0), 5);
	assert_int_equal(ipl_load_due(5, 1000, 3), 5 + 3 * MS);
	assert_int_equal(ipl_load_due(0, 3, 1), 333333333);
	assert_int_equal(ipl_load_due(0, 1e7, 10000000), 1000000000ull);
}

/* ---- the real client against a server that stalls once ----------------- */

#define REAL_N 400
#define REAL_STALL_AT 100 /* request index */
#define REAL_STALL (200 * MS)

struct echo_arg {
	struct ipl_conn *c;
	int rc;
};

/* Echoes every request; sleeps REAL_STALL before answering request
 * REAL_STALL_AT (the injected stall), until the client closes. */
static void *echo_server(void *p)
{
	struct echo_arg *a = p;
	struct ipl_buf rx = { 0 };
	struct ipl_hdr h;
	for (uint64_t i = 0; (a->rc = ipl_msg_recv(a->c, 1u << 20, &h, &rx)) == 0; i++) {
		if (i == REAL_STALL_AT) {
			struct timespec t = { .tv_sec = 0, .tv_nsec = (long)REAL_STALL };
			while (nanosleep(&t, &t) != 0)
				;
		}
		h.flags = IPL_FLAG_REPLY;
		h.crc = 0;
		if ((a->rc = ipl_msg_send(a->c, &h, rx.p)) < 0)
			break;
	}
	ipl_buf_free(&rx);
	return NULL;
}

/* Requests 100..199 were due 100..199 ms into the run; the server answers
 * none of them before 300 ms (it serves in order, and stalls 200 ms at 100),
 * so each one's corrected latency is >= 300 - i ms > 100 ms on any machine,
 * however slow.  Measured from the actual send, only request 100 would be
 * (window 1: the others leave after the stall). */
static void real_client_charges_the_stall(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	const struct ipl_transport *tp = ipl_transport_find("unix");
	assert_non_null(tp);
	struct ipl_conn *cc = ipl_fdconn_new(tp, sv[0], sv[0]);
	struct echo_arg srv = { .c = ipl_fdconn_new(tp, sv[1], sv[1]) };
	assert_non_null(cc);
	assert_non_null(srv.c);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, echo_server, &srv), 0);
	struct ipl_client_cfg cfg = { .size = 64, .iters = REAL_N, .window = 1, .rate = 1000 };
	struct ipl_client_stats st = { 0 };
	struct ipl_hist *h = malloc(sizeof *h);
	ipl_hist_init(h);
	assert_int_equal(ipl_client_load(cc, &cfg, h, &st), 0);
	ipl_conn_detach(cc); /* EOF: the server thread ends */
	pthread_join(th, NULL);
	ipl_conn_detach(srv.c);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.ok, REAL_N);
	assert_int_equal(h->count, REAL_N);
	assert_true(at_least(h, 100 * MS) >= 100);
	assert_true(ipl_hist_percentile(h, 90) >= 100 * MS);
	assert_true(h->max >= REAL_STALL);
	assert_true(st.elapsed_ns >= REAL_N * MS); /* the schedule's span at least */
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(due_times),
		cmocka_unit_test(steady_rate_is_sustained),
		cmocka_unit_test(saturated_rate_is_not_sustained),
		cmocka_unit_test_prestate(stall_is_charged_to_every_delayed_request, (void *)(uintptr_t)1),
		cmocka_unit_test_prestate(stall_is_charged_to_every_delayed_request, (void *)(uintptr_t)4),
		cmocka_unit_test(real_client_charges_the_stall),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
