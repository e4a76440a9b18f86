/* fiber.c - ucontext coroutines with guard-paged stacks (see fiber.h). */
#include "fiber.h"

#include "fiber_sanitizer.h"
#include "stack_guard.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void fiber_init_thread(struct fiber *f)
{
    memset(f, 0, sizeof(*f));
    f->tsan = tsan_current();
}

int fiber_create(struct fiber *f, size_t stack_size, void (*entry)(void))
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t size = (stack_size + page - 1) / page * page;
    size_t guard = (STACK_GUARD_SIZE + page - 1) / page * page;
    void *map;

    memset(f, 0, sizeof(*f));
    /* All of it inaccessible, then the stack above the guard opened: the
     * guard traps an overflow (stack_guard.c names the actor) instead of
     * letting it write into whatever lies below, and costs address space
     * only. */
    map = mmap(NULL, guard + size, PROT_NONE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (map == MAP_FAILED)
        return -1;
    if (mprotect((char *)map + guard, size, PROT_READ | PROT_WRITE) < 0) {
        munmap(map, guard + size);
        return -1;
    }
    f->map = map;
    f->map_size = guard + size;
    f->guard_size = guard;
    f->stack = (char *)map + guard;
    f->stack_size = size;
    if (getcontext(&f->ctx) != 0) {
        munmap(map, f->map_size);
        f->map = NULL;
        return -1;
    }
    f->ctx.uc_stack.ss_sp = (void *)f->stack;
    f->ctx.uc_stack.ss_size = size;
    f->ctx.uc_link = NULL;
    makecontext(&f->ctx, entry, 0);
    f->tsan = tsan_create();
    return 0;
}

void fiber_destroy(struct fiber *f)
{
    if (f->map) {
        munmap(f->map, f->map_size);
        f->map = NULL;
    }
    if (f->tsan && f->stack) {
        tsan_destroy(f->tsan);
        f->tsan = NULL;
    }
}

void fiber_switch(struct fiber *from, struct fiber *to)
{
    san_start_switch(&from->asan_fake, to->stack, to->stack_size);
    tsan_switch(to->tsan);
    swapcontext(&from->ctx, &to->ctx);
    /* back in `from`: learn where we came from (ASan) */
    san_finish_switch(from->asan_fake, NULL, NULL);
}

void fiber_started(struct fiber *self)
{
    (void)self;
    san_finish_switch(NULL, NULL, NULL);
}

void fiber_exit(struct fiber *self, struct fiber *to)
{
    (void)self;
    /* NULL: this fiber's fake stack can go, it never resumes */
    san_start_switch(NULL, to->stack, to->stack_size);
    tsan_switch(to->tsan);
    setcontext(&to->ctx);
    abort(); /* setcontext returns only on failure */
}
