/* test_evens.c - the out-of-tree plugin's cmocka test, through the
 * installed <steady/testing.h> and libsteady-testing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <steady/testing.h>

static void test_evens_passes_even_values(void **unused)
{
    const uint64_t in[] = { 1, 2, 3, 4, 5, 6 };
    uint64_t out[3];
    struct steady_test *t = steady_test_load("evens", NULL);

    (void)unused;
    assert_non_null(t);
    assert_non_null(steady_test_connect(t, "in", 8));
    assert_non_null(steady_test_connect(t, "out", 8));
    assert_int_equal(steady_test_feed(t, "in", in, 6), 6);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_run(t, 5000), 0);
    assert_int_equal(steady_test_take(t, "out", out, 3), 3);
    assert_int_equal(out[0], 2);
    assert_int_equal(out[1], 4);
    assert_int_equal(out[2], 6);
    steady_test_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evens_passes_even_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
