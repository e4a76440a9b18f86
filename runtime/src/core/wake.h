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
 *
 * A sleeper that must also wake on file descriptors (an actor waiting on
 * fds, or a troupe whose members do) sleeps in poll instead, on its fds
 * plus an eventfd of the waker: the same protocol, with the eventfd's
 * level-triggered counter in the futex's place. The eventfd exists only
 * once such a sleeper asked for it, so the futex path is unchanged.
 */
#ifndef STEADY_WAKE_H
#define STEADY_WAKE_H

#include "clock.h"

#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct waker {
    _Atomic uint32_t seq;      /* bumped by every wake; futex word */
    _Atomic uint32_t sleepers; /* threads asleep on seq, futex_wait ones in
                                  the low bits, waker_poll ones counted in
                                  WAKER_POLLER units: a wake with none skips
                                  every system call */
    _Atomic int efd; /* eventfd a waker_poll sleeper also waits on; -1 until
                        waker_poll_prepare */
};

/* One thread in waker_poll, in waker.sleepers. */
#define WAKER_POLLER (UINT32_C(1) << 16)

void waker_init(struct waker *w);
/* Closes the eventfd, if there is one. Nobody may wake or sleep on w any
 * more. */
void waker_fini(struct waker *w);
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

/* Gives the waker the eventfd that waker_poll sleeps on (once; later calls
 * return 0 at once). Only the thread that sleeps on w may call it. 0, or -1
 * with errno (no fd left). */
int waker_poll_prepare(struct waker *w);
/* waker_wait that also returns when one of fds[1..n-1] has an event:
 * fds[0] is the waker's own slot (filled in here). Sleeps while the counter
 * still equals `seen`, at most until deadline_ns (0: none). Returns how many
 * of fds[1..n-1] have revents set (0 after a wake, the deadline or an
 * interrupting signal), or -1 with errno when poll fails; fds[0].revents is
 * left 0. waker_poll_prepare must have succeeded; at most one thread sleeps
 * here on a given waker at a time. */
int waker_poll(struct waker *w, uint32_t seen, uint64_t deadline_ns,
               struct pollfd *fds, size_t n);

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
