/* test_end_of_stream.c - a finite graph ends by itself; an actor written
 * with the documented loop uses no CPU once its input has ended; a loop
 * written otherwise is named by the spin detector. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include "host_run.h"

#include <cmocka.h>
#include <sys/resource.h>

#define GRAPH(name) STEADY_SOURCE_DIR "/" name

static void expect_text(const struct host_run *h, const char *text)
{
    if (!strstr(h->output, text))
        fail_msg("output lacks '%s':\n%s", text, h->output);
}

/* CPU time (user + system) of the children waited for so far, in ms. */
static double children_cpu_ms(void)
{
    struct rusage ru;

    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void test_finite_graph_ends_by_itself(void **state)
{
    const char *args[] = { "run", GRAPH("graphs/finite.yaml"), "--count",
                           "100000", NULL };
    struct host_run h;
    double before = children_cpu_ms(), used;

    (void)state;
    assert_int_equal(host_run(&h, args, 60000), 0);
    used = children_cpu_ms() - before;
    expect_text(&h, "[seq] sent 100000 values");
    /* 0 + 1 + ... + 99999 */
    expect_text(&h, "[sink] took 100000 items, sum 4999950000");
    expect_text(&h, "graph 'finite' ended by itself: every actor has "
                    "finished (end of stream)");
    expect_text(&h, "stopped cleanly");
    /* start-up and 100000 values take tens of ms; a sink that spun after
     * its input ended would hold a core until the deadline (generous for
     * sanitizer builds on a loaded machine) */
    if (used > 1500)
        fail_msg("the graph used %.0f ms of CPU:\n%s", used, h.output);
    free(h.output);
}

/* graphs/fan.yaml through the host as a user runs it: every value reaches
 * the sink twice (through tee -> merge and through split), print logs
 * hello's values, and the graph ends by itself. */
static void test_fan_graph_ends_by_itself(void **state)
{
    const char *args[] = { "run",         GRAPH("graphs/fan.yaml"),
                           "--count",     "20000",
                           "--telemetry", "off",
                           NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 60000), 0);
    expect_text(&h, "[seq] sent 20000 values");
    expect_text(&h, "[tee] copied 20000 items to 2 outputs");
    expect_text(&h, "[split] sent 20000 items round robin to 2 outputs");
    expect_text(&h, "[merge] merged 40000 items from 3 inputs");
    /* 2 * (1 + ... + 20000) */
    expect_text(&h, "[sink] took 40000 items, sum 400020000");
    expect_text(&h, "[print] 40\n");
    expect_text(&h, "[print] 42\n");
    expect_text(&h, "[print] printed 3 items of u64");
    expect_text(&h, "graph 'fan' ended by itself: every actor has finished "
                    "(end of stream)");
    free(h.output);
}

/* The sink's input ends at once; the graph lives on for about a second
 * (the heartbeat's ten beats). A sink that spun would use that second of
 * CPU; one that ended uses next to none. */
static void check_idle_after_end(const char *graph)
{
    const char *args[] = { "run", graph, NULL };
    struct host_run h;
    double before = children_cpu_ms(), used;

    assert_int_equal(host_run(&h, args, 60000), 0);
    used = children_cpu_ms() - before;
    expect_text(&h, "[sink] took 1000 items, sum 499500");
    expect_text(&h, "[beats] took 10 items");
    /* the sink ended as soon as its input did, long before the heartbeat
     * asked for shutdown (a sink that waited on would end only then) */
    expect_text(&h, "requesting shutdown");
    if (strstr(h.output, "[sink] took") >
        strstr(h.output, "requesting shutdown"))
        fail_msg("the sink did not end when its input ended:\n%s", h.output);
    /* generous for sanitizer builds on a loaded machine: a spinning actor
     * uses about 1000 ms here */
    if (used > 600)
        fail_msg("the graph used %.0f ms of CPU in about 1 s:\n%s", used,
                 h.output);
    free(h.output);
}

static void test_documented_loop_idles_after_end(void **state)
{
    (void)state;
    check_idle_after_end(GRAPH("tests/graphs/eos/idle_after_end.yaml"));
}

/* The same with the sink in a troupe: its mates go on beating. */
static void test_documented_loop_idles_after_end_in_a_troupe(void **state)
{
    (void)state;
    check_idle_after_end(GRAPH("tests/graphs/eos/idle_after_end_troupe.yaml"));
}

static void test_spin_detector_names_the_actor(void **state)
{
    const char *args[] = { "run", GRAPH("tests/graphs/eos/spinner.yaml"),
                           "--plugin-path", STEADY_TEST_PLUGIN_DIR, NULL };
    struct host_run h;
    const char *first;

    (void)state;
    assert_int_equal(host_run(&h, args, 60000), 0);
    expect_text(&h, "[spinner] spinning: ");
    expect_text(&h, "because input 'in' has ended. Loop on steady_running(a)");
    /* once */
    first = strstr(h.output, "spinning: ");
    assert_null(strstr(first + 1, "spinning: "));
    free(h.output);
}

/* Runs a graph of tp_loops actors (the documented loop, each in a shape
 * whose wait stops waiting for good while an input still holds items or
 * has not ended): it must end by itself at once, exit 0, with no spin and
 * little CPU (a spinning actor would hold a core until the deadline). */
