/* test_varsize.c - variable-size channels and overflow policies through
 * the real host: text messages of many sizes arrive exactly and the graph
 * ends by itself (solo, in a troupe, across a restart of the consumer), a
 * message larger than the channel is refused and logged once, the drop
 * counter of drop_oldest and drop_newest shows in /metrics and the right
 * messages are kept, and `steady check` refuses hostile keys and a plugin
 * built against channel layout 1 on a dropping channel. Every wait is
 * bounded; telemetry binds 127.0.0.1 on a free port. */
#include "../testplugins/tp_text.h"
#include "host_run.h"
#include "tel_client.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#define GRAPH(name) STEADY_SOURCE_DIR "/tests/graphs/varsize/" name

static void expect_text(const char *out, const char *text)
{
    if (!strstr(out, text))
        fail_msg("output lacks '%s':\n%s", text, out);
}

static size_t count_text(const char *out, const char *text)
{
    size_t n = 0;

    for (const char *p = strstr(out, text); p; p = strstr(p + 1, text))
        n++;
    return n;
}

/* Bytes of messages from..to-1 of tp_textsrc with this max_len. */
static uint64_t text_bytes(uint64_t from, uint64_t to, size_t max_len)
{
    uint64_t sum = 0;

    for (uint64_t i = from; i < to; i++)
        sum += tp_text_len(i, max_len);
    return sum;
}

static void run_text_graph(const char *graph)
{
    const char *args[] = { "run", graph, NULL };
    struct host_run h;
    char line[160];
    uint64_t bytes = text_bytes(0, 3000, 700);

    assert_int_equal(host_run(&h, args, 60000), 0);
    snprintf(line, sizeof(line), "[src] sent 3000 messages, %llu bytes",
             (unsigned long long)bytes);
    expect_text(h.output, line);
    /* every message checked by the sink: content, length and order */
    snprintf(line, sizeof(line),
             "[sink] took 3000 messages, %llu bytes, first 0, last 2999, 0 "
             "bad",
             (unsigned long long)bytes);
    expect_text(h.output, line);
    expect_text(h.output, "ended by itself: every actor has finished");
    free(h.output);
}

static void test_text_in_place_solo(void **state)
{
    (void)state;
    run_text_graph(GRAPH("text.yaml"));
}

static void test_text_copies_in_a_troupe(void **state)
{
    (void)state;
    run_text_graph(GRAPH("text_copy_troupe.yaml"));
}

/* Peek before commit: the message peeked when the sink failed is still
 * there after the restart, and nothing is lost or repeated. */
static void test_text_survives_a_restart(void **state)
{
    const char *args[] = { "run", GRAPH("text_restart.yaml"), NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 60000), 0);
    expect_text(h.output, "failing at message 1234 as asked; restart 1");
    expect_text(h.output, "[sink] took 3000 messages");
    expect_text(h.output, "first 0, last 2999, 0 bad");
    free(h.output);
}

static void test_too_big_is_refused_and_logged_once(void **state)
{
    const char *args[] = { "run", GRAPH("too_big.yaml"), NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 60000), 0);
    expect_text(h.output,
                "error [src] message of 5000 bytes on output 'out' can never "
                "be sent: its channel holds at most 1000 bytes");
    assert_int_equal(count_text(h.output, "can never be sent"), 1);
    expect_text(h.output, "[sink] took 50 messages");
    expect_text(h.output, "0 bad");
    free(h.output);
}

/* promtool check metrics passes the text without a remark: the byte and
 * drop families follow Prometheus's conventions too. */
static void assert_promtool_accepts(const char *text, size_t len)
{
    char *said = NULL;
    int rc = promtool_check(text, len, &said);

    if (rc != 0 || (said && said[0]))
        fail_msg("promtool check metrics (exit %d): %s", rc, said);
    free(said);
}

/* Runs a drop graph and reads its counters from /metrics while the sink
 * waits: 1000 sent into 4 places, 996 dropped. Returns the output. */
