/* rpcgen_server.c - a stock libtirpc server of ipclab.x: rpcgen's dispatch
 * (ipclab_svc.c) plus these procedures.  It binds and listens on
 * 127.0.0.1:0 itself and prints "127.0.0.1:PORT" on stdout.  Plain: it
 * registers with protocol 0 (no portmapper) and runs until killed.  With -r
 * it registers itself with the local rpcbind the stock way (svc_reg with a
 * netconfig, i.e. rpcb_set), and on SIGTERM, SIGINT or SIGHUP takes the
 * entry back (svc_unreg, i.e. rpcb_unset) and exits 0. */
#include "ipclab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void *ipclab_null_1_svc(void *arg, struct svc_req *rq)
{
	(void)arg;
	(void)rq;
	static char nothing;
	return &nothing;
}

ipclab_data *ipclab_echo_1_svc(ipclab_data *arg, struct svc_req *rq)
{
	(void)rq;
	static ipclab_data res;
	res = *arg; /* sent before the dispatcher frees the argument */
	return &res;
}

void *ipclab_sink_1_svc(ipclab_data *arg, struct svc_req *rq)
{
	(void)arg;
	(void)rq;
	static char nothing;
	return &nothing;
}

void *ipclab_sink_batch_1_svc(ipclab_data *arg, struct svc_req *rq)
{
	(void)arg;
	(void)rq;
	return NULL; /* NULL: rpcgen's dispatcher sends no reply (batching) */
}

int *ipclab_add_1_svc(ipclab_pair *arg, struct svc_req *rq)
{
	(void)rq;
	static int res;
	res = (int)((unsigned)arg->a + (unsigned)arg->b);
	return &res;
}

quad_t *ipclab_sum_1_svc(ipclab_ints *arg, struct svc_req *rq)
{
	(void)rq;
	static quad_t res;
	res = 0;
	for (u_int i = 0; i < arg->ipclab_ints_len; i++)
		res += arg->ipclab_ints_val[i];
	return &res;
}

/* INCR: one counter per caller address (svc_getrpccaller), in a small
 * table; when it is full the oldest slot is reused, so a flood of callers
 * costs no memory. */
int *ipclab_incr_1_svc(void *arg, struct svc_req *rq)
{
	(void)arg;
	static struct {
		char addr[128];
		unsigned len;
		unsigned counter;
	} tab[64];
	static unsigned used, next;
	static int res;
	const struct netbuf *who = svc_getrpccaller(rq->rq_xprt);
	unsigned len = who && who->len <= sizeof tab[0].addr ? who->len : 0;
	unsigned i = 0;
	while (i < used && !(tab[i].len == len && !memcmp(tab[i].addr, who->buf, len)))
		i++;
	if (i == used) {
		i = used < 64 ? used++ : next++ % 64;
		tab[i].len = len;
		if (len)
			memcpy(tab[i].addr, who->buf, len);
		tab[i].counter = 0;
	}
	res = (int)++tab[i].counter;
	return &res;
}

/* rpcgen -m generates the dispatcher but does not declare it */
void ipclab_prog_1(struct svc_req *rqstp, SVCXPRT *transp);

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* svc_run() until a stop signal: the signals stay blocked except inside
 * ppoll, so one that arrives between two polls is not lost. */
static int run_until_signal(void)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	while (!stopping) {
		int n = ppoll(svc_pollfd, (nfds_t)svc_max_pollfd, NULL, &old);
		if (n < 0 && errno != EINTR) {
			perror("rpcgen_server: poll");
			return 1;
		}
		if (n > 0)
			svc_getreq_poll(svc_pollfd, n);
	}
	return 0;
}

/* -r: the transport from svc_tli_create on our bound socket, registered
 * with rpcbind by svc_reg (netid tcp, the socket's own address). */
static int serve_registered(int fd)
{
	struct netconfig *nc = getnetconfigent("tcp");
	SVCXPRT *x = nc ? svc_tli_create(fd, nc, NULL, 0, 0) : NULL;
	if (!x || !svc_reg(x, IPCLAB_PROG, IPCLAB_VERS, ipclab_prog_1, nc)) {
		fprintf(stderr, "rpcgen_server: cannot register with rpcbind (is it running? "
				"is program %#x already registered?)\n", (unsigned)IPCLAB_PROG);
		if (nc)
			freenetconfigent(nc);
		return 1;
	}
	freenetconfigent(nc);
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	getsockname(fd, (struct sockaddr *)&sin, &len);
	printf("127.0.0.1:%u\n", ntohs(sin.sin_port));
	fflush(stdout);
	int rc = run_until_signal();
	svc_unreg(IPCLAB_PROG, IPCLAB_VERS);
	svc_destroy(x);
	return rc;
}

int main(int argc, char **argv)
{
	int reg = argc == 2 && !strcmp(argv[1], "-r");
	if (argc > 1 && !reg) {
		fprintf(stderr, "usage: rpcgen_server [-r]\n");
		return 2;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sin;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		perror("rpcgen_server: socket");
		return 1;
	}
	if (reg)
		return serve_registered(fd);
	SVCXPRT *x = svctcp_create(fd, 0, 0);
	if (!x || !svc_register(x, IPCLAB_PROG, IPCLAB_VERS, ipclab_prog_1, 0)) {
		fprintf(stderr, "rpcgen_server: cannot create or register the service\n");
		return 1;
	}
	printf("127.0.0.1:%u\n", ntohs(sin.sin_port));
	fflush(stdout);
	svc_run();
	return 1;
}
