/* tp_sleeper.c - an actor that spends its life in one long blocking wait,
 * for the test that a blocked troupe member does not starve the others. */
#include <steady/steady.h>

static int run(struct steady_actor *a)
{
    while (steady_running(a))
        steady_await_all(a, steady_timeout(a, 3600 * 1000));
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_sleeper",
    .version = "1.0",     .summary = "waits an hour at a time",
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
