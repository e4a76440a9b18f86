/* dot.c - renders a telemetry snapshot as DOT text in the seed's look
 * (black background, white boxes, alert colours), with troupes drawn as
 * clusters, edges that name their ports and element type and take the
 * colour of their fill when no alert is configured. The labels written
 * here are also what the server-side SVG draws (svg.c), and their shape
 * what the layout is made for (dot_layout.c).
 */
#include "dot.h"

#include "tel_format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The look, shared by the text served as /graph.dot and the layout. */
#define FONT      "Helvetica"
#define EDGE_FONT 14

const char *dot_color(enum alert_color c)
{
    /* no alert draws in the seed's grey */
    return c == ALERT_NONE ? "grey" : tel_color_name(c);
}

static bool channel_idle(const struct tel_channel *c)
{
    return c->avg_rate <= 0 && c->avg_filled <= 0 && c->inflight == 0;
}

const char *dot_channel_color(const struct tel_channel *c, char buf[8])
{
    /* teal, blue, magenta: clear of the alert colours on black */
    static const int stops[3][3] = { { 0x26, 0xc6, 0xda },
                                     { 0x5c, 0x6b, 0xff },
                                     { 0xe0, 0x40, 0xfb } };
    double f, t;
    int lo, rgb[3];

    if (c->n_alerts)
        return dot_color(c->alert);
    if (channel_idle(c))
        return "grey";
    f = c->avg_filled / 100.0;
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    lo = f < 0.5 ? 0 : 1;
    t = (f - lo * 0.5) * 2;
    for (int i = 0; i < 3; i++)
        rgb[i] =
            (int)lround(stops[lo][i] + (stops[lo + 1][i] - stops[lo][i]) * t);
    snprintf(buf, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
    return buf;
}

double dot_channel_penwidth(const struct tel_channel *c)
{
    double f;

    if (c->n_alerts)
        return c->alert ? 2 : 1;
    if (channel_idle(c))
        return 1;
    f = c->avg_filled < 0 ? 0 : c->avg_filled > 100 ? 100 : c->avg_filled;
    return 1.5 + 2.5 * f / 100.0;
}

/* ---- labels ------------------------------------------------------------ */

/* The text of a number as it is, or in its shape: every digit a 0, padded
 * with zeros to at least min_len characters. */
static void put_shaped(struct strbuf *b, const char *text, size_t min_len,
                       bool shape)
{
    size_t len = strlen(text);

    if (!shape) {
        strbuf_append(b, text, len);
        return;
    }
    for (size_t i = len; i < min_len; i++)
        strbuf_append(b, "0", 1);
    for (const char *p = text; *p; p++)
        strbuf_append(b, *p >= '0' && *p <= '9' ? "0" : p, 1);
}

/* Widths numbers usually reach, so that a layout rarely has to be redone
 * while a graph runs: totals to a billion, rates to a million a second. */
enum { W_SMALL = 4, W_RATE = 9, W_TOTAL = 13 };

static void put_num(struct strbuf *b, double v, size_t min_len, bool shape)
{
    struct strbuf t = { 0 };

    tel_fmt_num(&t, v);
    put_shaped(b, t.len ? t.data : "", min_len, shape);
    strbuf_fini(&t);
}

static void put_count(struct strbuf *b, uint64_t n, size_t min_len, bool shape)
{
    struct strbuf t = { 0 };

    tel_fmt_count(&t, n);
    put_shaped(b, t.len ? t.data : "", min_len, shape);
    strbuf_fini(&t);
}

static void put_window(struct strbuf *b, const struct tel_snapshot *s,
                       bool shape)
{
    char w[32];

    snprintf(w, sizeof(w), "%.1f", s->window_s);
    strbuf_puts(b, "Window ");
    put_shaped(b, w, W_SMALL, shape);
    strbuf_puts(b, " secs");
}

/* ---- the statistics lines `stats:` asks for -------------------------- */

/* A statistic's value in the measure's unit, as the dashboard writes it. */
typedef void (*put_stat_fn)(struct strbuf *b, double v, bool shape);

static void put_stat_num(struct strbuf *b, double v, bool shape)
{
    put_num(b, v, W_SMALL, shape);
}

static void put_stat_percent(struct strbuf *b, double v, bool shape)
{
    put_num(b, v, W_SMALL, shape);
    strbuf_puts(b, " %");
}

static void put_stat_rate(struct strbuf *b, double v, bool shape)
{
    put_num(b, v, W_RATE, shape);
    strbuf_puts(b, "/s");
}

static void put_latency(struct strbuf *b, double ms, bool shape)
{
    struct strbuf t = { 0 };

    /* "stalled" and "1.25 s" are no wider than "0000.00 ms" */
    if (shape) {
        strbuf_puts(b, "0000.00 ms");
        return;
    }
    tel_fmt_latency(&t, ms);
    strbuf_append(b, t.data ? t.data : "", t.len);
    strbuf_fini(&t);
}

/* 9500 -> "95", 9990 -> "99.9", 9999 -> "99.99" (fixed by the graph file:
 * the same in every frame) */
static void put_percentile(struct strbuf *b, unsigned p)
{
    if (p % 100 == 0)
        strbuf_printf(b, "%u", p / 100);
    else if (p % 10 == 0)
        strbuf_printf(b, "%u.%u", p / 100, p % 100 / 10);
    else
        strbuf_printf(b, "%u.%02u", p / 100, p % 100);
}

/* "\nfilled: max 100 %, sd 12 %, 95%ile 100 %" for the statistics of st
 * the graph file shows (percentile `skip_p` is on a line of its own
 * already); nothing when it shows none. Which statistics are shown never
 * changes while a graph runs: only the numbers' shape does. */
static void put_stats_line(struct strbuf *b, const char *label,
                           const struct tel_stats *st, unsigned skip_p,
                           put_stat_fn put, bool shape)
{
    static const char *const names[] = {
        [STAT_MIN] = "min", [STAT_MAX] = "max", [STAT_STDDEV] = "sd"
    };
    const double values[] = {
        [STAT_MIN] = st->min, [STAT_MAX] = st->max, [STAT_STDDEV] = st->stddev
    };
    bool first = true;

    for (int k = STAT_MIN; k <= STAT_STDDEV; k++) {
        if (!(st->shown & (1u << k)))
            continue;
        strbuf_printf(b, "%s%s%s ", first ? "\n" : ", ", first ? label : "",
                      names[k]);
        put(b, values[k], shape);
        first = false;
    }
    for (size_t i = 0; i < st->n_pct_shown; i++) {
        if (st->pct_at[i] == skip_p)
            continue;
        strbuf_printf(b, "%s%s", first ? "\n" : ", ", first ? label : "");
        put_percentile(b, st->pct_at[i]);
        strbuf_puts(b, "%ile ");
        put(b, st->pct[i], shape);
        first = false;
    }
}

void dot_actor_label(struct strbuf *b, const struct tel_snapshot *s,
                     const struct tel_actor *a, bool shape)
{
    /* a NATS bridge is drawn as the far actor it stands for */
    if (a->remote)
        strbuf_printf(b, "remote: %s\nvia NATS (%s)", a->remote, a->name);
    else
        strbuf_puts(b, a->name);
    strbuf_puts(b, "\n");
    put_window(b, s, shape);
    strbuf_puts(b, "\nAvg load: ");
    put_num(b, a->load, W_SMALL, shape);
    strbuf_puts(b, " %\nAvg mCPU: ");
    put_num(b, a->mcpu, W_SMALL + 1, shape);
    put_stats_line(b, "mCPU: ", &a->stat[MEASURE_MCPU], 0, put_stat_num, shape);
    put_stats_line(b, "load: ", &a->stat[MEASURE_LOAD], 0, put_stat_percent,
                   shape);
    if (a->restarts) {
        strbuf_puts(b, "\nRestarts: ");
        put_count(b, a->restarts, W_SMALL, shape);
    }
    for (size_t i = 0; i < a->n_figures; i++) {
        const struct tel_figure *f = &a->figures[i];

        strbuf_printf(b, "\n%s: ", f->name);
        if (f->count) {
            /* a count from another node's summary may be anything, and
             * UINT64_MAX as a double is 2^64: in range before the cast */
            double v = f->value > 0 ? f->value : 0;

            put_count(b, v < 18446744073709551616.0 ? (uint64_t)v : UINT64_MAX,
                      W_TOTAL, shape);
        } else {
            /* a value may be below zero; tel_fmt_num writes none */
            if (f->value < 0 && isfinite(f->value))
                strbuf_puts(b, "-");
            put_num(b, fabs(f->value), W_RATE, shape);
        }
    }
    if (a->state != TEL_RUNNING) {
        strbuf_puts(b, "\nState: ");
        /* "restarting" is the longest: a state change keeps the layout */
        strbuf_puts(b, shape ? "restarting" : tel_state_name(a->state));
    }
}

void dot_channel_label(struct strbuf *b, const struct tel_snapshot *s,
                       const struct tel_channel *c, bool shape)
{
    strbuf_printf(b, "%s -> %s: %s\n", c->from_port ? c->from_port : "?",
                  c->to_port ? c->to_port : "?", c->type ? c->type : "?");
    put_window(b, s, shape);
    strbuf_printf(b, "\nfilled %d%%ile ", c->percentile);
    put_num(b, c->pct_filled, W_SMALL, shape);
    strbuf_puts(b, " %\nCapacity: ");
    put_count(b, c->capacity, 0, shape);
    strbuf_puts(b, " Total: ");
    put_count(b, c->taken, W_TOTAL, shape);
    strbuf_puts(b, "\nAvg rate: ");
    put_num(b, c->avg_rate, W_RATE, shape);
    strbuf_puts(b, " per sec");
    /* bytes say something only when messages vary in size */
    if (c->varsize) {
        struct strbuf t = { 0 };

        strbuf_puts(b, "\nAvg bytes: ");
        tel_fmt_bytes(&t, c->avg_bytes_rate);
        /* "1023.9 KiB" is as wide as it gets */
        if (shape)
            strbuf_puts(b, "0000.0 KiB");
        else
            strbuf_append(b, t.data ? t.data : "", t.len);
        strbuf_fini(&t);
        strbuf_puts(b, " per sec");
    }
    if (c->dropped) {
        strbuf_puts(b, "\nDropped: ");
        put_count(b, c->dropped, W_TOTAL, shape);
    }
    strbuf_puts(b, "\nLatency: ");
    put_latency(b, c->latency_ms, shape);
    put_stats_line(b, "filled: ", &c->stat[MEASURE_FILLED],
                   (unsigned)c->percentile * 100, put_stat_percent, shape);
    put_stats_line(b, "rate: ", &c->stat[MEASURE_RATE], 0, put_stat_rate,
                   shape);
    put_stats_line(b, "latency: ", &c->stat[MEASURE_LATENCY], 0, put_latency,
                   shape);
    if (c->link) {
        /* its numbers as zeros for a layout: the width of a count */
        strbuf_puts(b, "\n");
        for (const char *p = c->link; *p; p++)
            strbuf_append(b, shape && *p >= '0' && *p <= '9' ? "0" : p, 1);
    }
}

/* ---- DOT text ------------------------------------------------------------ */

/* Appends text for use inside a DOT "..." string; a new line is \n. */
static void put_escaped(struct strbuf *b, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\')
            strbuf_append(b, "\\", 1);
        if (*p == '\n')
            strbuf_append(b, "\\n", 2);
        else
            strbuf_append(b, p, 1);
    }
}

