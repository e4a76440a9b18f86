/* supervisor.c - restart-on-failure under a policy: at most `max` restarts
 * within any `within_s` seconds, each after `backoff_ms`. Restarting keeps
 * the actor's channels, its persistent state and its context from init.
 */
#include "supervisor.h"

#include "state_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Records a restart at `now` if the policy allows one; false when the last
 * `max` restarts all fall within the window (or max is 0). */
static bool restart_allowed(struct steady_actor *a, uint64_t now)
{
    const struct restart_policy *p = &a->policy;
    uint64_t window = (uint64_t)p->within_s * 1000000000u;
    size_t slot;

    if (p->max == 0)
        return false;
    if (!a->restart_times) {
        a->restart_times = calloc(p->max, sizeof(*a->restart_times));
        if (!a->restart_times)
            return false;
    }
    /* restart_times is a ring of the last `max` restarts; the slot about to
     * be overwritten holds the oldest of them */
    slot = a->n_restart_times % p->max;
    if (a->n_restart_times >= p->max && now - a->restart_times[slot] < window)
        return false;
    a->restart_times[slot] = now;
    a->n_restart_times++;
    return true;
}

/* Waits out the back-off, parked (so troupe mates keep running); shutdown
 * cuts it short. */
static void back_off(struct steady_actor *a)
{
    uint64_t until = now_ns() + (uint64_t)a->policy.backoff_ms * 1000000u;

    for (;;) {
        uint32_t seen = waker_seq(a->waker);

        if (now_ns() >= until ||
            atomic_load_explicit(&a->set->shutdown, memory_order_acquire))
            return;
        snap_park(a, seen, until); /* a safe point for a snapshot */
    }
}

static void reset_run_state(struct steady_actor *a)
{
    /* what belongs to one run of `run`; state, ctx and channels stay */
    a->vote = NULL;
    a->period_ns = 0;
    a->next_tick_ns = 0;
}

void supervisor_run(struct steady_actor *a)
{
    if (a->snap_finished) {
        /* it had finished when the snapshot it resumes from was taken */
        actor_finish(a, 0);
        return;
    }
    for (;;) {
        int rc = actor_run_once(a);
        char reason[sizeof(a->error) - 64];
        uint32_t n;

        if (rc >= 0) {
            steady_checkpoint(a);
            actor_finish(a, rc);
            return;
        }
        steady_checkpoint(a);
        if (!restart_allowed(a, now_ns())) {
            if (a->policy.max) {
                /* shortened to leave room for the suffix below */
                size_t len = strnlen(a->error, sizeof(reason) - 1);

                memcpy(reason, a->error, len);
                reason[len] = '\0';
                snprintf(a->error, sizeof(a->error),
                         "%s (gave up after %u restart%s within %u s)", reason,
                         a->policy.max, a->policy.max == 1 ? "" : "s",
                         a->policy.within_s);
            }
            actor_finish(a, rc);
            return;
        }
        n = atomic_fetch_add_explicit(&a->restarts, 1, memory_order_relaxed) +
            1;
        steady_warn(a,
                    "failed: %s; restart %u (at most %u within %u s) in %u "
                    "ms, state kept",
                    a->error, n, a->policy.max, a->policy.within_s,
                    a->policy.backoff_ms);
        back_off(a);
        reset_run_state(a);
    }
}
