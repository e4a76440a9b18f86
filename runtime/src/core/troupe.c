/* troupe.c - the cooperative loop of a troupe: run each member that can make
 * progress until it parks, sleep when none can. A member can make progress
 * when it has not parked, when the troupe's waker moved since it last
 * looked, when its deadline passed, or when an fd it waits on has an event.
 * The thread sleeps on the waker's futex, or, when parked members wait on
 * fds, in one poll on all of their fds and the waker (fd_wait.h).
 */
#include "troupe.h"

#include "fd_wait.h"
#include "fiber.h"
#include "stack_guard.h"
#include "supervisor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct member {
    struct steady_actor *actor;
    struct troupe *troupe;
    struct fiber fiber;
    size_t stack_size;
    char *overflow_msg; /* printed if its stack overflows (stack_guard.h) */
    bool parked;        /* waiting for the waker to move past `seen` */
    bool finished;      /* supervisor_run() returned */
    uint32_t seen;
    uint64_t deadline;         /* 0: none */
    const struct fd_wait *fds; /* parked on these fds too; NULL: none */
    bool fd_ready;             /* one of them has an event */
};

struct troupe {
    char *name;
    struct waker waker; /* every member's channels and shutdown wake this */
    struct member *members;
    size_t n, capacity;
    struct fiber main;      /* the thread's own stack: the loop */
    struct member *current; /* the member running now */
    struct fd_union fds;    /* parked members' fds, gathered to poll */
    uint64_t fds_polled;    /* when they were last looked at */
};

/* While members run without a pause, parked members' fds are still looked
 * at this often (a member never waits longer for its socket because its
 * mates keep the thread busy). */
#define TROUPE_FD_CHECK_NS NS_PER_MS

/* The troupe whose loop runs on this thread, for the fiber entry. */
static _Thread_local struct troupe *this_troupe;

struct troupe *troupe_create(const char *name, size_t capacity)
{
    struct troupe *t = calloc(1, sizeof(*t));

    if (!t)
        return NULL;
    t->name = strdup(name);
    t->members = calloc(capacity ? capacity : 1, sizeof(*t->members));
    if (!t->name || !t->members) {
        free(t->name);
        free(t->members);
        free(t);
        return NULL;
    }
    t->capacity = capacity;
    waker_init(&t->waker);
    return t;
}

static void troupe_park(struct steady_actor *a, uint32_t seen,
                        uint64_t deadline_ns)
{
    struct member *m = a->park_ctx;

    m->parked = true;
    m->seen = seen;
    m->deadline = deadline_ns;
    m->fds = a->park_fds;
    m->fd_ready = false;
    fiber_switch(&m->fiber, &m->troupe->main);
}

void troupe_add(struct troupe *t, struct steady_actor *a, size_t stack_size)
{
    struct member *m = &t->members[t->n++];

    m->actor = a;
    m->troupe = t;
    m->stack_size = stack_size ? stack_size : TROUPE_STACK_SIZE;
    a->waker = &t->waker;
    a->park = troupe_park;
    a->park_ctx = m;
}

const char *troupe_name(const struct troupe *t)
{
    return t->name;
}

static void member_entry(void)
{
    struct member *m = this_troupe->current;

    fiber_started(&m->fiber);
    supervisor_run(m->actor);
    m->finished = true;
    fiber_exit(&m->fiber, &m->troupe->main);
}

static bool can_run(const struct member *m, uint32_t seq, uint64_t *now)
{
    if (!m->parked || m->seen != seq || m->fd_ready)
        return true;
    if (!m->deadline)
        return false;
    if (!*now)
        *now = now_ns();
    return *now >= m->deadline;
}

/* Looks at the fds of the members parked on some (sleeping on them and the
 * waker when `sleep`, at most until `deadline`) and marks the members whose
 * fds have an event. False when nothing could be polled (out of memory):
 * the caller then sleeps on the waker alone, for a short while. */
