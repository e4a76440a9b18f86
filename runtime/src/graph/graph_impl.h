/* graph_impl.h - what the graph loader's parts share while one file is
 * being loaded: graph.c (sections, args, actors), graph_channels.c (channels
 * and port checks), graph_read.c (errors, keys, numbers) and graph_stats.c
 * (statistics and alerts).
 */
#ifndef STEADY_GRAPH_IMPL_H
#define STEADY_GRAPH_IMPL_H

#include "graph.h"
#include "yaml_doc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <steady/export.h>

/* Refused above these: a ring of a billion slots is a typo, and a CPU number
 * past what a cpu_set_t holds cannot be pinned. */
#define GRAPH_MAX_CAPACITY   ((int64_t)1 << 30)
#define GRAPH_MAX_RING_BYTES ((uint64_t)4 << 30)
#define GRAPH_MAX_CPU        1023
/* stack_kib: below 64 KiB the runtime's own calls (logging, waits) may not
 * fit; 1 GiB is address space, not memory, but more is a typo. */
#define GRAPH_MIN_STACK_KIB  64
#define GRAPH_MAX_STACK_KIB  (1024 * 1024)
/* Alerts per list: more are a generated file, not a configuration, and the
 * bound keeps the copy every actor and channel takes of the defaults
 * small. */
#define GRAPH_MAX_ALERTS     32
/* bytes: of a variable-size channel: 64 KiB unless the file says, at most
 * 1 GiB (like capacity's 2^30: more is a typo). */
#define GRAPH_DEFAULT_BYTES  ((int64_t)64 << 10)
#define GRAPH_MAX_BYTES      ((int64_t)1 << 30)

/* A name and where it came from, sorted to find repeats and look up. */
struct graph_name_ref {
    const char *name;
    size_t index;
};

/* The state of one graph_load call. */
struct graph_ctx {
    const char *file;
    struct yaml_doc doc;
    struct graph *g;
    struct plugin_registry *reg;
    char *err;
    size_t errlen;
    bool failed; /* err holds the first error; later ones are dropped */

    /* defaults: applied to every channel or actor that does not say */
    int64_t def_capacity;
    int def_percentile;
    int64_t def_bytes;                 /* varsize channels */
    enum steady_overflow def_overflow; /* block unless defaults.channel says */
    struct graph_alert *def_channel_alerts;
    size_t n_def_channel_alerts;
    struct graph_alert *def_actor_alerts;
    size_t n_def_actor_alerts;
    struct graph_stats def_channel_stats[GRAPH_N_MEASURES];
    struct graph_stats def_actor_stats[GRAPH_N_MEASURES];
    struct restart_policy def_restart;
    unsigned def_stack_kib; /* 0: the runtime's default */

    /* g->actors sorted by name, for endpoint lookups */
    struct graph_name_ref *actor_index;
    /* g->args sorted by name, for $name lookups */
    struct graph_name_ref *arg_index;

    /* tsearch trees that keep a file of many actors linear-ish: each
     * `plugin:` text seen so far with its plugin (resolving a path costs
     * system calls), and the first member of each troupe pinned to a cpu */
    void *plugin_refs;
    void *troupe_pins;

    /* graph_load_node's options; never NULL (zeroed for graph_load) */
    const struct graph_load_options *opt;
    /* where the first actor naming a node did so (line 0: none did) */
    struct graph_pos first_node_pos;
    const char *first_node_actor;
};

/* Records "FILE:LINE:COL: message" as the load's error unless one is already
 * recorded (only the first is reported). Always returns -1. */
int graph_fail(struct graph_ctx *c, const yaml_node_t *at, const char *fmt, ...)
    STEADY_PRINTF(3, 4);
int graph_fail_pos(struct graph_ctx *c, struct graph_pos pos, const char *fmt,
                   ...) STEADY_PRINTF(3, 4);

struct graph_pos graph_pos_of(const yaml_node_t *n);

/* Refuses anything but a map, naming `what` ("'telemetry'"). */
int graph_expect_map(struct graph_ctx *c, const yaml_node_t *n,
                     const char *what);

/* The text of a scalar, or NULL after refusing a map or list as `what`. */
const char *graph_expect_text(struct graph_ctx *c, const yaml_node_t *n,
                              const char *what);

/* Checks a map's keys: each a scalar, none repeated (`dup_what` names them
 * in the message: "key", "actor"...), and when `known` is not NULL each one
 * of the n_known names, else refused with a suggestion. */
int graph_check_keys(struct graph_ctx *c, yaml_node_t *map,
                     const char *dup_what, const char *const *known,
                     size_t n_known);

/* A whole decimal integer, sign allowed, nothing around it: 0 or -1. */
int graph_parse_i64(const char *s, int64_t *out);

/* Letters, digits, '_' and '-', at least one: actor, troupe and arg names. */
bool graph_is_identifier(const char *s);

/* qsort order of struct graph_name_ref: by name, then index. */
int graph_cmp_name_ref(const void *a, const void *b);

/* Reads a scalar as a whole decimal integer in [min, max]; `what` names it
 * in the message ("capacity"). */
int graph_read_int(struct graph_ctx *c, const yaml_node_t *n, const char *what,
                   int64_t min, int64_t max, int64_t *out);

/* ---- graph_stats.c: what telemetry shows and watches ---- */

/* Reads a list of alerts; `for_channel` selects which measures apply. The
 * caller owns *out. */
int graph_read_alerts(struct graph_ctx *c, yaml_node_t *n, bool for_channel,
                      struct graph_alert **out, size_t *n_out);

/* Reads a scalar that must be one of `words` ("unknown `what` 'x'; did you
 * mean 'y'?" otherwise); *out is its index. */
int graph_read_word(struct graph_ctx *c, const yaml_node_t *n, const char *what,
                    const char *const *words, size_t count, size_t *out);

/* Reads `overflow: block | drop_oldest | drop_newest`. */
int graph_read_overflow(struct graph_ctx *c, const yaml_node_t *n,
                        enum steady_overflow *out);

/* Copies the defaults' alerts for a channel or actor that gives none. */
int graph_copy_alerts(const struct graph_alert *src, size_t n,
                      struct graph_alert **out, size_t *n_out);

/* Reads a `stats:` map of a channel (keys filled, rate, latency) or an
 * actor (mcpu, load) into out, indexed by enum graph_measure: a measure it
 * names is replaced, the others keep what out held (the defaults). */
int graph_read_stats(struct graph_ctx *c, yaml_node_t *n, bool for_channel,
                     struct graph_stats *out);

/* Writes "'a', 'b', 'c'" (or "none") into buf. */
const char *graph_join_names(char *buf, size_t len, const char *const *names,
                             size_t n);

/* Finds an actor by name; -1 when absent. Needs actor_order. */
long graph_find_actor(const struct graph_ctx *c, const char *name);

/* Checks the `node:` and `nats:` of a loaded graph (graph_nodes.c): every
 * actor names a node or none does; a troupe stays on one node; the
 * selected node exists; cross-node and durable channels have a NATS url. */
int graph_check_nodes(struct graph_ctx *c);

/* Reads the `channels` list (NULL: none) into g->channels. */
int graph_load_channels(struct graph_ctx *c, yaml_node_t *channels);

#endif
