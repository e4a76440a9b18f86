/* tp_lim_dupvalue.c - deliberately broken: a value listed twice in one_of.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_param_desc params[] = {
    { .name = "mode", .type = STEADY_PARAM_STRING, .default_value = "a" },
};

static const struct steady_param_limits limits[] = {
    { .one_of = "a|b|a" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,   .name = "tp_lim_dupvalue",
    .params = params,       .n_params = sizeof(params) / sizeof(params[0]),
    .param_limits = limits, .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
