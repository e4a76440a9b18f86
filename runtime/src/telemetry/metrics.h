/* metrics.h - a telemetry snapshot in the Prometheus text exposition
 * format (version 0.0.4), with # HELP and # TYPE for every family.
 */
#ifndef STEADY_METRICS_H
#define STEADY_METRICS_H

#include "strbuf.h"
#include "telemetry.h"

/* The Content-Type that goes with the text. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Appends every family for s to b. Any thread. */
void metrics_write(struct strbuf *b, const struct tel_snapshot *s);

#endif
