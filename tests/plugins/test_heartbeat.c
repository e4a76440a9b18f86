/* Tests of the heartbeat plugin, loaded from the built heartbeat.so: it sends
 * beats 0, 1, ... one period apart, then requests shutdown and stops.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <steady/testing.h>

static struct steady_test *load(const char *rate_ms, const char *beats)
{
    struct steady_test *t = steady_test_load("heartbeat", NULL);
    assert_non_null(t);
    assert_non_null(steady_test_connect(t, "out", 8));
    assert_int_equal(steady_test_set_param(t, "rate_ms", rate_ms), 0);
    assert_int_equal(steady_test_set_param(t, "beats", beats), 0);
    return t;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_run_sends_beats_then_requests_shutdown(void **unused)
{
    (void)unused;
    struct steady_test *t = load("20", "3");
    uint64_t start = now_ms();
    assert_int_equal(steady_test_run(t, 3000), 0);
    uint64_t elapsed = now_ms() - start;

    uint64_t beats[8];
    assert_int_equal(steady_test_take(t, "out", beats, 8), 3);
    for (uint64_t i = 0; i < 3; i++)
        assert_int_equal(beats[i], i);
    assert_true(steady_test_shutdown_requested_by_actor(t));
    assert_true(
        steady_test_log_contains(t, "sent 3 beats, requesting shutdown"));
    /* Three beats, the first one period after start: at least 3 periods. */
    assert_true(elapsed >= 55);
    const uint64_t *sent = steady_test_state(t);
    assert_non_null(sent);
    assert_int_equal(*sent, 3);
    steady_test_destroy(t);
}

/* A count resumed from a state_dir at or past `beats` (an earlier run
 * sent them all, or had a larger `beats`) stops at once: it used to beat
 * forever, because the stop test was `==`. */
static void test_resumed_count_at_or_past_beats_stops(void **unused)
{
    static const uint64_t resumed[] = { 5, 7 };

    (void)unused;
    for (size_t i = 0; i < 2; i++) {
        struct steady_test *t = load("10", "5");
        uint64_t *count = steady_test_state(t);
        uint64_t beats[8];
        char want[64];

        *count = resumed[i];
        assert_int_equal(steady_test_run(t, 3000), 0);
        assert_int_equal(steady_test_take(t, "out", beats, 8), 0);
        assert_true(steady_test_shutdown_requested_by_actor(t));
        snprintf(want, sizeof(want), "already sent %llu of 5 beats",
                 (unsigned long long)resumed[i]);
        assert_true(steady_test_log_contains(t, want));
        assert_int_equal(*count, resumed[i]);
        steady_test_destroy(t);
    }
}

/* A resumed count below `beats` sends only the rest: beats is a total. */
static void test_resumed_count_sends_the_rest(void **unused)
{
    (void)unused;
    struct steady_test *t = load("10", "5");
    uint64_t *count = steady_test_state(t);
    uint64_t beats[8];

    *count = 3;
    assert_int_equal(steady_test_run(t, 3000), 0);
    assert_int_equal(steady_test_take(t, "out", beats, 8), 2);
    assert_int_equal(beats[0], 3);
    assert_int_equal(beats[1], 4);
    assert_true(steady_test_log_contains(t, "sent 5 beats, requesting "
                                            "shutdown"));
    steady_test_destroy(t);
}

static void test_run_stops_early_on_shutdown(void **unused)
{
    (void)unused;
    struct steady_test *t = load("20", "1000");
    assert_int_equal(steady_test_start(t), 0);
    assert_true(steady_test_await_output(t, "out", 2, 2000) >= 2);
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 2000), 0);
    assert_false(steady_test_shutdown_requested_by_actor(t));
    steady_test_destroy(t);
}

/* The declared limits refuse a value before anything runs, with the
 * message `steady check` gives (why; "" for a value they accept). */
static void expect_limit(const char *param, const char *value, const char *why)
{
    struct steady_test *t = load("20", "3");

    assert_int_equal(steady_test_set_param(t, param, value), *why ? -1 : 0);
    assert_string_equal(steady_test_error(t), why);
    steady_test_destroy(t);
}

