/* test_graph.c - graph tests of <steady/testing.h>: a graph file loaded,
 * wired, scheduled, supervised and shut down by the runtime's own runner
 * (host/runner.h), with the actors the test stands in for left out and
 * their channels' far ends in the test's hands. Every wait is bounded.
 */
#include "actor_impl.h"
#include "channel_impl.h"
#include "clock.h"
#include "graph.h"
#include "runner.h"
#include "suggest.h"
#include "test_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <steady/testing.h>
#include <string.h>

/* How long inits may take at start by default (--start-timeout-ms), and
 * how much longer than the graph's shutdown timeout destroy waits before
 * it gives up on an actor. */
#define START_LIMIT_MS   10000u
#define DESTROY_GRACE_MS 10000u

struct steady_test_graph {
    struct steady_runtime *rt;
    const struct graph *graph; /* owned by rt */
    bool *stood_in;            /* one per graph actor */
    struct test_log **logs;    /* one per graph actor */
    struct test_log *host_log; /* the runtime's own lines */
    char *log_copy;            /* returned by steady_test_graph_log */
    char **strings;            /* option texts the overrides point into */
    size_t n_strings;
    unsigned start_ms; /* how long the inits may take */
    bool started;      /* start was called */
    bool running;      /* start succeeded: the runner has a run to wait for */
    char error[1024];
};

/* ---- loading ------------------------------------------------------------ */

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static char *keep(struct steady_test_graph *g, const char *s, size_t len)
{
    char *copy = malloc(len + 1);

    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    g->strings[g->n_strings++] = copy;
    return copy;
}

/* "--start-timeout-ms": milliseconds, 1 to a day. */
static int parse_start_ms(struct steady_test_graph *g, const char *value)
{
    char *end;
    unsigned long ms = strtoul(value, &end, 10);

    if (value[0] < '0' || value[0] > '9' || *end || ms < 1 || ms > 86400000ul) {
        fprintf(stderr,
                "steady_test_graph_load: --start-timeout-ms: expected "
                "milliseconds from 1 to 86400000, got '%s'\n",
                value);
        return -1;
    }
    g->start_ms = (unsigned)ms;
    return 0;
}

/* The options of a command line, "--NAME VALUE" or "--NAME=VALUE" each:
 * the host's own (--plugin-path, --state-dir, --allow-writable-plugins),
 * the harness's (--start-timeout-ms) and overrides of the graph's args. 0,
 * or -1 with a message on stderr. */
static int parse_args(struct steady_test_graph *g, const char *const *args,
                      struct steady_runtime_options *opt,
                      const char **overrides)
{
    size_t n = 0;

    while (args && args[n])
        n++;
    /* every text kept at most once: a name and a value per option */
    g->strings = calloc(2 * n + 1, sizeof(*g->strings));
    if (!g->strings)
        goto err_oom;
    for (size_t i = 0; i < n; i++) {
        const char *arg = args[i], *eq, *name, *value;

        if (!has_prefix(arg, "--") || !arg[2]) {
            fprintf(stderr,
                    "steady_test_graph_load: expected an option '--NAME "
                    "VALUE' or '--NAME=VALUE', got '%s'\n",
                    arg);
            return -1;
        }
        if (strcmp(arg, "--allow-writable-plugins") == 0) {
            opt->allow_writable_plugins = true;
            continue;
        }
        eq = strchr(arg, '=');
        name = eq ? keep(g, arg + 2, (size_t)(eq - arg - 2)) : arg + 2;
        if (!name)
            goto err_oom;
        if (eq) {
            value = eq + 1;
        } else if (i + 1 < n) {
            value = args[++i];
        } else {
            fprintf(stderr,
                    "steady_test_graph_load: option '%s' needs a value\n", arg);
            return -1;
        }
        if (strcmp(name, "plugin-path") == 0) {
            opt->plugin_path = value;
        } else if (strcmp(name, "state-dir") == 0) {
            opt->state_dir = value;
        } else if (strcmp(name, "start-timeout-ms") == 0) {
            if (parse_start_ms(g, value) < 0)
                return -1;
        } else if (strcmp(name, "telemetry") == 0) {
            fprintf(stderr,
                    "steady_test_graph_load: --telemetry: graph tests run "
                    "with telemetry off\n");
            return -1;
        } else {
            overrides[2 * opt->n_overrides] = name;
            overrides[2 * opt->n_overrides + 1] = value;
            opt->n_overrides++;
        }
    }
    opt->overrides = overrides;
    return 0;

err_oom:
    fprintf(stderr, "steady_test_graph_load: out of memory\n");
    return -1;
}

