/* inspect.h - the human-readable description of a plugin that
 * `steady inspect PLUGIN` prints. Private to libsteady-runtime.
 */
#ifndef STEADY_INSPECT_H
#define STEADY_INSPECT_H

#include "loader.h"

#include <stdio.h>

/* Writes name, version, summary, file, ABI, state size and the port and
 * param tables (with port docs and param limits) of an opened, checked
 * plugin to out. Any thread; p and out stay the caller's. */
void inspect_plugin(const struct loaded_plugin *p, FILE *out);
/* The same as one JSON object: ports with direction, type, size, doc and
 * bundle; params with type, default, doc and limits; state size; ABI and
 * channel layout. */
void inspect_plugin_json(const struct loaded_plugin *p, FILE *out);

#endif
