/* test_shm_hostile.c - shm against processes of the same user that play
 * foul with the shared objects (docs/reliability.md, "shm"):
 *
 *   rdv_truncated      the rendezvous truncated to 0, once while idle and
 *                      again and again while clients connect: the server
 *                      rebuilds it and keeps serving, a connected client is
 *                      untouched, connecting clients succeed or fail cleanly
 *                      (never die of SIGBUS)
 *   unsealed_refused   a segment its owner could still truncate is refused
 *                      before it is mapped; truncating it changes nothing
 *   sealed_scribbled   a connected client punches holes in its (sealed)
 *                      segment and scribbles its indices mid-exchange: its
 *                      truncate fails, its connection ends, others go on
 *   oversized_refused  huge rings, a size over or under what the header
 *                      claims: refused before mapping, no memory reserved,
 *                      a good client queued behind them is served
 *   server_truncates_rdv  the rendezvous truncated while a client waits
 *                      to be accepted: IPL_ESHMLOST, not SIGBUS
 *   server_truncates_seg  a hostile server cannot truncate a client's
 *                      segment; the client ends with an error, not a signal
 *
 * The hostile peers speak the rendezvous protocol themselves (layout.h).
 * Every wait is for an event (a slot taken, a flag set, a process exit);
 * the long deadlines are only safety nets.
 */
#include "common/err.h"
#include "common/exchange.h"
#include "tests/fixture.h"
#include "shm/futex.h"
#include "shm/layout.h"
#include "tests/reliab.h"
#include "common/transport.h"
#include "bench/registry/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/assert_ipl.h"

#define NET_MS 60000 /* safety net for every wait: never a timing */
#define CHILD_S 120

struct hseg;
static struct ipl_fixture fx;
static int fx_live;
static struct hseg *live_segs[4]; /* freed by teardown if a case fails */
static void hseg_free(struct hseg *h);

static int setup(void **state)
{
	(void)state;
	alarm(300); /* a hang fails the test instead of stalling the run */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (fx_live)
		ipl_fx_stop(&fx);
	fx_live = 0;
	/* the next case's server is forked from us: it must not inherit these */
	for (size_t i = 0; i < sizeof live_segs / sizeof live_segs[0]; i++)
		if (live_segs[i])
			hseg_free(live_segs[i]);
	alarm(0);
	return 0;
}

static void start(const char *variant)
{
	const struct ipl_test_variant *v = ipl_fx_variant(variant);
	assert_non_null(v);
	assert_ok(ipl_fx_start(&fx, v, 4));
	fx_live = 1;
}

static int stop(void)
{
	fx_live = 0;
	return ipl_fx_stop(&fx);
}

static int server_alive(void)
{
	int st;
	return waitpid(fx.server, &st, WNOHANG) == 0;
}

/* Polls pred(arg) every 2 ms until it holds; 0, or -1 past the net. */
static int wait_for(int (*pred)(void *), void *arg)
{
	for (int i = 0; i < NET_MS / 2; i++) {
		if (pred(arg))
			return 0;
		ipl_rl_sleep_ms(2);
	}
	return pred(arg) ? 0 : -1;
}

/* A client that must be served: hello, echoes, bye. */
static int body_good(struct ipl_conn *c, void *arg)
{
	(void)arg;
	alarm(CHILD_S);
	if (ipl_client_hello(c, NULL) < 0)
		return 10;
	static const uint32_t sizes[] = { 1, 1000, 70000, 300000 };
	for (unsigned i = 0; i < 8; i++) {
		struct ipl_client_cfg cfg = { .size = sizes[i % 4], .iters = 1, .op = IPL_OP_ECHO, .crc = 1 };
		struct ipl_client_stats st = { 0 };
		if (ipl_client_latency(c, &cfg, NULL, &st) < 0 || st.errors || st.ok != 1)
			return 11;
	}
	return ipl_client_bye(c) < 0 ? 12 : 0;
}

static void good_client_served(void)
{
	pid_t p = ipl_fx_client(&fx, 0, body_good, NULL);
	assert_true(p > 0);
	assert_int_equal(ipl_fx_wait(&fx, p, CHILD_S), 0);
}

/* ---- the hostile end's tools -------------------------------------------- */

static struct rdv *rdv_map(const char *addr)
{
	int fd = shm_open(addr, O_RDWR, 0);
	assert_true(fd >= 0);
	struct rdv *r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	assert_true(r != MAP_FAILED);
	return r;
}

