/* Tests of the stock sink plugin, loaded from the built sink.so: it takes
 * everything, and ends by itself once its input has ended (end of stream),
 * logging the count and the sum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <steady/testing.h>

static void test_sink_ends_with_its_input(void **unused)
{
    const uint64_t in[] = { 1, 2, 3, 4, 5, 6, 7 };
    struct steady_test *t = steady_test_load("sink", NULL);

    (void)unused;
    assert_non_null(t);
    assert_non_null(steady_test_connect_typed(t, "in", 8, "u64", 8));
    assert_int_equal(steady_test_start(t), 0);
    assert_int_equal(steady_test_feed(t, "in", in, 7), 7);
    steady_test_close_input(t, "in");
    /* no shutdown requested: the end of the input ends it */
    assert_int_equal(steady_test_wait(t, 5000), 0);
    assert_false(steady_test_shutdown_requested_by_actor(t));
    assert_true(steady_test_log_contains(t, "took 7 items, sum 28"));
    steady_test_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sink_ends_with_its_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
