/* tel_history.c - the last minutes of a graph at a coarser step than the
 * frames (say one point a second for ten minutes): per channel the rate,
 * average fill and latency of each step, per actor its mCPU and load. A
 * ring of fixed size decided at creation, so memory never grows while the
 * graph runs; served as /history.json. Pure: no threads, no clocks.
 */
#include "telemetry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct tel_history {
    size_t points; /* kept at most */
    unsigned step_frames;
    double step_s; /* as configured, for the JSON */
    size_t n_actors;
    size_t n_channels;
    uint64_t *capacity; /* [n_channels] */

    /* the ring: point i of the held ones is at (head + i) % points */
    size_t head;
    size_t count;
    uint64_t closed; /* points closed since the start; the last one's seq */
    uint64_t *t_ns;  /* [points]: when the point's step ended */
    float *mcpu;     /* [points][n_actors] */
    float *load;     /* [points][n_actors] */
    float *rate;     /* [points][n_channels]: items taken per second */
    float *fill;     /* [points][n_channels]: average fill, percent */
    float *latency;  /* [points][n_channels]: ms; INFINITY when stalled */

    /* the step under way */
    bool started;         /* a first reading opened it */
    unsigned frames;      /* readings added since it opened */
    uint64_t t0_ns;       /* the reading that opened it */
    uint64_t origin_ns;   /* the very first reading: t = 0 in the JSON */
    uint64_t *cpu0;       /* [n_actors] */
    uint64_t *taken0;     /* [n_channels] */
    double *inflight_sum; /* [n_channels]: frame averages added */
};

static size_t point_bytes(size_t n_actors, size_t n_channels)
{
    return sizeof(uint64_t) + sizeof(float) * (2 * n_actors + 3 * n_channels);
}

size_t tel_history_points(int history_s, int step_ms, size_t n_actors,
                          size_t n_channels, size_t max_bytes)
{
    uint64_t want, fit;

    if (history_s <= 0 || step_ms <= 0)
        return 0;
    want = ((uint64_t)history_s * 1000u + (uint64_t)step_ms - 1) /
           (uint64_t)step_ms;
    fit = max_bytes / point_bytes(n_actors, n_channels);
    if (want > fit)
        want = fit;
    return (size_t)want;
}

struct tel_history *tel_history_create(size_t points, unsigned step_frames,
                                       double step_s, size_t n_actors,
                                       size_t n_channels,
                                       const uint64_t *capacities)
{
    struct tel_history *h = calloc(1, sizeof(*h));
    size_t na = n_actors ? n_actors : 1, nc = n_channels ? n_channels : 1;

    if (!h || points == 0 || step_frames == 0)
        goto err_free;
    h->points = points;
    h->step_frames = step_frames;
    h->step_s = step_s;
    h->n_actors = n_actors;
    h->n_channels = n_channels;
    h->capacity = calloc(nc, sizeof(*h->capacity));
    h->t_ns = calloc(points, sizeof(*h->t_ns));
    h->mcpu = calloc(points * na, sizeof(*h->mcpu));
    h->load = calloc(points * na, sizeof(*h->load));
    h->rate = calloc(points * nc, sizeof(*h->rate));
    h->fill = calloc(points * nc, sizeof(*h->fill));
    h->latency = calloc(points * nc, sizeof(*h->latency));
    h->cpu0 = calloc(na, sizeof(*h->cpu0));
    h->taken0 = calloc(nc, sizeof(*h->taken0));
    h->inflight_sum = calloc(nc, sizeof(*h->inflight_sum));
    if (!h->capacity || !h->t_ns || !h->mcpu || !h->load || !h->rate ||
        !h->fill || !h->latency || !h->cpu0 || !h->taken0 || !h->inflight_sum)
        goto err_free;
    if (n_channels)
        memcpy(h->capacity, capacities, n_channels * sizeof(*capacities));
    return h;

err_free:
    tel_history_destroy(h);
    return NULL;
}

void tel_history_destroy(struct tel_history *h)
{
    if (!h)
        return;
    free(h->capacity);
    free(h->t_ns);
    free(h->mcpu);
    free(h->load);
    free(h->rate);
    free(h->fill);
    free(h->latency);
    free(h->cpu0);
    free(h->taken0);
    free(h->inflight_sum);
    free(h);
}

