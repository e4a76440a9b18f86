/* tel_snapshot.c - a telemetry snapshot shaped after a graph: one record
 * per actor and per channel, with the names it is shown under. Part of the
 * pure half of telemetry (no threads, no clocks), like tel_window.c and
 * tel_alert.c, so that tests can feed it fabricated readings.
 */
#include "port_info.h"
#include "telemetry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *port_name(const struct graph *g,
                             const struct graph_endpoint *e)
{
    return g->actors[e->actor].plugin->desc->ports[e->port].name;
}

static bool is_bundle(const struct graph *g, const struct graph_endpoint *e)
{
    return plugin_port_is_bundle(g->actors[e->actor].plugin->desc, e->port);
}

/* Each channel of a bundle is its own edge with its own counters: its
 * ports are shown with the bundle index ("out[1]"), so that no two
 * channels' labels (metric label sets, DOT edges, dashboard rows) are the
 * same. 0, or -1 when out of memory. */
static int name_ports(const struct graph *g, const struct graph_channel *gc,
                      struct tel_channel *c)
{
    const char *from = port_name(g, &gc->from), *to = port_name(g, &gc->to);
    size_t len = strlen(from) + strlen(to) + 2 * 16;
    int n;

    c->from_port = from;
    c->to_port = to;
    if (!is_bundle(g, &gc->from) && !is_bundle(g, &gc->to))
        return 0;
    c->names_owned = malloc(len);
    if (!c->names_owned)
        return -1;
    n = is_bundle(g, &gc->from)
            ? snprintf(c->names_owned, len, "%s[%u]", from, gc->from.index)
            : snprintf(c->names_owned, len, "%s", from);
    c->from_port = c->names_owned;
    c->to_port = c->names_owned + n + 1;
    if (is_bundle(g, &gc->to))
        snprintf(c->names_owned + n + 1, len - (size_t)n - 1, "%s[%u]", to,
                 gc->to.index);
    else
        snprintf(c->names_owned + n + 1, len - (size_t)n - 1, "%s", to);
    c->show_ports = true;
    return 0;
}

struct tel_snapshot *tel_snapshot_create(const struct graph *g)
{
    struct tel_snapshot *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->graph = g->name;
    s->node = g->node;
    s->n_actors = g->n_actors;
    s->n_channels = g->n_channels;
    s->actors = calloc(g->n_actors ? g->n_actors : 1, sizeof(*s->actors));
    s->channels =
        calloc(g->n_channels ? g->n_channels : 1, sizeof(*s->channels));
    if (!s->actors || !s->channels)
        goto err_free;
    for (size_t i = 0; i < g->n_actors; i++) {
        s->actors[i].name = g->actors[i].name;
        s->actors[i].alerts = g->actors[i].alerts;
        s->actors[i].n_alerts = g->actors[i].n_alerts;
        s->actors[i].remote = g->actors[i].peer;
    }
    for (size_t i = 0; i < g->n_channels; i++) {
        const struct graph_channel *gc = &g->channels[i];
        struct tel_channel *c = &s->channels[i];

        c->from = g->actors[gc->from.actor].name;
        c->to = g->actors[gc->to.actor].name;
        if (name_ports(g, gc, c) < 0)
            goto err_free;
        c->alerts = gc->alerts;
        c->n_alerts = gc->n_alerts;
        c->capacity = gc->capacity;
        c->percentile = gc->percentile;
        c->varsize = g->actors[gc->from.actor]
                         .plugin->desc->ports[gc->from.port]
                         .elem_size == STEADY_VARSIZE;
        for (size_t j = 0; j < g->n_channels; j++) {
            if (j != i && g->channels[j].from.actor == gc->from.actor &&
                g->channels[j].to.actor == gc->to.actor)
                c->show_ports = true;
        }
    }
    return s;

err_free:
    tel_snapshot_destroy(s);
    return NULL;
}

void tel_snapshot_destroy(struct tel_snapshot *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->channels && i < s->n_channels; i++)
        free(s->channels[i].names_owned);
    free(s->actors);
    free(s->channels);
    free(s);
}

const char *tel_state_name(enum tel_state s)
{
    static const char *const names[TEL_N_STATES] = { "starting", "running",
                                                     "restarting", "stopped",
                                                     "failed" };

    return (unsigned)s < TEL_N_STATES ? names[s] : "unknown";
}

const char *tel_color_name(enum alert_color c)
{
    switch (c) {
    case ALERT_YELLOW:
        return "yellow";
    case ALERT_ORANGE:
        return "orange";
    case ALERT_RED:
        return "red";
    case ALERT_NONE:
        break;
    }
    return "none";
}
