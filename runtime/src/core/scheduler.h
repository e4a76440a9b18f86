/* scheduler.h - puts actors on threads: a solo actor gets a thread of its
 * own named after it, the members of a troupe share one named after the
 * troupe. `cpu:` pins a solo actor's or a troupe's thread. Each thread runs
 * its actors under the supervisor until they are finished for good.
 */
#ifndef STEADY_SCHEDULER_H
#define STEADY_SCHEDULER_H

#include "actor_impl.h"

#include <signal.h>
#include <stddef.h>

struct scheduler;

/* Where one actor runs. */
struct scheduler_place {
    const char *troupe; /* NULL: solo, on a thread of its own; borrowed */
    int cpu;            /* -1: not pinned */
    size_t stack_size;  /* bytes of its fiber's (troupe) or thread's (solo)
                           stack; 0: the default */
};

/* Plans threads for n actors (actors[i] placed by places[i]) and moves
 * troupe members onto their troupe's waker. Call before any port is bound:
 * the channels must learn the right waker. NULL with err set when out of
 * memory. */
struct scheduler *scheduler_create(struct steady_actor *const *actors,
                                   const struct scheduler_place *places,
                                   size_t n, char *err, size_t errlen);
/* Starts the threads, with the host's signals blocked on them. Returns 0,
 * or -1 with err set (which thread and why) when a thread cannot be
 * created; then the actors that did not get a thread are finished as never
 * started (their outputs closed, their inputs marked gone), and those
 * already started keep running: the caller shuts them down and joins.
 * For tests, env STEADY_TEST_FAIL_THREAD=NAME makes the thread of the actor
 * or troupe NAME fail to start as with EAGAIN. */
int scheduler_start(struct scheduler *s, char *err, size_t errlen);
/* Blocks, on the calling thread, the signals the host handles (SIGINT,
 * SIGTERM, SIGHUP, SIGUSR1, SIGUSR2) so that threads created next do not
 * take them; *old gets the previous mask to restore. */
void scheduler_block_signals(sigset_t *old);
/* How many threads it starts: solo actors plus troupes. */
size_t scheduler_threads(const struct scheduler *s);
/* Waits for every started thread; call once all actors have finished. */
void scheduler_join(struct scheduler *s);
void scheduler_destroy(struct scheduler *s);

#endif
