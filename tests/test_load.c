/* test_load.c - many clients at once against one server, every round trip
 * verified, on every multi-client variant.
 *
 * N client processes connect and say HELLO; once all N are connected (the
 * server then has N live connections, which is checked) they are released
 * together and each does R echo round trips of mixed sizes (0 B .. 256 KiB,
 * every other one checksummed), each with its own sequence number and a
 * payload derived from it, so a reply that is lost, late, misrouted to
 * another client or corrupted is counted.  Pass: N x R verified, 0 lost,
 * 0 corrupted, the same server process throughout, and a clean stop.
 *
 * N and R come from IPL_LOAD_CLIENTS and IPL_LOAD_ROUNDS: `make check` runs
 * 32 x 200 per variant; `make stress` runs 256 x 1000. */
#include "common/bytes.h"
#include "common/err.h"
#include "common/exchange.h"
#include "common/msgio.h"
#include "tests/reliab.h"
#include "bench/run/run.h"
#include "bench/registry/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

struct cl_stats {
	atomic_uint_fast64_t ok, corrupted, lost;
	atomic_int fatal; /* the transport error that ended the client, or 0 */
	atomic_int connected;
};

struct load {
	unsigned clients, rounds;
	int go_r, go_w;      /* released together: EOF on go_r */
	struct cl_stats *st; /* shared with the children (MAP_SHARED) */
	int timeout_s;
};

static unsigned env_uint(const char *name, unsigned dflt)
{
	const char *s = getenv(name);
	return s && *s ? (unsigned)strtoul(s, NULL, 10) : dflt;
}

/* Deterministic mixed sizes, mostly small, sometimes large. */
static uint32_t size_of(unsigned idx, unsigned i)
{
	static const uint32_t sizes[] = { 0, 1, 17, 64, 100, 512, 1024, 1500, 4000, 4096, 9000, 65536 };
	uint32_t h = (idx * 2654435761u) ^ (i * 40503u);
	h ^= h >> 13;
	if (h % 97 == 0)
		return 262144;
	return sizes[h % (sizeof sizes / sizeof sizes[0])];
}

struct cl_arg {
	const struct load *L;
	unsigned idx;
};

static int body_load(struct ipl_conn *c, void *arg)
{
	const struct cl_arg *a = arg;
	const struct load *L = a->L;
	unsigned idx = a->idx;
	struct cl_stats *s = &L->st[idx];
	close(L->go_w);
	alarm((unsigned)L->timeout_s);
	if (ipl_client_hello(c, NULL) < 0) {
		atomic_store(&s->fatal, 1);
		s->lost = L->rounds;
		return 1;
	}
	atomic_store(&s->connected, 1);
	char b;
	while (read(L->go_r, &b, 1) > 0) /* EOF: everyone is connected, go */
		;
	uint8_t *tx = malloc(262144), *want = malloc(262144);
	struct ipl_buf rx = { 0 };
	if (!tx || !want)
		return 2;
	for (unsigned i = 0; i < L->rounds; i++) {
		uint32_t size = size_of(idx, i);
		uint64_t seq = ((uint64_t)idx << 32) | i;
		ipl_payload_fill(tx, size, seq);
		memcpy(want, tx, size);
		struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_ECHO, .seq = seq, .len = size };
		if (i & 1) {
			h.flags = IPL_FLAG_CRC;
			h.crc = ipl_crc32c(0, tx, size);
		}
		int rc = ipl_msg_send(c, &h, tx);
		struct ipl_hdr r;
		if (rc == 0)
			rc = ipl_msg_recv(c, IPL_DEFAULT_CAP, &r, &rx);
		if (rc < 0 && rc != IPL_EBADCRC) {
			fprintf(stderr, "load client %u: round %u: %s\n", idx, i, ipl_strerror(rc));
			atomic_store(&s->fatal, rc);
			s->lost += L->rounds - i;
			break;
		}
		if (rc == IPL_EBADCRC || r.op != IPL_OP_ECHO || r.seq != seq || r.len != size ||
		    memcmp(rx.p, want, size)) {
			s->corrupted++;
			continue;
		}
		s->ok++;
	}
	free(tx);
	free(want);
	ipl_buf_free(&rx);
	return ipl_client_bye(c) < 0 ? 3 : 0;
}

/* Like ipl_fx_start, without its limit of 16 pre-forked clients for
 * fork-only transports: prepares v with room for n channels and forks the
 * server.  The state lives in fx, so a failing case is still stopped. */
static int start_server(struct ipl_fixture *fx, const struct ipl_test_variant *v, unsigned n)
{
	memset(fx, 0, sizeof *fx);
	fx->v = v;
	fx->server = -1;
	struct ipl_tp_opts o = v->opts;
	o.max_clients = n;
	if (v->via && !(o.via = ipl_transport_find(v->via)))
		return -ENOENT;
	ipl_endpoint_setup(&fx->ep, ipl_rl_tp(v), &o, NULL);
	int rc = ipl_endpoint_prepare(&fx->ep);
	if (rc < 0) {
		ipl_endpoint_cleanup(&fx->ep);
		return rc;
	}
	fflush(NULL);
	sigset_t term, old;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old); /* held until the server's handler exists */
	pid_t pid = fork();
	if (pid != 0)
		sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == 0) {
		alarm(3600);
		rc = ipl_endpoint_attach_server(&fx->ep);
		if (rc == 0)
			rc = ipl_serve_foreground(&fx->ep, o.cap, NULL);
		ipl_endpoint_cleanup(&fx->ep);
		_exit(rc < 0 ? 1 : 0);
	}
	if (pid < 0)
		return -errno;
	fx->server = fx->server_was = pid;
	return 0;
}

