/* test_graph_standard.c - graph tests of the standard pipeline through
 * <steady/testing.h>: the test stands in for generator and logger, the real
 * heartbeat and worker run solo or in a troupe (and under supervision) as
 * the graph file says, and the FizzBuzz messages reaching the logger must
 * be exactly fizzbuzz(0), fizzbuzz(1), ... of what the test fed.
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

#define STANDARD   STEADY_SOURCE_DIR "/graphs/standard.yaml"
#define TROUPE     STEADY_SOURCE_DIR "/tests/graphs/gtest/troupe.yaml"
#define SUPERVISED STEADY_SOURCE_DIR "/tests/graphs/gtest/supervised.yaml"

#define N_VALUES 2000

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A graph with generator and logger stood in for, beating every 2 ms. */
static struct steady_test_graph *load_standing_in(const char *file)
{
    static const char *const args[] = { "--rate", "2", "--beats", "1000000",
                                        NULL };
    struct steady_test_graph *g = steady_test_graph_load(file, args);

    assert_non_null(g);
    assert_int_equal(steady_test_graph_stand_in(g, "generator"), 0);
    assert_int_equal(steady_test_graph_stand_in(g, "logger"), 0);
    return g;
}

/* Feeds 0..n-1 as the generator would, takes what reaches the logger, and
 * checks it is exactly fizzbuzz(0..n-1). Every wait is bounded. */
static void pump_and_check(struct steady_test_graph *g, const char *feed_at,
                           const char *take_at, uint64_t n)
{
    static uint64_t values[N_VALUES];
    static struct steady_fizzbuzz_msg got[N_VALUES];
    uint64_t deadline = now_ms() + 20000;
    uint64_t fed = 0, taken = 0;

    assert_true(n <= N_VALUES);
    for (uint64_t i = 0; i < n; i++)
        values[i] = i;
    while (taken < n && now_ms() < deadline) {
        long k;

        if (fed < n) {
            k = steady_test_graph_feed(g, feed_at, values + fed, n - fed);
            assert_true(k >= 0);
            fed += (uint64_t)k;
        }
        assert_true(steady_test_graph_await_output(g, take_at, 1, 100) >= 0);
        k = steady_test_graph_take(g, take_at, got + taken, n - taken);
        assert_true(k >= 0);
        taken += (uint64_t)k;
    }
    assert_int_equal(fed, n);
    assert_int_equal(taken, n);
    for (uint64_t i = 0; i < n; i++) {
        if (got[i].bits != steady_fizzbuzz_of(i).bits) {
            char want[32], was[32];

            steady_fizzbuzz_format(steady_fizzbuzz_of(i), want, sizeof(want));
            steady_fizzbuzz_format(got[i], was, sizeof(was));
            fail_msg("message %llu is %s, want %s", (unsigned long long)i, was,
                     want);
        }
    }
    /* and nothing more */
    assert_int_equal(steady_test_graph_await_output(g, take_at, 1, 50), 0);
}

/* Shutdown: the stand-ins' channels close, heartbeat and worker drain and
 * stop cleanly, and the worker's end of stream reaches the logger. */
static void shut_down(struct steady_test_graph *g)
{
    steady_test_graph_request_shutdown(g);
    assert_int_equal(steady_test_graph_wait(g, 10000), 0);
    assert_string_equal(steady_test_graph_error(g), "");
    assert_int_equal(steady_test_graph_ended(g, "logger.in"), 1);
}

static void test_standard_solo(void **state)
{
    struct steady_test_graph *g = load_standing_in(STANDARD);

    (void)state;
    assert_int_equal(steady_test_graph_start(g), 0);
    pump_and_check(g, "generator.out", "logger.in", N_VALUES);
    assert_true(steady_test_graph_log_contains(g, NULL, "on 2 threads"));
    assert_int_equal(steady_test_graph_restarts(g, "worker"), 0);
    shut_down(g);
    /* the real actors logged, the stood-in ones did not run */
    assert_true(steady_test_graph_log_contains(g, "worker", "beat "));
    assert_string_equal(steady_test_graph_log(g, "logger"), "");
    steady_test_graph_destroy(g);
}

static void test_standard_troupe(void **state)
{
    struct steady_test_graph *g = load_standing_in(TROUPE);

    (void)state;
    assert_int_equal(steady_test_graph_start(g), 0);
    /* heartbeat and worker share the troupe's one thread */
    assert_true(
        steady_test_graph_log_contains(g, NULL, "2 actors on 1 thread"));
    pump_and_check(g, "generator.out", "logger.in", N_VALUES);
    shut_down(g);
    steady_test_graph_destroy(g);
}

/* A channel named by its other end, or as "FROM -> TO", is the same
 * channel. */
