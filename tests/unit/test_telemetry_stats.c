/* test_telemetry_stats.c - the statistics telemetry computes over its
 * window and the alerts that watch them, on fabricated samples and
 * readings with known answers: mean, population standard deviation,
 * min/max, nearest-rank percentiles (infinite samples included), the
 * per-frame samples of fill, rate, latency, CPU and load, every trigger
 * (each statistic, above and below, stddevs bands, percentiles named and
 * defaulted) with the colour precedence, and the percentile lists a
 * snapshot plans from a graph file.
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
#include <unistd.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#define SEC 1000000000ull

/* ---- tel_stats_compute and tel_percentile ----------------------------- */

static void test_stats_known_samples(void **state)
{
    /* the textbook set: mean 5, population standard deviation 2 */
    double v[] = { 9, 4, 2, 5, 4, 7, 4, 5 };
    uint16_t at[] = { 5000, 2500, 7500, 100, 9990, 1250, 1251 };
    double pct[7];
    struct tel_stats st = { .n_pct = 7, .pct_at = at, .pct = pct };

    (void)state;
    tel_stats_compute(&st, v, 8);
    assert_int_equal(st.n, 8);
    assert_float_equal(st.min, 2, 0);
    assert_float_equal(st.max, 9, 0);
    assert_float_equal(st.stddev, 2, 1e-12);
    /* sorted: 2 4 4 4 5 5 7 9; rank = ceil(p * n) */
    assert_float_equal(pct[0], 4, 0); /* 50th: rank 4 */
    assert_float_equal(pct[1], 4, 0); /* 25th: rank 2 */
    assert_float_equal(pct[2], 5, 0); /* 75th: rank 6 */
    assert_float_equal(pct[3], 2, 0); /* 1st: rank 1 */
    assert_float_equal(pct[4], 9, 0); /* 99.9th: rank 8 */
    assert_float_equal(pct[5], 2, 0); /* 12.5th: rank exactly 1 */
    assert_float_equal(pct[6], 4, 0); /* 12.51st: rank 2 */
    /* the samples were sorted in place */
    for (int i = 1; i < 8; i++)
        assert_true(v[i - 1] <= v[i]);
}

static void test_stats_without_percentiles_keep_the_order(void **state)
{
    double v[] = { 9, 4, 2, 5, 4, 7, 4, 5 };
    struct tel_stats st = { 0 };

    (void)state;
    tel_stats_compute(&st, v, 8);
    assert_float_equal(st.min, 2, 0);
    assert_float_equal(st.max, 9, 0);
    assert_float_equal(st.stddev, 2, 1e-12);
    assert_float_equal(v[0], 9, 0); /* nothing to sort for */
}

static void test_stats_one_sample_and_none(void **state)
{
    double one[] = { 42.5 };
    uint16_t at[] = { 8000 };
    double pct[1] = { -1 };
    struct tel_stats st = { .n_pct = 1, .pct_at = at, .pct = pct };

    (void)state;
    tel_stats_compute(&st, one, 1);
    assert_float_equal(st.min, 42.5, 0);
    assert_float_equal(st.max, 42.5, 0);
    assert_float_equal(st.stddev, 0, 0);
    assert_float_equal(pct[0], 42.5, 0);
    /* nothing measured yet: every figure 0 */
    tel_stats_compute(&st, NULL, 0);
    assert_int_equal(st.n, 0);
    assert_float_equal(st.min, 0, 0);
    assert_float_equal(st.max, 0, 0);
    assert_float_equal(st.stddev, 0, 0);
    assert_float_equal(pct[0], 0, 0);
    assert_float_equal(tel_percentile(NULL, 0, 5000), 0, 0);
}

static void test_stats_stalled_latency(void **state)
{
    /* a stalled frame is +Inf: in min, max and the percentiles, not in
     * the deviation (which an infinite sample would make NaN) */
    double v[] = { 3, INFINITY, 1 };
    uint16_t at[] = { 5000, 9900 };
    double pct[2];
    struct tel_stats st = { .n_pct = 2, .pct_at = at, .pct = pct };
    double all_stalled[] = { INFINITY, INFINITY };

    (void)state;
    tel_stats_compute(&st, v, 3);
    assert_float_equal(st.min, 1, 0);
    assert_true(isinf(st.max));
    assert_float_equal(st.stddev, 1, 1e-12);
    assert_float_equal(pct[0], 3, 0);
    assert_true(isinf(pct[1]));
    tel_stats_compute(&st, all_stalled, 2);
    assert_true(isinf(st.min));
    assert_float_equal(st.stddev, 0, 0);
}

