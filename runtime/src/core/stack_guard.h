/* stack_guard.h - turns an actor's stack overflow into a one-line report
 * naming the actor, instead of a bare SIGSEGV (or, without a large enough
 * guard, silent corruption of whatever lies below the stack).
 *
 * Every actor's stack has an inaccessible guard region below it: its
 * fiber's (fiber.c) or its thread's (pthread guard). A SIGSEGV handler,
 * running on an alternate signal stack since the overflowed one is
 * unusable, recognises a fault address inside the guard of the actor
 * running on the faulting thread, writes that actor's message to stderr and
 * exits with status 1: the actor's frames are gone mid-call, so neither it
 * nor the process can safely continue. Any other fault goes on to the
 * handler installed before (or the default action).
 *
 * Private to libsteady.
 */
#ifndef STEADY_STACK_GUARD_H
#define STEADY_STACK_GUARD_H

#include <stddef.h>

/* Size of the inaccessible region kept below every actor's stack: a frame
 * of up to this size that skips the first guard page still lands in it. */
#define STACK_GUARD_SIZE ((size_t)1 << 20)

/* Installs the handler, once per process (later calls do nothing). 0, or
 * -1 with errno. Any thread. */
int stack_guard_install(void);

/* Gives the calling thread an alternate signal stack for the handler; pair
 * with stack_guard_thread_exit on the same thread. 0, or -1 with errno (the
 * thread then runs without one: an overflow is a plain SIGSEGV). */
int stack_guard_thread_enter(void);
void stack_guard_thread_exit(void);

/* From now on a fault in [lo, lo + len) on this thread prints msg (one line
 * ending in '\n', kept valid by the caller while watched) and exits 1.
 * lo NULL: nothing is watched. Cheap: called on every fiber switch. */
void stack_guard_watch(const void *lo, size_t len, const char *msg);

/* The guard region below the calling thread's own stack, and the stack's
 * size. 0, or -1 when the system does not say. */
int stack_guard_of_thread(const void **lo, size_t *len, size_t *stack_size);

/* "steady: actor 'NAME' failed: ..." for an actor whose stack of
 * stack_bytes (in troupe `troupe`, NULL when solo) overflowed. Caller frees;
 * NULL when out of memory. */
char *stack_guard_message(const char *actor, size_t stack_bytes,
                          const char *troupe);

#endif
