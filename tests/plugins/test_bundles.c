/* test_bundles.c - bundles and any-typed ports through <steady/testing.h>,
 * with the test plugins tp_fanout (u64 in, round robin to a bundle out),
 * tp_fanin (a bundle in, tallied) and tp_anycopy (any-typed in and out):
 * a test port connected several times gives a bundle its channels in
 * order, the _at calls address each, a fan-in wakes on any channel and
 * idles at no CPU, a fan-out waits for room on one channel, restarts keep
 * everything, the harness refuses what a graph would, and in a graph test
 * the channel a file gives index i is the one steady_port_at(i) reaches. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <steady/testing.h>

static struct steady_test *load(const char *plugin)
{
    char path[512];
    struct steady_test *t;

    snprintf(path, sizeof(path), "%s/%s.so", STEADY_TEST_PLUGIN_DIR, plugin);
    t = steady_test_load(path, NULL);

    assert_non_null(t);
    return t;
}

static void await_log(struct steady_test *t, const char *text)
{
    if (!steady_test_await_log(t, text, 10000))
        fail_msg("log has no '%s':\n%s", text, steady_test_log(t));
}

static uint64_t ms_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* Waits (bounded) until the actor has taken `n` items from ch. */
static void await_taken(struct steady_channel *ch, uint64_t n)
{
    uint64_t deadline = ms_now() + 10000;

    while (steady_channel_taken_total(ch) < n) {
        if (ms_now() > deadline)
            fail_msg("the actor took %llu of %llu items within 10 s",
                     (unsigned long long)steady_channel_taken_total(ch),
                     (unsigned long long)n);
        sleep_ms(1);
    }
}

/* CPU time the whole test process used so far, in ms. */
static double process_cpu_ms(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* ---- fan-in ----------------------------------------------------------- */

/* Data on any channel wakes the bundle wait: each channel in turn, the
 * others empty. */
static void test_fanin_wakes_on_any_channel(void **unused)
{
    struct steady_test *t = load("tp_fanin");
    struct steady_channel *in[3];
    const uint64_t v[3] = { 10, 20, 30 };

    (void)unused;
    for (int i = 0; i < 3; i++)
        assert_non_null(in[i] = steady_test_connect(t, "in", 4));
    assert_int_equal(steady_test_start(t), 0);
    for (unsigned i = 3; i-- > 0;) {
        sleep_ms(20); /* asleep on the bundle by now, most likely */
        assert_int_equal(steady_test_feed_at(t, "in", i, &v[i], 1), 1);
        await_taken(in[i], 1);
    }
    steady_test_close_input(t, "in"); /* every channel */
    assert_int_equal(steady_test_wait(t, 10000), 0);
    await_log(t, "took 3 values from 3 channels (in[0]: 1, in[1]: 1, in[2]: "
                 "1), sum 60, 0 out of order");
    steady_test_destroy(t);
}

/* Waiting on a bundle whose channels are idle, one of them ended, uses no
 * CPU; the actor ends once the last one ends, with every value. */
static void test_fanin_idles_then_ends_with_the_last_channel(void **unused)
{
    struct steady_test *t = load("tp_fanin");
    const uint64_t a[] = { 0, 3 }, b[] = { 1, 4, 5 }, c[] = { 2 };
    struct steady_channel *in[3];
    double before, used;

    (void)unused;
    assert_int_equal(steady_test_set_param(t, "expect", "6"), 0);
    for (int i = 0; i < 3; i++)
        assert_non_null(in[i] = steady_test_connect(t, "in", 8));
    assert_int_equal(steady_test_feed_at(t, "in", 0, a, 2), 2);
    steady_test_close_input_at(t, "in", 0);
    assert_int_equal(steady_test_start(t), 0);
    await_log(t, "in[0] ended after 2 values");
    before = process_cpu_ms();
    sleep_ms(300);
    used = process_cpu_ms() - before;
    /* a spinning wait would use about 300 ms */
    if (used > 120)
        fail_msg("the idle fan-in used %.0f ms of CPU in 300 ms", used);
    assert_int_equal(steady_test_wait(t, 0), 1); /* still running */
    assert_int_equal(steady_test_feed_at(t, "in", 1, b, 3), 3);
    steady_test_close_input_at(t, "in", 1);
    await_taken(in[1], 3);
    /* two channels ended, one open: the bundle wait is not settled */
    assert_int_equal(steady_test_wait(t, 50), 1);
    assert_int_equal(steady_test_feed_at(t, "in", 2, c, 1), 1);
    steady_test_close_input_at(t, "in", 2);
    assert_int_equal(steady_test_wait(t, 10000), 0);
    await_log(t, "in[1] ended after 3 values");
    await_log(t, "took 6 values from 3 channels (in[0]: 2, in[1]: 3, in[2]: "
                 "1), sum 15");
    await_log(t, "exactly 0..5: yes");
    assert_false(steady_test_shutdown_requested_by_actor(t));
    steady_test_destroy(t);
}

/* ---- fan-out ---------------------------------------------------------- */

/* Round robin over the channels in connection order; when the next
 * channel is full the actor waits for room on that one channel, and a take
 * there wakes it. Its end closes every channel. */
static void test_fanout_round_robin_waits_on_one_channel(void **unused)
{
    struct steady_test *t = load("tp_fanout");
    struct steady_channel *out[3];
    uint64_t in[7], got[4];

    (void)unused;
    for (uint64_t i = 0; i < 7; i++)
        in[i] = 100 + i;
    assert_non_null(steady_test_connect(t, "in", 8));
    for (int i = 0; i < 3; i++)
        assert_non_null(out[i] = steady_test_connect(t, "out", 1));
    assert_int_equal(steady_test_feed(t, "in", in, 7), 7);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_start(t), 0);
    /* 100, 101, 102 fill the three channels; 103 waits for out[0] */
    assert_int_equal(steady_test_await_output_at(t, "out", 2, 1, 10000), 1);
    sleep_ms(20);
    assert_int_equal(steady_test_take_at(t, "out", 1, got, 4), 1);
    assert_int_equal(got[0], 101);
    sleep_ms(20); /* out[1] has room, but the turn is out[0]'s */
    assert_int_equal(steady_channel_sent_total(out[1]), 1);
    assert_int_equal(steady_test_take_at(t, "out", 0, got, 4), 1);
    assert_int_equal(got[0], 100);
    assert_int_equal(steady_test_await_output_at(t, "out", 1, 1, 10000), 1);
    assert_int_equal(steady_test_take_at(t, "out", 0, got, 4), 1);
    assert_int_equal(got[0], 103);
    assert_int_equal(steady_test_take_at(t, "out", 1, got, 4), 1);
    assert_int_equal(got[0], 104);
    assert_int_equal(steady_test_take_at(t, "out", 2, got, 4), 1);
    assert_int_equal(got[0], 102);
    assert_int_equal(steady_test_await_output_at(t, "out", 2, 1, 10000), 1);
    assert_int_equal(steady_test_take_at(t, "out", 2, got, 4), 1);
    assert_int_equal(got[0], 105);
    assert_int_equal(steady_test_await_output_at(t, "out", 0, 1, 10000), 1);
    assert_int_equal(steady_test_take(t, "out", got, 4), 1); /* out[0] */
    assert_int_equal(got[0], 106);
    assert_int_equal(steady_test_wait(t, 10000), 0);
    for (int i = 0; i < 3; i++)
        assert_true(steady_channel_is_closed_and_empty(out[i]));
    await_log(t, "moved 7 values to 3 channels");
    steady_test_destroy(t);
}

