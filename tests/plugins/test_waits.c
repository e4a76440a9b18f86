/* test_waits.c - the wait semantics of <steady/actor.h> through a real
 * actor: timers met, all-of versus any-of, conditions settled by a close,
 * waits cut short by shutdown, drift-free periodic ticks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <steady/testing.h>

static struct steady_test *load(const char *mode, const char *times)
{
    struct steady_test *t =
        steady_test_load(STEADY_TEST_PLUGIN_DIR "/tp_waits.so", "waiter");

    assert_non_null(t);
    assert_int_equal(steady_test_set_param(t, "mode", mode), 0);
    assert_int_equal(steady_test_set_param(t, "times", times), 0);
    return t;
}

/* Waits (bounded) until the actor logged `text`. */
static void await_log(struct steady_test *t, const char *text)
{
    if (!steady_test_await_log(t, text, 5000))
        fail_msg("log has no '%s':\n%s", text, steady_test_log(t));
}

static unsigned long elapsed_ms(struct steady_test *t, int wait)
{
    char key[32];
    const char *p;
    unsigned long ms = 0;

    snprintf(key, sizeof(key), "wait %d: ", wait);
    p = strstr(steady_test_log(t), key);
    assert_non_null(p);
    p = strstr(p, " after ");
    assert_non_null(p);
    assert_int_equal(sscanf(p, " after %lu ms", &ms), 1);
    return ms;
}

static void test_await_timeout_is_met(void **unused)
{
    (void)unused;
    struct steady_test *t = load("timeout", "1");
    assert_int_equal(steady_test_start(t), 0);
    await_log(t, "wait 0: met");
    assert_true(elapsed_ms(t, 0) >= 50);
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 5000), 0);
    steady_test_destroy(t);
}

static void test_await_any_returns_on_first_met(void **unused)
{
    (void)unused;
    uint64_t v = 7;
    struct steady_test *t = load("any", "1");
    steady_test_connect(t, "in", 4);
    assert_int_equal(steady_test_feed(t, "in", &v, 1), 1);
    assert_int_equal(steady_test_start(t), 0);
    await_log(t, "wait 0: met");
    /* the avail condition, not the 5 s timeout */
    assert_true(elapsed_ms(t, 0) < 4000);
    steady_test_close_input(t, "in");
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 5000), 0);
    steady_test_destroy(t);
}

static void test_await_all_needs_every_condition(void **unused)
{
    (void)unused;
    uint64_t v[3] = { 1, 2, 3 };
    struct steady_test *t = load("all", "1");
    steady_test_connect(t, "in", 8);
    steady_test_connect(t, "out", 4);
    assert_int_equal(steady_test_start(t), 0);
    assert_int_equal(steady_test_feed(t, "in", v, 2), 2);
    /* two of three: still waiting */
    assert_int_equal(steady_test_await_output(t, "out", 1, 100), 0);
    assert_false(steady_test_log_contains(t, "wait 0"));
    assert_int_equal(steady_test_feed(t, "in", v + 2, 1), 1);
    await_log(t, "wait 0: met");
    await_log(t, "3 available");
    steady_test_close_input(t, "in");
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 5000), 0);
    steady_test_destroy(t);
}

static void test_await_closed_input_settles(void **unused)
{
    (void)unused;
    uint64_t v[2] = { 1, 2 };
    struct steady_test *t = load("closed", "1");
    steady_test_connect(t, "in", 8);
    assert_int_equal(steady_test_feed(t, "in", v, 2), 2);
    assert_int_equal(steady_test_start(t), 0);
    assert_false(steady_test_log_contains(t, "wait 0"));
    /* 5 can never come once closed: the wait returns false, 2 still there
     * to drain */
    steady_test_close_input(t, "in");
    await_log(t, "wait 0: cut short");
    await_log(t, "2 available");
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 5000), 0);
    steady_test_destroy(t);
}

static void test_await_cut_short_by_shutdown(void **unused)
{
    (void)unused;
    struct steady_test *t = load("shutdown", "1");
    assert_int_equal(steady_test_start(t), 0);
    steady_test_request_shutdown(t);
    await_log(t, "wait 0: cut short");
    assert_true(elapsed_ms(t, 0) < 5000);
    assert_int_equal(steady_test_wait(t, 5000), 0);
    steady_test_destroy(t);
}

static void test_await_periodic_is_drift_free(void **unused)
{
    (void)unused;
    struct steady_test *t = load("periodic", "10");
    assert_int_equal(steady_test_start(t), 0);
    await_log(t, "wait 9: met");
    /* ticks at 20, 40, ... 200 ms from the first wait: never early, and the
     * tenth not pushed back by the time spent between waits */
    assert_true(elapsed_ms(t, 0) >= 20);
    assert_true(elapsed_ms(t, 9) >= 200);
    assert_true(elapsed_ms(t, 9) < 200 + 400);
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 5000), 0);
    steady_test_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_await_timeout_is_met),
        cmocka_unit_test(test_await_any_returns_on_first_met),
        cmocka_unit_test(test_await_all_needs_every_condition),
        cmocka_unit_test(test_await_closed_input_settles),
        cmocka_unit_test(test_await_cut_short_by_shutdown),
        cmocka_unit_test(test_await_periodic_is_drift_free),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
