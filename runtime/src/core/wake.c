/* wake.c - futex-backed event counter and the asymmetric fences of wake.h. */
#include "wake.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

_Atomic bool wake_fence_light_is_free;

void waker_init(struct waker *w)
{
    atomic_init(&w->seq, 0);
    atomic_init(&w->sleepers, 0);
}

void waker_wake(struct waker *w)
{
    /* seq_cst pairs with the sleeper's seq_cst increment of sleepers:
     * either we see it about to sleep, or its futex_wait sees the new seq
     * and does not sleep. Also publishes what the caller changed. */
    atomic_fetch_add_explicit(&w->seq, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&w->sleepers, memory_order_seq_cst))
        syscall(SYS_futex, &w->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
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
