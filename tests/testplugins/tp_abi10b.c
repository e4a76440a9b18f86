/* tp_abi10b.c - a plugin as ABI 1.0 built it: its descriptor ends after
 * `destroy` (descriptor_size says so), so the host must not read the ABI
 * 1.1 fields. Its port_info, which would make `out` a bundle, lies beyond
 * that size and is ignored: `out` stays a plain port. */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_port_desc ports[] = {
    { "out", STEADY_OUT, "u64", 8, true },
};

static const struct steady_port_info never_read[] = {
    { .flags = STEADY_PORT_MANY },
};

static const struct steady_plugin desc = {
    .abi_version = (uint32_t)(STEADY_ABI_MAJOR << 16), /* 1.0 */
    .descriptor_size = STEADY_PLUGIN_MIN_SIZE,
    .name = "tp_abi10b",
    .version = "1.0",
    .summary = "an ABI 1.0 descriptor",
    .ports = STEADY_PORTS(ports),
    .run = run,
    .port_info = never_read,
};

STEADY_PLUGIN_DEFINE(desc)
