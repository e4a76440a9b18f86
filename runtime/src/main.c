/* main.c - the `steady` command: run or check a graph file, describe a
 * plugin. Only acting on the parsed command line (cli_args.c) and signals
 * live here; the work is done through <steady/runtime.h>.
 */
#include "cli_args.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/log.h>
#include <steady/plugin.h>
#include <steady/runtime.h>
#include <string.h>
#include <unistd.h>

/* Exit statuses, documented in --help and the README. */
enum {
    EXIT_CLEAN = 0,
    EXIT_RUN_FAILED = 1, /* an actor failed, or shutdown timed out */
    EXIT_USAGE = 2,      /* bad flags, bad graph, bad plugin */
    EXIT_FORCED = 130,   /* a second signal cut shutdown short */
};

/* How long the log may take to reach stderr before the process leaves. */
#define FLUSH_STALL_MS 1000u

static const char usage[] =
    "Usage:\n"
    "  steady run GRAPH [--ARG VALUE]...  run a graph until it stops\n"
    "  steady check GRAPH [--ARG VALUE]... validate a graph; run nothing\n"
    "  steady inspect PLUGIN              describe a plugin's ports, params "
    "and ABI\n"
    "  steady --help | --version\n"
    "\n"
    "GRAPH is a YAML file (see graphs/standard.yaml). --ARG VALUE (or "
    "--ARG=VALUE)\n"
    "overrides an entry of the graph's `args:` (e.g. --rate 500 --beats 60); "
    "a flag\n"
    "naming no arg is an error. A value that starts with -- is given as "
    "--ARG=VALUE.\n"
    "PLUGIN is a name found on the plugin path or a path to a .so.\n"
    "\n"
    "Options (before or after the command):\n"
    "  --log-level LEVEL     error|warn|info|debug|trace (env STEADY_LOG; "
    "default info)\n"
    "  --plugin-path DIRS    extra plugin folders, ':'-separated, searched "
    "first\n"
    "                        (then env STEADY_PLUGIN_PATH, then the build's "
    "plugins/)\n"
    "  --telemetry ADDR:PORT|off  where to serve telemetry (overrides the "
    "graph);\n"
    "                        PORT is 0 (any free port) or 1-65535, digits "
    "only\n"
    "  --state-dir DIR       keep actors' persistent state in DIR across "
    "runs\n"
    "                        (overrides the graph's state_dir:)\n"
    "  -h, --help            this text\n"
    "  -V, --version         version and plugin ABI\n"
    "\n"
    "Numbers: int params are decimal (42, -7) or hex with 0x (0x2a); a "
    "leading 0\n"
    "(010) is refused rather than read as octal. Durations in ms are at "
    "most\n"
    "31536000000 (365 days).\n"
    "\n"
    "Signals: SIGINT, SIGTERM and SIGHUP request a graceful shutdown (every "
    "actor\n"
    "drains and saves its state; an init still running gets the shutdown "
    "timeout);\n"
    "a second one forces the stop and reports who had not finished. SIGHUP "
    "may mean\n"
    "reload in a later version. SIGUSR1 and SIGUSR2 are logged and "
    "ignored; SIGPIPE\n"
    "is ignored (a closed stdout or stderr never stops the graph).\n"
    "\n"
    "Exit status: 0 clean stop; 1 an actor failed (in init, run or destroy, "
    "or by\n"
    "calling exit) or shutdown timed out; 2 bad command line, graph or "
    "plugin;\n"
    "130 forced by a second signal (or a signal during check or inspect).\n";

/* ---- messages ----------------------------------------------------------
 * Everything for stderr goes through the log's queue: in order with the
 * log lines, and never stuck on a stderr that nobody reads. */

static void say(const char *fmt, ...) STEADY_PRINTF(1, 2);
static void say(const char *fmt, ...)
{
    char text[4096];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    steady_log_text(text);
}