/* A failure mid-stream and a restart lose and double nothing: channels and
 * the round-robin position are kept. */
static void test_fanout_restart_keeps_channels_and_position(void **unused)
{
    struct steady_test *t = load("tp_fanout");
    uint64_t in[10], got[2][8];

    (void)unused;
    for (uint64_t i = 0; i < 10; i++)
        in[i] = i;
    assert_non_null(steady_test_connect(t, "in", 16));
    assert_non_null(steady_test_connect(t, "out", 8));
    assert_non_null(steady_test_connect(t, "out", 8));
    assert_int_equal(steady_test_set_param(t, "fail_at", "3"), 0);
    steady_test_set_restart(t, 2, 60, 1);
    assert_int_equal(steady_test_feed(t, "in", in, 10), 10);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_run(t, 10000), 0);
    assert_int_equal(steady_test_restarts(t), 1);
    assert_int_equal(steady_test_take_at(t, "out", 0, got[0], 8), 5);
    assert_int_equal(steady_test_take_at(t, "out", 1, got[1], 8), 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(got[0][i], 2 * i);
        assert_int_equal(got[1][i], 2 * i + 1);
    }
    steady_test_destroy(t);
}

/* ---- any-typed -------------------------------------------------------- */

struct pair {
    uint64_t a, b;
};

/* The type the test names is the one the actor sees, on both of its
 * any-typed ports. */
static void test_anycopy_takes_the_type_it_is_given(void **unused)
{
    struct steady_test *t = load("tp_anycopy");
    struct pair in[3] = { { 1, 2 }, { 3, 4 }, { 5, 6 } }, out[4];
    struct steady_channel *ch;

    (void)unused;
    assert_non_null(
        steady_test_connect_typed(t, "in", 4, "pair", sizeof(struct pair)));
    ch = steady_test_connect_typed(t, "out", 4, "pair", sizeof(struct pair));
    assert_non_null(ch);
    assert_string_equal(steady_channel_type_name(ch), "pair");
    assert_int_equal(steady_test_feed(t, "in", in, 3), 3);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_run(t, 10000), 0);
    assert_int_equal(steady_test_take(t, "out", out, 4), 3);
    assert_memory_equal(in, out, sizeof(in));
    await_log(t, "carries 'pair' (16 bytes)");
    await_log(t, "copied 3 items");
    steady_test_destroy(t);
}

