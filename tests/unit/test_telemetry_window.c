/* test_telemetry_window.c - the pure half of telemetry: window sizing, the
 * figures averaged over a rolling window of fabricated readings (mCPU,
 * load, rate, fill, fill percentile, latency) and alert precedence (red
 * over orange over yellow, whatever the order in the graph file).
 */
#include "graph.h"
#include "loader.h"
#include "telemetry.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#define SEC 1000000000ull

/* A snapshot shaped for n_actors and n_channels, all zero. */
struct fake {
    struct tel_snapshot s;
    struct tel_actor actors[4];
    struct tel_channel channels[4];
};

static void fake_init(struct fake *f, size_t n_actors, size_t n_channels)
{
    memset(f, 0, sizeof(*f));
    f->s.n_actors = n_actors;
    f->s.n_channels = n_channels;
    f->s.actors = f->actors;
    f->s.channels = f->channels;
    for (size_t i = 0; i < n_channels; i++)
        f->channels[i].percentile = 80;
}

static void push(struct tel_window *w, uint64_t t, const uint64_t *cpu,
                 const uint64_t *taken, const uint64_t *inflight)
{
    struct tel_reading r = {
        .t_ns = t, .cpu_ns = cpu, .taken = taken, .inflight = inflight
    };

    tel_window_push(w, &r);
}

static void test_window_frames_sizing(void **state)
{
    int period = 0;

    (void)state;
    assert_int_equal(tel_window_frames(100, 10, &period), 100);
    assert_int_equal(period, 100);
    assert_int_equal(tel_window_frames(250, 1, &period), 4);
    assert_int_equal(period, 250);
    /* an hour at 1 ms would be 3.6 million readings: sample less often */
    assert_int_equal(tel_window_frames(1, 3600, &period), TEL_MAX_FRAMES);
    assert_int_equal(period, 360);
    assert_int_equal(tel_window_frames(5000, 1, &period), 1);
}

static void test_window_figures_cpu_rate_fill_latency(void **state)
{
    uint64_t cap[] = { 10 };
    struct tel_window *w = tel_window_create(10, 2, 1, cap);
    struct fake f;

    (void)state;
    assert_non_null(w);
    fake_init(&f, 2, 1);
    push(w, 5 * SEC, (uint64_t[]){ 7, 0 }, (uint64_t[]){ 1000 },
         (uint64_t[]){ 5 });
    push(w, 6 * SEC, (uint64_t[]){ 7 + SEC / 2, SEC / 4 }, (uint64_t[]){ 1100 },
         (uint64_t[]){ 5 });
    push(w, 7 * SEC, (uint64_t[]){ 7 + SEC, SEC / 2 }, (uint64_t[]){ 1200 },
         (uint64_t[]){ 5 });
    tel_window_figures(w, &f.s);
    assert_float_equal(f.s.window_s, 2.0, 1e-9);
    /* half a core each second = 512 of 1024 */
    assert_float_equal(f.actors[0].mcpu, 512.0, 1e-6);
    assert_float_equal(f.actors[1].mcpu, 256.0, 1e-6);
    /* load: shares of the graph's CPU in the window */
    assert_float_equal(f.actors[0].load, 100.0 * 2 / 3, 1e-6);
    assert_float_equal(f.actors[1].load, 100.0 / 3, 1e-6);
    assert_float_equal(f.channels[0].avg_rate, 100.0, 1e-9);
    assert_float_equal(f.channels[0].avg_filled, 50.0, 1e-9);
    assert_float_equal(f.channels[0].pct_filled, 50.0, 1e-9);
    /* 5 items waiting, 100 leaving a second: 50 ms each */
    assert_float_equal(f.channels[0].latency_ms, 50.0, 1e-9);
    tel_window_destroy(w);
}

/* Bytes per second beside items per second, over the same window. */
static void test_window_bytes_rate(void **state)
{
    uint64_t cap[] = { 10, 10 };
    struct tel_window *w = tel_window_create(4, 0, 2, cap);
    struct fake f;

    (void)state;
    fake_init(&f, 0, 2);
    for (uint64_t i = 0; i < 3; i++) {
        struct tel_reading r = { .t_ns = i * SEC,
                                 .taken = (uint64_t[]){ 10 * i, 0 },
                                 .inflight = (uint64_t[]){ 0, 0 },
                                 .bytes = (uint64_t[]){ 4096 * i, 8 * i } };

        tel_window_push(w, &r);
    }
    tel_window_figures(w, &f.s);
    assert_float_equal(f.channels[0].avg_rate, 10.0, 1e-9);
    assert_float_equal(f.channels[0].avg_bytes_rate, 4096.0, 1e-9);
    assert_float_equal(f.channels[1].avg_bytes_rate, 8.0, 1e-9);
    tel_window_destroy(w);
}

