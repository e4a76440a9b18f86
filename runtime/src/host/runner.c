/* runner.c - the host side of a running graph (<steady/runtime.h>): builds
 * actors and channels from a checked graph, starts one thread per solo
 * actor, watches for exits, failures and shutdown, and reports who did not
 * finish when shutdown times out. The same steps, one by one and with some
 * actors stood in for, serve the graph test harness (runner.h).
 */
#include "runner.h"

#include "actor_impl.h"
#include "channel_impl.h"
#include "cluster_link.h"
#include "graph.h"
#include "graph_nodes.h"
#include "inspect.h"
#include "listen.h"
#include "loader.h"
#include "nats_probe.h"
#include "plan_log.h"
#include "port_info.h"
#include "scheduler.h"
#include "snapshot.h"
#include "state_store.h"
#include "telemetry.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <steady/runtime.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Where a run is: runner_start moves it from LOADED to RUNNING (or to
 * STOPPED when no actor thread started), runner_wait to STOPPED once every
 * actor thread is joined. */
enum run_phase { RUN_LOADED = 0, RUN_RUNNING, RUN_STOPPED };

struct steady_runtime {
    struct plugin_registry *registry;
    struct graph *graph;
    struct actor_set set; /* .actors: the actors that run, no stand-ins */
    /* graph->n_actors; NULL for an actor stood in for (runner_build) */
    struct steady_actor **actors;
    struct steady_actor **run_actors; /* set.actors when some are stood in */
    bool *stood_in;                   /* graph->n_actors, or NULL: none */
    bool stand_ins_settled;           /* their outputs closed for shutdown */
    struct steady_channel **channels; /* graph->n_channels */
    struct scheduler *scheduler;
    struct telemetry *telemetry; /* NULL when off or not yet bound */
    /* The node's telemetry summaries to and from the other nodes; NULL
     * for a graph of one node or without telemetry. */
    struct cluster_link *cluster;
    struct state_dir *state_dir; /* NULL: no state_dir; locked for a run */
    struct snapshot *snapshot;   /* NULL: no checkpoint_ms */
    char **channel_names;        /* graph->n_channels, for the snapshot */
    _Atomic int telemetry_port;  /* release: the server is listening */
    uint64_t load_start_ns;      /* for the start-up time in the log */
    _Atomic bool forced;         /* release: stop waiting and report */
    bool ran;
    /* Start-up, on the init thread: which actor is in init (index + 1; 0:
     * none), and whether all is done (release: init_failed is set). */
    _Atomic size_t in_init;
    _Atomic bool init_done;
    struct steady_actor *init_failed;
    pthread_t init_thread;
    bool init_joinable; /* init_thread not joined yet */
    bool check_only;    /* loaded for `steady check`: never runs */
    bool built;

    /* The watch over a run (runner_wait), kept across calls. */
    enum run_phase phase;
    bool threads_live; /* the scheduler's threads not joined */
    bool *seen_failed; /* set.n_actors: failure already logged */
    const struct steady_actor *failed; /* the first that failed */
    uint64_t shutdown_deadline;        /* 0: shutdown not seen yet */
    bool gave_up; /* timed out or forced: only waits for exits now */
    int final_rc; /* RUN_STOPPED: what runner_wait returns */
    char final_err[1024];
};

const char *steady_version(void)
{
    return STEADY_VERSION;
}

static int apply_telemetry_option(struct graph *g, const char *opt, char *err,
                                  size_t errlen)
{
    char addr[64], *copy;
    int port;

    if (!opt)
        return 0;
    switch (listen_parse(opt, addr, sizeof(addr), &port)) {
    case LISTEN_OFF:
        g->telemetry.enabled = false;
        return 0;
    case LISTEN_ADDRESS:
        break;
    default:
        snprintf(err, errlen,
                 "--telemetry: expected ADDR:PORT with an IPv4 or IPv6 "
                 "address and a port 0 (any free port) or 1 to 65535 in "
                 "decimal digits (e.g. 127.0.0.1:9900), or 'off'; got '%s'",
                 opt);
        return -1;
    }
    copy = strdup(addr);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(g->telemetry.address);
    g->telemetry.address = copy;
    g->telemetry.port = port;
    g->telemetry.port_is_default = false;
    g->telemetry.enabled = true;
    return 0;
}

/* Each actor with persistent state resumes from DIR/ACTOR.state when the
 * file exists and is that actor's; anything else stops the load. A run
 * holds the folder's lock from here until the runtime is destroyed;
 * `steady check` only reads (see state_store.h). */
static int load_states(struct steady_runtime *rt, bool check_only, char *err,
                       size_t errlen)
{
    struct graph *g = rt->graph;
    size_t probe = 0;

    for (size_t i = 0; i < g->n_actors; i++) {
        struct steady_actor *a = rt->actors[i];

        if (!a)
            continue; /* stood in for: it never runs */
        a->state_id = (struct state_id){
            .graph = g->name,
            .actor = a->name,
            .plugin = a->plugin->name,
            .version = a->plugin->version,
            .file = g->actors[i].plugin->path,
            .size = a->plugin->state_size,
        };
        if (!a->plugin->state_size)
            continue;
        if (state_id_check(&a->state_id, err, errlen) < 0)
            return -1;
        if (state_file_size(&a->state_id) > probe)
            probe = state_file_size(&a->state_id);
    }
    if (state_dir_open(g->state_dir,
                       check_only ? STATE_DIR_CHECK : STATE_DIR_RUN, probe,
                       &rt->state_dir, err, errlen) < 0)
        return -1;
    if (!rt->state_dir)
        return 0; /* check, and no folder yet: nothing to read */
    for (size_t i = 0; i < g->n_actors; i++) {
        struct steady_actor *a = rt->actors[i];
        char note[1024];
        bool found;

        if (!a || !a->plugin->state_size)
            continue;
        a->state_path = state_dir_file(rt->state_dir, a->name);
        if (!a->state_path) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (state_load(rt->state_dir, &a->state_id, a->state, &found, note,
                       sizeof(note), err, errlen) < 0)
            return -1;
        if (note[0])
            steady_warn(NULL, "actor '%s': %s", a->name, note);
        if (found)
            steady_info(NULL, "actor '%s' resumes from %s", a->name,
                        a->state_path);
        /* with snapshots the snapshot holds every state: no ACTOR.state
         * is written any more (steady_checkpoint does nothing) */
        if (!check_only && !g->checkpoint_ms)
            a->state_dir = rt->state_dir;
    }
    return 0;
}

