/* logger - logs every FizzBuzz message at info as "Msg FizzBuzz", "Msg Fizz",
 * "Msg Buzz" or "Msg Value(N)", and at the end how many it logged. It drains
 * its input completely before it stops.
 */
#include "worker/fizzbuzz.h"

#include <steady/steady.h>

enum { IN };

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, FIZZBUZZ_TYPE, sizeof(struct fizzbuzz_msg),
             true },
};

/* Logs and takes everything available now; returns how many. */
static size_t log_available(struct steady_actor *a)
{
    struct steady_channel *in = steady_port(a, IN);
    struct steady_span spans[2];
    char text[32];

    size_t n = steady_channel_borrow_read(in, spans, SIZE_MAX);
    for (int s = 0; s < 2; s++) {
        const struct fizzbuzz_msg *m = spans[s].ptr;
        for (size_t i = 0; i < spans[s].n; i++) {
            fizzbuzz_format(m[i], text, sizeof(text));
            steady_info(a, "Msg %s", text);
        }
    }
    steady_channel_commit_take(in, n);
    return n;
}

static int run(struct steady_actor *a)
{
    uint64_t logged = 0;

    while (steady_running(a)) {
        bool ready = steady_await_all(a, steady_avail(a, IN, 1));
        /* Also after a wait cut short: what is there must still be logged. */
        logged += log_available(a);
        if (!ready && steady_is_closed_and_empty(a, IN))
            break; /* the worker is done and everything is logged */
    }
    steady_info(a, "logged %llu messages", (unsigned long long)logged);
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "logger",
    .version = "1.0",
    .summary = "logs every FizzBuzz message at info",
    .ports = STEADY_PORTS(ports),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
