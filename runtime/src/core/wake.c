/* wake.c - futex-backed event counter (with an eventfd beside it for
 * sleepers that also poll file descriptors) and the asymmetric fences of
 * wake.h. */
#include "wake.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

_Atomic bool wake_fence_light_is_free;

void waker_init(struct waker *w)
{
    atomic_init(&w->seq, 0);
    atomic_init(&w->sleepers, 0);
    atomic_init(&w->efd, -1);
}

void waker_fini(struct waker *w)
{
    int efd = atomic_exchange_explicit(&w->efd, -1, memory_order_relaxed);

    if (efd >= 0)
        close(efd);
}

void waker_wake(struct waker *w)
{
    uint32_t sleepers;

    /* seq_cst pairs with the sleeper's seq_cst increment of sleepers:
     * either we see it about to sleep, or its futex_wait (its check of seq
     * before poll) sees the new seq and does not sleep. Also publishes what
     * the caller changed. */
    atomic_fetch_add_explicit(&w->seq, 1, memory_order_seq_cst);
    sleepers = atomic_load_explicit(&w->sleepers, memory_order_seq_cst);
    if (!sleepers)
        return;
    if (sleepers & (WAKER_POLLER - 1))
        syscall(SYS_futex, &w->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    if (sleepers >= WAKER_POLLER) {
        /* the poller stored efd before counting itself in sleepers, which
         * we read above: it is there. A full counter cannot happen (2^64-2
         * wakes); the write is non-blocking anyway. */
        uint64_t one = 1;
        int efd = atomic_load_explicit(&w->efd, memory_order_relaxed);

        if (write(efd, &one, sizeof(one)) < 0) {
            /* EAGAIN only: the counter is set, the poller wakes anyway */
        }
    }
}

void waker_wait(struct waker *w, uint32_t seen, uint64_t deadline_ns)
{
    struct timespec ts;
    struct timespec *tp = NULL;

    if (deadline_ns) {
        ts.tv_sec = (time_t)(deadline_ns / 1000000000u);
        ts.tv_nsec = (long)(deadline_ns % 1000000000u);
        tp = &ts;
    }
    /* WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so a wait cut
     * short by a signal and retried does not stretch. */
    atomic_fetch_add_explicit(&w->sleepers, 1, memory_order_seq_cst);
    syscall(SYS_futex, &w->seq, FUTEX_WAIT_BITSET_PRIVATE, seen, tp, NULL,
            FUTEX_BITSET_MATCH_ANY);
    atomic_fetch_sub_explicit(&w->sleepers, 1, memory_order_relaxed);
}

int waker_poll_prepare(struct waker *w)
{
    int efd;

    if (atomic_load_explicit(&w->efd, memory_order_relaxed) >= 0)
        return 0;
    efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (efd < 0)
        return -1;
    /* read by wakers only after they saw this thread in sleepers, which
     * it joins after this store (seq_cst): relaxed is enough */
    atomic_store_explicit(&w->efd, efd, memory_order_relaxed);
    return 0;
}

int waker_poll(struct waker *w, uint32_t seen, uint64_t deadline_ns,
               struct pollfd *fds, size_t n)
{
    int efd = atomic_load_explicit(&w->efd, memory_order_relaxed);
    int rc = 0, err = 0;

    fds[0] = (struct pollfd){ .fd = efd, .events = POLLIN };
    for (size_t i = 1; i < n; i++)
        fds[i].revents = 0;
    /* as waker_wait: joining sleepers before the check of seq means a
     * wake after the check finds us and sets the eventfd, whose counter
     * stays set until read, so poll returns at once */
    atomic_fetch_add_explicit(&w->sleepers, WAKER_POLLER, memory_order_seq_cst);
    if (atomic_load_explicit(&w->seq, memory_order_seq_cst) == seen) {
        struct timespec ts;
        struct timespec *tp = NULL;

        if (deadline_ns) {
            uint64_t now = now_ns();

            ts = clock_timespec(deadline_ns > now ? deadline_ns - now : 0);
            tp = &ts;
        }
        rc = ppoll(fds, (nfds_t)n, tp, NULL);
        if (rc < 0)
            err = errno;
    }
    atomic_fetch_sub_explicit(&w->sleepers, WAKER_POLLER, memory_order_relaxed);
    if (rc > 0 && fds[0].revents) {
        uint64_t count;

        /* drained here, before the caller reads seq again: a wake after
         * this read sets it anew and costs one early return, never a
         * lost wake-up */
        if (read(efd, &count, sizeof(count)) < 0) {
            /* EAGAIN: another read won; nothing to drain */
        }
        fds[0].revents = 0;
        rc--;
    }
    if (rc < 0) {
        if (err == EINTR)
            return 0;
        errno = err;
    }
    return rc;
}

static pthread_once_t fences_once = PTHREAD_ONCE_INIT;

static void register_membarrier(void)
{
    long cmds;

    /* STEADY_FENCES=full keeps full fences on both sides (for comparison) */
    if (getenv("STEADY_FENCES") && strcmp(getenv("STEADY_FENCES"), "full") == 0)
        return;
    cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0);

    if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
        return;
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) !=
        0)
        return;
    atomic_store_explicit(&wake_fence_light_is_free, true,
                          memory_order_release);
}

void wake_fences_init(void)
{
    pthread_once(&fences_once, register_membarrier);
}

void wake_fence_heavy(void)
{
    if (atomic_load_explicit(&wake_fence_light_is_free, memory_order_relaxed) &&
        syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0)
        return;
    atomic_thread_fence(memory_order_seq_cst);
}
