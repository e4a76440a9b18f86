/* test_graph_hostile.c - graph tests of <steady/testing.h> used wrongly:
 * unknown actors, ports and channels, feeding what a real actor feeds,
 * taking what a real actor takes, calls out of order, timeouts that are
 * reached, a shutdown that times out, an init that fails, and destroying
 * a graph never started or still running. Each gets a clear result and a
 * message, never a crash or a hang.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <steady/testing.h>

#define STANDARD  STEADY_SOURCE_DIR "/graphs/standard.yaml"
#define SLOW_STOP STEADY_SOURCE_DIR "/tests/graphs/gtest/slow_stop.yaml"
#define FAILINIT  STEADY_SOURCE_DIR "/tests/graphs/gtest/failinit.yaml"
#define SLOWINIT  STEADY_SOURCE_DIR "/tests/graphs/gtest/slowinit.yaml"

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- what the harness says on stderr ------------------------------------ */

static FILE *captured;
static int saved_stderr = -1;
static char said[8192];

static void capture_stderr(void)
{
    fflush(stderr);
    captured = tmpfile();
    assert_non_null(captured);
    saved_stderr = dup(2);
    assert_true(saved_stderr >= 0);
    assert_true(dup2(fileno(captured), 2) >= 0);
}

/* Restores stderr and returns what was written to it meanwhile. */
static const char *captured_stderr(void)
{
    size_t n;

    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    rewind(captured);
    n = fread(said, 1, sizeof(said) - 1, captured);
    said[n] = '\0';
    fclose(captured);
    fputs(said, stderr); /* still visible in the test's output */
    return said;
}

static void expect_said(const char *text)
{
    const char *s = captured_stderr();

    if (!strstr(s, text))
        fail_msg("expected '%s' on stderr, got '%s'", text, s);
}

/* Standard graph, generator and logger stood in for; heartbeat slow. */
static struct steady_test_graph *standard(bool start)
{
    struct steady_test_graph *g = steady_test_graph_load(STANDARD, NULL);

    assert_non_null(g);
    assert_int_equal(steady_test_graph_stand_in(g, "generator"), 0);
    assert_int_equal(steady_test_graph_stand_in(g, "logger"), 0);
    if (start)
        assert_int_equal(steady_test_graph_start(g), 0);
    return g;
}

/* ---- loading ------------------------------------------------------------ */

static void expect_load_refused(const char *file, const char *const *args,
                                const char *text)
{
    capture_stderr();
    assert_null(steady_test_graph_load(file, args));
    expect_said(text);
}

static void test_load_refused(void **state)
{
    static const char *const no_dashes[] = { "rate", "5", NULL };
    static const char *const no_value[] = { "--rate", NULL };
    static const char *const telemetry[] = { "--telemetry", "off", NULL };
    static const char *const unknown[] = { "--rat", "5", NULL };
    static const char *const bad_limit[] = { "--start-timeout-ms", "0", NULL };
    static const char *const bad_limit2[] = { "--start-timeout-ms=5s", NULL };

    (void)state;
    expect_load_refused(NULL, NULL, "no graph file");
    expect_load_refused(STEADY_SOURCE_DIR "/graphs/nosuch.yaml", NULL,
                        "nosuch.yaml");
    expect_load_refused(STANDARD, no_dashes, "expected an option");
    expect_load_refused(STANDARD, no_value, "needs a value");
    expect_load_refused(STANDARD, telemetry, "telemetry off");
    expect_load_refused(STANDARD, unknown, "unknown flag '--rat'");
    expect_load_refused(STANDARD, bad_limit,
                        "--start-timeout-ms: expected milliseconds");
    expect_load_refused(STANDARD, bad_limit2, "got '5s'");
}

/* ---- names -------------------------------------------------------------- */

static void test_unknown_actor(void **state)
{
    struct steady_test_graph *g = standard(false);

    (void)state;
    capture_stderr();
    assert_int_equal(steady_test_graph_stand_in(g, "genrator"), -1);
    expect_said("no actor 'genrator'; did you mean 'generator'?");
    capture_stderr();
    assert_int_equal(steady_test_graph_stand_in(g, "zzzzzzzzzz"), -1);
    expect_said("its actors are heartbeat, generator, worker, logger");
    capture_stderr();
    assert_int_equal(steady_test_graph_stand_in(g, NULL), -1);
    expect_said("no actor name");
    capture_stderr();
    assert_int_equal(steady_test_graph_restarts(g, "nosuch"), -1);
    expect_said("no actor 'nosuch'");
    capture_stderr();
    assert_null(steady_test_graph_log(g, "nosuch"));
    expect_said("no actor 'nosuch'");
    capture_stderr();
    assert_false(steady_test_graph_await_log(g, "nosuch", "x", 10));
    expect_said("no actor 'nosuch'");
    steady_test_graph_destroy(g);
}