static void run_loops_graph(const char *graph, struct host_run *h)
{
    const char *args[] = { "run", graph, "--plugin-path",
                           STEADY_TEST_PLUGIN_DIR, NULL };
    double before = children_cpu_ms(), used;

    assert_int_equal(host_run(h, args, 20000), 0);
    used = children_cpu_ms() - before;
    expect_text(h, "ended by itself: every actor has finished");
    if (strstr(h->output, "spinning: "))
        fail_msg("an actor spun:\n%s", h->output);
    /* start-up alone; generous for sanitizer builds on a loaded machine */
    if (used > 1500)
        fail_msg("the graph used %.0f ms of CPU:\n%s", used, h->output);
}

/* The tail of a batched input: 7 items, waited for 5 at a time. */
static void test_batch_wait_ends_on_a_short_tail(void **state)
{
    struct host_run h;

    (void)state;
    run_loops_graph(GRAPH("tests/graphs/eos/batch_tail.yaml"), &h);
    expect_text(&h, "[batch] ends with 2 item(s) left in its inputs (the "
                    "first in 'in'): its wait can never be met any more, "
                    "because input 'in' has ended with 2 item(s), fewer "
                    "than the 5 it waits for");
    expect_text(&h, "[batch] took 5 items");
    free(h.output);
}

/* The same, with the tail taken when the wait returns false: nothing is
 * left behind and no warning is given. */
static void test_batch_wait_tail_taken_ends_quietly(void **state)
{
    struct host_run h;

    (void)state;
    run_loops_graph(GRAPH("tests/graphs/eos/batch_tail_taken.yaml"), &h);
    expect_text(&h, "[tail] took 7 items");
    assert_null(strstr(h.output, "[tail] ends with"));
    free(h.output);
}

/* A vote that says no keeps the actor going after its wait was cut short
 * (here until it has taken the tail on the third time). */
static void test_batch_wait_vote_no_keeps_it_going(void **state)
{
    struct host_run h;

    (void)state;
    run_loops_graph(GRAPH("tests/graphs/eos/batch_tail_vote.yaml"), &h);
    expect_text(&h, "[vote] took 7 items");
    expect_text(&h, "[vote] cut short 3 times");
    assert_null(strstr(h.output, "[vote] ends with"));
    free(h.output);
}

/* One of two inputs waited for together ends while the other holds
 * items. */
static void test_wait_on_two_inputs_ends_with_the_first(void **state)
{
    struct host_run h;

    (void)state;
    run_loops_graph(GRAPH("tests/graphs/eos/zip_early.yaml"), &h);
    expect_text(&h, "[zip] ends with 7 item(s) left in its inputs (the "
                    "first in 'in2'): its wait can never be met any more, "
                    "because input 'in' has ended");
    expect_text(&h, "[zip] took 6 items");
    free(h.output);
}

/* A consumer that leaves: its producer's wait for room (and then the
 * endless seq's) can never be met again. */
static void test_wait_for_room_ends_when_the_consumer_leaves(void **state)
{
    struct host_run h;

    (void)state;
    run_loops_graph(GRAPH("tests/graphs/eos/consumer_gone.yaml"), &h);
    expect_text(&h, "[few] took 3 items");
    expect_text(&h, "[pass] ends with ");
    expect_text(&h, "because output 'out' has no consumer any more");
    expect_text(&h, "[seq] ends: its wait can never be met any more, "
                    "because output 'out' has no consumer any more");
    free(h.output);
}

/* The same during shutdown: the consumer leaves once shutdown is
 * requested, and pass, whose input still holds items, ends with a warning
 * at once instead of spinning until the 60 s shutdown timeout. */
static void test_consumer_leaving_in_shutdown_ends_the_producer(void **state)
{
    const char *args[] = { "run",
                           GRAPH("tests/graphs/eos/"
                                 "consumer_gone_in_shutdown.yaml"),
                           "--plugin-path", STEADY_TEST_PLUGIN_DIR, NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_start(&h, args), 0);
    assert_true(host_await_output(&h, "[quit] its input holds 4 items", 20000));
    kill(h.pid, SIGTERM);
    if (host_wait(&h, 20000) != 0)
        fail_msg("exit %d:\n%s", h.status, h.output);
    expect_text(&h, "[pass] ends with ");
    expect_text(&h, "because output 'out' has no consumer any more");
    expect_text(&h, "stopped cleanly");
    if (strstr(h.output, "spinning: "))
        fail_msg("an actor spun:\n%s", h.output);
    free(h.output);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finite_graph_ends_by_itself),
        cmocka_unit_test(test_fan_graph_ends_by_itself),
        cmocka_unit_test(test_documented_loop_idles_after_end),
        cmocka_unit_test(test_documented_loop_idles_after_end_in_a_troupe),
        cmocka_unit_test(test_spin_detector_names_the_actor),
        cmocka_unit_test(test_batch_wait_ends_on_a_short_tail),
        cmocka_unit_test(test_batch_wait_tail_taken_ends_quietly),
        cmocka_unit_test(test_batch_wait_vote_no_keeps_it_going),
        cmocka_unit_test(test_wait_on_two_inputs_ends_with_the_first),
        cmocka_unit_test(test_wait_for_room_ends_when_the_consumer_leaves),
        cmocka_unit_test(test_consumer_leaving_in_shutdown_ends_the_producer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
