/* Tests of the stock any-typed actors tee, merge, split and print, loaded
 * from their built .so files, and of graphs/fan.yaml as a graph test that
 * stands in for its source and its sink. Every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <stdio.h>
#include <steady/testing.h>
#include <string.h>

#define FAN STEADY_SOURCE_DIR "/graphs/fan.yaml"

static struct steady_test *load(const char *plugin)
{
    struct steady_test *t = steady_test_load(plugin, NULL);

    assert_non_null(t);
    return t;
}

/* tee copies every item to each output, in order, and ends with its input. */
static void test_tee_copies_to_every_output(void **unused)
{
    const uint64_t in[] = { 5, 6, 7, 8, 9 };
    uint64_t got[8];
    struct steady_test *t = load("tee");

    (void)unused;
    assert_non_null(steady_test_connect_typed(t, "in", 8, "u64", 8));
    assert_non_null(steady_test_connect_typed(t, "out", 8, "u64", 8));
    assert_non_null(steady_test_connect_typed(t, "out", 8, "u64", 8));
    assert_int_equal(steady_test_start(t), 0);
    assert_int_equal(steady_test_feed(t, "in", in, 5), 5);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_wait(t, 5000), 0);
    for (unsigned k = 0; k < 2; k++) {
        assert_int_equal(steady_test_take_at(t, "out", k, got, 8), 5);
        for (int i = 0; i < 5; i++)
            assert_int_equal(got[i], in[i]);
    }
    assert_true(steady_test_log_contains(t, "copied 5 items to 2 outputs"));
    steady_test_destroy(t);
}

/* split deals items round robin: item i to output i mod n. */
static void test_split_round_robin(void **unused)
{
    const uint64_t in[] = { 0, 1, 2, 3, 4, 5, 6 };
    uint64_t got[8];
    struct steady_test *t = load("split");

    (void)unused;
    assert_non_null(steady_test_connect_typed(t, "in", 8, "u64", 8));
    for (int k = 0; k < 3; k++)
        assert_non_null(steady_test_connect_typed(t, "out", 8, "u64", 8));
    assert_int_equal(steady_test_start(t), 0);
    assert_int_equal(steady_test_feed(t, "in", in, 7), 7);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_wait(t, 5000), 0);
    for (unsigned k = 0; k < 3; k++) {
        size_t n = steady_test_take_at(t, "out", k, got, 8);

        assert_int_equal(n, k == 0 ? 3 : 2);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(got[i], k + 3 * i);
    }
    steady_test_destroy(t);
}

/* merge takes from every input, keeps each input's order, and ends only
 * when every input has ended. */
static void test_merge_takes_every_input(void **unused)
{
    const uint64_t a[] = { 1, 2, 3 }, b[] = { 10, 20 };
    uint64_t got[8], sum = 0;
    struct steady_test *t = load("merge");

    (void)unused;
    assert_non_null(steady_test_connect_typed(t, "in", 8, "u64", 8));
    assert_non_null(steady_test_connect_typed(t, "in", 8, "u64", 8));
    assert_non_null(steady_test_connect_typed(t, "out", 8, "u64", 8));
    assert_int_equal(steady_test_start(t), 0);
    assert_int_equal(steady_test_feed_at(t, "in", 0, a, 3), 3);
    steady_test_close_input_at(t, "in", 0);
    assert_int_equal(steady_test_await_output(t, "out", 3, 5000), 3);
    /* one input ended, the other has not: merge goes on */
    assert_int_equal(steady_test_wait(t, 50), 1);
    assert_int_equal(steady_test_feed_at(t, "in", 1, b, 2), 2);
    steady_test_close_input_at(t, "in", 1);
    assert_int_equal(steady_test_wait(t, 5000), 0);
    assert_int_equal(steady_test_take(t, "out", got, 8), 5);
    for (int i = 0; i < 5; i++)
        sum += got[i];
    assert_int_equal(sum, 36);
    assert_int_equal(got[0], 1);
    assert_int_equal(got[1], 2);
    assert_int_equal(got[2], 3);
    steady_test_destroy(t);
}

/* merge is fair: with both inputs full from the start, the first items
 * out come from both (at most 64 from one input per round), not all of
 * input 0 before input 1. */
static void test_merge_is_fair(void **unused)
{
    enum { N = 200 };
    uint64_t a[N], b[N], got[2 * N];
    unsigned from_b = 0;
    struct steady_test *t = load("merge");

    (void)unused;
    for (uint64_t i = 0; i < N; i++) {
        a[i] = i;
        b[i] = 1000 + i;
    }
    assert_non_null(steady_test_connect_typed(t, "in", N, "u64", 8));
    assert_non_null(steady_test_connect_typed(t, "in", N, "u64", 8));
    /* room to spare: with its inputs ended merge still waits for room */
    assert_non_null(steady_test_connect_typed(t, "out", 2 * N + 8, "u64", 8));
    assert_int_equal(steady_test_feed_at(t, "in", 0, a, N), N);
    assert_int_equal(steady_test_feed_at(t, "in", 1, b, N), N);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_start(t), 0);
    assert_int_equal(steady_test_wait(t, 5000), 0);
    assert_int_equal(steady_test_take(t, "out", got, 2 * N), 2 * N);
    for (int i = 0; i < 128; i++)
        from_b += got[i] >= 1000;
    assert_int_equal(from_b, 64);
    steady_test_destroy(t);
}