static bool poll_member_fds(struct troupe *t, uint32_t seq, uint64_t deadline,
                            bool sleep)
{
    int rc;

    fd_union_reset(&t->fds);
    for (size_t i = 0; i < t->n; i++) {
        struct member *m = &t->members[i];

        if (!m->finished && m->parked && m->fds &&
            fd_union_add(&t->fds, m->fds, i) < 0)
            return false;
    }
    rc = fd_union_wait(&t->fds, &t->waker, seq, deadline, sleep);
    if (rc < 0)
        return false;
    for (size_t j = 1; rc > 0 && j < t->fds.n; j++)
        if (fd_union_ready(&t->fds, j)) {
            /* a closed fd (POLLNVAL) too: the member then finds out */
            t->members[t->fds.owner[j]].fd_ready = true;
            rc--;
        }
    t->fds_polled = now_ns();
    return true;
}

/* No member can move: sleep until a wake, the first deadline, or an event
 * on a parked member's fd. */
static void troupe_sleep(struct troupe *t, uint32_t seq, uint64_t next,
                         size_t fd_parked)
{
    uint64_t soon;

    if (!fd_parked) {
        waker_wait(&t->waker, seq, next);
        return;
    }
    if (poll_member_fds(t, seq, next, true))
        return;
    /* out of memory for the union: a short sleep, then every member
     * parked on fds looks at them itself (and parks again) */
    soon = now_ns() + NS_PER_MS;
    waker_wait(&t->waker, seq, next && next < soon ? next : soon);
    for (size_t i = 0; i < t->n; i++)
        if (t->members[i].parked && t->members[i].fds)
            t->members[i].fd_ready = true;
}

void *troupe_thread(void *arg)
{
    struct troupe *t = arg;
    size_t live = 0;

    this_troupe = t;
    fiber_init_thread(&t->main);
    /* without it an overflow is a plain SIGSEGV, unnamed but still caught
     * by the guard */
    stack_guard_thread_enter();
    for (size_t i = 0; i < t->n; i++) {
        struct member *m = &t->members[i];

        if (fiber_create(&m->fiber, m->stack_size, member_entry) < 0) {
            snprintf(m->actor->error, sizeof(m->actor->error),
                     "troupe '%s': no memory for a %zu KiB stack", t->name,
                     m->stack_size / 1024);
            actor_finish(m->actor, -1);
            m->finished = true;
            continue;
        }
        m->overflow_msg =
            stack_guard_message(m->actor->name, m->fiber.stack_size, t->name);
        live++;
    }
    while (live) {
        uint32_t seq = waker_seq(&t->waker);
        uint64_t now = 0, next = 0;
        size_t fd_parked = 0;
        bool ran = false;

        live = 0;
        for (size_t i = 0; i < t->n; i++) {
            struct member *m = &t->members[i];

            if (m->finished)
                continue;
            if (!can_run(m, seq, &now)) {
                if (m->deadline && (!next || m->deadline < next))
                    next = m->deadline;
                if (m->fds)
                    fd_parked++;
                live++;
                continue;
            }
            m->parked = false;
            m->fds = NULL;
            m->fd_ready = false;
            t->current = m;
            actor_slice_begin(m->actor);
            stack_guard_watch(m->fiber.map, m->fiber.guard_size,
                              m->overflow_msg);
            fiber_switch(&t->main, &m->fiber);
            stack_guard_watch(NULL, 0, NULL);
            actor_slice_end(m->actor);
            ran = true;
            if (!m->finished)
                live++;
        }
        if (live && !ran)
            troupe_sleep(t, seq, next, fd_parked);
        else if (fd_parked && now_ns() - t->fds_polled >= TROUPE_FD_CHECK_NS)
            poll_member_fds(t, seq, 0, false);
    }
    for (size_t i = 0; i < t->n; i++) {
        fiber_destroy(&t->members[i].fiber);
        free(t->members[i].overflow_msg);
        t->members[i].overflow_msg = NULL;
    }
    stack_guard_thread_exit();
    return NULL;
}

void troupe_abandon(struct troupe *t)
{
    for (size_t i = 0; i < t->n; i++) {
        actor_finish(t->members[i].actor, 0);
        t->members[i].finished = true;
    }
}

void troupe_destroy(struct troupe *t)
{
    if (!t)
        return;
    fd_union_free(&t->fds);
    waker_fini(&t->waker);
    free(t->members);
    free(t->name);
    free(t);
}
