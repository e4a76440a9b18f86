/* graph.h - the graph file as a checked, resolved model: actors with their
 * plugin and typed params, channels between ports, telemetry settings.
 *
 * graph_load() parses the YAML with libyaml and runs every check in
 * design.md before returning, so a returned graph is safe to start.
 * Private to libsteady.
 */
#ifndef STEADY_GRAPH_H
#define STEADY_GRAPH_H

#include "loader.h"
#include "param.h"
#include "restart.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct graph_pos {
    int line; /* 1-based */
    int col;  /* 1-based */
};

/* One command-line or file argument: `--rate 500` or `args: {rate: 1000}`. */
struct graph_arg {
    char *name;
    char *value; /* text as written */
    struct graph_pos pos;
    bool used;       /* referenced by some $name */
    bool overridden; /* value from `--NAME VALUE` on the command line */
};

enum alert_color { ALERT_NONE = 0, ALERT_YELLOW, ALERT_ORANGE, ALERT_RED };

/* What telemetry measures over its window: per channel its fill (percent
 * of capacity), rate (items taken per second) and latency (ms an item
 * waits); per actor its CPU (mCPU, 1024 = one core) and load (percent of
 * the graph's CPU). Channels use the first three, actors the last two. */
enum graph_measure {
    MEASURE_FILLED,
    MEASURE_RATE,
    MEASURE_LATENCY,
    MEASURE_MCPU,
    MEASURE_LOAD,
};
#define GRAPH_N_MEASURES         5
#define GRAPH_N_CHANNEL_MEASURES 3

/* A statistic of one measure over the window. STAT_STDDEVS is only for
 * alerts: the average moved by N standard deviations. */
enum graph_stat {
    STAT_AVG,
    STAT_MIN,
    STAT_MAX,
    STAT_STDDEV,
    STAT_PERCENTILE,
    STAT_STDDEVS,
};
#define GRAPH_N_STATS 6

/* Percentiles are kept in hundredths of a percent, as the seed's `p`
 * label writes them: 8000 is the 80th, 9990 the 99.9th. */
#define GRAPH_MAX_PERCENTILES 8

/* What `stats:` asks telemetry to show for one measure, besides its
 * average, which is always shown. */
struct graph_stats {
    unsigned shown; /* bits 1u << STAT_MIN, STAT_MAX, STAT_STDDEV */
    unsigned n_percentiles;
    uint16_t percentiles[GRAPH_MAX_PERCENTILES]; /* 1..9999, as written */
};

/* One alert: `when: STAT_MEASURE_above|below`, the value, the colour. */
struct graph_alert {
    enum graph_measure measure;
    enum graph_stat stat;
    bool below;          /* holds when the statistic is below value */
    double value;        /* in the measure's unit (%, items/s, ms, mCPU) */
    uint16_t percentile; /* STAT_PERCENTILE: which; 0 = the default */
    double devs;         /* STAT_STDDEVS: how many deviations, > 0 */
    enum alert_color color;
};

struct graph_actor {
    char *name;
    struct graph_pos pos;
    const struct loaded_plugin *plugin; /* owned by the registry */
    /* One value per plugin->desc->params[i], defaults applied, $args
     * substituted and typed. */
    union param_value *params;
    char *troupe; /* NULL: solo */
    int cpu;      /* -1: not pinned */
    struct graph_alert *alerts;
    size_t n_alerts;
    struct graph_stats stats[GRAPH_N_MEASURES]; /* MCPU and LOAD used */
    struct restart_policy restart;
    /* Stack of its fiber in a troupe, or of its thread when solo, in KiB;
     * 0: the default (TROUPE_STACK_SIZE, or the system's for a thread). */
    unsigned stack_kib;
    /* The type all its any-typed ports carry, resolved from the channels
     * (borrowed from a plugin); NULL when it has none or none is wired. */
    const char *any_type;
    size_t any_size; /* STEADY_VARSIZE: variable-size messages */
    /* node: NAME, the process that runs it; NULL when the file names no
     * node for it (a single-node graph). */
    char *node;
    /* On another node than the one loaded (graph_load_options.node): its
     * plugin was not opened; `plugin` is a stand-in whose ports are the
     * ones the channels name, typed from their other ends. Never run. */
    bool remote;
    /* Inserted by graph_split to carry a channel over NATS; peer names
     * the far end ("logger.in on node downstream"), drawn as remote. */
    bool bridge;
    char *peer;
};

struct graph_endpoint {
    size_t actor;   /* index into graph.actors */
    size_t port;    /* index into that actor's plugin ports */
    unsigned index; /* which channel of a bundle port: as the file writes
                     * it ("a.out[1]"), else in file order; 0 */
};