/* After a clean stop: 0 when every actor's last save succeeded, else -1
 * naming the first that did not (the others were logged as they failed). */
static int check_saved(struct steady_runtime *rt, char *err, size_t errlen)
{
    const struct steady_actor *first = NULL;
    size_t count = 0;

    for (size_t i = 0; i < rt->set.n_actors; i++) {
        if (!rt->set.actors[i]->state_error[0])
            continue;
        if (!first)
            first = rt->set.actors[i];
        count++;
    }
    if (!first)
        return 0;
    if (count > 1)
        snprintf(err, errlen,
                 "state of actor '%s' (and %zu more) was not saved: %s",
                 first->name, count - 1, first->state_error);
    else
        snprintf(err, errlen, "state of actor '%s' was not saved: %s",
                 first->name, first->state_error);
    return -1;
}

/* --checkpoint-ms N|off, then: snapshots need a state_dir. */
static int apply_checkpoint_option(struct graph *g, const char *opt, char *err,
                                   size_t errlen)
{
    if (opt && strcmp(opt, "off") == 0) {
        g->checkpoint_ms = 0;
    } else if (opt) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(opt, &end, 10);
        if (opt[0] < '0' || opt[0] > '9' || *end || errno ||
            v < GRAPH_CHECKPOINT_MIN_MS || v > GRAPH_CHECKPOINT_MAX_MS) {
            snprintf(err, errlen,
                     "--checkpoint-ms: expected a number of ms from %d to %d "
                     "in decimal digits, or 'off'; got '%s'",
                     GRAPH_CHECKPOINT_MIN_MS, GRAPH_CHECKPOINT_MAX_MS, opt);
            return -1;
        }
        g->checkpoint_ms = (unsigned)v;
        g->checkpoint_pos = (struct graph_pos){ 0, 0 };
    }
    if (!g->checkpoint_ms || g->state_dir)
        return 0;
    if (g->checkpoint_pos.line)
        snprintf(err, errlen,
                 "%s:%d:%d: checkpoint_ms needs a state_dir to write its "
                 "snapshots into: add 'state_dir: DIR' to the graph or pass "
                 "--state-dir DIR",
                 g->file, g->checkpoint_pos.line, g->checkpoint_pos.col);
    else
        snprintf(err, errlen,
                 "--checkpoint-ms needs a state_dir to write its snapshots "
                 "into: add 'state_dir: DIR' to the graph or pass "
                 "--state-dir DIR");
    return -1;
}

static int apply_state_dir_option(struct graph *g, const char *dir, char *err,
                                  size_t errlen)
{
    char *copy;

    if (!dir)
        return 0;
    if (!*dir) {
        snprintf(err, errlen, "--state-dir: expected a folder");
        return -1;
    }
    copy = strdup(dir);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(g->state_dir);
    g->state_dir = copy;
    return 0;
}

/* Hands the scheduler each actor that runs with its troupe and CPU. */
static int plan_threads(struct steady_runtime *rt, char *err, size_t errlen)
{
    struct graph *g = rt->graph;
    struct scheduler_place *places =
        calloc(g->n_actors ? g->n_actors : 1, sizeof(*places));
    size_t n = 0;

    if (!places) {
        snprintf(err, errlen, "out of memory planning threads");
        return -1;
    }
    for (size_t i = 0; i < g->n_actors; i++) {
        if (!rt->actors[i])
            continue;
        places[n].troupe = g->actors[i].troupe;
        places[n].cpu = g->actors[i].cpu;
        places[n].stack_size = (size_t)g->actors[i].stack_kib * 1024;
        n++;
    }
    rt->scheduler = scheduler_create(rt->set.actors, places, n, err, errlen);
    free(places);
    return rt->scheduler ? 0 : -1;
}

/* The actors that run, in graph order: all of them, or those not stood in
 * for (then a list of their own). */
static int list_running(struct steady_runtime *rt)
{
    size_t n = 0;

    rt->set.actors = rt->actors;
    rt->set.n_actors = rt->graph->n_actors;
    if (!rt->stood_in)
        return 0;
    rt->run_actors = calloc(rt->graph->n_actors ? rt->graph->n_actors : 1,
                            sizeof(*rt->run_actors));
    if (!rt->run_actors)
        return -1;
    for (size_t i = 0; i < rt->graph->n_actors; i++)
        if (rt->actors[i])
            rt->run_actors[n++] = rt->actors[i];
    rt->set.actors = rt->run_actors;
    rt->set.n_actors = n;
    return 0;
}

/* One end of a channel: the actor's port, or for an actor stood in for the
 * host waker, which the one standing in waits on. */
static int bind_end(struct steady_runtime *rt, const struct graph_endpoint *e,
                    bool producer, struct steady_channel *ch)
{
    if (rt->actors[e->actor])
        return actor_bind_port(rt->actors[e->actor], (unsigned)e->port, ch);
    if (producer)
        channel_bind_tx(ch, &rt->set.host);
    else
        channel_bind_rx(ch, &rt->set.host);
    return 0;
}

/* One end of channel `ch`, to be bound. */
struct end_ref {
    const struct graph_endpoint *e;
    size_t ch;
    bool producer;
};

