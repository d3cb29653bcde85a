#include "common/bytes.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/exchange.h"
#include "common/load.h"
#include "common/msgio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The seq is stamped every STAMP_EVERY bytes and at the end, so replaying an
 * older reply, or a block of one, fails the comparison. */
#define STAMP_EVERY 4096u

static void stamp(uint8_t *buf, size_t len, uint64_t seq)
{
	uint8_t s[8];
	ipl_put_be64(s, seq);
	for (size_t off = 0; off < len; off += STAMP_EVERY)
		memcpy(buf + off, s, len - off < 8 ? len - off : 8);
	if (len > 8)
		memcpy(buf + len - 8, s, 8);
}

void ipl_payload_fill(uint8_t *buf, size_t len, uint64_t seq)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 31u + 7u + (i >> 8));
	stamp(buf, len, seq);
}

static int send_req(struct ipl_conn *c, uint8_t op, uint16_t flags, uint64_t seq, const uint8_t *payload,
		    uint32_t len, int crc)
{
	struct ipl_hdr h = { .version = IPL_VERSION, .op = op, .flags = flags, .seq = seq, .len = len };
	if (crc && len) {
		h.flags |= IPL_FLAG_CRC;
		h.crc = ipl_crc32c(0, payload, len);
	}
	return ipl_msg_send(c, &h, payload);
}

static int is_dgram(const struct ipl_conn *c)
{
	return (c->tp->caps & IPL_CAP_DATAGRAM) != 0;
}

/* A datagram mechanism's replies that are not the one awaited, set aside
 * before the wait counts as a loss: a server replaying old replies cannot
 * hold the client forever. */
#define STALE_MAX 64u

/* Classifies a received reply h for request seq.  Returns 0 (verified) or 1
 * (counted as an error).  For ECHO, tx must hold the request's payload
 * stamped with seq. */
static int classify(const struct ipl_hdr *h, uint8_t op, uint64_t seq, const uint8_t *tx, uint32_t len,
		    const struct ipl_buf *rx, struct ipl_client_stats *st)
{
	if (h->op == IPL_OP_ERROR) {
		st->err_remote++;
	} else if (h->op != op || !(h->flags & IPL_FLAG_REPLY)) {
		st->err_remote++; /* a reply of the wrong kind: the server is confused */
	} else if (h->seq != seq) {
		st->err_seq++;
	} else if (h->len != (op == IPL_OP_ECHO ? len : 0)) {
		st->err_len++;
	} else if (op == IPL_OP_ECHO && memcmp(rx->p, tx, len) != 0) {
		st->err_payload++;
	} else {
		st->ok++;
		return 0;
	}
	st->errors++;
	return 1;
}

/* Receives and classifies one reply.  Returns 0 (verified), 1 (counted as
 * an error) or a negative transport code that ends the run.  On a datagram
 * mechanism a timeout is a lost message (counted, the run goes on) and a
 * reply to an earlier request is stale (counted, skipped). */
static int check_reply(struct ipl_conn *c, uint32_t cap, uint8_t op, uint64_t seq, const uint8_t *tx,
		       uint32_t len, struct ipl_buf *rx, struct ipl_client_stats *st)
{
	struct ipl_hdr h;
	int rc;
	for (unsigned skipped = 0;; skipped++) {
		rc = ipl_msg_recv(c, cap, &h, rx);
		if (!is_dgram(c))
			break;
		if (rc == -ETIMEDOUT || (rc == 0 && skipped >= STALE_MAX)) {
			st->lost++;
			st->errors++;
			return 1;
		}
		if (rc < 0 || h.seq >= seq || !(h.flags & IPL_FLAG_REPLY))
			break;
		st->stale++;
	}
	if (rc == IPL_EBADCRC) {
		st->err_payload++;
		st->errors++;
		return 1;
	}
	if (rc < 0)
		return rc;
	return classify(&h, op, seq, tx, len, rx, st);
}

void ipl_client_stats_add(struct ipl_client_stats *dst, const struct ipl_client_stats *src)
{
	dst->ok += src->ok;
	dst->errors += src->errors;
	dst->err_seq += src->err_seq;
	dst->err_len += src->err_len;
	dst->err_payload += src->err_payload;
	dst->err_remote += src->err_remote;
	dst->bytes += src->bytes;
	dst->lost += src->lost;
	dst->stale += src->stale;
	dst->reordered += src->reordered;
	dst->retrans += src->retrans;
}