static void expect_feed_refused(struct steady_test_graph *g, const char *ch,
                                const char *text)
{
    uint64_t v = 1;

    capture_stderr();
    assert_int_equal(steady_test_graph_feed(g, ch, &v, 1), -1);
    expect_said(text);
}

static void expect_take_refused(struct steady_test_graph *g, const char *ch,
                                const char *text)
{
    uint64_t v;

    capture_stderr();
    assert_int_equal(steady_test_graph_take(g, ch, &v, 1), -1);
    expect_said(text);
}

static void test_unknown_port_or_channel(void **state)
{
    struct steady_test_graph *g = standard(true);

    (void)state;
    expect_feed_refused(g, "generator.outt",
                        "actor 'generator' (plugin generator) has no port "
                        "'outt'; did you mean 'out'?");
    expect_feed_refused(g, "generator.zzzzzzzz", "its ports are out");
    expect_feed_refused(g, "gen.out", "no actor 'gen'");
    expect_feed_refused(g, "generator", "expected a channel as 'ACTOR.PORT'");
    expect_feed_refused(g, ".out", "expected a channel");
    expect_feed_refused(g, "generator.", "expected a channel");
    expect_feed_refused(g, NULL, "no channel name");
    expect_feed_refused(g, "generator.out -> logger.in",
                        "has no channel 'generator.out -> logger.in'");
    expect_take_refused(g, "worker.values -> nosuch.in", "no actor 'nosuch'");
    steady_test_graph_destroy(g);
}

/* ---- the wrong end ------------------------------------------------------ */

static void test_wrong_end(void **state)
{
    struct steady_test_graph *g = standard(true);
    uint64_t v = 0;

    (void)state;
    /* feeding what a real actor sends to a stood-in one */
    expect_feed_refused(g, "logger.in",
                        "channel 'worker.out -> logger.in' is fed by "
                        "'worker', which runs for real");
    expect_feed_refused(g, "worker.out", "steady_test_graph_take");
    /* neither end stood in for */
    expect_feed_refused(g, "heartbeat.out",
                        "neither end of channel 'heartbeat.out -> "
                        "worker.heartbeat' is stood in for; stand in for "
                        "'heartbeat'");
    /* taking what a real actor takes from a stood-in one, or from a real
     * actor's output */
    expect_take_refused(g, "generator.out",
                        "channel 'generator.out -> worker.values' reaches "
                        "'worker', which runs for real");
    expect_take_refused(g, "heartbeat.out",
                        "stand in for 'worker' before start to take");
    capture_stderr();
    assert_int_equal(steady_test_graph_close(g, "logger.in"), -1);
    expect_said("which runs for real");
    capture_stderr();
    assert_int_equal(steady_test_graph_await_output(g, "generator.out", 1, 10),
                     -1);
    expect_said("which runs for real");
    capture_stderr();
    assert_int_equal(steady_test_graph_await_room(g, "logger.in", 1, 10), -1);
    expect_said("which runs for real");
    capture_stderr();
    assert_int_equal(steady_test_graph_ended(g, "heartbeat.out"), -1);
    expect_said("neither end");
    capture_stderr();
    assert_int_equal(steady_test_graph_ended(g, "generator.out"), -1);
    expect_said("the test feeds it");
    /* NULL items */
    capture_stderr();
    assert_int_equal(steady_test_graph_feed(g, "generator.out", NULL, 1), -1);
    expect_said("no items");
    capture_stderr();
    assert_int_equal(steady_test_graph_take(g, "logger.in", NULL, 1), -1);
    expect_said("no room for items");
    /* the right ends still work */
    assert_int_equal(steady_test_graph_feed(g, "generator.out", &v, 1), 1);
    assert_int_equal(steady_test_graph_take(g, "logger.in", &v, 1), 0);
    steady_test_graph_destroy(g);
}

/* ---- out of order -------------------------------------------------------- */

