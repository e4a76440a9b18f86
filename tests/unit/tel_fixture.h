/* tel_fixture.h - fabricated telemetry snapshots for the unit tests of
 * what telemetry writes (the text, the picture, a node's view): the
 * records they share, the statistics a graph file shows, and a writer's
 * text of a snapshot. Header-only like tests/integration/host_run.h;
 * include after cmocka.h. */
#ifndef STEADY_TEST_TEL_FIXTURE_H
#define STEADY_TEST_TEL_FIXTURE_H

#include "strbuf.h"
#include "telemetry.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The snapshot "fab" (seq 7, a 10.04 s window) of actors[0..n_actors) and
 * channels[0..n_channels), all zero but for the first two of each, which
 * the text and the picture tests share; the caller fills in the rest:
 *   actors[0] "gen": running, 1.5 s of CPU, 512.4 mCPU at 66.6 % load,
 *     restarted twice, orange;
 *   actors[1] "sink": stopped, 3.2 mCPU at 33.4 % load;
 *   channels[0] gen.a -> sink.x, busy: 1,234,567 of 1,235,000 taken, 433
 *     in flight of 1,000, 4,321 per second, 70 % filled at its 90th
 *     percentile, 100 ms latency; red;
 *   channels[1] gen.b -> sink.y, full and stalled: 8 sent, none taken,
 *     capacity 8. */
static inline void tel_fixture_fab(struct tel_snapshot *snap,
                                   struct tel_actor *actors, size_t n_actors,
                                   struct tel_channel *channels,
                                   size_t n_channels)
{
    assert_true(n_actors >= 2 && n_channels >= 2);
    memset(actors, 0, n_actors * sizeof(*actors));
    memset(channels, 0, n_channels * sizeof(*channels));
    actors[0] = (struct tel_actor){ .name = "gen",
                                    .state = TEL_RUNNING,
                                    .cpu_ns = 1500000000u,
                                    .mcpu = 512.4,
                                    .load = 66.6,
                                    .restarts = 2,
                                    .alert = ALERT_ORANGE };
    actors[1] = (struct tel_actor){
        .name = "sink", .state = TEL_STOPPED, .mcpu = 3.2, .load = 33.4
    };
    channels[0] = (struct tel_channel){ .from = "gen",
                                        .to = "sink",
                                        .from_port = "a",
                                        .to_port = "x",
                                        .capacity = 1000,
                                        .percentile = 90,
                                        .sent = 1235000,
                                        .taken = 1234567,
                                        .inflight = 433,
                                        .avg_rate = 4321.4,
                                        .avg_filled = 43.3,
                                        .pct_filled = 70,
                                        .latency_ms = 100.2,
                                        .alert = ALERT_RED };
    channels[1] = (struct tel_channel){ .from = "gen",
                                        .to = "sink",
                                        .from_port = "b",
                                        .to_port = "y",
                                        .capacity = 8,
                                        .percentile = 80,
                                        .sent = 8,
                                        .inflight = 8,
                                        .avg_filled = 100,
                                        .pct_filled = 100,
                                        .latency_ms = INFINITY };
    *snap = (struct tel_snapshot){ .graph = "fab",
                                   .seq = 7,
                                   .window_s = 10.04,
                                   .n_actors = n_actors,
                                   .n_channels = n_channels,
                                   .actors = actors,
                                   .channels = channels };
}

/* The statistics a graph file shows, as tel_snapshot_create and
 * tel_window_figures leave them in the records: on the busy channel,
 * filled, rate (a stddev kept but not shown) and latency; gen's mCPU and
 * sink's load. */
static inline void tel_fixture_show_stats(struct tel_channel *busy,
                                          struct tel_actor *gen,
                                          struct tel_actor *sink)
{
    static uint16_t fill_at[] = { 9000, 5000, 9990 }; /* `percentile` 1st */
    static double fill_pct[] = { 70, 40, 99.5 };
    static uint16_t rate_at[] = { 9500, 2500 }; /* the second: an alert's */
    static double rate_pct[] = { 5000, 1 };
    static uint16_t lat_at[] = { 9900 };
    static double lat_pct[] = { INFINITY };
    static uint16_t load_at[] = { 5000 };
    static double load_pct[] = { 12.5 };

    busy->stat[MEASURE_FILLED] =
        (struct tel_stats){ .min = 0,
                            .max = 100,
                            .stddev = 12.25,
                            .n = 10,
                            .shown = 1u << STAT_MAX | 1u << STAT_STDDEV,
                            .n_pct_shown = 3,
                            .n_pct = 3,
                            .pct_at = fill_at,
                            .pct = fill_pct };
    busy->stat[MEASURE_RATE] = (struct tel_stats){ .min = 10,
                                                   .max = 9000.4,
                                                   .stddev = 1,
                                                   .n = 9,
                                                   .shown = 1u << STAT_MIN,
                                                   .n_pct_shown = 1,
                                                   .n_pct = 2,
                                                   .pct_at = rate_at,
                                                   .pct = rate_pct };
    busy->stat[MEASURE_LATENCY] =
        (struct tel_stats){ .max = INFINITY,
                            .stddev = 250,
                            .n = 9,
                            .shown = 1u << STAT_MAX | 1u << STAT_STDDEV,
                            .n_pct_shown = 1,
                            .n_pct = 1,
                            .pct_at = lat_at,
                            .pct = lat_pct };
    gen->stat[MEASURE_MCPU] =
        (struct tel_stats){ .min = 2,
                            .max = 1023.6,
                            .stddev = 3.25,
                            .n = 9,
                            .shown = 1u << STAT_MIN | 1u << STAT_MAX };
    sink->stat[MEASURE_LOAD] = (struct tel_stats){
        .n = 9, .n_pct_shown = 1, .n_pct = 1, .pct_at = load_at, .pct = load_pct
    };
}

/* What writer `fn` makes of snapshot `s`. Caller frees. */
static inline char *tel_render(void (*fn)(struct strbuf *,
                                          const struct tel_snapshot *),
                               const struct tel_snapshot *s)
{
    struct strbuf b = { 0 };

    fn(&b, s);
    assert_false(strbuf_failed(&b));
    return strbuf_take(&b, NULL);
}

static inline void assert_has(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("missing '%s' in:\n%s", want, text);
}

#endif
