/* test_nats.c - nats_publish and nats_subscribe against a real nats-server
 * (tests/integration/nats_server.h): core and JetStream round trips of
 * fixed- and variable-size items in order, backpressure from a full
 * stream, de-duplication of a replay, redeliveries dropped by sequence,
 * the end-of-stream marker, a server restart mid-stream, bad URLs and
 * type mismatches, shutdown notices kept in a control stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
/* cmocka.h needs the headers above */
#include "../integration/nats_server.h"

#include <cmocka.h>
#include <steady/testing.h>

static struct nats_server server;

struct pub_state {
    uint64_t published;
};
struct sub_state {
    uint64_t last_sent;
    uint64_t received;
};

static int setup(void **state)
{
    (void)state;
    return nats_server_start(&server);
}

static int teardown(void **state)
{
    (void)state;
    nats_server_stop(&server);
    return 0;
}

/* Waits for a run to return 0, showing its log and error otherwise. */
static void wait_ok(struct steady_test *t, unsigned ms)
{
    int rc = steady_test_wait(t, ms);

    if (rc != 0)
        fail_msg("run returned %d (%s); log:\n%s", rc, steady_test_error(t),
                 steady_test_log(t));
}

/* A nats_publish (its input "in") or nats_subscribe (its output "out") of
 * `type`/`size` items on `subject`, the port's capacity `cap`, connected
 * to the fixture's server; params as "k", "v" pairs, NULL-terminated. The
 * url and subject come from buffers gone on return: the plugin keeps its
 * own copies. */
static struct steady_test *bridge(const char *plugin, const char *name,
                                  const char *subject, const char *type,
                                  size_t size, size_t cap, ...)
{
    struct steady_test *t = steady_test_load(plugin, name);
    bool pub = strcmp(plugin, "nats_publish") == 0;
    char url[80], subj[80];
    va_list ap;
    const char *k;

    assert_non_null(t);
    snprintf(url, sizeof(url), "%s", server.url);
    snprintf(subj, sizeof(subj), "%s", subject);
    assert_int_equal(steady_test_set_param(t, "url", url), 0);
    assert_int_equal(steady_test_set_param(t, "subject", subj), 0);
    va_start(ap, cap);
    while ((k = va_arg(ap, const char *)))
        assert_int_equal(steady_test_set_param(t, k, va_arg(ap, const char *)),
                         0);
    va_end(ap);
    assert_non_null(
        steady_test_connect_typed(t, pub ? "in" : "out", cap, type, size));
    return t;
}

#define publisher(...)  bridge("nats_publish", __VA_ARGS__)
#define subscriber(...) bridge("nats_subscribe", __VA_ARGS__)

/* Fails with both logs when the deadline has passed (a stalled flow says
 * where it stalled). */
static void within(struct steady_test *pub, struct steady_test *sub,
                   long deadline, const char *what)
{
    if (nats_server_ms_() < deadline)
        return;
    fail_msg("%s: deadline passed\npublisher log:\n%s\nsubscriber log:\n%s",
             what, pub ? steady_test_log(pub) : "-",
             sub ? steady_test_log(sub) : "-");
}

/* Message i of a text test: "message i", then, when pad is not 0, a space
 * and i % pad x's (messages of many sizes). Returns its length. */
static size_t message_text(char *buf, size_t cap, int i, int pad)
{
    static const char xs[] =
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    int n = pad ? snprintf(buf, cap, "message %d %.*s", i, i % pad, xs)
                : snprintf(buf, cap, "message %d", i);

    assert_true(n > 0 && (size_t)n < cap);
    return (size_t)n;
}

/* Feeds messages 0..n-1 (message_text) into a publisher, waiting for room
 * until deadline. */
static void feed_text(struct steady_test *t, int n, int pad, long deadline)
{
    char msg[300];

    for (int i = 0; i < n;) {
        size_t len = message_text(msg, sizeof(msg), i, pad);

        if (steady_test_feed_msg(t, "in", msg, len))
            i++;
        else
            nats_server_sleep_ms_(1);
        within(t, NULL, deadline, "feeding text");
    }
}