static void test_out_of_order(void **state)
{
    struct steady_test_graph *g = standard(false);
    uint64_t v = 0;

    (void)state;
    expect_feed_refused(g, "generator.out", "call steady_test_graph_start");
    expect_take_refused(g, "logger.in", "call steady_test_graph_start");
    capture_stderr();
    assert_int_equal(steady_test_graph_wait(g, 10), -1);
    expect_said("not started");
    capture_stderr();
    assert_int_equal(steady_test_graph_restarts(g, "worker"), -1);
    expect_said("not started");
    capture_stderr();
    assert_int_equal(steady_test_graph_restarts(g, "logger"), -1);
    expect_said("stood in for");

    assert_int_equal(steady_test_graph_start(g), 0);
    capture_stderr();
    assert_int_equal(steady_test_graph_stand_in(g, "worker"), -1);
    expect_said("started already; stand in for 'worker' before");
    capture_stderr();
    assert_int_equal(steady_test_graph_start(g), -1);
    expect_said("started already");

    /* feeding after shutdown: the stood-in generator has ended */
    steady_test_graph_request_shutdown(g);
    expect_feed_refused(g, "generator.out", "closed (shutdown was requested)");
    assert_int_equal(steady_test_graph_wait(g, 10000), 0);
    assert_int_equal(steady_test_graph_take(g, "logger.in", &v, 1), 0);
    assert_int_equal(steady_test_graph_ended(g, "logger.in"), 1);
    /* waiting again gives the same result */
    assert_int_equal(steady_test_graph_wait(g, 10), 0);
    steady_test_graph_destroy(g);
}

static void test_null_graph(void **state)
{
    uint64_t v = 0;

    (void)state;
    capture_stderr();
    assert_int_equal(steady_test_graph_stand_in(NULL, "x"), -1);
    assert_int_equal(steady_test_graph_start(NULL), -1);
    assert_int_equal(steady_test_graph_feed(NULL, "a.b", &v, 1), -1);
    assert_int_equal(steady_test_graph_take(NULL, "a.b", &v, 1), -1);
    assert_int_equal(steady_test_graph_close(NULL, "a.b"), -1);
    assert_int_equal(steady_test_graph_await_output(NULL, "a.b", 1, 1), -1);
    assert_int_equal(steady_test_graph_await_room(NULL, "a.b", 1, 1), -1);
    assert_int_equal(steady_test_graph_ended(NULL, "a.b"), -1);
    assert_int_equal(steady_test_graph_wait(NULL, 1), -1);
    assert_int_equal(steady_test_graph_restarts(NULL, "x"), -1);
    assert_null(steady_test_graph_log(NULL, "x"));
    assert_false(steady_test_graph_log_contains(NULL, "x", "y"));
    steady_test_graph_request_shutdown(NULL);
    assert_string_equal(steady_test_graph_error(NULL), "");
    steady_test_graph_destroy(NULL);
    expect_said("no graph (NULL)");
}

/* ---- timeouts ------------------------------------------------------------ */

static void test_timeouts_reached(void **state)
{
    struct steady_test_graph *g = standard(false);
    uint64_t values[64] = { 0 }, t;

    (void)state;
    /* the worker never moves a value: nobody beats */
    assert_int_equal(steady_test_graph_stand_in(g, "heartbeat"), 0);
    assert_int_equal(steady_test_graph_start(g), 0);

    t = now_ms();
    assert_int_equal(steady_test_graph_await_output(g, "logger.in", 5, 100), 0);
    assert_in_range(now_ms() - t, 90, 5000);

    assert_int_equal(steady_test_graph_feed(g, "generator.out", values, 64),
                     64);
    assert_int_equal(steady_test_graph_feed(g, "generator.out", values, 1), 0);
    t = now_ms();
    assert_int_equal(steady_test_graph_await_room(g, "generator.out", 1, 100),
                     0);
    assert_in_range(now_ms() - t, 90, 5000);

    /* the graph runs on: wait says so at its deadline */
    t = now_ms();
    assert_int_equal(steady_test_graph_wait(g, 100), 1);
    assert_in_range(now_ms() - t, 90, 5000);
    assert_false(steady_test_graph_await_log(g, "worker", "never said", 50));

    /* a beat moves what fits; the rest waits for the logger's room */
    assert_int_equal(steady_test_graph_feed(g, "heartbeat.out", &t, 1), 1);
    assert_int_equal(steady_test_graph_await_room(g, "generator.out", 64, 5000),
                     64);
    assert_int_equal(steady_test_graph_await_output(g, "logger.in", 64, 5000),
                     64);
    steady_test_graph_destroy(g);
}

/* The stood-in logger stops taking: the worker cannot drain, shutdown
 * times out after the file's 300 ms, and wait says who and why instead of
 * hanging; destroy then lets the worker go. */
