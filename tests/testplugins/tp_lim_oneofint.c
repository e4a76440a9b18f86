/* tp_lim_oneofint.c - deliberately broken: one_of on an int param.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_param_desc params[] = {
    { .name = "count", .type = STEADY_PARAM_INT, .default_value = "1" },
};

static const struct steady_param_limits limits[] = {
    { .one_of = "1|2|3" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,   .name = "tp_lim_oneofint",
    .params = params,       .n_params = sizeof(params) / sizeof(params[0]),
    .param_limits = limits, .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
