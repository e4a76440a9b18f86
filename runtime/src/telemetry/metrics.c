/* metrics.c - Prometheus text for a telemetry snapshot: the steady_state
 * framework's family names where they follow Prometheus's conventions
 * (avg_load, inflight, send_total, take_total, percentile_filled), its
 * avg_mCPU as avg_mcpu, plus restarts, capacity, rates, bytes, drops,
 * fills, latency, the statistics the graph file asks for, state and alert
 * levels. The per-actor and per-channel families are tables (name, type,
 * help, where the value lives); each family's samples are written together.
 */
#include "metrics.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static void put_label_value(struct strbuf *b, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '\\')
            strbuf_puts(b, "\\\\");
        else if (*p == '"')
            strbuf_puts(b, "\\\"");
        else if (*p == '\n')
            strbuf_puts(b, "\\n");
        else
            strbuf_append(b, p, 1);
    }
}

static void put_value(struct strbuf *b, double v)
{
    if (isnan(v))
        strbuf_puts(b, " NaN\n");
    else if (isinf(v))
        strbuf_puts(b, v > 0 ? " +Inf\n" : " -Inf\n");
    else
        strbuf_printf(b, " %.10g\n", v);
}

static void family(struct strbuf *b, const char *name, const char *type,
                   const char *help)
{
    strbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* How a sample's value is read from its snapshot record. */
enum value_kind {
    VALUE_DOUBLE, /* double, as is */
    VALUE_COUNT,  /* uint64_t, printed as an integer */
    VALUE_U32,    /* uint32_t */
    VALUE_NS,     /* uint64_t nanoseconds, exported in seconds */
    VALUE_MS,     /* double milliseconds, exported in seconds */
};

/* One metric family: written once here, with where each sample's value
 * lives in struct tel_actor or struct tel_channel. */
struct family_def {
    const char *name;
    const char *type; /* gauge or counter */
    const char *help;
    size_t offset;
    enum value_kind kind;
    /* adds the label p="<percentile * 100>"; the channel's other fill
     * percentiles the graph file shows follow as samples of this family */
    bool with_p;
};

/* A statistic of one measure (stat[measure] of the record), written for
 * the records whose graph file shows it (`stats:`); a percentile family
 * has a sample per percentile shown, labelled p="<percentile * 100>".
 * (The fill percentiles are percentile_filled, a family_def row above.) */
struct stat_family_def {
    const char *name;
    const char *help;
    enum graph_measure measure;
    enum graph_stat stat; /* STAT_MIN, _MAX, _STDDEV or _PERCENTILE */
    double scale;         /* to the family's unit: ms to seconds is 1e-3 */
};

#define OVER_WINDOW " over the window (one sample a frame)"

#define ACTOR(field, kind)   offsetof(struct tel_actor, field), kind
#define CHANNEL(field, kind) offsetof(struct tel_channel, field), kind

static const struct family_def actor_families[] = {
    { "avg_load", "gauge",
      "Share of the graph's CPU time the actor used over the window, in "
      "percent.",
      ACTOR(load, VALUE_DOUBLE), false },
    { "avg_mcpu", "gauge",
      "CPU the actor used over the window, in 1024ths of a core (1024 = one "
      "full core); the seed's avg_mCPU.",
      ACTOR(mcpu, VALUE_DOUBLE), false },
    { "actor_cpu_seconds_total", "counter",
      "CPU time the actor has used since the graph started.",
      ACTOR(cpu_ns, VALUE_NS), false },
    { "actor_restarts_total", "counter",
      "Times the supervisor restarted the actor since the graph started.",
      ACTOR(restarts, VALUE_U32), false },
};

static const struct family_def channel_families[] = {
    { "inflight", "gauge",
      "Items sent into the channel and not yet taken (nor dropped).",
      CHANNEL(inflight, VALUE_COUNT), false },
    { "send_total", "counter",
      "Items sent into the channel since the graph started (dropped ones "
      "too).",
      CHANNEL(sent, VALUE_COUNT), false },
    { "take_total", "counter",
      "Items taken from the channel since the graph started.",
      CHANNEL(taken, VALUE_COUNT), false },
    { "capacity", "gauge", "Items the channel holds at most.",
      CHANNEL(capacity, VALUE_COUNT), false },
    { "avg_rate", "gauge",
      "Items taken from the channel per second, over the window.",
      CHANNEL(avg_rate, VALUE_DOUBLE), false },
    { "channel_bytes_sent_total", "counter",
      "Payload bytes sent into the channel since the graph started (items "
      "times their size on a fixed-size channel).",
      CHANNEL(bytes, VALUE_COUNT), false },
    { "channel_bytes_per_second", "gauge",
      "Payload bytes sent into the channel per second, over the window.",
      CHANNEL(avg_bytes_rate, VALUE_DOUBLE), false },
    { "channel_dropped_total", "counter",
      "Items the channel's overflow policy dropped since the graph started "
      "(always 0 with overflow: block).",
      CHANNEL(dropped, VALUE_COUNT), false },
    { "avg_filled", "gauge",
      "Average fill of the channel over the window, in percent of its "
      "capacity.",
      CHANNEL(avg_filled, VALUE_DOUBLE), false },
    { "percentile_filled", "gauge",
      "Fill of the channel at percentile p/100 over the window, in percent "
      "of its capacity (p=8000 is the 80th percentile).",
      CHANNEL(pct_filled, VALUE_DOUBLE), true },
    { "avg_latency_seconds", "gauge",
      "Estimated time an item waits in the channel: average fill over "
      "average rate (+Inf when items wait and none are taken).",
      CHANNEL(latency_ms, VALUE_MS), false },
};

static const struct stat_family_def actor_stat_families[] = {
    { "min_mcpu",
      "Lowest CPU of the actor in one frame" OVER_WINDOW
      ", in 1024ths of a core.",
      MEASURE_MCPU, STAT_MIN, 1 },
    { "max_mcpu",
      "Highest CPU of the actor in one frame" OVER_WINDOW
      ", in 1024ths of a core.",
      MEASURE_MCPU, STAT_MAX, 1 },
    { "stddev_mcpu",
      "Standard deviation of the actor's CPU per frame" OVER_WINDOW
      ", in 1024ths of a core.",
      MEASURE_MCPU, STAT_STDDEV, 1 },
    { "percentile_mcpu",
      "The actor's CPU per frame at percentile p/100" OVER_WINDOW
      ", in 1024ths of a core.",
      MEASURE_MCPU, STAT_PERCENTILE, 1 },
    { "min_load",
      "Lowest share of the graph's CPU the actor used in one "
      "frame" OVER_WINDOW ", in percent.",
      MEASURE_LOAD, STAT_MIN, 1 },
    { "max_load",
      "Highest share of the graph's CPU the actor used in one "
      "frame" OVER_WINDOW ", in percent.",
      MEASURE_LOAD, STAT_MAX, 1 },
    { "stddev_load",
      "Standard deviation of the actor's share of the "
      "graph's CPU per frame" OVER_WINDOW ", in percent.",
      MEASURE_LOAD, STAT_STDDEV, 1 },
    { "percentile_load",
      "The actor's share of the graph's CPU per frame at "
      "percentile p/100" OVER_WINDOW ", in percent.",
      MEASURE_LOAD, STAT_PERCENTILE, 1 },
};

static const struct stat_family_def channel_stat_families[] = {
    { "min_filled",
      "Lowest fill of the channel" OVER_WINDOW ", in percent of its capacity.",
      MEASURE_FILLED, STAT_MIN, 1 },
    { "max_filled",
      "Highest fill of the channel" OVER_WINDOW ", in percent of its capacity.",
      MEASURE_FILLED, STAT_MAX, 1 },
    { "stddev_filled",
      "Standard deviation of the channel's fill" OVER_WINDOW
      ", in percent of its capacity.",
      MEASURE_FILLED, STAT_STDDEV, 1 },
    { "min_rate",
      "Lowest rate of the channel in one frame" OVER_WINDOW
      ", in items taken per second.",
      MEASURE_RATE, STAT_MIN, 1 },
    { "max_rate",
      "Highest rate of the channel in one frame" OVER_WINDOW
      ", in items taken per second.",
      MEASURE_RATE, STAT_MAX, 1 },
    { "stddev_rate",
      "Standard deviation of the channel's rate per frame" OVER_WINDOW
      ", in items taken per second.",
      MEASURE_RATE, STAT_STDDEV, 1 },
    { "percentile_rate",
      "The channel's rate per frame at percentile p/100" OVER_WINDOW
      ", in items taken per second.",
      MEASURE_RATE, STAT_PERCENTILE, 1 },
    { "min_latency_seconds",
      "Lowest estimated wait in the channel in one "
      "frame" OVER_WINDOW ".",
      MEASURE_LATENCY, STAT_MIN, 1e-3 },
    { "max_latency_seconds",
      "Highest estimated wait in the channel in one "
      "frame" OVER_WINDOW " (+Inf: a frame in which "
      "items waited and none were taken).",
      MEASURE_LATENCY, STAT_MAX, 1e-3 },
    { "stddev_latency_seconds",
      "Standard deviation of the estimated wait "
      "per frame" OVER_WINDOW ", stalled frames "
      "left out.",
      MEASURE_LATENCY, STAT_STDDEV, 1e-3 },
    { "percentile_latency_seconds",
      "Estimated wait in the channel per "
      "frame at percentile p/100" OVER_WINDOW ".",
      MEASURE_LATENCY, STAT_PERCENTILE, 1e-3 },
};

static void put_field(struct strbuf *b, const void *record,
                      const struct family_def *f)
{
    const char *at = (const char *)record + f->offset;
    uint64_t u64;
    uint32_t u32;
    double d;

    switch (f->kind) {
    case VALUE_DOUBLE:
        memcpy(&d, at, sizeof(d));
        put_value(b, d);
        break;
    case VALUE_COUNT:
        memcpy(&u64, at, sizeof(u64));
        strbuf_printf(b, " %llu\n", (unsigned long long)u64);
        break;
    case VALUE_U32:
        memcpy(&u32, at, sizeof(u32));
        strbuf_printf(b, " %u\n", (unsigned)u32);
        break;
    case VALUE_NS:
        memcpy(&u64, at, sizeof(u64));
        put_value(b, (double)u64 / 1e9);
        break;
    case VALUE_MS:
        memcpy(&d, at, sizeof(d));
        put_value(b, d / 1000.0);
        break;
    }
}

/* name{actor_name="a"[,p="8000"]}; p < 0: no p label */
static void actor_labels(struct strbuf *b, const char *name,
                         const struct tel_actor *a, int p)
{
    strbuf_printf(b, "%s{actor_name=\"", name);
    put_label_value(b, a->name);
    if (p >= 0)
        strbuf_printf(b, "\",p=\"%d", p);
    strbuf_puts(b, "\"}");
}

/* name{from="a",to="b"[,from_port=..,to_port=..][,p="8000"]}; p < 0: no
 * p label */
static void channel_labels(struct strbuf *b, const char *name,
                           const struct tel_channel *c, int p)
{
    strbuf_printf(b, "%s{from=\"", name);
    put_label_value(b, c->from);
    strbuf_puts(b, "\",to=\"");
    put_label_value(b, c->to);
    if (c->show_ports) {
        strbuf_puts(b, "\",from_port=\"");
        put_label_value(b, c->from_port);
        strbuf_puts(b, "\",to_port=\"");
        put_label_value(b, c->to_port);
    }
    if (p >= 0)
        strbuf_printf(b, "\",p=\"%d", p);
    strbuf_puts(b, "\"}");
}

/* Whether the graph file shows statistic `stat` of st. */
static bool shows(const struct tel_stats *st, enum graph_stat stat)
{
    if (stat == STAT_PERCENTILE)
        return st->n_pct_shown > 0;
    return (st->shown & (1u << stat)) != 0;
}

static double stat_value(const struct tel_stats *st, enum graph_stat stat)
{
    return stat == STAT_MIN ? st->min : stat == STAT_MAX ? st->max : st->stddev;
}

/* The samples of one statistic family for records of `stride` bytes from
 * `first` (the stats of each at `stats_at`), labelled by `labels`; the
 * family's header only when some record shows it. */
static void write_stat_family(struct strbuf *b, const struct stat_family_def *f,
                              const void *first, size_t n, size_t stride,
                              size_t stats_at,
                              void (*labels)(struct strbuf *, const char *,
                                             const void *, int))
{
    bool any = false;

    for (size_t i = 0; i < n && !any; i++) {
        const struct tel_stats *st =
            (const void *)((const char *)first + i * stride + stats_at);

        any = shows(&st[f->measure], f->stat);
    }
    if (!any)
        return;
    family(b, f->name, "gauge", f->help);
    for (size_t i = 0; i < n; i++) {
        const void *rec = (const char *)first + i * stride;
        const struct tel_stats *st =
            (const struct tel_stats *)(const void *)((const char *)rec +
                                                     stats_at) +
            f->measure;

        if (!shows(st, f->stat))
            continue;
        if (f->stat != STAT_PERCENTILE) {
            labels(b, f->name, rec, -1);
            put_value(b, stat_value(st, f->stat) * f->scale);
            continue;
        }
        for (size_t k = 0; k < st->n_pct_shown; k++) {
            labels(b, f->name, rec, st->pct_at[k]);
            put_value(b, st->pct[k] * f->scale);
        }
    }
}

static void actor_labels_of(struct strbuf *b, const char *name, const void *rec,
                            int p)
{
    actor_labels(b, name, rec, p);
}

static void channel_labels_of(struct strbuf *b, const char *name,
                              const void *rec, int p)
{
    channel_labels(b, name, rec, p);
}

static void write_actor_families(struct strbuf *b, const struct tel_snapshot *s)
{
    for (size_t f = 0; f < sizeof(actor_families) / sizeof(*actor_families);
         f++) {
        const struct family_def *def = &actor_families[f];

        family(b, def->name, def->type, def->help);
        for (size_t i = 0; i < s->n_actors; i++) {
            actor_labels(b, def->name, &s->actors[i], -1);
            put_field(b, &s->actors[i], def);
        }
    }
    for (size_t f = 0;
         f < sizeof(actor_stat_families) / sizeof(*actor_stat_families); f++)
        write_stat_family(b, &actor_stat_families[f], s->actors, s->n_actors,
                          sizeof(*s->actors), offsetof(struct tel_actor, stat),
                          actor_labels_of);
    family(b, "actor_state", "gauge",
           "The actor's state: 1 for the state it is in, 0 for the others.");
    for (size_t i = 0; i < s->n_actors; i++) {
        for (int st = 0; st < TEL_N_STATES; st++) {
            strbuf_puts(b, "actor_state{actor_name=\"");
            put_label_value(b, s->actors[i].name);
            strbuf_printf(b, "\",state=\"%s\"} %d\n",
                          tel_state_name((enum tel_state)st),
                          s->actors[i].state == (enum tel_state)st);
        }
    }
}

static void write_channel_families(struct strbuf *b,
                                   const struct tel_snapshot *s)
{
    for (size_t f = 0; f < sizeof(channel_families) / sizeof(*channel_families);
         f++) {
        const struct family_def *def = &channel_families[f];

        family(b, def->name, def->type, def->help);
        for (size_t i = 0; i < s->n_channels; i++) {
            const struct tel_channel *c = &s->channels[i];
            const struct tel_stats *fill = &c->stat[MEASURE_FILLED];

            channel_labels(b, def->name, c,
                           def->with_p ? c->percentile * 100 : -1);
            put_field(b, c, def);
            for (size_t k = 0; def->with_p && k < fill->n_pct_shown; k++) {
                if (fill->pct_at[k] == c->percentile * 100)
                    continue; /* written above */
                channel_labels(b, def->name, c, fill->pct_at[k]);
                put_value(b, fill->pct[k]);
            }
        }
    }
    for (size_t f = 0;
         f < sizeof(channel_stat_families) / sizeof(*channel_stat_families);
         f++)
        write_stat_family(b, &channel_stat_families[f], s->channels,
                          s->n_channels, sizeof(*s->channels),
                          offsetof(struct tel_channel, stat),
                          channel_labels_of);
}

/* The actors' own figures: values as actor_figure, counts as
 * actor_count_total, each family only when some actor has one. */
static void write_figure_family(struct strbuf *b, const struct tel_snapshot *s,
                                bool count)
{
    const char *name = count ? "actor_count_total" : "actor_figure";
    bool any = false;

    for (size_t i = 0; i < s->n_actors; i++) {
        const struct tel_actor *a = &s->actors[i];

        for (size_t k = 0; k < a->n_figures; k++) {
            if (a->figures[k].count != count)
                continue;
            if (!any)
                family(b, name, count ? "counter" : "gauge",
                       count ? "A count the actor keeps itself "
                               "(steady_count_add), named by figure."
                             : "A value the actor reports itself "
                               "(steady_figure_set), named by figure.");
            any = true;
            strbuf_printf(b, "%s{actor_name=\"", name);
            put_label_value(b, a->name);
            strbuf_puts(b, "\",figure=\"");
            put_label_value(b, a->figures[k].name);
            strbuf_puts(b, "\"}");
            if (count)
                strbuf_printf(b, " %.0f\n", a->figures[k].value);
            else
                put_value(b, a->figures[k].value);
        }
    }
}

static void write_families(struct strbuf *b, const struct tel_snapshot *s)
{
    write_actor_families(b, s);
    write_figure_family(b, s, false);
    write_figure_family(b, s, true);
    write_channel_families(b, s);
    family(b, "alert_level", "gauge",
           "Most severe alert of the graph file that holds for the actor or "
           "channel: 0 none, 1 yellow, 2 orange, 3 red.");
    for (size_t i = 0; i < s->n_actors; i++) {
        actor_labels(b, "alert_level", &s->actors[i], -1);
        strbuf_printf(b, " %d\n", (int)s->actors[i].alert);
    }
    for (size_t i = 0; i < s->n_channels; i++) {
        channel_labels(b, "alert_level", &s->channels[i], -1);
        strbuf_printf(b, " %d\n", (int)s->channels[i].alert);
    }
    family(b, "telemetry_window_seconds", "gauge",
           "Time the averages cover; grows to the graph's window_s.");
    strbuf_printf(b, "telemetry_window_seconds %.3f\n", s->window_s);
    family(b, "log_lines_dropped_total", "counter",
           "Log lines dropped because stderr did not take them (stuck for "
           "a second or more, or closed).");
    strbuf_printf(b, "log_lines_dropped_total %llu\n",
                  (unsigned long long)s->log_dropped);
    family(b, "graph_info", "gauge", "The running graph's name.");
    strbuf_puts(b, "graph_info{graph=\"");
    put_label_value(b, s->graph ? s->graph : "");
    strbuf_puts(b, "\"} 1\n");
}

/* Copies the text of `in` to b with node="NAME" added to every sample, so
 * that the series of each node of a graph stay apart in one Prometheus:
 * the one place the label is added, whatever the families. A sample line
 * is a metric name followed by '{' (labels) or ' ' (none). */
static void add_node_label(struct strbuf *b, const char *in, size_t len,
                           const char *node)
{
    const char *end = in + len;

    while (in < end) {
        const char *nl = memchr(in, '\n', (size_t)(end - in));
        const char *eol = nl ? nl + 1 : end;
        size_t name = strcspn(in, "{ \n");

        if (*in == '#' || in + name >= eol || in[name] == '\n') {
            strbuf_append(b, in, (size_t)(eol - in));
        } else {
            strbuf_append(b, in, name);
            strbuf_puts(b, "{node=\"");
            put_label_value(b, node);
            if (in[name] == '{') {
                strbuf_puts(b, "\",");
                strbuf_append(b, in + name + 1, (size_t)(eol - in - name - 1));
            } else {
                strbuf_puts(b, "\"}");
                strbuf_append(b, in + name, (size_t)(eol - in - name));
            }
        }
        in = eol;
    }
}

void metrics_write(struct strbuf *b, const struct tel_snapshot *s)
{
    struct strbuf all = { 0 };

    if (!s->node) {
        write_families(b, s);
        return;
    }
    write_families(&all, s);
    if (strbuf_failed(&all))
        b->failed = true;
    else if (all.len)
        add_node_label(b, all.data, all.len, s->node);
    strbuf_fini(&all);
}