/* A print actor fed n items of a fixed-size type, run to its end; the
 * caller reads its log and destroys it. */
static struct steady_test *print_run(const char *type, size_t size,
                                     const void *items, size_t n)
{
    struct steady_test *t = load("print");

    assert_non_null(steady_test_connect_typed(t, "in", 8, type, size));
    assert_int_equal(steady_test_start(t), 0);
    assert_int_equal(steady_test_feed(t, "in", items, n), n);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_wait(t, 5000), 0);
    return t;
}

/* print logs numbers as values and other types as hex. */
static void test_print_logs_values(void **unused)
{
    const uint64_t in[] = { 42, 7 };
    const unsigned char raw[4] = { 0xde, 0xad, 0xbe, 0xef };
    struct steady_test *t, *h;

    (void)unused;
    t = print_run("u64", 8, in, 2);
    assert_true(steady_test_log_contains(t, "42\n7\n"));
    assert_true(steady_test_log_contains(t, "printed 2 items of u64"));
    steady_test_destroy(t);

    h = print_run("rgba", 4, raw, 1);
    assert_true(steady_test_log_contains(h, "de ad be ef"));
    steady_test_destroy(h);
}

/* ---- variable-size messages through the any-typed stock actors ---- */

static const char *const texts[] = {
    "a", "bb", "", "dddd", "eeeee", "a longer message of text", "g"
};
#define N_TEXTS (sizeof(texts) / sizeof(texts[0]))

static struct steady_channel *text_port(struct steady_test *t, const char *port)
{
    struct steady_channel *ch =
        steady_test_connect_typed(t, port, 16, "text", STEADY_VARSIZE);

    assert_non_null(ch);
    return ch;
}

static void send_text(struct steady_channel *ch, const char *m)
{
    assert_true(steady_channel_send_msg(ch, m, strlen(m)));
}

/* Takes the next message of ch and checks it is `want`. */
static void expect_text_msg(struct steady_channel *ch, const char *want)
{
    size_t len;
    const char *m = steady_channel_peek_msg(ch, &len);

    assert_non_null(m);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(m, want, len);
    steady_channel_take_msg(ch);
}

/* tee copies each message, empty ones included, to every output. */
static void test_tee_copies_text_messages(void **unused)
{
    struct steady_test *t = load("tee");
    struct steady_channel *in = text_port(t, "in");
    struct steady_channel *out[2] = { text_port(t, "out"),
                                      text_port(t, "out") };

    (void)unused;
    assert_int_equal(steady_test_start(t), 0);
    for (size_t i = 0; i < N_TEXTS; i++)
        send_text(in, texts[i]);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_wait(t, 5000), 0);
    for (unsigned k = 0; k < 2; k++) {
        for (size_t i = 0; i < N_TEXTS; i++)
            expect_text_msg(out[k], texts[i]);
        assert_null(steady_channel_peek_msg(out[k], &(size_t){ 0 }));
    }
    steady_test_destroy(t);
}

/* split deals messages round robin, as it deals fixed-size items. */
static void test_split_deals_text_messages(void **unused)
{
    struct steady_test *t = load("split");
    struct steady_channel *in = text_port(t, "in");
    struct steady_channel *out[3] = { text_port(t, "out"), text_port(t, "out"),
                                      text_port(t, "out") };

    (void)unused;
    assert_int_equal(steady_test_start(t), 0);
    for (size_t i = 0; i < N_TEXTS; i++)
        send_text(in, texts[i]);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_wait(t, 5000), 0);
    for (size_t i = 0; i < N_TEXTS; i++)
        expect_text_msg(out[i % 3], texts[i]);
    for (unsigned k = 0; k < 3; k++)
        assert_null(steady_channel_peek_msg(out[k], &(size_t){ 0 }));
    steady_test_destroy(t);
}