/* One control exchange (HELLO, BYE: seq 0) on a datagram mechanism: sent
 * again when its reply is lost, other replies skipped. */
#define CONTROL_TRIES 5

static int control(struct ipl_conn *c, uint8_t op, struct ipl_hdr *h, struct ipl_buf *rx)
{
	int rc = IPL_EPROTO;
	for (int t = 0; t < (is_dgram(c) ? CONTROL_TRIES : 1); t++) {
		rc = send_req(c, op, 0, 0, NULL, 0, 0);
		for (unsigned k = 0; rc == 0 && k < STALE_MAX; k++) {
			/* a datagram's stale ECHO reply is skipped whole, not refused
			 * as too big (which would leave its payload to be misread) */
			rc = ipl_msg_recv(c, is_dgram(c) ? IPL_DEFAULT_CAP : 64, h, rx);
			if (rc < 0 || !is_dgram(c) || h->op == op || h->op == IPL_OP_ERROR)
				break;
		}
		if (rc != -ETIMEDOUT)
			break;
	}
	return rc;
}

int ipl_client_hello(struct ipl_conn *c, uint32_t *server_cap)
{
	struct ipl_buf rx = { 0 };
	struct ipl_hdr h;
	int rc = control(c, IPL_OP_HELLO, &h, &rx);
	if (rc == 0 && (h.op != IPL_OP_HELLO || h.len != 4))
		rc = h.op != IPL_OP_ERROR ? IPL_EPROTO
		   : h.len == 4           ? ipl_err_of_wire(ipl_get_be32(rx.p))
					  : IPL_EREMOTE;
	if (rc == 0 && server_cap)
		*server_cap = ipl_get_be32(rx.p);
	ipl_buf_free(&rx);
	return rc;
}

int ipl_client_bye(struct ipl_conn *c)
{
	struct ipl_buf rx = { 0 };
	struct ipl_hdr h;
	int rc = control(c, IPL_OP_BYE, &h, &rx);
	if (rc == 0 && h.op != IPL_OP_BYE)
		rc = IPL_EPROTO;
	ipl_buf_free(&rx);
	return rc;
}

static uint32_t cap_of(const struct ipl_client_cfg *cfg)
{
	return cfg->cap ? cfg->cap : IPL_DEFAULT_CAP;
}

static int finish(struct ipl_client_stats *st, int rc)
{
	st->fatal = rc < 0 ? rc : 0;
	return st->fatal;
}

int ipl_client_latency(struct ipl_conn *c, const struct ipl_client_cfg *cfg, struct ipl_hist *h,
		       struct ipl_client_stats *st)
{
	uint8_t op = cfg->op ? (uint8_t)cfg->op : IPL_OP_ECHO;
	uint8_t *tx = malloc(cfg->size ? cfg->size : 1);
	struct ipl_buf rx = { 0 };
	if (!tx || ipl_buf_reserve(&rx, cfg->size ? cfg->size : 1) < 0) {
		free(tx);
		ipl_buf_free(&rx);
		return finish(st, -ENOMEM);
	}
	ipl_payload_fill(tx, cfg->size, 1);

	int rc = 0;
	uint64_t seq = cfg->seq_base + 1, start = 0, end = 0;
	uint64_t total = cfg->warmup + cfg->iters;
	/* ok counts measured replies only: warm-up replies are not results */
	uint64_t ok_before = st->ok, ok_at_measure = UINT64_MAX;
	for (uint64_t i = 0; cfg->duration_ns || i < total; i++, seq++) {
		int measured = i >= cfg->warmup;
		if (i == cfg->warmup)
			ok_at_measure = st->ok;
		stamp(tx, cfg->size, seq);
		uint64_t t0 = ipl_now_ns();
		if (measured && !start)
			start = t0;
		rc = send_req(c, op, 0, seq, tx, cfg->size, cfg->crc);
		if (rc < 0)
			break;
		rc = check_reply(c, cap_of(cfg), op, seq, tx, cfg->size, &rx, st);
		uint64_t t1 = ipl_now_ns();
		if (rc < 0)
			break;
		end = t1;
		if (measured) {
			if (h)
				ipl_hist_record(h, t1 - t0);
			st->bytes += cfg->size;
			if (cfg->duration_ns && t1 - start >= cfg->duration_ns)
				break;
		}
	}
	st->ok = ok_at_measure == UINT64_MAX ? ok_before : ok_before + (st->ok - ok_at_measure);
	st->elapsed_ns = end > start ? end - start : 0;
	free(tx);
	ipl_buf_free(&rx);
	return finish(st, rc);
}

