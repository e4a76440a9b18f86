/* sink.c - the end of a pipeline, for any type: takes everything that
 * arrives, counts items and bytes (and sums u64 items, so a test can check
 * what came through), and logs the totals when its input has ended. Written
 * with the documented loop only: once the input ends, steady_running is
 * false and the actor ends. */
#include <steady/steady.h>
#include <string.h>

enum { IN };

struct sink_state {
    uint64_t taken; /* items taken so far */
    uint64_t sum;   /* their sum modulo 2^64, when they are u64 */
    uint64_t bytes; /* their payload bytes */
};

static bool is_u64(struct steady_actor *a)
{
    return steady_port_elem_size(a, IN) == 8 &&
           strcmp(steady_port_type(a, IN), STEADY_TYPE_U64) == 0;
}

static void take_fixed(struct steady_actor *a, struct sink_state *s, bool u64)
{
    struct steady_channel *in = steady_port(a, IN);
    struct steady_span spans[2];
    size_t n = steady_channel_borrow_read(in, spans, SIZE_MAX);

    for (int k = 0; u64 && k < 2; k++) {
        const uint64_t *v = spans[k].ptr;

        for (size_t i = 0; i < spans[k].n; i++)
            s->sum += v[i];
    }
    steady_channel_commit_take(in, n);
    s->taken += n;
    s->bytes += n * steady_port_elem_size(a, IN);
}

static void take_msgs(struct steady_actor *a, struct sink_state *s)
{
    size_t len;

    while (steady_peek_msg(a, IN, &len)) {
        steady_take_msg(a, IN);
        s->taken++;
        s->bytes += len;
    }
}

static int run(struct steady_actor *a)
{
    struct sink_state *s = steady_state(a);
    bool u64 = is_u64(a);
    bool varsize = steady_port_elem_size(a, IN) == STEADY_VARSIZE;

    while (steady_running(a)) {
        if (!steady_await_all(a, steady_avail(a, IN, 1)))
            continue; /* cut short: steady_running decides */
        if (varsize)
            take_msgs(a, s);
        else
            take_fixed(a, s, u64);
    }
    if (u64)
        steady_info(a, "took %llu items, sum %llu",
                    (unsigned long long)s->taken, (unsigned long long)s->sum);
    else
        steady_info(a, "took %llu items of %s, %llu bytes",
                    (unsigned long long)s->taken, steady_port_type(a, IN),
                    (unsigned long long)s->bytes);
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, STEADY_TYPE_ANY, 0, true },
};

static const struct steady_port_info port_info[] = {
    [IN] = { .doc = "items of any type, all taken and counted" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "sink",
    .version = "1.0",
    .summary = "takes and counts everything (any type); logs the totals",
    .ports = STEADY_PORTS(ports),
    .state_size = sizeof(struct sink_state),
    .run = run,
    .port_info = port_info,
};

STEADY_PLUGIN_DEFINE(desc)
