/* merge.c - many inputs to one output, for any type: a fan-in. Fair: each
 * round starts one input further on and moves at most a batch from each,
 * so a busy input cannot starve a quiet one. Items of one input keep their
 * order; the interleaving of inputs is whatever arrives. It ends when every
 * input has ended (end of stream), or when its consumer has gone. */
#include <steady/steady.h>

enum { IN, OUT };

/* Items moved from one input per round, at most. */
#define MERGE_BATCH 64

struct merge_state {
    uint64_t merged; /* items moved to the output */
    uint32_t next;   /* the input the next round starts with */
};

static size_t move_fixed(struct steady_channel *in, struct steady_channel *out)
{
    struct steady_span spans[2];
    size_t n = steady_channel_avail(in);

    if (n > steady_channel_vacant(out))
        n = steady_channel_vacant(out);
    if (n > MERGE_BATCH)
        n = MERGE_BATCH;
    if (n == 0)
        return 0;
    n = steady_channel_borrow_read(in, spans, n);
    for (int k = 0; k < 2; k++)
        steady_channel_send_many(out, spans[k].ptr, spans[k].n);
    steady_channel_commit_take(in, n);
    return n;
}

/* Moves one message when it fits now; otherwise records the room it needs
 * in *need (the smallest blocked message decides the next wait). */
/* Messages dropped as too big, logged each up to here; after that only
 * at powers of two (a stream of them must not flood the log). */
#define MERGE_TOO_BIG_LOGGED 10

static size_t move_msg(struct steady_actor *a, struct steady_channel *in,
                       struct steady_channel *out, size_t *need,
                       uint64_t *too_big)
{
    size_t len;
    const void *m = steady_channel_peek_msg(in, &len);
    uint64_t n;

    if (!m)
        return 0;
    if (len > steady_channel_byte_capacity(out)) {
        /* can never fit: say so and drop it rather than wait for ever */
        n = ++*too_big;
        steady_count_add(a, "too_big", 1);
        if (n <= MERGE_TOO_BIG_LOGGED || (n & (n - 1)) == 0)
            steady_error(a,
                         "dropped a message of %zu bytes: the output holds "
                         "at most %zu (%llu dropped so far; counted in "
                         "too_big)",
                         len, steady_channel_byte_capacity(out),
                         (unsigned long long)n);
        steady_channel_take_msg(in);
        return 0;
    }
    if (!steady_channel_send_msg(out, m, len)) {
        if (*need == 1 || len < *need)
            *need = len;
        return 0;
    }
    steady_channel_take_msg(in);
    return 1;
}

static int run(struct steady_actor *a)
{
    struct merge_state *s = steady_state(a);
    struct steady_channel *out = steady_port(a, OUT);
    bool varsize = steady_port_elem_size(a, OUT) == STEADY_VARSIZE;
    unsigned k = steady_wired(a, IN);
    size_t need = 1;      /* room to wait for on the output */
    uint64_t too_big = 0; /* messages dropped as larger than the output */

    while (steady_running(a)) {
        size_t moved = 0, blocked = 1;

        if (steady_channel_consumer_gone(out)) {
            steady_info(a, "the output's consumer has gone");
            break;
        }
        if (!steady_await_all(a, steady_avail(a, IN, 1),
                              steady_vacant(a, OUT, need)))
            continue; /* cut short: steady_running decides */
        for (unsigned j = 0; j < k; j++) {
            struct steady_channel *in =
                steady_port_at(a, IN, (s->next + j) % k);

            if (varsize) {
                for (int b = 0; b < MERGE_BATCH; b++) {
                    size_t one = move_msg(a, in, out, &blocked, &too_big);

                    if (!one)
                        break;
                    moved += one;
                }
            } else {
                moved += move_fixed(in, out);
            }
        }
        s->next = k ? (s->next + 1) % k : 0;
        s->merged += moved;
        need = moved ? 1 : blocked;
    }
    steady_info(a, "merged %llu items from %u inputs",
                (unsigned long long)s->merged, k);
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, STEADY_TYPE_ANY, 0, true },
    [OUT] = { "out", STEADY_OUT, STEADY_TYPE_ANY, 0, true },
};

static const struct steady_port_info port_info[] = {
    [IN] = { .doc = "items of any type, from any number of channels",
             .flags = STEADY_PORT_MANY },
    [OUT] = { .doc = "every input item, inputs interleaved fairly" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "merge",
    .version = "1.0",
    .summary = "merges many inputs (any type) into one output, fairly",
    .ports = STEADY_PORTS(ports),
    .state_size = sizeof(struct merge_state),
    .run = run,
    .port_info = port_info,
};

STEADY_PLUGIN_DEFINE(desc)
