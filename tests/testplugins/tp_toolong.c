/* tp_toolong.c - a plugin whose name is 256 bytes, one more than
 * STEADY_PLUGIN_NAME_MAX: refused at load.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_toolong_yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
            "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
            "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
            "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
            "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
    .version = "1.0",
    .summary = "too long a name",
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
