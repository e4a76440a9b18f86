/* Tests of the worker plugin, loaded from the built worker.so: on each beat
 * it turns waiting values into FizzBuzz messages, and it never loses or
 * reorders a value, however small its output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <steady/messages.h>
#include <steady/testing.h>

static struct steady_test *load(size_t values_capacity, size_t out_capacity,
                                struct steady_channel **out)
{
    struct steady_test *t = steady_test_load("worker", NULL);
    assert_non_null(t);
    assert_non_null(steady_test_connect(t, "heartbeat", 4));
    assert_non_null(steady_test_connect(t, "values", values_capacity));
    struct steady_channel *ch = steady_test_connect(t, "out", out_capacity);
    assert_non_null(ch);
    if (out)
        *out = ch;
    return t;
}

static void feed_values(struct steady_test *t, uint64_t first, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t v = first + i;
        assert_int_equal(steady_test_feed(t, "values", &v, 1), 1);
    }
}

static void feed_beat(struct steady_test *t, uint64_t beat)
{
    assert_int_equal(steady_test_feed(t, "heartbeat", &beat, 1), 1);
}

static void test_fizzbuzz_of_kinds(void **unused)
{
    (void)unused;
    assert_int_equal(steady_fizzbuzz_kind(steady_fizzbuzz_of(0)),
                     STEADY_FIZZBUZZ_FIZZBUZZ);
    assert_int_equal(steady_fizzbuzz_kind(steady_fizzbuzz_of(9)),
                     STEADY_FIZZBUZZ_FIZZ);
    assert_int_equal(steady_fizzbuzz_kind(steady_fizzbuzz_of(10)),
                     STEADY_FIZZBUZZ_BUZZ);
    assert_int_equal(steady_fizzbuzz_kind(steady_fizzbuzz_of(30)),
                     STEADY_FIZZBUZZ_FIZZBUZZ);
    assert_int_equal(steady_fizzbuzz_kind(steady_fizzbuzz_of(7)),
                     STEADY_FIZZBUZZ_VALUE);
    assert_int_equal(steady_fizzbuzz_value(steady_fizzbuzz_of(30)), 30);
    assert_int_equal(steady_fizzbuzz_value(steady_fizzbuzz_of(7)), 7);

    char text[32];
    steady_fizzbuzz_format(steady_fizzbuzz_of(7), text, sizeof(text));
    assert_string_equal(text, "Value(7)");
    steady_fizzbuzz_format(steady_fizzbuzz_of(45), text, sizeof(text));
    assert_string_equal(text, "FizzBuzz");
    steady_fizzbuzz_format(steady_fizzbuzz_of(6), text, sizeof(text));
    assert_string_equal(text, "Fizz");
    steady_fizzbuzz_format(steady_fizzbuzz_of(25), text, sizeof(text));
    assert_string_equal(text, "Buzz");
}

static void test_run_converts_values(void **unused)
{
    (void)unused;
    struct steady_channel *out;
    struct steady_test *t = load(16, 16, &out);
    feed_values(t, 0, 6);
    feed_beat(t, 0);
    steady_test_close_input(t, "values");
    steady_test_close_input(t, "heartbeat");
    assert_int_equal(steady_test_run(t, 3000), 0);

    static const enum steady_fizzbuzz_kind kinds[] = {
        STEADY_FIZZBUZZ_FIZZBUZZ, STEADY_FIZZBUZZ_VALUE, STEADY_FIZZBUZZ_VALUE,
        STEADY_FIZZBUZZ_FIZZ,     STEADY_FIZZBUZZ_VALUE, STEADY_FIZZBUZZ_BUZZ,
    };
    struct steady_fizzbuzz_msg got[16];
    assert_int_equal(steady_test_take(t, "out", got, 16), 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(steady_fizzbuzz_kind(got[i]), kinds[i]);
        assert_int_equal(steady_fizzbuzz_value(got[i]), i);
    }
    assert_true(steady_channel_is_closed_and_empty(out));
    steady_test_destroy(t);
}

static void test_run_waits_for_a_beat(void **unused)
{
    (void)unused;
    struct steady_test *t = load(16, 16, NULL);
    feed_values(t, 0, 3);
    assert_int_equal(steady_test_start(t), 0);
    /* Values alone move nothing: the worker keeps the heartbeat's pace. */
    assert_int_equal(steady_test_await_output(t, "out", 1, 100), 0);
    feed_beat(t, 0);
    assert_int_equal(steady_test_await_output(t, "out", 3, 2000), 3);

    struct steady_fizzbuzz_msg got[16];
    assert_int_equal(steady_test_take(t, "out", got, 16), 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(steady_fizzbuzz_value(got[i]), i);
    steady_test_close_input(t, "values");
    steady_test_close_input(t, "heartbeat");
    assert_int_equal(steady_test_wait(t, 2000), 0);
    steady_test_destroy(t);
}

