/* Tests of the logger plugin, loaded from the built logger.so: it logs each
 * FizzBuzz message at info, in order, drains its input before it stops and
 * reports how many it logged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <steady/messages.h>
#include <steady/testing.h>

static struct steady_test *load(size_t capacity)
{
    struct steady_test *t = steady_test_load("logger", NULL);
    assert_non_null(t);
    assert_non_null(steady_test_connect(t, "in", capacity));
    return t;
}

static void feed_range(struct steady_test *t, uint64_t first, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct steady_fizzbuzz_msg m = steady_fizzbuzz_of(first + i);
        assert_int_equal(steady_test_feed(t, "in", &m, 1), 1);
    }
}

/* Checks that the log's "Msg " lines are exactly `want`, in that order. */
static void assert_msg_lines(struct steady_test *t, const char *const *want,
                             size_t n)
{
    const char *line = steady_test_log(t);
    size_t seen = 0;
    assert_non_null(line);
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len >= 4 && strncmp(line, "Msg ", 4) == 0) {
            assert_true(seen < n);
            assert_int_equal(len, strlen(want[seen]));
            assert_memory_equal(line, want[seen], len);
            seen++;
        }
        line += end ? len + 1 : len;
    }
    assert_int_equal(seen, n);
}

static void test_run_logs_fizz(void **unused)
{
    (void)unused;
    struct steady_test *t = load(8);
    feed_range(t, 3, 1);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_run(t, 3000), 0);
    assert_true(steady_test_log_contains(t, "Msg Fizz"));
    assert_true(steady_test_log_contains(t, "logged 1 messages"));
    steady_test_destroy(t);
}

static void test_run_logs_each_message_in_order(void **unused)
{
    (void)unused;
    struct steady_test *t = load(16);
    feed_range(t, 0, 11);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_run(t, 3000), 0);

    static const char *const want[] = {
        "Msg FizzBuzz", "Msg Value(1)", "Msg Value(2)", "Msg Fizz",
        "Msg Value(4)", "Msg Buzz",     "Msg Fizz",     "Msg Value(7)",
        "Msg Value(8)", "Msg Fizz",     "Msg Buzz",
    };
    assert_msg_lines(t, want, sizeof(want) / sizeof(want[0]));
    assert_true(steady_test_log_contains(t, "logged 11 messages"));
    steady_test_destroy(t);
}

static void test_run_reports_zero_when_nothing_came(void **unused)
{
    (void)unused;
    struct steady_test *t = load(8);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_run(t, 3000), 0);
    assert_msg_lines(t, NULL, 0);
    assert_true(steady_test_log_contains(t, "logged 0 messages"));
    steady_test_destroy(t);
}

static void test_run_drains_at_shutdown(void **unused)
{
    (void)unused;
    struct steady_test *t = load(64);
    assert_int_equal(steady_test_start(t), 0);
    feed_range(t, 0, 20);
    steady_test_request_shutdown(t);
    /* Shutdown is requested but the input is still open: what comes before
     * it closes must be logged too. */
    feed_range(t, 20, 20);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_wait(t, 3000), 0);
    assert_true(steady_test_log_contains(t, "Msg Value(38)"));
    assert_true(steady_test_log_contains(t, "logged 40 messages"));
    steady_test_destroy(t);
}

/* Summary mode: no per-message lines, and at the end the exact totals of
 * each kind. */
static void test_summary_totals_exact(void **unused)
{
    (void)unused;
    struct steady_test *t = load(64);
    assert_int_equal(steady_test_set_param(t, "summary_ms", "1000"), 0);
    assert_int_equal(steady_test_start(t), 0);
    /* 0..299 through a ring of 64: several wake-ups and wraps */
    for (uint64_t v = 0; v < 300; v++) {
        struct steady_fizzbuzz_msg m = steady_fizzbuzz_of(v);
        /* a full ring: poll (bounded) until the logger makes room */
        for (int tries = 0; steady_test_feed(t, "in", &m, 1) == 0; tries++) {
            struct timespec ms = { 0, 1000000 };
            assert_true(tries < 3000);
            nanosleep(&ms, NULL);
        }
    }
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_wait(t, 3000), 0);
    assert_msg_lines(t, NULL, 0);
    /* 0..299: 20 multiples of 15, 100 of 3, 60 of 5 */
    assert_true(steady_test_log_contains(
        t, "Logger: 300 messages processed (F:80, B:40, FB:20, V:160)"));
    steady_test_destroy(t);
}

