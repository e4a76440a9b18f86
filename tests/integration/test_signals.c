/* test_signals.c - what each signal does to a running `steady`, and what a
 * stderr or stdout that nobody reads (or that is closed) does: SIGHUP and
 * SIGTERM drain like SIGINT, SIGUSR1/2 are ignored, SIGPIPE never kills, a
 * stalled stderr neither freezes the graph nor the signal handling (lines
 * are dropped, counted in /metrics and reported), and an init that never
 * returns still lets the first signal shut down and the second force. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include "tel_client.h"

#include <cmocka.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#define STANDARD STEADY_SOURCE_DIR "/graphs/standard.yaml"
#define FAULTS   STEADY_SOURCE_DIR "/tests/graphs/faults/faults.yaml"

static uint64_t ms_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void fizzbuzz_text(unsigned long long v, char *buf, size_t len)
{
    if (v % 15 == 0)
        snprintf(buf, len, "Msg FizzBuzz");
    else if (v % 3 == 0)
        snprintf(buf, len, "Msg Fizz");
    else if (v % 5 == 0)
        snprintf(buf, len, "Msg Buzz");
    else
        snprintf(buf, len, "Msg Value(%llu)", v);
}

/* The logger's lines are exactly fizzbuzz(0..N-1), N what the generator
 * says it sent: the graph drained. */
static void assert_exact_sequence(const char *out)
{
    const char *sent = strstr(out, "[generator] sent ");
    unsigned long long n = 0, i = 0;
    const char *p = out;

    assert_non_null(sent);
    assert_int_equal(sscanf(sent, "[generator] sent %llu", &n), 1);
    while ((p = strstr(p, "[logger] Msg "))) {
        char want[64];
        const char *msg = p + strlen("[logger] ");
        size_t len = strcspn(msg, "\n");

        fizzbuzz_text(i, want, sizeof(want));
        if (len != strlen(want) || strncmp(msg, want, len) != 0)
            fail_msg("message %llu is '%.*s', expected '%s'", i, (int)len, msg,
                     want);
        i++;
        p = msg + len;
    }
    assert_int_equal(i, n);
}

/* ---- a host whose stderr (and maybe stdout) is a pipe ------------------ */

struct piped {
    struct host_run h; /* stdout in h.out_path unless both go to the pipe */
    int rd;            /* the pipe's read end, non-blocking */
    char *text;        /* what was read from it so far */
    size_t len, cap;
};

/* Starts steady ARGS with stderr (and, if both, stdout) into a pipe of the
 * smallest size, which the test reads only when it wants to. */
static void piped_start(struct piped *p, const char *const *args, bool both)
{
    const char *argv[64];
    posix_spawn_file_actions_t fa;
    int fds[2], fd;
    size_t n = 0;

    memset(p, 0, sizeof(*p));
    p->h.status = -1;
    snprintf(p->h.out_path, sizeof(p->h.out_path), "/tmp/steady-sig-XXXXXX");
    fd = mkstemp(p->h.out_path);
    assert_true(fd >= 0);
    assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
    fcntl(fds[0], F_SETPIPE_SZ, 4096);
    argv[n++] = STEADY_HOST_BIN;
    while (*args && n < 62)
        argv[n++] = *args++;
    argv[n] = NULL;
    setenv("STEADY_PLUGIN_PATH", STEADY_TEST_PLUGIN_DIR, 1);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, both ? fds[1] : fd, 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    assert_int_equal(posix_spawn(&p->h.pid, STEADY_HOST_BIN, &fa, NULL,
                                 (char **)argv, environ),
                     0);
    posix_spawn_file_actions_destroy(&fa);
    close(fd);
    close(fds[1]);
    p->h.pidfd = (int)syscall(SYS_pidfd_open, p->h.pid, 0);
    p->rd = fds[0];
    fcntl(p->rd, F_SETFL, O_NONBLOCK);
}

/* Reads what the pipe holds now. Returns false at end of file. */
static bool piped_read(struct piped *p)
{
    for (;;) {
        ssize_t n;

        if (p->cap - p->len < 4097) {
            p->cap = p->cap ? 2 * p->cap : 65536;
            p->text = realloc(p->text, p->cap);
            assert_non_null(p->text);
        }
        n = read(p->rd, p->text + p->len, p->cap - p->len - 1);
        if (n > 0) {
            p->len += (size_t)n;
            p->text[p->len] = '\0';
            continue;
        }
        if (n == 0)
            return false;
        if (p->text)
            p->text[p->len] = '\0';
        return true; /* EAGAIN: all there is for now */
    }
}

