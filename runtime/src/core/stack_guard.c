/* stack_guard.c - names the actor whose stack overflowed (see
 * stack_guard.h). The handler only reads this thread's watch, polls and
 * writes stderr, and calls _exit: all async-signal-safe.
 */
#include "stack_guard.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* What the handler checks on the faulting thread. */
struct watch {
    const char *lo; /* guard region of what runs now; NULL: none */
    size_t len;
    const char *msg;
    size_t msg_len;
    void *alt; /* our alternate signal stack, and the one before it */
    size_t alt_size;
    stack_t old_alt;
};

static _Thread_local struct watch watch;

static struct sigaction previous; /* SIGSEGV's action before ours */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int install_errno;

/* Writes all of msg, giving up after a second: a stderr nobody reads must
 * not keep a dying process alive. */
static void write_bounded(const char *msg, size_t len)
{
    struct pollfd p = { STDERR_FILENO, POLLOUT, 0 };

    while (len && poll(&p, 1, 1000) == 1) {
        ssize_t n = write(STDERR_FILENO, msg, len);
        if (n <= 0)
            return;
        msg += n;
        len -= (size_t)n;
    }
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    const char *addr = si->si_addr;
    int saved = errno;

    if (watch.lo && watch.msg && addr >= watch.lo &&
        (size_t)(addr - watch.lo) < watch.len) {
        write_bounded(watch.msg, watch.msg_len);
        _exit(1);
    }
    /* not an actor's overflow: whatever handled it before us does */
    if (previous.sa_flags & SA_SIGINFO) {
        previous.sa_sigaction(sig, si, uc);
    } else if (previous.sa_handler != SIG_DFL &&
               previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
    } else {
        /* default action: back to it, and the faulting instruction runs
         * again and gets it (a sent signal is raised again) */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        sigaction(sig, &dfl, NULL);
        if (si->si_code <= 0)
            raise(sig);
    }
    errno = saved;
}

static void install_once(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &previous) < 0)
        install_errno = errno;
}

int stack_guard_install(void)
{
    pthread_once(&once, install_once);
    if (install_errno) {
        errno = install_errno;
        return -1;
    }
    return 0;
}

int stack_guard_thread_enter(void)
{
    size_t size = (size_t)sysconf(_SC_SIGSTKSZ);
    stack_t ss;
    void *alt;

    /* room for the handler, and for a sanitizer's when it chains there */
    if (size < 64 * 1024)
        size = 64 * 1024;
    alt = mmap(NULL, size, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (alt == MAP_FAILED)
        return -1;
    ss.ss_sp = alt;
    ss.ss_size = size;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, &watch.old_alt) < 0) {
        int e = errno;
        munmap(alt, size);
        errno = e;
        return -1;
    }
    watch.alt = alt;
    watch.alt_size = size;
    return 0;
}

void stack_guard_thread_exit(void)
{
    stack_guard_watch(NULL, 0, NULL);
    if (!watch.alt)
        return;
    /* give back the one there was before (a sanitizer's, say): whoever
     * set it up frees it */
    if (watch.old_alt.ss_flags & SS_DISABLE) {
        stack_t off = { .ss_flags = SS_DISABLE };
        sigaltstack(&off, NULL);
    } else {
        sigaltstack(&watch.old_alt, NULL);
    }
    munmap(watch.alt, watch.alt_size);
    watch.alt = NULL;
}

void stack_guard_watch(const void *lo, size_t len, const char *msg)
{
    watch.lo = NULL; /* never a range with another's message */
    atomic_signal_fence(memory_order_seq_cst);
    watch.len = len;
    watch.msg = msg;
    watch.msg_len = msg ? strlen(msg) : 0;
    atomic_signal_fence(memory_order_seq_cst);
    watch.lo = lo;
}

int stack_guard_of_thread(const void **lo, size_t *len, size_t *stack_size)
{
    pthread_attr_t attr;
    void *stack;
    size_t size, guard;
    int e;

    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return -1;
    e = pthread_attr_getstack(&attr, &stack, &size) ||
        pthread_attr_getguardsize(&attr, &guard);
    pthread_attr_destroy(&attr);
    if (e || guard == 0 || (uintptr_t)stack < guard)
        return -1;
    /* glibc keeps a thread's guard right below its lowest usable byte */
    *lo = (const char *)stack - guard;
    *len = guard;
    *stack_size = size;
    return 0;
}

char *stack_guard_message(const char *actor, size_t stack_bytes,
                          const char *troupe)
{
    char *msg;
    int n;

    if (troupe)
        n = asprintf(&msg,
                     "steady: actor '%s' failed: stack overflow (its %zu KiB "
                     "fiber stack in troupe '%s' is too small; raise "
                     "stack_kib for it); the process cannot safely continue "
                     "and exits with status 1\n",
                     actor, stack_bytes / 1024, troupe);
    else
        n = asprintf(&msg,
                     "steady: actor '%s' failed: stack overflow (its %zu KiB "
                     "thread stack is too small; raise stack_kib for it); "
                     "the process cannot safely continue and exits with "
                     "status 1\n",
                     actor, stack_bytes / 1024);
    return n < 0 ? NULL : msg;
}
