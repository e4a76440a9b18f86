/* dot.h - the live graph as Graphviz DOT in the seed's black-background
 * style: troupes as clusters, labels as the seed writes them (numbers as
 * tel_format.h writes them), edges coloured by alerts or by fill. The
 * same labels, in their "shape" (every digit a 0, numbers padded), are
 * what the layout is made for (dot_layout.h), so that a layout serves
 * every frame until a label outgrows it.
 */
#ifndef STEADY_DOT_H
#define STEADY_DOT_H

#include "strbuf.h"
#include "telemetry.h"

#include <stdbool.h>
#include <stddef.h>

/* Appends the DOT text of s to b: a cluster per troupe, one node per
 * actor (window, average load and mCPU, the statistics its `stats:` shows,
 * restarts when any, state when not running), one edge per channel (ports
 * and element type, window, fill percentile, capacity and total, rate,
 * bytes and drops, latency, the statistics its `stats:` shows). Any
 * thread. */
void dot_write(struct strbuf *b, const struct tel_snapshot *s);

/* The DOT text of s for a layout: labels[i] (actors first, then channels)
 * replaces each label; NULL entries take the shape of s's label. */
void dot_write_shaped(struct strbuf *b, const struct tel_snapshot *s,
                      char *const *labels);

/* The lines of an actor's or a channel's label, '\n' between them. With
 * `shape`, every number is written as zeros, at least as wide as it
 * usually gets: the text a layout is made for. */
void dot_actor_label(struct strbuf *b, const struct tel_snapshot *s,
                     const struct tel_actor *a, bool shape);
void dot_channel_label(struct strbuf *b, const struct tel_snapshot *s,
                       const struct tel_channel *c, bool shape);

/* What hovering over an actor or a channel shows (state, CPU, mCPU, load;
 * inflight of capacity, average fill, totals; the alert), numbers as the
 * labels and the dashboard's tables write them. `arrow` goes between a
 * channel's two ends. Unescaped: the caller escapes it for DOT or SVG. */
void dot_actor_tooltip(struct strbuf *b, const struct tel_actor *a);
void dot_channel_tooltip(struct strbuf *b, const struct tel_channel *c,
                         const char *arrow);

/* The Graphviz colour of an alert: grey when none holds. */
const char *dot_color(enum alert_color c);
/* A channel's colour: with alerts configured, its alert's colour (grey
 * while none holds); without, its average fill on a scale from teal
 * (empty) through blue to magenta (full), and grey when it is idle
 * (nothing taken in the window and nothing waiting). buf gets "#rrggbb"
 * when a scale colour is returned. */
const char *dot_channel_color(const struct tel_channel *c, char buf[8]);
/* Its line width: 2 for an alert that holds, 1 for grey, 1.5 to 4 as a
 * channel without alerts fills. */
double dot_channel_penwidth(const struct tel_channel *c);

#endif