static void test_channel_names(void **state)
{
    struct steady_test_graph *g = load_standing_in(STANDARD);

    (void)state;
    assert_int_equal(steady_test_graph_start(g), 0);
    pump_and_check(g, "worker.values", "worker.out -> logger.in", 100);
    shut_down(g);
    steady_test_graph_destroy(g);
}

/* The worker fails converting 7 and its supervisor restarts it, as the
 * file says; nothing is lost or repeated. */
static void test_supervised(void **state)
{
    struct steady_test_graph *g = load_standing_in(SUPERVISED);

    (void)state;
    assert_int_equal(steady_test_graph_start(g), 0);
    pump_and_check(g, "generator.out", "logger.in", 500);
    assert_int_equal(steady_test_graph_restarts(g, "worker"), 1);
    assert_true(steady_test_graph_log_contains(g, "worker",
                                               "injected failure converting "
                                               "7"));
    shut_down(g);
    steady_test_graph_destroy(g);
}

/* With heartbeat stood in for too, the test paces the worker itself, and
 * closing the worker's inputs ends the graph by itself (end of stream),
 * with no shutdown. */
static void test_end_of_stream(void **state)
{
    struct steady_test_graph *g = load_standing_in(STANDARD);
    uint64_t beat = 0, values[] = { 0, 1, 2, 3, 4, 5, 6 };
    struct steady_fizzbuzz_msg got[16];

    (void)state;
    assert_int_equal(steady_test_graph_stand_in(g, "heartbeat"), 0);
    assert_int_equal(steady_test_graph_start(g), 0);
    assert_true(
        steady_test_graph_log_contains(g, NULL, "1 actors on 1 thread"));
    assert_int_equal(steady_test_graph_feed(g, "generator.out", values, 7), 7);
    /* no beat, no move */
    assert_int_equal(steady_test_graph_await_output(g, "logger.in", 1, 100), 0);
    assert_int_equal(steady_test_graph_feed(g, "heartbeat.out", &beat, 1), 1);
    assert_int_equal(steady_test_graph_await_output(g, "logger.in", 7, 5000),
                     7);
    assert_int_equal(steady_test_graph_take(g, "logger.in", got, 16), 7);
    for (uint64_t i = 0; i < 7; i++)
        assert_int_equal(got[i].bits, steady_fizzbuzz_of(i).bits);
    assert_int_equal(steady_test_graph_ended(g, "logger.in"), 0);
    assert_int_equal(steady_test_graph_close(g, "heartbeat.out"), 0);
    assert_int_equal(steady_test_graph_close(g, "generator.out"), 0);
    assert_int_equal(steady_test_graph_wait(g, 10000), 0);
    assert_int_equal(steady_test_graph_ended(g, "logger.in"), 1);
    assert_true(steady_test_graph_log_contains(g, NULL, "ended by itself"));
    assert_false(steady_test_graph_log_contains(g, NULL, "shutdown requested"));
    steady_test_graph_destroy(g);
}

/* The real heartbeat asks for shutdown after its beats: the stood-in
 * generator counts as done, the worker drains what it was fed, and the
 * graph stops cleanly. */
static void test_shutdown_by_an_actor(void **state)
{
    /* the beats leave the test time to feed before shutdown comes */
    static const char *const args[] = { "--rate=200", "--beats=3", NULL };
    struct steady_test_graph *g = steady_test_graph_load(STANDARD, args);
    uint64_t values[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    struct steady_fizzbuzz_msg got[16];

    (void)state;
    assert_non_null(g);
    assert_int_equal(steady_test_graph_stand_in(g, "generator"), 0);
    assert_int_equal(steady_test_graph_stand_in(g, "logger"), 0);
    assert_int_equal(steady_test_graph_start(g), 0);
    assert_int_equal(steady_test_graph_feed(g, "generator.out", values, 10),
                     10);
    assert_int_equal(steady_test_graph_wait(g, 10000), 0);
    assert_true(
        steady_test_graph_log_contains(g, "heartbeat", "requesting shutdown"));
    assert_int_equal(steady_test_graph_take(g, "logger.in", got, 16), 10);
    for (uint64_t i = 0; i < 10; i++)
        assert_int_equal(got[i].bits, steady_fizzbuzz_of(i).bits);
    assert_int_equal(steady_test_graph_ended(g, "logger.in"), 1);
    steady_test_graph_destroy(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_solo),
        cmocka_unit_test(test_standard_troupe),
        cmocka_unit_test(test_channel_names),
        cmocka_unit_test(test_supervised),
        cmocka_unit_test(test_end_of_stream),
        cmocka_unit_test(test_shutdown_by_an_actor),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