static pid_t start_client(struct ipl_fixture *fx, unsigned idx, struct cl_arg *a)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		struct ipl_conn *c = NULL;
		int rc = ipl_endpoint_attach_client(&fx->ep, idx, &c);
		int st = 100;
		if (rc < 0) {
			fprintf(stderr, "load client %u: attach: %s\n", idx, ipl_strerror(rc));
			a->L->st[idx].lost = a->L->rounds;
		} else {
			st = body_load(c, a);
		}
		ipl_conn_detach(c);
		ipl_endpoint_cleanup(&fx->ep);
		_exit(st);
	}
	if (pid > 0 && fx->nkids < sizeof fx->kids / sizeof fx->kids[0])
		fx->kids[fx->nkids++] = pid;
	return pid;
}

static void raise_nofile(void)
{
	struct rlimit r;
	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void case_load(const struct ipl_test_variant *v, const struct ipl_rl_case *k)
{
	(void)k;
	struct load L = {
		.clients = env_uint("IPL_LOAD_CLIENTS", 32),
		.rounds = env_uint("IPL_LOAD_ROUNDS", 200),
		.timeout_s = (int)env_uint("IPL_LOAD_TIMEOUT", 600),
	};
	raise_nofile();
	size_t sz = L.clients * sizeof *L.st;
	L.st = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(L.st != MAP_FAILED);
	struct ipl_fixture *fx = ipl_rl_fixture();
	assert_int_equal(start_server(fx, v, L.clients), 0);
	/* made after the server's fork: only the clients and we hold the
	 * write end, so its EOF is the start signal */
	int go[2];
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	L.go_r = go[0];
	L.go_w = go[1];
	pid_t srv = fx->server;
	pid_t *kids = calloc(L.clients, sizeof *kids);
	struct cl_arg *args = calloc(L.clients, sizeof *args);
	assert_non_null(kids);
	assert_non_null(args);
	double t0 = now_s();
	unsigned forked = 0;
	for (unsigned i = 0; i < L.clients; i++) {
		args[i] = (struct cl_arg){ &L, i };
		kids[i] = start_client(fx, i, &args[i]);
		if (kids[i] <= 0)
			break;
		forked++;
	}
	/* every process exists: drop our copies of the channels (pipe) so
	 * that EOF reaches whoever waits for it */
	ipl_endpoint_release(&fx->ep);

	/* all connected at once: every client has been answered HELLO before
	 * any is released (the thread count, one worker per connection for
	 * ipclab's own server, is reported, not required: libtirpc's is one
	 * loop) */
	unsigned connected = 0;
	for (int w = 0; w < L.timeout_s * 100 && connected < forked; w++) {
		connected = 0;
		for (unsigned i = 0; i < forked; i++)
			connected += (unsigned)atomic_load(&L.st[i].connected);
		if (connected < forked)
			ipl_rl_sleep_ms(10);
	}
	long threads = ipl_rl_status(srv, "Threads");
	close(go[1]); /* go */
	close(go[0]);
	double t1 = now_s();

	int bad_exit = 0;
	for (unsigned i = 0; i < forked; i++) {
		int st = ipl_fx_wait(fx, kids[i], L.timeout_s + 30);
		kids[i] = 0;
		if (st != 0) {
			fprintf(stderr, "%s: client %u exited with %d\n", v->name, i, st);
			bad_exit++;
		}
	}
	double t2 = now_s();
	uint64_t ok = 0, corrupted = 0, lost = 0;
	for (unsigned i = 0; i < forked; i++) {
		ok += L.st[i].ok;
		corrupted += L.st[i].corrupted;
		lost += L.st[i].lost;
	}
	lost += (uint64_t)(L.clients - forked) * L.rounds;
	/* a client that died without counting: whatever it did not verify is lost */
	uint64_t accounted = ok + corrupted + lost;
	uint64_t want = (uint64_t)L.clients * L.rounds;
	if (accounted < want)
		lost += want - accounted;
	fprintf(stderr,
		"%s: %u clients x %u round trips: %llu verified, %llu lost, %llu corrupted; "
		"%u connected at once (server threads %ld); connect %.1f s, run %.1f s\n",
		v->name, L.clients, L.rounds, (unsigned long long)ok, (unsigned long long)lost,
		(unsigned long long)corrupted, connected, threads, t1 - t0, t2 - t1);
	int alive = kill(srv, 0) == 0 && fx->server == srv;
	int stop = ipl_fx_stop(fx);
	munmap(L.st, sz);
	free(kids);
	free(args);

	assert_int_equal(forked, L.clients);
	assert_int_equal(connected, L.clients);
	assert_int_equal(bad_exit, 0);
	assert_int_equal(corrupted, 0);
	assert_int_equal(lost, 0);
	assert_int_equal(ok, want);
	assert_true(alive); /* the server never died or restarted */
	assert_int_equal(stop, 0);
	assert_int_equal(ipl_fx_leftovers(fx), 0);
}

static const struct ipl_rl_case cases[] = {
	{ "many_clients_verified", case_load, IPL_CAP_MULTI_CLIENT, 0, 0, NULL },
};

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	return ipl_rl_run("load", cases, sizeof cases / sizeof cases[0], argc, argv);
}
