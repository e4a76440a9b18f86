/* test_telemetry_history.c - the history behind /history.json, from
 * fabricated readings: how many points fit the configured span and the
 * memory cap, what a point holds (rate, fill, latency per channel, mCPU and
 * load per actor), a ring that stops growing at its size, and the JSON
 * (its shape, `since`, null for a stalled latency).
 */
#include "telemetry.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#define MS 1000000ull

static void test_points_fit_span_and_cap(void **state)
{
    (void)state;
    /* ten minutes at a point a second */
    assert_int_equal(tel_history_points(600, 1000, 4, 3, SIZE_MAX), 600);
    assert_int_equal(tel_history_points(2, 200, 4, 3, SIZE_MAX), 10);
    assert_int_equal(tel_history_points(1, 300, 1, 1, SIZE_MAX), 4);
    assert_int_equal(tel_history_points(0, 1000, 4, 3, SIZE_MAX), 0);
    /* a point of 1 actor and 1 channel is 8 + 5 * 4 = 28 bytes */
    assert_int_equal(tel_history_points(600, 1000, 1, 1, 28 * 100), 100);
    assert_int_equal(tel_history_points(600, 1000, 1, 1, 28 * 100 - 1), 99);
}

/* A graph of two actors and two channels (capacities 10 and 4). */
struct feed {
    uint64_t t, cpu[2], taken[2], inflight[2];
    double avg[2];
};

static void push(struct tel_history *h, struct feed *f, bool *closed)
{
    struct tel_reading r = { .t_ns = f->t,
                             .cpu_ns = f->cpu,
                             .taken = f->taken,
                             .inflight = f->inflight,
                             .avg_inflight = f->avg };
    bool c = tel_history_push(h, &r);

    if (closed)
        *closed = c;
}

static struct tel_history *two_by_two(size_t points, unsigned step_frames)
{
    static const uint64_t caps[2] = { 10, 4 };

    return tel_history_create(points, step_frames, step_frames * 0.1, 2, 2,
                              caps);
}

static void test_point_figures(void **state)
{
    struct tel_history *h = two_by_two(5, 10);
    struct feed f = { 0 };
    struct tel_snapshot s = { .graph = "g" };
    struct tel_actor actors[2] = { { .name = "a" }, { .name = "b" } };
    struct tel_channel chans[2] = {
        { .from = "a",
          .to = "b",
          .from_port = "out",
          .to_port = "in",
          .type = "u64",
          .capacity = 10 },
        { .from = "b",
          .to = "a",
          .from_port = "o",
          .to_port = "i",
          .type = "x",
          .capacity = 4 },
    };
    struct strbuf b = { 0 };
    bool closed = true;

    (void)state;
    assert_non_null(h);
    s.n_actors = 2;
    s.n_channels = 2;
    s.actors = actors;
    s.channels = chans;
    push(h, &f, &closed); /* opens the first step */
    assert_false(closed);
    for (int i = 1; i <= 10; i++) {
        f.t += 100 * MS;
        f.cpu[0] += 25 * MS; /* a quarter of a core */
        f.cpu[1] += 75 * MS; /* three quarters */
        f.taken[0] += 50;    /* 500 a second */
        f.inflight[1] = 4;   /* channel 1: full and stuck */
        f.avg[0] = 2.5;      /* 25 % of 10 */
        f.avg[1] = 4;
        push(h, &f, &closed);
        assert_true(closed == (i == 10));
    }
    assert_int_equal(tel_history_count(h), 1);
    assert_int_equal(tel_history_last_seq(h), 1);
    tel_history_json(h, &s, 0, 1700000000000, &b);
    assert_false(strbuf_failed(&b));
    assert_non_null(strstr(b.data, "{\"graph\":\"g\",\"step_s\":1,"
                                   "\"points_max\":5,"));
    assert_non_null(strstr(b.data, "\"t0_unix_ms\":1700000000000,"
                                   "\"first_seq\":1,\"last_seq\":1,"
                                   "\"t\":[1.000]"));
    assert_non_null(strstr(b.data, "{\"name\":\"a\",\"mcpu\":[256],"
                                   "\"load\":[25]}"));
    assert_non_null(strstr(b.data, "{\"name\":\"b\",\"mcpu\":[768],"
                                   "\"load\":[75]}"));
    /* 2.5 items waiting at 500 a second: 5 ms */
    assert_non_null(strstr(b.data, "\"from\":\"a\",\"from_port\":\"out\","
                                   "\"to\":\"b\",\"to_port\":\"in\","
                                   "\"type\":\"u64\",\"capacity\":10,"
                                   "\"rate\":[500],\"fill\":[25],"
                                   "\"latency_ms\":[5]"));
    /* full and nothing leaves: stalled, which JSON writes as null */
    assert_non_null(strstr(b.data, "\"rate\":[0],\"fill\":[100],"
                                   "\"latency_ms\":[null]"));
    strbuf_fini(&b);
    tel_history_destroy(h);
}

