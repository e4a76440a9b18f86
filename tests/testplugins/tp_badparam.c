/* tp_badparam.c - deliberately broken: an int param whose default "abc"
 * is not an integer.
 */
#include <steady/plugin.h>

static int badparam_run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_param_desc params[] = {
    { "count", STEADY_PARAM_INT, "abc", "how many" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_badparam",
    .params = params,     .n_params = sizeof(params) / sizeof(params[0]),
    .run = badparam_run,
};

STEADY_PLUGIN_DEFINE(desc)
