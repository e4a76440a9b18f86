/* graph_channels.c - the graph file's `channels` list, in either form
 * ("a.out -> b.in" or { from, to, ... }), resolved to ports and checked:
 * direction, element type, one channel per port, capacity; then every
 * required port must be connected.
 */
#include "graph_impl.h"
#include "suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const channel_keys[] = { "from",       "to",     "capacity",
                                            "percentile", "alerts", "stats" };

#define CHANNEL_FORMS \
    "a channel is 'actor.port -> actor.port' or a map with 'from' and 'to'"

/* Which channel holds each port: one slot per port of every actor. */
struct port_use {
    size_t *base;    /* per actor: its first slot in `channel` */
    size_t *channel; /* per port: channel index + 1, or 0 when free */
};

/* An endpoint as written: a slice of a scalar's text. */
struct endpoint_text {
    const yaml_node_t *node;
    const char *text;
    size_t len;
};

static int port_use_init(struct graph_ctx *c, struct port_use *u,
                         const yaml_node_t *at)
{
    const struct graph *g = c->g;
    size_t total = 0;

    u->channel = NULL;
    u->base = calloc(g->n_actors + 1, sizeof(*u->base));
    if (!u->base)
        return graph_fail(c, at, "out of memory");
    for (size_t i = 0; i < g->n_actors; i++) {
        u->base[i] = total;
        total += g->actors[i].plugin->desc->n_ports;
    }
    u->channel = calloc(total + 1, sizeof(*u->channel));
    if (!u->channel)
        return graph_fail(c, at, "out of memory");
    return 0;
}

static void port_use_fini(struct port_use *u)
{
    free(u->base);
    free(u->channel);
}

static struct graph_pos pos_in(const struct endpoint_text *e, const char *at)
{
    struct graph_pos pos = { yaml_doc_line(e->node),
                             yaml_doc_sub_col(e->node, at) };
    return pos;
}

static int unknown_actor(struct graph_ctx *c, struct graph_pos pos,
                         const char *name)
{
    const struct graph *g = c->g;
    const char **names = calloc(g->n_actors + 1, sizeof(*names));
    const char *near;
    char list[512];

    if (!names)
        return graph_fail_pos(c, pos, "out of memory");
    for (size_t i = 0; i < g->n_actors; i++)
        names[i] = g->actors[i].name;
    near = suggest_closest(name, names, g->n_actors);
    if (near)
        graph_fail_pos(c, pos, "unknown actor '%s'; did you mean '%s'?", name,
                       near);
    else
        graph_fail_pos(
            c, pos, "unknown actor '%s'; the actors are %s", name,
            graph_join_names(list, sizeof(list), names, g->n_actors));
    free(names);
    return -1;
}

static int unknown_port(struct graph_ctx *c, struct graph_pos pos,
                        const struct graph_actor *a, const char *port)
{
    const struct steady_plugin *desc = a->plugin->desc;
    const char **names = calloc(desc->n_ports + 1, sizeof(*names));
    const char *near;
    char list[512];

    if (!names)
        return graph_fail_pos(c, pos, "out of memory");
    for (size_t i = 0; i < desc->n_ports; i++)
        names[i] = desc->ports[i].name;
    near = suggest_closest(port, names, desc->n_ports);
    if (near)
        graph_fail_pos(c, pos,
                       "actor '%s' has no port '%s'; did you mean '%s'?",
                       a->name, port, near);
    else if (desc->n_ports == 0)
        graph_fail_pos(c, pos, "actor '%s' has no port '%s'; it has no ports",
                       a->name, port);
    else
        graph_fail_pos(
            c, pos, "actor '%s' has no port '%s'; its ports are %s", a->name,
            port, graph_join_names(list, sizeof(list), names, desc->n_ports));
    free(names);
    return -1;
}

/* Resolves "actor.port" to an endpoint of the right direction that no
 * channel uses yet. */
static int resolve(struct graph_ctx *c, const struct port_use *u,
                   const struct endpoint_text *e, bool is_from,
                   struct graph_endpoint *out)
{
    struct graph_pos pos = pos_in(e, e->text);
    char *buf = malloc(e->len + 1), *dot;
    const struct graph_actor *a;
    const struct steady_port_desc *pd;
    long actor;
    int port, rc = -1;
    size_t slot;

