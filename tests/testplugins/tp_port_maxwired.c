/* tp_port_maxwired.c - deliberately broken: max_wired on a port that is not a
 * bundle.
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
    { .doc = "values", .max_wired = 3 },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,   .name = "tp_port_maxwired",
    .ports = ports,         .n_ports = sizeof(ports) / sizeof(ports[0]),
    .port_info = port_info, .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
