/* helper_reliab.c - shared by the reliability suites; see reliab.h. */
#include "tests/reliab.h"

#include "common/bytes.h"
#include "common/err.h"
#include "common/exchange.h"
#include "common/msgio.h"
#include "rpc/rpcmsg.h"
#include "rpc/xdr.h"
#include "bench/registry/registry.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

/* The value of one "Field:" line of /proc/<pid>/status, read in base; -1
 * when the process or the field is absent. */
static long long status_field(pid_t pid, const char *field, int base)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t fl = strlen(field);
	long long v = -1;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, field, fl) && line[fl] == ':') {
			v = (long long)strtoull(line + fl + 1, NULL, base);
			break;
		}
	}
	fclose(f);
	return v;
}

unsigned ipl_rl_port_of(const char *addr)
{
	const char *colon = strrchr(addr, ':');
	return colon ? (unsigned)atoi(colon + 1) : 0;
}

int ipl_rl_net_sockets(const char *table, unsigned local_port, unsigned remote_port, int st, unsigned long *rxq)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/net/%s", table);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int n = 0;
	unsigned long sum = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned lp, rp, state;
		unsigned long tx, rx;
		if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%x %x %lx:%lx", &lp, &rp, &state, &tx, &rx) == 5 &&
		    lp == local_port && rp == remote_port && (st < 0 || state == (unsigned)st)) {
			n++;
			sum += rx;
		}
	}
	fclose(f);
	if (rxq)
		*rxq = sum;
	return n;
}

long ipl_rl_status(pid_t pid, const char *field)
{
	return (long)status_field(pid, field, 10);
}

