/* test_limits.c - steady_test_set_param applies the limits a plugin
 * declares exactly as `steady check` does: a value outside them is refused
 * with -1 and the same message, before anything runs
 * (tests/testplugins/tp_ranged.c declares them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <stdlib.h>
#include <steady/testing.h>

static struct steady_test *load_ranged(void)
{
    struct steady_test *t;

    setenv("STEADY_PLUGIN_PATH", STEADY_TEST_PLUGIN_DIR, 1);
    t = steady_test_load("tp_ranged", NULL);
    assert_non_null(t);
    return t;
}

static void test_set_param_refuses_outside_limits(void **unused)
{
    struct steady_test *t = load_ranged();

    (void)unused;
    assert_int_equal(steady_test_set_param(t, "count", "0"), -1);
    assert_string_equal(steady_test_error(t),
                        "count must be in 1..1000, got 0");
    assert_int_equal(steady_test_set_param(t, "count", "1001"), -1);
    assert_string_equal(steady_test_error(t),
                        "count must be in 1..1000, got 1001");
    assert_int_equal(steady_test_set_param(t, "ratio", "-0.1"), -1);
    assert_string_equal(steady_test_error(t),
                        "ratio must be in 0..1, got -0.1");
    assert_int_equal(steady_test_set_param(t, "floor", "-6"), -1);
    assert_string_equal(steady_test_error(t),
                        "floor must be at least -5, got -6");
    assert_int_equal(steady_test_set_param(t, "ceiling", "17"), -1);
    assert_string_equal(steady_test_error(t),
                        "ceiling must be at most 0x10, got 17");
    assert_int_equal(steady_test_set_param(t, "mode", "sfae"), -1);
    assert_string_equal(steady_test_error(t),
                        "mode must be one of 'fast', 'safe', 'slow', got "
                        "'sfae'; did you mean 'safe'?");
    steady_test_destroy(t);
}

/* Values at the edges are accepted; a refusal leaves the param as it was,
 * and its message does not outlive a start. */
static void test_set_param_accepts_inside_limits(void **unused)
{
    const uint64_t in[] = { 7, 8 };
    uint64_t out[2] = { 0 };
    struct steady_test *t = load_ranged();

    (void)unused;
    assert_int_equal(steady_test_set_param(t, "count", "1"), 0);
    assert_int_equal(steady_test_set_param(t, "count", "1000"), 0);
    assert_int_equal(steady_test_set_param(t, "ratio", "1"), 0);
    assert_int_equal(steady_test_set_param(t, "floor", "-5"), 0);
    assert_int_equal(steady_test_set_param(t, "ceiling", "0x10"), 0);
    assert_int_equal(steady_test_set_param(t, "mode", "slow"), 0);
    assert_int_equal(steady_test_set_param(t, "verbose", "true"), 0);
    assert_int_equal(steady_test_set_param(t, "count", "0"), -1);
    assert_non_null(steady_test_connect(t, "in", 4));
    assert_non_null(steady_test_connect(t, "out", 4));
    assert_int_equal(steady_test_feed(t, "in", in, 2), 2);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_run(t, 5000), 0);
    assert_string_equal(steady_test_error(t), "");
    assert_int_equal(steady_test_take(t, "out", out, 2), 2);
    assert_int_equal(out[0], 7);
    assert_int_equal(out[1], 8);
    steady_test_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_param_refuses_outside_limits),
        cmocka_unit_test(test_set_param_accepts_inside_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