/* Reads until `text` has come, at most timeout_ms. */
static bool piped_await(struct piped *p, const char *text, int timeout_ms)
{
    uint64_t end = ms_now() + (uint64_t)timeout_ms;

    while (ms_now() < end) {
        struct pollfd pfd = { .fd = p->rd, .events = POLLIN };
        bool open = piped_read(p);

        if (p->text && strstr(p->text, text))
            return true;
        if (!open)
            return false;
        poll(&pfd, 1, 50);
    }
    return false;
}

/* Reads until `bytes` more than now have come, at most timeout_ms. */
static bool piped_read_past(struct piped *p, size_t bytes, int timeout_ms)
{
    uint64_t end = ms_now() + (uint64_t)timeout_ms;
    size_t want = p->len + bytes;

    while (ms_now() < end) {
        struct pollfd pfd = { .fd = p->rd, .events = POLLIN };

        if (!piped_read(p))
            return false;
        if (p->len >= want)
            return true;
        poll(&pfd, 1, 50);
    }
    return false;
}

/* Reads to end of file, at most timeout_ms. */
static void piped_drain(struct piped *p, int timeout_ms)
{
    uint64_t end = ms_now() + (uint64_t)timeout_ms;

    while (ms_now() < end && piped_read(p)) {
        struct pollfd pfd = { .fd = p->rd, .events = POLLIN };

        poll(&pfd, 1, 50);
    }
}

/* The pipe is full, give or take the line that did not fit: the host is
 * stuck on stderr unless it copes. */
static bool pipe_full(int fd)
{
    int queued = 0, size = fcntl(fd, F_GETPIPE_SZ);

    return ioctl(fd, FIONREAD, &queued) == 0 && size > 0 &&
           queued + 1600 >= size;
}

static bool await_pipe_full(int fd, int timeout_ms)
{
    struct timespec step = { 0, 10 * 1000 * 1000 };

    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        if (pipe_full(fd))
            return true;
        nanosleep(&step, NULL);
    }
    return false;
}

static void piped_free(struct piped *p)
{
    close(p->rd);
    free(p->text);
    free(p->h.output);
}

/* The port in "metrics http://127.0.0.1:PORT/metrics". */
static int metrics_port(const char *log)
{
    const char *at = strstr(log, "metrics http://127.0.0.1:");
    int port = 0;

    assert_non_null(at);
    assert_int_equal(sscanf(at, "metrics http://127.0.0.1:%d", &port), 1);
    return port;
}

/* log_lines_dropped_total from /metrics; -1 when it cannot be fetched. */
static long long dropped_lines(int port)
{
    struct http_reply r = http_get(port, "/metrics");
    const char *at;
    long long n = -1;

    if (r.status == 200 && r.body &&
        strstr(r.body, "# TYPE log_lines_dropped_total counter") &&
        (at = strstr(r.body, "\nlog_lines_dropped_total ")))
        n = strtoll(at + strlen("\nlog_lines_dropped_total "), NULL, 10);
    http_reply_free(&r);
    return n;
}

/* ---- each signal ------------------------------------------------------- */

/* SIGHUP and SIGTERM end the process at once no more: they drain. */
static void check_drains(int signo, const char *name)
{
    const char *args[] = { "run",    STANDARD,      "--rate", "20", "--beats",
                           "100000", "--telemetry", "off",    NULL };
    char said[64];
    struct host_run h;

    assert_int_equal(host_start(&h, args), 0);
    assert_true(host_await_output(&h, "[heartbeat] beat 2", 10000));
    kill(h.pid, signo);
    assert_int_equal(host_wait(&h, 20000), 0);
    snprintf(said, sizeof(said), "%s: shutting down", name);
    assert_non_null(strstr(h.output, said));
    assert_non_null(strstr(h.output, "stopped cleanly"));
    assert_exact_sequence(h.output);
    free(h.output);
}

static void test_sighup_drains(void **state)
{
    (void)state;
    check_drains(SIGHUP, "SIGHUP");
}

static void test_sigterm_drains(void **state)
{
    (void)state;
    check_drains(SIGTERM, "SIGTERM");
}