int ipl_rl_nfds(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

void ipl_rl_sleep_ms(long ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

static int64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int ipl_rl_wait_threads(pid_t pid, long max, int timeout_ms)
{
	int64_t end = mono_ms() + (timeout_ms > IPL_RL_SAFETY_MS ? timeout_ms : IPL_RL_SAFETY_MS);
	for (;;) {
		long n = ipl_rl_status(pid, "Threads");
		if (n >= 0 && n <= max)
			return 0;
		if (mono_ms() >= end) {
			fprintf(stderr, "server %ld still has %ld threads (want <= %ld)\n", (long)pid, n, max);
			return -1;
		}
		ipl_rl_sleep_ms(10);
	}
}

int ipl_rl_wait_signal_taken(pid_t pid, int sig)
{
	long long bit = 1ll << (sig - 1);
	int64_t end = mono_ms() + IPL_RL_SAFETY_MS;
	for (;;) {
		long long shd = status_field(pid, "ShdPnd", 16), own = status_field(pid, "SigPnd", 16);
		if (shd < 0 || own < 0)
			return -1;
		if (!(shd & bit) && !(own & bit))
			return 0;
		if (mono_ms() >= end) {
			fprintf(stderr, "pid %ld never took signal %d\n", (long)pid, sig);
			return -1;
		}
		ipl_rl_sleep_ms(1);
	}
}

int ipl_rl_send_raw(struct ipl_conn *c, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	return ipl_conn_send(c, &iov, 1);
}

void ipl_rl_hdr(uint8_t out[IPL_HDR_SIZE], uint8_t op, uint16_t flags, uint64_t seq, uint32_t len, uint32_t crc)
{
	struct ipl_hdr h = { .version = IPL_VERSION, .op = op, .flags = flags, .seq = seq, .len = len, .crc = crc };
	ipl_hdr_encode(&h, out);
}

int ipl_rl_expect_error(struct ipl_conn *c, uint64_t seq, uint32_t code)
{
	struct ipl_hdr h;
	struct ipl_buf b = { 0 };
	int rc = ipl_msg_recv(c, 64, &h, &b);
	int bad = 0;
	if (rc < 0)
		bad = 1;
	else if (h.op != IPL_OP_ERROR || !(h.flags & IPL_FLAG_REPLY))
		bad = 2;
	else if (h.seq != seq)
		bad = 3;
	else if (h.len != 4)
		bad = 4;
	else if (ipl_get_be32(b.p) != code)
		bad = 5;
	if (bad)
		fprintf(stderr, "expected ERROR %u for seq %llx: %s (rc %s, op %u, seq %llx, code %u)\n",
			code, (unsigned long long)seq, bad == 1 ? "no reply" : "wrong reply",
			ipl_strerror(rc), rc < 0 ? 0 : h.op, rc < 0 ? 0ull : (unsigned long long)h.seq,
			rc == 0 && h.len == 4 ? ipl_get_be32(b.p) : 0);
	ipl_buf_free(&b);
	return bad;
}

int ipl_rl_expect_eof(struct ipl_conn *c)
{
	uint8_t x;
	int rc = ipl_conn_read_full(c, &x, 1);
	/* a layered transport may report its carrier's close as a broken
	 * exchange (EPROTO): either way the connection is over, not hanging */
	if (rc == IPL_ECLOSED || rc == -ECONNRESET || rc == IPL_EPEERDEAD || rc == IPL_EPROTO)
		return 0;
	fprintf(stderr, "expected the server to close, got %s\n", ipl_strerror(rc));
	return 1;
}

static volatile sig_atomic_t good_stop;

static void on_good_stop(int sig)
{
	(void)sig;
	good_stop = 1;
}

int ipl_rl_good_body(struct ipl_conn *c, void *arg)
{
	const struct ipl_rl_good *g = arg;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_good_stop;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);

	static const uint32_t sizes[] = { 0, 1, 100, 4000, 17000, 70000 };
	unsigned rounds = 0;
	uint32_t cap = 0;
	if (ipl_client_hello(c, &cap) < 0)
		return 10;
	for (;;) {
		uint32_t size = sizes[rounds % (sizeof sizes / sizeof sizes[0])];
		struct ipl_client_cfg cfg = { .size = size, .iters = 1, .op = IPL_OP_ECHO, .crc = rounds & 1 };
		struct ipl_client_stats st = { 0 };
		int rc = ipl_client_latency(c, &cfg, NULL, &st);
		if (rc < 0 || st.errors || st.ok != 1) {
			fprintf(stderr, "good client: round %u size %u: %s, %llu errors\n", rounds, size,
				ipl_strerror(rc), (unsigned long long)st.errors);
			return 11;
		}
		if (rounds++ == 0 && g->ready_fd >= 0) {
			if (write(g->ready_fd, "r", 1) != 1)
				return 12;
		}
		if (good_stop && rounds >= g->min_rounds)
			break;
		if (rounds % 64 == 0)
			ipl_rl_sleep_ms(1); /* leave the CPU to the case under test */
	}
	return ipl_client_bye(c) < 0 ? 13 : 0;
}

int ipl_rl_wait_ready(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b;
	int n;
	int64_t end = mono_ms() + (timeout_ms > IPL_RL_SAFETY_MS ? timeout_ms : IPL_RL_SAFETY_MS);
	do {
		int64_t left = end - mono_ms();
		n = left > 0 ? poll(&p, 1, (int)left) : 0;
	} while (n < 0 && errno == EINTR);
	return (n == 1 && read(fd, &b, 1) == 1) ? 0 : -1;
}

const struct ipl_transport *ipl_rl_tp(const struct ipl_test_variant *v)
{
	return ipl_transport_find(v->tp);
}

unsigned ipl_rl_caps(const struct ipl_test_variant *v)
{
	const struct ipl_transport *tp = ipl_rl_tp(v);
	const struct ipl_transport *via = v->via ? ipl_transport_find(v->via) : NULL;
	unsigned caps = tp ? tp->caps : 0;
	if (via)
		caps |= via->caps & IPL_CAP_NEEDS_FORK;
	return caps;
}

int ipl_rl_third_party(const struct ipl_test_variant *v)
{
	return !strcmp(v->tp, "oncrpc");
}

int ipl_rl_applies(const struct ipl_test_variant *v, unsigned need, unsigned refuse)
{
	unsigned caps = ipl_rl_caps(v);
	/* these suites assume a connection (EOF when the peer goes, no loss):
	 * datagram mechanisms, and layers over one (oncrpc-udp), have their
	 * own (tests/test_udp.c, tests/t_oncrpc_udp.sh) */
	const struct ipl_transport *via = v->via ? ipl_transport_find(v->via) : NULL;
	if (via && (via->caps & IPL_CAP_DATAGRAM))
		caps |= IPL_CAP_DATAGRAM;
	if ((caps & IPL_CAP_DATAGRAM) && !(need & IPL_CAP_DATAGRAM))
		return 0;
	return ipl_rl_tp(v) && (caps & need) == need && !(caps & refuse);
}

static struct ipl_fixture guarded;
static int guard_on;

struct ipl_fixture *ipl_rl_fixture(void)
{
	guard_on = 1;
	return &guarded;
}

/* After every case, pass or fail: a failed assertion jumps out of the case
 * with its server and clients still running and its names in place. */
static int teardown(void **state)
{
	(void)state;
	if (guard_on) {
		ipl_fx_stop(&guarded);
		guarded.nkids = 0;
		guard_on = 0;
	}
	return 0;
}

struct rl_pair {
	const struct ipl_test_variant *v;
	const struct ipl_rl_case *k;
};

static void trampoline(void **state)
{
	const struct rl_pair *p = *state;
	p->k->fn(p->v, p->k);
}

int ipl_rl_run(const char *group, const struct ipl_rl_case *cases, size_t ncase, int argc, char **argv)
{
	return ipl_rl_run_if(group, cases, ncase, argc, argv, NULL);
}

int ipl_rl_run_if(const char *group, const struct ipl_rl_case *cases, size_t ncase, int argc,
		  char **argv, int (*keep)(const struct ipl_test_variant *v))
{
	const char *only = argc > 1 ? argv[1] : NULL;
	struct CMUnitTest *t = calloc(ipl_test_nvariants * ncase + 1, sizeof *t);
	struct rl_pair *pairs = calloc(ipl_test_nvariants * ncase + 1, sizeof *pairs);
	if (!t || !pairs)
		return 1;
	size_t n = 0;
	for (size_t v = 0; v < ipl_test_nvariants; v++) {
		const struct ipl_test_variant *var = &ipl_test_variants[v];
		if ((only && strncmp(var->name, only, strlen(only))) || (keep && !keep(var)))
			continue;
		unsigned per = 0;
		for (size_t c = 0; c < ncase; c++) {
			if (!ipl_rl_applies(var, cases[c].need, cases[c].refuse))
				continue;
			char *name;
			if (asprintf(&name, "%s/%s", var->name, cases[c].name) < 0)
				return 1;
			pairs[n] = (struct rl_pair){ var, &cases[c] };
			t[n] = (struct CMUnitTest){ .name = name,
						    .test_func = trampoline,
						    .teardown_func = teardown,
						    .initial_state = &pairs[n] };
			n++;
			per++;
		}
		fprintf(stderr, "%s: %u cases for %s\n", group, per, var->name);
	}
	int rc = _cmocka_run_group_tests(group, t, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free((char *)t[i].name);
	free(t);
	free(pairs);
	return rc;
}

int ipl_rl_rpc_read_reply(struct ipl_conn *c, struct ipl_rpc_reply *r)
{
	struct ipl_buf b = { 0 };
	size_t len = 0;
	int rc = ipl_rpc_read_record(c, 1u << 20, &b, &len);
	if (rc == 0) {
		struct ipl_xdr_dec x;
		ipl_xdr_dec_init(&x, b.p, len);
		rc = ipl_rpc_reply_decode(&x, r);
	}
	ipl_buf_free(&b);
	return rc;
}
