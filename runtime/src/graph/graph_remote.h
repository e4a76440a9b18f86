/* graph_remote.h - stand-in plugins for the actors of other nodes (see
 * graph_remote.c). Private to the graph loader.
 */
#ifndef STEADY_GRAPH_REMOTE_H
#define STEADY_GRAPH_REMOTE_H

#include "loader.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A new stand-in with no port yet, kept in *list (graph_remote_free frees
 * the list); `node` names where the actor runs, for messages. NULL when
 * out of memory. */
const struct loaded_plugin *graph_remote_plugin(void **list, const char *node);

/* The index of port `name` of a stand-in, added (any-typed, input or
 * output) when the channels name it for the first time; -1 when out of
 * memory. *was_new says whether it was added now. */
int graph_remote_port(const struct loaded_plugin *lp, const char *name,
                      bool is_out, bool *was_new);

/* A port named by a second channel takes several, as a bundle would. */
void graph_remote_make_bundle(const struct loaded_plugin *lp, size_t port);

/* Gives a stand-in's port the type of `other`, the channel's other end
 * (NULL: the other end is remote too; the channel is not run here). */
void graph_remote_type(const struct loaded_plugin *lp, size_t port,
                       const struct steady_port_desc *other);

/* Whether lp is a stand-in. */
bool graph_remote_is(const struct loaded_plugin *lp);

void graph_remote_free(void *list);

#endif