static STEADY_NORETURN void leave_now(int status)
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
    bool running, waiting;
    unsigned n;

    pthread_mutex_lock(&sig.lock);
    n = ++sig.count;
    running = sig.rt != NULL;
    waiting = sig.loading_run;
    pthread_mutex_unlock(&sig.lock);
    if (!running && !waiting) {
        /* check, inspect, or after the run: nothing to drain */
        say("steady: SIG%s: interrupted\n", name);
        leave_now(EXIT_FORCED);
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
        say("steady: stopped by a second signal before the graph ran\n");
        leave_now(EXIT_FORCED);
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
static int signals_start(void)
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
static unsigned signals_attach(struct steady_runtime *rt)
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

static void signals_loading_run(bool on)
{
    pthread_mutex_lock(&sig.lock);
    sig.loading_run = on;
    pthread_mutex_unlock(&sig.lock);
}

static unsigned signals_count(void)
{
    unsigned n;

    pthread_mutex_lock(&sig.lock);
    n = sig.count;
    pthread_mutex_unlock(&sig.lock);
    return n;
}

/* ---- commands ---------------------------------------------------------- */

static int run_or_check(const struct cli_args *cli)
{
    struct steady_runtime_options opt = {
        .plugin_path = cli->plugin_path,
        .overrides = cli->overrides,
        .n_overrides = cli->n_overrides,
        .telemetry = cli->telemetry,
        .state_dir = cli->state_dir,
    };
    bool run = strcmp(cli->command, "run") == 0;
    struct steady_runtime *rt;
    char err[2048];
    int rc;

    signals_loading_run(run);
    rc = steady_runtime_load(cli->target, &opt, &rt, err, sizeof(err));
    if (rc < 0) {
        signals_loading_run(false);
        say("steady: %s\n", err);
        return EXIT_USAGE;
    }
    if (!run) {
        char what[256];

        steady_runtime_describe(rt, what, sizeof(what));
        printf("%s: ok, %s\n", cli->target, what);
        steady_runtime_destroy(rt);
        return EXIT_CLEAN;
    }
    signals_attach(rt);
    signals_loading_run(false);
    rc = steady_runtime_run(rt, err, sizeof(err));
    signals_attach(NULL);
    if (rc < 0) {
        say("steady: %s\n", err);
        /* actor threads may still run: leave without tearing them down */
        leave_now(signals_count() > 1 ? EXIT_FORCED : EXIT_RUN_FAILED);
    }
    steady_runtime_destroy(rt);
    return EXIT_CLEAN;
}

int main(int argc, char **argv)
{
    const char *env = getenv("STEADY_LOG");
    enum steady_log_level level;
    struct cli_args cli;
    char err[1024];
    int rc;

    if (signals_start() < 0) {
        fprintf(stderr, "steady: cannot set up signal handling: %s\n",
                strerror(errno));
        return EXIT_RUN_FAILED;
    }
    rc = cli_args_parse(&cli, argc, argv, err, sizeof(err));
    if (rc == CLI_ARGS_OK && env && *env &&
        steady_log_level_parse(env, &level) < 0) {
        snprintf(err, sizeof(err),
                 "STEADY_LOG='%s' is not one of error|warn|info|debug|trace",
                 env);
        rc = CLI_ARGS_BAD;
    }
    switch (rc) {
    case CLI_ARGS_OK:
        break;
    case CLI_ARGS_HELP:
        fputs(usage, stdout);
        cli_args_free(&cli);
        return EXIT_CLEAN;
    case CLI_ARGS_VERSION:
        printf("steady %s (plugin ABI %u.%u)\n", steady_version(),
               STEADY_ABI_MAJOR, STEADY_ABI_MINOR);
        cli_args_free(&cli);
        return EXIT_CLEAN;
    case CLI_ARGS_NO_COMMAND:
        steady_log_text(usage);
        cli_args_free(&cli);
        return EXIT_USAGE;
    default:
        say("steady: %s\nTry 'steady --help'.\n", err);
        cli_args_free(&cli);
        return EXIT_USAGE;
    }
    /* the flag wins over the environment */
    if (env && *env)
        steady_log_set_level(level);
    if (cli.has_log_level)
        steady_log_set_level(cli.log_level);
    if (strcmp(cli.command, "inspect") == 0) {
        rc = steady_inspect(cli.target, cli.plugin_path, stdout, err,
                            sizeof(err));
        if (rc < 0)
            say("steady: %s\n", err);
        rc = rc < 0 ? EXIT_USAGE : EXIT_CLEAN;
    } else {
        rc = run_or_check(&cli);
    }
    cli_args_free(&cli);
    return rc;
}