static void test_sigusr_ignored(void **state)
{
    const char *args[] = { "run",    STANDARD,      "--rate", "20", "--beats",
                           "100000", "--telemetry", "off",    NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_start(&h, args), 0);
    assert_true(host_await_output(&h, "[heartbeat] beat 1", 10000));
    kill(h.pid, SIGUSR1);
    assert_true(host_await_output(&h, "SIGUSR1 ignored", 10000));
    kill(h.pid, SIGUSR2);
    assert_true(host_await_output(&h, "SIGUSR2 ignored", 10000));
    kill(h.pid, SIGPIPE);
    /* still beating after all three */
    assert_true(host_await_output(&h, "[heartbeat] beat 8", 10000));
    kill(h.pid, SIGINT);
    assert_int_equal(host_wait(&h, 20000), 0);
    assert_null(strstr(h.output, "shutting down (SIGUSR"));
    assert_non_null(strstr(h.output, "stopped cleanly"));
    assert_exact_sequence(h.output);
    free(h.output);
}

/* Removes the files in dir (not recursive). */
static void remove_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    while (d && (e = readdir(d))) {
        char path[512];

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
}

/* `steady run g.yaml 2>&1 | head -1`: the reader goes away; the graph
 * runs on, and still drains and saves its state on SIGINT. */
static void test_closed_output_never_kills(void **state)
{
    char dir[] = "/tmp/steady-sigpipe-XXXXXX";
    char state_file[96];
    const char *args[] = { "run",         STANDARD,      "--rate",
                           "20",          "--beats",     "100000",
                           "--telemetry", "127.0.0.1:0", "--state-dir",
                           dir,           NULL };
    struct piped p;
    struct stat st;
    long long dropped = -1;
    int port;

    (void)state;
    assert_non_null(mkdtemp(dir));
    piped_start(&p, args, true);
    assert_true(piped_await(&p, "metrics http://127.0.0.1:", 10000));
    port = metrics_port(p.text);
    close(p.rd); /* head -1 is done */
    p.rd = -1;
    /* every line now meets EPIPE: counted as dropped, and nobody dies */
    for (int i = 0; i < 400 && dropped <= 0; i++) {
        struct timespec step = { 0, 25 * 1000 * 1000 };

        dropped = dropped_lines(port);
        nanosleep(&step, NULL);
    }
    assert_true(dropped > 0);
    kill(p.h.pid, SIGPIPE); /* sent on purpose: ignored as well */
    assert_true(dropped_lines(port) >= dropped);
    kill(p.h.pid, SIGINT);
    assert_int_equal(host_wait(&p.h, 20000), 0);
    snprintf(state_file, sizeof(state_file), "%s/generator.state", dir);
    assert_int_equal(stat(state_file, &st), 0);
    remove_files(dir);
    assert_int_equal(rmdir(dir), 0);
    free(p.text);
    free(p.h.output);
}

/* ---- a stderr that nobody reads ---------------------------------------- */

/* The graph stops by itself, on schedule, although every line it logs
 * after the first 4 KiB has nowhere to go. */
static void test_stalled_stderr_stops_on_schedule(void **state)
{
    const char *args[] = { "run", STANDARD,      "--rate", "20", "--beats",
                           "25",  "--telemetry", "off",    NULL };
    struct piped p;
    uint64_t start = ms_now();

    (void)state;
    piped_start(&p, args, false);
    assert_int_equal(host_wait(&p.h, 20000), 0);
    /* 25 beats of 20 ms, the shutdown, a second for the log: not 20 s */
    assert_true(ms_now() - start < 10000);
    assert_true(pipe_full(p.rd));
    piped_drain(&p, 5000);
    /* what did get through is whole lines in order */
    assert_non_null(strstr(p.text, "[steady] graph 'standard' starting"));
    assert_non_null(strstr(p.text, "[heartbeat] beat 0\n"));
    piped_free(&p);
}

/* With stderr full, a signal still stops the graph: the handler does not
 * write, and the thread that logs it does not wait on stderr for long. */
static void test_stalled_stderr_signal_stops(void **state)
{
    const char *args[] = { "run",    STANDARD,      "--rate", "20", "--beats",
                           "100000", "--telemetry", "off",    NULL };
    struct piped p;

    (void)state;
    piped_start(&p, args, false);
    assert_true(await_pipe_full(p.rd, 10000));
    kill(p.h.pid, SIGINT);
    assert_int_equal(host_wait(&p.h, 20000), 0);
    piped_free(&p);
}

/* Lines dropped while stderr was stuck are counted in /metrics and, once
 * stderr moves again, reported before the last line. */