/* One capture per actor of the graph (the host's own lines are captured
 * from before the load on, so that its plan is too). */
static int attach_logs(struct steady_test_graph *g)
{
    size_t n = g->graph->n_actors;

    g->logs = calloc(n ? n : 1, sizeof(*g->logs));
    g->stood_in = calloc(n ? n : 1, sizeof(*g->stood_in));
    if (!g->logs || !g->stood_in)
        return -1;
    for (size_t i = 0; i < n; i++) {
        g->logs[i] = test_log_attach(g->graph->actors[i].name);
        if (!g->logs[i])
            return -1;
    }
    return 0;
}

struct steady_test_graph *steady_test_graph_load(const char *file,
                                                 const char *const *args)
{
    struct steady_runtime_options opt = { .telemetry = "off" };
    struct steady_test_graph *g;
    const char **overrides = NULL;
    char err[2048];
    size_t n = 0;

    if (!file) {
        fprintf(stderr, "steady_test_graph_load: no graph file (NULL)\n");
        return NULL;
    }
    g = calloc(1, sizeof(*g));
    while (args && args[n])
        n++;
    overrides = calloc(2 * n + 1, sizeof(*overrides));
    if (!g || !overrides) {
        fprintf(stderr, "steady_test_graph_load: out of memory\n");
        goto err_free;
    }
    g->start_ms = START_LIMIT_MS;
    if (parse_args(g, args, &opt, overrides) < 0)
        goto err_free;
    g->host_log = test_log_attach("steady");
    if (!g->host_log) {
        fprintf(stderr, "steady_test_graph_load: out of memory\n");
        goto err_free;
    }
    if (runner_open(file, &opt, &g->rt, err, sizeof(err)) < 0) {
        fprintf(stderr, "steady_test_graph_load: %s\n", err);
        goto err_free;
    }
    free(overrides); /* the graph keeps its own copies of the values */
    overrides = NULL;
    g->graph = runner_graph(g->rt);
    if (attach_logs(g) < 0) {
        fprintf(stderr, "steady_test_graph_load: out of memory\n");
        goto err_free;
    }
    return g;

err_free:
    free(overrides);
    steady_test_graph_destroy(g);
    return NULL;
}

/* ---- names -------------------------------------------------------------- */

static bool check_graph(const struct steady_test_graph *g, const char *who)
{
    if (!g)
        fprintf(stderr, "%s: no graph (NULL)\n", who);
    return g != NULL;
}

/* The index of an actor of the graph, or -1 with a message naming the
 * closest name or listing them all. */
static long find_actor(const struct steady_test_graph *g, const char *name,
                       size_t len, const char *who)
{
    const struct graph *gr = g->graph;
    const char **names;
    const char *near;
    char *copy;

    for (size_t i = 0; i < gr->n_actors; i++)
        if (strlen(gr->actors[i].name) == len &&
            memcmp(gr->actors[i].name, name, len) == 0)
            return (long)i;
    names = calloc(gr->n_actors + 1, sizeof(*names));
    copy = strndup(name, len);
    if (!names || !copy) {
        fprintf(stderr, "%s: out of memory\n", who);
        goto out;
    }
    for (size_t i = 0; i < gr->n_actors; i++)
        names[i] = gr->actors[i].name;
    near = suggest_closest(copy, names, gr->n_actors);
    if (near) {
        fprintf(stderr,
                "%s: graph '%s' (%s) has no actor '%s'; did you "
                "mean '%s'?\n",
                who, gr->name, gr->file, copy, near);
    } else {
        fprintf(stderr,
                "%s: graph '%s' (%s) has no actor '%s'; its actors "
                "are",
                who, gr->name, gr->file, copy);
        for (size_t i = 0; i < gr->n_actors; i++)
            fprintf(stderr, "%s %s", i ? "," : "", names[i]);
        fprintf(stderr, "\n");
    }
out:
    free(names);
    free(copy);
    return -1;
}

/* "ACTOR.PORT" (len bytes of text) as an actor and port index; -1 with a
 * message when either is unknown. */
