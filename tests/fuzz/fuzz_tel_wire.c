/* fuzz_tel_wire.c - a telemetry summary from another node on any bytes:
 * tel_wire_decode must accept or refuse with a message, never read outside
 * the buffer or crash. What it accepts is then used as a node would use
 * it: encoded again (which must decode to the same counts and encode to
 * the same bytes once more), taken into a cluster table and merged with a
 * local node whose bridges may pair with its own, and the merged graph
 * written as DOT. */
#include "dot.h"
#include "strbuf.h"
#include "tel_cluster.h"
#include "telemetry.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The local node: src -> nats_pub-seq-out and nats_sub-parser-out -> dst,
 * with the bridges' figures; each bridge pairs with a far one of the seeds
 * (node_down.bin's nats_sub-seq-out, full.bin's nats_pub-parser-out). */
static struct tel_actor local_actors[4] = {
    { .name = "src", .state = TEL_RUNNING },
    { .name = "nats_pub-seq-out",
      .remote = "sink.in on node down",
      .state = TEL_RUNNING,
      .n_figures = 3,
      .figures = { { "unacked", false, 3 },
                   { "resent", true, 1 },
                   { "refused_full", true, 0 } } },
    { .name = "nats_sub-parser-out",
      .remote = "parser.out on node up",
      .state = TEL_RUNNING,
      .n_figures = 1,
      .figures = { { "redelivered", true, 2 } } },
    { .name = "dst", .state = TEL_RUNNING },
};
static struct tel_channel local_channels[2] = {
    { .from = "src",
      .to = "nats_pub-seq-out",
      .from_port = "out",
      .to_port = "in",
      .type = "u64",
      .capacity = 8 },
    { .from = "nats_sub-parser-out",
      .to = "dst",
      .from_port = "out",
      .to_port = "in",
      .type = "u64",
      .capacity = 8 },
};

static void merge_and_draw(const uint8_t *data, size_t size,
                           const struct tel_snapshot *s)
{
    /* this node is never the far one: take a name it does not have */
    const char *self = strcmp(s->node, "up") == 0 ? "up2" : "up";
    struct tel_snapshot local = { .graph = s->graph,
                                  .node = self,
                                  .n_actors = 4,
                                  .n_channels = 2,
                                  .actors = local_actors,
                                  .channels = local_channels };
    struct tel_cluster *c = tel_cluster_create(s->graph, self);
    struct tel_snapshot *m;
    struct strbuf b = { 0 };
    char err[256];

    if (!c)
        return;
    if (tel_cluster_put(c, data, size, 0, err, sizeof(err)) != 0)
        abort(); /* it decoded, its graph is ours and its node another */
    m = tel_cluster_merge(c, &local,
                          TEL_CLUSTER_SILENT_NS * (size % 2 ? 2 : 0));
    if (m) {
        if (m->n_actors > s->n_actors + 4 || m->n_channels > s->n_channels + 2)
            abort();
        dot_write(&b, m);
        strbuf_fini(&b);
        tel_snapshot_destroy(m);
    }
    tel_cluster_destroy(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tel_snapshot *s, *again;
    struct strbuf b1 = { 0 }, b2 = { 0 };
    char err[256] = "";

    s = tel_wire_decode(data, size, err, sizeof(err));
    if (!s) {
        if (!err[0])
            abort(); /* a refusal says why */
        return 0;
    }
    tel_wire_encode(&b1, s);
    if (strbuf_failed(&b1))
        goto out;
    again = tel_wire_decode(b1.data, b1.len, err, sizeof(err));
    if (!again || again->n_actors != s->n_actors ||
        again->n_channels != s->n_channels || again->n_troupes != s->n_troupes)
        abort();
    for (size_t i = 0; i < s->n_actors; i++)
        if (again->actors[i].n_figures != s->actors[i].n_figures)
            abort();
    tel_wire_encode(&b2, again);
    if (!strbuf_failed(&b2) &&
        (b2.len != b1.len || memcmp(b1.data, b2.data, b1.len) != 0))
        abort();
    tel_snapshot_destroy(again);
    merge_and_draw(data, size, s);
out:
    strbuf_fini(&b1);
    strbuf_fini(&b2);
    tel_snapshot_destroy(s);
    return 0;
}