/* Takes n messages from a subscriber's output and checks they are
 * messages 0..n-1 (message_text), whole and in order, by deadline. */
static void expect_text(struct steady_test *t, int n, int pad, long deadline)
{
    char buf[512], want[300];
    size_t len;

    for (int i = 0; i < n;) {
        size_t want_len = message_text(want, sizeof(want), i, pad);

        if (!steady_test_take_msg(t, "out", buf, sizeof(buf), &len)) {
            steady_test_await_output(t, "out", 1, 200);
            within(NULL, t, deadline, "expecting text");
            continue;
        }
        if (len != want_len || memcmp(buf, want, len) != 0)
            fail_msg("expected '%s', got '%.*s'", want, (int)len, buf);
        i++;
    }
}

/* Feeds values first..first+n-1 into a publisher, waiting for room (20 s
 * at most in all). */
static void feed_u64(struct steady_test *t, uint64_t first, size_t n)
{
    long deadline = nats_server_ms_() + 20000;

    for (uint64_t v = first; v < first + n;) {
        if (steady_test_feed(t, "in", &v, 1) == 1) {
            v++;
            continue;
        }
        assert_true(nats_server_ms_() < deadline);
        nats_server_sleep_ms_(1);
    }
}

/* Takes n u64 from a subscriber's output and checks they are
 * first, first+1, ... (20 s at most). */
static void expect_u64(struct steady_test *t, uint64_t first, size_t n)
{
    long deadline = nats_server_ms_() + 20000;
    uint64_t next = first, buf[256];

    while (next < first + n) {
        size_t got;

        steady_test_await_output(t, "out", 1, 200);
        got = steady_test_take(t, "out", buf, 256);
        for (size_t i = 0; i < got; i++) {
            if (buf[i] != next)
                fail_msg("expected %llu, got %llu", (unsigned long long)next,
                         (unsigned long long)buf[i]);
            next++;
        }
        if (nats_server_ms_() > deadline)
            fail_msg("only %llu of %zu arrived",
                     (unsigned long long)(next - first), n);
    }
}

/* Starts a publisher, feeds it values first..first+n-1, ends its input
 * and waits until it has published them all and returned 0. */
static void publish_all(struct steady_test *pub, uint64_t first, size_t n)
{
    assert_int_equal(steady_test_start(pub), 0);
    feed_u64(pub, first, n);
    steady_test_close_input(pub, "in");
    wait_ok(pub, 10000);
}

/* One step of a stream kept flowing: feeds the publisher values from *fed
 * on while it has room (up to total), then takes at most `batch` (64 at
 * most) values from the subscriber, waiting wait_ms for the first, and
 * checks they are *next, *next+1, ... Returns how many it took. */
static size_t flow_u64(struct steady_test *pub, struct steady_test *sub,
                       uint64_t *fed, uint64_t *next, uint64_t total,
                       size_t batch, int wait_ms)
{
    uint64_t buf[64];
    size_t got;

    assert_true(batch <= 64);
    while (*fed < total && steady_test_feed(pub, "in", fed, 1) == 1)
        (*fed)++;
    steady_test_await_output(sub, "out", 1, wait_ms);
    got = steady_test_take(sub, "out", buf, batch);
    for (size_t i = 0; i < got; i++, (*next)++)
        if (buf[i] != *next)
            fail_msg("expected %llu, got %llu", (unsigned long long)*next,
                     (unsigned long long)buf[i]);
    return got;
}

/* A while later, still nothing more at a u64 output: nothing twice. */
static void expect_no_more_u64(struct steady_test *sub)
{
    uint64_t extra;

    nats_server_sleep_ms_(300);
    assert_int_equal(steady_test_take(sub, "out", &extra, 1), 0);
}

