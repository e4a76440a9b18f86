/* tp_waits.c - runs one wait chosen by `mode` and logs what it returned and
 * how long it took, for the tests of the wait semantics (met, settled, cut
 * short by shutdown, all-of versus any-of). */
#include <stdio.h>
#include <steady/steady.h>
#include <string.h>
#include <time.h>

enum { IN, OUT };

static uint64_t ms_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool wait_for(struct steady_actor *a, const char *mode)
{
    if (strcmp(mode, "timeout") == 0)
        return steady_await_all(a, steady_timeout(a, 50));
    if (strcmp(mode, "any") == 0)
        return steady_await_any(a, steady_avail(a, IN, 1),
                                steady_timeout(a, 5000));
    if (strcmp(mode, "all") == 0)
        return steady_await_all(a, steady_avail(a, IN, 3),
                                steady_vacant(a, OUT, 1));
    if (strcmp(mode, "closed") == 0)
        return steady_await_all(a, steady_avail(a, IN, 5));
    if (strcmp(mode, "periodic") == 0)
        return steady_await_all(a, steady_periodic(a, 20));
    return steady_await_all(a, steady_periodic(a, 60000)); /* "shutdown" */
}

static int run(struct steady_actor *a)
{
    const char *mode = steady_param_str(a, "mode");
    int times = (int)steady_param_int(a, "times");
    uint64_t start = ms_now();

    for (int i = 0; i < times; i++) {
        bool met = wait_for(a, mode);

        steady_info(a, "wait %d: %s after %llu ms, %zu available", i,
                    met ? "met" : "cut short",
                    (unsigned long long)(ms_now() - start),
                    steady_connected(a, IN) ? steady_avail_count(a, IN) : 0);
    }
    while (steady_running(a)) {
        uint64_t v;

        if (steady_await_any(a, steady_avail(a, IN, 1)))
            steady_try_take(a, IN, &v);
    }
    return 0;
}

static const struct steady_port_desc ports[] = {
    { "in", STEADY_IN, "u64", 8, false },
    { "out", STEADY_OUT, "u64", 8, false },
};

static const struct steady_param_desc params[] = {
    { "mode", STEADY_PARAM_STRING, "timeout",
      "timeout, any, all, closed, periodic or shutdown" },
    { "times", STEADY_PARAM_INT, "1", "how many waits" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_waits",
    .version = "1.0",     .summary = "exercises one kind of wait",
    .ports = ports,       .n_ports = sizeof(ports) / sizeof(ports[0]),
    .params = params,     .n_params = sizeof(params) / sizeof(params[0]),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
