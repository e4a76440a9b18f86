/* tp_longname.c - a plugin with a 100-byte name: longer than the 63 bytes state
 * files once kept, within STEADY_PLUGIN_NAME_MAX; loaded with its name intact.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_longname_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    .version = "1.0",
    .summary = "a long name",
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