static void test_core_round_trip(void **state)
{
    struct steady_test *sub, *pub;

    (void)state;
    sub = subscriber("core_sub", "core.u64", "u64", 8, 256, NULL);
    assert_int_equal(steady_test_start(sub), 0);
    pub = publisher("core_pub", "core.u64", "u64", 8, 256, NULL);
    assert_int_equal(steady_test_start(pub), 0);
    feed_u64(pub, 0, 200);
    expect_u64(sub, 0, 200);
    steady_test_close_input(pub, "in");
    wait_ok(pub, 5000);
    assert_true(steady_test_log_contains(pub, "published 200 messages"));
    steady_test_destroy(pub);
    steady_test_destroy(sub);
}

/* u64 through a stream the publisher creates; the end-of-stream marker
 * ends the subscriber by itself. */
static void test_jetstream_u64_eos(void **state)
{
    struct steady_test *sub, *pub;
    uint64_t extra;

    (void)state;
    pub = publisher("js_pub", "js.u64", "u64", 8, 128, "jetstream", "true",
                    "stream", "JSU64", "create_stream", "true", "eos", "true",
                    NULL);
    publish_all(pub, 0, 1000);
    assert_true(steady_test_log_contains(pub, "created stream 'JSU64'"));
    assert_true(steady_test_log_contains(pub, "published 1000 messages"));
    sub = subscriber("js_sub", "js.u64", "u64", 8, 64, "jetstream", "true",
                     "stream", "JSU64", "durable", "d1", "eos", "true", NULL);
    assert_int_equal(steady_test_start(sub), 0);
    expect_u64(sub, 0, 1000);
    /* the marker ended it: closed, nothing more */
    wait_ok(sub, 5000);
    assert_false(steady_test_take(sub, "out", &extra, 1));
    assert_true(steady_test_log_contains(sub, "end of stream on 'js.u64'"));
    assert_int_equal(((struct sub_state *)steady_test_state(sub))->received,
                     1000);
    steady_test_destroy(sub);
    steady_test_destroy(pub);
}

static void test_jetstream_text_in_order(void **state)
{
    struct steady_test *sub, *pub;
    long deadline;

    (void)state;
    pub = publisher("txt_pub", "js.text", "text", 0, 64, "jetstream", "true",
                    "stream", "JSTXT", "create_stream", "true", "eos", "true",
                    NULL);
    /* the subscriber starts first, as a consumer node may: it makes the
     * stream, with the settings the publisher would use */
    sub = subscriber("txt_sub", "js.text", "text", 0, 16, "jetstream", "true",
                     "stream", "JSTXT", "create_stream", "true", "eos", "true",
                     NULL);
    assert_int_equal(steady_test_start(sub), 0);
    assert_true(steady_test_log_contains(sub, "created stream 'JSTXT'"));
    assert_int_equal(steady_test_start(pub), 0);
    deadline = nats_server_ms_() + 20000;
    feed_text(pub, 500, 250, deadline);
    steady_test_close_input(pub, "in");
    expect_text(sub, 500, 250, deadline);
    wait_ok(pub, 10000);
    wait_ok(sub, 10000);
    steady_test_destroy(sub);
    steady_test_destroy(pub);
}

/* A stream of max_msgs 64 and a slow consumer: the publisher waits (and
 * says so once), loses nothing and keeps the order. */