static void test_stats_deviation_near_a_large_mean(void **state)
{
    /* a one-pass sum of squares loses these to rounding */
    double v[] = { 1e12 + 1, 1e12 + 3, 1e12 + 1, 1e12 + 3 };
    struct tel_stats st = { 0 };

    (void)state;
    tel_stats_compute(&st, v, 4);
    assert_float_equal(st.stddev, 1, 1e-9);
}

/* ---- the window's per-frame samples ------------------------------------ */

struct fake {
    struct tel_snapshot s;
    struct tel_actor actors[2];
    struct tel_channel channels[1];
    uint16_t at[GRAPH_N_MEASURES][2];
    double pct[GRAPH_N_MEASURES][2];
};

/* Two actors and a channel; each measure (of the channel, or of the first
 * actor) computes its 50th and 99.99th percentiles (the latter is the
 * highest sample in a window this small). */
static void fake_init(struct fake *f)
{
    memset(f, 0, sizeof(*f));
    f->s.n_actors = 2;
    f->s.n_channels = 1;
    f->s.actors = f->actors;
    f->s.channels = f->channels;
    f->channels[0].percentile = 50;
    for (int m = 0; m < GRAPH_N_MEASURES; m++) {
        struct tel_stats *st = m <= MEASURE_LATENCY ? &f->channels[0].stat[m]
                                                    : &f->actors[0].stat[m];

        f->at[m][0] = 5000;
        f->at[m][1] = 9999;
        *st = (struct tel_stats){ .n_pct = 2,
                                  .pct_at = f->at[m],
                                  .pct = f->pct[m] };
    }
}

static void push(struct tel_window *w, uint64_t t, uint64_t cpu0, uint64_t cpu1,
                 uint64_t taken, uint64_t inflight)
{
    uint64_t cpu[] = { cpu0, cpu1 };
    struct tel_reading r = {
        .t_ns = t, .cpu_ns = cpu, .taken = &taken, .inflight = &inflight
    };

    tel_window_push(w, &r);
}