static char *run_drop_graph(const char *graph)
{
    const char *args[] = { "run", graph, NULL };
    struct host_run h;
    char want[160];
    int port;
    bool seen = false;

    assert_int_equal(host_start(&h, args), 0);
    if (!(port = host_telemetry_port(&h, 30000)))
        fail_msg("no telemetry URL in the log:\n%s", host_read_output(&h));
    /* the sink takes nothing for 1.5 s after the source has finished */
    for (int tries = 0; tries < 400 && !seen; tries++) {
        struct http_reply r = http_get(port, "/metrics");
        struct timespec step = { 0, 25 * 1000 * 1000 };

        if (r.status == 200 &&
            strstr(r.body, "channel_dropped_total{from=\"src\",to=\"sink\"} "
                           "996\n")) {
            snprintf(want, sizeof(want),
                     "channel_bytes_sent_total{from=\"src\",to=\"sink\"} "
                     "%llu\n",
                     (unsigned long long)text_bytes(0, 1000, 50));
            if (!strstr(r.body, want))
                fail_msg("/metrics lacks '%s':\n%s", want, r.body);
            assert_non_null(
                strstr(r.body, "send_total{from=\"src\",to=\"sink\"} 1000\n"));
            assert_non_null(
                strstr(r.body, "# TYPE channel_dropped_total counter\n"));
            assert_promtool_accepts(r.body, r.body_len);
            seen = true;
        }
        http_reply_free(&r);
        nanosleep(&step, NULL);
    }
    if (!seen)
        fail_msg("/metrics never showed 996 drops");
    assert_int_equal(host_wait(&h, 60000), 0);
    return h.output;
}

static void test_drop_oldest_keeps_the_newest(void **state)
{
    char *out = run_drop_graph(GRAPH("drop_oldest.yaml"));

    (void)state;
    expect_text(out, "[src] sent 1000 messages");
    expect_text(out, "[sink] took 4 messages");
    expect_text(out, "first 996, last 999, 0 bad");
    assert_true(strstr(out, "[sink] got 996 (") < strstr(out, "got 997 ("));
    assert_true(strstr(out, "got 998 (") < strstr(out, "got 999 ("));
    free(out);
}

static void test_drop_newest_keeps_the_first(void **state)
{
    char *out = run_drop_graph(GRAPH("drop_newest.yaml"));

    (void)state;
    expect_text(out, "[src] sent 1000 messages");
    expect_text(out, "[sink] took 4 messages");
    expect_text(out, "first 0, last 3, 0 bad");
    free(out);
}

/* Fixed-size channels, one per policy, each 1000 sent into 4 places
 * nobody takes from: /metrics counts 996 drops under drop_oldest and
 * drop_newest, none under block (whose source waits). */
static void test_fixed_size_policies_count_drops(void **state)
{
    const char *args[] = { "run", GRAPH("fixed_policies.yaml"), "--plugin-path",
                           STEADY_TEST_PLUGIN_DIR, NULL };
    static const char *const want[] = {
        "channel_dropped_total{from=\"src_old\",to=\"old\"} 996\n",
        "channel_dropped_total{from=\"src_new\",to=\"new\"} 996\n",
        "channel_dropped_total{from=\"src_block\",to=\"block\"} 0\n",
        "send_total{from=\"src_old\",to=\"old\"} 1000\n",
        "send_total{from=\"src_new\",to=\"new\"} 1000\n",
        "send_total{from=\"src_block\",to=\"block\"} 4\n",
    };
    struct host_run h;
    char *body = NULL;
    int port;

    (void)state;
    assert_int_equal(host_start(&h, args), 0);
    if (!(port = host_telemetry_port(&h, 30000)))
        fail_msg("no telemetry URL in the log:\n%s", host_read_output(&h));
    for (int tries = 0; tries < 400 && !body; tries++) {
        struct http_reply r = http_get(port, "/metrics");
        struct timespec step = { 0, 25 * 1000 * 1000 };
        bool all = r.status == 200;

        for (size_t i = 0; all && i < sizeof(want) / sizeof(want[0]); i++)
            all = strstr(r.body, want[i]) != NULL;
        if (all)
            body = strdup(r.body);
        else if (tries == 399)
            fail_msg("/metrics never showed the drops:\n%s",
                     r.body ? r.body : "(no reply)");
        http_reply_free(&r);
        nanosleep(&step, NULL);
    }
    free(body);
    kill(h.pid, SIGTERM);
    assert_int_equal(host_wait(&h, 60000), 0);
    expect_text(h.output, "[src_old] sent 1000 values");
    expect_text(h.output, "[src_new] sent 1000 values");
    free(h.output);
}

