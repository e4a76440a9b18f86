/* logger - logs every FizzBuzz message at info as "Msg FizzBuzz", "Msg Fizz",
 * "Msg Buzz" or "Msg Value(N)", and at the end how many it logged; or, with
 * summary_ms > 0, only counts each kind and logs a summary line per interval
 * and the totals at the end. It drains its input completely before it stops.
 * fail_at and fail_every inject failures, for supervision tests and
 * tools/soak.sh. With `file`, the lines go to that file instead, appended
 * with write(2); the file's length is persistent state and each run
 * starts by cutting the file back to it, so with snapshots (checkpoint_ms)
 * the file holds every message exactly once across a kill -9.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <steady/steady.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { IN };

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, STEADY_TYPE_FIZZBUZZ,
             sizeof(struct steady_fizzbuzz_msg), true },
};

static const struct steady_port_info port_info[] = {
    [IN] = { .doc = "FizzBuzz messages to log (or count)" },
};

enum { SUMMARY_MS, FAIL_AT, FAIL_EVERY, FILE_PARAM };

static const struct steady_param_desc params[] = {
    [SUMMARY_MS] = { "summary_ms", STEADY_PARAM_INT, "0",
                     "0: log every message; N: count them and log a summary "
                     "every N ms (at most 365 days) and the totals at "
                     "shutdown" },
    [FAIL_AT] = { "fail_at", STEADY_PARAM_INT, "-1",
                  "failure injection: panic once just before logging this "
                  "value (-1: never)" },
    [FAIL_EVERY] = { "fail_every", STEADY_PARAM_INT, "0",
                     "failure injection: panic once just before logging "
                     "each positive multiple of this (0: never)" },
    [FILE_PARAM] = { "file", STEADY_PARAM_STRING, "",
                     "append the lines to this file instead of the log; "
                     "its length is kept in the state and each run cuts "
                     "the file back to it (\"\": log them)" },
};

/* Checked by the host before init (and by `steady check`). The period
 * becomes nanoseconds: bounded so that it cannot wrap. */
static const struct steady_param_limits limits[] = {
    [SUMMARY_MS] = { .min = "0", .max = "31536000000" },
    [FAIL_AT] = { .min = "-1" },
    [FAIL_EVERY] = { .min = "0" },
    [FILE_PARAM] = { 0 },
};
_Static_assert(31536000000 == STEADY_WAIT_MAX_MS, "summary_ms's max");

struct logger_state {
    uint64_t logged;    /* messages logged, across restarts */
    uint64_t failed_at; /* 1 + the last value it panicked at; 0: none yet */
    uint64_t counts[4]; /* summary mode: per enum steady_fizzbuzz_kind */
    uint64_t file_len;  /* file mode: bytes of lines written to the file */
};

/* File mode: the file and the lines not yet written to it. */
struct logger_file {
    int fd;
    const char *path;
    size_t used;
    char buf[8192];
};

/* Writes the buffered lines; panics when the file refuses them. */
static void flush_lines(struct steady_actor *a)
{
    struct logger_state *state = steady_state(a);
    struct logger_file *f = steady_ctx(a);
    size_t done = 0;

    if (!f)
        return;
    while (done < f->used) {
        ssize_t w = write(f->fd, f->buf + done, f->used - done);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            steady_panic(a, "cannot write to %s: %s", f->path,
                         w < 0 ? strerror(errno) : "nothing written");
        done += (size_t)w;
        /* what is in the file counts, even if a later write fails */
        state->file_len += (uint64_t)w;
    }
    f->used = 0;
}

/* One line for message text: to the file, or to the log. */
static void emit_line(struct steady_actor *a, const char *text)
{
    struct logger_file *f = steady_ctx(a);
    size_t n;

    if (!f) {
        steady_info(a, "Msg %s", text);
        return;
    }
    n = strlen(text) + 5; /* "Msg " and '\n' */
    if (sizeof(f->buf) - f->used < n + 1)
        flush_lines(a);
    snprintf(f->buf + f->used, sizeof(f->buf) - f->used, "Msg %s\n", text);
    f->used += n;
}

