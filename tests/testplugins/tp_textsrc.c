/* tp_textsrc.c - a plugin with a variable-size output ('text',
 * STEADY_VARSIZE), for the graph loader's tests. Its run does nothing. */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_port_desc ports[] = {
    { "out", STEADY_OUT, "text", STEADY_VARSIZE, true },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_textsrc",
    .version = "1.0",
    .summary = "test source of variable-size text",
    .ports = STEADY_PORTS(ports),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
