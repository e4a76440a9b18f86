/* tel_window.c - the rolling window of readings and the figures averaged
 * over it: rates, fills and their percentile, latency, CPU and load. Pure:
 * no threads, no clocks.
 */
#include "telemetry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FILL_BUCKETS 101 /* whole percent, 0..100 */

struct tel_window {
    size_t slots; /* readings held at most: frames + 1 */
    size_t n_actors;
    size_t n_channels;
    size_t head;        /* the oldest reading */
    size_t count;       /* readings held */
    uint64_t *t_ns;     /* [slots] */
    uint64_t *cpu_ns;   /* [slots][n_actors] */
    uint64_t *taken;    /* [slots][n_channels] */
    uint16_t *fill_bp;  /* [slots][n_channels]: fill in 1/100 percent */
    uint64_t *capacity; /* [n_channels] */
    uint32_t *hist;     /* [n_channels][FILL_BUCKETS]: held fills */
    uint64_t *fill_sum; /* [n_channels]: sum of the held fill_bp */
};

size_t tel_window_frames(int frame_ms, int window_s, int *period_ms)
{
    uint64_t window_ms = (uint64_t)(window_s > 0 ? window_s : 1) * 1000u;
    uint64_t period = (uint64_t)(frame_ms > 0 ? frame_ms : 1);
    uint64_t frames;

    /* a long window at a fast frame would hold millions of readings:
     * sample less often rather than shorten what the user asked to see */
    if (window_ms / period > TEL_MAX_FRAMES)
        period = (window_ms + TEL_MAX_FRAMES - 1) / TEL_MAX_FRAMES;
    frames = window_ms / period;
    if (period_ms)
        *period_ms = (int)period;
    return frames ? (size_t)frames : 1;
}

struct tel_window *tel_window_create(size_t frames, size_t n_actors,
                                     size_t n_channels,
                                     const uint64_t *capacities)
{
    struct tel_window *w = calloc(1, sizeof(*w));
    size_t slots = frames + 1;
    size_t nc = n_channels ? n_channels : 1;

    if (!w)
        return NULL;
    w->slots = slots;
    w->n_actors = n_actors;
    w->n_channels = n_channels;
    w->t_ns = calloc(slots, sizeof(*w->t_ns));
    w->cpu_ns = calloc(slots * (n_actors ? n_actors : 1), sizeof(*w->cpu_ns));
    w->taken = calloc(slots * nc, sizeof(*w->taken));
    w->fill_bp = calloc(slots * nc, sizeof(*w->fill_bp));
    w->capacity = calloc(nc, sizeof(*w->capacity));
    w->hist = calloc(nc * FILL_BUCKETS, sizeof(*w->hist));
    w->fill_sum = calloc(nc, sizeof(*w->fill_sum));
    if (!w->t_ns || !w->cpu_ns || !w->taken || !w->fill_bp || !w->capacity ||
        !w->hist || !w->fill_sum)
        goto err_free;
    if (n_channels)
        memcpy(w->capacity, capacities, n_channels * sizeof(*capacities));
    return w;

err_free:
    tel_window_destroy(w);
    return NULL;
}

void tel_window_destroy(struct tel_window *w)
{
    if (!w)
        return;
    free(w->t_ns);
    free(w->cpu_ns);
    free(w->taken);
    free(w->fill_bp);
    free(w->capacity);
    free(w->hist);
    free(w->fill_sum);
    free(w);
}

static void forget_oldest(struct tel_window *w)
{
    const uint16_t *fill = &w->fill_bp[w->head * w->n_channels];

    for (size_t c = 0; c < w->n_channels; c++) {
        w->hist[c * FILL_BUCKETS + fill[c] / 100]--;
        w->fill_sum[c] -= fill[c];
    }
    w->head = (w->head + 1) % w->slots;
    w->count--;
}

