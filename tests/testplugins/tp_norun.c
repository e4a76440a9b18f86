/* tp_norun.c - deliberately broken: a descriptor without the required run
 * callback.
 */
#include <steady/plugin.h>

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_norun",
    .version = "0",
    .summary = "has no run",
};

STEADY_PLUGIN_DEFINE(desc)
