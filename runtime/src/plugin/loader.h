/* loader.h - finds plugin shared objects on the search path, dlopens them
 * and checks their descriptor before anything uses it.
 *
 * Private to libsteady. Not thread-safe: used while a graph is being built.
 */
#ifndef STEADY_LOADER_H
#define STEADY_LOADER_H

#include "param_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <steady/plugin.h>

struct loaded_plugin {
    char *path;                       /* the file that was opened */
    void *handle;                     /* dlopen handle */
    const struct steady_plugin *desc; /* checked descriptor, owned by the .so */
    /* The ABI 1.1 extras, checked, one entry per port and per param
     * whatever the plugin's ABI: what the descriptor gives, or all zero (no
     * doc, no flags; no limits) for a plugin that gives none or predates
     * them. Owned; NULL when there are no ports (params). */
    struct steady_port_info *port_info;
    struct param_limit *limits;
    /* STEADY_CHANNEL_LAYOUT it was built against: 1 or 2. Code built
     * against layout 1 inlines fast paths that do not know a channel's
     * mode, so the graph wires it only to plain channels. */
    uint32_t channel_layout;
};

/* The oldest channel layout the host still loads. */
#define PLUGIN_MIN_CHANNEL_LAYOUT 1

/* A set of opened plugins, each opened once however many actors use it. */
struct plugin_registry;

/* search_path: directories separated by ':'; NULL or "" for none. The
 * registry appends STEADY_PLUGIN_PATH from the environment and then the
 * build's plugin directory. Returns NULL only when out of memory. */
struct plugin_registry *plugin_registry_create(const char *search_path);
void plugin_registry_destroy(struct plugin_registry *reg);

/* Opens (or returns the already opened) plugin named `ref`: a path when it
 * contains '/' (relative ones from the current directory), else a name
 * looked up as NAME.so (or NAME when it ends in ".so") in each search
 * directory in order, and never in the current directory. On failure returns
 * NULL and writes a one-line reason naming the file (or the directories
 * searched) into err. */
const struct loaded_plugin *plugin_registry_get(struct plugin_registry *reg,
                                                const char *ref, char *err,
                                                size_t errlen);

/* The directories searched, ':'-joined, for messages. */
const char *plugin_registry_search_path(const struct plugin_registry *reg);

/* Stops the process that checked the registry's plugins: call once a graph
 * is loaded (a later lookup starts another). */
void plugin_registry_loaded(struct plugin_registry *reg);

/* Lets the registry open plugins that others than their owner could change
 * (--allow-writable-plugins). The registry starts with what env
 * STEADY_ALLOW_WRITABLE_PLUGINS says. */
void plugin_registry_allow_writable(struct plugin_registry *reg, bool allow);

/* How plugin_open_flags checks a file before mapping it. */
enum {
    PLUGIN_OPEN_ALLOW_WRITABLE = 1u, /* skip preflight's permission checks */
    PLUGIN_OPEN_NO_PREFLIGHT = 2u,   /* dlopen at once: for the scanner */
};

/* Opens a single plugin file and checks it: the preflight (see
 * preflight.h), then dlopen here and the descriptor checks. A path without
 * '/' is a file in the current directory. Returns 0, or -1 with the path and
 * reason in err; out is untouched on failure. */
int plugin_open_flags(const char *path, unsigned flags,
                      struct loaded_plugin *out, char *err, size_t errlen);
/* plugin_open_flags with the permission checks as env
 * STEADY_ALLOW_WRITABLE_PLUGINS says (used by tests and `steady inspect`). */
int plugin_open(const char *path, struct loaded_plugin *out, char *err,
                size_t errlen);
void plugin_close(struct loaded_plugin *p);

/* Whether descriptor d, of d->descriptor_size bytes, holds `field`: the
 * fields appended by a later ABI minor lie past the end of an older
 * plugin's descriptor and must not be read. */
#define PLUGIN_DESC_HAS(d, field)    \
    ((size_t)(d)->descriptor_size >= \
     offsetof(struct steady_plugin, field) + sizeof((d)->field))

/* Looks up a port or param by name; -1 when absent. */
int plugin_port_index(const struct steady_plugin *desc, const char *name);
int plugin_param_index(const struct steady_plugin *desc, const char *name);

#endif
