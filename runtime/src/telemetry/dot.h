/* dot.h - the live graph as Graphviz DOT in the seed's black-background
 * style, and as SVG rendered with Graphviz's own libraries (libgvc).
 */
#ifndef STEADY_DOT_H
#define STEADY_DOT_H

#include "strbuf.h"
#include "telemetry.h"

#include <stddef.h>

/* Appends the DOT text of s to b: one node per actor (window, average load
 * and mCPU, the statistics its `stats:` shows, restarts when any, state
 * when not running), one edge per channel (window, fill percentile,
 * capacity and total, rate and latency, the statistics its `stats:`
 * shows), coloured by alerts. Any thread. */
void dot_write(struct strbuf *b, const struct tel_snapshot *s);

/* The Graphviz colour of an alert: grey when none holds. */
const char *dot_color(enum alert_color c);

/* A Graphviz context. Graphviz is not thread-safe: one thread creates,
 * uses and destroys a renderer. NULL when Graphviz cannot start. */
struct dot_svg;
struct dot_svg *dot_svg_create(void);
void dot_svg_destroy(struct dot_svg *r);
/* Lays out DOT text with `dot` and appends the SVG to out. 0, or -1 with
 * the reason in err. */
int dot_svg_render(struct dot_svg *r, const char *dot, struct strbuf *out,
                   char *err, size_t errlen);

#endif
