/* tp_layout1.c - a plugin as built against channel layout 1 (before
 * variable-size and dropping channels): the host loads it, but the graph
 * must not wire it to a channel whose mode its inlined fast paths would
 * ignore. Written out by hand instead of STEADY_PLUGIN_DEFINE to claim
 * layout 1. It copies u64 items from `in` to `out` until its input ends. */
#include <steady/steady.h>

enum { IN, OUT, TEXT };

static int run(struct steady_actor *a)
{
    uint64_t v;

    while (steady_running(a)) {
        if (!steady_await_all(a, steady_avail(a, IN, 1),
                              steady_vacant(a, OUT, 1)))
            continue;
        if (steady_try_take(a, IN, &v))
            steady_try_send(a, OUT, &v);
    }
    return 0;
}

static const struct steady_port_desc ports[] = {
    { .name = "in", .dir = STEADY_IN, .type_name = "u64", .elem_size = 8 },
    { .name = "out", .dir = STEADY_OUT, .type_name = "u64", .elem_size = 8 },
    { .name = "text",
      .dir = STEADY_IN,
      .type_name = "text",
      .elem_size = STEADY_VARSIZE },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_layout1",
    .version = "1.0",     .summary = "built against channel layout 1",
    .ports = ports,       .n_ports = sizeof(ports) / sizeof(ports[0]),
    .run = run,
};

STEADY_EXPORT const struct steady_plugin *steady_plugin_entry(void);
STEADY_EXPORT const struct steady_plugin *steady_plugin_entry(void)
{
    return &desc;
}

STEADY_EXPORT extern const uint32_t steady_plugin_channel_layout;
const uint32_t steady_plugin_channel_layout = 1;
