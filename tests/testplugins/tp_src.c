/* tp_src.c - a test source for graph loader tests: one required u64 output
 * and an int and a string param with defaults. Its run does nothing.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_port_desc ports[] = {
    { "out", STEADY_OUT, "u64", 8, true },
};

static const struct steady_param_desc params[] = {
    { "count", STEADY_PARAM_INT, "10", "values to send" },
    { "label", STEADY_PARAM_STRING, "src", "shown in logs" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_src",
    .version = "1.0",     .summary = "test source",
    .ports = ports,       .n_ports = sizeof(ports) / sizeof(ports[0]),
    .params = params,     .n_params = sizeof(params) / sizeof(params[0]),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
