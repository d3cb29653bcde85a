/* fuzz_mq - mq's announce queue fed the fuzzer's bytes: the input is a
 * sequence of [1-byte length][bytes] records, each sent as one message to
 * the announce queue of a real mq endpoint served by ipl_server_run in a
 * thread (what `ipclab serve -m mq` runs).  Records that lie about a pid,
 * name queues that do not exist or are not ours, or are not records at all:
 * afterwards a real client must still connect, say HELLO and BYE, and
 * nothing may crash, leak or read out of bounds.  One endpoint lives for the
 * whole fuzzing session; its queues are removed when the process exits
 * normally (a killed fuzzer's are swept by the next run, names.c). */
#include "common/err.h"
#include "common/exchange.h"
#include "common/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const struct ipl_transport ipl_mq_transport;

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static struct ipl_endpoint mqf_ep;
static mqd_t mqf_ann = (mqd_t)-1;
static pthread_t mqf_th;

static void *mqf_serve(void *arg)
{
	(void)arg;
	struct ipl_server_cfg cfg = { .cap = 4096 };
	ipl_server_run(&mqf_ep, &cfg, NULL);
	return NULL;
}

/* At exit: stops the server (a record wakes its blocked mq_receive to see
 * the cancel), waits for it, and removes the endpoint's queues. */
static void mqf_cleanup(void)
{
	ipl_endpoint_cancel(&mqf_ep);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	mq_timedsend(mqf_ann, "stop", 4, 0, &ts);
	pthread_join(mqf_th, NULL);
	mq_close(mqf_ann);
	ipl_endpoint_cleanup(&mqf_ep);
}

/* The endpoint, its serving thread and a write end of its announce queue. */
static void mqf_setup(void)
{
	struct ipl_tp_opts o = { .cap = 4096, .idle_ms = -1, .timeout_ms = 10000 };
	ipl_endpoint_init(&mqf_ep, &ipl_mq_transport, &o, NULL);
	if (ipl_endpoint_prepare(&mqf_ep) < 0 || ipl_endpoint_attach_server(&mqf_ep) < 0)
		abort();
	mqf_ann = mq_open(mqf_ep.addr, O_WRONLY | O_CLOEXEC);
	if (mqf_ann == (mqd_t)-1)
		abort();
	if (pthread_create(&mqf_th, NULL, mqf_serve, NULL) != 0)
		abort();
	atexit(mqf_cleanup);
}

/* A real client of the endpoint: connects, HELLO, BYE.  Aborts on failure. */
static void mqf_still_serving(void)
{
	struct ipl_endpoint cep;
	struct ipl_tp_opts o = { .timeout_ms = 10000 };
	struct ipl_conn *c = NULL;
	ipl_endpoint_init(&cep, &ipl_mq_transport, &o, mqf_ep.addr);
	if (ipl_endpoint_attach_client(&cep, 0, &c) < 0 || ipl_client_hello(c, NULL) < 0 ||
	    ipl_client_bye(c) < 0)
		abort();
	ipl_conn_detach(c);
	ipl_endpoint_cleanup(&cep);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (mqf_ann == (mqd_t)-1)
		mqf_setup();
	while (n >= 1) {
		size_t len = d[0];
		d++;
		n--;
		if (len > n)
			len = n;
		/* a record over the queue's message size (EMSGSIZE) is refused
		 * by the kernel; a full queue waits for the server to drain it */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 5;
		if (mq_timedsend(mqf_ann, (const char *)d, len, 0, &ts) < 0 && errno == ETIMEDOUT)
			abort(); /* the server stopped reading its announce queue */
		d += len;
		n -= len;
	}
	mqf_still_serving();
	return 0;
}