static void test_window_samples_per_frame(void **state)
{
    uint64_t cap[] = { 10 };
    struct tel_window *w = tel_window_create(10, 2, 1, cap);
    struct fake f;
    const struct tel_stats *fill, *rate, *lat, *mcpu, *load;

    (void)state;
    assert_non_null(w);
    fake_init(&f);
    /* four readings a second apart, three intervals:
     *   fill      20 %   40 %   0 %   100 %
     *   taken      0    100    100    400     -> rates 100, 0, 300 /s
     *   actor 0 CPU  +0.5 s  +0.25 s  +0 s    -> 512, 256, 0 mCPU
     *   actor 1 CPU  +0.5 s  +0 s     +0 s    -> loads 50, 100, 0 % */
    push(w, 0, 0, 0, 0, 2);
    push(w, SEC, SEC / 2, SEC / 2, 100, 4);
    push(w, 2 * SEC, SEC / 2 + SEC / 4, SEC / 2, 100, 0);
    push(w, 3 * SEC, SEC / 2 + SEC / 4, SEC / 2, 400, 10);
    tel_window_figures(w, &f.s);
    fill = &f.channels[0].stat[MEASURE_FILLED];
    rate = &f.channels[0].stat[MEASURE_RATE];
    lat = &f.channels[0].stat[MEASURE_LATENCY];
    mcpu = &f.actors[0].stat[MEASURE_MCPU];
    load = &f.actors[0].stat[MEASURE_LOAD];

    /* fill: one sample a reading; mean 40, deviation sqrt(1400) */
    assert_int_equal(fill->n, 4);
    assert_float_equal(f.channels[0].avg_filled, 40, 1e-9);
    assert_float_equal(fill->min, 0, 0);
    assert_float_equal(fill->max, 100, 0);
    assert_float_equal(fill->stddev, sqrt(1400.0), 1e-9);
    assert_float_equal(fill->pct[0], 20, 1e-9); /* 50th: rank 2 of 4 */
    assert_float_equal(fill->pct[1], 100, 1e-9);
    /* the channel's percentile (50) as before */
    assert_float_equal(f.channels[0].pct_filled, 20, 1e-9);

    /* rate: one sample an interval; the average is the window's */
    assert_int_equal(rate->n, 3);
    assert_float_equal(f.channels[0].avg_rate, 400.0 / 3, 1e-9);
    assert_float_equal(rate->min, 0, 0);
    assert_float_equal(rate->max, 300, 1e-9);
    assert_float_equal(rate->stddev,
                       sqrt(((100 - 400.0 / 3) * (100 - 400.0 / 3) +
                             (400.0 / 3) * (400.0 / 3) +
                             (300 - 400.0 / 3) * (300 - 400.0 / 3)) /
                            3),
                       1e-9);
    assert_float_equal(rate->pct[0], 100, 1e-9);

    /* latency per interval: items at its end over its rate:
     * 4 / 100 = 40 ms; 0 items, 0 rate = 0; 10 / 300 = 33.3 ms */
    assert_int_equal(lat->n, 3);
    assert_float_equal(lat->min, 0, 0);
    assert_float_equal(lat->max, 40, 1e-9);
    assert_float_equal(lat->pct[0], 10000.0 / 300, 1e-9);

    /* actor 0: 512, 256, 0 mCPU; the average is the window's */
    assert_float_equal(f.actors[0].mcpu, 768.0 / 3, 1e-6);
    assert_int_equal(mcpu->n, 3);
    assert_float_equal(mcpu->min, 0, 1e-9);
    assert_float_equal(mcpu->max, 512, 1e-6);
    assert_float_equal(mcpu->stddev, sqrt((256.0 * 256 * 2) / 3), 1e-6);
    assert_float_equal(mcpu->pct[0], 256, 1e-6);
    /* its share of each interval's graph CPU: 50 %, 100 %, 0 (none) */
    assert_float_equal(f.actors[0].load, 60, 1e-9); /* 0.75 of 1.25 s */
    assert_float_equal(load->min, 0, 0);
    assert_float_equal(load->max, 100, 1e-9);
    assert_float_equal(load->pct[0], 50, 1e-9);
    tel_window_destroy(w);
}

static void test_window_stalled_frame_latency(void **state)
{
    uint64_t cap[] = { 4 };
    struct tel_window *w = tel_window_create(4, 0, 1, cap);
    struct fake f;
    const struct tel_stats *lat;

    (void)state;
    fake_init(&f);
    f.s.n_actors = 0;
    /* items wait and none leave in the second interval */
    push(w, 0, 0, 0, 0, 0);
    push(w, SEC, 0, 0, 10, 2);
    push(w, 2 * SEC, 0, 0, 10, 4);
    tel_window_figures(w, &f.s);
    lat = &f.channels[0].stat[MEASURE_LATENCY];
    assert_float_equal(lat->min, 200, 1e-9); /* 2 items at 10 a second */
    assert_true(isinf(lat->max));
    assert_true(isinf(lat->pct[1]));
    assert_float_equal(lat->stddev, 0, 0);
    tel_window_destroy(w);
}

/* A channel that shows only its own fill percentile finds it by selection,
 * not by sorting; both must give the same nearest-rank answer, whatever
 * the samples and their number. */
static void test_window_own_percentile_selected_as_sorted(void **state)
{
    uint64_t cap[] = { 1000, 1000 };
    uint32_t seed = 12345;

    (void)state;
    for (size_t len = 1; len <= 40; len++) {
        struct tel_window *w =
            tel_window_create(len - 1 ? len - 1 : 1, 0, 2, cap);
        struct tel_actor no_actors[1];
        struct tel_channel ch[2];
        struct tel_snapshot s = { .n_channels = 2,
                                  .channels = ch,
                                  .actors = no_actors };

        assert_non_null(w);
        for (size_t i = 0; i < len; i++) {
            uint64_t taken[2] = { 0, 0 }, inflight[2];
            struct tel_reading r = { .t_ns = i * SEC,
                                     .taken = taken,
                                     .inflight = inflight };

            seed = seed * 1103515245u + 12345u;
            /* few distinct values: ties are where selection goes wrong */
            inflight[0] = inflight[1] = (seed >> 16) % 7 * 150;
            tel_window_push(w, &r);
        }
        for (int p = 1; p <= 99; p++) {
            memset(ch, 0, sizeof(ch));
            ch[0].percentile = ch[1].percentile = p;
            ch[1].stat[MEASURE_FILLED].wanted = true; /* sorts */
            tel_window_figures(w, &s);
            if (ch[0].pct_filled != ch[1].pct_filled)
                fail_msg("%zu samples, %dth: selected %g, sorted %g", len, p,
                         ch[0].pct_filled, ch[1].pct_filled);
        }
        tel_window_destroy(w);
    }
}