static void test_run_loses_nothing_when_out_is_small(void **unused)
{
    (void)unused;
    struct steady_channel *out;
    struct steady_test *t = load(128, 16, &out);
    feed_values(t, 0, 100);
    feed_beat(t, 0);
    steady_test_close_input(t, "values");
    steady_test_close_input(t, "heartbeat");
    assert_int_equal(steady_test_start(t), 0);

    /* One beat moves only what fits; the rest is drained as room appears. */
    uint64_t next = 0;
    while (steady_test_await_output(t, "out", 1, 2000) > 0) {
        struct steady_fizzbuzz_msg got[16];
        size_t n = steady_test_take(t, "out", got, 16);
        for (size_t i = 0; i < n; i++, next++) {
            assert_int_equal(steady_fizzbuzz_value(got[i]), next);
            assert_int_equal(got[i].bits, steady_fizzbuzz_of(next).bits);
        }
    }
    assert_int_equal(next, 100);
    assert_true(steady_channel_is_closed_and_empty(out));
    assert_int_equal(steady_test_wait(t, 2000), 0);
    steady_test_destroy(t);
}

static void test_run_drains_at_shutdown(void **unused)
{
    (void)unused;
    struct steady_channel *out;
    struct steady_test *t = load(64, 8, &out);
    assert_int_equal(steady_test_start(t), 0);
    feed_values(t, 0, 40);
    steady_test_request_shutdown(t);
    /* The heartbeat's producer stops without another beat: the worker must
     * still deliver every value sent before its inputs closed. */
    steady_test_close_input(t, "heartbeat");
    feed_values(t, 40, 10);
    steady_test_close_input(t, "values");

    uint64_t next = 0;
    while (steady_test_await_output(t, "out", 1, 2000) > 0) {
        struct steady_fizzbuzz_msg got[8];
        size_t n = steady_test_take(t, "out", got, 8);
        for (size_t i = 0; i < n; i++, next++)
            assert_int_equal(steady_fizzbuzz_value(got[i]), next);
    }
    assert_int_equal(next, 50);
    assert_true(steady_channel_is_closed_and_empty(out));
    assert_int_equal(steady_test_wait(t, 2000), 0);
    steady_test_destroy(t);
}

/* The branch-free kinds agree with the % definition, also for values far
 * from 0 and near 2^64. */
static void test_fizzbuzz_of_matches_modulo(void **unused)
{
    (void)unused;
    static const uint64_t bases[] = { 0, UINT64_C(1) << 40, UINT64_MAX - 999 };
    for (size_t b = 0; b < 3; b++)
        for (uint64_t v = bases[b]; v - bases[b] < 1000; v++) {
            enum steady_fizzbuzz_kind want =
                v % 15 == 0  ? STEADY_FIZZBUZZ_FIZZBUZZ
                : v % 3 == 0 ? STEADY_FIZZBUZZ_FIZZ
                : v % 5 == 0 ? STEADY_FIZZBUZZ_BUZZ
                             : STEADY_FIZZBUZZ_VALUE;
            assert_int_equal(steady_fizzbuzz_kind(steady_fizzbuzz_of(v)), want);
        }
}

static void test_fizzbuzz_count_kinds(void **unused)
{
    (void)unused;
    struct steady_fizzbuzz_msg m[100];
    uint64_t counts[4] = { 1, 1, 1, 1 };
    for (uint64_t v = 0; v < 100; v++)
        m[v] = steady_fizzbuzz_of(v);
    steady_fizzbuzz_count(m, 100, counts);
    /* 0..99: 7 multiples of 15, 34 of 3, 20 of 5; counts are added to */
    assert_int_equal(counts[STEADY_FIZZBUZZ_FIZZBUZZ], 1 + 7);
    assert_int_equal(counts[STEADY_FIZZBUZZ_FIZZ], 1 + 34 - 7);
    assert_int_equal(counts[STEADY_FIZZBUZZ_BUZZ], 1 + 20 - 7);
    assert_int_equal(counts[STEADY_FIZZBUZZ_VALUE], 1 + 100 - 34 - 20 + 7);
}

/* With batch set, one beat moves everything available in chunks, each
 * committed at once: the ring wraps several times within one beat, and
 * every value arrives once and in order. */
