/* scheduler.h - puts actors on threads: a solo actor gets a thread of its
 * own named after it, the members of a troupe share one named after the
 * troupe. `cpu:` pins a solo actor's or a troupe's thread. Each thread runs
 * its actors under the supervisor until they are finished for good.
 */
#ifndef STEADY_SCHEDULER_H
#define STEADY_SCHEDULER_H

#include "actor_impl.h"

#include <stddef.h>

struct scheduler;

/* Where one actor runs. */
struct scheduler_place {
    const char *troupe; /* NULL: solo, on a thread of its own; borrowed */
    int cpu;            /* -1: not pinned */
};

/* Plans threads for n actors (actors[i] placed by places[i]) and moves
 * troupe members onto their troupe's waker. Call before any port is bound:
 * the channels must learn the right waker. NULL with err set when out of
 * memory. */
struct scheduler *scheduler_create(struct steady_actor *const *actors,
                                   const struct scheduler_place *places,
                                   size_t n, char *err, size_t errlen);
/* Starts the threads, with SIGINT and SIGTERM blocked on them. Returns 0,
 * or -1 with err set; then the threads already started keep running and
 * the caller shuts them down and joins. */
int scheduler_start(struct scheduler *s, char *err, size_t errlen);
/* How many threads it starts: solo actors plus troupes. */
size_t scheduler_threads(const struct scheduler *s);
/* Waits for every started thread; call once all actors have finished. */
void scheduler_join(struct scheduler *s);
void scheduler_destroy(struct scheduler *s);

#endif
