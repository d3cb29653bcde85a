/* helper_variants.c - every transport configuration the conformance suite
 * runs against.  A new transport (or a new option of one) adds a line here;
 * test_conformance's registry case fails until it does. */
#include "ipl_config.h"
#include "tests/fixture.h"
#include "common/exchange.h"

const struct ipl_test_variant ipl_test_variants[] = {
	{ .name = "tcp", .tp = "tcp" },
	{ .name = "udp", .tp = "udp" },
	{ .name = "udp6", .tp = "udp", .opts = { .listen = "[::1]:0" } },
	{ .name = "unix", .tp = "unix" },
	/* the same exchange from the event-loop server (--server epoll) */
	{ .name = "tcp-epoll", .tp = "tcp", .server = IPL_SERVER_EPOLL },
	{ .name = "unix-epoll", .tp = "unix", .server = IPL_SERVER_EPOLL },
	{ .name = "seqpacket", .tp = "seqpacket" },
	{ .name = "pipe", .tp = "pipe" },
	{ .name = "fifo", .tp = "fifo" },
	{ .name = "shm-block", .tp = "shm", .opts = { .wait = IPL_WAIT_BLOCK } },
	{ .name = "shm-spin", .tp = "shm", .opts = { .wait = IPL_WAIT_SPIN } },
	{ .name = "shm-hybrid", .tp = "shm", .opts = { .wait = IPL_WAIT_HYBRID } },
	{ .name = "mq", .tp = "mq" },
	{ .name = "rpc-unix", .tp = "rpc", .via = "unix" },
	{ .name = "rpc-tcp", .tp = "rpc", .via = "tcp" },
	{ .name = "rpc-pipe", .tp = "rpc", .via = "pipe" },
	{ .name = "rpc-fifo", .tp = "rpc", .via = "fifo" },
	{ .name = "rpc-shm", .tp = "rpc", .via = "shm" },
#if IPL_HAVE_TIRPC
	{ .name = "oncrpc-tcp", .tp = "oncrpc", .via = "tcp" },
	{ .name = "oncrpc-unix", .tp = "oncrpc", .via = "unix" },
	/* libtirpc's svc_dg and clnt_dg: one call per datagram, resent by libtirpc */
	{ .name = "oncrpc-udp", .tp = "oncrpc", .via = "udp" },
#endif
#ifdef IPL_HAVE_ZMQ
	{ .name = "zmq-ipc", .tp = "zmq", .via = "unix" },
	{ .name = "zmq-tcp", .tp = "zmq", .via = "tcp" },
#endif
#ifdef IPL_HAVE_NNG
	{ .name = "nng-ipc", .tp = "nng", .via = "unix" },
	{ .name = "nng-tcp", .tp = "nng", .via = "tcp" },
#endif
};

const size_t ipl_test_nvariants = sizeof ipl_test_variants / sizeof ipl_test_variants[0];
