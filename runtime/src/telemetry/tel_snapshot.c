/* tel_snapshot.c - a telemetry snapshot shaped after a graph: one record
 * per actor and per channel, with the names it is shown under. Part of the
 * pure half of telemetry (no threads, no clocks), like tel_window.c and
 * tel_alert.c, so that tests can feed it fabricated readings.
 */
#include "telemetry.h"

#include <stdlib.h>
#include <string.h>

static const char *port_name(const struct graph *g,
                             const struct graph_endpoint *e)
{
    return g->actors[e->actor].plugin->desc->ports[e->port].name;
}

/* The index of troupe `name` among those seen so far, added when new; -1
 * for a solo actor. */
static int troupe_index(struct tel_snapshot *s, const char *name)
{
    if (!name)
        return -1;
    for (size_t t = 0; t < s->n_troupes; t++) {
        if (strcmp(s->troupes[t], name) == 0)
            return (int)t;
    }
    s->troupes[s->n_troupes] = name;
    return (int)s->n_troupes++;
}

static const char *port_type(const struct graph *g,
                             const struct graph_endpoint *e)
{
    const char *t = g->actors[e->actor].plugin->desc->ports[e->port].type_name;

    return t ? t : "";
}

struct tel_snapshot *tel_snapshot_create(const struct graph *g)
{
    struct tel_snapshot *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->graph = g->name;
    s->n_actors = g->n_actors;
    s->n_channels = g->n_channels;
    s->actors = calloc(g->n_actors ? g->n_actors : 1, sizeof(*s->actors));
    s->channels =
        calloc(g->n_channels ? g->n_channels : 1, sizeof(*s->channels));
    s->troupes = calloc(g->n_actors ? g->n_actors : 1, sizeof(*s->troupes));
    if (!s->actors || !s->channels || !s->troupes)
        goto err_free;
    for (size_t i = 0; i < g->n_actors; i++) {
        s->actors[i].name = g->actors[i].name;
        s->actors[i].troupe = g->actors[i].troupe;
        s->actors[i].troupe_index = troupe_index(s, g->actors[i].troupe);
        s->actors[i].alerts = g->actors[i].alerts;
        s->actors[i].n_alerts = g->actors[i].n_alerts;
    }
    for (size_t i = 0; i < g->n_channels; i++) {
        const struct graph_channel *gc = &g->channels[i];
        struct tel_channel *c = &s->channels[i];

        c->from = g->actors[gc->from.actor].name;
        c->to = g->actors[gc->to.actor].name;
        c->from_port = port_name(g, &gc->from);
        c->to_port = port_name(g, &gc->to);
        c->type = port_type(g, &gc->from);
        /* an any-typed producer takes its type from the consumer */
        if (strcmp(c->type, STEADY_TYPE_ANY) == 0)
            c->type = port_type(g, &gc->to);
        c->alerts = gc->alerts;
        c->n_alerts = gc->n_alerts;
        c->capacity = gc->capacity;
        c->percentile = gc->percentile;
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
    free(s->actors);
    free(s->channels);
    free(s->troupes);
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