static void test_window_forgets_what_rolled_out(void **state)
{
    uint64_t cap[] = { 4 };
    /* two frames: three readings */
    struct tel_window *w = tel_window_create(2, 1, 1, cap);
    struct fake f;

    (void)state;
    fake_init(&f, 1, 1);
    push(w, 0, (uint64_t[]){ 0 }, (uint64_t[]){ 0 }, (uint64_t[]){ 4 });
    push(w, SEC, (uint64_t[]){ SEC }, (uint64_t[]){ 0 }, (uint64_t[]){ 4 });
    tel_window_figures(w, &f.s);
    assert_float_equal(f.channels[0].avg_filled, 100.0, 1e-9);
    assert_float_equal(f.actors[0].mcpu, 1024.0, 1e-6);
    assert_true(isinf(f.channels[0].latency_ms));
    /* the full, busy start rolls out; an idle, empty channel remains */
    for (int i = 2; i <= 4; i++)
        push(w, (uint64_t)i * SEC, (uint64_t[]){ SEC },
             (uint64_t[]){ 40 + (uint64_t)i * 10 }, (uint64_t[]){ 0 });
    tel_window_figures(w, &f.s);
    assert_float_equal(f.s.window_s, 2.0, 1e-9);
    assert_float_equal(f.channels[0].avg_filled, 0.0, 1e-9);
    assert_float_equal(f.channels[0].pct_filled, 0.0, 1e-9);
    assert_float_equal(f.channels[0].avg_rate, 10.0, 1e-9);
    assert_float_equal(f.channels[0].latency_ms, 0.0, 1e-9);
    assert_float_equal(f.actors[0].mcpu, 0.0, 1e-9);
    assert_float_equal(f.actors[0].load, 0.0, 1e-9);
    tel_window_destroy(w);
}

static void test_window_fill_percentile_nearest_rank(void **state)
{
    uint64_t cap[] = { 10 };
    struct tel_window *w = tel_window_create(100, 0, 1, cap);
    struct fake f;

    (void)state;
    fake_init(&f, 0, 1);
    /* fills 0 %, 10 %, ..., 90 %, in a shuffled order */
    static const uint64_t order[] = { 3, 9, 0, 7, 1, 8, 2, 6, 4, 5 };
    for (int i = 0; i < 10; i++)
        push(w, (uint64_t)i * SEC, NULL, (uint64_t[]){ 0 },
             (uint64_t[]){ order[i] });
    f.channels[0].percentile = 80;
    tel_window_figures(w, &f.s);
    assert_float_equal(f.channels[0].pct_filled, 70.0, 1e-9);
    assert_float_equal(f.channels[0].avg_filled, 45.0, 1e-9);
    f.channels[0].percentile = 50;
    tel_window_figures(w, &f.s);
    assert_float_equal(f.channels[0].pct_filled, 40.0, 1e-9);
    f.channels[0].percentile = 99;
    tel_window_figures(w, &f.s);
    assert_float_equal(f.channels[0].pct_filled, 90.0, 1e-9);
    f.channels[0].percentile = 1;
    tel_window_figures(w, &f.s);
    assert_float_equal(f.channels[0].pct_filled, 0.0, 1e-9);
    tel_window_destroy(w);
}

static void test_window_empty_and_clamped(void **state)
{
    uint64_t cap[] = { 8 };
    struct tel_window *w = tel_window_create(4, 1, 1, cap);
    struct fake f;

    (void)state;
    fake_init(&f, 1, 1);
    tel_window_figures(w, &f.s);
    assert_float_equal(f.s.window_s, 0.0, 0);
    assert_float_equal(f.channels[0].avg_rate, 0.0, 0);
    /* one reading covers no time; inflight beyond capacity is clamped */
    push(w, SEC, (uint64_t[]){ 5 }, (uint64_t[]){ 3 }, (uint64_t[]){ 99 });
    tel_window_figures(w, &f.s);
    assert_float_equal(f.s.window_s, 0.0, 0);
    assert_float_equal(f.actors[0].mcpu, 0.0, 0);
    assert_float_equal(f.channels[0].avg_filled, 100.0, 1e-9);
    tel_window_destroy(w);
}

/* ---- alerts ---------------------------------------------------------- */

/* An alert on the average of a measure. */
#define AVG(m, is_below, v, c)                                               \
    {                                                                        \
        .measure = (m), .stat = STAT_AVG, .below = (is_below), .value = (v), \
        .color = (c)                                                         \
    }

