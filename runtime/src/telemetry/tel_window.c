/* tel_window.c - the rolling window of readings and the figures over it:
 * rates, fills, latency, CPU and load, their averages, and the spread and
 * percentiles of each (tel_stats_compute). Pure: no threads, no clocks.
 */
#include "telemetry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct tel_window {
    size_t slots; /* readings held at most: frames + 1 */
    size_t n_actors;
    size_t n_channels;
    size_t head;        /* the oldest reading */
    size_t count;       /* readings held */
    uint64_t *t_ns;     /* [slots] */
    uint64_t *cpu_ns;   /* [slots][n_actors] */
    uint64_t *taken;    /* [slots][n_channels] */
    uint64_t *bytes;    /* [slots][n_channels]: payload bytes sent */
    uint16_t *fill_bp;  /* [slots][n_channels]: fill in 1/100 percent */
    uint64_t *capacity; /* [n_channels] */
    uint64_t *fill_sum; /* [n_channels]: sum of the held fill_bp */
    /* Scratch for tel_window_figures, [slots] each: one measure's samples,
     * and the whole graph's CPU per interval. */
    double *samples;
    double *total_cpu;
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
    w->bytes = calloc(slots * nc, sizeof(*w->bytes));
    w->fill_bp = calloc(slots * nc, sizeof(*w->fill_bp));
    w->capacity = calloc(nc, sizeof(*w->capacity));
    w->fill_sum = calloc(nc, sizeof(*w->fill_sum));
    w->samples = calloc(slots, sizeof(*w->samples));
    w->total_cpu = calloc(slots, sizeof(*w->total_cpu));
    if (!w->t_ns || !w->cpu_ns || !w->taken || !w->bytes || !w->fill_bp ||
        !w->capacity || !w->fill_sum || !w->samples || !w->total_cpu)
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
    free(w->bytes);
    free(w->fill_bp);
    free(w->capacity);
    free(w->fill_sum);
    free(w->samples);
    free(w->total_cpu);
    free(w);
}

static void forget_oldest(struct tel_window *w)
{
    const uint16_t *fill = &w->fill_bp[w->head * w->n_channels];

    for (size_t c = 0; c < w->n_channels; c++)
        w->fill_sum[c] -= fill[c];
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
    /* readings made before bytes were counted have none */
    for (size_t c = 0; c < w->n_channels; c++)
        w->bytes[slot * w->n_channels + c] = r->bytes ? r->bytes[c] : 0;
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
        w->fill_sum[c] += fill[c];
    }
    w->count++;
}

/* ---- statistics --------------------------------------------------- */

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;

    return (a > b) - (a < b);
}

