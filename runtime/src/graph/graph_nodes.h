/* graph_nodes.h - a graph spread over nodes, and durable channels: the
 * rewrite that carries a channel through NATS JetStream (graph_nodes.c).
 * Private to libsteady-runtime.
 */
#ifndef STEADY_GRAPH_NODES_H
#define STEADY_GRAPH_NODES_H

#include "graph.h"

#include <stdbool.h>
#include <stddef.h>

/* The plugins the split wires in; NULL for graph_split: the stock ones. */
struct graph_bridges {
    const char *publish;   /* "nats_publish": input `in`, any type */
    const char *subscribe; /* "nats_subscribe": output `out`, any type */
};

/* What a channel carried over NATS is called, the same on every node:
 * named from the graph and the channel's producer port (its channel number
 * too when the port has several), so state files, streams and metrics
 * keep their names from run to run. */
struct graph_link_names {
    char publisher[320];      /* actor: "nats_pub-worker-out" */
    char subscriber[320];     /* actor: "nats_sub-worker-out" */
    char subject[400];        /* "steady.standard.worker.out" */
    char stream[400];         /* "steady_standard_worker-out" */
    char control[200];        /* "steady.standard.control", one per graph */
    char control_stream[200]; /* "steady_standard_control", keeping it */
};

/* Checks a NATS URL, or a comma-separated list of them, as the client
 * takes it: [nats|tls|ws|wss://][user[:password]@]host[:port]. 0, or -1
 * with what is wrong in why. */
int graph_nats_url_check(const char *url, char *why, size_t len);

/* Whether the channel's two ends are on different nodes. */
bool graph_channel_crosses(const struct graph *g,
                           const struct graph_channel *ch);

/* Fills *out for channel ch; -1 when a name would be too long. */
int graph_link_names(const struct graph *g, const struct graph_channel *ch,
                     struct graph_link_names *out);

/* Rewrites g, as loaded for g->node (or for the whole graph when g->node
 * is NULL: then every actor is local), into what this process runs: the
 * remote actors go; a channel between two local actors stays unless it is
 * durable; a channel that crosses nodes or is durable becomes producer ->
 * nats_publish (on the producer's node) and nats_subscribe -> consumer (on
 * the consumer's node), each half with the channel's capacity and
 * settings. The bridges run solo, their params set from g->nats and the
 * link's names (jetstream, create_stream, max_msgs = capacity, msg_id on
 * the publisher, durable consumer on the subscriber, eos, control and
 * control_stream: shutdown notices kept for a node that is down). A
 * graph of one process with no durable channel is left as it is. 0, or
 * -1 with one line in err (g unchanged then). */
int graph_split(struct graph *g, struct plugin_registry *reg,
                const struct graph_bridges *br, char *err, size_t errlen);

#endif
