/* test_text_messages.c - variable-size ports through <steady/testing.h>:
 * tp_textsrc and tp_textsink run from their .so with channels the test
 * holds (steady_test_connect_varsize), fed and drained one message at a
 * time (steady_test_feed_msg, steady_test_take_msg); peek before commit
 * across a restart, a message too large for the channel logged once, an
 * overflow policy set for the test, and the harness's refusals. */
#include "../testplugins/tp_text.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
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

static void feed_text(struct steady_test *t, uint64_t from, uint64_t to,
                      size_t max_len)
{
    char buf[512];

    for (uint64_t i = from; i < to; i++) {
        size_t len = tp_text_len(i, max_len);

        tp_text_write(buf, i, max_len);
        assert_true(steady_test_feed_msg(t, "in", buf, len));
    }
}

static void expect_log(struct steady_test *t, const char *text)
{
    if (!steady_test_log_contains(t, text))
        fail_msg("log has no '%s':\n%s", text, steady_test_log(t));
}

static void test_sink_takes_what_was_fed(void **state)
{
    struct steady_test *t = load("tp_textsink");

    (void)state;
    assert_int_equal(steady_test_set_param(t, "max_len", "200"), 0);
    assert_non_null(steady_test_connect_varsize(t, "in", 64, 16384));
    feed_text(t, 0, 40, 200);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_run(t, 5000), 0);
    expect_log(t, "took 40 messages");
    expect_log(t, "first 0, last 39, 0 bad");
    steady_test_destroy(t);
}

/* The sink fails after peeking message 5; the restarted sink finds it at
 * the head of the channel and takes every message once. */
static void test_sink_peek_survives_restart(void **state)
{
    struct steady_test *t = load("tp_textsink");

    (void)state;
    assert_int_equal(steady_test_set_param(t, "max_len", "100"), 0);
    assert_int_equal(steady_test_set_param(t, "fail_at", "5"), 0);
    steady_test_set_restart(t, 1, 60, 1);
    assert_non_null(steady_test_connect_varsize(t, "in", 16, 4096));
    feed_text(t, 0, 10, 100);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_run(t, 5000), 0);
    assert_int_equal(steady_test_restarts(t), 1);
    expect_log(t, "took 10 messages");
    expect_log(t, "first 0, last 9, 0 bad");
    steady_test_destroy(t);
}

/* The source waits for room on a small channel while the test takes. */
static void test_source_sends_in_order(void **state)
{
    struct steady_test *t = load("tp_textsrc");
    char buf[512];
    size_t len;
    uint64_t next = 0, i;

    (void)state;
    assert_int_equal(steady_test_set_param(t, "count", "300"), 0);
    assert_int_equal(steady_test_set_param(t, "max_len", "400"), 0);
    assert_non_null(steady_test_connect_varsize(t, "out", 4, 600));
    assert_int_equal(steady_test_start(t), 0);
    while (next < 300) {
        if (!steady_test_await_output(t, "out", 1, 5000))
            fail_msg("no message %llu within 5 s", (unsigned long long)next);
        assert_true(steady_test_take_msg(t, "out", buf, sizeof(buf), &len));
        assert_int_equal(tp_text_check(buf, len, 400, &i), 0);
        assert_int_equal(i, next);
        next++;
    }
    assert_int_equal(steady_test_wait(t, 5000), 0);
    assert_false(steady_test_take_msg(t, "out", buf, sizeof(buf), &len));
    expect_log(t, "sent 300 messages");
    steady_test_destroy(t);
}

static void test_source_too_big_logged_once(void **state)
{
    struct steady_test *t = load("tp_textsrc");
    const char *log, *first;

    (void)state;
    assert_int_equal(steady_test_set_param(t, "count", "3"), 0);
    assert_int_equal(steady_test_set_param(t, "big", "5000"), 0);
    assert_non_null(steady_test_connect_varsize(t, "out", 4, 1000));
    assert_int_equal(steady_test_run(t, 5000), 0);
    log = steady_test_log(t);
    first = strstr(log, "message of 5000 bytes on output 'out' can never be "
                        "sent: its channel holds at most 1000 bytes");
    if (!first)
        fail_msg("no refusal in:\n%s", log);
    assert_null(strstr(first + 1, "message of 5000 bytes"));
    expect_log(t, "sent 3 messages");
    steady_test_destroy(t);
}

/* drop_oldest set for the test: the source never waits, the newest four
 * stay. */
static void test_source_with_drop_oldest(void **state)
{
    struct steady_test *t = load("tp_textsrc");
    struct steady_channel *ch;
    char buf[512];
    size_t len;
    uint64_t i;

    (void)state;
    assert_int_equal(steady_test_set_param(t, "count", "100"), 0);
    ch = steady_test_connect_varsize(t, "out", 4, 4096);
    assert_non_null(ch);
    assert_int_equal(
        steady_test_set_overflow(t, "out", STEADY_OVERFLOW_DROP_OLDEST), 0);
    assert_int_equal(steady_test_run(t, 5000), 0);
    assert_int_equal(steady_channel_dropped_total(ch), 96);
    for (uint64_t want = 96; want < 100; want++) {
        assert_true(steady_test_take_msg(t, "out", buf, sizeof(buf), &len));
        assert_int_equal(tp_text_check(buf, len, 300, &i), 0);
        assert_int_equal(i, want);
    }
    steady_test_destroy(t);
}

static void test_harness_refusals(void **state)
{
    struct steady_test *t = load("tp_textsink");
    struct steady_test *old;
    struct steady_channel *ch;
    char big[100] = { 0 };

    (void)state;
    /* a variable-size port needs its own connect, and the reverse */
    assert_null(steady_test_connect(t, "in", 8));
    ch = steady_test_connect_varsize(t, "in", 2, 64);
    assert_non_null(ch);
    assert_false(ch->fence_pinned); /* built against this layout */
    assert_null(steady_test_connect_varsize(t, "in", 2, 64)); /* twice */
    errno = 0;
    assert_false(steady_test_feed_msg(t, "in", big, sizeof(big)));
    assert_int_equal(errno, EMSGSIZE);
    assert_int_equal(steady_test_set_overflow(t, "in", (enum steady_overflow)9),
                     -1);
    steady_test_destroy(t);

    /* a plugin built against channel layout 1 gets plain channels only */
    old = load("tp_layout1");
    assert_null(steady_test_connect_varsize(old, "in", 2, 64));
    assert_null(steady_test_connect_varsize(old, "text", 2, 64));
    ch = steady_test_connect(old, "in", 2);
    assert_non_null(ch);
    /* its inlined code reads light_fence as a plain byte: never turned */
    assert_true(ch->fence_pinned);
    assert_int_equal(
        steady_test_set_overflow(old, "in", STEADY_OVERFLOW_DROP_NEWEST), -1);
    assert_int_equal(steady_test_set_overflow(old, "in", STEADY_OVERFLOW_BLOCK),
                     0);
    steady_test_destroy(old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sink_takes_what_was_fed),
        cmocka_unit_test(test_sink_peek_survives_restart),
        cmocka_unit_test(test_source_sends_in_order),
        cmocka_unit_test(test_source_too_big_logged_once),
        cmocka_unit_test(test_source_with_drop_oldest),
        cmocka_unit_test(test_harness_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
