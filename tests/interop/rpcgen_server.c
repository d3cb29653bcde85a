/* rpcgen_server.c - a stock libtirpc server of ipclab.x: rpcgen's dispatch
 * (ipclab_svc.c) plus these procedures.  No rpcbind: it binds and listens
 * on 127.0.0.1:0 itself, registers with protocol 0 (no portmapper), and
 * prints "127.0.0.1:PORT" on stdout.  Runs until killed. */
#include "ipclab.h"

#include <arpa/inet.h>
#include <netinet/in.h>
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

int main(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sin;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		perror("rpcgen_server: socket");
		return 1;
	}
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
