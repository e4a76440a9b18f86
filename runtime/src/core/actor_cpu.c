/* actor_cpu.c - CPU accounting: the CPU time each actor really used, read
 * by telemetry from another thread. An actor runs in slices (one per solo
 * run, one per switch-in inside a troupe); the hosting thread marks each
 * slice's start and end on its own CPU clock.
 */
#include "actor_impl.h"

#include <pthread.h>
#include <time.h>

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;

    if (clock_gettime(clock, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void actor_slice_begin(struct steady_actor *a)
{
    clockid_t clock;

    actor_set_current(a, "run");
    if (pthread_getcpuclockid(pthread_self(), &clock) != 0)
        return;
    atomic_store_explicit(&a->cpu_clock, (int)clock, memory_order_relaxed);
    atomic_store_explicit(&a->slice_start, clock_ns(clock),
                          memory_order_relaxed);
    /* release: the clock and start above are set */
    atomic_store_explicit(&a->in_slice, true, memory_order_release);
}

void actor_slice_end(struct steady_actor *a)
{
    clockid_t clock;
    uint64_t used;

    actor_set_current(NULL, NULL);
    if (!atomic_load_explicit(&a->in_slice, memory_order_relaxed))
        return;
    clock =
        (clockid_t)atomic_load_explicit(&a->cpu_clock, memory_order_relaxed);
    used = clock_ns(clock) -
           atomic_load_explicit(&a->slice_start, memory_order_relaxed);
    atomic_fetch_add_explicit(&a->cpu_ns_done, used, memory_order_relaxed);
    atomic_store_explicit(&a->in_slice, false, memory_order_release);
}

uint64_t actor_cpu_ns(struct steady_actor *a)
{
    uint64_t done = atomic_load_explicit(&a->cpu_ns_done, memory_order_relaxed);

    /* acquire: pairs with the release in actor_slice_begin */
    if (atomic_load_explicit(&a->in_slice, memory_order_acquire)) {
        clockid_t clock = (clockid_t)atomic_load_explicit(&a->cpu_clock,
                                                          memory_order_relaxed);
        uint64_t now = clock_ns(clock);
        uint64_t start =
            atomic_load_explicit(&a->slice_start, memory_order_relaxed);

        if (now > start)
            done += now - start;
    }
    return done;
}
