/* scheduler.c - one thread per solo actor and one per troupe, named and
 * optionally pinned, with the host's signals blocked so that they never
 * interrupt an actor. */
#include "scheduler.h"

#include "stack_guard.h"
#include "supervisor.h"
#include "troupe.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One thread to start: a solo actor or a troupe. */
struct lane {
    struct steady_actor *solo; /* or NULL for a troupe */
    struct troupe *troupe;
    const char *name;
    int cpu;           /* -1: not pinned */
    size_t stack_size; /* solo: its thread's stack; 0: the system's */
    pthread_t thread;
    bool started;
};

struct scheduler {
    struct lane *lanes;
    size_t n;
};

static void *solo_thread(struct lane *l)
{
    struct steady_actor *a = l->solo;
    const void *guard;
    size_t guard_len, stack_size;
    char *overflow_msg = NULL;

    /* An overflow into the thread's guard is reported as this actor's
     * (without these, it is still caught, as a plain SIGSEGV). The message
     * gives the size asked for, when one was: a sanitizer may have added
     * room for itself. */
    if (stack_guard_thread_enter() == 0 &&
        stack_guard_of_thread(&guard, &guard_len, &stack_size) == 0 &&
        (overflow_msg = stack_guard_message(
             a->name, l->stack_size ? l->stack_size : stack_size, NULL)))
        stack_guard_watch(guard, guard_len, overflow_msg);
    actor_slice_begin(a);
    supervisor_run(a);
    actor_slice_end(a);
    stack_guard_thread_exit();
    free(overflow_msg);
    return NULL;
}

static struct lane *find_troupe(struct scheduler *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->lanes[i].troupe && strcmp(s->lanes[i].name, name) == 0)
            return &s->lanes[i];
    return NULL;
}

static size_t troupe_size(const struct scheduler_place *places, size_t n,
                          const char *name)
{
    size_t members = 0;

    for (size_t i = 0; i < n; i++)
        if (places[i].troupe && strcmp(places[i].troupe, name) == 0)
            members++;
    return members;
}

struct scheduler *scheduler_create(struct steady_actor *const *actors,
                                   const struct scheduler_place *places,
                                   size_t n, char *err, size_t errlen)
{
    struct scheduler *s = calloc(1, sizeof(*s));

    if (!s)
        goto err_oom;
    s->lanes = calloc(n ? n : 1, sizeof(*s->lanes));
    if (!s->lanes)
        goto err_oom;
    for (size_t i = 0; i < n; i++) {
        const struct scheduler_place *p = &places[i];
        struct lane *l;

        if (!p->troupe) {
            l = &s->lanes[s->n++];
            l->solo = actors[i];
            l->name = actors[i]->name;
            l->cpu = p->cpu;
            l->stack_size = p->stack_size;
            continue;
        }
        l = find_troupe(s, p->troupe);
        if (!l) {
            l = &s->lanes[s->n++];
            l->name = p->troupe;
            l->cpu = -1;
            l->troupe =
                troupe_create(p->troupe, troupe_size(places, n, p->troupe));
            if (!l->troupe)
                goto err_oom;
        }
        if (p->cpu >= 0)
            l->cpu = p->cpu;
        troupe_add(l->troupe, actors[i], p->stack_size);
    }
    return s;

err_oom:
    scheduler_destroy(s);
    snprintf(err, errlen, "out of memory planning threads");
    return NULL;
}

static void *lane_thread(void *arg)
{
    struct lane *l = arg;
    char name[16];

    /* thread names are at most 15 bytes; the actor's or troupe's name is
     * what a user sees in top -H and gdb */
    snprintf(name, sizeof(name), "%s", l->name);
    pthread_setname_np(pthread_self(), name);
    if (l->troupe)
        return troupe_thread(l->troupe);
    return solo_thread(l);
}

static void pin(struct lane *l)
{
    cpu_set_t set;
    int e;

    CPU_ZERO(&set);
    CPU_SET(l->cpu, &set);
    e = pthread_setaffinity_np(l->thread, sizeof(set), &set);
    if (e)
        steady_warn(NULL, "cannot pin '%s' to cpu %d: %s; it runs unpinned",
                    l->name, l->cpu, strerror(e));
}

/* A solo actor's thread gets the stack its stack_kib asks for, and every
 * lane a guard as large as a fiber's (address space only). */
static int lane_attr(const struct lane *l, pthread_attr_t *attr)
{
    int e = pthread_attr_init(attr);

    if (e)
        return e;
    e = pthread_attr_setguardsize(attr, STACK_GUARD_SIZE);
    if (!e && l->solo && l->stack_size)
        e = pthread_attr_setstacksize(attr, l->stack_size);
    if (e)
        pthread_attr_destroy(attr);
    return e;
}

void scheduler_block_signals(sigset_t *old)
{
    static const int host_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1,
                                        SIGUSR2 };
    sigset_t block;

    sigemptyset(&block);
    for (size_t i = 0; i < sizeof(host_signals) / sizeof(int); i++)
        sigaddset(&block, host_signals[i]);
    pthread_sigmask(SIG_BLOCK, &block, old);
}

/* The test hook: pthread_create, or EAGAIN for the lane named in env
 * STEADY_TEST_FAIL_THREAD. */
static int create_thread(struct lane *l)
{
    const char *fail = getenv("STEADY_TEST_FAIL_THREAD");

    pthread_attr_t attr;
    int e;

    if (fail && strcmp(fail, l->name) == 0)
        return EAGAIN;
    e = lane_attr(l, &attr);
    if (!e) {
        e = pthread_create(&l->thread, &attr, lane_thread, l);
        pthread_attr_destroy(&attr);
    }
    return e;
}

/* Lanes that will never run: their actors are finished as never started,
 * so that the started ones see closed inputs and gone consumers. */
static void abandon(struct lane *l)
{
    if (l->troupe) {
        troupe_abandon(l->troupe);
        return;
    }
    actor_finish(l->solo, 0);
}

int scheduler_start(struct scheduler *s, char *err, size_t errlen)
{
    sigset_t old;
    size_t i;
    int rc = 0;

    /* without it an overflow is a plain SIGSEGV: worth a warning only */
    if (stack_guard_install() < 0)
        steady_warn(NULL, "cannot install the stack overflow handler: %s",
                    strerror(errno));
    scheduler_block_signals(&old);
    for (i = 0; i < s->n; i++) {
        struct lane *l = &s->lanes[i];
        int e = create_thread(l);

        if (e) {
            snprintf(err, errlen, "cannot start a thread for %s '%s': %s",
                     l->troupe ? "troupe" : "actor", l->name, strerror(e));
            rc = -1;
            break;
        }
        l->started = true;
        if (l->cpu >= 0)
            pin(l);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    for (; i < s->n; i++)
        abandon(&s->lanes[i]);
    return rc;
}

size_t scheduler_threads(const struct scheduler *s)
{
    return s->n;
}

void scheduler_join(struct scheduler *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->lanes[i].started) {
            pthread_join(s->lanes[i].thread, NULL);
            s->lanes[i].started = false;
        }
}

void scheduler_destroy(struct scheduler *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->lanes && i < s->n; i++)
        troupe_destroy(s->lanes[i].troupe);
    free(s->lanes);
    free(s);
}
