/* plan_log.h - at --log-level debug, what a loaded graph will run, and for
 * `steady check` what the loader resolved (plan_log.c). */
#ifndef STEADY_PLAN_LOG_H
#define STEADY_PLAN_LOG_H

#include "graph.h"

#include <stdio.h>

/* Logs, at debug, each actor's plugin file, version, final params and
 * placement, and each channel's ends, type and capacity. Nothing when
 * debug is off. */
void plan_log_debug(const struct graph *g);

/* Writes to out, one indented line each, what the graph file leaves to the
 * loader: the type each actor's any-typed ports resolved to, and every
 * channel with a bundle or any-typed end, its bundle indices and type.
 * Nothing for a graph with neither. */
void plan_write_resolved(const struct graph *g, FILE *out);

#endif
