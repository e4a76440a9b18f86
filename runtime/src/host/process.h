/* process.h - the `steady` process around a graph: its exit statuses, its
 * messages to stderr (through the log's queue, so they keep their order
 * with log lines and never block on a stderr nobody reads), leaving, and
 * signals (process.c).
 */
#ifndef STEADY_PROCESS_H
#define STEADY_PROCESS_H

#include <stdbool.h>
#include <steady/export.h>
#include <steady/runtime.h>

/* Exit statuses, documented in --help and the README. */
enum process_exit {
    EXIT_CLEAN = 0,
    EXIT_RUN_FAILED = 1, /* an actor failed, shutdown timed out, state lost */
    EXIT_USAGE = 2,      /* bad flags, bad graph, bad plugin */
    EXIT_FORCED = 130,   /* a second signal cut shutdown short */
};

/* Writes one message to stderr, after the log lines before it. */
void process_say(const char *fmt, ...) STEADY_PRINTF(1, 2);
/* Flushes the log a bounded time and leaves at once with status. */
STEADY_NORETURN void process_leave(int status);

/* Installs the signal handlers and starts the signal thread: SIGINT,
 * SIGTERM and SIGHUP ask the attached graph to shut down (a second one
 * forces the stop), SIGUSR1/2 are logged and ignored, SIGPIPE is ignored.
 * 0, or -1 with errno. Call first, before any other thread exists. */
int process_signals_start(void);
/* Makes rt the graph that signals act on (NULL: none any more); a shutdown
 * signal that came before is applied at once. Returns how many came. */
unsigned process_signals_attach(struct steady_runtime *rt);
/* The run has ended with exit status `status` (its states saved or its
 * failure reported): a signal from now on leaves with that status. */
void process_signals_run_over(int status);
/* While `run` loads its graph, a signal waits for it rather than leaving. */
void process_signals_loading_run(bool on);
/* Shutdown signals received so far. */
unsigned process_signals_count(void);

#endif
