/* test_telemetry_subsample.c - the readings of channel fill within a frame
 * (tel_subsample.c) and what the window makes of them: the instants fall
 * one in each K-th of the frame, at random; their average follows the
 * time-averaged fill of a channel whose bursts come exactly once a frame,
 * where a reading at the frame's edge sees the same phase every time; a
 * collector held up reads once for every instant it missed.
 */
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

#define MS 1000000ull

static void test_count_follows_the_frame(void **state)
{
    (void)state;
    assert_int_equal(tel_subsample_count(1 * MS), 1);
    assert_int_equal(tel_subsample_count(20 * MS), 2);
    assert_int_equal(tel_subsample_count(100 * MS), 8);
    assert_int_equal(tel_subsample_count(10000 * MS), TEL_MAX_SUBSAMPLES);
}

static void test_one_instant_in_each_part(void **state)
{
    struct tel_subsamples *s = tel_subsamples_create(1, 8, 42);
    uint64_t zero = 0, start = 5000 * MS;
    bool differs = false;
    uint64_t first[8];

    (void)state;
    assert_non_null(s);
    /* nothing planned: never due */
    assert_true(tel_subsamples_due(s) == UINT64_MAX);
    for (int frame = 0; frame < 50; frame++) {
        tel_subsamples_plan(s, start, 100 * MS, 8);
        for (unsigned i = 0; i < 8; i++) {
            uint64_t at = tel_subsamples_due(s);

            assert_true(at >= start + i * 12500000ull);
            assert_true(at < start + (i + 1) * 12500000ull);
            if (frame == 0)
                first[i] = at - start;
            else if (at - start != first[i])
                differs = true;
            tel_subsamples_add(s, at, &zero);
        }
        assert_true(tel_subsamples_due(s) == UINT64_MAX);
        assert_int_equal(tel_subsamples_taken(s), 8);
        start += 100 * MS;
    }
    /* the phase within the parts changes from frame to frame */
    assert_true(differs);
    tel_subsamples_destroy(s);
}

/* A channel that receives 64 items at the start of every frame and keeps
 * them for hold_ms: what a collector reading at the given instants sees,
 * averaged over many frames. */
static double burst_fill(uint64_t t, uint64_t hold_ns)
{
    return (t % (100 * MS)) < hold_ns ? 64.0 : 0.0;
}

static void test_bursts_in_step_with_frames(void **state)
{
    static const uint64_t holds[] = { 1 * MS, 20 * MS, 50 * MS };
    static const unsigned ks[] = { 8, 1 };

    (void)state;
    for (size_t h = 0; h < 3; h++) {
        for (size_t j = 0; j < 2; j++) {
            struct tel_subsamples *s = tel_subsamples_create(1, 8, 7 + h);
            double p = (double)holds[h] / (double)(100 * MS);
            double truth = 64.0 * p, sum = 0, edge = 0, mean, sd;
            uint64_t start = 0;
            int frames = 4000;

            assert_non_null(s);
            for (int f = 0; f < frames; f++) {
                uint64_t fallback = 0, at;

                tel_subsamples_plan(s, start, 100 * MS, ks[j]);
                while ((at = tel_subsamples_due(s)) != UINT64_MAX) {
                    uint64_t v = (uint64_t)burst_fill(at, holds[h]);

                    tel_subsamples_add(s, at, &v);
                }
                tel_subsamples_mean(s, &fallback, &mean);
                sum += mean;
                /* the old way: one reading just after the frame's edge */
                edge += burst_fill(start + 100 * MS + 100000, holds[h]);
                start += 100 * MS;
            }
            mean = sum / frames;
            /* unbiased: within four standard deviations of independent
             * readings (stratified ones scatter less) */
            sd = 64.0 * sqrt(p * (1 - p) / (frames * ks[j]));
            if (fabs(mean - truth) > 4 * sd + 0.01)
                fail_msg("hold %llu ms, %u a frame: average %.3f items, "
                         "truth %.3f",
                         (unsigned long long)(holds[h] / MS), ks[j], mean,
                         truth);
            /* and the edge reading is as far off as it can be */
            assert_true(edge / frames == 64.0);
            tel_subsamples_destroy(s);
        }
    }
}

