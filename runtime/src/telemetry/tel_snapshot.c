/* tel_snapshot.c - a telemetry snapshot shaped after a graph: one record
 * per actor and per channel, with the names it is shown under. Part of the
 * pure half of telemetry (no threads, no clocks), like tel_window.c and
 * tel_alert.c, so that tests can feed it fabricated readings.
 */
#include "port_info.h"
#include "telemetry.h"

#include <assert.h>
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

/* Where the percentiles of every record go: one block, doubles first. */
struct pct_pool {
    double *val;
    uint16_t *at;
    size_t used, size;
};

static size_t add_unique(uint16_t *list, size_t n, uint16_t p)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == p)
            return n;
    list[n] = p;
    return n + 1;
}

/* Takes st's percentiles from the pool: `first` (0: none) and the graph's
 * shown ones, then those the alerts on measure m watch that are not
 * among them (default_p for an alert that names none). */
static void plan_percentiles(struct pct_pool *pool, struct tel_stats *st,
                             const struct graph_stats *gs, uint16_t first,
                             const struct graph_alert *alerts, size_t n_alerts,
                             enum graph_measure m, uint16_t default_p)
{
    uint16_t *at = &pool->at[pool->used];
    size_t n = 0;

    st->shown = gs->shown;
    st->wanted = gs->shown != 0;
    for (size_t i = 0; i < n_alerts; i++)
        if (alerts[i].measure == m && alerts[i].stat != STAT_AVG &&
            alerts[i].stat != STAT_PERCENTILE)
            st->wanted = true;
    if (first)
        n = add_unique(at, n, first);
    for (unsigned i = 0; i < gs->n_percentiles; i++)
        n = add_unique(at, n, gs->percentiles[i]);
    st->n_pct_shown = n;
    for (size_t i = 0; i < n_alerts; i++)
        if (alerts[i].measure == m && alerts[i].stat == STAT_PERCENTILE)
            n = add_unique(
                at, n, alerts[i].percentile ? alerts[i].percentile : default_p);
    assert(pool->used + n <= pool->size);
    st->n_pct = n;
    st->pct_at = n ? at : NULL;
    st->pct = n ? &pool->val[pool->used] : NULL;
    pool->used += n;
}

/* The most percentiles g's records can need: room in the pool. */
static size_t pool_size(const struct graph *g)
{
    size_t n = 0;

    for (size_t i = 0; i < g->n_actors; i++)
        n += 2 * GRAPH_MAX_PERCENTILES + g->actors[i].n_alerts;
    for (size_t i = 0; i < g->n_channels; i++)
        n += 3 * GRAPH_MAX_PERCENTILES + 1 + g->channels[i].n_alerts;
    return n;
}

static int alloc_pool(struct tel_snapshot *s, const struct graph *g,
                      struct pct_pool *pool)
{
    size_t n = pool_size(g);

    s->pool = calloc(n ? n : 1, sizeof(double) + sizeof(uint16_t));
    if (!s->pool)
        return -1;
    pool->val = s->pool;
    pool->at = (uint16_t *)(void *)(pool->val + n);
    pool->used = 0;
    pool->size = n;
    return 0;
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

struct tel_snapshot *tel_snapshot_create(const struct graph *g)
{
    struct tel_snapshot *s = calloc(1, sizeof(*s));
    struct pct_pool pool;

    if (!s)
        return NULL;
    s->graph = g->name;
    s->node = g->node;
    s->n_actors = g->n_actors;
    s->n_channels = g->n_channels;
    s->actors = calloc(g->n_actors ? g->n_actors : 1, sizeof(*s->actors));
    s->channels =
        calloc(g->n_channels ? g->n_channels : 1, sizeof(*s->channels));
    s->troupes = calloc(g->n_actors ? g->n_actors : 1, sizeof(*s->troupes));
    if (!s->actors || !s->channels || !s->troupes ||
        alloc_pool(s, g, &pool) < 0)
        goto err_free;
    for (size_t i = 0; i < g->n_actors; i++) {
        const struct graph_actor *ga = &g->actors[i];
        struct tel_actor *a = &s->actors[i];

        a->name = ga->name;
        a->troupe = ga->troupe;
        a->troupe_index = troupe_index(s, ga->troupe);
        a->alerts = ga->alerts;
        a->n_alerts = ga->n_alerts;
        a->remote = ga->peer;
        for (int m = MEASURE_MCPU; m <= MEASURE_LOAD; m++)
            plan_percentiles(&pool, &a->stat[m], &ga->stats[m], 0, ga->alerts,
                             ga->n_alerts, (enum graph_measure)m,
                             TEL_ACTOR_PERCENTILE);
    }
    for (size_t i = 0; i < g->n_channels; i++) {
        const struct graph_channel *gc = &g->channels[i];
        struct tel_channel *c = &s->channels[i];

        c->from = g->actors[gc->from.actor].name;
        c->to = g->actors[gc->to.actor].name;
        if (name_ports(g, gc, c) < 0)
            goto err_free;
        /* resolved at load, the same at both ends (any-typed ports too) */
        c->type = gc->type_name ? gc->type_name : "";
        c->alerts = gc->alerts;
        c->n_alerts = gc->n_alerts;
        c->capacity = gc->capacity;
        c->percentile = gc->percentile;
        c->varsize = gc->elem_size == STEADY_VARSIZE;
        for (int m = MEASURE_FILLED; m <= MEASURE_LATENCY; m++) {
            uint16_t p = (uint16_t)(gc->percentile * 100);

            plan_percentiles(&pool, &c->stat[m], &gc->stats[m],
                             m == MEASURE_FILLED ? p : 0, gc->alerts,
                             gc->n_alerts, (enum graph_measure)m, p);
        }
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
    free(s->pool);
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