struct graph_channel {
    struct graph_endpoint from; /* an STEADY_OUT port */
    struct graph_endpoint to;   /* an STEADY_IN port */
    /* What it carries, the same at both ends once any-typed ports are
     * resolved: the type name (borrowed from a plugin) and the element
     * size, STEADY_VARSIZE for variable-size messages. */
    const char *type_name;
    size_t elem_size;
    size_t capacity; /* items, or messages when variable-size */
    size_t bytes;    /* variable-size: bytes of messages at most */
    enum steady_overflow overflow;
    int percentile; /* 1..99, fill percentile shown and exported */
    struct graph_alert *alerts;
    size_t n_alerts;
    struct graph_stats stats[GRAPH_N_MEASURES]; /* FILLED..LATENCY used */
    struct graph_pos pos;
    bool durable; /* durable: true, carried through JetStream file storage */
};

/* nats: { url, creds, tls: { ca, cert, key } }; every field NULL when the
 * file has no `nats:` (and --nats gives no url). */
struct graph_nats {
    char *url;
    char *creds;
    char *tls_ca;
    char *tls_cert;
    char *tls_key;
    struct graph_pos pos; /* of `nats:`, 1:1 when absent */
};

struct graph_telemetry {
    bool enabled;         /* false for listen: off */
    char *address;        /* "127.0.0.1" */
    int port;             /* 9900; 0 = any free port */
    bool port_is_default; /* listen: not given anywhere */
    int frame_ms;         /* 100 */
    int window_s;         /* 10 */
    int history_s;        /* 600; 0: no history */
    int history_step_ms;  /* 1000: one history point a second */
};

/* The range of checkpoint_ms (snapshot.h's SNAPSHOT_MIN_MS, _MAX_MS). */
#define GRAPH_CHECKPOINT_MIN_MS 10
#define GRAPH_CHECKPOINT_MAX_MS 3600000

struct graph {
    char *file; /* path as given */
    char *name; /* graph: */
    struct graph_arg *args;
    size_t n_args;
    struct graph_telemetry telemetry;
    unsigned shutdown_timeout_ms; /* defaults.shutdown_timeout_ms, 5000 */
    char *state_dir; /* state_dir:, NULL: state lives only in memory */
    /* checkpoint_ms: (or --checkpoint-ms): a process snapshot every N ms;
     * 0: none. Where the file said it ({0,0}: not in the file). */
    unsigned checkpoint_ms;
    struct graph_pos checkpoint_pos;
    struct graph_actor *actors;
    size_t n_actors;
    struct graph_channel *channels;
    size_t n_channels;
    struct graph_nats nats;
    /* The distinct `node:` names, in the order the file first names them;
     * none for a single-node graph. */
    char **nodes;
    size_t n_nodes;
    /* The node this process runs (--node), NULL for the whole graph. */
    char *node;
    /* Where the remote actors' stand-in plugins live; owned. */
    void *remote_plugins;
};

/* Overrides from the command line: `--NAME VALUE` pairs, in order. */
struct graph_override {
    const char *name;
    const char *value;
};

/* Loads and checks `file`. Plugins are opened through reg. Overrides replace
 * args of the same name; an override naming no arg in the file is an error.
 * On failure returns NULL and writes one message into err, formatted
 * "FILE:LINE:COL: what is wrong" (plus "; did you mean 'x'?" when a close
 * name exists). The caller owns the graph and frees it with graph_destroy,
 * before destroying reg: the graph borrows its plugins. */
struct graph *graph_load(const char *file,
                         const struct graph_override *overrides,
                         size_t n_overrides, struct plugin_registry *reg,
                         char *err, size_t errlen);

/* What graph_load_node selects beyond graph_load. */
struct graph_load_options {
    /* Load as node NAME runs it: the actors of other nodes get a stand-in
     * plugin (theirs may be absent on this machine) and are marked remote.
     * NULL: every actor's plugin is opened and checked. A name no actor
     * gives is refused, with a suggestion. */
    const char *node;
    const char *nats_url; /* --nats URL: replaces nats.url; NULL: the file's */
};

/* graph_load with options; opt may be NULL. */
struct graph *
graph_load_node(const char *file, const struct graph_override *overrides,
                size_t n_overrides, const struct graph_load_options *opt,
                struct plugin_registry *reg, char *err, size_t errlen);
void graph_destroy(struct graph *g);

/* "worker.out" style name of an endpoint, "split.out[1]" for channel 1 of
 * a bundle, for logs; returns buf. */
const char *graph_endpoint_name(const struct graph *g,
                                const struct graph_endpoint *e, char *buf,
                                size_t len);

#endif
