/* graph_channels.c - the graph file's `channels` list, in either form
 * ("a.out -> b.in" or { from, to, ... }), resolved to ports and checked:
 * direction, one channel per plain port and at most max_wired per bundle
 * (numbered in file order, or each by its explicit index "a.out[1]", then
 * unique and dense), capacity, bytes and overflow; the element types
 * of any-typed ports resolved and every channel's two ends checked to agree,
 * and plugins built against channel layout 1 given only plain channels;
 * then every required port must be connected.
 */
#include "graph_impl.h"
#include "graph_remote.h"
#include "port_info.h"
#include "suggest.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const channel_keys[] = { "from",       "to",     "capacity",
                                            "percentile", "alerts", "bytes",
                                            "overflow",   "stats",  "durable" };

/* In enum steady_overflow order. */
static const char *const overflow_words[] = { "block", "drop_oldest",
                                              "drop_newest" };

#define CHANNEL_FORMS \
    "a channel is 'actor.port -> actor.port' or a map with 'from' and 'to'"

/* A bundle end written with an explicit index, checked once every channel
 * is read (unique, and dense over the bundle's channels). */
struct index_ref {
    size_t actor, port;   /* the bundle */
    unsigned index;       /* as written */
    size_t channel;       /* the channel's place in the file */
    struct graph_pos pos; /* of the index's digits */
};

/* Which channels hold each port: one slot per port of every actor. */
struct port_use {
    size_t *base;    /* per actor: its first slot in `channel` */
    size_t *channel; /* per port: first channel's index + 1, or 0 when free */
    unsigned *count; /* per port: channels wired to it so far */
    unsigned char *indexed; /* per port: INDEX_* of its channels so far */
    struct index_ref *refs; /* explicit indices, in file order */
    size_t n_refs;
};

/* A bundle's channels all carry an explicit index or none do. */
enum { INDEX_UNSEEN, INDEX_IMPLICIT, INDEX_EXPLICIT };

/* An endpoint as written: a slice of a scalar's text. */
struct endpoint_text {
    const yaml_node_t *node;
    const char *text;
    size_t len;
};

/* A remote actor's stand-in grows a port per name the channels use, at
 * most one per channel: n_channels slots are kept for it. */
static int port_use_init(struct graph_ctx *c, struct port_use *u,
                         size_t n_channels, const yaml_node_t *at)
{
    const struct graph *g = c->g;
    size_t total = 0;

    u->channel = NULL;
    u->count = NULL;
    u->indexed = NULL;
    u->n_refs = 0;
    /* two ends per channel at most */
    u->refs = calloc(2 * n_channels + 1, sizeof(*u->refs));
    u->base = calloc(g->n_actors + 1, sizeof(*u->base));
    if (!u->base)
        return graph_fail(c, at, "out of memory");
    for (size_t i = 0; i < g->n_actors; i++) {
        u->base[i] = total;
        total += g->actors[i].remote ? n_channels
                                     : g->actors[i].plugin->desc->n_ports;
    }
    u->channel = calloc(total + 1, sizeof(*u->channel));
    u->count = calloc(total + 1, sizeof(*u->count));
    u->indexed = calloc(total + 1, sizeof(*u->indexed));
    if (!u->channel || !u->count || !u->indexed || !u->refs)
        return graph_fail(c, at, "out of memory");
    return 0;
}

