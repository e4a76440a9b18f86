/* tp_fanout.c - fan-out for tests: each u64 of `in` goes to the next
 * channel of the bundle `out` (at most 4), round robin from channel 0. It
 * peeks, sends, then takes, so the failure that `fail_at` injects (once,
 * after that many values moved) loses and doubles nothing; its position
 * is persistent state, so the round robin goes on where it stopped. */
#include <steady/steady.h>

enum { IN, OUT };

struct fanout_state {
    uint64_t moved;  /* values forwarded so far */
    uint32_t next;   /* the channel of `out` the next value goes to */
    uint32_t failed; /* the injected failure happened */
};

static int run(struct steady_actor *a)
{
    struct fanout_state *s = steady_state(a);
    uint64_t fail_at = (uint64_t)steady_param_int(a, "fail_at");
    unsigned wired = steady_wired(a, OUT);

    if (wired == 0)
        return steady_fail(a, "out has no channel");
    while (steady_running(a)) {
        uint64_t v;

        if (!steady_await_all(a, steady_avail(a, IN, 1),
                              steady_vacant_at(a, OUT, s->next, 1)))
            continue; /* cut short: steady_running decides */
        if (!steady_try_peek(a, IN, &v))
            continue;
        if (fail_at && !s->failed && s->moved == fail_at) {
            s->failed = 1;
            steady_panic(a, "injected failure at %llu",
                         (unsigned long long)s->moved);
        }
        if (!steady_channel_try_send(steady_port_at(a, OUT, s->next), &v))
            continue;
        steady_try_take(a, IN, &v);
        s->moved++;
        s->next = (s->next + 1) % wired;
    }
    steady_info(a, "moved %llu values to %u channels",
                (unsigned long long)s->moved, wired);
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, "u64", sizeof(uint64_t), true },
    [OUT] = { "out", STEADY_OUT, "u64", sizeof(uint64_t), true },
};

static const struct steady_port_info port_info[] = {
    [IN] = { .doc = "values to spread" },
    [OUT] = { .doc = "one value to each channel in turn",
              .flags = STEADY_PORT_MANY,
              .max_wired = 4 },
};

static const struct steady_param_desc params[] = {
    { "fail_at", STEADY_PARAM_INT, "0",
      "fail once after moving this many values (0: never)" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_fanout",
    .version = "1.0",
    .summary = "round robin from one input to a bundle of outputs",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct fanout_state),
    .run = run,
    .port_info = port_info,
};

STEADY_PLUGIN_DEFINE(desc)
