/* graph.c - loads a graph file into a checked struct graph: the top-level
 * sections, args and their command-line overrides, telemetry, defaults and
 * actors with typed params. Channels and port checks are in graph_channels.c,
 * the shared readers (errors, keys, numbers, alerts) in graph_read.c.
 */
#include "graph.h"

#include "graph_impl.h"
#include "graph_remote.h"
#include "listen.h"
#include "param.h"
#include "port_info.h"
#include "suggest.h"

#include <search.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const top_keys[] = {
    "graph",    "args",      "telemetry", "defaults",     "actors",
    "channels", "state_dir", "nats",      "checkpoint_ms"
};
static const char *const nats_keys[] = { "url", "creds", "tls" };
static const char *const tls_keys[] = { "ca", "cert", "key" };
static const char *const telemetry_keys[] = { "listen", "frame_ms", "window_s",
                                              "history_s", "history_step_ms" };
static const char *const defaults_keys[] = { "channel", "actor",
                                             "shutdown_timeout_ms" };
static const char *const def_channel_keys[] = { "capacity", "percentile",
                                                "alerts",   "bytes",
                                                "overflow", "stats" };
static const char *const def_actor_keys[] = { "alerts", "restart", "stack_kib",
                                              "stats" };
static const char *const actor_keys[] = { "plugin",    "troupe", "cpu",
                                          "params",    "alerts", "restart",
                                          "stack_kib", "stats",  "node" };
static const char *const restart_keys[] = { "max", "within_s", "backoff_ms" };

/* ---- number keys, as tables ------------------------------------------
 * A section's whole-number keys are rows (name, range, where the value
 * goes), read by one function, in the way nginx's command tables and Fluent
 * Bit's config maps describe theirs: adding a key is adding a row. */

enum num_width { NUM_INT, NUM_UNSIGNED, NUM_INT64 };

struct num_key {
    const char *name; /* the YAML key */
    const char *what; /* how messages name it */
    int64_t min, max;
    size_t offset; /* where in the section's struct the value goes */
    enum num_width width;
};

#define NUM(key, what, min, max, type, field, width)      \
    {                                                     \
        key, what, min, max, offsetof(type, field), width \
    }

static const struct num_key telemetry_nums[] = {
    NUM("frame_ms", "frame_ms", 1, 10000, struct graph_telemetry, frame_ms,
        NUM_INT),
    NUM("window_s", "window_s", 1, 3600, struct graph_telemetry, window_s,
        NUM_INT),
    NUM("history_s", "history_s", 0, 86400, struct graph_telemetry, history_s,
        NUM_INT),
    NUM("history_step_ms", "history_step_ms", 1, 3600000,
        struct graph_telemetry, history_step_ms, NUM_INT),
};

static const struct num_key channel_default_nums[] = {
    NUM("capacity", "capacity", 1, GRAPH_MAX_CAPACITY, struct graph_ctx,
        def_capacity, NUM_INT64),
    NUM("percentile", "percentile", 1, 99, struct graph_ctx, def_percentile,
        NUM_INT),
    NUM("bytes", "bytes", 1, GRAPH_MAX_BYTES, struct graph_ctx, def_bytes,
        NUM_INT64),
};

static const struct num_key restart_nums[] = {
    NUM("max", "restart max", 0, 1000000, struct restart_policy, max,
        NUM_UNSIGNED),
    NUM("within_s", "restart within_s", 1, 86400, struct restart_policy,
        within_s, NUM_UNSIGNED),
    NUM("backoff_ms", "restart backoff_ms", 0, 600000, struct restart_policy,
        backoff_ms, NUM_UNSIGNED),
};

static const struct num_key defaults_nums[] = {
    NUM("shutdown_timeout_ms", "shutdown_timeout_ms", 1, 3600000, struct graph,
        shutdown_timeout_ms, NUM_UNSIGNED),
};

/* Reads every key of the table that map n has into base; keys not given
 * keep their value. 0, or -1 after graph_fail. *last is the last key node
 * read (for messages about combinations), untouched when none. */
static int read_nums(struct graph_ctx *c, yaml_node_t *n,
                     const struct num_key *keys, size_t n_keys, void *base,
                     yaml_node_t **last)
{
    for (size_t i = 0; i < n_keys; i++) {
        yaml_node_t *v = yaml_doc_get(&c->doc, n, keys[i].name);
        char *at = (char *)base + keys[i].offset;
        int64_t x;

        if (!v)
            continue;
        if (graph_read_int(c, v, keys[i].what, keys[i].min, keys[i].max, &x) <
            0)
            return -1;
        if (keys[i].width == NUM_INT)
            *(int *)(void *)at = (int)x;
        else if (keys[i].width == NUM_UNSIGNED)
            *(unsigned *)(void *)at = (unsigned)x;
        else
            *(int64_t *)(void *)at = x;
        if (last)
            *last = v;
    }
    return 0;
}
#define DEFAULT_ADDRESS  "127.0.0.1"
#define DEFAULT_PORT     9900
#define DEFAULT_CAPACITY 64

static char *dup_text(struct graph_ctx *c, const yaml_node_t *at, const char *s)
{
    char *copy = strdup(s);
    if (!copy)
        graph_fail(c, at, "out of memory");
    return copy;
}

/* ---- args and overrides ---------------------------------------------- */

