/* tee.c - copies each item to every output: a fan-out for any type. An
 * item is taken only once every output whose consumer is still there has
 * room for it, so the slowest consumer sets the pace (backpressure: nothing
 * is dropped). Fixed-size items move in batches, in place; variable-size
 * messages one at a time. Outputs whose consumer has gone are skipped; once
 * all have gone, tee ends (its producer then sees its consumer gone). */
#include <steady/steady.h>

enum { IN, OUT };

struct tee_state {
    uint64_t copied; /* items taken and copied to every live output */
};

/* Outputs still taken from; 0 when every consumer has gone. */
static unsigned live_outputs(struct steady_actor *a)
{
    unsigned live = 0;

    for (unsigned i = 0; i < steady_wired(a, OUT); i++)
        live += !steady_channel_consumer_gone(steady_port_at(a, OUT, i));
    return live;
}

/* Copies up to the room every live output has, in one batch; returns how
 * many items moved. */
static size_t copy_fixed(struct steady_actor *a)
{
    struct steady_channel *in = steady_port(a, IN);
    struct steady_span spans[2];
    size_t n = steady_channel_avail(in);

    for (unsigned i = 0; i < steady_wired(a, OUT); i++) {
        struct steady_channel *out = steady_port_at(a, OUT, i);

        if (!steady_channel_consumer_gone(out) &&
            steady_channel_vacant(out) < n)
            n = steady_channel_vacant(out);
    }
    if (n == 0)
        return 0;
    n = steady_channel_borrow_read(in, spans, n);
    for (unsigned i = 0; i < steady_wired(a, OUT); i++) {
        struct steady_channel *out = steady_port_at(a, OUT, i);

        if (steady_channel_consumer_gone(out))
            continue;
        for (int k = 0; k < 2; k++)
            steady_channel_send_many(out, spans[k].ptr, spans[k].n);
    }
    steady_channel_commit_take(in, n);
    return n;
}

/* Copies the next message if every live output can hold it now; returns 1
 * when it moved, 0 when it waits for `*need` bytes of room. */
static size_t copy_msg(struct steady_actor *a, size_t *need)
{
    size_t len;
    const void *m = steady_peek_msg(a, IN, &len);

    if (!m)
        return 0;
    for (unsigned i = 0; i < steady_wired(a, OUT); i++) {
        struct steady_channel *out = steady_port_at(a, OUT, i);

        if (steady_channel_consumer_gone(out))
            continue;
        if (len > steady_channel_byte_capacity(out)) {
            /* can never fit: set it aside rather than wait for ever */
            steady_dead_letter(a, IN, "larger than an output can hold");
            return 0;
        }
        if (steady_channel_vacant_bytes(out) < len) {
            *need = len;
            return 0;
        }
    }
    for (unsigned i = 0; i < steady_wired(a, OUT); i++) {
        struct steady_channel *out = steady_port_at(a, OUT, i);

        if (!steady_channel_consumer_gone(out))
            steady_channel_send_msg(out, m, len);
    }
    steady_take_msg(a, IN);
    *need = 1;
    return 1;
}

static int run(struct steady_actor *a)
{
    struct tee_state *s = steady_state(a);
    bool varsize = steady_port_elem_size(a, IN) == STEADY_VARSIZE;
    size_t need = 1; /* units of room to wait for on every output */

    while (steady_running(a)) {
        if (live_outputs(a) == 0) {
            steady_info(a, "every output's consumer has gone");
            break;
        }
        if (!steady_await_all(a, steady_avail(a, IN, 1),
                              steady_vacant(a, OUT, need)))
            continue; /* cut short: steady_running decides */
        s->copied += varsize ? copy_msg(a, &need) : copy_fixed(a);
    }
    steady_info(a, "copied %llu items to %u outputs",
                (unsigned long long)s->copied, steady_wired(a, OUT));
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, STEADY_TYPE_ANY, 0, true },
    [OUT] = { "out", STEADY_OUT, STEADY_TYPE_ANY, 0, true },
};

static const struct steady_port_info port_info[] = {
    [IN] = { .doc = "items of any type" },
    [OUT] = { .doc = "a copy of every item on each channel",
              .flags = STEADY_PORT_MANY },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tee",
    .version = "1.0",
    .summary = "copies each item (any type) to every output",
    .ports = STEADY_PORTS(ports),
    .state_size = sizeof(struct tee_state),
    .run = run,
    .port_info = port_info,
};

STEADY_PLUGIN_DEFINE(desc)
