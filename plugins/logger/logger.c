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

static const struct steady_param_desc params[] = {
    { "fail_at", STEADY_PARAM_INT, "-1",
      "failure injection: panic once just before logging this value" },
};

struct logger_state {
    uint64_t logged;    /* messages logged, across restarts */
    uint64_t failed_at; /* 1 + the value it panicked at; 0: none yet */
};

/* Peek-before-commit: what was logged is taken before a failure, what was
 * not stays in the channel for the restarted run. */
static void fail_if_asked(struct steady_actor *a, struct fizzbuzz_msg m,
                          size_t logged_now)
{
    struct logger_state *state = steady_state(a);
    int64_t fail_at = steady_param_int(a, "fail_at");
    uint64_t v = fizzbuzz_value(m);

    if (fail_at < 0 || v != (uint64_t)fail_at || state->failed_at == v + 1)
        return;
    state->failed_at = v + 1;
    steady_channel_commit_take(steady_port(a, IN), logged_now);
    state->logged += logged_now;
    steady_panic(a, "injected failure before logging %llu",
                 (unsigned long long)v);
}

/* Logs and takes everything available now. */
static void log_available(struct steady_actor *a)
{
    struct logger_state *state = steady_state(a);
    struct steady_channel *in = steady_port(a, IN);
    struct steady_span spans[2];
    char text[32];
    size_t done = 0;

    size_t n = steady_channel_borrow_read(in, spans, SIZE_MAX);
    for (int s = 0; s < 2; s++) {
        const struct fizzbuzz_msg *m = spans[s].ptr;
        for (size_t i = 0; i < spans[s].n; i++, done++) {
            fail_if_asked(a, m[i], done);
            fizzbuzz_format(m[i], text, sizeof(text));
            steady_info(a, "Msg %s", text);
        }
    }
    steady_channel_commit_take(in, n);
    state->logged += n;
}

static int run(struct steady_actor *a)
{
    struct logger_state *state = steady_state(a);

    while (steady_running(a)) {
        bool ready = steady_await_all(a, steady_avail(a, IN, 1));
        /* Also after a wait cut short: what is there must still be logged. */
        log_available(a);
        if (!ready && steady_is_closed_and_empty(a, IN))
            break; /* the worker is done and everything is logged */
    }
    steady_info(a, "logged %llu messages", (unsigned long long)state->logged);
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "logger",
    .version = "1.0",
    .summary = "logs every FizzBuzz message at info",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct logger_state),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
