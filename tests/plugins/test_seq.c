/* Tests of the stock seq plugin, loaded from the built seq.so: it counts
 * from start, ends after count values (closing its output), and keeps its
 * position in persistent state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <steady/testing.h>
#include <string.h>

static void test_seq_sends_count_values_then_ends(void **unused)
{
    struct steady_test *t = steady_test_load("seq", NULL);
    struct steady_channel *out;
    uint64_t got[8];

    (void)unused;
    assert_non_null(t);
    out = steady_test_connect(t, "out", 8);
    assert_non_null(out);
    assert_int_equal(steady_test_set_param(t, "start", "40"), 0);
    assert_int_equal(steady_test_set_param(t, "count", "5"), 0);
    /* it returns by itself: no shutdown is requested */
    assert_int_equal(steady_test_run(t, 5000), 0);
    assert_int_equal(steady_test_take(t, "out", got, 8), 5);
    for (uint64_t i = 0; i < 5; i++)
        assert_int_equal(got[i], 40 + i);
    assert_true(steady_channel_is_closed_and_empty(out));
    assert_int_equal(*(uint64_t *)steady_test_state(t), 5);
    assert_true(steady_test_log_contains(t, "sent 5 values"));
    steady_test_destroy(t);
}

static void test_seq_endless_waits_for_room(void **unused)
{
    struct steady_test *t = steady_test_load("seq", NULL);
    uint64_t got[4];

    (void)unused;
    assert_non_null(t);
    assert_non_null(steady_test_connect(t, "out", 4));
    assert_int_equal(steady_test_start(t), 0);
    assert_true(steady_test_await_output(t, "out", 4, 5000) >= 4);
    assert_int_equal(steady_test_take(t, "out", got, 4), 4);
    assert_int_equal(got[3], 3);
    assert_true(steady_test_await_output(t, "out", 4, 5000) >= 4);
    assert_int_equal(steady_test_take(t, "out", got, 4), 4);
    assert_int_equal(got[0], 4);
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 5000), 0);
    steady_test_destroy(t);
}

static void test_seq_refuses_negative_count(void **unused)
{
    struct steady_test *t = steady_test_load("seq", NULL);

    (void)unused;
    assert_non_null(t);
    assert_non_null(steady_test_connect(t, "out", 4));
    /* the declared limit (count >= 0) refuses it before anything runs */
    assert_int_equal(steady_test_set_param(t, "count", "-1"), -1);
    assert_string_equal(steady_test_error(t),
                        "count must be at least 0, got -1");
    steady_test_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seq_sends_count_values_then_ends),
        cmocka_unit_test(test_seq_endless_waits_for_room),
        cmocka_unit_test(test_seq_refuses_negative_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