/* tee, split and merge between channels of 4096 and 400 bytes: each
 * message too large for the output is set aside and logged, every other
 * one arrives, and the graph ends by itself. */
static void test_stock_actors_set_aside_what_never_fits(void **state)
{
    const char *args[] = { "run", GRAPH("stock_too_big.yaml"), "--plugin-path",
                           STEADY_TEST_PLUGIN_DIR, NULL };
    static const char *const sinks[] = { "sink_tee", "sink_split",
                                         "sink_merge" };
    struct host_run h;
    uint64_t fit = 0, bytes = 0;
    char line[160];

    (void)state;
    for (uint64_t i = 0; i < 100; i++) {
        size_t len = tp_text_len(i, 700);

        fit += len <= 400;
        bytes += len <= 400 ? len : 0;
    }
    assert_true(fit > 10 && fit < 90); /* both kinds are there */
    assert_int_equal(host_run(&h, args, 60000), 0);
    for (int k = 0; k < 3; k++) {
        snprintf(line, sizeof(line), "[%s] took %llu items of text, %llu bytes",
                 sinks[k], (unsigned long long)fit, (unsigned long long)bytes);
        expect_text(h.output, line);
    }
    expect_text(h.output, "[tee] dead letter on 'in' after 1 peek: larger "
                          "than an output can hold");
    expect_text(h.output, "[split] dead letter on 'in' after 1 peek: larger "
                          "than the output can hold");
    expect_text(h.output, "[merge] dropped a message of ");
    expect_text(h.output, "ended by itself: every actor has finished");
    /* a stream of them does not flood the log: each of the first 10 is
     * logged, then only the 16th, 32nd, 64th... */
    {
        size_t too_big = (size_t)(100 - fit), logged = 0, counts = 0;

        for (size_t n = 1; n <= too_big; n++) {
            logged += n <= 10 || (n & (n - 1)) == 0;
            counts += n > 10 && (n & (n - 1)) == 0;
        }
        assert_int_equal(count_text(h.output, "[tee] dead letter on 'in'"),
                         too_big < 10 ? too_big : 10);
        /* tee and split, each at 16, 32, 64 */
        assert_int_equal(count_text(h.output, " dead letters so far "),
                         2 * counts);
        assert_int_equal(count_text(h.output, "[merge] dropped a message of "),
                         logged);
        if (too_big >= 16)
            expect_text(h.output, "[split] 16 dead letters so far (the "
                                  "latest on 'in': larger than the output "
                                  "can hold); after the first 10 each is no "
                                  "longer logged");
    }
    free(h.output);
}

/* `steady check` refuses hostile keys at FILE:LINE:COL, exit 2. */
static void test_check_refuses_hostile_keys(void **state)
{
    static const struct {
        const char *file;
        const char *text;
    } cases[] = {
        { "bad/bytes_zero.yaml", "bad/bytes_zero.yaml:7:42: bytes must be" },
        { "bad/bytes_huge.yaml", "got '99999999999'" },
        { "bad/overflow_typo.yaml", "did you mean 'drop_oldest'?" },
        { "bad/layout1_drop.yaml",
          "rebuild the plugin against this SDK (channel layout 3)" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char file[512];
        const char *args[] = { "check", file, NULL };
        struct host_run h;

        snprintf(file, sizeof(file), "%s%s", GRAPH(""), cases[i].file);
        assert_int_equal(host_run(&h, args, 30000), 2);
        expect_text(h.output, cases[i].text);
        free(h.output);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_in_place_solo),
        cmocka_unit_test(test_text_copies_in_a_troupe),
        cmocka_unit_test(test_text_survives_a_restart),
        cmocka_unit_test(test_too_big_is_refused_and_logged_once),
        cmocka_unit_test(test_drop_oldest_keeps_the_newest),
        cmocka_unit_test(test_drop_newest_keeps_the_first),
        cmocka_unit_test(test_fixed_size_policies_count_drops),
        cmocka_unit_test(test_stock_actors_set_aside_what_never_fits),
        cmocka_unit_test(test_check_refuses_hostile_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
