/* troupe.c - the cooperative loop of a troupe: run each member that can make
 * progress until it parks, sleep when none can. A member can make progress
 * when it has not parked, when the troupe's waker moved since it last
 * looked, or when its deadline passed.
 */
#include "troupe.h"

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
    uint64_t deadline; /* 0: none */
};

struct troupe {
    char *name;
    struct waker waker; /* every member's channels and shutdown wake this */
    struct member *members;
    size_t n, capacity;
    struct fiber main;      /* the thread's own stack: the loop */
    struct member *current; /* the member running now */
};

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
    if (!m->parked || m->seen != seq)
        return true;
    if (!m->deadline)
        return false;
    if (!*now)
        *now = now_ns();
    return *now >= m->deadline;
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
        bool ran = false;

        live = 0;
        for (size_t i = 0; i < t->n; i++) {
            struct member *m = &t->members[i];

            if (m->finished)
                continue;
            if (!can_run(m, seq, &now)) {
                if (m->deadline && (!next || m->deadline < next))
                    next = m->deadline;
                live++;
                continue;
            }
            m->parked = false;
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
        /* no member could move: sleep until a wake or the first deadline */
        if (live && !ran)
            waker_wait(&t->waker, seq, next);
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
    free(t->members);
    free(t->name);
    free(t);
}