static int load_args(struct graph_ctx *c, yaml_node_t *n)
{
    struct graph *g = c->g;

    if (!n || yaml_doc_is_null(n))
        return 0;
    if (graph_expect_map(c, n, "'args'") < 0 ||
        graph_check_keys(c, n, "arg", NULL, 0) < 0)
        return -1;
    g->args = calloc(yaml_doc_len(n) + 1, sizeof(*g->args));
    if (!g->args)
        return graph_fail(c, n, "out of memory");
    for (size_t i = 0; i < yaml_doc_len(n); i++) {
        yaml_node_t *key = yaml_doc_pair_key(&c->doc, n, i);
        yaml_node_t *value = yaml_doc_pair_value(&c->doc, n, i);
        struct graph_arg *arg = &g->args[g->n_args];
        const char *name = yaml_doc_text(key), *text;

        if (!graph_is_identifier(name))
            return graph_fail(c, key,
                              "bad arg name '%s': use letters, digits, '_' "
                              "and '-'",
                              name);
        text = yaml_doc_text(value);
        if (!text)
            return graph_fail(c, value, "arg '%s' must be a scalar, got a %s",
                              name, yaml_doc_kind(value));
        arg->pos = graph_pos_of(key);
        arg->name = dup_text(c, key, name);
        arg->value = dup_text(c, value, text);
        g->n_args++;
        if (!arg->name || !arg->value)
            return -1;
    }
    /* Names are distinct (checked above): sorted, they can be searched. */
    c->arg_index = calloc(g->n_args + 1, sizeof(*c->arg_index));
    if (!c->arg_index)
        return graph_fail(c, n, "out of memory");
    for (size_t i = 0; i < g->n_args; i++)
        c->arg_index[i] = (struct graph_name_ref){ g->args[i].name, i };
    qsort(c->arg_index, g->n_args, sizeof(*c->arg_index), graph_cmp_name_ref);
    return 0;
}

/* The arg called `name`, or NULL. A binary search in c->arg_index (NULL
 * only when there are no args), so that many `$name` references to many
 * args stay fast. */
