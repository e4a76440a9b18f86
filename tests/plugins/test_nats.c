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

/* A publisher of `type`/`size` items on `subject`; params as "k", "v"
 * pairs, NULL-terminated. */
static struct steady_test *publisher(const char *name, const char *subject,
                                     const char *type, size_t size, size_t cap,
                                     ...)
{
    struct steady_test *t = steady_test_load("nats_publish", name);
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
    assert_non_null(steady_test_connect_typed(t, "in", cap, type, size));
    return t;
}

static struct steady_test *subscriber(const char *name, const char *subject,
                                      const char *type, size_t size, size_t cap,
                                      ...)
{
    struct steady_test *t = steady_test_load("nats_subscribe", name);
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
    assert_non_null(steady_test_connect_typed(t, "out", cap, type, size));
    return t;
}

/* Feeds values first..first+n-1 into a publisher, waiting for room (10 s
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
    assert_int_equal(steady_test_start(pub), 0);
    assert_true(steady_test_log_contains(pub, "created stream 'JSU64'"));
    feed_u64(pub, 0, 1000);
    steady_test_close_input(pub, "in");
    wait_ok(pub, 10000);
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
    char buf[512];
    size_t len;
    int i;

    (void)state;
    pub = steady_test_load("nats_publish", "txt_pub");
    assert_non_null(pub);
    snprintf(buf, sizeof(buf), "%s", server.url);
    assert_int_equal(steady_test_set_param(pub, "url", buf), 0);
    assert_int_equal(steady_test_set_param(pub, "subject", "js.text"), 0);
    assert_int_equal(steady_test_set_param(pub, "jetstream", "true"), 0);
    assert_int_equal(steady_test_set_param(pub, "stream", "JSTXT"), 0);
    assert_int_equal(steady_test_set_param(pub, "create_stream", "true"), 0);
    assert_int_equal(steady_test_set_param(pub, "eos", "true"), 0);
    assert_non_null(steady_test_connect_typed(pub, "in", 64, "text", 0));
    sub = steady_test_load("nats_subscribe", "txt_sub");
    assert_non_null(sub);
    assert_int_equal(steady_test_set_param(sub, "url", buf), 0);
    assert_int_equal(steady_test_set_param(sub, "subject", "js.text"), 0);
    assert_int_equal(steady_test_set_param(sub, "jetstream", "true"), 0);
    assert_int_equal(steady_test_set_param(sub, "stream", "JSTXT"), 0);
    /* the subscriber starts first, as a consumer node may: it makes the
     * stream, with the settings the publisher would use */
    assert_int_equal(steady_test_set_param(sub, "create_stream", "true"), 0);
    assert_int_equal(steady_test_set_param(sub, "eos", "true"), 0);
    assert_non_null(steady_test_connect_typed(sub, "out", 16, "text", 0));
    assert_int_equal(steady_test_start(sub), 0);
    assert_true(steady_test_log_contains(sub, "created stream 'JSTXT'"));
    assert_int_equal(steady_test_start(pub), 0);
    deadline = nats_server_ms_() + 20000;
    for (i = 0; i < 500;) {
        char msg[300];
        int n = snprintf(msg, sizeof(msg), "message %d %.*s", i, i % 250,
                         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");

        if (steady_test_feed_msg(pub, "in", msg, (size_t)n))
            i++;
        else
            nats_server_sleep_ms_(1);
        assert_true(nats_server_ms_() < deadline);
    }
    steady_test_close_input(pub, "in");
    for (i = 0; i < 500;) {
        char want[300];
        int n = snprintf(want, sizeof(want), "message %d ", i);

        if (!steady_test_take_msg(sub, "out", buf, sizeof(buf), &len)) {
            steady_test_await_output(sub, "out", 1, 200);
            assert_true(nats_server_ms_() < deadline);
            continue;
        }
        assert_int_equal(len, (size_t)n + (size_t)(i % 250));
        assert_memory_equal(buf, want, (size_t)n);
        i++;
    }
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
    uint64_t fed = 0, next = 0, buf[8];

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
        size_t got;

        while (fed < 2000 && steady_test_feed(pub, "in", &fed, 1) == 1)
            fed++;
        steady_test_await_output(sub, "out", 1, 50);
        got = steady_test_take(sub, "out", buf, 8);
        for (size_t i = 0; i < got; i++, next++)
            if (buf[i] != next)
                fail_msg("expected %llu, got %llu", (unsigned long long)next,
                         (unsigned long long)buf[i]);
        /* slow: pauses now and then */
        if (got && next % 64 < 8)
            nats_server_sleep_ms_(2);
        assert_true(nats_server_ms_() < deadline);
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
    assert_int_equal(steady_test_start(pub), 0);
    feed_u64(pub, 0, 10);
    steady_test_close_input(pub, "in");
    wait_ok(pub, 10000);
    steady_test_destroy(pub);
    /* the state a snapshot taken after 5 acknowledgements would restore,
     * with items 5.. still in the channel */
    pub = publisher("dd_pub2", "dd.u64", "u64", 8, 64, "jetstream", "true",
                    "stream", "DD", NULL);
    ((struct pub_state *)steady_test_state(pub))->published = 5;
    assert_int_equal(steady_test_start(pub), 0);
    feed_u64(pub, 5, 15);
    steady_test_close_input(pub, "in");
    wait_ok(pub, 10000);
    sub = subscriber("dd_sub", "dd.u64", "u64", 8, 64, "jetstream", "true",
                     "stream", "DD", NULL);
    assert_int_equal(steady_test_start(sub), 0);
    expect_u64(sub, 0, 20);
    /* and nothing twice after them */
    nats_server_sleep_ms_(300);
    assert_int_equal(steady_test_take(sub, "out", &(uint64_t){ 0 }, 1), 0);
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
    assert_int_equal(steady_test_start(pub), 0);
    feed_u64(pub, 0, 100);
    steady_test_close_input(pub, "in");
    wait_ok(pub, 10000);
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
    nats_server_sleep_ms_(300);
    assert_int_equal(steady_test_take(sub, "out", &(uint64_t){ 0 }, 1), 0);
    steady_test_destroy(sub);
    steady_test_destroy(pub);
}

