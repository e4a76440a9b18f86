/* worker - on each heartbeat moves every value it can (as many as are
 * available and as fit) to the logger as FizzBuzz messages. Once the
 * heartbeat has stopped it drains what is left: no value is lost or reordered.
 */
#include "fizzbuzz.h"

#include <steady/steady.h>

enum { HEARTBEAT, VALUES, OUT };

static const struct steady_port_desc ports[] = {
    [HEARTBEAT] = { "heartbeat", STEADY_IN, "u64", sizeof(uint64_t), true },
    [VALUES] = { "values", STEADY_IN, "u64", sizeof(uint64_t), true },
    [OUT] = { "out", STEADY_OUT, FIZZBUZZ_TYPE, sizeof(struct fizzbuzz_msg),
              true },
};

static const struct steady_param_desc params[] = {
    { "fail_at", STEADY_PARAM_INT, "-1",
      "failure injection: panic once while converting this value, before "
      "anything of its batch is committed" },
};

struct worker_state {
    uint64_t failed_at; /* 1 + the value it panicked at; 0: none yet */
};

/* Item i of a borrowed region made of two spans of `size`-byte items. */
static void *item_at(const struct steady_span spans[2], size_t i, size_t size)
{
    if (i < spans[0].n)
        return (char *)spans[0].ptr + i * size;
    return (char *)spans[1].ptr + (i - spans[0].n) * size;
}

static void fail_if_asked(struct steady_actor *a, uint64_t v)
{
    struct worker_state *state = steady_state(a);
    int64_t fail_at = steady_param_int(a, "fail_at");

    if (fail_at >= 0 && v == (uint64_t)fail_at &&
        state->failed_at != v + 1) {
        state->failed_at = v + 1;
        steady_panic(a, "injected failure converting %llu",
                     (unsigned long long)v);
    }
}

/* Converts min(available, vacant) values straight from the values ring into
 * the out ring, with no copy in between, and returns how many moved. */
static size_t move_values(struct steady_actor *a)
{
    struct steady_channel *in = steady_port(a, VALUES);
    struct steady_channel *out = steady_port(a, OUT);
    struct steady_span src[2], dst[2];

    size_t n = steady_channel_borrow_read(in, src, SIZE_MAX);
    n = steady_channel_borrow_write(out, dst, n);
    for (size_t i = 0; i < n; i++) {
        const uint64_t *v = item_at(src, i, sizeof(uint64_t));
        struct fizzbuzz_msg *m = item_at(dst, i, sizeof(struct fizzbuzz_msg));
        *m = fizzbuzz_of(*v);
        fail_if_asked(a, *v);
    }
    /* commit only now: a failure above leaves the values in place for the
     * restarted run, and nothing half-sent */
    steady_channel_commit_send(out, n);
    steady_channel_commit_take(in, n);
    return n;
}

static int run(struct steady_actor *a)
{
    uint64_t beat = 0;

    while (steady_running(a)) {
        bool beating = steady_await_all(a, steady_avail(a, HEARTBEAT, 1));
        bool ready = beating;
        if (beating) {
            steady_try_take(a, HEARTBEAT, &beat);
        } else {
            /* The heartbeat has closed: drain, waiting for values and room
             * rather than spinning. */
            ready = steady_await_all(a, steady_avail(a, VALUES, 1),
                                     steady_vacant(a, OUT, 1));
        }
        size_t n = move_values(a);
        if (!ready && n == 0)
            break; /* values drained, or nobody takes them: nothing is left */
        if (beating)
            steady_debug(a, "beat %llu: moved %zu", (unsigned long long)beat,
                         n);
        else
            steady_debug(a, "drain: moved %zu", n);
    }
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "worker",
    .version = "1.0",
    .summary = "on each heartbeat turns waiting values into FizzBuzz messages",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct worker_state),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
