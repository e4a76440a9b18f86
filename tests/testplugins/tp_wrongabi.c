/* tp_wrongabi.c - deliberately broken: claims ABI 2.0, which this host
 * must refuse before reading anything past the fixed header.
 */
#include <steady/plugin.h>

static int wrongabi_run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_plugin desc = {
    .abi_version = (uint32_t)(2u << 16),
    .descriptor_size = sizeof(struct steady_plugin),
    .name = "tp_wrongabi",
    .run = wrongabi_run,
};

STEADY_PLUGIN_DEFINE(desc)