static void test_backpressure(void **state)
{
    struct steady_test *sub, *pub;
    long deadline;
    uint64_t fed = 0, next = 0;

    (void)state;
    pub = publisher("bp_pub", "bp.u64", "u64", 8, 256, "jetstream", "true",
                    "stream", "BP", "create_stream", "true", "max_msgs", "64",
                    NULL);
    sub = subscriber("bp_sub", "bp.u64", "u64", 8, 8, "jetstream", "true",
                     "stream", "BP", "durable", "bp", NULL);
    assert_int_equal(steady_test_start(pub), 0);
    while (fed < 200 && steady_test_feed(pub, "in", &fed, 1) == 1)
        fed++;
    /* nobody takes yet: the stream fills and the publisher waits */
    assert_true(steady_test_await_log(pub, "stream 'BP' is full", 10000));
    assert_int_equal(steady_test_start(sub), 0);
    deadline = nats_server_ms_() + 60000;
    while (next < 2000) {
        size_t got = flow_u64(pub, sub, &fed, &next, 2000, 8, 50);

        /* slow: pauses now and then */
        if (got && next % 64 < 8)
            nats_server_sleep_ms_(2);
        if (nats_server_ms_() >= deadline) {
            char what[80];

            snprintf(what, sizeof(what),
                     "backpressure flow (%llu fed, %llu taken)",
                     (unsigned long long)fed, (unsigned long long)next);
            within(pub, sub, deadline, what);
        }
    }
    steady_test_close_input(pub, "in");
    wait_ok(pub, 10000);
    assert_true(steady_test_log_contains(pub, "published 2000 messages"));
    /* said once per episode, not once per retry */
    steady_test_destroy(sub);
    steady_test_destroy(pub);
}

/* A replay after a kill -9: the publisher's restored count is behind what
 * the server stored; the same message ids are dropped by the server. */
static void test_dedup_replay(void **state)
{
    struct steady_test *sub, *pub;

    (void)state;
    pub = publisher("dd_pub1", "dd.u64", "u64", 8, 64, "jetstream", "true",
                    "stream", "DD", "create_stream", "true", NULL);
    publish_all(pub, 0, 10);
    steady_test_destroy(pub);
    /* the state a snapshot taken after 5 acknowledgements would restore,
     * with items 5.. still in the channel */
    pub = publisher("dd_pub2", "dd.u64", "u64", 8, 64, "jetstream", "true",
                    "stream", "DD", NULL);
    ((struct pub_state *)steady_test_state(pub))->published = 5;
    publish_all(pub, 5, 15);
    sub = subscriber("dd_sub", "dd.u64", "u64", 8, 64, "jetstream", "true",
                     "stream", "DD", NULL);
    assert_int_equal(steady_test_start(sub), 0);
    expect_u64(sub, 0, 20);
    /* and nothing twice after them */
    expect_no_more_u64(sub);
    steady_test_destroy(sub);
    steady_test_destroy(pub);
}

/* A subscriber killed before acknowledging: its successor, restored with
 * the sequence of the last message a snapshot holds, drops what is at or
 * below it and sends the rest once, in order. */
static void test_redelivery_dropped_by_sequence(void **state)
{
    struct steady_test *sub, *pub;

    (void)state;
    pub = publisher("rd_pub", "rd.u64", "u64", 8, 128, "jetstream", "true",
                    "stream", "RD", "create_stream", "true", NULL);
    publish_all(pub, 0, 100);
    /* a first subscriber takes 10 into a full output, then goes */
    sub = subscriber("rd_sub1", "rd.u64", "u64", 8, 10, "jetstream", "true",
                     "stream", "RD", "durable", "rd", NULL);
    assert_int_equal(steady_test_start(sub), 0);
    assert_int_equal(steady_test_await_output(sub, "out", 10, 5000), 10);
    steady_test_destroy(sub);
    /* its successor restored from a snapshot that held 50 sent */
    sub = subscriber("rd_sub2", "rd.u64", "u64", 8, 128, "jetstream", "true",
                     "stream", "RD", "durable", "rd", NULL);
    ((struct sub_state *)steady_test_state(sub))->last_sent = 50;
    assert_int_equal(steady_test_start(sub), 0);
    expect_u64(sub, 50, 50);
    expect_no_more_u64(sub);
    steady_test_destroy(sub);
    steady_test_destroy(pub);
}

/* The server stops and comes back mid-stream: both sides wait, say so,
 * and carry on; nothing lost, nothing twice, in order. */