/* A datagram window: which of the requests in flight are answered.
 * Positions are 1-based within the run (seq - base). */
struct dgram_win {
	uint8_t *ans;    /* ans[(i - 1) % window]: request i answered or given up */
	unsigned window; /* requests in flight at most */
	uint64_t base;   /* the seq before this run's first request */
	uint64_t done;   /* every request up to here is resolved */
	uint64_t sent;   /* requests sent */
	uint64_t hi;     /* the highest position answered so far */
};

/* Moves done past every request resolved in order. */
static void resolve_upto(struct dgram_win *w)
{
	while (w->done < w->sent && w->ans[w->done % w->window])
		w->done++;
}

/* Replies to later requests that make the oldest one in flight lost without
 * waiting for its timeout: TCP's duplicate-ACK threshold (RFC 5681), for the
 * same reason.  One client's replies come back in order from ipclab's
 * servers, so a gap that three later replies have passed is a drop (a full
 * socket buffer, most often), and waiting IPCLAB_UDP_TIMEOUT_MS for each of
 * them stalled the whole window: 400 drops of 3000 took 80 s.  A reply that
 * does come after being given up is counted stale, never taken. */
#define DGRAM_DUPTHRESH 3u

/* Gives up the oldest requests in flight that DGRAM_DUPTHRESH answered
 * requests after them have passed. */
static void give_up_passed(struct dgram_win *w, struct ipl_client_stats *st)
{
	while (w->done < w->sent && w->hi >= w->done + 1 + DGRAM_DUPTHRESH) {
		unsigned after = 0;
		for (uint64_t k = w->done + 2; k <= w->hi; k++)
			after += w->ans[(k - 1) % w->window];
		if (after < DGRAM_DUPTHRESH)
			return;
		st->lost++;
		st->errors++;
		w->ans[w->done % w->window] = 1;
		resolve_upto(w);
	}
}

/* One datagram reply in the window: any in-flight request's, in any order.
 * A reply is reordered when one for a later request came before it; a gap
 * left by a lost request is not a reordering (it is counted lost when
 * DGRAM_DUPTHRESH later replies have passed it or the oldest in flight times
 * out).  Returns 0 or a negative code that ends the run. */
static int window_reply(struct ipl_conn *c, const struct ipl_client_cfg *cfg, uint8_t op,
			struct dgram_win *w, uint8_t *tx, struct ipl_buf *rx, struct ipl_client_stats *st)
{
	struct ipl_hdr h;
	int rc = ipl_msg_recv(c, cap_of(cfg), &h, rx);
	if (rc == -ETIMEDOUT) { /* the oldest in flight is given up for lost */
		st->lost++;
		st->errors++;
		w->ans[w->done % w->window] = 1;
		resolve_upto(w);
		return 0;
	}
	if (rc == IPL_EBADCRC) {
		st->err_payload++;
		st->errors++;
		return 0;
	}
	if (rc < 0)
		return rc;
	uint64_t i = h.seq - w->base;
	if (h.seq <= w->base + w->done || i > w->sent || w->ans[(i - 1) % w->window] ||
	    !(h.flags & IPL_FLAG_REPLY)) {
		st->stale++; /* late (given up already) or a second copy */
		return 0;
	}
	if (i < w->hi)
		st->reordered++;
	else
		w->hi = i;
	if (op == IPL_OP_ECHO)
		stamp(tx, cfg->size, h.seq);
	classify(&h, op, h.seq, tx, cfg->size, rx, st);
	w->ans[(i - 1) % w->window] = 1;
	resolve_upto(w);
	give_up_passed(w, st);
	return 0;
}

/* Throughput on a datagram mechanism: replies may be lost, late, doubled or
 * reordered, so each is matched to its request by seq, not by position. */
