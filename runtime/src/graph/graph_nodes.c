/* graph_nodes.c - graphs spread over nodes: the checks of `node:` and
 * `nats:` once a file is loaded, and graph_split, which turns the graph a
 * node loaded into the graph it runs: its own actors, and for each channel
 * that leaves or enters the node (or is durable) a nats_publish or
 * nats_subscribe actor that carries it through JetStream.
 */
#include "graph_nodes.h"

#include "graph_impl.h"
#include "graph_remote.h"
#include "port_info.h"
#include "suggest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- checks at load ---------------------------------------------------- */

static const char *node_of(const struct graph_actor *a)
{
    return a->node ? a->node : "";
}

bool graph_channel_crosses(const struct graph *g,
                           const struct graph_channel *ch)
{
    return strcmp(node_of(&g->actors[ch->from.actor]),
                  node_of(&g->actors[ch->to.actor])) != 0;
}

static int check_selected(struct graph_ctx *c)
{
    const struct graph *g = c->g;
    const char *node = c->opt->node, *near;
    struct graph_pos at = c->first_node_pos;
    char list[512];

    if (!node)
        return 0;
    if (at.line == 0)
        at = (struct graph_pos){ 1, 1 };
    if (g->n_nodes == 0)
        return graph_fail_pos(c, at,
                              "--node '%s': this graph names no nodes (no "
                              "actor says 'node:'); run it without --node",
                              node);
    for (size_t i = 0; i < g->n_nodes; i++)
        if (strcmp(g->nodes[i], node) == 0)
            return 0;
    graph_join_names(list, sizeof(list), (const char *const *)g->nodes,
                     g->n_nodes);
    near = suggest_closest(node, (const char *const *)g->nodes, g->n_nodes);
    if (near)
        return graph_fail_pos(c, at,
                              "--node '%s': no actor is on that node; did you "
                              "mean '%s'? (the graph's nodes are %s)",
                              node, near, list);
    return graph_fail_pos(c, at,
                          "--node '%s': no actor is on that node; the "
                          "graph's nodes are %s",
                          node, list);
}

int graph_check_nodes(struct graph_ctx *c)
{
    const struct graph *g = c->g;
    char from[256], to[256];

    for (size_t i = 0; g->n_nodes && i < g->n_actors; i++) {
        const struct graph_actor *a = &g->actors[i];

        if (!a->node)
            return graph_fail_pos(
                c, a->pos,
                "actor '%s' says no 'node:', but actor '%s' runs on node "
                "'%s' (at %d:%d); in a graph of nodes every actor says which "
                "node runs it",
                a->name, c->first_node_actor, g->nodes[0],
                c->first_node_pos.line, c->first_node_pos.col);
        /* A troupe is one thread: it cannot span processes. */
        for (size_t j = 0; a->troupe && j < i; j++) {
            const struct graph_actor *b = &g->actors[j];

            if (b->troupe && strcmp(a->troupe, b->troupe) == 0 &&
                strcmp(a->node, b->node) != 0)
                return graph_fail_pos(
                    c, a->pos,
                    "actor '%s' is on node '%s' but its troupe '%s' has "
                    "actor '%s' on node '%s'; a troupe is one thread of one "
                    "node",
                    a->name, a->node, a->troupe, b->name, b->node);
        }
    }
    if (check_selected(c) < 0)
        return -1;
    if (g->nats.url) {
        char why[512];

        if (graph_nats_url_check(g->nats.url, why, sizeof(why)) < 0) {
            if (c->opt->nats_url)
                return graph_fail_pos(c, g->nats.pos, "--nats: %s", why);
            return graph_fail_pos(c, g->nats.pos, "nats.url: %s", why);
        }
    }
    for (size_t i = 0; i < g->n_channels; i++) {
        const struct graph_channel *ch = &g->channels[i];
        bool crosses = graph_channel_crosses(g, ch);

        if ((!crosses && !ch->durable) || g->nats.url)
            continue;
        graph_endpoint_name(g, &ch->from, from, sizeof(from));
        graph_endpoint_name(g, &ch->to, to, sizeof(to));
        if (crosses)
            return graph_fail_pos(
                c, ch->pos,
                "channel %s -> %s goes from node '%s' to node '%s', which "
                "takes a NATS server: give its address in the graph (nats: "
                "{ url: nats://HOST:4222 }) or with --nats URL",
                from, to, g->actors[ch->from.actor].node,
                g->actors[ch->to.actor].node);
        return graph_fail_pos(
            c, ch->pos,
            "channel %s -> %s is durable, which takes a NATS server with "
            "JetStream: give its address in the graph (nats: { url: "
            "nats://HOST:4222 }) or with --nats URL",
            from, to);
    }
    return 0;
}

