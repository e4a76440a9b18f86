/* A plugin written in C++ (tests/testplugins/tp_cxx.cpp), loaded from its
 * built .so and run through the harness like any other: the public headers
 * serve C++ plugin authors too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <stdlib.h>
#include <steady/testing.h>

static struct steady_test *load_cxx(void)
{
    struct steady_test *t;

    setenv("STEADY_PLUGIN_PATH", STEADY_TEST_PLUGIN_DIR, 1);
    t = steady_test_load("tp_cxx", NULL);
    assert_non_null(t);
    assert_non_null(steady_test_connect(t, "in", 8));
    assert_non_null(steady_test_connect(t, "out", 8));
    return t;
}

static void test_cxx_plugin_multiplies_until_input_ends(void **unused)
{
    const uint64_t in[] = { 1, 2, 3, 40 };
    uint64_t out[4] = { 0 };
    struct steady_test *t = load_cxx();

    (void)unused;
    assert_int_equal(steady_test_set_param(t, "factor", "3"), 0);
    assert_int_equal(steady_test_feed(t, "in", in, 4), 4);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_run(t, 5000), 0);
    assert_int_equal(steady_test_take(t, "out", out, 4), 4);
    assert_int_equal(out[0], 3);
    assert_int_equal(out[1], 6);
    assert_int_equal(out[2], 9);
    assert_int_equal(out[3], 120);
    assert_true(steady_test_log_contains(t, "multiplied 4 items"));
    steady_test_destroy(t);
}

static void test_cxx_plugin_init_refuses_bad_factor(void **unused)
{
    struct steady_test *t = load_cxx();

    (void)unused;
    assert_int_equal(steady_test_set_param(t, "factor", "0"), 0);
    steady_test_close_input(t, "in");
    assert_int_not_equal(steady_test_run(t, 5000), 0);
    assert_non_null(steady_test_error(t));
    steady_test_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cxx_plugin_multiplies_until_input_ends),
        cmocka_unit_test(test_cxx_plugin_init_refuses_bad_factor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
