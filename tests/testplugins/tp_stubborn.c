/* tp_stubborn.c - a test actor that never agrees to shut down: its vote is
 * always no, so the host's shutdown timeout report must name it. Two of them
 * in a cycle block on each other's silent output; one requests shutdown
 * after `after_ms` (-1: never). */
#include <stdio.h>
#include <steady/steady.h>

enum { IN, OUT };

static bool never(struct steady_actor *a, char *why, size_t len)
{
    (void)a;
    snprintf(why, len, "stubborn by design");
    return false;
}

static int run(struct steady_actor *a)
{
    int64_t after = steady_param_int(a, "after_ms");
    uint64_t item;

    steady_set_vote(a, never);
    if (after >= 0 && steady_await_all(a, steady_timeout(a, (uint64_t)after)))
        steady_request_shutdown(a);
    while (steady_running(a))
        if (steady_await_all(a, steady_avail(a, IN, 1)))
            steady_try_take(a, IN, &item);
    return 0;
}

static const struct steady_port_desc ports[] = {
    { "in", STEADY_IN, "u64", 8, true },
    { "out", STEADY_OUT, "u64", 8, true },
};

static const struct steady_param_desc params[] = {
    { "after_ms", STEADY_PARAM_INT, "-1",
      "request shutdown after this many ms (-1: never)" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_stubborn",
    .version = "1.0",     .summary = "never votes yes",
    .ports = ports,       .n_ports = sizeof(ports) / sizeof(ports[0]),
    .params = params,     .n_params = sizeof(params) / sizeof(params[0]),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