static int cmp_end_ref(const void *pa, const void *pb)
{
    const struct graph_endpoint *a = ((const struct end_ref *)pa)->e;
    const struct graph_endpoint *b = ((const struct end_ref *)pb)->e;

    if (a->actor != b->actor)
        return a->actor < b->actor ? -1 : 1;
    if (a->port != b->port)
        return a->port < b->port ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Binds both ends of every channel, each port's in the order of their
 * bundle indices: a bound channel takes the next place of its port, so the
 * channel the file gives index i is steady_port_at(a, port, i) (the loader
 * made each bundle's indices 0..n-1, whether written or in file order). */
static int bind_ends(struct steady_runtime *rt)
{
    const struct graph *g = rt->graph;
    struct end_ref *ends = calloc(2 * g->n_channels + 1, sizeof(*ends));
    int rc = 0;

    if (!ends)
        return -1;
    for (size_t i = 0; i < g->n_channels; i++) {
        ends[2 * i] = (struct end_ref){ &g->channels[i].from, i, true };
        ends[2 * i + 1] = (struct end_ref){ &g->channels[i].to, i, false };
    }
    qsort(ends, 2 * g->n_channels, sizeof(*ends), cmp_end_ref);
    for (size_t k = 0; k < 2 * g->n_channels && rc == 0; k++)
        rc =
            bind_end(rt, ends[k].e, ends[k].producer, rt->channels[ends[k].ch]);
    free(ends);
    return rc;
}

/* "gen.out -> work.in", "split.out[1] -> b.in": how a snapshot names a
 * channel. NULL when out of memory. */
static char *channel_name(const struct graph *g, const struct graph_channel *c)
{
    const struct graph_actor *f = &g->actors[c->from.actor];
    const struct graph_actor *t = &g->actors[c->to.actor];
    char fi[16] = "", ti[16] = "", *out;
    int n;

    if (plugin_port_is_bundle(f->plugin->desc, c->from.port))
        snprintf(fi, sizeof(fi), "[%u]", c->from.index);
    if (plugin_port_is_bundle(t->plugin->desc, c->to.port))
        snprintf(ti, sizeof(ti), "[%u]", c->to.index);
    n = snprintf(NULL, 0, "%s.%s%s -> %s.%s%s", f->name,
                 f->plugin->desc->ports[c->from.port].name, fi, t->name,
                 t->plugin->desc->ports[c->to.port].name, ti);
    out = malloc((size_t)n + 1);
    if (out)
        snprintf(out, (size_t)n + 1, "%s.%s%s -> %s.%s%s", f->name,
                 f->plugin->desc->ports[c->from.port].name, fi, t->name,
                 t->plugin->desc->ports[c->to.port].name, ti);
    return out;
}

/* With checkpoint_ms: the coordinator, and the resume from the last
 * snapshot, if any. Without: a snapshot left in the folder is refused,
 * since the ACTOR.state files beside it are older than it. */
static int open_snapshot(struct steady_runtime *rt, char *err, size_t errlen)
{
    struct graph *g = rt->graph;
    struct snapshot_desc d;
    bool found;

    if (!g->checkpoint_ms) {
        if (!state_dir_has(rt->state_dir, SNAPSHOT_FILE))
            return 0;
        snprintf(err, errlen,
                 "%s/%s: the state_dir holds a snapshot of the whole "
                 "process, written by a run with checkpoint_ms, and this "
                 "run has none: add 'checkpoint_ms: N' to the graph (or "
                 "pass --checkpoint-ms N) to resume from it, or move it "
                 "away to resume from the per-actor ACTOR.state files, "
                 "which are older",
                 state_dir_path(rt->state_dir), SNAPSHOT_FILE);
        return -1;
    }
    if (rt->stood_in) {
        snprintf(err, errlen,
                 "%s: snapshots (checkpoint_ms) need every actor to run; "
                 "none may be stood in for",
                 g->file);
        return -1;
    }
    rt->channel_names =
        calloc(g->n_channels ? g->n_channels : 1, sizeof(*rt->channel_names));
    if (!rt->channel_names)
        goto err_oom;
    for (size_t i = 0; i < g->n_channels; i++)
        if (!(rt->channel_names[i] = channel_name(g, &g->channels[i])))
            goto err_oom;
    d = (struct snapshot_desc){
        .graph = g->name,
        .actors = rt->actors,
        .n_actors = g->n_actors,
        .channels = rt->channels,
        .channel_names = (const char *const *)rt->channel_names,
        .n_channels = g->n_channels,
    };
    rt->snapshot =
        snapshot_create(&rt->set, &d, rt->state_dir, g->checkpoint_ms);
    if (!rt->snapshot)
        goto err_oom;
    return snapshot_restore(rt->snapshot, &found, err, errlen);

err_oom:
    snprintf(err, errlen, "%s: out of memory building the graph", g->file);
    return -1;
}

static int build(struct steady_runtime *rt, bool check_only, char *err,
                 size_t errlen)
{
    struct graph *g = rt->graph;

    rt->actors = calloc(g->n_actors ? g->n_actors : 1, sizeof(*rt->actors));
    rt->channels =
        calloc(g->n_channels ? g->n_channels : 1, sizeof(*rt->channels));
    if (!rt->actors || !rt->channels)
        goto err_oom;
    for (size_t i = 0; i < g->n_actors; i++) {
        if (rt->stood_in && rt->stood_in[i])
            continue;
        rt->actors[i] =
            actor_create(g->actors[i].name, g->actors[i].plugin->desc,
                         g->actors[i].params, &rt->set);
        if (!rt->actors[i])
            goto err_oom;
        rt->actors[i]->policy = g->actors[i].restart;
        if (g->actors[i].any_type)
            actor_set_any_type(rt->actors[i], g->actors[i].any_type,
                               g->actors[i].any_size);
    }
    if (g->state_dir && load_states(rt, check_only, err, errlen) < 0)
        return -1;
    if (list_running(rt) < 0)
        goto err_oom;
    /* before wiring: troupe members change waker, channels must know */
    if (plan_threads(rt, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < g->n_channels; i++) {
        const struct graph_channel *gc = &g->channels[i];

        if (gc->elem_size == STEADY_VARSIZE)
            rt->channels[i] = steady_channel_create_varsize(
                gc->capacity, gc->bytes, gc->type_name);
        else
            rt->channels[i] = steady_channel_create(gc->capacity, gc->elem_size,
                                                    gc->type_name);
        /* the graph checked the policy: only memory can fail here */
        if (!rt->channels[i] ||
            steady_channel_set_overflow(rt->channels[i], gc->overflow) < 0)
            goto err_oom;
        if (g->actors[gc->from.actor].plugin->channel_layout < 3 ||
            g->actors[gc->to.actor].plugin->channel_layout < 3)
            channel_pin_fence(rt->channels[i]);
    }
    if (bind_ends(rt) < 0)
        goto err_oom;
    return rt->state_dir ? open_snapshot(rt, err, errlen) : 0;

err_oom:
    snprintf(err, errlen, "%s: out of memory building the graph", g->file);
    return -1;
}

/* A graph of several nodes runs one node per process: without --node,
 * `run` refuses naming them, and `check` (which loaded every plugin it
 * could) also loads the graph as each node would and splits it, so the
 * bridges each node needs are checked too. Then the graph loaded is split
 * for its node (a durable channel is split even in a graph of one node). */
static int open_nodes(struct steady_runtime *rt, const char *file,
                      const struct graph_override *ovr,
                      const struct steady_runtime_options *opt, char *err,
                      size_t errlen)
{
    struct graph *g = rt->graph;

    if (g->n_nodes > 1 && !g->node && !opt->check_only) {
        char list[512];
        size_t used = 0;

        list[0] = '\0';
        for (size_t i = 0; i < g->n_nodes && used < sizeof(list); i++)
            used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
                                     i ? ", " : "", g->nodes[i]);
        snprintf(err, errlen,
                 "%s: the graph is spread over %zu nodes (%s); run one of "
                 "them per process with --node NAME, e.g. 'steady run %s "
                 "--node %s'",
                 file, g->n_nodes, list, file, g->nodes[0]);
        return -1;
    }
    if (g->n_nodes > 1 && !g->node) {
        for (size_t i = 0; i < g->n_nodes; i++) {
            struct graph_load_options lopt = { g->nodes[i], opt->nats };
            struct graph *one = graph_load_node(
                file, ovr, opt->n_overrides, &lopt, rt->registry, err, errlen);
            int rc =
                one ? graph_split(one, rt->registry, NULL, err, errlen) : -1;

            graph_destroy(one);
            if (rc < 0)
                return -1;
        }
        return 0;
    }
    if (graph_split(g, rt->registry, NULL, err, errlen) < 0)
        return -1;
    for (size_t i = 0; !opt->check_only && i < g->n_actors; i++)
        if (g->actors[i].bridge)
            return nats_probe(g->nats.url, 2000, err, errlen);
    return 0;
}

/* Two nodes on one machine must not share a state folder (each locks
 * it): a node keeps its state in the node-named folder inside it. */
static int node_state_dir(struct graph *g, char *err, size_t errlen)
{
    size_t len;
    char *dir;

    if (!g->node || !g->state_dir)
        return 0;
    len = strlen(g->state_dir) + strlen(g->node) + 2;
    dir = malloc(len);
    if (!dir) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(dir, len, "%s/%s", g->state_dir, g->node);
    free(g->state_dir);
    g->state_dir = dir;
    return 0;
}

int runner_open(const char *file, const struct steady_runtime_options *opt,
                struct steady_runtime **out, char *err, size_t errlen)
{
    static const struct steady_runtime_options none = { 0 };
    struct graph_load_options lopt = { 0 };
    struct graph_override *ovr = NULL;
    struct steady_runtime *rt;

    if (!opt)
        opt = &none;
    rt = calloc(1, sizeof(*rt));
    if (rt)
        rt->load_start_ns = now_ns();
    if (!rt) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    actor_set_init(&rt->set);
    rt->check_only = opt->check_only;
    atomic_init(&rt->forced, false);
    atomic_init(&rt->in_init, 0);
    atomic_init(&rt->init_done, false);
    atomic_init(&rt->telemetry_port, 0);
    rt->registry = plugin_registry_create(opt->plugin_path);
    if (opt->n_overrides) {
        ovr = calloc(opt->n_overrides, sizeof(*ovr));
        if (!ovr)
            goto err_oom;
        for (size_t i = 0; i < opt->n_overrides; i++) {
            ovr[i].name = opt->overrides[2 * i];
            ovr[i].value = opt->overrides[2 * i + 1];
        }
    }
    if (!rt->registry)
        goto err_oom;
    if (opt->allow_writable_plugins)
        plugin_registry_allow_writable(rt->registry, true);
    lopt.node = opt->node;
    lopt.nats_url = opt->nats;
    rt->graph = graph_load_node(file, ovr, opt->n_overrides, &lopt,
                                rt->registry, err, errlen);
    if (rt->graph && open_nodes(rt, file, ovr, opt, err, errlen) < 0) {
        graph_destroy(rt->graph);
        rt->graph = NULL;
    }
    /* every plugin is open: the process that checked them can go */
    plugin_registry_loaded(rt->registry);
    free(ovr);
    ovr = NULL;
    if (!rt->graph)
        goto err_destroy;
    plan_log_debug(rt->graph);
    if (apply_telemetry_option(rt->graph, opt->telemetry, err, errlen) < 0 ||
        apply_state_dir_option(rt->graph, opt->state_dir, err, errlen) < 0 ||
        node_state_dir(rt->graph, err, errlen) < 0 ||
        apply_checkpoint_option(rt->graph, opt->checkpoint_ms, err, errlen) < 0)
        goto err_destroy;
    *out = rt;
    return 0;

err_oom:
    snprintf(err, errlen, "out of memory");
err_destroy:
    free(ovr);
    steady_runtime_destroy(rt);
    return -1;
}

int steady_runtime_load(const char *file,
                        const struct steady_runtime_options *opt,
                        struct steady_runtime **out, char *err, size_t errlen)
{
    struct steady_runtime *rt;

    if (runner_open(file, opt, &rt, err, errlen) < 0)
        return -1;
    if (runner_build(rt, NULL, err, errlen) < 0) {
        steady_runtime_destroy(rt);
        return -1;
    }
    *out = rt;
    return 0;
}

const struct graph *runner_graph(const struct steady_runtime *rt)
{
    return rt->graph;
}

int runner_build(struct steady_runtime *rt, const bool *stood_in, char *err,
                 size_t errlen)
{
    size_t n = rt->graph->n_actors;
    bool any = false;

    if (rt->built) {
        snprintf(err, errlen, "%s: the graph is built already",
                 rt->graph->file);
        return -1;
    }
    rt->built = true;
    for (size_t i = 0; stood_in && i < n; i++)
        any = any || stood_in[i];
    if (any) {
        if (rt->graph->telemetry.enabled) {
            snprintf(err, errlen,
                     "%s: telemetry must be off while actors are stood in "
                     "for",
                     rt->graph->file);
            return -1;
        }
        rt->stood_in = calloc(n, sizeof(*rt->stood_in));
        if (!rt->stood_in) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        memcpy(rt->stood_in, stood_in, n * sizeof(*rt->stood_in));
    }
    return build(rt, rt->check_only, err, errlen);
}

struct steady_channel *runner_channel(struct steady_runtime *rt, size_t i)
{
    return rt->channels && i < rt->graph->n_channels ? rt->channels[i] : NULL;
}

struct steady_actor *runner_actor(struct steady_runtime *rt, size_t i)
{
    return rt->actors && i < rt->graph->n_actors ? rt->actors[i] : NULL;
}

struct actor_set *runner_set(struct steady_runtime *rt)
{
    return &rt->set;
}

bool runner_settle_stand_ins(struct steady_runtime *rt)
{
    if (!atomic_load_explicit(&rt->set.shutdown, memory_order_acquire))
        return false;
    if (rt->stood_in && rt->channels && !rt->stand_ins_settled) {
        rt->stand_ins_settled = true;
        for (size_t i = 0; i < rt->graph->n_channels; i++)
            if (rt->channels[i] &&
                rt->stood_in[rt->graph->channels[i].from.actor])
                steady_channel_close(rt->channels[i]);
    }
    return true;
}

void steady_runtime_describe(const struct steady_runtime *rt, char *buf,
                             size_t len)
{
    snprintf(buf, len, "graph '%s': %zu actor%s, %zu channel%s",
             rt->graph->name, rt->graph->n_actors,
             rt->graph->n_actors == 1 ? "" : "s", rt->graph->n_channels,
             rt->graph->n_channels == 1 ? "" : "s");
}

void steady_runtime_describe_resolved(const struct steady_runtime *rt,
                                      FILE *out)
{
    plan_write_resolved(rt->graph, out);
}

/* The init thread: each actor's init in graph order, until one fails or
 * shutdown is requested. */
static void *init_thread(void *arg)
{
    struct steady_runtime *rt = arg;

    for (size_t i = 0; i < rt->set.n_actors; i++) {
        struct steady_actor *a = rt->set.actors[i];

        if (atomic_load_explicit(&rt->set.shutdown, memory_order_acquire))
            break;
        atomic_store_explicit(&rt->in_init, i + 1, memory_order_relaxed);
        if (actor_init(a) < 0) {
            rt->init_failed = a;
            break;
        }
    }
    atomic_store_explicit(&rt->in_init, 0, memory_order_relaxed);
    /* release: init_failed and every actor's init are complete */
    atomic_store_explicit(&rt->init_done, true, memory_order_release);
    waker_wake(&rt->set.host);
    return NULL;
}

/* Which actor is in init now, for the reports of a stop during start-up. */
static void describe_in_init(struct steady_runtime *rt, char *buf, size_t len)
{
    size_t i = atomic_load_explicit(&rt->in_init, memory_order_relaxed);

    if (i)
        snprintf(buf, len, "actor '%s' (plugin %s) is still in init",
                 rt->set.actors[i - 1]->name,
                 rt->set.actors[i - 1]->plugin->name);
    else
        snprintf(buf, len, "the actors were still being initialised");
}

/* The earlier of two deadlines, 0 standing for none. */
static uint64_t earliest(uint64_t a, uint64_t b)
{
    if (!a)
        return b;
    return b && b < a ? b : a;
}

/* Runs every init on a thread of its own while this thread watches, so a
 * signal is honoured even when an init never returns: shutdown gives the
 * init the shutdown timeout, a forced stop ends the wait at once, and so
 * does `until` (0: none). Returns 0, or -1 with err set (then the init
 * thread may still run: runner_busy says so). */
static int init_actors(struct steady_runtime *rt, uint64_t until, char *err,
                       size_t errlen)
{
    uint64_t timeout_ns = (uint64_t)rt->graph->shutdown_timeout_ms * 1000000u;
    uint64_t deadline = 0;
    char who[256];
    sigset_t old;
    int e;

    scheduler_block_signals(&old);
    e = pthread_create(&rt->init_thread, NULL, init_thread, rt);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e) {
        snprintf(err, errlen,
                 "cannot start a thread to initialise the actors: %s",
                 strerror(e));
        return -1;
    }
    rt->init_joinable = true;
    for (;;) {
        uint32_t seen = waker_seq(&rt->set.host);

        if (atomic_load_explicit(&rt->init_done, memory_order_acquire))
            break;
        if (atomic_load_explicit(&rt->forced, memory_order_acquire)) {
            describe_in_init(rt, who, sizeof(who));
            snprintf(err, errlen,
                     "stopped by a second signal during start-up; %s", who);
            return -1;
        }
        if (!deadline &&
            atomic_load_explicit(&rt->set.shutdown, memory_order_acquire)) {
            deadline = now_ns() + timeout_ns;
            describe_in_init(rt, who, sizeof(who));
            steady_info(NULL,
                        "shutdown requested during start-up; waiting up "
                        "to %u ms: %s",
                        rt->graph->shutdown_timeout_ms, who);
        }
        if (deadline && now_ns() >= deadline) {
            describe_in_init(rt, who, sizeof(who));
            snprintf(err, errlen,
                     "shutdown timed out after %u ms during start-up; %s",
                     rt->graph->shutdown_timeout_ms, who);
            return -1;
        }
        if (until && now_ns() >= until) {
            describe_in_init(rt, who, sizeof(who));
            snprintf(err, errlen, "start-up took too long; %s", who);
            return -1;
        }
        waker_wait(&rt->set.host, seen, earliest(deadline, until));
    }
    pthread_join(rt->init_thread, NULL);
    rt->init_joinable = false;
    if (rt->init_failed) {
        struct steady_actor *a = rt->init_failed;

        snprintf(err, errlen, "actor '%s' (plugin %s) failed to start: %s",
                 a->name, a->plugin->name, a->error);
        return -1;
    }
    return 0;
}

/* Every actor's destroy, each guarded like init and run. 0, or -1 with the
 * first failure in err (every failure is logged). */
static int fini_actors(struct steady_runtime *rt, char *err, size_t errlen)
{
    int rc = 0;

    for (size_t i = 0; i < rt->set.n_actors; i++) {
        struct steady_actor *a = rt->set.actors[i];

        if (actor_fini(a) == 0)
            continue;
        steady_error(NULL, "actor '%s' (plugin %s) failed in destroy: %s",
                     a->name, a->plugin->name, a->error);
        /* err may cut the reason short: the log line above has it whole */
        if (rc == 0 &&
            snprintf(err, errlen,
                     "actor '%s' (plugin %s) failed in destroy: %s", a->name,
                     a->plugin->name, a->error) >= (int)errlen)
            err[errlen - 1] = '\0';
        rc = -1;
    }
    return rc;
}

static void report_stragglers(struct steady_runtime *rt, const char *what,
                              char *err, size_t errlen)
{
    char names[512] = "";
    size_t used = 0, count = 0;

    for (size_t i = 0; i < rt->set.n_actors; i++) {
        struct steady_actor *a = rt->set.actors[i];
        char why[600];

        if (atomic_load_explicit(&a->status, memory_order_acquire) >=
            ACTOR_EXITED)
            continue;
        actor_describe_wait(a, why, sizeof(why));
        steady_error(NULL, "actor '%s' has not exited: %s", a->name, why);
        if (used < sizeof(names))
            used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
                                     count ? ", " : "", a->name);
        count++;
    }
    snprintf(err, errlen, "%s; %zu actor%s still running: %s", what, count,
             count == 1 ? "" : "s", names);
}

