/* tp_spinner.c - a loop written against the advice: it never asks
 * steady_running, only whether shutdown was requested, so once its input
 * has ended every wait returns at once and it spins. The spin detector must
 * warn about it, once, naming the input. */
#include <steady/steady.h>

enum { IN };

static int run(struct steady_actor *a)
{
    uint64_t v;

    for (;;) {
        if (!steady_await_all(a, steady_avail(a, IN, 1))) {
            if (steady_shutdown_requested(a))
                break;
            continue;
        }
        (void)steady_try_take(a, IN, &v);
    }
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, "u64", sizeof(uint64_t), true },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_spinner",
    .version = "1.0",
    .summary = "ignores steady_running and spins once its input ends",
    .ports = STEADY_PORTS(ports),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