/* merge takes every message of every input, each input's in order. */
static void test_merge_takes_text_messages(void **unused)
{
    struct steady_test *t = load("merge");
    struct steady_channel *in[2] = { text_port(t, "in"), text_port(t, "in") };
    struct steady_channel *out = text_port(t, "out");
    size_t next[2] = { 0, 0 }, len;
    char want[2][32];

    (void)unused;
    assert_int_equal(steady_test_start(t), 0);
    for (unsigned k = 0; k < 2; k++) {
        for (size_t i = 0; i < 5; i++) {
            snprintf(want[k], sizeof(want[k]), "%c%zu", k ? 'b' : 'a', i);
            send_text(in[k], want[k]);
        }
    }
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_wait(t, 5000), 0);
    for (size_t n = 0; n < 10; n++) {
        const char *m = steady_channel_peek_msg(out, &len);
        unsigned k;

        assert_non_null(m);
        k = m[0] == 'b';
        snprintf(want[k], sizeof(want[k]), "%c%zu", k ? 'b' : 'a', next[k]++);
        assert_int_equal(len, strlen(want[k]));
        assert_memory_equal(m, want[k], len);
        steady_channel_take_msg(out);
    }
    assert_null(steady_channel_peek_msg(out, &len));
    assert_true(steady_test_log_contains(t, "merged 10 items from 2 inputs"));
    steady_test_destroy(t);
}

/* print logs i64 and f64 as numbers, text as text with non-printable
 * bytes escaped, and cuts what is longer than max_bytes. */
static void test_print_logs_signed_float_and_text(void **unused)
{
    const int64_t i[] = { -5, 9 };
    const double d[] = { 2.5, -0.125 };
    struct steady_test *ti, *td, *tt = load("print");

    (void)unused;
    ti = print_run("i64", 8, i, 2);
    assert_true(steady_test_log_contains(ti, "-5\n"));
    assert_true(steady_test_log_contains(ti, "printed 2 items of i64"));
    steady_test_destroy(ti);

    td = print_run("f64", 8, d, 2);
    assert_true(steady_test_log_contains(td, "2.5\n"));
    assert_true(steady_test_log_contains(td, "-0.125\n"));
    steady_test_destroy(td);

    assert_int_equal(steady_test_set_param(tt, "max_bytes", "8"), 0);
    assert_non_null(
        steady_test_connect_typed(tt, "in", 8, "text", STEADY_VARSIZE));
    assert_int_equal(steady_test_start(tt), 0);
    assert_true(steady_test_feed_msg(tt, "in", "hi\tyou", 6));
    assert_true(steady_test_feed_msg(tt, "in", "a long line of text", 19));
    steady_test_close_input(tt, "in");
    assert_int_equal(steady_test_wait(tt, 5000), 0);
    assert_true(steady_test_log_contains(tt, "hi\\x09you\n"));
    assert_true(steady_test_log_contains(tt, "a long l... (19 bytes)\n"));
    assert_true(steady_test_log_contains(tt, "printed 2 items of text"));
    steady_test_destroy(tt);
}

/* graphs/fan.yaml with its source and sink stood in for: every value fed
 * comes out twice (once through tee -> merge, once through split), and the
 * graph ends by itself once the source's channel is closed. */
static void test_fan_graph_doubles_every_value(void **unused)
{
    enum { N = 500 };
    static uint64_t in[N], got[2 * N + 1];
    const char *const args[] = { "--count", "3", NULL };
    struct steady_test_graph *g = steady_test_graph_load(FAN, args);
    uint64_t want = 0, sum = 0;
    size_t fed = 0, taken = 0;

    (void)unused;
    assert_non_null(g);
    assert_int_equal(steady_test_graph_stand_in(g, "seq"), 0);
    assert_int_equal(steady_test_graph_stand_in(g, "sink"), 0);
    assert_int_equal(steady_test_graph_start(g), 0);
    for (size_t i = 0; i < N; i++) {
        in[i] = i + 1;
        want += 2 * (i + 1);
    }
    for (int round = 0; round < 2000 && taken < 2 * N; round++) {
        long k;

        if (fed < N) {
            k = steady_test_graph_feed(g, "seq.out", in + fed, N - fed);
            assert_true(k >= 0);
            fed += (size_t)k;
            if (fed == N)
                assert_int_equal(steady_test_graph_close(g, "seq.out"), 0);
        }
        assert_true(steady_test_graph_await_output(g, "sink.in", 1, 100) >= 0);
        k = steady_test_graph_take(g, "sink.in", got + taken, 2 * N - taken);
        assert_true(k >= 0);
        taken += (size_t)k;
    }
    assert_int_equal(taken, 2 * N);
    for (size_t i = 0; i < taken; i++)
        sum += got[i];
    assert_int_equal(sum, want);
    assert_int_equal(steady_test_graph_wait(g, 10000), 0);
    assert_int_equal(steady_test_graph_ended(g, "sink.in"), 1);
    assert_true(steady_test_graph_log_contains(g, "print", "42"));
    steady_test_graph_destroy(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tee_copies_to_every_output),
        cmocka_unit_test(test_split_round_robin),
        cmocka_unit_test(test_merge_takes_every_input),
        cmocka_unit_test(test_merge_is_fair),
        cmocka_unit_test(test_print_logs_values),
        cmocka_unit_test(test_print_logs_signed_float_and_text),
        cmocka_unit_test(test_tee_copies_text_messages),
        cmocka_unit_test(test_split_deals_text_messages),
        cmocka_unit_test(test_merge_takes_text_messages),
        cmocka_unit_test(test_fan_graph_doubles_every_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
