/* port_info.h - what a descriptor says about a port beyond struct
 * steady_port_desc: the ABI 1.1 port_info table (bundles and their limit),
 * read only when the descriptor is large enough to have it, and whether
 * the port is any-typed. Header-only, so the core can use it too.
 */
#ifndef STEADY_PORT_INFO_H
#define STEADY_PORT_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <steady/plugin.h>
#include <string.h>

/* Entry i of the port_info table, or NULL: an ABI 1.0 descriptor (too
 * small to have the field), no table, or no such port. */
static inline const struct steady_port_info *
plugin_port_info(const struct steady_plugin *d, size_t i)
{
    size_t need =
        offsetof(struct steady_plugin, port_info) + sizeof(d->port_info);

    if (d->descriptor_size < need || !d->port_info || i >= d->n_ports)
        return NULL;
    return &d->port_info[i];
}

/* The graph may wire any number of channels to port i (STEADY_PORT_MANY). */
static inline bool plugin_port_is_bundle(const struct steady_plugin *d,
                                         size_t i)
{
    const struct steady_port_info *info = plugin_port_info(d, i);

    return info && (info->flags & STEADY_PORT_MANY);
}

/* The most channels a bundle takes; 0 for no limit (and for plain ports,
 * which take one). */
static inline unsigned plugin_port_max_wired(const struct steady_plugin *d,
                                             size_t i)
{
    const struct steady_port_info *info = plugin_port_info(d, i);

    return info && (info->flags & STEADY_PORT_MANY) ? info->max_wired : 0;
}

/* The port takes the type of the channel wired to it (STEADY_TYPE_ANY). */
static inline bool plugin_port_is_any(const struct steady_port_desc *p)
{
    return p->type_name && strcmp(p->type_name, STEADY_TYPE_ANY) == 0;
}

#endif
