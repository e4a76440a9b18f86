/* tp_abi10.c - a plugin as ABI 1.0 built it: its descriptor_size ends
 * before port_info and param_limits. What lies past that end is not the
 * plugin's to say, so the loader must not read it: here it holds tables the
 * loader would refuse (a min above its max, unknown port flags) if it did.
 */
#include <steady/plugin.h>

static int abi10_run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_port_desc ports[] = {
    { .name = "in", .dir = STEADY_IN, .type_name = "u64", .elem_size = 8 },
};

static const struct steady_param_desc params[] = {
    { .name = "count", .type = STEADY_PARAM_INT, .default_value = "3" },
};

static const struct steady_port_info refused_info[] = {
    { .flags = 0x80 },
};

static const struct steady_param_limits refused_limits[] = {
    { .min = "10", .max = "1" },
};

static const struct steady_plugin desc = {
    .abi_version = (uint32_t)(STEADY_ABI_MAJOR << 16 | 0),
    .descriptor_size = STEADY_PLUGIN_MIN_SIZE,
    .name = "tp_abi10",
    .version = "1.0",
    .ports = ports,
    .n_ports = sizeof(ports) / sizeof(ports[0]),
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .run = abi10_run,
    .port_info = refused_info,
    .param_limits = refused_limits,
};

STEADY_PLUGIN_DEFINE(desc)