static int init(struct steady_actor *a)
{
    const char *path = steady_param_str(a, "file");
    struct logger_file *f;

    if (!path || !*path)
        return 0;
    f = calloc(1, sizeof(*f));
    if (!f) {
        steady_error(a, "out of memory");
        return -1;
    }
    f->path = path;
    f->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        steady_error(a, "file %s: cannot open it for appending: %s", path,
                     strerror(errno));
        free(f);
        return -1;
    }
    steady_set_ctx(a, f);
    return 0;
}

static void destroy(struct steady_actor *a)
{
    struct logger_file *f = steady_ctx(a);

    if (!f)
        return;
    close(f->fd);
    free(f);
}

/* File mode, at the start of every run: the file back to the length the
 * state says was written (lines written after the state it resumes from
 * are written again, from the channel). */
static int cut_file(struct steady_actor *a)
{
    struct logger_state *state = steady_state(a);
    struct logger_file *f = steady_ctx(a);
    off_t len;

    if (!f)
        return 0;
    f->used = 0;
    len = lseek(f->fd, 0, SEEK_END);
    if (len < 0 || (uint64_t)len < state->file_len) {
        steady_error(a,
                     "file %s is %lld bytes, shorter than the %llu this "
                     "logger wrote: it was changed by someone else; move it "
                     "back, or start afresh without the state",
                     f->path, (long long)len,
                     (unsigned long long)state->file_len);
        return -1;
    }
    if ((uint64_t)len > state->file_len &&
        ftruncate(f->fd, (off_t)state->file_len) < 0) {
        steady_error(a, "file %s: cannot cut it back to %llu bytes: %s",
                     f->path, (unsigned long long)state->file_len,
                     strerror(errno));
        return -1;
    }
    return 0;
}

/* Whether fail_at or fail_every names value v. */
static bool named_to_fail(int64_t fail_at, int64_t every, uint64_t v)
{
    return (fail_at >= 0 && v == (uint64_t)fail_at) ||
           (every > 0 && v > 0 && v % (uint64_t)every == 0);
}

/* Peek-before-commit: what was logged is taken before a failure, what was
 * not stays in the channel for the restarted run. Values arrive in
 * increasing order, so one that is not above the last failure has had its
 * failure already (it is met again after a restart). */
static void fail_if_asked(struct steady_actor *a, struct steady_fizzbuzz_msg m,
                          size_t logged_now)
{
    struct logger_state *state = steady_state(a);
    uint64_t v = steady_fizzbuzz_value(m);

    if (!named_to_fail(steady_param_int(a, "fail_at"),
                       steady_param_int(a, "fail_every"), v) ||
        v < state->failed_at)
        return;
    flush_lines(a); /* what is taken is in the file */
    state->failed_at = v + 1;
    steady_channel_commit_take(steady_port(a, IN), logged_now);
    state->logged += logged_now;
    steady_panic(a, "injected failure before logging %llu",
                 (unsigned long long)v);
}

/* Logs and takes everything available now. */
static void log_available(struct steady_actor *a)
{
    struct logger_state *state = steady_state(a);
    struct steady_channel *in = steady_port(a, IN);
    struct steady_span spans[2];
    char text[32];
    size_t done = 0;

    size_t n = steady_channel_borrow_read(in, spans, SIZE_MAX);
    for (int s = 0; s < 2; s++) {
        const struct steady_fizzbuzz_msg *m = spans[s].ptr;
        for (size_t i = 0; i < spans[s].n; i++, done++) {
            fail_if_asked(a, m[i], done);
            steady_fizzbuzz_format(m[i], text, sizeof(text));
            emit_line(a, text);
        }
    }
    flush_lines(a); /* in the file before it is taken */
    steady_channel_commit_take(in, n);
    state->logged += n;
}

/* Summary mode: counts and takes everything available now. With fail_at
 * or fail_every set, what comes before a failing value is counted and taken
 * first. */
