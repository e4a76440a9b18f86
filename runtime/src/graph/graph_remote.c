/* graph_remote.c - stand-in plugins for the actors of other nodes. A node
 * loads only its own actors' plugins (the others may not even be installed
 * on its machine), yet the channels that reach those actors must still be
 * read and typed: each remote actor gets a descriptor whose ports are the
 * ones the channels name, typed from the channels' other ends.
 */
#include "graph_remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The type a channel between two remote actors is given: it is dropped by
 * graph_split, but must pass the checks on the way. */
static const char remote_type[] = "remote";

struct remote_plugin {
    struct loaded_plugin lp;
    struct steady_plugin desc;
    struct steady_port_desc *ports;
    struct steady_port_info *info;
    char **names;
    size_t cap;
    char *label; /* "remote (node B)" */
    struct remote_plugin *next;
};

static int remote_run(struct steady_actor *a)
{
    (void)a;
    return -1; /* never started: remote actors are not built */
}

const struct loaded_plugin *graph_remote_plugin(void **list, const char *node)
{
    struct remote_plugin *r = calloc(1, sizeof(*r));
    size_t len = strlen(node) + sizeof("remote (node )");

    if (!r)
        return NULL;
    r->label = malloc(len);
    if (!r->label) {
        free(r);
        return NULL;
    }
    snprintf(r->label, len, "remote (node %s)", node);
    r->desc.abi_version = STEADY_ABI_VERSION;
    r->desc.descriptor_size = sizeof(r->desc);
    r->desc.name = r->label;
    r->desc.version = "0";
    r->desc.summary = "an actor of another node";
    r->desc.run = remote_run;
    r->lp.path = r->label;
    r->lp.desc = &r->desc;
    r->lp.channel_layout = STEADY_CHANNEL_LAYOUT;
    r->next = *list;
    *list = r;
    return &r->lp;
}

static struct remote_plugin *of(const struct loaded_plugin *lp)
{
    return (struct remote_plugin *)(void *)((char *)(uintptr_t)lp -
                                            offsetof(struct remote_plugin, lp));
}

int graph_remote_port(const struct loaded_plugin *lp, const char *name,
                      bool is_out, bool *was_new)
{
    struct remote_plugin *r = of(lp);
    size_t n = r->desc.n_ports;

    for (size_t i = 0; i < n; i++) {
        if (strcmp(r->names[i], name) != 0)
            continue;
        *was_new = false;
        return (int)i;
    }
    if (n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 4;
        struct steady_port_desc *p = realloc(r->ports, cap * sizeof(*p));
        struct steady_port_info *info;
        char **names;

        if (!p)
            return -1;
        r->ports = p;
        info = realloc(r->info, cap * sizeof(*info));
        if (!info)
            return -1;
        r->info = info;
        names = realloc(r->names, cap * sizeof(*names));
        if (!names)
            return -1;
        r->names = names;
        r->cap = cap;
    }
    r->names[n] = strdup(name);
    if (!r->names[n])
        return -1;
    r->ports[n] = (struct steady_port_desc){
        .name = r->names[n],
        .dir = is_out ? STEADY_OUT : STEADY_IN,
        .type_name = STEADY_TYPE_ANY,
        .elem_size = 0,
    };
    r->info[n] = (struct steady_port_info){ 0 };
    r->desc.ports = r->ports;
    r->desc.port_info = r->info;
    r->desc.n_ports = n + 1;
    r->lp.port_info = r->info;
    *was_new = true;
    return (int)n;
}

void graph_remote_make_bundle(const struct loaded_plugin *lp, size_t port)
{
    of(lp)->info[port].flags |= STEADY_PORT_MANY;
}

void graph_remote_type(const struct loaded_plugin *lp, size_t port,
                       const struct steady_port_desc *other)
{
    struct steady_port_desc *p = &of(lp)->ports[port];

    if (!other) {
        p->type_name = remote_type;
        p->elem_size = 1;
        return;
    }
    p->type_name = other->type_name;
    p->elem_size = other->elem_size;
}

bool graph_remote_is(const struct loaded_plugin *lp)
{
    return lp && lp->desc && lp->desc->run == remote_run;
}

void graph_remote_free(void *list)
{
    struct remote_plugin *r = list;

    while (r) {
        struct remote_plugin *next = r->next;

        for (size_t i = 0; i < r->desc.n_ports; i++)
            free(r->names[i]);
        free(r->names);
        free(r->ports);
        free(r->info);
        free(r->label);
        free(r);
        r = next;
    }
}