static void test_alert_precedence_red_orange_yellow(void **state)
{
    struct graph_alert alerts[] = {
        AVG(MEASURE_RATE, true, 100, ALERT_YELLOW),
        AVG(MEASURE_FILLED, false, 90, ALERT_RED),
        { .measure = MEASURE_FILLED,
          .stat = STAT_PERCENTILE,
          .value = 50,
          .color = ALERT_ORANGE },
    };
    struct graph_alert reversed[] = { alerts[2], alerts[1], alerts[0] };
    struct tel_channel c = { .alerts = alerts, .n_alerts = 3 };

    (void)state;
    c.avg_rate = 10;
    c.avg_filled = 95;
    c.pct_filled = 100;
    assert_int_equal(tel_alert_channel(&c), ALERT_RED);
    c.alerts = reversed;
    assert_int_equal(tel_alert_channel(&c), ALERT_RED);
    c.avg_filled = 80; /* red no longer holds */
    assert_int_equal(tel_alert_channel(&c), ALERT_ORANGE);
    c.alerts = alerts;
    assert_int_equal(tel_alert_channel(&c), ALERT_ORANGE);
    c.pct_filled = 50; /* "above" is strict */
    assert_int_equal(tel_alert_channel(&c), ALERT_YELLOW);
    c.avg_rate = 100; /* "below" is strict */
    assert_int_equal(tel_alert_channel(&c), ALERT_NONE);
    c.n_alerts = 0;
    c.avg_filled = 100;
    assert_int_equal(tel_alert_channel(&c), ALERT_NONE);
}

static void test_alert_latency_and_actor_metrics(void **state)
{
    struct graph_alert lat[] = { AVG(MEASURE_LATENCY, false, 250, ALERT_RED) };
    struct graph_alert cpu[] = {
        AVG(MEASURE_LOAD, false, 50, ALERT_YELLOW),
        AVG(MEASURE_MCPU, false, 512, ALERT_ORANGE),
    };
    struct tel_channel c = { .alerts = lat, .n_alerts = 1 };
    struct tel_actor a = { .alerts = cpu, .n_alerts = 2 };

    (void)state;
    c.latency_ms = 100;
    assert_int_equal(tel_alert_channel(&c), ALERT_NONE);
    c.latency_ms = INFINITY; /* stalled */
    assert_int_equal(tel_alert_channel(&c), ALERT_RED);
    a.load = 60;
    a.mcpu = 100;
    assert_int_equal(tel_alert_actor(&a), ALERT_YELLOW);
    a.mcpu = 600;
    assert_int_equal(tel_alert_actor(&a), ALERT_ORANGE);
    a.load = 10;
    a.mcpu = 0;
    assert_int_equal(tel_alert_actor(&a), ALERT_NONE);
}

static void test_alerts_apply_waits_for_a_window(void **state)
{
    struct graph_alert below[] = { AVG(MEASURE_RATE, true, 1, ALERT_RED) };
    struct fake f;

    (void)state;
    fake_init(&f, 0, 1);
    f.channels[0].alerts = below;
    f.channels[0].n_alerts = 1;
    /* nothing measured yet: a rate of 0 is not "below 1" yet */
    tel_alerts_apply(&f.s);
    assert_int_equal(f.channels[0].alert, ALERT_NONE);
    f.s.window_s = 0.5;
    tel_alerts_apply(&f.s);
    assert_int_equal(f.channels[0].alert, ALERT_RED);
}

static void test_snapshot_from_graph(void **state)
{
    struct plugin_registry *reg =
        plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    char err[1024];
    struct graph *g;
    struct tel_snapshot *s;

    (void)state;
    assert_non_null(reg);
    g = graph_load(STEADY_SOURCE_DIR "/tests/graphs/telemetry/held.yaml", NULL,
                   0, reg, err, sizeof(err));
    if (!g)
        fail_msg("%s", err);
    s = tel_snapshot_create(g);
    assert_non_null(s);
    assert_string_equal(s->graph, "held");
    assert_int_equal(s->n_actors, 4);
    assert_int_equal(s->n_channels, 2);
    assert_string_equal(s->actors[2].name, "ticker");
    assert_int_equal(s->actors[2].n_alerts, 1);
    assert_string_equal(s->channels[0].from, "filler");
    assert_string_equal(s->channels[0].to, "holder");
    assert_string_equal(s->channels[0].from_port, "out");
    assert_string_equal(s->channels[0].to_port, "in");
    assert_false(s->channels[0].show_ports);
    assert_int_equal(s->channels[0].capacity, 8);
    assert_int_equal(s->channels[1].capacity, 16);
    assert_int_equal(s->channels[0].percentile, 80);
    assert_int_equal(s->channels[0].n_alerts, 2);
    assert_int_equal(s->seq, 0);
    tel_snapshot_destroy(s);
    graph_destroy(g);
    plugin_registry_destroy(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_frames_sizing),
        cmocka_unit_test(test_window_figures_cpu_rate_fill_latency),
        cmocka_unit_test(test_window_bytes_rate),
        cmocka_unit_test(test_window_forgets_what_rolled_out),
        cmocka_unit_test(test_window_fill_percentile_nearest_rank),
        cmocka_unit_test(test_window_empty_and_clamped),
        cmocka_unit_test(test_alert_precedence_red_orange_yellow),
        cmocka_unit_test(test_alert_latency_and_actor_metrics),
        cmocka_unit_test(test_alerts_apply_waits_for_a_window),
        cmocka_unit_test(test_snapshot_from_graph),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