/* Waits for every actor to exit, starting the shutdown clock when shutdown
 * is requested. Returns 0 when all exited, 1 when `until` (0: never) came
 * first, -1 on a shutdown timeout or forced stop (err says who had not
 * finished); after that -1 it only waits for the exits. */
static int watch(struct steady_runtime *rt, uint64_t until, char *err,
                 size_t errlen)
{
    size_t n = rt->set.n_actors;
    uint64_t timeout_ns = (uint64_t)rt->graph->shutdown_timeout_ms * 1000000u;

    for (;;) {
        uint32_t seen = waker_seq(&rt->set.host);
        size_t exited = 0;

        for (size_t i = 0; i < n; i++) {
            struct steady_actor *a = rt->set.actors[i];
            int st = atomic_load_explicit(&a->status, memory_order_acquire);

            if (st == ACTOR_FAILED && rt->seen_failed && !rt->seen_failed[i]) {
                rt->seen_failed[i] = true;
                steady_error(NULL, "actor '%s' failed: %s", a->name, a->error);
                if (!rt->failed)
                    rt->failed = a;
                actor_set_request_shutdown(&rt->set, false);
            }
            if (st >= ACTOR_EXITED)
                exited++;
        }
        if (exited == n)
            return 0;
        if (!rt->gave_up &&
            atomic_load_explicit(&rt->forced, memory_order_acquire)) {
            rt->gave_up = true;
            report_stragglers(rt, "stopped by a second signal", err, errlen);
            return -1;
        }
        if (atomic_load_explicit(&rt->set.shutdown, memory_order_acquire) &&
            !rt->shutdown_deadline) {
            rt->shutdown_deadline = now_ns() + timeout_ns;
            runner_settle_stand_ins(rt);
            steady_info(NULL,
                        "shutdown requested%s; waiting up to %u ms for "
                        "%zu actor%s to finish",
                        atomic_load(&rt->set.shutdown_by_actor) ? " by an actor"
                                                                : "",
                        rt->graph->shutdown_timeout_ms, n - exited,
                        n - exited == 1 ? "" : "s");
        }
        if (!rt->gave_up && rt->shutdown_deadline &&
            now_ns() >= rt->shutdown_deadline) {
            char what[64];

            rt->gave_up = true;
            snprintf(what, sizeof(what), "shutdown timed out after %u ms",
                     rt->graph->shutdown_timeout_ms);
            report_stragglers(rt, what, err, errlen);
            return -1;
        }
        if (until && now_ns() >= until)
            return 1;
        waker_wait(&rt->set.host, seen,
                   earliest(rt->gave_up ? 0 : rt->shutdown_deadline, until));
    }
}