static void test_run_batch_moves_all_in_chunks(void **unused)
{
    (void)unused;
    struct steady_channel *out;
    struct steady_test *t = load(64, 64, &out);
    assert_int_equal(steady_test_set_param(t, "batch", "7"), 0);
    /* start mid-ring so that chunks straddle the wrap point */
    feed_values(t, 0, 40);
    assert_int_equal(steady_test_start(t), 0);
    feed_beat(t, 0);

    uint64_t next = 0;
    struct steady_fizzbuzz_msg got[64];
    assert_int_equal(steady_test_await_output(t, "out", 40, 2000), 40);
    size_t n = steady_test_take(t, "out", got, 64);
    assert_int_equal(n, 40);
    for (size_t i = 0; i < n; i++, next++)
        assert_int_equal(got[i].bits, steady_fizzbuzz_of(next).bits);
    /* 60 more, past the wrap of both rings, moved on the next beat; the
     * worker may still be committing the take of the first 40 */
    for (uint64_t v = 40; v < 100; v++)
        for (int tries = 0; steady_test_feed(t, "values", &v, 1) == 0;
             tries++) {
            struct timespec ms = { 0, 1000000 };
            assert_true(tries < 3000);
            nanosleep(&ms, NULL);
        }
    feed_beat(t, 1);
    assert_int_equal(steady_test_await_output(t, "out", 60, 2000), 60);
    n = steady_test_take(t, "out", got, 64);
    assert_int_equal(n, 60);
    for (size_t i = 0; i < n; i++, next++)
        assert_int_equal(got[i].bits, steady_fizzbuzz_of(next).bits);
    steady_test_close_input(t, "values");
    steady_test_close_input(t, "heartbeat");
    assert_int_equal(steady_test_wait(t, 2000), 0);
    assert_true(steady_channel_is_closed_and_empty(out));
    steady_test_destroy(t);
}

/* A failure in the middle of a chunked beat keeps the failing chunk's
 * values in place; the restarted run delivers each value exactly once. */
static void test_run_batch_failure_loses_nothing(void **unused)
{
    (void)unused;
    struct steady_test *t = load(128, 128, NULL);
    assert_int_equal(steady_test_set_param(t, "batch", "16"), 0);
    assert_int_equal(steady_test_set_param(t, "fail_at", "37"), 0);
    steady_test_set_restart(t, 3, 60, 1);
    feed_values(t, 0, 100);
    feed_beat(t, 0);
    feed_beat(t, 1);
    steady_test_close_input(t, "values");
    steady_test_close_input(t, "heartbeat");
    assert_int_equal(steady_test_run(t, 5000), 0);
    assert_int_equal(steady_test_restarts(t), 1);

    struct steady_fizzbuzz_msg got[128];
    assert_int_equal(steady_test_take(t, "out", got, 128), 100);
    for (uint64_t i = 0; i < 100; i++)
        assert_int_equal(steady_fizzbuzz_value(got[i]), i);
    steady_test_destroy(t);
}

/* fail_every and fail_at together: a failure at each multiple of 10 and at
 * 37, each once; every value still arrives exactly once, in order. */
static void test_run_fail_every_loses_nothing(void **unused)
{
    (void)unused;
    struct steady_test *t = load(128, 128, NULL);
    assert_int_equal(steady_test_set_param(t, "batch", "16"), 0);
    assert_int_equal(steady_test_set_param(t, "fail_every", "10"), 0);
    assert_int_equal(steady_test_set_param(t, "fail_at", "37"), 0);
    steady_test_set_restart(t, 20, 60, 0);
    feed_values(t, 0, 100);
    feed_beat(t, 0);
    steady_test_close_input(t, "values");
    steady_test_close_input(t, "heartbeat");
    assert_int_equal(steady_test_run(t, 5000), 0);
    /* 10, 20, ..., 90 and 37 */
    assert_int_equal(steady_test_restarts(t), 10);

    struct steady_fizzbuzz_msg got[128];
    assert_int_equal(steady_test_take(t, "out", got, 128), 100);
    for (uint64_t i = 0; i < 100; i++)
        assert_int_equal(steady_fizzbuzz_value(got[i]), i);
    steady_test_destroy(t);
}

/* The declared limits refuse it before anything runs. */
static void test_limits_refuse_negative_batch(void **unused)
{
    (void)unused;
    struct steady_test *t = load(16, 16, NULL);
    assert_int_equal(steady_test_set_param(t, "batch", "-1"), -1);
    assert_string_equal(steady_test_error(t),
                        "batch must be at least 0, got -1");
    steady_test_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fizzbuzz_of_kinds),
        cmocka_unit_test(test_fizzbuzz_of_matches_modulo),
        cmocka_unit_test(test_fizzbuzz_count_kinds),
        cmocka_unit_test(test_run_batch_moves_all_in_chunks),
        cmocka_unit_test(test_run_batch_failure_loses_nothing),
        cmocka_unit_test(test_run_fail_every_loses_nothing),
        cmocka_unit_test(test_limits_refuse_negative_batch),
        cmocka_unit_test(test_run_converts_values),
        cmocka_unit_test(test_run_waits_for_a_beat),
        cmocka_unit_test(test_run_loses_nothing_when_out_is_small),
        cmocka_unit_test(test_run_drains_at_shutdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
