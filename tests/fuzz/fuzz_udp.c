/* fuzz_udp - udp's server fed the fuzzer's bytes as datagrams from one
 * sender: the input is a sequence of [2-byte big-endian length][bytes]
 * records, each sent as one datagram to a real udp endpoint served by
 * ipl_server_run in a thread (the same code `ipclab serve -m udp` runs).
 * Garbage, truncated or lying datagrams, valid requests and BYEs in any
 * order: afterwards the server must still answer a HELLO (from this sender,
 * whatever state its conn was left in), and nothing may crash, leak or read
 * out of bounds.  One endpoint lives for the whole fuzzing session. */
#include "common/err.h"
#include "common/exchange.h"
#include "common/msg.h"
#include "common/transport.h"

#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

extern const struct ipl_transport ipl_udp_transport;

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define UDPF_RETRY_MS 50 /* a HELLO lost (a full conn queue, a conn being closed) is sent again */
#define UDPF_TRIES 160   /* 8 s without an answer (libFuzzer: -timeout=10): the server stopped serving */

static struct ipl_endpoint udpf_ep;
static int udpf_sock = -1;
static uint64_t udpf_seq = 1ull << 40; /* far from any seq a fuzzed request is likely to carry */

static void *udpf_serve(void *arg)
{
	(void)arg;
	struct ipl_server_cfg cfg = { .cap = 4096 };
	ipl_server_run(&udpf_ep, &cfg, NULL);
	return NULL;
}

/* The endpoint, its serving thread and a client socket connected to it. */
static void udpf_setup(void)
{
	struct ipl_tp_opts o = { .listen = "127.0.0.1:0", .cap = 4096, .idle_ms = -1 };
	pthread_t th;
	ipl_endpoint_init(&udpf_ep, &ipl_udp_transport, &o, NULL);
	if (ipl_endpoint_prepare(&udpf_ep) < 0 || ipl_endpoint_attach_server(&udpf_ep) < 0)
		abort();
	char host[64];
	unsigned port;
	if (sscanf(udpf_ep.addr, "%63[^:]:%u", host, &port) != 2)
		abort();
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, host, &sa.sin_addr);
	udpf_sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (udpf_sock < 0 || connect(udpf_sock, (struct sockaddr *)&sa, sizeof sa) < 0)
		abort();
	if (pthread_create(&th, NULL, udpf_serve, NULL) != 0)
		abort();
	pthread_detach(th);
}

/* 1 when the datagram is the HELLO reply to seq. */
static int udpf_is_reply(const uint8_t *b, ssize_t n, uint64_t seq)
{
	struct ipl_hdr h;
	return n >= IPL_HDR_SIZE && ipl_hdr_decode(b, 4096, &h) == 0 && h.op == IPL_OP_HELLO &&
	       (h.flags & IPL_FLAG_REPLY) && h.seq == seq;
}

/* Sends a HELLO until its reply comes (other datagrams, answers to the
 * fuzzed requests, are skipped); aborts when the server never answers. */
static void udpf_still_serving(void)
{
	uint8_t req[IPL_HDR_SIZE], buf[8192];
	struct ipl_hdr h = { .version = IPL_VERSION, .op = IPL_OP_HELLO, .seq = ++udpf_seq };
	ipl_hdr_encode(&h, req);
	for (int t = 0; t < UDPF_TRIES; t++) {
		if (send(udpf_sock, req, sizeof req, 0) < 0)
			abort();
		struct pollfd p = { .fd = udpf_sock, .events = POLLIN };
		while (poll(&p, 1, UDPF_RETRY_MS) > 0) {
			ssize_t r = recv(udpf_sock, buf, sizeof buf, 0);
			if (udpf_is_reply(buf, r, h.seq))
				return;
		}
	}
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (udpf_sock < 0)
		udpf_setup();
	while (n >= 2) {
		size_t len = (size_t)d[0] << 8 | d[1];
		d += 2;
		n -= 2;
		if (len > n)
			len = n;
		send(udpf_sock, d, len, 0); /* a refused or dropped datagram is a loss, like on the wire */
		d += len;
		n -= len;
	}
	udpf_still_serving();
	return 0;
}
