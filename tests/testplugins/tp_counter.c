/* tp_counter.c - sends 0, 1, 2, ... from persistent state, for supervision
 * tests. It can fail once at a value (fail_at), fail on every run
 * (fail_always), checkpoint its state after every send (checkpoint), and
 * stops the graph after `count` values. */
#include <steady/steady.h>
#include <string.h>

#ifndef TP_COUNTER_VERSION /* tp_impostor.c builds this with another */
#define TP_COUNTER_VERSION "1.0"
#endif

enum { OUT };

struct counter_state {
    uint64_t next;         /* the next value to send */
    uint64_t failed_at;    /* 1 + the value it already failed at; 0: none */
    uint8_t pattern[1000]; /* all bytes equal next % 256: torn-write check */
};

static int init(struct steady_actor *a)
{
    struct counter_state *s = steady_state(a);

    for (size_t i = 1; i < sizeof(s->pattern); i++)
        if (s->pattern[i] != s->pattern[0])
            return steady_fail(a, "state is torn at byte %zu", i);
    if (s->next)
        steady_info(a, "resuming at %llu", (unsigned long long)s->next);
    return 0;
}

static int run(struct steady_actor *a)
{
    struct counter_state *s = steady_state(a);
    int64_t count = steady_param_int(a, "count");
    int64_t fail_at = steady_param_int(a, "fail_at");
    bool checkpoint = steady_param_bool(a, "checkpoint");

    if (steady_param_bool(a, "fail_always"))
        steady_panic(a, "fails on every run, as configured");
    while (steady_running(a)) {
        if (count >= 0 && s->next >= (uint64_t)count) {
            steady_request_shutdown(a);
            steady_await_all(a, steady_timeout(a, 1000));
            continue;
        }
        if (!steady_await_all(a, steady_vacant(a, OUT, 1)))
            continue;
        if (fail_at >= 0 && s->next == (uint64_t)fail_at &&
            s->failed_at != s->next + 1) {
            s->failed_at = s->next + 1;
            steady_panic(a, "injected failure at %llu",
                         (unsigned long long)s->next);
        }
        if (!steady_try_send(a, OUT, &s->next))
            continue;
        s->next++;
        memset(s->pattern, (int)(s->next % 256), sizeof(s->pattern));
        if (checkpoint)
            steady_checkpoint(a);
    }
    steady_info(a, "sent up to %llu", (unsigned long long)s->next);
    return 0;
}

static const struct steady_port_desc ports[] = {
    { "out", STEADY_OUT, "u64", 8, true },
};

static const struct steady_param_desc params[] = {
    { "count", STEADY_PARAM_INT, "-1",
      "request shutdown once next reaches this (-1: never)" },
    { "fail_at", STEADY_PARAM_INT, "-1", "panic once before sending this" },
    { "fail_always", STEADY_PARAM_BOOL, "false", "panic at every start" },
    { "checkpoint", STEADY_PARAM_BOOL, "false",
      "save the state after every send" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_counter",
    .version = TP_COUNTER_VERSION,
    .summary = "counts from persistent state, failing on request",
    .ports = ports,
    .n_ports = sizeof(ports) / sizeof(ports[0]),
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .state_size = sizeof(struct counter_state),
    .init = init,
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)