static void rdv_truncate(const char *addr, off_t len)
{
	int fd = shm_open(addr, O_RDWR, 0);
	if (fd < 0)
		return; /* between the server's unlink and a re-run: nothing to do */
	assert_int_equal(ftruncate(fd, len), 0);
	close(fd);
}

static int rdv_whole(void *addr)
{
	int fd = shm_open(addr, O_RDONLY, 0);
	struct stat st;
	int ok = fd >= 0 && fstat(fd, &st) == 0 && st.st_size == sizeof(struct rdv);
	if (fd >= 0)
		close(fd);
	return ok;
}

/* A hostile segment: a memfd called name of file_len bytes whose header
 * claims rings of ring bytes, with the given seals; its first page mapped. */
struct hseg {
	int fd;
	struct seg *s;
	size_t maplen;
	struct rdv *r;
	int slot;
};

static void hseg_make(struct hseg *h, const char *name, uint32_t ring, size_t file_len, int seals)
{
	h->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(h->fd >= 0);
	assert_int_equal(ftruncate(h->fd, (off_t)file_len), 0); /* sparse: costs nothing */
	h->maplen = file_len < ipl_shm_seg_len(RING_SIZE) ? file_len : ipl_shm_seg_len(RING_SIZE);
	h->s = mmap(NULL, h->maplen, PROT_READ | PROT_WRITE, MAP_SHARED, h->fd, 0);
	assert_true(h->s != MAP_FAILED);
	h->s->magic = SEG_MAGIC;
	h->s->version = SHM_VERSION;
	h->s->ring_size = ring;
	atomic_store(&h->s->client_pid, (int32_t)getpid());
	if (seals)
		assert_int_equal(fcntl(h->fd, F_ADD_SEALS, seals), 0);
	h->r = NULL;
	h->slot = -1;
	for (size_t i = 0; i < sizeof live_segs / sizeof live_segs[0]; i++)
		if (!live_segs[i]) {
			live_segs[i] = h;
			break;
		}
}

static void hseg_free(struct hseg *h)
{
	for (size_t i = 0; i < sizeof live_segs / sizeof live_segs[0]; i++)
		if (live_segs[i] == h)
			live_segs[i] = NULL;
	munmap(h->s, h->maplen);
	close(h->fd);
	if (h->r)
		munmap(h->r, sizeof *h->r);
}

/* Offers h through the rendezvous, as a client does. */
static void hseg_post(struct hseg *h, const char *addr)
{
	h->r = rdv_map(addr);
	uint32_t me = (uint32_t)getpid();
	for (int i = 0; i < NSLOTS; i++) {
		uint32_t zero = 0;
		if (!atomic_compare_exchange_strong(&h->r->slot[i].state, &zero, me))
			continue;
		atomic_store(&h->r->slot[i].fd, h->fd);
		atomic_store(&h->r->slot[i].state, me | SLOT_READY);
		atomic_fetch_add(&h->r->posted, 1);
		ipl_futex_wake(&h->r->posted);
		h->slot = i;
		return;
	}
	fail_msg("no free slot");
}

static int slot_taken(void *arg)
{
	struct hseg *h = arg;
	return atomic_load(&h->r->slot[h->slot].state) != ((uint32_t)getpid() | SLOT_READY);
}

static int accepted(void *arg)
{
	struct hseg *h = arg;
	return atomic_load(&h->s->accepted) != 0;
}

/* 1 when pid maps a file whose name contains what. */
static int maps_name(pid_t pid, const char *what)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%ld/maps", (long)pid);
	FILE *f = fopen(path, "r");
	int found = 0;
	while (f && !found && fgets(line, sizeof line, f))
		found = strstr(line, what) != NULL;
	if (f)
		fclose(f);
	return found;
}

/* ---- the rendezvous truncated ------------------------------------------- */

static int body_attach_only(struct ipl_conn *c, void *arg)
{
	(void)arg;
	alarm(CHILD_S);
	/* served or refused are both fine: dying of a signal is not */
	return ipl_client_hello(c, NULL) < 0 ? 20 : ipl_client_bye(c) < 0 ? 21 : 0;
}

