/* tel_cluster.h - the whole graph of a multi-node run, seen from any node.
 * Each node publishes a summary of its snapshot (tel_wire: names, states,
 * averages, counts and the actors' own figures; no percentile arrays);
 * a node keeps the latest summary of every other node (tel_cluster) and
 * merges them with its own into one snapshot: every node a cluster, and
 * each channel that crosses NATS drawn once, from its producer to its
 * consumer, instead of as two halves ending in bridge actors. Pure but
 * for a mutex around the table (reports arrive on the NATS client's
 * thread, pictures are drawn on others).
 */
#ifndef STEADY_TEL_CLUSTER_H
#define STEADY_TEL_CLUSTER_H

#include "strbuf.h"
#include "telemetry.h"

#include <stddef.h>
#include <stdint.h>

/* ---- the summary on the wire (tel_wire.c) ----------------------------- */

/* Appends s's summary to b (binary, versioned, little-endian). */
void tel_wire_encode(struct strbuf *b, const struct tel_snapshot *s);
/* A snapshot holding what tel_wire_encode wrote (every string owned, in
 * s->pool; no statistics beyond the averages), or NULL with the reason in
 * err: anything truncated, oversized or inconsistent is refused. Free with
 * tel_snapshot_destroy. */
struct tel_snapshot *tel_wire_decode(const void *data, size_t len, char *err,
                                     size_t errlen);

/* ---- the other nodes' latest summaries (tel_cluster.c) ---------------- */

#define TEL_CLUSTER_MAX_NODES 64
/* A node not heard from for this long is shown as silent. */
#define TEL_CLUSTER_SILENT_NS (3000000000ull)

struct tel_cluster;

/* Keeps the summaries of graph `graph` from nodes other than `self`.
 * NULL when out of memory. */
struct tel_cluster *tel_cluster_create(const char *graph, const char *self);
void tel_cluster_destroy(struct tel_cluster *c);
/* Takes a node's summary received at now_ns: 0, or -1 with the reason in
 * err (not a summary, another graph, this node's own, too many nodes). */
int tel_cluster_put(struct tel_cluster *c, const void *data, size_t len,
                    uint64_t now_ns, char *err, size_t errlen);
/* Nodes heard from so far (this one not counted). */
size_t tel_cluster_count(struct tel_cluster *c);
/* The whole graph: `local` (this node's snapshot) and every other node's
 * latest summary, nodes as clusters ("up (here)", "down", "down (silent
 * 12 s)"), each channel carried by a pair of NATS bridges whose both ends
 * are known drawn as one edge with a link line. NULL when out of memory.
 * Free with tel_snapshot_destroy. */
struct tel_snapshot *tel_cluster_merge(struct tel_cluster *c,
                                       const struct tel_snapshot *local,
                                       uint64_t now_ns);

#endif
