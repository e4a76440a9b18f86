/* tp_lim_badmin.c - deliberately broken: an int param whose min "1x" is not an
 * int.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_param_desc params[] = {
    { .name = "count", .type = STEADY_PARAM_INT, .default_value = "10" },
};

static const struct steady_param_limits limits[] = {
    { .min = "1x" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,   .name = "tp_lim_badmin",
    .params = params,       .n_params = sizeof(params) / sizeof(params[0]),
    .param_limits = limits, .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
