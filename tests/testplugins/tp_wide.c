/* tp_wide.c - a test filter whose ports carry 16-byte 'wide' elements, for
 * the loader's type and ring-size checks. Its run does nothing.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_port_desc ports[] = {
    { "in", STEADY_IN, "wide", 16, true },
    { "out", STEADY_OUT, "wide", 16, false },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_wide",
    .version = "1.0",     .summary = "test filter of wide elements",
    .ports = ports,       .n_ports = sizeof(ports) / sizeof(ports[0]),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
