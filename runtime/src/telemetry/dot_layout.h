/* dot_layout.h - where Graphviz's `dot` places the boxes, edges, edge
 * labels and troupe clusters of a graph, kept so that the picture of
 * every later frame is drawn from it (svg.c) without laying out again: a
 * layout is made for the shape of the labels (dot.h), and serves as long
 * as no label outgrows it. Graphviz runs on the telemetry thread only.
 */
#ifndef STEADY_DOT_LAYOUT_H
#define STEADY_DOT_LAYOUT_H

#include "telemetry.h"

#include <stdbool.h>
#include <stddef.h>

/* Coordinates are SVG points: origin top left, y down. */
struct dot_point {
    double x, y;
};

struct dot_box {
    double x, y; /* centre */
    double w, h;
};

struct dot_edge {
    struct dot_point *pts; /* a cubic Bezier: the start, then 3 per piece */
    size_t n_pts;
    bool has_head;
    struct dot_point head; /* the arrow's tip */
    bool has_label;
    struct dot_point label; /* the label's centre */
};

struct dot_cluster {
    double x0, y0, x1, y1;
    bool has_label;
    struct dot_point label;
};

struct dot_layout {
    double width, height; /* of the whole picture, margins included */
    size_t n_actors, n_channels, n_troupes;
    struct dot_box *actors;      /* [n_actors], in the snapshot's order */
    struct dot_edge *channels;   /* [n_channels] */
    struct dot_cluster *troupes; /* [n_troupes] */
    char **labels; /* [n_actors + n_channels]: the shapes it was made for */
};

/* A Graphviz context. Graphviz is not thread-safe: one thread creates,
 * uses and destroys it. NULL when Graphviz cannot start. */
struct dot_gv;
struct dot_gv *dot_gv_create(void);
void dot_gv_destroy(struct dot_gv *gv);

/* The shapes of s's labels (actors, then channels), for
 * dot_layout_create. NULL when out of memory. Free with dot_labels_free. */
char **dot_labels_of(const struct tel_snapshot *s);
void dot_labels_free(char **labels, size_t n);

/* Lays s out with `labels` (taken over, freed even on failure). NULL with
 * the reason in err. */
struct dot_layout *dot_layout_create(struct dot_gv *gv,
                                     const struct tel_snapshot *s,
                                     char **labels, char *err, size_t errlen);
void dot_layout_destroy(struct dot_layout *l);

/* True when l still serves s: the same actors, channels and troupes, and
 * every label's shape fits, line by line, in the one l was made for.
 * Otherwise, when grown is not NULL, *grown gets the labels a new layout
 * needs (per line the wider of the two, so that layouts only grow), or
 * NULL when out of memory. Any thread. */
bool dot_layout_fits(const struct dot_layout *l, const struct tel_snapshot *s,
                     char ***grown);

#endif