static void test_server_restart(void **state)
{
    struct steady_test *sub, *pub;
    long deadline;
    uint64_t fed = 0, next = 0;
    bool restarted = false;

    (void)state;
    pub = publisher("sr_pub", "sr.u64", "u64", 8, 64, "jetstream", "true",
                    "stream", "SR", "create_stream", "true", "ack_wait_ms",
                    "1000", NULL);
    sub = subscriber("sr_sub", "sr.u64", "u64", 8, 64, "jetstream", "true",
                     "stream", "SR", "durable", "sr", NULL);
    assert_int_equal(steady_test_start(pub), 0);
    assert_int_equal(steady_test_start(sub), 0);
    deadline = nats_server_ms_() + 60000;
    while (next < 3000) {
        flow_u64(pub, sub, &fed, &next, 3000, 64, 20);
        if (!restarted && next >= 1000) {
            nats_server_pause(&server);
            assert_true(
                steady_test_await_log(pub, "waiting for NATS at", 5000));
            nats_server_sleep_ms_(300);
            assert_int_equal(nats_server_resume(&server), 0);
            restarted = true;
        }
        assert_true(nats_server_ms_() < deadline);
    }
    assert_true(steady_test_await_log(pub, "is back", 5000));
    expect_no_more_u64(sub);
    steady_test_close_input(pub, "in");
    wait_ok(pub, 10000);
    steady_test_destroy(sub);
    steady_test_destroy(pub);
}

/* The server restarts while the subscriber holds fetched messages its
 * full output cannot take yet: they point into the subscription the
 * reconnection replaces, so they are let go and delivered again by the
 * new consumer; the output still gets each message once, in order. */
static void test_restart_with_messages_waiting(void **state)
{
    struct steady_test *sub, *pub;
    long deadline;
    char buf[512];
    size_t len;

    (void)state;
    pub = publisher("mw_pub", "mw.text", "text", 0, 64, "jetstream", "true",
                    "stream", "MW", "create_stream", "true", NULL);
    sub = subscriber("mw_sub", "mw.text", "text", 0, 4, "jetstream", "true",
                     "stream", "MW", "durable", "mw", NULL);
    assert_int_equal(steady_test_start(pub), 0);
    deadline = nats_server_ms_() + 20000;
    feed_text(pub, 40, 0, deadline);
    assert_int_equal(steady_test_start(sub), 0);
    /* the output (4 messages) is full; more wait fetched in the plugin */
    assert_int_equal(steady_test_await_output(sub, "out", 4, 10000), 4);
    nats_server_sleep_ms_(200);
    assert_int_equal(nats_server_restart(&server), 0);
    assert_true(steady_test_await_log(sub, "is back", 10000));
    expect_text(sub, 40, 0, deadline);
    /* and nothing twice after them */
    nats_server_sleep_ms_(300);
    assert_false(steady_test_take_msg(sub, "out", buf, sizeof(buf), &len));
    steady_test_close_input(pub, "in");
    wait_ok(pub, 10000);
    steady_test_destroy(sub);
    steady_test_destroy(pub);
}

static void test_bad_url(void **state)
{
    struct steady_test *t = steady_test_load("nats_publish", "bad_pub");
    char url[80];
    int port = nats_server_free_port_();

    (void)state;
    assert_non_null(t);
    assert_non_null(steady_test_connect_typed(t, "in", 8, "u64", 8));
    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", port);
    assert_int_equal(steady_test_set_param(t, "url", url), 0);
    assert_int_equal(steady_test_set_param(t, "subject", "x"), 0);
    assert_int_equal(steady_test_start(t), -1);
    snprintf(url, sizeof(url), "cannot connect to NATS at nats://127.0.0.1:%d",
             port);
    assert_non_null(strstr(steady_test_error(t), url));
    steady_test_destroy(t);

    t = steady_test_load("nats_subscribe", "bad_sub");
    assert_non_null(t);
    assert_non_null(steady_test_connect_typed(t, "out", 8, "u64", 8));
    assert_int_equal(steady_test_set_param(t, "url", "bogus://:x:y"), 0);
    assert_int_equal(steady_test_set_param(t, "subject", "x"), 0);
    assert_int_equal(steady_test_start(t), -1);
    assert_non_null(strstr(steady_test_error(t), "bogus://:x:y"));
    steady_test_destroy(t);
}