/* The harness refuses, with a message, what a graph would: a type for an
 * any-typed port left out, two types for one actor, a plain port
 * connected twice, a typed port given another type, a channel index past
 * the last. */
static void test_harness_refusals(void **unused)
{
    struct steady_test *t = load("tp_anycopy");
    struct steady_test *f = load("tp_fanout");
    uint64_t v = 1;

    (void)unused;
    assert_null(steady_test_connect(t, "in", 4));
    assert_null(steady_test_connect_typed(t, "in", 4, STEADY_TYPE_ANY, 8));
    assert_non_null(steady_test_connect_typed(t, "in", 4, "u64", 8));
    assert_null(steady_test_connect_typed(t, "out", 4, "u32", 4));
    assert_null(steady_test_connect_typed(t, "in", 4, "u64", 8)); /* twice */
    assert_non_null(steady_test_connect_typed(t, "out", 4, "u64", 8));

    assert_non_null(steady_test_connect(f, "in", 4));
    assert_null(steady_test_connect(f, "in", 4));
    assert_null(steady_test_connect_typed(f, "out", 4, "u32", 4));
    assert_non_null(steady_test_connect_typed(f, "out", 4, "u64", 8));
    assert_non_null(steady_test_connect(f, "out", 4));
    assert_int_equal(steady_test_feed_at(f, "in", 1, &v, 1), 0);
    assert_int_equal(steady_test_take_at(f, "out", 2, &v, 1), 0);
    assert_int_equal(steady_test_await_output_at(f, "out", 5, 1, 10), 0);
    steady_test_destroy(f);
    steady_test_destroy(t);
}

/* Takes `n` values from a stood-in actor's channel, within a bound. */
static void take_n(struct steady_test_graph *g, const char *port, uint64_t *got,
                   size_t n)
{
    size_t taken = 0;

    for (int round = 0; round < 200 && taken < n; round++) {
        long k;

        assert_true(steady_test_graph_await_output(g, port, 1, 100) >= 0);
        k = steady_test_graph_take(g, port, got + taken, n - taken);
        assert_true(k >= 0);
        taken += (size_t)k;
    }
    assert_int_equal(taken, n);
}

/* tests/graphs/ports/indexed.yaml gives its bundle channels indices in the
 * reverse of the order it lists them: steady_port_at(a, port, i) is the
 * channel the file gives index i, not the i-th it lists. split sends item
 * k to out[k % 2] (out[1] is listed first), and fanin logs each in[i] with
 * what came through it (in[1] is listed first). */
static void test_graph_indices_address_port_at(void **unused)
{
    const char *const args[] = { "--plugin-path", STEADY_TEST_PLUGIN_DIR,
                                 NULL };
    struct steady_test_graph *g = steady_test_graph_load(
        STEADY_SOURCE_DIR "/tests/graphs/ports/indexed.yaml", args);
    const uint64_t in[6] = { 0, 1, 2, 3, 4, 5 };
    uint64_t odd[3], even[3];

    (void)unused;
    assert_non_null(g);
    assert_int_equal(steady_test_graph_stand_in(g, "src"), 0);
    assert_int_equal(steady_test_graph_stand_in(g, "odd"), 0);
    assert_int_equal(steady_test_graph_stand_in(g, "even"), 0);
    assert_int_equal(steady_test_graph_stand_in(g, "late"), 0);
    assert_int_equal(steady_test_graph_stand_in(g, "early"), 0);
    assert_int_equal(steady_test_graph_start(g), 0);

    assert_int_equal(steady_test_graph_feed(g, "src.out", in, 6), 6);
    assert_int_equal(steady_test_graph_close(g, "src.out"), 0);
    take_n(g, "odd.in", odd, 3);
    take_n(g, "even.in", even, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(odd[i], 2 * i + 1);
        assert_int_equal(even[i], 2 * i);
    }

    assert_int_equal(steady_test_graph_feed(g, "late.out", in, 3), 3);
    assert_int_equal(steady_test_graph_feed(g, "early.out", in, 5), 5);
    assert_int_equal(steady_test_graph_close(g, "late.out"), 0);
    assert_int_equal(steady_test_graph_close(g, "early.out"), 0);
    if (!steady_test_graph_await_log(g, "fanin", "in[1] ended after 3 values",
                                     10000) ||
        !steady_test_graph_await_log(g, "fanin", "in[0] ended after 5 values",
                                     10000))
        fail_msg("fanin's log:\n%s", steady_test_graph_log(g, "fanin"));
    assert_int_equal(steady_test_graph_wait(g, 10000), 0);
    steady_test_graph_destroy(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fanin_wakes_on_any_channel),
        cmocka_unit_test(test_fanin_idles_then_ends_with_the_last_channel),
        cmocka_unit_test(test_fanout_round_robin_waits_on_one_channel),
        cmocka_unit_test(test_fanout_restart_keeps_channels_and_position),
        cmocka_unit_test(test_anycopy_takes_the_type_it_is_given),
        cmocka_unit_test(test_harness_refusals),
        cmocka_unit_test(test_graph_indices_address_port_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
