/* tp_lim_onbool.c - deliberately broken: min on a bool param.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_param_desc params[] = {
    { .name = "verbose", .type = STEADY_PARAM_BOOL, .default_value = "false" },
};

static const struct steady_param_limits limits[] = {
    { .min = "0" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,   .name = "tp_lim_onbool",
    .params = params,       .n_params = sizeof(params) / sizeof(params[0]),
    .param_limits = limits, .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
