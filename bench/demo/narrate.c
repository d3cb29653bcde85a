/* narrate.c - the demo's per-mechanism lines, read from the mechanism's
 * describe table, and the kernel's view of a connection (narrate.h). */
#include "bench/demo/narrate.h"

#include "common/err.h"
#include "common/names.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct ipl_tp_describe *ipl_demo_describe(const struct ipl_transport *tp)
{
	static const struct ipl_tp_describe none = { .walk = IPL_TP_WALK_EXCHANGE };
	return tp && tp->describe ? tp->describe : &none;
}

struct ipl_demo_vars ipl_demo_ep_vars(const struct ipl_endpoint *ep)
{
	return (struct ipl_demo_vars){ .name = ep->tp->name, .ep = ep, .d = ipl_demo_describe(ep->tp) };
}

/* What /proc/self/fd says fd is: "socket:[1234]", "pipe:[99]", a path. */
static void fd_kind(int fd, char *out, size_t outlen)
{
	char p[64], buf[PATH_MAX];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(p, buf, sizeof buf - 1);
	if (n < 0) {
		snprintf(out, outlen, "?");
		return;
	}
	buf[n] = '\0';
	snprintf(out, outlen, "%s", buf);
}

/* describe->conn_fds of v's conn; 0 or a negative code. */
static int conn_fds(const struct ipl_demo_vars *v, int *r, int *w)
{
	*r = *w = -1;
	if (!v->conn || !v->d || !v->d->conn_fds)
		return IPL_EUNSUPP;
	return v->d->conn_fds(v->conn, r, w);
}

static int listen_fd(const struct ipl_demo_vars *v)
{
	return v->ep && v->d && v->d->listen_fd ? v->d->listen_fd(v->ep) : IPL_EUNSUPP;
}

static void fd_text(int fd, char *out, size_t len)
{
	if (fd < 0)
		snprintf(out, len, "?");
	else
		snprintf(out, len, "%d", fd);
}

/* The value of placeholder k (n bytes, no braces) into val; 0 when k is
 * not a placeholder. */
static int var_value(const char *k, size_t n, const struct ipl_demo_vars *v, char *val, size_t len)
{
	static const char *const keys[] = { "name", "addr",     "via", "tmpdir",
					    "lfd",  "lfd_kind", "rfd", "wfd" };
	size_t i = 0;
	while (i < sizeof keys / sizeof keys[0] && (strlen(keys[i]) != n || memcmp(keys[i], k, n)))
		i++;
	const struct ipl_transport *via = v->ep ? v->ep->opts.via : NULL;
	int r, w;
	switch (i) {
	case 0: snprintf(val, len, "%s", v->name ? v->name : "?"); return 1;
	case 1: snprintf(val, len, "%s", v->ep ? v->ep->addr : ""); return 1;
	case 2: snprintf(val, len, "%s", v->via ? v->via : via ? via->name : "?"); return 1;
	case 3: snprintf(val, len, "%s", ipl_tmpdir()); return 1;
	case 4: fd_text(listen_fd(v), val, len); return 1;
	case 5: fd_kind(listen_fd(v), val, len); return 1;
	case 6:
		conn_fds(v, &r, &w);
		fd_text(r, val, len);
		return 1;
	case 7:
		conn_fds(v, &r, &w);
		fd_text(w, val, len);
		return 1;
	default: return 0;
	}
}

void ipl_demo_expand(const char *t, const struct ipl_demo_vars *v, char *out, size_t len)
{
	size_t o = 0;
	char val[PATH_MAX];
	while (*t && o + 1 < len) {
		const char *close = *t == '{' ? strchr(t, '}') : NULL;
		const char *s = t;
		size_t n = 1;
		if (close && var_value(t + 1, (size_t)(close - t - 1), v, val, sizeof val)) {
			s = val;
			n = strlen(val);
			t = close + 1;
		} else {
			t++;
		}
		if (n > len - 1 - o)
			n = len - 1 - o;
		memcpy(out + o, s, n);
		o += n;
	}
	out[o] = '\0';
}

void ipl_demo_narrate(struct ipl_demo_log *lg, int side, const char *const *lines, const char *fallback,
		      const struct ipl_demo_vars *v)
{
	const char *const one[] = { fallback, NULL };
	char text[IPL_DEMO_TEXT_MAX];
	for (const char *const *l = lines ? lines : one; *l; l++) {
		ipl_demo_expand(*l, v, text, sizeof text);
		ipl_demo_say(lg, side, IPL_DEMO_TEXT, "%s", text);
	}
}

/* ---- the kernel's view of a conn ------------------------------------------ */

/* A socket: its fd, what it is, both ends (the transport's conn_addr). */
static void show_socket(struct ipl_demo_log *lg, int side, struct ipl_conn *in, int fd)
{
	char k[PATH_MAX], me[IPL_ADDR_MAX + 16], peer[IPL_ADDR_MAX + 16];
	fd_kind(fd, k, sizeof k);
	int rc = ipl_conn_addr(in, me, sizeof me, peer, sizeof peer);
	if (rc < 0) {
		snprintf(me, sizeof me, "(%s)", ipl_strerror(rc));
		snprintf(peer, sizeof peer, "(%s)", ipl_strerror(rc));
	}
	ipl_demo_say(lg, side, IPL_DEMO_TEXT, "  fd %d = %s  local %s  <->  remote %s", fd, k,
		     me[0] ? me : "(unnamed)", peer[0] ? peer : "(unnamed)");
}

/* A conn without fds whose memory is mapped: the lines of /proc/self/maps
 * that hold one of the transport's patterns. */