static void count_available(struct steady_actor *a, int64_t fail_at,
                            int64_t every)
{
    struct logger_state *state = steady_state(a);
    struct steady_channel *in = steady_port(a, IN);
    struct steady_span spans[2];
    size_t done = 0;

    size_t n = steady_channel_borrow_read(in, spans, SIZE_MAX);
    for (int s = 0; s < 2; s++) {
        const struct steady_fizzbuzz_msg *m = spans[s].ptr;
        size_t from = 0;

        for (size_t i = 0; (fail_at >= 0 || every > 0) && i < spans[s].n; i++) {
            if (!named_to_fail(fail_at, every, steady_fizzbuzz_value(m[i])))
                continue;
            steady_fizzbuzz_count(m + from, i - from, state->counts);
            from = i;
            /* panics once, after taking what came before */
            fail_if_asked(a, m[i], done + i);
        }
        steady_fizzbuzz_count(m + from, spans[s].n - from, state->counts);
        done += spans[s].n;
    }
    steady_channel_commit_take(in, n);
    state->logged += n;
}

static uint64_t clock_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void log_counts(struct steady_actor *a, const char *what, uint64_t total,
                       const uint64_t c[4], const char *tail)
{
    steady_info(a, "Logger: %llu %s (F:%llu, B:%llu, FB:%llu, V:%llu)%s",
                (unsigned long long)total, what,
                (unsigned long long)c[STEADY_FIZZBUZZ_FIZZ],
                (unsigned long long)c[STEADY_FIZZBUZZ_BUZZ],
                (unsigned long long)c[STEADY_FIZZBUZZ_FIZZBUZZ],
                (unsigned long long)c[STEADY_FIZZBUZZ_VALUE], tail);
}

/* Summary mode: one line per interval with what arrived in it and the
 * rate, and the totals at the end. */
static void run_summary(struct steady_actor *a, uint64_t period_ms)
{
    struct logger_state *state = steady_state(a);
    int64_t fail_at = steady_param_int(a, "fail_at");
    int64_t every = steady_param_int(a, "fail_every");
    uint64_t last_ms = clock_ms(), last_total = state->logged;
    uint64_t last[4];

    memcpy(last, state->counts, sizeof(last));
    while (steady_running(a)) {
        uint64_t now;

        /* met or cut short: either way, count what is there and look */
        (void)steady_await_any(a, steady_avail(a, IN, 1),
                               steady_periodic(a, period_ms));
        now = clock_ms();

        count_available(a, fail_at, every);
        if (now - last_ms >= period_ms) {
            uint64_t d[4];
            char rate[48];

            for (int k = 0; k < 4; k++)
                d[k] = state->counts[k] - last[k];
            snprintf(rate, sizeof(rate), " in %llu ms, %.1f M/s",
                     (unsigned long long)(now - last_ms),
                     (double)(state->logged - last_total) /
                         (double)(now - last_ms) / 1e3);
            log_counts(a, "messages", state->logged - last_total, d, rate);
            memcpy(last, state->counts, sizeof(last));
            last_total = state->logged;
            last_ms = now;
        }
    }
    log_counts(a, "messages processed", state->logged, state->counts, "");
}

static int run(struct steady_actor *a)
{
    struct logger_state *state = steady_state(a);
    int64_t summary_ms = steady_param_int(a, "summary_ms");

    if (cut_file(a) < 0)
        return -1;
    if (summary_ms > 0) {
        run_summary(a, (uint64_t)summary_ms);
        return 0;
    }
    while (steady_running(a)) {
        /* met or cut short: what is there must be logged either way (once
         * the input has ended and is drained, steady_running ends us) */
        (void)steady_await_all(a, steady_avail(a, IN, 1));
        log_available(a);
    }
    steady_info(a, "logged %llu messages", (unsigned long long)state->logged);
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "logger",
    .version = "1.0",
    .summary = "logs every FizzBuzz message at info, or counts them",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct logger_state),
    .init = init,
    .run = run,
    .destroy = destroy,
    .port_info = port_info,
    .param_limits = limits,
};

STEADY_PLUGIN_DEFINE(desc)