/* The label of element i (actors first, then channels). */
static void put_label(struct strbuf *b, const struct tel_snapshot *s, size_t i,
                      char *const *labels, bool shape)
{
    struct strbuf t = { 0 };

    if (labels && labels[i]) {
        put_escaped(b, labels[i]);
        return;
    }
    if (i < s->n_actors)
        dot_actor_label(&t, s, &s->actors[i], shape);
    else
        dot_channel_label(&t, s, &s->channels[i - s->n_actors], shape);
    put_escaped(b, t.data ? t.data : "");
    strbuf_fini(&t);
}

void dot_actor_tooltip(struct strbuf *b, const struct tel_actor *a)
{
    strbuf_printf(b, "%s: %s, CPU ", a->name, tel_state_name(a->state));
    tel_fmt_cpu(b, (double)a->cpu_ns / 1e9);
    strbuf_puts(b, ", mCPU ");
    tel_fmt_num(b, a->mcpu);
    strbuf_puts(b, ", load ");
    tel_fmt_num(b, a->load);
    strbuf_printf(b, " %%, alert %s", tel_color_name(a->alert));
}

void dot_channel_tooltip(struct strbuf *b, const struct tel_channel *c,
                         const char *arrow)
{
    strbuf_printf(b, "%s.%s%s%s.%s: inflight ", c->from, c->from_port, arrow,
                  c->to, c->to_port);
    tel_fmt_count(b, c->inflight);
    strbuf_puts(b, " of ");
    tel_fmt_count(b, c->capacity);
    strbuf_puts(b, ", avg fill ");
    tel_fmt_num(b, c->avg_filled);
    strbuf_puts(b, " %, sent ");
    tel_fmt_count(b, c->sent);
    strbuf_puts(b, ", taken ");
    tel_fmt_count(b, c->taken);
    strbuf_printf(b, ", alert %s", tel_color_name(c->alert));
}

