/* fd_wait.h - the file descriptor conditions of <steady/actor.h>
 * (steady_readable, steady_writable): the fds of one await, polled without
 * waiting each time the await looks at its conditions, and slept on beside
 * the waker (waker_poll) when the actor parks. A troupe gathers the fds of
 * its parked members into one poll (struct fd_union).
 * Everything here runs on the actor's (troupe's) own thread.
 */
#ifndef STEADY_FD_WAIT_H
#define STEADY_FD_WAIT_H

#include "actor_impl.h"

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

/* The fd conditions of the await in progress, kept by the actor from one
 * await to the next (sized to the largest). */
struct fd_wait {
    struct pollfd *pfds; /* [0]: the waker's slot (waker_poll); [1..n]: the
                            fd conditions, in the order of the await */
    size_t n;            /* fd conditions in the current await */
    size_t cap;          /* room in pfds after [0] */
    unsigned at_once;    /* awaits with fds met in a row without parking */
};

static inline bool fd_cond(const struct steady_cond *c)
{
    return c->kind == STEADY_COND_READABLE || c->kind == STEADY_COND_WRITABLE;
}

/* Prepares the fd conditions among conds for the await that begins:
 * records each fd, and makes sure the actor's waker can be slept on with
 * them. Returns how many there are (0: nothing done). A negative fd, no
 * memory or no eventfd ends the run with steady_panic naming the fd. */
size_t fd_wait_prepare(struct steady_actor *a, const struct steady_cond *conds,
                       size_t n);
/* Polls the prepared fds once, without waiting. An fd that is not open
 * ends the run with steady_panic naming it. */
void fd_wait_poll(struct steady_actor *a);
/* Whether the k-th fd condition (0-based, in await order) was met by the
 * last fd_wait_poll: readable (or hung up, or in error) for readable,
 * writable (or in error) for writable. */
bool fd_wait_ready(const struct steady_actor *a, size_t k);
/* For the spin detector, after an await that returned true with `met`
 * conditions met: when every one of them is an fd that has reached its
 * end (hung up with nothing left to read, or in error), such an fd;
 * otherwise -1. *readable says which kind it was waited on as. */
int fd_wait_ended(const struct steady_actor *a, size_t met, bool *readable);
/* After an await with fd conditions; `waited` when it did not return at
 * its first look. An fd that is always ready (a firehose) would keep a
 * troupe member from ever parking: every FD_YIELD_EVERY awaits in a row met
 * at once, a member lets its mates run before it goes on. */
#define FD_YIELD_EVERY 16u
void fd_wait_after(struct steady_actor *a, bool waited);
/* Right before park: the fds to sleep on, or NULL for none. Fds whose
 * conditions the last poll found met are left out (an await_all waiting
 * for its other conditions: a sleep on a ready fd would return at once,
 * again and again); fd_wait_unpark puts them back. */
struct fd_wait *fd_wait_park(struct steady_actor *a);
void fd_wait_unpark(struct steady_actor *a);
/* Sleeps on the actor's waker and its prepared fds (solo actors). */
void fd_wait_sleep(struct steady_actor *a, struct fd_wait *f, uint32_t seen,
                   uint64_t deadline_ns);
void fd_wait_free(struct fd_wait *f);

/* The fds of a troupe's parked members, polled together. */
struct fd_union {
    struct pollfd *pfds; /* [0]: the troupe's waker (waker_poll) */
    size_t *owner;       /* for pfds[j], j >= 1: the member it belongs to */
    size_t n, cap;
};

/* Empties the union for a new gathering. */
void fd_union_reset(struct fd_union *u);
/* Adds the parked fds of member `owner`. 0, or -1 when out of memory. */
int fd_union_add(struct fd_union *u, const struct fd_wait *f, size_t owner);
/* Sleeps on the waker and the gathered fds as waker_poll (sleep true), or
 * only looks at the fds without waiting (sleep false). Returns how many
 * fds have an event (see fd_union_ready), or -1 with errno. */
int fd_union_wait(struct fd_union *u, struct waker *w, uint32_t seen,
                  uint64_t deadline_ns, bool sleep);
/* After fd_union_wait: whether pfds[j] has an event, and its owner. */
static inline bool fd_union_ready(const struct fd_union *u, size_t j)
{
    return u->pfds[j].revents != 0;
}
void fd_union_free(struct fd_union *u);

#endif