static void test_limits_refuse_zero_rate(void **unused)
{
    (void)unused;
    expect_limit("rate_ms", "0", "rate_ms must be in 1..31536000000, got 0");
    expect_limit("rate_ms", "1", "");
}

/* A rate whose nanoseconds do not fit 64 bits made beats fire at once. */
static void test_limits_refuse_huge_rate(void **unused)
{
    (void)unused;
    expect_limit("rate_ms", "18446744073710",
                 "rate_ms must be in 1..31536000000, got 18446744073710");
    expect_limit("rate_ms", "31536000000", "");
}

static void test_limits_refuse_zero_beats(void **unused)
{
    (void)unused;
    expect_limit("beats", "0", "beats must be at least 1, got 0");
}

static void test_run_log_every(void **unused)
{
    (void)unused;
    struct steady_test *t = load("5", "7");
    assert_int_equal(steady_test_set_param(t, "log_every", "3"), 0);
    assert_int_equal(steady_test_run(t, 3000), 0);
    /* beats 0, 3 and 6 are logged, the others only sent */
    assert_true(steady_test_log_contains(t, "beat 0\n"));
    assert_true(steady_test_log_contains(t, "beat 3\n"));
    assert_true(steady_test_log_contains(t, "beat 6\n"));
    assert_false(steady_test_log_contains(t, "beat 1\n"));
    assert_false(steady_test_log_contains(t, "beat 5\n"));
    uint64_t beats[8];
    assert_int_equal(steady_test_take(t, "out", beats, 8), 7);
    steady_test_destroy(t);
}

/* fail_every_beat panics once before each positive multiple (and fail_at_beat
 * at its beat too); every beat is still sent once, in order. */
static void test_run_fail_every_beat_sends_each_beat_once(void **unused)
{
    (void)unused;
    struct steady_test *t = load("5", "7");
    assert_int_equal(steady_test_set_param(t, "fail_every_beat", "2"), 0);
    assert_int_equal(steady_test_set_param(t, "fail_at_beat", "3"), 0);
    steady_test_set_restart(t, 10, 60, 0);
    assert_int_equal(steady_test_run(t, 5000), 0);
    /* before beats 2, 3, 4 and 6; not before 0 */
    assert_int_equal(steady_test_restarts(t), 4);
    assert_true(steady_test_log_contains(t, "injected failure before beat 2"));
    assert_true(steady_test_log_contains(t, "injected failure before beat 3"));
    assert_true(steady_test_log_contains(t, "injected failure before beat 6"));
    assert_false(steady_test_log_contains(t, "injected failure before beat 0"));
    uint64_t beats[8];
    assert_int_equal(steady_test_take(t, "out", beats, 8), 7);
    for (uint64_t i = 0; i < 7; i++)
        assert_int_equal(beats[i], i);
    steady_test_destroy(t);
}

static void test_limits_refuse_negative_counts(void **unused)
{
    (void)unused;
    expect_limit("fail_every_beat", "-1",
                 "fail_every_beat must be at least 0, got -1");
    expect_limit("log_every", "-1", "log_every must be at least 0, got -1");
    expect_limit("fail_at_beat", "-2",
                 "fail_at_beat must be at least -1, got -2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_log_every),
        cmocka_unit_test(test_run_fail_every_beat_sends_each_beat_once),
        cmocka_unit_test(test_limits_refuse_negative_counts),
        cmocka_unit_test(test_run_sends_beats_then_requests_shutdown),
        cmocka_unit_test(test_resumed_count_at_or_past_beats_stops),
        cmocka_unit_test(test_resumed_count_sends_the_rest),
        cmocka_unit_test(test_run_stops_early_on_shutdown),
        cmocka_unit_test(test_limits_refuse_zero_rate),
        cmocka_unit_test(test_limits_refuse_huge_rate),
        cmocka_unit_test(test_limits_refuse_zero_beats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