size_t tel_history_capacity(const struct tel_history *h)
{
    return h ? h->points : 0;
}

size_t tel_history_count(const struct tel_history *h)
{
    return h ? h->count : 0;
}

uint64_t tel_history_last_seq(const struct tel_history *h)
{
    return h ? h->closed : 0;
}

size_t tel_history_bytes(const struct tel_history *h)
{
    size_t na, nc;

    if (!h)
        return 0;
    na = h->n_actors ? h->n_actors : 1;
    nc = h->n_channels ? h->n_channels : 1;
    /* the ring, plus the step under way */
    return h->points * point_bytes(h->n_actors, h->n_channels) +
           na * sizeof(uint64_t) + nc * (2 * sizeof(uint64_t) + sizeof(double));
}

static void open_step(struct tel_history *h, const struct tel_reading *r)
{
    h->t0_ns = r->t_ns;
    if (h->n_actors)
        memcpy(h->cpu0, r->cpu_ns, h->n_actors * sizeof(*r->cpu_ns));
    if (h->n_channels)
        memcpy(h->taken0, r->taken, h->n_channels * sizeof(*r->taken));
    for (size_t c = 0; c < h->n_channels; c++)
        h->inflight_sum[c] = 0;
    h->frames = 0;
}

/* Turns the step under way, ending at r, into the next point. */
static void close_step(struct tel_history *h, const struct tel_reading *r)
{
    size_t slot;
    double dt = (double)(r->t_ns - h->t0_ns) / 1e9, total = 0;

    if (h->count == h->points) {
        h->head = (h->head + 1) % h->points;
        h->count--;
    }
    slot = (h->head + h->count) % h->points;
    h->t_ns[slot] = r->t_ns;
    for (size_t a = 0; a < h->n_actors; a++)
        total += r->cpu_ns[a] > h->cpu0[a] ? (double)(r->cpu_ns[a] - h->cpu0[a])
                                           : 0.0;
    for (size_t a = 0; a < h->n_actors; a++) {
        double used = r->cpu_ns[a] > h->cpu0[a]
                          ? (double)(r->cpu_ns[a] - h->cpu0[a])
                          : 0.0;

        h->mcpu[slot * h->n_actors + a] =
            (float)(dt > 0 ? used * 1024.0 / (dt * 1e9) : 0.0);
        h->load[slot * h->n_actors + a] =
            (float)(total > 0 ? used * 100.0 / total : 0.0);
    }
    for (size_t c = 0; c < h->n_channels; c++) {
        double moved = r->taken[c] > h->taken0[c]
                           ? (double)(r->taken[c] - h->taken0[c])
                           : 0.0;
        double rate = dt > 0 ? moved / dt : 0.0;
        double inflight = h->frames ? h->inflight_sum[c] / h->frames : 0.0;
        double cap = h->capacity[c] ? (double)h->capacity[c] : 1.0;
        size_t i = slot * h->n_channels + c;

        h->rate[i] = (float)rate;
        h->fill[i] = (float)(inflight * 100.0 / cap);
        /* Little's law, as for the window's latency */
        if (rate > 0)
            h->latency[i] = (float)(inflight / rate * 1000.0);
        else
            h->latency[i] = inflight > 0 ? INFINITY : 0.0f;
    }
    h->count++;
    h->closed++;
}

bool tel_history_push(struct tel_history *h, const struct tel_reading *r)
{
    bool closed = false;

    if (!h)
        return false;
    if (!h->started) {
        h->started = true;
        h->origin_ns = r->t_ns;
        open_step(h, r);
        return false;
    }
    for (size_t c = 0; c < h->n_channels; c++)
        h->inflight_sum[c] +=
            r->avg_inflight ? r->avg_inflight[c] : (double)r->inflight[c];
    h->frames++;
    if (h->frames >= h->step_frames) {
        close_step(h, r);
        open_step(h, r);
        closed = true;
    }
    return closed;
}

/* ---- JSON --------------------------------------------------------------- */

static void put_json_string(struct strbuf *b, const char *s)
{
    strbuf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if (*p == '"' || *p == '\\')
            strbuf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            strbuf_printf(b, "\\u%04x", *p);
        else
            strbuf_append(b, (const char *)p, 1);
    }
    strbuf_puts(b, "\"");
}