/* ---- triggers ------------------------------------------------------------ */

#define ALERT(m, s, is_below, v, c)                                     \
    {                                                                   \
        .measure = (m), .stat = (s), .below = (is_below), .value = (v), \
        .color = (c)                                                    \
    }

static uint16_t ch_at[GRAPH_N_MEASURES][3] = {
    [MEASURE_FILLED] = { 8000, 9500 },
    [MEASURE_RATE] = { 5000 },
    [MEASURE_LATENCY] = { 9900 },
};
static double ch_pct[GRAPH_N_MEASURES][3] = {
    [MEASURE_FILLED] = { 70, 95 },
    [MEASURE_RATE] = { 1000 },
    [MEASURE_LATENCY] = { 80 },
};

/* A channel with known figures: fill avg 50, min 10, max 90, sd 20,
 * 80th 70, 95th 95; rate avg 1000, min 500, max 1500, sd 100, 50th 1000;
 * latency avg 40 ms, min 1, max 120, sd 30, 99th 80. */
static struct tel_channel known_channel(const struct graph_alert *alerts,
                                        size_t n)
{
    struct tel_channel c = { .alerts = alerts,
                             .n_alerts = n,
                             .percentile = 80,
                             .avg_filled = 50,
                             .pct_filled = 70,
                             .avg_rate = 1000,
                             .latency_ms = 40 };

    c.stat[MEASURE_FILLED] =
        (struct tel_stats){ .min = 10,
                            .max = 90,
                            .stddev = 20,
                            .n_pct = 2,
                            .pct_at = ch_at[MEASURE_FILLED],
                            .pct = ch_pct[MEASURE_FILLED] };
    c.stat[MEASURE_RATE] = (struct tel_stats){ .min = 500,
                                               .max = 1500,
                                               .stddev = 100,
                                               .n_pct = 1,
                                               .pct_at = ch_at[MEASURE_RATE],
                                               .pct = ch_pct[MEASURE_RATE] };
    c.stat[MEASURE_LATENCY] =
        (struct tel_stats){ .min = 1,
                            .max = 120,
                            .stddev = 30,
                            .n_pct = 1,
                            .pct_at = ch_at[MEASURE_LATENCY],
                            .pct = ch_pct[MEASURE_LATENCY] };
    return c;
}

/* Whether the one alert `al` holds on the known channel. */
static bool channel_holds(struct graph_alert al)
{
    struct tel_channel c = known_channel(&al, 1);

    return tel_alert_channel(&c) == al.color;
}