/* Summary mode logs a line per interval with what arrived in it. */
static void test_summary_per_interval(void **unused)
{
    (void)unused;
    struct steady_test *t = load(64);
    assert_int_equal(steady_test_set_param(t, "summary_ms", "20"), 0);
    assert_int_equal(steady_test_start(t), 0);
    struct steady_fizzbuzz_msg m[18];
    for (uint64_t v = 0; v < 18; v++)
        m[v] = steady_fizzbuzz_of(v);
    /* each group arrives in one commit, so it lands in one interval */
    assert_int_equal(steady_test_feed(t, "in", m, 15), 15);
    assert_true(steady_test_await_log(
        t, "Logger: 15 messages (F:4, B:2, FB:1, V:8) in ", 3000));
    assert_int_equal(steady_test_feed(t, "in", m + 15, 3), 3);
    assert_true(steady_test_await_log(
        t, "Logger: 3 messages (F:0, B:0, FB:1, V:2) in ", 3000));
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_wait(t, 3000), 0);
    assert_true(steady_test_log_contains(
        t, "Logger: 18 messages processed (F:4, B:2, FB:2, V:10)"));
    steady_test_destroy(t);
}

/* A failure in summary mode: what came before the failing value is counted
 * once, the rest after the restart; the totals stay exact. */
static void test_summary_failure_keeps_totals_exact(void **unused)
{
    (void)unused;
    struct steady_test *t = load(64);
    assert_int_equal(steady_test_set_param(t, "summary_ms", "1000"), 0);
    assert_int_equal(steady_test_set_param(t, "fail_at", "25"), 0);
    steady_test_set_restart(t, 3, 60, 1);
    feed_range(t, 0, 60);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_run(t, 5000), 0);
    assert_int_equal(steady_test_restarts(t), 1);
    /* 0..59: 4 multiples of 15, 20 of 3, 12 of 5 */
    assert_true(steady_test_log_contains(
        t, "Logger: 60 messages processed (F:16, B:8, FB:4, V:32)"));
    steady_test_destroy(t);
}

/* Per-message mode with fail_every: a failure before each multiple of 10,
 * and still each message logged once, in order. */
static void test_run_fail_every_logs_each_once(void **unused)
{
    (void)unused;
    struct steady_test *t = load(64);
    const char *want[35];
    char text[35][32];

    assert_int_equal(steady_test_set_param(t, "fail_every", "10"), 0);
    steady_test_set_restart(t, 5, 60, 0);
    feed_range(t, 0, 35);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_run(t, 5000), 0);
    assert_int_equal(steady_test_restarts(t), 3);
    for (uint64_t i = 0; i < 35; i++) {
        memcpy(text[i], "Msg ", 4);
        steady_fizzbuzz_format(steady_fizzbuzz_of(i), text[i] + 4,
                               sizeof(text[i]) - 4);
        want[i] = text[i];
    }
    assert_msg_lines(t, want, 35);
    assert_true(steady_test_log_contains(t, "logged 35 messages"));
    steady_test_destroy(t);
}