static void test_type_mismatch(void **state)
{
    struct steady_test *sub, *pub;

    (void)state;
    pub = publisher("tm_pub", "tm.u64", "u64", 8, 64, "jetstream", "true",
                    "stream", "TM", "create_stream", "true", NULL);
    publish_all(pub, 0, 3);
    sub = subscriber("tm_sub", "tm.u64", "i64", 8, 64, "jetstream", "true",
                     "stream", "TM", NULL);
    assert_int_equal(steady_test_start(sub), 0);
    assert_true(steady_test_wait(sub, 10000) < 0);
    assert_non_null(strstr(steady_test_error(sub),
                           "subject 'tm.u64': expected type i64 (size 8), "
                           "received u64 (size 8)"));
    steady_test_destroy(sub);
    steady_test_destroy(pub);
}

/* A control listener (core NATS data, no end of stream): `name` is also
 * its consumer of the control stream unless durable is given. */
static struct steady_test *listener(const char *plugin, const char *name,
                                    const char *durable)
{
    /* without durable the pairs end before "control_durable" */
    struct steady_test *t =
        bridge(plugin, name, "cs.data", "u64", 8, 16, "control", "cs.stop",
               "control_stream", "CS", durable ? "control_durable" : NULL,
               durable, NULL);

    assert_int_equal(steady_test_start(t), 0);
    return t;
}

/* Asks t to stop, as a signal would: it announces the shutdown, not
 * taking its own notice for one from elsewhere; then it goes. */
static void stop_listener(struct steady_test *t, bool pub)
{
    steady_test_request_shutdown(t);
    if (pub)
        steady_test_close_input(t, "in");
    wait_ok(t, 10000);
    if (!steady_test_await_log(t,
                               "shutdown notice sent on 'cs.stop' (stream "
                               "'CS')",
                               10000))
        fail_msg("no notice sent; log:\n%s", steady_test_log(t));
    assert_false(steady_test_log_contains(t, "shutdown notice received"));
    steady_test_destroy(t);
}

/* No notice reached t within a while. */
static void assert_not_stopped(struct steady_test *t)
{
    nats_server_sleep_ms_(500);
    assert_false(steady_test_shutdown_requested_by_actor(t));
    assert_false(steady_test_log_contains(t, "shutdown notice received"));
}

/* A notice reached t, which stops without announcing one of its own. */
static void assert_stopped_by_notice(struct steady_test *t, bool pub)
{
    if (!steady_test_await_log(t,
                               "shutdown notice received on 'cs.stop' "
                               "(stream 'CS')",
                               10000))
        fail_msg("no notice; log:\n%s", steady_test_log(t));
    assert_true(steady_test_shutdown_requested_by_actor(t));
    if (pub)
        steady_test_close_input(t, "in");
    wait_ok(t, 10000);
    assert_false(steady_test_log_contains(t, "shutdown notice sent"));
    steady_test_destroy(t);
}

/* control_stream: the stream is made with the stated settings; a notice
 * reaches the listeners that run and waits for one that is down until it
 * starts again; the sender ignores its own; a listener made for the first
 * time hears only notices sent from then on; a notice every listener took
 * is gone for good. */