static void test_trigger_each_statistic_above_and_below(void **state)
{
    static const struct {
        enum graph_measure m;
        enum graph_stat s;
        double value; /* the channel's figure */
    } figs[] = {
        { MEASURE_FILLED, STAT_AVG, 50 },
        { MEASURE_FILLED, STAT_MIN, 10 },
        { MEASURE_FILLED, STAT_MAX, 90 },
        { MEASURE_FILLED, STAT_STDDEV, 20 },
        { MEASURE_RATE, STAT_AVG, 1000 },
        { MEASURE_RATE, STAT_MIN, 500 },
        { MEASURE_RATE, STAT_MAX, 1500 },
        { MEASURE_RATE, STAT_STDDEV, 100 },
        { MEASURE_LATENCY, STAT_AVG, 40 },
        { MEASURE_LATENCY, STAT_MIN, 1 },
        { MEASURE_LATENCY, STAT_MAX, 120 },
        { MEASURE_LATENCY, STAT_STDDEV, 30 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(figs) / sizeof(figs[0]); i++) {
        enum graph_measure m = figs[i].m;
        enum graph_stat s = figs[i].s;
        double v = figs[i].value;

        /* strict both ways: equal to the value holds neither */
        assert_true(channel_holds(
            (struct graph_alert)ALERT(m, s, false, v - 0.5, ALERT_RED)));
        assert_false(channel_holds(
            (struct graph_alert)ALERT(m, s, false, v, ALERT_RED)));
        assert_true(channel_holds(
            (struct graph_alert)ALERT(m, s, true, v + 0.5, ALERT_RED)));
        assert_false(
            channel_holds((struct graph_alert)ALERT(m, s, true, v, ALERT_RED)));
    }
}

static void test_trigger_percentiles(void **state)
{
    struct graph_alert al =
        ALERT(MEASURE_FILLED, STAT_PERCENTILE, false, 69, ALERT_ORANGE);

    (void)state;
    /* no percentile named: the channel's own (80th, pct_filled = 70) */
    assert_true(channel_holds(al));
    al.value = 70;
    assert_false(channel_holds(al));
    /* the 95th, named */
    al.percentile = 9500;
    al.value = 94;
    assert_true(channel_holds(al));
    al.below = true;
    al.value = 96;
    assert_true(channel_holds(al));
    al.value = 95;
    assert_false(channel_holds(al));
    /* one not computed never holds, above or below */
    al.percentile = 1000;
    al.value = 1e9;
    assert_false(channel_holds(al));
    al.below = false;
    al.value = -1;
    assert_false(channel_holds(al));
    /* other measures default to the channel's percentile too: rate has
     * only its 50th, so a defaulted one (80th) is not there */
    al = (struct graph_alert)ALERT(MEASURE_RATE, STAT_PERCENTILE, true, 1001,
                                   ALERT_YELLOW);
    assert_false(channel_holds(al));
    al.percentile = 5000;
    assert_true(channel_holds(al));
    al = (struct graph_alert)ALERT(MEASURE_LATENCY, STAT_PERCENTILE, false, 79,
                                   ALERT_RED);
    al.percentile = 9900;
    assert_true(channel_holds(al));
}

static void test_trigger_stddevs_band(void **state)
{
    /* fill: average 50, deviation 20 */
    struct graph_alert al =
        ALERT(MEASURE_FILLED, STAT_STDDEVS, false, 89, ALERT_RED);

    (void)state;
    al.devs = 2; /* 50 + 2 * 20 = 90 */
    assert_true(channel_holds(al));
    al.value = 90;
    assert_false(channel_holds(al));
    al.devs = 0.5; /* 60 */
    al.value = 59.5;
    assert_true(channel_holds(al));
    /* below: 50 - 1.5 * 20 = 20 */
    al.below = true;
    al.devs = 1.5;
    al.value = 20.5;
    assert_true(channel_holds(al));
    al.value = 20;
    assert_false(channel_holds(al));
    /* on latency: 40 + 3 * 30 = 130 */
    al = (struct graph_alert)ALERT(MEASURE_LATENCY, STAT_STDDEVS, false, 129,
                                   ALERT_YELLOW);
    al.devs = 3;
    assert_true(channel_holds(al));
}

static void test_trigger_precedence_among_kinds(void **state)
{
    struct graph_alert alerts[] = {
        ALERT(MEASURE_RATE, STAT_MIN, true, 600, ALERT_YELLOW),     /* holds */
        ALERT(MEASURE_LATENCY, STAT_MAX, false, 100, ALERT_ORANGE), /* holds */
        ALERT(MEASURE_FILLED, STAT_STDDEV, false, 25, ALERT_RED),   /* no */
    };
    struct tel_channel c = known_channel(alerts, 3);

    (void)state;
    assert_int_equal(tel_alert_channel(&c), ALERT_ORANGE);
    c.stat[MEASURE_FILLED].stddev = 30; /* now red holds too */
    assert_int_equal(tel_alert_channel(&c), ALERT_RED);
    c.stat[MEASURE_LATENCY].max = 100; /* orange no longer: red still */
    assert_int_equal(tel_alert_channel(&c), ALERT_RED);
    c.stat[MEASURE_FILLED].stddev = 0;
    assert_int_equal(tel_alert_channel(&c), ALERT_YELLOW);
    c.stat[MEASURE_RATE].min = 600;
    assert_int_equal(tel_alert_channel(&c), ALERT_NONE);
    /* a stalled channel: its latency average is +Inf and holds "above" */
    c.latency_ms = INFINITY;
    c.alerts = (struct graph_alert[]){ ALERT(MEASURE_LATENCY, STAT_AVG, false,
                                             1e12, ALERT_RED) };
    c.n_alerts = 1;
    assert_int_equal(tel_alert_channel(&c), ALERT_RED);
}

static void test_trigger_actor_statistics(void **state)
{
    static uint16_t at[] = { 9000 };
    static double pct[] = { 700 };
    struct graph_alert alerts[] = {
        ALERT(MEASURE_MCPU, STAT_MAX, false, 1000, ALERT_RED),
        ALERT(MEASURE_LOAD, STAT_STDDEVS, true, 5, ALERT_ORANGE),
        ALERT(MEASURE_MCPU, STAT_PERCENTILE, false, 600, ALERT_YELLOW),
    };
    struct tel_actor a = {
        .alerts = alerts, .n_alerts = 3, .mcpu = 300, .load = 40
    };

    (void)state;
    alerts[1].devs = 2;
    alerts[2].percentile = 9000;
    a.stat[MEASURE_MCPU] = (struct tel_stats){ .min = 0,
                                               .max = 1000,
                                               .stddev = 50,
                                               .n_pct = 1,
                                               .pct_at = at,
                                               .pct = pct };
    a.stat[MEASURE_LOAD] = (struct tel_stats){ .stddev = 10 };
    /* max 1000 is not above 1000; 40 - 2 * 10 = 20 is not below 5;
     * the 90th, 700, is above 600 */
    assert_int_equal(tel_alert_actor(&a), ALERT_YELLOW);
    a.stat[MEASURE_LOAD].stddev = 18; /* 40 - 36 = 4 < 5 */
    assert_int_equal(tel_alert_actor(&a), ALERT_ORANGE);
    a.stat[MEASURE_MCPU].max = 1024;
    assert_int_equal(tel_alert_actor(&a), ALERT_RED);
    /* an actor's percentile alert naming none watches the 80th, which
     * this actor did not compute */
    alerts[2].percentile = 0;
    a.stat[MEASURE_MCPU].max = 0;
    a.stat[MEASURE_LOAD].stddev = 0;
    assert_int_equal(tel_alert_actor(&a), ALERT_NONE);
}

/* ---- percentile lists planned from a graph file -------------------------- */

static void test_snapshot_plans_percentiles(void **state)
{
    struct plugin_registry *reg =
        plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    char err[1024];
    struct graph *g;
    struct tel_snapshot *s;
    const struct tel_stats *st;

    (void)state;
    assert_non_null(reg);
    g = graph_load(STEADY_SOURCE_DIR "/tests/graphs/telemetry/stats.yaml", NULL,
                   0, reg, err, sizeof(err));
    if (!g)
        fail_msg("%s", err);
    s = tel_snapshot_create(g);
    assert_non_null(s);
    /* filler -> holder: the channel's percentile (80) first, then p50 and
     * p99.9 from defaults.channel.stats */
    st = &s->channels[0].stat[MEASURE_FILLED];
    assert_int_equal(st->n_pct, 3);
    assert_int_equal(st->n_pct_shown, 3);
    assert_int_equal(st->pct_at[0], 8000);
    assert_int_equal(st->pct_at[1], 5000);
    assert_int_equal(st->pct_at[2], 9990);
    assert_int_equal(st->shown,
                     1u << STAT_MIN | 1u << STAT_MAX | 1u << STAT_STDDEV);
    st = &s->channels[0].stat[MEASURE_LATENCY];
    assert_int_equal(st->shown, 1u << STAT_MAX);
    assert_int_equal(st->n_pct, 0);
    /* ticker -> drain: its own rate list replaces the defaults'; the
     * alert's 50th is already there */
    st = &s->channels[1].stat[MEASURE_RATE];
    assert_int_equal(st->n_pct, 1);
    assert_int_equal(st->n_pct_shown, 1);
    assert_int_equal(st->pct_at[0], 5000);
    assert_int_equal(st->shown,
                     1u << STAT_MIN | 1u << STAT_MAX | 1u << STAT_STDDEV);
    /* the other measures keep the defaults */
    assert_int_equal(s->channels[1].stat[MEASURE_FILLED].n_pct_shown, 3);
    /* ticker: mcpu replaced (min only); load from the defaults (p90) plus
     * the 50th its alert watches, not shown */
    st = &s->actors[2].stat[MEASURE_MCPU];
    assert_int_equal(st->shown, 1u << STAT_MIN);
    assert_int_equal(st->n_pct, 0);
    st = &s->actors[2].stat[MEASURE_LOAD];
    assert_int_equal(st->n_pct_shown, 1);
    assert_int_equal(st->n_pct, 2);
    assert_int_equal(st->pct_at[0], 9000);
    assert_int_equal(st->pct_at[1], 5000);
    st = &s->actors[0].stat[MEASURE_MCPU];
    assert_int_equal(st->shown, 1u << STAT_MAX | 1u << STAT_STDDEV);
    assert_true(st->wanted);
    tel_snapshot_destroy(s);
    graph_destroy(g);
    plugin_registry_destroy(reg);
}

/* A statistic only an alert watches is computed all the same; one nobody
 * asks for is not (the frame stays cheap). */
static void test_snapshot_wants_what_alerts_watch(void **state)
{
    static const char text[] =
        "graph: watched\n"
        "actors:\n"
        "  src:\n"
        "    plugin: tp_src\n"
        "    alerts: [ { when: max_mcpu_above, value: 900, color: red } ]\n"
        "  sink: { plugin: tp_sink }\n"
        "channels:\n"
        "  - from: src.out\n"
        "    to: sink.in\n"
        "    alerts:\n"
        "      - { when: stddevs_latency_above, devs: 2, value: 9, color: red "
        "}\n"
        "      - { when: percentile_rate_below, value: 9, color: red }\n";
    struct plugin_registry *reg =
        plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    char path[] = "/tmp/steady-watched-XXXXXX", err[1024];
    int fd = mkstemp(path);
    struct tel_snapshot *s;
    struct graph *g;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, sizeof(text) - 1),
                     (ssize_t)(sizeof(text) - 1));
    close(fd);
    g = graph_load(path, NULL, 0, reg, err, sizeof(err));
    unlink(path);
    if (!g)
        fail_msg("%s", err);
    s = tel_snapshot_create(g);
    assert_non_null(s);
    assert_true(s->actors[0].stat[MEASURE_MCPU].wanted);
    assert_int_equal(s->actors[0].stat[MEASURE_MCPU].shown, 0);
    assert_false(s->actors[0].stat[MEASURE_LOAD].wanted);
    assert_false(s->actors[1].stat[MEASURE_MCPU].wanted);
    assert_true(s->channels[0].stat[MEASURE_LATENCY].wanted);
    /* a percentile alert needs its percentile (the channel's 80th), not
     * the spread */
    assert_false(s->channels[0].stat[MEASURE_RATE].wanted);
    assert_int_equal(s->channels[0].stat[MEASURE_RATE].n_pct, 1);
    assert_int_equal(s->channels[0].stat[MEASURE_RATE].n_pct_shown, 0);
    assert_int_equal(s->channels[0].stat[MEASURE_RATE].pct_at[0], 8000);
    assert_false(s->channels[0].stat[MEASURE_FILLED].wanted);
    tel_snapshot_destroy(s);
    graph_destroy(g);
    plugin_registry_destroy(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_known_samples),
        cmocka_unit_test(test_stats_without_percentiles_keep_the_order),
        cmocka_unit_test(test_stats_one_sample_and_none),
        cmocka_unit_test(test_stats_stalled_latency),
        cmocka_unit_test(test_stats_deviation_near_a_large_mean),
        cmocka_unit_test(test_window_samples_per_frame),
        cmocka_unit_test(test_window_stalled_frame_latency),
        cmocka_unit_test(test_window_own_percentile_selected_as_sorted),
        cmocka_unit_test(test_trigger_each_statistic_above_and_below),
        cmocka_unit_test(test_trigger_percentiles),
        cmocka_unit_test(test_trigger_stddevs_band),
        cmocka_unit_test(test_trigger_precedence_among_kinds),
        cmocka_unit_test(test_trigger_actor_statistics),
        cmocka_unit_test(test_snapshot_plans_percentiles),
        cmocka_unit_test(test_snapshot_wants_what_alerts_watch),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
