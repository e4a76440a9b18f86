/* wake.h - how a sleeping actor is woken: an event counter on a futex, and
 * the pair of fences that make "publish, then check for a sleeper" safe
 * against "announce sleep, then re-check" without a lock.
 *
 * A sleeper reads the counter, announces what it waits for, runs the heavy
 * fence, re-checks its condition and only then sleeps on the counter value it
 * read. A waker publishes its change, runs the light fence and, if it sees an
 * announcement, bumps the counter and wakes. Either the sleeper sees the
 * change or the waker sees the announcement (Dekker); a bump between the read
 * and the sleep makes the sleep return at once.
 */
#ifndef STEADY_WAKE_H
#define STEADY_WAKE_H

#include "clock.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct waker {
    _Atomic uint32_t seq;      /* bumped by every wake; futex word */
    _Atomic uint32_t sleepers; /* threads in futex_wait on seq: a wake with
                                  none skips the system call */
};

void waker_init(struct waker *w);
static inline uint32_t waker_seq(struct waker *w)
{
    /* acquire: whatever the waker published before bumping is visible */
    return atomic_load_explicit(&w->seq, memory_order_acquire);
}
/* Bumps the counter and wakes the thread sleeping on it. Async-signal-safe. */
void waker_wake(struct waker *w);
/* Sleeps while the counter still equals `seen`, at most until
 * deadline_ns (CLOCK_MONOTONIC; 0 = no deadline). Returns early on a wake, a
 * signal or spuriously: callers re-check their condition. */
void waker_wait(struct waker *w, uint32_t seen, uint64_t deadline_ns);

/* The light fence goes on hot paths (after every publish); the heavy fence
 * runs only before going to sleep. When the kernel offers an expedited
 * membarrier the light one is only a compiler barrier and the heavy one a
 * system call that fences every thread of the process; otherwise both are
 * full fences. fences_init is idempotent and thread-safe. */
void wake_fences_init(void);
extern _Atomic bool wake_fence_light_is_free;
static inline void wake_fence_light(void)
{
    if (atomic_load_explicit(&wake_fence_light_is_free, memory_order_relaxed))
        atomic_signal_fence(memory_order_seq_cst);
    else
        atomic_thread_fence(memory_order_seq_cst);
}
void wake_fence_heavy(void);

#endif
