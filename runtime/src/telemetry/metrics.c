/* metrics.c - Prometheus text for a telemetry snapshot: the seed's family
 * names (avg_load, avg_mCPU, inflight, send_total, take_total,
 * percentile_filled) plus restarts, capacity, rates, fills, latency, state
 * and alert levels. Each family's samples are written together.
 */
#include "metrics.h"

#include <math.h>
#include <stdio.h>

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

static void actor_sample(struct strbuf *b, const char *name,
                         const struct tel_actor *a, double v)
{
    strbuf_printf(b, "%s{actor_name=\"", name);
    put_label_value(b, a->name);
    strbuf_puts(b, "\"}");
    put_value(b, v);
}

/* name{from="a",to="b"[,from_port=..,to_port=..][,p="8000"]} */
static void channel_labels(struct strbuf *b, const char *name,
                           const struct tel_channel *c, bool with_p)
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
    if (with_p)
        strbuf_printf(b, "\",p=\"%d", c->percentile * 100);
    strbuf_puts(b, "\"}");
}

static void channel_sample(struct strbuf *b, const char *name,
                           const struct tel_channel *c, double v)
{
    channel_labels(b, name, c, false);
    put_value(b, v);
}

static void channel_count(struct strbuf *b, const char *name,
                          const struct tel_channel *c, uint64_t v)
{
    channel_labels(b, name, c, false);
    strbuf_printf(b, " %llu\n", (unsigned long long)v);
}

static void actor_families(struct strbuf *b, const struct tel_snapshot *s)
{
    family(b, "avg_load", "gauge",
           "Share of the graph's CPU time the actor used over the window, "
           "in percent.");
    for (size_t i = 0; i < s->n_actors; i++)
        actor_sample(b, "avg_load", &s->actors[i], s->actors[i].load);
    family(b, "avg_mCPU", "gauge",
           "CPU the actor used over the window in milli-cores of 1024 to a "
           "core (1024 = one full core).");
    for (size_t i = 0; i < s->n_actors; i++)
        actor_sample(b, "avg_mCPU", &s->actors[i], s->actors[i].mcpu);
    family(b, "actor_cpu_seconds_total", "counter",
           "CPU time the actor has used since the graph started.");
    for (size_t i = 0; i < s->n_actors; i++)
        actor_sample(b, "actor_cpu_seconds_total", &s->actors[i],
                     (double)s->actors[i].cpu_ns / 1e9);
    family(b, "graph_node_restarts", "gauge",
           "Times the supervisor restarted the actor since the graph "
           "started.");
    for (size_t i = 0; i < s->n_actors; i++)
        actor_sample(b, "graph_node_restarts", &s->actors[i],
                     s->actors[i].restarts);
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

static void channel_families(struct strbuf *b, const struct tel_snapshot *s)
{
    const struct tel_channel *c = s->channels;
    size_t n = s->n_channels;

    family(b, "inflight", "gauge",
           "Items sent into the channel and not yet taken.");
    for (size_t i = 0; i < n; i++)
        channel_count(b, "inflight", &c[i], c[i].inflight);
    family(b, "send_total", "counter",
           "Items sent into the channel since the graph started.");
    for (size_t i = 0; i < n; i++)
        channel_count(b, "send_total", &c[i], c[i].sent);
    family(b, "take_total", "counter",
           "Items taken from the channel since the graph started.");
    for (size_t i = 0; i < n; i++)
        channel_count(b, "take_total", &c[i], c[i].taken);
    family(b, "capacity", "gauge", "Items the channel holds at most.");
    for (size_t i = 0; i < n; i++)
        channel_count(b, "capacity", &c[i], c[i].capacity);
    family(b, "avg_rate", "gauge",
           "Items taken from the channel per second, over the window.");
    for (size_t i = 0; i < n; i++)
        channel_sample(b, "avg_rate", &c[i], c[i].avg_rate);
    family(b, "avg_filled", "gauge",
           "Average fill of the channel over the window, in percent of its "
           "capacity.");
    for (size_t i = 0; i < n; i++)
        channel_sample(b, "avg_filled", &c[i], c[i].avg_filled);
    family(b, "percentile_filled", "gauge",
           "Fill of the channel at percentile p/100 over the window, in "
           "percent of its capacity (p=8000 is the 80th percentile).");
    for (size_t i = 0; i < n; i++) {
        channel_labels(b, "percentile_filled", &c[i], true);
        put_value(b, c[i].pct_filled);
    }
    family(b, "avg_latency_seconds", "gauge",
           "Estimated time an item waits in the channel: average fill over "
           "average rate (+Inf when items wait and none are taken).");
    for (size_t i = 0; i < n; i++)
        channel_sample(b, "avg_latency_seconds", &c[i],
                       c[i].latency_ms / 1000.0);
}

void metrics_write(struct strbuf *b, const struct tel_snapshot *s)
{
    actor_families(b, s);
    channel_families(b, s);
    family(b, "alert_level", "gauge",
           "Most severe alert of the graph file that holds for the actor or "
           "channel: 0 none, 1 yellow, 2 orange, 3 red.");
    for (size_t i = 0; i < s->n_actors; i++)
        actor_sample(b, "alert_level", &s->actors[i], s->actors[i].alert);
    for (size_t i = 0; i < s->n_channels; i++)
        channel_sample(b, "alert_level", &s->channels[i], s->channels[i].alert);
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
