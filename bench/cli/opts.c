/* opts.c - option value parsers: strict, bounded, with a reason on failure. */
#include "bench/cli/cli.h"
#include "bench/registry/registry.h"
#include "common/exchange.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

static int bad(char *err, size_t len, const char *what, const char *s)
{
	snprintf(err, len, "invalid %s '%s'", what, s);
	return -1;
}

static int parse_scaled(const char *s, uint64_t *out)
{
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	uint64_t mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1024ull * 1024 * 1024, end++;
	if (*end || v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int ipl_parse_size(const char *s, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	if (parse_scaled(s, out) < 0)
		return bad(err, errlen, "size", s);
	if (*out > max) {
		snprintf(err, errlen, "size '%s' is over the limit of %llu bytes", s, (unsigned long long)max);
		return -1;
	}
	return 0;
}

int ipl_split_list(const char *s, char (*items)[IPL_ITEM_MAX], size_t *n, char *err, size_t errlen)
{
	*n = 0;
	if (!*s) {
		snprintf(err, errlen, "empty list");
		return -1;
	}
	for (const char *p = s;; p++) {
		size_t len = strcspn(p, ",");
		if (len == 0) {
			snprintf(err, errlen, "empty item in the list '%s'", s);
			return -1;
		}
		if (*n == IPL_LIST_MAX) {
			snprintf(err, errlen, "too many items in the list (at most %d)", IPL_LIST_MAX);
			return -1;
		}
		if (len >= IPL_ITEM_MAX) {
			snprintf(err, errlen, "item '%.*s...' is too long", 20, p);
			return -1;
		}
		snprintf(items[(*n)++], IPL_ITEM_MAX, "%.*s", (int)len, p);
		p += len;
		if (!*p)
			return 0;
	}
}

int ipl_parse_size_list(const char *s, uint64_t max, uint64_t *out, size_t *n, char *err, size_t errlen)
{
	char items[IPL_LIST_MAX][IPL_ITEM_MAX];
	size_t k;
	*n = 0;
	if (ipl_split_list(s, items, &k, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < k; i++)
		if (ipl_parse_size(items[i], max, &out[i], err, errlen) < 0)
			return -1;
	*n = k;
	return 0;
}

int ipl_parse_count_list(const char *s, uint64_t min, uint64_t max, const char *unit, uint64_t *out,
			 size_t *n, char *err, size_t errlen)
{
	char items[IPL_LIST_MAX][IPL_ITEM_MAX];
	size_t k;
	*n = 0;
	if (ipl_split_list(s, items, &k, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < k; i++) {
		if (parse_scaled(items[i], &out[i]) < 0)
			return bad(err, errlen, "number", items[i]);
		if (out[i] > max) {
			snprintf(err, errlen, "'%s' is over the limit of %llu %s", items[i],
				 (unsigned long long)max, unit);
			return -1;
		}
		if (out[i] < min) {
			snprintf(err, errlen, "'%s' is too few %s (at least %llu)", items[i], unit,
				 (unsigned long long)min);
			return -1;
		}
	}
	*n = k;
	return 0;
}

int ipl_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	if (parse_scaled(s, out) < 0)
		return bad(err, errlen, "number", s);
	if (*out < min || *out > max) {
		snprintf(err, errlen, "'%s' is out of range (%llu..%llu)", s, (unsigned long long)min,
			 (unsigned long long)max);
		return -1;
	}
	return 0;
}

int ipl_parse_cpu_pair(const char *s, int *c, int *srv, char *err, size_t errlen)
{
	char *end;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (!isdigit((unsigned char)s[0]))
		return bad(err, errlen, "--cpu (want CLIENT,SERVER like 0,1)", s);
	long a = strtol(s, &end, 10);
	if (*end != ',' || !isdigit((unsigned char)end[1]))
		return bad(err, errlen, "--cpu (want CLIENT,SERVER like 0,1)", s);
	long b = strtol(end + 1, &end, 10);
	if (*end)
		return bad(err, errlen, "--cpu (want CLIENT,SERVER like 0,1)", s);
	if (a >= ncpu || b >= ncpu) {
		snprintf(err, errlen, "--cpu %s: this machine has CPUs 0..%ld", s, ncpu - 1);
		return -1;
	}
	*c = (int)a;
	*srv = (int)b;
	return 0;
}

int ipl_parse_seconds(const char *s, double *out, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || isinf(v) || v > 86400)
		return bad(err, errlen, "duration in seconds", s);
	*out = v;
	return 0;
}

int ipl_parse_wait(const char *s, enum ipl_wait *out, char *err, size_t errlen)
{
	if (!strcmp(s, "block"))
		*out = IPL_WAIT_BLOCK;
	else if (!strcmp(s, "spin"))
		*out = IPL_WAIT_SPIN;
	else if (!strcmp(s, "hybrid"))
		*out = IPL_WAIT_HYBRID;
	else
		return bad(err, errlen, "--wait (block, spin, hybrid)", s);
	return 0;
}

const char *ipl_wait_name(enum ipl_wait w)
{
	return w == IPL_WAIT_SPIN ? "spin" : w == IPL_WAIT_HYBRID ? "hybrid" : "block";
}

int ipl_parse_via(const char *s, const struct ipl_transport **out, char *err, size_t errlen)
{
	const struct ipl_transport *tp = ipl_transport_find(s);
	/* a stream, or datagrams (rpc over udp: one call per datagram) */
	if (!tp || (tp->caps & IPL_CAP_LAYERED) || !(tp->caps & (IPL_CAP_BYTES | IPL_CAP_DATAGRAM)))
		return bad(err, errlen, "--via (a byte-stream or datagram mechanism such as tcp, unix or udp)", s);
	*out = tp;
	return 0;
}

int ipl_parse_rpc_semantics(const char *s, int *at_least_once, char *err, size_t errlen)
{
	if (!strcmp(s, "at-most-once") || !strcmp(s, "at-least-once")) {
		*at_least_once = s[3] == 'l';
		return 0;
	}
	return bad(err, errlen, "--rpc-semantics (at-most-once, at-least-once)", s);
}

const char *ipl_rpc_semantics_name(int at_least_once)
{
	return at_least_once ? "at-least-once" : "at-most-once";
}

/* fs.pipe-max-size, or 1 MiB (the kernel's default) when unreadable. */
static uint64_t pipe_max_size(void)
{
	unsigned long long v = 0;
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
	int ok = f && fscanf(f, "%llu", &v) == 1 && v > 0;
	if (f)
		fclose(f);
	return ok ? v : 1u << 20;
}

static int positive_size(const char *s, uint64_t *v, char *err, size_t errlen)
{
	if (parse_scaled(s, v) < 0)
		return bad(err, errlen, "size", s);
	if (*v)
		return 0;
	snprintf(err, errlen, "must be > 0");
	return -1;
}

int ipl_parse_pipe_size(const char *s, uint32_t *out, char *err, size_t errlen)
{
	uint64_t v, max = pipe_max_size();
	if (positive_size(s, &v, err, errlen) < 0)
		return -1;
	if (v > max) {
		snprintf(err, errlen,
			 "'%s' is over fs.pipe-max-size (%llu bytes; raise it with sysctl "
			 "fs.pipe-max-size=N)",
			 s, (unsigned long long)max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int ipl_parse_sockbuf(const char *s, uint32_t *out, char *err, size_t errlen)
{
	uint64_t v;
	if (positive_size(s, &v, err, errlen) < 0)
		return -1;
	if (v > 1u << 30) {
		snprintf(err, errlen, "size '%s' is over the limit of %u bytes", s, 1u << 30);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* The pipe probe: F_SETPIPE_SZ then F_GETPIPE_SZ on a fresh pipe. */
static long long probe_pipe(uint32_t bytes, char *err, size_t errlen)
{
	int p[2];
	long long got = -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (fcntl(p[1], F_SETPIPE_SZ, (int)bytes) < 0)
		snprintf(err, errlen, "the kernel refuses a pipe of %u bytes: %s", bytes, strerror(errno));
	else
		got = fcntl(p[1], F_GETPIPE_SZ);
	close(p[0]);
	close(p[1]);
	return got;
}

/* The socket probe: both buffers set on a unix socket pair, the smaller kept. */
static long long probe_sock(uint32_t bytes, char *err, size_t errlen)
{
	int sv[2], v = (int)bytes, snd = 0, rcv = 0;
	socklen_t l1 = sizeof snd, l2 = sizeof rcv;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	int ok = setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v) == 0 &&
		 setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof v) == 0 &&
		 getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &snd, &l1) == 0 &&
		 getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &rcv, &l2) == 0;
	if (!ok)
		snprintf(err, errlen, "socket buffers of %u bytes: %s", bytes, strerror(errno));
	close(sv[0]);
	close(sv[1]);
	return ok ? (snd < rcv ? snd : rcv) : -1;
}

long long ipl_knob_probe(unsigned knob, uint32_t bytes, char *err, size_t errlen)
{
	return knob == IPL_KNOB_PIPE_SIZE ? probe_pipe(bytes, err, errlen) : probe_sock(bytes, err, errlen);
}

int ipl_knob_applies(unsigned knob, const struct ipl_transport *const *tps, size_t n, char *err, size_t errlen)
{
	char names[200] = "";
	size_t used = 0;
	for (size_t i = 0; i < n; i++)
		if (tps[i] && (tps[i]->knobs & knob))
			return 0;
	for (size_t i = 0; i < ipl_transport_count(); i++) {
		const struct ipl_transport *tp = ipl_transport_at(i);
		if ((tp->knobs & knob) && used < sizeof names)
			used += (size_t)snprintf(names + used, sizeof names - used, "%s%s",
						 used ? ", " : "", tp->name);
	}
	snprintf(err, errlen, "%s does not apply: no mechanism in -m has %s (only %s)",
		 knob == IPL_KNOB_PIPE_SIZE ? "--pipe-size" : "--sockbuf",
		 knob == IPL_KNOB_PIPE_SIZE ? "a pipe" : "a socket buffer", names);
	return -1;
}

int ipl_parse_server_model(const char *s, int *out, char *err, size_t errlen)
{
	if (!strcmp(s, "threads"))
		*out = IPL_SERVER_THREADS;
	else if (!strcmp(s, "epoll"))
		*out = IPL_SERVER_EPOLL;
	else {
		snprintf(err, errlen, "unknown server model '%s' (threads or epoll)", s);
		return -1;
	}
	return 0;
}

const char *ipl_server_model_name(int model)
{
	return model == IPL_SERVER_EPOLL ? "epoll" : "threads";
}

int ipl_server_model_applies(int model, const struct ipl_transport *const *tps, size_t n, char *err,
			     size_t errlen)
{
	for (size_t i = 0; model == IPL_SERVER_EPOLL && i < n; i++)
		if (!ipl_server_epoll_ok(tps[i])) {
			snprintf(err, errlen,
				 "--server epoll does not apply to %s: the event loop serves the stream "
				 "sockets (tcp, unix); use --server threads",
				 tps[i]->name);
			return -1;
		}
	return 0;
}