/* The number of elements of the JSON array that follows `key`. */
static int array_len(const char *json, const char *key)
{
    const char *p = strstr(json, key);
    int n = 0;

    if (!p)
        fail_msg("no %s in %s", key, json);
    p += strlen(key);
    assert_true(*p == '[');
    if (p[1] == ']')
        return 0;
    for (n = 1; *p && *p != ']'; p++)
        n += *p == ',';
    return n;
}

static void test_ring_stops_growing(void **state)
{
    struct tel_history *h = two_by_two(4, 2);
    struct tel_actor actors[2] = { { .name = "a" }, { .name = "b" } };
    struct tel_channel chans[2] = {
        { .from = "a", .to = "b", .from_port = "o", .to_port = "i" },
        { .from = "b", .to = "a", .from_port = "o", .to_port = "i" },
    };
    struct tel_snapshot s = { .graph = "g",
                              .n_actors = 2,
                              .n_channels = 2,
                              .actors = actors,
                              .channels = chans };
    struct feed f = { 0 };
    size_t bytes = tel_history_bytes(h);
    struct strbuf b = { 0 };

    (void)state;
    assert_non_null(h);
    assert_true(bytes > 4 * (8 + 4 * 10));
    push(h, &f, NULL);
    for (int i = 1; i <= 2 * 13; i++) {
        f.t += 100 * MS;
        f.taken[0] += i; /* point k moves 4k - 1 items in 0.2 s */
        push(h, &f, NULL);
        assert_true(tel_history_count(h) <= 4);
        assert_true(tel_history_bytes(h) == bytes);
    }
    assert_int_equal(tel_history_count(h), 4);
    assert_int_equal(tel_history_capacity(h), 4);
    assert_int_equal(tel_history_last_seq(h), 13);
    tel_history_json(h, &s, 0, 0, &b);
    /* the four newest points, 10 to 13, oldest first */
    assert_non_null(strstr(b.data, "\"first_seq\":10,\"last_seq\":13,"
                                   "\"t\":[2.000,2.200,2.400,2.600]"));
    assert_non_null(strstr(b.data, "\"rate\":[195,215,235,255]"));
    assert_int_equal(array_len(b.data, "\"mcpu\":"), 4);
    strbuf_reset(&b);
    /* since: only what came after */
    tel_history_json(h, &s, 12, 0, &b);
    assert_non_null(
        strstr(b.data, "\"first_seq\":13,\"last_seq\":13,\"t\":[2.600]"));
    assert_int_equal(array_len(b.data, "\"fill\":"), 1);
    strbuf_reset(&b);
    tel_history_json(h, &s, 13, 0, &b);
    assert_non_null(
        strstr(b.data, "\"first_seq\":14,\"last_seq\":13,\"t\":[]"));
    assert_int_equal(array_len(b.data, "\"latency_ms\":"), 0);
    strbuf_reset(&b);
    /* a since older than the ring: everything held */
    tel_history_json(h, &s, 3, 0, &b);
    assert_int_equal(array_len(b.data, "\"t\":"), 4);
    strbuf_reset(&b);
    /* a since from the future (another run): nothing, no crash */
    tel_history_json(h, &s, UINT64_MAX, 0, &b);
    assert_int_equal(array_len(b.data, "\"t\":"), 0);
    strbuf_fini(&b);
    tel_history_destroy(h);
}

static void test_no_history_is_empty_json(void **state)
{
    struct tel_actor actor = { .name = "a\"b" };
    struct tel_snapshot s = { .graph = "g", .n_actors = 1, .actors = &actor };
    struct strbuf b = { 0 };

    (void)state;
    assert_null(two_by_two(0, 2));
    assert_false(tel_history_push(NULL, NULL));
    tel_history_json(NULL, &s, 0, 0, &b);
    assert_non_null(strstr(b.data, "\"points_max\":0,\"bytes\":0,"));
    /* names are JSON-escaped */
    assert_non_null(strstr(b.data, "{\"name\":\"a\\\"b\",\"mcpu\":[],"
                                   "\"load\":[]}"));
    strbuf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_points_fit_span_and_cap),
        cmocka_unit_test(test_point_figures),
        cmocka_unit_test(test_ring_stops_growing),
        cmocka_unit_test(test_no_history_is_empty_json),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
