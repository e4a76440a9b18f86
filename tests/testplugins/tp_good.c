/* tp_good.c - a well-formed test plugin with one port and one param of each
 * kind the loader checks; its run does nothing.
 */
#include <steady/actor.h>
#include <steady/plugin.h>

static int good_run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_port_desc ports[] = {
    { .name = "in",
      .dir = STEADY_IN,
      .type_name = "u64",
      .elem_size = 8,
      .required = true },
    { .name = "out",
      .dir = STEADY_OUT,
      .type_name = "u64",
      .elem_size = 8,
      .required = false },
};

static const struct steady_param_desc params[] = {
    { "count", STEADY_PARAM_INT, "10", "how many values to pass" },
    { "ratio", STEADY_PARAM_DOUBLE, "0.5", "a fraction" },
    { "verbose", STEADY_PARAM_BOOL, "false", "log every value" },
    { "label", STEADY_PARAM_STRING, "x", "shown in logs" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_good",
    .version = "1.2.3",   .summary = "a well-formed plugin for loader tests",
    .ports = ports,       .n_ports = sizeof(ports) / sizeof(ports[0]),
    .params = params,     .n_params = sizeof(params) / sizeof(params[0]),
    .state_size = 16,     .run = good_run,
};

STEADY_PLUGIN_DEFINE(desc)