static void test_control_stream(void **state)
{
    struct steady_test *a, *b, *c;

    (void)state;
    a = listener("nats_publish", "cs_a", NULL);
    assert_true(steady_test_log_contains(
        a, "created stream 'CS' (subject 'cs.stop', max_msgs 256, file "
           "storage, interest retention, discard old)"));
    assert_true(steady_test_log_contains(
        a, "created consumer 'cs_a' of stream 'CS' (notices from now on)"));
    b = listener("nats_subscribe", "cs_b", NULL);
    /* a's notice: b hears it, a does not take its own */
    stop_listener(a, true);
    assert_stopped_by_notice(b, false);
    /* both took it: a listener that is back, or new, hears nothing */
    a = listener("nats_publish", "cs_a", NULL);
    c = listener("nats_subscribe", "cs_c", "cs-c.durable");
    assert_true(steady_test_log_contains(
        c, "created consumer 'cs-c_durable' of stream 'CS'"));
    assert_not_stopped(a);
    assert_not_stopped(c);
    /* b is down when a's next notice goes: it waits for b */
    stop_listener(a, true);
    assert_stopped_by_notice(c, false);
    b = listener("nats_subscribe", "cs_b", NULL);
    assert_stopped_by_notice(b, false);
    /* and is gone once b took it */
    b = listener("nats_subscribe", "cs_b", NULL);
    assert_not_stopped(b);
    stop_listener(b, false);
}

/* The server restarts (its store kept) while the listeners run, and while
 * one is down: both come back to their consumers, and a notice sent after
 * reaches the one that runs and, later, the one that was down. */
static void test_control_stream_server_restart(void **state)
{
    struct steady_test *a, *b, *c;

    (void)state;
    a = listener("nats_publish", "csr_a", NULL);
    b = listener("nats_subscribe", "csr_b", NULL);
    c = listener("nats_publish", "csr_c", NULL);
    /* c ends by itself (its input ended: no shutdown, no notice) and is
     * down, its consumer kept */
    steady_test_close_input(c, "in");
    wait_ok(c, 10000);
    steady_test_destroy(c);
    assert_int_equal(nats_server_restart(&server), 0);
    assert_true(steady_test_await_log(a, "is back", 10000));
    assert_true(steady_test_await_log(b, "is back", 10000));
    stop_listener(a, true);
    assert_stopped_by_notice(b, false);
    c = listener("nats_publish", "csr_c", NULL);
    assert_stopped_by_notice(c, true);
}

static void test_control_stream_misuse(void **state)
{
    struct steady_test *t;

    (void)state;
    t = subscriber("cs_bad", "x", "u64", 8, 8, "control_stream", "CSB", NULL);
    assert_int_equal(steady_test_start(t), -1);
    assert_non_null(strstr(steady_test_error(t),
                           "control_stream 'CSB' needs a control subject"));
    steady_test_destroy(t);

    t = publisher("cs_bad2", "x", "u64", 8, 8, "control", "x.stop",
                  "control_durable", "d", NULL);
    assert_int_equal(steady_test_start(t), -1);
    assert_non_null(
        strstr(steady_test_error(t), "control_durable needs control_stream"));
    steady_test_destroy(t);

    /* a stream name NATS refuses: named, with the server's words */
    t = publisher("cs_bad3", "x", "u64", 8, 8, "control", "x.stop",
                  "control_stream", "a.b", NULL);
    assert_int_equal(steady_test_start(t), -1);
    if (!strstr(steady_test_error(t), "control stream 'a.b' at "))
        fail_msg("error: %s", steady_test_error(t));
    steady_test_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_round_trip),
        cmocka_unit_test(test_jetstream_u64_eos),
        cmocka_unit_test(test_jetstream_text_in_order),
        cmocka_unit_test(test_backpressure),
        cmocka_unit_test(test_dedup_replay),
        cmocka_unit_test(test_redelivery_dropped_by_sequence),
        cmocka_unit_test(test_server_restart),
        cmocka_unit_test(test_restart_with_messages_waiting),
        cmocka_unit_test(test_bad_url),
        cmocka_unit_test(test_type_mismatch),
        cmocka_unit_test(test_control_stream),
        cmocka_unit_test(test_control_stream_server_restart),
        cmocka_unit_test(test_control_stream_misuse),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