static void test_plan_clamps_k(void **state)
{
    struct tel_subsamples *s = tel_subsamples_create(1, 4, 11);
    uint64_t zero = 0, at;
    unsigned n = 0;

    (void)state;
    assert_non_null(s);
    tel_subsamples_plan(s, 1000 * MS, 100 * MS, 99);
    while ((at = tel_subsamples_due(s)) != UINT64_MAX) {
        assert_true(at >= 1000 * MS && at < 1100 * MS);
        tel_subsamples_add(s, at, &zero);
        n++;
    }
    assert_int_equal(n, 4);
    tel_subsamples_plan(s, 1100 * MS, 100 * MS, 0);
    at = tel_subsamples_due(s);
    assert_true(at >= 1100 * MS && at < 1200 * MS);
    tel_subsamples_add(s, at, &zero);
    assert_true(tel_subsamples_due(s) == UINT64_MAX);
    tel_subsamples_destroy(s);
}

static void test_held_up_collector_reads_once(void **state)
{
    struct tel_subsamples *s = tel_subsamples_create(2, 8, 3);
    uint64_t v[2] = { 10, 4 }, fallback[2] = { 99, 98 };
    double mean[2];

    (void)state;
    assert_non_null(s);
    tel_subsamples_plan(s, 0, 100 * MS, 8);
    /* nothing read this frame: the edge reading stands in */
    tel_subsamples_mean(s, fallback, mean);
    assert_true(mean[0] == 99 && mean[1] == 98);
    /* held up until the end of the frame: one reading covers all eight */
    tel_subsamples_add(s, 100 * MS, v);
    assert_true(tel_subsamples_due(s) == UINT64_MAX);
    assert_int_equal(tel_subsamples_taken(s), 1);
    tel_subsamples_mean(s, fallback, mean);
    assert_true(mean[0] == 10 && mean[1] == 4);
    /* a new frame forgets the old readings */
    tel_subsamples_plan(s, 100 * MS, 100 * MS, 8);
    assert_int_equal(tel_subsamples_taken(s), 0);
    tel_subsamples_destroy(s);
}

/* The window counts a frame's average, not its edge reading, and keeps
 * fractions of an item. */
static void test_window_uses_the_average(void **state)
{
    uint64_t cap = 64, cpu = 0, taken[2] = { 0, 0 }, edge = 64;
    double avg = 0.32; /* half a percent of 64 */
    struct tel_window *w = tel_window_create(10, 1, 1, &cap);
    struct tel_actor actor = { 0 };
    struct tel_channel ch = { .percentile = 80, .capacity = 64 };
    struct tel_snapshot snap = {
        .n_actors = 1, .n_channels = 1, .actors = &actor, .channels = &ch
    };

    (void)state;
    assert_non_null(w);
    for (uint64_t i = 0; i <= 10; i++) {
        struct tel_reading r = { .t_ns = i * 100 * MS,
                                 .cpu_ns = &cpu,
                                 .taken = &taken[0],
                                 .inflight = &edge,
                                 .avg_inflight = &avg };

        taken[0] += 64;
        tel_window_push(w, &r);
    }
    tel_window_figures(w, &snap);
    assert_true(fabs(ch.avg_filled - 0.5) < 0.01);
    assert_true(ch.pct_filled < 1);
    /* 640 items a second, 0.32 waiting: half a millisecond each */
    assert_true(fabs(ch.avg_rate - 640.0) < 0.1);
    assert_true(fabs(ch.latency_ms - 0.5) < 0.01);
    tel_window_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_follows_the_frame),
        cmocka_unit_test(test_one_instant_in_each_part),
        cmocka_unit_test(test_bursts_in_step_with_frames),
        cmocka_unit_test(test_plan_clamps_k),
        cmocka_unit_test(test_held_up_collector_reads_once),
        cmocka_unit_test(test_window_uses_the_average),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
