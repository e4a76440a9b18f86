/* tp_burst.c - a u64 test actor for the telemetry sampling tests, whose
 * `role` param picks what it does: "burst" sends `count` items at once
 * every period_ms (a drift-free tick); "drain" waits for an item, keeps
 * the channel as it is for hold_ms, then takes everything there, spending
 * work_us of CPU per item. A burst every frame_ms drained within a
 * millisecond is the rhythm that a collector sampling once a frame, in
 * step with the bursts, misreads.
 */
#include <steady/actor.h>
#include <steady/plugin.h>
#include <string.h>
#include <time.h>

enum { IN, OUT };

static const struct steady_port_desc ports[] = {
    [IN] = { .name = "in",
             .dir = STEADY_IN,
             .type_name = "u64",
             .elem_size = sizeof(uint64_t),
             .required = false },
    [OUT] = { .name = "out",
              .dir = STEADY_OUT,
              .type_name = "u64",
              .elem_size = sizeof(uint64_t),
              .required = false },
};

static const struct steady_param_desc params[] = {
    { .name = "role",
      .type = STEADY_PARAM_STRING,
      .default_value = "drain",
      .doc = "burst or drain" },
    { .name = "period_ms",
      .type = STEADY_PARAM_INT,
      .default_value = "100",
      .doc = "burst: ms between bursts" },
    { .name = "count",
      .type = STEADY_PARAM_INT,
      .default_value = "64",
      .doc = "burst: items per burst" },
    { .name = "hold_ms",
      .type = STEADY_PARAM_INT,
      .default_value = "0",
      .doc = "drain: ms to leave a burst in the channel before taking it" },
    { .name = "work_us",
      .type = STEADY_PARAM_INT,
      .default_value = "0",
      .doc = "drain: CPU spent per item taken, in microseconds" },
};

static int init(struct steady_actor *a)
{
    const char *role = steady_param_str(a, "role");

    if (strcmp(role, "burst") != 0 && strcmp(role, "drain") != 0)
        return steady_fail(a, "role must be burst or drain, got '%s'", role);
    if (steady_param_int(a, "period_ms") < 1 ||
        steady_param_int(a, "count") < 1)
        return steady_fail(a, "period_ms and count must be at least 1");
    if (steady_param_int(a, "hold_ms") < 0 ||
        steady_param_int(a, "work_us") < 0)
        return steady_fail(a, "hold_ms and work_us must not be negative");
    return 0;
}

static void burst(struct steady_actor *a)
{
    uint64_t period = (uint64_t)steady_param_int(a, "period_ms");
    size_t count = (size_t)steady_param_int(a, "count");
    uint64_t next = 0;

    while (steady_running(a)) {
        if (!steady_await_all(a, steady_periodic(a, period),
                              steady_vacant(a, OUT, count)))
            continue;
        for (size_t i = 0; i < count && steady_try_send(a, OUT, &next); i++)
            next++;
    }
}

static uint64_t cpu_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void drain(struct steady_actor *a)
{
    uint64_t hold = (uint64_t)steady_param_int(a, "hold_ms");
    uint64_t work = (uint64_t)steady_param_int(a, "work_us");
    uint64_t v;

    while (steady_running(a)) {
        if (!steady_await_all(a, steady_avail(a, IN, 1)))
            continue;
        if (hold)
            steady_await_all(a, steady_timeout(a, hold));
        while (steady_try_take(a, IN, &v)) {
            uint64_t until = cpu_us() + work;

            while (work && cpu_us() < until)
                ;
        }
    }
}

static int run(struct steady_actor *a)
{
    if (strcmp(steady_param_str(a, "role"), "burst") == 0)
        burst(a);
    else
        drain(a);
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_burst",
    .version = "1.0",
    .summary = "telemetry test actor: bursts on a period, or drains them",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .init = init,
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
