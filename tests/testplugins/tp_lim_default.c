/* tp_lim_default.c - deliberately broken: an int default outside its limits.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_param_desc params[] = {
    { .name = "count", .type = STEADY_PARAM_INT, .default_value = "0" },
};

static const struct steady_param_limits limits[] = {
    { .min = "1", .max = "100" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,   .name = "tp_lim_default",
    .params = params,       .n_params = sizeof(params) / sizeof(params[0]),
    .param_limits = limits, .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
