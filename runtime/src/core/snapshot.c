/* snapshot.c - the coordinator of process snapshots (snapshot.h): holds
 * every actor at a wait, copies states and channels into one buffer,
 * releases the actors, writes the buffer as DIR/steady.snapshot, and only
 * then advances "done" and wakes the actors waiting in steady_snapshotted.
 * A thread of its own takes one every checkpoint_ms; the host takes the
 * last one at a clean stop. The actor's side is snap_actor.c.
 */
#include "snapshot.h"

#include "scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct snapshot {
    struct actor_set *set;
    struct snapshot_desc desc;
    struct state_dir *dir;
    unsigned period_ms;
    bool *finished; /* desc.n_actors, for the encoder */
    bool resume_shutdown;
    uint64_t written;
    pthread_t thread;
    bool thread_live;
    _Atomic bool stop; /* release: the thread ends */
    struct waker wake; /* wakes the thread to stop */
};

struct snapshot *snapshot_create(struct actor_set *set,
                                 const struct snapshot_desc *d,
                                 struct state_dir *dir, unsigned period_ms)
{
    struct snapshot *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->finished = calloc(d->n_actors ? d->n_actors : 1, sizeof(bool));
    if (!s->finished) {
        free(s);
        return NULL;
    }
    s->set = set;
    s->desc = *d;
    s->dir = dir;
    s->period_ms = period_ms;
    atomic_init(&s->stop, false);
    waker_init(&s->wake);
    set->snap.on = true;
    atomic_store_explicit(&set->snap.next, 1, memory_order_relaxed);
    atomic_store_explicit(&set->snap.done, 0, memory_order_relaxed);
    return s;
}

void snapshot_destroy(struct snapshot *s)
{
    if (!s)
        return;
    snapshot_stop(s);
    waker_fini(&s->wake);
    free(s->finished);
    free(s);
}

uint64_t snapshot_count(const struct snapshot *s)
{
    return s->written;
}

bool snapshot_resumes_shutdown(const struct snapshot *s)
{
    return s && s->resume_shutdown;
}

int snapshot_restore(struct snapshot *s, bool *found, char *err,
                     size_t errlen)
{
    struct snapshot_record rec;
    char name[1024];
    void *buf = NULL;
    size_t len = 0;
    bool fresh;

    *found = false;
    snprintf(name, sizeof(name), "%s/%s", state_dir_path(s->dir),
             SNAPSHOT_FILE);
    if (state_dir_read(s->dir, SNAPSHOT_FILE, SNAPSHOT_MAX_BYTES, &buf, &len,
                       found, err, errlen) < 0)
        return -1;
    if (!*found)
        return 0;
    if (snapshot_parse(buf, len, name, &rec, err, errlen) < 0 ||
        snapshot_match(&rec, &s->desc, name, err, errlen) < 0) {
        if (rec.actors)
            snapshot_record_fini(&rec);
        free(buf);
        *found = false;
        return -1;
    }
    fresh = rec.flags & SNAPSHOT_FINAL;
    for (size_t i = 0; i < s->desc.n_actors; i++) {
        struct steady_actor *a = s->desc.actors[i];

        if (a->plugin->state_size)
            memcpy(a->state, rec.actors[i].state, a->plugin->state_size);
        a->snap_finished = !fresh && rec.actors[i].finished;
    }
    for (size_t i = 0; i < s->desc.n_channels; i++)
        channel_snap_load(s->desc.channels[i], rec.channels[i].body, fresh);
    s->resume_shutdown = !fresh && (rec.flags & SNAPSHOT_SHUTDOWN);
    atomic_store_explicit(&s->set->snap.next, rec.number + 1,
                          memory_order_relaxed);
    atomic_store_explicit(&s->set->snap.done, rec.number, memory_order_relaxed);
    steady_info(NULL,
                "graph '%s' resumes from snapshot %llu in %s (%zu actors, "
                "%zu channels%s)",
                s->desc.graph, (unsigned long long)rec.number, name,
                s->desc.n_actors, s->desc.n_channels,
                fresh ? "; written at a clean stop" : "");
    snapshot_record_fini(&rec);
    free(buf);
    return 0;
}

/* Every actor at a safe point, or the one that is not (NULL: all are);
 * *failed: one has failed for good. */
static struct steady_actor *first_running(struct snapshot *s, bool *failed)
{
    struct steady_actor *late = NULL;

    *failed = false;
    for (size_t i = 0; i < s->set->n_actors; i++) {
        struct steady_actor *a = s->set->actors[i];

        /* acquire: what the actor did before it stopped is visible */
        if (atomic_load_explicit(&a->snap_where, memory_order_acquire) ==
                SNAP_RUNNING &&
            !late)
            late = a;
        if (atomic_load_explicit(&a->status, memory_order_acquire) ==
            ACTOR_FAILED)
            *failed = true;
    }
    return late;
}

