/* plan_log.h - at --log-level debug, what a loaded graph will run
 * (plan_log.c). */
#ifndef STEADY_PLAN_LOG_H
#define STEADY_PLAN_LOG_H

#include "graph.h"

/* Logs, at debug, each actor's plugin file, version, final params and
 * placement, and each channel's ends, type and capacity. Nothing when
 * debug is off. */
void plan_log_debug(const struct graph *g);

#endif