/* A finite number in as few characters as it needs; null otherwise (JSON
 * has no infinity: a stalled channel's latency). */
static void put_json_number(struct strbuf *b, double v)
{
    if (!isfinite(v))
        strbuf_puts(b, "null");
    else if (v == 0)
        strbuf_puts(b, "0");
    else
        strbuf_printf(b, "%.5g", v);
}

/* One series of the held points from index `from`: `values` is
 * [points][stride], the series is column `col`. */
static void put_series(struct strbuf *b, const struct tel_history *h,
                       size_t from, const char *name, const float *values,
                       size_t stride, size_t col)
{
    strbuf_printf(b, "\"%s\":[", name);
    for (size_t i = from; i < h->count; i++) {
        size_t slot = (h->head + i) % h->points;

        if (i > from)
            strbuf_puts(b, ",");
        put_json_number(b, values[slot * stride + col]);
    }
    strbuf_puts(b, "]");
}

void tel_history_json(const struct tel_history *h, const struct tel_snapshot *s,
                      uint64_t since, int64_t origin_unix_ms, struct strbuf *b)
{
    size_t count = h ? h->count : 0, from = 0;
    uint64_t first_seq = h ? h->closed - h->count + 1 : 1;

    /* the held points are seq first_seq .. closed; send those after since */
    if (since >= first_seq)
        from = since - first_seq + 1 < count ? (size_t)(since - first_seq + 1)
                                             : count;
    strbuf_puts(b, "{\"graph\":");
    put_json_string(b, s->graph ? s->graph : "");
    strbuf_printf(b,
                  ",\"step_s\":%.6g,\"points_max\":%zu,\"bytes\":%zu,"
                  "\"t0_unix_ms\":%lld,\"first_seq\":%llu,\"last_seq\":%llu,"
                  "\"t\":[",
                  h ? h->step_s : 0.0, tel_history_capacity(h),
                  tel_history_bytes(h), (long long)origin_unix_ms,
                  (unsigned long long)(first_seq + from),
                  (unsigned long long)(h ? h->closed : 0));
    for (size_t i = from; i < count; i++) {
        size_t slot = (h->head + i) % h->points;

        if (i > from)
            strbuf_puts(b, ",");
        strbuf_printf(b, "%.3f", (double)(h->t_ns[slot] - h->origin_ns) / 1e9);
    }
    strbuf_puts(b, "],\"actors\":[");
    for (size_t a = 0; a < s->n_actors; a++) {
        strbuf_puts(b, a ? ",{\"name\":" : "{\"name\":");
        put_json_string(b, s->actors[a].name);
        if (h && a < h->n_actors) {
            strbuf_puts(b, ",");
            put_series(b, h, from, "mcpu", h->mcpu, h->n_actors, a);
            strbuf_puts(b, ",");
            put_series(b, h, from, "load", h->load, h->n_actors, a);
        } else {
            strbuf_puts(b, ",\"mcpu\":[],\"load\":[]");
        }
        strbuf_puts(b, "}");
    }
    strbuf_puts(b, "],\"channels\":[");
    for (size_t c = 0; c < s->n_channels; c++) {
        const struct tel_channel *ch = &s->channels[c];

        strbuf_puts(b, c ? ",{\"from\":" : "{\"from\":");
        put_json_string(b, ch->from);
        strbuf_puts(b, ",\"from_port\":");
        put_json_string(b, ch->from_port);
        strbuf_puts(b, ",\"to\":");
        put_json_string(b, ch->to);
        strbuf_puts(b, ",\"to_port\":");
        put_json_string(b, ch->to_port);
        strbuf_puts(b, ",\"type\":");
        put_json_string(b, ch->type ? ch->type : "");
        strbuf_printf(b, ",\"capacity\":%llu,",
                      (unsigned long long)ch->capacity);
        if (h && c < h->n_channels) {
            put_series(b, h, from, "rate", h->rate, h->n_channels, c);
            strbuf_puts(b, ",");
            put_series(b, h, from, "fill", h->fill, h->n_channels, c);
            strbuf_puts(b, ",");
            put_series(b, h, from, "latency_ms", h->latency, h->n_channels, c);
        } else {
            strbuf_puts(b, "\"rate\":[],\"fill\":[],\"latency_ms\":[]");
        }
        strbuf_puts(b, "}");
    }
    strbuf_puts(b, "]}\n");
}