double tel_percentile(const double *sorted, size_t n, unsigned p)
{
    /* rank = ceil(p / 10000 * n), at least 1 */
    uint64_t rank = ((uint64_t)p * n + 9999) / 10000;

    if (n == 0)
        return 0.0;
    if (rank == 0)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

/* As tel_stats_compute; `sort` sorts v in place even when no percentile
 * is asked (the caller wants one of its own). Sorting costs n log n per
 * measure and frame, so min and max come from a scan otherwise. */
static void stats_of(struct tel_stats *st, double *v, size_t n, bool sort)
{
    double sum = 0, sq = 0, mean;
    size_t finite = 0;

    st->n = n;
    st->min = st->max = st->stddev = 0;
    for (size_t i = 0; i < st->n_pct; i++)
        st->pct[i] = 0;
    if (n == 0)
        return;
    if (sort || st->n_pct > 0)
        qsort(v, n, sizeof(*v), cmp_double);
    st->min = st->max = v[0];
    for (size_t i = 0; i < n; i++) {
        if (v[i] < st->min)
            st->min = v[i];
        if (v[i] > st->max)
            st->max = v[i];
        if (isfinite(v[i])) {
            sum += v[i];
            finite++;
        }
    }
    mean = finite ? sum / (double)finite : 0.0;
    /* two passes: the deviation of samples near a large mean stays exact */
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            sq += (v[i] - mean) * (v[i] - mean);
    st->stddev = finite ? sqrt(sq / (double)finite) : 0.0;
    for (size_t i = 0; i < st->n_pct; i++)
        st->pct[i] = tel_percentile(v, n, st->pct_at[i]);
}

void tel_stats_compute(struct tel_stats *st, double *v, size_t n)
{
    stats_of(st, v, n, false);
}

/* The k-th smallest of v[0..n) (k < n), moving v's elements about: Hoare's
 * selection, linear on average, for the one fill percentile every channel
 * shows when nothing asks for the sorted samples. */
static double select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;

    while (lo < hi) {
        double pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;

        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double t = v[i];

                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* Whether st's samples must be gathered this frame: its spread is
 * wanted, or it has a percentile to find other than `own_p` (a channel's
 * own fill percentile, found without them; 0: none). */
static bool needs_samples(const struct tel_stats *st, unsigned own_p)
{
    if (st->wanted)
        return true;
    for (size_t i = 0; i < st->n_pct; i++)
        if (st->pct_at[i] != own_p)
            return true;
    return false;
}

/* ---- the figures ---------------------------------------------------- */

struct span {
    size_t first, last; /* slots of the oldest and newest readings */
    uint64_t dt;        /* ns between them */
};

static size_t slot_at(const struct tel_window *w, size_t i)
{
    return (w->head + i) % w->slots;
}

/* The whole graph's CPU over the window. */
static uint64_t graph_cpu(const struct tel_window *w, const struct span *sp)
{
    const uint64_t *c0 = &w->cpu_ns[sp->first * w->n_actors];
    const uint64_t *c1 = &w->cpu_ns[sp->last * w->n_actors];
    uint64_t total = 0;

    for (size_t a = 0; a < w->n_actors; a++)
        total += c1[a] > c0[a] ? c1[a] - c0[a] : 0;
    return total;
}

/* The whole graph's CPU in each interval, into w->total_cpu[0..count-1),
 * for the actors' load per interval. */
static void graph_cpu_per_interval(const struct tel_window *w)
{
    for (size_t i = 1; i < w->count; i++) {
        const uint64_t *c0 = &w->cpu_ns[slot_at(w, i - 1) * w->n_actors];
        const uint64_t *c1 = &w->cpu_ns[slot_at(w, i) * w->n_actors];
        uint64_t sum = 0;

        for (size_t a = 0; a < w->n_actors; a++)
            sum += c1[a] > c0[a] ? c1[a] - c0[a] : 0;
        w->total_cpu[i - 1] = (double)sum;
    }
}

static void actor_figures(const struct tel_window *w, const struct span *sp,
                          uint64_t total_cpu, size_t a, struct tel_actor *ta)
{
    struct tel_stats *mcpu = &ta->stat[MEASURE_MCPU];
    struct tel_stats *load = &ta->stat[MEASURE_LOAD];
    uint64_t used = 0;
    size_t n = w->count ? w->count - 1 : 0;

    if (w->count > 0) {
        uint64_t c0 = w->cpu_ns[sp->first * w->n_actors + a];
        uint64_t c1 = w->cpu_ns[sp->last * w->n_actors + a];

        used = c1 > c0 ? c1 - c0 : 0;
    }
    ta->mcpu = sp->dt ? (double)used * 1024.0 / (double)sp->dt : 0.0;
    ta->load = total_cpu ? (double)used * 100.0 / (double)total_cpu : 0.0;
    /* per interval: mCPU, and the share of that interval's graph CPU */
    if (!needs_samples(mcpu, 0))
        n = 0;
    for (size_t i = 1; i <= n; i++) {
        size_t s0 = slot_at(w, i - 1), s1 = slot_at(w, i);
        uint64_t c0 = w->cpu_ns[s0 * w->n_actors + a];
        uint64_t c1 = w->cpu_ns[s1 * w->n_actors + a];
        uint64_t dt = w->t_ns[s1] - w->t_ns[s0];

        w->samples[i - 1] =
            dt && c1 > c0 ? (double)(c1 - c0) * 1024.0 / (double)dt : 0.0;
    }
    tel_stats_compute(mcpu, w->samples, n);
    n = w->count && needs_samples(load, 0) ? w->count - 1 : 0;
    for (size_t i = 1; i <= n; i++) {
        uint64_t c0 = w->cpu_ns[slot_at(w, i - 1) * w->n_actors + a];
        uint64_t c1 = w->cpu_ns[slot_at(w, i) * w->n_actors + a];

        w->samples[i - 1] =
            w->total_cpu[i - 1] > 0 && c1 > c0
                ? (double)(c1 - c0) * 100.0 / w->total_cpu[i - 1]
                : 0.0;
    }
    tel_stats_compute(load, w->samples, n);
}

/* Items taken per second over the interval ending at reading i. */
static double interval_rate(const struct tel_window *w, size_t c, size_t i)
{
    size_t s0 = slot_at(w, i - 1), s1 = slot_at(w, i);
    uint64_t dt = w->t_ns[s1] - w->t_ns[s0];
    uint64_t t0 = w->taken[s0 * w->n_channels + c];
    uint64_t t1 = w->taken[s1 * w->n_channels + c];

    return dt && t1 > t0 ? (double)(t1 - t0) * 1e9 / (double)dt : 0.0;
}

static void channel_figures(const struct tel_window *w, const struct span *sp,
                            size_t c, struct tel_channel *tc)
{
    struct tel_stats *fill = &tc->stat[MEASURE_FILLED];
    unsigned own_p = (unsigned)tc->percentile * 100;
    uint64_t rank = ((uint64_t)own_p * w->count + 9999) / 10000;
    size_t n = w->count - 1;
    double cap = (double)w->capacity[c];
    double inflight;

    tc->avg_rate = sp->dt ? (double)(w->taken[sp->last * w->n_channels + c] -
                                     w->taken[sp->first * w->n_channels + c]) *
                                1e9 / (double)sp->dt
                          : 0.0;
    tc->avg_bytes_rate =
        sp->dt ? (double)(w->bytes[sp->last * w->n_channels + c] -
                          w->bytes[sp->first * w->n_channels + c]) *
                     1e9 / (double)sp->dt
               : 0.0;
    tc->avg_filled = (double)w->fill_sum[c] / (double)w->count / 100.0;
    /* Little's law: time in the channel = items in it / throughput */
    inflight = tc->avg_filled / 100.0 * cap;
    if (tc->avg_rate > 0)
        tc->latency_ms = inflight / tc->avg_rate * 1000.0;
    else
        tc->latency_ms = inflight > 0 ? INFINITY : 0.0;

    for (size_t i = 0; i < w->count; i++)
        w->samples[i] = w->fill_bp[slot_at(w, i) * w->n_channels + c] / 100.0;
    if (needs_samples(fill, own_p)) {
        stats_of(fill, w->samples, w->count, true);
        tc->pct_filled = tel_percentile(w->samples, w->count, own_p);
    } else {
        /* the channel's own percentile, as tel_percentile finds it */
        tc->pct_filled =
            select_kth(w->samples, w->count, (size_t)(rank ? rank - 1 : 0));
        stats_of(fill, NULL, 0, false);
        for (size_t i = 0; i < fill->n_pct; i++)
            fill->pct[i] = tc->pct_filled; /* all own_p: see needs_samples */
    }
    if (!needs_samples(&tc->stat[MEASURE_RATE], 0))
        n = 0;
    for (size_t i = 1; i <= n; i++)
        w->samples[i - 1] = interval_rate(w, c, i);
    tel_stats_compute(&tc->stat[MEASURE_RATE], w->samples, n);
    /* per interval: what waited at its end over what left during it */
    n = needs_samples(&tc->stat[MEASURE_LATENCY], 0) ? w->count - 1 : 0;
    for (size_t i = 1; i <= n; i++) {
        double rate = interval_rate(w, c, i);
        double items =
            w->fill_bp[slot_at(w, i) * w->n_channels + c] / 10000.0 * cap;

        if (rate > 0)
            w->samples[i - 1] = items / rate * 1000.0;
        else
            w->samples[i - 1] = items > 0 ? INFINITY : 0.0;
    }
    tel_stats_compute(&tc->stat[MEASURE_LATENCY], w->samples, n);
}

void tel_window_figures(const struct tel_window *w, struct tel_snapshot *s)
{
    struct span sp = { w->head, slot_at(w, w->count ? w->count - 1 : 0), 0 };
    uint64_t total_cpu;

    if (w->count > 0)
        sp.dt = w->t_ns[sp.last] - w->t_ns[sp.first];
    s->window_s = (double)sp.dt / 1e9;
    total_cpu = w->count ? graph_cpu(w, &sp) : 0;
    for (size_t a = 0; a < s->n_actors && a < w->n_actors; a++) {
        if (needs_samples(&s->actors[a].stat[MEASURE_LOAD], 0)) {
            graph_cpu_per_interval(w);
            break;
        }
    }
    for (size_t a = 0; a < s->n_actors; a++) {
        struct tel_actor *ta = &s->actors[a];

        if (a < w->n_actors) {
            actor_figures(w, &sp, total_cpu, a, ta);
        } else {
            ta->mcpu = ta->load = 0;
            tel_stats_compute(&ta->stat[MEASURE_MCPU], NULL, 0);
            tel_stats_compute(&ta->stat[MEASURE_LOAD], NULL, 0);
        }
    }
    for (size_t c = 0; c < s->n_channels; c++) {
        struct tel_channel *tc = &s->channels[c];

        if (w->count == 0 || c >= w->n_channels) {
            tc->avg_rate = tc->avg_filled = tc->pct_filled = 0;
            tc->avg_bytes_rate = 0;
            tc->latency_ms = 0;
            for (int m = MEASURE_FILLED; m <= MEASURE_LATENCY; m++)
                tel_stats_compute(&tc->stat[m], NULL, 0);
            continue;
        }
        channel_figures(w, &sp, c, tc);
    }
}
