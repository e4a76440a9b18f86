/* bench_stamp - steady-bench's wake-up probe, sending side: every period_ms
 * sends the CLOCK_MONOTONIC time in ns, read just before the send, to a
 * receiver that is asleep waiting for it; after `samples` it requests
 * shutdown.
 */
#include <steady/steady.h>
#include <time.h>

enum { OUT };

static const struct steady_port_desc ports[] = {
    [OUT] = { "out", STEADY_OUT, "u64", sizeof(uint64_t), true },
};

static const struct steady_param_desc params[] = {
    { "samples", STEADY_PARAM_INT, "1000", "stamps to send (at least 1)" },
    { "period_ms", STEADY_PARAM_INT, "1", "ms between stamps (at least 1)" },
};

static int init(struct steady_actor *a)
{
    if (steady_param_int(a, "samples") < 1 ||
        steady_param_int(a, "period_ms") < 1)
        return steady_fail(a, "samples and period_ms must be at least 1");
    return 0;
}

static int run(struct steady_actor *a)
{
    uint64_t samples = (uint64_t)steady_param_int(a, "samples");
    uint64_t period = (uint64_t)steady_param_int(a, "period_ms");
    uint64_t sent = 0;

    while (steady_running(a)) {
        struct timespec ts;
        uint64_t stamp;

        if (sent == samples || !steady_await_all(a, steady_periodic(a, period)))
            continue;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        stamp = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        if (steady_try_send(a, OUT, &stamp) && ++sent == samples)
            steady_request_shutdown(a);
    }
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "bench_stamp",
    .version = "1.0",
    .summary = "sends timestamps every period_ms (wake-up latency probe)",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .init = init,
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