static double timeval_ms(struct timeval tv)
{
    return (double)tv.tv_sec * 1e3 + (double)tv.tv_usec / 1e3;
}

/* The closing summary: wall time and the CPU the whole process used. */
static void report_usage(const struct steady_runtime *rt, uint64_t start)
{
    struct rusage ru;
    double wall_s = (double)(now_ns() - start) / 1e9;
    double cpu_ms = 0;

    memset(&ru, 0, sizeof(ru));
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        cpu_ms = timeval_ms(ru.ru_utime) + timeval_ms(ru.ru_stime);
    /* a share of one core means little over a blink */
    if (wall_s < 0.5)
        steady_info(NULL,
                    "graph '%s' stopped cleanly after %.3f s; CPU %.1f ms, "
                    "max RSS %.1f MiB",
                    rt->graph->name, wall_s, cpu_ms,
                    (double)ru.ru_maxrss / 1024.0);
    else
        steady_info(NULL,
                    "graph '%s' stopped cleanly after %.3f s; CPU %.1f ms "
                    "(%.2f%% of one core), max RSS %.1f MiB",
                    rt->graph->name, wall_s, cpu_ms, cpu_ms / (wall_s * 10.0),
                    (double)ru.ru_maxrss / 1024.0);
}

/* Binds the telemetry server before any actor initialises, so a port in
 * use stops the run before anything happened. */