static void put_actor(struct strbuf *b, const struct tel_snapshot *s, size_t i,
                      char *const *labels, bool shape)
{
    const struct tel_actor *a = &s->actors[i];
    struct strbuf tip = { 0 };

    strbuf_puts(b, "\"");
    put_escaped(b, a->name);
    strbuf_printf(b, "\" [id=\"a%zu\", label=\"", i);
    put_label(b, s, i, labels, shape);
    strbuf_puts(b, "\", tooltip=\"");
    dot_actor_tooltip(&tip, a);
    put_escaped(b, tip.data ? tip.data : "");
    strbuf_fini(&tip);
    strbuf_printf(b, "\", color=%s, penwidth=3%s];\n", dot_color(a->alert),
                  a->remote ? ", style=\"filled,dashed\", fillcolor=gray80"
                            : "");
}

static void put_channel(struct strbuf *b, const struct tel_snapshot *s,
                        size_t i, char *const *labels, bool shape)
{
    const struct tel_channel *c = &s->channels[i];
    struct strbuf tip = { 0 };
    char color[8];

    strbuf_puts(b, "\"");
    put_escaped(b, c->from);
    strbuf_puts(b, "\" -> \"");
    put_escaped(b, c->to);
    strbuf_printf(b, "\" [id=\"c%zu\", label=\"", i);
    put_label(b, s, s->n_actors + i, labels, shape);
    strbuf_puts(b, "\", tooltip=\"");
    dot_channel_tooltip(&tip, c, " -> ");
    put_escaped(b, tip.data ? tip.data : "");
    strbuf_fini(&tip);
    strbuf_puts(b, "\", ");
    dot_channel_color(c, color);
    /* a colour name as is (color=red), a "#rrggbb" quoted */
    strbuf_printf(b,
                  c->n_alerts || channel_idle(c) ? "color=%s" : "color=\"%s\"",
                  dot_channel_color(c, color));
    strbuf_printf(b, ", penwidth=%.1f];\n", dot_channel_penwidth(c));
}

