/* fiber.h - a coroutine with its own stack, switched explicitly. Troupes run
 * each member on one so a blocking wait can yield to the other members.
 * Built on ucontext, with the switch announced to AddressSanitizer and
 * ThreadSanitizer so both follow the stacks (see fiber_sanitizer.h).
 */
#ifndef STEADY_FIBER_H
#define STEADY_FIBER_H

#include <stddef.h>
#include <ucontext.h>

struct fiber {
    ucontext_t ctx;
    void *map; /* mmap'd stack with a guard region below, starting with
                  the guard; NULL for the thread's own stack */
    size_t map_size;
    size_t guard_size; /* the guard: [map, map + guard_size) */
    const void *stack; /* usable stack bottom and size, for ASan */
    size_t stack_size;
    void *asan_fake; /* ASan's fake stack while switched out */
    void *tsan;      /* ThreadSanitizer's fiber handle */
};

/* Makes `f` stand for the calling thread's own stack. */
void fiber_init_thread(struct fiber *f);
/* Creates a fiber that will run entry() on a new stack of stack_size bytes
 * (rounded to pages), with an inaccessible guard of STACK_GUARD_SIZE below.
 * entry must never return: it ends with fiber_exit. Returns 0 or -1 (out of
 * memory). */
int fiber_create(struct fiber *f, size_t stack_size, void (*entry)(void));
/* Frees a fiber's stack; the fiber must not be running. */
void fiber_destroy(struct fiber *f);
/* Saves the current context in `from` and runs `to`. */
void fiber_switch(struct fiber *from, struct fiber *to);
/* First thing a new fiber's entry calls: completes the switch into it. */
void fiber_started(struct fiber *self);
/* Leaves a finished fiber for good, running `to`. */
void fiber_exit(struct fiber *self, struct fiber *to) __attribute__((noreturn));

#endif