static int window_dgram(struct ipl_conn *c, const struct ipl_client_cfg *cfg, uint8_t op,
			unsigned window, struct ipl_client_stats *st)
{
	uint8_t *tx = malloc(cfg->size ? cfg->size : 1);
	struct dgram_win w = { .ans = calloc(window, 1), .window = window, .base = cfg->seq_base + cfg->warmup };
	struct ipl_buf rx = { 0 };
	int rc = 0;
	if (!tx || !w.ans || ipl_buf_reserve(&rx, cfg->size ? cfg->size : 1) < 0)
		rc = -ENOMEM;
	if (tx)
		ipl_payload_fill(tx, cfg->size, 1);
	uint64_t limit = cfg->duration_ns ? UINT64_MAX : cfg->iters;
	uint64_t start = ipl_now_ns();
	while (rc == 0) {
		while (w.sent < limit && w.sent - w.done < window) {
			stamp(tx, cfg->size, w.base + w.sent + 1);
			w.ans[w.sent % window] = 0;
			rc = send_req(c, op, 0, w.base + w.sent + 1, tx, cfg->size, cfg->crc);
			if (rc < 0)
				break;
			w.sent++;
			st->bytes += cfg->size;
		}
		if (rc < 0 || w.done == w.sent)
			break;
		rc = window_reply(c, cfg, op, &w, tx, &rx, st);
		if (cfg->duration_ns && ipl_now_ns() - start >= cfg->duration_ns)
			limit = w.sent;
	}
	st->elapsed_ns = ipl_now_ns() - start;
	free(tx);
	free(w.ans);
	ipl_buf_free(&rx);
	return finish(st, rc);
}

int ipl_client_throughput(struct ipl_conn *c, const struct ipl_client_cfg *cfg, struct ipl_client_stats *st)
{
	uint8_t op = cfg->op ? (uint8_t)cfg->op : IPL_OP_SINK;
	unsigned window = cfg->window ? cfg->window : 1;
	if (cfg->warmup) {
		struct ipl_client_cfg w = *cfg;
		struct ipl_client_stats ws = { 0 };
		w.iters = cfg->warmup;
		w.warmup = 0;
		w.duration_ns = 0;
		w.op = op;
		int rc = ipl_client_latency(c, &w, NULL, &ws);
		st->errors += ws.errors; /* warm-up errors still count as errors */
		st->err_seq += ws.err_seq;
		st->err_len += ws.err_len;
		st->err_payload += ws.err_payload;
		st->err_remote += ws.err_remote;
		st->lost += ws.lost;
		st->stale += ws.stale;
		if (rc < 0)
			return finish(st, rc);
	}
	if (is_dgram(c))
		return window_dgram(c, cfg, op, window, st);
	uint8_t *tx = malloc(cfg->size ? cfg->size : 1);
	struct ipl_buf rx = { 0 };
	if (!tx || ipl_buf_reserve(&rx, cfg->size ? cfg->size : 1) < 0) {
		free(tx);
		ipl_buf_free(&rx);
		return finish(st, -ENOMEM);
	}
	ipl_payload_fill(tx, cfg->size, 1);

	/* seqs continue after the warm-up so a late warm-up reply cannot pass */
	uint64_t base = cfg->seq_base + cfg->warmup, sent = 0, done = 0;
	uint64_t limit = cfg->duration_ns ? UINT64_MAX : cfg->iters;
	uint64_t start = ipl_now_ns();
	int rc = 0;
	for (;;) {
		while (sent < limit && sent - done < window) {
			stamp(tx, cfg->size, base + sent + 1);
			rc = send_req(c, op, 0, base + sent + 1, tx, cfg->size, cfg->crc);
			if (rc < 0)
				goto out;
			sent++;
			st->bytes += cfg->size;
		}
		if (done == sent)
			break;
		if (op == IPL_OP_ECHO)
			stamp(tx, cfg->size, base + done + 1);
		rc = check_reply(c, cap_of(cfg), op, base + done + 1, tx, cfg->size, &rx, st);
		if (rc < 0)
			goto out;
		done++;
		/* out of time: stop sending, then drain what is in flight */
		if (cfg->duration_ns && (done & 63) == 0 && ipl_now_ns() - start >= cfg->duration_ns)
			limit = sent;
	}
	rc = 0;
out:
	st->elapsed_ns = ipl_now_ns() - start;
	free(tx);
	ipl_buf_free(&rx);
	return finish(st, rc);
}

/* ipl_load_ops over a connection: what one load run sends and checks. */
struct load_io {
	struct ipl_conn *c;
	const struct ipl_client_cfg *cfg;
	uint8_t *tx;
	struct ipl_buf rx;
	struct ipl_client_stats *st;
};

