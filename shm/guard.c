/* guard.c - SIGBUS in a registered shared mapping ends that mapping, not the
 * process; see guard.h.
 *
 * The registry is a chain of fixed blocks that are never freed, so the
 * handler walks it with plain atomic loads: no lock, no allocation, nothing
 * that is not async-signal-safe (mmap is a bare system call).  A slot is
 * claimed by a CAS of `lo` from 0 to 1 and published by storing the start
 * last; the handler reads `lo`, then `len`, then `lo` again and skips the
 * slot if it changed, so a slot being reused never yields a wrong range.
 */
#include "shm/guard.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PER_BLOCK 64

struct block {
	struct ipl_shmguard g[PER_BLOCK];
	struct block *_Atomic next;
};

static struct block first;
static pthread_mutex_t install_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction prev; /* what SIGBUS did before ours: written before ours is installed */

/* If a lies in a registered mapping, swaps the mapping for private zeros and
 * marks it lost.  Returns 1 when it did. */
static int rescue(uintptr_t a)
{
	for (struct block *b = &first; b; b = atomic_load_explicit(&b->next, memory_order_acquire)) {
		for (int i = 0; i < PER_BLOCK; i++) {
			struct ipl_shmguard *g = &b->g[i];
			uintptr_t lo = atomic_load_explicit(&g->lo, memory_order_acquire);
			if (lo <= 1)
				continue;
			size_t len = atomic_load_explicit(&g->len, memory_order_acquire);
			if (atomic_load_explicit(&g->lo, memory_order_acquire) != lo || a - lo >= len)
				continue;
			void *p = mmap((void *)lo, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			if (p == MAP_FAILED)
				return 0;
			atomic_store_explicit(&g->lost, 1, memory_order_release);
			return 1;
		}
	}
	return 0;
}

/* Not ours: what would have happened without us. */
static void pass_on(int sig, siginfo_t *si, void *uc)
{
	int sent = si->si_code <= 0; /* kill(), not a fault */
	if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
		if (prev.sa_flags & SA_SIGINFO)
			prev.sa_sigaction(sig, si, uc);
		else
			prev.sa_handler(sig);
		return;
	}
	if (sent && prev.sa_handler == SIG_IGN)
		return;
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGBUS, &dfl, NULL);
	/* a fault happens again on return, now fatal; a sent one is re-sent */
	if (sent)
		raise(SIGBUS);
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	if (si->si_code == BUS_ADRERR && rescue((uintptr_t)si->si_addr)) {
		errno = saved;
		return; /* the access is restarted on the zero page */
	}
	errno = saved;
	pass_on(sig, si, uc);
}

void ipl_shmguard_thread(void)
{
	sigset_t bus;
	sigemptyset(&bus);
	sigaddset(&bus, SIGBUS);
	pthread_sigmask(SIG_UNBLOCK, &bus, NULL);

	pthread_mutex_lock(&install_mu);
	struct sigaction cur;
	if (sigaction(SIGBUS, NULL, &cur) == 0 &&
	    !((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigbus)) {
		struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO | SA_RESTART };
		sigemptyset(&sa.sa_mask);
		prev = cur;
		sigaction(SIGBUS, &sa, NULL);
	}
	pthread_mutex_unlock(&install_mu);
}

struct ipl_shmguard *ipl_shmguard_add(void *addr, size_t len)
{
	ipl_shmguard_thread();
	for (struct block *b = &first;;) {
		for (int i = 0; i < PER_BLOCK; i++) {
			struct ipl_shmguard *g = &b->g[i];
			uintptr_t zero = 0;
			if (!atomic_compare_exchange_strong(&g->lo, &zero, 1))
				continue;
			atomic_store(&g->len, len);
			atomic_store(&g->lost, 0);
			atomic_store_explicit(&g->lo, (uintptr_t)addr, memory_order_release);
			return g;
		}
		struct block *next = atomic_load_explicit(&b->next, memory_order_acquire);
		if (!next) {
			struct block *nb = calloc(1, sizeof *nb);
			if (!nb)
				return NULL;
			if (!atomic_compare_exchange_strong(&b->next, &next, nb))
				free(nb); /* another thread appended one: use that */
			else
				next = nb;
		}
		b = next;
	}
}

void ipl_shmguard_del(struct ipl_shmguard *g)
{
	if (g)
		atomic_store_explicit(&g->lo, 0, memory_order_release);
}