static int find_port(const struct steady_test_graph *g, const char *text,
                     size_t len, struct graph_endpoint *out, const char *who)
{
    const char *dot = memchr(text, '.', len);
    const struct steady_plugin *desc;
    const char **names = NULL;
    const char *near;
    char *port = NULL;
    long actor;
    int p;

    if (!dot || dot == text || dot + 1 == text + len) {
        fprintf(stderr,
                "%s: expected a channel as 'ACTOR.PORT' or 'FROM.PORT -> "
                "TO.PORT', got '%.*s'\n",
                who, (int)len, text);
        return -1;
    }
    actor = find_actor(g, text, (size_t)(dot - text), who);
    if (actor < 0)
        return -1;
    desc = g->graph->actors[actor].plugin->desc;
    port = strndup(dot + 1, (size_t)(text + len - dot - 1));
    if (!port)
        goto err_oom;
    p = plugin_port_index(desc, port);
    if (p >= 0) {
        free(port);
        out->actor = (size_t)actor;
        out->port = (size_t)p;
        return 0;
    }
    names = calloc(desc->n_ports + 1, sizeof(*names));
    if (!names)
        goto err_oom;
    for (size_t i = 0; i < desc->n_ports; i++)
        names[i] = desc->ports[i].name;
    near = suggest_closest(port, names, desc->n_ports);
    fprintf(stderr, "%s: actor '%s' (plugin %s) has no port '%s'", who,
            g->graph->actors[actor].name, desc->name, port);
    if (near) {
        fprintf(stderr, "; did you mean '%s'?\n", near);
    } else {
        fprintf(stderr, "; its ports are");
        for (size_t i = 0; i < desc->n_ports; i++)
            fprintf(stderr, "%s %s", i ? "," : "", names[i]);
        fprintf(stderr, "\n");
    }
    free(names);
    free(port);
    return -1;

err_oom:
    fprintf(stderr, "%s: out of memory\n", who);
    free(port);
    return -1;
}

static bool same_end(const struct graph_endpoint *a,
                     const struct graph_endpoint *b)
{
    return a->actor == b->actor && a->port == b->port;
}

