/* tp_lim_onstring.c - deliberately broken: max on a string param.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_param_desc params[] = {
    { .name = "label", .type = STEADY_PARAM_STRING, .default_value = "x" },
};

static const struct steady_param_limits limits[] = {
    { .max = "z" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,   .name = "tp_lim_onstring",
    .params = params,       .n_params = sizeof(params) / sizeof(params[0]),
    .param_limits = limits, .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
