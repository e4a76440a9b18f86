/* tp_ctrlname.c - a plugin whose name holds a newline, which would break every
 * one-line message that names it: refused at load.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_ctrl\nname",
    .version = "1.0",     .summary = "a newline in its name",
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