static void write_dot(struct strbuf *b, const struct tel_snapshot *s,
                      char *const *labels, bool shape)
{
    strbuf_puts(b, "digraph G {\n"
                   "rankdir=LR;\n"
                   "graph [nodesep=.4, ranksep=.9, fontname=\"" FONT "\"];\n"
                   "node [shape=box, margin=\"0.15,0.08\"];\n"
                   "node [style=filled, fillcolor=white, fontcolor=black];\n"
                   "node [fontname=\"" FONT "\", fontsize=16];\n"
                   "edge [color=white, fontcolor=white];\n"
                   "edge [fontname=\"" FONT "\", fontsize=14];\n"
                   "graph [bgcolor=black];\n");
    /* each troupe a cluster named after it, its members inside */
    for (size_t t = 0; t < s->n_troupes; t++) {
        const char *name = s->troupes[t];

        strbuf_puts(b, "subgraph \"cluster_");
        put_escaped(b, name);
        strbuf_printf(b, "\" {\nid=\"t%zu\"; label=\"%s ", t,
                      s->clusters_are_nodes ? "node" : "troupe");
        put_escaped(b, name);
        strbuf_printf(b,
                      "\"; style=\"rounded,dashed\"; color=\"#8a8a8a\"; "
                      "fontcolor=\"#c8c8c8\"; fontsize=%d; margin=24;\n",
                      EDGE_FONT);
        for (size_t i = 0; i < s->n_actors; i++) {
            if (s->actors[i].troupe && s->actors[i].troupe_index == (int)t)
                put_actor(b, s, i, labels, shape);
        }
        strbuf_puts(b, "}\n");
    }
    for (size_t i = 0; i < s->n_actors; i++) {
        if (!s->actors[i].troupe)
            put_actor(b, s, i, labels, shape);
    }
    for (size_t i = 0; i < s->n_channels; i++)
        put_channel(b, s, i, labels, shape);
    strbuf_puts(b, "}\n");
}

void dot_write(struct strbuf *b, const struct tel_snapshot *s)
{
    write_dot(b, s, NULL, false);
}

void dot_write_shaped(struct strbuf *b, const struct tel_snapshot *s,
                      char *const *labels)
{
    write_dot(b, s, labels, true);
}