static int load_send(void *arg, uint64_t seq)
{
	struct load_io *io = arg;
	stamp(io->tx, io->cfg->size, seq);
	int rc = send_req(io->c, IPL_OP_ECHO, 0, seq, io->tx, io->cfg->size, io->cfg->crc);
	if (rc == 0)
		io->st->bytes += io->cfg->size;
	return rc;
}

static int load_recv(void *arg, uint64_t seq)
{
	struct load_io *io = arg;
	stamp(io->tx, io->cfg->size, seq); /* the reply is compared with its own request */
	return check_reply(io->c, cap_of(io->cfg), IPL_OP_ECHO, seq, io->tx, io->cfg->size, &io->rx, io->st);
}

int ipl_client_load(struct ipl_conn *c, const struct ipl_client_cfg *cfg, struct ipl_hist *h,
		    struct ipl_client_stats *st)
{
	/* replies are taken strictly in order: on a datagram mechanism one
	 * lost reply with others in flight would shift every later one into
	 * a sequence error, so only one request may be in flight there */
	if (is_dgram(c) && cfg->window > 1)
		return finish(st, IPL_EUNSUPP);
	struct load_io io = { .c = c, .cfg = cfg, .tx = malloc(cfg->size ? cfg->size : 1), .st = st };
	if (!io.tx || !(cfg->rate > 0) || ipl_buf_reserve(&io.rx, cfg->size ? cfg->size : 1) < 0) {
		free(io.tx);
		ipl_buf_free(&io.rx);
		return finish(st, io.tx && !(cfg->rate > 0) ? -EINVAL : -ENOMEM);
	}
	ipl_payload_fill(io.tx, cfg->size, 1);
	double n = cfg->duration_ns ? (double)cfg->duration_ns / 1e9 * cfg->rate : (double)cfg->iters;
	struct ipl_load_cfg lc = {
		.rate = cfg->rate,
		.count = n < 1 ? 1 : (uint64_t)n,
		.window = cfg->window,
		.seq0 = cfg->seq_base + cfg->warmup + 1, /* after any warm-up: a late warm-up reply cannot pass */
	};
	const struct ipl_load_ops ops = {
		.now = ipl_load_clock_now,
		.wait_until = ipl_load_clock_wait,
		.send = load_send,
		.recv = load_recv,
		.arg = &io,
	};
	struct ipl_load_out out;
	int rc = ipl_load_loop(&ops, &lc, h, &out);
	st->elapsed_ns = out.elapsed_ns;
	free(io.tx);
	ipl_buf_free(&io.rx);
	return finish(st, rc);
}

int ipl_client_stream(struct ipl_conn *c, const struct ipl_client_cfg *cfg, struct ipl_client_stats *st)
{
	if (is_dgram(c))
		return finish(st, IPL_EUNSUPP);
	uint8_t *tx = malloc(cfg->size ? cfg->size : 1);
	struct ipl_buf rx = { 0 };
	if (!tx) {
		return finish(st, -ENOMEM);
	}
	ipl_payload_fill(tx, cfg->size, 1);
	/* tx never changes, so neither does its CRC: computed once here, while
	 * the receiver still checks every byte of every message against it */
	struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_SINK, .flags = IPL_FLAG_NOACK, .len = cfg->size };
	if (cfg->crc && cfg->size) {
		h.flags |= IPL_FLAG_CRC;
		h.crc = ipl_crc32c(0, tx, cfg->size);
	}
	uint64_t start = ipl_now_ns(), seq = cfg->seq_base + 1, n = 0;
	int rc = 0;
	while (cfg->duration_ns ? ipl_now_ns() - start < cfg->duration_ns : n < cfg->iters) {
		h.seq = seq++;
		rc = ipl_msg_send(c, &h, tx);
		if (rc < 0)
			goto out;
		n++;
		st->bytes += cfg->size;
	}
	/* the one acknowledged SINK: the server has consumed everything before it */
	rc = send_req(c, IPL_OP_SINK, 0, seq, NULL, 0, 0);
	if (rc == 0)
		rc = check_reply(c, cap_of(cfg), IPL_OP_SINK, seq, NULL, 0, &rx, st);
	if (rc == 0) { /* the ack counted as one ok: count the streamed messages instead */
		st->ok = st->ok - 1 + n;
	} else if (rc > 0) {
		rc = 0;
	}
out:
	st->elapsed_ns = ipl_now_ns() - start;
	free(tx);
	ipl_buf_free(&rx);
	return finish(st, rc);
}
