/* tp_fanin.c - fan-in for tests: takes u64 values from every channel of
 * the bundle `in` as they come (one wait on the bundle wakes on any of
 * them), checks that each channel's values rise, logs each channel as it
 * ends, and at the end logs how many it took from each channel, their sum
 * and, with `expect` N > 0, whether they were exactly 0..N-1. The tallies
 * live in its context, which restarts keep; the failure that `fail_at`
 * injects (once, after that many values) comes before a batch is looked
 * at, so nothing is counted twice. */
#include <stdio.h>
#include <stdlib.h>
#include <steady/steady.h>

enum { IN };

#define MAX_CHANNELS 16
#define BATCH        64

struct fanin {
    uint64_t expect;
    uint8_t *seen; /* expect bits */
    uint64_t taken, sum, missing, duplicated, out_of_range, out_of_order;
    uint64_t count[MAX_CHANNELS];
    uint64_t last[MAX_CHANNELS];
    bool ended[MAX_CHANNELS];
    bool failed;
    unsigned first; /* where the next round starts: fair to every channel */
};

static int init(struct steady_actor *a)
{
    struct fanin *f = calloc(1, sizeof(*f));
    int64_t expect = steady_param_int(a, "expect");

    if (!f)
        return steady_fail(a, "out of memory");
    if (expect < 0) {
        free(f);
        return steady_fail(a, "expect must be 0 or more, got %lld",
                           (long long)expect);
    }
    f->expect = (uint64_t)expect;
    if (f->expect && !(f->seen = calloc((size_t)(f->expect + 7) / 8, 1))) {
        free(f);
        return steady_fail(a, "out of memory");
    }
    steady_set_ctx(a, f);
    return 0;
}

static void destroy(struct steady_actor *a)
{
    struct fanin *f = steady_ctx(a);

    free(f->seen);
    free(f);
}

static void record(struct fanin *f, unsigned i, uint64_t v)
{
    if (f->count[i] && v <= f->last[i])
        f->out_of_order++;
    f->last[i] = v;
    f->count[i]++;
    f->taken++;
    f->sum += v;
    if (!f->expect)
        return;
    if (v >= f->expect)
        f->out_of_range++;
    else if (f->seen[v / 8] & (1u << (v % 8)))
        f->duplicated++;
    else
        f->seen[v / 8] |= (uint8_t)(1u << (v % 8));
}

/* Takes what channel i holds, up to a batch. */
static void take_from(struct steady_actor *a, struct fanin *f, unsigned i)
{
    struct steady_channel *ch = steady_port_at(a, IN, i);
    struct steady_span spans[2];
    size_t n = steady_channel_borrow_read(ch, spans, BATCH);

    for (int k = 0; k < 2; k++)
        for (size_t j = 0; j < spans[k].n; j++)
            record(f, i, ((const uint64_t *)spans[k].ptr)[j]);
    steady_channel_commit_take(ch, n);
    if (!f->ended[i] && steady_channel_is_closed_and_empty(ch)) {
        f->ended[i] = true;
        steady_info(a, "in[%u] ended after %llu values", i,
                    (unsigned long long)f->count[i]);
    }
}

static int run(struct steady_actor *a)
{
    struct fanin *f = steady_ctx(a);
    uint64_t fail_at = (uint64_t)steady_param_int(a, "fail_at");
    unsigned wired = steady_wired(a, IN);
    char counts[512] = "";
    size_t used = 0;

    if (wired > MAX_CHANNELS)
        return steady_fail(a, "at most %d channels, got %u", MAX_CHANNELS,
                           wired);
    while (steady_running(a)) {
        if (!steady_await_all(a, steady_avail(a, IN, 1)))
            continue; /* cut short: steady_running decides */
        if (fail_at && !f->failed && f->taken >= fail_at) {
            f->failed = true;
            steady_panic(a, "injected failure after %llu values",
                         (unsigned long long)f->taken);
        }
        for (unsigned k = 0; k < wired; k++)
            take_from(a, f, (f->first + k) % wired);
        f->first = (f->first + 1) % (wired ? wired : 1);
    }
    for (unsigned i = 0; i < wired; i++)
        if (!f->ended[i])
            take_from(a, f, i); /* logs the channels not seen ending */
    for (unsigned i = 0; i < wired && used < sizeof(counts); i++)
        used += (size_t)snprintf(counts + used, sizeof(counts) - used,
                                 "%sin[%u]: %llu", i ? ", " : "", i,
                                 (unsigned long long)f->count[i]);
    steady_info(a,
                "took %llu values from %u channels (%s), sum %llu, %llu "
                "out of order",
                (unsigned long long)f->taken, wired, counts,
                (unsigned long long)f->sum,
                (unsigned long long)f->out_of_order);
    if (f->expect) {
        for (uint64_t v = 0; v < f->expect; v++)
            if (!(f->seen[v / 8] & (1u << (v % 8))))
                f->missing++;
        if (!f->missing && !f->duplicated && !f->out_of_range)
            steady_info(a, "exactly 0..%llu: yes",
                        (unsigned long long)f->expect - 1);
        else
            steady_info(a,
                        "exactly 0..%llu: no (missing %llu, duplicated %llu, "
                        "out of range %llu)",
                        (unsigned long long)f->expect - 1,
                        (unsigned long long)f->missing,
                        (unsigned long long)f->duplicated,
                        (unsigned long long)f->out_of_range);
    }
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, "u64", sizeof(uint64_t), true },
};

static const struct steady_port_info port_info[] = {
    [IN] = { .doc = "values from any number of producers",
             .flags = STEADY_PORT_MANY },
};

static const struct steady_param_desc params[] = {
    { "expect", STEADY_PARAM_INT, "0",
      "check the values are exactly 0..expect-1 (0: no check)" },
    { "fail_at", STEADY_PARAM_INT, "0",
      "fail once after taking this many values (0: never)" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_fanin",
    .version = "1.0",
    .summary = "takes from a bundle of inputs, tallies and checks the values",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .init = init,
    .run = run,
    .destroy = destroy,
    .port_info = port_info,
};

STEADY_PLUGIN_DEFINE(desc)
