/* telemetry_impl.h - the running telemetry service's insides, shared by
 * telemetry.c (the collector and the node's own routes) and
 * telemetry_cluster.c (the whole graph of a multi-node run).
 */
#ifndef STEADY_TELEMETRY_IMPL_H
#define STEADY_TELEMETRY_IMPL_H

#include "dot_layout.h"
#include "svg.h"
#include "tel_cluster.h"
#include "telemetry.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct telemetry {
    const struct graph *graph;
    struct steady_actor *const *actors;     /* g->n_actors, borrowed */
    struct steady_channel *const *channels; /* g->n_channels, borrowed */
    size_t n_actors;
    size_t n_channels;
    uint64_t frame_ns;
    uint64_t start_ns;

    /* Collector thread only. */
    struct tel_window *window;
    struct tel_snapshot *work; /* filled, then swapped with published */
    uint64_t *cpu_ns;          /* [n_actors], last reading */
    uint32_t *restarts;        /* [n_actors], last reading */
    uint64_t *restarted_ns;    /* [n_actors], when restarts last grew */
    uint64_t *taken;           /* [n_channels] */
    uint64_t *sent;            /* [n_channels] */
    uint64_t *bytes;           /* [n_channels] */
    bool moved;                /* some channel moved in the last frame */
    uint64_t *inflight;        /* [n_channels], at the frame's edge */
    uint64_t *sub_inflight;    /* [n_channels], at a reading within it */
    double *avg_inflight;      /* [n_channels], the frame's average */
    struct tel_subsamples *subs;
    unsigned subs_per_frame;    /* while channels move */
    struct tel_reading reading; /* the last frame's, into the history */
    struct dot_gv *graphviz;

    /* Shared between the collector and the HTTP threads; never taken by
     * an actor. */
    pthread_mutex_t lock;
    pthread_cond_t wake;            /* collector: stop, or an SVG is wanted */
    pthread_cond_t svg_ready;       /* HTTP threads: a layout attempt ended */
    struct tel_snapshot *published; /* under lock */
    struct tel_history *history;    /* under lock; NULL: none kept */
    int64_t origin_unix_ms;         /* wall clock at the first reading */
    bool stopping;                  /* under lock */
    /* The picture (under lock): a layout made by the collector and kept
     * while the labels fit in it, and the SVG drawn on it for the latest
     * snapshot. A frame costs a drawing, not a Graphviz layout. */
    struct dot_layout *layout;
    struct svg_template *svg_template; /* drawn on `layout` */
    char **layout_wanted;   /* label shapes a new layout is asked for */
    uint64_t layout_failed; /* 1 + seq of the snapshot whose layout
                               failed; 0: none */
    uint64_t layouts;       /* layouts made or tried */
    struct strbuf svg;      /* the last SVG drawn */
    uint64_t svg_seq;       /* its snapshot's seq; 0: none */
    char svg_error[256];    /* why the last layout failed */

    /* The whole graph of a multi-node run (telemetry_cluster.c); NULL
     * for a graph of one node. The layout is the collector's alone; the
     * rest is under lock. */
    struct tel_cluster *cluster;
    struct dot_layout *cluster_layout;
    struct svg_template *cluster_template; /* drawn on cluster_layout */
    bool cluster_wanted;       /* an HTTP thread waits for a picture */
    struct strbuf cluster_svg; /* the last whole-graph picture */
    uint64_t cluster_svg_seq;  /* the local snapshot's seq it was drawn at */
    uint64_t cluster_drawn;    /* pictures drawn or tried */
    char cluster_error[256];   /* why the last one failed */

    struct http_server *http;
    char address[64]; /* as bound: "127.0.0.1", "::1" */
    int port;         /* bound; kept after stop */
    pthread_t thread;
    bool thread_started;
    bool stopped;
};

/* ---- telemetry_cluster.c ---- */
/* The whole graph of a multi-node run: the cluster of g (NULL for a graph
 * of one node: no error), or -1 when out of memory. */
int telemetry_cluster_init(struct telemetry *t, const struct graph *g);
void telemetry_cluster_fini(struct telemetry *t);
/* Collector thread, lock held (dropped while Graphviz works): draws the
 * whole-graph picture an HTTP thread asked for. */
void telemetry_cluster_draw(struct telemetry *t);
/* The HTTP routes /cluster.dot and /cluster.svg. */
int telemetry_serve_cluster_dot(void *user, struct strbuf *body);
int telemetry_serve_cluster_svg(void *user, struct strbuf *body);

#endif