static struct graph_arg *find_arg(struct graph_ctx *c, const char *name)
{
    struct graph *g = c->g;
    size_t lo = 0, hi = g->n_args;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(c->arg_index[mid].name, name);
        if (d == 0)
            return &g->args[c->arg_index[mid].index];
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Names of the args, for suggestions; the caller frees the array. */
static const char **arg_names(const struct graph *g)
{
    const char **names = calloc(g->n_args + 1, sizeof(*names));
    for (size_t i = 0; names && i < g->n_args; i++)
        names[i] = g->args[i].name;
    return names;
}

/* "; did you mean '--rate'?" or the list of args, with `prefix` before
 * every name ("--" for flags, "$" for references). */
static void describe_args(const struct graph *g, const char *word,
                          const char *prefix, char *buf, size_t len)
{
    const char **names = arg_names(g);
    const char *near = names ? suggest_closest(word, names, g->n_args) : NULL;
    size_t used;

    if (near) {
        snprintf(buf, len, "; did you mean '%s%s'?", prefix, near);
    } else if (g->n_args == 0) {
        snprintf(buf, len, "; the graph declares no args");
    } else {
        used = (size_t)snprintf(buf, len, "; the graph's args are");
        for (size_t i = 0; i < g->n_args && used < len; i++)
            used += (size_t)snprintf(buf + used, len - used, "%s '%s%s'",
                                     i ? "," : "", prefix, names[i]);
    }
    free(names);
}

/* Errors point at the `args:` key, or at 1:1 when the file has none. */
static int apply_overrides(struct graph_ctx *c, yaml_node_t *args_key,
                           const struct graph_override *ov, size_t n)
{
    struct graph_pos pos = { 1, 1 };
    char hint[512];

    if (args_key)
        pos = graph_pos_of(args_key);
    for (size_t i = 0; i < n; i++) {
        const char *name = ov[i].name ? ov[i].name : "";
        const char *value = ov[i].value ? ov[i].value : "";
        struct graph_arg *arg;
        char *copy;

        if (strncmp(name, "--", 2) == 0)
            name += 2;
        arg = find_arg(c, name);
        if (!arg) {
            describe_args(c->g, name, "--", hint, sizeof(hint));
            return graph_fail_pos(c, pos, "unknown flag '--%s'%s", name, hint);
        }
        copy = strdup(value);
        if (!copy)
            return graph_fail_pos(c, pos, "out of memory");
        free(arg->value);
        arg->value = copy;
        arg->overridden = true;
    }
    return 0;
}

/* ---- telemetry and defaults ------------------------------------------ */

static int read_listen(struct graph_ctx *c, const yaml_node_t *n)
{
    struct graph_telemetry *t = &c->g->telemetry;
    const char *s = yaml_doc_text(n), *colon;
    char addr[64], *copy;
    int port;

    if (!s)
        return graph_fail(c, n,
                          "telemetry listen must be \"ADDR:PORT\" or "
                          "\"off\", got a %s",
                          yaml_doc_kind(n));
    t->port_is_default = false;
    colon = strrchr(s, ':');
    switch (listen_parse(s, addr, sizeof(addr), &port)) {
    case LISTEN_OFF:
        t->enabled = false;
        return 0;
    case LISTEN_BAD_FORM:
        return graph_fail(c, n,
                          "telemetry listen must be \"ADDR:PORT\" (such as "
                          "127.0.0.1:9900) or \"off\", got '%s'",
                          s);
    case LISTEN_BAD_PORT:
        return graph_fail_pos(
            c,
            (struct graph_pos){ yaml_doc_line(n),
                                yaml_doc_sub_col(n, colon + 1) },
            "telemetry listen port must be 0 to 65535, got '%s'", colon + 1);
    case LISTEN_BAD_ADDRESS:
        return graph_fail(c, n,
                          "telemetry listen address '%.*s' is not an IPv4 or "
                          "IPv6 address",
                          (int)(colon - s), s);
    case LISTEN_ADDRESS:
        break;
    }
    copy = dup_text(c, n, addr);
    if (!copy)
        return -1;
    free(t->address);
    t->address = copy;
    t->port = port;
    t->enabled = true;
    return 0;
}

static int load_telemetry(struct graph_ctx *c, yaml_node_t *n)
{
    struct graph_telemetry *t = &c->g->telemetry;
    yaml_node_t *v;

    if (!n || yaml_doc_is_null(n))
        return 0;
    if (graph_expect_map(c, n, "'telemetry'") < 0 ||
        graph_check_keys(c, n, "key", telemetry_keys, COUNT(telemetry_keys)) <
            0)
        return -1;
    if ((v = yaml_doc_get(&c->doc, n, "listen")) && read_listen(c, v) < 0)
        return -1;
    if (read_nums(c, n, telemetry_nums, COUNT(telemetry_nums), t, NULL) < 0)
        return -1;
    /* An averaging window shorter than one frame would average nothing. */
    if ((int64_t)t->window_s * 1000 < t->frame_ms) {
        v = yaml_doc_get(&c->doc, n, "window_s");
        if (!v)
            v = yaml_doc_get(&c->doc, n, "frame_ms");
        return graph_fail(c, v ? v : n,
                          "window_s (%d s) is shorter than one frame "
                          "(frame_ms %d)",
                          t->window_s, t->frame_ms);
    }
    /* A history point is made of whole frames: a step asked for must be
     * one at least; the default one grows to a frame of frame_ms. */
    v = yaml_doc_get(&c->doc, n, "history_step_ms");
    if (t->history_step_ms < t->frame_ms && v)
        return graph_fail(c, v,
                          "history_step_ms (%d) is shorter than one frame "
                          "(frame_ms %d); make it at least %d",
                          t->history_step_ms, t->frame_ms, t->frame_ms);
    if (t->history_step_ms < t->frame_ms)
        t->history_step_ms = t->frame_ms;
    return 0;
}

static int load_channel_defaults(struct graph_ctx *c, yaml_node_t *n)
{
    yaml_node_t *v;

    if (yaml_doc_is_null(n))
        return 0;
    if (graph_expect_map(c, n, "'defaults.channel'") < 0 ||
        graph_check_keys(c, n, "key", def_channel_keys,
                         COUNT(def_channel_keys)) < 0)
        return -1;
    if (read_nums(c, n, channel_default_nums, COUNT(channel_default_nums), c,
                  NULL) < 0)
        return -1;
    if ((v = yaml_doc_get(&c->doc, n, "overflow")) &&
        graph_read_overflow(c, v, &c->def_overflow) < 0)
        return -1;
    if ((v = yaml_doc_get(&c->doc, n, "stats")) &&
        graph_read_stats(c, v, true, c->def_channel_stats) < 0)
        return -1;
    if ((v = yaml_doc_get(&c->doc, n, "alerts")))
        return graph_read_alerts(c, v, true, &c->def_channel_alerts,
                                 &c->n_def_channel_alerts);
    return 0;
}

/* restart: { max, within_s, backoff_ms }; keys not given keep *r. */
static int read_restart(struct graph_ctx *c, yaml_node_t *n,
                        struct restart_policy *r)
{
    if (graph_expect_map(c, n, "'restart'") < 0 ||
        graph_check_keys(c, n, "key", restart_keys, COUNT(restart_keys)) < 0)
        return -1;
    return read_nums(c, n, restart_nums, COUNT(restart_nums), r, NULL);
}

static int load_state_dir(struct graph_ctx *c, yaml_node_t *n)
{
    const char *dir;

    if (!n || yaml_doc_is_null(n))
        return 0;
    dir = graph_expect_text(c, n, "'state_dir'");
    if (!dir)
        return -1;
    if (!*dir)
        return graph_fail(c, n, "'state_dir' must not be empty");
    c->g->state_dir = dup_text(c, n, dir);
    return c->g->state_dir ? 0 : -1;
}

/* One text field of `nats:`; a missing key leaves *out NULL. */
static int nats_text(struct graph_ctx *c, yaml_node_t *map, const char *key,
                     const char *what, char **out)
{
    yaml_node_t *v = yaml_doc_get(&c->doc, map, key);
    const char *s;

    if (!v || yaml_doc_is_null(v))
        return 0;
    s = graph_expect_text(c, v, what);
    if (!s)
        return -1;
    if (!*s)
        return graph_fail(c, v, "%s must not be empty", what);
    *out = dup_text(c, v, s);
    return *out ? 0 : -1;
}

/* nats: { url, creds, tls: { ca, cert, key } }: passed to the NATS client
 * of every bridge actor; the files are read by the client, not here. */
static int load_nats(struct graph_ctx *c, yaml_node_t *key, yaml_node_t *n)
{
    struct graph_nats *nats = &c->g->nats;
    yaml_node_t *tls;
    char *url = NULL;

    if (key)
        nats->pos = graph_pos_of(key);
    if (!n || yaml_doc_is_null(n))
        return 0;
    if (graph_expect_map(c, n, "'nats'") < 0 ||
        graph_check_keys(c, n, "key", nats_keys, COUNT(nats_keys)) < 0 ||
        nats_text(c, n, "url", "'nats.url'", &url) < 0 ||
        nats_text(c, n, "creds", "'nats.creds'", &nats->creds) < 0) {
        free(url);
        return -1;
    }
    /* --nats wins over the file */
    if (!nats->url)
        nats->url = url;
    else
        free(url);
    tls = yaml_doc_get(&c->doc, n, "tls");
    if (!tls || yaml_doc_is_null(tls))
        return 0;
    if (graph_expect_map(c, tls, "'nats.tls'") < 0 ||
        graph_check_keys(c, tls, "key", tls_keys, COUNT(tls_keys)) < 0 ||
        nats_text(c, tls, "ca", "'nats.tls.ca'", &nats->tls_ca) < 0 ||
        nats_text(c, tls, "cert", "'nats.tls.cert'", &nats->tls_cert) < 0 ||
        nats_text(c, tls, "key", "'nats.tls.key'", &nats->tls_key) < 0)
        return -1;
    if (!nats->tls_cert != !nats->tls_key)
        return graph_fail(c, tls,
                          "'nats.tls' needs both 'cert' and 'key' (a client "
                          "certificate and its private key), or neither");
    return 0;
}

/* `node: NAME`, remembered in g->nodes in the order the file names them. */
static int read_node(struct graph_ctx *c, struct graph_actor *a, yaml_node_t *v)
{
    struct graph *g = c->g;
    const char *node = graph_expect_text(c, v, "'node'");
    char **nodes;

    if (!node)
        return -1;
    if (!graph_is_identifier(node))
        return graph_fail(c, v,
                          "bad node name '%s': use letters, digits, '_' and "
                          "'-'",
                          node);
    if (!(a->node = dup_text(c, v, node)))
        return -1;
    if (c->first_node_pos.line == 0) {
        c->first_node_pos = graph_pos_of(v);
        c->first_node_actor = a->name;
    }
    for (size_t i = 0; i < g->n_nodes; i++)
        if (strcmp(g->nodes[i], node) == 0)
            return 0;
    nodes = realloc(g->nodes, (g->n_nodes + 1) * sizeof(*nodes));
    if (!nodes)
        return graph_fail(c, v, "out of memory");
    g->nodes = nodes;
    if (!(g->nodes[g->n_nodes] = dup_text(c, v, node)))
        return -1;
    g->n_nodes++;
    return 0;
}

/* checkpoint_ms: snapshots every N ms (snapshot.h); that it needs a
 * state_dir is checked once --state-dir is applied (runner.c). */
static int load_checkpoint(struct graph_ctx *c, yaml_node_t *n)
{
    int64_t x;

    if (!n || yaml_doc_is_null(n))
        return 0;
    if (graph_read_int(c, n, "checkpoint_ms", GRAPH_CHECKPOINT_MIN_MS,
                       GRAPH_CHECKPOINT_MAX_MS, &x) < 0)
        return -1;
    c->g->checkpoint_ms = (unsigned)x;
    c->g->checkpoint_pos = graph_pos_of(n);
    return 0;
}

/* An actor's stack: its fiber's in a troupe, its thread's when solo. */
static int read_stack_kib(struct graph_ctx *c, const yaml_node_t *n,
                          unsigned *out)
{
    int64_t x;

    if (graph_read_int(c, n, "stack_kib", GRAPH_MIN_STACK_KIB,
                       GRAPH_MAX_STACK_KIB, &x) < 0)
        return -1;
    *out = (unsigned)x;
    return 0;
}

static int load_defaults(struct graph_ctx *c, yaml_node_t *n)
{
    yaml_node_t *v;

    if (!n || yaml_doc_is_null(n))
        return 0;
    if (graph_expect_map(c, n, "'defaults'") < 0 ||
        graph_check_keys(c, n, "key", defaults_keys, COUNT(defaults_keys)) < 0)
        return -1;
    if ((v = yaml_doc_get(&c->doc, n, "channel")) &&
        load_channel_defaults(c, v) < 0)
        return -1;
    if ((v = yaml_doc_get(&c->doc, n, "actor")) && !yaml_doc_is_null(v)) {
        yaml_node_t *alerts;
        if (graph_expect_map(c, v, "'defaults.actor'") < 0 ||
            graph_check_keys(c, v, "key", def_actor_keys,
                             COUNT(def_actor_keys)) < 0)
            return -1;
        alerts = yaml_doc_get(&c->doc, v, "alerts");
        if (alerts && graph_read_alerts(c, alerts, false, &c->def_actor_alerts,
                                        &c->n_def_actor_alerts) < 0)
            return -1;
        if ((alerts = yaml_doc_get(&c->doc, v, "restart")) &&
            read_restart(c, alerts, &c->def_restart) < 0)
            return -1;
        if ((alerts = yaml_doc_get(&c->doc, v, "stack_kib")) &&
            read_stack_kib(c, alerts, &c->def_stack_kib) < 0)
            return -1;
        if ((alerts = yaml_doc_get(&c->doc, v, "stats")) &&
            graph_read_stats(c, alerts, false, c->def_actor_stats) < 0)
            return -1;
    }
    return read_nums(c, n, defaults_nums, COUNT(defaults_nums), c->g, NULL);
}

/* ---- actors and params ----------------------------------------------- */

/* The text a param takes: its own, or a `$name` arg's. *via names the arg
 * (NULL for plain text) for messages. */
static const char *param_text(struct graph_ctx *c, const yaml_node_t *n,
                              struct graph_arg **via)
{
    const char *s = yaml_doc_text(n);
    char hint[512];

