/* tp_busytick.c - a periodic actor that computes for work_us on each tick.
 * Three of them in a troupe, each working most of a period, keep its
 * thread busy on timers alone (whenever one parks, another is due) without
 * ever waking its waker: the case where a mate parked on an fd must still
 * be looked after. */
#include <steady/steady.h>
#include <time.h>

static uint64_t ns_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int init(struct steady_actor *a)
{
    if (steady_param_int(a, "period_ms") < 1 ||
        steady_param_int(a, "work_us") < 0)
        return steady_fail(a, "period_ms must be 1 or more and work_us 0 or "
                              "more");
    return 0;
}

static int run(struct steady_actor *a)
{
    uint64_t period = (uint64_t)steady_param_int(a, "period_ms");
    uint64_t work = (uint64_t)steady_param_int(a, "work_us") * 1000u;
    uint64_t ticks = 0;

    while (steady_running(a)) {
        uint64_t until;

        if (!steady_await_all(a, steady_periodic(a, period)))
            continue;
        until = ns_now() + work;
        while (ns_now() < until)
            ; /* the work */
        ticks++;
    }
    steady_info(a, "ticked %llu times", (unsigned long long)ticks);
    return 0;
}

static const struct steady_param_desc params[] = {
    { .name = "period_ms",
      .type = STEADY_PARAM_INT,
      .default_value = "2",
      .doc = "ms between ticks" },
    { .name = "work_us",
      .type = STEADY_PARAM_INT,
      .default_value = "1500",
      .doc = "us of computing per tick" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_busytick",
    .version = "1.0",
    .summary = "ticks periodically, each tick computing longer than a period",
    .params = STEADY_PARAMS(params),
    .init = init,
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
