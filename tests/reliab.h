/* reliab.h - what the reliability suites (bad input, faults, load,
 * security) share: a server's resource figures from /proc, raw-byte
 * helpers, a "good client" that keeps echoing until told to stop, and a
 * cmocka driver that runs each case against every variant whose transport
 * has the capabilities the case needs. */
#ifndef IPL_TEST_RELIAB_H
#define IPL_TEST_RELIAB_H

#include "tests/fixture.h"
#include "common/msg.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The port of an address as ipclab formats it ("HOST:PORT", "[V6]:PORT"),
 * 0 if none. */
unsigned ipl_rl_port_of(const char *addr);

/* The sockets local_port -> remote_port in /proc/net/<table> ("udp", "tcp",
 * "tcp6"...) in state st (the kernel's TCP_* number, 1 = established or a
 * connected udp socket; -1: any): how many, with the sum of their unread
 * bytes (rx_queue) in *rxq when rxq is not NULL; -1 if the table cannot be
 * read.  The kernel's own list: a test sees a server's sockets without
 * asking the server. */
int ipl_rl_net_sockets(const char *table, unsigned local_port, unsigned remote_port, int st, unsigned long *rxq);

/* A field of /proc/<pid>/status in its unit (kB for Vm*, a count for
 * Threads), or -1 when the process or the field is absent. */
long ipl_rl_status(pid_t pid, const char *field);

/* Open fds of pid (entries of /proc/<pid>/fd), or -1. */
int ipl_rl_nfds(pid_t pid);

/* A deadline that is only a safety net, for something that must happen
 * (a worker ends, a client gets its first reply): long enough that a
 * loaded machine never reaches it, so a test never depends on how fast the
 * machine is this minute.  The waits below never wait less than this. */
#define IPL_RL_SAFETY_MS 120000

/* Polls until pid has at most max threads; 0, or -1 after
 * max(timeout_ms, IPL_RL_SAFETY_MS). */
int ipl_rl_wait_threads(pid_t pid, long max, int timeout_ms);

/* Waits until sig, sent to pid with kill(), is no longer pending there
 * (SigPnd/ShdPnd of /proc/<pid>/status): a thread has taken it and runs
 * its handler.  0, or -1 after IPL_RL_SAFETY_MS or if pid is gone. */
int ipl_rl_wait_signal_taken(pid_t pid, int sig);

/* Sends len raw bytes in one ipl_conn_send.  Returns 0 or a code. */
int ipl_rl_send_raw(struct ipl_conn *c, const void *buf, size_t len);

/* Writes a valid request header into out, to be mutated by the caller. */
void ipl_rl_hdr(uint8_t out[IPL_HDR_SIZE], uint8_t op, uint16_t flags, uint64_t seq, uint32_t len, uint32_t crc);

/* Reads one reply and checks it is an ERROR for seq carrying code.
 * Returns 0 or a small positive number saying what differed. */
int ipl_rl_expect_error(struct ipl_conn *c, uint64_t seq, uint32_t code);

/* After an ERROR for a bad header the server closes: 0 when the next read
 * sees EOF (or a reset), else 1. */
int ipl_rl_expect_eof(struct ipl_conn *c);

/* The good client: echoes mixed sizes (checksummed or not) until SIGUSR2,
 * writing one byte to ready_fd after its first verified round trip, then
 * says BYE.  Exit status 0 only if every reply verified. */
struct ipl_rl_good {
	int ready_fd;
	unsigned min_rounds; /* at least this many round trips before stopping */
};
int ipl_rl_good_body(struct ipl_conn *c, void *arg);

/* Waits for the byte a good client writes (or EOF: -1), up to
 * max(timeout_ms, IPL_RL_SAFETY_MS).  0 or -1. */
int ipl_rl_wait_ready(int fd, int timeout_ms);

/* The fixture a case should use: whatever a failing case leaves running
 * (server, clients, names) is stopped and removed after it. */
struct ipl_fixture *ipl_rl_fixture(void);

/* One case of a reliability suite. */
struct ipl_rl_case {
	const char *name;
	void (*fn)(const struct ipl_test_variant *v, const struct ipl_rl_case *k);
	unsigned need;   /* IPL_CAP_* bits the transport must have */
	unsigned refuse; /* IPL_CAP_* bits it must not have */
	int kind;        /* free for the case's own use */
	const char *rpc; /* free for the case's own use */
};

/* Builds "<variant>/<case>" cmocka tests for every applicable pair (argv[1],
 * if given, keeps only variants starting with it) and runs them.  Prints
 * how many cases ran per variant.  Returns cmocka's result. */
int ipl_rl_run(const char *group, const struct ipl_rl_case *cases, size_t ncase, int argc, char **argv);

/* ipl_rl_run for the variants keep (if not NULL) says yes to: a suite about
 * what only some transports speak (ONC RPC), which no capability names. */
int ipl_rl_run_if(const char *group, const struct ipl_rl_case *cases, size_t ncase, int argc,
		  char **argv, int (*keep)(const struct ipl_test_variant *v));

/* True if the variant's transport has every bit of need and none of refuse. */
int ipl_rl_applies(const struct ipl_test_variant *v, unsigned need, unsigned refuse);

/* The variant's capabilities: its transport's, plus NEEDS_FORK when its
 * carrier needs a fork (rpc over pipe: clients must be forked from the
 * preparer and the preparer must release its channel copies after). */
unsigned ipl_rl_caps(const struct ipl_test_variant *v);

/* True for variants whose server is third-party code (oncrpc: libtirpc),
 * held to robustness but not to every protocol detail; see
 * docs/reliability.md for the known deviations. */
int ipl_rl_third_party(const struct ipl_test_variant *v);

/* The variant's transport table. */
const struct ipl_transport *ipl_rl_tp(const struct ipl_test_variant *v);

/* Sleeps ms milliseconds (restarting after signals). */
void ipl_rl_sleep_ms(long ms);

/* Reads one RPC reply record (at most 1 MiB) from c and decodes its header
 * into r.  0 or a negative code. */
struct ipl_rpc_reply;
int ipl_rl_rpc_read_reply(struct ipl_conn *c, struct ipl_rpc_reply *r);

#endif
