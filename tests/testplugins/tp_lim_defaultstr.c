/* tp_lim_defaultstr.c - deliberately broken: a string default that is not one
 * of its values.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_param_desc params[] = {
    { .name = "mode", .type = STEADY_PARAM_STRING, .default_value = "fsat" },
};

static const struct steady_param_limits limits[] = {
    { .one_of = "fast|safe" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,   .name = "tp_lim_defaultstr",
    .params = params,       .n_params = sizeof(params) / sizeof(params[0]),
    .param_limits = limits, .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