/* The server stops and comes back mid-stream: both sides wait, say so,
 * and carry on; nothing lost, nothing twice, in order. */
static void test_server_restart(void **state)
{
    struct steady_test *sub, *pub;
    long deadline;
    uint64_t fed = 0, next = 0, buf[64];
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
        size_t got;

        while (fed < 3000 && steady_test_feed(pub, "in", &fed, 1) == 1)
            fed++;
        steady_test_await_output(sub, "out", 1, 20);
        got = steady_test_take(sub, "out", buf, 64);
        for (size_t i = 0; i < got; i++, next++)
            if (buf[i] != next)
                fail_msg("expected %llu, got %llu", (unsigned long long)next,
                         (unsigned long long)buf[i]);
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
    nats_server_sleep_ms_(300);
    assert_int_equal(steady_test_take(sub, "out", buf, 1), 0);
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
    int i;

    (void)state;
    pub = publisher("mw_pub", "mw.text", "text", 0, 64, "jetstream", "true",
                    "stream", "MW", "create_stream", "true", NULL);
    sub = subscriber("mw_sub", "mw.text", "text", 0, 4, "jetstream", "true",
                     "stream", "MW", "durable", "mw", NULL);
    assert_int_equal(steady_test_start(pub), 0);
    deadline = nats_server_ms_() + 20000;
    for (i = 0; i < 40;) {
        char msg[64];
        int n = snprintf(msg, sizeof(msg), "message %d", i);

        if (steady_test_feed_msg(pub, "in", msg, (size_t)n))
            i++;
        else
            nats_server_sleep_ms_(1);
        assert_true(nats_server_ms_() < deadline);
    }
    assert_int_equal(steady_test_start(sub), 0);
    /* the output (4 messages) is full; more wait fetched in the plugin */
    assert_int_equal(steady_test_await_output(sub, "out", 4, 10000), 4);
    nats_server_sleep_ms_(200);
    assert_int_equal(nats_server_restart(&server), 0);
    assert_true(steady_test_await_log(sub, "is back", 10000));
    for (i = 0; i < 40;) {
        char want[64];
        int n = snprintf(want, sizeof(want), "message %d", i);

        if (!steady_test_take_msg(sub, "out", buf, sizeof(buf), &len)) {
            steady_test_await_output(sub, "out", 1, 200);
            assert_true(nats_server_ms_() < deadline);
            continue;
        }
        if (len != (size_t)n || memcmp(buf, want, len) != 0)
            fail_msg("expected '%s', got '%.*s'", want, (int)len, buf);
        i++;
    }
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
    assert_int_equal(steady_test_start(pub), 0);
    feed_u64(pub, 0, 3);
    steady_test_close_input(pub, "in");
    wait_ok(pub, 10000);
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
    struct steady_test *t = steady_test_load(plugin, name);
    bool pub = strcmp(plugin, "nats_publish") == 0;
    char url[80];

    assert_non_null(t);
    snprintf(url, sizeof(url), "%s", server.url);
    assert_int_equal(steady_test_set_param(t, "url", url), 0);
    assert_int_equal(steady_test_set_param(t, "subject", "cs.data"), 0);
    assert_int_equal(steady_test_set_param(t, "control", "cs.stop"), 0);
    assert_int_equal(steady_test_set_param(t, "control_stream", "CS"), 0);
    if (durable)
        assert_int_equal(steady_test_set_param(t, "control_durable", durable),
                         0);
    assert_non_null(
        steady_test_connect_typed(t, pub ? "in" : "out", 16, "u64", 8));
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
    struct steady_test *t = steady_test_load("nats_subscribe", "cs_bad");
    char url[80];

    (void)state;
    assert_non_null(t);
    snprintf(url, sizeof(url), "%s", server.url);
    assert_int_equal(steady_test_set_param(t, "url", url), 0);
    assert_int_equal(steady_test_set_param(t, "subject", "x"), 0);
    assert_int_equal(steady_test_set_param(t, "control_stream", "CSB"), 0);
    assert_non_null(steady_test_connect_typed(t, "out", 8, "u64", 8));
    assert_int_equal(steady_test_start(t), -1);
    assert_non_null(strstr(steady_test_error(t),
                           "control_stream 'CSB' needs a control subject"));
    steady_test_destroy(t);

    t = steady_test_load("nats_publish", "cs_bad2");
    assert_non_null(t);
    assert_int_equal(steady_test_set_param(t, "url", url), 0);
    assert_int_equal(steady_test_set_param(t, "subject", "x"), 0);
    assert_int_equal(steady_test_set_param(t, "control", "x.stop"), 0);
    assert_int_equal(steady_test_set_param(t, "control_durable", "d"), 0);
    assert_non_null(steady_test_connect_typed(t, "in", 8, "u64", 8));
    assert_int_equal(steady_test_start(t), -1);
    assert_non_null(
        strstr(steady_test_error(t), "control_durable needs control_stream"));
    steady_test_destroy(t);

    /* a stream name NATS refuses: named, with the server's words */
    t = steady_test_load("nats_publish", "cs_bad3");
    assert_non_null(t);
    assert_int_equal(steady_test_set_param(t, "url", url), 0);
    assert_int_equal(steady_test_set_param(t, "subject", "x"), 0);
    assert_int_equal(steady_test_set_param(t, "control", "x.stop"), 0);
    assert_int_equal(steady_test_set_param(t, "control_stream", "a.b"), 0);
    assert_non_null(steady_test_connect_typed(t, "in", 8, "u64", 8));
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