static void test_shutdown_times_out(void **state)
{
    static const char *const args[] = { "--rate", "2", NULL };
    struct steady_test_graph *g = steady_test_graph_load(SLOW_STOP, args);
    uint64_t values[64], t;

    (void)state;
    for (uint64_t i = 0; i < 64; i++)
        values[i] = i;
    assert_non_null(g);
    assert_int_equal(steady_test_graph_stand_in(g, "generator"), 0);
    assert_int_equal(steady_test_graph_stand_in(g, "logger"), 0);
    assert_int_equal(steady_test_graph_start(g), 0);
    assert_int_equal(steady_test_graph_feed(g, "generator.out", values, 64),
                     64);
    assert_int_equal(steady_test_graph_await_output(g, "logger.in", 4, 5000),
                     4);
    steady_test_graph_request_shutdown(g);
    t = now_ms();
    assert_int_equal(steady_test_graph_wait(g, 20000), -1);
    assert_in_range(now_ms() - t, 250, 10000);
    assert_non_null(
        strstr(steady_test_graph_error(g), "shutdown timed out after 300 ms"));
    assert_non_null(strstr(steady_test_graph_error(g), "worker"));
    /* still running, and said so at once; the reason stays */
    assert_int_equal(steady_test_graph_wait(g, 10), 1);
    assert_non_null(strstr(steady_test_graph_error(g), "shutdown timed out"));
    assert_true(steady_test_graph_log_contains(
        g, NULL, "actor 'worker' has not exited"));
    t = now_ms();
    steady_test_graph_destroy(g);
    assert_in_range(now_ms() - t, 0, 10000);
}

static void test_init_fails(void **state)
{
    static const char *const args[] = { "--plugin-path", STEADY_TEST_PLUGIN_DIR,
                                        NULL };
    struct steady_test_graph *g = steady_test_graph_load(FAILINIT, args);

    (void)state;
    assert_non_null(g);
    assert_int_equal(steady_test_graph_stand_in(g, "generator"), 0);
    assert_int_equal(steady_test_graph_start(g), -1);
    assert_non_null(strstr(steady_test_graph_error(g),
                           "actor 'refuser' (plugin tp_failinit) failed to "
                           "start: init refuses: on purpose"));
    assert_int_equal(steady_test_graph_wait(g, 10), -1);
    steady_test_graph_destroy(g);
}

/* An init that takes longer than the start may: start says who, at its
 * deadline, and destroy waits for the init to end. */
static void test_start_times_out(void **state)
{
    static const char *const args[] = { "--plugin-path",
                                        STEADY_TEST_PLUGIN_DIR,
                                        "--start-timeout-ms",
                                        "200",
                                        "--init",
                                        "3000",
                                        NULL };
    struct steady_test_graph *g = steady_test_graph_load(SLOWINIT, args);
    uint64_t t;

    (void)state;
    assert_non_null(g);
    t = now_ms();
    assert_int_equal(steady_test_graph_start(g), -1);
    assert_in_range(now_ms() - t, 150, 2500); /* not the whole init */
    assert_non_null(strstr(steady_test_graph_error(g),
                           "start-up took too long; actor 'slow' (plugin "
                           "tp_faults) is still in init"));
    assert_int_equal(steady_test_graph_wait(g, 10), -1);
    steady_test_graph_destroy(g);
    assert_in_range(now_ms() - t, 2900, 13000); /* the whole init */
}

/* ---- destroy ------------------------------------------------------------- */

static void test_destroy_without_start(void **state)
{
    (void)state;
    steady_test_graph_destroy(standard(false));
    steady_test_graph_destroy(steady_test_graph_load(STANDARD, NULL));
}

static void test_destroy_while_running(void **state)
{
    struct steady_test_graph *g = standard(true);
    uint64_t values[64] = { 0 }, t;

    (void)state;
    /* values in flight, output nobody takes, no shutdown asked */
    assert_int_equal(steady_test_graph_feed(g, "generator.out", values, 64),
                     64);
    t = now_ms();
    steady_test_graph_destroy(g);
    assert_in_range(now_ms() - t, 0, 10000);

    /* and with nothing stood in for: the whole graph for real */
    g = steady_test_graph_load(STANDARD, NULL);
    assert_non_null(g);
    assert_int_equal(steady_test_graph_start(g), 0);
    assert_int_equal(steady_test_graph_wait(g, 20), 1);
    t = now_ms();
    steady_test_graph_destroy(g);
    assert_in_range(now_ms() - t, 0, 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_refused),
        cmocka_unit_test(test_unknown_actor),
        cmocka_unit_test(test_unknown_port_or_channel),
        cmocka_unit_test(test_wrong_end),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_null_graph),
        cmocka_unit_test(test_timeouts_reached),
        cmocka_unit_test(test_shutdown_times_out),
        cmocka_unit_test(test_init_fails),
        cmocka_unit_test(test_start_times_out),
        cmocka_unit_test(test_destroy_without_start),
        cmocka_unit_test(test_destroy_while_running),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