    *via = NULL;
    if (s[0] != '$' || !graph_is_identifier(s + 1))
        return s;
    *via = find_arg(c, s + 1);
    if (!*via) {
        describe_args(c->g, s + 1, "$", hint, sizeof(hint));
        graph_fail(c, n, "unknown arg '%s'%s", s, hint);
        return NULL;
    }
    (*via)->used = true;
    return (*via)->value;
}

static int unknown_param(struct graph_ctx *c, const struct graph_actor *a,
                         const yaml_node_t *key)
{
    const struct steady_plugin *desc = a->plugin->desc;
    const char *name = yaml_doc_text(key), *near;
    const char **names = calloc(desc->n_params + 1, sizeof(*names));
    char list[512];

    if (!names)
        return graph_fail(c, key, "out of memory");
    for (size_t i = 0; i < desc->n_params; i++)
        names[i] = desc->params[i].name;
    near = suggest_closest(name, names, desc->n_params);
    if (near)
        graph_fail(c, key, "plugin '%s' has no param '%s'; did you mean '%s'?",
                   desc->name, name, near);
    else if (desc->n_params == 0)
        graph_fail(c, key, "plugin '%s' has no param '%s'; it takes no params",
                   desc->name, name);
    else
        graph_fail(c, key, "plugin '%s' has no param '%s'; its params are %s",
                   desc->name, name,
                   graph_join_names(list, sizeof(list), names, desc->n_params));
    free(names);
    return -1;
}

/* Refuses param i's value (parsed from `text`, written at `at`, through
 * the arg `via` or NULL) when it is outside the plugin's declared limits,
 * naming the actor, the range and where the value came from. Defaults need
 * no check: the loader refused a plugin whose defaults are outside them. */
static int check_limits(struct graph_ctx *c, const struct graph_actor *a,
                        size_t i, const yaml_node_t *at, const char *text,
                        const struct graph_arg *via)
{
    const struct steady_param_desc *pd = &a->plugin->desc->params[i];
    char why[768];

    if (param_limit_check(pd, &a->plugin->limits[i], &a->params[i], text, why,
                          sizeof(why)) == 0)
        return 0;
    if (via && via->overridden)
        return graph_fail(c, at,
                          "actor '%s': %s (from --%s on the command line, "
                          "via $%s)",
                          a->name, why, via->name, via->name);
    if (via)
        return graph_fail(c, at, "actor '%s': %s (from $%s, set at %d:%d)",
                          a->name, why, via->name, via->pos.line, via->pos.col);
    return graph_fail(c, at, "actor '%s': %s", a->name, why);
}

/* Fills a->params in descriptor order from `params` (may be NULL), the
 * args and the descriptor's defaults. */
static int read_params(struct graph_ctx *c, struct graph_actor *a,
                       yaml_node_t *params, const yaml_node_t *actor_key)
{
    const struct steady_plugin *desc = a->plugin->desc;
    yaml_node_t **given = NULL;
    int rc = -1;

    a->params = calloc(desc->n_params + 1, sizeof(*a->params));
    given = calloc(desc->n_params + 1, sizeof(*given));
    if (!a->params || !given) {
        graph_fail(c, actor_key, "out of memory");
        goto out_free_given;
    }
    if (params && !yaml_doc_is_null(params)) {
        if (graph_expect_map(c, params, "'params'") < 0 ||
            graph_check_keys(c, params, "param", NULL, 0) < 0)
            goto out_free_given;
        for (size_t i = 0; i < yaml_doc_len(params); i++) {
            yaml_node_t *key = yaml_doc_pair_key(&c->doc, params, i);
            yaml_node_t *value = yaml_doc_pair_value(&c->doc, params, i);
            int idx = plugin_param_index(desc, yaml_doc_text(key));
            if (idx < 0) {
                unknown_param(c, a, key);
                goto out_free_given;
            }
            if (!yaml_doc_text(value)) {
                graph_fail(c, value, "param '%s' must be a scalar, got a %s",
                           yaml_doc_text(key), yaml_doc_kind(value));
                goto out_free_given;
            }
            given[idx] = value;
        }
    }
    for (size_t i = 0; i < desc->n_params; i++) {
        const struct steady_param_desc *pd = &desc->params[i];
        struct graph_arg *via = NULL;
        const char *text;

        if (given[i]) {
            text = param_text(c, given[i], &via);
            if (!text)
                goto out_free_given;
            if (param_parse(pd->type, text, &a->params[i]) < 0) {
                if (via)
                    graph_fail(
                        c, given[i], "param '%s' takes %s, got '%s' (from $%s)",
                        pd->name, param_type_hint(pd->type), text, via->name);
                else
                    graph_fail(c, given[i], "param '%s' takes %s, got '%s'",
                               pd->name, param_type_hint(pd->type), text);
                goto out_free_given;
            }
            if (check_limits(c, a, i, given[i], text, via) < 0)
                goto out_free_given;
        } else if (!pd->default_value) {
            graph_fail(c, actor_key,
                       "actor '%s' needs param '%s' (%s): plugin '%s' gives "
                       "it no default",
                       a->name, pd->name, param_type_name(pd->type),
                       desc->name);
            goto out_free_given;
        } else if (param_parse(pd->type, pd->default_value, &a->params[i]) <
                   0) {
            graph_fail(c, actor_key,
                       "plugin '%s' declares a bad default '%s' for param "
                       "'%s'",
                       desc->name, pd->default_value, pd->name);
            goto out_free_given;
        }
    }
    rc = 0;
out_free_given:
    free(given);
    return rc;
}

static int cmp_troupe(const void *a, const void *b)
{
    return strcmp(((const struct graph_actor *)a)->troupe,
                  ((const struct graph_actor *)b)->troupe);
}

/* Every member of a troupe shares one thread, so they can be pinned to one
 * CPU at most. The first pinned member of each troupe is kept in a tree, so
 * this stays fast with many actors. */
static int check_troupe_cpu(struct graph_ctx *c, const struct graph_actor *a,
                            const yaml_node_t *cpu_node)
{
    const struct graph_actor *const *first;

    if (!a->troupe || a->cpu < 0)
        return 0;
    first = tsearch(a, &c->troupe_pins, cmp_troupe);
    if (!first)
        return graph_fail(c, cpu_node, "out of memory");
    if ((*first)->cpu != a->cpu)
        return graph_fail(c, cpu_node,
                          "actor '%s' pins troupe '%s' to cpu %d but "
                          "actor '%s' pins it to cpu %d",
                          a->name, a->troupe, a->cpu, (*first)->name,
                          (*first)->cpu);
    return 0;
}

/* A relative path to a .so is taken from the graph file's folder, so that
 * a graph and its plugins travel together and what runs never depends on
 * where steady was started from. Names without '/' go to the search path
 * unchanged (never to the current folder). */
static const char *graph_relative(struct graph_ctx *c, const yaml_node_t *at,
                                  const char *ref, char *buf, size_t len)
{
    const char *slash = strrchr(c->file, '/');
    int n;

    if (!strchr(ref, '/') || ref[0] == '/' || !slash)
        return ref;
    n = snprintf(buf, len, "%.*s/%s", (int)(slash - c->file), c->file, ref);
    if (n < 0 || (size_t)n >= len) {
        graph_fail(c, at, "plugin path '%s' is too long", ref);
        return NULL;
    }
    return buf;
}

/* A `plugin:` text and the plugin it named, for the next actor that uses
 * the same text. The text lives in the YAML document. */
struct plugin_ref {
    const char *ref;
    const struct loaded_plugin *plugin;
};

static int cmp_plugin_ref(const void *a, const void *b)
{
    return strcmp(((const struct plugin_ref *)a)->ref,
                  ((const struct plugin_ref *)b)->ref);
}

/* The plugin that `ref` names; the registry is asked once per distinct
 * text in the file. NULL with the reason in why. */
static const struct loaded_plugin *find_plugin(struct graph_ctx *c,
                                               const yaml_node_t *at,
                                               const char *ref, char *why,
                                               size_t whylen)
{
    struct plugin_ref key = { ref, NULL }, *entry, **slot;
    const struct loaded_plugin *p;
    char path[4096];

    slot = tfind(&key, &c->plugin_refs, cmp_plugin_ref);
    if (slot)
        return (*slot)->plugin;
    /* the caller checked that the path fits */
    p = plugin_registry_get(
        c->reg, graph_relative(c, at, ref, path, sizeof(path)), why, whylen);
    if (!p)
        return NULL;
    entry = malloc(sizeof(*entry));
    if (entry) {
        *entry = (struct plugin_ref){ ref, p };
        slot = tsearch(entry, &c->plugin_refs, cmp_plugin_ref);
        if (!slot || *slot != entry)
            free(entry); /* not remembered: asked again next time */
    }
    return p;
}

static int load_actor(struct graph_ctx *c, struct graph_actor *a,
                      yaml_node_t *key, yaml_node_t *n)
{
    const char *name = yaml_doc_text(key), *ref;
    yaml_node_t *plugin, *v, *cpu_node;
    char why[1024], path[4096];
    int64_t x;

    if (!graph_is_identifier(name))
        return graph_fail(c, key,
                          "bad actor name '%s': use letters, digits, '_' and "
                          "'-'",
                          name);
    a->pos = graph_pos_of(key);
    a->cpu = -1;
    a->restart = c->def_restart;
    a->stack_kib = c->def_stack_kib;
    memcpy(a->stats, c->def_actor_stats, sizeof(a->stats));
    if (!(a->name = dup_text(c, key, name)))
        return -1;
    if (yaml_doc_is_null(n))
        return graph_fail(c, key, "actor '%s' has no 'plugin'", name);
    if (graph_expect_map(c, n, "an actor") < 0 ||
        graph_check_keys(c, n, "key", actor_keys, COUNT(actor_keys)) < 0)
        return -1;
    if ((v = yaml_doc_get(&c->doc, n, "node")) && read_node(c, a, v) < 0)
        return -1;
    plugin = yaml_doc_get(&c->doc, n, "plugin");
    if (!plugin)
        return graph_fail(c, key, "actor '%s' has no 'plugin'", name);
    ref = graph_expect_text(c, plugin, "'plugin'");
    if (!ref)
        return -1;
    if (!graph_relative(c, plugin, ref, path, sizeof(path)))
        return -1;
    /* Another node's actor: its plugin is that machine's business. */
    a->remote = c->opt->node && a->node && strcmp(a->node, c->opt->node) != 0;
    if (a->remote)
        a->plugin = graph_remote_plugin(&c->g->remote_plugins, a->node);
    else
        a->plugin = find_plugin(c, plugin, ref, why, sizeof(why));
    if (!a->plugin && a->remote)
        return graph_fail(c, plugin, "out of memory");
    if (!a->plugin)
        return graph_fail(c, plugin, "%s", why);

    if ((v = yaml_doc_get(&c->doc, n, "troupe")) && !yaml_doc_is_null(v)) {
        const char *troupe = graph_expect_text(c, v, "'troupe'");
        if (!troupe)
            return -1;
        if (!graph_is_identifier(troupe))
            return graph_fail(c, v,
                              "bad troupe name '%s': use letters, digits, "
                              "'_' and '-'",
                              troupe);
        if (!(a->troupe = dup_text(c, v, troupe)))
            return -1;
    }
    if ((cpu_node = yaml_doc_get(&c->doc, n, "cpu"))) {
        if (graph_read_int(c, cpu_node, "cpu", 0, GRAPH_MAX_CPU, &x) < 0)
            return -1;
        a->cpu = (int)x;
    }
    if (check_troupe_cpu(c, a, cpu_node) < 0)
        return -1;
    if ((v = yaml_doc_get(&c->doc, n, "alerts"))) {
        if (graph_read_alerts(c, v, false, &a->alerts, &a->n_alerts) < 0)
            return -1;
    } else if (graph_copy_alerts(c->def_actor_alerts, c->n_def_actor_alerts,
                                 &a->alerts, &a->n_alerts) < 0) {
        return graph_fail(c, key, "out of memory");
    }
    if ((v = yaml_doc_get(&c->doc, n, "restart")) &&
        read_restart(c, v, &a->restart) < 0)
        return -1;
    if ((v = yaml_doc_get(&c->doc, n, "stack_kib")) &&
        read_stack_kib(c, v, &a->stack_kib) < 0)
        return -1;
    if ((v = yaml_doc_get(&c->doc, n, "stats")) &&
        graph_read_stats(c, v, false, a->stats) < 0)
        return -1;
    if (a->remote)
        return 0; /* its params are checked where it runs */
    return read_params(c, a, yaml_doc_get(&c->doc, n, "params"), key);
}

long graph_find_actor(const struct graph_ctx *c, const char *name)
{
    struct graph_name_ref key = { name, 0 }, *hit;
    size_t lo = 0, hi = c->g->n_actors;

    /* Lower bound by name alone: names are unique. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(c->actor_index[mid].name, key.name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == c->g->n_actors)
        return -1;
    hit = &c->actor_index[lo];
    return strcmp(hit->name, name) == 0 ? (long)hit->index : -1;
}

static int load_actors(struct graph_ctx *c, yaml_node_t *n)
{
    struct graph *g = c->g;
    size_t len;

    if (yaml_doc_is_null(n) ||
        (n->type == YAML_MAPPING_NODE && yaml_doc_len(n) == 0))
        return graph_fail(c, n,
                          "'actors' is empty; a graph needs at least "
                          "one actor");
    if (graph_expect_map(c, n, "'actors'") < 0 ||
        graph_check_keys(c, n, "actor", NULL, 0) < 0)
        return -1;
    len = yaml_doc_len(n);
    g->actors = calloc(len, sizeof(*g->actors));
    c->actor_index = calloc(len, sizeof(*c->actor_index));
    if (!g->actors || !c->actor_index)
        return graph_fail(c, n, "out of memory");
    for (size_t i = 0; i < len; i++) {
        g->n_actors = i + 1;
        if (load_actor(c, &g->actors[i], yaml_doc_pair_key(&c->doc, n, i),
                       yaml_doc_pair_value(&c->doc, n, i)) < 0)
            return -1;
        c->actor_index[i] = (struct graph_name_ref){ g->actors[i].name, i };
    }
    qsort(c->actor_index, len, sizeof(*c->actor_index), graph_cmp_name_ref);
    return 0;
}

/* ---- the whole file --------------------------------------------------- */

static int load_name(struct graph_ctx *c, yaml_node_t *root)
{
    yaml_node_t *n = yaml_doc_get(&c->doc, root, "graph");
    const char *s;

    if (!n)
        return graph_fail(c, root,
                          "missing 'graph': name the graph, as in 'graph: "
                          "my_graph'");
    s = graph_expect_text(c, n, "'graph'");
    if (!s)
        return -1;
    if (!*s)
        return graph_fail(c, n, "'graph' must not be empty");
    c->g->name = dup_text(c, n, s);
    return c->g->name ? 0 : -1;
}

static int load_root(struct graph_ctx *c, const struct graph_override *ov,
                     size_t n_ov)
{
    yaml_node_t *root = yaml_doc_root(&c->doc), *args, *actors;

    if (!root)
        return graph_fail_pos(c, (struct graph_pos){ 1, 1 },
                              "empty graph file; expected a map with 'graph' "
                              "and 'actors'");
    if (root->type != YAML_MAPPING_NODE)
        return graph_fail(c, root,
                          "the top level must be a map with 'graph' and "
                          "'actors', got a %s",
                          yaml_doc_kind(root));
    if (graph_check_keys(c, root, "key", top_keys, COUNT(top_keys)) < 0 ||
        load_name(c, root) < 0)
        return -1;
    actors = yaml_doc_get(&c->doc, root, "actors");
    if (!actors)
        return graph_fail(c, root,
                          "missing 'actors': a graph needs at least one "
                          "actor");
    args = yaml_doc_get(&c->doc, root, "args");
    if (load_args(c, args) < 0 ||
        apply_overrides(c, yaml_doc_get_key(&c->doc, root, "args"), ov, n_ov) <
            0 ||
        load_telemetry(c, yaml_doc_get(&c->doc, root, "telemetry")) < 0 ||
        load_defaults(c, yaml_doc_get(&c->doc, root, "defaults")) < 0 ||
        load_state_dir(c, yaml_doc_get(&c->doc, root, "state_dir")) < 0 ||
        load_nats(c, yaml_doc_get_key(&c->doc, root, "nats"),
                  yaml_doc_get(&c->doc, root, "nats")) < 0 ||
        load_checkpoint(c, yaml_doc_get(&c->doc, root, "checkpoint_ms")) < 0 ||
        load_actors(c, actors) < 0)
        return -1;
    if (graph_load_channels(c, yaml_doc_get(&c->doc, root, "channels")) < 0)
        return -1;
    return graph_check_nodes(c);
}

static void no_free(void *p)
{
    (void)p;
}

/* Frees what the load needed besides the graph itself. */
static void ctx_fini(struct graph_ctx *c)
{
    yaml_doc_fini(&c->doc);
    free(c->def_channel_alerts);
    free(c->def_actor_alerts);
    free(c->actor_index);
    free(c->arg_index);
    tdestroy(c->plugin_refs, free);
    tdestroy(c->troupe_pins, no_free); /* the actors belong to the graph */
}

struct graph *graph_load(const char *file,
                         const struct graph_override *overrides,
                         size_t n_overrides, struct plugin_registry *reg,
                         char *err, size_t errlen)
{
    return graph_load_node(file, overrides, n_overrides, NULL, reg, err,
                           errlen);
}

struct graph *
graph_load_node(const char *file, const struct graph_override *overrides,
                size_t n_overrides, const struct graph_load_options *opt,
                struct plugin_registry *reg, char *err, size_t errlen)
{
    static const struct graph_load_options none = { 0 };
    struct graph_ctx c = { 0 };
    struct graph *g;

    if (err && errlen)
        err[0] = '\0';
    if (!file)
        file = "(null)";
    c.file = file;
    c.err = err;
    c.errlen = err ? errlen : 0;
    c.reg = reg;
    c.opt = opt ? opt : &none;
    c.def_capacity = DEFAULT_CAPACITY;
    c.def_percentile = 80;
    c.def_bytes = GRAPH_DEFAULT_BYTES;
    c.def_overflow = STEADY_OVERFLOW_BLOCK;
    c.def_restart =
        (struct restart_policy){ RESTART_DEFAULT_MAX, RESTART_DEFAULT_WITHIN_S,
                                 RESTART_DEFAULT_BACKOFF };
    g = calloc(1, sizeof(*g));
    if (!g)
        goto err_out_of_memory;
    c.g = g;
    g->file = strdup(file);
    g->telemetry.address = strdup(DEFAULT_ADDRESS);
    if (!g->file || !g->telemetry.address)
        goto err_out_of_memory;
    g->telemetry.enabled = true;
    g->telemetry.port = DEFAULT_PORT;
    g->telemetry.port_is_default = true;
    g->telemetry.frame_ms = 100;
    g->telemetry.window_s = 10;
    g->telemetry.history_s = 600;
    g->telemetry.history_step_ms = 1000;
    g->shutdown_timeout_ms = 5000;
    g->nats.pos = (struct graph_pos){ 1, 1 };
    if (c.opt->node && !(g->node = strdup(c.opt->node)))
        goto err_out_of_memory;
    if (c.opt->nats_url && !(g->nats.url = strdup(c.opt->nats_url)))
        goto err_out_of_memory;

    if (yaml_doc_load(&c.doc, file, c.err, c.errlen) < 0)
        goto err_destroy_graph;
    if (load_root(&c, overrides, n_overrides) < 0)
        goto err_fini_ctx;
    ctx_fini(&c);
    return g;

err_fini_ctx:
    ctx_fini(&c);
err_destroy_graph:
    graph_destroy(g);
    return NULL;
err_out_of_memory:
    if (c.errlen)
        snprintf(c.err, c.errlen, "%s: out of memory", file);
    graph_destroy(g);
    return NULL;
}

void graph_destroy(struct graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_actors; i++) {
        struct graph_actor *a = &g->actors[i];
        /* Unset params are zeroed: freeing a NULL string is harmless. */
        for (size_t j = 0; a->params && j < a->plugin->desc->n_params; j++)
            param_value_free(a->plugin->desc->params[j].type, &a->params[j]);
        free(a->params);
        free(a->name);
        free(a->troupe);
        free(a->alerts);
        free(a->node);
        free(a->peer);
    }
    free(g->actors);
    for (size_t i = 0; i < g->n_channels; i++)
        free(g->channels[i].alerts);
    free(g->channels);
    for (size_t i = 0; i < g->n_args; i++) {
        free(g->args[i].name);
        free(g->args[i].value);
    }
    free(g->args);
    free(g->telemetry.address);
    free(g->name);
    free(g->state_dir);
    free(g->nats.url);
    free(g->nats.creds);
    free(g->nats.tls_ca);
    free(g->nats.tls_cert);
    free(g->nats.tls_key);
    for (size_t i = 0; i < g->n_nodes; i++)
        free(g->nodes[i]);
    free(g->nodes);
    free(g->node);
    graph_remote_free(g->remote_plugins);
    free(g->file);
    free(g);
}

const char *graph_endpoint_name(const struct graph *g,
                                const struct graph_endpoint *e, char *buf,
                                size_t len)
{
    const struct graph_actor *a = &g->actors[e->actor];

    if (plugin_port_is_bundle(a->plugin->desc, e->port))
        snprintf(buf, len, "%s.%s[%u]", a->name,
                 a->plugin->desc->ports[e->port].name, e->index);
    else
        snprintf(buf, len, "%s.%s", a->name,
                 a->plugin->desc->ports[e->port].name);
    return buf;
}