/* "worker.out -> logger.in" for messages. */
static const char *channel_name(const struct steady_test_graph *g, size_t i,
                                char *buf, size_t len)
{
    const struct graph_channel *c = &g->graph->channels[i];
    const struct graph_actor *from = &g->graph->actors[c->from.actor];
    const struct graph_actor *to = &g->graph->actors[c->to.actor];

    snprintf(buf, len, "%s.%s -> %s.%s", from->name,
             from->plugin->desc->ports[c->from.port].name, to->name,
             to->plugin->desc->ports[c->to.port].name);
    return buf;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims blanks around [*s, *s + *len). */
static void trim(const char **s, size_t *len)
{
    while (*len && is_space(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && is_space((*s)[*len - 1]))
        (*len)--;
}

/* The channel a name gives: one end ("ACTOR.PORT", which must carry one
 * channel) or both ("FROM.PORT -> TO.PORT"). -1 with a message. */
static long find_channel(const struct steady_test_graph *g, const char *spec,
                         const char *who)
{
    const struct graph *gr = g->graph;
    const char *arrow, *a = spec, *b;
    size_t alen, blen, found = 0, at = 0;
    struct graph_endpoint from, to;
    char name[512];

    if (!spec) {
        fprintf(stderr, "%s: no channel name (NULL)\n", who);
        return -1;
    }
    arrow = strstr(spec, "->");
    if (arrow) {
        alen = (size_t)(arrow - spec);
        b = arrow + 2;
        blen = strlen(b);
        trim(&a, &alen);
        trim(&b, &blen);
        if (find_port(g, a, alen, &from, who) < 0 ||
            find_port(g, b, blen, &to, who) < 0)
            return -1;
        for (size_t i = 0; i < gr->n_channels; i++)
            if (same_end(&gr->channels[i].from, &from) &&
                same_end(&gr->channels[i].to, &to))
                return (long)i;
        fprintf(stderr, "%s: %s has no channel '%.*s -> %.*s'\n", who, gr->file,
                (int)alen, a, (int)blen, b);
        return -1;
    }
    alen = strlen(spec);
    trim(&a, &alen);
    if (find_port(g, a, alen, &from, who) < 0)
        return -1;
    for (size_t i = 0; i < gr->n_channels; i++)
        if (same_end(&gr->channels[i].from, &from) ||
            same_end(&gr->channels[i].to, &from)) {
            if (!found++)
                at = i;
        }
    if (found == 1)
        return (long)at;
    if (found == 0) {
        fprintf(stderr, "%s: port '%.*s' is not connected in %s\n", who,
                (int)alen, a, gr->file);
        return -1;
    }
    fprintf(stderr,
            "%s: port '%.*s' carries %zu channels; name one as 'FROM.PORT "
            "-> TO.PORT' or by its other end, e.g. '%s'\n",
            who, (int)alen, a, found, channel_name(g, at, name, sizeof(name)));
    return -1;
}

/* What the test does with a channel. */
enum use {
    USE_FEED, /* its producer is stood in for */
    USE_TAKE, /* its consumer is stood in for */
};

/* The channel a name gives, checked for that use and for a started graph;
 * NULL with a message. */
static struct steady_channel *channel_for(struct steady_test_graph *g,
                                          const char *spec, enum use use,
                                          const char *who)
{
    const struct graph_channel *c;
    const char *from, *to;
    char name[512];
    long i;

    if (!check_graph(g, who))
        return NULL;
    i = find_channel(g, spec, who);
    if (i < 0)
        return NULL;
    c = &g->graph->channels[i];
    from = g->graph->actors[c->from.actor].name;
    to = g->graph->actors[c->to.actor].name;
    channel_name(g, (size_t)i, name, sizeof(name));
    if (use == USE_FEED && !g->stood_in[c->from.actor]) {
        if (g->stood_in[c->to.actor])
            fprintf(stderr,
                    "%s: channel '%s' is fed by '%s', which runs for real; "
                    "it reaches '%s', stood in for, so the test takes from "
                    "it (steady_test_graph_take)\n",
                    who, name, from, to);
        else
            fprintf(stderr,
                    "%s: neither end of channel '%s' is stood in for; "
                    "stand in for '%s' before start to feed it\n",
                    who, name, from);
        return NULL;
    }
    if (use == USE_TAKE && !g->stood_in[c->to.actor]) {
        if (g->stood_in[c->from.actor])
            fprintf(stderr,
                    "%s: channel '%s' reaches '%s', which runs for real; "
                    "it comes from '%s', stood in for, so the test feeds "
                    "it (steady_test_graph_feed)\n",
                    who, name, to, from);
        else
            fprintf(stderr,
                    "%s: neither end of channel '%s' is stood in for; "
                    "stand in for '%s' before start to take from it\n",
                    who, name, to);
        return NULL;
    }
    if (!runner_channel(g->rt, (size_t)i)) {
        fprintf(stderr,
                "%s: the graph is not started; call "
                "steady_test_graph_start first\n",
                who);
        return NULL;
    }
    return runner_channel(g->rt, (size_t)i);
}

/* ---- standing in --------------------------------------------------------- */

int steady_test_graph_stand_in(struct steady_test_graph *g, const char *actor)
{
    static const char who[] = "steady_test_graph_stand_in";
    long i;

    if (!check_graph(g, who))
        return -1;
    if (!actor) {
        fprintf(stderr, "%s: no actor name (NULL)\n", who);
        return -1;
    }
    i = find_actor(g, actor, strlen(actor), who);
    if (i < 0)
        return -1;
    if (g->started) {
        fprintf(stderr,
                "%s: the graph is started already; stand in for '%s' "
                "before steady_test_graph_start\n",
                who, actor);
        return -1;
    }
    g->stood_in[i] = true;
    return 0;
}

int steady_test_graph_start(struct steady_test_graph *g)
{
    static const char who[] = "steady_test_graph_start";

    if (!check_graph(g, who))
        return -1;
    if (g->started) {
        fprintf(stderr, "%s: the graph is started already\n", who);
        return -1;
    }
    g->started = true;
    if (runner_build(g->rt, g->stood_in, g->error, sizeof(g->error)) < 0 ||
        runner_start(g->rt, now_ns() + (uint64_t)g->start_ms * NS_PER_MS,
                     g->error, sizeof(g->error)) < 0)
        return -1;
    g->running = true;
    return 0;
}

/* ---- the channels ------------------------------------------------------- */

long steady_test_graph_feed(struct steady_test_graph *g, const char *channel,
                            const void *items, size_t n)
{
    static const char who[] = "steady_test_graph_feed";
    struct steady_channel *ch = channel_for(g, channel, USE_FEED, who);

    if (!ch)
        return -1;
    runner_settle_stand_ins(g->rt);
    if (channel_closed(ch)) {
        fprintf(stderr, "%s: channel '%s' is closed%s\n", who, channel,
                atomic_load(&runner_set(g->rt)->shutdown)
                    ? " (shutdown was requested)"
                    : "");
        return -1;
    }
    if (n && !items) {
        fprintf(stderr, "%s: no items (NULL)\n", who);
        return -1;
    }
    return (long)steady_channel_send_many(ch, items, n);
}

int steady_test_graph_close(struct steady_test_graph *g, const char *channel)
{
    struct steady_channel *ch =
        channel_for(g, channel, USE_FEED, "steady_test_graph_close");

    if (!ch)
        return -1;
    steady_channel_close(ch);
    return 0;
}

long steady_test_graph_take(struct steady_test_graph *g, const char *channel,
                            void *items, size_t max)
{
    static const char who[] = "steady_test_graph_take";
    struct steady_channel *ch = channel_for(g, channel, USE_TAKE, who);

    if (!ch)
        return -1;
    if (max && !items) {
        fprintf(stderr, "%s: no room for items (NULL)\n", who);
        return -1;
    }
    return (long)steady_channel_take_many(ch, items, max);
}

int steady_test_graph_ended(struct steady_test_graph *g, const char *channel)
{
    /* the consumer's side: only it may count what is left */
    struct steady_channel *ch =
        channel_for(g, channel, USE_TAKE, "steady_test_graph_ended");

    if (!ch)
        return -1;
    return channel_closed(ch) && channel_avail(ch) == 0;
}

/* Waits on the host waker, which the stood-in ends of every channel wake,
 * until poll says the need is met or can never be, or the deadline. */
static void await_channel(struct steady_test_graph *g,
                          struct steady_channel *ch, size_t n, bool room,
                          unsigned timeout_ms)
{
    struct waker *w = &runner_set(g->rt)->host;
    uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;

    for (;;) {
        uint32_t seen = waker_seq(w);
        enum channel_poll p;

        runner_settle_stand_ins(g->rt);
        channel_fence_for(room ? channel_arm_vacant(ch, n, w)
                               : channel_arm_avail(ch, n, w));
        p = room ? channel_poll_vacant(ch, n) : channel_poll_avail(ch, n);
        if (p != CHANNEL_UNMET || now_ns() >= deadline) {
            if (room)
                channel_disarm_vacant(ch);
            else
                channel_disarm_avail(ch);
            return;
        }
        waker_wait(w, seen, deadline);
    }
}

long steady_test_graph_await_output(struct steady_test_graph *g,
                                    const char *channel, size_t n,
                                    unsigned timeout_ms)
{
    struct steady_channel *ch =
        channel_for(g, channel, USE_TAKE, "steady_test_graph_await_output");

    if (!ch)
        return -1;
    await_channel(g, ch, n, false, timeout_ms);
    return (long)channel_avail(ch);
}

long steady_test_graph_await_room(struct steady_test_graph *g,
                                  const char *channel, size_t n,
                                  unsigned timeout_ms)
{
    struct steady_channel *ch =
        channel_for(g, channel, USE_FEED, "steady_test_graph_await_room");

    if (!ch)
        return -1;
    await_channel(g, ch, n, true, timeout_ms);
    return (long)channel_vacant(ch);
}

/* ---- running ------------------------------------------------------------ */

void steady_test_graph_request_shutdown(struct steady_test_graph *g)
{
    if (!check_graph(g, "steady_test_graph_request_shutdown"))
        return;
    steady_runtime_request_shutdown(g->rt);
    runner_settle_stand_ins(g->rt);
}

int steady_test_graph_wait(struct steady_test_graph *g, unsigned timeout_ms)
{
    static const char who[] = "steady_test_graph_wait";
    int rc;

    if (!check_graph(g, who))
        return -1;
    if (!g->started) {
        fprintf(stderr, "%s: the graph is not started\n", who);
        return -1;
    }
    if (!g->running)
        return -1; /* start failed: g->error says why */
    runner_settle_stand_ins(g->rt);
    rc = runner_wait(g->rt, now_ns() + (uint64_t)timeout_ms * NS_PER_MS,
                     g->error, sizeof(g->error));
    if (rc == 0)
        g->error[0] = '\0';
    return rc;
}

const char *steady_test_graph_error(const struct steady_test_graph *g)
{
    return g ? g->error : "";
}

/* Index of a named actor; NULL names nobody (the host's lines). */
static int lookup(struct steady_test_graph *g, const char *actor,
                  const char *who, long *index)
{
    *index = -1;
    if (!check_graph(g, who))
        return -1;
    if (!actor)
        return 0;
    *index = find_actor(g, actor, strlen(actor), who);
    return *index < 0 ? -1 : 0;
}

int steady_test_graph_restarts(struct steady_test_graph *g, const char *actor)
{
    static const char who[] = "steady_test_graph_restarts";
    struct steady_actor *a;
    long i;

    if (lookup(g, actor, who, &i) < 0 || i < 0) {
        if (g && !actor)
            fprintf(stderr, "%s: no actor name (NULL)\n", who);
        return -1;
    }
    if (g->stood_in[i]) {
        fprintf(stderr, "%s: actor '%s' is stood in for; it never runs\n", who,
                actor);
        return -1;
    }
    a = runner_actor(g->rt, (size_t)i);
    if (!a) {
        fprintf(stderr, "%s: the graph is not started\n", who);
        return -1;
    }
    return (int)atomic_load_explicit(&a->restarts, memory_order_relaxed);
}

static struct test_log *log_of(struct steady_test_graph *g, const char *actor,
                               const char *who)
{
    long i;

    if (lookup(g, actor, who, &i) < 0)
        return NULL;
    return i < 0 ? g->host_log : g->logs[i];
}

const char *steady_test_graph_log(struct steady_test_graph *g,
                                  const char *actor)
{
    struct test_log *l = log_of(g, actor, "steady_test_graph_log");

    if (!l)
        return NULL;
    free(g->log_copy);
    g->log_copy = test_log_copy(l);
    return g->log_copy ? g->log_copy : "";
}

bool steady_test_graph_log_contains(struct steady_test_graph *g,
                                    const char *actor, const char *text)
{
    struct test_log *l = log_of(g, actor, "steady_test_graph_log_contains");

    return l && text && test_log_contains(l, text);
}

bool steady_test_graph_await_log(struct steady_test_graph *g, const char *actor,
                                 const char *text, unsigned timeout_ms)
{
    struct test_log *l = log_of(g, actor, "steady_test_graph_await_log");

    return l && text && test_log_await(l, text, timeout_ms);
}

/* ---- stopping ----------------------------------------------------------- */

/* Shuts a running graph down for good: shutdown, and the stood-in ends
 * give up taking (so an actor waiting for room there is let go); then waits
 * for every thread, or aborts naming who did not stop. */
static void stop(struct steady_test_graph *g)
{
    struct steady_runtime *rt = g->rt;
    struct waker *w = &runner_set(rt)->host;
    uint64_t until = now_ns() + ((uint64_t)g->graph->shutdown_timeout_ms +
                                 DESTROY_GRACE_MS) *
                                    NS_PER_MS;
    char err[1024], why[1024] = "";

    steady_runtime_request_shutdown(rt);
    runner_settle_stand_ins(rt);
    for (size_t i = 0; i < g->graph->n_channels; i++)
        if (g->stood_in[g->graph->channels[i].to.actor] &&
            runner_channel(rt, i))
            channel_mark_rx_gone(runner_channel(rt, i));
    for (;;) {
        uint32_t seen = waker_seq(w);

        if (!runner_busy(rt))
            return;
        if (now_ns() >= until)
            break;
        if (runner_wait(rt, until, err, sizeof(err)) < 0 && err[0])
            snprintf(why, sizeof(why), "%s", err);
        if (!runner_busy(rt))
            return;
        /* an init past its limit, or threads after a timed-out shutdown:
         * each wakes the host waker when it ends */
        waker_wait(w, seen, until);
    }
    fprintf(stderr,
            "steady_test_graph_destroy: graph '%s' did not stop within "
            "%u ms of shutdown%s%s; aborting\n",
            g->graph->name, g->graph->shutdown_timeout_ms + DESTROY_GRACE_MS,
            why[0] ? ": " : "", why);
    abort();
}

void steady_test_graph_destroy(struct steady_test_graph *g)
{
    if (!g)
        return;
    if (g->rt && runner_busy(g->rt))
        stop(g);
    for (size_t i = 0; g->logs && g->graph && i < g->graph->n_actors; i++)
        test_log_detach(g->logs[i]);
    test_log_detach(g->host_log);
    steady_runtime_destroy(g->rt);
    for (size_t i = 0; i < g->n_strings; i++)
        free(g->strings[i]);
    free(g->strings);
    free(g->logs);
    free(g->stood_in);
    free(g->log_copy);
    free(g);
}
