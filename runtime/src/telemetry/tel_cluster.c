/* tel_cluster.c - the other nodes' latest telemetry summaries, and the
 * whole graph merged from them and this node's snapshot.
 *
 * A channel between nodes runs producer -> nats_pub-KEY on one node and
 * nats_sub-KEY -> consumer on the other (graph_nodes.c names the pair);
 * a durable channel has both bridges on one node. When both halves are
 * known, the merge draws one edge from the producer to the consumer and
 * leaves the bridges out; otherwise the half it has ends in its bridge,
 * drawn as the remote actor it stands for, as on the node's own picture.
 */
#include "tel_cluster.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PUB_PREFIX "nats_pub-"
#define SUB_PREFIX "nats_sub-"

struct node_entry {
    struct tel_snapshot *s; /* its latest summary, owned */
    uint64_t received_ns;
};

struct tel_cluster {
    pthread_mutex_t lock;
    char *graph, *self;
    struct node_entry nodes[TEL_CLUSTER_MAX_NODES];
    size_t n;
};

struct tel_cluster *tel_cluster_create(const char *graph, const char *self)
{
    struct tel_cluster *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->graph = strdup(graph ? graph : "");
    c->self = strdup(self ? self : "");
    if (!c->graph || !c->self) {
        free(c->graph);
        free(c->self);
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

void tel_cluster_destroy(struct tel_cluster *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        tel_snapshot_destroy(c->nodes[i].s);
    pthread_mutex_destroy(&c->lock);
    free(c->graph);
    free(c->self);
    free(c);
}

int tel_cluster_put(struct tel_cluster *c, const void *data, size_t len,
                    uint64_t now_ns, char *err, size_t errlen)
{
    struct tel_snapshot *s = tel_wire_decode(data, len, err, errlen);
    size_t i;

    if (!s)
        return -1;
    if (strcmp(s->graph, c->graph) != 0 || strcmp(s->node, c->self) == 0) {
        snprintf(err, errlen, "a summary of %s '%s'",
                 strcmp(s->graph, c->graph) ? "graph" : "this node",
                 strcmp(s->graph, c->graph) ? s->graph : s->node);
        tel_snapshot_destroy(s);
        return -1;
    }
    pthread_mutex_lock(&c->lock);
    for (i = 0; i < c->n; i++)
        if (strcmp(c->nodes[i].s->node, s->node) == 0)
            break;
    if (i == TEL_CLUSTER_MAX_NODES) {
        pthread_mutex_unlock(&c->lock);
        snprintf(err, errlen, "more than %d nodes report; '%s' is left out",
                 TEL_CLUSTER_MAX_NODES, s->node);
        tel_snapshot_destroy(s);
        return -1;
    }
    if (i == c->n)
        c->n++;
    else
        tel_snapshot_destroy(c->nodes[i].s);
    c->nodes[i].s = s;
    c->nodes[i].received_ns = now_ns;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

size_t tel_cluster_count(struct tel_cluster *c)
{
    size_t n;

    pthread_mutex_lock(&c->lock);
    n = c->n;
    pthread_mutex_unlock(&c->lock);
    return n;
}

/* ---- the merge (under the lock) --------------------------------------- */

/* One node's part of the merge: its snapshot and the cluster's name. */
struct part {
    const struct tel_snapshot *s;
    char label[128]; /* "up (here)", "down (silent 12 s)" */
};

/* Strings of the merged snapshot: one block, sized by a first pass. */
struct pool {
    char *at, *end;
    size_t need; /* the first pass counts here */
};

static const char *keep(struct pool *p, const char *text)
{
    size_t n;

    if (!text)
        return NULL;
    n = strlen(text) + 1;
    if (!p->at) {
        p->need += n;
        return text;
    }
    if ((size_t)(p->end - p->at) < n)
        return ""; /* cannot happen: the first pass counted it */
    memcpy(p->at, text, n);
    p->at += n;
    return p->at - n;
}

static const char *bridge_key(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);

    return name && strncmp(name, prefix, n) == 0 ? name + n : NULL;
}

/* The channel leaving bridge `sub_name` in any part: *owner gets its part.
 * NULL when no part has it. */
static const struct tel_channel *find_from(const struct part *parts,
                                           size_t n_parts, const char *actor,
                                           size_t *owner)
{
    for (size_t k = 0; k < n_parts; k++)
        for (size_t i = 0; i < parts[k].s->n_channels; i++)
            if (strcmp(parts[k].s->channels[i].from, actor) == 0) {
                *owner = k;
                return &parts[k].s->channels[i];
            }
    return NULL;
}

static const struct tel_actor *find_actor(const struct tel_snapshot *s,
                                          const char *name)
{
    for (size_t i = 0; i < s->n_actors; i++)
        if (strcmp(s->actors[i].name, name) == 0)
            return &s->actors[i];
    return NULL;
}

/* A figure of a bridge, 0 when it has none (yet). */
static double figure_of(const struct part *parts, size_t n_parts,
                        const char *actor, const char *figure)
{
    for (size_t k = 0; k < n_parts; k++) {
        const struct tel_actor *a = find_actor(parts[k].s, actor);

        for (size_t f = 0; a && f < a->n_figures; f++)
            if (strcmp(a->figures[f].name, figure) == 0)
                return a->figures[f].value;
    }
    return 0;
}

/* Whether bridge actor `name` is left out: its pair is known. */
static bool bridged(const struct part *parts, size_t n_parts, const char *name)
{
    const char *key = bridge_key(name, PUB_PREFIX);
    char other[600];
    size_t owner;

    if (key) {
        snprintf(other, sizeof(other), SUB_PREFIX "%s", key);
        return find_from(parts, n_parts, other, &owner) != NULL;
    }
    if ((key = bridge_key(name, SUB_PREFIX))) {
        snprintf(other, sizeof(other), PUB_PREFIX "%s", key);
        for (size_t k = 0; k < n_parts; k++)
            for (size_t i = 0; i < parts[k].s->n_channels; i++)
                if (strcmp(parts[k].s->channels[i].to, other) == 0)
                    return true;
    }
    return false;
}

static void copy_actor(struct pool *p, struct tel_actor *to,
                       const struct tel_actor *from, const char *cluster,
                       int cluster_index)
{
    *to = *from;
    memset(to->stat, 0, sizeof(to->stat));
    to->alerts = NULL;
    to->n_alerts = 0;
    to->name = keep(p, from->name);
    to->remote = keep(p, from->remote);
    to->troupe = cluster;
    to->troupe_index = cluster_index;
}

static void copy_channel(struct pool *p, struct tel_channel *to,
                         const struct tel_channel *from)
{
    *to = *from;
    memset(to->stat, 0, sizeof(to->stat));
    to->alerts = NULL;
    to->n_alerts = 0;
    to->names_owned = NULL;
    to->from = keep(p, from->from);
    to->to = keep(p, from->to);
    to->from_port = keep(p, from->from_port);
    to->to_port = keep(p, from->to_port);
    to->type = keep(p, from->type);
    to->link = keep(p, from->link);
}

/* The producer's half `c` (into bridge `c->to`) and the consumer's half
 * `d` as one channel. */
/* A figure from another node's summary as a count: it may be anything,
 * so in range before the cast. */
static uint64_t count_of(double v)
{
    return v > 0 && v < 1e18 ? (uint64_t)v : 0;
}

static void join_halves(struct pool *p, struct tel_channel *to,
                        const struct tel_channel *c,
                        const struct tel_channel *d, const struct part *parts,
                        size_t n_parts)
{
    char link[256];
    double unacked = figure_of(parts, n_parts, c->to, "unacked");
    double resent = figure_of(parts, n_parts, c->to, "resent");
    double full = figure_of(parts, n_parts, c->to, "refused_full");
    double redelivered = figure_of(parts, n_parts, d->from, "redelivered");
    double pending = figure_of(parts, n_parts, d->from, "stream_pending");
    double ack_pending = figure_of(parts, n_parts, d->from, "ack_pending");

    copy_channel(p, to, c);
    to->to = keep(p, d->to);
    to->to_port = keep(p, d->to_port);
    to->show_ports = c->show_ports || d->show_ports;
    /* what the consumer took, at the rate it takes; in flight: both
     * halves, the publisher's window, what the stream holds for the
     * subscriber (as of its last delivery) and what it took but has not
     * yet acknowledged */
    to->taken = d->taken;
    to->avg_rate = d->avg_rate;
    to->avg_bytes_rate = d->avg_bytes_rate;
    to->capacity = c->capacity + d->capacity;
    to->inflight = c->inflight + d->inflight + count_of(unacked) +
                   count_of(pending) + count_of(ack_pending);
    to->avg_filled = (c->avg_filled + d->avg_filled) / 2;
    to->pct_filled =
        c->pct_filled > d->pct_filled ? c->pct_filled : d->pct_filled;
    to->latency_ms = c->latency_ms + d->latency_ms;
    to->alert = c->alert > d->alert ? c->alert : d->alert;
    snprintf(link, sizeof(link),
             "over NATS: %.0f unacked, %.0f in the stream, %.0f resent, "
             "%.0f redelivered\nstream full: %.0f publishes refused",
             unacked, pending, resent, redelivered, full);
    to->link = keep(p, link);
}

/* Fills m from parts; with p->at NULL only counts the strings. */
static void fill(struct tel_snapshot *m, struct pool *p,
                 const struct part *parts, size_t n_parts)
{
    m->n_actors = m->n_channels = m->n_troupes = 0;
    for (size_t k = 0; k < n_parts; k++) {
        const struct tel_snapshot *s = parts[k].s;
        const char *cluster = keep(p, parts[k].label);

        if (m->troupes)
            m->troupes[m->n_troupes] = cluster;
        for (size_t i = 0; i < s->n_actors; i++) {
            if (bridged(parts, n_parts, s->actors[i].name))
                continue;
            if (m->actors)
                copy_actor(p, &m->actors[m->n_actors], &s->actors[i], cluster,
                           (int)m->n_troupes);
            else
                (void)keep(p, s->actors[i].name), keep(p, s->actors[i].remote);
            m->n_actors++;
        }
        m->n_troupes++;
        for (size_t i = 0; i < s->n_channels; i++) {
            const struct tel_channel *c = &s->channels[i];
            const char *key = bridge_key(c->to, PUB_PREFIX);
            const struct tel_channel *d = NULL;
            struct tel_channel scratch;
            char sub[600];
            size_t owner;

            if (key) {
                snprintf(sub, sizeof(sub), SUB_PREFIX "%s", key);
                d = find_from(parts, n_parts, sub, &owner);
            }
            if (!d && bridged(parts, n_parts, c->from))
                continue; /* the consumer's half: joined at the producer's */
            if (!m->channels) {
                memset(&scratch, 0, sizeof(scratch));
                if (d)
                    join_halves(p, &scratch, c, d, parts, n_parts);
                else
                    copy_channel(p, &scratch, c);
            } else if (d) {
                join_halves(p, &m->channels[m->n_channels], c, d, parts,
                            n_parts);
            } else {
                copy_channel(p, &m->channels[m->n_channels], c);
            }
            m->n_channels++;
        }
    }
}

static void label_part(struct part *pt, const char *node, bool here,
                       uint64_t age_ns)
{
    if (here)
        snprintf(pt->label, sizeof(pt->label), "%s (here)", node);
    else if (age_ns >= TEL_CLUSTER_SILENT_NS)
        snprintf(pt->label, sizeof(pt->label), "%s (silent %llu s)", node,
                 (unsigned long long)(age_ns / 1000000000ull));
    else
        snprintf(pt->label, sizeof(pt->label), "%s", node);
}

struct tel_snapshot *tel_cluster_merge(struct tel_cluster *c,
                                       const struct tel_snapshot *local,
                                       uint64_t now_ns)
{
    struct part parts[TEL_CLUSTER_MAX_NODES + 1];
    struct tel_snapshot *m = calloc(1, sizeof(*m));
    struct pool pool = { 0 };
    size_t n_parts = 0;

    if (!m)
        return NULL;
    pthread_mutex_lock(&c->lock);
    parts[n_parts].s = local;
    label_part(&parts[n_parts++], c->self, true, 0);
    for (size_t i = 0; i < c->n; i++) {
        uint64_t at = c->nodes[i].received_ns;

        parts[n_parts].s = c->nodes[i].s;
        label_part(&parts[n_parts++], c->nodes[i].s->node, false,
                   now_ns > at ? now_ns - at : 0);
    }
    /* first pass: counts and string bytes; second: the copy */
    fill(m, &pool, parts, n_parts);
    m->actors = calloc(m->n_actors ? m->n_actors : 1, sizeof(*m->actors));
    m->channels =
        calloc(m->n_channels ? m->n_channels : 1, sizeof(*m->channels));
    m->troupes = calloc(n_parts, sizeof(*m->troupes));
    m->pool = malloc(pool.need + 1);
    if (!m->actors || !m->channels || !m->troupes || !m->pool) {
        pthread_mutex_unlock(&c->lock);
        tel_snapshot_destroy(m);
        return NULL;
    }
    pool.at = m->pool;
    pool.end = pool.at + pool.need + 1;
    fill(m, &pool, parts, n_parts);
    pthread_mutex_unlock(&c->lock);
    m->graph = local->graph;
    m->node = local->node;
    m->seq = local->seq;
    m->window_s = local->window_s;
    m->uptime_s = local->uptime_s;
    m->log_dropped = local->log_dropped;
    m->clusters_are_nodes = true;
    return m;
}