void tel_window_push(struct tel_window *w, const struct tel_reading *r)
{
    size_t slot;
    uint16_t *fill;

    if (w->count == w->slots)
        forget_oldest(w);
    slot = (w->head + w->count) % w->slots;
    w->t_ns[slot] = r->t_ns;
    if (w->n_actors)
        memcpy(&w->cpu_ns[slot * w->n_actors], r->cpu_ns,
               w->n_actors * sizeof(*r->cpu_ns));
    if (w->n_channels)
        memcpy(&w->taken[slot * w->n_channels], r->taken,
               w->n_channels * sizeof(*r->taken));
    fill = &w->fill_bp[slot * w->n_channels];
    for (size_t c = 0; c < w->n_channels; c++) {
        uint64_t cap = w->capacity[c] ? w->capacity[c] : 1;
        double in =
            r->avg_inflight ? r->avg_inflight[c] : (double)r->inflight[c];

        /* the frame's average when the collector read it several times */
        if (!(in > 0))
            in = 0;
        if (in > (double)cap)
            in = (double)cap;
        fill[c] = (uint16_t)llround(in * 10000.0 / (double)cap);
        w->hist[c * FILL_BUCKETS + fill[c] / 100]++;
        w->fill_sum[c] += fill[c];
    }
    w->count++;
}

/* Nearest-rank percentile of the held fills, in whole percent. */
static double fill_percentile(const struct tel_window *w, size_t c, int p)
{
    const uint32_t *h = &w->hist[c * FILL_BUCKETS];
    uint64_t rank = ((uint64_t)p * w->count + 99) / 100;
    uint64_t seen = 0;

    if (rank == 0)
        rank = 1;
    for (size_t b = 0; b < FILL_BUCKETS; b++) {
        seen += h[b];
        if (seen >= rank)
            return (double)b;
    }
    return 100.0;
}

void tel_window_figures(const struct tel_window *w, struct tel_snapshot *s)
{
    size_t first = w->head;
    size_t last = (w->head + w->count - 1) % w->slots;
    uint64_t dt = 0, total_cpu = 0;

    if (w->count > 0)
        dt = w->t_ns[last] - w->t_ns[first];
    s->window_s = (double)dt / 1e9;
    for (size_t a = 0; a < w->n_actors && a < s->n_actors; a++) {
        uint64_t c0, c1;

        if (w->count == 0)
            break;
        c0 = w->cpu_ns[first * w->n_actors + a];
        c1 = w->cpu_ns[last * w->n_actors + a];
        total_cpu += c1 > c0 ? c1 - c0 : 0;
    }
    for (size_t a = 0; a < s->n_actors; a++) {
        struct tel_actor *ta = &s->actors[a];
        uint64_t used = 0;

        if (w->count > 0 && a < w->n_actors) {
            uint64_t c0 = w->cpu_ns[first * w->n_actors + a];
            uint64_t c1 = w->cpu_ns[last * w->n_actors + a];

            used = c1 > c0 ? c1 - c0 : 0;
        }
        ta->mcpu = dt ? (double)used * 1024.0 / (double)dt : 0.0;
        ta->load = total_cpu ? (double)used * 100.0 / (double)total_cpu : 0.0;
    }
    for (size_t c = 0; c < s->n_channels; c++) {
        struct tel_channel *tc = &s->channels[c];
        double inflight;

        if (w->count == 0 || c >= w->n_channels) {
            tc->avg_rate = tc->avg_filled = tc->pct_filled = 0;
            tc->latency_ms = 0;
            continue;
        }
        tc->avg_rate = dt ? (double)(w->taken[last * w->n_channels + c] -
                                     w->taken[first * w->n_channels + c]) *
                                1e9 / (double)dt
                          : 0.0;
        tc->avg_filled = (double)w->fill_sum[c] / (double)w->count / 100.0;
        tc->pct_filled = fill_percentile(w, c, tc->percentile);
        /* Little's law: time in the channel = items in it / throughput */
        inflight = tc->avg_filled / 100.0 * (double)w->capacity[c];
        if (tc->avg_rate > 0)
            tc->latency_ms = inflight / tc->avg_rate * 1000.0;
        else
            tc->latency_ms = inflight > 0 ? INFINITY : 0.0;
    }
}
