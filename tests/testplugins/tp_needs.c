/* tp_needs.c - a test source with a required int param `must` (no default),
 * for the loader's missing-param check. Its run does nothing.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_port_desc ports[] = {
    { "out", STEADY_OUT, "u64", 8, false },
};

static const struct steady_param_desc params[] = {
    { "must", STEADY_PARAM_INT, NULL, "required: the graph must set it" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_needs",
    .version = "1.0",     .summary = "test source needing a param",
    .ports = ports,       .n_ports = sizeof(ports) / sizeof(ports[0]),
    .params = params,     .n_params = sizeof(params) / sizeof(params[0]),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