static int open_telemetry(struct steady_runtime *rt, char *err, size_t errlen)
{
    if (!rt->graph->telemetry.enabled)
        return 0;
    rt->telemetry =
        telemetry_create(rt->graph, rt->actors, rt->channels, err, errlen);
    if (!rt->telemetry)
        return -1;
    atomic_store_explicit(&rt->telemetry_port, telemetry_port(rt->telemetry),
                          memory_order_release);
    return 0;
}

/* Starts sampling once the actors run; a graph runs on without it. */
static void start_telemetry(struct steady_runtime *rt)
{
    char why[256];

    if (rt->telemetry && telemetry_start(rt->telemetry, why, sizeof(why)) < 0) {
        steady_warn(NULL, "%s; running without telemetry", why);
        telemetry_stop(rt->telemetry);
        return;
    }
    if (rt->telemetry && rt->graph->node && rt->graph->nats.url &&
        !(rt->cluster =
              cluster_link_start(rt->graph, rt->telemetry, why, sizeof(why))))
        steady_warn(NULL, "telemetry: %s; /cluster.svg shows this node only",
                    why);
}

static void stop_cluster_link(struct steady_runtime *rt)
{
    cluster_link_stop(rt->cluster);
    rt->cluster = NULL;
}

int steady_runtime_telemetry_port(const struct steady_runtime *rt)
{
    return atomic_load_explicit(&rt->telemetry_port, memory_order_acquire);
}

