/* process.c - the `steady` process around a graph: messages to stderr,
 * leaving, and signals. The handler only writes the signal's number into a
 * non-blocking pipe (async-signal-safe, cannot block); a signal thread reads
 * it and does the rest: logging, and asking the runtime to shut down or to
 * stop.
 */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/log.h>
#include <string.h>
#include <unistd.h>

/* How long the log may take to reach stderr before the process leaves. */
#define FLUSH_STALL_MS 1000u

void process_say(const char *fmt, ...)
{
    char text[4096];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    steady_log_text(text);
}

void process_leave(int status)
{
    (void)steady_log_flush(FLUSH_STALL_MS);
    fflush(stdout);
    _exit(status);
}

/* ---- signals -----------------------------------------------------------
 * The handler only writes the signal's number into a non-blocking pipe
 * (async-signal-safe, cannot block). The signal thread reads it and does
 * the rest: logging, and asking the runtime to shut down or stop. */

static const int drain_signals[] = { SIGINT, SIGTERM, SIGHUP };
static const int ignored_signals[] = { SIGUSR1, SIGUSR2 };

static int signal_pipe[2] = { -1, -1 };

static struct {
    pthread_mutex_t lock;
    struct steady_runtime *rt; /* the graph running now, or NULL */
    bool loading_run;          /* `run` is loading: a signal waits for it */
    bool run_over;             /* the run has ended: nothing left to drain */
    int run_status;            /* then the exit status it ended with */
    unsigned count;            /* shutdown signals received */
} sig = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void on_signal(int signo)
{
    int saved = errno;
    unsigned char b = (unsigned char)signo;

    (void)!write(signal_pipe[1], &b, 1);
    errno = saved;
}

static void on_drain_signal(int signo)
{
    const char *name = sigabbrev_np(signo);
    bool running, waiting, over;
    int status;
    unsigned n;

    pthread_mutex_lock(&sig.lock);
    n = ++sig.count;
    running = sig.rt != NULL;
    waiting = sig.loading_run;
    over = sig.run_over;
    status = sig.run_status;
    pthread_mutex_unlock(&sig.lock);
    if (over) {
        /* the run has decided its outcome and saved what it keeps: an
         * orchestrator's late stop changes neither, so the process leaves
         * now, with the run's status, not "interrupted" */
        process_say("steady: SIG%s after the run had ended: leaving with "
                    "its status (%d)\n",
                    name, status);
        process_leave(status);
    }
    if (!running && !waiting) {
        /* check or inspect: nothing to drain */
        process_say("steady: SIG%s: interrupted\n", name);
        process_leave(EXIT_FORCED);
    }
    /* said first, so that the log reads cause before effect */
    if (n == 1)
        steady_info(NULL,
                    "SIG%s: shutting down (SIGINT, SIGTERM or SIGHUP again "
                    "forces the stop)",
                    name);
    else
        steady_warn(NULL, "SIG%s again: forced stop", name);
    pthread_mutex_lock(&sig.lock);
    running = sig.rt != NULL;
    if (running && n == 1)
        steady_runtime_request_shutdown(sig.rt);
    else if (running)
        steady_runtime_force_stop(sig.rt);
    pthread_mutex_unlock(&sig.lock);
    if (n > 1 && !running) {
        process_say(
            "steady: stopped by a second signal before the graph ran\n");
        process_leave(EXIT_FORCED);
    }
}

/* The signals the host handles, blocked on every thread but this one. */
static void host_signals(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < sizeof(drain_signals) / sizeof(int); i++)
        sigaddset(set, drain_signals[i]);
    for (size_t i = 0; i < sizeof(ignored_signals) / sizeof(int); i++)
        sigaddset(set, ignored_signals[i]);
}

static void *signal_thread(void *arg)
{
    sigset_t set;

    (void)arg;
    /* the only thread that takes the host's signals: they interrupt no
     * other thread's system calls */
    host_signals(&set);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    for (;;) {
        unsigned char b;
        ssize_t n = read(signal_pipe[0], &b, 1);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return NULL;
        if (b == SIGUSR1 || b == SIGUSR2)
            steady_info(NULL, "SIG%s ignored (reserved for a later use)",
                        sigabbrev_np(b));
        else
            on_drain_signal(b);
    }
}

/* Installs the handlers, blocks the host's signals on this thread (and so
 * on every thread created from now on) and starts the signal thread. 0, or
 * -1 with errno set. */
int process_signals_start(void)
{
    struct sigaction sa;
    pthread_t t;
    sigset_t set;
    int e;

    if (pipe2(signal_pipe, O_CLOEXEC) < 0 ||
        fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK) < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    /* no SA_RESTART: the signal thread's read() returns EINTR, which is
     * when ThreadSanitizer runs a handler it deferred */
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(drain_signals) / sizeof(int); i++)
        sigaction(drain_signals[i], &sa, NULL);
    for (size_t i = 0; i < sizeof(ignored_signals) / sizeof(int); i++)
        sigaction(ignored_signals[i], &sa, NULL);
    /* a closed stdout or stderr is an EPIPE to handle, not a death */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    /* a signal that comes now waits, pending, for the signal thread */
    host_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    e = pthread_create(&t, NULL, signal_thread, NULL);
    if (e) {
        errno = e;
        return -1;
    }
    pthread_detach(t);
    pthread_setname_np(t, "steady-signal");
    return 0;
}

/* Makes rt the graph that signals act on (NULL: none any more). Returns
 * how many shutdown signals came before. */
unsigned process_signals_attach(struct steady_runtime *rt)
{
    unsigned n;

    pthread_mutex_lock(&sig.lock);
    sig.rt = rt;
    n = sig.count;
    if (rt && n)
        steady_runtime_request_shutdown(rt);
    pthread_mutex_unlock(&sig.lock);
    return n;
}

void process_signals_run_over(int status)
{
    pthread_mutex_lock(&sig.lock);
    sig.rt = NULL;
    sig.run_over = true;
    sig.run_status = status;
    pthread_mutex_unlock(&sig.lock);
}

void process_signals_loading_run(bool on)
{
    pthread_mutex_lock(&sig.lock);
    sig.loading_run = on;
    pthread_mutex_unlock(&sig.lock);
}

unsigned process_signals_count(void)
{
    unsigned n;

    pthread_mutex_lock(&sig.lock);
    n = sig.count;
    pthread_mutex_unlock(&sig.lock);
    return n;
}