/* ---- names ------------------------------------------------------------- */

/* Copies s with every character NATS treats specially in a subject token
 * or a stream name ('.', '*', '>', spaces, ...) replaced by '_'. */
static void token(char *out, size_t len, const char *s)
{
    size_t i = 0;

    for (; s[i] && i + 1 < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
        out[i] = ok ? (char)ch : '_';
    }
    if (len)
        out[i] = '\0';
}

/* A producer port's channels are numbered when it has several, however
 * its plugin declares it, so that every node names them alike (a node
 * sees another node's actor through a stand-in). */
static bool port_is_shared(const struct graph *g,
                           const struct graph_channel *ch)
{
    for (size_t i = 0; i < g->n_channels; i++) {
        const struct graph_channel *o = &g->channels[i];

        if (o != ch && o->from.actor == ch->from.actor &&
            o->from.port == ch->from.port)
            return true;
    }
    return false;
}

int graph_link_names(const struct graph *g, const struct graph_channel *ch,
                     struct graph_link_names *out)
{
    const struct graph_actor *a = &g->actors[ch->from.actor];
    const char *port = a->plugin->desc->ports[ch->from.port].name;
    char gname[128], key[300], idx[16] = "";
    int n;

    token(gname, sizeof(gname), g->name);
    if (port_is_shared(g, ch))
        snprintf(idx, sizeof(idx), "-%u", ch->from.index);
    n = snprintf(key, sizeof(key), "%s-%s%s", a->name, port, idx);
    if (n < 0 || (size_t)n >= sizeof(key))
        return -1;
    /* actor names are letters, digits, '_' and '-': valid in every field */
    n = snprintf(out->publisher, sizeof(out->publisher), "nats_pub-%s", key);
    if (n < 0 || (size_t)n >= sizeof(out->publisher))
        return -1;
    n = snprintf(out->subscriber, sizeof(out->subscriber), "nats_sub-%s", key);
    if (n < 0 || (size_t)n >= sizeof(out->subscriber))
        return -1;
    n = snprintf(out->subject, sizeof(out->subject), "steady.%s.%s.%s%s%s",
                 gname, a->name, port, *idx ? "." : "", *idx ? idx + 1 : "");
    if (n < 0 || (size_t)n >= sizeof(out->subject))
        return -1;
    n = snprintf(out->stream, sizeof(out->stream), "steady_%s_%s", gname, key);
    if (n < 0 || (size_t)n >= sizeof(out->stream))
        return -1;
    n = snprintf(out->control, sizeof(out->control), "steady.%s.control",
                 gname);
    if (n < 0 || (size_t)n >= sizeof(out->control))
        return -1;
    /* gname is a token: a valid stream name, as the link streams' */
    n = snprintf(out->control_stream, sizeof(out->control_stream),
                 "steady_%s_control", gname);
    if (n < 0 || (size_t)n >= sizeof(out->control_stream))
        return -1;
    return 0;
}

/* ---- the split --------------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *fmt, ...)
    STEADY_PRINTF(3, 4);
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* name = value pairs the split gives a bridge; NULL values are left to the
 * plugin's defaults. */
struct bridge_param {
    const char *name;
    const char *value;
};

/* The port of a bridge plugin the channel joins: any-typed, of direction
 * dir. -1 with err set otherwise. */
static int bridge_port(const struct loaded_plugin *p, const char *name,
                       enum steady_port_dir dir, char *err, size_t errlen)
{
    int i = plugin_port_index(p->desc, name);

    if (i < 0 || p->desc->ports[i].dir != dir ||
        !plugin_port_is_any(&p->desc->ports[i]))
        return fail(err, errlen,
                    "plugin '%s' (%s) has no any-typed %s '%s', which steady "
                    "wires to carry a channel over NATS",
                    p->desc->name, p->path,
                    dir == STEADY_IN ? "input" : "output", name);
    return i;
}

