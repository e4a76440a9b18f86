/* tp_anycopy.c - an any-typed actor for tests: `in` and `out` take
 * whatever type the graph wires to them (one type for both), and each item
 * is copied verbatim, with the element size the actor learns at run time.
 * Both ports are optional, so that a graph can resolve its type from
 * either side. */
#include <stdlib.h>
#include <steady/steady.h>

enum { IN, OUT };

#define BATCH 64

static int init(struct steady_actor *a)
{
    size_t size = steady_port_elem_size(a, IN);
    void *buf;

    if (size == STEADY_VARSIZE)
        return steady_fail(a, "no type resolved, or variable-size messages "
                              "(not handled)");
    buf = malloc(BATCH * size);
    if (!buf)
        return steady_fail(a, "out of memory");
    steady_set_ctx(a, buf);
    return 0;
}

static void destroy(struct steady_actor *a)
{
    free(steady_ctx(a));
}

static int run(struct steady_actor *a)
{
    struct steady_channel *in = steady_port(a, IN), *out = steady_port(a, OUT);
    void *buf = steady_ctx(a);
    uint64_t copied = 0;

    steady_info(a, "carries '%s' (%zu bytes)", steady_port_type(a, OUT),
                steady_port_elem_size(a, OUT));
    if (!in)
        return 0; /* nothing will come */
    while (steady_running(a)) {
        size_t room = BATCH, n;

        if (out) {
            if (!steady_await_all(a, steady_avail(a, IN, 1),
                                  steady_vacant(a, OUT, 1)))
                continue; /* cut short: steady_running decides */
            room = steady_vacant_count(a, OUT);
            if (room > BATCH)
                room = BATCH;
        } else if (!steady_await_all(a, steady_avail(a, IN, 1))) {
            continue;
        }
        n = steady_channel_take_many(in, buf, room);
        if (out)
            steady_channel_send_many(out, buf, n);
        copied += n;
    }
    steady_info(a, "copied %llu items", (unsigned long long)copied);
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, STEADY_TYPE_ANY, 0, false },
    [OUT] = { "out", STEADY_OUT, STEADY_TYPE_ANY, 0, false },
};

static const struct steady_port_info port_info[] = {
    [IN] = { .doc = "items of any type" },
    [OUT] = { .doc = "the same items" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_anycopy",
    .version = "1.0",
    .summary = "copies items of whatever type is wired to it",
    .ports = STEADY_PORTS(ports),
    .init = init,
    .run = run,
    .destroy = destroy,
    .port_info = port_info,
};

STEADY_PLUGIN_DEFINE(desc)