static void rdv_truncated(void **state)
{
	(void)state;
	start("shm-block");
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	struct ipl_rl_good g = { .ready_fd = ready[1], .min_rounds = 10 };
	pid_t steady = ipl_fx_client(&fx, 0, ipl_rl_good_body, &g);
	assert_true(steady > 0);
	assert_int_equal(ipl_rl_wait_ready(ready[0], NET_MS), 0);

	/* idle server: truncated under it, rebuilt, serves the next client */
	rdv_truncate(fx.ep.addr, 0);
	assert_int_equal(wait_for(rdv_whole, fx.ep.addr), 0);
	good_client_served();

	/* truncated again and again while clients connect: none dies */
	for (int i = 0; i < 12; i++) {
		pid_t p = ipl_fx_client(&fx, 1, body_attach_only, NULL);
		assert_true(p > 0);
		rdv_truncate(fx.ep.addr, i % 3 ? 0 : 64);
		int rc = ipl_fx_wait(&fx, p, CHILD_S);
		assert_true(rc == 0 || rc == 100); /* served, or attach refused */
	}
	assert_int_equal(wait_for(rdv_whole, fx.ep.addr), 0);
	good_client_served();
	assert_true(server_alive());

	kill(steady, SIGUSR2); /* its own segment was never touched */
	assert_int_equal(ipl_fx_wait(&fx, steady, CHILD_S), 0);
	close(ready[0]);
	close(ready[1]);
	assert_int_equal(stop(), 0);
}

/* ---- a client's own segment --------------------------------------------- */

static void unsealed_refused(void **state)
{
	(void)state;
	start("shm-block");
	static struct hseg h; /* static: teardown may free it after a failed assert */
	hseg_make(&h, "ipclab-hostile-unsealed", RING_SIZE, ipl_shm_seg_len(RING_SIZE), 0);
	hseg_post(&h, fx.ep.addr);
	assert_int_equal(wait_for(slot_taken, &h), 0);
	good_client_served(); /* accept is sequential: our offer was handled before */
	assert_int_equal(atomic_load(&h.s->accepted), 0);
	assert_false(maps_name(fx.server, "ipclab-hostile-unsealed"));
	/* what would have killed a server that mapped it */
	assert_int_equal(ftruncate(h.fd, 0), 0);
	good_client_served();
	assert_true(server_alive());
	hseg_free(&h);
	assert_int_equal(stop(), 0);
}

static void sealed_scribbled(void **state)
{
	(void)state;
	start("shm-block");
	static struct hseg h; /* static: teardown may free it after a failed assert */
	hseg_make(&h, "ipclab-hostile-sealed", RING_SIZE, ipl_shm_seg_len(RING_SIZE), SEG_SEALS | F_SEAL_SEAL);
	hseg_post(&h, fx.ep.addr);
	assert_int_equal(wait_for(accepted, &h), 0);
	assert_true(maps_name(fx.server, "ipclab-hostile-sealed"));
	/* mid-exchange: the size cannot change, punched holes read as zeros */
	assert_int_equal(ftruncate(h.fd, 0), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(fallocate(h.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
				   (off_t)ipl_shm_seg_len(RING_SIZE)),
			 0);
	/* then an index no ring can have: the server ends this connection */
	atomic_store(&h.s->ring[REQ].head, 3 * RING_SIZE);
	ipl_futex_wake(&h.s->ring[REQ].head);
	good_client_served();
	assert_int_equal(ipl_rl_wait_threads(fx.server, 1, NET_MS), 0);
	assert_true(server_alive());
	hseg_free(&h);
	assert_int_equal(stop(), 0);
}

static void oversized_refused(void **state)
{
	(void)state;
	start("shm-block");
	long rss0 = ipl_rl_status(fx.server, "VmRSS");
	assert_true(rss0 > 0);
	const int seals = SEG_SEALS | F_SEAL_SEAL;
	static struct hseg huge, over, under;
	/* 1 GiB rings, a file of exactly that size: 2 GiB */
	hseg_make(&huge, "ipclab-hostile-huge", 1u << 30, ipl_shm_seg_len(1u << 30), seals);
	/* normal rings, a file larger than the header says */
	hseg_make(&over, "ipclab-hostile-over", RING_SIZE, ipl_shm_seg_len(RING_SIZE) + (64u << 20), seals);
	/* normal rings, a file smaller: the end of the rings would fault */
	hseg_make(&under, "ipclab-hostile-under", RING_SIZE, SEG_HDR + RING_SIZE, seals);
	hseg_post(&huge, fx.ep.addr);
	hseg_post(&over, fx.ep.addr);
	hseg_post(&under, fx.ep.addr);
	assert_int_equal(wait_for(slot_taken, &huge), 0);
	assert_int_equal(wait_for(slot_taken, &over), 0);
	assert_int_equal(wait_for(slot_taken, &under), 0);
	good_client_served(); /* queued behind them, served all the same */
	struct hseg *all[] = { &huge, &over, &under };
	for (int i = 0; i < 3; i++)
		assert_int_equal(atomic_load(&all[i]->s->accepted), 0);
	assert_false(maps_name(fx.server, "ipclab-hostile"));
	long rss1 = ipl_rl_status(fx.server, "VmRSS");
	assert_true(rss1 > 0 && rss1 < rss0 + 64 * 1024); /* kB: nothing near 2 GiB */
	assert_true(server_alive());
	for (int i = 0; i < 3; i++)
		hseg_free(all[i]);
	assert_int_equal(stop(), 0);
}

/* ---- a hostile server ------------------------------------------------------ */

static int slot_ready(void *arg)
{
	struct rdv *r = arg;
	for (int i = 0; i < NSLOTS; i++)
		if (atomic_load(&r->slot[i].state) & SLOT_READY)
			return 1;
	return 0;
}

/* The client under a hostile server: exits 3 for IPL_ESHMLOST, 0 for any
 * other error, 1 if all went well (it cannot); a signal is a failure. */
static void client_of_hostile(const char *addr)
{
	alarm(CHILD_S);
	struct ipl_endpoint ep;
	ipl_endpoint_setup(&ep, ipl_transport_find("shm"), NULL, addr);
	struct ipl_conn *c = NULL;
	int rc = ipl_endpoint_attach_client(&ep, 0, &c);
	if (rc == 0) {
		rc = ipl_client_hello(c, NULL);
		ipl_conn_detach(c);
	}
	ipl_endpoint_cleanup(&ep);
	_exit(rc == IPL_ESHMLOST ? 3 : rc < 0 ? 0 : 1);
}

/* Prepares an endpoint that we serve foully, forks a client and waits for
 * its offer.  Returns the client's pid; *slot is the offer's slot. */
static pid_t hostile_server(struct ipl_endpoint *ep, struct rdv **r, int *slot)
{
	ipl_endpoint_setup(ep, ipl_transport_find("shm"), NULL, NULL);
	assert_ok(ipl_endpoint_prepare(ep));
	*r = rdv_map(ep->addr);
	fflush(NULL);
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0)
		client_of_hostile(ep->addr);
	assert_int_equal(wait_for(slot_ready, *r), 0);
	*slot = 0;
	while (!(atomic_load(&(*r)->slot[*slot].state) & SLOT_READY))
		++*slot;
	return kid;
}