    if (!buf)
        return graph_fail_pos(c, pos, "out of memory");
    memcpy(buf, e->text, e->len);
    buf[e->len] = '\0';
    dot = strchr(buf, '.');
    if (!dot || dot == buf || !dot[1]) {
        graph_fail_pos(c, pos, "expected 'actor.port', got '%s'", buf);
        goto out_free_buf;
    }
    *dot = '\0';
    actor = graph_find_actor(c, buf);
    if (actor < 0) {
        unknown_actor(c, pos, buf);
        goto out_free_buf;
    }
    a = &c->g->actors[actor];
    port = plugin_port_index(a->plugin->desc, dot + 1);
    if (port < 0) {
        unknown_port(c, pos_in(e, e->text + (dot + 1 - buf)), a, dot + 1);
        goto out_free_buf;
    }
    pd = &a->plugin->desc->ports[port];
    if (pd->dir != (is_from ? STEADY_OUT : STEADY_IN)) {
        graph_fail_pos(c, pos,
                       "'%s.%s' is an %s port; a channel goes from an output "
                       "to an input",
                       a->name, pd->name,
                       pd->dir == STEADY_IN ? "input" : "output");
        goto out_free_buf;
    }
    slot = u->base[actor] + (size_t)port;
    if (u->channel[slot]) {
        const struct graph_channel *prev =
            &c->g->channels[u->channel[slot] - 1];
        graph_fail_pos(c, pos,
                       "port '%s.%s' is already connected by the channel at "
                       "%d:%d",
                       a->name, pd->name, prev->pos.line, prev->pos.col);
        goto out_free_buf;
    }
    out->actor = (size_t)actor;
    out->port = (size_t)port;
    rc = 0;
out_free_buf:
    free(buf);
    return rc;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* "a.out -> b.in" into its two sides. */
static int split_arrow(struct graph_ctx *c, const yaml_node_t *n,
                       struct endpoint_text *from, struct endpoint_text *to)
{
    const char *s = yaml_doc_text(n), *arrow = strstr(s, "->"), *end;

    if (!arrow || strstr(arrow + 2, "->"))
        return graph_fail(c, n, CHANNEL_FORMS ", got '%s'", s);
    from->node = to->node = n;
    from->text = s;
    while (is_space(*from->text))
        from->text++;
    end = arrow;
    while (end > from->text && is_space(end[-1]))
        end--;
    from->len = (size_t)(end - from->text);
    to->text = arrow + 2;
    while (is_space(*to->text))
        to->text++;
    end = to->text + strlen(to->text);
    while (end > to->text && is_space(end[-1]))
        end--;
    to->len = (size_t)(end - to->text);
    if (from->len == 0 || to->len == 0)
        return graph_fail(c, n, CHANNEL_FORMS ", got '%s'", s);
    return 0;
}

static int map_endpoint(struct graph_ctx *c, yaml_node_t *map, const char *key,
                        struct endpoint_text *e)
{
    yaml_node_t *n = yaml_doc_get(&c->doc, map, key);

