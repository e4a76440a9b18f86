/* cluster_link.h - the whole graph of a multi-node run over NATS: each
 * node publishes a summary of its telemetry every second on
 * steady.GRAPH.telemetry.NODE and takes the others' from
 * steady.GRAPH.telemetry.*, so that any node's dashboard can show every
 * node's actors and the channels between them (/cluster.svg).
 */
#ifndef STEADY_CLUSTER_LINK_H
#define STEADY_CLUSTER_LINK_H

#include "graph.h"
#include "telemetry.h"

#include <stddef.h>

/* How often a node publishes its summary. */
#define CLUSTER_LINK_PERIOD_MS 1000

struct cluster_link;

/* Connects to g's NATS server (its url, creds and TLS files) and starts
 * publishing t's summaries and taking the other nodes'. The connection
 * waits for a server that is away and reconnects for ever. NULL with the
 * reason in err when it cannot start (a bad file, out of memory); the
 * graph runs on without the whole-graph view. */
struct cluster_link *cluster_link_start(const struct graph *g,
                                        struct telemetry *t, char *err,
                                        size_t errlen);
/* Stops publishing, closes the connection and frees; no callback runs
 * after it returns. NULL is fine. */
void cluster_link_stop(struct cluster_link *l);

#endif