static int exit_code(pid_t kid)
{
	int st;
	assert_int_equal(waitpid(kid, &st, 0), kid);
	assert_true(WIFEXITED(st)); /* not killed by SIGBUS */
	return WEXITSTATUS(st);
}

/* The rendezvous truncated while the client waits to be accepted. */
static void server_truncates_rdv(void **state)
{
	(void)state;
	struct ipl_endpoint ep;
	struct rdv *r;
	int slot;
	pid_t kid = hostile_server(&ep, &r, &slot);
	rdv_truncate(ep.addr, 0);
	assert_int_equal(exit_code(kid), 3);
	munmap(r, sizeof *r);
	ipl_endpoint_cleanup(&ep);
}

/* The client's segment: the server can neither shrink it nor grow it. */
static void server_truncates_seg(void **state)
{
	(void)state;
	struct ipl_endpoint ep;
	struct rdv *r;
	int slot;
	pid_t kid = hostile_server(&ep, &r, &slot);
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/fd/%d", (long)kid, atomic_load(&r->slot[slot].fd));
	int fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 0), -1); /* sealed by its creator */
	assert_int_equal(errno, EPERM);
	assert_int_equal(ftruncate(fd, 1 << 30), -1);
	struct seg *s = mmap(NULL, SEG_HDR, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(s != MAP_FAILED);
	atomic_store(&s->server_pid, (int32_t)getpid());
	atomic_store(&s->accepted, 1);
	ipl_futex_wake(&s->accepted);
	/* and never answers: closes instead */
	atomic_store(&s->ring[REP].head, IPL_SHMRING_CLOSED);
	ipl_futex_wake(&s->ring[REP].head);
	assert_int_equal(exit_code(kid), 0);
	munmap(s, SEG_HDR);
	close(fd);
	munmap(r, sizeof *r);
	ipl_endpoint_cleanup(&ep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(rdv_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(unsealed_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(sealed_scribbled, setup, teardown),
		cmocka_unit_test_setup_teardown(oversized_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(server_truncates_rdv, setup, teardown),
		cmocka_unit_test_setup_teardown(server_truncates_seg, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
