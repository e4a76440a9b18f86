/* tp_port_flags.c - deliberately broken: a port with flag bits this host does
 * not know.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_port_desc ports[] = {
    { .name = "in", .dir = STEADY_IN, .type_name = "u64", .elem_size = 8 },
};

static const struct steady_port_info port_info[] = {
    { .flags = STEADY_PORT_MANY | 0x6 },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,   .name = "tp_port_flags",
    .ports = ports,         .n_ports = sizeof(ports) / sizeof(ports[0]),
    .port_info = port_info, .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
