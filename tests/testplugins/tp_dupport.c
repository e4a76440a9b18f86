/* tp_dupport.c - deliberately broken: two ports named "data", which no
 * graph could tell apart.
 */
#include <steady/plugin.h>

static int dupport_run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_port_desc ports[] = {
    { .name = "data", .dir = STEADY_IN, .type_name = "u64", .elem_size = 8 },
    { .name = "data", .dir = STEADY_OUT, .type_name = "u64", .elem_size = 8 },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_dupport",
    .ports = ports,       .n_ports = sizeof(ports) / sizeof(ports[0]),
    .run = dupport_run,
};

STEADY_PLUGIN_DEFINE(desc)
