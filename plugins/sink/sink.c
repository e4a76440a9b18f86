/* sink.c - the end of a pipeline: takes everything that arrives, counts it
 * (and sums it, so a test can check what came through), and logs the total
 * when its input has ended. Written with the documented loop only: once the
 * input ends, steady_running is false and the actor ends. */
#include <steady/steady.h>

enum { IN };

struct sink_state {
    uint64_t taken; /* items taken so far */
    uint64_t sum;   /* their sum, modulo 2^64 */
};

static int run(struct steady_actor *a)
{
    struct sink_state *s = steady_state(a);
    struct steady_channel *in = steady_port(a, IN);

    while (steady_running(a)) {
        struct steady_span spans[2];
        size_t n;

        if (!steady_await_all(a, steady_avail(a, IN, 1)))
            continue; /* cut short: steady_running decides */
        n = steady_channel_borrow_read(in, spans, SIZE_MAX);
        for (int k = 0; k < 2; k++) {
            const uint64_t *v = spans[k].ptr;

            for (size_t i = 0; i < spans[k].n; i++)
                s->sum += v[i];
        }
        steady_channel_commit_take(in, n);
        s->taken += n;
    }
    steady_info(a, "took %llu items, sum %llu", (unsigned long long)s->taken,
                (unsigned long long)s->sum);
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, STEADY_TYPE_U64, sizeof(uint64_t), true },
};

static const struct steady_port_info port_info[] = {
    [IN] = { .doc = "values to take, count and sum" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "sink",
    .version = "1.0",
    .summary = "takes and counts everything; logs the total at the end",
    .ports = STEADY_PORTS(ports),
    .state_size = sizeof(struct sink_state),
    .run = run,
    .port_info = port_info,
};

STEADY_PLUGIN_DEFINE(desc)