static void port_use_fini(struct port_use *u)
{
    free(u->base);
    free(u->channel);
    free(u->count);
    free(u->indexed);
    free(u->refs);
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

/* "1st", "2nd", "3rd", "4th", ... "11th", "21st". */
static const char *ordinal(unsigned n)
{
    unsigned tens = n % 100;

    if (tens >= 11 && tens <= 13)
        return "th";
    switch (n % 10) {
    case 1:
        return "st";
    case 2:
        return "nd";
    case 3:
        return "rd";
    default:
        return "th";
    }
}

/* The channel that first wired a port (its slot in struct port_use). */
static const struct graph_channel *
first_on(const struct graph_ctx *c, const struct port_use *u, size_t slot)
{
    return &c->g->channels[u->channel[slot] - 1];
}

/* The index of "actor.port[index]": `digits` is its text alone, `at` where
 * it is written in e. A whole number below the bundle's max_wired (when it
 * has one). */
static int read_index(struct graph_ctx *c, const struct endpoint_text *e,
                      const char *digits, const char *at,
                      const struct graph_actor *a, size_t port, unsigned *out)
{
    const struct steady_plugin *desc = a->plugin->desc;
    const char *name = desc->ports[port].name;
    unsigned max = plugin_port_max_wired(desc, port);
    struct graph_pos pos = pos_in(e, at);
    int64_t v;

    if (!plugin_port_is_bundle(desc, port))
        return graph_fail_pos(
            c, pos_in(e, at - 1),
            "port '%s.%s' is not a bundle (plugin '%s' declares it a plain "
            "port, one channel), so it takes no index; write '%s.%s'",
            a->name, name, desc->name, a->name, name);
    if (*digits < '0' || *digits > '9' || graph_parse_i64(digits, &v) < 0 ||
        v > (int64_t)UINT_MAX - 1) {
        if (max)
            return graph_fail_pos(c, pos,
                                  "the index of bundle '%s.%s' must be a "
                                  "whole number from 0 to %u, got '%s'",
                                  a->name, name, max - 1, digits);
        return graph_fail_pos(c, pos,
                              "the index of bundle '%s.%s' must be a whole "
                              "number, 0 to n-1 over its n channels, got "
                              "'%s'",
                              a->name, name, digits);
    }
    if (max && v >= max)
        return graph_fail_pos(
            c, pos,
            "bundle '%s.%s' takes at most %u channel%s (max_wired of plugin "
            "'%s'), so its indices run from 0 to %u; got %s",
            a->name, name, max, max == 1 ? "" : "s", desc->name, max - 1,
            digits);
    *out = (unsigned)v;
    return 0;
}

/* Resolves "actor.port" or "actor.port[index]" to an endpoint of the right
 * direction that can take one more channel: a plain port none yet, a
 * bundle fewer than its max_wired. The endpoint's index is the one written,
 * or else the channel's place in the bundle in file order; a bundle takes
 * either kind, not both. The channel is channels[channel]. */
static int resolve(struct graph_ctx *c, struct port_use *u,
                   const struct endpoint_text *e, bool is_from, size_t channel,
                   struct graph_endpoint *out)
{
    struct graph_pos pos = pos_in(e, e->text);
    char *buf = malloc(e->len + 1), *dot, *bracket = NULL;
    const struct graph_actor *a;
    const struct steady_port_desc *pd;
    long actor;
    int port, rc = -1, mode;
    size_t slot;
    unsigned index = 0;

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
    bracket = strchr(dot + 1, '[');
    if (bracket) {
        if (bracket == dot + 1 || buf[e->len - 1] != ']') {
            graph_fail_pos(c, pos,
                           "expected 'actor.port' or 'actor.port[index]', "
                           "got '%.*s'",
                           (int)e->len, e->text);
            goto out_free_buf;
        }
        *bracket = '\0';
        buf[e->len - 1] = '\0';
    }
    actor = graph_find_actor(c, buf);
    if (actor < 0) {
        unknown_actor(c, pos, buf);
        goto out_free_buf;
    }
    a = &c->g->actors[actor];
    if (a->remote) {
        bool was_new;

        port = graph_remote_port(a->plugin, dot + 1, is_from, &was_new);
        if (port < 0) {
            graph_fail_pos(c, pos, "out of memory");
            goto out_free_buf;
        }
        if (!was_new && a->plugin->desc->ports[port].dir !=
                            (is_from ? STEADY_OUT : STEADY_IN)) {
            graph_fail_pos(c, pos,
                           "port '%s.%s' of an actor of node '%s' is used "
                           "both as an input and as an output",
                           a->name, dot + 1, a->node);
            goto out_free_buf;
        }
        if (!was_new)
            graph_remote_make_bundle(a->plugin, (size_t)port);
    } else {
        port = plugin_port_index(a->plugin->desc, dot + 1);
    }
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
    if (bracket && read_index(c, e, bracket + 1, e->text + (bracket + 1 - buf),
                              a, (size_t)port, &index) < 0)
        goto out_free_buf;
    slot = u->base[actor] + (size_t)port;
    mode = bracket ? INDEX_EXPLICIT : INDEX_IMPLICIT;
    if (u->channel[slot]) {
        const struct graph_channel *prev = first_on(c, u, slot);
        unsigned max = plugin_port_max_wired(a->plugin->desc, (size_t)port);

        if (!plugin_port_is_bundle(a->plugin->desc, (size_t)port)) {
            graph_fail_pos(c, pos,
                           "port '%s.%s' is already connected by the channel "
                           "at %d:%d",
                           a->name, pd->name, prev->pos.line, prev->pos.col);
            goto out_free_buf;
        }
        if (u->indexed[slot] != mode) {
            graph_fail_pos(c, pos,
                           "bundle '%s.%s' is wired %s an index by the "
                           "channel at %d:%d but %s one here; give every "
                           "channel of a bundle an index ('%s.%s[0]', "
                           "'%s.%s[1]', ...) or none",
                           a->name, pd->name, bracket ? "without" : "with",
                           prev->pos.line, prev->pos.col,
                           bracket ? "with" : "without", a->name, pd->name,
                           a->name, pd->name);
            goto out_free_buf;
        }
        if (max && u->count[slot] >= max) {
            graph_fail_pos(
                c, pos,
                "bundle '%s.%s' takes at most %u channel%s "
                "(max_wired of plugin '%s'); this would be its %u%s (the "
                "first is at %d:%d)",
                a->name, pd->name, max, max == 1 ? "" : "s",
                a->plugin->desc->name, u->count[slot] + 1,
                ordinal(u->count[slot] + 1), prev->pos.line, prev->pos.col);
            goto out_free_buf;
        }
    }
    u->indexed[slot] = (unsigned char)mode;
    if (bracket)
        u->refs[u->n_refs++] = (struct index_ref){
            .actor = (size_t)actor,
            .port = (size_t)port,
            .index = index,
            .channel = channel,
            .pos = pos_in(e, e->text + (bracket + 1 - buf)),
        };
    out->actor = (size_t)actor;
    out->port = (size_t)port;
    out->index = bracket ? index : u->count[slot];
    rc = 0;
out_free_buf:
    free(buf);
    return rc;
}

static int cmp_index_ref(const void *pa, const void *pb)
{
    const struct index_ref *a = pa, *b = pb;

    if (a->actor != b->actor)
        return a->actor < b->actor ? -1 : 1;
    if (a->port != b->port)
        return a->port < b->port ? -1 : 1;
    if (a->index != b->index)
        return a->index < b->index ? -1 : 1;
    return a->channel < b->channel ? -1 : a->channel > b->channel;
}

/* Once every channel is read: the explicit indices of each bundle are
 * unique and, over its n channels, run 0 to n-1 with no gap. Of several
 * faults the one on the earliest channel is told. */
static int check_indices(struct graph_ctx *c, struct port_use *u)
{
    const struct graph *g = c->g;
    const struct index_ref *bad = NULL, *taken = NULL;
    const struct graph_actor *a;
    const char *name;
    unsigned missing = 0, n;

    qsort(u->refs, u->n_refs, sizeof(*u->refs), cmp_index_ref);
    for (size_t i = 0, group = 0; i < u->n_refs; i++) {
        const struct index_ref *r = &u->refs[i];
        unsigned wired = u->count[u->base[r->actor] + r->port];
        bool same_port = i > group && r->actor == u->refs[group].actor &&
                         r->port == u->refs[group].port;

        if (!same_port)
            group = i;
        if (bad && bad->channel <= r->channel)
            continue;
        if (same_port && r->index == r[-1].index) {
            bad = r;
            taken = &r[-1];
        } else if (r->index >= wired) {
            /* the group holds n refs, at most n - 1 of them below n */
            bad = r;
            taken = NULL;
            missing = 0;
            for (size_t j = group; j < i && u->refs[j].index == missing; j++)
                missing++;
        }
    }
    if (!bad)
        return 0;
    a = &g->actors[bad->actor];
    name = a->plugin->desc->ports[bad->port].name;
    n = u->count[u->base[bad->actor] + bad->port];

    if (taken) {
        struct graph_pos at = g->channels[taken->channel].pos;

        return graph_fail_pos(c, bad->pos,
                              "index %u of bundle '%s.%s' is already taken "
                              "by the channel at %d:%d; its %u channels "
                              "take the indices 0 to %u, one each",
                              bad->index, a->name, name, at.line, at.col, n,
                              n - 1);
    }
    return graph_fail_pos(c, bad->pos,
                          "bundle '%s.%s' has %u channel%s, so its indices "
                          "run from 0 to %u; index %u leaves %u without a "
                          "channel",
                          a->name, name, n, n == 1 ? "" : "s", n - 1,
                          bad->index, missing);
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

int graph_read_overflow(struct graph_ctx *c, const yaml_node_t *n,
                        enum steady_overflow *out)
{
    size_t i;

    if (graph_read_word(c, n, "overflow policy", overflow_words,
                        sizeof(overflow_words) / sizeof(overflow_words[0]),
                        &i) < 0)
        return -1;
    *out = (enum steady_overflow)i;
    return 0;
}

/* "'u64' (8 bytes)" or "'text' (variable size)", for messages. */
static const char *type_text(const char *name, size_t size, char *buf,
                             size_t len)
{
    if (size == STEADY_VARSIZE)
        snprintf(buf, len, "'%s' (variable size)", name);
    else
        snprintf(buf, len, "'%s' (%zu bytes)", name, size);
    return buf;
}

/* "variable-size 'text' messages" or "'u64' items of 8 bytes" */
static const char *port_elems(const struct steady_port_desc *pd, char *buf,
                              size_t len)
{
    if (pd->elem_size == STEADY_VARSIZE)
        snprintf(buf, len, "variable-size '%s' messages", pd->type_name);
    else
        snprintf(buf, len, "'%s' items of %zu bytes", pd->type_name,
                 pd->elem_size);
    return buf;
}

static const struct steady_port_desc *port_desc(const struct graph *g,
                                                const struct graph_endpoint *e)
{
    return &g->actors[e->actor].plugin->desc->ports[e->port];
}

/* The ring fits in memory; `bytes` only on a variable-size channel. */
static int check_ring(struct graph_ctx *c, const struct graph_channel *ch,
                      const yaml_node_t *item, const yaml_node_t *cap_node)
{
    const yaml_node_t *bytes_node = item->type == YAML_MAPPING_NODE
                                        ? yaml_doc_get(&c->doc, item, "bytes")
                                        : NULL;

    if (ch->elem_size != STEADY_VARSIZE) {
        if (bytes_node)
            return graph_fail(
                c, bytes_node,
                "'bytes' bounds a variable-size channel, but this one "
                "carries '%s' items of %zu bytes; its size is capacity x "
                "item size",
                ch->type_name, ch->elem_size);
        if (ch->elem_size > GRAPH_MAX_RING_BYTES / ch->capacity)
            return graph_fail(
                c, cap_node ? cap_node : item,
                "capacity %zu of %zu-byte '%s' elements needs over 4 GiB%s",
                ch->capacity, ch->elem_size, ch->type_name,
                cap_node ? "" : " (capacity from defaults.channel)");
        return 0;
    }
    /* each message also has its place (16 bytes) in a ring of capacity */
    if (ch->capacity > (GRAPH_MAX_RING_BYTES - ch->bytes) / 16)
        return graph_fail(c, cap_node ? cap_node : item,
                          "capacity %zu of variable-size '%s' messages with "
                          "%zu bytes needs over 4 GiB%s",
                          ch->capacity, ch->type_name, ch->bytes,
                          cap_node ? "" : " (capacity from defaults.channel)");
    return 0;
}

/* Both ends of a channel between typed ports carry the same elements. */
static int check_types(struct graph_ctx *c, struct graph_channel *ch,
                       const yaml_node_t *item)
{
    const struct graph *g = c->g;
    const struct steady_port_desc *out = port_desc(g, &ch->from);
    const struct steady_port_desc *in = port_desc(g, &ch->to);
    char from[256], to[256], ft[300], tt[300];

    if ((out->elem_size == STEADY_VARSIZE) != (in->elem_size == STEADY_VARSIZE))
        return graph_fail(
            c, item,
            "%s sends %s but %s takes %s; a channel joins two variable-size "
            "ports or two fixed-size ones",
            graph_endpoint_name(g, &ch->from, from, sizeof(from)),
            port_elems(out, ft, sizeof(ft)),
            graph_endpoint_name(g, &ch->to, to, sizeof(to)),
            port_elems(in, tt, sizeof(tt)));
    if (strcmp(out->type_name, in->type_name) != 0 ||
        out->elem_size != in->elem_size)
        return graph_fail(
            c, item, "%s sends %s but %s takes %s",
            graph_endpoint_name(g, &ch->from, from, sizeof(from)),
            type_text(out->type_name, out->elem_size, ft, sizeof(ft)),
            graph_endpoint_name(g, &ch->to, to, sizeof(to)),
            type_text(in->type_name, in->elem_size, tt, sizeof(tt)));
    ch->type_name = out->type_name;
    ch->elem_size = out->elem_size;
    return 0;
}

/* Plugins built against channel layout 1 inline fast paths that do not
 * know a channel's mode: they may only take part in a plain channel. */
static int check_layouts(struct graph_ctx *c, const struct graph_channel *ch,
                         const yaml_node_t *item)
{
    const struct graph *g = c->g;
    const struct graph_endpoint *ends[2] = { &ch->from, &ch->to };
    const yaml_node_t *why_node = item->type == YAML_MAPPING_NODE
                                      ? yaml_doc_get(&c->doc, item, "overflow")
                                      : NULL;
    bool varsize = ch->elem_size == STEADY_VARSIZE;
    char name[256];

    if (!varsize && ch->overflow == STEADY_OVERFLOW_BLOCK)
        return 0;
    for (int i = 0; i < 2; i++) {
        const struct graph_actor *a = &g->actors[ends[i]->actor];

        if (a->plugin->channel_layout >= 2)
            continue;
        return graph_fail(
            c, why_node && !varsize ? why_node : item,
            "%s cannot use this channel: %s, but plugin '%s' (%s) was built "
            "against channel layout %u, whose inlined channel code does not "
            "know %s; rebuild the plugin against this SDK (channel layout "
            "%u)",
            graph_endpoint_name(g, ends[i], name, sizeof(name)),
            varsize ? "it carries variable-size messages"
                    : "it drops items when full",
            a->plugin->desc->name, a->plugin->path,
            (unsigned)a->plugin->channel_layout,
            varsize ? "them" : "overflow policies",
            (unsigned)STEADY_CHANNEL_LAYOUT);
    }
    return 0;
}

/* A stand-in's port takes the type of the channel's other end, so that the
 * checks below see the type the local end declares (a channel between two
 * remote actors is given a placeholder type: it is not run here). */
static void type_remote_ends(const struct graph *g,
                             const struct graph_channel *ch)
{
    const struct graph_actor *from = &g->actors[ch->from.actor];
    const struct graph_actor *to = &g->actors[ch->to.actor];

    if (from->remote)
        graph_remote_type(from->plugin, ch->from.port,
                          to->remote ? NULL : port_desc(g, &ch->to));
    if (to->remote)
        graph_remote_type(to->plugin, ch->to.port,
                          from->remote ? NULL : port_desc(g, &ch->from));
}

/* Reads one channel; cap_node gets its capacity node (NULL: from the
 * defaults). A channel with an any-typed end is typed and checked later,
 * once every channel is read. */
static int load_channel(struct graph_ctx *c, struct port_use *u, size_t index,
                        yaml_node_t *item, const yaml_node_t **cap_node)
{
    struct graph_channel *ch = &c->g->channels[index];
    struct endpoint_text from, to;
    yaml_node_t *v;
    size_t slot;
    int64_t x;
    bool is_map = item->type == YAML_MAPPING_NODE;

    *cap_node = NULL;
    ch->pos = graph_pos_of(item);
    ch->capacity = (size_t)c->def_capacity;
    ch->bytes = (size_t)c->def_bytes;
    ch->overflow = c->def_overflow;
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
    if (resolve(c, u, &from, true, index, &ch->from) < 0)
        return -1;
    slot = u->base[ch->from.actor] + ch->from.port;
    if (!u->channel[slot])
        u->channel[slot] = index + 1;
    u->count[slot]++;
    if (resolve(c, u, &to, false, index, &ch->to) < 0)
        return -1;
    slot = u->base[ch->to.actor] + ch->to.port;
    if (!u->channel[slot])
        u->channel[slot] = index + 1;
    u->count[slot]++;

    if (is_map && (v = yaml_doc_get(&c->doc, item, "capacity"))) {
        if (graph_read_int(c, v, "capacity", 1, GRAPH_MAX_CAPACITY, &x) < 0)
            return -1;
        ch->capacity = (size_t)x;
        *cap_node = v;
    }
    if (is_map && (v = yaml_doc_get(&c->doc, item, "bytes"))) {
        if (graph_read_int(c, v, "bytes", 1, GRAPH_MAX_BYTES, &x) < 0)
            return -1;
        ch->bytes = (size_t)x;
    }
    if (is_map && (v = yaml_doc_get(&c->doc, item, "overflow")) &&
        graph_read_overflow(c, v, &ch->overflow) < 0)
        return -1;
    if (is_map && (v = yaml_doc_get(&c->doc, item, "durable"))) {
        const char *s = graph_expect_text(c, v, "'durable'");
        if (!s)
            return -1;
        if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
            return graph_fail(c, v, "'durable' takes true or false, got '%s'",
                              s);
        ch->durable = strcmp(s, "true") == 0;
    }
    type_remote_ends(c->g, ch);
    if (!plugin_port_is_any(port_desc(c->g, &ch->from)) &&
        !plugin_port_is_any(port_desc(c->g, &ch->to)) &&
        (check_types(c, ch, item) < 0 ||
         check_ring(c, ch, item, *cap_node) < 0 ||
         check_layouts(c, ch, item) < 0))
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

/* ---- any-typed ports --------------------------------------------------
 * Every any-typed port of an actor carries one type: the actor has one
 * type variable. A channel with an any-typed end ties that variable to the
 * other end: to its declared type, or, when that end is any-typed too, to
 * the other actor's variable. Propagating types along the ties until
 * nothing changes is the same as grouping the variables the ties join
 * (union-find, so a long chain costs no more than a short one) and giving
 * each group the first declared type that reaches it in file order; a
 * different one reaching it later is a conflict, and a group that none
 * reaches cannot be resolved. */

struct type_var {
    size_t parent; /* union-find; the root holds the type */
    const char *type;
    size_t size;
    size_t via;          /* the channel the type came through */
    bool source_is_from; /* which end of `via` declared it */
};

static size_t var_root(struct type_var *v, size_t i)
{
    size_t root = i;

    while (v[root].parent != root)
        root = v[root].parent;
    while (v[i].parent != root) { /* path compression */
        size_t next = v[i].parent;
        v[i].parent = root;
        i = next;
    }
    return root;
}

/* A declared type reaches the variable of the any-typed end of channel
 * `index` (the other end, `from` or not, declared it). */
static int var_assign(struct graph_ctx *c, struct type_var *v, size_t index,
                      bool source_is_from)
{
    const struct graph *g = c->g;
    const struct graph_channel *ch = &g->channels[index];
    const struct graph_endpoint *src = source_is_from ? &ch->from : &ch->to;
    const struct graph_endpoint *dst = source_is_from ? &ch->to : &ch->from;
    const struct steady_port_desc *pd = port_desc(g, src);
    struct type_var *r = &v[var_root(v, dst->actor)];
    char here[256], there[256], ht[300], tt[300];
    const struct graph_channel *prev;

    if (!r->type) {
        r->type = pd->type_name;
        r->size = pd->elem_size;
        r->via = index;
        r->source_is_from = source_is_from;
        return 0;
    }
    if (strcmp(r->type, pd->type_name) == 0 && r->size == pd->elem_size)
        return 0;
    prev = &g->channels[r->via];
    return graph_fail_pos(
        c, ch->pos,
        "conflicting types for the any-typed ports of actor '%s': %s %s %s "
        "here, but %s %s %s (channel at %d:%d); an actor's any-typed ports, "
        "and those of the any-typed actors chained to them, carry one type",
        g->actors[dst->actor].name,
        graph_endpoint_name(g, src, here, sizeof(here)),
        source_is_from ? "sends" : "takes",
        type_text(pd->type_name, pd->elem_size, ht, sizeof(ht)),
        graph_endpoint_name(g, r->source_is_from ? &prev->from : &prev->to,
                            there, sizeof(there)),
        r->source_is_from ? "sends" : "takes",
        type_text(r->type, r->size, tt, sizeof(tt)), prev->pos.line,
        prev->pos.col);
}

static int resolve_types(struct graph_ctx *c, const yaml_node_t **cap_nodes,
                         const yaml_node_t *const *items)
{
    struct graph *g = c->g;
    struct type_var *v = calloc(g->n_actors + 1, sizeof(*v));
    char from[256], to[256];
    int rc = -1;

    if (!v)
        return graph_fail_pos(c, (struct graph_pos){ 1, 1 }, "out of memory");
    for (size_t i = 0; i < g->n_actors; i++)
        v[i].parent = i;
    for (size_t i = 0; i < g->n_channels; i++) {
        const struct graph_channel *ch = &g->channels[i];

        if (plugin_port_is_any(port_desc(g, &ch->from)) &&
            plugin_port_is_any(port_desc(g, &ch->to)))
            v[var_root(v, ch->from.actor)].parent = var_root(v, ch->to.actor);
    }
    for (size_t i = 0; i < g->n_channels; i++) {
        const struct graph_channel *ch = &g->channels[i];
        bool from_any = plugin_port_is_any(port_desc(g, &ch->from));
        bool to_any = plugin_port_is_any(port_desc(g, &ch->to));

        if (from_any != to_any && var_assign(c, v, i, to_any) < 0)
            goto out_free;
    }
    for (size_t i = 0; i < g->n_channels; i++) {
        struct graph_channel *ch = &g->channels[i];
        const struct type_var *r;

        if (!plugin_port_is_any(port_desc(g, &ch->from)) &&
            !plugin_port_is_any(port_desc(g, &ch->to)))
            continue; /* typed and checked as it was read */
        r = &v[var_root(v, plugin_port_is_any(port_desc(g, &ch->from))
                               ? ch->from.actor
                               : ch->to.actor)];
        if (!r->type) {
            graph_fail_pos(
                c, ch->pos,
                "the type of %s -> %s cannot be resolved: both ends are "
                "any-typed ('" STEADY_TYPE_ANY "') and no typed port reaches "
                "them; wire a typed port to '%s' or '%s' (or to an any-typed "
                "actor chained to them)",
                graph_endpoint_name(g, &ch->from, from, sizeof(from)),
                graph_endpoint_name(g, &ch->to, to, sizeof(to)),
                g->actors[ch->from.actor].name, g->actors[ch->to.actor].name);
            goto out_free;
        }
        ch->type_name = r->type;
        ch->elem_size = r->size;
        if (check_ring(c, ch, items[i], cap_nodes[i]) < 0 ||
            check_layouts(c, ch, items[i]) < 0)
            goto out_free;
    }
    for (size_t i = 0; i < g->n_actors; i++) {
        const struct type_var *r = &v[var_root(v, i)];

        g->actors[i].any_type = r->type;
        g->actors[i].any_size = r->size;
    }
    rc = 0;
out_free:
    free(v);
    return rc;
}

static int check_required(struct graph_ctx *c, const struct port_use *u)
{
    const struct graph *g = c->g;

    for (size_t i = 0; i < g->n_actors; i++) {
        const struct graph_actor *a = &g->actors[i];
        const struct steady_plugin *desc = a->plugin->desc;

        for (size_t p = 0; p < desc->n_ports; p++) {
            const struct steady_port_desc *pd = &desc->ports[p];
            bool bundle = plugin_port_is_bundle(desc, p);

            if (pd->required && !u->count[u->base[i] + p])
                return graph_fail_pos(
                    c, a->pos,
                    "actor '%s' leaves its required %s%s '%s' ('%s') "
                    "unconnected%s",
                    a->name, pd->dir == STEADY_IN ? "input" : "output",
                    bundle ? " bundle" : "", pd->name, pd->type_name,
                    bundle ? "; wire at least one channel to it" : "");
        }
    }
    return 0;
}

int graph_load_channels(struct graph_ctx *c, yaml_node_t *n)
{
    struct graph *g = c->g;
    const yaml_node_t *at = n ? n : yaml_doc_root(&c->doc);
    const yaml_node_t **cap_nodes = NULL, **items = NULL;
    struct port_use u = { 0 };
    size_t len = 0;
    int rc = -1;

    if (n && !yaml_doc_is_null(n)) {
        if (n->type != YAML_SEQUENCE_NODE) {
            graph_fail(c, n, "'channels' must be a list, got a %s",
                       yaml_doc_kind(n));
            u = (struct port_use){ 0 };
            goto out_fini_use;
        }
        len = yaml_doc_len(n);
    }
    if (port_use_init(c, &u, len, at) < 0)
        goto out_fini_use;
    g->channels = calloc(len + 1, sizeof(*g->channels));
    cap_nodes = calloc(len + 1, sizeof(*cap_nodes));
    items = calloc(len + 1, sizeof(*items));
    if (!g->channels || !cap_nodes || !items) {
        graph_fail(c, at, "out of memory");
        goto out_fini_use;
    }
    for (size_t i = 0; i < len; i++) {
        yaml_node_t *item = yaml_doc_item(&c->doc, n, i);

        g->n_channels = i + 1;
        items[i] = item;
        if (load_channel(c, &u, i, item, &cap_nodes[i]) < 0)
            goto out_fini_use;
    }
    if (check_indices(c, &u) < 0 || resolve_types(c, cap_nodes, items) < 0)
        goto out_fini_use;
    rc = check_required(c, &u);
out_fini_use:
    free(cap_nodes);
    free(items);
    port_use_fini(&u);
    return rc;
}
