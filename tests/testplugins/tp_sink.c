/* tp_sink.c - a test sink for graph loader tests: a required u64 input, an
 * optional one, and a bool and a double param. Its run does nothing.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_port_desc ports[] = {
    { "in", STEADY_IN, "u64", 8, true },
    { "extra", STEADY_IN, "u64", 8, false },
};

static const struct steady_param_desc params[] = {
    { "verbose", STEADY_PARAM_BOOL, "false", "log every value" },
    { "scale", STEADY_PARAM_DOUBLE, "1.0", "multiplies each value" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_sink",
    .version = "1.0",     .summary = "test sink",
    .ports = ports,       .n_ports = sizeof(ports) / sizeof(ports[0]),
    .params = params,     .n_params = sizeof(params) / sizeof(params[0]),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