    if (!n)
        return graph_fail(c, map, "a channel needs '%s'", key);
    e->node = n;
    e->text = yaml_doc_text(n);
    if (!e->text)
        return graph_fail(c, n, "'%s' must be 'actor.port', got a %s", key,
                          yaml_doc_kind(n));
    e->len = strlen(e->text);
    return 0;
}

/* Both ends carry the same elements, and the ring fits in memory. */
static int check_ring(struct graph_ctx *c, const struct graph_channel *ch,
                      const yaml_node_t *item, const yaml_node_t *cap_node)
{
    const struct graph *g = c->g;
    const struct steady_port_desc *out =
        &g->actors[ch->from.actor].plugin->desc->ports[ch->from.port];
    const struct steady_port_desc *in =
        &g->actors[ch->to.actor].plugin->desc->ports[ch->to.port];
    char from[256], to[256];

    if (strcmp(out->type_name, in->type_name) != 0 ||
        out->elem_size != in->elem_size)
        return graph_fail(c, item,
                          "%s sends '%s' (%zu bytes) but %s takes '%s' (%zu "
                          "bytes)",
                          graph_endpoint_name(g, &ch->from, from, sizeof(from)),
                          out->type_name, out->elem_size,
                          graph_endpoint_name(g, &ch->to, to, sizeof(to)),
                          in->type_name, in->elem_size);
    if (out->elem_size > GRAPH_MAX_RING_BYTES / ch->capacity)
        return graph_fail(c, cap_node ? cap_node : item,
                          "capacity %zu of %zu-byte '%s' elements needs over "
                          "4 GiB%s",
                          ch->capacity, out->elem_size, out->type_name,
                          cap_node ? "" : " (capacity from defaults.channel)");
    return 0;
}

static int load_channel(struct graph_ctx *c, struct port_use *u, size_t index,
                        yaml_node_t *item)
{
    struct graph_channel *ch = &c->g->channels[index];
    struct endpoint_text from, to;
    const yaml_node_t *cap_node = NULL;
    yaml_node_t *v;
    int64_t x;
    bool is_map = item->type == YAML_MAPPING_NODE;

    ch->pos = graph_pos_of(item);
    ch->capacity = (size_t)c->def_capacity;
    ch->percentile = c->def_percentile;
    memcpy(ch->stats, c->def_channel_stats, sizeof(ch->stats));
    if (item->type == YAML_SEQUENCE_NODE)
        return graph_fail(c, item, CHANNEL_FORMS ", got a list");
    if (is_map) {
        if (graph_check_keys(c, item, "key", channel_keys,
                             sizeof(channel_keys) / sizeof(channel_keys[0])) <
                0 ||
            map_endpoint(c, item, "from", &from) < 0 ||
            map_endpoint(c, item, "to", &to) < 0)
            return -1;
    } else if (split_arrow(c, item, &from, &to) < 0) {
        return -1;
    }
    if (resolve(c, u, &from, true, &ch->from) < 0)
        return -1;
    u->channel[u->base[ch->from.actor] + ch->from.port] = index + 1;
    if (resolve(c, u, &to, false, &ch->to) < 0)
        return -1;
    u->channel[u->base[ch->to.actor] + ch->to.port] = index + 1;

    if (is_map && (v = yaml_doc_get(&c->doc, item, "capacity"))) {
        if (graph_read_int(c, v, "capacity", 1, GRAPH_MAX_CAPACITY, &x) < 0)
            return -1;
        ch->capacity = (size_t)x;
        cap_node = v;
    }
    if (check_ring(c, ch, item, cap_node) < 0)
        return -1;
    if (is_map && (v = yaml_doc_get(&c->doc, item, "percentile"))) {
        if (graph_read_int(c, v, "percentile", 1, 99, &x) < 0)
            return -1;
        ch->percentile = (int)x;
    }
    if (is_map && (v = yaml_doc_get(&c->doc, item, "stats")) &&
        graph_read_stats(c, v, true, ch->stats) < 0)
        return -1;
    if (is_map && (v = yaml_doc_get(&c->doc, item, "alerts")))
        return graph_read_alerts(c, v, true, &ch->alerts, &ch->n_alerts);
    if (graph_copy_alerts(c->def_channel_alerts, c->n_def_channel_alerts,
                          &ch->alerts, &ch->n_alerts) < 0)
        return graph_fail(c, item, "out of memory");
    return 0;
}

static int check_required(struct graph_ctx *c, const struct port_use *u)
{
    const struct graph *g = c->g;

    for (size_t i = 0; i < g->n_actors; i++) {
        const struct graph_actor *a = &g->actors[i];
        const struct steady_plugin *desc = a->plugin->desc;

        for (size_t p = 0; p < desc->n_ports; p++) {
            const struct steady_port_desc *pd = &desc->ports[p];
            if (pd->required && !u->channel[u->base[i] + p])
                return graph_fail_pos(
                    c, a->pos,
                    "actor '%s' leaves its required %s '%s' ('%s') "
                    "unconnected",
                    a->name, pd->dir == STEADY_IN ? "input" : "output",
                    pd->name, pd->type_name);
        }
    }
    return 0;
}

int graph_load_channels(struct graph_ctx *c, yaml_node_t *n)
{
    struct graph *g = c->g;
    const yaml_node_t *at = n ? n : yaml_doc_root(&c->doc);
    struct port_use u;
    size_t len = 0;
    int rc = -1;

    if (port_use_init(c, &u, at) < 0)
        goto out_fini_use;
    if (n && !yaml_doc_is_null(n)) {
        if (n->type != YAML_SEQUENCE_NODE) {
            graph_fail(c, n, "'channels' must be a list, got a %s",
                       yaml_doc_kind(n));
            goto out_fini_use;
        }
        len = yaml_doc_len(n);
    }
    g->channels = calloc(len + 1, sizeof(*g->channels));
    if (!g->channels) {
        graph_fail(c, at, "out of memory");
        goto out_fini_use;
    }
    for (size_t i = 0; i < len; i++) {
        g->n_channels = i + 1;
        if (load_channel(c, &u, i, yaml_doc_item(&c->doc, n, i)) < 0)
            goto out_fini_use;
    }
    rc = check_required(c, &u);
out_fini_use:
    port_use_fini(&u);
    return rc;
}