/* Summary mode with fail_every and fail_at: the totals stay exact. */
static void test_summary_fail_every_keeps_totals_exact(void **unused)
{
    (void)unused;
    struct steady_test *t = load(64);
    assert_int_equal(steady_test_set_param(t, "summary_ms", "1000"), 0);
    assert_int_equal(steady_test_set_param(t, "fail_every", "7"), 0);
    assert_int_equal(steady_test_set_param(t, "fail_at", "25"), 0);
    steady_test_set_restart(t, 20, 60, 0);
    feed_range(t, 0, 60);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_run(t, 5000), 0);
    /* 7, 14, 21, 25, 28, 35, 42, 49, 56 */
    assert_int_equal(steady_test_restarts(t), 9);
    assert_true(steady_test_log_contains(
        t, "Logger: 60 messages processed (F:16, B:8, FB:4, V:32)"));
    steady_test_destroy(t);
}

/* The declared limits refuse these before anything runs. */
static void test_limits_refuse_negative_fail_every(void **unused)
{
    (void)unused;
    struct steady_test *t = load(8);
    assert_int_equal(steady_test_set_param(t, "fail_every", "-1"), -1);
    assert_string_equal(steady_test_error(t),
                        "fail_every must be at least 0, got -1");
    steady_test_destroy(t);
}

static void test_limits_refuse_bad_summary(void **unused)
{
    (void)unused;
    struct steady_test *t = load(8);
    assert_int_equal(steady_test_set_param(t, "summary_ms", "-5"), -1);
    assert_string_equal(steady_test_error(t),
                        "summary_ms must be in 0..31536000000, got -5");
    assert_int_equal(steady_test_set_param(t, "summary_ms", "31536000001"), -1);
    steady_test_destroy(t);
}

/* file: the lines go to the file, not the log; a run first cuts the file
 * back to the length its state says was written (what a kill left after
 * the last snapshot goes), and the state follows every write. */
static void test_file_cut_back_to_state_then_appended(void **unused)
{
    (void)unused;
    char path[] = "/tmp/steady-logger-XXXXXX";
    int fd = mkstemp(path);
    static const char before[] = "Msg FizzBuzz\nMsg Value(1)\nMsg Val";
    static const char want[] =
        "Msg FizzBuzz\nMsg Value(1)\nMsg Value(2)\nMsg Fizz\n";
    struct steady_test *t;
    uint64_t *state;
    char got[128];
    ssize_t n;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, before, strlen(before)), strlen(before));
    t = load(8);
    assert_int_equal(steady_test_set_param(t, "file", path), 0);
    /* logged, failed_at, counts[4], file_len: 26 bytes were written */
    state = steady_test_state(t);
    state[6] = 26;
    feed_range(t, 2, 2);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_run(t, 3000), 0);
    assert_false(steady_test_log_contains(t, "Msg "));
    assert_int_equal(state[6], strlen(want));
    n = pread(fd, got, sizeof(got) - 1, 0);
    assert_true(n >= 0);
    got[n] = '\0';
    assert_string_equal(got, want);
    steady_test_destroy(t);
    /* a file shorter than the state says was changed by someone else */
    assert_int_equal(ftruncate(fd, 5), 0);
    t = load(8);
    assert_int_equal(steady_test_set_param(t, "file", path), 0);
    state = steady_test_state(t);
    state[6] = 26;
    steady_test_close_input(t, "in");
    assert_true(steady_test_run(t, 3000) != 0);
    assert_true(steady_test_log_contains(t, "shorter than the 26"));
    steady_test_destroy(t);
    close(fd);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_totals_exact),
        cmocka_unit_test(test_summary_per_interval),
        cmocka_unit_test(test_summary_failure_keeps_totals_exact),
        cmocka_unit_test(test_limits_refuse_bad_summary),
        cmocka_unit_test(test_run_fail_every_logs_each_once),
        cmocka_unit_test(test_summary_fail_every_keeps_totals_exact),
        cmocka_unit_test(test_limits_refuse_negative_fail_every),
        cmocka_unit_test(test_run_logs_fizz),
        cmocka_unit_test(test_run_logs_each_message_in_order),
        cmocka_unit_test(test_run_reports_zero_when_nothing_came),
        cmocka_unit_test(test_run_drains_at_shutdown),
        cmocka_unit_test(test_file_cut_back_to_state_then_appended),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
