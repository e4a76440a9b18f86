/* troupe.h - several actors cooperatively on one thread. Each member runs on
 * its own fiber; a member's blocking wait parks it and switches to the next
 * member that can make progress; the thread sleeps on the troupe's waker
 * when none can. Members' code is the same as when they run solo.
 */
#ifndef STEADY_TROUPE_H
#define STEADY_TROUPE_H

#include "actor_impl.h"

#include <stddef.h>

struct troupe;

/* A troupe named `name` with room for `capacity` members. NULL when out of
 * memory. */
struct troupe *troupe_create(const char *name, size_t capacity);
/* Adds a member: from now on it is woken through the troupe's waker and
 * parks by switching fibers. Its fiber gets a stack of stack_size bytes (0:
 * TROUPE_STACK_SIZE). Call before its ports are bound. */
void troupe_add(struct troupe *t, struct steady_actor *a, size_t stack_size);
const char *troupe_name(const struct troupe *t);
/* The thread body: runs every member under the supervisor until all have
 * finished. arg is the troupe. */
void *troupe_thread(void *arg);
/* For a troupe whose thread could not be started: finishes every member as
 * never started. */
void troupe_abandon(struct troupe *t);
void troupe_destroy(struct troupe *t);

/* Stack given to a member's fiber unless its stack_kib says otherwise. */
#define TROUPE_STACK_SIZE (256u * 1024u)

#endif