static int bridge_params(struct graph_actor *a, const struct bridge_param *bp,
                         size_t n, char *err, size_t errlen)
{
    const struct steady_plugin *desc = a->plugin->desc;

    a->params = calloc(desc->n_params + 1, sizeof(*a->params));
    if (!a->params)
        return fail(err, errlen, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (bp[i].value && plugin_param_index(desc, bp[i].name) < 0)
            return fail(err, errlen,
                        "plugin '%s' (%s) has no param '%s', which steady "
                        "sets to carry a channel over NATS; install the "
                        "plugin of this steady version",
                        desc->name, a->plugin->path, bp[i].name);
    for (size_t i = 0; i < desc->n_params; i++) {
        const struct steady_param_desc *pd = &desc->params[i];
        const char *text = pd->default_value;

        for (size_t j = 0; j < n; j++)
            if (bp[j].value && strcmp(bp[j].name, pd->name) == 0)
                text = bp[j].value;
        if (!text)
            return fail(err, errlen,
                        "plugin '%s' (%s) needs param '%s', which steady does "
                        "not know how to set",
                        desc->name, a->plugin->path, pd->name);
        if (param_parse(pd->type, text, &a->params[i]) < 0)
            return fail(err, errlen,
                        "plugin '%s' (%s): param '%s' takes %s, and steady "
                        "would give it '%s'",
                        desc->name, a->plugin->path, pd->name,
                        param_type_hint(pd->type), text);
    }
    return 0;
}

/* The state of one graph_split. */
struct split {
    struct graph *g;
    struct graph_actor *actors; /* the node's, then the bridges */
    size_t n_actors;
    struct graph_channel *channels;
    size_t n_channels;
    size_t *remap; /* old actor index -> new, SIZE_MAX for a remote one */
    const struct loaded_plugin *pub, *sub;
    int pub_in, sub_out;
};

static bool name_taken(const struct split *s, const char *name)
{
    for (size_t i = 0; i < s->g->n_actors; i++)
        if (strcmp(s->g->actors[i].name, name) == 0)
            return true;
    for (size_t i = 0; i < s->n_actors; i++)
        if (strcmp(s->actors[i].name, name) == 0)
            return true;
    return false;
}

/* Appends a bridge actor for channel ch (publisher or subscriber side)
 * and returns its new index, or -1 with err set. */
static long add_bridge(struct split *s, const struct graph_channel *ch,
                       bool publisher, const struct graph_link_names *nm,
                       char *err, size_t errlen)
{
    const struct graph *g = s->g;
    const struct graph_actor *served =
        &g->actors[publisher ? ch->from.actor : ch->to.actor];
    const char *name = publisher ? nm->publisher : nm->subscriber;
    struct graph_actor *a = &s->actors[s->n_actors];
    char max_msgs[32];
    char from[256], to[256];

    snprintf(max_msgs, sizeof(max_msgs), "%zu", ch->capacity);
    if (name_taken(s, name))
        return fail(err, errlen,
                    "%s:%d:%d: the actor that carries channel %s -> %s over "
                    "NATS is called '%s', but the graph has an actor of that "
                    "name; rename it",
                    g->file, ch->pos.line, ch->pos.col,
                    graph_endpoint_name(g, &ch->from, from, sizeof(from)),
                    graph_endpoint_name(g, &ch->to, to, sizeof(to)), name);
    memset(a, 0, sizeof(*a));
    s->n_actors++;
    a->name = strdup(name);
    a->node = served->node ? strdup(served->node) : NULL;
    if (!a->name || (served->node && !a->node))
        return fail(err, errlen, "out of memory");
    a->pos = ch->pos;
    a->plugin = publisher ? s->pub : s->sub;
    a->cpu = -1;
    a->restart =
        (struct restart_policy){ RESTART_DEFAULT_MAX, RESTART_DEFAULT_WITHIN_S,
                                 RESTART_DEFAULT_BACKOFF };
    {
        const struct graph_endpoint *far = publisher ? &ch->to : &ch->from;
        const struct graph_actor *fa = &g->actors[far->actor];
        char peer[600];

        graph_endpoint_name(g, far, from, sizeof(from));
        if (fa->node && (!served->node || strcmp(fa->node, served->node)))
            snprintf(peer, sizeof(peer), "%s on node %s", from, fa->node);
        else
            snprintf(peer, sizeof(peer), "%s (durable)", from);
        if (!(a->peer = strdup(peer)))
            return fail(err, errlen, "out of memory");
    }
    a->any_type = ch->type_name;
    a->any_size = ch->elem_size;
    a->bridge = true;
    {
        const struct bridge_param bp[] = {
            { "url", g->nats.url },
            { "subject", nm->subject },
            { "jetstream", "true" },
            { "stream", nm->stream },
            /* whichever side starts first makes the stream (the same
             * settings from both ends are one stream), bounded like the
             * channel: in flight over the link is its capacity */
            { "create_stream", "true" },
            { "max_msgs", max_msgs },
            { "msg_id", publisher ? "true" : NULL },
            { "durable", publisher ? NULL : nm->stream },
            { "eos", "true" },
            { "control", nm->control },
            /* notices kept in a stream, each bridge reading it through
             * a durable consumer named after itself: a node that is
             * down when shutdown is announced hears it when it is back */
            { "control_stream", nm->control_stream },
            /* always said, "" for none: the plugin's own defaults are
             * not relied on for files to open */
            { "creds", g->nats.creds ? g->nats.creds : "" },
            { "tls_ca", g->nats.tls_ca ? g->nats.tls_ca : "" },
            { "tls_cert", g->nats.tls_cert ? g->nats.tls_cert : "" },
            { "tls_key", g->nats.tls_key ? g->nats.tls_key : "" },
        };
        if (bridge_params(a, bp, sizeof(bp) / sizeof(bp[0]), err, errlen) < 0)
            return -1;
    }
    return (long)(s->n_actors - 1);
}

/* A copy of ch's settings (capacity, alerts, ...) for one of its halves. */
static int half(struct split *s, const struct graph_channel *ch,
                struct graph_endpoint from, struct graph_endpoint to, char *err,
                size_t errlen)
{
    struct graph_channel *c = &s->channels[s->n_channels];

    *c = *ch;
    c->alerts = NULL;
    c->n_alerts = 0;
    c->from = from;
    c->to = to;
    c->durable = false;
    s->n_channels++;
    if (graph_copy_alerts(ch->alerts, ch->n_alerts, &c->alerts, &c->n_alerts) <
        0)
        return fail(err, errlen, "out of memory");
    return 0;
}

static const struct loaded_plugin *open_bridge(struct plugin_registry *reg,
                                               const char *ref, char *err,
                                               size_t errlen)
{
    char why[1024];
    const struct loaded_plugin *p =
        plugin_registry_get(reg, ref, why, sizeof(why));

    if (!p)
        fail(err, errlen,
             "cannot open plugin '%s', which carries channels over NATS: %s",
             ref, why);
    return p;
}

static void free_actor(struct graph_actor *a)
{
    for (size_t j = 0; a->params && j < a->plugin->desc->n_params; j++)
        param_value_free(a->plugin->desc->params[j].type, &a->params[j]);
    free(a->params);
    free(a->name);
    free(a->troupe);
    free(a->alerts);
    free(a->node);
    free(a->peer);
}

static int split_channels(struct split *s, struct plugin_registry *reg,
                          const struct graph_bridges *br, char *err,
                          size_t errlen)
{
    struct graph *g = s->g;

    for (size_t i = 0; i < g->n_channels; i++) {
        const struct graph_channel *ch = &g->channels[i];
        size_t from = s->remap[ch->from.actor], to = s->remap[ch->to.actor];
        struct graph_link_names nm;
        long b;

        if (from == SIZE_MAX && to == SIZE_MAX)
            continue; /* between two other nodes */
        if (from != SIZE_MAX && to != SIZE_MAX && !ch->durable &&
            !graph_channel_crosses(g, ch)) {
            struct graph_endpoint f = ch->from, t = ch->to;
            f.actor = from;
            t.actor = to;
            if (half(s, ch, f, t, err, errlen) < 0)
                return -1;
            continue;
        }
        if (graph_link_names(g, ch, &nm) < 0)
            return fail(err, errlen,
                        "%s:%d:%d: the names of this channel's NATS subject "
                        "and stream are too long",
                        g->file, ch->pos.line, ch->pos.col);
        if (!s->pub &&
            (!(s->pub = open_bridge(reg, br->publish, err, errlen)) ||
             (s->pub_in = bridge_port(s->pub, "in", STEADY_IN, err, errlen)) <
                 0))
            return -1;
        if (!s->sub &&
            (!(s->sub = open_bridge(reg, br->subscribe, err, errlen)) ||
             (s->sub_out =
                  bridge_port(s->sub, "out", STEADY_OUT, err, errlen)) < 0))
            return -1;
        if (from != SIZE_MAX) {
            struct graph_endpoint f = ch->from, t = { 0, 0, 0 };
            if ((b = add_bridge(s, ch, true, &nm, err, errlen)) < 0)
                return -1;
            f.actor = from;
            t.actor = (size_t)b;
            t.port = (size_t)s->pub_in;
            if (half(s, ch, f, t, err, errlen) < 0)
                return -1;
        }
        if (to != SIZE_MAX) {
            struct graph_endpoint f = { 0, 0, 0 }, t = ch->to;
            if ((b = add_bridge(s, ch, false, &nm, err, errlen)) < 0)
                return -1;
            f.actor = (size_t)b;
            f.port = (size_t)s->sub_out;
            t.actor = to;
            if (half(s, ch, f, t, err, errlen) < 0)
                return -1;
        }
    }
    return 0;
}

int graph_split(struct graph *g, struct plugin_registry *reg,
                const struct graph_bridges *br, char *err, size_t errlen)
{
    static const struct graph_bridges stock = { "nats_publish",
                                                "nats_subscribe" };
    struct split s = { .g = g };
    bool any = false;
    int rc = -1;

    if (!br)
        br = &stock;
    for (size_t i = 0; i < g->n_channels; i++)
        any |=
            g->channels[i].durable || graph_channel_crosses(g, &g->channels[i]);
    if (!any && !g->node)
        return 0; /* a graph of one process, as ever */
    /* at most two bridges and two halves per channel */
    s.actors = calloc(g->n_actors + 2 * g->n_channels + 1, sizeof(*s.actors));
    s.channels = calloc(2 * g->n_channels + 1, sizeof(*s.channels));
    s.remap = calloc(g->n_actors + 1, sizeof(*s.remap));
    if (!s.actors || !s.channels || !s.remap) {
        fail(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < g->n_actors; i++) {
        s.remap[i] = SIZE_MAX;
        if (g->actors[i].remote)
            continue;
        s.remap[i] = s.n_actors;
        s.actors[s.n_actors++] = g->actors[i];
    }
    {
        size_t locals = s.n_actors;

        if (split_channels(&s, reg, br, err, errlen) < 0) {
            /* the node's actors still belong to g */
            for (size_t i = locals; i < s.n_actors; i++)
                free_actor(&s.actors[i]);
            for (size_t i = 0; i < s.n_channels; i++)
                free(s.channels[i].alerts);
            goto out;
        }
    }
    for (size_t i = 0; i < g->n_actors; i++)
        if (g->actors[i].remote)
            free_actor(&g->actors[i]);
    for (size_t i = 0; i < g->n_channels; i++)
        free(g->channels[i].alerts);
    free(g->actors);
    free(g->channels);
    g->actors = s.actors;
    g->n_actors = s.n_actors;
    g->channels = s.channels;
    g->n_channels = s.n_channels;
    s.actors = NULL;
    s.channels = NULL;
    rc = 0;
out:
    free(s.actors);
    free(s.channels);
    free(s.remap);
    return rc;
}

/* ---- the NATS address -------------------------------------------------- */

/* One server of a URL list: [nats|tls|ws|wss://][user[:pass]@]host[:port]. */
static int check_one_url(const char *s, size_t len, char *why, size_t wlen)
{
    static const char *const schemes[] = { "nats://", "tls://", "ws://",
                                           "wss://" };
    const char *end = s + len, *host, *colon, *at;
    size_t k;

    for (k = 0; k < sizeof(schemes) / sizeof(schemes[0]); k++)
        if ((size_t)(end - s) >= strlen(schemes[k]) &&
            strncmp(s, schemes[k], strlen(schemes[k])) == 0)
            break;
    if (k < sizeof(schemes) / sizeof(schemes[0]))
        s += strlen(schemes[k]);
    else if (memmem(s, len, "://", 3))
        return fail(why, wlen,
                    "'%.*s' has an unknown scheme; NATS takes nats://, tls://, "
                    "ws:// or wss://",
                    (int)len, s);
    at = memchr(s, '@', (size_t)(end - s));
    host = at ? at + 1 : s;
    colon = memchr(host, ':', (size_t)(end - host));
    if (host == (colon ? colon : end))
        return fail(why, wlen, "'%.*s' names no host", (int)len, s);
    if (colon) {
        long port = 0;
        const char *p = colon + 1;

        if (p == end)
            return fail(why, wlen, "'%.*s' has an empty port", (int)len, s);
        for (; p < end; p++) {
            if (*p < '0' || *p > '9' || port > 65535)
                break;
            port = port * 10 + (*p - '0');
        }
        if (p != end || port < 1 || port > 65535)
            return fail(why, wlen,
                        "'%.*s': the port must be a number from 1 to 65535",
                        (int)len, s);
    }
    for (const char *p = host; p < (colon ? colon : end); p++)
        if (*p == '/' || *p == ' ')
            return fail(why, wlen, "'%.*s' is not HOST[:PORT]", (int)len, s);
    return 0;
}

int graph_nats_url_check(const char *url, char *why, size_t len)
{
    const char *s = url;

    if (!*url)
        return fail(why, len, "the URL is empty");
    for (;;) {
        size_t n = strcspn(s, ",");

        if (check_one_url(s, n, why, len) < 0)
            return -1;
        if (!s[n])
            return 0;
        s += n + 1;
    }
}