static void show_maps(struct ipl_demo_log *lg, int side, const char *const *pat)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int shown = 0;
	while (f && fgets(line, sizeof line, f)) {
		char *hit = NULL;
		for (const char *const *p = pat; *p && !hit; p++)
			hit = strstr(line, *p);
		if (!hit)
			continue;
		unsigned long lo = 0, hi = 0;
		sscanf(line, "%lx-%lx", &lo, &hi);
		hit[strcspn(hit, "\n")] = '\0';
		ipl_demo_say(lg, side, IPL_DEMO_TEXT, "  mapped: %s, %lu KiB at %#lx (/proc/self/maps)",
			     hit, (hi - lo) / 1024, lo);
		shown++;
	}
	if (f)
		fclose(f);
	if (!shown)
		ipl_demo_say(lg, side, IPL_DEMO_TEXT, "  (no mapping of it visible in /proc/self/maps)");
}

void ipl_demo_show_conn(struct ipl_demo_log *lg, int side, struct ipl_conn *in)
{
	const struct ipl_tp_describe *d = ipl_demo_describe(in->tp);
	struct ipl_demo_vars v = { .name = in->tp->name, .conn = in, .d = d };
	int r, w;
	char k1[PATH_MAX], k2[PATH_MAX];
	if (conn_fds(&v, &r, &w) == 0 && r == w) {
		show_socket(lg, side, in, r);
	} else if (conn_fds(&v, &r, &w) == 0) {
		fd_kind(r, k1, sizeof k1);
		fd_kind(w, k2, sizeof k2);
		ipl_demo_say(lg, side, IPL_DEMO_TEXT, "  reads fd %d = %s", r, k1);
		ipl_demo_say(lg, side, IPL_DEMO_TEXT, "  writes fd %d = %s", w, k2);
	} else if (d->maps) {
		show_maps(lg, side, d->maps);
	} else if (in->tp->caps & IPL_CAP_LAYERED) {
		ipl_demo_say(lg, side, IPL_DEMO_TEXT,
			     "  (no fd of its own: the %s layer owns the carrier connection)", in->tp->name);
	} else {
		ipl_demo_say(lg, side, IPL_DEMO_TEXT, "  (%s does not say which fds it uses)", in->tp->name);
	}
}

/* ---- the tracing conn ---------------------------------------------------- */

struct tconn {
	struct ipl_conn base;
	struct ipl_conn *in;
	struct ipl_demo_log *lg;
	int side;
	char send_call[IPL_DEMO_TEXT_MAX]; /* "sendmsg(fd 4, MSG_NOSIGNAL)" */
	char recv_call[IPL_DEMO_TEXT_MAX]; /* "read(fd 4)" */
};

static int t_send(struct ipl_conn *c, const struct iovec *iov, int cnt)
{
	struct tconn *t = (struct tconn *)c;
	struct ipl_demo_ev *e = ipl_demo_ev_new(t->lg);
	if (e) {
		e->side = t->side;
		e->kind = IPL_DEMO_SEND;
		snprintf(e->text, sizeof e->text, "%s", t->send_call);
		for (int i = 0; i < cnt; i++) {
			size_t room = IPL_DEMO_DATA_MAX - e->datalen, n = iov[i].iov_len;
			memcpy(e->data + e->datalen, iov[i].iov_base, n < room ? n : room);
			e->datalen += (uint32_t)(n < room ? n : room);
			e->nbytes += (int64_t)n;
		}
	}
	/* logged before the bytes leave: the peer's recv is always logged later */
	return ipl_conn_send(t->in, iov, cnt);
}

static ssize_t t_recv(struct ipl_conn *c, void *buf, size_t len)
{
	struct tconn *t = (struct tconn *)c;
	ssize_t r = ipl_conn_recv(t->in, buf, len);
	struct ipl_demo_ev *e = ipl_demo_ev_new(t->lg);
	if (e) {
		e->side = t->side;
		e->kind = IPL_DEMO_RECV;
		snprintf(e->text, sizeof e->text, "%s", t->recv_call);
		e->nbytes = r;
		if (r > 0) {
			e->datalen = (uint32_t)((size_t)r < IPL_DEMO_DATA_MAX ? (size_t)r : IPL_DEMO_DATA_MAX);
			memcpy(e->data, buf, e->datalen);
		}
	}
	return r;
}

static void t_detach(struct ipl_conn *c)
{
	struct tconn *t = (struct tconn *)c;
	ipl_conn_detach(t->in);
	free(t);
}

static const struct ipl_transport trace_tp = {
	.name = "trace",
	.summary = "ipclab demo: logs and forwards",
	.send = t_send,
	.recv = t_recv,
	.detach = t_detach,
};

struct ipl_conn *ipl_demo_trace_conn(struct ipl_conn *inner, struct ipl_demo_log *lg, int side)
{
	struct tconn *t = calloc(1, sizeof *t);
	if (!t) {
		ipl_conn_detach(inner);
		return NULL;
	}
	t->base.tp = &trace_tp;
	t->in = inner;
	t->lg = lg;
	t->side = side;
	/* the calls are the same for every message: named once, here */
	const struct ipl_tp_describe *d = ipl_demo_describe(inner->tp);
	struct ipl_demo_vars v = { .name = inner->tp->name, .conn = inner, .d = d };
	ipl_demo_expand(d->send ? d->send : "{name} send (the transport's send op)", &v, t->send_call,
			sizeof t->send_call);
	ipl_demo_expand(d->recv ? d->recv : "{name} recv (the transport's recv op)", &v, t->recv_call,
			sizeof t->recv_call);
	return &t->base;
}
