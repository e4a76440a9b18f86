/* telemetry_cluster.c - the whole graph of a multi-node run: summaries in
 * and out (the host carries them over NATS), /cluster.dot, and
 * /cluster.svg drawn by the collector on a layout it keeps while the
 * labels fit, as for the node's own picture.
 */
#include "clock.h"
#include "dot.h"
#include "telemetry_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/log.h>

#define CLUSTER_WAIT_MS 3000 /* longest a request waits for a picture */

int telemetry_cluster_init(struct telemetry *t, const struct graph *g)
{
    if (!g->node)
        return 0;
    t->cluster = tel_cluster_create(g->name, g->node);
    return t->cluster ? 0 : -1;
}

void telemetry_cluster_fini(struct telemetry *t)
{
    tel_cluster_destroy(t->cluster);
    t->cluster = NULL;
    svg_template_destroy(t->cluster_template);
    dot_layout_destroy(t->cluster_layout);
    strbuf_fini(&t->cluster_svg);
}

void telemetry_summary(struct telemetry *t, struct strbuf *b)
{
    pthread_mutex_lock(&t->lock);
    tel_wire_encode(b, t->published);
    pthread_mutex_unlock(&t->lock);
}

int telemetry_cluster_put(struct telemetry *t, const void *data, size_t len,
                          char *err, size_t errlen)
{
    if (!t->cluster) {
        snprintf(err, errlen, "this graph has one node");
        return -1;
    }
    return tel_cluster_put(t->cluster, data, len, now_ns(), err, errlen);
}

/* A new layout for m when the kept one no longer fits its labels; the
 * lock is dropped while Graphviz works (only this thread swaps
 * `published` or touches the layout). 0, or -1 with cluster_error set. */
static int fit_layout(struct telemetry *t, const struct tel_snapshot *m)
{
    char **grown = NULL;
    char err[256] = "";
    struct dot_layout *l = NULL;
    struct svg_template *tpl = NULL;

    if (dot_layout_fits(t->cluster_layout, m, &grown))
        return 0;
    if (!grown) {
        snprintf(t->cluster_error, sizeof(t->cluster_error), "out of memory");
        return -1;
    }
    pthread_mutex_unlock(&t->lock);
    if (t->graphviz) {
        l = dot_layout_create(t->graphviz, m, grown, err, sizeof(err));
    } else {
        dot_labels_free(grown, m->n_actors + m->n_channels);
        snprintf(err, sizeof(err), "Graphviz could not start");
    }
    if (l && !(tpl = svg_template_create(l, m))) {
        dot_layout_destroy(l);
        l = NULL;
        snprintf(err, sizeof(err), "out of memory");
    }
    pthread_mutex_lock(&t->lock);
    if (!l) {
        snprintf(t->cluster_error, sizeof(t->cluster_error), "%s", err);
        return -1;
    }
    svg_template_destroy(t->cluster_template);
    dot_layout_destroy(t->cluster_layout);
    t->cluster_layout = l;
    t->cluster_template = tpl;
    return 0;
}

void telemetry_cluster_draw(struct telemetry *t)
{
    uint64_t seq = t->published->seq;
    struct tel_snapshot *m =
        tel_cluster_merge(t->cluster, t->published, now_ns());

    t->cluster_wanted = false;
    if (!m) {
        snprintf(t->cluster_error, sizeof(t->cluster_error), "out of memory");
    } else if (fit_layout(t, m) == 0) {
        strbuf_reset(&t->cluster_svg);
        svg_write(&t->cluster_svg, t->cluster_template, m);
        if (strbuf_failed(&t->cluster_svg)) {
            strbuf_fini(&t->cluster_svg);
            snprintf(t->cluster_error, sizeof(t->cluster_error),
                     "out of memory");
        } else {
            t->cluster_svg_seq = seq;
            t->cluster_error[0] = '\0';
        }
    }
    tel_snapshot_destroy(m);
    t->cluster_drawn++;
    pthread_cond_broadcast(&t->svg_ready);
}

static int one_node(struct strbuf *body)
{
    strbuf_puts(body, "503 this graph runs on one node: /graph.svg and "
                      "/graph.dot show all of it\n");
    return -1;
}

int telemetry_serve_cluster_dot(void *user, struct strbuf *body)
{
    struct telemetry *t = user;
    struct tel_snapshot *m;

    if (!t->cluster)
        return one_node(body);
    pthread_mutex_lock(&t->lock);
    m = tel_cluster_merge(t->cluster, t->published, now_ns());
    pthread_mutex_unlock(&t->lock);
    if (!m) {
        strbuf_puts(body, "503 out of memory\n");
        return -1;
    }
    dot_write(body, m);
    tel_snapshot_destroy(m);
    return 0;
}

/* The picture of the latest snapshot, drawn by the collector on request
 * (waiting for it a bounded time); an older one when the new one is late. */
int telemetry_serve_cluster_svg(void *user, struct strbuf *body)
{
    struct telemetry *t = user;
    struct timespec until =
        clock_timespec(now_ns() + CLUSTER_WAIT_MS * 1000000ull);
    int rc = 0;

    if (!t->cluster)
        return one_node(body);
    pthread_mutex_lock(&t->lock);
    if (!t->cluster_svg.len || t->cluster_svg_seq != t->published->seq) {
        uint64_t drawn = t->cluster_drawn;
        int e = 0;

        t->cluster_wanted = true;
        pthread_cond_signal(&t->wake);
        while (!t->stopping && t->cluster_drawn == drawn && e != ETIMEDOUT)
            e = pthread_cond_timedwait(&t->svg_ready, &t->lock, &until);
    }
    if (t->cluster_svg.len) {
        strbuf_append(body, t->cluster_svg.data, t->cluster_svg.len);
    } else {
        strbuf_printf(body, "503 no picture yet: %s\n",
                      t->cluster_error[0] ? t->cluster_error
                                          : "telemetry is starting or "
                                            "stopping");
        rc = -1;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}
