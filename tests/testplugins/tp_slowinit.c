/* tp_slowinit.c - an actor whose init takes `init_ms` milliseconds, for the
 * graph harness's bound on start-up (tests/plugins/test_graph_hostile.c).
 */
#include <steady/steady.h>
#include <time.h>

static const struct steady_port_desc ports[] = {
    { .name = "in",
      .dir = STEADY_IN,
      .type_name = "u64",
      .elem_size = 8,
      .required = false },
};

static const struct steady_param_desc params[] = {
    { .name = "init_ms",
      .type = STEADY_PARAM_INT,
      .default_value = "1000",
      .doc = "how long init takes" },
};

static int slow_init(struct steady_actor *a)
{
    long long ms = (long long)steady_param_int(a, "init_ms");
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0)
        ;
    return 0;
}

static int slow_run(struct steady_actor *a)
{
    while (steady_running(a))
        steady_await_all(a, steady_avail(a, 0, 1));
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_slowinit",
    .version = "1.0",
    .summary = "init takes init_ms",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .init = slow_init,
    .run = slow_run,
};

STEADY_PLUGIN_DEFINE(desc)