static void test_stalled_stderr_drops_reported(void **state)
{
    const char *args[] = { "run",         STANDARD,      "--rate",
                           "20",          "--beats",     "100000",
                           "--telemetry", "127.0.0.1:0", NULL };
    struct piped p;
    long long dropped = -1;
    int port;

    (void)state;
    piped_start(&p, args, false);
    assert_true(piped_await(&p, "metrics http://127.0.0.1:", 10000));
    port = metrics_port(p.text);
    /* the test stops reading: the pipe fills, a second later lines drop */
    for (int i = 0; i < 400 && dropped <= 0; i++) {
        struct timespec step = { 0, 25 * 1000 * 1000 };

        dropped = dropped_lines(port);
        nanosleep(&step, NULL);
    }
    assert_true(dropped > 0);
    /* reading again, past the backlog (the queue is full when lines drop):
     * stderr moves now, so what the host says at the end gets through */
    assert_true(piped_read_past(&p, 256 * 1024 + 8192, 20000));
    kill(p.h.pid, SIGINT);
    piped_drain(&p, 20000);
    assert_int_equal(host_wait(&p.h, 20000), 0);
    assert_non_null(strstr(p.text, "log lines were dropped because stderr "
                                   "did not take them"));
    assert_non_null(strstr(p.text, "stopped cleanly"));
    piped_free(&p);
}

/* ---- an init that never returns ---------------------------------------- */

static void test_blocked_init_second_signal_forces(void **state)
{
    const char *args[] = { "run", FAULTS, "--mode", "block_init", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_start(&h, args), 0);
    assert_true(host_await_output(&h, "[rogue] init begins", 10000));
    kill(h.pid, SIGINT);
    assert_true(
        host_await_output(&h, "shutdown requested during start-up", 10000));
    kill(h.pid, SIGTERM);
    assert_int_equal(host_wait(&h, 20000), 130);
    assert_non_null(strstr(h.output, "SIGTERM again: forced stop"));
    assert_non_null(strstr(h.output, "steady: stopped by a second signal "
                                     "during start-up; actor 'rogue' "
                                     "(plugin tp_faults) is still in init"));
    free(h.output);
}

static void test_blocked_init_first_signal_times_out(void **state)
{
    const char *args[] = { "run", FAULTS, "--mode", "block_init", NULL };
    struct host_run h;
    uint64_t start;

    (void)state;
    assert_int_equal(host_start(&h, args), 0);
    assert_true(host_await_output(&h, "[rogue] init begins", 10000));
    start = ms_now();
    kill(h.pid, SIGINT);
    assert_int_equal(host_wait(&h, 20000), 1);
    assert_true(ms_now() - start < 15000);
    assert_non_null(strstr(h.output, "SIGINT: shutting down"));
    assert_non_null(strstr(h.output, "steady: shutdown timed out after 2000 "
                                     "ms during start-up; actor 'rogue' "
                                     "(plugin tp_faults) is still in init"));
    free(h.output);
}

/* An init that ends within the shutdown timeout: the graph stops cleanly
 * without starting, and every init is paired with its destroy. */
static void test_slow_init_then_clean_stop(void **state)
{
    const char *args[] = { "run", FAULTS, "--init_ms", "300", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_start(&h, args), 0);
    assert_true(host_await_output(&h, "[rogue] init begins", 10000));
    kill(h.pid, SIGINT);
    assert_int_equal(host_wait(&h, 20000), 0);
    assert_non_null(strstr(h.output, "[rogue] init done"));
    assert_non_null(strstr(h.output, "shutdown requested while graph "
                                     "'faults' was starting; no actor ran"));
    assert_non_null(strstr(h.output, "[calm] destroyed"));
    assert_non_null(strstr(h.output, "[rogue] destroyed"));
    assert_null(strstr(h.output, "starting: 2 actors"));
    free(h.output);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sighup_drains),
        cmocka_unit_test(test_sigterm_drains),
        cmocka_unit_test(test_sigusr_ignored),
        cmocka_unit_test(test_closed_output_never_kills),
        cmocka_unit_test(test_stalled_stderr_stops_on_schedule),
        cmocka_unit_test(test_stalled_stderr_signal_stops),
        cmocka_unit_test(test_stalled_stderr_drops_reported),
        cmocka_unit_test(test_blocked_init_second_signal_forces),
        cmocka_unit_test(test_blocked_init_first_signal_times_out),
        cmocka_unit_test(test_slow_init_then_clean_stop),
    };

    signal(SIGPIPE, SIG_IGN); /* the metrics client's sockets */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
