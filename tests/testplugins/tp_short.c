/* tp_short.c - deliberately broken: a descriptor that says it is only 16
 * bytes long, smaller than any ABI 1 descriptor.
 */
#include <steady/plugin.h>

static int short_run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_plugin desc = {
    .abi_version = STEADY_ABI_VERSION,
    .descriptor_size = 16,
    .name = "tp_short",
    .run = short_run,
};

STEADY_PLUGIN_DEFINE(desc)