/* ---- exit() from a plugin ------------------------------------------------
 * exit() called by an actor's code would end the process with the
 * plugin's status, skipping the drain and every state save, and nobody
 * would know who did it. While a graph runs, an atexit hook turns it into
 * that actor's failure: named, logged, and exit status 1. */

static _Atomic bool exit_guard_armed;
static pthread_once_t exit_guard_once = PTHREAD_ONCE_INIT;

static void exit_guard(void)
{
    const char *phase;
    struct steady_actor *a;
    char line[1024];

    if (!atomic_load_explicit(&exit_guard_armed, memory_order_acquire))
        return;
    a = actor_current(&phase);
    if (!a)
        return; /* not an actor's thread: whoever called exit meant it */
    snprintf(line, sizeof(line),
             "steady: actor '%s' (plugin %s) failed: it called exit() in %s; "
             "a plugin must return an error or fail instead of ending the "
             "process (stopped at once: no drain, no state saved)\n",
             a->name, a->plugin->name, phase ? phase : "run");
    steady_log_text(line);
    (void)steady_log_flush(1000);
    _exit(1);
}

static void register_exit_guard(void)
{
    atexit(exit_guard);
}

static void report_dropped_log_lines(void)
{
    uint64_t n = steady_log_dropped();

    if (n)
        steady_warn(NULL,
                    "%llu log line%s dropped because stderr did not take "
                    "them (log_lines_dropped_total in /metrics)",
                    (unsigned long long)n, n == 1 ? " was" : "s were");
}

/* Opens telemetry, runs every init and starts the actors' threads. 0: the
 * actors run; 1: shutdown came before any actor started (none runs); -1:
 * failed, err says why. The inits are given until `init_until` (0: no
 * limit). */
static int start_graph(struct steady_runtime *rt, uint64_t init_until,
                       char *err, size_t errlen)
{
    if (atomic_load_explicit(&rt->set.shutdown, memory_order_acquire)) {
        steady_info(NULL,
                    "shutdown requested before graph '%s' started; no actor "
                    "ran",
                    rt->graph->name);
        return 1;
    }
    rt->seen_failed =
        calloc(rt->set.n_actors ? rt->set.n_actors : 1, sizeof(bool));
    if (open_telemetry(rt, err, errlen) < 0)
        return -1;
    if (init_actors(rt, init_until, err, errlen) < 0) {
        telemetry_stop(rt->telemetry);
        return -1;
    }
    if (atomic_load_explicit(&rt->set.shutdown, memory_order_acquire)) {
        telemetry_stop(rt->telemetry);
        steady_info(NULL,
                    "shutdown requested while graph '%s' was starting; "
                    "no actor ran",
                    rt->graph->name);
        return fini_actors(rt, err, errlen) < 0 ? -1 : 1;
    }
    steady_info(
        NULL,
        "graph '%s' starting: %zu actors on %zu thread%s, %zu "
        "channels (loaded and initialised in %.1f ms)",
        rt->graph->name, rt->set.n_actors, scheduler_threads(rt->scheduler),
        scheduler_threads(rt->scheduler) == 1 ? "" : "s", rt->graph->n_channels,
        (double)(now_ns() - rt->load_start_ns) / 1e6);
    rt->threads_live = true;
    rt->phase = RUN_RUNNING;
    if (scheduler_start(rt->scheduler, err, errlen) < 0) {
        char ignored[256];

        /* the actors without a thread are finished already; the others
         * drain, and the reason is reported at once */
        steady_error(NULL, "%s; stopping the actors already started", err);
        actor_set_request_shutdown(&rt->set, false);
        if (watch(rt, 0, ignored, sizeof(ignored)) == 0) {
            scheduler_join(rt->scheduler);
            rt->threads_live = false;
            rt->phase = RUN_STOPPED;
        }
        rt->gave_up = true; /* whatever happens next, this run failed */
        telemetry_stop(rt->telemetry);
        return -1;
    }
    if (snapshot_resumes_shutdown(rt->snapshot)) {
        steady_info(NULL, "shutdown had been requested before the snapshot "
                          "this run resumes from: requested again");
        actor_set_request_shutdown(&rt->set, true);
    }
    if (rt->snapshot && snapshot_start(rt->snapshot, err, errlen) < 0) {
        steady_error(NULL, "%s; stopping the graph", err);
        actor_set_request_shutdown(&rt->set, false);
        rt->gave_up = true;
        snprintf(rt->final_err, sizeof(rt->final_err), "%s", err);
    }
    start_telemetry(rt);
    return 0;
}

/* Every actor has exited: joins their threads, then, when nothing failed,
 * runs every destroy and checks the saved states. 0, or -1 with err set. */
