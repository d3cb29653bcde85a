/* fixture.h - what every multi-process test shares: the list of transport
 * variants the conformance suite runs against, and a server/client harness
 * that reaps children, closes fds and removes names. */
#ifndef IPL_TEST_FIXTURE_H
#define IPL_TEST_FIXTURE_H

#include "common/exchange.h"
#include "common/transport.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

/* One configuration of one transport: the suite names cases "<name>/<case>". */
struct ipl_test_variant {
	const char *name; /* "tcp", "shm-spin", "rpc-unix" */
	const char *tp;   /* registered transport name */
	struct ipl_tp_opts opts;
	const char *via; /* carrier name for layered transports, or NULL */
	int server;      /* the server's model: enum ipl_server_model (0: threads) */
};

extern const struct ipl_test_variant ipl_test_variants[];
extern const size_t ipl_test_nvariants;

struct ipl_fixture {
	const struct ipl_test_variant *v;
	struct ipl_endpoint ep;
	pid_t server;     /* -1 once stopped */
	pid_t server_was; /* for the leftover check after stop */
	pid_t kids[16];
	unsigned nkids;
	/* Transports that need a fork (pipe): clients are forked at start,
	 * before the parent drops its copies of the channels (a copy held by
	 * the test process would hide EOF from the peer), and each waits at
	 * its gate until ipl_fx_client() hands it a body. */
	pid_t pre[16]; /* pre-forked client idx, 0 if none */
	int gate[16];  /* write end of its gate, -1 once used */
	unsigned npre;
};

/* Prepares the endpoint (room for max_clients pre-made channels) and forks a
 * server process running ipl_serve_foreground.  Returns 0 or a code. */
int ipl_fx_start(struct ipl_fixture *fx, const struct ipl_test_variant *v, unsigned max_clients);

/* ipl_fx_start with a server of the test's own: each connection is served
 * by handler(conn, arg, ...) (struct ipl_server_cfg, common/exchange.h)
 * instead of the framed exchange, so a test can play a server that lies
 * (test_flip's corrupts chosen replies).  The server process is forked
 * here: what arg points to must be set before the call.  handler NULL is
 * ipl_fx_start.  A transport whose accept never returns a conn (oncrpc:
 * libtirpc serves its clients itself) never calls handler. */
int ipl_fx_start_handler(struct ipl_fixture *fx, const struct ipl_test_variant *v, unsigned max_clients,
			 ipl_conn_handler *handler, void *arg);

/* Forks a client process that attaches as client idx and runs fn(conn, arg);
 * its return value (0 = pass) becomes the exit status.  Returns the pid.
 * For a transport that needs a fork the process already exists (forked by
 * ipl_fx_start): it gets fn and arg, so what arg points to must have been
 * set before ipl_fx_start. */
pid_t ipl_fx_client(struct ipl_fixture *fx, unsigned idx, int (*fn)(struct ipl_conn *, void *), void *arg);

/* Waits for a forked client; returns its exit status, or -1 if it died of a
 * signal or took longer than timeout_s. */
int ipl_fx_wait(struct ipl_fixture *fx, pid_t pid, int timeout_s);

/* Stops the server (SIGTERM), reaps every child, releases and cleans up the
 * endpoint.  Returns the server's exit status (0 = clean stop). */
int ipl_fx_stop(struct ipl_fixture *fx);

/* Counts ipclab names left in $TMPDIR and /dev/shm by this process or its
 * children (pids of the fixture).  0 means nothing was left behind. */
int ipl_fx_leftovers(const struct ipl_fixture *fx);

/* Stops a server thread th running ipl_server_run on ep with wake_signal
 * sig: cancels ep, then signals th until it has ended (the signal may land
 * before a wait blocks, so it is sent again every 20 ms) and joins it. */
void ipl_fx_stop_thread(struct ipl_endpoint *ep, pthread_t th, int sig);

/* Looks a variant up by name (NULL if absent). */
const struct ipl_test_variant *ipl_fx_variant(const char *name);

#endif
