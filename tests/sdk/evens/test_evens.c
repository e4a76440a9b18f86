/* test_evens.c - the out-of-tree plugin's cmocka tests, through the
 * installed <steady/testing.h> and libsteady-testing: the plugin alone, and
 * in its graph (evens.yaml, in EVENS_DIR) beside the bundled plugins. */
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

/* The test stands in for generator, heartbeat and worker; evens and the
 * bundled logger run for real, and end by themselves once their inputs
 * have ended. */
static void test_evens_in_its_graph(void **unused)
{
    const uint64_t in[] = { 1, 2, 3, 4, 5, 6 };
    uint64_t out[4];
    struct steady_test_graph *g =
        steady_test_graph_load(EVENS_DIR "/evens.yaml", NULL);

    (void)unused;
    assert_non_null(g);
    assert_int_equal(steady_test_graph_stand_in(g, "generator"), 0);
    assert_int_equal(steady_test_graph_stand_in(g, "heartbeat"), 0);
    assert_int_equal(steady_test_graph_stand_in(g, "worker"), 0);
    assert_int_equal(steady_test_graph_start(g), 0);
    assert_int_equal(steady_test_graph_feed(g, "generator.out", in, 6), 6);
    assert_int_equal(steady_test_graph_close(g, "generator.out"), 0);
    assert_int_equal(
        steady_test_graph_await_output(g, "worker.values", 3, 5000), 3);
    assert_int_equal(steady_test_graph_take(g, "worker.values", out, 4), 3);
    assert_int_equal(out[0], 2);
    assert_int_equal(out[1], 4);
    assert_int_equal(out[2], 6);
    assert_int_equal(steady_test_graph_close(g, "worker.out"), 0);
    assert_int_equal(steady_test_graph_wait(g, 5000), 0);
    assert_int_equal(steady_test_graph_ended(g, "worker.values"), 1);
    steady_test_graph_destroy(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evens_passes_even_values),
        cmocka_unit_test(test_evens_in_its_graph),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
