/* tp_lim_badmax.c - deliberately broken: a double param whose max "lots" is not
 * a number.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_param_desc params[] = {
    { .name = "ratio", .type = STEADY_PARAM_DOUBLE, .default_value = "0.5" },
};

static const struct steady_param_limits limits[] = {
    { .max = "lots" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,   .name = "tp_lim_badmax",
    .params = params,       .n_params = sizeof(params) / sizeof(params[0]),
    .param_limits = limits, .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
