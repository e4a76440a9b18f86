/* snap_actor.c - the actor's side of a snapshot (snapshot.c is the
 * coordinator's): where it stops while a snapshot is copied, and the
 * numbers of <steady/actor.h> (steady_snapshot_next, _done, _snapshotted).
 *
 * The hold is a Dekker pair on the wake fences (wake.h): the coordinator
 * sets hold, runs the heavy fence and reads each actor's `snap_where`; an
 * actor writes snap_where, runs the light fence and reads hold. So either
 * the coordinator sees the actor running (and waits for it), or the actor
 * sees the hold (and stops before it touches a channel).
 */
#include "actor_impl.h"

static void wake_coord(struct steady_actor *a)
{
    waker_wake(&a->set->snap.coord);
}

void snap_hold_self(struct steady_actor *a)
{
    struct snap_ctl *s = &a->set->snap;

    for (;;) {
        /* release: everything the actor did is visible to the copy */
        atomic_store_explicit(&a->snap_where, SNAP_HELD, memory_order_release);
        wake_fence_light(); /* HELD before the hold load (release: see
                               snapshot.c, which wakes the held) */
        wake_coord(a);
        for (;;) {
            uint32_t seen = waker_seq(a->waker);

            /* acquire: the coordinator is done reading */
            if (!atomic_load_explicit(&s->hold, memory_order_acquire))
                break;
            a->park(a, seen, 0);
        }
        atomic_store_explicit(&a->snap_where, SNAP_RUNNING,
                              memory_order_relaxed);
        wake_fence_light(); /* RUNNING before the hold load */
        if (!atomic_load_explicit(&s->hold, memory_order_relaxed))
            return;
    }
}

void snap_park(struct steady_actor *a, uint32_t seen, uint64_t deadline_ns)
{
    struct snap_ctl *s = &a->set->snap;

    if (!s->on) {
        a->park(a, seen, deadline_ns);
        return;
    }
    /* release: what the actor did before it waits is visible to a copy */
    atomic_store_explicit(&a->snap_where, SNAP_WAITING, memory_order_release);
    wake_fence_light(); /* WAITING before the hold load */
    if (atomic_load_explicit(&s->hold, memory_order_relaxed))
        wake_coord(a); /* a coordinator may wait for this one */
    a->park(a, seen, deadline_ns);
    atomic_store_explicit(&a->snap_where, SNAP_RUNNING, memory_order_relaxed);
    wake_fence_light(); /* RUNNING before the hold load */
    if (atomic_load_explicit(&s->hold, memory_order_relaxed))
        snap_hold_self(a);
}

void snap_gone(struct steady_actor *a)
{
    atomic_store_explicit(&a->snap_where, SNAP_GONE, memory_order_release);
    wake_fence_light();
    if (atomic_load_explicit(&a->set->snap.hold, memory_order_relaxed))
        wake_coord(a);
}

uint64_t steady_snapshot_next(struct steady_actor *a)
{
    if (!a->set->snap.on)
        return 0;
    return atomic_load_explicit(&a->set->snap.next, memory_order_acquire);
}

uint64_t steady_snapshot_done(struct steady_actor *a)
{
    if (!a->set->snap.on)
        return 0;
    return atomic_load_explicit(&a->set->snap.done, memory_order_acquire);
}

struct steady_cond steady_snapshotted(struct steady_actor *a, uint64_t n)
{
    (void)a;
    return (struct steady_cond){ .kind = STEADY_COND_SNAPSHOT, .ns = n };
}