/* Lifts the hold and wakes those that stopped for it. */
static void release(struct snapshot *s)
{
    /* release: the copy is done before anyone moves again */
    atomic_store_explicit(&s->set->snap.hold, 0, memory_order_release);
    wake_fence_heavy(); /* the hold store before the snap_where loads */
    for (size_t i = 0; i < s->set->n_actors; i++) {
        struct steady_actor *a = s->set->actors[i];

        if (atomic_load_explicit(&a->snap_where, memory_order_relaxed) ==
            SNAP_HELD)
            waker_wake(a->waker);
    }
}

/* Snapshot n is on disk: tell the actors that wait for it. */
static void advance_done(struct snapshot *s, uint64_t n)
{
    struct snap_ctl *c = &s->set->snap;

    if (atomic_load_explicit(&c->done, memory_order_relaxed) >= n)
        return;
    /* release: pairs with snap_covered's acquire */
    atomic_store_explicit(&c->done, n, memory_order_release);
    wake_fence_light(); /* done before the snap_armed loads */
    for (size_t i = 0; i < s->set->n_actors; i++) {
        struct steady_actor *a = s->set->actors[i];

        if (atomic_load_explicit(&a->snap_armed, memory_order_relaxed))
            waker_wake(a->waker);
    }
}

int snapshot_take(struct snapshot *s, uint32_t flags, uint64_t hold_ms,
                  char *err, size_t errlen)
{
    struct snap_ctl *c = &s->set->snap;
    uint64_t deadline = now_ns() + hold_ms * 1000000u, number;
    struct steady_actor *late;
    unsigned char *buf;
    size_t len;
    bool failed;
    int rc;

    atomic_store_explicit(&c->hold, 1, memory_order_relaxed);
    wake_fence_heavy(); /* the hold store before the snap_where loads */
    for (;;) {
        uint32_t seen = waker_seq(&c->coord);

        late = first_running(s, &failed);
        if (!late || failed || now_ns() >= deadline)
            break;
        waker_wait(&c->coord, seen, deadline);
    }
    if (failed || late) {
        release(s);
        if (late)
            steady_warn(NULL,
                        "snapshot skipped: actor '%s' did not reach a wait "
                        "within %llu ms (an actor is held only at a wait: "
                        "a loop that never waits keeps every snapshot "
                        "out)",
                        late->name, (unsigned long long)hold_ms);
        return 1;
    }
    /* every actor is still: copy */
    for (size_t i = 0; i < s->desc.n_actors; i++)
        s->finished[i] = atomic_load_explicit(&s->desc.actors[i]->snap_where,
                                              memory_order_acquire) ==
                             SNAP_GONE &&
                         atomic_load_explicit(&s->desc.actors[i]->status,
                                              memory_order_acquire) ==
                             ACTOR_EXITED;
    if (atomic_load_explicit(&s->set->shutdown, memory_order_acquire))
        flags |= SNAPSHOT_SHUTDOWN;
    number = atomic_load_explicit(&c->next, memory_order_relaxed);
    len = snapshot_size(&s->desc);
    buf = malloc(len);
    if (buf) {
        snapshot_encode(&s->desc, number, flags, s->finished, buf);
        /* release: what steady_snapshot_next returns from now on */
        atomic_store_explicit(&c->next, number + 1, memory_order_release);
    }
    release(s);
    if (!buf) {
        snprintf(err, errlen, "snapshot %llu: out of memory (%zu bytes)",
                 (unsigned long long)number, len);
        steady_error(NULL, "%s", err);
        return -1;
    }
    rc = state_dir_write(s->dir, SNAPSHOT_FILE, buf, len, err, errlen);
    free(buf);
    if (rc < 0) {
        steady_error(NULL, "snapshot %llu not written: %s",
                     (unsigned long long)number, err);
        return -1;
    }
    s->written++;
    advance_done(s, number);
    steady_debug(NULL, "snapshot %llu written (%zu bytes)",
                 (unsigned long long)number, len);
    return 0;
}

static void *snapshot_thread(void *arg)
{
    struct snapshot *s = arg;
    uint64_t next = now_ns() + (uint64_t)s->period_ms * 1000000u;
    char err[1024];

    for (;;) {
        uint32_t seen = waker_seq(&s->wake);

        if (atomic_load_explicit(&s->stop, memory_order_acquire))
            break;
        if (now_ns() < next) {
            waker_wait(&s->wake, seen, next);
            continue;
        }
        (void)snapshot_take(s, 0, SNAPSHOT_HOLD_MS, err, sizeof(err));
        /* the period runs from the end of a snapshot: a slow disk
         * spaces them out rather than queueing them */
        next = now_ns() + (uint64_t)s->period_ms * 1000000u;
    }
    return NULL;
}

int snapshot_start(struct snapshot *s, char *err, size_t errlen)
{
    sigset_t old;
    int e;

    scheduler_block_signals(&old);
    e = pthread_create(&s->thread, NULL, snapshot_thread, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e) {
        snprintf(err, errlen, "cannot start the snapshot thread: %s",
                 strerror(e));
        return -1;
    }
    s->thread_live = true;
    return 0;
}

void snapshot_stop(struct snapshot *s)
{
    if (!s || !s->thread_live)
        return;
    atomic_store_explicit(&s->stop, true, memory_order_release);
    waker_wake(&s->wake);
    pthread_join(s->thread, NULL);
    s->thread_live = false;
}
