/* evens.c - an out-of-tree plugin, built only against an installed steady:
 * passes on the even u64 values it takes and drops the odd ones. */
#include <steady/steady.h>

enum { IN, OUT };

static int run(struct steady_actor *a)
{
    while (steady_running(a)) {
        uint64_t v;

        if (!steady_await_all(a, steady_avail(a, IN, 1),
                              steady_vacant(a, OUT, 1)))
            continue; /* cut short: steady_running decides */
        if (steady_try_take(a, IN, &v) && v % 2 == 0)
            steady_send(a, OUT, &v, STEADY_SATURATION_AWAIT);
    }
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, STEADY_TYPE_U64, sizeof(uint64_t), true },
    [OUT] = { "out", STEADY_OUT, STEADY_TYPE_U64, sizeof(uint64_t), true },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "evens",
    .version = "1.0",     .summary = "passes even values, drops odd ones",
    .ports = ports,       .n_ports = 2,
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
