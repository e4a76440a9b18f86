/* scheduler.c - one thread per solo actor and one per troupe, named and
 * optionally pinned, with SIGINT and SIGTERM blocked so that only the host
 * thread handles them. */
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
    supervise(a);
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

static size_t troupe_size(const struct graph *g, const char *name)
{
    size_t n = 0;

    for (size_t i = 0; i < g->n_actors; i++)
        if (g->actors[i].troupe && strcmp(g->actors[i].troupe, name) == 0)
            n++;
    return n;
}

struct scheduler *scheduler_create(const struct graph *g,
                                   struct steady_actor *const *actors,
                                   char *err, size_t errlen)
{
    struct scheduler *s = calloc(1, sizeof(*s));

    if (!s)
        goto err_oom;
    s->lanes = calloc(g->n_actors ? g->n_actors : 1, sizeof(*s->lanes));
    if (!s->lanes)
        goto err_oom;
    for (size_t i = 0; i < g->n_actors; i++) {
        const struct graph_actor *ga = &g->actors[i];
        struct lane *l;

        if (!ga->troupe) {
            l = &s->lanes[s->n++];
            l->solo = actors[i];
            l->name = ga->name;
            l->cpu = ga->cpu;
            l->stack_size = (size_t)ga->stack_kib * 1024;
            continue;
        }
        l = find_troupe(s, ga->troupe);
        if (!l) {
            l = &s->lanes[s->n++];
            l->name = ga->troupe;
            l->cpu = -1;
            l->troupe = troupe_create(ga->troupe, troupe_size(g, ga->troupe));
            if (!l->troupe)
                goto err_oom;
        }
        if (ga->cpu >= 0)
            l->cpu = ga->cpu;
        troupe_add(l->troupe, actors[i], (size_t)ga->stack_kib * 1024);
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

int scheduler_start(struct scheduler *s, char *err, size_t errlen)
{
    sigset_t block, old;
    int rc = 0;

    /* without it an overflow is a plain SIGSEGV: worth a warning only */
    if (stack_guard_install() < 0)
        steady_warn(NULL, "cannot install the stack overflow handler: %s",
                    strerror(errno));

    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    for (size_t i = 0; i < s->n; i++) {
        struct lane *l = &s->lanes[i];
        pthread_attr_t attr;
        int e = lane_attr(l, &attr);

        if (!e) {
            e = pthread_create(&l->thread, &attr, lane_thread, l);
            pthread_attr_destroy(&attr);
        }

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
