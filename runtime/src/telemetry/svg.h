/* svg.h - the picture served as /graph.svg: a layout (dot_layout.h)
 * drawn with a snapshot's labels and colours. What the layout fixes (the
 * groups, paths, boxes and where each line of text goes) is written once
 * into a template; a frame's picture is the template with the frame's
 * text, colours and widths put in, so it costs no Graphviz call and
 * almost no number formatting.
 */
#ifndef STEADY_SVG_H
#define STEADY_SVG_H

#include "dot_layout.h"
#include "strbuf.h"
#include "telemetry.h"

struct svg_template;

/* The template of layout l for the graph of s (l must outlive it). NULL
 * when out of memory. */
struct svg_template *svg_template_create(const struct dot_layout *l,
                                         const struct tel_snapshot *s);
void svg_template_destroy(struct svg_template *t);

/* Appends the SVG of s drawn on t's layout (made for s's graph, and which
 * s's labels fit: dot_layout_fits) to b: the black background, a dashed
 * box per troupe named after it, an edge per channel (its colour, width
 * and label; a wider invisible line to click on), a box per actor. Groups
 * carry class "node", "edge" or "cluster", an id (a<i>, c<i>, t<i>),
 * <title> as Graphviz writes it, and data-actor, data-channel (the index),
 * data-from/data-to or data-troupe. Any thread. */
void svg_write(struct strbuf *b, const struct svg_template *t,
               const struct tel_snapshot *s);

#endif
