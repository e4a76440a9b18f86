/* split.c - one input to many outputs, round robin, for any type: item i
 * goes to output (i mod n), skipping outputs whose consumer has gone. The
 * position is persistent state, so a restart goes on with the same output.
 * Waiting for room on the next output (and not any output) keeps the
 * distribution exact, as a downstream that counts on it expects. */
#include <steady/steady.h>

enum { IN, OUT };

struct split_state {
    uint64_t sent; /* items sent */
    uint32_t next; /* the output of the next item */
};

/* The next output whose consumer is still there, from s->next on; false
 * when every consumer has gone. */
static bool next_live(struct steady_actor *a, struct split_state *s)
{
    unsigned k = steady_wired(a, OUT);

    for (unsigned j = 0; j < k; j++, s->next = (s->next + 1) % k) {
        if (!steady_channel_consumer_gone(steady_port_at(a, OUT, s->next)))
            return true;
    }
    return false;
}

static int run(struct steady_actor *a)
{
    struct split_state *s = steady_state(a);
    bool varsize = steady_port_elem_size(a, IN) == STEADY_VARSIZE;
    unsigned k = steady_wired(a, OUT);
    size_t need = 1;

    if (k && s->next >= k)
        s->next = 0; /* the graph now wires fewer outputs */
    while (steady_running(a)) {
        struct steady_channel *out;
        const void *m;
        size_t len;

        if (!next_live(a, s)) {
            steady_info(a, "every output's consumer has gone");
            break;
        }
        if (!steady_await_all(a, steady_avail(a, IN, 1),
                              steady_vacant_at(a, OUT, s->next, need)))
            continue; /* cut short: steady_running decides */
        m = steady_peek_msg(a, IN, &len);
        if (!m)
            continue;
        out = steady_port_at(a, OUT, s->next);
        if (len > steady_channel_byte_capacity(out)) {
            steady_dead_letter(a, IN, "larger than the output can hold");
            continue;
        }
        if (!steady_channel_send_msg(out, m, len)) {
            need = varsize ? len : 1;
            continue;
        }
        steady_take_msg(a, IN);
        need = 1;
        s->sent++;
        s->next = (s->next + 1) % k;
    }
    steady_info(a, "sent %llu items round robin to %u outputs",
                (unsigned long long)s->sent, k);
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, STEADY_TYPE_ANY, 0, true },
    [OUT] = { "out", STEADY_OUT, STEADY_TYPE_ANY, 0, true },
};

static const struct steady_port_info port_info[] = {
    [IN] = { .doc = "items of any type" },
    [OUT] = { .doc = "item i goes to channel i mod n",
              .flags = STEADY_PORT_MANY },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "split",
    .version = "1.0",
    .summary = "splits one input (any type) round robin over many outputs",
    .ports = STEADY_PORTS(ports),
    .state_size = sizeof(struct split_state),
    .run = run,
    .port_info = port_info,
};

STEADY_PLUGIN_DEFINE(desc)