static int finish_graph(struct steady_runtime *rt, char *err, size_t errlen)
{
    scheduler_join(rt->scheduler);
    rt->threads_live = false;
    stop_cluster_link(rt);
    telemetry_stop(rt->telemetry);
    snapshot_stop(rt->snapshot);
    if (rt->gave_up) {
        snprintf(err, errlen, "%s", rt->final_err);
        return -1;
    }
    if (!rt->failed &&
        !atomic_load_explicit(&rt->set.shutdown, memory_order_acquire))
        steady_info(NULL,
                    "graph '%s' ended by itself: every actor has finished "
                    "(end of stream)",
                    rt->graph->name);
    if (rt->failed) {
        snprintf(err, errlen, "actor '%s' failed: %s", rt->failed->name,
                 rt->failed->error);
        return -1;
    }
    /* the last snapshot, before destroy: a plugin's destroy sees it done */
    if (rt->snapshot) {
        char ignored[256];
        int rc = snapshot_take(rt->snapshot, SNAPSHOT_FINAL, SNAPSHOT_HOLD_MS,
                               err, errlen);

        if (rc != 0) {
            if (rc > 0)
                snprintf(err, errlen, "the final snapshot was not taken");
            fini_actors(rt, ignored, sizeof(ignored));
            return -1;
        }
    }
    /* "stopped cleanly" only once every destroy has run cleanly too */
    if (fini_actors(rt, err, errlen) < 0)
        return -1;
    /* a stop whose state is lost is not clean: the next run would replay */
    return check_saved(rt, err, errlen) < 0 ? -1 : 0;
}

static void stop_with(struct steady_runtime *rt, int rc, const char *err)
{
    rt->phase = RUN_STOPPED;
    rt->final_rc = rc;
    snprintf(rt->final_err, sizeof(rt->final_err), "%s", rc < 0 ? err : "");
}

int runner_start(struct steady_runtime *rt, uint64_t init_until, char *err,
                 size_t errlen)
{
    int rc;

    if (rt->ran || rt->check_only || !rt->built) {
        snprintf(err, errlen, "cannot start a graph %s",
                 rt->ran          ? "twice"
                 : rt->check_only ? "loaded with check_only"
                                  : "that is not built");
        return -1;
    }
    rt->ran = true;
    rc = start_graph(rt, init_until, err, errlen);
    if (rc < 0 && rt->phase == RUN_RUNNING) {
        /* threads still run: runner_wait waits for them */
        snprintf(rt->final_err, sizeof(rt->final_err), "%s", err);
        return -1;
    }
    if (rc != 0)
        stop_with(rt, rc < 0 ? -1 : 0, err);
    return rc < 0 ? -1 : 0;
}

int runner_wait(struct steady_runtime *rt, uint64_t until, char *err,
                size_t errlen)
{
    int rc;

    if (rt->phase == RUN_LOADED) {
        snprintf(err, errlen, "the graph was not started");
        return -1;
    }
    if (rt->phase == RUN_STOPPED) {
        snprintf(err, errlen, "%s", rt->final_err);
        return rt->final_rc;
    }
    rc = watch(rt, until, err, errlen);
    if (rc == 1)
        return 1;
    if (rc < 0) {
        snprintf(rt->final_err, sizeof(rt->final_err), "%s", err);
        return -1;
    }
    rc = finish_graph(rt, err, errlen);
    stop_with(rt, rc, err);
    return rc;
}

bool runner_busy(struct steady_runtime *rt)
{
    if (rt->init_joinable) {
        if (!atomic_load_explicit(&rt->init_done, memory_order_acquire))
            return true;
        pthread_join(rt->init_thread, NULL);
        rt->init_joinable = false;
    }
    return rt->threads_live;
}

int steady_runtime_run(struct steady_runtime *rt, char *err, size_t errlen)
{
    uint64_t start = now_ns();
    bool ran;
    int rc;

    if (rt->ran || rt->check_only) {
        snprintf(err, errlen, "steady_runtime_run called %s",
                 rt->ran ? "twice" : "on a runtime loaded with check_only");
        return -1;
    }
    pthread_once(&exit_guard_once, register_exit_guard);
    atomic_store_explicit(&exit_guard_armed, true, memory_order_release);
    rc = runner_start(rt, 0, err, errlen);
    /* shutdown may have come before any actor started: nothing to wait for */
    ran = rc == 0 && rt->phase == RUN_RUNNING;
    if (ran)
        rc = runner_wait(rt, 0, err, errlen);
    atomic_store_explicit(&exit_guard_armed, false, memory_order_release);
    report_dropped_log_lines();
    if (ran && rc == 0)
        report_usage(rt, start);
    return rc < 0 ? -1 : 0;
}

void steady_runtime_request_shutdown(struct steady_runtime *rt)
{
    actor_set_request_shutdown(&rt->set, false);
}

void steady_runtime_force_stop(struct steady_runtime *rt)
{
    atomic_store_explicit(&rt->forced, true, memory_order_release);
    waker_wake(&rt->set.host);
}

void steady_runtime_destroy(struct steady_runtime *rt)
{
    if (!rt)
        return;
    stop_cluster_link(rt);            /* it feeds the telemetry */
    telemetry_destroy(rt->telemetry); /* it borrows actors and channels */
    snapshot_destroy(rt->snapshot);   /* so does the snapshot */
    for (size_t i = 0; rt->channel_names && i < rt->graph->n_channels; i++)
        free(rt->channel_names[i]);
    free(rt->channel_names);
    if (rt->graph) {
        for (size_t i = 0; rt->actors && i < rt->graph->n_actors; i++)
            actor_destroy(rt->actors[i]);
        for (size_t i = 0; rt->channels && i < rt->graph->n_channels; i++)
            steady_channel_destroy(rt->channels[i]);
    }
    free(rt->actors);
    free(rt->run_actors);
    free(rt->stood_in);
    free(rt->seen_failed);
    free(rt->channels);
    state_dir_close(rt->state_dir); /* releases the lock */
    scheduler_destroy(rt->scheduler);
    graph_destroy(rt->graph);
    plugin_registry_destroy(rt->registry);
    free(rt);
}
